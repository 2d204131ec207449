"""The lifecycle every contract shares (spec/contracts.md CON-xx): creation and cancellation, TFChain's
internal functions of the same names (grid_contract.rs). The call handlers (node.py, name.py, rent.py,
cancel.py...) build on them; the records they change are in `records`, removal in `billing.settlement`.

Direction: lifecycle -> billing -> records. `cancel_contract` marks a contract Deleted and hands it to
`billing.bill_contract`, which settles the elapsed time and then calls `settlement.remove_contract`
(TFChain's `bill_contract` Deleted branch).
"""

from __future__ import annotations

from collections.abc import Callable

from sc4it.contracts.billing.payment import bill_contract, pricing_of
from sc4it.contracts.billing.settlement import release_orphaned_reserve, remove_contract
from sc4it.contracts.ips import reserve_ip
from sc4it.contracts.providers import validate_solution_provider
from sc4it.contracts.records import (
    billing_loop_index,
    insert_contract_in_billing_loop,
    remove_active_node_contract,
    remove_contract_from_billing_loop,
    update_contract_state,
)
from sc4it.kernel.errors import Error, Fail, fail
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    CONTRACT_VERSION,
    Cause,
    Contract,
    ContractData,
    ContractPaymentState,
    Created,
    Deleted,
    NodeContract,
)

__all__ = [
    "billing_loop_index",
    "cancel_contract",
    "create_contract",
    "insert_contract_in_billing_loop",
    "release_orphaned_reserve",
    "remove_active_node_contract",
    "remove_contract",
    "remove_contract_from_billing_loop",
    "run_atomically",
    "update_contract_state",
]

_CREATED = Created()


# --------------------------------------------------------------------------------------------------
# Creation (CON-01..CON-08)


def create_contract(
    tx: Tx, twin_id: int, contract_type: ContractData, solution_provider_id: int | None
) -> Contract:
    """CON-01..CON-08, TFChain's `create_contract` (common to node, name and rent contracts)."""
    contract_id = tx.contract_id + 1  # CON-01
    if isinstance(contract_type, NodeContract):
        contract_type = reserve_ip(tx, contract_id, contract_type)  # CON-02
    validate_solution_provider(tx, solution_provider_id)  # CON-03
    insert_contract_in_billing_loop(tx, contract_id)  # CON-04
    contract = Contract(CONTRACT_VERSION, _CREATED, contract_id, twin_id, contract_type, solution_provider_id)
    tx.contracts[contract_id] = contract  # CON-05
    tx.contract_id = contract_id  # CON-06
    tx.contract_payment_state[contract_id] = ContractPaymentState(0, 0, 0, 0, tx.now, 0)  # CON-07
    return contract  # CON-08: no event here


# --------------------------------------------------------------------------------------------------
# Cancellation (CON-40)


def cancel_contract(tx: Tx, contract_id: int, cause: Cause) -> None:
    """CON-40 (the callers check who may cancel)."""
    contract = tx.contracts.get(contract_id)
    if contract is None:
        fail(Error.ContractNotExists)
    update_contract_state(tx, contract, Deleted(cause))
    bill_contract(tx, contract_id, pricing_of(tx))


# --------------------------------------------------------------------------------------------------
# Atomic sub-steps (CON-60)


def run_atomically(tx: Tx, step: Callable[[Tx], None]) -> bool:
    """CON-60, DEV-CON-3: whether `step` succeeded."""
    child = tx.fork()
    try:
        step(child)
    except Fail:
        return False
    tx.absorb(child)
    return True
