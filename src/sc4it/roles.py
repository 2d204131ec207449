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
    tx.roles = tx.roles.with_council(spec.account_id(), spec.signatories)


# ------------------------------------------------------------------------------------------------
# Council membership (ROL-01..ROL-08)


def handle_add_member(tx: Tx, call: c.AddMember) -> None:
    """ROL-03."""
    ensure_council(tx)  # ROL-03
    members = tx.roles.council_members
    if call.who in members:  # ROL-03
        fail(Error.AlreadyMember)
    _set_members(tx, (*members, call.who))  # ROL-02
    tx.emit(MemberAdded())


def handle_remove_member(tx: Tx, call: c.RemoveMember) -> None:
    """ROL-04."""
    ensure_council(tx)  # ROL-04
    members = tx.roles.council_members
    if call.who not in members:  # ROL-04
        fail(Error.NotMember)
    _set_members(tx, tuple(m for m in members if m != call.who))  # ROL-02
    tx.emit(MemberRemoved())


def handle_swap_member(tx: Tx, call: c.SwapMember) -> None:
    """ROL-05."""
    ensure_council(tx)  # ROL-05
    if call.remove == call.add:  # ROL-05: nothing changes
        return
    members = tx.roles.council_members
    if call.remove not in members:  # ROL-05
        fail(Error.NotMember)
    if call.add in members:  # ROL-05
        fail(Error.AlreadyMember)
    _set_members(tx, (*(m for m in members if m != call.remove), call.add))  # ROL-02
    tx.emit(MembersSwapped())


def handle_reset_members(tx: Tx, call: c.ResetMembers) -> None:
    """ROL-06."""
    ensure_council(tx)  # ROL-06
    if len(set(call.members)) != len(call.members):  # ROL-06
        fail(Error.AlreadyMember)
    _set_members(tx, call.members)  # ROL-02
    tx.emit(MembersReset())


def handle_change_key(tx: Tx, call: c.ChangeKey) -> None:
    """ROL-07."""
    members = tx.roles.council_members
    if tx.who not in members:  # ROL-07
        fail(Error.NotMember)
    if call.new != tx.who:
        if call.new in members:  # ROL-07
            fail(Error.AlreadyMember)
        _set_members(tx, (*(m for m in members if m != tx.who), call.new))  # ROL-02
    tx.emit(KeyChanged())


# ------------------------------------------------------------------------------------------------
# Validator set: who may set the TFT price (ROL-10..ROL-13)


def handle_add_validator(tx: Tx, call: c.AddValidator) -> None:
    """ROL-11, DEV-ROL-2."""
    ensure_council(tx)  # ROL-11
    roles = tx.roles
    if call.validator_id in roles.validators:  # ROL-11
        fail(Error.Duplicate)
    if len(roles.validators) >= MAX_ROLE_MEMBERS:  # ROL-11: the codec bound
        fail(Error.TooManyMembers)
    tx.roles = roles.with_validators(tuple(sorted((*roles.validators, call.validator_id))))
    tx.emit(ValidatorAdditionInitiated(call.validator_id))


def handle_remove_validator(tx: Tx, call: c.RemoveValidator) -> None:
    """ROL-12."""
    ensure_council(tx)  # ROL-12
    roles = tx.roles
    if max(len(roles.validators) - 1, 0) < MIN_AUTHORITIES:  # ROL-12: counted before the lookup
        fail(Error.TooLowValidatorCount)
    tx.roles = roles.with_validators(tuple(v for v in roles.validators if v != call.validator_id))
    tx.emit(ValidatorRemovalInitiated(call.validator_id))


# ------------------------------------------------------------------------------------------------
# Node certifiers (ROL-20..ROL-23)


def handle_add_node_certifier(tx: Tx, call: c.AddNodeCertifier) -> None:
    """ROL-21."""
    ensure_council(tx)  # ROL-21
    roles = tx.roles
    if call.certifier in roles.node_certifiers:  # ROL-21
        fail(Error.AlreadyCertifier)
    if len(roles.node_certifiers) >= MAX_ROLE_MEMBERS:  # ROL-21
        fail(Error.TooManyMembers)
    tx.roles = roles.with_node_certifiers(tuple(sorted((*roles.node_certifiers, call.certifier))))
    tx.emit(NodeCertifierAdded(call.certifier))


def handle_remove_node_certifier(tx: Tx, call: c.RemoveNodeCertifier) -> None:
    """ROL-22."""
    ensure_council(tx)  # ROL-22
    roles = tx.roles
    if call.certifier not in roles.node_certifiers:  # ROL-22
        fail(Error.NotCertifier)
    tx.roles = roles.with_node_certifiers(tuple(x for x in roles.node_certifiers if x != call.certifier))
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
