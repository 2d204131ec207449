"""Blocks: building, executing, and every check of a received block (spec/blocks.md)."""

from __future__ import annotations

import attrs
import pytest

from sc4it.block import (
    EMPTY_RESULTS,
    MAX_BLOCK_CALLS,
    Block,
    BlockError,
    BlockFault,
    BlockResults,
    ChainSpec,
    Header,
    Receipt,
    Tip,
    build_block,
    call_hash,
    calls_hash,
    encode_calls,
    execute_block,
    genesis_header,
    genesis_tip,
    header_hash,
    results_hash,
    run_block,
    seal,
    spec_hash,
)
from sc4it.kernel import calls
from sc4it.kernel.codec import decode, encode
from sc4it.kernel.commitment import commitment_root
from sc4it.kernel.errors import Error
from sc4it.kernel.events import NameContractCanceled
from sc4it.kernel.root import encoding_digest, state_root
from sc4it.kernel.signing import SignedCall, sign
from sc4it.kernel.tx import BlockEnv

from .helpers import (
    ALICE,
    BOB,
    CHARLIE,
    OTHER_PRODUCER,
    PRODUCER,
    SPEC,
    TFT,
    mock_world,
    reseal,
    tip0,
    transfer,
    world,
)


def _two_blocks() -> tuple[Tip, Block, Tip, Block, Tip]:
    t0 = tip0()
    b1 = build_block(t0, [transfer(t0.state), transfer(t0.state, BOB, ALICE, at=0)], PRODUCER, SPEC)
    b2 = build_block(b1.tip, [transfer(b1.tip.state)], PRODUCER, SPEC)
    return t0, b1.block, b1.tip, b2.block, b2.tip


def test_build_then_execute_round_trip() -> None:
    """BLK-30 BLK-41 BLK-02 BLK-04: a replica executing the producer's blocks reaches the same tips."""
    t0, b1, t1, b2, t2 = _two_blocks()
    r1 = execute_block(t0, b1, SPEC)
    r2 = execute_block(r1.tip, b2, SPEC)
    assert r1.tip.hash == t1.hash and r2.tip.hash == t2.hash
    assert r2.tip.state == t2.state
    assert r2.tip.commitment.root == t2.header.state_commitment
    assert r2.results_bytes == encode(r2.results) and results_hash(r2.results) == b2.header.results_hash
    # the encodings round-trip exactly (strict decoding, ENC-09)
    assert decode(encode(b2), Block) == b2
    assert decode(encode(b2.header), Header) == b2.header
    assert b2.header.number == 2 and len(b1.calls) == 2


def test_header_fields_and_hashes() -> None:
    """BLK-02 BLK-03 BLK-06 BLK-07 BLK-08 BLK-09 BLK-10: what each header field commits to."""
    t0, b1, t1, _, _ = _two_blocks()
    h = b1.header
    assert h.chain_id == world().chain_id
    assert h.parent_hash == header_hash(t0.header) == t0.hash
    assert h.timestamp == SPEC.genesis_timestamp_ms + 1 * SPEC.block_time_ms
    assert h.calls_hash == calls_hash(b1.calls)
    assert h.state_commitment == commitment_root(t1.state) == state_root(t1.state)  # BLK-08: the state root
    assert h.state_commitment != encoding_digest(t1.state)
    assert h.producer == PRODUCER.account_id
    run = run_block(t0.state, BlockEnv(1, h.timestamp), b1.calls)
    assert h.results_hash == results_hash(run.results)
    assert [r.error for r in run.results.receipts] == [None, None]
    # the genesis header (BLK-03)
    g = t0.header
    assert g.number == 0 and g.parent_hash == spec_hash(SPEC) and g.producer == bytes(32)
    assert g.timestamp == SPEC.genesis_timestamp_ms
    assert g.calls_hash == calls_hash(()) and g.results_hash == results_hash(EMPTY_RESULTS)
    assert g == genesis_header(world(), SPEC, commitment_root(world()))
    other_spec = ChainSpec.of([PRODUCER.account_id], block_time_ms=1000, genesis_timestamp_ms=0)
    assert genesis_tip(world(), other_spec).hash != t0.hash


def test_chain_spec_bounds() -> None:
    """BLK-01: producers sorted and distinct, 1 to 100; a block time of at least 1 ms."""
    spec = ChainSpec.of(
        [BOB.account_id, ALICE.account_id, BOB.account_id], block_time_ms=6000, genesis_timestamp_ms=0
    )
    assert spec.producers == tuple(sorted([ALICE.account_id, BOB.account_id]))
    for producers, bt in (([], 6000), ([ALICE.account_id], 0), ([bytes([i]) * 32 for i in range(101)], 6000)):
        with pytest.raises(ValueError):
            ChainSpec.of(producers, block_time_ms=bt, genesis_timestamp_ms=0)
    assert ChainSpec(0, 1, tuple(reversed(spec.producers))).problem() is not None
    assert ChainSpec(0, 1, (b"x",)).problem() is not None
    assert SPEC.timestamp_of(10) == SPEC.genesis_timestamp_ms + 60_000  # BLK-10
    with pytest.raises(ValueError):
        genesis_tip(world(), ChainSpec(0, 0, (ALICE.account_id,)))


def test_hooks_run_before_calls() -> None:
    """BLK-20 BLK-21 BLK-07: billing's events come first, then each call's events, in block order."""
    tip = genesis_tip(mock_world(), SPEC)
    ex = build_block(
        tip, [sign(calls.CreateNameContract(b"blocks"), ALICE, 0, tip.state.chain_id)], PRODUCER, SPEC
    )
    (cid,) = [c for c in ex.tip.state.contracts]
    tip = ex.tip
    for _ in range(12):  # the name contract is billed within one 10-block cycle
        cancel = sign(calls.CancelContract(cid), ALICE, 1, tip.state.chain_id)
        ex = build_block(tip, [cancel], PRODUCER, SPEC)
        if ex.results.hook_events:
            break
        tip = build_block(tip, [], PRODUCER, SPEC).tip
    assert ex.results.hook_events, "no billing within a cycle"
    events = ex.results.events
    assert events[: len(ex.results.hook_events)] == ex.results.hook_events
    assert isinstance(events[-1], NameContractCanceled)
    assert cid not in ex.tip.state.contracts
    assert execute_block(tip, ex.block, SPEC).tip.state == ex.tip.state


def test_invalid_calls_are_left_out() -> None:
    """BLK-22 BLK-38: the producer leaves out calls that are not valid; a block with one is refused."""
    t0 = tip0()
    good = transfer(t0.state)
    stale = transfer(t0.state, BOB, ALICE, at=5)  # FutureNonce
    foreign = transfer(t0.state, CHARLIE, ALICE)
    foreign = attrs.evolve(foreign, signatures=transfer(t0.state, BOB, ALICE).signatures)  # BadSignature
    ex = build_block(t0, [stale, good, foreign], PRODUCER, SPEC)
    assert ex.block.calls == (good,)
    assert [(i, e) for i, _, e in ex.excluded] == [(0, Error.FutureNonce), (2, Error.BadSignature)]
    forged = attrs.evolve(ex.block, calls=(good, stale))
    forged = reseal(forged, calls_hash=calls_hash(forged.calls))
    with pytest.raises(BlockError) as e:
        execute_block(t0, forged, SPEC)
    assert e.value.fault is BlockFault.InvalidCall and e.value.call_error is Error.FutureNonce


def test_failed_calls_stay_with_their_error() -> None:
    """BLK-23 BLK-06: a valid call that fails is in the block, with its error in its receipt, and
    changes nothing but its signer's nonce, so it cannot be included again."""
    t0 = tip0()
    broke = transfer(t0.state, CHARLIE, ALICE, 10**9 * TFT)
    ex = build_block(t0, [broke, transfer(t0.state)], PRODUCER, SPEC)
    assert ex.block.calls[0] == broke
    first, second = ex.results.receipts
    assert (
        first.error is Error.FundsUnavailable
        and first.events == ()
        and first.error_name == b"FundsUnavailable"
    )
    assert second.error is None and second.events
    assert Receipt.of(None, ()).error is None
    before, after = t0.state.accounts[CHARLIE.account_id], ex.tip.state.accounts[CHARLIE.account_id]
    assert after == before.with_next_nonce()
    assert ex.tip.commitment.root == commitment_root(ex.tip.state)
    assert execute_block(t0, ex.block, SPEC).results == ex.results
    again = build_block(ex.tip, [broke], PRODUCER, SPEC)  # the same call, replayed
    assert again.block.calls == () and again.excluded[0][2] is Error.StaleNonce


def test_touched_covers_the_block() -> None:
    """BLK-24: the merged touched lists every changed key; the commitment update agrees with the
    from-scratch commitment (CMT-10)."""
    t0 = tip0()
    ex = build_block(t0, [transfer(t0.state), transfer(t0.state, BOB, CHARLIE, at=0)], PRODUCER, SPEC)
    keys = ex.touched.maps["accounts"]
    assert {ALICE.account_id, BOB.account_id, CHARLIE.account_id} <= set(keys)
    assert ex.tip.commitment.root == commitment_root(ex.tip.state)


def _forgeries(t0: Tip, b1: Block) -> list[tuple[str, Block, BlockFault]]:
    h = b1.header
    other_key_block = reseal(b1, OTHER_PRODUCER, producer=OTHER_PRODUCER.account_id)
    return [
        ("wrong chain", reseal(b1, chain_id=bytes(32)), BlockFault.WrongChain),
        ("wrong number", reseal(b1, number=2), BlockFault.WrongNumber),
        ("wrong parent", reseal(b1, parent_hash=bytes(32)), BlockFault.WrongParent),
        ("30 days later", reseal(b1, timestamp=h.timestamp + 30 * 86_400_000), BlockFault.WrongTimestamp),
        ("not a producer", other_key_block, BlockFault.BadProducer),
        ("signed by another key", Block(h, OTHER_PRODUCER.sign(b"x"), b1.calls), BlockFault.BadSignature),
        (
            "seal of another header",
            Block(h, reseal(b1, number=9).signature, b1.calls),
            BlockFault.BadSignature,
        ),
        ("a call dropped", attrs.evolve(b1, calls=b1.calls[1:]), BlockFault.WrongCallsHash),
        ("other results", reseal(b1, results_hash=bytes(32)), BlockFault.WrongResultsHash),
        ("other commitment", reseal(b1, state_commitment=bytes(32)), BlockFault.WrongCommitment),
    ]


@pytest.mark.parametrize("index", range(10))
def test_forged_blocks_are_refused(index: int) -> None:
    """BLK-31 BLK-32 BLK-33 BLK-34 BLK-35 BLK-36 BLK-37 BLK-39 BLK-40 BLK-41: each forged header field is
    refused with its fault, and the tip is untouched."""
    t0, b1, _, _, _ = _two_blocks()
    name, forged, fault = _forgeries(t0, b1)[index]
    before = (t0.state, t0.commitment.root, t0.header)
    with pytest.raises(BlockError) as e:
        execute_block(t0, forged, SPEC)
    assert e.value.fault is fault, name
    assert str(e.value).startswith(fault.value)
    assert (t0.state, t0.commitment.root, t0.header) == before


def test_too_many_calls() -> None:
    """BLK-05 BLK-37: a block of more than MAX_BLOCK_CALLS calls is refused, and not built."""
    t0, b1, _, _, _ = _two_blocks()
    many = (b1.calls[0],) * (MAX_BLOCK_CALLS + 1)
    with pytest.raises(BlockError) as e:
        execute_block(t0, attrs.evolve(b1, calls=many), SPEC)
    assert e.value.fault is BlockFault.TooManyCalls
    with pytest.raises(ValueError):
        build_block(t0, many, PRODUCER, SPEC)
    with pytest.raises(ValueError):
        build_block(t0, [], OTHER_PRODUCER, SPEC)


def test_seal_and_results_records() -> None:
    """BLK-09 BLK-07: `seal` signs a header; results list hook events before receipts' events."""
    t0 = tip0()
    h = attrs.evolve(t0.header, number=1, producer=PRODUCER.account_id)
    b = seal(h, PRODUCER)
    assert b.calls == () and b.number == 1 and b.hash == header_hash(h)
    r = BlockResults((), (Receipt.of(Error.StaleNonce, ()),))
    assert r.receipts[0].error is Error.StaleNonce and r.events == ()


def test_checked_signatures_are_not_verified_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """BLK-25: positions the host already checked skip `check_signatures`; the run is the same as
    without, and every other validity check (here a stale nonce) still applies to them."""
    import sc4it.runtime as runtime

    t0 = tip0()
    good = [transfer(t0.state), transfer(t0.state, BOB, ALICE, at=0), transfer(t0.state, at=0)]
    env = BlockEnv(1, SPEC.timestamp_of(1))
    plain = run_block(t0.state, env, good)
    seen: list[object] = []
    real = runtime.check_signatures

    def check(signed: object) -> object:
        seen.append(signed)
        return real(signed)  # type: ignore[arg-type]

    monkeypatch.setattr(runtime, "check_signatures", check)
    fast = run_block(t0.state, env, good, checked={0, 2})
    assert seen == [good[1]]
    assert commitment_root(fast.state) == commitment_root(plain.state)
    assert (fast.included, fast.receipts, fast.excluded, fast.touched) == (
        plain.included,
        plain.receipts,
        plain.excluded,
        plain.touched,
    )
    assert [i for i, _, e in fast.excluded] == [2] and fast.excluded[0][2] is Error.StaleNonce
    forged = attrs.evolve(
        good[1], call=calls.Transfer(ALICE.account_id, 2 * TFT)
    )  # a bad signature is refused where it is not said checked
    assert run_block(t0.state, env, [good[0], forged], checked={0}).excluded[0][2] is Error.BadSignature


@pytest.mark.parametrize("count", [0, 1, 23, 24, 255, 256])
def test_calls_encoded_once(count: int) -> None:
    """BLK-06 MEM-01: `encode_calls` is the canonical encoding of the calls as an array (what
    `calls_hash` hashes), made from each call's own encoding, with each call's hash; given the
    encodings it encodes nothing and gives the same (array heads at every length boundary)."""
    t0 = tip0()
    one = [transfer(t0.state, at=n) for n in range(min(count, 3))]
    many = [one[i % len(one)] for i in range(count)] if one else []
    data, hashes = encode_calls(many)
    assert data == encode(tuple(many), tuple[SignedCall, ...])
    assert calls_hash(many) == calls_hash(tuple(decode(data, tuple[SignedCall, ...], max_bytes=None)))
    assert hashes == tuple(call_hash(c) for c in many)
    assert encode_calls(many, [encode(c) for c in many]) == (data, hashes)


def test_build_block_with_checked_calls_and_their_encodings(monkeypatch: pytest.MonkeyPatch) -> None:
    """BLK-25 BLK-30: a producer that admitted its calls passes the positions it checked and their
    encodings: the same block (also when calls are left out), the store's calls bytes and hashes
    (`Executed.calls_bytes`, `call_hashes`) are those of the block's calls, and execute_block gives
    the same."""
    import sc4it.runtime as runtime

    t0 = tip0()
    good = transfer(t0.state)
    stale = transfer(t0.state, BOB, ALICE, at=5)  # FutureNonce: left out
    other = transfer(t0.state, BOB, CHARLIE)
    batch = [stale, good, other]
    plain = build_block(t0, batch, PRODUCER, SPEC)
    verified: list[object] = []
    real = runtime.check_signatures

    def check(signed: SignedCall) -> Error | None:
        verified.append(signed)
        return real(signed)

    monkeypatch.setattr(runtime, "check_signatures", check)
    fast = build_block(t0, batch, PRODUCER, SPEC, checked=range(3), encodings=[encode(c) for c in batch])
    assert verified == []
    assert fast.block == plain.block and fast.block.calls == (good, other)
    assert fast.calls_bytes == plain.calls_bytes == encode((good, other), tuple[SignedCall, ...])
    assert fast.call_hashes == plain.call_hashes == (call_hash(good), call_hash(other))
    again = execute_block(t0, fast.block, SPEC)
    assert (again.calls_bytes, again.call_hashes) == (fast.calls_bytes, fast.call_hashes)
