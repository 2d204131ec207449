"""The state model and the state-transition functions (spec/state.md, STATE-xx; dispatch SIG-14):
`State`, `Config`, `BlockEnv`, the `Tx` overlay, `apply` / `on_block` outcomes, purity and totality."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from sc4it import calls, decode, encode, events, genesis, on_block, runtime, state_root
from sc4it.kernel.calls import Call
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.signing import Keypair, SignedCall
from sc4it.kernel.state import STATE_FIELDS, Config, State, evolve_state, state_builder
from sc4it.kernel.tx import BlockEnv, Touched, Tx
from sc4it.kernel.types import AccountInfo, DistributionPolicy, TftPrice
from sc4it.runtime import Outcome, apply

from .support import (
    BRIDGE,
    COUNCIL,
    ORACLE,
    OTHER_CHAIN_ID,
    Multi,
    assert_rejected,
    conservation_problems,
    env,
    foundation_world,
    key,
    multi,
    nonce_of,
    roles,
    run,
    signed,
    strategy_for,
)

ALICE, BOB = key("alice"), key("bob")
TRANSFER = calls.Transfer(BOB.account_id, 1_000)


# ------------------------------------------------------------------------------------------------
# The state value (STATE-01..05)


def test_state_is_one_immutable_value() -> None:
    """STATE-01: State is a frozen record; its fields are the appendix order of spec/encoding.md."""
    state = foundation_world()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        state.twin_id = 5  # type: ignore[misc]
    assert STATE_FIELDS[:7] == (
        "config",
        "chain_id",
        "roles",
        "accounts",
        "total_issuance",
        "minted",
        "burned",
    )
    assert tuple(f.name for f in attrs.fields(State)) == STATE_FIELDS


def test_persistent_maps_share_and_never_mutate() -> None:
    """STATE-02: PMap/PSet updates return new values; the old ones are unchanged; equality by content."""
    m: PMap[int, int] = PMap([(1, 1)])
    m2 = m.set(2, 2)
    assert 2 not in m and m2[2] == 2 and len(m) == 1
    assert m2.delete(2) == m and m.delete(99) is m
    assert PMap([(1, 1), (2, 2)]) == PMap([(2, 2), (1, 1)])
    assert m.update_many([(3, 3)], [1]) == PMap([(3, 3)]) and 1 in m
    s: PSet[int] = PSet([1])
    assert s.add(2) == PSet([2, 1]) and 2 not in s and s.add(1) is s and s.discard(7) is s


def test_config_defaults_are_tfchain_production() -> None:
    """STATE-03: Config() holds TFChain's production runtime constants; the pallet test mock differs in
    billing frequency and grace period only."""
    c = Config()
    assert (c.billing_frequency, c.block_time_secs, c.billing_reference_period) == (600, 6, 3600)
    assert (c.grace_period, c.distribution_frequency, c.existential_deposit) == (201_600, 24, 500)
    assert (c.min_name_length, c.max_name_length, c.max_deployment_data_length) == (3, 64, 512)
    assert (c.ss58_prefix, c.secs_per_month) == (42, 2_592_000)
    mock = Config.tfchain_test_mock()
    assert (mock.billing_frequency, mock.grace_period) == (10, 100)
    assert attrs.evolve(mock, billing_frequency=600, grace_period=201_600) == c


def test_roles_are_configured_accounts() -> None:
    """STATE-04: the council and oracle roles are (multisig) accounts held in the state, and so are the
    bridge validators."""
    state = foundation_world()
    assert state.roles == roles()
    assert state.roles.council == COUNCIL.account_id and BRIDGE.account_id in state.roles.bridge_validators
    assert state.roles.oracle == ORACLE.account_id


def test_empty_state() -> None:
    """STATE-05: State.empty: no entries, counters at 0, TFT price bounds 10..1000 mUSD, the billing
    frequency from the config, TFChain's distribution policy."""
    config = Config.tfchain_test_mock()
    state = State.empty(config, roles(), chain_id=bytes([7]) * 32)
    assert state.chain_id == bytes([7]) * 32 and state.config is config
    assert len(state.accounts) == len(state.twins) == len(state.contracts) == 0
    assert (state.total_issuance, state.minted, state.burned) == (0, 0, 0)
    assert (state.twin_id, state.farm_id, state.node_id, state.contract_id) == (0, 0, 0, 0)
    assert state.tft_price == TftPrice(price=0, average=0, min=10, max=1000)
    assert state.billing_frequency == 10
    assert state.distribution_policy == DistributionPolicy.tfchain()
    assert State.empty(Config(), roles()).chain_id == bytes(32)


def test_block_env() -> None:
    """STATE-06: the host gives the block number and a millisecond timestamp; now = timestamp // 1000."""
    e = BlockEnv(12, 1_628_082_072_999)
    assert e.now == 1_628_082_072
    tx = Tx(foundation_world(), e, ALICE.account_id)
    assert (tx.block, tx.now, tx.who) == (12, 1_628_082_072, ALICE.account_id)
    assert Tx(foundation_world(), e).who == bytes(32)


# ------------------------------------------------------------------------------------------------
# Outcomes and the transaction overlay (STATE-07, STATE-08)


def test_successful_outcome() -> None:
    """STATE-07: success gives a new state, the events in emission order, error None."""
    state = foundation_world()
    out = run(state, ALICE, calls.Transfer(key("new").account_id, 1_000))
    assert isinstance(out, Outcome) and out.ok and out.error is None
    assert out.state is not state and state_root(out.state) != state_root(state)
    assert [type(e) for e in out.events] == [events.Endowed, events.Transfer]
    assert isinstance(out.events, tuple)


def test_failed_outcome_returns_the_input_state() -> None:
    """STATE-07: a failed call returns the very input state object, no events, the error; the root is
    identical."""
    state = foundation_world()
    before = state_root(state)
    out = run(state, ALICE, calls.Transfer(BOB.account_id, 10**30))
    assert not out.ok
    assert_rejected(state, out, Error.FundsUnavailable)
    assert state_root(state) == before


def _with_handler(
    monkeypatch: pytest.MonkeyPatch, call_cls: type, handler: Callable[[Tx, Any], None]
) -> None:
    table = dict(runtime.handlers())
    table[call_cls] = handler
    monkeypatch.setattr(runtime, "HANDLERS", table)


def test_a_failing_handler_leaves_no_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    """STATE-08: writes and events of a handler that then fails are discarded, nonce included."""

    def write_then_fail(tx: Tx, call: calls.Transfer) -> None:
        tx.accounts[call.dest] = AccountInfo(0, 1, 0, 0)
        tx.twin_id = 99
        tx.emit(events.Minted(call.dest, 1))
        fail(Error.Overflow)

    _with_handler(monkeypatch, calls.Transfer, write_then_fail)
    state = foundation_world()
    assert_rejected(state, run(state, ALICE, TRANSFER), Error.Overflow)


def test_tx_overlay_reads_its_writes_and_commits_only_changes() -> None:
    """STATE-08: a Tx reads its own writes; the base is untouched; commit with no write is the base."""
    state = foundation_world()
    tx = Tx(state, env(), ALICE.account_id)
    assert tx.commit() is state
    tx.accounts[BOB.account_id] = AccountInfo(5, 1, 2, 3)
    tx.twin_id = 42
    assert tx.accounts[BOB.account_id] == AccountInfo(5, 1, 2, 3) and tx.twin_id == 42
    assert state.accounts[BOB.account_id] != AccountInfo(5, 1, 2, 3) and state.twin_id == 0
    new = tx.commit()
    assert new.twin_id == 42 and new.accounts[BOB.account_id] == AccountInfo(5, 1, 2, 3)
    assert new.twins is state.twins  # untouched maps are shared, never copied
    assert tx.accounts.pop(BOB.account_id) is not None and tx.accounts.pop(BOB.account_id) is None
    assert BOB.account_id not in tx.commit().accounts


def test_state_builder_sets_each_named_field() -> None:
    """STATE-01: `state_builder(names)` (what `Tx.commit` calls) builds the same `State` as
    `attrs.evolve` for any set of names in any order, compiles one builder per set (bounded), and
    refuses a name that is not a field."""
    state = foundation_world()
    names = ("minted", "accounts", "twin_id")
    values: tuple[Any, ...] = (state.minted + 1, PMap(), 99)
    build = state_builder(names)
    assert state_builder(names) is build and state_builder(names[::-1]) is not build
    built = build(state, *values)
    changes: dict[str, Any] = dict(zip(names, values, strict=True))
    assert type(built) is State and built == attrs.evolve(state, **changes)
    assert state_builder(())(state) == state
    with pytest.raises(AttributeError):
        state_builder(("twin_id", "no_such_field"))


def test_commit_builds_a_genuine_frozen_state() -> None:
    """STATE-01 STATE-08: `Tx.commit` builds its `State` with `evolve_state` (plain stores on a
    same-layout class, then a `__class__` switch); the result is a real, frozen `State`, equal (and
    equal in hash and encoding) to `attrs.evolve`'s, with every field where it belongs."""
    # evolve_state stores the values as given: it is only right while State validates and converts nothing
    assert all(f.validator is None and f.converter is None for f in attrs.fields(State))
    assert not hasattr(State, "__attrs_pre_init__") and not hasattr(State, "__attrs_post_init__")
    state = foundation_world()
    changes: dict[str, Any] = {"twin_id": 77, "accounts": PMap(), "minted": state.minted + 5}
    fast, slow = evolve_state(state, changes), attrs.evolve(state, **changes)
    assert type(fast) is State and fast == slow and hash(fast) == hash(slow) and fast != state
    assert encode(fast) == encode(slow) and state_root(fast) == state_root(slow)
    for name in STATE_FIELDS:
        assert getattr(fast, name) is (changes[name] if name in changes else getattr(state, name))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.twin_id = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        evolve_state(state, {"no_such_field": 1})
    assert evolve_state(state, {}) == state
    tx = Tx(state, env(), ALICE.account_id)
    tx.twin_id = 77
    tx.accounts[BOB.account_id] = AccountInfo(5, 1, 2, 3)
    committed = tx.commit()
    assert type(committed) is State
    assert committed == attrs.evolve(
        state, twin_id=77, accounts=state.accounts.set(BOB.account_id, AccountInfo(5, 1, 2, 3))
    )
    # finish() is commit() and touched() in one pass (what apply and on_block return)
    assert tx.finish() == (committed, tx.touched())
    assert tx.touched() == Touched({"accounts": {BOB.account_id}}, frozenset({"twin_id"}))
    untouched = Tx(state, env(), ALICE.account_id)
    assert untouched.finish() == (state, Touched()) and untouched.finish()[0] is state


def test_tx_refuses_an_attribute_that_is_not_a_state_field() -> None:
    """STATE-08: a mistyped field name raises instead of being lost at commit; state fields and the
    transaction's own attributes are assigned as before."""
    state = foundation_world()
    tx = Tx(state, env(), ALICE.account_id)
    with pytest.raises(AttributeError, match="contract_ids"):
        tx.contract_ids = 99
    tx.twin_id = 9
    tx.who = BOB.account_id
    assert tx.commit().twin_id == 9 and tx.who == BOB.account_id


def test_every_call_has_a_handler() -> None:
    """SIG-14: the dispatch table covers every call class exactly once."""
    table = runtime.handlers()
    assert set(table) == set(calls.ALL_CALLS)


def test_call_without_a_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    """SIG-14: a valid signed call whose class has no handler is CallNotAllowed, state unchanged."""
    table = dict(runtime.handlers())
    del table[calls.Transfer]
    monkeypatch.setattr(runtime, "HANDLERS", table)
    state = foundation_world()
    assert_rejected(state, run(state, ALICE, TRANSFER), Error.CallNotAllowed)


# ------------------------------------------------------------------------------------------------
# on_block (STATE-09)


def test_on_block_without_contracts_is_a_no_op() -> None:
    """STATE-09: with nothing to bill, on_block returns an equal state (same root), no events, no error."""
    for state in (foundation_world(), genesis.default()):
        for block in (1, 10, 600, 601, 6000):
            out = on_block(state, env(block))
            assert out.error is None and out.events == ()
            assert state_root(out.state) == state_root(state)


# ------------------------------------------------------------------------------------------------
# Purity, determinism, totality (STATE-10..12)


def test_apply_is_deterministic_and_does_not_mutate_its_input() -> None:
    """STATE-10: the same inputs give equal outcomes; the input state is never modified."""
    state = foundation_world()
    s = signed(state, ALICE, TRANSFER)
    before = encode(state)
    a, b = apply(state, s, env(3)), apply(state, s, env(3))
    assert a == b and state_root(a.state) == state_root(b.state)
    assert encode(state) == before


def _signers(state: State) -> list[Keypair | Multi]:
    """Signers for `state`: known keys, the role multisigs, an unknown key, a multisig nobody knows."""
    if state.roles.council == COUNCIL.account_id:
        known: list[Keypair | Multi] = [key("alice"), key("bob"), key("charlie"), COUNCIL, BRIDGE, ORACLE]
    else:
        dev = genesis.dev_keypair
        known = [dev(n) for n in ("alice", "bob", "farmer-1", "node-1", "node-3")]
        known += [
            Multi(genesis.council_multisig(), genesis.council_keys()[:2]),
            genesis.dev_keypair("bridge-1"),
            Multi(genesis.oracle_multisig(), genesis.oracle_keys()),
        ]
    return [*known, key("stranger"), multi(1, ["lonely"])]


WORLDS: dict[str, Callable[[], State]] = {"foundation": foundation_world, "default-genesis": genesis.default}
_world_cache: dict[str, State] = {}


def _world(name: str) -> State:
    if name not in _world_cache:
        _world_cache[name] = WORLDS[name]()
    return _world_cache[name]


def _check_outcome(state: State, s: SignedCall, out: Outcome) -> None:
    if out.error is not None:
        assert out.state is state and out.events == ()
        return
    assert nonce_of(out.state, s.signer) == nonce_of(state, s.signer) + 1
    assert conservation_problems(out.state) == []
    assert decode(encode(out.state), State, max_bytes=None) == out.state  # STATE-12: within bounds


@pytest.mark.parametrize("world", list(WORLDS))
@given(data=st.data())
def test_apply_never_raises_for_random_calls_from_any_signer(world: str, data: st.DataObject) -> None:
    """STATE-11 STATE-12 STATE-07: for any decodable call, signed validly or not, apply returns an
    Outcome; failures leave the state object as it was; successes bump the nonce, conserve funds and keep
    every value within its bounds. Sequences of calls explore states the calls themselves build."""
    state = _world(world)
    signers = _signers(state)
    calls_of_world = strategy_for(Call, accounts=[w.account_id for w in signers])
    for block in range(1, data.draw(st.integers(1, 6)) + 1):
        call = data.draw(calls_of_world, label="call")
        who = data.draw(st.sampled_from(signers), label="signer")
        valid_nonce = st.just(nonce_of(state, who.account_id))
        nonce = data.draw(st.one_of(valid_nonce, valid_nonce, valid_nonce, st.integers(0, 2**64 - 1)))
        chain = data.draw(st.sampled_from([state.chain_id] * 5 + [OTHER_CHAIN_ID]))
        s = signed(state, who, call, nonce=nonce, chain_id=chain)
        s = decode(encode(s), SignedCall)  # a decodable signed call
        out = apply(state, s, env(block))
        event(f"{type(call).__name__}: {'ok' if out.error is None else out.error.name}")
        _check_outcome(state, s, out)
        state = out.state


@given(s=strategy_for(SignedCall))
def test_apply_never_raises_for_arbitrary_signed_calls(s: SignedCall) -> None:
    """STATE-11: arbitrary (garbage) decodable signed calls are rejected without raising."""
    state = _world("foundation")
    out = apply(state, s, env())
    assert out.error is not None
    assert out.state is state and out.events == ()


@given(block=st.integers(0, 2**64 - 1), ms=st.integers(0, 2**64 - 1))
def test_on_block_never_raises_for_any_block_env(block: int, ms: int) -> None:
    """STATE-11: on_block accepts any BlockEnv."""
    out = on_block(_world("default-genesis"), BlockEnv(block, ms))
    assert out.error is None
