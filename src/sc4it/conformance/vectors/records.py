"""The records of the vector files (spec/vectors/README.md), their CBOR data model and their readable
JSON twins, and the reading of a file."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import cbor2

from sc4it.kernel import events
from sc4it.kernel.codec import decode
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.signing import SignedCall

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


def dumps_cbor(obj: Any) -> bytes:
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
    _need(dumps_cbor(doc) == raw, where, "not canonical CBOR")
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


def json_normative(doc: Any) -> Any:
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


def record_to_obj(r: Record) -> list[Any]:
    if isinstance(r, Case):
        return case_to_obj(r)
    if isinstance(r, DecodeCase):
        return decode_case_to_obj(r)
    return function_case_to_obj(r)


def json_doc(kind: str, area: str, records: Sequence[Record]) -> dict[str, Any]:
    cases = [_to_json(r) for r in records]
    return {
        "format": FORMAT,
        "kind": kind,
        "area": area,
        "note": f"Readable twin of {area}.cbor (bytes as hex; call, signer, nonce and event_names are "
        "decoded for readers). The CBOR file is normative: see spec/vectors/README.md.",
        "cases": cases,
    }


def iter_cases(directory: Path) -> Iterator[tuple[str, Case]]:
    """(file, case) for every replay case under `directory`."""
    for p in sorted((directory / "cases").glob("*.cbor")):
        kind, _, records = read_file(p)
        if kind == CASES_KIND:
            for c in records:
                yield f"cases/{p.name}", c
