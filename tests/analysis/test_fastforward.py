"""The fast engine against the normative path (spec/analysis.md ANA-10..ANA-22): every bill, level,
grace start, deletion, distribution and final balance the same as `sc4it.on_block` block by block."""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from sc4it import genesis as gen
from sc4it.analysis.fastforward import (
    BILLED,
    DISTRIBUTED,
    ELAPSED,
    GRACE_ENDED,
    GRACE_STARTED,
    OVERDRAWN,
    Period,
    expand,
    fast_forward,
)
from sc4it.analysis.population import (
    ContractSpec,
    FarmSpec,
    HistoryEvent,
    NodeSpec,
    NuReport,
    OptOut,
    Population,
    SetPrice,
    TopUp,
    TwinSpec,
)
from sc4it.analysis.reference import replay, same_outcome
from sc4it.kernel.types import DiscountLevel, Resources
from sc4it.testing.analysis import analysis_worlds, histories, populations
from sc4it.testing.world import TEST_CONFIG

GIB = 1 << 30
TEST = gen.build(attrs.evolve(gen.default_genesis(), config=TEST_CONFIG))


@settings(max_examples=max(10, settings().max_examples // 2))
@given(st.data())
def test_fast_forward_equals_block_by_block(data: st.DataObject) -> None:
    """ANA-04, ANA-10, ANA-11, ANA-12, ANA-13, ANA-14, ANA-15, ANA-20, ANA-22: on random populations,
    configs, pricing policies, TFT price paths and histories (top-ups, reports), the fast engine's
    outcome is the normative one, bill for bill."""
    base, period = data.draw(analysis_worlds())
    population = data.draw(populations())
    history = data.draw(histories(population, base, period))
    fast = fast_forward(population, base, period, history)
    slow = replay(population, base, period, history)
    assert same_outcome(fast, slow) == []


def _one_twin(balance: int, *, stash: int | None = None, certified: bool = False) -> Population:
    return Population(
        (FarmSpec(1, 9001),),
        (NodeSpec(1, 1, certified),),
        (TwinSpec(9001, 10**8), TwinSpec(1, balance, stash)),
        (
            ContractSpec(3, 1, "node", 1, Resources(cru=2, mru=4 * GIB, sru=50 * GIB), 1),
            ContractSpec(7, 1, "name"),
        ),
    )


def test_levels_fall_then_grace_then_deletion() -> None:
    """ANA-12, ANA-13, GRC-02, BIL-37: with production constants (hourly bills, 14 days of grace), a
    twin funded for 7 months falls from Silver through every level, enters grace and is deleted, bill for
    bill as block by block; the engine takes far fewer steps than there are bills."""
    base = gen.default()
    period = Period(0, 0, 10 * 30 * 14_400, 6000)  # 10 months of 6 s blocks
    population = _one_twin(4680 * 3_050_000)  # 6.5 months of the node contract (3.05e6 units an hour)
    fast = fast_forward(population, base, period)
    assert same_outcome(fast, replay(population, base, period, skip_empty_blocks=True)) == []
    events = expand(fast.contracts[3].log)
    levels = [x for _, tag, x, _ in events if tag == BILLED]
    assert levels[1] == DiscountLevel.Silver and DiscountLevel.None_ in levels
    assert set(levels) >= {DiscountLevel.Bronze, DiscountLevel.Default}
    assert levels[1:] == sorted(levels[1:], reverse=True)
    assert any(tag == ELAPSED for _, tag, _, _ in events)
    assert fast.contracts[3].end == "deleted: out of funds"
    assert any(tag == DISTRIBUTED for _, tag, _, _ in events)
    bills = sum(c.bills for c in fast.contracts.values())
    assert fast.steps * 100 < bills


def test_top_up_in_grace_restores() -> None:
    """ANA-14, GRC-01: a top-up during grace restores the contracts at their next bill."""
    period = Period(0, 0, 3000, 6000)
    population = _one_twin(10**6, stash=10**9, certified=True)
    history: list[HistoryEvent] = [TopUp(250, 1, 5 * 10**9), SetPrice(1200, 20)]
    fast = fast_forward(population, TEST, period, history)
    assert same_outcome(fast, replay(population, TEST, period, history)) == []
    tags = [tag for _, tag, _, _ in expand(fast.contracts[3].log)]
    assert GRACE_ENDED in tags


def test_skipping_empty_blocks_changes_nothing() -> None:
    """ANA-21: the reference may skip blocks whose shard holds none of the population's contracts."""
    period = Period(5, 12_345, 900, 6000)
    population = _one_twin(10**9)
    assert (
        same_outcome(
            replay(population, TEST, period, skip_empty_blocks=True), replay(population, TEST, period)
        )
        == []
    )


@settings(max_examples=max(10, settings().max_examples // 2))
@given(st.data())
def test_fast_forward_equals_block_by_block_with_rent_nu_and_opt_out(data: st.DataObject) -> None:
    """ANA-07, ANA-08, ANA-09, ANA-10, ANA-13, ANA-18: populations with rent contracts (nodes of any
    size, some dedicated with an extra fee), nodes opted out of v3 billing, NU reports and opt-outs in
    the history: the fast engine's outcome is still the normative one, bill for bill."""
    base, period = data.draw(analysis_worlds())
    population = data.draw(populations(rent=True, opt_out=True))
    history = data.draw(histories(population, base, period, nu=True))
    fast = fast_forward(population, base, period, history)
    slow = replay(population, base, period, history)
    assert same_outcome(fast, slow) == []


def _renter(balance: int, *, fee: int = 0, opted_out: bool = False) -> Population:
    """Twin 1 rents node 1 (a dedicated node with `fee` mUSD a month) and runs a VM with a public IP on
    it; node 2 is a shared node with another VM of the same twin."""
    big = Resources(cru=8, mru=32 * GIB, sru=1024 * GIB)
    vm = Resources(cru=2, mru=4 * GIB, sru=50 * GIB)
    return Population(
        (FarmSpec(1, 9001),),
        (NodeSpec(1, 1, False, big, fee, opted_out), NodeSpec(2, 1, True)),
        (TwinSpec(9001, 10**8), TwinSpec(1, balance)),
        (
            ContractSpec(4, 1, "rent", 1),
            ContractSpec(5, 1, "node", 1, vm, 1),
            ContractSpec(9, 1, "node", 2, vm, 0),
        ),
    )


def test_rent_contract_grace_carries_its_node_contracts_and_a_top_up_restores_them() -> None:
    """ANA-07, ANA-18, GRC-06, GRC-07, GRC-08, BIL-33, BIL-39: a rent contract with an extra fee runs out,
    takes the node contract on its node into grace, and a top-up restores both; the extra fee is paid
    out by the extra-fee rule (the log's `distributed` entries carry it), all as block by block."""
    period = Period(0, 0, 3000, 6000)
    population = _renter(3 * 10**7, fee=20_000)
    alone = fast_forward(population, TEST, period)
    start = min(b for b, tag, _, _ in expand(alone.contracts[4].log) if tag == GRACE_STARTED)
    history: list[HistoryEvent] = [TopUp(start + 50, 1, 10**12)]
    fast = fast_forward(population, TEST, period, history)
    assert same_outcome(fast, replay(population, TEST, period, history)) == []
    rent = [tag for _, tag, _, _ in expand(fast.contracts[4].log)]
    vm = [tag for _, tag, _, _ in expand(fast.contracts[5].log)]
    assert rent.count(GRACE_STARTED) == 1 and GRACE_ENDED in rent
    assert GRACE_STARTED in vm and GRACE_ENDED in vm
    assert any(tag == DISTRIBUTED and y > 0 for _, tag, _, y in expand(fast.contracts[4].log))
    assert fast.contracts[4].end == "active"


def test_rent_contract_deleted_takes_its_node_contracts() -> None:
    """ANA-18, GRC-02, GRC-03, CON-52: out of funds for good, the rent contract is deleted after its grace
    and removes the node contract on its node with it (end block 0), as block by block; a funded
    renter's stretches are jumped (far fewer steps than bills)."""
    period = Period(0, 0, 3000, 6000)
    population = _renter(10**7)
    fast = fast_forward(population, TEST, period)
    assert same_outcome(fast, replay(population, TEST, period)) == []
    assert fast.contracts[4].end == "deleted: out of funds" and fast.contracts[4].end_block > 0
    assert fast.contracts[5].end == "deleted: out of funds" and fast.contracts[5].end_block == 0
    rich = fast_forward(_renter(10**15, fee=5000), TEST, period)
    assert same_outcome(rich, replay(_renter(10**15, fee=5000), TEST, period)) == []
    assert rich.steps * 20 < sum(c.bills for c in rich.contracts.values())


def test_nu_reports_are_billed_once_and_old_ones_ignored() -> None:
    """ANA-08, NR-08, BIL-32, BIL-20: an NU report raises the next bill only, a report older than the last
    is ignored, one that would overflow fails; as block by block."""
    period = Period(0, 0, 600, 6000)
    population = _one_twin(10**12)
    history: list[HistoryEvent] = [
        NuReport(200, 3, 50 * GIB, 3600, 1200),
        NuReport(201, 3, 50 * GIB, 3600, 1100),  # older than the last: ignored
        NuReport(400, 3, (1 << 64) - 1, 1 << 40, 2400),  # overflows: the report fails
        NuReport(300, 7, 10**9, 60, 1800),  # a name contract has no billing information: skipped
    ]
    fast = fast_forward(population, TEST, period, history)
    assert same_outcome(fast, replay(population, TEST, period, history)) == []
    amounts = [y for _, tag, _, y in expand(fast.contracts[3].log) if tag == BILLED]
    assert len(set(amounts[1:])) == 2 and amounts.count(max(amounts)) == 1


def test_opt_out_waives_and_settles_an_overdraft_from_before() -> None:
    """ANA-09, OPT-30, OPT-31, OPT-32: after an opt-out a contract in grace pays nothing more, settles its
    overdraft after a top-up and leaves grace, then is never billed again; a contract on a node opted out
    before the period is never billed; as block by block."""
    period = Period(0, 0, 2000, 6000)
    population = _one_twin(3 * 10**6)
    alone = fast_forward(population, TEST, period)
    start = min(b for b, tag, _, _ in expand(alone.contracts[3].log) if tag == GRACE_STARTED)
    history: list[HistoryEvent] = [OptOut(start + 15, 1), TopUp(start + 45, 1, 10**11)]
    fast = fast_forward(population, TEST, period, history)
    assert same_outcome(fast, replay(population, TEST, period, history)) == []
    events = expand(fast.contracts[3].log)
    assert GRACE_ENDED in [tag for _, tag, _, _ in events]
    assert max(b for b, tag, _, _ in events if tag in (BILLED, OVERDRAWN)) < start + 60
    waived = [(x, y) for b, tag, x, y in events if tag == OVERDRAWN and b > start + 15]
    assert len(waived) >= 2 and set(waived) == {(0, 0)}  # nothing due, nothing paid (OPT-32)
    before = _renter(10**12, opted_out=True)
    free = fast_forward(before, TEST, period)
    assert same_outcome(free, replay(before, TEST, period)) == []
    assert free.contracts[4].bills == free.contracts[5].bills == 0 and free.contracts[9].bills > 0
