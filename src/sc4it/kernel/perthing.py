"""Bit-exact integer model of ``sp-arithmetic`` 16.0.0 (``polkadot-v1.0.0``) per-things: ``Perbill`` and
``Percent`` (``per_things.rs``), rule ids FX-11..FX-14 of ``spec/fixed.md``.

A value is modelled by its ``parts`` out of ``ACCURACY``. Everything is integer arithmetic.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, ClassVar, Final, Self, overload

from sc4it.kernel.fixed import U8_MAX, U32_MAX, overflow_error

__all__ = [
    "PERBILL_ACCURACY",
    "PERCENT_ACCURACY",
    "Perbill",
    "Percent",
    "Rounding",
    "overflow_prune_mul",
    "perbill_mul",
    "percent_mul",
    "perthing_mul",
    "rational_mul_correction",
]


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


PERBILL_ACCURACY: Final = 1_000_000_000
PERCENT_ACCURACY: Final = 100


def perthing_mul(parts: int, n: int, accuracy: int) -> int:
    """``PerThing::from_parts(parts) * n``: nearest, ties down (FX-11), with the Rust split
    ``n = q * ACC + r`` so that only ``r * parts`` is rounded.

    Preconditions (not checked, hot path): ``0 <= parts <= accuracy``, ``n >= 0``, ``accuracy`` even.
    """
    q, r = divmod(n, accuracy)
    c, r2 = divmod(r * parts, accuracy)
    return q * parts + c + (r2 > accuracy >> 1)


def perbill_mul(parts: int, n: int) -> int:
    """``Perbill::from_parts(parts) * n`` (FX-11)."""
    return perthing_mul(parts, n, PERBILL_ACCURACY)


def percent_mul(parts: int, n: int) -> int:
    """``Percent::from_parts(parts) * n`` (FX-11)."""
    return perthing_mul(parts, n, PERCENT_ACCURACY)


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
            raise overflow_error(f"{cls.__name__}::from_parts")
        return cls._raw(min(parts, cls.ACCURACY))

    @classmethod
    def from_percent(cls, x: int) -> Self:
        """``from_percent`` (FX-12): ``min(x, 100) * ACCURACY / 100``, exact because 100 divides ACCURACY."""
        if not 0 <= x <= cls.INNER_MAX:
            raise overflow_error(f"{cls.__name__}::from_percent")
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
            return perthing_mul(self.parts, other, self.ACCURACY)
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
    ACCURACY: ClassVar[int] = PERBILL_ACCURACY
    INNER_MAX: ClassVar[int] = U32_MAX


class Percent(_PerThing):
    """``sp_arithmetic::Percent``: parts per hundred (inner u8, upper u16)."""

    __slots__ = ()
    ACCURACY: ClassVar[int] = PERCENT_ACCURACY
    INNER_MAX: ClassVar[int] = U8_MAX
