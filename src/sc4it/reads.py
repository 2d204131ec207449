"""Reads of the grid registry's records that every part of the pallet shares, each written once with the
error TFChain returns when the record is missing. Rules call these instead of repeating the lookup.
"""

from __future__ import annotations

from typing import Protocol

from sc4it.kernel.errors import Error, fail
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Farm, Node, NodePower

POWER_UP = NodePower()
"""PWR rules: a node without a `NodePower` entry is Up with target Up (TFChain's `Default`)."""


class _PowerMap(Protocol):
    def get(self, key: int) -> NodePower | None: ...


class _Reads(Protocol):
    """A `State` or a `Tx`: both have the registry's maps."""

    @property
    def node_power(self) -> _PowerMap: ...


def node_power(reads: _Reads, node_id: int) -> NodePower:
    """The power record of `node_id` (Up/Up when absent)."""
    power = reads.node_power.get(node_id)
    return POWER_UP if power is None else power


def caller_twin_id(tx: Tx) -> int:
    """The id of the twin the caller owns; `TwinNotExists` if it owns none."""
    twin_id: int | None = tx.twin_id_by_account_id.get(tx.who)
    if twin_id is None:
        fail(Error.TwinNotExists)
    return twin_id


def node_and_farm(tx: Tx, node_id: int) -> tuple[Node, Farm]:
    """The node `node_id` (`NodeNotExists`) and its farm (`FarmNotExists`)."""
    node = tx.nodes.get(node_id)
    if node is None:
        fail(Error.NodeNotExists)
    farm = tx.farms.get(node.farm_id)
    if farm is None:
        fail(Error.FarmNotExists)
    return node, farm
