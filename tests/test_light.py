"""The light client (spec/light.md, LGT-01..LGT-08) on blocks built by `sc4it.block`: headers accepted only
with the producer's seal, entries only with proofs against an accepted header's state root."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from sc4it import calls
from sc4it.block import ChainSpec, Tip, build_block, genesis_tip, header_hash
from sc4it.genesis import default, dev_keypair
from sc4it.kernel import commitment
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.signing import sign
from sc4it.kernel.types import NodeContract
from sc4it.light import PROOF_OP_TYPE, LightClient, LightError, LightFault, ProducerSeal, proof_op

PRODUCER = dev_keypair("bob")
OTHER = dev_keypair("charlie")


@pytest.fixture(scope="module")
def chain() -> tuple[ChainSpec, list[Any]]:
    """A short chain: genesis, a block creating a node contract for alice, an empty block."""
    spec = ChainSpec.of([PRODUCER.account_id], block_time_ms=6000, genesis_timestamp_ms=1_700_000_000_000)
    tip: Tip = genesis_tip(default(), spec)
    alice = dev_keypair("alice")
    state = tip.state
    call = calls.CreateNodeContract(1, b"\x07" * 32, b"", 0, None)
    signed = sign(call, alice, state.accounts[alice.account_id].nonce, state.chain_id)
    blocks = []
    for batch in ([signed], []):
        executed = build_block(tip, batch, PRODUCER, spec)
        blocks.append(executed.block)
        tip = executed.tip
    return spec, [blocks, tip]


def _client(spec: ChainSpec) -> LightClient:
    return LightClient(ProducerSeal(default().chain_id, frozenset(spec.producers)))


def test_accepts_sealed_headers_only(chain: Any) -> None:
    """LGT-01 LGT-02 LGT-03 LGT-04: a header with its producer's seal is accepted; another chain, another
    producer, a forged or malformed signature, a changed header are refused with the fault named."""
    spec, (blocks, _) = chain
    client = _client(spec)
    block = blocks[0]
    assert client.accept(block.header, block.signature) == block.header
    assert client.latest == block.header
    forged = OTHER.sign(b"sc4it/seal/v1" + header_hash(block.header))
    cases = [
        (attrs.evolve(block.header, chain_id=bytes(32)), block.signature, LightFault.WrongChain),
        (attrs.evolve(block.header, producer=OTHER.account_id), forged, LightFault.UnknownProducer),
        (block.header, forged, LightFault.BadSignature),
        (block.header, block.signature[:63], LightFault.BadSignature),
        (block.header, "not bytes", LightFault.BadSignature),
        (attrs.evolve(block.header, number=99), block.signature, LightFault.BadSignature),
        (attrs.evolve(block.header, state_commitment=bytes(32)), block.signature, LightFault.BadSignature),
    ]
    for header, evidence, fault in cases:
        with pytest.raises(LightError) as e:
            _client(spec).accept(header, evidence)
        assert e.value.fault is fault
    with pytest.raises(LightError) as e:
        _client(spec).accept("not a header", block.signature)  # type: ignore[arg-type]
    assert e.value.fault is LightFault.NotFinal


def test_entries_against_an_accepted_header(chain: Any) -> None:
    """LGT-05 LGT-06: entries of the state after an accepted header verify with the node's proof: the
    new contract, alice's account, her twin, an absent contract; a header not accepted is NotTrusted; a
    wrong value, a proof of another state or a tampered proof is BadProof; a contract offered under
    another id is Mismatch."""
    spec, (blocks, tip) = chain
    client = _client(spec)
    last = blocks[-1]
    client.accept(last.header, last.signature)
    state = tip.state
    c = tip.commitment
    assert isinstance(c, Commitment) and c.root == last.header.state_commitment
    cid = state.contract_id
    contract = state.contracts[cid]
    alice = dev_keypair("alice").account_id
    twin_id = state.twin_id_by_account_id[alice]
    proof = c.prove([("contracts", cid), ("accounts", alice), ("twins", twin_id), ("contracts", cid + 1)])
    assert client.contract(last.header, cid, contract, proof) == contract
    assert client.account(last.header, alice, state.accounts[alice], proof) == state.accounts[alice]
    assert client.twin(last.header, twin_id, state.twins[twin_id], proof) == state.twins[twin_id]
    assert client.contract(last.header, cid + 1, None, proof) is None
    with pytest.raises(LightError) as e:
        client.contract(blocks[0].header, cid, contract, proof)
    assert e.value.fault is LightFault.NotTrusted
    bad = [
        (cid, None, proof),
        (cid + 1, attrs.evolve(contract, contract_id=cid + 1), proof),
        (cid, contract, proof[:-1]),
        (cid, contract, proof[:40] + bytes([proof[40] ^ 1]) + proof[41:]),
        (cid, contract, Commitment.of(default()).prove([("contracts", cid)])),
    ]
    for key, value, p in bad:
        with pytest.raises(LightError) as e:
            client.contract(last.header, key, value, p)
        assert e.value.fault is LightFault.BadProof
    with pytest.raises(LightError) as e:
        client.contract(last.header, cid + 1, contract, proof)
    assert e.value.fault is LightFault.Mismatch


def test_deployment_check(chain: Any) -> None:
    """LGT-07: the ZOS node's check: the contract exists, belongs to the twin, carries the hash."""
    spec, (blocks, tip) = chain
    client = _client(spec)
    last = blocks[-1]
    client.accept(last.header, last.signature)
    state = tip.state
    cid = state.contract_id
    contract = state.contracts[cid]
    assert isinstance(contract.contract_type, NodeContract)
    proof = tip.commitment.prove([("contracts", cid), ("contracts", cid + 5)])
    twin, dh = contract.twin_id, contract.contract_type.deployment_hash
    assert client.deployment(last.header, cid, contract, proof, twin_id=twin, deployment_hash=dh) == contract
    for kwargs, key, value in (
        ({"twin_id": twin + 1, "deployment_hash": dh}, cid, contract),
        ({"twin_id": twin, "deployment_hash": bytes(32)}, cid, contract),
        ({"twin_id": twin, "deployment_hash": dh}, cid + 5, None),
    ):
        with pytest.raises(LightError) as e:
            client.deployment(last.header, key, value, proof, **kwargs)
        assert e.value.fault is LightFault.Mismatch


def test_abci_proof_op(chain: Any) -> None:
    """LGT-08: the ABCI ProofOp of an entry: type sc4it:smt:v1, key the entry's key hash, data the proof,
    which verifies against the app hash (the state root)."""
    _, (_, tip) = chain
    cid = tip.state.contract_id
    proof = tip.commitment.prove([("contracts", cid)])
    kind, key, data = proof_op("contracts", cid, proof)
    assert kind == PROOF_OP_TYPE == "sc4it:smt:v1"
    assert int.from_bytes(key, "big") == commitment.entry_path("contracts", cid) and data == proof
    assert commitment.verify(tip.commitment.root, "contracts", cid, tip.state.contracts[cid], data)


def test_node_read_proof_checked_by_the_light_client(tmp_path: Any) -> None:
    """LGT-09 LGT-04 LGT-05: a node serves one proof for several entries at a kept block; a light client
    that accepted that block's sealed header checks it; an older block's proof still verifies against its
    own header; a block the node no longer keeps is StateUnavailable; a key of the wrong type is a
    ProofError."""
    from sc4it.node.service import Node, StateUnavailable

    alice = dev_keypair("alice")
    with Node.open(tmp_path, default(), PRODUCER, keep_states=2) as node:
        for _ in range(3):
            n = node.account_next_index(alice.account_id)
            node.submit(sign(calls.Transfer(OTHER.account_id, 10**7), alice, n, node.chain_id))
            node.produce_block()
        client = LightClient(ProducerSeal(node.chain_id, frozenset(node.spec.producers)))
        for number in (3, 2):
            block = node.block(number)
            assert block is not None
            client.accept(block.header, block.signature)
            state = node.state_at(number)
            header, proof = node.read_proof(number, [("accounts", alice.account_id), ("contracts", 999)])
            assert header == block.header
            info = state.accounts[alice.account_id]
            assert client.account(header, alice.account_id, info, proof) == info
            assert client.contract(header, 999, None, proof) is None
        old_info = node.state_at(2).accounts[alice.account_id]
        with pytest.raises(LightError):
            client.account(
                node.head, alice.account_id, old_info, node.read_proof(3, [("accounts", alice.account_id)])[1]
            )
        with pytest.raises(StateUnavailable):
            node.read_proof(1, [("accounts", alice.account_id)])
        with pytest.raises(commitment.ProofError):
            node.read_proof(3, [("accounts", 5)])
