"""A small Python client of the sc4it node's JSON-RPC API (spec/rpc.md), on aiohttp (the `node` extra).

    async with Client("http://127.0.0.1:9944") as node:
        h = await node.sign_and_submit(calls.CreateNameContract(b"site"), alice)
        receipt = await node.wait_for_inclusion(h)          # block, error, events
        contract = await node.contract(7)                     # a sc4it.kernel.types.Contract, or None
        async for notice in node.events(node=1, from_block=1):   # resumes after a reconnect
            ...

The same client talks to a node of a CometBFT network (`sc4it net up`, RPC-70..RPC-75): headers are then
CometBFT's (`sc4it.net.light.CometHeader`), and `light_block(h)` returns what `sc4it.net.light` verifies.

Requests go over HTTP POST; subscriptions over a WebSocket that the client reopens when it drops,
resuming from the block after the last one it delivered (RPC-31), so an iterator never skips or repeats
a block. Values come back decoded by the public JSON codec into sc4it's own records.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import attrs

from sc4it.block import Header, header_hash
from sc4it.kernel.calls import Call
from sc4it.kernel.codec import encode
from sc4it.kernel.events import Event
from sc4it.kernel.schema import AccountId
from sc4it.kernel.signing import Keypair, SignedCall, sign
from sc4it.kernel.types import AccountInfo, Contract, Farm, Node, Twin
from sc4it.light import LightClient, LightError, LightFault
from sc4it.node.jsoncodec import JsonCodec, JsonError
from sc4it.node.readproof import entry_json, value_from_json

# `sc4it.net.light` is imported inside the CometBFT methods (`_comet_header`, behind `comet_header` and
# `comet_new_heads`, and `light_block`), not here: no import circle forces it (net.light imports neither
# this module nor anything that does), but it needs protobuf, the `net` extra, while this client needs
# only the `node` extra (aiohttp). A top-level import would make every client of a single node install
# protobuf.
if TYPE_CHECKING:
    from sc4it.net.light import CometHeader, LightBlock

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


class NodeKindError(TypeError):
    """RPC-77: a method that reads one kind of node's headers asked of the other kind: a single sc4it
    node's header (`head`, `header`, `new_heads`, `sealed_header`, `verified`) of a CometBFT network's
    node, whose headers are CometBFT's, or CometBFT's header (`comet_header`, `comet_new_heads`) of a
    single node. The message names the methods to use instead; nothing is sent again."""

    def __init__(self, network: bool) -> None:
        self.network = network
        """True: the node is a CometBFT network's node; False: a single sc4it node."""
        if network:
            super().__init__(
                "the node is a CometBFT network's node, whose headers are CometBFT's: use comet_header(), "
                "comet_new_heads() and light_block() (verify them with sc4it.net.light)"
            )
        else:
            super().__init__(
                "the node is a single sc4it node, whose headers are sc4it's: use head(), header(), "
                "new_heads() and verified()"
            )


def _is_comet_header(obj: Any) -> bool:
    """RPC-74: a network node's header JSON carries CometBFT's own header as `cometbft`."""
    return isinstance(obj, dict) and "cometbft" in obj


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

    def _header(self, obj: Any) -> Header:
        if _is_comet_header(obj):
            raise NodeKindError(network=True)  # RPC-77
        return self.codec.from_json(obj, Header)

    @staticmethod
    def _comet_header(obj: Any) -> CometHeader:
        if not _is_comet_header(obj):
            raise NodeKindError(network=False)  # RPC-77
        from sc4it.net.light import CometHeader  # the `net` extra: see the note at the imports

        return CometHeader.from_json(obj["cometbft"])

    async def head(self) -> Header:
        return self._header(await self.request("chain_getHeader"))

    async def header(self, block: int | bytes) -> Header | None:
        obj = await self.request("chain_getHeader", _ref(block))
        return None if obj is None else self._header(obj)

    async def comet_header(self, block: int | bytes | None = None) -> CometHeader | None:
        """RPC-74 (a CometBFT network's node): CometBFT's header of `block` (default the final head)."""
        obj = await self.request("chain_getHeader", *([] if block is None else [_ref(block)]))
        return None if obj is None else self._comet_header(obj)

    async def light_block(self, height: int | None = None) -> LightBlock:
        """RPC-74 (a CometBFT network's node): the signed header and validator set at `height` (default
        the head), to verify with `sc4it.net.light` rather than trust."""
        from sc4it.net.light import LightBlock  # the `net` extra: see the note at the imports

        return LightBlock.from_json(await self.request("sc4it_lightBlock", height))

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

    async def read_proof(
        self, entries: Sequence[tuple[str, Any]], at: int | bytes | None = None
    ) -> ReadProof:
        """`state_getReadProof` (RPC-26): the values of `entries` ((map, key) pairs) after block `at`
        (default the head) with one proof, as the node sent them: nothing is verified here (see
        `Verified`)."""
        keys = [entry_json(self.codec, m, k) for m, k in entries]
        obj = await self.request("state_getReadProof", keys, None if at is None else _ref(at))
        return ReadProof(
            _hex(obj["at"]),
            _hex(obj["proof"]),
            tuple(
                value_from_json(self.codec, m, k, v) for (m, k), v in zip(entries, obj["values"], strict=True)
            ),
        )

    async def sealed_header(self, block: int | bytes) -> tuple[Header, bytes | None]:
        """The header of `block` and its producer's signature (None for the genesis), unverified."""
        obj = await self.request("chain_getBlock", _ref(block))
        if obj is None:
            raise RpcCallError(-32001, f"the node has no block {_ref(block)}")
        header = self._header(obj["block"]["header"])
        sig = obj["block"]["signature"]
        return header, None if sig is None else _hex(sig)

    def verified(self, light: LightClient, *, max_age_ms: int | None = None) -> Verified:
        """Reads through this node checked by `light` (LGT-10..LGT-12): see `Verified`."""
        return Verified(self, light, max_age_ms=max_age_ms)

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
            yield self._header(note)

    async def comet_new_heads(self) -> AsyncIterator[CometHeader]:
        """`chain_subscribeNewHeads` on a CometBFT network's node: each final header, CometBFT's."""
        async for note in self._subscribe("chain_subscribeNewHeads", lambda: None, 0):
            yield self._comet_header(note)

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


@attrs.frozen(slots=True)
class ReadProof:
    """A `state_getReadProof` answer: the block hash it is for, the proof (CMT-21) and each entry's
    value (None: absent), unverified."""

    at: bytes
    proof: bytes
    values: tuple[Any, ...]


_MALFORMED = (JsonError, KeyError, TypeError, ValueError, IndexError)
"""What decoding an answer of the wrong shape can raise (a lying or broken node): `LightError`."""


class Verified:
    """Storage reads through a node that is not trusted (spec/light.md, LGT-10..LGT-12).

    Every value comes with a proof (`state_getReadProof`, or a typed query with `proof: true`) against
    the state root of the block the node names; that block's header is fetched and accepted by `light`
    (its finality checked: on a single node, the producer's seal, LGT-02..LGT-04) before the proof is
    checked against it (LGT-05). A wrong value, a tampered proof, a header that is not final or not the
    block asked for is `LightError`; so is an answer of the wrong shape. With `max_age_ms`, a header
    older than that by the local clock is `LightError(Stale)` (a node cannot pass off an old state as
    the head)."""

    def __init__(
        self,
        client: Client,
        light: LightClient,
        *,
        max_age_ms: int | None = None,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self.client = client
        self.light = light
        self.max_age_ms = max_age_ms
        self.clock_ms = clock_ms
        self._accepted: dict[bytes, Header] = {}

    async def header(self, at: int | bytes | None = None) -> Header:
        """LGT-10: the header of block `at` (default the head), accepted by the light client."""
        if isinstance(at, bytes):
            return await self._accept(at, at)
        try:
            block_hash = _hex(await self.client.request("chain_getBlockHash", at))
        except (*_MALFORMED, RpcCallError) as e:
            raise LightError(LightFault.NotFinal, f"no block hash for {at}: {e}") from None
        return await self._accept(block_hash, at)

    async def _accept(self, block_hash: bytes, asked: int | bytes | None) -> Header:
        """LGT-10, LGT-11: the header whose hash is `block_hash`, final by `light`, the block `asked`
        for (None: the head, fresh enough)."""
        header = self._accepted.get(block_hash)
        if header is None:
            try:
                header, signature = await self.client.sealed_header(block_hash)
            except NodeKindError:
                raise
            except (*_MALFORMED, RpcCallError) as e:
                raise LightError(
                    LightFault.NotFinal, f"no header for block 0x{block_hash.hex()}: {e}"
                ) from None
            if header_hash(header) != block_hash:
                raise LightError(LightFault.NotFinal, "the header sent is not the block named")
            if signature is None:
                raise LightError(LightFault.NotFinal, "the genesis has no seal: ask about a later block")
            self.light.accept(header, signature)
            self._accepted[block_hash] = header
        if isinstance(asked, int) and header.number != asked:
            raise LightError(LightFault.Mismatch, f"asked about block {asked}, answered at {header.number}")
        if isinstance(asked, bytes) and asked != block_hash:
            raise LightError(LightFault.Mismatch, "answered at another block than the one asked for")
        if asked is None and self.max_age_ms is not None:
            age = self.clock_ms() - header.timestamp
            if age > self.max_age_ms:
                raise LightError(LightFault.Stale, f"the head is {age} ms old (at most {self.max_age_ms})")
        return header

    async def entries(
        self, entries: Sequence[tuple[str, Any]], at: int | bytes | None = None
    ) -> tuple[Header, tuple[Any, ...]]:
        """LGT-10: the values of `entries` ((map, key) pairs; None: absent) after block `at` (default the
        head), proved with one proof against an accepted header."""
        try:
            answer = await self.client.read_proof(entries, at)
        except _MALFORMED as e:
            raise LightError(LightFault.BadProof, f"malformed answer: {e}") from None
        header = await self._accept(answer.at, at)
        claims = [(m, k, v) for (m, k), v in zip(entries, answer.values, strict=True)]
        self.light.entries(header, claims, answer.proof)
        return header, answer.values

    async def _typed(
        self, method: str, t: type[T], key: Any, at: int | bytes | None
    ) -> tuple[Header, T | None, bytes]:
        obj = await self.client.request(method, key, None if at is None else _ref(at), True)
        try:
            block_hash, proof = _hex(obj["at"]), _hex(obj["proof"])
            value = None if obj["value"] is None else self.client.codec.from_json(obj["value"], t)
        except _MALFORMED as e:
            raise LightError(LightFault.BadProof, f"malformed answer: {e}") from None
        return await self._accept(block_hash, at), value, proof

    async def contract(self, contract_id: int, at: int | bytes | None = None) -> Contract | None:
        """LGT-06, LGT-10: contract `contract_id` (None: proved absent)."""
        header, value, proof = await self._typed("sc4it_contract", Contract, contract_id, at)
        return self.light.contract(header, contract_id, value, proof)

    async def account(self, account: bytes | str, at: int | bytes | None = None) -> AccountInfo | None:
        """LGT-06, LGT-10: an account's balance record (None: proved absent)."""
        key = self.client._ss58(account)
        header, value, proof = await self._typed("sc4it_account", AccountInfo, key, at)
        account_id: bytes = self.client.codec.from_json(key, AccountId)
        return self.light.account(header, account_id, value, proof)

    async def twin(self, twin_id: int, at: int | bytes | None = None) -> Twin | None:
        """LGT-06, LGT-10: twin `twin_id` (None: proved absent)."""
        header, value, proof = await self._typed("sc4it_twin", Twin, twin_id, at)
        return self.light.twin(header, twin_id, value, proof)

    async def node(self, node_id: int, at: int | bytes | None = None) -> Node | None:
        """LGT-10: node `node_id` (None: proved absent)."""
        header, value, proof = await self._typed("sc4it_node", Node, node_id, at)
        return self.light.entry(header, "nodes", node_id, value, proof)  # type: ignore[no-any-return]

    async def farm(self, farm_id: int, at: int | bytes | None = None) -> Farm | None:
        """LGT-10: farm `farm_id` (None: proved absent)."""
        header, value, proof = await self._typed("sc4it_farm", Farm, farm_id, at)
        return self.light.entry(header, "farms", farm_id, value, proof)  # type: ignore[no-any-return]

    async def deployment(
        self, contract_id: int, *, twin_id: int, deployment_hash: bytes, at: int | bytes | None = None
    ) -> tuple[Header, Contract]:
        """LGT-07, LGT-12: what a ZOS node checks before deploying, through an untrusted node: contract
        `contract_id` exists (proved), belongs to `twin_id` and carries `deployment_hash`."""
        header, value, proof = await self._typed("sc4it_contract", Contract, contract_id, at)
        contract = self.light.deployment(
            header, contract_id, value, proof, twin_id=twin_id, deployment_hash=deployment_hash
        )
        return header, contract


def _hex(x: Any) -> bytes:
    if type(x) is not str or not x.startswith("0x"):
        raise ValueError("expected 0x-prefixed hex")
    return bytes.fromhex(x[2:])


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
