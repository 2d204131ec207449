"""`decode` on the worst inputs found (spec/encoding.md, ENC-14), against an ordinary input of the same size.

Every entry of `sc4it.testing.hostile_cbor.corpus()` at least 64 KiB long is decoded as a `State` (a
snapshot's or a vector's top-level type) and as a `SignedCall`; its CPU time is divided by the time to
decode an ordinary, valid `State` encoding of about the same size (a world of accounts and twins). A ratio
near or below 1 means the input costs no more than honest input of its size: the pre-pass refuses most of
them after reading a few bytes, and those it lets through (well-formed items of the subset) are built in
O(n). Before ENC-14, a tag-4 input of this size took about 107 s (a ratio in the thousands).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from sc4it.kernel.codec import decode, encode
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State
from sc4it.testing.hostile_cbor import corpus

from .bench_foundation import world
from .report import record

LARGE = [(name, data) for name, data in corpus() if len(data) >= 1 << 16]


def cpu_seconds(f: Callable[[], object], rounds: int = 3) -> float:
    """The least CPU time of `rounds` calls of `f` (process time: a busy neighbour barely moves it)."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        with contextlib.suppress(DecodeError):
            f()
        best = min(best, time.process_time() - t0)
    return best


def ordinary(size: int) -> bytes:
    """A valid `State` encoding of about `size` bytes."""
    per_account = len(encode(world(1000), State)) // 1000
    return encode(world(max(1, size // per_account)), State)


def ratios() -> list[tuple[str, int, float, float]]:
    """(name, bytes, worst CPU seconds, ratio to a valid state of the same size) for each large input."""
    honest = ordinary(max(len(data) for _, data in LARGE))
    base = cpu_seconds(lambda: decode(honest, State, max_bytes=None))
    out = []
    for name, data in LARGE:
        worst = max(cpu_seconds(lambda d=data, t=t: decode(d, t)) for t in (State, SignedCall))  # type: ignore[misc]
        out.append((name, len(data), worst, worst / base * len(honest) / len(data)))
    return out


def test_hostile_decode_ratio(benchmark: Any) -> None:
    rows = benchmark.pedantic(ratios, rounds=1, iterations=1)
    for name, size, worst, ratio in rows:
        record(
            benchmark,
            f"decode hostile / valid: {name}",
            0,
            ratio,
            "x",
            note=f"{size:,} B, {worst * 1e3:.1f} ms",
        )
    assert max(r for *_, r in rows) < 10, rows


if __name__ == "__main__":  # PYTHONPATH=src:. python -m benchmarks.bench_hostile_decode
    print("| input | bytes | CPU ms | ratio to a valid state of the same size |")
    print("| --- | ---: | ---: | ---: |")
    for name, size, worst, ratio in sorted(ratios(), key=lambda r: -r[3]):
        print(f"| {name} | {size:,} | {worst * 1e3:.1f} | {ratio:.2f} |")
