"""`sc4it quote`: what a deployment costs, computed by billing's own functions (spec/billing.md).

`quote(state, workload, balance=...)` puts hypothetical contracts for the workload into a scratch
transaction over `state` (never committed) and asks `sc4it.contracts.billing.payment.contract_cost_tft` and
`extra_fee_tft` what one bill of `secs` seconds would reserve, exactly as `bill_contract` computes it
(BIL-13, BIL-30..BIL-39): pricing policy 1, the TFT price average clamped to [min, max], the discount
level from the twin's usable balance (free − existential deposit) and the 1.25 factor of certified nodes.
A month is 720 hourly bills at that balance (billing charges each cycle separately; the balance, and
with it the discount level, changes as bills are paid).

A pricing-policy proposal file (`read_policy_file`, used by `quote --policy` and `whatif --policy`) is a
JSON object; every field is optional and replaces the one of pricing policy 1 (docs/pricing-analysis.md):

    {"format": "sc4it-pricing-policy/v1", "name": "...",
     "su": {"value": 50000, "unit": "Gigabytes"}, "cu": {...}, "nu": {...}, "ipu": {...},
     "unique_name": {...}, "domain_name": {...}, "discount_for_dedication_nodes": 50,
     "tft_price": 50}
"""

from __future__ import annotations

import json
import os
from typing import Any

import attrs

from sc4it import ledger
from sc4it.contracts.billing import cost
from sc4it.contracts.billing.payment import (
    BILLING_POLICY_ID,
    contract_cost_tft,
    contract_cost_units_usd,
    extra_fee_tft,
    pricing_of,
)
from sc4it.fileio import MAX_JSON_BYTES, read_regular
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv, Tx
from sc4it.kernel.types import (
    CONTRACT_VERSION,
    AccountInfo,
    Contract,
    ContractResources,
    Created,
    DiscountLevel,
    NameContract,
    NodeCertification,
    NodeContract,
    Policy,
    PricingPolicy,
    RentContract,
    Resources,
    TftPrice,
    Unit,
)

GIB = 1 << 30
HOUR = cost.SECS_PER_HOUR
BILLS_PER_MONTH = cost.HOURS_PER_MONTH
"""A month of hourly bills (30 days), as TFChain's discount formula counts a month."""
POLICY_FORMAT = "sc4it-pricing-policy/v1"


class QuoteError(ValueError):
    """A workload that cannot be quoted on this state (unknown node, no pricing policy, no price)."""


@attrs.frozen(slots=True)
class Workload:
    """What to quote. Sizes in bytes; `node_id` is where the node/rent contract would be."""

    node_id: int = 1
    cru: int = 0
    mru: int = 0
    sru: int = 0
    hru: int = 0
    public_ips: int = 0
    name: bool = False
    """Also a name contract."""
    rent: bool = False
    """Rent the whole node (a rent contract); the node contract then pays only IPs (BIL-32)."""
    certified: bool | None = None
    """Override the node's certification (None: as the node is registered)."""

    @property
    def resources(self) -> Resources:
        return Resources(hru=self.hru, sru=self.sru, cru=self.cru, mru=self.mru)

    @property
    def has_node_contract(self) -> bool:
        return not self.resources.is_empty() or self.public_ips > 0

    def is_empty(self) -> bool:
        return not (self.has_node_contract or self.name or self.rent)


@attrs.frozen(slots=True)
class QuoteLine:
    """One contract's bill of `secs` seconds. Amounts: `units_usd` in units USD (10^7 = 1 USD), TFT
    amounts in TFT units (10^7 = 1 TFT)."""

    kind: str
    """"node", "rent", "extra_fee" or "name"."""
    label: str
    units_usd: int
    tft_before_discount: int
    level: DiscountLevel
    tft: int
    """What billing reserves for this bill (after discount and the certified factor)."""


@attrs.frozen(slots=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    secs: int
    price_musd: int
    """The TFT price billing converts with (the average clamped to [min, max]), in mUSD."""
    balance: int
    usable: int
    """The balance billing measures the discount against: free − existential deposit."""
    certification: NodeCertification
    notes: tuple[str, ...] = ()
    """Things to know that do not change the price (e.g. the node is dedicated)."""

    @property
    def total_units_usd(self) -> int:
        return sum(line.units_usd for line in self.lines)

    @property
    def total_tft(self) -> int:
        return sum(line.tft for line in self.lines)


def _node_label(w: Workload) -> str:
    parts = []
    for name, v in (("cru", w.cru), ("mru", w.mru), ("sru", w.sru), ("hru", w.hru)):
        if v:
            parts.append(f"{name} {v}" if name == "cru" else f"{name} {format_gib(v)}")
    if w.public_ips:
        parts.append(f"{w.public_ips} public IP{'s' if w.public_ips > 1 else ''}")
    return f"node contract on node {w.node_id}: " + ", ".join(parts)


def format_gib(n: int) -> str:
    g = n / GIB
    return f"{g:g} GiB"


def check_capacity(state: State, workload: Workload) -> None:
    """`QuoteError` unless the node exists and `workload`'s resources fit in what it has (a deployment
    asking for more than the node's capacity cannot run there)."""
    node = state.nodes.get(workload.node_id)
    if node is None:
        raise QuoteError(f"node {workload.node_id} does not exist")
    have, want = node.resources, workload.resources
    for field, unit in (("cru", "cores"), ("mru", "bytes"), ("sru", "bytes"), ("hru", "bytes")):
        if getattr(want, field) > getattr(have, field):
            raise QuoteError(
                f"{field} {getattr(want, field):,} {unit} exceeds node {node.id}'s capacity of "
                f"{getattr(have, field):,} {unit}"
            )


def quote(state: State, workload: Workload, *, balance: int = 0, secs: int = HOUR) -> Quote:
    """The bill of `secs` seconds for each contract of `workload` (see module docstring). `balance` is
    the twin's free balance in TFT units. Raises `QuoteError` for an unknown node, a missing pricing
    policy 1 or a TFT price of 0."""
    if secs <= 0:
        raise QuoteError("the billed period must be at least one second")
    tx = Tx(state, BlockEnv(0, 0))
    pricing = pricing_of(tx)
    if pricing.rates is None:
        raise QuoteError("the state has no pricing policy 1, which billing always uses")
    rates, price = pricing.rates, pricing.price_musd
    if price <= 0:
        raise QuoteError("the TFT price is 0: billing cannot convert USD to TFT")
    node = tx.nodes.get(workload.node_id)
    needs_node = workload.has_node_contract or workload.rent
    if node is None and needs_node:
        known = sorted(k for k, _ in state.nodes.items())
        raise QuoteError(
            f"node {workload.node_id} does not exist (nodes: {', '.join(map(str, known)) or 'none'})"
        )
    if workload.certified is None:
        cert = node.certification if node is not None else NodeCertification.Diy
    else:
        cert = NodeCertification.Certified if workload.certified else NodeCertification.Diy
    usable = ledger.usable_balance(AccountInfo(0, balance, 0, 0), state.config.existential_deposit)
    lines: list[QuoteLine] = []
    next_id = tx.contract_id + 1

    def line(kind: str, label: str, contract: Contract) -> None:
        units = contract_cost_units_usd(tx, contract, rates, node, secs)
        before = cost.units_usd_to_tft(units, price)
        billed, level = contract_cost_tft(tx, contract, pricing, node, usable, secs, cert)
        lines.append(QuoteLine(kind, label, units, before, level, billed))

    if workload.rent:
        rent = Contract(CONTRACT_VERSION, Created(), next_id, 0, RentContract(workload.node_id))
        next_id += 1
        tx.active_rent_contract_for_node[workload.node_id] = rent.contract_id
        line("rent", f"rent contract for node {workload.node_id} (whole node)", rent)
        fee = extra_fee_tft(tx, workload.node_id, secs, pricing)
        if fee:
            units = cost.extra_fee_units_usd(
                tx.dedicated_nodes_extra_fee.get(workload.node_id) or 0, secs, state.config.secs_per_month
            )
            lines.append(
                QuoteLine("extra_fee", "dedicated-node extra fee", units, fee, DiscountLevel.None_, fee)
            )
    if workload.has_node_contract:
        cid = next_id
        next_id += 1
        nc = NodeContract(workload.node_id, bytes(32), b"", workload.public_ips)
        tx.node_contract_resources[cid] = ContractResources(cid, workload.resources)
        line("node", _node_label(workload), Contract(CONTRACT_VERSION, Created(), cid, 0, nc))
    if workload.name:
        contract = Contract(CONTRACT_VERSION, Created(), next_id, 0, NameContract(b"quote"))
        line("name", "name contract", contract)
    notes: list[str] = []
    if node is not None and workload.has_node_contract and not workload.rent:
        farm = state.farms.get(node.farm_id)
        fee = state.dedicated_nodes_extra_fee.get(workload.node_id) or 0
        if fee > 0 or (farm is not None and farm.dedicated_farm):
            notes.append(
                f"node {workload.node_id} is dedicated: a node contract there needs the node rented first "
                "(add --rent to price both)"
            )
    return Quote(tuple(lines), secs, price, balance, usable, cert, tuple(notes))


# --------------------------------------------------------------------------------------------------
# Pricing-policy proposals


class PolicyFileError(ValueError):
    """A proposal file that cannot be used: `where` is the file and the JSON path of the problem."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


_UNIT_FIELDS = ("su", "cu", "nu", "ipu", "unique_name", "domain_name")
_FIELDS = ("format", "name", *_UNIT_FIELDS, "discount_for_dedication_nodes", "tft_price")


@attrs.frozen(slots=True)
class PolicyProposal:
    """Replacements for pricing policy 1 (None: keep the current value) and the TFT price."""

    name: bytes | None = None
    su: Policy | None = None
    cu: Policy | None = None
    nu: Policy | None = None
    ipu: Policy | None = None
    unique_name: Policy | None = None
    domain_name: Policy | None = None
    discount_for_dedication_nodes: int | None = None
    tft_price: int | None = None
    """The TFT price in mUSD billing converts with (stored as price and average; billing still clamps
    it to the chain's [min, max])."""


def _kind(x: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
        type(None): "null",
    }.get(type(x), type(x).__name__)


def _uint(x: Any, where: str, bits: int) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise PolicyFileError(where, f"expected an unsigned integer, got {_kind(x)}")
    if not 0 <= x < (1 << bits):
        raise PolicyFileError(where, f"{x} is out of range (0..{(1 << bits) - 1})")
    return x


def parse_policy(doc: Any, source: str = "<policy>") -> PolicyProposal:
    """A `PolicyProposal` from a parsed JSON document; `PolicyFileError` names the bad field."""
    if not isinstance(doc, dict):
        raise PolicyFileError(source, f"expected a JSON object, got {_kind(doc)}")
    for key in doc:
        if key not in _FIELDS:
            raise PolicyFileError(f"{source}: {key}", f"unknown field; expected some of {', '.join(_FIELDS)}")
    if "format" in doc and doc["format"] != POLICY_FORMAT:
        raise PolicyFileError(f"{source}: format", f"expected {POLICY_FORMAT!r}, got {doc['format']!r}")
    args: dict[str, Any] = {}
    if "name" in doc:
        if not isinstance(doc["name"], str) or len(doc["name"].encode()) > 64:
            raise PolicyFileError(f"{source}: name", "expected a string of at most 64 bytes")
        args["name"] = doc["name"].encode()
    for field in _UNIT_FIELDS:
        if field not in doc:
            continue
        where = f"{source}: {field}"
        v = doc[field]
        if not isinstance(v, dict) or set(v) - {"value", "unit"} or "value" not in v:
            raise PolicyFileError(where, 'expected {"value": <u32>, "unit": "Gigabytes"} ("unit" optional)')
        unit_name = v.get("unit", "Gigabytes")
        if unit_name not in Unit.__members__:
            raise PolicyFileError(
                f"{where}.unit", f"unknown unit {unit_name!r}; expected one of {', '.join(Unit.__members__)}"
            )
        args[field] = Policy(_uint(v["value"], f"{where}.value", 32), Unit[unit_name])
    if "discount_for_dedication_nodes" in doc:
        d = _uint(doc["discount_for_dedication_nodes"], f"{source}: discount_for_dedication_nodes", 8)
        args["discount_for_dedication_nodes"] = d
    if "tft_price" in doc:
        p = _uint(doc["tft_price"], f"{source}: tft_price", 32)
        if p == 0:
            raise PolicyFileError(f"{source}: tft_price", "a TFT price of 0 mUSD cannot be billed with")
        args["tft_price"] = p
    return PolicyProposal(**args)


def read_policy_file(path: str | os.PathLike[str]) -> PolicyProposal:
    """Read a proposal file (module docstring); `PolicyFileError` if unreadable or invalid."""
    name = str(path)
    try:
        doc = json.loads(read_regular(path, max_bytes=MAX_JSON_BYTES).decode("utf-8"))
    except OSError as e:
        raise PolicyFileError(name, f"cannot read ({e.strerror or e})") from None
    except (ValueError, RecursionError) as e:  # bad JSON or UTF-8, too deep, an integer over 4,300 digits
        raise PolicyFileError(name, f"not valid JSON ({e})") from None
    return parse_policy(doc, name)


def apply_proposal(state: State, proposal: PolicyProposal) -> State:
    """`state` with pricing policy 1 (and the TFT price) replaced as `proposal` says."""
    tx = Tx(state, BlockEnv(0, 0))
    current = tx.pricing_policies.get(BILLING_POLICY_ID)
    if current is None:
        raise QuoteError("the state has no pricing policy 1, which billing always uses")
    p = proposal
    tx.pricing_policies[BILLING_POLICY_ID] = PricingPolicy(
        current.version,
        current.id,
        current.name if p.name is None else p.name,
        current.su if p.su is None else p.su,
        current.cu if p.cu is None else p.cu,
        current.nu if p.nu is None else p.nu,
        current.ipu if p.ipu is None else p.ipu,
        current.unique_name if p.unique_name is None else p.unique_name,
        current.domain_name if p.domain_name is None else p.domain_name,
        current.foundation_account,
        current.certified_sales_account,
        current.discount_for_dedication_nodes
        if p.discount_for_dedication_nodes is None
        else p.discount_for_dedication_nodes,
    )
    new_name = tx.pricing_policies[BILLING_POLICY_ID].name
    if new_name != current.name:  # keep the by-name index exact (INV-11)
        del tx.pricing_policy_id_by_name[current.name]
        tx.pricing_policy_id_by_name[new_name] = BILLING_POLICY_ID
    if p.tft_price is not None:
        t = tx.tft_price
        tx.tft_price = TftPrice(p.tft_price, p.tft_price, t.min, t.max, t.last_block_set, t.history)
    return tx.commit()


def policy_to_json(policy: PricingPolicy, tft_price: int | None = None) -> dict[str, Any]:
    """A proposal document equal to `policy` (and the price), e.g. to start editing from."""
    doc: dict[str, Any] = {"format": POLICY_FORMAT, "name": policy.name.decode(errors="replace")}
    for field in _UNIT_FIELDS:
        pol: Policy = getattr(policy, field)
        doc[field] = {"value": pol.value, "unit": pol.unit.name}
    doc["discount_for_dedication_nodes"] = policy.discount_for_dedication_nodes
    if tft_price is not None:
        doc["tft_price"] = tft_price
    return doc
