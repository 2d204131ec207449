"""The lifecycle every contract shares (spec/contracts.md CON-xx): creation, state changes, cancellation
and removal. These are TFChain's internal functions of the same names (grid_contract.rs) and the one
place each of these steps happens; the call handlers (node.py, name.py, rent.py, cancel.py...) and the
billing package build on them.

Seam with billing: `cancel_contract` marks a contract Deleted and hands it to `billing.bill_contract`,
which settles the elapsed time and then calls `remove_contract` (TFChain's `bill_contract` Deleted branch).
`remove_contract` is the only place a contract leaves the billing loop.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from sc4it import ledger
from sc4it.contracts.ips import free_ip, reserve_ip
from sc4it.contracts.providers import validate_solution_provider
from sc4it.kernel.errors import Error, Fail, fail
from sc4it.kernel.events import NameContractCanceled, NodeContractCanceled, RentContractCanceled
from sc4it.kernel.pmap import PSet
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    CONTRACT_VERSION,
    Cause,
    Contract,
    ContractData,
    ContractPaymentState,
    ContractState,
    Created,
    Deleted,
    GracePeriod,
    NameContract,
    NodeContract,
    RentContract,
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

_EMPTY_IDS: PSet[int] = PSet()
_CREATED = Created()


# --------------------------------------------------------------------------------------------------
# Billing loop (CON-20..CON-22)


def billing_loop_index(tx: Tx, contract_id: int) -> int:
    """CON-20: the billing shard of a contract, `id % BillingFrequency` (the current frequency)."""
    return contract_id % tx.billing_frequency


def insert_contract_in_billing_loop(tx: Tx, contract_id: int) -> None:
    """CON-21: add the id to its shard (only at creation; a no-op if already there)."""
    index = billing_loop_index(tx, contract_id)
    ids = tx.contracts_to_bill_at.get(index) or _EMPTY_IDS
    if contract_id not in ids:
        tx.contracts_to_bill_at[index] = ids.add(contract_id)


def remove_contract_from_billing_loop(tx: Tx, contract_id: int) -> None:
    """CON-22: remove the id from shard `id % BillingFrequency`; `ContractWrongBillingLoopIndex` if it is
    not there (TFChain pitfall P-A: after the frequency changed, older ids sit in another shard)."""
    index = billing_loop_index(tx, contract_id)
    ids = tx.contracts_to_bill_at.get(index)
    if ids is None or contract_id not in ids:
        fail(Error.ContractWrongBillingLoopIndex)
    rest = ids.discard(contract_id)
    if len(rest):
        tx.contracts_to_bill_at[index] = rest
    else:
        del tx.contracts_to_bill_at[index]


# --------------------------------------------------------------------------------------------------
# Creation (CON-01..CON-08)


def create_contract(
    tx: Tx, twin_id: int, contract_type: ContractData, solution_provider_id: int | None
) -> Contract:
    """CON-01..CON-08, TFChain's `create_contract`, common to node, name and rent contracts.

    In order: the id is the counter + 1; a node contract reserves its public IPs (IPS-01..IPS-06); the
    solution provider, if any, must exist and be approved (SP-20); the id joins its billing shard; the
    contract is stored (version 4, Created); the counter moves; a payment state stamped `now` is stored.
    The node-contract extras (billing information, node+hash index, active list) are the node-contract
    handler's (NC-10..NC-12)."""
    contract_id = tx.contract_id + 1
    if isinstance(contract_type, NodeContract):
        contract_type = reserve_ip(tx, contract_id, contract_type)
    validate_solution_provider(tx, solution_provider_id)
    insert_contract_in_billing_loop(tx, contract_id)
    contract = Contract(CONTRACT_VERSION, _CREATED, contract_id, twin_id, contract_type, solution_provider_id)
    tx.contracts[contract_id] = contract
    tx.contract_id = contract_id
    tx.contract_payment_state[contract_id] = ContractPaymentState(0, 0, 0, 0, tx.now, 0)
    return contract


# --------------------------------------------------------------------------------------------------
# State changes (CON-30..CON-33)


def remove_active_node_contract(tx: Tx, node_id: int, contract_id: int) -> None:
    """Drop `contract_id` from `ActiveNodeContracts[node_id]` (the key goes when the set empties)."""
    ids = tx.active_node_contracts.get(node_id)
    if ids is None or contract_id not in ids:
        return
    rest = ids.discard(contract_id)
    if len(rest):
        tx.active_node_contracts[node_id] = rest
    else:
        del tx.active_node_contracts[node_id]


def update_contract_state(tx: Tx, contract: Contract, state: ContractState) -> Contract:
    """CON-30..CON-33, TFChain's `update_contract_state`; returns the contract as stored afterwards.

    A change from GracePeriod(x) to GracePeriod(y) is refused silently (the grace start never moves);
    any other change is stored. For a node contract `ActiveNodeContracts` follows: the id leaves it when
    the contract is now Deleted, and joins it (if missing) when the requested state is Created."""
    if contract.state != state and not (
        isinstance(contract.state, GracePeriod) and isinstance(state, GracePeriod)
    ):
        contract = Contract(
            contract.version,
            state,
            contract.contract_id,
            contract.twin_id,
            contract.contract_type,
            contract.solution_provider_id,
        )
        tx.contracts[contract.contract_id] = contract
    ct = contract.contract_type
    if not isinstance(ct, NodeContract):
        return contract
    ids = tx.active_node_contracts.get(ct.node_id) or _EMPTY_IDS
    if contract.contract_id in ids:
        if isinstance(contract.state, Deleted):
            remove_active_node_contract(tx, ct.node_id, contract.contract_id)
    elif isinstance(state, Created):
        tx.active_node_contracts[ct.node_id] = ids.add(contract.contract_id)
    return contract


# --------------------------------------------------------------------------------------------------
# Cancellation and removal (CON-40..CON-52)


def cancel_contract(tx: Tx, contract_id: int, cause: Cause) -> None:
    """CON-40: mark the contract `Deleted(cause)` and settle it at once through billing, which bills the
    elapsed time, distributes what is reserved and removes the contract (`remove_contract`).

    Used by CancelContract, CancelContractCollective, RejectDeployment and the node-deleted hook; the
    callers check who may cancel. Any failure of the settlement fails the caller."""
    from sc4it.contracts import billing

    contract = tx.contracts.get(contract_id)
    if contract is None:
        fail(Error.ContractNotExists)
    update_contract_state(tx, contract, Deleted(cause))
    billing.bill_contract(tx, contract_id)


def release_orphaned_reserve(tx: Tx, contract_id: int) -> None:
    """CON-52 (DEV-CON-2): a node contract removed together with its rent contract is not billed, so any
    reserve it still holds would stay reserved on its twin for good in TFChain (spec/tfchain.md: facts).
    sc4it keeps
    "reserved == Σ contract reserves" by returning such a reserve to the twin's free balance.

    Billing's #1010 rule (a rent contract in expired grace waits while its node contracts hold reserves)
    makes this a no-op on the grace path; it matters when a nested contract's own settlement was skipped
    (e.g. a failed sub-step of the node-deleted hook)."""
    payment = tx.contract_payment_state.get(contract_id)
    contract = tx.contracts.get(contract_id)
    if payment is None or contract is None or not payment.has_reserve():
        return
    twin = tx.twins.get(contract.twin_id)
    if twin is None:
        return
    ledger.unreserve(tx, twin.account_id, payment.get_reserve())
    tx.contract_payment_state[contract_id] = ContractPaymentState(
        0,
        0,
        payment.standard_overdraft,
        payment.additional_overdraft,
        payment.last_updated_seconds,
        payment.cycles,
    )


def remove_contract(tx: Tx, contract_id: int) -> None:
    """CON-41..CON-51, TFChain's `remove_contract` (spec/tfchain.md).

    - node contract: free its IPs (event IPsFreed; errors ignored), leave the active list, drop the
      node+hash index, its reported resources and billing information; event NodeContractCanceled;
    - name contract: free the name; event NameContractCanceled;
    - rent contract: drop the node's rent index, then remove every node contract still active on the
      node (recursively, without billing them; CON-52 releases any reserve they hold); event
      RentContractCanceled;
    then delete the contract, its payment state and its deployment flag, and take it out of its billing
    shard (`ContractWrongBillingLoopIndex` if it is not there)."""
    contract = tx.contracts.get(contract_id)
    if contract is None:
        fail(Error.ContractNotExists)
    ct = contract.contract_type
    if isinstance(ct, NodeContract):
        if ct.public_ips > 0:
            with contextlib.suppress(Fail):  # TFChain logs and ignores a failure to free the IPs
                free_ip(tx, contract_id, ct)
        remove_active_node_contract(tx, ct.node_id, contract_id)
        tx.contract_id_by_node_id_and_hash.pop((ct.node_id, ct.deployment_hash))
        tx.node_contract_resources.pop(contract_id)
        tx.contract_billing_information_by_id.pop(contract_id)
        tx.emit(NodeContractCanceled(contract_id, ct.node_id, contract.twin_id))
    elif isinstance(ct, NameContract):
        tx.contract_id_by_name_registration.pop(ct.name)
        tx.emit(NameContractCanceled(contract_id))
    elif isinstance(ct, RentContract):
        tx.active_rent_contract_for_node.pop(ct.node_id)
        nested = tx.active_node_contracts.get(ct.node_id) or _EMPTY_IDS
        for node_contract_id in nested.sorted():
            release_orphaned_reserve(tx, node_contract_id)
            remove_contract(tx, node_contract_id)
        tx.emit(RentContractCanceled(contract_id))
    tx.contracts.pop(contract_id)
    tx.contract_payment_state.pop(contract_id)
    tx.deployed_contracts.pop(contract_id)
    remove_contract_from_billing_loop(tx, contract_id)


# --------------------------------------------------------------------------------------------------
# Atomic sub-steps (CON-60)


def run_atomically(tx: Tx, step: Callable[[Tx], None]) -> bool:
    """CON-60 (DEV-CON-3): run `step` on a fork of `tx`; keep its writes and events if it succeeds and
    drop them all if it fails. Returns whether it succeeded. (TFChain's node-deleted hook ignores a
    failed bill but keeps whatever that bill wrote before failing, reference P-I.)"""
    child = tx.fork()
    try:
        step(child)
    except Fail:
        return False
    tx.absorb(child)
    return True
