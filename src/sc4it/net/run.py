"""The sc4it ABCI process beside one CometBFT node: `python -m sc4it.net.run --home DIR --port P`.

It serves `NetApp` on 127.0.0.1:P and watches for divergence (NET-19): when it has committed nothing newer
than height H for two block times, it compares its app hash at H with the app hash the other validators'
CometBFT nodes put in the header of block H+1 (a replica that goes on committing has not diverged: its
CometBFT checked each header's app hash against its own); on a mismatch it asks a peer's application for
its per-field digests and the entries of each differing storage map at H, writes `divergence.json` in its
home with which map and which keys differ, logs it at CRITICAL and halts (exit code `DIVERGED_EXIT`). Its
own CometBFT halts as well: it refuses a block whose header's app hash is not its own.

With `--cometbft-rpc URL` it also serves the node's JSON-RPC API (`sc4it.node.rpc` on a
`sc4it.net.chain.CometChain`, RPC-70..RPC-75) on 127.0.0.1:`--rpc-port` (0: a free port) and writes its
URL to `api.json` in its home before it reports ready.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from sc4it import genesis as gen
from sc4it.kernel.commitment import FIELDS
from sc4it.net.abci import serve
from sc4it.net.app import Committed, NetApp, PlantedBug, entry_rows

log = logging.getLogger("sc4it.net.run")

API_FILE = "api.json"
"""RPC-70: `{"url", "ws", "port", "pid"}` of the node's JSON-RPC API, written before `abci.ready`."""
DIVERGED_EXIT = 70
"""NET-19: the exit code of an application that found its state differs from the committed one."""
PLANTED_BUG_ENV = "SC4IT_PLANTED_BUG"
POLL_S = 0.3
"""NET-19: how often the divergence watch looks at the newest committed height."""


def rpc_get(base: str, path: str, timeout: float = 2.0) -> Any:
    """GET a CometBFT RPC endpoint (JSON-RPC over URI) and return its `result`."""
    with urllib.request.urlopen(base + path, timeout=timeout) as r:
        doc = json.loads(r.read())
    if "error" in doc:
        raise RuntimeError(f"{path}: {doc['error']}")
    return doc["result"]


def peer_query(base: str, path: str, height: int) -> bytes:
    """NET-14: an ABCI query of `path` at `height` through a CometBFT node's RPC."""
    result = rpc_get(base, f'/abci_query?path="{path}"&height={height}')
    response = result["response"]
    if int(response.get("code", 0)) != 0:
        raise RuntimeError(f"query {path} at {height}: {response.get('log')}")
    return base64.b64decode(response.get("value") or "")


def divergence_report(mine: Committed, peer: str, committed_app_hash: str) -> dict[str, Any]:
    """NET-19: which fields, and for maps which keys, differ between our state at `mine.height` and
    the state of the peer whose app hash matches the committed header."""
    theirs = json.loads(peer_query(peer, "/sc4it/digests", mine.height))
    ours = {f.name: d.hex() for f, d in zip(FIELDS, mine.commitment.digests, strict=True)}
    fields: list[dict[str, Any]] = []
    for f in FIELDS:
        if ours[f.name] == theirs["fields"].get(f.name):
            continue
        item: dict[str, Any] = {
            "field": f.name,
            "ours": ours[f.name],
            "committed": theirs["fields"].get(f.name),
        }
        if f.is_map:
            peer_rows = json.loads(peer_query(peer, f"/sc4it/entries/{f.name}", mine.height))
            our_rows = entry_rows(mine.state, f.name, 100_000)
            peer_map = {k: v for k, v in peer_rows}
            our_map = {k: v for k, v in our_rows}
            keys = sorted(set(peer_map) | set(our_map))
            item["keys"] = [
                {"key": k, "ours": our_map.get(k), "committed": peer_map.get(k)}
                for k in keys
                if our_map.get(k) != peer_map.get(k)
            ][:100]
        fields.append(item)
    return {
        "height": mine.height,
        "our_app_hash": mine.app_hash.hex(),
        "committed_app_hash": committed_app_hash.lower(),
        "peer": peer,
        "differences": fields,
    }


class DivergenceWatch:
    """NET-19: compares the newest committed height's app hash with the header of the next block at peers,
    once this replica has committed nothing newer for `stall_s`.

    A replica that goes on committing has not diverged: its CometBFT accepts block h+1 (delivers it to
    FinalizeBlock, by consensus or by block sync) only if the header's app hash is this application's own at
    h, so every height but the newest is vouched for by the next one. A replica that diverged at h stops at
    h, its newest, and that is the height asked about. (Asking peers after every commit, as before, cost
    every replica several HTTP requests per block, most answered "no such height yet".)"""

    def __init__(self, app: NetApp, peers: list[str], home: Path, *, stall_s: float = 2.0) -> None:
        self.app = app
        self.peers = peers
        self.home = home
        self.stall_s = stall_s
        self.newest: tuple[Committed, float] | None = None
        """The newest committed height not yet checked, and when it was committed (monotonic)."""
        self.lock = threading.Lock()

    def committed(self, c: Committed) -> None:
        with self.lock:
            self.newest = (c, time.monotonic())

    def run(self) -> None:
        while True:
            time.sleep(POLL_S)
            self.step()

    def step(self) -> None:
        """Check the newest committed height if it has stayed the newest for `stall_s`."""
        with self.lock:
            newest = self.newest
        if newest is None or time.monotonic() - newest[1] < self.stall_s:
            return
        c = newest[0]
        if self._check(c):
            with self.lock:
                if self.newest is newest:
                    self.newest = None

    def _check(self, c: Committed) -> bool | None:
        """True if a peer's header H+1 agrees, None if no peer has it yet; halts on disagreement."""
        for peer in self.peers:
            try:
                header = rpc_get(peer, f"/commit?height={c.height + 1}", timeout=1.0)["signed_header"][
                    "header"
                ]
            except Exception:
                continue
            committed = header["app_hash"]
            if committed.lower() == c.app_hash.hex():
                return True
            self._halt(c, peer, committed)
        return None

    def _halt(self, c: Committed, peer: str, committed: str) -> None:
        try:
            report = divergence_report(c, peer, committed)
        except Exception as e:
            report = {
                "height": c.height,
                "our_app_hash": c.app_hash.hex(),
                "committed_app_hash": committed,
                "peer": peer,
                "error": f"could not compare with the peer: {e}",
            }
        path = self.home / "divergence.json"
        path.write_text(json.dumps(report, indent=2) + "\n")
        log.critical("DIVERGED at height %d: %s (report %s)", c.height, json.dumps(report), path)
        logging.shutdown()
        os._exit(DIVERGED_EXIT)


def _planted_bug() -> PlantedBug | None:
    value = os.environ.get(PLANTED_BUG_ENV)
    if not value:
        return None
    return PlantedBug(int(value), gen.dev_keypair("alice").account_id)


@contextlib.asynccontextmanager
async def _api(app: NetApp, args: argparse.Namespace) -> Any:
    """RPC-70: serve the node's JSON-RPC API on a `CometChain` until the context ends."""
    from aiohttp import web

    from sc4it.net.chain import CometChain, serve_chain

    chain = CometChain(app, args.cometbft_rpc)
    state = gen.default() if app.last is None else app.last.state  # before InitChain: the default genesis
    server = serve_chain(chain, block_time_ms=args.block_time_ms, ss58_prefix=state.config.ss58_prefix)
    runner = web.AppRunner(server.app(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.rpc_port)
    await site.start()
    port = int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    doc = {"url": url, "ws": url.replace("http://", "ws://"), "port": port, "pid": os.getpid()}
    tmp = args.home / (API_FILE + ".tmp")
    tmp.write_text(json.dumps(doc) + "\n")
    os.replace(tmp, args.home / API_FILE)
    log.info("JSON-RPC API on %s", url)
    try:
        yield
    finally:
        await runner.cleanup()
        server.close()
        await chain.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sc4it.net.run", description=__doc__)
    p.add_argument("--home", required=True, type=Path)
    p.add_argument("--port", required=True, type=int, help="ABCI port on 127.0.0.1")
    p.add_argument("--peer-rpc", action="append", default=[], help="another node's CometBFT RPC URL")
    p.add_argument("--snapshot-interval", type=int, default=0)
    p.add_argument("--cometbft-rpc", help="this node's CometBFT RPC URL: serve the node's JSON-RPC API")
    p.add_argument("--rpc-port", type=int, default=0, help="port of the node's JSON-RPC API (0: a free one)")
    p.add_argument("--block-time-ms", type=int, default=1000, help="the network's block time (for health)")
    p.add_argument("--log-level", default="INFO")
    args = p.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    args.home.mkdir(parents=True, exist_ok=True)
    bug = _planted_bug()
    watch: DivergenceWatch | None = None
    app = NetApp(home=args.home, snapshot_interval=args.snapshot_interval, planted_bug=bug)
    if args.peer_rpc:
        stall_s = max(2.0, 2 * args.block_time_ms / 1000)  # NET-19: two block times without a commit
        watch = DivergenceWatch(app, args.peer_rpc, args.home, stall_s=stall_s)
        app.on_commit = watch.committed
        threading.Thread(target=watch.run, name="divergence-watch", daemon=True).start()

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        ready = args.home / "abci.ready"  # NET-21: the launcher waits for this file with our PID
        async with contextlib.AsyncExitStack() as stack:
            if args.cometbft_rpc:
                await stack.enter_async_context(_api(app, args))
            await serve(
                app,
                "127.0.0.1",
                args.port,
                stop=stop,
                ready=lambda port: ready.write_text(f"{os.getpid()}\n"),
            )

    asyncio.run(_main())
    log.info("stopped")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
