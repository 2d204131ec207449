"""Persistent maps and sets: the only collection types stored in a `State`.

`PMap` and `PSet` are thin adapters over `immutables.Map` (a HAMT): every update returns a new map in
O(log n) and shares the rest of the structure with the old one, so no call ever copies the whole state.
They exist so the backing structure could be swapped without touching the domain code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

import immutables

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class PMap(Generic[K, V]):
    """An immutable mapping with O(log n) functional updates."""

    __slots__ = ("_m",)

    def __init__(self, items: Iterable[tuple[K, V]] | immutables.Map[K, V] = ()) -> None:
        if isinstance(items, immutables.Map):
            self._m: immutables.Map[K, V] = items
        else:
            self._m = immutables.Map(items)

    def get(self, key: K) -> V | None:
        return self._m.get(key)

    def getter(self) -> Callable[[K], V | None]:
        """`get`, for a loop of lookups: here the backing map's own bound `get` (a lookup is one C call)."""
        return self._m.get

    def __getitem__(self, key: K) -> V:
        return self._m[key]

    def __contains__(self, key: object) -> bool:
        return key in self._m

    def __len__(self) -> int:
        return len(self._m)

    def __iter__(self) -> Iterator[K]:
        return iter(self._m)

    def items(self) -> Iterator[tuple[K, V]]:
        return iter(self._m.items())

    def keys(self) -> Iterator[K]:
        return iter(self._m.keys())

    def values(self) -> Iterator[V]:
        return iter(self._m.values())

    def set(self, key: K, value: V) -> PMap[K, V]:
        return wrap_map(self._m.set(key, value))

    def delete(self, key: K) -> PMap[K, V]:
        """Remove `key`; removing a missing key returns the same map."""
        if key not in self._m:
            return self
        return wrap_map(self._m.delete(key))

    def update_many(self, sets: Iterable[tuple[K, V]] = (), deletes: Iterable[K] = ()) -> PMap[K, V]:
        """Apply many writes in one batch (used when building large worlds)."""
        with self._m.mutate() as mm:
            for k, v in sets:
                mm[k] = v
            for k in deletes:
                if k in mm:
                    del mm[k]
            result = mm.finish()
        return PMap(result)

    def sorted_items(self, key: Callable[[K], Any] | None = None) -> list[tuple[K, V]]:
        if key is None:
            return sorted(self._m.items(), key=lambda kv: kv[0])  # type: ignore[arg-type, return-value]
        return sorted(self._m.items(), key=lambda kv: key(kv[0]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PMap) and self._m == other._m

    def __hash__(self) -> int:
        return hash(self._m)

    def __repr__(self) -> str:
        return f"PMap({dict(self._m.items())!r})"


class LazyValue:
    """A map value kept as its stored canonical encoding until first read (spec/node.md NODE-15).

    `value()` decodes it once with `decode` and keeps the record; a `LazyPMap` (and a `Tx` view of one)
    hands out only that record, so rule code never sees a `LazyValue`. It equals, and hashes as, its
    value. Safe to read from several threads: a racing second decode yields an equal record."""

    __slots__ = ("_data", "_decode", "_value")

    def __init__(self, data: bytes, decode: Callable[[bytes], Any]) -> None:
        self._data: bytes | None = data
        self._decode = decode
        self._value: Any = _UNREAD

    def value(self) -> Any:
        v = self._value
        if v is _UNREAD:
            data = self._data
            if data is None:  # another thread decoded it meanwhile (it sets `_value` first)
                return self._value
            v = self._value = self._decode(data)
            self._data = None
        return v

    def __eq__(self, other: object) -> bool:
        if other.__class__ is LazyValue:
            other = other.value()
        return bool(self.value() == other)

    def __hash__(self) -> int:
        return hash(self.value())

    def __reduce__(self) -> tuple[Any, ...]:
        return _same, (self.value(),)  # pickled (or copied) as the record itself

    def __repr__(self) -> str:
        return f"LazyValue({self.value()!r})"


_UNREAD: Any = object()


def _same(v: T) -> T:
    return v


def resolve(v: Any) -> Any:
    """`v`, or the record a `LazyValue` `v` stands for."""
    return v.value() if v.__class__ is LazyValue else v


class LazyPMap(PMap[K, V]):
    """A `PMap` whose values may be `LazyValue`s (a state reloaded from a store, NODE-15): every
    accessor returns decoded records, and every update returns a `LazyPMap` again. Equal to the `PMap`
    of the same records."""

    __slots__ = ()

    def get(self, key: K) -> V | None:
        v = self._m.get(key)
        return v.value() if v.__class__ is LazyValue else v

    def getter(self) -> Callable[[K], V | None]:
        return self.get  # values are decoded on the way

    def __getitem__(self, key: K) -> V:
        v = self._m[key]
        return v.value() if v.__class__ is LazyValue else v  # type: ignore[attr-defined]

    def items(self) -> Iterator[tuple[K, V]]:
        return ((k, resolve(v)) for k, v in self._m.items())

    def values(self) -> Iterator[V]:
        return (resolve(v) for v in self._m.values())

    def set(self, key: K, value: V) -> PMap[K, V]:
        return wrap_lazy(self._m.set(key, value))

    def delete(self, key: K) -> PMap[K, V]:
        if key not in self._m:
            return self
        return wrap_lazy(self._m.delete(key))

    def update_many(self, sets: Iterable[tuple[K, V]] = (), deletes: Iterable[K] = ()) -> PMap[K, V]:
        return wrap_lazy(raw_map(super().update_many(sets, deletes)))

    def sorted_items(self, key: Callable[[K], Any] | None = None) -> list[tuple[K, V]]:
        if key is None:
            return sorted(self.items(), key=lambda kv: kv[0])  # type: ignore[arg-type, return-value]
        return sorted(self.items(), key=lambda kv: key(kv[0]))

    def __repr__(self) -> str:
        return f"PMap({dict(self.items())!r})"


class PSet(Generic[T]):
    """An immutable set with O(log n) functional updates."""

    __slots__ = ("_m",)

    def __init__(self, items: Iterable[T] | immutables.Map[T, bool] = ()) -> None:
        if isinstance(items, immutables.Map):
            self._m: immutables.Map[T, bool] = items
        else:
            self._m = immutables.Map((i, True) for i in items)

    def __contains__(self, item: object) -> bool:
        return item in self._m

    def __len__(self) -> int:
        return len(self._m)

    def __iter__(self) -> Iterator[T]:
        return iter(self._m)

    def add(self, item: T) -> PSet[T]:
        m = self._m
        if item in m:
            return self
        return _pset_of(m.set(item, True))

    def discard(self, item: T) -> PSet[T]:
        m = self._m
        if item not in m:
            return self
        return _pset_of(m.delete(item))

    def sorted(self) -> list[T]:
        return sorted(self._m)  # type: ignore[type-var]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PSet) and self._m == other._m

    def __hash__(self) -> int:
        return hash(self._m)

    def __repr__(self) -> str:
        return f"PSet({self.sorted()!r})"


_new = object.__new__


def wrap_map(m: immutables.Map[K, V]) -> PMap[K, V]:
    """`PMap(m)` without the constructor's type dispatch (`m` is known to be an `immutables.Map`).

    `wrap_map` and `raw_map` are for `sc4it.kernel.tx`, whose views work on the `immutables.Map` directly: the
    only code outside this module that relies on `PMap` being a one-slot adapter (it also inlines
    `raw_map` where a view is created)."""
    p: PMap[K, V] = _new(PMap)
    p._m = m
    return p


def wrap_lazy(m: immutables.Map[K, V]) -> PMap[K, V]:
    """`LazyPMap` of `m` (as `wrap_map`; `m` may hold `LazyValue`s)."""
    p: PMap[K, V] = _new(LazyPMap)
    p._m = m
    return p


def _pset_of(m: immutables.Map[T, bool]) -> PSet[T]:
    """`PSet(m)` without the constructor's type dispatch (as `wrap_map`)."""
    s: PSet[T] = _new(PSet)
    s._m = m
    return s


def raw_map(p: PMap[K, V]) -> immutables.Map[K, V]:
    """The `immutables.Map` a `PMap` adapts (see `wrap_map`)."""
    return p._m


# --------------------------------------------------------------------------------------------------
# Index maps: a map of sets, as a transaction's view offers it

K_contra = TypeVar("K_contra", contravariant=True)


class IndexMap(Protocol[K_contra, V]):
    """A writable map of sets, as a `Tx` view offers it (`tx.active_node_contracts`, ...)."""

    def get(self, key: K_contra) -> PSet[V] | None: ...
    def __setitem__(self, key: K_contra, value: PSet[V]) -> None: ...
    def __delitem__(self, key: K_contra) -> None: ...


def index_add(index: IndexMap[K, V], key: K, item: V) -> None:
    """Add `item` to the set at `key` (created when missing; nothing is written if already there)."""
    items = index.get(key)
    if items is None:
        index[key] = PSet((item,))
    elif item not in items:
        index[key] = items.add(item)


def index_discard(index: IndexMap[K, V], key: K, item: V) -> bool:
    """Drop `item` from the set at `key`; the key goes when its set empties. Returns whether it was there."""
    items = index.get(key)
    if items is None or item not in items:
        return False
    rest = items.discard(item)
    if len(rest):
        index[key] = rest
    else:
        del index[key]
    return True
