"""Hypothesis profiles for the whole test suite (every test package under tests/ shares them).

- `ci` (default): derandomized (fixed seed, reproducible in CI), 50 examples, no deadline, prints the blob
  needed to reproduce a failure (`@reproduce_failure`).
- `nightly`: 5000 random examples per property; select it with `HYPOTHESIS_PROFILE=nightly`.

Shared fixtures and helpers live in `tests/support.py`, not here.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from pathlib import Path

from hypothesis import HealthCheck, settings

# Strategies derived from the whole data model (a `State`, any `Call`) build large examples on purpose.
_SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

settings.register_profile(
    "ci", derandomize=True, max_examples=50, deadline=None, print_blob=True, suppress_health_check=_SLOW_DATA
)
settings.register_profile(
    "nightly", max_examples=5000, deadline=None, print_blob=True, suppress_health_check=_SLOW_DATA
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _import_every_local_module() -> None:
    """Hypothesis draws some values from a pool of the constants written in the local modules imported so
    far (`hypothesis.internal.conjecture.providers`), so a derandomized example depends on what was
    imported before it: a seeded hunt ran one path alone and another in the full suite. Importing every
    module of the project first gives every run, of one test or of all, the same pool and so the same
    examples (and `sc4it vectors generate` the same vectors)."""
    root = Path(__file__).resolve().parent.parent
    skip = {"__main__", "conftest", "vectors_recorder"}
    for base, package in ((root / "src", "sc4it"), (root, "tests"), (root, "benchmarks")):
        for path in sorted((base / package).rglob("*.py")):
            parts = path.relative_to(base).with_suffix("").parts
            if parts[-1] in skip:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            with contextlib.suppress(ImportError):  # an optional extra that is not installed
                importlib.import_module(name)


_import_every_local_module()

if os.environ.get("SC4IT_RECORD_VECTORS"):  # `sc4it vectors generate`: the tests emit the vectors
    pytest_plugins = ["tests.vectors_recorder"]
