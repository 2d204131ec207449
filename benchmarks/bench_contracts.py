"""A signed `CreateNodeContract` through `apply` at 1k, 100k and 1M live node contracts, as a ratio to a
bare ed25519 verification (libsodium `crypto_sign_open`) of the same signed message, both timed in
alternating batches (target: at most 1.5x, flat across sizes)."""

from __future__ import annotations

from typing import Any

import nacl.bindings
import pytest

from sc4it import calls
from sc4it.genesis import dev_keypair
from sc4it.kernel.signing import SignedCall, sign
from sc4it.runtime import apply

from .bench_billing import world
from .report import SIZES, interleaved, median_us, record

ALICE = dev_keypair("alice")


def signed_create(n: int) -> tuple[Any, SignedCall]:
    pop = world(n)
    state = pop.state
    node_id = state.node_id  # a population node (farm not dedicated, no rent contract)
    call = calls.CreateNodeContract(node_id, b"\x5c" * 32, b"", 0, None)
    nonce = state.accounts[ALICE.account_id].nonce
    return pop, sign(call, ALICE, nonce, state.chain_id)


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"{n}-contracts")
def test_signed_create_node_contract(benchmark: Any, n: int) -> None:
    pop, signed = signed_create(n)
    state, env = pop.state, pop.env
    out = apply(state, signed, env)
    assert out.ok, out.error
    assert out.state.contract_id == state.contract_id + 1
    benchmark.pedantic(apply, args=(state, signed, env), rounds=500, iterations=1, warmup_rounds=20)
    value = median_us(benchmark)
    if value is None:
        return
    sig = signed.signatures[0]
    smsg, pk = sig.signature + signed.payload(), sig.public_key
    t = interleaved(lambda: apply(state, signed, env), lambda: nacl.bindings.crypto_sign_open(smsg, pk))
    note = (
        f"interleaved: apply {t['median_us']:.1f} µs, bare verify {t['other_median_us']:.1f} µs, "
        f"ratio {t['ratio_median']:.2f} (medians), {t['ratio_min']:.2f} (minima)"
    )
    record(benchmark, "signed CreateNodeContract (apply)", n, value, "µs", note=note, **t)
    record(benchmark, "signed CreateNodeContract / bare verify", n, t["ratio_median"], "x")
