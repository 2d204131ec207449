"""Node contracts (spec/contracts.md, rules NC-xx and NU-xx): TFChain's `create_node_contract` and
`update_node_contract`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.contracts.lifecycle import create_contract
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import ContractCreated, ContractUpdated
from sc4it.kernel.pmap import index_add
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    ContractBillingInformation,
    Created,
    Deleted,
    GracePeriod,
    NodeContract,
)
from sc4it.reads import caller_twin_id, node_power, twin_of

_CREATED = Created()


def node_is_dedicated(tx: Tx, node_id: int, dedicated_farm: bool) -> bool:
    """NC-06: a node is dedicated (usable only under a rent contract) when it has a non-zero extra fee
    or its farm is dedicated."""
    return (tx.dedicated_nodes_extra_fee.get(node_id) or 0) > 0 or dedicated_farm


def ensure_may_deploy(tx: Tx, node_id: int) -> None:
    """OPT-25, OPT-26: on a node opted out of v3 billing only a twin admin's account may create a
    contract (`OnlyTwinAdminCanDeployOnThisNode`)."""
    if node_id in tx.node_v3_billing_opt_out and tx.who not in tx.allowed_twin_admins:
        fail(Error.OnlyTwinAdminCanDeployOnThisNode)


def handle_create_node_contract(tx: Tx, call: c.CreateNodeContract) -> None:
    """NC-01..NC-13, OPT-25."""
    cfg = tx.config
    if len(call.deployment_data) > cfg.max_deployment_data_length:  # NC-01
        fail(Error.DeploymentDataTooLong)
    twin_id = caller_twin_id(tx)  # NC-02
    node_id = call.node_id
    node = tx.nodes.get(node_id)
    if node is None:  # NC-03
        fail(Error.NodeNotExists)
    if node_power(tx, node_id).is_standby_phase():  # NC-04
        fail(Error.NodeNotAvailableToDeploy)
    ensure_may_deploy(tx, node_id)  # OPT-25
    farm = tx.farms.get(node.farm_id)
    if farm is None:  # NC-05
        fail(Error.FarmNotExists)
    rent_id = tx.active_rent_contract_for_node.get(node_id)
    if rent_id is not None:
        rent = tx.contracts.get(rent_id)
        if rent is None:  # NC-07
            fail(Error.ContractNotExists)
        if rent.twin_id != twin_id or rent.state != _CREATED:  # NC-07
            fail(Error.NodeNotAvailableToDeploy)
    elif node_is_dedicated(tx, node_id, farm.dedicated_farm):  # NC-06, NC-07
        fail(Error.NodeNotAvailableToDeploy)
    key = (node_id, call.deployment_hash)
    indexed = tx.contract_id_by_node_id_and_hash.get(key)
    if indexed is not None:
        other = tx.contracts.get(indexed)
        if other is None:  # NC-08
            fail(Error.ContractNotExists)
        if not isinstance(other.state, Deleted):  # NC-08
            fail(Error.ContractIsNotUnique)
    contract = create_contract(  # NC-09
        tx,
        twin_id,
        NodeContract(node_id, call.deployment_hash, call.deployment_data, call.public_ips, ()),
        call.solution_provider_id,
    )
    cid = contract.contract_id
    tx.contract_billing_information_by_id[cid] = ContractBillingInformation(0, tx.now, 0)  # NC-10
    tx.contract_id_by_node_id_and_hash[key] = cid  # NC-11
    index_add(tx.active_node_contracts, node_id, cid)  # NC-12
    tx.emit(ContractCreated(contract))  # NC-13


def handle_update_node_contract(tx: Tx, call: c.UpdateNodeContract) -> None:
    """NU-01..NU-09."""
    if len(call.deployment_data) > tx.config.max_deployment_data_length:  # NU-01
        fail(Error.DeploymentDataTooLong)
    contract = tx.contracts.get(call.contract_id)
    if contract is None:  # NU-02
        fail(Error.ContractNotExists)
    if twin_of(tx, contract.twin_id).account_id != tx.who:  # NU-03, NU-04
        fail(Error.TwinNotAuthorizedToUpdateContract)
    if isinstance(contract.state, GracePeriod):  # NU-05
        fail(Error.CannotUpdateContractInGraceState)
    nc = contract.contract_type
    if not isinstance(nc, NodeContract):  # NU-06
        fail(Error.InvalidContractType)
    cid = contract.contract_id
    new_key = (nc.node_id, call.deployment_hash)
    indexed = tx.contract_id_by_node_id_and_hash.get(new_key)
    if indexed is not None and indexed != cid:
        other = tx.contracts.get(indexed)
        if other is not None and not isinstance(other.state, Deleted):  # NU-07, DEV-CON-1
            fail(Error.ContractIsNotUnique)
    tx.contract_id_by_node_id_and_hash.pop((nc.node_id, nc.deployment_hash))  # NU-08
    tx.contract_id_by_node_id_and_hash[new_key] = cid
    if call.deployment_hash != nc.deployment_hash:  # NU-08, DEP-39
        tx.deployed_contracts.pop(cid)
    contract = contract.with_contract_type(nc.with_deployment(call.deployment_hash, call.deployment_data))
    tx.contracts[cid] = contract  # NU-08
    tx.emit(ContractUpdated(contract))  # NU-09


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreateNodeContract: handle_create_node_contract,
    c.UpdateNodeContract: handle_update_node_contract,
}
