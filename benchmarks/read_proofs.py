"""Reads with proofs through the JSON-RPC API against plain reads, side by side in one run (issue 19).

    PYTHONPATH=src:. .venv/bin/python -m benchmarks.read_proofs [--contracts 100000] [--rounds 200]

One process opens a node (`sc4it.node.service.Node`) whose genesis is the production-shaped population of
`--contracts` live contracts (benchmarks/population.py), serves it with the RPC server on 127.0.0.1
(port 0) and queries it over HTTP with `sc4it.client`, measuring the median wall-clock time per request
(client and server share the process and its one event loop, as a node does its requests) of:

1. `sc4it_contract` without a proof (RPC-22);
2. `sc4it_contract` with `proof: true` (RPC-27), and the proof's size;
3. `Client.verified(light).contract` (LGT-10: the proved query, then the light client's check; the header
   is accepted once and cached);
4. `state_getReadProof` of 1, 16 and 256 contracts (RPC-26), and the proof's bytes per key.

The machine is shared: read the ratios to (1), measured side by side, not the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from sc4it import genesis
from sc4it.client import Client
from sc4it.light import LightClient, ProducerSeal
from sc4it.node.rpc import RpcServer
from sc4it.node.service import Node

from .population import build_population


async def _median(fn: Callable[[], Awaitable[Any]], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


async def _measure(node: Node, ids: list[int], rounds: int) -> None:
    runner = web.AppRunner(RpcServer(node).app(), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    producer = genesis.dev_keypair("producer").account_id
    light = LightClient(ProducerSeal(node.chain_id, frozenset({producer})))
    cid = ids[len(ids) // 2]
    try:
        async with Client(f"http://127.0.0.1:{port}") as c:
            verified = c.verified(light)
            await verified.contract(cid)  # accepts the head once
            plain = await _median(lambda: c.contract(cid), rounds)
            answer = await c.request("sc4it_contract", cid, None, True)
            proof_bytes = len(answer["proof"]) // 2 - 1
            proved = await _median(lambda: c.request("sc4it_contract", cid, None, True), rounds)
            checked = await _median(lambda: verified.contract(cid), rounds)
            print(f"sc4it_contract plain           {plain * 1e3:8.3f} ms   1.00x")
            ratio = f"{proved / plain:.2f}x  ({proof_bytes} B)"
            print(f"sc4it_contract proof: true     {proved * 1e3:8.3f} ms   {ratio}")
            print(f"verified contract (client)     {checked * 1e3:8.3f} ms   {checked / plain:.2f}x")
            for k in (1, 16, 256):
                keys = [("contracts", i) for i in ids[:k]]
                size = len((await c.read_proof(keys)).proof)
                t = await _median(lambda keys=keys: c.read_proof(keys), max(5, rounds // k))  # type: ignore[misc]
                print(
                    f"state_getReadProof {k:3d} keys    {t * 1e3:8.3f} ms   {t / plain:.2f}x"
                    f"  ({size} B, {size / k:.0f} B/key)"
                )
    finally:
        await runner.cleanup()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--contracts", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=200)
    args = p.parse_args()
    t = time.perf_counter()
    pop = build_population(args.contracts)
    ids = sorted(pop.state.contracts)[:: max(1, len(pop.state.contracts) // 1000)]
    print(f"population of {args.contracts} contracts built in {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory(prefix="sc4it-readproofs-") as tmp:
        t = time.perf_counter()
        producer = genesis.dev_keypair("producer")
        with Node.open(Path(tmp), pop.state, producer, block_time_ms=6000) as node:
            node.produce_block()
            print(f"node opened and one block produced in {time.perf_counter() - t:.1f} s")
            asyncio.run(_measure(node, ids, args.rounds))


if __name__ == "__main__":
    main()
