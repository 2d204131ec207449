"""End-to-end billing scenarios: signed calls and block hooks on the default genesis with TFChain's test-mock
constants (10-block cycles of 60 s, grace 100 blocks, distribution every 24 cycles) and pricing (su 194 400,
cu 305 600, nu 50 000, ipu 69 400, unique_name 13 900 mUSD/h; dedication 50 %), TFT at 50 mUSD (500 000 units
USD per TFT). Conservation is checked after every call and every block (support.Chain).

Every amount is derived by hand in the docstring or comments (ε = the few 2^-64 a truncating U64F64 step
loses; round_u64 removes it). Recurring values (spec/billing.md §4.1):
- node contract N = cru 2, mru 4 GiB, sru 60 GiB, 1 IP: 7 222 units per 60 s → 144 440 TFT units; with a
  balance of ~10^12 the level is Gold: 144 440 · 0.4 = 57 776;
- 24 s of N: su 54·24·0.3 = 388.8, cu 84.888…·24 = 2 037.33, ip 19.2777…·24 = 462.67 → 2 888.8 → 2 889 units →
  57 780 → Gold 23 112;
- TFChain split of R: staking Perbill(10 %)·R, foundation Perbill(40 %)·R (nearest, ties down), farmer the
  rest."""

from __future__ import annotations

from sc4it import calls as c
from sc4it.kernel.events import (
    ContractBilled,
    ContractGracePeriodElapsed,
    ContractGracePeriodEnded,
    ContractGracePeriodStarted,
    ContractPaymentOverdrawn,
    IPsFreed,
    NameContractCanceled,
    NodeContractCanceled,
    NodeDeleted,
    RentContractCanceled,
    RentWaived,
    RewardDistributed,
)
from sc4it.kernel.types import (
    ContractBill,
    DiscountLevel,
    DistributionPolicy,
    GracePeriod,
    Power,
    Provider,
    PublicIP,
    Resources,
)

from .support import GIB, TFT, Chain, acc, now_of, world

N = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)
NONE, DEFAULT, BRONZE, SILVER, GOLD = (
    DiscountLevel.None_,
    DiscountLevel.Default,
    DiscountLevel.Bronze,
    DiscountLevel.Silver,
    DiscountLevel.Gold,
)


def billed(cid: int, block: int, level: DiscountLevel, amount: int) -> ContractBilled:
    return ContractBilled(ContractBill(cid, now_of(block), level, amount))


def balances(ch: Chain, *names: str) -> dict[str, int]:
    return {n: ch.free(n) for n in names}


def delta(ch: Chain, before: dict[str, int]) -> dict[str, int]:
    return {n: ch.free(n) - v for n, v in before.items()}


BENEFICIARIES = ("staking-pool", "ferdie", "farmer-1")


def test_node_contract_resources_ip_and_nu_over_25_cycles() -> None:
    """BIL-13/BIL-17/BIL-20/BIL-32, DST-02/DST-14. Alice's contract N on node 1 (IP 185.206.122.33), bills at
    blocks 11, 21, …, 251 (25 cycles). NU of 10^9 bytes over a 3600 s window is reported before the 5th (block
    51) and the 17th (block 171) bills: NU = 1 GB · (50 000/3600 − ε) · 3600 = 50 000 − ε → 50 000 units.
    Cycle with NU: 7 222 + 50 000 = 57 222 units → 57 222/500 000·10^7 = 1 144 440 − ε → 1 144 440; level:
    hourly 1 144 440·60 = 68 666 400, monthly 49 439 808 000, alice ~10^12 → 20.2 → Gold → 457 776. Other
    cycles 57 776. The 24th bill (block 241) distributes R = 22·57 776 + 2·457 776 = 2 186 624: staking 218
    662.4 → 218 662, foundation 874 649.6 → 874 650, farmer-1 2 186 624 − 218 662 − 874 650 = 1 093 312. The
    25th bill reserves 57 776 again. Alice paid 2 186 624 + 57 776 = 2 244 400."""
    ch = Chain(world())
    alice0 = ch.free("alice")
    cid = ch.node_contract("alice", 1, ips=1)
    assert ch.state.contracts[cid].contract_type.public_ips_list == (  # type: ignore[union-attr]
        PublicIP(b"185.206.122.33/24", b"185.206.122.1", cid),
    )
    ch.report("node-1", cid, N)
    before = balances(ch, *BENEFICIARIES)
    for cycle in range(1, 26):
        block = 1 + 10 * cycle
        if cycle in (5, 17):
            ch.run_to(block - 1)
            ch.report_nu("node-1", cid, 10**9, 3600)
        events = ch.run_to(block)
        amount = 457_776 if cycle in (5, 17) else 57_776
        assert events[0] == billed(cid, block, GOLD, amount), cycle
        if cycle == 24:
            assert events[1:] == [RewardDistributed(cid, 2_186_624, 0)]
        else:
            assert events[1:] == []
    assert delta(ch, before) == {"staking-pool": 218_662, "ferdie": 874_650, "farmer-1": 1_093_312}
    assert alice0 - ch.free("alice") == 2_244_400
    assert ch.reserved("alice") == 57_776
    assert ch.state.contract_payment_state[cid].cycles == 1


def test_name_contract() -> None:
    """BIL-34, DST-14. Bob's name contract: 232 units → 4 640 per 60 s; bob's 2.5·10^9 gives level 12.47
    (monthly 200 448 000) → Silver: 4 640 · 0.6 = 2 783.999… → 2 784 at blocks 11 and 21. Cancelled at
    block 25 (24 s): 13 900/3600·24 = 92.67 → 93 units → 1 860 → Silver → 1 115.99… → 1 116. R = 2·2 784 +
    1 116 = 6 684: staking 668.4 → 668, foundation 6 016. The name is free again."""
    ch = Chain(world())
    cid = ch.name_contract("bob", b"bobname")
    assert ch.run_to(11) == [billed(cid, 11, SILVER, 2_784)]
    assert ch.run_to(21) == [billed(cid, 21, SILVER, 2_784)]
    ch.run_to(25)
    before = balances(ch, "staking-pool", "ferdie")
    assert ch.cancel("bob", cid) == (
        billed(cid, 25, SILVER, 1_116),
        RewardDistributed(cid, 6_684, 0),
        NameContractCanceled(cid),
    )
    assert delta(ch, before) == {"staking-pool": 668, "ferdie": 6_016}
    assert b"bobname" not in ch.state.contract_id_by_name_registration
    ch.name_contract("alice", b"bobname")


def test_rent_contract_with_extra_fee() -> None:
    """BIL-33/BIL-39, DST-03. Farmer-2 sets 1000 mUSD/month on node 3; dave (10^12, Gold) rents it (contract
    1) and deploys contract 2 (1 IP, resources reported but not billed on a rented node, #290).
    - Rent at block 11 (60 s): 15 716 units → 314 320 → Gold 125 728; fee 231 units → 4 620 → billed 130
      348.
    - Contract 2 at block 2 (6 s of IP: 19.2777…·6 = 115.67 → 116 units → 2 320 → Gold 928) and block 12
      (60 s: 1 157 units → 23 140 → Gold 9 256).
    - Contract 2 cancelled at block 15 (18 s: 347 − ε → 347 units → 6 940 → Gold 2 776): R = 928 + 9 256 +
      2 776 = 12 960 → staking 1 296, foundation 5 184, farmer-2 6 480.
    - Rent cancelled at block 15 (24 s): su 54·24·3.41333… = 4 423.68, cu 84.888…·24·4 = 8 149.33, sum 12
      573.01 → 12 573 → 50 % = 6 286.5 → ties down → 6 286 units → 125 720 → Gold 50 288; fee 1000·10
      000·24/2 592 000 = 92.59 → 93 units → 1 860; billed 52 148. R = 125 728 + 50 288 = 176 016 → staking
      17 601.6 → 17 602, foundation 70 406.4 → 70 406, farmer-2 88 008; A = 4 620 + 1 860 = 6 480 →
      farmer-2. Farmer-2 receives 6 480 + 88 008 + 6 480 = 100 968."""
    ch = Chain(world())
    ch.call("farmer-2", c.SetDedicatedNodeExtraFee(3, 1000))
    rent = ch.rent_contract("dave", 3)
    nc = ch.node_contract("dave", 3, ips=1)
    ch.report("node-3", nc, Resources(hru=0, sru=100 * GIB, cru=4, mru=8 * GIB))
    assert ch.run_to(2) == [billed(nc, 2, GOLD, 928)]
    assert ch.run_to(11) == [billed(rent, 11, GOLD, 125_728 + 4_620)]
    assert ch.run_to(12) == [billed(nc, 12, GOLD, 9_256)]
    ch.run_to(15)
    out = ch.try_call("dave", c.CancelContract(rent))
    assert out.error is not None and out.error.name == "NodeHasActiveContracts"
    before = balances(ch, "staking-pool", "ferdie", "farmer-2")
    events = ch.cancel("dave", nc)
    assert events[:2] == (billed(nc, 15, GOLD, 2_776), RewardDistributed(nc, 12_960, 0))
    assert delta(ch, before) == {"staking-pool": 1_296, "ferdie": 5_184, "farmer-2": 6_480}
    before = balances(ch, "staking-pool", "ferdie", "farmer-2")
    assert ch.cancel("dave", rent) == (
        billed(rent, 15, GOLD, 50_288 + 1_860),
        RewardDistributed(rent, 176_016, 6_480),
        RentContractCanceled(rent),
    )
    assert delta(ch, before) == {"staking-pool": 17_602, "ferdie": 70_406, "farmer-2": 88_008 + 6_480}
    assert ch.reserved("dave") == 0


def test_each_discount_level() -> None:
    """BIL-37/BIL-38: charlie's name contract, 4 640 TFT units per 60 s, monthly 200 448 000. Usable balances
    at the bill (free − ED): 300 000 000 (level 1.497 → None, 4 640), 300 672 000 (1.5 → Default, 3 712),
    601 344 000 (3 → Bronze, 3 248), 1 202 688 000 (6 → Silver, 2 784), 3 608 064 000 (18 → Gold, 1 856)."""
    cases = [
        (300_000_000, NONE, 4_640),
        (300_672_000, DEFAULT, 3_712),
        (601_344_000, BRONZE, 3_248),
        (1_202_688_000, SILVER, 2_784),
        (3_608_064_000, GOLD, 1_856),
    ]
    for usable, level, amount in cases:
        ch = Chain(world(balances={"charlie": usable + 500}))
        cid = ch.name_contract("charlie", b"charlie")
        assert ch.run_to(11) == [billed(cid, 11, level, amount)], level
        assert ch.reserved("charlie") == amount


def test_certified_node() -> None:
    """BIL-38 (#991): N on certified node 2: 57 776.000… · 1.25 = 72 220 at block 11; cancelled at block 15:
    23 112.000… · 1.25 = 28 890. R = 101 110 → staking 10 111, foundation 40 444, farmer-1 50 555."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 2, ips=1)
    ch.report("node-2", cid, N)
    assert ch.run_to(11) == [billed(cid, 11, GOLD, 72_220)]
    ch.run_to(15)
    before = balances(ch, *BENEFICIARIES)
    events = ch.cancel("alice", cid)
    assert events[:2] == (billed(cid, 15, GOLD, 28_890), RewardDistributed(cid, 101_110, 0))
    assert delta(ch, before) == {"staking-pool": 10_111, "ferdie": 40_444, "farmer-1": 50_555}


def test_cancel_mid_cycle() -> None:
    """BIL-20, CC-06, grace.md event order. N billed at block 11 (57 776); cancelled at block 15: 24 s → 23
    112. Events: Billed(23 112), RewardDistributed(80 888), IPsFreed, NodeContractCanceled. R = 80 888:
    staking 8 088.8 → 8 089, foundation 32 355.2 → 32 355, farmer-1 40 444. Nothing stays reserved; the IP
    is free."""
    ch = Chain(world())
    cid = ch.node_contract("alice", 1, ips=1)
    ch.report("node-1", cid, N)
    ch.run_to(15)
    before = balances(ch, *BENEFICIARIES)
    assert ch.cancel("alice", cid) == (
        billed(cid, 15, GOLD, 23_112),
        RewardDistributed(cid, 80_888, 0),
        IPsFreed(cid, (PublicIP(b"185.206.122.33/24", b"185.206.122.1", 0),)),
        NodeContractCanceled(cid, 1, 1),
    )
    assert delta(ch, before) == {"staking-pool": 8_089, "ferdie": 32_355, "farmer-1": 40_444}
    assert ch.reserved("alice") == 0
    assert ch.state.farms[1].public_ips[0].contract_id == 0
    assert cid not in ch.state.contracts and cid not in ch.state.contract_payment_state


def test_out_of_funds_partial_grace_top_up_restored() -> None:
    """BIL-17/BIL-18, GRC-01/GRC-04/GRC-10. Charlie (usable 149 500) runs N: level None (149 500 is far below
    1.5 · 6 239 808 000), 144 440 per cycle.
    - block 11: Billed 144 440; usable 5 060.
    - block 21: Started(21); Overdrawn(partially 5 060, overdraft 144 440 − 5 060 = 139 380).
    - block 31: Overdrawn(0, 144 440); overdraft 283 820.
    - block 35: alice sends 1 TFT (10^7).
    - block 41: due 144 440 (10^7 is still level None) + 283 820 = 428 260 ≤ 10^7: Ended, Billed 428 260; the
      reserve is 149 500 + 428 260 = 577 760 = 4 · 144 440.
    - block 51: back to normal (GRC-05: Created and sufficient, no state change): Billed 144 440."""
    ch = Chain(world())
    cid = ch.node_contract("charlie", 1, ips=1)
    ch.report("node-1", cid, N)
    assert ch.run_to(11) == [billed(cid, 11, NONE, 144_440)]
    assert ch.run_to(21) == [
        ContractGracePeriodStarted(cid, 1, 3, 21),
        ContractPaymentOverdrawn(cid, now_of(21), 5_060, 139_380),
    ]
    assert ch.run_to(31) == [ContractPaymentOverdrawn(cid, now_of(31), 0, 144_440)]
    assert ch.state.contract_payment_state[cid].standard_overdraft == 283_820
    ch.run_to(35)
    ch.transfer("alice", "charlie", TFT)
    assert ch.run_to(41) == [ContractGracePeriodEnded(cid, 1, 3), billed(cid, 41, NONE, 428_260)]
    assert ch.reserved("charlie") == 577_760
    assert ch.run_to(51) == [billed(cid, 51, NONE, 144_440)]


def test_grace_elapsed_deleted_ips_freed() -> None:
    """GRC-02/GRC-09, BIL-20. As above without the top-up: grace from block 21; at block 121 (elapsed 100):
    Elapsed(100), Overdrawn(0, 144 440), RewardDistributed(149 500), IPsFreed, NodeContractCanceled. R = 149
    500: staking 14 950, foundation 59 800, farmer-1 74 750; the 428 260 of overdraft is forgiven; charlie
    keeps 500."""
    ch = Chain(world())
    cid = ch.node_contract("charlie", 1, ips=1)
    ch.report("node-1", cid, N)
    ch.run_to(111)
    assert ch.state.contracts[cid].state == GracePeriod(21)
    before = balances(ch, *BENEFICIARIES)
    assert ch.run_to(121) == [
        ContractGracePeriodElapsed(cid, 100),
        ContractPaymentOverdrawn(cid, now_of(121), 0, 144_440),
        RewardDistributed(cid, 149_500, 0),
        IPsFreed(cid, (PublicIP(b"185.206.122.33/24", b"185.206.122.1", 0),)),
        NodeContractCanceled(cid, 1, 3),
    ]
    assert delta(ch, before) == {"staking-pool": 14_950, "ferdie": 59_800, "farmer-1": 74_750}
    assert ch.free("charlie") == 500 and ch.reserved("charlie") == 0
    assert all(ip.contract_id == 0 for ip in ch.state.farms[1].public_ips)
    assert 1 not in ch.state.active_node_contracts


def test_solution_provider_split() -> None:
    """DST-07/DST-08/DST-15/DST-16. Alice's solution provider 1 (bob, take 10 %) is approved; alice's
    contract N names it. Under TFChain's split bob gets nothing. Under the legacy preset, a cancellation
    at block 11 right after the first bill (R = 57 776): foundation 10 % = 5 777.6 → 5 778, staking 5 % =
    2 888.8 → 2 889, the 50 % share (28 888) → bob 10 % of R = 5 778 and eve (sales) 28 888 − 5 778 = 23
    110, burned 57 776 − 5 778 − 2 889 − 28 888 = 20 221 (TFChain's legacy code gives the same here: 28
    888 − 5 778 − 2 889)."""
    ch = Chain(world())
    ch.call("alice", c.CreateSolutionProvider(b"sp", b"https://sp", (Provider(acc("bob"), 10),)))
    ch.council(c.ApproveSolutionProvider(1, True))
    cid = ch.node_contract("alice", 1, ips=1, sp=1)
    ch.report("node-1", cid, N)
    ch.run_to(11)
    ch.council(c.SetDistributionPolicy(DistributionPolicy.legacy()))
    before = balances(ch, "ferdie", "staking-pool", "bob", "eve", "farmer-1")
    ch.cancel("alice", cid)
    assert delta(ch, before) == {
        "ferdie": 5_778,
        "staking-pool": 2_889,
        "bob": 5_778,
        "eve": 23_110,
        "farmer-1": 0,
    }
    assert ch.state.burned == 20_221
    # TFChain's current split: the provider gets nothing
    ch2 = Chain(world())
    ch2.call("alice", c.CreateSolutionProvider(b"sp", b"https://sp", (Provider(acc("bob"), 10),)))
    ch2.council(c.ApproveSolutionProvider(1, True))
    cid2 = ch2.node_contract("alice", 1, ips=1, sp=1)
    ch2.report("node-1", cid2, N)
    ch2.run_to(11)
    bob = ch2.free("bob")
    ch2.cancel("alice", cid2)
    assert ch2.free("bob") == bob and ch2.state.burned == 0


def test_standby_waiver() -> None:
    """BIL-12, HK-10 (P-F). Dave rents node 3: block 11 Billed 125 728 (Gold). Node 3 goes standby at block
    13: blocks 21 and 31 only emit RentWaived and write nothing. It wakes up at block 35 (the clock
    restarts then). Block 41 bills the 36 s since block 35: su 54·36·3.41333… = 6 635.52, cu 84.888…·36·4
    = 12 224, sum 18 859.52 → 18 860 → 50 % 9 430 units → 188 600 → Gold 75 440. The 12 s of uptime
    between blocks 11 and 13 are never billed (TFChain behaviour, DEV-BIL-10)."""
    ch = Chain(world())
    rent = ch.rent_contract("dave", 3)
    assert ch.run_to(11) == [billed(rent, 11, GOLD, 125_728)]
    ch.run_to(13)
    ch.call("node-3", c.ChangePowerState(Power.Down))
    ps = ch.state.contract_payment_state[rent]
    assert ch.run_to(21) == [RentWaived(rent)]
    assert ch.run_to(31) == [RentWaived(rent)]
    assert ch.state.contract_payment_state[rent] == ps
    ch.run_to(35)
    ch.call("node-3", c.ChangePowerState(Power.Up))
    assert ch.state.contract_payment_state[rent].last_updated_seconds == now_of(35)
    assert ch.run_to(41) == [billed(rent, 41, GOLD, 75_440)]


def test_node_deleted_with_live_contracts() -> None:
    """HK-01..HK-03 with billing. Node 1 runs alice's N (contract 1) and bob's contract 2 (N's resources, no
    IP). Contract 2 (level None for bob: monthly ≈ 5.24·10^9 > his 2.5·10^9): block 2, 6 s: su 97.2 + cu
    509.33 = 606.53 → 607 units → 12 140; block 12, 60 s: 971.99 + 5 093.33 = 6 065.33 → 6 065 → 121 300.
    Farmer-1 deletes node 1 at block 15: contract 1 settles as a cancel (Billed 23 112, RewardDistributed
    80 888, IPsFreed, Canceled), then contract 2 (18 s: su 291.6 + cu 1 528 = 1 819.6 → 1 820 units → 36
    400; R = 12 140 + 121 300 + 36 400 = 169 840 → staking 16 984, foundation 67 936, farmer-1 84 920),
    then NodeDeleted(1)."""
    ch = Chain(world())
    c1 = ch.node_contract("alice", 1, ips=1)
    c2 = ch.node_contract("bob", 1, tag=b"bob")
    ch.report("node-1", c1, N)
    ch.report("node-1", c2, N)
    assert ch.run_to(2) == [billed(c2, 2, NONE, 12_140)]
    ch.run_to(11)
    assert ch.run_to(12) == [billed(c2, 12, NONE, 121_300)]
    ch.run_to(15)
    events = ch.call("farmer-1", c.DeleteNodeFarm(1))
    assert events == (
        billed(c1, 15, GOLD, 23_112),
        RewardDistributed(c1, 80_888, 0),
        IPsFreed(c1, (PublicIP(b"185.206.122.33/24", b"185.206.122.1", 0),)),
        NodeContractCanceled(c1, 1, 1),
        billed(c2, 15, NONE, 36_400),
        RewardDistributed(c2, 169_840, 0),
        NodeContractCanceled(c2, 1, 2),
        NodeDeleted(1),
    )
    assert not ch.state.contracts and ch.reserved("alice") == 0 and ch.reserved("bob") == 0
    assert 1 not in ch.state.nodes


def test_rented_node_deleted() -> None:
    """HK-01/HK-02: deleting rented node 3 settles its node contract first, then the rent contract (block 11:
    rent 125 728 reserved; the node contract's 2 320·0.4 = 928 at block 2; deletion at block 11, same second
    as the rent's bill: rent bills 0; the node contract bills 54 s of IP: 19.2777…·54 = 1 041 − ε → 1 041
    units → 20 820 → Gold 8 328)."""
    ch = Chain(world())
    rent = ch.rent_contract("dave", 3)
    nc = ch.node_contract("dave", 3, ips=1)
    ch.run_to(11)
    events = ch.call("farmer-2", c.DeleteNodeFarm(3))
    assert events[0] == billed(nc, 11, GOLD, 8_328)
    assert events[1] == RewardDistributed(nc, 928 + 8_328, 0)
    assert isinstance(events[2], IPsFreed) and events[3] == NodeContractCanceled(nc, 3, 4)
    assert events[4:] == (
        billed(rent, 11, NONE, 0),
        RewardDistributed(rent, 125_728, 0),
        RentContractCanceled(rent),
        NodeDeleted(3),
    )
    assert not ch.state.contracts and ch.reserved("dave") == 0
