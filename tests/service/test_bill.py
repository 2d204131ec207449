"""Service contracts: billing (spec/service-contracts.md SVC-10..SVC-18, SVC-20)."""

from __future__ import annotations

import pytest

from sc4it import Config, Error
from sc4it import calls as c
from sc4it import events as ev
from sc4it.contracts.service import handle_service_contract_bill, variable_amount_cap_tfchain
from sc4it.kernel.fixed import U64_MAX
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    AccountInfo,
    ServiceContract,
    ServiceContractBill,
    ServiceContractState,
    TftPrice,
    Twin,
)

from .flows import approved, prepare
from .world import (
    BASE_FEE,
    METADATA,
    VARIABLE_AMOUNT,
    VARIABLE_FEE,
    World,
    account,
    conserved,
    env_at,
    timestamp_secs,
)

Both = ServiceContractState.ApprovedByBoth


def bill(
    w: World, variable_amount: int = VARIABLE_AMOUNT, metadata: bytes = b"bill", sc_id: int = 1
) -> c.ServiceContractBill:
    return c.ServiceContractBill(sc_id, variable_amount, metadata)


# --- the TFChain scenario (tests.rs::test_service_contract_bill_works) ------------------------------


def test_svc17_tfchain_bill_works_scenario() -> None:
    """SVC-11, SVC-14, SVC-15, SVC-17, SVC-20: TFChain's own scenario. Approve at block 1; bill at block
    201 (20 min: 1000 mUSD/h base, 100 mUSD variable, price 50 mUSD -> 4 333 333 units USD ->
    86 666 660 TFT units); bill at block 901 (70 min later, billed as one hour: 11 000 000 units USD ->
    220 000 000 units)."""
    w = World()
    approved(w)
    assert w.sc().last_bill == timestamp_secs(1)
    assert w.free("bob") == 2_500_000_000

    w.run_to_block(201)
    out = w.ok("alice", c.ServiceContractBill(1, VARIABLE_AMOUNT, b"bill_metadata_1"))
    sc = ServiceContract(1, 1, 2, BASE_FEE, VARIABLE_FEE, METADATA, True, True, timestamp_secs(201), Both)
    assert w.sc() == sc
    bill_1 = ServiceContractBill(VARIABLE_AMOUNT, 1200, b"bill_metadata_1")
    assert w.free("bob") == 2_500_000_000 - 86_666_660
    assert w.free("alice") == 1_000_000_000_000 + 86_666_660
    assert out.events == (
        ev.Transfer(account("bob"), account("alice"), 86_666_660),
        ev.ServiceContractBilled(sc, bill_1, 86_666_660),
    )
    assert conserved(w.state)

    w.run_to_block(901)
    out = w.ok("alice", c.ServiceContractBill(1, VARIABLE_AMOUNT, b"bill_metadata_2"))
    sc2 = ServiceContract(1, 1, 2, BASE_FEE, VARIABLE_FEE, METADATA, True, True, timestamp_secs(901), Both)
    bill_2 = ServiceContractBill(VARIABLE_AMOUNT, 3600, b"bill_metadata_2")
    assert out.events[-1] == ev.ServiceContractBilled(sc2, bill_2, 220_000_000)
    assert w.free("bob") == 2_500_000_000 - 86_666_660 - 220_000_000
    assert conserved(w.state)


# --- SVC-10: who and when ----------------------------------------------------------------------------


def test_svc10_only_service_bills() -> None:
    """SVC-10: the consumer or a third party gets TwinNotAuthorized."""
    w = World()
    approved(w)
    w.run_to_block(601)
    assert w.call("bob", bill(w)).error is Error.TwinNotAuthorized
    assert w.call("charlie", bill(w)).error is Error.TwinNotAuthorized


def test_svc10_bill_errors_in_order() -> None:
    """SVC-10: TwinNotExists, then ServiceContractNotExists."""
    w = World()
    approved(w)
    assert w.call("dave", c.ServiceContractBill(7, 0, b"")).error is Error.TwinNotExists
    assert w.call("alice", c.ServiceContractBill(7, 0, b"")).error is Error.ServiceContractNotExists


def test_svc10_not_approved_by_both() -> None:
    """SVC-10: Created, AgreementReady, or approved by one party only:
    ServiceContractBillingNotApprovedByBoth."""
    w = World()
    prepare(w)
    assert w.call("alice", bill(w)).error is Error.ServiceContractBillingNotApprovedByBoth
    w.ok("bob", c.ServiceContractApprove(1))
    assert w.call("alice", bill(w)).error is Error.ServiceContractBillingNotApprovedByBoth
    w.ok("alice", c.ServiceContractCreate(account("alice"), account("bob")))
    assert w.call("alice", bill(w, sc_id=2)).error is Error.ServiceContractBillingNotApprovedByBoth


# --- SVC-11: the window ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "blocks, window", [(1, 6), (100, 600), (599, 3594), (600, 3600), (601, 3600), (10_000, 3600)]
)
def test_svc11_window_is_capped_at_one_hour(blocks: int, window: int) -> None:
    """SVC-11: window = min(now - last_bill, 3600); time beyond one hour is never billed."""
    w = World()
    approved(w)
    w.run_to_block(1 + blocks)
    out = w.ok("alice", bill(w, 0))
    billed = out.events[-1]
    assert isinstance(billed, ev.ServiceContractBilled)
    assert billed.bill.window == window
    assert w.sc().last_bill == w.now


def test_svc11_window_from_config_reference_period() -> None:
    """SVC-11: the cap is Config.billing_reference_period."""
    w = World(config=Config(billing_reference_period=60))
    approved(w)
    w.run_to_block(101)
    billed = w.ok("alice", bill(w, 0)).events[-1]
    assert isinstance(billed, ev.ServiceContractBilled) and billed.bill.window == 60


def test_svc11_bill_in_same_second_is_free() -> None:
    """SVC-11/SVC-17: a bill in the same second as the approval (or last bill) has window 0, costs
    nothing (no Transfer event) and is still recorded."""
    w = World()
    approved(w)
    before_bob = w.free("bob")
    out = w.ok("alice", bill(w, 0))
    assert w.free("bob") == before_bob
    assert out.events == (ev.ServiceContractBilled(w.sc(), ServiceContractBill(0, 0, b"bill"), 0),)
    assert w.call("alice", bill(w, 1)).error is Error.ServiceContractBillingVariableAmountTooHigh


def test_dev_svc_6_time_going_backwards() -> None:
    """SVC-11/SVC-17 / DEV-SVC-6: if the host hands a timestamp before last_bill, the window is 0 and
    last_bill does not move back (TFChain's u64 subtraction would wrap to a full hour)."""
    w = World()
    approved(w)
    w.run_to_block(50)
    w.ok("alice", bill(w, 0))
    last = w.sc().last_bill
    tx = Tx(w.state, env_at(10), account("alice"))
    handle_service_contract_bill(tx, c.ServiceContractBill(1, 0, b""))
    sc = tx.service_contracts[1]
    assert sc.last_bill == last
    billed = tx.events[-1]
    assert isinstance(billed, ev.ServiceContractBilled)
    assert (billed.bill.window, billed.amount) == (0, 0)


# --- SVC-12: the variable amount ---------------------------------------------------------------------


@pytest.mark.parametrize("blocks, cap", [(600, 1000), (601, 1000), (300, 500), (200, 333), (1, 1)])
def test_svc12_variable_amount_cap(blocks: int, cap: int) -> None:
    """SVC-12: variable_amount <= floor(variable_fee * window / 3600); one more is
    ServiceContractBillingVariableAmountTooHigh (TFChain's test: VARIABLE_FEE + 1 after one hour)."""
    w = World()
    approved(w)
    w.run_to_block(1 + blocks)
    assert w.call("alice", bill(w, cap + 1)).error is Error.ServiceContractBillingVariableAmountTooHigh
    out = w.ok("alice", bill(w, cap))
    billed = out.events[-1]
    assert isinstance(billed, ev.ServiceContractBilled) and billed.bill.variable_amount == cap


def test_dev_svc_4_floored_variable_cap() -> None:
    """SVC-12 / DEV-SVC-4: TFChain rounds the cap half-up, so with a 6 s window and a variable fee of
    301 mUSD/h it accepts 1 mUSD (0.50 rounds to 1): billed every block that is 600 mUSD/h, almost twice
    the fee. sc4it floors the cap and rejects it."""
    assert variable_amount_cap_tfchain(301, 6) == 1
    w = World()
    approved(w, base_fee=0, variable_fee=301)
    w.run_to_block(2)
    assert w.call("alice", bill(w, 1)).error is Error.ServiceContractBillingVariableAmountTooHigh
    w.ok("alice", bill(w, 0))
    w.run_to_block(4)
    w.ok("alice", bill(w, 1))  # 12 s: floor(301 * 12 / 3600) = 1


def test_svc12_cap_checked_before_metadata() -> None:
    """SVC-12/SVC-13: the variable amount is checked before the bill metadata."""
    w = World()
    approved(w)
    w.run_to_block(601)
    out = w.call("alice", bill(w, VARIABLE_FEE + 1, b"x" * 51))
    assert out.error is Error.ServiceContractBillingVariableAmountTooHigh


# --- SVC-13: bill metadata ---------------------------------------------------------------------------


def test_svc13_bill_metadata_limit() -> None:
    """SVC-13: at most service_bill_metadata_length (50) bytes, else ServiceContractBillMetadataTooLong."""
    w = World()
    approved(w)
    w.run_to_block(601)
    long = b"very_loooooooooooooooooooooooooooooooooooooooooooooooooong_metadata"
    assert w.call("alice", bill(w, metadata=long)).error is Error.ServiceContractBillMetadataTooLong
    assert w.call("alice", bill(w, metadata=b"x" * 51)).error is Error.ServiceContractBillMetadataTooLong
    out = w.ok("alice", bill(w, metadata=b"x" * 50))
    billed = out.events[-1]
    assert isinstance(billed, ev.ServiceContractBilled) and billed.bill.metadata == b"x" * 50


def test_svc13_bill_metadata_limit_from_config() -> None:
    """SVC-13: the limit is Config.service_bill_metadata_length."""
    w = World(config=Config(service_bill_metadata_length=3))
    approved(w)
    w.run_to_block(601)
    assert w.call("alice", bill(w, metadata=b"abcd")).error is Error.ServiceContractBillMetadataTooLong
    w.ok("alice", bill(w, metadata=b"abc"))


# --- SVC-15: price -----------------------------------------------------------------------------------


@pytest.mark.parametrize("average, used", [(50, 50), (5, 10), (5000, 1000)])
def test_svc15_price_is_clamped_average(average: int, used: int) -> None:
    """SVC-15: the conversion uses the average TFT price clamped to [min, max]."""
    w = World(price=TftPrice(price=average, average=average, min=10, max=1000))
    approved(w)
    w.run_to_block(601)  # one hour: (1000 + 100) mUSD = 11 000 000 units USD
    out = w.ok("alice", bill(w))
    billed = out.events[-1]
    assert isinstance(billed, ev.ServiceContractBilled)
    assert billed.amount == 11_000_000 * 10_000_000 // (used * 10_000)


def test_svc15_zero_fees_bill_nothing() -> None:
    """SVC-14/SVC-15: a cost of 0 units USD is 0 TFT; no transfer, but the bill is recorded."""
    w = World()
    approved(w, base_fee=0, variable_fee=0)
    w.run_to_block(601)
    out = w.ok("alice", bill(w, 0))
    assert [type(e) for e in out.events] == [ev.ServiceContractBilled]
    assert w.sc().last_bill == w.now


# --- SVC-16: not enough funds ------------------------------------------------------------------------


def test_svc16_not_enough_funds_changes_nothing() -> None:
    """SVC-16: consumer's usable balance below the amount: ServiceContractNotEnoughFundsToPayBill, and
    the state is exactly the input (TFChain cancels and then fails, which rolls the cancel back)."""
    w = World()
    approved(w)
    w.ok("bob", c.Transfer(account("dave"), w.free("bob") - 500))  # bob keeps only the ED
    w.run_to_block(601)
    before = w.state
    out = w.call("alice", bill(w))
    assert out.error is Error.ServiceContractNotEnoughFundsToPayBill
    assert out.state is before and out.events == ()
    assert w.sc().state == Both


def test_svc16_usable_balance_boundary() -> None:
    """SVC-16: usable = free - max(ED, frozen): the consumer must keep the existential deposit and its
    frozen balance; exactly amount + ED is enough, one unit less is not."""
    amount = 220_000_000  # one hour of (1000 + 100) mUSD at 50 mUSD
    for free, ok in ((amount + 500, True), (amount + 499, False)):
        w = World(balances={"alice": 10**12, "bob": free})
        approved(w)
        w.run_to_block(601)
        out = w.call("alice", bill(w))
        assert out.ok is ok, (free, out.error)
        if ok:
            assert w.free("bob") == 500
        else:
            assert out.error is Error.ServiceContractNotEnoughFundsToPayBill
    w = World(balances={"alice": 10**12, "bob": amount + 1000})
    approved(w)
    tx = Tx(w.state, env_at(1))
    tx.accounts[account("bob")] = AccountInfo(nonce=1, free=amount + 1000, frozen=1001)
    w.state = tx.commit()
    w.run_to_block(601)
    assert w.call("alice", bill(w)).error is Error.ServiceContractNotEnoughFundsToPayBill


def test_svc16_reserved_funds_are_not_usable() -> None:
    """SVC-16: only free balance pays; reserved balance does not count."""
    amount = 220_000_000
    w = World(balances={"alice": 10**12, "bob": amount + 500})
    approved(w)
    tx = Tx(w.state, env_at(1))
    info = tx.accounts[account("bob")]
    tx.accounts[account("bob")] = AccountInfo(info.nonce, info.free - 1, info.reserved + 1, info.frozen)
    w.state = tx.commit()
    w.run_to_block(601)
    assert w.call("alice", bill(w)).error is Error.ServiceContractNotEnoughFundsToPayBill
    assert conserved(w.state)


def test_svc16_missing_twin_record() -> None:
    """SVC-16: the parties' twin records are read to find the accounts (TwinNotExists if one is gone)."""
    w = World()
    approved(w)
    tx = Tx(w.state, env_at(1))
    del tx.twins[2]
    w.state = tx.commit()
    w.run_to_block(601)
    assert w.call("alice", bill(w)).error is Error.TwinNotExists


def test_svc17_service_account_missing_below_ed() -> None:
    """SVC-17: the transfer is pallet-balances' keep-alive transfer: paying less than the ED to a
    service account that does not exist fails (BelowMinimum) and changes nothing."""
    w = World()
    approved(w, base_fee=1, variable_fee=0)
    tx = Tx(w.state, env_at(1))
    tx.twins[1] = Twin(1, account("ghost"))  # twin 1 pays out to an account that does not exist
    w.state = tx.commit()
    w.run_to_block(2)  # 6 s of 1 mUSD/h = 17 units USD -> 340 TFT units < ED (500)
    assert w.call("alice", bill(w, 0)).error is Error.BelowMinimum
    w.run_to_block(601)  # one hour: 10 000 units USD -> 200 000 TFT units >= ED: creates the account
    out = w.ok("alice", bill(w, 0))
    assert out.events[:2] == (
        ev.Endowed(account("ghost"), 200_000),
        ev.Transfer(account("bob"), account("ghost"), 200_000),
    )
    assert conserved(w.state)


# --- SVC-18: arithmetic limits -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_fee, variable_fee, variable_amount",
    [
        (U64_MAX // 10_000 + 1, 0, 0),  # base_fee * 10^4 overflows u64
        (0, U64_MAX, U64_MAX // 10_000 + 1),  # variable_amount * 10^4 overflows u64
        (U64_MAX // 10_000, 0, 0),  # base units * window overflows U64F64
    ],
)
def test_svc18_overflow_is_num_overflow(base_fee: int, variable_fee: int, variable_amount: int) -> None:
    """SVC-18 / DEV-SVC-5: where TFChain's cost arithmetic overflows (debug: panic, release: wrap), sc4it
    fails with NumOverflow and changes nothing."""
    w = World()
    approved(w, base_fee=base_fee, variable_fee=variable_fee)
    w.run_to_block(601)
    assert w.call("alice", bill(w, variable_amount)).error is Error.NumOverflow


def test_svc18_zero_price() -> None:
    """SVC-15/SVC-18: a zero clamped price (TFChain divides by zero and panics) fails a bill with a
    non-zero cost with TFTPriceValueError; a zero cost needs no price."""
    w = World(price=TftPrice(price=0, average=0, min=0, max=1000))
    approved(w)
    w.run_to_block(601)
    assert w.call("alice", bill(w)).error is Error.TFTPriceValueError
    w2 = World(price=TftPrice(price=0, average=0, min=0, max=1000))
    approved(w2, base_fee=0, variable_fee=0)
    w2.run_to_block(601)
    w2.ok("alice", bill(w2, 0))


def test_svc18_conversion_saturates_below_exact() -> None:
    """SVC-15/SVC-18: a TFT amount past u64 saturates at u64::MAX (grid billing's BIL-40), which is
    below the exact amount, so the consumer never pays more than the fees say."""
    vf = 2 * 10**12  # 2·10⁹ USD per hour, all variable
    w = World(balances={"alice": 10**12, "bob": 10**20}, price=TftPrice(1, 1, 1, 1000))
    approved(w, base_fee=0, variable_fee=vf)
    w.run_to_block(601)
    out = w.ok("alice", bill(w, vf))
    billed = out.events[-1]
    assert isinstance(billed, ev.ServiceContractBilled)
    assert billed.amount == U64_MAX < vf * 10_000 * 10_000_000 // 10_000
    assert w.free("bob") == 10**20 - U64_MAX
    assert conserved(w.state)


def test_svc18_largest_fees_that_bill() -> None:
    """SVC-18: fees well inside the bounds bill normally (a 1 000 000 USD/h service at the minimum
    price)."""
    w = World(balances={"alice": 10**12, "bob": 10**20}, price=TftPrice(10, 10, 10, 1000))
    approved(w, base_fee=10**9, variable_fee=0)
    w.run_to_block(601)
    out = w.ok("alice", bill(w, 0))
    billed = out.events[-1]
    assert isinstance(billed, ev.ServiceContractBilled)
    assert billed.amount == 10**9 * 10**4 * 10**7 // (10 * 10**4)
    assert conserved(w.state)


# --- SVC-20: conservation ----------------------------------------------------------------------------


def test_svc20_conservation_after_every_step() -> None:
    """SVC-20: Σ(free + reserved) + burned == minted after every call of a mixed sequence."""
    w = World()
    assert conserved(w.state)
    approved(w)
    assert conserved(w.state)
    for block, amount in ((7, 1), (200, 50), (900, 1000), (901, 0), (2000, 333)):
        w.run_to_block(block)
        w.call("alice", bill(w, amount))
        assert conserved(w.state)
    w.ok("bob", c.ServiceContractCancel(1))
    assert conserved(w.state)
