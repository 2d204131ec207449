"""Farms and their public IPs (spec/registry.md, rules FRM-xx and IP-xx).

TFChain's `create_farm`, `add_farm_ip`, `remove_farm_ip`, `set_farm_dedicated`, `set_farm_certification`,
plus the sc4it extension `SetFarmPricingPolicy`. Public IPs are validated as TFChain does with the `valip`
0.4.0 crate (`IP4::is_valid`), reimplemented on top of the standard `ipaddress` module.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import FarmCertificationSet, FarmStored, FarmUpdated
from sc4it.kernel.origins import ensure_council
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Farm, FarmCertification, PublicIP
from sc4it.reads import caller_twin_id, farm_of, twin_of

MIN_FARM_NAME_LENGTH = 3
"""FRM-03: TFChain's `MIN_FARM_NAME_LENGTH`."""
MAX_FARM_NAME_LENGTH = 40
"""FRM-03: TFChain's runtime `MaxFarmNameLength`."""
DEFAULT_PRICING_POLICY_ID = 1
"""FRM-05: every new farm gets pricing policy 1."""

MAX_IP4_CIDR_LENGTH = 18
MAX_GW4_LENGTH = 15

# valip 0.4.0 `PRIVATE_IP4_SUBNETS`: an address in one of these is not public (IP-04).
PRIVATE_IP4_SUBNETS: tuple[ipaddress.IPv4Network, ...] = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "255.255.255.255/32",
    )
)


# --------------------------------------------------------------------------------------------------
# Public IP validation (IP-01..07)


def parse_ipv4(text: bytes) -> ipaddress.IPv4Address | None:
    """IP-01: a dotted-quad IPv4 address in ASCII: four decimal octets 0..255 without leading zeros
    (a lone "0" is allowed), nothing else. None if `text` is not one."""
    if not 7 <= len(text) <= 15:
        return None
    try:
        return ipaddress.IPv4Address(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None


def parse_ipv4_cidr(text: bytes) -> tuple[ipaddress.IPv4Address, int] | None:
    """IP-02: `<address>/<mask>`: at most 18 bytes, an IP-01 address, a mask of one or two ASCII digits
    with value 0..32, where "00" is refused (valip accepts "01".."09"). None if `text` is not one."""
    if len(text) > MAX_IP4_CIDR_LENGTH:
        return None
    sep = text.find(b"/")
    if sep < 0:
        return None
    address = parse_ipv4(text[:sep])
    mask_text = text[sep + 1 :]
    if address is None or not 1 <= len(mask_text) <= 2:
        return None
    if not all(0x30 <= ch <= 0x39 for ch in mask_text):
        return None
    mask = int(mask_text)
    if mask > 32 or (mask == 0 and len(mask_text) > 1):
        return None
    return address, mask


def is_public_unicast(address: ipaddress.IPv4Address) -> bool:
    """IP-04: outside valip's private subnets and below 224.0.0.0 (multicast and reserved ranges)."""
    if int(address) >> 24 >= 224:
        return False
    return not any(address in net for net in PRIVATE_IP4_SUBNETS)


def validate_public_ip(ip: bytes, gateway: bytes) -> PublicIP:
    """IP-01..05: the free `PublicIP` record for `ip` (CIDR) and `gateway`, or `Fail(InvalidPublicIP)`.

    Valid when both parse, the address is not the gateway, both are public unicast, and the gateway lies
    inside the network `ip` names (the address with its mask applied). Public so genesis can reuse it.
    """
    gw = parse_ipv4(gateway)
    cidr = parse_ipv4_cidr(ip)
    if gw is None or cidr is None:
        fail(Error.InvalidPublicIP)
    address, mask = cidr
    network = ipaddress.IPv4Network((int(address), mask), strict=False)
    if address == gw or not is_public_unicast(gw) or not is_public_unicast(address) or gw not in network:
        fail(Error.InvalidPublicIP)
    return PublicIP(ip, gateway, 0)


def ip_key(ip: bytes) -> int:
    """IP-06: the identity of a stored (hence valid) farm IP for duplicate detection: its address,
    whatever mask it was given with."""
    cidr = parse_ipv4_cidr(ip)
    if cidr is None:  # stored IPs are always valid; a foreign one compares by its bytes
        return -1 - int.from_bytes(ip, "big")
    return int(cidr[0])


# --------------------------------------------------------------------------------------------------
# Names


def validate_farm_name(name: bytes) -> None:
    """FRM-03: 3..40 bytes of `[A-Za-z0-9_-]`."""
    if len(name) < MIN_FARM_NAME_LENGTH:
        fail(Error.FarmNameTooShort)
    if len(name) > MAX_FARM_NAME_LENGTH:
        fail(Error.FarmNameTooLong)
    for ch in name:
        if not (0x61 <= ch <= 0x7A or 0x41 <= ch <= 0x5A or 0x30 <= ch <= 0x39 or ch in (0x2D, 0x5F)):
            fail(Error.InvalidFarmName)


# --------------------------------------------------------------------------------------------------
# Handlers


def _farm_of_owner(tx: Tx, farm_id: int) -> Farm:
    """FRM-10/11 (TFChain order): the farm, its twin, and the caller must be that twin's account."""
    farm = tx.farms.get(farm_id)
    if farm is None:
        fail(Error.FarmNotExists)
    if twin_of(tx, farm.twin_id).account_id != tx.who:
        fail(Error.CannotUpdateFarmWrongTwin)
    return farm


def handle_create_farm(tx: Tx, call: c.CreateFarm) -> None:
    """FRM-01..07."""
    twin_id = caller_twin_id(tx)  # FRM-01
    if call.name in tx.farm_id_by_name:  # FRM-02
        fail(Error.FarmExists)
    validate_farm_name(call.name)  # FRM-03
    limit = tx.config.max_farm_public_ips
    ips: list[PublicIP] = []
    seen: set[int] = set()
    for entry in call.public_ips:  # FRM-04, in list order
        ip = validate_public_ip(entry.ip, entry.gateway)  # IP-01..05
        key = ip_key(ip.ip)
        if key in seen:  # IP-06
            fail(Error.IpExists)
        if len(ips) >= limit:  # IP-07
            fail(Error.InvalidPublicIP)
        seen.add(key)
        ips.append(ip)
    farm_id = tx.farm_id + 1  # FRM-05
    farm = Farm(
        farm_id,
        call.name,
        twin_id,
        DEFAULT_PRICING_POLICY_ID,
        FarmCertification.NotCertified,
        tuple(ips),
        False,
    )
    tx.farms[farm_id] = farm
    tx.farm_id_by_name[call.name] = farm_id
    tx.farm_id = farm_id
    tx.emit(FarmStored(farm))  # FRM-06


def handle_add_farm_ip(tx: Tx, call: c.AddFarmIp) -> None:
    """IP-10..12."""
    farm = _farm_of_owner(tx, call.farm_id)  # IP-10
    ip = validate_public_ip(call.ip, call.gateway)  # IP-01..05
    key = ip_key(ip.ip)
    if any(ip_key(existing.ip) == key for existing in farm.public_ips):  # IP-06
        fail(Error.IpExists)
    if len(farm.public_ips) >= tx.config.max_farm_public_ips:  # IP-07
        fail(Error.InvalidPublicIP)
    farm = farm.with_public_ips((*farm.public_ips, ip))  # IP-11
    tx.farms[farm.id] = farm
    tx.emit(FarmUpdated(farm))  # IP-12


def handle_remove_farm_ip(tx: Tx, call: c.RemoveFarmIp) -> None:
    """IP-13..15: only a free IP (contract_id == 0) can be removed."""
    farm = _farm_of_owner(tx, call.farm_id)  # IP-10
    ips = farm.public_ips
    for index, existing in enumerate(ips):
        if existing.ip == call.ip and existing.contract_id == 0:  # IP-13
            farm = farm.with_public_ips(ips[:index] + ips[index + 1 :])  # IP-14
            tx.farms[farm.id] = farm
            tx.emit(FarmUpdated(farm))  # IP-15
            return
    fail(Error.IpNotExists)  # IP-13


def handle_set_farm_dedicated(tx: Tx, call: c.SetFarmDedicated) -> None:
    """FRM-20..21 (council)."""
    ensure_council(tx)  # FRM-20
    farm = farm_of(tx, call.farm_id).with_dedicated(call.dedicated)  # FRM-20, FRM-21
    tx.farms[farm.id] = farm
    tx.emit(FarmUpdated(farm))  # FRM-21: TFChain emits FarmUpdated, not FarmMarkedAsDedicated


def handle_set_farm_certification(tx: Tx, call: c.SetFarmCertification) -> None:
    """FRM-22..23 (council)."""
    ensure_council(tx)  # FRM-22
    farm = farm_of(tx, call.farm_id).with_certification(call.certification)  # FRM-22, FRM-23
    tx.farms[farm.id] = farm
    tx.emit(FarmCertificationSet(farm.id, call.certification))  # FRM-23


def handle_set_farm_pricing_policy(tx: Tx, call: c.SetFarmPricingPolicy) -> None:
    """FRM-24..25 (council; sc4it extension EXT-REG-1)."""
    ensure_council(tx)  # FRM-24
    farm = farm_of(tx, call.farm_id)  # FRM-24
    if call.pricing_policy_id not in tx.pricing_policies:  # FRM-24
        fail(Error.PricingPolicyNotExists)
    farm = farm.with_pricing_policy(call.pricing_policy_id)  # FRM-25
    tx.farms[farm.id] = farm
    tx.emit(FarmUpdated(farm))  # FRM-25


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreateFarm: handle_create_farm,
    c.AddFarmIp: handle_add_farm_ip,
    c.RemoveFarmIp: handle_remove_farm_ip,
    c.SetFarmDedicated: handle_set_farm_dedicated,
    c.SetFarmCertification: handle_set_farm_certification,
    c.SetFarmPricingPolicy: handle_set_farm_pricing_policy,
}
