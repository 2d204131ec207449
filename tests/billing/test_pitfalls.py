"""Latent pitfalls of TFChain's billing (spec/tfchain.md: pitfalls; spec/tfchain.md: facts) not covered in
the other files; each test
shows the behaviour chosen in spec/deviations.md."""

from __future__ import annotations

import attrs

from sc4it import calls as c
from sc4it.contracts.billing import bill_contract
from sc4it.contracts.billing.payment import pricing_of
from sc4it.contracts.lifecycle import update_contract_state
from sc4it.genesis import GenesisPricingPolicy
from sc4it.kernel.events import ContractBilled, NodeDeleted, RewardDistributed
from sc4it.kernel.types import (
    Cause,
    ContractBill,
    ContractPaymentState,
    Created,
    Deleted,
    DiscountLevel,
    Policy,
    Resources,
    TftPrice,
)

from .support import GIB, MOCK_POLICY, Chain, acc, assert_conserved, edit, now_of, world

N = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)


def test_pe_billing_uses_policy_1_whatever_the_farm() -> None:
    """P-E (DEV-BIL-9, BIL-10, DST-06): farm 1 is switched to policy 2 (every price doubled, another
    foundation account): alice's N is still billed 57 776 (policy 1 prices) and the foundation share
    (Perbill(40 %)·57 776 = 23 110.4 → 23 110) goes to policy 1's foundation (ferdie)."""
    double = attrs.evolve(
        MOCK_POLICY,
        name=b"double",
        su=Policy(2 * 194_400),
        cu=Policy(2 * 305_600),
        ipu=Policy(2 * 69_400),
        foundation_account=acc("eve"),
    )
    assert isinstance(double, GenesisPricingPolicy)
    ch = Chain(world(extra_policies=[double]))
    ch.council(c.SetFarmPricingPolicy(1, 2))
    assert ch.state.farms[1].pricing_policy_id == 2
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, N)
    assert ch.run_to(11) == [ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.Gold, 57_776))]
    ferdie, eve = ch.free("ferdie"), ch.free("eve")
    ch.cancel("alice", cid)
    assert ch.free("ferdie") - ferdie == 23_110 and ch.free("eve") == eve


def test_pi_failed_settlement_on_node_deletion_leaves_no_trace() -> None:
    """P-I (DEV-CON-3, DEV-BIL-14): node 1 runs alice's N (costs something) and bob's bare contract (costs
    nothing). With the TFT price at 0 alice's settlement fails (TFTPriceValueError): it leaves no write at all
    — her contract is still Created and keeps its reserve — while bob's contract is settled and removed, and
    the node is deleted."""
    ch = Chain(world())
    a = ch.node_contract("alice", 1, ips=1)
    b = ch.node_contract("bob", 1, tag=b"bob")
    ch.report("node-1", a, N)
    ch.run_to(15)
    tx = edit(ch.state)
    tx.tft_price = TftPrice(price=0, average=0, min=0, max=1000)
    ch.state = tx.commit()
    reserve = ch.state.contract_payment_state[a]
    events = ch.call("farmer-1", c.DeleteNodeFarm(1))
    assert events[-1] == NodeDeleted(1)
    assert ch.state.contracts[a].state == Created()
    assert ch.state.contract_payment_state[a] == reserve
    assert b not in ch.state.contracts
    assert_conserved(ch.state)


def test_errata5_rent_cascade_keeps_reserve_invariant() -> None:
    """Errata 5 (DEV-CON-2, DEV-BIL-14, BIL-50): a rent contract removed while a node contract on its node
    still holds a reserve (a state the grace rules never reach: it is forced here by marking the rent
    contract Deleted directly). Dave's node contract holds 928 + 9 256 = 10 184 (blocks 2 and 12, Gold)
    and the rent 125 728 (block 11). The cascade removes the node contract without billing it; its 10 184
    go back to dave's free balance instead of staying reserved for good, and the rent's own reserve is
    distributed (RewardDistributed 125 728; the rent's bill at block 12 covers 6 s: su 1 105.92 + cu 2
    037.33 = 3 143.25 → 3 143 → Percent 50 → 1 571.5 → 1 571 units → 31 420 → Gold 12 568)."""
    ch = Chain(world())
    rent = ch.rent_contract("dave", 3)
    nc = ch.node_contract("dave", 3, ips=1)
    ch.run_to(12)
    assert ch.state.contract_payment_state[nc].standard_reserve == 10_184
    free = ch.free("dave")
    tx = edit(ch.state, 12)
    update_contract_state(tx, tx.contracts[rent], Deleted(Cause.CanceledByCollective))
    bill_contract(tx, rent, pricing_of(tx))
    ch.state = tx.commit()
    assert RewardDistributed(rent, 125_728 + 12_568, 0) in tx.events
    assert rent not in ch.state.contracts and nc not in ch.state.contracts
    assert ch.reserved("dave") == 0
    assert ch.free("dave") - free == 10_184 - 12_568
    assert_conserved(ch.state)


def test_payment_state_helpers_settle_additional_first() -> None:
    """BIL-18: a partial payment settles the additional overdraft (extra fee) before the standard one."""
    from sc4it.contracts.billing.payment import settle_overdraft, settle_partial_overdraft

    ps = ContractPaymentState(10, 20, 300, 40, 7, 3)
    assert settle_partial_overdraft(ps, 50) == ContractPaymentState(20, 60, 290, 0, 7, 3)
    assert settle_partial_overdraft(ps, 30) == ContractPaymentState(10, 50, 300, 10, 7, 3)
    assert settle_partial_overdraft(ps, 10_000) == ContractPaymentState(310, 60, 0, 0, 7, 3)
    assert settle_overdraft(ps) == ContractPaymentState(310, 60, 0, 0, 7, 3)
