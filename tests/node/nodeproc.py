"""Start real `sc4it node run` processes for tests: loopback, port 0 (the node writes the port it got to
`<data-dir>/rpc.json`), every wait bounded, stopped by PID (SIGTERM, then SIGKILL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


@attrs.define
class NodeProcess:
    proc: subprocess.Popen[bytes]
    data_dir: Path
    url: str
    ws: str
    stderr_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig` to the node's PID and wait (bounded); SIGKILL if it does not exit. Its exit code."""
        return stop(self.proc, sig)

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


def command(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "sc4it", "node", "run", "--data-dir", str(data_dir), *args]


def start(data_dir: Path, *args: str, block_time_ms: int = 100, port: int = 0) -> NodeProcess:
    """A node on 127.0.0.1:`port` (0: a free one) producing every `block_time_ms`; waits until it serves."""
    data_dir.mkdir(parents=True, exist_ok=True)
    rpc_file = data_dir / "rpc.json"
    if rpc_file.exists():
        rpc_file.unlink()
    err = data_dir.parent / f"{data_dir.name}.stderr.{time.monotonic_ns()}"
    argv = command(data_dir, "--rpc-port", str(port), "--block-time-ms", str(block_time_ms), *args)
    with open(err, "wb") as errf:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errf, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"node exited with {proc.returncode}: {err.read_text()[-2000:]}")
        if rpc_file.exists():
            try:
                info = json.loads(rpc_file.read_text())
            except ValueError:
                info = None
            if info is not None and info.get("pid") == proc.pid:
                return NodeProcess(proc, data_dir, info["url"], info["ws"], err)
        time.sleep(0.05)
    stop(proc, signal.SIGKILL)
    raise TimeoutError(f"node did not start within {START_TIMEOUT} s: {err.read_text()[-2000:]}")


def stop(proc: subprocess.Popen[Any], sig: int = signal.SIGTERM) -> int:
    if proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(STOP_TIMEOUT)
    return proc.returncode


@contextmanager
def running(data_dir: Path, *args: str, block_time_ms: int = 100) -> Iterator[NodeProcess]:
    node = start(data_dir, *args, block_time_ms=block_time_ms)
    try:
        yield node
    finally:
        node.stop()


def run_cli(args: Sequence[str], timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """`python -m sc4it ARGS` to completion (bounded)."""
    return subprocess.run(
        [sys.executable, "-m", "sc4it", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
