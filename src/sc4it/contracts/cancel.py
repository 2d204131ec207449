"""Cancelling contracts (spec/contracts.md, rules CC-xx): TFChain's `cancel_contract` (the owner) and
`cancel_contract_collective` (the council). Both end in `lifecycle.cancel_contract`: the contract is
marked Deleted and settled at once by billing, which removes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.contracts.lifecycle import cancel_contract
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.origins import ensure_council
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Cause, Contract, RentContract
from sc4it.reads import twin_of


def ensure_rent_contract_has_no_workloads(tx: Tx, contract: Contract) -> None:
    """CC-05: a rent contract can be cancelled only when no node contract (Created or in grace) is
    active on its node (`NodeHasActiveContracts`)."""
    ct = contract.contract_type
    if isinstance(ct, RentContract):
        active = tx.active_node_contracts.get(ct.node_id)
        if active is not None and len(active):
            fail(Error.NodeHasActiveContracts)


def handle_cancel_contract(tx: Tx, call: c.CancelContract) -> None:
    """CC-01..CC-06."""
    contract = tx.contracts.get(call.contract_id)
    if contract is None:  # CC-01
        fail(Error.ContractNotExists)
    if twin_of(tx, contract.twin_id).account_id != tx.who:  # CC-02, CC-03
        fail(Error.TwinNotAuthorizedToCancelContract)
    ensure_rent_contract_has_no_workloads(tx, contract)  # CC-05
    cancel_contract(tx, contract.contract_id, Cause.CanceledByUser)  # CC-06


def handle_cancel_contract_collective(tx: Tx, call: c.CancelContractCollective) -> None:
    """CC-10..CC-13."""
    ensure_council(tx)  # CC-10
    contract = tx.contracts.get(call.contract_id)
    if contract is None:  # CC-11
        fail(Error.ContractNotExists)
    ensure_rent_contract_has_no_workloads(tx, contract)  # CC-12 (CC-05)
    cancel_contract(tx, contract.contract_id, Cause.CanceledByCollective)  # CC-13


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CancelContract: handle_cancel_contract,
    c.CancelContractCollective: handle_cancel_contract_collective,
}
