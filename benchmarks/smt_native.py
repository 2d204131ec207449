"""The native state tree (`native/`, module `sc4it_native`) side by side with the pure module it reproduces.

A script, not a benchmark test, first written for the lead's decision recorded in benchmarks/README.md
section 2 ("A native tree (Rust), measured: adopted"); since that decision (2026-12-04) the tree is the
one a host uses when `sc4it-native` is installed (`sc4it.kernel.tree`, spec/commitment.md CMT-25). The
crate in `native/` (PyO3, `blake2b_simd`) is a second formulation of `src/sc4it/kernel/smt.py`
(CMT-13..CMT-18, proofs CMT-20..CMT-22): nodes held in Rust, reference-counted and shared between trees
like the Python tuples, paths as 32 big-endian bytes. This script uses the installed `sc4it_native`
(`pip install ./native`), or with `--build` builds the crate with `cargo` (into `native/target/`,
ignored by git, or with `--clean` into a fresh temporary directory, to time a clean build) and loads
the extension from a copy; then, on the production population (benchmarks/population.py) for each size:

- first runs random histories on both trees (`differential`: roots and proofs equal at every step);
- builds both trees from scratch (alternating which goes first; the native figure counts converting the
  paths from Python integers to bytes) and asserts the same root;
- times, each right after the production billing block's `on_block` (shard BLOCK % 600, as
  `benchmarks/state_tree.py` does: caches as the block left them), the order reversed every other
  round: `smt.update` on the block's leaf changes, the native update of the same changes (with their
  conversion to bytes), `Commitment.update` of the block, and the multiset commitment's update
  (benchmarks/multiset.py); the native root must equal the pure root after every timed update.
  `Commitment.update` runs with the pure tree; its native figure is derived (the pure time less the
  pure tree's part plus the native tree's part);
- checks that both prove one contract with the same bytes, and times both provers.

    PYTHONPATH=src .venv/bin/python -m benchmarks.smt_native 100000 [--builds 4] [--rounds 31]
        [--build [--clean]]

With `--build`, needs `cargo` (on PATH or in ~/.cargo/bin) and crates.io or a filled cargo cache; run it
under the bench lock (`flock /work/bench.lock ...`).
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib.util
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, cast

import attrs

from sc4it.kernel import commitment, smt
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.state import State
from sc4it.kernel.tree import PURE
from sc4it.kernel.tx import Touched
from sc4it.runtime import on_block

from . import multiset
from .population import build_population
from .state_tree import median_s

CRATE = Path(__file__).resolve().parent.parent / "native"
"""The crate: Cargo.toml, Cargo.lock and src/ in git; its default target directory is ignored."""
NativeChange = tuple[bytes, bytes | None]


class NativeTree(Protocol):
    """What the extension's `Tree` offers (native/src/lib.rs)."""

    def root(self) -> bytes: ...
    def update(self, changes: Sequence[NativeChange]) -> NativeTree: ...
    def prove(self, paths: Sequence[bytes]) -> bytes: ...


class Native(Protocol):
    """The extension module."""

    def build(self, leaves: Sequence[tuple[bytes, bytes]]) -> NativeTree: ...


def _cargo() -> str:
    found = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
    assert Path(found).exists(), "cargo is needed to build native/"
    return found


def build_extension(target_dir: Path) -> Path:
    """`cargo build --release` of the crate into `target_dir` for this interpreter; the library built."""
    env = dict(os.environ, PYO3_PYTHON=sys.executable)
    cmd = [_cargo(), "build", "--release", "--locked", "--manifest-path", str(CRATE / "Cargo.toml")]
    subprocess.run([*cmd, "--target-dir", str(target_dir)], env=env, check=True, timeout=900)
    return target_dir / "release" / "libsc4it_native.so"


def load(library: Path, workdir: Path) -> Native:
    """The extension, loaded from a copy in `workdir` as the module `sc4it_native` (a later build may
    replace the library in the target directory while this process holds the copy)."""
    copy = workdir / "sc4it_native.so"
    shutil.copyfile(library, copy)
    spec = importlib.util.spec_from_file_location("sc4it_native", copy)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return cast(Native, module)


def differential(native: Native, histories: int = 300, seed: int = 19) -> None:
    """Random histories on both trees, the native roots and proofs asserted equal to the pure module's
    after every step (CMT-16..CMT-18, CMT-20), and the pure incremental root to its from-scratch root:
    random paths and clustered ones (one-child chains down to the last digits), removals of present and
    absent paths, sets to the value a leaf already has, proofs of present and absent paths."""
    rng = random.Random(seed)
    for _ in range(histories):
        clustered = rng.random() < 0.5
        path = functools.partial(_random_path, rng, clustered)
        leaves = {path(): rng.randbytes(32) for _ in range(rng.choice([0, 1, 2, 3, 5, 20, 200]))}
        tree = smt.build(leaves.items())
        ntree = native.build([(p.to_bytes(32, "big"), v) for p, v in leaves.items()])
        assert ntree.root() == smt.root_of(tree)
        for _ in range(5):
            changes: dict[int, bytes | None] = {}
            for _ in range(rng.choice([1, 2, 10, 50])):
                p = rng.choice(list(leaves)) if leaves and rng.random() < 0.6 else path()
                r = rng.random()
                changes[p] = None if r < 0.4 else leaves.get(p) if r < 0.5 else rng.randbytes(32)
            tree = smt.update(tree, changes.items())
            ntree = ntree.update(_native_changes(list(changes.items())))
            for p, v in changes.items():
                if v is None:
                    leaves.pop(p, None)
                else:
                    leaves[p] = v
            assert ntree.root() == smt.root_of(tree) == smt.root_of(smt.build(leaves.items()))
            asked = [*rng.sample(sorted(leaves), min(3, len(leaves))), path()]
            assert ntree.prove([p.to_bytes(32, "big") for p in asked]) == smt.prove(tree, asked)


def _random_path(rng: random.Random, clustered: bool) -> int:
    """A random path; clustered: six random bits at the top, in the middle or at the bottom of the path,
    the rest zero, so that paths share all their digits but three (long one-child chains, CMT-16)."""
    return rng.getrandbits(6) << rng.choice([0, 100, 250]) if clustered else rng.getrandbits(256)


def _native_changes(changes: Sequence[smt.Change]) -> list[NativeChange]:
    return [(p.to_bytes(32, "big"), v) for p, v in changes]


def _load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _builds(native: Native, leaves: list[tuple[int, bytes]], rounds: int) -> tuple[smt.Node, NativeTree]:
    """Both builds from scratch, alternating which goes first; prints each time. The native one counts
    the conversion of the paths to bytes (timed apart too)."""
    times: dict[str, list[float]] = {"pure": [], "native": [], "convert": []}
    pure: smt.Node | None = None
    tree: NativeTree | None = None
    for r in range(rounds):
        for name in ("pure", "native") if r % 2 == 0 else ("native", "pure"):
            gc.collect()
            t = time.perf_counter()
            if name == "pure":
                built = smt.build(leaves)
            else:
                with smt.collector_paused():
                    converted = [(p.to_bytes(32, "big"), v) for p, v in leaves]
                t1 = time.perf_counter()
                times["convert"].append(t1 - t)
                nbuilt = native.build(converted)
                del converted
            times[name].append(time.perf_counter() - t)
            if name == "pure":
                pure = built if pure is None else pure
                del built
            else:
                tree = nbuilt if tree is None else tree
                del nbuilt
        assert pure is not None and tree is not None and tree.root() == smt.root_of(pure)
    assert pure is not None and tree is not None
    p, n, c = (statistics.median(times[k]) for k in ("pure", "native", "convert"))
    shown = {k: [round(t, 2) for t in v] for k, v in times.items()}
    print(
        f"  build from scratch: pure {shown['pure']} s, native {shown['native']} s (of which converting "
        f"the paths {shown['convert']} s); medians' ratio pure/native {p / n:.1f} (native without the "
        f"conversion {p / (n - c):.1f})",
        flush=True,
    )
    return pure, tree


def _after_blocks(
    block: Callable[[], Any], fns: list[Callable[[], Any]], rounds: int, check: Callable[[list[Any]], None]
) -> tuple[float, list[float]]:
    """The median time of `block` and of each of `fns`, each timed right after a call of `block` (as a
    host updates its commitment right after a block: caches as the block left them), the order of `fns`
    reversed every other round; `check` gets each round's results (outside the timing)."""
    block_times: list[float] = []
    times: list[list[float]] = [[] for _ in fns]
    for r in range(rounds):
        order = list(range(len(fns)))
        results: list[Any] = [None] * len(fns)
        for i in order if r % 2 == 0 else order[::-1]:
            t = time.perf_counter()
            block()
            t1 = time.perf_counter()
            results[i] = fns[i]()
            times[i].append(time.perf_counter() - t1)
            block_times.append(t1 - t)
        check(results)
        del results
    return statistics.median(block_times), [statistics.median(t) for t in times]


def run(n: int, builds: int, rounds: int, native: Native) -> None:
    print(f"n={n}: load average at start {_load()}", flush=True)
    pop = build_population(n)
    state = pop.state
    with smt.collector_paused():
        leaves = list(commitment.state_leaves(state))
    gc.freeze()  # the population and its leaves are long-lived (as in a node)
    print(f"  {len(leaves)} leaves", flush=True)
    if builds:
        tree, ntree = _builds(native, leaves, builds)
    else:
        tree, ntree = smt.build(leaves), native.build([(p.to_bytes(32, "big"), v) for p, v in leaves])
    assert ntree.root() == smt.root_of(tree)
    out = on_block(state, pop.env)
    before, after = dict(leaves), dict(commitment.state_leaves(out.state))
    changes: list[smt.Change] = [(p, v) for p, v in after.items() if before.get(p) != v]
    changes += [(p, None) for p in before if p not in after]
    del before, after, leaves
    block = Block(lambda: on_block(state, pop.env), out.state, out.touched, changes)
    expected = _side_by_side(Commitment(state, tree, backend=PURE), ntree, block, rounds)
    _proofs(tree, ntree, commitment.entry_path("contracts", pop.billed_contract()))
    del tree  # a host with the native tree would hold no pure one: the native update again, alone
    gc.collect()
    ob, (up,) = _after_blocks(
        block.run,
        [lambda: ntree.update(_native_changes(changes))],
        rounds,
        lambda results: _same(results[0].root(), expected),
    )
    print(
        f"  the pure tree and the multiset freed: on_block {ob * 1e3:.2f} ms, native update "
        f"{up * 1e3:.2f} ms ({up / len(changes) * 1e6:.2f} µs/entry, {up / ob:.0%} of on_block)\n"
        f"  load average at end {_load()}",
        flush=True,
    )


@attrs.frozen
class Block:
    """The production billing block: how to run it again, what it leaves, its leaf changes."""

    run: Callable[[], Any]
    state: State
    touched: Touched
    changes: list[smt.Change]


def _side_by_side(c: Commitment, ntree: NativeTree, block: Block, rounds: int) -> bytes:
    """The four updates after the block, side by side (module docstring); prints them; the new root."""
    ms = multiset.Commitment.of(c.state)
    gc.freeze()
    changes = block.changes
    expected = c.update(block.state, block.touched).root
    tree = c.tree
    assert smt.root_of(smt.update(tree, changes)) == ntree.update(_native_changes(changes)).root() == expected

    def check(results: list[Any]) -> None:
        pure_tree, native_tree, cu, _ = results
        assert smt.root_of(pure_tree) == native_tree.root() == cu.root == expected

    ob, (up_p, up_n, cu, ms_up) = _after_blocks(
        block.run,
        [
            lambda: smt.update(tree, changes),
            lambda: ntree.update(_native_changes(changes)),
            lambda: c.update(block.state, block.touched),
            lambda: ms.update(block.state, block.touched),
        ],
        rounds,
        check,
    )
    conv = median_s(lambda: _native_changes(changes), rounds)
    k = len(changes)
    cu_n = cu - up_p + up_n

    def per(t: float) -> str:
        return f"{t * 1e3:.2f} ms, {t / k * 1e6:.2f} µs/entry, {t / ob:.0%} of on_block"

    print(
        f"  block: {k} leaf changes ({len(block.touched)} keys touched), on_block {ob * 1e3:.2f} ms "
        f"({rounds} rounds x 4)\n"
        f"  tree alone: smt.update {per(up_p)}; native (with converting the changes, {conv * 1e3:.3f} ms) "
        f"{per(up_n)}; pure/native {up_p / up_n:.1f}\n"
        f"  Commitment.update, pure tree: {per(cu)}\n"
        f"  Commitment.update, native tree (derived): {per(cu_n)}\n"
        f"  multiset update: {per(ms_up)}\n"
        f"  commitment / multiset: pure tree {cu / ms_up:.2f}, native tree {cu_n / ms_up:.2f}",
        flush=True,
    )
    return expected


def _proofs(tree: smt.Node, ntree: NativeTree, path: int) -> None:
    """Both prove one contract with the same bytes; their times."""
    proof = smt.prove(tree, [path])
    key = path.to_bytes(32, "big")
    assert ntree.prove([key]) == proof
    pr_p = median_s(lambda: smt.prove(tree, [path]), 2000)
    pr_n = median_s(lambda: ntree.prove([key]), 2000)
    print(
        f"  proof of one contract, {len(proof)} B, the same bytes: smt.prove {pr_p * 1e6:.1f} µs, native "
        f"{pr_n * 1e6:.1f} µs",
        flush=True,
    )


def _same(a: bytes, b: bytes) -> None:
    assert a == b


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.smt_native")
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000])
    parser.add_argument("--builds", type=int, default=4, help="builds from scratch of each (0: none)")
    parser.add_argument("--rounds", type=int, default=31, help="rounds of the block's updates")
    parser.add_argument("--build", action="store_true", help="build native/ with cargo, not the installed")
    parser.add_argument(
        "--clean", action="store_true", help="with --build: in a fresh target directory, timed"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="smt-native-") as tmp:
        if args.build:
            target = Path(tmp) / "target" if args.clean else CRATE / "target"
            t = time.perf_counter()
            library = build_extension(target)
            print(f"built {library} in {time.perf_counter() - t:.1f} s (load {_load()})", flush=True)
            native = load(library, Path(tmp))
        else:
            native = cast(Native, importlib.import_module("sc4it_native"))
            print(f"the installed sc4it_native ({native.__file__}), load {_load()}", flush=True)  # type: ignore[attr-defined]
        t = time.perf_counter()
        differential(native)
        print(
            f"differential check against smt.py: 300 random histories, roots and proofs equal "
            f"({time.perf_counter() - t:.1f} s)"
        )
        for n in args.sizes:
            run(n, args.builds, args.rounds, native)


if __name__ == "__main__":
    main(sys.argv[1:])
