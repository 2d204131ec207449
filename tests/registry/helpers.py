"""Shared helpers for the registry tests: the default world, signing as a dev key or a role, and the
"a failed call changes nothing" check (spec/registry.md, conventions)."""

from __future__ import annotations

from typing import Any

import attrs

from sc4it import Outcome, apply, calls, genesis, sign, state_root
from sc4it.kernel.errors import Error
from sc4it.kernel.signing import Keypair
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv, Tx
from sc4it.kernel.types import Policy, Resources, Unit

GIB = 1 << 30
BLOCK = 100
ENV = BlockEnv(BLOCK, 1_700_000_000_000)

# default world (see the preamble / spec/genesis.md)
ALICE_TWIN, BOB_TWIN, FARMER1_TWIN, FARMER2_TWIN = 1, 2, 5, 6
NODE_TWINS = {1: 7, 2: 8, 3: 9, 4: 10}


def world() -> State:
    return genesis.default()


def key(name: str) -> Keypair:
    return genesis.dev_keypair(name)


def account(name: str) -> bytes:
    return key(name).account_id


def nonce(state: State, who: bytes) -> int:
    info = state.accounts.get(who)
    return 0 if info is None else info.nonce


def run(state: State, name: str, call: calls.Call, env: BlockEnv = ENV) -> Outcome:
    """`call` signed by the dev key `name`."""
    k = key(name)
    return apply(state, sign(call, k, nonce(state, k.account_id), state.chain_id), env)


def council(state: State, call: calls.Call, env: BlockEnv = ENV, signers: int = 2) -> Outcome:
    """`call` from the council multisig (2-of-3 by default)."""
    spec = genesis.council_multisig()
    who = spec.account_id()
    keys = list(genesis.council_keys())[:signers]
    return apply(state, sign(call, keys, nonce(state, who), state.chain_id, multisig=spec), env)


def oracle(state: State, call: calls.Call, env: BlockEnv = ENV) -> Outcome:
    """`call` from the oracle multisig (1-of-1)."""
    spec = genesis.oracle_multisig()
    who = spec.account_id()
    return apply(
        state, sign(call, list(genesis.oracle_keys()), nonce(state, who), state.chain_id, multisig=spec), env
    )


def ok(out: Outcome) -> State:
    assert out.error is None, out.error
    return out.state


def failed(state: State, out: Outcome, error: Error) -> None:
    """The call failed with `error` and changed nothing: the very input state, the same root, no events."""
    assert out.error == error, (out.error, error)
    assert out.state is state
    assert out.events == ()
    assert state_root(out.state) == state_root(state)


def edit(state: State, **writes: Any) -> State:
    """The state with whole fields replaced (for worlds no call sequence can reach)."""
    return attrs.evolve(state, **writes)


def with_certifiers(state: State, *names: str) -> State:
    r = state.roles
    roles = attrs.evolve(r, node_certifiers=tuple(sorted(account(n) for n in names)))
    return edit(state, roles=roles)


def write(state: State, fn: Any) -> State:
    """Apply direct record writes through a Tx (test setup only)."""
    tx = Tx(state, ENV)
    fn(tx)
    return tx.commit()


def resources(hru: int = 0, sru: int = 100, cru: int = 1, mru: int = 2) -> Resources:
    """Resources with hru/sru/mru given in GiB."""
    return Resources(hru=hru * GIB, sru=sru * GIB, cru=cru, mru=mru * GIB)


def gb(value: int) -> Policy:
    return Policy(value, Unit.Gigabytes)


def fresh_account(state: State, name: str, free: int = 10**10) -> State:
    """Give the dev key `name` an account (so it may sign) without a twin."""
    from sc4it.kernel.types import AccountInfo

    who = account(name)
    return edit(
        state,
        accounts=state.accounts.set(who, AccountInfo(0, free)),
        total_issuance=state.total_issuance + free,
        minted=state.minted + free,
    )
