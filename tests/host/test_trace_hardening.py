"""Trace files that must lose nothing (spec/trace.md, TRC-xx): damage vs a torn tail, the writer's lock,
checked bases, nothing unreadable written, hostile payloads."""

from __future__ import annotations

import os
from pathlib import Path

import attrs
import cbor2
import pytest

from sc4it import calls, genesis
from sc4it.host.chain import Chain
from sc4it.host.trace import (
    CHECKSUM_BYTES,
    FORMAT_VERSION,
    LENGTH_BYTES,
    TRACE_MAGIC,
    ProblemKind,
    TraceBlock,
    TraceError,
    TraceHeader,
    TraceWriter,
    encode_record,
    frame,
    read_snapshot,
    read_trace,
    truncate_trace,
)
from sc4it.kernel.codec import to_obj
from sc4it.kernel.schema import U64_MAX
from sc4it.kernel.signing import Signature, SignedCall, call_data, payload_of

TFT = 10**7
ALICE = genesis.dev_keypair("alice")
BOB = genesis.dev_keypair("bob")


def record_offsets(data: bytes) -> list[int]:
    """The byte offset of every record of a well-formed trace."""
    offsets, pos = [], len(TRACE_MAGIC)
    while pos < len(data):
        offsets.append(pos)
        pos += LENGTH_BYTES + int.from_bytes(data[pos : pos + LENGTH_BYTES], "big") + CHECKSUM_BYTES
    return offsets


def make_trace(path: Path, blocks: int = 12) -> bytes:
    with Chain.from_genesis(trace=path) as chain:
        chain.submit_call(calls.CreateNameContract(b"alice-site"), ALICE)
        chain.submit_call(calls.Transfer(BOB.account_id, TFT), ALICE)
        for _ in range(blocks):
            chain.produce_block()
    return path.read_bytes()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_trace(tmp_path_factory.mktemp("trace") / "t.trace")


def flip(data: bytes, byte: int, bit: int) -> bytes:
    out = bytearray(data)
    out[byte] ^= 1 << bit
    return bytes(out)


def test_a_flipped_length_bit_in_any_record_is_damage_never_a_torn_tail(
    tmp_path: Path, pristine: bytes
) -> None:
    """TRC-02 TRC-03: every one of the 32 bits of every block record's length prefix, flipped, is
    reported as damage at that record's offset (before the fix, 72 of 160 such flips read as a torn tail
    and `resume` deleted every later block); `resume` refuses and the file keeps every byte."""
    path = tmp_path / "t.trace"
    offsets = record_offsets(pristine)
    assert len(offsets) == 13
    for index, offset in enumerate(offsets[1:], start=1):
        for bit in range(32):
            damaged = flip(pristine, offset + bit // 8, 7 - bit % 8)
            path.write_bytes(damaged)
            contents = read_trace(path)
            assert contents.problem is not None, (index, bit)
            assert contents.problem.kind is ProblemKind.CORRUPT, (index, bit, contents.problem)
            assert contents.problem.offset == offset
            assert len(contents.blocks) == index - 1
            if bit % 8 == 0:  # resume on a few of them (it replays the intact blocks first)
                with pytest.raises(TraceError) as info:
                    Chain.resume(path)
                assert info.value.kind == "corrupt" and f"byte {offset}" in info.value.message
                assert path.read_bytes() == damaged


def test_a_genuinely_torn_tail_is_still_cut(tmp_path: Path, pristine: bytes) -> None:
    """TRC-03: the file ending anywhere inside the last record (length prefix, payload or checksum) is a
    torn tail: every earlier block is kept, `resume` cuts exactly the torn bytes and carries on."""
    path = tmp_path / "t.trace"
    last = record_offsets(pristine)[-1]
    for cut in sorted({last + 1, last + 3, last + LENGTH_BYTES, last + 20, len(pristine) - 1}):
        path.write_bytes(pristine[:cut])
        contents = read_trace(path)
        assert contents.problem is not None and contents.problem.kind is ProblemKind.TORN, cut
        assert contents.problem.offset == last and len(contents.blocks) == 11
        with Chain.resume(path) as chain:
            assert chain.recovered is not None and chain.block == 11
            chain.produce_block()
        assert read_trace(path).problem is None and len(read_trace(path).blocks) == 12


def test_a_whole_last_record_with_a_damaged_length_is_damage(tmp_path: Path, pristine: bytes) -> None:
    """TRC-03 (a): the last record is complete but its length prefix claims more bytes than the file
    holds: damage, not a torn tail (cutting it would lose an intact block)."""
    path = tmp_path / "t.trace"
    last = record_offsets(pristine)[-1]
    path.write_bytes(flip(pristine, last + 2, 0))
    problem = read_trace(path).problem
    assert problem is not None and problem.kind is ProblemKind.CORRUPT
    assert "length prefix is damaged" in problem.message


def test_torn_scan_is_bounded(tmp_path: Path, pristine: bytes) -> None:
    """TRC-03: a tail full of plausible small lengths cannot make the scan quadratic: beyond its budget
    it reports damage instead of guessing."""
    path = tmp_path / "t.trace"
    zeros = (1 << 20).to_bytes(LENGTH_BYTES, "big") + bytes(4) * 200_000  # every offset reads length 0
    path.write_bytes(pristine + zeros)
    problem = read_trace(path).problem  # cheap candidates, none intact: within the budget, torn
    assert problem is not None and problem.offset == len(pristine) and problem.kind is ProblemKind.TORN
    costly = (1 << 24).to_bytes(LENGTH_BYTES, "big") + b"\x00\x00\x10\x00" * 200_000  # 4 KiB candidates
    path.write_bytes(pristine + costly)
    problem = read_trace(path).problem
    assert problem is not None and problem.offset == len(pristine)
    assert problem.kind is ProblemKind.CORRUPT and "ruled out" in problem.message


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    """TRC-04: while a chain records a trace, a second writer (overwrite, resume, repair) fails at once
    with TraceError("locked") and the first writer's file is untouched."""
    path = tmp_path / "t.trace"
    with Chain.from_genesis(trace=path) as first:
        first.produce_block()
        before = path.read_bytes()
        with pytest.raises(TraceError) as info:
            Chain.from_genesis(trace=path, overwrite=True)
        assert info.value.kind == "locked"
        with pytest.raises(TraceError) as info:
            Chain.resume(path)
        assert info.value.kind == "locked"
        with pytest.raises(TraceError) as info:
            truncate_trace(path, len(TRACE_MAGIC))
        assert info.value.kind == "locked"
        assert path.read_bytes() == before
        first.produce_block()
    assert len(read_trace(path).blocks) == 2
    with Chain.resume(path) as again:  # the lock went with the first writer
        assert again.block == 2


def _raw_trace(path: Path, header_obj: object, *blocks: object) -> None:
    records = [cbor2.dumps(header_obj, canonical=True), *(cbor2.dumps(b, canonical=True) for b in blocks)]
    path.write_bytes(TRACE_MAGIC + b"".join(frame(r) for r in records))


def test_a_header_with_an_invalid_genesis_is_corrupt(tmp_path: Path) -> None:
    """TRC-05: a header whose genesis decodes but is invalid (two twins of one account) is a corrupt
    trace; before, `read_trace` accepted it and `resume`/`replay` leaked a GenesisError."""
    g = genesis.default_genesis()
    bad = attrs.evolve(g, twins=(*g.twins, g.twins[0]))
    header = TraceHeader(FORMAT_VERSION, 0, 0, 6000, bytes(32), bad, None)
    path = tmp_path / "t.trace"
    path.write_bytes(TRACE_MAGIC + frame(encode_record(header)))
    for read in (read_trace, Chain.resume):
        with pytest.raises(TraceError) as info:
            read(path)
        assert info.value.kind == "corrupt" and "twins" in info.value.message


def test_a_state_or_snapshot_with_an_impossible_config_is_corrupt(tmp_path: Path) -> None:
    """TRC-05 STATE-13: a header state or a snapshot whose config has secs_per_month = 0 does not decode
    (Config refuses it) and the file is reported corrupt."""
    chain = Chain.from_genesis()
    header_obj = to_obj(TraceHeader(FORMAT_VERSION, 0, 0, 6000, chain.root, None, chain.state), TraceHeader)
    header_obj[7][0][12] = 0  # state.config.secs_per_month
    path = tmp_path / "t.trace"
    _raw_trace(path, header_obj)
    with pytest.raises(TraceError) as info:
        read_trace(path)
    assert info.value.kind == "corrupt" and "secs_per_month" in info.value.message
    snap = tmp_path / "s.snap"
    chain.save_snapshot(snap)
    data = bytearray(snap.read_bytes())
    snap_obj = cbor2.loads(bytes(data[8 + LENGTH_BYTES : -CHECKSUM_BYTES]))
    snap_obj[5][0][12] = 0
    snap.write_bytes(b"sc4itSNP" + frame(cbor2.dumps(snap_obj, canonical=True)))
    with pytest.raises(TraceError) as info:
        read_snapshot(snap)
    assert info.value.kind == "corrupt" and "secs_per_month" in info.value.message


def test_integers_over_4300_digits_are_decode_errors_everywhere(tmp_path: Path, pristine: bytes) -> None:
    """ENC-14 TRC-02 TRC-05: a block record holding a 5,000-digit integer is a corrupt record for
    read_trace and Chain.resume (it was a ValueError traceback), a header holding one a corrupt trace."""
    huge = 10**5000
    path = tmp_path / "t.trace"
    path.write_bytes(pristine + frame(cbor2.dumps([1, 13, huge, [], bytes(32)], canonical=True)))
    problem = read_trace(path).problem
    assert problem is not None and problem.kind is ProblemKind.CORRUPT and "u128" in problem.message
    with pytest.raises(TraceError) as info:
        Chain.resume(path)
    assert info.value.kind == "corrupt"
    _raw_trace(path, [0, FORMAT_VERSION, huge, 0, 6000, bytes(32), None, None])
    with pytest.raises(TraceError) as info:
        read_trace(path)
    assert info.value.kind == "corrupt"


def test_the_host_writes_nothing_it_cannot_read_back(tmp_path: Path) -> None:
    """TRC-06: a block timestamp of 2^64 is refused before the block runs (state, block and trace
    unchanged); a block record or a header out of bounds is refused by the writer."""
    path = tmp_path / "t.trace"
    with Chain.from_genesis(trace=path) as chain:
        chain.submit_call(calls.Transfer(BOB.account_id, TFT), ALICE)
        state, size = chain.state, path.stat().st_size
        with pytest.raises(ValueError, match="u64"):
            chain.produce_block(timestamp=U64_MAX + 1)
        assert chain.state is state and chain.block == 0 and path.stat().st_size == size
        assert chain.trace is not None
        with pytest.raises(TraceError) as info:
            chain.trace.write_block(TraceBlock(1, U64_MAX + 1, (), bytes(32)))
        assert info.value.kind == "unwritable"
        chain.produce_block(timestamp=U64_MAX)
    assert read_trace(path).blocks[-1].timestamp == U64_MAX
    header = TraceHeader(FORMAT_VERSION, U64_MAX + 1, 0, 6000, bytes(32), genesis.default_genesis(), None)
    with pytest.raises(TraceError) as info:
        TraceWriter.create(tmp_path / "h.trace", header)
    assert info.value.kind == "unwritable" and not (tmp_path / "h.trace").exists()


def test_a_call_out_of_bounds_never_reaches_the_trace(tmp_path: Path) -> None:
    """SIG-15 TRC-06: a CreateNodeContract with a 0-byte deployment hash, signed by hand (sign refuses
    it), is not valid: the host leaves it out of the block and the trace stays readable."""
    path = tmp_path / "t.trace"
    call = calls.CreateNodeContract(1, b"", b"", 0, None)
    with Chain.from_genesis(trace=path) as chain:
        nonce = chain.nonce_of(ALICE.account_id)
        obj = to_obj(call, calls.Call)
        payload = payload_of(chain.state.chain_id, ALICE.account_id, nonce, obj)
        sig = Signature(ALICE.account_id, ALICE.sign(payload))
        chain.submit(SignedCall(chain.state.chain_id, ALICE.account_id, nonce, call, (sig,)))
        result = chain.produce_block()
        assert result.calls == () and [e.name for _, e in result.rejected] == ["MalformedCall"]
    contents = read_trace(path)
    assert contents.problem is None and contents.blocks[0].calls == ()
    with pytest.raises(ValueError, match="deployment_hash"):
        call_data(call)
    assert os.path.getsize(path) > 0


def test_framing(tmp_path: Path, pristine: bytes) -> None:
    """TRC-01: magic, then records of length ‖ payload ‖ blake2b-256(length ‖ payload) that tile the
    file exactly; a length above 256 MiB is refused without reading on."""
    import hashlib

    offsets = record_offsets(pristine)
    for start, end in zip(offsets, [*offsets[1:], len(pristine)], strict=True):
        length = int.from_bytes(pristine[start : start + LENGTH_BYTES], "big")
        assert end - start == LENGTH_BYTES + length + CHECKSUM_BYTES
        head = pristine[start : start + LENGTH_BYTES + length]
        assert hashlib.blake2b(head, digest_size=32).digest() == pristine[end - CHECKSUM_BYTES : end]
    path = tmp_path / "t.trace"
    path.write_bytes(pristine + (1 << 29).to_bytes(LENGTH_BYTES, "big") + bytes(64))
    problem = read_trace(path).problem
    assert problem is not None and problem.kind is ProblemKind.CORRUPT and "implausible" in problem.message
