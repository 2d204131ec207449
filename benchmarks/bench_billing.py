"""Billing at 1k, 100k and 1M live node contracts (benchmarks/population.py builds them in seconds).

- `bill one contract`: one atomic step of `on_block` (savepoint + `bill_contract`) on the block's
  transaction, after another bill warmed it (views created, billing context read), for a typical node
  contract (reported resources, no IP, no NU, no distribution): the same contract every round (caches
  warm) and a different contract every round (rotating over up to 2000 contracts spread over the whole
  population: the memory of a large state is cold);
- `bill one contract, standalone`: a fresh transaction, `bill_contract`, `commit` (what a
  `BillContractForBlock` call costs without its signature);
- `on_block`: the production billing block (`BLOCK % 600`, ~1/600 of all contracts, of which the idle
  node contracts are skipped by `should_bill`).

Targets (benchmarks/README.md): one bill <= 20 µs with 1M / 1k <= 1.3; `on_block` at 1M <= 50 ms.
"""

from __future__ import annotations

import gc
import itertools
from typing import Any

import pytest

from sc4it.contracts.billing import bill_contract
from sc4it.contracts.billing.payment import Pricing, pricing_of
from sc4it.kernel.events import ContractBilled
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import NodeContract
from sc4it.runtime import on_block

from .population import Population, population
from .report import SIZES, median_us, record

ROUNDS = {1_000: 2000, 100_000: 2000, 1_000_000: 2000}
BLOCK_ROUNDS = {1_000: 300, 100_000: 60, 1_000_000: 20}


def world(n: int) -> Population:
    """The population, built once per session; its objects are then moved out of the garbage
    collector's generations (`gc.freeze`), as a long-running host holding a large state should do."""
    pop = population(n)
    gc.collect()
    gc.freeze()
    return pop


def typical_contracts(pop: Population, limit: int) -> list[int]:
    """Up to `limit` node contracts with reported resources, no IP and no NU, spread over all ids, whose
    bill at the benchmark block does not distribute (cycle < 23)."""
    s = pop.state
    step = max(1, pop.contracts // (4 * limit))
    out: list[int] = []
    for cid in range(1, s.contract_id + 1, step):
        ct = s.contracts[cid].contract_type
        if (
            isinstance(ct, NodeContract)
            and ct.public_ips == 0
            and cid in s.node_contract_resources
            and s.contract_billing_information_by_id[cid].amount_unbilled == 0
            and s.contract_payment_state[cid].cycles < 23
        ):
            out.append(cid)
            if len(out) == limit:
                break
    return out


def _bills(tx: Tx, cid: int) -> bool:
    return any(isinstance(e, ContractBilled) and e.contract_bill.contract_id == cid for e in tx.events)


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"{n}-contracts")
def test_bill_one_contract(benchmark: Any, n: int) -> None:
    """One `on_block` step on a warm block transaction, the same typical contract every round."""
    pop = world(n)
    state, env = pop.state, pop.env
    target, warm = pop.billed_contract(), typical_contracts(pop, 2)[-1]
    assert target != warm

    def setup() -> tuple[tuple[Tx, Pricing], dict[str, Any]]:
        tx = Tx(state, env)
        pricing = pricing_of(tx)  # once per block, as bill_shard does
        bill_contract(tx, warm, pricing)
        return (tx, pricing), {}

    def step(tx: Tx, pricing: Pricing) -> None:
        tx.savepoint()
        bill_contract(tx, target, pricing)

    (tx, pricing), _ = setup()
    step(tx, pricing)
    assert _bills(tx, target)
    benchmark.pedantic(step, setup=setup, rounds=ROUNDS[n], iterations=1, warmup_rounds=500)
    value = median_us(benchmark)
    if value is not None:
        record(benchmark, "bill one contract (on_block step, same contract)", n, value, "µs")


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"{n}-contracts")
def test_bill_one_contract_rotating(benchmark: Any, n: int) -> None:
    """One `on_block` step on a warm block transaction, a different contract every round (cold memory)."""
    pop = world(n)
    state, env = pop.state, pop.env
    targets = typical_contracts(pop, 2000)
    warm = targets.pop()
    cycle = itertools.cycle(targets)

    def setup() -> tuple[tuple[Tx, Pricing, int], dict[str, Any]]:
        tx = Tx(state, env)
        pricing = pricing_of(tx)  # once per block, as bill_shard does
        bill_contract(tx, warm, pricing)
        return (tx, pricing, next(cycle)), {}

    def step(tx: Tx, pricing: Pricing, cid: int) -> None:
        tx.savepoint()
        bill_contract(tx, cid, pricing)

    (tx, pricing, cid), _ = setup()
    step(tx, pricing, cid)
    assert _bills(tx, cid)
    # Few warm-up rounds: 2,050 rounds over 1,999 targets (at 100k and 1M), so almost every bill is cold.
    benchmark.pedantic(step, setup=setup, rounds=ROUNDS[n], iterations=1, warmup_rounds=50)
    value = median_us(benchmark)
    if value is not None:
        note = f"{len(targets)} distinct contracts"
        record(benchmark, "bill one contract (on_block step, rotating)", n, value, "µs", note=note)


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"{n}-contracts")
def test_bill_one_contract_standalone(benchmark: Any, n: int) -> None:
    """A fresh transaction, `bill_contract`, `commit` (cold transaction, same contract)."""
    pop = world(n)
    state, env = pop.state, pop.env
    target = pop.billed_contract()

    def standalone() -> Tx:
        tx = Tx(state, env)
        bill_contract(tx, target, pricing_of(tx))
        tx.commit()
        return tx

    assert _bills(standalone(), target)
    benchmark.pedantic(standalone, rounds=ROUNDS[n], iterations=1, warmup_rounds=500)
    value = median_us(benchmark)
    if value is not None:
        record(benchmark, "bill one contract, standalone (Tx + bill + commit)", n, value, "µs")


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"{n}-contracts")
def test_on_block(benchmark: Any, n: int) -> None:
    """`on_block` at the benchmark block: the production shard (1/600 of all contracts)."""
    pop = world(n)
    state, env = pop.state, pop.env
    out = on_block(state, env)
    billed = sum(isinstance(e, ContractBilled) for e in out.events)
    shard = len(state.contracts_to_bill_at[env.number % state.billing_frequency])
    benchmark.pedantic(on_block, args=(state, env), rounds=BLOCK_ROUNDS[n], iterations=1, warmup_rounds=2)
    value = median_us(benchmark)
    if value is not None:
        per = value / billed if billed else 0.0
        note = f"shard of {shard} contracts, {billed} billed, {len(out.events)} events, {per:.1f} µs per bill"
        record(benchmark, "on_block (production shard)", n, value / 1000, "ms", note=note, billed=billed)


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"{n}-contracts")
def test_on_block_tuned_gc(benchmark: Any, n: int) -> None:
    """`on_block` as above, with the collector's first generation threshold raised to 50 000 allocations
    (the default is 700), a common setting for a process holding a large long-lived heap."""
    pop = world(n)
    state, env = pop.state, pop.env
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, thresholds[1], thresholds[2])
    try:
        benchmark.pedantic(on_block, args=(state, env), rounds=BLOCK_ROUNDS[n], iterations=1, warmup_rounds=2)
    finally:
        gc.set_threshold(*thresholds)
    value = median_us(benchmark)
    if value is not None:
        record(benchmark, "on_block (production shard), gc gen0 threshold 50 000", n, value / 1000, "ms")
