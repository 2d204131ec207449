"""The grace period (spec/grace.md GRC-01..GRC-09): TFChain's `manage_contract_state`, the state machine a
bill drives between Created, GracePeriod and Deleted, and the rent contract's hold on its node contracts.
"""

from __future__ import annotations

from sc4it.contracts.records import update_contract_state
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import (
    ContractGracePeriodElapsed,
    ContractGracePeriodEnded,
    ContractGracePeriodStarted,
)
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    Cause,
    Contract,
    ContractState,
    Created,
    Deleted,
    GracePeriod,
    NodeContract,
    RentContract,
)


def synchronize_node_contracts(tx: Tx, rent: Contract, state: ContractState) -> None:
    """GRC-06, GRC-07, DEV-BIL-7: the rent contract carries its node contracts into grace and back."""
    ct = rent.contract_type
    if not isinstance(ct, RentContract):
        return
    ids = tx.active_node_contracts.get(ct.node_id)
    if ids is None:
        return
    for cid in ids.sorted():
        nc = tx.contracts.get(cid)
        if nc is None:
            fail(Error.ContractNotExists)
        if isinstance(state, Created):
            ps = tx.contract_payment_state.get(cid)
            if ps is not None and ps.has_overdraft():
                continue
            if not isinstance(nc.state, GracePeriod):
                continue
            nc = update_contract_state(tx, nc, state)
            tx.emit(ContractGracePeriodEnded(cid, ct.node_id, nc.twin_id))
        elif isinstance(state, GracePeriod):
            if isinstance(nc.state, GracePeriod):
                continue
            nc = update_contract_state(tx, nc, state)
            tx.emit(ContractGracePeriodStarted(cid, ct.node_id, nc.twin_id, state.start_block))


def _rent_is_suspended(tx: Tx, contract: Contract) -> bool:
    """GRC-08: a node contract on a node whose rent contract is in grace cannot leave grace by itself."""
    ct = contract.contract_type
    if not isinstance(ct, NodeContract):
        return False
    rent_id = tx.active_rent_contract_for_node.get(ct.node_id)
    if rent_id is None:
        return False
    rent = tx.contracts.get(rent_id)
    return rent is not None and isinstance(rent.state, GracePeriod)


def manage_contract_state(tx: Tx, contract: Contract, sufficient: bool, block: int) -> Contract:
    """GRC-01..GRC-05, TFChain's `manage_contract_state`; returns the contract as it now stands."""
    state = contract.state
    if isinstance(state, GracePeriod):
        if sufficient and not _rent_is_suspended(tx, contract):
            # GRC-01: funds are back: restore (a rent contract restores its node contracts, GRC-07).
            contract = update_contract_state(tx, contract, Created())
            tx.emit(ContractGracePeriodEnded(contract.contract_id, contract.node_id(), contract.twin_id))
            synchronize_node_contracts(tx, contract, Created())
            return contract
        elapsed = block - state.start_block if block > state.start_block else 0
        if elapsed >= tx.config.grace_period:
            ct = contract.contract_type
            if isinstance(ct, RentContract):
                # GRC-03: a rent contract waits until its node contracts hold no reserve.
                ids = tx.active_node_contracts.get(ct.node_id)
                if ids is not None:
                    for cid in ids.sorted():
                        ps = tx.contract_payment_state.get(cid)
                        if ps is not None and ps.has_reserve():
                            return contract
            # GRC-02: the grace period has elapsed: the contract is deleted (OutOfFunds).
            tx.emit(ContractGracePeriodElapsed(contract.contract_id, elapsed))
            return update_contract_state(tx, contract, Deleted(Cause.OutOfFunds))
        return contract
    if isinstance(state, Created) and not sufficient:
        # GRC-04: enter grace at this block (a rent contract takes its node contracts along, GRC-06).
        contract = update_contract_state(tx, contract, GracePeriod(block))
        tx.emit(ContractGracePeriodStarted(contract.contract_id, contract.node_id(), contract.twin_id, block))
        synchronize_node_contracts(tx, contract, GracePeriod(block))
    return contract
