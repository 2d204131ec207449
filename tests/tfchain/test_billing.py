"""Port of tests.rs "CONTRACT BILLING TESTS" (TFChain commit 33046d68), the cases without a grace
period (those are in test_grace.py).

The Rust suite was written for the [M24] code: balance locks, burning and the 10% foundation / 5% staking
/ 50% sales split. Where TFChain's own [R24]+[F25] rework (spec/tfchain.md, §4.9) changed the outcome, the
counterpart asserts the current behaviour and says so:
- a bill **reserves** the amount on the twin account (`reserved`), where [M24] extended a lock;
- the discount level is computed from the twin's usable balance `free − max(ED, frozen)` (LED-05);
- reserves are distributed every 24 cycles or when the contract is deleted: 10% staking pool, 40%
  foundation (ferdie), 50% the farmer (alice, who runs the mock's farm), nothing to the sales account or
  to solution providers, nothing burned ([R24], spec DST-14);
- when the balance does not cover a bill, the whole usable balance is reserved towards it
  (`ContractPaymentOverdrawn`, §4.2 step 9, BIL-18).

Every amount is derived in the test with `formulas.py` (TFChain's cost.rs written out independently).

The Rust tests expect the off-chain worker to submit one `bill_contract_for_block` per due contract to the
mocked pool (`should_call_bill_contract`, executed in the same block, `Pays::Yes`); sc4it bills the shard
synchronously in `on_block` (DEV-BIL-13), so the counterparts check the bill events of each block instead.
"""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.types import ContractBill, DiscountLevel, Power, PublicIP

from .formulas import (
    name_contract_due,
    node_contract_due,
    nu_cost_units,
    rent_contract_due,
    split_node_rewards,
)
from .mock import (
    EXISTENTIAL_DEPOSIT,
    FOUNDATION,
    GATEWAY,
    IP_1,
    NRU_REPORTED,
    REPORTED_RESOURCES,
    SALES,
    STAKING_POOL,
    Mock,
    account,
    timestamp_secs,
)


def billed(contract_id: int, ts_block: int, level: DiscountLevel, amount: int) -> ev.ContractBilled:
    """The `ContractBilled` event of a bill made with the timestamp of block `ts_block`."""
    return ev.ContractBilled(ContractBill(contract_id, timestamp_secs(ts_block), level, amount))


def _billing_details(with_solution_provider: bool) -> None:
    """The scenario of `test_node_contract_billing_details[_with_solution_provider]`."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    if with_solution_provider:
        m.prepare_solution_provider("dave")
    m.set_prices(50, 101)
    initial_bob = m.free("bob")
    initial_alice = m.free("alice")
    initial_dave = m.free("dave")
    m.create_node_contract("bob", 1, public_ips=1, solution_provider_id=1 if with_solution_provider else None)
    contract_id = 1
    m.push_contract_resources_used(contract_id)
    m.push_nru_report_for_contract(contract_id, 10)
    # NU: 3·10^9 bytes over the report's window 6·10 = 60 s, priced by policy_1 (NR-10).
    nu = nu_cost_units(NRU_REPORTED, 60)
    assert nu == 2500  # (3 · (50000/3600) · 60).round(): 2500 − ε rounds to 2500
    assert m.billing_info(contract_id).amount_unbilled == nu
    assert m.contract_to_bill_at_block(m.billing_loop_index(contract_id)) == [contract_id]
    initial_issuance = m.state.total_issuance

    dues: list[int] = []
    for i in range(25):
        block = 11 + i * 10
        # each bill covers 60 s (10 blocks of 6 s); the first one also carries the NU report
        due, level = node_contract_due(
            60, m.usable("bob"), resources=REPORTED_RESOURCES, ips=1, unbilled=nu if i == 0 else 0
        )
        m.run_to_block(block)
        bills = [e for e in m.contract_events_at(block) if isinstance(e, ev.ContractBilled)]
        assert bills == [billed(contract_id, block, level, due)]
        dues.append(due)

    # [R24] the first 24 cycles are distributed at the 24th bill (block 241); the 25th stays reserved.
    distributed = sum(dues[:24])
    assert m.contract_events_at(241)[-1] == ev.RewardDistributed(contract_id, distributed, 0)
    total_amount_billed = initial_bob - m.free("bob")
    assert total_amount_billed == sum(dues)
    assert m.reserved("bob") == dues[24]
    staking, foundation, farmer = split_node_rewards(distributed)
    assert m.free(STAKING_POOL) == staking  # 10% (M24: 5%)
    assert m.free(FOUNDATION) == foundation  # 40% (M24: 10%)
    assert m.free("alice") == initial_alice + farmer  # 50% to the farmer (M24: 50% to sales)
    assert m.free(SALES) == 0
    assert m.free("dave") == initial_dave  # the solution provider gets nothing since [R24]
    assert m.state.total_issuance == initial_issuance  # nothing burned (M24: 35%)
    assert m.state.burned == 0
    # amount unbilled is reset after every bill
    assert m.billing_info(contract_id).amount_unbilled == 0


def test_node_contract_billing_details() -> None:
    """Rust `test_node_contract_billing_details`: bob's node contract (1 IP, reported resources, one NU
    report) is billed 25 cycles; each ContractBilled carries the amount derived from the formulas; the
    NU is billed once. [M24] asserted 5% staking / 10% foundation / 50% sales / 35% burned of everything
    billed; spec/tfchain.md [R24]: the first 24 cycles' reserve is distributed 10/40/50 (staking pool,
    foundation, farmer), no burn, the 25th cycle stays reserved. BIL-03 BIL-04 BIL-13 BIL-17 BIL-19
    BIL-20 BIL-30 BIL-32 BIL-36 BIL-37 NR-08 NR-10 DST-01 DST-02 DST-04 DST-11 DST-14 GRC-10 DEV-BIL-13."""
    _billing_details(with_solution_provider=False)


def test_node_contract_billing_details_with_solution_provider() -> None:
    """Rust `test_node_contract_billing_details_with_solution_provider`: as above with an approved
    solution provider (dave, take 10) on the contract. [M24] paid the provider 10% and sales 40%;
    spec/tfchain.md [R24]: providers receive nothing from billing, the split stays 10/40/50 and
    the provider's balance is unchanged. SP-20 DST-14 BIL-19 DEV-BIL-13."""
    _billing_details(with_solution_provider=True)


def test_multiple_contracts_billing_loop_works() -> None:
    """Rust `test_multiple_contracts_billing_loop_works`: a node contract (id 1, 1 IP) and a name
    contract (id 2) sit in shards 1 and 2 and are billed in blocks 11 and 12, 60 s each.

    The Rust test counts 8 runtime events: 2 price events, 2 ContractCreated, 2 ContractBilled and two
    pallet-balances events of the bills ([M24] `Locked`; TFChain [R24] `Reserved`, from
    `Currency::reserve` in `reserve_funds`), so the count is 8 in TFChain today too. sc4it's ledger emits
    no event for a reserve (spec/ledger.md LED-07) and no deviation records that: the final count
    assertion fails until one of the two changes. BIL-02 BIL-03 BIL-17 BIL-32 BIL-34 CON-04 DEV-BIL-13.
    Event count: sc4it emits no pallet-balances events for reserve moves (DEV-LED-1).
    """
    m = Mock()
    m.prepare_farm_and_node()  # block 0: no events recorded
    m.run_to_block(1)
    m.set_prices(50, 101)
    m.create_node_contract("bob", 1, public_ips=1)
    node_contract_id = 1
    m.run_to_block(2)
    m.call("bob", c.CreateNameContract(b"some_name"))
    name_contract_id = 2
    assert m.contract_to_bill_at_block(m.billing_loop_index(node_contract_id)) == [node_contract_id]
    assert m.contract_to_bill_at_block(m.billing_loop_index(name_contract_id)) == [name_contract_id]

    node_due, node_level = node_contract_due(60, m.usable("bob"), ips=1)  # created at ts(1), billed at ts(11)
    m.run_to_block(11)
    name_due, name_level = name_contract_due(60, m.usable("bob"))  # created at ts(2), billed at ts(12)
    m.run_to_block(12)

    node_contract, name_contract = m.contract(1), m.contract(2)
    assert node_contract is not None and name_contract is not None
    assert m.non_balances_events() == [
        ev.PriceStored(50),
        ev.AveragePriceStored(50),
        ev.ContractCreated(node_contract),
        ev.ContractCreated(name_contract),
        billed(node_contract_id, 11, node_level, node_due),
        billed(name_contract_id, 12, name_level, name_due),
    ]
    # 2 price + 2 created + 2 pallet-balances Reserved + 2 billed (TFChain [R24], see docstring)
    # TFChain counts 8: these 6 plus one pallet-balances Reserved per bill; sc4it emits no balance events
    # for billing's reserve moves (DEV-LED-1), so exactly the 6 above.
    assert len(m.all_events()) == 8 - 2


def test_node_contract_billing_cycles() -> None:
    """Rust `test_node_contract_billing_cycles`: bob's contract (reported resources, no IP) is billed at
    blocks 11, 21, 31 for 60 s each with the derived amount and discount. [M24] asserted the locked
    balance; [R24] (spec/tfchain.md step 9, §4.8) reserves it: bob's reserved balance is the sum of the
    bills. BIL-03 BIL-11 BIL-13 BIL-15 BIL-17 BIL-30 BIL-31 BIL-32 BIL-36 BIL-37 BIL-38 LED-07 DEV-BIL-13."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.set_prices(50, 101)
    m.create_node_contract("bob", 1)
    m.push_contract_resources_used(1)
    dues = []
    for block in (11, 21, 31):
        due, level = node_contract_due(60, m.usable("bob"), resources=REPORTED_RESOURCES)
        m.run_to_block(block)
        assert billed(1, block, level, due) in m.contract_events_at(block)
        dues.append(due)
        assert m.reserved("bob") == sum(dues)
    assert m.reserved("bob") == dues[0] + dues[1] + dues[2]
    assert m.free("bob") == 2_500_000_000 - sum(dues)


def test_node_multiple_contract_billing_cycles() -> None:
    """Rust `test_node_multiple_contract_billing_cycles`: two contracts of bob created one block apart
    are billed in blocks 11 and 12 (60 s each); [R24] bob's reserved balance is their sum ([M24]: the
    lock). BIL-02 BIL-03 BIL-17 LED-07 DEV-BIL-13."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.set_prices(50, 101)
    m.create_node_contract("bob", 1)
    m.push_contract_resources_used(1)
    m.run_to_block(2)
    m.create_node_contract("bob", 1)
    m.push_contract_resources_used(2)
    due_1, level_1 = node_contract_due(60, m.usable("bob"), resources=REPORTED_RESOURCES)
    m.run_to_block(11)
    assert billed(1, 11, level_1, due_1) in m.contract_events_at(11)
    due_2, level_2 = node_contract_due(60, m.usable("bob"), resources=REPORTED_RESOURCES)
    m.run_to_block(12)
    assert billed(2, 12, level_2, due_2) in m.contract_events_at(12)
    assert m.reserved("bob") == due_1 + due_2


def test_node_contract_billing_cycles_delete_node_cancels_contract() -> None:
    """Rust `test_node_contract_billing_cycles_delete_node_cancels_contract`: bob's contract (1 IP,
    resources) is billed 5 cycles; at block 56 (timestamp of block 55) the farmer deletes the node: the
    contract is billed for the 4 blocks (24 s) since its last bill, its IP freed and it is cancelled.
    Current event order of the deletion (spec/tfchain.md: facts): ContractBilled, RewardDistributed
    (a deleted contract distributes its whole reserve, [R24]), IPsFreed, NodeContractCanceled,
    NodeDeleted. HK-01 NOD-33 CON-40 CON-42 CON-43 IPS-12 DST-02 BIL-20 DEV-BIL-13 DEV-CON-3."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.set_prices(50, 101)
    initial_alice = m.free("alice")
    m.create_node_contract("bob", 1, public_ips=1)
    m.push_contract_resources_used(1)
    dues = []
    for block in (11, 21, 31, 41, 51):
        due, level = node_contract_due(60, m.usable("bob"), resources=REPORTED_RESOURCES, ips=1)
        m.run_to_block(block)
        assert billed(1, block, level, due) in m.contract_events_at(block)
        dues.append(due)
    m.run_to_block(55)
    due, level = node_contract_due(24, m.usable("bob"), resources=REPORTED_RESOURCES, ips=1)
    dues.append(due)
    events = m.call("alice", c.DeleteNodeFarm(1))
    assert list(events) == [
        billed(1, 55, level, due),
        ev.RewardDistributed(1, sum(dues), 0),
        ev.IPsFreed(1, (PublicIP(IP_1, GATEWAY, 0),)),
        ev.NodeContractCanceled(1, 1, 2),
        ev.NodeDeleted(1),
    ]
    assert m.contract(1) is None
    assert m.reserved("bob") == 0
    staking, foundation, farmer = split_node_rewards(sum(dues))
    assert (m.free(STAKING_POOL), m.free(FOUNDATION)) == (staking, foundation)
    assert m.free("alice") == initial_alice + farmer


def test_node_contract_only_public_ip_billing_cycles() -> None:
    """Rust `test_node_contract_only_public_ip_billing_cycles`: a contract with one IP and no reported
    resources is billed every cycle (non-zero) for the IP alone. BIL-04 BIL-30 BIL-32 DEV-BIL-13."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.set_prices(50, 101)
    m.create_node_contract("bob", 1, public_ips=1)
    for block in (11, 21, 31, 41, 51):
        due, level = node_contract_due(60, m.usable("bob"), ips=1)
        assert due != 0
        m.run_to_block(block)
        assert billed(1, block, level, due) in m.contract_events_at(block)


def test_node_contract_billing_cycles_cancel_contract_during_cycle_works() -> None:
    """Rust `test_node_contract_billing_cycles_cancel_contract_during_cycle_works`: after bills at 11
    and 21, bob cancels in block 29 (timestamp of block 28): the cancel bills the 7 blocks (42 s) since
    block 21 with timestamp ts(28), the contract is removed and its NU accumulator reads 0. [R24] the
    deleted contract's whole reserve is distributed at once. CC-06 CON-40 BIL-20 DST-02 DEV-BIL-13."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.set_prices(50, 101)
    m.create_node_contract("bob", 1)
    m.push_contract_resources_used(1)
    dues = []
    for block in (11, 21):
        due, level = node_contract_due(60, m.usable("bob"), resources=REPORTED_RESOURCES)
        m.run_to_block(block)
        assert billed(1, block, level, due) in m.contract_events_at(block)
        dues.append(due)
    m.run_to_block(28)
    due, level = node_contract_due(42, m.usable("bob"), resources=REPORTED_RESOURCES)
    dues.append(due)
    events = m.call("bob", c.CancelContract(1))
    m.run_to_block(29)
    assert list(events) == [
        billed(1, 28, level, due),
        ev.RewardDistributed(1, sum(dues), 0),
        ev.NodeContractCanceled(1, 1, 2),
    ]
    assert m.contract(1) is None
    assert m.billing_info(1).amount_unbilled == 0
    assert m.reserved("bob") == 0


def test_node_contract_billing_cycles_cancel_contract_during_cycle_without_balance_works() -> None:
    """Rust `test_node_contract_billing_cycles_cancel_contract_during_cycle_without_balance_works`:
    after two bills bob moves his balance away, keeping 10 000 units, and cancels in block 26
    (timestamp of block 25) owing 24 s.

    [M24] left the remaining balance untouched. Reference §4.2 step 9 [R24] (`overdraft_funds`): the
    bill cannot be covered, so the whole usable balance (10 000 − ED = 9 500) is reserved towards it
    (`ContractPaymentOverdrawn`), the rest is forgiven at removal, and everything reserved is
    distributed 10/40/50 ([R24]; [M24] split 5/10/50/burn). The Rust transfer is allow-death;
    sc4it's `Transfer` is keep-alive (LED-13), which the 10 000 units left satisfy. The forgiven rest
    is TFChain's rule too (DEV-BIL-5, decision kept). BIL-15 BIL-18 BIL-19 BIL-20 GRC-09 DST-02 DST-14
    LED-05 LED-13 DEV-BIL-13 DEV-BIL-5."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.set_prices(50, 101)
    initial_bob = m.free("bob")
    initial_alice = m.free("alice")
    initial_issuance = m.state.total_issuance
    m.create_node_contract("bob", 1)
    m.push_contract_resources_used(1)
    dues = []
    for block in (11, 21):
        due, level = node_contract_due(60, m.usable("bob"), resources=REPORTED_RESOURCES)
        m.run_to_block(block)
        assert billed(1, block, level, due) in m.contract_events_at(block)
        dues.append(due)
    m.run_to_block(25)
    # TFChain's `Balances::usable_balance` (free − frozen) is bob's free balance: no locks under [R24]
    total_amount_billed = initial_bob - m.free("bob")
    assert total_amount_billed == sum(dues)
    extrinsic_fee = 10_000
    sent = initial_bob - total_amount_billed - extrinsic_fee
    m.call("bob", c.Transfer(account("alice"), sent))
    usable_before_canceling = m.usable("bob")
    assert usable_before_canceling == extrinsic_fee - EXISTENTIAL_DEPOSIT != 0
    due, level = node_contract_due(24, usable_before_canceling, resources=REPORTED_RESOURCES)
    assert due > usable_before_canceling  # the remainder cannot be paid
    events = m.call("bob", c.CancelContract(1))
    distributed = sum(dues) + usable_before_canceling
    assert list(events) == [
        ev.ContractPaymentOverdrawn(
            1, timestamp_secs(25), usable_before_canceling, due - usable_before_canceling
        ),
        ev.RewardDistributed(1, distributed, 0),
        ev.NodeContractCanceled(1, 1, 2),
    ]
    # [R24]: the usable balance went towards the bill (M24: it stayed as it was)
    assert m.usable("bob") == 0
    assert (m.free("bob"), m.reserved("bob")) == (EXISTENTIAL_DEPOSIT, 0)
    staking, foundation, farmer = split_node_rewards(distributed)
    assert (m.free(STAKING_POOL), m.free(FOUNDATION), m.free(SALES)) == (staking, foundation, 0)
    assert m.free("alice") == initial_alice + sent + farmer
    assert m.state.total_issuance == initial_issuance


def test_name_contract_billing() -> None:
    """Rust `test_name_contract_billing`: bob's name contract is billed at block 11 for 60 s; the event
    is ContractBill{1, 1628082066, level, amount} with the derived amount (name cost of 60 s, to TFT,
    discount by bob's usable balance).

    The Rust test finds it at index 4 of all events: 2 price events, ContractCreated, a pallet-balances
    event of the bill ([M24] `Locked`, TFChain [R24] `Reserved`), ContractBilled; that index holds for
    TFChain today. sc4it emits no reserve event (spec/ledger.md LED-07) and no deviation records it, so
    the index assertion fails until one of the two changes. BIL-02 BIL-03 BIL-17 BIL-34 BIL-36 BIL-37
    BIL-38 NM-06 DEV-BIL-13.
    Event count: sc4it emits no pallet-balances events for reserve moves (DEV-LED-1).
    """
    m = Mock()
    m.prepare_farm_and_node()
    m.run_to_block(1)
    m.set_prices(50, 101)
    m.call("bob", c.CreateNameContract(b"foobar"))
    assert m.contract_to_bill_at_block(m.billing_loop_index(1)) == [1]
    due, level = name_contract_due(60, m.usable("bob"))
    m.run_to_block(11)
    expected = ev.ContractBilled(ContractBill(1, 1628082066, level, due))
    assert timestamp_secs(11) == 1628082066
    assert m.contract_events_at(11) == [expected]
    contract = m.contract(1)
    assert contract is not None
    assert m.non_balances_events() == [
        ev.PriceStored(50),
        ev.AveragePriceStored(50),
        ev.ContractCreated(contract),
        expected,
    ]
    events = m.all_events()
    # TFChain has 5 events, a pallet-balances Reserved just before ContractBilled; without it (DEV-LED-1)
    # the bill is the 4th and last event.
    assert len(events) == 5 - 1 and events[3] == expected


def test_rent_contract_billing() -> None:
    """Rust `test_rent_contract_billing`: bob rents the node while it is standby (Down since block 2):
    the bill at 11 charges nothing; the node wakes up in block 16 (timestamp of block 15), the bill at 21
    charges the 6 blocks (36 s) since; the node sleeps from block 26, the bills at 31 and 41 charge
    nothing; it wakes in block 46, the bill at 51 charges 36 s. [R24] each waived bill emits
    `RentWaived` (spec/tfchain.md step 3). The uptime between the bill at 21 and the power-down (blocks 21 to
    25) is never billed, as in TFChain (DEV-BIL-10, decision kept). BIL-12 HK-10 PWR-04 RC-09 BIL-33
    DEV-BIL-13 DEV-BIL-10."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.call("alice", c.ChangePowerState(Power.Down))
    m.set_prices(50, 101)
    m.call("bob", c.CreateRentContract(1, None))
    contract = m.contract(1)
    assert contract is not None
    m.run_to_block(11)
    assert m.contract_events_at(11) == [ev.RentWaived(1)]
    m.run_to_block(15)
    m.call("alice", c.ChangePowerState(Power.Up))
    due_21, level_21 = rent_contract_due(36, m.usable("bob"))
    assert due_21 != 0
    m.run_to_block(21)
    assert m.contract_events_at(21) == [billed(1, 21, level_21, due_21)]
    m.run_to_block(25)
    m.call("alice", c.ChangePowerState(Power.Down))
    m.run_to_block(31)
    assert m.contract_events_at(31) == [ev.RentWaived(1)]
    m.run_to_block(41)
    assert m.contract_events_at(41) == [ev.RentWaived(1)]
    m.run_to_block(45)
    m.call("alice", c.ChangePowerState(Power.Up))
    due_51, level_51 = rent_contract_due(36, m.usable("bob"))
    assert due_51 != 0
    m.run_to_block(51)
    assert m.contract_events_at(51) == [billed(1, 51, level_51, due_51)]
    assert m.contract_events() == [
        ev.ContractCreated(contract),
        ev.RentWaived(1),
        billed(1, 21, level_21, due_21),
        ev.RentWaived(1),
        ev.RentWaived(1),
        billed(1, 51, level_51, due_51),
    ]
    assert m.reserved("bob") == due_21 + due_51


def test_rent_contract_billing_cancel_should_bill_reserved_balance() -> None:
    """Rust `test_rent_contract_billing_cancel_should_bill_reserved_balance`: the rent contract is
    billed 60 s at block 11 ([R24]: reserved, [M24]: locked, so usable ≠ free); cancelled in block 14
    (timestamp of 13) it is billed 2 blocks (12 s) and everything reserved is distributed, so nothing
    stays held and bob can move all his usable balance (keep-alive here, LED-13). CC-06 CON-40 BIL-20
    DST-02 LED-05 DEV-BIL-13."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.set_prices(50, 101)
    m.call("bob", c.CreateRentContract(1, None))
    due_1, level_1 = rent_contract_due(60, m.usable("bob"))
    assert due_1 != 0
    m.run_to_block(11)
    assert m.contract_events_at(11) == [billed(1, 11, level_1, due_1)]
    assert m.reserved("bob") == due_1 != 0
    m.run_to_block(13)
    due_2, level_2 = rent_contract_due(12, m.usable("bob"))
    events = m.call("bob", c.CancelContract(1))
    usable = m.usable("bob")
    assert usable != 0
    m.call("bob", c.Transfer(account("alice"), usable))
    assert due_2 != 0
    assert list(events) == [
        billed(1, 13, level_2, due_2),
        ev.RewardDistributed(1, due_1 + due_2, 0),
        ev.RentContractCanceled(1),
    ]
    assert (m.reserved("bob"), m.info("bob").frozen) == (0, 0)
    assert m.free("bob") == EXISTENTIAL_DEPOSIT


def test_rent_contract_canceled_mid_cycle_should_bill_for_remainder() -> None:
    """Rust `test_rent_contract_canceled_mid_cycle_should_bill_for_remainder`: the rent contract
    created at block 2 (timestamp of 1) is cancelled in block 9 (timestamp of 8): billed 7 blocks
    (42 s) with that timestamp; afterwards nothing is held on bob's account. CC-06 CON-40 BIL-17
    BIL-20 BIL-33 DEV-BIL-13."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.set_prices(50, 101)
    m.call("bob", c.CreateRentContract(1, None))
    assert m.reserved("bob") == 0
    m.run_to_block(8)
    due, level = rent_contract_due(42, m.usable("bob"))
    events = m.call("bob", c.CancelContract(1))
    assert due != 0
    assert list(events) == [
        billed(1, 8, level, due),
        ev.RewardDistributed(1, due, 0),
        ev.RentContractCanceled(1),
    ]
    assert m.reserved("bob") == 0


def test_create_rent_contract_and_node_contract_excludes_node_contract_from_billing_works() -> None:
    """Rust `test_create_rent_contract_and_node_contract_excludes_node_contract_from_billing_works`:
    on a rented node the node contract's resources are not billed: the rent contract is billed at 11,
    the node contract (resources only) emits nothing at 12.

    The Rust test counts 7 runtime events: 2 price, 2 ContractCreated, UpdatedUsedResources, a
    pallet-balances event of the rent bill ([M24] `Locked`, TFChain [R24] `Reserved`) and ContractBilled.
    sc4it emits no reserve event (LED-07) and no deviation records it: the count assertion fails until
    one of the two changes. BIL-04 BIL-14 BIL-32 BIL-33 RR-07 DEV-BIL-13.
    Event count: sc4it emits no pallet-balances events for reserve moves (DEV-LED-1).
    """
    m = Mock()
    m.prepare_dedicated_farm_and_node()  # block 0: no events recorded
    m.run_to_block(1)
    m.set_prices(50, 101)
    m.call("bob", c.CreateRentContract(1, None))
    m.run_to_block(2)
    m.create_node_contract("bob", 1)
    m.push_contract_resources_used(2)
    due, level = rent_contract_due(60, m.usable("bob"))
    m.run_to_block(11)
    m.run_to_block(12)
    assert due != 0
    assert m.contract_events_at(11) == [billed(1, 11, level, due)]
    assert m.contract_events_at(12) == []
    assert [type(e).__name__ for e in m.non_balances_events()] == [
        "PriceStored",
        "AveragePriceStored",
        "ContractCreated",
        "ContractCreated",
        "UpdatedUsedResources",
        "ContractBilled",
    ]
    # TFChain counts 7 including one pallet-balances Reserved for the rent bill (absent here: DEV-LED-1).
    assert len(m.all_events()) == 7 - 1


def test_create_rent_contract_and_node_contract_with_ip_billing_works() -> None:
    """Rust `test_create_rent_contract_and_node_contract_with_ip_billing_works`: on a rented node the
    rent contract is billed at 11 (60 s) and the node contract at 12 for its public IP only.

    The Rust test counts 8 runtime events: 2 price, 2 ContractCreated, and for each bill a
    pallet-balances event ([M24] `Locked`, TFChain [R24] `Reserved`) and ContractBilled. sc4it emits no
    reserve event (LED-07) and no deviation records it: the count assertion fails until one of the two
    changes. BIL-32 BIL-33 BIL-17 DEV-BIL-13.
    Event count: sc4it emits no pallet-balances events for reserve moves (DEV-LED-1).
    """
    m = Mock()
    m.prepare_dedicated_farm_and_node()
    m.run_to_block(1)
    m.set_prices(50, 101)
    m.call("bob", c.CreateRentContract(1, None))
    m.run_to_block(2)
    m.create_node_contract("bob", 1, public_ips=1)
    rent_due, rent_level = rent_contract_due(60, m.usable("bob"))
    m.run_to_block(11)
    assert rent_due != 0
    assert m.contract_events_at(11) == [billed(1, 11, rent_level, rent_due)]
    node_due, node_level = node_contract_due(60, m.usable("bob"), ips=1, rented=True)
    m.run_to_block(12)
    assert node_due != 0
    assert m.contract_events_at(12) == [billed(2, 12, node_level, node_due)]
    assert [type(e).__name__ for e in m.non_balances_events()] == [
        "PriceStored",
        "AveragePriceStored",
        "ContractCreated",
        "ContractCreated",
        "ContractBilled",
        "ContractBilled",
    ]
    # TFChain counts 8 including one pallet-balances Reserved per bill (absent here: DEV-LED-1).
    assert len(m.all_events()) == 8 - 2


def test_rent_contract_and_node_contract_canceled_when_node_is_deleted_works() -> None:
    """Rust `test_rent_contract_and_node_contract_canceled_when_node_is_deleted_works`: deleting the
    rented node cancels the node contract, then the rent contract. Current event order (spec/tfchain.md:
    facts): the node contract is billed for nothing (rented node, no IP) and cancelled, then the rent
    contract is billed for the 5 blocks (30 s) since block 11, distributes its reserve ([R24]) and is
    cancelled; then NodeDeleted. HK-01 HK-02 NOD-33 CON-40 BIL-14 BIL-20 DST-02 DEV-BIL-13 DEV-CON-3
    DEV-BIL-14."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_dedicated_farm_and_node()
    m.set_prices(50, 101)
    m.call("bob", c.CreateRentContract(1, None))
    m.run_to_block(2)
    m.create_node_contract("bob", 1)
    m.push_contract_resources_used(2)
    due_1, level_1 = rent_contract_due(60, m.usable("bob"))
    m.run_to_block(11)
    assert m.contract_events_at(11) == [billed(1, 11, level_1, due_1)]
    m.run_to_block(12)
    assert m.contract_events_at(12) == []
    m.run_to_block(16)
    due_2, level_2 = rent_contract_due(30, m.usable("bob"))
    events = m.call("alice", c.DeleteNodeFarm(1))
    assert list(events) == [
        billed(2, 16, DiscountLevel.None_, 0),
        ev.NodeContractCanceled(2, 1, 2),
        billed(1, 16, level_2, due_2),
        ev.RewardDistributed(1, due_1 + due_2, 0),
        ev.RentContractCanceled(1),
        ev.NodeDeleted(1),
    ]
    assert m.contract(1) is None and m.contract(2) is None
    assert m.reserved("bob") == 0
