"""Steady signed load on a network and the checker of the fault tests (spec/network.md, NET-25, NET-26).

`Load` runs one thread per sending account: each signs `Transfer`s with consecutive nonces and submits
them through one node's CometBFT mempool (`broadcast_tx_sync`); a submission is acknowledged when CheckTx
accepted it. A node can die with acknowledged calls in its mempool (CometBFT's mempool is not durable),
so a sender whose node stops answering moves to another node and submits again, in nonce order, every
acknowledged call not yet committed (NET-25); the nonce makes a repeated call count once.

`check` (NET-26) asserts what the fault tests promise: every acknowledged call is in exactly one block and
succeeded there, and every live node has the same block and app hash at the same height.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from typing import Any

import attrs

from sc4it import genesis as gen
from sc4it.kernel.calls import Transfer
from sc4it.kernel.codec import encode
from sc4it.kernel.signing import Keypair, sign, ss58_encode
from sc4it.net.launcher import Network, rpc

SENDERS = ("bob", "farmer-1", "farmer-2", "node-1", "node-2", "node-3", "node-4", "dave")
"""Dev accounts of the default genesis that can pay many small transfers (to alice)."""


@attrs.define
class Ack:
    """An acknowledged submission."""

    tx_hash: str
    sender: str
    nonce: int
    tx: bytes
    submitted: float
    committed: float = 0.0


class _Rpc:
    """A keep-alive HTTP connection to one node's CometBFT RPC."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=3.0)

    def get(self, path: str) -> Any:
        try:
            self.conn.request("GET", path)
            doc = json.loads(self.conn.getresponse().read())
        except Exception:
            self.conn.close()
            raise
        return doc


class Sender(threading.Thread):
    def __init__(self, load: Load, name: str, index: int) -> None:
        super().__init__(name=f"load-{name}", daemon=True)
        self.load = load
        self.key: Keypair = gen.dev_keypair(name)
        self.account = ss58_encode(self.key.account_id)
        self.node = index
        self.next_nonce = 0
        self.committed_nonce = 0
        self.pending: list[Ack] = []

    def run(self) -> None:
        load = self.load
        interval = len(load.senders) / load.rate if load.rate > 0 else 0.0
        conn = _Rpc(load.urls[self.node % len(load.urls)])
        conn = self._poll(conn)  # start at the account's committed nonce (an earlier load may have used it)
        self.next_nonce = self.committed_nonce
        next_at = time.monotonic()
        last_poll = 0.0
        while not load.stopping.is_set():
            now = time.monotonic()
            if now - last_poll > 0.2:
                last_poll = now
                conn = self._poll(conn)
            if load.submitting.is_set() and len(self.pending) < load.window and now >= next_at:
                next_at = max(next_at + interval, now - 1.0)
                conn = self._submit_new(conn)
            else:
                time.sleep(0.005)

    def _poll(self, conn: _Rpc) -> _Rpc:
        try:
            doc = conn.get(f'/abci_query?path="/sc4it/nonce/{self.account}"')
            committed = int(base64.b64decode(doc["result"]["response"]["value"]))
        except Exception:
            return self._failover()
        now = time.time()
        while self.pending and self.pending[0].nonce < committed:
            ack = self.pending.pop(0)
            ack.committed = now
        self.committed_nonce = committed
        return conn

    def _failover(self) -> _Rpc:
        """NET-25: the node stopped answering: take the next node and submit every pending call again."""
        self.node += 1
        conn = _Rpc(self.load.live_urls()[self.node % len(self.load.live_urls())])
        for ack in list(self.pending):
            try:
                conn.get(f"/broadcast_tx_sync?tx=0x{ack.tx.hex()}")
            except Exception:
                break
        return conn

    def _submit_new(self, conn: _Rpc) -> _Rpc:
        load = self.load
        signed = sign(Transfer(load.dest, 1), self.key, self.next_nonce, load.chain_id)
        tx = encode(signed)
        t0 = time.time()
        try:
            doc = conn.get(f"/broadcast_tx_sync?tx=0x{tx.hex()}")
        except Exception:
            return self._failover()
        result = doc.get("result")
        if result is not None and int(result["code"]) == 0:
            ack = Ack(hashlib.sha256(tx).hexdigest().upper(), self.account, self.next_nonce, tx, t0)
            self.pending.append(ack)
            with load.lock:
                load.acks.append(ack)
            self.next_nonce += 1
        else:
            load.refused += 1
            time.sleep(0.05)
        return conn


class Load:
    """Steady load of signed transfers through a network's nodes (module docstring)."""

    def __init__(
        self,
        net: Network,
        *,
        rate: float = 50.0,
        window: int = 400,
        senders: Sequence[str] = SENDERS,
        nodes: Sequence[int] | None = None,
    ) -> None:
        self.net = net
        self.urls = [net.nodes[i].rpc_url for i in (nodes if nodes is not None else range(len(net.nodes)))]
        self.rate = rate
        self.window = window
        self.senders = list(senders)
        self.chain_id = gen.default().chain_id
        self.dest = gen.dev_keypair("alice").account_id
        self.acks: list[Ack] = []
        self.refused = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.submitting = threading.Event()
        self.threads = [Sender(self, name, i) for i, name in enumerate(self.senders)]

    def live_urls(self) -> list[str]:
        live = [n.rpc_url for n in self.net.nodes if n.cometbft_pid and n.rpc_url in self.urls]
        return live or self.urls

    def start(self) -> None:
        self.submitting.set()
        for t in self.threads:
            t.start()

    def stop_submitting(self) -> None:
        self.submitting.clear()

    def drain(self, timeout: float) -> None:
        """Stop submitting and wait until every acknowledged call is committed (or `timeout` s)."""
        self.submitting.clear()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(not t.pending for t in self.threads):
                break
            time.sleep(0.2)
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=5)

    def latencies(self) -> list[float]:
        return sorted(a.committed - a.submitted for a in self.acks if a.committed)


def live_nodes(net: Network) -> list[Any]:
    out = []
    for node in net.nodes:
        try:
            rpc(node.rpc_url, "/status", timeout=1.0)
            out.append(node)
        except Exception:
            continue
    return out


def wait_height(net: Network, height: int, timeout: float, nodes: Sequence[Any] | None = None) -> None:
    """Wait until every given (default: live) node has committed `height`."""
    deadline = time.monotonic() + timeout
    targets = list(nodes) if nodes is not None else live_nodes(net)
    while True:
        heights = []
        for node in targets:
            try:
                heights.append(
                    int(rpc(node.rpc_url, "/status", timeout=1.0)["sync_info"]["latest_block_height"])
                )
            except Exception:
                heights.append(-1)
        if min(heights) >= height:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"height {height} not reached in {timeout}s: {heights}")
        time.sleep(0.2)


def height_of(node: Any) -> int:
    return int(rpc(node.rpc_url, "/status", timeout=1.0)["sync_info"]["latest_block_height"])


def check(net: Network, acks: Sequence[Ack], *, expect_live: int | None = None) -> dict[str, Any]:
    """NET-26: every acknowledged call included exactly once and successful; every live node with the same
    block hash and app hash at the same height. Returns a summary."""
    nodes = live_nodes(net)
    if expect_live is not None:
        assert len(nodes) == expect_live, f"{len(nodes)} live nodes, expected {expect_live}"
    top = max(height_of(n) for n in nodes)
    wait_height(net, top, 60, nodes=nodes)
    headers = {n.name: rpc(n.rpc_url, f"/block?height={top}") for n in nodes}
    hashes = {name: (b["block_id"]["hash"], b["block"]["header"]["app_hash"]) for name, b in headers.items()}
    assert len(set(hashes.values())) == 1, f"nodes disagree at height {top}: {hashes}"
    base = nodes[0]
    counts: Counter[str] = Counter()
    failed: list[str] = []
    start = int(rpc(base.rpc_url, "/status")["sync_info"]["earliest_block_height"])
    for h in range(max(start, 1), top + 1):
        txs = rpc(base.rpc_url, f"/block?height={h}")["block"]["data"]["txs"] or []
        results = rpc(base.rpc_url, f"/block_results?height={h}")["txs_results"] or []
        for tx, res in zip(txs, results, strict=True):
            digest = hashlib.sha256(base64.b64decode(tx)).hexdigest().upper()
            counts[digest] += 1
            if int(res.get("code", 0)) != 0:
                failed.append(f"{digest} at {h}: {res.get('log')}")
    missing = [a for a in acks if counts[a.tx_hash] == 0]
    repeated = [a for a in acks if counts[a.tx_hash] > 1]
    assert not missing, f"{len(missing)} acknowledged calls never included, e.g. {missing[:3]}"
    assert not repeated, f"{len(repeated)} calls included more than once"
    assert not failed, f"{len(failed)} included calls failed: {failed[:3]}"
    return {"height": top, "acks": len(acks), "txs": sum(counts.values()), "nodes": len(nodes)}
