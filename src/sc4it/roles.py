"""Roles that change after genesis (spec/roles.md, rules ROL-xx): the council's members
(pallet-membership), the session validators who may set the TFT price (the validator set pallet) and the
node certifiers (pallet-tfgrid). The bridge validators are in `sc4it.bridge`.

TFChain's council acts through motions approved by at least 3/5 of its members
(`EnsureProportionAtLeast<_, Council, 3, 5>`); sc4it's council account is the multisig of the members
with that threshold, so a membership change also changes the council account (ROL-01).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import (
    KeyChanged,
    MemberAdded,
    MemberRemoved,
    MembersReset,
    MembersSwapped,
    NodeCertifierAdded,
    NodeCertifierRemoved,
    ValidatorAdditionInitiated,
    ValidatorRemovalInitiated,
)
from sc4it.kernel.origins import ensure_council
from sc4it.kernel.signing import MultisigSpec
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import MAX_ROLE_MEMBERS, Roles

APPROVAL_NUMERATOR, APPROVAL_DENOMINATOR = 3, 5
"""TFChain's council approval: at least 3/5 of the members (runtime `EnsureRootOrCouncilApproval`)."""
MIN_AUTHORITIES = 1
"""TFChain's `MinAuthorities` of the validator set."""


def council_threshold(members: int) -> int:
    """ROL-01: the fewest yes votes that make at least 3/5 of `members`: ceil(3 n / 5)."""
    return (APPROVAL_NUMERATOR * members + APPROVAL_DENOMINATOR - 1) // APPROVAL_DENOMINATOR


def council_spec(members: Sequence[bytes]) -> MultisigSpec:
    """ROL-01: the multisig spec of a council with these (distinct) members."""
    assert members, "a council has at least one member"
    return MultisigSpec.of(council_threshold(len(members)), members)


def _set_members(tx: Tx, members: Sequence[bytes]) -> None:
    """ROL-02: store the sorted members and the council account derived from them."""
    if not members:
        fail(Error.CouncilWouldBeEmpty)  # DEV-ROL-1
    if len(members) > MAX_ROLE_MEMBERS:
        fail(Error.TooManyMembers)
    spec = council_spec(members)
    tx.roles = attrs.evolve(tx.roles, council_members=spec.signatories, council=spec.account_id())


# ------------------------------------------------------------------------------------------------
# Council membership (ROL-01..ROL-08)


def handle_add_member(tx: Tx, call: c.AddMember) -> None:
    """ROL-03: council; `AlreadyMember`, `TooManyMembers`; event `MemberAdded`."""
    ensure_council(tx)
    members = tx.roles.council_members
    if call.who in members:
        fail(Error.AlreadyMember)
    _set_members(tx, (*members, call.who))
    tx.emit(MemberAdded())


def handle_remove_member(tx: Tx, call: c.RemoveMember) -> None:
    """ROL-04: council; `NotMember`, `CouncilWouldBeEmpty`; event `MemberRemoved`."""
    ensure_council(tx)
    members = tx.roles.council_members
    if call.who not in members:
        fail(Error.NotMember)
    _set_members(tx, tuple(m for m in members if m != call.who))
    tx.emit(MemberRemoved())


def handle_swap_member(tx: Tx, call: c.SwapMember) -> None:
    """ROL-05: council; the same account on both sides changes nothing; `NotMember`, `AlreadyMember`;
    event `MembersSwapped`."""
    ensure_council(tx)
    if call.remove == call.add:
        return
    members = tx.roles.council_members
    if call.remove not in members:
        fail(Error.NotMember)
    if call.add in members:
        fail(Error.AlreadyMember)
    _set_members(tx, (*(m for m in members if m != call.remove), call.add))
    tx.emit(MembersSwapped())


def handle_reset_members(tx: Tx, call: c.ResetMembers) -> None:
    """ROL-06: council; a repeated account fails with `AlreadyMember`; event `MembersReset`."""
    ensure_council(tx)
    if len(set(call.members)) != len(call.members):
        fail(Error.AlreadyMember)
    _set_members(tx, call.members)
    tx.emit(MembersReset())


def handle_change_key(tx: Tx, call: c.ChangeKey) -> None:
    """ROL-07: a member (signing alone) replaces its own account; `NotMember`, `AlreadyMember`; event
    `KeyChanged` (also when `new` is the member itself)."""
    members = tx.roles.council_members
    if tx.who not in members:
        fail(Error.NotMember)
    if call.new != tx.who:
        if call.new in members:
            fail(Error.AlreadyMember)
        _set_members(tx, (*(m for m in members if m != tx.who), call.new))
    tx.emit(KeyChanged())


# ------------------------------------------------------------------------------------------------
# Validator set: who may set the TFT price (ROL-10..ROL-13)


def handle_add_validator(tx: Tx, call: c.AddValidator) -> None:
    """ROL-11: council; `Duplicate`; event `ValidatorAdditionInitiated`; effective at once (DEV-ROL-2)."""
    ensure_council(tx)
    roles = tx.roles
    if call.validator_id in roles.validators:
        fail(Error.Duplicate)
    if len(roles.validators) >= MAX_ROLE_MEMBERS:
        fail(Error.TooManyMembers)
    tx.roles = attrs.evolve(roles, validators=tuple(sorted((*roles.validators, call.validator_id))))
    tx.emit(ValidatorAdditionInitiated(call.validator_id))


def handle_remove_validator(tx: Tx, call: c.RemoveValidator) -> None:
    """ROL-12: council; `TooLowValidatorCount` when fewer than `MIN_AUTHORITIES` would remain (counted
    before looking the account up, as TFChain); event `ValidatorRemovalInitiated`."""
    ensure_council(tx)
    roles = tx.roles
    if max(len(roles.validators) - 1, 0) < MIN_AUTHORITIES:
        fail(Error.TooLowValidatorCount)
    tx.roles = attrs.evolve(roles, validators=tuple(v for v in roles.validators if v != call.validator_id))
    tx.emit(ValidatorRemovalInitiated(call.validator_id))


# ------------------------------------------------------------------------------------------------
# Node certifiers (ROL-20..ROL-23)


def handle_add_node_certifier(tx: Tx, call: c.AddNodeCertifier) -> None:
    """ROL-21: council; `AlreadyCertifier`; event `NodeCertifierAdded`."""
    ensure_council(tx)
    roles = tx.roles
    if call.certifier in roles.node_certifiers:
        fail(Error.AlreadyCertifier)
    if len(roles.node_certifiers) >= MAX_ROLE_MEMBERS:
        fail(Error.TooManyMembers)
    tx.roles = attrs.evolve(roles, node_certifiers=tuple(sorted((*roles.node_certifiers, call.certifier))))
    tx.emit(NodeCertifierAdded(call.certifier))


def handle_remove_node_certifier(tx: Tx, call: c.RemoveNodeCertifier) -> None:
    """ROL-22: council; `NotCertifier`; event `NodeCertifierRemoved`."""
    ensure_council(tx)
    roles = tx.roles
    if call.certifier not in roles.node_certifiers:
        fail(Error.NotCertifier)
    rest = tuple(x for x in roles.node_certifiers if x != call.certifier)
    tx.roles = attrs.evolve(roles, node_certifiers=rest)
    tx.emit(NodeCertifierRemoved(call.certifier))


def roles_problem(roles: Roles) -> str | None:
    """ROL-02 (genesis): why `roles` is inconsistent, or None."""
    for name in ("council_members", "validators", "bridge_validators", "node_certifiers"):
        items = getattr(roles, name)
        if any(items[i] >= items[i + 1] for i in range(len(items) - 1)):
            return f"{name} must be sorted and distinct"
    if roles.council_members and council_spec(roles.council_members).account_id() != roles.council:
        return "council must be the multisig of council_members with threshold ceil(3n/5)"
    return None


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.AddMember: handle_add_member,
    c.RemoveMember: handle_remove_member,
    c.SwapMember: handle_swap_member,
    c.ResetMembers: handle_reset_members,
    c.ChangeKey: handle_change_key,
    c.AddValidator: handle_add_validator,
    c.RemoveValidator: handle_remove_validator,
    c.AddNodeCertifier: handle_add_node_certifier,
    c.RemoveNodeCertifier: handle_remove_node_certifier,
}
