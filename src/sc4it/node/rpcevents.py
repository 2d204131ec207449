"""Event filters and the owners of removed contracts, for `sc4it_subscribeEvents` (spec/rpc.md, RPC-30,
RPC-31): which events a subscription delivers, and where each event of a block came from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs

from sc4it.block import BlockResults
from sc4it.kernel.events import (
    ContractCreated,
    Event,
    NameContractCanceled,
    NodeContractCanceled,
    RentContractCanceled,
)
from sc4it.kernel.types import Node as NodeRecord
from sc4it.kernel.types import Twin
from sc4it.node.jsoncodec import MAX_SAFE_INTEGER
from sc4it.node.rpcinput import INVALID_PARAMS, RpcError

_ID_FIELDS = {
    "contract": ("contract_id",),
    "node": ("node_id",),
    "twin": ("twin_id", "service_twin_id", "consumer_twin_id"),
}
_RECORD_IDS: dict[type, str] = {Twin: "twin", NodeRecord: "node"}
_FILTER_KEYS = ("twin", "node", "contract", "event", "from_block")
_REMOVALS = (NodeContractCanceled, NameContractCanceled, RentContractCanceled)
"""The events `remove_contract` emits (the only way a contract leaves the state)."""
REMOVED_OWNERS_KEPT = 14_400
"""RPC-30: for how many blocks (a day at 6 s) a removed contract's events still match its twin and node."""


def involved(value: Any, out: dict[str, set[int]] | None = None) -> dict[str, set[int]]:
    """RPC-30: the twins, nodes and contracts an event names, at any depth (fields `contract_id`,
    `node_id`, `twin_id`..., and the `id` of a Twin or Node record)."""
    out = {"twin": set(), "node": set(), "contract": set()} if out is None else out
    if not attrs.has(type(value)):
        return out
    own = _RECORD_IDS.get(type(value))
    for f in attrs.fields(type(value)):
        v = getattr(value, f.name)
        if type(v) is int:
            if own is not None and f.name == "id":
                out[own].add(v)
            for kind, names in _ID_FIELDS.items():
                if f.name in names:
                    out[kind].add(v)
        elif isinstance(v, tuple):
            for item in v:
                involved(item, out)
        else:
            involved(v, out)
    return out


@attrs.frozen(slots=True)
class EventFilter:
    """Which events a subscription delivers: all keys given must match (AND), each key any of its values
    (OR); no key: every event."""

    twins: frozenset[int] | None = None
    nodes: frozenset[int] | None = None
    contracts: frozenset[int] | None = None
    names: frozenset[str] | None = None

    def matches(self, event: Event, owner: Callable[[int], tuple[int, int] | None]) -> bool:
        """`owner(contract_id)` gives a contract's (twin, node): an event that names a contract involves
        its twin and its node too (RPC-30)."""
        if self.names is not None and type(event).__name__ not in self.names:
            return False
        if self.twins is None and self.nodes is None and self.contracts is None:
            return True
        ids = involved(event)
        if self.twins is not None or self.nodes is not None:
            for cid in ids["contract"]:
                found = owner(cid)
                if found is not None:
                    ids["twin"].add(found[0])
                    ids["node"].add(found[1])
        return all(
            want is None or not want.isdisjoint(ids[kind])
            for kind, want in (("twin", self.twins), ("node", self.nodes), ("contract", self.contracts))
        )


def parse_filter(x: Any, event_names: frozenset[str]) -> tuple[EventFilter, int | None]:
    """RPC-30: `{"twin", "node", "contract": id or [ids], "event": name or [names], "from_block": n}`."""
    if x is None:
        x = {}
    if not isinstance(x, dict):
        raise RpcError(INVALID_PARAMS, "filter: expected an object", {"param": "filter"})
    unknown = [k for k in x if k not in _FILTER_KEYS]
    if unknown:
        raise RpcError(
            INVALID_PARAMS, f"filter: unknown key {str(unknown[0])[:40]!r}; expected {list(_FILTER_KEYS)}"
        )

    def ids(key: str, bits: int) -> frozenset[int] | None:
        v = x.get(key)
        if v is None:
            return None
        items = v if isinstance(v, list) else [v]
        if not 1 <= len(items) <= 1000 or any(type(i) is not int or not 0 <= i < (1 << bits) for i in items):
            raise RpcError(INVALID_PARAMS, f"filter.{key}: expected a u{bits} or 1 to 1000 of them")
        return frozenset(items)

    names_raw = x.get("event")
    names: frozenset[str] | None = None
    if names_raw is not None:
        items = names_raw if isinstance(names_raw, list) else [names_raw]
        bad = [i for i in items if type(i) is not str or i not in event_names]
        if not items or bad:
            raise RpcError(INVALID_PARAMS, f"filter.event: unknown event name {str(bad[:1])[:60]}")
        names = frozenset(items)
    start = x.get("from_block")
    if start is not None and (type(start) is not int or not 0 <= start <= MAX_SAFE_INTEGER):
        raise RpcError(INVALID_PARAMS, "filter.from_block: expected a block number")
    return EventFilter(ids("twin", 32), ids("node", 32), ids("contract", 64), names), start


# ------------------------------------------------------------------------------------------------
# Connections and subscriptions


Owner = tuple[int, int]
"""A contract's (twin, node)."""


def remember_removed(
    removed: dict[int, tuple[Owner, int]],
    n: int,
    events: tuple[Event, ...],
    owner_before: Callable[[int, int], Owner | None],
) -> None:
    """RPC-30: add to `removed` (contract id -> (owner, removing block), oldest removal first) the owners
    of the contracts block `n` removed (from the block's own creations, else `owner_before(contract, n)`:
    the state before it), and forget those removed `REMOVED_OWNERS_KEPT` blocks ago or more: the map stays
    bounded by the removals of that window, whatever the node's uptime."""
    created: dict[int, Owner] = {}
    for event in events:
        if isinstance(event, ContractCreated):
            c = event.contract
            created[c.contract_id] = (c.twin_id, c.node_id())
        elif isinstance(event, _REMOVALS):
            cid = event.contract_id
            owner = created.get(cid) or owner_before(cid, n)
            if owner is not None:
                removed.pop(cid, None)  # a re-insertion goes last: the order stays by block
                removed[cid] = (owner, n)
    while removed:
        oldest = next(iter(removed))
        if removed[oldest][1] > n - REMOVED_OWNERS_KEPT:
            break
        del removed[oldest]


def block_events(results: BlockResults) -> Iterator[tuple[str, int | None, Event]]:
    """Every event of a block with where it came from: hooks first, then each call's (BLK-06 order)."""
    for e in results.hook_events:
        yield "hook", None, e
    for i, r in enumerate(results.receipts):
        for e in r.events:
            yield "call", i, e
