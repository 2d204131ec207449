"""State-sync snapshots of an sc4it application (spec/network.md NET-17, NET-18): the files a node
serves to a joining node and restores from, in the application's home (`snapshots/HEIGHT.cbor`).

Format 1 is the canonical CBOR of `{header: {height, time_ms, app_hash}, state: encode(State)}`, served
in `SNAPSHOT_CHUNK_BYTES` chunks; a snapshot's hash is the SHA-256 of the whole file. `NetApp` answers
CometBFT's snapshot requests with these functions; what is restored is trusted only when its state's
commitment is the app hash CometBFT's light client verified.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import cbor2

from sc4it.kernel.codec import decode, encode
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.state import State
from sc4it.net.engine import abci_types
from sc4it.net.store import Stored

log = logging.getLogger("sc4it.net.snapshots")

SNAPSHOT_FORMAT = 1
"""NET-17: snapshot format 1: the canonical CBOR of `State` (ENC), cut in `SNAPSHOT_CHUNK_BYTES` chunks."""
SNAPSHOTS_KEPT = 10
"""NET-17: the newest snapshots a node keeps and serves. A joining node lists snapshots, verifies the
chosen height with the light client, then fetches its chunks: a snapshot pruned in between is served as an
empty chunk and the sync fails, so a node keeps enough of them to outlast a join (with two and 300 ms
blocks, the fault test's newcomer lost the race)."""
SNAPSHOT_CHUNK_BYTES = 1 << 20


class Snapshots:
    """NET-17: the snapshot files of one application (`directory`), the newest `SNAPSHOTS_KEPT`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, height: int) -> Path:
        return self.directory / f"{height:012d}.cbor"

    def _paths(self) -> list[Path]:
        return sorted(self.directory.glob("*.cbor"))

    def take(self, committed: Stored) -> None:
        """Write the snapshot of `committed` (atomically) and forget the oldest beyond `SNAPSHOTS_KEPT`."""
        data = encode(committed.state)
        header = {
            "height": committed.height,
            "time_ms": committed.time_ms,
            "app_hash": committed.commitment.root,
        }
        path = self.path(committed.height)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(cbor2.dumps({"header": header, "state": data}, canonical=True))
        os.replace(tmp, path)
        for old in self._paths()[:-SNAPSHOTS_KEPT]:
            old.unlink()

    def keep(self, height: int, blob: bytes) -> None:
        """NET-17: a snapshot restored by state sync becomes this node's own (a restart resumes from it)."""
        self.path(height).write_bytes(blob)

    def newest(self) -> Stored | None:
        """NET-29: the state of the newest snapshot, checked against the app hash it records; None if
        there is none."""
        paths = self._paths()
        if not paths:
            return None
        doc = cbor2.loads(paths[-1].read_bytes())
        state: object = decode(doc["state"], State)
        assert isinstance(state, State)
        header = doc["header"]
        commitment = Commitment.of(state)
        assert commitment.root == header["app_hash"], f"snapshot {paths[-1]} does not match its app hash"
        return Stored(int(header["height"]), int(header["time_ms"]), state, commitment)

    def listed(self) -> list[Any]:
        """NET-17: the ABCI `Snapshot` of every kept snapshot, oldest first."""
        t = abci_types()
        out = []
        for path in self._paths():
            blob = path.read_bytes()
            out.append(
                t.Snapshot(
                    height=int(path.stem),
                    format=SNAPSHOT_FORMAT,
                    chunks=max(1, -(-len(blob) // SNAPSHOT_CHUNK_BYTES)),
                    hash=hashlib.sha256(blob).digest(),
                    metadata=b"",
                )
            )
        return out

    def chunk(self, height: int, fmt: int, index: int) -> bytes:
        """NET-17: chunk `index` of the snapshot at `height`; empty if there is none of that format."""
        path = self.path(height)
        if fmt != SNAPSHOT_FORMAT or not path.is_file():
            return b""
        start = index * SNAPSHOT_CHUNK_BYTES
        return path.read_bytes()[start : start + SNAPSHOT_CHUNK_BYTES]


def restore(blob: bytes, snapshot_hash: bytes, height: int, app_hash: bytes) -> Stored | None:
    """NET-18: the state of an offered snapshot's bytes if they hash to `snapshot_hash` and the state's
    commitment is `app_hash` (the one CometBFT's light client verified for `height`); else None."""
    if hashlib.sha256(blob).digest() != snapshot_hash:
        return None
    doc = cbor2.loads(blob)
    state: object = decode(doc["state"], State)
    assert isinstance(state, State)
    commitment = Commitment.of(state)
    if commitment.root != app_hash:
        log.error("snapshot at %d: commitment differs from the verified app hash", height)
        return None
    return Stored(height, int(doc["header"]["time_ms"]), state, commitment)
