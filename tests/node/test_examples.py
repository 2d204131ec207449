"""The seeds' loop for real (issue 16, item 7; issue 19): examples/zos_agent.py and examples/user.py as
processes against a real `sc4it node run`: the user creates a node contract, the agent verifies the
contract through the light client and the workload with `verify_deployment`, confirms it and reports
resources, the user sees it go live and verifies its balance and contract through the light client. In
front of a lying node (tests/node/liar.py) the agent deploys nothing."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from sc4it import genesis
from sc4it.client import Client
from sc4it.deployment import create_node_contract_call
from sc4it.kernel.events import ContractCreated
from sc4it.kernel.types import Created
from sc4it.light import LightClient, ProducerSeal

from ..support import ROOT
from . import liar, nodeproc

EXAMPLES = ROOT / "examples"


def test_agent_confirms_what_the_user_deploys(tmp_path: Path) -> None:
    """RPC-30 RPC-31 DEP-10 LGT-12 LGT-13: the agent follows its node's contract events, verifies the
    contract through the light client, confirms the deployment and reports resources; the user's script
    sees ContractDeployed, verifies its balance and contract through the light client and exits 0."""
    inbox = tmp_path / "inbox"
    agent_log = tmp_path / "agent.log"
    with nodeproc.running(tmp_path / "data", block_time_ms=100) as node:
        agent = subprocess.Popen(
            [sys.executable, str(EXAMPLES / "zos_agent.py"), "--url", node.url, "--node-id", "1",
             "--key", "node-1", "--inbox", str(inbox), "--count", "1", "--from-block", "1"],
            stdout=agent_log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            user = subprocess.run(
                [sys.executable, str(EXAMPLES / "user.py"), "--url", node.url, "--key", "alice",
                 "--node-id", "1", "--inbox", str(inbox), "--timeout", "90"],
                capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            agent.wait(timeout=120)
        finally:
            nodeproc.stop(agent)
        agent_out = agent_log.read_text()
        assert user.returncode == 0, user.stdout + user.stderr + agent_out
        assert "is live" in user.stdout
        assert "user: verified at block" in user.stdout and "Created" in user.stdout, user.stdout
        assert agent.returncode == 0 and "deployed" in agent_out and "reported resources" in agent_out, (
            agent_out
        )
        assert "verified at block" in agent_out and "(light client)" in agent_out, agent_out
        cid = int(user.stdout.split("contract ", 1)[1].split()[0])

        async def check() -> None:
            async with Client(node.url) as c:
                contract = await c.contract(cid)
                assert contract is not None and contract.state == Created()

        asyncio.run(asyncio.wait_for(check(), 60))


def _flip_proof(method: str, params: Any, result: Any) -> Any:
    """The lie: every proof of a contract has one hex digit changed."""
    if method != "sc4it_contract" or not isinstance(result, dict) or "proof" not in result:
        return result
    p = result["proof"]
    return {**result, "proof": p[:-1] + ("0" if p[-1] != "0" else "1")}


def test_agent_deploys_nothing_a_lying_node_says(tmp_path: Path) -> None:
    """LGT-12 LGT-10: the agent asks a node that tampers with contract proofs: it neither confirms nor
    rejects the contract (its events and calls pass through unchanged), and says the answer did not
    verify; the contract stays undeployed, which a verified read through the honest node confirms."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    agent_log = tmp_path / "agent.log"
    alice = genesis.dev_keypair("alice")
    workload = b'{"cru": 1}'
    with (
        nodeproc.running(tmp_path / "data", block_time_ms=100) as node,
        liar.threaded(node.url, _flip_proof) as lie,
    ):
        agent = subprocess.Popen(
            [sys.executable, str(EXAMPLES / "zos_agent.py"), "--url", lie.url, "--node-id", "1",
             "--key", "node-1", "--inbox", str(inbox), "--count", "1", "--from-block", "1"],
            stdout=agent_log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:

            async def create() -> tuple[int, int]:
                async with Client(node.url) as c:
                    included = await c.submit_and_wait(create_node_contract_call(alice, 1, workload), alice)
                    created = next(e for e in included.events if isinstance(e, ContractCreated))
                    return created.contract.contract_id, created.contract.twin_id

            cid, twin_id = asyncio.run(asyncio.wait_for(create(), 60))
            message = {"twin_id": twin_id, "workload": workload.hex()}
            (inbox / f"{cid}.tmp").write_text(json.dumps(message))
            (inbox / f"{cid}.tmp").replace(inbox / f"{cid}.json")
            agent.wait(timeout=120)
        finally:
            nodeproc.stop(agent)
        agent_out = agent_log.read_text()
        assert agent.returncode == 0, agent_out
        assert f"contract {cid} not deployed" in agent_out and "BadProof" in agent_out, agent_out
        assert "rejected" not in agent_out and "reported" not in agent_out, agent_out
        assert lie.lies >= 1

        async def check() -> None:
            light = LightClient(ProducerSeal(genesis.default().chain_id, frozenset({nodeproc_producer()})))
            async with Client(node.url) as c:
                v = c.verified(light)
                contract = await v.contract(cid)
                assert contract is not None and contract.state == Created()
                _, (deployed,) = await v.entries([("deployed_contracts", cid)])
                assert deployed is None

        asyncio.run(asyncio.wait_for(check(), 60))


def nodeproc_producer() -> bytes:
    """The account `sc4it node run` produces with by default (the development key 'producer')."""
    return genesis.dev_keypair("producer").account_id
