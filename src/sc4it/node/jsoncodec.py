"""The public JSON form of every sc4it value (spec/rpc.md, rules JSN-xx; reference in docs/json.md).

Driven by the same annotations as the canonical CBOR codec (`sc4it.kernel.schema`, `sc4it.kernel.codec`):

- an account id (`AccountId`, marked `Ss58`) -> its SS58 address with the chain's prefix (JSN-02);
- any other byte string -> `"0x"` + lowercase hex (JSN-03);
- an unsigned integer -> a JSON number when it is at most 2^53 - 1 (exact in every JSON parser), else a
  decimal string; on input a number must be at most 2^53 - 1 and a string must be plain decimal (JSN-04);
- a boolean -> true/false; an optional value -> null or the value;
- an enum -> its member's name (`DiscountLevel.None_` -> `"None"`) (JSN-05);
- a record -> an object of its fields in declaration order, a trailing `_` dropped (`from_` -> `from`)
  (JSN-06);
- a member of a tagged union -> `"Name"` when it has no fields, else `{"Name": {fields}}` (JSN-07);
- a tuple -> an array; `PMap` -> an array of `[key, value]` pairs and `PSet` -> an array of items, both in
  the canonical CBOR order of the keys (JSN-08).

Decoding is strict (JSN-09): every field present, no other member, each value of its exact JSON type and
within its bounds; the first problem raises one `JsonError` naming the field path (`call.CreateNodeContract.
node_id`). `from_json(to_json(v, T), T) == v` for every value (JSN-10).
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Callable
from enum import IntEnum
from typing import Annotated, Any, TypeVar, get_args, get_origin

import attrs
import cbor2

from sc4it.kernel.codec import codec_for
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.schema import Len, Ss58, UInt, Variant
from sc4it.kernel.signing import ss58_decode, ss58_encode

T = TypeVar("T")

MAX_SAFE_INTEGER = (1 << 53) - 1
"""The largest integer written as a JSON number; larger ones are decimal strings (JSN-04)."""

DEFAULT_SS58_PREFIX = 42

_DECIMAL = re.compile(r"(0|[1-9][0-9]*)\Z")
_HEX = re.compile(r"0x([0-9a-fA-F]{2})*\Z")


class JsonError(ValueError):
    """A JSON value did not decode to the expected type; `path` names the offending member."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path or '<root>'}: {message}")
        self.path = path or "<root>"
        self.message = message


Enc = Callable[[Any], Any]
Dec = Callable[[Any, str], Any]


def json_name(python_name: str) -> str:
    """The public name of a field or enum member: Python's trailing `_` dropped (JSN-06)."""
    return python_name[:-1] if python_name.endswith("_") else python_name


def _join(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def _kind(x: Any) -> str:
    if x is None:
        return "null"
    return {
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
    }.get(type(x), type(x).__name__)


class JsonCodec:
    """The encoder and decoder of every annotated type for one SS58 prefix (built once, then cached)."""

    def __init__(self, ss58_prefix: int = DEFAULT_SS58_PREFIX) -> None:
        self.ss58_prefix = ss58_prefix
        self._cache: dict[Any, tuple[Enc, Dec]] = {}

    def to_json(self, value: Any, t: Any = None) -> Any:
        """The JSON data model (dict, list, str, int, bool, None) of `value` of type `t`."""
        return self.codec(type(value) if t is None else t)[0](value)

    def from_json(self, obj: Any, t: type[T] | Any) -> T:
        """The value of type `t` that `obj` (parsed JSON) denotes, or `JsonError`."""
        return typing.cast(T, self.codec(t)[1](obj, ""))

    def codec(self, t: Any) -> tuple[Enc, Dec]:
        found = self._cache.get(t)
        if found is None:
            found = self._build(t)
            self._cache[t] = found
        return found

    # ---------------------------------------------------------------------------------------------

    def _build(self, t: Any) -> tuple[Enc, Dec]:
        origin = get_origin(t)
        if origin is Annotated:
            return self._annotated(t)
        if t is bool:
            return _identity, _bool
        if t is bytes:
            return _bytes(None)
        if isinstance(t, type) and issubclass(t, IntEnum):
            return _enum(t)
        if origin in (typing.Union, types.UnionType):
            return self._union(t)
        if origin is tuple:
            args = get_args(t)
            if len(args) == 2 and args[1] is Ellipsis:
                return self._tuple(args[0], None)
            return self._fixed_tuple(args)
        if origin is PMap:
            return self._pmap(t)
        if origin is PSet:
            return self._pset(t)
        if isinstance(t, type) and attrs.has(t):
            if issubclass(t, Variant):
                return self._variants((t,))
            return self._record(t)
        raise TypeError(f"no JSON form for {t!r}")

    def _annotated(self, t: Any) -> tuple[Enc, Dec]:
        base, *meta = get_args(t)
        uint = next((m for m in meta if isinstance(m, UInt)), None)
        ln = next((m for m in meta if isinstance(m, Len)), None)
        if uint is not None:
            return _uint_enc, _uint_dec(uint.bits)
        if base is bytes and any(isinstance(m, Ss58) for m in meta):
            return self._account()
        if base is bytes:
            return _bytes(ln)
        if get_origin(base) is tuple:
            return self._tuple(get_args(base)[0], ln)
        return self.codec(base)

    def _account(self) -> tuple[Enc, Dec]:
        prefix = self.ss58_prefix

        def enc(v: bytes) -> str:
            return ss58_encode(v, prefix)

        def dec(x: Any, path: str) -> bytes:
            if type(x) is not str:
                raise JsonError(path, f"expected an SS58 address (string), got {_kind(x)}")
            if len(x) > 64:
                raise JsonError(path, f"string of {len(x)} characters is not an SS58 address")
            try:
                return ss58_decode(x, prefix)
            except ValueError as e:
                raise JsonError(path, f"not an SS58 address of this chain (prefix {prefix}): {e}") from None

        return enc, dec

    def _union(self, t: Any) -> tuple[Enc, Dec]:
        args = get_args(t)
        non_none = tuple(a for a in args if a is not type(None))
        if len(non_none) < len(args):
            inner = non_none[0] if len(non_none) == 1 else typing.Union[non_none]  # noqa: UP007
            ienc, idec = self.codec(inner)
            return (lambda v: None if v is None else ienc(v)), (
                lambda x, path: None if x is None else idec(x, path)
            )
        if all(isinstance(a, type) and issubclass(a, Variant) for a in args):
            return self._variants(args)
        raise TypeError(f"unsupported union {t!r}")

    def _tuple(self, item: Any, ln: Len | None) -> tuple[Enc, Dec]:
        ienc, idec = self.codec(item)
        lo, hi = (ln.min, ln.max) if ln is not None else (0, None)

        def enc(v: Any) -> list[Any]:
            return [ienc(i) for i in v]

        def dec(x: Any, path: str) -> tuple[Any, ...]:
            seq = _array(x, path)
            if len(seq) < lo or (hi is not None and len(seq) > hi):
                raise JsonError(path, f"array of {len(seq)} items; expected between {lo} and {hi}")
            return tuple(idec(item, f"{path}[{i}]") for i, item in enumerate(seq))

        return enc, dec

    def _fixed_tuple(self, items: tuple[Any, ...]) -> tuple[Enc, Dec]:
        codecs = [self.codec(a) for a in items]
        n = len(codecs)

        def enc(v: Any) -> list[Any]:
            return [c[0](i) for c, i in zip(codecs, v, strict=True)]

        def dec(x: Any, path: str) -> tuple[Any, ...]:
            seq = _array(x, path)
            if len(seq) != n:
                raise JsonError(path, f"array of {len(seq)} items; expected exactly {n}")
            return tuple(
                c[1](item, f"{path}[{i}]") for i, (c, item) in enumerate(zip(codecs, seq, strict=True))
            )

        return enc, dec

    def _pmap(self, t: Any) -> tuple[Enc, Dec]:
        k, v = get_args(t)
        kenc, kdec = self.codec(k)
        venc, vdec = self.codec(v)
        kcbor = codec_for(k).enc

        def enc(m: PMap[Any, Any]) -> list[Any]:
            keys = sorted(m.keys(), key=lambda key: cbor2.dumps(kcbor(key), canonical=True))
            return [[kenc(key), venc(m[key])] for key in keys]

        def dec(x: Any, path: str) -> PMap[Any, Any]:
            items = []
            for i, pair in enumerate(_array(x, path)):
                p = _array(pair, f"{path}[{i}]")
                if len(p) != 2:
                    raise JsonError(f"{path}[{i}]", "expected a [key, value] pair")
                items.append((kdec(p[0], f"{path}[{i}][0]"), vdec(p[1], f"{path}[{i}][1]")))
            m: PMap[Any, Any] = PMap(items)
            if len(m) != len(items):
                raise JsonError(path, "duplicate key")
            return m

        return enc, dec

    def _pset(self, t: Any) -> tuple[Enc, Dec]:
        (item,) = get_args(t)
        ienc, idec = self.codec(item)
        icbor = codec_for(item).enc

        def enc(s: PSet[Any]) -> list[Any]:
            return [ienc(i) for i in sorted(s, key=lambda i: cbor2.dumps(icbor(i), canonical=True))]

        def dec(x: Any, path: str) -> PSet[Any]:
            vals = [idec(v, f"{path}[{i}]") for i, v in enumerate(_array(x, path))]
            s: PSet[Any] = PSet(vals)
            if len(s) != len(vals):
                raise JsonError(path, "duplicate item")
            return s

        return enc, dec

    def _fields(self, cls: type) -> tuple[Callable[[Any], dict[str, Any]], Callable[[Any, str], Any]]:
        """(encoder to an object, decoder from an object) of a record's fields (JSN-06, JSN-09)."""
        hints = typing.get_type_hints(cls, include_extras=True)
        fields = [(f.name, json_name(f.name), hints[f.name]) for f in attrs.fields(cls)]
        names = [j for _, j, _ in fields]
        assert len(set(names)) == len(names), f"{cls.__name__}: two fields share a JSON name"
        codecs = [self.codec(tp) for _, _, tp in fields]  # sc4it has no recursive records
        expected = set(names)

        def enc(v: Any) -> dict[str, Any]:
            return {j: c[0](getattr(v, py)) for (py, j, _), c in zip(fields, codecs, strict=True)}

        def dec(x: Any, path: str) -> Any:
            if type(x) is not dict:
                raise JsonError(path, f"expected an object ({cls.__name__}), got {_kind(x)}")
            if x.keys() != expected:
                missing = [n for n in names if n not in x]
                if missing:
                    raise JsonError(path, f"{cls.__name__}: missing field {missing[0]!r}")
                extra = sorted(str(k) for k in x if k not in expected)
                raise JsonError(path, f"{cls.__name__}: unknown field {extra[0]!r}")
            args = [c[1](x[j], _join(path, j)) for (_, j, _), c in zip(fields, codecs, strict=True)]
            return cls(*args)

        return enc, dec

    def _record(self, cls: type) -> tuple[Enc, Dec]:
        return self._fields(cls)

    def _variants(self, members: tuple[type, ...]) -> tuple[Enc, Dec]:
        by_name: dict[str, tuple[type, Callable[[Any, str], Any], bool]] = {}
        by_cls: dict[type, tuple[str, Callable[[Any], dict[str, Any]], bool]] = {}
        for m in members:
            name = m.__name__
            assert name not in by_name, f"two members of a union are named {name}"
            unit = not attrs.fields(m)
            fenc, fdec = self._fields(m)
            by_name[name] = (m, fdec, unit)
            by_cls[m] = (name, fenc, unit)
        names = " | ".join(sorted(by_name))

        def enc(v: Any) -> Any:
            name, fenc, unit = by_cls[type(v)]
            return name if unit else {name: fenc(v)}

        def dec(x: Any, path: str) -> Any:
            if type(x) is str:
                found = by_name.get(x)
                if found is None or not found[2]:
                    what = "has fields: write {name: {...}}" if found else "is not one of " + names
                    raise JsonError(path, f"{x!r} {what}"[:400])
                return found[0]()
            if type(x) is not dict or len(x) != 1:
                raise JsonError(path, f"expected {{name: {{fields}}}} or a name, got {_kind(x)}")
            ((name, body),) = x.items()
            found = by_name.get(name)
            if found is None:
                raise JsonError(path, f"unknown variant {str(name)[:80]!r}; expected one of {names}"[:400])
            if found[2]:
                raise JsonError(path, f"{name} has no fields: write it as the string {name!r}")
            return found[1](body, _join(path, name))

        return enc, dec


def _identity(v: Any) -> Any:
    return v


def _bool(x: Any, path: str) -> bool:
    if type(x) is not bool:
        raise JsonError(path, f"expected true or false, got {_kind(x)}")
    return x


def _uint_enc(v: int) -> int | str:
    return v if v <= MAX_SAFE_INTEGER else str(v)


def _uint_dec(bits: int) -> Dec:
    top = (1 << bits) - 1
    digits = len(str(top))

    def dec(x: Any, path: str) -> int:
        if type(x) is int:
            if x > MAX_SAFE_INTEGER:
                raise JsonError(path, f"integer above 2^53-1 must be a decimal string (u{bits})")
            v = x
        elif type(x) is str:
            if len(x) > digits or not _DECIMAL.match(x):
                raise JsonError(path, f"expected a decimal integer string (u{bits}), got {x[:40]!r}")
            v = int(x)
        else:
            raise JsonError(path, f"expected an unsigned integer (u{bits}), got {_kind(x)}")
        if v < 0 or v > top:
            raise JsonError(path, f"integer {v} out of range for u{bits}")
        return v

    return dec


def _bytes(ln: Len | None) -> tuple[Enc, Dec]:
    lo, hi = (ln.min, ln.max) if ln is not None else (0, None)

    def enc(v: bytes) -> str:
        return "0x" + v.hex()

    def dec(x: Any, path: str) -> bytes:
        if type(x) is not str:
            raise JsonError(path, f"expected 0x-prefixed hex (string), got {_kind(x)}")
        if hi is not None and len(x) > 2 + 2 * hi:
            raise JsonError(path, f"hex of {(len(x) - 2) // 2} bytes; expected at most {hi}")
        if not _HEX.match(x):
            raise JsonError(path, "expected 0x followed by an even number of hex digits")
        b = bytes.fromhex(x[2:])
        if len(b) < lo:
            bound = f"exactly {lo}" if lo == hi else f"at least {lo}"
            raise JsonError(path, f"{len(b)} bytes; expected {bound}")
        return b

    return enc, dec


def _enum(cls: type[IntEnum]) -> tuple[Enc, Dec]:
    by_name = {json_name(m.name): m for m in cls}
    names = " | ".join(by_name)

    def enc(v: IntEnum) -> str:
        return json_name(v.name)

    def dec(x: Any, path: str) -> IntEnum:
        if type(x) is not str or x not in by_name:
            shown = repr(x)[:60] if type(x) is str else _kind(x)
            raise JsonError(path, f"expected one of {names} ({cls.__name__}), got {shown}")
        return by_name[x]

    return enc, dec


def _array(x: Any, path: str) -> list[Any]:
    if type(x) is not list:
        raise JsonError(path, f"expected an array, got {_kind(x)}")
    return x


# ------------------------------------------------------------------------------------------------
# Module-level API (one codec per SS58 prefix)

_codecs: dict[int, JsonCodec] = {}


def codec(ss58_prefix: int = DEFAULT_SS58_PREFIX) -> JsonCodec:
    found = _codecs.get(ss58_prefix)
    if found is None:
        found = _codecs[ss58_prefix] = JsonCodec(ss58_prefix)
    return found


def to_json(value: Any, t: Any = None, *, ss58_prefix: int = DEFAULT_SS58_PREFIX) -> Any:
    """The public JSON form of `value` (its type taken from the value unless `t` is given)."""
    return codec(ss58_prefix).to_json(value, t)


def from_json(obj: Any, t: type[T] | Any, *, ss58_prefix: int = DEFAULT_SS58_PREFIX) -> T:
    """Decode parsed JSON to a value of type `t`, or raise `JsonError` naming the field path."""
    value: T = codec(ss58_prefix).from_json(obj, t)
    return value


def dumps(value: Any, t: Any = None, *, ss58_prefix: int = DEFAULT_SS58_PREFIX) -> str:
    """Compact JSON text of `value`."""
    return json.dumps(to_json(value, t, ss58_prefix=ss58_prefix), separators=(",", ":"))


def loads(
    text: str | bytes, t: type[T] | Any, *, ss58_prefix: int = DEFAULT_SS58_PREFIX, max_bytes: int = 1 << 20
) -> T:
    """Parse JSON text and decode it to `t`; text above `max_bytes` or malformed raises `JsonError`."""
    if len(text) > max_bytes:
        raise JsonError("<root>", f"input of {len(text)} bytes exceeds the limit of {max_bytes}")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise JsonError("<root>", f"malformed JSON: {e}") from None
    value: T = from_json(obj, t, ss58_prefix=ss58_prefix)
    return value
