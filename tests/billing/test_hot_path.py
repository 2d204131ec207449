"""The billing hot path computes what the plain rules compute (benchmarks/README.md).

- BIL-30: the one cost formula, on the policy's per-second rates (computed once per block), equals BIL-30
  written out with the `U64F64` class for any input, saturation included;
- BIL-03: `on_block` (one transaction for the block, one savepoint per contract, a failed bill rolled
  back) produces exactly the state and events of the plain loop (one transaction committed per contract),
  on random histories and on a production-shaped population, with bills that fail half way;
- BIL-10 BIL-36: the pricing a bill is given is read from pricing policy 1 and the TFT price as they stand.
"""

from __future__ import annotations

from typing import Any

import pytest
from benchmarks.population import build_population
from hypothesis import given
from hypothesis import strategies as st

from sc4it.contracts.billing import bill_contract, payment, should_bill
from sc4it.contracts.billing.cost import node_cost_units_usd, policy_rates, resources_cost_units_usd
from sc4it.contracts.billing.loop import contracts_to_bill
from sc4it.kernel.errors import Error, Fail
from sc4it.kernel.events import ContractBilled, Event, RewardDistributed
from sc4it.kernel.fixed import U64_MAX, U64F64
from sc4it.kernel.state import STATE_FIELDS, State
from sc4it.kernel.tx import BlockEnv, Tx
from sc4it.kernel.types import AccountInfo, Policy, PricingPolicy, Resources, TftPrice, Unit
from sc4it.runtime import on_block
from sc4it.testing import World
from sc4it.testing.actions import Scene, any_action, run_action
from sc4it.testing.strategies import pricing_policies

_U64 = st.one_of(st.integers(0, 2**40), st.integers(0, U64_MAX), st.sampled_from([0, 1, U64_MAX]))


def plain_bill_block(state: State, env: BlockEnv) -> tuple[State, list[Event]]:
    """BIL-03 as first written: one transaction per contract, committed when its bill succeeds."""
    events: list[Event] = []
    for contract_id in contracts_to_bill(state, env.number):
        contract = state.contracts.get(contract_id)
        if contract is None or not should_bill(state, contract):
            continue
        tx = Tx(state, env)
        try:
            bill_contract(tx, contract_id, payment.pricing_of(tx))
        except Fail:
            continue
        state = tx.commit()
        events.extend(tx.events)
    return state, events


def _replace(state: State, **changes: Any) -> State:
    values: list[Any] = [changes.get(name, getattr(state, name)) for name in STATE_FIELDS]
    return State(*values)


def _bil30_by_class(
    policy: PricingPolicy, used: Resources, ips: int, secs: int, bill: bool, period: int
) -> int:
    """BIL-30 exactly as spec/billing.md writes it, with the `U64F64` class (saturating at u64::MAX)."""
    try:
        fx = U64F64.from_int
        total = fx(0)
        if bill:
            su_unit, cu_unit = policy.su.unit.factor_base_1024(), policy.cu.unit.factor_base_1024()
            h, s, m, c = fx(used.hru) / su_unit, fx(used.sru) / su_unit, fx(used.mru) / cu_unit, fx(used.cru)
            su = h / 1200 + s / 200
            cu = min(max(m / 4, c / 2), max(m / 8, c), max(m / 2, c / 4))
            total = (fx(policy.su.value) / fx(period)) * fx(secs) * su
            total = total + (fx(policy.cu.value) / fx(period)) * fx(secs) * cu
        if ips > 0:
            total = total + fx(ips) * (fx(policy.ipu.value) / fx(period)) * fx(secs)
        return total.round().to_u64()
    except OverflowError:
        return U64_MAX


@given(
    pricing_policies(),
    st.builds(Resources, _U64, _U64, _U64, _U64),
    st.one_of(st.integers(0, 16), _U64),
    _U64,
    st.booleans(),
    st.one_of(st.sampled_from([1, 60, 3600]), st.integers(1, U64_MAX)),
    st.integers(0, U64_MAX),
)
def test_rates_give_the_formula(
    policy: PricingPolicy, used: Resources, ips: int, secs: int, bill: bool, period: int, unbilled: int
) -> None:
    """BIL-30 BIL-32 BIL-40: the resources cost on the policy's per-second rates and the node cost are
    bit-identical to BIL-30 written with the U64F64 class, including where they saturate at u64::MAX."""
    rates = policy_rates(policy, period)
    expected = _bil30_by_class(policy, used, ips, secs, bill, period)
    assert resources_cost_units_usd(rates, used, ips, secs, bill) == expected
    assert node_cost_units_usd(rates, used, ips, secs, bill, unbilled) == min(expected + unbilled, U64_MAX)


def test_rates_saturate_like_the_formula() -> None:
    """BIL-40: an overflowing product saturates (a petabyte-hour at the maximal price)."""
    policy = PricingPolicy(
        1, 1, b"p", Policy(2**32 - 1, Unit.Bytes), Policy(2**32 - 1, Unit.Bytes), Policy(1),
        Policy(2**32 - 1), Policy(1), Policy(1), bytes(32), bytes(32), 50,
    )  # fmt: skip
    huge = Resources(hru=U64_MAX, sru=U64_MAX, cru=U64_MAX, mru=U64_MAX)
    assert resources_cost_units_usd(policy_rates(policy, 1), huge, 5, U64_MAX, True) == U64_MAX
    assert _bil30_by_class(policy, huge, 5, U64_MAX, True, 1) == U64_MAX


@given(st.lists(any_action(), min_size=3, max_size=25), st.integers(1, 40))
def test_block_loop_equals_the_plain_loop_on_random_histories(actions: list[Any], blocks: int) -> None:
    """BIL-03: after a random history, every one of the next blocks billed by `on_block` (one transaction,
    savepoints) gives the state and the events of the plain per-contract loop."""
    world = World.default()
    for action in [Scene(), *actions]:
        run_action(world, action)
    state = world.state
    for i in range(1, blocks + 1):
        env = BlockEnv(world.block + i, world.timestamp_ms + 6000 * i)
        out = on_block(state, env)
        expected_state, expected_events = plain_bill_block(state, env)
        assert out.state == expected_state
        assert list(out.events) == expected_events
        state = out.state


def test_block_loop_equals_the_plain_loop_on_a_population_with_failing_bills() -> None:
    """BIL-03: on a production-shaped population, blocks whose shards distribute rewards (DST-10), with
    some bills made to fail half way (the owner's reserved balance no longer covers the contract's
    reserve: the payout fails with RewardDistributionError after the new reservation was written), give
    the plain loop's state and events: failed bills leave no trace, the others go on."""
    pop = build_population(3_000)
    state, env0 = pop.state, pop.env
    broken = distributed = 0
    for i in range(24):
        env = BlockEnv(env0.number + i, env0.timestamp + 6000 * i)
        for cid in contracts_to_bill(state, env.number)[::2]:
            ps = state.contract_payment_state[cid]
            if ps.cycles == 23:
                who = state.twins[state.contracts[cid].twin_id].account_id
                info = state.accounts[who]
                state = _replace(
                    state,
                    accounts=state.accounts.set(who, AccountInfo(info.nonce, info.free, 0, info.frozen)),
                )
                broken += 1
        out = on_block(state, env)
        expected_state, expected_events = plain_bill_block(state, env)
        assert out.state == expected_state and list(out.events) == expected_events
        distributed += sum(isinstance(e, RewardDistributed) for e in out.events)
        state = out.state
    assert broken > 0 and distributed > 0


def test_a_failed_bill_rolls_back_its_writes() -> None:
    """BIL-03: a bill that fails after writing (RewardDistributionError at the payout, after the
    reservation) leaves no write and no event; the contract stays as it was."""
    pop = build_population(3_000)
    state = pop.state
    env, victim = next(
        (BlockEnv(pop.env.number + i, pop.env.timestamp + 6000 * i), cid)
        for i in range(24)
        for cid in contracts_to_bill(state, pop.env.number + i)
        if state.contract_payment_state[cid].cycles == 23
    )
    who = state.twins[state.contracts[victim].twin_id].account_id
    info = state.accounts[who]
    state = _replace(state, accounts=state.accounts.set(who, AccountInfo(info.nonce, info.free, 0, 0)))
    tx = Tx(state, env)
    with pytest.raises(Fail) as failed:
        bill_contract(tx, victim, payment.pricing_of(tx))
    assert failed.value.error == Error.RewardDistributionError
    assert any(isinstance(e, ContractBilled) for e in tx.events)  # it had billed before failing
    out = on_block(state, env)
    assert out.state.accounts[who] == state.accounts[who]
    assert out.state.contract_payment_state[victim] == state.contract_payment_state[victim]
    billed = [e.contract_bill.contract_id for e in out.events if isinstance(e, ContractBilled)]
    assert victim not in billed and len(billed) >= 1


def test_pricing_follows_policy_and_price_changes() -> None:
    """BIL-10 BIL-36 BIL-42: the pricing a bill is given is read from pricing policy 1 and the TFT price as
    they stand (a zero price then fails with TFTPriceValueError, a missing policy with
    PricingPolicyNotExists)."""
    pop = build_population(100)
    tx = Tx(pop.state, pop.env)
    first = payment.pricing_of(tx)
    assert first.price_musd == pop.state.tft_price.billing_price()
    tx.tft_price = TftPrice(0, 0, 0, 1000)
    assert payment.pricing_of(tx).price_musd == 0
    cid = pop.billed_contract()
    with pytest.raises(Fail) as zero_price:
        bill_contract(tx, cid, payment.pricing_of(tx))
    assert zero_price.value.error == Error.TFTPriceValueError
    tx.tft_price = pop.state.tft_price
    policy = tx.pricing_policies[1]
    tx.pricing_policies[1] = PricingPolicy(
        policy.version, 1, policy.name, Policy(policy.su.value * 2, policy.su.unit), policy.cu, policy.nu,
        policy.ipu, policy.unique_name, policy.domain_name, policy.foundation_account,
        policy.certified_sales_account, policy.discount_for_dedication_nodes,
    )  # fmt: skip
    doubled = payment.pricing_of(tx)
    assert doubled.rates is not None and first.rates is not None
    assert doubled.rates.su_rate == 2 * first.rates.su_rate
    del tx.pricing_policies[1]
    assert payment.pricing_of(tx).policy is None
    with pytest.raises(Fail) as no_policy:
        bill_contract(tx, cid, payment.pricing_of(tx))
    assert no_policy.value.error == Error.PricingPolicyNotExists


def test_population_is_valid_and_billable() -> None:
    """BIL-04 BIL-03: the benchmark population satisfies every invariant; its blocks bill the node
    contracts with usage, IPs or NU and the name contracts of their shard, and skip the idle ones."""
    from sc4it.conformance.invariants import check

    pop = build_population(1_200)
    assert check(pop.state) == []
    assert pop.idle + pop.with_resources == pop.node_contracts
    state, skipped = pop.state, 0
    for i in range(12):
        env = BlockEnv(pop.env.number + i, pop.env.timestamp + 6000 * i)
        ids = contracts_to_bill(state, env.number)
        billable = [cid for cid in ids if should_bill(state, state.contracts[cid])]
        out = on_block(state, env)
        assert [e.contract_bill.contract_id for e in out.events if isinstance(e, ContractBilled)] == billable
        skipped += len(ids) - len(billable)
        state = out.state
    assert skipped > 0 and check(state) == []
