"""The JSON-RPC API of a real `sc4it node run` process (spec/rpc.md, RPC-xx), talked to with
`sc4it.client` and with plain HTTP / WebSocket requests: submit, inclusion, queries, subscriptions with
resume, and every kind of bad input (each a JSON-RPC error; the node keeps serving, nothing is written)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import cbor2
import pytest

from sc4it import calls, genesis, sign
from sc4it.block import header_hash
from sc4it.client import BlockEvents, Client, NodeKindError, RpcCallError
from sc4it.kernel.codec import encode
from sc4it.kernel.errors import Error
from sc4it.kernel.events import ContractCreated, NameContractCanceled
from sc4it.kernel.types import Contract, NameContract
from sc4it.node.rpc import involved

from . import nodeproc

ALICE = genesis.dev_keypair("alice")
BOB = genesis.dev_keypair("bob")
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[nodeproc.NodeProcess]:
    """One node for this module: 100 ms blocks, at most 4 subscriptions per connection, 64 KiB requests."""
    data = tmp_path_factory.mktemp("rpc") / "data"
    with nodeproc.running(data, "--max-subscriptions", "4", "--max-request-bytes", "65536") as n:
        yield n


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


@asynccontextmanager
async def client(node: nodeproc.NodeProcess) -> AsyncIterator[Client]:
    async with Client(node.url) as c:
        yield c


async def post(url: str, body: bytes | str, status: int = 200) -> Any:
    async with aiohttp.ClientSession() as s, s.post(url, data=body) as resp:
        assert resp.status == status, await resp.text()
        text = await resp.text()
        return json.loads(text) if text else None


def err(reply: Any) -> tuple[int, str]:
    assert "result" not in reply, reply
    return reply["error"]["code"], reply["error"]["message"]


# ------------------------------------------------------------------------------------------------
# Submit, inclusion, queries


def test_submit_include_and_query(node: nodeproc.NodeProcess) -> None:
    """RPC-21 RPC-22 RPC-25 RPC-63: a signed call goes in through author_submitExtrinsic, lands in a block
    (sc4it_inclusion), and the contract it made is queryable, at the head and at that block."""

    async def go() -> None:
        async with client(node) as c:
            before = await c.next_index(ALICE.account_id)
            h = await c.sign_and_submit(calls.CreateNameContract(b"rpc-site"), ALICE)
            inc = await c.wait_for_inclusion(h)
            assert inc.error is None
            created = [e for e in inc.events if isinstance(e, ContractCreated)]
            assert len(created) == 1
            cid = created[0].contract.contract_id
            contract = await c.contract(cid)
            assert isinstance(contract, Contract) and contract.contract_type == NameContract(b"rpc-site")
            assert await c.contract(cid, at=inc.block) == contract
            assert await c.contract(cid, at=inc.block - 1) is None  # RPC-20: the state after that block
            assert await c.next_index(ALICE.account_id) == before + 1
            acc = await c.account(ALICE.ss58())
            assert acc is not None and acc.nonce == before + 1
            twin = await c.twin(1)
            assert twin is not None and twin.account_id == ALICE.account_id
            assert await c.node(1) is not None and await c.farm(1) is not None
            assert await c.contract(10**9) is None

    run(go())


def test_chain_methods(node: nodeproc.NodeProcess) -> None:
    """RPC-20 RPC-24: headers by number and hash, block hashes, the finalized head, blocks with their
    calls as hex, the system methods. RPC-77: CometBFT's header asked of a single node is refused with
    `NodeKindError`."""

    async def go() -> None:
        async with client(node) as c:
            head = await c.head()
            assert head.number >= 1
            h1 = await c.block_hash(1)
            assert h1 is not None
            header1 = await c.header(1)
            assert header1 is not None and header_hash(header1) == h1
            assert await c.header(h1) == header1
            assert await c.header(10**12) is None and await c.block_hash(10**12) is None
            with pytest.raises(NodeKindError, match="single sc4it node") as kind:  # RPC-77
                await c.comet_header(1)
            assert kind.value.network is False and isinstance(kind.value, TypeError)
            fin = await c.request("chain_getFinalizedHead")
            assert fin.startswith("0x") and len(fin) == 66
            blk = await c.request("chain_getBlock", 1)
            assert blk["block"]["header"]["number"] == 1 and isinstance(blk["block"]["extrinsics"], list)
            assert await c.request("chain_getBlock", 10**12) is None
            assert await c.request("system_name") == "sc4it"
            assert isinstance(await c.request("system_version"), str)
            assert isinstance(await c.request("system_chain"), str)
            assert await c.request("system_health") == {
                "peers": 0,
                "isSyncing": False,
                "shouldHavePeers": False,
            }
            props = await c.request("system_properties")
            assert (
                props["ss58Format"] == 42
                and bytes.fromhex(props["chainId"][2:]) == genesis.default().chain_id
            )
            q = await c.quote(cru=2, mru=4 << 30, sru=50 << 30, public_ips=1)  # RPC-23
            assert q["total_tft"] > 0 and q["lines"][0]["kind"] == "node"
            with pytest.raises(RpcCallError) as e:
                await c.quote(node_id=999, cru=1)
            assert e.value.code == -32602 and "node 999" in e.value.message
            with pytest.raises(RpcCallError) as e:
                await c.contract(1, at=10**12)
            assert e.value.code == -32001  # RPC-20: a block the node does not have

    run(go())


def test_invalid_and_replayed_calls(node: nodeproc.NodeProcess) -> None:
    """RPC-11 RPC-21: refused calls get error 1010 whose data names the sc4it error; nothing is admitted."""

    async def go() -> None:
        async with client(node) as c:
            chain = await c.chain_id()
            nonce = await c.next_index(BOB.account_id)
            signed = sign(calls.CreateNameContract(b"bob-site"), BOB, nonce, chain)
            h = await c.submit(signed)
            with pytest.raises(RpcCallError) as e:  # the same call again while it waits, or once included
                await c.submit(signed)
            assert e.value.code == 1010 and e.value.name in ("AlreadyKnown", Error.StaleNonce.name)
            await c.wait_for_inclusion(h)
            with pytest.raises(RpcCallError) as e:  # replayed after inclusion
                await c.submit(signed)
            assert e.value.name == Error.StaleNonce.name
            pending = await c.request("author_pendingExtrinsics")
            bad = [
                (
                    sign(calls.CreateNameContract(b"x-site"), BOB, nonce + 1, bytes(32)),
                    Error.WrongChainId.name,
                ),
                (
                    sign(calls.CreateNameContract(b"y-site"), genesis.dev_keypair("nobody"), 0, chain),
                    Error.UnknownSigner.name,
                ),
            ]
            honest = sign(calls.CreateNameContract(b"z-site"), BOB, nonce + 1, chain)
            forged = attrs.evolve(honest, call=calls.CreateNameContract(b"w-site"))  # z's signature on w
            bad.append((forged, Error.BadSignature.name))
            for s, name in bad:
                with pytest.raises(RpcCallError) as e:
                    await c.submit(s)
                assert e.value.code == 1010 and e.value.name == name, e.value
            wire = encode(signed)
            noncanonical = cbor2.dumps(cbor2.loads(wire), canonical=False) + b"\x00"
            with pytest.raises(RpcCallError) as e:
                await c.request("author_submitExtrinsic", "0x" + noncanonical.hex())
            assert e.value.code == 1010 and e.value.name == "Malformed"
            for junk in ("0x0", "zz", 5, "0xzz"):
                with pytest.raises(RpcCallError) as e:
                    await c.request("author_submitExtrinsic", junk)
                assert e.value.code == -32602
            assert await c.request("author_pendingExtrinsics") == pending  # nothing written
            assert await c.next_index(BOB.account_id) == nonce + 1

    run(go())


# ------------------------------------------------------------------------------------------------
# Bad input over HTTP


def test_bad_json_rpc_over_http(node: nodeproc.NodeProcess) -> None:
    """RPC-02 RPC-03 RPC-04 RPC-05 RPC-10 RPC-41: each malformed request gets its JSON-RPC error."""

    async def go() -> None:
        url = node.url
        assert err(await post(url, "{not json"))[0] == -32700
        assert err(await post(url, "[" * 50_000))[0] == -32700
        assert err(await post(url, '{"jsonrpc":"2.0","id":1,"method":"nope"}'))[0] == -32601
        assert err(await post(url, '{"jsonrpc":"1.0","id":1,"method":"system_name"}'))[0] == -32600
        assert err(await post(url, '{"jsonrpc":"2.0","id":[1],"method":"system_name"}'))[0] == -32600
        assert err(await post(url, '"hello"'))[0] == -32600
        assert err(await post(url, "[]"))[0] == -32600
        r = await post(url, '{"jsonrpc":"2.0","id":7,"method":"sc4it_contract","params":["seven"]}')
        assert err(r)[0] == -32602 and r["id"] == 7 and r["error"]["data"] == {"param": "id"}
        r = await post(url, '{"jsonrpc":"2.0","id":1,"method":"sc4it_contract","params":[1, 2, 3]}')
        assert err(r)[0] == -32602
        r = await post(url, '{"jsonrpc":"2.0","id":1,"method":"sc4it_account","params":["5Fake"]}')
        assert err(r)[0] == -32602 and r["error"]["data"]["param"] == "account"
        r = await post(url, '{"jsonrpc":"2.0","id":1,"method":"sc4it_twin","params":{"id":1}}')
        assert r["result"]["id"] == 1  # named parameters
        r = await post(url, '{"jsonrpc":"2.0","id":1,"method":"sc4it_twin","params":{"idd":1}}')
        assert err(r)[0] == -32602
        r = await post(url, '{"jsonrpc":"2.0","id":1,"method":"chain_subscribeNewHeads"}')
        assert err(r)[0] == -32002  # RPC-33: subscriptions need a WebSocket
        assert await post(url, '{"jsonrpc":"2.0","method":"system_name"}', status=204) is None  # RPC-03
        batch = [{"jsonrpc": "2.0", "id": i, "method": "system_name"} for i in range(3)]
        batch.append({"jsonrpc": "2.0", "method": "system_name"})
        batch.append({"jsonrpc": "2.0", "id": 9, "method": "nope"})
        out = await post(url, json.dumps(batch))
        assert sorted(r["id"] for r in out) == [0, 1, 2, 9] and err(out[-1])[0] == -32601
        big = [{"jsonrpc": "2.0", "id": i, "method": "system_name"} for i in range(1001)]
        r = await post(url, json.dumps(big))
        assert err(r)[0] == -32000  # RPC-41
        r = await post(
            url, b'{"jsonrpc":"2.0","id":1,"method":"system_name","params":["' + b"a" * 70_000 + b'"]}', 413
        )
        assert err(r)[0] == -32000  # RPC-40
        assert (await post(url, '{"jsonrpc":"2.0","id":1,"method":"system_name"}'))["result"] == "sc4it"

    run(go())


def test_health_and_metrics(node: nodeproc.NodeProcess) -> None:
    """RPC-50: /health says the node produces on time; /metrics counts requests and errors."""

    async def go() -> None:
        async with aiohttp.ClientSession() as s:
            async with s.get(node.url + "/health") as resp:
                body = await resp.json()
                assert resp.status == 200 and body["status"] == "ok" and body["head"] >= 1
            async with s.get(node.url + "/metrics") as resp:
                text = await resp.text()
            assert "sc4it_block_height " in text and 'sc4it_rpc_requests_total{method="' in text

    run(go())


# ------------------------------------------------------------------------------------------------
# WebSocket, with a plain client


async def ws_call(ws: aiohttp.ClientWebSocketResponse, rid: int, method: str, *params: Any) -> Any:
    await ws.send_str(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": list(params)}))
    return await ws_reply(ws, rid)


async def ws_reply(ws: aiohttp.ClientWebSocketResponse, rid: Any) -> Any:
    while True:
        msg = await ws.receive(timeout=TIMEOUT)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        data = json.loads(msg.data)
        if isinstance(data, dict) and "method" in data:
            continue  # a notification
        if isinstance(data, list) or data.get("id") == rid:
            return data


def test_new_heads_over_plain_websocket(node: nodeproc.NodeProcess) -> None:
    """RPC-01 RPC-32 RPC-33: the head then each new header in order, after the subscription's response;
    unsubscribe answers true once."""

    async def go() -> None:
        async with aiohttp.ClientSession() as s, s.ws_connect(node.ws) as ws:
            await ws.send_str(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "chain_subscribeNewHeads"}))
            first = json.loads((await ws.receive(timeout=TIMEOUT)).data)
            sid = first["result"]  # the response comes before any notification
            assert isinstance(sid, str)
            numbers: list[int] = []
            while len(numbers) < 3:
                note = json.loads((await ws.receive(timeout=TIMEOUT)).data)
                assert note["method"] == "chain_newHead" and note["params"]["subscription"] == sid
                numbers.append(note["params"]["result"]["number"])
            assert numbers == list(range(numbers[0], numbers[0] + 3))
            assert (await ws_call(ws, 2, "chain_unsubscribeNewHeads", sid))["result"] is True
            assert (await ws_call(ws, 3, "chain_unsubscribeNewHeads", sid))["result"] is False

    run(go())


def test_websocket_bad_input(node: nodeproc.NodeProcess) -> None:
    """RPC-05 RPC-40 RPC-42: malformed frames, oversized frames and a flood of subscriptions each get an
    error on the same connection, which keeps serving; a frame above the hard cap closes it (1009)."""

    async def go() -> None:
        async with aiohttp.ClientSession() as s:
            async with s.ws_connect(node.ws) as ws:
                await ws.send_str("{oops")
                assert err(await ws_reply(ws, None))[0] == -32700
                await ws.send_bytes(b"\xff\xfe")
                assert err(await ws_reply(ws, None))[0] == -32700
                await ws.send_str('{"jsonrpc":"2.0","id":1,"method":"x","params":["' + "a" * 70_000 + '"]}')
                assert err(await ws_reply(ws, None))[0] == -32000
                codes = []
                for i in range(6):
                    r = await ws_call(ws, 10 + i, "sc4it_subscribeEvents", {"twin": 1})
                    codes.append(r["error"]["code"] if "error" in r else 0)
                assert codes == [0, 0, 0, 0, -32000, -32000]  # --max-subscriptions 4
                r = await ws_call(ws, 20, "sc4it_subscribeEvents", {"twin": "one"})
                assert err(r)[0] == -32602
                r = await ws_call(ws, 21, "sc4it_subscribeEvents", {"event": "NoSuchEvent"})
                assert err(r)[0] == -32602
                r = await ws_call(ws, 22, "sc4it_subscribeEvents", {"color": "red"})
                assert err(r)[0] == -32602
                assert (await ws_call(ws, 30, "system_name"))["result"] == "sc4it"
            async with s.ws_connect(node.ws) as ws:
                with contextlib.suppress(ConnectionError):  # the node may close before it is all sent
                    await ws.send_str("x" * ((4 << 20) + 1))
                msg = await ws.receive(timeout=TIMEOUT)
                assert msg.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSED,
                    aiohttp.WSMsgType.ERROR,
                )
                assert ws.closed and ws.close_code in (1009, 1006, None)
            async with s.ws_connect(node.ws) as ws:  # the node still serves
                assert (await ws_call(ws, 1, "system_name"))["result"] == "sc4it"

    run(go())


# ------------------------------------------------------------------------------------------------
# Events: filters, replay and resume


def test_events_filter_replay_and_resume(node: nodeproc.NodeProcess) -> None:
    """RPC-30 RPC-31: a subscription from a block number replays the stored blocks then goes on live;
    reading part, dropping the connection and resuming from the next block yields exactly the blocks a
    single uninterrupted subscription yields: no gap, no duplicate."""

    async def go() -> None:
        async with client(node) as c:
            start = (await c.head()).number + 1
            names = [f"ev-{i}".encode() for i in range(4)]
            hashes = []
            for name in names:  # one per block: wait for each so the blocks differ
                h = await c.sign_and_submit(calls.CreateNameContract(name), BOB)
                hashes.append(h)
                await c.wait_for_inclusion(h)
            created = await collect(c.events(twin=2, event="ContractCreated", from_block=start), 4)
            made = [e[3].contract for n in created for e in n.events if isinstance(e[3], ContractCreated)]
            assert [m.contract_type for m in made] == [NameContract(name) for name in names]
            ids = [m.contract_id for m in made]
            for cid in ids:
                await c.submit_and_wait(calls.CancelContract(cid), BOB)
            # everything of twin 2 from `start`: 4 creations then 4 cancellations
            full = await collect(c.events(twin=2, from_block=start), 8, key=is_name_event)
            # the same, read in two parts over two connections
            first = await collect(c.events(twin=2, from_block=start), 3, key=is_name_event)
            rest = await collect(c.events(twin=2, from_block=first[-1].block + 1), 5, key=is_name_event)
            assert [(n.block, n.events) for n in first + rest] == [(n.block, n.events) for n in full]
            blocks = [n.block for n in full]
            assert blocks == sorted(set(blocks))
            cancels = [e[3] for n in full for e in n.events if isinstance(e[3], NameContractCanceled)]
            assert [e.contract_id for e in cancels] == ids
            only = await collect(c.events(contract=ids[0], from_block=start), 2, key=is_name_event)
            assert all(involved(e[3])["contract"] == {ids[0]} for n in only for e in n.events)

    run(go())


def is_name_event(notice: BlockEvents) -> int:
    return sum(isinstance(e[3], ContractCreated | NameContractCanceled) for e in notice.events)


async def collect(it: AsyncIterator[BlockEvents], n: int, key: Any = None) -> list[BlockEvents]:
    """The first notices of `it` until `n` events counted by `key` (default: all events) were seen."""
    out: list[BlockEvents] = []
    seen = 0
    async with asyncio.timeout(TIMEOUT):
        async for notice in it:
            counted = key(notice) if key is not None else len(notice.events)
            if counted:
                out.append(notice)
                seen += counted
            if seen >= n:
                break
    await it.aclose()  # type: ignore[attr-defined]
    return out


def test_resume_after_the_node_restarts(tmp_path: Path) -> None:
    """RPC-31 RPC-64: the client's iterator survives the node stopping and starting again on the same
    directory: it reconnects and resumes at the next block, delivering each block once."""
    data = tmp_path / "data"
    first = nodeproc.start(data, block_time_ms=100)

    async def go() -> None:
        nonlocal first
        async with Client(first.url) as c:
            heads = c.events(from_block=1)
            seen: list[int] = []
            await c.submit_and_wait(calls.CreateNameContract(b"before"), ALICE)
            it = heads.__aiter__()
            seen.append((await anext(it)).block)
            assert first.stop() == 0
            port = int(first.url.rsplit(":", 1)[1])
            first = nodeproc.start(data, block_time_ms=100, port=port)
            async with Client(first.url) as c2:
                await c2.submit_and_wait(calls.CreateNameContract(b"after"), ALICE)
            while len(seen) < 2:
                seen.append((await anext(it)).block)
            assert seen[1] > seen[0]
            await it.aclose()  # type: ignore[attr-defined]

    try:
        run(go())
    finally:
        first.stop()


# ------------------------------------------------------------------------------------------------
# The process: start, stop, resume, refuse


def test_stop_resume_and_refusals(tmp_path: Path) -> None:
    """RPC-60 RPC-61 RPC-62 RPC-64: 127.0.0.1 by default, the URL in rpc.json; SIGTERM stops it with 0 and
    removes rpc.json; a restart resumes at the last block; a taken port, a locked directory and another
    chain's directory are refused with a message and an exit code."""
    data = tmp_path / "data"
    n = nodeproc.start(data, block_time_ms=50)
    try:
        assert n.url.startswith("http://127.0.0.1:")
        h1 = run(_head(n.url))
        port = int(n.url.rsplit(":", 1)[1])
        taken = nodeproc.run_cli(
            ["node", "run", "--data-dir", str(tmp_path / "other"), "--rpc-port", str(port)]
        )
        assert taken.returncode == 5 and "already in use" in taken.stderr
        locked = nodeproc.run_cli(["node", "run", "--data-dir", str(data), "--rpc-port", "0"])
        assert locked.returncode == 5, locked.stderr
    finally:
        assert n.stop() == 0
    assert not (data / "rpc.json").exists()
    n2 = nodeproc.start(data, block_time_ms=50)
    try:
        assert run(_head(n2.url)) >= h1
    finally:
        n2.stop()
    gen = tmp_path / "other.json"
    g = genesis.default_genesis()
    genesis.dump(attrs.evolve(g, config=attrs.evolve(g.config, billing_frequency=77)), gen)
    other = nodeproc.run_cli(
        ["node", "run", "--data-dir", str(data), "--genesis", str(gen), "--rpc-port", "0"]
    )
    assert other.returncode == 2 and "how to fix" in other.stderr, other.stderr
    bad = nodeproc.run_cli(
        ["node", "run", "--data-dir", str(data), "--genesis", str(tmp_path / "missing.json")]
    )
    assert bad.returncode == 2 and "genesis" in bad.stderr


async def _head(url: str) -> int:
    async with Client(url) as c:
        return (await c.head()).number


def test_json_logs_and_export_trace(tmp_path: Path) -> None:
    """RPC-65 RPC-66: --log-format json writes one JSON object per line; export-trace writes a trace that
    `sc4it replay --check` re-executes."""
    data = tmp_path / "data"
    n = nodeproc.start(data, "--log-format", "json", "--log-level", "debug", block_time_ms=50)
    try:
        run(_create(n.url))
    finally:
        assert n.stop() == 0
    lines = [ln for ln in n.stderr().splitlines() if ln.strip()]
    assert lines and all(isinstance(json.loads(ln), dict) for ln in lines)
    assert any(json.loads(ln)["level"] == "debug" for ln in lines)
    out = tmp_path / "chain.trace"
    r = nodeproc.run_cli(["node", "export-trace", "--data-dir", str(data), "--block-time-ms", "50", str(out)])
    assert r.returncode == 0, r.stderr
    check = nodeproc.run_cli(["replay", str(out), "--check"])
    assert check.returncode == 0, check.stdout + check.stderr


async def _create(url: str) -> None:
    async with Client(url) as c:
        inc = await c.submit_and_wait(calls.CreateNameContract(b"traced"), ALICE)
        assert inc.error is None
