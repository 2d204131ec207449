"""Signed calls through the JSON-RPC API, end to end, against `apply` alone (issue 16's RPC targets).

    python -m benchmarks.rpc_e2e [--accounts 150] [--per-account 30] [--batch 500] [--block-time-ms 100]
                                 [--rounds 3]

One run, the same signed transfers measured three ways (`--accounts` funded accounts added to the
default genesis, `--per-account` calls each with consecutive nonces, signed before any timing):

1. `apply` alone: every call applied in order to the genesis state (the core's work, no host);
2. the node's core in process (`sc4it.node.service.Node`, no RPC): `submit` every call (as values, then
   again on a fresh store as the canonical bytes a client sends, `submit_bytes`, which adds the strict
   decode), then `produce_block` until all are included (mempool checks, block building, commitment,
   SQLite commit);
3. through RPC, end to end, against a real `sc4it node run` process: the hex of every call sent with
   `author_submitExtrinsic` in JSON-RPC batches of `--batch` over HTTP, then `sc4it_inclusion` polled
   until each account's last call is in a block, then every account queried (`sc4it_account`) and its
   nonce checked. Reported: the wall-clock rate, and the node process's own CPU time per call (the sum of
   its threads' `/proc/PID/task/TID/schedstat`, in nanoseconds: its single event loop on one core does all
   the server work, `decode_ahead` between blocks runs on a worker thread).

CPU time throughout (`time.process_time` in process, schedstat for the node process), so that the ratios
hold on a loaded machine; the end-to-end rate is wall clock. Ratios: node core / apply, RPC (node CPU) /
apply, and the RPC layer's share over apply ((RPC node CPU - node core from bytes) / apply, issue 16's
target). That share is then split three ways: the request handling alone (`RpcServer.handle_text` in
process on the same batches, the submission stubbed: JSON, dispatch, hex, the response text), the node
idling (its CPU per wall second measured for 1 s before the calls, times the run's wall clock: the block
timer, a block per block time, the work between blocks, which a node pays with or without calls), and
the rest (HTTP, the event loop, the queries, blocks made as the calls arrive rather than in one). The
machine is shared: read the ratios measured side by side, not the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path

import aiohttp
import attrs
from tests.node import nodeproc  # the test helper that starts and stops a node process by PID

from sc4it import genesis
from sc4it.block import call_hash
from sc4it.genesis import GenesisAccount
from sc4it.kernel import calls
from sc4it.kernel.codec import encode
from sc4it.kernel.signing import SignedCall, sign, ss58_encode
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv
from sc4it.node.chain import NodeChain
from sc4it.node.rpc import RpcServer
from sc4it.node.rpc import _Conn as Conn  # handle_text's connection: None, an HTTP request
from sc4it.node.service import Node
from sc4it.runtime import apply

TFT = 10_000_000


def bench_genesis(accounts: int) -> genesis.Genesis:
    g = genesis.default_genesis()
    extra = tuple(
        GenesisAccount(genesis.dev_keypair(f"bench-{i}").account_id, 1000 * TFT) for i in range(accounts)
    )
    return attrs.evolve(g, accounts=g.accounts + extra)


def signed_calls(state: State, accounts: int, per_account: int) -> list[SignedCall]:
    """Transfers, nonce-major (every account's nonce 0, then every nonce 1...), as a client would send."""
    keys = [genesis.dev_keypair(f"bench-{i}") for i in range(accounts)]
    dest = genesis.dev_keypair("alice").account_id
    return [sign(calls.Transfer(dest, 1 + n), k, n, state.chain_id) for n in range(per_account) for k in keys]


def time_apply(state: State, signed: list[SignedCall]) -> float:
    env = BlockEnv(1, 1_700_000_006_000)
    t0 = time.process_time()
    for s in signed:
        out = apply(state, s, env)
        assert out.error is None, out.error
        state = out.state
    return time.process_time() - t0


def time_node(
    state: State, signed: list[SignedCall], directory: Path, *, from_bytes: bool
) -> tuple[float, float]:
    """Submit every call (as values, or as the canonical bytes a client sends) and produce until all are
    in blocks: (the submissions' seconds, the whole's)."""
    producer = genesis.dev_keypair("producer")
    wires = [encode(s) for s in signed]
    with Node.open(directory, state, producer, block_time_ms=100) as node:
        t0 = time.process_time()
        if from_bytes:
            for w in wires:
                node.submit_bytes(w)
        else:
            for s in signed:
                node.submit(s)
        submitted = time.process_time() - t0
        while node.pending():
            node.produce_block()
        took = time.process_time() - t0
        assert node.state.accounts[signed[-1].signer].nonce == signed[-1].nonce + 1
    return submitted, took


def cpu_seconds(pid: int) -> float:
    """The process's CPU time to the nanosecond: the sum over its threads of `/proc/PID/task/TID/schedstat`
    (`/proc/PID/stat` counts clock ticks, 10 ms, a tenth of the RPC layer's whole share in one run)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):  # a thread that ended meanwhile
            continue
    return total / 1e9


async def idle_rate(pid: int, seconds: float = 1.0) -> float:
    """The node's CPU per wall second with no calls (its block timer, empty blocks, work between blocks)."""
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(seconds)
    return (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0)


class AcceptingChain(NodeChain):
    """A node's chain whose submission accepts without the core: what is left is the RPC layer's own work."""

    async def submit(self, data: bytes) -> bytes:
        return SOME_HASH


SOME_HASH = bytes(range(32))


def time_handling(
    state: State, signed: list[SignedCall], batch: int, directory: Path, *, stub: bool
) -> float:
    """`RpcServer.handle_text` in process on the batches the RPC run sends (JSON parsing, dispatch, hex
    decoding, the response text; no HTTP): with the node's submission (`submit_bytes`) or, with `stub`,
    a submission that accepts at once (the request handling alone)."""
    bodies = [json.dumps(submit_batch(signed[i : i + batch])) for i in range(0, len(signed), batch)]
    with Node.open(directory, state, genesis.dev_keypair("producer"), block_time_ms=100) as node:
        server = RpcServer(AcceptingChain(node) if stub else node)

        async def handle_all() -> float:
            t0 = time.process_time()
            for body in bodies:
                assert await server.handle_text(body, Conn(None)) is not None
            return time.process_time() - t0

        took = asyncio.run(handle_all())
        server.close()
    return took


def submit_batch(signed: list[SignedCall]) -> list[dict[str, object]]:
    return [
        {"jsonrpc": "2.0", "id": j, "method": "author_submitExtrinsic", "params": ["0x" + encode(s).hex()]}
        for j, s in enumerate(signed)
    ]


async def through_rpc(
    url: str, pid: int, signed: list[SignedCall], batch: int, prefix: int
) -> tuple[float, float, float]:
    """(wall seconds, node CPU seconds) of the RPC run, and the node's idle CPU per wall second before it."""
    last: dict[bytes, SignedCall] = {}
    for s in signed:
        last[s.signer] = s
    lasts = ["0x" + call_hash(s).hex() for s in last.values()]
    signers = [ss58_encode(a, prefix) for a in last]
    async with aiohttp.ClientSession() as session:

        async def post(body: list[dict[str, object]]) -> list[dict[str, object]]:
            async with session.post(url, data=json.dumps(body)) as resp:
                out: list[dict[str, object]] = await resp.json(content_type=None)
            return out

        idle = await idle_rate(pid)
        bodies = [submit_batch(signed[i : i + batch]) for i in range(0, len(signed), batch)]
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        for body in bodies:
            replies = await post(body)
            bad = [r for r in replies if "error" in r]
            assert not bad, bad[:3]
        while True:
            body = [
                {"jsonrpc": "2.0", "id": j, "method": "sc4it_inclusion", "params": [h]}
                for j, h in enumerate(lasts)
            ]
            if all(r.get("result") is not None for r in await post(body)):
                break
            await asyncio.sleep(0.01)
        body = [
            {"jsonrpc": "2.0", "id": j, "method": "sc4it_account", "params": [a]}
            for j, a in enumerate(signers)
        ]
        replies = await post(body)
        wall, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    want = {ss58_encode(s.signer, prefix): s.nonce + 1 for s in last.values()}
    got = {signers[int(str(r["id"]))]: r["result"]["nonce"] for r in replies}  # type: ignore[index]
    assert got == want
    return wall, cpu, idle


def run(
    accounts: int, per_account: int, batch: int, block_time_ms: int, rounds: int, directory: Path
) -> None:
    """`rounds` rounds of every measurement; each figure is its least over the rounds (on a shared machine
    other processes only ever add CPU time: the least is the closest to the work's own cost)."""
    g = bench_genesis(accounts)
    state = genesis.build(g)
    signed = signed_calls(state, accounts, per_account)
    gfile = directory / "genesis.json"
    genesis.dump(g, gfile)
    measured = [
        measure(state, signed, gfile, batch, block_time_ms, directory / f"round-{r}") for r in range(rounds)
    ]
    t = {k: min(m[k] for m in measured) for k in measured[0]}
    n = len(signed)
    print(f"{n} signed transfers, {accounts} accounts, HTTP batches of {batch}, {block_time_ms} ms blocks")
    print(f"  (each figure the least of {rounds} rounds)")
    row("apply alone", t["apply"], n, "calls/s", "")
    row("node core, no RPC", t["node"], n, "calls/s", f"x{t['node'] / t['apply']:.2f} apply (submit values)")
    note = f"x{t['bytes'] / t['apply']:.2f} apply (submit_bytes: + decode)"
    row("node core, from bytes", t["bytes"], n, "calls/s", note)
    row("RPC, node CPU", t["cpu"], n, "calls per CPU-second", f"x{t['cpu'] / t['apply']:.2f} apply")
    row("RPC, wall clock", t["wall"], n, "calls/s", "submit -> included -> queried")
    layer = (t["cpu"] - t["bytes"]) / t["apply"]
    print(f"  RPC layer over apply   {layer:+.0%}  ((RPC node CPU - node core from bytes) / apply)")
    handling = (t["stubbed"], t["handling"] - t["submit"])
    explain_layer(t["apply"], t["cpu"] - t["bytes"], handling, t["idle"] * t["wall"])


def measure(
    state: State, signed: list[SignedCall], gfile: Path, batch: int, block_time_ms: int, directory: Path
) -> dict[str, float]:
    """One round: every measurement once, in seconds (`idle`: the node's idle CPU per wall second)."""
    t: dict[str, float] = {"apply": time_apply(state, signed)}
    _, t["node"] = time_node(state, signed, directory / "values", from_bytes=False)
    t["submit"], t["bytes"] = time_node(state, signed, directory / "bytes", from_bytes=True)
    t["stubbed"] = time_handling(state, signed, batch, directory / "stubbed", stub=True)
    t["handling"] = time_handling(state, signed, batch, directory / "handling", stub=False)
    args = ("--genesis", str(gfile), "--max-request-bytes", str(16 << 20), "--log-level", "warning")
    with nodeproc.running(directory / "proc", *args, block_time_ms=block_time_ms) as proc:
        t["wall"], t["cpu"], t["idle"] = asyncio.run(
            through_rpc(proc.url, proc.pid, signed, batch, state.config.ss58_prefix)
        )
    return t


def explain_layer(t_apply: float, layer: float, handling: tuple[float, float], idle: float) -> None:
    """Where the RPC layer's node CPU goes, as shares of `apply`."""
    alone, beside = (h / t_apply for h in handling)
    print(f"    of which request handling {beside:+.0%}  (handle_text in process - submit_bytes alone;")
    print(f"                                   {alone:+.0%} with the submission stubbed)")
    print(f"    of which the node idling  {idle / t_apply:+.0%}  (its idle CPU rate x the run's wall clock)")
    rest = (layer - handling[1] - idle) / t_apply
    print(f"    the rest                  {rest:+.0%}  (HTTP, the event loop, blocks made as calls come)")


def row(what: str, secs: float, n: int, unit: str, note: str) -> None:
    print(f"  {what:<22} {secs * 1e6 / n:8.1f} us/call  {n / secs:9.0f} {unit}  {note}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--accounts", type=int, default=150)
    p.add_argument("--per-account", type=int, default=30, help="at most 33 (MEM future limit)")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--block-time-ms", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3, help="each figure is its least over the rounds")
    p.add_argument("--dir", type=Path, help="working directory (default: a temporary one, removed after)")
    a = p.parse_args()
    directory = a.dir or Path(tempfile.mkdtemp(prefix="sc4it-rpc-bench-"))
    try:
        run(a.accounts, a.per_account, a.batch, a.block_time_ms, a.rounds, directory)
    finally:
        if a.dir is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
