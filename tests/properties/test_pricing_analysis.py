"""The worked example of docs/pricing-analysis.md ("Checking a proposal with properties"), run as part of
the suite: a proposed pricing policy and the properties an analyst checks against it (BIL-30..BIL-38 are
the formulas under test; INV-01, INV-02 and INV-25 guard the money in the stateful run). The code blocks of
that section are copied from this file, and `test_doc_examples_are_this_file` keeps them in sync."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sc4it import genesis
from sc4it.conformance.invariants import Violation, check
from sc4it.contracts.billing.cost import MULTIPLIER_BITS
from sc4it.kernel.events import (
    ContractBilled,
    ContractPaymentOverdrawn,
    RentContractCanceled,
    RewardDistributed,
)
from sc4it.kernel.types import DiscountLevel, Policy
from sc4it.testing import Sc4itMachine
from sc4it.testing.actions import Transition
from sc4it.tools.quote import PolicyProposal, Workload, apply_proposal, quote, read_policy_file

ROOT = Path(__file__).resolve().parents[2]
GIB = 1 << 30
TFT = 10_000_000
MONTH = 30 * 24 * 3600

# The proposal: storage 20% cheaper, compute 10% dearer, IPv4 50% dearer, renters pay 60% of the node
# instead of 50%. Every price component moves by a factor between 0.8 and 1.5.
PROPOSAL = PolicyProposal(
    su=Policy(40_000),
    cu=Policy(110_000),
    ipu=Policy(60_000),
    discount_for_dedication_nodes=60,
)
CURRENT = genesis.default()
PROPOSED = apply_proposal(CURRENT, PROPOSAL)

# Any deployment on the default world's nodes: a node contract of any size (with up to 4 IPs on the
# farm-1 nodes), or a rented node, with or without a name contract.
workloads = st.one_of(
    st.builds(
        Workload,
        node_id=st.sampled_from([1, 2, 4]),
        cru=st.integers(0, 64),
        mru=st.integers(0, 256 * GIB),
        sru=st.integers(0, 4096 * GIB),
        hru=st.integers(0, 16384 * GIB),
        public_ips=st.integers(0, 4),
        name=st.booleans(),
    ),
    st.builds(Workload, node_id=st.integers(1, 4), public_ips=st.integers(0, 2), rent=st.just(True)),
)
balances = st.integers(0, 10**6 * TFT)


@given(workloads, st.sampled_from(["cru", "mru", "sru", "hru", "public_ips"]), st.integers(1, 64 * GIB))
def test_cost_is_monotone_in_every_resource(w: Workload, resource: str, more: int) -> None:
    """BIL-30..BIL-35: under the proposal, more of any resource never costs less (list price, and TFT
    without discount)."""
    bigger = attrs.evolve(w, **{resource: getattr(w, resource) + (1 if resource == "public_ips" else more)})
    small, large = quote(PROPOSED, w), quote(PROPOSED, bigger)
    assert large.total_units_usd >= small.total_units_usd
    assert large.total_tft >= small.total_tft


@given(workloads, balances, balances)
def test_discount_levels_are_ordered(w: Workload, b1: int, b2: int) -> None:
    """BIL-37, BIL-38: a richer twin never gets a lower discount level, nor pays more; the multipliers
    fall strictly from None (1) to Gold (0.4)."""
    poor, rich = sorted((b1, b2))
    q_poor, q_rich = quote(PROPOSED, w, balance=poor), quote(PROPOSED, w, balance=rich)
    for a, b in zip(q_poor.lines, q_rich.lines, strict=True):
        assert b.level >= a.level
        assert b.tft <= a.tft
    multipliers = [MULTIPLIER_BITS[level] for level in sorted(DiscountLevel)]
    assert multipliers == sorted(multipliers, reverse=True) and len(set(multipliers)) == 5


LOWEST, HIGHEST = 0.8, 1.5  # the stated bound: no deployment gets more than 20% cheaper or 50% dearer


@given(workloads)
@example(Workload(node_id=2, mru=54, sru=16))  # a unit of rounding on a certified node (found nightly)
def test_no_monthly_cost_moves_beyond_the_bound(w: Workload) -> None:
    """BIL-30..BIL-36: every deployment's monthly list price (and its TFT bill without discount) under
    the proposal is within [0.8, 1.5] times today's, up to one unit of rounding per contract."""
    now, then = quote(CURRENT, w, secs=MONTH), quote(PROPOSED, w, secs=MONTH)
    slack = len(now.lines)
    assert (
        LOWEST * now.total_units_usd - slack <= then.total_units_usd <= HIGHEST * now.total_units_usd + slack
    )
    tft_slack = slack * 25 + 1  # a unit USD is 20 TFT units at 50 mUSD/TFT, 25 on a certified node
    assert LOWEST * now.total_tft - tft_slack <= then.total_tft <= HIGHEST * now.total_tft + tft_slack


class ProposalMachine(Sc4itMachine):
    """Random histories (every call, blocks, time jumps, top-ups, hostile input) on a world billed under
    the proposal. Besides every sc4it invariant (INV-01 funds, INV-02 reserves, INV-25 exact bills...),
    check that billing's money flow adds up: in every step the twins' total reserved balance moves by
    exactly what the bills reserved minus what was distributed."""

    def __init__(self) -> None:
        super().__init__()
        self.world.state = apply_proposal(self.world.state, PROPOSAL)

    def extra_checks(self, tr: Transition) -> list[Violation]:
        events = tr.outcome.events
        if any(isinstance(e, RentContractCanceled) for e in events):
            return []  # a removed rent contract may hand back its node contracts' reserves (CON-52)
        reserved = sum(e.contract_bill.amount_billed for e in events if isinstance(e, ContractBilled))
        reserved += sum(e.partially_billed_amount for e in events if isinstance(e, ContractPaymentOverdrawn))
        paid = sum(
            e.standard_rewards + e.additional_rewards for e in events if isinstance(e, RewardDistributed)
        )
        before = sum(a.reserved for a in tr.before.accounts.values())
        after = sum(a.reserved for a in tr.outcome.state.accounts.values())
        if after - before != reserved - paid:
            return [
                Violation(
                    "DISTRIBUTION", f"reserved moved by {after - before}, bills {reserved}, paid {paid}"
                )
            ]
        return []


ProposalMachine.TestCase.settings = settings(
    max_examples=max(20, settings().max_examples // 25), stateful_step_count=40
)
TestProposalHistories = ProposalMachine.TestCase


# --------------------------------------------------------------------------------------------------
# Housekeeping (not part of the worked example)


def test_proposal_world_is_valid() -> None:
    """INV-01..INV-13 hold on the proposal's world, and the proposal does change policy 1."""
    assert check(PROPOSED) == []
    assert PROPOSED.pricing_policies[1].su == Policy(40_000)
    assert PROPOSED.pricing_policies[1].discount_for_dedication_nodes == 60


def test_the_bound_is_tight() -> None:
    """BIL-30: the bound is reached: a storage-only deployment gets 20% cheaper, an IP-only one 50% dearer
    (so the property would catch a proposal one step further)."""
    for w, (num, den) in (
        (Workload(node_id=1, sru=1000 * GIB), (4, 5)),
        (Workload(node_id=1, public_ips=1), (3, 2)),
    ):
        now, then = (
            quote(CURRENT, w, secs=MONTH).total_units_usd,
            quote(PROPOSED, w, secs=MONTH).total_units_usd,
        )
        assert abs(den * then - num * now) <= den


def test_finding_f3_a_renamed_proposal_keeps_the_name_index() -> None:
    """INV-11 (finding F-3, fixed): `apply_proposal` with a `name` (as docs/examples/pricing-proposal.json
    has) renames policy 1 and moves its `pricing_policy_id_by_name` entry with it."""
    renamed = apply_proposal(CURRENT, read_policy_file(ROOT / "docs" / "examples" / "pricing-proposal.json"))
    assert check(renamed) == []


def test_doc_examples_are_this_file() -> None:
    """Every Python block of the worked example in docs/pricing-analysis.md is copied from this file."""
    doc = (ROOT / "docs" / "pricing-analysis.md").read_text()
    section = doc[doc.index("## Checking a proposal with properties") :]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 4
    source = Path(__file__).read_text()
    for block in blocks:
        if block.startswith("# run:"):
            continue
        assert block in source, block[:200]
