"""Sweeps (spec/analysis.md ANA-60..ANA-63): a grid of candidate policies evaluated on one population with
the fast engine, in parallel across processes (`concurrent.futures`) or on an existing Dask cluster.

Each candidate is summarised against the current policy: what users paid, revenue to farmers, the
foundation and the staking pool, how many twins pay more, how many contracts are pushed into grace.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import attrs

from sc4it.analysis.fastforward import FastResult, Period, fast_forward
from sc4it.analysis.population import HistoryEvent, Population, account_of
from sc4it.kernel.state import State
from sc4it.kernel.types import Policy
from sc4it.tools.quote import PolicyProposal, apply_proposal

Job = tuple[Population, State, str, PolicyProposal | None, Period, Sequence[HistoryEvent]]
"""One evaluation: population, base state, label, proposal (None: the current policy), period, history."""


@attrs.frozen(slots=True)
class Candidate:
    label: str
    proposal: PolicyProposal


@attrs.frozen(slots=True)
class Outcome:
    """One policy's totals (TFT units) and counts over the period."""

    label: str
    paid: int
    farmers: int
    foundation: int
    staking_pool: int
    in_grace_or_deleted: frozenset[int]
    paid_by_twin: tuple[tuple[int, int], ...]


@attrs.frozen(slots=True)
class SweepRow:
    label: str
    paid: int
    farmers: int
    foundation: int
    staking_pool: int
    twins_paying_more: int
    pushed_into_grace: int

    def flat(self, current: Outcome) -> dict[str, Any]:
        def pct(x: int, y: int) -> float | None:
            return None if y == 0 else round(100 * (x - y) / y, 3)

        return {
            "policy": self.label,
            "paid_tft": self.paid / 1e7,
            "paid_change_pct": pct(self.paid, current.paid),
            "farmers_tft": self.farmers / 1e7,
            "farmers_change_pct": pct(self.farmers, current.farmers),
            "foundation_tft": self.foundation / 1e7,
            "staking_pool_tft": self.staking_pool / 1e7,
            "twins_paying_more": self.twins_paying_more,
            "contracts_pushed_into_grace": self.pushed_into_grace,
        }


def cu_grid(base: State, low_pct: int, high_pct: int, step_pct: int, field: str = "cu") -> list[Candidate]:
    """ANA-60: candidates moving `field` of pricing policy 1 from `low_pct` to `high_pct` percent in steps
    of `step_pct` (0 included when on the grid), each price rounded to a whole unit USD per hour."""
    if step_pct <= 0 or low_pct > high_pct or not -100 <= low_pct <= high_pct <= 1000:
        raise ValueError("need low <= high within -100..1000 and a positive step")
    policy = base.pricing_policies.get(1)
    assert policy is not None
    current: Policy = getattr(policy, field)
    out = []
    for pct in range(low_pct, high_pct + 1, step_pct):
        value = current.value * (100 + pct) // 100
        changes: dict[str, Any] = {field: Policy(value, current.unit)}
        proposal = attrs.evolve(PolicyProposal(), **changes)
        out.append(Candidate(f"{field} {pct:+d}%", proposal))
    return out


def evaluate(
    population: Population, state: State, label: str, period: Period, history: Sequence[HistoryEvent] = ()
) -> Outcome:
    """ANA-61: one policy's `Outcome` (the fast engine on `population` built on `state`)."""
    return summarise(label, population, state, fast_forward(population, state, period, history))


def summarise(label: str, population: Population, state: State, r: FastResult) -> Outcome:
    policy = state.pricing_policies.get(1)
    assert policy is not None
    farmers = {account_of(f.farmer_twin) for f in population.farms}
    by_twin: dict[int, int] = {}
    for c in r.contracts.values():
        by_twin[c.twin_id] = by_twin.get(c.twin_id, 0) + c.paid
    return Outcome(
        label,
        sum(c.paid for c in r.contracts.values()),
        sum(r.revenue.get(a, 0) for a in farmers),
        r.revenue.get(policy.foundation_account, 0),
        r.revenue.get(state.roles.staking_pool, 0),
        frozenset(c.contract_id for c in r.contracts.values() if c.grace_entries or c.end != "active"),
        tuple(sorted(by_twin.items())),
    )


def _job(args: Job) -> Outcome:
    population, base, label, proposal, period, history = args
    state = base if proposal is None else apply_proposal(base, proposal)
    return evaluate(population, state, label, period, history)


def run(
    population: Population,
    base: State,
    candidates: Iterable[Candidate],
    period: Period,
    history: Sequence[HistoryEvent] = (),
    *,
    workers: int | None = None,
    dask_address: str | None = None,
) -> tuple[Outcome, list[SweepRow]]:
    """ANA-62: the current policy and every candidate, each billed by the fast engine: in one process
    (`workers=1`), across `workers` processes (default: the CPU count), or on the Dask cluster at
    `dask_address` (the `analysis` extra). Returns the current outcome and one row per candidate."""
    jobs: list[Job] = [(population, base, "current", None, period, tuple(history))]
    jobs += [(population, base, c.label, c.proposal, period, tuple(history)) for c in candidates]
    outcomes = _map(_job, jobs, workers, dask_address)
    current = outcomes[0]
    return current, [_row(current, o) for o in outcomes[1:]]


def _map(
    fn: Callable[[Any], Outcome], jobs: list[Any], workers: int | None, dask_address: str | None
) -> list[Outcome]:
    if dask_address is not None:
        distributed = importlib.import_module("distributed")
        with distributed.Client(dask_address, timeout="30s") as client:
            futures = client.map(fn, jobs, pure=False)
            return list(client.gather(futures))
    n = workers or os.cpu_count() or 1
    if n <= 1 or len(jobs) == 1:
        return [fn(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=min(n, len(jobs))) as pool:
        return list(pool.map(fn, jobs))


def _row(current: Outcome, o: Outcome) -> SweepRow:
    before = dict(current.paid_by_twin)
    more = sum(1 for twin, paid in o.paid_by_twin if paid > before.get(twin, 0))
    pushed = len(o.in_grace_or_deleted - current.in_grace_or_deleted)
    return SweepRow(o.label, o.paid, o.farmers, o.foundation, o.staking_pool, more, pushed)
