"""The node's RPC server on an in-process `CometChain` (spec/rpc.md RPC-70..RPC-75), blocks driven by hand
through the ABCI application; and the pure parts of the light client (spec/network.md NET-41, NET-43)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from sc4it import genesis as gen
from sc4it.block import call_hash
from sc4it.kernel import commitment
from sc4it.kernel.calls import CreateNameContract, Transfer
from sc4it.kernel.codec import encode
from sc4it.kernel.errors import Error
from sc4it.kernel.signing import sign
from sc4it.net.app import (
    DECODE_ERROR_CODE,
    NetApp,
    adopt_validators,
    error_code,
    mempool_code,
    validator_updates,
)
from sc4it.net.chain import CometChain, mempool_error, serve_chain
from sc4it.net.light import LightError, merkle_root, parse_time
from sc4it.node.mempool import MempoolError, MempoolReason

from .support import require_engine

ALICE = gen.dev_keypair("alice")
BOB = gen.dev_keypair("bob")
CHAIN = gen.default().chain_id
T0 = 1_800_000_000


def tx(nonce: int, call: Any = None, who: Any = BOB) -> bytes:
    return encode(sign(call or Transfer(ALICE.account_id, 1), who, nonce, CHAIN))


def block(t: Any, app: NetApp, height: int, txs: list[bytes]) -> None:
    req = t.RequestFinalizeBlock(height=height, txs=txs, hash=hashlib.sha256(b"%d" % height).digest())
    req.time.seconds = T0 + height
    app.handle("finalize_block", req)
    app.handle("commit", t.RequestCommit())


def test_mempool_codes_read_back() -> None:
    """RPC-72: a CheckTx code names the same error or reason as the node's mempool refusal."""
    for error in (Error.StaleNonce, Error.BadSignature, Error.WrongChainId):
        back = mempool_error(error_code(error), f"{error.name}: words")
        assert back.error is error and back.message == "words"
    for reason in MempoolReason:
        code = mempool_code(MempoolError("x", reason=reason))
        assert mempool_error(code, "").reason is reason
    assert mempool_error(DECODE_ERROR_CODE, "").reason is MempoolReason.Malformed
    assert "code 9999" in mempool_error(9999, "?").message


def test_results_inclusion_and_kept_window(tmp_path: Path) -> None:
    """RPC-71 RPC-73 RPC-75: one receipt per transaction in block order (a stale call has its error and
    no events); inclusion by call hash; only the newest `keep` blocks are served; numbers and hashes are
    CometBFT's."""
    t = require_engine(binary=False)
    app = NetApp(home=tmp_path)
    chain = CometChain(app, "http://127.0.0.1:9", keep=2)
    seen: list[tuple[int, int]] = []
    chain.subscribe(lambda n, events: seen.append((n, len(events))))
    app.handle("init_chain", t.RequestInitChain(chain_id="test", initial_height=1))
    first = tx(0)
    block(t, app, 1, [first, tx(0), b"junk"])
    results = chain.results(1)
    assert results is not None
    assert [r.error_name for r in results.receipts] == [None, b"StaleNonce", b"DecodeError"]
    assert results.receipts[0].events and not results.receipts[1].events
    assert chain.inclusion(call_hash(sign(Transfer(ALICE.account_id, 1), BOB, 0, CHAIN))) == (1, 0)
    assert chain.block_hash(1) == hashlib.sha256(b"1").digest()
    assert chain.number_of(hashlib.sha256(b"1").digest()) == 1
    block(t, app, 2, [tx(1)])
    block(t, app, 3, [])
    assert chain.head_number() == 3 and chain.first_number() == 2
    assert (
        chain.results(1) is None
        and chain.number_of(1) is None
        and chain.inclusion(call_hash(sign(Transfer(ALICE.account_id, 1), BOB, 0, CHAIN))) is None
    )
    assert chain.head_hash() == hashlib.sha256(b"3").digest()
    assert [n for n, _ in seen] == [1, 2, 3] and seen[0][1] >= 1
    assert chain.state_at(2).accounts[BOB.account_id].nonce == 2
    with pytest.raises(LookupError):
        chain.state_at(99)


def test_block_hashes_come_from_finalize_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NET-32 RPC-71: FinalizeBlock hashes each transaction once (its bytes, MEM-01; None for bytes that
    do not decode), and the server's inclusion index and the pool use those hashes: nothing decodes the
    block's transactions after FinalizeBlock."""
    import sc4it.net.chain as chain_module

    t = require_engine(binary=False)
    app = NetApp(home=tmp_path)
    chain = CometChain(app, "http://127.0.0.1:9", keep=1)
    app.handle("init_chain", t.RequestInitChain(chain_id="test", initial_height=1))
    admitted = tx(0)
    assert app.handle("check_tx", t.RequestCheckTx(tx=admitted, type=t.NEW)).code == 0
    assert app.mempool is not None and len(app.mempool) == 1

    def no_decode(*args: Any) -> Any:
        raise AssertionError("decoded again after FinalizeBlock")

    monkeypatch.setattr(chain_module, "decode", no_decode)
    never_checked = tx(1)
    req = t.RequestFinalizeBlock(height=1, txs=[admitted, never_checked, b"junk"], hash=b"\x01" * 32)
    req.time.seconds = T0 + 1
    app.handle("finalize_block", req)
    fin = app.finalized
    assert fin is not None
    signed = [sign(Transfer(ALICE.account_id, 1), BOB, n, CHAIN) for n in (0, 1)]
    assert fin.hashes == (call_hash(signed[0]), call_hash(signed[1]), None)
    assert len(app.mempool) == 0  # the admitted call left the pool by its hash
    app.handle("commit", t.RequestCommit())
    assert chain.inclusion(call_hash(signed[0])) == (1, 0) and chain.inclusion(call_hash(signed[1])) == (1, 1)
    block(t, app, 2, [])  # block 1 leaves the kept window: its hashes are forgotten
    assert chain.inclusion(call_hash(signed[0])) is None and chain.inclusion(call_hash(signed[1])) is None


def test_server_on_a_comet_chain(tmp_path: Path) -> None:
    """RPC-70 RPC-71 RPC-75: the node's RpcServer answers from a CometChain; events replay from a kept
    block; a subscription from before the first kept block is refused (UNKNOWN_BLOCK), never a gap."""
    t = require_engine(binary=False)
    app = NetApp(home=tmp_path)
    chain = CometChain(app, "http://127.0.0.1:9", keep=3)
    app.handle("init_chain", t.RequestInitChain(chain_id="test", initial_height=1))
    server = serve_chain(chain, block_time_ms=300)
    block(t, app, 1, [tx(0)])
    block(t, app, 2, [tx(1, CreateNameContract(b"chainunit"))])
    block(t, app, 3, [])
    block(t, app, 4, [tx(2)])

    async def go() -> None:
        runner = web.AppRunner(server.app(), handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as s:

                async def call(method: str, *params: Any) -> Any:
                    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
                    async with s.post(url, json=body) as r:
                        return await r.json()

                props = (await call("system_properties"))["result"]
                assert props["consensus"] == "cometbft" and props["firstBlock"] == 2
                assert props["chainId"] == "0x" + CHAIN.hex()
                assert (await call("chain_getBlockHash", 1))["result"] is None
                assert (await call("chain_getBlockHash", 4))["result"] == "0x" + hashlib.sha256(
                    b"4"
                ).hexdigest()
                assert (await call("sc4it_blockResults", 1))["error"]["code"] == -32001
                receipts = (await call("sc4it_blockResults", 2))["result"]["receipts"]
                assert receipts[0]["error"] is None
                assert any("ContractCreated" in e for e in receipts[0]["events"])
                assert (await call("system_accountNextIndex", "5" + "x" * 3))["error"]["code"] == -32602
                bad = await call("state_getReadProof", [{"map": "vaults", "key": 1}])  # RPC-76
                assert bad["error"]["code"] == -32602
                missing = await call("state_getReadProof", [{"map": "contracts", "key": 1}], 99)
                assert missing["error"]["code"] == -32001
                keys = [{"map": "contracts", "key": 1}, {"map": "contracts", "key": 2}]
                got = (await call("state_getReadProof", keys, 3))["result"]
                assert got["at"] == "0x" + hashlib.sha256(b"3").hexdigest()  # CometBFT's block hash
                state = app.at(3)
                claims = [("contracts", 1, state.state.contracts.get(1)), ("contracts", 2, None)]
                assert claims[0][2] is not None and got["values"][1] is None
                assert commitment.check(state.app_hash, claims, bytes.fromhex(got["proof"][2:]))
                proved = (await call("sc4it_contract", 1, 3, True))["result"]
                assert commitment.check(state.app_hash, claims[:1], bytes.fromhex(proved["proof"][2:]))
                async with s.ws_connect(url.replace("http", "ws")) as ws:
                    await ws.send_str(
                        json.dumps(
                            {
                                "jsonrpc": "2.0",
                                "id": 1,
                                "method": "sc4it_subscribeEvents",
                                "params": [{"from_block": 1}],
                            }
                        )
                    )
                    refused = json.loads((await ws.receive(timeout=10)).data)
                    assert refused["error"]["code"] == -32001 and refused["error"]["data"] == {"first": 2}
                    await ws.send_str(
                        json.dumps(
                            {
                                "jsonrpc": "2.0",
                                "id": 2,
                                "method": "sc4it_subscribeEvents",
                                "params": [{"from_block": 2, "event": "ContractCreated"}],
                            }
                        )
                    )
                    assert isinstance(json.loads((await ws.receive(timeout=10)).data)["result"], str)
                    note = json.loads((await ws.receive(timeout=10)).data)
                    assert note["params"]["result"]["block"] == 2
        finally:
            await runner.cleanup()
            server.close()
            await chain.close()

    asyncio.run(asyncio.wait_for(go(), 60))


def test_merkle_root_and_times() -> None:
    """NET-41: RFC 6962 with CometBFT's prefixes (a split at the largest power of two below n); NET-43:
    CometBFT's RFC 3339 times to the nanosecond, anything else refused."""
    leaf = [hashlib.sha256(b"\0" + bytes([i])).digest() for i in range(3)]
    inner = hashlib.sha256(b"\1" + leaf[0] + leaf[1]).digest()
    assert merkle_root([bytes([i]) for i in range(3)]) == hashlib.sha256(b"\1" + inner + leaf[2]).digest()
    assert merkle_root([]) == hashlib.sha256(b"").digest()
    assert parse_time("2026-12-03T17:29:27.97461754Z") == (1796318967, 974617540)
    assert parse_time("1970-01-01T00:00:01Z") == (1, 0)
    for bad in ("2026-12-03T17:29:27+01:00", "yesterday", 5, "2026-12-03T17:29:27.1234567891Z"):
        with pytest.raises(LightError):
            parse_time(bad)


def test_validator_set_follows_roles(tmp_path: Path) -> None:
    """NET-50 NET-51: InitChain adopts CometBFT's genesis validators as `roles.validators` (sorted keys)
    and answers them at power 10; a block that changes `roles.validators` answers the difference as
    validator updates (power 0 for a removal)."""
    t = require_engine(binary=False)
    app = NetApp(home=tmp_path)
    keys = [bytes([i]) * 32 for i in (3, 1, 2)]
    req = t.RequestInitChain(chain_id="test", initial_height=1)
    for k in keys:
        req.validators.add(power=10).pub_key.ed25519 = k
    res = app.handle("init_chain", req)
    assert app.last is not None and app.last.state.roles.validators == tuple(sorted(keys))
    assert [(bytes(u.pub_key.ed25519), u.power) for u in res.validators] == [(k, 10) for k in sorted(keys)]
    updates = validator_updates(keys[:2], [keys[1], b"\x09" * 32])
    assert [(bytes(u.pub_key.ed25519), u.power) for u in updates] == [(keys[0], 0), (b"\x09" * 32, 10)]
    assert validator_updates(keys, list(reversed(keys))) == []
    named = adopt_validators(app.last.state, [b"\x07" * 32])
    assert named is app.last.state  # a genesis that names validators keeps them
    bad = t.RequestInitChain(chain_id="test", initial_height=1)
    bad.validators.add(power=10).pub_key.secp256k1 = b"\x02" * 33
    with pytest.raises(ValueError, match="ed25519"):
        NetApp(home=tmp_path / "other").abci_init_chain(bad)
