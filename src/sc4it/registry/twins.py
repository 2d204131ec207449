"""Twins (spec/registry.md, rules TWN-xx): TFChain's `create_twin` and `bond_twin_account`.

A twin is an account's identity on the grid; contracts, farms and nodes are owned by twins. An account
owns at most one twin. Twin ids are allocated from the `twin_id` counter starting at 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import TwinAccountBounded, TwinStored
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Twin

MAX_RELAY_LENGTH = 1024
"""TWN-03: TFChain's `MAX_RELAY_LENGTH` (bytes)."""
MAX_PK_LENGTH = 128
"""TWN-04: TFChain's `MAX_PK_LENGTH` (bytes)."""


def validate_relay_address(relay: bytes) -> bool:
    """TWN-05: TFChain's `validate_relay_address`, byte for byte.

    Non-empty, not ending with '.', only `[A-Za-z0-9_-.]`, and no '.' at index 0 or one position after the
    previous '.'. TFChain's "previous dot" index starts at 0, so a '.' at index 1 is also refused (a relay
    whose first label has one character, e.g. `r.example`, is invalid); sc4it keeps that quirk.
    """
    if len(relay) == 0 or relay[-1] == 0x2E:
        return False
    prev = 0
    for idx, ch in enumerate(relay):
        if ch == 0x2E:  # '.'
            if idx == 0 or idx - prev == 1:
                return False
            prev = idx
        elif not (
            0x61 <= ch <= 0x7A  # a-z
            or 0x41 <= ch <= 0x5A  # A-Z
            or 0x30 <= ch <= 0x39  # 0-9
            or ch in (0x2D, 0x5F)  # '-', '_'
        ):
            return False
    return True


def handle_create_twin(tx: Tx, call: c.CreateTwin) -> None:
    """TWN-01..07."""
    if call.relay is not None and len(call.relay) > MAX_RELAY_LENGTH:  # TWN-03
        fail(Error.RelayTooLong)
    if call.pk is not None and len(call.pk) > MAX_PK_LENGTH:  # TWN-04
        fail(Error.PkTooLong)
    if tx.who in tx.twin_id_by_account_id:  # TWN-02
        fail(Error.TwinWithPubkeyExists)
    if call.relay is not None and not validate_relay_address(call.relay):  # TWN-05
        fail(Error.InvalidRelayAddress)
    twin_id = tx.twin_id + 1  # TWN-06
    twin = Twin(twin_id, tx.who, call.relay, call.pk)
    tx.twins[twin_id] = twin
    tx.twin_id = twin_id
    tx.twin_id_by_account_id[tx.who] = twin_id
    tx.emit(TwinStored(twin))  # TWN-07


def handle_bond_twin_account(tx: Tx, call: c.BondTwinAccount) -> None:
    """TWN-10..12: the caller (a stash account) bonds itself to `twin_id`."""
    twin = tx.twins.get(call.twin_id)
    if twin is None:  # TWN-10
        fail(Error.TwinNotExists)
    if twin.account_id == tx.who:  # TWN-11
        fail(Error.TwinCannotBoundToItself)
    tx.twin_bounded_account_id[call.twin_id] = tx.who  # TWN-12
    tx.emit(TwinAccountBounded(call.twin_id, tx.who))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreateTwin: handle_create_twin,
    c.BondTwinAccount: handle_bond_twin_account,
}
