"""Port of tests.rs "NODE CONTRACT TESTS" (TFChain commit 33046d68): node contract creation, update,
cancellation and the billing-loop index. Each test is named after its Rust original."""

from __future__ import annotations

import pytest

from sc4it import calls as c
from sc4it import events as ev
from sc4it.contracts.lifecycle import remove_contract_from_billing_loop
from sc4it.kernel.errors import Error, Fail
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    CONTRACT_VERSION,
    Contract,
    Created,
    NodeContract,
    Power,
    PublicIP,
)

from .mock import GATEWAY, IP_1, IP_2, Mock, get_deployment_data


def test_create_node_contract_works() -> None:
    """Rust `test_create_node_contract_works`: the new node contract (id 1) sits in billing shard
    `1 % BillingFrequency` and nowhere else. NC-09 CON-01 CON-04 CON-21 BIL-02."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    contract_id = 1
    index = m.billing_loop_index(contract_id)
    assert index == 1
    assert m.contract_to_bill_at_block(index) == [contract_id]
    assert [i for i in range(10) if m.contract_to_bill_at_block(i)] == [1]


def test_create_node_contract_on_standby_node_fails() -> None:
    """Rust `test_create_node_contract_on_standby_node_fails`: the node's twin (alice) powers the node
    Down; a node contract on it fails with `NodeNotAvailableToDeploy`. NC-04 PWR-02 PWR-04."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.call("alice", c.ChangePowerState(Power.Down))
    m.assert_noop(
        "alice",
        c.CreateNodeContract(1, m.generate_deployment_hash(), get_deployment_data(), 0, None),
        Error.NodeNotAvailableToDeploy,
    )


def test_create_node_contract_and_switch_node_to_standby_fails() -> None:
    """Rust `test_create_node_contract_and_switch_node_to_standby_fails`: with bob's node contract
    active, the farmer cannot set the power target Down (`NodeHasActiveContracts`). PWR-12 HK-20 NC-12."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.create_node_contract("bob", 1)
    m.assert_noop("alice", c.ChangePowerTarget(1, Power.Down), Error.NodeHasActiveContracts)


def test_create_node_contract_with_public_ips_works() -> None:
    """Rust `test_create_node_contract_with_public_ips_works`: a contract asking 2 IPs takes the farm's
    two IPs in farm order; they point to the contract and are listed in it. CON-02 IPS-04 IPS-06 NC-13."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    events = m.create_node_contract("alice", 1, public_ips=2)
    contract_id = 1
    contract = m.contract(contract_id)
    assert contract is not None
    nc = contract.contract_type
    assert isinstance(nc, NodeContract)
    assert m.farm_ips()[0].contract_id == 1
    assert nc.public_ips == 2
    assert nc.public_ips_list[0] == PublicIP(IP_1, GATEWAY, contract_id)
    assert nc.public_ips_list[1] == PublicIP(IP_2, GATEWAY, contract_id)
    assert m.farm_ips() == (PublicIP(IP_1, GATEWAY, 1), PublicIP(IP_2, GATEWAY, 1))
    assert events == (ev.ContractCreated(contract),)  # IPsReserved is never emitted (IPS-06)


def test_create_node_contract_with_undefined_node_fails() -> None:
    """Rust `test_create_node_contract_with_undefined_node_fails`: node 2 does not exist →
    `NodeNotExists`. NC-03."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.assert_noop(
        "alice",
        c.CreateNodeContract(2, m.generate_deployment_hash(), get_deployment_data(), 0, None),
        Error.NodeNotExists,
    )


def test_create_node_contract_with_same_hash_and_node_fails() -> None:
    """Rust `test_create_node_contract_with_same_hash_and_node_fails`: a second contract with the same
    (node, deployment hash) fails with `ContractIsNotUnique`. NC-08 NC-11."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    h = m.generate_deployment_hash()
    m.call("alice", c.CreateNodeContract(1, h, get_deployment_data(), 0, None))
    m.assert_noop(
        "alice", c.CreateNodeContract(1, h, get_deployment_data(), 0, None), Error.ContractIsNotUnique
    )


def test_create_node_contract_which_was_canceled_before_works() -> None:
    """Rust `test_create_node_contract_which_was_canceled_before_works`: after cancelling contract 1
    the next contract gets id 2 and the hash index points to it. CON-01 CON-43 NC-08 NC-11."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    h = m.generate_deployment_hash()
    m.call("alice", c.CreateNodeContract(1, h, get_deployment_data(), 0, None))
    contract_id = m.node_contract_by_hash(1, h)
    assert contract_id == 1
    m.call("alice", c.CancelContract(contract_id))
    assert m.node_contract_by_hash(1, h) == 0  # the removal leaves the index (CON-43)
    h = m.generate_deployment_hash()
    m.call("alice", c.CreateNodeContract(1, h, get_deployment_data(), 0, None))
    assert m.node_contract_by_hash(1, h) == 2


def test_update_node_contract_works() -> None:
    """Rust `test_update_node_contract_works`: the owner's update replaces hash and data; the stored
    contract equals the expected record (version 4, Created, twin 1, no IPs, no provider); the active
    list still holds it and the hash index points to it. NU-02..NU-04 NU-08 NU-09 CON-05."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    node_id, contract_id = 1, 1
    new_hash = m.generate_deployment_hash()
    events = m.call("alice", c.UpdateNodeContract(contract_id, new_hash, get_deployment_data()))
    expected = Contract(
        version=CONTRACT_VERSION,
        state=Created(),
        contract_id=contract_id,
        twin_id=1,
        contract_type=NodeContract(node_id, new_hash, get_deployment_data(), 0, ()),
        solution_provider_id=None,
    )
    assert CONTRACT_VERSION == 4
    assert m.contract(contract_id) == expected
    assert events == (ev.ContractUpdated(expected),)
    assert m.active_node_contracts(1) == [contract_id]
    assert m.node_contract_by_hash(node_id, new_hash) == contract_id


def test_update_node_contract_not_exists_fails() -> None:
    """Rust `test_update_node_contract_not_exists_fails`: updating contract 1 before any exists →
    `ContractNotExists`. NU-02."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.assert_noop(
        "alice",
        c.UpdateNodeContract(1, m.generate_deployment_hash(), get_deployment_data()),
        Error.ContractNotExists,
    )


def test_update_node_contract_wrong_twins_fails() -> None:
    """Rust `test_update_node_contract_wrong_twins_fails`: bob updates alice's contract →
    `TwinNotAuthorizedToUpdateContract`. NU-04."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    m.assert_noop(
        "bob",
        c.UpdateNodeContract(1, m.generate_deployment_hash(), get_deployment_data()),
        Error.TwinNotAuthorizedToUpdateContract,
    )


def test_cancel_contract_by_node_works() -> None:
    """Rust `test_cancel_contract_by_node_works`: the owner cancels; the contract and its active-list
    entry are gone (cancel = Deleted, billed, removed). CC-01..CC-03 CC-06 CON-40 CON-43 CON-50."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    events = m.call("alice", c.CancelContract(1))
    assert m.contract(1) is None
    assert m.active_node_contracts(1) == []
    assert events[-1] == ev.NodeContractCanceled(1, 1, 1)


def _cancel_collective(signers: int) -> None:
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    events = m.council(c.CancelContractCollective(1), signers=signers)
    assert m.contract(1) is None
    assert m.active_node_contracts(1) == []
    assert events[-1] == ev.NodeContractCanceled(1, 1, 1)
    assert m.payment_state(1) is None


def test_cancel_contract_collective_by_dao_approval_works() -> None:
    """Rust `test_cancel_contract_collective_by_dao_approval_works` (origin Root): sc4it's restricted
    origin is the council multisig; signed by its threshold (2 of 3) it cancels the contract. CC-10
    CC-11 CC-13 CON-40."""
    _cancel_collective(signers=2)


def test_cancel_contract_collective_by_council_approval_works() -> None:
    """Rust `test_cancel_contract_collective_by_council_approval_works` (origin council Members(3, 5)):
    the council multisig signed by all 3 members cancels the contract. CC-10 CC-11 CC-13 CON-40."""
    _cancel_collective(signers=3)


def test_create_multiple_node_contracts_works() -> None:
    """Rust `test_create_multiple_node_contracts_works`: three contracts on node 1 are active; after
    cancelling contract 1, two remain. NC-12 CON-32 CON-43."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    for _ in range(3):
        m.create_node_contract("alice", 1)
    assert m.active_node_contracts(1) == [1, 2, 3]
    m.call("alice", c.CancelContract(1))
    assert m.active_node_contracts(1) == [2, 3]


def test_cancel_node_contract_frees_public_ips_works() -> None:
    """Rust `test_cancel_node_contract_frees_public_ips_works`: both farm IPs point to the contract,
    and after the cancel both are free again (`IPsFreed` lists them with contract_id 0). CON-42
    IPS-10..IPS-12."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.create_node_contract("alice", 1, public_ips=2)
    assert [ip.contract_id for ip in m.farm_ips()] == [1, 1]
    events = m.call("alice", c.CancelContract(1))
    assert [ip.contract_id for ip in m.farm_ips()] == [0, 0]
    assert ev.IPsFreed(1, (PublicIP(IP_1, GATEWAY, 0), PublicIP(IP_2, GATEWAY, 0))) in events


def test_cancel_node_contract_not_exists_fails() -> None:
    """Rust `test_cancel_node_contract_not_exists_fails` (at block 0): cancelling contract 1 that does
    not exist → `ContractNotExists`. CC-01."""
    m = Mock()
    m.prepare_farm_and_node()
    m.assert_noop("alice", c.CancelContract(1), Error.ContractNotExists)


def test_cancel_node_contract_wrong_twins_fails() -> None:
    """Rust `test_cancel_node_contract_wrong_twins_fails`: bob cancels alice's contract →
    `TwinNotAuthorizedToCancelContract`. CC-03."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    m.assert_noop("bob", c.CancelContract(1), Error.TwinNotAuthorizedToCancelContract)


def test_cancel_node_contract_and_remove_from_billing_loop_works() -> None:
    """Rust `test_cancel_node_contract_and_remove_from_billing_loop_works`: at block 6 the contract is
    in its shard; the cancel removes it from the shard. CON-22 CON-50 CON-51."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    m.run_to_block(6)
    index = m.billing_loop_index(1)
    assert m.contract_to_bill_at_block(index) == [1]
    m.call("alice", c.CancelContract(1))
    assert m.contract_to_bill_at_block(index) == []


def test_remove_from_billing_loop_wrong_index_fails() -> None:
    """Rust `test_remove_from_billing_loop_wrong_index_fails`: the internal removal of ids 2 and 11,
    which are not in their shards (2 % 10 is empty; 11 % 10 = 1 holds only id 1), fails with
    `ContractWrongBillingLoopIndex` and changes nothing. CON-22."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    assert m.contract_to_bill_at_block(m.billing_loop_index(1)) == [1]
    for contract_id in (2, 11):
        tx = Tx(m.state, m.env())
        with pytest.raises(Fail) as failure:
            remove_contract_from_billing_loop(tx, contract_id)
        assert failure.value.error is Error.ContractWrongBillingLoopIndex
    assert m.contract_to_bill_at_block(1) == [1]
