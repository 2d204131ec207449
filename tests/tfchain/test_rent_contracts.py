"""Port of tests.rs "RENT CONTRACT TESTS" (TFChain commit 33046d68): renting a node, dedicated nodes,
node contracts on rented nodes."""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.errors import Error
from sc4it.kernel.types import Power, PowerDown, RentContract

from .mock import Mock


def test_create_rent_contract_works() -> None:
    """Rust `test_create_rent_contract_works`: bob rents node 1 of the dedicated farm; contract 1 is a
    rent contract for node 1 and the node's rent index points to it. RC-01..RC-08."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    events = m.call("bob", c.CreateRentContract(1, None))
    contract = m.contract(1)
    assert contract is not None
    assert contract.contract_type == RentContract(1)
    assert m.state.active_rent_contract_for_node.get(1) == 1
    assert events == (ev.ContractCreated(contract),)


def test_create_rent_contract_on_standby_node_works() -> None:
    """Rust `test_create_rent_contract_on_standby_node_works`: a node powered Down can be rented.
    RC-09 PWR-02."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.call("alice", c.ChangePowerState(Power.Down))
    assert isinstance(m.state.node_power[1].state, PowerDown)
    m.call("bob", c.CreateRentContract(1, None))
    assert m.state.active_rent_contract_for_node.get(1) == 1


def test_create_rent_contract_and_switch_node_to_standby_fails() -> None:
    """Rust `test_create_rent_contract_and_switch_node_to_standby_fails`: a rented node's power target
    cannot go Down (`NodeHasActiveContracts`). PWR-12 HK-20."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.call("bob", c.CreateRentContract(1, None))
    m.assert_noop("alice", c.ChangePowerTarget(1, Power.Down), Error.NodeHasActiveContracts)


def test_create_rent_contract_on_standby_node_and_wake_it_up_works() -> None:
    """Rust `test_create_rent_contract_on_standby_node_and_wake_it_up_works`: target Down on an empty
    node, renting it, then target Up all succeed. PWR-12 PWR-13 RC-09."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.call("alice", c.ChangePowerTarget(1, Power.Down))
    m.call("bob", c.CreateRentContract(1, None))
    m.call("alice", c.ChangePowerTarget(1, Power.Up))
    assert m.state.node_power[1].target == Power.Up


def test_cancel_rent_contract_works() -> None:
    """Rust `test_cancel_rent_contract_works`: the renter cancels; the contract is gone. CC-06 CON-40
    CON-46."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.call("bob", c.CreateRentContract(1, None))
    contract = m.contract(1)
    assert contract is not None and contract.contract_type == RentContract(1)
    events = m.call("bob", c.CancelContract(1))
    assert m.contract(1) is None
    assert 1 not in m.state.active_rent_contract_for_node
    assert events[-1] == ev.RentContractCanceled(1)


def test_create_rent_contract_on_node_in_use_fails() -> None:
    """Rust `test_create_rent_contract_on_node_in_use_fails`: a non-dedicated node with a node contract
    cannot be rented (`NodeNotAvailableToDeploy`). RC-04."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    m.assert_noop("bob", c.CreateRentContract(1, None), Error.NodeNotAvailableToDeploy)


def test_create_rent_contract_non_dedicated_empty_node_works() -> None:
    """Rust `test_create_rent_contract_non_dedicated_empty_node_works`: an empty node of a shared farm
    can be rented. RC-04."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.call("bob", c.CreateRentContract(1, None))
    assert m.state.active_rent_contract_for_node.get(1) == 1


def test_create_node_contract_on_dedicated_node_without_rent_contract_fails() -> None:
    """Rust `test_create_node_contract_on_dedicated_node_without_rent_contract_fails`: a node of a
    dedicated farm without rent contract refuses node contracts (`NodeNotAvailableToDeploy`). NC-06
    NC-07."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.assert_noop(
        "bob",
        c.CreateNodeContract(1, m.generate_deployment_hash(), b"some_data", 1, None),
        Error.NodeNotAvailableToDeploy,
    )


def test_create_node_contract_when_having_a_rentcontract_works() -> None:
    """Rust `test_create_node_contract_when_having_a_rentcontract_works`: the renter deploys a node
    contract with one IP on the rented dedicated node. NC-07 CON-02."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.call("bob", c.CreateRentContract(1, None))
    m.create_node_contract("bob", 1, public_ips=1)
    assert m.active_node_contracts(1) == [2]
    assert m.farm_ips()[0].contract_id == 2


def test_create_node_contract_on_node_rented_by_other_fails() -> None:
    """Rust `test_create_node_contract_on_node_rented_by_other_fails`: node 1 (shared farm) rented by
    bob; alice's node contract fails with `NodeNotAvailableToDeploy`. NC-07."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.call("bob", c.CreateRentContract(1, None))
    m.assert_noop(
        "alice",
        c.CreateNodeContract(1, m.generate_deployment_hash(), b"some_data", 1, None),
        Error.NodeNotAvailableToDeploy,
    )


def test_create_node_contract_on_dedicated_node_rented_by_other_fails() -> None:
    """Rust `test_create_node_contract_on_dedicated_node_rented_by_other_fails`: the same on a dedicated
    farm. NC-07."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.call("bob", c.CreateRentContract(1, None))
    m.assert_noop(
        "alice",
        c.CreateNodeContract(1, m.generate_deployment_hash(), b"some_data", 1, None),
        Error.NodeNotAvailableToDeploy,
    )


def test_cancel_rent_contract_with_active_node_contracts_fails() -> None:
    """Rust `test_cancel_rent_contract_with_active_node_contracts_fails`: the rent contract cannot be
    cancelled while a node contract is active on its node (`NodeHasActiveContracts`). CC-05."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.set_prices(50, 101)
    m.call("bob", c.CreateRentContract(1, None))
    m.create_node_contract("bob", 1, public_ips=1)
    m.assert_noop("bob", c.CancelContract(1), Error.NodeHasActiveContracts)
