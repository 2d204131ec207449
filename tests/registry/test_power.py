"""Node power: ChangePowerState and ChangePowerTarget (spec/registry.md, PWR-xx)."""

from __future__ import annotations

import pytest

from sc4it import calls, events
from sc4it.contracts import hooks
from sc4it.kernel.errors import Error
from sc4it.kernel.pmap import PSet
from sc4it.kernel.tx import BlockEnv, Tx
from sc4it.kernel.types import NodePower, Power, PowerDown, PowerUp

from .helpers import ENV, edit, failed, fresh_account, ok, run, world, write


def _record(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, NodePower | None]]:
    seen: list[tuple[int, NodePower | None]] = []

    def changed(tx: Tx, node_id: int) -> None:
        seen.append((node_id, tx.node_power.get(node_id)))

    monkeypatch.setattr(hooks, "node_power_state_changed", changed)
    return seen


def test_power_down_and_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """PWR-01, PWR-02, PWR-04: Down is stored as Down(current block), the hook sees the new state, then
    PowerStateChanged; Up restores Up; the target is kept."""
    seen = _record(monkeypatch)
    s = world()
    out = run(s, "node-1", calls.ChangePowerState(Power.Down))
    s2 = ok(out)
    assert s2.node_power[1] == NodePower(PowerDown(ENV.number), Power.Up)
    assert seen == [(1, NodePower(PowerDown(ENV.number), Power.Up))]
    assert out.events == (events.PowerStateChanged(1, 1, PowerDown(ENV.number)),)
    later = BlockEnv(ENV.number + 10, ENV.timestamp + 60_000)
    out = run(s2, "node-1", calls.ChangePowerState(Power.Up), later)
    s3 = ok(out)
    assert s3.node_power[1] == NodePower(PowerUp(), Power.Up)
    assert out.events == (events.PowerStateChanged(1, 1, PowerUp()),)
    assert len(seen) == 2


def test_power_state_unchanged_is_a_noop(monkeypatch: pytest.MonkeyPatch) -> None:
    """PWR-03: Up on an Up node (default entry) succeeds with no write, no hook and no event."""
    seen = _record(monkeypatch)
    s = world()
    s = edit(s, node_power=s.node_power.delete(1))  # absent entry = Up/Up (NOD-07 default)
    out = run(s, "node-1", calls.ChangePowerState(Power.Up))
    s2 = ok(out)
    assert out.events == ()
    assert seen == []
    assert 1 not in s2.node_power
    assert s2.nodes == s.nodes and s2.node_power == s.node_power


def test_power_down_again_in_same_block_is_noop_but_later_block_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PWR-03: Down(b) repeated in block b is no change; in a later block Down(b') differs, so it is
    stored, the hook runs and the event is emitted again."""
    seen = _record(monkeypatch)
    s = ok(run(world(), "node-1", calls.ChangePowerState(Power.Down)))
    out = run(s, "node-1", calls.ChangePowerState(Power.Down))
    assert ok(out).node_power[1] == s.node_power[1] and out.events == ()
    later = BlockEnv(ENV.number + 1, ENV.timestamp + 6000)
    out = run(ok(out), "node-1", calls.ChangePowerState(Power.Down), later)
    assert ok(out).node_power[1].state == PowerDown(ENV.number + 1)
    assert len(seen) == 2


def test_power_state_keeps_target() -> None:
    """PWR-04: changing the state keeps a Down target."""
    s = ok(run(world(), "farmer-1", calls.ChangePowerTarget(1, Power.Down)))
    s2 = ok(run(s, "node-1", calls.ChangePowerState(Power.Down)))
    assert s2.node_power[1] == NodePower(PowerDown(ENV.number), Power.Down)


def test_power_state_errors() -> None:
    """PWR-01: TwinNotExists; NodeNotExists for a twin without a node (only the node's own twin can
    report its state)."""
    s = fresh_account(world(), "eve-2")
    failed(s, run(s, "eve-2", calls.ChangePowerState(Power.Down)), Error.TwinNotExists)
    failed(s, run(s, "farmer-1", calls.ChangePowerState(Power.Down)), Error.NodeNotExists)
    dangling = edit(s, nodes=s.nodes.delete(1))  # index left pointing at a missing node
    failed(dangling, run(dangling, "node-1", calls.ChangePowerState(Power.Down)), Error.NodeNotExists)


def test_power_target() -> None:
    """PWR-10, PWR-13: the farmer sets the target (state kept); PowerTargetChanged every time, even when
    the target does not change."""
    s = world()
    out = run(s, "farmer-1", calls.ChangePowerTarget(2, Power.Down))
    s2 = ok(out)
    assert s2.node_power[2] == NodePower(PowerUp(), Power.Down)
    assert out.events == (events.PowerTargetChanged(1, 2, Power.Down),)
    out = run(s2, "farmer-1", calls.ChangePowerTarget(2, Power.Down))
    assert ok(out).node_power[2] == s2.node_power[2]
    assert out.events == (events.PowerTargetChanged(1, 2, Power.Down),)
    out = run(s2, "farmer-1", calls.ChangePowerTarget(2, Power.Up))
    assert ok(out).node_power[2] == NodePower(PowerUp(), Power.Up)


def test_power_target_errors_in_order() -> None:
    """PWR-10, PWR-11 order: TwinNotExists (before NodeNotExists), NodeNotExists, FarmNotExists,
    UnauthorizedToChangePowerTarget (node twin or another farmer)."""
    s = fresh_account(world(), "eve-2")
    failed(s, run(s, "eve-2", calls.ChangePowerTarget(99, Power.Down)), Error.TwinNotExists)
    failed(s, run(s, "farmer-1", calls.ChangePowerTarget(99, Power.Down)), Error.NodeNotExists)
    no_farm = edit(s, farms=s.farms.delete(1))
    failed(no_farm, run(no_farm, "farmer-1", calls.ChangePowerTarget(1, Power.Down)), Error.FarmNotExists)
    failed(s, run(s, "node-1", calls.ChangePowerTarget(1, Power.Up)), Error.UnauthorizedToChangePowerTarget)
    failed(s, run(s, "farmer-2", calls.ChangePowerTarget(1, Power.Up)), Error.UnauthorizedToChangePowerTarget)


def test_power_target_down_needs_no_active_contracts() -> None:
    """PWR-12 (real hook): Down fails with NodeHasActiveContracts while the node has an active node
    contract or a rent contract; Up is still allowed."""
    s = write(world(), lambda tx: tx.active_node_contracts.__setitem__(1, PSet((9,))))
    failed(s, run(s, "farmer-1", calls.ChangePowerTarget(1, Power.Down)), Error.NodeHasActiveContracts)
    assert ok(run(s, "farmer-1", calls.ChangePowerTarget(1, Power.Up))).node_power[1].target == Power.Up
    r = write(world(), lambda tx: tx.active_rent_contract_for_node.__setitem__(1, 9))
    failed(r, run(r, "farmer-1", calls.ChangePowerTarget(1, Power.Down)), Error.NodeHasActiveContracts)


def test_power_target_unauthorized_before_active_contracts(monkeypatch: pytest.MonkeyPatch) -> None:
    """PWR-11 before PWR-12: a stranger gets UnauthorizedToChangePowerTarget even on a busy node, and the
    contract hook is consulted only for target Down."""
    asked: list[int] = []

    def busy(tx: Tx, node_id: int) -> bool:
        asked.append(node_id)
        return False

    monkeypatch.setattr(hooks, "node_has_no_active_contracts", busy)
    s = world()
    failed(
        s, run(s, "farmer-2", calls.ChangePowerTarget(1, Power.Down)), Error.UnauthorizedToChangePowerTarget
    )
    assert asked == []
    ok(run(s, "farmer-1", calls.ChangePowerTarget(1, Power.Up)))
    assert asked == []
    failed(s, run(s, "farmer-1", calls.ChangePowerTarget(1, Power.Down)), Error.NodeHasActiveContracts)
    assert asked == [1]
