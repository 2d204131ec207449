"""`kill -9` at random moments of a producing node process, then restart (spec/node.md, NODE-04,
NODE-08): nothing committed is lost and the state always equals its header's commitment."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sc4it.host import Chain
from sc4it.kernel.commitment import commitment_root
from sc4it.node.service import Node

from .helpers import PRODUCER, world

ROOT = Path(__file__).resolve().parents[2]
KILLS = 6
BOUND_S = 60.0


def _start(data_dir: Path, blocks: int) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    return subprocess.Popen(
        [sys.executable, "-m", "tests.node.producer_process", str(data_dir), str(blocks)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def _run_and_kill(data_dir: Path, after_lines: int, extra_s: float) -> list[tuple[int, str]]:
    """Start the producer, read `after_lines` committed blocks, wait `extra_s` more, kill -9 it by its
    PID; returns the blocks it reported as committed."""
    proc = _start(data_dir, 10_000)
    seen: list[tuple[int, str]] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + BOUND_S
        while len(seen) < after_lines and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            n, h = line.split()
            seen.append((int(n), h))
        time.sleep(extra_s)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.stdout is not None
    for line in proc.stdout.read().splitlines():  # what it printed before dying is committed too
        n, h = line.split()
        seen.append((int(n), h))
    return seen


def test_kill_9_at_random_points_loses_nothing(tmp_path: Path) -> None:
    """NODE-04 NODE-08 NODE-12: kill -9 at random moments; every block reported committed is there
    after a restart, with the same hash, and the reloaded state matches the head's commitment and
    equals a replay of the whole chain."""
    rng = random.Random(16)
    reported: dict[int, str] = {}
    for _ in range(KILLS):
        seen = _run_and_kill(tmp_path, rng.randrange(1, 6), rng.uniform(0.0, 0.4))
        for n, h in seen:
            assert reported.setdefault(n, h) == h, f"block {n} changed after a crash"
        with Node.open(tmp_path, world(), PRODUCER) as node:  # NODE-08 verifies the commitment
            head = node.head.number
            assert head >= max(reported, default=0)
            for n, h in reported.items():
                assert node.header(n) is not None and node.number_of(bytes.fromhex(h)) == n
            assert commitment_root(node.state) == node.head.state_commitment
    assert max(reported) >= KILLS
    with Node.open(tmp_path, world(), PRODUCER) as node:
        node.export_trace(tmp_path / "chain.trace")
        state = node.state
    chain = Chain.resume(tmp_path / "chain.trace")  # replays from genesis, checking every root
    assert chain.state == state
    chain.close()
