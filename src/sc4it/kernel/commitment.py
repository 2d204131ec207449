"""The state root: one authenticated commitment over every storage entry (spec/commitment.md, CMT rules).

Every entry of the state is a leaf of one sparse Merkle tree (`sc4it.smt`): an entry of a storage map is
keyed by the map's name and the entry's key, a set-valued map has one entry per (key, item), and each
field that is not a map is an entry of the pseudo-map `state` keyed by its name (CMT-02). The root of
that tree is the state root (CMT-07).

`Commitment` holds a state with its tree. `Commitment.of(state)` builds it from scratch (O(state));
`c.update(new_state, touched)` folds in the keys a block wrote (`Outcome.touched`) in O(changes × depth)
and shares every other subtree with `c`, so a host keeps the commitment of each recent state cheaply
(CMT-08..CMT-11). `c.prove(entries)` makes a proof of entries present or absent, and `verify` checks one
against nothing but a root (CMT-20..CMT-23).
"""

from __future__ import annotations

import hashlib
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeAlias, get_args, get_origin

import attrs
import cbor2

from sc4it.kernel import smt
from sc4it.kernel import tree as trees
from sc4it.kernel.codec import codec_for, dec_fast, identity_encoder
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.state import STATE_FIELDS, State
from sc4it.kernel.tx import Touched

PSEUDO_MAP = "state"
"""CMT-02: the map name under which each field that is not a map is an entry, keyed by its name."""
SET_ITEM_VALUE = cbor2.dumps(True)
"""CMT-14: the value encoding of an entry of a set-valued map (the item is part of its key)."""
_SET_ITEM_HASH = smt.value_hash(SET_ITEM_VALUE)

ProofError = smt.ProofError


def _dumps(obj: Any) -> bytes:
    return cbor2.dumps(obj, canonical=True)


def _path(preimage: Any) -> int:
    return smt.path_of(smt.key_hash(_dumps(preimage)))


@attrs.frozen(slots=True)
class _Field:
    """How one field of `State` is committed: a plain field (`venc` encodes its value), a map (`kenc`,
    `venc`) or a map of sets (`kenc` the key, `ienc` one item)."""

    name: str
    is_map: bool
    set_valued: bool
    kenc: Callable[[Any], Any]
    venc: Callable[[Any], Any]
    ienc: Callable[[Any], Any]
    ktype: Any = None
    vtype: Any = None
    """The declared key and value (or item) types, to check a claim's key and value (`entry_path`)."""
    prefix: bytes = attrs.field(init=False)
    """CMT-13: the bytes of an entry's key preimage before C(k̂): C([name, k̂]) is 0x82 (an array of
    two) ‖ C(name) ‖ C(k̂), and C([name, [k̂, î]]) is that prefix ‖ 0x82 ‖ C(k̂) ‖ C(î). So a key's
    path is computed from C(k̂) alone, the very bytes a store keeps (`row_leaves`). For a field that is
    not a map, the prefix of the pseudo-map `state` (CMT-02): 0x82 ‖ C("state")."""
    rest: bytes = attrs.field(init=False)
    """CMT-13: for a field that is not a map, the rest of its entry's key preimage: C(name)."""
    path: int = attrs.field(init=False)
    """CMT-13: for a field that is not a map, its entry's path (a constant): C(["state", name])."""

    def __attrs_post_init__(self) -> None:
        name = self.name
        if self.is_map:
            prefix, rest = b"\x82" + _dumps(name) + (b"\x82" if self.set_valued else b""), b""
        else:
            prefix, rest = _PLAIN_PREFIX, _dumps(name)
            assert prefix + rest == _dumps([PSEUDO_MAP, name])
        object.__setattr__(self, "prefix", prefix)
        object.__setattr__(self, "rest", rest)
        object.__setattr__(self, "path", 0 if self.is_map else _path([PSEUDO_MAP, name]))


_PLAIN_PREFIX = b"\x82" + _dumps(PSEUDO_MAP)
"""CMT-02, CMT-13: the start of the key preimage of every field that is not a map, C(["state", name])."""


def _describe(name: str, annotation: Any) -> _Field:
    if get_origin(annotation) is PMap:
        key_type, value_type = get_args(annotation)
        kenc = codec_for(key_type).enc
        if get_origin(value_type) is PSet:
            (item_type,) = get_args(value_type)
            return _Field(name, True, True, kenc, _no_enc, codec_for(item_type).enc, key_type, item_type)
        return _Field(name, True, False, kenc, codec_for(value_type).enc, _no_enc, key_type, value_type)
    return _Field(name, False, False, _no_enc, codec_for(annotation).enc, _no_enc, None, annotation)


def _no_enc(value: Any) -> Any:  # pragma: no cover - never called
    raise TypeError("not applicable")


_HINTS = typing.get_type_hints(State, include_extras=True)
FIELDS: tuple[_Field, ...] = tuple(_describe(name, _HINTS[name]) for name in STATE_FIELDS)
_BY_NAME = {f.name: f for f in FIELDS}
assert PSEUDO_MAP not in _BY_NAME


# --------------------------------------------------------------------------------------------------
# Entries: key paths and value hashes (CMT-02, CMT-13, CMT-14)


def _key_path(prefix: bytes, kbytes: bytes) -> int:
    """CMT-13: the path of the entry whose key preimage is `prefix ‖ kbytes`."""
    return int.from_bytes(smt.key_hash(prefix + kbytes), "big")


def map_entry_path(field: _Field, key: Any) -> int:
    """CMT-13: the path of key `key` of map field `field`: key hash of C([name, k̂])."""
    return _key_path(field.prefix, _dumps(field.kenc(key)))


def set_entry_path(field: _Field, key: Any, item: Any) -> int:
    """CMT-13: the path of item `item` of the set at `key` of a set-valued map: C([name, [k̂, î]])."""
    return _key_path(field.prefix, _dumps(field.kenc(key)) + _dumps(field.ienc(item)))


def field_entry_path(field: _Field) -> int:
    """CMT-13: the path of a field that is not a map: C(["state", name])."""
    return field.path


def _value_hash(field: _Field, value: Any) -> bytes:
    """CMT-14: the value hash of a map entry or of a plain field's value."""
    return smt.value_hash(_dumps(field.venc(value)))


def _seeded(field: _Field) -> tuple[Any, Any]:
    """The key hasher of CMT-13 already fed the key preimage's prefix (`_Field.prefix`), and the value
    hasher of CMT-14, for a loop over one map's entries: `copy()` one, `update` with C(k̂) (and C(î)), or
    C(v̂), `digest`: the same hashes without concatenating the prefix per entry."""
    key_fresh, value_fresh = smt.fresh_hashers()
    seeded = key_fresh.copy()
    seeded.update(field.prefix)
    return seeded, value_fresh


def _field_rows(field: _Field, value: Any) -> Iterator[tuple[bytes, bytes]]:
    """CMT-02: the encoded entries of one map field of the state (`smt.EntryRows`' rows, after
    `field.prefix`): (C(k̂), C(v̂)) per key, or (C(k̂) ‖ C(î), C(true)) per item of a map of sets."""
    dumps = cbor2.dumps
    kenc: Callable[[Any], Any] | None = None if field.kenc is identity_encoder else field.kenc
    if field.set_valued:
        ienc = field.ienc
        for key, items in value.items():
            kbytes = dumps(key if kenc is None else kenc(key), canonical=True)
            for item in items:
                yield kbytes + dumps(ienc(item), canonical=True), SET_ITEM_VALUE
        return
    venc = field.venc
    for key, v in value.items():  # once per entry of the state when a tree is built from scratch
        yield dumps(key if kenc is None else kenc(key), canonical=True), dumps(venc(v), canonical=True)


def state_entries(state: State) -> Iterator[smt.EntryRows]:
    """CMT-02: every entry of the state as encodings, per map (the plain fields as the pseudo-map
    `state`), made as they are read: the leaves of its tree are `smt.entry_changes` of these."""
    plain = [(f.rest, _dumps(f.venc(getattr(state, f.name)))) for f in FIELDS if not f.is_map]
    yield _PLAIN_PREFIX, plain
    for field in FIELDS:
        if field.is_map:
            yield field.prefix, _field_rows(field, getattr(state, field.name))


def _field_leaves(field: _Field, value: Any) -> list[tuple[int, bytes]]:
    """CMT-02, CMT-13, CMT-14: the leaves (path, value hash) of one field of the state."""
    if not field.is_map:
        return [(field.path, _value_hash(field, value))]
    return smt.entry_leaves([(field.prefix, _field_rows(field, value))])


def row_leaves(name: str, rows: Iterable[tuple[bytes, bytes]]) -> list[tuple[int, bytes]]:
    """CMT-02, CMT-13, CMT-14 from encodings: the leaves of field `name` given as a store keeps it
    (NODE-03), one row (C(k̂), C(v̂)) per key of a map (for a map of sets, C(v̂) encodes the whole set
    at k̂), or the one row (b"", C(value)) of a field that is not a map. Nothing is encoded again: the
    paths and value hashes are of these very bytes, so rows that are not the canonical encodings of a
    state give another root than that state's (a store checks the root against its last header)."""
    field = _BY_NAME[name]
    if not field.is_map:
        return [(field.path, smt.value_hash(v)) for _, v in rows]
    key_fresh, value_fresh = _seeded(field)
    from_bytes = int.from_bytes
    if not field.set_valued:
        leaves = []
        for k, v in rows:  # CMT-13, CMT-14 inline: once per stored row at a restart
            h = key_fresh.copy()
            h.update(k)
            hv = value_fresh.copy()
            hv.update(v)
            leaves.append((from_bytes(h.digest(), "big"), hv.digest()))
        return leaves
    out = []
    for k, v in rows:
        head = key_fresh.copy()
        head.update(k)
        for item in cbor2.loads(v):
            h = head.copy()
            h.update(_dumps(item))
            out.append((from_bytes(h.digest(), "big"), _SET_ITEM_HASH))
    return out


def state_leaves(state: State) -> Iterator[tuple[int, bytes]]:
    """CMT-02: every leaf of the state's tree, field by field (the tree does not depend on this order)."""
    for field in FIELDS:
        yield from _field_leaves(field, getattr(state, field.name))


def commitment_root(state: State) -> bytes:
    """CMT-01..CMT-07: the state root, computed from scratch (O(state))."""
    return Commitment.of(state).root


# --------------------------------------------------------------------------------------------------
# Incremental maintenance (CMT-08..CMT-11)


Rows: TypeAlias = dict[str, dict[Any, tuple[bytes, bytes | None]]]
"""Per map field, per key: (C(k̂), C(v̂) or None when the key was removed)."""


@attrs.frozen(slots=True, eq=False)
class Commitment:
    """A state with its tree (`tree`, made by `backend`: an `smt` node for `trees.PURE`, CMT-25) and
    root. Immutable: `update` returns a new one, with the same backend, that shares every unchanged
    subtree with this one.

    `encoded` holds, for the entries of maps (not of maps of sets) that the `update` which made this
    commitment changed, the canonical encodings it hashed: C(k̂) and C(v̂) (None for a removal), exactly
    the rows a store writes for them (NODE-03), so a host encodes each changed entry once per block. It
    is empty for a commitment built from scratch, and never part of the root."""

    state: State
    tree: Any
    encoded: Rows = attrs.field(factory=dict)
    backend: trees.Backend = attrs.field(kw_only=True)
    """CMT-25: the tree's implementation; every backend gives the same root and proofs."""

    @property
    def root(self) -> bytes:
        """CMT-07: the state root."""
        return self.backend.root_of(self.tree)

    @staticmethod
    def of(state: State, backend: trees.Backend = trees.DEFAULT) -> Commitment:
        """From scratch, O(state) (CMT-01..CMT-07), with the tree of `backend` (CMT-25)."""
        return Commitment(state, backend.build_entries(state_entries(state)), backend=backend)

    @staticmethod
    def of_leaves(
        state: State, leaves: Iterable[tuple[int, bytes]], backend: trees.Backend = trees.DEFAULT
    ) -> Commitment:
        """From scratch, from leaves already computed (`row_leaves` of a store's rows): the commitment of
        `state` if `leaves` are its leaves, else one whose root differs from `state`'s."""
        return Commitment(state, backend.build(leaves), backend=backend)

    def update(self, state: State, touched: Touched | None = None) -> Commitment:
        """The commitment of `state`, a successor of `self.state` (CMT-09).

        `touched` must list every map key and plain field whose value differs between `self.state` and
        `state` (the merged `Outcome.touched` of the transactions in between does). A map that changed
        but has no `touched` entry (or `touched` None) is compared in full (CMT-11): always correct, but
        O(size of the map). The changed entries go to the tree as encodings (`smt.EntryRows`), hashed
        there (CMT-13, CMT-14: `Backend.update_entries`)."""
        old = self.state
        if state is old:
            return self
        plain: list[tuple[bytes, bytes | None]] = []
        groups: list[smt.EntryRows] = [(_PLAIN_PREFIX, plain)]
        encoded: Rows = {}
        for field in FIELDS:
            before = getattr(old, field.name)
            after = getattr(state, field.name)
            if after is before:
                continue
            if not field.is_map:
                if after != before:
                    plain.append((field.rest, _dumps(field.venc(after))))
                continue
            keys = None if touched is None else touched.maps.get(field.name)
            if keys is None:  # CMT-11
                keys = set(before) | set(after)
            if field.set_valued:
                groups.append((field.prefix, _set_rows(field, before, after, keys)))
            else:
                rows = encoded[field.name] = _map_rows(field, before, after, keys)
                groups.append((field.prefix, rows.values()))
        tree = self.backend.update_entries(self.tree, groups)
        return Commitment(state, tree, encoded, backend=self.backend)

    @property
    def digests(self) -> tuple[bytes, ...]:
        """For diagnosis only (a replica telling which fields differ from a peer's, NET-19): per field of
        `State`, in `FIELDS` order, BLAKE2b-256 of the field's leaves (32-byte path ‖ value hash) in path
        order. O(state) on every call; not part of the root."""
        out = []
        for field in FIELDS:
            h = hashlib.blake2b(digest_size=32)
            for path, vhash in sorted(_field_leaves(field, getattr(self.state, field.name))):
                h.update(path.to_bytes(32, "big") + vhash)
            out.append(h.digest())
        return tuple(out)

    def prove(self, entries: Iterable[tuple[str, Any]]) -> bytes:
        """CMT-20, CMT-21: one proof for `entries`, each (map name, key) as `verify` takes them (present
        or absent in `self.state`)."""
        return self.backend.prove(self.tree, [entry_path(name, key) for name, key in entries])

    def value(self, map_name: str, key: Any) -> Any:
        """The value `verify` expects for (`map_name`, `key`) in `self.state`: the entry's value, True for
        an item of a set-valued map, None if absent."""
        if map_name == PSEUDO_MAP:
            field = _BY_NAME.get(key)
            if field is None or field.is_map:
                raise ProofError(f"no plain state field {key!r}")
            return getattr(self.state, key)
        field = _map_field(map_name)
        m = getattr(self.state, map_name)
        if field.set_valued:
            k, item = key
            items = m.get(k)
            return True if items is not None and item in items else None
        return m.get(key)


def _map_rows(
    field: _Field, before: PMap[Any, Any], after: PMap[Any, Any], keys: Iterable[Any]
) -> dict[Any, tuple[bytes, bytes | None]]:
    """CMT-09: the encoded entries of the listed keys of one map (not of sets) whose value differs, per
    key (C(k̂), C(v̂) or None when removed): the rows of `Commitment.encoded` and of the tree's update."""
    old_get, new_get, venc = before.getter(), after.getter(), field.venc
    kenc: Callable[[Any], Any] | None = None if field.kenc is identity_encoder else field.kenc
    dumps = cbor2.dumps
    rows: dict[Any, tuple[bytes, bytes | None]] = {}
    for key in keys:  # once per changed entry of a block
        new = new_get(key)
        old = old_get(key)
        if new is old or old == new:
            continue
        kbytes = dumps(key if kenc is None else kenc(key), canonical=True)
        rows[key] = (kbytes, None if new is None else dumps(venc(new), canonical=True))
    return rows


def _set_rows(
    field: _Field, before: PMap[Any, Any], after: PMap[Any, Any], keys: Iterable[Any]
) -> list[tuple[bytes, bytes | None]]:
    """CMT-09: the encoded entries of the listed keys of a map of sets, one per item added or removed:
    (C(k̂) ‖ C(î), C(true) or None)."""
    out: list[tuple[bytes, bytes | None]] = []
    for key in keys:
        old = before.get(key)
        new = after.get(key)
        if old is new:
            continue
        old_items: PSet[Any] = PSet() if old is None else old
        new_items: PSet[Any] = PSet() if new is None else new
        kbytes = _dumps(field.kenc(key))
        for item in old_items:
            if item not in new_items:
                out.append((kbytes + _dumps(field.ienc(item)), None))
        for item in new_items:
            if item not in old_items:
                out.append((kbytes + _dumps(field.ienc(item)), SET_ITEM_VALUE))
    return out


# --------------------------------------------------------------------------------------------------
# Proofs of typed entries (CMT-20..CMT-23)


def _map_field(map_name: str) -> _Field:
    field = _BY_NAME.get(map_name) if isinstance(map_name, str) else None
    if field is None or not field.is_map:
        raise ProofError(f"no storage map {map_name!r}")
    return field


_BAD_CLAIM = (TypeError, ValueError, AttributeError, KeyError, OverflowError, IndexError, DecodeError)
"""What encoding a claim of the wrong shape or type can raise (reported as ProofError)."""


def _typed(t: Any, value: Any, what: str) -> Any:
    """A claim's key or value must be a value of the declared type `t`: its data model decodes back
    to an equal value (strict decoding checks every width and bound, ENC-09). Returns that data model."""
    codec = codec_for(t)
    model = codec.enc(value)
    if not _reads_back(codec.reads_back, value) and dec_fast(codec.dec, model, what) != value:
        raise ProofError(f"{what} is not a value of its declared type")  # SIG-15's proof, else decode
    return model


def _reads_back(check: Callable[[Any], bool], value: Any) -> bool:
    """SIG-15's `reads_back` (`codec.reads_back`), with the codec already at hand."""
    try:
        return check(value)
    except Exception:  # a field of a foreign type can make a check raise: it proves nothing
        return False


def entry_path(map_name: str, key: Any) -> int:
    """CMT-13: the path of entry `key` of storage map `map_name` (for a set-valued map, `key` is the
    pair (key, item)); of the pseudo-map `state`, `key` is a plain field's name. ProofError if there is
    no such map or the key does not have the map's key type."""
    try:
        if map_name == PSEUDO_MAP:
            field = _BY_NAME.get(key) if isinstance(key, str) else None
            if field is None or field.is_map:
                raise ProofError(f"no plain state field {key!r}")
            return field_entry_path(field)
        field = _map_field(map_name)
        if field.set_valued:
            k, item = key
            _typed(field.ktype, k, "key")
            _typed(field.vtype, item, "item")
            return set_entry_path(field, k, item)
        _typed(field.ktype, key, "key")
        return map_entry_path(field, key)
    except _BAD_CLAIM as e:
        raise ProofError(f"key {key!r} does not fit map {map_name!r}: {e}") from e


def entry_value_hash(map_name: str, key: Any, value: Any) -> bytes | None:
    """CMT-14: the value hash a proof must show for (`map_name`, `key`) holding `value` (None: absent;
    True for an item of a set-valued map). A plain field of the pseudo-map `state` is always present
    (CMT-02), so there None is its value (an optional field that is unset), never absence. ProofError
    if `value` does not have the map's value type."""
    try:
        if map_name == PSEUDO_MAP:
            entry_path(map_name, key)
            field = _BY_NAME[key]
        elif value is None:
            return None
        else:
            field = _map_field(map_name)
        if field.set_valued:
            if value is not True:
                raise ProofError("an item of a set-valued map is claimed with True (present) or None")
            return _SET_ITEM_HASH
        return smt.value_hash(_dumps(_typed(field.vtype, value, "value")))
    except _BAD_CLAIM as e:
        raise ProofError(f"value does not fit map {map_name!r}: {e}") from e


def verify(root: bytes, map_name: str, key: Any, value: Any, proof: bytes) -> bool:
    """CMT-23: True iff `proof` shows that, in the state whose root is `root`, entry `key` of
    `map_name` holds `value` (None: the entry is absent). Needs nothing but the root; never raises:
    a malformed proof, or a claim that does not fit the map, is False."""
    try:
        return smt.check(root, [_leaf_claim(map_name, key, value)], proof)
    except ProofError:
        return False


def verify_many(root: bytes, claims: Iterable[tuple[str, Any, Any]], proof: bytes) -> bool:
    """CMT-23: `verify` for several (map name, key, value or None) claims against one proof."""
    try:
        return check(root, claims, proof)
    except ProofError:
        return False


def check(root: bytes, claims: Iterable[tuple[str, Any, Any]], proof: bytes) -> bool:
    """As `verify_many`, but a malformed proof, a proof that does not cover a claimed key, or a claim
    that does not fit its map raises ProofError saying why."""
    return smt.check(root, [_leaf_claim(m, k, v) for m, k, v in claims], proof)


def _leaf_claim(map_name: str, key: Any, value: Any) -> tuple[int, bytes | None]:
    """CMT-13, CMT-14: the (path, value hash or None) a proof must show for a typed claim: what
    `entry_path` and `entry_value_hash` give, the same checks, written out for a map that is not of
    sets (contracts, accounts, twins: what a light client asks most)."""
    field = _BY_NAME.get(map_name) if type(map_name) is str else None
    if field is None or not field.is_map or field.set_valued:
        return entry_path(map_name, key), entry_value_hash(map_name, key, value)
    try:
        h = _KEY_FRESH.copy()
        h.update(field.prefix + cbor2.dumps(_typed(field.ktype, key, "key"), canonical=True))
        if value is None:
            return int.from_bytes(h.digest(), "big"), None
        hv = _VALUE_FRESH.copy()
        hv.update(cbor2.dumps(_typed(field.vtype, value, "value"), canonical=True))
        return int.from_bytes(h.digest(), "big"), hv.digest()
    except _BAD_CLAIM as e:
        raise ProofError(f"claim does not fit map {map_name!r}: {e}") from e


_KEY_FRESH, _VALUE_FRESH = smt.fresh_hashers()
