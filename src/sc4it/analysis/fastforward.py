"""Exact fast-forward billing (spec/analysis.md ANA-10..ANA-19): a population billed for a period in
O(events) steps per twin instead of one step per bill, bit-identical to the block-by-block billing loop.

Between events that change a bill (the TFT price, pricing policy 1, a top-up, a resource report, a
discount level crossed as the balance falls, grace, deletion), every cycle of a twin's contracts
reserves the same amounts. The engine bills the first cycle of such a stretch with billing's own
formulas (`sc4it.contracts.billing.cost`), counts by exact integer arithmetic how many whole cycles can follow
before the balance crosses a discount threshold (`cost.level_min_balance`) or can no longer pay, and
books them in one step: balances, reserves, cycle counters and distributions (`split_amounts`), with
a run-length log of every bill. Anything not steady (the first bill, a level change, entering or
leaving grace, deletion) is billed one bill at a time by `_bill`, which follows `bill_contract`
(BIL-10..BIL-20) for the contracts the engine covers (ANA-05).

Twins are independent (ANA-05: no twin that is billed receives revenue), so the engine runs twin by
twin; `tests/analysis/test_fastforward.py` checks it bill for bill against `sc4it.on_block`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from sc4it.analysis.population import (
    ContractSpec,
    HistoryEvent,
    Population,
    PopulationError,
    Report,
    SetPolicy,
    SetPrice,
    TopUp,
    account_of,
    check,
    sorted_history,
)
from sc4it.contracts.billing import cost
from sc4it.contracts.billing.distribution import split_amounts
from sc4it.kernel.state import State
from sc4it.kernel.types import (
    DiscountLevel,
    NodeCertification,
    PricingPolicy,
    Recipient,
    Resources,
    SplitRule,
)

CREATED, GRACE, GONE = 0, 1, 2
_U16_MAX = (1 << 16) - 1
_NONE = DiscountLevel.None_

# log tags (ANA-16): one entry is (block, count, stride, tag, x, y)
BILLED = "billed"  # x = discount level, y = amount reserved (ContractBilled)
OVERDRAWN = "overdrawn"  # x = partially billed, y = overdraft of the cycle (ContractPaymentOverdrawn)
GRACE_STARTED = "grace started"
GRACE_ENDED = "grace ended"
ELAPSED = "grace elapsed"  # x = blocks in grace; the contract is removed in this bill
DISTRIBUTED = "distributed"  # x = standard reserve paid out (RewardDistributed)

LogEntry = tuple[int, int, int, str, int, int]


@attrs.frozen(slots=True)
class Period:
    """The blocks billed: `first`..`last` inclusive; block b has timestamp `base_timestamp + (b −
    base_block) · block_time_ms` (ms); the population is created at `base_block`."""

    base_block: int
    base_timestamp: int
    last: int
    block_time_ms: int

    @property
    def first(self) -> int:
        return self.base_block + 1

    def now(self, block: int) -> int:
        return (self.base_timestamp + (block - self.base_block) * self.block_time_ms) // 1000


class _Contract:
    """One contract while it is billed (its payment state, `ContractPaymentState`, flattened)."""

    __slots__ = (
        "bills",
        "cert",
        "cycles",
        "end",
        "farmer",
        "graces",
        "id",
        "idle",
        "ips",
        "key",
        "last",
        "log",
        "next",
        "node",
        "overdraft",
        "paid",
        "res",
        "reserve",
        "start",
        "state",
    )

    def __init__(self, spec: ContractSpec, cert: NodeCertification, farmer: bytes | None, t0: int) -> None:
        self.id = spec.id
        self.node = spec.kind == "node"
        self.cert = cert
        self.farmer = farmer
        self.res = spec.resources
        self.ips = spec.public_ips
        self.key: tuple[bool, int, int, int, int, int] = (False, 0, 0, 0, 0, 0)
        self.idle = False
        self.set_resources(spec.resources)
        self.state = CREATED
        self.start = 0
        self.reserve = 0
        self.overdraft = 0
        self.last = t0
        self.cycles = 0
        self.next = 0
        self.paid = 0
        self.bills = 0
        self.graces = 0
        self.end = 0
        self.log: list[LogEntry] = []

    def set_resources(self, res: Resources) -> None:
        """New used resources (a report): the cost key and whether BIL-04 can skip it change."""
        self.res = res
        self.key = (self.node, res.hru, res.sru, res.cru, res.mru, self.ips)
        self.idle = self.node and self.ips == 0 and res.is_empty()

    def billable(self) -> bool:
        """BIL-04 (`should_bill`) for the contracts the engine covers (no NU, ANA-05)."""
        return not self.idle or self.overdraft > 0


@attrs.frozen(slots=True)
class ContractResult:
    """How one contract fared (amounts in TFT units); `log` expands to its billing events (ANA-16)."""

    contract_id: int
    twin_id: int
    kind: str
    paid: int
    bills: int
    grace_entries: int
    end: str
    """"active", "grace" or "deleted: out of funds"."""
    end_block: int
    """The block of the bill that removed it (0 if not removed)."""
    overdraft: int
    reserve: int
    cycles: int
    last_updated_seconds: int
    log: tuple[LogEntry, ...]


@attrs.frozen(slots=True)
class FastResult:
    period: Period
    contracts: dict[int, ContractResult]
    balances: dict[int, tuple[int, int]]
    """Twin id -> (free, reserved) of its account at the end."""
    revenue: dict[bytes, int]
    """Account -> what it received from distributions over the period."""
    burned: int
    distributed: int
    steps: int
    """Engine steps taken (single bills + jumps), to compare with the number of bills."""


# --------------------------------------------------------------------------------------------------
# Prices in force (global events)


class _Params:
    """Pricing policy 1 and the billing price in force, with their cost caches."""

    __slots__ = ("period", "policy", "price", "rates", "tft", "units")

    def __init__(self, policy: PricingPolicy, price: int, period: int) -> None:
        self.policy = policy
        self.price = price
        self.period = period
        self.rates = cost.policy_rates(policy, period)
        self.units: dict[tuple[tuple[bool, int, int, int, int, int], int], int] = {}
        self.tft: dict[int, int] = {}

    def cost_units_usd(self, c: _Contract, secs: int) -> int:
        """BIL-32/BIL-34/BIL-35 for `c` over `secs` (no rent on the node, no NU: ANA-05)."""
        key = (c.key, secs)
        units = self.units.get(key)
        if units is None:
            if secs == 0:
                units = 0
            elif c.node:
                units = cost.node_cost_units_usd(self.rates, c.res, c.ips, secs, True, 0)
            else:
                units = cost.name_cost_units_usd(self.rates, secs)
            self.units[key] = units
        return units

    def cost_tft(self, c: _Contract, secs: int) -> int:
        """BIL-36: `c`'s cost over `secs` in TFT units before discount (price > 0)."""
        units = self.cost_units_usd(c, secs)
        a = self.tft.get(units)
        if a is None:
            a = self.tft[units] = cost.units_usd_to_tft(units, self.price)
        return a


# --------------------------------------------------------------------------------------------------
# The engine


class _Engine:
    def __init__(self, base: State, period: Period) -> None:
        cfg = base.config
        self.period = period
        self.frequency = base.billing_frequency
        self.grace = cfg.grace_period
        self.dist_frequency = cfg.distribution_frequency
        self.ed = cfg.existential_deposit
        self.ref = cfg.billing_reference_period
        steady = self.frequency * period.block_time_ms
        self.steady_secs = steady // 1000 if steady % 1000 == 0 else -1
        self.staking = base.roles.staking_pool
        self.dp = base.distribution_policy
        self.revenue: dict[bytes, int] = {}
        self.burned = 0
        self.distributed = 0
        self.steps = 0
        self.pending: dict[tuple[bool, bytes | None, bytes, bytes, int], int] = {}
        self.monthly: dict[tuple[int, int], int] = {}
        self.discounted: dict[tuple[int, DiscountLevel, NodeCertification], int] = {}

    def due(self, p: _Params, c: _Contract, secs: int, total: int) -> tuple[int, DiscountLevel, int]:
        """BIL-13 (`cost.cost_tft`, its steps cached): (due, level, least total keeping the level)."""
        a = p.cost_tft(c, secs) if secs else 0
        if a == 0:
            return 0, _NONE, 0
        key = (a, secs)
        monthly = self.monthly.get(key)
        if monthly is None:
            monthly = self.monthly[key] = cost.discount_monthly(a, secs)
        level = cost.months_level(total, monthly)
        dkey = (a, level, c.cert)
        due = self.discounted.get(dkey)
        if due is None:
            due = self.discounted[dkey] = cost.apply_discount(a, level, c.cert)
        return due, level, 0 if level == _NONE else cost.level_min_balance(level, monthly)

    def settle(self) -> None:
        """Split the distributions booked so far (DST-04/DST-05) into revenue per account."""
        for (node, farmer, sales, foundation, amount), times in self.pending.items():
            rule: SplitRule = self.dp.node if node else self.dp.name
            for recipient, part in split_amounts(rule, amount):
                if part == 0:
                    continue
                if recipient == Recipient.Burn:
                    self.burned += part * times
                    continue
                acc = _account(recipient, farmer, self.staking, sales, foundation)
                self.revenue[acc] = self.revenue.get(acc, 0) + part * times
        self.pending.clear()

    # -- distribution (DST-01..DST-05, DST-11) ---------------------------------------------------

    def _pay(self, c: _Contract, amount: int, times: int, policy: PricingPolicy) -> None:
        """DST-04: book `times` payouts of `amount` from `c`'s standard reserve (split by `settle`)."""
        key = (c.node, c.farmer, policy.certified_sales_account, policy.foundation_account, amount)
        self.pending[key] = self.pending.get(key, 0) + times
        self.distributed += amount * times

    def _cycles(self, tw: _Twin, c: _Contract, k: int, added: int, block: int, policy: PricingPolicy) -> None:
        """DST-01/DST-02 over `k` bills that each add `added` to the reserve, the first at `block`, one
        every `BillingFrequency` blocks: the distributions they make, booked at once."""
        df = self.dist_frequency
        f = self.frequency
        i1 = max(1, df - c.cycles)  # the first bill whose cycle count reaches the frequency
        if c.reserve + added == 0 or i1 > k:
            c.reserve += k * added
            c.cycles = min(c.cycles + k, _U16_MAX)
            return
        first = c.reserve + i1 * added
        self._pay(c, first, 1, policy)
        c.log.append((block + (i1 - 1) * f, 1, 0, DISTRIBUTED, first, 0))
        tw.reserved -= first
        if added == 0:
            c.reserve = 0
            c.cycles = min(k - i1, _U16_MAX)
            return
        more = (k - i1) // df
        if more:
            amount = df * added
            self._pay(c, amount, more, policy)
            c.log.append((block + (i1 - 1 + df) * f, more, df * f, DISTRIBUTED, amount, 0))
            tw.reserved -= amount * more
        rest = k - i1 - more * df
        c.reserve = rest * added
        c.cycles = rest

    # -- one bill (BIL-11..BIL-20) ------------------------------------------------------------------

    def _bill(self, tw: _Twin, c: _Contract, block: int, p: _Params) -> None:
        """`bill_contract` for `c` at `block` (spec/billing.md §3, spec/grace.md GRC-01..GRC-05)."""
        self.steps += 1
        now = self.period.now(block)
        usable = tw.usable(self.ed)
        secs = now - c.last if now > c.last else 0
        if p.price <= 0 and p.cost_units_usd(c, secs):
            return  # BIL-42: the bill fails and changes nothing
        due, level, _ = self.due(p, c, secs, usable + tw.stash)
        if due == 0 and c.overdraft == 0:
            return  # BIL-14
        to_reserve = due + c.overdraft
        sufficient = to_reserve <= usable  # BIL-15, LED-06
        removed = self._transition(c, sufficient, block)  # BIL-16
        if sufficient:  # BIL-17
            tw.free -= to_reserve
            tw.reserved += to_reserve
            c.reserve += to_reserve
            c.overdraft = 0
            c.paid += to_reserve
            c.log.append((block, 1, 0, BILLED, int(level), to_reserve))
        else:  # BIL-18
            tw.free -= usable
            tw.reserved += usable
            c.overdraft += due - usable
            c.reserve += usable
            c.paid += usable
            c.log.append((block, 1, 0, OVERDRAWN, usable, due - usable if due > usable else 0))
        c.bills += 1
        if not removed:
            c.last = now
        c.cycles = min(c.cycles + 1, _U16_MAX)  # DST-01
        if (c.cycles >= self.dist_frequency or removed) and c.reserve:  # DST-02
            self._pay(c, c.reserve, 1, p.policy)
            c.log.append((block, 1, 0, DISTRIBUTED, c.reserve, 0))
            tw.reserved -= c.reserve
            c.reserve = 0
            c.cycles = 0
        if removed:  # BIL-20, GRC-09
            c.state = GONE
            c.end = block
            c.overdraft = 0

    def _transition(self, c: _Contract, sufficient: bool, block: int) -> bool:
        """GRC-01, GRC-02, GRC-04 (no rent contracts, ANA-05); True if the contract is now Deleted."""
        if c.state == GRACE:
            if sufficient:
                c.state = CREATED
                c.log.append((block, 1, 0, GRACE_ENDED, 0, 0))
                return False
            elapsed = block - c.start if block > c.start else 0
            if elapsed >= self.grace:
                c.log.append((block, 1, 0, ELAPSED, elapsed, 0))
                return True
            return False
        if not sufficient:
            c.state = GRACE
            c.start = block
            c.graces += 1
            c.log.append((block, 1, 0, GRACE_STARTED, 0, 0))
        return False

    # -- jumps (ANA-12, ANA-13) ---------------------------------------------------------------------

    def _jump(self, tw: _Twin, alive: Sequence[_Contract], limit: int, p: _Params) -> bool:
        """Book as many whole cycles of the twin's contracts as stay steady (all Created and paying at
        one level each, or all in grace with nothing to pay from); False if not even one is."""
        f = self.frequency
        secs = self.steady_secs
        if secs <= 0 or p.price <= 0:
            return False
        k = min((limit - c.next) // f + 1 for c in alive)
        if k < 1:
            return False
        billed = [c for c in alive if c.billable()]
        if not billed:
            for c in alive:
                c.next += k * f
            return True
        now = self.period.now
        for c in billed:
            if now(c.next) - c.last != secs:
                return False
        usable = tw.usable(self.ed)
        if all(c.state == CREATED and c.overdraft == 0 for c in billed):
            return self._jump_created(tw, alive, billed, k, usable, p)
        if usable == 0 and all(c.state == GRACE for c in billed):
            return self._jump_grace(tw, alive, billed, k, p)
        return False

    def _jump_created(
        self, tw: _Twin, alive: Sequence[_Contract], billed: list[_Contract], k: int, usable: int, p: _Params
    ) -> bool:
        """ANA-12: every contract Created without overdraft. The first cycle is billed as `_bill` would
        (level from the balance left at each bill); cycle r (from 0) then bills the same while, for each
        contract, the balance left at its bill, `usable − r·D − prefix`, still pays its amount and stays
        at or above its level's least balance (`cost.level_min_balance`, less the stash)."""
        secs = self.steady_secs
        stash = tw.stash
        plan: list[tuple[_Contract, int, DiscountLevel, int, int]] = []
        spent = 0
        for c in billed:  # ascending (next block, id): the order of one cycle's bills
            left = usable - spent
            due, level, least = self.due(p, c, secs, left + stash)
            if due == 0 or due > left:
                return False
            need = max(due, least - stash)
            plan.append((c, due, level, spent, need))
            spent += due
        for _, _, _, prefix, need in plan:
            k = min(k, (usable - prefix - need) // spent + 1)
        assert k >= 1
        self.steps += 1
        f = self.frequency
        for c, due, level, _, _ in plan:
            c.log.append((c.next, k, f, BILLED, int(level), due))
            c.paid += k * due
            c.bills += k
            c.last = self.period.now(c.next + (k - 1) * f)
            tw.free -= k * due
            tw.reserved += k * due
            self._cycles(tw, c, k, due, c.next, p.policy)
        for c in alive:
            c.next += k * f
        return True

    def _jump_grace(
        self, tw: _Twin, alive: Sequence[_Contract], billed: list[_Contract], k: int, p: _Params
    ) -> bool:
        """ANA-13: every contract in grace and nothing usable: each cycle is an overdrawn bill of the
        same due (the level from the stash alone), until the first bill at least `grace_period` blocks
        after the start, which deletes the contract (GRC-02) and is billed by `_bill`."""
        secs = self.steady_secs
        f = self.frequency
        plan: list[tuple[_Contract, int, DiscountLevel]] = []
        for c in billed:
            since = c.next - c.start
            if since >= self.grace:
                return False
            k = min(k, (self.grace - 1 - since) // f + 1)
            due, level, _ = self.due(p, c, secs, tw.stash)
            plan.append((c, due, level))
        self.steps += 1
        for c, due, _ in plan:
            c.log.append((c.next, k, f, OVERDRAWN, 0, due))
            c.overdraft += k * due
            c.bills += k
            c.last = self.period.now(c.next + (k - 1) * f)
            self._cycles(tw, c, k, 0, c.next, p.policy)
        for c in alive:
            c.next += k * f
        return True

    # -- a twin over the period -------------------------------------------------------------------

    def run_twin(self, tw: _Twin, events: list[HistoryEvent], params: list[tuple[int, _Params]]) -> None:
        """Bill the twin's contracts from the first block to the last: single bills where not steady,
        jumps where steady; events (global `params`, the twin's own `events`) are boundaries."""
        f = self.frequency
        first = self.period.first
        for c in tw.contracts:
            c.next = first + (c.id - first) % f
        bounds = sorted({b for b, _ in params[1:]} | {e.block for e in events})
        pi, ei, bi = 0, 0, 0
        pos = first
        while True:
            while bi < len(bounds) and bounds[bi] <= pos:
                bi += 1
            limit = min(self.period.last, (bounds[bi] - 1) if bi < len(bounds) else self.period.last)
            while pi + 1 < len(params) and params[pi + 1][0] <= pos:
                pi += 1
            while ei < len(events) and events[ei].block <= pos:
                _apply(tw, events[ei])
                ei += 1
            p = params[pi][1]
            alive = sorted((c for c in tw.contracts if c.state != GONE), key=lambda c: (c.next, c.id))
            if not alive:
                break
            if self._jump(tw, alive, limit, p):
                continue
            c = alive[0]
            if c.next > limit:
                if limit >= self.period.last:
                    break
                pos = limit + 1
                continue
            pos = c.next
            if c.billable():
                self._bill(tw, c, c.next, p)
            c.next += f
        for event in events[ei:]:  # what happens after the last bill still counts (a late top-up)
            if event.block <= self.period.last:
                _apply(tw, event)


class _Twin:
    __slots__ = ("contracts", "free", "frozen", "id", "reserved", "stash")

    def __init__(self, twin_id: int, free: int, frozen: int, stash: int) -> None:
        self.id = twin_id
        self.free = free
        self.reserved = 0
        self.frozen = frozen
        self.stash = stash
        self.contracts: list[_Contract] = []

    def usable(self, ed: int) -> int:
        """LED-05: free − max(ED, frozen), floored at 0."""
        keep = ed if ed > self.frozen else self.frozen
        return self.free - keep if self.free > keep else 0


def _apply(tw: _Twin, event: HistoryEvent) -> None:
    if isinstance(event, TopUp):
        tw.free += event.amount
    elif isinstance(event, Report):
        for c in tw.contracts:
            if c.id == event.contract_id and c.state != GONE:
                c.set_resources(event.resources)


def _account(
    recipient: Recipient, farmer: bytes | None, staking: bytes, sales: bytes, foundation: bytes
) -> bytes:
    """DST-06/DST-07 (no solution providers in a population: their share goes to sales)."""
    if recipient == Recipient.StakingPool:
        return staking
    if recipient == Recipient.Farmer and farmer is not None:
        return farmer
    if recipient in (Recipient.Sales, Recipient.SolutionProviders):
        return sales
    return foundation


# --------------------------------------------------------------------------------------------------
# Entry point


def _params(base: State, history: Sequence[HistoryEvent], period: Period) -> list[tuple[int, _Params]]:
    policy = base.pricing_policies.get(1)
    if policy is None:
        raise PopulationError("base state", "no pricing policy 1, which billing always uses")
    price = base.tft_price
    ref = base.config.billing_reference_period
    out = [(period.first, _Params(policy, price.billing_price(), ref))]
    for e in history:
        if isinstance(e, SetPrice):
            price = attrs.evolve(price, price=e.musd, average=e.musd)
        elif isinstance(e, SetPolicy):
            policy = e.policy
        else:
            continue
        block = max(e.block, period.first)
        if out[-1][0] == block:
            out[-1] = (block, _Params(policy, price.billing_price(), ref))
        else:
            out.append((block, _Params(policy, price.billing_price(), ref)))
    return out


def fast_forward(
    population: Population,
    base: State,
    period: Period,
    history: Iterable[HistoryEvent] = (),
) -> FastResult:
    """ANA-10: bill `population` (built on `base` at `period.base_block`) over `period` with `history`;
    the same outcome, bill for bill, as `sc4it.analysis.reference.replay` (spec/analysis.md)."""
    check(population)
    events = sorted_history(history)
    engine = _Engine(base, period)
    params = _params(base, events, period)
    twins = _twins(population, base, period)
    per_twin: dict[int, list[HistoryEvent]] = {}
    owner = {c.id: c.twin_id for c in population.contracts}
    for e in events:
        if isinstance(e, TopUp):
            per_twin.setdefault(e.twin_id, []).append(e)
        elif isinstance(e, Report) and e.contract_id in owner:
            per_twin.setdefault(owner[e.contract_id], []).append(e)
    for tw in twins.values():
        if tw.contracts:
            engine.run_twin(tw, per_twin.get(tw.id, []), params)
    engine.settle()
    return _result(population, twins, engine, period)


def _twins(population: Population, base: State, period: Period) -> dict[int, _Twin]:
    ed = base.config.existential_deposit
    nodes = {n.id: n for n in population.nodes}
    farmer_of = {f.id: f.farmer_twin for f in population.farms}
    twins = {}
    for t in population.twins:
        stash = 0 if t.stash is None else max(max(t.stash, ed) - ed, 0)
        twins[t.id] = _Twin(t.id, max(t.balance, ed), t.frozen, stash)
    t0 = period.now(period.base_block)
    receivers = set()
    for c in population.contracts:
        farmer = None
        cert = NodeCertification.Diy
        if c.kind == "node":
            node = nodes[c.node_id]
            cert = NodeCertification.Certified if node.certified else NodeCertification.Diy
            receivers.add(farmer_of[node.farm_id])
            farmer = account_of(farmer_of[node.farm_id])
        twins[c.twin_id].contracts.append(_Contract(c, cert, farmer, t0))
    for twin_id in sorted(receivers):
        if twins[twin_id].contracts:
            raise PopulationError(
                f"twin {twin_id}",
                "farms revenue and also holds contracts; the analysis engine needs billed twins and "
                "revenue recipients apart (spec/analysis.md ANA-05)",
            )
    return twins


def _result(population: Population, twins: dict[int, _Twin], engine: _Engine, period: Period) -> FastResult:
    kinds = {c.id: c.kind for c in population.contracts}
    contracts: dict[int, ContractResult] = {}
    for tw in twins.values():
        for c in tw.contracts:
            end = {CREATED: "active", GRACE: "grace", GONE: "deleted: out of funds"}[c.state]
            gone = c.state == GONE  # its payment state was deleted with it (BIL-20)
            contracts[c.id] = ContractResult(
                c.id,
                tw.id,
                kinds[c.id],
                c.paid,
                c.bills,
                c.graces,
                end,
                c.end,
                0 if gone else c.overdraft,
                0 if gone else c.reserve,
                0 if gone else c.cycles,
                0 if gone else c.last,
                tuple(sorted(c.log)),
            )
    balances = {tw.id: (tw.free, tw.reserved) for tw in twins.values() if tw.contracts}
    return FastResult(
        period,
        dict(sorted(contracts.items())),
        balances,
        engine.revenue,
        engine.burned,
        engine.distributed,
        engine.steps,
    )


def expand(log: Iterable[LogEntry]) -> list[tuple[int, str, int, int]]:
    """ANA-16: the log as one (block, tag, x, y) per event, in block order (for checks: O(bills))."""
    out: list[tuple[int, str, int, int]] = []
    for block, count, stride, tag, x, y in log:
        out.extend((block + i * stride, tag, x, y) for i in range(count))
    return sorted(out)
