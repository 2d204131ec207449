"""Nodes, their certification and power (spec/registry.md, rules NOD-xx and PWR-xx).

TFChain's `create_node`, `update_node`, `set_node_certification`, `delete_node_farm`,
`change_power_state` and `change_power_target`, reduced to the node fields contracts and billing read.
The contract side is reached only through `sc4it.contracts.hooks` (TFChain's `ChangeNode` and
`NodeActiveContracts` traits).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.contracts import hooks
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import (
    NodeCertificationSet,
    NodeDeleted,
    NodeStored,
    NodeUpdated,
    PowerStateChanged,
    PowerTargetChanged,
)
from sc4it.kernel.perthing import percent_mul
from sc4it.kernel.pmap import index_add, index_discard
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    Node,
    NodeCertification,
    Power,
    PowerDown,
    PowerState,
    PowerUp,
    Resources,
)
from sc4it.reads import caller_twin_id, farmed_node, node_power
from sc4it.registry.optout import forget_node

GIB = 1024**3
MIN_STORAGE = 100 * GIB
"""NOD-04: a node needs at least 100 GiB of HDD (hru) or of SSD (sru)."""
MIN_CRU = 1
MIN_MRU = 2 * GIB
RESOURCE_TOLERANCE_PERCENT = 1
"""NOD-13: a change within 1% (per resource) keeps a Certified node certified."""

_U64 = 1 << 64
_I64_MIN = -(1 << 63)


# --------------------------------------------------------------------------------------------------
# Resources


def validate_resources(r: Resources) -> None:
    """NOD-04: storage (hru or sru >= 100 GiB), then cru >= 1, then mru >= 2 GiB."""
    if r.hru < MIN_STORAGE and r.sru < MIN_STORAGE:
        fail(Error.InvalidStorageInput)
    if r.cru < MIN_CRU:
        fail(Error.InvalidCRUInput)
    if r.mru < MIN_MRU:
        fail(Error.InvalidMRUInput)


def _as_i64(x: int) -> int:
    return x - _U64 if x >= 1 << 63 else x


def _wrap_i64(x: int) -> int:
    x &= _U64 - 1
    return x - _U64 if x >= 1 << 63 else x


def _wiggled(before: int, after: int, tolerance_percent: int) -> bool:
    """TFChain's `wiggle`: |before − after| > tolerance% · before, computed as the release runtime does
    (`as i64` casts, wrapping i64 subtraction and `abs`, then `as u64`); Percent × u64 rounds to nearest,
    ties down."""
    allowed = percent_mul(min(tolerance_percent, 100), before)
    diff = _wrap_i64(_as_i64(before) - _as_i64(after))
    magnitude = diff if diff == _I64_MIN else abs(diff)  # i64::abs wraps on MIN
    return magnitude % _U64 > allowed


def resources_changed(before: Resources, after: Resources, tolerance_percent: int) -> bool:
    """NOD-13: TFChain's `Resources::has_changed` (cru, sru, hru, mru)."""
    return (
        _wiggled(before.cru, after.cru, tolerance_percent)
        or _wiggled(before.sru, after.sru, tolerance_percent)
        or _wiggled(before.hru, after.hru, tolerance_percent)
        or _wiggled(before.mru, after.mru, tolerance_percent)
    )


# --------------------------------------------------------------------------------------------------
# Index helpers


def _add_to_farm(tx: Tx, farm_id: int, node_id: int) -> None:
    index_add(tx.nodes_by_farm_id, farm_id, node_id)


def _remove_from_farm(tx: Tx, farm_id: int, node_id: int) -> None:
    """The `nodes_by_farm_id` entry of a farm without nodes is removed (absent = empty)."""
    index_discard(tx.nodes_by_farm_id, farm_id, node_id)


# --------------------------------------------------------------------------------------------------
# Handlers


def handle_create_node(tx: Tx, call: c.CreateNode) -> None:
    """NOD-01..07."""
    if call.farm_id not in tx.farms:  # NOD-01
        fail(Error.FarmNotExists)
    twin_id = caller_twin_id(tx)  # NOD-02
    if twin_id in tx.node_id_by_twin_id:  # NOD-03
        fail(Error.NodeWithTwinIdExists)
    validate_resources(call.resources)  # NOD-04
    node_id = tx.node_id + 1  # NOD-05
    node = Node(node_id, call.farm_id, twin_id, call.resources, NodeCertification.Diy, tx.now)
    tx.nodes[node_id] = node
    tx.node_id = node_id
    tx.node_id_by_twin_id[twin_id] = node_id
    _add_to_farm(tx, call.farm_id, node_id)
    tx.emit(NodeStored(node))  # NOD-06


def handle_update_node(tx: Tx, call: c.UpdateNode) -> None:
    """NOD-10..16 (the node's own twin)."""
    node = tx.nodes.get(call.node_id)
    if node is None:  # NOD-10
        fail(Error.NodeNotExists)
    twin_id = caller_twin_id(tx)  # NOD-11
    if node.twin_id != twin_id:  # NOD-11
        fail(Error.NodeUpdateNotAuthorized)
    if call.farm_id not in tx.farms:  # NOD-12
        fail(Error.FarmNotExists)
    validate_resources(call.resources)  # NOD-04
    if node.farm_id != call.farm_id and not hooks.node_has_no_active_contracts(tx, node.id):  # NOD-16
        fail(Error.NodeHasActiveContracts)  # its contracts hold IPs of the old farm (DEV-REG-7)
    if node.farm_id != call.farm_id:  # NOD-14
        _remove_from_farm(tx, node.farm_id, node.id)
        _add_to_farm(tx, call.farm_id, node.id)
    certification = node.certification
    if certification == NodeCertification.Certified and resources_changed(  # NOD-13
        node.resources, call.resources, RESOURCE_TOLERANCE_PERCENT
    ):
        certification = NodeCertification.Diy
        tx.emit(NodeCertificationSet(node.id, certification))
    node = node.with_farm_and_resources(call.farm_id, call.resources, certification)
    tx.nodes[node.id] = node
    tx.emit(NodeUpdated(node))  # NOD-15


def handle_set_node_certification(tx: Tx, call: c.SetNodeCertification) -> None:
    """NOD-20..22: the council or an account in `roles.node_certifiers`."""
    if tx.who != tx.roles.council and tx.who not in tx.roles.node_certifiers:  # NOD-20
        fail(Error.NotAllowedToCertifyNode)
    node = tx.nodes.get(call.node_id)
    if node is None:  # NOD-21
        fail(Error.NodeNotExists)
    node = node.with_certification(call.node_certification)
    tx.nodes[node.id] = node
    tx.emit(NodeUpdated(node))  # NOD-22
    tx.emit(NodeCertificationSet(node.id, call.node_certification))


def handle_delete_node_farm(tx: Tx, call: c.DeleteNodeFarm) -> None:
    """NOD-30..34: the farmer removes a node of their farm; its contracts are cancelled first."""
    _, node, _ = farmed_node(tx, call.node_id, Error.FarmerNotAuthorized)  # NOD-30, NOD-31
    node_id = node.id
    _remove_from_farm(tx, node.farm_id, node_id)  # NOD-32 (TFChain order: farm index first)
    hooks.node_deleted(tx, node_id)  # NOD-33: the node still exists while its contracts are settled
    del tx.nodes[node_id]  # NOD-34
    tx.node_id_by_twin_id.pop(node.twin_id)
    tx.node_power.pop(node_id)
    tx.dedicated_nodes_extra_fee.pop(node_id)
    forget_node(tx, node_id)  # OPT-04
    tx.emit(NodeDeleted(node_id))


def handle_change_power_state(tx: Tx, call: c.ChangePowerState) -> None:
    """PWR-01..04 (the node's own twin; TFChain: Pays::No)."""
    twin_id = caller_twin_id(tx)  # PWR-01
    node_id = tx.node_id_by_twin_id.get(twin_id)
    node = None if node_id is None else tx.nodes.get(node_id)
    if node_id is None or node is None:  # PWR-01
        fail(Error.NodeNotExists)
    state: PowerState = PowerUp() if call.power_state == Power.Up else PowerDown(tx.block)  # PWR-02
    power = node_power(tx, node_id)
    if power.state == state:  # PWR-03: no change, no write, no hook, no event
        return
    tx.node_power[node_id] = power.with_state(state)  # PWR-04
    hooks.node_power_state_changed(tx, node_id)
    tx.emit(PowerStateChanged(node.farm_id, node_id, state))


def handle_change_power_target(tx: Tx, call: c.ChangePowerTarget) -> None:
    """PWR-10..13 (the farmer twin)."""
    _, node, _ = farmed_node(tx, call.node_id, Error.UnauthorizedToChangePowerTarget)  # PWR-10, PWR-11
    if call.power_target == Power.Down and not hooks.node_has_no_active_contracts(tx, node.id):  # PWR-12
        fail(Error.NodeHasActiveContracts)
    power = node_power(tx, node.id)
    tx.node_power[node.id] = power.with_target(call.power_target)  # PWR-13
    tx.emit(PowerTargetChanged(node.farm_id, node.id, call.power_target))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreateNode: handle_create_node,
    c.UpdateNode: handle_update_node,
    c.SetNodeCertification: handle_set_node_certification,
    c.DeleteNodeFarm: handle_delete_node_farm,
    c.ChangePowerState: handle_change_power_state,
    c.ChangePowerTarget: handle_change_power_target,
}
