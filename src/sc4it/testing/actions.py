"""Actions: the vocabulary of random histories, shared by `worlds()` and the state machine.

An action is a small frozen value drawn by Hypothesis *without* looking at the world (so it shrinks
well and prints readably); `resolve(world)` turns it into concrete steps against the current world:
integer references pick among the live objects (`ref % count`; the value `MISSING` names an id that
does not exist), signers are chosen by role (a contract's owner, a node's twin, a farm's owner, the
council...) or deliberately not (to exercise authorization errors).

Steps are what the executor runs: a call by a named signer, a pre-signed (possibly hostile) call, raw
bytes, blocks (with their hooks) or a time jump (without). `execute(world, step)` runs one and returns
the transitions it made, for the invariant checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs
from hypothesis import strategies as st

from sc4it.kernel import calls as c
from sc4it.kernel.codec import decode, encode
from sc4it.kernel.errors import DecodeError, Error
from sc4it.kernel.events import Event
from sc4it.kernel.signing import Signature, SignedCall
from sc4it.kernel.state import Config, State
from sc4it.kernel.tx import BlockEnv
from sc4it.kernel.types import (
    ContractResources,
    DistributionPolicy,
    FarmCertification,
    NodeCertification,
    NodeContract,
    NruConsumption,
    Power,
    Provider,
    Resources,
)
from sc4it.runtime import Outcome, apply, on_block
from sc4it.testing.bridge import STELLAR_TARGET, deposit_calls
from sc4it.testing.strategies import (
    GIB,
    TFT,
    calls,
    distribution_policies,
    farm_names,
    keypairs,
    policies,
    public_ip_inputs,
    resources,
    used_resources,
)
from sc4it.testing.world import BLOCK_MS, TEST_CONFIG, World, users

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


def _deposit(world: World, dest: bytes, amount: int) -> list[Step]:
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


def _contract(world: World, ref: int) -> int:
    found = pick(sorted(world.state.contracts), ref)
    return world.state.contract_id + 1 if found is None else found


def _node(world: World, ref: int) -> int:
    found = pick(sorted(world.state.nodes), ref)
    return world.state.node_id + 1 if found is None else found


def _farm(world: World, ref: int) -> int:
    found = pick(sorted(world.state.farms), ref)
    return world.state.farm_id + 1 if found is None else found


def _user(world: World, ref: int) -> str:
    names = sorted(users(world))
    return names[ref % len(names)] if names else "alice"


def _anyone(world: World, ref: int) -> str:
    """Any signer that has an account (so its calls pass SIG-07)."""
    names = sorted(n for n, s in world.signers.items() if s.account_id in world.state.accounts)
    return names[ref % len(names)] if names else "alice"


def _owner_or(world: World, twin_id: int | None, as_owner: bool, ref: int) -> str:
    if as_owner and twin_id is not None:
        owner = world.twin_owner(twin_id)
        if owner is not None:
            return owner
    return _user(world, ref)


def _contract_owner(world: World, cid: int, as_owner: bool, ref: int) -> str:
    contract = world.state.contracts.get(cid)
    return _owner_or(world, None if contract is None else contract.twin_id, as_owner, ref)


def _node_twin(world: World, node_id: int, ref: int) -> str:
    node = world.state.nodes.get(node_id)
    owner = None if node is None else world.twin_owner(node.twin_id)
    return owner if owner is not None else _anyone(world, ref)


def _farmer(world: World, farm_id: int, as_owner: bool, ref: int) -> str:
    farm = world.state.farms.get(farm_id)
    return _owner_or(world, None if farm is None else farm.twin_id, as_owner, ref)


def _node_of_contract(world: World, cid: int) -> int:
    contract = world.state.contracts.get(cid)
    return 0 if contract is None else contract.node_id()


def _hash(n: int) -> bytes:
    return bytes([n % 256]) * 32


# ==================================================================================================
# Actions


class Action(Protocol):
    def resolve(self, world: World) -> list[Step]: ...


@attrs.frozen(slots=True)
class NewNodeContract:
    user: int
    node: int
    hash: int
    ips: int
    data: bytes = b""
    provider: int | None = None

    def resolve(self, world: World) -> list[Step]:
        sp = (
            None
            if self.provider is None
            else (pick(sorted(world.state.solution_providers), self.provider) or 99)
        )
        call = c.CreateNodeContract(_node(world, self.node), _hash(self.hash), self.data, self.ips, sp)
        return [CallStep(_user(world, self.user), call)]


@attrs.frozen(slots=True)
class UpdateNodeContract:
    contract: int
    hash: int
    data: bytes = b""
    as_owner: bool = True
    user: int = 0

    def resolve(self, world: World) -> list[Step]:
        cid = _contract(world, self.contract)
        who = _contract_owner(world, cid, self.as_owner, self.user)
        return [CallStep(who, c.UpdateNodeContract(cid, _hash(self.hash), self.data))]


@attrs.frozen(slots=True)
class Cancel:
    contract: int
    as_owner: bool = True
    user: int = 0
    collective: bool = False

    def resolve(self, world: World) -> list[Step]:
        cid = _contract(world, self.contract)
        if self.collective:
            return [CallStep("council", c.CancelContractCollective(cid))]
        return [CallStep(_contract_owner(world, cid, self.as_owner, self.user), c.CancelContract(cid))]


NAMES = (b"web", b"my-app", b"x_1", b"grid", b"ab", b"Upper", b"a.b", b"z" * 65)
"""Name-contract names: four valid, then too short, upper case, a dot, too long (NM-xx errors)."""


@attrs.frozen(slots=True)
class NewNameContract:
    user: int
    name: bytes

    def resolve(self, world: World) -> list[Step]:
        return [CallStep(_user(world, self.user), c.CreateNameContract(self.name))]


@attrs.frozen(slots=True)
class NewRentContract:
    user: int
    node: int

    def resolve(self, world: World) -> list[Step]:
        return [CallStep(_user(world, self.user), c.CreateRentContract(_node(world, self.node), None))]


@attrs.frozen(slots=True)
class ReportResources:
    contract: int
    used: Resources
    as_node: bool = True
    node: int = 0

    def resolve(self, world: World) -> list[Step]:
        cid = _contract(world, self.contract)
        node = _node_of_contract(world, cid) if self.as_node else _node(world, self.node)
        who = _node_twin(world, node, self.node)
        return [CallStep(who, c.ReportContractResources((ContractResources(cid, self.used),)))]


@attrs.frozen(slots=True)
class NruReport:
    contract: int
    nru: int
    window: int
    age: int = 0
    as_node: bool = True

    def resolve(self, world: World) -> list[Step]:
        cid = _contract(world, self.contract)
        node = _node_of_contract(world, cid) if self.as_node else 1
        report = NruConsumption(cid, max(world.now - self.age, 0), self.window, self.nru)
        return [CallStep(_node_twin(world, node, 0), c.AddNruReports((report,)))]


@attrs.frozen(slots=True)
class BillNow:
    user: int
    contract: int

    def resolve(self, world: World) -> list[Step]:
        return [CallStep(_anyone(world, self.user), c.BillContractForBlock(_contract(world, self.contract)))]


@attrs.frozen(slots=True)
class ExtraFee:
    node: int
    fee: int
    as_farmer: bool = True
    user: int = 0

    def resolve(self, world: World) -> list[Step]:
        node_id = _node(world, self.node)
        node = world.state.nodes.get(node_id)
        who = _farmer(world, 0 if node is None else node.farm_id, self.as_farmer, self.user)
        return [CallStep(who, c.SetDedicatedNodeExtraFee(node_id, self.fee))]


@attrs.frozen(slots=True)
class SolutionProviders:
    """kind: create (by `user`, providers taking `takes`), approve/unapprove (council), attach (to a
    contract, by its owner)."""

    kind: str
    user: int = 0
    takes: tuple[int, ...] = ()
    provider: int = 0
    contract: int = 0
    flag: bool = True

    def resolve(self, world: World) -> list[Step]:
        sps = sorted(world.state.solution_providers)
        sp = pick(sps, self.provider)
        sp_id = world.state.solution_provider_id + 1 if sp is None else sp
        if self.kind == "create":
            providers = tuple(
                Provider(world.account(_user(world, self.user + i)), take)
                for i, take in enumerate(self.takes)
            )
            return [
                CallStep(
                    _user(world, self.user),
                    c.CreateSolutionProvider(b"a provider", b"https://x.io", providers),
                )
            ]
        if self.kind == "approve":
            return [CallStep("council", c.ApproveSolutionProvider(sp_id, self.flag))]
        cid = _contract(world, self.contract)
        who = _contract_owner(world, cid, self.flag, self.user)
        return [CallStep(who, c.AttachSolutionProviderId(cid, sp_id))]


@attrs.frozen(slots=True)
class Deployment:
    contract: int
    confirm: bool
    as_node: bool = True
    reason: bytes = b"no"

    def resolve(self, world: World) -> list[Step]:
        cid = _contract(world, self.contract)
        node = _node_of_contract(world, cid) if self.as_node else 1
        who = _node_twin(world, node, 0)
        call: c.Call = c.ConfirmDeployment(cid) if self.confirm else c.RejectDeployment(cid, self.reason)
        return [CallStep(who, call)]


SERVICE_KINDS = ("create", "metadata", "fees", "approve", "reject", "cancel", "bill", "agree", "open")


@attrs.frozen(slots=True)
class Service:
    """A service-contract call of `kind` on the `contract`-th service contract; `as_service` picks which
    party signs; `a`/`b` are the parties of a new one; `x`/`y` fees or the variable amount. `agree` is the
    whole handshake: metadata, fees (`x` base, `y` variable), then both parties approve; `open` creates a
    contract and runs the handshake; `bill` asks for `x % 4` mUSD of variable amount."""

    kind: str
    contract: int = 0
    a: int = 0
    b: int = 1
    as_service: bool = True
    x: int = 0
    y: int = 0
    metadata: bytes = b"keys"

    def resolve(self, world: World) -> list[Step]:
        if self.kind in ("create", "open"):
            sa, sb = _user(world, self.a), _user(world, self.b)
            caller = sa if self.as_service else sb
            steps: list[Step] = [
                CallStep(caller, c.ServiceContractCreate(world.account(sa), world.account(sb)))
            ]
            if self.kind == "open":
                new = world.state.service_contract_id + 1
                steps += [
                    CallStep(sa, c.ServiceContractSetMetadata(new, b"service keys")),
                    CallStep(sa, c.ServiceContractSetFees(new, self.x + 1, self.y)),
                    CallStep(sa, c.ServiceContractApprove(new)),
                    CallStep(sb, c.ServiceContractApprove(new)),
                ]
            return steps
        ids = sorted(world.state.service_contracts)
        found = pick(ids, self.contract)
        sid = world.state.service_contract_id + 1 if found is None else found
        sc = world.state.service_contracts.get(sid)
        party = None if sc is None else (sc.service_twin_id if self.as_service else sc.consumer_twin_id)
        who = _owner_or(world, party, True, self.a)
        call: c.Call
        if self.kind == "agree" and sc is not None:
            service = _owner_or(world, sc.service_twin_id, True, self.a)
            consumer = _owner_or(world, sc.consumer_twin_id, True, self.b)
            return [
                CallStep(service, c.ServiceContractSetMetadata(sid, self.metadata)),
                CallStep(service, c.ServiceContractSetFees(sid, self.x, self.y)),
                CallStep(service, c.ServiceContractApprove(sid)),
                CallStep(consumer, c.ServiceContractApprove(sid)),
            ]
        if self.kind == "metadata":
            call = c.ServiceContractSetMetadata(sid, self.metadata)
        elif self.kind == "fees":
            call = c.ServiceContractSetFees(sid, self.x, self.y)
        elif self.kind == "approve":
            call = c.ServiceContractApprove(sid)
        elif self.kind == "reject":
            call = c.ServiceContractReject(sid)
        elif self.kind == "cancel":
            call = c.ServiceContractCancel(sid)
        else:
            call = c.ServiceContractBill(sid, self.x % 4, b"bill")
        return [CallStep(who, call)]


@attrs.frozen(slots=True)
class BillingFrequency:
    """Council: raise the billing frequency by `delta` blocks (0: rejected, CanOnlyIncreaseFrequency)."""

    delta: int

    def resolve(self, world: World) -> list[Step]:
        return [CallStep("council", c.ChangeBillingFrequency(world.state.billing_frequency + self.delta))]


@attrs.frozen(slots=True)
class Distribution:
    policy: DistributionPolicy

    def resolve(self, world: World) -> list[Step]:
        return [CallStep("council", c.SetDistributionPolicy(self.policy))]


@attrs.frozen(slots=True)
class NewUser:
    """A new key gets funds from the bridge (a deposit) and creates its twin; `stash`: it then bonds itself
    as the stash of the `user`-th user's twin (TWN-10)."""

    key: int
    amount: int
    stash: bool = False
    user: int = 0

    def resolve(self, world: World) -> list[Step]:
        name = f"user-{self.key}"
        signer = world.signers.get(name) or world.add_key(name)
        amount = max(self.amount, TFT)
        steps: list[Step] = _deposit(world, signer.account_id, amount)
        if self.stash:
            twin = world.twin_id(_user(world, self.user)) or 1
            steps.append(CallStep(name, c.BondTwinAccount(twin)))
        else:
            steps.append(CallStep(name, c.CreateTwin(None, None)))
        return steps


@attrs.frozen(slots=True)
class NewFarm:
    user: int
    name: bytes
    ips: tuple[c.IpInput, ...] = ()

    def resolve(self, world: World) -> list[Step]:
        return [CallStep(_user(world, self.user), c.CreateFarm(self.name, self.ips))]


@attrs.frozen(slots=True)
class FarmIp:
    """Add `ip` to, or remove the `which`-th IP from, the `farm`-th farm (by its owner unless not)."""

    farm: int
    add: bool
    ip: c.IpInput
    which: int = 0
    as_owner: bool = True

    def resolve(self, world: World) -> list[Step]:
        fid = _farm(world, self.farm)
        who = _farmer(world, fid, self.as_owner, self.which)
        if self.add:
            return [CallStep(who, c.AddFarmIp(fid, self.ip.ip, self.ip.gateway))]
        farm = world.state.farms.get(fid)
        ips = [] if farm is None else [ip.ip for ip in farm.public_ips]
        target = ips[self.which % len(ips)] if ips else self.ip.ip
        return [CallStep(who, c.RemoveFarmIp(fid, target))]


@attrs.frozen(slots=True)
class FarmAdmin:
    """Council: `dedicated` / `certification` flag, or the farm's pricing `policy` (extension)."""

    kind: str
    farm: int
    flag: bool = True
    policy: int = 1

    def resolve(self, world: World) -> list[Step]:
        fid = _farm(world, self.farm)
        call: c.Call
        if self.kind == "dedicated":
            call = c.SetFarmDedicated(fid, self.flag)
        elif self.kind == "certification":
            call = c.SetFarmCertification(
                fid, FarmCertification.Gold if self.flag else FarmCertification.NotCertified
            )
        else:
            call = c.SetFarmPricingPolicy(fid, self.policy)
        return [CallStep("council", call)]


@attrs.frozen(slots=True)
class NewNode:
    """A new key (funded by the bridge) creates a twin and a node on the `farm`-th farm."""

    key: int
    farm: int
    resources: Resources

    def resolve(self, world: World) -> list[Step]:
        name = f"node-x{self.key}"
        signer = world.signers.get(name) or world.add_key(name)
        return [
            *_deposit(world, signer.account_id, 10 * TFT),
            CallStep(name, c.CreateTwin(None, None)),
            CallStep(name, c.CreateNode(_farm(world, self.farm), self.resources)),
        ]


@attrs.frozen(slots=True)
class UpdateNode:
    """The node's twin updates its resources (`None`: unchanged) and may move it to another farm
    (`move`: a farm reference)."""

    node: int
    resources: Resources | None = None
    move: int | None = None

    def resolve(self, world: World) -> list[Step]:
        nid = _node(world, self.node)
        node = world.state.nodes.get(nid)
        farm = (0 if node is None else node.farm_id) if self.move is None else _farm(world, self.move)
        res = self.resources or (
            Resources(sru=100 * GIB, cru=1, mru=2 * GIB) if node is None else node.resources
        )
        return [CallStep(_node_twin(world, nid, 0), c.UpdateNode(nid, farm, res))]


@attrs.frozen(slots=True)
class NodeAdmin:
    """kind: certify (council), power-state (node twin), power-target (farmer), delete (farmer)."""

    kind: str
    node: int
    flag: bool = True
    as_owner: bool = True
    user: int = 0

    def resolve(self, world: World) -> list[Step]:
        nid = _node(world, self.node)
        node = world.state.nodes.get(nid)
        farmer = _farmer(world, 0 if node is None else node.farm_id, self.as_owner, self.user)
        if self.kind == "certify":
            cert = NodeCertification.Certified if self.flag else NodeCertification.Diy
            return [CallStep("council", c.SetNodeCertification(nid, cert))]
        if self.kind == "power-state":
            return [
                CallStep(
                    _node_twin(world, nid, self.user),
                    c.ChangePowerState(Power.Up if self.flag else Power.Down),
                )
            ]
        if self.kind == "power-target":
            return [CallStep(farmer, c.ChangePowerTarget(nid, Power.Up if self.flag else Power.Down))]
        return [CallStep(farmer, c.DeleteNodeFarm(nid))]


@attrs.frozen(slots=True)
class OptOut:
    """V3 billing opt-out (spec/opt-out.md). kind: opt-out / metadata (by the node's farmer, or the
    `user`-th user), admin-add / admin-remove (council, for the `user`-th user's account)."""

    kind: str
    node: int
    as_farmer: bool = True
    user: int = 0
    metadata: bytes = b""

    def resolve(self, world: World) -> list[Step]:
        nid = _node(world, self.node)
        node = world.state.nodes.get(nid)
        farmer = _farmer(world, 0 if node is None else node.farm_id, self.as_farmer, self.user)
        if self.kind == "opt-out":
            return [CallStep(farmer, c.OptOutOfV3Billing(nid))]
        if self.kind == "metadata":
            return [CallStep(farmer, c.SetNodeV3OptOutMetadata(nid, self.metadata))]
        account = world.signers[_user(world, self.user)].account_id
        call: c.Call = c.AddTwinAdmin(account) if self.kind == "admin-add" else c.RemoveTwinAdmin(account)
        return [CallStep("council", call)]


@attrs.frozen(slots=True)
class TwinTransfer:
    """Twin ownership transfer (spec/twin-transfer.md). kind: request (the `user`-th user hands its
    twin to signer `target`, a fresh funded key when `fresh`), accept (by the request's new account, or
    `user` when not `as_party`), cancel (by the request's old owner, or `user`)."""

    kind: str
    user: int = 0
    target: int = 0
    fresh: bool = True
    request: int = 0
    as_party: bool = True

    def resolve(self, world: World) -> list[Step]:
        if self.kind == "request":
            steps: list[Step] = []
            if self.fresh:
                name = f"heir-{self.target % 4}"
                heir = world.signers.get(name) or world.add_key(name)
                if heir.account_id not in world.state.accounts:
                    steps += _deposit(world, heir.account_id, TFT)
                account = heir.account_id
            else:
                account = world.signers[_anyone(world, self.target)].account_id
            return [*steps, CallStep(_user(world, self.user), c.RequestTwinTransfer(account))]
        requests = world.state.twin_transfer_requests
        rid = pick(sorted(requests), self.request)
        rid = world.state.twin_transfer_request_id + 1 if rid is None else rid
        req = requests.get(rid)
        party = None if req is None else (req.to if self.kind == "accept" else req.from_)
        party_name = None if party is None or not self.as_party else world.name_of(party)
        signer = party_name if party_name is not None else _user(world, self.user)
        transfer: c.Call = c.AcceptTwinTransfer(rid) if self.kind == "accept" else c.CancelTwinTransfer(rid)
        return [CallStep(signer, transfer)]


@attrs.frozen(slots=True)
class Migrate:
    """Node contract migration (spec/migration.md): the council moves the `contract`-th node contract
    (any contract when there is none) to the `node`-th other node of its farm (any node when `same_farm`
    is false), with a new hash or not."""

    contract: int
    node: int
    same_farm: bool = True
    new_hash: int | None = None

    def resolve(self, world: World) -> list[Step]:
        contracts = world.state.contracts
        node_contracts = sorted(i for i, k in contracts.items() if isinstance(k.contract_type, NodeContract))
        found = pick(node_contracts, self.contract)
        cid = _contract(world, self.contract) if found is None else found
        src = _node_of_contract(world, cid)
        node = world.state.nodes.get(src)
        if self.same_farm and node is not None:
            peers = sorted(world.state.nodes_by_farm_id.get(node.farm_id) or ())
            others = [n for n in peers if n != src]
            dst = pick(others, self.node) or src
        else:
            dst = _node(world, self.node)
        hash_ = None if self.new_hash is None else _hash(self.new_hash)
        return [CallStep("council", c.MigrateNodeContract(cid, dst, hash_))]


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
        from sc4it.kernel.types import Policy

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
        who = _anyone(world, self.user)
        if self.kind == "transfer":
            dest = world.account(_anyone(world, self.dest))
            return [CallStep(who, c.Transfer(dest, self.amount))]
        if self.kind == "top-up":
            return _deposit(world, world.account(who), self.amount)
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
        from sc4it.kernel.signing import Keypair

        who = _anyone(world, self.user)
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
            CallStep("alice", c.CreateNodeContract(1, _hash(1), b"", 1, None)),
            CallStep("dave", c.CreateNodeContract(2, _hash(2), b"", 1, None)),
            CallStep("bob", c.CreateNameContract(b"bobs-site")),
            CallStep("charlie", c.CreateRentContract(3, None)),
            CallStep("charlie", c.CreateNodeContract(3, _hash(3), b"", 1, None)),
        ]
        first = world.state.contract_id + 1
        steps += [
            CallStep("node-1", c.ReportContractResources((ContractResources(first, used),))),
            CallStep("node-2", c.ReportContractResources((ContractResources(first + 1, used),))),
            CallStep("node-3", c.ReportContractResources((ContractResources(first + 4, used),))),
        ]
        return steps


# ==================================================================================================
# Strategies of actions

_small = st.integers(0, 7)
_amount = st.one_of(st.integers(0, 1000 * TFT), st.integers(0, 10**12), st.sampled_from([0, 1, 499, 500]))


def node_contract_actions() -> st.SearchStrategy[NewNodeContract]:
    return st.builds(
        NewNodeContract,
        user=_small,
        node=REF,
        hash=st.integers(0, 5),
        ips=st.sampled_from([0, 0, 1, 1, 2, 5]),
        data=st.sampled_from([b"", b"", b"", b"d", b"x" * 513]),
        provider=st.one_of(st.none(), st.none(), st.none(), REF),
    )


def contract_actions() -> st.SearchStrategy[Action]:
    """Every contract call: create (node, name, rent), update, cancel (owner, stranger, council),
    reports, bill, extra fee, solution providers, deployment handshake."""
    return st.one_of(
        node_contract_actions(),
        st.builds(UpdateNodeContract, REF, st.integers(0, 5), st.just(b"u"), st.booleans(), _small),
        st.builds(
            Cancel,
            REF,
            st.sampled_from([True, True, True, False]),
            _small,
            st.sampled_from([False] * 5 + [True]),
        ),
        st.builds(NewNameContract, _small, st.sampled_from(NAMES)),
        st.builds(NewRentContract, _small, REF),
        st.builds(ReportResources, REF, used_resources(), st.sampled_from([True] * 5 + [False]), REF),
        st.builds(
            NruReport,
            REF,
            st.one_of(st.integers(0, 10**10), st.integers(0, 1 << 64)),
            st.integers(0, 3600),
            st.integers(0, 300),
            st.sampled_from([True] * 5 + [False]),
        ),
        st.builds(BillNow, _small, REF),
        st.builds(ExtraFee, REF, st.integers(0, 100_000), st.sampled_from([True] * 4 + [False]), _small),
        st.builds(
            SolutionProviders,
            st.sampled_from(["create", "approve", "attach"]),
            _small,
            st.lists(st.integers(0, 60), max_size=2).map(tuple),
            REF,
            REF,
            st.booleans(),
        ),
        st.builds(Deployment, REF, st.booleans(), st.sampled_from([True] * 5 + [False]), st.just(b"no")),
    )


def service_actions() -> st.SearchStrategy[Service]:
    return st.builds(
        Service,
        st.sampled_from(("open", "bill", "bill", *SERVICE_KINDS)),
        REF,
        _small,
        _small,
        st.sampled_from([True, True, True, False]),
        st.integers(0, 5000),
        st.integers(0, 5000),
        st.sampled_from([b"keys", b"", b"m" * 65]),
    )


def registry_actions() -> st.SearchStrategy[Action]:
    """Twins (and stash accounts), farms and IPs, nodes and power, pricing policies, TFT price."""
    return st.one_of(
        st.builds(NewUser, st.integers(0, 5), _amount, st.booleans(), _small),
        st.builds(NewFarm, _small, farm_names(), st.lists(public_ip_inputs(), max_size=2).map(tuple)),
        st.builds(
            FarmIp, REF, st.booleans(), public_ip_inputs(), _small, st.sampled_from([True] * 4 + [False])
        ),
        st.builds(
            FarmAdmin,
            st.sampled_from(["dedicated", "certification", "policy"]),
            REF,
            st.booleans(),
            st.integers(1, 3),
        ),
        st.builds(NewNode, st.integers(0, 5), REF, resources()),
        st.builds(UpdateNode, REF, st.one_of(st.none(), resources()), st.none()),
        st.builds(
            NodeAdmin,
            st.sampled_from(["certify", "power-state", "power-state", "power-target", "delete"]),
            REF,
            st.booleans(),
            st.sampled_from([True] * 4 + [False]),
            _small,
        ),
        pricing_actions(),
        st.builds(
            Price, st.one_of(st.integers(1, 1000), st.just(0)), st.sampled_from(["", "", "min", "max"])
        ),
    )


def pricing_actions() -> st.SearchStrategy[Pricing]:
    v = st.integers(0, 500_000)
    return st.builds(Pricing, st.booleans(), REF, v, v, v, v, st.integers(0, 50_000), st.integers(0, 100))


def money_actions() -> st.SearchStrategy[Money]:
    return st.builds(
        Money,
        st.sampled_from(["transfer", "top-up", "top-up", "withdraw", "drain"]),
        st.integers(0, 20),
        _amount,
        st.integers(0, 20),
    )


def time_actions() -> st.SearchStrategy[Action]:
    """Blocks (1..15, with billing) and jumps (up to twice the test grace period, without billing)."""
    return st.one_of(
        st.builds(Advance, st.integers(1, 15)),
        st.builds(Jump, st.integers(1, 220), st.sampled_from([0, 0, 1, 999, 60_000])),
    )


def council_actions() -> st.SearchStrategy[Action]:
    return st.one_of(
        st.builds(BillingFrequency, st.sampled_from([0, 0, 0, 1, 7])),
        st.builds(Distribution, distribution_policies()),
    )


def tfchain_2_12_actions() -> st.SearchStrategy[Action]:
    """The calls of TFChain 2.10-2.12 and later (spec/tfchain.md): V3 billing opt-out and its admins and
    metadata, twin ownership transfer, node contract migration."""
    return st.one_of(
        st.builds(
            OptOut,
            st.sampled_from(["opt-out", "metadata", "admin-add", "admin-add", "admin-remove"]),
            REF,
            st.sampled_from([True] * 4 + [False]),
            _small,
            st.sampled_from([b"", b"v4", b"x" * 257]),
        ),
        st.builds(
            TwinTransfer,
            st.sampled_from(["request", "accept", "accept", "cancel"]),
            _small,
            _small,
            st.sampled_from([True] * 3 + [False]),
            REF,
            st.sampled_from([True] * 4 + [False]),
        ),
        st.builds(
            Migrate,
            REF,
            REF,
            st.sampled_from([True] * 4 + [False]),
            st.one_of(st.none(), st.none(), st.integers(0, 5)),
        ),
    )


def hostile_actions() -> st.SearchStrategy[Action]:
    """Input that must be rejected without a trace: wrong signer, replayed or wrong nonce, foreign
    chain, mutated encodings, random bytes."""
    return st.one_of(
        st.builds(
            Hostile,
            st.sampled_from(HOSTILE_KINDS),
            st.integers(0, 20),
            st.binary(min_size=32, max_size=32),
            st.integers(0, 1 << 16),
            st.integers(1, 255),
        ),
        st.builds(RandomBytes, st.binary(max_size=64)),
    )


def any_call_actions(world: World | None = None) -> st.SearchStrategy[AnyCall]:
    accounts = [s.account_id for s in (world or World.default()).signers.values()]
    # deferred: the strategy's repr stays short (the full union's repr is tens of kB)
    return st.builds(AnyCall, st.integers(0, 40), st.deferred(lambda: calls(accounts)))


def any_action() -> st.SearchStrategy[Action]:
    """Any action, weighted towards contracts and time (what billing needs)."""
    return st.one_of(
        contract_actions(),
        contract_actions(),
        time_actions(),
        time_actions(),
        money_actions(),
        service_actions(),
        registry_actions(),
        council_actions(),
        tfchain_2_12_actions(),
    )


def steps_of(world: World, action: Action) -> list[Step]:
    """The concrete steps `action` stands for in `world` (for printing and tests)."""
    return action.resolve(world)


def rejected(transition: Transition) -> Error | None:
    return transition.outcome.error


__all__ = [
    "HOSTILE_KINDS",
    "MISSING",
    "NAMES",
    "REF",
    "SERVICE_KINDS",
    "Action",
    "Advance",
    "AnyCall",
    "BillNow",
    "BillingFrequency",
    "BlocksStep",
    "BytesStep",
    "CallStep",
    "Cancel",
    "Deployment",
    "Distribution",
    "ExtraFee",
    "FarmAdmin",
    "FarmIp",
    "Hostile",
    "Jump",
    "JumpStep",
    "Migrate",
    "Money",
    "NewFarm",
    "NewNameContract",
    "NewNode",
    "NewNodeContract",
    "NewRentContract",
    "NewUser",
    "NodeAdmin",
    "NruReport",
    "OptOut",
    "Price",
    "Pricing",
    "RandomBytes",
    "ReportResources",
    "Scene",
    "Service",
    "SignedStep",
    "SolutionProviders",
    "Step",
    "Transition",
    "TwinTransfer",
    "UpdateNode",
    "UpdateNodeContract",
    "ZeroPrice",
    "any_action",
    "any_call_actions",
    "contract_actions",
    "council_actions",
    "execute",
    "hostile_actions",
    "keypairs",
    "money_actions",
    "node_contract_actions",
    "pick",
    "policies",
    "pricing_actions",
    "registry_actions",
    "run_action",
    "service_actions",
    "tfchain_2_12_actions",
    "time_actions",
]


@st.composite
def worlds(draw: st.DrawFn, config: Config | None = TEST_CONFIG, max_actions: int = 20) -> World:
    """A valid world: the default genesis (with `config`) after up to `max_actions` random actions
    (calls of every kind, blocks, time jumps; `sc4it.testing.actions`) of which the failing calls are
    simply dropped. Every state reached is a state `apply`/`on_block` produced, so it satisfies every
    invariant."""
    world = World.default(config)
    for action in draw(st.lists(any_action(), max_size=max_actions)):
        run_action(world, action)
    return world
