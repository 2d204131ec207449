"""Restricted origins (spec/signing.md SIG-13, spec/roles.md): calls TFChain limits to the council (its
`RestrictedOrigin`: root or 3/5 of the council) or to the price oracle (a session validator) are accepted
only from the accounts configured in `State.roles`, which the council can change (spec/roles.md)."""

from __future__ import annotations

from sc4it.kernel.errors import Error, fail
from sc4it.kernel.tx import Tx


def ensure_council(tx: Tx) -> None:
    if tx.who != tx.roles.council:
        fail(Error.BadOrigin)


def ensure_oracle(tx: Tx) -> None:
    """SIG-13, ROL-10: the oracle account or a session validator."""
    roles = tx.roles
    if tx.who != roles.oracle and tx.who not in roles.validators:
        fail(Error.AccountUnauthorizedToSetPrice)


def ensure_bridge_validator(tx: Tx) -> None:
    """BRG-04: a bridge validator (TFChain's `check_if_validator_exists`)."""
    if tx.who not in tx.roles.bridge_validators:
        fail(Error.ValidatorNotExists)
