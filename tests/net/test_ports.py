"""Port claims of the network launcher (spec/network.md, NET-33): no port handed out twice, none from the
kernel's ephemeral range, none already in use."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from sc4it.net import launcher
from sc4it.net.launcher import NetError, NodeInfo, PortClaims, exit_reason, port_range


def test_claims_are_distinct_and_outside_the_ephemeral_range() -> None:
    """NET-33: two claimers (as two launchers) never get the same port; every port is outside the range
    the OS hands to bind(0) and outgoing connections, and can be bound."""
    low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    a, b = PortClaims(), PortClaims()
    try:
        ports = [a.take() for _ in range(20)] + [b.take() for _ in range(20)]
        assert len(set(ports)) == 40
        assert all(p in port_range() and not low <= p <= high for p in ports)
        with socket.socket() as s:
            s.bind(("127.0.0.1", ports[0]))  # claimed, not bound: free for its node to take
    finally:
        a.close()
        b.close()


def test_a_claimed_or_bound_port_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """NET-33: with only two candidate ports, one claimed by another launcher and one bound by some
    process, nothing is handed out: a clear error rather than a port that is not free."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        bound = busy.getsockname()[1]
        other = PortClaims()
        free = other.take()
        monkeypatch.setattr(launcher, "port_range", lambda: (bound, free))
        mine = PortClaims()
        try:
            with pytest.raises(NetError, match="no free port"):
                mine.take(attempts=50)
            other.release(free)
            assert mine.take(attempts=200) == free
        finally:
            mine.close()
            other.close()


def test_a_port_taken_at_start_is_named(tmp_path: Path) -> None:
    """NET-33: a node that stopped because a port was taken says so, with what to do."""
    log = tmp_path / "cometbft.log"
    log.write_text("starting\nError: listen tcp 127.0.0.1:26657: bind: address already in use\n")
    node = NodeInfo("node0", str(tmp_path), 1, 2, 3, "id", True)
    assert "taken by another process" in exit_reason(log, node)
    assert "net down" in exit_reason(log, node)
    log.write_text("panic: something else\n")
    assert "something else" in exit_reason(log, node)


def test_claim_files_leave_with_their_claims(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NET-33: a claim's file is removed when the claim ends; a sweep (at a claimer's first take)
    removes files nobody holds (a killed launcher's) and leaves held claims alone."""
    monkeypatch.setattr(launcher, "PORT_LOCKS", tmp_path / "claims")
    held, other = PortClaims(), PortClaims()
    try:
        mine = [held.take() for _ in range(3)]
        assert sorted(p.name for p in (tmp_path / "claims").iterdir()) == sorted(map(str, mine))
        held.release(mine[0])
        assert not (tmp_path / "claims" / str(mine[0])).exists()
        (tmp_path / "claims" / "1").touch()  # a claim whose process died without releasing it
        theirs = other.take()  # the first take sweeps
        left = {p.name for p in (tmp_path / "claims").iterdir()}
        assert left == {str(mine[1]), str(mine[2]), str(theirs)}
        assert launcher.sweep_claims() == 0  # every remaining file is held
    finally:
        held.close()
        other.close()
    assert list((tmp_path / "claims").iterdir()) == []
