"""Baseline for benchmarks only: the multiset commitment sc4it used before the Merkle state tree (the former
sc4it/commitment.py, spec/commitment.md of that version, rules then numbered CMT-01..CMT-12).

`state_root` (ENC-12) hashes the whole encoding: O(state) per root, minutes at a million contracts. A
host that wants a commitment after every block uses this one instead: a different, documented
commitment whose value is a function of the state alone, maintained in O(entries changed).

Definition (computed from scratch by `commitment_root`, CMT-02..CMT-07):

- every entry of every storage map is hashed to a 4096-bit element with SHAKE256 (for a map of sets,
  every (key, item) pair is an entry); a map's accumulator is the sum of its elements mod 2^4096 (an
  additive multiset hash, so the order of the entries does not matter and an entry can be added or
  removed by one addition or subtraction);
- each field of the state gets a 32-byte digest: a map's digests its name, its number of keys and its
  accumulator, any other field digests its name and canonical encoding;
- the root is blake2b-256 over the field digests in the order of `State`'s fields.

`Commitment` keeps the accumulators and digests of one state; `update(new_state, touched)` re-hashes only
the entries listed in `touched` (`Outcome.touched`, i.e. `Tx.touched`) whose value differs, and the
fields whose value is not the very same object (CMT-08..CMT-10). Nothing is stored per entry: the old
value of a changed entry is read from the previous state, so the commitment costs O(1) memory beyond the
states themselves.
"""

from __future__ import annotations

import hashlib
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import Any, get_args, get_origin

import attrs
import cbor2

from sc4it.kernel.codec import codec_for
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.state import STATE_FIELDS, State
from sc4it.kernel.tx import Touched

VERSION = b"sc4it/commitment/v1"
ELEMENT_BITS = 4096
"""CMT-03: the accumulator modulus is 2^ELEMENT_BITS."""
_ELEMENT_BYTES = ELEMENT_BITS // 8
_MASK = (1 << ELEMENT_BITS) - 1
_ENTRY = VERSION + b"/entry"
_FIELD = VERSION + b"/field"
_MAP = VERSION + b"/map"
_ROOT = VERSION + b"/root"


def _dumps(obj: Any) -> bytes:
    return cbor2.dumps(obj, canonical=True)


def _element(message: bytes) -> int:
    """CMT-03: SHAKE256(`_ENTRY` ‖ message), 512 bytes, read as a little-endian integer."""
    return int.from_bytes(hashlib.shake_256(_ENTRY + message).digest(_ELEMENT_BYTES), "little")


@attrs.frozen(slots=True)
class _Field:
    """How one field of `State` is committed: a plain field (`enc` of its value), a map (`kenc`, `venc`)
    or a map of sets (`kenc`, `venc` encodes one item)."""

    name: str
    tag: bytes
    is_map: bool
    set_valued: bool
    enc: Callable[[Any], Any]
    kenc: Callable[[Any], Any]
    venc: Callable[[Any], Any]


def _describe(name: str, annotation: Any) -> _Field:
    tag = name.encode()
    if get_origin(annotation) is PMap:
        key_type, value_type = get_args(annotation)
        kenc = codec_for(key_type).enc
        if get_origin(value_type) is PSet:
            (item_type,) = get_args(value_type)
            return _Field(name, tag, True, True, _no_enc, kenc, codec_for(item_type).enc)
        return _Field(name, tag, True, False, _no_enc, kenc, codec_for(value_type).enc)
    return _Field(name, tag, False, False, codec_for(annotation).enc, _no_enc, _no_enc)


def _no_enc(value: Any) -> Any:  # pragma: no cover - never called
    raise TypeError("not applicable")


_HINTS = typing.get_type_hints(State, include_extras=True)
FIELDS: tuple[_Field, ...] = tuple(_describe(name, _HINTS[name]) for name in STATE_FIELDS)
_BY_NAME = {f.name: (i, f) for i, f in enumerate(FIELDS)}


# --------------------------------------------------------------------------------------------------
# Elements and digests (CMT-02..CMT-06)


def entry_element(field: _Field, key: Any, value: Any) -> int:
    """CMT-03: the element of map entry `key -> value` (for a map of sets, `value` is one item)."""
    return _element(_dumps([field.tag, field.kenc(key), field.venc(value)]))


def _entries(field: _Field, m: PMap[Any, Any]) -> Iterator[tuple[Any, Any]]:
    """CMT-02: the entries of a map: its (key, value) pairs, or (key, item) for a map of sets."""
    if field.set_valued:
        for key, items in m.items():
            for item in items:
                yield key, item
    else:
        yield from m.items()


def map_sum(field: _Field, m: PMap[Any, Any]) -> int:
    """CMT-04: the accumulator of a map, from scratch: Σ elements mod 2^4096."""
    total = 0
    for key, value in _entries(field, m):
        total += entry_element(field, key, value)
    return total & _MASK


def map_digest(field: _Field, m: PMap[Any, Any], total: int) -> bytes:
    """CMT-05: blake2b-256(`…/map` ‖ cbor([name, number of keys]) ‖ accumulator, 512 bytes LE)."""
    head = _dumps([field.tag, len(m)])
    return hashlib.blake2b(_MAP + head + total.to_bytes(_ELEMENT_BYTES, "little"), digest_size=32).digest()


def field_digest(field: _Field, value: Any) -> bytes:
    """CMT-06: blake2b-256(`…/field` ‖ cbor([name, canonical value])) for a field that is not a map."""
    return hashlib.blake2b(_FIELD + _dumps([field.tag, field.enc(value)]), digest_size=32).digest()


def _root(digests: Iterable[bytes]) -> bytes:
    """CMT-07: blake2b-256(`…/root` ‖ the field digests in `State` field order)."""
    return hashlib.blake2b(_ROOT + b"".join(digests), digest_size=32).digest()


def commitment_root(state: State) -> bytes:
    """CMT-01..CMT-07: the commitment of `state`, computed from scratch (O(state)); the definition
    `Commitment` maintains incrementally."""
    return Commitment.of(state).root


# --------------------------------------------------------------------------------------------------
# Incremental maintenance (CMT-08..CMT-11)


@attrs.frozen(slots=True, eq=False)
class Commitment:
    """The commitment of `state` with what it takes to update it cheaply: the accumulator of every map
    field (0 for the other fields) and every field's digest. Immutable: `update` returns a new one."""

    state: State
    sums: tuple[int, ...]
    digests: tuple[bytes, ...]
    root: bytes

    @staticmethod
    def of(state: State) -> Commitment:
        """From scratch, O(state) (CMT-01..CMT-07)."""
        sums: list[int] = []
        digests: list[bytes] = []
        for field in FIELDS:
            value = getattr(state, field.name)
            if field.is_map:
                total = map_sum(field, value)
                sums.append(total)
                digests.append(map_digest(field, value, total))
            else:
                sums.append(0)
                digests.append(field_digest(field, value))
        return Commitment(state, tuple(sums), tuple(digests), _root(digests))

    def update(self, state: State, touched: Touched | None = None) -> Commitment:
        """The commitment of `state`, a successor of `self.state` (CMT-08..CMT-10).

        `touched` must list every map key whose value differs between `self.state` and `state` (the
        merged `Outcome.touched` of the transactions in between does). Cost: O(1) per field, plus two
        element hashes per listed key whose value changed, plus, for a changed set, a comparison of its
        old and new items. A map that changed but has no `touched` entry (or `touched` None) is summed
        again from scratch (CMT-11), which is always correct but O(map)."""
        old = self.state
        if state is old:
            return self
        sums = list(self.sums)
        digests = list(self.digests)
        changed = False
        for i, field in enumerate(FIELDS):
            before = getattr(old, field.name)
            after = getattr(state, field.name)
            if after is before:
                continue
            if not field.is_map:
                if after != before:
                    digests[i] = field_digest(field, after)
                    changed = True
                continue
            keys = None if touched is None else touched.maps.get(field.name)
            if keys is None:  # CMT-11
                total = map_sum(field, after)
            else:  # CMT-09
                total = (sums[i] + _delta(field, before, after, keys)) & _MASK
            if total != sums[i] or len(after) != len(before):
                sums[i] = total
                digests[i] = map_digest(field, after, total)
                changed = True
        if not changed:
            return Commitment(state, self.sums, self.digests, self.root)
        return Commitment(state, tuple(sums), tuple(digests), _root(digests))


def _delta(field: _Field, before: PMap[Any, Any], after: PMap[Any, Any], keys: Iterable[Any]) -> int:
    """CMT-09: Σ elements added − Σ elements removed, over the entries of `keys`."""
    delta = 0
    old_get, new_get = before.get, after.get
    for key in keys:
        old = old_get(key)
        new = new_get(key)
        if old is new:
            continue
        if field.set_valued:
            old_items: PSet[Any] = PSet() if old is None else old
            new_items: PSet[Any] = PSet() if new is None else new
            for item in old_items:
                if item not in new_items:
                    delta -= entry_element(field, key, item)
            for item in new_items:
                if item not in old_items:
                    delta += entry_element(field, key, item)
            continue
        if old == new:
            continue
        if old is not None:
            delta -= entry_element(field, key, old)
        if new is not None:
            delta += entry_element(field, key, new)
    return delta


def field_index(name: str) -> int:
    """The position of field `name` in `FIELDS` (and in `Commitment.sums` / `digests`)."""
    return _BY_NAME[name][0]
