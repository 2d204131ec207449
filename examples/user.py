"""A user of a running `sc4it node run`: creates a node contract for a workload and watches it go live.

It signs `CreateNodeContract` (the workload's hash on chain, the workload sealed to the user's own key in
`deployment_data`, `sc4it.deployment.create_node_contract_call`), waits for its block, hands the workload
to the node off-chain (a file `<inbox>/<contract id>.json`, standing in for RMB), then follows the
contract's events until the node confirms (`ContractDeployed`) or rejects it (exit 1). Once the
contract is live it checks its balance and the contract's state through the light client (spec/light.md,
LGT-13): values proved against a header sealed by the chain's producer, so the node it asks need not be
trusted; exit 0 when both verify, 2 when the node's answer does not.

    python examples/user.py --url http://127.0.0.1:9944 --key alice --node-id 1 --inbox /tmp/inbox

`--chain-id` and `--producer` say what the light client trusts (defaults: the default genesis and the
development producer key, what `sc4it node run` uses by default).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from sc4it import genesis
from sc4it.client import Client
from sc4it.deployment import create_node_contract_call, deployment_hash
from sc4it.kernel.events import ContractCreated, ContractDeployed, DeploymentRejected
from sc4it.light import LightClient, LightError, ProducerSeal

GIB = 1 << 30


async def main(args: argparse.Namespace) -> int:
    me = genesis.dev_keypair(args.key)
    workload = json.dumps({"vm": "ubuntu-24.04", "cru": 1, "mru": 2 * GIB, "sru": 20 * GIB}).encode()
    async with Client(args.url) as node:
        call = create_node_contract_call(me, args.node_id, workload)
        included = await node.submit_and_wait(call, me)
        if included.error is not None:
            print(f"user: CreateNodeContract failed: {included.error}", flush=True)
            return 1
        created = next(e for e in included.events if isinstance(e, ContractCreated))
        contract = created.contract
        print(f"user: contract {contract.contract_id} created in block {included.block}", flush=True)
        inbox = Path(args.inbox)
        inbox.mkdir(parents=True, exist_ok=True)
        message = {"twin_id": contract.twin_id, "workload": workload.hex()}
        tmp = inbox / f"{contract.contract_id}.tmp"
        tmp.write_text(json.dumps(message))
        tmp.replace(inbox / f"{contract.contract_id}.json")
        async with asyncio.timeout(args.timeout):
            async for notice in node.events(contract=contract.contract_id, from_block=included.block):
                for _, _, _, event in notice.events:
                    if isinstance(event, ContractDeployed):
                        print(
                            f"user: contract {contract.contract_id} is live (block {notice.block})",
                            flush=True,
                        )
                        return await check(node, args, me.account_id, contract.contract_id, workload)
                    if isinstance(event, DeploymentRejected):
                        print(
                            f"user: contract {contract.contract_id} rejected: {event.reason.decode()}",
                            flush=True,
                        )
                        return 1
    return 1


async def check(node: Client, args: argparse.Namespace, me: bytes, contract_id: int, workload: bytes) -> int:
    """LGT-13: my balance, my twin and my contract, proved against one sealed header (no trust in the
    node): the contract exists, is mine and carries my workload's hash."""
    light = LightClient(ProducerSeal(args.chain_id, frozenset({args.producer})))
    verified = node.verified(light, max_age_ms=args.max_age_ms)
    try:
        header = await verified.header()
        info = await verified.account(me, header.number)
        _, (twin_id,) = await verified.entries([("twin_id_by_account_id", me)], header.number)
        if twin_id is None:
            print("user: I have no twin", flush=True)
            return 1
        _, contract = await verified.deployment(
            contract_id, twin_id=twin_id, deployment_hash=deployment_hash(workload), at=header.number
        )
    except LightError as e:
        print(f"user: the node's answer did not verify: {e}", flush=True)
        return 2
    free = 0 if info is None else info.free
    print(
        f"user: verified at block {header.number}: balance {free} units,"
        f" contract {contract_id} of twin {twin_id} {type(contract.state).__name__}",
        flush=True,
    )
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://127.0.0.1:9944")
    p.add_argument("--key", default="alice", help="the user's development key name")
    p.add_argument("--node-id", type=int, default=1)
    p.add_argument("--inbox", required=True, help="directory the node's agent reads workloads from")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the node's answer")
    p.add_argument("--chain-id", type=_hex32, help="the chain to trust (default: the default genesis)")
    p.add_argument("--producer", type=_hex32, help="its producer's account, hex (default: dev key)")
    p.add_argument(
        "--max-age-ms",
        type=int,
        help="refuse a head older than this by the local clock (chains on wall-clock time)",
    )
    args = p.parse_args(argv)
    if args.chain_id is None:
        args.chain_id = genesis.default().chain_id
    if args.producer is None:
        args.producer = genesis.dev_keypair("producer").account_id
    return args


def _hex32(text: str) -> bytes:
    data = bytes.fromhex(text.removeprefix("0x"))
    if len(data) != 32:
        raise ValueError("expected 32 bytes of hex")
    return data


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(parse())))
    except KeyboardInterrupt:
        sys.exit(130)
