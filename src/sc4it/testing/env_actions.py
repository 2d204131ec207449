"""Actions on the environment: pricing policies, the TFT price, money, time, hostile input and
scenes."""

from __future__ import annotations

import attrs

from sc4it.kernel import calls as c
from sc4it.kernel.codec import encode
from sc4it.kernel.signing import Keypair, Signature
from sc4it.kernel.types import (
    ContractResources,
    Policy,
    Resources,
)
from sc4it.testing.bridge import STELLAR_TARGET
from sc4it.testing.steps import (
    BlocksStep,
    BytesStep,
    CallStep,
    JumpStep,
    SignedStep,
    Step,
    deposit_steps,
    hash_of,
    pick,
    pick_anyone,
)
from sc4it.testing.strategies import (
    GIB,
    TFT,
)
from sc4it.testing.world import World


@attrs.frozen(slots=True)
class Pricing:
    """Council: create a pricing policy, or update the `policy`-th one (keeping its name and accounts)
    with new prices. Updating policy 1 changes every later bill (billing prices with policy 1)."""

    create: bool
    policy: int
    su: int
    cu: int
    nu: int
    ipu: int
    unique_name: int
    discount: int

    def resolve(self, world: World) -> list[Step]:
        ids = sorted(world.state.pricing_policies)
        pid = pick(ids, self.policy) or 1
        current = world.state.pricing_policies.get(pid)
        name = f"policy-{self.policy}".encode() if self.create or current is None else current.name
        foundation = world.account("ferdie") if current is None else current.foundation_account
        sales = world.account("eve") if current is None else current.certified_sales_account
        args = (
            Policy(self.su),
            Policy(self.cu),
            Policy(self.nu),
            Policy(self.ipu),
            Policy(self.unique_name),
            Policy(self.unique_name * 2),
            sales,
            foundation,
            self.discount,
        )
        if self.create:
            return [CallStep("council", c.CreatePricingPolicy(name, *args))]
        return [CallStep("council", c.UpdatePricingPolicy(pid, name, *args))]


@attrs.frozen(slots=True)
class Price:
    """The oracle reports `price` (mUSD); or the council sets the min (`bound="min"`) / max bound."""

    price: int
    bound: str = ""

    def resolve(self, world: World) -> list[Step]:
        if self.bound == "min":
            return [CallStep("council", c.SetMinTftPrice(self.price))]
        if self.bound == "max":
            return [CallStep("council", c.SetMaxTftPrice(self.price))]
        return [CallStep("oracle", c.SetPrices(self.price, world.block))]


@attrs.frozen(slots=True)
class ZeroPrice:
    """The council lowers the minimum TFT price to 0 and the oracle reports 0 `reports` times (the
    billing price is 0 once the average of the oracle's history rounds to 0; finding F-2)."""

    reports: int = 1

    def resolve(self, world: World) -> list[Step]:
        steps: list[Step] = [CallStep("council", c.SetMinTftPrice(0))]
        steps += [CallStep("oracle", c.SetPrices(0, world.block)) for _ in range(self.reports)]
        return steps


@attrs.frozen(slots=True)
class Money:
    """kind: transfer (from `user` to `dest`), top-up (a bridge deposit to `user`), withdraw (`user` swaps
    to Stellar), drain (`user` swaps all but `amount` units of what it can spend to Stellar: pushes its
    contracts into grace)."""

    kind: str
    user: int
    amount: int
    dest: int = 0

    def resolve(self, world: World) -> list[Step]:
        who = pick_anyone(world, self.user)
        if self.kind == "transfer":
            dest = world.account(pick_anyone(world, self.dest))
            return [CallStep(who, c.Transfer(dest, self.amount))]
        if self.kind == "top-up":
            return deposit_steps(world, world.account(who), self.amount)
        if self.kind == "drain":
            info = world.state.accounts.get(world.account(who))
            keep = max(world.state.config.existential_deposit, 0 if info is None else info.frozen)
            spendable = 0 if info is None else max(info.free - keep, 0)
            return [CallStep(who, c.SwapToStellar(STELLAR_TARGET, max(spendable - self.amount % 100_000, 0)))]
        return [CallStep(who, c.SwapToStellar(STELLAR_TARGET, self.amount))]


@attrs.frozen(slots=True)
class Advance:
    blocks: int

    def resolve(self, world: World) -> list[Step]:
        return [BlocksStep(self.blocks)]


@attrs.frozen(slots=True)
class Jump:
    blocks: int
    extra_ms: int = 0

    def resolve(self, world: World) -> list[Step]:
        return [JumpStep(self.blocks, self.extra_ms)]


HOSTILE_KINDS = (
    "wrong-key",
    "replay",
    "stale-nonce",
    "future-nonce",
    "foreign-chain",
    "mutated",
    "stolen-sig",
)


@attrs.frozen(slots=True)
class Hostile:
    """A signed call that must be rejected: signed by the wrong key, a replay of the last applied call,
    a stale or future nonce, another chain's id, a mutated encoding of a valid call, or a valid
    signature moved to another call."""

    kind: str
    user: int = 0
    seed: bytes = bytes(32)
    position: int = 0
    byte: int = 1

    def resolve(self, world: World) -> list[Step]:
        who = pick_anyone(world, self.user)
        call = c.Transfer(world.account("alice"), 10 * TFT)
        nonce = world.nonce(who)
        if self.kind == "replay":
            last = world.last_signed
            return [] if last is None else [SignedStep(last, True, "replay")]
        if self.kind == "stale-nonce":
            return (
                []
                if nonce == 0
                else [SignedStep(world.sign(who, call, nonce=nonce - 1), True, "stale nonce")]
            )
        if self.kind == "future-nonce":
            return [SignedStep(world.sign(who, call, nonce=nonce + 1), True, "future nonce")]
        if self.kind == "foreign-chain":
            other = bytes(b ^ 0xFF for b in world.state.chain_id)
            return [SignedStep(world.sign(who, call, chain_id=other), True, "foreign chain")]
        honest = world.sign(who, call)
        if self.kind == "mutated":
            data = bytearray(encode(honest))
            pos = self.position % len(data)
            data[pos] ^= self.byte or 1
            return [BytesStep(bytes(data))]
        if self.kind == "stolen-sig":
            donor = world.sign(who, c.Transfer(world.account("bob"), 1))
            stolen = attrs.evolve(honest, signatures=donor.signatures)
            return [SignedStep(stolen, True, "signature of another call")]
        forger = Keypair.from_seed(self.seed)
        sig = Signature(honest.signatures[0].public_key, forger.sign(honest.payload()))
        return [SignedStep(attrs.evolve(honest, signatures=(sig, *honest.signatures[1:])), True, "wrong key")]


@attrs.frozen(slots=True)
class RandomBytes:
    data: bytes

    def resolve(self, world: World) -> list[Step]:
        return [BytesStep(self.data)]


@attrs.frozen(slots=True)
class AnyCall:
    """Any call with plausible parameters (`strategies.calls`), signed honestly by the `who`-th signer
    with an account: reaches every handler with unusual values."""

    who: int
    call: c.Call

    def resolve(self, world: World) -> list[Step]:
        names = sorted(n for n, s in world.signers.items() if s.account_id in world.state.accounts)
        names += ["council", "oracle", "bridge-1"]
        return [CallStep(names[self.who % len(names)], self.call)]


@attrs.frozen(slots=True)
class Scene:
    """A populated starting point on the default genesis: alice deploys on node 1 (one IP, reported
    usage), dave on the Certified node 2 (one IP), bob holds a name, charlie (almost no funds) rents the
    dedicated node 3 and deploys on it (one IP): within a few cycles charlie's contracts are in grace."""

    def resolve(self, world: World) -> list[Step]:
        used = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)
        steps: list[Step] = [
            CallStep("alice", c.CreateNodeContract(1, hash_of(1), b"", 1, None)),
            CallStep("dave", c.CreateNodeContract(2, hash_of(2), b"", 1, None)),
            CallStep("bob", c.CreateNameContract(b"bobs-site")),
            CallStep("charlie", c.CreateRentContract(3, None)),
            CallStep("charlie", c.CreateNodeContract(3, hash_of(3), b"", 1, None)),
        ]
        first = world.state.contract_id + 1
        steps += [
            CallStep("node-1", c.ReportContractResources((ContractResources(first, used),))),
            CallStep("node-2", c.ReportContractResources((ContractResources(first + 1, used),))),
            CallStep("node-3", c.ReportContractResources((ContractResources(first + 4, used),))),
        ]
        return steps
