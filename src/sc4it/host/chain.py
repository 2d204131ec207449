"""`Chain`: a reference in-memory host around the pure core (docs/embedding.md).

The core (`sc4it.apply`, `sc4it.on_block`) does no I/O and keeps no clock. A host decides which calls go
into which block, gives every block its number and timestamp, and keeps the states. `Chain` is the
smallest complete host:

- `submit` queues signed calls (or `submit_call` signs one with the account's next nonce);
- `produce_block` builds the next block: the block hooks (`on_block`: billing) run first, then each
  pending call in submission order; a call that is not valid (SIG-02..SIG-10: chain id, signer, nonce,
  signatures) is dropped from the block, a valid call that fails in its handler stays in the block
  with its error (like a Substrate extrinsic that fails dispatch);
- every block is appended to an optional trace file (`sc4it.host.trace`, docs/trace.md) with the state root
  after it, so `Chain.replay`/`sc4it replay` can re-execute and check it, and `Chain.resume` can
  restart after a crash (a torn last record is reported and cut off; nothing before it is lost);
- `save_snapshot` / `load_snapshot` store and restore the whole state.

Block n's timestamp defaults to the previous one plus `block_time` ms (6 s, TFChain's block time).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

import attrs

from sc4it import genesis as gen
from sc4it.block import GENESIS_TIMESTAMP_MS, BlockRun, run_block
from sc4it.host.trace import (
    FORMAT_VERSION,
    ProblemKind,
    Snapshot,
    TraceBlock,
    TraceError,
    TraceHeader,
    TraceProblem,
    TraceWriter,
    read_snapshot,
    read_trace,
    write_snapshot,
)
from sc4it.kernel.calls import Call
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.errors import Error
from sc4it.kernel.events import Event
from sc4it.kernel.schema import U64_MAX
from sc4it.kernel.signing import Keypair, MultisigSpec, SignedCall, sign
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv

BLOCK_TIME_MS = 6000


@attrs.frozen(slots=True)
class CallResult:
    """A call included in a block: its error (None on success) and its events."""

    signed: SignedCall
    error: Error | None
    events: tuple[Event, ...]


@attrs.frozen(slots=True)
class BlockResult:
    """What happened in one block."""

    number: int
    timestamp: int
    hook_events: tuple[Event, ...]
    """Events of the block hooks (billing), which run before the calls."""
    calls: tuple[CallResult, ...]
    rejected: tuple[tuple[SignedCall, Error], ...]
    """Calls dropped because they were not valid (not in the block, not in the trace)."""
    root: bytes

    @property
    def events(self) -> tuple[Event, ...]:
        """Every event of the block, hooks first, then each call's."""
        out = list(self.hook_events)
        for c in self.calls:
            out.extend(c.events)
        return tuple(out)

    @property
    def eventful(self) -> bool:
        return bool(self.hook_events or self.calls or self.rejected)


def execute_block(
    state: State, number: int, timestamp: int, calls: Iterable[SignedCall]
) -> tuple[State, tuple[Event, ...], tuple[CallResult, ...]]:
    """The block transition every host must reproduce exactly (`sc4it.block.run_block`, BLK-20..BLK-24):
    `on_block` first, then each call in order with `apply` (a failed call leaves the state as it was; a
    call that is not valid is left out). Pure."""
    run = run_block(state, BlockEnv(number, timestamp), calls)
    return run.state, run.hook_events, _call_results(run)


def _call_results(run: BlockRun) -> tuple[CallResult, ...]:
    return tuple(
        CallResult(signed, r.error, r.events) for signed, r in zip(run.included, run.receipts, strict=True)
    )


class Chain:
    """A reference host: a pending pool, blocks, an optional trace, snapshots (module docstring)."""

    def __init__(
        self,
        state: State,
        *,
        block: int = 0,
        timestamp: int = GENESIS_TIMESTAMP_MS,
        block_time: int = BLOCK_TIME_MS,
        trace: TraceWriter | None = None,
    ) -> None:
        if block_time <= 0:
            raise ValueError("block_time must be a positive number of milliseconds")
        self.state = state
        self.block = block
        self.timestamp = timestamp
        self.block_time = block_time
        self.trace = trace
        self.pending: list[SignedCall] = []
        self.recovered: TraceProblem | None = None
        """Set by `resume` when the trace had a torn or corrupt tail that was cut off."""
        self._commitment: Commitment | None = None
        """The state tree of the last state whose root was asked for (CMT-09, CMT-11)."""

    # ---------------------------------------------------------------------------------------------
    # Construction

    @classmethod
    def from_genesis(
        cls,
        genesis: gen.Genesis | None = None,
        *,
        trace: str | os.PathLike[str] | None = None,
        overwrite: bool = False,
        durable: bool = False,
        timestamp: int = GENESIS_TIMESTAMP_MS,
        block_time: int = BLOCK_TIME_MS,
    ) -> Chain:
        """A chain at block 0 of `genesis` (default: the embedded default genesis), optionally recording
        a new trace at `trace` (refused if the file exists, unless `overwrite`)."""
        g = gen.default_genesis() if genesis is None else genesis
        state = gen.default() if genesis is None else gen.build(g)
        chain = cls(state, timestamp=timestamp, block_time=block_time)
        if trace is not None:
            header = TraceHeader(FORMAT_VERSION, 0, timestamp, block_time, chain.root, g, None)
            chain.trace = TraceWriter.create(trace, header, durable=durable, overwrite=overwrite)
        return chain

    def record(self, path: str | os.PathLike[str], *, overwrite: bool = False, durable: bool = False) -> None:
        """Start recording a new trace at `path` whose base is the current state (e.g. after
        `load_snapshot`)."""
        if self.trace is not None:
            raise ValueError("this chain is already recording a trace")
        header = TraceHeader(
            FORMAT_VERSION, self.block, self.timestamp, self.block_time, self.root, None, self.state
        )
        self.trace = TraceWriter.create(path, header, durable=durable, overwrite=overwrite)

    @classmethod
    def from_trace_header(cls, header: TraceHeader) -> Chain:
        """A chain at the base of a trace (its genesis or its embedded state)."""
        if header.genesis is not None:
            state = gen.default() if header.genesis == gen.default_genesis() else gen.build(header.genesis)
        else:
            assert header.state is not None
            state = header.state
        return cls(state, block=header.block, timestamp=header.timestamp, block_time=header.block_time)

    @classmethod
    def resume(cls, path: str | os.PathLike[str], *, durable: bool = False) -> Chain:
        """Rebuild a chain from its trace and keep appending to it. A torn last record (a crash in the
        middle of a write) is cut off and reported in `chain.recovered`; every intact block is
        re-executed and its root checked (`TraceError("diverged")` if one differs). A corrupt record is
        not repaired silently, since whatever follows it would be lost: `TraceError("corrupt")` (cut it
        off deliberately with `truncate_trace` or `sc4it replay --repair`)."""
        writer = TraceWriter.append_to(path, durable=durable)  # TRC-04: locked before it is read
        try:
            chain = cls._replay_for_resume(path, writer)
        except BaseException:
            writer.close()
            raise
        chain.trace = writer
        return chain

    @classmethod
    def _replay_for_resume(cls, path: str | os.PathLike[str], writer: TraceWriter) -> Chain:
        contents = read_trace(path)
        problem = contents.problem
        if problem is not None and problem.kind is ProblemKind.CORRUPT:
            raise TraceError(
                "corrupt",
                str(path),
                f"damaged record at byte {problem.offset} ({problem.message}); blocks up to "
                f"{problem.last_good_block} are intact",
            )
        chain = cls.from_trace_header(contents.header)
        if chain.root != contents.header.root:
            raise TraceError("diverged", str(path), "the trace's base state does not match its recorded root")
        for rec in contents.blocks:
            result = chain.apply_recorded(rec)
            if result.root != rec.root:
                raise TraceError(
                    "diverged",
                    str(path),
                    f"block {rec.number}: recomputed root differs from the recorded one",
                )
        if problem is not None:  # TRC-03: only a torn last record is cut off
            writer.truncate(contents.good_length)
            chain.recovered = problem
        return chain

    @classmethod
    def load_snapshot(cls, path: str | os.PathLike[str]) -> Chain:
        """A chain restored from `save_snapshot` (checksum and state root verified)."""
        snap = read_snapshot(path)
        chain = cls(snap.state, block=snap.block, timestamp=snap.timestamp, block_time=snap.block_time)
        return chain

    def save_snapshot(self, path: str | os.PathLike[str]) -> None:
        """Write the current state (after block `self.block`) to `path`, atomically."""
        write_snapshot(
            path, Snapshot(FORMAT_VERSION, self.block, self.timestamp, self.block_time, self.root, self.state)
        )

    def close(self) -> None:
        if self.trace is not None:
            self.trace.close()
            self.trace = None

    def __enter__(self) -> Chain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------------
    # Queries

    @property
    def root(self) -> bytes:
        """The state root of the current state (CMT-07): the state tree is kept and updated with the maps
        that changed since the root was last asked for (CMT-11), so a block costs O(changed maps)."""
        c = self._commitment
        if c is None:
            c = Commitment.of(self.state)
        elif c.state is not self.state:
            c = c.update(self.state)
        self._commitment = c
        return c.root

    def nonce_of(self, account: bytes) -> int:
        """The nonce the next call of `account` must carry: its committed nonce plus its pending calls."""
        info = self.state.accounts.get(account)
        nonce = 0 if info is None else info.nonce
        return nonce + sum(1 for s in self.pending if s.signer == account)

    # ---------------------------------------------------------------------------------------------
    # Calls and blocks

    def submit(self, signed: SignedCall) -> None:
        """Queue a signed call for the next block."""
        self.pending.append(signed)

    def submit_call(
        self,
        call: Call,
        signer: Keypair | Sequence[Keypair],
        *,
        multisig: MultisigSpec | None = None,
    ) -> SignedCall:
        """Sign `call` with the next nonce of the signing account (`multisig`'s account if given) and
        queue it."""
        if multisig is not None:
            account = multisig.account_id()
        elif isinstance(signer, Keypair):
            account = signer.account_id
        else:
            raise ValueError("several signers need multisig=")
        signed = sign(call, signer, self.nonce_of(account), self.state.chain_id, multisig=multisig)
        self.submit(signed)
        return signed

    def produce_block(self, timestamp: int | None = None) -> BlockResult:
        """Build, execute and record the next block with every pending call (see module docstring)."""
        number = self.block + 1
        ts = self.timestamp + self.block_time if timestamp is None else timestamp
        if ts <= self.timestamp:
            raise ValueError(f"block {number}'s timestamp {ts} must be later than {self.timestamp}")
        if ts > U64_MAX or number > U64_MAX:  # TRC-06: nothing the trace could not hold
            raise ValueError(f"block {number}'s number and timestamp {ts} must fit in a u64")
        run = run_block(self.state, BlockEnv(number, ts), self.pending)
        rejected = tuple((signed, error) for _, signed, error in run.excluded)
        self.pending = []
        return self._commit(number, ts, run.state, run.hook_events, _call_results(run), rejected)

    def apply_recorded(self, record: TraceBlock) -> BlockResult:
        """Re-execute a recorded block (its number must follow the current block). The recorded root
        is not checked here; compare `result.root` with `record.root`."""
        if record.number != self.block + 1 or record.timestamp <= self.timestamp:
            raise ValueError(f"block {record.number} does not follow block {self.block}")
        state, hook_events, results = execute_block(self.state, record.number, record.timestamp, record.calls)
        return self._commit(record.number, record.timestamp, state, hook_events, results, ())

    def _commit(
        self,
        number: int,
        ts: int,
        state: State,
        hook_events: tuple[Event, ...],
        calls: tuple[CallResult, ...],
        rejected: tuple[tuple[SignedCall, Error], ...],
    ) -> BlockResult:
        self.state, self.block, self.timestamp = state, number, ts
        root = self.root
        if self.trace is not None:
            self.trace.write_block(TraceBlock(number, ts, tuple(c.signed for c in calls), root))
        return BlockResult(number, ts, hook_events, calls, rejected, root)

    def advance(
        self, blocks: int, *, until: Callable[[BlockResult], bool] | None = None
    ) -> list[BlockResult]:
        """Produce up to `blocks` blocks (the first one takes the pending calls); stop early after a
        block for which `until(result)` is true. Returns the results of the blocks that had events,
        calls or rejected calls."""
        out: list[BlockResult] = []
        for _ in range(blocks):
            result = self.produce_block()
            if result.eventful:
                out.append(result)
            if until is not None and until(result):
                break
        return out
