"""The fast engine against the normative path (spec/analysis.md ANA-10..ANA-22): every bill, level,
grace start, deletion, distribution and final balance the same as `sc4it.on_block` block by block."""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from sc4it import genesis as gen
from sc4it.analysis.fastforward import BILLED, DISTRIBUTED, ELAPSED, GRACE_ENDED, Period, expand, fast_forward
from sc4it.analysis.population import (
    ContractSpec,
    FarmSpec,
    HistoryEvent,
    NodeSpec,
    Population,
    SetPrice,
    TopUp,
    TwinSpec,
)
from sc4it.analysis.reference import replay, same_outcome
from sc4it.kernel.state import Config
from sc4it.kernel.types import DiscountLevel, Resources
from sc4it.testing.analysis import analysis_worlds, histories, populations

GIB = 1 << 30
TEST = gen.build(
    attrs.evolve(
        gen.default_genesis(), config=Config(billing_frequency=10, grace_period=100, distribution_frequency=4)
    )
)


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
