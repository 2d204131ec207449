"""The node's JSON-RPC API and the light client on a real 4-validator CometBFT network (spec/rpc.md
RPC-70..RPC-75, spec/network.md NET-40..NET-46), with the real `sc4it.client` and a plain WebSocket
client. One network for the module (started by `sc4it net up`, stopped by `sc4it net down`: by PID);
every wait is bounded."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import io
import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest

from sc4it import calls, genesis
from sc4it.client import Client, NodeKindError, RpcCallError
from sc4it.kernel.codec import encode
from sc4it.kernel.events import ContractCreated
from sc4it.kernel.signing import sign, ss58_encode
from sc4it.light import LightClient, ProducerSeal
from sc4it.net.launcher import Network, NodeInfo, pid_alive, rpc
from sc4it.net.light import (
    FLAG_ABSENT,
    CometHeader,
    CommitSig,
    LightBlock,
    LightError,
    verify_commit,
    verify_next,
    verify_state,
)
from sc4it.net.load import wait_height

from .support import require_engine

BOB = genesis.dev_keypair("bob")
CHARLIE = genesis.dev_keypair("charlie")
TIMEOUT = 60.0
HOUR_MS = 3_600_000


@attrs.frozen
class Up:
    net: Network
    printed: str


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    """RPC-70 NET-21: `sc4it net up` of four validators at 300 ms blocks, stopped by `sc4it net down`."""
    from sc4it.tools.cli import main

    require_engine()
    directory = tmp_path_factory.mktemp("api") / "net"
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            code = main(["net", "up", "--validators", "4", "--dir", str(directory), "--block-time-ms", "300"])
        assert code == 0, out.getvalue()
        net = Network.load(directory)
        wait_height(net, 3, TIMEOUT)
        yield Up(net, out.getvalue())
    finally:
        if (directory / "net.json").is_file():
            with contextlib.redirect_stdout(io.StringIO()):
                main(["net", "down", "--dir", str(directory)])


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


async def call(url: str, method: str, *params: Any) -> Any:
    async with aiohttp.ClientSession() as s:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        async with s.post(url, json=body) as r:
            return await r.json()


def test_up_prints_the_api_urls(up: Up) -> None:
    """RPC-70: every application serves the API on a port it picked, recorded in api.json with its PID
    and printed by `net up`."""
    for node in up.net.nodes:
        doc = json.loads((Path(node.home) / "sc4it" / "api.json").read_text())
        assert doc["url"] == node.api_url and doc["pid"] == node.app_pid
        assert node.api_url.startswith("http://127.0.0.1:")
        assert f"sc4it RPC {node.api_url}" in up.printed
        assert pid_alive(node.app_pid, str(up.net.dir))

    async def go() -> None:
        for node in up.net.nodes:
            props = (await call(node.api_url, "system_properties"))["result"]
            assert props["consensus"] == "cometbft"
            assert props["chainId"] == "0x" + genesis.default().chain_id.hex()
            assert (await call(node.api_url, "system_chain"))["result"]
            deadline = time.monotonic() + TIMEOUT
            while True:  # a node just started may not have dialled every peer yet
                health = (await call(node.api_url, "system_health"))["result"]
                if health["peers"] == 3 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            assert health == {"peers": 3, "isSyncing": False, "shouldHavePeers": True}

    run(go())


def comet_block(node: NodeInfo, height: int) -> dict[str, Any]:
    doc: dict[str, Any] = rpc(node.rpc_url, f"/block?height={height}")
    return doc


async def head_at_least(c: Client, number: int) -> None:
    """Until the node's application committed `number` (CometBFT's own height runs ahead of it)."""
    while (await c.request("chain_getHeader"))["number"] < number:
        await asyncio.sleep(0.1)


def test_submit_through_cometbft_and_read_anywhere(up: Up) -> None:
    """RPC-72 RPC-71 RPC-73 RPC-74: a call submitted to one node through CometBFT's mempool is final
    in a CometBFT block that every node serves alike: inclusion, results, the contract, the block's
    transactions, the header with CometBFT's hash; the head is final. RPC-77: a single node's header
    reads (`head`, `header`, `sealed_header`, `verified`, `new_heads`) refuse with `NodeKindError`."""
    n0, n1, n2, n3 = up.net.nodes

    async def go() -> None:
        async with Client(n0.api_url) as c0, Client(n2.api_url) as c2, Client(n3.api_url) as c3:
            h = await c0.sign_and_submit(calls.CreateNameContract(b"netapi"), BOB)
            inc = await c2.wait_for_inclusion(h, timeout=TIMEOUT)
            assert inc.error is None
            created = next(e for e in inc.events if isinstance(e, ContractCreated))
            cid = created.contract.contract_id
            wait_height(up.net, inc.block, TIMEOUT)  # every node's CometBFT has the block (n0, n1 may lag n2)
            await head_at_least(c3, inc.block)
            assert await c3.contract(cid) == created.contract
            assert (await c3.contract(cid, at=inc.block - 1)) is None  # the state before the block
            await head_at_least(c0, inc.block)
            assert await c2.next_index(BOB.account_id) == await c0.next_index(BOB.account_id) >= 1
            cb = comet_block(n1, inc.block)
            for c in (c0, c2, c3):
                await head_at_least(c, inc.block)
                block = await c.request("chain_getBlock", inc.block)
                raw = base64.b64decode(cb["block"]["data"]["txs"][inc.index]).hex()
                assert block["block"]["extrinsics"][inc.index] == "0x" + raw
                assert block["block"]["header"]["hash"] == "0x" + cb["block_id"]["hash"].lower()
                assert block["justifications"]["cometbft_commit"]["height"] == str(inc.block)
                header = await c.comet_header(inc.block)
                assert header is not None and header.hash().hex() == cb["block_id"]["hash"].lower()
                assert await c.block_hash(inc.block) == header.hash()
            head = await c0.request("chain_getFinalizedHead")
            number = (await c0.request("chain_getHeader", head))["number"]
            wait_height(up.net, number, TIMEOUT, nodes=[n1])
            assert head == "0x" + comet_block(n1, number)["block_id"]["hash"].lower()
            for read in (c0.head(), c0.header(inc.block), c0.sealed_header(inc.block)):  # RPC-77
                with pytest.raises(NodeKindError, match="comet_header") as kind:
                    await read
                assert kind.value.network is True
            light = LightClient(ProducerSeal(genesis.default().chain_id, frozenset()))
            with pytest.raises(NodeKindError):
                await c0.verified(light).header(inc.block)
            with pytest.raises(NodeKindError):
                async for _ in c0.new_heads():
                    break

    run(go())


def test_refusals_name_the_sc4it_error(up: Up) -> None:
    """RPC-72: CheckTx's refusal comes back as INVALID_TRANSACTION naming the same error as on a single
    node: a stale nonce, a bad signature, undecodable bytes; the same call twice is AlreadyKnown."""
    node = up.net.nodes[1]
    chain_id = genesis.default().chain_id

    async def go() -> None:
        async with Client(node.api_url) as c:
            h = await c.sign_and_submit(calls.Transfer(BOB.account_id, 1), CHARLIE)
            await c.wait_for_inclusion(h, timeout=TIMEOUT)
            stale = sign(calls.Transfer(BOB.account_id, 5), CHARLIE, 0, chain_id)
            with pytest.raises(RpcCallError) as e:
                await c.submit(stale)
            assert e.value.code == 1010 and e.value.name == "StaleNonce"
            nonce = await c.next_index(CHARLIE.account_id)
            good = sign(calls.Transfer(BOB.account_id, 2), CHARLIE, nonce, chain_id)
            forged = attrs.evolve(good, nonce=nonce + 1)
            with pytest.raises(RpcCallError) as e:
                await c.submit(forged)
            assert e.value.name == "BadSignature"
            with pytest.raises(RpcCallError) as e:
                await c.request("author_submitExtrinsic", "0x" + encode(good).hex()[:-4])
            assert e.value.name == "Malformed"
            await c.submit(good)
            with pytest.raises(RpcCallError) as e:
                await c.submit(good)
            assert e.value.name == "AlreadyKnown"  # CometBFT's cache holds its bytes

    run(go())


def test_tx_search_by_hash_height_and_accounts(up: Up) -> None:
    """NET-11: CometBFT's `tx_search` finds a call's transaction by `tx.hash`, `tx.height` and the event
    attributes that name an account (`Transfer.from_`, `Transfer.to`); an amount is not indexed, so a
    search by it finds nothing; `/tx?hash=` returns the transaction with all its attributes."""
    node = up.net.nodes[2]
    dave = genesis.dev_keypair("dave")

    async def go() -> Any:
        async with Client(node.api_url) as c:
            h = await c.sign_and_submit(calls.Transfer(CHARLIE.account_id, 777_001), dave)
            return await c.wait_for_inclusion(h, timeout=TIMEOUT)

    inc = run(go())
    wait_height(up.net, inc.block, TIMEOUT, nodes=[node])
    raw = base64.b64decode(comet_block(node, inc.block)["block"]["data"]["txs"][inc.index])
    tx_hash = hashlib.sha256(raw).hexdigest().upper()

    def search(query: str) -> set[str]:
        path = "/tx_search?" + urllib.parse.urlencode({"query": json.dumps(query), "per_page": "100"})
        return {t["hash"] for t in rpc(node.rpc_url, path)["txs"]}

    deadline = time.monotonic() + TIMEOUT
    while tx_hash not in search(f"tx.height={inc.block}"):  # the indexer follows the block
        assert time.monotonic() < deadline, "the transaction was never indexed"
        time.sleep(0.2)
    assert search(f"tx.hash='{tx_hash}'") == {tx_hash}
    assert tx_hash in search(f"Transfer.from_='\"0x{dave.account_id.hex()}\"'")
    assert tx_hash in search(f"Transfer.to='\"0x{CHARLIE.account_id.hex()}\"' AND tx.height={inc.block}")
    assert search("Transfer.amount='777001'") == set()
    found = rpc(node.rpc_url, f"/tx?hash=0x{tx_hash}")
    attributes = {a["key"]: a for a in found["tx_result"]["events"][0]["attributes"]}
    assert attributes["amount"] == {"key": "amount", "value": "777001", "index": False}
    assert attributes["from_"]["index"] is True and attributes["to"]["index"] is True


def test_subscriptions_on_a_plain_websocket(up: Up) -> None:
    """RPC-73 RPC-74 RPC-31: `chain_subscribeNewHeads` delivers consecutive final heads with CometBFT's
    hashes; `sc4it_subscribeEvents` replays a block's events from `from_block` and the client's iterator
    resumes there."""
    node = up.net.nodes[3]

    async def go() -> None:
        async with Client(node.api_url) as c:
            h = await c.sign_and_submit(calls.CreateNameContract(b"netws"), BOB)
            inc = await c.wait_for_inclusion(h, timeout=TIMEOUT)
            async with aiohttp.ClientSession() as s, s.ws_connect(node.api_url.replace("http", "ws")) as ws:
                await ws.send_str(
                    json.dumps({"jsonrpc": "2.0", "id": 1, "method": "chain_subscribeNewHeads"})
                )
                assert isinstance(json.loads((await ws.receive(timeout=TIMEOUT)).data)["result"], str)
                heads: list[dict[str, Any]] = []
                while len(heads) < 3:
                    note = json.loads((await ws.receive(timeout=TIMEOUT)).data)
                    assert note["method"] == "chain_newHead"
                    heads.append(note["params"]["result"])
                numbers = [x["number"] for x in heads]
                assert numbers == list(range(numbers[0], numbers[0] + 3))
                wait_height(up.net, numbers[-1], TIMEOUT, nodes=[up.net.nodes[0]])  # node0 may lag node3
                for x in heads:
                    assert (
                        x["hash"]
                        == "0x" + comet_block(up.net.nodes[0], x["number"])["block_id"]["hash"].lower()
                    )
                assert heads[1]["parentHash"] == heads[0]["hash"]
                flt = {"from_block": inc.block, "event": "ContractCreated"}
                await ws.send_str(
                    json.dumps(
                        {"jsonrpc": "2.0", "id": 2, "method": "sc4it_subscribeEvents", "params": [flt]}
                    )
                )
                while True:
                    msg = json.loads((await ws.receive(timeout=TIMEOUT)).data)
                    if msg.get("method") == "sc4it_events":
                        break
                assert msg["params"]["result"]["block"] == inc.block
            async for first in c.events(event="ContractCreated", from_block=inc.block):
                assert first.block == inc.block and isinstance(first.events[0][3], ContractCreated)
                break
            got: list[CometHeader] = []
            async for header in c.comet_new_heads():
                got.append(header)
                if len(got) == 2:
                    break
            assert got[1].height == got[0].height + 1 and got[1].last_block_id.hash == got[0].hash()

    run(go())


# ------------------------------------------------------------------------------------------------
# Light client (NET-40..NET-46)


async def light(node: NodeInfo, height: int | None = None) -> LightBlock:
    async with Client(node.api_url) as c:
        if height is not None:
            await head_at_least(c, height)
        return await c.light_block(height)


def test_a_final_header_verifies(up: Up) -> None:
    """NET-40 NET-41 NET-42 NET-43: the header served by any node hashes to the commit's block id; its
    validator set to `validators_hash`; more than 2/3 of the power signed CometBFT's canonical vote."""
    for node in up.net.nodes:
        lb = run(light(node, 2))
        verify_commit(lb, up.net.chain_id)
        assert sum(1 for s in lb.commit.signatures if s.flag == 2) >= 3
        assert lb.header.hash() == lb.commit.block_id.hash
    head = run(light(up.net.nodes[0]))
    verify_commit(head, up.net.chain_id)


def _signers(lb: LightBlock) -> int:
    return sum(1 for s in lb.commit.signatures if s.flag == 2)


def _drop(lb: LightBlock, keep: int) -> LightBlock:
    """The light block with only the first `keep` commit signatures (the others marked absent)."""
    sigs = tuple(
        s if i < keep else CommitSig(FLAG_ABSENT, b"", (0, 0), b"")
        for i, s in enumerate(lb.commit.signatures)
    )
    return attrs.evolve(lb, commit=attrs.evolve(lb.commit, signatures=sigs))


def test_forged_or_insufficient_commits_are_refused(up: Up) -> None:
    """NET-40..NET-43: 3 of 4 equal signatures are enough, 2 are not; a flipped signature bit, a header
    that is not the signed one (another app hash), a validator set that is not the header's, another
    chain, a commit of another height: each refused."""
    wait_height(up.net, 12, TIMEOUT)
    signed_by_all = [b for b in (run(light(up.net.nodes[1], h)) for h in range(3, 12)) if _signers(b) == 4]
    assert signed_by_all, "no commit signed by all four in 9 blocks (a late precommit can miss one)"
    lb = signed_by_all[0]
    verify_commit(_drop(lb, 3), up.net.chain_id)  # 30 of 40 > 2/3
    with pytest.raises(LightError, match="not enough voting power"):
        verify_commit(_drop(lb, 2), up.net.chain_id)  # 20 of 40
    sig = lb.commit.signatures[0]
    bad = attrs.evolve(sig, signature=bytes([sig.signature[0] ^ 1]) + sig.signature[1:])
    forged = attrs.evolve(lb, commit=attrs.evolve(lb.commit, signatures=(bad, *lb.commit.signatures[1:])))
    with pytest.raises(LightError, match="wrong signature at index 0"):
        verify_commit(forged, up.net.chain_id)
    other_state = attrs.evolve(lb, header=attrs.evolve(lb.header, app_hash=b"\x11" * 32))
    with pytest.raises(LightError, match="another block"):
        verify_commit(other_state, up.net.chain_id)
    other_vals = attrs.evolve(lb, validators=(*lb.validators[:3], attrs.evolve(lb.validators[3], power=30)))
    with pytest.raises(LightError, match="validators_hash"):
        verify_commit(other_vals, up.net.chain_id)
    with pytest.raises(LightError, match="chain"):
        verify_commit(lb, "another-chain")
    later = run(light(up.net.nodes[1], lb.height + 1))
    with pytest.raises(LightError):
        verify_commit(attrs.evolve(lb, commit=later.commit), up.net.chain_id)


def test_trust_moves_forward(up: Up) -> None:
    """NET-44 NET-45: from a trusted header, the next one (same announced validator set) and one further
    ahead (more than 1/3 of the trusted power signed) verify; an expired trust, an older header and a
    header from the future are refused."""
    wait_height(up.net, 9, TIMEOUT)
    node = up.net.nodes[2]
    trusted, nxt, far = (run(light(node, h)) for h in (2, 3, 9))
    now = int(time.time() * 1000)
    verify_next(trusted, nxt, now_ms=now, trusting_period_ms=HOUR_MS)
    verify_next(trusted, far, now_ms=now, trusting_period_ms=HOUR_MS)
    with pytest.raises(LightError, match="trusting period"):
        verify_next(trusted, far, now_ms=now + 2 * HOUR_MS, trusting_period_ms=HOUR_MS)
    with pytest.raises(LightError, match="not after"):
        verify_next(far, trusted, now_ms=now, trusting_period_ms=HOUR_MS)
    with pytest.raises(LightError, match="future"):
        verify_next(trusted, far, now_ms=far.header.time_ms - 60_000, trusting_period_ms=HOUR_MS)
    with pytest.raises(LightError, match="not enough"):
        verify_next(trusted, _drop(far, 1), now_ms=now, trusting_period_ms=HOUR_MS)


def test_verified_header_gives_the_previous_state_root(up: Up) -> None:
    """NET-46: the app hash of verified header H is the application's state commitment after block H-1
    (its digests at H-1, queried through CometBFT), not after H."""
    wait_height(up.net, 6, TIMEOUT)
    node = up.net.nodes[0]
    lb = run(light(node, 6))
    verify_commit(lb, up.net.chain_id)
    digests = rpc(node.rpc_url, '/abci_query?path="/sc4it/digests"&height=5')["response"]
    after_5 = json.loads(base64.b64decode(digests["value"]))
    assert after_5["height"] == 5 and bytes.fromhex(after_5["app_hash"]) == lb.header.app_hash
    header = run(call(node.api_url, "chain_getHeader", 6))["result"]
    assert header["appHash"] == "0x" + lb.header.app_hash.hex()


def test_contract_state_verified_from_a_final_header(up: Up) -> None:
    """NET-46 NET-47 RPC-76 LGT-08: a user verifies a contract from a final CometBFT header: the node's
    proof (`state_getReadProof`) of the state after block H checks against the app hash of verified
    header H+1; a changed
    contract, a proof against header H, an absent contract claimed present are refused; ABCI Query with
    `prove` carries one `sc4it:smt:v1` op that checks the same way."""
    node, other = up.net.nodes[2], up.net.nodes[0]

    async def go() -> None:
        async with Client(node.api_url) as c:
            inc = await c.submit_and_wait(calls.CreateNameContract(b"proved"), BOB, timeout=TIMEOUT)
            created = next(e for e in inc.events if isinstance(e, ContractCreated)).contract
            cid = created.contract_id
            await head_at_least(c, inc.block + 1)
            answer = await c.read_proof([("contracts", cid), ("contracts", 10**9)], inc.block)
            height, proof = inc.block, answer.proof
            assert answer.values == (created, None)
            trusted = await light(other, 1)
            verify_commit(trusted, up.net.chain_id)
            header = await light(other, height + 1)  # served by another node
            verify_next(trusted, header, now_ms=int(time.time() * 1000), trusting_period_ms=HOUR_MS)
            assert header.header.last_block_id.hash == answer.at  # the proof is of block `height`
            claims = [("contracts", cid, created), ("contracts", 10**9, None)]
            verify_state(header, height, claims, proof)
            changed = attrs.evolve(created, twin_id=created.twin_id + 1)
            with pytest.raises(LightError):
                verify_state(header, height, [("contracts", cid, changed)], proof)
            with pytest.raises(LightError, match="header"):
                verify_state(await light(other, height), height, claims, proof)
            with pytest.raises(LightError):
                verify_state(header, height, [("contracts", 10**9, created)], proof)
            res = rpc(node.rpc_url, f'/abci_query?path="/sc4it/contract/{cid}"&height={height}&prove=true')
            ops = res["response"]["proofOps"]["ops"]
            assert [op["type"] for op in ops] == ["sc4it:smt:v1"]
            assert int(res["response"]["height"]) == height
            verify_state(header, height, claims[:1], base64.b64decode(ops[0]["data"]))

    run(go())


# ------------------------------------------------------------------------------------------------
# Validator set changes by the council (NET-50..NET-52); last in the module: it changes the set


def validator_key(node: NodeInfo) -> bytes:
    key = json.loads((Path(node.home) / "config" / "priv_validator_key.json").read_text())
    return base64.b64decode(key["pub_key"]["value"])


def comet_validators(node: NodeInfo, height: int | None = None) -> dict[str, int]:
    at = "" if height is None else f"&height={height}"
    vals = rpc(node.rpc_url, f"/validators?per_page=100{at}")["validators"]
    return {v["address"].upper(): int(v["voting_power"]) for v in vals}


def wait_for(what: str, check: Any, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.3)


async def council_submit(c: Client, *council_calls: Any) -> list[bytes]:
    """Submit the council's calls at once with consecutive nonces (the mempool holds future nonces; a
    call that fails still uses its nonce, BLK-23): the call hashes, in order."""
    council = genesis.council_multisig()
    nonce = await c.next_index(council.account_id())
    keys = list(genesis.council_keys()[: council.threshold])
    chain = await c.chain_id()
    signed = [sign(x, keys, nonce + i, chain, multisig=council) for i, x in enumerate(council_calls)]
    return [await c.submit(s) for s in signed]


def council_call(c: Client, call: Any) -> Any:
    async def go() -> Any:
        (hashed,) = await council_submit(c, call)
        return await c.wait_for_inclusion(hashed, timeout=TIMEOUT)

    return go()


def test_council_adds_and_removes_a_validator(up: Up) -> None:
    """NET-50 NET-51 NET-52 ROL-11 ROL-12: CometBFT's genesis validators became `roles.validators`; the
    council's AddValidator of a running full node's key makes it a validator with power 10 (CometBFT
    applies the update two heights later), the chain goes on with five signers and the light client
    follows the change (NET-44); RemoveValidator takes it out again. Nobody else can."""
    net = up.net
    keys = sorted(validator_key(n) for n in net.nodes)

    assert sorted(comet_validators(net.nodes[0]).values()) == [10, 10, 10, 10]
    newcomer = net.add_node(state_sync=False)
    address = net.address_of(newcomer)
    top = int(rpc(net.nodes[0].rpc_url, "/status")["sync_info"]["latest_block_height"])
    wait_height(net, top, TIMEOUT, nodes=[newcomer])
    trusted = run(light(net.nodes[0]))

    async def add() -> Any:
        # The six calls go in at once (waiting for each in turn took longer than one deadline on a
        # loaded machine); the failing ones use their nonces (BLK-23), so the next ones follow.
        async with Client(net.nodes[1].api_url) as c:
            not_council = await c.sign_and_submit(calls.AddValidator(validator_key(newcomer)), BOB)
            duplicates = [calls.AddValidator(key) for key in keys]
            *dups, added = await council_submit(c, *duplicates, calls.AddValidator(validator_key(newcomer)))
            assert (await c.wait_for_inclusion(not_council, timeout=TIMEOUT)).error == "BadOrigin"
            for dup in dups:  # NET-50: CometBFT's genesis validators are roles.validators
                assert (await c.wait_for_inclusion(dup, timeout=TIMEOUT)).error == "Duplicate"
            return await c.wait_for_inclusion(added, timeout=TIMEOUT)

    inc = run(add())
    assert inc.error is None
    wait_for("the newcomer in CometBFT's set", lambda: comet_validators(net.nodes[2]).get(address) == 10)
    applied = inc.block + 2  # NET-51: CometBFT applies an update of block H from H + 2
    wait_height(net, applied, TIMEOUT)
    assert address not in comet_validators(net.nodes[2], applied - 1)
    assert comet_validators(net.nodes[2], applied)[address] == 10
    wait_for(
        "the newcomer's voting power",
        lambda: int(rpc(newcomer.rpc_url, "/status")["validator_info"]["voting_power"]) == 10,
    )
    wait_height(net, applied + 3, TIMEOUT)
    later = run(light(net.nodes[3], applied + 2))
    assert len(later.validators) == 5
    verify_next(trusted, later, now_ms=int(time.time() * 1000), trusting_period_ms=HOUR_MS)  # NET-44

    async def remove() -> Any:
        async with Client(net.nodes[0].api_url) as c:
            return await council_call(c, calls.RemoveValidator(validator_key(newcomer)))

    assert run(remove()).error is None
    wait_for("the newcomer out of CometBFT's set", lambda: address not in comet_validators(net.nodes[0]))
    assert sorted(comet_validators(net.nodes[0]).values()) == [10, 10, 10, 10]
    top = int(rpc(net.nodes[0].rpc_url, "/status")["sync_info"]["latest_block_height"])
    wait_height(net, top + 2, TIMEOUT)  # four validators go on


def _light_proxy(up: Up, home: Path, height: int, block_hash: str, port: int, log: Path) -> Any:
    """`cometbft light` (the pinned binary) against node0 with node1 as witness, trusting `height` and
    `block_hash`, serving on 127.0.0.1:`port`."""
    import subprocess

    from sc4it.net.engine import find_cometbft

    n0, n1 = up.net.nodes[:2]
    chain = json.loads((Path(n0.home) / "config" / "genesis.json").read_text())["chain_id"]
    args = [str(find_cometbft()), "light", chain, "-p", n0.rpc_url, "-w", n1.rpc_url]
    args += ["--height", str(height), "--hash", block_hash, "--laddr", f"tcp://127.0.0.1:{port}"]
    args += ["--home-dir", str(home), "--log_level", "info"]
    with log.open("wb") as out:
        return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)


def _error_of(url: str) -> str:
    """The JSON-RPC error a CometBFT RPC answers to `url` (an HTTP error status carries it too)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=20.0) as r:
            doc = json.loads(r.read())
    except urllib.error.HTTPError as e:
        doc = json.loads(e.read())
    assert "error" in doc, f"no error: {str(doc)[:300]}"
    return json.dumps(doc["error"])


def _stop(proc: Any) -> None:
    """Stop a process this test started, by its PID: SIGTERM, SIGKILL after 10 s."""
    import subprocess

    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_cometbft_light_proxy_in_front_of_a_node(up: Up, tmp_path: Path) -> None:
    """NET-53: CometBFT's own light client proxy (`cometbft light`, the pinned binary) in front of an
    sc4it network verifies and serves its headers and commits from a trusted height and hash (the same
    blocks the node serves), refuses to start from a hash that is not the trusted height's, and answers
    an sc4it query with an error (its proof form is not sc4it's, docs/network.md). Bounded in time,
    127.0.0.1 only, stopped by PID."""
    require_engine()
    from sc4it.net.launcher import PortClaims

    node = up.net.nodes[0]
    trusted = int(rpc(node.rpc_url, "/status")["sync_info"]["latest_block_height"])
    trusted_hash = rpc(node.rpc_url, f"/block?height={trusted}")["block_id"]["hash"]
    wrong_hash = rpc(node.rpc_url, f"/block?height={trusted - 1}")["block_id"]["hash"]
    ports = PortClaims()
    try:
        port = ports.take()
        bad = _light_proxy(up, tmp_path / "bad", trusted, wrong_hash, port, tmp_path / "bad.log")
        try:
            assert bad.wait(timeout=30) != 0  # a trusted hash that is not the height's: it does not start
        finally:
            _stop(bad)
        assert "hash" in (tmp_path / "bad.log").read_text().lower()
        proxy = _light_proxy(up, tmp_path / "ok", trusted, trusted_hash, port, tmp_path / "ok.log")
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                assert proxy.poll() is None, (tmp_path / "ok.log").read_text()[-2000:]
                try:
                    rpc(url, "/health", timeout=1.0)
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the light proxy did not answer in 30 s"
                    time.sleep(0.2)
            target = trusted + 3
            wait_height(up.net, target + 1, TIMEOUT)
            through = rpc(url, f"/block?height={target}", timeout=20.0)
            direct = rpc(node.rpc_url, f"/block?height={target}")
            assert through["block_id"]["hash"] == direct["block_id"]["hash"]
            commit = rpc(url, f"/commit?height={target}", timeout=20.0)["signed_header"]
            assert commit["commit"]["block_id"]["hash"] == direct["block_id"]["hash"]
            error = _error_of(url + '/abci_query?path="/sc4it/digests"')
            assert "empty key" in error, error  # an answer without a proof: refused
            error = _error_of(
                url + f'/abci_query?path="/sc4it/nonce/{ss58_encode(BOB.account_id)}"&height={target}'
            )
            assert "store" in error, error  # proved, but not a /store/<name>/key path: refused
        finally:
            _stop(proxy)
        assert proxy.returncode is not None
    finally:
        ports.close()
