"""Bit-exact integer models of the fixed-point and per-thing arithmetic that TFChain billing uses.

Sources reproduced (rule ids refer to ``spec/fixed.md``):

* ``substrate-fixed`` 0.5.6 (encointer fork, rev ``b33d186``): ``U64F64`` (``FixedU128<U64>``) and
  ``U32F32`` (``FixedU64<U32>``). A value is modelled by its raw integer ``bits``; value = bits / 2**F.
* ``sp-arithmetic`` 16.0.0 (``polkadot-v1.0.0``): ``Perbill`` and ``Percent`` (``per_things.rs``).

Everything is integer arithmetic; there is no float anywhere. The f64 literals TFChain passes to
``from_num`` are given as named constants, and :func:`bits_from_f64_literal` derives them from the
decimal text with exact ``Fraction`` arithmetic.

Overflow policy (FX-09): Rust's ``*``, ``/``, ``+``, ``-``, ``round`` and ``from_num`` only check for
overflow with ``debug_assert!`` or overflow checks, and both are off in TFChain's release runtime, so
those operations *wrap* silently. This model raises ``OverflowError`` instead, so a wrap can never go
unnoticed. Callers that need release behaviour can use the ``wrapping_*`` variants (result mod 2**N),
and the ``checked_*`` variants return ``None``. Division by zero raises ``ZeroDivisionError``, as Rust
panics in every build.

Hot path: the ``fx_*`` functions work on raw U64F64 bits (plain ``int``) and skip the object
overhead. Their operands are assumed to be valid bits (``0 <= bits <= U128_MAX``); only results are
range-checked.
"""

from __future__ import annotations

import enum
from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar, Final, Self, overload

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
    "Perbill",
    "Percent",
    "Rounding",
    "bits_from_f64_literal",
    "checked_add",
    "checked_add_u16",
    "checked_add_u32",
    "checked_add_u64",
    "checked_add_u128",
    "checked_mul",
    "checked_sub",
    "checked_sub_u16",
    "checked_sub_u32",
    "checked_sub_u64",
    "checked_sub_u128",
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
    "fx_sub",
    "fx_to_int",
    "fx_wrapping_add",
    "fx_wrapping_div",
    "fx_wrapping_from_int",
    "fx_wrapping_mul",
    "fx_wrapping_mul_int",
    "fx_wrapping_round",
    "fx_wrapping_sub",
    "overflow_prune_mul",
    "perbill_mul",
    "percent_mul",
    "rational_mul_correction",
    "round_half_even",
    "saturated",
    "saturating_add",
    "saturating_add_u16",
    "saturating_add_u32",
    "saturating_add_u64",
    "saturating_add_u128",
    "saturating_mul",
    "saturating_sub",
    "saturating_sub_u16",
    "saturating_sub_u32",
    "saturating_sub_u64",
    "saturating_sub_u128",
]

# ---------------------------------------------------------------------------------------------------
# Integer widths
# ---------------------------------------------------------------------------------------------------

U8_MAX: Final = (1 << 8) - 1
U16_MAX: Final = (1 << 16) - 1
U32_MAX: Final = (1 << 32) - 1
U64_MAX: Final = (1 << 64) - 1
U128_MAX: Final = (1 << 128) - 1


def _overflow(what: str) -> OverflowError:
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
        raise _overflow("negative literal for an unsigned fixed-point type")
    bits = round_half_even(v.numerator << frac_nbits, v.denominator)
    if bits >> nbits:
        raise _overflow("f64 literal conversion")
    return bits


# ---------------------------------------------------------------------------------------------------
# U64F64 on raw bits: hot-path functions
# ---------------------------------------------------------------------------------------------------

FX_FRAC_NBITS: Final = 64
FX_ONE_BITS: Final = 1 << 64
FX_HALF: Final = 1 << 63
_FX_INT_MASK: Final = U128_MAX ^ U64_MAX


def fx_from_int(n: int) -> int:
    """``U64F64::from_num(n)`` for an unsigned integer: ``n << 64``, exact (FX-01).

    ``n`` must be in ``[0, U64_MAX]``; otherwise ``OverflowError`` (Rust: panic in debug, wrap in
    release; see :func:`fx_wrapping_from_int`).
    """
    if not 0 <= n <= U64_MAX:
        raise _overflow("U64F64::from_num")
    return n << 64


def fx_wrapping_from_int(n: int) -> int:
    """Release-build ``U64F64::from_num(n)`` for ``0 <= n <= U128_MAX``: ``(n << 64) mod 2**128``."""
    if n < 0:
        raise ValueError("unsigned operand expected")
    return (n << 64) & U128_MAX


def fx_mul(a: int, b: int) -> int:
    """Fixed × fixed (FX-03): ``floor(a*b / 2**64)``, so the product truncates toward zero.

    substrate-fixed computes the full 256-bit product and keeps bits 64..191; the discarded low 64
    bits are the truncation. A result of ``2**128`` or more raises ``OverflowError``.
    """
    r = (a * b) >> 64
    if r > U128_MAX:
        raise _overflow("U64F64 mul")
    return r


def fx_wrapping_mul(a: int, b: int) -> int:
    """Release-build fixed × fixed: ``floor(a*b / 2**64) mod 2**128``."""
    return ((a * b) >> 64) & U128_MAX


def fx_div(a: int, b: int) -> int:
    """Fixed ÷ fixed (FX-04): ``floor(a * 2**64 / b)``, so the quotient truncates toward zero.

    ``b == 0`` raises ``ZeroDivisionError``. A quotient of ``2**128`` or more (possible when ``b < 2**64``,
    i.e. divisor < 1) raises ``OverflowError``.
    """
    if not b:
        raise ZeroDivisionError("U64F64 division by zero")
    r = (a << 64) // b
    if r > U128_MAX:
        raise _overflow("U64F64 div")
    return r


def fx_wrapping_div(a: int, b: int) -> int:
    """Release-build fixed ÷ fixed: ``floor(a * 2**64 / b) mod 2**128``. ``b == 0`` still raises."""
    if not b:
        raise ZeroDivisionError("U64F64 division by zero")
    return ((a << 64) // b) & U128_MAX


def fx_mul_int(a: int, k: int) -> int:
    """``U64F64 * u128`` (FX-05): ``a * k``, exact; ``OverflowError`` past ``U128_MAX``."""
    if k < 0:
        raise ValueError("unsigned operand expected")
    r = a * k
    if r > U128_MAX:
        raise _overflow("U64F64 mul by integer")
    return r


def fx_wrapping_mul_int(a: int, k: int) -> int:
    """Release-build ``U64F64 * u128``: ``(a * k) mod 2**128``."""
    if k < 0:
        raise ValueError("unsigned operand expected")
    return (a * k) & U128_MAX


def fx_div_int(a: int, k: int) -> int:
    """``U64F64 / u128`` (FX-05): ``floor(a / k)``, which truncates; ``k == 0`` raises ``ZeroDivisionError``.

    This never overflows. It gives the same result as ``fx_div(a, fx_from_int(k))``, because
    ``floor(a * 2**64 / (k * 2**64)) == floor(a / k)``.
    """
    if k <= 0:
        if k == 0:
            raise ZeroDivisionError("U64F64 division by zero")
        raise ValueError("unsigned operand expected")
    return a // k


def fx_add(a: int, b: int) -> int:
    """Fixed + fixed (FX-06), exact; ``OverflowError`` past ``U128_MAX``."""
    r = a + b
    if r > U128_MAX:
        raise _overflow("U64F64 add")
    return r


def fx_wrapping_add(a: int, b: int) -> int:
    """Release-build fixed + fixed: ``(a + b) mod 2**128``."""
    return (a + b) & U128_MAX


def fx_sub(a: int, b: int) -> int:
    """Fixed - fixed (FX-06), exact; ``OverflowError`` if the result would be negative."""
    r = a - b
    if r < 0:
        raise _overflow("U64F64 sub")
    return r


def fx_wrapping_sub(a: int, b: int) -> int:
    """Release-build fixed - fixed: ``(a - b) mod 2**128``."""
    return (a - b) & U128_MAX


def fx_round(a: int) -> int:
    """``U64F64::round()`` (FX-07): nearest integer with ties away from zero (up, since the type is unsigned).

    substrate-fixed keeps the integer part and adds one if fraction bit 63 (the "half" bit) is set.
    That equals ``((a + 2**63) >> 64) << 64``. The result is still U64F64 bits (an integer value).
    ``OverflowError`` if the integer part is ``U64_MAX`` and the fraction is at least one half.
    """
    r = ((a + FX_HALF) >> 64) << 64
    if r > U128_MAX:
        raise _overflow("U64F64 round")
    return r


def fx_wrapping_round(a: int) -> int:
    """Release-build ``round()``: ``(((a + 2**63) >> 64) << 64) mod 2**128``."""
    return (((a + FX_HALF) >> 64) << 64) & U128_MAX


def fx_floor(a: int) -> int:
    """``floor()`` (= ``int()`` for unsigned types, FX-08): clear the 64 fraction bits."""
    return a & _FX_INT_MASK


def fx_ceil(a: int) -> int:
    """``ceil()`` (FX-08): the next integer toward +infinity; ``OverflowError`` past ``U128_MAX``."""
    r = ((a + U64_MAX) >> 64) << 64
    if r > U128_MAX:
        raise _overflow("U64F64 ceil")
    return r


def fx_to_int(a: int) -> int:
    """``to_num::<u64>()`` (FX-08): drop the fraction (truncate). The result always fits in a u64."""
    return a >> 64


# ---------------------------------------------------------------------------------------------------
# Fixed-point value classes
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
    _HALF: ClassVar[int]
    _FRAC_MASK: ClassVar[int]
    _INT_MASK: ClassVar[int]

    if TYPE_CHECKING:  # read-only for type checkers; a plain slot at runtime (cheap attribute access)

        @property
        def bits(self) -> int: ...

    def __init__(self, bits: int) -> None:
        if not 0 <= bits <= self.BITS_MAX:
            raise _overflow(f"{type(self).__name__} bits")
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
        """``from_num(n)`` for an unsigned integer, exact (FX-01). Needs ``0 <= n <= INT_MAX``."""
        if not 0 <= n <= cls.INT_MAX:
            raise _overflow(f"{cls.__name__}::from_num")
        return cls._raw(n << cls.FRAC_NBITS)

    @classmethod
    def wrapping_from_int(cls, n: int) -> Self:
        """Release-build ``from_num(n)``: ``(n << F) mod 2**N`` for ``n >= 0``."""
        if n < 0:
            raise ValueError("unsigned operand expected")
        return cls._raw((n << cls.FRAC_NBITS) & cls.BITS_MAX)

    @classmethod
    def from_f64_literal_text(cls, literal: str) -> Self:
        """``from_num(<literal>_f64)`` for decimal literal text (FX-02), derived with exact arithmetic."""
        return cls._raw(bits_from_f64_literal(literal, cls.FRAC_NBITS, cls.NBITS))

    # --- arithmetic -------------------------------------------------------------------------------

    def __add__(self, other: Self) -> Self:
        """Exact sum (FX-06); ``OverflowError`` past ``BITS_MAX``."""
        if not isinstance(other, type(self)):
            return NotImplemented
        r = self.bits + other.bits
        if r > self.BITS_MAX:
            raise _overflow(f"{type(self).__name__} add")
        return self._raw(r)

    def __sub__(self, other: Self) -> Self:
        """Exact difference (FX-06); ``OverflowError`` when the result would be negative."""
        if not isinstance(other, type(self)):
            return NotImplemented
        r = self.bits - other.bits
        if r < 0:
            raise _overflow(f"{type(self).__name__} sub")
        return self._raw(r)

    def _mul_unbounded(self, other: Self | int) -> int:
        if isinstance(other, int):
            if other < 0:
                raise ValueError("unsigned operand expected")
            return self.bits * other  # Mul<Inner>: exact integer product (FX-05)
        if isinstance(other, type(self)):
            return (self.bits * other.bits) >> self.FRAC_NBITS  # truncating (FX-03)
        raise TypeError(f"cannot multiply {type(self).__name__} by {type(other).__name__}")

    def _div_unbounded(self, other: Self | int) -> int:
        if isinstance(other, int):
            if other <= 0:
                if other == 0:
                    raise ZeroDivisionError(f"{type(self).__name__} division by zero")
                raise ValueError("unsigned operand expected")
            return self.bits // other  # Div<Inner>: truncating (FX-05)
        if isinstance(other, type(self)):
            if not other.bits:
                raise ZeroDivisionError(f"{type(self).__name__} division by zero")
            return (self.bits << self.FRAC_NBITS) // other.bits  # truncating (FX-04)
        raise TypeError(f"cannot divide {type(self).__name__} by {type(other).__name__}")

    def __mul__(self, other: Self | int) -> Self:
        """Fixed × fixed truncates (FX-03); fixed × unsigned int is exact (FX-05). Raises on overflow."""
        if isinstance(other, int):
            if other < 0:
                raise ValueError("unsigned operand expected")
            r = self.bits * other
        elif isinstance(other, type(self)):
            r = (self.bits * other.bits) >> self.FRAC_NBITS
        else:
            return NotImplemented
        if r > self.BITS_MAX:
            raise _overflow(f"{type(self).__name__} mul")
        return self._raw(r)

    def __rmul__(self, other: int) -> Self:
        """``Inner * Fixed`` (Rust implements it as ``rhs * lhs``)."""
        if not isinstance(other, int):
            return NotImplemented
        return self.__mul__(other)

    def __truediv__(self, other: Self | int) -> Self:
        """Fixed ÷ fixed truncates (FX-04); fixed ÷ unsigned int truncates (FX-05).

        A zero divisor raises ``ZeroDivisionError``; a quotient past ``BITS_MAX`` raises ``OverflowError``.
        """
        if isinstance(other, int):
            if other <= 0:
                if other == 0:
                    raise ZeroDivisionError(f"{type(self).__name__} division by zero")
                raise ValueError("unsigned operand expected")
            return self._raw(self.bits // other)
        if isinstance(other, type(self)):
            if not other.bits:
                raise ZeroDivisionError(f"{type(self).__name__} division by zero")
            r = (self.bits << self.FRAC_NBITS) // other.bits
            if r > self.BITS_MAX:
                raise _overflow(f"{type(self).__name__} div")
            return self._raw(r)
        return NotImplemented

    # checked: None instead of an exception (Rust checked_*)

    def checked_add(self, other: Self) -> Self | None:
        r = self.bits + other.bits
        return self._raw(r) if r <= self.BITS_MAX else None

    def checked_sub(self, other: Self) -> Self | None:
        r = self.bits - other.bits
        return self._raw(r) if r >= 0 else None

    def checked_mul(self, other: Self | int) -> Self | None:
        r = self._mul_unbounded(other)
        return self._raw(r) if r <= self.BITS_MAX else None

    def checked_div(self, other: Self | int) -> Self | None:
        """``None`` on overflow *and* on a zero divisor, like Rust's ``checked_div``."""
        try:
            r = self._div_unbounded(other)
        except ZeroDivisionError:
            return None
        return self._raw(r) if r <= self.BITS_MAX else None

    # wrapping: what TFChain's release runtime actually computes (mod 2**N)

    def wrapping_add(self, other: Self) -> Self:
        return self._raw((self.bits + other.bits) & self.BITS_MAX)

    def wrapping_sub(self, other: Self) -> Self:
        return self._raw((self.bits - other.bits) & self.BITS_MAX)

    def wrapping_mul(self, other: Self | int) -> Self:
        return self._raw(self._mul_unbounded(other) & self.BITS_MAX)

    def wrapping_div(self, other: Self | int) -> Self:
        """Quotient mod 2**N; a zero divisor still raises ``ZeroDivisionError`` (Rust panics)."""
        return self._raw(self._div_unbounded(other) & self.BITS_MAX)

    # --- rounding and conversion ------------------------------------------------------------------

    def round(self) -> Self:
        """Nearest integer with ties away from zero, i.e. up (FX-07); ``OverflowError`` if it does not fit."""
        f = self.FRAC_NBITS
        r = ((self.bits + self._HALF) >> f) << f
        if r > self.BITS_MAX:
            raise _overflow(f"{type(self).__name__} round")
        return self._raw(r)

    def wrapping_round(self) -> Self:
        f = self.FRAC_NBITS
        return self._raw((((self.bits + self._HALF) >> f) << f) & self.BITS_MAX)

    def floor(self) -> Self:
        """Round toward -infinity (FX-08); for unsigned types Rust ``int()`` and ``round_to_zero()`` agree."""
        return self._raw(self.bits & self._INT_MASK)

    def ceil(self) -> Self:
        """Round toward +infinity (FX-08); ``OverflowError`` if it does not fit."""
        f = self.FRAC_NBITS
        r = ((self.bits + self._FRAC_MASK) >> f) << f
        if r > self.BITS_MAX:
            raise _overflow(f"{type(self).__name__} ceil")
        return self._raw(r)

    def frac(self) -> Self:
        """The fractional part (Rust ``frac()``)."""
        return self._raw(self.bits & self._FRAC_MASK)

    def to_int(self) -> int:
        """``to_num::<u{N-F}>()`` (FX-08): the integer part; the fraction is truncated."""
        return self.bits >> self.FRAC_NBITS

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
    _HALF: ClassVar[int] = 1 << 63
    _FRAC_MASK: ClassVar[int] = U64_MAX
    _INT_MASK: ClassVar[int] = U128_MAX ^ U64_MAX

    def to_u64(self) -> int:
        """``to_num::<u64>()``: the integer part, truncated. It always fits in a u64 (FX-08)."""
        return self.bits >> 64


class U32F32(_UFixed):
    """``substrate_fixed::types::U32F32``: 32 integer and 32 fraction bits, stored as u64 ``bits`` (FX-10)."""

    __slots__ = ()

    FRAC_NBITS: ClassVar[int] = 32
    NBITS: ClassVar[int] = 64
    BITS_MAX: ClassVar[int] = U64_MAX
    INT_MAX: ClassVar[int] = U32_MAX
    _ONE: ClassVar[int] = 1 << 32
    _HALF: ClassVar[int] = 1 << 31
    _FRAC_MASK: ClassVar[int] = U32_MAX
    _INT_MASK: ClassVar[int] = U64_MAX ^ U32_MAX

    def to_u32(self) -> int:
        """``to_num::<u32>()``: the integer part, truncated. It always fits in a u32 (FX-08)."""
        return self.bits >> 32


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


# ---------------------------------------------------------------------------------------------------
# PerThing (sp-arithmetic per_things.rs)
# ---------------------------------------------------------------------------------------------------


class Rounding(enum.Enum):
    """``sp_arithmetic::per_things::Rounding``."""

    UP = "Up"  # toward +infinity
    DOWN = "Down"  # toward zero
    NEAREST_PREF_UP = "NearestPrefUp"  # nearest; an exact half goes up
    NEAREST_PREF_DOWN = "NearestPrefDown"  # nearest; an exact half goes down


def rational_mul_correction(x: int, numer: int, denom: int, rounding: Rounding) -> int:
    """``rational_mul_correction``: the error that integer division leaves in ``x / denom * numer``.

    ``rem = x % denom``. The correction is ``rem * numer / denom``, computed in the "upper" type and
    then rounded:

    * ``DOWN``: floor.
    * ``UP``: +1 if the remainder ``(rem*numer) % denom`` is non-zero.
    * ``NEAREST_PREF_DOWN``: +1 if the remainder ``> denom // 2``, so an exact half goes down.
    * ``NEAREST_PREF_UP``: +1 if the remainder ``>= denom // 2 + denom % 2``.
    """
    rem_mul = (x % denom) * numer
    q, r = divmod(rem_mul, denom)
    if rounding is Rounding.DOWN:
        return q
    if rounding is Rounding.NEAREST_PREF_DOWN:
        return q + 1 if r > denom // 2 else q
    if rounding is Rounding.UP:
        return q + 1 if r > 0 else q
    return q + 1 if r >= denom // 2 + denom % 2 else q


def overflow_prune_mul(x: int, part: int, accuracy: int, rounding: Rounding) -> int:
    """``overflow_prune_mul``: ``(x / accuracy) * part + rational_mul_correction(x, part, accuracy)`` (FX-11).

    The whole multiples of ``accuracy`` in ``x`` multiply exactly. Only the remainder is rounded, so
    the result equals the exact ``x * part / accuracy`` rounded by ``rounding``, for every ``x``.
    """
    if x < 0:
        raise ValueError("unsigned operand expected")
    return (x // accuracy) * part + rational_mul_correction(x, part, accuracy, rounding)


_PERBILL_ACC: Final = 1_000_000_000
_PERBILL_HALF: Final = _PERBILL_ACC // 2
_PERCENT_ACC: Final = 100
_PERCENT_HALF: Final = _PERCENT_ACC // 2


def perbill_mul(parts: int, n: int) -> int:
    """Hot path for ``Perbill::from_parts(parts) * n``: nearest, ties down (FX-11).

    Preconditions (not checked): ``0 <= parts <= 10**9``, ``n >= 0``.
    """
    q, r = divmod(n, _PERBILL_ACC)
    c, r2 = divmod(r * parts, _PERBILL_ACC)
    return q * parts + c + (r2 > _PERBILL_HALF)


def percent_mul(parts: int, n: int) -> int:
    """Hot path for ``Percent::from_parts(parts) * n``: nearest, ties down (FX-11).

    Preconditions (not checked): ``0 <= parts <= 100``, ``n >= 0``.
    """
    q, r = divmod(n, _PERCENT_ACC)
    c, r2 = divmod(r * parts, _PERCENT_ACC)
    return q * parts + c + (r2 > _PERCENT_HALF)


class _PerThing:
    """Shared implementation of ``Perbill`` / ``Percent``: ``parts`` out of ``ACCURACY``.

    ``ACCURACY`` is even for both types, so the ``denom // 2`` tie test inside the Rust code is exact.
    """

    __slots__ = ("parts",)

    ACCURACY: ClassVar[int]
    INNER_MAX: ClassVar[int]

    if TYPE_CHECKING:  # read-only for type checkers; a plain slot at runtime

        @property
        def parts(self) -> int: ...

    def __init__(self, parts: int) -> None:
        """Strict constructor: needs ``0 <= parts <= ACCURACY`` (use :meth:`from_parts` to saturate)."""
        if not 0 <= parts <= self.ACCURACY:
            raise ValueError(f"{type(self).__name__} parts out of range: {parts}")
        object.__setattr__(self, "parts", parts)

    @classmethod
    def _raw(cls, parts: int) -> Self:
        obj = object.__new__(cls)
        object.__setattr__(obj, "parts", parts)
        return obj

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[type[Self], tuple[int]]:
        return (type(self), (self.parts,))

    # --- construction -----------------------------------------------------------------------------

    @classmethod
    def zero(cls) -> Self:
        return cls._raw(0)

    @classmethod
    def one(cls) -> Self:
        return cls._raw(cls.ACCURACY)

    @classmethod
    def from_parts(cls, parts: int) -> Self:
        """``from_parts``: saturates at ``ACCURACY`` (FX-12). ``parts`` must fit the inner type."""
        if not 0 <= parts <= cls.INNER_MAX:
            raise _overflow(f"{cls.__name__}::from_parts")
        return cls._raw(min(parts, cls.ACCURACY))

    @classmethod
    def from_percent(cls, x: int) -> Self:
        """``from_percent`` (FX-12): ``min(x, 100) * ACCURACY / 100``, exact because 100 divides ACCURACY."""
        if not 0 <= x <= cls.INNER_MAX:
            raise _overflow(f"{cls.__name__}::from_percent")
        return cls._raw(min(x, 100) * cls.ACCURACY // 100)

    @classmethod
    def from_rational_with_rounding(cls, p: int, q: int, rounding: Rounding) -> Self | None:
        """``from_rational_with_rounding`` (FX-13), following the Rust code step by step.

        ``None`` (Rust ``Err(())``) if ``q == 0`` or ``p > q``. Otherwise:

        1. ``factor = max(ceil(q / ACC), 1)``;
        2. ``q' = div_rounded(q, factor)``, ``p' = div_rounded(p, factor)`` (using ``rounding``);
        3. ``parts = div_rounded(p' * ACC, q')``.

        Step 2 loses precision when ``q > ACC``, and that loss is part of the bit-exact result. The Rust
        ``rem + rem > d`` test in ``N`` could overflow for huge ``q`` with the nearest modes; Python
        integers do not overflow.
        """
        if p < 0 or q < 0:
            raise ValueError("unsigned operands expected")
        if q == 0 or p > q:
            return None
        acc = cls.ACCURACY

        def div_rounded(n: int, d: int) -> int:
            o, rem = divmod(n, d)
            if rounding is Rounding.DOWN:
                return o
            if rounding is Rounding.UP:
                return o + 1 if rem else o
            if rounding is Rounding.NEAREST_PREF_DOWN:
                return o + 1 if rem + rem > d else o
            return o + 1 if rem + rem >= d else o

        factor = max(-(-q // acc), 1)
        q_reduce = div_rounded(q, factor)
        p_reduce = div_rounded(p, factor)
        return cls._raw(div_rounded(p_reduce * acc, q_reduce))

    @classmethod
    def from_rational(cls, p: int, q: int) -> Self:
        """``from_rational(p, q)``: rounds down (FX-13); ``one()`` when ``q == 0`` or ``p > q``."""
        r = cls.from_rational_with_rounding(p, q, Rounding.DOWN)
        return cls.one() if r is None else r

    # --- access -----------------------------------------------------------------------------------

    def deconstruct(self) -> int:
        return self.parts

    def is_zero(self) -> bool:
        return self.parts == 0

    def is_one(self) -> bool:
        return self.parts == self.ACCURACY

    # --- multiplication ---------------------------------------------------------------------------

    @overload
    def __mul__(self, other: int) -> int: ...

    @overload
    def __mul__(self, other: Self) -> Self: ...

    def __mul__(self, other: int | Self) -> int | Self:
        """``self * n`` (unsigned int): nearest, ties down (FX-11). ``self * other``: truncates (FX-14)."""
        if isinstance(other, int):
            if other < 0:
                raise ValueError("unsigned operand expected")
            acc = self.ACCURACY
            parts = self.parts
            q, r = divmod(other, acc)
            c, r2 = divmod(r * parts, acc)
            return q * parts + c + (r2 > acc >> 1)
        if isinstance(other, type(self)):
            return self._raw(self.parts * other.parts // self.ACCURACY)
        return NotImplemented

    def mul_floor(self, n: int) -> int:
        """``mul_floor``: ``floor(n * parts / ACC)`` via the FX-11 split (FX-14)."""
        return overflow_prune_mul(n, self.parts, self.ACCURACY, Rounding.DOWN)

    def mul_ceil(self, n: int) -> int:
        """``mul_ceil``: ``ceil(n * parts / ACC)`` via the FX-11 split (FX-14)."""
        return overflow_prune_mul(n, self.parts, self.ACCURACY, Rounding.UP)

    def saturating_add(self, other: Self) -> Self:
        return self._raw(min(self.parts + other.parts, self.ACCURACY))

    def saturating_sub(self, other: Self) -> Self:
        return self._raw(max(self.parts - other.parts, 0))

    # --- comparison / display ---------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if isinstance(other, type(self)):
            return self.parts == other.parts
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.ACCURACY, self.parts))

    def __lt__(self, other: Self) -> bool:
        if isinstance(other, type(self)):
            return self.parts < other.parts
        return NotImplemented

    def __le__(self, other: Self) -> bool:
        if isinstance(other, type(self)):
            return self.parts <= other.parts
        return NotImplemented

    def __gt__(self, other: Self) -> bool:
        if isinstance(other, type(self)):
            return self.parts > other.parts
        return NotImplemented

    def __ge__(self, other: Self) -> bool:
        if isinstance(other, type(self)):
            return self.parts >= other.parts
        return NotImplemented

    def __repr__(self) -> str:
        return f"{type(self).__name__}.from_parts({self.parts})"


class Perbill(_PerThing):
    """``sp_arithmetic::Perbill``: parts per billion (inner u32, upper u64)."""

    __slots__ = ()
    ACCURACY: ClassVar[int] = _PERBILL_ACC
    INNER_MAX: ClassVar[int] = U32_MAX


class Percent(_PerThing):
    """``sp_arithmetic::Percent``: parts per hundred (inner u8, upper u16)."""

    __slots__ = ()
    ACCURACY: ClassVar[int] = _PERCENT_ACC
    INNER_MAX: ClassVar[int] = U8_MAX


# ---------------------------------------------------------------------------------------------------
# Saturating / checked unsigned integer helpers (FX-15)
# ---------------------------------------------------------------------------------------------------
# Preconditions (not re-checked, for speed): operands are already in [0, max_value].


def saturating_add(a: int, b: int, max_value: int) -> int:
    r = a + b
    return r if r <= max_value else max_value


def saturating_sub(a: int, b: int) -> int:
    r = a - b
    return r if r > 0 else 0


def saturating_mul(a: int, b: int, max_value: int) -> int:
    r = a * b
    return r if r <= max_value else max_value


def checked_add(a: int, b: int, max_value: int) -> int | None:
    r = a + b
    return r if r <= max_value else None


def checked_sub(a: int, b: int) -> int | None:
    r = a - b
    return r if r >= 0 else None


def checked_mul(a: int, b: int, max_value: int) -> int | None:
    r = a * b
    return r if r <= max_value else None


def saturated(value: int, max_value: int) -> int:
    """``SaturatedConversion::saturated_into``: clamp any integer into ``[0, max_value]``."""
    if value < 0:
        return 0
    return value if value <= max_value else max_value


def saturating_add_u16(a: int, b: int) -> int:
    r = a + b
    return r if r <= U16_MAX else U16_MAX


def saturating_add_u32(a: int, b: int) -> int:
    r = a + b
    return r if r <= U32_MAX else U32_MAX


def saturating_add_u64(a: int, b: int) -> int:
    r = a + b
    return r if r <= U64_MAX else U64_MAX


def saturating_add_u128(a: int, b: int) -> int:
    r = a + b
    return r if r <= U128_MAX else U128_MAX


def saturating_sub_u16(a: int, b: int) -> int:
    r = a - b
    return r if r > 0 else 0


saturating_sub_u32 = saturating_sub_u16
saturating_sub_u64 = saturating_sub_u16
saturating_sub_u128 = saturating_sub_u16


def checked_add_u16(a: int, b: int) -> int | None:
    r = a + b
    return r if r <= U16_MAX else None


def checked_add_u32(a: int, b: int) -> int | None:
    r = a + b
    return r if r <= U32_MAX else None


def checked_add_u64(a: int, b: int) -> int | None:
    r = a + b
    return r if r <= U64_MAX else None


def checked_add_u128(a: int, b: int) -> int | None:
    r = a + b
    return r if r <= U128_MAX else None


def checked_sub_u16(a: int, b: int) -> int | None:
    r = a - b
    return r if r >= 0 else None


checked_sub_u32 = checked_sub_u16
checked_sub_u64 = checked_sub_u16
checked_sub_u128 = checked_sub_u16
