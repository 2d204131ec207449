"""`sc4it replay` (docs/trace.md): re-execute every block of a recorded trace, print its events and
check its state roots (TRC-02..TRC-04)."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import attrs
from rich.console import Console

from sc4it.host.chain import Chain
from sc4it.host.trace import ProblemKind, TraceBlock, TraceContents, TraceError, read_trace, truncate_trace
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.state import STATE_FIELDS, State
from sc4it.tools.cli_common import (
    EXIT_CHECK_FAILED,
    EXIT_CORRUPT,
    EXIT_OK,
    Subcommands,
    add_command,
    err,
    open_console,
    trace_error,
)
from sc4it.tools.demo import Names, block_json, describe_call, describe_event

Changed = list[tuple[str, int, list[str]]]
"""The storage items a block changed: (name, how many keys, up to MAX_KEYS_SHOWN of them)."""

MAX_KEYS_SHOWN = 5
"""A mismatch lists at most this many keys per storage map (and how many there are)."""


@attrs.define
class _Replay:
    """How the replay of the blocks went."""

    differing: int = 0
    first: tuple[int, Changed] | None = None
    failed_check: bool = False


def cmd_replay(args: argparse.Namespace) -> int:
    try:
        contents = read_trace(args.trace)
    except TraceError as e:
        raise trace_error(e) from None
    chain = Chain.from_trace_header(contents.header)
    console = None if args.json else open_console()
    if chain.root != contents.header.root and args.check:
        msg = "the trace's base state does not match its recorded root"
        _report_mismatch(args, contents.header.block, contents.header.root, chain.root, msg)
        return EXIT_CHECK_FAILED
    run = _replay_blocks(args, contents, chain, console)
    if run.failed_check:
        return EXIT_CHECK_FAILED
    code = EXIT_CHECK_FAILED if run.differing else EXIT_OK  # with or without --check
    code, fix, problem_json = _trace_problem(args, contents, code)
    last_recorded = contents.blocks[-1].root if contents.blocks else contents.header.root
    summary = {
        "type": "end",
        "blocks": len(contents.blocks),
        "last_block": chain.block,
        "state_root": chain.root.hex(),
        "matches_recorded": chain.root == last_recorded,
        "blocks_differing": run.differing,
        "first_difference": None
        if run.first is None
        else {"block": run.first[0], "changed": _changes_json(run.first[1])},
        "problem": problem_json,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        assert console is not None
        _print_summary(args, console, contents, chain, run)
    problem = contents.problem
    if problem is not None:
        what = "torn last record" if problem.kind is ProblemKind.TORN else "damaged record"
        err(
            f"{args.trace}: {what} at byte {problem.offset} ({problem.message})",
            fix,
            level="error" if code != EXIT_OK else "warning",
        )
    return code


def _replay_blocks(
    args: argparse.Namespace, contents: TraceContents, chain: Chain, console: Console | None
) -> _Replay:
    """Every intact block, its events printed; with --check, stop at the first differing root."""
    names = Names(chain.state)
    run = _Replay(differing=0 if chain.root == contents.header.root else 1)
    for rec in contents.blocks:
        before = chain.state
        result = chain.apply_recorded(rec)
        if not args.quiet and result.eventful:
            if args.json:
                print(json.dumps(block_json(result, names)))
            elif console is not None:
                _print_block(console, rec, result, names)
        if result.root != rec.root:
            changed = _changed_maps(before, chain.state)
            if args.check:
                msg = f"state root differs; {_describe_changes(changed)}"
                _report_mismatch(args, rec.number, rec.root, result.root, msg, changed)
                run.failed_check = True
                return run
            run.differing += 1
            run.first = run.first or (rec.number, changed)
    return run


def _print_block(console: Console, rec: TraceBlock, result: Any, names: Names) -> None:
    out = console.print
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


def _trace_problem(
    args: argparse.Namespace, contents: TraceContents, code: int
) -> tuple[int, str, dict[str, Any] | None]:
    """A torn or damaged tail (TRC-03): the exit code, how to fix it, and its JSON; --repair cuts it."""
    problem = contents.problem
    if problem is None:
        return code, "", None
    as_json = {
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
            raise trace_error(e) from None
        return (
            code,
            f"repaired: cut back to its {contents.good_length} intact bytes ({lost} bytes dropped)",
            as_json,
        )
    torn = problem.kind is ProblemKind.TORN
    code = code if args.allow_torn and torn else EXIT_CORRUPT
    fix = f"every block up to #{problem.last_good_block} is intact and was replayed; " + (
        "--repair cuts the torn tail off (Chain.resume does the same), --allow-torn accepts it"
        if torn
        else f"the {lost} bytes from there on cannot be read: restore the file from a copy, "
        "or --repair to keep only the intact prefix"
    )
    return code, fix, as_json


def _print_summary(
    args: argparse.Namespace, console: Console, contents: TraceContents, chain: Chain, run: _Replay
) -> None:
    console.print(
        f"replayed {len(contents.blocks)} blocks (to #{chain.block}); "
        f"state root [bold]{chain.root.hex()}[/bold]"
    )
    if run.differing:
        where = (
            "" if run.first is None else f"; the first is #{run.first[0]}: {_describe_changes(run.first[1])}"
        )
        console.print(
            f"[yellow]{run.differing} block(s) differ from the recorded roots[/yellow]{where}; "
            "run with --check to stop at the first one",
            markup=True,
        )
    else:
        scope = "every" if contents.problem is None else "every intact"
        lead = "check passed: " if args.check else ""
        console.print(f"{lead}{scope} block's state root matches the recorded one")


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # pragma: no cover - it was just read
        return 0


def _changed_maps(before: State, after: State) -> Changed:
    """The storage items a block changed. A trace records only roots, so the item that diverged is one
    of these."""
    out: Changed = []
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


def _describe_changes(changed: Changed) -> str:
    if not changed:
        return "the block changed no storage item (the recorded root is for another state)"
    parts = [
        name if not n else f"{name} ({n} key{'s' * (n != 1)}: {', '.join(keys)}{', ...' * (n > len(keys))})"
        for name, n, keys in changed
    ]
    return "the recomputed block changed " + "; ".join(parts) + " (one of these diverged)"


def _changes_json(changed: Changed) -> dict[str, Any]:
    return {name: {"keys": n, "shown": keys} for name, n, keys in changed}


def _report_mismatch(
    args: argparse.Namespace,
    block: int,
    recorded: bytes,
    computed: bytes,
    msg: str,
    changed: Changed | None = None,
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
    err(
        f"check failed at block #{block}: {msg}\n  recorded {recorded.hex()}\n  computed {computed.hex()}",
        "the trace was recorded by a different sc4it version or altered after recording; "
        "the blocks before it replay identically",
    )


def add_replay_parser(sub: Subcommands) -> None:
    replay = add_command(
        sub,
        "replay",
        "replay a recorded trace and print its events and final state root",
        "Re-execute every block of a trace (docs/trace.md). With --check, stop at the first block "
        "whose state root differs from the recorded one.",
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
    replay.set_defaults(func=cmd_replay)
