"""ABCI's socket protocol (spec/network.md, NET-03): CometBFT connects to the application four times
(consensus, mempool, query, snapshot) and sends, on each connection, protobuf `Request` messages
prefixed by their length as an unsigned varint; the application answers each with the `Response` of the
same kind, in order, and flushes on `Flush`. The messages are the classes generated from CometBFT's own
`.proto` files (`sc4it.net.engine.abci_types`).

`serve` runs one application for all connections in one asyncio loop: requests are handled one at a
time in arrival order, so the application needs no locks (CometBFT itself serialises consensus calls);
the responses to the requests that arrived together leave in one write. It is also where the
collector's discipline of a block-making host applies (NODE-19, `sc4it.node.collector`): Python's cyclic
collector is paused from a height's first block request (`BLOCK_REQUESTS`) until, once the responses that
end with its Commit are written, the application has released what the block replaced (NODE-20) and the
collector has run between blocks; at most `MAX_BLOCK_PAUSE_S` (`_HeightPause`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Protocol

from sc4it.net.engine import abci_types
from sc4it.node.collector import Collector

log = logging.getLogger("sc4it.net.abci")

MAX_MESSAGE_BYTES = 104_857_600
"""NET-03: a larger length prefix closes the connection (CometBFT's own limit, `maxMsgSize`, is 100 MiB)."""


BLOCK_REQUESTS = frozenset({"prepare_proposal", "finalize_block", "commit"})
"""NODE-19: the requests that build, execute or commit a block: the first of a height pauses the collector."""

MAX_BLOCK_PAUSE_S = 10.0
"""NODE-19: the longest the collector stays paused for one height (its Commit may never come: a round
that fails, CometBFT gone); then the collector runs between blocks as after a Commit."""


class FramingError(ValueError):
    """A malformed length prefix on an ABCI connection."""


def encode_uvarint(n: int) -> bytes:
    """The unsigned LEB128 varint of `n` (Go's `binary.PutUvarint`)."""
    assert n >= 0
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


async def read_uvarint(reader: asyncio.StreamReader) -> int:
    """Read one unsigned varint (at most 10 bytes); `FramingError` if it is longer or too large."""
    shift = 0
    value = 0
    for _ in range(10):
        (byte,) = await reader.readexactly(1)
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if value > MAX_MESSAGE_BYTES:
                raise FramingError(f"message of {value} bytes is over the {MAX_MESSAGE_BYTES} limit")
            return value
        shift += 7
    raise FramingError("varint longer than 10 bytes")


def frame(message: Any) -> bytes:
    """A message as it goes on the wire: its length as a uvarint, then its bytes."""
    body: bytes = message.SerializeToString()
    return encode_uvarint(len(body)) + body


class Application(Protocol):
    """What `serve` calls: one method per ABCI request kind (the names of `Request`'s oneof fields)."""

    def handle(self, kind: str, request: Any) -> Any: ...

    def release_retired(self) -> int:
        """NODE-20: free what the committed blocks replaced (called between blocks)."""
        ...


def respond(app: Application, request: Any) -> Any:
    """The `Response` to one `Request`: `app.handle` for every kind but `echo` and `flush`; an exception
    in the application becomes `ResponseException` (CometBFT then stops, which is what we want)."""
    t = abci_types()
    kind = request.WhichOneof("value")
    if kind == "echo":
        return t.Response(echo=t.ResponseEcho(message=request.echo.message))
    if kind == "flush":
        return t.Response(flush=t.ResponseFlush())
    if kind is None:
        return t.Response(exception=t.ResponseException(error="empty request"))
    try:
        inner = app.handle(kind, getattr(request, kind))
    except Exception as e:
        log.exception("ABCI %s failed", kind)
        return t.Response(exception=t.ResponseException(error=f"{kind}: {type(e).__name__}: {e}"))
    return t.Response(**{kind: inner})


def frame_bounds(buf: bytes | bytearray, pos: int) -> tuple[int, int] | None:
    """NET-03: where the message framed at `buf[pos:]` lies, `(start, end)` of its bytes, or None if
    `buf` does not hold all of it yet; `FramingError` for a length prefix over 10 bytes or over
    `MAX_MESSAGE_BYTES` (as `read_uvarint`)."""
    shift = 0
    value = 0
    i = pos
    for _ in range(10):
        if i >= len(buf):
            return None
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if value > MAX_MESSAGE_BYTES:
                raise FramingError(f"message of {value} bytes is over the {MAX_MESSAGE_BYTES} limit")
            return (i, i + value) if i + value <= len(buf) else None
        shift += 7
    raise FramingError("varint longer than 10 bytes")


class _HeightPause:
    """NODE-19 on the network, one for all connections: the collector paused from a height's first block
    request until `end` (after its Commit's responses are written), Info, Query, CheckTx and the other
    connections served meanwhile; `end` releases what the block replaced (NODE-20), then runs the collector
    between blocks, then resumes it. At most `limit` seconds: then `end` runs from the loop by itself."""

    def __init__(self, app: Application, collector: Collector, limit: float) -> None:
        self.app = app
        self.collector = collector
        self.limit = limit
        self.held: contextlib.ExitStack | None = None
        """The pause in force (`Collector.paused`, entered at `begin`); None while not paused."""
        self.timer: asyncio.TimerHandle | None = None

    def begin(self) -> None:
        if self.held is not None:
            return
        self.held = contextlib.ExitStack()
        self.held.enter_context(self.collector.paused())  # a host that runs with it off keeps it off
        self.timer = asyncio.get_running_loop().call_later(self.limit, self.end)

    def end(self) -> None:
        try:
            self.app.release_retired()  # NODE-20, before the collector: it need not walk what was freed
            self.collector.between_blocks()  # NODE-19 (its freeze leaves no young objects)
        finally:
            self.resume()

    def resume(self) -> None:
        """The collector as it was before the pause (the server stopping ends a pause this way too)."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        held, self.held = self.held, None
        if held is not None:
            held.close()


class _Connection(asyncio.Protocol):
    """One ABCI connection: the requests that arrive together are answered in order, with one write of
    all their responses (CometBFT sends its requests in bursts: the mempool connection's CheckTx every
    20 ms, a block's calls back to back), instead of one system call per response."""

    def __init__(self, app: Application, pause: _HeightPause) -> None:
        self.app = app
        self.pause = pause
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.peer: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = transport.get_extra_info("peername")
        log.info("ABCI connection from %s", self.peer)

    def connection_lost(self, exc: Exception | None) -> None:
        log.info("ABCI connection from %s closed", self.peer)

    def pause_writing(self) -> None:  # the peer reads no responses: read no more requests meanwhile
        assert self.transport is not None
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        assert self.transport is not None
        self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        transport = self.transport
        assert transport is not None
        self.buf += data
        t = abci_types()
        out: list[bytes] = []
        pos = 0
        commits = 0
        try:
            while (bounds := frame_bounds(self.buf, pos)) is not None:
                start, pos = bounds
                request = t.Request()
                request.ParseFromString(bytes(self.buf[start:pos]))
                kind = request.WhichOneof("value")
                if kind in BLOCK_REQUESTS:
                    self.pause.begin()  # NODE-19: until the Commit's responses are written
                out.append(frame(respond(self.app, request)))
                commits += kind == "commit"
        except FramingError as e:
            log.error("ABCI connection from %s: %s; closing it", self.peer, e)
            self._close(out)
            return
        except Exception as e:  # a Request that does not parse
            log.error("ABCI connection from %s: %s: %s; closing it", self.peer, type(e).__name__, e)
            self._close(out)
            return
        del self.buf[:pos]
        if out:
            transport.write(b"".join(out))
        if commits:  # NODE-20, NODE-19: between blocks, once the Commit's response is on its way
            self.pause.end()

    def _close(self, out: list[bytes]) -> None:
        assert self.transport is not None
        if out:
            self.transport.write(b"".join(out))
        self.buf.clear()
        self.transport.close()


async def serve(
    app: Application,
    host: str,
    port: int,
    *,
    ready: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
    collector: Collector | None = None,
    max_pause_s: float = MAX_BLOCK_PAUSE_S,
) -> None:
    """Serve `app` on `host:port` until `stop` is set (forever if None); `ready(port)` is called once
    listening (port 0 picks a free port). `collector`: NODE-19's, one for all connections (default: a
    new one); `max_pause_s`: the longest it stays paused for one height."""
    stop = asyncio.Event() if stop is None else stop
    loop = asyncio.get_running_loop()
    pause = _HeightPause(app, Collector() if collector is None else collector, max_pause_s)
    server = await loop.create_server(lambda: _Connection(app, pause), host, port)
    bound = server.sockets[0].getsockname()[1]
    log.info("ABCI server listening on %s:%d", host, bound)
    if ready is not None:
        ready(bound)
    try:
        async with server:
            await stop.wait()
    finally:
        pause.resume()
