"""Billing (the billing issue fills this package).

`bill_contract(tx, contract_id)` is the settlement seam the contract side calls when a contract is
cancelled: until billing lands it only removes contracts that are already marked Deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..events import Event
from ..state import State
from ..tx import BlockEnv, Tx

HANDLERS: dict[type, Callable[[Tx, Any], None]] = {}
BLOCK_HOOKS: list[Callable[[State, BlockEnv], tuple[State, list[Event]]]] = []


def bill_contract(tx: Tx, contract_id: int) -> None:
    """Settlement seam (see module docstring)."""
    from ..contracts import lifecycle  # type: ignore[attr-defined]

    contract = tx.contracts.get(contract_id)
    if contract is not None and type(contract.state).__name__ == "Deleted":
        lifecycle.remove_contract(tx, contract_id)
