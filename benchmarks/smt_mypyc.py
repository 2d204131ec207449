"""The state tree compiled with mypyc, side by side with the pure module it is compiled from.

A script, not a benchmark test, for the decision recorded in benchmarks/README.md section 2 ("Compiling
the tree with mypyc"): it copies `src/sc4it/kernel/smt.py` as it is into a temporary directory, compiles it
there with `mypyc` (part of mypy, a test dependency; needs a C compiler and the Python headers) and loads it
as a separate module, then measures both in turns in one process on the production population
(benchmarks/population.py): `smt.build` from the state's leaves, `smt.update` with the leaf changes of the
production billing block (shard BLOCK % 600) next to that block's `on_block`, and `smt.check` of one
contract's proof. Nothing of the project is changed or patched: `Commitment.update` and `commitment.verify`
are timed with the pure module they import, and their compiled figures are derived (the pure time less the
pure tree's part plus the compiled tree's).

    PYTHONPATH=src .venv/bin/python -m benchmarks.smt_mypyc 100000 [--builds 4] [--rounds 31]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from sc4it.kernel import commitment, smt
from sc4it.kernel import tree as tree_backends
from sc4it.kernel.commitment import Commitment
from sc4it.runtime import on_block

from .population import build_population


def compile_smt(workdir: Path) -> ModuleType:
    """`smt.py` compiled by mypyc in `workdir`, loaded as the module `_smt_mypyc`."""
    src = workdir / "_smt_mypyc.py"
    shutil.copyfile(Path(smt.__file__), src)
    subprocess.run(
        [sys.executable, "-m", "mypyc", src.name], cwd=workdir, check=True, capture_output=True, timeout=600
    )
    (so,) = workdir.glob("_smt_mypyc.*.so")
    spec = importlib.util.spec_from_file_location("_smt_mypyc", so)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _turns(fns: list[Callable[[], Any]], rounds: int) -> list[float]:
    """The median time of each of `fns`, one call of each per round; every other round the order after
    the first is reversed, so neither module always runs right after the other."""
    times: list[list[float]] = [[] for _ in fns]
    for r in range(rounds):
        order = list(range(len(fns)))
        if r % 2:
            order = order[:1] + order[1:][::-1]
        for i in order:
            t = time.perf_counter()
            fns[i]()
            times[i].append(time.perf_counter() - t)
    return [statistics.median(t) for t in times]


def _builds(native: ModuleType, leaves: list[tuple[int, bytes]], rounds: int) -> smt.Node:
    """Both builds from scratch, alternating which goes first; prints each time."""
    times: dict[str, list[float]] = {"pure": [], "compiled": []}
    tree: smt.Node | None = None
    for r in range(rounds):
        pair = [("pure", smt), ("compiled", native)]
        for name, module in pair if r % 2 == 0 else pair[::-1]:
            gc.collect()
            t = time.perf_counter()
            built = module.build(leaves)
            times[name].append(time.perf_counter() - t)
            assert tree is None or built[0] == tree[0]
            tree = built if tree is None else tree
            del built
    assert tree is not None
    p, c = statistics.median(times["pure"]), statistics.median(times["compiled"])
    pure_s, compiled_s = ([round(t, 2) for t in times[k]] for k in ("pure", "compiled"))
    print(f"  smt.build: pure {pure_s} s, compiled {compiled_s} s; medians' ratio {p / c:.2f}", flush=True)
    return tree


def run(n: int, builds: int, rounds: int, native: ModuleType) -> None:
    pop = build_population(n)
    state = pop.state
    leaves = list(commitment.state_leaves(state))
    gc.freeze()  # the population and its leaves are long-lived (as in a node)
    print(f"n={n}: {len(leaves)} leaves", flush=True)
    tree = _builds(native, leaves, builds) if builds else native.build(leaves)
    c = Commitment(state, tree, backend=tree_backends.PURE)
    gc.freeze()
    out = on_block(state, pop.env)
    before, after = dict(leaves), dict(commitment.state_leaves(out.state))
    changes: list[smt.Change] = [(p, v) for p, v in after.items() if before.get(p) != v]
    changes += [(p, None) for p in before if p not in after]
    del before, after
    expected = c.update(out.state, out.touched).root
    assert smt.update(tree, changes)[0] == native.update(tree, changes)[0] == expected
    ob, up_p, up_c, cu = _turns(
        [
            lambda: on_block(state, pop.env),
            lambda: smt.update(tree, changes),
            lambda: native.update(tree, changes),
            lambda: c.update(out.state, out.touched),
        ],
        rounds,
    )
    k = len(changes)
    cu_c = cu - up_p + up_c
    print(
        f"  block: {k} leaf changes, on_block {ob * 1e3:.2f} ms\n"
        f"  smt.update: pure {up_p * 1e3:.2f} ms ({up_p / k * 1e6:.1f} µs/change), compiled "
        f"{up_c * 1e3:.2f} ms ({up_c / k * 1e6:.1f} µs/change); pure/compiled {up_p / up_c:.2f}\n"
        f"  Commitment.update: {cu * 1e3:.2f} ms ({cu / ob:.0%} of on_block); with the compiled tree "
        f"(derived) {cu_c * 1e3:.2f} ms ({cu_c / ob:.0%}); ratio {cu / cu_c:.2f}",
        flush=True,
    )
    cid = pop.billed_contract()
    contract = state.contracts[cid]
    proof = c.prove([("contracts", cid)])
    path = commitment.entry_path("contracts", cid)
    claims = [(path, smt.lookup(tree, path))]
    assert smt.check(tree[0], claims, proof) and native.check(tree[0], claims, proof)
    ck_p, ck_c, vf = _turns(
        [
            lambda: smt.check(tree[0], claims, proof),
            lambda: native.check(tree[0], claims, proof),
            lambda: commitment.verify(tree[0], "contracts", cid, contract, proof),
        ],
        2000,
    )
    vf_c = vf - ck_p + ck_c
    print(
        f"  proof of one contract, {len(proof)} B: smt.check pure {ck_p * 1e6:.1f} µs, compiled "
        f"{ck_c * 1e6:.1f} µs ({ck_p / ck_c:.2f}x); commitment.verify {vf * 1e6:.1f} µs, with the "
        f"compiled tree (derived) {vf_c * 1e6:.1f} µs ({vf / vf_c:.2f}x)",
        flush=True,
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.smt_mypyc")
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000])
    parser.add_argument("--builds", type=int, default=4, help="builds from scratch of each (0: none)")
    parser.add_argument("--rounds", type=int, default=31, help="rounds of the block's update")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="smt-mypyc-") as tmp:
        t = time.perf_counter()
        native = compile_smt(Path(tmp))
        print(f"compiled {native.__file__} in {time.perf_counter() - t:.1f} s", flush=True)
        for n in args.sizes:
            run(n, args.builds, args.rounds, native)


if __name__ == "__main__":
    main(sys.argv[1:])
