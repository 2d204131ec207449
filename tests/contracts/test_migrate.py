"""Node contract migration (spec/migration.md): the council moves a Created node contract to another
node of the same farm. Default world: nodes 1, 2 (Certified), 4 on farm 1; node 3 on the dedicated farm 2."""

from __future__ import annotations

import attrs

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.errors import Error
from sc4it.kernel.state import State
from sc4it.kernel.types import Contract, ContractResources, GracePeriod, NodeContract, Resources

from .world import (
    H,
    base,
    call,
    council_call,
    edit,
    err,
    node_contract,
    now_of,
    ok,
    rent_contract,
    set_standby,
)

GIB = 1 << 30
USED = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)


def with_usage(state: State, cid: int) -> State:
    return edit(state, lambda tx: tx.node_contract_resources.__setitem__(cid, ContractResources(cid, USED)))


def test_migration_moves_the_booking() -> None:
    """MIG-20 MIG-22 MIG-23 MIG-24 MIG-25 MIG-27: billed first at the source (Certified node 2), then the
    contract, its hash key and its place in the active sets move to node 4; IPs, reports, NU accumulator
    and reserves stay; the clock restarts; ContractUpdated last."""
    s, a = node_contract(base(), "alice", node=2, ips=1, h=1)
    cid = a.contract_id
    s = with_usage(s, cid)
    s, _ = ok(call(s, "bob", c.BillContractForBlock(cid), 600))
    assert isinstance(a.contract_type, NodeContract)
    ips_before = a.contract_type.public_ips_list
    s, events = ok(council_call(s, c.MigrateNodeContract(cid, 4, None), 1200))
    moved = s.contracts[cid]
    nc = moved.contract_type
    assert isinstance(nc, NodeContract)
    assert (nc.node_id, nc.deployment_hash, nc.public_ips_list) == (4, H(1), ips_before)
    assert type(events[0]) is ev.ContractBilled  # MIG-20: the source period is settled first
    assert events[-1] == ev.ContractUpdated(moved)
    assert (2, H(1)) not in s.contract_id_by_node_id_and_hash
    assert s.contract_id_by_node_id_and_hash[(4, H(1))] == cid
    assert 2 not in s.active_node_contracts
    assert cid in s.active_node_contracts[4]
    assert s.node_contract_resources[cid] == ContractResources(cid, USED)
    assert s.contract_payment_state[cid].last_updated_seconds == now_of(1200)
    assert s.farms[1].public_ips[0].contract_id == cid


def test_bill_at_the_source_basis() -> None:
    """MIG-20 MIG-25: the period before the move is billed at the source's certification (Certified,
    +25%), the period after at the destination's (Diy), same footprint."""
    s, a = node_contract(base(), "alice", node=2, h=1)
    cid = a.contract_id
    s = with_usage(s, cid)
    s, events = ok(council_call(s, c.MigrateNodeContract(cid, 4, None), 600))
    first = next(e for e in events if isinstance(e, ev.ContractBilled)).contract_bill.amount_billed
    s, events = ok(call(s, "bob", c.BillContractForBlock(cid), 1199))
    second = next(e for e in events if isinstance(e, ev.ContractBilled)).contract_bill.amount_billed
    # same seconds (599 and 599) at 5/4 versus 1: the first bill is 25% higher (up to rounding)
    assert abs(first * 4 - second * 5) <= 10


def test_new_hash_and_deployment_flag() -> None:
    """MIG-09 MIG-22 MIG-26: a new hash re-keys the index; the deployment confirmation is dropped."""
    s, a = node_contract(base(), "alice", node=1, h=1)
    cid = a.contract_id
    s, _ = ok(call(s, "node-1", c.ConfirmDeployment(cid), 2))
    assert cid in s.deployed_contracts
    s, _ = ok(council_call(s, c.MigrateNodeContract(cid, 4, H(7)), 3))
    assert s.contract_id_by_node_id_and_hash[(4, H(7))] == cid
    assert (1, H(1)) not in s.contract_id_by_node_id_and_hash
    assert cid not in s.deployed_contracts


def test_errors_in_order() -> None:
    """MIG-01 MIG-02 MIG-03 MIG-04 MIG-05 MIG-09 MIG-10: origin, contract, type, state, same node, nodes,
    farm, destination key (strict: a Deleted contract's key counts too)."""
    s, a = node_contract(base(), "alice", node=1, h=1)
    cid = a.contract_id
    s, _ = node_contract(s, "bob", node=4, h=1)
    assert err(call(s, "alice", c.MigrateNodeContract(cid, 4, None)), s) is Error.BadOrigin
    assert err(council_call(s, c.MigrateNodeContract(99, 4, None)), s) is Error.ContractNotExists
    s_name, _ = ok(call(s, "alice", c.CreateNameContract(b"alicename")))
    name_id = s_name.contract_id
    out = council_call(s_name, c.MigrateNodeContract(name_id, 4, None))
    assert err(out, s_name) is Error.InvalidContractType
    grace = edit(s, lambda tx: tx.contracts.__setitem__(cid, _in_grace(tx.contracts[cid])))
    assert (
        err(council_call(grace, c.MigrateNodeContract(cid, 4, None)), grace)
        is Error.ContractNotInCreatedState
    )
    assert err(council_call(s, c.MigrateNodeContract(cid, 1, None)), s) is Error.ContractAlreadyOnNode
    assert err(council_call(s, c.MigrateNodeContract(cid, 99, None)), s) is Error.NodeNotExists
    nosrc = edit(s, lambda tx: tx.nodes.pop(1))
    assert err(council_call(nosrc, c.MigrateNodeContract(cid, 4, None)), nosrc) is Error.NodeNotExists
    assert err(council_call(s, c.MigrateNodeContract(cid, 3, None)), s) is Error.NodeNotInSameFarm
    assert err(council_call(s, c.MigrateNodeContract(cid, 4, None)), s) is Error.ContractIsNotUnique
    ok(council_call(s, c.MigrateNodeContract(cid, 4, H(2))))


def _in_grace(contract: Contract) -> Contract:
    return attrs.evolve(contract, state=GracePeriod(1))


def test_opted_out_rented_standby_dedicated() -> None:
    """MIG-06 MIG-07 MIG-08: opted-out source or destination (NodeIsOptedOutOfV3Billing, before the rent
    check); rented source or destination, standby or dedicated destination (NodeNotAvailableToDeploy);
    a standby source is fine."""
    s, a = node_contract(base(), "alice", node=1, h=1)
    cid = a.contract_id
    mig = c.MigrateNodeContract(cid, 4, None)
    src_out, _ = ok(call(s, "farmer-1", c.OptOutOfV3Billing(1), 2))
    assert err(council_call(src_out, mig, 3), src_out) is Error.NodeIsOptedOutOfV3Billing
    dst_out, _ = ok(call(s, "farmer-1", c.OptOutOfV3Billing(4), 2))
    assert err(council_call(dst_out, mig, 3), dst_out) is Error.NodeIsOptedOutOfV3Billing
    rented, _ = rent_contract(s, "bob", 4, block=2)
    assert err(council_call(rented, mig, 3), rented) is Error.NodeNotAvailableToDeploy
    both, _ = ok(call(rented, "farmer-1", c.OptOutOfV3Billing(4), 3))
    assert err(council_call(both, mig, 4), both) is Error.NodeIsOptedOutOfV3Billing
    src_rented = edit(s, lambda tx: tx.active_rent_contract_for_node.__setitem__(1, 99))
    assert err(council_call(src_rented, mig, 3), src_rented) is Error.NodeNotAvailableToDeploy
    standby = set_standby(s, 4)
    assert err(council_call(standby, mig, 3), standby) is Error.NodeNotAvailableToDeploy
    target_down = set_standby(s, 4, down=False, target_down=True)
    assert err(council_call(target_down, mig, 3), target_down) is Error.NodeNotAvailableToDeploy
    dedicated = edit(s, lambda tx: tx.dedicated_nodes_extra_fee.__setitem__(4, 10))
    assert err(council_call(dedicated, mig, 3), dedicated) is Error.NodeNotAvailableToDeploy
    ok(council_call(set_standby(s, 1), mig, 3))


def test_underfunded_twin_fails_and_leaves_nothing() -> None:
    """MIG-21: when the migration's own bill puts the contract in grace, the call fails with
    ContractNotInCreatedState and nothing is left, not even the bill."""
    s, a = node_contract(base(), "charlie", node=1, ips=1, h=1)
    cid = a.contract_id
    s = with_usage(s, cid)
    out = council_call(s, c.MigrateNodeContract(cid, 4, None), 5000)
    assert err(out, s) is Error.ContractNotInCreatedState
    s, _ = ok(call(s, "bob", c.BillContractForBlock(cid), 5000))
    assert isinstance(s.contracts[cid].state, GracePeriod)


def test_missing_payment_state_fails() -> None:
    """MIG-20: a contract without a payment state cannot be billed, so it cannot migrate
    (ContractPaymentStateNotExists)."""
    s, a = node_contract(base(), "alice", node=1, h=1)
    cid = a.contract_id
    broken = edit(s, lambda tx: tx.contract_payment_state.pop(cid))
    out = council_call(broken, c.MigrateNodeContract(cid, 4, None), 3)
    assert err(out, broken) is Error.ContractPaymentStateNotExists


def test_reports_after_migration() -> None:
    """MIG-40 MIG-41 RR-06 NR-07: after the move the source node's reports skip the contract (and still
    apply to its other contracts); the destination's reports apply."""
    from sc4it.kernel.types import NruConsumption

    s, a = node_contract(base(), "alice", node=1, h=1)
    s, b = node_contract(s, "bob", node=1, h=2)
    s, _ = ok(council_call(s, c.MigrateNodeContract(a.contract_id, 4, None), 2))
    entries = (ContractResources(a.contract_id, USED), ContractResources(b.contract_id, USED))
    s1, events = ok(call(s, "node-1", c.ReportContractResources(entries), 3))
    assert events == (ev.UpdatedUsedResources(entries[1]),)
    assert a.contract_id not in s1.node_contract_resources
    _, events = ok(call(s, "node-4", c.ReportContractResources(entries[:1]), 3))
    assert events == (ev.UpdatedUsedResources(entries[0]),)
    report = NruConsumption(a.contract_id, now_of(3), 60, 10**9)
    _, events = ok(call(s, "node-1", c.AddNruReports((report,)), 3))
    assert events == ()
    s4, events = ok(call(s, "node-4", c.AddNruReports((report,)), 3))
    assert events == (ev.NruConsumptionReportReceived(report),)
    assert s4.contract_billing_information_by_id[a.contract_id].amount_unbilled > 0


def test_source_can_power_down_after_migration() -> None:
    """MIG-23: once its only contract has moved, the source node has no active contract and its farmer
    may power it down (PWR-10)."""
    from sc4it.kernel.types import Power

    s, a = node_contract(base(), "alice", node=1, h=1)
    assert err(call(s, "farmer-1", c.ChangePowerTarget(1, Power.Down), 2), s) is Error.NodeHasActiveContracts
    s, _ = ok(council_call(s, c.MigrateNodeContract(a.contract_id, 4, None), 2))
    ok(call(s, "farmer-1", c.ChangePowerTarget(1, Power.Down), 3))
