"""A ZOS-node agent: the farmer's side of the seeds' loop, against a running `sc4it node run`.

It subscribes to the events of its node's contracts; for each new node contract it takes the workload the
user sent it off-chain (here: a file `<inbox>/<contract id>.json`, standing in for the RMB message),
checks it with `sc4it.deployment.verify_deployment`, answers on chain with `ConfirmDeployment` or
`RejectDeployment`, and then reports the resources the deployment uses (`ReportContractResources`) and
its network use (`AddNruReports`). A cancelled contract is "undeployed".

    python examples/zos_agent.py --url http://127.0.0.1:9944 --node-id 1 --key node-1 --inbox /tmp/inbox

`--count N` stops after N deployments (what the test does); otherwise it runs until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import attrs

from sc4it import calls, genesis
from sc4it.client import Client
from sc4it.deployment import verify_deployment
from sc4it.kernel.events import ContractCreated, NodeContractCanceled
from sc4it.kernel.pmap import PMap
from sc4it.kernel.state import Config, State
from sc4it.kernel.types import Contract, ContractResources, NodeContract, NruConsumption, Resources, Roles

INBOX_WAIT_SECS = 30.0


def one_contract_state(contract: Contract) -> State:
    """`verify_deployment` reads the contract from a state: a state holding just this one (the agent
    fetched it with `sc4it_contract` at the head)."""
    nobody = bytes(32)
    empty = State.empty(Config(), Roles(nobody, nobody, nobody))
    return attrs.evolve(empty, contracts=PMap([(contract.contract_id, contract)]))


async def read_inbox(inbox: Path, contract_id: int) -> tuple[int, bytes] | None:
    """The workload a twin sent for `contract_id`: (twin id, workload bytes), waiting for it (bounded)."""
    path = inbox / f"{contract_id}.json"
    async with asyncio.timeout(INBOX_WAIT_SECS):
        while not path.exists():
            await asyncio.sleep(0.05)
    msg = json.loads(path.read_text())
    return int(msg["twin_id"]), bytes.fromhex(msg["workload"])


async def handle_created(node: Client, args: argparse.Namespace, contract_id: int) -> bool:
    """Verify and answer one new contract; True when it was confirmed."""
    key = genesis.dev_keypair(args.key)
    try:
        sent = await read_inbox(Path(args.inbox), contract_id)
    except TimeoutError:
        sent = None
    contract = await node.contract(contract_id)
    if sent is None or contract is None:
        reason = b"no workload received" if sent is None else b"contract is gone"
        await node.submit_and_wait(calls.RejectDeployment(contract_id, reason), key)
        print(f"agent: contract {contract_id} rejected ({reason.decode()})", flush=True)
        return False
    twin_id, workload = sent
    verdict = verify_deployment(
        one_contract_state(contract), contract_id, twin_id, workload, node_id=args.node_id
    )
    if not verdict.ok:
        await node.submit_and_wait(calls.RejectDeployment(contract_id, verdict.value.encode()), key)
        print(f"agent: contract {contract_id} rejected ({verdict.value})", flush=True)
        return False
    confirmed = await node.submit_and_wait(calls.ConfirmDeployment(contract_id), key)
    print(
        f"agent: contract {contract_id} deployed (block {confirmed.block}, error {confirmed.error})",
        flush=True,
    )
    spec = json.loads(workload)
    used = Resources(
        cru=spec.get("cru", 0), mru=spec.get("mru", 0), sru=spec.get("sru", 0), hru=spec.get("hru", 0)
    )
    report = await node.submit_and_wait(
        calls.ReportContractResources((ContractResources(contract_id, used),)), key
    )
    head = await node.head()
    nru = NruConsumption(contract_id, head.timestamp // 1000, 3600, 1 << 20)
    nru_report = await node.submit_and_wait(calls.AddNruReports((nru,)), key)
    print(f"agent: reported resources of {contract_id} ({report.error}, {nru_report.error})", flush=True)
    return True


async def main(args: argparse.Namespace) -> int:
    handled = 0
    async with Client(args.url) as node:
        start = args.from_block if args.from_block is not None else (await node.head()).number + 1
        print(f"agent: node {args.node_id} watching from block {start}", flush=True)
        events = ["ContractCreated", "NodeContractCanceled"]
        async for notice in node.events(node=args.node_id, event=events, from_block=start):
            for _, _, _, event in notice.events:
                if isinstance(event, ContractCreated) and isinstance(
                    event.contract.contract_type, NodeContract
                ):
                    await handle_created(node, args, event.contract.contract_id)
                    handled += 1
                elif isinstance(event, NodeContractCanceled):
                    print(f"agent: contract {event.contract_id} cancelled: workload removed", flush=True)
            if args.count is not None and handled >= args.count:
                return 0
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://127.0.0.1:9944")
    p.add_argument("--node-id", type=int, default=1)
    p.add_argument("--key", default="node-1", help="the node twin's development key name")
    p.add_argument("--inbox", required=True, help="directory where users drop workloads (stands in for RMB)")
    p.add_argument("--from-block", type=int, help="replay from this block (default: from the next one)")
    p.add_argument("--count", type=int, help="stop after this many deployments")
    return p.parse_args(argv)


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(parse())))
    except KeyboardInterrupt:
        sys.exit(130)
