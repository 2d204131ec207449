"""Exact fast-forward billing at scale (spec/analysis.md ANA-17; benchmarks/README.md, section 4).

A script, not a pytest benchmark (a 1M run takes minutes):

    PYTHONPATH=src .venv/bin/python benchmarks/analysis_fastforward.py [SIZE ...] [--days D]

For each size (default 10 000, 100 000 and 1 000 000 contracts of `sc4it.analysis.synthetic`), it bills
the population for `--days` (default 365) of 6 s blocks with production constants, under two policies
(the mainnet preset, and the same with CU 20% dearer), with the fast engine, one process, one core.

Block by block on the same work is out of reach (a year of 1M contracts is ~10^10 bills), so it is
measured on a sample and extrapolated *per bill*, and said so: a sample of twins (with all their
contracts, their ids moved into one billing shard so that each billed block bills the whole sample, as a
shard does at scale: 1M contracts / 600 shards) is billed for `--sample-days` by `reference.replay`
(`on_block` on every block that bills them), and the time per bill times the fast run's number of bills
is the block-by-block estimate. The two are measured in the same run, side by side, so a busy machine
slows both; the ratio is the figure.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import time

import attrs

from sc4it.analysis.fastforward import FastResult, Period, fast_forward
from sc4it.analysis.population import Population
from sc4it.analysis.presets import network_state
from sc4it.analysis.reference import replay
from sc4it.analysis.synthetic import generate
from sc4it.kernel.state import State
from sc4it.kernel.types import Policy
from sc4it.tools.quote import PolicyProposal, apply_proposal

BLOCKS_PER_DAY = 14_400


def sample(population: Population, twins: int, frequency: int, seed: int = 7) -> Population:
    """`twins` billed twins of `population` with all their contracts (and every farm and node), the
    contracts renumbered into billing shard 0 (ids `frequency`, 2·`frequency`, ...)."""
    owners = sorted({c.twin_id for c in population.contracts})
    chosen = set(random.Random(seed).sample(owners, min(twins, len(owners))))
    contracts = [c for c in population.contracts if c.twin_id in chosen]
    return attrs.evolve(
        population,
        contracts=tuple(attrs.evolve(c, id=(i + 1) * frequency) for i, c in enumerate(contracts)),
        twins=tuple(t for t in population.twins if t.id in chosen or t.id >= 10**9),
    )


def block_by_block_per_bill(population: Population, base: State, days: float) -> tuple[float, int]:
    """Seconds per bill of `reference.replay` on `population` over `days`, and the bills it made."""
    period = Period(0, 0, round(days * BLOCKS_PER_DAY), 6000)
    start = time.perf_counter()
    result = replay(population, base, period, skip_empty_blocks=True)
    elapsed = time.perf_counter() - start
    bills = sum(c.bills for c in result.contracts.values())
    return elapsed / max(1, bills), bills


def run_engine(
    population: Population, bases: list[State], period: Period, batch: bool
) -> tuple[float, list[FastResult]]:
    """Seconds to bill `population` under each of `bases` with the fast engine, and the results."""
    start = time.perf_counter()
    results = [fast_forward(population, base, period, batch=batch) for base in bases]
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--sample-twins", type=int, default=200)
    parser.add_argument("--sample-days", type=float, default=7)
    parser.add_argument(
        "--scalar-up-to",
        type=int,
        default=100_000,
        help="run the scalar path (fast_forward(batch=False)) on sizes up to this; larger sizes get its "
        "time per contract-policy at the largest size measured in this run, times their contracts",
    )
    parser.add_argument(
        "--scalar-at", type=int, default=0, help="also measure the scalar path at this size first"
    )
    args = parser.parse_args()
    current = network_state("mainnet")
    policy = current.pricing_policies.get(1)
    assert policy is not None
    proposed = apply_proposal(current, PolicyProposal(cu=Policy(policy.cu.value * 12 // 10, policy.cu.unit)))
    bases = [current, proposed]
    period = Period(0, 0, round(args.days * BLOCKS_PER_DAY), 6000)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{now}, load average {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    print(f"{args.days:g} days of 6 s blocks ({period.last} blocks), mainnet preset and CU +20%, one process")
    scalar_per = 0.0
    if args.scalar_at:
        population = generate(args.scalar_at)
        elapsed, _ = run_engine(population, bases, period, batch=False)
        scalar_per = elapsed / (2 * len(population.contracts))
        print(
            f"scalar path at {len(population.contracts):,} contracts: {elapsed:.1f} s "
            f"({scalar_per * 1e6:.0f} us per contract-policy), load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    header = (
        "| contracts | twins | bills (2 policies) | engine steps | fast engine (s) | us per contract-policy |"
    )
    header += " all ContractResults made (s) | scalar path (s) | batch speed-up |"
    print(header + " block by block, estimated (s) | speed-up over block by block | load |")
    print("|" + "---|" * 12)
    for size in args.sizes:
        population = generate(size)
        n = len(population.contracts)
        twins = len({c.twin_id for c in population.contracts})
        one_shard = sample(population, args.sample_twins, current.billing_frequency)
        per_bill, sampled = block_by_block_per_bill(one_shard, current, args.sample_days)
        fast, results = run_engine(population, bases, period, batch=True)
        start = time.perf_counter()
        bills = sum(c.bills for r in results for c in r.contracts.values())
        made = time.perf_counter() - start
        steps = sum(r.steps for r in results)
        if size <= args.scalar_up_to:
            scalar, plain = run_engine(population, bases, period, batch=False)
            assert [(r.steps, r.balances, r.revenue) for r in plain] == [
                (r.steps, r.balances, r.revenue) for r in results
            ], "the batch and scalar paths disagree"
            scalar_per = scalar / (2 * n)
            scalar_text = f"{scalar:.1f}"
        else:
            scalar = scalar_per * 2 * n
            scalar_text = f"~{scalar:.0f} (est.: {scalar_per * 1e6:.0f} us per contract-policy)"
        slow = bills * per_bill
        per = fast / (2 * n) * 1e6
        print(
            f"| {n:,} | {twins:,} | {bills:,} | {steps:,} | {fast:.1f} | {per:.1f} | {made:.1f} |"
            f" {scalar_text} |"
            f" {scalar / fast:.1f}x | {slow:,.0f} ({per_bill * 1e6:.0f} us/bill on {sampled:,} bills) |"
            f" {slow / fast:,.0f}x | {os.getloadavg()[0]:.2f} |",
            flush=True,
        )
        del results


if __name__ == "__main__":
    main()
