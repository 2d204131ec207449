"""Settlement: removing a contract and everything it holds (spec/contracts.md CON-41..CON-52), TFChain's
`remove_contract`. Billing calls it for a Deleted contract (BIL-20); it is the only place a contract leaves
the billing loop.
"""

from __future__ import annotations

import contextlib

from sc4it import ledger
from sc4it.contracts.ips import free_ip
from sc4it.contracts.records import remove_active_node_contract, remove_contract_from_billing_loop
from sc4it.kernel.errors import Error, Fail, fail
from sc4it.kernel.events import NameContractCanceled, NodeContractCanceled, RentContractCanceled
from sc4it.kernel.pmap import PSet
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import NameContract, NodeContract, RentContract

_EMPTY_IDS: PSet[int] = PSet()


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
    tx.contract_payment_state[contract_id] = payment.with_reserves(0, 0)


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
