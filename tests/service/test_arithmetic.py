"""Service-bill arithmetic (spec/service-contracts.md SVC-12, SVC-14, SVC-15, SVC-18)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sc4it.contracts.billing.cost import units_usd_to_tft
from sc4it.contracts.service import (
    service_bill_amount_units_usd,
    variable_amount_cap,
    variable_amount_cap_tfchain,
)
from sc4it.kernel.fixed import U64_MAX

windows = st.integers(0, 3600)
fees = st.integers(0, 10**9)


def test_svc14_worked_values() -> None:
    """SVC-14: TFChain's scenario values and the round-half-up of the base part."""
    assert service_bill_amount_units_usd(1000, 100, 1200) == 4_333_333  # 3 333 333.33 + 1 000 000
    assert service_bill_amount_units_usd(1000, 100, 3600) == 11_000_000
    assert service_bill_amount_units_usd(1, 0, 1) == 3  # 2.78 rounds up
    assert service_bill_amount_units_usd(1, 0, 9) == 25  # 25.0
    assert service_bill_amount_units_usd(0, 0, 3600) == 0
    assert service_bill_amount_units_usd(0, 7, 0) == 70_000
    assert service_bill_amount_units_usd(9, 0, 200) == 5_000  # exactly 5000: no truncation loss at .0


@given(fees, st.integers(0, 10**9), windows)
def test_svc14_within_half_a_unit(base_fee: int, variable_amount: int, window: int) -> None:
    """SVC-14: the result is the exact value base·10⁴·window/3600 + variable·10⁴ rounded to a nearest
    integer (the U64F64 truncation only decides exact .5 ties)."""
    exact = Fraction(base_fee * 10_000 * window, 3600) + variable_amount * 10_000
    got = service_bill_amount_units_usd(base_fee, variable_amount, window)
    assert exact - Fraction(1, 2) <= got <= exact + Fraction(1, 2)


def test_svc18_units_overflow() -> None:
    """SVC-18: u64 and U64F64 overflows raise OverflowError (the handler maps it to NumOverflow)."""
    with pytest.raises(OverflowError):
        service_bill_amount_units_usd(U64_MAX // 10_000 + 1, 0, 1)
    with pytest.raises(OverflowError):
        service_bill_amount_units_usd(0, U64_MAX // 10_000 + 1, 1)
    with pytest.raises(OverflowError):
        service_bill_amount_units_usd(U64_MAX // 10_000, 0, 3600)
    with pytest.raises(OverflowError):
        service_bill_amount_units_usd(U64_MAX // 10_000, U64_MAX // 10_000, 1)  # the sum
    assert service_bill_amount_units_usd(U64_MAX // 10_000, U64_MAX // 10_000, 0) == U64_MAX - 1615


def test_svc15_worked_values() -> None:
    """SVC-15: service bills convert with grid billing's `units_usd_to_tft` (BIL-36): TFChain's scenario
    values at the mock price (50 mUSD), and zero."""
    assert units_usd_to_tft(4_333_333, 50) == 86_666_660
    assert units_usd_to_tft(11_000_000, 50) == 220_000_000
    assert units_usd_to_tft(0, 50) == 0
    assert units_usd_to_tft(1, 1000) == 1  # 1e7 / 1e7


@given(st.integers(0, 10**15), st.integers(1, 10**6))
def test_svc15_within_half_a_unit(units: int, price: int) -> None:
    """SVC-15: the result is units·10⁷/(price·10⁴) rounded to nearest, up to the U64F64 truncation,
    so a service bill's TFT amount is never more than half a unit above its exact value."""
    exact = Fraction(units * 10_000_000, price * 10_000)
    got = units_usd_to_tft(units, price)
    assert exact - Fraction(1, 2) - Fraction(1, 10**6) <= got <= exact + Fraction(1, 2)


def test_svc12_tfchain_cap_examples() -> None:
    """SVC-12: TFChain's cap truncates 1/3600 first and then rounds half-up."""
    assert variable_amount_cap_tfchain(1000, 3600) == 1000
    assert variable_amount_cap_tfchain(1800, 1) == 0  # 0.49999… (1/3600 truncated)
    assert variable_amount_cap_tfchain(1801, 1) == 1  # 0.5003 rounds up
    assert variable_amount_cap_tfchain(3, 1200) == 1  # 0.99999… rounds to 1
    assert variable_amount_cap_tfchain(U64_MAX, 3600) == U64_MAX


def test_dev_svc_4_cap_examples() -> None:
    """SVC-12 / DEV-SVC-4: sc4it's cap is the exact floor, never above TFChain's."""
    assert variable_amount_cap(1801, 1) == 0
    assert variable_amount_cap(301, 6) == 0
    assert variable_amount_cap(3, 1200) == 1
    assert variable_amount_cap(1000, 3600) == 1000
    assert variable_amount_cap(1000, 1200) == 333
    assert variable_amount_cap(1000, 0) == 0


@given(st.integers(0, U64_MAX), windows)
def test_dev_svc_4_cap_is_floor_and_below_tfchain(variable_fee: int, window: int) -> None:
    """SVC-12 / DEV-SVC-4: cap = floor(fee·window/3600), capped by TFChain's rounded value, so every
    bill sc4it accepts TFChain accepts too."""
    cap = variable_amount_cap(variable_fee, window)
    assert cap <= variable_fee * window // 3600
    assert cap <= variable_amount_cap_tfchain(variable_fee, window)
    if variable_fee < 2**63:
        assert cap == variable_fee * window // 3600
