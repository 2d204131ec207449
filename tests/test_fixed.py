"""Tests for sc4it.kernel.fixed: bit-exact U64F64 / U32F32 / Perbill / Percent (rule ids: spec/fixed.md)."""

from __future__ import annotations

import math
import pickle
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc4it.kernel.fixed import (
    FX_0_4,
    FX_0_4_BITS,
    FX_0_6_BITS,
    FX_0_7_BITS,
    FX_0_8,
    FX_0_8_BITS,
    FX_1_5,
    FX_1_5_BITS,
    FX_1_25,
    FX_1_25_BITS,
    FX_ONE,
    FX_ZERO,
    U8_MAX,
    U16_MAX,
    U32_MAX,
    U32F32,
    U64_MAX,
    U64F64,
    U128_MAX,
    bits_from_f64_literal,
    f64_from_decimal,
    f64_round,
    fx_add,
    fx_ceil,
    fx_div,
    fx_div_int,
    fx_floor,
    fx_from_int,
    fx_mul,
    fx_mul_int,
    fx_round,
    fx_round_to_int,
    fx_sub,
    fx_to_int,
    fx_wrapping_add,
    fx_wrapping_div,
    fx_wrapping_from_int,
    fx_wrapping_mul,
    fx_wrapping_mul_int,
    fx_wrapping_round,
    fx_wrapping_sub,
    round_half_even,
)
from sc4it.kernel.perthing import (
    Perbill,
    Percent,
    Rounding,
    overflow_prune_mul,
    perbill_mul,
    percent_mul,
    rational_mul_correction,
)
from sc4it.kernel.saturating import (
    checked_add,
    checked_add_u16,
    checked_add_u32,
    checked_add_u64,
    checked_add_u128,
    checked_mul,
    checked_sub,
    checked_sub_u64,
    saturated,
    saturating_add,
    saturating_add_u16,
    saturating_add_u32,
    saturating_add_u64,
    saturating_add_u128,
    saturating_mul,
    saturating_sub,
    saturating_sub_u16,
    saturating_sub_u128,
)

ONE = 1 << 64
SETTINGS = settings(max_examples=200, deadline=None)


def X(n: int) -> U64F64:
    return U64F64.from_int(n)


def _bits_upto(nbits: int) -> st.SearchStrategy[int]:
    """Integers of uniformly random bit length in [0, nbits], so that small and huge values both appear."""
    return st.integers(0, nbits).flatmap(lambda k: st.integers(0, (1 << k) - 1))


BITS128 = _bits_upto(128)
BITS64 = _bits_upto(64)
NONZERO128 = BITS128.filter(lambda b: b > 0)
NONZERO64 = BITS64.filter(lambda b: b > 0)


# --- oracles (independent: they work on exact rational values, not on bit tricks) ------------------


def oracle_fixed(value: Fraction, frac_nbits: int) -> int:
    """Truncating conversion of an exact non-negative value to fixed-point bits."""
    return math.floor(value * (1 << frac_nbits))


def oracle_round_half_away(value: Fraction) -> int:
    """Nearest integer, ties away from zero (for value >= 0: floor(value + 1/2))."""
    return math.floor(value + Fraction(1, 2))


def oracle_nearest_ties_down(value: Fraction) -> int:
    fl = math.floor(value)
    return fl + 1 if value - fl > Fraction(1, 2) else fl


# ===================================================================================================
# FX-01 from_int
# ===================================================================================================


def test_fx01_from_int_exact_and_bounds() -> None:
    """FX-01: from_int is n << F exactly; n beyond the integer part raises OverflowError."""
    assert X(0).bits == 0
    assert X(1).bits == 1 << 64
    assert X(13900).bits == 13900 * 2**64
    assert X(U64_MAX).bits == U64_MAX << 64
    assert fx_from_int(3600) == 3600 << 64
    with pytest.raises(OverflowError):
        X(U64_MAX + 1)
    with pytest.raises(OverflowError):
        fx_from_int(1 << 64)
    with pytest.raises(OverflowError):
        X(-1)
    assert U32F32.from_int(7).bits == 7 << 32
    with pytest.raises(OverflowError):
        U32F32.from_int(U32_MAX + 1)


def test_fx01_fx09_wrapping_from_int_is_release_behaviour() -> None:
    """FX-01/FX-09: Rust release from_num(u128) wraps: (n << 64) mod 2**128."""
    assert fx_wrapping_from_int((1 << 64) + 5) == 5 << 64
    assert U64F64.wrapping_from_int((1 << 64) + 5) == X(5)
    assert U32F32.wrapping_from_int((1 << 32) + 5) == U32F32.from_int(5)


# ===================================================================================================
# FX-02 f64 literal constants
# ===================================================================================================


def test_fx02_constants_from_decimal_literals() -> None:
    """FX-02: each named constant equals the two-step (decimal->f64->U64F64, ties-even) derivation."""
    table = {
        "0.4": FX_0_4_BITS,
        "0.6": FX_0_6_BITS,
        "0.7": FX_0_7_BITS,
        "0.8": FX_0_8_BITS,
        "1.25": FX_1_25_BITS,
        "1.5": FX_1_5_BITS,
    }
    for literal, bits in table.items():
        assert bits_from_f64_literal(literal) == bits, literal
        assert U64F64.from_f64_literal_text(literal).bits == bits
    assert FX_0_8.bits == 0xCCCCCCCCCCCCD000
    assert FX_0_4.bits == 0x6666666666666800
    assert FX_1_25.bits == 0x1_4000000000000000
    assert FX_1_5.bits == 0x1_8000000000000000
    assert FX_ONE.bits == ONE
    assert FX_ZERO.bits == 0


def test_fx02_hand_derivation_of_0_8() -> None:
    """FX-02: derive 0.8 by hand.

    0.8 lies in [2**-1, 2**0), so its f64 quantum is 2**(-1-52) = 2**-53.
    0.8 * 2**53 = 7205759403792793.6, which rounds to the nearest integer
    m = 7205759403792794 = 0x1999999999999A.
    The f64 value is therefore m / 2**53 (slightly above 0.8). In U64F64 it is m * 2**64 / 2**53 = m << 11,
    which is exact, so the second rounding does nothing. m << 11 = 0xCCCCCCCCCCCCD000.
    """
    m = 0x1999999999999A
    assert Fraction(8, 10) * 2**53 == Fraction(72057594037927936, 10)
    assert m == round_half_even(8 * 2**53, 10)
    assert f64_from_decimal("0.8") == Fraction(m, 2**53)
    assert m << 11 == FX_0_8_BITS
    # 0.7: quantum 2**-53 again; 0.7 * 2**53 = 6305039478318694.4, rounded to 0x16666666666666.
    assert round_half_even(7 * 2**53, 10) == 0x16666666666666
    assert FX_0_7_BITS == 0x16666666666666 << 11
    # 0.4 and 0.6 lie in [2**-2, 2**-1) and [2**-1, 1): 0.4 * 2**54 rounds to 0x1999999999999A,
    # and << 10 gives 0x6666666666666800.
    assert round_half_even(4 * 2**54, 10) << 10 == FX_0_4_BITS
    assert round_half_even(6 * 2**53, 10) << 11 == FX_0_6_BITS


def test_fx02_f64_step_agrees_with_python_float() -> None:
    """FX-02: the exact f64 rounding agrees with CPython's correctly rounded parser (float used only here)."""
    for literal in ["0.8", "0.7", "0.6", "0.4", "1.25", "1.5", "0.1", "1e-30", "123456789.123456789"]:
        assert f64_from_decimal(literal) == Fraction(float(literal))


def test_fx02_ties_to_even_in_both_steps() -> None:
    """FX-02: both rounding steps go to nearest with ties to even."""
    # Step 1 (decimal -> f64): 2**53 + 1 is halfway between 2**53 and 2**53 + 2; the tie goes to even, 2**53.
    assert f64_from_decimal("9007199254740993") == 2**53
    # 2**53 + 3 is halfway between 2**53 + 2 and 2**53 + 4; even is 2**53 + 4.
    assert f64_from_decimal("9007199254740995") == 2**53 + 4
    assert bits_from_f64_literal("9007199254740993") == 2**53 << 64
    # Step 2 (f64 -> 64 fraction bits): 2**-65 and 3 * 2**-65 are exact f64 values that sit halfway
    # between two U64F64 steps: 0.5 rounds to 0 (even), 1.5 rounds to 2 (even).
    assert bits_from_f64_literal("2.710505431213761085018632002174854278564453125e-20") == 0
    assert bits_from_f64_literal("8.131516293641283255055896006524562835693359375e-20") == 2
    # 5e-20 * 2**64 = 0.922...: not a tie, so it rounds to 1.
    assert bits_from_f64_literal("5e-20") == 1
    # U32F32: 0.8 has 32 fraction bits, m * 2**32 / 2**53, which rounds to 0xCCCCCCCD.
    assert bits_from_f64_literal("0.8", 32, 64) == 0xCCCCCCCD
    assert U32F32.from_f64_literal_text("0.8").bits == 0xCCCCCCCD


def test_fx02_literal_errors() -> None:
    """FX-02: negative or non-fitting literals raise OverflowError; non-finite text is rejected."""
    with pytest.raises(OverflowError):
        bits_from_f64_literal("-0.5")
    with pytest.raises(OverflowError):
        bits_from_f64_literal("18446744073709551616")  # 2**64 does not fit in 64 integer bits
    with pytest.raises(OverflowError):
        f64_from_decimal("1e400")
    with pytest.raises(ValueError):
        f64_from_decimal("inf")


@SETTINGS
@given(st.integers(1, 10**40), st.integers(1, 10**40), st.integers(-400, 330))
def test_fx02_f64_round_matches_cpython(num: int, den: int, exp10: int) -> None:
    """FX-02: f64_round equals CPython's correctly rounded int/int division (covers subnormals too)."""
    x = Fraction(num, den) * Fraction(10) ** exp10
    try:
        expected = x.numerator / x.denominator  # float used only as an oracle
    except OverflowError:
        with pytest.raises(OverflowError):
            f64_round(x)
        return
    if math.isinf(expected):
        with pytest.raises(OverflowError):
            f64_round(x)
        return
    assert f64_round(x) == Fraction(expected)


def test_fx02_subnormals() -> None:
    """FX-02: below 2**-1022 the quantum stays at 2**-1074; halfway cases go to even."""
    q = Fraction(1, 2**1074)
    assert f64_round(q) == q
    assert f64_round(q / 2) == 0  # a tie between 0 and q: even is 0
    assert f64_round(q * Fraction(3, 2)) == 2 * q  # a tie between q and 2q: even is 2q
    assert f64_round(q * Fraction(3, 4)) == q


# ===================================================================================================
# FX-03 multiplication truncates
# ===================================================================================================


def test_fx03_mul_truncates_hand_values() -> None:
    """FX-03: fixed*fixed = floor(a*b / 2**64).

    * 2**-64 * 2**-64 = 2**-128, which truncates to 0.
    * from_bits(3) * 0.5 = 1.5 ulp, which truncates to 1 ulp (nearest-even would give 2).
    * 0.8 * 0.8: the f64 0.8 is b = (4 * 2**64 + 4096) / 5 (an exact integer). Then
      b**2 / 2**64 = (16 * 2**64 + 32768) / 25 + 4096**2 / (25 * 2**64). The first term is 0x...DC28
      plus 24/25, and the second is about 4e-14. The exact value is 0xA3D70A3D70A3DC28.96..., which
      truncates to ...DC28 (nearest would give ...DC29).
    """
    tiny = U64F64.from_bits(1)
    assert (tiny * tiny).bits == 0
    assert (U64F64.from_bits(3) * U64F64.from_bits(1 << 63)).bits == 1
    sq = FX_0_8_BITS * FX_0_8_BITS
    assert sq % ONE != 0
    assert FX_0_8_BITS == (4 * 2**64 + 4096) // 5 and (4 * 2**64 + 4096) % 5 == 0
    assert (16 * 2**64 + 32768) // 25 == 0xA3D70A3D70A3DC28 and (16 * 2**64 + 32768) % 25 == 24
    assert (FX_0_8 * FX_0_8).bits == sq // ONE == 0xA3D70A3D70A3DC28
    assert fx_mul(FX_0_8_BITS, FX_0_8_BITS) == 0xA3D70A3D70A3DC28
    # The discount path: amount_due * 0.4 truncates before round() is applied.
    assert (X(10) * FX_0_4).bits == 10 * FX_0_4_BITS  # integer * fixed: the product is exact here
    assert (X(10) * FX_0_4).round().to_u64() == 4


def test_fx03_mul_overflow_raises() -> None:
    """FX-03/FX-09: products of 2**64 or more (as values) raise OverflowError."""
    with pytest.raises(OverflowError):
        X(1 << 32) * X(1 << 32)
    with pytest.raises(OverflowError):
        fx_mul(U128_MAX, U128_MAX)
    assert X((1 << 32) - 1) * X(1 << 32) == X(((1 << 32) - 1) << 32)


@SETTINGS
@given(BITS128, BITS128)
def test_fx03_mul_matches_oracle(a: int, b: int) -> None:
    """FX-03: U64F64 mul equals the truncated exact product, or raises exactly when it does not fit."""
    exact = Fraction(a, ONE) * Fraction(b, ONE)
    expected = oracle_fixed(exact, 64)
    assert fx_wrapping_mul(a, b) == expected % (1 << 128)
    assert U64F64.from_bits(a).wrapping_mul(U64F64.from_bits(b)).bits == expected % (1 << 128)
    if expected > U128_MAX:
        with pytest.raises(OverflowError):
            fx_mul(a, b)
        with pytest.raises(OverflowError):
            U64F64.from_bits(a) * U64F64.from_bits(b)
        assert U64F64.from_bits(a).checked_mul(U64F64.from_bits(b)) is None
    else:
        assert fx_mul(a, b) == expected
        assert (U64F64.from_bits(a) * U64F64.from_bits(b)).bits == expected
        assert U64F64.from_bits(a).checked_mul(U64F64.from_bits(b)) == U64F64.from_bits(expected)


# ===================================================================================================
# FX-04 division truncates
# ===================================================================================================


def test_fx04_div_truncates_hand_values() -> None:
    """FX-04: fixed/fixed = floor(a * 2**64 / b).

    * 2/3: 2 * 2**64 / 3 = 0xAAAAAAAAAAAAAAAA.AA..., which truncates to 0xAAAAAAAAAAAAAAAA
      (nearest would end in AB).
    * 1/3 * 3 = 0xFFFFFFFFFFFFFFFF, i.e. 1 - 2**-64: the truncation error survives, and round() restores 1.
    """
    assert (X(2) / X(3)).bits == 0xAAAAAAAAAAAAAAAA
    assert fx_div(2 << 64, 3 << 64) == 0xAAAAAAAAAAAAAAAA
    third_times_3 = (X(1) / X(3)) * X(3)
    assert third_times_3.bits == 0xFFFFFFFFFFFFFFFF
    assert third_times_3 < X(1)
    assert third_times_3.round() == X(1)


def test_fx04_div_by_zero_and_overflow() -> None:
    """FX-04: a zero divisor raises ZeroDivisionError; a quotient that does not fit raises OverflowError."""
    with pytest.raises(ZeroDivisionError):
        X(1) / FX_ZERO
    with pytest.raises(ZeroDivisionError):
        fx_div(ONE, 0)
    with pytest.raises(ZeroDivisionError):
        fx_wrapping_div(ONE, 0)
    assert X(1).checked_div(FX_ZERO) is None
    with pytest.raises(OverflowError):
        X(1 << 63) / U64F64.from_bits(1)  # 2**63 / 2**-64 = 2**127 as a value: too big
    assert X(1 << 63).checked_div(U64F64.from_bits(1)) is None


@SETTINGS
@given(BITS128, NONZERO128)
def test_fx04_div_matches_oracle(a: int, b: int) -> None:
    """FX-04: U64F64 div equals the truncated exact quotient, or raises exactly when it does not fit."""
    expected = oracle_fixed(Fraction(a, ONE) / Fraction(b, ONE), 64)
    assert fx_wrapping_div(a, b) == expected % (1 << 128)
    if expected > U128_MAX:
        with pytest.raises(OverflowError):
            fx_div(a, b)
        with pytest.raises(OverflowError):
            U64F64.from_bits(a) / U64F64.from_bits(b)
    else:
        assert fx_div(a, b) == expected
        assert (U64F64.from_bits(a) / U64F64.from_bits(b)).bits == expected


# ===================================================================================================
# FX-05 integer operands
# ===================================================================================================


def test_fx05_int_operands_hand_values() -> None:
    """FX-05: mul by an integer is exact; div by an integer truncates; k == 0 raises."""
    assert (X(1) / 3).bits == 0x5555555555555555  # floor(2**64 / 3)
    assert fx_div_int(ONE, 3) == 0x5555555555555555
    # hru / 1200 with hru = 1: floor(2**64 / 1200) = 15372286728091293 (remainder 16 dropped).
    assert (X(1) / 1200).bits == 15372286728091293 and ONE == 15372286728091293 * 1200 + 16
    assert (FX_0_8 * 3).bits == 3 * FX_0_8_BITS
    assert (3 * FX_0_8).bits == 3 * FX_0_8_BITS
    assert fx_mul_int(FX_0_8_BITS, 3) == 3 * FX_0_8_BITS
    with pytest.raises(ZeroDivisionError):
        X(1) / 0
    with pytest.raises(ZeroDivisionError):
        fx_div_int(ONE, 0)
    with pytest.raises(OverflowError):
        X(U64_MAX) * 2
    with pytest.raises(OverflowError):
        fx_mul_int(U128_MAX, 2)
    assert fx_wrapping_mul_int(U128_MAX, 2) == U128_MAX - 1
    with pytest.raises(ValueError):
        X(1) * -1
    with pytest.raises(ValueError):
        X(1) / -1


@SETTINGS
@given(BITS128, st.integers(1, U64_MAX))
def test_fx05_div_int_equals_div_by_from_int(a: int, k: int) -> None:
    """FX-05: x / k (integer) == x / from_int(k) (fixed/fixed), and both equal floor(a / k)."""
    assert fx_div_int(a, k) == a // k
    assert fx_div_int(a, k) == fx_div(a, fx_from_int(k))
    assert (U64F64.from_bits(a) / k) == (U64F64.from_bits(a) / X(k))


@SETTINGS
@given(BITS128, BITS64)
def test_fx05_mul_int_matches_oracle(a: int, k: int) -> None:
    """FX-05: x * k (integer) is exact: same as x * from_int(k) whenever it fits."""
    expected = a * k
    if expected > U128_MAX:
        with pytest.raises(OverflowError):
            fx_mul_int(a, k)
    else:
        assert fx_mul_int(a, k) == expected
        assert (U64F64.from_bits(a) * k).bits == expected
        if k <= U64_MAX:
            assert fx_mul(a, fx_from_int(k)) == expected


# ===================================================================================================
# FX-06 add / sub / compare
# ===================================================================================================


def test_fx06_add_sub_compare() -> None:
    """FX-06: exact add and sub, range-checked, and comparisons on bits."""
    assert U64F64.from_bits(2 * FX_0_4_BITS) == FX_0_4 + FX_0_4
    assert fx_add(FX_0_4_BITS, FX_0_4_BITS) == 2 * FX_0_4_BITS
    assert X(5) - X(3) == X(2)
    assert fx_sub(5 << 64, 3 << 64) == 2 << 64
    with pytest.raises(OverflowError):
        X(3) - X(5)
    with pytest.raises(OverflowError):
        fx_sub(0, 1)
    with pytest.raises(OverflowError):
        U64F64.from_bits(U128_MAX) + U64F64.from_bits(1)
    with pytest.raises(OverflowError):
        fx_add(U128_MAX, 1)
    assert fx_wrapping_add(U128_MAX, 1) == 0
    assert fx_wrapping_sub(0, 1) == U128_MAX
    assert X(3).checked_sub(X(5)) is None
    assert X(3).checked_add(X(5)) == X(8)
    assert U64F64.from_bits(U128_MAX).checked_add(U64F64.from_bits(1)) is None
    assert X(0).wrapping_sub(U64F64.from_bits(1)).bits == U128_MAX
    # comparisons, min and max
    assert FX_0_4 < FX_0_8 <= FX_0_8 < FX_ONE < FX_1_25 < FX_1_5
    assert max(FX_0_4, FX_0_8) is FX_0_8 and min(FX_0_4, FX_0_8) is FX_0_4
    assert X(3) >= X(3) and X(4) > X(3)
    assert X(3) != X(4) and hash(X(3)) == hash(U64F64.from_bits(3 << 64))
    assert not FX_ZERO and bool(FX_ONE)


def test_fx06_types_do_not_mix() -> None:
    """FX-06/FX-10: U64F64 and U32F32 never mix; comparing them with == is simply False."""
    with pytest.raises(TypeError):
        _ = X(1) + U32F32.from_int(1)  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = X(1) * U32F32.from_int(1)  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = X(1) < U32F32.from_int(1)  # type: ignore[operator]
    assert X(1) != U32F32.from_int(1)
    assert X(1) != 1


# ===================================================================================================
# FX-07 round: ties away from zero
# ===================================================================================================


def test_fx07_round_ties_away_hand_values() -> None:
    """FX-07: round() goes to the nearest integer, and ties go up (away from zero), not to even.

    2.5 -> 3, 3.5 -> 4, 0.5 -> 1 (ties-even would give 2, 4, 0); 2.5 - 2**-64 -> 2; 2 + 2**-64 -> 2.
    """
    half = 1 << 63
    assert U64F64.from_bits((2 << 64) + half).round() == X(3)
    assert U64F64.from_bits((3 << 64) + half).round() == X(4)
    assert U64F64.from_bits(half).round() == X(1)
    assert U64F64.from_bits((2 << 64) + half - 1).round() == X(2)
    assert U64F64.from_bits((2 << 64) + 1).round() == X(2)
    assert fx_round((2 << 64) + half) == 3 << 64
    assert U32F32.from_bits((2 << 32) + (1 << 31)).round() == U32F32.from_int(3)


def test_fx07_round_overflow() -> None:
    """FX-07/FX-09: rounding the top half-step of the range overflows; the wrapping form returns 0."""
    top = (U64_MAX << 64) | (1 << 63)
    with pytest.raises(OverflowError):
        fx_round(top)
    with pytest.raises(OverflowError):
        U64F64.from_bits(top).round()
    assert fx_wrapping_round(top) == 0
    assert U64F64.from_bits(top).wrapping_round() == FX_ZERO
    assert fx_round(top - 1) == U64_MAX << 64
    with pytest.raises(OverflowError):
        fx_round_to_int(top)
    assert fx_round_to_int(top - 1) == U64_MAX


@SETTINGS
@given(BITS128)
def test_fx07_round_matches_oracle(a: int) -> None:
    """FX-07: round() == floor(value + 1/2), checked against the exact rational value."""
    expected = oracle_round_half_away(Fraction(a, ONE))
    if expected > U64_MAX:
        with pytest.raises(OverflowError):
            fx_round(a)
        with pytest.raises(OverflowError):
            fx_round_to_int(a)  # round_u64 (spec/billing.md)
    else:
        assert fx_round(a) == expected << 64
        assert fx_round_to_int(a) == expected == fx_to_int(fx_round(a))
        assert U64F64.from_bits(a).round().to_u64() == expected


# ===================================================================================================
# FX-08 floor / ceil / to_int
# ===================================================================================================


@SETTINGS
@given(BITS128)
def test_fx08_floor_ceil_to_int(a: int) -> None:
    """FX-08: floor/ceil follow math.floor/math.ceil, and to_int truncates."""
    v = Fraction(a, ONE)
    x = U64F64.from_bits(a)
    assert fx_floor(a) == math.floor(v) << 64 == x.floor().bits
    assert fx_to_int(a) == math.floor(v) == x.to_u64() == x.to_int()
    assert x.frac().bits == a % ONE
    if math.ceil(v) > U64_MAX:
        with pytest.raises(OverflowError):
            fx_ceil(a)
        with pytest.raises(OverflowError):
            x.ceil()
    else:
        assert fx_ceil(a) == math.ceil(v) << 64 == x.ceil().bits


def test_fx08_to_int_truncates() -> None:
    """FX-08: to_num::<u64>() on 231.67 gives 231, not 232; round() first gives 232."""
    v = (X(13900) / X(3600)) * X(60)
    assert v.to_u64() == 231
    assert v.round().to_u64() == 232
    assert U32F32.from_bits((7 << 32) + U32_MAX).to_u32() == 7


# ===================================================================================================
# FX-09 overflow policy: raise / checked / wrapping
# ===================================================================================================


@SETTINGS
@given(BITS128, BITS128)
def test_fx09_checked_and_wrapping_agree_with_raising(a: int, b: int) -> None:
    """FX-09: checked_* gives None exactly where the operator raises; wrapping_* is the result mod 2**128."""
    x, y = U64F64.from_bits(a), U64F64.from_bits(b)
    for op, checked, wrapping, exact in [
        (U64F64.__add__, U64F64.checked_add, U64F64.wrapping_add, a + b),
        (U64F64.__sub__, U64F64.checked_sub, U64F64.wrapping_sub, a - b),
    ]:
        assert wrapping(x, y).bits == exact % (1 << 128)
        if 0 <= exact <= U128_MAX:
            assert op(x, y).bits == exact
            assert checked(x, y) == U64F64.from_bits(exact)
        else:
            with pytest.raises(OverflowError):
                op(x, y)
            assert checked(x, y) is None


def test_fx09_immutability_and_pickle() -> None:
    """FX-09: values are immutable value objects (safe to share), and they survive pickling."""
    x = X(3)
    with pytest.raises(AttributeError):
        x.bits = 4  # type: ignore[misc]
    with pytest.raises(OverflowError):
        U64F64.from_bits(1 << 128)
    with pytest.raises(OverflowError):
        U64F64(-1)
    assert pickle.loads(pickle.dumps(FX_0_8)) == FX_0_8
    assert pickle.loads(pickle.dumps(Perbill.from_percent(10))) == Perbill.from_percent(10)
    p = Percent.from_percent(5)
    with pytest.raises(AttributeError):
        p.parts = 6  # type: ignore[misc]


def test_fx09_display_is_exact() -> None:
    """FX-09: str() prints the exact decimal; repr() shows the raw bits."""
    assert str(X(2)) == "2"
    assert str(U64F64.from_bits(1 << 63)) == "0.5"
    assert str(FX_0_8) == "0.8000000000000000444089209850062616169452667236328125"
    assert Fraction(str(FX_0_8)) == FX_0_8.to_fraction() == f64_from_decimal("0.8")
    assert repr(FX_0_8) == "U64F64.from_bits(0xccccccccccccd000)"
    assert str(U32F32.from_bits(1)) == "0.00000000023283064365386962890625"  # 2**-32
    assert Fraction(str(U32F32.from_bits(1))) == Fraction(1, 2**32)


# ===================================================================================================
# FX-10 U32F32
# ===================================================================================================


def test_fx10_u32f32_tft_price_average() -> None:
    """FX-10: pallet-tft-price calc_avg = round(U32F32(sum) / U32F32(len)).to_num::<u32>().

    [10, 11]: 21/2 = 10.5, a tie, which rounds up to 11. [10, 10, 11]: 31/3 = 10.33 -> 10.
    [10, 11, 11]: 32/3 = 10.67 -> 11.
    """

    def calc_avg(items: list[int]) -> int:
        total = 0
        for item in items:
            total = saturating_add_u32(total, item)
        return (U32F32.from_int(total) / U32F32.from_int(len(items))).round().to_u32()

    assert calc_avg([10, 11]) == 11
    assert calc_avg([10, 10, 11]) == 10
    assert calc_avg([10, 11, 11]) == 11
    # 21/2 is exact in U32F32: bits = 21 * 2**32 / 2 = 10.5 * 2**32.
    assert (U32F32.from_int(21) / U32F32.from_int(2)).bits == 21 << 31
    # 31/3: 31 * 2**32 = 133143986176, and / 3 = 44381328725.33, which truncates to 44381328725.
    assert 31 * 2**32 == 133143986176
    assert (U32F32.from_int(31) / U32F32.from_int(3)).bits == 44381328725


def test_fx10_u32f32_lowest_price_to_musd() -> None:
    """FX-10: ((lowest) * 1000).round().to_num::<u32>(), with `* 1000` the exact Mul<u64>.

    TFChain parses the price text with U32F32's FromStr, which this module does not model. For 0.0125 the
    nearest-rounded result is the same either way: 0.0125 * 2**32 = 53687091.2, which rounds to 53687091 bits.
    """
    lowest = U32F32.from_f64_literal_text("0.0125")
    assert lowest.bits == 53687091
    scaled = lowest * 1000  # 53687091000 bits = 12.49999995... -> 12
    assert scaled.bits == 53687091000
    assert scaled.round().to_u32() == 12


@SETTINGS
@given(BITS64, BITS64)
def test_fx10_u32f32_mul_div_round_oracle(a: int, b: int) -> None:
    """FX-10: U32F32 mul/div truncate and round goes half-up, all checked against exact rationals."""
    one32 = 1 << 32
    x, y = U32F32.from_bits(a), U32F32.from_bits(b)
    prod = oracle_fixed(Fraction(a, one32) * Fraction(b, one32), 32)
    if prod > U64_MAX:
        with pytest.raises(OverflowError):
            x * y
        assert x.wrapping_mul(y).bits == prod % (1 << 64)
    else:
        assert (x * y).bits == prod
    if b:
        quot = oracle_fixed(Fraction(a, one32) / Fraction(b, one32), 32)
        if quot > U64_MAX:
            assert x.checked_div(y) is None
        else:
            assert (x / y).bits == quot
    rounded = oracle_round_half_away(Fraction(a, one32))
    if rounded > U32_MAX:
        with pytest.raises(OverflowError):
            x.round()
    else:
        assert x.round().to_u32() == rounded


# ===================================================================================================
# FX-11 PerThing * n: nearest, ties down
# ===================================================================================================


def test_fx11_hand_values() -> None:
    """FX-11: the worked values.

    Percent(35) * 10 = 3.5, a tie, which goes down to 3. Percent(36) * 10 = 3.6, nearest 4.
    Perbill(10%) * 15 = 1.5, a tie, down to 1. Perbill(40%) * 15 = 6 exactly. Percent(34) * 10 = 3.4 -> 3.
    Percent(50) * 1 = 0.5, a tie, down to 0. Percent(50) * 3 = 1.5, down to 1.
    """
    assert Percent.from_percent(35) * 10 == 3
    assert Percent.from_percent(36) * 10 == 4
    assert Percent.from_percent(34) * 10 == 3
    assert Perbill.from_percent(10) * 15 == 1
    assert Perbill.from_percent(40) * 15 == 6
    assert Percent.from_percent(50) * 1 == 0
    assert Percent.from_percent(50) * 3 == 1
    assert percent_mul(35, 10) == 3 and perbill_mul(100_000_000, 15) == 1


def test_fx11_large_n_split_algorithm() -> None:
    """FX-11: for n = U128_MAX the split (n // ACC) * parts + correction(n % ACC) is still exact.

    U128_MAX = 340282366920938463463374607431768211455. With Perbill(1 / 10**9) (parts = 1) the exact
    product is U128_MAX / 10**9 = 340282366920938463463374607431.768211455. Its fraction .768 is above 1/2,
    so the result is ...432. Percent(50) * U128_MAX = U128_MAX / 2 = ...727.5, a tie, which goes down
    to U128_MAX // 2.
    """
    assert Perbill.from_parts(1) * U128_MAX == 340282366920938463463374607432
    assert Percent.from_percent(50) * U128_MAX == U128_MAX // 2
    assert Perbill.one() * U128_MAX == U128_MAX
    assert Percent.zero() * U128_MAX == 0


@SETTINGS
@given(st.integers(0, 1_000_000_000), _bits_upto(128))
def test_fx11_perbill_mul_matches_oracle(parts: int, n: int) -> None:
    """FX-11: Perbill * n == nearest(n * parts / 10**9) with ties down, for n up to 2**128 - 1."""
    expected = oracle_nearest_ties_down(Fraction(n * parts, 1_000_000_000))
    p = Perbill.from_parts(parts)
    assert p * n == expected
    assert perbill_mul(parts, n) == expected
    assert overflow_prune_mul(n, parts, 1_000_000_000, Rounding.NEAREST_PREF_DOWN) == expected
    assert expected <= n  # the Rust result type N never overflows


@SETTINGS
@given(st.integers(0, 100), _bits_upto(128))
def test_fx11_percent_mul_matches_oracle(parts: int, n: int) -> None:
    """FX-11: Percent * n == nearest(n * parts / 100) with ties down, for n up to 2**128 - 1."""
    expected = oracle_nearest_ties_down(Fraction(n * parts, 100))
    assert Percent.from_parts(parts) * n == expected
    assert percent_mul(parts, n) == expected


def test_fx11_rational_mul_correction_modes() -> None:
    """FX-11: the correction term rounds rem * numer / denom in each Rounding mode.

    x = 15, numer = 10, denom = 100: rem = 15, rem * numer = 150, and 150 / 100 = 1.5, an exact tie.
    """
    assert rational_mul_correction(15, 10, 100, Rounding.DOWN) == 1
    assert rational_mul_correction(15, 10, 100, Rounding.UP) == 2
    assert rational_mul_correction(15, 10, 100, Rounding.NEAREST_PREF_DOWN) == 1
    assert rational_mul_correction(15, 10, 100, Rounding.NEAREST_PREF_UP) == 2
    # x = 151, numer = 1, denom = 100: rem = 51, and 51 / 100 = 0.51 > 1/2.
    # Both nearest modes give 1; DOWN gives 0.
    assert rational_mul_correction(151, 1, 100, Rounding.NEAREST_PREF_DOWN) == 1
    assert rational_mul_correction(151, 1, 100, Rounding.NEAREST_PREF_UP) == 1
    assert rational_mul_correction(151, 1, 100, Rounding.DOWN) == 0
    with pytest.raises(ValueError):
        Percent.from_percent(1) * -1


# ===================================================================================================
# FX-12 from_percent / from_parts saturation
# ===================================================================================================


def test_fx12_from_percent_and_parts_saturate() -> None:
    """FX-12: from_percent saturates at 100% and from_parts at ACCURACY; inner-type overflow raises."""
    assert Percent.from_percent(150) == Percent.one() == Percent.from_parts(100)
    assert Perbill.from_percent(101) == Perbill.one()
    assert Perbill.from_percent(10).deconstruct() == 100_000_000
    assert Perbill.from_percent(U32_MAX) == Perbill.one()
    assert Percent.from_parts(U8_MAX).parts == 100
    assert Perbill.from_parts(U32_MAX).parts == 1_000_000_000
    assert Perbill.one().is_one() and Perbill.zero().is_zero()
    with pytest.raises(OverflowError):
        Percent.from_percent(U8_MAX + 1)  # u8 argument in Rust
    with pytest.raises(OverflowError):
        Perbill.from_parts(U32_MAX + 1)
    with pytest.raises(ValueError):
        Percent(101)


# ===================================================================================================
# FX-13 from_rational
# ===================================================================================================


def test_fx13_from_rational_documented_examples() -> None:
    """FX-13: the examples from sp-arithmetic's doc comments.

    989/1000 is closer to 99%, but the result rounds down to 98%.
    """
    assert Percent.from_rational(989, 1000) == Percent.from_parts(98)
    r = Percent.from_rational_with_rounding
    assert r(989, 1000, Rounding.DOWN) == Percent.from_parts(98)
    assert r(984, 1000, Rounding.NEAREST_PREF_UP) == Percent.from_parts(98)
    assert r(985, 1000, Rounding.NEAREST_PREF_DOWN) == Percent.from_parts(98)
    assert r(985, 1000, Rounding.NEAREST_PREF_UP) == Percent.from_parts(99)
    assert r(986, 1000, Rounding.NEAREST_PREF_DOWN) == Percent.from_parts(99)
    assert r(981, 1000, Rounding.UP) == Percent.from_parts(99)
    assert r(1001, 1000, Rounding.UP) is None
    assert Perbill.from_rational(1, 3) == Perbill.from_parts(333_333_333)


def test_fx13_from_rational_reduction_quirk() -> None:
    """FX-13: when q > ACC, the Rust reduction step can land below floor(p * ACC / q).

    p = 5, q = 2_000_000_001, ACC = 10**9: factor = ceil(q / ACC) = 3, q' = 666_666_667, p' = 5 // 3 = 1,
    parts = 1 * 10**9 // 666_666_667 = 1, while floor(5 * 10**9 / 2_000_000_001) = 2.
    """
    assert Perbill.from_rational(5, 2_000_000_001) == Perbill.from_parts(1)
    assert (5 * 10**9) // 2_000_000_001 == 2


def test_fx13_from_rational_errors_give_one() -> None:
    """FX-13: q == 0 or p > q makes from_rational return one() (Rust: unwrap_or_else(one))."""
    assert Perbill.from_rational(1, 0) == Perbill.one()
    assert Percent.from_rational(3, 2) == Percent.one()
    assert Percent.from_rational_with_rounding(0, 0, Rounding.DOWN) is None


@SETTINGS
@given(st.integers(1, 1_000_000_000), st.data())
def test_fx13_from_rational_small_q_is_floor(q: int, data: st.DataObject) -> None:
    """FX-13: for q <= ACC (factor 1) from_rational is exactly floor(p * ACC / q)."""
    p = data.draw(st.integers(0, q))
    assert Perbill.from_rational(p, q).parts == p * 1_000_000_000 // q
    if q <= 100:
        assert Percent.from_rational(p, q).parts == p * 100 // q


# ===================================================================================================
# FX-14 PerThing * PerThing, mul_floor, mul_ceil
# ===================================================================================================


def test_fx14_perthing_products() -> None:
    """FX-14: Percent(50) * Percent(33) = 1650 // 100 = 16 (16.5 truncated).

    The mul_floor and mul_ceil cases are sp-arithmetic's doc examples.
    """
    assert Percent.from_percent(50) * Percent.from_percent(33) == Percent.from_parts(16)
    assert Perbill.from_percent(50) * Perbill.from_percent(50) == Perbill.from_percent(25)
    assert Percent.from_percent(34).mul_floor(10) == 3
    assert Percent.from_percent(36).mul_floor(10) == 3
    assert Percent.from_percent(34).mul_ceil(10) == 4
    assert Percent.from_percent(36).mul_ceil(10) == 4
    assert Percent.from_percent(60).saturating_add(Percent.from_percent(60)) == Percent.one()
    assert Percent.from_percent(10).saturating_sub(Percent.from_percent(60)) == Percent.zero()


@SETTINGS
@given(st.integers(0, 1_000_000_000), _bits_upto(128))
def test_fx14_mul_floor_ceil_oracle(parts: int, n: int) -> None:
    """FX-14: mul_floor == floor(n * parts / ACC) and mul_ceil == ceil(n * parts / ACC), for any n."""
    p = Perbill.from_parts(parts)
    exact = Fraction(n * parts, 1_000_000_000)
    assert p.mul_floor(n) == math.floor(exact)
    assert p.mul_ceil(n) == math.ceil(exact)


# ===================================================================================================
# FX-15 saturating / checked integers
# ===================================================================================================


def test_fx15_saturating_and_checked() -> None:
    """FX-15: each width saturates at its own maximum or returns None there; subtraction floors at 0."""
    assert saturating_add_u16(U16_MAX, 1) == U16_MAX
    assert saturating_add_u32(U32_MAX - 1, 1) == U32_MAX
    assert saturating_add_u32(U32_MAX, 5) == U32_MAX
    assert saturating_add_u64(U64_MAX, U64_MAX) == U64_MAX
    assert saturating_add_u128(U128_MAX, 1) == U128_MAX
    assert saturating_add_u64(1, 2) == 3
    assert saturating_sub_u16(1, 2) == 0 and saturating_sub_u128(5, 2) == 3
    assert checked_add_u16(U16_MAX, 1) is None and checked_add_u16(1, 1) == 2
    assert checked_add_u32(U32_MAX, 1) is None
    assert checked_add_u64(U64_MAX, 1) is None and checked_add_u64(U64_MAX - 1, 1) == U64_MAX
    assert checked_add_u128(U128_MAX, 1) is None
    assert checked_sub_u64(1, 2) is None and checked_sub_u64(2, 1) == 1
    assert saturating_add(250, 10, U8_MAX) == U8_MAX and saturating_sub(3, 4) == 0
    assert saturating_mul(1 << 40, 1 << 40, U64_MAX) == U64_MAX
    assert checked_add(1, 2, U8_MAX) == 3 and checked_sub(0, 1) is None
    assert checked_mul(1 << 32, 1 << 32, U64_MAX) is None and checked_mul(3, 4, U8_MAX) == 12
    assert saturated(-5, U64_MAX) == 0 and saturated(7, U8_MAX) == 7
    assert saturated(1 << 70, U64_MAX) == U64_MAX


# ===================================================================================================
# FX-16 composition: TFChain's worked billing numbers
# ===================================================================================================

GIB = 1024**3


def calculate_cu(cru: U64F64, mru: U64F64) -> U64F64:
    """pallet-smart-contract cost.rs calculate_cu: min(max(M/4, C/2), max(M/8, C), max(M/2, C/4))."""
    cu_1 = max(mru / 4, cru / 2)
    cu_2 = max(mru / 8, cru)
    cu_3 = max(mru / 2, cru / 4)
    return min(cu_1, cu_2, cu_3)


def test_fx16_calculate_cu() -> None:
    """FX-16: CU values from the reference and from TFChain's own test_cu_calculation.

    (cru=4, mru=1024 GiB): M = 1024, C = 4; cu1 = max(256, 2) = 256, cu2 = max(128, 4) = 128,
    cu3 = max(512, 1) = 512, so CU = 128.
    (cru=16, mru=16 GiB): cu1 = max(4, 8) = 8, cu2 = max(2, 16) = 16, cu3 = max(8, 4) = 8, so CU = 8.
    """

    def m(mru_bytes: int) -> U64F64:
        # The reference writes FX(mru) / FX(1024**3) (fixed/fixed). TFChain writes U64F64 / u128 (Div<u128>).
        by_fixed = X(mru_bytes) / X(GIB)
        by_int = X(mru_bytes) / GIB
        assert by_fixed == by_int
        return by_int

    assert calculate_cu(X(4), m(1024 * GIB)).bits == 128 << 64
    assert calculate_cu(X(16), m(16 * GIB)).bits == 8 << 64
    # TFChain tests.rs test_cu_calculation (arguments given directly in GB):
    assert calculate_cu(X(4), X(1024)) == X(128)
    assert calculate_cu(X(32), X(128)) == X(32)
    assert calculate_cu(X(4), X(2)) == X(1)
    assert calculate_cu(X(4), X(1)) == X(1)
    assert calculate_cu(X(16), X(16)) == X(8)


def test_fx16_name_contract_cost() -> None:
    """FX-16: round((FX(13900) / FX(3600)) * FX(60)) = 232 and, over 3600 s, 13900.

    13900 / 3600 = 3.8611..., stored truncated as q = floor(13900 * 2**64 / 3600). q * 60 (exact, since
    from_int(60) has no fraction bits) is 231.666..., which rounds to 232. Over 3600 s, q * 3600 = 13900 - e
    with 0 < e < 3600 * 2**-64: the truncation survives, and round() brings it back to 13900.
    """
    per_second = X(13900) / X(3600)
    assert per_second.bits == (13900 << 64) // 3600
    v60 = per_second * X(60)
    assert v60.bits == per_second.bits * 60
    assert v60.round().to_u64() == 232
    v3600 = per_second * X(3600)
    assert v3600 < X(13900)
    assert X(13900).bits - v3600.bits < 3600
    assert v3600.round().to_u64() == 13900
    # the same through the raw hot-path functions
    raw = fx_round(fx_mul(fx_div(fx_from_int(13900), fx_from_int(3600)), fx_from_int(60)))
    assert fx_to_int(raw) == 232


def test_fx16_reward_split() -> None:
    """FX-16: Perbill 10% of 144440 = 14444 and 40% = 57776 (both exact, so no rounding)."""
    amount = 144440
    assert Perbill.from_percent(10) * amount == 14444
    assert Perbill.from_percent(40) * amount == 57776
    foundation = Perbill.from_percent(10) * amount
    staking = Perbill.from_percent(5) * amount  # 7222
    assert staking == 7222
    # billing.rs: the rest of the 50% share = 72220 - 14444 - 7222 = 50554.
    assert (Perbill.from_percent(50) * amount) - foundation - staking == 50554


def test_fx16_discount_multiplier_composition() -> None:
    """FX-16: amount_due * price_multiplier, then round().

    from_num(1000) * from_num(0.8): the product bits are 1000 * 0xCCCCCCCCCCCCD000 exactly (the fraction
    of from_num(1000) is zero, so nothing is truncated). That value is 800.0000000000000444, because the
    f64 0.8 lies slightly above 0.8. round() gives 800. Adding the certified surcharge (* 1.25) still
    gives 1000.
    """
    due = X(1000) * FX_0_8
    assert due.bits == 1000 * FX_0_8_BITS
    assert due > X(800)
    assert due.round().to_u64() == 800
    assert (due * FX_1_25).round().to_u64() == 1000
    assert (X(1000) * FX_0_4).round().to_u64() == 400
