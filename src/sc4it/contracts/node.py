"""Node contracts (spec/contracts.md, rules NC-xx and NU-xx): TFChain's `create_node_contract` and
`update_node_contract`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.contracts.lifecycle import create_contract
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import ContractCreated, ContractUpdated
from sc4it.kernel.pmap import PSet
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    Contract,
    ContractBillingInformation,
    Created,
    Deleted,
    GracePeriod,
    NodeContract,
)
from sc4it.reads import caller_twin_id, node_power

_EMPTY_IDS: PSet[int] = PSet()
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
    """NC-01..NC-13. Origin: signed. Checks in order:

    NC-01 deployment data ≤ `max_deployment_data_length` (`DeploymentDataTooLong`; TFChain's bounded
    type rejects it while decoding, before any other check); NC-02 the caller has a twin
    (`TwinNotExists`); NC-03 the node exists (`NodeNotExists`); NC-04 the node is not standby nor heading
    there (`NodeNotAvailableToDeploy`); OPT-25 on an opted-out node the caller is a twin admin
    (`OnlyTwinAdminCanDeployOnThisNode`); NC-05 its farm exists (`FarmNotExists`); NC-07 with a rent
    contract on the node, that contract must exist (`ContractNotExists`), belong to the caller and be
    Created, without one the node must not be dedicated (NC-06) (both `NodeNotAvailableToDeploy`);
    NC-08 if (node, hash) is indexed, the indexed contract must exist (`ContractNotExists`) and be
    Deleted (`ContractIsNotUnique`); NC-09 `create_contract` (IPs, solution provider, billing loop...).
    Effects NC-10..NC-13: billing information {last_updated: now}, the (node, hash) index, the node's
    active list; event `ContractCreated(contract)` with the reserved IPs."""
    cfg = tx.config
    if len(call.deployment_data) > cfg.max_deployment_data_length:
        fail(Error.DeploymentDataTooLong)
    twin_id = caller_twin_id(tx)
    node_id = call.node_id
    node = tx.nodes.get(node_id)
    if node is None:
        fail(Error.NodeNotExists)
    if node_power(tx, node_id).is_standby_phase():
        fail(Error.NodeNotAvailableToDeploy)
    ensure_may_deploy(tx, node_id)  # OPT-25
    farm = tx.farms.get(node.farm_id)
    if farm is None:
        fail(Error.FarmNotExists)
    dedicated = node_is_dedicated(tx, node_id, farm.dedicated_farm)
    rent_id = tx.active_rent_contract_for_node.get(node_id)
    if rent_id is not None:
        rent = tx.contracts.get(rent_id)
        if rent is None:
            fail(Error.ContractNotExists)
        if rent.twin_id != twin_id or rent.state != _CREATED:
            fail(Error.NodeNotAvailableToDeploy)
    elif dedicated:
        fail(Error.NodeNotAvailableToDeploy)
    key = (node_id, call.deployment_hash)
    indexed = tx.contract_id_by_node_id_and_hash.get(key)
    if indexed is not None:
        other = tx.contracts.get(indexed)
        if other is None:
            fail(Error.ContractNotExists)
        if not isinstance(other.state, Deleted):
            fail(Error.ContractIsNotUnique)
    contract = create_contract(
        tx,
        twin_id,
        NodeContract(node_id, call.deployment_hash, call.deployment_data, call.public_ips, ()),
        call.solution_provider_id,
    )
    cid = contract.contract_id
    tx.contract_billing_information_by_id[cid] = ContractBillingInformation(0, tx.now, 0)
    tx.contract_id_by_node_id_and_hash[key] = cid
    tx.active_node_contracts[node_id] = (tx.active_node_contracts.get(node_id) or _EMPTY_IDS).add(cid)
    tx.emit(ContractCreated(contract))


def handle_update_node_contract(tx: Tx, call: c.UpdateNodeContract) -> None:
    """NU-01..NU-09. Origin: signed, the contract's owner. Checks in order:

    NU-01 deployment data bound (`DeploymentDataTooLong`, as NC-01); NU-02 the contract exists
    (`ContractNotExists`); NU-03 its twin exists (`TwinNotExists`); NU-04 the caller is that twin's
    account (`TwinNotAuthorizedToUpdateContract`); NU-05 the contract is not in grace
    (`CannotUpdateContractInGraceState`); NU-06 it is a node contract (`InvalidContractType`); NU-07 the
    new (node, hash) is not indexed to another live contract (`ContractIsNotUnique`; DEV-CON-1, TFChain
    does not check, reference P-D). Effects NU-08: the index moves from the old hash to the new one,
    hash and data are replaced; the deployment confirmation is dropped when the hash changes (DEP-39);
    NU-09 event `ContractUpdated(contract)`."""
    if len(call.deployment_data) > tx.config.max_deployment_data_length:
        fail(Error.DeploymentDataTooLong)
    contract = tx.contracts.get(call.contract_id)
    if contract is None:
        fail(Error.ContractNotExists)
    twin = tx.twins.get(contract.twin_id)
    if twin is None:
        fail(Error.TwinNotExists)
    if twin.account_id != tx.who:
        fail(Error.TwinNotAuthorizedToUpdateContract)
    if isinstance(contract.state, GracePeriod):
        fail(Error.CannotUpdateContractInGraceState)
    nc = contract.contract_type
    if not isinstance(nc, NodeContract):
        fail(Error.InvalidContractType)
    cid = contract.contract_id
    new_key = (nc.node_id, call.deployment_hash)
    indexed = tx.contract_id_by_node_id_and_hash.get(new_key)
    if indexed is not None and indexed != cid:
        other = tx.contracts.get(indexed)
        if other is not None and not isinstance(other.state, Deleted):
            fail(Error.ContractIsNotUnique)
    tx.contract_id_by_node_id_and_hash.pop((nc.node_id, nc.deployment_hash))
    tx.contract_id_by_node_id_and_hash[new_key] = cid
    if call.deployment_hash != nc.deployment_hash:
        tx.deployed_contracts.pop(cid)
    contract = Contract(
        contract.version,
        contract.state,
        cid,
        contract.twin_id,
        NodeContract(
            nc.node_id, call.deployment_hash, call.deployment_data, nc.public_ips, nc.public_ips_list
        ),
        contract.solution_provider_id,
    )
    tx.contracts[cid] = contract
    tx.emit(ContractUpdated(contract))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreateNodeContract: handle_create_node_contract,
    c.UpdateNodeContract: handle_update_node_contract,
}
