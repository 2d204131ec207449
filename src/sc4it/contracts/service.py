"""Service contracts (spec/service-contracts.md, rules SVC-xx): TFChain's generic consumer–service agreement.

A consumer twin and a service twin agree on a base fee and a variable fee (both mUSD per hour) and on
some metadata; once both approve, the service bills the consumer for windows of at most one hour. The
consumer pays the service directly (no reward split, no discount, no reserve). The handlers follow
TFChain's `service_contract.rs` check by check; where sc4it is stricter the rule says so and
spec/deviations.md records why (DEV-SVC-1..6).

Pure helpers (no `Tx`): `variable_amount_cap` and `service_bill_amount_units_usd`; the latter raises
`OverflowError` where TFChain's arithmetic would overflow, which the handler turns into
`Error.NumOverflow` (SVC-18). The conversion to TFT is grid billing's `units_usd_to_tft` (BIL-36).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from sc4it import ledger
from sc4it.contracts.billing.cost import UNITS_PER_MUSD, units_usd_to_tft
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import (
    ServiceContractApproved,
    ServiceContractBilled,
    ServiceContractCanceled,
    ServiceContractCreated,
    ServiceContractFeesSet,
    ServiceContractMetadataSet,
)
from sc4it.kernel.fixed import U64_MAX, fx_add, fx_div, fx_from_int, fx_mul, fx_round_to_int
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Cause, ServiceContract, ServiceContractState
from sc4it.kernel.types import ServiceContractBill as Bill
from sc4it.reads import caller_twin_id, twin_of

# --------------------------------------------------------------------------------------------------
# Pure arithmetic (SVC-12, SVC-14)


def variable_amount_cap_tfchain(variable_fee: int, window: int, reference_period: int = 3600) -> int:
    """TFChain's bound on a bill's variable amount (mUSD):
    `round((FX(window) / FX(ref)) * FX(variable_fee)).to_num::<u64>()`. Kept for reference and tests;
    sc4it bills with the stricter `variable_amount_cap` (SVC-12, DEV-SVC-4)."""
    share = fx_div(fx_from_int(window), fx_from_int(reference_period))
    return fx_round_to_int(fx_mul(share, fx_from_int(variable_fee)))


def variable_amount_cap(variable_fee: int, window: int, reference_period: int = 3600) -> int:
    """SVC-12: the most a bill of `window` seconds may charge as variable amount (mUSD):
    `floor(variable_fee * window / ref)`, and never more than TFChain's rounded cap. Flooring makes the
    variable charges of any sequence of bills sum to at most `variable_fee` per hour of billed time."""
    exact_floor = variable_fee * window // reference_period
    return min(exact_floor, variable_amount_cap_tfchain(variable_fee, window, reference_period))


def service_bill_amount_units_usd(
    base_fee: int, variable_amount: int, window: int, reference_period: int = 3600
) -> int:
    """SVC-14: the cost of one bill in units USD, exactly as TFChain computes it:

        round( FX(base_fee·10⁴) ⊗ FX(window) ⊘ FX(ref) + FX(variable_amount·10⁴) )

    (⊗ and ⊘ truncate; `round` is half-up). `OverflowError` where TFChain's u64 or U64F64 arithmetic
    would overflow (SVC-18)."""
    base_units = base_fee * UNITS_PER_MUSD
    variable_units = variable_amount * UNITS_PER_MUSD
    if base_units > U64_MAX or variable_units > U64_MAX:
        raise OverflowError("fee in units USD overflows u64")
    base_part = fx_div(fx_mul(fx_from_int(base_units), fx_from_int(window)), fx_from_int(reference_period))
    return fx_round_to_int(fx_add(base_part, fx_from_int(variable_units)))


# --------------------------------------------------------------------------------------------------
# Lookups shared by the handlers


def _service_contract(tx: Tx, service_contract_id: int) -> ServiceContract:
    sc = tx.service_contracts.get(service_contract_id)
    if sc is None:
        fail(Error.ServiceContractNotExists)
    return sc


def _is_party(sc: ServiceContract, twin_id: int) -> bool:
    return twin_id == sc.service_twin_id or twin_id == sc.consumer_twin_id


def _ensure_modifiable(sc: ServiceContract) -> None:
    """SVC-05 (DEV-SVC-2): metadata and fees change only before any approval (TFChain: before
    ApprovedByBoth)."""
    if sc.state == ServiceContractState.ApprovedByBoth or sc.accepted_by_service or sc.accepted_by_consumer:
        fail(Error.ServiceContractModificationNotAllowed)


def _ready_state(sc: ServiceContract, ready: bool) -> ServiceContractState:
    return ServiceContractState.AgreementReady if ready else sc.state


# --------------------------------------------------------------------------------------------------
# Handlers


def handle_service_contract_create(tx: Tx, call: c.ServiceContractCreate) -> None:
    """SVC-02."""
    caller_twin = caller_twin_id(tx)  # SVC-02
    service_twin_id = tx.twin_id_by_account_id.get(call.service_account)
    if service_twin_id is None:  # SVC-02
        fail(Error.TwinNotExists)
    consumer_twin_id = tx.twin_id_by_account_id.get(call.consumer_account)
    if consumer_twin_id is None:  # SVC-02
        fail(Error.TwinNotExists)
    if caller_twin != service_twin_id and caller_twin != consumer_twin_id:  # SVC-02
        fail(Error.TwinNotAuthorized)
    if service_twin_id == consumer_twin_id:  # SVC-02
        fail(Error.ServiceContractCreationNotAllowed)
    if tx.service_contract_id >= U64_MAX:  # pragma: no cover - 2^64 contracts
        fail(Error.NumOverflow)
    sc_id = tx.service_contract_id + 1
    sc = ServiceContract(
        service_contract_id=sc_id,
        service_twin_id=service_twin_id,
        consumer_twin_id=consumer_twin_id,
        base_fee=0,
        variable_fee=0,
        metadata=b"",
        accepted_by_service=False,
        accepted_by_consumer=False,
        last_bill=0,
        state=ServiceContractState.Created,
    )
    tx.service_contracts[sc_id] = sc
    tx.service_contract_id = sc_id
    tx.emit(ServiceContractCreated(sc))


def handle_service_contract_set_metadata(tx: Tx, call: c.ServiceContractSetMetadata) -> None:
    """SVC-03 (with SVC-05 and the readiness rule SVC-06, DEV-SVC-3)."""
    twin_id = caller_twin_id(tx)  # SVC-03
    sc = _service_contract(tx, call.service_contract_id)  # SVC-03
    if not _is_party(sc, twin_id):  # SVC-03
        fail(Error.TwinNotAuthorized)
    _ensure_modifiable(sc)  # SVC-05
    if sc.metadata:  # SVC-03, DEV-SVC-1
        fail(Error.ServiceContractModificationNotAllowed)
    if len(call.metadata) > tx.config.service_contract_metadata_length:  # SVC-03
        fail(Error.ServiceContractMetadataTooLong)
    metadata = bytes(call.metadata)
    new = attrs.evolve(
        sc,
        metadata=metadata,
        state=_ready_state(sc, sc.base_fee != 0 and len(metadata) > 0),  # SVC-06
    )
    tx.service_contracts[sc.service_contract_id] = new
    tx.emit(ServiceContractMetadataSet(new))


def handle_service_contract_set_fees(tx: Tx, call: c.ServiceContractSetFees) -> None:
    """SVC-04 (with SVC-05 and the readiness rule SVC-06)."""
    twin_id = caller_twin_id(tx)  # SVC-04
    sc = _service_contract(tx, call.service_contract_id)  # SVC-04
    if twin_id != sc.service_twin_id:  # SVC-04
        fail(Error.TwinNotAuthorized)
    _ensure_modifiable(sc)  # SVC-05
    new = attrs.evolve(
        sc,
        base_fee=call.base_fee,
        variable_fee=call.variable_fee,
        state=_ready_state(sc, len(sc.metadata) > 0),  # SVC-06
    )
    tx.service_contracts[sc.service_contract_id] = new
    tx.emit(ServiceContractFeesSet(new))


def handle_service_contract_approve(tx: Tx, call: c.ServiceContractApprove) -> None:
    """SVC-07."""
    twin_id = caller_twin_id(tx)  # SVC-07
    sc = _service_contract(tx, call.service_contract_id)  # SVC-07
    if sc.state != ServiceContractState.AgreementReady:  # SVC-07
        fail(Error.ServiceContractApprovalNotAllowed)
    by_service, by_consumer = sc.accepted_by_service, sc.accepted_by_consumer
    if twin_id == sc.service_twin_id:
        by_service = True
    elif twin_id == sc.consumer_twin_id:
        by_consumer = True
    else:  # SVC-07
        fail(Error.TwinNotAuthorized)
    both = by_service and by_consumer
    new = attrs.evolve(
        sc,
        accepted_by_service=by_service,
        accepted_by_consumer=by_consumer,
        last_bill=tx.now if both else sc.last_bill,
        state=ServiceContractState.ApprovedByBoth if both else sc.state,
    )
    tx.service_contracts[sc.service_contract_id] = new
    tx.emit(ServiceContractApproved(new))


def _cancel(tx: Tx, service_contract_id: int, cause: Cause) -> None:
    """SVC-09: TFChain's `_service_contract_cancel` (also the second half of reject)."""
    twin_id = caller_twin_id(tx)  # SVC-09
    sc = _service_contract(tx, service_contract_id)  # SVC-09
    if not _is_party(sc, twin_id):  # SVC-09
        fail(Error.TwinNotAuthorized)
    del tx.service_contracts[service_contract_id]
    tx.emit(ServiceContractCanceled(service_contract_id, cause))


def handle_service_contract_reject(tx: Tx, call: c.ServiceContractReject) -> None:
    """SVC-08."""
    sc = _service_contract(tx, call.service_contract_id)  # SVC-08
    if sc.state != ServiceContractState.AgreementReady:  # SVC-08
        fail(Error.ServiceContractRejectionNotAllowed)
    _cancel(tx, call.service_contract_id, Cause.CanceledByUser)  # SVC-08


def handle_service_contract_cancel(tx: Tx, call: c.ServiceContractCancel) -> None:
    """SVC-09."""
    _cancel(tx, call.service_contract_id, Cause.CanceledByUser)


def handle_service_contract_bill(tx: Tx, call: c.ServiceContractBill) -> None:
    """SVC-10..SVC-17."""
    twin_id = caller_twin_id(tx)  # SVC-10
    sc = _service_contract(tx, call.service_contract_id)  # SVC-10
    if twin_id != sc.service_twin_id:  # SVC-10
        fail(Error.TwinNotAuthorized)
    if sc.state != ServiceContractState.ApprovedByBoth:  # SVC-10
        fail(Error.ServiceContractBillingNotApprovedByBoth)
    now = tx.now
    ref = tx.config.billing_reference_period
    window = min(now - sc.last_bill if now > sc.last_bill else 0, ref)  # SVC-11, DEV-SVC-6
    if call.variable_amount > variable_amount_cap(sc.variable_fee, window, ref):  # SVC-12, DEV-SVC-4
        fail(Error.ServiceContractBillingVariableAmountTooHigh)
    if len(call.metadata) > tx.config.service_bill_metadata_length:  # SVC-13
        fail(Error.ServiceContractBillMetadataTooLong)
    bill = Bill(variable_amount=call.variable_amount, window=window, metadata=bytes(call.metadata))
    try:
        units = service_bill_amount_units_usd(sc.base_fee, call.variable_amount, window, ref)  # SVC-14
    except OverflowError:
        fail(Error.NumOverflow)  # SVC-18
    amount = 0
    if units != 0:  # SVC-15
        price = tx.tft_price.billing_price()
        if price == 0:  # SVC-15
            fail(Error.TFTPriceValueError)
        amount = units_usd_to_tft(units, price)
    service = twin_of(tx, sc.service_twin_id)
    consumer = twin_of(tx, sc.consumer_twin_id)
    usable = ledger.usable_balance(ledger.account(tx, consumer.account_id), tx.config.existential_deposit)
    if usable < amount:  # SVC-16
        fail(Error.ServiceContractNotEnoughFundsToPayBill)
    if amount != 0:  # SVC-17
        ledger.transfer(tx, consumer.account_id, service.account_id, amount)
    new = attrs.evolve(sc, last_bill=max(now, sc.last_bill))  # SVC-17, DEV-SVC-6
    tx.service_contracts[sc.service_contract_id] = new
    tx.emit(ServiceContractBilled(new, bill, amount))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.ServiceContractCreate: handle_service_contract_create,
    c.ServiceContractSetMetadata: handle_service_contract_set_metadata,
    c.ServiceContractSetFees: handle_service_contract_set_fees,
    c.ServiceContractApprove: handle_service_contract_approve,
    c.ServiceContractReject: handle_service_contract_reject,
    c.ServiceContractCancel: handle_service_contract_cancel,
    c.ServiceContractBill: handle_service_contract_bill,
}
