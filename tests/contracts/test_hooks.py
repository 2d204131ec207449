"""Hooks pallet-tfgrid calls (spec/contracts.md HK-xx)."""

from __future__ import annotations

import pytest

from sc4it import events as ev
from sc4it.conformance.invariants import check
from sc4it.contracts import hooks
from sc4it.contracts.billing.payment import Pricing
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import ContractPaymentState, Created, Power

from .world import (
    CONTRACT_SIDE,
    base,
    contract_gone,
    edit,
    env,
    free_ips,
    kinds,
    node_contract,
    now_of,
    rent_contract,
    set_standby,
)


def test_hk01_hk02_node_deleted_cancels_everything() -> None:
    """HK-01, HK-02: node contracts in id order, then the rent contract (whose cascade finds nothing left)."""
    s, rent = rent_contract(base(), "alice", 1)
    s, n1 = node_contract(s, "alice", node=1, h=1, ips=1)
    s, n2 = node_contract(s, "alice", node=1, h=2)
    s, other = node_contract(s, "bob", node=2, h=1)
    tx = Tx(s, env(30))
    hooks.node_deleted(tx, 1)
    s2 = tx.commit()
    assert kinds(tx.events, *CONTRACT_SIDE) == [
        "IPsFreed",
        "NodeContractCanceled",
        "NodeContractCanceled",
        "RentContractCanceled",
    ]
    assert [e.contract_id for e in tx.events if isinstance(e, ev.NodeContractCanceled)] == [
        n1.contract_id,
        n2.contract_id,
    ]
    for cid in (rent.contract_id, n1.contract_id, n2.contract_id):
        contract_gone(s2, cid)
    assert other.contract_id in s2.contracts
    assert len(free_ips(s2, 1)) == 4
    assert check(s2) == []


def test_hk01_nothing_on_node() -> None:
    """HK-01: a node without contracts: nothing happens."""
    s = base()
    tx = Tx(s, env(3))
    hooks.node_deleted(tx, 1)
    assert tx.commit() is s
    assert tx.events == []


def test_hk03_failed_cancellation_leaves_no_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    """HK-03 / CON-60: a failing settlement drops that contract's sub-step entirely; the others proceed."""
    import sc4it.contracts.lifecycle as billing  # the module whose bill_contract cancel_contract calls

    s, n1 = node_contract(base(), "alice", node=2, h=1, ips=1)
    s, n2 = node_contract(s, "bob", node=2, h=2)
    original = vars(billing)["bill_contract"]

    def flaky(tx: Tx, contract_id: int, pricing: Pricing) -> None:
        if contract_id == n1.contract_id:
            fail(Error.ContractWrongBillingLoopIndex)
        original(tx, contract_id, pricing)

    monkeypatch.setattr(billing, "bill_contract", flaky)
    tx = Tx(s, env(9))
    hooks.node_deleted(tx, 2)
    s2 = tx.commit()
    assert s2.contracts[n1.contract_id] == s.contracts[n1.contract_id]
    assert s2.contracts[n1.contract_id].state == Created()
    assert n1.contract_id in s2.active_node_contracts[2]
    assert s2.farms[1] == s.farms[1]
    contract_gone(s2, n2.contract_id)
    assert kinds(tx.events, *CONTRACT_SIDE) == ["NodeContractCanceled"]


def test_hk10_power_state_changed() -> None:
    """HK-10: waking up a rented node restarts the rent contract's clock; otherwise nothing."""
    s, rent = rent_contract(base(), "alice", 3, block=1)
    rid = rent.contract_id
    tx = Tx(s, env(50))
    hooks.node_power_state_changed(tx, 3)
    ps = tx.contract_payment_state[rid]
    assert ps == ContractPaymentState(last_updated_seconds=now_of(50))
    # node still down: nothing
    s_down = set_standby(s, 3)
    tx = Tx(s_down, env(50))
    hooks.node_power_state_changed(tx, 3)
    assert tx.commit() is s_down
    # not rented: nothing
    tx = Tx(s, env(50))
    hooks.node_power_state_changed(tx, 1)
    assert tx.commit() is s
    # rented but no payment state: nothing
    s_nops = edit(s, lambda t: t.contract_payment_state.pop(rid))
    tx = Tx(s_nops, env(50))
    hooks.node_power_state_changed(tx, 3)
    assert tx.commit() is s_nops


def test_hk10_keeps_other_fields() -> None:
    """HK-10: only last_updated_seconds changes."""
    s, rent = rent_contract(base(), "alice", 3, block=1)
    rid = rent.contract_id
    s = edit(s, lambda t: t.contract_payment_state.__setitem__(rid, ContractPaymentState(1, 2, 3, 4, 5, 6)))
    tx = Tx(s, env(60))
    hooks.node_power_state_changed(tx, 3)
    assert tx.contract_payment_state[rid] == ContractPaymentState(1, 2, 3, 4, now_of(60), 6)


def test_hk20_node_has_no_active_contracts() -> None:
    """HK-20."""
    s = base()
    assert hooks.node_has_no_active_contracts(Tx(s, env(1)), 1)
    s1, n = node_contract(s, "alice", node=1)
    assert not hooks.node_has_no_active_contracts(Tx(s1, env(1)), 1)
    assert hooks.node_has_no_active_contracts(Tx(s1, env(1)), 2)
    s2, _ = rent_contract(s, "alice", 2)
    assert not hooks.node_has_no_active_contracts(Tx(s2, env(1)), 2)
    del n


def test_hooks_through_registry_calls() -> None:
    """HK-01 HK-02 HK-03 and HK-10 as pallet-tfgrid's calls trigger them: the farmer deletes a rented node
    with workloads (everything on it is cancelled, its IPs are free, the state is consistent); a rented node
    that wakes up restarts its rent contract's clock; HK-20 blocks powering down a used node."""
    from sc4it import calls as c

    from .world import call, ok

    s, rent = rent_contract(base(), "alice", 1)
    s, n1 = node_contract(s, "alice", node=1, h=1, ips=2)
    s, n2 = node_contract(s, "alice", node=1, h=2)
    out = call(s, "farmer-1", c.ChangePowerTarget(1, Power.Down), block=5)
    assert out.error is Error.NodeHasActiveContracts
    s2, events = ok(call(s, "farmer-1", c.DeleteNodeFarm(1), block=40))
    assert kinds(events, *CONTRACT_SIDE) == [
        "IPsFreed",
        "NodeContractCanceled",
        "NodeContractCanceled",
        "RentContractCanceled",
    ]
    assert isinstance(events[-1], ev.NodeDeleted)
    for cid in (rent.contract_id, n1.contract_id, n2.contract_id):
        contract_gone(s2, cid)
    assert len(free_ips(s2, 1)) == 4

    s3, rent3 = rent_contract(base(), "bob", 3, block=1)
    s3, _ = ok(call(s3, "node-3", c.ChangePowerState(Power.Down), block=10))
    assert s3.contract_payment_state[rent3.contract_id].last_updated_seconds == now_of(1)
    s3, _ = ok(call(s3, "node-3", c.ChangePowerState(Power.Up), block=50))
    assert s3.contract_payment_state[rent3.contract_id].last_updated_seconds == now_of(50)
