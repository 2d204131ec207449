"""The kernel's records built with plain stores (`sc4it.kernel.plain`): the same records as attrs' own
`__init__` builds (STATE-01: frozen values), only cheaper to make."""

from __future__ import annotations

import copy
import inspect
import pickle
from typing import Any

import attrs
import pytest

from sc4it.contracts.billing.cost import PolicyRates
from sc4it.contracts.billing.payment import Pricing
from sc4it.kernel import bridge_records, events, registry_types, tx, types
from sc4it.kernel.events import ContractBilled
from sc4it.kernel.plain import plain_builder, plain_records
from sc4it.kernel.types import (
    Contract,
    ContractBill,
    ContractPaymentState,
    Created,
    DiscountLevel,
    NodeContract,
)

MODULES = (types, registry_types, events, bridge_records, tx)


def _records() -> list[type]:
    return [
        v
        for m in MODULES
        for v in vars(m).values()
        if isinstance(v, type) and v.__module__ == m.__name__ and attrs.has(v)
    ]


def _is_plain(cls: type) -> bool:
    return vars(cls).get("__init__") is object.__init__


def test_the_kernel_records_are_plain() -> None:
    """STATE-01: every record of the kernel's data model with fields and nothing but stores in its
    `__init__` is built with plain stores; the others keep attrs' `__init__`."""
    plain = [cls for cls in _records() if _is_plain(cls)]
    assert ContractPaymentState in plain and Contract in plain and ContractBilled in plain
    assert len(plain) > 100
    kept = {cls.__name__ for cls in _records() if not _is_plain(cls)}
    assert "Touched" in kept  # a factory default: attrs' own `__init__`
    for cls in plain:
        assert "__weakref__" not in vars(cls)["__slots__"]
    assert _is_plain(Pricing) and _is_plain(PolicyRates)  # built once per block (BIL-10/BIL-11, BIL-30)


def test_a_plain_record_is_the_record_attrs_builds() -> None:
    """STATE-01: the same values, equality, hash, repr, signature, defaults and frozenness as attrs'
    `__init__` gives, by position and by keyword; copies, pickles and `attrs.evolve` work."""
    ps = ContractPaymentState(1, 2, 3, 4, 5, 6)
    assert type(ps) is ContractPaymentState
    assert attrs.astuple(ps) == (1, 2, 3, 4, 5, 6)
    assert ps == ContractPaymentState(
        standard_reserve=1,
        additional_reserve=2,
        standard_overdraft=3,
        additional_overdraft=4,
        last_updated_seconds=5,
        cycles=6,
    )
    assert hash(ps) == hash(ContractPaymentState(1, 2, 3, 4, 5, 6)) and ps != ContractPaymentState()
    assert ContractPaymentState() == ContractPaymentState(0, 0, 0, 0, 0, 0)
    assert repr(ps).startswith("ContractPaymentState(standard_reserve=1,")
    assert list(inspect.signature(ContractPaymentState).parameters) == [
        f.name for f in attrs.fields(ContractPaymentState)
    ]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ps.cycles = 7  # type: ignore[misc]
    with pytest.raises(TypeError):
        Contract(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ContractPaymentState(1, 2, 3, 4, 5, 6, 7)  # type: ignore[call-arg]
    for value in (
        ps,
        NodeContract(1, b"\x01" * 32, b"", 0, ()),
        Contract(4, Created(), 9, 3, NodeContract(1, b"\x01" * 32, b"", 0, ()), None),
        ContractBilled(ContractBill(9, 100, DiscountLevel.Gold, 5)),
    ):
        for twin in (copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
            assert twin == value and type(twin) is type(value)
    assert attrs.evolve(ps, cycles=9) == ContractPaymentState(1, 2, 3, 4, 5, 9)
    build = plain_builder(ContractPaymentState)  # what the record's `with_*` helpers call
    assert type(build(1, 2, 3, 4, 5, 6)) is ContractPaymentState and build(1, 2, 3, 4, 5, 6) == ps
    assert ps.with_cycles(9) == ContractPaymentState(1, 2, 3, 4, 5, 9)
    with pytest.raises(KeyError):
        plain_builder(tx.Touched)  # not plain (a factory default)


def test_a_record_with_a_weakref_slot_is_refused() -> None:
    """A class switch needs equal layouts: a record with a `__weakref__` slot must say so."""

    @attrs.frozen(slots=True)
    class Weak:
        a: int

    with pytest.raises(TypeError, match="weakref_slot=False"):
        plain_records({"__name__": __name__, "Weak": Weak})

    @attrs.frozen(slots=True, weakref_slot=False)
    class Checked:
        a: int = attrs.field(validator=attrs.validators.instance_of(int))

    plain_records({"__name__": __name__, "Checked": Checked})
    assert not _is_plain(Checked)
    with pytest.raises(TypeError):
        Checked("x")  # type: ignore[arg-type]
    values: Any = Checked(1)
    assert values.a == 1
