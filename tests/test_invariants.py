"""sc4it.conformance.invariants: each state invariant (INV-01..INV-13) and step property
(INV-20..INV-25) holds on real worlds and fires, naming its objects, on a state or a transition that
breaks it.

The broken states are written directly (a `Tx` over a valid state), which no call sequence can do."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import attrs
import pytest

from sc4it import calls as c
from sc4it.conformance.invariants import (
    STATE_RULES,
    STEP_RULES,
    Estimate,
    Violation,
    check,
    check_step,
    expected_bill,
)
from sc4it.kernel.events import ContractBilled, ContractPaymentOverdrawn, Minted
from sc4it.kernel.pmap import PSet
from sc4it.kernel.state import State
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    AccountInfo,
    Cause,
    Contract,
    ContractBill,
    ContractPaymentState,
    Created,
    Deleted,
    DiscountLevel,
    GracePeriod,
    NameContract,
    NodeContract,
    PublicIP,
    RentContract,
    Resources,
    ServiceContract,
    ServiceContractState,
)
from sc4it.runtime import Outcome
from sc4it.testing import World
from sc4it.testing.actions import Scene, run_action

# --------------------------------------------------------------------------------------------------
# A populated world: alice (node 1) and dave (node 2) deploy with an IP each, bob holds a name, charlie
# rents node 3 and deploys on it; after 25 blocks every contract has been billed and charlie's two are in
# grace (contracts 1..5, in that order).


def populated() -> World:
    w = World.default()
    run_action(w, Scene())
    w.advance(25)
    return w


_BASE = populated()


@pytest.fixture
def world() -> World:
    return _BASE.copy()


@pytest.fixture
def world_state() -> State:
    return _BASE.state


def edit(state: State, change: Callable[[Tx], None]) -> State:
    tx = Tx(state, _BASE.env)
    change(tx)
    return tx.commit()


def rules(violations: list[Violation]) -> set[str]:
    return {v.rule for v in violations}


def objects(violations: list[Violation], rule: str) -> set[str]:
    return {o for v in violations if v.rule == rule for o in v.objects}


def with_state(contract: Contract, state: Created | Deleted | GracePeriod) -> Contract:
    return attrs.evolve(contract, state=state)


# --------------------------------------------------------------------------------------------------
# Valid worlds


def test_genesis_and_populated_world_satisfy_every_invariant(world_state: State) -> None:
    """INV-01..INV-13 hold on the default genesis and on a world with live, billed and in-grace contracts
    (the fixture is what the stateful suite starts from)."""
    assert check(World.default().state) == []
    assert check(World.default(None).state) == []
    assert check(world_state) == []
    assert isinstance(world_state.contracts[4].state, GracePeriod)
    assert world_state.contract_payment_state[1].standard_reserve > 0
    assert tuple(f"INV-{i:02d}" for i in range(1, 16)) == STATE_RULES
    assert STEP_RULES == ("INV-20", "INV-21", "INV-22", "INV-23", "INV-24", "INV-25")


def test_violation_names_rule_and_objects() -> None:
    """A Violation prints its rule id, message and objects."""
    v = Violation("INV-04", "IP held by a missing contract", ("farm 1", "contract 9"))
    assert str(v) == "INV-04: IP held by a missing contract [farm 1, contract 9]"
    assert str(Violation("INV-01", "x")) == "INV-01: x"


# --------------------------------------------------------------------------------------------------
# State invariants


def test_inv01_funds(world_state: State) -> None:
    """INV-01: balances must add up to the issuance, and issuance + burned to minted."""
    alice = World(world_state).account("alice")

    def richer(tx: Tx) -> None:
        info = tx.accounts[alice]
        tx.accounts[alice] = AccountInfo(info.nonce, info.free + 1, info.reserved, info.frozen)

    found = check(edit(world_state, richer))
    assert rules(found) == {"INV-01"}
    assert "balances sum to" in found[0].message
    broken = attrs.evolve(
        world_state, minted=world_state.minted + 5, total_issuance=world_state.total_issuance
    )
    assert [v.rule for v in check(broken)] == ["INV-01"]


def test_inv02_reserved_is_sum_of_contract_reserves(world_state: State) -> None:
    """INV-02: a reserve recorded on a contract but not held by the account (or the reverse) is reported
    with the account."""
    w = World(world_state)

    def more_reserve(tx: Tx) -> None:
        ps = tx.contract_payment_state[1]
        tx.contract_payment_state[1] = attrs.evolve(ps, standard_reserve=ps.standard_reserve + 7)

    found = check(edit(world_state, more_reserve))
    assert rules(found) == {"INV-02"}
    assert objects(found, "INV-02") == {f"account {w.account('alice').hex()[:16]}"}

    def held_without_contract(tx: Tx) -> None:
        acc = w.account("eve")
        info = tx.accounts[acc]
        tx.accounts[acc] = AccountInfo(info.nonce, info.free - 10, info.reserved + 10, info.frozen)

    assert rules(check(edit(world_state, held_without_contract))) == {"INV-02"}


def test_inv03_overdraft_only_in_grace(world_state: State) -> None:
    """INV-03: an overdraft on a Created contract is reported; contracts 4 and 5 (in grace) carry one
    legitimately."""
    assert world_state.contract_payment_state[4].has_overdraft()

    def overdraft(tx: Tx) -> None:
        tx.contract_payment_state[3] = attrs.evolve(tx.contract_payment_state[3], standard_overdraft=1)

    found = check(edit(world_state, overdraft))
    assert rules(found) == {"INV-03"}
    assert objects(found, "INV-03") == {"contract 3"}


def test_inv04_ips(world_state: State) -> None:
    """INV-04: farm IPs and contract IP lists agree exactly; a farm lists an address once; a contract pays
    for exactly the IPs it holds."""
    farm = world_state.farms[1]

    def leak(tx: Tx) -> None:  # the farm still points at contract 99
        ips = list(farm.public_ips)
        ips[2] = PublicIP(ips[2].ip, ips[2].gateway, 99)
        tx.farms[1] = attrs.evolve(farm, public_ips=tuple(ips))

    found = check(edit(world_state, leak))
    assert rules(found) == {"INV-04"}
    assert objects(found, "INV-04") >= {"farm 1", "contract 99", "ip 185.206.122.35/24"}

    def forget(tx: Tx) -> None:  # the contract no longer lists the IP the farm gives it
        contract = tx.contracts[1]
        assert isinstance(contract.contract_type, NodeContract)
        nc = attrs.evolve(contract.contract_type, public_ips_list=())
        tx.contracts[1] = attrs.evolve(contract, contract_type=nc)

    found = check(edit(world_state, forget))
    assert rules(found) == {"INV-04"}
    assert {v.message for v in found} >= {
        "IP list differs from the farm's records",
        "holds 0 IPs but pays for 1",
    }

    def duplicate(tx: Tx) -> None:
        twin = PublicIP(b"185.206.122.36/25", b"185.206.122.1", 0)
        tx.farms[1] = attrs.evolve(farm, public_ips=(*farm.public_ips, twin))

    assert [v.message for v in check(edit(world_state, duplicate))] == ["a farm lists one address twice"]

    def moved(tx: Tx) -> None:  # contract 1's node now belongs to farm 2 (finding F-1)
        tx.nodes[1] = attrs.evolve(tx.nodes[1], farm_id=2)
        tx.nodes_by_farm_id[1] = PSet([2, 4])
        tx.nodes_by_farm_id[2] = PSet([1, 3])

    found = check(edit(world_state, moved))
    assert [v.message for v in found] == ["IP held by a contract whose node is on another farm"]


def test_inv05_billing_loop(world_state: State) -> None:
    """INV-05: each live contract in exactly one billing slot, `id % billing_frequency`; no slot lists a
    missing contract; no empty slot."""

    def wrong_slot(tx: Tx) -> None:
        tx.contracts_to_bill_at[3] = PSet()
        tx.contracts_to_bill_at[7] = PSet([3])

    found = check(edit(world_state, wrong_slot))
    assert rules(found) == {"INV-05"}
    assert {v.message for v in found} == {
        "an empty billing slot is stored",
        "in slot 7, expected 3 (id % 10)",
    }

    def twice(tx: Tx) -> None:
        tx.contracts_to_bill_at[0] = PSet([1, 20])

    found = check(edit(world_state, twice))
    assert {v.message for v in found} == {
        "in slot 0, expected 1 (id % 10)",
        "in 2 billing slots",
        "billing slot lists a missing contract",
    }
    assert objects(found, "INV-05") >= {"contract 1", "contract 20", "slot 0"}

    def dropped(tx: Tx) -> None:
        del tx.contracts_to_bill_at[2]

    assert [(v.message, v.objects) for v in check(edit(world_state, dropped))] == [
        ("in 0 billing slots", ("contract 2",))
    ]


def test_inv05_indexes(world_state: State) -> None:
    """INV-05: ActiveNodeContracts, the node+hash index and the per-contract records are exact."""

    def inactive(tx: Tx) -> None:
        tx.active_node_contracts[1] = PSet([1, 3])

    found = check(edit(world_state, inactive))
    assert [(v.rule, v.objects) for v in found] == [("INV-05", ("node 1", "contract 3"))]

    def lost(tx: Tx) -> None:
        del tx.active_node_contracts[2]

    assert [v.message for v in check(edit(world_state, lost))] == [
        "active node contract missing from ActiveNodeContracts"
    ]

    def dangling(tx: Tx) -> None:
        tx.contract_id_by_node_id_and_hash[(1, bytes([9]) * 32)] = 1

    assert [v.message for v in check(edit(world_state, dangling))] == [
        "node+hash index points at a wrong or missing contract"
    ]

    def orphans(tx: Tx) -> None:
        tx.contract_payment_state[42] = ContractPaymentState()
        tx.contract_billing_information_by_id[3] = tx.contract_billing_information_by_id[1]
        tx.deployed_contracts[3] = 5
        del tx.contract_billing_information_by_id[2]

    found = check(edit(world_state, orphans))
    assert {v.message for v in found} == {
        "payment state of a missing contract",
        "billing information of a missing or non-node contract",
        "deployment flag on a non-node contract",
        "node contract without billing information",
    }
    assert rules(found) == {"INV-05"}

    def no_payment_state(tx: Tx) -> None:
        del tx.contract_payment_state[3]

    found = check(edit(world_state, no_payment_state))
    assert [v.message for v in found if v.rule == "INV-05"] == ["contract without a payment state"]
    assert rules(found) == {"INV-02", "INV-05"}  # its reserve is no longer accounted for


def test_inv06_contract_ids(world_state: State) -> None:
    """INV-06: stored under its own id, in 1..ContractID, never Deleted."""

    def deleted(tx: Tx) -> None:
        tx.contracts[3] = with_state(tx.contracts[3], Deleted(Cause.CanceledByUser))

    found = check(edit(world_state, deleted))
    assert [(v.rule, v.message) for v in found] == [("INV-06", "a Deleted contract is still stored")]

    def counter(tx: Tx) -> None:
        tx.contract_id = 4

    found = check(edit(world_state, counter))
    assert [(v.rule, v.objects) for v in found] == [("INV-06", ("contract 5",))]

    def misfiled(tx: Tx) -> None:
        tx.contracts[3] = attrs.evolve(tx.contracts[3], contract_id=2)

    assert "INV-06" in rules(check(edit(world_state, misfiled)))


def test_inv07_names(world_state: State) -> None:
    """INV-07: one contract per name, and the name registry is exact."""

    def same_name(tx: Tx) -> None:
        tx.contracts[1] = attrs.evolve(tx.contracts[1], contract_type=NameContract(b"bobs-site"))

    found = check(edit(world_state, same_name))
    assert "INV-07" in rules(found)
    assert objects(found, "INV-07") >= {"name bobs-site", "contract 1", "contract 3"}

    def unregistered(tx: Tx) -> None:
        del tx.contract_id_by_name_registration[b"bobs-site"]
        tx.contract_id_by_name_registration[b"other"] = 3

    assert {v.message for v in check(edit(world_state, unregistered))} == {
        "name registry points at a wrong or missing contract",
        "name contract missing from the name registry",
    }


def test_inv08_one_rent_contract_per_node(world_state: State) -> None:
    """INV-08: at most one rent contract per node, and the rent index is exact."""

    def second_rent(tx: Tx) -> None:
        tx.contracts[3] = attrs.evolve(tx.contracts[3], contract_type=RentContract(3))
        del tx.contract_id_by_name_registration[b"bobs-site"]

    found = check(edit(world_state, second_rent))
    assert [(v.rule, v.message) for v in found] == [("INV-08", "two rent contracts on one node")]

    def unindexed(tx: Tx) -> None:
        del tx.active_rent_contract_for_node[3]

    assert {v.rule for v in check(edit(world_state, unindexed))} == {"INV-08"}


def test_inv09_bounds(world_state: State) -> None:
    """INV-09: an integer past its chain width (u128 balance, u16 cycles) is reported."""
    alice = World(world_state).account("alice")

    def huge(tx: Tx) -> None:
        ps = tx.contract_payment_state[3]
        tx.contract_payment_state[3] = attrs.evolve(ps, cycles=1 << 16)

    found = check(edit(world_state, huge))
    assert rules(found) == {"INV-09"}
    assert "u16" in found[0].message
    overflow = attrs.evolve(
        world_state,
        accounts=world_state.accounts.set(alice, AccountInfo(0, 1 << 128, 0, 0)),
    )
    assert "INV-09" in rules(check(overflow))


def test_inv10_references(world_state: State) -> None:
    """INV-10: a contract's twin, node (and its farm) and solution provider exist."""

    def orphan(tx: Tx) -> None:
        tx.contracts[3] = attrs.evolve(tx.contracts[3], twin_id=77, solution_provider_id=5)

    found = check(edit(world_state, orphan))
    assert {v.message for v in found if v.rule == "INV-10"} == {
        "contract of a missing twin",
        "contract names a missing solution provider",
    }

    def node_gone(tx: Tx) -> None:
        del tx.nodes[1]
        del tx.node_id_by_twin_id[7]
        tx.nodes_by_farm_id[1] = PSet([2, 4])
        del tx.node_power[1]

    found = check(edit(world_state, node_gone))
    assert [(v.rule, v.objects) for v in found] == [("INV-10", ("contract 1", "node 1"))]


def test_inv11_registry(world_state: State) -> None:
    """INV-11: registry ids, counters and indexes."""

    def bad(tx: Tx) -> None:
        tx.twin_id = 9
        del tx.farm_id_by_name[b"freefarm"]
        tx.node_power[50] = tx.node_power[1]

    found = check(edit(world_state, bad))
    assert rules(found) == {"INV-11"}
    assert {v.message for v in found} == {
        "twin id outside 1..9 (the counter)",
        "farm-by-name index differs from the farms",
        "power entry of a missing node",
    }


def test_inv12_grace_follows_rent(world_state: State) -> None:
    """INV-12: while rent contract 4 is in grace, node contract 5 on its node must be in grace too."""

    def restored(tx: Tx) -> None:
        tx.contracts[5] = with_state(tx.contracts[5], Created())
        ps = tx.contract_payment_state[5]
        tx.contract_payment_state[5] = attrs.evolve(ps, standard_overdraft=0)

    found = check(edit(world_state, restored))
    assert [(v.rule, v.objects) for v in found] == [("INV-12", ("contract 5", "contract 4", "node 3"))]


def test_inv13_service_contracts(world_state: State) -> None:
    """INV-13: service contracts between two distinct twins; ApprovedByBoth exactly when both accepted."""
    sc = ServiceContract(1, 1, 1, 10, 10, b"m", True, False, 0, ServiceContractState.ApprovedByBoth)

    def add(tx: Tx) -> None:
        tx.service_contracts[1] = sc
        tx.service_contract_id = 1

    found = check(edit(world_state, add))
    assert {v.message for v in found} == {
        "service and consumer are one twin",
        "state ApprovedByBoth but accepted by both: False",
    }
    assert rules(found) == {"INV-13"}


# --------------------------------------------------------------------------------------------------
# Step properties


def test_inv20_rejected_call_changes_nothing(world: World, world_state: State) -> None:
    """INV-20: a rejected call's outcome is the very input state with no events."""
    w = world
    out = w.call("alice", c.CancelContract(99))
    assert out.error is not None
    assert check_step(world_state, out.state, out.events, w.env, error=out.error) == []
    changed = check_step(world_state, attrs.evolve(world_state), (), w.env, error=out.error)
    assert [v.rule for v in changed] == ["INV-20"]


def test_inv21_mints_match_events(world: World, world_state: State) -> None:
    """INV-21: `minted` grows exactly by the Minted events of the step."""
    w = world
    acc = w.account("eve")
    deposit = c.ProposeOrVoteMintTransaction(b"inv21", acc, 1000 + world_state.deposit_fee)
    w.call("bridge-1", deposit)
    before = w.state
    out = w.call("bridge-2", deposit)
    assert Minted(acc, 1000) in out.events
    assert check_step(before, out.state, out.events, w.env) == []
    silent = attrs.evolve(out.state, minted=out.state.minted + 1, total_issuance=out.state.total_issuance + 1)
    assert [v.rule for v in check_step(before, silent, out.events, w.env)] == ["INV-21"]
    lying = (*out.events, Minted(acc, 5))
    assert [v.rule for v in check_step(before, out.state, lying, w.env)] == ["INV-21"]


def test_inv22_counters_and_nonces_never_go_back(world_state: State) -> None:
    """INV-22: id counters, the billing frequency and nonces never decrease; accounts are never removed."""
    env = World(world_state).env
    alice = World(world_state).account("alice")
    back = attrs.evolve(world_state, contract_id=1, billing_frequency=5)
    assert {v.message for v in check_step(world_state, back, (), env)} == {
        "contract_id went back from 5 to 1",
        "billing_frequency went back from 10 to 5",
    }
    info = world_state.accounts[alice]
    reset = attrs.evolve(world_state, accounts=world_state.accounts.set(alice, attrs.evolve(info, nonce=0)))
    assert [v.rule for v in check_step(world_state, reset, (), env)] == ["INV-22"]
    gone = attrs.evolve(world_state, accounts=world_state.accounts.delete(alice))
    assert [v.message for v in check_step(world_state, gone, (), env)] == ["an account was removed"]


def test_inv23_grace_start_never_moves(world_state: State) -> None:
    """INV-23: contract 4 stays in grace with its original start block."""
    env = World(world_state).env
    start = world_state.contracts[4].state
    assert isinstance(start, GracePeriod)

    def moved(tx: Tx) -> None:
        tx.contracts[4] = with_state(tx.contracts[4], GracePeriod(start.start_block + 10))

    found = check_step(world_state, edit(world_state, moved), (), env)
    assert [(v.rule, v.objects) for v in found] == [("INV-23", ("contract 4",))]


def test_inv24_inv25_real_blocks_pass(world: World) -> None:
    """INV-24, INV-25: the bills of 30 real blocks (every contract, grace included) pass the audit."""
    w = world
    audited = 0
    for _ in range(30):
        before = w.state
        (out,) = w.advance(1)
        assert check_step(before, out.state, out.events, w.env) == []
        audited += sum(isinstance(e, ContractBilled) for e in out.events)
    assert audited >= 5


def test_inv24_one_bill_per_contract_per_step(world: World) -> None:
    """INV-24: two bills of one contract in one step are reported."""
    w = world
    bills: list[ContractBilled] = []
    while not bills:
        before = w.state
        (out,) = w.advance(1)
        bills = [e for e in out.events if isinstance(e, ContractBilled)]
    doubled = Outcome(out.state, (*out.events, bills[0]))
    found = check_step(before, doubled.state, doubled.events, w.env)
    assert [(v.rule, v.message) for v in found] == [("INV-24", "contract billed more than once in one step")]


def test_inv25_bill_must_match_exact_cost(world: World, world_state: State) -> None:
    """INV-25: a bill that charges one unit-USD-rounding more or less than the exact cost is reported.
    Bob's name contract over 60 s with policy 1 (unique_name 2500 mUSD/h) at 50 mUSD/TFT: the exact cost
    is 2500/3600·60 = 41.67 units USD -> 833.3 TFT units; rounding gives 42 units -> 840; rounding down
    (41 -> 820) is outside ±(½·20 + ½) = ±10.5."""
    w = world
    name = world_state.contracts[3]
    assert isinstance(name.contract_type, NameContract)
    last = world_state.contract_payment_state[3].last_updated_seconds
    est = expected_bill(world_state, name, last + 60, level=DiscountLevel.None_)
    assert est is not None
    assert est.exact == Fraction(2500 * 60, 3600) * 20
    assert est.admits(840)
    assert not est.admits(820)
    assert not est.admits(860)
    carried = world_state.contract_payment_state[3].get_overdraft()
    env = attrs.evolve(w.env, timestamp=(last + 60) * 1000)
    ok_bill = ContractBilled(ContractBill(3, last + 60, DiscountLevel.None_, 840 + carried))
    bad_bill = ContractBilled(ContractBill(3, last + 60, DiscountLevel.None_, 820 + carried))
    assert check_step(world_state, world_state, (ok_bill,), env) == []
    found = check_step(world_state, world_state, (bad_bill,), env)
    assert [(v.rule, v.objects) for v in found] == [("INV-25", ("contract 3",))]
    assert "exact cost is 833.333" in found[0].message


def test_inv25_estimate_arithmetic() -> None:
    """INV-25: an Estimate adds, scales and widens by ½ per rounding."""
    a = Estimate(Fraction(10), Fraction(1))
    assert (a + a) == Estimate(Fraction(20), Fraction(2))
    assert a.scaled(Fraction(1, 2)) == Estimate(Fraction(5), Fraction(1, 2))
    r = Estimate(Fraction(3, 2), Fraction(0)).rounded()
    assert r.admits(1) and r.admits(2) and not r.admits(3)


def _rent_world(change: Callable[[Tx], None]) -> tuple[World, int]:
    """The populated world after `change`, and charlie's rent contract id (on node 3)."""
    w = _BASE.copy()
    w.state = edit(w.state, change)
    rent = next(cid for cid, ct in w.state.contracts.items() if isinstance(ct.contract_type, RentContract))
    return w, rent


def _audit_until_billed(w: World, cid: int) -> list[Violation]:
    """Advance block by block until contract `cid` is billed; the step violations met on the way."""
    for _ in range(3 * w.state.billing_frequency):
        before = w.state
        (out,) = w.advance(1)
        found = check_step(before, out.state, out.events, w.env)
        billed = any(
            (isinstance(e, ContractBilled) and e.contract_bill.contract_id == cid)
            or (isinstance(e, ContractPaymentOverdrawn) and e.contract_id == cid)
            for e in out.events
        )
        if found or billed:
            assert billed, found
            return found
    raise AssertionError("the rent contract was never billed")


def test_inv25_models_a_saturated_extra_fee() -> None:
    """INV-25 BIL-39 BIL-40: an extra fee so large that `fee · 10^4 · secs` overflows a u64 within one
    cycle (10^12 mUSD a month does with production's hour-long cycles; here 10-block cycles need 10^14):
    the core charges u64::MAX units; the audit saturates the same product (it used to expect the exact
    quotient, a small bill, and report a false violation)."""
    fee = 10**14
    assert fee * 10_000 * _BASE.state.billing_frequency * 6 > (1 << 64)
    w, rent = _rent_world(lambda tx: tx.dedicated_nodes_extra_fee.__setitem__(3, fee))
    assert _audit_until_billed(w, rent) == []
    contract = w.state.contracts[rent]
    assert expected_bill(w.state, contract, w.now + 60, level=DiscountLevel.None_) is None  # saturated
    small = attrs.evolve(w.state, dedicated_nodes_extra_fee=w.state.dedicated_nodes_extra_fee.set(3, 10**12))
    est = expected_bill(small, contract, w.now + 60, level=DiscountLevel.None_)
    assert est is not None and est.exact > 0  # 10^12 over one minute fits: audited exactly


def test_inv25_models_rent_at_a_share_of_a_saturated_price() -> None:
    """INV-25 BIL-33 BIL-40: node 3 so large that its full price overflows (u64::MAX units) and rented
    at 6% of it: the core charges 6% of u64::MAX; the audit takes 6% of the saturated price, not of the
    exact one (1.5 times larger: a false violation before)."""
    node = _BASE.state.nodes[3]
    policy = _BASE.state.pricing_policies[1]
    period = _BASE.state.config.billing_reference_period
    secs = _BASE.state.billing_frequency * 6
    per_cru = Fraction(policy.cu.value, period) * secs / 4  # CU = C/4 with no memory (BIL-31)
    cru = int(Fraction(3, 2) * (1 << 64) / per_cru)
    assert cru < (1 << 64)

    def change(tx: Tx) -> None:
        tx.nodes[3] = attrs.evolve(node, resources=Resources(cru=cru))
        tx.pricing_policies[1] = attrs.evolve(policy, discount_for_dedication_nodes=6)
        price = tx.tft_price
        tx.tft_price = attrs.evolve(price, price=1000, average=1000, max=max(price.max, 1000))

    w, rent = _rent_world(change)
    assert _audit_until_billed(w, rent) == []
