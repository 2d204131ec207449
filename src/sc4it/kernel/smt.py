"""The authenticated state tree: a sparse Merkle tree of radix 4 with shortcut leaves (spec/commitment.md).

This module knows nothing of `State`: it commits to a set of *leaves*, each a 256-bit *path* (the hash of
an entry's map and key, CMT-13) with a 32-byte *value hash* (CMT-14), and proves paths present or absent.
`sc4it.kernel.commitment` maps a state to its leaves.

A tree is a persistent value: `update` returns a new tree that shares every untouched subtree with the
old one, so a host keeps the tree of every recent state for the cost of the nodes each block changed.

Nodes are tuples, never mutated, told apart by their length:

- `EMPTY = (EMPTY_HASH,)`: the empty subtree (CMT-17);
- a leaf `(hash, path, value_hash)`: a subtree holding exactly one leaf, which sits at the shallowest
  depth where it is alone (CMT-16);
- an inner node `(hash, c0, c1, c2, c3)`: a subtree holding two leaves or more, child `ci` holding those
  whose next path digit is `i` (CMT-15, CMT-16).

Every node's hash is its element 0, so a parent hashes `c0[0] + c1[0] + c2[0] + c3[0]` with no test for
emptiness. Proofs (CMT-20..CMT-23) are the tree pruned to the paths asked for, in pre-order, as bytes.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import Any, TypeAlias

RADIX_BITS = 2
"""CMT-15: each level consumes two bits of the path: inner nodes have four children."""
ARITY = 4
PATH_BITS = 256
MAX_DEPTH = PATH_BITS // RADIX_BITS
"""Inner nodes sit at depths 0..MAX_DEPTH - 1: two distinct paths differ in some digit."""

PERSON_KEY = b"sc4it/smt/key"
PERSON_VALUE = b"sc4it/smt/value"
PERSON_LEAF = b"sc4it/smt/leaf"
PERSON_NODE = b"sc4it/smt/node"
EMPTY_HASH = bytes(32)
"""CMT-17: the hash of an empty subtree."""

Node: TypeAlias = tuple[Any, ...]
EMPTY: Node = (EMPTY_HASH,)
Change: TypeAlias = tuple[int, bytes | None]
"""A write: (path, new value hash), or (path, None) to remove the leaf at `path`."""

_KEY = hashlib.blake2b(digest_size=32, person=PERSON_KEY)
_VALUE = hashlib.blake2b(digest_size=32, person=PERSON_VALUE)
_LEAF = hashlib.blake2b(digest_size=32, person=PERSON_LEAF)
_NODE = hashlib.blake2b(digest_size=32, person=PERSON_NODE)
"""Fresh hashers with each personalisation: `copy()` of one is about twice as fast as a new hasher
built with `person=` (its parameter block is set up once)."""


def _hash(fresh: Any, data: bytes) -> bytes:
    h = fresh.copy()
    h.update(data)
    return h.digest()  # type: ignore[no-any-return]


def key_hash(preimage: bytes) -> bytes:
    """CMT-13: BLAKE2b-256 of an entry's key preimage, personalised `sc4it/smt/key`."""
    return _hash(_KEY, preimage)


def value_hash(encoding: bytes) -> bytes:
    """CMT-14: BLAKE2b-256 of an entry's canonical value encoding, personalised `sc4it/smt/value`."""
    return _hash(_VALUE, encoding)


def leaf_hash(path: int, vhash: bytes) -> bytes:
    """CMT-16: BLAKE2b-256(path as 32 bytes big-endian ‖ value hash), personalised `sc4it/smt/leaf`."""
    return _hash(_LEAF, path.to_bytes(32, "big") + vhash)


def node_hash(h0: bytes, h1: bytes, h2: bytes, h3: bytes) -> bytes:
    """CMT-15: BLAKE2b-256 of the four children's hashes in digit order, personalised `sc4it/smt/node`."""
    return _hash(_NODE, h0 + h1 + h2 + h3)


def path_of(khash: bytes) -> int:
    """CMT-13: a key hash read as a 256-bit big-endian integer."""
    return int.from_bytes(khash, "big")


def digit(path: int, depth: int) -> int:
    """CMT-15: the digit of `path` that selects the child of an inner node at `depth` (0 = the root):
    bits 255 - 2·depth and 254 - 2·depth, most significant first."""
    return (path >> (PATH_BITS - RADIX_BITS * (depth + 1))) & 3


def root_of(node: Node) -> bytes:
    """The hash of a tree (CMT-15..CMT-17)."""
    return node[0]  # type: ignore[no-any-return]


def _leaf(path: int, vhash: bytes) -> Node:
    return (leaf_hash(path, vhash), path, vhash)


def _inner(c0: Node, c1: Node, c2: Node, c3: Node) -> Node:
    """CMT-16: the canonical node over four children: EMPTY if all are, the leaf itself if it is the only
    non-empty child, an inner node otherwise."""
    present = [c for c in (c0, c1, c2, c3) if len(c) != 1]
    if not present:
        return EMPTY
    if len(present) == 1 and len(present[0]) == 3:
        return present[0]
    return (node_hash(c0[0], c1[0], c2[0], c3[0]), c0, c1, c2, c3)


# --------------------------------------------------------------------------------------------------
# Building and updating (CMT-16, CMT-18)


def build(leaves: Iterable[tuple[int, bytes]]) -> Node:
    """The tree of `leaves` (path, value hash), paths distinct, from scratch (CMT-16)."""
    items = sorted(leaves)
    paths = [p for p, _ in items]
    assert all(a < b for a, b in pairwise(paths)), "duplicate paths"
    return _build(paths, [v for _, v in items], 0, len(items), 0)


def _bounds(paths: Sequence[int], lo: int, hi: int, depth: int) -> tuple[int, int, int, int, int]:
    """Split sorted `paths[lo:hi]`, which share their first `depth` digits, by the digit at `depth`: the
    five boundaries of the four children's ranges."""
    shift = PATH_BITS - RADIX_BITS * (depth + 1)
    base = (paths[lo] >> (shift + RADIX_BITS)) << (shift + RADIX_BITS)
    b1 = bisect_left(paths, base + (1 << shift), lo, hi)
    b2 = bisect_left(paths, base + (2 << shift), b1, hi)
    b3 = bisect_left(paths, base + (3 << shift), b2, hi)
    return lo, b1, b2, b3, hi


def _build(paths: Sequence[int], vhashes: Sequence[bytes], lo: int, hi: int, depth: int) -> Node:
    n = hi - lo
    if n == 0:
        return EMPTY
    if n == 1:
        return _leaf(paths[lo], vhashes[lo])
    assert depth < MAX_DEPTH
    cuts = _bounds(paths, lo, hi, depth)
    slots: list[Node] = []
    for i in range(4):  # empty and one-leaf children inline: most children are (O(state) calls saved)
        a, b = cuts[i], cuts[i + 1]
        if a == b:
            slots.append(EMPTY)
        elif b - a == 1:
            path, vhash = paths[a], vhashes[a]
            slots.append((leaf_hash(path, vhash), path, vhash))
        else:
            slots.append(_build(paths, vhashes, a, b, depth + 1))
    c0, c1, c2, c3 = slots
    return (node_hash(c0[0], c1[0], c2[0], c3[0]), c0, c1, c2, c3)


def update(node: Node, changes: Iterable[Change]) -> Node:
    """The tree `node` with `changes` applied (CMT-18): each (path, value hash) sets a leaf, each
    (path, None) removes one (removing an absent path is no change). Paths must be distinct. Cost:
    O(number of changes × depth) hashes; every subtree without a change is shared with `node`, and a
    change to the value a leaf already has returns the same tree."""
    items = sorted(changes, key=_first)
    if not items:
        return node
    paths = [p for p, _ in items]
    assert all(a < b for a, b in pairwise(paths)), "duplicate paths"
    return _update(node, paths, [v for _, v in items], 0, len(items), 0)


def _first(change: Change) -> int:
    return change[0]


def _update(
    node: Node, paths: Sequence[int], vhashes: Sequence[bytes | None], lo: int, hi: int, depth: int
) -> Node:
    if hi - lo == 1:
        return _set(node, paths[lo], vhashes[lo], depth)
    if len(node) != 5:
        return _rebuild(node, paths, vhashes, lo, hi, depth)
    cuts = _bounds(paths, lo, hi, depth)
    children = list(node[1:])
    for d in range(4):
        a, b = cuts[d], cuts[d + 1]
        if a != b:
            children[d] = _update(children[d], paths, vhashes, a, b, depth + 1)
    return _inner(*children)


def _set(node: Node, path: int, vhash: bytes | None, depth: int) -> Node:
    """One change below `node` (at `depth`): descend to the empty slot or leaf on `path`, replace it, and
    rehash the nodes on the way back up (the hot path of a block's update)."""
    trail: list[tuple[Node, int]] = []
    shift = PATH_BITS - RADIX_BITS * (depth + 1)
    while len(node) == 5:
        d = ((path >> shift) & 3) + 1
        trail.append((node, d))
        node = node[d]
        shift -= RADIX_BITS
    if len(node) == 3 and node[1] == path:
        if vhash == node[2]:
            return trail[0][0] if trail else node  # the same value: nothing changes
        new = EMPTY if vhash is None else _leaf(path, vhash)
    elif vhash is None:
        return trail[0][0] if trail else node  # removing an absent path
    elif len(node) == 3:
        new = _split(node, _leaf(path, vhash), depth + len(trail))
    else:
        new = _leaf(path, vhash)
    for parent, d in reversed(trail):
        slots = list(parent)
        slots[d] = new
        if len(new) != 5:  # a leaf or EMPTY: the parent may collapse (CMT-16)
            new = _inner(slots[1], slots[2], slots[3], slots[4])
            continue
        h = _NODE.copy()
        h.update(slots[1][0] + slots[2][0] + slots[3][0] + slots[4][0])
        slots[0] = h.digest()
        new = tuple(slots)
    return new


def _split(old: Node, new: Node, depth: int) -> Node:
    """The subtree at `depth` holding two leaves whose paths agree on their first `depth` digits."""
    p, q = old[1], new[1]
    d1, d2 = digit(p, depth), digit(q, depth)
    assert depth < MAX_DEPTH
    if d1 == d2:
        below = _split(old, new, depth + 1)
        children = [EMPTY, EMPTY, EMPTY, EMPTY]
        children[d1] = below
    else:
        children = [EMPTY, EMPTY, EMPTY, EMPTY]
        children[d1], children[d2] = old, new
    return (node_hash(*(c[0] for c in children)), *children)


def _rebuild(
    node: Node, paths: Sequence[int], vhashes: Sequence[bytes | None], lo: int, hi: int, depth: int
) -> Node:
    """A subtree that is empty or one leaf, with changes `lo:hi`: built again from its leaves."""
    merged: dict[int, bytes] = {}
    if len(node) == 3:
        merged[node[1]] = node[2]
    for i in range(lo, hi):
        v = vhashes[i]
        if v is None:
            merged.pop(paths[i], None)
        else:
            merged[paths[i]] = v
    if len(node) == 3 and len(merged) == 1 and merged.get(node[1]) == node[2]:
        return node
    items = sorted(merged.items())
    return _build([p for p, _ in items], [v for _, v in items], 0, len(items), depth)


def leaves(node: Node) -> Iterator[tuple[int, bytes]]:
    """Every leaf (path, value hash) of the tree, in path order."""
    if len(node) == 3:
        yield node[1], node[2]
    elif len(node) == 5:
        for child in node[1:]:
            yield from leaves(child)


def lookup(node: Node, path: int) -> bytes | None:
    """The value hash of the leaf at `path`, or None if the tree has none."""
    shift = PATH_BITS - RADIX_BITS
    while len(node) == 5:
        node = node[((path >> shift) & 3) + 1]
        shift -= RADIX_BITS
    if len(node) == 3 and node[1] == path:
        return node[2]  # type: ignore[no-any-return]
    return None


def check_canonical(node: Node, depth: int = 0, prefix: int = 0) -> int:
    """Assert that `node` is the canonical tree of its leaves (CMT-16; for tests): every leaf lies under
    its position's prefix, every inner node holds two leaves or more, every hash is right. Returns the
    number of leaves."""
    if len(node) == 1:
        assert node == EMPTY
        return 0
    if len(node) == 3:
        path: int = node[1]
        assert depth == 0 or path >> (PATH_BITS - RADIX_BITS * depth) == prefix
        assert node[0] == leaf_hash(path, node[2])
        return 1
    assert len(node) == 5 and depth < MAX_DEPTH
    total = sum(check_canonical(c, depth + 1, prefix << RADIX_BITS | d) for d, c in enumerate(node[1:]))
    assert total >= 2, "an inner node holds two leaves or more"
    assert node[0] == node_hash(*(c[0] for c in node[1:]))
    return total


# --------------------------------------------------------------------------------------------------
# Proofs (CMT-20..CMT-23)

PROOF_VERSION = 1
TAG_EMPTY = 0
TAG_HASH = 1
TAG_LEAF = 2
TAG_NODE = 3
MAX_PROOF_BYTES = 1 << 22
"""CMT-22: a verifier refuses a proof longer than this (4 MiB, room for a few thousand keys)."""


class ProofError(ValueError):
    """A proof that is malformed (CMT-22) or does not cover a path it is asked about (CMT-23)."""


def prove(node: Node, paths: Iterable[int]) -> bytes:
    """CMT-20, CMT-21: the proof for `paths` (each present or absent) in the tree `node`."""
    targets = sorted(set(paths))
    out = bytearray([PROOF_VERSION])
    _prove(node, targets, 0, len(targets), 0, out)
    return bytes(out)


def _prove(node: Node, paths: Sequence[int], lo: int, hi: int, depth: int, out: bytearray) -> None:
    kind = len(node)
    if kind == 1:
        out.append(TAG_EMPTY)
    elif lo == hi:
        out.append(TAG_HASH)
        out += node[0]
    elif kind == 3:
        out.append(TAG_LEAF)
        out += node[1].to_bytes(32, "big")
        out += node[2]
    else:
        out.append(TAG_NODE)
        if hi - lo == 1:
            d1 = digit(paths[lo], depth)
            cuts: tuple[int, ...] = (lo,) * (d1 + 1) + (hi,) * (4 - d1)
        else:
            cuts = _bounds(paths, lo, hi, depth)
        for d in range(4):
            _prove(node[d + 1], paths, cuts[d], cuts[d + 1], depth + 1, out)


class Pruned:
    """A decoded proof: the pruned tree and its root hash (CMT-22), to look paths up in (CMT-23)."""

    __slots__ = ("_tree", "root")

    def __init__(self, proof: bytes) -> None:
        if not isinstance(proof, bytes | bytearray | memoryview):
            raise ProofError("a proof is bytes")
        data = bytes(proof)
        if len(data) > MAX_PROOF_BYTES:
            raise ProofError(f"proof of {len(data)} bytes exceeds {MAX_PROOF_BYTES}")
        if not data or data[0] != PROOF_VERSION:
            raise ProofError("unknown proof version")
        tree, end = _parse(data, 1, 0)
        if end != len(data):
            raise ProofError(f"{len(data) - end} trailing bytes")
        self._tree = tree
        self.root: bytes = tree[0]

    def lookup(self, path: int) -> bytes | None:
        """The value hash at `path`, or None if the proof shows that no leaf is there; ProofError if the
        proof does not reach that far (an opaque subtree on the path)."""
        node = self._tree
        shift = PATH_BITS - RADIX_BITS
        while True:
            tag = node[1]
            if tag == TAG_EMPTY:
                return None
            if tag == TAG_HASH:
                raise ProofError("the proof does not cover this key")
            if tag == TAG_LEAF:
                return node[3] if node[2] == path else None
            node = node[2][(path >> shift) & 3]
            shift -= RADIX_BITS


def _parse(data: bytes, pos: int, depth: int) -> tuple[tuple[Any, ...], int]:
    """Parse one pruned node at `pos`; returns ((hash, tag, ...), the next position)."""
    if pos >= len(data):
        raise ProofError("truncated proof")
    tag = data[pos]
    pos += 1
    if tag == TAG_EMPTY:
        return (EMPTY_HASH, TAG_EMPTY), pos
    if tag == TAG_HASH:
        if pos + 32 > len(data):
            raise ProofError("truncated proof")
        h = data[pos : pos + 32]
        if h == EMPTY_HASH:
            raise ProofError("an opaque subtree with the empty hash (the empty tag is for that)")
        return (h, TAG_HASH), pos + 32
    if tag == TAG_LEAF:
        if pos + 64 > len(data):
            raise ProofError("truncated proof")
        path = int.from_bytes(data[pos : pos + 32], "big")
        vh = data[pos + 32 : pos + 64]
        return (leaf_hash(path, vh), TAG_LEAF, path, vh), pos + 64
    if tag == TAG_NODE:
        if depth >= MAX_DEPTH:
            raise ProofError("proof deeper than a tree can be")
        children = []
        for _ in range(4):
            child, pos = _parse(data, pos, depth + 1)
            children.append(child)
        return (node_hash(*(c[0] for c in children)), TAG_NODE, children), pos
    raise ProofError(f"unknown node tag {tag}")


def verify(root: bytes, claims: Iterable[tuple[int, bytes | None]], proof: bytes) -> bool:
    """CMT-23: True iff `proof` proves, against `root`, every claim: (path, value hash) present, or
    (path, None) absent. Never raises for any `proof` bytes: a malformed one is False."""
    try:
        return check(root, claims, proof)
    except ProofError:
        return False


def check(root: bytes, claims: Iterable[tuple[int, bytes | None]], proof: bytes) -> bool:
    """As `verify`, but a malformed proof, or one that does not cover a claimed path, raises ProofError
    saying why; False means a well-formed proof of another root or of other values."""
    pruned = Pruned(proof)
    if pruned.root != root:
        return False
    return all(pruned.lookup(path) == vhash for path, vhash in claims)
