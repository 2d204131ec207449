"""The billing loop (spec/billing.md BIL-02..BIL-06)."""

from __future__ import annotations

from collections.abc import Sequence

from sc4it import calls as c
from sc4it.contracts.billing import bill_block, should_bill
from sc4it.kernel.errors import Error
from sc4it.kernel.events import (
    BillingFrequencyChanged,
    ContractBilled,
    ContractGracePeriodStarted,
    ContractPaymentOverdrawn,
    NameContractCanceled,
)
from sc4it.kernel.state import Config
from sc4it.kernel.types import ContractBill, DiscountLevel, Resources

from .support import GIB, Chain, assert_funds_conserved, edit, env, now_of, world

SMALL = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)


def billed_ids(events: Sequence[object]) -> list[int]:
    return [e.contract_bill.contract_id for e in events if isinstance(e, ContractBilled)]


def test_each_block_bills_its_shard_once_per_cycle() -> None:
    """BIL-02/BIL-03 (#893): ten name contracts (ids 1..10, shards 1..9 and 0) are each billed exactly once in
    every 10 consecutive blocks, contract k at the blocks ≡ k (mod 10)."""
    ch = Chain(world())
    for i in range(10):
        ch.name_contract("alice", b"name%02d" % i)
    ch.run_to(21)
    per_block = {b: billed_ids([e for bb, e in ch.log if bb == b]) for b in range(2, 22)}
    for b in range(2, 22):
        k = b % 10 or 10
        assert per_block[b] == [k], (b, per_block[b])


def test_shard_order_is_ascending_and_first_takes_all() -> None:
    """BIL-03/BIL-18 (P-Q, DEV-BIL-8). Billing frequency 2: charlie's name contracts 1 and 3 share shard 1 and
    are billed at block 3 for 12 s: 13 900/3600·12 = 46.33 → 46 units → 920 TFT units each (level None).
    Charlie has 1 000 usable: contract 1 (lower id) is paid in full, contract 3 gets the 80 left and enters
    grace (contract 2, alice's, is in the other shard)."""
    ch = Chain(world(config=Config(billing_frequency=2, grace_period=100), balances={"charlie": 1_500}))
    first = ch.name_contract("charlie", b"first")
    ch.name_contract("alice", b"second")
    third = ch.name_contract("charlie", b"third")
    assert (first, third) == (1, 3)
    ch.run_to(3)
    assert ch.events_at(3) == [
        ContractBilled(ContractBill(first, now_of(3), DiscountLevel.None_, 920)),
        ContractGracePeriodStarted(third, 0, 3, 3),
        ContractPaymentOverdrawn(third, now_of(3), 80, 840),
    ]


def test_failed_step_leaves_no_trace_and_loop_goes_on() -> None:
    """BIL-03: with billing frequency 2, contracts 1 and 3 share a shard. Contract 1's payment state is
    removed (its bill fails with ContractPaymentStateNotExists): no event or write for it, contract 3 is
    still billed."""
    ch = Chain(world(config=Config(billing_frequency=2, grace_period=100)))
    ch.name_contract("alice", b"first")
    ch.name_contract("alice", b"second")
    ch.name_contract("alice", b"third")
    tx = edit(ch.state)
    tx.contract_payment_state.pop(1)
    broken = tx.commit()
    out_state, events = bill_block(broken, env(3))
    assert billed_ids(events) == [3]
    assert 1 not in out_state.contract_payment_state and out_state.contracts[1] == broken.contracts[1]
    assert_funds_conserved(out_state)


def test_should_bill_filter() -> None:
    """BIL-04 (#632, #1047): a node contract without IPs, resources, NU or overdraft is skipped by the loop
    (its payment state is untouched); it is billed once it has resources; name contracts are always
    billed."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1)
    assert not should_bill(ch.state, ch.state.contracts[cid])
    created = ch.state.contract_payment_state[cid]
    assert ch.run_to(11) == []
    assert ch.state.contract_payment_state[cid] == created
    ch.report("node-1", cid, SMALL)
    assert should_bill(ch.state, ch.state.contracts[cid])
    # the skipped bill at block 11 wrote nothing, so the bill at block 21 covers the 120 s since creation:
    # su 54·120·0.3 = 1944, cu 84.888…·120 = 10 186.67, sum 12 130.67 → 12 131 units → 242 620 → Gold → 97 048
    assert ch.run_to(21) == [ContractBilled(ContractBill(cid, now_of(21), DiscountLevel.Gold, 97_048))]


def test_should_bill_overdraft_and_nu() -> None:
    """BIL-04: amount_unbilled > 0 or an overdraft makes a bare node contract billable."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1)
    ch.report_nu("node-1", cid, 10**9, 3600)
    assert should_bill(ch.state, ch.state.contracts[cid])
    tx = edit(ch.state)
    info = tx.contract_billing_information_by_id[cid]
    tx.contract_billing_information_by_id[cid] = type(info)(info.previous_nu_reported, info.last_updated, 0)
    ps = tx.contract_payment_state[cid]
    tx.contract_payment_state[cid] = type(ps)(0, 0, 5, 0, ps.last_updated_seconds, 0)
    assert should_bill(tx.commit(), ch.state.contracts[cid])


def test_change_billing_frequency_checks() -> None:
    """BIL-06: only the council (BadOrigin); only upward (CanOnlyIncreaseFrequency for equal or lower)."""
    ch = Chain(world())
    ch.expect_error("alice", c.ChangeBillingFrequency(20), Error.BadOrigin)
    assert ch.try_council(c.ChangeBillingFrequency(10)).error == Error.CanOnlyIncreaseFrequency
    assert ch.try_council(c.ChangeBillingFrequency(5)).error == Error.CanOnlyIncreaseFrequency
    assert ch.council(c.ChangeBillingFrequency(20)) == (BillingFrequencyChanged(20),)
    assert ch.state.billing_frequency == 20


def test_frequency_change_rebuckets_so_removal_works() -> None:
    """BIL-06 (P-A, DEV-BIL-2): 13 name contracts under frequency 10 (contract 13 in shard 3); after the
    change to 20, contract 13 sits in shard 13 and contract 3 alone in shard 3; cancelling contract 13
    succeeds (in TFChain it would fail with ContractWrongBillingLoopIndex, looking in shard 13 while the
    id is in shard 3). The loop then bills contract 13 at blocks ≡ 13 (mod 20), contract 3 at blocks ≡ 3."""
    ch = Chain(world())
    for i in range(13):
        ch.name_contract("alice", b"name%02d" % i)
    assert 13 in ch.state.contracts_to_bill_at[3]
    ch.council(c.ChangeBillingFrequency(20))
    assert sorted(ch.state.contracts_to_bill_at[13]) == [13]
    assert sorted(ch.state.contracts_to_bill_at[3]) == [3]
    ch.run_to(23)
    assert billed_ids(ch.events_at(13)) == [13] and billed_ids(ch.events_at(23)) == [3]
    assert billed_ids(ch.events_at(3)) == [3]
    events = ch.cancel("alice", 12)
    assert events[-1] == NameContractCanceled(12)
    assert 12 not in ch.state.contracts


def test_rebucketing_changes_when_not_how_much() -> None:
    """BIL-06: contract 13 last billed at block 13 (under F = 10); after the change to 20 at block 13 it is
    next billed at block 33, for the 120 s since block 13: 13 900/3600·120 = 463.33 → 463 units → 9 260
    TFT units → Gold for alice → 3 704."""
    ch = Chain(world())
    for i in range(13):
        ch.name_contract("alice", b"name%02d" % i)
    ch.run_to(13)
    ch.council(c.ChangeBillingFrequency(20))
    ch.run_to(33)
    assert 13 not in billed_ids(ch.events_at(23))
    assert [e for e in ch.events_at(33) if isinstance(e, ContractBilled)] == [
        ContractBilled(ContractBill(13, now_of(33), DiscountLevel.Gold, 3_704))
    ]


def test_bill_contract_for_block_needs_a_contract() -> None:
    """BIL-05: billing an unknown contract fails with ContractNotExists."""
    ch = Chain(world())
    ch.expect_error("bob", c.BillContractForBlock(42), Error.ContractNotExists)
