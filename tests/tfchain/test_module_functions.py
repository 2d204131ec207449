"""Port of tests.rs "MODULE FUNCTION TESTS" (TFChain commit 33046d68): `calculate_cu`, balance locks,
the billing frequency, `Percent`, and the five tests of the `test_calculate_discount!` macro."""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it.contracts.billing.cost import calculate_cu, discount_tft
from sc4it.kernel.errors import Error
from sc4it.kernel.fixed import U64F64
from sc4it.kernel.perthing import Percent
from sc4it.kernel.types import AccountInfo, DiscountLevel, NodeCertification
from sc4it.ledger import can_reserve, usable_balance

from .formulas import MULTIPLIER, cu, fx, fx_f64, percent_of
from .mock import BILLING_FREQUENCY, EXISTENTIAL_DEPOSIT, SECS_PER_HOUR, Mock


def test_cu_calculation() -> None:
    """Rust `test_cu_calculation`: CU = min(max(mru/4, cru/2), max(mru/8, cru), max(mru/2, cru/4)) for
    (cru, mru) = (4, 1024) → 128, (32, 128) → 32, (4, 2) → 1, (4, 1) → 1, (16, 16) → 8; sc4it's
    `calculate_cu` on raw U64F64 bits against the formula written out here. BIL-31."""
    cases = [(4, 1024, 128), (32, 128, 32), (4, 2, 1), (4, 1, 1), (16, 16, 8)]
    for cru, mru, expected in cases:
        derived = cu(fx(cru), fx(mru))
        assert derived == fx(expected)
        assert calculate_cu(fx(cru).bits, fx(mru).bits) == derived.bits


def test_lock() -> None:
    """Rust `test_lock` exercised pallet-balances locks ([M24] billing locked funds): a lock below the
    existential deposit still leaves `free − ED` usable, a larger lock leaves `free − lock`, removing it
    frees everything. Reference §4.2 step 2 / [R24]: billing no longer locks; what it may reserve
    is `usable = free − max(ED, frozen)` (locks are the `frozen` amount). sc4it has no lock call (frozen
    is set by a genesis or an embedding, LED-01), so the counterpart applies bob's balance with the same
    lock amounts to sc4it's usable/can-reserve rules: with no lock the ED stays (TFChain's
    `get_usable_balance`, not pallet-balances' `usable_balance` view that the Rust test read). LED-05
    LED-06."""
    m = Mock()
    bob = m.info("bob")
    free = bob.free
    assert bob.frozen == 0 and bob.reserved == 0
    assert usable_balance(bob, EXISTENTIAL_DEPOSIT) == free - EXISTENTIAL_DEPOSIT

    def locked(amount: int) -> AccountInfo:
        return AccountInfo(bob.nonce, free, bob.reserved, amount)

    # a lock smaller than the existential deposit: the ED is what stays
    assert usable_balance(locked(100), EXISTENTIAL_DEPOSIT) == free - EXISTENTIAL_DEPOSIT
    for to_lock in (100 + EXISTENTIAL_DEPOSIT, 500 + EXISTENTIAL_DEPOSIT):  # initial lock, then updated
        info = locked(to_lock)
        usable = usable_balance(info, EXISTENTIAL_DEPOSIT)
        assert usable == free - to_lock
        assert can_reserve(info, usable, EXISTENTIAL_DEPOSIT)
        assert not can_reserve(info, usable + 1, EXISTENTIAL_DEPOSIT)
    # unlocked: back to free − ED
    assert usable_balance(locked(0), EXISTENTIAL_DEPOSIT) == free - EXISTENTIAL_DEPOSIT


def test_change_billing_frequency_works() -> None:
    """Rust `test_change_billing_frequency_works`: root raises the frequency from 10 to 900; the
    storage reads 900 and BillingFrequencyChanged(900) is emitted. BIL-06."""
    m = Mock()
    m.run_to_block(1)
    events = m.council(c.ChangeBillingFrequency(900))
    assert m.state.billing_frequency == 900
    assert ev.BillingFrequencyChanged(900) in events
    assert ev.BillingFrequencyChanged(900) in m.all_events()


def test_change_billing_frequency_fails_if_frequency_lower() -> None:
    """Rust `test_change_billing_frequency_fails_if_frequency_lower`: 10 − 1 →
    `CanOnlyIncreaseFrequency`, the frequency stays 10. BIL-06."""
    m = Mock()
    initial = m.state.billing_frequency
    assert initial == BILLING_FREQUENCY
    before = m.state
    out = m.try_council(c.ChangeBillingFrequency(initial - 1))
    assert out.error is Error.CanOnlyIncreaseFrequency
    assert out.state is before
    assert m.state.billing_frequency == initial


def test_percent() -> None:
    """Rust `test_percent`: `Percent::from_percent(p) * n` — 25% of 1000 = 250, 50% of 1000 = 500,
    25% of 992 = 248 (sc4it.kernel.fixed's Percent against n·p/100 rounded to nearest, ties down). FX-11
    FX-12."""
    for p, n, expected in ((25, 1000, 250), (50, 1000, 500), (25, 992, 248)):
        assert percent_of(p, n) == expected
        assert Percent.from_percent(p) * n == expected


def _calculate_discount(months: str, expected_level: DiscountLevel) -> None:
    """The body of the `test_calculate_discount!` macro: 1000 units due for one hour, a balance of
    exactly `months` months at that rate; the result is (round(1000 · multiplier), level)."""
    amount_due = 1000
    seconds_elapsed = SECS_PER_HOUR
    balance = (U64F64.from_int(amount_due * 24 * 30) * fx_f64(months)).round().to_u64()
    expected_amount = (fx(amount_due) * MULTIPLIER[expected_level]).round().to_u64()
    assert discount_tft(amount_due, seconds_elapsed, balance, NodeCertification.Diy) == (
        expected_amount,
        expected_level,
    )


def test_calculate_discount_none_works() -> None:
    """Rust `test_calculate_discount_none_works` (macro): 1 month of balance → None (×1). BIL-37
    BIL-38."""
    _calculate_discount("1", DiscountLevel.None_)


def test_calculate_discount_default_works() -> None:
    """Rust `test_calculate_discount_default_works` (macro): 1.5 months → Default (×0.8). BIL-37
    BIL-38."""
    _calculate_discount("1.5", DiscountLevel.Default)


def test_calculate_discount_bronze_works() -> None:
    """Rust `test_calculate_discount_bronze_works` (macro): 3 months → Bronze (×0.7). BIL-37 BIL-38."""
    _calculate_discount("3", DiscountLevel.Bronze)


def test_calculate_discount_silver_works() -> None:
    """Rust `test_calculate_discount_silver_works` (macro): 6 months → Silver (×0.6). BIL-37 BIL-38."""
    _calculate_discount("6", DiscountLevel.Silver)


def test_calculate_gold_discount_gold_works() -> None:
    """Rust `test_calculate_gold_discount_gold_works` (macro): 18 months → Gold (×0.4). BIL-37
    BIL-38."""
    _calculate_discount("18", DiscountLevel.Gold)
