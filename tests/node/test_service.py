"""The in-process `Node` (spec/node.md: NODE-10, NODE-13, MEM-09, MEM-10)."""

from __future__ import annotations

import gc
import logging
import sqlite3
import threading
import weakref
from pathlib import Path

import pytest

from sc4it.block import BlockError, BlockFault, Executed, call_hash, execute_block, genesis_tip
from sc4it.kernel import calls
from sc4it.kernel.codec import encode
from sc4it.kernel.errors import Error
from sc4it.kernel.signing import SignedCall, sign
from sc4it.kernel.smt import collector_paused
from sc4it.node.collector import MAX_RETIRED
from sc4it.node.mempool import MempoolError, MempoolReason
from sc4it.node.service import CommittedBlock, Node, StateUnavailable
from sc4it.node.store import DB_FILE, Store, StoreError, StoreProblem

from .helpers import ALICE, BOB, CHARLIE, PRODUCER, TFT, reseal, transfer, world


def _open(path: Path, **kw: object) -> Node:
    return Node.open(path, world(), PRODUCER, **kw)  # type: ignore[arg-type]


def test_submit_produce_query(tmp_path: Path) -> None:
    """NODE-13 MEM-10: submitted calls go into the next block; queries by number and hash."""
    with _open(tmp_path) as node:
        assert node.head.number == 0 and node.spec.block_time_ms == 6000
        assert node.account_next_index(ALICE.account_id) == 0
        hashes = []
        for _ in range(3):
            n = node.account_next_index(ALICE.account_id)
            hashes.append(node.submit(sign(calls.Transfer(BOB.account_id, TFT), ALICE, n, node.chain_id)))
        assert node.account_next_index(ALICE.account_id) == 3 and node.pending() == 3
        committed = node.produce_block()
        assert committed.number == 1 and len(committed.block.calls) == 3 and node.pending() == 0
        assert [r.error for r in committed.results.receipts] == [None] * 3
        assert len(committed.events) == 3
        assert node.head == committed.block.header and node.head_hash == committed.hash
        assert node.header(1) == node.header(committed.hash) == committed.block.header
        assert node.block(committed.hash) == committed.block and node.block(0) is None
        assert node.results(1) == committed.results and node.results(0) is None
        assert node.header(0) is not None and node.header(node.genesis_hash) == node.header(0)
        assert node.header(2) is None and node.header(bytes(32)) is None and node.block(7) is None
        assert node.account_next_index(ALICE.account_id) == 3
        assert node.state.accounts[ALICE.account_id].nonce == 3
        # a replica agrees
        ex = execute_block(genesis_tip(world(), node.spec), committed.block, node.spec)
        assert ex.tip.hash == node.head_hash


def test_submit_bytes(tmp_path: Path) -> None:
    """MEM-05: the canonical bytes of a call are accepted; anything else is Malformed or TooLarge."""
    with _open(tmp_path) as node:
        s = transfer(node.state)
        assert node.submit_bytes(encode(s)) == call_hash(s) and node.pending() == 1
        for data, reason in (
            (b"\x00junk", MempoolReason.Malformed),
            (bytes(200_000), MempoolReason.TooLarge),
        ):
            with pytest.raises(MempoolError) as e:
                node.submit_bytes(data)
            assert e.value.reason is reason
        with pytest.raises(MempoolError) as e:
            node.submit(transfer(node.state, at=0))
        assert e.value.reason is MempoolReason.AlreadyKnown


def test_failed_call_leaves_the_pool(tmp_path: Path) -> None:
    """MEM-09 BLK-23: a call that fails in its block is dropped from the pool and uses its nonce: the
    signer's next call (submitted behind it) goes in the next block, and the failed call submitted again
    is refused as stale."""
    with _open(tmp_path) as node:
        broke = transfer(node.state, CHARLIE, ALICE, 10**9 * TFT)
        node.submit(broke)
        node.submit(transfer(node.state, CHARLIE, ALICE, 1, at=broke.nonce + 1))
        b1 = node.produce_block()
        assert b1.results.receipts[0].error is Error.FundsUnavailable
        assert b1.results.receipts[1].error is None and node.pending() == 0
        with pytest.raises(MempoolError) as e:
            node.submit(broke)
        assert e.value.error is Error.StaleNonce
        assert node.produce_block().block.calls == ()


def test_observers_see_committed_blocks(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """NODE-13: observers run after the block is on disk; a failing observer is logged and harmless."""
    seen: list[int] = []

    def on_disk(c: CommittedBlock) -> None:
        db = sqlite3.connect(tmp_path / DB_FILE)  # another connection: sees only committed data
        (n,) = db.execute("SELECT max(number) FROM blocks").fetchone()
        db.close()
        seen.append(n)
        assert node.head.number == c.number

    def broken(c: CommittedBlock) -> None:
        raise RuntimeError("observer bug")

    with _open(tmp_path) as node:
        stop = node.subscribe(on_disk)
        node.subscribe(broken)
        with caplog.at_level(logging.ERROR, logger="sc4it.node"):
            node.produce_block()
            node.produce_block()
        assert seen == [1, 2] and "observer failed" in caplog.text
        stop()
        stop()
        node.produce_block()
        assert seen == [1, 2]


def test_recent_states(tmp_path: Path) -> None:
    """NODE-10: the states of the last `keep_states` blocks; older ones are a typed error."""
    with _open(tmp_path, keep_states=3) as node:
        states = [node.state]
        for _ in range(4):
            node.submit(transfer(node.state))
            node.produce_block()
            states.append(node.state)
        assert node.state_at(4) is states[4] and node.state_at(node.head_hash) is states[4]
        assert node.state_at(2) is states[2]
        with pytest.raises(StateUnavailable) as e:
            node.state_at(1)
        assert e.value.oldest == 2 and e.value.head == 4 and "not available" in str(e.value)
        with pytest.raises(StateUnavailable):
            node.state_at(9)
    with _open(tmp_path, keep_states=3) as again:  # after a restart: the head only
        assert again.state_at(4) == states[4]
        with pytest.raises(StateUnavailable):
            again.state_at(3)


def test_open_arguments(tmp_path: Path) -> None:
    """BLK-01 NODE-09: a producer outside the spec, a read-only node, two nodes on one directory."""
    with pytest.raises(ValueError):
        Node.open(tmp_path / "a", world(), PRODUCER, producers=(ALICE.account_id,))
    with pytest.raises(ValueError):
        Node.open(tmp_path / "b", world(), None)
    reader = Node.open(tmp_path / "c", world(), None, producers=(PRODUCER.account_id,))
    with reader, pytest.raises(RuntimeError):
        reader.produce_block()
    with _open(tmp_path / "d", block_time_ms=500) as node:
        assert node.spec.block_time_ms == 500
        with pytest.raises(StoreError) as e:
            _open(tmp_path / "d", block_time_ms=500)
        assert e.value.problem is StoreProblem.Locked


def test_threads(tmp_path: Path) -> None:
    """The node serialises submitters and the producer: calls from several threads all land once."""
    keys = [ALICE, BOB]
    with _open(tmp_path) as node:

        def submit(who: int) -> None:
            k = keys[who]
            for _ in range(20):
                n = node.account_next_index(k.account_id)
                node.submit(sign(calls.Transfer(CHARLIE.account_id, TFT), k, n, node.chain_id))

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            node.produce_block()
        for t in threads:
            t.join(timeout=30)
        while node.pending():
            node.produce_block()
        assert node.state.accounts[ALICE.account_id].nonce == 20
        assert node.state.accounts[BOB.account_id].nonce == 20


def test_follower_imports_blocks(tmp_path: Path) -> None:
    """NODE-14 NODE-02: a follower executes and stores the producer's blocks; a forged one is refused
    and changes nothing; both can say where a call was included."""
    with (
        _open(tmp_path / "a") as producer,
        Node.open(tmp_path / "b", world(), None, producers=(PRODUCER.account_id,)) as follower,
    ):
        seen: list[int] = []
        follower.subscribe(lambda c: seen.append(c.number))
        s = transfer(producer.state)
        h = producer.submit(s)
        follower.submit(s)  # the follower's pool holds it too until a block includes it
        b1 = producer.produce_block()
        assert follower.import_block(b1.block).hash == b1.hash
        assert follower.head == producer.head and follower.state == producer.state and seen == [1]
        assert follower.pending() == 0
        assert producer.inclusion(h) == follower.inclusion(h) == (1, 0)
        assert follower.inclusion(bytes(32)) is None
        b2 = producer.produce_block()
        with pytest.raises(BlockError) as e:
            follower.import_block(reseal(b2.block, timestamp=b2.block.header.timestamp + 1))
        assert e.value.fault is BlockFault.WrongTimestamp
        assert follower.head.number == 1 and seen == [1]
        follower.import_block(b2.block)
        assert follower.head_hash == producer.head_hash


def test_collector_paused_during_a_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NODE-19: Python's cyclic collector is off while a block is built and committed (produced or
    imported), on again afterwards (also after a refused block); `collect_garbage` empties its young
    generations between blocks and freezes what survived."""
    seen: list[bool] = []
    append = Store.append

    def watched(store: Store, executed: Executed) -> None:
        seen.append(gc.isenabled())
        append(store, executed)

    monkeypatch.setattr(Store, "append", watched)
    assert gc.isenabled()
    with (
        _open(tmp_path / "a") as producer,
        Node.open(tmp_path / "b", world(), None, producers=(PRODUCER.account_id,)) as follower,
    ):
        producer.submit(transfer(producer.state))
        b1 = producer.produce_block()
        assert gc.isenabled()
        follower.import_block(b1.block)
        assert seen == [False, False] and gc.isenabled()
        b2 = producer.produce_block()
        with pytest.raises(BlockError):
            follower.import_block(reseal(b2.block, timestamp=b2.block.header.timestamp + 1))
        assert gc.isenabled()
        junk = [[i] for i in range(2_000)]  # young objects, tracked by the collector
        assert gc.get_count()[0] > 0 or gc.get_count()[1] > 0
        frozen = gc.get_freeze_count()
        producer.collect_garbage()
        young, middle, _ = gc.get_count()
        assert young < 100 and middle == 0  # collected...
        assert gc.get_freeze_count() >= frozen + len(junk)  # ...and the survivors frozen
        assert len(gc.get_objects(generation=2)) < 100
        del junk
        gc.unfreeze()  # this test process goes on collecting as before
    gc.disable()
    try:  # a host that runs with the collector off keeps it off
        with _open(tmp_path / "c") as node:
            node.produce_block()
            assert not gc.isenabled()
    finally:
        gc.enable()


def test_produce_does_not_verify_admitted_calls_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NODE-13 BLK-25 MEM-02: the pool checked each call's signatures when it admitted it; the block
    is built without verifying them again, and its stored calls are the admitted bytes."""
    import sc4it.runtime as runtime

    with _open(tmp_path) as node:
        signed = [transfer(node.state), transfer(node.state, BOB, ALICE)]
        hashes = [node.submit(s) for s in signed]
        verified: list[SignedCall] = []
        real = runtime.check_signatures

        def check(s: SignedCall) -> Error | None:
            verified.append(s)
            return real(s)

        monkeypatch.setattr(runtime, "check_signatures", check)
        committed = node.produce_block()
        assert verified == [] and committed.block.calls == tuple(signed)
        assert [node.inclusion(h) for h in hashes] == [(1, 0), (1, 1)] and node.pending() == 0
        assert (
            execute_block(genesis_tip(world(), node.spec), committed.block, node.spec).tip.hash
            == node.head_hash
        )


def test_replaced_tips_freed_between_blocks(tmp_path: Path) -> None:
    """NODE-20: the tip a block makes the node stop keeping (NODE-10) and the block's `Executed` stay
    alive until `release_retired` (between blocks), not freed inside the next block; a node that is
    never released keeps at most `MAX_RETIRED` of them."""
    with _open(tmp_path, keep_states=1) as node, collector_paused():  # reference counting alone frees them
        node.submit(transfer(node.state))
        node.produce_block()
        assert node.release_retired() == 2  # the genesis tip, block 1's `Executed`
        header, tree = node.tree_at(1)
        old_tree = weakref.ref(tree)
        old_tip = weakref.ref(node._tips[header.number])
        del tree
        node.submit(transfer(node.state))  # a block that changes the state (else its tree is the same)
        node.produce_block()
        with pytest.raises(StateUnavailable):
            node.state_at(1)  # NODE-10 as before: no longer kept...
        assert old_tip() is not None and old_tree() is not None  # ...but not freed inside the block
        assert node.release_retired() == 2  # block 1's tip, block 2's `Executed`
        assert old_tip() is None and old_tree() is None
        assert node.release_retired() == 0
        for _ in range(MAX_RETIRED):
            node.produce_block()
        assert node.release_retired() == MAX_RETIRED  # bounded without a release
