"""Node contract migration (spec/migration.md, rules MIG-xx): TFChain's `migrate_node_contract`
(pallet-smart-contract call index 22, ADR-0027). The council moves a Created node contract to another
node of the same farm; it keeps its id, reserves, reports and public IPs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.contracts.billing.payment import bill_contract, pricing_of
from sc4it.contracts.node import node_is_dedicated
from sc4it.contracts.records import remove_active_node_contract
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import ContractUpdated
from sc4it.kernel.origins import ensure_council
from sc4it.kernel.pmap import index_add
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Contract, Created, NodeContract
from sc4it.reads import node_power


def _check_nodes(tx: Tx, src: int, dst: int) -> None:
    """MIG-05..MIG-08: both nodes exist on one farm, neither opted out nor rented, the destination
    neither standby nor dedicated."""
    source = tx.nodes.get(src)
    if source is None:  # MIG-05
        fail(Error.NodeNotExists)
    dest = tx.nodes.get(dst)
    if dest is None:  # MIG-05
        fail(Error.NodeNotExists)
    if dest.farm_id != source.farm_id:  # MIG-05
        fail(Error.NodeNotInSameFarm)
    for node_id in (src, dst):
        if node_id in tx.node_v3_billing_opt_out:  # MIG-06
            fail(Error.NodeIsOptedOutOfV3Billing)
    for node_id in (src, dst):
        if node_id in tx.active_rent_contract_for_node:  # MIG-07
            fail(Error.NodeNotAvailableToDeploy)
    if node_power(tx, dst).is_standby_phase():  # MIG-08
        fail(Error.NodeNotAvailableToDeploy)
    farm = tx.farms.get(dest.farm_id)
    if node_is_dedicated(tx, dst, farm is not None and farm.dedicated_farm):  # MIG-08
        fail(Error.NodeNotAvailableToDeploy)


def _move(tx: Tx, contract: Contract, nc: NodeContract, dst: int, new_hash: bytes) -> Contract:
    """MIG-22..MIG-26: re-key the hash index, move between the active sets, restart the clock, drop the
    deployment flag; returns the contract as stored."""
    cid = contract.contract_id
    old_key = (nc.node_id, nc.deployment_hash)
    if tx.contract_id_by_node_id_and_hash.get(old_key) == cid:  # MIG-22 (guarded removal)
        tx.contract_id_by_node_id_and_hash.pop(old_key)
    tx.contract_id_by_node_id_and_hash[(dst, new_hash)] = cid
    remove_active_node_contract(tx, nc.node_id, cid)  # MIG-23
    index_add(tx.active_node_contracts, dst, cid)  # MIG-23
    contract = contract.with_contract_type(nc.with_node(dst, new_hash))  # MIG-25
    tx.contracts[cid] = contract
    ps = tx.contract_payment_state.get(cid)
    assert ps is not None, "MIG-20 billed the contract, so its payment state exists"
    tx.contract_payment_state[cid] = ps.with_clock(tx.now)  # MIG-24
    tx.deployed_contracts.pop(cid)  # MIG-26
    return contract


def handle_migrate_node_contract(tx: Tx, call: c.MigrateNodeContract) -> None:
    """MIG-01..MIG-27. Origin: council. Checks MIG-01..MIG-09 in order, bill (MIG-20, MIG-21), move."""
    ensure_council(tx)  # MIG-01
    cid = call.contract_id
    contract = tx.contracts.get(cid)
    if contract is None:  # MIG-02
        fail(Error.ContractNotExists)
    nc = contract.contract_type
    if not isinstance(nc, NodeContract):  # MIG-02
        fail(Error.InvalidContractType)
    if not isinstance(contract.state, Created):  # MIG-03
        fail(Error.ContractNotInCreatedState)
    if call.node_id == nc.node_id:  # MIG-04
        fail(Error.ContractAlreadyOnNode)
    _check_nodes(tx, nc.node_id, call.node_id)  # MIG-05..MIG-08
    new_hash = nc.deployment_hash if call.deployment_hash is None else call.deployment_hash
    if (call.node_id, new_hash) in tx.contract_id_by_node_id_and_hash:  # MIG-09
        fail(Error.ContractIsNotUnique)
    bill_contract(tx, cid, pricing_of(tx))  # MIG-20
    contract = tx.contracts.get(cid)
    if contract is None:  # pragma: no cover - MIG-21: unreachable (Created contracts are not deleted)
        return
    if not isinstance(contract.state, Created):  # MIG-21: the twin could not pay
        fail(Error.ContractNotInCreatedState)
    nc = contract.contract_type
    assert isinstance(nc, NodeContract)
    contract = _move(tx, contract, nc, call.node_id, new_hash)
    tx.emit(ContractUpdated(contract))  # MIG-27


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.MigrateNodeContract: handle_migrate_node_contract,
}
