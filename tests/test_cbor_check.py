"""The structural pre-pass of `decode` (spec/encoding.md, ENC-14): hostile CBOR by tag, nesting and size
class is refused before any object is built, in time proportional to its size, with a field path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import attrs
import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sc4it import decode, encode
from sc4it.genesis import Genesis
from sc4it.host.trace import Snapshot, TraceRecord
from sc4it.kernel.calls import Call
from sc4it.kernel.cbor_check import MAX_DEPTH, check
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.schema import AccountId
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State
from sc4it.kernel.types import AccountInfo
from sc4it.testing.hostile_cbor import SUBSET_SHAPES, array, bstr, corpus, head, tagged, text

from .support import ROOT, encodable_types

ACC = bytes(range(32))

# ------------------------------------------------------------------------------------------------
# The hostile corpus: tag classes, nesting classes, size classes


CORPUS = corpus()
TYPES: list[Any] = [SignedCall, State, TraceRecord]
"""The top-level types of untrusted input: a transaction, a state (snapshots, vectors), a trace record."""


@pytest.mark.parametrize(("name", "data"), CORPUS, ids=[n for n, _ in CORPUS])
def test_the_pre_pass_refuses_every_hostile_input(name: str, data: bytes) -> None:
    """ENC-14: every hostile input is refused by the structural pass (so no CBOR library ever builds
    it), except the forms of tag 2 that are well-formed bignums, which the codec then refuses."""
    try:
        check(data)
    except DecodeError as e:
        assert "at byte" in e.message or "trailing" in e.message
    else:  # a structurally valid bignum: the typed decoder refuses it
        assert name in SUBSET_SHAPES
    if len(data) < 1 << 16:  # the large ones are decoded in a child process (next test)
        for t in (*TYPES, Call, Genesis, Snapshot, AccountInfo):
            with pytest.raises(DecodeError):
                decode(data, t)


_CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from sc4it import decode
from sc4it.kernel.errors import DecodeError
from tests.test_cbor_check import CORPUS, TYPES
worst = []
for name, data in CORPUS:
    for t in TYPES:
        t0 = time.process_time()
        try:
            decode(data, t)
        except DecodeError:
            pass
        else:
            raise SystemExit(f"{name}: accepted")
        worst.append((time.process_time() - t0, name, len(data)))
print(json.dumps(sorted(worst)[-5:]))
"""


def test_decoding_the_hostile_corpus_is_bounded_in_time_and_memory(tmp_path: Path) -> None:
    """ENC-14: the whole corpus, decoded as every top-level type in a child process with a 3 GiB address
    space limit, finishes (no SIGABRT, no MemoryError) well within the timeout, and no input costs more
    than a few seconds of CPU (cbor2 spent 107 s on one tag-4 input and 2 GB on one tag-28 record)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=300, env=env, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    worst = json.loads(proc.stdout)
    assert all(seconds < 5.0 for seconds, _, _ in worst), worst


# ------------------------------------------------------------------------------------------------
# The subset is exactly what sc4it writes


def _depth(t: Any, seen: frozenset[Any] = frozenset()) -> int:
    """The deepest array nesting an encoding of `t` can have (ENC-05..08)."""
    assert t not in seen, f"recursive type {t!r}"
    seen = seen | {t}
    origin = get_origin(t)
    if origin is Annotated:
        return _depth(get_args(t)[0], seen)
    if origin in (typing.Union, types.UnionType):
        return max(_depth(a, seen) for a in get_args(t) if a is not type(None))
    if origin is tuple:
        return 1 + max(_depth(a, seen) for a in get_args(t) if a is not Ellipsis)
    if origin is PMap:
        return 2 + max(_depth(a, seen) for a in get_args(t))
    if origin is PSet:
        return 1 + _depth(get_args(t)[0], seen)
    if isinstance(t, type) and attrs.has(t):
        hints = typing.get_type_hints(t, include_extras=True)
        return 1 + max((_depth(hints[f.name], seen) for f in attrs.fields(t)), default=0)
    return 0


def test_every_type_nests_within_the_depth_limit() -> None:
    """ENC-14: MAX_DEPTH leaves room: the deepest type sc4it encodes nests less than half as deep."""
    records, unions = encodable_types()
    deepest = max(_depth(t) for t in [*records, *unions.values(), TraceRecord, Snapshot])
    assert 4 <= deepest <= MAX_DEPTH // 2


def test_depth_limit_is_exact() -> None:
    """ENC-14: MAX_DEPTH nested arrays pass the structural pass, one more does not."""
    check(b"\x81" * MAX_DEPTH + b"\x00")
    with pytest.raises(DecodeError, match="nested deeper"):
        check(b"\x81" * (MAX_DEPTH + 1) + b"\x00")


def test_integers_up_to_u128_only() -> None:
    """ENC-02 ENC-14: heads up to 8 bytes, bignums up to 16 bytes (2^128 - 1); no negative integers."""
    check(encode(AccountInfo(2**64 - 1, 2**128 - 1, 0, 0)))
    check(tagged(2, bstr(b"\xff" * 16)))
    with pytest.raises(DecodeError, match="exceeds u128"):
        check(tagged(2, bstr(b"\x01" + b"\x00" * 16)))
    with pytest.raises(DecodeError, match="negative integer"):
        check(b"\x20")
    err = rejected(array(head(0, 1), tagged(2, bstr(b"\x09" * 1800))), AccountInfo)
    assert err.path == "free" and "exceeds u128" in err.message


def rejected(data: bytes, t: Any) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode(data, t)
    return info.value


def test_errors_name_the_field() -> None:
    """ENC-10 ENC-14: the pre-pass reports the path of the offending item in the decoded type."""
    info = array(head(0, 1), head(0, 2), text("x"), head(0, 4))
    assert rejected(info, AccountInfo).path == "reserved"
    pairs = array(array(bstr(ACC), array(head(0, 1), head(0, 2), head(0, 3), b"\xf9\x3c\x00")))
    err = rejected(pairs, PMap[AccountId, AccountInfo])
    assert err.path == "[0].value.frozen"
    transfer = array(head(0, 0), bstr(ACC), tagged(4, array(head(0, 1), head(0, 1))))
    assert rejected(transfer, Call).path == "amount"
    beyond = array(head(0, 1), head(0, 2), head(0, 3), array(array(tagged(30, head(0, 1)))))
    assert rejected(beyond, AccountInfo).path == "frozen[0][0]"


@given(st.data())
def test_the_pre_pass_accepts_every_item_of_the_subset(data: st.DataObject) -> None:
    """ENC-01 ENC-14: any canonical CBOR of the subset (any shape, not only sc4it's types) passes the
    structural pass; random bytes that pass it are well-formed CBOR of the subset."""
    leaves = st.one_of(st.integers(0, 2**128 - 1), st.binary(max_size=40), st.booleans(), st.none())
    tree = data.draw(st.recursive(leaves, lambda inner: st.lists(inner, max_size=6), max_leaves=30))
    check(cbor2.dumps(tree, canonical=True))
    raw = data.draw(st.binary(max_size=64))
    try:
        check(raw)
    except DecodeError:
        return
    _only_subset(cbor2.loads(raw))


def _only_subset(obj: Any) -> None:
    if isinstance(obj, list):
        for item in obj:
            _only_subset(item)
    else:
        assert obj is None or type(obj) in (bool, bytes) or (type(obj) is int and 0 <= obj < 2**128)
