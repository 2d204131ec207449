"""The analyst's property of docs/pricing-analysis.md, run as written (spec/analysis.md ANA-70)."""

from __future__ import annotations

from hypothesis import given, settings

from sc4it.analysis.fastforward import Period, fast_forward
from sc4it.analysis.population import Population
from sc4it.analysis.presets import network_state
from sc4it.kernel.types import Policy
from sc4it.testing.analysis import populations
from sc4it.tools.quote import PolicyProposal, apply_proposal

# --8<-- [start:property]
CURRENT = network_state("mainnet")
PROPOSED = apply_proposal(CURRENT, PolicyProposal(cu=Policy(336_160)))  # CU +10%
MONTH, X = 30 * 14_400, 12.5  # the claim: nobody with 3 months of balance pays more than 12.5% more


@given(populations(max_twins=4))
def test_no_well_funded_twin_pays_more_than_x_percent_more(population: Population) -> None:
    """ANA-70: under the proposal, no twin holding 3 months of its bills pays more than X% more."""
    period = Period(0, 0, MONTH, 6000)
    now, then = (fast_forward(population, state, period) for state in (CURRENT, PROPOSED))
    for twin in population.twins:
        paid_now = sum(c.paid for c in now.contracts.values() if c.twin_id == twin.id)
        paid_then = sum(c.paid for c in then.contracts.values() if c.twin_id == twin.id)
        if paid_now and twin.balance + (twin.stash or 0) >= 3 * paid_now:
            assert paid_then <= paid_now * (1 + X / 100) + 1


# --8<-- [end:property]


test_no_well_funded_twin_pays_more_than_x_percent_more = settings(
    max_examples=max(10, settings().max_examples // 2)
)(test_no_well_funded_twin_pays_more_than_x_percent_more)
