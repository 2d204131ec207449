"""NET-11: sc4it's events as ABCI events (spec/network.md): the type is the event's class name, each field
an attribute whose value is JSON, indexed when it names an account or an object by its id, so that
CometBFT's `tx_search` and `block_search` can select by it."""

from __future__ import annotations

import functools
import json
import typing
from typing import Any

import attrs

from sc4it.kernel.events import Event
from sc4it.kernel.schema import AccountId
from sc4it.net.engine import abci_types


def _value_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, tuple | list):
        return [_value_json(v) for v in value]
    if attrs.has(type(value)):
        return {f.name: _value_json(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if hasattr(value, "name"):
        return value.name
    return str(value)


@functools.cache
def event_keys(cls: type) -> tuple[tuple[str, bool], ...]:
    """NET-11: an event class's attributes, in field order, each with whether CometBFT indexes it: a field
    that names an account (`AccountId`) or an object by its id (an integer field named `*_id`) is
    indexed, so that `tx_search`/`block_search` can select by it; amounts, flags and whole records are
    not (they stay in the result, unsearchable: an index key per value costs every node a write)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    out = []
    for f in attrs.fields(cls):
        hint = hints[f.name]
        base = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint
        out.append((f.name, hint == AccountId or (f.name.endswith("_id") and base is int)))
    return tuple(out)


def abci_event(event: Event) -> Any:
    """NET-11: an sc4it event as an ABCI event: its class name as the type, each field an attribute
    whose value is JSON (bytes as 0x-hex), indexed as `event_keys` says."""
    t = abci_types()
    cls: type = type(event)
    attributes = [
        t.EventAttribute(key=key, value=json.dumps(_value_json(getattr(event, key))), index=indexed)
        for key, indexed in event_keys(cls)
    ]
    return t.Event(type=type(event).__name__, attributes=attributes)
