"""The node at scale: produce and commit blocks, and restart, at n live contracts (issue 16's targets).

    python -m benchmarks.node_scale --contracts 1000000 [--blocks 8] [--calls 100] [--dir DIR]
    python -m benchmarks.node_scale --contracts 1000000 --dir DIR --reopen

One run, on `benchmarks/population.py`'s production-shaped world (built directly, in seconds):

1. a store is created with the population as its genesis state (O(state), once: every row and the
   commitment from scratch);
2. `--blocks` production blocks follow one another, each = the billing hook on its production shard
   (1/600 of the contracts, the population's composition in every shard) + `--calls` signed transfers
   by the default world's dev accounts, made as `sc4it node run` makes them: between two blocks
   (timed apart) `Store.checkpoint` (NODE-18), the release of the previous tip and block (NODE-20), the
   collector over its young generations (NODE-19) and `decode_ahead` of the next shard (NODE-17); the
   block itself with the collector paused (NODE-19), its calls' signatures checked and their bytes kept
   when they were admitted (NODE-13, BLK-25), so neither the bare work nor the block verifies or encodes
   them again.
   For each block, in the same run and on the same tip: the bare core work (`on_block` + `apply` of
   each call, what any host must do), then `build_block` (that work plus the commitment update, the
   calls/results hashes and the seal), then `Store.append` (the rows changed and the block, one SQLite
   transaction with `synchronous=FULL`);
3. the store is closed and reopened: `PRAGMA quick_check`, the state reloaded from its rows (no
   replay; records decoded on first read, NODE-15), its commitment recomputed and checked against the
   head; then the next block is built twice on the reopened tip (cold, then warm).

Block k uses shard k (not the benchmarks' usual shard 7): every shard has the population's composition,
and the genesis timestamp is set so that block 1 comes exactly one billing cycle after the contracts'
last bill: each block bills a shard one cycle after its last bill, ~1/24 of its bills distributing, as a
producer's blocks do in a steady state (a shard billed again at once, its records still in the caches,
measured only 1.04x faster at 1M: benchmarks/README.md section 5, "Fresh and warm shards"). The machine is
shared: read the ratios (measured side by side, per block), not the absolute figures.

`--reopen` times step 3 alone on the store an earlier run left in `--dir` (same `--contracts`), so the
restart can be measured again on a quiet machine without building the store (~4 min at 1M) anew;
`--eager` there decodes every row at start (the restart before NODE-15), for a side-by-side figure;
`--ahead` decodes the next block's shard before building it (NODE-17, as the runner does between
blocks); `--then-produce` then appends `--blocks` blocks to the reopened store, made as in step 2: a
restarted node's steady state (its loaded heap frozen, NODE-15), with `--runner` made as `sc4it node
run` makes them (a `Node` with its mempool, `run.produce_one`, timed as the runner times its block);
`--no-reopen` stops after the blocks
(at 1M, creating the store and the restart each take minutes).
"""

from __future__ import annotations

import argparse
import gc
import logging
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sc4it.block import ChainSpec, build_block
from sc4it.genesis import dev_keypair
from sc4it.kernel import calls
from sc4it.kernel.codec import encode
from sc4it.kernel.signing import SignedCall, sign
from sc4it.kernel.smt import collector_paused
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv
from sc4it.node import run as runner
from sc4it.node.collector import Collector, Retired
from sc4it.node.mempool import Mempool
from sc4it.node.service import KEEP_STATES, Node
from sc4it.node.store import Store, decode_ahead
from sc4it.runtime import apply, check_signatures, on_block

from .population import ENV, population

USERS = ("alice", "bob", "charlie", "dave")


def _calls(state: State, count: int) -> list[SignedCall]:
    """`count` transfers, round robin over the dev users, each with its next nonce."""
    keys = [dev_keypair(n) for n in USERS]
    nonces = {k.account_id: state.accounts[k.account_id].nonce for k in keys}
    out = []
    for i in range(count):
        k, to = keys[i % len(keys)], keys[(i + 1) % len(keys)]
        out.append(
            sign(calls.Transfer(to.account_id, 1_000_000 + i), k, nonces[k.account_id], state.chain_id)
        )
        nonces[k.account_id] += 1
    return out


def _bare(state: State, env: BlockEnv, signed: list[SignedCall]) -> float:
    """The core's work alone: `on_block`, then `apply` of each call, whose signatures were checked when
    the calls were admitted (BLK-25, as the node's pool does) (seconds)."""
    t = time.perf_counter()
    s = on_block(state, env).state
    for c in signed:
        out = apply(s, c, env, signatures_checked=True)
        assert out.error is None
        s = out.state
    return time.perf_counter() - t


def run(n: int, blocks: int, n_calls: int, directory: Path, *, then_reopen: bool = True) -> None:
    t = time.perf_counter()
    pop = population(n)
    gc.collect()
    gc.freeze()
    print(f"population of {pop.contracts:,} contracts built in {time.perf_counter() - t:.1f} s")
    spec = _spec()
    t = time.perf_counter()
    store = Store.open(directory, pop.state, spec)
    print(f"store created (all rows + commitment from scratch) in {time.perf_counter() - t:.1f} s")
    produce(store, spec, blocks, n_calls)
    head = store.tip.header
    store.close()
    if not then_reopen:
        return
    del store, pop
    gc.unfreeze()
    gc.collect()
    reopen(n, directory, spec, head)


def produce(store: Store, spec: ChainSpec, blocks: int, n_calls: int) -> None:
    """Step 2: `blocks` production blocks on the store's tip, each made as `sc4it node run` makes it:
    between two blocks (timed apart) what the runner does then (NODE-18 `Store.checkpoint`, NODE-20 the
    previous tip and block freed, NODE-19 the collector over its young generations, NODE-17
    `decode_ahead`), then the block with the collector paused (NODE-19), timed as bare core work,
    `build_block` and `Store.append`."""
    producer = dev_keypair("producer")
    rows: list[tuple[float, float, float, float, float]] = []
    collector = Collector()
    retired = Retired()
    for _ in range(blocks):
        tip = store.tip
        t0 = time.perf_counter()
        store.checkpoint()
        c = time.perf_counter()
        retired.take()  # NODE-20: the previous tip and block freed between blocks
        r = time.perf_counter()
        collector.between_blocks()
        g = time.perf_counter()
        decode_ahead(tip.state, tip.number + 1)
        d = time.perf_counter()
        signed = _calls(tip.state, n_calls)
        admitted = [encode(c) for c in signed]  # the pool's bytes; it checked the signatures (MEM-02)
        assert all(check_signatures(c) is None for c in signed)
        env = BlockEnv(tip.number + 1, spec.timestamp_of(tip.number + 1))
        with collector_paused():
            bare = _bare(tip.state, env, signed)
            t = time.perf_counter()
            ex = build_block(tip, signed, producer, spec, checked=range(len(signed)), encodings=admitted)
            build = time.perf_counter() - t
            assert not ex.excluded and all(r.error is None for r in ex.results.receipts)
            t = time.perf_counter()
            store.append(ex)
            append = time.perf_counter() - t
        rows.append((bare, build, append, g - r, r - c))
        print(
            f"block {ex.block.number}: {len(ex.results.hook_events)} hook events, "
            f"{len(ex.touched)} keys touched; "
            f"bare {bare * 1e3:.1f} ms, build {build * 1e3:.1f} ms, append {append * 1e3:.1f} ms, "
            f"total {(build + append) * 1e3:.1f} ms (before it, between blocks: checkpoint "
            f"{(c - t0) * 1e3:.1f} ms, release {(r - c) * 1e3:.1f} ms, collector {(g - r) * 1e3:.1f} ms, "
            f"decode_ahead {(d - g) * 1e3:.1f} ms)"
        )
        retired.add(tip)  # NODE-20: as the runner's node keeps them until between blocks
        retired.add(ex)
        del tip, ex
    bare_m = statistics.median(r[0] for r in rows)
    build_m = statistics.median(r[1] for r in rows)
    append_m = statistics.median(r[2] for r in rows)
    total_m = statistics.median(r[1] + r[2] for r in rows)
    collect_m = statistics.median(r[3] for r in rows)
    release_m = statistics.median(r[4] for r in rows)
    print(
        f"median over {blocks} blocks: bare core {bare_m * 1e3:.1f} ms, build_block {build_m * 1e3:.1f} ms, "
        f"store append {append_m * 1e3:.1f} ms, produce+commit {total_m * 1e3:.1f} ms; "
        f"ratio produce+commit / bare core = {total_m / bare_m:.2f} (build alone {build_m / bare_m:.2f}); "
        f"between blocks, the release {release_m * 1e3:.1f} ms, the collector {collect_m * 1e3:.1f} ms"
    )


def _spec() -> ChainSpec:
    producer = dev_keypair("producer")
    return ChainSpec.of([producer.account_id], block_time_ms=6000, genesis_timestamp_ms=ENV.timestamp - 6000)


def reopen(
    n: int,
    directory: Path,
    spec: ChainSpec,
    head: object | None = None,
    *,
    lazy: bool = True,
    ahead: bool = False,
    then_blocks: int = 0,
    as_runner: bool = False,
) -> None:
    """Step 3: reopen the store in `directory` (NODE-07, NODE-08, NODE-15) and print how long it took
    (wall clock and this process's CPU time: on a shared machine the CPU time is the steadier figure);
    then build the next block twice on the reopened tip, not stored: the first build decodes the
    records its billing shard reads (NODE-15), the second finds them decoded. `lazy=False` decodes
    every row at start instead (the restart before NODE-15, for comparison)."""
    genesis = population(n).state  # the node is given its genesis; not part of the restart
    t, c = time.perf_counter(), time.process_time()
    reopened = Store.open(directory, genesis, spec, lazy=lazy)
    restart, cpu = time.perf_counter() - t, time.process_time() - c
    assert head is None or reopened.tip.header == head
    print(
        f"restart at block {reopened.tip.header.number} (quick_check, reload rows, commitment from scratch"
        f"{'' if lazy else ', every row decoded'}): {restart:.1f} s (CPU {cpu:.1f} s)"
    )
    tip, producer = reopened.tip, dev_keypair("producer")
    signed = _calls(tip.state, 100)
    if ahead:
        t = time.perf_counter()
        ids = decode_ahead(tip.state, tip.number + 1)
        print(
            f"decode_ahead of block {tip.number + 1}'s shard ({ids} contracts; the runner does it between "
            f"blocks, NODE-17): {(time.perf_counter() - t) * 1e3:.1f} ms"
        )
    for label in ("first", "second"):
        t = time.perf_counter()
        ex = build_block(tip, signed, producer, spec)
        print(
            f"{label} build_block of block {ex.block.number} after the restart: "
            f"{(time.perf_counter() - t) * 1e3:.1f} ms ({len(ex.touched)} keys touched)"
        )
    if then_blocks:
        print(
            f"then {then_blocks} blocks on the reopened store, as the runner makes them (NODE-17, NODE-18):"
        )
        if as_runner:
            produce_as_runner(reopened, then_blocks, 100)
        else:
            produce(reopened, spec, then_blocks, 100)
    reopened.close()


def produce_as_runner(store: Store, blocks: int, n_calls: int) -> None:
    """`--runner`: `blocks` blocks made by `sc4it node run`'s own step on a `Node` over `store`: the calls
    submitted to its mempool, then `run.produce_one` (`Node.produce_block`, then NODE-18, NODE-20 and
    NODE-19) with the collector paused as the runner pauses it, then `decode_ahead` (NODE-17); each block
    timed as the runner times it (`produce_block`: the mempool's calls, the block, the commit, the
    mempool's update, the kept tips). The node keeps `KEEP_STATES` tips (NODE-10): only later blocks
    evict one."""
    node = Node(store, dev_keypair("producer"), Mempool(store.tip.state), KEEP_STATES)
    took: list[float] = []
    for _ in range(blocks):
        for signed in _calls(node.state, n_calls):
            node.submit(signed)
        with node.collector.paused():
            took.append(runner.produce_one(node))
        node.decode_ahead()
        print(f"block {node.head.number}: the runner's block {took[-1] * 1e3:.1f} ms")
    later = took[KEEP_STATES:]
    evicting = f"; over the {len(later)} that evicted a kept tip {statistics.median(later) * 1e3:.1f} ms"
    print(
        f"median over {blocks} blocks: the runner's block {statistics.median(took) * 1e3:.1f} ms"
        + (evicting if later else "")
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contracts", type=int, default=10_000)
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--dir", type=Path, default=None, help="data directory (default: a temporary one)")
    ap.add_argument("--reopen", action="store_true", help="only time reopening the store left in --dir")
    ap.add_argument("--eager", action="store_true", help="with --reopen: decode every row at start")
    ap.add_argument(
        "--ahead", action="store_true", help="with --reopen: decode_ahead the next block's shard first"
    )
    ap.add_argument(
        "--then-produce",
        action="store_true",
        help="with --reopen: then produce --blocks blocks on the reopened store (appended to it), "
        "doing between blocks what the runner does",
    )
    ap.add_argument(
        "--runner",
        action="store_true",
        help="with --then-produce: make the blocks as `sc4it node run` does, on a Node with its mempool",
    )
    ap.add_argument(
        "--no-reopen",
        action="store_true",
        help="stop after the blocks (time the restart later with --reopen)",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.reopen:
        if args.dir is None:
            ap.error("--reopen needs --dir (the data directory of an earlier run)")
        then = args.blocks if args.then_produce else 0
        reopen(
            args.contracts,
            args.dir,
            _spec(),
            lazy=not args.eager,
            ahead=args.ahead,
            then_blocks=then,
            as_runner=args.runner,
        )
        return
    directory = args.dir or Path(tempfile.mkdtemp(prefix="sc4it-node-bench-"))
    try:
        run(args.contracts, args.blocks, args.calls, directory, then_reopen=not args.no_reopen)
    finally:
        if args.dir is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
