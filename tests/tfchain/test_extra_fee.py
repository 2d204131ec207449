"""Port of tests.rs `set_dedicated_node_extra_fee` tests (TFChain commit 33046d68): the farmer's extra
fee for a dedicated node (mUSD per month), the dedication it implies, and its billing."""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.errors import Error
from sc4it.kernel.types import ContractBill, DiscountLevel

from .formulas import discount, extra_fee_units, rent_cost_units, split_node_rewards, to_tft
from .mock import (
    BILLING_FREQUENCY,
    DISTRIBUTION_FREQUENCY,
    FOUNDATION,
    SALES,
    SECS_PER_BLOCK,
    STAKING_POOL,
    Mock,
    get_deployment_data,
    timestamp_secs,
)

EXTRA_FEE = 100_000
"""mUSD per month, as in the Rust tests."""


def test_set_dedicated_node_extra_fee_works() -> None:
    """Rust `test_set_dedicated_node_extra_fee_works`: the farmer (alice) sets 100 000 mUSD/month on
    node 1; stored, and NodeExtraFeeSet{1, 100000} is emitted. XF-01..XF-06."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    events = m.call("alice", c.SetDedicatedNodeExtraFee(1, EXTRA_FEE))
    assert m.state.dedicated_nodes_extra_fee.get(1) == EXTRA_FEE
    assert events == (ev.NodeExtraFeeSet(1, EXTRA_FEE),)
    assert ev.NodeExtraFeeSet(1, EXTRA_FEE) in m.all_events()


def test_set_dedicated_node_extra_fee_undefined_node_fails() -> None:
    """Rust `test_set_dedicated_node_extra_fee_undefined_node_fails`: node 2 → `NodeNotExists`. XF-02."""
    m = Mock()
    m.prepare_farm_and_node()
    m.assert_noop("alice", c.SetDedicatedNodeExtraFee(2, EXTRA_FEE), Error.NodeNotExists)


def test_set_dedicated_node_extra_fee_unauthorized_fails() -> None:
    """Rust `test_set_dedicated_node_extra_fee_unauthorized_fails`: bob is not the farmer →
    `UnauthorizedToSetExtraFee`. XF-04."""
    m = Mock()
    m.prepare_farm_and_node()
    m.assert_noop("bob", c.SetDedicatedNodeExtraFee(1, EXTRA_FEE), Error.UnauthorizedToSetExtraFee)


def test_set_dedicated_node_extra_fee_with_active_node_contract_fails() -> None:
    """Rust `test_set_dedicated_node_extra_fee_with_active_node_contract_fails`: a node contract is
    active on the node → `NodeHasActiveContracts`. XF-05 HK-20."""
    m = Mock()
    m.prepare_farm_node_and_node_contract()
    m.assert_noop("alice", c.SetDedicatedNodeExtraFee(1, EXTRA_FEE), Error.NodeHasActiveContracts)


def test_set_dedicated_node_extra_fee_with_active_rent_contract_fails() -> None:
    """Rust `test_set_dedicated_node_extra_fee_with_active_rent_contract_fails`: the node is rented →
    `NodeHasActiveContracts`. XF-05 HK-20."""
    m = Mock()
    m.prepare_farm_and_node()
    m.call("bob", c.CreateRentContract(1, None))
    m.assert_noop("alice", c.SetDedicatedNodeExtraFee(1, EXTRA_FEE), Error.NodeHasActiveContracts)


def test_set_dedicated_node_extra_fee_and_create_node_contract_fails() -> None:
    """Rust `test_set_dedicated_node_extra_fee_and_create_node_contract_fails`: a node with an extra fee
    is dedicated: without a rent contract a node contract fails with `NodeNotAvailableToDeploy`. NC-06
    NC-07."""
    m = Mock()
    m.prepare_farm_and_node()
    m.call("alice", c.SetDedicatedNodeExtraFee(1, EXTRA_FEE))
    m.assert_noop(
        "bob",
        c.CreateNodeContract(1, m.generate_deployment_hash(), get_deployment_data(), 0, None),
        Error.NodeNotAvailableToDeploy,
    )


def test_set_dedicated_node_extra_fee_and_set_it_back_to_zero_works() -> None:
    """Rust `test_set_dedicated_node_extra_fee_and_set_it_back_to_zero_works`: with the fee the node
    refuses node contracts; a fee of 0 makes it shared again and bob deploys. XF-06 NC-06."""
    m = Mock()
    m.prepare_farm_and_node()
    m.call("alice", c.SetDedicatedNodeExtraFee(1, EXTRA_FEE))
    m.assert_noop(
        "bob",
        c.CreateNodeContract(1, m.generate_deployment_hash(), get_deployment_data(), 0, None),
        Error.NodeNotAvailableToDeploy,
    )
    m.call("alice", c.SetDedicatedNodeExtraFee(1, 0))
    m.create_node_contract("bob", 1)
    assert m.active_node_contracts(1) == [1]


def test_set_dedicated_node_extra_fee_and_create_rent_contract_works() -> None:
    """Rust `test_set_dedicated_node_extra_fee_and_create_rent_contract_works`: bob rents the fee node
    and deploys a node contract on it. RC-04 NC-07."""
    m = Mock()
    m.prepare_farm_and_node()
    m.call("alice", c.SetDedicatedNodeExtraFee(1, EXTRA_FEE))
    m.call("bob", c.CreateRentContract(1, None))
    m.create_node_contract("bob", 1)
    assert m.active_node_contracts(1) == [2]


def test_set_dedicated_node_extra_fee_and_create_rent_contract_billing_works() -> None:
    """Rust `test_set_dedicated_node_extra_fee_and_create_rent_contract_billing_works`: dave rents the
    node with a 100 000 mUSD/month extra fee (and deploys an unbilled node contract); over the 24
    cycles up to the distribution he pays exactly Σ rent cost + Σ extra fee, each derived per 60 s
    cycle (the extra fee without discount). [M24] checked 5/10/50/burn of the rent part; spec/tfchain.md
    [R24]: the rent part (standard reserve) is split 10/40/50 and the extra fee (additional reserve)
    goes 100% to the farmer (alice), both distributed at the 24th cycle. BIL-13 BIL-33 BIL-39 DST-01
    DST-02 DST-03 DST-04 DST-11 DST-14 DEV-BIL-13."""
    m = Mock()
    m.prepare_farm_and_node()
    start_block = 1
    m.run_to_block(start_block)
    m.set_prices(50, 101)
    initial_issuance = m.state.total_issuance
    initial_dave = m.free("dave")
    initial_alice = m.free("alice")
    m.call("alice", c.SetDedicatedNodeExtraFee(1, EXTRA_FEE))
    m.call("dave", c.CreateRentContract(1, None))
    m.create_node_contract("dave", 1)
    rent_contract_id = 1
    assert m.contract_to_bill_at_block(m.billing_loop_index(rent_contract_id)) == [rent_contract_id]

    elapsed = BILLING_FREQUENCY * SECS_PER_BLOCK  # 60 s per cycle
    rent_cost_tft = 0
    extra_fee_cost_tft = 0
    for i in range(1, DISTRIBUTION_FREQUENCY + 1):
        block = start_block + i * BILLING_FREQUENCY
        standard, level = discount(to_tft(rent_cost_units(elapsed)), elapsed, m.usable("dave"))
        additional = to_tft(extra_fee_units(EXTRA_FEE, elapsed))
        m.run_to_block(block)
        bills = [e for e in m.contract_events_at(block) if isinstance(e, ev.ContractBilled)]
        assert bills == [
            ev.ContractBilled(
                ContractBill(rent_contract_id, timestamp_secs(block), level, standard + additional)
            )
        ]
        rent_cost_tft += standard
        extra_fee_cost_tft += additional
    assert level == DiscountLevel.Gold  # dave's 10^12 covers years of this rent

    total_amount_billed = initial_dave - m.free("dave")
    assert total_amount_billed == rent_cost_tft + extra_fee_cost_tft
    assert m.contract_events_at(start_block + DISTRIBUTION_FREQUENCY * BILLING_FREQUENCY)[-1] == (
        ev.RewardDistributed(rent_contract_id, rent_cost_tft, extra_fee_cost_tft)
    )
    staking, foundation, farmer = split_node_rewards(rent_cost_tft)
    assert (m.free(STAKING_POOL), m.free(FOUNDATION), m.free(SALES)) == (staking, foundation, 0)
    assert m.free("alice") == initial_alice + farmer + extra_fee_cost_tft
    assert m.reserved("dave") == 0
    assert m.state.total_issuance == initial_issuance
