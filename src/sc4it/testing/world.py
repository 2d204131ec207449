"""`World`: a small mutable handle on a chain under test, for properties and state machines.

It holds the current `State`, the number and timestamp of the block being built, and named signers
(the dev keys of the default genesis, the council / oracle multisigs, and any key added later).
Calls are applied in the current block; `advance` moves to the next block and runs its hooks (billing)
first, as a host does (`sc4it.host.chain.Chain`); `jump` skips blocks without running their hooks (a host that
was down, or a long gap); time only moves forward.

Everything goes through the public core (`apply`, `on_block`, `sign`), so what a property observes is
exactly what a host would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from sc4it import genesis as gen
from sc4it.kernel.calls import Call
from sc4it.kernel.events import Event
from sc4it.kernel.signing import Keypair, MultisigSpec, SignedCall, sign
from sc4it.kernel.state import Config, State
from sc4it.kernel.tx import BlockEnv
from sc4it.runtime import Outcome, apply, on_block

T0_MS = 1_628_082_000_000
"""Timestamp of block 0 (TFChain's pallet test mock: block n is at T0 + 6000·n ms)."""
BLOCK_MS = 6000

TEST_CONFIG = Config(billing_frequency=10, grace_period=100, distribution_frequency=4)
"""A fast world for property tests: TFChain's mock cycle (10 blocks = 60 s) and grace (100 blocks), and a
reward distribution every 4 cycles (production: 24) so distributions happen within short histories."""


@attrs.frozen(slots=True)
class Signer:
    """Who signs: one key, or `keys` signing for the multisig account `multisig`."""

    name: str
    keys: tuple[Keypair, ...]
    multisig: MultisigSpec | None = None

    @property
    def account_id(self) -> bytes:
        return self.keys[0].account_id if self.multisig is None else self.multisig.account_id()

    def sign(self, call: Call, nonce: int, chain_id: bytes) -> SignedCall:
        if self.multisig is None:
            return sign(call, self.keys[0], nonce, chain_id)
        return sign(call, list(self.keys), nonce, chain_id, multisig=self.multisig)


def default_signers() -> dict[str, Signer]:
    """The default genesis' signers: every dev key by name (the bridge validators are `bridge-1..3`),
    plus `council` (2 of 3 signing) and `oracle`."""
    out = {name: Signer(name, (gen.dev_keypair(name),)) for name in gen.DEV_NAMES}
    out["council"] = Signer("council", gen.council_keys()[:2], gen.council_multisig())
    out["oracle"] = Signer("oracle", gen.oracle_keys(), gen.oracle_multisig())
    return out


def default_state(config: Config | None = None) -> State:
    """The default genesis world, with `config` instead of the production constants if given (another
    config is another genesis, hence another chain id)."""
    if config is None:
        return gen.default()
    return gen.build(attrs.evolve(gen.default_genesis(), config=config))


class World:
    """See the module docstring. Mutable: `state`, `block` and `timestamp_ms` move as calls and blocks
    are applied; `signers` can grow (`add_key`)."""

    def __init__(
        self,
        state: State,
        signers: dict[str, Signer] | None = None,
        *,
        block: int = 1,
        timestamp_ms: int | None = None,
    ) -> None:
        self.state = state
        self.signers: dict[str, Signer] = dict(default_signers() if signers is None else signers)
        self.block = block
        self.timestamp_ms = T0_MS + BLOCK_MS * block if timestamp_ms is None else timestamp_ms
        self.last_signed: SignedCall | None = None
        """The last signed call that was applied successfully (for replay tests)."""

    @classmethod
    def default(cls, config: Config | None = TEST_CONFIG) -> World:
        """The default genesis world (with `TEST_CONFIG` unless another config, or None for the
        production constants, is given) at block 1."""
        return cls(default_state(config))

    def copy(self) -> World:
        """An independent handle on the same (immutable) state, block, time and signers."""
        twin = World(self.state, self.signers, block=self.block, timestamp_ms=self.timestamp_ms)
        twin.last_signed = self.last_signed
        return twin

    # ---------------------------------------------------------------------------------------------
    # Looking things up

    @property
    def env(self) -> BlockEnv:
        return BlockEnv(self.block, self.timestamp_ms)

    @property
    def now(self) -> int:
        """Seconds (what handlers see as `tx.now`)."""
        return self.timestamp_ms // 1000

    def account(self, who: str | bytes) -> bytes:
        return who if isinstance(who, bytes) else self.signers[who].account_id

    def name_of(self, account: bytes) -> str | None:
        """The signer name of an account, if it is one of ours."""
        for name, signer in self.signers.items():
            if signer.account_id == account:
                return name
        return None

    def nonce(self, who: str | bytes) -> int:
        info = self.state.accounts.get(self.account(who))
        return 0 if info is None else info.nonce

    def free(self, who: str | bytes) -> int:
        info = self.state.accounts.get(self.account(who))
        return 0 if info is None else info.free

    def twin_id(self, who: str | bytes) -> int | None:
        return self.state.twin_id_by_account_id.get(self.account(who))

    def twin_owner(self, twin_id: int) -> str | None:
        """The signer name owning twin `twin_id`, if it is one of ours."""
        twin = self.state.twins.get(twin_id)
        return None if twin is None else self.name_of(twin.account_id)

    def add_key(self, name: str) -> Signer:
        """A new named single-key signer (`genesis.dev_keypair(name)`); it has no account until funded."""
        signer = Signer(name, (gen.dev_keypair(name),))
        self.signers[name] = signer
        return signer

    # ---------------------------------------------------------------------------------------------
    # Calls

    def sign(
        self, who: str, call: Call, *, nonce: int | None = None, chain_id: bytes | None = None
    ) -> SignedCall:
        """`call` signed by `who` with its current nonce for this chain (unless told otherwise)."""
        signer = self.signers[who]
        n = self.nonce(who) if nonce is None else nonce
        return signer.sign(call, n, self.state.chain_id if chain_id is None else chain_id)

    def submit(self, signed: SignedCall) -> Outcome:
        """Apply a signed call in the current block; keep the new state when it succeeds."""
        out = apply(self.state, signed, self.env)
        if out.ok:
            self.state = out.state
            self.last_signed = signed
        return out

    def call(self, who: str, call: Call) -> Outcome:
        """Sign `call` as `who` and apply it in the current block."""
        return self.submit(self.sign(who, call))

    def ok(self, who: str, call: Call) -> tuple[Event, ...]:
        """Apply a call that must succeed; its events."""
        out = self.call(who, call)
        if not out.ok:
            raise AssertionError(f"{type(call).__name__} by {who} failed with {out.error}")
        return out.events

    # ---------------------------------------------------------------------------------------------
    # Blocks and time

    def advance(self, blocks: int = 1) -> list[Outcome]:
        """Move to the next block `blocks` times, running each block's hooks (billing) on arrival."""
        outs = []
        for _ in range(blocks):
            self.block += 1
            self.timestamp_ms += BLOCK_MS
            out = on_block(self.state, self.env)
            self.state = out.state
            outs.append(out)
        return outs

    def jump(self, blocks: int, extra_ms: int = 0) -> None:
        """Skip `blocks` blocks without running their hooks; time moves `blocks · 6 s + extra_ms`."""
        self.block += blocks
        self.timestamp_ms += BLOCK_MS * blocks + max(extra_ms, 0)

    def run(self, steps: Iterable[tuple[str, Call]]) -> list[Outcome]:
        """Apply (who, call) pairs in order in the current block; the outcomes."""
        return [self.call(who, c) for who, c in steps]


def users(world: World) -> Sequence[str]:
    """Signer names that own a twin and no node (the ones that make contracts)."""
    out = []
    for name, signer in world.signers.items():
        twin = world.state.twin_id_by_account_id.get(signer.account_id)
        if twin is not None and twin not in world.state.node_id_by_twin_id:
            out.append(name)
    return out
