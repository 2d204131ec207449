"""A small Python client of the sc4it node's JSON-RPC API (spec/rpc.md), on aiohttp (the `node` extra).

    async with Client("http://127.0.0.1:9944") as node:
        h = await node.sign_and_submit(calls.CreateNameContract(b"site"), alice)
        receipt = await node.wait_for_inclusion(h)          # block, error, events
        contract = await node.contract(7)                     # a sc4it.kernel.types.Contract, or None
        async for notice in node.events(node=1, from_block=1):   # resumes after a reconnect
            ...

Requests go over HTTP POST; subscriptions over a WebSocket that the client reopens when it drops,
resuming from the block after the last one it delivered (RPC-31), so an iterator never skips or repeats
a block. Values come back decoded by the public JSON codec into sc4it's own records.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any, TypeVar

import aiohttp
import attrs

from sc4it.block import Header, header_hash
from sc4it.kernel.calls import Call
from sc4it.kernel.codec import encode
from sc4it.kernel.events import Event
from sc4it.kernel.schema import AccountId
from sc4it.kernel.signing import Keypair, SignedCall, sign
from sc4it.kernel.types import AccountInfo, Contract, Farm, Node, Twin
from sc4it.node.jsoncodec import JsonCodec

T = TypeVar("T")


class RpcCallError(Exception):
    """The node answered with a JSON-RPC error. `name` is the sc4it error it names (`data.error`:
    `StaleNonce`, `PoolFull`...) when there is one."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{message} (code {code})")
        self.code = code
        self.message = message
        self.data = data
        self.name: str | None = data.get("error") if isinstance(data, dict) else None


@attrs.frozen(slots=True)
class Inclusion:
    """Where a call landed: its block, its position there, its error name (None: it succeeded) and its
    events."""

    block: int
    index: int
    error: str | None
    events: tuple[Event, ...]


@attrs.frozen(slots=True)
class BlockEvents:
    """One `sc4it_events` notification: the matching events of block `block`, each with its position in
    the block's events, its phase ("hook" or "call") and the call's position (None for hooks)."""

    block: int
    hash: bytes
    events: tuple[tuple[int, str, int | None, Event], ...]


class Client:
    """See the module docstring. `timeout` bounds every request (seconds)."""

    def __init__(self, url: str, *, timeout: float = 30.0, ss58_prefix: int = 42) -> None:
        self.url = url.rstrip("/")
        self.ws_url = self.url.replace("http://", "ws://").replace("https://", "wss://")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.codec = JsonCodec(ss58_prefix)
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)
        self._chain_id: bytes | None = None

    async def __aenter__(self) -> Client:
        self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use the client as `async with Client(url) as c:`")
        return self._session

    # --- raw JSON-RPC -----------------------------------------------------------------------------

    async def request(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call over HTTP; its result, or `RpcCallError`."""
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        async with self.session.post(self.url, json=body) as resp:
            reply = await resp.json(content_type=None)
        return _result(reply)

    async def batch(self, requests: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Several calls in one HTTP request; each item is its result or an `RpcCallError` (not raised)."""
        first = next(self._ids)
        body = [
            {"jsonrpc": "2.0", "id": first + i, "method": m, "params": list(p)}
            for i, (m, p) in enumerate(requests)
        ]
        self._ids = itertools.count(first + len(requests))
        async with self.session.post(self.url, json=body) as resp:
            replies = await resp.json(content_type=None)
        if isinstance(replies, dict):  # the whole batch was refused
            _result(replies)
        by_id = {r.get("id"): r for r in replies}
        out: list[Any] = []
        for i in range(len(requests)):
            try:
                out.append(_result(by_id[first + i]))
            except RpcCallError as e:
                out.append(e)
        return out

    # --- typed queries ----------------------------------------------------------------------------

    async def chain_id(self) -> bytes:
        if self._chain_id is None:
            props = await self.request("system_properties")
            self._chain_id = bytes.fromhex(props["chainId"][2:])
        return self._chain_id

    async def head(self) -> Header:
        return self.codec.from_json(await self.request("chain_getHeader"), Header)

    async def header(self, block: int | bytes) -> Header | None:
        obj = await self.request("chain_getHeader", _ref(block))
        return None if obj is None else self.codec.from_json(obj, Header)

    async def block_hash(self, number: int) -> bytes | None:
        h = await self.request("chain_getBlockHash", number)
        return None if h is None else bytes.fromhex(h[2:])

    async def _record(self, method: str, key: Any, t: type[T], at: int | bytes | None) -> T | None:
        params = [key] if at is None else [key, _ref(at)]
        obj = await self.request(method, *params)
        return None if obj is None else self.codec.from_json(obj, t)

    async def contract(self, contract_id: int, at: int | bytes | None = None) -> Contract | None:
        return await self._record("sc4it_contract", contract_id, Contract, at)

    async def twin(self, twin_id: int, at: int | bytes | None = None) -> Twin | None:
        return await self._record("sc4it_twin", twin_id, Twin, at)

    async def node(self, node_id: int, at: int | bytes | None = None) -> Node | None:
        return await self._record("sc4it_node", node_id, Node, at)

    async def farm(self, farm_id: int, at: int | bytes | None = None) -> Farm | None:
        return await self._record("sc4it_farm", farm_id, Farm, at)

    async def account(self, account: bytes | str, at: int | bytes | None = None) -> AccountInfo | None:
        return await self._record("sc4it_account", self._ss58(account), AccountInfo, at)

    async def quote(self, **workload: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.request("sc4it_quote", workload)
        return result

    async def next_index(self, account: bytes | str) -> int:
        return int(await self.request("system_accountNextIndex", self._ss58(account)))

    def _ss58(self, account: bytes | str) -> str:
        return account if isinstance(account, str) else str(self.codec.to_json(account, AccountId))

    # --- calls ------------------------------------------------------------------------------------

    async def submit(self, signed: SignedCall) -> bytes:
        """`author_submitExtrinsic`: the call hash, or `RpcCallError` naming why it was refused."""
        h = await self.request("author_submitExtrinsic", "0x" + encode(signed).hex())
        return bytes.fromhex(h[2:])

    async def sign_and_submit(self, call: Call, signer: Keypair, *, nonce: int | None = None) -> bytes:
        """Sign `call` with the signer's next nonce (the node counts its waiting calls) and submit it."""
        if nonce is None:
            nonce = await self.next_index(signer.account_id)
        return await self.submit(sign(call, signer, nonce, await self.chain_id()))

    async def wait_for_inclusion(
        self, call_hash: bytes, *, timeout: float = 30.0, poll: float = 0.05
    ) -> Inclusion:
        """Poll until the call is in a block; `TimeoutError` after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                found = await self.request("sc4it_inclusion", "0x" + call_hash.hex())
                if found is not None:
                    break
                await asyncio.sleep(poll)
        results = await self.request("sc4it_blockResults", found["block"])
        receipt = results["receipts"][found["index"]]
        events: tuple[Event, ...] = tuple(self.codec.from_json(e, Event) for e in receipt["events"])
        return Inclusion(found["block"], found["index"], receipt["error"], events)

    async def submit_and_wait(self, call: Call, signer: Keypair, *, timeout: float = 30.0) -> Inclusion:
        return await self.wait_for_inclusion(await self.sign_and_submit(call, signer), timeout=timeout)

    # --- subscriptions ----------------------------------------------------------------------------

    async def events(
        self,
        *,
        twin: int | None = None,
        node: int | None = None,
        contract: int | None = None,
        event: str | Sequence[str] | None = None,
        from_block: int | None = None,
        reconnect: int = 10,
    ) -> AsyncIterator[BlockEvents]:
        """`sc4it_subscribeEvents`: each block with matching events, in order. When the connection drops
        the client reconnects (up to `reconnect` times in a row) and resumes from the next block."""
        flt: dict[str, Any] = {}
        for key, value in (("twin", twin), ("node", node), ("contract", contract)):
            if value is not None:
                flt[key] = value
        if event is not None:
            flt["event"] = event if isinstance(event, str) else list(event)
        cursor = [from_block]  # the next block to deliver; a reconnect resumes there (RPC-31)
        async for note in self._subscribe(
            "sc4it_subscribeEvents", lambda: _with_start(flt, cursor[0]), reconnect
        ):
            notice = BlockEvents(
                note["block"],
                bytes.fromhex(note["hash"][2:]),
                tuple(
                    (e["index"], e["phase"], e["call"], self.codec.from_json(e["event"], Event))
                    for e in note["events"]
                ),
            )
            cursor[0] = notice.block + 1
            yield notice

    async def new_heads(self) -> AsyncIterator[Header]:
        """`chain_subscribeNewHeads`: the head, then each new header (no resume: a new head is news)."""
        async for note in self._subscribe("chain_subscribeNewHeads", lambda: None, 0):
            yield self.codec.from_json(note, Header)

    async def _subscribe(self, method: str, params: Any, reconnect: int) -> AsyncIterator[Any]:
        failures = 0
        while True:
            try:
                async with self.session.ws_connect(self.ws_url, heartbeat=30.0) as ws:
                    p = params()
                    await ws.send_str(
                        json.dumps(
                            {"jsonrpc": "2.0", "id": 1, "method": method, "params": [] if p is None else [p]}
                        )
                    )
                    sid = None
                    async for msg in ws:
                        if msg.type != aiohttp.WSMsgType.TEXT:
                            break
                        data = json.loads(msg.data)
                        if sid is None and data.get("id") == 1:
                            sid = _result(data)
                            failures = 0
                            continue
                        if data.get("params", {}).get("subscription") == sid:
                            yield data["params"]["result"]
            except (aiohttp.ClientError, ConnectionError, TimeoutError):
                pass
            failures += 1
            if failures > reconnect:
                raise ConnectionError(f"{method}: the node closed the connection ({failures} attempts)")
            await asyncio.sleep(min(0.1 * 2**failures, 2.0))


def _with_start(flt: dict[str, Any], start: int | None) -> dict[str, Any]:
    return flt if start is None else {**flt, "from_block": start}


def _ref(block: int | bytes) -> int | str:
    return block if isinstance(block, int) else "0x" + block.hex()


def _result(reply: Any) -> Any:
    if not isinstance(reply, dict):
        raise RpcCallError(-32603, f"unexpected reply {str(reply)[:200]}")
    if "error" in reply:
        err = reply["error"]
        raise RpcCallError(err.get("code", 0), err.get("message", ""), err.get("data"))
    return reply.get("result")


def block_hash_of(header: Header) -> bytes:
    """The hash of a header (what `chain_getBlockHash` returns for its number)."""
    return header_hash(header)
