"""Keys, SS58 addresses, multisig accounts and signed calls (spec/signing.md, rules SIG-xx).

A signed call binds a domain tag, the chain id, the signer account, that account's nonce and the call:

    payload = canonical CBOR of [b"sc4it/call/v1", chain_id, signer, nonce, call]

Each signature is an ed25519 signature of `payload` by one key. A single-key account's id is its public
key. A multisig account is `threshold`-of-n keys; its id is

    blake2b-256(b"sc4it/multisig/v1" || canonical CBOR of [threshold, sorted signatories])

and a call from it carries the `MultisigSpec` (so the id can be re-derived) and at least `threshold`
valid signatures by distinct signatories.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import attrs
import cbor2
import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.signing

from sc4it.kernel.calls import Call
from sc4it.kernel.codec import blake2b_256, codec_for, encode
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.schema import U16, U64, U64_MAX, AccountId, Hash32, Len, Signature64

DOMAIN_TAG = b"sc4it/call/v1"
MULTISIG_TAG = b"sc4it/multisig/v1"
MAX_SIGNATORIES = 100

# ------------------------------------------------------------------------------------------------
# SS58 (Substrate's address format)

_B58_ALPHABET = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


def _b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = bytearray()
    while n:
        n, r = divmod(n, 58)
        out.append(_B58_ALPHABET[r])
    pad = len(data) - len(data.lstrip(b"\0"))
    return (b"1" * pad + bytes(reversed(out))).decode()


def _b58decode(text: str) -> bytes:
    n = 0
    raw = text.encode()
    for c in raw:
        if c not in _B58_INDEX:
            raise ValueError(f"invalid base58 character {chr(c)!r}")
        n = n * 58 + _B58_INDEX[c]
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(raw) - len(raw.lstrip(b"1"))
    return b"\0" * pad + body


def ss58_prefix_ok(prefix: int) -> bool:
    """SS58 prefixes are 14-bit; 46 and 47 are reserved."""
    return 0 <= prefix < 16384 and prefix not in (46, 47)


def _ss58_prefix_bytes(prefix: int) -> bytes:
    if not ss58_prefix_ok(prefix):
        raise ValueError(f"invalid SS58 prefix {prefix}")
    if prefix < 64:
        return bytes([prefix])
    first = ((prefix & 0b1111_1100) >> 2) | 0b0100_0000
    second = (prefix >> 8) | ((prefix & 0b11) << 6)
    return bytes([first, second])


def _ss58_checksum(data: bytes) -> bytes:
    return hashlib.blake2b(b"SS58PRE" + data, digest_size=64).digest()[:2]


def ss58_encode(account_id: bytes, prefix: int = 42) -> str:
    """The SS58 address of a 32-byte account id (2-byte blake2b-512 checksum)."""
    if len(account_id) != 32:
        raise ValueError("SS58 encoding here is for 32-byte account ids")
    body = _ss58_prefix_bytes(prefix) + account_id
    return _b58encode(body + _ss58_checksum(body))


def ss58_decode(address: str, prefix: int | None = None) -> bytes:
    """The account id of an SS58 address; checks the checksum and, if given, the prefix."""
    raw = _b58decode(address)
    if len(raw) not in (35, 36):
        raise ValueError("not an SS58 address of a 32-byte account id")
    if raw[0] >= 128:
        raise ValueError(f"invalid SS58 prefix byte {raw[0]}")
    plen = 1 if raw[0] < 64 else 2
    if plen == 1:
        got = raw[0]
    else:
        lower = ((raw[0] << 2) | (raw[1] >> 6)) & 0xFF
        upper = raw[1] & 0b0011_1111
        got = lower | (upper << 8)
    body, checksum = raw[:-2], raw[-2:]
    if len(body) != plen + 32:
        raise ValueError("not an SS58 address of a 32-byte account id")
    if _ss58_checksum(body) != checksum:
        raise ValueError("SS58 checksum mismatch")
    if got in (46, 47) or (plen == 2 and got < 64):
        raise ValueError(f"reserved or non-canonical SS58 prefix {got}")
    if prefix is not None and got != prefix:
        raise ValueError(f"SS58 prefix {got}, expected {prefix}")
    return bytes(body[plen:])


# ------------------------------------------------------------------------------------------------
# Keys


class Keypair:
    """An ed25519 keypair (pynacl). `account_id` is the 32-byte public key."""

    __slots__ = ("_sk", "account_id")

    def __init__(self, signing_key: nacl.signing.SigningKey) -> None:
        self._sk = signing_key
        self.account_id: bytes = bytes(signing_key.verify_key)

    @classmethod
    def from_seed(cls, seed: bytes) -> Keypair:
        if len(seed) != 32:
            raise ValueError("an ed25519 seed is 32 bytes")
        return cls(nacl.signing.SigningKey(seed))

    @property
    def seed(self) -> bytes:
        return bytes(self._sk)

    def ss58(self, prefix: int = 42) -> str:
        return ss58_encode(self.account_id, prefix)

    def sign(self, message: bytes) -> bytes:
        return bytes(self._sk.sign(message).signature)

    def curve25519_private_key(self) -> nacl.public.PrivateKey:
        """This ed25519 key converted to an X25519 private key (sealed boxes, `sc4it.deployment`)."""
        return self._sk.to_curve25519_private_key()

    def __repr__(self) -> str:
        return f"Keypair({self.ss58()})"


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Bare ed25519 verification: libsodium's `crypto_sign_open`, which pynacl's `VerifyKey.verify`
    calls, without building a key object on every call (the hot path of `apply`); never raises."""
    if len(signature) != 64:  # as VerifyKey.verify, which refuses other lengths
        return False
    try:
        nacl.bindings.crypto_sign_open(signature + message, public_key)
        return True
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return False


# ------------------------------------------------------------------------------------------------
# Signed calls


@attrs.frozen(slots=True)
class MultisigSpec:
    """`threshold`-of-n signatories; `signatories` sorted bytewise, distinct."""

    threshold: U16
    signatories: Annotated[tuple[AccountId, ...], Len(MAX_SIGNATORIES, 1)]

    @staticmethod
    def of(threshold: int, signatories: Sequence[bytes]) -> MultisigSpec:
        return MultisigSpec(threshold, tuple(sorted(set(signatories))))

    def is_well_formed(self) -> bool:
        s = self.signatories
        return (
            1 <= self.threshold <= len(s)
            and all(s[i] < s[i + 1] for i in range(len(s) - 1))
            and len(s) <= MAX_SIGNATORIES
        )

    def account_id(self) -> bytes:
        return multisig_account_id(self)


def multisig_account_id(spec: MultisigSpec) -> bytes:
    return blake2b_256(MULTISIG_TAG + encode(spec))


@attrs.frozen(slots=True)
class Signature:
    public_key: AccountId
    signature: Signature64


@attrs.frozen(slots=True)
class SignedCall:
    chain_id: Hash32
    signer: AccountId
    nonce: U64
    call: Call
    signatures: Annotated[tuple[Signature, ...], Len(MAX_SIGNATORIES)]
    multisig: MultisigSpec | None = None

    def payload(self) -> bytes:
        return signing_payload(self.chain_id, self.signer, self.nonce, self.call)


def signing_payload(chain_id: bytes, signer: bytes, nonce: int, call: Call) -> bytes:
    """The exact bytes every signature of a signed call covers (SIG-04)."""
    return payload_of(chain_id, signer, nonce, _call_encoder()(call))


def payload_of(chain_id: bytes, signer: bytes, nonce: int, call_obj: Any) -> bytes:
    """`signing_payload` from the call's CBOR data model (`call_data`)."""
    return cbor2.dumps([DOMAIN_TAG, chain_id, signer, nonce, call_obj], canonical=True)


def call_data(call: Call) -> Any:
    """SIG-15: the CBOR data model of `call`, or `DecodeError` naming the field if a field is outside
    the bounds its type declares (a call that `decode` would refuse, built in memory)."""
    try:
        obj = _call_encoder()(call)
    except Exception as e:
        raise DecodeError("call", f"not a call: {e!r}") from None
    _call_decoder()(obj, "call")
    return obj


@functools.cache
def _call_decoder() -> Callable[[Any, str], Any]:
    return codec_for(Call).dec


@functools.cache
def _call_encoder() -> Callable[[Call], Any]:
    """`to_obj(call, Call)` without looking the union's codec up on every call."""
    return codec_for(Call).enc


def sign(
    call: Call,
    signers: Keypair | Sequence[Keypair],
    nonce: int,
    chain_id: bytes,
    *,
    multisig: MultisigSpec | None = None,
) -> SignedCall:
    """Sign `call` as a single key (one `Keypair`) or as the multisig account `multisig`."""
    keys = [signers] if isinstance(signers, Keypair) else list(signers)
    if multisig is None:
        if len(keys) != 1:
            raise ValueError("a single-key call has exactly one signer; pass multisig= for several")
        signer = keys[0].account_id
    else:
        signer = multisig.account_id()
    if not (type(nonce) is int and 0 <= nonce <= U64_MAX and len(chain_id) == 32):
        raise DecodeError(
            "nonce", f"a u64 nonce and a 32-byte chain id, got {nonce!r}, {len(chain_id)} bytes"
        )
    payload = payload_of(chain_id, signer, nonce, call_data(call))  # SIG-15
    sigs = tuple(Signature(k.account_id, k.sign(payload)) for k in keys)
    return SignedCall(chain_id, signer, nonce, call, sigs, multisig)
