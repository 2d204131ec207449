"""Cost of `apply` for a signed transfer and a twin creation in worlds of 1k, 100k and 1M accounts,
relative to a bare ed25519 verification of the same signed message (target: at most 1.5x, flat across
sizes). Worlds are built directly (`PMap.update_many`), not by signed calls, and cached per session."""

from __future__ import annotations

import hashlib
import statistics
import timeit
from typing import Any

import nacl.bindings
import pytest

from sc4it import calls
from sc4it.kernel.pmap import PMap
from sc4it.kernel.signing import Keypair, SignedCall, sign
from sc4it.kernel.state import STATE_FIELDS, Config, State
from sc4it.kernel.tx import BlockEnv
from sc4it.kernel.types import AccountInfo, Roles, Twin
from sc4it.runtime import apply

from .conftest import RESULTS

SIZES = [1_000, 100_000, 1_000_000]
ENV = BlockEnv(1, 1_700_000_006_000)
CHAIN_ID = hashlib.blake2b(b"sc4it/bench/chain", digest_size=32).digest()
FUNDS = 10**12


def _key(name: str) -> Keypair:
    return Keypair.from_seed(hashlib.blake2b(b"sc4it/bench/" + name.encode(), digest_size=32).digest())


SENDER, RECEIVER, NEWCOMER = _key("sender"), _key("receiver"), _key("newcomer")

_worlds: dict[int, State] = {}


def world(n: int) -> State:
    """`n` funded accounts, each with a twin, plus the benchmark's sender (with a twin), receiver and a
    funded account without a twin (the CreateTwin signer). Built once per size and session."""
    if n in _worlds:
        return _worlds[n]
    ids = [i.to_bytes(32, "big") for i in range(1, n + 1)]
    ids[0], ids[1] = SENDER.account_id, RECEIVER.account_id
    info = AccountInfo(0, FUNDS, 0, 0)  # one shared immutable value
    accounts = PMap[bytes, AccountInfo]().update_many(
        [*((a, info) for a in ids), (NEWCOMER.account_id, info)]
    )
    twins = PMap[int, Twin]().update_many((i + 1, Twin(i + 1, a)) for i, a in enumerate(ids))
    by_account = PMap[bytes, int]().update_many((a, i + 1) for i, a in enumerate(ids))
    total = FUNDS * (n + 1)
    roles = Roles(bytes(32), bytes(32), bytes(32))
    empty = State.empty(Config(), roles, chain_id=CHAIN_ID)
    changes: dict[str, Any] = {
        "accounts": accounts,
        "total_issuance": total,
        "minted": total,
        "twins": twins,
        "twin_id_by_account_id": by_account,
        "twin_id": n,
    }
    state = State(*(changes.get(name, getattr(empty, name)) for name in STATE_FIELDS))
    _worlds[n] = state
    return state


def interleaved_us(state: State, signed: SignedCall, rounds: int = 30, number: int = 100) -> dict[str, float]:
    """Time `apply` and a bare libsodium verification of the same signature over the same payload in
    alternating batches (so a noisy neighbour hits both alike); µs per call, minimum and median."""
    sig = signed.signatures[0]
    smsg, pk = sig.signature + signed.payload(), sig.public_key
    timer_apply = timeit.Timer(lambda: apply(state, signed, ENV))
    timer_verify = timeit.Timer(lambda: nacl.bindings.crypto_sign_open(smsg, pk))
    a: list[float] = []
    v: list[float] = []
    for _ in range(rounds):
        a.append(timer_apply.timeit(number) / number * 1e6)
        v.append(timer_verify.timeit(number) / number * 1e6)
    return {
        "min_us": min(a),
        "verify_min_us": min(v),
        "ratio": min(a) / min(v),
        "median_us": statistics.median(a),
        "verify_median_us": statistics.median(v),
        "ratio_median": statistics.median(a) / statistics.median(v),
    }


def _measure(benchmark: Any, op: str, n: int, call: calls.Call, signer: Keypair) -> None:
    state = world(n)
    signed = sign(call, signer, 0, CHAIN_ID)
    out = apply(state, signed, ENV)
    assert out.error is None, out.error
    benchmark(apply, state, signed, ENV)
    if getattr(benchmark, "disabled", False):
        return
    row: dict[str, Any] = {"op": op, "accounts": n, **interleaved_us(state, signed)}
    benchmark.extra_info.update(row)
    RESULTS.append(row)


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"{n}-accounts")
def test_signed_transfer(benchmark: Any, n: int) -> None:
    _measure(benchmark, "Transfer", n, calls.Transfer(RECEIVER.account_id, 10**7), SENDER)


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"{n}-accounts")
def test_create_twin(benchmark: Any, n: int) -> None:
    _measure(benchmark, "CreateTwin", n, calls.CreateTwin(b"relay.grid.tf", bytes(32)), NEWCOMER)


def test_bare_verify(benchmark: Any) -> None:
    """The unit of the table: one ed25519 verification of a transfer's signed message."""
    signed = sign(calls.Transfer(RECEIVER.account_id, 10**7), SENDER, 0, CHAIN_ID)
    sig = signed.signatures[0]
    smsg, pk = sig.signature + signed.payload(), sig.public_key
    benchmark(nacl.bindings.crypto_sign_open, smsg, pk)
