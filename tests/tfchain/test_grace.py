"""Port of the grace-period cases of tests.rs "CONTRACT BILLING TESTS" (TFChain commit 33046d68).

charlie (150 000 units, usable 149 500 above the existential deposit) can pay one cycle of a node
contract and no cycle of a rent contract. [M24] entered grace when the due reached the usable balance and
only accumulated the lock; spec/tfchain.md step 9 / [R24]: a bill that cannot be covered reserves the
whole usable balance towards it and records the rest as overdraft (`ContractPaymentOverdrawn`), a
contract in grace is restored when one bill can reserve its due plus the whole overdraft, and after
`GracePeriod` (100) blocks it is deleted (`ContractGracePeriodElapsed`), its reserve distributed 10/40/50
([R24]) and its overdraft forgiven (kept as TFChain, DEV-BIL-5). Amounts come from `formulas.py`;
bills come from the block hook instead of the off-chain worker's pool (DEV-BIL-13).
"""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.events import Event
from sc4it.kernel.types import ContractBill, ContractResources, Created, DiscountLevel, GracePeriod

from .formulas import node_contract_due, rent_contract_due, split_node_rewards
from .mock import (
    BALANCES,
    EXISTENTIAL_DEPOSIT,
    FOUNDATION,
    GRACE_PERIOD,
    REPORTED_RESOURCES,
    SALES,
    STAKING_POOL,
    Mock,
    account,
    timestamp_secs,
)

CHARLIE_USABLE = BALANCES["charlie"] - EXISTENTIAL_DEPOSIT
"""149 500: what billing can reserve from charlie (free − max(ED, frozen), LED-05)."""


def billed(contract_id: int, ts_block: int, level: DiscountLevel, amount: int) -> ev.ContractBilled:
    return ev.ContractBilled(ContractBill(contract_id, timestamp_secs(ts_block), level, amount))


def overdrawn(contract_id: int, ts_block: int, paid: int, shortfall: int) -> ev.ContractPaymentOverdrawn:
    return ev.ContractPaymentOverdrawn(contract_id, timestamp_secs(ts_block), paid, shortfall)


def _charlie_node_contract_until_grace(m: Mock) -> tuple[int, int, int]:
    """Charlie's node contract (reported resources, no IP) billed at 11 (paid) and 21 (enters grace).
    Returns (first due, what was reserved at 21, overdraft after 21)."""
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.set_prices(50, 101)
    m.create_node_contract("charlie", 1)
    m.push_contract_resources_used(1)
    due_1, level_1 = node_contract_due(60, m.usable("charlie"), resources=REPORTED_RESOURCES)
    assert m.usable("charlie") == CHARLIE_USABLE >= due_1  # one cycle is affordable
    m.run_to_block(11)
    assert m.contract_events_at(11) == [billed(1, 11, level_1, due_1)]
    usable = m.usable("charlie")
    assert usable == CHARLIE_USABLE - due_1
    due_2, _ = node_contract_due(60, usable, resources=REPORTED_RESOURCES)
    assert due_2 > usable  # user does not have enough funds to pay for 2 cycles
    m.run_to_block(21)
    contract = m.contract(1)
    assert contract is not None and contract.state == GracePeriod(21)
    assert m.contract_events_at(21) == [
        ev.ContractGracePeriodStarted(1, 1, 3, 21),
        overdrawn(1, 21, usable, due_2 - usable),
    ]
    return due_1, usable, due_2 - usable


def test_node_contract_out_of_funds_should_move_state_to_graceperiod_works() -> None:
    """Rust `test_node_contract_out_of_funds_should_move_state_to_graceperiod_works`: charlie pays cycle
    1; at block 21 the contract enters GracePeriod(21) with `ContractGracePeriodStarted{1, node 1, twin
    3, block 21}`. [R24] the same bill reserves the rest of charlie's usable balance and records the
    shortfall (`ContractPaymentOverdrawn`). GRC-04 BIL-15 BIL-16 BIL-18 DEV-BIL-13."""
    m = Mock()
    _, paid, _ = _charlie_node_contract_until_grace(m)
    assert m.usable("charlie") == 0
    assert m.reserved("charlie") == CHARLIE_USABLE
    ps = m.payment_state(1)
    assert ps is not None and ps.has_overdraft()
    assert paid > 0


def test_restore_node_contract_in_grace_works() -> None:
    """Rust `test_restore_node_contract_in_grace_works`: in grace since 21, billed at 31 and 41 (each
    adds its due to the overdraft), charlie receives 10^8 from bob in block 42; the bill of block 51 (run
    with the timestamp of block 52: 66 s since the bill at 41) reserves its due plus the whole overdraft
    and restores the contract (`ContractGracePeriodEnded`); the bill of 61 is a normal one. GRC-01
    GRC-10 BIL-15 BIL-17 BIL-18 LED-13 DEV-BIL-13."""
    m = Mock()
    _, _, overdraft = _charlie_node_contract_until_grace(m)
    for block in (31, 41):
        due, level = node_contract_due(60, m.usable("charlie"), resources=REPORTED_RESOURCES)
        assert level == DiscountLevel.None_
        m.run_to_block(block)
        assert m.contract_events_at(block) == [overdrawn(1, block, 0, due)]
        overdraft += due
    # Transfer some balance to the owner of the contract to trigger the grace period to stop
    m.call("bob", c.Transfer(account("charlie"), 100_000_000))
    assert m.usable("charlie") == 100_000_000
    due, level = node_contract_due(66, m.usable("charlie"), resources=REPORTED_RESOURCES)
    m.run_to_block(52)
    assert m.contract_events_at(51) == [
        ev.ContractGracePeriodEnded(1, 1, 3),
        billed(1, 52, level, due + overdraft),
    ]
    due, level = node_contract_due(60, m.usable("charlie"), resources=REPORTED_RESOURCES)
    m.run_to_block(62)
    assert m.contract_events_at(61) == [billed(1, 62, level, due)]
    contract = m.contract(1)
    assert contract is not None and contract.state == Created()
    ps = m.payment_state(1)
    assert ps is not None and not ps.has_overdraft()


def test_node_contract_grace_period_cancels_contract_when_grace_period_ends_works() -> None:
    """Rust `test_node_contract_grace_period_cancels_contract_when_grace_period_ends_works`: in grace
    since 21, the contract is billed every cycle; at block 121 (121 − 21 = GracePeriod) it is deleted and
    removed; everything charlie could pay (his whole usable balance) is distributed. [M24] checked the
    5/10/50/burn-35 split; spec/tfchain.md [R24]: 10% staking pool, 40% foundation, 50% farmer, no burn.
    Expiry event order (spec/tfchain.md): ContractGracePeriodElapsed{1, 100}, ContractPaymentOverdrawn,
    RewardDistributed, NodeContractCanceled. GRC-02 GRC-09 GRC-10 DST-02 DST-14 BIL-20 CON-43 DEV-BIL-13
    DEV-BIL-5."""
    m = Mock()
    initial_issuance = m.state.total_issuance
    initial_alice = m.free("alice")
    _charlie_node_contract_until_grace(m)
    last_due = 0
    for block in range(31, 131, 10):
        last_due, _ = node_contract_due(60, m.usable("charlie"), resources=REPORTED_RESOURCES)
        m.run_to_block(block)
        if block < 21 + GRACE_PERIOD:
            assert m.contract_events_at(block) == [overdrawn(1, block, 0, last_due)]
    assert m.contract_events_at(121) == [
        ev.ContractGracePeriodElapsed(1, GRACE_PERIOD),
        overdrawn(1, 121, 0, last_due),
        ev.RewardDistributed(1, CHARLIE_USABLE, 0),
        ev.NodeContractCanceled(1, 1, 3),
    ]
    assert m.contract(1) is None
    total_amount_billed = BALANCES["charlie"] - m.free("charlie")
    assert total_amount_billed == CHARLIE_USABLE
    staking, foundation, farmer = split_node_rewards(total_amount_billed)
    assert (m.free(STAKING_POOL), m.free(FOUNDATION), m.free(SALES)) == (staking, foundation, 0)
    assert m.free("alice") == initial_alice + farmer
    assert m.state.total_issuance == initial_issuance
    assert m.reserved("charlie") == 0


def test_rent_contract_canceled_due_to_out_of_funds_should_cancel_node_contracts_works() -> None:
    """Rust `test_rent_contract_canceled_due_to_out_of_funds_should_cancel_node_contracts_works`:
    charlie rents the node (dedicated farm) and deploys a node contract; the rent bill of block 11
    cannot be paid: the rent contract and its node contract enter grace at 11 (events 5 and 6 of all
    events, as in Rust); the node contract costs nothing (rented node, no IP) so its bills write nothing;
    at block 111 (111 − 11 = GracePeriod) the rent contract expires: its reserve is distributed, the node
    contract then the rent contract are cancelled (the last two events, as in Rust).

    Rust counts 21 events of the [M24] sequence; [R24] (spec/tfchain.md, §6.3) changed it: every bill in
    grace emits ContractPaymentOverdrawn, expiry emits ContractGracePeriodElapsed and RewardDistributed;
    the counterpart asserts that whole current sequence. GRC-02 GRC-03 GRC-04 GRC-06 GRC-09 CON-46
    BIL-14 BIL-18 DEV-BIL-13 DEV-BIL-5 DEV-BIL-14."""
    m = Mock()
    m.prepare_dedicated_farm_and_node()  # block 0: no events recorded
    m.run_to_block(1)
    m.set_prices(50, 101)
    m.call("charlie", c.CreateRentContract(1, None))
    m.run_to_block(2)
    m.create_node_contract("charlie", 1)
    m.push_contract_resources_used(2)
    rent, node = m.contract(1), m.contract(2)
    assert rent is not None and node is not None
    expected: list[Event] = [ev.ContractCreated(rent), ev.ContractCreated(node)]
    expected.append(ev.UpdatedUsedResources(ContractResources(2, REPORTED_RESOURCES)))
    for i in range(10):
        block = 11 + i * 10
        usable = m.usable("charlie")
        due, _ = rent_contract_due(60, usable)
        assert due > usable
        m.run_to_block(block)
        m.run_to_block(block + 1)
        assert m.contract_events_at(block + 1) == []  # node contract: nothing due (BIL-14)
        if i == 0:
            expected += [
                ev.ContractGracePeriodStarted(1, 1, 3, 11),
                ev.ContractGracePeriodStarted(2, 1, 3, 11),
                overdrawn(1, 11, usable, due - usable),
            ]
        else:
            expected.append(overdrawn(1, block, 0, due))
    due, _ = rent_contract_due(60, m.usable("charlie"))
    m.run_to_block(11 + 10 * 10)
    expected += [
        ev.ContractGracePeriodElapsed(1, GRACE_PERIOD),
        overdrawn(1, 111, 0, due),
        ev.RewardDistributed(1, CHARLIE_USABLE, 0),
        ev.NodeContractCanceled(2, 1, 3),
        ev.RentContractCanceled(1),
    ]
    assert m.contract_events() == expected
    events = m.all_events()
    assert events[5] == ev.ContractGracePeriodStarted(1, 1, 3, 11)
    assert events[6] == ev.ContractGracePeriodStarted(2, 1, 3, 11)
    assert events[-2:] == [ev.NodeContractCanceled(2, 1, 3), ev.RentContractCanceled(1)]
    assert m.contract(1) is None and m.contract(2) is None
    assert m.reserved("charlie") == 0


def test_rent_contract_out_of_funds_should_move_state_to_graceperiod_works() -> None:
    """Rust `test_rent_contract_out_of_funds_should_move_state_to_graceperiod_works`: charlie cannot pay
    the first rent cycle: GracePeriod(11) with `ContractGracePeriodStarted{1, node 1, twin 3, 11}`;
    [R24] the usable balance is reserved towards it. GRC-04 BIL-18 DEV-BIL-13."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.set_prices(50, 101)
    m.call("charlie", c.CreateRentContract(1, None))
    due, _ = rent_contract_due(60, m.usable("charlie"))
    assert due > CHARLIE_USABLE
    m.run_to_block(11)
    contract = m.contract(1)
    assert contract is not None and contract.state == GracePeriod(11)
    assert m.contract_events_at(11) == [
        ev.ContractGracePeriodStarted(1, 1, 3, 11),
        overdrawn(1, 11, CHARLIE_USABLE, due - CHARLIE_USABLE),
    ]


def test_restore_rent_contract_in_grace_works() -> None:
    """Rust `test_restore_rent_contract_in_grace_works`: the rent contract enters grace at 11
    (event 3 of all events, as in Rust), stays in grace at 21 and 31; after bob sends charlie 10^8 the
    bill of 41 reserves the cycle plus the whole overdraft and restores it; Created at 51. GRC-01 GRC-04
    GRC-10 BIL-15 BIL-17 DEV-BIL-13."""
    m = Mock()
    m.prepare_dedicated_farm_and_node()
    m.run_to_block(1)
    m.set_prices(50, 101)
    m.call("charlie", c.CreateRentContract(1, None))
    due, _ = rent_contract_due(60, m.usable("charlie"))
    m.run_to_block(11)
    contract = m.contract(1)
    assert contract is not None and contract.state == GracePeriod(11)
    assert m.all_events()[3] == ev.ContractGracePeriodStarted(1, 1, 3, 11)
    overdraft = due - CHARLIE_USABLE
    for block in (21, 31):
        due, _ = rent_contract_due(60, m.usable("charlie"))
        m.run_to_block(block)
        assert m.contract_events_at(block) == [overdrawn(1, block, 0, due)]
        overdraft += due
    m.call("bob", c.Transfer(account("charlie"), 100_000_000))
    due, level = rent_contract_due(60, m.usable("charlie"))
    m.run_to_block(41)
    assert m.contract_events_at(41) == [
        ev.ContractGracePeriodEnded(1, 1, 3),
        billed(1, 41, level, due + overdraft),
    ]
    due, level = rent_contract_due(60, m.usable("charlie"))
    m.run_to_block(51)
    assert m.contract_events_at(51) == [billed(1, 51, level, due)]
    contract = m.contract(1)
    assert contract is not None and contract.state == Created()


def test_restore_rent_contract_and_node_contracts_in_grace_works() -> None:
    """Rust `test_restore_rent_contract_and_node_contracts_in_grace_works`: the rent contract and its
    node contract enter grace at 11 (events 5 and 6 of all events, as in Rust); after the top-up the rent
    bill of 41 restores the rent contract and, with it, the node contract (it has no overdraft): the two
    `ContractGracePeriodEnded` events follow each other and precede the rent's ContractBilled. Rust finds
    them at indices 8 and 9; [R24] (spec/tfchain.md) inserts the grace bills' ContractPaymentOverdrawn
    before them, so the counterpart asserts the whole current sequence. Both node-contract grace events are
    real state changes here, so sc4it's rule against event-only transitions (DEV-BIL-7) changes nothing.
    GRC-01 GRC-06 GRC-07 GRC-08
    BIL-14 DEV-BIL-13 DEV-BIL-7."""
    m = Mock()
    m.prepare_dedicated_farm_and_node()
    m.run_to_block(1)
    m.set_prices(50, 101)
    m.call("charlie", c.CreateRentContract(1, None))
    m.run_to_block(2)
    m.create_node_contract("charlie", 1)
    m.push_contract_resources_used(2)
    usable = m.usable("charlie")
    due, _ = rent_contract_due(60, usable)
    m.run_to_block(11)
    m.run_to_block(12)
    rent = m.contract(1)
    node = m.contract(2)
    assert rent is not None and rent.state == GracePeriod(11)
    assert node is not None and node.state == GracePeriod(11)
    events = m.all_events()
    assert events[5] == ev.ContractGracePeriodStarted(1, 1, 3, 11)
    assert events[6] == ev.ContractGracePeriodStarted(2, 1, 3, 11)
    overdraft = due - usable
    tail: list[Event] = [
        ev.ContractGracePeriodStarted(1, 1, 3, 11),
        ev.ContractGracePeriodStarted(2, 1, 3, 11),
        overdrawn(1, 11, usable, overdraft),
    ]
    for block in (21, 31):
        due, _ = rent_contract_due(60, m.usable("charlie"))
        m.run_to_block(block)
        m.run_to_block(block + 1)
        tail.append(overdrawn(1, block, 0, due))
        overdraft += due
    m.call("bob", c.Transfer(account("charlie"), 100_000_000))
    due, level = rent_contract_due(60, m.usable("charlie"))
    m.run_to_block(41)
    m.run_to_block(42)
    tail += [
        ev.ContractGracePeriodEnded(1, 1, 3),
        ev.ContractGracePeriodEnded(2, 1, 3),
        billed(1, 41, level, due + overdraft),
    ]
    due, level = rent_contract_due(60, m.usable("charlie"))
    m.run_to_block(51)
    m.run_to_block(52)
    tail.append(billed(1, 51, level, due))
    rent = m.contract(1)
    node = m.contract(2)
    assert rent is not None and rent.state == Created()
    assert node is not None and node.state == Created()
    assert m.contract_events()[3:] == tail


def test_rent_contract_grace_period_cancels_contract_when_grace_period_ends_works() -> None:
    """Rust `test_rent_contract_grace_period_cancels_contract_when_grace_period_ends_works`: charlie's
    rent contract in grace since 11 is billed at 21..111; at 111 (GracePeriod elapsed) it is removed and
    leaves its billing shard. [R24] expiry sequence: ContractGracePeriodElapsed{1, 100},
    ContractPaymentOverdrawn, RewardDistributed, RentContractCanceled. GRC-02 GRC-09 CON-22 CON-46
    DEV-BIL-13 DEV-BIL-5."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.set_prices(50, 101)
    m.call("charlie", c.CreateRentContract(1, None))
    m.run_to_block(11)
    contract = m.contract(1)
    assert contract is not None and contract.state == GracePeriod(11)
    assert ev.ContractGracePeriodStarted(1, 1, 3, 11) in m.contract_events_at(11)
    due = 0
    for i in range(10):
        block = 21 + i * 10
        due, _ = rent_contract_due(60, m.usable("charlie"))
        m.run_to_block(block)
    assert m.contract_events_at(111) == [
        ev.ContractGracePeriodElapsed(1, GRACE_PERIOD),
        overdrawn(1, 111, 0, due),
        ev.RewardDistributed(1, CHARLIE_USABLE, 0),
        ev.RentContractCanceled(1),
    ]
    assert m.contract(1) is None
    assert m.contract_to_bill_at_block(m.billing_loop_index(1)) == []
