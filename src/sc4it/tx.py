"""`Tx`: the working view a handler reads and writes; committed into a new `State` or discarded.

Because every map is persistent, a write is a functional update of the map held by the `Tx`; nothing is
shared-mutable, so discarding a `Tx` (on `Fail`) leaves the input state exactly as it was, and committing
builds the new `State` from the changed fields only.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import attrs

from .pmap import PMap, PSet
from .schema import U64
from .state import STATE_FIELDS, Config, State
from .types import (
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
    ServiceContract,
    SolutionProvider,
    TftPrice,
    Twin,
)

if TYPE_CHECKING:
    from .events import Event

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


@attrs.frozen(slots=True)
class BlockEnv:
    """What the host tells the core about the block being built: its number and timestamp (ms)."""

    number: U64
    timestamp: U64

    @property
    def now(self) -> int:
        """Seconds, as TFChain derives them: the timestamp in ms divided by 1000."""
        return self.timestamp // 1000


class MapView(Generic[K, V]):
    """A handler's read/write view of one storage map."""

    __slots__ = ("_m", "dirty")

    def __init__(self, m: PMap[K, V]) -> None:
        self._m = m
        self.dirty = False

    @property
    def current(self) -> PMap[K, V]:
        return self._m

    def get(self, key: K) -> V | None:
        return self._m.get(key)

    def __getitem__(self, key: K) -> V:
        return self._m[key]

    def __contains__(self, key: object) -> bool:
        return key in self._m

    def __len__(self) -> int:
        return len(self._m)

    def items(self) -> Iterator[tuple[K, V]]:
        return self._m.items()

    def __setitem__(self, key: K, value: V) -> None:
        self._m = self._m.set(key, value)
        self.dirty = True

    def __delitem__(self, key: K) -> None:
        self._m = self._m.delete(key)
        self.dirty = True

    def pop(self, key: K) -> V | None:
        value = self._m.get(key)
        if value is not None:
            self._m = self._m.delete(key)
            self.dirty = True
        return value


class _MapField(Generic[K, V]):
    """Descriptor: `tx.twins` is the (lazily created) `MapView` of `State.twins`."""

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
        views = tx._views
        view = views.get(self.name)
        if view is None:
            view = MapView(getattr(tx.base, self.name))
            views[self.name] = view
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
        if self.name in tx._scalars:
            return tx._scalars[self.name]  # type: ignore[no-any-return]
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

    __slots__ = ("_scalars", "_views", "base", "config", "env", "events", "who")

    def __init__(self, base: State, env: BlockEnv, who: bytes = bytes(32)) -> None:
        self.base = base
        self.config: Config = base.config
        self.env = env
        self.who = who
        self.events: list[Event] = []
        self._views: dict[str, MapView[Any, Any]] = {}
        self._scalars: dict[str, Any] = {}

    @property
    def now(self) -> int:
        return self.env.timestamp // 1000

    @property
    def block(self) -> int:
        return self.env.number

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def fork(self) -> Tx:
        """A child transaction over this one's current state (same block, same caller), for a sub-step
        that must be all-or-nothing inside a larger call; keep it with `absorb` or drop it."""
        return Tx(self.commit(), self.env, self.who)

    def absorb(self, child: Tx) -> None:
        """Adopt the writes and events of `child`, which must come from `self.fork()` with no write to
        `self` in between."""
        for name, view in child._views.items():
            if view.dirty:
                self._views[name] = view
        self._scalars.update(child._scalars)
        self.events.extend(child.events)

    def commit(self) -> State:
        """The state with this transaction's writes applied (the base if nothing changed)."""
        values: list[Any] | None = None
        for name, view in self._views.items():
            if view.dirty:
                if values is None:
                    values = list(_all_fields(self.base))
                values[_FIELD_INDEX[name]] = view.current
        if self._scalars:
            if values is None:
                values = list(_all_fields(self.base))
            for name, value in self._scalars.items():
                values[_FIELD_INDEX[name]] = value
        if values is None:
            return self.base
        # The constructor with every field is ~2x faster than attrs.evolve on this 45-field class.
        return State(*values)


_all_fields = operator.attrgetter(*STATE_FIELDS)
_FIELD_INDEX = {name: i for i, name in enumerate(STATE_FIELDS)}
