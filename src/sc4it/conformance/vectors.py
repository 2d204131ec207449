"""Conformance vectors: read, write, verify and generate them (format: spec/vectors/README.md).

A *case* is a pre-state (a reference to `states/<root>.cbor`), then steps, each a signed call or a block
with what must come out of it: the error, the events and the state root. A *decode case* is a byte
string, a type name and the expected decoding result (accepted, or `DecodeError` at a path). The CBOR
files are normative; each has a readable JSON twin.

- `verify(directory)` replays every case with `sc4it.apply` / `sc4it.on_block` and every decode case
  with `sc4it.decode`, and returns every mismatch: file, case, step index, field, expected, got. It is
  a pure function of the files (it reads, never writes).
- `generate(out, root)` runs the test suite with the recorder of `tests/vectors_recorder.py` enabled
  (the tests that check the code emit the vectors), verifies what was recorded and replaces the
  generated files in `out` (a developer command: it needs the test extra and the `tests/` directory).
- `write_suite` / `decode_cases` are what the recorder calls.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import cbor2

from sc4it import runtime
from sc4it.block import (
    Block,
    BlockError,
    ChainSpec,
    build_block,
    calls_hash,
    execute_block,
    genesis_tip,
    seal_message,
)
from sc4it.kernel import calls, commitment, events, signing, smt, state, types
from sc4it.kernel.codec import codec_for, decode, encode
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.root import state_root
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv

FORMAT = "sc4it-vectors/v1"
CALL, BLOCK = 0, 1
KINDS = {CALL: "call", BLOCK: "block"}
CASES_KIND, DECODE_KIND, FUNCTIONS_KIND = "cases", "decode", "functions"
DECODE_AREA, FUNCTIONS_AREA = "decode", "functions"
U64_MAX = (1 << 64) - 1

DEFAULT_SELECTION: tuple[str, ...] = (
    "tests/tfchain",
    "tests/contracts",
    "tests/billing",
    "tests/service",
    "tests/registry",
    "tests/test_ledger.py",
    "tests/test_runtime.py",
    "tests/test_signing.py",
    "tests/test_bridge.py",
    "tests/test_roles.py",
    "tests/test_vectors.py",
)
"""The tests whose calls become vectors (Hypothesis tests and tests that monkeypatch are skipped)."""

EVERY_CASE: dict[str, str] = {
    "STATE-01": "every pre-state is a State value",
    "STATE-06": "every step runs at a BlockEnv (number, timestamp in ms)",
    "STATE-07": "every step compares the Outcome's error, events and state",
    "STATE-10": "every step is replayed and must give the recorded outcome",
    "ENC-09": "every pre-state and signed call is decoded strictly",
    "ENC-11": "every signature of every call covers the signing payload",
    "ENC-12": "every step compares a state root",
    "SIG-04": "every call is a signed call",
    "SIG-14": "every call is dispatched to its handler",
}
"""Rules every replay case exercises by construction (listed in index.json's `every_case`)."""

RECORD_ENV = "SC4IT_RECORD_VECTORS"
"""The recorder writes the vectors to this directory when the variable is set (tests/conftest.py)."""


class VectorFormatError(ValueError):
    """A vector file that is not what the format says (`where` names the file and the item)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


# --------------------------------------------------------------------------------------------------
# The records


@attrs.frozen
class Expected:
    error: str | None
    """The `Error` member's name, or None when the step succeeds (always None for a block)."""
    events: tuple[bytes, ...]
    """The canonical encoding of each event, in emission order."""
    state_root: bytes
    """`state_root` of the state after the step (32 bytes)."""


@attrs.frozen
class Step:
    kind: int
    """`CALL` (0) or `BLOCK` (1)."""
    number: int
    timestamp: int
    """The `BlockEnv`: block number and timestamp in milliseconds."""
    signed_call: bytes | None
    """`CALL`: the canonical encoding of the `SignedCall`; `BLOCK`: None."""
    expected: Expected


@attrs.frozen
class Case:
    name: str
    covers: tuple[str, ...]
    pre_state: bytes
    """The encoding digest (ENC-12) of the state the first step applies to: the file `states/<hex>.cbor`."""
    steps: tuple[Step, ...]


@attrs.frozen
class DecodeCase:
    name: str
    covers: tuple[str, ...]
    type_name: str
    data: bytes
    ok: bool
    path: str | None
    """When `ok` is false: the `DecodeError.path` (ENC-10)."""


@attrs.frozen
class FunctionCase:
    name: str
    covers: tuple[str, ...]
    function: str
    """A name of `FUNCTIONS` (spec/vectors/README.md lists what each computes)."""
    args: tuple[Any, ...]
    """CBOR data-model values: unsigned integers, byte strings, text strings, booleans, null, arrays."""
    ok: bool
    result: Any
    """When `ok`: the value returned; otherwise the error, as text (`OverflowError`,
    `ZeroDivisionError`, `ValueError`, `GenesisError at <path>`, `DecodeError at <path>`)."""


@attrs.frozen
class Mismatch:
    file: str
    case: str
    step: int | None
    """The index of the step in the case (None for a problem with the case or the file as a whole)."""
    field: str
    """`error`, `events.length`, `events[i]`, `state_root`, `pre_state`, `signed_call`, `decode`,
    `decode.path`, `json_twin`, `file`."""
    expected: str
    got: str

    def line(self) -> str:
        where = self.case if self.step is None else f"{self.case} step {self.step}"
        return f"{self.file}: {where}: {self.field}: expected {self.expected}, got {self.got}"

    def as_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class Report:
    files: int
    cases: int
    steps: int
    decode_cases: int
    states: int
    mismatches: tuple[Mismatch, ...]
    function_cases: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatches


# --------------------------------------------------------------------------------------------------
# CBOR data model <-> records


def _dumps(obj: Any) -> bytes:
    return cbor2.dumps(obj, canonical=True)


def case_to_obj(case: Case) -> list[Any]:
    steps: list[Any] = []
    for s in case.steps:
        exp = [s.expected.error, list(s.expected.events), s.expected.state_root]
        if s.kind == CALL:
            steps.append([CALL, s.number, s.timestamp, s.signed_call, exp])
        else:
            steps.append([BLOCK, s.number, s.timestamp, exp])
    return [case.name, list(case.covers), case.pre_state, steps]


def decode_case_to_obj(case: DecodeCase) -> list[Any]:
    return [case.name, list(case.covers), case.type_name, case.data, [case.ok, case.path]]


def function_case_to_obj(case: FunctionCase) -> list[Any]:
    return [case.name, list(case.covers), case.function, list(case.args), [case.ok, case.result]]


def function_case_from_obj(x: Any, where: str) -> FunctionCase:
    _need(isinstance(x, list) and len(x) == 5, where, "expected [name, covers, function, args, expected]")
    name, covers, function, args, exp = x
    _need(type(name) is str and type(function) is str, where, "name and function must be text strings")
    _need(isinstance(args, list), f"{where}.args", "expected an array")
    _need(
        isinstance(exp, list) and len(exp) == 2 and type(exp[0]) is bool, f"{where}.expected", "[ok, value]"
    )
    _need(exp[0] or type(exp[1]) is str, f"{where}.expected", "a failure's value is the error text")
    return FunctionCase(name, _texts(covers, f"{where}.covers"), function, tuple(args), exp[0], exp[1])


def _need(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise VectorFormatError(where, message)


def _is_uint(x: Any, top: int = U64_MAX) -> bool:
    return type(x) is int and 0 <= x <= top


def _is_bytes(x: Any, n: int | None = None) -> bool:
    return type(x) is bytes and (n is None or len(x) == n)


def _texts(x: Any, where: str) -> tuple[str, ...]:
    _need(isinstance(x, list) and all(type(i) is str for i in x), where, "expected an array of text strings")
    return tuple(x)


def _expected_from_obj(x: Any, where: str) -> Expected:
    _need(isinstance(x, list) and len(x) == 3, where, "expected [error, events, state_root]")
    error, evs, root = x
    _need(error is None or type(error) is str, f"{where}.error", "expected null or a text string")
    _need(isinstance(evs, list) and all(_is_bytes(e) for e in evs), f"{where}.events", "expected [bytes]")
    _need(_is_bytes(root, 32), f"{where}.state_root", "expected 32 bytes")
    return Expected(error, tuple(evs), root)


def step_from_obj(x: Any, where: str) -> Step:
    _need(isinstance(x, list) and len(x) >= 1 and x[0] in KINDS, where, "expected [kind, ...], kind 0 or 1")
    if x[0] == CALL:
        _need(len(x) == 5, where, "a call step is [0, number, timestamp, signed_call, expected]")
        _, number, timestamp, signed_call, exp = x
        _need(_is_bytes(signed_call), f"{where}.signed_call", "expected a byte string")
    else:
        _need(len(x) == 4, where, "a block step is [1, number, timestamp, expected]")
        _, number, timestamp, exp = x
        signed_call = None
    _need(_is_uint(number) and _is_uint(timestamp), where, "number and timestamp must be u64")
    return Step(x[0], number, timestamp, signed_call, _expected_from_obj(exp, f"{where}.expected"))


def case_from_obj(x: Any, where: str) -> Case:
    _need(isinstance(x, list) and len(x) == 4, where, "expected [name, covers, pre_state, steps]")
    name, covers, pre, steps = x
    _need(type(name) is str, f"{where}.name", "expected a text string")
    _need(_is_bytes(pre, 32), f"{where}.pre_state", "expected 32 bytes")
    _need(isinstance(steps, list), f"{where}.steps", "expected an array")
    return Case(
        name,
        _texts(covers, f"{where}.covers"),
        pre,
        tuple(step_from_obj(s, f"{where}.steps[{i}]") for i, s in enumerate(steps)),
    )


def decode_case_from_obj(x: Any, where: str) -> DecodeCase:
    _need(isinstance(x, list) and len(x) == 5, where, "expected [name, covers, type, input, expected]")
    name, covers, type_name, data, exp = x
    _need(type(name) is str and type(type_name) is str, where, "name and type must be text strings")
    _need(_is_bytes(data), f"{where}.input", "expected a byte string")
    _need(isinstance(exp, list) and len(exp) == 2 and type(exp[0]) is bool, f"{where}.expected", "[ok, path]")
    ok, path = exp
    _need(
        (ok and path is None) or (not ok and type(path) is str), f"{where}.expected", "ok=true has path null"
    )
    return DecodeCase(name, _texts(covers, f"{where}.covers"), type_name, data, ok, path)


def read_file(path: Path) -> tuple[str, str, list[Any]]:
    """(kind, area, records) of one `cases/*.cbor` file; `VectorFormatError` if it is not one."""
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise VectorFormatError(where, f"cannot read: {e.strerror or e}") from None
    try:
        doc = cbor2.loads(raw)
    except Exception as e:  # cbor2 raises several types
        raise VectorFormatError(where, f"not CBOR: {e}") from None
    _need(_dumps(doc) == raw, where, "not canonical CBOR")
    _need(isinstance(doc, list) and len(doc) == 4, where, "expected [format, kind, area, records]")
    fmt, kind, area, records = doc
    _need(fmt == FORMAT, where, f"format {fmt!r}; expected {FORMAT!r}")
    _need(kind in (CASES_KIND, DECODE_KIND, FUNCTIONS_KIND) and type(area) is str, where, "bad kind or area")
    _need(isinstance(records, list), where, "records must be an array")
    if kind == CASES_KIND:
        return kind, area, [case_from_obj(r, f"{where}[{i}]") for i, r in enumerate(records)]
    if kind == FUNCTIONS_KIND:
        return kind, area, [function_case_from_obj(r, f"{where}[{i}]") for i, r in enumerate(records)]
    return kind, area, [decode_case_from_obj(r, f"{where}[{i}]") for i, r in enumerate(records)]


# --------------------------------------------------------------------------------------------------
# Readable JSON twins


def _describe_call(data: bytes) -> dict[str, Any]:
    try:
        sc: SignedCall = decode(data, SignedCall)
    except DecodeError as e:
        return {"call": f"<undecodable: {e}>"}
    out: dict[str, Any] = {"call": type(sc.call).__name__, "signer": sc.signer.hex(), "nonce": sc.nonce}
    if sc.multisig is not None:
        out["multisig"] = f"{sc.multisig.threshold}-of-{len(sc.multisig.signatories)}"
    return out


def _event_name(data: bytes) -> str:
    try:
        return type(decode(data, events.Event)).__name__
    except DecodeError:
        return "<undecodable>"


def case_to_json(case: Case) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for s in case.steps:
        d: dict[str, Any] = {"kind": KINDS[s.kind], "block": s.number, "timestamp": s.timestamp}
        if s.kind == CALL:
            assert s.signed_call is not None
            d["signed_call"] = s.signed_call.hex()
            d.update(_describe_call(s.signed_call))
        d["expected"] = {
            "error": s.expected.error,
            "events": [e.hex() for e in s.expected.events],
            "event_names": [_event_name(e) for e in s.expected.events],
            "state_root": s.expected.state_root.hex(),
        }
        steps.append(d)
    return {"name": case.name, "covers": list(case.covers), "pre_state": case.pre_state.hex(), "steps": steps}


def decode_case_to_json(case: DecodeCase) -> dict[str, Any]:
    return {
        "name": case.name,
        "covers": list(case.covers),
        "type": case.type_name,
        "input": case.data.hex(),
        "expected": {"ok": case.ok, "path": case.path},
    }


def _json_value(x: Any) -> Any:
    """A CBOR data-model value for the JSON twin: bytes as "0x" + hex, arrays recursively."""
    if isinstance(x, bytes):
        return "0x" + x.hex()
    if isinstance(x, list | tuple):
        return [_json_value(i) for i in x]
    return x


def function_case_to_json(case: FunctionCase) -> dict[str, Any]:
    return {
        "name": case.name,
        "covers": list(case.covers),
        "function": case.function,
        "args": _json_value(case.args),
        "expected": {"ok": case.ok, "value": _json_value(case.result)},
    }


def _json_normative(doc: Any) -> Any:
    """The normative part of a JSON twin (what the CBOR holds), to compare twin and CBOR."""
    if not isinstance(doc, dict):
        return None
    out: list[Any] = []
    for c in doc.get("cases", []):
        if "function" in c:
            out.append((c.get("name"), c.get("covers"), c.get("function"), c.get("args"), c.get("expected")))
        elif "steps" in c:
            steps = [
                (
                    s.get("kind"),
                    s.get("block"),
                    s.get("timestamp"),
                    s.get("signed_call"),
                    s.get("expected", {}).get("error"),
                    s.get("expected", {}).get("events"),
                    s.get("expected", {}).get("state_root"),
                )
                for s in c["steps"]
            ]
            out.append((c.get("name"), c.get("covers"), c.get("pre_state"), steps))
        else:
            out.append((c.get("name"), c.get("covers"), c.get("type"), c.get("input"), c.get("expected")))
    return [doc.get("format"), doc.get("kind"), doc.get("area"), out]


Record = Case | DecodeCase | FunctionCase


def _to_json(r: Record) -> dict[str, Any]:
    if isinstance(r, Case):
        return case_to_json(r)
    if isinstance(r, DecodeCase):
        return decode_case_to_json(r)
    return function_case_to_json(r)


def _to_obj(r: Record) -> list[Any]:
    if isinstance(r, Case):
        return case_to_obj(r)
    if isinstance(r, DecodeCase):
        return decode_case_to_obj(r)
    return function_case_to_obj(r)


def _json_doc(kind: str, area: str, records: Sequence[Record]) -> dict[str, Any]:
    cases = [_to_json(r) for r in records]
    return {
        "format": FORMAT,
        "kind": kind,
        "area": area,
        "note": f"Readable twin of {area}.cbor (bytes as hex; call, signer, nonce and event_names are "
        "decoded for readers). The CBOR file is normative: see spec/vectors/README.md.",
        "cases": cases,
    }


# --------------------------------------------------------------------------------------------------
# Replaying


class _States:
    """Pre-states by encoding digest, loaded from `states/` on first use and checked against their name."""

    def __init__(self, directory: Path, preloaded: dict[bytes, bytes] | None = None) -> None:
        self.directory = directory
        self.preloaded = preloaded or {}
        self.cache: dict[bytes, State | Mismatch] = {}

    def get(self, root: bytes, file: str, case: str) -> State | Mismatch:
        hit = self.cache.get(root)
        if hit is not None:
            return hit
        name = f"states/{root.hex()}.cbor"

        def bad(got: str) -> Mismatch:
            return Mismatch(
                file, case, None, "pre_state", f"{name} decoding to a State with that digest", got
            )

        result: State | Mismatch
        data = self.preloaded.get(root)
        if data is None:
            try:
                data = (self.directory / name).read_bytes()
            except OSError as e:
                data = None
                result = bad(f"unreadable ({e.strerror or e})")
        if data is not None:
            digest = hashlib.blake2b(data, digest_size=32).digest()
            if digest != root:
                result = bad(f"a file whose blake2b-256 is {digest.hex()}")
            else:
                try:
                    # decode accepts only the canonical encoding, so the encoding digest of the decoded
                    # state is the hash of these very bytes (ENC-09, ENC-12)
                    result = decode(data, State, max_bytes=None)
                except DecodeError as e:
                    result = bad(f"DecodeError at {e.path}: {e.message}")
        self.cache[root] = result
        return result


def _hex_list(items: Sequence[bytes]) -> str:
    return "[" + ", ".join(i.hex() for i in items) + "]"


def replay_case(
    case: Case,
    load_state: Callable[[bytes], State | Mismatch],
    file: str = "",
    apply: Callable[..., runtime.Outcome] | None = None,
    on_block: Callable[..., runtime.Outcome] | None = None,
) -> list[Mismatch]:
    """Replay one case from its pre-state; the mismatches of the first step that differs (the replay
    stops there: later steps would start from a different state)."""
    apply = apply or runtime.apply
    on_block = on_block or runtime.on_block
    st = load_state(case.pre_state)
    if isinstance(st, Mismatch):
        return [attrs.evolve(st, file=file, case=case.name)]
    for i, step in enumerate(case.steps):
        env = BlockEnv(step.number, step.timestamp)
        if step.kind == CALL:
            assert step.signed_call is not None
            try:
                signed: SignedCall = decode(step.signed_call, SignedCall)
            except DecodeError as e:
                return [Mismatch(file, case.name, i, "signed_call", "a SignedCall", f"DecodeError {e}")]
            out = apply(st, signed, env)
        else:
            out = on_block(st, env)
        diffs: list[tuple[str, str, str]] = []  # (field, expected, got)
        error = None if out.error is None else out.error.name
        if error != step.expected.error:
            diffs.append(("error", str(step.expected.error), str(error)))
        got_events = [encode(e) for e in out.events]
        want = step.expected.events
        if len(got_events) != len(want):
            diffs.append(
                (
                    "events.length",
                    f"{len(want)} {_hex_list(want)}",
                    f"{len(got_events)} {_hex_list(got_events)}",
                )
            )
        for j, (w, g) in enumerate(zip(want, got_events, strict=False)):
            if w != g:
                diffs.append((f"events[{j}]", w.hex(), g.hex()))
        root = state_root(out.state)
        if root != step.expected.state_root:
            diffs.append(("state_root", step.expected.state_root.hex(), root.hex()))
        if diffs:
            return [Mismatch(file, case.name, i, f, e, g) for f, e, g in diffs]
        st = out.state
    return []


def check_decode_case(case: DecodeCase, file: str = "") -> list[Mismatch]:
    t = DECODE_TYPES.get(case.type_name)
    if t is None:
        return [Mismatch(file, case.name, None, "decode", "a known type name", repr(case.type_name))]
    try:
        decode(case.data, t)
        ok, path = True, None
    except DecodeError as e:
        ok, path = False, e.path
    want = "accepted" if case.ok else f"DecodeError at {case.path}"
    got = "accepted" if ok else f"DecodeError at {path}"
    if ok != case.ok:
        return [Mismatch(file, case.name, None, "decode", want, got)]
    if path != case.path:
        return [Mismatch(file, case.name, None, "decode.path", str(case.path), str(path))]
    return []


def _sample(items: list[Any], fraction: float | None, seed: int) -> list[Any]:
    if fraction is None or fraction >= 1:
        return items
    rng = random.Random(seed)
    return [c for c in items if rng.random() < fraction]


def verify(
    directory: Path | str,
    *,
    sample: float | None = None,
    seed: int = 0,
    check_json: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Replay every vector under `directory` (or a deterministic `sample` fraction of the cases, chosen
    by `seed`); `VectorFormatError` if the directory does not hold vectors or a file is malformed."""
    d = Path(directory)
    files = sorted((d / "cases").glob("*.cbor"))
    if not files:
        raise VectorFormatError(str(d), "no cases/*.cbor files: not a vectors directory")
    loaded = [(p, *read_file(p)) for p in files]
    states = _States(d)
    mismatches: list[Mismatch] = []
    n_cases = n_steps = n_decode = n_functions = 0
    total = sum(len(recs) for _, kind, _, recs in loaded if kind == CASES_KIND)
    done = 0
    for path, kind, area, records in loaded:
        rel = f"cases/{path.name}"
        if area + ".cbor" != path.name:
            mismatches.append(Mismatch(rel, "", None, "file", f"area {path.stem!r}", repr(area)))
        if check_json:
            mismatches.extend(_check_twin(path, rel, kind, area, records))
        if kind == DECODE_KIND:
            for dc in _sample(records, sample, seed):
                n_decode += 1
                mismatches.extend(check_decode_case(dc, rel))
            continue
        if kind == FUNCTIONS_KIND:
            for fc in _sample(records, sample, seed):
                n_functions += 1
                mismatches.extend(check_function_case(fc, rel))
            continue
        for case in _sample(records, sample, seed):
            n_cases += 1
            n_steps += len(case.steps)
            mismatches.extend(replay_case(case, _loader(states, rel, case.name), rel))
        done += len(records)
        if progress is not None:
            progress(done, total)
    n_states = sum(1 for v in states.cache.values() if isinstance(v, State))
    return Report(len(files), n_cases, n_steps, n_decode, n_states, tuple(mismatches), n_functions)


def _loader(states: _States, file: str, case: str) -> Callable[[bytes], State | Mismatch]:
    return lambda root: states.get(root, file, case)


def _check_twin(path: Path, rel: str, kind: str, area: str, records: list[Any]) -> list[Mismatch]:
    twin = path.with_suffix(".json")
    try:
        doc = json.loads(twin.read_text())
    except (OSError, ValueError) as e:
        return [Mismatch(rel, "", None, "json_twin", f"a readable twin {twin.name}", f"unreadable ({e})")]
    if _json_normative(doc) != _json_normative(_json_doc(kind, area, records)):
        return [Mismatch(rel, "", None, "json_twin", f"{twin.name} holding the same vectors", "a difference")]
    return []


# --------------------------------------------------------------------------------------------------
# Writing


def area_of(nodeid: str) -> str:
    """The file a test's cases go to: its directory under tests/ (`tests/billing/...` -> `billing`), or
    the module name without `test_` for a test module directly under tests/ (`scenarios` for
    tests/test_vectors.py)."""
    path = nodeid.split("::", 1)[0]
    parts = path.split("/")
    if len(parts) > 2:
        return parts[1]
    area = parts[-1].removesuffix(".py").removeprefix("test_")
    return "scenarios" if area == "vectors" else area  # tests/test_vectors.py's scenarios


def case_sort_key(name: str) -> tuple[str, int]:
    head, _, seg = name.rpartition("#")
    return (head, int(seg)) if seg.isdigit() else (name, 0)


def write_suite(
    out: Path,
    cases: Iterable[Case],
    states: dict[bytes, bytes],
    *,
    decode_vectors: Sequence[DecodeCase] | None = None,
    function_vectors: Sequence[FunctionCase] | None = None,
    dropped: Sequence[tuple[str, str]] = (),
    selection: Sequence[str] = DEFAULT_SELECTION,
) -> dict[str, Any]:
    """Write `cases/<area>.cbor` + `.json`, `cases/decode.*`, the pre-states `states/<root>.cbor` used
    by the cases and `index.json` into `out` (which must not hold older generated files); returns the
    index document."""
    by_area: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        by_area[area_of(c.name)].append(c)
    (out / "cases").mkdir(parents=True, exist_ok=True)
    (out / "states").mkdir(parents=True, exist_ok=True)
    rules: dict[str, list[str]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    files: dict[str, dict[str, int]] = {}
    used: set[bytes] = set()
    n_steps = n_calls = 0
    for area in sorted(by_area):
        recs = sorted(by_area[area], key=lambda c: case_sort_key(c.name))
        _write_pair(out / "cases", area, CASES_KIND, recs)
        steps = sum(len(c.steps) for c in recs)
        files[f"cases/{area}.cbor"] = {"cases": len(recs), "steps": steps}
        n_steps += steps
        for c in recs:
            used.add(c.pre_state)
            for rule in c.covers:
                rules[rule].append(c.name)
            for s in c.steps:
                n_calls += s.kind == CALL
                if s.expected.error is not None and c.name not in errors[s.expected.error]:
                    errors[s.expected.error].append(c.name)
    dvs = list(decode_cases() if decode_vectors is None else decode_vectors)
    _write_pair(out / "cases", DECODE_AREA, DECODE_KIND, dvs)
    files[f"cases/{DECODE_AREA}.cbor"] = {"cases": len(dvs), "steps": 0}
    for dc in dvs:
        for rule in dc.covers:
            rules[rule].append(dc.name)
        if not dc.ok and dc.name not in errors["DecodeError"]:
            errors["DecodeError"].append(dc.name)
    fns = list(function_cases() if function_vectors is None else function_vectors)
    _write_pair(out / "cases", FUNCTIONS_AREA, FUNCTIONS_KIND, fns)
    files[f"cases/{FUNCTIONS_AREA}.cbor"] = {"cases": len(fns), "steps": 0}
    for fc in fns:
        for rule in fc.covers:
            rules[rule].append(fc.name)
    names = [c.name for recs in by_area.values() for c in recs]
    names += [d.name for d in dvs] + [f.name for f in fns]
    if len(set(names)) != len(names):
        raise ValueError("vector names must be unique across the suite")
    for root in sorted(used):
        (out / "states" / f"{root.hex()}.cbor").write_bytes(states[root])
    n_cases = sum(len(v) for v in by_area.values())
    from sc4it import __version__
    from sc4it.conformance.speccov import rule_sort_key

    index: dict[str, Any] = {
        "format": FORMAT,
        "generated_by": "sc4it vectors generate",
        "sc4it_version": __version__,
        "selection": list(selection),
        "counts": {
            "cases": n_cases,
            "steps": n_steps,
            "call_steps": n_calls,
            "block_steps": n_steps - n_calls,
            "states": len(used),
            "decode_cases": len(dvs),
            "function_cases": len(fns),
        },
        "files": files,
        "rules": {r: rules[r] for r in sorted(rules, key=rule_sort_key)},
        "every_case": EVERY_CASE,
        "errors": {e: errors[e] for e in sorted(errors)},
        "not_recorded": [{"test": t, "reason": why} for t, why in dropped],
    }
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return index


def _write_pair(directory: Path, area: str, kind: str, records: Sequence[Record]) -> None:
    objs = [_to_obj(r) for r in records]
    (directory / f"{area}.cbor").write_bytes(_dumps([FORMAT, kind, area, objs]))
    (directory / f"{area}.json").write_text(json.dumps(_json_doc(kind, area, records), indent=1) + "\n")


GENERATED = ("cases", "states", "index.json")
"""What `generate` replaces in the output directory (README.md stays)."""


class GenerateError(Exception):
    """`generate` could not produce vectors: `code` is the CLI exit code (2: no tests/, 1: failed)."""

    def __init__(self, code: int, what: str, fix: str = "") -> None:
        super().__init__(what)
        self.code = code
        self.what = what
        self.fix = fix


def find_root(start: Path | None = None) -> Path | None:
    """The checkout holding `tests/` and `spec/`: the current directory or one of its parents, else the
    checkout this package runs from (src layout)."""
    candidates: list[Path] = []
    here = (start or Path.cwd()).resolve()
    candidates += [here, *here.parents]
    candidates.append(Path(__file__).resolve().parents[2])
    for c in candidates:
        if (c / "tests" / "vectors_recorder.py").is_file() and (c / "spec").is_dir():
            return c
    return None


def generate(
    out: Path,
    root: Path,
    *,
    selection: Sequence[str] = DEFAULT_SELECTION,
    python: str = sys.executable,
    quiet: bool = True,
) -> Report:
    """Run `selection` under pytest with the recorder, verify the result and replace the generated
    files of `out` with it. Raises `GenerateError`."""
    if not (root / "tests" / "vectors_recorder.py").is_file():
        raise GenerateError(
            2,
            f"{root / 'tests'} is missing (or has no vectors_recorder.py)",
            "run from a source checkout of sc4it, with the test extra installed (pip install -e '.[test]')",
        )
    with tempfile.TemporaryDirectory(prefix="sc4it-vectors-") as tmp:
        env = dict(os.environ)
        env[RECORD_ENV] = tmp
        env["PYTHONPATH"] = os.pathsep.join(
            [str(root / "src"), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
        )
        cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *selection]
        proc = subprocess.run(
            cmd, cwd=root, env=env, stdout=subprocess.PIPE if quiet else None, stderr=subprocess.STDOUT
        )
        if proc.returncode != 0:
            tail = (proc.stdout or b"").decode(errors="replace")[-3000:] if quiet else ""
            raise GenerateError(
                1,
                f"the tests failed under the recorder (pytest exit {proc.returncode})\n{tail}",
                "fix the failing tests first: vectors are recorded from a passing suite",
            )
        if not (Path(tmp) / "index.json").is_file():
            raise GenerateError(
                1, "the recorder wrote nothing", f"is {RECORD_ENV} read by tests/conftest.py?"
            )
        report = verify(tmp)
        if not report.ok:
            lines = "\n".join(m.line() for m in report.mismatches[:20])
            raise GenerateError(1, f"the recorded vectors do not replay:\n{lines}", "")
        out.mkdir(parents=True, exist_ok=True)
        for name in GENERATED:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            shutil.move(str(Path(tmp) / name), str(target))
    return report


def size_on_disk(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


# --------------------------------------------------------------------------------------------------
# Decode vectors (ENC rules): a fixed list of valid and malformed inputs


def _decode_types() -> dict[str, Any]:
    named: dict[str, Any] = {
        "Call": calls.Call,
        "Event": events.Event,
        "ContractState": types.ContractState,
        "ContractData": types.ContractData,
        "PowerState": types.PowerState,
    }
    for cls in (
        types.AccountInfo,
        types.Contract,
        types.Farm,
        types.Node,
        types.NodePower,
        types.PublicIP,
        types.Provider,
        types.Resources,
        types.SolutionProvider,
        types.ContractPaymentState,
        signing.SignedCall,
        signing.MultisigSpec,
        state.State,
        state.Config,
        BlockEnv,
    ):
        named[cls.__name__] = cls
    return named


DECODE_TYPES: dict[str, Any] = _decode_types()
"""The type names a decode case may name."""


def _head(major: int, n: int) -> bytes:
    from sc4it.kernel.root import cbor_head

    return cbor_head(major, n)


def _arr(*items: bytes) -> bytes:
    return _head(4, len(items)) + b"".join(items)


def _u(n: int) -> bytes:
    return _dumps(n)


def _b(data: bytes) -> bytes:
    return _dumps(data)


def decode_cases() -> list[DecodeCase]:
    """The fixed list of decode vectors. Expected results are computed with `sc4it.decode`; the list is
    built so that each `ok` is what the ENC rule it covers says (tests/test_vectors.py checks them)."""
    from sc4it.kernel.signing import Keypair, MultisigSpec, sign

    key = Keypair.from_seed(hashlib.blake2b(b"sc4it/vectors/decode", digest_size=32).digest())
    other = Keypair.from_seed(hashlib.blake2b(b"sc4it/vectors/decode/2", digest_size=32).digest())
    chain = hashlib.blake2b(b"sc4it/vectors/chain", digest_size=32).digest()
    acct = bytes(range(32))
    info = types.AccountInfo(nonce=1, free=23, reserved=24, frozen=256)
    transfer = calls.Transfer(dest=acct, amount=500)
    signed = sign(transfer, key, 7, chain)
    multi = MultisigSpec.of(2, [key.account_id, other.account_id])
    msigned = sign(transfer, [key, other], 0, chain, multisig=multi)
    empty = State.empty(
        state.Config(),
        types.Roles(bytes([1]) * 32, bytes([2]) * 32, bytes([4]) * 32),
        chain,
    )
    two = attrs.evolve(
        empty,
        accounts=empty.accounts.set(bytes([9]) * 32, types.AccountInfo(0, 600)).set(
            bytes([8]) * 32, types.AccountInfo(0, 700)
        ),
        total_issuance=1300,
        minted=1300,
        nodes_by_farm_id=PMap([(1, PSet((2, 3)))]),
    )
    two_bytes = encode(two)
    acc8 = _arr(_b(bytes([8]) * 32), encode(types.AccountInfo(0, 700)))
    acc9 = _arr(_b(bytes([9]) * 32), encode(types.AccountInfo(0, 600)))
    sorted_accounts = _arr(acc8, acc9)
    farm_set = _arr(_u(1), _arr(_u(2), _u(3)))
    assert sorted_accounts in two_bytes and farm_set in two_bytes
    contract = types.Contract(
        4, types.Deleted(types.Cause.OutOfFunds), 9, 2, types.NameContract(b"abc"), None
    )
    ev = events.ContractGracePeriodStarted(5, 3, 2, 100)
    big = types.AccountInfo(0, 1 << 64, 0, 0)
    sig_ok = encode(signed)

    raw: list[tuple[str, str, bytes, tuple[str, ...]]] = [
        # (name, type, bytes, covers) ------------------------------------------------------------
        ("account-info", "AccountInfo", encode(info), ("ENC-02", "ENC-05")),
        ("u128-bignum", "AccountInfo", encode(big), ("ENC-02",)),
        ("u128-max", "AccountInfo", encode(types.AccountInfo(0, (1 << 128) - 1)), ("ENC-02",)),
        ("transfer", "Call", encode(transfer), ("ENC-03", "ENC-06")),
        ("signed-call", "SignedCall", sig_ok, ("ENC-11", "SIG-04")),
        ("multisig-signed-call", "SignedCall", encode(msigned), ("ENC-11", "SIG-06")),
        ("multisig-spec", "MultisigSpec", encode(multi), ("ENC-07", "ENC-11")),
        ("contract", "Contract", encode(contract), ("ENC-04", "ENC-06")),
        ("event", "Event", encode(ev), ("ENC-06",)),
        ("block-env", "BlockEnv", encode(BlockEnv(1, 6000)), ("ENC-05",)),
        ("state-empty", "State", encode(empty), ("ENC-08", "ENC-12")),
        ("state-two-accounts", "State", two_bytes, ("ENC-08", "ENC-12")),
        ("config", "Config", encode(state.Config()), ("ENC-05",)),
        ("power-down", "PowerState", encode(types.PowerDown(7)), ("ENC-06",)),
        # integers (ENC-01, ENC-02, ENC-09)
        ("non-minimal-int", "AccountInfo", _arr(b"\x18\x01", _u(23), _u(24), _u(256)), ("ENC-01", "ENC-09")),
        ("non-minimal-int-2", "AccountInfo", _arr(_u(1), b"\x19\x00\x17", _u(24), _u(256)), ("ENC-09",)),
        ("bignum-below-2^64", "AccountInfo", _arr(_u(1), b"\xc2\x41\x17", _u(24), _u(256)), ("ENC-02",)),
        (
            "bignum-leading-zero",
            "AccountInfo",
            _arr(_u(0), b"\xc2\x4a\x00\x01" + bytes(8), _u(0), _u(0)),
            ("ENC-02", "ENC-09"),
        ),
        ("u128-overflow", "AccountInfo", _arr(_u(0), b"\xc2\x51\x01" + bytes(16), _u(0), _u(0)), ("ENC-02",)),
        ("u64-overflow", "AccountInfo", _arr(b"\xc2\x49\x01" + bytes(8), _u(0), _u(0), _u(0)), ("ENC-02",)),
        ("u8-overflow", "Provider", _arr(_b(acct), _u(256)), ("ENC-02",)),
        ("u64-overflow-nested", "NodePower", _arr(_arr(_u(1), _u(1 << 64)), _u(0)), ("ENC-02", "ENC-10")),
        (
            "u32-overflow",
            "Contract",
            _arr(_u(4), _arr(_u(0)), _u(9), _u(1 << 32), _arr(_u(1), _b(b"abc")), b"\xf6"),
            ("ENC-02",),
        ),
        ("negative-int", "AccountInfo", _arr(b"\x20", _u(0), _u(0), _u(0)), ("ENC-01",)),
        ("float", "AccountInfo", _arr(b"\xf9\x3c\x00", _u(0), _u(0), _u(0)), ("ENC-01",)),
        ("text-for-bytes", "Call", _arr(_u(0), b"\x78\x20" + b"a" * 32, _u(500)), ("ENC-01", "ENC-03")),
        ("other-tag", "AccountInfo", _arr(b"\xc1\x01", _u(0), _u(0), _u(0)), ("ENC-01", "ENC-09")),
        ("tag-on-array", "AccountInfo", b"\xd8\x18" + encode(info), ("ENC-01", "ENC-09")),
        # structure
        ("trailing-bytes", "AccountInfo", encode(info) + b"\x00", ("ENC-09", "ENC-10")),
        ("truncated", "AccountInfo", encode(info)[:-1], ("ENC-09", "ENC-10")),
        ("empty-input", "AccountInfo", b"", ("ENC-10",)),
        ("indefinite-array", "AccountInfo", b"\x9f" + encode(info)[1:] + b"\xff", ("ENC-01", "ENC-09")),
        (
            "indefinite-bytes",
            "Call",
            _arr(_u(0), b"\x5f\x50" + acct[:16] + b"\x50" + acct[16:] + b"\xff", _u(1)),
            ("ENC-01", "ENC-09"),
        ),
        ("cbor-map", "AccountInfo", b"\xa1\x01\x02", ("ENC-01", "ENC-10")),
        ("too-few-fields", "AccountInfo", _arr(_u(1), _u(23), _u(24)), ("ENC-05", "ENC-10")),
        ("too-many-fields", "AccountInfo", _arr(_u(1), _u(23), _u(24), _u(256), _u(0)), ("ENC-05",)),
        ("null-not-optional", "AccountInfo", _arr(b"\xf6", _u(0), _u(0), _u(0)), ("ENC-03",)),
        ("bool-as-int", "Call", _arr(_u(15), _u(3), _u(1)), ("ENC-03",)),
        ("int-as-bool", "NodePower", _arr(_arr(_u(0)), b"\xf5"), ("ENC-04",)),
        # byte lengths
        ("account-id-31-bytes", "Call", _arr(_u(0), _b(acct[:31]), _u(500)), ("ENC-03", "ENC-10")),
        ("account-id-33-bytes", "Call", _arr(_u(0), _b(acct + b"\x00"), _u(500)), ("ENC-03",)),
        (
            "signature-63-bytes",
            "SignedCall",
            _arr(
                _b(chain),
                _b(key.account_id),
                _u(7),
                encode(transfer),
                _arr(_arr(_b(key.account_id), _b(bytes(63)))),
                b"\xf6",
            ),
            ("ENC-03", "ENC-10"),
        ),
        ("name-too-long", "Call", _arr(_u(44), _b(b"a" * 129)), ("ENC-03",)),
        ("sequence-too-long", "MultisigSpec", _arr(_u(1), _head(4, 101) + _b(acct) * 101), ("ENC-07",)),
        ("sequence-empty", "MultisigSpec", _arr(_u(1), _arr()), ("ENC-07",)),
        # enumerations and unions
        ("enum-out-of-range", "NodePower", _arr(_arr(_u(0)), _u(2)), ("ENC-04", "ENC-10")),
        ("call-missing-fields", "Call", _arr(_u(24)), ("ENC-05", "ENC-06")),
        ("unknown-call-tag", "Call", _arr(_u(3), _b(acct), _u(1)), ("ENC-06", "ENC-10")),
        ("unknown-event-tag", "Event", _arr(_u(47), _u(1)), ("ENC-06",)),
        ("tag-not-int", "Call", _arr(_b(b"\x00"), _b(acct), _u(1)), ("ENC-06",)),
        ("empty-union", "PowerState", _arr(), ("ENC-06",)),
        ("union-wrong-field-count", "PowerState", _arr(_u(1)), ("ENC-05", "ENC-06")),
        (
            "nested-union-path",
            "Contract",
            _arr(_u(4), _arr(_u(1), _u(3)), _u(9), _u(2), _arr(_u(1), _b(b"abc")), b"\xf6"),
            ("ENC-04", "ENC-10"),
        ),
        # maps and sets
        (
            "map-unsorted",
            "State",
            two_bytes.replace(sorted_accounts, _arr(acc9, acc8)),
            ("ENC-08", "ENC-09"),
        ),
        (
            "map-duplicate-key",
            "State",
            two_bytes.replace(sorted_accounts, _arr(acc8, acc8)),
            ("ENC-08", "ENC-10"),
        ),
        (
            "map-entry-not-pair",
            "State",
            two_bytes.replace(sorted_accounts, _arr(acc8, _arr(_b(bytes([9]) * 32)))),
            ("ENC-08", "ENC-10"),
        ),
        ("set-unsorted", "State", two_bytes.replace(farm_set, _arr(_u(1), _arr(_u(3), _u(2)))), ("ENC-08",)),
        (
            "set-duplicate-item",
            "State",
            two_bytes.replace(farm_set, _arr(_u(1), _arr(_u(2), _u(2)))),
            ("ENC-08", "ENC-10"),
        ),
        (
            "map-value-path",
            "State",
            two_bytes.replace(acc9, _arr(_b(bytes([9]) * 32), _arr(_u(0), b"\x20", _u(0), _u(0)))),
            ("ENC-10",),
        ),
    ]
    out: list[DecodeCase] = []
    for name, type_name, data, covers in raw:
        t = DECODE_TYPES[type_name]
        try:
            decode(data, t)
            out.append(DecodeCase(name, covers, type_name, data, True, None))
        except DecodeError as e:
            out.append(DecodeCase(name, covers, type_name, data, False, e.path))
    return out


def iter_cases(directory: Path) -> Iterator[tuple[str, Case]]:
    """(file, case) for every replay case under `directory`."""
    for p in sorted((directory / "cases").glob("*.cbor")):
        kind, _, records = read_file(p)
        if kind == CASES_KIND:
            for c in records:
                yield f"cases/{p.name}", c


# --------------------------------------------------------------------------------------------------
# Function vectors: fixed-point arithmetic, keys and addresses, hashes, the genesis


def _fx(name: str) -> Callable[..., int]:
    """A U64F64 rule of `kernel/fixed.py` (or an FX-15 helper) on exactly its operands: the width
    parameters (`frac_nbits`, `bits_max`) keep their U64F64 defaults."""
    from sc4it.kernel import fixed, saturating

    fn: Callable[..., int] = getattr(fixed, name, None) or getattr(saturating, name)
    arity = sum(1 for p in inspect.signature(fn).parameters.values() if p.default is p.empty)

    def run(*args: int) -> int:
        if len(args) != arity:
            raise TypeError(f"{name} takes {arity} operands, not {len(args)}")
        return fn(*args)

    return run


def _u32f32(op: str) -> Callable[..., int]:
    from sc4it.kernel.fixed import U32F32

    def run(*bits: int) -> int:
        values = [U32F32.from_bits(b) for b in bits]
        if op == "div":
            return (values[0] / values[1]).bits
        if op == "round":
            return values[0].round().bits
        return U32F32.from_int(bits[0]).bits  # from_int

    return run


def _perthing(kind: str, op: str) -> Callable[..., int]:
    from sc4it.kernel.perthing import Perbill, Percent

    cls = Perbill if kind == "perbill" else Percent

    def run(*args: int) -> int:
        if op == "mul":
            return cls.from_parts(args[0]) * args[1]
        if op == "from_percent":
            return cls.from_percent(args[0]).deconstruct()
        if op == "from_parts":
            return cls.from_parts(args[0]).deconstruct()
        if op == "from_rational":
            return cls.from_rational(args[0], args[1]).deconstruct()
        if op == "mul_perthing":
            x, y = Perbill.from_parts(args[0]), Perbill.from_parts(args[1])
            return (x * y).deconstruct()
        if op == "mul_floor":
            return cls.from_parts(args[0]).mul_floor(args[1])
        return cls.from_parts(args[0]).mul_ceil(args[1])  # mul_ceil

    return run


def _ed25519_public_key(seed: bytes) -> bytes:
    from sc4it.kernel.signing import Keypair

    return Keypair.from_seed(seed).account_id


def _ed25519_sign(seed: bytes, message: bytes) -> bytes:
    from sc4it.kernel.signing import Keypair

    return Keypair.from_seed(seed).sign(message)


def _ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    from sc4it.kernel.signing import verify as ed_verify

    return ed_verify(public_key, message, signature)


def _ss58_encode(account: bytes, prefix: int) -> str:
    return signing.ss58_encode(account, prefix)


def _ss58_decode(address: str, prefix: int | None) -> bytes:
    return signing.ss58_decode(address, prefix)


def _multisig_account_id(threshold: int, signatories: list[bytes]) -> bytes:
    spec = signing.MultisigSpec(threshold, tuple(signatories))
    if not spec.is_well_formed():
        raise ValueError("not a well-formed multisig spec")
    return spec.account_id()


def _signing_payload(chain_id: bytes, signer: bytes, nonce: int, call: bytes) -> bytes:
    return signing.signing_payload(chain_id, signer, nonce, decode(call, calls.Call))


def _deployment_hash(workload: bytes) -> bytes:
    from sc4it.deployment import deployment_hash

    return deployment_hash(workload)


def _genesis(data: bytes) -> Any:
    from sc4it.genesis import Genesis

    return decode(data, Genesis, max_bytes=None)


def _genesis_chain_id(data: bytes) -> bytes:
    from sc4it.genesis import chain_id_of

    return chain_id_of(_genesis(data))


def _genesis_build(data: bytes) -> bytes:
    from sc4it.genesis import build

    return state_root(build(_genesis(data)))


def _genesis_loads(text: str) -> bytes:
    from sc4it.genesis import chain_id_of, loads

    return chain_id_of(loads(text))


def _genesis_default() -> list[bytes]:
    from sc4it.genesis import chain_id_of, default, default_genesis

    return [chain_id_of(default_genesis()), state_root(default())]


def _dev_account(name: str) -> bytes:
    from sc4it.genesis import dev_keypair

    return dev_keypair(name).account_id


def _block_execute(genesis: bytes, spec: bytes, blocks: list[bytes]) -> list[bytes]:
    """BLK-31..BLK-41: execute encoded blocks in turn from the genesis tip; [head hash, commitment]."""
    from sc4it.genesis import build, default, default_genesis

    g = _genesis(genesis)
    chain_spec: ChainSpec = decode(spec, ChainSpec)
    tip = genesis_tip(default() if g == default_genesis() else build(g), chain_spec)
    for data in blocks:
        tip = execute_block(tip, decode(data, Block, max_bytes=None), chain_spec).tip
    return [tip.hash, tip.header.state_commitment]


def _state_empty(config: bytes, roles: bytes, chain_id: bytes) -> bytes:
    return state_root(State.empty(decode(config, state.Config), decode(roles, types.Roles), chain_id))


def _smt_key_hash(map_name: str, key: Any) -> bytes:
    return smt.key_hash(_dumps_canonical([map_name, key]))


def _smt_tree(leaves: list[list[bytes]]) -> smt.Node:
    if any(len(leaf) != 2 or len(leaf[0]) != 32 or len(leaf[1]) != 32 for leaf in leaves):
        raise ValueError("a leaf is [path: 32 bytes, value hash: 32 bytes]")
    paths = [smt.path_of(p) for p, _ in leaves]
    if len(set(paths)) != len(paths):
        raise ValueError("duplicate paths")
    return smt.build(zip(paths, (v for _, v in leaves), strict=True))


def _smt_root(leaves: list[list[bytes]]) -> bytes:
    return smt.root_of(_smt_tree(leaves))


def _smt_prove(leaves: list[list[bytes]], paths: list[bytes]) -> bytes:
    return smt.prove(_smt_tree(leaves), [smt.path_of(p) for p in paths])


def _smt_verify(root: bytes, claims: list[list[Any]], proof: bytes) -> bool:
    return smt.verify(root, [(smt.path_of(p), v) for p, v in claims], proof)


def _state_claim(claim: list[Any]) -> tuple[str, Any, Any]:
    """[map, key (CBOR data model), value encoding or null] -> a typed claim of `commitment.verify_many`;
    `ValueError` for a claim that is not of that shape, of no map, or whose key or value does not decode
    to the map's types (strictly, ENC-09)."""
    if not isinstance(claim, list) or len(claim) != 3 or not isinstance(claim[0], str):
        raise ValueError("a claim is [map, key, value encoding or null]")
    map_name, key_dm, value = claim
    try:
        if map_name == commitment.PSEUDO_MAP:
            field = commitment.FIELDS[[f.name for f in commitment.FIELDS].index(key_dm)]
            return map_name, key_dm, None if value is None else decode(value, field.vtype)
        field = next(f for f in commitment.FIELDS if f.name == map_name and f.is_map)
        if field.set_valued:
            key: Any = (
                codec_for(field.ktype).dec(key_dm[0], "key"),
                codec_for(field.vtype).dec(key_dm[1], "item"),
            )
            return map_name, key, None if value is None else cbor2.loads(value)
        key = codec_for(field.ktype).dec(key_dm, "key")
        return map_name, key, None if value is None else decode(value, field.vtype)
    except (StopIteration, TypeError, IndexError, DecodeError, cbor2.CBORDecodeError) as e:
        raise ValueError(f"not a claim of a storage map: {e}") from None


def _state_verify(root: bytes, claims: list[list[Any]], proof: bytes) -> bool:
    """CMT-23: `commitment.verify_many` on claims written as CBOR data."""
    return commitment.verify_many(root, [_state_claim(c) for c in claims], proof)


def _dumps_canonical(obj: Any) -> bytes:
    return cbor2.dumps(obj, canonical=True)


def _config_default(which: str) -> bytes:
    cfg = state.Config.tfchain_test_mock() if which == "tfchain_test_mock" else state.Config()
    return encode(cfg)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    # U64F64 on raw bits (spec/fixed.md)
    "u64f64.from_int": _fx("fx_from_int"),
    "u64f64.from_f64_literal": lambda text: _fx("bits_from_f64_literal")(text),
    "u64f64.mul": _fx("fx_mul"),
    "u64f64.div": _fx("fx_div"),
    "u64f64.mul_int": _fx("fx_mul_int"),
    "u64f64.div_int": _fx("fx_div_int"),
    "u64f64.add": _fx("fx_add"),
    "u64f64.sub": _fx("fx_sub"),
    "u64f64.round": _fx("fx_round"),
    "u64f64.floor": _fx("fx_floor"),
    "u64f64.ceil": _fx("fx_ceil"),
    "u64f64.to_int": _fx("fx_to_int"),
    "u64f64.wrapping_mul": _fx("fx_wrapping_mul"),
    "u64f64.wrapping_add": _fx("fx_wrapping_add"),
    "u32f32.from_int": _u32f32("from_int"),
    "u32f32.div": _u32f32("div"),
    "u32f32.round": _u32f32("round"),
    "perbill.mul": _perthing("perbill", "mul"),
    "percent.mul": _perthing("percent", "mul"),
    "percent.from_percent": _perthing("percent", "from_percent"),
    "perbill.from_parts": _perthing("perbill", "from_parts"),
    "perbill.from_rational": _perthing("perbill", "from_rational"),
    "perbill.mul_perbill": _perthing("perbill", "mul_perthing"),
    "perbill.mul_floor": _perthing("perbill", "mul_floor"),
    "perbill.mul_ceil": _perthing("perbill", "mul_ceil"),
    "u64.saturating_add": lambda a, b: _fx("saturating_add_u64")(a, b),
    "u64.saturating_sub": lambda a, b: _fx("saturating_sub")(a, b),
    # keys, addresses, hashes (spec/signing.md, spec/deployment.md)
    "ed25519.public_key": _ed25519_public_key,
    "ed25519.sign": _ed25519_sign,
    "ed25519.verify": _ed25519_verify,
    "ss58.encode": _ss58_encode,
    "ss58.decode": _ss58_decode,
    "multisig.account_id": _multisig_account_id,
    "signing.payload": _signing_payload,
    "deployment.hash": _deployment_hash,
    # the genesis and the state (spec/genesis.md, spec/state.md)
    "genesis.chain_id": _genesis_chain_id,
    "genesis.build": _genesis_build,
    "genesis.loads": _genesis_loads,
    "genesis.default": _genesis_default,
    "genesis.dev_account": _dev_account,
    "state.empty": _state_empty,
    "config.default": _config_default,
    # blocks (spec/blocks.md)
    "block.execute": _block_execute,
    # the state tree (spec/commitment.md)
    "smt.key_hash": _smt_key_hash,
    "smt.value_hash": lambda encoding: smt.value_hash(encoding),
    "smt.root": _smt_root,
    "smt.prove": _smt_prove,
    "smt.verify": _smt_verify,
    "state.verify": _state_verify,
}
"""The functions a function case may name, each on CBOR data-model arguments (spec/vectors/README.md)."""


def call_function(function: str, args: Sequence[Any]) -> tuple[bool, Any]:
    """(True, result) or (False, the error as text)."""
    from sc4it.genesis import GenesisError

    try:
        return True, FUNCTIONS[function](*args)
    except BlockError as e:
        return False, f"BlockError {e.fault.value}"
    except GenesisError as e:
        return False, f"GenesisError at {e.path}"
    except DecodeError as e:
        return False, f"DecodeError at {e.path}"
    except (OverflowError, ZeroDivisionError, ValueError) as e:
        return False, type(e).__name__


def check_function_case(case: FunctionCase, file: str = "") -> list[Mismatch]:
    if case.function not in FUNCTIONS:
        return [Mismatch(file, case.name, None, "function", "a known function name", repr(case.function))]
    ok, got = call_function(case.function, case.args)
    if ok != case.ok or got != case.result:
        want = repr(case.result) if case.ok else f"error {case.result}"
        return [Mismatch(file, case.name, None, "result", want, repr(got) if ok else f"error {got}")]
    return []


def _config_unchecked(**changes: int) -> state.Config:
    """`Config()` with `changes`, built around its validator (STATE-13): it encodes, and decoding it is
    refused. For the vectors of invalid input only."""
    base = state.Config()
    cfg = object.__new__(state.Config)
    for f in attrs.fields(state.Config):
        object.__setattr__(cfg, f.name, changes.get(f.name, getattr(base, f.name)))
    return cfg


def _genesis_variants() -> list[tuple[str, tuple[str, ...], Any]]:
    """(name, covers, genesis) for `genesis.build`: the default world and one broken genesis per
    validation rule (GEN-10..GEN-18)."""
    from sc4it.genesis import (
        GenesisAccount,
        GenesisFarm,
        GenesisNode,
        GenesisPublicIP,
        GenesisTftPrice,
        GenesisTwin,
        RoleMultisigs,
        default_genesis,
    )

    g = default_genesis()
    ev = attrs.evolve
    acc0 = g.accounts[0]
    farm0 = g.farms[0]
    node0 = g.nodes[0]
    pol0 = g.pricing_policies[0]
    share = types.Share(types.Recipient.StakingPool, 1_000_000_001)
    return [
        ("default", ("GEN-01", "GEN-02", "GEN-04", "GEN-40"), g),
        ("ss58-prefix-46", ("GEN-10", "STATE-13"), ev(g, config=_config_unchecked(ss58_prefix=46))),
        ("billing-frequency-0", ("GEN-10", "STATE-13"), ev(g, config=_config_unchecked(billing_frequency=0))),
        ("council-multisig-mismatch", ("GEN-11",), ev(g, multisigs=RoleMultisigs(g.multisigs.oracle))),
        ("duplicate-account", ("GEN-12",), ev(g, accounts=(*g.accounts, acc0))),
        (
            "account-below-ed",
            ("GEN-12",),
            ev(g, accounts=(GenesisAccount(acc0.account_id, 499), *g.accounts[1:])),
        ),
        ("twin-not-funded", ("GEN-13",), ev(g, twins=(*g.twins, GenesisTwin(bytes([0xAB]) * 32)))),
        (
            "twin-bad-relay",
            ("GEN-13", "TWN-05"),
            ev(g, twins=(GenesisTwin(g.twins[0].account_id, b"r.x"), *g.twins[1:])),
        ),
        ("policy-empty-name", ("GEN-14",), ev(g, pricing_policies=(ev(pol0, name=b""),))),
        (
            "policy-discount-101",
            ("GEN-14",),
            ev(g, pricing_policies=(ev(pol0, discount_for_dedication_nodes=101),)),
        ),
        ("farm-name-too-short", ("GEN-15", "FRM-03"), ev(g, farms=(ev(farm0, name=b"x"), *g.farms[1:]))),
        (
            "farm-private-ip",
            ("GEN-15", "IP-04"),
            ev(
                g, farms=(ev(farm0, public_ips=(GenesisPublicIP(b"10.0.0.2/24", b"10.0.0.1"),)), *g.farms[1:])
            ),
        ),
        ("farm-unknown-twin", ("GEN-15",), ev(g, farms=(ev(farm0, twin_id=99), *g.farms[1:]))),
        ("node-twin-twice", ("GEN-16",), ev(g, nodes=(*g.nodes, node0))),
        (
            "node-no-cru",
            ("GEN-16", "NOD-04"),
            ev(g, nodes=(ev(node0, resources=ev(node0.resources, cru=0)), *g.nodes[1:])),
        ),
        (
            "node-unknown-farm",
            ("GEN-16",),
            ev(g, nodes=(GenesisNode(9, node0.twin_id, node0.resources), *g.nodes[1:])),
        ),
        ("tft-min-0", ("GEN-17",), ev(g, tft_price=GenesisTftPrice(50, 0, 1000))),
        ("tft-min-above-max", ("GEN-17",), ev(g, tft_price=GenesisTftPrice(50, 2000, 1000))),
        (
            "distribution-share-above-100pct",
            ("GEN-18",),
            ev(
                g,
                distribution_policy=ev(
                    g.distribution_policy, node=types.SplitRule((share,), types.Recipient.Farmer)
                ),
            ),
        ),
        ("farm-dedicated-node-ok", ("GEN-16",), ev(g, farms=(ev(farm0, dedicated_farm=True), *g.farms[1:]))),
        ("no-farms-no-nodes", ("GEN-01", "GEN-02"), ev(g, farms=(), nodes=())),
        (
            "farm-two-ips",
            ("GEN-15", "IP-06"),
            ev(g, farms=(ev(farm0, public_ips=farm0.public_ips[:1] * 2), *g.farms[1:])),
        ),
        (
            "farm-unknown-policy",
            ("GEN-15",),
            ev(g, farms=(GenesisFarm(b"freefarm", 5, 7, farm0.certification, False), *g.farms[1:])),
        ),
    ]


def _json_variants() -> list[tuple[str, tuple[str, ...], str]]:
    """(name, covers, text) for `genesis.loads`: the shipped default genesis and broken documents."""
    from sc4it.genesis import default_genesis_json

    text = default_genesis_json()
    doc = json.loads(text)

    def edited(fn: Callable[[Any], None]) -> str:
        d = json.loads(text)
        fn(d)
        return json.dumps(d, indent=2) + "\n"

    def first_account(d: Any) -> Any:
        return d["accounts"][0]

    def bad_checksum(d: Any) -> None:
        a = first_account(d)["account_id"]
        first_account(d)["account_id"] = a[:-1] + ("A" if a[-1] != "A" else "B")

    def as_hex(d: Any) -> None:
        first_account(d)["account_id"] = "0x" + _dev_account("alice").hex()

    def drop_twin_ids(d: Any) -> None:
        for t in d["twins"]:
            t.pop("id")

    assert isinstance(doc, dict)
    return [
        ("default-json", ("GEN-20", "GEN-21", "GEN-26"), text),
        ("hex-account", ("GEN-21",), edited(as_hex)),
        ("unknown-field", ("GEN-20",), edited(lambda d: d.update(extra=1))),
        ("missing-field", ("GEN-20",), edited(lambda d: d.pop("twins"))),
        ("wrong-format", ("GEN-20",), edited(lambda d: d.update(format="sc4it-genesis/v0"))),
        ("not-an-object", ("GEN-20",), "[]"),
        ("malformed-json", ("GEN-20",), text[:100]),
        ("bad-ss58-checksum", ("GEN-21",), edited(bad_checksum)),
        ("float-balance", ("GEN-22",), edited(lambda d: first_account(d).update(free=1.5))),
        ("bool-for-integer", ("GEN-22",), edited(lambda d: first_account(d).update(free=True))),
        (
            "u8-out-of-range",
            ("GEN-22",),
            edited(lambda d: d["pricing_policies"][0].update(discount_for_dedication_nodes=256)),
        ),
        ("id-not-position", ("GEN-23",), edited(lambda d: d["twins"][0].update(id=2))),
        ("no-ids", ("GEN-23",), edited(drop_twin_ids)),
        ("unknown-enum", ("GEN-24",), edited(lambda d: d["farms"][0].update(certification="Platinum"))),
        ("config-defaults", ("GEN-25",), edited(lambda d: d.update(config={}))),
        ("validation-after-structure", ("GEN-20", "GEN-17"), edited(lambda d: d["tft_price"].update(min=0))),
    ]


def _block_variants() -> list[tuple[str, tuple[str, ...], tuple[Any, ...]]]:
    """(name, covers, args) for `block.execute`: two honest blocks on the default genesis, then block 2
    forged in each header field (BLK-31..BLK-40)."""
    from sc4it.genesis import Genesis, default, default_genesis, dev_keypair

    producer, intruder = dev_keypair("producer"), dev_keypair("intruder")
    alice, bob = dev_keypair("alice"), dev_keypair("bob")
    spec = ChainSpec.of([producer.account_id], block_time_ms=6000, genesis_timestamp_ms=1_700_000_000_000)
    world = default()
    pay = calls.Transfer(bob.account_id, 10_000_000)
    too_much = calls.Transfer(alice.account_id, 10**30)
    b1 = build_block(
        genesis_tip(world, spec),
        [signing.sign(pay, alice, 0, world.chain_id), signing.sign(too_much, bob, 0, world.chain_id)],
        producer,
        spec,
    )
    b2 = build_block(b1.tip, [signing.sign(pay, alice, 1, world.chain_id)], producer, spec).block

    def forged(
        key: signing.Keypair = producer, calls_: tuple[SignedCall, ...] | None = None, **changes: Any
    ) -> bytes:
        header = attrs.evolve(b2.header, **changes)
        body = b2.calls if calls_ is None else calls_
        return encode(Block(header, key.sign(seal_message(header)), body))

    stale = (signing.sign(pay, alice, 0, world.chain_id),)
    h = b2.header
    variants: list[tuple[str, tuple[str, ...], bytes]] = [
        (
            "honest",
            (
                "BLK-02",
                "BLK-03",
                "BLK-04",
                "BLK-06",
                "BLK-07",
                "BLK-08",
                "BLK-09",
                "BLK-10",
                "BLK-20",
                "BLK-21",
                "BLK-23",
            ),
            encode(b2),
        ),
        ("wrong-chain", ("BLK-31",), forged(chain_id=bytes(32))),
        ("wrong-number", ("BLK-32",), forged(number=3)),
        ("wrong-parent", ("BLK-33",), forged(parent_hash=bytes(32))),
        ("wrong-timestamp", ("BLK-34", "BLK-10"), forged(timestamp=h.timestamp + 30 * 86_400_000)),
        ("not-a-producer", ("BLK-35",), forged(intruder, producer=intruder.account_id)),
        ("wrong-signature", ("BLK-36", "BLK-09"), encode(Block(h, intruder.sign(seal_message(h)), b2.calls))),
        ("wrong-calls-hash", ("BLK-37",), forged(calls_=())),
        ("invalid-call", ("BLK-38", "BLK-22"), forged(calls_=stale, calls_hash=calls_hash(stale))),
        ("wrong-results-hash", ("BLK-39",), forged(results_hash=bytes(32))),
        ("wrong-commitment", ("BLK-40",), forged(state_commitment=bytes(32))),
    ]
    g = encode(default_genesis(), Genesis)
    return [(name, covers, (g, encode(spec), [encode(b1.block), data])) for name, covers, data in variants]


def function_cases() -> list[FunctionCase]:
    """The fixed list of function vectors; expected results are computed with sc4it's own functions."""
    one = 1 << 64
    u64_max = (1 << 64) - 1
    seed = hashlib.blake2b(b"sc4it/vectors/seed", digest_size=32).digest()
    pk = _ed25519_public_key(seed)
    sig = _ed25519_sign(seed, b"message")
    chain = hashlib.blake2b(b"sc4it/vectors/chain", digest_size=32).digest()
    transfer = encode(calls.Transfer(bytes(range(32)), 500))
    alice = _dev_account("alice")
    raw: list[tuple[str, tuple[str, ...], str, tuple[Any, ...]]] = [
        ("from-int-3", ("FX-01",), "u64f64.from_int", (3,)),
        ("from-int-max", ("FX-01",), "u64f64.from_int", (u64_max,)),
        ("from-int-overflow", ("FX-01", "FX-09"), "u64f64.from_int", (1 << 64,)),
        ("literal-0.8", ("FX-02",), "u64f64.from_f64_literal", ("0.8",)),
        ("literal-0.7", ("FX-02",), "u64f64.from_f64_literal", ("0.7",)),
        ("literal-0.6", ("FX-02",), "u64f64.from_f64_literal", ("0.6",)),
        ("literal-0.4", ("FX-02",), "u64f64.from_f64_literal", ("0.4",)),
        ("literal-1.25", ("FX-02",), "u64f64.from_f64_literal", ("1.25",)),
        ("literal-1.5", ("FX-02",), "u64f64.from_f64_literal", ("1.5",)),
        ("mul-truncates", ("FX-03",), "u64f64.mul", (one // 3, 3 * one + 1)),
        ("mul-overflow", ("FX-03", "FX-09"), "u64f64.mul", (one << 40, one << 40)),
        ("div-truncates", ("FX-04",), "u64f64.div", (one, 3 * one)),
        ("div-by-zero", ("FX-04",), "u64f64.div", (one, 0)),
        ("div-overflow", ("FX-04", "FX-09"), "u64f64.div", (u64_max * one, 1)),
        ("mul-int-exact", ("FX-05",), "u64f64.mul_int", (one // 3, 3)),
        ("div-int-truncates", ("FX-05",), "u64f64.div_int", (one, 1200)),
        ("div-int-zero", ("FX-05",), "u64f64.div_int", (one, 0)),
        ("add", ("FX-06",), "u64f64.add", (one // 2, one // 4)),
        ("sub-below-zero", ("FX-06", "FX-09"), "u64f64.sub", (1, 2)),
        ("round-tie-up", ("FX-07",), "u64f64.round", (2 * one + one // 2,)),
        ("round-below-half", ("FX-07",), "u64f64.round", (2 * one + one // 2 - 1,)),
        ("round-overflow", ("FX-07", "FX-09"), "u64f64.round", ((1 << 128) - 1,)),
        ("floor", ("FX-08",), "u64f64.floor", (2 * one + 5,)),
        ("ceil", ("FX-08",), "u64f64.ceil", (2 * one + 5,)),
        ("to-int-truncates", ("FX-08",), "u64f64.to_int", (3 * one - 1,)),
        ("wrapping-mul", ("FX-09",), "u64f64.wrapping_mul", (one << 40, one << 40)),
        ("wrapping-add", ("FX-09",), "u64f64.wrapping_add", ((1 << 128) - 1, 2)),
        ("u32f32-from-int", ("FX-10",), "u32f32.from_int", (7,)),
        ("u32f32-div", ("FX-10", "TFT-03"), "u32f32.div", (21 << 32, 2 << 32)),
        ("u32f32-round-tie", ("FX-10", "TFT-03"), "u32f32.round", ((10 << 32) + (1 << 31),)),
        ("perbill-mul-tie-down", ("FX-11",), "perbill.mul", (500_000_000, 15)),
        ("perbill-mul-10pct", ("FX-11", "DST-14"), "perbill.mul", (100_000_000, 144_440)),
        ("perbill-mul-large", ("FX-11",), "perbill.mul", (333_333_333, (1 << 128) - 1)),
        ("percent-mul-35", ("FX-11",), "percent.mul", (35, 10)),
        ("percent-mul-36", ("FX-11",), "percent.mul", (36, 10)),
        ("percent-mul-50-tie", ("FX-11", "BIL-33"), "percent.mul", (50, 31_433)),
        ("percent-from-150", ("FX-12",), "percent.from_percent", (150,)),
        ("perbill-from-parts-saturates", ("FX-12",), "perbill.from_parts", (2_000_000_000,)),
        ("perbill-from-rational", ("FX-13",), "perbill.from_rational", (1, 3)),
        (
            "perbill-from-rational-big-q",
            ("FX-13",),
            "perbill.from_rational",
            (1_000_000_000_001, 3_000_000_000_007),
        ),
        ("perbill-from-rational-p-above-q", ("FX-13",), "perbill.from_rational", (5, 3)),
        ("perbill-from-rational-q-zero", ("FX-13",), "perbill.from_rational", (1, 0)),
        ("perbill-times-perbill", ("FX-14",), "perbill.mul_perbill", (500_000_001, 500_000_001)),
        ("perbill-mul-floor", ("FX-14",), "perbill.mul_floor", (500_000_000, 15)),
        ("perbill-mul-ceil", ("FX-14",), "perbill.mul_ceil", (500_000_000, 15)),
        ("u64-saturating-add", ("FX-15",), "u64.saturating_add", (u64_max, 1)),
        ("u64-saturating-sub", ("FX-15",), "u64.saturating_sub", (1, 2)),
        # keys, addresses, hashes
        ("ed25519-public-key", ("SIG-01",), "ed25519.public_key", (seed,)),
        ("ed25519-seed-31-bytes", ("SIG-01",), "ed25519.public_key", (seed[:31],)),
        ("ed25519-sign", ("SIG-01",), "ed25519.sign", (seed, b"message")),
        ("ed25519-verify", ("SIG-01",), "ed25519.verify", (pk, b"message", sig)),
        ("ed25519-verify-altered", ("SIG-01",), "ed25519.verify", (pk, b"messagf", sig)),
        ("ed25519-verify-malformed-key", ("SIG-01",), "ed25519.verify", (pk[:31], b"message", sig)),
        ("ss58-42", ("SIG-02",), "ss58.encode", (pk, 42)),
        ("ss58-0", ("SIG-02",), "ss58.encode", (pk, 0)),
        ("ss58-two-byte-prefix", ("SIG-02",), "ss58.encode", (pk, 255)),
        ("ss58-reserved-prefix", ("SIG-02",), "ss58.encode", (pk, 46)),
        ("ss58-decode", ("SIG-03",), "ss58.decode", (signing.ss58_encode(pk, 42), None)),
        ("ss58-decode-wrong-prefix", ("SIG-03",), "ss58.decode", (signing.ss58_encode(pk, 42), 0)),
        (
            "ss58-decode-bad-checksum",
            ("SIG-03",),
            "ss58.decode",
            (signing.ss58_encode(pk, 42)[:-1] + "1", None),
        ),
        (
            "ss58-decode-bad-alphabet",
            ("SIG-03",),
            "ss58.decode",
            ("0OIl" + signing.ss58_encode(pk, 42)[4:], None),
        ),
        ("multisig-2-of-3", ("SIG-06", "ENC-11"), "multisig.account_id", (2, sorted([pk, alice, bytes(32)]))),
        (
            "multisig-unsorted",
            ("SIG-06",),
            "multisig.account_id",
            (2, [alice, pk] if alice > pk else [pk, alice]),
        ),
        ("multisig-threshold-0", ("SIG-06",), "multisig.account_id", (0, sorted([pk, alice]))),
        ("signing-payload", ("SIG-04", "ENC-11"), "signing.payload", (chain, pk, 7, transfer)),
        ("deployment-hash", ("DEP-01",), "deployment.hash", (b'{"vm": "ubuntu"}',)),
        ("deployment-hash-empty", ("DEP-01",), "deployment.hash", (b"",)),
        ("dev-account-alice", ("GEN-30",), "genesis.dev_account", ("alice",)),
        ("default-genesis", ("GEN-03", "GEN-40"), "genesis.default", ()),
        ("config-default", ("STATE-03", "ENC-05"), "config.default", ("production",)),
        ("config-tfchain-test-mock", ("STATE-03",), "config.default", ("tfchain_test_mock",)),
        (
            "empty-state-root",
            ("STATE-05", "STATE-04", "CMT-07"),
            "state.empty",
            (encode(state.Config()), encode(types.Roles(pk, alice, bytes([1]) * 32)), chain),
        ),
    ]
    from sc4it.genesis import Genesis

    for name, covers, g in _genesis_variants():
        data = encode(g, Genesis)
        raw.append((f"genesis-{name}", covers, "genesis.build", (data,)))
        if name in ("default", "no-farms-no-nodes"):
            raw.append((f"chain-id-{name}", ("GEN-03", "ENC-11"), "genesis.chain_id", (data,)))
    for name, covers, text in _json_variants():
        raw.append((f"json-{name}", covers, "genesis.loads", (text,)))
    for name, covers, args in _block_variants():
        raw.append((f"block-{name}", covers, "block.execute", args))
    raw.extend(_smt_cases())
    raw.extend(_state_proof_cases())
    out: list[FunctionCase] = []
    for name, covers, function, args in raw:
        ok, result = call_function(function, args)
        out.append(FunctionCase(name, covers, function, args, ok, result))
    return out


def _state_proof_cases() -> list[tuple[str, tuple[str, ...], str, tuple[Any, ...]]]:
    """Function vectors of typed entries of a real state (the default genesis): proofs made by
    `Commitment.prove`, checked by `state.verify` (CMT-02, CMT-13, CMT-14, CMT-20..CMT-24): an account,
    a twin, a node, an item of a map of sets, a plain field, an absent contract, all in one proof; and the
    same proofs with a wrong value, absence claimed for a present entry, a byte flipped, another root."""
    from sc4it.genesis import default, dev_keypair

    st = default()
    c = commitment.Commitment.of(st)
    alice = dev_keypair("alice").account_id
    farm_id, node_ids = next(iter(st.nodes_by_farm_id.items()))
    node_id = min(node_ids)
    absent = st.contract_id + 1
    twin_id = st.twin_id_by_account_id[alice]
    entries: list[tuple[str, Any, Any, Any]] = [
        ("accounts", alice, encode(st.accounts[alice]), alice),
        ("twins", twin_id, encode(st.twins[twin_id]), twin_id),
        ("nodes", node_id, encode(st.nodes[node_id]), node_id),
        ("nodes_by_farm_id", (farm_id, node_id), cbor2.dumps(True), [farm_id, node_id]),
        ("state", "tft_price", encode(st.tft_price), "tft_price"),
        ("contracts", absent, None, absent),
    ]
    root = c.root
    out: list[tuple[str, tuple[str, ...], str, tuple[Any, ...]]] = []
    covers = ("CMT-02", "CMT-13", "CMT-14", "CMT-20", "CMT-21", "CMT-23")
    for map_name, key, value, key_dm in entries:
        proof = c.prove([(map_name, key)])
        label = map_name.replace("_", "-")
        claim = [map_name, key_dm, value]
        out.append((f"state-verify-{label}", covers, "state.verify", (root, [claim], proof)))
        if value is not None:
            out.append(
                (
                    f"state-verify-{label}-absent",
                    ("CMT-24",),
                    "state.verify",
                    (root, [[map_name, key_dm, None]], proof),
                )
            )
        flipped = proof[:-7] + bytes([proof[-7] ^ 0x10]) + proof[-6:]
        out.append((f"state-verify-{label}-flipped", ("CMT-24",), "state.verify", (root, [claim], flipped)))
    claims = [[m, k, v] for m, _, v, k in entries]
    multi = c.prove([(m, k) for m, k, _, _ in entries])
    out.append(("state-verify-multi", covers, "state.verify", (root, claims, multi)))
    wrong_balance = encode(attrs.evolve(st.accounts[alice], free=st.accounts[alice].free + 1))
    out.append(
        (
            "state-verify-wrong-value",
            ("CMT-24",),
            "state.verify",
            (root, [["accounts", alice, wrong_balance]], multi),
        )
    )
    out.append(("state-verify-other-root", ("CMT-24",), "state.verify", (bytes(32), claims, multi)))
    out.append(
        ("state-verify-no-such-map", ("CMT-23",), "state.verify", (root, [["no_such_map", 1, None]], multi))
    )
    return out


def _smt_cases() -> list[tuple[str, tuple[str, ...], str, tuple[Any, ...]]]:
    """Function vectors of the state tree: key and value hashes, roots of small trees (one leaf, a deep
    pair, 40 leaves), proofs of present, absent and several paths, and verifications of good and bad
    proofs (CMT-13..CMT-24)."""

    def h(label: str, i: int) -> bytes:
        return hashlib.blake2b(f"sc4it/vectors/smt/{label}/{i}".encode(), digest_size=32).digest()

    many = [[h("path", i), h("value", i)] for i in range(40)]
    first = many[0][0]
    twin = bytearray(first)  # shares the first 7 digits (14 bits) of `first`'s path, then differs
    twin[1] ^= 0x02
    deep = [[first, h("value", 0)], [bytes(twin), h("value", 1)]]
    absent = h("absent", 0)
    near = first[:-1] + bytes([first[-1] ^ 1])  # shares 127 digits with `first`: the walk ends at its leaf
    root40 = _smt_root(many)
    proof = _smt_prove(many, [first])
    multi = _smt_prove(many, [first, many[7][0], absent])
    flipped = proof[:-1] + bytes([proof[-1] ^ 1])
    tree = ("CMT-15", "CMT-16", "CMT-17")
    out: list[tuple[str, tuple[str, ...], str, tuple[Any, ...]]] = [
        ("smt-key-hash-contract", ("CMT-13", "CMT-02"), "smt.key_hash", ("contracts", 7)),
        ("smt-key-hash-set-item", ("CMT-13", "CMT-02"), "smt.key_hash", ("active_node_contracts", [3, 7])),
        ("smt-key-hash-plain-field", ("CMT-13", "CMT-02"), "smt.key_hash", ("state", "tft_price")),
        ("smt-value-hash-true", ("CMT-14",), "smt.value_hash", (b"\xf5",)),
        ("smt-root-empty", tree, "smt.root", ([],)),
        ("smt-root-one-leaf", tree, "smt.root", (many[:1],)),
        ("smt-root-deep-pair", tree, "smt.root", (deep,)),
        ("smt-root-40", tree, "smt.root", (many,)),
        ("smt-root-duplicate-path", tree, "smt.root", ([many[0], many[0]],)),
        ("smt-prove-present", ("CMT-20", "CMT-21"), "smt.prove", (many, [first])),
        ("smt-prove-absent", ("CMT-20", "CMT-21"), "smt.prove", (many, [absent])),
        ("smt-prove-absent-at-leaf", ("CMT-20", "CMT-21"), "smt.prove", (many, [near])),
        ("smt-prove-deep-pair", ("CMT-20", "CMT-21"), "smt.prove", (deep, [first])),
        ("smt-prove-multi", ("CMT-20", "CMT-21"), "smt.prove", (many, [first, many[7][0], absent])),
        ("smt-verify-present", ("CMT-23",), "smt.verify", (root40, [[first, many[0][1]]], proof)),
        (
            "smt-verify-multi",
            ("CMT-23",),
            "smt.verify",
            (root40, [[first, many[0][1]], [many[7][0], many[7][1]], [absent, None]], multi),
        ),
        ("smt-verify-absence-of-present", ("CMT-24",), "smt.verify", (root40, [[first, None]], proof)),
        ("smt-verify-wrong-value", ("CMT-24",), "smt.verify", (root40, [[first, many[1][1]]], proof)),
        (
            "smt-verify-other-root",
            ("CMT-24",),
            "smt.verify",
            (_smt_root(many[1:]), [[first, many[0][1]]], proof),
        ),
        ("smt-verify-flipped-byte", ("CMT-24",), "smt.verify", (root40, [[first, many[0][1]]], flipped)),
        (
            "smt-verify-truncated",
            ("CMT-22", "CMT-24"),
            "smt.verify",
            (root40, [[first, many[0][1]]], proof[:-1]),
        ),
        (
            "smt-verify-trailing",
            ("CMT-22", "CMT-24"),
            "smt.verify",
            (root40, [[first, many[0][1]]], proof + b"\x00"),
        ),
        ("smt-verify-not-covered", ("CMT-23",), "smt.verify", (root40, [[many[9][0], many[9][1]]], proof)),
    ]
    return out
