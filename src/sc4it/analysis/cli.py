"""`sc4it whatif --population FILE` and `sc4it whatif sweep` (docs/pricing-analysis.md; spec/analysis.md
ANA-22, ANA-33, ANA-55, ANA-63): the fast engine from the command line. `sc4it.tools.cli` adds these
options to `whatif` (`add_options`) and hands such runs here (`run`); errors are the CLI's `CliError`
with its exit codes (2 for a bad file, 1 when `--check` finds a difference)."""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from typing import Any

import attrs
from rich.table import Table

from sc4it import genesis as gen
from sc4it.analysis import files, presets, report, sweep
from sc4it.analysis.fastforward import Period, fast_forward
from sc4it.analysis.population import Population, PopulationError
from sc4it.analysis.reference import replay, same_outcome
from sc4it.kernel.state import State
from sc4it.tools.quote import PolicyFileError, apply_proposal, read_policy_file

BLOCKS_PER_DAY = 14_400


def add_options(whatif: argparse.ArgumentParser) -> None:
    whatif.add_argument(
        "mode", nargs="?", choices=["sweep"], help="sweep: evaluate a grid of candidate policies"
    )
    whatif.add_argument(
        "--population",
        metavar="FILE",
        help="bill this population with the exact fast engine (JSON, CSV or a TFChain GraphQL export)",
    )
    whatif.add_argument(
        "--network",
        choices=presets.NETWORKS,
        help="the current prices: TFChain mainnet, testnet or devnet (default for --population: mainnet)",
    )
    whatif.add_argument(
        "--check", type=int, default=0, metavar="N", help="re-bill N sampled twins block by block"
    )
    whatif.add_argument("--csv", metavar="FILE", help="write one row per contract (sweep: per candidate)")
    whatif.add_argument("--parquet", metavar="FILE", help="write the per-contract rows as Parquet (pyarrow)")
    whatif.add_argument("--out-json", metavar="FILE", help="write the whole analysis as JSON")
    whatif.add_argument(
        "--vary", default="cu", choices=["su", "cu", "nu", "ipu", "unique_name"], help="sweep: field"
    )
    whatif.add_argument(
        "--range",
        default="-20:20:5",
        metavar="LOW:HIGH:STEP",
        help="sweep: percent grid (write --range=-20:20:5)",
    )
    whatif.add_argument(
        "--workers", type=int, default=0, metavar="N", help="sweep: processes (default: CPUs)"
    )
    whatif.add_argument(
        "--dask", metavar="ADDRESS", help="sweep: run on this Dask scheduler (sc4it[analysis])"
    )


def run(args: argparse.Namespace, error: type[Exception], console: Any) -> int:
    """Run a population what-if or a sweep; raises `error(code, what, fix)` (the CLI's `CliError`)."""
    if args.population is None:
        raise error(
            2, "whatif sweep needs --population FILE", "give a population file (docs/pricing-analysis.md)"
        )
    try:
        population = files.read(args.population)
    except files.PopulationFileError as e:
        raise error(
            2, f"bad population file: {e}", "see docs/pricing-analysis.md, 'A population file'"
        ) from None
    network = args.network or "mainnet"
    base = presets.network_state(network)
    if args.genesis is not None:
        raise error(2, "--genesis cannot be combined with --population", "use --network for the prices")
    period = Period(0, 0, round(args.days * BLOCKS_PER_DAY), base.config.block_time_secs * 1000)
    if args.mode == "sweep":
        return _sweep(args, error, console, population, base, network, period)
    if args.policy is None:
        raise error(2, "whatif needs --policy FILE (the proposal)", "see docs/pricing-analysis.md")

    try:
        proposal = read_policy_file(args.policy)
    except PolicyFileError as e:
        raise error(2, f"bad policy file: {e}", "see docs/pricing-analysis.md for the format") from None
    proposed = apply_proposal(base, proposal)
    changes = tuple(_changes(base, proposed))
    try:
        analysis = report.analyse(population, base, proposed, period, network=network, changes=changes)
    except PopulationError as e:
        raise error(
            2, f"{args.population}: {e}", "spec/analysis.md ANA-05 says what the engine covers"
        ) from None
    _write_outputs(args, error, analysis)
    if args.json:
        print(json.dumps(report.to_json_obj(analysis), indent=1))
    else:
        _print(console, analysis, args.top)
    if args.check:
        return _check(args, console, population, base, proposed, period, error)
    return 0


def _changes(a: State, b: State) -> list[str]:
    p, q = a.pricing_policies.get(1), b.pricing_policies.get(1)
    assert p is not None and q is not None
    out = []
    for field in ("su", "cu", "nu", "ipu", "unique_name", "domain_name", "discount_for_dedication_nodes"):
        x, y = getattr(p, field), getattr(q, field)
        if x != y:
            show = (lambda v: f"{v.value} per {v.unit.name}") if hasattr(x, "unit") else str
            out.append(f"{field}: {show(x)} -> {show(y)}")
    if a.tft_price.billing_price() != b.tft_price.billing_price():
        out.append(f"TFT price: {a.tft_price.billing_price()} -> {b.tft_price.billing_price()} mUSD")
    return out


def _write_outputs(args: argparse.Namespace, error: type[Exception], analysis: report.Analysis) -> None:
    try:
        if args.csv:
            report.write_csv(analysis, args.csv)
        if args.out_json:
            report.write_json(analysis, args.out_json)
        if args.parquet:
            report.write_parquet(analysis, args.parquet)
        if args.chart:
            report.chart(analysis, args.chart)
    except ImportError as e:
        raise error(4, f"an optional extra is missing ({e.name})", "pip install 'sc4it[analysis]'") from None
    except OSError as e:
        raise error(
            2, f"cannot write {e.filename}: {e.strerror or e}", "check the directory exists"
        ) from None


def _print(console: Any, a: report.Analysis, top: int) -> None:

    preset = presets.PRESETS.get(a.network)
    console.print(
        f"[bold]what if[/bold] {a.description}, {a.period.last} blocks, were billed under the proposal"
    )
    if preset is not None:
        console.print(f"  current: {preset.describe()}")
        if preset.caveat:
            console.print(f"  [yellow]note:[/yellow] {preset.caveat}")
    for c in a.changes or ("(no change: the proposal equals the current policy)",):
        console.print(f"  · {c}")
    rev = Table(title="revenue over the period (TFT)", title_justify="left")
    for col in ("recipient", "current", "proposed", "delta"):
        rev.add_column(col, justify="left" if col == "recipient" else "right")
    for name, x, y in a.revenue:
        rev.add_row(name, f"{x / 1e7:,.2f}", f"{y / 1e7:,.2f}", f"{(y - x) / 1e7:+,.2f}")
    console.print(rev)
    by = Table(title="by discount level at the start (current policy)", title_justify="left")
    for col in (
        "level",
        "contracts",
        "paid now (TFT)",
        "paid proposed (TFT)",
        "delta %",
        "paying more",
        "into grace",
    ):
        by.add_column(col, justify="left" if col == "level" else "right")
    for g in a.aggregate("level"):
        pct = "" if g["delta_pct"] is None else f"{g['delta_pct']:+.2f}%"
        by.add_row(
            g["level"],
            str(g["contracts"]),
            f"{g['paid_tft_current']:,.2f}",
            f"{g['paid_tft_proposed']:,.2f}",
            pct,
            str(g["paying_more"]),
            str(g["pushed_into_grace"]),
        )
    console.print(by)
    rows = sorted(a.rows, key=lambda r: (-abs(r.delta), r.contract_id))[:top]
    per = Table(title=f"contracts by size of change (top {len(rows)} of {len(a.rows)})", title_justify="left")
    for col in ("contract", "level", "TFT/month now", "TFT/month proposed", "paid delta", "list", "why"):
        per.add_column(col, justify="left" if col in ("contract", "level", "why") else "right")
    for r in rows:
        level = (
            r.current.level
            if r.current.level == r.proposed.level
            else f"{r.current.level}->{r.proposed.level}"
        )
        per.add_row(
            f"{r.contract_id} ({r.kind})",
            level,
            f"{r.current.tft_per_month / 1e7:,.2f}",
            f"{r.proposed.tft_per_month / 1e7:,.2f}",
            "" if r.delta_pct is None else f"{r.delta_pct:+.1f}%",
            "" if r.list_change_pct is None else f"{r.list_change_pct:+.1f}%",
            "; ".join(r.reasons),
        )
    console.print(per)


def _sample(population: Population, n: int, seed: int) -> Population:
    owners = sorted({c.twin_id for c in population.contracts})
    chosen = set(random.Random(seed).sample(owners, min(n, len(owners))))
    receivers = {f.farmer_twin for f in population.farms}
    return attrs.evolve(
        population,
        contracts=tuple(c for c in population.contracts if c.twin_id in chosen),
        twins=tuple(t for t in population.twins if t.id in chosen or t.id in receivers),
    )


def _check(
    args: argparse.Namespace,
    console: Any,
    population: Population,
    current: State,
    proposed: State,
    period: Period,
    error: type[Exception],
) -> int:
    """ANA-22, ANA-23: N sampled twins billed block by block under both policies, compared with the
    engine, and the engine with its batch path compared with its scalar path."""
    sample = _sample(population, args.check, args.seed)
    problems: list[str] = []
    bills = 0
    for state in (current, proposed):
        fast = fast_forward(sample, state, period)
        slow = replay(sample, state, period, skip_empty_blocks=True)
        problems += same_outcome(fast, slow)
        problems += same_outcome(fast, fast_forward(sample, state, period, batch=False))
        bills += sum(c.bills for c in slow.contracts.values())
    twins = len({c.twin_id for c in sample.contracts})
    if problems:
        for p in problems[:20]:
            console.print(f"[red]check:[/red] {p}")
        return 1
    console.print(
        f"check: {twins} sampled twins, {bills} bills block by block under both policies: identical "
        "(and the engine's batch and scalar paths agree)"
    )
    return 0


def _sweep(
    args: argparse.Namespace,
    error: type[Exception],
    console: Any,
    population: Population,
    base: State,
    network: str,
    period: Period,
) -> int:
    try:
        low, high, step = (int(x) for x in args.range.split(":"))
        candidates = sweep.cu_grid(base, low, high, step, args.vary)
    except ValueError as e:
        raise error(
            2, f"bad --range {args.range!r}: {e}", "give LOW:HIGH:STEP in percent, e.g. -20:20:5"
        ) from None
    try:
        current, rows = sweep.run(
            population, base, candidates, period, workers=args.workers or None, dask_address=args.dask
        )
    except ImportError as e:
        raise error(
            4, f"--dask needs an optional extra ({e.name})", "pip install 'sc4it[analysis]'"
        ) from None
    except PopulationError as e:
        raise error(
            2, f"{args.population}: {e}", "spec/analysis.md ANA-05 says what the engine covers"
        ) from None
    flat = [r.flat(current) for r in rows]
    if args.csv:
        with files.atomic_write(args.csv) as f:
            w = csv.DictWriter(f, fieldnames=list(flat[0]))
            w.writeheader()
            w.writerows(flat)
    if args.json:
        print(json.dumps({"network": network, "population": population.description, "rows": flat}, indent=1))
        return 0

    console.print(f"[bold]sweep[/bold] of {args.vary} over {args.range} % on {population.description}")
    console.print(f"  current: {presets.PRESETS[network].describe()}")
    table = Table(title=f"{len(rows)} candidate policies, {period.last} blocks", title_justify="left")
    for col in (
        "policy",
        "paid (TFT)",
        "paid",
        "farmers (TFT)",
        "foundation (TFT)",
        "twins paying more",
        "into grace",
    ):
        table.add_column(col, justify="left" if col == "policy" else "right")
    for r in flat:
        table.add_row(
            r["policy"],
            f"{r['paid_tft']:,.2f}",
            "" if r["paid_change_pct"] is None else f"{r['paid_change_pct']:+.2f}%",
            f"{r['farmers_tft']:,.2f}",
            f"{r['foundation_tft']:,.2f}",
            str(r["twins_paying_more"]),
            str(r["contracts_pushed_into_grace"]),
        )
    console.print(table)
    return 0


# --------------------------------------------------------------------------------------------------
# `sc4it genesis --network NAME [--policy FILE] [--out FILE]` (ANA-34)


def add_genesis_parser(sub: Any, func: Any) -> None:
    """Add `sc4it genesis` to the CLI's subparsers; `func(args)` runs it (see `genesis_command`)."""
    g = sub.add_parser(
        "genesis",
        help="write a genesis JSON with a TFChain network's prices (for node run, quote, whatif)",
        description="The embedded default world (its farms, nodes and development keys) with a TFChain "
        "network's pricing policy 1, TFT price and constants (docs/pricing-analysis.md, 'Network "
        "presets'), optionally with a proposed policy applied; it says which prices it used.",
    )
    g.add_argument("--network", choices=presets.NETWORKS, default="mainnet", help="default: mainnet")
    g.add_argument("--policy", metavar="FILE", help="apply this proposal (sc4it-pricing-policy/v1) on top")
    g.add_argument("--out", "-o", metavar="FILE", help="write the genesis here (default: standard output)")
    g.set_defaults(func=func)


def genesis_of(network: str, proposal: Any = None) -> gen.Genesis:
    """ANA-34: `presets.network_genesis(network)` with `proposal` (a `PolicyProposal`, or None) applied to
    pricing policy 1 and the TFT price; validated as any genesis is (`GenesisError`)."""
    g = presets.network_genesis(network)
    if proposal is not None:
        policy = g.pricing_policies[0]
        changes = {
            field: getattr(proposal, field)
            for field in ("name", "su", "cu", "nu", "ipu", "unique_name", "domain_name")
            if getattr(proposal, field) is not None
        }
        if proposal.discount_for_dedication_nodes is not None:
            changes["discount_for_dedication_nodes"] = proposal.discount_for_dedication_nodes
        g = attrs.evolve(g, pricing_policies=(attrs.evolve(policy, **changes), *g.pricing_policies[1:]))
        if proposal.tft_price is not None:
            g = attrs.evolve(g, tft_price=attrs.evolve(g.tft_price, price=proposal.tft_price))
    gen.build(g)  # GEN-10..GEN-18: a proposal out of the genesis' bounds is refused here
    return g


def genesis_command(args: argparse.Namespace, error: type[Exception], load_policy: Any) -> int:
    """ANA-34: write the genesis; the line saying whose prices it carries goes to standard error when the
    genesis goes to standard output, else to standard output."""

    preset = presets.PRESETS[args.network]
    proposal = None if args.policy is None else load_policy(args.policy)
    try:
        g = genesis_of(args.network, proposal)
    except gen.GenesisError as e:
        raise error(2, f"the proposal does not make a valid genesis: {e}", "see spec/genesis.md") from None
    said = f"prices: {preset.describe()} (note: {preset.caveat})"
    if proposal is not None:
        said += f"; with the proposal {args.policy} applied to pricing policy 1"
    text = gen.dumps(g)
    if args.out is None:
        sys.stdout.write(text)
        print(said, file=sys.stderr)
        return 0
    try:
        with files.atomic_write(args.out) as f:
            f.write(text)
    except OSError as e:
        raise error(2, f"cannot write {args.out}: {e.strerror or e}", "check the directory") from None
    print(f"wrote {args.out}: {said}")
    return 0
