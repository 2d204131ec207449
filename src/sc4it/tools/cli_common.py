"""What every `sc4it` command shares: the exit codes, `CliError`, the argument types, and the loading
of genesis, policy and trace files with a person's error for each (`sc4it.tools.cli` assembles the
commands)."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, TypeAlias

from rich.console import Console

from sc4it import genesis
from sc4it.host.trace import TraceError
from sc4it.kernel.state import State
from sc4it.tools.console import make_console
from sc4it.tools.quote import PolicyFileError, PolicyProposal, read_policy_file

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


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliError(EXIT_USAGE, message, f"see `{self.prog} --help`")


# --------------------------------------------------------------------------------------------------
# Argument types


def decimal(text: str, what: str) -> Decimal:
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


def scaled(text: str, scale: int, what: str) -> int:
    d = decimal(text, what)
    if d > Decimal(U64_MAX) / scale:  # before multiplying: 1e999999 would overflow the context
        raise argparse.ArgumentTypeError(f"{text!r} is absurdly large ({what})")
    d = d * scale
    if d != d.to_integral_value():
        raise argparse.ArgumentTypeError(f"{text!r} is finer than the smallest unit ({what})")
    return int(d)


def gib(text: str) -> int:
    """A size in GiB (decimals allowed) → bytes."""
    return scaled(text, 1 << 30, "a size in GiB")


def tft_amount(text: str) -> int:
    """An amount of TFT (at most 7 decimals) → TFT units."""
    return scaled(text, 10**7, "an amount of TFT, at most 7 decimals")


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
    d = decimal(text, "a number of days")
    if d == 0 or d > 3650:
        raise argparse.ArgumentTypeError(f"{text!r}: give between a few blocks' worth and 3650 days")
    return float(d)


# --------------------------------------------------------------------------------------------------
# Files a command reads


def load_state(path: str | None) -> State:
    """The state of the genesis file `path` (the embedded default genesis when None)."""
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


def load_policy(path: str) -> PolicyProposal:
    """The proposed pricing policy of the JSON file `path`."""
    try:
        return read_policy_file(path)
    except PolicyFileError as e:
        raise CliError(
            EXIT_USAGE,
            f"bad policy file: {e}",
            "see docs/pricing-analysis.md for the format; every field is optional",
        ) from None


def trace_error(e: TraceError) -> CliError:
    """The person's view of a trace that cannot be used."""
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


def open_console() -> Console:
    """Rich console; when the output is not a terminal (a pipe, a file, a test) lines are 120 wide
    instead of rich's 80 so tables of amounts are not squeezed."""
    made: Console = make_console()
    return made


def usd(units: int) -> str:
    """Units USD (10^7 per USD) as a USD amount with seven decimals."""
    whole, frac = divmod(units, 10**7)
    return f"{whole:,}.{frac:07d}"


Subcommands: TypeAlias = "argparse._SubParsersAction[Any]"
"""What `add_subparsers` returns: each command module adds its parsers to it."""


def add_command(
    sub: Subcommands,
    name: str,
    help: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A sub-command whose help ends with the exit codes."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def sub_help(parser: argparse.ArgumentParser) -> int:
    """A command group run without its sub-command: its help, and a usage exit."""
    parser.print_help()
    return EXIT_USAGE


def err(what: str, fix: str = "", level: str = "error") -> None:
    """`sc4it: error: what` and how to fix it, on stderr."""
    print(f"sc4it: {level}: {what}", file=sys.stderr)
    if fix:
        print(f"  how to fix: {fix}", file=sys.stderr)
