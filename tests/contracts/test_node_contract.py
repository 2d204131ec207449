"""CreateNodeContract and UpdateNodeContract (spec/contracts.md NC-xx, NU-xx)."""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.errors import Error
from sc4it.kernel.types import (
    Cause,
    Contract,
    ContractBillingInformation,
    ContractPaymentState,
    Created,
    Deleted,
    GracePeriod,
    NodeContract,
)

from .world import (
    TWIN,
    H,
    approved_provider,
    base,
    call,
    edit,
    err,
    name_contract,
    node_contract,
    now_of,
    ok,
    rent_contract,
    set_farm_dedicated,
    set_standby,
)


def test_create_node_contract_stores_everything() -> None:
    """NC-10 NC-11 NC-12 NC-13, CON-01, CON-04 CON-05 CON-06 CON-07: a plain node contract."""
    s0 = base()
    s, contract = node_contract(s0, "alice", node=1, h=7, data=b"sealed", block=3)
    assert contract == Contract(4, Created(), 1, TWIN["alice"], NodeContract(1, H(7), b"sealed", 0, ()), None)
    assert s.contracts[1] == contract
    assert s.contract_id == 1
    assert s.contract_billing_information_by_id[1] == ContractBillingInformation(0, now_of(3), 0)
    assert s.contract_id_by_node_id_and_hash[(1, H(7))] == 1
    assert 1 in s.active_node_contracts[1]
    assert 1 in s.contracts_to_bill_at[1 % s.billing_frequency]
    assert s.contract_payment_state[1] == ContractPaymentState(last_updated_seconds=now_of(3))
    # the only event is ContractCreated (IPsReserved is never emitted)
    out = call(s0, "alice", c.CreateNodeContract(1, H(7), b"sealed", 0, None), 3)
    assert [type(e) for e in out.events] == [ev.ContractCreated]


def test_contract_ids_are_monotone() -> None:
    """CON-01, CON-06: ids count up from 1 across contract types and are not reused after a cancel."""
    s, a = node_contract(base(), "alice", h=1)
    s, b = name_contract(s, "bob", b"bobname")
    s, _ = ok(call(s, "alice", c.CancelContract(a.contract_id)))
    s, d = node_contract(s, "alice", h=1)
    assert (a.contract_id, b.contract_id, d.contract_id) == (1, 2, 3)


def test_nc01_deployment_data_too_long() -> None:
    """NC-01: data longer than max_deployment_data_length fails first, even before TwinNotExists."""
    s = base()
    limit = s.config.max_deployment_data_length
    ok(call(s, "alice", c.CreateNodeContract(1, H(1), bytes(limit), 0, None)))
    assert err(call(s, "alice", c.CreateNodeContract(1, H(1), bytes(limit + 1), 0, None)), s) is (
        Error.DeploymentDataTooLong
    )
    # ordering: an account without twin with too much data still gets DeploymentDataTooLong
    assert err(call(s, "eve", c.CreateNodeContract(99, H(1), bytes(limit + 1), 0, None)), s) is (
        Error.DeploymentDataTooLong
    )


def test_nc02_twin_not_exists_before_node_not_exists() -> None:
    """NC-02 before NC-03: eve has no twin, node 99 does not exist."""
    s = base()
    assert err(call(s, "eve", c.CreateNodeContract(99, H(1), b"", 0, None)), s) is Error.TwinNotExists
    assert err(call(s, "alice", c.CreateNodeContract(99, H(1), b"", 0, None)), s) is Error.NodeNotExists


def test_nc04_standby_phase() -> None:
    """NC-04: a node that is down, or whose target is down, takes no new node contract."""
    s = base()
    for down, target in ((True, False), (False, True), (True, True)):
        s1 = set_standby(s, 1, down=down, target_down=target)
        out = call(s1, "alice", c.CreateNodeContract(1, H(1), b"", 0, None))
        assert err(out, s1) is Error.NodeNotAvailableToDeploy


def test_nc05_farm_not_exists_after_standby() -> None:
    """NC-05 after NC-04: a node whose farm is missing."""
    s = edit(base(), lambda tx: tx.farms.pop(1))
    assert err(call(s, "alice", c.CreateNodeContract(1, H(1), b"", 0, None)), s) is Error.FarmNotExists
    s2 = set_standby(s, 1)
    assert err(call(s2, "alice", c.CreateNodeContract(1, H(1), b"", 0, None)), s2) is (
        Error.NodeNotAvailableToDeploy
    )


def test_nc06_nc07_dedicated_node_needs_rent_contract() -> None:
    """NC-06/NC-07: node 3 is on the dedicated farm 2: no node contract without a rent contract; with the
    caller's rent contract it works; a node with an extra fee is dedicated too."""
    s = base()
    out = call(s, "alice", c.CreateNodeContract(3, H(1), b"", 0, None))
    assert err(out, s) is Error.NodeNotAvailableToDeploy
    s1, _ = rent_contract(s, "alice", 3)
    node_contract(s1, "alice", node=3)
    # extra fee on a node of a non-dedicated farm makes it dedicated
    s2 = edit(s, lambda tx: tx.dedicated_nodes_extra_fee.__setitem__(1, 5))
    assert err(call(s2, "alice", c.CreateNodeContract(1, H(1), b"", 0, None)), s2) is (
        Error.NodeNotAvailableToDeploy
    )
    # a zero fee does not
    s3 = edit(s, lambda tx: tx.dedicated_nodes_extra_fee.__setitem__(1, 0))
    node_contract(s3, "alice", node=1)


def test_nc07_rent_contract_of_someone_else_or_in_grace() -> None:
    """NC-07: on a rented node only the renter deploys, and only while the rent contract is Created."""
    s, rent = rent_contract(base(), "alice", 1)
    assert err(call(s, "bob", c.CreateNodeContract(1, H(1), b"", 0, None)), s) is (
        Error.NodeNotAvailableToDeploy
    )
    rid = rent.contract_id
    s_grace = edit(
        s, lambda tx: tx.contracts.__setitem__(rid, _with_state(tx.contracts[rid], GracePeriod(1)))
    )
    assert err(call(s_grace, "alice", c.CreateNodeContract(1, H(1), b"", 0, None)), s_grace) is (
        Error.NodeNotAvailableToDeploy
    )
    node_contract(s, "alice", node=1)


def test_nc07_rent_index_to_missing_contract() -> None:
    """NC-07: a rent index pointing at a missing contract fails with ContractNotExists."""
    s = edit(base(), lambda tx: tx.active_rent_contract_for_node.__setitem__(1, 42))
    assert err(call(s, "alice", c.CreateNodeContract(1, H(1), b"", 0, None)), s) is Error.ContractNotExists


def test_nc07_before_nc08() -> None:
    """Ordering: a dedicated node and a duplicate hash: NodeNotAvailableToDeploy wins."""
    s, _ = node_contract(base(), "alice", node=1, h=1)
    s = set_farm_dedicated(s, 1, True)
    assert err(call(s, "alice", c.CreateNodeContract(1, H(1), b"", 0, None)), s) is (
        Error.NodeNotAvailableToDeploy
    )


def test_nc08_hash_unique_per_node() -> None:
    """NC-08: the same hash twice on one node fails; on another node or after a cancel it is fine."""
    s, first = node_contract(base(), "alice", node=1, h=9)
    assert err(call(s, "bob", c.CreateNodeContract(1, H(9), b"", 0, None)), s) is Error.ContractIsNotUnique
    node_contract(s, "bob", node=2, h=9)
    s2, _ = ok(call(s, "alice", c.CancelContract(first.contract_id)))
    s3, again = node_contract(s2, "bob", node=1, h=9)
    assert s3.contract_id_by_node_id_and_hash[(1, H(9))] == again.contract_id


def test_nc08_stale_index_and_deleted_restore() -> None:
    """NC-08: an index entry to a missing contract fails with ContractNotExists; one to a contract left
    Deleted (a state TFChain can leave behind) allows a new contract, which takes over the index."""
    s = edit(base(), lambda tx: tx.contract_id_by_node_id_and_hash.__setitem__((1, H(5)), 77))
    assert err(call(s, "alice", c.CreateNodeContract(1, H(5), b"", 0, None)), s) is Error.ContractNotExists

    s1, old = node_contract(base(), "alice", node=1, h=5)
    oid = old.contract_id
    s1 = edit(s1, lambda tx: tx.contracts.__setitem__(oid, _with_state(old, Deleted(Cause.CanceledByUser))))
    out = call(s1, "bob", c.CreateNodeContract(1, H(5), b"", 0, None))
    assert out.error is None
    assert out.state.contract_id_by_node_id_and_hash[(1, H(5))] == 2


def test_nc08_before_ip_and_provider_errors() -> None:
    """Ordering: duplicate hash (NC-08) before IP errors (NC-09) before provider errors (CON-03)."""
    s, _ = node_contract(base(), "alice", node=1, h=1)
    out = call(s, "alice", c.CreateNodeContract(1, H(1), b"", 99, 42))
    assert err(out, s) is Error.ContractIsNotUnique
    out = call(s, "alice", c.CreateNodeContract(1, H(2), b"", 99, 42))
    assert err(out, s) is Error.FarmHasNotEnoughPublicIPs
    assert err(call(s, "alice", c.CreateNodeContract(1, H(2), b"", 1, 42)), s) is Error.NoSuchSolutionProvider


def test_nc09_solution_provider() -> None:
    """NC-09/SP-20: a node contract may name an approved provider only."""
    s, sp = approved_provider(base(), approved=False)
    out = call(s, "alice", c.CreateNodeContract(1, H(1), b"", 0, sp))
    assert err(out, s) is Error.SolutionProviderNotApproved
    s2, sp2 = approved_provider(s)
    _, contract = node_contract(s2, "alice", sp=sp2)
    assert contract.solution_provider_id == sp2


def test_nc13_event_carries_reserved_ips() -> None:
    """NC-13: ContractCreated shows the IPs taken."""
    _, contract = node_contract(base(), "alice", ips=2)
    assert isinstance(contract.contract_type, NodeContract)
    assert [ip.ip for ip in contract.contract_type.public_ips_list] == [
        b"185.206.122.33/24",
        b"185.206.122.34/24",
    ]
    assert all(ip.contract_id == contract.contract_id for ip in contract.contract_type.public_ips_list)


# --- UpdateNodeContract -------------------------------------------------------------------------


def _with_state(contract: Contract, state: Created | Deleted | GracePeriod) -> Contract:
    return Contract(
        contract.version,
        state,
        contract.contract_id,
        contract.twin_id,
        contract.contract_type,
        contract.solution_provider_id,
    )


def test_update_node_contract() -> None:
    """NU-08, NU-09: hash and data replaced, index moved, IPs and state kept."""
    s, contract = node_contract(base(), "alice", ips=1, h=1, data=b"old")
    s2, events = ok(call(s, "alice", c.UpdateNodeContract(1, H(2), b"new")))
    updated = s2.contracts[1]
    assert isinstance(updated.contract_type, NodeContract)
    assert updated.contract_type.deployment_hash == H(2)
    assert updated.contract_type.deployment_data == b"new"
    assert isinstance(contract.contract_type, NodeContract)
    assert updated.contract_type.public_ips_list == contract.contract_type.public_ips_list
    assert updated.state == Created()
    assert (1, H(1)) not in s2.contract_id_by_node_id_and_hash
    assert s2.contract_id_by_node_id_and_hash[(1, H(2))] == 1
    assert events == (ev.ContractUpdated(updated),)
    # same hash, new data: allowed, index unchanged
    s3, _ = ok(call(s2, "alice", c.UpdateNodeContract(1, H(2), b"newer")))
    assert s3.contract_id_by_node_id_and_hash[(1, H(2))] == 1


def test_nu_errors_in_order() -> None:
    """NU-01 NU-02 NU-03 NU-04 NU-05 NU-06 in order."""
    s, _ = node_contract(base(), "alice")
    s, _ = name_contract(s, "alice", b"alicename")
    limit = s.config.max_deployment_data_length
    # NU-01 before NU-02
    assert err(call(s, "alice", c.UpdateNodeContract(99, H(1), bytes(limit + 1))), s) is (
        Error.DeploymentDataTooLong
    )
    assert err(call(s, "alice", c.UpdateNodeContract(99, H(1), b"")), s) is Error.ContractNotExists
    # NU-04
    assert (
        err(call(s, "bob", c.UpdateNodeContract(1, H(1), b"")), s) is Error.TwinNotAuthorizedToUpdateContract
    )
    # NU-06: a name contract
    assert err(call(s, "alice", c.UpdateNodeContract(2, H(1), b"")), s) is Error.InvalidContractType
    # NU-05 before NU-06: a name contract in grace
    s_grace = edit(s, lambda tx: tx.contracts.__setitem__(2, _with_state(tx.contracts[2], GracePeriod(1))))
    assert err(call(s_grace, "alice", c.UpdateNodeContract(2, H(1), b"")), s_grace) is (
        Error.CannotUpdateContractInGraceState
    )
    # NU-03: the contract's twin is gone
    s_orphan = edit(s, lambda tx: tx.twins.pop(TWIN["alice"]))
    assert err(call(s_orphan, "alice", c.UpdateNodeContract(1, H(1), b"")), s_orphan) is Error.TwinNotExists
    # NU-04 before NU-05: bob updating alice's contract in grace
    assert err(call(s_grace, "bob", c.UpdateNodeContract(2, H(1), b"")), s_grace) is (
        Error.TwinNotAuthorizedToUpdateContract
    )


def test_nu07_new_hash_must_be_unique() -> None:
    """NU-07 (DEV-CON-1): moving onto a hash another live contract on the node uses fails."""
    s, _ = node_contract(base(), "alice", node=1, h=1)
    s, _ = node_contract(s, "alice", node=1, h=2)
    assert err(call(s, "alice", c.UpdateNodeContract(2, H(1), b"")), s) is Error.ContractIsNotUnique
    # a stale index entry (missing contract) does not block, it is overwritten
    s2 = edit(s, lambda tx: tx.contract_id_by_node_id_and_hash.__setitem__((1, H(3)), 99))
    s3, _ = ok(call(s2, "alice", c.UpdateNodeContract(2, H(3), b"")))
    assert s3.contract_id_by_node_id_and_hash[(1, H(3))] == 2
