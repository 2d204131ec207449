"""The shared lifecycle (spec/contracts.md CON-xx), exercised on a Tx directly."""

from __future__ import annotations

import pytest

from sc4it import calls as c
from sc4it import events as ev
from sc4it.conformance.invariants import check
from sc4it.contracts import lifecycle
from sc4it.kernel.errors import Error, Fail
from sc4it.kernel.pmap import PSet
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    AccountInfo,
    Cause,
    Contract,
    ContractPaymentState,
    ContractResources,
    Created,
    Deleted,
    GracePeriod,
    NameContract,
    NodeContract,
    RentContract,
    Resources,
)
from sc4it.ledger import account

from .world import (
    CONTRACT_SIDE,
    TWIN,
    H,
    acc,
    base,
    call,
    contract_gone,
    env,
    free_ips,
    kinds,
    node_contract,
    now_of,
    ok,
    rent_contract,
    set_farm_dedicated,
)

RES = Resources(hru=0, sru=10 << 30, cru=1, mru=1 << 30)


def test_create_contract_common_steps() -> None:
    """CON-01 CON-04 CON-05 CON-06 CON-07 via create_contract directly: id, shard, stored contract (version
    4, Created), counter, payment state; CON-08: no event."""
    s = base()
    tx = Tx(s, env(5))
    contract = lifecycle.create_contract(tx, TWIN["bob"], NameContract(b"abc"), None)
    assert contract == Contract(4, Created(), 1, TWIN["bob"], NameContract(b"abc"), None)
    assert tx.contract_id == 1
    assert tx.contracts[1] == contract
    assert 1 in tx.contracts_to_bill_at[1 % tx.billing_frequency]
    assert tx.contract_payment_state[1] == ContractPaymentState(last_updated_seconds=now_of(5))
    assert tx.events == []


def test_con03_ip_error_before_provider_error() -> None:
    """CON-02 before CON-03: IPs are reserved before the provider is checked."""
    tx = Tx(base(), env(1))
    nc = NodeContract(1, H(1), b"", 5, ())
    with pytest.raises(Fail) as e:
        lifecycle.create_contract(tx, 1, nc, 1234)
    assert e.value.error is Error.FarmHasNotEnoughPublicIPs
    tx = Tx(base(), env(1))
    with pytest.raises(Fail) as e:
        lifecycle.create_contract(tx, 1, NodeContract(1, H(1), b"", 1, ()), 1234)
    assert e.value.error is Error.NoSuchSolutionProvider


def test_con20_con21_shards() -> None:
    """CON-20/CON-21: each contract sits in shard id % frequency, once."""
    s = base()
    for i in range(3):
        s, _ = node_contract(s, "alice", h=i)
    f = s.billing_frequency
    for cid in (1, 2, 3):
        assert [k for k, ids in s.contracts_to_bill_at.items() if cid in ids] == [cid % f]
    tx = Tx(s, env(1))
    lifecycle.insert_contract_in_billing_loop(tx, 2)
    assert tx.commit() is s  # nothing written


def test_con22_wrong_billing_loop_index() -> None:
    """CON-22: after the frequency changed, removing an older contract fails (reference P-A)."""
    s0 = base()
    tx0 = Tx(s0, env(0))
    tx0.contract_id = 1000
    s, _ = node_contract(tx0.commit(), "alice")
    tx = Tx(s, env(1))
    tx.billing_frequency = s.billing_frequency + 7
    with pytest.raises(Fail) as e:
        lifecycle.remove_contract(tx, 1001)
    assert e.value.error is Error.ContractWrongBillingLoopIndex
    # and the shard empties (key deleted) on a normal removal
    tx = Tx(s, env(1))
    lifecycle.remove_contract(tx, 1001)
    assert 1001 % s.billing_frequency not in tx.contracts_to_bill_at


def test_con30_grace_to_grace_keeps_start() -> None:
    """CON-30: GracePeriod(x) -> GracePeriod(y) is refused silently."""
    s, _ = node_contract(base(), "alice")
    tx = Tx(s, env(1))
    c1 = lifecycle.update_contract_state(tx, tx.contracts[1], GracePeriod(10))
    assert c1.state == GracePeriod(10)
    c2 = lifecycle.update_contract_state(tx, c1, GracePeriod(20))
    assert c2.state == GracePeriod(10)
    assert tx.contracts[1].state == GracePeriod(10)


def test_con31_same_state_writes_nothing() -> None:
    """CON-31: setting the state a contract already has writes nothing."""
    s, _ = node_contract(base(), "alice")
    tx = Tx(s, env(1))
    lifecycle.update_contract_state(tx, tx.contracts[1], Created())
    assert tx.commit() is s


def test_con32_active_node_contracts() -> None:
    """CON-32: Deleted leaves the active set, GracePeriod keeps it, Created re-adds if missing."""
    s, _ = node_contract(base(), "alice")
    tx = Tx(s, env(1))
    c1 = lifecycle.update_contract_state(tx, tx.contracts[1], GracePeriod(3))
    assert 1 in tx.active_node_contracts[1]
    lifecycle.update_contract_state(tx, c1, Created())
    assert 1 in tx.active_node_contracts[1]
    # if it went missing, Created adds it back
    tx.active_node_contracts[1] = PSet()
    lifecycle.update_contract_state(tx, tx.contracts[1], Created())
    assert 1 in tx.active_node_contracts[1]
    # Deleted removes it and the emptied set is deleted
    lifecycle.update_contract_state(tx, tx.contracts[1], Deleted(Cause.OutOfFunds))
    assert 1 not in tx.active_node_contracts
    assert tx.contracts[1].state == Deleted(Cause.OutOfFunds)
    # GracePeriod does not add a missing id
    s2, _ = node_contract(base(), "alice")
    tx2 = Tx(s2, env(1))
    del tx2.active_node_contracts[1]
    lifecycle.update_contract_state(tx2, tx2.contracts[1], GracePeriod(1))
    assert 1 not in tx2.active_node_contracts


def test_con33_name_and_rent_have_no_active_set() -> None:
    """CON-33."""
    s, _ = rent_contract(base(), "alice", 1)
    tx = Tx(s, env(1))
    lifecycle.update_contract_state(tx, tx.contracts[1], GracePeriod(2))
    lifecycle.update_contract_state(tx, tx.contracts[1], Deleted(Cause.CanceledByUser))
    assert len(tx.active_node_contracts) == 0


def test_con40_cancel_missing_contract() -> None:
    """CON-40: cancel_contract of a missing id fails with ContractNotExists."""
    with pytest.raises(Fail) as e:
        lifecycle.cancel_contract(Tx(base(), env(1)), 5, Cause.CanceledByUser)
    assert e.value.error is Error.ContractNotExists


def test_con40_cancel_settles_and_removes() -> None:
    """CON-40 CON-41 CON-42 CON-43 CON-50 CON-51: cancel = Deleted + settlement + removal of a node
    contract with IPs. (Billing adds ContractBilled/RewardDistributed before the contract-side events.)"""
    s, contract = node_contract(base(), "alice", ips=2, h=3)
    s, _ = ok(call(s, "node-1", c.ReportContractResources((ContractResources(1, RES),))))
    tx = Tx(s, env(20))
    lifecycle.cancel_contract(tx, 1, Cause.CanceledByUser)
    s2 = tx.commit()
    contract_gone(s2, 1)
    assert check(s2) == []
    assert kinds(tx.events, *CONTRACT_SIDE) == ["IPsFreed", "NodeContractCanceled"]
    freed = next(e for e in tx.events if isinstance(e, ev.IPsFreed))
    assert isinstance(contract.contract_type, NodeContract)
    assert [ip.ip for ip in freed.public_ips] == [ip.ip for ip in contract.contract_type.public_ips_list]
    assert all(ip.contract_id == 0 for ip in freed.public_ips)
    assert ev.NodeContractCanceled(1, 1, TWIN["alice"]) in tx.events
    assert len(free_ips(s2, 1)) == 4


def test_con41_remove_missing() -> None:
    """CON-41."""
    with pytest.raises(Fail) as e:
        lifecycle.remove_contract(Tx(base(), env(1)), 3)
    assert e.value.error is Error.ContractNotExists


def test_con42_ip_errors_ignored() -> None:
    """CON-42: a node contract whose farm vanished is still removed (the IP error is ignored)."""
    s, _ = node_contract(base(), "alice", ips=1)
    tx = Tx(s, env(2))
    del tx.farms[1]
    lifecycle.remove_contract(tx, 1)
    assert 1 not in tx.contracts
    assert not any(isinstance(e, ev.IPsFreed) for e in tx.events)


def test_con42_no_ips_no_ipsfreed() -> None:
    """CON-42: a contract without IPs emits no IPsFreed."""
    s, _ = node_contract(base(), "alice")
    tx = Tx(s, env(2))
    lifecycle.remove_contract(tx, 1)
    assert kinds(tx.events) == ["NodeContractCanceled"]


def test_con45_name_removal_frees_name() -> None:
    """CON-45."""
    s, _ = ok(call(base(), "bob", c.CreateNameContract(b"bobby")))
    tx = Tx(s, env(2))
    lifecycle.remove_contract(tx, 1)
    assert tx.events == [ev.NameContractCanceled(1)]
    s2 = tx.commit()
    contract_gone(s2, 1)
    ok(call(s2, "alice", c.CreateNameContract(b"bobby")))


def test_con46_rent_removal_cascades() -> None:
    """CON-46: removing a rent contract removes its node contracts first (their events first), without
    billing them; CON-51 for all of them."""
    s, rent = rent_contract(base(), "alice", 1)
    s, n1 = node_contract(s, "alice", node=1, h=1, ips=1)
    s, n2 = node_contract(s, "alice", node=1, h=2)
    tx = Tx(s, env(9))
    lifecycle.remove_contract(tx, rent.contract_id)
    assert kinds(tx.events) == [
        "IPsFreed",
        "NodeContractCanceled",
        "NodeContractCanceled",
        "RentContractCanceled",
    ]
    assert [e.contract_id for e in tx.events if isinstance(e, ev.NodeContractCanceled)] == [
        n1.contract_id,
        n2.contract_id,
    ]
    s2 = tx.commit()
    for cid in (rent.contract_id, n1.contract_id, n2.contract_id):
        contract_gone(s2, cid)
    assert check(s2) == []


def test_con52_orphaned_reserve_returned() -> None:
    """CON-52 (DEV-CON-2): a nested node contract's reserve goes back to the twin's free balance."""
    s, rent = rent_contract(base(), "alice", 1)
    s, n1 = node_contract(s, "alice", node=1, h=1)
    alice = acc("alice")
    tx = Tx(s, env(3))
    info = account(tx, alice)
    tx.accounts[alice] = AccountInfo(info.nonce, info.free - 1000, info.reserved + 1000, info.frozen)
    tx.contract_payment_state[n1.contract_id] = ContractPaymentState(600, 400, 0, 0, now_of(1), 0)
    s = tx.commit()
    assert check(s) == []
    tx = Tx(s, env(4))
    lifecycle.remove_contract(tx, rent.contract_id)
    s2 = tx.commit()
    assert s2.accounts[alice].reserved == 0
    assert s2.accounts[alice].free == s.accounts[alice].free + 1000
    assert check(s2) == []


def test_con52_noop_without_reserve() -> None:
    """CON-52: nothing moves when the nested contract holds no reserve (or is missing)."""
    s, _ = node_contract(base(), "alice")
    tx = Tx(s, env(2))
    lifecycle.release_orphaned_reserve(tx, 1)
    lifecycle.release_orphaned_reserve(tx, 99)
    assert tx.commit() is s


def test_con60_run_atomically() -> None:
    """CON-60: a failing step leaves nothing, a succeeding one is kept with its events."""
    s, _ = node_contract(base(), "alice", ips=1)
    tx = Tx(s, env(2))

    def failing(t: Tx) -> None:
        lifecycle.remove_contract(t, 1)  # writes and emits ...
        raise Fail(Error.RewardDistributionError)  # ... then fails

    assert lifecycle.run_atomically(tx, failing) is False
    assert tx.events == []
    assert tx.commit() is s
    assert lifecycle.run_atomically(tx, lambda t: lifecycle.remove_contract(t, 1)) is True
    assert kinds(tx.events) == ["IPsFreed", "NodeContractCanceled"]
    contract_gone(tx.commit(), 1)


def test_dedicated_rent_cascade_on_dedicated_farm() -> None:
    """CON-46 on the dedicated farm (node 3) through the public calls: cancel the node contract, then the
    rent contract."""
    s = set_farm_dedicated(base(), 2, True)
    s, rent = rent_contract(s, "bob", 3)
    s, n = node_contract(s, "bob", node=3, h=4, ips=1)
    s, _ = ok(call(s, "bob", c.CancelContract(n.contract_id)))
    s, events = ok(call(s, "bob", c.CancelContract(rent.contract_id)))
    assert kinds(events, *CONTRACT_SIDE) == ["RentContractCanceled"]
    assert isinstance(rent.contract_type, RentContract)
    contract_gone(s, rent.contract_id)
