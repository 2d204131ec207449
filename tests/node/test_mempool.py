"""The mempool (spec/node.md, MEM-01..MEM-10)."""

from __future__ import annotations

import attrs
import pytest

from sc4it.block import build_block, call_hash
from sc4it.genesis import dev_keypair
from sc4it.kernel import calls
from sc4it.kernel.codec import encode
from sc4it.kernel.errors import Error
from sc4it.kernel.signing import Mortality, MultisigSpec, sign
from sc4it.node.mempool import MAX_FUTURE, Mempool, MempoolError, MempoolReason

from .helpers import ALICE, BOB, CHARLIE, PRODUCER, SPEC, tip0, transfer, world


def _refused(pool: Mempool, signed: object) -> MempoolError:
    before = len(pool)
    with pytest.raises(MempoolError) as e:
        pool.add(signed)  # type: ignore[arg-type]
    assert len(pool) == before  # MEM-07: nothing changes
    return e.value


def test_admits_valid_calls_and_returns_their_hash() -> None:
    """MEM-01 MEM-02: a valid call is admitted under the hash of its canonical encoding."""
    pool = Mempool(world())
    s = transfer(world())
    h = pool.add(s)
    assert h == call_hash(s) and len(h) == 32 and h in pool and pool.get(h) == s and len(pool) == 1
    assert pool.get(bytes(32)) is None


def test_invalid_calls_are_refused_with_their_error() -> None:
    """MEM-02 MEM-07: chain id, multisig spec, signer, signatures, each refused with the sc4it Error."""
    w = world()
    pool = Mempool(w)
    wrong_chain = sign(calls.Transfer(BOB.account_id, 1), ALICE, 0, bytes(32))
    assert _refused(pool, wrong_chain).error is Error.WrongChainId
    stranger = dev_keypair("stranger")
    e = _refused(pool, sign(calls.Transfer(BOB.account_id, 1), stranger, 0, w.chain_id))
    assert (
        e.error is Error.UnknownSigner
        and e.reason is None
        and e.name == "UnknownSigner"
        and "no account" in e.message
    )
    bad_sig = attrs.evolve(transfer(w), signatures=transfer(w, BOB).signatures)
    assert _refused(pool, bad_sig).error is Error.BadSignature
    spec = MultisigSpec.of(2, [ALICE.account_id, BOB.account_id])
    broken = attrs.evolve(
        sign(calls.Transfer(BOB.account_id, 1), [ALICE, BOB], 0, w.chain_id, multisig=spec),
        multisig=MultisigSpec(3, spec.signatories),
    )
    assert _refused(pool, broken).error is Error.InvalidMultisig


def test_malformed_calls_and_bad_eras_are_refused_with_their_error() -> None:
    """MEM-02 MEM-07 SIG-15 SIG-16: a call outside its declared bounds and a mortal call with a period
    that is not a power of two are refused with their sc4it error and a message (not an exception)."""
    w = world()
    pool = Mempool(w)
    good = sign(calls.Transfer(BOB.account_id, 1), ALICE, 0, w.chain_id)
    malformed = attrs.evolve(good, call=calls.Transfer(BOB.account_id, -1))
    e = _refused(pool, malformed)
    assert e.error is Error.MalformedCall and "bounds" in e.message
    odd_era = sign(calls.Transfer(BOB.account_id, 1), ALICE, 0, w.chain_id, mortality=Mortality(0, 6))
    e = _refused(pool, odd_era)
    assert e.error is Error.InvalidEra and "power of two" in e.message


def test_nonces_stale_and_future() -> None:
    """MEM-03 MEM-04 MEM-08: stale nonces are refused, future ones wait (up to MAX_FUTURE ahead) and
    become ready when the gap closes."""
    tip = tip0()
    ex = build_block(tip, [transfer(tip.state)], PRODUCER, SPEC)  # alice's nonce is now 1
    pool = Mempool(ex.tip.state)
    assert _refused(pool, transfer(ex.tip.state, at=0)).error is Error.StaleNonce
    assert _refused(pool, transfer(ex.tip.state, at=1 + MAX_FUTURE + 1)).error is Error.FutureNonce
    far = transfer(ex.tip.state, at=1 + MAX_FUTURE)
    pool.add(far)
    later = transfer(ex.tip.state, at=3)
    pool.add(later)
    assert pool.ready() == [] and len(pool) == 2
    first = transfer(ex.tip.state, at=1)
    pool.add(first)
    assert pool.ready() == [first]
    second = transfer(ex.tip.state, at=2)
    pool.add(second)
    assert pool.ready() == [first, second, later]
    assert pool.ready(limit=2) == [first, second]


def test_bounds_and_duplicates() -> None:
    """MEM-05: too large, already known, nonce taken."""
    w = world()
    s = transfer(w)
    pool = Mempool(w, max_call_bytes=len(encode(s)) - 1)
    assert _refused(pool, s).reason is MempoolReason.TooLarge
    pool = Mempool(w)
    pool.add(s)
    e = _refused(pool, s)
    assert e.reason is MempoolReason.AlreadyKnown and e.error is None and e.name == "AlreadyKnown"
    assert _refused(pool, transfer(w, ALICE, CHARLIE)).reason is MempoolReason.NonceTaken


def test_caps() -> None:
    """MEM-06: the pool's count, its bytes and each account's count are capped."""
    w = world()
    pool = Mempool(w, max_per_account=2, max_calls=3)
    pool.add(transfer(w, at=0))
    pool.add(transfer(w, at=1))
    assert _refused(pool, transfer(w, at=2)).reason is MempoolReason.AccountFull
    pool.add(transfer(w, BOB, ALICE))
    assert _refused(pool, transfer(w, CHARLIE, ALICE)).reason is MempoolReason.PoolFull
    one = len(encode(transfer(w)))
    pool = Mempool(w, max_call_bytes=one + 10, max_total_bytes=2 * one + 10)
    pool.add(transfer(w, at=0))
    pool.add(transfer(w, BOB, ALICE))
    assert pool.total_bytes == 2 * one
    assert _refused(pool, transfer(w, CHARLIE, ALICE)).reason is MempoolReason.PoolFull
    pool.remove([call_hash(transfer(w, at=0))])
    assert pool.total_bytes == one
    pool.update(build_block(tip0(), [transfer(w, BOB, ALICE)], PRODUCER, SPEC).tip.state)
    assert pool.total_bytes == 0 and len(pool) == 0


def test_ready_order_across_accounts() -> None:
    """MEM-08: account by account in the order they joined, each in nonce order."""
    w = world()
    pool = Mempool(w)
    b0 = transfer(w, BOB, ALICE, at=0)
    a1 = transfer(w, ALICE, BOB, at=1)
    a0 = transfer(w, ALICE, BOB, at=0)
    c0 = transfer(w, CHARLIE, ALICE, 1, at=0)
    for s in (b0, a1, a0, c0):
        pool.add(s)
    assert pool.ready() == [b0, a0, a1, c0]


def test_after_a_block() -> None:
    """MEM-09 MEM-10: after a block, stale calls go, the next index follows the ready calls."""
    tip = tip0()
    pool = Mempool(tip.state)
    a0, a1, a3 = transfer(tip.state, at=0), transfer(tip.state, at=1), transfer(tip.state, at=3)
    for s in (a0, a1, a3):
        pool.add(s)
    assert pool.next_nonce(ALICE.account_id) == 2 and pool.next_nonce(BOB.account_id) == 0
    # a block includes a0 and a competing call with nonce 1 (sent elsewhere)
    other1 = transfer(tip.state, ALICE, CHARLIE, at=1)
    ex = build_block(tip, [a0, other1], PRODUCER, SPEC)
    dropped = pool.update(ex.tip.state)
    assert set(dropped) == {call_hash(a0), call_hash(a1)}
    assert pool.ready() == [] and len(pool) == 1 and pool.next_nonce(ALICE.account_id) == 2
    a2 = transfer(ex.tip.state, at=2)
    pool.add(a2)
    assert pool.ready() == [a2, a3] and pool.next_nonce(ALICE.account_id) == 4
    pool.remove([call_hash(a2), call_hash(a3), bytes(32)])
    assert len(pool) == 0 and pool.next_nonce(ALICE.account_id) == 2
