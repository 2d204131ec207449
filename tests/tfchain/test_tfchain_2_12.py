"""TFChain 2.10-2.12 and later (spec/tfchain.md), in TFChain's test mock world.

TFChain's Rust tests for these features are not in the sources we could read (spec/tfchain.md); what is
ported here are the Go client's integration tests of the same features (`clients/tfchain-client-go`,
stored-file id 66480541896: `TestOptOutOfV3Billing`, `TestSetNodeV3OptOutMetadata`,
`TestClearNodeV3OptOutMetadata`; each test is named after its Go original) and the checks of the
operator guide for `migrate_node_contract` (stored-file id 67034233458, "Verifying" and "Common errors").
In the mock alice is user, farmer and node operator of node 1 on farm 1."""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.errors import Error
from sc4it.kernel.types import NodeContract, Resources

from .mock import Mock, account

GIB = 1 << 30


def _opted_out_mock() -> Mock:
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    return m


def test_opt_out_of_v3_billing() -> None:
    """Go `TestOptOutOfV3Billing`: the farmer opts node 1 out; a second try fails with
    `NodeV3BillingOptOutAlreadyEnabled` ("opt-out is permanent"); the node reads as opted out.
    OPT-13 OPT-14."""
    m = _opted_out_mock()
    events = m.call("alice", c.OptOutOfV3Billing(1))
    assert events == (ev.NodeV3BillingOptedOut(1, m.now),)
    m.assert_noop("alice", c.OptOutOfV3Billing(1), Error.NodeV3BillingOptOutAlreadyEnabled)
    assert 1 in m.state.node_v3_billing_opt_out


def test_set_node_v3_opt_out_metadata() -> None:
    """Go `TestSetNodeV3OptOutMetadata`: after the opt-out the farmer stores the v4 account note and reads
    it back byte for byte. OPT-21 OPT-23."""
    m = _opted_out_mock()
    m.call("alice", c.OptOutOfV3Billing(1))
    metadata = b'{"v4_account":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"}'
    events = m.call("alice", c.SetNodeV3OptOutMetadata(1, metadata))
    assert events == (ev.NodeV3OptOutMetadataSet(1, metadata),)
    assert m.state.node_v3_opt_out_metadata[1] == metadata


def test_clear_node_v3_opt_out_metadata() -> None:
    """Go `TestClearNodeV3OptOutMetadata`: empty bytes clear the note; reading it gives nothing.
    OPT-22."""
    m = _opted_out_mock()
    m.call("alice", c.OptOutOfV3Billing(1))
    m.call("alice", c.SetNodeV3OptOutMetadata(1, b'{"v4_account":"5Grw"}'))
    events = m.call("alice", c.SetNodeV3OptOutMetadata(1, b""))
    assert events == (ev.NodeV3OptOutMetadataCleared(1),)
    assert 1 not in m.state.node_v3_opt_out_metadata


def _two_node_mock() -> tuple[Mock, int]:
    """The mock with bob's node 2 on alice's farm 1 and alice's node contract 1 on node 1."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    m.call("bob", c.CreateNode(1, Resources(hru=1024 * GIB, sru=512 * GIB, cru=8, mru=16 * GIB)))
    return m, 1


def test_migrate_node_contract_verifying() -> None:
    """Operator guide, "Verifying": after the call the contract's node is the destination, it left the
    source's active set and joined the destination's, and `ContractUpdated` carries the new node and
    hash. MIG-23 MIG-27."""
    m, cid = _two_node_mock()
    new_hash = bytes([7]) * 32
    events = m.council(c.MigrateNodeContract(cid, 2, new_hash))
    contract = m.state.contracts[cid]
    nc = contract.contract_type
    assert isinstance(nc, NodeContract)
    assert (nc.node_id, nc.deployment_hash) == (2, new_hash)
    assert 1 not in m.state.active_node_contracts
    assert cid in m.state.active_node_contracts[2]
    assert events[-1] == ev.ContractUpdated(contract)


def test_migrate_node_contract_common_errors() -> None:
    """Operator guide, "Common errors": ContractNotExists (wrong id), InvalidContractType (a name
    contract), ContractAlreadyOnNode (same node), BadOrigin (not the council), ContractIsNotUnique (the
    destination holds the hash), NodeIsOptedOutOfV3Billing (either side). MIG-01 MIG-02 MIG-04 MIG-06
    MIG-09."""
    m, cid = _two_node_mock()
    assert m.try_council(c.MigrateNodeContract(99, 2, None)).error is Error.ContractNotExists
    m.call("bob", c.CreateNameContract(b"bobname"))
    assert m.try_council(c.MigrateNodeContract(2, 1, None)).error is Error.InvalidContractType
    assert m.try_council(c.MigrateNodeContract(cid, 1, None)).error is Error.ContractAlreadyOnNode
    m.assert_noop("alice", c.MigrateNodeContract(cid, 2, None), Error.BadOrigin)
    hash_ = m.state.contracts[cid].contract_type.deployment_hash  # type: ignore[union-attr]
    m.call("charlie", c.CreateNodeContract(2, hash_, b"", 0, None))
    assert m.try_council(c.MigrateNodeContract(cid, 2, None)).error is Error.ContractIsNotUnique
    m.call("alice", c.OptOutOfV3Billing(2))
    assert m.try_council(c.MigrateNodeContract(cid, 2, bytes(32))).error is Error.NodeIsOptedOutOfV3Billing
    assert account("alice") not in m.state.allowed_twin_admins
