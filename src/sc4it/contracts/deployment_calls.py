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
from sc4it.reads import caller_twin_id


def _contract_of_callers_node(tx: Tx, contract_id: int) -> Contract:
    """DEP-20..DEP-24, shared by both calls."""
    twin_id = caller_twin_id(tx)  # DEP-20
    contract = tx.contracts.get(contract_id)
    if contract is None:  # DEP-21
        fail(Error.ContractNotExists)
    nc = contract.contract_type
    if not isinstance(nc, NodeContract):  # DEP-22
        fail(Error.InvalidContractType)
    node = tx.nodes.get(nc.node_id)
    if node is None:  # DEP-23
        fail(Error.NodeNotExists)
    if node.twin_id != twin_id:  # DEP-24
        fail(Error.NodeNotAuthorizedToConfirmDeployment)
    return contract


def handle_confirm_deployment(tx: Tx, call: c.ConfirmDeployment) -> None:
    """DEP-30..DEP-33."""
    contract = _contract_of_callers_node(tx, call.contract_id)  # DEP-20..DEP-24
    if not isinstance(contract.state, Created):  # DEP-30
        fail(Error.CannotUpdateContractInGraceState)
    if call.contract_id in tx.deployed_contracts:  # DEP-31
        fail(Error.ContractAlreadyDeployed)
    tx.deployed_contracts[call.contract_id] = tx.block  # DEP-32
    tx.emit(ContractDeployed(call.contract_id, tx.who))  # DEP-33


def handle_reject_deployment(tx: Tx, call: c.RejectDeployment) -> None:
    """DEP-34..DEP-38."""
    if len(call.reason) > tx.config.max_reject_reason_length:  # DEP-34
        fail(Error.RejectReasonTooLong)
    contract = _contract_of_callers_node(tx, call.contract_id)  # DEP-20..DEP-24
    if call.contract_id in tx.deployed_contracts:  # DEP-35
        fail(Error.ContractAlreadyDeployed)
    tx.emit(DeploymentRejected(contract.contract_id, call.reason))  # DEP-36
    cancel_contract(tx, contract.contract_id, Cause.CanceledByUser)  # DEP-37, DEP-38


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.ConfirmDeployment: handle_confirm_deployment,
    c.RejectDeployment: handle_reject_deployment,
}
