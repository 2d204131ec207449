"""Billing one contract (spec/billing.md BIL-10..BIL-20) and its payment state machine (spec/grace.md).

`bill_contract` is TFChain's `bill_contract` ([R24]+[F25], spec/tfchain.md): load, measure the elapsed
seconds, compute what is due, reserve it (or reserve what the twin can and record the rest as overdraft),
move the contract between Created, GracePeriod and Deleted, distribute the reserve when due, and remove
the contract when it is Deleted. It writes only through `tx`; a `Fail` aborts the whole bill.
"""

from __future__ import annotations

import attrs

from sc4it import ledger
from sc4it.contracts.billing import cost
from sc4it.contracts.billing.distribution import remit_funds
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import (
    ContractBilled,
    ContractGracePeriodElapsed,
    ContractGracePeriodEnded,
    ContractGracePeriodStarted,
    ContractPaymentOverdrawn,
    RentWaived,
)
from sc4it.kernel.fixed import U128_MAX
from sc4it.kernel.pmap import PMap
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    Cause,
    Contract,
    ContractBill,
    ContractBillingInformation,
    ContractPaymentState,
    ContractState,
    Created,
    Deleted,
    DiscountLevel,
    GracePeriod,
    NameContract,
    Node,
    NodeCertification,
    NodeContract,
    NodePower,
    PricingPolicy,
    RentContract,
    Resources,
    TftPrice,
)

_NO_RESOURCES = Resources()
_POWER_UP = NodePower()
_NO_BILLING_INFO = ContractBillingInformation()
BILLING_POLICY_ID = 1
"""BIL-10 (P-E): billing always prices with pricing policy 1, whatever the farm's policy."""


def _sat128(x: int) -> int:
    return x if x <= U128_MAX else U128_MAX


# --------------------------------------------------------------------------------------------------
# Payment-state helpers (TFChain's ContractPaymentState methods, all saturating)


def settle_overdraft(ps: ContractPaymentState) -> ContractPaymentState:
    """Move both overdrafts fully into their reserves."""
    return ContractPaymentState(
        _sat128(ps.standard_reserve + ps.standard_overdraft),
        _sat128(ps.additional_reserve + ps.additional_overdraft),
        0,
        0,
        ps.last_updated_seconds,
        ps.cycles,
    )


def settle_partial_overdraft(ps: ContractPaymentState, amount: int) -> ContractPaymentState:
    """Move up to `amount` from overdraft into reserve: the additional overdraft first, then standard."""
    add_moved = min(amount, ps.additional_overdraft)
    std_moved = min(amount - add_moved, ps.standard_overdraft)
    return ContractPaymentState(
        _sat128(ps.standard_reserve + std_moved),
        _sat128(ps.additional_reserve + add_moved),
        ps.standard_overdraft - std_moved,
        ps.additional_overdraft - add_moved,
        ps.last_updated_seconds,
        ps.cycles,
    )


# --------------------------------------------------------------------------------------------------
# Amounts due (BIL-13, BIL-32..BIL-39)


def billing_price(tx: Tx) -> int:
    """BIL-36/BIL-42: the TFT price billing converts with: the average clamped to [min, max] (mUSD).
    A price of 0 (TFChain: division by zero, a panic) fails with `TFTPriceValueError`."""
    return _checked_price(tx.tft_price.billing_price())


def _checked_price(price: int) -> int:
    if price <= 0:
        fail(Error.TFTPriceValueError)
    return price


@attrs.frozen(slots=True)
class BillingContext:
    """What every bill of a transaction reads alike: pricing policy 1 (None if missing, BIL-10), its
    `PolicyRates` over the reference period (None if they cannot be computed: the plain formula then
    raises or saturates exactly where it would), the billing price (BIL-36; checked when a cost needs
    it, BIL-42), the existential deposit, `now` and the block number (BIL-11).

    `billing_context` memoizes it in `Tx.memo`, keyed by the identity of the pricing-policy map and the
    TFT price it was read from, so the bills of a block (which change neither) read it once."""

    policies: PMap[int, PricingPolicy]
    tft_price: TftPrice
    policy: PricingPolicy | None
    rates: cost.PolicyRates | None
    price: int
    existential_deposit: int
    now: int
    block: int


def billing_context(tx: Tx) -> BillingContext:
    """The `BillingContext` of `tx`: the memoized one while pricing policies and TFT price are the very
    objects it was read from (config, `now` and the block never change within a transaction)."""
    policies = tx.pricing_policies.current
    tft_price = tx.tft_price
    ctx: BillingContext | None = tx.memo.get("billing")
    if ctx is not None and ctx.policies is policies and ctx.tft_price is tft_price:
        return ctx
    policy = policies.get(BILLING_POLICY_ID)
    rates = None
    if policy is not None:
        try:
            rates = cost.policy_rates(policy, tx.config.billing_reference_period)
        except (OverflowError, ZeroDivisionError):
            rates = None
    ctx = BillingContext(
        policies,
        tft_price,
        policy,
        rates,
        tft_price.billing_price(),
        tx.config.existential_deposit,
        tx.now,
        tx.block,
    )
    tx.memo["billing"] = ctx
    return ctx


def contract_cost_units_usd(
    tx: Tx,
    contract: Contract,
    policy: PricingPolicy,
    node: Node | None,
    secs: int,
    rates: cost.PolicyRates | None = None,
) -> int:
    """BIL-32..BIL-35: the standard cost of `contract` over `secs` seconds, in units USD. `rates`, if
    given, are `policy`'s (`BillingContext.rates`)."""
    ct = contract.contract_type
    period = tx.config.billing_reference_period
    if isinstance(ct, NodeContract):
        info = tx.contract_billing_information_by_id.get(contract.contract_id) or _NO_BILLING_INFO
        if secs == 0:
            # BIL-35: no time has passed. TFChain bills nothing; the NU stays unbilled for the next bill,
            # which prices it at the user's discount. Only a Deleted contract has no next bill: it pays its
            # NU now, at discount level None (P-P, DEV-BIL-4).
            return info.amount_unbilled if isinstance(contract.state, Deleted) else 0
        used = tx.node_contract_resources.get(contract.contract_id)
        bill_resources = ct.node_id not in tx.active_rent_contract_for_node
        return cost.node_cost_units_usd(
            policy,
            _NO_RESOURCES if used is None else used.used,
            ct.public_ips,
            secs,
            bill_resources,
            info.amount_unbilled,
            period,
            rates,
        )
    if secs == 0:
        return 0
    if isinstance(ct, RentContract):
        assert node is not None
        return cost.rent_cost_units_usd(policy, node.resources, secs, period)
    return cost.name_cost_units_usd(policy, secs, period)


def contract_cost_tft(
    tx: Tx,
    contract: Contract,
    policy: PricingPolicy,
    node: Node | None,
    balance: int,
    secs: int,
    certification: NodeCertification,
    ctx: BillingContext | None = None,
) -> tuple[int, DiscountLevel]:
    """BIL-13: TFChain's `calculate_contract_cost_tft`: cost in units USD → TFT → discount/certified.
    `ctx`, if given, is the `BillingContext` of `tx` (for its rates and price)."""
    units = contract_cost_units_usd(tx, contract, policy, node, secs, None if ctx is None else ctx.rates)
    if units == 0:
        return 0, DiscountLevel.None_
    price = billing_price(tx) if ctx is None else _checked_price(ctx.price)
    return cost.cost_tft(units, price, secs, balance, certification)


def extra_fee_tft(tx: Tx, node_id: int, secs: int, ctx: BillingContext | None = None) -> int:
    """BIL-39: the dedicated-node extra fee over `secs`, in TFT (no discount, no certified factor)."""
    fee = tx.dedicated_nodes_extra_fee.get(node_id) or 0
    units = cost.extra_fee_units_usd(fee, secs, tx.config.secs_per_month)
    if units == 0:
        return 0
    price = billing_price(tx) if ctx is None else _checked_price(ctx.price)
    return cost.units_usd_to_tft(units, price)


# --------------------------------------------------------------------------------------------------
# State machine (spec/grace.md GRC-01..GRC-09)


def _set_state(tx: Tx, contract: Contract, state: ContractState) -> Contract:
    from sc4it.contracts.lifecycle import update_contract_state

    return update_contract_state(tx, contract, state)


def synchronize_node_contracts(tx: Tx, rent: Contract, state: ContractState) -> None:
    """GRC-06/GRC-07: a rent contract carries the node contracts active on its node into grace
    (`GracePeriod(b)`) and back (`Created`, skipping any with an overdraft, such as unpaid IP rent).

    P-M (DEV-BIL-7): a node contract whose state does not change (already in grace, so its start is
    kept) gets no event; TFChain emits `ContractGracePeriodStarted` for it anyway."""
    ct = rent.contract_type
    if not isinstance(ct, RentContract):
        return
    ids = tx.active_node_contracts.get(ct.node_id)
    if ids is None:
        return
    for cid in ids.sorted():
        nc = tx.contracts.get(cid)
        if nc is None:
            fail(Error.ContractNotExists)
        if isinstance(state, Created):
            ps = tx.contract_payment_state.get(cid)
            if ps is not None and ps.has_overdraft():
                continue
            if not isinstance(nc.state, GracePeriod):
                continue
            nc = _set_state(tx, nc, state)
            tx.emit(ContractGracePeriodEnded(cid, ct.node_id, nc.twin_id))
        elif isinstance(state, GracePeriod):
            if isinstance(nc.state, GracePeriod):
                continue
            nc = _set_state(tx, nc, state)
            tx.emit(ContractGracePeriodStarted(cid, ct.node_id, nc.twin_id, state.start_block))


def _rent_is_suspended(tx: Tx, contract: Contract) -> bool:
    """GRC-08: a node contract on a node whose rent contract is in grace cannot leave grace by itself."""
    ct = contract.contract_type
    if not isinstance(ct, NodeContract):
        return False
    rent_id = tx.active_rent_contract_for_node.get(ct.node_id)
    if rent_id is None:
        return False
    rent = tx.contracts.get(rent_id)
    return rent is not None and isinstance(rent.state, GracePeriod)


def manage_contract_state(tx: Tx, contract: Contract, sufficient: bool, block: int) -> Contract:
    """GRC-01..GRC-05, TFChain's `manage_contract_state`; returns the contract as it now stands."""
    state = contract.state
    if isinstance(state, GracePeriod):
        if sufficient and not _rent_is_suspended(tx, contract):
            # GRC-01: funds are back: restore (a rent contract restores its node contracts, GRC-07).
            contract = _set_state(tx, contract, Created())
            tx.emit(ContractGracePeriodEnded(contract.contract_id, contract.node_id(), contract.twin_id))
            synchronize_node_contracts(tx, contract, Created())
            return contract
        elapsed = block - state.start_block if block > state.start_block else 0
        if elapsed >= tx.config.grace_period:
            ct = contract.contract_type
            if isinstance(ct, RentContract):
                # GRC-03: a rent contract waits until its node contracts hold no reserve.
                ids = tx.active_node_contracts.get(ct.node_id)
                if ids is not None:
                    for cid in ids.sorted():
                        ps = tx.contract_payment_state.get(cid)
                        if ps is not None and ps.has_reserve():
                            return contract
            # GRC-02: the grace period has elapsed: the contract is deleted (OutOfFunds).
            tx.emit(ContractGracePeriodElapsed(contract.contract_id, elapsed))
            return _set_state(tx, contract, Deleted(Cause.OutOfFunds))
        return contract
    if isinstance(state, Created) and not sufficient:
        # GRC-04: enter grace at this block (a rent contract takes its node contracts along, GRC-06).
        contract = _set_state(tx, contract, GracePeriod(block))
        tx.emit(ContractGracePeriodStarted(contract.contract_id, contract.node_id(), contract.twin_id, block))
        synchronize_node_contracts(tx, contract, GracePeriod(block))
    return contract


# --------------------------------------------------------------------------------------------------
# bill_contract (BIL-10..BIL-20)


def bill_contract(tx: Tx, contract_id: int) -> None:
    """BIL-10..BIL-20: bill `contract_id` for the time since its last bill (see module docstring)."""
    ctx = billing_context(tx)
    # BIL-10: load everything; each missing record fails the bill.
    contract = tx.contracts.get(contract_id)
    if contract is None:
        fail(Error.ContractNotExists)
    twin = tx.twins.get(contract.twin_id)
    if twin is None:
        fail(Error.TwinNotExists)
    policy = ctx.policy
    if policy is None:
        fail(Error.PricingPolicyNotExists)
    ct = contract.contract_type
    node: Node | None = None
    farmer_account: bytes | None = None
    certification = NodeCertification.Diy
    if not isinstance(ct, NameContract):
        node = tx.nodes.get(ct.node_id)
        if node is None:
            fail(Error.NodeNotExists)
        farm = tx.farms.get(node.farm_id)
        if farm is None:
            fail(Error.FarmNotExists)
        farmer = tx.twins.get(farm.twin_id)
        if farmer is None:
            fail(Error.TwinNotExists)
        farmer_account = farmer.account_id
        certification = node.certification
    ps = tx.contract_payment_state.get(contract_id)
    if ps is None:
        fail(Error.ContractPaymentStateNotExists)

    # BIL-11: balances and elapsed time.
    ed = ctx.existential_deposit
    account = twin.account_id
    info = ledger.account(tx, account)
    usable = ledger.usable_balance(info, ed)
    stash = tx.twin_bounded_account_id.get(twin.id)
    total = usable if stash is None else usable + ledger.usable_balance(ledger.account(tx, stash), ed)
    now = ctx.now
    secs = now - ps.last_updated_seconds if now > ps.last_updated_seconds else 0

    # BIL-12, OPT-30..OPT-32: a node or rent contract on an opted-out node pays nothing, and a Created
    # one is not billed at all (nothing written, no event).
    opted_out = node is not None and node.id in tx.node_v3_billing_opt_out
    if opted_out and isinstance(contract.state, Created):  # OPT-31
        return
    # BIL-12: a rent contract on a standby node pays nothing.
    standby = isinstance(ct, RentContract) and (tx.node_power.get(ct.node_id) or _POWER_UP).is_standby()
    if standby:
        tx.emit(RentWaived(contract_id))
        if isinstance(contract.state, Created):
            return

    # BIL-13: amounts due.
    if standby or opted_out:  # OPT-32
        std_due, level = 0, DiscountLevel.None_
        add_due = 0
    else:
        std_due, level = contract_cost_tft(tx, contract, policy, node, total, secs, certification, ctx)
        add_due = extra_fee_tft(tx, ct.node_id, secs, ctx) if isinstance(ct, RentContract) else 0
    due = std_due + add_due

    # BIL-14: nothing due, no debt, not being deleted: nothing is written (the time keeps accruing).
    deleted = isinstance(contract.state, Deleted)
    if due == 0 and not ps.has_overdraft() and not deleted:
        return

    # BIL-15: what to reserve now is this cycle's due plus all earlier overdraft (`info` is still the
    # account as read in BIL-11: nothing has been written since).
    std_to_reserve = std_due + ps.standard_overdraft
    add_to_reserve = add_due + ps.additional_overdraft
    to_reserve = std_to_reserve + add_to_reserve
    sufficient = ledger.can_reserve(info, to_reserve, ed)

    # BIL-16: state transitions (spec/grace.md).
    contract = manage_contract_state(tx, contract, sufficient, ctx.block)
    removed = isinstance(contract.state, Deleted)
    # BIL-20's clock: a contract that stays advances to `now` (stamped here, with the reserve, to build
    # one payment state instead of two); a removed one keeps its time.
    stamp = ps.last_updated_seconds if removed else now

    if sufficient:
        # BIL-17: reserve everything; the overdraft is settled.
        ledger.reserve(tx, account, to_reserve)
        if ps.has_overdraft():
            ps = settle_overdraft(ps)
        ps = ContractPaymentState(
            _sat128(ps.standard_reserve + std_due),
            _sat128(ps.additional_reserve + add_due),
            ps.standard_overdraft,
            ps.additional_overdraft,
            stamp,
            ps.cycles,
        )
        tx.emit(ContractBilled(ContractBill(contract_id, now, level, to_reserve)))
    else:
        # BIL-18: reserve all the twin can; the rest of this cycle's due joins the overdraft.
        ps = ContractPaymentState(
            ps.standard_reserve,
            ps.additional_reserve,
            _sat128(ps.standard_overdraft + std_due),
            _sat128(ps.additional_overdraft + add_due),
            stamp,
            ps.cycles,
        )
        ledger.reserve(tx, account, usable)
        ps = settle_partial_overdraft(ps, usable)
        tx.emit(ContractPaymentOverdrawn(contract_id, now, usable, due - usable if due > usable else 0))

    # BIL-19: distribution (spec/distribution.md).
    ps = remit_funds(tx, contract, ps, account, farmer_account, policy)
    tx.contract_payment_state[contract_id] = ps

    # BIL-20: a Deleted contract is removed (its remaining overdraft is forgiven, GRC-09); otherwise the
    # NU accumulator is cleared and the clock advances (`stamp`, above).
    if removed:
        from sc4it.contracts.lifecycle import remove_contract

        remove_contract(tx, contract_id)
        return
    if isinstance(ct, NodeContract) and secs > 0:  # BIL-20/BIL-35: NU not billed (secs == 0) waits
        billing = tx.contract_billing_information_by_id.get(contract_id)
        if billing is None or billing.amount_unbilled != 0:  # (writing an equal record back is skipped)
            billing = billing or _NO_BILLING_INFO
            tx.contract_billing_information_by_id[contract_id] = ContractBillingInformation(
                billing.previous_nu_reported, billing.last_updated, 0
            )
