"""A corpus of hostile CBOR for `decode` (spec/encoding.md, ENC-14), by tag, nesting and size class.

Used by the test suite (tests/test_cbor_check.py) and the benchmark of the worst inputs
(benchmarks/bench_hostile_decode.py). Each entry is `(name, bytes)`; the names in `SUBSET_SHAPES` are
well-formed items of sc4it's CBOR subset (the typed decoder refuses them), every other entry is refused
by the structural pre-pass.
"""

from __future__ import annotations

from sc4it.kernel.cbor_check import MAX_BIGNUM_BYTES, MAX_DEPTH
from sc4it.kernel.codec import DEFAULT_MAX_BYTES, encode
from sc4it.kernel.types import AccountInfo


def head(major: int, arg: int) -> bytes:
    """A CBOR head in its shortest form."""
    if arg < 24:
        return bytes([major << 5 | arg])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | ai]) + arg.to_bytes(size, "big")
    raise ValueError(arg)


def tagged(tag: int, content: bytes) -> bytes:
    return head(6, tag) + content


def text(s: str) -> bytes:
    raw = s.encode()
    return head(3, len(raw)) + raw


def bstr(raw: bytes) -> bytes:
    return head(2, len(raw)) + raw


def array(*items: bytes) -> bytes:
    return head(4, len(items)) + b"".join(items)


BIG = DEFAULT_MAX_BYTES - 64
"""The large size class: just under decode's default input limit."""

TAGS = [
    0,
    1,
    3,
    4,
    5,
    25,
    28,
    29,
    30,
    35,
    36,
    37,
    52,
    54,
    100,
    256,
    258,
    260,
    261,
    1004,
    43000,
    55799,
    9_999_999,
]
TAGS.append(9_999_999)  # an unknown tag
"""Every tag a CBOR library may interpret (and an unknown one); sc4it accepts only tag 2 (ENC-02)."""


def _tag_contents(tag: int) -> list[bytes]:
    """Small and large contents for `tag`, including the shapes that made cbor2 slow or huge."""
    small = [head(0, 1), bstr(b"x" * 16), text("1970-01-01T00:00:00Z"), array(head(0, 1), head(0, 2))]
    if tag in (4, 5):  # decimal / bigfloat [exponent, mantissa]: quadratic in the mantissa's digits
        small.append(array(head(1, 1_000_000), tagged(2, bstr(b"\xff" * (BIG // 2)))))
    if tag == 28:  # shareable + shared references: the billion laughs
        laughs = tagged(28, array(head(0, 1)))
        for _ in range(40):
            laughs = tagged(28, array(laughs, tagged(29, head(0, 0)), tagged(29, head(0, 0))))
        small.append(laughs)
    if tag == 35:  # a regular expression with catastrophic backtracking
        small.append(text("(a+)+$" * 1000))
    if tag == 256:  # string references
        small.append(array(*[tagged(25, head(0, i % 20)) for i in range(1000)]))
    small.append(bstr(b"\x00" * BIG))
    return small


def tag_corpus() -> list[tuple[str, bytes]]:
    out = []
    for tag in TAGS:
        for i, content in enumerate(_tag_contents(tag)):
            item = tagged(tag, content)
            out.append((f"tag {tag} #{i} top", item))
            out.append((f"tag {tag} #{i} in a record", array(head(0, 1), item, head(0, 3), head(0, 4))))
    # tag 2 itself, in the forms sc4it refuses: too long, not a byte string, nested, 4,301 digits
    out.append(("tag 2 of 17 bytes", tagged(2, bstr(b"\x01" * (MAX_BIGNUM_BYTES + 1)))))
    out.append(("tag 2 of 4301 digits", tagged(2, bstr(b"\xff" * 1800))))
    out.append(("tag 2 of a large byte string", tagged(2, bstr(b"\xff" * BIG))))
    out.append(("tag 2 of an int", tagged(2, head(0, 5))))
    out.append(("tag 2 of a tag", tagged(2, tagged(2, bstr(b"\x01" * 9)))))
    out.append(("tag 2 at the end", tagged(2, b"")))
    out.append(("tag 3 negative bignum", tagged(3, bstr(b"\x01" * 9))))
    out.append(("self-described prefix", tagged(55799, encode(AccountInfo(1, 2, 3, 4)))))
    return out


def nesting_corpus() -> list[tuple[str, bytes]]:
    out = []
    for depth in (MAX_DEPTH + 1, 1000, BIG):
        out.append((f"{depth} nested arrays", b"\x81" * depth + b"\x00"))
    out.append(("indefinite arrays", b"\x9f" * 10_000 + b"\xff" * 10_000))
    out.append(("nested maps", b"\xa1\x00" * 10_000 + b"\x00"))
    out.append(("nested single-item arrays inside a state", array(*[b"\x81" * 40 + b"\x00"] * 41)))
    return out


def size_corpus() -> list[tuple[str, bytes]]:
    out = []
    for major in (2, 3, 4, 5):
        for arg in (2**31, 2**63 - 1, 2**64 - 1, BIG):
            out.append((f"major {major} claims {arg}", head(major, arg) + b"\x00" * 8))
    out.append(("an array of a million 1-byte items", head(4, BIG - 5) + b"\x00" * (BIG - 5)))
    out.append(("a million empty arrays", head(4, BIG - 5) + b"\x80" * (BIG - 5)))
    out.append(("a huge indefinite byte string", b"\x5f" + (b"\x41x" * (BIG // 2)) + b"\xff"))
    out.append(("floats", array(*[b"\xfb" + b"\x7f\xf0" + b"\x00" * 6] * 1000)))
    out.append(("undefined", b"\xf7"))
    out.append(("break alone", b"\xff"))
    out.append(("reserved head", b"\x1c"))
    out.append(("truncated head", b"\x1b\x00\x00"))
    out.append(("empty", b""))
    out.append(("trailing", head(0, 1) + b"\x00"))
    return out


SUBSET_SHAPES = {
    "nested single-item arrays inside a state",
    "an array of a million 1-byte items",
    "a million empty arrays",
}
"""Hostile inputs that are well-formed items of the subset: the typed decoder refuses them, in O(n)."""


def corpus() -> list[tuple[str, bytes]]:
    """Every hostile input, tag classes first."""
    return tag_corpus() + nesting_corpus() + size_corpus()
