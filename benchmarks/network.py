"""The network's figures (issue 18), a script rather than a pytest benchmark: it starts real CometBFT
networks and takes minutes. Run: `PYTHONPATH=src .venv/bin/python benchmarks/network.py [--quick]`.

1. Sustained signed calls through 4 validators at 1 s blocks: committed calls/s and submit -> committed
   latency (p50, p99; inclusion seen by polling the sender's nonce every 0.2 s, so latencies are rounded
   up by up to 0.2 s), side by side with `apply` of the same calls on one core in this process.
2. The cost of a validator and of the proposer killed (kill -9), in block times: the longest gap between
   consecutive blocks after the kill, divided by the median gap before it.
3. Catch-up: a validator stopped while the others produce blocks, then restarted; blocks it applied per
   second of catch-up, against the blocks per second of production at 1 s blocks ("x real time").

All four replicas, CometBFT and the load generator share this machine's two cores; figures are noisy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sc4it import genesis as gen
from sc4it.kernel.calls import Transfer
from sc4it.kernel.signing import sign
from sc4it.kernel.tx import BlockEnv
from sc4it.net.launcher import Network, rpc
from sc4it.net.load import Load, check, height_of, wait_height
from sc4it.runtime import apply


def apply_rate(n: int = 2000) -> float:
    """Signed transfers per second through `apply` on one core (the execution floor)."""
    state = gen.default()
    key = gen.dev_keypair("bob")
    dest = gen.dev_keypair("alice").account_id
    calls = [sign(Transfer(dest, 1), key, i, state.chain_id) for i in range(n)]
    env = BlockEnv(1, 1_800_000_000_000)
    t0 = time.perf_counter()
    for c in calls:
        state = apply(state, c, env).state
    return n / (time.perf_counter() - t0)


def block_gaps(net: Network, start: int, end: int) -> list[float]:
    node = next(n for n in net.nodes if n.cometbft_pid)
    stamps = []
    for h in range(start, end + 1):
        t = rpc(node.rpc_url, f"/block?height={h}")["block"]["header"]["time"]
        secs, frac = t.rstrip("Z").split(".")
        stamps.append(time.mktime(time.strptime(secs, "%Y-%m-%dT%H:%M:%S")) + float("0." + frac))
    return [b - a for a, b in itertools.pairwise(stamps)]


def top(net: Network) -> int:
    heights = []
    for n in net.nodes:
        try:
            heights.append(height_of(n))
        except OSError:
            continue
    return max(heights)


def throughput(net: Network, rate: float, seconds: float) -> dict[str, Any]:
    load = Load(net, rate=rate, window=4000)
    h0 = top(net)
    t0 = time.monotonic()
    load.start()
    time.sleep(seconds)
    load.drain(60)
    elapsed = time.monotonic() - t0
    lat = load.latencies()
    summary = check(net, load.acks, expect_live=len(net.nodes))
    committed = sum(1 for a in load.acks if a.committed)
    return {
        "offered_per_s": rate,
        "acknowledged": len(load.acks),
        "refused": load.refused,
        "committed_per_s": round(committed / elapsed, 1),
        "p50_s": round(lat[len(lat) // 2], 2) if lat else None,
        "p99_s": round(lat[int(len(lat) * 0.99)], 2) if lat else None,
        "blocks": summary["height"] - h0,
    }


def kill_cost(net: Network, proposer: bool) -> dict[str, Any]:
    h0 = top(net)
    wait_height(net, h0 + 5, 60)
    victim = net.proposer() if proposer else next(n for n in net.nodes[1:] if n.cometbft_pid)
    before = top(net)
    net.stop_node(victim, signal.SIGKILL)
    wait_height(net, before + 8, 120)
    base = statistics.median(block_gaps(net, h0, before))
    after = block_gaps(net, before, before + 8)
    net.start_node(victim)  # back to four, so that the next measurement starts from a full set
    wait_height(net, top(net), 120, nodes=[victim])
    return {
        "victim": victim.name,
        "median_gap_s": round(base, 2),
        "worst_gap_s": round(max(after), 2),
        "lost_block_times": round(max(after) / base - 1, 2),
    }


def catch_up(directory: Path, behind: int) -> dict[str, Any]:
    net = Network(directory)
    try:
        net.up(4, block_time_ms=100)
        wait_height(net, 3, 60)
        lagging = net.nodes[3]
        net.stop_node(lagging)
        h = top(net)
        wait_height(net, h + behind, 600)
        target = top(net)
        t0 = time.monotonic()
        net.start_node(lagging)
        wait_height(net, target, 600, nodes=[lagging])
        seconds = time.monotonic() - t0
        applied = target - h
        return {
            "blocks_behind": applied,
            "catch_up_s": round(seconds, 1),
            "blocks_per_s": round(applied / seconds, 1),
            "x_real_time_at_1s_blocks": round(applied / seconds / 1.0, 1),
        }
    finally:
        net.down()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--rates", default="100,300,600")
    args = p.parse_args()
    seconds = 10 if args.quick else 30
    out: dict[str, Any] = {"apply_calls_per_s_one_core": round(apply_rate())}
    with tempfile.TemporaryDirectory() as tmp:
        net = Network(Path(tmp) / "tp")
        try:
            net.up(4, block_time_ms=1000)
            wait_height(net, 3, 60)
            out["throughput"] = [throughput(net, float(r), seconds) for r in args.rates.split(",")]
            print(json.dumps(out), file=sys.stderr, flush=True)
            out["kill_validator"] = kill_cost(net, proposer=False)
            out["kill_proposer"] = kill_cost(net, proposer=True)
            print(json.dumps(out), file=sys.stderr, flush=True)
        finally:
            net.down()
        out["catch_up"] = catch_up(Path(tmp) / "cu", 100 if args.quick else 300)
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
