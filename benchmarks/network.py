"""The network's figures (issue 18), a script rather than a pytest benchmark: it starts real CometBFT
networks and takes minutes. Run: `PYTHONPATH=src .venv/bin/python benchmarks/network.py [--quick]`.

1. Sustained signed calls through 4 validators at 1 s blocks: committed calls/s and submit -> committed
   latency (p50, p99), side by side with `apply` of the same calls on one core in this process, and the
   CPU time every process spent per committed call (the four applications, the four CometBFT nodes, this
   load generator), so that the figures can be read per core. The load (`Firehose`) comes from
   `--accounts` funded accounts of a genesis made for the run, each transfer signed before the run,
   submitted in JSON-RPC batches of `broadcast_tx_sync`; inclusion is seen by reading each new block once
   (every `WATCH_S`), so latencies are rounded up by up to that.
2. The cost of a validator and of the proposer killed (kill -9), in block times: the longest gap between
   consecutive blocks after the kill, divided by the median gap before it, minus one.
3. Catch-up: a validator stopped while the others produce `--behind` blocks (fast blocks), then
   restarted; blocks it applied per second of catch-up, against the blocks per second of production at
   1 s blocks ("x real time").

All four replicas, CometBFT and the load generator share this machine's two cores; figures are noisy.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import itertools
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import attrs

from sc4it import genesis as gen
from sc4it.kernel.calls import Transfer
from sc4it.kernel.codec import encode
from sc4it.kernel.signing import Keypair, sign, ss58_encode
from sc4it.kernel.tx import BlockEnv
from sc4it.net.launcher import Network, rpc
from sc4it.net.load import height_of, wait_height
from sc4it.node.mempool import MAX_FUTURE
from sc4it.runtime import apply

IN_FLIGHT = MAX_FUTURE // 2
"""Calls an account has submitted and not yet seen committed, at most: half of what the node's pool
admits ahead of an account's nonce (MAX_FUTURE), since the node a call goes to may be a block behind
the node the watcher reads."""
TICK_S = 0.05
"""How often each submitter sends the transactions that came due (one JSON-RPC batch per node)."""
MAX_BATCH = 500
"""Transactions in one JSON-RPC batch at most (the launcher lets CometBFT take 1,000 a batch)."""
WATCH_S = 0.05
"""How often the watcher asks for new blocks."""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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


def load_genesis(n: int) -> tuple[str, list[Keypair], bytes]:
    """The default genesis plus `n` funded load accounts: its JSON, their keys, its chain id."""
    keys = [gen.dev_keypair(f"load-{i}") for i in range(n)]
    base = gen.default_genesis()
    extra = tuple(gen.GenesisAccount(k.account_id, 10**15) for k in keys)
    genesis = attrs.evolve(base, accounts=base.accounts + extra)
    return gen.dumps(genesis), keys, gen.chain_id_of(genesis)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_by_role(net: Network) -> dict[str, float]:
    out = {
        "applications": sum(cpu_seconds(n.app_pid) for n in net.nodes),
        "cometbft": sum(cpu_seconds(n.cometbft_pid) for n in net.nodes),
    }
    t = os.times()
    out["load_generator"] = t.user + t.system
    return out


@attrs.define
class Account:
    """One load account: its pre-signed transfers (nonce order) and how far they got."""

    txs: list[bytes]
    next: int = 0
    """The next transaction to submit."""
    acked: int = 0
    """Transactions a node admitted (CheckTx code 0)."""
    committed: int = 0
    """Transactions seen in a committed block."""


class Firehose:
    """The benchmark's load generator: `n_accounts` funded accounts, each transfer signed before the
    run, submitted in JSON-RPC batches of `broadcast_tx_sync` (one HTTP request per node per tick, one
    thread per node), inclusion seen by reading each new block once (`/block`, hashes of its
    transactions) rather than by polling accounts. A refused transaction is submitted again at the next
    tick (later nonces of its account wait); an account keeps at most `IN_FLIGHT` calls in flight, as
    the node's mempool admits no more."""

    def __init__(self, net: Network, accounts: list[Keypair], chain_id: bytes, rate: float, seconds: float):
        dest = accounts[0].account_id
        per_account = int(rate * seconds / len(accounts)) + 2
        self.net = net
        self.rate = rate
        self.seconds = seconds
        url = net.nodes[0].rpc_url
        self.accounts = []
        for key in accounts[1:]:  # from each account's committed nonce (an earlier run used some)
            start = int(
                base64.b64decode(
                    rpc(url, f'/abci_query?path="/sc4it/nonce/{ss58_encode(key.account_id)}"')["response"][
                        "value"
                    ]
                )
            )
            txs = [encode(sign(Transfer(dest, 1), key, start + n, chain_id)) for n in range(per_account)]
            self.accounts.append(Account(txs))
        self.submitted: dict[bytes, float] = {}
        self.committed: dict[bytes, float] = {}
        self.owner: dict[bytes, Account] = {
            hashlib.sha256(tx).digest(): a for a in self.accounts for tx in a.txs
        }
        self.refused = 0
        self.timeouts = 0
        """Batches that got no answer in 10 s (sent again)."""
        self.reasons: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.t0 = 0.0

    def due(self, account_index: int, now: float) -> int:
        """How many of the account's transactions the schedule has made due by `now`."""
        n = len(self.accounts)
        elapsed = min(now - self.t0, self.seconds)
        return min(len(self.accounts[account_index].txs), int(elapsed * self.rate / n + account_index / n))

    def submitter(self, node_index: int, url: str) -> None:
        mine = [i for i in range(len(self.accounts)) if i % len(self.net.nodes) == node_index]
        parsed = urllib.parse.urlparse(url)
        conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=10)
        while not self.stop.is_set():
            now = time.monotonic()
            batch: list[tuple[Account, bytes]] = []
            for i in mine:
                a = self.accounts[i]
                limit = min(self.due(i, now), a.committed + IN_FLIGHT)
                batch += [(a, a.txs[j]) for j in range(a.next, limit)]
                a.next = max(a.next, limit)
            for part in (batch[k : k + MAX_BATCH] for k in range(0, len(batch), MAX_BATCH)):
                try:
                    self._send(conn, part)
                except (OSError, http.client.HTTPException, ValueError):  # slow or dropped: send again
                    self.timeouts += 1
                    conn.close()
                    conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=10)
                    with self.lock:
                        for a, tx in part:
                            a.next = min(a.next, a.txs.index(tx))
            if now - self.t0 > self.seconds and all(self.accounts[i].next >= self.due(i, now) for i in mine):
                time.sleep(0.05)
            time.sleep(max(0.0, TICK_S - (time.monotonic() - now)))

    def _send(self, conn: http.client.HTTPConnection, batch: list[tuple[Account, bytes]]) -> None:
        body = json.dumps(
            [
                {
                    "jsonrpc": "2.0",
                    "id": k,
                    "method": "broadcast_tx_sync",
                    "params": {"tx": base64.b64encode(tx).decode()},
                }
                for k, (_, tx) in enumerate(batch)
            ]
        )
        t = time.time()
        conn.request("POST", "/", body, {"Content-Type": "application/json"})
        doc = json.loads(conn.getresponse().read())
        if not isinstance(doc, list):  # a batch of one is answered by an object; else a batch-wide error
            doc = (
                [doc]
                if len(batch) == 1 and "error" not in doc
                else [{"id": k, **doc} for k in range(len(batch))]
            )
        replies = {r.get("id"): r for r in doc}
        retry: dict[int, int] = {}
        with self.lock:
            for k, (a, tx) in enumerate(batch):
                r = replies.get(k, {})
                code = r.get("result", {}).get("code", -1)
                log = r.get("result", {}).get("log", "") or str(r.get("error", ""))
                if code == 0 or "AlreadyKnown" in log or "already exists in cache" in log:
                    self.submitted.setdefault(hashlib.sha256(tx).digest(), t)
                    a.acked += 1
                else:
                    self.refused += 1
                    self.reasons[(log.split(":")[0] if "error" not in r else log)[:80]] += 1
                    position = a.txs.index(tx)
                    retry[id(a)] = min(retry.get(id(a), position), position)
            for a, _ in batch:
                if id(a) in retry:
                    a.next = min(a.next, retry[id(a)])

    def watcher(self, url: str) -> None:
        """Read every new block once; a transaction's commit time is when its block was first seen."""
        parsed = urllib.parse.urlparse(url)
        conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=10)

        def get(path: str) -> Any:
            conn.request("GET", path)
            return json.loads(conn.getresponse().read())["result"]

        seen = int(get("/status")["sync_info"]["latest_block_height"])
        while not self.stop.is_set():
            top = int(get("/status")["sync_info"]["latest_block_height"])
            now = time.time()
            for h in range(seen + 1, top + 1):
                txs = get(f"/block?height={h}")["block"]["data"]["txs"] or []
                with self.lock:
                    for tx in txs:
                        digest = hashlib.sha256(base64.b64decode(tx)).digest()
                        a = self.owner.get(digest)
                        if a is not None and digest not in self.committed:
                            self.committed[digest] = now
                            a.committed += 1
            seen = top
            time.sleep(WATCH_S)

    def run(self, drain_s: float = 60.0) -> None:
        threads = [threading.Thread(target=self.watcher, args=(self.net.nodes[0].rpc_url,), daemon=True)]
        threads += [
            threading.Thread(target=self.submitter, args=(i, n.rpc_url), daemon=True)
            for i, n in enumerate(self.net.nodes)
        ]
        self.t0 = time.monotonic()
        for t in threads:
            t.start()
        deadline = self.t0 + self.seconds + drain_s
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if time.monotonic() - self.t0 > self.seconds:
                with self.lock:
                    if len(self.committed) >= len(self.submitted) and all(
                        a.next >= self.due(i, time.monotonic()) for i, a in enumerate(self.accounts)
                    ):
                        break
        self.stop.set()
        for t in threads:
            t.join(timeout=10)


def throughput(
    net: Network, keys: list[Keypair], chain_id: bytes, rate: float, seconds: float
) -> dict[str, Any]:
    hose = Firehose(net, keys, chain_id, rate, seconds)
    h0 = top(net)
    cpu0, wall0 = cpu_by_role(net), time.monotonic()
    hose.run()
    cpu1, wall1 = cpu_by_role(net), time.monotonic()
    lat = sorted(hose.committed[h] - hose.submitted[h] for h in hose.committed if h in hose.submitted)
    n = len(hose.committed)
    last = max(hose.committed.values()) if hose.committed else 0.0
    first = min(hose.submitted.values()) if hose.submitted else 0.0
    rate_committed = n / (last - first) if n else 0.0
    cpu = {k: cpu1[k] - cpu0[k] for k in cpu0}
    h1 = top(net)
    gaps = block_gaps(net, h0 + 1, h1) if h1 > h0 + 1 else []
    return {
        "offered_per_s": rate,
        "accounts": len(hose.accounts),
        "acknowledged": len(hose.submitted),
        "refused_then_resubmitted": hose.refused,
        "refusals": dict(hose.reasons.most_common(4)),
        "batches_timed_out": hose.timeouts,
        "committed": n,
        "committed_per_s": round(rate_committed, 1),
        "committed_per_s_per_core": round(rate_committed / (os.cpu_count() or 1), 1),
        "p50_s": round(lat[len(lat) // 2], 2) if lat else None,
        "p99_s": round(lat[int(len(lat) * 0.99)], 2) if lat else None,
        "blocks": h1 - h0,
        "block_interval_median_s": round(statistics.median(gaps), 2) if gaps else None,
        "cpu_us_per_call": {k: round(v / max(n, 1) * 1e6) for k, v in cpu.items()},
        "cpu_share_of_machine": round(sum(cpu.values()) / (wall1 - wall0) / (os.cpu_count() or 1), 2),
        "load_average": os.getloadavg()[0],
    }


def idle(net: Network, seconds: float) -> dict[str, Any]:
    """The CPU each kind of process spends per second with no load (offered rate 0): what a block costs
    without calls (consensus, commit, the divergence watch, timers)."""
    h0 = top(net)
    cpu0, wall0 = cpu_by_role(net), time.monotonic()
    time.sleep(seconds)
    cpu1, wall1 = cpu_by_role(net), time.monotonic()
    return {
        "offered_per_s": 0,
        "blocks": top(net) - h0,
        "cpu_ms_per_s": {k: round((cpu1[k] - cpu0[k]) / (wall1 - wall0) * 1e3, 1) for k in cpu0},
        "load_average": os.getloadavg()[0],
    }


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


def kill_cost(net: Network, proposer: bool, blocks_after: int = 12) -> dict[str, Any]:
    """Kill -9 a validator (or the proposer of the current round) and measure, over the next
    `blocks_after` blocks (three turns of the dead validator), the longest gap between blocks."""
    h0 = top(net)
    wait_height(net, h0 + 5, 60)
    victim = net.proposer() if proposer else next(n for n in net.nodes[1:] if n.cometbft_pid)
    before = top(net)
    net.stop_node(victim, signal.SIGKILL)
    wait_height(net, before + blocks_after, 180)
    base = statistics.median(block_gaps(net, h0, before))
    after = block_gaps(net, before, before + blocks_after)
    net.start_node(victim)  # back to four, so that the next measurement starts from a full set
    wait_height(net, top(net), 120, nodes=[victim])
    return {
        "victim": victim.name,
        "median_gap_s": round(base, 2),
        "worst_gap_s": round(max(after), 2),
        "gaps_after_s": [round(g, 2) for g in after],
        "lost_block_times": round(max(after) / base - 1, 2),
        "load_average": os.getloadavg()[0],
    }


def catch_up(directory: Path, behind: int, block_time_ms: int, validators: int) -> dict[str, Any]:
    """A node stopped while the network produces `behind` blocks (fast blocks, so that the setup takes
    minutes, not hours), then restarted: blocks it applied per second until it reached the height the
    network had when it restarted. With `validators` = 1 the lagging node is a full node beside one
    validator (the fastest way to produce the blocks); otherwise it is the last of the validators."""
    net = Network(directory)
    try:
        net.up(validators, block_time_ms=block_time_ms)
        lagging = net.add_node(state_sync=False) if validators == 1 else net.nodes[-1]
        wait_height(net, 3, 120)
        net.stop_node(lagging)
        h = top(net)
        t_prod = time.monotonic()
        wait_height(net, h + behind, 4 * 3600, nodes=[n for n in net.nodes if n is not lagging])
        target = top(net)
        produced_s = time.monotonic() - t_prod
        t0 = time.monotonic()
        net.start_node(lagging)
        wait_height(net, target, 3600, nodes=[lagging])
        seconds = time.monotonic() - t0
        applied = target - h
        return {
            "validators": validators,
            "lagging_node": "full node" if validators == 1 else "validator",
            "blocks_behind": applied,
            "production_blocks_per_s": round(applied / produced_s, 1),
            "catch_up_s": round(seconds, 1),
            "blocks_per_s": round(applied / seconds, 1),
            "x_real_time_at_1s_blocks": round(applied / seconds / 1.0, 1),
            "load_average": os.getloadavg()[0],
        }
    finally:
        net.down()


def extra_config(spec: str) -> list[tuple[str, str, str]]:
    """`section.key=value;...` (TOML values) as `Network.config` settings."""
    out = []
    for item in filter(None, spec.split(";")):
        name, value = item.split("=", 1)
        section, key = name.rsplit(".", 1) if "." in name else ("", name)
        out.append((section, key, value))
    return out


def variants(
    spec: str, genesis: str, keys: list[Keypair], chain_id: bytes, rates: str, seconds: float
) -> list[dict[str, Any]]:
    """Throughput of each CometBFT configuration in `spec` (`name=settings|...`), one fresh 4-validator
    network each, one after another in this process: figures to compare side by side."""
    out = []
    for item in filter(None, spec.split("|")):
        name, _, settings = item.partition("=")
        config = extra_config(settings)
        env = {key: value for section, key, value in config if section == "env"}  # env.GOGC=400: CometBFT's
        saved = {key: os.environ.get(key) for key in env}
        os.environ.update(env)
        with tempfile.TemporaryDirectory() as tmp:
            net = Network(Path(tmp) / name)
            net.config = [c for c in config if c[0] != "env"]
            try:
                net.up(4, block_time_ms=1000, genesis=genesis)
                wait_height(net, 3, 60)
                load0 = os.getloadavg()[0]
                runs = [
                    idle(net, seconds)
                    if float(r) == 0
                    else throughput(net, keys, chain_id, float(r), seconds)
                    for r in rates.split(",")
                ]
                out.append(
                    {"variant": name, "config": settings, "load_average_at_start": load0, "runs": runs}
                )
                print(json.dumps(out[-1]), file=sys.stderr, flush=True)
            finally:
                net.down()
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
    return out


def go_profile(net: Network, out: Path) -> None:
    """Restart node1 with CometBFT's pprof server, wait for the load, take a 10 s CPU profile."""
    node = net.nodes[1]
    port = net.ports.take()
    net.stop_node(node)
    path = Path(node.home) / "config" / "config.toml"
    from sc4it.net.launcher import set_toml

    path.write_text(set_toml(path.read_text(), "rpc", "pprof_laddr", json.dumps(f"127.0.0.1:{port}")))
    net.start_node(node)
    time.sleep(12)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/debug/pprof/profile?seconds=10", timeout=30) as r:
        out.write_bytes(r.read())


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--rates", default="300,500,700")
    p.add_argument("--seconds", type=float, default=0.0, help="load per rate (default 30, --quick 10)")
    p.add_argument("--accounts", type=int, default=200)
    p.add_argument("--behind", type=int, default=0, help="catch-up distance (default 10000, --quick 300)")
    p.add_argument("--catch-up-block-ms", type=int, default=10, help="block time while the node is away")
    p.add_argument("--catch-up-validators", type=int, default=1, help="1: the lagging node is a full node")
    p.add_argument("--only", default="throughput,kill,catch_up")
    p.add_argument("--config", default="", help="extra CometBFT settings: section.key=value;...")
    p.add_argument("--pprof", default="", help="write a 10 s CPU profile of node1's CometBFT here")
    p.add_argument(
        "--variants",
        default="",
        help="throughput only, side by side: name=settings|name=settings|... (settings as --config; "
        "env.NAME=value sets an environment variable of the processes, e.g. env.GOGC=400), "
        "each on a fresh network, in this order",
    )
    args = p.parse_args()
    seconds = args.seconds or (10 if args.quick else 30)
    only = set(args.only.split(","))
    out: dict[str, Any] = {"apply_calls_per_s_one_core": round(apply_rate()), "cores": os.cpu_count()}
    genesis, keys, chain_id = load_genesis(args.accounts + 1)
    if args.variants:
        out["variants"] = variants(args.variants, genesis, keys, chain_id, args.rates, seconds)
        json.dump(out, sys.stdout, indent=2)
        print()
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        if only & {"throughput", "kill"}:
            net = Network(Path(tmp) / "tp")
            net.config = extra_config(args.config)
            try:
                net.up(4, block_time_ms=1000, genesis=genesis)
                wait_height(net, 3, 60)
                if args.pprof:
                    threading.Thread(target=go_profile, args=(net, Path(args.pprof)), daemon=True).start()
                if "throughput" in only:
                    out["throughput"] = [
                        throughput(net, keys, chain_id, float(r), seconds) for r in args.rates.split(",")
                    ]
                    print(json.dumps(out), file=sys.stderr, flush=True)
                if "kill" in only:
                    out["kill_validator"] = kill_cost(net, proposer=False)
                    out["kill_proposer"] = kill_cost(net, proposer=True)
                    print(json.dumps(out), file=sys.stderr, flush=True)
            finally:
                net.down()
        if "catch_up" in only:
            behind = args.behind or (300 if args.quick else 10_000)
            out["catch_up"] = catch_up(
                Path(tmp) / "cu", behind, args.catch_up_block_ms, args.catch_up_validators
            )
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
