"""Populations for pricing analysis (spec/analysis.md ANA-01..ANA-05): who holds which contracts on which
nodes, with which balances, and the history of what changes while they are billed.

A `Population` is plain data (farms, nodes, twins, contracts with TFChain's ids); `build_state` turns it
into a chain `State` on top of a base state (a network preset or a genesis), the world the normative
block-by-block billing runs on; `sc4it.analysis.fastforward` bills the same population without building
it. A `History` lists the events that change bills while the population is billed: TFT price, pricing
policy 1, top-ups, resource reports (ANA-04).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable

import attrs

from sc4it.contracts.lifecycle import create_contract
from sc4it.contracts.reports import add_nru_cost
from sc4it.kernel.errors import Fail
from sc4it.kernel.pmap import PSet
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv, Tx
from sc4it.kernel.types import (
    AccountInfo,
    ContractBillingInformation,
    ContractResources,
    Farm,
    FarmCertification,
    NameContract,
    Node,
    NodeCertification,
    NodeContract,
    NruConsumption,
    PricingPolicy,
    PublicIP,
    RentContract,
    Resources,
    TftPrice,
    Twin,
)
from sc4it.ledger import deposit

KINDS = ("node", "name", "rent")
"""ANA-01: contract kinds the analysis engine bills."""


@attrs.frozen(slots=True)
class FarmSpec:
    id: int
    farmer_twin: int
    """The twin whose account receives the farmer's share (DST-06)."""
    name: str = ""


@attrs.frozen(slots=True)
class NodeSpec:
    id: int
    farm_id: int
    certified: bool = False
    resources: Resources = attrs.field(factory=lambda: Resources(hru=0, sru=1 << 40, cru=64, mru=256 << 30))
    """The node's total resources: what a rent contract on it pays for (BIL-33)."""
    extra_fee: int = 0
    """A dedicated node's extra fee, mUSD a month, paid by its rent contract (XF-06, BIL-39)."""
    opted_out: bool = False
    """Opted out of v3 billing before the period (OPT-01): its node and rent contracts are waived (OPT-30)."""


@attrs.frozen(slots=True)
class TwinSpec:
    id: int
    balance: int
    """Free balance of the twin's account, TFT units (10^7 = 1 TFT)."""
    stash: int | None = None
    """Free balance of a bonded stash account (counts for the discount only, BIL-11), or no stash."""
    frozen: int = 0


@attrs.frozen(slots=True)
class ContractSpec:
    id: int
    twin_id: int
    kind: str
    """"node", "name" or "rent" (a rent contract takes the whole node `node_id`, ANA-07)."""
    node_id: int = 0
    resources: Resources = attrs.field(factory=Resources)
    public_ips: int = 0
    name: str = ""


@attrs.frozen(slots=True)
class Population:
    farms: tuple[FarmSpec, ...]
    nodes: tuple[NodeSpec, ...]
    twins: tuple[TwinSpec, ...]
    contracts: tuple[ContractSpec, ...]
    description: str = ""


# --------------------------------------------------------------------------------------------------
# History (ANA-04)


@attrs.frozen(slots=True)
class SetPrice:
    """From `block` on, the TFT price (and its average) is `musd` (billing still clamps it, BIL-36)."""

    block: int
    musd: int


@attrs.frozen(slots=True)
class SetPolicy:
    """From `block` on, pricing policy 1 is `policy`."""

    block: int
    policy: PricingPolicy


@attrs.frozen(slots=True)
class TopUp:
    """At `block` the twin's account receives `amount` TFT units (free balance)."""

    block: int
    twin_id: int
    amount: int


@attrs.frozen(slots=True)
class Report:
    """At `block` the node reports that node contract `contract_id` uses `resources`."""

    block: int
    contract_id: int
    resources: Resources


@attrs.frozen(slots=True)
class NuReport:
    """At `block` the node reports `nru` bytes of public traffic over `window` seconds for node contract
    `contract_id`, stamped `timestamp` (seconds): its NU cost joins the contract's unbilled amount (NR-08,
    ANA-08)."""

    block: int
    contract_id: int
    nru: int
    window: int
    timestamp: int


@attrs.frozen(slots=True)
class OptOut:
    """At `block` node `node_id` opts out of v3 billing (OPT-14): its contracts are waived (OPT-30)."""

    block: int
    node_id: int


HistoryEvent = SetPrice | SetPolicy | TopUp | Report | NuReport | OptOut


def account_of(twin_id: int) -> bytes:
    """The account id of population twin `twin_id` (deterministic, not a real key)."""
    return hashlib.blake2b(b"sc4it/analysis/twin" + twin_id.to_bytes(4, "big"), digest_size=32).digest()


def stash_of(twin_id: int) -> bytes:
    """The account id of the stash bonded to population twin `twin_id`."""
    return hashlib.blake2b(b"sc4it/analysis/stash" + twin_id.to_bytes(4, "big"), digest_size=32).digest()


class PopulationError(ValueError):
    """A population that cannot be built or billed: `where` says which record and field."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def check(population: Population) -> None:
    """ANA-02: references resolve, ids are unique, amounts are in range; `PopulationError` otherwise."""
    farms = {f.id for f in population.farms}
    nodes = {n.id: n for n in population.nodes}
    twins = {t.id for t in population.twins}
    for label, ids in (
        ("farms", [f.id for f in population.farms]),
        ("nodes", [n.id for n in population.nodes]),
        ("twins", [t.id for t in population.twins]),
        ("contracts", [c.id for c in population.contracts]),
    ):
        seen: set[int] = set()
        for i, x in enumerate(ids):
            if not 1 <= x < 1 << 32:
                raise PopulationError(f"{label}[{i}].id", f"{x} is not an id in 1..2^32-1")
            if x in seen:
                raise PopulationError(f"{label}[{i}].id", f"duplicate id {x}")
            seen.add(x)
    for i, f in enumerate(population.farms):
        if f.farmer_twin not in twins:
            raise PopulationError(f"farms[{i}].farmer_twin", f"unknown twin {f.farmer_twin}")
    for i, n in enumerate(population.nodes):
        if n.farm_id not in farms:
            raise PopulationError(f"nodes[{i}].farm_id", f"unknown farm {n.farm_id}")
    for i, t in enumerate(population.twins):
        for field, v in (("balance", t.balance), ("stash", t.stash or 0), ("frozen", t.frozen)):
            if not 0 <= v < 1 << 100:
                raise PopulationError(f"twins[{i}].{field}", f"{v} is out of range (0..2^100)")
    for i, n in enumerate(population.nodes):
        for field in ("cru", "mru", "sru", "hru"):
            v = getattr(n.resources, field)
            if not 0 <= v < 1 << 64:
                raise PopulationError(f"nodes[{i}].{field}", f"{v} is out of range (0..2^64-1)")
        if not 0 <= n.extra_fee < 1 << 64:
            raise PopulationError(f"nodes[{i}].extra_fee", f"{n.extra_fee} is out of range (0..2^64-1)")
    for i, c in enumerate(population.contracts):
        _check_contract(i, c, nodes, twins)
    _check_rent(population)


def _check_contract(i: int, c: ContractSpec, nodes: dict[int, NodeSpec], twins: set[int]) -> None:
    where = f"contracts[{i}]"
    if c.kind not in KINDS:
        raise PopulationError(f"{where}.kind", f"{c.kind!r} is not one of {', '.join(KINDS)}")
    if c.twin_id not in twins:
        raise PopulationError(f"{where}.twin_id", f"unknown twin {c.twin_id}")
    if c.kind != "name" and c.node_id not in nodes:
        raise PopulationError(f"{where}.node_id", f"unknown node {c.node_id}")
    if c.kind == "rent" and (c.public_ips or not c.resources.is_empty()):
        field = "public_ips" if c.public_ips else "resources"
        raise PopulationError(f"{where}.{field}", "a rent contract has no public IPs or used resources")
    if not 0 <= c.public_ips <= 256:
        raise PopulationError(f"{where}.public_ips", f"{c.public_ips} is out of range (0..256)")
    for field in ("cru", "mru", "sru", "hru"):
        v = getattr(c.resources, field)
        if not 0 <= v < 1 << 64:
            raise PopulationError(f"{where}.{field}", f"{v} is out of range (0..2^64-1)")


def _check_rent(population: Population) -> None:
    """ANA-07: at most one rent contract per node (RC-01), and the node contracts on a rented node are
    the renter's (only the renter may deploy there, NC-03)."""
    renter: dict[int, tuple[int, int]] = {}
    for i, c in enumerate(population.contracts):
        if c.kind == "rent":
            if c.node_id in renter:
                raise PopulationError(
                    f"contracts[{i}].node_id", f"node {c.node_id} already has a rent contract"
                )
            renter[c.node_id] = (c.id, c.twin_id)
    for i, c in enumerate(population.contracts):
        rent = renter.get(c.node_id) if c.kind == "node" else None
        if rent is not None and rent[1] != c.twin_id:
            raise PopulationError(
                f"contracts[{i}].twin_id",
                f"node {c.node_id} is rented by twin {rent[1]} (rent contract {rent[0]}): only the renter "
                "deploys there",
            )


# --------------------------------------------------------------------------------------------------
# Building the chain state (ANA-03)


MAX_FARM_IPS = 250


def _ips(farm_id: int, count: int) -> tuple[PublicIP, ...]:
    """`count` (at most `MAX_FARM_IPS`) distinct public IPs 185.a.b.2/24 ... for farm `farm_id`."""
    assert count <= MAX_FARM_IPS
    a, b = 64 + ((farm_id >> 8) & 0x3F), farm_id & 0xFF
    return tuple(
        PublicIP(f"185.{a}.{b}.{i + 2}/24".encode(), f"185.{a}.{b}.1".encode()) for i in range(count)
    )


def build_state(population: Population, base: State, block: int = 0, timestamp: int = 0) -> State:
    """ANA-03: `base` plus the population's farms, nodes, twins (accounts funded with their balance),
    stashes and contracts, every contract Created at `block`/`timestamp` (ms) with the population's id,
    node contracts with their reported resources and public IPs taken from their farm. Recipients of
    revenue (farmers, foundation, staking pool) exist, so no payout is dust (DST-09)."""
    check(population)
    tx = Tx(base, BlockEnv(block, timestamp))
    ed = base.config.existential_deposit
    for t in population.twins:
        _fund(tx, account_of(t.id), max(t.balance, ed), t.frozen)
        tx.twins[t.id] = Twin(t.id, account_of(t.id))
        tx.twin_id_by_account_id[account_of(t.id)] = t.id
        if t.stash is not None:
            _fund(tx, stash_of(t.id), max(t.stash, ed), 0)
            tx.twin_bounded_account_id[t.id] = stash_of(t.id)
    policy = tx.pricing_policies.get(1)
    for acc in (tx.base.roles.staking_pool, *(() if policy is None else (policy.foundation_account,))):
        if acc not in tx.accounts:
            _fund(tx, acc, ed, 0)
    ips_needed: dict[int, int] = {}
    node_farm = {n.id: n.farm_id for n in population.nodes}
    for c in population.contracts:
        if c.kind == "node" and c.public_ips:
            farm_id = node_farm[c.node_id]
            ips_needed[farm_id] = ips_needed.get(farm_id, 0) + c.public_ips
    for f in population.farms:
        needed = ips_needed.get(f.id, 0)
        if needed > MAX_FARM_IPS:
            raise PopulationError(
                f"farm {f.id}", f"its contracts use {needed} public IPs (at most {MAX_FARM_IPS})"
            )
        name = (f.name or f"farm-{f.id}").encode()
        tx.farms[f.id] = Farm(
            f.id, name, f.farmer_twin, 1, FarmCertification.NotCertified, _ips(f.id, needed), False
        )
    for n in population.nodes:
        cert = NodeCertification.Certified if n.certified else NodeCertification.Diy
        tx.nodes[n.id] = Node(n.id, n.farm_id, 0, n.resources, cert, 0)
        tx.nodes_by_farm_id[n.farm_id] = (tx.nodes_by_farm_id.get(n.farm_id) or PSet()).add(n.id)
        if n.extra_fee:
            tx.dedicated_nodes_extra_fee[n.id] = n.extra_fee
        if n.opted_out:
            tx.node_v3_billing_opt_out[n.id] = tx.now
    for c in sorted(population.contracts, key=lambda c: c.id):
        _create(tx, c)
    tx.contract_id = max([tx.contract_id, *(c.id for c in population.contracts)])
    tx.twin_id = max([tx.twin_id, *(t.id for t in population.twins)])
    tx.farm_id = max([tx.farm_id, *(f.id for f in population.farms)])
    tx.node_id = max([tx.node_id, *(n.id for n in population.nodes)])
    return tx.commit()


def _fund(tx: Tx, who: bytes, free: int, frozen: int) -> None:
    info = tx.accounts.get(who) or AccountInfo()
    tx.accounts[who] = AccountInfo(info.nonce, info.free + free, info.reserved, frozen)
    tx.total_issuance = tx.total_issuance + free
    tx.minted = tx.minted + free


def _create(tx: Tx, c: ContractSpec) -> None:
    tx.contract_id = c.id - 1
    if c.kind == "name":
        name = (c.name or f"name-{c.id}").encode()
        create_contract(tx, c.twin_id, NameContract(name), None)
        tx.contract_id_by_name_registration[name] = c.id
        return
    if c.kind == "rent":  # RC-07
        create_contract(tx, c.twin_id, RentContract(c.node_id), None)
        tx.active_rent_contract_for_node[c.node_id] = c.id
        return
    digest = hashlib.blake2b(c.id.to_bytes(8, "big"), digest_size=32).digest()
    create_contract(tx, c.twin_id, NodeContract(c.node_id, digest, b"", c.public_ips, ()), None)
    tx.contract_billing_information_by_id[c.id] = ContractBillingInformation(0, tx.now, 0)
    tx.contract_id_by_node_id_and_hash[(c.node_id, digest)] = c.id
    tx.active_node_contracts[c.node_id] = (tx.active_node_contracts.get(c.node_id) or PSet()).add(c.id)
    if not c.resources.is_empty():
        tx.node_contract_resources[c.id] = ContractResources(c.id, c.resources)


def apply_event(state: State, event: HistoryEvent) -> State:
    """ANA-04: `state` with one history event applied (before the bills of its block)."""
    tx = Tx(state, BlockEnv(event.block, 0))
    if isinstance(event, SetPrice):
        t = tx.tft_price
        tx.tft_price = TftPrice(event.musd, event.musd, t.min, t.max, t.last_block_set, t.history)
    elif isinstance(event, SetPolicy):
        tx.pricing_policies[1] = event.policy
    elif isinstance(event, TopUp):
        deposit(tx, account_of(event.twin_id), event.amount)
        tx.total_issuance = tx.total_issuance + event.amount
        tx.minted = tx.minted + event.amount
    elif isinstance(event, Report):
        if event.contract_id in tx.contracts:
            tx.node_contract_resources[event.contract_id] = ContractResources(
                event.contract_id, event.resources
            )
    elif isinstance(event, NuReport):
        _add_nu(tx, event)
    elif event.node_id in tx.nodes and event.node_id not in tx.node_v3_billing_opt_out:
        tx.node_v3_billing_opt_out[event.node_id] = tx.now  # OPT-14
    return tx.commit()


def _add_nu(tx: Tx, event: NuReport) -> None:
    """NR-06..NR-08 for one report of the farm's node (the farm's policy is pricing policy 1, ANA-03);
    a report that fails (NU cost past u64) changes nothing."""
    info = tx.contract_billing_information_by_id.get(event.contract_id)
    policy = tx.pricing_policies.get(1)
    if info is None or policy is None:
        return
    report = NruConsumption(event.contract_id, event.timestamp, event.window, event.nru)
    with contextlib.suppress(Fail):
        tx.contract_billing_information_by_id[event.contract_id] = add_nru_cost(
            info, policy, report, tx.config.billing_reference_period
        )


def sorted_history(events: Iterable[HistoryEvent]) -> list[HistoryEvent]:
    """Events in the order they apply: by block, then as given."""
    return sorted(events, key=lambda e: e.block)
