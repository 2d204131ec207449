"""The scale benchmarks' results table (bench_billing, bench_contracts, bench_codec, bench_memory).

Each benchmark appends a row to `ROWS` (and to its `extra_info`): the operation, the population size
(live node contracts) and its figures. `write_tables(terminalreporter)` prints them, one line per
operation with a column per size and the 1M / 1k ratio, as in benchmarks/README.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import timeit
from collections.abc import Callable
from typing import Any

ROWS: list[dict[str, Any]] = []
"""{"op", "size", "value", "unit", "note"}: `value` is a median in `unit` (µs, ms, s, bytes)."""

SIZES = [1_000, 100_000, 1_000_000]


def record(benchmark: Any, op: str, size: int, value: float, unit: str, **extra: Any) -> None:
    row: dict[str, Any] = {"op": op, "size": size, "value": value, "unit": unit, **extra}
    benchmark.extra_info.update(row)
    ROWS.append(row)


def median_us(benchmark: Any) -> float | None:
    """The median of the benchmark's rounds in µs (None under --benchmark-disable)."""
    stats = getattr(getattr(benchmark, "stats", None), "stats", None)
    return None if stats is None else float(stats.median) * 1e6


def interleaved(
    f: Callable[[], object], g: Callable[[], object], rounds: int = 30, number: int = 50
) -> dict[str, float]:
    """Time `f` and `g` in alternating batches (a busy neighbour slows both alike); µs per call: the
    medians and the minima, and the ratios f/g of each."""
    tf, tg = timeit.Timer(f), timeit.Timer(g)
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        a.append(tf.timeit(number) / number * 1e6)
        b.append(tg.timeit(number) / number * 1e6)
    return {
        "median_us": statistics.median(a),
        "other_median_us": statistics.median(b),
        "ratio_median": statistics.median(a) / statistics.median(b),
        "min_us": min(a),
        "other_min_us": min(b),
        "ratio_min": min(a) / min(b),
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:  # pragma: no cover - not Linux
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}"


def _fmt(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value:,.0f} B"
    if unit == "µs":
        return f"{value:,.1f} µs"
    if unit == "ms":
        return f"{value:,.2f} ms"
    if unit == "s":
        return f"{value:,.2f} s"
    return f"{value:,.2f} {unit}"


def table_lines() -> list[str]:
    """Markdown lines: per operation its median at each size and the 1M / 1k ratio, then the extras."""
    ops: dict[str, dict[int, dict[str, Any]]] = {}
    for row in ROWS:
        ops.setdefault(row["op"], {})[row["size"]] = row
    sizes = sorted({row["size"] for row in ROWS})
    head = " | ".join(f"{s:,}" for s in sizes)
    lines = [
        f"| operation (median) | {head} | largest / smallest |",
        "| --- | " + " | ".join("---:" for _ in sizes) + " | ---: |",
    ]
    for op, by_size in ops.items():
        cells = [_fmt(by_size[s]["value"], by_size[s]["unit"]) if s in by_size else "" for s in sizes]
        present = sorted(by_size)
        ratio = (
            f"{by_size[present[-1]]['value'] / by_size[present[0]]['value']:.2f}"
            if len(present) > 1 and by_size[present[0]]["value"]
            else ""
        )
        lines.append(f"| {op} | " + " | ".join(cells) + f" | {ratio} |")
    notes = [
        f"- {op} @ {size:,}: {row['note']}"
        for op, by_size in ops.items()
        for size, row in sorted(by_size.items())
        if row.get("note")
    ]
    return [*lines, "", *notes] if notes else lines


def write_tables(terminalreporter: Any) -> None:
    if not ROWS:
        return
    tr = terminalreporter
    tr.section(f"sc4it at scale (live node contracts; {machine()})")
    for line in table_lines():
        tr.write_line(line)
