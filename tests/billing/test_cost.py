"""Cost formulas (spec/billing.md BIL-30..BIL-42), with every expected number derived by hand below.

Prices are TFChain's test-mock policy (su 194 400, cu 305 600, ipu 69 400, unique_name 13 900 mUSD/h, all
Gigabytes, dedication 50 %) and TFT at 50 mUSD, i.e. 500 000 units USD per TFT. ε marks the few 2^-64 lost by
a truncating U64F64 operation; round_u64 then removes them. The worked example of spec/billing.md (computed
independently) is the
cross-check quoted in each docstring.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from sc4it.contracts.billing import cost
from sc4it.kernel.fixed import FX_0_4_BITS, FX_0_6_BITS, FX_0_7_BITS, FX_0_8_BITS, U64_MAX
from sc4it.kernel.types import DiscountLevel, NodeCertification, Policy, PricingPolicy, Resources, Unit

from .support import GIB

A = bytes(32)
MOCK = PricingPolicy(
    1, 1, b"policy_1", Policy(194_400), Policy(305_600), Policy(50_000), Policy(69_400), Policy(13_900),
    Policy(27_800), A, A, 50,
)  # fmt: skip
REF = 3600
DIY = NodeCertification.Diy
CERT = NodeCertification.Certified
SMALL = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)
MOCK_NODE = Resources(hru=1024 * GIB, sru=512 * GIB, cru=8, mru=16 * GIB)


def rates(policy: PricingPolicy) -> cost.PolicyRates:
    """Pricing policy `policy` over TFChain's reference period (BIL-30's per-second rates)."""
    return cost.policy_rates(policy, REF)


def fx(n: int) -> int:
    return n << 64


def test_calculate_cu_examples() -> None:
    """BIL-31: CU = min(max(M/4, C/2), max(M/8, C), max(M/2, C/4)).
    C=4, M=1024: min(max(256, 2), max(128, 4), max(512, 1)) = min(256, 128, 512) = 128.
    C=16, M=16: min(max(4, 8), max(2, 16), max(8, 4)) = min(8, 16, 8) = 8.
    C=2, M=4: min(max(1, 1), max(0.5, 2), max(2, 0.5)) = min(1, 2, 2) = 1."""
    assert cost.calculate_cu(fx(4), fx(1024)) == fx(128)
    assert cost.calculate_cu(fx(16), fx(16)) == fx(8)
    assert cost.calculate_cu(fx(2), fx(4)) == fx(1)


def test_calculate_su_truncates() -> None:
    """BIL-30: SU = H ÷ 1200 + S ÷ 200, each ÷ truncating: S = 60 → 0.3 is floor(60·2^64/200) bits,
    one below the value 0.3·2^64 rounded up; H = 1024 → floor(1024·2^64/1200)."""
    assert cost.calculate_su(0, fx(60)) == (60 << 64) // 200
    assert cost.calculate_su(fx(1024), fx(512)) == (1024 << 64) // 1200 + (512 << 64) // 200


def test_node_resources_cost_60s_and_3600s() -> None:
    """BIL-30. cru 2, mru 4 GiB, sru 60 GiB, 1 IP, 60 s: su_cost = (194400/3600 = 54) · 60 · 0.3 = 972 − ε;
    cu_cost = (305600/3600 = 84.888… − ε) · 60 · CU 1 = 5093.333… − ε; ip_cost = 1 · (69400/3600 = 19.2777… −
    ε) · 60 = 1156.666… − ε; sum 7222 − ε → 7222 (spec/billing.md example). 3600 s: 54·3600·0.3 = 58 320 − ε;
    84.888…·3600 = 305 600 − ε; 19.2777…·3600 = 69 400 − ε → 433 320."""
    assert cost.resources_cost_units_usd(rates(MOCK), SMALL, 1, 60, True) == 7222
    assert cost.resources_cost_units_usd(rates(MOCK), SMALL, 1, 3600, True) == 433_320


def test_rented_node_bills_only_ips() -> None:
    """BIL-30/BIL-32 (#290): bill_res false → only the IP part: 1156.666… − ε → 1157 per 60 s."""
    assert cost.resources_cost_units_usd(rates(MOCK), SMALL, 1, 60, False) == 1157
    assert cost.resources_cost_units_usd(rates(MOCK), SMALL, 0, 60, False) == 0


def test_node_cost_adds_unbilled_nu() -> None:
    """BIL-32: 7222 + 50 000 unbilled = 57 222; the u64 sum saturates (BIL-40)."""
    assert cost.node_cost_units_usd(rates(MOCK), SMALL, 1, 60, True, 50_000) == 57_222
    assert cost.node_cost_units_usd(rates(MOCK), SMALL, 1, 60, True, U64_MAX) == U64_MAX


def test_rent_cost_half_price_ties_down() -> None:
    """BIL-33. Mock node, 60 s: SU = 1024/1200 + 512/200 = 3.41333… − ε, CU = min(4, 8, 8) = 4;
    su_cost = 3240 · SU = 11 059.2 − ε; cu_cost = 5093.333… · 4 = 20 373.333… − ε; sum 31 432.533… → 31 433
    (spec/billing.md example). Percent(50) · 31 433 = 15 716.5 → ties down → 15 716 (spec/billing.md example).
    3600 s: 54·3600·3.41333… = 663 552 − ε, 305 600·4 = 1 222 400 − ε → 1 885 952 → 942 976 (spec/billing.md
    example)."""
    assert cost.resources_cost_units_usd(rates(MOCK), MOCK_NODE, 0, 60, True) == 31_433
    assert cost.rent_cost_units_usd(rates(MOCK), MOCK_NODE, 60) == 15_716
    assert cost.rent_cost_units_usd(rates(MOCK), MOCK_NODE, 3600) == 942_976


def test_rent_dedication_percent_saturates_at_100() -> None:
    """BIL-33: Percent::from_percent(150) is 100 %: the full 31 433; 0 % pays nothing."""
    import attrs

    assert (
        cost.rent_cost_units_usd(rates(attrs.evolve(MOCK, discount_for_dedication_nodes=150)), MOCK_NODE, 60)
        == 31_433
    )
    assert (
        cost.rent_cost_units_usd(rates(attrs.evolve(MOCK, discount_for_dedication_nodes=0)), MOCK_NODE, 60)
        == 0
    )


def test_name_cost() -> None:
    """BIL-34: (13 900 / 3600 = 3.8611… − ε) · 60 = 231.666… − ε → 232; 3600 s: 13 900 − ε → 13 900
    (spec/billing.md example)."""
    assert cost.name_cost_units_usd(rates(MOCK), 60) == 232
    assert cost.name_cost_units_usd(rates(MOCK), 3600) == 13_900
    assert cost.name_cost_units_usd(rates(MOCK), 0) == 0


def test_extra_fee() -> None:
    """BIL-39: 1000 mUSD/month · 10 000 · 60 s = 600 000 000; / 2 592 000 = 231.48… → 231; 3600 s:
    36 000 000 000 / 2 592 000 = 13 888.89 → 13 889 (spec/billing.md example). No fee → 0."""
    assert cost.extra_fee_units_usd(1000, 60, 2_592_000) == 231
    assert cost.extra_fee_units_usd(1000, 3600, 2_592_000) == 13_889
    assert cost.extra_fee_units_usd(0, 3600, 2_592_000) == 0


def test_units_to_tft() -> None:
    """BIL-01/BIL-36: units USD (10 000 per mUSD) / (price · 10 000) · 10^7 TFT units (7 decimals). At 50
    mUSD: 7222 / 500 000 = 0.014444 − ε, · 10^7 = 144 440 − ε → 144 440; 232 → 4 640; 15 716 → 314 320;
    231 → 4 620 (spec/billing.md example). At 10 mUSD: 7222 / 100 000 · 10^7 = 722 200. A cost of 0 converts
    to 0 without
    dividing."""
    assert cost.units_usd_to_tft(7222, 50) == 144_440
    assert cost.units_usd_to_tft(232, 50) == 4_640
    assert cost.units_usd_to_tft(15_716, 50) == 314_320
    assert cost.units_usd_to_tft(231, 50) == 4_620
    assert cost.units_usd_to_tft(7222, 10) == 722_200
    assert cost.units_usd_to_tft(0, 0) == 0


def test_units_to_tft_rounds_half_up() -> None:
    """BIL-36: 1 unit at 3 mUSD: 1 / 30 000 · 10^7 = 333.333… → 333; 1 unit at 8 mUSD: 10^7 / 80 000 = 125
    exact; 3 units at 8 000 mUSD: 3·10^7 / 8·10^7 = 0.375 → 0; 1 unit at 4 000 mUSD = 0.25 → 0, at 2 000
    mUSD = 0.5 − ε (1/20 000 000 is not exact in binary and truncates) → 0."""
    assert cost.units_usd_to_tft(1, 3) == 333
    assert cost.units_usd_to_tft(1, 8) == 125
    assert cost.units_usd_to_tft(3, 8000) == 0
    assert cost.units_usd_to_tft(1, 2000) == 0


def test_discount_thresholds() -> None:
    """BIL-37/BIL-38 for 4 640 TFT units per 60 s: hourly = 4 640 · 3600 / 60 = 278 400, monthly = 278 400 ·
    720 = 200 448 000. Thresholds on the total usable balance: 1.5· = 300 672 000 (Default), 3· = 601 344
    000 (Bronze), 6· = 1 202 688 000 (Silver), 18· = 3 608 064 000 (Gold). Amounts: 4 640 · 0.8(+ε') = 3
    712.000… → 3 712; · 0.7(−ε') = 3 247.999… → 3 248; · 0.6(−ε') = 2 783.999… → 2 784; · 0.4(+ε') = 1
    856.000… → 1 856."""
    cases = [
        (300_671_999, 4_640, DiscountLevel.None_),
        (300_672_000, 3_712, DiscountLevel.Default),
        (601_343_999, 3_712, DiscountLevel.Default),
        (601_344_000, 3_248, DiscountLevel.Bronze),
        (1_202_688_000, 2_784, DiscountLevel.Silver),
        (3_608_063_999, 2_784, DiscountLevel.Silver),
        (3_608_064_000, 1_856, DiscountLevel.Gold),
        (0, 4_640, DiscountLevel.None_),
    ]
    for balance, amount, level in cases:
        assert cost.discount_tft(4_640, 60, balance, DIY) == (amount, level), balance


def test_multiplier_bits_are_the_f64_literals() -> None:
    """BIL-38: 0.8 and 0.4 are a hair above, 0.7 and 0.6 a hair below their decimal value."""
    assert Fraction(FX_0_8_BITS, 1 << 64) > Fraction(8, 10)
    assert Fraction(FX_0_4_BITS, 1 << 64) > Fraction(4, 10)
    assert Fraction(FX_0_7_BITS, 1 << 64) < Fraction(7, 10)
    assert Fraction(FX_0_6_BITS, 1 << 64) < Fraction(6, 10)


def test_discount_normalised_to_a_month() -> None:
    """BIL-37 (#621): the level depends on the rate, not on the interval: 144 440 per 60 s and 8 666 400 per
    3600 s both give monthly 6 239 808 000; a balance of 18 × that (112 316 544 000) is Gold for both, one
    unit less is Silver for both."""
    gold = 18 * 6_239_808_000
    assert cost.discount_level(144_440, 60, gold) == DiscountLevel.Gold
    assert cost.discount_level(8_666_400, 3600, gold) == DiscountLevel.Gold
    assert cost.discount_level(144_440, 60, gold - 1) == DiscountLevel.Silver
    assert cost.discount_level(8_666_400, 3600, gold - 1) == DiscountLevel.Silver


def test_certified_surcharge() -> None:
    """BIL-38 (#991): Gold 144 440 · 0.4 = 57 776.000… then · 1.25 = 72 220.000… → 72 220 (spec/billing.md
    example); level None: 144 440 · 1.25 = 180 550 exactly."""
    assert cost.discount_tft(144_440, 60, 10**12, CERT) == (72_220, DiscountLevel.Gold)
    assert cost.discount_tft(144_440, 60, 0, CERT) == (180_550, DiscountLevel.None_)
    assert cost.discount_tft(144_440, 60, 10**12, DIY) == (57_776, DiscountLevel.Gold)


def test_monthly_zero_gives_no_discount() -> None:
    """BIL-41 (P-L): 1 TFT unit over 10^7 s: hourly = 3600 / 10^7 = 0.00036, monthly = 0.2592 → 0; TFChain
    would divide by zero; sc4it gives level None and the amount unchanged. Zero amount → (0, None)."""
    assert cost.discount_level(1, 10_000_000, 10**12) == DiscountLevel.None_
    assert cost.discount_tft(1, 10_000_000, 10**12, DIY) == (1, DiscountLevel.None_)
    assert cost.discount_tft(0, 60, 10**12, CERT) == (0, DiscountLevel.None_)


def test_discount_huge_balance_is_capped() -> None:
    """BIL-37: a total above u64::MAX is taken as u64::MAX (Gold)."""
    assert cost.discount_level(144_440, 60, 1 << 100) == DiscountLevel.Gold


def test_overflow_saturates() -> None:
    """BIL-40 (DEV-BIL-1): inputs that would wrap in TFChain's release build give u64::MAX."""
    huge = Resources(hru=U64_MAX, sru=U64_MAX, cru=U64_MAX, mru=U64_MAX)
    assert cost.resources_cost_units_usd(rates(MOCK), huge, 1, U64_MAX, True) == U64_MAX
    assert cost.extra_fee_units_usd(1 << 60, 3600, 2_592_000) == U64_MAX
    assert cost.units_usd_to_tft(U64_MAX, 1) == U64_MAX
    assert cost.name_cost_units_usd(rates(MOCK), U64_MAX) == U64_MAX
    assert cost.apply_discount(U64_MAX, DiscountLevel.None_, CERT) == U64_MAX
    assert cost.discount_level(U64_MAX, 1, 10**12) == DiscountLevel.None_


def test_units_of_the_policy() -> None:
    """BIL-30: the resource values are divided by f1024 of the policy's unit: with su in Terrabytes, 60 GiB of
    sru is 60/1024 TiB → SU = 0.05859375/200·… so su_cost over 3600 s = 194 400 · (60/1024)/200 = 56.953… → 57
    (cu as before: 305 600 · 1 = 305 600); total 305 657 (no IP)."""
    import attrs

    tb = attrs.evolve(MOCK, su=Policy(194_400, Unit.Terrabytes))
    assert cost.resources_cost_units_usd(rates(tb), SMALL, 0, 3600, True) == 305_657


@given(st.integers(1, 10**11), st.sampled_from([1, 60, 3600, 7200]), st.integers(0, 10**16))
def test_level_min_balance_is_the_exact_threshold(amount: int, secs: int, balance: int) -> None:
    """BIL-37 (ANA-12): `level_min_balance` is the least balance of each level: `discount_level` gives
    at least the level from that balance on, and less just below it."""
    from sc4it.contracts.billing.cost import (
        LEVEL_THRESHOLD_BITS,
        discount_level,
        discount_monthly,
        level_min_balance,
        months_level,
    )

    monthly = discount_monthly(amount, secs)
    assume(monthly > 0)
    assert months_level(balance, monthly) == discount_level(amount, secs, balance)
    for level in LEVEL_THRESHOLD_BITS:
        least = level_min_balance(level, monthly)
        assert discount_level(amount, secs, least) >= level
        if least > 0:
            assert discount_level(amount, secs, least - 1) < level
