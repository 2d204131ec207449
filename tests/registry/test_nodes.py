"""Nodes: CreateNode, UpdateNode, SetNodeCertification, DeleteNodeFarm (spec/registry.md, NOD-xx)."""

from __future__ import annotations

from typing import Any

import pytest

from sc4it import calls, events
from sc4it.contracts import hooks
from sc4it.kernel.errors import Error
from sc4it.kernel.pmap import PSet
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Node, NodeCertification, NodePower, Power, PowerDown, Resources
from sc4it.registry.nodes import resources_changed

from .helpers import (
    ENV,
    GIB,
    account,
    council,
    edit,
    failed,
    fresh_account,
    ok,
    resources,
    run,
    with_certifiers,
    world,
)


def _with_twin(name: str = "eve-2") -> Any:
    """The default world plus an account `name` that owns twin 11 and no node."""
    s = fresh_account(world(), name)
    return ok(run(s, name, calls.CreateTwin()))


# --- CreateNode --------------------------------------------------------------------------------


def test_create_node_stores_node_and_indexes() -> None:
    """NOD-01, NOD-05, NOD-06, NOD-07, DEV-REG-6: node id = counter + 1, Diy, created = now, indexes,
    NodeStored, no power entry (default Up/Up)."""
    s = _with_twin()
    r = resources(sru=100, cru=1, mru=2)
    out = run(s, "eve-2", calls.CreateNode(2, r))
    s2 = ok(out)
    node = Node(5, 2, 11, r, NodeCertification.Diy, ENV.now)
    assert s2.nodes[5] == node
    assert s2.node_id == 5
    assert s2.node_id_by_twin_id[11] == 5
    assert s2.nodes_by_farm_id[2] == PSet((3, 5))
    assert 5 not in s2.node_power
    assert out.events == (events.NodeStored(node),)


def test_create_node_hdd_only() -> None:
    """NOD-04: an HDD-only node (hru >= 100 GiB, sru 0) is accepted (ADR-0022)."""
    s = _with_twin()
    assert ok(run(s, "eve-2", calls.CreateNode(1, resources(hru=100, sru=0)))).nodes[5].resources.sru == 0


@pytest.mark.parametrize(
    ("r", "error"),
    [
        (Resources(hru=100 * GIB - 1, sru=100 * GIB - 1, cru=1, mru=2 * GIB), Error.InvalidStorageInput),
        (Resources(hru=0, sru=0, cru=0, mru=0), Error.InvalidStorageInput),  # storage first
        (Resources(sru=100 * GIB, cru=0, mru=0), Error.InvalidCRUInput),  # then cru
        (Resources(sru=100 * GIB, cru=1, mru=2 * GIB - 1), Error.InvalidMRUInput),
    ],
)
def test_create_node_resource_minimums(r: Resources, error: Error) -> None:
    """NOD-04: storage, then cru, then mru."""
    s = _with_twin()
    failed(s, run(s, "eve-2", calls.CreateNode(1, r)), error)


def test_create_node_check_order() -> None:
    """NOD-01, NOD-02, NOD-03 order: FarmNotExists before TwinNotExists; NodeWithTwinIdExists before
    resources."""
    s = fresh_account(world(), "eve-2")  # no twin
    failed(s, run(s, "eve-2", calls.CreateNode(99, Resources())), Error.FarmNotExists)
    failed(s, run(s, "eve-2", calls.CreateNode(1, Resources())), Error.TwinNotExists)
    w = world()
    failed(w, run(w, "node-1", calls.CreateNode(1, Resources())), Error.NodeWithTwinIdExists)


# --- UpdateNode --------------------------------------------------------------------------------


def test_update_node() -> None:
    """NOD-10..15: the node's twin updates resources (Diy stays Diy); created is kept; NodeUpdated."""
    s = world()
    r = resources(sru=500, cru=6, mru=12)
    out = run(s, "node-1", calls.UpdateNode(1, 1, r))
    s2 = ok(out)
    old = s.nodes[1]
    node = Node(1, 1, old.twin_id, r, NodeCertification.Diy, old.created)
    assert s2.nodes[1] == node
    assert out.events == (events.NodeUpdated(node),)


def test_update_node_moves_farm() -> None:
    """NOD-14: moving a node between farms updates both farm sets; an emptied set is removed."""
    s = world()
    s2 = ok(run(s, "node-3", calls.UpdateNode(3, 1, s.nodes[3].resources)))
    assert s2.nodes[3].farm_id == 1
    assert 2 not in s2.nodes_by_farm_id  # farm 2 had only node 3
    assert s2.nodes_by_farm_id[1] == PSet((1, 2, 3, 4))


def test_update_certified_node_resets_on_change() -> None:
    """NOD-13, NOD-15: a Certified node whose resources change by more than 1% becomes Diy;
    NodeCertificationSet(Diy) comes before NodeUpdated; within 1% it stays Certified."""
    s = world()
    r = s.nodes[2].resources
    small = Resources(r.hru, r.sru + r.sru // 100, r.cru, r.mru)  # exactly 1%: not a change
    s_small = ok(run(s, "node-2", calls.UpdateNode(2, 1, small)))
    assert s_small.nodes[2].certification == NodeCertification.Certified
    big = Resources(r.hru, r.sru, r.cru + 1, r.mru)  # 1 core of 32 is > 1%
    out = run(s, "node-2", calls.UpdateNode(2, 1, big))
    s2 = ok(out)
    assert s2.nodes[2].certification == NodeCertification.Diy
    assert out.events == (
        events.NodeCertificationSet(2, NodeCertification.Diy),
        events.NodeUpdated(s2.nodes[2]),
    )


def test_update_node_errors_in_order() -> None:
    """NOD-10, NOD-11, NOD-12 order: NodeNotExists, TwinNotExists, NodeUpdateNotAuthorized (before
    FarmNotExists), FarmNotExists (before resources), then NOD-04."""
    s = fresh_account(world(), "eve-2")
    failed(s, run(s, "eve-2", calls.UpdateNode(99, 99, Resources())), Error.NodeNotExists)
    failed(s, run(s, "eve-2", calls.UpdateNode(1, 99, Resources())), Error.TwinNotExists)
    failed(s, run(s, "node-2", calls.UpdateNode(1, 99, Resources())), Error.NodeUpdateNotAuthorized)
    failed(s, run(s, "farmer-1", calls.UpdateNode(1, 1, resources())), Error.NodeUpdateNotAuthorized)
    failed(s, run(s, "node-1", calls.UpdateNode(1, 99, Resources())), Error.FarmNotExists)
    failed(s, run(s, "node-1", calls.UpdateNode(1, 1, Resources(sru=100 * GIB))), Error.InvalidCRUInput)


@pytest.mark.parametrize(
    ("before", "after", "changed"),
    [
        (100, 101, False),  # 1% of 100 = 1
        (100, 102, True),
        (100, 99, False),
        (100, 98, True),
        (150, 151, False),  # 1% of 150 = 1.5 -> 1 (ties down)
        (150, 152, True),
        (250, 252, False),  # 2.5 -> 2 (ties down)
        (250, 253, True),
        (0, 0, False),
        (0, 1, True),
        (49, 50, True),  # 0.49 -> 0
        (1 << 63, 0, True),  # i64 wrap: |i64::MIN| stays i64::MIN -> 2^63 as u64
    ],
)
def test_resources_changed_wiggle(before: int, after: int, changed: bool) -> None:
    """NOD-13: TFChain's has_changed with 1% tolerance (Percent rounding ties down)."""
    a = Resources(hru=before)
    b = Resources(hru=after)
    assert resources_changed(a, b, 1) is changed
    assert resources_changed(Resources(cru=before), Resources(cru=after), 1) is changed


# --- SetNodeCertification ----------------------------------------------------------------------


def test_set_node_certification_by_council() -> None:
    """NOD-20, NOD-22: the council certifies; NodeUpdated then NodeCertificationSet."""
    s = world()
    out = council(s, calls.SetNodeCertification(1, NodeCertification.Certified))
    s2 = ok(out)
    assert s2.nodes[1].certification == NodeCertification.Certified
    assert out.events == (
        events.NodeUpdated(s2.nodes[1]),
        events.NodeCertificationSet(1, NodeCertification.Certified),
    )


def test_set_node_certification_by_certifier() -> None:
    """NOD-20: an account in roles.node_certifiers may certify and un-certify."""
    s = with_certifiers(world(), "charlie")
    s2 = ok(run(s, "charlie", calls.SetNodeCertification(2, NodeCertification.Diy)))
    assert s2.nodes[2].certification == NodeCertification.Diy


def test_set_node_certification_errors() -> None:
    """NOD-20, NOD-21: NotAllowedToCertifyNode (checked before the node); NodeNotExists."""
    s = world()
    failed(
        s,
        run(s, "alice", calls.SetNodeCertification(1, NodeCertification.Certified)),
        Error.NotAllowedToCertifyNode,
    )
    failed(
        s,
        run(s, "alice", calls.SetNodeCertification(99, NodeCertification.Certified)),
        Error.NotAllowedToCertifyNode,
    )
    failed(s, council(s, calls.SetNodeCertification(99, NodeCertification.Certified)), Error.NodeNotExists)
    c = with_certifiers(s, "charlie")
    failed(
        c, run(c, "charlie", calls.SetNodeCertification(99, NodeCertification.Certified)), Error.NodeNotExists
    )


# --- DeleteNodeFarm ----------------------------------------------------------------------------


def test_delete_node_farm_removes_node_and_indexes() -> None:
    """NOD-30, NOD-32, NOD-34, DEV-REG-4: the farmer deletes a node; node, twin index, farm set entry,
    power and extra-fee entries go; NodeDeleted; the twin stays and can register a new node."""
    s = world()

    def setup(tx: Tx) -> None:
        tx.node_power[4] = NodePower(PowerDown(5), Power.Down)
        tx.dedicated_nodes_extra_fee[4] = 1000

    from .helpers import write

    s = write(s, setup)
    out = run(s, "farmer-1", calls.DeleteNodeFarm(4))
    s2 = ok(out)
    assert 4 not in s2.nodes
    assert 10 not in s2.node_id_by_twin_id
    assert s2.nodes_by_farm_id[1] == PSet((1, 2))
    assert 4 not in s2.node_power and 4 not in s2.dedicated_nodes_extra_fee
    assert out.events == (events.NodeDeleted(4),)
    assert 10 in s2.twins
    s3 = ok(run(s2, "node-4", calls.CreateNode(1, resources())))
    assert s3.nodes[5].twin_id == 10


def test_delete_last_node_of_farm_drops_farm_set() -> None:
    """NOD-32: the farm's emptied node set is removed."""
    s = world()
    s2 = ok(run(s, "farmer-2", calls.DeleteNodeFarm(3)))
    assert 2 not in s2.nodes_by_farm_id


def test_delete_node_farm_hook_runs_before_removal(monkeypatch: pytest.MonkeyPatch) -> None:
    """NOD-33: hooks.node_deleted runs while the node still exists; its events precede NodeDeleted and
    its writes are kept."""
    seen: list[tuple[int, bool, bool]] = []

    def node_deleted(tx: Tx, node_id: int) -> None:
        seen.append((node_id, node_id in tx.nodes, node_id in tx.node_id_by_twin_id.current.values()))
        tx.emit(events.RentWaived(42))
        tx.dedicated_nodes_extra_fee[77] = 5  # a write by the hook

    monkeypatch.setattr(hooks, "node_deleted", node_deleted)
    s = world()
    out = run(s, "farmer-1", calls.DeleteNodeFarm(1))
    s2 = ok(out)
    assert seen == [(1, True, True)]
    assert out.events == (events.RentWaived(42), events.NodeDeleted(1))
    assert s2.dedicated_nodes_extra_fee[77] == 5


def test_delete_node_farm_errors_in_order() -> None:
    """NOD-30, NOD-31 order: TwinNotExists (before NodeNotExists), NodeNotExists, FarmNotExists,
    FarmerNotAuthorized; the hook does not run on failure."""
    s = fresh_account(world(), "eve-2")
    failed(s, run(s, "eve-2", calls.DeleteNodeFarm(99)), Error.TwinNotExists)
    failed(s, run(s, "farmer-1", calls.DeleteNodeFarm(99)), Error.NodeNotExists)
    failed(s, run(s, "farmer-2", calls.DeleteNodeFarm(1)), Error.FarmerNotAuthorized)
    failed(s, run(s, "node-1", calls.DeleteNodeFarm(1)), Error.FarmerNotAuthorized)
    no_farm = edit(s, farms=s.farms.delete(1))
    failed(no_farm, run(no_farm, "farmer-1", calls.DeleteNodeFarm(1)), Error.FarmNotExists)


def test_delete_node_farm_no_hook_on_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """NOD-31, NOD-33: an unauthorized delete never reaches the contract hook."""
    called: list[int] = []
    monkeypatch.setattr(hooks, "node_deleted", lambda tx, node_id: called.append(node_id))
    s = world()
    failed(s, run(s, "farmer-2", calls.DeleteNodeFarm(1)), Error.FarmerNotAuthorized)
    assert called == []


def test_node_certifier_list_uses_account() -> None:
    """NOD-20: being a certifier is per account, not per twin: the certifier needs no twin."""
    s = with_certifiers(fresh_account(world(), "auditor"), "auditor")
    assert (
        ok(run(s, "auditor", calls.SetNodeCertification(1, NodeCertification.Certified)))
        .nodes[1]
        .certification
        == NodeCertification.Certified
    )
    assert account("auditor") not in s.twin_id_by_account_id
