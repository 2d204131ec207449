"""NODE-15, as a property: rule code cannot tell a lazily reloaded state from the state it was stored
from. Random honest calls on a populated world (live contracts of every kind, a twin in grace), then a
block's hook, give the same outcome (error, events, keys touched, next state, root) on both."""

from __future__ import annotations

from typing import Any

from hypothesis import given

from sc4it.kernel.commitment import commitment_root
from sc4it.kernel.pmap import LazyPMap, raw_map
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State, evolve_state
from sc4it.kernel.tx import BlockEnv
from sc4it.node.rows import FIELDS, _load_field, state_rows
from sc4it.runtime import apply, on_block
from sc4it.testing import World
from sc4it.testing.actions import Advance, Scene, run_action
from sc4it.testing.strategies import calls, signed_calls


def _populated() -> World:
    w = World.default()
    run_action(w, Scene())
    run_action(w, Advance(25))
    return w


WORLD = _populated()
STATE = WORLD.state
ENV = WORLD.env
ACCOUNTS = [s.account_id for s in WORLD.signers.values()]


def lazy_copy(state: State) -> State:
    """`state` as a store reloads it (NODE-15): its maps of records from their rows, values undecoded."""
    rows: dict[int, list[tuple[bytes, bytes]]] = {}
    for index, k, v in state_rows(state):
        rows.setdefault(index, []).append((k, v))
    changes: dict[str, Any] = {f.name: _load_field(f, rows.get(f.index, []), True) for f in FIELDS if f.lazy}
    return evolve_state(state, changes)


LAZY_STATE = lazy_copy(STATE)


def test_the_lazy_copy_is_lazy_and_equal() -> None:
    """NODE-15: the copy's maps of records hold undecoded values, and it equals the state."""
    lazy = [f.name for f in FIELDS if f.lazy]
    fresh = lazy_copy(STATE)
    assert all(type(getattr(fresh, n)) is LazyPMap for n in lazy)
    assert any(len(raw_map(getattr(fresh, n))) for n in lazy)
    assert fresh == STATE and commitment_root(fresh) == commitment_root(STATE)


@given(signed_calls(WORLD, calls(ACCOUNTS)))
def test_a_call_and_a_block_on_a_lazy_state_are_those_on_the_state(signed: SignedCall) -> None:
    """NODE-15: `apply` then `on_block` on the lazy copy give the outcome they give on the state."""
    lazy_state = lazy_copy(STATE)
    a, b = apply(STATE, signed, ENV), apply(lazy_state, signed, ENV)
    assert (b.error, b.events, b.touched.maps, b.touched.scalars) == (
        a.error,
        a.events,
        a.touched.maps,
        a.touched.scalars,
    )
    sa, sb, events = a.state, b.state, 0
    for n in range(1, STATE.config.billing_frequency + 1):  # a whole billing cycle: every shard billed
        env = BlockEnv(ENV.number + n, ENV.timestamp + 6000 * n)
        a2, b2 = on_block(sa, env), on_block(sb, env)
        assert (b2.events, b2.touched.maps) == (a2.events, a2.touched.maps)
        sa, sb, events = a2.state, b2.state, events + len(a2.events)
    assert events > 0
    for name in (f.name for f in FIELDS if f.lazy):
        assert type(getattr(sb, name)) is LazyPMap
    assert sb == sa and commitment_root(sb) == commitment_root(sa)
