"""Farms: CreateFarm and the council farm calls (spec/registry.md, FRM-xx)."""

from __future__ import annotations

from sc4it import calls, events
from sc4it.kernel.calls import IpInput
from sc4it.kernel.errors import Error
from sc4it.kernel.types import Farm, FarmCertification, PublicIP

from .helpers import (
    ALICE_TWIN,
    council,
    failed,
    fresh_account,
    gb,
    ok,
    run,
    world,
)

GW = b"185.206.124.1"


def ip(i: int, mask: int = 24) -> IpInput:
    return IpInput(f"185.206.124.{i}/{mask}".encode(), GW)


def test_create_farm_stores_farm() -> None:
    """FRM-01, FRM-04, FRM-05, FRM-06: a twin creates a farm with policy 1, NotCertified, not dedicated,
    IPs free and in input order."""
    s = world()
    out = run(s, "alice", calls.CreateFarm(b"alice_farm-1", (ip(20), ip(10))))
    s2 = ok(out)
    farm = Farm(
        3,
        b"alice_farm-1",
        ALICE_TWIN,
        1,
        FarmCertification.NotCertified,
        (PublicIP(b"185.206.124.20/24", GW, 0), PublicIP(b"185.206.124.10/24", GW, 0)),
        False,
    )
    assert s2.farms[3] == farm
    assert s2.farm_id == 3
    assert s2.farm_id_by_name[b"alice_farm-1"] == 3
    assert out.events == (events.FarmStored(farm),)


def test_create_farm_without_twin() -> None:
    """FRM-01: the caller needs a twin (checked first, even with a taken name)."""
    s = fresh_account(world(), "eve-2")
    failed(s, run(s, "eve-2", calls.CreateFarm(b"freefarm")), Error.TwinNotExists)


def test_create_farm_name_exists() -> None:
    """FRM-02: a taken name fails with FarmExists, before the IPs are looked at."""
    s = world()
    failed(s, run(s, "alice", calls.CreateFarm(b"freefarm")), Error.FarmExists)
    failed(s, run(s, "alice", calls.CreateFarm(b"freefarm", (IpInput(b"x", b"y"),))), Error.FarmExists)
    # names are case-sensitive
    assert ok(run(s, "alice", calls.CreateFarm(b"FreeFarm"))).farms[3].name == b"FreeFarm"


def test_create_farm_name_errors() -> None:
    """FRM-03, DEV-REG-5: too short, too long (over 40), invalid bytes; length checks come first; the name
    is checked before the IPs."""
    s = world()
    failed(s, run(s, "alice", calls.CreateFarm(b"ab")), Error.FarmNameTooShort)
    failed(s, run(s, "alice", calls.CreateFarm(b"a" * 41)), Error.FarmNameTooLong)
    failed(s, run(s, "alice", calls.CreateFarm(b"my farm")), Error.InvalidFarmName)
    failed(s, run(s, "alice", calls.CreateFarm(b"a.b")), Error.InvalidFarmName)
    failed(s, run(s, "alice", calls.CreateFarm(b"a!")), Error.FarmNameTooShort)
    failed(s, run(s, "alice", calls.CreateFarm(b"bad name", (IpInput(b"x", b"y"),))), Error.InvalidFarmName)
    assert ok(run(s, "alice", calls.CreateFarm(b"a" * 40))).farms[3].name == b"a" * 40
    assert ok(run(s, "alice", calls.CreateFarm(b"A-_9"))).farms[3].name == b"A-_9"


def test_create_farm_invalid_ip() -> None:
    """FRM-04, IP-01..05: an invalid IP fails the whole call with InvalidPublicIP."""
    s = world()
    bad = IpInput(b"10.0.0.5/24", b"10.0.0.1")
    failed(s, run(s, "alice", calls.CreateFarm(b"myfarm", (ip(10), bad))), Error.InvalidPublicIP)


def test_create_farm_ip_errors_in_list_order() -> None:
    """FRM-04 order: IPs are processed in list order, each validated before its duplicate check."""
    s = world()
    bad = IpInput(b"185.206.124.300/24", GW)
    failed(s, run(s, "alice", calls.CreateFarm(b"myfarm", (bad, ip(10), ip(10)))), Error.InvalidPublicIP)
    failed(s, run(s, "alice", calls.CreateFarm(b"myfarm", (ip(10), ip(10), bad))), Error.IpExists)


def test_create_farm_duplicate_address_other_gateway() -> None:
    """IP-06, DEV-REG-2: the same address twice (other mask or other gateway) is IpExists."""
    s = world()
    other_gw = IpInput(b"185.206.124.10/24", b"185.206.124.2")
    failed(s, run(s, "alice", calls.CreateFarm(b"myfarm", (ip(10), other_gw))), Error.IpExists)
    failed(s, run(s, "alice", calls.CreateFarm(b"myfarm", (ip(10, 24), ip(10, 25)))), Error.IpExists)


def _many(n: int) -> tuple[IpInput, ...]:
    return tuple(
        IpInput(f"185.{200 + i // 250}.{i % 250}.10/16".encode(), f"185.{200 + i // 250}.0.1".encode())
        for i in range(n)
    )


def test_create_farm_ip_limit() -> None:
    """IP-07, FRM-04: 256 IPs are accepted, the 257th fails with InvalidPublicIP; a 257th that is a
    duplicate fails with IpExists (duplicate check first)."""
    s = world()
    ips = _many(256)
    assert len({i.ip for i in ips}) == 256
    assert len(ok(run(s, "alice", calls.CreateFarm(b"big", ips))).farms[3].public_ips) == 256
    extra = IpInput(b"185.210.0.10/16", b"185.210.0.1")
    failed(s, run(s, "alice", calls.CreateFarm(b"big", (*ips, extra))), Error.InvalidPublicIP)
    failed(s, run(s, "alice", calls.CreateFarm(b"big", (*ips, ips[0]))), Error.IpExists)


def test_set_farm_dedicated() -> None:
    """FRM-20, FRM-21: council sets the flag; the event is FarmUpdated."""
    s = world()
    out = council(s, calls.SetFarmDedicated(1, True))
    s2 = ok(out)
    assert s2.farms[1].dedicated_farm is True
    assert out.events == (events.FarmUpdated(s2.farms[1]),)
    assert ok(council(s2, calls.SetFarmDedicated(1, False))).farms[1].dedicated_farm is False


def test_set_farm_dedicated_errors() -> None:
    """FRM-20: BadOrigin (checked before the farm), FarmNotExists."""
    s = world()
    failed(s, run(s, "farmer-1", calls.SetFarmDedicated(1, True)), Error.BadOrigin)
    failed(s, run(s, "alice", calls.SetFarmDedicated(99, True)), Error.BadOrigin)
    failed(s, council(s, calls.SetFarmDedicated(99, True)), Error.FarmNotExists)


def test_set_farm_certification() -> None:
    """FRM-22, FRM-23: council sets the certification; FarmCertificationSet."""
    s = world()
    out = council(s, calls.SetFarmCertification(2, FarmCertification.Gold))
    s2 = ok(out)
    assert s2.farms[2].certification == FarmCertification.Gold
    assert out.events == (events.FarmCertificationSet(2, FarmCertification.Gold),)
    failed(s, run(s, "alice", calls.SetFarmCertification(99, FarmCertification.Gold)), Error.BadOrigin)
    failed(s, council(s, calls.SetFarmCertification(99, FarmCertification.Gold)), Error.FarmNotExists)


def test_set_farm_pricing_policy() -> None:
    """FRM-24, FRM-25, EXT-REG-1: council points a farm at an existing policy; BadOrigin, FarmNotExists
    (before PricingPolicyNotExists), PricingPolicyNotExists."""
    s = world()
    create = calls.CreatePricingPolicy(
        b"p2", gb(1), gb(2), gb(3), gb(4), gb(5), gb(6), bytes(32), bytes(32), 50
    )
    s = ok(council(s, create))
    out = council(s, calls.SetFarmPricingPolicy(1, 2))
    s2 = ok(out)
    assert s2.farms[1].pricing_policy_id == 2
    assert out.events == (events.FarmUpdated(s2.farms[1]),)
    failed(s, run(s, "farmer-1", calls.SetFarmPricingPolicy(1, 2)), Error.BadOrigin)
    failed(s, council(s, calls.SetFarmPricingPolicy(99, 99)), Error.FarmNotExists)
    failed(s, council(s, calls.SetFarmPricingPolicy(1, 99)), Error.PricingPolicyNotExists)
