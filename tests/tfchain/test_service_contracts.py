"""Port of tests.rs "SERVICE CONTRACT TESTS" (TFChain commit 33046d68): alice is the service, bob the
consumer. These tests never call `set_prices`, so the TFT price is the mock genesis' average 0 clamped to
the minimum 10 mUSD."""

from __future__ import annotations

import attrs

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.errors import Error
from sc4it.kernel.types import Cause, ServiceContractBill, ServiceContractState

from .formulas import clamped_price, service_bill_units, to_tft
from .mock import (
    BASE_FEE,
    EXISTENTIAL_DEPOSIT,
    SECS_PER_HOUR,
    VARIABLE_AMOUNT,
    VARIABLE_FEE,
    Mock,
    account,
    get_service_contract,
    timestamp_secs,
)

LONG_METADATA = b"very_loooooooooooooooooooooooooooooooooooooooooooooooooong_metadata"
"""67 bytes: longer than both the contract (64) and the bill (50) metadata bounds."""


def test_service_contract_create_works() -> None:
    """Rust `test_service_contract_create_works`: the stored record is the fresh contract (fees 0, no
    metadata, no acceptance, last_bill 0, Created) and the last event is ServiceContractCreated.
    SVC-01 SVC-02."""
    m = Mock()
    m.run_to_block(1)
    m.create_service_consumer_contract()
    expected = get_service_contract()
    assert m.service_contract(1) == expected
    assert m.all_events()[-1] == ev.ServiceContractCreated(expected)


def test_service_contract_create_by_anyone_fails() -> None:
    """Rust `test_service_contract_create_by_anyone_fails`: charlie creates a contract between alice and
    bob → `TwinNotAuthorized`. SVC-02."""
    m = Mock()
    m.assert_noop(
        "charlie", c.ServiceContractCreate(account("alice"), account("bob")), Error.TwinNotAuthorized
    )


def test_service_contract_create_same_account_fails() -> None:
    """Rust `test_service_contract_create_same_account_fails`: service = consumer →
    `ServiceContractCreationNotAllowed`. SVC-02."""
    m = Mock()
    m.assert_noop(
        "alice",
        c.ServiceContractCreate(account("alice"), account("alice")),
        Error.ServiceContractCreationNotAllowed,
    )


def test_service_contract_set_metadata_works() -> None:
    """Rust `test_service_contract_set_metadata_works`: the metadata is stored (fees still 0, so the
    state stays Created) and ServiceContractMetadataSet carries the updated record. SVC-03 SVC-06."""
    m = Mock()
    m.run_to_block(1)
    m.create_service_consumer_contract()
    m.call("alice", c.ServiceContractSetMetadata(1, b"some_metadata"))
    expected = attrs.evolve(get_service_contract(), metadata=b"some_metadata")
    assert m.service_contract(1) == expected
    assert m.all_events()[-1] == ev.ServiceContractMetadataSet(expected)


def test_service_contract_set_metadata_by_unauthorized_fails() -> None:
    """Rust `test_service_contract_set_metadata_by_unauthorized_fails`: charlie is neither party →
    `TwinNotAuthorized`. SVC-03."""
    m = Mock()
    m.create_service_consumer_contract()
    m.assert_noop("charlie", c.ServiceContractSetMetadata(1, b"some_metadata"), Error.TwinNotAuthorized)


def test_service_contract_set_metadata_already_approved_fails() -> None:
    """Rust `test_service_contract_set_metadata_already_approved_fails`: after both approvals the
    metadata cannot change → `ServiceContractModificationNotAllowed` (TFChain: ApprovedByBoth; sc4it
    refuses it from the first approval on, DEV-SVC-2, and a second metadata at all, DEV-SVC-1; same
    error here). SVC-03 SVC-05."""
    m = Mock()
    m.prepare_service_consumer_contract()
    m.approve_service_consumer_contract(1)
    m.assert_noop(
        "alice",
        c.ServiceContractSetMetadata(1, b"some_metadata"),
        Error.ServiceContractModificationNotAllowed,
    )


def test_service_contract_set_metadata_too_long_fails() -> None:
    """Rust `test_service_contract_set_metadata_too_long_fails`: 67 bytes > 64 →
    `ServiceContractMetadataTooLong`. SVC-03."""
    m = Mock()
    m.create_service_consumer_contract()
    assert len(LONG_METADATA) > 64
    m.assert_noop(
        "alice", c.ServiceContractSetMetadata(1, LONG_METADATA), Error.ServiceContractMetadataTooLong
    )


def test_service_contract_set_fees_works() -> None:
    """Rust `test_service_contract_set_fees_works`: the service sets base and variable fee (no metadata
    yet: state stays Created); ServiceContractFeesSet carries the record. SVC-04 SVC-06."""
    m = Mock()
    m.run_to_block(1)
    m.create_service_consumer_contract()
    m.call("alice", c.ServiceContractSetFees(1, BASE_FEE, VARIABLE_FEE))
    expected = attrs.evolve(get_service_contract(), base_fee=BASE_FEE, variable_fee=VARIABLE_FEE)
    assert m.service_contract(1) == expected
    assert m.all_events()[-1] == ev.ServiceContractFeesSet(expected)


def test_service_contract_set_fees_by_unauthorized_fails() -> None:
    """Rust `test_service_contract_set_fees_by_unauthorized_fails`: the consumer may not set fees →
    `TwinNotAuthorized`. SVC-04."""
    m = Mock()
    m.create_service_consumer_contract()
    m.assert_noop("bob", c.ServiceContractSetFees(1, BASE_FEE, VARIABLE_FEE), Error.TwinNotAuthorized)


def test_service_contract_set_fees_already_approved_fails() -> None:
    """Rust `test_service_contract_set_fees_already_approved_fails`: after both approvals →
    `ServiceContractModificationNotAllowed`. SVC-04 SVC-05."""
    m = Mock()
    m.prepare_service_consumer_contract()
    m.approve_service_consumer_contract(1)
    m.assert_noop(
        "alice",
        c.ServiceContractSetFees(1, BASE_FEE, VARIABLE_FEE),
        Error.ServiceContractModificationNotAllowed,
    )


def test_service_contract_approve_works() -> None:
    """Rust `test_service_contract_approve_works`: with metadata and fees the contract is AgreementReady;
    the service's approval sets its flag; the consumer's sets the other, the state ApprovedByBoth and
    last_bill = now (timestamp of block 1); each approval emits ServiceContractApproved with the record.
    SVC-06 SVC-07."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_service_consumer_contract()
    expected = attrs.evolve(
        get_service_contract(),
        base_fee=BASE_FEE,
        variable_fee=VARIABLE_FEE,
        metadata=b"some_metadata",
        state=ServiceContractState.AgreementReady,
    )
    assert m.service_contract(1) == expected
    m.call("alice", c.ServiceContractApprove(1))
    expected = attrs.evolve(expected, accepted_by_service=True)
    assert m.service_contract(1) == expected
    assert m.all_events()[-1] == ev.ServiceContractApproved(expected)
    m.call("bob", c.ServiceContractApprove(1))
    expected = attrs.evolve(
        expected,
        accepted_by_consumer=True,
        last_bill=timestamp_secs(1),
        state=ServiceContractState.ApprovedByBoth,
    )
    assert m.service_contract(1) == expected
    assert m.all_events()[-1] == ev.ServiceContractApproved(expected)


def test_service_contract_approve_agreement_not_ready_fails() -> None:
    """Rust `test_service_contract_approve_agreement_not_ready_fails`: Created →
    `ServiceContractApprovalNotAllowed`. SVC-07."""
    m = Mock()
    m.create_service_consumer_contract()
    m.assert_noop("alice", c.ServiceContractApprove(1), Error.ServiceContractApprovalNotAllowed)


def test_service_contract_approve_already_approved_fails() -> None:
    """Rust `test_service_contract_approve_already_approved_fails`: ApprovedByBoth →
    `ServiceContractApprovalNotAllowed`. SVC-07."""
    m = Mock()
    m.prepare_service_consumer_contract()
    m.approve_service_consumer_contract(1)
    m.assert_noop("alice", c.ServiceContractApprove(1), Error.ServiceContractApprovalNotAllowed)


def test_service_contract_approve_by_unauthorized_fails() -> None:
    """Rust `test_service_contract_approve_by_unauthorized_fails`: charlie → `TwinNotAuthorized`.
    SVC-07."""
    m = Mock()
    m.prepare_service_consumer_contract()
    m.assert_noop("charlie", c.ServiceContractApprove(1), Error.TwinNotAuthorized)


def test_service_contract_reject_works() -> None:
    """Rust `test_service_contract_reject_works`: rejecting an AgreementReady contract removes it;
    last event ServiceContractCanceled{1, CanceledByUser}. SVC-08 SVC-09."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_service_consumer_contract()
    m.call("alice", c.ServiceContractReject(1))
    assert m.service_contract(1) is None
    assert m.all_events()[-1] == ev.ServiceContractCanceled(1, Cause.CanceledByUser)


def test_service_contract_reject_agreement_not_ready_fails() -> None:
    """Rust `test_service_contract_reject_agreement_not_ready_fails`: Created →
    `ServiceContractRejectionNotAllowed`. SVC-08."""
    m = Mock()
    m.create_service_consumer_contract()
    m.assert_noop("alice", c.ServiceContractReject(1), Error.ServiceContractRejectionNotAllowed)


def test_service_contract_reject_already_approved_fails() -> None:
    """Rust `test_service_contract_reject_already_approved_fails`: ApprovedByBoth →
    `ServiceContractRejectionNotAllowed`. SVC-08."""
    m = Mock()
    m.prepare_service_consumer_contract()
    m.approve_service_consumer_contract(1)
    m.assert_noop("alice", c.ServiceContractReject(1), Error.ServiceContractRejectionNotAllowed)


def test_service_contract_reject_by_unauthorized_fails() -> None:
    """Rust `test_service_contract_reject_by_unauthorized_fails`: charlie → `TwinNotAuthorized`.
    SVC-08."""
    m = Mock()
    m.prepare_service_consumer_contract()
    m.assert_noop("charlie", c.ServiceContractReject(1), Error.TwinNotAuthorized)


def test_service_contract_cancel_works() -> None:
    """Rust `test_service_contract_cancel_works`: the service cancels; the contract is gone; last event
    ServiceContractCanceled{1, CanceledByUser}. SVC-09."""
    m = Mock()
    m.run_to_block(1)
    m.create_service_consumer_contract()
    m.call("alice", c.ServiceContractCancel(1))
    assert m.service_contract(1) is None
    assert m.all_events()[-1] == ev.ServiceContractCanceled(1, Cause.CanceledByUser)


def test_service_contract_cancel_by_unauthorized_fails() -> None:
    """Rust `test_service_contract_cancel_by_unauthorized_fails`: charlie → `TwinNotAuthorized`.
    SVC-09."""
    m = Mock()
    m.create_service_consumer_contract()
    m.assert_noop("charlie", c.ServiceContractCancel(1), Error.TwinNotAuthorized)


def test_service_contract_bill_works() -> None:
    """Rust `test_service_contract_bill_works`: approved at the timestamp of block 1 (last_bill), billed
    in block 202 (timestamp of 201: a 1200 s window) and in block 902 (timestamp of 901: 4200 s since the
    last bill, capped to one hour); each time the consumer pays exactly the derived amount, last_bill
    moves to now and the last event is ServiceContractBilled{contract, bill, amount}. SVC-10 SVC-11
    SVC-12 SVC-14 SVC-15 SVC-16 SVC-17."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_service_consumer_contract()
    sc = m.service_contract(1)
    assert sc is not None and sc.last_bill == 0
    m.approve_service_consumer_contract(1)
    sc = m.service_contract(1)
    assert sc is not None and sc.last_bill == timestamp_secs(1)
    assert m.free("bob") == 2_500_000_000
    price = clamped_price(m.state.tft_price.average)
    assert price == 10

    # Bill 20 min after contract approval
    m.run_to_block(201)
    m.call("alice", c.ServiceContractBill(1, VARIABLE_AMOUNT, b"bill_metadata_1"))
    sc = m.service_contract(1)
    assert sc is not None and sc.last_bill == timestamp_secs(201)
    window = timestamp_secs(201) - timestamp_secs(1)
    assert window == 1200
    bill_1 = ServiceContractBill(VARIABLE_AMOUNT, window, b"bill_metadata_1")
    amount_1 = to_tft(service_bill_units(BASE_FEE, VARIABLE_AMOUNT, window), price)
    assert 2_500_000_000 - m.free("bob") == amount_1
    assert m.all_events()[-1] == ev.ServiceContractBilled(sc, bill_1, amount_1)

    # Bill a second time, 1h10min after first billing: a one-hour window
    m.run_to_block(901)
    m.call("alice", c.ServiceContractBill(1, VARIABLE_AMOUNT, b"bill_metadata_2"))
    sc = m.service_contract(1)
    assert sc is not None and sc.last_bill == timestamp_secs(901)
    assert timestamp_secs(901) - timestamp_secs(201) > SECS_PER_HOUR
    bill_2 = ServiceContractBill(VARIABLE_AMOUNT, SECS_PER_HOUR, b"bill_metadata_2")
    amount_2 = to_tft(service_bill_units(BASE_FEE, VARIABLE_AMOUNT, SECS_PER_HOUR), price)
    assert 2_500_000_000 - m.free("bob") - amount_1 == amount_2
    assert m.all_events()[-1] == ev.ServiceContractBilled(sc, bill_2, amount_2)
    assert m.free("alice") == 1_000_000_000_000 + amount_1 + amount_2


def test_service_contract_bill_by_unauthorized_fails() -> None:
    """Rust `test_service_contract_bill_by_unauthorized_fails`: the consumer bills →
    `TwinNotAuthorized`. SVC-10."""
    m = Mock()
    m.prepare_service_consumer_contract()
    m.approve_service_consumer_contract(1)
    m.assert_noop("bob", c.ServiceContractBill(1, VARIABLE_AMOUNT, b"bill_metadata"), Error.TwinNotAuthorized)


def test_service_contract_bill_not_approved_fails() -> None:
    """Rust `test_service_contract_bill_not_approved_fails`: AgreementReady only →
    `ServiceContractBillingNotApprovedByBoth`. SVC-10."""
    m = Mock()
    m.prepare_service_consumer_contract()
    m.assert_noop(
        "alice",
        c.ServiceContractBill(1, VARIABLE_AMOUNT, b"bill_metadata"),
        Error.ServiceContractBillingNotApprovedByBoth,
    )


def test_service_contract_bill_variable_amount_too_high_fails() -> None:
    """Rust `test_service_contract_bill_variable_amount_too_high_fails`: one hour after approval, a
    variable amount of VARIABLE_FEE + 1 exceeds the cap (VARIABLE_FEE for a full hour) →
    `ServiceContractBillingVariableAmountTooHigh`. For a whole hour sc4it's floored cap and TFChain's
    rounded one are both 1000 (DEV-SVC-4 changes nothing here). SVC-12 DEV-SVC-4."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_service_consumer_contract()
    m.approve_service_consumer_contract(1)
    m.run_to_block(601)
    assert timestamp_secs(601) - timestamp_secs(1) == SECS_PER_HOUR
    m.assert_noop(
        "alice",
        c.ServiceContractBill(1, VARIABLE_FEE + 1, b"bill_metadata"),
        Error.ServiceContractBillingVariableAmountTooHigh,
    )


def test_service_contract_bill_metadata_too_long_fails() -> None:
    """Rust `test_service_contract_bill_metadata_too_long_fails`: 67 bytes > 50 →
    `ServiceContractBillMetadataTooLong`. SVC-13."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_service_consumer_contract()
    m.approve_service_consumer_contract(1)
    m.run_to_block(601)
    m.assert_noop(
        "alice",
        c.ServiceContractBill(1, VARIABLE_AMOUNT, LONG_METADATA),
        Error.ServiceContractBillMetadataTooLong,
    )


def test_service_contract_bill_out_of_funds_fails() -> None:
    """Rust `test_service_contract_bill_out_of_funds_fails`: the consumer empties his account, then the
    hourly bill fails with `ServiceContractNotEnoughFundsToPayBill` (and changes nothing). The Rust
    `transfer` may reap the account (balance 0); sc4it's `Transfer` is keep-alive (LED-13), so bob keeps
    the existential deposit, which is not usable (LED-05): the same "no funds" situation. SVC-16."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_service_consumer_contract()
    m.approve_service_consumer_contract(1)
    m.call("bob", c.Transfer(account("alice"), m.free("bob") - EXISTENTIAL_DEPOSIT))
    assert m.usable("bob") == 0
    m.run_to_block(601)
    m.assert_noop(
        "alice",
        c.ServiceContractBill(1, VARIABLE_AMOUNT, b"bill_metadata"),
        Error.ServiceContractNotEnoughFundsToPayBill,
    )
