"""Reads of the grid registry's records that every part of the pallet shares, each written once with the
error TFChain returns when the record is missing. Rules call these instead of repeating the lookup.
"""

from __future__ import annotations

from typing import Protocol

from sc4it.kernel.errors import Error, fail
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Farm, Node, NodePower, Twin

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


def twin_of(tx: Tx, twin_id: int) -> Twin:
    """The twin `twin_id`; `TwinNotExists` if there is none."""
    twin = tx.twins.get(twin_id)
    if twin is None:
        fail(Error.TwinNotExists)
    return twin


def farm_of(tx: Tx, farm_id: int) -> Farm:
    """The farm `farm_id`; `FarmNotExists` if there is none."""
    farm = tx.farms.get(farm_id)
    if farm is None:
        fail(Error.FarmNotExists)
    return farm


def node_and_farm(tx: Tx, node_id: int) -> tuple[Node, Farm]:
    """The node `node_id` (`NodeNotExists`) and its farm (`FarmNotExists`)."""
    node = tx.nodes.get(node_id)
    if node is None:
        fail(Error.NodeNotExists)
    farm = tx.farms.get(node.farm_id)
    if farm is None:
        fail(Error.FarmNotExists)
    return node, farm


def farmed_node(tx: Tx, node_id: int, unauthorized: Error) -> tuple[int, Node, Farm]:
    """The caller's twin (`TwinNotExists`), the node (`NodeNotExists`) and its farm (`FarmNotExists`);
    `unauthorized` unless the caller's twin owns that farm (the node's farmer)."""
    twin_id = caller_twin_id(tx)
    node, farm = node_and_farm(tx, node_id)
    if farm.twin_id != twin_id:
        fail(unauthorized)
    return twin_id, node, farm
