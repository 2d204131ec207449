"""Where a cold bill's time goes: the experiment behind "Cold memory" in benchmarks/README.md.

    PYTHONPATH=src .venv/bin/python -m benchmarks.cold_memory 1000 100000 1000000

Each variant bills its own share of contracts not touched before (so every bill starts cold), but just
before timing a bill it reads some of that bill's records (the contract, its payment state, resources,
billing information, twin + account, node). The drop from the "none" variant is what those cold
lookups cost.

Each timing is one `on_block` step (savepoint + `bill_contract`) on a block transaction warmed by
another bill, as in bench_billing.py's rotating benchmark; medians of `time.perf_counter_ns`. Not a
pytest benchmark: it prints, it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from sc4it.contracts.billing import bill_contract
from sc4it.contracts.billing.payment import pricing_of
from sc4it.kernel.state import State
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import NodeContract

from .bench_billing import typical_contracts, world


def _read_contract(state: State, cid: int) -> None:
    ct = state.contracts[cid].contract_type
    assert isinstance(ct, NodeContract)


def _read_payment(state: State, cid: int) -> None:
    state.contract_payment_state[cid].get_reserve()


def _read_resources(state: State, cid: int) -> None:
    state.node_contract_resources[cid].used.is_empty()


def _read_billing_info(state: State, cid: int) -> None:
    _ = state.contract_billing_information_by_id[cid].amount_unbilled


def _read_account(state: State, cid: int) -> None:
    twin = state.twins[state.contracts[cid].twin_id]
    _ = state.accounts[twin.account_id].free


def _read_node(state: State, cid: int) -> None:
    ct = state.contracts[cid].contract_type
    assert isinstance(ct, NodeContract)
    _ = state.nodes[ct.node_id].farm_id


Warm = Callable[[State, int], None]
PARTS: dict[str, Warm] = {
    "contract": _read_contract,
    "payment state": _read_payment,
    "resources": _read_resources,
    "billing information": _read_billing_info,
    "twin + account": _read_account,
    "node": _read_node,
}
"""Each reads one part of a bill's records. "twin + account" and "node" find them through the contract
record, so they warm it too: compare those two with the "contract" variant, the others with "none"."""


def _timed_bills(n: int, cids: list[int], before: Callable[[int], None]) -> float:
    pop = world(n)
    state, env = pop.state, pop.env
    warm = typical_contracts(pop, 1)[0]
    times: list[int] = []
    for cid in cids:
        tx = Tx(state, env)
        pricing = pricing_of(tx)
        bill_contract(tx, warm, pricing)
        before(cid)
        t0 = time.perf_counter_ns()
        tx.savepoint()
        bill_contract(tx, cid, pricing)
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1000


def warm_parts(n: int) -> None:
    pop = world(n)
    state = pop.state
    targets = typical_contracts(pop, 2000)[1:]
    variants: list[tuple[str, list[Warm]]] = [("none", [])]
    variants += [(name, [fn]) for name, fn in PARTS.items()]
    variants.append(("all six", list(PARTS.values())))
    share = len(targets) // len(variants)
    for k, (label, parts) in enumerate(variants):
        cids = targets[k * share : (k + 1) * share]

        def before(cid: int, parts: list[Warm] = parts) -> None:
            for read in parts:
                read(state, cid)

        median = _timed_bills(n, cids, before)
        print(f"{n:>9,} contracts, warmed: {label:<20} {median:6.1f} µs  ({len(cids)} cold bills)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int, help="live node contracts, e.g. 1000 1000000")
    for n in parser.parse_args().sizes:
        warm_parts(n)


if __name__ == "__main__":
    main()
