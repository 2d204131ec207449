"""Encoding: a signed call's encode / decode, and the state commitments.

- `encode` / `decode` (strict: re-encoded and compared) of a signed `CreateNodeContract`;
- `state_root` (the plain root, ENC-12, streamed) at 100k and 1M: O(state), for audits;
- the incremental commitment (spec/commitment.md) after a billing block: `Commitment.update` with the
  block's `touched`, at 1k, 100k and 1M (O(entries changed)); `Commitment.of` (from scratch) is built
  once per size and reported too.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from sc4it.kernel.codec import decode, encode
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.root import state_root
from sc4it.kernel.signing import SignedCall
from sc4it.runtime import on_block

from .bench_billing import world
from .bench_contracts import signed_create
from .report import SIZES, median_us, record

_commitments: dict[int, tuple[Commitment, float]] = {}


def commitment_of(n: int) -> tuple[Commitment, float]:
    if n not in _commitments:
        t = time.perf_counter()
        c = Commitment.of(world(n).state)
        _commitments[n] = (c, time.perf_counter() - t)
    return _commitments[n]


def test_encode_signed_call(benchmark: Any) -> None:
    _, signed = signed_create(1_000)
    data = encode(signed)
    benchmark.pedantic(encode, args=(signed,), rounds=2000, iterations=1, warmup_rounds=50)
    value = median_us(benchmark)
    if value is not None:
        record(benchmark, "encode a signed CreateNodeContract", 0, value, "µs", note=f"{len(data)} bytes")


def test_decode_signed_call(benchmark: Any) -> None:
    _, signed = signed_create(1_000)
    data = encode(signed)
    assert decode(data, SignedCall) == signed
    benchmark.pedantic(decode, args=(data, SignedCall), rounds=2000, iterations=1, warmup_rounds=50)
    value = median_us(benchmark)
    if value is not None:
        record(benchmark, "decode a signed CreateNodeContract (strict)", 0, value, "µs")


@pytest.mark.parametrize("n", SIZES[1:], ids=lambda n: f"{n}-contracts")
def test_state_root(benchmark: Any, n: int) -> None:
    state = world(n).state
    benchmark.pedantic(state_root, args=(state,), rounds=1, iterations=1)
    value = median_us(benchmark)
    if value is not None:
        record(benchmark, "state_root (plain, O(state))", n, value / 1e6, "s")


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"{n}-contracts")
def test_commitment_update_per_block(benchmark: Any, n: int) -> None:
    pop = world(n)
    c, scratch_s = commitment_of(n)
    out = on_block(pop.state, pop.env)
    expected = c.update(out.state, out.touched)
    if n <= 100_000:
        assert expected.root == Commitment.of(out.state).root
    rounds = 200 if n < 1_000_000 else 30
    benchmark.pedantic(c.update, args=(out.state, out.touched), rounds=rounds, iterations=1, warmup_rounds=2)
    value = median_us(benchmark)
    if value is not None:
        keys = len(out.touched)
        note = f"{keys} keys touched by the block; Commitment.of (from scratch) took {scratch_s:.1f} s"
        record(benchmark, "commitment update after on_block", n, value / 1000, "ms", note=note)
