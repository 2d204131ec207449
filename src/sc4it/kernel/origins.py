"""Restricted origins (spec/signing.md SIG-13): calls TFChain limits to the council (its
`RestrictedOrigin`), the price oracle (session validators) or the bridge are accepted only from the
accounts configured in `State.roles`, usually multisig accounts."""

from __future__ import annotations

from sc4it.kernel.errors import Error, fail
from sc4it.kernel.tx import Tx


def ensure_council(tx: Tx) -> None:
    if tx.who != tx.base.roles.council:
        fail(Error.BadOrigin)


def ensure_oracle(tx: Tx) -> None:
    if tx.who != tx.base.roles.oracle:
        fail(Error.AccountUnauthorizedToSetPrice)


def ensure_bridge(tx: Tx) -> None:
    if tx.who != tx.base.roles.bridge:
        fail(Error.BadOrigin)
