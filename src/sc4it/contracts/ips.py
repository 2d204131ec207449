"""Public IPs of node contracts (spec/ips.md, rules IPS-xx): reserving them from the node's farm at
creation, freeing them at removal, and dropping a contract's hold on an IP the farm removes."""

from __future__ import annotations

from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import ContractUpdated, IPsFreed
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import NodeContract, PublicIP
from sc4it.reads import node_and_farm


def reserve_ip(tx: Tx, contract_id: int, nc: NodeContract) -> NodeContract:
    """IPS-01..IPS-06, TFChain's `reserve_ip`: the node contract with its `public_ips_list` filled.

    Nothing happens when `public_ips == 0`. Otherwise, in order: the node (`NodeNotExists`) and its farm
    (`FarmNotExists`) must exist; the farm must have at least `public_ips` IPs in all
    (`FarmHasNotEnoughPublicIPs`); the farm's IPs are scanned in stored order and each free one
    (`contract_id == 0`) is taken for `contract_id` until enough are taken (taking more than
    `max_node_contract_public_ips` fails with `FailedToReserveIP`); fewer free IPs than asked fails with
    `FarmHasNotEnoughPublicIPsFree`. No event (TFChain declares `IPsReserved` but never emits it)."""
    wanted = nc.public_ips
    if wanted == 0:
        return nc
    farm = node_and_farm(tx, nc.node_id)[1]
    if len(farm.public_ips) < wanted:
        fail(Error.FarmHasNotEnoughPublicIPs)
    limit = tx.config.max_node_contract_public_ips
    taken: list[PublicIP] = []
    new_ips: list[PublicIP] = []
    for ip in farm.public_ips:
        if len(taken) < wanted and ip.contract_id == 0:
            if len(taken) >= limit:
                fail(Error.FailedToReserveIP)
            ip = PublicIP(ip.ip, ip.gateway, contract_id)
            taken.append(ip)
        new_ips.append(ip)
    if len(taken) < wanted:
        fail(Error.FarmHasNotEnoughPublicIPsFree)
    tx.farms[farm.id] = farm.with_public_ips(tuple(new_ips))
    return nc.with_public_ips_list(tuple(taken))


def free_ip(tx: Tx, contract_id: int, nc: NodeContract) -> tuple[PublicIP, ...]:
    """IPS-10..IPS-12, TFChain's `free_ip`: every IP of the node's farm held by `contract_id` becomes free
    (`contract_id = 0`), in farm order; event `IPsFreed{contract_id, public_ips}` with the freed IPs (as
    stored after freeing), even if the list is empty (reference P-J). Fails with `NodeNotExists` /
    `FarmNotExists` before writing anything."""
    farm = node_and_farm(tx, nc.node_id)[1]
    freed: list[PublicIP] = []
    new_ips: list[PublicIP] = []
    for ip in farm.public_ips:
        if ip.contract_id == contract_id:
            ip = PublicIP(ip.ip, ip.gateway, 0)
            freed.append(ip)
        new_ips.append(ip)
    if freed:
        tx.farms[farm.id] = farm.with_public_ips(tuple(new_ips))
    public_ips = tuple(freed)
    tx.emit(IPsFreed(contract_id, public_ips))
    return public_ips


def ip_removed(tx: Tx, ip: PublicIP) -> None:
    """IPS-20 (DEV-IPS-1): the farm removed `ip` (as it was stored, with the contract that held it).
    If a live node contract held it, that contract drops it: the IP leaves its `public_ips_list`, its
    `public_ips` count goes down by one (so billing stops charging for it), and the events are
    `IPsFreed{contract_id, [ip]}` then `ContractUpdated(contract)`. A free IP, or one whose contract is
    gone or does not list it, changes nothing.

    pallet-tfgrid only calls this for an IP that is in use; TFChain's `remove_farm_ip` refuses such IPs
    (`IpNotExists`), so the hook is for registry operations that take an IP away from a contract."""
    if ip.contract_id == 0:
        return
    contract = tx.contracts.get(ip.contract_id)
    if contract is None:
        return
    nc = contract.contract_type
    if not isinstance(nc, NodeContract):
        return
    kept = tuple(p for p in nc.public_ips_list if p.ip != ip.ip)
    if len(kept) == len(nc.public_ips_list):
        return
    new_nc = NodeContract(
        nc.node_id,
        nc.deployment_hash,
        nc.deployment_data,
        public_ips=max(nc.public_ips - (len(nc.public_ips_list) - len(kept)), 0),
        public_ips_list=kept,
    )
    contract = contract.with_contract_type(new_nc)
    tx.contracts[contract.contract_id] = contract
    tx.emit(IPsFreed(contract.contract_id, (PublicIP(ip.ip, ip.gateway, 0),)))
    tx.emit(ContractUpdated(contract))
