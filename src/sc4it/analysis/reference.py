"""The normative path for pricing analysis (spec/analysis.md ANA-20, ANA-21): a population built into a
chain state (`population.build_state`) and billed block by block by the runtime's own block hook
(`sc4it.on_block`), measured into the same `FastResult` the fast engine returns, so the two compare
field by field and bill by bill.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sc4it.analysis.fastforward import (
    BILLED,
    DISTRIBUTED,
    ELAPSED,
    GRACE_ENDED,
    GRACE_STARTED,
    OVERDRAWN,
    ContractResult,
    FastResult,
    LogEntry,
    Period,
    expand,
)
from sc4it.analysis.population import (
    HistoryEvent,
    Population,
    account_of,
    apply_event,
    build_state,
    sorted_history,
)
from sc4it.kernel.events import (
    ContractBilled,
    ContractGracePeriodElapsed,
    ContractGracePeriodEnded,
    ContractGracePeriodStarted,
    ContractPaymentOverdrawn,
    Event,
    RewardDistributed,
)
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv
from sc4it.kernel.types import AccountInfo, GracePeriod
from sc4it.runtime import on_block


def _entry(block: int, e: Event) -> tuple[int, LogEntry] | None:
    if isinstance(e, ContractBilled):
        b = e.contract_bill
        return b.contract_id, (block, 1, 0, BILLED, int(b.discount_level), b.amount_billed)
    if isinstance(e, ContractPaymentOverdrawn):
        return e.contract_id, (block, 1, 0, OVERDRAWN, e.partially_billed_amount, e.overdraft)
    if isinstance(e, ContractGracePeriodStarted):
        return e.contract_id, (block, 1, 0, GRACE_STARTED, 0, 0)
    if isinstance(e, ContractGracePeriodEnded):
        return e.contract_id, (block, 1, 0, GRACE_ENDED, 0, 0)
    if isinstance(e, ContractGracePeriodElapsed):
        return e.contract_id, (block, 1, 0, ELAPSED, e.grace_period, 0)
    if isinstance(e, RewardDistributed):
        return e.contract_id, (block, 1, 0, DISTRIBUTED, e.standard_rewards, e.additional_rewards)
    return None


def replay(
    population: Population,
    base: State,
    period: Period,
    history: Iterable[HistoryEvent] = (),
    *,
    skip_empty_blocks: bool = False,
) -> FastResult:
    """ANA-20: build the population at `period.base_block` and run `on_block` for every block of the
    period, history events applied before the bills of their block. `skip_empty_blocks` leaves out the
    blocks whose billing shard holds none of the population's contracts and that carry no event
    (ANA-21: such a block bills nothing)."""
    state = build_state(population, base, period.base_block, period.base_timestamp)
    start = state
    events = sorted_history(history)
    logs: dict[int, list[LogEntry]] = {c.id: [] for c in population.contracts}
    f = state.billing_frequency
    shards = {c.id % f for c in population.contracts}
    event_blocks = {e.block for e in events}
    ei = 0
    for block in range(period.first, period.last + 1):
        while ei < len(events) and events[ei].block <= block:
            state = apply_event(state, events[ei])
            ei += 1
        if skip_empty_blocks and block % f not in shards and block not in event_blocks:
            continue
        ts = period.base_timestamp + (block - period.base_block) * period.block_time_ms
        out = on_block(state, BlockEnv(block, ts))
        state = out.state
        for e in out.events:
            found = _entry(block, e)
            if found is not None and found[0] in logs:
                logs[found[0]].append(found[1])
    return measure(population, start, state, logs, period)


def measure(
    population: Population, start: State, end: State, logs: dict[int, list[LogEntry]], period: Period
) -> FastResult:
    """The `FastResult` of a block-by-block run from `start` to `end` with per-contract `logs`."""
    contracts: dict[int, ContractResult] = {}
    for spec in sorted(population.contracts, key=lambda c: c.id):
        log = logs[spec.id]
        found = end.contracts.get(spec.id)
        ps = end.contract_payment_state.get(spec.id)
        elapsed = [entry[0] for entry in log if entry[3] == ELAPSED]
        if found is None or ps is None:
            state, overdraft, reserve, cycles, last = "deleted: out of funds", 0, 0, 0, 0
        else:
            state = "grace" if isinstance(found.state, GracePeriod) else "active"
            overdraft, reserve = ps.get_overdraft(), ps.get_reserve()
            cycles, last = ps.cycles, ps.last_updated_seconds
        bills = [entry for entry in log if entry[3] in (BILLED, OVERDRAWN)]
        contracts[spec.id] = ContractResult(
            spec.id,
            spec.twin_id,
            spec.kind,
            sum(e[5] if e[3] == BILLED else e[4] for e in bills),
            len(bills),
            sum(1 for e in log if e[3] == GRACE_STARTED),
            state,
            elapsed[-1] if elapsed else 0,
            overdraft,
            reserve,
            cycles,
            last,
            tuple(sorted(log)),
        )
    billed = {c.twin_id for c in population.contracts}
    balances = {}
    for twin_id in sorted(billed):
        info = end.accounts.get(account_of(twin_id)) or AccountInfo()
        balances[twin_id] = (info.free, info.reserved)
    billed_accounts = {account_of(t) for t in billed}
    revenue = {}
    for acc, info in end.accounts.items():
        if acc in billed_accounts:
            continue
        before = start.accounts.get(acc) or AccountInfo()
        gained = info.free + info.reserved - before.free - before.reserved
        if gained:
            revenue[acc] = gained
    distributed = sum(e[4] + e[5] for log in logs.values() for e in log if e[3] == DISTRIBUTED)
    return FastResult(period, contracts, balances, revenue, end.burned - start.burned, distributed, 0)


def same_outcome(a: FastResult, b: FastResult) -> list[str]:
    """ANA-22: where two results differ (empty if bit-identical), logs compared event by event."""
    problems = []
    if a.balances != b.balances:
        diff = {
            t: (a.balances.get(t), b.balances.get(t))
            for t in a.balances
            if a.balances.get(t) != b.balances.get(t)
        }
        problems.append(f"balances differ: {diff}")
    if {k: v for k, v in a.revenue.items() if v} != {k: v for k, v in b.revenue.items() if v}:
        problems.append(f"revenue differs: {a.revenue} vs {b.revenue}")
    if (a.burned, a.distributed) != (b.burned, b.distributed):
        problems.append(
            f"burned/distributed differ: {(a.burned, a.distributed)} vs {(b.burned, b.distributed)}"
        )
    for cid in sorted(set(a.contracts) | set(b.contracts)):
        x, y = a.contracts.get(cid), b.contracts.get(cid)
        if x is None or y is None:
            problems.append(f"contract {cid} only in one result")
            continue
        ex, ey = expand(x.log), expand(y.log)
        if ex != ey:
            first = next(
                (i for i, (p, q) in enumerate(zip(ex, ey, strict=False)) if p != q), min(len(ex), len(ey))
            )
            near_x, near_y = ex[first : first + 3], ey[first : first + 3]
            problems.append(f"contract {cid}: events differ at #{first}: {near_x} vs {near_y}")
        fields: Sequence[str] = (
            "paid",
            "bills",
            "grace_entries",
            "end",
            "end_block",
            "overdraft",
            "reserve",
            "cycles",
            "last_updated_seconds",
        )
        for field in fields:
            if getattr(x, field) != getattr(y, field):
                problems.append(f"contract {cid}: {field} {getattr(x, field)} vs {getattr(y, field)}")
    return problems
