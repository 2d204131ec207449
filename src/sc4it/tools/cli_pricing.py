"""`sc4it demo`, `sc4it quote` and `sc4it whatif` (docs/embedding.md, docs/pricing-analysis.md): the
commands that run billing's own functions on a story, a workload or a proposal."""

from __future__ import annotations

import argparse
import importlib.util
import json
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from sc4it.analysis import cli as analysis_cli
from sc4it.analysis.presets import PRESETS, network_state
from sc4it.contracts.billing.cost import TFT_PRECISION
from sc4it.contracts.billing.payment import BILLING_POLICY_ID
from sc4it.host.trace import TraceError
from sc4it.kernel.state import State
from sc4it.kernel.types import NodeCertification
from sc4it.tools import whatif
from sc4it.tools.cli_common import (
    EXIT_MISSING_EXTRA,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Subcommands,
    add_command,
    count,
    cycles,
    days,
    gib,
    load_policy,
    load_state,
    open_console,
    positive,
    seed,
    tft_amount,
    trace_error,
    usd,
)
from sc4it.tools.demo import run_demo, tft
from sc4it.tools.quote import (
    BILLS_PER_MONTH,
    PolicyProposal,
    Quote,
    QuoteError,
    Workload,
    apply_proposal,
    check_capacity,
    quote,
)

# --------------------------------------------------------------------------------------------------
# demo


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        return run_demo(json_output=args.json, cycles=args.cycles, trace=args.trace, overwrite=args.force)
    except FileExistsError:
        raise CliError(
            EXIT_USAGE, f"{args.trace} already exists", "choose another --trace path or add --force"
        ) from None
    except BrokenPipeError:  # the reader went away: main() ends quietly
        raise
    except OSError as e:
        raise CliError(
            EXIT_USAGE,
            f"cannot write the trace {args.trace}: {e.strerror or e}",
            "check the directory exists and is writable",
        ) from None


def add_demo_parser(sub: Subcommands) -> None:
    demo = add_command(
        sub,
        "demo",
        "run the seeds' story on the embedded default genesis",
        "A user deploys with a public IP, runs out of funds, is restored by a "
        "top-up, adds a name contract and cancels, printed as a timeline.",
    )
    demo.add_argument("--json", action="store_true", help="print JSON lines instead of the timeline")
    demo.add_argument(
        "--cycles",
        type=cycles,
        default=48,
        metavar="N",
        help="hourly billing cycles with the name contract before cancelling (default 48)",
    )
    demo.add_argument(
        "--trace", metavar="FILE", help="record the blocks to FILE (replay it with `sc4it replay`)"
    )
    demo.add_argument("--force", action="store_true", help="overwrite an existing --trace file")
    demo.set_defaults(func=cmd_demo)


# --------------------------------------------------------------------------------------------------
# quote


def cmd_quote(args: argparse.Namespace) -> int:
    state, prices = _quote_state(args)
    if args.policy is not None:
        state = apply_proposal(state, load_policy(args.policy))
        prices += f", under the proposal {args.policy}"
    certified = True if args.certified else (False if args.diy else None)
    node = 1 if args.node is None else args.node
    w = Workload(node, args.cru, args.mru, args.sru, args.hru, args.ips, args.name, args.rent, certified)
    if w.is_empty():
        raise CliError(
            EXIT_USAGE,
            "nothing to quote",
            "give resources (--cru/--mru/--sru/--hru), --ips, --name or --rent",
        )
    try:
        if args.node is not None and (w.has_node_contract or w.rent):
            check_capacity(state, w)
        q = quote(state, w, balance=args.balance)
    except QuoteError as e:
        raise CliError(EXIT_USAGE, str(e), "pick an existing --node (or another --genesis)") from None
    if args.json:
        print(json.dumps(_quote_json(args, q, prices), indent=2))
    else:
        _print_quote(q, prices)
    return EXIT_OK


def _quote_state(args: argparse.Namespace) -> tuple[State, str]:
    """The world `quote` prices in and a line saying whose prices those are (ANA-33): `--genesis FILE`,
    else `--network NAME`, else TFChain mainnet's."""
    if args.genesis is not None:
        if args.network is not None:
            raise CliError(EXIT_USAGE, "--genesis and --network cannot be combined", "pick one")
        return load_state(args.genesis), f"prices: pricing policy 1 of the genesis {args.genesis}"
    name = args.network or "mainnet"
    preset = PRESETS[name]
    note = f" (note: {preset.caveat})" if preset.caveat else ""
    default = "" if args.network else " (the default; --network testnet|devnet, or --genesis FILE)"
    return network_state(name), f"prices: {preset.describe()}{default}{note}"


def _quote_json(args: argparse.Namespace, q: Quote, prices: str) -> dict[str, Any]:
    lines = [
        {
            "kind": line.kind,
            "label": line.label,
            "discount_level": line.level.name.rstrip("_"),
            "usd_per_hour": usd(line.units_usd),
            "usd_per_month": usd(line.units_usd * BILLS_PER_MONTH),
            "tft_per_hour_before_discount": line.tft_before_discount,
            "tft_per_hour": line.tft,
            "tft_per_month": line.tft * BILLS_PER_MONTH,
        }
        for line in q.lines
    ]
    return {
        "network": args.network or ("genesis" if args.genesis else "mainnet"),
        "prices": prices,
        "tft_price_musd": q.price_musd,
        "balance": q.balance,
        "usable_balance": q.usable,
        "certification": q.certification.name,
        "notes": list(q.notes),
        "seconds_per_bill": q.secs,
        "bills_per_month": BILLS_PER_MONTH,
        "amounts": "tft_* in TFT units (1 TFT = 10^7 units); usd_* in USD (list price, before discount)",
        "lines": lines,
        "total": {
            "usd_per_hour": usd(q.total_units_usd),
            "usd_per_month": usd(q.total_units_usd * BILLS_PER_MONTH),
            "tft_per_hour": q.total_tft,
            "tft_per_month": q.total_tft * BILLS_PER_MONTH,
        },
    }


def _print_quote(q: Quote, prices: str) -> None:
    console = open_console()
    console.print(prices)
    certified = q.certification == NodeCertification.Certified
    table = Table(title="what billing would charge", title_justify="left")
    table.add_column("contract")
    table.add_column("discount")
    table.add_column("per hour", justify="right")
    table.add_column("per month (720 bills)", justify="right")
    for line in q.lines:
        table.add_row(
            line.label,
            line.level.name.rstrip("_")
            + (" ×1.25 certified" if line.kind != "extra_fee" and certified else ""),
            f"{usd(line.units_usd)} USD\n{tft(line.tft)}",
            f"{usd(line.units_usd * BILLS_PER_MONTH)} USD\n{tft(line.tft * BILLS_PER_MONTH)}",
        )
    if len(q.lines) > 1:
        table.add_row(
            "[bold]total[/bold]",
            "",
            f"{usd(q.total_units_usd)} USD\n{tft(q.total_tft)}",
            f"{usd(q.total_units_usd * BILLS_PER_MONTH)} USD\n{tft(q.total_tft * BILLS_PER_MONTH)}",
        )
    console.print(table)
    for note in q.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    console.print(
        "USD is the list price (pricing policy 1); TFT is what each hourly bill reserves after the "
        "discount, "
        f"at {q.price_musd} mUSD/TFT (1 TFT = {TFT_PRECISION:,} units). Discount from a balance of "
        f"{tft(q.balance)} (usable {tft(q.usable)}): 1.5 months of a contract's cost gives Default (-20%), "
        f"3 Bronze (-30%), 6 Silver (-40%), 18 Gold (-60%)."
    )


def add_quote_parser(sub: Subcommands) -> None:
    quote_p = add_command(
        sub,
        "quote",
        "what a deployment costs per hour and per month, as billing charges it",
        "The cost of a deployment, computed by billing's own functions (pricing policy 1, "
        "the clamped TFT price average, discount from the balance, certified ×1.25).",
    )
    quote_p.add_argument(
        "--node",
        type=positive,
        metavar="ID",
        help="the node (default 1); the workload must fit in its capacity when given",
    )
    quote_p.add_argument("--cru", type=count, default=0, metavar="N", help="virtual cores")
    quote_p.add_argument("--mru", type=gib, default=0, metavar="GIB", help="memory in GiB")
    quote_p.add_argument("--sru", type=gib, default=0, metavar="GIB", help="SSD storage in GiB")
    quote_p.add_argument("--hru", type=gib, default=0, metavar="GIB", help="HDD storage in GiB")
    quote_p.add_argument("--ips", type=count, default=0, metavar="N", help="public IPs")
    quote_p.add_argument("--name", action="store_true", help="add a name contract")
    quote_p.add_argument(
        "--rent",
        action="store_true",
        help="rent the whole node (rent contract; the node contract then pays only its IPs)",
    )
    cert = quote_p.add_mutually_exclusive_group()
    cert.add_argument(
        "--certified", action="store_true", help="price as a certified node (default: as registered)"
    )
    cert.add_argument("--diy", action="store_true", help="price as a DIY (uncertified) node")
    quote_p.add_argument(
        "--balance",
        type=tft_amount,
        default=0,
        metavar="TFT",
        help="the twin's free balance in TFT, which sets the discount level (default 0)",
    )
    quote_p.add_argument(
        "--network",
        choices=("mainnet", "testnet", "devnet"),
        help="price with this TFChain network's pricing policy (default: mainnet)",
    )
    quote_p.add_argument("--genesis", metavar="FILE", help="a genesis JSON file (instead of --network)")
    quote_p.add_argument("--policy", metavar="FILE", help="quote under a proposed pricing policy (JSON)")
    quote_p.add_argument("--json", action="store_true", help="print JSON")
    quote_p.set_defaults(func=cmd_quote)


# --------------------------------------------------------------------------------------------------
# whatif


def has_module(name: str) -> bool:
    """Whether the optional module `name` is installed (without importing it)."""
    return importlib.util.find_spec(name) is not None


def cmd_whatif(args: argparse.Namespace) -> int:
    if args.chart is not None and not has_module("matplotlib"):
        raise CliError(
            EXIT_MISSING_EXTRA,
            "--chart needs matplotlib, which is not installed",
            "pip install 'sc4it[plot]' (or drop --chart)",
        )
    if args.population is not None or args.mode == "sweep":
        return analysis_cli.run(args, CliError, open_console())
    if args.policy is None:
        raise CliError(
            EXIT_USAGE, "whatif needs --policy FILE (the proposal)", "see docs/pricing-analysis.md"
        )
    proposal = load_policy(args.policy)
    scenario = _whatif_scenario(args)
    console = open_console()
    comparison = _compare(args, scenario, proposal, console)
    changes = _proposal_changes(scenario.base, proposal)
    if args.json:
        print(json.dumps(_whatif_json(args, scenario, comparison, changes), indent=2))
    else:
        _print_whatif(args, console, scenario, comparison, changes)
    if args.chart is not None:
        try:
            whatif.chart(comparison, args.chart)
        except OSError as e:
            raise CliError(
                EXIT_USAGE,
                f"cannot write the chart {args.chart}: {e.strerror or e}",
                "check the directory exists and is writable",
            ) from None
        if not args.json:
            print(f"chart written to {args.chart}")
    return EXIT_OK


def _whatif_scenario(args: argparse.Namespace) -> whatif.Scenario:
    """The recorded trace of `--trace`, or a population generated on `--network` / `--genesis`."""
    if args.trace is not None:
        if args.genesis is not None:
            raise CliError(
                EXIT_USAGE,
                "--genesis cannot be combined with --trace",
                "a trace carries its own genesis; drop --genesis",
            )
        try:
            return whatif.scenario_from_trace(args.trace)
        except TraceError as e:
            raise trace_error(e) from None
    if args.network is not None and args.genesis is not None:
        raise CliError(EXIT_USAGE, "--genesis and --network cannot be combined", "pick one")
    state = network_state(args.network) if args.network is not None else load_state(args.genesis)
    try:
        return whatif.generate_population(args.users, args.seed, args.days, state)
    except (KeyError, ValueError, RuntimeError) as e:
        raise CliError(
            EXIT_USAGE,
            f"cannot generate a population on this genesis ({e})",
            "generated populations need the default genesis' nodes and dev keys; use --trace",
        ) from None


def _compare(
    args: argparse.Namespace, scenario: whatif.Scenario, proposal: PolicyProposal, console: Console
) -> whatif.Comparison:
    """Both runs, with a progress bar on a terminal when they are long."""
    total = 2 * scenario.blocks
    if args.json or args.no_progress or total <= 20_000 or not console.is_terminal:
        return whatif.compare(scenario, proposal)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("billing both policies", total=total)
        return whatif.compare(scenario, proposal, lambda n: bar.update(task, completed=n))


def _proposal_changes(state: State, proposal: PolicyProposal) -> list[str]:
    current = state.pricing_policies.get(BILLING_POLICY_ID)
    out = []
    for field in ("su", "cu", "nu", "ipu", "unique_name", "domain_name"):
        new = getattr(proposal, field)
        old = getattr(current, field) if current is not None else None
        if new is not None and new != old:
            was = f"{old.value} per {old.unit.name}" if old is not None else "-"
            out.append(f"{field}: {was} → {new.value} per {new.unit.name}")
    d = proposal.discount_for_dedication_nodes
    if d is not None and current is not None and d != current.discount_for_dedication_nodes:
        out.append(f"discount_for_dedication_nodes: {current.discount_for_dedication_nodes} → {d}")
    if proposal.tft_price is not None and proposal.tft_price != state.tft_price.billing_price():
        out.append(f"TFT price: {state.tft_price.billing_price()} → {proposal.tft_price} mUSD")
    return out


def _pct(a: int, b: int) -> str:
    if a == b:
        return "0%"
    if a == 0:
        return "new"
    return f"{(b - a) * 100 / a:+.1f}%"


def _whatif_prices(args: argparse.Namespace) -> str:
    """Whose prices the current side of a `whatif` uses (ANA-33)."""
    if args.trace is not None:
        return f"prices: pricing policy 1 of the trace's genesis ({args.trace})"
    if args.network is not None:
        return f"prices: {PRESETS[args.network].describe()}"
    if args.genesis is not None:
        return f"prices: pricing policy 1 of the genesis {args.genesis}"
    return (
        "prices: the embedded default genesis (TFChain's development chain-spec policy; "
        "--network mainnet for list prices)"
    )


def _whatif_json(
    args: argparse.Namespace, scenario: whatif.Scenario, comparison: whatif.Comparison, changes: list[str]
) -> dict[str, Any]:
    return {
        "scenario": scenario.description,
        "prices": _whatif_prices(args),
        "blocks": scenario.blocks,
        "changes": changes,
        "amounts": "TFT units (1 TFT = 10^7 units)",
        "aggregate": [
            {"metric": m, "current": a, "proposed": b, "delta": b - a} for m, a, b in comparison.aggregate()
        ],
        "contracts": [
            {
                "contract_id": d.contract_id,
                "kind": d.kind,
                "twin_id": d.twin_id,
                "current": {"paid": d.current.paid, "owed": d.current.owed, "end": d.current.end},
                "proposed": {"paid": d.proposed.paid, "owed": d.proposed.owed, "end": d.proposed.end},
                "delta": d.delta,
            }
            for d in comparison.contracts
        ],
    }


def _print_whatif(
    args: argparse.Namespace,
    console: Console,
    scenario: whatif.Scenario,
    comparison: whatif.Comparison,
    changes: list[str],
) -> None:
    console.print(
        f"[bold]what if[/bold] {scenario.description}, {scenario.blocks} blocks, "
        f"were billed under {args.policy}"
    )
    console.print(f"  current {_whatif_prices(args)}")
    for c in changes or ["(no change: the proposal equals the current policy)"]:
        console.print(f"  · {c}")
    agg = Table(title="aggregate", title_justify="left")
    for col in ("metric", "current", "proposed", "delta", ""):
        agg.add_column(col, justify="left" if col == "metric" else "right", no_wrap=col != "metric")
    for metric, a, b in comparison.aggregate():
        money = "(TFT)" in metric
        fmt = (lambda x: tft(x, "")) if money else str
        sign = "+" if b - a > 0 else ""
        agg.add_row(metric, fmt(a), fmt(b), sign + fmt(b - a), _pct(a, b))
    console.print(agg)
    console.print(_contracts_table(comparison.contracts, args.top))


def _contracts_table(deltas: list[whatif.ContractDelta], top: int) -> Table:
    shown = sorted(deltas, key=lambda d: (-abs(d.delta), d.contract_id))[:top]
    per = Table(
        title=f"contracts by size of change (top {len(shown)} of {len(deltas)})", title_justify="left"
    )
    for col in ("contract", "twin", "paid now", "paid proposed", "delta", "", "end"):
        per.add_column(
            col, justify="right" if col not in ("contract", "end") else "left", no_wrap=col != "end"
        )
    for d in shown:
        end = d.current.end if d.current.end == d.proposed.end else f"{d.current.end} → {d.proposed.end}"
        sign = "+" if d.delta > 0 else ""
        per.add_row(
            f"{d.contract_id} ({d.kind})",
            str(d.twin_id),
            tft(d.current.paid, ""),
            tft(d.proposed.paid, ""),
            sign + tft(d.delta, ""),
            _pct(d.current.paid, d.proposed.paid),
            end,
        )
    return per


def add_whatif_parser(sub: Subcommands) -> None:
    w = add_command(
        sub,
        "whatif",
        "bill one workload under the current and a proposed pricing policy",
        "Run the same workload (a recorded trace, or a seeded generated population) through the "
        "real billing twice and show per-contract and aggregate deltas.",
    )
    w.add_argument("--policy", metavar="FILE", help="the proposed pricing policy (JSON)")
    w.add_argument(
        "--trace", metavar="FILE", help="replay this recorded trace (default: a generated population)"
    )
    w.add_argument("--users", type=positive, default=40, metavar="N", help="generated users (default 40)")
    w.add_argument("--seed", type=seed, default=1, help="seed of the generated population (default 1)")
    w.add_argument("--days", type=days, default=30.0, help="days the generated population runs (default 30)")
    w.add_argument("--genesis", metavar="FILE", help="genesis JSON for the generated population")
    w.add_argument("--chart", metavar="PNG", help="also draw a chart (needs matplotlib: sc4it[plot])")
    w.add_argument("--top", type=positive, default=15, metavar="K", help="contracts shown (default 15)")
    w.add_argument("--json", action="store_true", help="print JSON (every contract)")
    w.add_argument("--no-progress", action="store_true", help="no progress bar")
    analysis_cli.add_options(w)
    w.set_defaults(func=cmd_whatif)
