"""Memory per live node contract: `tracemalloc` over building the population (benchmarks/population.py),
divided by its number of live node contracts. Everything the population adds to the default genesis
counts (its name contracts, user twins and accounts, nodes and farms, every index and billing shard);
deployment data is empty (the shared `b""`), so no deployment payload is included. Target: <= 2 KiB.

tracemalloc slows allocation down about tenfold: the 1M case takes a few minutes (deselect it with
`-k "not 1000000"`)."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import pytest

from sc4it.genesis import default

from .population import build_population
from .report import SIZES, record


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"{n}-contracts")
def test_memory_per_node_contract(benchmark: Any, n: int) -> None:
    default()  # the genesis the population grows from is not counted
    measured: dict[str, int] = {}

    def build() -> None:
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        pop = build_population(n)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        measured["bytes"] = after - before
        measured["contracts"] = pop.contracts
        del pop

    benchmark.pedantic(build, rounds=1, iterations=1)
    per = measured["bytes"] / n
    assert per <= 2048, per
    note = (
        f"{measured['bytes'] / 2**20:,.0f} MiB for {measured['contracts']:,} contracts ({n:,} node contracts)"
    )
    record(benchmark, "state bytes per live node contract (tracemalloc)", n, per, "bytes", note=note)
