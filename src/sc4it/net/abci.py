"""ABCI's socket protocol (spec/network.md, NET-03): CometBFT connects to the application four times
(consensus, mempool, query, snapshot) and sends, on each connection, protobuf `Request` messages
prefixed by their length as an unsigned varint; the application answers each with the `Response` of the
same kind, in order, and flushes on `Flush`. The messages are the classes generated from CometBFT's own
`.proto` files (`sc4it.net.engine.abci_types`).

`serve` runs one application for all connections in one asyncio loop: requests are handled one at a
time in arrival order, so the application needs no locks (CometBFT itself serialises consensus calls).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from sc4it.net.engine import abci_types

log = logging.getLogger("sc4it.net.abci")

MAX_MESSAGE_BYTES = 104_857_600
"""NET-03: a larger length prefix closes the connection (CometBFT's own limit, `maxMsgSize`, is 100 MiB)."""


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


async def _connection(
    app: Application, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, on_close: Callable[[], None]
) -> None:
    t = abci_types()
    peer = writer.get_extra_info("peername")
    log.info("ABCI connection from %s", peer)
    try:
        while True:
            length = await read_uvarint(reader)
            request = t.Request()
            request.ParseFromString(await reader.readexactly(length))
            response = respond(app, request)
            writer.write(frame(response))
            if request.WhichOneof("value") == "flush":
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        log.info("ABCI connection from %s closed", peer)
    except FramingError as e:
        log.error("ABCI connection from %s: %s; closing it", peer, e)
    finally:
        writer.close()
        on_close()


async def serve(
    app: Application,
    host: str,
    port: int,
    *,
    ready: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve `app` on `host:port` until `stop` is set (forever if None); `ready(port)` is called once
    listening (port 0 picks a free port)."""
    stop = asyncio.Event() if stop is None else stop
    server = await asyncio.start_server(
        lambda r, w: _connection(app, r, w, lambda: None), host, port, limit=MAX_MESSAGE_BYTES
    )
    bound = server.sockets[0].getsockname()[1]
    log.info("ABCI server listening on %s:%d", host, bound)
    if ready is not None:
        ready(bound)
    async with server:
        await stop.wait()
