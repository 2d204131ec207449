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
from sc4it.contracts.billing.grace import manage_contract_state
from sc4it.contracts.billing.settlement import remove_contract
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import (
    ContractBilled,
    ContractPaymentOverdrawn,
    RentWaived,
)
from sc4it.kernel.fixed import U128_MAX
from sc4it.kernel.plain import plain_records
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    AccountInfo,
    Contract,
    ContractBill,
    ContractBillingInformation,
    ContractPaymentState,
    Created,
    Deleted,
    DiscountLevel,
    NameContract,
    Node,
    NodeCertification,
    NodeContract,
    PricingPolicy,
    RentContract,
    Resources,
)
from sc4it.reads import node_power

_NO_RESOURCES = Resources()
_NO_BILLING_INFO = ContractBillingInformation()
BILLING_POLICY_ID = 1
"""BIL-10 (P-E): billing always prices with pricing policy 1, whatever the farm's policy."""


def _sat128(x: int) -> int:
    return x if x <= U128_MAX else U128_MAX


# --------------------------------------------------------------------------------------------------
# Payment-state helpers (TFChain's ContractPaymentState methods, all saturating)


def settle_overdraft(ps: ContractPaymentState) -> ContractPaymentState:
    """Move both overdrafts fully into their reserves."""
    return ps.with_amounts(
        _sat128(ps.standard_reserve + ps.standard_overdraft),
        _sat128(ps.additional_reserve + ps.additional_overdraft),
        0,
        0,
        ps.last_updated_seconds,
    )


def settle_partial_overdraft(ps: ContractPaymentState, amount: int) -> ContractPaymentState:
    """Move up to `amount` from overdraft into reserve: the additional overdraft first, then standard."""
    add_moved = min(amount, ps.additional_overdraft)
    std_moved = min(amount - add_moved, ps.standard_overdraft)
    return ps.with_amounts(
        _sat128(ps.standard_reserve + std_moved),
        _sat128(ps.additional_reserve + add_moved),
        ps.standard_overdraft - std_moved,
        ps.additional_overdraft - add_moved,
        ps.last_updated_seconds,
    )


# --------------------------------------------------------------------------------------------------
# Amounts due (BIL-13, BIL-32..BIL-39)


@attrs.frozen(slots=True, weakref_slot=False)
class Pricing:
    """BIL-10/BIL-11: what every bill of one block or one call reads alike, built once by `pricing_of`
    and passed to each bill: pricing policy 1 (None if missing: a bill then fails, BIL-10) as its
    `PolicyRates`, the billing price (BIL-36; checked when a cost needs it, BIL-42), the existential
    deposit, `now` and the block number. Nothing a bill writes changes any of them."""

    policy: PricingPolicy | None
    rates: cost.PolicyRates | None
    price_musd: int
    existential_deposit: int
    now: int
    block: int


def pricing_of(tx: Tx) -> Pricing:
    """The `Pricing` of the block or call `tx` runs."""
    policy = tx.pricing_policies.get(BILLING_POLICY_ID)
    rates = None if policy is None else cost.policy_rates(policy, tx.config.billing_reference_period)
    return Pricing(
        policy=policy,
        rates=rates,
        price_musd=tx.tft_price.billing_price(),
        existential_deposit=tx.config.existential_deposit,
        now=tx.now,
        block=tx.block,
    )


def _checked_price(pricing: Pricing) -> int:
    """BIL-36/BIL-42: the TFT price billing converts with: the average clamped to [min, max] (mUSD).
    A price of 0 (TFChain: division by zero, a panic) fails with `TFTPriceValueError`."""
    if pricing.price_musd <= 0:
        fail(Error.TFTPriceValueError)
    return pricing.price_musd


def contract_cost_units_usd(
    tx: Tx, contract: Contract, rates: cost.PolicyRates, node: Node | None, secs: int
) -> int:
    """BIL-32..BIL-35: the standard cost of `contract` over `secs` seconds, in units USD."""
    ct = contract.contract_type
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
            rates,
            _NO_RESOURCES if used is None else used.used,
            ct.public_ips,
            secs,
            bill_resources,
            info.amount_unbilled,
        )
    if secs == 0:
        return 0
    if isinstance(ct, RentContract):
        assert node is not None, "a rent contract's node is loaded by BIL-10"
        return cost.rent_cost_units_usd(rates, node.resources, secs)
    return cost.name_cost_units_usd(rates, secs)


def contract_cost_tft(
    tx: Tx,
    contract: Contract,
    pricing: Pricing,
    node: Node | None,
    balance: int,
    secs: int,
    certification: NodeCertification,
) -> tuple[int, DiscountLevel]:
    """BIL-13: TFChain's `calculate_contract_cost_tft`: cost in units USD → TFT → discount/certified."""
    assert pricing.rates is not None, "pricing policy 1 is checked by BIL-10"
    units = contract_cost_units_usd(tx, contract, pricing.rates, node, secs)
    if units == 0:
        return 0, DiscountLevel.None_
    return cost.cost_tft(units, _checked_price(pricing), secs, balance, certification)


def extra_fee_tft(tx: Tx, node_id: int, secs: int, pricing: Pricing) -> int:
    """BIL-39: the dedicated-node extra fee over `secs`, in TFT (no discount, no certified factor)."""
    fee = tx.dedicated_nodes_extra_fee.get(node_id) or 0
    units = cost.extra_fee_units_usd(fee, secs, tx.config.secs_per_month)
    if units == 0:
        return 0
    return cost.units_usd_to_tft(units, _checked_price(pricing))


# --------------------------------------------------------------------------------------------------
# bill_contract (BIL-10..BIL-20)


class _Bill:
    """What BIL-10 and BIL-11 load for one bill; the later steps read it. A plain slots class without
    `__init__`, filled by `load_bill` (cheap: one per contract billed)."""

    __slots__ = (
        "account",
        "certification",
        "contract",
        "farmer_account",
        "info",
        "node",
        "policy",
        "ps",
        "secs",
        "total",
        "usable",
    )

    contract: Contract
    policy: PricingPolicy
    node: Node | None
    farmer_account: bytes | None
    certification: NodeCertification
    ps: ContractPaymentState
    account: bytes
    info: AccountInfo
    usable: int
    total: int
    secs: int


def bill_contract(tx: Tx, contract_id: int, pricing: Pricing) -> None:
    """BIL-10..BIL-20: bill `contract_id` for the time since its last bill; `pricing` is `pricing_of(tx)`."""
    bill = load_bill(tx, contract_id, pricing)  # BIL-10, BIL-11
    dues = amounts_due(tx, bill, pricing)  # BIL-12, BIL-13
    if dues is None:
        return  # BIL-12: a waived rent contract in Created
    std_due, add_due, level = dues
    if (
        std_due + add_due == 0
        and not bill.ps.has_overdraft()
        and not isinstance(bill.contract.state, Deleted)
    ):
        return  # BIL-14: nothing due, no debt, not being deleted: nothing is written (time keeps accruing)
    contract, ps = reserve_due(tx, bill, pricing, std_due, add_due, level)  # BIL-15..BIL-18
    ps = remit_funds(tx, contract, ps, bill.account, bill.farmer_account, bill.policy)  # BIL-19
    tx.contract_payment_state[contract_id] = ps
    finish_bill(tx, contract, bill.secs)  # BIL-20


def load_bill(tx: Tx, contract_id: int, pricing: Pricing) -> _Bill:
    """BIL-10: load everything (each missing record fails the bill); BIL-11: balances and elapsed time."""
    contract = tx.contracts.get(contract_id)
    if contract is None:
        fail(Error.ContractNotExists)
    twin = tx.twins.get(contract.twin_id)
    if twin is None:
        fail(Error.TwinNotExists)
    policy = pricing.policy
    if policy is None:
        fail(Error.PricingPolicyNotExists)
    ct = contract.contract_type
    node: Node | None = None
    farmer_account: bytes | None = None
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
    ps = tx.contract_payment_state.get(contract_id)
    if ps is None:
        fail(Error.ContractPaymentStateNotExists)
    ed = pricing.existential_deposit
    account = twin.account_id
    info = ledger.account(tx, account)
    usable = ledger.usable_balance(info, ed)
    stash = tx.twin_bounded_account_id.get(twin.id)
    total = usable if stash is None else usable + ledger.usable_balance(ledger.account(tx, stash), ed)
    now = pricing.now
    bill = _Bill()
    bill.contract = contract
    bill.policy = policy
    bill.node = node
    bill.farmer_account = farmer_account
    bill.certification = NodeCertification.Diy if node is None else node.certification
    bill.ps = ps
    bill.account = account
    bill.info = info
    bill.usable = usable
    bill.total = total
    bill.secs = now - ps.last_updated_seconds if now > ps.last_updated_seconds else 0
    return bill


def amounts_due(tx: Tx, bill: _Bill, pricing: Pricing) -> tuple[int, int, DiscountLevel] | None:
    """BIL-12, OPT-30..OPT-32: a contract on an opted-out node or a rent contract on a standby node pays
    nothing (None: not billed at all while Created); BIL-13: the standard amount due at the user's discount
    and the extra fee, in TFT."""
    contract = bill.contract
    ct = contract.contract_type
    node = bill.node
    opted_out = node is not None and node.id in tx.node_v3_billing_opt_out  # OPT-30
    if opted_out and isinstance(contract.state, Created):  # OPT-31: not billed at all, nothing written
        return None
    standby = isinstance(ct, RentContract) and node_power(tx, ct.node_id).is_standby()
    if standby:  # BIL-12
        tx.emit(RentWaived(contract.contract_id))
        if isinstance(contract.state, Created):
            return None
    if standby or opted_out:  # BIL-12, OPT-32: pays nothing
        return 0, 0, DiscountLevel.None_
    secs = bill.secs
    std_due, level = contract_cost_tft(tx, contract, pricing, node, bill.total, secs, bill.certification)
    add_due = extra_fee_tft(tx, ct.node_id, secs, pricing) if isinstance(ct, RentContract) else 0
    return std_due, add_due, level


def reserve_due(
    tx: Tx, bill: _Bill, pricing: Pricing, std_due: int, add_due: int, level: DiscountLevel
) -> tuple[Contract, ContractPaymentState]:
    """BIL-15: reserve this cycle's due plus all earlier overdraft if the twin can (`bill.info` is still
    the account as BIL-11 read it); BIL-16: the state transitions (spec/grace.md); BIL-17: reserve it all
    and settle the overdraft; BIL-18: else reserve all the twin can, the rest joins the overdraft.
    Returns the contract as it now stands and its new payment state."""
    ps, account = bill.ps, bill.account
    due = std_due + add_due
    to_reserve = due + ps.standard_overdraft + ps.additional_overdraft
    sufficient = ledger.can_reserve(bill.info, to_reserve, pricing.existential_deposit)
    contract = manage_contract_state(tx, bill.contract, sufficient, pricing.block)
    # BIL-20's clock: a contract that stays advances to `now` (stamped here, with the reserve, to build
    # one payment state instead of two); a removed one keeps its time.
    stamp = ps.last_updated_seconds if isinstance(contract.state, Deleted) else pricing.now
    if sufficient:
        ledger.reserve(tx, account, to_reserve)
        if ps.has_overdraft():
            ps = settle_overdraft(ps)
        ps = ps.with_amounts(
            _sat128(ps.standard_reserve + std_due),
            _sat128(ps.additional_reserve + add_due),
            ps.standard_overdraft,
            ps.additional_overdraft,
            stamp,
        )
        tx.emit(ContractBilled(ContractBill(contract.contract_id, pricing.now, level, to_reserve)))
        return contract, ps
    usable = bill.usable
    ps = ps.with_amounts(
        ps.standard_reserve,
        ps.additional_reserve,
        _sat128(ps.standard_overdraft + std_due),
        _sat128(ps.additional_overdraft + add_due),
        stamp,
    )
    ledger.reserve(tx, account, usable)
    ps = settle_partial_overdraft(ps, usable)
    forgiven = due - usable if due > usable else 0
    tx.emit(ContractPaymentOverdrawn(contract.contract_id, pricing.now, usable, forgiven))
    return contract, ps


def finish_bill(tx: Tx, contract: Contract, secs: int) -> None:
    """BIL-20: a Deleted contract is removed (its remaining overdraft is forgiven, GRC-09); otherwise the
    NU accumulator is cleared (the clock advanced with the reserve, BIL-17/BIL-18). NU not billed because
    no second elapsed waits for the next bill (BIL-35)."""
    contract_id = contract.contract_id
    if isinstance(contract.state, Deleted):
        remove_contract(tx, contract_id)
        return
    if isinstance(contract.contract_type, NodeContract) and secs > 0:
        billing = tx.contract_billing_information_by_id.get(contract_id)
        if billing is None or billing.amount_unbilled != 0:  # (writing an equal record back is skipped)
            billing = billing or _NO_BILLING_INFO
            tx.contract_billing_information_by_id[contract_id] = billing.with_amount_unbilled(0)


plain_records(globals())  # Pricing built with plain stores (sc4it.kernel.plain)
