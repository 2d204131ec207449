"""A local network of CometBFT validators, each with its own sc4it application (spec/network.md,
NET-21..NET-24): `sc4it net up | status | down`, and the `Network` class the fault tests drive.

`up` writes everything into one directory: per node a CometBFT home (`nodeI/`, made by `cometbft init`),
one shared genesis with every validator, config files with every address on 127.0.0.1 and distinct free
ports, persistent peers, the block time as `timeout_commit`; it starts each sc4it application
(`python -m sc4it.net.run`) and then its CometBFT, and records every process id in `net.json`. `down`
stops exactly those processes (after checking that each id still belongs to a process of this
directory), SIGTERM first, SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import attrs

from sc4it.net.engine import find_cometbft
from sc4it.net.netns import Lab

STATE_FILE = "net.json"
DEFAULT_BLOCK_TIME_MS = 1000


class NetError(RuntimeError):
    """A launcher failure a person can act on (the message says what to do)."""


PORT_LOCKS = Path(tempfile.gettempdir()) / f"sc4it-ports-{os.getuid()}"
"""NET-33: one lock file per claimed port, shared by every launcher of this user on the machine."""


def port_range() -> range:
    """NET-33: where the launcher looks for ports: below the kernel's ephemeral range (ports the OS hands
    to `bind(0)` and to outgoing connections never fall there), or above it if there is no room below."""
    try:
        low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    if low - 1024 >= 4096:
        return range(max(1024, low - 12_000), low)
    return range(high + 1, 65536)


def _bindable(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _lock(path: Path) -> int | None:
    """NET-33: an exclusive lock on the claim file `path` (created if absent), or None if another
    claimer holds it. A file its holder removed while we waited is not the claim any more (the path
    names another file or none): retry on the path."""
    for _ in range(8):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
    return None


def _unlock(path: Path, fd: int) -> None:
    """NET-33: end a claim: remove its file while still holding the lock (so none accumulate), then
    release the lock."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    os.close(fd)


def sweep_claims() -> int:
    """NET-33: remove the claim files nobody holds (left by a process that ended without releasing its
    claims, e.g. killed); a held claim is left alone. Returns how many were removed."""
    removed = 0
    for path in PORT_LOCKS.glob("*"):
        fd = _lock(path)
        if fd is not None:
            _unlock(path, fd)
            removed += 1
    return removed


class PortClaims:
    """NET-33: ports claimed for a network's processes, never handed out twice. A port is claimed by an
    exclusive lock on its file in `PORT_LOCKS` (other launchers skip it) after checking that it can be
    bound now; the claim lasts until `release` or `close` (or this process ends), i.e. over the window
    between choosing a port and the node's process listening on it, and across a node's restarts."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.fds: dict[int, int] = {}
        self.random = random.Random()
        self.swept = False

    def take(self, attempts: int = 500) -> int:
        """A port claimed for the caller; `NetError` if none is found in `attempts` tries."""
        PORT_LOCKS.mkdir(mode=0o700, exist_ok=True)
        if not self.swept:
            sweep_claims()
            self.swept = True
        candidates = port_range()
        for _ in range(attempts):
            port = self.random.choice(candidates)
            if port in self.fds:
                continue
            fd = _lock(PORT_LOCKS / str(port))
            if fd is None:
                continue
            if not _bindable(self.host, port):
                _unlock(PORT_LOCKS / str(port), fd)
                continue
            self.fds[port] = fd
            return port
        raise NetError(
            f"no free port found in {min(candidates)}-{max(candidates)} after {attempts} tries: stop "
            "networks you no longer need (`sc4it net down --dir DIR`)"
        )

    def release(self, port: int) -> None:
        fd = self.fds.pop(port, None)
        if fd is not None:
            _unlock(PORT_LOCKS / str(port), fd)

    def close(self) -> None:
        for port in list(self.fds):
            self.release(port)


def timeout_propose_ms(block_time_ms: int) -> int:
    """NET-21: how long validators wait for a proposal before voting nil: one block time, at least 1 s.
    A dead proposer costs this once per turn of its (about one block time, NET-27); shorter would turn
    a proposer that is merely slow on a loaded machine into an empty round."""
    return max(1000, block_time_ms)


def _listening(host: str, port: int, netns: str) -> bool:
    """True if something accepts connections on host:port (always True inside another namespace, which
    this process cannot reach without its lab)."""
    if netns:
        return True
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def exit_reason(log: Path, node: NodeInfo) -> str:
    """NET-33: why a node's process stopped at start, from its log's tail; a port taken by some other
    process is named as such."""
    try:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
    except OSError:
        tail = []
    text = " | ".join(tail)
    if "address already in use" in text.lower():
        ports = f"p2p {node.p2p_port}, rpc {node.rpc_port}, abci {node.abci_port}"
        return (
            f"one of its ports ({ports}) was taken by another process after it was claimed; "
            f"`sc4it net down` and start again (new ports are chosen): {text}"
        )
    return f"{text} (see {log})"


def set_toml(text: str, section: str, key: str, value: str) -> str:
    """Replace `key = ...` inside `[section]` ("" for the top) of a CometBFT config.toml; the key must
    exist (CometBFT writes every key)."""
    lines = text.split("\n")
    current = ""
    for i, line in enumerate(lines):
        m = re.match(r"^\[([\w.]+)\]\s*$", line)
        if m:
            current = m.group(1)
            continue
        if current == section and re.match(rf"^{re.escape(key)}\s*=", line):
            lines[i] = f"{key} = {value}"
            return "\n".join(lines)
    raise KeyError(f"{section}.{key} not in config.toml")


def _q(s: str) -> str:
    return json.dumps(s)


@attrs.define
class NodeInfo:
    """One node of the network: its home, ports and the ids of its two processes."""

    name: str
    home: str
    p2p_port: int
    rpc_port: int
    abci_port: int
    node_id: str
    validator: bool
    app_pid: int = 0
    cometbft_pid: int = 0
    env: dict[str, str] = attrs.field(factory=dict)
    host: str = "127.0.0.1"
    """The node's p2p and RPC address: 127.0.0.1, or its address in its own network namespace."""
    netns: str = ""
    """The network namespace its processes run in ("" = this one; NET-31)."""
    api_url: str = ""
    """The node's sc4it JSON-RPC API (RPC-70), on a port its application picked (`sc4it/api.json`)."""

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.rpc_port}"

    @property
    def p2p_address(self) -> str:
        return f"{self.node_id}@{self.host}:{self.p2p_port}"


def rpc(url: str, path: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url + path, timeout=timeout) as r:
        doc = json.loads(r.read())
    if "error" in doc:
        raise NetError(f"{url}{path}: {doc['error']}")
    return doc["result"]


def pid_alive(pid: int, marker: str) -> bool:
    """True if `pid` runs and its command line mentions `marker` (our directory): a recycled id of an
    unrelated process is never signalled."""
    if pid <= 0:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    zombie = stat.rsplit(")", 1)[-1].split()[0] == "Z"
    return not zombie and marker in cmdline


class Network:
    """A local network in `directory` (NET-21..NET-24)."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory.resolve()
        self.nodes: list[NodeInfo] = []
        self.block_time_ms = DEFAULT_BLOCK_TIME_MS
        self.snapshot_interval = 0
        self.chain_id = ""
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self.ports = PortClaims()
        """NET-33: this process's claims on the nodes' ports (held until `down`)."""
        self.config: list[tuple[str, str, str]] = []
        """Extra (section, key, TOML value) settings written into every node's config.toml after the
        launcher's own (benchmarks compare CometBFT settings with it)."""

    # ---------------------------------------------------------------------------------------------
    # The state file

    @classmethod
    def load(cls, directory: Path) -> Network:
        net = cls(directory)
        path = net.dir / STATE_FILE
        if not path.is_file():
            raise NetError(f"{directory} has no {STATE_FILE}: start a network there with `sc4it net up`")
        doc = json.loads(path.read_text())
        net.block_time_ms = doc["block_time_ms"]
        net.snapshot_interval = doc["snapshot_interval"]
        net.chain_id = doc["chain_id"]
        net.nodes = [NodeInfo(**n) for n in doc["nodes"]]
        return net

    def save(self) -> None:
        doc = {
            "chain_id": self.chain_id,
            "block_time_ms": self.block_time_ms,
            "snapshot_interval": self.snapshot_interval,
            "nodes": [attrs.asdict(n) for n in self.nodes],
        }
        tmp = self.dir / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(doc, indent=2) + "\n")
        os.replace(tmp, self.dir / STATE_FILE)

    # ---------------------------------------------------------------------------------------------
    # Configuration

    def _init_node(self, index: int, validator: bool) -> NodeInfo:
        cometbft = str(find_cometbft())
        home = self.dir / f"node{index}"
        subprocess.run([cometbft, "init", "--home", str(home)], check=True, capture_output=True, timeout=60)
        node_id = subprocess.run(
            [cometbft, "show-node-id", "--home", str(home)],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        ports = self.ports
        return NodeInfo(
            f"node{index}", str(home), ports.take(), ports.take(), ports.take(), node_id, validator
        )

    def _write_config(self, node: NodeInfo, peers: list[NodeInfo], statesync: dict[str, str] | None) -> None:
        path = Path(node.home) / "config" / "config.toml"
        text = path.read_text()
        commit = f"{self.block_time_ms}ms"
        settings: list[tuple[str, str, str]] = [
            ("", "moniker", _q(node.name)),
            ("", "proxy_app", _q(f"tcp://127.0.0.1:{node.abci_port}")),
            ("", "log_level", _q("info")),
            ("rpc", "laddr", _q(f"tcp://{node.host}:{node.rpc_port}")),
            ("rpc", "max_subscription_clients", "1000"),
            ("rpc", "max_request_batch_size", "1000"),  # clients submit in JSON-RPC batches
            ("rpc", "max_body_bytes", "16000000"),
            ("p2p", "laddr", _q(f"tcp://{node.host}:{node.p2p_port}")),
            ("p2p", "persistent_peers", _q(",".join(p.p2p_address for p in peers if p is not node))),
            ("p2p", "addr_book_strict", "false"),
            ("p2p", "allow_duplicate_ip", "true"),
            ("p2p", "pex", "false"),
            ("p2p", "persistent_peers_max_dial_period", _q("2s")),
            ("consensus", "timeout_commit", _q(commit)),
            ("consensus", "timeout_propose", _q(f"{timeout_propose_ms(self.block_time_ms)}ms")),
            ("consensus", "timeout_prevote", _q("500ms")),
            ("consensus", "timeout_precommit", _q("500ms")),
            ("mempool", "size", "20000"),
            ("mempool", "cache_size", "100000"),
            ("instrumentation", "prometheus", "false"),
        ]
        if statesync is not None:
            settings += [
                ("statesync", "enable", "true"),
                ("statesync", "rpc_servers", _q(statesync["rpc_servers"])),
                ("statesync", "trust_height", statesync["trust_height"]),
                ("statesync", "trust_hash", _q(statesync["trust_hash"])),
                ("statesync", "discovery_time", _q("6s")),
            ]
        for section, key, value in settings + self.config:
            text = set_toml(text, section, key, value)
        path.write_text(text)

    def _write_genesis(self, app_state: Any = None) -> None:
        validators = []
        for node in self.nodes:
            key = json.loads((Path(node.home) / "config" / "priv_validator_key.json").read_text())
            validators.append(
                {"address": key["address"], "pub_key": key["pub_key"], "power": "10", "name": node.name}
            )
        first = json.loads((Path(self.nodes[0].home) / "config" / "genesis.json").read_text())
        first["chain_id"] = self.chain_id
        first["validators"] = validators
        first["initial_height"] = "1"
        first["app_state"] = app_state  # NET-06: an sc4it genesis JSON; None: the embedded default
        for node in self.nodes:
            (Path(node.home) / "config" / "genesis.json").write_text(json.dumps(first, indent=2) + "\n")

    # ---------------------------------------------------------------------------------------------
    # Processes

    def _spawn(self, args: list[str], log: Path, env: dict[str, str], netns: str = "") -> int:
        full_env = dict(os.environ)
        full_env.update(env)
        if netns:
            args = ["ip", "netns", "exec", netns, *args]  # `ip` execs the command: the PID stays
        with log.open("ab") as out:
            proc = subprocess.Popen(
                args,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=full_env,
                start_new_session=True,
            )
        self._procs[proc.pid] = proc
        return proc.pid

    def start_node(self, node: NodeInfo, *, timeout: float = 20.0) -> None:
        """Start the node's application, wait for its ABCI port, then start its CometBFT."""
        home = Path(node.home)
        peers = [p.rpc_url for p in self.nodes if p is not node]
        app_args = [
            sys.executable,
            "-m",
            "sc4it.net.run",
            "--home",
            str(home / "sc4it"),
            "--port",
            str(node.abci_port),
            "--snapshot-interval",
            str(self.snapshot_interval),
            "--cometbft-rpc",
            node.rpc_url,
            "--block-time-ms",
            str(self.block_time_ms),
        ]
        for url in peers:
            app_args += ["--peer-rpc", url]
        ready = home / "sc4it" / "abci.ready"
        ready.unlink(missing_ok=True)
        node.app_pid = self._spawn(app_args, home / "app.log", node.env, node.netns)
        deadline = time.monotonic() + timeout
        while not (ready.is_file() and ready.read_text().strip() == str(node.app_pid)):
            if time.monotonic() > deadline or self._procs[node.app_pid].poll() is not None:
                why = exit_reason(home / "app.log", node)
                raise NetError(f"{node.name}'s application did not listen on {node.abci_port}: {why}")
            time.sleep(0.05)
        node.api_url = json.loads((home / "sc4it" / "api.json").read_text())["url"]
        node.cometbft_pid = self._spawn(
            [str(find_cometbft()), "start", "--home", str(home)], home / "cometbft.log", {}, node.netns
        )
        self.save()
        while not _listening(node.host, node.rpc_port, node.netns):  # NET-33: the port is its own now
            if self._procs[node.cometbft_pid].poll() is not None:
                self._reap(node.cometbft_pid, block=True)
                why = exit_reason(home / "cometbft.log", node)
                raise NetError(f"{node.name}'s CometBFT exited at start: {why}")
            if time.monotonic() > deadline:
                break  # a long handshake replay comes before the listeners: not an error
            time.sleep(0.05)

    def stop_node(self, node: NodeInfo, sig: int = signal.SIGTERM, *, wait: float = 10.0) -> None:
        """Stop the node's two processes by their recorded ids (`sig`, then SIGKILL after `wait` s)."""
        for pid in (node.cometbft_pid, node.app_pid):
            self._signal(pid, sig, node.home)
        deadline = time.monotonic() + wait
        for pid in (node.cometbft_pid, node.app_pid):
            while pid_alive(pid, node.home) and time.monotonic() < deadline:
                self._reap(pid)
                time.sleep(0.05)
            if pid_alive(pid, node.home):
                self._signal(pid, signal.SIGKILL, node.home)
            self._reap(pid, block=True)
        node.app_pid = node.cometbft_pid = 0
        self.save()

    def _signal(self, pid: int, sig: int, marker: str) -> None:
        if pid_alive(pid, marker):
            os.kill(pid, sig)

    def _reap(self, pid: int, block: bool = False) -> None:
        proc = self._procs.get(pid)
        if proc is not None:
            if block:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    return
            elif proc.poll() is None:
                return
            self._procs.pop(pid, None)

    # ---------------------------------------------------------------------------------------------
    # The commands

    def up(
        self,
        validators: int,
        *,
        block_time_ms: int = DEFAULT_BLOCK_TIME_MS,
        snapshot_interval: int = 0,
        env: dict[int, dict[str, str]] | None = None,
        lab: Lab | None = None,
        genesis: str | None = None,
    ) -> None:
        """NET-21: create and start `validators` validators (each in its own namespace of `lab`, with
        fixed ports, if given: NET-31); `genesis` is the sc4it genesis JSON (default: the embedded one)."""
        if validators < 1:
            raise NetError("--validators must be at least 1")
        if (self.dir / STATE_FILE).exists():
            raise NetError(
                f"{self.dir} already holds a network: `sc4it net down --dir {self.dir}` and remove it"
            )
        self.dir.mkdir(parents=True, exist_ok=True)
        self.block_time_ms = block_time_ms
        self.snapshot_interval = snapshot_interval
        self.chain_id = f"sc4it-local-{os.urandom(3).hex()}"
        self.nodes = [self._init_node(i, True) for i in range(validators)]
        for i, node in enumerate(self.nodes):
            node.env = dict((env or {}).get(i, {}))
            if lab is not None:
                node.host, node.netns = lab.host(i), lab.names[i]
                node.p2p_port, node.rpc_port, node.abci_port = 26656, 26657, 26658
        self._write_genesis(None if genesis is None else json.loads(genesis))
        for node in self.nodes:
            self._write_config(node, self.nodes, None)
        self.save()
        for node in self.nodes:
            self.start_node(node)

    def add_node(self, *, state_sync: bool = True, trust_from: int = 0) -> NodeInfo:
        """NET-23: a new full node that joins by state sync (a snapshot checked against the app hash of
        a header its light client verified from two nodes' RPC), then block sync."""
        node = self._init_node(len(self.nodes), False)
        src = self.nodes[trust_from]
        genesis = (Path(src.home) / "config" / "genesis.json").read_text()
        (Path(node.home) / "config" / "genesis.json").write_text(genesis)
        statesync = None
        if state_sync:
            latest = rpc(src.rpc_url, "/commit")["signed_header"]["header"]
            servers = [n.rpc_url for n in self.nodes if n.cometbft_pid][:2]
            statesync = {
                "rpc_servers": ",".join(servers),
                "trust_height": latest["height"],
                "trust_hash": rpc(src.rpc_url, f"/block?height={latest['height']}")["block_id"]["hash"],
            }
        self.nodes.append(node)
        self._write_config(node, self.nodes, statesync)
        self.save()
        self.start_node(node)
        return node

    def address_of(self, node: NodeInfo) -> str:
        """The node's validator address (hex, as CometBFT's RPC prints it)."""
        key = json.loads((Path(node.home) / "config" / "priv_validator_key.json").read_text())
        address: str = key["address"]
        return address.upper()

    def proposer(self, via: NodeInfo | None = None) -> NodeInfo:
        """The validator proposing the current round, as `via` (default: the first live node) sees it."""
        live = [n for n in self.nodes if n.cometbft_pid]
        state = rpc((via or live[0]).rpc_url, "/consensus_state")["round_state"]
        address = state["proposer"]["address"].upper()
        return next(n for n in self.nodes if self.address_of(n) == address)

    def down(self) -> None:
        """NET-22: stop every process `up` started (by recorded id)."""
        for node in self.nodes:
            self.stop_node(node)
        self.ports.close()

    def status(self) -> list[dict[str, Any]]:
        """NET-24: height, app hash and voting power per node (or why it is down)."""
        out = []
        for node in self.nodes:
            row: dict[str, Any] = {"name": node.name, "rpc": node.rpc_url, "validator": node.validator}
            try:
                st = rpc(node.rpc_url, "/status", timeout=1.0)
                info = st["sync_info"]
                row.update(
                    height=int(info["latest_block_height"]),
                    app_hash=info["latest_app_hash"].lower(),
                    voting_power=int(st["validator_info"]["voting_power"]),
                    catching_up=bool(info["catching_up"]),
                )
            except Exception as e:
                row["down"] = str(e)
                diverged = Path(node.home) / "sc4it" / "divergence.json"
                if diverged.is_file():
                    row["diverged"] = str(diverged)
            out.append(row)
        return out
