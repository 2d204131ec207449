"""Saturating and checked unsigned integer helpers (FX-15 of ``spec/fixed.md``): Rust's
``saturating_*`` / ``checked_*`` on ``u16``..``u128`` and ``SaturatedConversion::saturated_into``.
"""

from __future__ import annotations

from sc4it.kernel.fixed import U16_MAX, U32_MAX, U64_MAX, U128_MAX

__all__ = [
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
