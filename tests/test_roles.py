"""Roles after genesis (spec/roles.md, ROL rules): council membership with TFChain's 3/5 approval, the
validator set that may set the price, the node certifiers."""

from __future__ import annotations

import attrs
import pytest

from sc4it import calls, events, genesis
from sc4it.kernel.errors import Error
from sc4it.kernel.state import State
from sc4it.kernel.types import NodeCertification
from sc4it.roles import council_spec, council_threshold, roles_problem

from .support import (
    COUNCIL,
    ORACLE,
    Multi,
    assert_rejected,
    foundation_world,
    key,
    ok,
    run,
    with_fields,
)

NAMES = ["council-1", "council-2", "council-3"]


def council(names: list[str], signing: list[str] | None = None) -> Multi:
    """The council of `key(name)` members (ROL-01), signed by `signing` (default: the first threshold)."""
    spec = council_spec([key(n).account_id for n in names])
    chosen = names[: spec.threshold] if signing is None else signing
    return Multi(spec, tuple(key(n) for n in chosen))


def world() -> State:
    """The foundation world with its council's members recorded (2 of 3 is ceil(3·3/5), ROL-01)."""
    state = foundation_world()
    roles = attrs.evolve(state.roles, council_members=COUNCIL.spec.signatories)
    assert roles_problem(roles) is None
    return with_fields(state, roles=roles)


@pytest.mark.parametrize(("n", "k"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (6, 4), (10, 6), (100, 60)])
def test_council_threshold_is_three_fifths(n: int, k: int) -> None:
    """ROL-01: the fewest yes votes with yes·5 ≥ 3·n (TFChain's `EnsureProportionAtLeast<3, 5>`)."""
    assert council_threshold(n) == k
    assert k * 5 >= 3 * n and (k - 1) * 5 < 3 * n


def test_add_member_changes_the_council_account() -> None:
    """ROL-02 ROL-03: the council adds dave: 4 members, threshold 3; `roles.council` is the new multisig;
    the old council account is refused afterwards and the new one (3 of 4) is obeyed."""
    state = world()
    out = run(state, COUNCIL, calls.AddMember(key("dave").account_id))
    assert out.error is None and out.events == (events.MemberAdded(),)
    new = council([*NAMES, "dave"])
    assert new.spec.threshold == 3
    assert out.state.roles.council == new.account_id
    assert out.state.roles.council_members == new.spec.signatories
    state = out.state
    freq = calls.ChangeBillingFrequency(state.billing_frequency + 1)
    assert_rejected(state, run(state, COUNCIL, freq), Error.BadOrigin)
    assert run(state, new, freq).error is None
    two = new.with_keys(new.keys[:2])
    assert_rejected(state, run(state, two, freq), Error.NotEnoughSignatures)


def test_membership_errors() -> None:
    """ROL-03 ROL-04 ROL-05 ROL-06: `AlreadyMember`, `NotMember`, a user is `BadOrigin`; swapping an
    account with itself changes nothing."""
    state = world()
    one = key("council-1").account_id
    stranger = key("dave").account_id
    assert_rejected(state, run(state, key("alice"), calls.AddMember(stranger)), Error.BadOrigin)
    assert_rejected(state, run(state, COUNCIL, calls.AddMember(one)), Error.AlreadyMember)
    assert_rejected(state, run(state, COUNCIL, calls.RemoveMember(stranger)), Error.NotMember)
    assert_rejected(state, run(state, COUNCIL, calls.SwapMember(stranger, one)), Error.NotMember)
    two = key("council-2").account_id
    assert_rejected(state, run(state, COUNCIL, calls.SwapMember(one, two)), Error.AlreadyMember)
    same = run(state, COUNCIL, calls.SwapMember(one, one))
    assert same.error is None and same.events == () and same.state.roles == state.roles
    reset = calls.ResetMembers((stranger, stranger))
    assert_rejected(state, run(state, COUNCIL, reset), Error.AlreadyMember)


def test_too_many_members() -> None:
    """ROL-02: at most 100 members (TFChain's `CouncilMaxMembers`): the 101st is `TooManyMembers`."""
    state = world()
    members = tuple(i.to_bytes(32, "big") for i in range(1, 101))
    out = run(state, COUNCIL, calls.ResetMembers(members))
    assert out.error is None and out.events == (events.MembersReset(),)
    assert out.state.roles.council == council_spec(members).account_id()
    big = attrs.evolve(state.roles, council_members=tuple(sorted(members)))
    state = with_fields(state, roles=attrs.evolve(big, council=COUNCIL.account_id))
    assert_rejected(state, run(state, COUNCIL, calls.AddMember(bytes([0xFF]) * 32)), Error.TooManyMembers)


def test_swap_remove_and_reset() -> None:
    """ROL-04 ROL-05 ROL-06: swap council-3 for dave (2 of 3 of the new set), remove dave (2 of 2),
    reset to eve alone (1 of 1); each time `roles.council` follows (ROL-01)."""
    state = world()
    out = run(state, COUNCIL, calls.SwapMember(key("council-3").account_id, key("dave").account_id))
    assert out.events == (events.MembersSwapped(),)
    swapped = council(["council-1", "council-2", "dave"])
    assert out.state.roles.council == swapped.account_id
    out = run(out.state, swapped, calls.RemoveMember(key("dave").account_id))
    assert out.events == (events.MemberRemoved(),)
    pair = council(["council-1", "council-2"])
    assert pair.spec.threshold == 2 and out.state.roles.council == pair.account_id
    out = run(out.state, pair, calls.ResetMembers((key("eve").account_id,)))
    assert out.state.roles.council == council(["eve"]).account_id
    assert run(out.state, council(["eve"]), calls.ChangeBillingFrequency(601)).error is None


def test_the_last_member_stays() -> None:
    """ROL-02 DEV-ROL-1: removing the last member, or resetting to nobody, is `CouncilWouldBeEmpty`."""
    state = ok(world(), COUNCIL, calls.ResetMembers((key("eve").account_id,)))
    eve = council(["eve"])
    out = run(state, eve, calls.RemoveMember(key("eve").account_id))
    assert_rejected(state, out, Error.CouncilWouldBeEmpty)
    assert_rejected(state, run(state, eve, calls.ResetMembers(())), Error.CouncilWouldBeEmpty)


def test_change_key_by_the_member_itself() -> None:
    """ROL-07 ROL-08: council-3 (no funds: a member may sign unfunded, SIG-07) replaces itself by dave;
    `KeyChanged` also when the key is its own; a non-member is `NotMember`; an existing member
    `AlreadyMember`."""
    state = world()
    three = key("council-3")
    assert three.account_id not in state.accounts
    same = run(state, three, calls.ChangeKey(three.account_id))
    assert same.error is None and same.events == (events.KeyChanged(),) and same.state.roles == state.roles
    taken = run(state, three, calls.ChangeKey(key("council-1").account_id))
    assert_rejected(state, taken, Error.AlreadyMember)
    assert_rejected(state, run(state, key("alice"), calls.ChangeKey(key("dave").account_id)), Error.NotMember)
    out = run(state, three, calls.ChangeKey(key("dave").account_id))
    assert out.events == (events.KeyChanged(),)
    assert out.state.roles.council == council(["council-1", "council-2", "dave"]).account_id


def test_validator_set_gates_the_price() -> None:
    """ROL-10 ROL-11 ROL-12 ROL-13 DEV-ROL-2: a validator added by the council may set the price at once;
    twice is `Duplicate`; removing it is allowed while one remains, then `TooLowValidatorCount`; the oracle
    account keeps its right whatever the set holds."""
    state = world()
    alice, bob = key("alice"), key("bob")
    price = calls.SetPrices(55, 1)
    assert_rejected(state, run(state, alice, price), Error.AccountUnauthorizedToSetPrice)
    out = run(state, COUNCIL, calls.AddValidator(alice.account_id))
    assert out.events == (events.ValidatorAdditionInitiated(alice.account_id),)
    state = out.state
    assert run(state, alice, price).error is None
    assert_rejected(state, run(state, COUNCIL, calls.AddValidator(alice.account_id)), Error.Duplicate)
    assert_rejected(state, run(state, alice, calls.AddValidator(bob.account_id)), Error.BadOrigin)
    only = run(state, COUNCIL, calls.RemoveValidator(alice.account_id))
    assert_rejected(state, only, Error.TooLowValidatorCount)
    state = ok(state, COUNCIL, calls.AddValidator(bob.account_id))
    out = run(state, COUNCIL, calls.RemoveValidator(alice.account_id))
    assert out.events == (events.ValidatorRemovalInitiated(alice.account_id),)
    assert out.state.roles.validators == (bob.account_id,)
    assert_rejected(out.state, run(out.state, alice, price), Error.AccountUnauthorizedToSetPrice)
    assert run(out.state, ORACLE, price).error is None
    many = with_fields(
        state, roles=attrs.evolve(state.roles, validators=tuple(i.to_bytes(32, "big") for i in range(1, 101)))
    )
    assert_rejected(many, run(many, COUNCIL, calls.AddValidator(bytes([0xFF]) * 32)), Error.TooManyMembers)


def test_node_certifiers() -> None:
    """ROL-20 ROL-21 ROL-22 ROL-23 NOD-20: the council adds dave as certifier (twice: `AlreadyCertifier`),
    dave certifies node 1 in the default genesis; removed (twice: `NotCertifier`), he gets
    `NotAllowedToCertifyNode`."""
    state = genesis.default()
    council_signer = Multi(genesis.council_multisig(), genesis.council_keys()[:2])
    dave = genesis.dev_keypair("dave")
    out = run(state, council_signer, calls.AddNodeCertifier(dave.account_id))
    assert out.events == (events.NodeCertifierAdded(dave.account_id),)
    state = out.state
    add = calls.AddNodeCertifier(dave.account_id)
    assert_rejected(state, run(state, council_signer, add), Error.AlreadyCertifier)
    assert_rejected(state, run(state, dave, add), Error.BadOrigin)
    certify = calls.SetNodeCertification(1, NodeCertification.Certified)
    assert run(state, dave, certify).error is None
    out = run(state, council_signer, calls.RemoveNodeCertifier(dave.account_id))
    assert out.events == (events.NodeCertifierRemoved(dave.account_id),)
    state = out.state
    remove = calls.RemoveNodeCertifier(dave.account_id)
    assert_rejected(state, run(state, council_signer, remove), Error.NotCertifier)
    assert_rejected(state, run(state, dave, certify), Error.NotAllowedToCertifyNode)
    many = with_fields(
        state,
        roles=attrs.evolve(state.roles, node_certifiers=tuple(i.to_bytes(32, "big") for i in range(1, 101))),
    )
    assert_rejected(many, run(many, council_signer, add), Error.TooManyMembers)
