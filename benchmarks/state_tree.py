"""The state tree (spec/commitment.md) side by side with the multiset commitment it replaced.

A script, not a benchmark test: one process builds the production-shaped population (benchmarks/population.py)
for each size, then measures, in one run, for both commitments: the from-scratch build, the update after
the production billing block (`on_block` of shard BLOCK % 600, with the block's `touched`), and the same
block's `on_block` time; for the tree also the proof of one contract (size, generation, verification).
The machine is shared: compare the ratios of one run, not absolute figures across runs.

    PYTHONPATH=src .venv/bin/python -m benchmarks.state_tree 100000 1000000
    PYTHONPATH=src .venv/bin/python -m benchmarks.state_tree --no-multiset 1000000   # the tree alone

The multiset's per-key cost does not depend on the number of contracts (no depth), but building it from
scratch at 1M takes minutes on a shared machine: `--no-multiset` leaves it out (the tree is then read
against the same block's `on_block`, measured in the same run).

The tree is the one a host uses (`sc4it.kernel.tree.DEFAULT`, spec/commitment.md CMT-25): the native tree
when `sc4it-native` is installed (`pip install ./native`), else the pure one; `--pure` forces the pure
tree. The first line of each size names it; the node count is the pure tree's only. `--rounds=N` sets
the rounds per size (default 15, 5 from 1M on).

Each update is timed with its result kept, then freeing that result (`del`) is timed apart. The issue's
target (the commitment <= 50 % of the block's `on_block`) reads the first: a host keeps the new commitment
(it is the state root of the block it commits) and frees a commitment only when it leaves the window of
recent blocks (CMT-19), which is work between blocks, not part of committing one.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from sc4it.kernel import commitment, smt
from sc4it.kernel import tree as trees
from sc4it.kernel.commitment import Commitment
from sc4it.runtime import on_block

from . import multiset
from .population import build_population


def median_s(fn: Callable[[], Any], rounds: int) -> float:
    """The median wall time of `rounds` calls of `fn`, in seconds."""
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _after_blocks(
    block: Callable[[], Any], fns: list[Callable[[Any], Any]], rounds: int
) -> tuple[float, list[float], list[float]]:
    """The median time of `block` and, for each of `fns`, of the call on the outcome of the block just
    run with its result kept, and of freeing that result (`del`) afterwards. Each of `fns` is timed right
    after its own call of `block`, on that call's outcome, as a host commits the block it just ran
    (`sc4it.block`: `tip.commitment.update(run.state, run.touched)`; caches as that block left them);
    the order of `fns` is reversed every other round."""
    block_times: list[float] = []
    times: list[list[float]] = [[] for _ in fns]
    frees: list[list[float]] = [[] for _ in fns]
    triples = list(zip(fns, times, frees, strict=True))
    for r in range(rounds):
        for fn, out, freed in triples if r % 2 == 0 else triples[::-1]:
            t = time.perf_counter()
            outcome = block()
            t1 = time.perf_counter()
            result = fn(outcome)
            t2 = time.perf_counter()
            del result
            t3 = time.perf_counter()
            del outcome
            block_times.append(t1 - t)
            out.append(t2 - t1)
            freed.append(t3 - t2)
    median = statistics.median
    return median(block_times), [median(t) for t in times], [median(t) for t in frees]


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t


def _tree_nodes(node: Any) -> int:
    count, stack = 0, [node]
    while stack:
        n = stack.pop()
        count += 1
        if len(n) == 5:
            stack.extend(n[1:])
    return count


def _from_scratch(state: Any, backend: trees.Backend) -> tuple[Commitment, float, int]:
    """`Commitment.of(state)` timed (encoding every entry, hashing it and building the tree: with the
    native tree the hashing and the build are in Rust, as the rows are encoded), and the number of leaves."""
    t = time.perf_counter()
    tree = Commitment.of(state, backend)
    elapsed = time.perf_counter() - t
    leaves = 0
    for field in commitment.FIELDS:
        value = getattr(state, field.name)
        leaves += sum(map(len, value.values())) if field.set_valued else len(value) if field.is_map else 1
    return tree, elapsed, leaves


def run(
    n: int, rounds: int, with_multiset: bool = True, backend: trees.Backend = trees.DEFAULT
) -> dict[str, Any]:
    gc.collect()
    pop = build_population(n)
    state = pop.state
    gc.freeze()  # the population is long-lived: keep the collector from walking it (as a node would)
    tree, tree_s, n_leaves = _from_scratch(state, backend)
    ms, ms_s = _timed(lambda: multiset.Commitment.of(state)) if with_multiset else (None, float("nan"))
    gc.freeze()
    out = on_block(state, pop.env)
    touched = out.touched
    changed = []
    tree.update(out.state, touched)  # warm both once
    if ms is not None:
        ms.update(out.state, touched)
    fns: list[Callable[[Any], Any]] = [lambda o: tree.update(o.state, o.touched)]
    if ms is not None:
        fns.append(lambda o: ms.update(o.state, o.touched))
    block_s, (tree_up, *rest), (tree_free, *rest_free) = _after_blocks(
        lambda: on_block(state, pop.env), fns, rounds
    )
    ms_up = rest[0] if rest else float("nan")
    ms_free = rest_free[0] if rest_free else float("nan")
    after = tree.update(out.state, touched)
    if n <= 200_000:
        assert after.root == Commitment.of(out.state, trees.PURE).root
    for f in commitment.FIELDS:
        if f.is_map and not f.set_valued:
            before_m, after_m = getattr(state, f.name), getattr(out.state, f.name)
            for k in touched.maps.get(f.name, ()):
                if before_m.get(k) != after_m.get(k):
                    changed.append((f.name, k))
    cid = pop.billed_contract()
    contract = state.contracts[cid]
    proof = tree.prove([("contracts", cid)])
    prove_s = median_s(lambda: tree.prove([("contracts", cid)]), 200)
    verify_s = median_s(lambda: commitment.verify(tree.root, "contracts", cid, contract, proof), 200)
    assert commitment.verify(tree.root, "contracts", cid, contract, proof)
    h = tree.root
    hash_s = median_s(lambda: [smt.node_hash(h, h, h, h) for _ in range(100)], 50)  # a load reference
    return {
        "n": n,
        "leaves": n_leaves,
        "backend": backend.name,
        "nodes": _tree_nodes(tree.tree) if backend is trees.PURE else "(native: not counted)",
        "touched": len(touched),
        "changed": len(changed),
        "bills": sum(1 for e in out.events if type(e).__name__ == "ContractBilled"),
        "scratch_tree_s": tree_s,
        "scratch_multiset_s": ms_s,
        "on_block_ms": block_s * 1e3,
        "update_tree_ms": tree_up * 1e3,
        "update_multiset_ms": ms_up * 1e3,
        "free_tree_ms": tree_free * 1e3,
        "free_multiset_ms": ms_free * 1e3,
        "proof_bytes": len(proof),
        "prove_us": prove_s * 1e6,
        "verify_us": verify_s * 1e6,
        "hash_us": hash_s * 1e4,
    }


def main(argv: list[str]) -> None:
    with_multiset = "--no-multiset" not in argv
    backend = trees.PURE if "--pure" in argv else trees.DEFAULT
    rounds = [int(a.removeprefix("--rounds=")) for a in argv if a.startswith("--rounds=")]
    sizes = [int(a) for a in argv if not a.startswith("--")] or [100_000]
    for n in sizes:
        r = run(n, rounds[-1] if rounds else 5 if n >= 1_000_000 else 15, with_multiset, backend)
        per_key_tree = r["update_tree_ms"] * 1e3 / max(r["touched"], 1)
        per_key_ms = r["update_multiset_ms"] * 1e3 / max(r["touched"], 1)
        print(
            f"n={n}, {r['backend']} tree: {r['leaves']} leaves, {r['nodes']} tree nodes; "
            f"block: {r['bills']} bills, "
            f"{r['touched']} keys touched, {r['changed']} map entries changed\n"
            f"  from scratch: tree {r['scratch_tree_s']:.1f} s, multiset {r['scratch_multiset_s']:.1f} s "
            f"(ratio {r['scratch_tree_s'] / r['scratch_multiset_s']:.2f})\n"
            f"  on_block {r['on_block_ms']:.1f} ms; update (result kept): tree {r['update_tree_ms']:.1f} ms "
            f"({per_key_tree:.1f} µs/touched key, {r['update_tree_ms'] / r['on_block_ms']:.0%} of on_block), "
            f"multiset {r['update_multiset_ms']:.1f} ms ({per_key_ms:.1f} µs/key, "
            f"{r['update_multiset_ms'] / r['on_block_ms']:.0%}); tree/multiset "
            f"{r['update_tree_ms'] / r['update_multiset_ms']:.2f}\n"
            f"  freeing the update's result: tree {r['free_tree_ms']:.1f} ms "
            f"({r['free_tree_ms'] / r['on_block_ms']:.0%} of on_block), "
            f"multiset {r['free_multiset_ms']:.1f} ms\n"
            f"  proof of one contract: {r['proof_bytes']} bytes, prove {r['prove_us']:.0f} µs, "
            f"verify {r['verify_us']:.0f} µs\n"
            f"  load reference: one inner node's hash (`smt.node_hash`) {r['hash_us']:.2f} µs in this run; "
            f"verify = {r['verify_us'] / r['hash_us']:.0f} of them",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
