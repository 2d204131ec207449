"""`bill_contract` step by step (spec/billing.md BIL-05, BIL-10..BIL-20, BIL-35, BIL-42).

World: the default genesis with TFChain's test-mock constants and pricing (tests/billing/support.py); TFT at
50 mUSD; contract 1 is billed at blocks ≡ 1 (mod 10), i.e. every 60 s.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from sc4it import calls as c
from sc4it.contracts.billing import bill_contract
from sc4it.contracts.billing.payment import pricing_of
from sc4it.kernel.errors import Error, Fail
from sc4it.kernel.events import (
    ContractBilled,
    ContractPaymentOverdrawn,
    IPsFreed,
    NodeContractCanceled,
    RewardDistributed,
)
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    ContractBill,
    ContractPaymentState,
    Created,
    DiscountLevel,
    NodeCertification,
    Resources,
    TftPrice,
)

from .support import GIB, Chain, assert_conserved, assert_funds_conserved, edit, now_of, world

SMALL = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)


def node_chain(**kw: object) -> tuple[Chain, int]:
    """Alice's node contract 1 on node 1 with 1 IP, resources reported at block 1."""
    ch = Chain(world(**kw))  # type: ignore[arg-type]
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, SMALL)
    return ch, cid


def expect_bill_error(ch: Chain, contract_id: int, error: Error) -> None:
    out = ch.try_call("bob", c.BillContractForBlock(contract_id))
    assert out.error == error


def test_bill_contract_for_block_any_signer() -> None:
    """BIL-05: bob bills alice's contract 1 at block 5 (24 s after creation at block 1): 24 s cost 2889 units
    (su 54·24·0.3 = 388.8, cu 84.888…·24 = 2037.33, ip 19.2777…·24 = 462.67, sum 2888.8 → 2889) → 57 780 TFT
    units → Gold (alice 10^12) → 57 780 · 0.4 = 23 112."""
    ch, cid = node_chain()
    ch.run_to(5)
    events = ch.call("bob", c.BillContractForBlock(cid))
    assert events == (ContractBilled(ContractBill(cid, now_of(5), DiscountLevel.Gold, 23_112)),)
    assert ch.reserved("alice") == 23_112


def test_bill_errors_in_order() -> None:
    """BIL-10: ContractNotExists, TwinNotExists, PricingPolicyNotExists, NodeNotExists, FarmNotExists, farmer
    TwinNotExists, ContractPaymentStateNotExists — each checked before the next (#261: no payment state, no
    bill from timestamp 0)."""
    ch, cid = node_chain()
    expect_bill_error(ch, 99, Error.ContractNotExists)
    base = ch.state
    steps: list[tuple[Callable[[Tx], object], Error]] = [
        (lambda tx: tx.contract_payment_state.pop(cid), Error.ContractPaymentStateNotExists),
        (lambda tx: tx.twins.pop(5), Error.TwinNotExists),  # the farmer of farm 1
        (lambda tx: tx.farms.pop(1), Error.FarmNotExists),
        (lambda tx: tx.nodes.pop(1), Error.NodeNotExists),
        (lambda tx: tx.pricing_policies.pop(1), Error.PricingPolicyNotExists),
        (lambda tx: tx.twins.pop(1), Error.TwinNotExists),  # the contract's twin
    ]
    state = base
    for remove, error in steps:
        tx = edit(state)
        remove(tx)
        state = tx.commit()
        assert_funds_conserved(state)
        try:
            tx = edit(state, 5)
            bill_contract(tx, cid, pricing_of(tx))
        except Fail as f:
            assert f.error == error
        else:  # pragma: no cover
            raise AssertionError(error)


def test_name_contract_needs_no_node() -> None:
    """BIL-10: a name contract loads no node/farm/farmer: removing every node does not stop its bill. 60 s →
    232 units → 4 640 TFT units; bob (2.5·10^9 − ED usable) gets Silver: monthly 200 448 000, level 12.47
    → 4 640 · 0.6 = 2 784."""
    ch = Chain(world())
    cid = ch.name_contract("bob", b"bobname")
    tx = edit(ch.state)
    for n in (1, 2, 3, 4):
        tx.nodes.pop(n)
    ch.state = tx.commit()
    events = ch.run_to(11)
    assert events == [ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.Silver, 2_784))]


def test_price_zero_fails() -> None:
    """BIL-42: a clamped price of 0 (min 0, average 0) fails the bill with TFTPriceValueError."""
    ch, cid = node_chain()
    tx = edit(ch.state)
    tx.tft_price = TftPrice(price=0, average=0, min=0, max=1000)
    ch.state = tx.commit()
    ch.run_to(5)
    expect_bill_error(ch, cid, Error.TFTPriceValueError)


def test_price_is_clamped() -> None:
    """BIL-36: average 5 mUSD with min 10 → 10 mUSD. 60 s: 7222 units / 100 000 · 10^7 = 722 200; Gold
    (alice's 10^12 over monthly 722 200·720·60 = 31 199 040 000 → 32.05) → 722 200 · 0.4 = 288 880.
    Average 5000 with max 1000 → 1000 mUSD: 7222 / 10^7 · 10^7 = 7 222 → Gold → 2 888.8 + ε → 2 889."""
    for average, expected in ((5, 288_880), (5000, 2_889)):
        ch, cid = node_chain()
        tx = edit(ch.state)
        tx.tft_price = TftPrice(price=average, average=average, min=10, max=1000)
        ch.state = tx.commit()
        events = ch.run_to(11)
        assert events == [ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.Gold, expected))]


def test_stash_raises_the_discount_but_never_pays() -> None:
    """BIL-11/BIL-15: charlie (usable 150 000 − 500 = 149 500) bonds dave (10^12) as stash. A name contract
    bills 4 640 per 60 s; total usable ≥ 18·200 448 000 → Gold: 1 856 reserved from charlie alone; dave
    untouched."""
    ch = Chain(world())
    ch.call("dave", c.BondTwinAccount(3))
    dave_before = ch.free("dave")
    cid = ch.name_contract("charlie", b"charlie")
    events = ch.run_to(11)
    assert events == [ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.Gold, 1_856))]
    assert ch.reserved("charlie") == 1_856
    assert ch.free("dave") == dave_before and ch.reserved("dave") == 0


def test_nothing_due_writes_nothing() -> None:
    """BIL-14 (P-O): a node contract whose resources cost less than half a unit per cycle. hru 1 GiB only:
    SU = 1/1200, su_cost per 60 s = 3240/1200 = 2.7 − ε → 3 units. Use 1 GiB over 6 s instead: bill at block 2
    (6 s): 54·6/1200 = 0.27 → 0 → nothing written, last_updated stays at creation; at block 3 (12 s):
    0.54 → 1 unit → 20 TFT units (1/500 000·10^7); discount: hourly 20·3600/12 = 6 000, monthly 4 320 000,
    alice 10^12 → Gold → 8."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1)
    ch.report("node-1", cid, Resources(hru=1 * GIB))
    created = ch.state.contract_payment_state[cid]
    ch.advance(1)
    assert ch.call("bob", c.BillContractForBlock(cid)) == ()
    assert ch.state.contract_payment_state[cid] == created
    ch.advance(1)
    events = ch.call("bob", c.BillContractForBlock(cid))
    assert events == (ContractBilled(ContractBill(cid, now_of(3), DiscountLevel.Gold, 8)),)
    assert ch.state.contract_payment_state[cid].last_updated_seconds == now_of(3)


def test_nu_cleared_after_bill_and_billed_once() -> None:
    """BIL-20/BIL-32: NU of 10^9 bytes over a 3600 s window = 1 GB · 50 000/3600 · 3600 = 50 000 − ε → 50 000
    units added to the 60 s cost 7 222: 57 222 units → 1 144 440 TFT units; alice Gold (monthly 49 439 808
    000, level 20.2) → 457 776. The next cycle is back to 57 776."""
    ch, cid = node_chain()
    ch.run_to(9)
    ch.report_nu("node-1", cid, 10**9, 3600)
    assert ch.run_to(11) == [ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.Gold, 457_776))]
    assert ch.state.contract_billing_information_by_id[cid].amount_unbilled == 0
    assert ch.run_to(21) == [ContractBilled(ContractBill(cid, now_of(21), DiscountLevel.Gold, 57_776))]


def test_same_second_bill_keeps_nu() -> None:
    """BIL-35 (P-P, DEV-BIL-4): at block 11 the contract is billed (57 776); NU is reported in the same block
    (second) and alice cancels at once: secs = 0 but the 50 000 units of NU are still billed: 1 000 000 TFT
    units, level None (no rate over 0 s) → ContractBilled 1 000 000; reserve 57 776 + 1 000 000 = 1 057 776
    distributed: staking 105 777.6 → 105 778, foundation 423 110.4 → 423 110, farmer 528 888."""
    ch, cid = node_chain()
    ch.run_to(11)
    ch.report_nu("node-1", cid, 10**9, 3600)
    events = ch.cancel("alice", cid)
    assert events[0] == ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.None_, 1_000_000))
    assert events[1] == RewardDistributed(cid, 1_057_776, 0)
    assert isinstance(events[2], IPsFreed) and isinstance(events[3], NodeContractCanceled)


def test_same_second_third_party_bill_keeps_the_discount() -> None:
    """BIL-05 BIL-35 BIL-20 (issue 15, DEV-BIL-4 narrowed): alice (Gold) has contract 1 with one IP and no
    resources: 60 s cost 1157 units USD = 23 140 TFT units, Gold 9 256. At block 11 it is billed; node-1
    reports 3 GB of NU over 60 s in the same block (3 · 833.3… = 2 500 units = 50 000 TFT units) and bob
    bills the contract again in that second. Before the fix bob's bill charged the 50 000 at level None;
    now it bills nothing (TFChain: secs == 0 costs 0) and the NU waits for the next cycle, billed at Gold:
    (23 140 + 50 000) · 0.4 = 29 256."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    assert ch.run_to(11) == [ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.Gold, 9_256))]
    ch.report_nu("node-1", cid, 3 * 10**9, 60)
    assert ch.state.contract_billing_information_by_id[cid].amount_unbilled == 2_500
    before = ch.state.contract_payment_state[cid]
    assert ch.call("bob", c.BillContractForBlock(cid)) == ()
    assert ch.state.contract_payment_state[cid] == before
    assert ch.state.contract_billing_information_by_id[cid].amount_unbilled == 2_500
    assert ch.run_to(21) == [ContractBilled(ContractBill(cid, now_of(21), DiscountLevel.Gold, 29_256))]
    assert ch.state.contract_billing_information_by_id[cid].amount_unbilled == 0


def test_same_second_bill_with_overdraft_keeps_nu() -> None:
    """BIL-20 BIL-35 (DEV-BIL-4): a same-second bill that only settles an overdraft does not clear the NU
    it did not bill (TFChain zeroes it there and loses it); the next bill includes it."""
    ch = Chain(world())
    cid = ch.node_contract("charlie", 1, ips=1)
    ch.report("node-1", cid, SMALL)
    ch.run_to(21)
    assert ch.state.contract_payment_state[cid].has_overdraft()
    ch.report_nu("node-1", cid, 3 * 10**9, 60)
    ch.transfer("alice", "charlie", 10_000_000)
    events = ch.call("bob", c.BillContractForBlock(cid))
    assert ContractBilled(ContractBill(cid, now_of(21), DiscountLevel.None_, 139_380)) in events
    assert not ch.state.contract_payment_state[cid].has_overdraft()
    assert ch.state.contract_billing_information_by_id[cid].amount_unbilled == 2_500
    assert_conserved(ch.state)


def test_same_second_second_bill_is_a_no_op() -> None:
    """BIL-05/BIL-35: billing twice in one block: the second bill finds secs = 0 and nothing unbilled, so it
    changes nothing."""
    ch, cid = node_chain()
    ch.run_to(11)
    before = ch.state.contract_payment_state[cid]
    assert ch.call("bob", c.BillContractForBlock(cid)) == ()
    assert ch.state.contract_payment_state[cid] == before


def test_certified_node_contract() -> None:
    """BIL-38 (#991): the same contract on certified node 2: 144 440 → Gold 57 776 → ·1.25 → 72 220."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 2, ips=1)
    assert ch.state.nodes[2].certification == NodeCertification.Certified
    ch.report("node-2", cid, SMALL)
    assert ch.run_to(11) == [ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.Gold, 72_220))]


def test_certification_read_at_bill_time() -> None:
    """BIL-10: the certification is read when billing: node 1 certified after creation → 72 220."""
    ch, cid = node_chain()
    tx = edit(ch.state)
    tx.nodes[1] = attrs.evolve(tx.nodes[1], certification=NodeCertification.Certified)
    ch.state = tx.commit()
    assert ch.run_to(11) == [ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.Gold, 72_220))]


def test_partial_payment_reserves_all_usable() -> None:
    """BIL-18: charlie (usable 149 500) owes 144 440 per cycle (level None: 149 500 / 6 239 808 000 < 1.5).
    Block 11: reserve 144 440 → usable 5 060. Block 21: insufficient → reserve the 5 060, overdraft
    144 440 − 5 060 = 139 380; event overdraft = this cycle's shortfall 139 380."""
    ch = Chain(world())
    cid = ch.node_contract("charlie", 1, ips=1)
    ch.report("node-1", cid, SMALL)
    assert ch.run_to(11)[-1] == ContractBilled(ContractBill(cid, now_of(11), DiscountLevel.None_, 144_440))
    events = ch.run_to(21)
    assert ContractPaymentOverdrawn(cid, now_of(21), 5_060, 139_380) in events
    ps = ch.state.contract_payment_state[cid]
    assert ps == ContractPaymentState(149_500, 0, 139_380, 0, now_of(21), 2)
    assert ch.free("charlie") == 500 and ch.reserved("charlie") == 149_500
    assert_conserved(ch.state)


def test_settle_overdraft_on_sufficient_bill() -> None:
    """BIL-17: after a top-up the bill reserves due + earlier overdraft and reports it all as billed."""
    ch = Chain(world())
    cid = ch.node_contract("charlie", 1, ips=1)
    ch.report("node-1", cid, SMALL)
    ch.run_to(21)
    ch.transfer("alice", "charlie", 10_000_000)
    events = ch.run_to(31)
    # due 144 440 (10^7 usable is still level None) + overdraft 139 380 = 283 820
    assert events[-1] == ContractBilled(ContractBill(cid, now_of(31), DiscountLevel.None_, 283_820))
    # reserve 149 500 + 283 820 = 433 320 = 3 cycles · 144 440: every cycle paid in full, no overdraft left
    assert ch.state.contract_payment_state[cid] == ContractPaymentState(433_320, 0, 0, 0, now_of(31), 3)
    assert isinstance(ch.state.contracts[cid].state, Created)
