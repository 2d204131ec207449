"""Node reports: ReportContractResources (RR-xx) and AddNruReports (NR-xx), spec/contracts.md."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sc4it import calls as c
from sc4it import events as ev
from sc4it.contracts.billing.cost import nu_cost_units_usd as _nu_cost
from sc4it.kernel.errors import Error
from sc4it.kernel.fixed import U64_MAX
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    Contract,
    ContractBillingInformation,
    ContractResources,
    GracePeriod,
    NruConsumption,
    Policy,
    PricingPolicy,
    Resources,
    Unit,
)

from .world import base, call, edit, err, name_contract, node_contract, now_of, ok, rent_contract

GIB = 1 << 30
RES = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)


def nu_cost_units_usd(policy: PricingPolicy, nru: int, window: int) -> int:
    """NR-10 over TFChain's reference period (3600 s)."""
    return _nu_cost(policy, nru, window, 3600)


def _policy(nu: int, unit: Unit = Unit.Gigabytes, pid: int = 1) -> PricingPolicy:
    p = base().pricing_policies[1]
    return attrs.evolve(p, id=pid, nu=Policy(nu, unit))


def _reference_nu_cost(nru: int, window: int, value: int, factor: int) -> int:
    """NR-10 re-derived with plain integers (bits of U64F64 = value · 2^64)."""
    one = 1 << 64
    used = (nru * one) // factor  # FX(nru) / factor: floor(bits / factor)
    price = (value * one * one) // (3600 * one)  # FX(v) ⊘ FX(3600)
    x = (used * price) >> 64
    x = (x * (window * one)) >> 64
    return (x + (1 << 63)) >> 64


# --- NU cost ---------------------------------------------------------------------------------------


def test_nr10_worked_numbers() -> None:
    """NR-10: spec/tfchain.md numbers with TFChain's mock policy (nu 50 000 mUSD per GB·h)."""
    mock = _policy(50_000)
    assert nu_cost_units_usd(mock, 123_456_789, 300) == 514
    assert nu_cost_units_usd(mock, 10**9, 3600) == 50_000
    assert nu_cost_units_usd(mock, 0, 3600) == 0
    assert nu_cost_units_usd(mock, 10**9, 0) == 0
    # units use base 1000 for NU
    assert nu_cost_units_usd(_policy(50_000, Unit.Megabytes), 10**6, 3600) == 50_000


@given(
    nru=st.integers(0, 10**13),
    window=st.integers(0, 10**6),
    value=st.integers(0, 10**6),
    unit=st.sampled_from(list(Unit)),
)
def test_nr10_matches_integer_derivation(nru: int, window: int, value: int, unit: Unit) -> None:
    """NR-10: the formula equals an independent integer derivation."""
    expected = _reference_nu_cost(nru, window, value, unit.factor_base_1000())
    assert nu_cost_units_usd(_policy(value, unit), nru, window) == expected


def test_nr10_overflow() -> None:
    """NR-10 / DEV-REP-2: an intermediate past U64F64 raises OverflowError instead of wrapping (the
    report handler turns it into NumOverflow, NR-08)."""
    with pytest.raises(OverflowError):
        nu_cost_units_usd(_policy(4_000_000_000, Unit.Bytes), U64_MAX, U64_MAX)


# --- ReportContractResources ---------------------------------------------------------------------


def test_rr07_report_resources() -> None:
    """RR-04, RR-07: stored and announced; a report for a missing contract is skipped; a later report
    replaces the earlier one; a contract in grace can be reported."""
    s, a = node_contract(base(), "alice", node=1)
    cid = a.contract_id
    entry = ContractResources(cid, RES)
    s, events = ok(call(s, "node-1", c.ReportContractResources((ContractResources(999, RES), entry))))
    assert events == (ev.UpdatedUsedResources(entry),)
    assert s.node_contract_resources[cid] == entry
    s = edit(s, lambda tx: tx.contracts.__setitem__(cid, _grace(tx.contracts[cid])))
    newer = ContractResources(cid, Resources(cru=1))
    s, _ = ok(call(s, "node-1", c.ReportContractResources((newer,))))
    assert s.node_contract_resources[cid] == newer


def test_rr_errors_in_order() -> None:
    """RR-01 RR-02 RR-03 RR-04 RR-05 RR-06 MIG-40."""
    s, a = node_contract(base(), "alice", node=1)
    s, n = name_contract(s, "alice", b"alicename")
    entry = ContractResources(a.contract_id, RES)
    too_many = (entry,) * (s.config.max_reports_per_call + 1)
    assert err(call(s, "eve", c.ReportContractResources(too_many)), s) is Error.TooManyReports
    s_ok, _ = ok(call(s, "node-1", c.ReportContractResources((entry,) * s.config.max_reports_per_call)))
    assert err(call(s, "eve", c.ReportContractResources((entry,))), s) is Error.TwinNotExists
    assert err(call(s, "alice", c.ReportContractResources((entry,))), s) is Error.NodeNotExists
    out = call(s, "node-1", c.ReportContractResources((ContractResources(n.contract_id, RES),)))
    assert err(out, s) is Error.InvalidContractType
    # RR-06 / MIG-40: an entry for a contract on another node is skipped, not an error
    s_other, events = ok(call(s, "node-2", c.ReportContractResources((entry,))))
    assert events == ()
    assert a.contract_id not in s_other.node_contract_resources
    # a failing entry after a good one fails the whole call
    out = call(s, "node-1", c.ReportContractResources((entry, ContractResources(n.contract_id, RES))))
    assert err(out, s) is Error.InvalidContractType
    assert s_ok.node_contract_resources[a.contract_id] == entry


# --- AddNruReports ---------------------------------------------------------------------------------


def test_nr08_accumulates_with_farm_policy() -> None:
    """NR-05, NR-08, NR-09: cost added to amount_unbilled, last_updated moves, event per report; the
    farm's pricing policy is used (here policy 2, not policy 1)."""
    s, a = node_contract(base(), "alice", node=1, block=1)
    cid = a.contract_id
    t = now_of(5)
    reports = (NruConsumption(cid, t, 300, 123_456_789), NruConsumption(cid, t + 60, 3600, 10**9))
    s1, events = ok(call(s, "node-1", c.AddNruReports(reports), block=5))
    p1 = s.pricing_policies[1]
    expected = nu_cost_units_usd(p1, 123_456_789, 300) + nu_cost_units_usd(p1, 10**9, 3600)
    assert s1.contract_billing_information_by_id[cid] == ContractBillingInformation(0, t + 60, expected)
    assert events == tuple(ev.NruConsumptionReportReceived(r) for r in reports)

    def farm_policy_2(tx: Tx) -> None:
        policy = attrs.evolve(_policy(50_000, pid=2), name=b"policy-two")
        tx.pricing_policies[2] = policy
        tx.pricing_policy_id_by_name[policy.name] = 2
        tx.pricing_policy_id = 2
        f = tx.farms[1]
        tx.farms[1] = attrs.evolve(f, pricing_policy_id=2)

    s2 = edit(s, farm_policy_2)
    s2, _ = ok(call(s2, "node-1", c.AddNruReports(reports[:1]), block=5))
    assert s2.contract_billing_information_by_id[cid].amount_unbilled == 514


def test_nr08_out_of_date_reports_ignored() -> None:
    """NR-08/NR-09: a report older than last_updated is ignored (but still announced); an equal timestamp
    counts; within a batch the second report sees the first's timestamp."""
    s, a = node_contract(base(), "alice", node=1, block=10)
    cid = a.contract_id
    created_at = now_of(10)
    old = NruConsumption(cid, created_at - 1, 300, 10**9)
    s1, events = ok(call(s, "node-1", c.AddNruReports((old,)), block=11))
    assert s1.contract_billing_information_by_id[cid] == s.contract_billing_information_by_id[cid]
    assert events == (ev.NruConsumptionReportReceived(old),)
    same = NruConsumption(cid, created_at, 300, 10**9)
    s2, _ = ok(call(s, "node-1", c.AddNruReports((same,)), block=11))
    cost = nu_cost_units_usd(s.pricing_policies[1], 10**9, 300)
    assert cost > 0
    assert s2.contract_billing_information_by_id[cid].amount_unbilled == cost
    later = NruConsumption(cid, created_at + 100, 300, 10**9)
    earlier = NruConsumption(cid, created_at + 50, 300, 10**9)
    s3, events3 = ok(call(s, "node-1", c.AddNruReports((later, earlier)), block=11))
    assert s3.contract_billing_information_by_id[cid] == ContractBillingInformation(0, created_at + 100, cost)
    assert len(events3) == 2


def test_nr06_skips() -> None:
    """NR-06: missing contracts and contracts without billing information (rent) are skipped silently."""
    s, rent = rent_contract(base(), "alice", 1)
    out = call(
        s,
        "node-1",
        c.AddNruReports((NruConsumption(999, 1, 1, 1), NruConsumption(rent.contract_id, 1, 1, 1))),
    )
    _, events = ok(out)
    assert events == ()


def test_nr_errors_in_order() -> None:
    """NR-01 NR-02 NR-03 NR-04 NR-05, NR-07, MIG-41."""
    s, a = node_contract(base(), "alice", node=1)
    cid = a.contract_id
    r = NruConsumption(cid, now_of(2), 60, 1000)
    too_many = (r,) * (s.config.max_reports_per_call + 1)
    assert err(call(s, "eve", c.AddNruReports(too_many)), s) is Error.TooManyReports
    assert err(call(s, "eve", c.AddNruReports((r,))), s) is Error.TwinNotExists
    assert err(call(s, "alice", c.AddNruReports((r,))), s) is Error.NodeNotExists
    s_nofarm = edit(s, lambda tx: tx.farms.pop(1))
    assert err(call(s_nofarm, "node-1", c.AddNruReports((r,))), s_nofarm) is Error.FarmNotExists
    s_nopolicy = edit(s, lambda tx: tx.pricing_policies.pop(1))
    assert err(call(s_nopolicy, "node-1", c.AddNruReports((r,))), s_nopolicy) is Error.PricingPolicyNotExists
    # NR-07 / MIG-41: a report for a contract on another node is skipped, not an error
    s_other, events = ok(call(s, "node-2", c.AddNruReports((r,))))
    assert events == ()
    assert s_other.contract_billing_information_by_id[cid] == s.contract_billing_information_by_id[cid]
    # a name contract that (by a direct write) has billing information: InvalidContractType
    s_name, n = name_contract(s, "alice", b"alicename")
    s_name = edit(
        s_name,
        lambda tx: tx.contract_billing_information_by_id.__setitem__(
            n.contract_id, ContractBillingInformation()
        ),
    )
    out = call(s_name, "node-1", c.AddNruReports((r, NruConsumption(n.contract_id, 1, 1, 1))))
    assert err(out, s_name) is Error.InvalidContractType


def test_nr08_num_overflow() -> None:
    """NR-08 / DEV-REP-2: amount_unbilled past u64, or a cost past U64F64, fails with NumOverflow."""
    s, a = node_contract(base(), "alice", node=1)
    cid = a.contract_id

    def nearly_full(tx: Tx) -> None:
        info = tx.contract_billing_information_by_id[cid]
        tx.contract_billing_information_by_id[cid] = ContractBillingInformation(0, info.last_updated, U64_MAX)

    s1 = edit(s, nearly_full)
    out = call(s1, "node-1", c.AddNruReports((NruConsumption(cid, now_of(3), 3600, 10**9),)))
    assert err(out, s1) is Error.NumOverflow
    out = call(s, "node-1", c.AddNruReports((NruConsumption(cid, now_of(3), U64_MAX, U64_MAX),)))
    assert err(out, s) is Error.NumOverflow


def _grace(contract: Contract) -> Contract:
    return Contract(
        contract.version,
        GracePeriod(1),
        contract.contract_id,
        contract.twin_id,
        contract.contract_type,
        contract.solution_provider_id,
    )
