"""Writing vectors: `write_suite` (what the recorder calls) and `generate(out, root)`, which runs the
test suite with the recorder enabled and replaces the generated files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from sc4it import __version__
from sc4it.conformance.speccov import rule_sort_key
from sc4it.conformance.vectors.decoding import decode_cases
from sc4it.conformance.vectors.function_cases import function_cases
from sc4it.conformance.vectors.records import (
    CALL,
    CASES_KIND,
    DECODE_AREA,
    DECODE_KIND,
    DEFAULT_SELECTION,
    EVERY_CASE,
    FORMAT,
    FUNCTIONS_AREA,
    FUNCTIONS_KIND,
    RECORD_ENV,
    Case,
    DecodeCase,
    FunctionCase,
    Record,
    Report,
    dumps_cbor,
    json_doc,
    record_to_obj,
)
from sc4it.conformance.vectors.replay import verify

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
    ix = _Index()
    for area in sorted(by_area):
        ix.add_cases(out, area, sorted(by_area[area], key=lambda c: case_sort_key(c.name)))
    dvs = list(decode_cases() if decode_vectors is None else decode_vectors)
    ix.add_decode_cases(out, dvs)
    fns = list(function_cases() if function_vectors is None else function_vectors)
    ix.add_function_cases(out, fns)
    names = [c.name for recs in by_area.values() for c in recs]
    names += [d.name for d in dvs] + [f.name for f in fns]
    if len(set(names)) != len(names):
        raise ValueError("vector names must be unique across the suite")
    for root in sorted(ix.used):
        (out / "states" / f"{root.hex()}.cbor").write_bytes(states[root])
    index: dict[str, Any] = {
        "format": FORMAT,
        "generated_by": "sc4it vectors generate",
        "sc4it_version": __version__,
        "selection": list(selection),
        "counts": {
            "cases": sum(len(v) for v in by_area.values()),
            "steps": ix.n_steps,
            "call_steps": ix.n_calls,
            "block_steps": ix.n_steps - ix.n_calls,
            "states": len(ix.used),
            "decode_cases": len(dvs),
            "function_cases": len(fns),
        },
        "files": ix.files,
        "rules": {r: ix.rules[r] for r in sorted(ix.rules, key=rule_sort_key)},
        "every_case": EVERY_CASE,
        "errors": {e: ix.errors[e] for e in sorted(ix.errors)},
        "not_recorded": [{"test": t, "reason": why} for t, why in dropped],
    }
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return index


@attrs.define
class _Index:
    """What `index.json` says about the files written so far."""

    rules: defaultdict[str, list[str]] = attrs.Factory(lambda: defaultdict(list))
    errors: defaultdict[str, list[str]] = attrs.Factory(lambda: defaultdict(list))
    files: dict[str, dict[str, int]] = attrs.Factory(dict)
    used: set[bytes] = attrs.Factory(set)
    n_steps: int = 0
    n_calls: int = 0

    def add_cases(self, out: Path, area: str, recs: list[Case]) -> None:
        _write_pair(out / "cases", area, CASES_KIND, recs)
        steps = sum(len(c.steps) for c in recs)
        self.files[f"cases/{area}.cbor"] = {"cases": len(recs), "steps": steps}
        self.n_steps += steps
        for c in recs:
            self.used.add(c.pre_state)
            for rule in c.covers:
                self.rules[rule].append(c.name)
            for s in c.steps:
                self.n_calls += s.kind == CALL
                if s.expected.error is not None and c.name not in self.errors[s.expected.error]:
                    self.errors[s.expected.error].append(c.name)

    def add_decode_cases(self, out: Path, dvs: list[DecodeCase]) -> None:
        _write_pair(out / "cases", DECODE_AREA, DECODE_KIND, dvs)
        self.files[f"cases/{DECODE_AREA}.cbor"] = {"cases": len(dvs), "steps": 0}
        for dc in dvs:
            for rule in dc.covers:
                self.rules[rule].append(dc.name)
            if not dc.ok and dc.name not in self.errors["DecodeError"]:
                self.errors["DecodeError"].append(dc.name)

    def add_function_cases(self, out: Path, fns: list[FunctionCase]) -> None:
        _write_pair(out / "cases", FUNCTIONS_AREA, FUNCTIONS_KIND, fns)
        self.files[f"cases/{FUNCTIONS_AREA}.cbor"] = {"cases": len(fns), "steps": 0}
        for fc in fns:
            for rule in fc.covers:
                self.rules[rule].append(fc.name)


def _write_pair(directory: Path, area: str, kind: str, records: Sequence[Record]) -> None:
    objs = [record_to_obj(r) for r in records]
    (directory / f"{area}.cbor").write_bytes(dumps_cbor([FORMAT, kind, area, objs]))
    (directory / f"{area}.json").write_text(json.dumps(json_doc(kind, area, records), indent=1) + "\n")


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
