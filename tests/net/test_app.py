"""The ABCI application in-process, spoken to in CometBFT's own messages (spec/network.md)."""

from __future__ import annotations

import asyncio
import gc
import json
import time
import weakref
from pathlib import Path
from typing import Any

import attrs
import pytest

from sc4it import genesis as gen
from sc4it.kernel.calls import Transfer
from sc4it.kernel.codec import encode
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.errors import Error
from sc4it.kernel.events import Burned, ContractCreated, NodeContractCanceled, PowerStateChanged
from sc4it.kernel.signing import sign, ss58_encode
from sc4it.kernel.smt import collector_paused
from sc4it.net import abci
from sc4it.net import app as app_module
from sc4it.net.abci_events import event_keys
from sc4it.net.app import DECODE_ERROR_CODE, NetApp, PlantedBug, entry_rows, error_code
from sc4it.net.engine import COMETBFT_VERSION, build_dir
from sc4it.node.collector import MAX_RETIRED, Collector
from sc4it.node.mempool import MAX_FUTURE, MempoolReason

from .support import require_engine

ALICE = gen.dev_keypair("alice")
BOB = gen.dev_keypair("bob")
CHAIN = gen.default().chain_id
T0 = 1_800_000_000


def transfer(nonce: int, amount: int = 1, who: Any = BOB) -> bytes:
    return encode(sign(Transfer(ALICE.account_id, amount), who, nonce, CHAIN))


def started(tmp_path: Path, **kw: Any) -> tuple[Any, NetApp]:
    t = require_engine(binary=False)
    app = NetApp(home=tmp_path, **kw)
    app.handle("init_chain", t.RequestInitChain(chain_id="test", initial_height=1))
    return t, app


def block(t: Any, app: NetApp, height: int, txs: list[bytes]) -> Any:
    req = t.RequestFinalizeBlock(height=height, txs=txs)
    req.time.seconds = T0 + height
    res = app.handle("finalize_block", req)
    app.handle("commit", t.RequestCommit())
    return res


async def _responses(t: Any, reader: asyncio.StreamReader, count: int) -> list[Any]:
    """The next `count` ABCI responses on `reader` (length-prefixed, NET-03), each within 5 s."""
    out = []
    for _ in range(count):
        n = await asyncio.wait_for(abci.read_uvarint(reader), 5)
        res = t.Response()
        res.ParseFromString(await reader.readexactly(n))
        out.append(res)
    return out


def test_generated_from_the_pinned_protos() -> None:
    """NET-01 NET-02: the messages are generated from CometBFT's .proto files of the pinned version."""
    t = require_engine(binary=False)
    assert COMETBFT_VERSION == "v0.38.26"
    assert (build_dir() / ".complete").read_text().strip() == COMETBFT_VERSION
    fields = {f.name for f in t.Request.DESCRIPTOR.oneofs_by_name["value"].fields}
    assert {"finalize_block", "prepare_proposal", "process_proposal", "offer_snapshot"} <= fields


def test_varint_framing() -> None:
    """NET-03: unsigned varint length prefixes, as Go's binary.PutUvarint writes them."""
    for n, wire in [(0, b"\x00"), (1, b"\x01"), (127, b"\x7f"), (128, b"\x80\x01"), (300, b"\xac\x02")]:
        assert abci.encode_uvarint(n) == wire

        async def read(data: bytes) -> int:
            r = asyncio.StreamReader()
            r.feed_data(data)
            r.feed_eof()
            return await abci.read_uvarint(r)

        assert asyncio.run(read(wire)) == n
    with pytest.raises(abci.FramingError):
        asyncio.run(read(b"\xff" * 11))
    with pytest.raises(abci.FramingError):
        asyncio.run(read(abci.encode_uvarint(abci.MAX_MESSAGE_BYTES + 1)))


def test_socket_server_answers_in_order(tmp_path: Path) -> None:
    """NET-03 NET-05: Echo, Info and Flush over a real socket; responses come back in request order."""
    t = require_engine(binary=False)
    app = NetApp(home=tmp_path)

    async def scenario() -> list[Any]:
        stop = asyncio.Event()
        ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(abci.serve(app, "127.0.0.1", 0, ready=ready.set_result, stop=stop))
        port = await asyncio.wait_for(ready, 5)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for req in (
            t.Request(echo=t.RequestEcho(message="hi")),
            t.Request(info=t.RequestInfo()),
            t.Request(flush=t.RequestFlush()),
        ):
            writer.write(abci.frame(req))
        await writer.drain()
        out = await _responses(t, reader, 3)
        writer.close()
        stop.set()
        await asyncio.wait_for(task, 5)
        return out

    echo, info, flush = asyncio.run(scenario())
    assert echo.echo.message == "hi"
    assert info.info.last_block_height == 0 and info.info.data == "sc4it"
    assert flush.WhichOneof("value") == "flush"


def test_requests_split_or_joined_anyhow_are_answered_in_order(tmp_path: Path) -> None:
    """NET-03: the server answers framed requests however the stream splits them (one byte at a time,
    several in one segment), in order; a length prefix over the limit or longer than 10 bytes closes the
    connection after answering the requests before it."""
    t = require_engine(binary=False)
    app = NetApp(home=tmp_path)
    requests = [t.Request(echo=t.RequestEcho(message=f"m{i}" * i)) for i in range(40)]
    stream = b"".join(abci.frame(r) for r in requests) + abci.frame(t.Request(flush=t.RequestFlush()))
    assert abci.frame_bounds(stream, 0) == (1, len(abci.frame(requests[0])))
    assert abci.frame_bounds(stream[:1], 0) is None and abci.frame_bounds(b"\x80", 0) is None

    async def exchange(chunks: list[bytes], expect: int) -> tuple[list[Any], bytes]:
        stop = asyncio.Event()
        ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(abci.serve(app, "127.0.0.1", 0, ready=ready.set_result, stop=stop))
        port = await asyncio.wait_for(ready, 5)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
        out = await _responses(t, reader, expect)
        rest = await asyncio.wait_for(reader.read(), 5)  # b"" once the server closed the connection
        writer.close()
        stop.set()
        await asyncio.wait_for(task, 5)
        return out, rest

    async def both() -> None:
        for chunks in ([stream[i : i + 1] for i in range(len(stream))], [stream[:700], stream[700:]]):
            out, _ = await asyncio.wait_for(exchange([*chunks, b"\xff" * 11], len(requests) + 1), 20)
            assert [r.echo.message for r in out[:-1]] == [r.echo.message for r in requests]
            assert out[-1].WhichOneof("value") == "flush"
        over = abci.encode_uvarint(abci.MAX_MESSAGE_BYTES + 1)
        out, rest = await exchange([abci.frame(requests[3]) + over], 1)
        assert out[0].echo.message == requests[3].echo.message and rest == b""

    asyncio.run(both())


def test_init_chain_and_info(tmp_path: Path) -> None:
    """NET-05 NET-06: empty app_state is the default genesis; Info reports height and app hash."""
    t, app = started(tmp_path)
    info = app.handle("info", t.RequestInfo())
    assert info.last_block_height == 0
    assert info.last_block_app_hash == Commitment.of(gen.default()).root
    custom = json.dumps(gen.to_json_obj(gen.default_genesis())).encode()
    other = NetApp(home=tmp_path / "b")
    res = other.handle("init_chain", t.RequestInitChain(app_state_bytes=custom, initial_height=1))
    assert res.app_hash == info.last_block_app_hash


def test_check_tx_uses_the_node_mempool_rules(tmp_path: Path) -> None:
    """NET-07 NET-08 NET-09: undecodable bytes, stale or too-far nonces, duplicates and bad signatures
    are refused with the typed error or the mempool's reason; a future nonce within the window waits;
    a recheck after Commit keeps what the pool still holds and refuses what became stale."""
    t, app = started(tmp_path)

    def check(tx: bytes, kind: int = 0) -> Any:
        return app.handle("check_tx", t.RequestCheckTx(tx=tx, type=kind))

    assert check(b"\x00garbage").code == DECODE_ERROR_CODE
    res = check(transfer(MAX_FUTURE + 1))
    assert res.code == error_code(Error.FutureNonce) and res.log.startswith("FutureNonce")
    assert check(transfer(1)).code == 0  # waits for nonce 0
    assert check(transfer(0)).code == 0
    dup = check(transfer(1))
    assert dup.code == DECODE_ERROR_CODE + 1 + list(MempoolReason).index(MempoolReason.AlreadyKnown)
    forged = sign(Transfer(ALICE.account_id, 1), ALICE, 0, CHAIN)
    forged = type(forged)(forged.chain_id, BOB.account_id, 2, forged.call, forged.signatures)
    assert check(encode(forged)).code == error_code(Error.BadSignature)
    block(t, app, 1, [transfer(0)])
    assert check(transfer(1), kind=t.RECHECK).code == 0  # still waiting in the pool
    assert check(transfer(0), kind=t.RECHECK).code == error_code(Error.StaleNonce)


def test_finalize_block_executes_and_commits(tmp_path: Path) -> None:
    """NET-04 NET-10 NET-11 NET-13: the block runs at the BFT time; failed and undecodable calls get
    their code; events come from the calls; the app hash is the state commitment."""
    t, app = started(tmp_path)
    res = block(t, app, 1, [transfer(0), transfer(0), b"junk"])
    codes = [r.code for r in res.tx_results]
    assert codes == [0, error_code(Error.StaleNonce), DECODE_ERROR_CODE]
    assert {e.type for e in res.tx_results[0].events} >= {"Transfer"}
    last = app.last
    assert last is not None and last.height == 1 and last.time_ms == (T0 + 1) * 1000
    assert res.app_hash == Commitment.of(last.state).root
    info = app.handle("info", t.RequestInfo())
    assert info.last_block_height == 1 and info.last_block_app_hash == res.app_hash


def test_indexed_attributes_are_accounts_and_ids(tmp_path: Path) -> None:
    """NET-11: an event's attributes are its fields in order, values in JSON; those naming an account or
    an id are indexed, amounts, flags and whole records are not."""
    t, app = started(tmp_path)
    res = block(t, app, 1, [transfer(0, amount=5)])
    (event,) = [e for e in res.tx_results[0].events if e.type == "Transfer"]
    assert [(a.key, a.value, a.index) for a in event.attributes] == [
        ("from_", json.dumps("0x" + BOB.account_id.hex()), True),
        ("to", json.dumps("0x" + ALICE.account_id.hex()), True),
        ("amount", "5", False),
    ]
    assert event_keys(NodeContractCanceled) == (("contract_id", True), ("node_id", True), ("twin_id", True))
    assert event_keys(ContractCreated) == (("contract", False),)
    assert event_keys(PowerStateChanged) == (("farm_id", True), ("node_id", True), ("power_state", False))
    assert event_keys(Burned) == (("who", True), ("amount", False))


def test_prepare_and_process_proposal(tmp_path: Path) -> None:
    """NET-12: the proposer keeps the valid calls within max_tx_bytes; a proposal with undecodable bytes
    is rejected, one with a stale call is accepted (it executes as a failed call)."""
    t, app = started(tmp_path)
    req = t.RequestPrepareProposal(
        height=1, max_tx_bytes=10_000, txs=[transfer(0), b"junk", transfer(5), transfer(1)]
    )
    req.time.seconds = T0
    assert list(app.handle("prepare_proposal", req).txs) == [transfer(0), transfer(1)]
    small = t.RequestPrepareProposal(height=1, max_tx_bytes=len(transfer(0)), txs=[transfer(0), transfer(1)])
    assert list(app.handle("prepare_proposal", small).txs) == [transfer(0)]
    accept, reject = t.ResponseProcessProposal.ACCEPT, t.ResponseProcessProposal.REJECT
    assert app.handle("process_proposal", t.RequestProcessProposal(txs=[transfer(3)])).status == accept
    assert app.handle("process_proposal", t.RequestProcessProposal(txs=[b"junk"])).status == reject


def test_queries(tmp_path: Path) -> None:
    """NET-14 NET-15 NET-16: typed queries at the last or a retained height; bad paths get an error."""
    t, app = started(tmp_path)
    block(t, app, 1, [transfer(0)])
    block(t, app, 2, [transfer(1)])

    def q(path: str, height: int = 0) -> Any:
        return app.handle("query", t.RequestQuery(path=path, height=height))

    bob = ss58_encode(BOB.account_id)
    assert q(f"/sc4it/nonce/{bob}").value == b"2"
    assert q(f"/sc4it/nonce/{bob}", height=1).value == b"1"
    assert q(f"/sc4it/nonce/{bob}", height=1).height == 1
    digests = json.loads(q("/sc4it/digests", height=1).value)
    assert digests["height"] == 1 and "accounts" in digests["fields"]
    rows = json.loads(q("/sc4it/entries/accounts").value)
    assert rows == entry_rows(app.at(0).state, "accounts", 100_000)
    assert q(f"/sc4it/account/{bob}").value
    assert q("/sc4it/contract/999").value == b""
    assert q("/nope").code != 0
    assert q("/sc4it/digests", height=99).code != 0


def test_snapshot_restores_a_fresh_app(tmp_path: Path) -> None:
    """NET-17 NET-18: a snapshot served in chunks restores another app when its commitment equals the
    verified app hash, and is rejected otherwise."""
    t, app = started(tmp_path / "a", snapshot_interval=2)
    block(t, app, 1, [transfer(0)])
    res = block(t, app, 2, [transfer(1)])
    (snap,) = app.handle("list_snapshots", t.RequestListSnapshots()).snapshots
    assert snap.height == 2 and snap.format == 1
    chunks = [
        app.handle("load_snapshot_chunk", t.RequestLoadSnapshotChunk(height=2, format=1, chunk=i)).chunk
        for i in range(snap.chunks)
    ]
    r = t.ResponseApplySnapshotChunk
    for app_hash, expected in ((b"\x00" * 32, r.REJECT_SNAPSHOT), (res.app_hash, r.ACCEPT)):
        fresh = NetApp(home=tmp_path / f"fresh{expected}")
        offer = fresh.handle("offer_snapshot", t.RequestOfferSnapshot(snapshot=snap, app_hash=app_hash))
        assert offer.result == t.ResponseOfferSnapshot.ACCEPT
        results = [
            fresh.handle("apply_snapshot_chunk", t.RequestApplySnapshotChunk(index=i, chunk=c)).result
            for i, c in enumerate(chunks)
        ]
        assert results[-1] == expected
    info = fresh.handle("info", t.RequestInfo())
    assert info.last_block_height == 2 and info.last_block_app_hash == res.app_hash
    assert (
        app.handle("offer_snapshot", t.RequestOfferSnapshot(snapshot=snap)).result
        == t.ResponseOfferSnapshot.ABORT
    )


def test_planted_bug_changes_the_app_hash(tmp_path: Path) -> None:
    """NET-19: the planted bug (fault tests) makes a replica compute another state from a height on."""
    t, good = started(tmp_path / "good")
    _, bad = started(tmp_path / "bad", planted_bug=PlantedBug(2, ALICE.account_id))
    assert block(t, good, 1, []).app_hash == block(t, bad, 1, []).app_hash
    assert block(t, good, 2, []).app_hash != block(t, bad, 2, []).app_hash
    ours = {k: v for k, v in entry_rows(bad.at(0).state, "accounts", 100)}
    theirs = {k: v for k, v in entry_rows(good.at(0).state, "accounts", 100)}
    assert [k for k in ours if ours[k] != theirs[k]] == [encode(ALICE.account_id).hex()]


def test_no_vote_extensions(tmp_path: Path) -> None:
    """NET-20: vote extensions are empty and accepted."""
    t, app = started(tmp_path)
    assert app.handle("extend_vote", t.RequestExtendVote(height=1)).vote_extension == b""
    res = app.handle("verify_vote_extension", t.RequestVerifyVoteExtension(height=1))
    assert res.status == t.ResponseVerifyVoteExtension.ACCEPT


def test_restart_resumes_from_the_store(tmp_path: Path) -> None:
    """NET-05 NET-29 NET-34: an application restarted on its home reloads the last committed state from
    its SQLite store (no replay: Info answers that height and app hash) and goes on from it; the store
    holds exactly the committed state (a block finalized but not committed is not in it); a home whose
    store is empty starts from its newest snapshot, without one it starts empty (replay from genesis)."""
    t, app = started(tmp_path, snapshot_interval=2)
    for h in range(1, 4):
        res = block(t, app, h, [transfer(h - 1)])
    req = t.RequestFinalizeBlock(height=4, txs=[transfer(3)])
    req.time.seconds = T0 + 4
    app.handle("finalize_block", req)  # not committed: a crash here loses block 4, CometBFT replays it
    app.close()
    again = NetApp(home=tmp_path, snapshot_interval=2)
    info = again.handle("info", t.RequestInfo())
    assert info.last_block_height == 3 and info.last_block_app_hash == res.app_hash
    assert again.at(0).state == app.at(3).state
    res4 = block(t, again, 4, [transfer(3)])
    again.close()
    (tmp_path / "store" / "store.sqlite").unlink()
    for extra in ("-wal", "-shm"):
        (tmp_path / "store" / f"store.sqlite{extra}").unlink(missing_ok=True)
    from_snapshot = NetApp(home=tmp_path)
    info = from_snapshot.handle("info", t.RequestInfo())
    assert info.last_block_height == 4 and info.last_block_app_hash == res4.app_hash
    from_snapshot.close()
    assert NetApp(home=tmp_path).handle("info", t.RequestInfo()).last_block_height == 4  # kept in the store
    empty = NetApp(home=tmp_path / "other").handle("info", t.RequestInfo())
    assert empty.last_block_height == 0


def test_restart_reloads_records_lazily(tmp_path: Path) -> None:
    """NET-34 NODE-15: a restart reloads the maps of records with their values still as rows' bytes
    (decoded on first read), its commitment built from the rows: the same state and root as before."""
    from sc4it.kernel.pmap import LazyPMap, LazyValue, raw_map

    t, app = started(tmp_path)
    _, never = started(tmp_path / "never-restarted")
    for a in (app, never):
        block(t, a, 1, [transfer(0)])
    app.close()
    again = NetApp(home=tmp_path)
    state = again.at(0).state
    assert type(state.accounts) is LazyPMap and type(state.twins) is LazyPMap
    assert all(isinstance(v, LazyValue) for v in raw_map(state.accounts).values())
    assert state == never.at(1).state and again.at(0).commitment.root == never.at(1).commitment.root
    assert block(t, again, 2, [transfer(1)]).app_hash == block(t, never, 2, [transfer(1)]).app_hash
    again.close()
    never.close()


def test_a_damaged_store_is_refused(tmp_path: Path) -> None:
    """NET-34: a store whose rows do not give the stored app hash is refused with a typed error."""
    import sqlite3

    from sc4it.node.store import StoreError

    t, app = started(tmp_path)
    block(t, app, 1, [transfer(0)])
    app.close()
    db = sqlite3.connect(tmp_path / "store" / "store.sqlite")
    field, key = db.execute("SELECT field, key FROM entries WHERE key != x'' LIMIT 1").fetchone()
    db.execute("DELETE FROM entries WHERE field = ? AND key = ?", (field, key))
    db.commit()
    db.close()
    with pytest.raises(StoreError, match=r"does not match|does not decode"):
        NetApp(home=tmp_path)


def test_admitted_calls_are_checked_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NET-32 BLK-25: a call CheckTx admitted is neither decoded nor signature-checked again by the
    proposal and the block that carry it; a call it never saw is (a forged one fails there); the
    proposer's FinalizeBlock of its own proposal reuses the proposal's run, another block runs anew;
    a block's calls are forgotten."""
    import sc4it.block as block_module
    import sc4it.net.app as app_module
    import sc4it.runtime as runtime

    t, app = started(tmp_path)
    admitted = [transfer(0), transfer(1)]
    for tx in admitted:
        assert app.handle("check_tx", t.RequestCheckTx(tx=tx, type=t.NEW)).code == 0
    checks: list[object] = []
    runs: list[object] = []
    real_check, real_run = runtime.check_signatures, block_module.run_block

    def check(signed: Any) -> Any:
        checks.append(signed)
        return real_check(signed)

    def run(*args: Any, **kw: Any) -> Any:
        runs.append(args)
        return real_run(*args, **kw)

    monkeypatch.setattr(runtime, "check_signatures", check)
    monkeypatch.setattr(app_module, "run_block", run)
    req = t.RequestPrepareProposal(height=1, max_tx_bytes=10_000, txs=admitted)
    req.time.seconds = T0 + 1
    assert list(app.handle("prepare_proposal", req).txs) == admitted
    assert checks == [] and len(runs) == 1
    res = block(t, app, 1, admitted)  # the same height, time and transactions: the same run
    assert [r.code for r in res.tx_results] == [0, 0] and len(runs) == 1 and checks == []
    assert app.known == {}
    forged = sign(Transfer(ALICE.account_id, 1), gen.dev_keypair("dave"), 0, CHAIN)
    forged_tx = encode(attrs.evolve(forged, call=Transfer(ALICE.account_id, 2)))
    res = block(t, app, 2, [transfer(2), forged_tx])
    assert [r.code for r in res.tx_results] == [0, error_code(Error.BadSignature)]
    assert len(checks) == 2 and len(runs) == 2


def test_known_calls_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NET-32: at most KNOWN_TXS admitted calls are remembered, the oldest forgotten first."""
    import sc4it.net.app as app_module

    monkeypatch.setattr(app_module, "KNOWN_TXS", 3)
    t, app = started(tmp_path)
    txs = [transfer(n) for n in range(5)]
    for tx in txs:
        assert app.handle("check_tx", t.RequestCheckTx(tx=tx, type=t.NEW)).code == 0
    assert list(app.known) == txs[2:]


def test_divergence_watch_asks_only_when_stalled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NET-19: the watch asks peers about the newest committed height only once it has stayed the newest
    for `stall_s` (a newer commit vouches for it: CometBFT checked the next header's app hash); a height a
    peer confirmed is not asked about again, one no peer has the next header of is asked again."""
    import sc4it.net.run as run_module

    t, app = started(tmp_path)
    watch = run_module.DivergenceWatch(app, ["http://127.0.0.1:9"], tmp_path, stall_s=0.05)
    asked: list[int] = []
    answers = iter([None, True])

    def check(c: Any) -> bool | None:
        asked.append(c.height)
        return next(answers)

    monkeypatch.setattr(watch, "_check", check)
    app.on_commit = watch.committed
    block(t, app, 1, [])
    watch.step()
    assert asked == []  # committed just now
    block(t, app, 2, [])
    time.sleep(0.06)
    watch.step()
    assert asked == [2]  # height 1 never: block 2 vouched for it; no peer had header 3 yet
    watch.step()
    assert asked == [2, 2]  # confirmed now
    watch.step()
    assert asked == [2, 2]
    block(t, app, 3, [])
    watch.step()
    assert asked == [2, 2]


async def _serve_script(t: Any, app: NetApp, script: list[list[Any]], **kw: Any) -> list[Any]:
    """Serve `app` (NET-03) and send it `script`, burst after burst, each answered before the next."""
    stop = asyncio.Event()
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(abci.serve(app, "127.0.0.1", 0, ready=ready.set_result, stop=stop, **kw))
    port = await asyncio.wait_for(ready, 5)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    out = []
    for burst in script:
        writer.write(b"".join(abci.frame(r) for r in burst))
        await writer.drain()
        out += await _responses(t, reader, len(burst))
    writer.close()
    stop.set()
    await asyncio.wait_for(task, 5)
    return out


def test_collector_paused_from_a_heights_first_block_request_to_after_its_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NODE-19 NODE-20 on the network: the ABCI server pauses Python's cyclic collector at a height's
    first block request (PrepareProposal here) and keeps it paused, Info and CheckTx served meanwhile,
    until the responses that end with its Commit are written; then the application releases what the
    block replaced (`release_retired`), the collector runs between blocks (`Collector.between_blocks`),
    and it is on again. No collection runs in between (re-enabled after each request, the block's young
    objects were collected before the FinalizeBlock response was written)."""
    t = require_engine(binary=False)
    app = NetApp(home=tmp_path)
    seen: dict[str, list[bool]] = {}
    window = [False]
    for kind in ("info", "init_chain", "check_tx", "prepare_proposal", "finalize_block", "commit"):
        method = getattr(NetApp, f"abci_{kind}")

        def watched(self: NetApp, req: Any, method: Any = method, kind: str = kind) -> Any:
            seen.setdefault(kind, []).append(gc.isenabled())
            window[0] = window[0] or kind == "prepare_proposal"
            return method(self, req)

        monkeypatch.setattr(NetApp, f"abci_{kind}", watched)
    steps: list[tuple[str, bool]] = []
    release = app.release_retired

    def released() -> int:
        window[0] = False
        steps.append(("release_retired", gc.isenabled()))
        return release()

    monkeypatch.setattr(app, "release_retired", released)
    collector = Collector()
    between = collector.between_blocks

    def counted() -> Any:
        steps.append(("between_blocks", gc.isenabled()))
        return between()

    monkeypatch.setattr(collector, "between_blocks", counted)
    collections: list[int] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and window[0]:
            collections.append(info["generation"])

    prepare = t.RequestPrepareProposal(height=1, max_tx_bytes=10_000, txs=[transfer(0)])
    prepare.time.seconds = T0 + 1
    finalize = t.RequestFinalizeBlock(height=1, txs=[transfer(0)])
    finalize.time.seconds = T0 + 1
    flush = t.Request(flush=t.RequestFlush())
    script = [
        [t.Request(init_chain=t.RequestInitChain(chain_id="test", initial_height=1))],
        [t.Request(info=t.RequestInfo()), t.Request(prepare_proposal=prepare), flush],
        [t.Request(info=t.RequestInfo()), t.Request(check_tx=t.RequestCheckTx(tx=transfer(1)))],
        [t.Request(finalize_block=finalize), flush],
        [t.Request(commit=t.RequestCommit()), flush],
        [t.Request(info=t.RequestInfo())],
    ]
    assert gc.isenabled()
    threshold = gc.get_threshold()
    gc.set_threshold(20)  # young collections at once, were the collector on
    gc.callbacks.append(on_gc)
    try:
        out = asyncio.run(_serve_script(t, app, script, collector=collector))
    finally:
        gc.callbacks.remove(on_gc)
        gc.set_threshold(*threshold)
        gc.unfreeze()
    assert [r.WhichOneof("value") for r in out][-3:] == ["commit", "flush", "info"]
    assert out[-1].info.last_block_height == 1
    assert seen == {
        "init_chain": [True],
        "info": [True, False, True],
        "check_tx": [False],
        "prepare_proposal": [False],
        "finalize_block": [False],
        "commit": [False],
    }
    assert collections == []
    assert steps == [("release_retired", False), ("between_blocks", False)]  # once, after the Commit
    assert gc.isenabled() and collector.base is not None


def test_collector_pause_is_bounded(tmp_path: Path) -> None:
    """NODE-19 on the network: a height whose Commit never comes leaves the collector paused at most
    `max_pause_s`; then the server runs the between-blocks step by itself and the collector is on."""
    t = require_engine(binary=False)
    app = NetApp(home=tmp_path)
    app.handle("init_chain", t.RequestInitChain(chain_id="test", initial_height=1))
    collector = Collector()
    prepare = t.RequestPrepareProposal(height=1, max_tx_bytes=10_000)
    prepare.time.seconds = T0 + 1

    async def scenario() -> list[bool]:
        stop = asyncio.Event()
        ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        serving = abci.serve(
            app, "127.0.0.1", 0, ready=ready.set_result, stop=stop, collector=collector, max_pause_s=0.2
        )
        task = asyncio.create_task(serving)
        reader, writer = await asyncio.open_connection("127.0.0.1", await asyncio.wait_for(ready, 5))
        writer.write(abci.frame(t.Request(prepare_proposal=prepare)))
        await _responses(t, reader, 1)
        states = [gc.isenabled()]
        for _ in range(100):  # bounded: 5 s at most
            await asyncio.sleep(0.05)
            if gc.isenabled():
                break
        states.append(gc.isenabled())
        writer.close()
        stop.set()
        await asyncio.wait_for(task, 5)
        return states

    assert gc.isenabled()
    try:
        states = asyncio.run(scenario())
    finally:
        gc.enable()
        gc.unfreeze()
    assert states == [False, True]
    assert collector.base is not None  # the between-blocks step ran (its first call sets the base)


def test_replaced_state_freed_between_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NODE-20 on the network: the committed state Commit stops retaining (NET-15) and the block's
    `Finalized` stay alive until `release_retired` (between blocks), not freed inside Commit; an
    application that is never released keeps at most `MAX_RETIRED` of them."""
    monkeypatch.setattr(app_module, "RETAINED_HEIGHTS", 2)
    t, app = started(tmp_path)
    block(t, app, 1, [transfer(0)])
    block(t, app, 2, [transfer(1)])
    assert app.release_retired() == 3  # the genesis state (height 0), blocks 1 and 2's `Finalized`
    oldest = weakref.ref(app.recent[1])
    req = t.RequestFinalizeBlock(height=3, txs=[transfer(2)])
    req.time.seconds = T0 + 3
    app.handle("finalize_block", req)
    finalized = weakref.ref(app.finalized)
    with collector_paused():  # reference counting alone frees them
        app.handle("commit", t.RequestCommit())
        assert 1 not in app.recent  # NET-15 as before: no longer retained...
        assert oldest() is not None and finalized() is not None  # ...but not freed inside Commit
        assert app.release_retired() == 2
        assert oldest() is None and finalized() is None
    assert app.release_retired() == 0
    for height in range(4, 4 + MAX_RETIRED):
        block(t, app, height, [])
    assert len(app.retired) == MAX_RETIRED
