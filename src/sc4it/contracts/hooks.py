"""Hooks pallet-tfgrid calls into the contract side (TFChain's `Tfgrid` trait hooks).

The contracts issue fills these in; until then they do nothing (no contract can exist yet).
"""

from __future__ import annotations

from ..tx import Tx


def node_deleted(tx: Tx, node_id: int) -> None:
    """Cancel every contract on the node (and its rent contract) before the node is removed."""


def node_power_state_changed(tx: Tx, node_id: int) -> None:
    """Called after a node's power state changed (a rent contract restarts its clock on wake-up)."""


def node_has_no_active_contracts(tx: Tx, node_id: int) -> bool:
    """True when the node has no active node contract and no rent contract."""
    active = tx.active_node_contracts.get(node_id)
    return (active is None or len(active) == 0) and node_id not in tx.active_rent_contract_for_node
