"""V3 billing opt-out (spec/opt-out.md, rules OPT-xx): TFChain's `opt_out_of_v3_billing`,
`add_twin_admin`, `remove_twin_admin` and `set_node_v3_opt_out_metadata` (pallet-tfgrid
`v3_billing_opt_out.rs`, ADR-0025, ADR-0026).

The deployment guard (OPT-25, OPT-26) is in `sc4it.contracts.node`, the billing waiver (OPT-30..OPT-33)
in `sc4it.billing.payment`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import (
    NodeV3BillingOptedOut,
    NodeV3OptOutMetadataCleared,
    NodeV3OptOutMetadataSet,
    TwinAdminAdded,
    TwinAdminRemoved,
)
from sc4it.kernel.origins import ensure_council
from sc4it.kernel.state import MAX_TWIN_ADMINS
from sc4it.kernel.tx import Tx
from sc4it.reads import farmed_node

MAX_OPT_OUT_METADATA_LENGTH = 256
"""OPT-23: TFChain's bound of `NodeV3OptOutMetadata` (bytes)."""


def _ensure_farmer(tx: Tx, node_id: int) -> None:
    """OPT-10..OPT-12: the caller has a twin, the node and its farm exist, the caller farms it."""
    farmed_node(tx, node_id, Error.NodeUpdateNotAuthorized)  # OPT-10, OPT-11, OPT-12


def handle_opt_out_of_v3_billing(tx: Tx, call: c.OptOutOfV3Billing) -> None:
    """OPT-10..OPT-14. Origin: signed, the node's farmer."""
    _ensure_farmer(tx, call.node_id)
    if call.node_id in tx.node_v3_billing_opt_out:  # OPT-13
        fail(Error.NodeV3BillingOptOutAlreadyEnabled)
    tx.node_v3_billing_opt_out[call.node_id] = tx.now  # OPT-14
    tx.emit(NodeV3BillingOptedOut(call.node_id, tx.now))


def handle_add_twin_admin(tx: Tx, call: c.AddTwinAdmin) -> None:
    """OPT-15. Origin: council."""
    ensure_council(tx)
    admins = tx.allowed_twin_admins
    if call.account in admins:  # OPT-15
        fail(Error.AlreadyTwinAdmin)
    if len(admins) >= MAX_TWIN_ADMINS:  # OPT-15
        fail(Error.TwinAdminListFull)
    tx.allowed_twin_admins = admins.add(call.account)
    tx.emit(TwinAdminAdded(call.account))


def handle_remove_twin_admin(tx: Tx, call: c.RemoveTwinAdmin) -> None:
    """OPT-16. Origin: council."""
    ensure_council(tx)
    admins = tx.allowed_twin_admins
    if call.account not in admins:  # OPT-16
        fail(Error.NotTwinAdmin)
    tx.allowed_twin_admins = admins.discard(call.account)
    tx.emit(TwinAdminRemoved(call.account))


def handle_set_node_v3_opt_out_metadata(tx: Tx, call: c.SetNodeV3OptOutMetadata) -> None:
    """OPT-20..OPT-23. Origin: signed, the node's farmer."""
    _ensure_farmer(tx, call.node_id)  # OPT-21
    if call.node_id not in tx.node_v3_billing_opt_out:  # OPT-21
        fail(Error.NodeNotOptedOutOfV3Billing)
    if not call.metadata:  # OPT-22
        tx.node_v3_opt_out_metadata.pop(call.node_id)
        tx.emit(NodeV3OptOutMetadataCleared(call.node_id))
        return
    if len(call.metadata) > MAX_OPT_OUT_METADATA_LENGTH:  # OPT-23
        fail(Error.NodeV3OptOutMetadataTooLong)
    tx.node_v3_opt_out_metadata[call.node_id] = call.metadata
    tx.emit(NodeV3OptOutMetadataSet(call.node_id, call.metadata))


def forget_node(tx: Tx, node_id: int) -> None:
    """OPT-04: a deleted node leaves no opt-out or metadata entry behind (DEV-REG-8)."""
    tx.node_v3_billing_opt_out.pop(node_id)
    tx.node_v3_opt_out_metadata.pop(node_id)


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.OptOutOfV3Billing: handle_opt_out_of_v3_billing,
    c.AddTwinAdmin: handle_add_twin_admin,
    c.RemoveTwinAdmin: handle_remove_twin_admin,
    c.SetNodeV3OptOutMetadata: handle_set_node_v3_opt_out_metadata,
}
