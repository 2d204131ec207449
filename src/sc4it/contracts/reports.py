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
from sc4it.kernel.types import ContractBillingInformation, NodeContract, NruConsumption, PricingPolicy
from sc4it.reads import caller_twin_id, node_and_farm


def _node_of_caller(tx: Tx) -> tuple[int, int | None]:
    """The caller's twin (`TwinNotExists`) and the node that twin runs, if any."""
    twin_id = caller_twin_id(tx)
    return twin_id, tx.node_id_by_twin_id.get(twin_id)


def handle_report_contract_resources(tx: Tx, call: c.ReportContractResources) -> None:
    """RR-01..RR-07."""
    if len(call.contract_resources) > tx.config.max_reports_per_call:  # RR-01, DEV-REP-1
        fail(Error.TooManyReports)
    _, node_id = _node_of_caller(tx)  # RR-02
    if node_id is None:  # RR-03
        fail(Error.NodeNotExists)
    for entry in call.contract_resources:
        contract = tx.contracts.get(entry.contract_id)
        if contract is None:  # RR-04
            continue
        nc = contract.contract_type
        if not isinstance(nc, NodeContract):  # RR-05
            fail(Error.InvalidContractType)
        if nc.node_id != node_id:  # RR-06, MIG-40
            continue
        tx.node_contract_resources[entry.contract_id] = entry  # RR-07
        tx.emit(UpdatedUsedResources(entry))


def handle_add_nru_reports(tx: Tx, call: c.AddNruReports) -> None:
    """NR-01..NR-09."""
    if len(call.reports) > tx.config.max_reports_per_call:  # NR-01, DEV-REP-1
        fail(Error.TooManyReports)
    _, node_id = _node_of_caller(tx)  # NR-02
    node_id = node_id or 0  # NR-03
    _, farm = node_and_farm(tx, node_id)  # NR-03, NR-04
    policy = tx.pricing_policies.get(farm.pricing_policy_id)
    if policy is None:  # NR-05
        fail(Error.PricingPolicyNotExists)
    period = tx.config.billing_reference_period
    for report in call.reports:
        contract = tx.contracts.get(report.contract_id)
        if contract is None:  # NR-06
            continue
        info = tx.contract_billing_information_by_id.get(report.contract_id)
        if info is None:  # NR-06
            continue
        nc = contract.contract_type
        if not isinstance(nc, NodeContract):  # NR-07
            fail(Error.InvalidContractType)
        if nc.node_id != node_id:  # NR-07, MIG-41
            continue
        updated = add_nru_cost(info, policy, report, period)  # NR-08
        if updated is not info:
            tx.contract_billing_information_by_id[report.contract_id] = updated
        tx.emit(NruConsumptionReportReceived(report))  # NR-09


def add_nru_cost(
    info: ContractBillingInformation, policy: PricingPolicy, report: NruConsumption, period: int
) -> ContractBillingInformation:
    """NR-08: a report older than `info` (`timestamp < last_updated`) leaves it as it is; otherwise the
    report's NU cost (NR-10, priced with `policy` over the reference `period`) joins `amount_unbilled`
    (`NumOverflow` past u64, DEV-REP-2) and `last_updated = timestamp`."""
    if report.timestamp < info.last_updated:
        return info
    try:
        unbilled = info.amount_unbilled + nu_cost_units_usd(policy, report.nru, report.window, period)
    except OverflowError:
        fail(Error.NumOverflow)  # NR-08, DEV-REP-2
    if unbilled > U64_MAX:
        fail(Error.NumOverflow)  # NR-08
    return info.with_nu_report(report.timestamp, unbilled)


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.ReportContractResources: handle_report_contract_resources,
    c.AddNruReports: handle_add_nru_reports,
}
