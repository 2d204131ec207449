"""Actions on the registry: users and twins, farms and their IPs, nodes, opt-out, twin transfer,
contract migration."""

from __future__ import annotations

import attrs

from sc4it.kernel import calls as c
from sc4it.kernel.types import (
    FarmCertification,
    NodeCertification,
    NodeContract,
    Power,
    Resources,
)
from sc4it.testing.steps import (
    CallStep,
    Step,
    deposit_steps,
    farmer_of,
    hash_of,
    node_of_contract,
    node_twin,
    pick,
    pick_anyone,
    pick_contract,
    pick_farm,
    pick_node,
    pick_user,
)
from sc4it.testing.strategies import (
    GIB,
    TFT,
)
from sc4it.testing.world import World


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
        steps: list[Step] = deposit_steps(world, signer.account_id, amount)
        if self.stash:
            twin = world.twin_id(pick_user(world, self.user)) or 1
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
        return [CallStep(pick_user(world, self.user), c.CreateFarm(self.name, self.ips))]


@attrs.frozen(slots=True)
class FarmIp:
    """Add `ip` to, or remove the `which`-th IP from, the `farm`-th farm (by its owner unless not)."""

    farm: int
    add: bool
    ip: c.IpInput
    which: int = 0
    as_owner: bool = True

    def resolve(self, world: World) -> list[Step]:
        fid = pick_farm(world, self.farm)
        who = farmer_of(world, fid, self.as_owner, self.which)
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
        fid = pick_farm(world, self.farm)
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
            *deposit_steps(world, signer.account_id, 10 * TFT),
            CallStep(name, c.CreateTwin(None, None)),
            CallStep(name, c.CreateNode(pick_farm(world, self.farm), self.resources)),
        ]


@attrs.frozen(slots=True)
class UpdateNode:
    """The node's twin updates its resources (`None`: unchanged) and may move it to another farm
    (`move`: a farm reference)."""

    node: int
    resources: Resources | None = None
    move: int | None = None

    def resolve(self, world: World) -> list[Step]:
        nid = pick_node(world, self.node)
        node = world.state.nodes.get(nid)
        farm = (0 if node is None else node.farm_id) if self.move is None else pick_farm(world, self.move)
        res = self.resources or (
            Resources(sru=100 * GIB, cru=1, mru=2 * GIB) if node is None else node.resources
        )
        return [CallStep(node_twin(world, nid, 0), c.UpdateNode(nid, farm, res))]


@attrs.frozen(slots=True)
class NodeAdmin:
    """kind: certify (council), power-state (node twin), power-target (farmer), delete (farmer)."""

    kind: str
    node: int
    flag: bool = True
    as_owner: bool = True
    user: int = 0

    def resolve(self, world: World) -> list[Step]:
        nid = pick_node(world, self.node)
        node = world.state.nodes.get(nid)
        farmer = farmer_of(world, 0 if node is None else node.farm_id, self.as_owner, self.user)
        if self.kind == "certify":
            cert = NodeCertification.Certified if self.flag else NodeCertification.Diy
            return [CallStep("council", c.SetNodeCertification(nid, cert))]
        if self.kind == "power-state":
            return [
                CallStep(
                    node_twin(world, nid, self.user),
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
        nid = pick_node(world, self.node)
        node = world.state.nodes.get(nid)
        farmer = farmer_of(world, 0 if node is None else node.farm_id, self.as_farmer, self.user)
        if self.kind == "opt-out":
            return [CallStep(farmer, c.OptOutOfV3Billing(nid))]
        if self.kind == "metadata":
            return [CallStep(farmer, c.SetNodeV3OptOutMetadata(nid, self.metadata))]
        account = world.signers[pick_user(world, self.user)].account_id
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
                    steps += deposit_steps(world, heir.account_id, TFT)
                account = heir.account_id
            else:
                account = world.signers[pick_anyone(world, self.target)].account_id
            return [*steps, CallStep(pick_user(world, self.user), c.RequestTwinTransfer(account))]
        requests = world.state.twin_transfer_requests
        rid = pick(sorted(requests), self.request)
        rid = world.state.twin_transfer_request_id + 1 if rid is None else rid
        req = requests.get(rid)
        party = None if req is None else (req.to if self.kind == "accept" else req.from_)
        party_name = None if party is None or not self.as_party else world.name_of(party)
        signer = party_name if party_name is not None else pick_user(world, self.user)
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
        cid = pick_contract(world, self.contract) if found is None else found
        src = node_of_contract(world, cid)
        node = world.state.nodes.get(src)
        if self.same_farm and node is not None:
            peers = sorted(world.state.nodes_by_farm_id.get(node.farm_id) or ())
            others = [n for n in peers if n != src]
            dst = pick(others, self.node) or src
        else:
            dst = pick_node(world, self.node)
        hash_ = None if self.new_hash is None else hash_of(self.new_hash)
        return [CallStep("council", c.MigrateNodeContract(cid, dst, hash_))]
