"""Trace and snapshot files of the reference host (`sc4it.host.chain`); the format is in docs/trace.md.

A trace is append-only: the 8-byte magic `b"sc4itTRC"`, then framed records

    record  = length (4 bytes, big-endian) || payload (length bytes) || blake2b-256(length || payload)
    payload = canonical CBOR (sc4it.encode) of a `TraceRecord`

The first record is a `TraceHeader` that embeds what the trace starts from (a `Genesis`, or a whole
`State` for a trace that continues a snapshot), so a trace replays without any other file. Every other
record is a `TraceBlock`: its number, timestamp, the signed calls in the order they were applied, and
the state root after the block.

Reading stops at the first record that is a *torn* tail (what a crash mid-write leaves: its length runs
past the end of the file and nothing intact follows, TRC-03) or whose checksum, encoding or block sequence
is wrong, or whose length runs past the end while an intact record follows (*corrupt*, TRC-02); every
record before it is returned intact together with a `TraceProblem` that says where and why. Writers hold
an exclusive lock on the file (TRC-04).

A snapshot file is the magic `b"sc4itSNP"` and one framed record whose payload is a `Snapshot`.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, BinaryIO, ClassVar

import attrs

from sc4it.fileio import read_regular
from sc4it.genesis import Genesis, GenesisError, validate
from sc4it.kernel.codec import decode, encode
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.root import state_root
from sc4it.kernel.schema import U16, U64, U64_MAX, Hash32, Len, Variant
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State, config_problem

TRACE_MAGIC = b"sc4itTRC"
SNAPSHOT_MAGIC = b"sc4itSNP"
FORMAT_VERSION = 2
"""2: roots are the state tree's (spec/commitment.md, CMT-07); 1 recorded the encoding digest (ENC-12)."""
CHECKSUM_BYTES = 32
LENGTH_BYTES = 4
MAX_RECORD_BYTES = 1 << 28
"""A record longer than 256 MiB is refused (a corrupted length prefix must not allocate gigabytes)."""
MAX_CALLS_PER_BLOCK = 100_000
TORN_SCAN_FACTOR = 8
"""TRC-03: telling a torn tail from damage hashes at most this many times the bytes after the record."""


@attrs.frozen(slots=True)
class TraceHeader(Variant):
    """The first record: the format version, the block the trace starts after, and its base.

    Exactly one of `genesis` (the trace starts at block 0 of `build(genesis)`) and `state` (the trace
    starts after block `block`, e.g. from a snapshot) is set. `root` is the state root of the base;
    `block_time` is the host's default block interval in ms (informative: each block records its own
    timestamp)."""

    TAG: ClassVar[int] = 0
    version: U16
    block: U64
    timestamp: U64
    block_time: U64
    root: Hash32
    genesis: Genesis | None
    state: State | None


@attrs.frozen(slots=True)
class TraceBlock(Variant):
    """One block: hooks (`on_block`) ran first, then `calls` in order; `root` is the state root after."""

    TAG: ClassVar[int] = 1
    number: U64
    timestamp: U64
    calls: Annotated[tuple[SignedCall, ...], Len(MAX_CALLS_PER_BLOCK)]
    root: Hash32


TraceRecord = TraceHeader | TraceBlock


@attrs.frozen(slots=True)
class Snapshot:
    """A saved chain: the state after block `block` (timestamp `timestamp` ms) and its root."""

    version: U16
    block: U64
    timestamp: U64
    block_time: U64
    root: Hash32
    state: State


class ProblemKind(Enum):
    TORN = "torn"
    """The file ends inside a record: the last write did not finish (a crash)."""
    CORRUPT = "corrupt"
    """A complete record whose checksum, encoding or place in the sequence is wrong."""


@attrs.frozen(slots=True)
class TraceProblem:
    """Why reading stopped before the end of the file. Everything before `offset` is intact."""

    kind: ProblemKind
    offset: int
    """Byte offset of the bad record (= the length of the intact prefix)."""
    message: str
    last_good_block: int
    """Number of the last intact block (the header's `block` if no block record is intact)."""


class TraceError(Exception):
    """A trace or snapshot that cannot be used at all. `kind` is `"unreadable"` (I/O), `"not-a-trace"`
    (wrong magic: some other file), `"corrupt"` (the header itself is torn, damaged or invalid, TRC-05),
    `"diverged"` (a block's recomputed root differs while resuming), `"locked"` (another writer holds
    the file, TRC-04) or `"unwritable"` (a record this format could not read back, TRC-06)."""

    def __init__(self, kind: str, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.kind = kind
        self.path = path
        self.message = message


def _checksum(frame: bytes) -> bytes:
    return hashlib.blake2b(frame, digest_size=CHECKSUM_BYTES).digest()


def frame(payload: bytes) -> bytes:
    """One framed record: length || payload || blake2b-256(length || payload)."""
    if len(payload) > MAX_RECORD_BYTES:
        raise ValueError(f"record of {len(payload)} bytes exceeds {MAX_RECORD_BYTES}")
    head = len(payload).to_bytes(LENGTH_BYTES, "big") + payload
    return head + _checksum(head)


def encode_record(record: TraceRecord) -> bytes:
    return encode(record, TraceRecord)


# --------------------------------------------------------------------------------------------------
# Reading


@attrs.frozen(slots=True)
class _Frame:
    offset: int
    payload: bytes | None
    problem: tuple[ProblemKind, str] | None


def _valid_frame_at(data: bytes, pos: int) -> bool:
    """Whether a complete record with a matching checksum starts at `pos`."""
    length = int.from_bytes(data[pos : pos + LENGTH_BYTES], "big")
    end = pos + LENGTH_BYTES + length + CHECKSUM_BYTES
    if end > len(data):
        return False
    return _checksum(data[pos : pos + LENGTH_BYTES + length]) == data[end - CHECKSUM_BYTES : end]


def _overrun_is_damage(data: bytes, pos: int) -> str | None:
    """TRC-03: the record at `pos` declares a length that runs past the end of the file. It is a torn
    tail only if nothing says otherwise; returns why it is damage instead, or None for a torn tail.

    - a whole record with a damaged length prefix: the rest of the file, read as a record of the length
      that would end exactly at the end of the file, has a matching checksum;
    - a complete, checksum-valid record starts later in the file (a length prefix damaged in the middle).
      The scan tries every offset; the hashing it does is bounded by `TORN_SCAN_FACTOR` times the bytes
      after `pos` (beyond that budget, the tail is reported as damage rather than guessed to be torn).
    """
    n = len(data)
    whole = n - pos - LENGTH_BYTES - CHECKSUM_BYTES
    if whole >= 0:
        head = whole.to_bytes(LENGTH_BYTES, "big") + data[pos + LENGTH_BYTES : n - CHECKSUM_BYTES]
        if _checksum(head) == data[n - CHECKSUM_BYTES :]:
            return "a whole record whose length prefix is damaged"
    budget = TORN_SCAN_FACTOR * (n - pos) + (1 << 16)
    for q in range(pos + 1, n - LENGTH_BYTES - CHECKSUM_BYTES + 1):
        length = int.from_bytes(data[q : q + LENGTH_BYTES], "big")
        if q + LENGTH_BYTES + length + CHECKSUM_BYTES > n:
            continue
        budget -= LENGTH_BYTES + length
        if budget < 0:
            return "the bytes after it could not be ruled out as intact records"
        if _valid_frame_at(data, q):
            return (
                f"its length prefix runs past the end of the file, yet an intact record follows at byte {q}"
            )
    return None


def _frames(data: bytes, start: int) -> Iterator[_Frame]:
    """Split `data[start:]` into frames; stops after the first bad one (TRC-02, TRC-03)."""
    pos = start
    n = len(data)
    while pos < n:
        if n - pos < LENGTH_BYTES:
            yield _Frame(pos, None, (ProblemKind.TORN, f"{n - pos} bytes of a length prefix"))
            return
        length = int.from_bytes(data[pos : pos + LENGTH_BYTES], "big")
        if length > MAX_RECORD_BYTES:
            yield _Frame(pos, None, (ProblemKind.CORRUPT, f"record length {length} is implausible"))
            return
        end = pos + LENGTH_BYTES + length + CHECKSUM_BYTES
        if end > n:
            damage = _overrun_is_damage(data, pos)
            if damage is not None:
                yield _Frame(pos, None, (ProblemKind.CORRUPT, f"damaged record: {damage}"))
            else:
                yield _Frame(
                    pos, None, (ProblemKind.TORN, f"record of {length} bytes cut off after {n - pos}")
                )
            return
        head = data[pos : pos + LENGTH_BYTES + length]
        if _checksum(head) != data[end - CHECKSUM_BYTES : end]:
            yield _Frame(pos, None, (ProblemKind.CORRUPT, "checksum mismatch"))
            return
        yield _Frame(pos, head[LENGTH_BYTES:], None)
        pos = end


def _read_bytes(path: str | os.PathLike[str]) -> bytes:
    try:
        return read_regular(path)
    except OSError as e:
        raise TraceError("unreadable", str(path), f"cannot read ({e.strerror or e})") from None


@attrs.frozen(slots=True)
class TraceContents:
    """What `read_trace` found: the header, every intact block in order, and the problem (if any)
    that stopped reading. `good_length` is the byte length of the intact prefix."""

    header: TraceHeader
    blocks: tuple[TraceBlock, ...]
    problem: TraceProblem | None
    good_length: int


def _check_base(name: str, genesis: Genesis | None, state: State | None) -> None:
    """TRC-05: a header's genesis must be valid (GEN-10..), an embedded state's config too (STATE-10)."""
    try:
        if genesis is not None:
            validate(genesis)
        problem = None if state is None else config_problem(state.config)
        if problem is not None:
            raise GenesisError(f"state.config.{problem[0]}", problem[1])
    except GenesisError as e:
        raise TraceError("corrupt", name, f"the base it starts from is invalid: {e}") from None


def read_trace(path: str | os.PathLike[str]) -> TraceContents:
    """Read a trace file. Raises `TraceError` if the file is unreadable, not a trace, or its header is
    damaged; otherwise returns every intact block and the first problem, if any."""
    data = _read_bytes(path)
    name = str(path)
    if not data.startswith(TRACE_MAGIC):
        if TRACE_MAGIC.startswith(data):
            raise TraceError("corrupt", name, "the file ends inside the trace magic (torn at creation)")
        raise TraceError("not-a-trace", name, f"not an sc4it trace (it does not start with {TRACE_MAGIC!r})")
    frames = _frames(data, len(TRACE_MAGIC))
    first = next(frames, None)
    if first is None:
        raise TraceError("corrupt", name, "the trace has no header record (torn at creation)")
    if first.payload is None:
        assert first.problem is not None
        raise TraceError("corrupt", name, f"the header record is damaged: {first.problem[1]}")
    try:
        header: TraceRecord = decode(first.payload, TraceRecord, max_bytes=None)
    except DecodeError as e:
        raise TraceError("corrupt", name, f"the header record does not decode: {e}") from None
    if not isinstance(header, TraceHeader):
        raise TraceError("corrupt", name, "the first record is not a header")
    if header.version != FORMAT_VERSION:
        raise TraceError(
            "corrupt", name, f"trace format version {header.version}; this sc4it reads {FORMAT_VERSION}"
        )
    if (header.genesis is None) == (header.state is None):
        raise TraceError("corrupt", name, "the header must carry exactly one of a genesis and a state")
    _check_base(name, header.genesis, header.state)
    blocks: list[TraceBlock] = []
    problem: TraceProblem | None = None
    last_block, last_ts = header.block, header.timestamp
    good = len(TRACE_MAGIC) + LENGTH_BYTES + len(first.payload) + CHECKSUM_BYTES
    for fr in frames:
        bad: tuple[ProblemKind, str] | None = fr.problem
        rec: TraceRecord | None = None
        if fr.payload is not None:
            try:
                rec = decode(fr.payload, TraceRecord, max_bytes=None)
            except DecodeError as e:
                bad = (ProblemKind.CORRUPT, f"record does not decode: {e}")
            else:
                if not isinstance(rec, TraceBlock):
                    bad = (ProblemKind.CORRUPT, "a second header record")
                elif rec.number != last_block + 1:
                    bad = (ProblemKind.CORRUPT, f"block {rec.number} follows block {last_block}")
                elif rec.timestamp <= last_ts:
                    bad = (ProblemKind.CORRUPT, f"block {rec.number}'s timestamp does not increase")
        if bad is not None:
            problem = TraceProblem(bad[0], fr.offset, bad[1], last_block)
            break
        assert isinstance(rec, TraceBlock) and fr.payload is not None
        blocks.append(rec)
        last_block, last_ts = rec.number, rec.timestamp
        good = fr.offset + LENGTH_BYTES + len(fr.payload) + CHECKSUM_BYTES
    return TraceContents(header, tuple(blocks), problem, good)


def truncate_trace(path: str | os.PathLike[str], good_length: int) -> None:
    """Cut a trace back to its intact prefix (after `read_trace` reported a problem). Takes the trace's
    lock: `TraceError("locked")` while a writer holds it; `TraceError("unreadable")` if the file cannot
    be opened for writing."""
    with TraceWriter.append_to(path) as w:
        w.truncate(good_length)


# --------------------------------------------------------------------------------------------------
# Writing


def _open_locked(path: str | os.PathLike[str], flags: int) -> BinaryIO:
    """Open `path` for appending with `flags`, holding an exclusive lock on it (TRC-04); a second
    writer gets `TraceError("locked")` at once instead of waiting."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | flags, 0o644)  # OSError as `open` raises it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise TraceError(
            "locked", str(path), "another writer holds this trace (a running chain or `replay --repair`)"
        ) from None
    return os.fdopen(fd, "ab")


def _check_block(block: TraceBlock) -> None:
    """TRC-06: refuse a block record that `read_trace` would refuse (before anything is written)."""
    if not (0 <= block.number <= U64_MAX and 0 <= block.timestamp <= U64_MAX):
        raise ValueError(f"block {block.number} at {block.timestamp} ms: both must fit in a u64")
    if len(block.calls) > MAX_CALLS_PER_BLOCK:
        raise ValueError(f"{len(block.calls)} calls in one block; a trace block holds {MAX_CALLS_PER_BLOCK}")


class TraceWriter:
    """Appends framed records to a trace file it holds locked (TRC-04). Each record goes out in one
    `write` and is flushed; with `durable=True` it is also fsync'ed, so at most the last record can be
    torn by a crash."""

    def __init__(self, f: BinaryIO, path: str, *, durable: bool = False) -> None:
        self._f = f
        self.path = path
        self.durable = durable

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        header: TraceHeader,
        *,
        durable: bool = False,
        overwrite: bool = False,
    ) -> TraceWriter:
        """Start a new trace with `header`; refuses to replace an existing file unless `overwrite`, and a
        header it could not read back (TRC-06)."""
        payload = encode_record(header)
        try:
            decode(payload, TraceRecord, max_bytes=None)
        except DecodeError as e:
            raise TraceError("unwritable", str(path), f"the header would not read back: {e}") from None
        f = _open_locked(path, os.O_CREAT if overwrite else os.O_CREAT | os.O_EXCL)
        if overwrite:
            os.ftruncate(f.fileno(), 0)
        w = cls(f, str(path), durable=durable)
        w._write(TRACE_MAGIC + frame(payload))
        return w

    @classmethod
    def append_to(cls, path: str | os.PathLike[str], *, durable: bool = False) -> TraceWriter:
        """Continue an existing trace (see `sc4it.host.chain.Chain.resume`); takes its lock.
        `TraceError("unreadable")` if it cannot be opened for writing, `TraceError("locked")`."""
        try:
            f = _open_locked(path, 0)
        except OSError as e:
            why = f"cannot open for writing ({e.strerror or e})"
            raise TraceError("unreadable", str(path), why) from None
        return cls(f, str(path), durable=durable)

    def _write(self, data: bytes) -> None:
        self._f.write(data)
        self._f.flush()
        if self.durable:
            os.fsync(self._f.fileno())

    def write_block(self, block: TraceBlock) -> None:
        try:
            _check_block(block)
        except ValueError as e:
            raise TraceError("unwritable", self.path, str(e)) from None
        self._write(frame(encode_record(block)))

    def truncate(self, length: int) -> None:
        """Cut the file back to `length` bytes (its intact prefix), under the writer's lock."""
        self._f.flush()
        os.ftruncate(self._f.fileno(), length)
        os.fsync(self._f.fileno())

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------------------------------
# Snapshots


def write_snapshot(path: str | os.PathLike[str], snapshot: Snapshot) -> None:
    """Write `snapshot` atomically (a temporary file renamed over `path`)."""
    tmp = Path(f"{path}.tmp")
    with open(tmp, "wb") as f:
        f.write(SNAPSHOT_MAGIC + frame(encode(snapshot, Snapshot)))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_snapshot(path: str | os.PathLike[str]) -> Snapshot:
    """Read and verify a snapshot (checksum, canonical encoding, state root); `TraceError` otherwise."""
    data = _read_bytes(path)
    name = str(path)
    if not data.startswith(SNAPSHOT_MAGIC):
        raise TraceError(
            "not-a-trace", name, f"not an sc4it snapshot (it does not start with {SNAPSHOT_MAGIC!r})"
        )
    frames = list(_frames(data, len(SNAPSHOT_MAGIC)))
    if len(frames) != 1 or frames[0].payload is None:
        why = frames[0].problem[1] if frames and frames[0].problem else "expected exactly one record"
        raise TraceError("corrupt", name, f"damaged snapshot: {why}")
    try:
        snap: Snapshot = decode(frames[0].payload, Snapshot, max_bytes=None)
    except DecodeError as e:
        raise TraceError("corrupt", name, f"the snapshot does not decode: {e}") from None
    if snap.version != FORMAT_VERSION:
        raise TraceError(
            "corrupt", name, f"snapshot format version {snap.version}; this sc4it reads {FORMAT_VERSION}"
        )
    if state_root(snap.state) != snap.root:
        raise TraceError("corrupt", name, "the snapshot's state does not match its recorded root")
    return snap
