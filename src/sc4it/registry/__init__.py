"""The grid registry: the part of pallet-tfgrid and pallet-tft-price that contracts read
(spec/registry.md). Each module owns one area and exposes `HANDLERS`; this package merges them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.kernel.tx import Tx
from sc4it.registry import farms, nodes, optout, price, pricing, transfer, twins

HANDLERS: dict[type, Callable[[Tx, Any], None]] = {}
for _part in (
    twins.HANDLERS,
    transfer.HANDLERS,
    farms.HANDLERS,
    nodes.HANDLERS,
    optout.HANDLERS,
    pricing.HANDLERS,
    price.HANDLERS,
):
    if HANDLERS.keys() & _part.keys():  # pragma: no cover - a programming error
        raise RuntimeError(f"registry calls handled twice: {HANDLERS.keys() & _part.keys()}")
    HANDLERS.update(_part)

__all__ = ["HANDLERS", "farms", "nodes", "optout", "price", "pricing", "transfer", "twins"]
