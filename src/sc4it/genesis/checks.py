"""Validation of a genesis (GEN-10..GEN-19): each rule the calls would apply, as the calls apply it."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TypeVar

from sc4it.contracts.billing.distribution import distribution_rules, split_rule_problem
from sc4it.genesis.model import Genesis, GenesisError, GenesisPublicIP
from sc4it.kernel.errors import Fail
from sc4it.kernel.schema import U128_MAX
from sc4it.kernel.signing import MultisigSpec
from sc4it.kernel.state import config_problem
from sc4it.registry import farms as reg_farms
from sc4it.registry import nodes as reg_nodes
from sc4it.registry import pricing as reg_pricing
from sc4it.registry import twins as reg_twins
from sc4it.roles import roles_problem

T = TypeVar("T")


# --------------------------------------------------------------------------------------------------
# Validation (GEN-10..GEN-18)


def _printable_ascii(b: bytes) -> bool:
    return all(0x20 <= c < 0x7F for c in b)


def check_public_ip(ip: bytes, gateway: bytes) -> tuple[str, str] | None:
    """GEN-15: None if the pair is a valid farm IP by the registry's rule (spec/registry.md IP-01..05,
    `sc4it.registry.reg_farms.validate_public_ip`); else ("ip" | "gateway", what was expected). The checks
    are the registry's own primitives, split so the error names the member at fault."""
    cidr = reg_farms.parse_ipv4_cidr(ip)
    if cidr is None:
        return "ip", f"expected an IPv4 CIDR such as 185.206.122.33/24, got {ip!r}"
    address, mask = cidr
    if not reg_farms.is_public_unicast(address):
        return "ip", f"{address} is not a public unicast address"
    gw = reg_farms.parse_ipv4(gateway)
    if gw is None:
        return "gateway", f"expected an IPv4 address such as 185.206.122.1, got {gateway!r}"
    if gw == address:
        return "gateway", f"{gw} is the ip itself"
    if not reg_farms.is_public_unicast(gw):
        return "gateway", f"{gw} is not a public unicast address"
    network = ipaddress.IPv4Network((int(address), mask), strict=False)
    if gw not in network:
        return "gateway", f"{gw} is not inside the network {network} of {ip.decode()}"
    try:
        reg_farms.validate_public_ip(ip, gateway)
    except Fail as f:  # pragma: no cover - the split checks above are the registry's rule
        return "ip", f"rejected by the registry ({f.error.name})"
    return None


def _registry_check(path: str, check: Callable[[T], object], value: T, expected: str) -> None:
    """Run a registry validator (which calls `fail`) on `value`; report its failure at `path`."""
    try:
        check(value)
    except Fail as f:
        raise GenesisError(path, f"{expected} ({f.error.name})") from None


def validate(genesis: Genesis) -> None:
    """Check every semantic and referential rule (GEN-10..GEN-19); raise `GenesisError` on the first
    violation, in the order of spec/genesis.md."""
    g = genesis
    _check_config(g)  # GEN-10
    _check_role_multisigs(g)  # GEN-11
    roles_fault = roles_problem(g.roles)  # GEN-19 (ROL-01)
    if roles_fault is not None:
        raise GenesisError("roles", roles_fault)
    funded = _check_accounts(g)  # GEN-12
    _check_twins(g, funded)  # GEN-13
    _check_pricing_policies(g)  # GEN-14
    _check_farms(g)  # GEN-15
    _check_nodes(g)  # GEN-16
    _check_tft_price(g)  # GEN-17
    for name, rule, has_farmer in distribution_rules(g.distribution_policy):  # GEN-18: DST-12's check
        rule_problem = split_rule_problem(rule, has_farmer=has_farmer)
        if rule_problem is not None:
            raise GenesisError(f"distribution_policy.{name}", rule_problem)


def _check_config(g: Genesis) -> None:
    """GEN-10: a `Config` checks itself when it is built (STATE-13); this catches one built around its
    validator (attrs.evolve and decode both run it, so only object.__setattr__ could)."""
    problem = config_problem(g.config)
    if problem is not None:
        raise GenesisError(f"config.{problem[0]}", problem[1])


def _check_role_multisigs(g: Genesis) -> None:
    """GEN-11: each role multisig is well formed and is its role's account."""
    for role in ("council", "oracle"):
        spec: MultisigSpec | None = getattr(g.multisigs, role)
        if spec is None:
            continue
        if not spec.is_well_formed():
            raise GenesisError(
                f"multisigs.{role}",
                "expected 1 <= threshold <= signatories and distinct signatories sorted bytewise",
            )
        if spec.account_id() != getattr(g.roles, role):
            raise GenesisError(f"multisigs.{role}", f"its account id is not roles.{role}")


def _check_accounts(g: Genesis) -> set[bytes]:
    """GEN-12: distinct accounts holding at least the existential deposit, u128 in total; returns them."""
    seen_accounts: set[bytes] = set()
    total = 0
    for i, a in enumerate(g.accounts):
        if a.account_id in seen_accounts:
            raise GenesisError(f"accounts[{i}].account_id", "duplicate account")
        seen_accounts.add(a.account_id)
        if a.free < g.config.existential_deposit:
            raise GenesisError(
                f"accounts[{i}].free",
                f"at least the existential deposit {g.config.existential_deposit}, got {a.free}",
            )
        total += a.free
    if total > U128_MAX:
        raise GenesisError("accounts", "the balances sum to more than u128 (total issuance overflows)")
    return seen_accounts


def _check_twins(g: Genesis, funded: set[bytes]) -> None:
    """GEN-13: a twin per funded account at most, with the registry's key and relay bounds."""
    twin_by_account: dict[bytes, int] = {}
    for i, t in enumerate(g.twins):
        if t.account_id not in funded:
            raise GenesisError(f"twins[{i}].account_id", "expected a funded account listed in accounts")
        if t.account_id in twin_by_account:
            raise GenesisError(
                f"twins[{i}].account_id", f"account already owns twin {twin_by_account[t.account_id]}"
            )
        twin_by_account[t.account_id] = i + 1
        if t.pk is not None and len(t.pk) > reg_twins.MAX_PK_LENGTH:
            raise GenesisError(f"twins[{i}].pk", f"at most {reg_twins.MAX_PK_LENGTH} bytes, got {len(t.pk)}")
        if t.relay is not None and (
            len(t.relay) > reg_twins.MAX_RELAY_LENGTH or not reg_twins.validate_relay_address(t.relay)
        ):
            raise GenesisError(
                f"twins[{i}].relay",
                "expected a relay address as the registry requires (TWN-05), e.g. relay.grid.tf",
            )


def _check_pricing_policies(g: Genesis) -> None:
    """GEN-14: the calls' own bounds (PRC-02): the name's stored length and uniqueness; any value
    otherwise."""
    policy_names: set[bytes] = set()
    for i, p in enumerate(g.pricing_policies):
        name_error = reg_pricing.name_error(p.name)
        if name_error is not None:
            raise GenesisError(f"pricing_policies[{i}].name", f"at most 64 bytes ({name_error.name})")
        if p.name in policy_names:
            raise GenesisError(
                f"pricing_policies[{i}].name",
                f"duplicate pricing policy name {p.name!r} (PricingPolicyExists)",
            )
        policy_names.add(p.name)


def _check_farms(g: Genesis) -> None:
    """GEN-15: farm names (FRM-03), owners, policies and public IPs as the registry checks them."""
    farm_names: set[bytes] = set()
    n_twins = len(g.twins)
    n_policies = len(g.pricing_policies)
    for i, f in enumerate(g.farms):
        path = f"farms[{i}]"
        _registry_check(
            f"{path}.name",
            reg_farms.validate_farm_name,
            f.name,
            "expected 3..40 letters, digits, '-' or '_' (FRM-03)",
        )
        if f.name in farm_names:
            raise GenesisError(f"{path}.name", f"duplicate farm name {f.name.decode()!r}")
        farm_names.add(f.name)
        if not 1 <= f.twin_id <= n_twins:
            raise GenesisError(
                f"{path}.twin_id", f"expected an existing twin id (1..{n_twins}), got {f.twin_id}"
            )
        if not 1 <= f.pricing_policy_id <= n_policies:
            raise GenesisError(
                f"{path}.pricing_policy_id",
                f"expected an existing pricing policy id (1..{n_policies}), got {f.pricing_policy_id}",
            )
        _check_farm_ips(g, path, f.public_ips)


def _check_farm_ips(g: Genesis, path: str, public_ips: tuple[GenesisPublicIP, ...]) -> None:
    """GEN-15: at most the farm's IP limit, each a valid pair (IP-01..05), no address twice (IP-06)."""
    max_ips = min(g.config.max_farm_public_ips, 256)
    if len(public_ips) > max_ips:
        raise GenesisError(f"{path}.public_ips", f"at most {max_ips} public IPs, got {len(public_ips)}")
    ips: set[int] = set()
    for j, pip in enumerate(public_ips):
        bad = check_public_ip(pip.ip, pip.gateway)
        if bad is not None:
            raise GenesisError(f"{path}.public_ips[{j}].{bad[0]}", bad[1])
        key = reg_farms.ip_key(pip.ip)
        if key in ips:
            raise GenesisError(f"{path}.public_ips[{j}].ip", "duplicate ip address in this farm (IP-06)")
        ips.add(key)


def _check_nodes(g: Genesis) -> None:
    """GEN-16: each node on an existing farm, run by an existing twin that runs no other node, with
    resources the registry accepts (NOD-04)."""
    n_twins = len(g.twins)
    node_by_twin: dict[int, int] = {}
    for i, nd in enumerate(g.nodes):
        path = f"nodes[{i}]"
        if not 1 <= nd.farm_id <= len(g.farms):
            raise GenesisError(
                f"{path}.farm_id", f"expected an existing farm id (1..{len(g.farms)}), got {nd.farm_id}"
            )
        if not 1 <= nd.twin_id <= n_twins:
            raise GenesisError(
                f"{path}.twin_id", f"expected an existing twin id (1..{n_twins}), got {nd.twin_id}"
            )
        if nd.twin_id in node_by_twin:
            raise GenesisError(
                f"{path}.twin_id", f"twin {nd.twin_id} already runs node {node_by_twin[nd.twin_id]}"
            )
        node_by_twin[nd.twin_id] = i + 1
        _registry_check(
            f"{path}.resources",
            reg_nodes.validate_resources,
            nd.resources,
            "expected hru or sru >= 100 GiB, cru >= 1 and mru >= 2 GiB (NOD-04)",
        )


def _check_tft_price(g: Genesis) -> None:
    """GEN-17: 1 <= min <= max (billing divides by the price)."""
    tp = g.tft_price
    if tp.min == 0:
        raise GenesisError("tft_price.min", "expected at least 1 (billing divides by the price)")
    if tp.min > tp.max:
        raise GenesisError("tft_price.max", f"expected at least tft_price.min ({tp.min}), got {tp.max}")
