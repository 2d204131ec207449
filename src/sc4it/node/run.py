"""`sc4it node run` and `sc4it node export-trace` (spec/rpc.md, RPC-60..RPC-66).

`sc4it node run` opens (or creates) the chain in `--data-dir`, serves the JSON-RPC API (`sc4it.node.rpc`)
on `--host` (127.0.0.1 by default) and `--rpc-port` (0: any free port), and produces a block every
`--block-time-ms` of wall-clock time, all on one asyncio loop. It prints its RPC URL and writes it, with
its PID, to `<data-dir>/rpc.json` (removed at a clean stop), so a script that started it with port 0 can
find it. SIGTERM or SIGINT stops it cleanly: the block being produced is committed, connections are
closed, the store is closed. Started again on the same directory, it resumes at the last committed block.

Exit codes: 0 stopped cleanly; 2 usage (bad arguments, a genesis file that is not valid, a data directory
of another chain); 3 a damaged store; 4 the `node` extra is missing; 5 the port or the data directory is
in use.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sc4it import genesis
from sc4it.kernel.signing import Keypair
from sc4it.kernel.state import State
from sc4it.node.service import Node
from sc4it.node.store import StoreError, StoreProblem

if TYPE_CHECKING:  # the rpc module needs the optional `node` extra (aiohttp); `serve` imports it
    from sc4it.node.rpc import RpcServer

log = logging.getLogger("sc4it.node.run")

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_CORRUPT = 3
EXIT_EXTRA = 4
EXIT_IN_USE = 5

RPC_FILE = "rpc.json"
PRODUCER_NAME = "producer"
"""The dev key (`genesis.dev_keypair`) a node produces with unless given `--producer-seed`."""


class NodeRunError(Exception):
    """A reason the node cannot start: `what`, `fix`, the exit `code`."""

    def __init__(self, code: int, what: str, fix: str = "") -> None:
        super().__init__(what)
        self.code = code
        self.what = what
        self.fix = fix


# ------------------------------------------------------------------------------------------------
# Arguments


def _block_time(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of milliseconds: {text!r}") from None
    if not 1 <= v <= 3_600_000:
        raise argparse.ArgumentTypeError("the block time is 1 to 3600000 ms")
    return v


def _port(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= v <= 65535:
        raise argparse.ArgumentTypeError("a port is 0 (any free port) to 65535")
    return v


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return v


def register(sub: Any, epilog: str) -> None:
    """Add `sc4it node run` and `sc4it node export-trace` to the CLI's subparsers."""
    node = sub.add_parser("node", help="run an sc4it node (JSON-RPC over HTTP and WebSocket)", epilog=epilog)
    nsub = node.add_subparsers(dest="node_command", metavar="SUBCOMMAND")
    run = nsub.add_parser(
        "run",
        help="produce blocks and serve the JSON-RPC API",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(run)
    run.add_argument("--rpc-port", type=_port, default=9944, help="0 = any free port (default 9944)")
    run.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    run.add_argument("--block-time-ms", type=_block_time, help="default: the genesis block time (6000)")
    run.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    run.add_argument("--log-format", default="text", choices=["text", "json"])
    run.add_argument("--max-request-bytes", type=_positive, default=1 << 20, help="largest request or frame")
    run.add_argument("--max-subscriptions", type=_positive, default=64, help="per WebSocket connection")
    run.set_defaults(func=cmd_run)
    export = nsub.add_parser("export-trace", help="write the stored chain as a trace for `sc4it replay`")
    _common(export)
    export.add_argument("out", metavar="TRACE", help="the trace file to write")
    export.add_argument("--force", action="store_true", help="overwrite TRACE if it exists")
    export.add_argument("--block-time-ms", type=_block_time, help="the block time the chain was created with")
    export.set_defaults(func=cmd_export_trace)
    node.set_defaults(func=lambda a: (node.print_help(), EXIT_USAGE)[1])


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--genesis", metavar="FILE", help="genesis JSON (default: the embedded default genesis)")
    p.add_argument("--data-dir", metavar="DIR", default="sc4it-data", help="default ./sc4it-data")
    p.add_argument(
        "--producer-seed",
        metavar="HEX",
        help="32-byte ed25519 seed of the producer key, hex (default: the development key 'producer')",
    )


# ------------------------------------------------------------------------------------------------
# Start-up


def _genesis_state(path: str | None) -> State:
    if path is None:
        return genesis.default()
    try:
        return genesis.build(genesis.load(path))
    except OSError as e:
        raise NodeRunError(
            EXIT_USAGE, f"cannot read the genesis {path}: {e.strerror}", "check the path"
        ) from None
    except (genesis.GenesisError, ValueError) as e:
        raise NodeRunError(EXIT_USAGE, f"{path} is not a valid genesis: {e}", "see spec/genesis.md") from None


def _producer(seed_hex: str | None) -> Keypair:
    if seed_hex is None:
        return genesis.dev_keypair(PRODUCER_NAME)
    try:
        return Keypair.from_seed(bytes.fromhex(seed_hex.removeprefix("0x")))
    except ValueError:
        raise NodeRunError(
            EXIT_USAGE, "--producer-seed is not 32 bytes of hex", "give 64 hex digits"
        ) from None


def open_node(args: argparse.Namespace, *, producing: bool = True) -> Node:
    """RPC-61: open the chain of the genesis in the data directory; typed exit on another chain, a damaged
    or a locked store."""
    state = _genesis_state(args.genesis)
    producer = _producer(args.producer_seed)
    try:
        return Node.open(
            args.data_dir,
            state,
            producer if producing else None,
            producers=(producer.account_id,),
            block_time_ms=args.block_time_ms,
        )
    except StoreError as e:
        code = {StoreProblem.Damaged: EXIT_CORRUPT, StoreProblem.Locked: EXIT_IN_USE}.get(
            e.problem, EXIT_USAGE
        )
        raise NodeRunError(code, f"{e.path}: {e.message}", e.fix) from None
    except ValueError as e:
        raise NodeRunError(EXIT_USAGE, str(e)) from None


def setup_logging(level: str, fmt: str) -> None:
    """RPC-65: levels, and one JSON object per line with `--log-format json`."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out)


# ------------------------------------------------------------------------------------------------
# Commands


def cmd_run(args: argparse.Namespace) -> int:
    setup_logging(args.log_level, args.log_format)
    try:
        import aiohttp  # noqa: F401 - the optional extra this command needs
    except ImportError:
        raise NodeRunError(EXIT_EXTRA, "sc4it node needs aiohttp", "pip install 'sc4it[node]'") from None
    node = open_node(args)
    try:
        return asyncio.run(serve(node, args))
    finally:
        node.close()


def cmd_export_trace(args: argparse.Namespace) -> int:
    """RPC-66: the stored chain as a trace file (`sc4it replay TRACE --check` re-executes it)."""
    node = open_node(args, producing=False)
    try:
        if os.path.exists(args.out) and not args.force:
            raise NodeRunError(EXIT_USAGE, f"{args.out} exists", "pass --force to overwrite it")
        blocks = node.export_trace(args.out, overwrite=args.force)
    finally:
        node.close()
    print(f"wrote {blocks} blocks to {args.out}")
    return EXIT_OK


async def serve(node: Node, args: argparse.Namespace) -> int:
    """RPC-62..RPC-64: serve and produce until SIGTERM/SIGINT; returns the exit code."""
    from aiohttp import web  # here, not at the top: the optional `node` extra (cmd_run checks it first)

    from sc4it.node.rpc import Limits, RpcServer  # imports aiohttp too

    block_time_ms = int(node.spec.block_time_ms)
    limits = Limits(max_request_bytes=args.max_request_bytes, max_subscriptions=args.max_subscriptions)
    server = RpcServer(node, limits=limits, block_time_ms=block_time_ms)
    runner = web.AppRunner(server.app(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.rpc_port)
    try:
        await site.start()
    except OSError as e:
        await runner.cleanup()
        if e.errno == errno.EADDRINUSE:
            raise NodeRunError(
                EXIT_IN_USE,
                f"port {args.rpc_port} on {args.host} is already in use",
                "stop the other process or pass another --rpc-port (0 picks a free one)",
            ) from None
        raise NodeRunError(
            EXIT_USAGE, f"cannot listen on {args.host}:{args.rpc_port}: {e.strerror}"
        ) from None
    port = _bound_port(site)
    url = f"http://{args.host}:{port}"
    rpc_file = Path(args.data_dir) / RPC_FILE
    _write_rpc_file(rpc_file, url, port)
    print(f"sc4it node: chain 0x{node.chain_id.hex()} at block {node.head.number}", flush=True)
    print(f"sc4it node: RPC {url} (WebSocket ws://{args.host}:{port})", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    producer = loop.create_task(_produce(node, server, block_time_ms, stop))
    try:
        await stop.wait()
        log.info("stopping")
    finally:
        producer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await producer
        await runner.cleanup()
        server.close()
        with contextlib.suppress(FileNotFoundError):
            rpc_file.unlink()
    log.info("stopped at block %d", node.head.number)
    return EXIT_OK


async def _produce(node: Node, server: RpcServer, block_time_ms: int, stop: asyncio.Event) -> None:
    """RPC-63: one block per block time of wall-clock time; a late block does not cause a burst."""
    period = block_time_ms / 1000
    due = time.monotonic() + period
    while not stop.is_set():
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        with node.collector.paused():  # NODE-19: from the block to its collection, not only in the block
            server.metrics.last_block_seconds = produce_one(node)
        await asyncio.get_running_loop().run_in_executor(None, node.decode_ahead)  # NODE-17
        due = max(due + period, time.monotonic())


def produce_one(node: Node) -> float:
    """One block, then what the runner does at once between blocks (NODE-18, NODE-20, NODE-19), all
    with the collector paused (the caller's): re-enabled when the block returns, it would collect the
    block's young objects at the next allocation (inside the block's time, the observers waiting), and
    `collect_garbage` would walk them again. Returns the block's time (`produce_block`) in seconds."""
    started = time.monotonic()
    committed = node.produce_block()
    took = time.monotonic() - started
    log.debug("block %d: %d calls in %.1f ms", committed.number, len(committed.block.calls), took * 1000)
    node.checkpoint()  # NODE-18
    del committed  # NODE-20: the block's results freed here (unless an observer keeps them)...
    node.release_retired()  # ...and what it replaced, before the collector runs
    node.collect_garbage()  # NODE-19 (its freeze leaves no young objects to trigger a collection)
    return took


def _bound_port(site: Any) -> int:
    server = site._server  # aiohttp keeps the listening asyncio.Server here
    sockets = getattr(server, "sockets", None) or []
    for sock in sockets:
        return int(sock.getsockname()[1])
    return int(site._port)


def _write_rpc_file(path: Path, url: str, port: int) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps({"url": url, "ws": url.replace("http://", "ws://"), "port": port, "pid": os.getpid()})
    )
    os.replace(tmp, path)
