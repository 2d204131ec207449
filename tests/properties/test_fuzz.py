"""Fuzzing the public entry points (ci profile): arbitrary bytes through `decode` + `apply` never raise
anything but `DecodeError` (ENC-09, ENC-10, STATE-11), and input that is not exactly an honest signed call
is always rejected without a trace (INV-20, SIG-05..SIG-10).

Four generators, from blind to near-valid: raw bytes; random CBOR structures; valid signed calls with one
CBOR subtree replaced; valid signed calls with their bytes mutated (flipped, inserted, deleted,
truncated, extended). The world they are applied to is populated (live contracts of every kind, one twin
in grace) so that a call that decodes can reach deep into the handlers."""

from __future__ import annotations

from typing import Any

import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st

from sc4it import decode, encode
from sc4it.conformance.invariants import check, check_step
from sc4it.genesis import Genesis
from sc4it.kernel.calls import Call
from sc4it.kernel.codec import to_obj
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.events import Event
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv
from sc4it.runtime import apply, on_block
from sc4it.testing import World
from sc4it.testing.actions import Advance, Scene, run_action
from sc4it.testing.strategies import calls, signed_calls


def _populated() -> World:
    w = World.default()
    run_action(w, Scene())
    run_action(w, Advance(25))
    return w


FUZZ = settings(max_examples=10 * settings().max_examples)
"""Ten times the profile's examples (500 in ci): each example is cheap."""

WORLD = _populated()
STATE = WORLD.state
ENV = WORLD.env
ACCOUNTS = [s.account_id for s in WORLD.signers.values()]


def offer(data: bytes, original: SignedCall | None = None) -> None:
    """Decode `data` as a signed call and apply it: only `DecodeError` may escape decode; apply never
    raises; a decoded value other than the honest `original` is rejected and changes nothing."""
    try:
        signed: SignedCall = decode(data, SignedCall)
    except DecodeError as e:
        assert e.path
        return
    out = apply(STATE, signed, ENV)
    if out.ok:
        assert original is not None and signed == original, "a forged or random signed call was accepted"
        assert check(out.state) == []
    else:
        assert out.state is STATE and out.events == ()
        assert check_step(STATE, out.state, out.events, ENV, error=out.error) == []


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes) -> None:
    """ENC-10 STATE-11: raw bytes."""
    offer(data)


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(1 << 70), 1 << 70)
    | st.binary(max_size=40)
    | st.text(max_size=8)
    | st.floats(allow_nan=False),
    lambda inner: (
        st.lists(inner, max_size=6)
        | st.dictionaries(st.integers(0, 9) | st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=30,
)


@FUZZ
@given(cbor_values)
def test_random_cbor_structures(value: Any) -> None:
    """ENC-09 ENC-10: well-formed CBOR of any shape (maps, text, floats, negative and big integers...)."""
    offer(cbor2.dumps(value))


@st.composite
def honest_calls(draw: st.DrawFn) -> SignedCall:
    return draw(signed_calls(WORLD, calls(ACCOUNTS)))


def _replace_subtree(obj: Any, path: list[int], new: Any) -> Any:
    if not path or not isinstance(obj, list) or not obj:
        return new
    i = path[0] % len(obj)
    return [*obj[:i], _replace_subtree(obj[i], path[1:], new), *obj[i + 1 :]]


@FUZZ
@given(honest_calls(), st.lists(st.integers(0, 12), max_size=6), cbor_values)
def test_valid_calls_with_a_subtree_replaced(signed: SignedCall, path: list[int], new: Any) -> None:
    """ENC-09 SIG-05 SIG-09 INV-20: a valid signed call's CBOR with one subtree replaced (a field of the
    call, an id, a signature, the chain id...)."""
    obj = to_obj(signed, SignedCall)
    mutated = _replace_subtree(obj, path, new)
    offer(cbor2.dumps(mutated, canonical=True), signed if mutated == obj else None)


mutations = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 16), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 16), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 1 << 16), st.just(0)),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 16), st.just(0)),
    st.tuples(st.just("extend"), st.integers(0, 255), st.integers(0, 255)),
)


@FUZZ
@given(honest_calls(), st.lists(mutations, min_size=1, max_size=3))
def test_valid_calls_with_bytes_mutated(signed: SignedCall, edits: list[tuple[str, int, int]]) -> None:
    """ENC-09 ENC-10 STATE-11 INV-20: the honest bytes still apply; any mutation is refused at decoding
    or rejected by apply."""
    data = bytearray(encode(signed))
    original = bytes(data)
    for kind, pos, byte in edits:
        i = pos % max(len(data), 1)
        if kind == "flip" and data:
            data[i] ^= byte
        elif kind == "insert":
            data.insert(i, byte)
        elif kind == "delete" and data:
            del data[i]
        elif kind == "truncate":
            del data[i:]
        elif kind == "extend":
            data += bytes([pos, byte])
    offer(bytes(data), signed if bytes(data) == original else None)


@FUZZ
@given(st.sampled_from([State, Genesis, Call, Event, BlockEnv]), st.binary(max_size=512))
def test_decode_any_type_raises_only_decode_error(t: Any, data: bytes) -> None:
    """ENC-10: whatever the target type, `decode` raises nothing but `DecodeError`."""
    try:
        value = decode(data, t)
    except DecodeError:
        return
    assert encode(value, t) == data


@given(st.integers(0, (1 << 64) - 1), st.integers(0, (1 << 64) - 1))
def test_on_block_any_env(number: int, timestamp: int) -> None:
    """STATE-11 INV-01..INV-13: `on_block` never raises, whatever block number and timestamp the host
    gives (even going back in time), and keeps every invariant."""
    out = on_block(STATE, BlockEnv(number, timestamp))
    assert out.ok
    assert check(out.state) == []
