"""Revenue distribution (spec/distribution.md DST-01..DST-17)."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from sc4it import calls as c
from sc4it.contracts.billing.distribution import payout_order, policy_problem, split, split_amounts
from sc4it.kernel.errors import Error, Fail
from sc4it.kernel.events import (
    ContractBilled,
    ContractPaymentOverdrawn,
    DistributionPolicySet,
    RewardDistributed,
)
from sc4it.kernel.fixed import U128_MAX
from sc4it.kernel.signing import sign
from sc4it.kernel.state import Config
from sc4it.kernel.types import (
    PERBILL,
    AccountInfo,
    DistributionPolicy,
    Recipient,
    Resources,
    Share,
    SplitRule,
)
from sc4it.runtime import apply

from .support import (
    GIB,
    Chain,
    acc,
    assert_conserved,
    assert_funds_conserved,
    conservation_problems,
    edit,
    env,
    now_of,
    world,
)

SMALL = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)
TF = DistributionPolicy.tfchain()


def test_split_amounts_tfchain_examples() -> None:
    """DST-05/DST-14: R = 144 440: staking 14 444, foundation 57 776, farmer 72 220. R = 15: staking 1.5 → 1
    (ties down), foundation 6, farmer 15 − 7 = 8. Name rule on 15: staking 1, foundation 14."""
    assert split_amounts(TF.node, 144_440) == [
        (Recipient.StakingPool, 14_444),
        (Recipient.Foundation, 57_776),
        (Recipient.Farmer, 72_220),
    ]
    assert split_amounts(TF.node, 15) == [
        (Recipient.StakingPool, 1),
        (Recipient.Foundation, 6),
        (Recipient.Farmer, 8),
    ]
    assert split_amounts(TF.name, 15) == [(Recipient.StakingPool, 1), (Recipient.Foundation, 14)]
    assert split_amounts(TF.extra_fee, 4_620) == [(Recipient.Farmer, 4_620)]


@given(
    st.lists(st.integers(0, PERBILL // 3), max_size=3),
    st.integers(0, 10**20),
)
def test_split_parts_always_add_up(parts: list[int], amount: int) -> None:
    """DST-05: whatever the shares (≤ 100 % in total), the parts are ≥ 0 and add up to the amount exactly,
    even when rounding every share up would exceed it (three 30 % shares of 2 are 0.6 → 1 each: capped)."""
    rule = SplitRule(tuple(Share(Recipient.StakingPool, p) for p in parts), Recipient.Farmer)
    out = split_amounts(rule, amount)
    assert sum(v for _, v in out) == amount and all(v >= 0 for _, v in out)


def test_split_caps_shares_at_what_is_left() -> None:
    """DST-05: three 30 % shares of 2: 0.6 → 1, 0.6 → 1, then only 0 left; remainder 0."""
    rule = SplitRule(tuple(Share(Recipient.StakingPool, 300_000_000) for _ in range(3)), Recipient.Farmer)
    assert [v for _, v in split_amounts(rule, 2)] == [1, 1, 0, 0]


def test_policy_validation() -> None:
    """DST-12: the presets are valid; a share above 100 %, shares summing above 100 %, a negative share, more
    than 8 shares, and a Farmer in the name rule are not."""
    assert policy_problem(DistributionPolicy.tfchain()) is None
    assert policy_problem(DistributionPolicy.legacy()) is None
    bad_rules = [
        SplitRule((Share(Recipient.StakingPool, PERBILL + 1),), Recipient.Farmer),
        SplitRule(
            (Share(Recipient.StakingPool, 600_000_000), Share(Recipient.Foundation, 400_000_001)),
            Recipient.Farmer,
        ),
        SplitRule((Share(Recipient.StakingPool, -1),), Recipient.Farmer),
        SplitRule(tuple(Share(Recipient.StakingPool, 1) for _ in range(9)), Recipient.Farmer),
    ]
    for rule in bad_rules:
        assert policy_problem(attrs.evolve(TF, node=rule)) is not None
    assert policy_problem(attrs.evolve(TF, name=SplitRule((), Recipient.Farmer))) is not None
    assert (
        policy_problem(attrs.evolve(TF, name=SplitRule((Share(Recipient.Farmer, 1),), Recipient.Burn)))
        is not None
    )
    assert (
        policy_problem(
            attrs.evolve(TF, extra_fee=SplitRule((Share(Recipient.Burn, PERBILL),), Recipient.Farmer))
        )
        is None
    )


def test_set_distribution_policy_call() -> None:
    """DST-13: alice is not the council (BadOrigin); an invalid policy fails with InvalidDistributionPolicy;
    the council stores a valid one with event DistributionPolicySet."""
    ch = Chain(world())
    ch.expect_error("alice", c.SetDistributionPolicy(DistributionPolicy.legacy()), Error.BadOrigin)
    invalid = attrs.evolve(TF, name=SplitRule((), Recipient.Farmer))
    out = ch.try_council(c.SetDistributionPolicy(invalid))
    assert out.error == Error.InvalidDistributionPolicy
    assert ch.council(c.SetDistributionPolicy(DistributionPolicy.legacy())) == (
        DistributionPolicySet(DistributionPolicy.legacy()),
    )
    assert ch.state.distribution_policy == DistributionPolicy.legacy()


def test_distribution_every_24_cycles_tfchain_split() -> None:
    """BIL-19, DST-01/DST-02/DST-04/DST-11/DST-14. Alice's node contract pays 57 776 per cycle (Gold), billed
    at blocks 11, 21, …; the 23rd bill is at block 231, the 24th (block 241) distributes R = 24 · 57 776 =
    1 386 624: staking 138 662.4 → 138 662, foundation 554 649.6 → 554 650, farmer-1 1 386 624 − 138 662 −
    554 650 = 693 312; then reserve and cycles are 0."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, SMALL)
    before = {n: ch.free(n) for n in ("staking-pool", "ferdie", "farmer-1")}
    ch.run_to(231)
    assert ch.state.contract_payment_state[cid].cycles == 23
    events = ch.run_to(241)
    assert events[-1] == RewardDistributed(cid, 1_386_624, 0)
    assert ch.free("staking-pool") - before["staking-pool"] == 138_662
    assert ch.free("ferdie") - before["ferdie"] == 554_650
    assert ch.free("farmer-1") - before["farmer-1"] == 693_312
    ps = ch.state.contract_payment_state[cid]
    assert ps.standard_reserve == 0 and ps.cycles == 0 and ch.reserved("alice") == 0


def test_payout_order_staking_farmer_foundation() -> None:
    """DST-17: the default node rule's parts (staking 14 444, foundation 57 776, farmer 72 220) are paid
    staking pool, farmer, foundation (TFChain's `distribute_standard_rewards`); the legacy preset's parts
    keep their rule order after the staking pool."""
    parts = split_amounts(TF.node, 144_440)
    assert payout_order(parts) == [
        (Recipient.StakingPool, 14_444),
        (Recipient.Farmer, 72_220),
        (Recipient.Foundation, 57_776),
    ]
    legacy = payout_order(split_amounts(DistributionPolicy.legacy().node, 1_000_000))
    assert [r for r, _ in legacy] == [
        Recipient.StakingPool,
        Recipient.Foundation,
        Recipient.SolutionProviders,
        Recipient.Burn,
    ]


def test_failing_foundation_payout_after_staking_and_farmer() -> None:
    """DST-17 LED-10: a foundation account (ferdie) that cannot take another unit (free balance set at the
    u128 limit directly; a conserving state cannot reach it, so this is the order checked in isolation): a
    split of 57 776 out of alice's reserve pays the staking pool 5 778 (5 777.6) and the farmer 28 888, then
    fails with `Overflow` on the foundation's 23 110 (TFChain's order; before, the foundation was paid second
    and the farmer never). On the chain the whole bill would fail and leave no trace (BIL-10)."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, SMALL)
    ch.run_to(11)
    tx = edit(ch.state, 11)
    ferdie = tx.accounts[acc("ferdie")]
    tx.accounts[acc("ferdie")] = AccountInfo(ferdie.nonce, U128_MAX, ferdie.reserved, ferdie.frozen)
    before = {n: tx.accounts[acc(n)].free for n in ("staking-pool", "farmer-1")}
    try:
        split(tx, TF.node, 57_776, tx.contracts[cid], acc("alice"), acc("farmer-1"), tx.pricing_policies[1])
    except Fail as f:
        assert f.error == Error.Overflow
    else:  # pragma: no cover - the assertion explains
        raise AssertionError("the foundation payout must overflow")
    assert tx.accounts[acc("staking-pool")].free - before["staking-pool"] == 5_778
    assert tx.accounts[acc("farmer-1")].free - before["farmer-1"] == 28_888
    assert tx.accounts[acc("ferdie")].free == U128_MAX


def test_name_contract_split() -> None:
    """DST-14: bob's name contract pays 2 784 per cycle (Silver); after 24 cycles (block 241) R = 66 816:
    staking 6 681.6 → 6 682, foundation 66 816 − 6 682 = 60 134."""
    ch = Chain(world())
    cid = ch.name_contract("bob", b"bobname")
    before = {n: ch.free(n) for n in ("staking-pool", "ferdie")}
    assert ch.run_to(241)[-1] == RewardDistributed(cid, 66_816, 0)
    assert ch.free("staking-pool") - before["staking-pool"] == 6_682
    assert ch.free("ferdie") - before["ferdie"] == 60_134


def test_due_without_reserve_keeps_counting() -> None:
    """DST-02: charlie with nothing usable: every bill overdraws with nothing reserved; at the 24th and 25th
    bills (blocks 241, 251) no distribution happens and cycles keeps counting (grace made long enough)."""
    ch = Chain(world(config=Config(billing_frequency=10, grace_period=10_000), balances={"charlie": 500}))
    cid = ch.name_contract("charlie", b"charlie")
    events = ch.run_to(251)
    assert not any(isinstance(e, RewardDistributed) for e in events)
    assert ch.state.contract_payment_state[cid].cycles == 25


def remove_account(name: str, state_: object) -> object:
    """The state without the account `name` (as if never minted), conservation preserved."""
    from sc4it.kernel.state import State

    assert isinstance(state_, State)
    tx = edit(state_)
    info = tx.accounts.pop(acc(name))
    assert info is not None and info.reserved == 0
    tx.total_issuance = tx.total_issuance - info.free
    tx.minted = tx.minted - info.free
    return tx.commit()


def test_dust_to_missing_account_is_burned() -> None:
    """DST-09: the staking pool account does not exist. Bob cancels his name contract at block 11 after one
    bill: R = 2 784 (block 11 bill) + 0 (cancel in the same second) = 2 784; staking share 278.4 → 278 <
    ED 500: burned; the foundation gets 2 506. A share ≥ ED creates the account instead (next test)."""
    state = remove_account("staking-pool", world())
    ch = Chain(state)  # type: ignore[arg-type]
    cid = ch.name_contract("bob", b"bobname")
    ch.run_to(11)
    ferdie = ch.free("ferdie")
    events = ch.cancel("bob", cid)
    assert RewardDistributed(cid, 2_784, 0) in events
    assert ch.state.burned == 278
    assert acc("staking-pool") not in ch.state.accounts
    assert ch.free("ferdie") - ferdie == 2_506


def test_share_above_ed_creates_the_account() -> None:
    """DST-09: staking share of R = 1 386 624 is 138 662 ≥ ED: the staking-pool account is created with it."""
    state = remove_account("staking-pool", world())
    ch = Chain(state)  # type: ignore[arg-type]
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, SMALL)
    ch.run_to(241)
    assert ch.state.accounts[acc("staking-pool")] == AccountInfo(0, 138_662, 0, 0)
    assert ch.state.burned == 0


def test_lock_added_after_reservation_does_not_block_payout() -> None:
    """DST-10 (P-R, DEV-BIL-6): after alice's reserve is built, her account gets a frozen amount above her
    free balance (so nothing is usable). The cancellation at block 15 cannot pay its 24 s (57 780 at level
    None, overdrawn and forgiven) but still pays the whole reserve of block 11 (57 776) out."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, SMALL)
    ch.run_to(15)
    tx = edit(ch.state)
    info = tx.accounts[acc("alice")]
    tx.accounts[acc("alice")] = AccountInfo(info.nonce, info.free, info.reserved, info.free + 10**9)
    ch.state = tx.commit()
    assert_conserved(ch.state)
    events = ch.cancel("alice", cid)
    assert events[:2] == (
        ContractPaymentOverdrawn(cid, now_of(15), 0, 57_780),
        RewardDistributed(cid, 57_776, 0),
    )
    assert ch.reserved("alice") == 0


def test_corrupted_reserve_is_refused_not_orphaned() -> None:
    """DST-10 (P-H, DEV-BIL-6): if an account's reserved balance were below its contract's reserve (the
    invariant broken on purpose here, funds still conserved), a cancellation fails with
    RewardDistributionError and changes nothing — TFChain would zero the reserve on a Deleted contract and
    leave tokens behind."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, SMALL)
    ch.run_to(11)
    tx = edit(ch.state)
    info = tx.accounts[acc("alice")]
    tx.accounts[acc("alice")] = AccountInfo(info.nonce, info.free + 1_000, info.reserved - 1_000, info.frozen)
    state = tx.commit()
    assert [
        p for p in conservation_problems(state) if "reserved" in p
    ]  # only the reserve invariant is broken
    assert_funds_conserved(state)
    key_nonce = state.accounts[acc("alice")].nonce
    from sc4it.genesis import dev_keypair

    out = apply(state, sign(c.CancelContract(cid), dev_keypair("alice"), key_nonce, state.chain_id), env(11))
    assert out.error == Error.RewardDistributionError
    assert out.state is state


def test_extra_fee_goes_to_the_farmer() -> None:
    """DST-03: dave rents node 3 with an extra fee of 1000 mUSD/month: per 60 s 125 728 (rent, Gold) + 4 620
    (fee); cancelled at block 11 right after the first bill: standard 125 728 → staking 12 572.8 → 12 573,
    foundation 50 291.2 → 50 291, farmer-2 62 864; additional 4 620 → farmer-2. Farmer-2 gets 67 484."""
    ch = Chain(world())
    ch.call("farmer-2", c.SetDedicatedNodeExtraFee(3, 1000))
    rent = ch.rent_contract("dave", 3)
    ch.run_to(11)
    farmer = ch.free("farmer-2")
    events = ch.cancel("dave", rent)
    assert RewardDistributed(rent, 125_728, 4_620) in events
    assert ch.free("farmer-2") - farmer == 67_484


def test_policy_change_applies_to_earlier_reserves() -> None:
    """DST-13: reserves collected under the TFChain split are paid out under the policy in force at payout.
    Policy: 100 % to the staking pool for node contracts. Alice's contract cancelled at block 11 (R = 57
    776)."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, SMALL)
    ch.run_to(11)
    all_staking = attrs.evolve(TF, node=SplitRule((), Recipient.StakingPool))
    ch.council(c.SetDistributionPolicy(all_staking))
    staking = ch.free("staking-pool")
    events = ch.cancel("alice", cid)
    assert isinstance(events[0], ContractBilled)
    assert ch.free("staking-pool") - staking == 57_776
