"""The persistent store: append, restart without replay, refusals (spec/node.md, NODE-01..NODE-12)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import attrs
import cbor2
import pytest
from benchmarks.population import build_population

from sc4it import genesis as gen
from sc4it.block import ChainSpec, build_block, execute_block, genesis_tip
from sc4it.host import Chain
from sc4it.host.trace import read_trace
from sc4it.kernel.commitment import Commitment, commitment_root, row_leaves, state_leaves
from sc4it.kernel.state import Config
from sc4it.node.store import (
    AUTOCHECKPOINT_PAGES,
    CACHE_KIB,
    DB_FILE,
    FIELDS,
    LOCK_FILE,
    PAGE_BYTES,
    Durability,
    Store,
    StoreError,
    StoreProblem,
    changed_rows,
    shard_of,
    state_rows,
)
from sc4it.runtime import on_block
from sc4it.tools import cli
from sc4it.tools.cli_common import EXIT_USAGE

from .helpers import ALICE, BOB, CHARLIE, PRODUCER, SPEC, TFT, transfer, world


def _grow(store: Store, blocks: int) -> None:
    for i in range(blocks):
        s = store.tip.state
        calls = [transfer(s, ALICE, BOB, TFT + i), transfer(s, BOB, CHARLIE, 2 * TFT)] if i % 2 == 0 else []
        store.append(build_block(store.tip, calls, PRODUCER, SPEC))


def _rows(path: Path) -> set[tuple[int, bytes, bytes]]:
    db = sqlite3.connect(path / DB_FILE)
    try:
        return {
            (int(f), bytes(k), bytes(v)) for f, k, v in db.execute("SELECT field, key, value FROM entries")
        }
    finally:
        db.close()


def test_create_append_reopen(tmp_path: Path) -> None:
    """NODE-01 NODE-02 NODE-03 NODE-04 NODE-05 NODE-08: the rows after each block are exactly the
    state's rows; reopening reloads the same state and tip without replaying."""
    with Store.open(tmp_path, world(), SPEC) as store:
        assert store.tip.number == 0 and store.genesis_hash == genesis_tip(world(), SPEC).hash
        assert _rows(tmp_path) == set(state_rows(world()))
        _grow(store, 5)
        tip = store.tip
        assert _rows(tmp_path) == set(state_rows(tip.state))
    assert {p.name for p in tmp_path.iterdir()} >= {DB_FILE, LOCK_FILE}
    with Store.open(tmp_path, world(), SPEC) as again:
        assert again.tip.header == tip.header and again.tip.state == tip.state
        assert again.tip.commitment.root == commitment_root(tip.state)
        stored = again.block(3)
        assert stored is not None and stored.hash == stored.block.hash
        assert again.header(3) == stored.block.header and again.number_of(stored.hash) == 3
        assert again.header(0) == again.genesis and again.number_of(again.genesis_hash) == 0
        assert again.block(6) is None and again.header(6) is None and again.number_of(bytes(32)) is None
        # a replica re-executing the stored blocks reaches the stored tip
        t = genesis_tip(world(), SPEC)
        for n in range(1, 6):
            b = again.block(n)
            assert b is not None
            ex = execute_block(t, b.block, SPEC)
            assert ex.results == b.results
            t = ex.tip
        assert t.hash == tip.hash


def test_changed_rows_is_o_changes() -> None:
    """NODE-04: only the entries in `touched` whose value changed are written; a map missing from
    `touched` (CMT-11) is rewritten whole."""
    t0 = genesis_tip(world(), SPEC)
    ex = build_block(t0, [transfer(t0.state)], PRODUCER, SPEC)
    upserts, deletes, rewrite = changed_rows(t0.state, ex.tip.state, ex.touched)
    accounts = next(f.index for f in FIELDS if f.name == "accounts")
    assert {r[0] for r in upserts} <= {accounts, *[f.index for f in FIELDS if not f.is_map]}
    assert len([r for r in upserts if r[0] == accounts]) == 2  # alice and bob
    assert deletes == [] and rewrite == []
    _, _, rewrite = changed_rows(t0.state, ex.tip.state, attrs.evolve(ex.touched, maps={}))
    assert rewrite == [accounts]


def test_rewrite_of_an_untouched_map(tmp_path: Path) -> None:
    """NODE-04: a block whose `touched` misses a changed map still stores the right rows."""
    with Store.open(tmp_path, world(), SPEC) as store:
        ex = build_block(store.tip, [transfer(store.tip.state)], PRODUCER, SPEC)
        store.append(attrs.evolve(ex, touched=attrs.evolve(ex.touched, maps={})))
        assert _rows(tmp_path) == set(state_rows(store.tip.state))


def test_another_chain_is_refused(tmp_path: Path) -> None:
    """NODE-06: a directory of another genesis or another spec is refused, saying whose it is."""
    with Store.open(tmp_path, world(), SPEC) as store:
        genesis = store.genesis_hash
    other = gen.build(attrs.evolve(gen.default_genesis(), config=Config.tfchain_test_mock()))
    with pytest.raises(StoreError) as e:
        Store.open(tmp_path, other, SPEC)
    assert e.value.problem is StoreProblem.OtherChain
    assert f"belongs to chain {world().chain_id.hex()} (genesis {genesis.hex()})" in str(e.value)
    assert "another data directory" in e.value.fix
    slower = ChainSpec.of(
        SPEC.producers, block_time_ms=12_000, genesis_timestamp_ms=SPEC.genesis_timestamp_ms
    )
    with pytest.raises(StoreError) as e:
        Store.open(tmp_path, world(), slower)
    assert e.value.problem is StoreProblem.OtherChain and "chain spec" in e.value.message


@pytest.mark.parametrize("version", [1, 3])
def test_unsupported_schema(tmp_path: Path, version: int) -> None:
    """NODE-06 NODE-16: a store of another schema version (1: before the `shard` column) is refused as
    Unsupported, naming both versions and what to do."""
    Store.open(tmp_path, world(), SPEC).close()
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", ((version).to_bytes(4, "big"),))
    db.commit()
    db.close()
    with pytest.raises(StoreError) as e:
        Store.open(tmp_path, world(), SPEC)
    assert e.value.problem is StoreProblem.Unsupported
    assert f"store schema version {version}; this sc4it reads version 2" in e.value.message
    if version == 1:  # older: keep the history as a trace with the old release, start afresh
        assert "older sc4it" in e.value.fix
        assert f"sc4it node export-trace --data-dir {tmp_path} TRACE" in e.value.fix
        assert "release that wrote it" in e.value.fix and "sc4it replay TRACE --check" in e.value.fix
    else:
        assert "newer sc4it" in e.value.fix
    assert "fresh --data-dir" in e.value.fix
    assert e.value.fix in str(e.value)


def test_tampered_state_is_refused(tmp_path: Path) -> None:
    """NODE-08: a state row changed behind the node's back (a valid encoding of another value) no
    longer matches the header's commitment: refused as Damaged, with what to do."""
    with Store.open(tmp_path, world(), SPEC) as store:
        _grow(store, 2)
        tip = store.tip
    f = next(f for f in FIELDS if f.name == "total_issuance")
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.execute("UPDATE entries SET value = ? WHERE field = ?", (bytes([0x01]), f.index))
    db.commit()
    db.close()
    with pytest.raises(StoreError) as e:
        Store.open(tmp_path, world(), SPEC)
    assert e.value.problem is StoreProblem.Damaged
    assert f"block {tip.number}'s state commitment" in e.value.message and "backup" in e.value.fix


def test_a_non_canonical_row_of_the_same_value_is_refused(tmp_path: Path) -> None:
    """NODE-08 CMT-13 CMT-14: on restart the tree is built from the stored bytes themselves; a row
    rewritten in a non-canonical form of the very same value (an integer in a longer head) decodes to
    the same state, but its leaf differs: refused as Damaged."""
    with Store.open(tmp_path, world(), SPEC) as store:
        _grow(store, 2)
    db = sqlite3.connect(tmp_path / DB_FILE)
    field, key, value = next(
        (i, k, bytes(v))
        for i, k, v in db.execute("SELECT field, key, value FROM entries")
        if bytes(v)[0] < 0x18
    )
    db.execute(
        "UPDATE entries SET value = ? WHERE field = ? AND key = ?", (bytes([0x18, value[0]]), field, key)
    )
    db.commit()
    db.close()
    with pytest.raises(StoreError) as e:
        Store.open(tmp_path, world(), SPEC)
    assert e.value.problem is StoreProblem.Damaged and "state commitment" in e.value.message


def test_rows_and_the_commitment_share_one_encoding() -> None:
    """NODE-03 NODE-04 CMT-09: the encodings `Commitment.update` hashed are the rows the store writes
    (the store takes them as they are); the leaves of a state's stored rows are the state's leaves."""
    pop = build_population(2_000)
    t0 = genesis_tip(pop.state, SPEC)
    out = on_block(t0.state, pop.env)
    after = t0.commitment.update(out.state, out.touched)
    assert isinstance(after, Commitment) and after.encoded
    shared = changed_rows(t0.state, out.state, out.touched, after.encoded)
    own = changed_rows(t0.state, out.state, out.touched)
    assert [sorted(x) for x in shared] == [sorted(x) for x in own] and own[0]
    for state in (pop.state, out.state, world()):
        rows: dict[str, list[tuple[bytes, bytes]]] = {}
        for index, k, v in state_rows(state):
            rows.setdefault(FIELDS[index].name, []).append((k, v))
        leaves = [leaf for name, rs in rows.items() for leaf in row_leaves(name, rs)]
        assert sorted(leaves) == sorted(state_leaves(state))


def test_shard_of() -> None:
    """NODE-16: an unsigned integer key's shard is the integer modulo the modulus; any other key's is 0."""
    for n in (0, 1, 23, 24, 255, 256, 599, 600, 65_536, 1_000_007, 2**32 + 5, 2**64 - 1):
        assert shard_of(cbor2.dumps(n, canonical=True), 600) == n % 600
        assert shard_of(cbor2.dumps(n, canonical=True), 7) == n % 7
    for other in (b"", cbor2.dumps(b"\x05"), cbor2.dumps([5, b"h"]), cbor2.dumps("x"), cbor2.dumps(-5)):
        assert shard_of(other, 600) == 0


def test_rows_are_kept_by_billing_shard(tmp_path: Path) -> None:
    """NODE-02 NODE-04 NODE-16: every state row carries the shard of its key under the genesis billing
    frequency, the table is ordered by (field, shard, key), and the rows a billing block rewrites are
    those of its shard; appending and reopening keep one row per entry."""
    pop = build_population(2_000)
    freq = pop.state.billing_frequency
    spec = ChainSpec.of(
        [PRODUCER.account_id], block_time_ms=6000, genesis_timestamp_ms=pop.env.timestamp - 6000
    )
    with Store.open(tmp_path, pop.state, spec) as store:
        ex = build_block(store.tip, [], PRODUCER, spec)
        store.append(ex)
        store.append(build_block(store.tip, [], PRODUCER, spec))
        tip = store.tip
    billed = ex.touched.maps["contract_payment_state"]
    assert billed and {c % freq for c in billed} == {1}  # block 1 bills shard 1 (CON-20)
    db = sqlite3.connect(tmp_path / DB_FILE)
    try:
        assert (
            int.from_bytes(db.execute("SELECT value FROM meta WHERE key = 'shard_modulus'").fetchone()[0])
            == freq
        )
        pk = {name: order for _, name, _, _, _, order in db.execute("PRAGMA table_info(entries)")}
        assert pk == {"field": 1, "shard": 2, "key": 3, "value": 0}
        rows = [(int(f), int(h), bytes(k), bytes(v)) for f, h, k, v in db.execute("SELECT * FROM entries")]
    finally:
        db.close()
    assert rows == sorted(rows, key=lambda r: r[:3])  # the primary key's order
    assert all(h == shard_of(k, freq) for _, h, k, _ in rows)
    assert {(f, k, v) for f, _, k, v in rows} == set(state_rows(tip.state)) and len(rows) == len(
        set(state_rows(tip.state))
    )
    payment = next(f.index for f in FIELDS if f.name == "contract_payment_state")
    assert {cbor2.loads(k) for f, h, k, _ in rows if f == payment and h == 1} >= set(billed)
    with Store.open(tmp_path, pop.state, spec) as again:
        assert again.tip.header == tip.header and again.tip.state == tip.state


def test_missing_shard_modulus_is_refused(tmp_path: Path) -> None:
    """NODE-06 NODE-16: a store without its shard modulus is Damaged (its rows' shards are unknown)."""
    Store.open(tmp_path, world(), SPEC).close()
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.execute("DELETE FROM meta WHERE key = 'shard_modulus'")
    db.commit()
    db.close()
    with pytest.raises(StoreError) as e:
        Store.open(tmp_path, world(), SPEC)
    assert e.value.problem is StoreProblem.Damaged and "shard_modulus" in e.value.message


def test_undecodable_row_is_refused(tmp_path: Path) -> None:
    """NODE-08: a row that does not decode is Damaged, not a crash."""
    Store.open(tmp_path, world(), SPEC).close()
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.execute("UPDATE entries SET value = ? WHERE field = 0", (b"\xff\xff",))
    db.commit()
    db.close()
    with pytest.raises(StoreError) as e:
        Store.open(tmp_path, world(), SPEC)
    assert e.value.problem is StoreProblem.Damaged and "does not decode" in e.value.message


def test_damaged_file_is_refused(tmp_path: Path) -> None:
    """NODE-07: a database file with damaged pages is refused as Damaged."""
    with Store.open(tmp_path, world(), SPEC) as store:
        _grow(store, 2)
    db = sqlite3.connect(tmp_path / DB_FILE)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    path = tmp_path / DB_FILE
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    for i in range(2 * page, len(data) - page, 97):  # scribble over every page but the first
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as e:
        Store.open(tmp_path, world(), SPEC)
    assert e.value.problem is StoreProblem.Damaged


def test_not_a_database(tmp_path: Path) -> None:
    """NODE-07: some other file in the place of the database is Damaged."""
    (tmp_path / DB_FILE).write_bytes(b"this is not sqlite" * 400)
    with pytest.raises(StoreError) as e:
        Store.open(tmp_path, world(), SPEC)
    assert e.value.problem is StoreProblem.Damaged


def test_one_process_per_directory(tmp_path: Path) -> None:
    """NODE-09: while a store is open, opening its directory again is refused as Locked."""
    store = Store.open(tmp_path, world(), SPEC)
    with pytest.raises(StoreError) as e:
        Store.open(tmp_path, world(), SPEC)
    assert e.value.problem is StoreProblem.Locked and "--data-dir" in e.value.fix
    store.close()
    store.close()  # idempotent
    Store.open(tmp_path, world(), SPEC).close()


def test_unusable_directory(tmp_path: Path) -> None:
    """NODE-01: a data directory that cannot be created is a clear error."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as e:
        Store.open(blocker / "sub", world(), SPEC)
    assert e.value.problem is StoreProblem.Unreadable


def test_durability_setting(tmp_path: Path) -> None:
    """NODE-12: FULL by default (fsync at every commit), NORMAL on request; WAL mode either way."""
    for durability, level in ((Durability.FULL, 2), (Durability.NORMAL, 1)):
        d = tmp_path / durability.value
        with Store.open(d, world(), SPEC, durability=durability) as store:
            assert store._db.execute("PRAGMA synchronous").fetchone()[0] == level
            assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_export_trace_replays(tmp_path: Path) -> None:
    """NODE-11: the exported trace replays with the host and its roots check (`sc4it replay --check`)."""
    with Store.open(tmp_path / "d", world(), SPEC) as store:
        _grow(store, 4)
        n = store.export_trace(tmp_path / "t.trace")
        tip = store.tip
    assert n == 4
    contents = read_trace(tmp_path / "t.trace")
    assert contents.problem is None and len(contents.blocks) == 4
    chain = Chain.resume(tmp_path / "t.trace")  # re-executes every block and checks its root
    assert chain.state == tip.state and chain.block == 4
    chain.close()
    assert os.path.getsize(tmp_path / "t.trace") > 0


def test_export_needs_the_chains_genesis(tmp_path: Path) -> None:
    """NODE-11: exporting with a genesis state that is not the chain's (same chain id) is refused."""
    with Store.open(tmp_path / "d", world(), SPEC) as store:
        _grow(store, 1)
    richer = attrs.evolve(world(), total_issuance=world().total_issuance + 1)
    with Store.open(tmp_path / "d", richer, SPEC) as store:
        with pytest.raises(StoreError) as e:
            store.export_trace(tmp_path / "t.trace")
        assert e.value.problem is StoreProblem.OtherChain


def test_checkpoint_moves_the_log_into_the_database_file(tmp_path: Path) -> None:
    """NODE-18: SQLite checkpoints by itself only past AUTOCHECKPOINT_PAGES; after `Store.checkpoint`
    the database file alone (copied without its log) holds every committed block and the state."""
    with Store.open(tmp_path / "a", world(), SPEC) as store:
        assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == AUTOCHECKPOINT_PAGES
        _grow(store, 3)
        assert (tmp_path / "a" / f"{DB_FILE}-wal").stat().st_size > 0
        store.checkpoint()
        (tmp_path / "b").mkdir()
        (tmp_path / "b" / DB_FILE).write_bytes((tmp_path / "a" / DB_FILE).read_bytes())
        tip = store.tip
    with Store.open(tmp_path / "b", world(), SPEC) as copy:
        assert copy.tip.header == tip.header and copy.tip.state == tip.state


def test_page_size_and_cache(tmp_path: Path) -> None:
    """NODE-21: a new store's file has 16 KiB pages and its connection a 64 MiB page cache; a store
    whose file has 4 KiB pages (created before the rule) opens, appends and reopens with its own page
    size and the same cache, its schema version unchanged."""
    with Store.open(tmp_path / "new", world(), SPEC) as store:
        assert store._db.execute("PRAGMA page_size").fetchone()[0] == PAGE_BYTES == 16_384
        assert store._db.execute("PRAGMA cache_size").fetchone()[0] == -CACHE_KIB == -65_536
        _grow(store, 2)
    old = tmp_path / "old"
    with Store.open(old, world(), SPEC) as store:
        _grow(store, 2)
    db = sqlite3.connect(old / DB_FILE, isolation_level=None)  # rewritten as a file of 4 KiB pages
    db.execute("PRAGMA journal_mode=DELETE").fetchone()
    db.execute("PRAGMA page_size=4096")
    db.execute("VACUUM")
    db.execute("PRAGMA journal_mode=WAL").fetchone()
    db.close()
    with Store.open(old, world(), SPEC) as store:
        assert store._db.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert store._db.execute("PRAGMA cache_size").fetchone()[0] == -CACHE_KIB
        _grow(store, 2)
        tip = store.tip
    with Store.open(old, world(), SPEC) as store:
        assert store.tip.header == tip.header and store.tip.number == 4
        assert store._db.execute("PRAGMA page_size").fetchone()[0] == 4096


def test_unsupported_schema_cli_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """NODE-06: `sc4it node` on a version-1 store exits with a usage error whose "how to fix" says how
    to keep the chain (export its trace with the release that wrote it, check it with replay) and start
    afresh."""
    data = tmp_path / "data"
    assert cli.main(["node", "export-trace", "--data-dir", str(data), str(tmp_path / "t0")]) == 0
    db = sqlite3.connect(data / DB_FILE)
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", ((1).to_bytes(4, "big"),))
    db.commit()
    db.close()
    capsys.readouterr()
    assert cli.main(["node", "export-trace", "--data-dir", str(data), str(tmp_path / "t1")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "store schema version 1; this sc4it reads version 2" in err
    assert "how to fix: it was written by an older sc4it" in err
    assert "sc4it node export-trace" in err and "fresh --data-dir" in err
    assert not (tmp_path / "t1").exists()
