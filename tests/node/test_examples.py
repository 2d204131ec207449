"""The seeds' loop for real (issue 16, item 7): examples/zos_agent.py and examples/user.py as processes
against a real `sc4it node run`: the user creates a node contract, the agent verifies the workload with
`verify_deployment`, confirms it and reports resources, the user sees it go live."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from sc4it.client import Client
from sc4it.kernel.types import Created

from ..support import ROOT
from . import nodeproc

EXAMPLES = ROOT / "examples"


def test_agent_confirms_what_the_user_deploys(tmp_path: Path) -> None:
    """RPC-30 RPC-31 DEP-10: the agent follows its node's contract events, confirms the deployment and
    reports resources; the user's script sees ContractDeployed and exits 0."""
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
        assert agent.returncode == 0 and "deployed" in agent_out and "reported resources" in agent_out, (
            agent_out
        )
        cid = int(user.stdout.split("contract ", 1)[1].split()[0])

        async def check() -> None:
            async with Client(node.url) as c:
                contract = await c.contract(cid)
                assert contract is not None and contract.state == Created()

        asyncio.run(asyncio.wait_for(check(), 60))
