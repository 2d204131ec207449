"""The grid registry: the part of pallet-tfgrid and pallet-tft-price that contracts read
(spec/registry.md). Each module owns one area and exposes `HANDLERS`; this package merges them."""

from __future__ import annotations

from sc4it.kernel.tx import Handler, merge_handlers
from sc4it.registry import farms, nodes, optout, price, pricing, transfer, twins

HANDLERS: dict[type, Handler] = merge_handlers(
    twins.HANDLERS,
    transfer.HANDLERS,
    farms.HANDLERS,
    nodes.HANDLERS,
    optout.HANDLERS,
    pricing.HANDLERS,
    price.HANDLERS,
)

__all__ = ["HANDLERS", "farms", "nodes", "optout", "price", "pricing", "transfer", "twins"]
