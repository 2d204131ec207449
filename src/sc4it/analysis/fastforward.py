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

from sc4it.analysis.ffmodel import (
    BILLED,
    CREATED,
    DISTRIBUTED,
    ELAPSED,
    GONE,
    GRACE,
    GRACE_ENDED,
    GRACE_STARTED,
    LEVELS,
    NAME,
    OVERDRAWN,
    RENT,
    U16_MAX,
    ZERO,
    ContractResult,
    FastResult,
    LogEntry,
    Period,
    Prices,
    account,
    expand,
    prices_in_force,
)
from sc4it.analysis.ffrecords import ContractState, TwinState, twin_records
from sc4it.analysis.population import (
    HistoryEvent,
    NuReport,
    OptOut,
    Population,
    PopulationError,
    Report,
    SetPolicy,
    TopUp,
    check,
    sorted_history,
)
from sc4it.contracts.billing import cost
from sc4it.contracts.billing.distribution import split_amounts
from sc4it.kernel.fixed import U64_MAX
from sc4it.kernel.state import State
from sc4it.kernel.types import (
    Recipient,
    SplitRule,
)

try:
    from sc4it.analysis import ffbatch, ffcolumns
except ImportError:  # numpy (the `analysis` extra) is missing: every twin takes the scalar path
    ffbatch = None  # type: ignore[assignment]
    ffcolumns = None  # type: ignore[assignment]

__all__ = [
    "BILLED",
    "DISTRIBUTED",
    "ELAPSED",
    "GRACE_ENDED",
    "GRACE_STARTED",
    "OVERDRAWN",
    "ContractResult",
    "FastResult",
    "LogEntry",
    "Period",
    "expand",
    "fast_forward",
]

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
        steady = self.frequency * period.block_time_ms
        self.steady_secs = steady // 1000 if steady % 1000 == 0 else -1
        self.staking = base.roles.staking_pool
        self.dp = base.distribution_policy
        self.revenue: dict[bytes, int] = {}
        self.burned = 0
        self.distributed = 0
        self.steps = 0

    def due(self, p: Prices, c: ContractState, secs: int, total: int) -> tuple[int, int, int, int]:
        """BIL-12, BIL-13, BIL-39, OPT-30..OPT-32: (standard due, extra fee, level, least total keeping
        the level) of `c` over `secs` with `total` usable (twin and stash) at the bill."""
        if c.optout and c.kind != NAME:
            return 0, 0, 0, 0
        if c.unbilled == 0:  # the common case: one cache lookup (cost key, seconds) -> profile
            key = (c.key, secs)
            prof = p.by_key.get(key)
            if prof is None:
                units = p.cost_units_usd(c, secs)
                prof = p.by_key[key] = p.profile(units, secs, c.cert) if units else ZERO
        else:
            units = p.cost_units_usd(c, secs)
            prof = p.profile(units, secs, c.cert) if units else ZERO
        a, least, dues = prof
        if total > U64_MAX:
            total = U64_MAX
        level = 0  # BIL-37 as comparisons with each level's least balance
        for x in least:
            if total < x:
                break
            level += 1
        d = dues[level]
        if d < 0:
            d = dues[level] = cost.apply_discount(a, LEVELS[level], c.cert)  # BIL-38
        return d, p.fee_tft(c, secs) if c.fee else 0, level, least[level - 1] if level else 0

    def settle(self, params: Sequence[Prices]) -> None:
        """Split the distributions booked so far (DST-04/DST-05) into revenue per account."""
        rules = (self.dp.node, self.dp.name, self.dp.extra_fee)
        for p in params:
            sales, foundation = p.policy.certified_sales_account, p.policy.foundation_account
            for (rule_index, farmer, amount), times in p.pending.items():
                rule: SplitRule = rules[rule_index]
                for recipient, part in split_amounts(rule, amount):
                    if part == 0:
                        continue
                    if recipient == Recipient.Burn:
                        self.burned += part * times
                        continue
                    acc = account(recipient, farmer, self.staking, sales, foundation)
                    self.revenue[acc] = self.revenue.get(acc, 0) + part * times
            p.pending.clear()

    # -- distribution (DST-01..DST-05, DST-11) ---------------------------------------------------

    def _pay(self, c: ContractState, std: int, add: int, times: int, p: Prices) -> None:
        """DST-04: book `times` payouts of `add` (extra-fee rule) and `std` (node or name rule) from
        `c`'s reserves, to the recipients of `p`'s policy (split by `settle`)."""
        pending = p.pending
        if add:
            key = (2, c.farmer, add)
            pending[key] = pending.get(key, 0) + times
        if std:
            key = (c.kind == NAME, c.farmer, std)
            pending[key] = pending.get(key, 0) + times
        self.distributed += (std + add) * times

    def _cycles(
        self, tw: TwinState, c: ContractState, k: int, std: int, add: int, block: int, p: Prices
    ) -> None:
        """DST-01/DST-02 over `k` bills that each add `std` and `add` to the reserves, the first at
        `block`, one every `BillingFrequency` blocks: the distributions they make, booked at once."""
        df = self.dist_frequency
        f = self.frequency
        i1 = max(1, df - c.cycles)  # the first bill whose cycle count reaches the frequency
        if c.reserve + c.add_reserve + std + add == 0 or i1 > k:
            c.reserve += k * std
            c.add_reserve += k * add
            c.cycles = min(c.cycles + k, U16_MAX)
            return
        first, first_add = c.reserve + i1 * std, c.add_reserve + i1 * add
        self._pay(c, first, first_add, 1, p)
        c.log.append((block + (i1 - 1) * f, 1, 0, DISTRIBUTED, first, first_add))
        tw.reserved -= first + first_add
        if std + add == 0:
            c.reserve = c.add_reserve = 0
            c.cycles = min(k - i1, U16_MAX)
            return
        more = (k - i1) // df
        if more:
            self._pay(c, df * std, df * add, more, p)
            c.log.append((block + (i1 - 1 + df) * f, more, df * f, DISTRIBUTED, df * std, df * add))
            tw.reserved -= (df * std + df * add) * more
        rest = k - i1 - more * df
        c.reserve, c.add_reserve = rest * std, rest * add
        c.cycles = rest

    # -- one bill (BIL-11..BIL-20) ------------------------------------------------------------------

    def _bill(self, tw: TwinState, c: ContractState, block: int, p: Prices) -> None:
        """`bill_contract` for `c` at `block` (spec/billing.md §3, spec/grace.md GRC-01..GRC-09)."""
        self.steps += 1
        per = self.period
        now = (per.base_timestamp + (block - per.base_block) * per.block_time_ms) // 1000
        usable = tw.usable(self.ed)
        secs = now - c.last if now > c.last else 0
        if c.optout and c.kind != NAME and c.state == CREATED:
            return  # OPT-31
        if p.price <= 0 and p.fails(c, secs):
            return  # BIL-42: the bill fails and changes nothing
        std, add, level, _ = self.due(p, c, secs, usable + tw.stash)
        due = std + add
        owed = c.overdraft + c.add_overdraft
        if due == 0 and owed == 0:
            return  # BIL-14
        to_reserve = due + owed
        sufficient = to_reserve <= usable  # BIL-15, LED-06
        removed = False
        if c.state != CREATED or not sufficient:
            removed = self._transition(tw, c, sufficient, block)  # BIL-16
        if sufficient:  # BIL-17
            tw.free -= to_reserve
            tw.reserved += to_reserve
            c.reserve += c.overdraft + std
            c.add_reserve += c.add_overdraft + add
            c.overdraft = c.add_overdraft = 0
            c.paid += to_reserve
            c.log.append((block, 1, 0, BILLED, level, to_reserve))
        else:  # BIL-18: the twin's usable balance settles the extra fee's overdraft first
            c.overdraft += std
            c.add_overdraft += add
            add_moved = min(usable, c.add_overdraft)
            std_moved = min(usable - add_moved, c.overdraft)
            c.add_overdraft -= add_moved
            c.overdraft -= std_moved
            c.add_reserve += add_moved
            c.reserve += std_moved
            tw.free -= usable
            tw.reserved += usable
            c.paid += usable
            c.log.append((block, 1, 0, OVERDRAWN, usable, due - usable if due > usable else 0))
        c.bills += 1
        if not removed:
            c.last = now
            if secs:
                c.unbilled = 0  # BIL-20
        cycles = c.cycles + 1 if c.cycles < U16_MAX else U16_MAX  # DST-01
        if (cycles >= self.dist_frequency or removed) and (c.reserve or c.add_reserve):  # DST-02
            self._pay(c, c.reserve, c.add_reserve, 1, p)
            c.log.append((block, 1, 0, DISTRIBUTED, c.reserve, c.add_reserve))
            tw.reserved -= c.reserve + c.add_reserve
            c.reserve = c.add_reserve = 0
            cycles = 0
        c.cycles = cycles
        if removed:
            self._remove(tw, c, block)

    def _transition(self, tw: TwinState, c: ContractState, sufficient: bool, block: int) -> bool:
        """GRC-01..GRC-08; True if the contract is now Deleted."""
        if c.state == GRACE:
            if sufficient and not tw.suspended(c):  # GRC-01, GRC-08
                c.state = CREATED
                c.log.append((block, 1, 0, GRACE_ENDED, 0, 0))
                if c.kind == RENT:
                    tw.synchronize(c, CREATED, block)  # GRC-07
                return False
            elapsed = block - c.start if block > c.start else 0
            if elapsed >= self.grace:
                if c.kind == RENT and any(n.reserve or n.add_reserve for n in tw.on_node(c.node_id)):
                    return False  # GRC-03
                c.log.append((block, 1, 0, ELAPSED, elapsed, 0))  # GRC-02
                return True
            return False
        if not sufficient:  # GRC-04
            c.state = GRACE
            c.start = block
            c.graces += 1
            c.log.append((block, 1, 0, GRACE_STARTED, 0, 0))
            if c.kind == RENT:
                tw.synchronize(c, GRACE, block)  # GRC-06
        return False

    def _remove(self, tw: TwinState, c: ContractState, block: int) -> None:
        """BIL-20, GRC-09, CON-41..CON-52: the contract is removed (its overdraft forgiven); a rent
        contract takes its node's node contracts with it, each reserve they hold returned (CON-52)."""
        c.state = GONE
        c.end = block
        c.overdraft = c.add_overdraft = 0
        if c.kind != RENT:
            return
        for n in tw.on_node(c.node_id):
            held = n.reserve + n.add_reserve
            tw.free += held
            tw.reserved -= held
            n.reserve = n.add_reserve = n.overdraft = n.add_overdraft = 0
            n.state = GONE
            n.end = 0

    # -- jumps (ANA-12, ANA-13) ---------------------------------------------------------------------

    def _jump(self, tw: TwinState, alive: Sequence[ContractState], limit: int, p: Prices) -> bool:
        """Book as many whole cycles of the twin's contracts as stay steady (all Created and paying at
        one level each, or all in grace with nothing to pay from); False if not even one is. `alive`
        is in billing order (next block, id)."""
        f = self.frequency
        secs = self.steady_secs
        if secs <= 0 or p.price <= 0:
            return False
        k = (limit - alive[-1].next) // f + 1  # the last contract's slot bounds the whole cycles
        if k < 1:
            return False
        per = self.period
        bb, bt, ms = per.base_block, per.base_timestamp, per.block_time_ms
        billed = []
        created = True
        for c in alive:
            owed = c.overdraft or c.add_overdraft
            if c.idle and not (owed or c.unbilled):
                continue  # BIL-04: not billed
            if c.special and c.silent():
                continue  # ANA-18: its bill writes nothing
            if c.unbilled or (bt + (c.next - bb) * ms) // 1000 - c.last != secs:
                return False
            if owed or c.state != CREATED:
                created = False
            billed.append(c)
        if not billed:
            for c in alive:
                c.next += k * f
            return True
        usable = tw.usable(self.ed)
        if created:
            return self._jump_created(tw, alive, billed, k, usable, p)
        if usable == 0 and not tw.rents and all(c.state == GRACE for c in billed):
            return self._jump_grace(tw, alive, billed, k, p)
        return False

    def _jump_created(
        self,
        tw: TwinState,
        alive: Sequence[ContractState],
        billed: list[ContractState],
        k: int,
        usable: int,
        p: Prices,
    ) -> bool:
        """ANA-12: every contract Created without overdraft. The first cycle is billed as `_bill` would
        (level from the balance left at each bill); cycle r (from 0) then bills the same while, for each
        contract, the balance left at its bill, `usable − r·D − prefix`, still pays its amount and stays
        at or above its level's least balance (`cost.level_min_balance`, less the stash)."""
        secs = self.steady_secs
        stash = tw.stash
        plan: list[tuple[ContractState, int, int, int, int, int]] = []
        spent = 0
        for c in billed:  # ascending (next block, id): the order of one cycle's bills
            left = usable - spent
            std, add, level, least = self.due(p, c, secs, left + stash)
            due = std + add
            if due == 0 or due > left:
                return False
            plan.append((c, std, add, level, spent, max(due, least - stash)))
            spent += due
        for _, _, _, _, prefix, need in plan:
            k = min(k, (usable - prefix - need) // spent + 1)
        assert k >= 1
        self.steps += 1
        for c, std, add, level, _, _ in plan:
            self._book_paid(tw, c, k, std, add, level, p)
        f = self.frequency
        for c in alive:
            c.next += k * f
        return True

    def _book_paid(
        self, tw: TwinState, c: ContractState, k: int, std: int, add: int, level: int, p: Prices
    ) -> None:
        """ANA-12, ANA-15: `k` bills of `c` paying `std` + `add` at `level`, from its next slot."""
        f = self.frequency
        due = std + add
        c.log.append((c.next, k, f, BILLED, level, due))
        c.paid += k * due
        c.bills += k
        per = self.period
        c.last = (per.base_timestamp + (c.next + (k - 1) * f - per.base_block) * per.block_time_ms) // 1000
        tw.free -= k * due
        tw.reserved += k * due
        if c.cycles + k < self.dist_frequency:  # DST-02: no distribution in the stretch
            c.reserve += k * std
            c.add_reserve += k * add
            c.cycles += k
        else:
            self._cycles(tw, c, k, std, add, c.next, p)

    def _book_grace(self, tw: TwinState, c: ContractState, k: int, due: int, p: Prices) -> None:
        """ANA-13, ANA-15: `k` overdrawn bills of `c` in grace, each `due` short, from its next slot."""
        f = self.frequency
        c.log.append((c.next, k, f, OVERDRAWN, 0, due))
        c.overdraft += k * due
        c.bills += k
        c.last = self.period.now(c.next + (k - 1) * f)
        self._cycles(tw, c, k, 0, 0, c.next, p)

    def _jump_grace(
        self, tw: TwinState, alive: Sequence[ContractState], billed: list[ContractState], k: int, p: Prices
    ) -> bool:
        """ANA-13: every contract in grace and nothing usable (no rent contract: ANA-17): each cycle is an
        overdrawn bill of the same due (the level from the stash alone; 0 if waived, OPT-32), until the
        first bill at least `grace_period` blocks after the start, which deletes the contract (GRC-02)
        and is billed by `_bill`."""
        secs = self.steady_secs
        f = self.frequency
        plan: list[tuple[ContractState, int]] = []
        for c in billed:
            since = c.next - c.start
            if since >= self.grace:
                return False
            k = min(k, (self.grace - 1 - since) // f + 1)
            std, _, _, _ = self.due(p, c, secs, tw.stash)
            plan.append((c, std))
        self.steps += 1
        for c, due in plan:
            self._book_grace(tw, c, k, due, p)
        for c in alive:
            c.next += k * f
        return True

    # -- a twin over the period -------------------------------------------------------------------

    def run_twin(
        self, tw: TwinState, events: list[tuple[HistoryEvent, int]], params: list[tuple[int, Prices]]
    ) -> None:
        """Bill the twin's contracts from the first block to the last: single bills where not steady,
        jumps where steady; events (global `params`, the twin's own `events`) are boundaries."""
        f = self.frequency
        first = self.period.first
        last = self.period.last
        for c in tw.contracts:
            c.next = first + (c.id - first) % f
        if not events and len(params) == 1:
            self._run_quiet(tw, params[0][1])
            return
        bounds = sorted({b for b, _ in params[1:]} | {e.block for e, _ in events})
        pi, ei, bi = 0, 0, 0
        pos = first
        while True:
            while bi < len(bounds) and bounds[bi] <= pos:
                bi += 1
            limit = min(last, (bounds[bi] - 1) if bi < len(bounds) else last)
            while pi + 1 < len(params) and params[pi + 1][0] <= pos:
                pi += 1
            while ei < len(events) and events[ei][0].block <= pos:
                tw.apply(*events[ei])
                ei += 1
            p = params[pi][1]
            alive = [c for c in tw.contracts if c.state != GONE]
            if len(alive) > 1:
                alive.sort(key=_order)
            elif not alive:
                break
            if self._jump(tw, alive, limit, p):
                continue
            c = alive[0]
            if c.next > limit:
                if limit >= last:
                    break
                pos = limit + 1
                continue
            pos = c.next
            if c.billable():
                self._bill(tw, c, c.next, p)
            c.next += f
        for event, units in events[ei:]:  # what happens after the last bill still counts (a late top-up)
            if event.block <= last:
                tw.apply(event, units)

    def _run_quiet(self, tw: TwinState, p: Prices) -> None:
        """`run_twin` without events: one price, one policy, no boundary before the last block. Without
        events a contract that is not billed (BIL-04) never will be, so only the others are walked; the
        first cycle (partial elapsed times, ANA-11) is billed bill by bill, in block order."""
        f = self.frequency
        last = self.period.last
        contracts = [c for c in tw.contracts if not c.idle]
        one = contracts[0] if len(contracts) == 1 else None
        if one is not None and not one.special and one.kind != RENT and self.steady_secs > 0 and p.price > 0:
            self._run_single(tw, one, p)
            return
        if len(contracts) > 1:
            contracts.sort(key=_order)
        for c in contracts:
            if c.next <= last and c.state != GONE:
                self._bill(tw, c, c.next, p)
                c.next += f
        while True:
            alive = [c for c in contracts if c.state != GONE] if len(contracts) > 1 else contracts
            if len(alive) > 1:
                alive.sort(key=_order)
            elif not alive or alive[0].state == GONE:
                return
            if self._jump(tw, alive, last, p):
                continue
            c = alive[0]
            if c.next > last:
                return
            if c.billable():
                self._bill(tw, c, c.next, p)
            c.next += f

    def _run_single(self, tw: TwinState, c: ContractState, p: Prices) -> None:
        """`_run_quiet` for a twin with one billed contract that is never silent, with whole-second cycles
        and a price: the same bills and jumps as `_jump` would make, without lists of contracts."""
        f = self.frequency
        last = self.period.last
        secs = self.steady_secs
        grace = self.grace
        ed = self.ed
        stash = tw.stash
        per = self.period
        bb, bt, ms = per.base_block, per.base_timestamp, per.block_time_ms
        if c.next <= last:  # the first, partial cycle (ANA-11)
            self._bill(tw, c, c.next, p)
            c.next += f
        while c.state != GONE and c.next <= last:
            nxt = c.next
            if (bt + (nxt - bb) * ms) // 1000 - c.last == secs and c.unbilled == 0:
                k = (last - nxt) // f + 1
                usable = tw.usable(ed)
                if c.state == CREATED and not (c.overdraft or c.add_overdraft):  # ANA-12
                    std, add, level, least = self.due(p, c, secs, usable + stash)
                    due = std + add
                    if 0 < due <= usable:
                        need = due if due > least - stash else least - stash
                        k = min(k, (usable - need) // due + 1)
                        self.steps += 1
                        self._book_paid(tw, c, k, std, add, level, p)
                        c.next = nxt + k * f
                        continue
                elif c.state == GRACE and usable == 0 and nxt - c.start < grace:  # ANA-13
                    k = min(k, (grace - 1 - (nxt - c.start)) // f + 1)
                    std, _, _, _ = self.due(p, c, secs, stash)
                    self.steps += 1
                    self._book_grace(tw, c, k, std, p)
                    c.next = nxt + k * f
                    continue
            self._bill(tw, c, nxt, p)
            c.next = nxt + f


def _order(c: ContractState) -> tuple[int, int]:
    return c.next, c.id


# --------------------------------------------------------------------------------------------------
# Entry point


def _per_twin(
    population: Population, base: State, events: list[HistoryEvent]
) -> dict[int, list[tuple[HistoryEvent, int]]]:
    """Each twin's own events (ANA-14): its top-ups, reports on its contracts, opt-outs of nodes it has
    contracts on; an NU report with its cost (NR-10, priced with pricing policy 1 as it stands at the
    report, -1 if it overflows: the report fails)."""
    owner = {c.id: c.twin_id for c in population.contracts}
    on_node: dict[int, set[int]] = {}
    for c in population.contracts:
        if c.kind != "name":
            on_node.setdefault(c.node_id, set()).add(c.twin_id)
    policy = base.pricing_policies.get(1)
    ref = base.config.billing_reference_period
    out: dict[int, list[tuple[HistoryEvent, int]]] = {}
    for e in events:
        if isinstance(e, SetPolicy):
            policy = e.policy
        elif isinstance(e, TopUp):
            out.setdefault(e.twin_id, []).append((e, 0))
        elif isinstance(e, Report) and e.contract_id in owner:
            out.setdefault(owner[e.contract_id], []).append((e, 0))
        elif isinstance(e, NuReport) and e.contract_id in owner and policy is not None:
            try:
                units = cost.nu_cost_units_usd(policy, e.nru, e.window, ref)
            except OverflowError:
                units = -1
            out.setdefault(owner[e.contract_id], []).append((e, units))
        elif isinstance(e, OptOut):
            for twin_id in sorted(on_node.get(e.node_id, ())):
                out.setdefault(twin_id, []).append((e, 0))
    return out


def fast_forward(
    population: Population,
    base: State,
    period: Period,
    history: Iterable[HistoryEvent] = (),
    *,
    batch: bool = True,
) -> FastResult:
    """ANA-10: bill `population` (built on `base` at `period.base_block`) over `period` with `history`;
    the same outcome, bill for bill, as `sc4it.analysis.reference.replay` (spec/analysis.md). The twins
    of ANA-23's shape take the batch path (`sc4it.analysis.ffbatch`) unless `batch` is False; the result
    is the same either way (ANA-24)."""
    check(population)
    _check_apart(population)
    events = sorted_history(history)
    engine = _Engine(base, period)
    params = prices_in_force(base, events, period)
    per_twin = _per_twin(population, base, events)
    fast = ffbatch.run(population, base, period, params, per_twin) if batch and ffbatch is not None else None
    twins = twin_records(population, base, period, fast.twin_ids if fast is not None else frozenset())
    for tw in twins.values():
        if tw.contracts:
            engine.run_twin(tw, per_twin.get(tw.id, []), params)
    engine.settle([p for _, p in params])
    return _result(population, twins, engine, period, fast)


def _check_apart(population: Population) -> None:
    """ANA-05: no twin that holds contracts receives revenue (is the farmer of a node billed)."""
    nodes = {n.id: n for n in population.nodes}
    farmer_of = {f.id: f.farmer_twin for f in population.farms}
    receivers = {farmer_of[nodes[c.node_id].farm_id] for c in population.contracts if c.kind != "name"}
    both = receivers & {c.twin_id for c in population.contracts}
    if both:
        raise PopulationError(
            f"twin {min(both)}",
            "farms revenue and also holds contracts; the analysis engine needs billed twins and "
            "revenue recipients apart (spec/analysis.md ANA-05)",
        )


def _result(
    population: Population,
    twins: dict[int, TwinState],
    engine: _Engine,
    period: Period,
    fast: ffbatch.BatchResult | None,
) -> FastResult:
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
                0 if gone else c.overdraft + c.add_overdraft,
                0 if gone else c.reserve + c.add_reserve,
                0 if gone else c.cycles,
                0 if gone else c.last,
                tuple(sorted(c.log)),
            )
    revenue = engine.revenue
    burned, distributed, steps = engine.burned, engine.distributed, engine.steps
    if fast is not None:
        for acc, amount in fast.revenue.items():
            revenue[acc] = revenue.get(acc, 0) + amount
        burned, distributed, steps = burned + fast.burned, distributed + fast.distributed, steps + fast.steps
    ordered = dict(sorted(contracts.items()))
    return FastResult(
        period,
        ordered if fast is None else ffcolumns.Contracts(ordered, fast.contracts),
        _balances(population, twins, fast),
        revenue,
        burned,
        distributed,
        steps,
    )


def _balances(
    population: Population, twins: dict[int, TwinState], fast: ffbatch.BatchResult | None
) -> dict[int, tuple[int, int]]:
    """Twin id -> (free, reserved) of every twin holding contracts, in the population's order."""
    batch = {} if fast is None else fast.balances
    out = {}
    for t in population.twins:
        tw = twins.get(t.id)
        if tw is not None and tw.contracts:
            out[t.id] = (tw.free, tw.reserved)
        elif t.id in batch:
            out[t.id] = batch[t.id]
    return out
