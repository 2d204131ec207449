"""`sc4it net up | status | down` (NET-21, NET-22, NET-24); registered by `sc4it.tools.cli`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sc4it.net.engine import EngineMissing
from sc4it.net.launcher import DEFAULT_BLOCK_TIME_MS, NetError, Network

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_ENGINE_MISSING = 4


def _fail(what: str, fix: str, code: int) -> int:
    print(f"sc4it: error: {what}", file=sys.stderr)
    print(f"  how to fix: {fix}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    try:
        if args.net_command == "up":
            net = Network(directory)
            net.up(
                args.validators, block_time_ms=args.block_time_ms, snapshot_interval=args.snapshot_interval
            )
            print(f"network {net.chain_id}: {len(net.nodes)} validators, blocks every {net.block_time_ms} ms")
            for node in net.nodes:
                ws = node.api_url.replace("http://", "ws://")
                print(f"  {node.name}: sc4it RPC {node.api_url} (WebSocket {ws})")
                pad = " " * len(node.name)
                print(f"  {pad}  CometBFT RPC {node.rpc_url}  (logs {node.home}/cometbft.log, app.log)")
            print(f"stop it with: sc4it net down --dir {directory}")
            return EXIT_OK
        net = Network.load(directory)
        if args.net_command == "down":
            net.down()
            print(f"stopped {len(net.nodes)} nodes of {directory}")
            return EXIT_OK
        rows = net.status()
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            _print_status(rows)
        return EXIT_OK
    except EngineMissing as e:
        return _fail(str(e), "run scripts/install-cometbft.sh", EXIT_ENGINE_MISSING)
    except NetError as e:
        return _fail(str(e), "see `sc4it net --help`", EXIT_USAGE)


def _print_status(rows: list[dict[str, Any]]) -> None:
    print(f"{'node':8} {'height':>7} {'power':>5}  app hash")
    for r in rows:
        if "down" in r:
            extra = f" (diverged: {r['diverged']})" if "diverged" in r else ""
            print(f"{r['name']:8} {'down':>7} {'-':>5}  -{extra}")
        else:
            sync = " catching up" if r["catching_up"] else ""
            print(f"{r['name']:8} {r['height']:>7} {r['voting_power']:>5}  {r['app_hash']}{sync}")


def add_net_parser(sub: Any) -> None:
    """Add `net` and its subcommands to the `sc4it` parser's subparsers `sub`."""
    net = sub.add_parser(
        "net",
        help="a local network of CometBFT validators running sc4it (docs/network.md)",
        description="Start, inspect and stop a local CometBFT network, every node on 127.0.0.1.",
    )
    nsub = net.add_subparsers(dest="net_command", metavar="SUBCOMMAND")
    up = nsub.add_parser("up", help="create and start a network in --dir, print the RPC URLs")
    up.add_argument("--validators", type=int, default=4, help="number of validators (default 4)")
    up.add_argument("--dir", required=True, help="directory for the nodes' homes, logs and process ids")
    up.add_argument("--block-time-ms", type=int, default=DEFAULT_BLOCK_TIME_MS, help="timeout_commit (ms)")
    up.add_argument("--snapshot-interval", type=int, default=100, help="snapshot every N heights (0: none)")
    status = nsub.add_parser("status", help="height, app hash and voting power per node")
    status.add_argument("--dir", required=True)
    status.add_argument("--json", action="store_true")
    down = nsub.add_parser("down", help="stop exactly the processes `up` started (by recorded PID)")
    down.add_argument("--dir", required=True)
    for p in (up, status, down):
        p.set_defaults(func=_run)
    net.set_defaults(func=lambda a: (net.print_help(), EXIT_USAGE)[1])
