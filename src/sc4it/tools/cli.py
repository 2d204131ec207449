"""The `sc4it` command line: `demo`, `quote`, `whatif`, `replay` (docs/embedding.md, docs/trace.md,
docs/pricing-analysis.md), and for auditors and developers `vectors` and `spec` (docs/audit.md,
spec/vectors/README.md). `main(argv) -> int` never raises for a person's mistake: it prints what went
wrong and how to fix it and returns one of the documented exit codes (`EXIT_*`, `sc4it --help`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from sc4it.net.cli import add_net_parser
from sc4it.node import run as node_run

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_CORRUPT = 3
EXIT_MISSING_EXTRA = 4
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """\
exit codes:
  0    success
  1    a check failed (replay: a block's state root differs from the recorded one;
       vectors verify: a vector does not replay; spec coverage: a traceability problem;
       vectors generate: the tests failed under the recorder)
  2    usage error: bad arguments, a file that cannot be read or is not what was expected (not a
       trace, invalid genesis or policy JSON, not a vectors directory), a workload that cannot be
       quoted, a developer command run outside a source checkout (no tests/ or spec/)
  3    corrupted input: a torn or damaged trace (the intact blocks before it are still replayed),
       a damaged snapshot, a malformed vector file
  4    an optional extra is missing (whatif --chart needs matplotlib: pip install 'sc4it[plot]')
  130  interrupted (Ctrl-C)
"""


class CliError(Exception):
    """A mistake a person can make: `what` went wrong, `fix` says how to fix it, `code` is the exit code."""

    def __init__(self, code: int, what: str, fix: str = "") -> None:
        super().__init__(what)
        self.code = code
        self.what = what
        self.fix = fix


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliError(EXIT_USAGE, message, f"see `{self.prog} --help`")


# --------------------------------------------------------------------------------------------------
# Argument types


def _decimal(text: str, what: str) -> Decimal:
    if len(text) > 100:
        raise argparse.ArgumentTypeError(f"a number of {len(text)} characters ({what}): give at most 100")
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number ({what})") from None
    if not d.is_finite() or d < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a non-negative number ({what})")
    return d


U64_MAX = (1 << 64) - 1


def _scaled(text: str, scale: int, what: str) -> int:
    d = _decimal(text, what)
    if d > Decimal(U64_MAX) / scale:  # before multiplying: 1e999999 would overflow the context
        raise argparse.ArgumentTypeError(f"{text!r} is absurdly large ({what})")
    d = d * scale
    if d != d.to_integral_value():
        raise argparse.ArgumentTypeError(f"{text!r} is finer than the smallest unit ({what})")
    return int(d)


def gib(text: str) -> int:
    """A size in GiB (decimals allowed) → bytes."""
    return _scaled(text, 1 << 30, "a size in GiB")


def tft_amount(text: str) -> int:
    """An amount of TFT (at most 7 decimals) → TFT units."""
    return _scaled(text, 10**7, "an amount of TFT, at most 7 decimals")


def count(text: str) -> int:
    """A whole number from 0 to 2^32 - 1 (no count sc4it takes is larger)."""
    if len(text) > 20:
        raise argparse.ArgumentTypeError(f"a number of {len(text)} digits: give at most 20")
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    if n >= 1 << 32:
        raise argparse.ArgumentTypeError(f"{text!r} is absurdly large (at most {(1 << 32) - 1})")
    return n


def seed(text: str) -> int:
    """A seed: a whole number from 0 to 2^63 - 1."""
    try:
        value = int(text) if len(text) <= 20 else -1
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 1 << 63:
        raise argparse.ArgumentTypeError(f"{text[:30]!r}: a seed is a whole number from 0 to 2^63 - 1")
    return value


def cycles(text: str) -> int:
    """The demo's billing cycles: 1 to MAX_DEMO_CYCLES."""
    n = positive(text)
    if n > MAX_DEMO_CYCLES:
        raise argparse.ArgumentTypeError(f"at most {MAX_DEMO_CYCLES} cycles (a month of hourly bills)")
    return n


MAX_DEMO_CYCLES = 720


def positive(text: str) -> int:
    n = count(text)
    if n == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def days(text: str) -> float:
    d = _decimal(text, "a number of days")
    if d == 0 or d > 3650:
        raise argparse.ArgumentTypeError(f"{text!r}: give between a few blocks' worth and 3650 days")
    return float(d)


# --------------------------------------------------------------------------------------------------
# Shared helpers


def _load_state(path: str | None) -> Any:
    from sc4it import genesis

    if path is None:
        return genesis.default()
    try:
        g = genesis.load(path)
        return genesis.build(g)
    except OSError as e:
        raise CliError(
            EXIT_USAGE,
            f"cannot read the genesis file {path}: {e.strerror or e}",
            "check the path (omit --genesis to use the embedded default genesis)",
        ) from None
    except UnicodeDecodeError:
        raise CliError(
            EXIT_USAGE,
            f"{path} is not a UTF-8 JSON genesis file",
            "pass a genesis JSON file (see src/sc4it/data/default_genesis.json)",
        ) from None
    except genesis.GenesisError as e:
        raise CliError(
            EXIT_USAGE,
            f"invalid genesis {path}: {e}",
            "fix that field (spec/genesis.md; src/sc4it/data/default_genesis.json is an example)",
        ) from None


def _load_policy(path: str) -> Any:
    from sc4it.tools.quote import PolicyFileError, read_policy_file

    try:
        return read_policy_file(path)
    except PolicyFileError as e:
        raise CliError(
            EXIT_USAGE,
            f"bad policy file: {e}",
            "see docs/pricing-analysis.md for the format; every field is optional",
        ) from None


def _trace_error(e: Exception) -> CliError:
    from sc4it.host.trace import TraceError

    assert isinstance(e, TraceError)
    if e.kind == "unreadable":
        return CliError(EXIT_USAGE, f"{e.path}: {e.message}", "check the path and permissions")
    if e.kind == "locked":
        return CliError(
            EXIT_USAGE,
            f"{e.path}: {e.message}",
            "wait until the other writer has finished (TRC-04), then retry",
        )
    if e.kind == "not-a-trace":
        return CliError(
            EXIT_USAGE,
            f"{e.path}: {e.message}",
            "pass a file written by sc4it.host.chain.Chain (e.g. `sc4it demo --trace FILE`)",
        )
    return CliError(
        EXIT_CORRUPT,
        f"{e.path}: {e.message}",
        "the file cannot be used; restore it from a copy or record it again",
    )


def _console() -> Any:
    """Rich console; when the output is not a terminal (a pipe, a file, a test) lines are 120 wide
    instead of rich's 80 so tables of amounts are not squeezed."""
    from sc4it.tools.console import make_console

    console = make_console()
    return console


def _usd(units: int) -> str:
    whole, frac = divmod(units, 10**7)
    return f"{whole:,}.{frac:07d}"


# --------------------------------------------------------------------------------------------------
# demo


def _cmd_demo(args: argparse.Namespace) -> int:
    from sc4it.tools.demo import run_demo

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


# --------------------------------------------------------------------------------------------------
# quote


def _cmd_quote(args: argparse.Namespace) -> int:
    from sc4it.contracts.billing.cost import TFT_PRECISION
    from sc4it.tools.quote import (
        BILLS_PER_MONTH,
        QuoteError,
        Workload,
        apply_proposal,
        check_capacity,
        quote,
    )

    state, prices = _quote_state(args)
    if args.policy is not None:
        state = apply_proposal(state, _load_policy(args.policy))
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
    price = q.price_musd

    def month_usd(units: int) -> int:
        return units * BILLS_PER_MONTH

    if args.json:
        lines = [
            {
                "kind": line.kind,
                "label": line.label,
                "discount_level": line.level.name.rstrip("_"),
                "usd_per_hour": _usd(line.units_usd),
                "usd_per_month": _usd(month_usd(line.units_usd)),
                "tft_per_hour_before_discount": line.tft_before_discount,
                "tft_per_hour": line.tft,
                "tft_per_month": line.tft * BILLS_PER_MONTH,
            }
            for line in q.lines
        ]
        doc = {
            "network": args.network or ("genesis" if args.genesis else "mainnet"),
            "prices": prices,
            "tft_price_musd": price,
            "balance": q.balance,
            "usable_balance": q.usable,
            "certification": q.certification.name,
            "notes": list(q.notes),
            "seconds_per_bill": q.secs,
            "bills_per_month": BILLS_PER_MONTH,
            "amounts": "tft_* in TFT units (1 TFT = 10^7 units); usd_* in USD (list price, before discount)",
            "lines": lines,
            "total": {
                "usd_per_hour": _usd(q.total_units_usd),
                "usd_per_month": _usd(month_usd(q.total_units_usd)),
                "tft_per_hour": q.total_tft,
                "tft_per_month": q.total_tft * BILLS_PER_MONTH,
            },
        }
        print(json.dumps(doc, indent=2))
        return EXIT_OK
    from rich.table import Table

    from sc4it.tools.demo import tft

    console = _console()
    console.print(prices)
    table = Table(title="what billing would charge", title_justify="left")
    table.add_column("contract")
    table.add_column("discount")
    table.add_column("per hour", justify="right")
    table.add_column("per month (720 bills)", justify="right")
    for line in q.lines:
        table.add_row(
            line.label,
            line.level.name.rstrip("_")
            + (" ×1.25 certified" if line.kind != "extra_fee" and _certified(q) else ""),
            f"{_usd(line.units_usd)} USD\n{tft(line.tft)}",
            f"{_usd(month_usd(line.units_usd))} USD\n{tft(line.tft * BILLS_PER_MONTH)}",
        )
    if len(q.lines) > 1:
        table.add_row(
            "[bold]total[/bold]",
            "",
            f"{_usd(q.total_units_usd)} USD\n{tft(q.total_tft)}",
            f"{_usd(month_usd(q.total_units_usd))} USD\n{tft(q.total_tft * BILLS_PER_MONTH)}",
        )
    console.print(table)
    for note in q.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    console.print(
        "USD is the list price (pricing policy 1); TFT is what each hourly bill reserves after the "
        "discount, "
        f"at {price} mUSD/TFT (1 TFT = {TFT_PRECISION:,} units). Discount from a balance of {tft(q.balance)} "
        f"(usable {tft(q.usable)}): 1.5 months of a contract's cost gives Default (-20%), 3 Bronze (-30%), "
        f"6 Silver (-40%), 18 Gold (-60%)."
    )
    return EXIT_OK


def _quote_state(args: argparse.Namespace) -> tuple[Any, str]:
    """The world `quote` prices in and a line saying whose prices those are (ANA-33): `--genesis FILE`,
    else `--network NAME`, else TFChain mainnet's."""
    from sc4it.analysis.presets import PRESETS, network_state

    if args.genesis is not None:
        if args.network is not None:
            raise CliError(EXIT_USAGE, "--genesis and --network cannot be combined", "pick one")
        return _load_state(args.genesis), f"prices: pricing policy 1 of the genesis {args.genesis}"
    name = args.network or "mainnet"
    preset = PRESETS[name]
    note = f" (note: {preset.caveat})" if preset.caveat else ""
    default = "" if args.network else " (the default; --network testnet|devnet, or --genesis FILE)"
    return network_state(name), f"prices: {preset.describe()}{default}{note}"


def _certified(q: Any) -> bool:
    from sc4it.kernel.types import NodeCertification

    return bool(q.certification == NodeCertification.Certified)


# --------------------------------------------------------------------------------------------------
# whatif


def _proposal_changes(state: Any, proposal: Any) -> list[str]:
    from sc4it.contracts.billing.payment import BILLING_POLICY_ID

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


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _whatif_prices(args: argparse.Namespace) -> str:
    """Whose prices the current side of a `whatif` uses (ANA-33)."""
    if args.trace is not None:
        return f"prices: pricing policy 1 of the trace's genesis ({args.trace})"
    if args.network is not None:
        from sc4it.analysis.presets import PRESETS

        return f"prices: {PRESETS[args.network].describe()}"
    if args.genesis is not None:
        return f"prices: pricing policy 1 of the genesis {args.genesis}"
    return (
        "prices: the embedded default genesis (TFChain's development chain-spec policy; "
        "--network mainnet for list prices)"
    )


def _cmd_whatif(args: argparse.Namespace) -> int:
    from sc4it.host.trace import TraceError
    from sc4it.tools import whatif
    from sc4it.tools.demo import tft

    if args.chart is not None and not _has_module("matplotlib"):
        raise CliError(
            EXIT_MISSING_EXTRA,
            "--chart needs matplotlib, which is not installed",
            "pip install 'sc4it[plot]' (or drop --chart)",
        )
    if args.population is not None or args.mode == "sweep":
        from sc4it.analysis import cli as analysis_cli

        return analysis_cli.run(args, CliError, _console())
    if args.policy is None:
        raise CliError(
            EXIT_USAGE, "whatif needs --policy FILE (the proposal)", "see docs/pricing-analysis.md"
        )
    proposal = _load_policy(args.policy)
    if args.trace is not None:
        if args.genesis is not None:
            raise CliError(
                EXIT_USAGE,
                "--genesis cannot be combined with --trace",
                "a trace carries its own genesis; drop --genesis",
            )
        try:
            scenario = whatif.scenario_from_trace(args.trace)
        except TraceError as e:
            raise _trace_error(e) from None
    else:
        if args.network is not None and args.genesis is not None:
            raise CliError(EXIT_USAGE, "--genesis and --network cannot be combined", "pick one")
        if args.network is not None:
            from sc4it.analysis.presets import network_state

            state = network_state(args.network)
        else:
            state = _load_state(args.genesis)
        try:
            scenario = whatif.generate_population(args.users, args.seed, args.days, state)
        except (KeyError, ValueError, RuntimeError) as e:
            raise CliError(
                EXIT_USAGE,
                f"cannot generate a population on this genesis ({e})",
                "generated populations need the default genesis' nodes and dev keys; use --trace",
            ) from None
    total = 2 * scenario.blocks
    console = _console()
    show_progress = not args.json and not args.no_progress and total > 20_000 and console.is_terminal
    if show_progress:
        from rich.progress import Progress

        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("billing both policies", total=total)
            comparison = whatif.compare(scenario, proposal, lambda n: bar.update(task, completed=n))
    else:
        comparison = whatif.compare(scenario, proposal)
    changes = _proposal_changes(scenario.base, proposal)
    deltas = comparison.contracts
    shown = sorted(deltas, key=lambda d: (-abs(d.delta), d.contract_id))[: args.top]
    if args.json:
        doc = {
            "scenario": scenario.description,
            "prices": _whatif_prices(args),
            "blocks": scenario.blocks,
            "changes": changes,
            "amounts": "TFT units (1 TFT = 10^7 units)",
            "aggregate": [
                {"metric": m, "current": a, "proposed": b, "delta": b - a}
                for m, a, b in comparison.aggregate()
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
                for d in deltas
            ],
        }
        print(json.dumps(doc, indent=2))
    else:
        from rich.table import Table

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
        console.print(per)
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


# --------------------------------------------------------------------------------------------------
# replay


def _cmd_replay(args: argparse.Namespace) -> int:
    from sc4it.host.chain import Chain
    from sc4it.host.trace import ProblemKind, TraceError, read_trace, truncate_trace
    from sc4it.tools.demo import Names, block_json, describe_call, describe_event

    try:
        contents = read_trace(args.trace)
    except TraceError as e:
        raise _trace_error(e) from None
    chain = Chain.from_trace_header(contents.header)
    names = Names(chain.state)
    console = None if args.json else _console()
    out: Any = console.print if console is not None else None
    base_ok = chain.root == contents.header.root
    if not base_ok and args.check:
        msg = "the trace's base state does not match its recorded root"
        _report_mismatch(args, console, contents.header.block, contents.header.root, chain.root, msg)
        return EXIT_CHECK_FAILED
    differing = 0 if base_ok else 1
    first: tuple[int, list[tuple[str, int, list[str]]]] | None = None
    for rec in contents.blocks:
        before = chain.state
        result = chain.apply_recorded(rec)
        if args.json and not args.quiet and result.eventful:
            print(json.dumps(block_json(result, names)))
        elif out is not None and not args.quiet and result.eventful:
            for c in result.calls:
                status = "" if c.error is None else f"  [failed: {c.error.name}]"
                out(
                    f"#{rec.number:<7} {names.account(c.signed.signer)}: "
                    f"{describe_call(c.signed.call, names)}{status}",
                    markup=False,
                )
                for ev in c.events:
                    out(f"           → {describe_event(ev, names)}", markup=False)
            for ev in result.hook_events:
                out(f"#{rec.number:<7} billing: {describe_event(ev, names)}", markup=False)
        if result.root != rec.root:
            changed = _changed_maps(before, chain.state)
            if args.check:
                msg = f"state root differs; {_describe_changes(changed)}"
                _report_mismatch(args, console, rec.number, rec.root, result.root, msg, changed)
                return EXIT_CHECK_FAILED
            differing += 1
            first = first or (rec.number, changed)
    last_recorded = contents.blocks[-1].root if contents.blocks else contents.header.root
    summary = {
        "type": "end",
        "blocks": len(contents.blocks),
        "last_block": chain.block,
        "state_root": chain.root.hex(),
        "matches_recorded": chain.root == last_recorded,
        "blocks_differing": differing,
        "first_difference": None
        if first is None
        else {"block": first[0], "changed": _changes_json(first[1])},
        "problem": None,
    }
    code = (
        EXIT_CHECK_FAILED if differing else EXIT_OK
    )  # differing recorded roots fail with or without --check
    problem = contents.problem
    fix = ""
    if problem is not None:
        torn = problem.kind is ProblemKind.TORN
        summary["problem"] = {
            "kind": problem.kind.value,
            "offset": problem.offset,
            "message": problem.message,
            "last_good_block": problem.last_good_block,
        }
        lost = _file_size(args.trace) - problem.offset
        if args.repair:
            try:
                truncate_trace(args.trace, contents.good_length)
            except TraceError as e:
                raise _trace_error(e) from None
            fix = f"repaired: cut back to its {contents.good_length} intact bytes ({lost} bytes dropped)"
        else:
            code = code if args.allow_torn and torn else EXIT_CORRUPT
            fix = f"every block up to #{problem.last_good_block} is intact and was replayed; " + (
                "--repair cuts the torn tail off (Chain.resume does the same), --allow-torn accepts it"
                if torn
                else f"the {lost} bytes from there on cannot be read: restore the file from a copy, "
                "or --repair to keep only the intact prefix"
            )
    if args.json:
        print(json.dumps(summary))
    else:
        assert console is not None
        console.print(
            f"replayed {len(contents.blocks)} blocks (to #{chain.block}); "
            f"state root [bold]{chain.root.hex()}[/bold]"
        )
        if differing:
            where = "" if first is None else f"; the first is #{first[0]}: {_describe_changes(first[1])}"
            console.print(
                f"[yellow]{differing} block(s) differ from the recorded roots[/yellow]{where}; "
                "run with --check to stop at the first one",
                markup=True,
            )
        else:
            scope = "every" if problem is None else "every intact"
            lead = "check passed: " if args.check else ""
            console.print(f"{lead}{scope} block's state root matches the recorded one")
    if problem is not None:
        what = "torn last record" if problem.kind is ProblemKind.TORN else "damaged record"
        _err(
            f"{args.trace}: {what} at byte {problem.offset} ({problem.message})",
            fix,
            level="error" if code != EXIT_OK else "warning",
        )
    return code


def _file_size(path: str) -> int:
    import os

    try:
        return os.path.getsize(path)
    except OSError:  # pragma: no cover - it was just read
        return 0


MAX_KEYS_SHOWN = 5
"""A mismatch lists at most this many keys per storage map (and how many there are)."""


def _changed_maps(before: Any, after: Any) -> list[tuple[str, int, list[str]]]:
    """The storage items a block changed: (name, how many keys, up to MAX_KEYS_SHOWN of them). A trace
    records only roots, so the item that diverged is one of these."""
    from sc4it.kernel.pmap import PMap, PSet
    from sc4it.kernel.state import STATE_FIELDS

    out: list[tuple[str, int, list[str]]] = []
    for name in STATE_FIELDS:
        a, b = getattr(before, name), getattr(after, name)
        if a is b or a == b:
            continue
        if isinstance(a, PMap) and isinstance(b, PMap):
            keys = [k for k in {*a.keys(), *b.keys()} if a.get(k) != b.get(k)]
        elif isinstance(a, PSet) and isinstance(b, PSet):
            keys = [k for k in {*a, *b} if (k in a) != (k in b)]
        else:
            keys = []
        shown = sorted(keys, key=repr)[:MAX_KEYS_SHOWN]
        out.append((name, len(keys), [k.hex()[:16] if isinstance(k, bytes) else repr(k) for k in shown]))
    return out


def _describe_changes(changed: list[tuple[str, int, list[str]]]) -> str:
    if not changed:
        return "the block changed no storage item (the recorded root is for another state)"
    parts = [
        name if not n else f"{name} ({n} key{'s' * (n != 1)}: {', '.join(keys)}{', ...' * (n > len(keys))})"
        for name, n, keys in changed
    ]
    return "the recomputed block changed " + "; ".join(parts) + " (one of these diverged)"


def _changes_json(changed: list[tuple[str, int, list[str]]]) -> dict[str, Any]:
    return {name: {"keys": n, "shown": keys} for name, n, keys in changed}


def _report_mismatch(
    args: argparse.Namespace,
    console: Any,
    block: int,
    recorded: bytes,
    computed: bytes,
    msg: str,
    changed: list[tuple[str, int, list[str]]] | None = None,
) -> None:
    if args.json:
        print(
            json.dumps(
                {
                    "type": "mismatch",
                    "block": block,
                    "recorded_root": recorded.hex(),
                    "computed_root": computed.hex(),
                    "message": msg,
                    "changed": _changes_json(changed or []),
                }
            )
        )
    _err(
        f"check failed at block #{block}: {msg}\n  recorded {recorded.hex()}\n  computed {computed.hex()}",
        "the trace was recorded by a different sc4it version or altered after recording; "
        "the blocks before it replay identically",
    )


# --------------------------------------------------------------------------------------------------
# vectors


def _cmd_vectors_generate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sc4it.conformance import vectors

    root = Path(args.root).resolve() if args.root else vectors.find_root()
    if root is None:
        raise CliError(
            EXIT_USAGE,
            "no source checkout found (a directory with tests/vectors_recorder.py and spec/)",
            "run from a checkout of sc4it with the test extra (pip install -e '.[test]'), or pass --root",
        )
    out = Path(args.out) if args.out else root / "spec" / "vectors"
    try:
        report = vectors.generate(out, root, quiet=not args.verbose)
    except vectors.GenerateError as e:
        raise CliError(e.code, e.what, e.fix) from None
    size = vectors.size_on_disk(out)
    print(
        f"wrote {report.cases} cases ({report.steps} steps, {report.states} pre-states), "
        f"{report.decode_cases} decode cases and {report.function_cases} function cases to {out} "
        f"({size / 1e6:.1f} MB); all replay"
    )
    return EXIT_OK


def _cmd_vectors_verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sc4it.conformance import vectors

    d = Path(args.directory)
    if not (d / "cases").is_dir():
        raise CliError(
            EXIT_USAGE,
            f"{d} is not a vectors directory (no cases/)",
            "pass the directory holding cases/, states/ and index.json (e.g. spec/vectors)",
        )
    if args.sample is not None and not 0 < args.sample <= 1:
        raise CliError(EXIT_USAGE, "--sample must be a fraction in (0, 1]", "e.g. --sample 0.1")
    try:
        report = vectors.verify(d, sample=args.sample, seed=args.seed)
    except vectors.VectorFormatError as e:
        raise CliError(
            EXIT_CORRUPT, f"malformed vector file: {e}", "regenerate it (sc4it vectors generate)"
        ) from None
    if args.json:
        print(
            json.dumps(
                {
                    "files": report.files,
                    "cases": report.cases,
                    "steps": report.steps,
                    "decode_cases": report.decode_cases,
                    "function_cases": report.function_cases,
                    "states": report.states,
                    "mismatches": [m.as_json() for m in report.mismatches],
                    "ok": report.ok,
                },
                indent=1,
            )
        )
    else:
        for m in report.mismatches:
            print(m.line())
        verdict = "all match" if report.ok else f"{len(report.mismatches)} mismatch(es)"
        print(
            f"replayed {report.cases} cases ({report.steps} steps from {report.states} pre-states), "
            f"{report.decode_cases} decode cases and {report.function_cases} function cases in "
            f"{report.files} files: {verdict}"
        )
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


# --------------------------------------------------------------------------------------------------
# spec


def _cmd_spec_coverage(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sc4it.conformance import speccov
    from sc4it.kernel.errors import Error

    root = Path(args.root).resolve() if args.root else _checkout()
    if root is None or not (root / "spec").is_dir() or not (root / "tests").is_dir():
        raise CliError(
            EXIT_USAGE,
            "no source checkout found (a directory with spec/ and tests/)",
            "run from a checkout of sc4it, or pass --root",
        )
    spec = speccov.load_spec(root / "spec")
    tests = speccov.load_tests(root, spec.known_prefixes())
    vecs = speccov.load_vectors(root / "spec" / "vectors")
    problems = speccov.problems(
        spec, tests, [m.name for m in Error], speccov.source_text(root / "src" / "sc4it")
    )
    rows = speccov.coverage(spec, tests, vecs)
    shown = [r for r in rows if not (r.tests and r.vectors)] if args.missing_only else rows
    rules = [r for r in rows if not r.rule.startswith(speccov.UNCITED_OK)]
    summary = {
        "rules": len(rules),
        "with_tests": sum(1 for r in rules if r.tests),
        "with_vectors": sum(1 for r in rules if r.vectors),
        "vectors_found": vecs is not None,
        "problems": problems,
    }
    if args.json:
        doc = {
            "rules": [
                {
                    "rule": r.rule,
                    "file": r.file,
                    "title": r.title,
                    "tests": list(r.tests),
                    "vectors": list(r.vectors),
                }
                for r in shown
            ],
            "summary": summary,
        }
        print(json.dumps(doc, indent=1))
    else:
        for r in shown:
            print(f"{r.rule:<12} spec/{r.file}  tests: {len(r.tests)}  vectors: {len(r.vectors)}  {r.title}")
            for t in r.tests:
                print(f"    test    {t}")
            for v in r.vectors[:3]:
                print(f"    vector  {v}")
            if len(r.vectors) > 3:
                print(f"    vector  ... and {len(r.vectors) - 3} more (--json lists them all)")
        print(
            f"{summary['rules']} rules (DEV/EXT entries excepted): {summary['with_tests']} cited by tests, "
            f"{summary['with_vectors']} covered by vectors"
            + ("" if vecs is not None else " (no spec/vectors/index.json: run `sc4it vectors generate`)")
        )
        for p in problems:
            print(f"problem: {p}")
    return EXIT_CHECK_FAILED if problems else EXIT_OK


def _checkout() -> Any:
    from pathlib import Path

    here = Path.cwd().resolve()
    for c in (here, *here.parents, Path(__file__).resolve().parents[2]):
        if (c / "spec").is_dir() and (c / "tests").is_dir():
            return c
    return None


# --------------------------------------------------------------------------------------------------
# The parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sc4it",
        description="A formally specified Python twin of TFChain's smart contract for IT.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="run the seeds' story on the embedded default genesis",
        description="A user deploys with a public IP, runs out of funds, is restored by a "
        "top-up, adds a name contract and cancels, printed as a timeline.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    demo.set_defaults(func=_cmd_demo)

    quote = sub.add_parser(
        "quote",
        help="what a deployment costs per hour and per month, as billing charges it",
        description="The cost of a deployment, computed by billing's own functions (pricing policy 1, "
        "the clamped TFT price average, discount from the balance, certified ×1.25).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    quote.add_argument(
        "--node",
        type=positive,
        metavar="ID",
        help="the node (default 1); the workload must fit in its capacity when given",
    )
    quote.add_argument("--cru", type=count, default=0, metavar="N", help="virtual cores")
    quote.add_argument("--mru", type=gib, default=0, metavar="GIB", help="memory in GiB")
    quote.add_argument("--sru", type=gib, default=0, metavar="GIB", help="SSD storage in GiB")
    quote.add_argument("--hru", type=gib, default=0, metavar="GIB", help="HDD storage in GiB")
    quote.add_argument("--ips", type=count, default=0, metavar="N", help="public IPs")
    quote.add_argument("--name", action="store_true", help="add a name contract")
    quote.add_argument(
        "--rent",
        action="store_true",
        help="rent the whole node (rent contract; the node contract then pays only its IPs)",
    )
    cert = quote.add_mutually_exclusive_group()
    cert.add_argument(
        "--certified", action="store_true", help="price as a certified node (default: as registered)"
    )
    cert.add_argument("--diy", action="store_true", help="price as a DIY (uncertified) node")
    quote.add_argument(
        "--balance",
        type=tft_amount,
        default=0,
        metavar="TFT",
        help="the twin's free balance in TFT, which sets the discount level (default 0)",
    )
    quote.add_argument(
        "--network",
        choices=("mainnet", "testnet", "devnet"),
        help="price with this TFChain network's pricing policy (default: mainnet)",
    )
    quote.add_argument("--genesis", metavar="FILE", help="a genesis JSON file (instead of --network)")
    quote.add_argument("--policy", metavar="FILE", help="quote under a proposed pricing policy (JSON)")
    quote.add_argument("--json", action="store_true", help="print JSON")
    quote.set_defaults(func=_cmd_quote)

    whatif = sub.add_parser(
        "whatif",
        help="bill one workload under the current and a proposed pricing policy",
        description="Run the same workload (a recorded trace, or a seeded generated population) through the "
        "real billing twice and show per-contract and aggregate deltas.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    whatif.add_argument("--policy", metavar="FILE", help="the proposed pricing policy (JSON)")
    whatif.add_argument(
        "--trace", metavar="FILE", help="replay this recorded trace (default: a generated population)"
    )
    whatif.add_argument(
        "--users", type=positive, default=40, metavar="N", help="generated users (default 40)"
    )
    whatif.add_argument("--seed", type=seed, default=1, help="seed of the generated population (default 1)")
    whatif.add_argument(
        "--days", type=days, default=30.0, help="days the generated population runs (default 30)"
    )
    whatif.add_argument("--genesis", metavar="FILE", help="genesis JSON for the generated population")
    whatif.add_argument("--chart", metavar="PNG", help="also draw a chart (needs matplotlib: sc4it[plot])")
    whatif.add_argument("--top", type=positive, default=15, metavar="K", help="contracts shown (default 15)")
    whatif.add_argument("--json", action="store_true", help="print JSON (every contract)")
    whatif.add_argument("--no-progress", action="store_true", help="no progress bar")
    from sc4it.analysis import cli as analysis_cli

    analysis_cli.add_options(whatif)
    whatif.set_defaults(func=_cmd_whatif)

    replay = sub.add_parser(
        "replay",
        help="replay a recorded trace and print its events and final state root",
        description="Re-execute every block of a trace (docs/trace.md). With --check, stop at the first "
        "block "
        "whose state root differs from the recorded one.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("trace", metavar="TRACE", help="a trace file written by sc4it.host.chain.Chain")
    replay.add_argument(
        "--check", action="store_true", help="stop at the first block whose root differs (exit 1)"
    )
    replay.add_argument("--json", action="store_true", help="print JSON lines")
    replay.add_argument("--quiet", action="store_true", help="print only the summary")
    replay.add_argument("--repair", action="store_true", help="cut a torn or damaged tail off the file")
    replay.add_argument(
        "--allow-torn", action="store_true", help="a torn last record is not an error (exit 0)"
    )
    replay.set_defaults(func=_cmd_replay)

    vec = sub.add_parser(
        "vectors",
        help="generate or verify the conformance vectors (spec/vectors/README.md)",
        description="Conformance vectors: cases of signed calls and blocks with the expected events, "
        "error and state root after each step, plus decode cases.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    vsub = vec.add_subparsers(dest="vectors_command", metavar="SUBCOMMAND")
    gen = vsub.add_parser(
        "generate",
        help="record the vectors from the test suite (developer command)",
        description="Runs the tests of sc4it.conformance.vectors.DEFAULT_SELECTION under pytest "
        "with the recorder "
        "(tests/vectors_recorder.py) enabled, checks that every recorded case replays and replaces "
        "cases/, states/ and index.json in the output directory. Needs a source checkout (tests/, "
        "spec/) and the test extra (pip install -e '.[test]'); exits 2 without them.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gen.add_argument("--out", metavar="DIR", help="output directory (default: spec/vectors of the checkout)")
    gen.add_argument("--root", metavar="DIR", help="the source checkout (default: found from here)")
    gen.add_argument("--verbose", action="store_true", help="show pytest's output")
    gen.set_defaults(func=_cmd_vectors_generate)
    ver = vsub.add_parser(
        "verify",
        help="replay vectors and report every mismatch",
        description="Replays every case from its pre-state with sc4it.apply / sc4it.on_block and every "
        "decode case with sc4it.decode; prints each mismatch as: file, case, step, field, expected, got.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ver.add_argument("directory", metavar="DIR", help="a vectors directory (e.g. spec/vectors)")
    ver.add_argument("--json", action="store_true", help="print a JSON report")
    ver.add_argument(
        "--sample", type=float, metavar="FRACTION", help="replay only this fraction of the cases (0..1]"
    )
    ver.add_argument("--seed", type=seed, default=0, help="seed of the --sample choice (default 0)")
    ver.set_defaults(func=_cmd_vectors_verify)
    vec.set_defaults(func=lambda a: _sub_help(vec))

    spec = sub.add_parser(
        "spec",
        help="traceability between spec rules, tests and vectors (developer command)",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ssub = spec.add_subparsers(dest="spec_command", metavar="SUBCOMMAND")
    cov = ssub.add_parser(
        "coverage",
        help="per rule id, the tests and the vectors that cover it",
        description="Lists every rule defined in spec/*.md with the tests that cite it and the vector "
        "cases that cover it (spec/vectors/index.json), then the traceability problems of "
        "spec/README.md (exit 1 if there is any). Needs a source checkout.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cov.add_argument("--json", action="store_true", help="print JSON (every test and vector case)")
    cov.add_argument(
        "--missing-only", action="store_true", help="only rules without a test or without a vector"
    )
    cov.add_argument("--root", metavar="DIR", help="the source checkout (default: found from here)")
    cov.set_defaults(func=_cmd_spec_coverage)
    spec.set_defaults(func=lambda a: _sub_help(spec))
    add_net_parser(sub)
    node_run.register(sub, EXIT_CODES_HELP)
    return parser


def _sub_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return EXIT_USAGE


def _err(what: str, fix: str = "", level: str = "error") -> None:
    print(f"sc4it: {level}: {what}", file=sys.stderr)
    if fix:
        print(f"  how to fix: {fix}", file=sys.stderr)


def _tolerant_streams() -> None:
    """A terminal that cannot show a character (LC_ALL=C, PYTHONIOENCODING=ascii) gets `?`, not a
    UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _silence_stdout() -> None:
    """After a broken pipe (`sc4it demo | head`): send what is left to /dev/null so the interpreter's
    final flush does not fail too (which would exit 120)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout is not a real file
        pass


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.version:
            from sc4it import __version__

            print(__version__)
            return EXIT_OK
        if not hasattr(args, "func"):
            parser.print_help()
            return EXIT_USAGE
        code: int = args.func(args)
        return code
    except (CliError, node_run.NodeRunError) as e:
        _err(e.what, e.fix)
        return e.code
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else EXIT_OK
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `sc4it demo | head`
        _silence_stdout()
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
