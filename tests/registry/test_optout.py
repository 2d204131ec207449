"""V3 billing opt-out (spec/opt-out.md): the farmer's opt-out, the council's twin admins, the opt-out
metadata, the deployment guard and the billing waiver, through signed calls on the default world.

Default world: farm 1 (farmer-1) holds nodes 1, 2, 4; farm 2 (farmer-2, dedicated) holds node 3."""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it.conformance.invariants import check
from sc4it.kernel.errors import Error
from sc4it.kernel.state import MAX_TWIN_ADMINS, State
from sc4it.kernel.types import ContractBill, ContractResources, DiscountLevel, GracePeriod, Resources

from ..contracts.world import (
    H,
    acc,
    base,
    call,
    council_call,
    edit,
    err,
    node_contract,
    now_of,
    ok,
    rent_contract,
)

GIB = 1 << 30


def opted_out(state: State, node: int = 1, block: int = 1) -> State:
    farmer = "farmer-1" if node != 3 else "farmer-2"
    state, _ = ok(call(state, farmer, c.OptOutOfV3Billing(node), block))
    return state


def test_opt_out_stores_the_time_and_emits() -> None:
    """OPT-01 OPT-14: the node maps to the block time in seconds; event NodeV3BillingOptedOut."""
    s, events = ok(call(base(), "farmer-1", c.OptOutOfV3Billing(2), block=7))
    assert dict(s.node_v3_billing_opt_out.items()) == {2: now_of(7)}
    assert events == (ev.NodeV3BillingOptedOut(2, now_of(7)),)


def test_opt_out_errors_in_order() -> None:
    """OPT-10 OPT-11 OPT-12 OPT-13: no twin, missing node, missing farm, not the farmer, twice."""
    s = base()
    assert err(call(s, "eve", c.OptOutOfV3Billing(1)), s) is Error.TwinNotExists
    assert err(call(s, "farmer-1", c.OptOutOfV3Billing(99)), s) is Error.NodeNotExists
    nofarm = edit(s, lambda tx: tx.farms.pop(1))
    assert err(call(nofarm, "farmer-1", c.OptOutOfV3Billing(1)), nofarm) is Error.FarmNotExists
    assert err(call(s, "farmer-2", c.OptOutOfV3Billing(1)), s) is Error.NodeUpdateNotAuthorized
    assert err(call(s, "alice", c.OptOutOfV3Billing(1)), s) is Error.NodeUpdateNotAuthorized
    s = opted_out(s, 1)
    assert err(call(s, "farmer-1", c.OptOutOfV3Billing(1), 2), s) is Error.NodeV3BillingOptOutAlreadyEnabled


def test_twin_admins_add_and_remove() -> None:
    """OPT-02 OPT-15 OPT-16: council only; no duplicates; removing a non-member fails; events."""
    s = base()
    who = acc("eve")
    assert err(call(s, "alice", c.AddTwinAdmin(who)), s) is Error.BadOrigin
    assert err(council_call(s, c.RemoveTwinAdmin(who)), s) is Error.NotTwinAdmin  # empty list
    s, events = ok(council_call(s, c.AddTwinAdmin(who)))
    assert events == (ev.TwinAdminAdded(who),)
    assert who in s.allowed_twin_admins
    assert err(council_call(s, c.AddTwinAdmin(who)), s) is Error.AlreadyTwinAdmin
    assert err(council_call(s, c.RemoveTwinAdmin(acc("alice"))), s) is Error.NotTwinAdmin
    assert err(call(s, "alice", c.RemoveTwinAdmin(who)), s) is Error.BadOrigin
    s, events = ok(council_call(s, c.RemoveTwinAdmin(who)))
    assert events == (ev.TwinAdminRemoved(who),)
    assert len(s.allowed_twin_admins) == 0


def test_twin_admin_list_is_bounded() -> None:
    """OPT-02 OPT-15 INV-14: the list holds at most MAX_TWIN_ADMINS accounts (TwinAdminListFull)."""
    s = base()

    def fill(tx: object) -> None:
        admins = tx.allowed_twin_admins  # type: ignore[attr-defined]
        for i in range(MAX_TWIN_ADMINS):
            admins = admins.add(bytes([i]) * 32)
        tx.allowed_twin_admins = admins  # type: ignore[attr-defined]

    full = edit(s, fill)
    assert check(full) == []
    assert err(council_call(full, c.AddTwinAdmin(acc("eve"))), full) is Error.TwinAdminListFull
    assert err(council_call(full, c.AddTwinAdmin(bytes([0]) * 32)), full) is Error.AlreadyTwinAdmin
    ok(council_call(full, c.RemoveTwinAdmin(bytes([0]) * 32)))


def test_metadata_set_replace_clear() -> None:
    """OPT-03 OPT-21 OPT-22 OPT-23: set (Set event), replace, clear with empty bytes (Cleared event,
    also when nothing is stored); 256 bytes fit."""
    s = opted_out(base(), 1)
    note = b'{"v4_account":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"}'
    s, events = ok(call(s, "farmer-1", c.SetNodeV3OptOutMetadata(1, note), 2))
    assert events == (ev.NodeV3OptOutMetadataSet(1, note),)
    assert s.node_v3_opt_out_metadata[1] == note
    s, _ = ok(call(s, "farmer-1", c.SetNodeV3OptOutMetadata(1, b"x" * 256), 3))
    assert s.node_v3_opt_out_metadata[1] == b"x" * 256
    s, events = ok(call(s, "farmer-1", c.SetNodeV3OptOutMetadata(1, b""), 4))
    assert events == (ev.NodeV3OptOutMetadataCleared(1),)
    assert 1 not in s.node_v3_opt_out_metadata
    s, events = ok(call(s, "farmer-1", c.SetNodeV3OptOutMetadata(1, b""), 5))
    assert events == (ev.NodeV3OptOutMetadataCleared(1),)


def test_metadata_errors_in_order() -> None:
    """OPT-20 OPT-21 OPT-23: the farmer checks first, then the opt-out, then the 256-byte bound (an
    over-long note on a node that has not opted out is NodeNotOptedOutOfV3Billing)."""
    s = base()
    long = b"y" * 257
    assert err(call(s, "eve", c.SetNodeV3OptOutMetadata(1, b"a")), s) is Error.TwinNotExists
    assert err(call(s, "farmer-1", c.SetNodeV3OptOutMetadata(99, b"a")), s) is Error.NodeNotExists
    nofarm = edit(s, lambda tx: tx.farms.pop(1))
    assert err(call(nofarm, "farmer-1", c.SetNodeV3OptOutMetadata(1, b"a")), nofarm) is Error.FarmNotExists
    assert err(call(s, "farmer-2", c.SetNodeV3OptOutMetadata(1, long)), s) is Error.NodeUpdateNotAuthorized
    assert err(call(s, "farmer-1", c.SetNodeV3OptOutMetadata(1, long)), s) is Error.NodeNotOptedOutOfV3Billing
    assert err(call(s, "farmer-1", c.SetNodeV3OptOutMetadata(1, b"")), s) is Error.NodeNotOptedOutOfV3Billing
    s = opted_out(s, 1)
    assert (
        err(call(s, "farmer-1", c.SetNodeV3OptOutMetadata(1, long), 2), s)
        is Error.NodeV3OptOutMetadataTooLong
    )


def test_node_deletion_forgets_opt_out_and_metadata() -> None:
    """OPT-04 INV-14 (DEV-REG-8): deleting an opted-out node removes its opt-out and metadata entries."""
    s = opted_out(base(), 4)
    s, _ = ok(call(s, "farmer-1", c.SetNodeV3OptOutMetadata(4, b"v4"), 2))
    s, events = ok(call(s, "farmer-1", c.DeleteNodeFarm(4), 3))
    assert 4 not in s.node_v3_billing_opt_out
    assert 4 not in s.node_v3_opt_out_metadata
    assert isinstance(events[-1], ev.NodeDeleted)


def test_inv14_detects_stray_entries() -> None:
    """INV-14: an opt-out entry of a missing node, metadata of a node that has not opted out, and an
    empty note are violations."""
    s = base()

    def stray(tx: object) -> None:
        tx.node_v3_billing_opt_out[99] = 1  # type: ignore[attr-defined]
        tx.node_v3_opt_out_metadata[2] = b"v4"  # type: ignore[attr-defined]
        tx.node_v3_billing_opt_out[1] = 1  # type: ignore[attr-defined]
        tx.node_v3_opt_out_metadata[1] = b""  # type: ignore[attr-defined]

    found = check(edit(s, stray))
    assert {v.rule for v in found} == {"INV-14"}
    assert {v.message for v in found} == {
        "opt-out entry of a missing node",
        "metadata of a node that has not opted out",
        "metadata of 0 bytes",
    }


# --- the deployment guard ----------------------------------------------------------------------------


def test_only_twin_admins_deploy_on_opted_out_nodes() -> None:
    """OPT-25 OPT-27: on an opted-out node a node contract needs a twin admin's account; other nodes are
    open; contracts already there stay and can be updated."""
    s, before = node_contract(base(), "alice", node=1, h=1)
    s = opted_out(s, 1, 2)
    out = call(s, "bob", c.CreateNodeContract(1, H(2), b"", 0, None), 3)
    assert err(out, s) is Error.OnlyTwinAdminCanDeployOnThisNode
    node_contract(s, "bob", node=2, h=2, block=3)  # node 2 did not opt out
    ok(call(s, "alice", c.UpdateNodeContract(before.contract_id, H(9), b"u"), 3))  # OPT-27
    s, _ = ok(council_call(s, c.AddTwinAdmin(acc("bob")), 3))
    s, created = node_contract(s, "bob", node=1, h=2, block=4)
    assert created.node_id() == 1


def test_guard_comes_after_standby_and_before_the_farm() -> None:
    """OPT-25: the standby check (NC-04) wins over the guard, the guard over a missing farm (NC-05)."""
    from ..contracts.world import set_standby

    s = opted_out(base(), 1)
    standby = set_standby(s, 1)
    out = call(standby, "bob", c.CreateNodeContract(1, H(2), b"", 0, None), 2)
    assert err(out, standby) is Error.NodeNotAvailableToDeploy
    nofarm = edit(s, lambda tx: tx.farms.pop(1))
    out = call(nofarm, "bob", c.CreateNodeContract(1, H(2), b"", 0, None), 2)
    assert err(out, nofarm) is Error.OnlyTwinAdminCanDeployOnThisNode


def test_rent_guard_between_farm_and_availability() -> None:
    """OPT-26: renting an opted-out node needs a twin admin; the guard comes after the farm check (RC-03)
    and before the availability check (RC-04)."""
    s = opted_out(base(), 3)
    assert err(call(s, "bob", c.CreateRentContract(3, None), 2), s) is Error.OnlyTwinAdminCanDeployOnThisNode
    nofarm = edit(s, lambda tx: tx.farms.pop(2))
    assert err(call(nofarm, "bob", c.CreateRentContract(3, None), 2), nofarm) is Error.FarmNotExists
    s1, _ = node_contract(base(), "alice", node=1)
    s1 = opted_out(s1, 1, 2)
    out = call(s1, "bob", c.CreateRentContract(1, None), 3)
    assert err(out, s1) is Error.OnlyTwinAdminCanDeployOnThisNode  # not NodeNotAvailableToDeploy
    s, _ = ok(council_call(s, c.AddTwinAdmin(acc("bob")), 2))
    rent_contract(s, "bob", 3, block=3)


# --- the billing waiver --------------------------------------------------------------------------------


def _with_usage(state: State, cid: int) -> State:
    used = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)
    return edit(state, lambda tx: tx.node_contract_resources.__setitem__(cid, ContractResources(cid, used)))


def test_created_contracts_on_opted_out_nodes_are_not_billed() -> None:
    """OPT-30 OPT-31 OPT-33 BIL-12: a Created node contract (with usage and an IP) on an opted-out node
    is still visited by the billing loop but charged nothing and written nothing; a contract on another
    node is billed as before."""
    s, a = node_contract(base(), "alice", node=1, ips=1)
    s, b = node_contract(s, "bob", node=2, h=2)
    s = _with_usage(_with_usage(s, a.contract_id), b.contract_id)
    s = opted_out(s, 1, 2)
    before = s
    for cid in (a.contract_id, b.contract_id):
        s, events = ok(call(s, "alice", c.BillContractForBlock(cid), 300))
        if cid == a.contract_id:
            assert events == ()
            assert s.contract_payment_state[cid] == before.contract_payment_state[cid]
            assert s.accounts[acc("alice")].reserved == before.accounts[acc("alice")].reserved
        else:
            assert [type(e) for e in events][:1] == [ev.ContractBilled]


def test_grace_contract_on_opted_out_node_settles_old_debt_only() -> None:
    """OPT-32 GRC-01: a contract in grace on an opted-out node is charged nothing new: once its twin can
    pay the overdraft from before the opt-out it leaves grace, and later bills are free."""
    s, a = node_contract(base(), "charlie", node=1, ips=1)
    cid = a.contract_id
    s = _with_usage(s, cid)
    # charlie cannot pay: the contract enters grace with an overdraft
    s, events = ok(call(s, "alice", c.BillContractForBlock(cid), 600))
    assert isinstance(s.contracts[cid].state, GracePeriod)
    debt = s.contract_payment_state[cid].get_overdraft()
    assert debt > 0
    s = opted_out(s, 1, 601)
    # top up charlie and bill again much later: only the old debt is taken
    s, _ = ok(call(s, "alice", c.Transfer(acc("charlie"), 10**11), 602))
    reserved = s.accounts[acc("charlie")].reserved
    s, events = ok(call(s, "alice", c.BillContractForBlock(cid), 5000))
    bills = [e for e in events if isinstance(e, ev.ContractBilled)]
    assert [b.contract_bill.amount_billed for b in bills] == [debt]
    assert any(isinstance(e, ev.ContractGracePeriodEnded) for e in events)
    assert s.contract_payment_state[cid].get_overdraft() == 0
    assert s.accounts[acc("charlie")].reserved >= reserved  # nothing new charged beyond the debt
    s, events = ok(call(s, "alice", c.BillContractForBlock(cid), 9000))
    assert events == ()


def test_cancel_on_opted_out_node_bills_nothing_new() -> None:
    """OPT-32 BIL-20: cancelling a contract on an opted-out node charges nothing for the time since the
    opt-out: the Deleted contract is billed zero (a `ContractBilled` of 0, as TFChain's fall-through),
    its reserve is distributed and it is removed."""
    s, a = node_contract(base(), "alice", node=1, ips=1)
    cid = a.contract_id
    s = _with_usage(s, cid)
    s, _ = ok(call(s, "alice", c.BillContractForBlock(cid), 600))
    s = opted_out(s, 1, 601)
    s, events = ok(call(s, "alice", c.CancelContract(cid), 5000))
    bills = [e for e in events if isinstance(e, (ev.ContractBilled, ev.ContractPaymentOverdrawn))]
    assert bills == [ev.ContractBilled(ContractBill(cid, now_of(5000), DiscountLevel.None_, 0))]
    assert cid not in s.contracts
    assert any(isinstance(e, ev.NodeContractCanceled) for e in events)


def test_rent_contract_on_opted_out_node_is_waived_without_rent_waived() -> None:
    """OPT-30 OPT-31: a Created rent contract (and its extra fee) on an opted-out node is not billed, and
    no RentWaived is emitted."""
    s, r = rent_contract(base(), "bob", 3)
    s = edit(s, lambda tx: tx.dedicated_nodes_extra_fee.__setitem__(3, 50_000))
    s = opted_out(s, 3, 2)
    s, events = ok(call(s, "alice", c.BillContractForBlock(r.contract_id), 5000))
    assert events == ()
