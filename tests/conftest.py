"""Hypothesis profiles for the whole test suite (every test package under tests/ shares them).

- `ci` (default): derandomized (fixed seed, reproducible in CI), 50 examples, no deadline, prints the blob
  needed to reproduce a failure (`@reproduce_failure`).
- `nightly`: 5000 random examples per property; select it with `HYPOTHESIS_PROFILE=nightly`.

Shared fixtures and helpers live in `tests/support.py`, not here.
"""

from __future__ import annotations

import os

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

if os.environ.get("SC4IT_RECORD_VECTORS"):  # `sc4it vectors generate`: the tests emit the vectors
    pytest_plugins = ["tests.vectors_recorder"]
