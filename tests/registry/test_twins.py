"""Twins: CreateTwin and BondTwinAccount (spec/registry.md, TWN-xx)."""

from __future__ import annotations

import pytest

from sc4it import calls, events
from sc4it.kernel.errors import Error
from sc4it.kernel.types import Twin
from sc4it.registry.twins import validate_relay_address

from .helpers import ALICE_TWIN, account, failed, fresh_account, ok, run, world


def test_create_twin_stores_twin_and_index() -> None:
    """TWN-01, TWN-06, TWN-07, TWN-08: an account without a twin (no terms and conditions needed) gets
    twin id = counter + 1, the index, and TwinStored."""
    s = fresh_account(world(), "eve-2")
    out = run(s, "eve-2", calls.CreateTwin(relay=b"relay.grid.tf", pk=b"\x01" * 32))
    s2 = ok(out)
    who = account("eve-2")
    twin = Twin(11, who, b"relay.grid.tf", b"\x01" * 32)
    assert s2.twin_id == 11
    assert s2.twins[11] == twin
    assert s2.twin_id_by_account_id[who] == 11
    assert out.events == (events.TwinStored(twin),)


def test_create_twin_without_relay_or_pk() -> None:
    """TWN-05, TWN-06: relay and pk are optional."""
    s = fresh_account(world(), "eve-2")
    s2 = ok(run(s, "eve-2", calls.CreateTwin()))
    assert s2.twins[11].relay is None and s2.twins[11].pk is None


def test_create_twin_twice_fails() -> None:
    """TWN-02: one twin per account."""
    s = world()
    failed(s, run(s, "alice", calls.CreateTwin()), Error.TwinWithPubkeyExists)


def test_create_twin_existing_checked_before_relay() -> None:
    """TWN-01 order: TwinWithPubkeyExists before InvalidRelayAddress."""
    s = world()
    failed(s, run(s, "alice", calls.CreateTwin(relay=b"bad relay")), Error.TwinWithPubkeyExists)


def test_create_twin_relay_too_long_first() -> None:
    """TWN-03, TWN-01 order, DEV-REG-5: RelayTooLong is checked before TwinWithPubkeyExists; 1024 bytes
    pass."""
    s = world()
    failed(s, run(s, "alice", calls.CreateTwin(relay=b"a" * 1025)), Error.RelayTooLong)
    s2 = fresh_account(s, "eve-2")
    assert ok(run(s2, "eve-2", calls.CreateTwin(relay=b"a" * 1024))).twins[11].relay == b"a" * 1024


def test_create_twin_pk_too_long() -> None:
    """TWN-04, DEV-REG-5: pk over 128 bytes fails with PkTooLong, before TwinWithPubkeyExists; 128 pass."""
    s = world()
    failed(s, run(s, "alice", calls.CreateTwin(pk=b"k" * 129)), Error.PkTooLong)
    failed(s, run(s, "alice", calls.CreateTwin(relay=b"a" * 1025, pk=b"k" * 129)), Error.RelayTooLong)
    s2 = fresh_account(s, "eve-2")
    assert ok(run(s2, "eve-2", calls.CreateTwin(pk=b"k" * 128))).twins[11].pk == b"k" * 128


def test_create_twin_invalid_relay() -> None:
    """TWN-05: an invalid relay fails with InvalidRelayAddress."""
    s = fresh_account(world(), "eve-2")
    failed(s, run(s, "eve-2", calls.CreateTwin(relay=b"relay..grid.tf")), Error.InvalidRelayAddress)
    failed(s, run(s, "eve-2", calls.CreateTwin(relay=b"")), Error.InvalidRelayAddress)


@pytest.mark.parametrize(
    ("relay", "valid"),
    [
        (b"relay.grid.tf", True),
        (b"relay-1_x.grid.tf", True),
        (b"RELAY.example", True),
        (b"localhost", True),
        (b"rr.example", True),
        (b"r.example", False),  # TFChain quirk: '.' at index 1 refused
        (b".relay", False),
        (b"relay.", False),
        (b"relay..tf", False),
        (b"", False),
        (b"relay grid", False),
        (b"relay:8080", False),
        (b"wss://relay", False),
        (b"rel\xc3\xa9", False),
    ],
)
def test_validate_relay_address(relay: bytes, valid: bool) -> None:
    """TWN-05: TFChain's relay address rule, including the index-1 quirk."""
    assert validate_relay_address(relay) is valid


def test_bond_twin_account() -> None:
    """TWN-10, TWN-12: a stash bonds itself to a twin; a second bond replaces the first."""
    s = world()
    out = run(s, "bob", calls.BondTwinAccount(ALICE_TWIN))
    s2 = ok(out)
    assert s2.twin_bounded_account_id[ALICE_TWIN] == account("bob")
    assert out.events == (events.TwinAccountBounded(ALICE_TWIN, account("bob")),)
    s3 = ok(run(s2, "charlie", calls.BondTwinAccount(ALICE_TWIN)))
    assert s3.twin_bounded_account_id[ALICE_TWIN] == account("charlie")


def test_bond_twin_account_errors() -> None:
    """TWN-10, TWN-11: TwinNotExists; TwinCannotBoundToItself."""
    s = world()
    failed(s, run(s, "bob", calls.BondTwinAccount(999)), Error.TwinNotExists)
    failed(s, run(s, "alice", calls.BondTwinAccount(ALICE_TWIN)), Error.TwinCannotBoundToItself)
