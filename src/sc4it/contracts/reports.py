"""Node reports (spec/contracts.md, rules RR-xx and NR-xx): TFChain's `report_contract_resources` and
`add_nru_reports`, and the NU cost formula (spec/tfchain.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import NruConsumptionReportReceived, UpdatedUsedResources
from sc4it.kernel.fixed import U64_MAX, fx_div, fx_div_int, fx_from_int, fx_mul, fx_round, fx_to_int
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import ContractBillingInformation, NodeContract, PricingPolicy

BILLING_REFERENCE_PERIOD = 3600
"""TFChain's `BillingReferencePeriod`: pricing-policy values are per this many seconds."""


def nu_cost_units_usd(
    policy: PricingPolicy, nru: int, window: int, reference_period: int = BILLING_REFERENCE_PERIOD
) -> int:
    """NR-10: the cost in units USD (1 mUSD = 10 000 units) of `nru` bytes of traffic over `window`
    seconds, bit-exact with TFChain (U64F64, each step truncating):

        used = FX(nru) / factor_base_1000(nu.unit)          # fixed ÷ integer
        cost = round( (used ⊗ (FX(nu.value) ⊘ FX(reference_period))) ⊗ FX(window) )

    `round` is ties-away-from-zero and the result is its integer part. TFChain's release build would
    wrap on overflow; sc4it fails with `NumOverflow` instead (DEV-REP-2)."""
    try:
        used = fx_div_int(fx_from_int(nru), policy.nu.unit.factor_base_1000())
        price = fx_div(fx_from_int(policy.nu.value), fx_from_int(reference_period))
        cost = fx_mul(fx_mul(used, price), fx_from_int(window))
        return fx_to_int(fx_round(cost))
    except OverflowError:
        fail(Error.NumOverflow)


def _node_of_caller(tx: Tx) -> tuple[int, int | None]:
    """The caller's twin (`TwinNotExists`) and the node that twin runs, if any."""
    twin_id = tx.twin_id_by_account_id.get(tx.who)
    if twin_id is None:
        fail(Error.TwinNotExists)
    return twin_id, tx.node_id_by_twin_id.get(twin_id)


def handle_report_contract_resources(tx: Tx, call: c.ReportContractResources) -> None:
    """RR-01..RR-07. Origin: signed, a node's twin. In order: RR-01 at most `max_reports_per_call`
    entries (`TooManyReports`, DEV-REP-1); RR-02 the caller has a twin (`TwinNotExists`); RR-03 that
    twin runs a node (`NodeNotExists`). Then each entry in order: RR-04 an entry for a missing contract
    is skipped; RR-05 the contract must be a node contract (`InvalidContractType`); RR-06 an entry for a
    contract on another node is skipped too (MIG-40); RR-07 the entry replaces the contract's reported
    resources (whatever its state) and event `UpdatedUsedResources(entry)`. A failing entry fails the
    whole call."""
    if len(call.contract_resources) > tx.config.max_reports_per_call:
        fail(Error.TooManyReports)
    _, node_id = _node_of_caller(tx)
    if node_id is None:
        fail(Error.NodeNotExists)
    for entry in call.contract_resources:
        contract = tx.contracts.get(entry.contract_id)
        if contract is None:
            continue
        nc = contract.contract_type
        if not isinstance(nc, NodeContract):  # RR-05
            fail(Error.InvalidContractType)
        if nc.node_id != node_id:  # RR-06, MIG-40: a contract on another node is skipped
            continue
        tx.node_contract_resources[entry.contract_id] = entry
        tx.emit(UpdatedUsedResources(entry))


def handle_add_nru_reports(tx: Tx, call: c.AddNruReports) -> None:
    """NR-01..NR-09. Origin: signed, a node's twin. In order: NR-01 at most `max_reports_per_call`
    reports (`TooManyReports`, DEV-REP-1); NR-02 the caller has a twin (`TwinNotExists`); NR-03 its node
    exists (`NodeNotExists`; a twin without a node looks up node 0); NR-04 the node's farm exists
    (`FarmNotExists`); NR-05 the farm's pricing policy exists (`PricingPolicyNotExists`; NU is priced
    with the farm's policy, billing uses policy 1, reference P-E). Then each report in order: NR-06 a
    report for a missing contract, or one without billing information (name and rent contracts), is
    skipped; NR-07 the contract must be a node contract (`InvalidContractType`), and a report for a contract
    on another node is skipped (MIG-41); NR-08 a report older than the contract's billing information
    (`timestamp < last_updated`) is ignored, otherwise its cost (NR-10) is added to `amount_unbilled`
    (`NumOverflow` past u64, DEV-REP-2) and `last_updated = timestamp`; NR-09 event
    `NruConsumptionReportReceived(report)` for every report not skipped, ignored ones included. The
    `window` is taken as given (reference P-K)."""
    if len(call.reports) > tx.config.max_reports_per_call:
        fail(Error.TooManyReports)
    _, node_id = _node_of_caller(tx)
    node_id = node_id or 0
    node = tx.nodes.get(node_id)
    if node is None:
        fail(Error.NodeNotExists)
    farm = tx.farms.get(node.farm_id)
    if farm is None:
        fail(Error.FarmNotExists)
    policy = tx.pricing_policies.get(farm.pricing_policy_id)
    if policy is None:
        fail(Error.PricingPolicyNotExists)
    reference_period = tx.config.billing_reference_period
    for report in call.reports:
        contract = tx.contracts.get(report.contract_id)
        if contract is None:
            continue
        info = tx.contract_billing_information_by_id.get(report.contract_id)
        if info is None:
            continue
        nc = contract.contract_type
        if not isinstance(nc, NodeContract):  # NR-07
            fail(Error.InvalidContractType)
        if nc.node_id != node_id:  # NR-07, MIG-41: a contract on another node is skipped
            continue
        if report.timestamp >= info.last_updated:
            cost = nu_cost_units_usd(policy, report.nru, report.window, reference_period)
            unbilled = info.amount_unbilled + cost
            if unbilled > U64_MAX:
                fail(Error.NumOverflow)
            tx.contract_billing_information_by_id[report.contract_id] = ContractBillingInformation(
                info.previous_nu_reported, report.timestamp, unbilled
            )
        tx.emit(NruConsumptionReportReceived(report))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.ReportContractResources: handle_report_contract_resources,
    c.AddNruReports: handle_add_nru_reports,
}
