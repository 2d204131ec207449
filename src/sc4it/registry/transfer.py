"""Twin ownership transfer (spec/twin-transfer.md, rules TTR-xx): TFChain's `request_twin_transfer`,
`accept_twin_transfer` and `cancel_twin_transfer` (pallet-tfgrid `twin_transfer.rs`, ADR-0024).

The twin keeps its id, so everything keyed by it (contracts, payment states, farms, its node, its stash)
goes with it; the old account's reserved balance, which is exactly the twin's contract reserves (INV-02),
moves to the new account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it import ledger
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import (
    TwinOwnershipTransferred,
    TwinTransferCanceled,
    TwinTransferRequested,
    TwinUpdated,
)
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import TwinTransferRequest


def _request(tx: Tx, request_id: int) -> TwinTransferRequest:
    """TTR-20, TTR-30: the stored request, else `TwinTransferRequestNotFound`."""
    request = tx.twin_transfer_requests.get(request_id)
    if request is None:
        fail(Error.TwinTransferRequestNotFound)
    return request


def _drop(tx: Tx, request_id: int, request: TwinTransferRequest) -> None:
    """TTR-25, TTR-32: forget a request and the twin's pending entry."""
    tx.twin_transfer_requests.pop(request_id)
    tx.pending_transfer_by_twin.pop(request.twin_id)


def handle_request_twin_transfer(tx: Tx, call: c.RequestTwinTransfer) -> None:
    """TTR-10..TTR-15. Origin: signed, the twin's owner."""
    twin_id = tx.twin_id_by_account_id.get(tx.who)
    twin = None if twin_id is None else tx.twins.get(twin_id)
    if twin_id is None or twin is None:  # TTR-10
        fail(Error.TwinNotExists)
    assert twin.account_id == tx.who, "TTR-11: the account index is exact (INV-11)"
    # TTR-12: no terms-and-conditions registry (DEV-REG-1).
    if call.new_account in tx.twin_id_by_account_id:  # TTR-13
        fail(Error.TwinTransferNewAccountHasTwin)
    if twin_id in tx.pending_transfer_by_twin:  # TTR-14
        fail(Error.TwinTransferPendingExists)
    request_id = tx.twin_transfer_request_id + 1  # TTR-15
    tx.twin_transfer_request_id = request_id
    tx.twin_transfer_requests[request_id] = TwinTransferRequest(twin_id, tx.who, call.new_account, tx.block)
    tx.pending_transfer_by_twin[twin_id] = request_id
    tx.emit(TwinTransferRequested(request_id, twin_id, tx.who, call.new_account))


def handle_accept_twin_transfer(tx: Tx, call: c.AcceptTwinTransfer) -> None:
    """TTR-20..TTR-26. Origin: signed, the request's new account."""
    request = _request(tx, call.request_id)  # TTR-20
    if request.to != tx.who:  # TTR-21
        fail(Error.UnauthorizedToUpdateTwin)
    twin = tx.twins.get(request.twin_id)
    if twin is None:  # TTR-22
        fail(Error.TwinNotExists)
    if twin.account_id != request.from_:  # TTR-22
        fail(Error.UnauthorizedToUpdateTwin)
    if tx.who in tx.twin_id_by_account_id:  # TTR-23
        fail(Error.TwinTransferNewAccountHasTwin)
    ledger.move_all_reserved(tx, request.from_, tx.who)  # TTR-24
    twin = twin.with_account(tx.who)  # TTR-25
    tx.twins[twin.id] = twin
    tx.twin_id_by_account_id.pop(request.from_)
    tx.twin_id_by_account_id[tx.who] = twin.id
    _drop(tx, call.request_id, request)
    tx.emit(TwinOwnershipTransferred(call.request_id, twin.id, request.from_, tx.who))  # TTR-26
    tx.emit(TwinUpdated(twin))


def handle_cancel_twin_transfer(tx: Tx, call: c.CancelTwinTransfer) -> None:
    """TTR-30..TTR-32. Origin: signed, the request's old owner."""
    request = _request(tx, call.request_id)  # TTR-30
    if request.from_ != tx.who:  # TTR-31
        fail(Error.UnauthorizedToUpdateTwin)
    _drop(tx, call.request_id, request)  # TTR-32
    tx.emit(TwinTransferCanceled(call.request_id, request.twin_id, request.from_, request.to))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.RequestTwinTransfer: handle_request_twin_transfer,
    c.AcceptTwinTransfer: handle_accept_twin_transfer,
    c.CancelTwinTransfer: handle_cancel_twin_transfer,
}
