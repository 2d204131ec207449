"""`Node`: the store, the mempool and the block producer of one sc4it node, in process (spec/node.md).

The node keeps no clock: whoever runs it (`sc4it node run`, a test) calls `produce_block()` when a
block is due; the block's timestamp follows from its number (BLK-10). Every method is thread-safe (one
lock): an RPC server may call `submit` and the queries from its threads while a timer thread produces.
`subscribe(callback)` registers an observer called, in the producing thread and after the block is
committed to disk, with a `CommittedBlock` (the block, its hash, its results and events).
"""

from __future__ import annotations

import collections
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import attrs

from sc4it.block import (
    DEFAULT_COMMITMENT,
    GENESIS_TIMESTAMP_MS,
    MAX_BLOCK_CALLS,
    Block,
    BlockResults,
    ChainSpec,
    CommitmentFactory,
    Executed,
    Header,
    Tip,
    build_block,
    execute_block,
)
from sc4it.kernel.codec import decode
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.events import Event
from sc4it.kernel.signing import Keypair, SignedCall
from sc4it.kernel.state import State
from sc4it.node.collector import Collected, Collector, Retired
from sc4it.node.mempool import MAX_CALL_BYTES, Mempool, MempoolError, MempoolReason
from sc4it.node.store import Durability, Store, decode_ahead

log = logging.getLogger("sc4it.node")

KEEP_STATES = 64
"""How many recent states `state_at` can answer for (NODE-10)."""


@attrs.frozen(slots=True, eq=False)
class CommittedBlock:
    """What observers receive for each committed block."""

    block: Block
    hash: bytes
    results: BlockResults

    @property
    def number(self) -> int:
        return self.block.header.number

    @property
    def events(self) -> tuple[Event, ...]:
        return self.results.events


Observer = Callable[[CommittedBlock], None]


class StateUnavailable(LookupError):
    """`state_at(n)` for a block whose state the node no longer keeps (or that does not exist yet)."""

    def __init__(self, number: int, oldest: int, head: int) -> None:
        super().__init__(f"the state at block {number} is not available (kept: blocks {oldest}..{head})")
        self.number = number
        self.oldest = oldest
        self.head = head


BlockRef = int | bytes
"""A block number or a 32-byte block hash."""


class Node:
    """One node: open with `Node.open`, close with `close()` (or use it as a context manager)."""

    def __init__(self, store: Store, producer: Keypair | None, mempool: Mempool, keep_states: int) -> None:
        self._store = store
        self.collector = Collector()
        """NODE-19: the collector's discipline around and between this node's blocks."""
        self._producer = producer
        self._mempool = mempool
        self._lock = threading.RLock()
        self._observers: list[Observer] = []
        self._keep = keep_states
        self._tips: collections.OrderedDict[int, Tip] = collections.OrderedDict()
        """The last `keep_states` tips: each state with its tree, for `state_at` and `read_proof`."""
        self._tips[store.tip.number] = store.tip
        self._retired = Retired()
        """NODE-20: what the last blocks replaced (tips no longer kept, their `Executed`), freed by
        `release_retired` between blocks rather than inside the next block."""

    @classmethod
    def open(
        cls,
        data_dir: str | os.PathLike[str],
        genesis_state: State,
        producer: Keypair | None,
        *,
        block_time_ms: int | None = None,
        genesis_timestamp_ms: int = GENESIS_TIMESTAMP_MS,
        producers: tuple[bytes, ...] | None = None,
        durability: Durability = Durability.FULL,
        commit: CommitmentFactory = DEFAULT_COMMITMENT,
        keep_states: int = KEEP_STATES,
        max_pool_calls: int | None = None,
    ) -> Node:
        """Open (or create) the chain of `genesis_state` in `data_dir` and get ready to produce with
        `producer` (None: a node that only serves what is stored). The chain spec (BLK-01) is
        `genesis_timestamp_ms`, `block_time_ms` (default: the genesis config's `block_time_secs` in
        ms) and `producers` (default: the producer's account alone). Raises `StoreError` (another
        chain, a damaged or locked directory) or `ValueError` (a bad spec)."""
        if producers is None:
            if producer is None:
                raise ValueError("a node without a producer key needs producers=")
            producers = (producer.account_id,)
        bt = genesis_state.config.block_time_secs * 1000 if block_time_ms is None else block_time_ms
        spec = ChainSpec.of(producers, block_time_ms=bt, genesis_timestamp_ms=genesis_timestamp_ms)
        if producer is not None and producer.account_id not in spec.producers:
            raise ValueError("the producer key's account is not one of the chain's producers")
        store = Store.open(data_dir, genesis_state, spec, commit=commit, durability=durability)
        pool = (
            Mempool(store.tip.state)
            if max_pool_calls is None
            else Mempool(store.tip.state, max_calls=max_pool_calls)
        )
        log.info(
            "opened chain %s at block %d (genesis %s) in %s",
            store.tip.header.chain_id.hex(),
            store.tip.number,
            store.genesis_hash.hex(),
            store.path,
        )
        return cls(store, producer, pool, keep_states)

    def close(self) -> None:
        with self._lock:
            self._store.close()

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------------
    # The chain

    @property
    def spec(self) -> ChainSpec:
        return self._store.spec

    @property
    def chain_id(self) -> bytes:
        return self._store.tip.header.chain_id

    @property
    def genesis_hash(self) -> bytes:
        return self._store.genesis_hash

    @property
    def head(self) -> Header:
        """The last committed header."""
        return self._store.tip.header

    @property
    def head_hash(self) -> bytes:
        return self._store.tip.hash

    @property
    def state(self) -> State:
        """The state after the head block."""
        return self._store.tip.state

    def number_of(self, ref: BlockRef) -> int | None:
        """The number of block `ref` (a number or a hash) if the node has it."""
        with self._lock:
            if isinstance(ref, int):
                return ref if 0 <= ref <= self._store.tip.number else None
            return self._store.number_of(ref)

    def header(self, ref: BlockRef) -> Header | None:
        with self._lock:
            n = self.number_of(ref)
            return None if n is None else self._store.header(n)

    def block(self, ref: BlockRef) -> Block | None:
        """Block `ref` (None for the genesis, which has no block, or an unknown block)."""
        with self._lock:
            n = self.number_of(ref)
            stored = None if n is None or n == 0 else self._store.block(n)
            return None if stored is None else stored.block

    def results(self, ref: BlockRef) -> BlockResults | None:
        with self._lock:
            n = self.number_of(ref)
            stored = None if n is None or n == 0 else self._store.block(n)
            return None if stored is None else stored.results

    def state_at(self, ref: BlockRef) -> State:
        """NODE-10: the state after block `ref`, for the last `keep_states` blocks; `StateUnavailable`
        for older (or unknown) blocks."""
        return self._tip_at(ref).state

    def _tip_at(self, ref: BlockRef) -> Tip:
        with self._lock:
            n = self.number_of(ref)
            tip = None if n is None else self._tips.get(n)
            if tip is None:
                oldest = next(iter(self._tips))
                raise StateUnavailable(-1 if n is None else n, oldest, self._store.tip.number)
            return tip

    def read_proof(self, ref: BlockRef, entries: list[tuple[str, Any]]) -> tuple[Header, bytes]:
        """LGT-09: the header of block `ref` and one proof of `entries` ((map, key) pairs, present or
        absent) in the state after it (CMT-20), for the kept blocks (`StateUnavailable` otherwise);
        `ProofError` for an entry of no map or a key of the wrong type."""
        header, tree = self.tree_at(ref)
        return header, tree.prove(entries)

    def tree_at(self, ref: BlockRef) -> tuple[Header, Commitment]:
        """LGT-09: the header of kept block `ref` and the state tree after it (its `state`, `root`,
        `prove` and `value`); `StateUnavailable` for other blocks."""
        tip = self._tip_at(ref)
        tree = tip.commitment
        assert isinstance(tree, Commitment), "read proofs need the state tree (the default commitment)"
        return tip.header, tree

    def account_next_index(self, account: bytes) -> int:
        """MEM-10: the nonce the account's next call should carry (its nonce plus its ready calls)."""
        with self._lock:
            return self._mempool.next_nonce(account)

    # ---------------------------------------------------------------------------------------------
    # Calls and blocks

    def submit(self, signed: SignedCall) -> bytes:
        """MEM-02..MEM-07: admit a signed call to the mempool; its call hash, or `MempoolError`."""
        with self._lock:
            return self._mempool.add(signed)

    def submit_bytes(self, data: bytes) -> bytes:
        """`submit` for the canonical encoding of a signed call (what a client sends); bytes that are not
        one are `MempoolError` with reason `Malformed` (or `TooLarge`)."""
        if len(data) > MAX_CALL_BYTES:
            raise MempoolError(
                f"{len(data)} bytes; a call is at most {MAX_CALL_BYTES}", reason=MempoolReason.TooLarge
            )
        try:
            signed: SignedCall = decode(data, SignedCall)
        except DecodeError as e:
            raise MempoolError(f"not a signed call: {e}", reason=MempoolReason.Malformed) from None
        return self.submit(signed)

    def pending(self) -> int:
        with self._lock:
            return len(self._mempool)

    def produce_block(self, max_calls: int = MAX_BLOCK_CALLS) -> CommittedBlock:
        """NODE-13: build the next block from the ready calls, commit it with its state changes, update
        the mempool, then tell the observers. Needs a producer key. Python's cyclic collector is paused
        while the block is built and committed (NODE-19; the runner calls `collect_garbage` between
        blocks)."""
        with self._lock, self.collector.paused():
            if self._producer is None:
                raise RuntimeError("this node has no producer key")
            entries = self._mempool.ready_entries(max_calls)
            executed = build_block(
                self._store.tip,
                [e.signed for e in entries],
                self._producer,
                self._store.spec,
                checked=range(len(entries)),  # BLK-25: the pool checked them (MEM-02)
                encodings=[e.data for e in entries],
            )
            committed = self._commit(executed, [e.hash for e in entries])
            observers = list(self._observers)
        for _, signed, error in executed.excluded:
            log.warning("left out a call of %s: %s", signed.signer.hex(), error.name)
        self._tell(observers, committed)
        return committed

    def decode_ahead(self) -> int:
        """NODE-17: decode the records the next block's billing shard reads, now (`store.decode_ahead`);
        the runner calls it between blocks, so after a restart the first billing cycle's blocks do not
        pay their records' first decoding. Reads only; safe beside the RPC (NODE-15)."""
        tip = self._store.tip
        return decode_ahead(tip.state, tip.number + 1)

    def collect_garbage(self) -> Collected:
        """NODE-19: `Collector.between_blocks` (the runner calls it after each block)."""
        return self.collector.between_blocks()

    def release_retired(self) -> int:
        """NODE-20: free what the blocks since the last call retired (the tips the node stopped keeping,
        NODE-10, and each block's `Executed`); the runner calls it between blocks, before the collector
        (NODE-19). Returns how many objects it released."""
        with self._lock:
            retired = self._retired.take()
        return len(retired)  # freed as it returns, outside the lock: the RPC's readers need not wait

    def checkpoint(self) -> None:
        """NODE-18: `Store.checkpoint` (the runner calls it between blocks)."""
        with self._lock:
            self._store.checkpoint()

    def import_block(self, block: Block) -> CommittedBlock:
        """NODE-14: execute and check a block made by another producer on the head (`BlockError` if it
        does not follow it; nothing changes then), commit it, update the mempool, tell the observers;
        with the collector paused, as `produce_block` (NODE-19)."""
        with self._lock, self.collector.paused():
            executed = execute_block(self._store.tip, block, self._store.spec)
            committed = self._commit(executed, list(executed.call_hashes))
            observers = list(self._observers)
        self._tell(observers, committed)
        return committed

    def _commit(self, executed: Executed, taken: list[bytes]) -> CommittedBlock:
        """NODE-04, MEM-09, NODE-10 (under the lock); `taken`: the hashes of the calls the block was
        made of."""
        self._store.append(executed)
        block = executed.block
        self._mempool.remove(taken)  # included or left out: either way done
        self._mempool.update(executed.tip.state)
        self._remember(block.header.number, executed.tip)
        self._retired.add(executed)
        return CommittedBlock(block, block.hash, executed.results)

    def _tell(self, observers: list[Observer], committed: CommittedBlock) -> None:
        for observe in observers:
            try:
                observe(committed)
            except Exception:
                log.exception("an observer failed on block %d", committed.number)

    def inclusion(self, call: bytes) -> tuple[int, int] | None:
        """NODE-02: (block number, position) of the last block that included the call with this hash."""
        with self._lock:
            return self._store.inclusion(call)

    def _remember(self, number: int, tip: Tip) -> None:
        self._tips[number] = tip
        while len(self._tips) > self._keep:
            self._retired.add(self._tips.popitem(last=False)[1])

    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call `observer` with every block committed from now on; returns a function that stops it."""
        with self._lock:
            self._observers.append(observer)

        def unsubscribe() -> None:
            with self._lock:
                if observer in self._observers:
                    self._observers.remove(observer)

        return unsubscribe

    def export_trace(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> int:
        """NODE-11: the chain as a trace file for `sc4it replay`; returns the number of blocks."""
        with self._lock:
            return self._store.export_trace(path, overwrite=overwrite)
