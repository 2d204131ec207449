"""Records of the contract lifecycle changed in one place each (spec/contracts.md CON-20..CON-33): the
billing shards, the active node contracts of a node, and a contract's state. Both the call handlers and the
billing wing build on these; this module imports neither.
"""

from __future__ import annotations

from sc4it.kernel.errors import Error, fail
from sc4it.kernel.pmap import PSet, index_add, index_discard
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Contract, ContractState, Created, Deleted, GracePeriod, NodeContract

_EMPTY_IDS: PSet[int] = PSet()


# --------------------------------------------------------------------------------------------------
# Billing loop (CON-20..CON-22)


def billing_loop_index(tx: Tx, contract_id: int) -> int:
    """CON-20: the billing shard of a contract, `id % BillingFrequency` (the current frequency)."""
    return contract_id % tx.billing_frequency


def insert_contract_in_billing_loop(tx: Tx, contract_id: int) -> None:
    """CON-21: add the id to its shard (only at creation; a no-op if already there)."""
    index_add(tx.contracts_to_bill_at, billing_loop_index(tx, contract_id), contract_id)


def remove_contract_from_billing_loop(tx: Tx, contract_id: int) -> None:
    """CON-22: remove the id from shard `id % BillingFrequency`; `ContractWrongBillingLoopIndex` if it is
    not there (TFChain pitfall P-A: after the frequency changed, older ids sit in another shard)."""
    if not index_discard(tx.contracts_to_bill_at, billing_loop_index(tx, contract_id), contract_id):
        fail(Error.ContractWrongBillingLoopIndex)


# --------------------------------------------------------------------------------------------------
# State changes (CON-30..CON-33)


def remove_active_node_contract(tx: Tx, node_id: int, contract_id: int) -> None:
    """Drop `contract_id` from `ActiveNodeContracts[node_id]` (the key goes when the set empties)."""
    index_discard(tx.active_node_contracts, node_id, contract_id)


def update_contract_state(tx: Tx, contract: Contract, state: ContractState) -> Contract:
    """CON-30..CON-33, TFChain's `update_contract_state`; returns the contract as stored afterwards.

    A change from GracePeriod(x) to GracePeriod(y) is refused silently (the grace start never moves);
    any other change is stored. For a node contract `ActiveNodeContracts` follows: the id leaves it when
    the contract is now Deleted, and joins it (if missing) when the requested state is Created."""
    if contract.state != state and not (
        isinstance(contract.state, GracePeriod) and isinstance(state, GracePeriod)
    ):
        contract = contract.with_state(state)
        tx.contracts[contract.contract_id] = contract
    ct = contract.contract_type
    if not isinstance(ct, NodeContract):
        return contract
    ids = tx.active_node_contracts.get(ct.node_id) or _EMPTY_IDS
    if contract.contract_id in ids:
        if isinstance(contract.state, Deleted):
            remove_active_node_contract(tx, ct.node_id, contract.contract_id)
    elif isinstance(state, Created):
        index_add(tx.active_node_contracts, ct.node_id, contract.contract_id)
    return contract
