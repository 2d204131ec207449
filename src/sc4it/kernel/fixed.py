"""Bit-exact integer model of the fixed-point arithmetic that TFChain billing uses (FX-01..FX-10 of
``spec/fixed.md``): ``substrate-fixed`` 0.5.6 (encointer fork, rev ``b33d186``), ``U64F64``
(``FixedU128<U64>``) and ``U32F32`` (``FixedU64<U32>``). A value is modelled by its raw integer ``bits``;
value = bits / 2**F. The per-things live in ``sc4it.kernel.perthing``, the saturating integer helpers in
``sc4it.kernel.saturating``.

Everything is integer arithmetic; there is no float anywhere. The f64 literals TFChain passes to
``from_num`` are given as named constants, and :func:`bits_from_f64_literal` derives them from the
decimal text with exact ``Fraction`` arithmetic.

Overflow policy (FX-09): Rust's ``*``, ``/``, ``+``, ``-``, ``round`` and ``from_num`` only check for
overflow with ``debug_assert!`` or overflow checks, and both are off in TFChain's release runtime, so
those operations *wrap* silently. This model raises ``OverflowError`` instead, so a wrap can never go
unnoticed. Callers that need release behaviour can use the ``wrapping_*`` variants (result mod 2**N),
and the ``checked_*`` variants return ``None``. Division by zero raises ``ZeroDivisionError``, as Rust
panics in every build.

One function per rule: each FX rule is one ``fx_*`` function on raw bits (plain ``int``), U64F64 by
default (the billing hot path, no object overhead) and any width through ``frac_nbits``/``bits_max``;
the ``U64F64``/``U32F32`` operators call them. Operands are assumed to be valid bits
(``0 <= bits <= bits_max``); only results are range-checked.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar, Final, Self

__all__ = [
    "FX_0_4",
    "FX_0_4_BITS",
    "FX_0_6",
    "FX_0_6_BITS",
    "FX_0_7",
    "FX_0_7_BITS",
    "FX_0_8",
    "FX_0_8_BITS",
    "FX_1_5",
    "FX_1_5_BITS",
    "FX_1_25",
    "FX_1_25_BITS",
    "FX_FRAC_NBITS",
    "FX_HALF",
    "FX_ONE",
    "FX_ONE_BITS",
    "FX_ZERO",
    "U8_MAX",
    "U16_MAX",
    "U32F32",
    "U32_MAX",
    "U64F64",
    "U64_MAX",
    "U128_MAX",
    "bits_from_f64_literal",
    "f64_from_decimal",
    "f64_round",
    "fx_add",
    "fx_ceil",
    "fx_div",
    "fx_div_int",
    "fx_floor",
    "fx_from_int",
    "fx_mul",
    "fx_mul_int",
    "fx_round",
    "fx_round_to_int",
    "fx_sub",
    "fx_to_int",
    "fx_wrapping_add",
    "fx_wrapping_div",
    "fx_wrapping_from_int",
    "fx_wrapping_mul",
    "fx_wrapping_mul_int",
    "fx_wrapping_round",
    "fx_wrapping_sub",
    "overflow_error",
    "round_half_even",
]

# ---------------------------------------------------------------------------------------------------
# Integer widths
# ---------------------------------------------------------------------------------------------------

U8_MAX: Final = (1 << 8) - 1
U16_MAX: Final = (1 << 16) - 1
U32_MAX: Final = (1 << 32) - 1
U64_MAX: Final = (1 << 64) - 1
U128_MAX: Final = (1 << 128) - 1


def overflow_error(what: str) -> OverflowError:
    """The error of a result that leaves its type's range (FX-09)."""
    return OverflowError(f"{what} overflows (Rust would panic in debug / wrap in release)")


# ---------------------------------------------------------------------------------------------------
# Exact rounding helpers and f64 literal derivation (FX-02)
# ---------------------------------------------------------------------------------------------------


def round_half_even(num: int, den: int) -> int:
    """Round ``num / den`` (``den > 0``) to the nearest integer, ties to even."""
    q, r = divmod(num, den)
    twice = r << 1
    if twice > den or (twice == den and q & 1):
        q += 1
    return q


def _floor_log2(num: int, den: int) -> int:
    """``floor(log2(num / den))`` for positive ``num``, ``den``, exactly."""
    e = num.bit_length() - den.bit_length()
    # 2**(e-1) < num/den < 2**(e+1): one comparison decides between e-1 and e.
    if e >= 0:
        if num < (den << e):
            e -= 1
    elif (num << -e) < den:
        e -= 1
    return e


_F64_SIG_BITS: Final = 53
_F64_MIN_NORMAL_EXP: Final = -1022
_F64_MAX_EXP_EXCL: Final = 1024


def f64_round(x: Fraction) -> Fraction:
    """Return the IEEE-754 binary64 value nearest to ``x`` (ties to even), as an exact ``Fraction``.

    This is the rounding a Rust (or C, or Python) compiler applies to a decimal float literal. It
    handles subnormals (the quantum never goes below ``2**-1074``). A result that rounds to ±infinity
    raises ``OverflowError``.
    """
    if x == 0:
        return Fraction(0)
    sign = -1 if x < 0 else 1
    num, den = abs(x.numerator), x.denominator
    e = max(_floor_log2(num, den), _F64_MIN_NORMAL_EXP)
    q = e - (_F64_SIG_BITS - 1)  # exponent of the last significand bit (the quantum)
    m = round_half_even(num, den << q) if q >= 0 else round_half_even(num << -q, den)
    value = Fraction(m << q) if q >= 0 else Fraction(m, 1 << -q)
    if value >= (1 << _F64_MAX_EXP_EXCL):
        raise OverflowError("literal rounds to an infinite f64")
    return sign * value


def f64_from_decimal(literal: str) -> Fraction:
    """The exact value of the f64 that the decimal literal text ``literal`` (e.g. ``"0.8"``) denotes."""
    return f64_round(Fraction(literal.strip()))


def bits_from_f64_literal(literal: str, frac_nbits: int = 64, nbits: int = 128) -> int:
    """Raw bits of ``FixedU{nbits}<U{frac_nbits}>::from_num(<literal>_f64)`` (FX-02).

    There are two roundings, both to nearest with ties to even, exactly as rustc and substrate-fixed
    do them:

    1. decimal text to f64 (:func:`f64_from_decimal`);
    2. f64 to ``frac_nbits`` fraction bits (``from_num`` on a float "rounds to the nearest, with ties
       rounding to even").

    A negative value, or one that does not fit in ``nbits``, raises ``OverflowError``.
    """
    v = f64_from_decimal(literal)
    if v < 0:
        raise overflow_error("negative literal for an unsigned fixed-point type")
    bits = round_half_even(v.numerator << frac_nbits, v.denominator)
    if bits >> nbits:
        raise overflow_error("f64 literal conversion")
    return bits


# ---------------------------------------------------------------------------------------------------
# The FX rules on raw bits: one function each. The defaults are U64F64 (F = 64, N = 128), the billing
# hot path; U32F32 passes F = 32 and bits_max = U64_MAX (FX-10). The classes below call these.
# ---------------------------------------------------------------------------------------------------

FX_FRAC_NBITS: Final = 64
FX_ONE_BITS: Final = 1 << 64
FX_HALF: Final = 1 << 63


def _fx_overflow(what: str, frac_nbits: int, bits_max: int) -> OverflowError:
    return overflow_error(f"U{bits_max.bit_length() - frac_nbits}F{frac_nbits} {what}")


def fx_from_int(n: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """``from_num(n)`` for an unsigned integer: ``n << F``, exact (FX-01).

    ``n`` must fit the integer part; otherwise ``OverflowError`` (Rust: panic in debug, wrap in
    release; see :func:`fx_wrapping_from_int`).
    """
    r = n << frac_nbits
    if not 0 <= r <= bits_max:
        raise _fx_overflow("from_num", frac_nbits, bits_max)
    return r


def fx_wrapping_from_int(n: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """Release-build ``from_num(n)`` for ``n >= 0``: ``(n << F) mod 2**N`` (FX-09)."""
    if n < 0:
        raise ValueError("unsigned operand expected")
    return (n << frac_nbits) & bits_max


def fx_mul(a: int, b: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """Fixed × fixed (FX-03): ``floor(a*b / 2**F)``, so the product truncates toward zero.

    substrate-fixed computes the full double-width product and keeps its middle bits; the discarded
    low F bits are the truncation. A result past ``bits_max`` raises ``OverflowError``.
    """
    r = (a * b) >> frac_nbits
    if r > bits_max:
        raise _fx_overflow("mul", frac_nbits, bits_max)
    return r


def fx_wrapping_mul(a: int, b: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """Release-build fixed × fixed: ``floor(a*b / 2**F) mod 2**N`` (FX-09)."""
    return ((a * b) >> frac_nbits) & bits_max


def fx_div(a: int, b: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """Fixed ÷ fixed (FX-04): ``floor(a * 2**F / b)``, so the quotient truncates toward zero.

    ``b == 0`` raises ``ZeroDivisionError``. A quotient past ``bits_max`` (possible when the divisor
    is below 1) raises ``OverflowError``.
    """
    if not b:
        raise ZeroDivisionError("fixed-point division by zero")
    r = (a << frac_nbits) // b
    if r > bits_max:
        raise _fx_overflow("div", frac_nbits, bits_max)
    return r


def fx_wrapping_div(a: int, b: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """Release-build fixed ÷ fixed: ``floor(a * 2**F / b) mod 2**N`` (FX-09). ``b == 0`` still raises."""
    if not b:
        raise ZeroDivisionError("fixed-point division by zero")
    return ((a << frac_nbits) // b) & bits_max


def fx_mul_int(a: int, k: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """Fixed × unsigned integer (FX-05): ``a * k``, exact; ``OverflowError`` past ``bits_max``."""
    if k < 0:
        raise ValueError("unsigned operand expected")
    r = a * k
    if r > bits_max:
        raise _fx_overflow("mul by integer", frac_nbits, bits_max)
    return r


def fx_wrapping_mul_int(a: int, k: int, bits_max: int = U128_MAX) -> int:
    """Release-build fixed × unsigned integer: ``(a * k) mod 2**N`` (FX-09)."""
    if k < 0:
        raise ValueError("unsigned operand expected")
    return (a * k) & bits_max


def fx_div_int(a: int, k: int) -> int:
    """Fixed ÷ unsigned integer (FX-05): ``floor(a / k)``, truncating; ``k == 0`` raises ZeroDivisionError.

    This never overflows, whatever the width. It gives the same result as ``fx_div(a, fx_from_int(k))``,
    because ``floor(a * 2**F / (k * 2**F)) == floor(a / k)``.
    """
    if k <= 0:
        if k == 0:
            raise ZeroDivisionError("fixed-point division by zero")
        raise ValueError("unsigned operand expected")
    return a // k


def fx_add(a: int, b: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """Fixed + fixed (FX-06), exact; ``OverflowError`` past ``bits_max``."""
    r = a + b
    if r > bits_max:
        raise _fx_overflow("add", frac_nbits, bits_max)
    return r


def fx_wrapping_add(a: int, b: int, bits_max: int = U128_MAX) -> int:
    """Release-build fixed + fixed: ``(a + b) mod 2**N`` (FX-09)."""
    return (a + b) & bits_max


def fx_sub(a: int, b: int) -> int:
    """Fixed - fixed (FX-06), exact; ``OverflowError`` if the result would be negative."""
    r = a - b
    if r < 0:
        raise overflow_error("fixed-point sub")
    return r


def fx_wrapping_sub(a: int, b: int, bits_max: int = U128_MAX) -> int:
    """Release-build fixed - fixed: ``(a - b) mod 2**N`` (FX-09)."""
    return (a - b) & bits_max


def fx_round(a: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """``round()`` (FX-07): nearest integer with ties away from zero (up, since the type is unsigned).

    substrate-fixed keeps the integer part and adds one if the highest fraction bit (the "half" bit)
    is set: ``((a + 2**(F-1)) >> F) << F``. The result is still fixed-point bits (an integer value);
    ``OverflowError`` if it does not fit.
    """
    return fx_round_to_int(a, frac_nbits, bits_max) << frac_nbits


def fx_round_to_int(a: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """``round().to_num::<uN>()`` (FX-07, then FX-08 drops the now empty fraction): the nearest integer,
    ties up, ``(a + 2**(F-1)) >> F``; ``OverflowError`` if the rounded value does not fit (as ``round()``).
    `fx_round` is this integer as fixed-point bits."""
    n = (a + (1 << (frac_nbits - 1))) >> frac_nbits
    if n << frac_nbits > bits_max:
        raise _fx_overflow("round", frac_nbits, bits_max)
    return n


def fx_wrapping_round(a: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """Release-build ``round()``: ``(((a + 2**(F-1)) >> F) << F) mod 2**N`` (FX-09)."""
    return (((a + (1 << (frac_nbits - 1))) >> frac_nbits) << frac_nbits) & bits_max


def fx_floor(a: int, frac_nbits: int = FX_FRAC_NBITS) -> int:
    """``floor()`` (= ``int()`` for unsigned types, FX-08): clear the F fraction bits."""
    return (a >> frac_nbits) << frac_nbits


def fx_ceil(a: int, frac_nbits: int = FX_FRAC_NBITS, bits_max: int = U128_MAX) -> int:
    """``ceil()`` (FX-08): the next integer toward +infinity; ``OverflowError`` past ``bits_max``."""
    r = ((a + (1 << frac_nbits) - 1) >> frac_nbits) << frac_nbits
    if r > bits_max:
        raise _fx_overflow("ceil", frac_nbits, bits_max)
    return r


def fx_to_int(a: int, frac_nbits: int = FX_FRAC_NBITS) -> int:
    """``to_num::<uN>()`` (FX-08): drop the fraction (truncate). The result always fits the integer part."""
    return a >> frac_nbits


# ---------------------------------------------------------------------------------------------------
# Fixed-point value classes: the operators of substrate-fixed, each the fx_* function of its rule
# ---------------------------------------------------------------------------------------------------


class _UFixed:
    """Shared implementation of unsigned fixed-point values with ``FRAC_NBITS`` of ``NBITS`` bits.

    Instances are immutable and hashable. Operators raise ``OverflowError`` on overflow (FX-09).
    Operands must have the same concrete type: mixing U64F64 and U32F32 raises ``TypeError``.
    """

    __slots__ = ("bits",)

    FRAC_NBITS: ClassVar[int]
    NBITS: ClassVar[int]
    BITS_MAX: ClassVar[int]
    INT_MAX: ClassVar[int]
    _ONE: ClassVar[int]
    _FRAC_MASK: ClassVar[int]

    if TYPE_CHECKING:  # read-only for type checkers; a plain slot at runtime (cheap attribute access)

        @property
        def bits(self) -> int: ...

    def __init__(self, bits: int) -> None:
        if not 0 <= bits <= self.BITS_MAX:
            raise overflow_error(f"{type(self).__name__} bits")
        object.__setattr__(self, "bits", bits)

    @classmethod
    def _raw(cls, bits: int) -> Self:
        obj = object.__new__(cls)
        object.__setattr__(obj, "bits", bits)
        return obj

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[type[Self], tuple[int]]:
        return (type(self), (self.bits,))

    # --- construction -----------------------------------------------------------------------------

    @classmethod
    def from_bits(cls, bits: int) -> Self:
        """``from_bits``: the raw representation; must satisfy ``0 <= bits <= BITS_MAX``."""
        return cls(bits)

    @classmethod
    def from_int(cls, n: int) -> Self:
        """``from_num(n)`` for an unsigned integer (FX-01)."""
        return cls._raw(fx_from_int(n, cls.FRAC_NBITS, cls.BITS_MAX))

    @classmethod
    def wrapping_from_int(cls, n: int) -> Self:
        """Release-build ``from_num(n)`` (FX-09)."""
        return cls._raw(fx_wrapping_from_int(n, cls.FRAC_NBITS, cls.BITS_MAX))

    @classmethod
    def from_f64_literal_text(cls, literal: str) -> Self:
        """``from_num(<literal>_f64)`` for decimal literal text (FX-02), derived with exact arithmetic."""
        return cls._raw(bits_from_f64_literal(literal, cls.FRAC_NBITS, cls.NBITS))

    # --- arithmetic -------------------------------------------------------------------------------

    def __add__(self, other: Self) -> Self:
        """FX-06."""
        if not isinstance(other, type(self)):
            return NotImplemented
        return self._raw(fx_add(self.bits, other.bits, self.FRAC_NBITS, self.BITS_MAX))

    def __sub__(self, other: Self) -> Self:
        """FX-06."""
        if not isinstance(other, type(self)):
            return NotImplemented
        return self._raw(fx_sub(self.bits, other.bits))

    def __mul__(self, other: Self | int) -> Self:
        """Fixed × fixed (FX-03); fixed × unsigned int (FX-05)."""
        if isinstance(other, int):
            return self._raw(fx_mul_int(self.bits, other, self.FRAC_NBITS, self.BITS_MAX))
        if isinstance(other, type(self)):
            return self._raw(fx_mul(self.bits, other.bits, self.FRAC_NBITS, self.BITS_MAX))
        return NotImplemented

    def __rmul__(self, other: int) -> Self:
        """``Inner * Fixed`` (Rust implements it as ``rhs * lhs``)."""
        if not isinstance(other, int):
            return NotImplemented
        return self.__mul__(other)

    def __truediv__(self, other: Self | int) -> Self:
        """Fixed ÷ fixed (FX-04); fixed ÷ unsigned int (FX-05)."""
        if isinstance(other, int):
            return self._raw(fx_div_int(self.bits, other))
        if isinstance(other, type(self)):
            return self._raw(fx_div(self.bits, other.bits, self.FRAC_NBITS, self.BITS_MAX))
        return NotImplemented

    # checked: None instead of an exception (Rust checked_*, FX-09)

    def checked_add(self, other: Self) -> Self | None:
        try:
            return self + other
        except OverflowError:
            return None

    def checked_sub(self, other: Self) -> Self | None:
        try:
            return self - other
        except OverflowError:
            return None

    def checked_mul(self, other: Self | int) -> Self | None:
        try:
            return self * other
        except OverflowError:
            return None

    def checked_div(self, other: Self | int) -> Self | None:
        """``None`` on overflow *and* on a zero divisor, like Rust's ``checked_div``."""
        try:
            return self / other
        except (OverflowError, ZeroDivisionError):
            return None

    # wrapping: what TFChain's release runtime actually computes (mod 2**N, FX-09)

    def wrapping_add(self, other: Self) -> Self:
        return self._raw(fx_wrapping_add(self.bits, other.bits, self.BITS_MAX))

    def wrapping_sub(self, other: Self) -> Self:
        return self._raw(fx_wrapping_sub(self.bits, other.bits, self.BITS_MAX))

    def wrapping_mul(self, other: Self | int) -> Self:
        if isinstance(other, int):
            return self._raw(fx_wrapping_mul_int(self.bits, other, self.BITS_MAX))
        if isinstance(other, type(self)):
            return self._raw(fx_wrapping_mul(self.bits, other.bits, self.FRAC_NBITS, self.BITS_MAX))
        raise TypeError(f"cannot multiply {type(self).__name__} by {type(other).__name__}")

    def wrapping_div(self, other: Self | int) -> Self:
        """Quotient mod 2**N; a zero divisor still raises ``ZeroDivisionError`` (Rust panics)."""
        if isinstance(other, int):
            return self._raw(fx_div_int(self.bits, other))  # never overflows (FX-05)
        if isinstance(other, type(self)):
            return self._raw(fx_wrapping_div(self.bits, other.bits, self.FRAC_NBITS, self.BITS_MAX))
        raise TypeError(f"cannot divide {type(self).__name__} by {type(other).__name__}")

    # --- rounding and conversion ------------------------------------------------------------------

    def round(self) -> Self:
        """FX-07."""
        return self._raw(fx_round(self.bits, self.FRAC_NBITS, self.BITS_MAX))

    def wrapping_round(self) -> Self:
        """FX-07, FX-09."""
        return self._raw(fx_wrapping_round(self.bits, self.FRAC_NBITS, self.BITS_MAX))

    def floor(self) -> Self:
        """FX-08; for unsigned types Rust ``int()`` and ``round_to_zero()`` agree."""
        return self._raw(fx_floor(self.bits, self.FRAC_NBITS))

    def ceil(self) -> Self:
        """FX-08."""
        return self._raw(fx_ceil(self.bits, self.FRAC_NBITS, self.BITS_MAX))

    def frac(self) -> Self:
        """The fractional part (Rust ``frac()``)."""
        return self._raw(self.bits & self._FRAC_MASK)

    def to_int(self) -> int:
        """``to_num::<u{N-F}>()`` (FX-08)."""
        return fx_to_int(self.bits, self.FRAC_NBITS)

    def to_fraction(self) -> Fraction:
        """The exact rational value ``bits / 2**F`` (for diagnostics and oracles, not the hot path)."""
        return Fraction(self.bits, self._ONE)

    # --- comparison -------------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if isinstance(other, type(self)):
            return self.bits == other.bits
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.FRAC_NBITS, self.bits))

    def __lt__(self, other: Self) -> bool:
        if isinstance(other, type(self)):
            return self.bits < other.bits
        return NotImplemented

    def __le__(self, other: Self) -> bool:
        if isinstance(other, type(self)):
            return self.bits <= other.bits
        return NotImplemented

    def __gt__(self, other: Self) -> bool:
        if isinstance(other, type(self)):
            return self.bits > other.bits
        return NotImplemented

    def __ge__(self, other: Self) -> bool:
        if isinstance(other, type(self)):
            return self.bits >= other.bits
        return NotImplemented

    def __bool__(self) -> bool:
        return self.bits != 0

    # --- display ----------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"{type(self).__name__}.from_bits({self.bits:#x})"

    def __str__(self) -> str:
        """The exact decimal expansion (it always terminates, because the denominator is a power of two)."""
        f = self.FRAC_NBITS
        whole, frac = self.bits >> f, self.bits & self._FRAC_MASK
        if not frac:
            return str(whole)
        digits = str(frac * 5**f).rjust(f, "0").rstrip("0")  # frac / 2**f == frac * 5**f / 10**f
        return f"{whole}.{digits}"


class U64F64(_UFixed):
    """``substrate_fixed::types::U64F64``: 64 integer bits and 64 fraction bits, stored as u128 ``bits``.

    Operators: ``+``, ``-`` (exact, checked); ``*`` and ``/`` by another ``U64F64`` (truncating,
    FX-03/FX-04) or by an unsigned ``int`` (the Rust ``Mul<u128>``/``Div<u128>`` impls, FX-05);
    comparisons; ``round()``, ``floor()``, ``ceil()``, ``to_u64()``.
    """

    __slots__ = ()

    FRAC_NBITS: ClassVar[int] = 64
    NBITS: ClassVar[int] = 128
    BITS_MAX: ClassVar[int] = U128_MAX
    INT_MAX: ClassVar[int] = U64_MAX
    _ONE: ClassVar[int] = 1 << 64
    _FRAC_MASK: ClassVar[int] = U64_MAX

    def to_u64(self) -> int:
        """``to_num::<u64>()``: the integer part, truncated. It always fits in a u64 (FX-08)."""
        return fx_to_int(self.bits)


class U32F32(_UFixed):
    """``substrate_fixed::types::U32F32``: 32 integer and 32 fraction bits, stored as u64 ``bits`` (FX-10)."""

    __slots__ = ()

    FRAC_NBITS: ClassVar[int] = 32
    NBITS: ClassVar[int] = 64
    BITS_MAX: ClassVar[int] = U64_MAX
    INT_MAX: ClassVar[int] = U32_MAX
    _ONE: ClassVar[int] = 1 << 32
    _FRAC_MASK: ClassVar[int] = U32_MAX

    def to_u32(self) -> int:
        """``to_num::<u32>()``: the integer part, truncated. It always fits in a u32 (FX-08)."""
        return fx_to_int(self.bits, 32)


# Named f64-literal constants used by TFChain (FX-02). The tests derive every one of them from its
# decimal text with bits_from_f64_literal. Each is exact: the f64 significand fits in 64 fraction bits.
FX_0_4_BITS: Final = 0x6666666666666800  # DiscountLevel::Gold.price_multiplier()    = from_num(0.4)
FX_0_6_BITS: Final = 0x9999999999999800  # DiscountLevel::Silver.price_multiplier()  = from_num(0.6)
FX_0_7_BITS: Final = 0xB333333333333000  # DiscountLevel::Bronze.price_multiplier()  = from_num(0.7)
FX_0_8_BITS: Final = 0xCCCCCCCCCCCCD000  # DiscountLevel::Default.price_multiplier() = from_num(0.8)
FX_1_25_BITS: Final = 0x1_4000000000000000  # certified-node surcharge             = from_num(1.25)
FX_1_5_BITS: Final = 0x1_8000000000000000  # discount threshold `d >= 1.5`

FX_ZERO: Final = U64F64._raw(0)
FX_ONE: Final = U64F64._raw(FX_ONE_BITS)
FX_0_4: Final = U64F64._raw(FX_0_4_BITS)
FX_0_6: Final = U64F64._raw(FX_0_6_BITS)
FX_0_7: Final = U64F64._raw(FX_0_7_BITS)
FX_0_8: Final = U64F64._raw(FX_0_8_BITS)
FX_1_25: Final = U64F64._raw(FX_1_25_BITS)
FX_1_5: Final = U64F64._raw(FX_1_5_BITS)
