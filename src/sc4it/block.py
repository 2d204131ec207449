"""Blocks as values: headers, the producer's signature, building and executing a block (spec/blocks.md).

Pure: no I/O, no clock. A block is a `Header` signed by its producer and a body, the signed calls in the
order they were applied. Everything else about a block (its hook events, each call's error and events,
the state after it) is derived by executing it, and the header commits to it: `calls_hash`,
`results_hash` and `state_commitment`. `build_block` makes a block on top of a `Tip`;
`execute_block` re-executes a received block on the same `Tip` and checks every header field, raising a
`BlockError` whose `fault` names the first mismatch (BLK-30..BLK-41). Both run the one block transition
`run_block` (BLK-20..BLK-24), which the reference host (`sc4it.host.Chain`) uses too.

The state commitment in a header is whatever `StateCommitment` the tip carries: the state root, the root
of the state tree of spec/commitment.md (`sc4it.kernel.commitment.Commitment`), updated in O(entries
changed) per block from the merged `Outcome.touched`, never rebuilt from scratch per block.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container, Iterable, Sequence
from enum import Enum
from typing import Annotated, Any, Protocol

import attrs

from sc4it.kernel.codec import encode
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.errors import Error
from sc4it.kernel.events import Event
from sc4it.kernel.schema import U64, AccountId, Hash32, Len, Signature64
from sc4it.kernel.signing import Keypair, SignedCall, verify
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv, Touched
from sc4it.runtime import apply, consume_nonce, on_block

HEADER_TAG = b"sc4it/header/v1"
CALLS_TAG = b"sc4it/calls/v1"
RESULTS_TAG = b"sc4it/results/v1"
SPEC_TAG = b"sc4it/chainspec/v1"
SEAL_TAG = b"sc4it/seal/v1"

MAX_BLOCK_CALLS = 10_000
"""BLK-05: at most this many calls in one block (and in one `build_block`)."""
MAX_PRODUCERS = 100
MAX_ERROR_NAME = 64

GENESIS_TIMESTAMP_MS = 1_700_000_000_000
"""The default genesis timestamp (ms): 2023-11-14 22:13:20 UTC, as `sc4it.host`'s default."""

NOT_VALID = frozenset(
    {
        Error.WrongChainId,
        Error.InvalidMultisig,
        Error.UnknownSigner,
        Error.StaleNonce,
        Error.FutureNonce,
        Error.BadSignature,
        Error.NotEnoughSignatures,
        Error.MalformedCall,
        Error.InvalidEra,
        Error.FutureBirthBlock,
        Error.AncientBirthBlock,
    }
)
"""The errors of `runtime.check_validity` (SIG-05..SIG-11, SIG-15, SIG-16): a call failing with one of
them is not valid and never part of a block (BLK-22); no handler raises them."""


# --------------------------------------------------------------------------------------------------
# The records (BLK-01..BLK-08)


@attrs.frozen(slots=True)
class ChainSpec:
    """BLK-01: what a chain fixes besides its genesis state: the genesis timestamp, the block time and
    the accounts allowed to produce blocks (sorted, distinct). Its hash is the genesis header's parent
    hash (BLK-03), so the genesis hash commits to it."""

    genesis_timestamp_ms: U64
    block_time_ms: U64
    producers: Annotated[tuple[AccountId, ...], Len(MAX_PRODUCERS, 1)]

    @staticmethod
    def of(producers: Iterable[bytes], *, block_time_ms: int, genesis_timestamp_ms: int) -> ChainSpec:
        """A spec with `producers` sorted and deduplicated; `ValueError` on a bound it breaks."""
        spec = ChainSpec(genesis_timestamp_ms, block_time_ms, tuple(sorted(set(producers))))
        problem = spec.problem()
        if problem is not None:
            raise ValueError(problem)
        return spec

    def problem(self) -> str | None:
        """Why this spec is not usable (BLK-01), or None."""
        if self.block_time_ms < 1:
            return "block_time_ms must be at least 1"
        if not 1 <= len(self.producers) <= MAX_PRODUCERS:
            return f"a chain has 1 to {MAX_PRODUCERS} producers"
        if any(a >= b for a, b in zip(self.producers, self.producers[1:], strict=False)):
            return "producers must be sorted and distinct"
        if any(len(p) != 32 for p in self.producers):
            return "a producer is a 32-byte account id"
        return None

    def timestamp_of(self, number: int) -> int:
        """BLK-10: the timestamp (ms) block `number` must carry."""
        return self.genesis_timestamp_ms + self.block_time_ms * number


@attrs.frozen(slots=True)
class Header:
    """BLK-02: a block header. `results_hash` covers the hook events and every call's result and
    events (BLK-07); `state_commitment` is the commitment of the state after the block (BLK-08)."""

    chain_id: Hash32
    number: U64
    parent_hash: Hash32
    timestamp: U64
    calls_hash: Hash32
    results_hash: Hash32
    state_commitment: Hash32
    producer: AccountId


@attrs.frozen(slots=True)
class Block:
    """BLK-04/05: a header, the producer's signature of it (BLK-09) and the body, the signed calls in
    the order they were applied."""

    header: Header
    signature: Signature64
    calls: Annotated[tuple[SignedCall, ...], Len(MAX_BLOCK_CALLS)]

    @property
    def hash(self) -> bytes:
        return header_hash(self.header)

    @property
    def number(self) -> int:
        return self.header.number


@attrs.frozen(slots=True)
class Receipt:
    """BLK-06: the result of one call of a block: its error's name (None on success) and its events."""

    error_name: Annotated[bytes, Len(MAX_ERROR_NAME)] | None
    events: tuple[Event, ...]

    @property
    def error(self) -> Error | None:
        return None if self.error_name is None else Error[self.error_name.decode()]

    @staticmethod
    def of(error: Error | None, events: tuple[Event, ...]) -> Receipt:
        return Receipt(None if error is None else error.name.encode(), events)


@attrs.frozen(slots=True)
class BlockResults:
    """BLK-06: what executing a block produced: the hook events (billing), then one receipt per call."""

    hook_events: tuple[Event, ...]
    receipts: Annotated[tuple[Receipt, ...], Len(MAX_BLOCK_CALLS)]

    @property
    def events(self) -> tuple[Event, ...]:
        """Every event of the block, hook events first, then each call's in order."""
        out = list(self.hook_events)
        for r in self.receipts:
            out.extend(r.events)
        return tuple(out)


EMPTY_RESULTS = BlockResults((), ())


# --------------------------------------------------------------------------------------------------
# Hashes and the seal (BLK-03, BLK-06..BLK-09)


def _hash(tag: bytes, data: bytes) -> bytes:
    return hashlib.blake2b(tag + data, digest_size=32).digest()


_CALLS = Annotated[tuple[SignedCall, ...], Len(MAX_BLOCK_CALLS)]


def header_hash(header: Header) -> bytes:
    """BLK-03: blake2b-256(`sc4it/header/v1` ‖ encode(header)): the block's hash."""
    return _hash(HEADER_TAG, encode(header))


def calls_hash(calls: Sequence[SignedCall]) -> bytes:
    """BLK-06: blake2b-256(`sc4it/calls/v1` ‖ encode(the calls as an array))."""
    return _hash(CALLS_TAG, encode(tuple(calls), _CALLS))


def encode_calls(
    calls: Sequence[SignedCall], encodings: Sequence[bytes] | None = None
) -> tuple[bytes, tuple[bytes, ...]]:
    """BLK-06, MEM-01: the canonical encoding of `calls` as an array (what `calls_hash` hashes and a
    store keeps) and each call's hash, encoding every call once; `encodings`, each call's own canonical
    encoding, if the caller has them (a mempool keeps the bytes it admitted), so nothing is encoded.
    A canonical array is its length's head followed by its items' encodings (ENC-04)."""
    encs = [encode(c) for c in calls] if encodings is None else encodings
    assert len(encs) == len(calls) <= MAX_BLOCK_CALLS
    data = _array_head(len(encs)) + b"".join(encs)
    return data, tuple(call_hash_of(e) for e in encs)


def _array_head(n: int) -> bytes:
    """The head of a CBOR array of `n` items (major type 4, the shortest length form: canonical)."""
    if n < 24:
        return bytes([0x80 | n])
    if n < 0x100:
        return bytes([0x98, n])
    return b"\x99" + n.to_bytes(2, "big")  # n <= MAX_BLOCK_CALLS < 65,536


def _calls_hash_of(encoded: bytes) -> bytes:
    """BLK-06 on the encoding of the calls (`calls_hash(c) == _calls_hash_of(encode_calls(c)[0])`)."""
    return _hash(CALLS_TAG, encoded)


def results_hash(results: BlockResults) -> bytes:
    """BLK-07: blake2b-256(`sc4it/results/v1` ‖ encode(results))."""
    return _hash(RESULTS_TAG, encode(results))


def _results_hash_of(encoded: bytes) -> bytes:
    """BLK-07 on the encoding of the results (`results_hash(r) == _results_hash_of(encode(r))`)."""
    return _hash(RESULTS_TAG, encoded)


def spec_hash(spec: ChainSpec) -> bytes:
    """BLK-03: blake2b-256(`sc4it/chainspec/v1` ‖ encode(spec)): the genesis header's parent hash."""
    return _hash(SPEC_TAG, encode(spec))


def call_hash(signed: SignedCall) -> bytes:
    """MEM-01: blake2b-256 of the canonical encoding of a signed call (no tag: the hash of the very
    bytes a client submits)."""
    return call_hash_of(encode(signed))


def call_hash_of(encoded: bytes) -> bytes:
    """MEM-01: `call_hash` of a signed call given its canonical encoding."""
    return hashlib.blake2b(encoded, digest_size=32).digest()


def seal_message(header: Header) -> bytes:
    """BLK-09: the bytes the producer signs: `sc4it/seal/v1` ‖ header_hash(header)."""
    return SEAL_TAG + header_hash(header)


def seal(header: Header, producer: Keypair) -> Block:
    """A block of `header` signed by `producer` (whose account must be `header.producer`), no calls;
    use `build_block` to make real blocks."""
    assert producer.account_id == header.producer
    return Block(header, producer.sign(seal_message(header)), ())


# --------------------------------------------------------------------------------------------------
# The tip a block builds on, and the commitment it carries


class StateCommitment(Protocol):
    """The per-block state commitment (BLK-08): an immutable value for one state whose `update`
    returns the commitment of a successor state in O(entries changed), given `touched` (CMT-08).
    `sc4it.kernel.commitment.Commitment` is one (`Commitment.of(state)` makes the first)."""

    @property
    def root(self) -> bytes: ...

    def update(self, state: State, touched: Touched) -> StateCommitment: ...


CommitmentFactory = Callable[[State], StateCommitment]
"""Computes the commitment of a whole state from scratch (O(state)): at genesis and on restart."""

DEFAULT_COMMITMENT: CommitmentFactory = Commitment.of


@attrs.frozen(slots=True, eq=False)
class Tip:
    """The head of a chain: its last header, the state after it and that state's commitment
    (`commitment.root == header.state_commitment`)."""

    header: Header
    state: State
    commitment: StateCommitment

    @property
    def hash(self) -> bytes:
        return header_hash(self.header)

    @property
    def number(self) -> int:
        return self.header.number


def genesis_header(state: State, spec: ChainSpec, commitment_root: bytes) -> Header:
    """BLK-03: block 0's header: number 0, the spec hash as parent hash, the genesis timestamp, no
    calls, empty results, the genesis state's commitment, the all-zero producer. It is not signed."""
    return Header(
        chain_id=state.chain_id,
        number=0,
        parent_hash=spec_hash(spec),
        timestamp=spec.timestamp_of(0),
        calls_hash=calls_hash(()),
        results_hash=results_hash(EMPTY_RESULTS),
        state_commitment=commitment_root,
        producer=bytes(32),
    )


def genesis_tip(state: State, spec: ChainSpec, commit: CommitmentFactory = DEFAULT_COMMITMENT) -> Tip:
    """The tip of a new chain: its genesis header over `state` (O(state): the first commitment)."""
    problem = spec.problem()
    if problem is not None:
        raise ValueError(problem)
    commitment = commit(state)
    return Tip(genesis_header(state, spec, commitment.root), state, commitment)


# --------------------------------------------------------------------------------------------------
# The block transition (BLK-20..BLK-24)


@attrs.frozen(slots=True, eq=False)
class BlockRun:
    """What `run_block` did: the state after, the hook events, the calls kept with their receipts,
    the calls left out as not valid (with their error and position in the input), and every key and
    field written (the merged `Outcome.touched`, CMT-08)."""

    state: State
    hook_events: tuple[Event, ...]
    included: tuple[SignedCall, ...]
    receipts: tuple[Receipt, ...]
    excluded: tuple[tuple[int, SignedCall, Error], ...]
    touched: Touched

    @property
    def results(self) -> BlockResults:
        return BlockResults(self.hook_events, self.receipts)


def run_block(
    state: State, env: BlockEnv, calls: Iterable[SignedCall], *, checked: Container[int] = ()
) -> BlockRun:
    """BLK-20..BLK-24: `on_block` (billing) first, then each call with `apply` in order; a call that is
    not valid (`NOT_VALID`) is left out, a valid call that fails stays with its error and changes
    nothing but its signer's nonce (BLK-23). Pure. BLK-25: `checked` holds the positions in `calls`
    whose signatures the caller already checked (`check_signatures` was None); they are not checked
    again, and the run is the same as without."""
    hooks = on_block(state, env)
    state = hooks.state
    maps: dict[str, set[Any]] = {}
    scalars: set[str] = set()
    _merge(maps, scalars, hooks.touched)
    included: list[SignedCall] = []
    receipts: list[Receipt] = []
    excluded: list[tuple[int, SignedCall, Error]] = []
    for i, signed in enumerate(calls):
        out = apply(state, signed, env, signatures_checked=i in checked)
        if out.error in NOT_VALID:
            excluded.append((i, signed, out.error))
            continue
        included.append(signed)
        receipts.append(Receipt.of(out.error, out.events))
        if out.error is not None:
            out = consume_nonce(state, signed.signer, env)  # BLK-23: its only effect
        state = out.state
        _merge(maps, scalars, out.touched)
    touched = Touched(dict(maps), frozenset(scalars))
    return BlockRun(state, hooks.events, tuple(included), tuple(receipts), tuple(excluded), touched)


def _merge(maps: dict[str, set[Any]], scalars: set[str], touched: Touched) -> None:
    """Fold one outcome's `touched` into the block's (in place: O(len(touched)), where `Touched.__or__`
    would copy the block's sets on every call)."""
    for name, keys in touched.maps.items():
        mine = maps.get(name)
        if mine is None:
            maps[name] = set(keys)
        else:
            mine.update(keys)
    scalars.update(touched.scalars)


# --------------------------------------------------------------------------------------------------
# Building and executing (BLK-30..BLK-41)


@attrs.frozen(slots=True, eq=False)
class Executed:
    """A block together with what executing it gave: the new tip, the results and their canonical
    encoding (what `results_hash` hashed, so a store need not encode them again), the calls' encoding
    and each call's hash (`encode_calls`: what `calls_hash` hashed), the merged `touched` (for the
    store), and, from `build_block`, the calls it left out as not valid."""

    block: Block
    tip: Tip
    results: BlockResults
    results_bytes: bytes
    calls_bytes: bytes
    call_hashes: tuple[bytes, ...]
    touched: Touched
    excluded: tuple[tuple[int, SignedCall, Error], ...] = ()


def build_block(
    tip: Tip,
    calls: Sequence[SignedCall],
    producer: Keypair,
    spec: ChainSpec,
    *,
    checked: Container[int] = (),
    encodings: Sequence[bytes] | None = None,
) -> Executed:
    """BLK-30: the next block on `tip` with `calls` (those not valid are left out, `Executed.excluded`),
    signed by `producer`, which must be one of `spec.producers`. A caller that admitted the calls may
    pass the positions whose signatures it checked (`checked`, BLK-25) and each call's canonical
    encoding (`encodings`, `encode_calls`); the block is the same without them."""
    if producer.account_id not in spec.producers:
        raise ValueError("the producer's account is not one of the chain's producers")
    if len(calls) > MAX_BLOCK_CALLS:
        raise ValueError(f"a block holds at most {MAX_BLOCK_CALLS} calls")
    parent = tip.header
    number = parent.number + 1
    timestamp = spec.timestamp_of(number)
    assert encodings is None or len(encodings) == len(calls)
    run = run_block(tip.state, BlockEnv(number, timestamp), calls, checked=checked)
    commitment = tip.commitment.update(run.state, run.touched)
    results = run.results
    encoded = encode(results)
    if encodings is not None and run.excluded:
        left_out = {i for i, _, _ in run.excluded}
        encodings = [e for i, e in enumerate(encodings) if i not in left_out]
    calls_bytes, hashes = encode_calls(run.included, encodings)
    header = Header(
        chain_id=parent.chain_id,
        number=number,
        parent_hash=header_hash(parent),
        timestamp=timestamp,
        calls_hash=_calls_hash_of(calls_bytes),
        results_hash=_results_hash_of(encoded),
        state_commitment=commitment.root,
        producer=producer.account_id,
    )
    block = Block(header, producer.sign(seal_message(header)), run.included)
    new_tip = Tip(header, run.state, commitment)
    return Executed(block, new_tip, results, encoded, calls_bytes, hashes, run.touched, run.excluded)


class BlockFault(Enum):
    """Why `execute_block` refused a block (BLK-31..BLK-41), in the order the checks run."""

    WrongChain = "WrongChain"
    WrongNumber = "WrongNumber"
    WrongParent = "WrongParent"
    WrongTimestamp = "WrongTimestamp"
    BadProducer = "BadProducer"
    BadSignature = "BadSignature"
    TooManyCalls = "TooManyCalls"
    WrongCallsHash = "WrongCallsHash"
    InvalidCall = "InvalidCall"
    WrongResultsHash = "WrongResultsHash"
    WrongCommitment = "WrongCommitment"


class BlockError(Exception):
    """A block that does not follow its tip: `fault` says which check failed, `message` says how;
    `call_error` is the `Error` of the first call that is not valid (`BlockFault.InvalidCall`)."""

    def __init__(self, fault: BlockFault, message: str, call_error: Error | None = None) -> None:
        super().__init__(f"{fault.value}: {message}")
        self.fault = fault
        self.message = message
        self.call_error = call_error


def check_header(parent: Header, block: Block, spec: ChainSpec, *, calls_bytes: bytes | None = None) -> None:
    """BLK-31..BLK-37: the checks that need no execution, in order (cheap ones first); `calls_bytes`,
    the calls' encoding (`encode_calls`), if the caller has it."""
    h = block.header
    if h.chain_id != parent.chain_id:  # BLK-31
        raise BlockError(BlockFault.WrongChain, f"chain id {h.chain_id.hex()}, not {parent.chain_id.hex()}")
    if h.number != parent.number + 1:  # BLK-32
        raise BlockError(BlockFault.WrongNumber, f"block {h.number} does not follow block {parent.number}")
    if h.parent_hash != header_hash(parent):  # BLK-33
        raise BlockError(BlockFault.WrongParent, f"parent hash {h.parent_hash.hex()} is not the tip's")
    expected_ts = spec.timestamp_of(h.number)
    if h.timestamp != expected_ts:  # BLK-34
        raise BlockError(BlockFault.WrongTimestamp, f"timestamp {h.timestamp}, expected {expected_ts}")
    if h.producer not in spec.producers:  # BLK-35
        raise BlockError(BlockFault.BadProducer, f"{h.producer.hex()} is not a producer of this chain")
    if not verify(h.producer, seal_message(h), block.signature):  # BLK-36
        raise BlockError(BlockFault.BadSignature, "the seal is not the producer's signature of the header")
    if len(block.calls) > MAX_BLOCK_CALLS:  # BLK-05
        raise BlockError(BlockFault.TooManyCalls, f"{len(block.calls)} calls; at most {MAX_BLOCK_CALLS}")
    if calls_bytes is None:
        calls_bytes = encode_calls(block.calls)[0]
    if h.calls_hash != _calls_hash_of(calls_bytes):  # BLK-37
        raise BlockError(BlockFault.WrongCallsHash, "the calls do not hash to the header's calls hash")


def execute_block(tip: Tip, block: Block, spec: ChainSpec) -> Executed:
    """BLK-31..BLK-41: check `block` against `tip`, execute it, check what it produced; the new tip and
    results, or `BlockError` (and nothing else changes: the function is pure)."""
    encoded_calls = encode_calls(block.calls) if len(block.calls) <= MAX_BLOCK_CALLS else None
    check_header(tip.header, block, spec, calls_bytes=None if encoded_calls is None else encoded_calls[0])
    assert encoded_calls is not None  # check_header refused more (BLK-05)
    calls_bytes, hashes = encoded_calls
    h = block.header
    run = run_block(tip.state, BlockEnv(h.number, h.timestamp), block.calls)
    if run.excluded:  # BLK-38
        i, _, error = run.excluded[0]
        raise BlockError(BlockFault.InvalidCall, f"call {i} is not valid ({error.name})", error)
    results = run.results
    encoded = encode(results)
    if h.results_hash != _results_hash_of(encoded):  # BLK-39
        raise BlockError(BlockFault.WrongResultsHash, "the results do not hash to the header's results hash")
    commitment = tip.commitment.update(run.state, run.touched)
    if h.state_commitment != commitment.root:  # BLK-40
        raise BlockError(
            BlockFault.WrongCommitment,
            f"header has {h.state_commitment.hex()}, the state after the block {commitment.root.hex()}",
        )
    return Executed(block, Tip(h, run.state, commitment), results, encoded, calls_bytes, hashes, run.touched)
