"""A lying chain node for tests: an HTTP and WebSocket proxy in front of a real node (127.0.0.1, port 0)
that rewrites the results of chosen JSON-RPC methods. Clients pointed at it must refuse what it changes
(spec/light.md, LGT-10..LGT-13)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
from aiohttp import web

Tamper = Callable[[str, Any, Any], Any]
"""(method, params, result) -> the result the liar sends instead."""

TIMEOUT = aiohttp.ClientTimeout(total=30)


class Liar:
    """Forwards every request to `upstream`; the result of each answered request goes through `tamper`."""

    def __init__(self, upstream: str, tamper: Tamper) -> None:
        self.upstream = upstream.rstrip("/")
        self.tamper = tamper
        self.lies = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/", self._http)
        app.router.add_get("/", self._ws)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _rewrite(self, request: Any, reply: Any) -> Any:
        if isinstance(reply, list):
            by_id = {r.get("id"): r for r in request} if isinstance(request, list) else {}
            return [self._rewrite(by_id.get(r.get("id"), {}), r) for r in reply]
        if isinstance(reply, dict) and "result" in reply and isinstance(request, dict):
            new = self.tamper(request.get("method", ""), request.get("params"), reply["result"])
            if new != reply["result"]:
                self.lies += 1
            return {**reply, "result": new}
        return reply

    async def _http(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {"Content-Type": "application/json"}
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as s,
            s.post(self.upstream, data=body, headers=headers) as r,
        ):
            text = await r.text()
            status = r.status
        if not text:
            return web.Response(status=status)
        out = self._rewrite(json.loads(body), json.loads(text))
        return web.Response(text=json.dumps(out), status=status, content_type="application/json")

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async with aiohttp.ClientSession() as s, s.ws_connect(self.upstream) as up:

            async def down() -> None:
                async for msg in up:
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        break
                    await ws.send_str(msg.data)

            pump = asyncio.ensure_future(down())
            try:
                async for msg in ws:
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        break
                    await up.send_str(msg.data)
            finally:
                pump.cancel()
        return ws


@contextmanager
def threaded(upstream: str, tamper: Tamper) -> Iterator[Liar]:
    """A `Liar` serving from its own event loop in a daemon thread (for tests that run processes); the
    loop and its server stop when the block exits (bounded waits)."""
    loop = asyncio.new_event_loop()
    liar = Liar(upstream, tamper)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(liar.start(), loop).result(30)
        yield liar
    finally:
        asyncio.run_coroutine_threadsafe(liar.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()
