"""The RPC server in process (spec/rpc.md): event filters, the connection cap, a long replay that does not
starve the event loop. The process-level tests are in test_rpc_process.py."""

from __future__ import annotations

import asyncio
import json
import typing
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from sc4it import calls, genesis, sign
from sc4it.kernel import events as ev
from sc4it.kernel.types import Contract, Created, NameContract, NodeContract, Twin
from sc4it.node.rpc import EventFilter, Limits, RpcError, RpcServer, involved, parse_filter
from sc4it.node.service import Node

ALICE = genesis.dev_keypair("alice")
UPGRADE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}
NAMES = frozenset(t.__name__ for t in typing.get_args(ev.Event))


def no_owner(cid: int) -> tuple[int, int] | None:
    return None


def test_involved_ids_at_any_depth() -> None:
    """RPC-30: the ids an event names, in nested records too."""
    c = Contract(4, Created(), 9, 3, NodeContract(5, bytes(32), b"", 0))
    assert involved(ev.ContractCreated(c)) == {"twin": {3}, "node": {5}, "contract": {9}}
    assert involved(ev.TwinStored(Twin(7, ALICE.account_id))) == {
        "twin": {7},
        "node": set(),
        "contract": set(),
    }
    assert involved(ev.NameContractCanceled(12))["contract"] == {12}


def test_filter_semantics() -> None:
    """RPC-30: keys AND, values OR; a contract's events match its owner's twin and node filters."""
    flt, start = parse_filter({"twin": [3, 4], "event": "NameContractCanceled", "from_block": 5}, NAMES)
    assert start == 5 and flt.twins == frozenset({3, 4})
    cancel = ev.NameContractCanceled(12)
    assert not flt.matches(cancel, no_owner)
    assert flt.matches(cancel, lambda cid: (3, 0) if cid == 12 else None)
    assert not flt.matches(ev.ContractCreated(Contract(4, Created(), 1, 3, NameContract(b"abc"))), no_owner)
    assert EventFilter().matches(cancel, no_owner)
    node_flt, _ = parse_filter({"node": 5}, NAMES)
    assert node_flt.matches(
        ev.ContractCreated(Contract(4, Created(), 9, 3, NodeContract(5, bytes(32), b"", 0))), no_owner
    )
    bads: list[Any] = [
        {"twin": -1},
        {"twin": []},
        {"node": "5"},
        {"event": ["Nope"]},
        {"from_block": -3},
        {"x": 1},
        [1],
    ]
    for bad in bads:
        with pytest.raises(RpcError) as e:
            parse_filter(bad, NAMES)
        assert e.value.code == -32602


async def _serve(node: Node, limits: Limits) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(RpcServer(node, limits=limits).app(), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def test_connection_cap_and_long_replay(tmp_path: Path) -> None:
    """RPC-42: WebSocket connections beyond the cap are refused (503, -32000). RPC-31: a replay from block
    1 over 600 stored blocks delivers the first block's events; the server answers other requests."""
    state = genesis.default()
    node = Node.open(tmp_path / "d", state, genesis.dev_keypair("producer"), block_time_ms=100)
    try:
        node.submit(sign(calls.CreateNameContract(b"early"), ALICE, 0, state.chain_id))
        for _ in range(600):
            node.produce_block()

        async def go() -> None:
            runner, url = await _serve(node, Limits(max_connections=1))
            try:
                async with aiohttp.ClientSession() as s:
                    ws = await s.ws_connect(url)
                    async with s.get(url, headers=UPGRADE) as r:
                        assert r.status == 503
                        assert (await r.json())["error"]["code"] == -32000
                    sub = {
                        "jsonrpc": "2.0",
                        "id": 1,
                        "method": "sc4it_subscribeEvents",
                        "params": [{"from_block": 1}],
                    }
                    await ws.send_str(json.dumps(sub))
                    notes: list[Any] = []
                    async with asyncio.timeout(60):
                        while len(notes) < 1:
                            data = json.loads((await ws.receive()).data)
                            if "method" in data:
                                notes.append(data)
                    assert notes[0]["params"]["result"]["block"] == 1
                    async with s.post(url, json={"jsonrpc": "2.0", "id": 2, "method": "system_name"}) as r:
                        assert (await r.json())["result"] == "sc4it"
                    await ws.close()
            finally:
                await runner.cleanup()

        asyncio.run(go())
    finally:
        node.close()


def test_owners_of_removed_contracts_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RPC-30: a removed contract's events match its twin for `REMOVED_OWNERS_KEPT` blocks after its
    removal (its owner read from the state before the block that removed it), then by the ids they carry
    only: the server remembers no owner of a live contract (the head state has it) and forgets removed
    ones, so its memory does not grow with its uptime."""
    from sc4it.node import rpcevents

    monkeypatch.setattr(rpcevents, "REMOVED_OWNERS_KEPT", 3)
    state = genesis.default()
    node = Node.open(tmp_path / "d", state, genesis.dev_keypair("producer"), block_time_ms=100)
    server = RpcServer(node)
    try:
        node.submit(sign(calls.CreateNameContract(b"gone"), ALICE, 0, state.chain_id))
        created = node.produce_block()
        (cid,) = [e.contract.contract_id for e in created.events if isinstance(e, ev.ContractCreated)]
        twin = node.state.contracts[cid].twin_id
        assert server._owner(cid) == (twin, 0) and server._removed == {}  # live: from the head state
        node.submit(sign(calls.CancelContract(cid), ALICE, 1, state.chain_id))
        removed = node.produce_block()
        cancel = next(e for e in removed.events if isinstance(e, ev.NameContractCanceled))
        assert cid not in node.state.contracts
        assert server._owner(cid) == (twin, 0)
        assert EventFilter(twins=frozenset({twin})).matches(cancel, server._owner)
        for _ in range(2):
            node.produce_block()
        assert server._owner(cid) == (twin, 0)  # two blocks after its removal: still known
        node.produce_block()
        assert server._owner(cid) is None and server._removed == {}
        assert not EventFilter(twins=frozenset({twin})).matches(cancel, server._owner)
    finally:
        server.close()
        node.close()
