"""Shared helpers of the network tests: the engine requirement (fail in CI, skip elsewhere) and a network
that is always stopped by PID."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sc4it.net.engine import EngineMissing, abci_types, find_cometbft
from sc4it.net.launcher import Network


def require_engine(binary: bool = True) -> Any:
    """NET-01, NET-02: the pinned CometBFT and the generated ABCI messages. Missing in CI (`CI` set) is a
    failure, never a skip; elsewhere the test is skipped with the install command as the reason."""
    try:
        if binary:
            find_cometbft()
        return abci_types()
    except EngineMissing as e:
        if os.environ.get("CI"):
            pytest.fail(f"CometBFT is required in CI: {e}")
        pytest.skip(f"CometBFT not installed here: {e}")


@contextmanager
def network(
    directory: Path,
    validators: int = 4,
    *,
    block_time_ms: int = 300,
    snapshot_interval: int = 0,
    env: dict[int, dict[str, str]] | None = None,
) -> Iterator[Network]:
    """A running network in `directory`, stopped (by PID) whatever happens."""
    require_engine()
    net = Network(directory)
    try:
        net.up(validators, block_time_ms=block_time_ms, snapshot_interval=snapshot_interval, env=env)
        yield net
    finally:
        net.down()
