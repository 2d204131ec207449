"""Service contracts: create, metadata, fees, approval, rejection, cancellation
(spec/service-contracts.md SVC-01..SVC-09)."""

from __future__ import annotations

import pytest

from sc4it import Config, Error
from sc4it import calls as c
from sc4it import events as ev
from sc4it.contracts.service import HANDLERS
from sc4it.kernel.types import Cause, ServiceContract, ServiceContractState
from sc4it.runtime import handlers

from .flows import approved, create, prepare
from .world import BASE_FEE, METADATA, VARIABLE_FEE, World, account

Created = ServiceContractState.Created
Ready = ServiceContractState.AgreementReady
Both = ServiceContractState.ApprovedByBoth


def fresh(sc_id: int = 1) -> ServiceContract:
    return ServiceContract(sc_id, 1, 2, 0, 0, b"", False, False, 0, Created)


def test_handlers_are_dispatched() -> None:
    """SVC-01: every service-contract call has its handler in the runtime's dispatch table."""
    table = handlers()
    for call_type, handler in HANDLERS.items():
        assert table[call_type] is handler
    assert len(HANDLERS) == 7


# --- SVC-01 / SVC-02: create ---------------------------------------------------------------------


@pytest.mark.parametrize("by", ["alice", "bob"])
def test_svc02_create_by_either_party(by: str) -> None:
    """SVC-02: the service or the consumer creates; initial values; event."""
    w = World()
    out = w.ok(by, c.ServiceContractCreate(account("alice"), account("bob")))
    assert w.sc(1) == fresh(1)
    assert w.state.service_contract_id == 1
    assert out.events == (ev.ServiceContractCreated(fresh(1)),)


def test_svc01_separate_id_space_increments() -> None:
    """SVC-01: ids come from ServiceContractID, starting at 1, independent of grid contract ids."""
    w = World()
    assert create(w) == 1
    assert create(w, by="bob") == 2
    assert w.state.contract_id == 0
    assert set(w.state.service_contracts.keys()) == {1, 2}
    w.ok("alice", c.ServiceContractCancel(1))
    assert create(w) == 3


def test_svc02_create_caller_without_twin() -> None:
    """SVC-02: the caller needs a twin (TwinNotExists), checked first."""
    w = World()
    out = w.call("dave", c.ServiceContractCreate(account("alice"), account("bob")))
    assert out.error is Error.TwinNotExists


@pytest.mark.parametrize("service, consumer", [("dave", "bob"), ("alice", "dave"), ("eve", "bob")])
def test_svc02_create_party_without_twin(service: str, consumer: str) -> None:
    """SVC-02: the service and the consumer accounts need twins (TwinNotExists)."""
    w = World()
    out = w.call("alice", c.ServiceContractCreate(account(service), account(consumer)))
    assert out.error is Error.TwinNotExists


def test_svc02_create_by_third_party() -> None:
    """SVC-02: a caller that is neither party gets TwinNotAuthorized (before the same-twin check)."""
    w = World()
    assert w.call("charlie", c.ServiceContractCreate(account("alice"), account("bob"))).error is (
        Error.TwinNotAuthorized
    )
    assert w.call("charlie", c.ServiceContractCreate(account("alice"), account("alice"))).error is (
        Error.TwinNotAuthorized
    )


def test_svc02_create_same_account() -> None:
    """SVC-02: service and consumer must be different twins (ServiceContractCreationNotAllowed)."""
    w = World()
    out = w.call("alice", c.ServiceContractCreate(account("alice"), account("alice")))
    assert out.error is Error.ServiceContractCreationNotAllowed
    assert len(w.state.service_contracts) == 0


# --- SVC-03: metadata ------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["alice", "bob"])
def test_svc03_set_metadata_by_either_party(by: str) -> None:
    """SVC-03: either party sets the metadata; event carries the updated contract."""
    w = World()
    create(w)
    out = w.ok(by, c.ServiceContractSetMetadata(1, METADATA))
    expected = ServiceContract(1, 1, 2, 0, 0, METADATA, False, False, 0, Created)
    assert w.sc(1) == expected
    assert out.events == (ev.ServiceContractMetadataSet(expected),)


def test_svc03_set_metadata_errors_in_order() -> None:
    """SVC-03: TwinNotExists, then ServiceContractNotExists, then TwinNotAuthorized."""
    w = World()
    create(w)
    assert w.call("dave", c.ServiceContractSetMetadata(99, METADATA)).error is Error.TwinNotExists
    out = w.call("charlie", c.ServiceContractSetMetadata(99, METADATA))
    assert out.error is Error.ServiceContractNotExists
    assert w.call("charlie", c.ServiceContractSetMetadata(1, METADATA)).error is Error.TwinNotAuthorized


def test_svc03_metadata_length_limit() -> None:
    """SVC-03: at most service_contract_metadata_length (64) bytes, else ServiceContractMetadataTooLong."""
    w = World()
    create(w)
    create(w)
    assert w.call("alice", c.ServiceContractSetMetadata(1, b"x" * 65)).error is (
        Error.ServiceContractMetadataTooLong
    )
    w.ok("alice", c.ServiceContractSetMetadata(1, b"x" * 64))
    assert w.sc(1).metadata == b"x" * 64
    # TFChain's own test value (67 bytes)
    long = b"very_loooooooooooooooooooooooooooooooooooooooooooooooooong_metadata"
    assert w.call("bob", c.ServiceContractSetMetadata(2, long)).error is Error.ServiceContractMetadataTooLong


def test_svc03_metadata_limit_from_config() -> None:
    """SVC-03: the limit is Config.service_contract_metadata_length."""
    w = World(config=Config(service_contract_metadata_length=4))
    create(w)
    assert w.call("alice", c.ServiceContractSetMetadata(1, b"abcde")).error is (
        Error.ServiceContractMetadataTooLong
    )
    w.ok("alice", c.ServiceContractSetMetadata(1, b"abcd"))


def test_svc03_set_metadata_after_approval_by_both() -> None:
    """SVC-03/SVC-05: no metadata change once ApprovedByBoth (ServiceContractModificationNotAllowed)."""
    w = World()
    approved(w)
    out = w.call("alice", c.ServiceContractSetMetadata(1, METADATA))
    assert out.error is Error.ServiceContractModificationNotAllowed


def test_dev_svc_1_metadata_is_set_once() -> None:
    """SVC-03 / DEV-SVC-1: once non-empty metadata is set, setting it again fails
    (ServiceContractModificationNotAllowed), by either party, even with the same bytes.
    TFChain overwrites it."""
    w = World()
    create(w)
    w.ok("bob", c.ServiceContractSetMetadata(1, METADATA))
    for by in ("alice", "bob"):
        assert w.call(by, c.ServiceContractSetMetadata(1, b"other")).error is (
            Error.ServiceContractModificationNotAllowed
        )
    assert w.call("alice", c.ServiceContractSetMetadata(1, METADATA)).error is (
        Error.ServiceContractModificationNotAllowed
    )
    assert w.sc(1).metadata == METADATA


def test_dev_svc_1_empty_metadata_does_not_count_as_set() -> None:
    """SVC-03 / DEV-SVC-1: empty metadata is "not set": it may be followed by a real value."""
    w = World()
    create(w)
    out = w.ok("alice", c.ServiceContractSetMetadata(1, b""))
    assert out.events == (ev.ServiceContractMetadataSet(fresh(1)),)
    w.ok("bob", c.ServiceContractSetMetadata(1, METADATA))
    assert w.sc(1).metadata == METADATA


def test_svc03_metadata_once_checked_before_length() -> None:
    """SVC-03: order: ModificationNotAllowed (already set) before MetadataTooLong."""
    w = World()
    create(w)
    w.ok("alice", c.ServiceContractSetMetadata(1, METADATA))
    assert w.call("alice", c.ServiceContractSetMetadata(1, b"x" * 65)).error is (
        Error.ServiceContractModificationNotAllowed
    )


# --- SVC-04: fees ----------------------------------------------------------------------------------


def test_svc04_set_fees_by_service() -> None:
    """SVC-04: the service sets both fees; event carries the updated contract."""
    w = World()
    create(w)
    out = w.ok("alice", c.ServiceContractSetFees(1, BASE_FEE, VARIABLE_FEE))
    expected = ServiceContract(1, 1, 2, BASE_FEE, VARIABLE_FEE, b"", False, False, 0, Created)
    assert w.sc(1) == expected
    assert out.events == (ev.ServiceContractFeesSet(expected),)


def test_svc04_fees_can_change_until_approval() -> None:
    """SVC-04: fees may be set again (even after AgreementReady) while nobody has approved."""
    w = World()
    prepare(w)
    w.ok("alice", c.ServiceContractSetFees(1, 5, 7))
    assert (w.sc(1).base_fee, w.sc(1).variable_fee, w.sc(1).state) == (5, 7, Ready)


def test_svc04_set_fees_errors_in_order() -> None:
    """SVC-04: TwinNotExists, ServiceContractNotExists, then only the service (TwinNotAuthorized)."""
    w = World()
    create(w)
    assert w.call("dave", c.ServiceContractSetFees(99, 1, 1)).error is Error.TwinNotExists
    assert w.call("bob", c.ServiceContractSetFees(99, 1, 1)).error is Error.ServiceContractNotExists
    assert w.call("bob", c.ServiceContractSetFees(1, 1, 1)).error is Error.TwinNotAuthorized
    assert w.call("charlie", c.ServiceContractSetFees(1, 1, 1)).error is Error.TwinNotAuthorized


def test_svc04_set_fees_after_approval_by_both() -> None:
    """SVC-04/SVC-05: no fee change once ApprovedByBoth (ServiceContractModificationNotAllowed)."""
    w = World()
    approved(w)
    out = w.call("alice", c.ServiceContractSetFees(1, BASE_FEE, VARIABLE_FEE))
    assert out.error is Error.ServiceContractModificationNotAllowed


@pytest.mark.parametrize("approver", ["alice", "bob"])
def test_dev_svc_2_no_modification_after_one_approval(approver: str) -> None:
    """SVC-05 / DEV-SVC-2: after either party approved, fees and metadata are frozen
    (ServiceContractModificationNotAllowed). TFChain allows changes until ApprovedByBoth, so a service
    could raise its fees after the consumer approved and then approve itself."""
    w = World()
    create(w)
    w.ok("alice", c.ServiceContractSetFees(1, BASE_FEE, VARIABLE_FEE))
    w.ok("alice", c.ServiceContractSetMetadata(1, METADATA))
    w.ok(approver, c.ServiceContractApprove(1))
    assert w.call("alice", c.ServiceContractSetFees(1, 100 * BASE_FEE, VARIABLE_FEE)).error is (
        Error.ServiceContractModificationNotAllowed
    )
    assert (w.sc(1).base_fee, w.sc(1).variable_fee) == (BASE_FEE, VARIABLE_FEE)


def test_dev_svc_2_metadata_frozen_after_one_approval() -> None:
    """SVC-05 / DEV-SVC-2: after one approval set_metadata fails as well (the freeze is checked before
    the set-once rule), whoever calls."""
    w = World()
    prepare(w)
    w.ok("bob", c.ServiceContractApprove(1))
    for by in ("alice", "bob"):
        assert w.call(by, c.ServiceContractSetMetadata(1, b"")).error is (
            Error.ServiceContractModificationNotAllowed
        )


# --- SVC-06: readiness -----------------------------------------------------------------------------


def test_svc06_metadata_then_fees_is_ready() -> None:
    """SVC-06: set_fees makes the contract AgreementReady when metadata is present (even base fee 0)."""
    w = World()
    create(w)
    w.ok("alice", c.ServiceContractSetMetadata(1, METADATA))
    assert w.sc(1).state == Created
    w.ok("alice", c.ServiceContractSetFees(1, 0, 0))
    assert w.sc(1).state == Ready


def test_svc06_fees_then_metadata_is_ready() -> None:
    """SVC-06: set_metadata makes the contract AgreementReady when the base fee is non-zero."""
    w = World()
    create(w)
    w.ok("alice", c.ServiceContractSetFees(1, BASE_FEE, 0))
    assert w.sc(1).state == Created
    out = w.ok("bob", c.ServiceContractSetMetadata(1, METADATA))
    assert w.sc(1).state == Ready
    assert out.events == (ev.ServiceContractMetadataSet(w.sc(1)),)


def test_svc06_zero_base_fee_then_metadata_needs_fees_again() -> None:
    """SVC-06: fees (base 0) then metadata stays Created (TFChain); setting the fees again makes it ready."""
    w = World()
    create(w)
    w.ok("alice", c.ServiceContractSetFees(1, 0, VARIABLE_FEE))
    w.ok("alice", c.ServiceContractSetMetadata(1, METADATA))
    assert w.sc(1).state == Created
    assert w.call("alice", c.ServiceContractApprove(1)).error is Error.ServiceContractApprovalNotAllowed
    w.ok("alice", c.ServiceContractSetFees(1, 0, VARIABLE_FEE))
    assert w.sc(1).state == Ready


def test_dev_svc_3_empty_metadata_never_makes_ready() -> None:
    """SVC-06 / DEV-SVC-3: empty metadata does not make the agreement ready, whatever the fees
    (TFChain: set_metadata(b"") with a non-zero base fee gives AgreementReady)."""
    w = World()
    create(w)
    w.ok("alice", c.ServiceContractSetFees(1, BASE_FEE, VARIABLE_FEE))
    w.ok("alice", c.ServiceContractSetMetadata(1, b""))
    assert w.sc(1).state == Created
    w.ok("alice", c.ServiceContractSetFees(1, BASE_FEE, VARIABLE_FEE))
    assert w.sc(1).state == Created
    assert w.call("bob", c.ServiceContractApprove(1)).error is Error.ServiceContractApprovalNotAllowed


# --- SVC-07: approve -------------------------------------------------------------------------------


def test_svc07_approve_flow() -> None:
    """SVC-07: each approval sets the caller's flag and emits ServiceContractApproved; the second
    makes the contract ApprovedByBoth and sets last_bill = now."""
    w = World()
    prepare(w)
    w.run_to_block(5)
    out = w.ok("alice", c.ServiceContractApprove(1))
    first = ServiceContract(1, 1, 2, BASE_FEE, VARIABLE_FEE, METADATA, True, False, 0, Ready)
    assert w.sc(1) == first
    assert out.events == (ev.ServiceContractApproved(first),)
    w.run_to_block(7)
    out = w.ok("bob", c.ServiceContractApprove(1))
    both = ServiceContract(1, 1, 2, BASE_FEE, VARIABLE_FEE, METADATA, True, True, w.now, Both)
    assert w.sc(1) == both
    assert out.events == (ev.ServiceContractApproved(both),)


def test_svc07_consumer_first() -> None:
    """SVC-07: the order of approvals does not matter."""
    w = World()
    prepare(w)
    w.ok("bob", c.ServiceContractApprove(1))
    assert (w.sc(1).accepted_by_consumer, w.sc(1).accepted_by_service, w.sc(1).state) == (True, False, Ready)
    w.ok("alice", c.ServiceContractApprove(1))
    assert w.sc(1).state == Both


def test_svc07_repeated_approval_by_same_party() -> None:
    """SVC-07: approving twice is accepted (as TFChain) and changes nothing but the event."""
    w = World()
    prepare(w)
    w.ok("alice", c.ServiceContractApprove(1))
    before = w.sc(1)
    out = w.ok("alice", c.ServiceContractApprove(1))
    assert w.sc(1) == before
    assert out.events == (ev.ServiceContractApproved(before),)


def test_svc07_approve_not_ready() -> None:
    """SVC-07: only an AgreementReady contract can be approved (ServiceContractApprovalNotAllowed),
    and this is checked before the caller is a party."""
    w = World()
    create(w)
    assert w.call("alice", c.ServiceContractApprove(1)).error is Error.ServiceContractApprovalNotAllowed
    assert w.call("charlie", c.ServiceContractApprove(1)).error is Error.ServiceContractApprovalNotAllowed


def test_svc07_approve_already_approved_by_both() -> None:
    """SVC-07: ApprovedByBoth cannot be approved again (ServiceContractApprovalNotAllowed)."""
    w = World()
    approved(w)
    assert w.call("alice", c.ServiceContractApprove(1)).error is Error.ServiceContractApprovalNotAllowed


def test_svc07_approve_errors() -> None:
    """SVC-07: TwinNotExists, ServiceContractNotExists, and a third party gets TwinNotAuthorized."""
    w = World()
    prepare(w)
    assert w.call("dave", c.ServiceContractApprove(1)).error is Error.TwinNotExists
    assert w.call("alice", c.ServiceContractApprove(2)).error is Error.ServiceContractNotExists
    assert w.call("charlie", c.ServiceContractApprove(1)).error is Error.TwinNotAuthorized


# --- SVC-08: reject --------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["alice", "bob"])
def test_svc08_reject_removes(by: str) -> None:
    """SVC-08: either party rejects a ready agreement: removed, ServiceContractCanceled(CanceledByUser)."""
    w = World()
    prepare(w)
    out = w.ok(by, c.ServiceContractReject(1))
    assert 1 not in w.state.service_contracts
    assert out.events == (ev.ServiceContractCanceled(1, Cause.CanceledByUser),)


def test_svc08_reject_after_one_approval() -> None:
    """SVC-08: the party that has not approved yet can still reject (state is AgreementReady)."""
    w = World()
    prepare(w)
    w.ok("alice", c.ServiceContractApprove(1))
    w.ok("bob", c.ServiceContractReject(1))
    assert 1 not in w.state.service_contracts


def test_svc08_reject_wrong_state() -> None:
    """SVC-08: Created or ApprovedByBoth cannot be rejected (ServiceContractRejectionNotAllowed)."""
    w = World()
    create(w)
    assert w.call("alice", c.ServiceContractReject(1)).error is Error.ServiceContractRejectionNotAllowed
    approved(w)
    assert w.call("bob", c.ServiceContractReject(2)).error is Error.ServiceContractRejectionNotAllowed


def test_svc08_reject_check_order() -> None:
    """SVC-08: existence, then state, are checked before the caller's twin; then TwinNotExists and
    TwinNotAuthorized as in cancel."""
    w = World()
    create(w)
    assert w.call("dave", c.ServiceContractReject(9)).error is Error.ServiceContractNotExists
    assert w.call("dave", c.ServiceContractReject(1)).error is Error.ServiceContractRejectionNotAllowed
    prepare(w)
    assert w.call("dave", c.ServiceContractReject(2)).error is Error.TwinNotExists
    assert w.call("charlie", c.ServiceContractReject(2)).error is Error.TwinNotAuthorized


# --- SVC-09: cancel --------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["created", "ready", "one", "both"])
@pytest.mark.parametrize("by", ["alice", "bob"])
def test_svc09_cancel_any_state(stage: str, by: str) -> None:
    """SVC-09: either party cancels in any state: removed, ServiceContractCanceled(CanceledByUser)."""
    w = World()
    if stage == "created":
        create(w)
    elif stage == "ready":
        prepare(w)
    elif stage == "one":
        prepare(w)
        w.ok("bob", c.ServiceContractApprove(1))
    else:
        approved(w)
    out = w.ok(by, c.ServiceContractCancel(1))
    assert 1 not in w.state.service_contracts
    assert out.events == (ev.ServiceContractCanceled(1, Cause.CanceledByUser),)
    assert w.call("alice", c.ServiceContractCancel(1)).error is Error.ServiceContractNotExists


def test_svc09_cancel_errors() -> None:
    """SVC-09: TwinNotExists, ServiceContractNotExists, then TwinNotAuthorized."""
    w = World()
    create(w)
    assert w.call("dave", c.ServiceContractCancel(1)).error is Error.TwinNotExists
    assert w.call("charlie", c.ServiceContractCancel(2)).error is Error.ServiceContractNotExists
    assert w.call("charlie", c.ServiceContractCancel(1)).error is Error.TwinNotAuthorized


def test_svc09_cancel_does_not_touch_balances() -> None:
    """SVC-09: cancelling moves no funds (there is nothing reserved for service contracts)."""
    w = World()
    approved(w)
    before = w.state.accounts
    w.ok("bob", c.ServiceContractCancel(1))
    for name in ("alice", "bob"):
        assert w.state.accounts[account(name)].free == before[account(name)].free
