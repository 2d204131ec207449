"""NODE-19: the collector between blocks keeps the garbage that its freezes hide bounded (spec/node.md)."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import weakref
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from sc4it import genesis
from sc4it.node import run
from sc4it.node.collector import FULL_COLLECTION_GROWTH, Collector
from sc4it.node.rpc import Limits, RpcServer
from sc4it.node.service import Node


class _Cycle:
    """Two of these referring to each other: garbage only the cyclic collector frees."""

    other: Any = None


def _cycles(n: int) -> list[_Cycle]:
    out = []
    for _ in range(n):
        a, b = _Cycle(), _Cycle()
        a.other, b.other = b, a
        out.append(a)
    return out


def test_frozen_cycles_are_collected_once_the_heap_grows() -> None:
    """NODE-19: a cycle alive at a freeze and garbage afterwards survives the young collections between
    blocks; once the heap has grown by `growth` since the last full collection (the first call's heap is
    the base), `between_blocks` makes a full collection, which frees it, and freezes again."""
    assert FULL_COLLECTION_GROWTH == 0.5 and Collector().growth == 0.5
    collector = Collector(growth=0.05)  # a twentieth, so that the ballast below stays small in any process
    try:
        assert collector.between_blocks().full is False  # the base
        held = _cycles(500)  # alive at the next freeze...
        refs = [weakref.ref(c) for c in held]
        assert collector.between_blocks().full is False
        assert gc.get_freeze_count() > 0
        del held
        for _ in range(3):  # ...garbage after it: the young collections do not see it
            assert collector.between_blocks().full is False
        assert sum(r() is not None for r in refs) == 500
        assert collector.base is not None
        ballast = [b"%d" % i for i in range(collector.base * 6 // 100)]  # grows by over a twentieth
        done = collector.between_blocks()
        assert done.full and done.unreachable >= 1000 and collector.full_collections == 1
        assert all(r() is None for r in refs)
        assert collector.base == done.heap_blocks
        del ballast
    finally:
        gc.unfreeze()  # this test process goes on collecting as before


def test_connections_across_blocks_stay_bounded(tmp_path: Path) -> None:
    """NODE-19: WebSocket connections to a node's RPC server, each open across a block (subscribed to new
    heads, so alive at the freeze after it) and then closed, leave reference cycles (asyncio's transport,
    aiohttp's handler) that only a full collection frees; the node's full collections between blocks
    bound how many stay (before them, every one stayed, frozen). Growth here is a small fraction of this
    process's heap (~2,500 blocks, whatever the heap of the process running the test), so that the test
    needs tens of connections, not thousands."""
    node = Node.open(tmp_path, genesis.default(), genesis.dev_keypair("producer"))
    node.collector = Collector(growth=2_500 / sys.getallocatedblocks())  # every ~2,500 blocks of growth
    server = RpcServer(node, limits=Limits())
    connections = 60
    alive: list[weakref.ref[web.WebSocketResponse]] = []

    async def go() -> None:
        runner = web.AppRunner(server.app(), handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        sub = {"jsonrpc": "2.0", "id": 1, "method": "chain_subscribeNewHeads", "params": []}
        try:
            async with aiohttp.ClientSession() as http:
                for _ in range(connections):
                    ws = await http.ws_connect(f"http://127.0.0.1:{port}/")
                    await ws.send_str(json.dumps(sub))
                    await ws.receive(timeout=10)  # the answer
                    (conn,) = server.conns
                    assert conn.ws is not None
                    alive.append(weakref.ref(conn.ws))
                    del conn
                    node.produce_block()
                    node.collect_garbage()
                    await ws.receive(timeout=10)  # the head of the new block
                    await ws.close()
                    del ws
                    for _ in range(10):  # let the server see the close and end the handler
                        await asyncio.sleep(0.01)
                        if not server.conns:
                            break
                    assert not server.conns
        finally:
            await runner.cleanup()
            server.close()

    try:
        asyncio.run(go())
        node.collect_garbage()
        kept = sum(r() is not None for r in alive)
        assert node.collector.full_collections >= 2
        assert kept < connections // 2, f"{kept} of {connections} closed connections still in memory"
    finally:
        node.close()
        gc.unfreeze()


class _RecordingNode:
    """What the runner's loop calls on a node, recording the order and whether the collector was on."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.collector = Collector()
        self.calls: list[tuple[str, bool]] = []
        self.young_after_collection = -1
        self._stop = stop

    def _seen(self, name: str) -> None:
        self.calls.append((name, gc.isenabled()))

    def produce_block(self) -> Any:
        self._seen("produce_block")
        self.junk = [[i] for i in range(5_000)]  # a block's young objects
        return type("Committed", (), {"number": 1, "block": type("B", (), {"calls": ()})})()

    def checkpoint(self) -> None:
        self._seen("checkpoint")

    def release_retired(self) -> int:
        self._seen("release_retired")
        return 0

    def collect_garbage(self) -> Any:
        self._seen("collect_garbage")
        collected = self.collector.between_blocks()
        self.young_after_collection = gc.get_count()[0]
        return collected

    def decode_ahead(self) -> int:
        self._seen("decode_ahead")
        self._stop.set()
        return 0


def test_runner_keeps_the_collector_paused_from_the_block_to_its_collection() -> None:
    """NODE-19, NODE-20, NODE-18, NODE-17: after each block the runner checkpoints, releases what the block
    replaced, collects, then decodes ahead; the collector stays paused from the block until its collection
    (re-enabled as the block returned, the block's young objects would be collected at once, then again
    between blocks) and is on again, with no young objects left, once the collection has run."""

    async def once() -> _RecordingNode:
        stop = asyncio.Event()
        node = _RecordingNode(stop)
        server = type("Server", (), {"metrics": type("Metrics", (), {})()})()
        await asyncio.wait_for(run._produce(node, server, 1, stop), 10)  # type: ignore[arg-type]
        return node

    assert gc.isenabled()
    try:
        node = asyncio.run(once())
    finally:
        gc.unfreeze()  # this test process goes on collecting as before
    assert node.calls == [
        ("produce_block", False),
        ("checkpoint", False),
        ("release_retired", False),
        ("collect_garbage", False),
        ("decode_ahead", True),
    ]
    assert 0 <= node.young_after_collection < 100 and gc.isenabled()  # the freeze reset the count
