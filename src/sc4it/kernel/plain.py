"""Records built with plain stores: the kernel's one fast path for making its frozen records.

attrs' frozen `__init__` sets each field through `object.__setattr__` (a C call through a method
wrapper, about 1 k instructions a field), and a call or a bill makes a handful of records (a contract,
its payment state, an account, the events): ~7 k instructions for a six-field record. `plain_records`
gives each record class of a module a `__new__` that fills a slot-for-slot twin of the class (the same
layout without the frozen `__setattr__`) with plain stores and then switches its class, as
`evolve_state` builds a `State` (~3 k). The signature, the defaults and the record made are attrs'
own, so rule code cannot tell: `Contract(...)`, `attrs.evolve`, `==`, hashing, copying and pickling
are as before. A class whose construction does more than store its arguments (validators, converters,
factories, `__attrs_post_init__`, ...) keeps attrs' `__init__`.

A class switch needs the two layouts to be equal, which CPython refuses for a slotted class with a
`__weakref__` slot: such records are declared `attrs.frozen(slots=True, weakref_slot=False)` (a
`Variant` member gets its weak-reference slot from `Variant`, so it needs nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

T = TypeVar("T")


def plain_records(namespace: Mapping[str, Any]) -> None:
    """Give every attrs record class defined in the module of `namespace` (its `globals()`) the plain
    `__new__` above; called once at the end of the module."""
    module = namespace["__name__"]
    for value in list(namespace.values()):
        if isinstance(value, type) and value.__module__ == module and attrs.has(value):
            _make_plain(value)


_BUILDERS: dict[type, Callable[..., Any]] = {}


def plain_builder(cls: type[T]) -> Callable[..., T]:
    """`build(*fields)`: `cls(*fields)` (every field given, in order) without the type call and the
    `__new__` frame: for the record's own `with_*` helpers, which rebuild it on every write of a bill or a
    call. `cls` must have been made plain by `plain_records` (KeyError otherwise)."""
    return _BUILDERS[cls]


def _plain_ok(cls: type) -> bool:
    """Whether attrs' `__init__` of `cls` does nothing but store its arguments (and `cls` is slotted)."""
    init = vars(cls).get("__init__")
    return (
        "__slots__" in vars(cls)
        and init is not None
        and init.__code__.co_filename.startswith("<attrs generated")
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and all(
            f.init
            and not f.kw_only
            and f.validator is None
            and f.converter is None
            and not isinstance(f.default, attrs.Factory)  # type: ignore[arg-type]
            for f in attrs.fields(cls)
        )
    )


def _make_plain(cls: type) -> None:
    fields = attrs.fields(cls)
    if not fields or not _plain_ok(cls):
        return
    slots: tuple[str, ...] = vars(cls)["__slots__"]
    if "__weakref__" in slots:
        raise TypeError(f"{cls.__name__}: declare it weakref_slot=False to be built with plain stores")
    twin = type(f"_Plain{cls.__name__}", cls.__bases__, {"__slots__": slots})
    namespace: dict[str, Any] = {"__twin": twin}
    params = []
    for f in fields:
        if f.default is attrs.NOTHING:
            params.append(f.alias)
        else:
            namespace[f"__default_{f.name}"] = f.default
            params.append(f"{f.alias}=__default_{f.name}")
    stores = "".join(f"    s.{f.name} = {f.alias}\n" for f in fields)
    head = f"def __new__(__cls, {', '.join(params)}):\n    s = __twin()\n"
    source = f"{head}{stores}    s.__class__ = __cls\n    return s\n"
    # `plain_builder`'s function: the same stores, every field positional, the class fixed
    head = f"def build({', '.join(f.alias for f in fields)}):\n    s = __twin()\n"
    source += f"{head}{stores}    s.__class__ = __record\n    return s\n"
    namespace["__record"] = cls
    exec(compile(source, f"<sc4it.kernel.plain {cls.__qualname__}>", "exec"), namespace)
    new = namespace["__new__"]
    _BUILDERS[cls] = namespace["build"]
    new.__annotations__ = {k: v for k, v in vars(cls)["__init__"].__annotations__.items() if k != "return"}
    names = tuple(f.name for f in fields)
    cls.__new__ = staticmethod(new)  # type: ignore[method-assign]
    cls.__init__ = object.__init__  # type: ignore[misc]
    # Copies and pickles call `cls.__new__(cls, *args)`: give it the fields (attrs' state follows).
    cls.__getnewargs__ = lambda self: tuple(getattr(self, name) for name in names)  # type: ignore[attr-defined]
