"""`sc4it vectors generate|verify` and `sc4it spec coverage` (docs/audit.md, spec/vectors/README.md):
the developer and auditor commands around the conformance vectors and the spec's traceability."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sc4it.conformance import speccov, vectors
from sc4it.kernel.errors import Error
from sc4it.tools.cli_common import (
    EXIT_CHECK_FAILED,
    EXIT_CORRUPT,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Subcommands,
    add_command,
    seed,
    sub_help,
)

# --------------------------------------------------------------------------------------------------
# vectors


def cmd_vectors_generate(args: argparse.Namespace) -> int:
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


def cmd_vectors_verify(args: argparse.Namespace) -> int:
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


def cmd_spec_coverage(args: argparse.Namespace) -> int:
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


def _checkout() -> Path | None:
    here = Path.cwd().resolve()
    for c in (here, *here.parents, Path(__file__).resolve().parents[2]):
        if (c / "spec").is_dir() and (c / "tests").is_dir():
            return c
    return None


def add_vectors_parser(sub: Subcommands) -> None:
    vec = add_command(
        sub,
        "vectors",
        "generate or verify the conformance vectors (spec/vectors/README.md)",
        "Conformance vectors: cases of signed calls and blocks with the expected events, "
        "error and state root after each step, plus decode cases.",
    )
    vsub = vec.add_subparsers(dest="vectors_command", metavar="SUBCOMMAND")
    gen = add_command(
        vsub,
        "generate",
        "record the vectors from the test suite (developer command)",
        "Runs the tests of sc4it.conformance.vectors.DEFAULT_SELECTION under pytest "
        "with the recorder "
        "(tests/vectors_recorder.py) enabled, checks that every recorded case replays and replaces "
        "cases/, states/ and index.json in the output directory. Needs a source checkout (tests/, "
        "spec/) and the test extra (pip install -e '.[test]'); exits 2 without them.",
    )
    gen.add_argument("--out", metavar="DIR", help="output directory (default: spec/vectors of the checkout)")
    gen.add_argument("--root", metavar="DIR", help="the source checkout (default: found from here)")
    gen.add_argument("--verbose", action="store_true", help="show pytest's output")
    gen.set_defaults(func=cmd_vectors_generate)
    ver = add_command(
        vsub,
        "verify",
        "replay vectors and report every mismatch",
        "Replays every case from its pre-state with sc4it.apply / sc4it.on_block and every "
        "decode case with sc4it.decode; prints each mismatch as: file, case, step, field, expected, got.",
    )
    ver.add_argument("directory", metavar="DIR", help="a vectors directory (e.g. spec/vectors)")
    ver.add_argument("--json", action="store_true", help="print a JSON report")
    ver.add_argument(
        "--sample", type=float, metavar="FRACTION", help="replay only this fraction of the cases (0..1]"
    )
    ver.add_argument("--seed", type=seed, default=0, help="seed of the --sample choice (default 0)")
    ver.set_defaults(func=cmd_vectors_verify)
    vec.set_defaults(func=lambda a: sub_help(vec))


def add_spec_parser(sub: Subcommands) -> None:
    spec = add_command(sub, "spec", "traceability between spec rules, tests and vectors (developer command)")
    ssub = spec.add_subparsers(dest="spec_command", metavar="SUBCOMMAND")
    cov = add_command(
        ssub,
        "coverage",
        "per rule id, the tests and the vectors that cover it",
        "Lists every rule defined in spec/*.md with the tests that cite it and the vector "
        "cases that cover it (spec/vectors/index.json), then the traceability problems of "
        "spec/README.md (exit 1 if there is any). Needs a source checkout.",
    )
    cov.add_argument("--json", action="store_true", help="print JSON (every test and vector case)")
    cov.add_argument(
        "--missing-only", action="store_true", help="only rules without a test or without a vector"
    )
    cov.add_argument("--root", metavar="DIR", help="the source checkout (default: found from here)")
    cov.set_defaults(func=cmd_spec_coverage)
    spec.set_defaults(func=lambda a: sub_help(spec))
