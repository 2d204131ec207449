"""Keys, SS58 addresses, multisig accounts and signed calls (spec/signing.md, rules SIG-xx).

A signed call binds a domain tag, the chain id, the signer account, that account's nonce and the call:

    payload = canonical CBOR of [b"sc4it/call/v1", chain_id, signer, nonce, call]

A mortal call also carries its era `[birth, period]`, appended to the payload (SIG-16). Each signature is an
ed25519 or sr25519 signature of `payload` by one key (SIG-01, SIG-17). A single-key account's id is its public
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
import sr25519

from sc4it.kernel.calls import Call
from sc4it.kernel.codec import blake2b_256, codec_for, encode
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.schema import U16, U64, U64_MAX, AccountId, Hash32, Len, Signature64, Trailing

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


class Sr25519Keypair(Keypair):
    """An sr25519 keypair (schnorrkel, through py-sr25519-bindings, the binding py-substrate-interface
    uses): the polkadot.js default. `account_id` is the 32-byte public key; signatures are randomized
    (SIG-17), so only verification is reproducible."""

    __slots__ = ("_public", "_secret")

    def __init__(self, public: bytes, secret: bytes) -> None:
        self._public = public
        self._secret = secret
        self.account_id = public

    @classmethod
    def from_seed(cls, seed: bytes) -> Sr25519Keypair:
        """SIG-17: the keypair of a 32-byte mini secret (schnorrkel's `ExpandMode::Ed25519`)."""
        if len(seed) != 32:
            raise ValueError("an sr25519 mini secret is 32 bytes")
        public, secret = sr25519.pair_from_seed(seed)
        return cls(bytes(public), bytes(secret))

    @property
    def seed(self) -> bytes:
        raise ValueError("an sr25519 keypair keeps its expanded secret, not the mini secret")

    def sign(self, message: bytes) -> bytes:
        return bytes(sr25519.sign((self._public, self._secret), message))

    def hard_derive(self, chain_code: bytes) -> Sr25519Keypair:
        """SIG-18: schnorrkel's hard derivation (`//junction`)."""
        _, public, secret = sr25519.hard_derive_keypair((chain_code, self._public, self._secret), b"")
        return Sr25519Keypair(bytes(public), bytes(secret))

    def soft_derive(self, chain_code: bytes) -> Sr25519Keypair:
        """SIG-18: schnorrkel's soft derivation (`/junction`)."""
        _, public, secret = sr25519.derive_keypair((chain_code, self._public, self._secret), b"")
        return Sr25519Keypair(bytes(public), bytes(secret))

    def curve25519_private_key(self) -> nacl.public.PrivateKey:
        raise ValueError("sealed boxes need an ed25519 key")

    def __repr__(self) -> str:
        return f"Sr25519Keypair({self.ss58()})"


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """SIG-17: a 64-byte signature whose last byte has its top bit set is sr25519 (schnorrkel marks every
    signature so, and an ed25519 signature never has it: its scalar is below 2^253); any other is ed25519:
    libsodium's `crypto_sign_open`, which pynacl's `VerifyKey.verify` calls, without building a key object
    on every call (the hot path of `apply`). Never raises."""
    if len(signature) != 64:  # as VerifyKey.verify, which refuses other lengths
        return False
    if signature[63] & 0x80:
        return _verify_sr25519(public_key, message, signature)
    try:
        nacl.bindings.crypto_sign_open(signature + message, public_key)
        return True
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return False


def _verify_sr25519(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(public_key) != 32:
        return False
    try:
        return bool(sr25519.verify(signature, message, public_key))
    except (ValueError, TypeError):  # not a Ristretto point, malformed signature
        return False


# ------------------------------------------------------------------------------------------------
# Development accounts and secret URIs, as Substrate derives them (SIG-18)

DEV_PHRASE = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"
"""Substrate's development phrase (`sp_core::crypto::DEV_PHRASE`): `//Alice` is this phrase, hard-derived."""


def mini_secret_from_phrase(phrase: str, password: str = "") -> bytes:
    """SIG-18: Substrate's `mini_secret_from_entropy`: PBKDF2-HMAC-SHA512 of the phrase's BIP39 entropy
    (not of the phrase text) with salt `"mnemonic" + password`, 2048 rounds, first 32 bytes."""
    from mnemonic import Mnemonic  # here, not at the top: only phrase keys need it (and its word lists)

    try:
        entropy = bytes(Mnemonic("english").to_entropy(phrase))
    except (ValueError, LookupError) as e:
        raise ValueError(f"not a BIP39 English phrase: {e}") from None
    return hashlib.pbkdf2_hmac("sha512", entropy, b"mnemonic" + password.encode(), 2048)[:32]


def chain_code(junction: str) -> bytes:
    """SIG-18: a junction's 32-byte chain code: a decimal number as u64 little-endian, anything else as its
    SCALE encoding (compact length + UTF-8); hashed with blake2b-256 if longer than 32 bytes, else
    zero-padded."""
    if junction.isdigit() and int(junction) < 1 << 64:
        raw = int(junction).to_bytes(8, "little")
    else:
        raw = _scale_bytes(junction.encode())
    if len(raw) > 32:
        raw = hashlib.blake2b(raw, digest_size=32).digest()
    return raw.ljust(32, b"\0")


def _scale_bytes(data: bytes) -> bytes:
    n = len(data)
    if n < 1 << 6:
        head = bytes([n << 2])
    elif n < 1 << 14:
        head = ((n << 2) | 1).to_bytes(2, "little")
    elif n < 1 << 30:
        head = ((n << 2) | 2).to_bytes(4, "little")
    else:  # pragma: no cover - a junction is never a gigabyte
        raise ValueError("junction too long")
    return head + data


_ED25519_HDKD = _scale_bytes(b"Ed25519HDKD")


def keypair_from_uri(uri: str, scheme: str = "sr25519") -> Keypair:
    """SIG-18: the key of a Substrate secret URI `[phrase][//hard|/soft ...][///password]` (`//Alice` is
    the development phrase hard-derived with `Alice`), for `scheme` "sr25519" (default, as polkadot.js) or
    "ed25519" (hard junctions only)."""
    phrase, _, password = uri.partition("///")
    start = phrase.find("/")
    words, path = (phrase, "") if start < 0 else (phrase[:start], phrase[start:])
    words = words.strip() or DEV_PHRASE
    mini = mini_secret_from_phrase(words, password)
    junctions: list[tuple[bool, str]] = []
    rest = path
    while rest:
        hard = rest.startswith("//")
        rest = rest[2:] if hard else rest[1:]
        end = rest.find("/")
        name, rest = (rest, "") if end < 0 else (rest[:end], rest[end:])
        if not name:
            raise ValueError(f"empty junction in {uri!r}")
        junctions.append((hard, name))
    if scheme == "sr25519":
        key = Sr25519Keypair.from_seed(mini)
        for hard, name in junctions:
            key = key.hard_derive(chain_code(name)) if hard else key.soft_derive(chain_code(name))
        return key
    if scheme == "ed25519":
        seed = mini
        for hard, name in junctions:
            if not hard:
                raise ValueError("ed25519 has no soft derivation")
            seed = blake2b_256(_ED25519_HDKD + seed + chain_code(name))
        return Keypair.from_seed(seed)
    raise ValueError(f"unknown scheme {scheme!r} (sr25519 or ed25519)")


def dev_account(name: str, scheme: str = "sr25519") -> Keypair:
    """SIG-18: Substrate's development account `//Name` (`dev_account("Alice")`)."""
    return keypair_from_uri("//" + name, scheme)


# ------------------------------------------------------------------------------------------------
# Signed calls

MIN_ERA_PERIOD, MAX_ERA_PERIOD = 4, 65536
"""SIG-16: Substrate's bounds of a mortal era's period (a power of two)."""


@attrs.frozen(slots=True)
class Mortality:
    """SIG-16: a mortal call is valid in blocks `birth .. birth + period - 1`."""

    birth: U64
    period: U64

    def is_well_formed(self) -> bool:
        p = self.period
        return MIN_ERA_PERIOD <= p <= MAX_ERA_PERIOD and p & (p - 1) == 0


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
    mortality: Annotated[Mortality | None, Trailing()] = None
    """SIG-16: None for an immortal call, whose encoding (and payload) is exactly as before eras existed."""

    def payload(self) -> bytes:
        return signing_payload(self.chain_id, self.signer, self.nonce, self.call, self.mortality)


def signing_payload(
    chain_id: bytes, signer: bytes, nonce: int, call: Call, mortality: Mortality | None = None
) -> bytes:
    """The exact bytes every signature of a signed call covers (SIG-04, SIG-16)."""
    return payload_of(chain_id, signer, nonce, _call_codec()[0](call), mortality)


def payload_of(
    chain_id: bytes, signer: bytes, nonce: int, call_obj: Any, mortality: Mortality | None = None
) -> bytes:
    """`signing_payload` from the call's CBOR data model (`call_data`); a mortal call appends its era."""
    items = [DOMAIN_TAG, chain_id, signer, nonce, call_obj]
    if mortality is not None:
        items.append([mortality.birth, mortality.period])
    return cbor2.dumps(items, canonical=True)


def call_data(call: Call) -> Any:
    """SIG-15: the CBOR data model of `call`, or `DecodeError` naming the field if a field is outside
    the bounds its type declares (a call that `decode` would refuse, built in memory), or if the data
    reads back as another value (a field of the wrong type that encodes like a valid one, e.g. `b""` for
    an empty tuple)."""
    enc, proves, dec = _call_codec()
    try:
        obj = enc(call)
    except Exception as e:
        raise DecodeError("call", f"not a call: {e!r}") from None
    try:
        proved = proves(call)  # by the codec's own checks, without building the decoded call
    except Exception:  # a field of a foreign type can make a check raise: that proves nothing
        proved = False
    if proved:
        return obj
    if dec(obj, "call") != call:
        raise DecodeError("call", "a field's value is not of its declared type (it reads back otherwise)")
    return obj


@functools.cache
def _call_codec() -> tuple[Callable[[Call], Any], Callable[[Call], bool], Callable[[Any, str], Any]]:
    """The encoder, the `reads_back` check (`codec.reads_back(call, Call)` without its `try`) and the
    decoder of `Call`, looked up once (built on first use, not at import)."""
    codec = codec_for(Call)
    return codec.enc, codec.reads_back, codec.dec


def _call_decoder() -> Callable[[Any, str], Any]:
    return _call_codec()[2]


def sign(
    call: Call,
    signers: Keypair | Sequence[Keypair],
    nonce: int,
    chain_id: bytes,
    *,
    multisig: MultisigSpec | None = None,
    mortality: Mortality | None = None,
) -> SignedCall:
    """Sign `call` as a single key (one `Keypair`) or as the multisig account `multisig`; `mortality`
    makes it valid only in that block range (SIG-16)."""
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
    payload = payload_of(chain_id, signer, nonce, call_data(call), mortality)  # SIG-15
    sigs = tuple(Signature(k.account_id, k.sign(payload)) for k in keys)
    return SignedCall(chain_id, signer, nonce, call, sigs, multisig, mortality)
