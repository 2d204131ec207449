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
    """CON-52, DEV-CON-2."""
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
    """CON-41..CON-51, TFChain's `remove_contract`."""
    contract = tx.contracts.get(contract_id)
    if contract is None:  # CON-41
        fail(Error.ContractNotExists)
    ct = contract.contract_type
    if isinstance(ct, NodeContract):
        if ct.public_ips > 0:
            with contextlib.suppress(Fail):  # CON-42: TFChain logs and ignores the error
                free_ip(tx, contract_id, ct)
        remove_active_node_contract(tx, ct.node_id, contract_id)  # CON-43
        tx.contract_id_by_node_id_and_hash.pop((ct.node_id, ct.deployment_hash))
        tx.node_contract_resources.pop(contract_id)
        tx.contract_billing_information_by_id.pop(contract_id)
        tx.emit(NodeContractCanceled(contract_id, ct.node_id, contract.twin_id))
    elif isinstance(ct, NameContract):
        tx.contract_id_by_name_registration.pop(ct.name)  # CON-45
        tx.emit(NameContractCanceled(contract_id))
    elif isinstance(ct, RentContract):
        tx.active_rent_contract_for_node.pop(ct.node_id)  # CON-46
        nested = tx.active_node_contracts.get(ct.node_id) or _EMPTY_IDS
        for node_contract_id in nested.sorted():
            release_orphaned_reserve(tx, node_contract_id)  # CON-52
            remove_contract(tx, node_contract_id)  # CON-46: not billed
        tx.emit(RentContractCanceled(contract_id))
    tx.contracts.pop(contract_id)  # CON-50
    tx.contract_payment_state.pop(contract_id)
    tx.deployed_contracts.pop(contract_id)
    remove_contract_from_billing_loop(tx, contract_id)
