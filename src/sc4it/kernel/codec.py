"""Canonical CBOR encoding of every sc4it value (see spec/encoding.md, rules ENC-xx).

The encoding is driven by the type annotations of the attrs records (`sc4it.kernel.schema` carries the
bounds):

- unsigned integers -> CBOR major type 0, shortest form; a u128 >= 2^64 -> tag 2 bignum (ENC-02);
- booleans -> true/false;
- bytes -> CBOR byte string; optional values -> null or the value;
- IntEnum -> its integer value; tuples -> arrays;
- a record -> an array of its fields in declaration order (ENC-05); no CBOR maps, no text, no floats, no
  other tags;
- a member of a tagged union (`Variant`) -> `[TAG, *fields]` (ENC-06);
- `PMap` -> array of `[key, value]` pairs, `PSet` -> array of items, sorted bytewise by the
  canonical encoding of the key/item (ENC-08), which is RFC 8949 §4.2.1's order.

Decoding is strict (ENC-09, ENC-10): the bytes must be exactly the canonical encoding of the value they
decode to (re-encoded and compared, which rejects non-minimal integers, indefinite lengths, tags and trailing
bytes); every integer must be within its width and every length within its bounds. Any failure raises one
`DecodeError` naming the field path.
"""

from __future__ import annotations

import functools
import hashlib
import types
import typing
from collections.abc import Callable
from enum import IntEnum
from typing import Annotated, Any, TypeVar, get_args, get_origin

import attrs
import cbor2

from sc4it.kernel.cbor_check import Step
from sc4it.kernel.cbor_check import check as check_structure
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.schema import Len, Trailing, UInt, Variant

T = TypeVar("T")

Enc = Callable[[Any], Any]
Dec = Callable[[Any, str], Any]

DEFAULT_MAX_BYTES = 1 << 20
"""Untrusted input larger than this is rejected before parsing (override per call)."""


Check = Callable[[Any], bool]


class _Codec:
    __slots__ = ("accepts", "dec", "enc", "reads_back", "same")

    def __init__(
        self,
        enc: Enc,
        dec: Dec,
        reads_back: Check | None = None,
        *,
        same: bool = False,
        accepts: str | None = None,
    ) -> None:
        self.enc = enc
        self.dec = dec
        self.reads_back = _unproved if reads_back is None else reads_back
        """`reads_back(v)` True proves `dec(enc(v)) == v` without building the decoded value (see
        `reads_back` below); False, or an exception, proves nothing."""
        self.same = same
        """`dec` returns the very object it was given when it accepts it (integers, bytes, booleans)."""
        self.accepts = accepts
        """A leaf's bounds as one Python expression over `x`: true exactly when `dec` accepts `x` (and
        returns it). `dec` is compiled from it, and so is a record's `reads_back` (see `_leaf`)."""


def _unproved(v: Any) -> bool:
    """The `reads_back` of a codec that proves nothing itself (its users decode and compare)."""
    return False


_cache: dict[Any, _Codec] = {}

NO_PATH: str = "".join(("<no ", "path>"))
"""The path a decoder is given to decode without building the field path of every item (a string made
at run time, so only this object is it: compared by identity). `dec_fast` uses it and decodes again with
paths only when that fails, so the error still names its field (ENC-10)."""


def dec_fast(dec: Dec, x: Any, path: str) -> Any:
    """`dec(x, path)`, building the field paths of nested items only if decoding fails: then it decodes
    again with paths, to raise the same DecodeError naming the field (the decoders are deterministic)."""
    try:
        return dec(x, NO_PATH)
    except DecodeError:
        pass
    return dec(x, path)


def _identity(v: Any) -> Any:
    """The encoder of every value that is its own CBOR data model (integers, bytes, booleans)."""
    return v


identity_encoder = _identity
"""Public name of the encoder of values that are their own data model (to skip calling it)."""


def _err(path: str, msg: str) -> DecodeError:
    return DecodeError(path or "<root>", msg)


def _type_name(t: Any) -> str:
    return getattr(t, "__name__", repr(t))


def _leaf(accepts: str, refusal: Callable[[Any, str], DecodeError]) -> _Codec:
    """A value that is its own data model, within the bounds that the expression `accepts` (over `x`)
    states: the one text of those bounds. `dec(x, path)` is compiled from it (it returns `x` itself when
    `accepts` holds, else raises `refusal(x, path)`, which only words the error), and so is the
    `reads_back` of a record with this field (`_record_reads_back`): it reads back as itself exactly
    when `accepts` holds."""
    namespace: dict[str, Any] = {"refusal": refusal}
    source = f"def dec(x, path):\n    if {accepts}:\n        return x\n    raise refusal(x, path)\n"
    exec(compile(source, f"<sc4it.kernel.codec leaf {accepts}>", "exec"), namespace)
    dec: Dec = namespace["dec"]

    def reads_back(v: Any) -> bool:
        return dec(v, NO_PATH) is v

    return _Codec(_identity, dec, reads_back, same=True, accepts=accepts)


def _uint(u: UInt) -> _Codec:
    def refusal(x: Any, path: str) -> DecodeError:
        if type(x) is not int:
            return _err(path, f"expected unsigned integer (u{u.bits}), got {type(x).__name__}")
        return _err(path, f"integer {x} out of range for u{u.bits}")

    return _leaf(f"type(x) is int and 0 <= x <= {u.max}", refusal)


def _bytes(b: Len | None) -> _Codec:
    lo, hi = (b.min, b.max) if b is not None else (0, None)

    def refusal(x: Any, path: str) -> DecodeError:
        if type(x) is not bytes:
            return _err(path, f"expected byte string, got {type(x).__name__}")
        bound = f"exactly {lo}" if lo == hi else f"between {lo} and {hi}"
        return _err(path, f"byte string of length {len(x)}; expected {bound}")

    length = f"{lo} <= len(x)" if hi is None else f"{lo} <= len(x) <= {hi}"
    return _leaf(f"type(x) is bytes and {length}", refusal)


def _bool() -> _Codec:
    def refusal(x: Any, path: str) -> DecodeError:
        return _err(path, f"expected boolean, got {type(x).__name__}")

    return _leaf("type(x) is bool", refusal)


def _enum(cls: type[IntEnum]) -> _Codec:
    members = {int(m.value): m for m in cls}

    def dec(x: Any, path: str) -> IntEnum:
        if type(x) is not int or x not in members:
            raise _err(path, f"expected one of {cls.__name__} {sorted(members)}, got {x!r}")
        return members[x]

    def reads_back(v: Any) -> bool:  # a member encodes as its value, which decodes to that member
        return type(v) is cls

    return _Codec(int, dec, reads_back)


def _optional(inner: _Codec) -> _Codec:
    ienc, idec = inner.enc, inner.dec

    def enc(v: Any) -> Any:
        return None if v is None else ienc(v)

    def dec(x: Any, path: str) -> Any:
        return None if x is None else idec(x, path)

    def reads_back(v: Any) -> bool:
        return v is None or inner.reads_back(v)

    # None is its own data model too
    accepts = None if inner.accepts is None else f"x is None or ({inner.accepts})"
    return _Codec(_identity if ienc is _identity else enc, dec, reads_back, same=inner.same, accepts=accepts)


def _seq(x: Any, path: str) -> list[Any] | tuple[Any, ...]:
    if not isinstance(x, list | tuple):
        raise _err(path, f"expected array, got {type(x).__name__}")
    return x


def _tuple(inner: _Codec, b: Len | None) -> _Codec:
    ienc, idec = inner.enc, inner.dec
    lo, hi = (b.min, b.max) if b is not None else (0, None)

    def enc(v: Any) -> Any:
        return list(map(ienc, v))

    def within(n: int) -> bool:
        return lo <= n and (hi is None or n <= hi)

    def dec(x: Any, path: str) -> tuple[Any, ...]:
        seq = _seq(x, path)
        if not within(len(seq)):
            raise _err(path, f"array of {len(seq)} items; expected between {lo} and {hi}")
        if path is NO_PATH:
            return tuple([idec(item, NO_PATH) for item in seq])
        return tuple(idec(item, f"{path}[{i}]") for i, item in enumerate(seq))

    def reads_back(v: Any) -> bool:  # only a tuple equals the tuple `dec` builds
        if type(v) is not tuple or not within(len(v)):
            return False
        if inner.same:
            for item in v:  # noqa: SIM110 - a loop, not all(generator): runs for every claim checked
                if idec(item, NO_PATH) is not item:
                    return False
            return True
        item_reads_back = inner.reads_back
        for item in v:  # noqa: SIM110 - as above
            if not item_reads_back(item):
                return False
        return True

    return _Codec(enc, dec, reads_back)


def _fixed_tuple(items: tuple[_Codec, ...]) -> _Codec:
    """`tuple[A, B]`: an array of exactly len(items) elements, each with its own codec (ENC-07)."""
    n = len(items)

    def enc(v: Any) -> Any:
        return [c.enc(i) for c, i in zip(items, v, strict=True)]

    def dec(x: Any, path: str) -> tuple[Any, ...]:
        seq = _seq(x, path)
        if len(seq) != n:
            raise _err(path, f"array of {len(seq)} items; expected exactly {n}")
        if path is NO_PATH:
            return tuple([c.dec(item, NO_PATH) for c, item in zip(items, seq, strict=True)])
        return tuple(c.dec(item, f"{path}[{i}]") for i, (c, item) in enumerate(zip(items, seq, strict=True)))

    return _Codec(enc, dec)


def _pmap(kc: _Codec, vc: _Codec) -> _Codec:
    kenc, kdec, venc, vdec = kc.enc, kc.dec, vc.enc, vc.dec

    def enc(m: PMap[Any, Any]) -> Any:
        pairs = [(cbor2.dumps(kenc(k), canonical=True), kenc(k), venc(v)) for k, v in m.items()]
        pairs.sort(key=lambda p: p[0])
        return [[k, v] for _, k, v in pairs]

    def dec(x: Any, path: str) -> PMap[Any, Any]:
        seq = _seq(x, path)
        items = []
        if path is NO_PATH:
            for pair in seq:
                if not isinstance(pair, list | tuple) or len(pair) != 2:
                    raise _err(path, "expected a [key, value] pair")
                items.append((kdec(pair[0], NO_PATH), vdec(pair[1], NO_PATH)))
            seq = ()
        for i, pair in enumerate(seq):
            p = _seq(pair, f"{path}[{i}]")
            if len(p) != 2:
                raise _err(f"{path}[{i}]", "expected a [key, value] pair")
            items.append((kdec(p[0], f"{path}[{i}].key"), vdec(p[1], f"{path}[{i}].value")))
        m: PMap[Any, Any] = PMap(items)
        if len(m) != len(items):
            raise _err(path, "duplicate key")
        return m

    return _Codec(enc, dec)


def _pset(ic: _Codec) -> _Codec:
    ienc, idec = ic.enc, ic.dec

    def enc(s: PSet[Any]) -> Any:
        items = [(cbor2.dumps(ienc(i), canonical=True), ienc(i)) for i in s]
        items.sort(key=lambda p: p[0])
        return [v for _, v in items]

    def dec(x: Any, path: str) -> PSet[Any]:
        seq = _seq(x, path)
        if path is NO_PATH:
            vals = [idec(item, NO_PATH) for item in seq]
        else:
            vals = [idec(item, f"{path}[{i}]") for i, item in enumerate(seq)]
        s: PSet[Any] = PSet(vals)
        if len(s) != len(vals):
            raise _err(path, "duplicate item")
        return s

    return _Codec(enc, dec)


def _fields(cls: type) -> list[tuple[str, Any]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    return [(f.name, hints[f.name]) for f in attrs.fields(cls)]


def _trailing_count(fields: list[tuple[str, Any]]) -> int:
    """How many of the last fields are marked `Trailing` (ENC-05); a marked field before an unmarked one is
    a schema error."""
    marked = [
        get_origin(t) is Annotated and any(isinstance(m, Trailing) for m in get_args(t)[1:])
        for _, t in fields
    ]
    k = 0
    while k < len(marked) and marked[len(marked) - 1 - k]:
        k += 1
    if any(marked[: len(marked) - k]):
        raise TypeError("Trailing fields must come last")
    return k


def _record_encoder(
    cls: type, names: list[str], codecs: list[_Codec], trailing: int, tag: int | None
) -> Callable[[Any], list[Any]]:
    """ENC-05, ENC-06: a record's encoder as straight-line code, `[TAG, v.a, c1.enc(v.b), ...]` (no `TAG`
    for a plain record): a field that is its own data model (integers, bytes, booleans) is read as it is,
    any other goes through its codec's `enc`, looked up when called (a record may contain itself, and its
    codec is then still being built); trailing fields still None are left out (ENC-05)."""
    namespace: dict[str, Any] = {}
    items = [] if tag is None else [str(int(tag))]
    for i, (name, c) in enumerate(zip(names, codecs, strict=True)):
        if c.enc is _identity:
            items.append(f"v.{name}")
        else:
            namespace[f"c{i}"] = c
            items.append(f"c{i}.enc(v.{name})")
    lines = ["def enc(v):", f"    out = [{', '.join(items)}]"]
    if trailing:
        lines += [f"    for _ in range({trailing}):", "        if out[-1] is not None:", "            break"]
        lines.append("        out.pop()")
    lines.append("    return out\n")
    exec(compile("\n".join(lines), f"<sc4it.kernel.codec enc {cls.__qualname__}>", "exec"), namespace)
    enc: Callable[[Any], list[Any]] = namespace["enc"]
    return enc


def _record(
    cls: type, tag: int | None = None
) -> tuple[Callable[[Any], list[Any]], Callable[[Any, str, int], Any]]:
    """Encoder producing the field list (after `tag`, if given: ENC-06), decoder taking the field list
    from `start`."""
    fields = _fields(cls)
    names = [n for n, _ in fields]
    codecs = [codec_for(t) for _, t in fields]
    pairs = list(zip(names, codecs, strict=True))
    n = len(fields)
    qual = cls.__name__
    trailing = _trailing_count(fields)
    enc = _record_encoder(cls, names, codecs, trailing, tag)

    def dec(seq: Any, path: str, start: int) -> Any:
        given = len(seq) - start
        if trailing and n - trailing <= given < n:
            seq = [*seq, *([None] * (n - given))]
        elif given != n:
            raise _err(path, f"{qual} expects {n} fields, got {given}")
        if path is NO_PATH:
            args = [c.dec(x, NO_PATH) for c, x in zip(codecs, seq[start:] if start else seq, strict=True)]
        else:
            args = [
                c.dec(seq[start + i], f"{path}.{name}" if path else name) for i, (name, c) in enumerate(pairs)
            ]
        try:
            return cls(*args)
        except ValueError as e:  # a record that checks itself (`Config`, STATE-13) refused the values
            raise _err(path, str(e)) from None

    return enc, dec


def _record_reads_back(cls: type) -> Check:
    """`reads_back` of a record: it is exactly of type `cls` and each field reads back as itself, so
    `cls(*decoded fields)` equals it (attrs' `==` compares the class and the fields). A record whose
    `__init__` checks or converts (`Config`, STATE-13), or whose `==` is not attrs', proves nothing."""
    fields = attrs.fields(cls)
    if (
        hasattr(cls, "__attrs_post_init__")
        or "__eq__" not in vars(cls)  # attrs writes its `__eq__` into the class itself
        or any(f.validator is not None or f.converter is not None or not f.eq or not f.init for f in fields)
    ):
        return _unproved
    codecs = [(f.name, codec_for(t)) for f, (_, t) in zip(fields, _fields(cls), strict=True)]
    # Compiled to straight-line code: a leaf field is checked by its own `accepts` expression (`_leaf`,
    # the one text of its bounds), with no call; a nested value by its codec's `reads_back`, read at run
    # time, not bound early (a record may contain itself).
    namespace: dict[str, Any] = {"cls": cls, "NO_PATH": NO_PATH}
    lines = ["def reads_back(v):", "    if type(v) is not cls:", "        return False"]
    for i, (name, c) in enumerate(codecs):
        lines.append(f"    x = v.{name}")
        if c.accepts is not None:
            lines.append(f"    if not ({c.accepts}):")
        elif c.same:
            namespace[f"dec{i}"] = c.dec
            lines.append(f"    if dec{i}(x, NO_PATH) is not x:")
        else:
            namespace[f"codec{i}"] = c
            lines.append(f"    if not codec{i}.reads_back(x):")
        lines.append("        return False")
    lines.append("    return True\n")
    exec(compile("\n".join(lines), f"<sc4it.kernel.codec reads_back {cls.__qualname__}>", "exec"), namespace)
    reads_back: Check = namespace["reads_back"]
    return reads_back


def _pending() -> _Codec:
    """The codec of a record or union under construction, cached before its fields' codecs are built so
    that a field of the type's own type (`T | None`, `tuple[T, ...]`) finds it. Its functions defer to the
    finished ones assigned later, so a codec built around it meanwhile (`_optional`, `_tuple` capture
    `inner.enc` when built) encodes and decodes the type itself, not the placeholder's nothing."""
    codec = _Codec(lambda v: codec.enc(v), lambda x, p: codec.dec(x, p))
    codec.reads_back = lambda v: codec.reads_back(v)
    return codec


def _plain_record(cls: type) -> _Codec:
    codec = _pending()
    _cache[cls] = codec
    renc, rdec = _record(cls)

    def dec(x: Any, path: str) -> Any:
        return rdec(_seq(x, path), path, 0)

    codec.enc, codec.dec, codec.reads_back = renc, dec, _record_reads_back(cls)
    return codec


def _variant_union(members: tuple[type, ...], key: Any) -> _Codec:
    codec = _pending()
    _cache[key] = codec
    by_tag: dict[int, tuple[type, Callable[[Any, str, int], Any]]] = {}
    by_cls: dict[type, Callable[[Any], list[Any]]] = {}
    checks: dict[type, Check] = {}
    for m in members:
        tag = m.TAG  # type: ignore[attr-defined]
        if tag in by_tag:
            raise TypeError(f"duplicate TAG {tag} in union of {members}")
        renc, rdec = _record(m, tag)
        by_tag[tag] = (m, rdec)
        by_cls[m] = renc  # `[tag, *fields]`
        checks[m] = _record_reads_back(m)
    names = "|".join(m.__name__ for m in members)

    def enc(v: Any) -> Any:
        return by_cls[type(v)](v)

    def dec(x: Any, path: str) -> Any:
        seq = _seq(x, path)
        if not seq or type(seq[0]) is not int or seq[0] not in by_tag:
            got = seq[0] if seq else "nothing"
            raise _err(path, f"unknown variant tag {got!r} for {names}")
        return by_tag[seq[0]][1](seq, path, 1)

    def reads_back(v: Any) -> bool:  # the member's tag selects the member's own record decoder
        check = checks.get(type(v))
        return check is not None and check(v)

    codec.enc, codec.dec, codec.reads_back = enc, dec, reads_back
    return codec


def codec_for(t: Any) -> _Codec:
    """The (cached) codec of a type annotation."""
    cached = _cache.get(t)
    if cached is not None:
        return cached
    codec = _build(t)
    _cache[t] = codec
    return codec


def _build(t: Any) -> _Codec:
    origin = get_origin(t)
    if origin is Annotated:
        base, *meta = get_args(t)
        uint = next((m for m in meta if isinstance(m, UInt)), None)
        ln = next((m for m in meta if isinstance(m, Len)), None)
        if uint is not None:
            return _uint(uint)
        if base is bytes:
            return _bytes(ln)
        if get_origin(base) is tuple:
            return _tuple(codec_for(get_args(base)[0]), ln)
        return codec_for(base)
    if t is bool:
        return _bool()
    if t is bytes:
        return _bytes(None)
    if t is int:
        raise TypeError("bare int has no width: annotate it (U32, U64...)")
    if isinstance(t, type) and issubclass(t, IntEnum):
        return _enum(t)
    if origin in (typing.Union, types.UnionType):
        args = get_args(t)
        non_none = tuple(a for a in args if a is not type(None))
        if len(non_none) < len(args):
            inner = non_none[0] if len(non_none) == 1 else typing.Union[non_none]  # noqa: UP007
            return _optional(codec_for(inner))
        if all(isinstance(a, type) and issubclass(a, Variant) for a in args):
            return _variant_union(args, t)
        raise TypeError(f"unsupported union {t!r}")
    if origin is tuple:
        args = get_args(t)
        if len(args) == 2 and args[1] is Ellipsis:
            return _tuple(codec_for(args[0]), None)
        return _fixed_tuple(tuple(codec_for(a) for a in args))  # e.g. the (node id, hash) map key
    if origin is PMap:
        k, v = get_args(t)
        return _pmap(codec_for(k), codec_for(v))
    if origin is PSet:
        return _pset(codec_for(get_args(t)[0]))
    if isinstance(t, type) and attrs.has(t):
        if issubclass(t, Variant):
            return _variant_union((t,), t)
        return _plain_record(t)
    raise TypeError(f"no canonical encoding for {t!r}")


# ------------------------------------------------------------------------------------------------
# Field paths of the structural pre-pass (ENC-10, ENC-14)


@attrs.frozen(slots=True)
class _Pair:
    """The `[key, value]` array of a map entry."""

    key: Any
    value: Any


def _unwrap(t: Any) -> Any:
    """`t` without `Annotated` (keeping a bounded sequence's item type) and without `| None`."""
    while True:
        origin = get_origin(t)
        if origin is Annotated:
            t = get_args(t)[0]
        elif origin in (typing.Union, types.UnionType) and type(None) in get_args(t):
            rest = tuple(a for a in get_args(t) if a is not type(None))
            t = rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007
        else:
            return t


def _members(t: Any) -> tuple[type, ...] | None:
    """The members of a tagged union (a lone `Variant` is a union of one), else None."""
    if isinstance(t, type) and issubclass(t, Variant):
        return (t,)
    if get_origin(t) in (typing.Union, types.UnionType):
        return get_args(t)
    return None


def _child(t: Any, path: str, index: int, first: int | None) -> tuple[Any, str]:
    """The type and path of item `index` of an array of type `t` (None: not an array of `t`)."""
    t = _unwrap(t)
    origin = get_origin(t)
    if isinstance(t, _Pair):
        return (t.key, f"{path}.key") if index == 0 else (t.value, f"{path}.value")
    if origin is tuple:
        args = get_args(t)
        item = args[0] if len(args) == 2 and args[1] is Ellipsis else args[min(index, len(args) - 1)]
        return item, f"{path}[{index}]"
    if origin is PMap:
        return _Pair(*get_args(t)), f"{path}[{index}]"
    if origin is PSet:
        return get_args(t)[0], f"{path}[{index}]"
    members = _members(t)
    if members is not None:
        member = next((m for m in members if first == m.TAG), None)  # type: ignore[attr-defined]
        if member is None or index == 0:
            return None, path
        t, index = member, index - 1
    if isinstance(t, type) and attrs.has(t):
        names = [f.name for f in attrs.fields(t)]
        if index < len(names):
            hint = typing.get_type_hints(t, include_extras=True)[names[index]]
            return hint, f"{path}.{names[index]}" if path else names[index]
    return None, f"{path}[{index}]"


def field_path(t: Any, steps: list[Step]) -> str:
    """ENC-10's path (`accounts[3].value.free`) of the item that `steps` (`sc4it.cbor_check`) lead to
    in an encoding of type `t`; past a point where the input no longer fits `t`, indices (`[2]`)."""
    path = ""
    for index, first in steps:
        if t is None:
            path += f"[{index}]"
        else:
            t, path = _child(t, path, index, first)
    return path or "<root>"


# ------------------------------------------------------------------------------------------------
# Public API


def to_obj(value: Any, t: Any = None) -> Any:
    """The CBOR data model of `value` (lists, ints, bytes, bools, None)."""
    return codec_for(type(value) if t is None else t).enc(value)


def _safely(check: Check, value: Any) -> bool:
    try:
        return check(value)
    except Exception:  # a field of a foreign type can make a check raise (len() of an int...)
        return False


def reads_back_check(t: Any) -> Check:
    """`reads_back(value, t)` with the codec of `t` looked up once (a union's lookup hashes the union)."""
    return functools.partial(_safely, codec_for(t).reads_back)


def reads_back(value: Any, t: Any) -> bool:
    """True proves that `value`'s data model decodes to `value` itself (`dec(to_obj(value, t)) == value`,
    with every field within its declared bounds: SIG-15) without building the decoded value: a
    record is exactly of its type with every field reading back, a tuple a tuple within its length bounds,
    an enum a member, an integer, byte string or boolean one that its own decoder accepts (the same
    function `decode` runs: one text per bound). False proves nothing: decode and compare to know (the
    codecs of maps, sets, fixed tuples and self-checking records never vouch)."""
    return _safely(codec_for(t).reads_back, value)


def encode(value: Any, t: Any = None) -> bytes:
    """Canonical CBOR bytes of `value` (its type is taken from the value unless `t` is given)."""
    return cbor2.dumps(to_obj(value, t), canonical=True)


def decode(
    data: bytes | bytearray | memoryview, t: type[T] | Any, *, max_bytes: int | None = DEFAULT_MAX_BYTES
) -> T:
    """Decode untrusted bytes to a value of type `t`, or raise `DecodeError`."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError("<root>", f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if max_bytes is not None and len(data) > max_bytes:
        raise DecodeError("<root>", f"input of {len(data)} bytes exceeds the limit of {max_bytes}")
    codec = codec_for(t)
    check_structure(
        data, describe=lambda steps: field_path(t, steps)
    )  # ENC-14: only the subset reaches cbor2
    try:
        obj = cbor2.loads(data)
    except Exception as e:  # cbor2 raises several types (CBORDecodeError, ValueError, RecursionError...)
        raise DecodeError("<root>", f"malformed CBOR: {e}") from None
    value = dec_fast(codec.dec, obj, "")
    try:
        again = cbor2.dumps(codec.enc(value), canonical=True)
    except Exception as e:  # pragma: no cover - a decoded value always re-encodes
        raise DecodeError("<root>", f"cannot re-encode: {e}") from None
    if again != data:
        at = next((i for i, (a, b) in enumerate(zip(again, data, strict=False)) if a != b), len(again))
        why = "non-minimal, tagged, indefinite, unsorted or trailing bytes"
        raise DecodeError("<root>", f"not canonical at byte {at} ({why})")
    return typing.cast(T, value)


def blake2b_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()
