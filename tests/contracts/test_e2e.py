"""The seeds' story end to end (spec/deployment.md, spec/contracts.md, spec/ips.md): a user creates a
node contract with a public IP, hands hash and workload to the node, the node verifies and confirms,
reports resources and NU, the user cancels, the IP is free again."""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it import genesis
from sc4it.conformance.invariants import check
from sc4it.deployment import (
    VerifyResult,
    create_node_contract_call,
    decrypt_deployment_data,
    verify_deployment,
)
from sc4it.kernel.types import ContractResources, NodeContract, NruConsumption, Resources

from .world import CONTRACT_SIDE, TWIN, acc, base, call, contract_gone, free_ips, holder, kinds, now_of, ok

GIB = 1 << 30
WORKLOAD = b'{"version":0,"name":"web","workloads":[{"type":"zmachine","cpu":2,"memory":4294967296}]}'


def test_seed_story_end_to_end() -> None:
    """The story, citing: NC-01 NC-02 NC-03 NC-04 NC-05 NC-06 NC-07 NC-08 NC-09 NC-10 NC-11 NC-12 NC-13,
    IPS-04, DEP-02 DEP-03 DEP-04, DEP-11 DEP-12 DEP-13 DEP-14 DEP-15 DEP-16, DEP-32, RR-07, NR-08, CC-06,
    CON-40 CON-41 CON-42 CON-43 CON-50 CON-51, IPS-11 IPS-12."""
    alice = genesis.dev_keypair("alice")
    s = base()
    ip_before = free_ips(s, 1)

    # 1. the user creates the contract: hash of the workload, workload sealed to her own key, one IP
    s, events = ok(
        call(
            s,
            "alice",
            create_node_contract_call(alice, 1, WORKLOAD, public_ips=1, ephemeral_seed=bytes(32)),
            block=10,
        )
    )
    contract = next(e.contract for e in events if isinstance(e, ev.ContractCreated))
    cid = contract.contract_id
    nc = contract.contract_type
    assert isinstance(nc, NodeContract)
    assert [ip.ip for ip in nc.public_ips_list] == [ip_before[0]]
    assert holder(s, 1, ip_before[0]) == cid
    # only she can read her deployment data back from the chain
    assert decrypt_deployment_data(alice, s.contracts[cid].contract_type.deployment_data) == WORKLOAD  # type: ignore[union-attr]

    # 2. off-chain: she hands (contract id, workload) to node 1, which checks them against the chain
    assert verify_deployment(s, cid, TWIN["alice"], WORKLOAD, node_id=1) is VerifyResult.Ok
    assert verify_deployment(s, cid, TWIN["alice"], WORKLOAD + b"!", node_id=1) is VerifyResult.HashMismatch
    assert verify_deployment(s, cid, TWIN["bob"], WORKLOAD, node_id=1) is VerifyResult.WrongTwin
    assert verify_deployment(s, cid, TWIN["alice"], WORKLOAD, node_id=2) is VerifyResult.WrongNode

    # 3. the node deploys and confirms on chain
    s, events = ok(call(s, "node-1", c.ConfirmDeployment(cid), block=11))
    assert events == (ev.ContractDeployed(cid, acc("node-1")),)
    assert s.deployed_contracts[cid] == 11

    # 4. the node reports the resources used and the network traffic
    used = ContractResources(cid, Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB))
    s, events = ok(call(s, "node-1", c.ReportContractResources((used,)), block=20))
    assert s.node_contract_resources[cid] == used
    report = NruConsumption(cid, now_of(20), 600, 2 * 10**9)
    s, events = ok(call(s, "node-1", c.AddNruReports((report,)), block=20))
    assert events == (ev.NruConsumptionReportReceived(report),)
    info = s.contract_billing_information_by_id[cid]
    assert info.last_updated == now_of(20)
    assert info.amount_unbilled > 0

    # 5. the user cancels; billing settles the elapsed time (its ContractBilled / RewardDistributed come
    #    first), the contract side frees the IP and announces the cancellation the node acts on
    s, events = ok(call(s, "alice", c.CancelContract(cid), block=30))
    assert kinds(events, *CONTRACT_SIDE) == ["IPsFreed", "NodeContractCanceled"]
    freed = next(e for e in events if isinstance(e, ev.IPsFreed))
    assert [ip.ip for ip in freed.public_ips] == [ip_before[0]]
    assert ev.NodeContractCanceled(cid, 1, TWIN["alice"]) in events
    contract_gone(s, cid)
    assert free_ips(s, 1) == ip_before
    assert verify_deployment(s, cid, TWIN["alice"], WORKLOAD, node_id=1) is VerifyResult.ContractNotFound
    assert check(s) == []
