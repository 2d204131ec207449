"""Contracts (spec/contracts.md, ips.md, providers.md, deployment.md): node, name and rent contracts,
public IPs, reports, solution providers and the deployment handshake.

`lifecycle` holds the steps every contract shares (create, change state, cancel, remove); each other
module holds the handlers of one group of calls; `hooks` is what pallet-tfgrid calls into.
"""

from __future__ import annotations

from sc4it.contracts import (
    cancel,
    deployment_calls,
    hooks,
    ips,
    lifecycle,
    migrate,
    name,
    node,
    providers,
    rent,
    reports,
)
from sc4it.kernel.tx import Handler, merge_handlers

__all__ = [
    "HANDLERS",
    "cancel",
    "deployment_calls",
    "hooks",
    "ips",
    "lifecycle",
    "migrate",
    "name",
    "node",
    "providers",
    "rent",
    "reports",
]

HANDLERS: dict[type, Handler] = merge_handlers(
    node.HANDLERS,
    name.HANDLERS,
    rent.HANDLERS,
    cancel.HANDLERS,
    reports.HANDLERS,
    providers.HANDLERS,
    deployment_calls.HANDLERS,
    migrate.HANDLERS,
)
