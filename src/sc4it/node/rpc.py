"""The node's JSON-RPC 2.0 API over HTTP and WebSocket on one port (spec/rpc.md, rules RPC-xx).

`RpcServer(chain, ...)` builds an aiohttp application for a `sc4it.node.chain.Chain` (a single node, or an
sc4it application under CometBFT, `sc4it.net.chain`; a `Node` is taken as its `NodeChain`):

- `POST /`: one JSON-RPC request or a batch; `GET /` with an `Upgrade: websocket` header: a WebSocket on
  which requests, responses and subscription notifications travel as text frames;
- `GET /health`: the node's head and whether it produces on time (HTTP 503 when it does not);
  `GET /metrics`: counters and gauges in Prometheus' text format.

Every method is a short function of the chain (the block production shares the event loop, see
`sc4it.node.run`; a method that needs I/O, such as a submission through CometBFT, is awaited);
subscriptions are tasks that walk the chain from a block number with a cursor
(replayed blocks and live blocks are the same loop, so there is no gap and no duplicate, RPC-31).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import attrs
from aiohttp import WSMsgType, web

from sc4it import __version__
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.events import Event
from sc4it.kernel.schema import U32, U64, AccountId
from sc4it.kernel.state import State
from sc4it.node.chain import Chain, NodeChain
from sc4it.node.jsoncodec import MAX_SAFE_INTEGER, JsonCodec
from sc4it.node.mempool import MempoolError
from sc4it.node.readproof import EntryProblem, parse_entry, value_to_json
from sc4it.node.rpcevents import (
    EventFilter,
    Owner,
    block_events,
    involved,
    parse_filter,
    remember_removed,
)
from sc4it.node.rpcinput import (
    DEFAULT_LIMITS,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    INVALID_TRANSACTION,
    LIMIT_EXCEEDED,
    METHOD_NOT_FOUND,
    NEEDS_WEBSOCKET,
    PARSE_ERROR,
    UNKNOWN_BLOCK,
    Limits,
    RpcError,
    big,
    block_ref,
    decode_param,
    hex32,
    hexbytes,
    parse_params,
    parse_workload,
)
from sc4it.node.service import Node
from sc4it.tools.quote import QuoteError, quote

__all__ = [  # the server, and what its users (sc4it.net.chain, run, tests) import from here
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "EventFilter",
    "Limits",
    "Method",
    "RpcError",
    "RpcServer",
    "involved",
    "parse_filter",
]

log = logging.getLogger("sc4it.rpc")


class Metrics:
    """Counters for `/metrics` (RPC-50)."""

    def __init__(self) -> None:
        self.requests: dict[str, int] = {}
        self.errors: dict[int, int] = {}
        self.ws_connections = 0
        self.subscriptions = 0
        self.submitted = 0
        self.blocks_produced = 0
        self.last_block_seconds = 0.0
        self.last_block_at = time.monotonic()


# Connections and subscriptions -------------------------------------------------------------------


class _Conn:
    """One client connection: a WebSocket (or None for an HTTP request) and its subscriptions."""

    def __init__(self, ws: web.WebSocketResponse | None) -> None:
        self.ws = ws
        self.subs: dict[str, asyncio.Task[None] | None] = {}
        """Open subscriptions; None until the pump starts, right after the response is sent (RPC-33)."""
        self.to_start: list[Callable[[], None]] = []
        self.send_lock = asyncio.Lock()

    async def send(self, obj: Any) -> None:
        assert self.ws is not None
        async with self.send_lock:
            await self.ws.send_str(json.dumps(obj, separators=(",", ":")))


Handler = Callable[..., Any]


@attrs.frozen(slots=True)
class Method:
    """A JSON-RPC method: `fn` is a function or an async function (whose coroutine is awaited), called with
    its parameters (`params`, the first `required` of them required), after the connection if `needs_conn`."""

    fn: Handler
    params: tuple[str, ...] = ()
    required: int = 0
    needs_conn: bool = False


class RpcServer:
    """The JSON-RPC server of one node (see the module docstring)."""

    def __init__(
        self,
        chain: Chain | Node,
        *,
        limits: Limits = DEFAULT_LIMITS,
        chain_name: str = "sc4it development chain",
        block_time_ms: int = 6000,
        ss58_prefix: int | None = None,
    ) -> None:
        self.chain: Chain = NodeChain(chain) if isinstance(chain, Node) else chain
        self.limits = limits
        self.chain_name = chain_name
        self.block_time_ms = block_time_ms
        self.codec = JsonCodec(self.chain.state.config.ss58_prefix if ss58_prefix is None else ss58_prefix)
        self.metrics = Metrics()
        self.conns: set[_Conn] = set()
        self._next_sub = 0
        self._block_signal: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event_names = frozenset(t.__name__ for t in Event.__args__)
        self.methods = self._methods()
        self._removed: dict[int, tuple[Owner, int]] = {}
        """RPC-30: contract id -> ((twin, node), the block that removed it), oldest removal first, for
        `REMOVED_OWNERS_KEPT` blocks (a live contract's owner is read from the head state)."""
        self._unsubscribe = self.chain.subscribe(self._on_block)

    def close(self) -> None:
        self._unsubscribe()

    # --- the aiohttp application -----------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.limits.max_request_bytes)
        app.router.add_post("/", self._http)
        app.router.add_get("/", self._ws)
        app.router.add_get("/health", self._health)
        app.router.add_get("/metrics", self._metrics)
        app.on_startup.append(self._startup)
        app.on_shutdown.append(self._shutdown)
        return app

    async def _startup(self, app: web.Application) -> None:
        self._loop = asyncio.get_running_loop()

    async def _shutdown(self, app: web.Application) -> None:
        for conn in list(self.conns):
            _cancel(conn)
            if conn.ws is not None:
                await conn.ws.close(code=1001, message=b"node shutting down")

    async def _http(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            err = self._too_large(request.content_length or 0)
            return web.json_response(self._error(None, err), status=413)
        out = await self.handle_text(body, _Conn(None))
        if out is None:
            return web.Response(status=204)
        return web.Response(text=out, content_type="application/json")

    def _too_large(self, size: int) -> RpcError:
        limit = self.limits.max_request_bytes
        return RpcError(
            LIMIT_EXCEEDED, f"request of {size} bytes exceeds the limit of {limit}", {"limit": limit}
        )

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.json_response(
                {"name": "sc4it", "version": __version__, "rpc": "POST JSON-RPC 2.0 here"}
            )
        if len(self.conns) >= self.limits.max_connections:
            return web.json_response(
                self._error(None, RpcError(LIMIT_EXCEEDED, "too many connections")), status=503
            )
        ws = web.WebSocketResponse(max_msg_size=self.limits.max_frame_bytes, heartbeat=30.0)
        await ws.prepare(request)
        conn = _Conn(ws)
        self.conns.add(conn)
        self.metrics.ws_connections += 1
        try:
            await self._serve_ws(conn, ws)
        finally:
            self.conns.discard(conn)
            self.metrics.ws_connections -= 1
            self.metrics.subscriptions -= len(conn.subs)
            _cancel(conn)
        return ws

    async def _serve_ws(self, conn: _Conn, ws: web.WebSocketResponse) -> None:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                text: str | bytes = msg.data
            elif msg.type == WSMsgType.BINARY:
                text = msg.data
            else:
                break  # ERROR (e.g. a frame above max_frame_bytes: aiohttp closes with 1009) or CLOSE
            if len(text) > self.limits.max_request_bytes:
                await conn.send(self._error(None, self._too_large(len(text))))
                continue
            out = await self.handle_text(text, conn)
            if out is not None:
                async with conn.send_lock:
                    await ws.send_str(out)
            for start in conn.to_start:
                start()
            conn.to_start.clear()

    # --- JSON-RPC ---------------------------------------------------------------------------------

    async def handle_text(self, text: str | bytes, conn: _Conn) -> str | None:
        """RPC-01..RPC-05: the response text to a request or a batch (None when nothing is answered)."""
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError) as e:
            return json.dumps(self._error(None, RpcError(PARSE_ERROR, f"parse error: {str(e)[:200]}")))
        if isinstance(obj, list):
            if not obj:
                return json.dumps(self._error(None, RpcError(INVALID_REQUEST, "empty batch")))
            if len(obj) > self.limits.max_batch:
                err = RpcError(
                    LIMIT_EXCEEDED, f"batch of {len(obj)} requests exceeds {self.limits.max_batch}"
                )
                return json.dumps(self._error(None, err))
            outs = [r for r in [await self._one(item, conn) for item in obj] if r is not None]
            return json.dumps(outs, separators=(",", ":")) if outs else None
        out = await self._one(obj, conn)
        return None if out is None else json.dumps(out, separators=(",", ":"))

    def _error(self, rid: Any, err: RpcError) -> dict[str, Any]:
        self.metrics.errors[err.code] = self.metrics.errors.get(err.code, 0) + 1
        return {"jsonrpc": "2.0", "error": err.to_json(), "id": rid}

    async def _one(self, req: Any, conn: _Conn) -> dict[str, Any] | None:
        """One request object -> its response object (None for a notification, RPC-03)."""
        if not isinstance(req, dict):
            return self._error(None, RpcError(INVALID_REQUEST, "a request is a JSON object"))
        rid = req.get("id")
        if "id" in req and not (rid is None or type(rid) in (int, str)):
            return self._error(None, RpcError(INVALID_REQUEST, "id must be a string, a number or null"))
        method = req.get("method")
        if req.get("jsonrpc") != "2.0" or type(method) is not str:
            return self._error(rid, RpcError(INVALID_REQUEST, 'expected {"jsonrpc": "2.0", "method": ...}'))
        try:
            result = self.call(method, req.get("params"), conn)
            if inspect.isawaitable(result):  # an async method's (any awaitable a handler returns)
                result = await result
        except RpcError as e:
            return None if "id" not in req else self._error(rid, e)
        except Exception:
            log.exception("internal error in %s", method)
            return self._error(rid, RpcError(INTERNAL_ERROR, "internal error"))
        return None if "id" not in req else {"jsonrpc": "2.0", "result": result, "id": rid}

    def call(self, method: str, params: Any, conn: _Conn) -> Any:
        m = self.methods.get(method)
        if m is None:
            raise RpcError(METHOD_NOT_FOUND, f"method not found: {method[:80]}")
        self.metrics.requests[method] = self.metrics.requests.get(method, 0) + 1
        args = parse_params(params, m.params, m.required)
        if m.needs_conn:
            if conn.ws is None:
                raise RpcError(NEEDS_WEBSOCKET, f"{method} needs a WebSocket connection")
            return m.fn(conn, *args)
        return m.fn(*args)

    # --- methods ----------------------------------------------------------------------------------

    def _methods(self) -> dict[str, Method]:
        return {
            "system_health": Method(self.system_health),
            "system_chain": Method(lambda: self.chain_name),
            "system_name": Method(lambda: "sc4it"),
            "system_version": Method(lambda: __version__),
            "system_properties": Method(self.system_properties),
            "system_accountNextIndex": Method(self.account_next_index, ("account",), 1),
            "author_submitExtrinsic": Method(self.submit, ("extrinsic",), 1),
            "author_pendingExtrinsics": Method(lambda: self.chain.pending()),
            "chain_getHeader": Method(self.get_header, ("block",)),
            "chain_getBlock": Method(self.get_block, ("block",)),
            "chain_getBlockHash": Method(self.get_block_hash, ("number",)),
            "chain_getFinalizedHead": Method(lambda: "0x" + self.chain.head_hash().hex()),
            "sc4it_blockResults": Method(self.block_results, ("block",)),
            "sc4it_inclusion": Method(self.inclusion, ("hash",), 1),
            "sc4it_contract": Method(self.record("contracts", U64), ("id", "at", "proof"), 1),
            "sc4it_twin": Method(self.record("twins", U32), ("id", "at", "proof"), 1),
            "sc4it_node": Method(self.record("nodes", U32), ("id", "at", "proof"), 1),
            "sc4it_farm": Method(self.record("farms", U32), ("id", "at", "proof"), 1),
            "sc4it_account": Method(self.record("accounts", AccountId), ("account", "at", "proof"), 1),
            "state_getReadProof": Method(self.read_proof, ("keys", "at"), 1),
            "sc4it_quote": Method(self.quote, ("workload", "at"), 1),
            "chain_subscribeNewHeads": Method(self.subscribe_heads, needs_conn=True),
            "chain_unsubscribeNewHeads": Method(self.unsubscribe, ("subscription",), 1, needs_conn=True),
            "sc4it_subscribeEvents": Method(self.subscribe_events, ("filter",), 0, needs_conn=True),
            "sc4it_unsubscribeEvents": Method(self.unsubscribe, ("subscription",), 1, needs_conn=True),
        }

    async def system_health(self) -> dict[str, Any]:
        return await self.chain.health()

    def system_properties(self) -> dict[str, Any]:
        return {
            "ss58Format": self.codec.ss58_prefix,
            "tokenDecimals": 7,
            "tokenSymbol": "TFT",
            "chainId": "0x" + self.chain.chain_id.hex(),
            "blockTimeMs": self.block_time_ms,
            **self.chain.properties(),
        }

    def account_next_index(self, account: Any) -> int:
        return self.chain.account_next_index(decode_param(self.codec, account, AccountId, "account"))

    async def submit(self, extrinsic: Any) -> str:
        """RPC-21: the canonical CBOR of a signed call, as hex -> its call hash, or INVALID_TRANSACTION
        whose data names the sc4it error (a validity Error or a mempool reason)."""
        data = hexbytes(extrinsic, "extrinsic", self.limits.max_request_bytes)
        try:
            h = await self.chain.submit(data)
        except MempoolError as e:
            raise RpcError(
                INVALID_TRANSACTION, f"invalid transaction: {e.message}", {"error": e.name}
            ) from None
        self.metrics.submitted += 1
        return "0x" + h.hex()

    def _number(self, ref: int | bytes | None) -> int:
        if ref is None:
            return self.chain.head_number()
        n = self.chain.number_of(ref)
        if n is None:
            raise RpcError(
                UNKNOWN_BLOCK, "unknown block", {"block": ref if isinstance(ref, int) else "0x" + ref.hex()}
            )
        return n

    async def get_header(self, block: Any) -> Any:
        ref = block_ref(block, "block")
        n = self.chain.number_of(self.chain.head_number() if ref is None else ref)
        return None if n is None else await self.chain.header_json(n, self.codec)

    async def get_block(self, block: Any) -> Any:
        ref = block_ref(block, "block")
        n = self.chain.number_of(self.chain.head_number() if ref is None else ref)
        return None if n is None else await self.chain.block_json(n, self.codec)

    def get_block_hash(self, number: Any) -> Any:
        if number is None:
            return "0x" + self.chain.head_hash().hex()
        if type(number) is not int or not 0 <= number <= MAX_SAFE_INTEGER:
            raise RpcError(INVALID_PARAMS, "number: expected a block number", {"param": "number"})
        return self._hash_of(number)

    def _hash_of(self, number: int) -> str | None:
        h = self.chain.block_hash(number)
        return None if h is None else "0x" + h.hex()

    def block_results(self, block: Any) -> Any:
        ref = block_ref(block, "block")
        n = self._number(ref)
        results = self.chain.results(n)
        if results is None:
            return {"hook_events": [], "receipts": []}
        return {
            "hook_events": [self.codec.to_json(e, Event) for e in results.hook_events],
            "receipts": [
                {
                    "error": None if r.error_name is None else r.error_name.decode(),
                    "events": [self.codec.to_json(e, Event) for e in r.events],
                }
                for r in results.receipts
            ],
        }

    def inclusion(self, h: Any) -> Any:
        found = self.chain.inclusion(hex32(h, "hash"))
        return None if found is None else {"block": found[0], "index": found[1]}

    def _state(self, at: Any) -> State:
        ref = block_ref(at)
        if ref is None:
            return self.chain.state
        n = self._number(ref)
        try:
            return self.chain.state_at(n)
        except LookupError as e:
            raise RpcError(UNKNOWN_BLOCK, str(e), {"block": n}) from None

    def record(self, field: str, key_type: Any) -> Handler:
        """RPC-22, RPC-27: `sc4it_<record>(key, at?, proof?)`: the record in the state after block `at`
        (default the head) in its JSON form, or null; with `proof: true`, `{"at", "value", "proof"}`."""

        def get(key: Any, at: Any, proof: Any) -> Any:
            if proof is not None and type(proof) is not bool:
                raise RpcError(INVALID_PARAMS, "proof: expected true or false", {"param": "proof"})
            k = decode_param(self.codec, key, key_type, "id" if key_type is not AccountId else "account")
            if proof:
                block_hash, tree = self._tree(at)
                value = tree.value(field, k)
                return {
                    "at": "0x" + block_hash.hex(),
                    "value": None if value is None else self.codec.to_json(value),
                    "proof": "0x" + tree.prove([(field, k)]).hex(),
                }
            value = getattr(self._state(at), field).get(k)
            return None if value is None else self.codec.to_json(value)

        return get

    def read_proof(self, keys: Any, at: Any) -> Any:
        """RPC-26: `state_getReadProof(keys, at?)`: one proof (CMT-20, CMT-21) of storage entries given
        as `{"map", "key"}` in their JSON form, in the state after block `at` (default the head):
        `{"at": block hash, "proof": hex, "values": [each entry's value or null]}`."""
        entries = self._proof_keys(keys)
        block_hash, tree = self._tree(at)
        values = [value_to_json(self.codec, m, k, tree.value(m, k)) for m, k in entries]
        proof = tree.prove(entries)
        return {"at": "0x" + block_hash.hex(), "proof": "0x" + proof.hex(), "values": values}

    def _proof_keys(self, keys: Any) -> list[tuple[str, Any]]:
        """RPC-26, RPC-44: 1 to `max_proof_keys` entries `{"map", "key"}`; the count is checked before
        any key is decoded."""
        if type(keys) is not list or not keys:
            raise RpcError(
                INVALID_PARAMS,
                'keys: expected an array of {"map": ..., "key": ...} objects',
                {"param": "keys"},
            )
        limit = self.limits.max_proof_keys
        if len(keys) > limit:
            raise RpcError(
                LIMIT_EXCEEDED, f"keys: {len(keys)} keys exceed the limit of {limit}", {"limit": limit}
            )
        try:
            return [parse_entry(self.codec, item, f"keys[{i}]") for i, item in enumerate(keys)]
        except EntryProblem as e:
            raise RpcError(INVALID_PARAMS, str(e), {"param": e.param}) from None

    def _tree(self, at: Any) -> tuple[bytes, Commitment]:
        """LGT-09 through RPC-20's block reference: the hash of block `at` and the state tree after it."""
        n = self._number(block_ref(at))
        try:
            return self.chain.tree_at(n)
        except LookupError as e:
            raise RpcError(UNKNOWN_BLOCK, str(e), {"block": n}) from None

    def quote(self, workload: Any, at: Any) -> Any:
        """RPC-23: the price of a workload (see `sc4it.tools.quote`)."""
        w, balance, secs = parse_workload(workload)
        try:
            q = quote(self._state(at), w, balance=balance, secs=secs)
        except QuoteError as e:
            raise RpcError(INVALID_PARAMS, f"workload: {e}", {"param": "workload"}) from None
        return {
            "lines": [
                {
                    "kind": line.kind,
                    "label": line.label,
                    "units_usd": big(line.units_usd),
                    "tft_before_discount": big(line.tft_before_discount),
                    "discount_level": self.codec.to_json(line.level),
                    "tft": big(line.tft),
                }
                for line in q.lines
            ],
            "secs": q.secs,
            "price_musd": q.price_musd,
            "balance": big(q.balance),
            "usable": big(q.usable),
            "certification": self.codec.to_json(q.certification),
            "notes": list(q.notes),
            "total_units_usd": big(q.total_units_usd),
            "total_tft": big(q.total_tft),
        }

    # --- subscriptions (RPC-30..RPC-33) -----------------------------------------------------------

    def _on_block(self, number: int, events: tuple[Event, ...]) -> None:
        """Chain observer: wake every subscription (from any thread)."""
        self.metrics.blocks_produced += 1
        self.metrics.last_block_at = time.monotonic()
        remember_removed(self._removed, number, events, self._owner_before)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake)

    def _owner_before(self, contract_id: int, n: int) -> Owner | None:
        try:
            c = self.chain.state_at(n - 1).contracts.get(contract_id)
        except LookupError:  # StateUnavailable on a node, LookupError on a network
            return None
        return None if c is None else (c.twin_id, c.node_id())

    def _wake(self) -> None:
        fut, self._block_signal = self._block_signal, None
        if fut is not None and not fut.done():
            fut.set_result(None)

    async def _next_block(self) -> None:
        if self._block_signal is None:
            self._block_signal = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._block_signal)

    def _open(self, conn: _Conn, pump: Callable[[str], Awaitable[None]]) -> str:
        if len(conn.subs) >= self.limits.max_subscriptions:
            limit = self.limits.max_subscriptions
            raise RpcError(LIMIT_EXCEEDED, f"at most {limit} subscriptions per connection", {"limit": limit})
        self._next_sub += 1
        sid = f"{self._next_sub:x}"

        def start() -> None:
            if sid in conn.subs:  # not unsubscribed in the same batch
                conn.subs[sid] = asyncio.get_running_loop().create_task(self._run_pump(conn, sid, pump))

        conn.subs[sid] = None
        conn.to_start.append(start)
        self.metrics.subscriptions += 1
        return sid

    async def _run_pump(self, conn: _Conn, sid: str, pump: Callable[[str], Awaitable[None]]) -> None:
        try:
            await pump(sid)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        except Exception:
            log.exception("subscription %s failed", sid)

    def unsubscribe(self, conn: _Conn, subscription: Any) -> bool:
        if type(subscription) is not str or subscription not in conn.subs:
            return False
        task = conn.subs.pop(subscription)
        if task is not None:
            task.cancel()
        self.metrics.subscriptions -= 1
        return True

    def subscribe_heads(self, conn: _Conn) -> str:
        """RPC-32: the head now, then every new header, in order."""
        start = self.chain.head_number()

        async def pump(sid: str) -> None:
            async for n in self._cursor(start):
                header = await self.chain.header_json(n, self.codec)
                await conn.send(_note("chain_newHead", sid, header))

        return self._open(conn, pump)

    def subscribe_events(self, conn: _Conn, flt: Any) -> str:
        """RPC-30, RPC-31: per block with a matching event, `{block, hash, events: [{index, phase,
        call, event}]}`; from `from_block` (replayed from the store) or from the next block."""
        event_filter, from_block = parse_filter(flt, self._event_names)
        first = self.chain.first_number()
        if from_block is not None and from_block < first:
            raise RpcError(
                UNKNOWN_BLOCK, f"events before block {first} are not kept by this node", {"first": first}
            )
        start = self.chain.head_number() + 1 if from_block is None else max(from_block, 1)

        async def pump(sid: str) -> None:
            async for n in self._cursor(start):
                note = self._events_of(n, event_filter)
                if note is not None:
                    await conn.send(_note("sc4it_events", sid, note))

        return self._open(conn, pump)

    async def _cursor(self, start: int) -> Any:
        """Block numbers from `start` on, forever: stored ones at once, then each as it is committed."""
        n = start
        while True:
            while n <= self.chain.head_number():
                yield n
                n += 1
                if n % 64 == 0:
                    await asyncio.sleep(0)  # a long replay lets block production and requests run
            await self._next_block()

    def _owner(self, contract_id: int) -> tuple[int, int] | None:
        """A contract's (twin, node): from the head state, else, for a contract removed in the last
        `REMOVED_OWNERS_KEPT` blocks while this server ran, from the state before its removal. Any other
        contract is unknown: its events match by the ids they carry only (RPC-30)."""
        c = self.chain.state.contracts.get(contract_id)
        if c is not None:
            return (c.twin_id, c.node_id())
        gone = self._removed.get(contract_id)
        return None if gone is None else gone[0]

    def _events_of(self, n: int, flt: EventFilter) -> dict[str, Any] | None:
        results = self.chain.results(n)
        if results is None:
            return None
        out = []
        for index, (phase, call, event) in enumerate(block_events(results)):
            if flt.matches(event, self._owner):
                out.append(
                    {"index": index, "phase": phase, "call": call, "event": self.codec.to_json(event, Event)}
                )
        if not out:
            return None
        return {"block": n, "hash": self._hash_of(n), "events": out}

    # --- health and metrics -----------------------------------------------------------------------

    def health(self) -> tuple[bool, dict[str, Any]]:
        """RPC-50: ok while a block was committed within three block times."""
        age_ms = int((time.monotonic() - self.metrics.last_block_at) * 1000)
        ok = age_ms <= 3 * self.block_time_ms
        return ok, {
            "status": "ok" if ok else "stalled",
            "head": self.chain.head_number(),
            "head_hash": "0x" + self.chain.head_hash().hex(),
            "pending": self.chain.pending(),
            "last_block_ms_ago": age_ms,
            "block_time_ms": self.block_time_ms,
        }

    async def _health(self, request: web.Request) -> web.StreamResponse:
        ok, body = self.health()
        return web.json_response(body, status=200 if ok else 503)

    async def _metrics(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text="".join(self.metric_lines()), content_type="text/plain")

    def metric_lines(self) -> Iterator[str]:
        m = self.metrics
        yield f"sc4it_block_height {self.chain.head_number()}\n"
        yield f"sc4it_mempool_calls {self.chain.pending()}\n"
        yield f"sc4it_blocks_produced_total {m.blocks_produced}\n"
        yield f"sc4it_block_production_seconds {m.last_block_seconds:.6f}\n"
        yield f"sc4it_extrinsics_submitted_total {m.submitted}\n"
        yield f"sc4it_ws_connections {m.ws_connections}\n"
        yield f"sc4it_subscriptions {m.subscriptions}\n"
        for method, count in sorted(m.requests.items()):
            yield f'sc4it_rpc_requests_total{{method="{method}"}} {count}\n'
        for code, count in sorted(m.errors.items()):
            yield f'sc4it_rpc_errors_total{{code="{code}"}} {count}\n'


def _cancel(conn: _Conn) -> None:
    for task in conn.subs.values():
        if task is not None:
            task.cancel()


def _note(method: str, sid: str, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": {"subscription": sid, "result": result}}
