"""Benchmarks (run with `python -m pytest benchmarks/ --benchmark-only`; not part of the test suite).

pytest collects `bench_*.py` here. Each benchmark records, in `benchmark.extra_info`, the number of
accounts and the time of `apply` and of a bare ed25519 verification of the same signed message, measured
in alternating batches, with their ratio (minima and medians); the terminal summary prints them as the
table of benchmarks/README.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

RESULTS: list[dict[str, Any]] = []
"""Rows appended by the benchmarks: op, accounts, min_us, verify_min_us, ratio (of the minima, the least
noise-sensitive estimate), median_us, verify_median_us, ratio_median."""


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Module | None:
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from .report import write_tables

    write_tables(terminalreporter)  # the scale benchmarks (bench_billing, bench_contracts, ...)
    if not RESULTS:
        return
    tr = terminalreporter
    tr.section("sc4it: apply vs a bare ed25519 verify of the same message (interleaved timings)")
    tr.write_line(
        "| operation | accounts | apply min µs | verify min µs | ratio | apply median µs | ratio (medians) |"
    )
    tr.write_line("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in sorted(RESULTS, key=lambda r: (r["op"], r["accounts"])):
        tr.write_line(
            f"| {r['op']} | {r['accounts']:,} | {r['min_us']:.1f} | {r['verify_min_us']:.1f} "
            f"| {r['ratio']:.2f} | {r['median_us']:.1f} | {r['ratio_median']:.2f} |"
        )
