"""Regression tests for the billing bugs TFChain's maintainers fixed (spec/tfchain.md: maintainers' fixes):
each shows
that sc4it cannot do what the old code did. Items already exercised in detail elsewhere point there and
add the invariant check; #348 (set_lock overwriting a lock) and #932 (validator fees / block-author
gating) concern mechanisms sc4it does not have (locks, the off-chain worker), so their tests check the
closest property."""

from __future__ import annotations

from sc4it import calls as c
from sc4it.kernel.events import (
    ContractBilled,
    ContractGracePeriodEnded,
    ContractPaymentOverdrawn,
    RewardDistributed,
)
from sc4it.kernel.types import ContractBill, Created, DiscountLevel, GracePeriod, Power, Resources

from .support import GIB, TFT, Chain, assert_conserved, now_of, world

N = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)


def test_969_990_reserves_track_contracts_and_vanish_after_cancel() -> None:
    """#969/#990 (BIL-50): dave holds a node contract, a name contract and a rent contract with a workload,
    goes through grace and restore; at every step his reserved balance equals Σ of his contracts' reserves
    (Chain checks it), and once every contract is cancelled nothing stays reserved."""
    ch = Chain(world(balances={"dave": 400_000 + 500}))
    n1 = ch.node_contract("dave", 1, ips=1)
    ch.report("node-1", n1, N)
    name = ch.name_contract("dave", b"davename")
    rent = ch.rent_contract("dave", 3)
    n2 = ch.node_contract("dave", 3, ips=1, tag=b"w")
    ch.run_to(40)
    assert any(isinstance(ch.state.contracts[i].state, GracePeriod) for i in (n1, name, rent))
    ch.transfer("alice", "dave", 100 * TFT)
    ch.run_to(60)
    assert all(isinstance(ch.state.contracts[i].state, Created) for i in (n1, name, rent, n2))
    for cid in (n1, name, n2, rent):
        ch.cancel("dave", cid)
    assert ch.reserved("dave") == 0 and not ch.state.contracts


def test_994_nu_billed_once_in_grace() -> None:
    """#994 (GRC-10): charlie's contract is in grace from block 21; NU of 50 000 units (1 GB over 3600 s) is
    reported before the bill at block 31: that bill overdraws 144 440 + 1 000 000 (50 000 units → 10^6 TFT
    units, level None) = 1 144 440; the next bill (block 41) overdraws only 144 440 again."""
    ch = Chain(world())
    cid = ch.node_contract("charlie", 1, ips=1)
    ch.report("node-1", cid, N)
    ch.run_to(30)
    ch.report_nu("node-1", cid, 10**9, 3600)
    assert ch.run_to(31) == [ContractPaymentOverdrawn(cid, now_of(31), 0, 1_144_440)]
    assert ch.state.contract_billing_information_by_id[cid].amount_unbilled == 0
    assert ch.run_to(41) == [ContractPaymentOverdrawn(cid, now_of(41), 0, 144_440)]


def test_991_certified_billed_as_certified() -> None:
    """#991 (BIL-38): N on certified node 2 costs 72 220, not the Diy 57 776 (see test_scenarios)."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 2, ips=1)
    ch.report("node-2", cid, N)
    assert ch.run_to(11) == [ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.Gold, 72_220))]


def test_834_622_706_707_distribution_needs_no_free_balance() -> None:
    """#834/#622/#706/#266 (DST-10): charlie's free balance is down to exactly the existential deposit after
    the bill at block 21 (all usable reserved); distribution on cancel still succeeds because it only
    moves reserved funds. #707: a contract with nothing reserved distributes nothing (no
    RewardDistributed)."""
    ch = Chain(world())
    cid = ch.node_contract("charlie", 1, ips=1)
    ch.report("node-1", cid, N)
    ch.run_to(21)
    assert ch.free("charlie") == 500
    events = ch.cancel("charlie", cid)
    assert RewardDistributed(cid, 149_500, 0) in events
    poor = Chain(world(balances={"charlie": 500}))
    name = poor.name_contract("charlie", b"charlie")
    events = poor.cancel("charlie", name)
    assert not any(isinstance(e, RewardDistributed) for e in events)


def test_479_grace_ends_exactly_once() -> None:
    """#479 (GRC-02): a contract out of funds is deleted at its first bill with elapsed ≥ 100 blocks and never
    billed again (it is out of its shard and the state)."""
    ch = Chain(world())
    cid = ch.node_contract("charlie", 1, ips=1)
    ch.report("node-1", cid, N)
    ch.run_to(121)
    assert cid not in ch.state.contracts
    assert all(cid not in ids for ids in ch.state.contracts_to_bill_at.values())
    assert ch.run_to(300) == []


def test_932_duplicate_bill_in_one_block_is_harmless() -> None:
    """#932 (BIL-05): several accounts billing the same contract in one block: the first bill settles, the
    others find 0 s elapsed and nothing unbilled and change nothing."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, N)
    ch.run_to(11)
    state = ch.state
    for who in ("bob", "charlie", "dave"):
        assert ch.call(who, c.BillContractForBlock(cid)) == ()
    assert ch.state.contract_payment_state == state.contract_payment_state


def test_893_every_shard_billed_every_cycle() -> None:
    """#893 (BIL-03): with 30 name contracts over 10 shards, every contract is billed exactly 3 times in
    blocks 2..31 (once per 10 blocks)."""
    ch = Chain(world())
    for i in range(30):
        ch.name_contract("alice", b"n%03d" % i)
    events = ch.run_to(31)
    counts: dict[int, int] = {}
    for e in events:
        if isinstance(e, ContractBilled):
            counts[e.contract_bill.contract_id] = counts.get(e.contract_bill.contract_id, 0) + 1
    assert counts == {i: 3 for i in range(1, 31)}


def test_229_contract_stays_in_its_shard_without_usage() -> None:
    """#229 (BIL-02): a node contract with nothing to bill stays in shard id % F across many cycles and is
    billed as soon as it has usage."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1)
    ch.run_to(100)
    assert cid in ch.state.contracts_to_bill_at[cid % 10]
    ch.report("node-1", cid, N)
    assert any(isinstance(e, ContractBilled) for e in ch.run_to(111))


def test_261_payment_state_created_with_the_contract() -> None:
    """#261 (BIL-10): the payment state exists from creation, stamped with the creation time, so the first
    bill never covers time since timestamp 0 (it is 60 s: 57 776)."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    assert ch.state.contract_payment_state[cid].last_updated_seconds == now_of(1)
    ch.report("node-1", cid, N)
    assert ch.run_to(11) == [ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.Gold, 57_776))]


def test_348_reserves_accumulate_never_overwrite() -> None:
    """#348: the old lock was overwritten instead of extended; reserves only accumulate: after two cycles
    alice's reserved balance is 2 · 57 776."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, N)
    ch.run_to(21)
    assert ch.reserved("alice") == 2 * 57_776


def test_621_discount_independent_of_interval() -> None:
    """#621 (BIL-37): the level is computed from a monthly rate: billing N after 6 s (block 2 via
    BillContractForBlock: 6 s → su 97.2 + cu 509.33 + ip 115.67 = 722.2 → 722 units → 14 440 → Gold 5 776) and
    after 54 more seconds (block 11: 6 500 units (su 874.8 + cu 4 584 + ip 1 041 = 6 499.8) → 130 000 → Gold
    52 000) gives Gold both times."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, N)
    ch.advance(1)
    assert ch.call("bob", c.BillContractForBlock(cid)) == (
        ContractBilled(ContractBill(cid, now_of(2), DiscountLevel.Gold, 5_776)),
    )
    assert ch.run_to(11) == [ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.Gold, 52_000))]


def test_290_rented_node_bills_no_resources() -> None:
    """#290 (BIL-32): on rented node 3, dave's node contract with reported resources pays only its IP: 60 s →
    1 157 units → 23 140 → Gold 9 256 (see test_scenarios)."""
    ch = Chain(world())
    ch.rent_contract("dave", 3)
    nc = ch.node_contract("dave", 3, ips=1)
    ch.report("node-3", nc, Resources(hru=0, sru=500 * GIB, cru=8, mru=16 * GIB))
    ch.run_to(12)
    assert ch.events_at(12) == [ContractBilled(ContractBill(nc, now_of(12), DiscountLevel.Gold, 9_256))]


def test_632_idle_node_contract_not_billed() -> None:
    """#632 (BIL-04): a node contract without IPs, resources or NU produces no bill and no event."""
    ch = Chain(world())
    ch.node_contract("alice", 1)
    assert ch.run_to(200) == []


def test_1047_zero_usage_contract_with_overdraft_is_settled() -> None:
    """#1047/#1048/#1045 (BIL-04 [F25]): charlie's node contract has only NU (no IP, no resources): NU of 10^9
    bytes over 3600 s = 50 000 units → 1 000 000 TFT units (level None) at block 11: charlie has 149 500
    usable → grace, overdraft 850 500. With no usage any more, the loop still bills it because of the
    overdraft: after a top-up, block 21 restores it and bills the 850 500."""
    ch = Chain(world())
    cid = ch.node_contract("charlie", 1)
    ch.report_nu("node-1", cid, 10**9, 3600)
    events = ch.run_to(11)
    assert events[-1] == ContractPaymentOverdrawn(cid, now_of(11), 149_500, 850_500)
    ch.transfer("alice", "charlie", TFT)
    assert ch.run_to(21) == [
        ContractGracePeriodEnded(cid, 1, 3),
        ContractBilled(ContractBill(cid, now_of(21), DiscountLevel.None_, 850_500)),
    ]


def test_873_node_contracts_on_standby_node_still_billed() -> None:
    """#873/#801 (BIL-12): only a rent contract is waived on a standby node; a node contract on a node that
    went down keeps being billed (57 776 at block 21)."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, N)
    ch.run_to(12)
    ch.call("node-1", c.ChangePowerState(Power.Down))
    assert ch.run_to(21) == [ContractBilled(ContractBill(cid, now_of(21), DiscountLevel.Gold, 57_776))]


def test_996_no_burn_in_default_split() -> None:
    """#996/#1018 (DST-14): the default split burns nothing: R = 57 776 → 5 778 / 23 110 / 28 888 (staking 5
    777.6 → 5 778, foundation 23 110.4 → 23 110, farmer the rest)."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, N)
    ch.run_to(11)
    before = {n: ch.free(n) for n in ("staking-pool", "ferdie", "farmer-1")}
    ch.cancel("alice", cid)
    assert {n: ch.free(n) - v for n, v in before.items()} == {
        "staking-pool": 5_778,
        "ferdie": 23_110,
        "farmer-1": 28_888,
    }
    assert ch.state.burned == 0
    assert_conserved(ch.state)


def test_993_full_cost_during_grace() -> None:
    """#993 (GRC-10, wontfix upstream, kept): in grace a contract is billed its full 144 440 per cycle."""
    ch = Chain(world())
    cid = ch.node_contract("charlie", 1, ips=1)
    ch.report("node-1", cid, N)
    ch.run_to(21)
    assert ch.run_to(31) == [ContractPaymentOverdrawn(cid, now_of(31), 0, 144_440)]
