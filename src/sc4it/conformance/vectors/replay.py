"""Replaying vectors: `verify(directory)` replays every case, decode case and function case and returns
every mismatch; it reads, never writes."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from sc4it import runtime
from sc4it.conformance.vectors.decoding import DECODE_TYPES
from sc4it.conformance.vectors.functions import check_function_case
from sc4it.conformance.vectors.records import (
    CALL,
    CASES_KIND,
    DECODE_KIND,
    FUNCTIONS_KIND,
    Case,
    DecodeCase,
    Mismatch,
    Report,
    VectorFormatError,
    json_doc,
    json_normative,
    read_file,
)
from sc4it.kernel.codec import decode, encode
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.root import state_root
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv

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
    if json_normative(doc) != json_normative(json_doc(kind, area, records)):
        return [Mismatch(rel, "", None, "json_twin", f"{twin.name} holding the same vectors", "a difference")]
    return []
