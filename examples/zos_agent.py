"""A ZOS-node agent: the farmer's side of the seeds' loop, against a running `sc4it node run`.

It subscribes to the events of its node's contracts; for each new node contract it takes the workload the
user sent it off-chain (here: a file `<inbox>/<contract id>.json`, standing in for the RMB message),
verifies the contract through the light client (spec/light.md, LGT-12: it exists, belongs to the twin
that sent the workload and carries the workload's hash, proved against a header sealed by the chain's
producer, so the chain node it asks need not be trusted), checks the rest with
`sc4it.deployment.verify_deployment`, answers on chain with `ConfirmDeployment` or `RejectDeployment`,
and then reports the resources the deployment uses (`ReportContractResources`) and its network use
(`AddNruReports`). A cancelled contract is "undeployed". An answer that does not verify (a lying or
broken node) deploys nothing and rejects nothing.

    python examples/zos_agent.py --url http://127.0.0.1:9944 --node-id 1 --key node-1 --inbox /tmp/inbox

The light client trusts what it is given, never the node: `--chain-id` and `--producer` (defaults: the
chain of the default genesis and the development producer key, what `sc4it node run` uses by default).

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
from sc4it.client import Client, Verified
from sc4it.deployment import deployment_hash, verify_deployment
from sc4it.kernel.events import ContractCreated, NodeContractCanceled
from sc4it.kernel.pmap import PMap
from sc4it.kernel.signing import Keypair
from sc4it.kernel.state import Config, State
from sc4it.kernel.types import Contract, ContractResources, NodeContract, NruConsumption, Resources, Roles
from sc4it.light import LightClient, LightError, LightFault, ProducerSeal

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


def light_client(chain_id: bytes, producer: bytes) -> LightClient:
    """LGT-02: trust headers of `chain_id` sealed by `producer`, and nothing the node says."""
    return LightClient(ProducerSeal(chain_id, frozenset({producer})))


async def reject(node: Client, key: Keypair, contract_id: int, reason: str) -> bool:
    await node.submit_and_wait(calls.RejectDeployment(contract_id, reason.encode()[:200]), key)
    print(f"agent: contract {contract_id} rejected ({reason})", flush=True)
    return False


async def handle_created(
    node: Client, verified: Verified, args: argparse.Namespace, contract_id: int
) -> bool:
    """Verify and answer one new contract; True when it was confirmed."""
    key = genesis.dev_keypair(args.key)
    try:
        sent = await read_inbox(Path(args.inbox), contract_id)
    except TimeoutError:
        sent = None
    if sent is None:
        return await reject(node, key, contract_id, "no workload received")
    twin_id, workload = sent
    try:  # LGT-12: proved, or nothing happens
        header, contract = await verified.deployment(
            contract_id, twin_id=twin_id, deployment_hash=deployment_hash(workload)
        )
    except LightError as e:
        if e.fault is LightFault.Mismatch:  # the proof holds: the chain says no
            return await reject(node, key, contract_id, e.message)
        print(
            f"agent: contract {contract_id} not deployed: the node's answer did not verify ({e})", flush=True
        )
        return False
    print(f"agent: contract {contract_id} verified at block {header.number} (light client)", flush=True)
    verdict = verify_deployment(
        one_contract_state(contract), contract_id, twin_id, workload, node_id=args.node_id
    )
    if not verdict.ok:
        return await reject(node, key, contract_id, verdict.value)
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
    light = light_client(args.chain_id, args.producer)
    async with Client(args.url) as node:
        verified = node.verified(light)
        start = args.from_block if args.from_block is not None else (await node.head()).number + 1
        print(f"agent: node {args.node_id} watching from block {start}", flush=True)
        events = ["ContractCreated", "NodeContractCanceled"]
        async for notice in node.events(node=args.node_id, event=events, from_block=start):
            for _, _, _, event in notice.events:
                if isinstance(event, ContractCreated) and isinstance(
                    event.contract.contract_type, NodeContract
                ):
                    await handle_created(node, verified, args, event.contract.contract_id)
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
    p.add_argument("--chain-id", type=_hex32, help="the chain to trust (default: the default genesis)")
    p.add_argument(
        "--producer", type=_hex32, help="its producer's account, hex (default: dev key 'producer')"
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
