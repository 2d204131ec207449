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


def _report(line: str) -> tuple[int, str] | None:
    """A committed block's `number hash` line as the producer prints it, or None for anything else: the
    process is killed at random, so its last line may be cut anywhere (no newline yet, a number without
    its hash, half a hash). Such a block is committed all the same, but the test cannot know which one."""
    if not line.endswith("\n"):
        return None
    parts = line.split()
    if len(parts) != 2 or not parts[0].isdigit() or len(parts[1]) != 64:
        return None
    try:
        bytes.fromhex(parts[1])
    except ValueError:
        return None
    return int(parts[0]), parts[1]


def test_report_lines_cut_by_a_kill_are_ignored() -> None:
    """NODE-04: only whole report lines count; a line cut by kill -9 is skipped, never a parse error."""
    h = "ab" * 32
    assert _report(f"7 {h}\n") == (7, h)
    for cut in ("", "7", "7 ", f"7 {h[:10]}", f"7 {h}", "7 \n", f"x {h}\n", f"7 {h[:-2]}zz\n", f"7 {h} 8\n"):
        assert _report(cut) is None, cut


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
            report = _report(line)
            if report is None:  # end of output, or a line the kill cut
                break
            seen.append(report)
        time.sleep(extra_s)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.stdout is not None
    for line in proc.stdout.read().splitlines(keepends=True):  # what it printed before dying is committed too
        report = _report(line)
        if report is not None:
            seen.append(report)
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
