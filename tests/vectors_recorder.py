"""Pytest plugin: the tests that check the code emit the conformance vectors (spec/vectors/README.md).

Enabled only when `SC4IT_RECORD_VECTORS=DIR` is set: tests/conftest.py registers this module then, and
`sc4it vectors generate` sets it and runs `pytest` on `sc4it.conformance.vectors.DEFAULT_SELECTION`.

- `pytest_configure` replaces `sc4it.runtime.apply` / `on_block` (and `sc4it.apply` / `on_block`, and
  every already imported module attribute bound to them) by wrappers, before any test module is
  imported, so `from sc4it import apply` in a test module, in `sc4it.host.chain` or in `sc4it.testing`
  picks the wrapper up.
- While a test runs (setup, call, teardown), every top-level `apply` / `on_block` is recorded as
  (input state, signed call or block, outcome). Consecutive steps where the input state *is* the
  previous step's output state form one case; any other input state starts a new case whose pre-state
  is stored by content (`states/<root>.cbor`, shared by all cases starting from the same state).
  A case is named `<test node id>#<n>` and covers the rule ids of the test's docstring and name.
- Not recorded: Hypothesis tests (random examples), tests marked with `not_recorded` below, failing
  tests, and steps whose inputs do not encode canonically (a test feeding deliberately broken values);
  such a step ends its case.
- At the end the recorder restores the functions and replays every case with the real code: a case
  that does not reproduce (a test that monkeypatches the code under test, e.g. a hook replaced by a
  stub) is dropped, with the reason, into `index.json`'s `not_recorded`. So every vector is what the
  unmodified code does, whatever the test did; then it writes the suite.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, TypeVar

import pytest

import sc4it
from sc4it import runtime
from sc4it.conformance import speccov, vectors
from sc4it.kernel.codec import decode, encode
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.root import encoding_digest, state_root
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv
from sc4it.runtime import Outcome

ROOT = Path(__file__).resolve().parent.parent
F = TypeVar("F", bound=Callable[..., Any])

NOT_RECORDED_ATTR = "sc4it_not_recorded"


def not_recorded(fn: F) -> F:
    """Mark a test whose calls must not become vectors (e.g. one that replays the vectors)."""
    setattr(fn, NOT_RECORDED_ATTR, True)
    return fn


_Raw = tuple[int, State, Any, BlockEnv, Outcome]


class Recorder:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.orig_apply = runtime.apply
        self.orig_on_block = runtime.on_block
        self.patched: list[tuple[Any, str, Any]] = []
        self.item: pytest.Item | None = None
        self.recording = False
        self.failed = False
        self.raw: list[_Raw] = []
        self.depth = 0
        self.cases: list[vectors.Case] = []
        self.states: dict[bytes, bytes] = {}
        self.not_recorded: list[tuple[str, str]] = []
        self.roots: dict[int, tuple[State, bytes]] = {}
        self.digests: dict[int, tuple[State, bytes]] = {}
        self.defined = set(speccov.load_spec(ROOT / "spec").defined)

    # --- the wrappers -------------------------------------------------------------------------

    def apply(self, state: State, signed: Any, env: BlockEnv, **options: Any) -> Outcome:
        self.depth += 1
        try:
            out = self.orig_apply(state, signed, env, **options)
        finally:
            self.depth -= 1
        if self.item is not None and self.depth == 0:
            self.raw.append((vectors.CALL, state, signed, env, out))
        return out

    def on_block(self, state: State, env: BlockEnv) -> Outcome:
        self.depth += 1
        try:
            out = self.orig_on_block(state, env)
        finally:
            self.depth -= 1
        if self.item is not None and self.depth == 0:
            self.raw.append((vectors.BLOCK, state, None, env, out))
        return out

    def install(self) -> None:
        wrappers = {id(self.orig_apply): self.apply, id(self.orig_on_block): self.on_block}
        for name, module in list(sys.modules.items()):
            if module is None or not name.startswith(("sc4it", "tests", "benchmarks")):
                continue
            for attr, value in list(vars(module).items()):
                wrapper = wrappers.get(id(value))
                if wrapper is not None and value in (self.orig_apply, self.orig_on_block):
                    self.patched.append((module, attr, value))
                    setattr(module, attr, wrapper)
        assert sc4it.apply == self.apply and runtime.on_block == self.on_block

    def uninstall(self) -> None:
        for module, attr, value in reversed(self.patched):
            setattr(module, attr, value)
        self.patched.clear()

    # --- per test -----------------------------------------------------------------------------

    def skip_reason(self, item: pytest.Item) -> str | None:
        fn = getattr(item, "function", None)
        if fn is None:
            return "not a test function"
        if getattr(fn, "is_hypothesis_test", False):
            return "Hypothesis test (random examples)"
        if getattr(fn, NOT_RECORDED_ATTR, False):
            return "marked not_recorded"
        return None

    def begin(self, item: pytest.Item) -> None:
        self.item = item
        self.raw = []
        self.roots = {}
        self.digests = {}
        self.failed = False
        self.recording = self.skip_reason(item) is None

    def end(self, item: pytest.Item) -> None:
        raw, self.raw, self.item = self.raw, [], None
        why = self.skip_reason(item) if not self.recording else ("test failed" if self.failed else None)
        if why is not None:
            if raw:
                self.not_recorded.append((item.nodeid, why))
            return
        covers = self.covers(item)
        segments: list[tuple[bytes, list[vectors.Step]]] = []
        current: list[vectors.Step] | None = None
        previous: State | None = None
        for kind, state, payload, env, out in raw:
            step = self.step(kind, payload, env, out)
            pre = None
            if step is not None and (current is None or state is not previous):
                pre = self.pre_state(state)
                if pre is None:
                    step = None
            if step is None:
                current, previous = None, None
                continue
            if pre is not None:
                current = []
                segments.append((pre, current))
            assert current is not None
            current.append(step)
            previous = out.state
        for n, (pre, steps) in enumerate(segments):
            self.cases.append(vectors.Case(f"{item.nodeid}#{n}", covers, pre, tuple(steps)))
        self.roots = {}
        self.digests = {}

    def covers(self, item: pytest.Item) -> tuple[str, ...]:
        fn = getattr(item, "function", None)
        text = f"{getattr(fn, '__doc__', '') or ''} {item.name}"
        found = {r for r in speccov.CITE.findall(text) if r in self.defined}
        return tuple(sorted(found, key=speccov.rule_sort_key))

    def root(self, state: State) -> bytes:
        hit = self.roots.get(id(state))
        if hit is not None and hit[0] is state:
            return hit[1]
        r = state_root(state)
        self.roots[id(state)] = (state, r)
        return r

    def pre_state(self, state: State) -> bytes | None:
        """The pre-state's content address: blake2b-256 of its encoding (ENC-12), its file's name."""
        hit = self.digests.get(id(state))
        if hit is not None and hit[0] is state:
            return hit[1]
        try:
            digest = encoding_digest(state)
        except Exception:  # a state holding values that do not encode
            return None
        if digest not in self.states:
            try:
                data = encode(state)
                decode(data, State, max_bytes=None)
            except (DecodeError, Exception):
                return None
            if hashlib.blake2b(data, digest_size=32).digest() != digest:  # pragma: no cover - ENC-12
                return None
            self.states[digest] = data
        self.digests[id(state)] = (state, digest)
        return digest

    def step(self, kind: int, payload: Any, env: Any, out: Outcome) -> vectors.Step | None:
        try:
            if not isinstance(env, BlockEnv):
                return None
            data = None
            if kind == vectors.CALL:
                data = encode(payload, SignedCall)
                decode(data, SignedCall)
            decode(encode(env), BlockEnv)
            evs = tuple(encode(e) for e in out.events)
            root = self.root(out.state)
        except Exception:  # not canonically encodable: a test feeding broken values on purpose
            return None
        error = None if out.error is None else out.error.name
        return vectors.Step(kind, env.number, env.timestamp, data, vectors.Expected(error, evs, root))

    # --- the end ------------------------------------------------------------------------------

    def finish(self, selection: list[str]) -> None:
        self.uninstall()
        states: dict[bytes, State] = {}

        def load(root: bytes) -> State:
            st = states.get(root)
            if st is None:
                st = states[root] = decode(self.states[root], State, max_bytes=None)
            return st

        kept: list[vectors.Case] = []
        for case in self.cases:
            problems = vectors.replay_case(case, load)
            if problems:
                first = problems[0]
                self.not_recorded.append(
                    (
                        case.name,
                        f"does not replay with the real code (step {first.step}: {first.field} differs; "
                        "the test changes the code under test)",
                    )
                )
            else:
                kept.append(case)
        self.out.mkdir(parents=True, exist_ok=True)
        vectors.write_suite(
            self.out, kept, self.states, dropped=sorted(set(self.not_recorded)), selection=selection
        )


_RECORDER: Recorder | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _RECORDER
    target = os.environ.get(vectors.RECORD_ENV)
    if not target:
        return
    _RECORDER = Recorder(Path(target))
    _RECORDER.install()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    rec = _RECORDER
    if rec is None:
        yield
        return
    rec.begin(item)
    try:
        yield
    finally:
        rec.end(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    rec = _RECORDER
    if rec is not None and rec.item is item and outcome.get_result().failed:
        rec.failed = True


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    rec = _RECORDER
    if rec is None:
        return
    rec.finish([str(a) for a in session.config.args])
