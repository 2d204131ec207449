"""Storage entries in the public JSON form, for read proofs (spec/rpc.md, RPC-26; spec/commitment.md, CMT-02).

An entry is named by a storage map and a key: `{"map": "contracts", "key": 7}`. The key is written in the
JSON form (JSN) of the map's key type; for a map of sets (`active_node_contracts`, `contracts_to_bill_at`,
`nodes_by_farm_id`) it is the pair `[key, item]`, and the entry's value is `true`; for the pseudo-map
`state` it is the name of a plain field (`"tft_price"`). The node (`state_getReadProof`) and the client
(`sc4it.client`) read and write entries with the same table, `ENTRY_TYPES`, derived from the state's
annotations (`sc4it.kernel.commitment.FIELDS`)."""

from __future__ import annotations

from typing import Any

import attrs

from sc4it.kernel.commitment import FIELDS, PSEUDO_MAP
from sc4it.node.jsoncodec import JsonCodec, JsonError


@attrs.frozen(slots=True)
class EntryType:
    """The JSON types of one storage map's entries: `key` (a pair type for a map of sets), `value`
    (None for a map of sets, whose entries are `true`)."""

    key: Any
    value: Any


def _entry_type(key_type: Any, value_type: Any, set_valued: bool) -> EntryType:
    if set_valued:
        return EntryType(tuple.__class_getitem__((key_type, value_type)), None)
    return EntryType(key_type, value_type)


ENTRY_TYPES: dict[str, EntryType] = {
    f.name: _entry_type(f.ktype, f.vtype, f.set_valued) for f in FIELDS if f.is_map
}
"""RPC-26: every storage map by name (CMT-02)."""
PLAIN_FIELDS: dict[str, Any] = {f.name: f.vtype for f in FIELDS if not f.is_map}
"""RPC-26: the plain fields, keys of the pseudo-map `state`, with their value types."""


class EntryProblem(ValueError):
    """A malformed entry: `param` names the member (`keys[2].key.0`), the message says what is wrong."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


def _short(x: Any) -> str:
    return str(x)[:60]


def parse_entry(codec: JsonCodec, item: Any, name: str) -> tuple[str, Any]:
    """RPC-26: `{"map", "key"}` -> (map name, key) as `Commitment.prove` takes them; `EntryProblem`
    for anything else (time in proportion to the item's size: one strict JSN-09 decoding)."""
    if type(item) is not dict or len(item) != 2 or "map" not in item or "key" not in item:
        raise EntryProblem(name, 'expected {"map": storage map name, "key": key}')
    map_name, key = item["map"], item["key"]
    if map_name == PSEUDO_MAP:
        if type(key) is not str or key not in PLAIN_FIELDS:
            raise EntryProblem(f"{name}.key", f"no plain state field {_short(key)!r}")
        return PSEUDO_MAP, key
    types = ENTRY_TYPES.get(map_name) if type(map_name) is str else None
    if types is None:
        raise EntryProblem(f"{name}.map", f"no storage map {_short(map_name)!r} (docs/json.md lists them)")
    try:
        return map_name, codec.from_json(key, types.key)
    except JsonError as e:
        path = f"{name}.key" if e.path == "<root>" else f"{name}.key.{e.path}"
        raise EntryProblem(path, e.message) from None


def entry_json(codec: JsonCodec, map_name: str, key: Any) -> dict[str, Any]:
    """The `{"map", "key"}` form of an entry (the inverse of `parse_entry`)."""
    if map_name == PSEUDO_MAP:
        return {"map": map_name, "key": key}
    return {"map": map_name, "key": codec.to_json(key, ENTRY_TYPES[map_name].key)}


def _value_type(map_name: str, key: Any) -> Any:
    return PLAIN_FIELDS[key] if map_name == PSEUDO_MAP else ENTRY_TYPES[map_name].value


def value_to_json(codec: JsonCodec, map_name: str, key: Any, value: Any) -> Any:
    """RPC-26: an entry's value in its JSON form (None: absent; `true` for an item of a map of sets)."""
    if value is None:
        return None
    t = _value_type(map_name, key)
    return True if t is None else codec.to_json(value, t)


def value_from_json(codec: JsonCodec, map_name: str, key: Any, obj: Any) -> Any:
    """The inverse of `value_to_json`; `JsonError` for a value of the wrong form."""
    if obj is None:
        return None
    t = _value_type(map_name, key)
    if t is None:
        if obj is not True:
            raise JsonError("", "an item of a map of sets is true or null")
        return True
    return codec.from_json(obj, t)
