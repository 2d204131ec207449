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

import contextlib
import gc
import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice, pairwise
from operator import itemgetter
from typing import Any, TypeAlias, cast

RADIX_BITS = 2
"""CMT-15: each level consumes two bits of the path: inner nodes have four children."""
ARITY = 4
PATH_BITS = 256
MAX_DEPTH = PATH_BITS // RADIX_BITS
"""Inner nodes sit at depths 0..MAX_DEPTH - 1: two distinct paths differ in some digit."""
_TOP = PATH_BITS - RADIX_BITS
"""`path >> (_TOP - RADIX_BITS * depth) & 3` is the digit at `depth` (`digit`)."""

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


def fresh_hashers() -> tuple[Any, Any]:
    """The prepared key and value hashers (CMT-13, CMT-14), for a loop that hashes many entries: `copy()`
    one, `update`, `digest`."""
    return _KEY, _VALUE


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


EntryRows: TypeAlias = tuple[bytes, Iterable[tuple[bytes, bytes | None]]]
"""Encoded entries sharing the first bytes of their key preimage: (prefix, rows), each row (the rest of the
preimage, the value's encoding or None for an entry removed)."""


def entry_changes(groups: Iterable[EntryRows]) -> list[Change]:
    """CMT-13, CMT-14: the leaf changes of encoded entries: per row of each group, the path of the key
    hash of prefix ‖ rest, and the value hash of the encoding (None stays None: the leaf is removed)."""
    return [
        (path_of(key_hash(prefix + rest)), None if encoding is None else value_hash(encoding))
        for prefix, rows in groups
        for rest, encoding in rows
    ]


def entry_leaves(groups: Iterable[EntryRows]) -> list[tuple[int, bytes]]:
    """CMT-13, CMT-14: the leaves of encoded entries, as `entry_changes` gives them; every entry has a
    value (a None is a ValueError)."""
    changes = entry_changes(groups)
    if any(vhash is None for _, vhash in changes):
        raise ValueError("an entry of a tree built from scratch has a value")
    return cast(list[tuple[int, bytes]], changes)


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
    """The tree of `leaves` (path, value hash), paths distinct, from scratch (CMT-16).

    The cyclic collector is paused meanwhile (`collector_paused`) and resumed as it was: freezing a big
    tree out of its generations afterwards (`gc.freeze`, so the first collections do not walk it all again)
    is the host's choice, since it freezes everything the process holds (the node's store does it after a
    restart or a genesis, NODE-15). The leaves are sorted by path alone (`key=`: comparing integers of one
    type is about twice as fast as comparing the pairs)."""
    with collector_paused():
        items = list(leaves)
        items.sort(key=_PATH)
        return _from_sorted(items, 0)


_PATH = itemgetter(0)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside the `with` block, then as it was before (even after an
    error; nested, the inner one leaves it off). A tree is tuples, which the collector tracks: left on while
    millions are made, it walks them again and again as they pile up (at 100k contracts, 718k leaves, the
    pass over the sorted leaves took 2.9 s with it on, 1.5 s off), though they form no cycle and reference
    counting frees them. A pure speed-up: nothing observable depends on it."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _from_sorted(leaves: Sequence[tuple[int, bytes]], depth: int) -> Node:
    """The subtree at `depth` of `leaves` (path, value hash), sorted by path, paths distinct and sharing
    their first `depth` digits.

    One pass in path order (no recursion, no search): two neighbours whose paths first differ at digit
    `l` meet in the inner node at depth `l`. `depths` and `open_` hold the inner nodes still open, deepest
    last: their depth and their four children so far (`depths[0]` is a sentinel shallower than any).
    `last` is the subtree just completed, at depth `last_depth` (-1 for a leaf, which needs no chain), and
    `prev`, the last path seen, lies below it. When the next leaf parts from `prev` at a shallower digit,
    the deeper open nodes are complete: hashed and put below their parent (`_chain` adds the one-child
    inner nodes between them where two paths share digits)."""
    if not leaves:
        return EMPTY
    leaf_fresh, node_fresh, empty, bits, top, radix = _LEAF, _NODE, EMPTY, PATH_BITS, _TOP, RADIX_BITS
    prev, v = leaves[0]
    h = leaf_fresh.copy()
    h.update(prev.to_bytes(32, "big") + v)
    last: Node = (h.digest(), prev, v)
    last_depth = -1
    depths: list[int] = [-1]
    open_: list[list[Node]] = []
    for p, v in islice(leaves, 1, None):
        assert p > prev, "paths sorted and distinct"
        split = (bits - (prev ^ p).bit_length()) >> 1
        while depths[-1] > split:  # close the open nodes below the split
            d = depths.pop()
            slots = open_.pop()
            if last_depth > d + 1:
                last = _chain(last, prev, d + 1, last_depth)
            slots[(prev >> (top - radix * d)) & 3] = last
            c0, c1, c2, c3 = slots
            h = node_fresh.copy()
            h.update(c0[0] + c1[0] + c2[0] + c3[0])
            last, last_depth = (h.digest(), c0, c1, c2, c3), d
        if last_depth > split + 1:
            last = _chain(last, prev, split + 1, last_depth)
        if depths[-1] == split:
            open_[-1][(prev >> (top - radix * split)) & 3] = last
        else:
            slots = [empty, empty, empty, empty]
            slots[(prev >> (top - radix * split)) & 3] = last
            depths.append(split)
            open_.append(slots)
        h = leaf_fresh.copy()
        h.update(p.to_bytes(32, "big") + v)
        last, last_depth, prev = (h.digest(), p, v), -1, p
    while len(depths) > 1:
        d = depths.pop()
        slots = open_.pop()
        if last_depth > d + 1:
            last = _chain(last, prev, d + 1, last_depth)
        slots[(prev >> (_TOP - RADIX_BITS * d)) & 3] = last
        last, last_depth = _closed(slots), d
    if last_depth > depth:
        last = _chain(last, prev, depth, last_depth)
    return last


def _closed(slots: list[Node]) -> Node:
    c0, c1, c2, c3 = slots
    h = _NODE.copy()
    h.update(c0[0] + c1[0] + c2[0] + c3[0])
    return (h.digest(), c0, c1, c2, c3)


def _chain(sub: Node, path: int, top: int, bottom: int) -> Node:
    """CMT-16: the inner nodes at depths `top`..`bottom - 1` above `sub` (an inner node at `bottom`), each
    with one non-empty child on `path`."""
    for d in range(bottom - 1, top - 1, -1):
        slots = [EMPTY, EMPTY, EMPTY, EMPTY]
        slots[digit(path, d)] = sub
        sub = _closed(slots)
    return sub


def _bounds(paths: Sequence[int], lo: int, hi: int, depth: int) -> tuple[int, int, int, int, int]:
    """Split sorted `paths[lo:hi]`, which share their first `depth` digits, by the digit at `depth`: the
    five boundaries of the four children's ranges."""
    shift = PATH_BITS - RADIX_BITS * (depth + 1)
    base = (paths[lo] >> (shift + RADIX_BITS)) << (shift + RADIX_BITS)
    b1 = bisect_left(paths, base + (1 << shift), lo, hi)
    b2 = bisect_left(paths, base + (2 << shift), b1, hi)
    b3 = bisect_left(paths, base + (3 << shift), b2, hi)
    return lo, b1, b2, b3, hi


def update(node: Node, changes: Iterable[Change]) -> Node:
    """The tree `node` with `changes` applied (CMT-18): each (path, value hash) sets a leaf, each
    (path, None) removes one (removing an absent path is no change). Paths must be distinct. Cost:
    O(number of changes × depth) hashes, each node above several changes hashed once; every subtree
    without a change is shared with `node`, and a change to the value a leaf already has returns the
    same tree."""
    items = sorted(changes, key=_PATH)
    if not items:
        return node
    paths = [p for p, _ in items]
    assert all(a < b for a, b in pairwise(paths)), "duplicate paths"
    vhashes = [v for _, v in items]
    removals = [0] * (len(items) + 1)  # removals[i]: how many of the first i changes remove
    if None in vhashes:  # only removals can collapse nodes
        for i, v in enumerate(vhashes):
            removals[i + 1] = removals[i] + (v is None)
    return _update(node, paths, vhashes, removals, 0, len(items), 0)


def _update(
    node: Node,
    paths: Sequence[int],
    vhashes: Sequence[bytes | None],
    removals: Sequence[int],
    lo: int,
    hi: int,
    depth: int,
) -> Node:
    if hi - lo == 1:
        return _set(node, paths[lo], vhashes[lo], depth)
    if len(node) != 5:
        return _rebuild(node, paths, vhashes, lo, hi, depth)
    _, c0, c1, c2, c3 = node
    b0, b1, b2, b3, b4 = _bounds(paths, lo, hi, depth)
    up = depth + 1
    n0 = c0 if b0 == b1 else _update(c0, paths, vhashes, removals, b0, b1, up)
    n1 = c1 if b1 == b2 else _update(c1, paths, vhashes, removals, b1, b2, up)
    n2 = c2 if b2 == b3 else _update(c2, paths, vhashes, removals, b2, b3, up)
    n3 = c3 if b3 == b4 else _update(c3, paths, vhashes, removals, b3, b4, up)
    if n0 is c0 and n1 is c1 and n2 is c2 and n3 is c3:
        return node
    if removals[hi] != removals[lo]:
        return _inner(n0, n1, n2, n3)  # a removal below: the node may collapse (CMT-16)
    h = _NODE.copy()
    h.update(n0[0] + n1[0] + n2[0] + n3[0])
    return (h.digest(), n0, n1, n2, n3)


def _set(node: Node, path: int, vhash: bytes | None, depth: int) -> Node:
    """One change below `node` (at `depth`): descend to the empty slot or leaf on `path`, replace it, and
    rehash the nodes on the way back up (the hot path of a block's update)."""
    parents: list[Node] = []
    digits: list[int] = []
    shift = PATH_BITS - RADIX_BITS * (depth + 1)
    while len(node) == 5:
        d = (path >> shift) & 3
        parents.append(node)
        digits.append(d)
        node = node[d + 1]
        shift -= RADIX_BITS
    if len(node) == 3 and node[1] == path:
        if vhash == node[2]:
            return parents[0] if parents else node  # the same value: nothing changes
        if vhash is None:
            return _collapse_up(EMPTY, parents, digits)
        h = _LEAF.copy()
        h.update(path.to_bytes(32, "big") + vhash)
        new: Node = (h.digest(), path, vhash)
    elif vhash is None:
        return parents[0] if parents else node  # removing an absent path
    elif len(node) == 3:
        new = _split(node, _leaf(path, vhash), depth + len(parents))
    else:
        new = _leaf(path, vhash)
    copy, join = _NODE.copy, b"".join
    for i in range(len(parents) - 1, -1, -1):  # a set never empties a node: no collapse on the way up
        _, c0, c1, c2, c3 = parents[i]
        d = digits[i]
        if d == 0:
            c0 = new
        elif d == 1:
            c1 = new
        elif d == 2:
            c2 = new
        else:
            c3 = new
        h = copy()
        h.update(join((c0[0], c1[0], c2[0], c3[0])))
        new = (h.digest(), c0, c1, c2, c3)
    return new


def _collapse_up(new: Node, parents: list[Node], digits: list[int]) -> Node:
    """The way up from a removed leaf: each parent rebuilt canonically (it may collapse, CMT-16)."""
    for parent, d in zip(reversed(parents), reversed(digits), strict=True):
        slots = list(parent[1:])
        slots[d] = new
        new = _inner(*slots)
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
    return _from_sorted(sorted(merged.items()), depth)


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


_SPAN = tuple(1 << (PATH_BITS - RADIX_BITS * d) for d in range(MAX_DEPTH + 1))
"""How many paths a subtree at depth `d` covers (CMT-15): `_SPAN[d]`, for d = 0..MAX_DEPTH."""
_BEYOND = 1 << PATH_BITS
"""Above every path: the sentinel `_walk` compares with once every claim is resolved."""
_UNCOVERED = object()
"""What `_walk` finds for a claim whose position holds an opaque hash (CMT-23: not covered)."""


def _walk(data: bytes, paths: Sequence[int]) -> tuple[bytes, list[Any]]:
    """CMT-22, CMT-23: decode the proof `data` (version byte already checked) and recompute its root; on
    the way, resolve the sorted `paths`: for each, the value hash of the leaf at that path, None if the
    walk shows it absent, or `_UNCOVERED`. The pass is `_fold`; here, what ends it: a truncated proof
    (an index past the end) or trailing bytes."""
    try:
        root, found, pos = _fold(data, paths)
    except IndexError:
        raise ProofError("truncated proof") from None
    if pos > len(data):
        raise ProofError("truncated proof")
    if pos < len(data):
        raise ProofError(f"{len(data) - pos} trailing bytes")
    return root, found


def _fold(data: bytes, paths: Sequence[int]) -> tuple[bytes, list[Any], int]:
    """The one pass of `_walk` over the pre-order bytes, with no Python object per node: the root, the
    answers, and the position after the root's last node.

    The terminals of a pruned tree (empty subtrees, opaque hashes, leaves) tile the path space in
    pre-order: a terminal covers the `step` paths from `cursor` on (`_SPAN` of its depth). So a path lies
    under the first terminal whose range ends past it, which is where a lookup from the root ends
    (CMT-23), and each terminal costs one addition and one comparison. `top` holds the hashes of the
    children so far of the innermost inner node still open (concatenated), `stack` those of the nodes
    above it, the root's holder at the bottom."""
    stack: list[bytearray] = []
    top = bytearray()  # the root's holder
    found: list[Any] = []
    cursor, step, i, n = 0, _BEYOND, 0, len(paths)
    nxt = paths[0] if n else _BEYOND
    fresh_leaf, fresh_node, empty = _LEAF, _NODE, EMPTY_HASH
    pos = 1
    while True:
        tag = data[pos]
        if tag == 1:  # TAG_HASH
            h = data[pos + 1 : pos + 33]
            pos += 33
            if h == empty:
                raise ProofError("an opaque subtree with the empty hash (the empty tag is for that)")
            cursor += step
            while nxt < cursor:
                found.append(_UNCOVERED)
                i += 1
                nxt = paths[i] if i < n else _BEYOND
        elif tag == 3:  # TAG_NODE
            if len(stack) >= MAX_DEPTH:
                raise ProofError("proof deeper than a tree can be")
            stack.append(top)
            top = bytearray()
            step >>= RADIX_BITS
            pos += 1
            continue
        elif tag == 2:  # TAG_LEAF
            hasher = fresh_leaf.copy()
            hasher.update(data[pos + 1 : pos + 65])
            h = hasher.digest()
            cursor += step
            if nxt < cursor:
                leaf_path = int.from_bytes(data[pos + 1 : pos + 33], "big")
                while nxt < cursor:
                    found.append(data[pos + 33 : pos + 65] if nxt == leaf_path else None)
                    i += 1
                    nxt = paths[i] if i < n else _BEYOND
            pos += 65
        elif tag == 0:  # TAG_EMPTY
            h = empty
            pos += 1
            cursor += step
            while nxt < cursor:
                found.append(None)
                i += 1
                nxt = paths[i] if i < n else _BEYOND
        else:
            raise ProofError(f"unknown node tag {tag}")
        top += h
        while len(top) == 128:  # the innermost open node is complete: hash it, attach it above
            hasher = fresh_node.copy()
            hasher.update(top)
            top = stack.pop()
            top += hasher.digest()
            step <<= RADIX_BITS
        if not stack:
            return bytes(top), found, pos


def _proof_bytes(proof: Any) -> bytes:
    """CMT-22: the proof as bytes, with its size and version checked."""
    if not isinstance(proof, bytes | bytearray | memoryview):
        raise ProofError("a proof is bytes")
    data = bytes(proof)
    if len(data) > MAX_PROOF_BYTES:
        raise ProofError(f"proof of {len(data)} bytes exceeds {MAX_PROOF_BYTES}")
    if not data or data[0] != PROOF_VERSION:
        raise ProofError("unknown proof version")
    return data


def verify(root: bytes, claims: Iterable[tuple[int, bytes | None]], proof: bytes) -> bool:
    """CMT-23: True iff `proof` proves, against `root`, every claim: (path, value hash) present, or
    (path, None) absent. Never raises for any `proof` bytes: a malformed one is False."""
    try:
        return check(root, claims, proof)
    except ProofError:
        return False


def check(root: bytes, claims: Iterable[tuple[int, bytes | None]], proof: bytes) -> bool:
    """As `verify`, but a malformed proof, or one that does not cover a claimed path, raises ProofError
    saying why; False means a well-formed proof of another root or of other values. A claimed path is
    a 256-bit integer (ProofError otherwise)."""
    items = list(claims)
    if len(items) == 1:  # the usual case: nothing to sort
        paths = [_claim_path(items[0])]
    else:
        items.sort(key=_claim_path)
        paths = [p for p, _ in items]
    computed, found = _walk(_proof_bytes(proof), paths)
    if computed != root:
        return False
    if _UNCOVERED in found:
        raise ProofError("the proof does not cover this key")
    return found == [vhash for _, vhash in items]


def _claim_path(claim: tuple[int, bytes | None]) -> int:
    path = claim[0]
    if type(path) is not int or not 0 <= path < _BEYOND:
        raise ProofError("a claimed path is an integer of 256 bits")
    return path
