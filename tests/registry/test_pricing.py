"""Pricing policies (spec/registry.md, PRC-xx)."""

from __future__ import annotations

from sc4it import calls, events
from sc4it.kernel.errors import Error
from sc4it.kernel.types import Policy, PricingPolicy, Unit

from .helpers import account, council, failed, gb, ok, run, world


def _create(name: bytes, value: int = 1) -> calls.CreatePricingPolicy:
    return calls.CreatePricingPolicy(
        name, gb(value), gb(2), gb(3), gb(4), gb(5), gb(6), account("eve"), account("ferdie"), 50
    )


def _update(pid: int, name: bytes, value: int = 7) -> calls.UpdatePricingPolicy:
    return calls.UpdatePricingPolicy(
        pid,
        name,
        Policy(value, Unit.Terrabytes),
        gb(2),
        gb(3),
        gb(4),
        gb(5),
        gb(6),
        account("alice"),
        account("bob"),
        200,
    )


def test_create_pricing_policy() -> None:
    """PRC-01, PRC-03, PRC-04: council creates policy 2, version 2, name indexed; PricingPolicyStored."""
    s = world()
    out = council(s, _create(b"second"))
    s2 = ok(out)
    policy = PricingPolicy(
        2, 2, b"second", gb(1), gb(2), gb(3), gb(4), gb(5), gb(6), account("ferdie"), account("eve"), 50
    )
    assert s2.pricing_policies[2] == policy
    assert s2.pricing_policy_id == 2
    assert s2.pricing_policy_id_by_name[b"second"] == 2
    assert out.events == (events.PricingPolicyStored(policy),)


def test_create_pricing_policy_errors() -> None:
    """PRC-01, PRC-02: BadOrigin; PricingPolicyExists for a taken name."""
    s = world()
    failed(s, run(s, "alice", _create(b"second")), Error.BadOrigin)
    failed(s, council(s, _create(b"threefold_default_pricing_policy")), Error.PricingPolicyExists)


def test_pricing_policy_name_too_long() -> None:
    """PRC-02, DEV-REG-5: over 64 bytes fails (before the exists check); 64 bytes pass."""
    s = world()
    failed(s, council(s, _create(b"n" * 65)), Error.PricingPolicyNameTooLong)
    failed(s, council(s, _update(99, b"n" * 65)), Error.PricingPolicyNameTooLong)
    assert ok(council(s, _create(b"n" * 64))).pricing_policies[2].name == b"n" * 64


def test_update_pricing_policy() -> None:
    """PRC-10, PRC-12, PRC-04: fields replaced except version and id; renaming frees the old name."""
    s = ok(council(world(), _create(b"second")))
    out = council(s, _update(2, b"renamed"))
    s2 = ok(out)
    p = s2.pricing_policies[2]
    assert (p.version, p.id, p.name, p.su, p.discount_for_dedication_nodes) == (
        2,
        2,
        b"renamed",
        Policy(7, Unit.Terrabytes),
        200,
    )
    assert (p.foundation_account, p.certified_sales_account) == (account("bob"), account("alice"))
    assert b"second" not in s2.pricing_policy_id_by_name
    assert s2.pricing_policy_id_by_name[b"renamed"] == 2
    assert out.events == (events.PricingPolicyStored(p),)
    # keeping the same name is fine; the old name can be reused by a new policy
    ok(council(s2, _update(2, b"renamed", 9)))
    assert ok(council(s2, _create(b"second"))).pricing_policies[3].name == b"second"


def test_update_pricing_policy_errors() -> None:
    """PRC-01, PRC-10, PRC-11: BadOrigin; PricingPolicyNotExists (before the name check);
    PricingPolicyWithDifferentIdExists."""
    s = ok(council(world(), _create(b"second")))
    failed(s, run(s, "alice", _update(1, b"x")), Error.BadOrigin)
    failed(s, council(s, _update(99, b"second")), Error.PricingPolicyNotExists)
    failed(s, council(s, _update(1, b"second")), Error.PricingPolicyWithDifferentIdExists)


def test_update_does_not_reset_counter() -> None:
    """PRC-13, DEV-REG-3: updating policy 1 leaves the counter; the next create gets a fresh id and no
    policy is overwritten."""
    s = ok(council(world(), _create(b"second")))
    s = ok(council(s, _create(b"third")))
    s = ok(council(s, _update(1, b"threefold_default_pricing_policy")))
    assert s.pricing_policy_id == 3
    s = ok(council(s, _create(b"fourth")))
    assert s.pricing_policies[4].name == b"fourth"
    assert s.pricing_policies[2].name == b"second"
