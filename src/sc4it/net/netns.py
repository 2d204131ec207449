"""Network namespaces for partition tests (NET-31; needs root and `ip` from iproute2).

`Lab` makes one namespace per node and a hub namespace holding a bridge: node `i` has `eth0` with address
`10.213.0.(i+1)/24`, joined by a veth pair to the hub's bridge. Nothing is added to the machine's own
namespace. Cutting node `i` off is taking its veth end in the hub down; healing is bringing it up. The test
driver enters the hub namespace (`Lab.entered`, this thread and the threads and processes it starts) to
reach every node.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

CLONE_NEWNET = 0x40000000
SUBNET = "10.213.0"


class NetnsUnavailable(RuntimeError):
    """Network namespaces cannot be made here (not root, or no `ip`)."""


def _ip(*args: str) -> None:
    out = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=False)
    if out.returncode != 0:
        raise NetnsUnavailable(f"ip {' '.join(args)}: {out.stderr.strip()}")


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


class Lab:
    """Namespaces for `count` nodes and a hub (module docstring)."""

    def __init__(self, count: int) -> None:
        tag = os.urandom(3).hex()
        self.hub = f"s4-{tag}-hub"
        self.names = [f"s4-{tag}-n{i}" for i in range(count)]
        self.made: list[str] = []

    @staticmethod
    def host(index: int) -> str:
        return f"{SUBNET}.{index + 1}"

    def create(self) -> None:
        if os.geteuid() != 0 or shutil.which("ip") is None:
            raise NetnsUnavailable("network namespaces need root and iproute2's `ip`")
        _ip("netns", "add", self.hub)
        self.made.append(self.hub)
        _ip("-n", self.hub, "link", "set", "lo", "up")
        _ip("-n", self.hub, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.hub, "addr", "add", f"{SUBNET}.254/24", "dev", "br0")
        _ip("-n", self.hub, "link", "set", "br0", "up")
        for i, name in enumerate(self.names):
            _ip("netns", "add", name)
            self.made.append(name)
            _ip("-n", name, "link", "set", "lo", "up")
            _ip("-n", name, "link", "add", "eth0", "type", "veth", "peer", "name", f"v{i}", "netns", self.hub)
            _ip("-n", name, "addr", "add", f"{self.host(i)}/24", "dev", "eth0")
            _ip("-n", name, "link", "set", "eth0", "up")
            _ip("-n", self.hub, "link", "set", f"v{i}", "master", "br0")
            _ip("-n", self.hub, "link", "set", f"v{i}", "up")

    def cut(self, index: int) -> None:
        """Partition node `index` from everyone (its link to the bridge goes down)."""
        _ip("-n", self.hub, "link", "set", f"v{index}", "down")

    def heal(self, index: int) -> None:
        _ip("-n", self.hub, "link", "set", f"v{index}", "up")

    def delete(self) -> None:
        for name in reversed(self.made):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=30, check=False)
        self.made.clear()

    @contextmanager
    def entered(self, node: int | None = None) -> Iterator[None]:
        """Run this thread (and what it starts) in the hub namespace (or node `node`'s), then return to
        the old one."""
        name = self.hub if node is None else self.names[node]
        with open("/proc/thread-self/ns/net") as old, open(f"/run/netns/{name}") as hub:
            _setns(hub.fileno())
            try:
                yield
            finally:
                _setns(old.fileno())
