"""The billing loop (spec/billing.md BIL-02..BIL-06): the per-block hook, the `should_bill` filter, the
`BillContractForBlock` call and the council's `ChangeBillingFrequency`.

TFChain's off-chain worker reads shard `block % BillingFrequency` and submits one `bill_contract_for_block`
transaction per contract that passes `should_bill`; sc4it bills that shard synchronously in `on_block`
(ADR-0010; spec/tfchain.md), each contract as its own atomic step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sc4it.contracts.billing.payment import bill_contract, pricing_of
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, Fail, fail
from sc4it.kernel.events import BillingFrequencyChanged, Event
from sc4it.kernel.origins import ensure_council
from sc4it.kernel.pmap import PSet, index_add, index_discard
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv, Tx
from sc4it.kernel.types import (
    Contract,
    ContractBillingInformation,
    ContractPaymentState,
    ContractResources,
    NodeContract,
)

_EMPTY: PSet[int] = PSet()


class _Lookup(Protocol):
    def get(self, key: int) -> Any: ...


class _BillingMaps(Protocol):
    """What `should_bill` reads: a `State` or a `Tx` (whose maps reflect the bills already made)."""

    @property
    def node_contract_resources(self) -> _Lookup: ...
    @property
    def contract_billing_information_by_id(self) -> _Lookup: ...
    @property
    def contract_payment_state(self) -> _Lookup: ...


def should_bill(state: _BillingMaps, contract: Contract) -> bool:
    """BIL-04: name and rent contracts are always billed; a node contract only when it has public IPs,
    reported resources, unbilled NU, or an overdraft ([F25], the fix for #1047). `state` is a `State` or
    the `Tx` of the block being billed."""
    ct = contract.contract_type
    if not isinstance(ct, NodeContract):
        return True
    cid = contract.contract_id
    if ct.public_ips > 0:
        return True
    used: ContractResources | None = state.node_contract_resources.get(cid)
    if used is not None and not used.used.is_empty():
        return True
    info: ContractBillingInformation | None = state.contract_billing_information_by_id.get(cid)
    if info is not None and info.amount_unbilled > 0:
        return True
    ps: ContractPaymentState | None = state.contract_payment_state.get(cid)
    return ps is not None and ps.has_overdraft()


def contracts_to_bill(state: State | Tx, block: int) -> list[int]:
    """BIL-03: the ids in shard `block % BillingFrequency`, in ascending id order (P-Q, DEV-BIL-8)."""
    shard = state.contracts_to_bill_at.get(block % state.billing_frequency)
    return [] if shard is None else shard.sorted()


def bill_shard(tx: Tx) -> None:
    """BIL-03: the block hook, on the block's transaction. For each id of the block's shard whose
    contract exists and passes `should_bill`, run `bill_contract` as one atomic step: a step that fails
    leaves no trace (and no event; it is rolled back to a savepoint) and the loop goes on with the next
    id. What every bill of the block reads alike (pricing policy 1, its rates, the price) is read once
    (`payment.pricing_of`)."""
    pricing = pricing_of(tx)
    for contract_id in contracts_to_bill(tx, tx.block):
        contract = tx.contracts.get(contract_id)
        if contract is None or not should_bill(tx, contract):
            continue
        mark = tx.savepoint()
        try:
            bill_contract(tx, contract_id, pricing)
        except Fail:
            tx.rollback(mark)


def bill_block(state: State, env: BlockEnv) -> tuple[State, list[Event]]:
    """BIL-03: `bill_shard` on a fresh transaction over `state`: the state after the block's bills and
    their events."""
    tx = Tx(state, env)
    bill_shard(tx)
    return tx.commit(), tx.events


# --------------------------------------------------------------------------------------------------
# Calls


def handle_bill_contract_for_block(tx: Tx, call: c.BillContractForBlock) -> None:
    """BIL-05: any signed account may bill any contract now (no `should_bill` filter); the result and
    errors are `bill_contract`'s."""
    bill_contract(tx, call.contract_id, pricing_of(tx))


def rebucket(tx: Tx, new: int) -> None:
    """BIL-06 (P-A, DEV-BIL-2): move every id whose shard changes to shard `id % new`, so each
    contract stays in exactly one shard, `id % BillingFrequency`, and can always be removed."""
    moves: list[tuple[int, int, int]] = []
    for index, ids in list(tx.contracts_to_bill_at.items()):
        for cid in ids:
            target = cid % new
            if target != index:
                moves.append((index, target, cid))
    for index, target, cid in moves:
        index_discard(tx.contracts_to_bill_at, index, cid)
        index_add(tx.contracts_to_bill_at, target, cid)


def handle_change_billing_frequency(tx: Tx, call: c.ChangeBillingFrequency) -> None:
    """BIL-06, DEV-BIL-2."""
    ensure_council(tx)  # BIL-06
    if call.frequency <= tx.billing_frequency:  # BIL-06
        fail(Error.CanOnlyIncreaseFrequency)
    rebucket(tx, call.frequency)  # DEV-BIL-2
    tx.billing_frequency = call.frequency
    tx.emit(BillingFrequencyChanged(call.frequency))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.BillContractForBlock: handle_bill_contract_for_block,
    c.ChangeBillingFrequency: handle_change_billing_frequency,
}
