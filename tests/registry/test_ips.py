"""Public IPs: validation, AddFarmIp, RemoveFarmIp (spec/registry.md, IP-xx and FRM-10)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sc4it import calls, events
from sc4it.kernel.errors import Error, Fail
from sc4it.kernel.types import PublicIP
from sc4it.registry.farms import parse_ipv4, parse_ipv4_cidr, validate_public_ip

from .helpers import council, edit, failed, ok, run, world

GW1 = b"185.206.122.1"


@pytest.mark.parametrize(
    ("ip", "gw"),
    [
        (b"185.206.122.33/24", b"185.206.122.1"),  # TFChain's test IP
        (b"185.206.122.125/16", b"185.206.122.1"),  # TFChain test: /16
        (b"185.206.0.0/16", b"185.206.122.1"),  # the network address itself is not refused
        (b"185.206.122.255/24", b"185.206.122.1"),  # nor the broadcast address
        (b"1.1.1.1/1", b"2.2.2.2"),  # a huge network
        (b"8.8.8.8/0", b"1.1.1.1"),  # mask 0 contains everything
        (b"8.8.8.8/01", b"1.1.1.1"),  # valip accepts a leading zero in a two-digit mask
        (b"8.8.8.8/31", b"8.8.8.9"),
        (b"192.0.0.9/24", b"192.0.0.1"),  # not in valip's private list (Python's is_global says no)
        (b"192.88.99.5/24", b"192.88.99.1"),
        (b"223.255.255.1/24", b"223.255.255.254"),
        (b"172.32.0.5/24", b"172.32.0.1"),  # just outside 172.16/12
        (b"100.128.0.5/24", b"100.128.0.1"),  # just outside 100.64/10
    ],
)
def test_valid_public_ips(ip: bytes, gw: bytes) -> None:
    """IP-01..05: valid IP/gateway pairs (valip 0.4.0 semantics)."""
    assert validate_public_ip(ip, gw) == PublicIP(ip, gw, 0)


@pytest.mark.parametrize(
    ("ip", "gw"),
    [
        (b"185.206.122.33", b"185.206.122.1"),  # IP-02: no mask
        (b"185.206.122.33/24", b"185.206.122.33"),  # IP-03: gateway == ip (TFChain test)
        (b"185.206.122.33/24", b"185.206.132.1"),  # IP-05: gateway outside the network (TFChain test)
        (b"185.206.122.33/32", b"185.206.122.33"),  # /32 is never valid
        (b"8.8.8.8/33", b"8.8.8.1"),  # IP-02: mask > 32
        (b"8.8.8.8/00", b"1.1.1.1"),  # IP-02: "00"
        (b"8.8.8.8/024", b"8.8.8.1"),  # IP-02: three mask digits
        (b"8.8.8.8/", b"8.8.8.1"),
        (b"8.8.8.8//24", b"8.8.8.1"),
        (b"8.8.8.8/2a", b"8.8.8.1"),
        (b"8.8.8.8/255.255.255.0", b"8.8.8.1"),  # no netmask notation
        (b"08.8.8.8/24", b"8.8.8.1"),  # IP-01: leading zero
        (b"8.8.8.8/24", b"8.8.8.01"),
        (b"8.8.8.256/24", b"8.8.8.1"),
        (b"8.8.8/24", b"8.8.8.1"),
        (b"8.8.8.8.8/24", b"8.8.8.1"),
        (b" 8.8.8.8/24", b"8.8.8.1"),
        (b"8.8.8.8/24", b"8.8.8.1 "),
        (b"8.8.8.8/ 4", b"8.8.8.1"),
        (b"2a10:b600:1::0cc4:7a30:65b5/64", b"2a10:b600:1::1"),  # IPv6
        (b"10.0.0.5/24", b"10.0.0.1"),  # IP-04: private
        (b"8.8.8.8/0", b"10.0.0.1"),  # IP-04: private gateway
        (b"127.0.0.5/8", b"127.0.0.1"),
        (b"100.64.0.5/24", b"100.64.0.1"),
        (b"169.254.1.5/16", b"169.254.1.1"),
        (b"172.16.0.5/24", b"172.16.0.1"),
        (b"172.31.255.5/24", b"172.31.255.1"),
        (b"192.0.2.5/24", b"192.0.2.1"),
        (b"192.168.1.5/24", b"192.168.1.1"),
        (b"198.18.0.5/24", b"198.18.0.1"),
        (b"198.51.100.5/24", b"198.51.100.1"),
        (b"203.0.113.5/24", b"203.0.113.1"),
        (b"0.1.2.3/24", b"0.1.2.1"),
        (b"224.0.0.5/24", b"224.0.0.1"),  # IP-04: multicast
        (b"240.0.0.5/24", b"240.0.0.1"),  # IP-04: reserved
        (b"1.1.1.1/1", b"255.255.255.255"),
        (b"185.206.122.33/24" + b"0", b"185.206.122.1"),  # over 18 bytes
        (b"185.206.122.33/24", b"\xff\xfe.2.3.4"),
    ],
)
def test_invalid_public_ips(ip: bytes, gw: bytes) -> None:
    """IP-01..05: each of these fails with InvalidPublicIP."""
    with pytest.raises(Fail) as e:
        validate_public_ip(ip, gw)
    assert e.value.error == Error.InvalidPublicIP


def _valip_parse_ip(text: bytes) -> tuple[int, int, int, int] | None:
    """A literal transliteration of valip 0.4.0's `Ip::parse`, as an oracle."""
    if len(text) < 7 or len(text) > 15:
        return None
    sections, last_dot, octets, acc = 0, True, [0, 0, 0, 0], 0
    for ch in text:
        if 0x30 <= ch <= 0x39:
            if acc == 0 and not last_dot:
                return None
            acc = acc * 10 + (ch - 0x30)
            if acc > 255:
                return None
            last_dot = False
        elif ch == 0x2E:
            if last_dot:
                return None
            octets[sections] = acc
            sections += 1
            acc = 0
            if sections > 3:
                return None
            last_dot = True
        else:
            return None
    octets[sections] = acc
    if sections < 3 or last_dot:
        return None
    return (octets[0], octets[1], octets[2], octets[3])


def _valip_parse_cidr(text: bytes) -> tuple[tuple[int, int, int, int], int] | None:
    if len(text) > 18 or b"/" not in text:
        return None
    sep = text.index(b"/")
    addr = _valip_parse_ip(text[:sep])
    mask_in = text[sep + 1 :]
    if addr is None or len(mask_in) > 2 or not mask_in:
        return None
    mask = 0
    for ch in mask_in:
        if not 0x30 <= ch <= 0x39:
            return None
        mask = mask * 10 + ch - 0x30
    if mask > 32 or (mask == 0 and len(mask_in) > 1):
        return None
    return addr, mask


_chunks = st.sampled_from(
    [b"0", b"1", b"00", b"01", b"9", b"10", b"99", b"185", b"255", b"256", b"999", b"1000", b"", b"a", b" "]
)
_ipish = st.lists(_chunks, min_size=1, max_size=6).map(lambda parts: b".".join(parts))
_maskish = st.sampled_from([b"", b"0", b"00", b"01", b"8", b"24", b"32", b"33", b"024", b"x", b"/"])


@given(_ipish)
def test_parse_ipv4_matches_valip(text: bytes) -> None:
    """IP-01: the stdlib-based parser accepts exactly what valip 0.4.0's `Ip::parse` accepts."""
    mine = parse_ipv4(text)
    theirs = _valip_parse_ip(text)
    assert (None if mine is None else mine.packed) == (None if theirs is None else bytes(theirs))


@given(_ipish, _maskish, st.booleans())
def test_parse_cidr_matches_valip(ip: bytes, mask: bytes, slash: bool) -> None:
    """IP-02: the CIDR parser accepts exactly what valip 0.4.0's `CIDR::parse` accepts."""
    text = ip + (b"/" + mask if slash else b"")
    mine = parse_ipv4_cidr(text)
    theirs = _valip_parse_cidr(text)
    if theirs is None:
        assert mine is None
    else:
        assert mine is not None
        assert (mine[0].packed, mine[1]) == (bytes(theirs[0]), theirs[1])


@given(st.integers(0, 2**32 - 1), st.integers(0, 32), st.integers(0, 2**32 - 1))
def test_validity_matches_valip_rule(addr: int, mask: int, gw: int) -> None:
    """IP-03..05: validity equals valip's `IP4::is_valid` condition computed on integers."""
    a, g = ipaddress.IPv4Address(addr), ipaddress.IPv4Address(gw)
    private = [
        (0x00000000, 8),
        (0x0A000000, 8),
        (0x64400000, 10),
        (0x7F000000, 8),
        (0xA9FE0000, 16),
        (0xAC100000, 12),
        (0xC0000200, 24),
        (0xC0A80000, 16),
        (0xC6120000, 15),
        (0xC6336400, 24),
        (0xCB007100, 24),
        (0xFFFFFFFF, 32),
    ]

    def bitmask(m: int) -> int:
        return (~((1 << (32 - m)) - 1)) & 0xFFFFFFFF

    def public(x: int) -> bool:
        return all(x & bitmask(m) != p for p, m in private)

    expect = not (
        addr == gw
        or not public(gw)
        or gw >> 24 >= 224
        or not public(addr)
        or addr >> 24 >= 224
        or gw & bitmask(mask) != addr & bitmask(mask)
    )
    text = f"{a}/{mask}".encode()
    try:
        validate_public_ip(text, str(g).encode())
        got = True
    except Fail:
        got = False
    assert got is expect


# --- AddFarmIp ---------------------------------------------------------------------------------


def test_add_farm_ip() -> None:
    """IP-10, IP-11, IP-12: the owner appends a free IP; FarmUpdated."""
    s = world()
    out = run(s, "farmer-1", calls.AddFarmIp(1, b"185.206.122.40/24", GW1))
    s2 = ok(out)
    ips = s2.farms[1].public_ips
    assert ips[-1] == PublicIP(b"185.206.122.40/24", GW1, 0)
    assert ips[:-1] == s.farms[1].public_ips
    assert out.events == (events.FarmUpdated(s2.farms[1]),)


def test_add_farm_ip_owner_checks() -> None:
    """FRM-10: FarmNotExists; CannotUpdateFarmWrongTwin (before the IP is validated); TwinNotExists when
    the farm's twin is gone."""
    s = world()
    failed(s, run(s, "farmer-1", calls.AddFarmIp(99, b"bad", b"bad")), Error.FarmNotExists)
    failed(s, run(s, "farmer-2", calls.AddFarmIp(1, b"bad", b"bad")), Error.CannotUpdateFarmWrongTwin)
    failed(s, run(s, "alice", calls.AddFarmIp(1, b"185.206.122.40/24", GW1)), Error.CannotUpdateFarmWrongTwin)
    orphan = edit(s, twins=s.twins.delete(5))
    failed(orphan, run(orphan, "farmer-1", calls.AddFarmIp(1, b"bad", b"bad")), Error.TwinNotExists)


def test_add_farm_ip_invalid_and_duplicate() -> None:
    """IP-10: InvalidPublicIP; IpExists for an address the farm has (TFChain's test, /16 twice)."""
    s = world()
    failed(s, run(s, "farmer-1", calls.AddFarmIp(1, b"185.206.122.40", GW1)), Error.InvalidPublicIP)
    failed(s, run(s, "farmer-1", calls.AddFarmIp(1, b"185.206.122.33/24", GW1)), Error.IpExists)
    s2 = ok(run(s, "farmer-1", calls.AddFarmIp(1, b"185.206.122.125/16", GW1)))
    failed(s2, run(s2, "farmer-1", calls.AddFarmIp(1, b"185.206.122.125/16", GW1)), Error.IpExists)


def test_add_farm_ip_same_address_other_mask_exists() -> None:
    """IP-06, DEV-REG-2: the same address with another mask or gateway is IpExists."""
    s = world()
    failed(s, run(s, "farmer-1", calls.AddFarmIp(1, b"185.206.122.33/25", GW1)), Error.IpExists)
    failed(s, run(s, "farmer-1", calls.AddFarmIp(1, b"185.206.122.33/24", b"185.206.122.2")), Error.IpExists)


def test_add_farm_ip_limit() -> None:
    """IP-07, IP-10 order: a full farm (256) refuses a new IP with InvalidPublicIP, a duplicate with
    IpExists (checked first)."""
    s = world()
    full = tuple(
        PublicIP(f"185.{200 + i // 250}.{i % 250}.10/16".encode(), f"185.{200 + i // 250}.0.1".encode(), 0)
        for i in range(256)
    )
    farm = s.farms[1]
    farm = type(farm)(
        farm.id, farm.name, farm.twin_id, farm.pricing_policy_id, farm.certification, full, False
    )
    s = edit(s, farms=s.farms.set(1, farm))
    failed(
        s, run(s, "farmer-1", calls.AddFarmIp(1, b"185.210.0.10/16", b"185.210.0.1")), Error.InvalidPublicIP
    )
    failed(s, run(s, "farmer-1", calls.AddFarmIp(1, full[3].ip, full[3].gateway)), Error.IpExists)
    s2 = ok(run(s, "farmer-1", calls.RemoveFarmIp(1, full[3].ip)))
    assert (
        len(
            ok(run(s2, "farmer-1", calls.AddFarmIp(1, b"185.210.0.10/16", b"185.210.0.1")))
            .farms[1]
            .public_ips
        )
        == 256
    )


# --- RemoveFarmIp ------------------------------------------------------------------------------


def test_remove_farm_ip() -> None:
    """IP-13, IP-14, IP-15: a free IP is removed, the others keep their order; FarmUpdated."""
    s = world()
    out = run(s, "farmer-1", calls.RemoveFarmIp(1, b"185.206.122.34/24"))
    s2 = ok(out)
    before = s.farms[1].public_ips
    assert s2.farms[1].public_ips == (before[0], before[2], before[3])
    assert out.events == (events.FarmUpdated(s2.farms[1]),)


def test_remove_farm_ip_errors() -> None:
    """FRM-10, IP-13: FarmNotExists; CannotUpdateFarmWrongTwin (before IpNotExists); IpNotExists for an
    unknown IP and for the bytes of another spelling."""
    s = world()
    failed(s, run(s, "farmer-1", calls.RemoveFarmIp(99, b"x")), Error.FarmNotExists)
    failed(s, run(s, "farmer-2", calls.RemoveFarmIp(1, b"nope")), Error.CannotUpdateFarmWrongTwin)
    failed(s, run(s, "farmer-1", calls.RemoveFarmIp(1, b"185.206.122.99/24")), Error.IpNotExists)
    failed(s, run(s, "farmer-1", calls.RemoveFarmIp(1, b"185.206.122.33/25")), Error.IpNotExists)
    orphan = edit(s, twins=s.twins.delete(5))
    failed(orphan, run(orphan, "farmer-1", calls.RemoveFarmIp(1, b"x")), Error.TwinNotExists)


def test_remove_held_ip_refused() -> None:
    """IP-13, IP-16: an IP held by a contract cannot be removed (IpNotExists); only removing the contract
    releases it, so no contract's IP list can name an IP the farm no longer has."""
    s = world()
    farm = s.farms[1]
    held = PublicIP(farm.public_ips[0].ip, farm.public_ips[0].gateway, 7)
    farm = type(farm)(
        farm.id,
        farm.name,
        farm.twin_id,
        farm.pricing_policy_id,
        farm.certification,
        (held, *farm.public_ips[1:]),
        farm.dedicated_farm,
    )
    s = edit(s, farms=s.farms.set(1, farm))
    failed(s, run(s, "farmer-1", calls.RemoveFarmIp(1, held.ip)), Error.IpNotExists)
    # the council cannot force it either: there is no such call, and removal is owner-only
    failed(s, council(s, calls.RemoveFarmIp(1, held.ip)), Error.CannotUpdateFarmWrongTwin)
