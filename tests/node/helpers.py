"""Shared helpers of the node tests: a small chain on the default genesis, signed transfers, forged
blocks."""

from __future__ import annotations

import functools
from typing import Any

import attrs

from sc4it import genesis as gen
from sc4it.block import Block, ChainSpec, Header, Tip, genesis_tip, seal_message
from sc4it.kernel import calls
from sc4it.kernel.signing import Keypair, SignedCall, sign
from sc4it.kernel.state import Config, State

TFT = 10_000_000
PRODUCER = gen.dev_keypair("producer")
OTHER_PRODUCER = gen.dev_keypair("producer-2")
ALICE = gen.dev_keypair("alice")
BOB = gen.dev_keypair("bob")
CHARLIE = gen.dev_keypair("charlie")
SPEC = ChainSpec.of([PRODUCER.account_id], block_time_ms=6000, genesis_timestamp_ms=1_700_000_000_000)


@functools.cache
def world() -> State:
    """The default genesis world (dev keys alice, bob... funded)."""
    return gen.default()


@functools.cache
def mock_world() -> State:
    """The default genesis with TFChain's test-mock config: billing every 10 blocks."""
    return gen.build(attrs.evolve(gen.default_genesis(), config=Config.tfchain_test_mock()))


def tip0(state: State | None = None, spec: ChainSpec = SPEC) -> Tip:
    return genesis_tip(world() if state is None else state, spec)


def nonce(state: State, who: Keypair) -> int:
    info = state.accounts.get(who.account_id)
    return 0 if info is None else info.nonce


def transfer(
    state: State, who: Keypair = ALICE, to: Keypair = BOB, amount: int = TFT, *, at: int | None = None
) -> SignedCall:
    """A transfer signed by `who` with its current nonce in `state` (or nonce `at`)."""
    n = nonce(state, who) if at is None else at
    return sign(calls.Transfer(to.account_id, amount), who, n, state.chain_id)


def reseal(block: Block, key: Keypair = PRODUCER, **changes: Any) -> Block:
    """`block` with header fields changed and sealed again by `key` (a forged block whose seal is
    valid)."""
    header: Header = attrs.evolve(block.header, **changes)
    return Block(header, key.sign(seal_message(header)), block.calls)
