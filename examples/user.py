"""A user of a running `sc4it node run`: creates a node contract for a workload and watches it go live.

It signs `CreateNodeContract` (the workload's hash on chain, the workload sealed to the user's own key in
`deployment_data`, `sc4it.deployment.create_node_contract_call`), waits for its block, hands the workload
to the node off-chain (a file `<inbox>/<contract id>.json`, standing in for RMB), then follows the
contract's events until the node confirms (`ContractDeployed`: exit 0) or rejects it (exit 1).

    python examples/user.py --url http://127.0.0.1:9944 --key alice --node-id 1 --inbox /tmp/inbox
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from sc4it import genesis
from sc4it.client import Client
from sc4it.deployment import create_node_contract_call
from sc4it.kernel.events import ContractCreated, ContractDeployed, DeploymentRejected

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
                        return 0
                    if isinstance(event, DeploymentRejected):
                        print(
                            f"user: contract {contract.contract_id} rejected: {event.reason.decode()}",
                            flush=True,
                        )
                        return 1
    return 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://127.0.0.1:9944")
    p.add_argument("--key", default="alice", help="the user's development key name")
    p.add_argument("--node-id", type=int, default=1)
    p.add_argument("--inbox", required=True, help="directory the node's agent reads workloads from")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the node's answer")
    return p.parse_args(argv)


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(parse())))
    except KeyboardInterrupt:
        sys.exit(130)
