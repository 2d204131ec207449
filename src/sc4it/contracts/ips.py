"""Public IPs of node contracts (spec/ips.md, rules IPS-xx): reserving them from the node's farm at
creation, freeing them at removal, and dropping a contract's hold on an IP the farm removes."""

from __future__ import annotations

from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import ContractUpdated, IPsFreed
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import NodeContract, PublicIP
from sc4it.reads import node_and_farm


def reserve_ip(tx: Tx, contract_id: int, nc: NodeContract) -> NodeContract:
    """IPS-01..IPS-06, TFChain's `reserve_ip`: the node contract with its `public_ips_list` filled."""
    wanted = nc.public_ips
    if wanted == 0:  # IPS-01
        return nc
    farm = node_and_farm(tx, nc.node_id)[1]  # IPS-02
    if len(farm.public_ips) < wanted:  # IPS-03
        fail(Error.FarmHasNotEnoughPublicIPs)
    limit = tx.config.max_node_contract_public_ips
    taken: list[PublicIP] = []
    new_ips: list[PublicIP] = []
    for ip in farm.public_ips:  # IPS-04
        if len(taken) < wanted and ip.contract_id == 0:
            if len(taken) >= limit:  # IPS-04
                fail(Error.FailedToReserveIP)
            ip = ip.with_contract_id(contract_id)
            taken.append(ip)
        new_ips.append(ip)
    if len(taken) < wanted:  # IPS-05
        fail(Error.FarmHasNotEnoughPublicIPsFree)
    tx.farms[farm.id] = farm.with_public_ips(tuple(new_ips))  # IPS-06
    return nc.with_public_ips_list(tuple(taken))


def free_ip(tx: Tx, contract_id: int, nc: NodeContract) -> tuple[PublicIP, ...]:
    """IPS-10..IPS-12, TFChain's `free_ip`: returns the freed IPs."""
    farm = node_and_farm(tx, nc.node_id)[1]  # IPS-10
    freed: list[PublicIP] = []
    new_ips: list[PublicIP] = []
    for ip in farm.public_ips:
        if ip.contract_id == contract_id:  # IPS-11
            ip = ip.with_contract_id(0)
            freed.append(ip)
        new_ips.append(ip)
    if freed:
        tx.farms[farm.id] = farm.with_public_ips(tuple(new_ips))
    public_ips = tuple(freed)
    tx.emit(IPsFreed(contract_id, public_ips))  # IPS-12
    return public_ips


def ip_removed(tx: Tx, ip: PublicIP) -> None:
    """IPS-20, HK-30, DEV-IPS-1: the farm removed `ip` (as it was stored, with the contract that held it)."""
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
    public_ips = max(nc.public_ips - (len(nc.public_ips_list) - len(kept)), 0)
    contract = contract.with_contract_type(nc.with_ips(public_ips, kept))
    tx.contracts[contract.contract_id] = contract
    tx.emit(IPsFreed(contract.contract_id, (ip.with_contract_id(0),)))
    tx.emit(ContractUpdated(contract))
