"""CMT-25: the native tree (`native/`, module `sc4it_native`) against the normative `sc4it.kernel.smt`.

- random histories (sets, sets to the value a leaf already has, removals of present and absent paths;
  random and clustered paths): the native root equals the pure root, which equals the pure root built
  from scratch, after every step; the native proofs are the pure proofs' bytes and `smt.check` accepts
  them;
- the native hashes of encoded entries (CMT-13, CMT-14) are `smt.entry_changes`'s for any bytes, and an
  update by encoded entries gives the pure tree, also for updates large enough to run on two threads;
- `Commitment` with either backend gives the same roots and proofs over blocks and transfers, and an
  update or a proof keeps the backend of the commitment it starts from;
- bad input to the native API (paths or value hashes of another length or type, duplicate paths, encoded
  entries of the wrong shape) raises a typed ValueError or TypeError and leaves the tree as it was.

Without `sc4it_native` installed these tests fail in CI (`CI` set) and are skipped elsewhere, with the
install command as the reason (the policy of `tests/net/support.py::require_engine`).
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest
from benchmarks.population import build_population
from hypothesis import given
from hypothesis import strategies as st

from sc4it import calls
from sc4it.genesis import dev_keypair
from sc4it.kernel import smt, tree
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.signing import sign
from sc4it.runtime import apply, on_block

INSTALL = "pip install ./native (needs cargo)"


def require_native() -> tree.Backend:
    """CMT-25: the native backend; missing in CI is a failure, elsewhere a skip with the install command."""
    if tree.NATIVE is None:
        if os.environ.get("CI"):
            pytest.fail(f"sc4it_native is required in CI: {INSTALL}")
        pytest.skip(f"sc4it_native not installed here: {INSTALL}")
    return tree.NATIVE


def test_default_backend_is_native_when_installed() -> None:
    """CMT-25: `Commitment.of` uses the native tree when `sc4it_native` is importable, else the pure one."""
    native = require_native()
    assert tree.DEFAULT is native and native.name == "native" and tree.PURE.name == "pure"
    c = Commitment.of(build_population(3).state)
    assert c.backend is native and type(c.tree).__module__ == "sc4it_native"


# ------------------------------------------------------------------------------------------------
# Random histories, path by path


def _clustered(shift: int) -> st.SearchStrategy[int]:
    return st.integers(0, 63).map(lambda b: b << shift)


PATHS = st.one_of(
    st.integers(0, 2**256 - 1),
    _clustered(0),  # six random bits at the bottom, top or middle, the rest zero: long one-child chains
    _clustered(250),
    _clustered(100),
)
VHASH = st.binary(min_size=32, max_size=32)


@st.composite
def histories(draw: st.DrawFn) -> tuple[dict[int, bytes], list[list[tuple[int, int, bytes]]]]:
    """Initial leaves and steps; a step is a list of (kind, path or index of a present path, hash):
    kind 0 sets, 1 sets a present leaf to its own value, 2 removes a present path, 3 removes any path."""
    leaves = draw(st.dictionaries(PATHS, VHASH, max_size=30))
    op = st.tuples(st.integers(0, 3), st.one_of(PATHS, st.integers(0, 1000)), VHASH)
    return leaves, draw(st.lists(st.lists(op, min_size=1, max_size=12), min_size=1, max_size=6))


def _step(leaves: dict[int, bytes], ops: list[tuple[int, int, bytes]]) -> dict[int, bytes | None]:
    """The changes of one step (one per path), resolved against the present leaves."""
    present = sorted(leaves)
    changes: dict[int, bytes | None] = {}
    for kind, p, vhash in ops:
        if kind in (1, 2) and present:
            p = present[p % len(present)]
        changes[p] = vhash if kind == 0 else leaves.get(p) if kind == 1 else None
    return changes


@given(histories())
def test_native_histories_match_the_pure_tree(
    history: tuple[dict[int, bytes], list[list[tuple[int, int, bytes]]]],
) -> None:
    """CMT-25 (CMT-16, CMT-18, CMT-20, CMT-21): after every step of a random history the native root is
    the pure root and the pure from-scratch root; proofs of present and absent paths have the same bytes
    and verify."""
    native = require_native()
    leaves, steps = history
    leaves = dict(leaves)
    pure_tree = smt.build(leaves.items())
    native_tree = native.build(leaves.items())
    assert native.root_of(native_tree) == smt.root_of(pure_tree)
    for ops in steps:
        changes = _step(leaves, ops)
        pure_tree = smt.update(pure_tree, changes.items())
        native_tree = native.update(native_tree, changes.items())
        for p, v in changes.items():
            if v is None:
                leaves.pop(p, None)
            else:
                leaves[p] = v
        root = smt.root_of(pure_tree)
        assert native.root_of(native_tree) == root == smt.root_of(smt.build(leaves.items()))
        asked = [*sorted(leaves)[:3], *changes]
        proof = native.prove(native_tree, asked)
        assert proof == smt.prove(pure_tree, asked)
        assert smt.check(root, [(p, leaves.get(p)) for p in asked], proof)


def test_native_empty_and_single_leaf() -> None:
    """CMT-25 (CMT-16, CMT-17): the empty tree, one leaf, and the leaf removed again."""
    native = require_native()
    empty = native.build([])
    assert native.root_of(empty) == bytes(32) == smt.root_of(smt.build([]))
    one = native.update(empty, [(5, b"\x01" * 32)])
    assert native.root_of(one) == smt.root_of(smt.build([(5, b"\x01" * 32)]))
    assert native.prove(one, [5, 6]) == smt.prove(smt.build([(5, b"\x01" * 32)]), [5, 6])
    assert native.root_of(native.update(one, [(5, None)])) == bytes(32)


# ------------------------------------------------------------------------------------------------
# Commitments


def test_commitment_backends_agree_over_blocks() -> None:
    """CMT-25 (CMT-09, CMT-19): a commitment on either tree has the same root after a transfer and a
    billing block, makes the same proofs, and its updates keep its backend."""
    native = require_native()
    pop = build_population(300)
    state = pop.state
    cp, cn = Commitment.of(state, tree.PURE), Commitment.of(state, native)
    assert cp.root == cn.root and cp.backend is tree.PURE and cn.backend is native
    alice, bob = dev_keypair("alice"), dev_keypair("bob").account_id
    out = apply(state, sign(calls.Transfer(bob, 10**7), alice, 0, state.chain_id), pop.env)
    block = on_block(out.state, pop.env)
    for s, touched in ((out.state, out.touched), (block.state, block.touched)):
        cp, cn = cp.update(s, touched), cn.update(s, touched)
        assert cp.root == cn.root == Commitment.of(s, tree.PURE).root and cn.backend is native
    entries: list[tuple[str, Any]] = [
        ("contracts", pop.billed_contract()),
        ("contracts", 10**9),
        ("state", "billing_frequency"),
    ]
    assert cn.prove(entries) == cp.prove(entries)
    leaves = [(p, v) for p, v in smt.leaves(cp.tree)]
    assert Commitment.of_leaves(block.state, leaves, native).root == cp.root


# ------------------------------------------------------------------------------------------------
# Bad input to the native API


def test_native_bad_input_is_a_typed_error() -> None:
    """CMT-25: paths and value hashes of another length or type, duplicate paths, and arguments that are
    not sequences raise ValueError or TypeError; the tree is left as it was."""
    require_native()
    import sc4it_native  # type: ignore[import-not-found, import-untyped, unused-ignore]

    good = bytes(32)
    t = sc4it_native.build([(good, good)])
    root = t.root()
    bad_builds: list[Any] = [
        [(b"\x00" * 31, good)],
        [(b"\x00" * 33, good)],
        [(good, b"")],
        [(good, good), (good, b"\x01" * 32)],
        [(bytearray(32), good)],
        [(0, good)],
        [(good,)],
        "not a list",
        None,
    ]
    for leaves in bad_builds:
        with pytest.raises((ValueError, TypeError)):
            sc4it_native.build(leaves)
    bad_updates: list[Any] = [
        [(b"\x01", None)],
        [(good, b"\x01" * 31)],
        [(good, None), (good, good)],
        [(good, "a string")],
        [("a string", None)],
        7,
    ]
    for changes in bad_updates:
        with pytest.raises((ValueError, TypeError)):
            t.update(changes)
        assert t.root() == root
    bad_paths: list[Any] = [[b"\x00" * 31], [1], [None], b"\x00" * 32, 3]
    for paths in bad_paths:
        with pytest.raises((ValueError, TypeError)):
            t.prove(paths)
    assert t.root() == root and t.prove([good]) == smt.prove(smt.build([(0, good)]), [0])


# ------------------------------------------------------------------------------------------------
# Encoded entries: the native CMT-13 and CMT-14 hashes


def _native_module() -> Any:
    require_native()
    import sc4it_native  # type: ignore[import-not-found, import-untyped, unused-ignore]

    return sc4it_native


def test_native_entry_hashes_match_smt_across_batches() -> None:
    """CMT-25 (CMT-13, CMT-14): entries beyond one batch of the native hashing (`BATCH`, 1,024, in
    native/src/lib.rs), removals among them and groups that straddle a batch's end: the paths and value
    hashes of `smt.entry_changes`, in order."""
    native = _native_module()
    rng = random.Random(1024)
    groups = [
        (
            rng.randbytes(n),
            [(rng.randbytes(rng.randrange(40)), rng.choice([None, rng.randbytes(150)])) for _ in range(m)],
        )
        for n, m in [(3, 1000), (0, 1), (11, 2500), (1, 0), (5, 1023)]
    ]
    expected = [(p.to_bytes(32, "big"), v) for p, v in smt.entry_changes(groups)]
    assert len(expected) == 4524 and any(v is None for _, v in expected)
    assert native.entry_changes(groups) == expected


ROW = st.tuples(st.binary(max_size=80), st.one_of(st.none(), st.binary(max_size=300)))
GROUPS = st.lists(st.tuples(st.binary(max_size=40), st.lists(ROW, max_size=8)), max_size=5)


@given(GROUPS)
def test_native_entry_hashes_match_smt(groups: list[tuple[bytes, list[tuple[bytes, bytes | None]]]]) -> None:
    """CMT-25 (CMT-13, CMT-14): for any prefixes, rests and encodings (of any length, across BLAKE2b's
    128-byte blocks), the native paths and value hashes are those of `smt.entry_changes`, in order."""
    native = _native_module()
    expected = [(p.to_bytes(32, "big"), v) for p, v in smt.entry_changes(groups)]
    assert native.entry_changes(groups) == expected
    assert expected == [
        (smt.key_hash(prefix + rest), None if v is None else smt.value_hash(v))
        for prefix, rows in groups
        for rest, v in rows
    ]


def _distinct(groups: list[tuple[bytes, list[tuple[bytes, bytes | None]]]]) -> list[smt.EntryRows]:
    """`groups` without the rows whose key preimage an earlier row already has (an update's paths are
    distinct)."""
    seen: set[bytes] = set()
    out: list[smt.EntryRows] = []
    for prefix, rows in groups:
        kept = []
        for rest, v in rows:
            if prefix + rest not in seen:
                seen.add(prefix + rest)
                kept.append((rest, v))
        out.append((prefix, kept))
    return out


@given(st.dictionaries(PATHS, VHASH, max_size=30), GROUPS)
def test_native_update_entries_matches_the_pure_tree(
    leaves: dict[int, bytes], groups: list[tuple[bytes, list[tuple[bytes, bytes | None]]]]
) -> None:
    """CMT-25 (CMT-09, CMT-13, CMT-14, CMT-18): updating by encoded entries gives the pure tree's root
    and proofs, and the tree that `update` gives with the paths and value hashes of `smt.entry_changes`."""
    native = require_native()
    entries = _distinct(groups)
    changes = smt.entry_changes(entries)
    pure_tree = tree.PURE.update_entries(smt.build(leaves.items()), entries)
    native_tree = native.update_entries(native.build(leaves.items()), entries)
    assert pure_tree == smt.update(smt.build(leaves.items()), changes)
    assert native.root_of(native_tree) == smt.root_of(pure_tree)
    asked = [p for p, _ in changes][:5]
    assert native.prove(native_tree, asked) == smt.prove(pure_tree, asked)


def test_native_large_updates_match_the_pure_tree() -> None:
    """CMT-25 (CMT-16, CMT-18): builds of 3,000 leaves and updates of 2,000 changes (above the size from
    which the native tree splits the root's subtrees between two threads, `PARALLEL_MIN` in
    native/src/lib.rs), of every kind, by paths and by encoded entries, give the pure roots and proofs."""
    native = require_native()
    rng = random.Random(19)
    leaves = {rng.getrandbits(256): rng.randbytes(32) for _ in range(3000)}
    present = sorted(leaves)
    changes: dict[int, bytes | None] = {p: None for p in present[:500]}  # removals of present paths
    changes.update({p: leaves[p] for p in present[500:800]})  # sets to the value a leaf has
    changes.update({p: rng.randbytes(32) for p in present[800:1200]})  # new values
    changes.update({rng.getrandbits(256): rng.choice([None, rng.randbytes(32)]) for _ in range(800)})
    pure_tree = smt.update(smt.build(leaves.items()), changes.items())
    native_tree = native.update(native.build(leaves.items()), changes.items())
    after = {p: v for p, v in {**leaves, **changes}.items() if v is not None}
    assert native.root_of(native_tree) == smt.root_of(pure_tree) == smt.root_of(smt.build(after.items()))
    asked = rng.sample(sorted(changes), 50)
    assert native.prove(native_tree, asked) == smt.prove(pure_tree, asked)
    rows = [(i.to_bytes(4, "big"), rng.randbytes(9)) for i in range(2000)]
    entries: list[smt.EntryRows] = [(b"\x82", rows)]
    native_tree = native.update_entries(native_tree, entries)
    pure_tree = tree.PURE.update_entries(pure_tree, entries)
    assert native.root_of(native_tree) == smt.root_of(pure_tree)
    built = tree.PURE.build_entries(entries)
    assert native.root_of(native.build_entries(entries)) == smt.root_of(built)
    assert smt.root_of(built) == smt.root_of(smt.build(smt.entry_leaves(entries)))


def test_native_bad_entries_are_a_typed_error() -> None:
    """CMT-25: encoded entries of the wrong shape or type, and two rows with one key preimage, raise
    ValueError or TypeError and leave the tree as it was; `build_entries` refuses a removal."""
    native = _native_module()
    good = bytes(32)
    t = native.build([(good, good)])
    root = t.root()
    bad: list[Any] = [
        7,
        [7],
        [(b"p",)],
        [("p", [(b"k", b"v")])],
        [(b"p", 7)],
        [(b"p", [(b"k",)])],
        [(b"p", [("k", b"v")])],
        [(b"p", [(b"k", "v")])],
        [(b"p", [(b"k", bytearray(b"v"))])],
        [(b"p", [(b"k", b"v"), (b"k", None)])],
        [(b"p", [(b"k", b"v")]), (b"pk", [(b"", b"w")])],
    ]
    for groups in bad:
        with pytest.raises((ValueError, TypeError)):
            t.update_entries(groups)
        assert t.root() == root
    with pytest.raises(ValueError):
        native.build_entries([(b"p", [(b"k", None)])])
