"""The sparse Merkle tree (spec/commitment.md, CMT-13..CMT-24) at the level of paths and value hashes.

- the tree is canonical: building from scratch and updating in any order give the same nodes;
- every present and absent path has a proof that verifies, alone and together with others;
- every tampered proof fails: each byte flipped, siblings swapped, truncated, extended, another root,
  random bytes; `verify` never raises.
"""

from __future__ import annotations

import gc
import hashlib
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc4it.kernel import smt

# ------------------------------------------------------------------------------------------------
# An independent reading of CMT-13..CMT-17 (no code shared with sc4it.smt)


def _h(person: bytes, data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32, person=person).digest()


def _spec_root(leaves: dict[int, bytes], depth: int = 0) -> bytes:
    """CMT-15 CMT-16 CMT-17 written out from the spec text: recursive on the set of leaves."""
    if not leaves:
        return bytes(32)
    if len(leaves) == 1:
        ((path, vh),) = leaves.items()
        return _h(b"sc4it/smt/leaf", path.to_bytes(32, "big") + vh)
    groups: list[dict[int, bytes]] = [{}, {}, {}, {}]
    for path, vh in leaves.items():
        groups[(path >> (254 - 2 * depth)) & 3][path] = vh
    return _h(b"sc4it/smt/node", b"".join(_spec_root(g, depth + 1) for g in groups))


def _rand_leaves(rng: random.Random, n: int) -> dict[int, bytes]:
    return {rng.getrandbits(256): rng.randbytes(32) for _ in range(n)}


def _close_pair(rng: random.Random, shared_digits: int) -> tuple[int, int]:
    """Two paths sharing their first `shared_digits` digits and differing in the next."""
    p = rng.getrandbits(256)
    shift = 256 - 2 * (shared_digits + 1)
    d = (p >> shift) & 3
    q = p ^ ((d ^ ((d + 1) & 3)) << shift)
    return p, q


paths_st = st.integers(min_value=0, max_value=2**256 - 1)
vhash_st = st.binary(min_size=32, max_size=32)


def test_personalisations_and_empty_hash() -> None:
    """CMT-13 CMT-14 CMT-15 CMT-16 CMT-17: the four hashes are BLAKE2b-256 with distinct personalisations;
    the empty subtree hashes to 32 zero bytes; a node hashes 128 bytes, a leaf 64."""
    assert len({smt.PERSON_KEY, smt.PERSON_VALUE, smt.PERSON_LEAF, smt.PERSON_NODE}) == 4
    assert smt.root_of(smt.build([])) == smt.EMPTY_HASH == bytes(32)
    assert smt.key_hash(b"x") == _h(b"sc4it/smt/key", b"x")
    assert smt.value_hash(b"x") == _h(b"sc4it/smt/value", b"x")
    assert smt.leaf_hash(5, bytes(32)) == _h(b"sc4it/smt/leaf", (5).to_bytes(32, "big") + bytes(32))
    a, b, c, d = (bytes([i]) * 32 for i in range(4))
    assert smt.node_hash(a, b, c, d) == _h(b"sc4it/smt/node", a + b + c + d)
    assert smt.digit(3 << 254, 0) == 3 and smt.digit(1 << 252, 1) == 1 and smt.digit(2, 127) == 2


@given(st.dictionaries(paths_st, vhash_st, max_size=40))
def test_build_matches_the_spec_and_is_canonical(leaves: dict[int, bytes]) -> None:
    """CMT-15 CMT-16 CMT-17: `build` gives the spec's root, and the canonical shape (a leaf sits where it
    is alone; an inner node holds two leaves or more)."""
    tree = smt.build(leaves.items())
    assert smt.root_of(tree) == _spec_root(leaves)
    assert smt.check_canonical(tree) == len(leaves)
    assert dict(smt.leaves(tree)) == leaves
    for path, vh in leaves.items():
        assert smt.lookup(tree, path) == vh


def test_shortcut_leaves_and_deep_chains() -> None:
    """CMT-16: one leaf is the whole tree (root = its leaf hash); two paths sharing 100 digits make a
    chain of 100 inner nodes with one non-empty child, then a node with both leaves."""
    rng = random.Random(7)
    p, q = _close_pair(rng, 100)
    vh = bytes(32)
    assert smt.root_of(smt.build([(p, vh)])) == smt.leaf_hash(p, vh)
    tree = smt.build([(p, vh), (q, vh)])
    assert smt.root_of(tree) == _spec_root({p: vh, q: vh})
    node, depth = tree, 0
    while len(node) == 5 and sum(len(c) != 1 for c in node[1:]) == 1:
        node = next(c for c in node[1:] if len(c) != 1)
        depth += 1
    assert depth == 100 and sum(len(c) == 3 for c in node[1:]) == 2
    # removing one moves the other up to the root
    assert smt.update(tree, [(q, None)]) == smt.build([(p, vh)])
    # two paths differing only in their last digit (depth 127)
    p, q = _close_pair(rng, 127)
    tree = smt.build([(p, vh), (q, vh)])
    assert smt.check_canonical(tree) == 2
    assert smt.verify(smt.root_of(tree), [(p, vh), (q, vh)], smt.prove(tree, [p, q]))


def test_build_of_clustered_paths_with_chains_at_every_depth() -> None:
    """CMT-16: paths in clusters sharing 0..126 digits (one-child chains of every length, above leaves and
    above inner nodes, closed in any order by the one pass of `build`) give the spec's root, in any input
    order."""
    rng = random.Random(19)
    leaves: dict[int, bytes] = {}
    for shared in [*range(0, 127, 9), 126]:
        base = rng.getrandbits(256)
        for _ in range(rng.randrange(2, 6)):
            low = rng.getrandbits(256 - 2 * shared)
            leaves[(base >> (256 - 2 * shared) << (256 - 2 * shared) if shared else 0) | low] = rng.randbytes(
                32
            )
    items = list(leaves.items())
    rng.shuffle(items)
    tree = smt.build(items)
    assert smt.root_of(tree) == _spec_root(leaves)
    assert smt.check_canonical(tree) == len(leaves)


def test_build_pauses_the_collector_and_restores_it() -> None:
    """`build` runs with the cyclic collector off and leaves it as it found it: on, off, or after an
    error (duplicate paths break its precondition); it never freezes what the process holds."""
    seen: list[bool] = []

    def leaves() -> Any:
        seen.append(gc.isenabled())
        yield from _rand_leaves(random.Random(3), 50).items()

    was_on = gc.isenabled()
    try:
        gc.enable()
        smt.build(leaves())
        assert seen == [False] and gc.isenabled()
        gc.disable()
        smt.build(leaves())
        assert seen == [False, False] and not gc.isenabled()
        gc.enable()
        with pytest.raises(AssertionError):
            smt.build([(5, bytes(32)), (5, bytes(32))])
        assert gc.isenabled()
        frozen = gc.get_freeze_count()
        tree = smt.build(leaves())  # freezing is the host's choice: the kernel never freezes
        assert gc.get_freeze_count() == frozen and gc.isenabled()
        assert smt.root_of(tree) == _spec_root(_rand_leaves(random.Random(3), 50))
    finally:
        (gc.enable if was_on else gc.disable)()


@given(
    st.dictionaries(paths_st, vhash_st, max_size=30),
    st.lists(
        st.lists(st.tuples(st.integers(0, 40), st.one_of(st.none(), vhash_st)), max_size=12), max_size=6
    ),
    st.lists(paths_st, max_size=6),
)
def test_update_equals_build(
    start: dict[int, bytes], batches: list[list[tuple[int, bytes | None]]], fresh: list[int]
) -> None:
    """CMT-18: applying batches of sets and removals (to present and absent paths) gives exactly the
    tree built from scratch from the resulting leaves: same nodes, canonical shape."""
    universe = [*start, *fresh] or [1]
    tree = smt.build(start.items())
    current = dict(start)
    for batch in batches:
        changes = dict((universe[i % len(universe)], v) for i, v in batch)
        tree = smt.update(tree, changes.items())
        for path, v in changes.items():
            if v is None:
                current.pop(path, None)
            else:
                current[path] = v
        assert tree == smt.build(current.items())
        smt.check_canonical(tree)


def test_update_shares_untouched_subtrees_and_keeps_old_versions() -> None:
    """CMT-18 CMT-19: an update creates only the nodes on the changed paths; the old tree is unchanged
    and still proves its own values; setting a path to its current value returns the same tree."""
    rng = random.Random(3)
    leaves = _rand_leaves(rng, 2_000)
    old = smt.build(leaves.items())
    path = next(iter(leaves))
    assert smt.update(old, [(path, leaves[path])]) is old
    assert smt.update(old, [(rng.getrandbits(256), None)]) is old
    new = smt.update(old, [(path, bytes(32))])
    shared = sum(a is b for a, b in zip(old[1:], new[1:], strict=True))
    assert shared == 3  # only one child of the root changed
    assert smt.lookup(old, path) == leaves[path] and smt.lookup(new, path) == bytes(32)
    assert smt.verify(smt.root_of(old), [(path, leaves[path])], smt.prove(old, [path]))


# ------------------------------------------------------------------------------------------------
# Proofs


@pytest.fixture(scope="module")
def sample() -> tuple[Any, dict[int, bytes], list[int]]:
    rng = random.Random(11)
    leaves = _rand_leaves(rng, 500)
    p, q = _close_pair(rng, 6)
    leaves[p] = rng.randbytes(32)  # a deep pair, so some absent paths end at a leaf with another path
    absent = [q, rng.getrandbits(256), rng.getrandbits(256)]
    return smt.build(leaves.items()), leaves, absent


def test_inclusion_and_non_inclusion(sample: Any) -> None:
    """CMT-20 CMT-23: every present path verifies with its value and fails with another value or as
    absent; absent paths (ending at an empty slot or at another leaf) verify as absent only."""
    tree, leaves, absent = sample
    root = smt.root_of(tree)
    for path in list(leaves)[:100]:
        proof = smt.prove(tree, [path])
        assert smt.verify(root, [(path, leaves[path])], proof)
        assert not smt.verify(root, [(path, None)], proof)
        assert not smt.verify(root, [(path, bytes(32))], proof)
    for path in absent:
        proof = smt.prove(tree, [path])
        assert smt.verify(root, [(path, None)], proof)
        assert not smt.verify(root, [(path, bytes(32))], proof)
    assert smt.TAG_LEAF in [_terminal_at(smt.prove(tree, [p]), p) for p in absent]
    rng = random.Random(3)  # an absent path whose walk ends at an empty slot: the other kind of absence
    gap = next(
        p for p in iter(lambda: rng.getrandbits(256), None) if _terminal_at(smt.prove(tree, [p]), p) == 0
    )
    assert smt.verify(root, [(gap, None)], smt.prove(tree, [gap]))
    assert not smt.verify(root, [(gap, bytes(32))], smt.prove(tree, [gap]))


def _terminal_at(proof: bytes, path: int) -> int:
    """The tag of the terminal node a lookup of `path` ends at in `proof` (CMT-21 read independently)."""
    pos, depth = 1, 0
    while proof[pos] == smt.TAG_NODE:
        pos += 1
        for _ in range(smt.digit(path, depth)):  # skip the subtrees before the path's child
            pos = _skip(proof, pos)
        depth += 1
    return proof[pos]


def _skip(proof: bytes, pos: int) -> int:
    tag = proof[pos]
    if tag == smt.TAG_NODE:
        pos += 1
        for _ in range(4):
            pos = _skip(proof, pos)
        return pos
    return pos + {smt.TAG_EMPTY: 1, smt.TAG_HASH: 33, smt.TAG_LEAF: 65}[tag]


def test_multi_key_proofs(sample: Any) -> None:
    """CMT-20 CMT-21: one proof covers many paths, present and absent; it is smaller than the separate
    proofs; a path it does not cover is a ProofError from `check` and False from `verify`."""
    tree, leaves, absent = sample
    root = smt.root_of(tree)
    some = list(leaves)[:40]
    claims = [(p, leaves[p]) for p in some] + [(p, None) for p in absent]
    proof = smt.prove(tree, [p for p, _ in claims])
    assert smt.verify(root, claims, proof)
    assert len(proof) < sum(len(smt.prove(tree, [p])) for p, _ in claims)
    other = list(leaves)[200]
    with pytest.raises(smt.ProofError, match="does not cover"):
        smt.check(root, [(other, leaves[other])], proof)
    assert not smt.verify(root, [(other, leaves[other])], proof)
    assert not smt.verify(root, [*claims[:-1], (absent[-1], bytes(32))], proof)


def test_byte_format(sample: Any) -> None:
    """CMT-21: version byte, then pre-order tags; a one-leaf tree's proof is the leaf itself; the size of
    a single proof follows the formula."""
    vh = bytes(range(32))
    tree = smt.build([(5, vh)])
    assert smt.prove(tree, [5]) == b"\x01\x02" + (5).to_bytes(32, "big") + vh
    assert smt.prove(smt.build([]), [5]) == b"\x01\x00"
    tree2 = smt.build([(0, vh), (3 << 254, vh)])
    proof = smt.prove(tree2, [0])
    assert proof == b"\x01\x03\x02" + bytes(32) + vh + b"\x00\x00\x01" + smt.leaf_hash(3 << 254, vh)
    tree, leaves, _ = sample
    for path in list(leaves)[:20]:
        proof = smt.prove(tree, [path])
        inner = proof.count(smt.TAG_NODE)  # an upper bound on the depth, used only for the bound
        assert len(proof) <= 1 + inner * (1 + 3 * 33) + 65


def _flips(proof: bytes) -> Any:
    for i in range(len(proof)):
        for bit in (0x01, 0x80):
            yield proof[:i] + bytes([proof[i] ^ bit]) + proof[i + 1 :]


def test_every_byte_flipped_fails(sample: Any) -> None:
    """CMT-24: flipping any bit pattern in any byte of a proof (present and absent claims) never gives an
    accepted proof, and never raises."""
    tree, leaves, absent = sample
    root = smt.root_of(tree)
    path = next(iter(leaves))
    for claims in ([(path, leaves[path])], [(absent[0], None)], [(path, leaves[path]), (absent[1], None)]):
        proof = smt.prove(tree, [p for p, _ in claims])
        assert smt.verify(root, claims, proof)
        for bad in _flips(proof):
            assert smt.verify(root, claims, bad) is False


def _swap_siblings(proof: bytes) -> list[bytes]:
    """Every proof obtained by swapping two children of one inner node (pre-order spans)."""
    out: list[bytes] = []

    def span(pos: int) -> int:
        tag = proof[pos]
        if tag == smt.TAG_EMPTY:
            return pos + 1
        if tag == smt.TAG_HASH:
            return pos + 33
        if tag == smt.TAG_LEAF:
            return pos + 65
        pos += 1
        for _ in range(4):
            pos = span(pos)
        return pos

    def walk(pos: int) -> int:
        if proof[pos] != smt.TAG_NODE:
            return span(pos)
        starts = [pos + 1]
        for _ in range(4):
            starts.append(walk(starts[-1]))
        kids = [proof[starts[i] : starts[i + 1]] for i in range(4)]
        for i in range(4):
            for j in range(i + 1, 4):
                if kids[i] != kids[j]:
                    k = list(kids)
                    k[i], k[j] = k[j], k[i]
                    out.append(proof[: pos + 1] + b"".join(k) + proof[starts[4] :])
        return starts[4]

    walk(1)
    return out


def test_swapped_siblings_fail(sample: Any) -> None:
    """CMT-24: swapping any two differing children of any inner node of a proof fails."""
    tree, leaves, absent = sample
    root = smt.root_of(tree)
    path = list(leaves)[3]
    proof = smt.prove(tree, [path, absent[0]])
    swaps = _swap_siblings(proof)
    assert len(swaps) > 20
    for bad in swaps:
        assert not smt.verify(root, [(path, leaves[path]), (absent[0], None)], bad)


def test_malformed_proofs_are_typed_errors(sample: Any) -> None:
    """CMT-22: wrong version, unknown tag, truncation, trailing bytes, an opaque empty hash, oversize,
    non-bytes, too deep: ProofError from `check`, False from `verify`; another root is False."""
    tree, leaves, _ = sample
    root = smt.root_of(tree)
    path = next(iter(leaves))
    claims = [(path, leaves[path])]
    proof = smt.prove(tree, [path])
    bad = {
        "version": b"\x02" + proof[1:],
        "empty": b"",
        "tag": proof[:1] + b"\x07",
        "truncated": proof[:-1],
        "trailing": proof + b"\x00",
        "opaque empty": b"\x01\x01" + bytes(32),
        "oversize": proof + bytes(smt.MAX_PROOF_BYTES),
        "deep": b"\x01" + b"\x03" * 129 + b"\x00" * 600,
    }
    for name, data in bad.items():
        with pytest.raises(smt.ProofError):
            smt.check(root, claims, data)
        assert smt.verify(root, claims, data) is False, name
    assert smt.verify(root, claims, "not bytes") is False  # type: ignore[arg-type]
    assert smt.verify(bytes(32), claims, proof) is False
    assert smt.check(bytes(32), claims, proof) is False


@given(st.binary(max_size=400))
@settings(max_examples=300)
def test_random_bytes_never_accepted(data: bytes) -> None:
    """CMT-22 CMT-24: arbitrary bytes (as a proof, or appended to a valid prefix) never verify and never
    raise."""
    root = _spec_root({1: bytes(32), 2**255: bytes(32)})
    for proof in (data, b"\x01" + data, b"\x01\x03" + data):
        assert smt.verify(root, [(1, bytes(32))], proof) is False


def test_claims_in_any_order_duplicates_and_bad_paths(sample: Any) -> None:
    """CMT-23: claims are checked whatever their order (the verifier resolves them in path order);
    a path claimed twice must agree with itself; a claimed path that is not a 256-bit integer is a
    ProofError from `check` and False from `verify`, never another exception."""
    tree, leaves, absent = sample
    root = smt.root_of(tree)
    some = list(leaves)[50:60]
    claims = [(p, leaves[p]) for p in some] + [(q, None) for q in absent]
    proof = smt.prove(tree, [p for p, _ in claims])
    for order in (claims, claims[::-1], sorted(claims, key=lambda c: c[0])):
        assert smt.verify(root, order, proof)
    assert smt.verify(root, [*claims, claims[0]], proof)
    assert not smt.verify(root, [*claims, (claims[0][0], None)], proof)
    assert smt.verify(root, [], proof)  # no claim: the proof only has to be well-formed for `root`
    for bad in (-1, 1 << 256, "7", 1.0, None, True):
        with pytest.raises(smt.ProofError):
            smt.check(root, [*claims, (bad, None)], proof)  # type: ignore[list-item]
        assert smt.verify(root, [(bad, None)], proof) is False  # type: ignore[list-item]


def test_the_walk_ends_where_a_lookup_ends(sample: Any) -> None:
    """CMT-23: for random paths against multi-key proofs, the verifier's answer (present with a value
    hash, absent, or not covered) is the one a lookup from the root along the path gives in an
    independent reading of the proof (`_terminal_at`)."""
    tree, leaves, _ = sample
    root = smt.root_of(tree)
    rng = random.Random(8)
    asked = rng.sample(list(leaves), 5) + [rng.getrandbits(256) for _ in range(5)]
    proof = smt.prove(tree, asked)
    for path in [*asked, *(rng.getrandbits(256) for _ in range(200))]:
        end = _terminal_at(proof, path)
        want = leaves.get(path)
        if end == smt.TAG_HASH:
            with pytest.raises(smt.ProofError, match="does not cover"):
                smt.check(root, [(path, want)], proof)
        else:
            assert smt.check(root, [(path, want)], proof) is True
            assert smt.check(root, [(path, None if want else bytes(32))], proof) is False


def test_every_truncation_and_extension_is_a_typed_error(sample: Any) -> None:
    """CMT-22 CMT-24: every proper prefix of a multi-key proof (cut inside a tag, a hash, a leaf's path or
    value hash) and the proof with any tag appended is a ProofError from `check`, never another exception;
    the same bytes as a bytearray or memoryview verify like bytes."""
    tree, leaves, absent = sample
    root = smt.root_of(tree)
    some = list(leaves)[:3]
    claims = [(p, leaves[p]) for p in some] + [(absent[0], None)]
    proof = smt.prove(tree, [p for p, _ in claims])
    assert smt.verify(root, claims, bytearray(proof))  # type: ignore[arg-type]
    assert smt.verify(root, claims, memoryview(proof))  # type: ignore[arg-type]
    for cut in range(len(proof)):
        with pytest.raises(smt.ProofError):
            smt.check(root, claims, proof[:cut])
    for tail in (b"\x00", b"\x01" + bytes(range(1, 33)), b"\x02" + bytes(64), b"\x03", b"\x07"):
        with pytest.raises(smt.ProofError):
            smt.check(root, claims, proof + tail)
