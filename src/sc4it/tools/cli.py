"""The `sc4it` command line: `demo`, `quote`, `whatif`, `replay` (docs/embedding.md, docs/trace.md,
docs/pricing-analysis.md), and for auditors and developers `vectors` and `spec` (docs/audit.md,
spec/vectors/README.md), `node` and `net`. `main(argv) -> int` never raises for a person's mistake: it
prints what went wrong and how to fix it and returns one of the documented exit codes (`EXIT_*`,
`sc4it --help`). The commands live in `cli_pricing`, `cli_replay` and `cli_dev`; what they share in
`cli_common`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sc4it import __version__
from sc4it.analysis import cli as analysis_cli
from sc4it.net.cli import add_net_parser
from sc4it.node import run as node_run
from sc4it.tools.cli_common import (
    EXIT_CHECK_FAILED,
    EXIT_CODES_HELP,
    EXIT_CORRUPT,
    EXIT_INTERRUPTED,
    EXIT_MISSING_EXTRA,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Parser,
    err,
    load_policy,
)
from sc4it.tools.cli_dev import add_spec_parser, add_vectors_parser
from sc4it.tools.cli_pricing import add_demo_parser, add_quote_parser, add_whatif_parser
from sc4it.tools.cli_replay import add_replay_parser

__all__ = [
    "EXIT_CHECK_FAILED",
    "EXIT_CORRUPT",
    "EXIT_INTERRUPTED",
    "EXIT_MISSING_EXTRA",
    "EXIT_OK",
    "EXIT_USAGE",
    "CliError",
    "build_parser",
    "main",
]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="sc4it",
        description="A formally specified Python twin of TFChain's smart contract for IT.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_demo_parser(sub)
    add_quote_parser(sub)
    add_whatif_parser(sub)
    add_replay_parser(sub)
    add_vectors_parser(sub)
    add_spec_parser(sub)
    add_net_parser(sub)
    node_run.register(sub, EXIT_CODES_HELP)
    analysis_cli.add_genesis_parser(sub, lambda a: analysis_cli.genesis_command(a, CliError, load_policy))
    return parser


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
            print(__version__)
            return EXIT_OK
        if not hasattr(args, "func"):
            parser.print_help()
            return EXIT_USAGE
        code: int = args.func(args)
        return code
    except (CliError, node_run.NodeRunError) as e:
        err(e.what, e.fix)
        return e.code
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else EXIT_OK
    except KeyboardInterrupt:
        err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `sc4it demo | head`
        _silence_stdout()
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
