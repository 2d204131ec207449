"""Twin ownership transfer (spec/twin-transfer.md): request, accept, cancel through signed calls on the
default world; what moves with the twin and what stays with the old account."""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it.conformance.invariants import check
from sc4it.kernel.errors import Error
from sc4it.kernel.events import Event
from sc4it.kernel.state import State
from sc4it.kernel.types import AccountInfo, ContractResources, Resources, TwinTransferRequest
from sc4it.runtime import Outcome

from ..contracts.world import TWIN, acc, base, call, edit, err, node_contract, now_of, ok

GIB = 1 << 30


def funded(state: State, name: str, free: int = 10**10) -> State:
    """Give the dev key `name` an account without a twin (through a transfer from alice)."""
    state, _ = ok(call(state, "alice", c.Transfer(acc(name), free)))
    return state


def requested(state: State, owner: str = "bob", heir: str = "heir", block: int = 2) -> State:
    state, _ = ok(call(state, owner, c.RequestTwinTransfer(acc(heir)), block))
    return state


def test_request_stores_and_emits() -> None:
    """TTR-01 TTR-02 TTR-03 TTR-15: request 1 for bob's twin, created at the block; the new account need
    not exist yet; event TwinTransferRequested."""
    s, events = ok(call(base(), "bob", c.RequestTwinTransfer(acc("heir")), 5))
    bob = TWIN["bob"]
    assert s.twin_transfer_request_id == 1
    assert s.twin_transfer_requests[1] == TwinTransferRequest(bob, acc("bob"), acc("heir"), 5)
    assert dict(s.pending_transfer_by_twin.items()) == {bob: 1}
    assert events == (ev.TwinTransferRequested(1, bob, acc("bob"), acc("heir")),)
    assert acc("heir") not in s.accounts


def test_request_errors_in_order() -> None:
    """TTR-10 TTR-12 TTR-13 TTR-14: no twin; the new account owns a twin (also oneself); one pending
    request per twin; there is no terms-and-conditions check (DEV-REG-1)."""
    s = funded(base(), "eve")
    assert err(call(s, "eve", c.RequestTwinTransfer(acc("heir"))), s) is Error.TwinNotExists
    assert err(call(s, "bob", c.RequestTwinTransfer(acc("alice"))), s) is Error.TwinTransferNewAccountHasTwin
    assert err(call(s, "bob", c.RequestTwinTransfer(acc("bob"))), s) is Error.TwinTransferNewAccountHasTwin
    s = requested(s, "bob", "eve")
    out = call(s, "bob", c.RequestTwinTransfer(acc("heir")), 3)
    assert err(out, s) is Error.TwinTransferPendingExists
    # another twin may name the same new account
    ok(call(s, "dave", c.RequestTwinTransfer(acc("eve")), 3))


def test_accept_moves_the_twin_and_its_reserves() -> None:
    """TTR-11 TTR-20 TTR-24 TTR-25 TTR-26 INV-02: after a bill, alice's reserve moves to the heir (still
    reserved), her free balance stays; the twin, its contract and its node-contract keys follow; events
    TwinOwnershipTransferred then TwinUpdated; the next bill reserves on the heir."""
    used = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)
    s, a = node_contract(base(), "alice", node=1, ips=1)
    cid = a.contract_id
    s = edit(s, lambda tx: tx.node_contract_resources.__setitem__(cid, ContractResources(cid, used)))
    s, _ = ok(call(s, "bob", c.BillContractForBlock(cid), 600))
    s = funded(s, "heir")
    s = requested(s, "alice", "heir", 601)
    old = s.accounts[acc("alice")]
    new = s.accounts[acc("heir")]
    assert old.reserved > 0
    s, events = ok(call(s, "heir", c.AcceptTwinTransfer(1), 602))
    alice = TWIN["alice"]
    twin = s.twins[alice]
    assert twin.account_id == acc("heir")
    assert events == (
        ev.TwinOwnershipTransferred(1, alice, acc("alice"), acc("heir")),
        ev.TwinUpdated(twin),
    )
    assert s.accounts[acc("alice")] == AccountInfo(old.nonce, old.free, 0, old.frozen)
    assert s.accounts[acc("heir")].reserved == new.reserved + old.reserved
    assert s.accounts[acc("heir")].free == new.free
    assert s.twin_id_by_account_id.get(acc("heir")) == alice
    assert acc("alice") not in s.twin_id_by_account_id
    # TTR-11's defensive check can never fire: the account index stays exact
    assert all(s.twins[t].account_id == a for a, t in s.twin_id_by_account_id.items())
    assert len(s.twin_transfer_requests) == 0 and len(s.pending_transfer_by_twin) == 0
    assert s.contracts[cid].twin_id == alice
    assert check(s) == []
    reserved = s.accounts[acc("heir")].reserved
    s, events = ok(call(s, "bob", c.BillContractForBlock(cid), 1200))
    assert any(isinstance(e, ev.ContractBilled) for e in events)
    assert s.accounts[acc("heir")].reserved > reserved
    assert s.accounts[acc("alice")].reserved == 0
    # the heir now owns the contract: it may cancel it, alice may not
    assert err(call(s, "alice", c.CancelContract(cid), 1201), s) is Error.TwinNotAuthorizedToCancelContract
    ok(call(s, "heir", c.CancelContract(cid), 1201))


def test_accept_errors_in_order() -> None:
    """TTR-20 TTR-21 TTR-22 TTR-23: unknown request; not the new account; the twin gone or owned by
    someone else; the new account got a twin meanwhile."""
    s = funded(funded(base(), "heir"), "eve")
    s = requested(s, "bob", "heir")
    assert err(call(s, "heir", c.AcceptTwinTransfer(9), 3), s) is Error.TwinTransferRequestNotFound
    assert err(call(s, "eve", c.AcceptTwinTransfer(1), 3), s) is Error.UnauthorizedToUpdateTwin
    assert err(call(s, "bob", c.AcceptTwinTransfer(1), 3), s) is Error.UnauthorizedToUpdateTwin
    bob = TWIN["bob"]
    gone = edit(s, lambda tx: tx.twins.pop(bob))
    assert err(call(gone, "heir", c.AcceptTwinTransfer(1), 3), gone) is Error.TwinNotExists

    def other_owner(tx: object) -> None:
        t = tx.twins[bob]  # type: ignore[attr-defined]
        tx.twins[bob] = type(t)(t.id, acc("eve"), t.relay, t.pk)  # type: ignore[attr-defined]

    moved = edit(s, other_owner)
    assert err(call(moved, "heir", c.AcceptTwinTransfer(1), 3), moved) is Error.UnauthorizedToUpdateTwin
    s, _ = ok(call(s, "heir", c.CreateTwin(None, None), 3))
    assert err(call(s, "heir", c.AcceptTwinTransfer(1), 4), s) is Error.TwinTransferNewAccountHasTwin


def test_cancel() -> None:
    """TTR-30 TTR-31 TTR-32: only the old owner cancels; the request and its index go; a new request
    gets the next id."""
    s = funded(base(), "heir")
    s = requested(s, "bob", "heir")
    assert err(call(s, "bob", c.CancelTwinTransfer(7), 3), s) is Error.TwinTransferRequestNotFound
    assert err(call(s, "heir", c.CancelTwinTransfer(1), 3), s) is Error.UnauthorizedToUpdateTwin
    s, events = ok(call(s, "bob", c.CancelTwinTransfer(1), 3))
    assert events == (ev.TwinTransferCanceled(1, TWIN["bob"], acc("bob"), acc("heir")),)
    assert len(s.twin_transfer_requests) == 0 and len(s.pending_transfer_by_twin) == 0
    assert err(call(s, "heir", c.AcceptTwinTransfer(1), 4), s) is Error.TwinTransferRequestNotFound
    s = requested(s, "bob", "heir", 5)
    assert 2 in s.twin_transfer_requests


def test_transfer_keeps_farm_node_stash_and_roles() -> None:
    """TTR-25: a farmer's twin carries its farm and nodes; the old account keeps its nonce; the new owner
    can act as farmer at once."""
    s = funded(base(), "heir")
    s = requested(s, "farmer-1", "heir")
    nonce = s.accounts[acc("farmer-1")].nonce
    s, _ = ok(call(s, "heir", c.AcceptTwinTransfer(1), 3))
    assert s.farms[1].twin_id == TWIN["farmer-1"]
    assert s.accounts[acc("farmer-1")].nonce == nonce
    assert err(call(s, "farmer-1", c.OptOutOfV3Billing(1), 4), s) is Error.TwinNotExists
    s, events = ok(call(s, "heir", c.OptOutOfV3Billing(1), 4))
    assert events == (ev.NodeV3BillingOptedOut(1, now_of(4)),)


def test_inv15_detects_broken_requests() -> None:
    """INV-15: a request without its pending entry, of a former owner, or beyond the counter."""
    s = requested(funded(base(), "heir"), "bob", "heir")
    lost = edit(s, lambda tx: tx.pending_transfer_by_twin.pop(TWIN["bob"]))
    assert {v.message for v in check(lost)} == {"pending-transfer index differs from the requests"}

    def stale(tx: object) -> None:
        tx.twin_transfer_requests[5] = TwinTransferRequest(TWIN["dave"], acc("alice"), acc("heir"), 1)  # type: ignore[attr-defined]
        tx.pending_transfer_by_twin[TWIN["dave"]] = 5  # type: ignore[attr-defined]

    found = check(edit(s, stale))
    assert {v.rule for v in found} == {"INV-15"}
    assert {v.message for v in found} == {
        "request id outside 1..counter",
        "request of a missing twin or of a former owner",
    }


def test_accept_moves_a_reserve_held_by_a_lock() -> None:
    """TTR-24 INV-02 (DEV-REG-9): even when the old account's lock exceeds its free balance (so
    pallet-balances' `repatriate_reserved` would keep part of the reserve), the whole reserve moves."""
    s = requested(funded(base(), "heir"), "alice", "heir")
    who = acc("alice")

    def locked(tx: object) -> None:
        info = tx.accounts[who]  # type: ignore[attr-defined]
        tx.accounts[who] = AccountInfo(info.nonce, 100, 5_000, 1_000)  # type: ignore[attr-defined]
        tx.total_issuance = tx.total_issuance - info.free - info.reserved + 5_100  # type: ignore[attr-defined]
        tx.minted = tx.total_issuance + tx.burned  # type: ignore[attr-defined]

    s = edit(s, locked)
    heir_reserved = s.accounts[acc("heir")].reserved
    s2, _ = ok_no_check(call(s, "heir", c.AcceptTwinTransfer(1), 3))
    assert s2.accounts[who] == AccountInfo(s.accounts[who].nonce, 100, 0, 1_000)
    assert s2.accounts[acc("heir")].reserved == heir_reserved + 5_000


def ok_no_check(out: Outcome) -> tuple[State, tuple[Event, ...]]:
    """The call succeeded (this world's reserve has no contract behind it, so INV-02 is not checked)."""
    assert out.error is None, out.error
    return out.state, out.events
