"""Rent contracts and dedicated nodes (spec/contracts.md, rules RC-xx and XF-xx): TFChain's
`create_rent_contract` and `set_dedicated_node_extra_fee`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.contracts.hooks import node_has_no_active_contracts
from sc4it.contracts.lifecycle import create_contract
from sc4it.contracts.node import ensure_may_deploy
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import ContractCreated, NodeExtraFeeSet
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import RentContract
from sc4it.reads import caller_twin_id, farmed_node, node_and_farm


def handle_create_rent_contract(tx: Tx, call: c.CreateRentContract) -> None:
    """RC-01..RC-09, OPT-26."""
    node_id = call.node_id
    if node_id in tx.active_rent_contract_for_node:  # RC-01
        fail(Error.NodeHasRentContract)
    _, farm = node_and_farm(tx, node_id)  # RC-02, RC-03 (RC-09: the power state is not checked)
    ensure_may_deploy(tx, node_id)  # OPT-26
    active = tx.active_node_contracts.get(node_id)
    if not (farm.dedicated_farm or active is None or len(active) == 0):  # RC-04
        fail(Error.NodeNotAvailableToDeploy)
    twin_id = caller_twin_id(tx)  # RC-05
    contract = create_contract(tx, twin_id, RentContract(node_id), call.solution_provider_id)  # RC-06
    tx.active_rent_contract_for_node[node_id] = contract.contract_id  # RC-07
    tx.emit(ContractCreated(contract))  # RC-08


def handle_set_dedicated_node_extra_fee(tx: Tx, call: c.SetDedicatedNodeExtraFee) -> None:
    """XF-01..XF-06."""
    farmed_node(tx, call.node_id, Error.UnauthorizedToSetExtraFee)  # XF-01..XF-04
    if not node_has_no_active_contracts(tx, call.node_id):  # XF-05
        fail(Error.NodeHasActiveContracts)
    tx.dedicated_nodes_extra_fee[call.node_id] = call.extra_fee  # XF-06
    tx.emit(NodeExtraFeeSet(call.node_id, call.extra_fee))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreateRentContract: handle_create_rent_contract,
    c.SetDedicatedNodeExtraFee: handle_set_dedicated_node_extra_fee,
}
