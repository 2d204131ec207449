"""The node's persistent store: SQLite in WAL mode (spec/node.md, NODE-01..NODE-12).

One database file, `chain.sqlite`, in the node's data directory, with four tables (NODE-02):

- `meta`: schema version, chain id, genesis hash, the chain spec and the genesis header;
- `blocks`: one row per block after genesis: number, hash, header, seal, calls, results (the hook
  events and every call's receipt);
- `entries`: the state itself, one row per storage-map entry (`field`, `shard`, encoded key, encoded
  value; a map of sets stores each key's whole set) and one row per plain field (key `b""`), kept in
  (`field`, `shard`, key) order: `shard` is an integer key modulo the store's shard modulus (the genesis
  billing frequency), so the rows one billing shard writes lie together (NODE-16);
- `calls`: call hash -> the block that last included it and the call's position there.

A block is appended in one transaction with the entries it changed (found from `Executed.touched`, CMT-08:
O(changes), never O(state)), so after a crash the database holds either the whole block or none of it
(NODE-04). Opening a directory checks that it belongs to the expected chain (NODE-06), that the
database is intact (NODE-07: `PRAGMA quick_check`), reloads the state from the entry rows without
replaying any block and checks it against the last header's state commitment (NODE-08).

Why SQLite rather than LMDB: it is in the standard library (no native dependency to build or pin), its
WAL mode gives atomic, crash-safe transactions with one writer and concurrent readers, which is exactly a
single-producer node's pattern, and its file format is stable and inspectable with the `sqlite3` tool.
LMDB's memory-mapped B-tree would read faster, but a node's hot path is one write transaction per block,
where both are dominated by the fsync. `synchronous=FULL` (the default, `Durability.FULL`) fsyncs the WAL
at every commit: a committed block survives a power loss. `Durability.NORMAL` fsyncs only at
checkpoints: a process crash (`kill -9`) still loses nothing, but a power loss may lose the last blocks
(never corrupt the database); a producer should not use it, since it could then sign a second, different
block at a height it already announced.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import operator
import os
import sqlite3
import time
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import attrs
import cbor2

from sc4it.block import (
    DEFAULT_COMMITMENT,
    Block,
    BlockResults,
    ChainSpec,
    CommitmentFactory,
    Executed,
    Header,
    StateCommitment,
    Tip,
    genesis_header,
    header_hash,
    results_hash,
    run_block,
    spec_hash,
)
from sc4it.host.trace import FORMAT_VERSION, TraceBlock, TraceHeader, TraceWriter
from sc4it.kernel import smt
from sc4it.kernel.codec import decode, encode
from sc4it.kernel.commitment import Commitment, row_leaves
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.root import state_root
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv
from sc4it.node.rows import FIELDS as FIELDS
from sc4it.node.rows import _load_field, _sharded
from sc4it.node.rows import changed_rows as changed_rows
from sc4it.node.rows import decode_ahead as decode_ahead
from sc4it.node.rows import field_rows as field_rows
from sc4it.node.rows import shard_of as shard_of
from sc4it.node.rows import state_rows as state_rows

log = logging.getLogger("sc4it.node")

AUTOCHECKPOINT_PAGES = 10_000
"""NODE-18: SQLite checkpoints the log itself in a commit that leaves it longer than this many pages
(its default is 1,000; 160 MiB of NODE-21's 16 KiB pages, 40 MiB in a store created with 4 KiB pages): a
safety net, since the runner checkpoints between blocks."""

PAGE_BYTES = 16_384
"""NODE-21: the page size of a database file this module creates (SQLite's default is 4,096); a file
keeps the page size it was created with."""
CACHE_KIB = 65_536
"""NODE-21: each connection's page cache, in KiB (SQLite's default is 2,000: 2 MB)."""

SCHEMA_VERSION = 2
"""NODE-02: 2 since the `shard` column of `entries` (NODE-16); a version-1 store is `Unsupported`."""
DB_FILE = "chain.sqlite"
LOCK_FILE = "LOCK"

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE blocks (number INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, header BLOB NOT NULL,"
    " signature BLOB NOT NULL, calls BLOB NOT NULL, results BLOB NOT NULL)",
    "CREATE TABLE entries (field INTEGER NOT NULL, shard INTEGER NOT NULL, key BLOB NOT NULL,"
    " value BLOB NOT NULL, PRIMARY KEY (field, shard, key)) WITHOUT ROWID",
    "CREATE TABLE calls (hash BLOB PRIMARY KEY, number INTEGER NOT NULL, position INTEGER NOT NULL)"
    " WITHOUT ROWID",
)


class Durability(Enum):
    """SQLite's `synchronous` setting for the store (see the module docstring)."""

    FULL = "FULL"
    NORMAL = "NORMAL"


class StoreProblem(Enum):
    """Why a data directory cannot be used (NODE-06..NODE-09)."""

    OtherChain = "other-chain"
    Damaged = "damaged"
    Locked = "locked"
    Unsupported = "unsupported"
    Unreadable = "unreadable"


class StoreError(Exception):
    """A data directory that cannot be opened or used: what is wrong (`problem`, `message`) and what to
    do about it (`fix`)."""

    def __init__(self, problem: StoreProblem, path: str, message: str, fix: str) -> None:
        super().__init__(f"{path}: {message} ({fix})")
        self.problem = problem
        self.path = path
        self.message = message
        self.fix = fix


# --------------------------------------------------------------------------------------------------
# The rows of the state (NODE-03, NODE-16: their bytes in `sc4it.node.rows`)


_UPSERT = "INSERT INTO entries VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value"


# --------------------------------------------------------------------------------------------------
# The store


@attrs.frozen(slots=True)
class StoredBlock:
    """A block as stored: the block, its hash and its results."""

    block: Block
    hash: bytes
    results: BlockResults


class Store:
    """A data directory holding one chain (module docstring). Not thread-safe: one owner (the `Node`,
    which serialises access). Open with `Store.open`; `tip` is the last committed block's `Tip`."""

    def __init__(
        self,
        path: Path,
        db: sqlite3.Connection,
        lock: int,
        spec: ChainSpec,
        tip: Tip,
        genesis_state: State,
        commit: CommitmentFactory,
    ) -> None:
        self.path = path
        self._db = db
        self._lock = lock
        self.spec = spec
        self.tip = tip
        self.genesis = self.header(0) or tip.header
        self.genesis_hash = header_hash(self.genesis)
        self._genesis_state = genesis_state
        self._commit = commit
        self._modulus = int.from_bytes(self._meta("shard_modulus"), "big")
        """NODE-16: the modulus of `shard_of` this store was created with."""

    # ---------------------------------------------------------------------------------------------
    # Opening

    @classmethod
    def open(
        cls,
        data_dir: str | os.PathLike[str],
        genesis_state: State,
        spec: ChainSpec,
        *,
        commit: CommitmentFactory = DEFAULT_COMMITMENT,
        durability: Durability = Durability.FULL,
        quick_check: bool = True,
        lazy: bool = True,
    ) -> Store:
        """Open (or create) the chain of `genesis_state` and `spec` in `data_dir` (NODE-05..NODE-09):
        a new directory gets the genesis; an existing one must hold the same chain, be intact, and
        its state must match its last header's commitment. Raises `StoreError`. With `lazy` (the
        default), the maps of records are reloaded with their values decoded on first read (NODE-15);
        False decodes every row at start, as before (for comparison)."""
        path = Path(data_dir)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(
                StoreProblem.Unreadable, str(path), f"cannot create ({e})", "check the path"
            ) from None
        lock = _lock(path)
        try:
            db = _connect(path, durability, autocheckpoint=AUTOCHECKPOINT_PAGES)
            try:
                tip = _open_chain(path, db, genesis_state, spec, commit, quick_check, lazy)
            except BaseException:
                db.close()
                raise
        except BaseException:
            os.close(lock)
            raise
        return cls(path, db, lock, spec, tip, genesis_state, commit)

    def close(self) -> None:
        """Close the database and release the directory (idempotent)."""
        if self._lock >= 0:
            self._db.close()
            os.close(self._lock)
            self._lock = -1

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------------
    # Writing

    def append(self, executed: Executed) -> None:
        """NODE-04: commit `executed` (built or executed on `self.tip`) and the state entries it changed,
        in one transaction; then it is the tip."""
        block = executed.block
        h = block.header
        assert h.number == self.tip.number + 1 and h.parent_hash == self.tip.hash
        after = executed.tip
        encoded = after.commitment.encoded if isinstance(after.commitment, Commitment) else None
        upserts, deletes, rewrite = changed_rows(self.tip.state, after.state, executed.touched, encoded)
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?)",
                (
                    h.number,
                    block.hash,
                    encode(h),
                    block.signature,
                    executed.calls_bytes,
                    executed.results_bytes,
                ),
            )
            db.executemany(
                "INSERT OR REPLACE INTO calls VALUES (?, ?, ?)",
                [(c, h.number, i) for i, c in enumerate(executed.call_hashes)],
            )
            m = self._modulus
            db.executemany(
                "DELETE FROM entries WHERE field = ? AND shard = ? AND key = ?",
                [(i, shard_of(k, m), k) for i, k in deletes],
            )
            db.executemany(_UPSERT, [(i, shard_of(k, m), k, v) for i, k, v in upserts])
            for index in rewrite:
                db.execute("DELETE FROM entries WHERE field = ?", (index,))
                rows = _sharded(field_rows(executed.tip.state, index), m)
                db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?)", rows)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self.tip = executed.tip

    def checkpoint(self) -> None:
        """NODE-18: copy the blocks committed to the write-ahead log into the database file now
        (`PRAGMA wal_checkpoint(PASSIVE)`), so the next block's commit does not; the runner calls it
        between blocks. Durability is unchanged: each block was fsynced in the log when committed."""
        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    # ---------------------------------------------------------------------------------------------
    # Reading

    def number_of(self, block_hash: bytes) -> int | None:
        """The number of the block with hash `block_hash`, if stored (0 for the genesis)."""
        if block_hash == self.genesis_hash:
            return 0
        row = self._db.execute("SELECT number FROM blocks WHERE hash = ?", (block_hash,)).fetchone()
        return None if row is None else int(row[0])

    def inclusion(self, call: bytes) -> tuple[int, int] | None:
        """NODE-02: (block number, position) of the last block that included the call with hash `call`."""
        row = self._db.execute("SELECT number, position FROM calls WHERE hash = ?", (call,)).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    def header(self, number: int) -> Header | None:
        if number == 0:
            return decode(self._meta("genesis_header"), Header)
        row = self._db.execute("SELECT header FROM blocks WHERE number = ?", (number,)).fetchone()
        return None if row is None else decode(row[0], Header)

    def block(self, number: int) -> StoredBlock | None:
        """Block `number` (>= 1) with its hash and results, or None."""
        row = self._db.execute(
            "SELECT hash, header, signature, calls, results FROM blocks WHERE number = ?", (number,)
        ).fetchone()
        if row is None:
            return None
        block = Block(decode(row[1], Header), row[2], _decode_calls(row[3]))
        return StoredBlock(block, row[0], decode(row[4], BlockResults, max_bytes=None))

    def _meta(self, key: str) -> bytes:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        assert row is not None, key
        return bytes(row[0])

    def export_trace(self, out: str | os.PathLike[str], *, overwrite: bool = False) -> int:
        """NODE-11: write the chain as a trace file (docs/trace.md) that `sc4it replay --check` accepts:
        the genesis state, then every block's calls and the state root after it. Re-executes every block
        (checking each against its results hash) and computes a full `state_root` per block: O(blocks x
        state), an export, not a hot path. Returns the number of blocks written."""
        state = self._genesis_state
        g = self.genesis
        if self._commit(state).root != g.state_commitment:
            raise StoreError(
                StoreProblem.OtherChain,
                str(self.path),
                "the genesis state this store was opened with is not the chain's (its commitment differs)",
                _FIX_OTHER,
            )
        th = TraceHeader(
            FORMAT_VERSION, 0, g.timestamp, self.spec.block_time_ms, state_root(state), None, state
        )
        with TraceWriter.create(out, th, overwrite=overwrite) as w:
            for n in range(1, self.tip.number + 1):
                stored = self.block(n)
                assert stored is not None
                h = stored.block.header
                run = run_block(state, BlockEnv(h.number, h.timestamp), stored.block.calls)
                if run.excluded or results_hash(run.results) != h.results_hash:
                    raise StoreError(
                        StoreProblem.Damaged,
                        str(self.path),
                        f"block {n} does not re-execute to its results",
                        _FIX_DAMAGED,
                    )
                state = run.state
                w.write_block(TraceBlock(h.number, h.timestamp, stored.block.calls, state_root(state)))
        return self.tip.number


_CALLS_TYPE = tuple[SignedCall, ...]


def _decode_calls(data: bytes) -> tuple[SignedCall, ...]:
    calls: tuple[SignedCall, ...] = decode(data, _CALLS_TYPE, max_bytes=None)
    return calls


# --------------------------------------------------------------------------------------------------
# Opening, step by step (NODE-05..NODE-09)

_FIX_DAMAGED = (
    "restore the directory from a backup, or move it away and start again from genesis (sc4it node "
    "export-trace can save what is readable first)"
)
_FIX_OTHER = "use another data directory for this chain, or start the node with that chain's genesis"


def _fix_unsupported(version: int, path: Path) -> str:
    """NODE-06: what to do with a store of schema `version` (not `SCHEMA_VERSION`): this sc4it neither
    converts nor downgrades a store, and a node cannot import a trace, so the chain's history is kept as
    a trace and the node starts from genesis in a fresh directory (or runs the release that reads it)."""
    if version > SCHEMA_VERSION:
        return (
            "it was written by a newer sc4it: run that release on it, or start this one with a fresh "
            "--data-dir (a new chain from genesis)"
        )
    return (
        "it was written by an older sc4it, which this one does not convert: to keep the chain's "
        f"history, run `sc4it node export-trace --data-dir {path} TRACE` with the sc4it release that "
        "wrote it and check TRACE with `sc4it replay TRACE --check`; then start this sc4it with a fresh "
        "--data-dir (a new chain from genesis), or keep running the old release on this directory"
    )


def _lock(path: Path) -> int:
    """NODE-09: an exclusive lock on `<data_dir>/LOCK` for as long as the store is open."""
    fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StoreError(
            StoreProblem.Locked,
            str(path),
            "the data directory is in use by another process",
            "stop the other node, or use another --data-dir",
        ) from None
    return fd


def _connect(
    path: Path, durability: Durability, file: str = DB_FILE, *, autocheckpoint: int | None = None
) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path / file, isolation_level=None, check_same_thread=False)
        db.execute(f"PRAGMA page_size={PAGE_BYTES}")  # NODE-21: a new file only, before WAL creates it
        db.execute("PRAGMA journal_mode=WAL").fetchone()
        db.execute(f"PRAGMA synchronous={durability.value}")
        db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")  # NODE-21
        if autocheckpoint is not None:
            db.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint)}").fetchone()
    except sqlite3.DatabaseError as e:
        raise StoreError(
            StoreProblem.Damaged, str(path), f"not a usable SQLite database ({e})", _FIX_DAMAGED
        ) from None
    return db


def _open_chain(
    path: Path,
    db: sqlite3.Connection,
    genesis_state: State,
    spec: ChainSpec,
    commit: CommitmentFactory,
    quick: bool,
    lazy: bool = True,
) -> Tip:
    try:
        has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        if has_meta is None:
            with _collector_paused():  # a genesis of a large state builds its whole tree (NODE-15's freeze)
                return _create(db, genesis_state, spec, commit)
        _check_identity(path, db, genesis_state, spec)
        if quick:
            t = time.perf_counter()
            _quick_check(path, db)
            log.info("quick_check of %s: %.1f s", path, time.perf_counter() - t)
        with _collector_paused():
            return _load(path, db, spec, commit, lazy)
    except sqlite3.DatabaseError as e:
        raise StoreError(
            StoreProblem.Damaged, str(path), f"the database is damaged ({e})", _FIX_DAMAGED
        ) from None


def _create(db: sqlite3.Connection, genesis_state: State, spec: ChainSpec, commit: CommitmentFactory) -> Tip:
    """NODE-05: a new chain, in one transaction (a crash leaves an empty database, created again)."""
    commitment = commit(genesis_state)
    header = genesis_header(genesis_state, spec, commitment.root)
    modulus = max(1, genesis_state.billing_frequency)
    meta = {
        "schema_version": SCHEMA_VERSION.to_bytes(4, "big"),
        "shard_modulus": modulus.to_bytes(8, "big"),
        "chain_id": genesis_state.chain_id,
        "spec": encode(spec),
        "genesis_hash": header_hash(header),
        "genesis_header": encode(header),
    }
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA:
            db.execute(statement)
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        db.executemany(
            "INSERT INTO entries VALUES (?, ?, ?, ?)", _sharded(state_rows(genesis_state), modulus)
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return Tip(header, genesis_state, commitment)


def _meta(db: sqlite3.Connection) -> dict[str, bytes]:
    return {str(k): bytes(v) for k, v in db.execute("SELECT key, value FROM meta")}


def _check_identity(path: Path, db: sqlite3.Connection, genesis_state: State, spec: ChainSpec) -> None:
    """NODE-06: the directory holds this chain: same schema version, chain id and chain spec."""
    meta = _meta(db)
    if "schema_version" not in meta:
        raise StoreError(StoreProblem.Damaged, str(path), "metadata ['schema_version'] missing", _FIX_DAMAGED)
    version = int.from_bytes(meta["schema_version"], "big")
    if version != SCHEMA_VERSION:
        raise StoreError(
            StoreProblem.Unsupported,
            str(path),
            f"store schema version {version}; this sc4it reads version {SCHEMA_VERSION}",
            _fix_unsupported(version, path),
        )
    needed = ("chain_id", "spec", "genesis_hash", "genesis_header", "shard_modulus")
    missing = [k for k in needed if k not in meta]
    if missing or int.from_bytes(meta["shard_modulus"], "big") < 1:
        what = f"metadata {missing} missing" if missing else "shard modulus 0"
        raise StoreError(StoreProblem.Damaged, str(path), what, _FIX_DAMAGED)
    chain_id, genesis = meta["chain_id"].hex(), meta["genesis_hash"].hex()
    if meta["chain_id"] != genesis_state.chain_id or meta["spec"] != encode(spec):
        what = "chain id" if meta["chain_id"] != genesis_state.chain_id else "chain spec"
        raise StoreError(
            StoreProblem.OtherChain,
            str(path),
            f"the data directory belongs to chain {chain_id} (genesis {genesis}); this node was started "
            f"for chain {genesis_state.chain_id.hex()} with a different {what}",
            _FIX_OTHER,
        )
    stored_spec: ChainSpec = decode(meta["spec"], ChainSpec)
    header: Header = decode(meta["genesis_header"], Header)
    if header.parent_hash != spec_hash(stored_spec) or header_hash(header) != meta["genesis_hash"]:
        raise StoreError(
            StoreProblem.Damaged, str(path), "the genesis header does not match its metadata", _FIX_DAMAGED
        )


def _quick_check(path: Path, db: sqlite3.Connection) -> None:
    """NODE-07: SQLite's own structural check of every page and index."""
    rows = [str(r[0]) for r in db.execute("PRAGMA quick_check")]
    if rows != ["ok"]:
        raise StoreError(
            StoreProblem.Damaged, str(path), f"integrity check failed: {'; '.join(rows[:3])}", _FIX_DAMAGED
        )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """NODE-15: Python's cyclic garbage collector off while the state is reloaded, and what was loaded
    then frozen out of its later collections (`gc.freeze`). The reload makes millions of objects and no
    reference cycle (they are freed by reference counting as blocks replace them); left on, the collector
    walks every object made so far again and again as they accumulate (at 100k contracts, about half of
    the restart's CPU time), and after it the first collections walk them all once more (~2.5 s at 100k,
    paid by the first block). Its previous setting is restored (`smt.collector_paused`)."""
    with smt.collector_paused():
        try:
            yield
        finally:
            gc.freeze()


def _load(
    path: Path, db: sqlite3.Connection, spec: ChainSpec, commit: CommitmentFactory, lazy: bool = True
) -> Tip:
    """NODE-08: the last header, the state from the entry rows (no replay), checked against the
    header's commitment."""
    row = db.execute("SELECT header FROM blocks ORDER BY number DESC LIMIT 1").fetchone()
    raw = bytes(row[0]) if row is not None else _meta(db)["genesis_header"]
    t = time.perf_counter()
    try:
        header: Header = decode(raw, Header)
        commitment: StateCommitment
        if commit is DEFAULT_COMMITMENT:
            state, commitment, rows_s = load_authenticated(db, lazy=lazy)
        else:  # another commitment: the state decoded in full, the factory's commitment of it
            state = load_state(db)
            rows_s = time.perf_counter() - t
            commitment = commit(state)
    except (DecodeError, ValueError, TypeError, cbor2.CBORError) as e:  # bytes not written by us
        raise StoreError(
            StoreProblem.Damaged, str(path), f"a stored record does not decode ({e})", _FIX_DAMAGED
        ) from None
    log.info(
        "reloaded the state of block %d: rows %.1f s, commitment %.1f s",
        header.number,
        rows_s,
        time.perf_counter() - t - rows_s,
    )
    if commitment.root != header.state_commitment:
        raise StoreError(
            StoreProblem.Damaged,
            str(path),
            f"the stored state does not match block {header.number}'s state commitment",
            _FIX_DAMAGED,
        )
    return Tip(header, state, commitment)


_path_of = operator.itemgetter(0)


def load_authenticated(db: sqlite3.Connection, *, lazy: bool = True) -> tuple[State, Commitment, float]:
    """NODE-08, NODE-15: the state from the entry rows of `db` (lazily by default) with the commitment
    built from the rows' own bytes (no second encoding of any entry), and the seconds the rows took. The
    caller must check the commitment's root against the one it trusts before using the state: the rows
    are not otherwise checked (NODE-15). Raises what a row that does not decode raises (`DecodeError`,
    `ValueError`, `TypeError`, `cbor2.CBORError`)."""
    t = time.perf_counter()
    leaves: list[tuple[int, bytes]] = []
    state = load_state(db, leaves, lazy=lazy)
    rows_s = time.perf_counter() - t
    # sorted by path first: sorting on the path alone is ~1.7x faster than on the pairs, and the tree's
    # own sort then finds them in order
    leaves.sort(key=_path_of)
    return state, Commitment.of_leaves(state, leaves), rows_s


def load_state(
    db: sqlite3.Connection, leaves: list[tuple[int, bytes]] | None = None, *, lazy: bool = False
) -> State:
    """The state from the entry rows, field by field (NODE-08); with `leaves`, the state tree's leaves
    of the same rows are appended to it (`sc4it.kernel.commitment.row_leaves`). With `lazy`, the maps of
    records decode each value on first read (NODE-15): only for a caller that then checks the leaves'
    root against a header, since a value row is not decoded here."""
    values: dict[str, Any] = {}
    for f in FIELDS:
        rows = db.execute("SELECT key, value FROM entries WHERE field = ?", (f.index,)).fetchall()
        values[f.name] = _load_field(f, rows, lazy)
        if leaves is not None:
            leaves.extend(row_leaves(f.name, rows))
    extra = db.execute("SELECT count(*) FROM entries WHERE field >= ?", (len(FIELDS),)).fetchone()[0]
    if extra:
        raise ValueError(f"{extra} rows of unknown fields")
    return State(**values)
