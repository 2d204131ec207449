"""Read proofs over JSON-RPC and the client that checks them (spec/rpc.md RPC-26, RPC-27, RPC-44;
spec/light.md LGT-10..LGT-12), in process: a real node and RPC server on 127.0.0.1, port 0, and a lying
proxy in front of it (tests/node/liar.py). The end-to-end runs of the examples are in test_examples.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest
from aiohttp import web

from sc4it import calls, genesis, sign
from sc4it.block import header_hash, seal_message
from sc4it.client import Client, RpcCallError, Verified
from sc4it.deployment import deployment_hash
from sc4it.kernel import commitment
from sc4it.light import LightClient, LightError, LightFault, ProducerSeal
from sc4it.node import readproof, rpc
from sc4it.node.jsoncodec import JsonCodec
from sc4it.node.rpc import Limits, RpcServer
from sc4it.node.service import Node

from .liar import Liar

ALICE = genesis.dev_keypair("alice")
BOB = genesis.dev_keypair("bob")
PRODUCER = genesis.dev_keypair("producer")
WORKLOAD = b'{"vm": "test"}'
CODEC = JsonCodec()


@attrs.frozen
class World:
    node: Node
    contract_id: int
    twin_id: int


def _world(path: Path) -> World:
    """A node whose chain has alice's node contract on node 1 and a transfer to bob, then empty blocks."""
    state = genesis.default()
    node = Node.open(path, state, PRODUCER, block_time_ms=100, keep_states=4)
    call = calls.CreateNodeContract(1, deployment_hash(WORKLOAD), b"", 0, None)
    node.submit(sign(call, ALICE, 0, state.chain_id))
    node.submit(sign(calls.Transfer(BOB.account_id, 10**7), ALICE, 1, state.chain_id))
    for _ in range(3):
        node.produce_block()
    contract_id = node.state.contract_id
    twin_id = node.state.contracts[contract_id].twin_id
    return World(node, contract_id, twin_id)


def _light(node: Node) -> LightClient:
    return LightClient(ProducerSeal(genesis.default().chain_id, frozenset({PRODUCER.account_id})))


DEFAULT_LIMITS = Limits()


async def _serve(node: Node, limits: Limits = DEFAULT_LIMITS) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(RpcServer(node, limits=limits).app(), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def _run(
    tmp_path: Path, body: Callable[[World, str], Awaitable[None]], limits: Limits = DEFAULT_LIMITS
) -> None:
    world = _world(tmp_path / "chain")

    async def go() -> None:
        runner, url = await _serve(world.node, limits)
        try:
            await asyncio.wait_for(body(world, url), 120)
        finally:
            await runner.cleanup()

    try:
        asyncio.run(go())
    finally:
        world.node.close()


async def _raw(url: str, method: str, params: Any) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    async with aiohttp.ClientSession() as s, s.post(url, json=body) as r:
        return await r.json()


def _alice() -> str:
    return str(CODEC.to_json(ALICE.account_id, readproof.ENTRY_TYPES["accounts"].key))


# --------------------------------------------------------------------------------------------------
# The RPC methods


def test_state_get_read_proof_answers_values_with_one_proof(tmp_path: Path) -> None:
    """RPC-26: `state_getReadProof(keys, at?)` answers the block hash, the values (JSON form, null when
    absent, true for an item of a map of sets) and one proof (CMT-21) that verifies them against that
    block's state root; `at` by number or hash, parameters positional or named; each kept block answers
    its own state."""

    async def body(world: World, url: str) -> None:
        node, cid = world.node, world.contract_id
        keys = [
            {"map": "contracts", "key": cid},
            {"map": "accounts", "key": _alice()},
            {"map": "active_node_contracts", "key": [1, cid]},
            {"map": "contracts", "key": 999},
            {"map": "state", "key": "contract_id"},
        ]
        for at in (None, 2, "0x" + header_hash(node.header(1)).hex()):  # type: ignore[arg-type]
            reply = (await _raw(url, "state_getReadProof", [keys] if at is None else [keys, at]))["result"]
            number = node.head.number if at is None else (2 if at == 2 else 1)
            header = node.header(number)
            assert header is not None and reply["at"] == "0x" + header_hash(header).hex()
            state = node.state_at(number)
            entries = [readproof.parse_entry(CODEC, k, "k") for k in keys]
            values = [
                readproof.value_from_json(CODEC, m, k, v)
                for (m, k), v in zip(entries, reply["values"], strict=True)
            ]
            assert values[0] == state.contracts.get(cid) and values[1] == state.accounts[ALICE.account_id]
            items = state.active_node_contracts.get(1)
            assert values[2] is (True if items is not None and cid in items else None)
            assert values[3] is None and values[4] == state.contract_id
            proof = bytes.fromhex(reply["proof"][2:])
            claims = [(m, k, v) for (m, k), v in zip(entries, values, strict=True)]
            assert commitment.verify_many(header.state_commitment, claims, proof)
            wrong = [*claims[:-1], ("state", "contract_id", state.contract_id + 1)]
            assert not commitment.verify_many(header.state_commitment, wrong, proof)
        named = await _raw(url, "state_getReadProof", {"keys": keys[:1]})
        assert named["result"]["values"][0]["contract_id"] == cid

    _run(tmp_path, body)


def test_read_proof_refuses_bad_input_before_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RPC-26 RPC-44 RPC-04 RPC-20: an unknown map, a malformed key, a malformed item, no keys, an unknown
    or no longer kept block are -32602 / -32001 naming the parameter; more keys than `max_proof_keys` is
    -32000 (`data.limit`) before any key is decoded, and decoding stops at the first bad key, so a bad
    request costs time in proportion to what was read of it. The node keeps serving."""
    decoded: list[Any] = []
    real = readproof.parse_entry

    def counting(codec: Any, item: Any, name: str) -> Any:
        decoded.append(name)
        return real(codec, item, name)

    monkeypatch.setattr(rpc, "parse_entry", counting)

    async def body(world: World, url: str) -> None:
        good = {"map": "contracts", "key": world.contract_id}
        cases: list[tuple[Any, int, str]] = [
            ([[{"map": "no_such_map", "key": 1}]], -32602, "keys[0].map"),
            ([[good, {"map": "contracts", "key": "seven"}]], -32602, "keys[1].key"),
            ([[{"map": "contracts", "key": -1}]], -32602, "keys[0].key"),
            ([[{"map": "contracts", "key": 1 << 64}]], -32602, "keys[0].key"),
            ([[{"map": "accounts", "key": "0x00"}]], -32602, "keys[0].key"),
            ([[{"map": "active_node_contracts", "key": [1]}]], -32602, "keys[0].key"),
            ([[{"map": "state", "key": "contracts"}]], -32602, "keys[0].key"),
            ([[{"map": "contracts", "key": 1, "x": 2}]], -32602, "keys[0]"),
            ([["contracts"]], -32602, "keys[0]"),
            ([[]], -32602, "keys"),
            (["contracts"], -32602, "keys"),
            ([[good], 10**6], -32001, ""),
            ([[good], "0x" + "ab" * 32], -32001, ""),
        ]
        for params, code, param in cases:
            decoded.clear()
            reply = await _raw(url, "state_getReadProof", params)
            assert reply["error"]["code"] == code, (params, reply)
            if param:
                assert reply["error"]["data"]["param"] == param, reply
                assert param in reply["error"]["message"]
            assert len(decoded) <= (len(params[0]) if isinstance(params[0], list) else 0)
        decoded.clear()
        many = [good] * 5
        reply = await _raw(url, "state_getReadProof", [many])
        assert reply["error"]["code"] == -32000 and reply["error"]["data"]["limit"] == 4
        assert decoded == []  # the count is refused before any key is decoded
        bad_first = [{"map": "contracts", "key": "x"}, good, good]
        reply = await _raw(url, "state_getReadProof", [bad_first])
        assert reply["error"]["data"]["param"] == "keys[0].key" and decoded == ["keys[0]"]
        assert "result" in await _raw(url, "state_getReadProof", [[good]])

    _run(tmp_path, body, Limits(max_proof_keys=4))


def test_typed_queries_with_proof(tmp_path: Path) -> None:
    """RPC-27 RPC-22: `sc4it_contract`, `sc4it_twin`, `sc4it_node`, `sc4it_farm` and `sc4it_account` with
    `proof: true` answer `{"at", "value", "proof"}` whose proof verifies the value (or its absence) under
    that block's root; without it they answer the record as before; a `proof` that is not a boolean is
    -32602."""

    async def body(world: World, url: str) -> None:
        node = world.node
        state = node.state
        root = node.head.state_commitment
        queries: list[tuple[str, str, Any, Any, Any]] = [
            ("sc4it_contract", "contracts", world.contract_id, world.contract_id, None),
            ("sc4it_contract", "contracts", 999, 999, None),
            ("sc4it_twin", "twins", world.twin_id, world.twin_id, None),
            ("sc4it_node", "nodes", 1, 1, None),
            ("sc4it_farm", "farms", 1, 1, None),
            ("sc4it_account", "accounts", _alice(), ALICE.account_id, None),
        ]
        for method, map_name, key_json, key, _ in queries:
            plain = (await _raw(url, method, [key_json]))["result"]
            reply = (await _raw(url, method, [key_json, None, True]))["result"]
            assert reply["value"] == plain
            assert reply["at"] == "0x" + node.head_hash.hex()
            value = getattr(state, map_name).get(key)
            assert (plain is None) == (value is None)
            proof = bytes.fromhex(reply["proof"][2:])
            assert commitment.verify(root, map_name, key, value, proof), method
            assert not commitment.verify(
                root, map_name, key + 1 if type(key) is int else bytes(32), value, proof
            )
            named = await _raw(
                url, method, {"account" if "account" in method else "id": key_json, "proof": True}
            )
            assert named["result"] == reply
        bad = await _raw(url, "sc4it_contract", [world.contract_id, None, "yes"])
        assert bad["error"]["code"] == -32602 and bad["error"]["data"]["param"] == "proof"

    _run(tmp_path, body)


# --------------------------------------------------------------------------------------------------
# The client: reads through a node it does not trust


def test_verified_reads_through_an_honest_node(tmp_path: Path) -> None:
    """LGT-10 LGT-06 LGT-07 LGT-12: `Client.verified(light)` answers contracts, accounts, twins, nodes,
    farms and any entries only after accepting the sealed header of the block the node named and checking
    the proof; the deployment check passes for the right twin and hash and is `Mismatch` otherwise."""

    async def body(world: World, url: str) -> None:
        node, cid = world.node, world.contract_id
        state = node.state
        async with Client(url) as c:
            v = c.verified(_light(node))
            assert await v.contract(cid) == state.contracts[cid]
            assert await v.contract(999) is None
            assert await v.account(ALICE.account_id) == state.accounts[ALICE.account_id]
            assert await v.twin(world.twin_id) == state.twins[world.twin_id]
            assert await v.node(1) == state.nodes[1]
            assert await v.farm(1) == state.farms[1]
            header, values = await v.entries([("contracts", cid), ("active_node_contracts", (1, cid))], 2)
            assert header.number == 2 and values == (node.state_at(2).contracts[cid], True)
            header, contract = await v.deployment(
                cid, twin_id=world.twin_id, deployment_hash=deployment_hash(WORKLOAD)
            )
            assert contract == state.contracts[cid] and header == node.head
            for twin_id, h, missing in (
                (world.twin_id + 1, deployment_hash(WORKLOAD), cid),
                (world.twin_id, deployment_hash(b"other"), cid),
                (world.twin_id, deployment_hash(WORKLOAD), 999),
            ):
                with pytest.raises(LightError) as e:
                    await v.deployment(missing, twin_id=twin_id, deployment_hash=h)
                assert e.value.fault is LightFault.Mismatch
            assert (await v.header(1)).number == 1
            with pytest.raises(LightError) as e:
                await v.header(0)  # the genesis has no seal
            assert e.value.fault is LightFault.NotFinal
            with pytest.raises(RpcCallError):
                await v.contract(cid, 10**6)
            stale = Verified(c, _light(node), max_age_ms=1000, clock_ms=lambda: node.head.timestamp + 5000)
            with pytest.raises(LightError) as e:
                await stale.contract(cid)
            assert e.value.fault is LightFault.Stale
            fresh = Verified(c, _light(node), max_age_ms=1000, clock_ms=lambda: node.head.timestamp + 10)
            assert await fresh.contract(cid) == state.contracts[cid]

    _run(tmp_path, body)


def _flip_proof(result: Any) -> Any:
    p = result["proof"]
    i = len(p) // 2
    return {**result, "proof": p[:i] + ("0" if p[i] != "0" else "1") + p[i + 1 :]}


def _other_twin(result: Any) -> Any:
    value = result["value"]
    return {**result, "value": None if value is None else {**value, "twin_id": value["twin_id"] + 1}}


def _claim_absent(result: Any) -> Any:
    return {**result, "value": None}


def _bad_signature(result: Any) -> Any:
    sig = result["block"]["signature"]
    return {
        **result,
        "block": {**result["block"], "signature": sig[:-2] + ("00" if sig[-2:] != "00" else "11")},
    }


def _values(result: Any) -> Any:
    return {**result, "values": [None for _ in result["values"]]}


def _older_block(node: Node) -> Callable[[Any], Any]:
    def lie(result: Any) -> Any:
        return "0x" + header_hash(node.header(1)).hex()  # type: ignore[arg-type]

    return lie


LIES: list[tuple[str, str, str, LightFault]] = [
    ("flipped proof byte", "sc4it_contract", "flip", LightFault.BadProof),
    ("another twin in the value", "sc4it_contract", "twin", LightFault.BadProof),
    ("present claimed absent", "sc4it_contract", "absent", LightFault.BadProof),
    ("header sealed by another key", "chain_getBlock", "reseal", LightFault.UnknownProducer),
    ("signature tampered", "chain_getBlock", "badsig", LightFault.BadSignature),
    ("read proof values replaced", "state_getReadProof", "values", LightFault.BadProof),
    ("read proof tampered", "state_getReadProof", "flip", LightFault.BadProof),
    ("another block than asked", "state_getReadProof", "older", LightFault.Mismatch),
    ("malformed answer", "sc4it_contract", "garbage", LightFault.BadProof),
]


@pytest.mark.parametrize(("what", "method", "how", "fault"), LIES, ids=[lie[0] for lie in LIES])
def test_a_lying_node_is_refused(tmp_path: Path, what: str, method: str, how: str, fault: LightFault) -> None:
    """LGT-10 LGT-11 LGT-05 LGT-02 LGT-03: a proxy in front of an honest node changes one kind of answer;
    the verified client raises `LightError` with the fault that names the lie, and never returns the
    lie. The same reads through the honest node pass."""

    async def body(world: World, url: str) -> None:
        node, cid = world.node, world.contract_id
        rewrite: dict[str, Callable[[Any], Any]] = {
            "flip": _flip_proof,
            "twin": _other_twin,
            "absent": _claim_absent,
            "reseal": lambda r: r,
            "badsig": _bad_signature,
            "values": _values,
            "older": lambda r: {**r, "at": _older_block(node)(r)},
            "garbage": lambda r: {"at": 5, "value": [], "proof": "zz"},
        }

        forged = attrs.evolve(node.head, producer=BOB.account_id)

        def tamper(m: str, params: Any, result: Any) -> Any:
            if how == "reseal" and m == "sc4it_contract":  # point at the forged header, whose root is real
                return {**result, "at": "0x" + header_hash(forged).hex()}
            if how == "reseal" and m == "chain_getBlock":  # and serve it, sealed by another key
                signature = "0x" + BOB.sign(seal_message(forged)).hex()
                block = {"header": CODEC.to_json(forged), "signature": signature, "extrinsics": []}
                return {"block": block, "justifications": None}
            return rewrite[how](result) if m == method and result is not None else result

        liar = Liar(url, tamper)
        await liar.start()
        try:
            async with Client(liar.url) as c:
                v = c.verified(_light(node))
                with pytest.raises(LightError) as e:
                    if method == "state_getReadProof":
                        await v.entries([("contracts", cid), ("accounts", ALICE.account_id)], 3)
                    else:
                        await v.contract(cid)
                assert e.value.fault is fault, (what, e.value)
                assert liar.lies >= 1
            async with Client(url) as honest:
                assert await honest.verified(_light(node)).contract(cid) == node.state.contracts[cid]
        finally:
            await liar.stop()

    _run(tmp_path, body)
