"""Name contracts (NM-xx), rent contracts (RC-xx), the dedicated-node extra fee (XF-xx) and cancelling
(CC-xx) — spec/contracts.md."""

from __future__ import annotations

import pytest

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.errors import Error
from sc4it.kernel.types import Cause, Contract, Deleted, GracePeriod, NameContract, RentContract

from .world import (
    CONTRACT_SIDE,
    TWIN,
    approved_provider,
    base,
    call,
    contract_gone,
    council_call,
    edit,
    err,
    kinds,
    name_contract,
    node_contract,
    ok,
    rent_contract,
    set_farm_dedicated,
    set_standby,
)

# --- CreateNameContract ----------------------------------------------------------------------------


def test_create_name_contract() -> None:
    """NM-06, NM-07: stored, registered, ContractCreated; no payment-side extras for names."""
    s, contract = name_contract(base(), "bob", b"my-name_01")
    assert contract.contract_type == NameContract(b"my-name_01")
    assert contract.solution_provider_id is None
    assert s.contract_id_by_name_registration[b"my-name_01"] == contract.contract_id
    assert contract.contract_id not in s.contract_billing_information_by_id


@pytest.mark.parametrize(
    ("name", "error"),
    [
        (b"ab", Error.NameContractNameTooShort),
        (b"", Error.NameContractNameTooShort),
        (b"a" * 65, Error.NameContractNameTooLong),
        (b"Abc", Error.NameNotValid),
        (b"a.bc", Error.NameNotValid),
        (b"a bc", Error.NameNotValid),
        (b"ab\xff", Error.NameNotValid),
        # NM-02 NM-03 NM-04 order: too short wins over invalid chars, too long wins over invalid chars
        (b"A.", Error.NameContractNameTooShort),
        (b"A" * 65, Error.NameContractNameTooLong),
    ],
)
def test_nm02_nm04_name_rules(name: bytes, error: Error) -> None:
    """NM-02 NM-03 NM-04 in order."""
    s = base()
    assert err(call(s, "bob", c.CreateNameContract(name)), s) is error


def test_nm_bounds_accepted() -> None:
    """NM-02/NM-03: exactly 3 and exactly 64 bytes are fine."""
    s, _ = name_contract(base(), "bob", b"abc")
    name_contract(s, "bob", b"z" * 64)


def test_nm01_twin_before_name_rules() -> None:
    """NM-01 before NM-02."""
    s = base()
    assert err(call(s, "eve", c.CreateNameContract(b"x")), s) is Error.TwinNotExists


def test_nm05_name_exists_and_reuse_after_cancel() -> None:
    """NM-05: a registered name cannot be taken; after a cancel it can (CON-45)."""
    s, contract = name_contract(base(), "bob", b"shared")
    assert err(call(s, "alice", c.CreateNameContract(b"shared")), s) is Error.NameExists
    s, events = ok(call(s, "bob", c.CancelContract(contract.contract_id)))
    assert ev.NameContractCanceled(contract.contract_id) in events
    contract_gone(s, contract.contract_id)
    s, again = name_contract(s, "alice", b"shared")
    assert again.twin_id == TWIN["alice"]


# --- CreateRentContract ------------------------------------------------------------------------------


def test_create_rent_contract() -> None:
    """RC-06 RC-07 RC-08."""
    s, sp = approved_provider(base())
    s, rent = rent_contract(s, "alice", 1, sp=sp)
    assert rent.contract_type == RentContract(1)
    assert rent.solution_provider_id == sp
    assert s.active_rent_contract_for_node[1] == rent.contract_id
    assert rent.contract_id not in s.contract_billing_information_by_id


def test_rc01_node_has_rent_contract() -> None:
    """RC-01, before RC-05 (TwinNotExists comes late)."""
    s, _ = rent_contract(base(), "alice", 1)
    assert err(call(s, "bob", c.CreateRentContract(1, None)), s) is Error.NodeHasRentContract
    assert err(call(s, "eve", c.CreateRentContract(1, None)), s) is Error.NodeHasRentContract


def test_rc02_rc03_rc05_order() -> None:
    """RC-02, RC-03 before RC-05: an account without twin learns about the node first."""
    s = base()
    assert err(call(s, "eve", c.CreateRentContract(99, None)), s) is Error.NodeNotExists
    s2 = edit(s, lambda tx: tx.farms.pop(1))
    assert err(call(s2, "eve", c.CreateRentContract(1, None)), s2) is Error.FarmNotExists
    assert err(call(s, "eve", c.CreateRentContract(1, None)), s) is Error.TwinNotExists


def test_rc04_node_with_contracts() -> None:
    """RC-04: a node with a node contract can be rented only if its farm is dedicated; RC-04 comes before
    RC-05."""
    s, _ = node_contract(base(), "alice", node=1)
    assert err(call(s, "bob", c.CreateRentContract(1, None)), s) is Error.NodeNotAvailableToDeploy
    assert err(call(s, "eve", c.CreateRentContract(1, None)), s) is Error.NodeNotAvailableToDeploy
    s2 = set_farm_dedicated(s, 1, True)
    rent_contract(s2, "bob", 1)


def test_rc06_provider_errors() -> None:
    """RC-06 / SP-20."""
    s = base()
    assert err(call(s, "alice", c.CreateRentContract(1, 7)), s) is Error.NoSuchSolutionProvider
    s2, sp = approved_provider(s, approved=False)
    assert err(call(s2, "alice", c.CreateRentContract(1, sp)), s2) is Error.SolutionProviderNotApproved


def test_rc09_standby_node_can_be_rented() -> None:
    """RC-09."""
    rent_contract(set_standby(base(), 3, down=True, target_down=True), "alice", 3)


# --- SetDedicatedNodeExtraFee ---------------------------------------------------------------------


def test_set_extra_fee() -> None:
    """XF-06: stored, event; then the node is dedicated (NC-06); 0 makes it usable again."""
    s, events = ok(call(base(), "farmer-1", c.SetDedicatedNodeExtraFee(1, 1000)))
    assert events == (ev.NodeExtraFeeSet(1, 1000),)
    assert s.dedicated_nodes_extra_fee[1] == 1000
    assert err(call(s, "alice", c.CreateNodeContract(1, bytes(32), b"", 0, None)), s) is (
        Error.NodeNotAvailableToDeploy
    )
    s, _ = ok(call(s, "farmer-1", c.SetDedicatedNodeExtraFee(1, 0)))
    assert s.dedicated_nodes_extra_fee[1] == 0
    node_contract(s, "alice", node=1)


def test_xf_errors_in_order() -> None:
    """XF-01 XF-02 XF-03 XF-04 XF-05."""
    s = base()
    assert err(call(s, "eve", c.SetDedicatedNodeExtraFee(99, 1)), s) is Error.TwinNotExists
    assert err(call(s, "farmer-1", c.SetDedicatedNodeExtraFee(99, 1)), s) is Error.NodeNotExists
    s_nofarm = edit(s, lambda tx: tx.farms.pop(1))
    assert err(call(s_nofarm, "farmer-1", c.SetDedicatedNodeExtraFee(1, 1)), s_nofarm) is Error.FarmNotExists
    assert err(call(s, "farmer-2", c.SetDedicatedNodeExtraFee(1, 1)), s) is Error.UnauthorizedToSetExtraFee
    s1, _ = node_contract(s, "alice", node=1)
    assert err(call(s1, "farmer-1", c.SetDedicatedNodeExtraFee(1, 1)), s1) is Error.NodeHasActiveContracts
    # XF-04 before XF-05
    assert err(call(s1, "farmer-2", c.SetDedicatedNodeExtraFee(1, 1)), s1) is Error.UnauthorizedToSetExtraFee
    s2, _ = rent_contract(s, "alice", 3)
    assert err(call(s2, "farmer-2", c.SetDedicatedNodeExtraFee(3, 1)), s2) is Error.NodeHasActiveContracts


# --- CancelContract / CancelContractCollective ----------------------------------------------------


def test_cancel_node_contract() -> None:
    """CC-06 / CON-40: the owner cancels; contract gone, indexes clean, IP free.
    (Billing adds ContractBilled/RewardDistributed before these events.)"""
    s, contract = node_contract(base(), "alice", ips=1)
    s2, events = ok(call(s, "alice", c.CancelContract(contract.contract_id), block=11))
    assert kinds(events, *CONTRACT_SIDE) == ["IPsFreed", "NodeContractCanceled"]
    assert ev.NodeContractCanceled(contract.contract_id, 1, TWIN["alice"]) in events
    contract_gone(s2, contract.contract_id)


def test_cc_errors_in_order() -> None:
    """CC-01 CC-02 CC-03."""
    s, contract = node_contract(base(), "alice")
    cid = contract.contract_id
    assert err(call(s, "alice", c.CancelContract(99)), s) is Error.ContractNotExists
    assert err(call(s, "bob", c.CancelContract(cid)), s) is Error.TwinNotAuthorizedToCancelContract
    assert err(call(s, "eve", c.CancelContract(cid)), s) is Error.TwinNotAuthorizedToCancelContract
    s_orphan = edit(s, lambda tx: tx.twins.pop(TWIN["alice"]))
    assert err(call(s_orphan, "alice", c.CancelContract(cid)), s_orphan) is Error.TwinNotExists


def test_cc05_rent_with_active_node_contracts() -> None:
    """CC-05: a rent contract with node contracts (Created or in grace) cannot be cancelled; CC-03 comes
    first; once the node contracts are gone it can."""
    s, rent = rent_contract(base(), "alice", 1)
    s, n = node_contract(s, "alice", node=1)
    rid = rent.contract_id
    assert err(call(s, "alice", c.CancelContract(rid)), s) is Error.NodeHasActiveContracts
    assert err(call(s, "bob", c.CancelContract(rid)), s) is Error.TwinNotAuthorizedToCancelContract
    nid = n.contract_id
    s_grace = edit(s, lambda tx: tx.contracts.__setitem__(nid, _in_grace(tx.contracts[nid])))
    assert err(call(s_grace, "alice", c.CancelContract(rid)), s_grace) is Error.NodeHasActiveContracts
    s, _ = ok(call(s, "alice", c.CancelContract(nid)))
    s, events = ok(call(s, "alice", c.CancelContract(rid)))
    assert kinds(events, *CONTRACT_SIDE) == ["RentContractCanceled"]
    contract_gone(s, rid)


def _in_grace(contract: Contract) -> Contract:
    return Contract(
        contract.version,
        GracePeriod(1),
        contract.contract_id,
        contract.twin_id,
        contract.contract_type,
        contract.solution_provider_id,
    )


def test_cancel_contract_collective() -> None:
    """CC-10 CC-11 CC-12 CC-13: the council cancels anyone's contract; others get BadOrigin."""
    s, contract = node_contract(base(), "alice", ips=2)
    cid = contract.contract_id
    assert err(call(s, "alice", c.CancelContractCollective(cid)), s) is Error.BadOrigin
    out = council_call(s, c.CancelContractCollective(99))
    assert err(out, s) is Error.ContractNotExists
    s2, events = ok(council_call(s, c.CancelContractCollective(cid)))
    assert kinds(events, *CONTRACT_SIDE) == ["IPsFreed", "NodeContractCanceled"]
    contract_gone(s2, cid)


def test_cc12_collective_rent_rule() -> None:
    """CC-12: the council too cannot cancel a rent contract with workloads."""
    s, rent = rent_contract(base(), "alice", 1)
    s, _ = node_contract(s, "alice", node=1)
    assert (
        err(council_call(s, c.CancelContractCollective(rent.contract_id)), s) is Error.NodeHasActiveContracts
    )


def test_cancel_cause_is_recorded_before_settlement(monkeypatch: pytest.MonkeyPatch) -> None:
    """CON-40: the contract is already Deleted(cause), out of the active set, when billing settles it."""
    import sc4it.contracts.lifecycle as billing  # the module whose bill_contract cancel_contract calls
    from sc4it.contracts import lifecycle
    from sc4it.contracts.billing.payment import Pricing
    from sc4it.kernel.tx import Tx

    from .world import env

    seen: list[object] = []
    s, contract = node_contract(base(), "alice")
    original = vars(billing)["bill_contract"]

    def spy(tx: Tx, contract_id: int, pricing: Pricing) -> None:
        seen.append((tx.contracts[contract_id].state, contract_id in (tx.active_node_contracts.get(1) or ())))
        original(tx, contract_id, pricing)

    monkeypatch.setattr(billing, "bill_contract", spy)
    tx = Tx(s, env(4))
    lifecycle.cancel_contract(tx, contract.contract_id, Cause.CanceledByCollective)
    assert seen == [(Deleted(Cause.CanceledByCollective), False)]
    assert contract.contract_id not in tx.contracts


def test_cancel_settlement_comes_before_removal() -> None:
    """CON-40 / CC-06 / DEP-37: billing's settlement events come before the contract side's, for a user
    cancel, a collective cancel and a node's rejection; the twin keeps nothing reserved afterwards."""
    from sc4it.conformance.invariants import check

    from .world import acc

    settlement = (ev.ContractBilled, ev.ContractPaymentOverdrawn, ev.RewardDistributed)
    s, a = node_contract(base(), "alice", h=1, ips=1, block=1)
    s, b = node_contract(s, "alice", h=2, ips=1, block=1)
    s, d = node_contract(s, "alice", h=3, ips=1, block=1)
    for out in (
        call(s, "alice", c.CancelContract(a.contract_id), block=700),
        council_call(s, c.CancelContractCollective(b.contract_id), block=700),
        call(s, "node-1", c.RejectDeployment(d.contract_id, b"no"), block=700),
    ):
        s2, events = ok(out)
        names = kinds(events)
        billed = [i for i, e in enumerate(events) if isinstance(e, settlement)]
        removal = [i for i, e in enumerate(events) if isinstance(e, CONTRACT_SIDE[:4])]
        assert billed and removal, names
        assert max(billed) < min(removal), names
        assert check(s2) == []
    s3, _ = ok(call(s, "alice", c.CancelContract(a.contract_id), block=700))
    assert s3.accounts[acc("alice")].reserved == sum(
        p.standard_reserve + p.additional_reserve for _, p in s3.contract_payment_state.items()
    )
