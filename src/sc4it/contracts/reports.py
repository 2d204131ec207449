"""Node reports (spec/contracts.md, rules RR-xx and NR-xx): TFChain's `report_contract_resources` and
`add_nru_reports`. The NU cost formula (NR-10) is billing's (`billing.cost.nu_cost_units_usd`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.contracts.billing.cost import nu_cost_units_usd
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import NruConsumptionReportReceived, UpdatedUsedResources
from sc4it.kernel.fixed import U64_MAX
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import ContractBillingInformation, NodeContract
from sc4it.reads import caller_twin_id


def _node_of_caller(tx: Tx) -> tuple[int, int | None]:
    """The caller's twin (`TwinNotExists`) and the node that twin runs, if any."""
    twin_id = caller_twin_id(tx)
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
    period = tx.config.billing_reference_period
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
            try:
                unbilled = info.amount_unbilled + nu_cost_units_usd(policy, report.nru, report.window, period)
            except OverflowError:
                fail(Error.NumOverflow)  # NR-08, DEV-REP-2
            if unbilled > U64_MAX:
                fail(Error.NumOverflow)  # NR-08
            tx.contract_billing_information_by_id[report.contract_id] = ContractBillingInformation(
                info.previous_nu_reported, report.timestamp, unbilled
            )
        tx.emit(NruConsumptionReportReceived(report))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.ReportContractResources: handle_report_contract_resources,
    c.AddNruReports: handle_add_nru_reports,
}
