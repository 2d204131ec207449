"""Steps of random histories and their execution (see `sc4it.testing.actions`): a call by a named signer,
a pre-signed (possibly hostile) call, raw bytes, blocks (with their hooks) or a time jump; `execute(world,
step)` runs one and returns the transitions it made. Also the resolution helpers actions pick ids and
signers with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs
from hypothesis import strategies as st

from sc4it.kernel import calls as c
from sc4it.kernel.codec import decode
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.events import Event
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv
from sc4it.runtime import Outcome, apply, on_block
from sc4it.testing.bridge import deposit_calls
from sc4it.testing.world import BLOCK_MS, World, users

MISSING = 15
"""A reference of this value names an id that does not exist."""
REF = st.integers(0, MISSING)

# ==================================================================================================
# Steps and their execution


@attrs.frozen(slots=True)
class CallStep:
    """`call` signed by the signer named `who` (current nonce, this chain)."""

    who: str
    call: c.Call


def deposit_steps(world: World, dest: bytes, amount: int) -> list[Step]:
    """A bridge deposit of `amount` to `dest`: the votes of a majority of the bridge validators."""
    names = {name: signer.account_id for name, signer in world.signers.items()}
    return [CallStep(who, call) for who, call in deposit_calls(world.state, names, dest, amount)]


@attrs.frozen(slots=True)
class SignedStep:
    """A pre-signed call; `hostile` ones must be rejected (SIG-05..SIG-10)."""

    signed: SignedCall
    hostile: bool = True
    why: str = ""


@attrs.frozen(slots=True)
class BytesStep:
    """Untrusted bytes offered as a signed call: `decode` then `apply`."""

    data: bytes


@attrs.frozen(slots=True)
class BlocksStep:
    """Move `blocks` blocks forward, running each block's hooks (billing)."""

    blocks: int


@attrs.frozen(slots=True)
class JumpStep:
    """Skip `blocks` blocks without running their hooks; time moves `blocks · 6 s + extra_ms`."""

    blocks: int
    extra_ms: int = 0


Step = CallStep | SignedStep | BytesStep | BlocksStep | JumpStep


@attrs.frozen(slots=True)
class Transition:
    """One state transition: `outcome` of applying `signed` (or of `on_block` when `signed` is None) to
    `before` at `env`; `hostile` when the input had to be rejected."""

    before: State
    outcome: Outcome
    env: BlockEnv
    signed: SignedCall | None = None
    hostile: bool = False
    why: str = ""

    @property
    def events(self) -> tuple[Event, ...]:
        return self.outcome.events


def execute(world: World, step: Step) -> list[Transition]:
    """Run one step on `world` (mutating it); the transitions made. A `BytesStep` whose bytes do not
    decode makes no transition (`decode` raised `DecodeError`, as it must); any other exception
    propagates (a bug: `apply` and `on_block` never raise)."""
    if isinstance(step, BlocksStep | JumpStep):
        if isinstance(step, JumpStep):
            world.jump(step.blocks, step.extra_ms)
            return []
        out: list[Transition] = []
        for _ in range(step.blocks):
            before = world.state
            world.block += 1
            world.timestamp_ms += BLOCK_MS
            env = world.env
            outcome = on_block(before, env)
            world.state = outcome.state
            out.append(Transition(before, outcome, env))
        return out
    hostile, why = False, ""
    if isinstance(step, CallStep):
        try:
            signed = world.sign(step.who, step.call)
        except DecodeError:  # SIG-15: a call the codec would refuse is refused at signing
            return []
    elif isinstance(step, SignedStep):
        signed, hostile, why = step.signed, step.hostile, step.why
    else:
        try:
            signed = decode(step.data, SignedCall)
        except DecodeError:
            return []
        hostile, why = True, "random bytes"
    before, env = world.state, world.env
    outcome = apply(before, signed, env)
    if outcome.ok:
        world.state = outcome.state
        world.last_signed = signed
    return [Transition(before, outcome, env, signed, hostile, why)]


def run_action(world: World, action: Action) -> list[Transition]:
    """Resolve `action` against `world` and execute its steps."""
    out: list[Transition] = []
    for step in action.resolve(world):
        out += execute(world, step)
    return out


# ==================================================================================================
# Resolution helpers


def pick(items: Sequence[int], ref: int) -> int | None:
    if ref == MISSING or not items:
        return None
    return items[ref % len(items)]


def pick_contract(world: World, ref: int) -> int:
    found = pick(sorted(world.state.contracts), ref)
    return world.state.contract_id + 1 if found is None else found


def pick_node(world: World, ref: int) -> int:
    found = pick(sorted(world.state.nodes), ref)
    return world.state.node_id + 1 if found is None else found


def pick_farm(world: World, ref: int) -> int:
    found = pick(sorted(world.state.farms), ref)
    return world.state.farm_id + 1 if found is None else found


def pick_user(world: World, ref: int) -> str:
    names = sorted(users(world))
    return names[ref % len(names)] if names else "alice"


def pick_anyone(world: World, ref: int) -> str:
    """Any signer that has an account (so its calls pass SIG-07)."""
    names = sorted(n for n, s in world.signers.items() if s.account_id in world.state.accounts)
    return names[ref % len(names)] if names else "alice"


def owner_or(world: World, twin_id: int | None, as_owner: bool, ref: int) -> str:
    if as_owner and twin_id is not None:
        owner = world.twin_owner(twin_id)
        if owner is not None:
            return owner
    return pick_user(world, ref)


def contract_owner(world: World, cid: int, as_owner: bool, ref: int) -> str:
    contract = world.state.contracts.get(cid)
    return owner_or(world, None if contract is None else contract.twin_id, as_owner, ref)


def node_twin(world: World, node_id: int, ref: int) -> str:
    node = world.state.nodes.get(node_id)
    owner = None if node is None else world.twin_owner(node.twin_id)
    return owner if owner is not None else pick_anyone(world, ref)


def farmer_of(world: World, farm_id: int, as_owner: bool, ref: int) -> str:
    farm = world.state.farms.get(farm_id)
    return owner_or(world, None if farm is None else farm.twin_id, as_owner, ref)


def node_of_contract(world: World, cid: int) -> int:
    contract = world.state.contracts.get(cid)
    return 0 if contract is None else contract.node_id()


def hash_of(n: int) -> bytes:
    return bytes([n % 256]) * 32


class Action(Protocol):
    def resolve(self, world: World) -> list[Step]: ...
