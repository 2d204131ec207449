"""The batch path of the fast engine (spec/analysis.md ANA-19, ANA-23): the same result as the scalar
path, field for field (log encoding and step count included), and as billing block by block."""

from __future__ import annotations

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc4it import genesis as gen
from sc4it.analysis import ffbatch, ffcolumns
from sc4it.analysis.fastforward import Period, fast_forward
from sc4it.analysis.ffmodel import prices_in_force
from sc4it.analysis.population import (
    ContractSpec,
    FarmSpec,
    HistoryEvent,
    NodeSpec,
    Population,
    TopUp,
    TwinSpec,
)
from sc4it.analysis.reference import replay, same_outcome
from sc4it.contracts.billing.distribution import split_amounts
from sc4it.kernel.types import Recipient, Resources, Share, SplitRule
from sc4it.testing.analysis import analysis_worlds, histories, populations
from sc4it.testing.world import TEST_CONFIG

GIB = 1 << 30
TEST = gen.build(attrs.evolve(gen.default_genesis(), config=TEST_CONFIG))


@settings(max_examples=max(10, settings().max_examples // 2))
@given(st.data())
def test_batch_path_equals_scalar_path_and_block_by_block(data: st.DataObject) -> None:
    """ANA-10, ANA-19, ANA-23: on random populations (some twins of the batch path's shape, some with
    rent contracts, opted-out nodes or events of their own, which take the scalar path), worlds and
    histories, the result with the batch path equals the scalar engine's in every field (amounts,
    levels, grace and deletion blocks, distributions, final balances, the log as encoded, steps) and
    billing block by block's."""
    base, period = data.draw(analysis_worlds())
    rent, opt_out = data.draw(st.booleans()), data.draw(st.booleans())
    population = data.draw(populations(max_twins=6, max_contracts=5, rent=rent, opt_out=opt_out))
    history = data.draw(st.one_of(st.just([]), histories(population, base, period, nu=rent)))
    batch = fast_forward(population, base, period, history)
    scalar = fast_forward(population, base, period, history, batch=False)
    assert same_outcome(batch, scalar) == []
    assert batch == scalar
    assert same_outcome(batch, replay(population, base, period, history)) == []


def _twin(t: int, cid: int, balance: int, n: int = 1) -> tuple[TwinSpec, list[ContractSpec]]:
    vm = Resources(cru=2, mru=4 * GIB, sru=50 * GIB)
    return TwinSpec(t, balance), [ContractSpec(cid + 3 * i, t, "node", 1, vm, i % 2) for i in range(n)]


def _mixed() -> Population:
    """Twin 1 of the batch path's shape; twins 2 and 5 too rich for its bound (5 beyond int64 too), twin 3
    with more contracts than it takes, twin 4 with a top-up of its own: the scalar path."""
    twins, contracts = [TwinSpec(9001, 10**8)], []
    shapes = (
        (1, 10**7, 3),
        (2, 1 << 61, 1),
        (3, 10**10, ffbatch.MAX_BILLED + 1),
        (4, 10**8, 1),
        (5, 1 << 70, 2),
    )
    for t, balance, n in shapes:
        twin, cs = _twin(t, 100 * t, balance, n)
        twins.append(twin)
        contracts += cs
    return Population((FarmSpec(1, 9001),), (NodeSpec(1, 1, True),), tuple(twins), tuple(contracts))


def test_batch_path_takes_only_twins_of_its_shape() -> None:
    """ANA-23: balances beyond the bound, too many contracts or an event of its own send a twin to the
    scalar path; the outcome is block by block's either way (ANA-10)."""
    population = _mixed()
    period = Period(0, 0, 1200, 6000)
    history = [TopUp(300, 4, 10**9)]
    per_twin: dict[int, list[tuple[HistoryEvent, int]]] = {4: [(history[0], 0)]}
    batch = ffbatch.run(population, TEST, period, prices_in_force(TEST, history, period), per_twin)
    assert batch is not None and batch.twin_ids == {1}
    fast = fast_forward(population, TEST, period, history)
    assert same_outcome(fast, replay(population, TEST, period, history)) == []
    assert fast == fast_forward(population, TEST, period, history, batch=False)
    assert any(c.end == "deleted: out of funds" for c in fast.contracts.values())


def test_batch_results_are_a_mapping_in_id_order() -> None:
    """ANA-19: the result's contracts, made on demand, behave as the scalar path's dict."""
    population = _mixed()
    period = Period(0, 0, 600, 6000)
    fast = fast_forward(population, TEST, period)
    ids = sorted(c.id for c in population.contracts)
    assert isinstance(fast.contracts, ffcolumns.Contracts)
    assert list(fast.contracts) == ids and len(fast.contracts) == len(ids)
    assert [c.contract_id for c in fast.contracts.values()] == ids
    assert [k for k, _ in fast.contracts.items()] == ids
    assert fast.contracts[100] == fast_forward(population, TEST, period, batch=False).contracts[100]
    with pytest.raises(KeyError):
        fast.contracts[101]


@given(
    st.lists(st.integers(0, 10**9), min_size=1, max_size=3),
    st.sampled_from(list(Recipient)),
    st.lists(st.integers(0, (1 << 60) - 1), min_size=1, max_size=20),
)
def test_split_on_arrays_is_split_amounts(
    perbills: list[int], remainder: Recipient, amounts: list[int]
) -> None:
    """ANA-19, DST-05: the batch path's split of an array of payouts is `split_amounts` of each."""
    recipients = [Recipient.StakingPool, Recipient.Foundation, Recipient.Burn]
    rule = SplitRule(tuple(Share(r, p) for r, p in zip(recipients, perbills, strict=False)), remainder)
    parts = ffcolumns.split_parts(rule, np.array(amounts, dtype=np.int64))
    for i, amount in enumerate(amounts):
        assert [(r, int(v[i])) for r, v in parts] == split_amounts(rule, amount)
