"""The deployment handshake (spec/deployment.md DEP-xx)."""

from __future__ import annotations

import hashlib

import pytest

from sc4it import calls as c
from sc4it import events as ev
from sc4it import genesis
from sc4it.deployment import (
    SEALED_BOX_OVERHEAD,
    DeploymentDataError,
    VerifyResult,
    create_node_contract_call,
    decrypt_deployment_data,
    deployment_hash,
    encrypt_deployment_data,
    max_plaintext_length,
    verify_deployment,
)
from sc4it.kernel.errors import Error
from sc4it.kernel.types import Contract, GracePeriod

from .world import (
    CONTRACT_SIDE,
    TWIN,
    acc,
    base,
    call,
    contract_gone,
    edit,
    err,
    free_ips,
    kinds,
    name_contract,
    node_contract,
    ok,
)

SEED = bytes([7]) * 32
"""A fixed ephemeral key for the sealed boxes of calls the vectors record (regenerating changes nothing)."""

WORKLOAD = b'{"type":"zmachine","name":"vm1","cpu":2,"memory":4096}'


def _grace(contract: Contract) -> Contract:
    return Contract(
        contract.version,
        GracePeriod(1),
        contract.contract_id,
        contract.twin_id,
        contract.contract_type,
        contract.solution_provider_id,
    )


# --- client side -----------------------------------------------------------------------------------


def test_dep01_hash() -> None:
    """DEP-01: blake2b-256 over the domain tag and the workload bytes; 32 bytes; deterministic."""
    h = deployment_hash(WORKLOAD)
    assert len(h) == 32
    assert h == hashlib.blake2b(b"sc4it/deployment/v1" + WORKLOAD, digest_size=32).digest()
    assert h == deployment_hash(bytes(WORKLOAD))
    assert deployment_hash(WORKLOAD + b" ") != h
    assert deployment_hash(b"") != hashlib.blake2b(b"", digest_size=32).digest()
    assert deployment_hash(b"").hex() == hashlib.blake2b(b"sc4it/deployment/v1", digest_size=32).hexdigest()


def test_dep02_dep03_sealed_box_roundtrip() -> None:
    """DEP-02/DEP-03: only the owner's key opens the data; the box adds 48 bytes; boxes differ."""
    alice = genesis.dev_keypair("alice")
    bob = genesis.dev_keypair("bob")
    blob = encrypt_deployment_data(alice.account_id, WORKLOAD)
    assert len(blob) == len(WORKLOAD) + SEALED_BOX_OVERHEAD
    assert decrypt_deployment_data(alice, blob) == WORKLOAD
    assert encrypt_deployment_data(alice.account_id, WORKLOAD) != blob
    seeded = encrypt_deployment_data(alice.account_id, WORKLOAD, ephemeral_seed=SEED)
    assert seeded == encrypt_deployment_data(alice.account_id, WORKLOAD, ephemeral_seed=SEED)
    assert len(seeded) == len(blob) and decrypt_deployment_data(alice, seeded) == WORKLOAD
    with pytest.raises(DeploymentDataError):
        decrypt_deployment_data(bob, blob)
    with pytest.raises(DeploymentDataError):
        decrypt_deployment_data(alice, blob[:-1] + bytes([blob[-1] ^ 1]))
    with pytest.raises(DeploymentDataError):
        encrypt_deployment_data(b"short", WORKLOAD)


def test_dep02_overhead_counts_against_limit() -> None:
    """DEP-02/DEP-04 with NC-01: 464 bytes of plaintext fit in 512 once sealed, 465 do not."""
    alice = genesis.dev_keypair("alice")
    s = base()
    limit = max_plaintext_length(s.config)
    assert limit == s.config.max_deployment_data_length - 48 == 464
    the_call = create_node_contract_call(
        alice, 1, WORKLOAD, data=bytes(limit), config=s.config, ephemeral_seed=SEED
    )
    assert len(the_call.deployment_data) == 512
    s2, _ = ok(call(s, "alice", the_call))
    with pytest.raises(DeploymentDataError):
        create_node_contract_call(
            alice, 1, WORKLOAD, data=bytes(limit + 1), config=s.config, ephemeral_seed=SEED
        )
    sealed = encrypt_deployment_data(alice.account_id, bytes(limit + 1), ephemeral_seed=SEED)
    out = call(s, "alice", c.CreateNodeContract(1, deployment_hash(WORKLOAD), sealed, 0, None))
    assert err(out, s) is Error.DeploymentDataTooLong
    assert decrypt_deployment_data(alice, s2.contracts[1].contract_type.deployment_data) == bytes(limit)  # type: ignore[union-attr]


def test_dep04_call_defaults() -> None:
    """DEP-04: by default the workload itself is sealed to the caller."""
    alice = genesis.dev_keypair("alice")
    the_call = create_node_contract_call(
        alice, 2, WORKLOAD, public_ips=1, solution_provider_id=None, ephemeral_seed=SEED
    )
    assert the_call.node_id == 2
    assert the_call.public_ips == 1
    assert the_call.deployment_hash == deployment_hash(WORKLOAD)
    assert decrypt_deployment_data(alice, the_call.deployment_data) == WORKLOAD


# --- verify_deployment --------------------------------------------------------------------------------


def test_dep10_dep16_verify() -> None:
    """DEP-10 DEP-11 DEP-12 DEP-13 DEP-14 DEP-15 DEP-16, each reason and the order."""
    alice = genesis.dev_keypair("alice")
    s, _ = ok(call(base(), "alice", create_node_contract_call(alice, 1, WORKLOAD, ephemeral_seed=SEED)))
    s, name = name_contract(s, "alice", b"alicename")
    a = TWIN["alice"]
    assert verify_deployment(s, 1, a, WORKLOAD, node_id=1) is VerifyResult.Ok
    assert verify_deployment(s, 1, a, WORKLOAD, node_id=1).ok
    assert verify_deployment(s, 99, a, WORKLOAD, node_id=1) is VerifyResult.ContractNotFound
    assert verify_deployment(s, name.contract_id, a, WORKLOAD, node_id=1) is VerifyResult.NotNodeContract
    assert verify_deployment(s, 1, a, WORKLOAD, node_id=2) is VerifyResult.WrongNode
    assert verify_deployment(s, 1, TWIN["bob"], WORKLOAD, node_id=1) is VerifyResult.WrongTwin
    assert verify_deployment(s, 1, a, WORKLOAD + b"x", node_id=1) is VerifyResult.HashMismatch
    assert not verify_deployment(s, 1, a, WORKLOAD + b"x", node_id=1).ok
    # order: wrong node wins over wrong twin and wrong hash; wrong twin over wrong hash
    assert verify_deployment(s, 1, TWIN["bob"], b"x", node_id=2) is VerifyResult.WrongNode
    assert verify_deployment(s, 1, TWIN["bob"], b"x", node_id=1) is VerifyResult.WrongTwin
    s_grace = edit(s, lambda tx: tx.contracts.__setitem__(1, _grace(tx.contracts[1])))
    assert verify_deployment(s_grace, 1, a, WORKLOAD, node_id=1) is VerifyResult.ContractNotLive
    assert verify_deployment(s_grace, 1, TWIN["bob"], b"", node_id=2) is VerifyResult.ContractNotLive


# --- ConfirmDeployment / RejectDeployment -----------------------------------------------------------


def test_confirm_deployment() -> None:
    """DEP-32/DEP-33; the flag leaves with the contract (CON-50)."""
    s, contract = node_contract(base(), "alice", node=2)
    cid = contract.contract_id
    s, events = ok(call(s, "node-2", c.ConfirmDeployment(cid), block=7))
    assert s.deployed_contracts[cid] == 7
    assert events == (ev.ContractDeployed(cid, acc("node-2")),)
    s, _ = ok(call(s, "alice", c.CancelContract(cid), block=8))
    contract_gone(s, cid)


def test_confirm_errors_in_order() -> None:
    """DEP-20 DEP-21 DEP-22 DEP-23 DEP-24, DEP-30, DEP-31."""
    s, contract = node_contract(base(), "alice", node=2)
    cid = contract.contract_id
    s, name = name_contract(s, "alice", b"alicename")
    assert err(call(s, "eve", c.ConfirmDeployment(cid)), s) is Error.TwinNotExists
    assert err(call(s, "node-2", c.ConfirmDeployment(99)), s) is Error.ContractNotExists
    assert err(call(s, "node-2", c.ConfirmDeployment(name.contract_id)), s) is Error.InvalidContractType
    s_nonode = edit(s, lambda tx: tx.nodes.pop(2))
    assert err(call(s_nonode, "node-2", c.ConfirmDeployment(cid)), s_nonode) is Error.NodeNotExists
    for who in ("alice", "node-1", "farmer-1"):
        assert err(call(s, who, c.ConfirmDeployment(cid)), s) is Error.NodeNotAuthorizedToConfirmDeployment
    s_grace = edit(s, lambda tx: tx.contracts.__setitem__(cid, _grace(tx.contracts[cid])))
    assert (
        err(call(s_grace, "node-2", c.ConfirmDeployment(cid)), s_grace)
        is Error.CannotUpdateContractInGraceState
    )
    # DEP-24 before DEP-30
    assert err(call(s_grace, "alice", c.ConfirmDeployment(cid)), s_grace) is (
        Error.NodeNotAuthorizedToConfirmDeployment
    )
    s2, _ = ok(call(s, "node-2", c.ConfirmDeployment(cid)))
    assert err(call(s2, "node-2", c.ConfirmDeployment(cid)), s2) is Error.ContractAlreadyDeployed


def test_dep39_update_drops_confirmation() -> None:
    """DEP-39: a new hash drops the confirmation, the same hash keeps it; the node confirms again."""
    s, contract = node_contract(base(), "alice", node=1, h=1)
    cid = contract.contract_id
    s, _ = ok(call(s, "node-1", c.ConfirmDeployment(cid), block=2))
    s_same, _ = ok(call(s, "alice", c.UpdateNodeContract(cid, bytes([1]) * 32, b"new data"), block=3))
    assert s_same.deployed_contracts[cid] == 2
    s_new, _ = ok(call(s, "alice", c.UpdateNodeContract(cid, bytes([2]) * 32, b""), block=3))
    assert cid not in s_new.deployed_contracts
    s_new, _ = ok(call(s_new, "node-1", c.ConfirmDeployment(cid), block=4))
    assert s_new.deployed_contracts[cid] == 4


def test_reject_deployment() -> None:
    """DEP-36, DEP-37: the node rejects; event first, then the cancellation (billing's events between);
    the contract is gone and its IP free."""
    s, contract = node_contract(base(), "alice", node=1, ips=1)
    cid = contract.contract_id
    s2, events = ok(call(s, "node-1", c.RejectDeployment(cid, b"image not found"), block=4))
    assert kinds(events, *CONTRACT_SIDE) == ["DeploymentRejected", "IPsFreed", "NodeContractCanceled"]
    assert events[0] == ev.DeploymentRejected(cid, b"image not found")
    contract_gone(s2, cid)
    assert len(free_ips(s2, 1)) == 4


def test_reject_in_grace_allowed() -> None:
    """DEP-35: a contract in grace can be rejected."""
    s, contract = node_contract(base(), "alice", node=1)
    cid = contract.contract_id
    s = edit(s, lambda tx: tx.contracts.__setitem__(cid, _grace(tx.contracts[cid])))
    s2, _ = ok(call(s, "node-1", c.RejectDeployment(cid, b""), block=3))
    contract_gone(s2, cid)


def test_reject_errors_in_order() -> None:
    """DEP-34 first, then DEP-20 DEP-21 DEP-22 DEP-23 DEP-24, then DEP-35."""
    s, contract = node_contract(base(), "alice", node=1)
    cid = contract.contract_id
    limit = s.config.max_reject_reason_length
    assert err(call(s, "eve", c.RejectDeployment(99, bytes(limit + 1))), s) is Error.RejectReasonTooLong
    assert err(call(s, "eve", c.RejectDeployment(cid, b"")), s) is Error.TwinNotExists
    assert err(call(s, "node-1", c.RejectDeployment(99, b"")), s) is Error.ContractNotExists
    assert (
        err(call(s, "alice", c.RejectDeployment(cid, b"")), s) is Error.NodeNotAuthorizedToConfirmDeployment
    )
    s2, _ = ok(call(s, "node-1", c.ConfirmDeployment(cid)))
    assert err(call(s2, "node-1", c.RejectDeployment(cid, bytes(limit))), s2) is Error.ContractAlreadyDeployed
    s3, name = name_contract(s, "alice", b"alicename")
    assert err(call(s3, "node-1", c.RejectDeployment(name.contract_id, b"")), s3) is Error.InvalidContractType
    s_nonode = edit(s, lambda tx: tx.nodes.pop(1))
    assert err(call(s_nonode, "node-1", c.RejectDeployment(cid, b"")), s_nonode) is Error.NodeNotExists


def test_dep38_settlement_failure_fails_reject(monkeypatch: pytest.MonkeyPatch) -> None:
    """DEP-38: if settling fails, the rejection fails and nothing changes."""
    import sc4it.contracts.lifecycle as billing  # the module whose bill_contract cancel_contract calls
    from sc4it.contracts.billing.payment import Pricing
    from sc4it.kernel.errors import fail
    from sc4it.kernel.tx import Tx

    s, contract = node_contract(base(), "alice", node=1)

    def failing(tx: Tx, contract_id: int, pricing: Pricing) -> None:
        fail(Error.RewardDistributionError)

    monkeypatch.setattr(billing, "bill_contract", failing)
    assert err(call(s, "node-1", c.RejectDeployment(contract.contract_id, b"")), s) is (
        Error.RewardDistributionError
    )
