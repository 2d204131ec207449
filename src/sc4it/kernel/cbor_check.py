"""The strict structural pre-pass of `decode` (spec/encoding.md, ENC-14).

`check(data)` walks the raw bytes once, before any CBOR library builds an object from them, and accepts
only the subset of CBOR that sc4it writes (ENC-01): unsigned integers with a head of at most 8 bytes,
byte strings and arrays of definite length, tag 2 (a bignum of 1 to 16 bytes, ENC-02) and the simple
values false, true and null. It refuses everything else (negative integers, text strings, maps, every
other tag, floats, other simple values, indefinite lengths, reserved heads), a declared length that the
rest of the input cannot hold, arrays nested deeper than `MAX_DEPTH`, and trailing bytes.

Every declared array length is bounded by the bytes that remain (an item takes at least one byte), so
the walk touches at most `len(data)` items and its stack holds at most `MAX_DEPTH` entries: O(n) time and
O(1) extra memory. What passes has at most n items, no integer above 2^128 - 1 and no semantic tag for
the CBOR library to interpret, so building it is O(n) too. Errors are `DecodeError`s whose path is the
index path of the offending item (`[3][0]`), `<root>` for the top-level item.
"""

from __future__ import annotations

from collections.abc import Callable

from sc4it.kernel.errors import DecodeError

MAX_DEPTH = 32
"""The deepest array nesting accepted (ENC-14); every sc4it type nests far less (a test checks it)."""

BIGNUM_TAG = 2
"""The only tag sc4it writes or reads: RFC 8949's unsigned bignum (ENC-02)."""

MAX_BIGNUM_BYTES = 16
"""A u128 magnitude fits in 16 bytes; a longer bignum cannot be a value of any sc4it type."""

_FALSE, _TRUE, _NULL = 0xF4, 0xF5, 0xF6
_MAJOR_NAMES = {
    1: "a negative integer",
    3: "a text string",
    5: "a map",
}


Step = tuple[int, int | None]
"""One open array on the way to an item: the item's index in it, and the array's first item if that is
a small unsigned integer (the tag of a union member), else None."""

Describe = Callable[[list[Step]], str]
"""Turns the steps to an item into a field path (`sc4it.codec` names fields from the decoded type)."""


def index_path(steps: list[Step]) -> str:
    """The type-free path: one `[i]` per open array (`<root>` for the top-level item)."""
    return "".join(f"[{i}]" for i, _ in steps) or "<root>"


class _Where:
    """Where the walk is, for error paths only (built lazily, never on the accepting path)."""

    __slots__ = ("data", "left", "outer", "starts", "totals")

    def __init__(
        self, data: bytes, totals: list[int], outer: list[int], starts: list[int], left: int
    ) -> None:
        self.data = data
        self.totals, self.outer, self.starts, self.left = totals, outer, starts, left

    def steps(self) -> list[Step]:
        lefts = [*self.outer, self.left]
        out: list[Step] = []
        for total, lft, start in zip(self.totals[1:], lefts[1:], self.starts[1:], strict=True):
            first = self.data[start] if start < len(self.data) and self.data[start] < 0x18 else None
            out.append((total - lft - 1, first))
        return out


class _Bad(Exception):
    """Raised inside the walk; `check` turns it into a `DecodeError` with the item's path, or `<root>`
    for a fault of the input as a whole (it ends too early: ENC-10)."""

    def __init__(self, pos: int, msg: str, *, whole: bool = False) -> None:
        super().__init__(msg)
        self.pos, self.msg, self.whole = pos, msg, whole


def _head(data: bytes, pos: int, ai: int) -> tuple[int, int]:
    """The argument of a head whose additional information `ai` is >= 24 (its first byte is at
    pos - 1), and the position after the head."""
    if ai > 27:
        what = "an indefinite length" if ai == 31 else f"reserved additional information {ai}"
        raise _Bad(pos - 1, f"{what} is not allowed")
    end = pos + (1 << (ai - 24))
    if end > len(data):
        raise _Bad(pos - 1, "the input ends inside an item's head", whole=True)
    return int.from_bytes(data[pos:end], "big"), end


def _bignum(data: bytes, pos: int) -> int:
    """The tag-2 content at `pos`: a byte string of 1..16 bytes; returns the position after it."""
    if pos >= len(data) or data[pos] >> 5 != 2:
        raise _Bad(pos, "tag 2 must be followed by a byte string")
    ai = data[pos] & 0x1F
    length, pos = (ai, pos + 1) if ai < 24 else _head(data, pos + 1, ai)
    if length > MAX_BIGNUM_BYTES:
        raise _Bad(pos, f"a bignum of {length} bytes exceeds u128 ({MAX_BIGNUM_BYTES} bytes)")
    if length > len(data) - pos:
        raise _Bad(pos, f"a bignum of {length} bytes runs past the end of the input", whole=True)
    return pos + length


def check(data: bytes, *, describe: Describe = index_path, max_depth: int = MAX_DEPTH) -> None:
    """Raise `DecodeError` unless `data` is exactly one item of sc4it's CBOR subset (module docstring).
    `describe` names the path of the offending item."""
    n = len(data)
    pos = 0
    left = 1  # items still to read in the innermost open array (the top level is one item)
    outer: list[int] = []  # the `left` of each enclosing array
    totals: list[int] = [1]  # declared items of each open array, for error paths
    starts: list[int] = [0]  # where each open array's first item starts, for error paths
    try:
        while True:
            if left == 0:
                if not outer:
                    break
                left = outer.pop()
                totals.pop()
                starts.pop()
                continue
            left -= 1
            if pos >= n:
                raise _Bad(pos, "the input ends inside an array", whole=True)
            b = data[pos]
            if b < 0x18:  # a small unsigned integer, the commonest item
                pos += 1
                continue
            major = b >> 5
            if major in _MAJOR_NAMES:
                raise _Bad(pos, f"{_MAJOR_NAMES[major]} is not allowed")
            if major == 7:
                if b != _FALSE and b != _TRUE and b != _NULL:
                    raise _Bad(pos, f"simple value or float 0x{b:02x} is not allowed")
                pos += 1
                continue
            ai = b & 0x1F
            if ai < 24:
                arg = ai
                pos += 1
            else:
                arg, pos = _head(data, pos + 1, ai)
            if major == 0:
                continue
            if major == 2:
                if arg > n - pos:
                    raise _Bad(
                        pos, f"a byte string of {arg} bytes runs past the end of the input", whole=True
                    )
                pos += arg
            elif major == 4:
                if arg > n - pos:
                    raise _Bad(
                        pos, f"an array of {arg} items cannot fit in the {n - pos} bytes left", whole=True
                    )
                if len(outer) >= max_depth:
                    raise _Bad(pos, f"arrays nested deeper than {max_depth}")
                outer.append(left)
                totals.append(arg)
                starts.append(pos)
                left = arg
            elif arg != BIGNUM_TAG:  # major 6: a tag
                raise _Bad(pos, f"tag {arg} is not allowed (only tag {BIGNUM_TAG}, a bignum)")
            else:
                pos = _bignum(data, pos)
    except _Bad as bad:
        path = "<root>" if bad.whole else describe(_Where(data, totals, outer, starts, left).steps())
        raise DecodeError(path, f"{bad.msg} (at byte {bad.pos})") from None
    if pos != n:
        raise DecodeError("<root>", f"{n - pos} trailing bytes after the item (at byte {pos})")
