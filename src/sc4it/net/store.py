"""The application's durable state (spec/network.md, NET-34): the node's SQLite store layer (`sc4it.node.
store`: the same `entries` table, row encoding, O(changes) writes, locking, integrity check and reload)
keyed by CometBFT height instead of by sealed sc4it header.

`store.sqlite` in the application's home holds `meta` (schema, chain id, the committed height, its BFT
time and app hash) and `entries` (one row per storage-map entry, one per plain field). Commit writes the
entries a block changed and the new height in one transaction, so a restart finds either the whole block
or none of it, reloads the state from its rows without replaying anything (records decoded on first
read, the tree built from the rows' own bytes: NODE-15), and checks it against the stored app hash;
CometBFT's handshake then replays only the blocks the application lacks (NET-05).

Durability is SQLite's `synchronous=NORMAL` in WAL mode: a killed process loses nothing; a power loss
may lose the last commits (never corrupt the file), which CometBFT, whose block store is fsynced before
Commit, replays at the next start.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path

import attrs
import cbor2

from sc4it.kernel.commitment import Commitment
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.state import State
from sc4it.kernel.tx import Touched
from sc4it.node.store import (
    Durability,
    StoreError,
    StoreProblem,
    _collector_paused,
    _connect,
    _lock,
    _quick_check,
    changed_rows,
    field_rows,
    load_authenticated,
    state_rows,
)

log = logging.getLogger("sc4it.net.store")

SCHEMA = "sc4it-net/1"
DB_FILE = "store.sqlite"
_DDL = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS entries (field INTEGER NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
    " PRIMARY KEY (field, key)) WITHOUT ROWID",
)
_FIX = "move the application's home away and let it state-sync or replay from CometBFT's blocks"


@attrs.frozen(slots=True)
class Stored:
    """What a store holds: the committed height, its BFT time in ms, its state and its commitment."""

    height: int
    time_ms: int
    state: State
    commitment: Commitment


class NetStore:
    """One application's store (module docstring). Not thread-safe: the application's one loop owns it."""

    def __init__(self, path: Path, db: sqlite3.Connection, lock: int) -> None:
        self.path = path
        self._db = db
        self._lock = lock

    @classmethod
    def open(cls, directory: Path, durability: Durability = Durability.NORMAL) -> NetStore:
        """Open (or create) the store in `directory`, locked for this process (`StoreError`)."""
        directory.mkdir(parents=True, exist_ok=True)
        lock = _lock(directory)
        try:
            db = _connect(directory, durability, DB_FILE)
            try:
                for statement in _DDL:
                    db.execute(statement)
                _quick_check(directory, db)
            except BaseException:
                db.close()
                raise
        except BaseException:
            os.close(lock)
            raise
        return cls(directory, db, lock)

    def close(self) -> None:
        if self._lock >= 0:
            self._db.close()
            os.close(self._lock)
            self._lock = -1

    def _meta(self) -> dict[str, bytes]:
        return {str(k): bytes(v) for k, v in self._db.execute("SELECT key, value FROM meta")}

    def load(self) -> Stored | None:
        """NET-34: the committed state (None for an empty store), reloaded from its rows and checked
        against the stored app hash; `StoreError` if it is damaged."""
        meta = self._meta()
        if "height" not in meta:
            return None
        t = time.perf_counter()
        try:
            if meta.get("schema") != SCHEMA.encode():
                raise ValueError(f"schema {meta.get('schema')!r}, expected {SCHEMA}")
            with _collector_paused():  # NODE-15: the state lazily, the tree from the rows' bytes
                state, commitment, _ = load_authenticated(self._db)
        except (DecodeError, ValueError, TypeError, cbor2.CBORError) as e:
            raise StoreError(
                StoreProblem.Damaged, str(self.path), f"a row does not decode ({e})", _FIX
            ) from None
        height = int.from_bytes(meta["height"], "big")
        if commitment.root != meta["app_hash"]:
            raise StoreError(
                StoreProblem.Damaged,
                str(self.path),
                f"the state does not match height {height}'s app hash",
                _FIX,
            )
        log.info("reloaded the state of height %d in %.2f s", height, time.perf_counter() - t)
        return Stored(height, int.from_bytes(meta["time_ms"], "big"), state, commitment)

    def replace(self, stored: Stored) -> None:
        """NET-34: the whole state (InitChain, a restored snapshot), in one transaction."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM entries")
            db.executemany("INSERT INTO entries VALUES (?, ?, ?)", state_rows(stored.state))
            self._write_meta(stored)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def commit(self, before: State, stored: Stored, touched: Touched) -> None:
        """NET-34: the entries `before -> stored.state` changed (`touched`: O(changes)) and the new height,
        in one transaction."""
        upserts, deletes, rewrite = changed_rows(before, stored.state, touched)
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("DELETE FROM entries WHERE field = ? AND key = ?", deletes)
            db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)", upserts)
            for index in rewrite:
                db.execute("DELETE FROM entries WHERE field = ?", (index,))
                db.executemany("INSERT INTO entries VALUES (?, ?, ?)", field_rows(stored.state, index))
            self._write_meta(stored)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _write_meta(self, stored: Stored) -> None:
        meta = {
            "schema": SCHEMA.encode(),
            "chain_id": stored.state.chain_id,
            "height": stored.height.to_bytes(8, "big"),
            "time_ms": stored.time_ms.to_bytes(8, "big"),
            "app_hash": stored.commitment.root,
        }
        self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
