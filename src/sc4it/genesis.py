"""Genesis: the initial world of a chain (spec/genesis.md, rules GEN-xx).

A `Genesis` is a plain value (frozen attrs records, canonically encodable like every sc4it value) that
describes the first state: runtime constants, role accounts, funded accounts, twins, pricing policies,
farms, nodes, the TFT price and the revenue distribution policy. `build(genesis)` validates it and
constructs the `State` directly (no signed calls). The chain id commits to the whole genesis:

    chain_id = blake2b-256(b"sc4it/chain/v1" || canonical CBOR of the Genesis)        (GEN-03)

so two different geneses are two different chains, and a call signed for one is invalid on the other.

`default_genesis()` / `default()` give the embedded development world (named dev accounts whose keys are
`dev_keypair(name)`). `dumps`/`loads`/`dump`/`load` convert a genesis to and from a readable JSON format
(GEN-20..), validated field by field with `GenesisError(path, message)`.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import os
import typing
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Annotated, Any, TypeVar

import attrs

from sc4it.contracts.billing.distribution import distribution_rules, split_rule_problem
from sc4it.fileio import MAX_JSON_BYTES, read_regular
from sc4it.kernel.codec import blake2b_256, encode
from sc4it.kernel.errors import Fail
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.schema import U8, U32, U64, U128, U128_MAX, AccountId, Len, UInt
from sc4it.kernel.signing import MAX_SIGNATORIES, Keypair, MultisigSpec, ss58_decode, ss58_encode
from sc4it.kernel.state import Config, ConfigError, State, config_problem
from sc4it.kernel.types import (
    MAX_ROLE_MEMBERS,
    AccountInfo,
    DistributionPolicy,
    Farm,
    FarmCertification,
    Node,
    NodeCertification,
    NodePower,
    Policy,
    PublicIP,
    Recipient,
    Resources,
    Roles,
    Share,
    SplitRule,
    TftPrice,
    Twin,
    Unit,
)
from sc4it.registry import farms as reg_farms
from sc4it.registry import nodes as reg_nodes
from sc4it.registry import pricing as reg_pricing
from sc4it.registry import twins as reg_twins
from sc4it.roles import roles_problem

T = TypeVar("T")

CHAIN_TAG = b"sc4it/chain/v1"
DEV_SEED_TAG = b"sc4it/dev/"
FORMAT = "sc4it-genesis/v1"
"""The value of the `format` member of a genesis JSON document."""

ROOT = "<root>"
"""The error path of the JSON document as a whole."""

MAX_GENESIS_ITEMS = 1_000_000
"""Ceiling on every genesis list (accounts, twins, farms, nodes, policies): a codec bound, not a rule."""

PRICING_POLICY_VERSION = 1
"""The `version` TFChain's genesis gives pricing policy 1."""

TFT = 10_000_000
"""One TFT in the smallest unit (7 decimals)."""

GIB = 1 << 30
TIB = 1 << 40


class GenesisError(ValueError):
    """An invalid genesis: `path` names the field (e.g. `farms[1].public_ips[0].gateway`, 0-based list
    positions), `message` says what was expected."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


# --------------------------------------------------------------------------------------------------
# The genesis value


@attrs.frozen(slots=True)
class GenesisAccount:
    """A funded account: `free` balance minted at genesis (must be at least the existential deposit)."""

    account_id: AccountId
    free: U128


@attrs.frozen(slots=True)
class GenesisTwin:
    """A twin; its id is its 1-based position in `Genesis.twins`."""

    account_id: AccountId
    relay: Annotated[bytes, Len(1024)] | None = None
    pk: Annotated[bytes, Len(128)] | None = None


@attrs.frozen(slots=True)
class GenesisPricingPolicy:
    """A pricing policy; its id is its 1-based position, its version `PRICING_POLICY_VERSION`."""

    name: Annotated[bytes, Len(64)]
    su: Policy
    cu: Policy
    nu: Policy
    ipu: Policy
    unique_name: Policy
    domain_name: Policy
    foundation_account: AccountId
    certified_sales_account: AccountId
    discount_for_dedication_nodes: U8


@attrs.frozen(slots=True)
class GenesisPublicIP:
    """A farm public IP: `ip` an IPv4 CIDR (e.g. b"185.206.122.33/24"), `gateway` an IPv4 address."""

    ip: Annotated[bytes, Len(18)]
    gateway: Annotated[bytes, Len(15)]


@attrs.frozen(slots=True)
class GenesisFarm:
    """A farm; its id is its 1-based position in `Genesis.farms`."""

    name: Annotated[bytes, Len(128)]
    twin_id: U32
    pricing_policy_id: U32
    certification: FarmCertification
    dedicated_farm: bool
    public_ips: Annotated[tuple[GenesisPublicIP, ...], Len(256)] = ()


@attrs.frozen(slots=True)
class GenesisNode:
    """A node (power state Up); its id is its 1-based position in `Genesis.nodes`."""

    farm_id: U32
    twin_id: U32
    resources: Resources
    certification: NodeCertification = NodeCertification.Diy


@attrs.frozen(slots=True)
class GenesisTftPrice:
    """The TFT price in mUSD; the average starts equal to `price`."""

    price: U32
    min: U32
    max: U32


@attrs.frozen(slots=True)
class RoleMultisigs:
    """The multisig specs behind the council / oracle role accounts (None: a single key or unknown).
    When given, the spec's account id must be the role's account id (GEN-05)."""

    council: MultisigSpec | None = None
    oracle: MultisigSpec | None = None


@attrs.frozen(slots=True)
class GenesisBridge:
    """pallet-tft-bridge's genesis: the fee account and fees (the validators are in `Roles`)."""

    fee_account: AccountId | None = None
    withdraw_fee: U64 = 0
    deposit_fee: U64 = 0


@attrs.frozen(slots=True)
class Genesis:
    config: Config
    roles: Roles
    multisigs: RoleMultisigs
    accounts: Annotated[tuple[GenesisAccount, ...], Len(MAX_GENESIS_ITEMS)]
    twins: Annotated[tuple[GenesisTwin, ...], Len(MAX_GENESIS_ITEMS)]
    pricing_policies: Annotated[tuple[GenesisPricingPolicy, ...], Len(MAX_GENESIS_ITEMS)]
    farms: Annotated[tuple[GenesisFarm, ...], Len(MAX_GENESIS_ITEMS)]
    nodes: Annotated[tuple[GenesisNode, ...], Len(MAX_GENESIS_ITEMS)]
    tft_price: GenesisTftPrice
    distribution_policy: DistributionPolicy
    bridge: GenesisBridge = GenesisBridge()


def chain_id_of(genesis: Genesis) -> bytes:
    """GEN-03: blake2b-256(b"sc4it/chain/v1" || canonical CBOR of the genesis)."""
    return blake2b_256(CHAIN_TAG + encode(genesis, Genesis))


# --------------------------------------------------------------------------------------------------
# Development keys and the default world


@functools.cache
def dev_keypair(name: str) -> Keypair:
    """GEN-30: the deterministic development key of `name`: seed = blake2b-256(b"sc4it/dev/" + name).

    Any name works; `DEV_NAMES` lists those the default genesis uses. Never use these keys for value."""
    return Keypair.from_seed(hashlib.blake2b(DEV_SEED_TAG + name.encode(), digest_size=32).digest())


USER_NAMES: tuple[str, ...] = ("alice", "bob", "charlie", "dave")
FARMER_NAMES: tuple[str, ...] = ("farmer-1", "farmer-2")
NODE_NAMES: tuple[str, ...] = ("node-1", "node-2", "node-3", "node-4")
COUNCIL_NAMES: tuple[str, ...] = ("council-1", "council-2", "council-3")
ORACLE_NAMES: tuple[str, ...] = ("oracle",)
BRIDGE_NAMES: tuple[str, ...] = ("bridge-1", "bridge-2", "bridge-3")
BRIDGE_FEE_NAME = "bridge-fees"
"""The bridge's fee account (pallet-tft-bridge's `FeeAccount`)."""
TWIN_NAMES: tuple[str, ...] = USER_NAMES + FARMER_NAMES + NODE_NAMES
"""Names owning the default twins, in twin id order (alice = twin 1 ... node-4 = twin 10)."""

DEV_NAMES: tuple[str, ...] = (
    *USER_NAMES,
    "eve",
    "ferdie",
    "staking-pool",
    *FARMER_NAMES,
    *NODE_NAMES,
    *COUNCIL_NAMES,
    *ORACLE_NAMES,
    *BRIDGE_NAMES,
    BRIDGE_FEE_NAME,
)
"""Every dev key name the default genesis uses."""


def _acc(name: str) -> bytes:
    return dev_keypair(name).account_id


def council_multisig() -> MultisigSpec:
    """The default council: 2-of-3 of council-1..3."""
    return MultisigSpec.of(2, [_acc(n) for n in COUNCIL_NAMES])


def oracle_multisig() -> MultisigSpec:
    """The default price oracle: 1-of-1 of the `oracle` key."""
    return MultisigSpec.of(1, [_acc(n) for n in ORACLE_NAMES])


def bridge_validators() -> tuple[bytes, ...]:
    """The default bridge validators bridge-1..3, sorted (a mint needs 3 // 2 + 1 = 2 votes)."""
    return tuple(sorted(_acc(n) for n in BRIDGE_NAMES))


def council_keys() -> tuple[Keypair, ...]:
    return tuple(dev_keypair(n) for n in COUNCIL_NAMES)


def oracle_keys() -> tuple[Keypair, ...]:
    return tuple(dev_keypair(n) for n in ORACLE_NAMES)


def bridge_keys() -> tuple[Keypair, ...]:
    return tuple(dev_keypair(n) for n in BRIDGE_NAMES)


def named_accounts() -> dict[str, bytes]:
    """Every named account of the default genesis: the dev keys plus the two role (multisig) accounts
    `council-multisig` and `oracle-multisig`."""
    out = {n: _acc(n) for n in DEV_NAMES}
    out["council-multisig"] = council_multisig().account_id()
    out["oracle-multisig"] = oracle_multisig().account_id()
    return out


def _gb(value: int) -> Policy:
    return Policy(value, Unit.Gigabytes)


@functools.cache
def default_genesis() -> Genesis:
    """GEN-40: the embedded default development world (spec/genesis.md lists it)."""
    balances: list[tuple[str, int]] = [
        ("alice", 10**12),
        ("bob", 2_500_000_000),
        ("charlie", 150_000),
        ("dave", 10**12),
        ("eve", TFT),
        ("ferdie", TFT),
        ("staking-pool", TFT),
        *((n, 100 * TFT) for n in FARMER_NAMES + NODE_NAMES),
    ]
    ips1 = tuple(GenesisPublicIP(f"185.206.122.{i}/24".encode(), b"185.206.122.1") for i in range(33, 37))
    ips2 = tuple(GenesisPublicIP(f"185.206.123.{i}/24".encode(), b"185.206.123.1") for i in (10, 11))
    council, oracle = council_multisig(), oracle_multisig()
    return Genesis(
        config=Config(),
        roles=Roles(
            council=council.account_id(),
            oracle=oracle.account_id(),
            staking_pool=_acc("staking-pool"),
            node_certifiers=(),
            council_members=council.signatories,
            validators=(),
            bridge_validators=bridge_validators(),
        ),
        multisigs=RoleMultisigs(council, oracle),
        accounts=tuple(GenesisAccount(_acc(n), free) for n, free in balances),
        twins=tuple(GenesisTwin(_acc(n)) for n in TWIN_NAMES),
        pricing_policies=(
            GenesisPricingPolicy(
                name=b"threefold_default_pricing_policy",
                su=_gb(50_000),
                cu=_gb(100_000),
                nu=_gb(15_000),
                ipu=_gb(40_000),
                unique_name=_gb(2_500),
                domain_name=_gb(5_000),
                foundation_account=_acc("ferdie"),
                certified_sales_account=_acc("eve"),
                discount_for_dedication_nodes=50,
            ),
        ),
        farms=(
            GenesisFarm(b"freefarm", 5, 1, FarmCertification.NotCertified, False, ips1),
            GenesisFarm(b"dedifarm", 6, 1, FarmCertification.NotCertified, True, ips2),
        ),
        nodes=(
            GenesisNode(1, 7, Resources(hru=0, sru=256 * GIB, cru=4, mru=8 * GIB)),
            GenesisNode(
                1, 8, Resources(hru=8 * TIB, sru=2 * TIB, cru=32, mru=128 * GIB), NodeCertification.Certified
            ),
            GenesisNode(2, 9, Resources(hru=1024 * GIB, sru=512 * GIB, cru=8, mru=16 * GIB)),
            GenesisNode(1, 10, Resources(hru=0, sru=1 * TIB, cru=8, mru=32 * GIB)),
        ),
        tft_price=GenesisTftPrice(price=50, min=10, max=1000),
        distribution_policy=DistributionPolicy.tfchain(),
        bridge=GenesisBridge(fee_account=_acc(BRIDGE_FEE_NAME), withdraw_fee=TFT, deposit_fee=TFT),
    )


@functools.cache
def default() -> State:
    """The state of the default genesis (`build(default_genesis())`), built once."""
    return build(default_genesis())


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
    cfg = g.config
    # GEN-10 config: a `Config` checks itself when it is built (STATE-13); this catches one built
    # around its validator (attrs.evolve and decode both run it, so only object.__setattr__ could)
    problem = config_problem(cfg)
    if problem is not None:
        raise GenesisError(f"config.{problem[0]}", problem[1])
    # GEN-11 role multisigs
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
    # GEN-19 role lists (ROL-01)
    roles_fault = roles_problem(g.roles)
    if roles_fault is not None:
        raise GenesisError("roles", roles_fault)
    # GEN-12 accounts
    seen_accounts: set[bytes] = set()
    total = 0
    for i, a in enumerate(g.accounts):
        if a.account_id in seen_accounts:
            raise GenesisError(f"accounts[{i}].account_id", "duplicate account")
        seen_accounts.add(a.account_id)
        if a.free < cfg.existential_deposit:
            raise GenesisError(
                f"accounts[{i}].free",
                f"at least the existential deposit {cfg.existential_deposit}, got {a.free}",
            )
        total += a.free
    if total > U128_MAX:
        raise GenesisError("accounts", "the balances sum to more than u128 (total issuance overflows)")
    # GEN-13 twins
    twin_by_account: dict[bytes, int] = {}
    for i, t in enumerate(g.twins):
        if t.account_id not in seen_accounts:
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
    n_twins = len(g.twins)
    # GEN-14 pricing policies
    policy_names: set[bytes] = set()
    for i, p in enumerate(g.pricing_policies):
        # the calls' own bounds (PRC-02): the name's stored length and uniqueness; any value otherwise
        name_error = reg_pricing.name_error(p.name)
        if name_error is not None:
            raise GenesisError(f"pricing_policies[{i}].name", f"at most 64 bytes ({name_error.name})")
        if p.name in policy_names:
            raise GenesisError(
                f"pricing_policies[{i}].name",
                f"duplicate pricing policy name {p.name!r} (PricingPolicyExists)",
            )
        policy_names.add(p.name)
    # GEN-15 farms
    farm_names: set[bytes] = set()
    max_ips = min(cfg.max_farm_public_ips, 256)
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
        n_policies = len(g.pricing_policies)
        if not 1 <= f.pricing_policy_id <= n_policies:
            raise GenesisError(
                f"{path}.pricing_policy_id",
                f"expected an existing pricing policy id (1..{n_policies}), got {f.pricing_policy_id}",
            )
        if len(f.public_ips) > max_ips:
            raise GenesisError(f"{path}.public_ips", f"at most {max_ips} public IPs, got {len(f.public_ips)}")
        ips: set[int] = set()
        for j, pip in enumerate(f.public_ips):
            bad = check_public_ip(pip.ip, pip.gateway)
            if bad is not None:
                raise GenesisError(f"{path}.public_ips[{j}].{bad[0]}", bad[1])
            key = reg_farms.ip_key(pip.ip)
            if key in ips:
                raise GenesisError(f"{path}.public_ips[{j}].ip", "duplicate ip address in this farm (IP-06)")
            ips.add(key)
    # GEN-16 nodes
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
    # GEN-17 tft price
    tp = g.tft_price
    if tp.min == 0:
        raise GenesisError("tft_price.min", "expected at least 1 (billing divides by the price)")
    if tp.min > tp.max:
        raise GenesisError("tft_price.max", f"expected at least tft_price.min ({tp.min}), got {tp.max}")
    # GEN-18 distribution policy: the council's own check (DST-12)
    for name, rule, has_farmer in distribution_rules(g.distribution_policy):
        rule_problem = split_rule_problem(rule, has_farmer=has_farmer)
        if rule_problem is not None:
            raise GenesisError(f"distribution_policy.{name}", rule_problem)


# --------------------------------------------------------------------------------------------------
# Building the state (GEN-01..GEN-05)


def build(genesis: Genesis) -> State:
    """GEN-01: validate `genesis` and construct its `State` directly (no signed calls, no events)."""
    validate(genesis)
    g = genesis
    total = sum(a.free for a in g.accounts)
    accounts: PMap[bytes, AccountInfo] = PMap((a.account_id, AccountInfo(0, a.free)) for a in g.accounts)
    twins = [Twin(i, t.account_id, t.relay, t.pk) for i, t in enumerate(g.twins, start=1)]
    policies = [
        reg_pricing.pricing_policy_from(p, PRICING_POLICY_VERSION, i)
        for i, p in enumerate(g.pricing_policies, start=1)
    ]
    farms = [
        Farm(
            id=i,
            name=f.name,
            twin_id=f.twin_id,
            pricing_policy_id=f.pricing_policy_id,
            certification=f.certification,
            public_ips=tuple(PublicIP(p.ip, p.gateway, 0) for p in f.public_ips),
            dedicated_farm=f.dedicated_farm,
        )
        for i, f in enumerate(g.farms, start=1)
    ]
    nodes = [
        Node(
            id=i,
            farm_id=n.farm_id,
            twin_id=n.twin_id,
            resources=n.resources,
            certification=n.certification,
            created=0,
        )
        for i, n in enumerate(g.nodes, start=1)
    ]
    by_farm: dict[int, list[int]] = {}
    for n in nodes:
        by_farm.setdefault(n.farm_id, []).append(n.id)
    tp = g.tft_price
    base = State.empty(g.config, g.roles, chain_id_of(g))
    return attrs.evolve(
        base,
        fee_account=g.bridge.fee_account,
        withdraw_fee=g.bridge.withdraw_fee,
        deposit_fee=g.bridge.deposit_fee,
        accounts=accounts,
        total_issuance=total,
        minted=total,
        twins=PMap((t.id, t) for t in twins),
        twin_id_by_account_id=PMap((t.account_id, t.id) for t in twins),
        twin_id=len(twins),
        farms=PMap((f.id, f) for f in farms),
        farm_id_by_name=PMap((f.name, f.id) for f in farms),
        farm_id=len(farms),
        nodes=PMap((n.id, n) for n in nodes),
        node_id_by_twin_id=PMap((n.twin_id, n.id) for n in nodes),
        nodes_by_farm_id=PMap((fid, PSet(ids)) for fid, ids in by_farm.items()),
        node_power=PMap((n.id, NodePower()) for n in nodes),
        node_id=len(nodes),
        pricing_policies=PMap((p.id, p) for p in policies),
        pricing_policy_id_by_name=PMap((p.name, p.id) for p in policies),
        pricing_policy_id=len(policies),
        tft_price=TftPrice(price=tp.price, average=tp.price, min=tp.min, max=tp.max),
        billing_frequency=g.config.billing_frequency,
        distribution_policy=g.distribution_policy,
    )


# --------------------------------------------------------------------------------------------------
# JSON (GEN-20..GEN-26)

E = TypeVar("E", bound=IntEnum)


def _type_name(x: Any) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "boolean"
    if isinstance(x, int):
        return "integer"
    if isinstance(x, float):
        return "number"
    if isinstance(x, str):
        return "string"
    if isinstance(x, list):
        return "array"
    if isinstance(x, dict):
        return "object"
    return type(x).__name__  # pragma: no cover - json.loads produces only the above


def _obj(x: Any, path: str, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, Any]:
    if not isinstance(x, dict):
        raise GenesisError(path or ROOT, f"expected an object, got {_type_name(x)}")
    allowed = set(required) | set(optional)
    for k in x:
        if k not in allowed:
            raise GenesisError(_join(path, k), f"unknown field; expected one of {', '.join(sorted(allowed))}")
    for k in required:
        if k not in x:
            raise GenesisError(_join(path, k), "missing field")
    return x


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _uint(x: Any, path: str, bits: int) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise GenesisError(path, f"expected an unsigned integer (u{bits}), got {_type_name(x)}")
    if not 0 <= x < (1 << bits):
        raise GenesisError(path, f"{x} is out of range for u{bits} (0..{(1 << bits) - 1})")
    return x


def _bool(x: Any, path: str) -> bool:
    if not isinstance(x, bool):
        raise GenesisError(path, f"expected a boolean, got {_type_name(x)}")
    return x


def _text(x: Any, path: str, max_len: int) -> bytes:
    if not isinstance(x, str):
        raise GenesisError(path, f"expected a string, got {_type_name(x)}")
    try:
        b = x.encode()
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") is valid JSON but not text
        raise GenesisError(path, "a string with a lone surrogate (not valid Unicode text)") from None
    if len(b) > max_len:
        raise GenesisError(path, f"at most {max_len} bytes, got {len(b)}")
    return b


def _hex(x: Any, path: str, max_len: int) -> bytes:
    if not isinstance(x, str) or not x.startswith("0x"):
        raise GenesisError(path, f"expected a 0x-prefixed hex string, got {_type_name(x)}")
    try:
        b = bytes.fromhex(x[2:])
    except ValueError:
        raise GenesisError(path, "expected a 0x-prefixed hex string (bad hex digits)") from None
    if len(b) > max_len:
        raise GenesisError(path, f"at most {max_len} bytes, got {len(b)}")
    return b


def _enum(x: Any, path: str, cls: type[E]) -> E:
    names = [m.name for m in cls]
    if not isinstance(x, str) or x not in cls.__members__:
        shown = repr(x) if isinstance(x, str) else _type_name(x)
        raise GenesisError(path, f"unknown {cls.__name__} {shown}; expected one of {', '.join(names)}")
    return cls[x]


def _account(x: Any, path: str, prefix: int) -> bytes:
    if not isinstance(x, str):
        raise GenesisError(path, f"expected an SS58 address or 0x-hex account id, got {_type_name(x)}")
    if x.startswith("0x"):
        try:
            b = bytes.fromhex(x[2:])
        except ValueError:
            raise GenesisError(path, "expected 0x and 64 hex digits (bad hex digits)") from None
        if len(b) != 32:
            raise GenesisError(path, f"expected a 32-byte account id, got {len(b)} bytes")
        return b
    try:
        return ss58_decode(x, prefix)
    except ValueError as e:
        raise GenesisError(path, f"bad SS58 address ({e})") from None


def _array(x: Any, path: str, max_len: int = MAX_GENESIS_ITEMS) -> list[Any]:
    if not isinstance(x, list):
        raise GenesisError(path, f"expected an array, got {_type_name(x)}")
    if len(x) > max_len:
        raise GenesisError(path, f"at most {max_len} items, got {len(x)}")
    return x


def _items(
    x: Any, path: str, read: Callable[[Any, str], T], max_len: int = MAX_GENESIS_ITEMS
) -> tuple[T, ...]:
    return tuple(read(item, f"{path}[{i}]") for i, item in enumerate(_array(x, path, max_len)))


def _check_id(d: dict[str, Any], path: str) -> None:
    """The optional `id` of a twin / farm / node / pricing policy must be its 1-based position (GEN-23)."""
    if "id" in d:
        i = int(path[path.rindex("[") + 1 : -1])
        if _uint(d["id"], f"{path}.id", 32) != i + 1:
            raise GenesisError(f"{path}.id", f"ids are positions: expected {i + 1}, got {d['id']}")


_CONFIG_FIELDS = tuple(f.name for f in attrs.fields(Config))


def _config_from(x: Any, path: str) -> Config:
    """Config members are optional (default `Config()`); each is an unsigned integer of its width, or a
    boolean for a boolean member."""
    d = _obj(x, path, (), _CONFIG_FIELDS)
    hints = typing.get_type_hints(Config, include_extras=True)
    args: dict[str, Any] = {}
    for name in _CONFIG_FIELDS:
        if name in d:
            uint = next((m for m in typing.get_args(hints[name]) if isinstance(m, UInt)), None)
            if uint is not None:
                args[name] = _uint(d[name], f"{path}.{name}", uint.bits)
            elif hints[name] is bool:
                args[name] = _bool(d[name], f"{path}.{name}")
            else:  # pragma: no cover - Config holds only integers and booleans
                raise TypeError(f"Config.{name}: no JSON form for {hints[name]!r}")
    try:
        return Config(**args)
    except ConfigError as e:  # GEN-10, STATE-13
        raise GenesisError(f"{path}.{e.field}", e.message) from None


def _config_to(c: Config) -> dict[str, Any]:
    return {name: getattr(c, name) for name in _CONFIG_FIELDS}


class _Reader:
    """Parses a genesis JSON object; `prefix` is the SS58 prefix from its config."""

    def __init__(self, prefix: int) -> None:
        self.prefix = prefix

    def account(self, x: Any, path: str) -> bytes:
        return _account(x, path, self.prefix)

    def roles(self, x: Any, path: str) -> Roles:
        lists = ("node_certifiers", "council_members", "validators", "bridge_validators")
        d = _obj(x, path, ("council", "oracle", "staking_pool"), lists)

        def accounts(name: str) -> tuple[bytes, ...]:
            return tuple(_items(d.get(name, []), f"{path}.{name}", self.account, MAX_ROLE_MEMBERS))

        return Roles(
            council=self.account(d["council"], f"{path}.council"),
            oracle=self.account(d["oracle"], f"{path}.oracle"),
            staking_pool=self.account(d["staking_pool"], f"{path}.staking_pool"),
            node_certifiers=accounts("node_certifiers"),
            council_members=accounts("council_members"),
            validators=accounts("validators"),
            bridge_validators=accounts("bridge_validators"),
        )

    def bridge(self, x: Any, path: str) -> GenesisBridge:
        d = _obj(x, path, ("withdraw_fee", "deposit_fee"), ("fee_account",))
        fee = d.get("fee_account")
        return GenesisBridge(
            fee_account=None if fee is None else self.account(fee, f"{path}.fee_account"),
            withdraw_fee=_uint(d["withdraw_fee"], f"{path}.withdraw_fee", 64),
            deposit_fee=_uint(d["deposit_fee"], f"{path}.deposit_fee", 64),
        )

    def multisig(self, x: Any, path: str) -> MultisigSpec | None:
        if x is None:
            return None
        d = _obj(x, path, ("threshold", "signatories"))
        threshold = _uint(d["threshold"], f"{path}.threshold", 16)
        sigs = _items(d["signatories"], f"{path}.signatories", self.account, MAX_SIGNATORIES)
        if not sigs:
            raise GenesisError(f"{path}.signatories", "expected at least one signatory")
        if len(set(sigs)) != len(sigs):
            raise GenesisError(f"{path}.signatories", "duplicate signatory")
        # signatories may be listed in any order; the spec sorts them (the account id does not depend on it)
        return MultisigSpec.of(threshold, sigs)

    def multisigs(self, x: Any, path: str) -> RoleMultisigs:
        d = _obj(x, path, (), ("council", "oracle"))
        return RoleMultisigs(
            council=self.multisig(d.get("council"), f"{path}.council"),
            oracle=self.multisig(d.get("oracle"), f"{path}.oracle"),
        )

    def acc(self, x: Any, path: str) -> GenesisAccount:
        d = _obj(x, path, ("account_id", "free"))
        return GenesisAccount(
            self.account(d["account_id"], f"{path}.account_id"), _uint(d["free"], f"{path}.free", 128)
        )

    def twin(self, x: Any, path: str) -> GenesisTwin:
        d = _obj(x, path, ("account_id",), ("id", "relay", "pk"))
        _check_id(d, path)
        relay = d.get("relay")
        pk = d.get("pk")
        return GenesisTwin(
            account_id=self.account(d["account_id"], f"{path}.account_id"),
            relay=None if relay is None else _text(relay, f"{path}.relay", 1024),
            pk=None if pk is None else _hex(pk, f"{path}.pk", 128),
        )

    def policy(self, x: Any, path: str) -> Policy:
        d = _obj(x, path, ("value", "unit"))
        return Policy(_uint(d["value"], f"{path}.value", 32), _enum(d["unit"], f"{path}.unit", Unit))

    def pricing_policy(self, x: Any, path: str) -> GenesisPricingPolicy:
        units = ("su", "cu", "nu", "ipu", "unique_name", "domain_name")
        d = _obj(
            x,
            path,
            (
                "name",
                *units,
                "foundation_account",
                "certified_sales_account",
                "discount_for_dedication_nodes",
            ),
            ("id",),
        )
        _check_id(d, path)
        pol = {u: self.policy(d[u], f"{path}.{u}") for u in units}
        return GenesisPricingPolicy(
            name=_text(d["name"], f"{path}.name", 64),
            su=pol["su"],
            cu=pol["cu"],
            nu=pol["nu"],
            ipu=pol["ipu"],
            unique_name=pol["unique_name"],
            domain_name=pol["domain_name"],
            foundation_account=self.account(d["foundation_account"], f"{path}.foundation_account"),
            certified_sales_account=self.account(
                d["certified_sales_account"], f"{path}.certified_sales_account"
            ),
            discount_for_dedication_nodes=_uint(
                d["discount_for_dedication_nodes"], f"{path}.discount_for_dedication_nodes", 8
            ),
        )

    def public_ip(self, x: Any, path: str) -> GenesisPublicIP:
        d = _obj(x, path, ("ip", "gateway"))
        return GenesisPublicIP(_text(d["ip"], f"{path}.ip", 18), _text(d["gateway"], f"{path}.gateway", 15))

    def farm(self, x: Any, path: str) -> GenesisFarm:
        d = _obj(
            x,
            path,
            ("name", "twin_id", "pricing_policy_id", "certification", "dedicated_farm"),
            ("id", "public_ips"),
        )
        _check_id(d, path)
        return GenesisFarm(
            name=_text(d["name"], f"{path}.name", 128),
            twin_id=_uint(d["twin_id"], f"{path}.twin_id", 32),
            pricing_policy_id=_uint(d["pricing_policy_id"], f"{path}.pricing_policy_id", 32),
            certification=_enum(d["certification"], f"{path}.certification", FarmCertification),
            dedicated_farm=_bool(d["dedicated_farm"], f"{path}.dedicated_farm"),
            public_ips=_items(d.get("public_ips", []), f"{path}.public_ips", self.public_ip, 256),
        )

    def resources(self, x: Any, path: str) -> Resources:
        d = _obj(x, path, ("hru", "sru", "cru", "mru"))
        return Resources(**{k: _uint(d[k], f"{path}.{k}", 64) for k in ("hru", "sru", "cru", "mru")})

    def node(self, x: Any, path: str) -> GenesisNode:
        d = _obj(x, path, ("farm_id", "twin_id", "resources", "certification"), ("id",))
        _check_id(d, path)
        return GenesisNode(
            farm_id=_uint(d["farm_id"], f"{path}.farm_id", 32),
            twin_id=_uint(d["twin_id"], f"{path}.twin_id", 32),
            resources=self.resources(d["resources"], f"{path}.resources"),
            certification=_enum(d["certification"], f"{path}.certification", NodeCertification),
        )

    def tft_price(self, x: Any, path: str) -> GenesisTftPrice:
        d = _obj(x, path, ("price", "min", "max"))
        return GenesisTftPrice(*(_uint(d[k], f"{path}.{k}", 32) for k in ("price", "min", "max")))

    def share(self, x: Any, path: str) -> Share:
        d = _obj(x, path, ("recipient", "perbill"))
        return Share(
            _enum(d["recipient"], f"{path}.recipient", Recipient), _uint(d["perbill"], f"{path}.perbill", 32)
        )

    def split(self, x: Any, path: str) -> SplitRule:
        d = _obj(x, path, ("shares", "remainder"))
        return SplitRule(
            _items(d["shares"], f"{path}.shares", self.share, 8),
            _enum(d["remainder"], f"{path}.remainder", Recipient),
        )

    def distribution(self, x: Any, path: str) -> DistributionPolicy:
        d = _obj(x, path, ("node", "name", "extra_fee"))
        return DistributionPolicy(
            self.split(d["node"], f"{path}.node"),
            self.split(d["name"], f"{path}.name"),
            self.split(d["extra_fee"], f"{path}.extra_fee"),
        )


_TOP_FIELDS = (
    "format",
    "config",
    "roles",
    "multisigs",
    "accounts",
    "twins",
    "pricing_policies",
    "farms",
    "nodes",
    "tft_price",
    "distribution_policy",
)
_OPTIONAL_TOP_FIELDS = ("names", "bridge")


def from_json_obj(doc: Any) -> Genesis:
    """GEN-20..GEN-24: a `Genesis` from a parsed JSON document; structural checks, then `validate`."""
    d = _obj(doc, "", _TOP_FIELDS, _OPTIONAL_TOP_FIELDS)
    if d["format"] != FORMAT:
        raise GenesisError("format", f"expected {FORMAT!r}, got {d['format']!r}")
    config = _config_from(d["config"], "config")
    try:
        ss58_encode(bytes(32), config.ss58_prefix)
    except ValueError:
        raise GenesisError("config.ss58_prefix", f"a valid SS58 prefix, got {config.ss58_prefix}") from None
    r = _Reader(config.ss58_prefix)
    if "names" in d:
        names = d["names"]
        if not isinstance(names, dict):
            raise GenesisError("names", f"expected an object (name -> account), got {_type_name(names)}")
        for key, value in names.items():
            r.account(value, f"names.{key}")
    genesis = Genesis(
        config=config,
        roles=r.roles(d["roles"], "roles"),
        multisigs=r.multisigs(d["multisigs"], "multisigs"),
        accounts=_items(d["accounts"], "accounts", r.acc),
        twins=_items(d["twins"], "twins", r.twin),
        pricing_policies=_items(d["pricing_policies"], "pricing_policies", r.pricing_policy),
        farms=_items(d["farms"], "farms", r.farm),
        nodes=_items(d["nodes"], "nodes", r.node),
        tft_price=r.tft_price(d["tft_price"], "tft_price"),
        distribution_policy=r.distribution(d["distribution_policy"], "distribution_policy"),
        bridge=r.bridge(d["bridge"], "bridge") if "bridge" in d else GenesisBridge(),
    )
    validate(genesis)
    return genesis


def _str(b: bytes, path: str) -> str:
    try:
        return b.decode()
    except UnicodeDecodeError:
        raise GenesisError(path, "not valid UTF-8, cannot be written as a JSON string") from None


def to_json_obj(genesis: Genesis, names: dict[str, bytes] | None = None) -> dict[str, Any]:
    """GEN-25: the JSON data model of `genesis` (what `dumps` writes); `names` adds the informative
    `names` member (name -> address), which `loads` checks but otherwise ignores."""
    g = genesis
    prefix = g.config.ss58_prefix

    def a(b: bytes) -> str:
        return ss58_encode(b, prefix)

    def pol(p: Policy) -> dict[str, Any]:
        return {"value": p.value, "unit": p.unit.name}

    def ms(spec: MultisigSpec | None) -> dict[str, Any] | None:
        if spec is None:
            return None
        return {"threshold": spec.threshold, "signatories": [a(s) for s in spec.signatories]}

    def split(rule: SplitRule) -> dict[str, Any]:
        return {
            "shares": [{"recipient": s.recipient.name, "perbill": s.perbill} for s in rule.shares],
            "remainder": rule.remainder.name,
        }

    out: dict[str, Any] = {"format": FORMAT}
    if names:
        out["names"] = {k: a(v) for k, v in names.items()}
    return out | {
        "config": _config_to(g.config),
        "roles": {
            "council": a(g.roles.council),
            "oracle": a(g.roles.oracle),
            "staking_pool": a(g.roles.staking_pool),
            "node_certifiers": [a(x) for x in g.roles.node_certifiers],
            "council_members": [a(x) for x in g.roles.council_members],
            "validators": [a(x) for x in g.roles.validators],
            "bridge_validators": [a(x) for x in g.roles.bridge_validators],
        },
        "multisigs": {
            "council": ms(g.multisigs.council),
            "oracle": ms(g.multisigs.oracle),
        },
        "bridge": {
            "fee_account": None if g.bridge.fee_account is None else a(g.bridge.fee_account),
            "withdraw_fee": g.bridge.withdraw_fee,
            "deposit_fee": g.bridge.deposit_fee,
        },
        "accounts": [{"account_id": a(x.account_id), "free": x.free} for x in g.accounts],
        "twins": [
            {
                "id": i,
                "account_id": a(t.account_id),
                "relay": None if t.relay is None else _str(t.relay, f"twins[{i - 1}].relay"),
                "pk": None if t.pk is None else "0x" + t.pk.hex(),
            }
            for i, t in enumerate(g.twins, start=1)
        ],
        "pricing_policies": [
            {
                "id": i,
                "name": _str(p.name, f"pricing_policies[{i - 1}].name"),
                "su": pol(p.su),
                "cu": pol(p.cu),
                "nu": pol(p.nu),
                "ipu": pol(p.ipu),
                "unique_name": pol(p.unique_name),
                "domain_name": pol(p.domain_name),
                "foundation_account": a(p.foundation_account),
                "certified_sales_account": a(p.certified_sales_account),
                "discount_for_dedication_nodes": p.discount_for_dedication_nodes,
            }
            for i, p in enumerate(g.pricing_policies, start=1)
        ],
        "farms": [
            {
                "id": i,
                "name": _str(f.name, f"farms[{i - 1}].name"),
                "twin_id": f.twin_id,
                "pricing_policy_id": f.pricing_policy_id,
                "certification": f.certification.name,
                "dedicated_farm": f.dedicated_farm,
                "public_ips": [
                    {
                        "ip": _str(p.ip, f"farms[{i - 1}].public_ips[{j}].ip"),
                        "gateway": _str(p.gateway, f"farms[{i - 1}].public_ips[{j}].gateway"),
                    }
                    for j, p in enumerate(f.public_ips)
                ],
            }
            for i, f in enumerate(g.farms, start=1)
        ],
        "nodes": [
            {
                "id": i,
                "farm_id": n.farm_id,
                "twin_id": n.twin_id,
                "resources": {
                    "hru": n.resources.hru,
                    "sru": n.resources.sru,
                    "cru": n.resources.cru,
                    "mru": n.resources.mru,
                },
                "certification": n.certification.name,
            }
            for i, n in enumerate(g.nodes, start=1)
        ],
        "tft_price": {"price": g.tft_price.price, "min": g.tft_price.min, "max": g.tft_price.max},
        "distribution_policy": {
            "node": split(g.distribution_policy.node),
            "name": split(g.distribution_policy.name),
            "extra_fee": split(g.distribution_policy.extra_fee),
        },
    }


def dumps(genesis: Genesis, names: dict[str, bytes] | None = None) -> str:
    """GEN-25: the JSON text of `genesis` (2-space indent, trailing newline), with an optional `names`
    member labelling accounts for readers."""
    return json.dumps(to_json_obj(genesis, names), indent=2, ensure_ascii=False) + "\n"


def loads(text: str | bytes) -> Genesis:
    """GEN-20: parse and validate a genesis JSON document."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise GenesisError(ROOT, f"malformed JSON: {e}") from None
    return from_json_obj(doc)


def dump(genesis: Genesis, path: str | os.PathLike[str], names: dict[str, bytes] | None = None) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(dumps(genesis, names))


def load(path: str | os.PathLike[str]) -> Genesis:
    """Read and validate a genesis JSON file (`OSError` for a file that cannot be read: not a regular
    file, larger than 64 MiB, ...; `UnicodeDecodeError` if it is not UTF-8; `GenesisError`)."""
    return loads(read_regular(path, max_bytes=MAX_JSON_BYTES).decode("utf-8"))


def default_genesis_json_path() -> str:
    """Where the shipped copy of the default genesis lives (`src/sc4it/data/default_genesis.json`)."""
    return os.path.join(os.path.dirname(__file__), "data", "default_genesis.json")


def default_genesis_json() -> str:
    """The exact text of the shipped `data/default_genesis.json`: `dumps` of the default genesis with
    the dev names. Regenerate the file with `write_default_json()`."""
    return dumps(default_genesis(), named_accounts())


def write_default_json() -> None:
    """Regenerate the shipped `data/default_genesis.json` from `default_genesis()`."""
    with open(default_genesis_json_path(), "w", encoding="utf-8") as f:
        f.write(default_genesis_json())
