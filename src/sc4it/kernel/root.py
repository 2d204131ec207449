"""State roots.

- `state_root(state)`: the state root, the root of the authenticated state tree (spec/commitment.md,
  CMT-07), computed from scratch. Blocks, traces, snapshots, replicas and conformance vectors use it; a
  host that wants it every block keeps a `sc4it.kernel.commitment.Commitment` and updates it with each
  outcome's `touched` keys instead (O(changes)).
- `encoding_digest(state)`: blake2b-256 of the canonical encoding of the whole state (ENC-12, CMT-12), an
  audit value. It costs O(state) and is computed by streaming the encoding into the hash, field by
  field and map entry by map entry, so it never builds the whole encoding (nor its object tree) in
  memory; the bytes hashed are exactly `encode(state)` (tests/test_commitment.py checks it).
"""

from __future__ import annotations

import hashlib
import typing
from typing import Any, get_args, get_origin

import cbor2

from sc4it.kernel.codec import codec_for
from sc4it.kernel.commitment import commitment_root
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.state import STATE_FIELDS, State


def cbor_head(major: int, n: int) -> bytes:
    """The canonical (shortest) CBOR head of major type `major` with argument `n` (RFC 8949 §3)."""
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError(f"CBOR argument {n} exceeds 64 bits")


_ARRAY = 4
_PAIR = cbor_head(_ARRAY, 2)


def _dumps(obj: Any) -> bytes:
    return cbor2.dumps(obj, canonical=True)


def _stream_field(update: Any, value: Any, annotation: Any) -> None:
    """Feed the canonical encoding of one state field to `update`, a map entry at a time for maps."""
    if get_origin(annotation) is PMap:
        key_type, value_type = get_args(annotation)
        kenc, venc = codec_for(key_type).enc, codec_for(value_type).enc
        m: PMap[Any, Any] = value
        keys = sorted((_dumps(kenc(k)), k) for k in m)  # ENC-08: pairs sorted by encoded key
        update(cbor_head(_ARRAY, len(keys)))
        get = m.get
        for kbytes, k in keys:
            update(_PAIR)
            update(kbytes)
            update(_dumps(venc(get(k))))
    elif get_origin(annotation) is PSet:
        (item_type,) = get_args(annotation)
        ienc = codec_for(item_type).enc
        s: PSet[Any] = value
        update(cbor_head(_ARRAY, len(s)))
        for ibytes in sorted(_dumps(ienc(i)) for i in s):
            update(ibytes)
    else:
        update(_dumps(codec_for(annotation).enc(value)))


def state_root(state: State) -> bytes:
    """CMT-07: the state root, from scratch (O(state))."""
    return commitment_root(state)


def encoding_digest(state: State) -> bytes:
    """ENC-12 CMT-12: blake2b-256 of `encode(state)` (streamed, see the module docstring)."""
    h = hashlib.blake2b(digest_size=32)
    update = h.update
    update(cbor_head(_ARRAY, len(STATE_FIELDS)))  # ENC-05: a record is the array of its fields
    for name in STATE_FIELDS:
        _stream_field(update, getattr(state, name), _STATE_TYPES[name])
    return h.digest()


_STATE_TYPES: dict[str, Any] = typing.get_type_hints(State, include_extras=True)
