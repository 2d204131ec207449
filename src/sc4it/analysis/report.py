"""What a proposal does to a population, and why (spec/analysis.md ANA-50..ANA-55): one population billed
by the fast engine under the current and a proposed pricing policy, per contract (discount level, cost
per hour and per month, balance runway, what it paid, and the reasons its change differs from its list
price's change), aggregates by discount level, node, farm and contract kind, and exports (CSV, JSON,
Parquet, a chart).
"""

from __future__ import annotations

import csv
import importlib
import json
import os
from collections.abc import Iterable
from typing import Any

import attrs

from sc4it import ledger
from sc4it.analysis.fastforward import BILLED, FastResult, Period, fast_forward
from sc4it.analysis.files import atomic_write
from sc4it.analysis.population import HistoryEvent, NodeSpec, Population, account_of
from sc4it.contracts.billing import cost
from sc4it.kernel.state import State
from sc4it.kernel.types import AccountInfo, DiscountLevel, NodeCertification, PricingPolicy

HOUR = 3600
HOURS_PER_MONTH = cost.HOURS_PER_MONTH
LEVEL_NAMES = {level: level.name.rstrip("_") for level in DiscountLevel}
MULTIPLIERS = {"None": "x1", "Default": "x0.8", "Bronze": "x0.7", "Silver": "x0.6", "Gold": "x0.4"}


@attrs.frozen(slots=True)
class Side:
    """One contract under one policy. TFT amounts in TFT units, USD in units USD (10^7 = 1)."""

    usd_per_hour: int
    level: str
    """The discount level of an hourly bill at the twin's starting balance (ANA-51)."""
    tft_per_hour: int
    levels: tuple[tuple[str, int], ...]
    """The levels its bills went through, in order, with the number of bills at each."""
    paid: int
    end: str
    grace_entries: int
    end_block: int
    """The block of the bill that deleted it (0: not deleted)."""

    @property
    def tft_per_month(self) -> int:
        return self.tft_per_hour * HOURS_PER_MONTH


@attrs.frozen(slots=True)
class Row:
    contract_id: int
    twin_id: int
    kind: str
    node_id: int
    farm_id: int
    certified: bool
    public_ips: int
    current: Side
    proposed: Side
    runway_days_current: float
    runway_days_proposed: float
    """The twin's usable balance over its contracts' hourly bills at the starting level, in days."""
    siblings: int
    """The twin's other contracts (they draw on the same balance)."""
    reasons: tuple[str, ...]

    @property
    def delta(self) -> int:
        return self.proposed.paid - self.current.paid

    @property
    def delta_pct(self) -> float | None:
        return None if self.current.paid == 0 else 100 * self.delta / self.current.paid

    @property
    def list_change_pct(self) -> float | None:
        a, b = self.current.usd_per_hour, self.proposed.usd_per_hour
        return None if a == 0 else 100 * (b - a) / a

    def flat(self) -> dict[str, Any]:
        """One flat record (the CSV and Parquet columns, ANA-53)."""
        out: dict[str, Any] = {
            "contract_id": self.contract_id,
            "twin_id": self.twin_id,
            "kind": self.kind,
            "node_id": self.node_id,
            "farm_id": self.farm_id,
            "certified": self.certified,
            "public_ips": self.public_ips,
        }
        for name, side in (("current", self.current), ("proposed", self.proposed)):
            out[f"level_{name}"] = side.level
            out[f"usd_per_hour_{name}"] = side.usd_per_hour / 1e7
            out[f"usd_per_month_{name}"] = side.usd_per_hour * HOURS_PER_MONTH / 1e7
            out[f"tft_per_hour_{name}"] = side.tft_per_hour / 1e7
            out[f"tft_per_month_{name}"] = side.tft_per_month / 1e7
            out[f"paid_tft_{name}"] = side.paid / 1e7
            out[f"end_{name}"] = side.end
            out[f"levels_{name}"] = _show(side.levels)
        out["runway_days_current"] = round(self.runway_days_current, 2)
        out["runway_days_proposed"] = round(self.runway_days_proposed, 2)
        out["delta_tft"] = self.delta / 1e7
        out["delta_pct"] = None if self.delta_pct is None else round(self.delta_pct, 3)
        out["list_change_pct"] = None if self.list_change_pct is None else round(self.list_change_pct, 3)
        out["why"] = "; ".join(self.reasons)
        return out


@attrs.frozen(slots=True)
class Analysis:
    description: str
    network: str
    changes: tuple[str, ...]
    period: Period
    rows: tuple[Row, ...]
    current: FastResult
    proposed: FastResult
    revenue: tuple[tuple[str, int, int], ...]
    """(recipient group, current, proposed): farmers, foundation, staking pool, sales, burned."""

    def aggregate(self, key: str) -> list[dict[str, Any]]:
        """ANA-52: sums by `key` ("level", "node", "farm" or "kind"): contracts, paid under both, delta,
        contracts paying more, contracts pushed into grace."""
        groups: dict[Any, list[Row]] = {}
        for r in self.rows:
            k = {"level": r.current.level, "node": r.node_id, "farm": r.farm_id, "kind": r.kind}[key]
            groups.setdefault(k, []).append(r)
        order = list(LEVEL_NAMES.values()) if key == "level" else sorted(groups, key=str)
        out = []
        for k in order:
            rows = groups.get(k)
            if not rows:
                continue
            a = sum(r.current.paid for r in rows)
            b = sum(r.proposed.paid for r in rows)
            out.append(
                {
                    key: k,
                    "contracts": len(rows),
                    "paid_tft_current": a / 1e7,
                    "paid_tft_proposed": b / 1e7,
                    "delta_tft": (b - a) / 1e7,
                    "delta_pct": None if a == 0 else round(100 * (b - a) / a, 3),
                    "paying_more": sum(1 for r in rows if r.delta > 0),
                    "pushed_into_grace": sum(1 for r in rows if _pushed(r)),
                }
            )
        return out


def _pushed(r: Row) -> bool:
    return r.proposed.grace_entries > r.current.grace_entries or (
        r.current.end == "active" and r.proposed.end != "active"
    )


# --------------------------------------------------------------------------------------------------
# Building the analysis


def analyse(
    population: Population,
    current: State,
    proposed: State,
    period: Period,
    history: Iterable[HistoryEvent] = (),
    *,
    network: str = "",
    changes: tuple[str, ...] = (),
) -> Analysis:
    """ANA-50: bill `population` under both states with the fast engine and explain each contract."""
    events = list(history)
    a = fast_forward(population, current, period, events)
    b = fast_forward(population, proposed, period, events)
    hourly = _hourly(population, current, proposed)
    per_twin: dict[tuple[str, int], int] = {}
    owned: dict[int, int] = {}
    for c in population.contracts:
        owned[c.twin_id] = owned.get(c.twin_id, 0) + 1
        for name in ("current", "proposed"):
            per_twin[(name, c.twin_id)] = per_twin.get((name, c.twin_id), 0) + hourly[(name, c.id)][2]
    nodes = {n.id: n for n in population.nodes}
    balances = {t.id: t for t in population.twins}
    ed = current.config.existential_deposit
    rows = []
    for c in population.contracts:
        node = nodes.get(c.node_id)
        t = balances[c.twin_id]
        usable = max(max(t.balance, ed) - max(ed, t.frozen), 0)
        sides = []
        for name, result in (("current", a), ("proposed", b)):
            units, level_name, due = hourly[(name, c.id)]
            r = result.contracts[c.id]
            sides.append(
                Side(units, level_name, due, _levels(r.log), r.paid, r.end, r.grace_entries, r.end_block)
            )
        runway = [
            usable / per_twin[(n, c.twin_id)] / 24 if per_twin[(n, c.twin_id)] else float("inf")
            for n in ("current", "proposed")
        ]
        farm = node.farm_id if node else 0
        ident = (c.id, c.twin_id, c.kind, c.node_id, farm, bool(node and node.certified), c.public_ips)
        row = Row(*ident, sides[0], sides[1], runway[0], runway[1], owned[c.twin_id] - 1, ())
        waived = ("node opted out of v3 billing: not billed (OPT-30)",) if node and node.opted_out else ()
        rows.append(attrs.evolve(row, reasons=(*waived, *why(row, current, proposed))))
    return Analysis(
        population.description,
        network,
        changes,
        period,
        tuple(rows),
        a,
        b,
        _revenue(population, current, a, b),
    )


def _hourly(
    population: Population, current: State, proposed: State
) -> dict[tuple[str, int], tuple[int, str, int]]:
    """("current" or "proposed", contract id) -> an hour of the contract at list price (units USD), its
    discount level with the twin's balance at the start, and what the hour costs in TFT at that level."""
    nodes = {n.id: n for n in population.nodes}
    balances = {t.id: t for t in population.twins}
    ed = current.config.existential_deposit
    rented = {c.node_id for c in population.contracts if c.kind == "rent"}
    hourly: dict[tuple[str, int], tuple[int, str, int]] = {}
    for name, state in (("current", current), ("proposed", proposed)):
        policy = state.pricing_policies.get(1)
        assert policy is not None
        price = state.tft_price.billing_price()
        for c in population.contracts:
            t = balances[c.twin_id]
            usable = ledger.usable_balance(AccountInfo(0, max(t.balance, ed), 0, t.frozen), ed)
            stash = 0 if t.stash is None else max(t.stash - ed, 0)
            node = nodes.get(c.node_id)
            cert = (
                NodeCertification.Certified if node is not None and node.certified else NodeCertification.Diy
            )
            units = _hour_units(policy, c, state, node, rented)
            due, level = (
                cost.cost_tft(units, price, HOUR, usable + stash, cert)
                if price > 0
                else (0, DiscountLevel.None_)
            )
            if c.kind == "rent" and node is not None and node.extra_fee and price > 0:  # BIL-39
                fee = cost.extra_fee_units_usd(node.extra_fee, HOUR, state.config.secs_per_month)
                due += cost.units_usd_to_tft(fee, price) if fee else 0
            hourly[(name, c.id)] = (units, LEVEL_NAMES[level], due)
    return hourly


def _hour_units(policy: PricingPolicy, c: Any, state: State, node: NodeSpec | None, rented: set[int]) -> int:
    """BIL-32..BIL-34: an hour of `c`'s list price in units USD (a rent contract: its node's total
    resources; a node contract on a rented node: its IPs only)."""
    rates = cost.policy_rates(policy, state.config.billing_reference_period)
    if c.kind == "name":
        return cost.name_cost_units_usd(rates, HOUR)
    if c.kind == "rent":
        assert node is not None, "check(population) resolves a rent contract's node"
        return cost.rent_cost_units_usd(rates, node.resources, HOUR)
    return cost.node_cost_units_usd(rates, c.resources, c.public_ips, HOUR, c.node_id not in rented, 0)


def _levels(log: Iterable[tuple[int, int, int, str, int, int]]) -> tuple[tuple[str, int], ...]:
    """The levels the bills went through, in order, with the number of bills at each."""
    out: list[tuple[str, int]] = []
    for _, count, _, tag, x, _ in sorted(log):
        if tag != BILLED:
            continue
        name = LEVEL_NAMES[DiscountLevel(x)]
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + count)
        else:
            out.append((name, count))
    return tuple(out)


def _show(levels: tuple[tuple[str, int], ...]) -> str:
    return " > ".join(f"{name} {n}" for name, n in levels) or "-"


def why(row: Row, current: State, proposed: State) -> tuple[str, ...]:
    """ANA-51: why this contract's change differs from its list price's change (or what drives it)."""
    out: list[str] = []
    a, b = row.current, row.proposed
    order = list(LEVEL_NAMES.values())
    if a.level != b.level:
        word = "tier drop" if order.index(b.level) < order.index(a.level) else "tier rise"
        out.append(f"{word}: {a.level} {MULTIPLIERS[a.level]} -> {b.level} {MULTIPLIERS[b.level]}")
    elif a.levels != b.levels:
        out.append(f"bills by level: {_show(a.levels)} vs {_show(b.levels)}")
    p, q = current.pricing_policies.get(1), proposed.pricing_policies.get(1)
    if row.public_ips and p is not None and q is not None and p.ipu != q.ipu:
        out.append(f"IP price: {row.public_ips} public IP(s), ipu {p.ipu.value} -> {q.ipu.value}")
    if row.certified:
        out.append("certified node: x1.25 on both sides")
    if a.grace_entries != b.grace_entries or a.end != b.end:
        out.append(f"grace: {a.end} ({a.grace_entries} grace) -> {b.end} ({b.grace_entries} grace)")
    elif a.end_block != b.end_block:
        out.append(f"out of funds at block {b.end_block} instead of {a.end_block}")
    elif a.end != "active":
        out.append(f"out of funds under both ({a.end}): pays what the balance holds")
    d, change = row.delta_pct, row.list_change_pct
    if row.siblings and d is not None and change is not None and abs(d - change) > 0.5:
        out.append(f"shares the twin's balance with {row.siblings} other contract(s)")
    if current.tft_price.billing_price() != proposed.tft_price.billing_price():
        out.append(
            f"TFT price {current.tft_price.billing_price()} -> {proposed.tft_price.billing_price()} mUSD"
        )
    return tuple(out)


def _revenue(
    population: Population, base: State, a: FastResult, b: FastResult
) -> tuple[tuple[str, int, int], ...]:
    policy = base.pricing_policies.get(1)
    assert policy is not None
    farmers = {account_of(f.farmer_twin) for f in population.farms}
    groups = {
        "farmers": farmers,
        "foundation": {policy.foundation_account},
        "staking pool": {base.roles.staking_pool},
        "sales": {policy.certified_sales_account},
    }
    out = []
    for name, accounts in groups.items():
        out.append(
            (name, sum(a.revenue.get(x, 0) for x in accounts), sum(b.revenue.get(x, 0) for x in accounts))
        )
    out.append(("burned", a.burned, b.burned))
    return tuple(out)


# --------------------------------------------------------------------------------------------------
# Exports (ANA-53, ANA-54)


def write_csv(analysis: Analysis, path: str | os.PathLike[str]) -> None:
    rows = [r.flat() for r in analysis.rows]
    with atomic_write(path) as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["contract_id"])
        w.writeheader()
        w.writerows(rows)


def to_json_obj(analysis: Analysis) -> dict[str, Any]:
    return {
        "population": analysis.description,
        "network": analysis.network,
        "changes": list(analysis.changes),
        "blocks": [analysis.period.first, analysis.period.last],
        "amounts": "TFT and USD as decimals; paid over the period; per hour/month at the starting balance",
        "revenue_tft": [
            {"recipient": n, "current": x / 1e7, "proposed": y / 1e7, "delta": (y - x) / 1e7}
            for n, x, y in analysis.revenue
        ],
        "by_level": analysis.aggregate("level"),
        "by_kind": analysis.aggregate("kind"),
        "by_farm": analysis.aggregate("farm"),
        "by_node": analysis.aggregate("node"),
        "contracts": [r.flat() for r in analysis.rows],
    }


def write_json(analysis: Analysis, path: str | os.PathLike[str]) -> None:
    with atomic_write(path) as f:
        json.dump(to_json_obj(analysis), f, indent=1)


def write_parquet(analysis: Analysis, path: str | os.PathLike[str]) -> None:
    """Parquet via pyarrow (the `analysis` extra; ImportError without it)."""
    pa = importlib.import_module("pyarrow")
    pq = importlib.import_module("pyarrow.parquet")
    table = pa.Table.from_pylist([r.flat() for r in analysis.rows])
    with atomic_write(path, "wb") as f:
        pq.write_table(table, f)


def chart(analysis: Analysis, path: str | os.PathLike[str]) -> None:
    """ANA-54: a PNG in two panels: every contract's change in % against its list price's change, by
    starting discount level (so a tier drop stands out above the diagonal), and the revenue by recipient
    under both policies. Titles say what is shown, axes their units. Needs matplotlib."""
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw={"width_ratios": [3, 2]})
    shown = [r for r in analysis.rows if r.delta_pct is not None and r.list_change_pct is not None]
    for level in LEVEL_NAMES.values():
        pts = [r for r in shown if r.current.level == level]
        if pts:
            ax1.scatter(
                [r.list_change_pct for r in pts],
                [r.delta_pct for r in pts],
                s=10,
                alpha=0.6,
                label=f"{level} (start)",
            )
    if shown:
        lo = min(min(r.list_change_pct or 0 for r in shown), 0)
        hi = max(max(r.list_change_pct or 0 for r in shown), 0)
        ax1.plot([lo, hi], [lo, hi], color="grey", linewidth=0.8, label="change = list price change")
    ax1.set_xlabel("list price change of the contract (%)")
    ax1.set_ylabel("change of what it paid over the period (%)")
    ax1.set_title(f"All {len(shown)} contracts that paid ({len(analysis.rows)} in all)", fontsize=10)
    ax1.legend(fontsize=8, title="discount level", title_fontsize=8)
    names = [n for n, _, _ in analysis.revenue]
    ys = list(range(len(names)))
    ax2.barh([y - 0.2 for y in ys], [x / 1e7 for _, x, _ in analysis.revenue], 0.4, label="current")
    ax2.barh([y + 0.2 for y in ys], [y / 1e7 for _, _, y in analysis.revenue], 0.4, label="proposed")
    ax2.set_yticks(ys, names)
    ax2.set_xlabel("TFT received over the period")
    ax2.set_title("Revenue by recipient", fontsize=10)
    ax2.legend(fontsize=8)
    changes = ", ".join(analysis.changes) or "no change"
    prices = analysis.network or "given"
    fig.suptitle(f"{analysis.description}: {prices} prices vs the proposal ({changes})", fontsize=10)
    fig.tight_layout()
    with atomic_write(path, "wb") as f:
        fig.savefig(f, dpi=110, format="png")
    plt.close(fig)
