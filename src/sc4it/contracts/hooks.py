"""Hooks pallet-tfgrid calls into the contract side (TFChain's `ChangeNode`, `NodeActiveContracts` and
`PublicIpModifier` traits; spec/contracts.md HK-xx, spec/ips.md IPS-20)."""

from __future__ import annotations

from collections.abc import Callable

from sc4it.contracts.ips import ip_removed
from sc4it.contracts.lifecycle import cancel_contract, run_atomically
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Cause
from sc4it.reads import node_power

__all__ = ["ip_removed", "node_deleted", "node_has_no_active_contracts", "node_power_state_changed"]


def _cancel_step(contract_id: int) -> Callable[[Tx], None]:
    def step(tx: Tx) -> None:
        cancel_contract(tx, contract_id, Cause.CanceledByUser)

    return step


def node_deleted(tx: Tx, node_id: int) -> None:
    """HK-01..HK-03, DEV-CON-3."""
    active = tx.active_node_contracts.get(node_id)
    for contract_id in active.sorted() if active is not None else ():  # HK-01
        if contract_id in tx.contracts:
            run_atomically(tx, _cancel_step(contract_id))  # HK-03
    rent_id = tx.active_rent_contract_for_node.get(node_id)
    if rent_id is not None and rent_id in tx.contracts:  # HK-02
        run_atomically(tx, _cancel_step(rent_id))  # HK-03


def node_power_state_changed(tx: Tx, node_id: int) -> None:
    """HK-10."""
    if node_power(tx, node_id).is_standby():
        return
    rent_id = tx.active_rent_contract_for_node.get(node_id)
    if rent_id is None:
        return
    ps = tx.contract_payment_state.get(rent_id)
    if ps is None:
        return
    tx.contract_payment_state[rent_id] = ps.with_clock(tx.now)


def node_has_no_active_contracts(tx: Tx, node_id: int) -> bool:
    """HK-20: true when the node has no active node contract and no rent contract (gates
    `change_power_target(Down)` and `set_dedicated_node_extra_fee`)."""
    active = tx.active_node_contracts.get(node_id)
    return (active is None or len(active) == 0) and node_id not in tx.active_rent_contract_for_node
