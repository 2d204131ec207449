"""`Tx`: the working view a handler reads and writes; committed into a new `State` or discarded.

Because every map is persistent, a write is a functional update of the map held by the `Tx`; nothing is
shared-mutable, so discarding a `Tx` (on `Fail`) leaves the input state exactly as it was, and committing
builds the new `State` from the changed fields only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import attrs
import immutables

from sc4it.kernel.bridge_records import BurnTransaction, MintTransaction
from sc4it.kernel.plain import plain_records
from sc4it.kernel.pmap import LazyPMap, LazyValue, PMap, PSet, raw_map, resolve, wrap_lazy, wrap_map
from sc4it.kernel.schema import U64
from sc4it.kernel.state import Config, State, state_builder
from sc4it.kernel.types import (
    AccountInfo,
    Contract,
    ContractBillingInformation,
    ContractPaymentState,
    ContractResources,
    DistributionPolicy,
    Farm,
    Node,
    NodePower,
    PricingPolicy,
    Roles,
    ServiceContract,
    SolutionProvider,
    TftPrice,
    Twin,
    TwinTransferRequest,
)

if TYPE_CHECKING:
    from sc4it.kernel.events import Event

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


@attrs.frozen(slots=True, weakref_slot=False)
class BlockEnv:
    """What the host tells the core about the block being built: its number and timestamp (ms)."""

    number: U64
    timestamp: U64

    @property
    def now(self) -> int:
        """Seconds, as TFChain derives them: the timestamp in ms divided by 1000."""
        return self.timestamp // 1000


class MapView(Generic[K, V]):
    """A handler's read/write view of one storage map (created by `Tx` on first use).

    The view works on the `immutables.Map` inside the `PMap` (`PMap` is a thin adapter over it,
    sc4it.kernel.pmap) and wraps the result in a `PMap` again only when asked (`current`, `commit`): a read is
    then one C call (`get` is the map's own bound method) and a write one C call plus bookkeeping.

    `written` is the set of keys set or deleted through this view (see `Tx.touched`): a superset of the
    keys whose value differs from the base map, which an incremental commitment folds in
    (`sc4it.kernel.commitment`). Recording a key is one set insertion; nothing is hashed on a write."""

    __slots__ = ("_dirty_names", "_m", "_pmap", "dirty", "get", "name", "written")

    # Set by `_MapField.__get__`, the one place a view is created (no `__init__`: it is on every call's
    # path, and a handler opens a dozen views).
    name: str
    get: Callable[[K], V | None]
    """The current map's own bound `get` (a read is one C call)."""
    dirty: bool
    """Written since the view was created (or last rolled back to a point before its first write)."""
    written: set[K]
    _m: immutables.Map[K, V]
    _pmap: PMap[K, V] | None
    """The `PMap` of `_m` once made (the base `PMap` itself while nothing was written)."""
    _dirty_names: list[str]
    """The Tx's list of written views: names, not views, so a Tx and its views form no cycle."""

    @property
    def current(self) -> PMap[K, V]:
        """The map as this transaction sees it (the very base `PMap` while nothing was written)."""
        pm = self._pmap
        if pm is None:
            pm = self._pmap = wrap_map(self._m)
        return pm

    def __getitem__(self, key: K) -> V:
        return self._m[key]

    def __contains__(self, key: object) -> bool:
        return key in self._m

    def __len__(self) -> int:
        return len(self._m)

    def items(self) -> Iterator[tuple[K, V]]:
        return iter(self._m.items())

    def _replace(self, m: immutables.Map[K, V]) -> None:
        """Make `m` the current map (a write); the first write enlists the view in its Tx's dirty list."""
        self._m = m
        self._pmap = None
        self.get = m.get
        if not self.dirty:
            self._enlist()

    def _enlist(self) -> None:
        """The first write (since the view was created or rolled back): join the Tx's dirty views."""
        self.dirty = True
        self._dirty_names.append(self.name)
        if self.written is _NO_KEYS:
            self.written = set()

    def _restore(self, m: immutables.Map[K, V], pmap: PMap[K, V] | None, dirty: bool) -> None:
        self._m = m
        self._pmap = pmap
        self.get = m.get
        self.dirty = dirty

    def __setitem__(self, key: K, value: V) -> None:
        m = self._m = self._m.set(key, value)  # `_replace`, inlined: the most frequent write
        self._pmap = None
        self.get = m.get
        if self.dirty:
            self.written.add(key)
            return
        self.dirty = True  # `_enlist`, inlined
        self._dirty_names.append(self.name)
        if self.written is _NO_KEYS:
            self.written = {key}
        else:
            self.written.add(key)

    def __delitem__(self, key: K) -> None:
        """Remove `key` (removing a missing key changes nothing, as `PMap.delete`)."""
        m = self._m
        self._replace(m.delete(key) if key in m else m)
        self.written.add(key)

    def pop(self, key: K) -> V | None:
        value = self._m.get(key)
        if value is not None:
            self._replace(self._m.delete(key))
            self.written.add(key)
        return value


def _resolving_get(get: Callable[[K], V | None]) -> Callable[[K], V | None]:
    """A map's `get` that returns the record a `LazyValue` stands for (NODE-15)."""

    def lazy_get(key: K) -> V | None:
        v = get(key)
        return v.value() if v.__class__ is LazyValue else v

    return lazy_get


class LazyMapView(MapView[K, V]):
    """The view of a `LazyPMap` (a map reloaded from a store whose values are decoded on first read,
    NODE-15): the same as `MapView`, but every read returns decoded records and the map it makes is a
    `LazyPMap` again. Rule code cannot tell the two apart."""

    __slots__ = ()

    @property
    def current(self) -> PMap[K, V]:
        pm = self._pmap
        if pm is None:
            pm = self._pmap = wrap_lazy(self._m)
        return pm

    def __getitem__(self, key: K) -> V:
        return resolve(self._m[key])  # type: ignore[no-any-return]

    def items(self) -> Iterator[tuple[K, V]]:
        return ((k, resolve(v)) for k, v in self._m.items())

    def _replace(self, m: immutables.Map[K, V]) -> None:
        super()._replace(m)
        self.get = _resolving_get(m.get)

    def _restore(self, m: immutables.Map[K, V], pmap: PMap[K, V] | None, dirty: bool) -> None:
        super()._restore(m, pmap, dirty)
        self.get = _resolving_get(m.get)

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.get = _resolving_get(self._m.get)

    def pop(self, key: K) -> V | None:
        value = self.get(key)
        if value is not None:
            self._replace(self._m.delete(key))
            self.written.add(key)
        return value


_UNSET: Any = object()
"""A scalar not written by the transaction (the value read is the base's)."""

_NO_KEYS: Any = frozenset()
"""`MapView.written` of a view never written (shared, never added to)."""


class _MapField(Generic[K, V]):
    """Descriptor: `tx.twins` is the (lazily created) `MapView` of `State.twins`.

    A non-data descriptor: the view it creates is stored in the instance `__dict__` (which is the
    `Tx._views` registry), so every later `tx.twins` is a plain attribute read that skips this method."""

    __slots__ = ("name",)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, tx: None, owner: type) -> _MapField[K, V]: ...
    @overload
    def __get__(self, tx: Tx, owner: type) -> MapView[K, V]: ...
    def __get__(self, tx: Tx | None, owner: type) -> MapView[K, V] | _MapField[K, V]:
        if tx is None:
            return self
        # Only reached on the first access: afterwards the instance dict answers (see the class docstring).
        # The one place a `MapView` is made (it has no `__init__`: a handler opens a dozen views).
        # (Calling the class is cheaper than `object.__new__(cls)`: neither class has `__init__`.)
        name = self.name
        base = getattr(tx.base, name)
        view: MapView[K, V]
        if base.__class__ is LazyPMap:
            view = LazyMapView()
            view.get = _resolving_get(base._m.get)
        else:
            view = MapView()
            view.get = base._m.get
        view._m = base._m  # `raw_map(base)`, inlined
        view.name = name
        view._pmap = base
        view.dirty = False
        view._dirty_names = tx._dirty_names
        view.written = _NO_KEYS
        tx._views[name] = view
        return view


class _ScalarField(Generic[T]):
    """Descriptor: `tx.contract_id` reads the working value; assigning records a change."""

    __slots__ = ("name",)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, tx: None, owner: type) -> _ScalarField[T]: ...
    @overload
    def __get__(self, tx: Tx, owner: type) -> T: ...
    def __get__(self, tx: Tx | None, owner: type) -> T | _ScalarField[T]:
        if tx is None:
            return self
        scalars = tx._scalars
        if scalars:
            value = scalars.get(self.name, _UNSET)
            if value is not _UNSET:
                return value  # type: ignore[no-any-return]
        return getattr(tx.base, self.name)  # type: ignore[no-any-return]

    def __set__(self, tx: Tx, value: T) -> None:
        tx._scalars[self.name] = value


class Tx:
    """Working state of one call (or one sub-step of a block); see module docstring."""

    # the maps, named as in `State`
    accounts: _MapField[bytes, AccountInfo] = _MapField()
    twins: _MapField[int, Twin] = _MapField()
    twin_id_by_account_id: _MapField[bytes, int] = _MapField()
    twin_bounded_account_id: _MapField[int, bytes] = _MapField()
    farms: _MapField[int, Farm] = _MapField()
    farm_id_by_name: _MapField[bytes, int] = _MapField()
    nodes: _MapField[int, Node] = _MapField()
    node_id_by_twin_id: _MapField[int, int] = _MapField()
    nodes_by_farm_id: _MapField[int, PSet[int]] = _MapField()
    node_power: _MapField[int, NodePower] = _MapField()
    pricing_policies: _MapField[int, PricingPolicy] = _MapField()
    pricing_policy_id_by_name: _MapField[bytes, int] = _MapField()
    contracts: _MapField[int, Contract] = _MapField()
    contract_billing_information_by_id: _MapField[int, ContractBillingInformation] = _MapField()
    node_contract_resources: _MapField[int, ContractResources] = _MapField()
    contract_id_by_node_id_and_hash: _MapField[tuple[int, bytes], int] = _MapField()
    active_node_contracts: _MapField[int, PSet[int]] = _MapField()
    contracts_to_bill_at: _MapField[int, PSet[int]] = _MapField()
    contract_payment_state: _MapField[int, ContractPaymentState] = _MapField()
    contract_id_by_name_registration: _MapField[bytes, int] = _MapField()
    active_rent_contract_for_node: _MapField[int, int] = _MapField()
    solution_providers: _MapField[int, SolutionProvider] = _MapField()
    service_contracts: _MapField[int, ServiceContract] = _MapField()
    dedicated_nodes_extra_fee: _MapField[int, int] = _MapField()
    deployed_contracts: _MapField[int, int] = _MapField()
    twin_transfer_requests: _MapField[int, TwinTransferRequest] = _MapField()
    pending_transfer_by_twin: _MapField[int, int] = _MapField()
    node_v3_billing_opt_out: _MapField[int, int] = _MapField()
    node_v3_opt_out_metadata: _MapField[int, bytes] = _MapField()
    mint_transactions: _MapField[bytes, MintTransaction] = _MapField()
    executed_mint_transactions: _MapField[bytes, MintTransaction] = _MapField()
    burn_transactions: _MapField[int, BurnTransaction] = _MapField()
    executed_burn_transactions: _MapField[int, BurnTransaction] = _MapField()

    # the scalars
    total_issuance: _ScalarField[int] = _ScalarField()
    minted: _ScalarField[int] = _ScalarField()
    burned: _ScalarField[int] = _ScalarField()
    twin_id: _ScalarField[int] = _ScalarField()
    farm_id: _ScalarField[int] = _ScalarField()
    node_id: _ScalarField[int] = _ScalarField()
    pricing_policy_id: _ScalarField[int] = _ScalarField()
    tft_price: _ScalarField[TftPrice] = _ScalarField()
    contract_id: _ScalarField[int] = _ScalarField()
    solution_provider_id: _ScalarField[int] = _ScalarField()
    service_contract_id: _ScalarField[int] = _ScalarField()
    billing_frequency: _ScalarField[int] = _ScalarField()
    distribution_policy: _ScalarField[DistributionPolicy] = _ScalarField()
    twin_transfer_request_id: _ScalarField[int] = _ScalarField()
    allowed_twin_admins: _ScalarField[PSet[bytes]] = _ScalarField()
    roles: _ScalarField[Roles] = _ScalarField()
    fee_account: _ScalarField[bytes | None] = _ScalarField()
    withdraw_fee: _ScalarField[int] = _ScalarField()
    deposit_fee: _ScalarField[int] = _ScalarField()
    burn_transaction_id: _ScalarField[int] = _ScalarField()

    __slots__ = (
        "__dict__",
        "_dirty_names",
        "_scalars",
        "_views",
        "base",
        "block",
        "config",
        "emit",
        "env",
        "events",
        "now",
        "who",
    )

    base: State
    config: Config
    env: BlockEnv
    now: int
    """`env.now`: seconds, the block's timestamp in ms divided by 1000 (read-only)."""
    block: int
    """`env.number` (read-only)."""
    who: bytes
    events: list[Event]
    emit: Callable[[Event], None]
    """`events.append` (read-only): record an event."""
    _views: dict[str, MapView[Any, Any]]
    _dirty_names: list[str]
    """The names of the views written to, in the order of their first write."""
    _scalars: dict[str, Any]

    def __new__(cls, base: State, env: BlockEnv, who: bytes = bytes(32)) -> Tx:
        # Built as a `_TxFields` (the same layout without the guard of `__setattr__`, so these are plain,
        # specialized stores) and then made a `Tx` by a `__class__` switch, as `evolve_state` builds a
        # `State`: a Tx is made for every call.
        tx: Tx = _TxFields()  # type: ignore[assignment]
        tx.base = base
        tx.config = base.config
        tx.env = env
        tx.now = env.now  # slots, not properties: rules read them often
        tx.block = env.number
        tx.who = who
        events: list[Event] = []
        tx.events = events
        tx.emit = events.append  # a slot, not a method: one call frame less per event
        # The views live in the instance dict (see `_MapField`); it holds nothing else.
        tx._views = tx.__dict__
        tx._dirty_names = []
        tx._scalars = {}
        tx.__class__ = cls
        return tx  # (`Tx(...)` then calls `object.__init__`, a C no-op)

    def __setattr__(self, name: str, value: Any) -> None:
        """STATE-08: only the transaction's own attributes and the state's fields can be assigned; a
        mistyped field name raises instead of being silently lost at commit."""
        if name not in _ASSIGNABLE:
            raise AttributeError(f"Tx has no state field {name!r}")
        object.__setattr__(self, name, value)

    def _dirty(self) -> list[MapView[Any, Any]]:
        """The views written to, in the order of their first write."""
        views = self._views
        return [views[name] for name in self._dirty_names]

    def fork(self) -> Tx:
        """A child transaction over this one's current state (same block, same caller), for a sub-step
        that must be all-or-nothing inside a larger call; keep it with `absorb` or drop it."""
        return Tx(self.commit(), self.env, self.who)

    def absorb(self, child: Tx) -> None:
        """Adopt the writes and events of `child`, which must come from `self.fork()` with no write to
        `self` in between."""
        assert child.env is self.env and child.who == self.who, "absorb only a fork of this transaction"
        for view in child._dirty():
            own: MapView[Any, Any] = getattr(self, view.name)
            own._replace(view._m)
            own.written |= view.written
        self._scalars.update(child._scalars)
        self.events.extend(child.events)

    def savepoint(self) -> Savepoint:
        """A mark to `rollback` to: the writes and events made after it can be dropped while those
        before it stay. Cheap (the maps are persistent: it keeps references to the maps written so far,
        copies no map); used for the atomic steps of a block hook (one per contract billed, BIL-03)."""
        return Savepoint(
            [self._views[name]._m for name in self._dirty_names],
            dict(self._scalars) if self._scalars else None,
            len(self.events),
        )

    def rollback(self, mark: Savepoint) -> None:
        """Drop every write and event made since `mark` (taken on this Tx; usable once). The keys
        written meanwhile stay in `touched()`, which is a superset of the keys changed."""
        dirty = self._dirty()
        kept = len(mark.maps)
        assert kept <= len(dirty) and mark.events <= len(self.events), "a savepoint of this transaction"
        for view in dirty[kept:]:  # first written after the mark: back to the base map
            base = getattr(self.base, view.name)
            view._restore(raw_map(base), base, False)
        del self._dirty_names[kept:]
        for view, m in zip(dirty, mark.maps, strict=False):
            view._restore(m, None, True)
        self._scalars = {} if mark.scalars is None else mark.scalars
        del self.events[mark.events :]

    def touched(self) -> Touched:
        """The map keys and scalar fields written through this Tx (see `Touched`). The key sets are the
        transaction's own (not copied): take them once the transaction is done, as `apply` and
        `on_block` do."""
        views = self._views
        return self._touched({name: views[name].written for name in self._dirty_names})

    def _touched(self, written: dict[str, AbstractSet[Any]]) -> Touched:
        scalars = self._scalars
        return touched_of(written, frozenset(scalars) if scalars else _NO_KEYS)

    def commit(self) -> State:
        """The state with this transaction's writes applied (the base if nothing changed)."""
        return self._commit(None)

    def finish(self) -> tuple[State, Touched]:
        """`(commit(), touched())` in one pass over the views written: what `apply` and `on_block`
        return. (`touched()`'s key sets are the transaction's own: finish the transaction once.)"""
        if not self._dirty_names and not self._scalars:
            return self.base, NOTHING_TOUCHED
        written: dict[str, AbstractSet[Any]] = {}
        state = self._commit(written)
        return state, self._touched(written)

    def _commit(self, written: dict[str, AbstractSet[Any]] | None) -> State:
        """`commit()`; also fills `written` (if given) with the keys written per map, as `touched()`."""
        names, scalars = self._dirty_names, self._scalars
        if not names and not scalars:
            return self.base
        views = self._views
        values: list[Any] = []
        for name in names:
            view = views[name]
            pm = view._pmap  # `view.current`, inlined
            if pm is None:
                wrap = wrap_lazy if view.__class__ is LazyMapView else wrap_map
                pm = view._pmap = wrap(view._m)
            values.append(pm)
            if written is not None:
                written[name] = view.written
        if scalars:
            values.extend(scalars.values())
            return state_builder((*names, *scalars))(self.base, *values)
        # = attrs.evolve(self.base, **dict(zip(names, values))), faster (`evolve_state`)
        return state_builder(tuple(names))(self.base, *values)


class _TxFields:
    """`Tx`'s slots, filled without its `__setattr__` guard (see `Tx.__new__`); never used as such."""

    __slots__ = Tx.__slots__  # (their types are `Tx`'s: `Tx.__new__` makes this object a `Tx`)


@attrs.frozen(slots=True, weakref_slot=False)
class Savepoint:
    """A mark taken by `Tx.savepoint`: the map of each view written so far (in the order of the
    transaction's dirty views), a copy of the scalars written so far (None: none), the event count."""

    maps: list[immutables.Map[Any, Any]]
    scalars: dict[str, Any] | None
    events: int


@attrs.frozen(slots=True, weakref_slot=False)
class Touched:
    """What a transaction may have changed (CMT-08): for each map written, the keys set or deleted, and
    the names of the scalar fields assigned (and not rolled back). Every field or key not listed is
    unchanged (the converse need not hold: a key written back with its old value, or written by a
    rolled-back step, may be listed).

    `sc4it.kernel.commitment` folds it into an incremental state commitment in O(len(touched)). Merge the
    `Touched` of consecutive transactions with `|`. (No `__weakref__` slot: `touched_of` relies on the
    slots being exactly the fields.)"""

    maps: dict[str, AbstractSet[Any]] = attrs.field(factory=dict)
    scalars: frozenset[str] = frozenset()

    def __or__(self, other: Touched) -> Touched:
        maps = dict(self.maps)
        for name, keys in other.maps.items():
            mine = maps.get(name)
            maps[name] = keys if mine is None else mine | keys
        return Touched(maps, self.scalars | other.scalars)

    def __len__(self) -> int:
        return sum(len(keys) for keys in self.maps.values()) + len(self.scalars)


class _ThawedTouched:
    """`Touched`'s slot layout without its frozen `__setattr__` (see `touched_of`)."""

    __slots__ = Touched.__slots__


def touched_of(maps: dict[str, AbstractSet[Any]], scalars: frozenset[str]) -> Touched:
    """`Touched(maps, scalars)` at a fraction of the cost (one per transaction): filled with plain
    stores, then made a `Touched` by a `__class__` switch, as `evolve_state` builds a `State`."""
    t: Touched = _ThawedTouched()  # type: ignore[assignment]
    t.maps = maps  # type: ignore[misc]
    t.scalars = scalars  # type: ignore[misc]
    t.__class__ = Touched
    return t


NOTHING_TOUCHED = Touched()

_ASSIGNABLE: frozenset[str] = frozenset(
    (*Tx.__slots__, *(name for name, attr in vars(Tx).items() if isinstance(attr, _ScalarField | _MapField)))
) - {"now", "block", "emit"}
"""The names `Tx.__setattr__` accepts: its own slots but `now`, `block` (taken from `env`) and `emit`,
and the state's fields (STATE-08)."""


Handler = Callable[["Tx", Any], None]
"""A call handler: reads and writes through the transaction, raises `Fail` to abort (STATE-08)."""


def merge_handlers(*tables: Mapping[type, Handler]) -> dict[type, Handler]:
    """One dispatch table from the tables of the pallet's parts; a call handled twice is a programming
    error (SIG-14)."""
    merged: dict[type, Handler] = {}
    for table in tables:
        overlap = merged.keys() & table.keys()
        if overlap:
            raise RuntimeError(f"calls handled twice: {sorted(t.__name__ for t in overlap)}")
        merged.update(table)
    return merged


plain_records(globals())  # records built with plain stores (sc4it.kernel.plain)
