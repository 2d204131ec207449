"""The grace-period state machine (spec/grace.md GRC-01..GRC-11).

Mock constants: 10-block cycles, grace 100 blocks. Rent contracts use node 3 (farm 2, dedicated, TFChain's
mock node); its rent is 314 320 TFT units per 60 s at level None (spec/billing.md §4.1) and a node contract
with one IP on the rented node pays only its IP: 19.2777… units/s."""

from __future__ import annotations

from sc4it import calls as c
from sc4it.kernel.events import (
    ContractBilled,
    ContractGracePeriodElapsed,
    ContractGracePeriodEnded,
    ContractGracePeriodStarted,
    ContractPaymentOverdrawn,
    IPsFreed,
    NodeContractCanceled,
    RentContractCanceled,
    RentWaived,
    RewardDistributed,
)
from sc4it.kernel.types import (
    Cause,
    ContractBill,
    Created,
    Deleted,
    DiscountLevel,
    GracePeriod,
    Power,
    Resources,
)

from .support import GIB, Chain, now_of, world

SMALL = Resources(hru=0, sru=60 * GIB, cru=2, mru=4 * GIB)


def poor_node_contract() -> tuple[Chain, int]:
    """Charlie (usable 149 500) with a node contract costing 144 440 per cycle (level None): paid at block 11,
    partially paid (5 060) at block 21, where it enters grace."""
    ch = Chain(world())
    cid = ch.node_contract("charlie", 1, ips=1)
    ch.report("node-1", cid, SMALL)
    ch.run_to(11)
    return ch, cid


def test_enter_grace_event_order() -> None:
    """GRC-04, BIL-16, BIL-18: Started(block 21) then Overdrawn(5 060, 139 380)."""
    ch, cid = poor_node_contract()
    events = ch.run_to(21)
    assert events == [
        ContractGracePeriodStarted(cid, 1, 3, 21),
        ContractPaymentOverdrawn(cid, now_of(21), 5_060, 139_380),
    ]
    assert ch.state.contracts[cid].state == GracePeriod(21)
    assert cid in ch.state.active_node_contracts[1]  # GracePeriod contracts stay active


def test_grace_start_never_moves_and_cycle_billed_in_full() -> None:
    """GRC-10 (#993): at block 31 the contract, still GracePeriod(21), owes the full 144 440 again; usable is
    0: Overdrawn(0, 144 440) and overdraft 139 380 + 144 440 = 283 820."""
    ch, cid = poor_node_contract()
    ch.run_to(21)
    assert ch.run_to(31) == [ContractPaymentOverdrawn(cid, now_of(31), 0, 144_440)]
    assert ch.state.contracts[cid].state == GracePeriod(21)
    assert ch.state.contract_payment_state[cid].standard_overdraft == 283_820


def test_restore_after_top_up() -> None:
    """GRC-01: a top-up of 1 TFT; at block 31 due 144 440 + overdraft 139 380 = 283 820 is reservable:
    Ended then Billed(283 820)."""
    ch, cid = poor_node_contract()
    ch.run_to(21)
    ch.transfer("alice", "charlie", 10_000_000)
    assert ch.run_to(31) == [
        ContractGracePeriodEnded(cid, 1, 3),
        ContractBilled(ContractBill(cid, now_of(31), DiscountLevel.None_, 283_820)),
    ]
    assert ch.state.contracts[cid].state == Created()


def test_expiry_exactly_after_grace_period() -> None:
    """GRC-02 (#479): grace from block 21; at block 111 (90 blocks) still in grace; at block 121 (100 ≥ 100):
    Elapsed(100), Overdrawn(0, 144 440), RewardDistributed(149 500), IPsFreed, NodeContractCanceled; the IP is
    free again and the overdraft is forgiven (GRC-09)."""
    ch, cid = poor_node_contract()
    ch.run_to(111)
    assert ch.state.contracts[cid].state == GracePeriod(21)
    events = ch.run_to(121)
    assert events[:3] == [
        ContractGracePeriodElapsed(cid, 100),
        ContractPaymentOverdrawn(cid, now_of(121), 0, 144_440),
        RewardDistributed(cid, 149_500, 0),
    ]
    assert isinstance(events[3], IPsFreed) and events[4] == NodeContractCanceled(cid, 1, 3)
    assert cid not in ch.state.contracts
    assert all(ip.contract_id == 0 for ip in ch.state.farms[1].public_ips)
    assert ch.reserved("charlie") == 0 and ch.free("charlie") == 500


def test_restore_even_after_grace_elapsed() -> None:
    """GRC-01 before GRC-02 (spec/tfchain.md: facts): funds arrive at block 120, the bill at 121 (elapsed
    100) restores."""
    ch, cid = poor_node_contract()
    ch.run_to(120)
    ch.transfer("alice", "charlie", 100_000_000)
    events = ch.run_to(121)
    assert events[0] == ContractGracePeriodEnded(cid, 1, 3)
    assert ch.state.contracts[cid].state == Created()


def test_forgiven_overdraft_is_never_collected() -> None:
    """GRC-09 (P-G, DEV-BIL-5): after expiry charlie's later funds are untouched."""
    ch, _ = poor_node_contract()
    ch.run_to(121)
    ch.transfer("alice", "charlie", 10_000_000)
    ch.run_to(200)
    assert ch.free("charlie") == 10_000_500 and ch.reserved("charlie") == 0


def rented_with_workload(charlie_free: int) -> tuple[Chain, int, int]:
    """Charlie rents node 3 (contract 1, billed at blocks ≡ 1) and runs node contract 2 with 1 IP on it
    (billed at blocks ≡ 2), both created at block 1. Contract 2 pays only its IP: at block 2 for 6 s:
    19.2777…·6 = 115.67 → 116 units → 2 320 TFT units; then every 60 s 1156.67 → 1 157 units → 23 140."""
    ch = Chain(world(balances={"charlie": charlie_free}))
    rent = ch.rent_contract("charlie", 3)
    nc = ch.node_contract("charlie", 3, ips=1)
    return ch, rent, nc


def test_rent_takes_node_contracts_into_grace_and_back() -> None:
    """GRC-04/GRC-06/GRC-01/GRC-07. Charlie can pay contract 2's first bill (2 320) and nothing more: the rent
    enters grace at block 11 and takes contract 2 along (Started for both, block 11). After a top-up, contract
    2 pays at block 12 but stays in grace (GRC-08); at block 21 the rent restores (due 314 320 + overdraft 314
    320 = 628 640, level None) and restores contract 2, which has no overdraft (Ended for both)."""
    ch, rent, nc = rented_with_workload(500 + 2_320)
    events = ch.run_to(11)
    assert events[-3:] == [
        ContractGracePeriodStarted(rent, 3, 3, 11),
        ContractGracePeriodStarted(nc, 3, 3, 11),
        ContractPaymentOverdrawn(rent, now_of(11), 0, 314_320),
    ]
    assert ch.state.contracts[nc].state == GracePeriod(11)
    ch.transfer("alice", "charlie", 100 * 10_000_000)
    ch.run_to(12)
    assert ch.state.contracts[nc].state == GracePeriod(11)
    assert ch.run_to(21) == [
        ContractGracePeriodEnded(rent, 3, 3),
        ContractGracePeriodEnded(nc, 3, 3),
        ContractBilled(ContractBill(rent, now_of(21), DiscountLevel.None_, 628_640)),
    ]
    assert ch.state.contracts[nc].state == Created()


def test_node_contract_suspended_while_rent_in_grace() -> None:
    """GRC-08 (#1002/#1003): both in grace from block 11; at block 12 contract 2 overdraws 23 140 (usable 0).
    A top-up of 1 TFT at block 15 and a bill of contract 2 alone: due for 18 s of IP (19.2777…·18 = 347 −
    ε → 347 units → 6 940) + overdraft 23 140 = 30 080 is reservable, so it pays, but it stays in grace
    because its rent contract is in grace. No new node contract can be deployed on the node meanwhile
    (NC-07, #1008)."""
    ch, _, nc = rented_with_workload(500 + 2_320)
    ch.run_to(12)
    assert ch.state.contract_payment_state[nc].standard_overdraft == 23_140
    ch.run_to(15)
    ch.transfer("alice", "charlie", 10_000_000)
    events = ch.call("bob", c.BillContractForBlock(nc))
    assert events == (ContractBilled(ContractBill(nc, now_of(15), DiscountLevel.None_, 30_080)),)
    assert ch.state.contracts[nc].state == GracePeriod(11)
    assert not ch.state.contract_payment_state[nc].has_overdraft()
    out = ch.try_call("charlie", c.CreateNodeContract(3, b"y".ljust(32, b"\0"), b"", 0, None))
    assert out.error is not None and out.error.name == "NodeNotAvailableToDeploy"


def test_rent_restore_skips_node_contracts_with_overdraft() -> None:
    """GRC-07: contract 2 carries an IP overdraft (23 140 from block 12) when the rent is restored at block
    21: it stays in grace (no Ended for it) and leaves grace at its own bill at block 22, where its
    overdraft plus this cycle (23 140 + 23 140 = 46 280) is reservable."""
    ch, rent, nc = rented_with_workload(500 + 2_320)
    ch.run_to(12)
    ch.transfer("alice", "charlie", 100 * 10_000_000)
    events = ch.run_to(21)
    assert events[0] == ContractGracePeriodEnded(rent, 3, 3)
    assert ContractGracePeriodEnded(nc, 3, 3) not in events
    assert ch.state.contracts[nc].state == GracePeriod(11)
    assert ch.run_to(22) == [
        ContractGracePeriodEnded(nc, 3, 3),
        ContractBilled(ContractBill(nc, now_of(22), DiscountLevel.None_, 46_280)),
    ]
    assert ch.state.contracts[nc].state == Created()


def test_no_started_event_for_node_contract_already_in_grace() -> None:
    """GRC-06 (P-M, DEV-BIL-7). Charlie has nothing usable: contract 2 enters grace alone at block 2 (its IP,
    2 320). At block 11 the rent enters grace: Started for the rent only; contract 2 keeps GracePeriod(2) and
    gets no second Started event (TFChain emits Started(…, 11) for it although nothing changes)."""
    ch, rent, nc = rented_with_workload(500)
    assert ch.run_to(2) == [
        ContractGracePeriodStarted(nc, 3, 3, 2),
        ContractPaymentOverdrawn(nc, now_of(2), 0, 2_320),
    ]
    assert ch.run_to(11) == [
        ContractGracePeriodStarted(rent, 3, 3, 11),
        ContractPaymentOverdrawn(rent, now_of(11), 0, 314_320),
    ]
    assert ch.state.contracts[nc].state == GracePeriod(2)


def test_rent_expiry_waits_for_node_contract_reserves() -> None:
    """GRC-03 (#1010). Charlie pays contract 2 at blocks 2 and 12 (2 320 + 23 140 = 25 460 reserved) and the
    rent at block 11 (314 320), then runs dry: the rent enters grace at block 21 and takes contract 2
    along. At block 121 (elapsed 100) the rent must wait: contract 2 still holds 25 460. At block 122
    contract 2 expires (elapsed 101): Elapsed, Overdrawn(0, 23 140), RewardDistributed(25 460), IPsFreed,
    NodeContractCanceled. At block 131 the rent expires (elapsed 110), distributes its 314 320 and is
    removed."""
    ch, rent, nc = rented_with_workload(500 + 2_320 + 314_320 + 23_140)
    ch.run_to(12)
    assert ch.state.contract_payment_state[nc].standard_reserve == 25_460
    ch.run_to(21)
    assert ch.state.contracts[rent].state == GracePeriod(21)
    assert ch.state.contracts[nc].state == GracePeriod(21)
    assert ch.run_to(121)[-1] == ContractPaymentOverdrawn(rent, now_of(121), 0, 314_320)
    assert ch.state.contracts[rent].state == GracePeriod(21)
    events = ch.run_to(122)
    assert events[:3] == [
        ContractGracePeriodElapsed(nc, 101),
        ContractPaymentOverdrawn(nc, now_of(122), 0, 23_140),
        RewardDistributed(nc, 25_460, 0),
    ]
    assert isinstance(events[3], IPsFreed) and events[4] == NodeContractCanceled(nc, 3, 3)
    assert nc not in ch.state.contracts
    assert ch.run_to(131) == [
        ContractGracePeriodElapsed(rent, 110),
        ContractPaymentOverdrawn(rent, now_of(131), 0, 314_320),
        RewardDistributed(rent, 314_320, 0),
        RentContractCanceled(rent),
    ]
    assert rent not in ch.state.contracts and 3 not in ch.state.active_rent_contract_for_node


def test_standby_rent_in_grace_still_expires() -> None:
    """GRC-11 / BIL-12 (#979): a rent contract in grace on a standby node: RentWaived, nothing due, and it
    expires after the grace period: at block 111 (elapsed 100): RentWaived, Elapsed(100), Overdrawn(0, 0),
    RentContractCanceled."""
    ch = Chain(world(balances={"charlie": 500}))
    rent = ch.rent_contract("charlie", 3)
    ch.run_to(11)
    assert ch.state.contracts[rent].state == GracePeriod(11)
    ch.call("node-3", c.ChangePowerState(Power.Down))
    assert ch.run_to(21) == [RentWaived(rent), ContractPaymentOverdrawn(rent, now_of(21), 0, 0)]
    events = ch.run_to(111)
    assert events[-4:] == [
        RentWaived(rent),
        ContractGracePeriodElapsed(rent, 100),
        ContractPaymentOverdrawn(rent, now_of(111), 0, 0),
        RentContractCanceled(rent),
    ]


def test_standby_rent_in_grace_restored_by_top_up() -> None:
    """GRC-11: with the node in standby the rent's overdraft (314 320 from block 11, level None) is settled
    after a top-up: RentWaived, Ended, Billed(314 320) — only the old overdraft, nothing for the standby
    time."""
    ch = Chain(world(balances={"charlie": 500}))
    rent = ch.rent_contract("charlie", 3)
    ch.run_to(11)
    ch.call("node-3", c.ChangePowerState(Power.Down))
    ch.transfer("alice", "charlie", 10_000_000)
    assert ch.run_to(21) == [
        RentWaived(rent),
        ContractGracePeriodEnded(rent, 3, 3),
        ContractBilled(ContractBill(rent, now_of(21), DiscountLevel.None_, 314_320)),
    ]


def test_deleted_contract_is_never_left_behind() -> None:
    """GRC-02/BIL-20: a contract that became Deleted is removed within the same bill."""
    ch, cid = poor_node_contract()
    ch.run_to(121)
    assert cid not in ch.state.contracts
    assert not any(isinstance(c_.state, Deleted) for c_ in ch.state.contracts.values())
    assert Cause.OutOfFunds  # the cause the expiry uses (GRC-02)
