"""The state as the node's store holds it: one row per storage entry (NODE-03), kept by billing shard
(NODE-16), and read back at a restart (NODE-15) or ahead of a block (NODE-17). `sc4it.node.store` writes
and reads the rows with SQLite; this module knows only their bytes."""

from __future__ import annotations

import operator
import typing
from collections.abc import Callable, Iterable, Iterator
from itertools import repeat
from typing import Any, get_args, get_origin

import attrs
import cbor2

from sc4it.contracts.billing.loop import contracts_to_bill
from sc4it.kernel.codec import codec_for, dec_fast
from sc4it.kernel.commitment import Rows
from sc4it.kernel.pmap import LazyPMap, LazyValue, PMap, PSet
from sc4it.kernel.state import STATE_FIELDS, State
from sc4it.kernel.tx import Touched


@attrs.frozen(slots=True)
class _Field:
    name: str
    index: int
    is_map: bool
    kenc: Callable[[Any], Any]
    kdec: Callable[[Any, str], Any]
    venc: Callable[[Any], Any]
    vdec: Callable[[Any, str], Any]
    lazy: bool = False
    """NODE-15: a map whose values are records (not integers, byte strings or sets): reloaded with each
    value kept as its row's bytes until first read."""
    kread: Callable[[Iterable[bytes]], list[Any]] | None = None
    vread: Callable[[Iterable[bytes]], list[Any]] | None = None
    """NODE-15: `_cbor_reader` of the key and value types."""


def _cbor_reader(annotation: Any) -> Callable[[Iterable[bytes]], list[Any]] | None:
    """NODE-15: for a type whose values are CBOR's own data model (integers, byte strings, booleans: a
    codec that returns what it accepts), or a fixed tuple of such, a reader of many canonical encodings at
    once without the strict decoder's type and bound checks (one C loop, no Python call per item); None
    for any other type. Only for rows whose root is checked afterwards: a row that is not the committed
    state's canonical encoding changes the root whatever it decodes to."""
    loads = cbor2.loads
    if codec_for(annotation).same:
        return lambda encodings: list(map(loads, encodings))
    args = get_args(annotation)
    if get_origin(annotation) is tuple and Ellipsis not in args and all(codec_for(a).same for a in args):
        return lambda encodings: list(map(tuple, map(loads, encodings)))
    return None


def _describe(index: int, name: str, annotation: Any) -> _Field:
    if get_origin(annotation) is PMap:
        key_type, value_type = get_args(annotation)
        kc, vc = codec_for(key_type), codec_for(value_type)
        lazy = get_origin(value_type) is not PSet and not vc.same
        kread, vread = _cbor_reader(key_type), _cbor_reader(value_type)
        return _Field(name, index, True, kc.enc, kc.dec, vc.enc, vc.dec, lazy, kread, vread)
    c = codec_for(annotation)
    return _Field(name, index, False, _no_key, _no_key, c.enc, c.dec)


def _no_key(*_: Any) -> Any:  # pragma: no cover - a plain field has no key
    raise TypeError("a plain field has no key")


_HINTS = typing.get_type_hints(State, include_extras=True)
FIELDS: tuple[_Field, ...] = tuple(_describe(i, n, _HINTS[n]) for i, n in enumerate(STATE_FIELDS))


def _dumps(obj: Any) -> bytes:
    return cbor2.dumps(obj, canonical=True)


def state_rows(state: State) -> Iterator[tuple[int, bytes, bytes]]:
    """NODE-03: every row of `state`: (field index, encoded key or b"", encoded value)."""
    for f in FIELDS:
        if f.is_map:
            yield from field_rows(state, f.index)
        else:
            yield f.index, b"", _dumps(f.venc(getattr(state, f.name)))


def shard_of(key: bytes, modulus: int) -> int:
    """NODE-16: the `shard` of a row whose encoded key is `key`: an unsigned integer key (canonical CBOR,
    major type 0: a contract, twin, node or farm id, a billing shard's index) modulo `modulus`; 0 for
    any other key. Contract `c` is billed in shard `c % BillingFrequency` (CON-20), so with the genesis
    frequency as `modulus` the rows a billing block rewrites are neighbours in the table."""
    if not key:
        return 0
    head = key[0]
    if head < 24:
        return head % modulus
    if head < 28:
        return int.from_bytes(key[1:], "big") % modulus
    return 0


def _sharded(
    rows: Iterable[tuple[int, bytes, bytes]], modulus: int
) -> Iterator[tuple[int, int, bytes, bytes]]:
    """NODE-16: `rows` (field, key, value) as the `entries` table holds them (field, shard, key, value)."""
    for index, key, value in rows:
        yield index, shard_of(key, modulus), key, value


def changed_rows(
    before: State, after: State, touched: Touched, encoded: Rows | None = None
) -> tuple[list[tuple[int, bytes, bytes]], list[tuple[int, bytes]], list[int]]:
    """NODE-04: the rows to write for the change `before -> after`: (upserts, deletes, fields to rewrite
    whole). O(fields + keys in `touched`); a changed map that `touched` does not list (CMT-11) is
    rewritten whole. `encoded` (`Commitment.encoded` of the commitment updated from `before` to `after`)
    gives, per map it lists, the changed rows already encoded: they are taken as they are."""
    upserts: list[tuple[int, bytes, bytes]] = []
    deletes: list[tuple[int, bytes]] = []
    rewrite: list[int] = []
    for f in FIELDS:
        old_map = getattr(before, f.name)
        new_map = getattr(after, f.name)
        if new_map is old_map:
            continue
        if not f.is_map:
            if new_map != old_map:
                upserts.append((f.index, b"", _dumps(f.venc(new_map))))
            continue
        rows = None if encoded is None else encoded.get(f.name)
        if rows is not None:
            index = f.index
            for kbytes, vbytes in rows.values():
                if vbytes is None:
                    deletes.append((index, kbytes))
                else:
                    upserts.append((index, kbytes, vbytes))
            continue
        keys = touched.maps.get(f.name)
        if keys is None:
            rewrite.append(f.index)
            continue
        kenc, venc, old_get, new_get = f.kenc, f.venc, old_map.get, new_map.get
        for k in keys:
            new = new_get(k)
            old = old_get(k)
            if new is old:
                continue
            if new is None:
                deletes.append((f.index, _dumps(kenc(k))))
            elif old != new:
                upserts.append((f.index, _dumps(kenc(k)), _dumps(venc(new))))
    return upserts, deletes, rewrite


def _load_field(f: _Field, rows: list[tuple[bytes, bytes]], lazy: bool = False) -> Any:
    """The value of field `f` from its rows (our own canonical encodings, written by this module); with
    `lazy`, a map of records keeps each value as its row's bytes, decoded on first read, and keys and
    values of CBOR's own data model are read without the strict decoder (NODE-15): only for a caller that
    then checks the rows' root against a header."""
    vdec, loads, name = f.vdec, cbor2.loads, f.name
    if not f.is_map:
        if len(rows) != 1 or rows[0][0] != b"":
            raise ValueError(f"field {name}: expected one row, found {len(rows)}")
        return dec_fast(vdec, loads(rows[0][1]), name)
    kdec = f.kdec
    m: PMap[Any, Any]
    if lazy:
        kread, vread = f.kread, f.vread
        if kread is not None:
            keys: list[Any] = kread(map(_first, rows))
        else:
            keys = [dec_fast(kdec, loads(k), name) for k, _ in rows]
        if f.lazy:

            def decode(data: bytes) -> Any:
                return dec_fast(vdec, loads(data), name)

            m = LazyPMap(zip(keys, map(LazyValue, map(_second, rows), repeat(decode)), strict=True))
        else:
            values = (
                vread(map(_second, rows))
                if vread is not None
                else [dec_fast(vdec, loads(v), name) for _, v in rows]
            )
            m = PMap(zip(keys, values, strict=True))
    else:
        m = PMap([(dec_fast(kdec, loads(k), name), dec_fast(vdec, loads(v), name)) for k, v in rows])
    if len(m) != len(rows):
        raise ValueError(f"field {name}: duplicate keys")
    return m


_first = operator.itemgetter(0)
_second = operator.itemgetter(1)


def decode_ahead(state: State, number: int) -> int:
    """NODE-17: decode now the records block `number`'s billing shard will read (its contracts, their
    billing information, payment states and resources, their twins, nodes, farms and pricing policies,
    and the twins' accounts), so that block does not pay their first decoding (NODE-15); the number of
    contracts. Reads only: `state` and every outcome are unchanged. One lookup each once decoded."""
    ids = contracts_to_bill(state, number)
    contracts, nodes, farms = state.contracts, state.nodes, state.farms
    per_id = (
        state.contract_billing_information_by_id,
        state.contract_payment_state,
        state.node_contract_resources,
    )
    twins: set[int] = set()
    for cid in ids:
        for m in per_id:
            m.get(cid)
        contract = contracts.get(cid)
        if contract is None:
            continue
        twins.add(contract.twin_id)
        node = nodes.get(contract.node_id()) if contract.node_id() else None
        farm = None if node is None else farms.get(node.farm_id)
        if farm is not None:
            twins.add(farm.twin_id)
            state.pricing_policies.get(farm.pricing_policy_id)
    for twin_id in twins:
        twin = state.twins.get(twin_id)
        if twin is not None:
            state.accounts.get(twin.account_id)
    return len(ids)


def field_rows(state: State, index: int) -> Iterator[tuple[int, bytes, bytes]]:
    """NODE-03: the rows of the storage map at field `index` of `state`."""
    f = FIELDS[index]
    assert f.is_map
    kenc, venc = f.kenc, f.venc
    for k, v in getattr(state, f.name).items():
        yield index, _dumps(kenc(k)), _dumps(venc(v))
