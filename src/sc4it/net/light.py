"""A CometBFT light client in the client (spec/network.md, NET-40..NET-47): finality is CometBFT's commit.

A header is final when validators holding more than 2/3 of the voting power of its validator set signed a
precommit for its hash. `verify_commit` checks exactly that, as CometBFT's `VerifyCommitLight` does
(types/validation.go at v0.38.26): the header's hash (a Merkle root of its encoded fields, NET-41) is the
commit's block id, the validator set hashes to the header's `validators_hash` (NET-42), and each
counted signature is an ed25519 signature by the validator at its index over CometBFT's canonical vote
sign-bytes (NET-43). `verify_next` moves a trusted header forward as CometBFT's light client does
(light/verifier.go): adjacent headers by `next_validators_hash`, others by more than 1/3 of the trusted
voting power having signed (NET-44), within the trusting period (NET-45).

The encodings are the protobuf messages generated from CometBFT's own `.proto` files
(`sc4it.net.engine.cometbft_types`) and protobuf's wrappers, never hand-written layouts. What a light
block is made of comes from any untrusted server: CometBFT's `/commit` and `/validators`, or the sc4it
node's `sc4it_lightBlock` (RPC-74).

The app hash of a header at height H is the state commitment after block H-1 (CometBFT's app hash lags
one block): `state_root_after(H - 1)` needs the verified header of H (NET-46).
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import re
from collections.abc import Sequence
from typing import Any

import attrs
import nacl.exceptions
import nacl.signing
from google.protobuf import wrappers_pb2

from sc4it.kernel import commitment
from sc4it.net.abci import encode_uvarint
from sc4it.net.engine import cometbft_types

PRECOMMIT = 2
"""`SIGNED_MSG_TYPE_PRECOMMIT` (tendermint/types/types.proto)."""
FLAG_ABSENT, FLAG_COMMIT, FLAG_NIL = 1, 2, 3
"""`BlockIDFlag` values (tendermint/types/validator.proto)."""
TRUST_LEVEL = (1, 3)
"""NET-44: the share of the trusted voting power that must have signed a non-adjacent header."""
MAX_VALIDATORS = 10_000
MAX_CLOCK_DRIFT_MS = 10_000


class LightError(ValueError):
    """A light block that does not verify; the message says which check failed."""


_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z\Z")


def parse_time(text: Any) -> tuple[int, int]:
    """CometBFT's RFC 3339 UTC time (`2026-12-03T17:30:00.123456789Z`) as (seconds, nanos)."""
    m = _TIME.match(text) if isinstance(text, str) else None
    if m is None:
        raise LightError(f"not a CometBFT time: {str(text)[:40]!r}")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    nanos = int((m.group(7) or "").ljust(9, "0"))
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)), nanos


def _hex(x: Any, name: str, sizes: tuple[int, ...] = (0, 32)) -> bytes:
    try:
        b = bytes.fromhex(x)
    except (TypeError, ValueError):
        raise LightError(f"{name}: not hex") from None
    if len(b) not in sizes:
        raise LightError(f"{name}: {len(b)} bytes")
    return b


def _b64(x: Any, name: str) -> bytes:
    try:
        return base64.b64decode(x, validate=True)
    except (TypeError, ValueError):
        raise LightError(f"{name}: not base64") from None


def _int(x: Any, name: str) -> int:
    if isinstance(x, int) and not isinstance(x, bool):
        return x
    if isinstance(x, str) and x.isdigit() and len(x) <= 19:
        return int(x)
    raise LightError(f"{name}: not an integer")


# ------------------------------------------------------------------------------------------------
# Merkle root (crypto/merkle/tree.go: RFC 6962 with a leaf prefix 0 and an inner prefix 1)


def merkle_root(items: Sequence[bytes]) -> bytes:
    """NET-41: `merkle.HashFromByteSlices`."""
    n = len(items)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + items[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)  # the largest power of two below n
    return hashlib.sha256(b"\x01" + merkle_root(items[:k]) + merkle_root(items[k:])).digest()


# ------------------------------------------------------------------------------------------------
# The records


@attrs.frozen(slots=True)
class BlockId:
    hash: bytes
    parts_total: int
    parts_hash: bytes

    @classmethod
    def from_json(cls, x: Any, name: str) -> BlockId:
        if not isinstance(x, dict) or not isinstance(x.get("parts"), dict):
            raise LightError(f"{name}: expected a block id")
        return cls(
            _hex(x.get("hash"), f"{name}.hash"),
            _int(x["parts"].get("total"), f"{name}.parts.total"),
            _hex(x["parts"].get("hash"), f"{name}.parts.hash"),
        )

    def proto(self, canonical: bool) -> Any:
        t = cometbft_types()
        kind = t.canonical.CanonicalBlockID if canonical else t.types.BlockID
        out = kind(hash=self.hash)
        out.part_set_header.SetInParent()  # gogoproto nullable=false: always on the wire
        out.part_set_header.total = self.parts_total
        out.part_set_header.hash = self.parts_hash
        return out


@attrs.frozen(slots=True)
class CometHeader:
    """A CometBFT block header (tendermint/types/types.proto `Header`)."""

    version_block: int
    version_app: int
    chain_id: str
    height: int
    time: tuple[int, int]
    """(seconds, nanos) since the epoch, UTC (BFT time)."""
    last_block_id: BlockId
    last_commit_hash: bytes
    data_hash: bytes
    validators_hash: bytes
    next_validators_hash: bytes
    consensus_hash: bytes
    app_hash: bytes
    last_results_hash: bytes
    evidence_hash: bytes
    proposer_address: bytes

    @property
    def number(self) -> int:
        return self.height

    @property
    def time_ms(self) -> int:
        return self.time[0] * 1000 + self.time[1] // 1_000_000

    @classmethod
    def from_json(cls, x: Any) -> CometHeader:
        """CometBFT's JSON of a header (its RPC's `header`, `commit`, `block`)."""
        if not isinstance(x, dict) or not isinstance(x.get("version"), dict):
            raise LightError("header: expected CometBFT's header object")
        chain_id = x.get("chain_id")
        if not isinstance(chain_id, str) or not 0 < len(chain_id) <= 50:
            raise LightError("header.chain_id: expected a chain id")
        h = {k: _hex(x.get(k), f"header.{k}") for k in _HASHES}
        return cls(
            _int(x["version"].get("block"), "header.version.block"),
            _int(x["version"].get("app", "0"), "header.version.app"),
            chain_id,
            _int(x.get("height"), "header.height"),
            parse_time(x.get("time")),
            BlockId.from_json(x.get("last_block_id"), "header.last_block_id"),
            h["last_commit_hash"],
            h["data_hash"],
            h["validators_hash"],
            h["next_validators_hash"],
            h["consensus_hash"],
            h["app_hash"],
            h["last_results_hash"],
            h["evidence_hash"],
            _hex(x.get("proposer_address"), "header.proposer_address", (20,)),
        )

    def hash(self) -> bytes:
        """NET-41: `Header.Hash()` (types/block.go): the Merkle root of its fields, each encoded as
        CometBFT encodes it (the version and BlockID messages, the time as a Timestamp, the others in
        protobuf's wrapper types, empty values as nothing)."""
        t = cometbft_types()
        version = t.version.Consensus(block=self.version_block, app=self.version_app)
        ts = t.timestamp(self.time)
        return merkle_root(
            [
                version.SerializeToString(),
                _wrap(wrappers_pb2.StringValue, self.chain_id),
                _wrap(wrappers_pb2.Int64Value, self.height),
                ts.SerializeToString(),
                self.last_block_id.proto(canonical=False).SerializeToString(),
                *(_wrap(wrappers_pb2.BytesValue, getattr(self, k)) for k in _HASHES),
                _wrap(wrappers_pb2.BytesValue, self.proposer_address),
            ]
        )


_HASHES = (  # in the order `Header.Hash()` takes them
    "last_commit_hash",
    "data_hash",
    "validators_hash",
    "next_validators_hash",
    "consensus_hash",
    "app_hash",
    "last_results_hash",
    "evidence_hash",
)


def _wrap(kind: Any, value: Any) -> bytes:
    """`cdcEncode` (types/encoding_helper.go): an empty value is no bytes at all."""
    if not value:
        return b""
    out: bytes = kind(value=value).SerializeToString()
    return out


@attrs.frozen(slots=True)
class Validator:
    address: bytes
    pub_key: bytes
    """ed25519 public key (32 bytes)."""
    power: int

    @classmethod
    def from_json(cls, x: Any, i: int) -> Validator:
        name = f"validators[{i}]"
        if not isinstance(x, dict) or not isinstance(x.get("pub_key"), dict):
            raise LightError(f"{name}: expected a validator")
        if x["pub_key"].get("type") != "tendermint/PubKeyEd25519":
            raise LightError(f"{name}: only ed25519 keys are supported")
        key = _b64(x["pub_key"].get("value"), f"{name}.pub_key")
        if len(key) != 32:
            raise LightError(f"{name}.pub_key: {len(key)} bytes")
        v = cls(_hex(x.get("address"), f"{name}.address", (20,)), key, _int(x.get("voting_power"), name))
        if v.address != hashlib.sha256(key).digest()[:20]:
            raise LightError(f"{name}: the address is not its key's")
        if v.power <= 0:
            raise LightError(f"{name}: voting power must be positive")
        return v

    def simple_bytes(self) -> bytes:
        """`Validator.Bytes()`: the `SimpleValidator` message of its key and power."""
        t = cometbft_types()
        sv = t.validator.SimpleValidator(voting_power=self.power)
        sv.pub_key.ed25519 = self.pub_key
        out: bytes = sv.SerializeToString()
        return out


def validators_hash(vals: Sequence[Validator]) -> bytes:
    """NET-42: `ValidatorSet.Hash()`: the Merkle root of the validators' `SimpleValidator` bytes, in
    the set's order."""
    return merkle_root([v.simple_bytes() for v in vals])


@attrs.frozen(slots=True)
class CommitSig:
    flag: int
    address: bytes
    time: tuple[int, int]
    signature: bytes


@attrs.frozen(slots=True)
class Commit:
    height: int
    round: int
    block_id: BlockId
    signatures: tuple[CommitSig, ...]

    @classmethod
    def from_json(cls, x: Any) -> Commit:
        if not isinstance(x, dict) or not isinstance(x.get("signatures"), list):
            raise LightError("commit: expected CometBFT's commit object")
        if len(x["signatures"]) > MAX_VALIDATORS:
            raise LightError("commit: too many signatures")
        sigs = []
        for i, s in enumerate(x["signatures"]):
            if not isinstance(s, dict):
                raise LightError(f"commit.signatures[{i}]: expected an object")
            flag = _int(s.get("block_id_flag"), f"commit.signatures[{i}].block_id_flag")
            if flag == FLAG_ABSENT:
                sigs.append(CommitSig(flag, b"", (0, 0), b""))
                continue
            sigs.append(
                CommitSig(
                    flag,
                    _hex(s.get("validator_address"), f"commit.signatures[{i}].validator_address", (20,)),
                    parse_time(s.get("timestamp")),
                    _b64(s.get("signature"), f"commit.signatures[{i}].signature"),
                )
            )
        return cls(
            _int(x.get("height"), "commit.height"),
            _int(x.get("round", 0), "commit.round"),
            BlockId.from_json(x.get("block_id"), "commit.block_id"),
            tuple(sigs),
        )

    def vote_sign_bytes(self, chain_id: str, index: int) -> bytes:
        """NET-43: `Commit.VoteSignBytes` (types/block.go, types/vote.go): the length-delimited
        `CanonicalVote` of the precommit at `index` (block id only when it voted for the block)."""
        t = cometbft_types()
        sig = self.signatures[index]
        vote = t.canonical.CanonicalVote(
            type=PRECOMMIT, height=self.height, round=self.round, chain_id=chain_id
        )
        if sig.flag == FLAG_COMMIT:
            vote.block_id.CopyFrom(self.block_id.proto(canonical=True))
        vote.timestamp.CopyFrom(t.timestamp(sig.time))
        body: bytes = vote.SerializeToString()
        return encode_uvarint(len(body)) + body


@attrs.frozen(slots=True)
class LightBlock:
    """A signed header and the validator set of its height."""

    header: CometHeader
    commit: Commit
    validators: tuple[Validator, ...]

    @classmethod
    def from_json(cls, x: Any) -> LightBlock:
        """`{"signed_header": {"header", "commit"}, "validators": [...]}` (RPC-74; CometBFT's `/commit`
        result and `/validators`' list)."""
        if not isinstance(x, dict) or not isinstance(x.get("signed_header"), dict):
            raise LightError("expected {signed_header, validators}")
        vals = x.get("validators")
        if not isinstance(vals, list) or not 1 <= len(vals) <= MAX_VALIDATORS:
            raise LightError("validators: expected 1 to 10000 validators")
        return cls(
            CometHeader.from_json(x["signed_header"].get("header")),
            Commit.from_json(x["signed_header"].get("commit")),
            tuple(Validator.from_json(v, i) for i, v in enumerate(vals)),
        )

    @property
    def height(self) -> int:
        return self.header.height


# ------------------------------------------------------------------------------------------------
# Verification


def verify_commit(block: LightBlock, chain_id: str) -> None:
    """NET-40..NET-43: the header is final: more than 2/3 of its validator set's power precommitted its
    hash. `LightError` otherwise."""
    header, commit, vals = block.header, block.commit, block.validators
    if header.chain_id != chain_id:
        raise LightError(f"header of chain {header.chain_id!r}, not {chain_id!r}")
    if commit.height != header.height:
        raise LightError(f"commit of height {commit.height} for a header of height {header.height}")
    if header.hash() != commit.block_id.hash:  # NET-41
        raise LightError("the commit is for another block than this header")
    if validators_hash(vals) != header.validators_hash:  # NET-42
        raise LightError("the validator set does not hash to the header's validators_hash")
    if len(commit.signatures) != len(vals):
        raise LightError(f"{len(commit.signatures)} signatures for {len(vals)} validators")
    total = sum(v.power for v in vals)
    needed = total * 2 // 3
    tallied = 0
    for index, (sig, val) in enumerate(zip(commit.signatures, vals, strict=True)):
        if sig.flag != FLAG_COMMIT:
            continue
        if sig.address != val.address:
            raise LightError(f"signature {index} is not by the validator at index {index}")
        _check_signature(val, commit.vote_sign_bytes(chain_id, index), sig.signature, index)
        tallied += val.power
        if tallied > needed:  # NET-40
            return
    raise LightError(f"not enough voting power signed: {tallied} of {total} (more than {needed} needed)")


def _check_signature(val: Validator, message: bytes, signature: bytes, index: int) -> None:
    """NET-43: an ed25519 signature by the validator's key."""
    try:
        nacl.signing.VerifyKey(val.pub_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        raise LightError(f"wrong signature at index {index}") from None


def verify_trusting(block: LightBlock, trusted: Sequence[Validator], chain_id: str) -> None:
    """NET-44: `VerifyCommitLightTrusting`: validators of a trusted set holding more than 1/3 of its power
    signed this commit (signatures of others are not counted)."""
    by_address = {v.address: v for v in trusted}
    total = sum(v.power for v in trusted)
    needed = total * TRUST_LEVEL[0] // TRUST_LEVEL[1]
    tallied = 0
    seen: set[bytes] = set()
    for index, sig in enumerate(block.commit.signatures):
        val = by_address.get(sig.address)
        if sig.flag != FLAG_COMMIT or val is None:
            continue
        if val.address in seen:
            raise LightError(f"double vote by {val.address.hex()}")
        seen.add(val.address)
        _check_signature(val, block.commit.vote_sign_bytes(chain_id, index), sig.signature, index)
        tallied += val.power
        if tallied > needed:
            return
    raise LightError(f"not enough trusted voting power signed: {tallied} of {total}")


def verify_next(
    trusted: LightBlock,
    untrusted: LightBlock,
    *,
    now_ms: int,
    trusting_period_ms: int,
) -> None:
    """NET-44, NET-45: CometBFT's `VerifyAdjacent`/`VerifyNonAdjacent`: `untrusted` (a later header)
    is final and follows from the trusted one. `LightError` otherwise."""
    th, uh = trusted.header, untrusted.header
    if th.time_ms + trusting_period_ms <= now_ms:
        raise LightError("the trusted header is older than the trusting period")
    if uh.height <= th.height:
        raise LightError(f"height {uh.height} is not after the trusted {th.height}")
    if uh.time <= th.time:
        raise LightError("the new header's time is not after the trusted header's")
    if uh.time_ms >= now_ms + MAX_CLOCK_DRIFT_MS:
        raise LightError("the new header's time is in the future")
    if uh.height == th.height + 1:
        if uh.validators_hash != th.next_validators_hash:
            raise LightError("the validator set is not the one the trusted header announced")
    else:
        verify_trusting(untrusted, trusted.validators, th.chain_id)
    verify_commit(untrusted, th.chain_id)


def verify_state(
    trusted: LightBlock, height: int, claims: Sequence[tuple[str, Any, Any]], proof: bytes
) -> None:
    """NET-46, NET-47: each (map, key, value or None) claim holds in the state after block `height`,
    proved (CMT-20..CMT-23) against the app hash of `trusted`, a light block of height `height + 1` the
    caller verified (`verify_commit` from a trusted validator set, or `verify_next`). `LightError`
    otherwise."""
    if trusted.height != height + 1:
        raise LightError(
            f"the state after block {height} is proved against header {height + 1}, not {trusted.height}"
        )
    try:
        ok = commitment.check(trusted.header.app_hash, claims, proof)
    except commitment.ProofError as e:
        raise LightError(f"bad proof: {e}") from None
    if not ok:
        raise LightError("the proof does not show these values under the verified app hash")
