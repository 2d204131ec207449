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
from sc4it.reads import caller_twin_id


def handle_create_rent_contract(tx: Tx, call: c.CreateRentContract) -> None:
    """RC-01..RC-08. Origin: signed. Checks in TFChain's order (the caller's twin comes late):

    RC-01 the node has no rent contract (`NodeHasRentContract`); RC-02 the node exists
    (`NodeNotExists`); RC-03 its farm exists (`FarmNotExists`); OPT-26 on an opted-out node the caller is a
    twin admin (`OnlyTwinAdminCanDeployOnThisNode`); RC-04 the farm is dedicated or the node
    has no active node contract (`NodeNotAvailableToDeploy`); RC-05 the caller has a twin
    (`TwinNotExists`); RC-06 `create_contract` (solution provider, billing loop...). The node's power
    state is not checked: a standby node can be rented (RC-09). Effects RC-07: the node's rent index;
    RC-08 event `ContractCreated(contract)`."""
    node_id = call.node_id
    if node_id in tx.active_rent_contract_for_node:
        fail(Error.NodeHasRentContract)
    node = tx.nodes.get(node_id)
    if node is None:
        fail(Error.NodeNotExists)
    farm = tx.farms.get(node.farm_id)
    if farm is None:
        fail(Error.FarmNotExists)
    ensure_may_deploy(tx, node_id)  # OPT-26
    active = tx.active_node_contracts.get(node_id)
    if not (farm.dedicated_farm or active is None or len(active) == 0):
        fail(Error.NodeNotAvailableToDeploy)
    twin_id = caller_twin_id(tx)
    contract = create_contract(tx, twin_id, RentContract(node_id), call.solution_provider_id)
    tx.active_rent_contract_for_node[node_id] = contract.contract_id
    tx.emit(ContractCreated(contract))


def handle_set_dedicated_node_extra_fee(tx: Tx, call: c.SetDedicatedNodeExtraFee) -> None:
    """XF-01..XF-06. Origin: signed, the node's farmer. In order: XF-01 the caller has a twin
    (`TwinNotExists`); XF-02 the node exists (`NodeNotExists`); XF-03 its farm exists
    (`FarmNotExists`); XF-04 the caller's twin is the farm's (`UnauthorizedToSetExtraFee`); XF-05 the
    node has no active node contract and no rent contract (`NodeHasActiveContracts`). Effect XF-06: the
    fee (mUSD per month) is stored, 0 included (a zero fee no longer makes the node dedicated); event
    `NodeExtraFeeSet{node_id, extra_fee}`."""
    twin_id = caller_twin_id(tx)
    node = tx.nodes.get(call.node_id)
    if node is None:
        fail(Error.NodeNotExists)
    farm = tx.farms.get(node.farm_id)
    if farm is None:
        fail(Error.FarmNotExists)
    if twin_id != farm.twin_id:
        fail(Error.UnauthorizedToSetExtraFee)
    if not node_has_no_active_contracts(tx, call.node_id):
        fail(Error.NodeHasActiveContracts)
    tx.dedicated_nodes_extra_fee[call.node_id] = call.extra_fee
    tx.emit(NodeExtraFeeSet(call.node_id, call.extra_fee))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreateRentContract: handle_create_rent_contract,
    c.SetDedicatedNodeExtraFee: handle_set_dedicated_node_extra_fee,
}
