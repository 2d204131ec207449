"""The node's answer in the deployment handshake (spec/deployment.md, rules DEP-20..DEP-38): sc4it
extensions beyond TFChain (spec/extensions.md), from seeds 001 and 003: the node "sets the contract
`deployed` on the chain, else the contract is removed"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.contracts.lifecycle import cancel_contract
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import ContractDeployed, DeploymentRejected
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Cause, Contract, Created, NodeContract


def _contract_of_callers_node(tx: Tx, contract_id: int) -> Contract:
    """DEP-20..DEP-24, shared by both calls, in order: the caller has a twin (`TwinNotExists`); the
    contract exists (`ContractNotExists`); it is a node contract (`InvalidContractType`); its node exists
    (`NodeNotExists`); the caller's twin is that node's twin (`NodeNotAuthorizedToConfirmDeployment`)."""
    twin_id = tx.twin_id_by_account_id.get(tx.who)
    if twin_id is None:
        fail(Error.TwinNotExists)
    contract = tx.contracts.get(contract_id)
    if contract is None:
        fail(Error.ContractNotExists)
    nc = contract.contract_type
    if not isinstance(nc, NodeContract):
        fail(Error.InvalidContractType)
    node = tx.nodes.get(nc.node_id)
    if node is None:
        fail(Error.NodeNotExists)
    if node.twin_id != twin_id:
        fail(Error.NodeNotAuthorizedToConfirmDeployment)
    return contract


def handle_confirm_deployment(tx: Tx, call: c.ConfirmDeployment) -> None:
    """DEP-30..DEP-33. Origin: signed, the twin of the contract's node. After DEP-20..DEP-24: DEP-30 the
    contract is Created (`CannotUpdateContractInGraceState`: a contract in grace cannot be confirmed);
    DEP-31 it is not confirmed yet (`ContractAlreadyDeployed`). Effects DEP-32: the contract is marked
    deployed at this block (`DeployedContracts[id] = block`); DEP-33 event
    `ContractDeployed(contract_id, node account)`."""
    contract = _contract_of_callers_node(tx, call.contract_id)
    if not isinstance(contract.state, Created):
        fail(Error.CannotUpdateContractInGraceState)
    if call.contract_id in tx.deployed_contracts:
        fail(Error.ContractAlreadyDeployed)
    tx.deployed_contracts[call.contract_id] = tx.block
    tx.emit(ContractDeployed(call.contract_id, tx.who))


def handle_reject_deployment(tx: Tx, call: c.RejectDeployment) -> None:
    """DEP-34..DEP-38. Origin: signed, the twin of the contract's node. DEP-34 the reason is at most
    `max_reject_reason_length` bytes (`RejectReasonTooLong`, checked first like a decoding bound); then
    DEP-20..DEP-24; DEP-35 the contract is not confirmed (`ContractAlreadyDeployed`: once deployed, the
    node cannot take its word back). The state may be Created or in grace. Effects: DEP-36 event
    `DeploymentRejected{contract_id, reason}`; DEP-37 the contract is cancelled as its owner would
    (CON-40 with cause `CanceledByUser`): billed for the elapsed time, its IPs freed, removed; DEP-38 a
    failure of that settlement fails the call."""
    if len(call.reason) > tx.config.max_reject_reason_length:
        fail(Error.RejectReasonTooLong)
    contract = _contract_of_callers_node(tx, call.contract_id)
    if call.contract_id in tx.deployed_contracts:
        fail(Error.ContractAlreadyDeployed)
    tx.emit(DeploymentRejected(contract.contract_id, call.reason))
    cancel_contract(tx, contract.contract_id, Cause.CanceledByUser)


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.ConfirmDeployment: handle_confirm_deployment,
    c.RejectDeployment: handle_reject_deployment,
}
