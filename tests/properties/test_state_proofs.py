"""Issue 19's "done when", as properties over random histories (spec/commitment.md, CMT-09, CMT-10,
CMT-20..CMT-24): after every step of a random history the incremental root equals the from-scratch root;
at the end every entry of the state proves (alone and all in one proof); and for entries the history
wrote, every tampered proof fails: each byte flipped, each pair of differing siblings swapped, the
proof checked for another key or another value, or absence claimed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sc4it.kernel import commitment
from sc4it.kernel.commitment import Commitment, commitment_root
from sc4it.kernel.state import State
from sc4it.testing import World
from sc4it.testing.actions import Scene, any_action, run_action

TAG_EMPTY, TAG_HASH, TAG_LEAF, TAG_NODE = 0, 1, 2, 3
PAYLOAD = {TAG_EMPTY: 0, TAG_HASH: 32, TAG_LEAF: 64}


def all_entries(state: State) -> Iterator[tuple[str, Any, Any]]:
    """CMT-02: every entry of the state as a (map, key, value) claim."""
    for field in commitment.FIELDS:
        value = getattr(state, field.name)
        if not field.is_map:
            yield commitment.PSEUDO_MAP, field.name, value
        elif field.set_valued:
            for k, items in value.items():
                for item in items:
                    yield field.name, (k, item), True
        else:
            for k, v in value.items():
                yield field.name, k, v


def inner_nodes(proof: bytes) -> list[list[tuple[int, int]]]:
    """CMT-21 read independently: for each inner node of a proof, the byte spans of its four children."""
    found: list[list[tuple[int, int]]] = []

    def node(i: int) -> int:
        tag = proof[i]
        if tag != TAG_NODE:
            return i + 1 + PAYLOAD[tag]
        spans = []
        j = i + 1
        for _ in range(4):
            end = node(j)
            spans.append((j, end))
            j = end
        found.append(spans)
        return j

    assert node(1) == len(proof)
    return found


def swapped_siblings(proof: bytes) -> Iterator[bytes]:
    """Every proof made by swapping two differing children of one inner node."""
    for spans in inner_nodes(proof):
        for a in range(4):
            for b in range(a + 1, 4):
                (s1, e1), (s2, e2) = spans[a], spans[b]
                x, y = proof[s1:e1], proof[s2:e2]
                if x != y:
                    yield proof[:s1] + y + proof[e1:s2] + x + proof[e2:]


def other_value(value: Any, others: list[Any]) -> Any:
    """A value of the same type that differs from `value` (another entry's, or the integer next to it)."""
    for o in others:
        if o != value:
            return o
    if type(value) is int:
        return value + 1 if value == 0 else value - 1
    return None  # no other value of this type at hand: the absence claim covers it


@given(st.lists(any_action(), min_size=3, max_size=12), st.integers(0, 2**32 - 1))
@settings(max_examples=8)
def test_random_histories_prove_every_entry_and_refuse_every_tamper(actions: list[Any], seed: int) -> None:
    """CMT-09 CMT-10 CMT-20 CMT-23 CMT-24: the incremental root equals the from-scratch root after every
    step; every entry's proof verifies, and one proof of all entries too; for entries the history wrote
    (and a few others), each byte of the proof flipped, each pair of differing siblings swapped, another
    key, another value and a claim of absence all fail."""
    rng = random.Random(seed)
    world = World.default()
    c = Commitment.of(world.state)
    written: set[tuple[str, Any]] = set()
    for action in [Scene(), *actions]:
        for t in run_action(world, action):
            if t.outcome.ok:
                c = c.update(t.outcome.state, t.outcome.touched)
                for name, keys in t.outcome.touched.maps.items():
                    written.update((name, k) for k in keys)
        assert c.state is world.state
        assert c.root == commitment_root(world.state)  # CMT-10, after every step
    entries = list(all_entries(c.state))
    for map_name, key, value in entries:
        proof = c.prove([(map_name, key)])
        assert commitment.verify(c.root, map_name, key, value, proof), (map_name, key)
    assert commitment.verify_many(c.root, entries, c.prove([(m, k) for m, k, _ in entries]))
    chosen = [e for e in entries if (e[0], e[1]) in written]
    chosen = rng.sample(chosen, min(3, len(chosen))) + rng.sample(entries, 2)
    for map_name, key, value in chosen:
        _refuses_every_tamper(c, entries, map_name, key, value, rng)


def _refuses_every_tamper(
    c: Commitment,
    entries: list[tuple[str, Any, Any]],
    map_name: str,
    key: Any,
    value: Any,
    rng: random.Random,
) -> None:
    root = c.root
    proof = c.prove([(map_name, key)])
    assert commitment.verify(root, map_name, key, value, proof)
    for i in range(len(proof)):
        for mask in (0x01, 0x80, rng.randrange(1, 256)):
            bad = proof[:i] + bytes([proof[i] ^ mask]) + proof[i + 1 :]
            assert not commitment.verify(root, map_name, key, value, bad), (map_name, key, i, mask)
    for bad in swapped_siblings(proof):
        assert not commitment.verify(root, map_name, key, value, bad), (map_name, key, "swap")
    same_map = [(k, v) for m, k, v in entries if m == map_name and k != key]
    if map_name != commitment.PSEUDO_MAP:
        for other_key, _ in same_map[:3]:  # another key of the same map, with this value
            assert not commitment.verify(root, map_name, other_key, value, proof)
    wrong = other_value(value, [v for _, v in same_map])
    if wrong is not None and map_name != commitment.PSEUDO_MAP:
        assert not commitment.verify(root, map_name, key, wrong, proof), (map_name, key, "value")
    assert not commitment.verify(root, map_name, key, None, proof), (map_name, key, "absent")
