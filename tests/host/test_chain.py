"""The reference host `sc4it.host.chain.Chain`: blocks, the pending pool, traces (docs/trace.md), crash
recovery and snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from sc4it import calls, genesis
from sc4it.host.chain import Chain, execute_block
from sc4it.host.trace import (
    ProblemKind,
    TraceBlock,
    TraceError,
    TraceWriter,
    frame,
    read_snapshot,
    read_trace,
)
from sc4it.kernel.errors import Error
from sc4it.kernel.events import ContractBilled, ContractCreated
from sc4it.kernel.root import state_root
from sc4it.kernel.signing import sign

TFT = 10**7
ALICE = genesis.dev_keypair("alice")
BOB = genesis.dev_keypair("bob")
CHARLIE = genesis.dev_keypair("charlie")


def small_run(trace: Path | None = None, blocks: int = 30) -> tuple[Chain, list[bytes]]:
    """A few blocks with calls, a name contract billed every 10 blocks, and empty blocks."""
    chain = Chain.from_genesis(trace=trace)
    roots = []
    chain.submit_call(calls.Transfer(CHARLIE.account_id, 5 * TFT), ALICE)
    chain.submit_call(calls.CreateNameContract(b"alice-site"), ALICE)
    roots.append(chain.produce_block().root)
    chain.submit_call(calls.CreateNameContract(b"bob-site"), BOB)
    roots.append(chain.produce_block().root)
    for _ in range(blocks - 2):
        roots.append(chain.produce_block().root)
    return chain, roots


def test_blocks_run_hooks_then_calls_in_order() -> None:
    """BIL-03 as a host drives it: the block hook (billing) runs before the block's calls; calls apply
    in submission order with consecutive nonces."""
    chain = Chain.from_genesis()
    first = chain.submit_call(calls.Transfer(BOB.account_id, TFT), ALICE)
    second = chain.submit_call(calls.CreateNameContract(b"hooks-first"), ALICE)
    assert (first.nonce, second.nonce) == (0, 1)
    assert chain.nonce_of(ALICE.account_id) == 2
    result = chain.produce_block()
    assert [c.signed for c in result.calls] == [first, second]
    assert all(c.error is None for c in result.calls)
    cid = next(e.contract.contract_id for e in result.events if isinstance(e, ContractCreated))
    # advance to the contract's billing block and submit a call there: the bill comes first
    while (chain.block + 1) % chain.state.billing_frequency != cid % chain.state.billing_frequency:
        chain.produce_block()
    chain.submit_call(calls.Transfer(BOB.account_id, TFT), ALICE)
    result = chain.produce_block()
    assert isinstance(result.hook_events[0], ContractBilled)
    assert result.events[0] == result.hook_events[0]
    assert result.events[-1] == result.calls[0].events[-1]
    assert result.root == state_root(chain.state)


def test_invalid_calls_are_dropped_failed_calls_stay() -> None:
    """SIG-05, SIG-08: a call for another chain or with a wrong nonce is not valid, so the host drops it
    from the block; a valid call that fails in its handler stays in the block with its error and changes
    nothing but its signer's nonce (BLK-23)."""
    chain = Chain.from_genesis()
    stale = sign(calls.Transfer(BOB.account_id, TFT), ALICE, 5, chain.state.chain_id)
    chain.submit(stale)
    foreign = sign(calls.Transfer(BOB.account_id, TFT), CHARLIE, 0, bytes(32))
    chain.submit(foreign)
    failing = chain.submit_call(calls.CancelContract(99), BOB)
    before = chain.state
    result = chain.produce_block()
    assert result.rejected == ((stale, Error.FutureNonce), (foreign, Error.WrongChainId))
    assert [(c.signed, c.error) for c in result.calls] == [(failing, Error.ContractNotExists)]
    assert result.calls[0].events == ()
    bob = BOB.account_id  # nothing applied but the nonce
    assert chain.state.accounts == before.accounts.set(bob, before.accounts[bob].with_next_nonce())
    assert chain.pending == []


def test_timestamps_must_increase() -> None:
    chain = Chain.from_genesis()
    chain.produce_block()
    with pytest.raises(ValueError, match="later"):
        chain.produce_block(timestamp=chain.timestamp)
    assert chain.produce_block(timestamp=chain.timestamp + 1).timestamp == chain.timestamp


def test_several_signers_need_a_multisig() -> None:
    chain = Chain.from_genesis()
    with pytest.raises(ValueError, match="multisig"):
        chain.submit_call(calls.Transfer(BOB.account_id, 1), [ALICE, BOB])


def test_trace_round_trip(tmp_path: Path) -> None:
    """A trace holds the genesis, every block's calls in order and the root after each block; re-executing
    it gives the same roots."""
    path = tmp_path / "run.trace"
    chain, roots = small_run(path)
    chain.close()
    contents = read_trace(path)
    assert contents.problem is None
    assert contents.header.genesis == genesis.default_genesis()
    assert contents.header.root == state_root(genesis.default())
    assert [b.number for b in contents.blocks] == list(range(1, 31))
    assert [b.root for b in contents.blocks] == roots
    assert len(contents.blocks[0].calls) == 2 and len(contents.blocks[2].calls) == 0
    assert contents.good_length == path.stat().st_size
    replay = Chain.from_trace_header(contents.header)
    for rec in contents.blocks:
        assert replay.apply_recorded(rec).root == rec.root
    assert replay.state == chain.state
    # execute_block is the same transition, as a pure function
    state, _, results = execute_block(
        genesis.default(), 1, contents.blocks[0].timestamp, contents.blocks[0].calls
    )
    assert state_root(state) == roots[0] and all(r.error is None for r in results)


def test_trace_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "run.trace"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        Chain.from_genesis(trace=path)
    assert path.read_bytes() == b"precious"
    Chain.from_genesis(trace=path, overwrite=True).close()
    assert read_trace(path).blocks == ()


@pytest.mark.parametrize("cut", [1, 20, 40, 77])
def test_torn_last_record_is_detected_and_earlier_records_survive(tmp_path: Path, cut: int) -> None:
    """A crash in the middle of the last write: the torn record is reported (kind, offset, last intact
    block) and every block before it is returned intact."""
    path = tmp_path / "run.trace"
    chain, roots = small_run(path)
    chain.close()
    full = read_trace(path)
    last_offset = full.good_length - len(frame(b"\0" * 0)) - _payload_len(path, full.good_length)
    path.write_bytes(path.read_bytes()[:-cut])
    torn = read_trace(path)
    assert torn.problem is not None
    assert torn.problem.kind is ProblemKind.TORN
    assert torn.problem.last_good_block == 29
    assert torn.blocks == full.blocks[:-1]
    assert [b.root for b in torn.blocks] == roots[:-1]
    assert torn.good_length == torn.problem.offset == last_offset


def _payload_len(path: Path, end: int) -> int:
    """Length of the payload of the record that ends at `end` (walks the frames)."""
    data = path.read_bytes()
    pos, last = 8, 0
    while pos < end:
        last = int.from_bytes(data[pos : pos + 4], "big")
        pos += 4 + last + 32
    return last


def test_corrupt_record_in_the_middle(tmp_path: Path) -> None:
    """A flipped byte inside block 10's record: reading stops there (corrupt), blocks 1..9 are intact."""
    path = tmp_path / "run.trace"
    chain, _ = small_run(path)
    chain.close()
    full = read_trace(path)
    data = bytearray(path.read_bytes())
    # find block 10's frame
    pos = 8
    for _ in range(10):  # header + blocks 1..9
        pos += 4 + int.from_bytes(data[pos : pos + 4], "big") + 32
    data[pos + 10] ^= 0xFF
    path.write_bytes(bytes(data))
    bad = read_trace(path)
    assert bad.problem is not None and bad.problem.kind is ProblemKind.CORRUPT
    assert "checksum" in bad.problem.message
    assert bad.blocks == full.blocks[:9] and bad.problem.last_good_block == 9


def test_out_of_sequence_block_is_corrupt(tmp_path: Path) -> None:
    """A block record whose number does not follow the previous one stops the reading."""
    path = tmp_path / "run.trace"
    chain, _ = small_run(path, blocks=3)
    last = read_trace(path).blocks[-1]
    chain.trace.write_block(TraceBlock(last.number + 2, last.timestamp + 6000, (), last.root))  # type: ignore[union-attr]
    chain.close()
    contents = read_trace(path)
    assert contents.problem is not None and "follows block 3" in contents.problem.message
    assert len(contents.blocks) == 3


def test_unusable_files(tmp_path: Path) -> None:
    """Not a trace, a torn header, a missing file: `TraceError` with a kind the CLI maps to exit codes."""
    other = tmp_path / "other"
    other.write_bytes(b"hello world, not a trace")
    with pytest.raises(TraceError) as e:
        read_trace(other)
    assert e.value.kind == "not-a-trace"
    path = tmp_path / "run.trace"
    Chain.from_genesis(trace=path).close()
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(TraceError) as e:
        read_trace(path)
    assert e.value.kind == "corrupt"
    path.write_bytes(b"sc4it")
    with pytest.raises(TraceError) as e:
        read_trace(path)
    assert e.value.kind == "corrupt"
    with pytest.raises(TraceError) as e:
        read_trace(tmp_path / "missing")
    assert e.value.kind == "unreadable"


def test_resume_after_a_crash(tmp_path: Path) -> None:
    """`Chain.resume` re-executes the intact blocks (checking each root), cuts the torn tail off, reports
    it, and goes on appending; the result reads back without a problem."""
    path = tmp_path / "run.trace"
    chain, roots = small_run(path)
    chain.close()
    path.write_bytes(path.read_bytes()[:-5])
    resumed = Chain.resume(path)
    assert resumed.recovered is not None and resumed.recovered.kind is ProblemKind.TORN
    assert resumed.block == 29 and resumed.root == roots[28]
    resumed.submit_call(calls.Transfer(BOB.account_id, TFT), ALICE)
    resumed.produce_block()
    resumed.produce_block()
    resumed.close()
    contents = read_trace(path)
    assert contents.problem is None
    assert [b.number for b in contents.blocks] == list(range(1, 32))
    assert len(contents.blocks[29].calls) == 1


def test_resume_refuses_a_corrupt_record(tmp_path: Path) -> None:
    """A damaged record in the middle is not cut off silently (the blocks after it would be lost)."""
    path = tmp_path / "run.trace"
    chain, _ = small_run(path, blocks=5)
    chain.close()
    data = bytearray(path.read_bytes())
    data[-40] ^= 1  # inside the last record's payload: a complete record with a bad checksum
    path.write_bytes(bytes(data))
    with pytest.raises(TraceError) as e:
        Chain.resume(path)
    assert e.value.kind == "corrupt" and "blocks up to 4 are intact" in e.value.message
    assert path.read_bytes() == bytes(data)


def test_resume_refuses_a_diverging_trace(tmp_path: Path) -> None:
    """A trace whose recorded root does not match re-execution is not resumed."""
    path = tmp_path / "run.trace"
    chain, _ = small_run(path, blocks=3)
    chain.trace.write_block(TraceBlock(4, chain.timestamp + 6000, (), bytes(32)))  # type: ignore[union-attr]
    chain.close()
    with pytest.raises(TraceError) as e:
        Chain.resume(path)
    assert e.value.kind == "diverged" and "block 4" in e.value.message


def test_snapshot_round_trip_and_damage(tmp_path: Path) -> None:
    """`save_snapshot` / `load_snapshot` restore state, block and time; a damaged snapshot is refused."""
    chain, _ = small_run(blocks=12)
    path = tmp_path / "chain.snap"
    chain.save_snapshot(path)
    loaded = Chain.load_snapshot(path)
    assert (loaded.state, loaded.block, loaded.timestamp, loaded.root) == (
        chain.state,
        chain.block,
        chain.timestamp,
        chain.root,
    )
    a, b = chain.produce_block(), loaded.produce_block()
    assert a.root == b.root
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(TraceError) as e:
        read_snapshot(path)
    assert e.value.kind == "corrupt"
    with pytest.raises(TraceError) as e:
        read_snapshot(tmp_path / "missing.snap")
    assert e.value.kind == "unreadable"


def test_snapshot_with_a_wrong_root_is_refused(tmp_path: Path) -> None:
    """A well-framed snapshot whose state does not match its recorded root (e.g. edited) is refused."""
    from sc4it.host.trace import SNAPSHOT_MAGIC, Snapshot
    from sc4it.kernel.codec import encode

    chain, _ = small_run(blocks=3)
    snap = Snapshot(1, chain.block, chain.timestamp, chain.block_time, bytes(32), chain.state)
    path = tmp_path / "edited.snap"
    path.write_bytes(SNAPSHOT_MAGIC + frame(encode(snap, Snapshot)))
    with pytest.raises(TraceError, match="root"):
        read_snapshot(path)


def test_trace_continuing_a_snapshot(tmp_path: Path) -> None:
    """A chain loaded from a snapshot records a trace whose header embeds that state: it replays alone."""
    chain, _ = small_run(blocks=5)
    snap = tmp_path / "chain.snap"
    chain.save_snapshot(snap)
    loaded = Chain.load_snapshot(snap)
    path = tmp_path / "after.trace"
    loaded.record(path)
    with pytest.raises(ValueError, match="already"):
        loaded.record(tmp_path / "again.trace")
    loaded.submit_call(calls.CreateNameContract(b"charlie-site"), CHARLIE)
    roots = [r.root for r in (loaded.produce_block(), loaded.produce_block())]
    loaded.close()
    contents = read_trace(path)
    assert contents.header.genesis is None and contents.header.state == chain.state
    assert contents.header.block == 5
    replay = Chain.from_trace_header(contents.header)
    assert [replay.apply_recorded(b).root for b in contents.blocks] == roots
    with pytest.raises(ValueError, match="follow"):
        replay.apply_recorded(contents.blocks[0])


def test_durable_writer_and_context_manager(tmp_path: Path) -> None:
    path = tmp_path / "durable.trace"
    with Chain.from_genesis(trace=path, durable=True) as chain:
        chain.advance(3)
        assert isinstance(chain.trace, TraceWriter) and chain.trace.durable
    assert chain.trace is None
    assert len(read_trace(path).blocks) == 3


def test_advance_until() -> None:
    """`advance` returns only the blocks with events or calls and stops after `until` holds."""
    chain = Chain.from_genesis()
    chain.submit_call(calls.CreateNameContract(b"until-test"), ALICE)
    results = chain.advance(2000, until=lambda r: any(isinstance(e, ContractBilled) for e in r.events))
    assert results[0].number == 1 and len(results) == 2
    assert chain.block == results[-1].number < 2000
