"""Actions on contracts: node, name and rent contracts, reports, billing, providers, deployment,
service contracts, the billing frequency and the distribution policy."""

from __future__ import annotations

import attrs

from sc4it.kernel import calls as c
from sc4it.kernel.types import (
    ContractResources,
    DistributionPolicy,
    NruConsumption,
    Provider,
    Resources,
)
from sc4it.testing.steps import (
    CallStep,
    Step,
    contract_owner,
    farmer_of,
    hash_of,
    node_of_contract,
    node_twin,
    owner_or,
    pick,
    pick_anyone,
    pick_contract,
    pick_node,
    pick_user,
)
from sc4it.testing.world import World


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
        call = c.CreateNodeContract(pick_node(world, self.node), hash_of(self.hash), self.data, self.ips, sp)
        return [CallStep(pick_user(world, self.user), call)]


@attrs.frozen(slots=True)
class UpdateNodeContract:
    contract: int
    hash: int
    data: bytes = b""
    as_owner: bool = True
    user: int = 0

    def resolve(self, world: World) -> list[Step]:
        cid = pick_contract(world, self.contract)
        who = contract_owner(world, cid, self.as_owner, self.user)
        return [CallStep(who, c.UpdateNodeContract(cid, hash_of(self.hash), self.data))]


@attrs.frozen(slots=True)
class Cancel:
    contract: int
    as_owner: bool = True
    user: int = 0
    collective: bool = False

    def resolve(self, world: World) -> list[Step]:
        cid = pick_contract(world, self.contract)
        if self.collective:
            return [CallStep("council", c.CancelContractCollective(cid))]
        return [CallStep(contract_owner(world, cid, self.as_owner, self.user), c.CancelContract(cid))]


NAMES = (b"web", b"my-app", b"x_1", b"grid", b"ab", b"Upper", b"a.b", b"z" * 65)
"""Name-contract names: four valid, then too short, upper case, a dot, too long (NM-xx errors)."""


@attrs.frozen(slots=True)
class NewNameContract:
    user: int
    name: bytes

    def resolve(self, world: World) -> list[Step]:
        return [CallStep(pick_user(world, self.user), c.CreateNameContract(self.name))]


@attrs.frozen(slots=True)
class NewRentContract:
    user: int
    node: int

    def resolve(self, world: World) -> list[Step]:
        return [
            CallStep(pick_user(world, self.user), c.CreateRentContract(pick_node(world, self.node), None))
        ]


@attrs.frozen(slots=True)
class ReportResources:
    contract: int
    used: Resources
    as_node: bool = True
    node: int = 0

    def resolve(self, world: World) -> list[Step]:
        cid = pick_contract(world, self.contract)
        node = node_of_contract(world, cid) if self.as_node else pick_node(world, self.node)
        who = node_twin(world, node, self.node)
        return [CallStep(who, c.ReportContractResources((ContractResources(cid, self.used),)))]


@attrs.frozen(slots=True)
class NruReport:
    contract: int
    nru: int
    window: int
    age: int = 0
    as_node: bool = True

    def resolve(self, world: World) -> list[Step]:
        cid = pick_contract(world, self.contract)
        node = node_of_contract(world, cid) if self.as_node else 1
        report = NruConsumption(cid, max(world.now - self.age, 0), self.window, self.nru)
        return [CallStep(node_twin(world, node, 0), c.AddNruReports((report,)))]


@attrs.frozen(slots=True)
class BillNow:
    user: int
    contract: int

    def resolve(self, world: World) -> list[Step]:
        return [
            CallStep(
                pick_anyone(world, self.user), c.BillContractForBlock(pick_contract(world, self.contract))
            )
        ]


@attrs.frozen(slots=True)
class ExtraFee:
    node: int
    fee: int
    as_farmer: bool = True
    user: int = 0

    def resolve(self, world: World) -> list[Step]:
        node_id = pick_node(world, self.node)
        node = world.state.nodes.get(node_id)
        who = farmer_of(world, 0 if node is None else node.farm_id, self.as_farmer, self.user)
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
                Provider(world.account(pick_user(world, self.user + i)), take)
                for i, take in enumerate(self.takes)
            )
            return [
                CallStep(
                    pick_user(world, self.user),
                    c.CreateSolutionProvider(b"a provider", b"https://x.io", providers),
                )
            ]
        if self.kind == "approve":
            return [CallStep("council", c.ApproveSolutionProvider(sp_id, self.flag))]
        cid = pick_contract(world, self.contract)
        who = contract_owner(world, cid, self.flag, self.user)
        return [CallStep(who, c.AttachSolutionProviderId(cid, sp_id))]


@attrs.frozen(slots=True)
class Deployment:
    contract: int
    confirm: bool
    as_node: bool = True
    reason: bytes = b"no"

    def resolve(self, world: World) -> list[Step]:
        cid = pick_contract(world, self.contract)
        node = node_of_contract(world, cid) if self.as_node else 1
        who = node_twin(world, node, 0)
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
            sa, sb = pick_user(world, self.a), pick_user(world, self.b)
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
        who = owner_or(world, party, True, self.a)
        call: c.Call
        if self.kind == "agree" and sc is not None:
            service = owner_or(world, sc.service_twin_id, True, self.a)
            consumer = owner_or(world, sc.consumer_twin_id, True, self.b)
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
