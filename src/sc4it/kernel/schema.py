"""Type annotations that carry the bounds the codec checks.

Every integer in a stored or signed value is annotated with its chain width (u8 .. u128) and every byte
string with its length bounds. `sc4it.kernel.codec` reads these annotations: encoding never needs them,
decoding
untrusted bytes rejects anything outside them with a `DecodeError` that names the field.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import attrs


@attrs.frozen(slots=True)
class UInt:
    """An unsigned integer of `bits` width: 0 <= x < 2**bits."""

    bits: int

    @property
    def max(self) -> int:
        return (1 << self.bits) - 1


@attrs.frozen(slots=True)
class Ss58:
    """Marks a 32-byte account id: the CBOR codec ignores it, the JSON codec (`sc4it.node.jsoncodec`) writes
    the value as an SS58 address instead of hex."""


class Trailing:
    """Marks a record's last field(s), `None` by default, that the encoding omits while they are `None`
    (ENC-05): a record can gain an optional field without changing the bytes of its existing values."""


@attrs.frozen(slots=True)
class Len:
    """Length bounds (inclusive) of a byte string or a sequence."""

    max: int
    min: int = 0


U8 = Annotated[int, UInt(8)]
U16 = Annotated[int, UInt(16)]
U32 = Annotated[int, UInt(32)]
U64 = Annotated[int, UInt(64)]
U128 = Annotated[int, UInt(128)]

U8_MAX = (1 << 8) - 1
U16_MAX = (1 << 16) - 1
U32_MAX = (1 << 32) - 1
U64_MAX = (1 << 64) - 1
U128_MAX = (1 << 128) - 1

AccountId = Annotated[bytes, Len(32, 32), Ss58()]
"""A 32-byte account id: an ed25519 public key, or the derived id of a multisig account."""

Hash32 = Annotated[bytes, Len(32, 32)]
Signature64 = Annotated[bytes, Len(64, 64)]


class Variant:
    """Base of the members of a tagged union (calls, events, contract states...).

    Each concrete member sets `TAG`, unique within its union; the codec writes `[TAG, *fields]`.
    """

    TAG: ClassVar[int] = -1
