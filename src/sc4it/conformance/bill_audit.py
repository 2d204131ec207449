"""The bill audit of `check_step` (spec/invariants.md INV-24, INV-25): the exact rational cost of a bill,
with an error bound for TFChain's roundings, computed independently of billing's own formulas."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction

import attrs

from sc4it.conformance.violation import Violation
from sc4it.conformance.violation import contract_label as _c
from sc4it.kernel.events import ContractBilled, ContractPaymentOverdrawn, Event, RentWaived
from sc4it.kernel.schema import U64_MAX
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv
from sc4it.kernel.types import (
    Contract,
    ContractBillingInformation,
    DiscountLevel,
    NameContract,
    NodeCertification,
    NodeContract,
    PricingPolicy,
    RentContract,
    Resources,
)

__all__ = ["Estimate", "check_bills", "expected_bill"]

# --------------------------------------------------------------------------------------------------
# Bill audit (INV-24, INV-25): exact rational cost with an error bound for TFChain's roundings

_HALF = Fraction(1, 2)
_SLACK = Fraction(1, 1 << 20)
"""Absolute allowance per stage for the U64F64 truncations (each at most 2^-64 times the magnitudes
involved, far below this for every value the audit accepts)."""
_AUDIT_LIMIT = 1 << 62
"""Bills whose exact cost in units USD or TFT exceeds this are not audited (BIL-40 saturates them)."""
_MULTIPLIER = {
    DiscountLevel.None_: Fraction(1),
    DiscountLevel.Default: Fraction(4, 5),
    DiscountLevel.Bronze: Fraction(7, 10),
    DiscountLevel.Silver: Fraction(3, 5),
    DiscountLevel.Gold: Fraction(2, 5),
}
_NO_INFO = ContractBillingInformation()


@attrs.frozen(slots=True)
class Estimate:
    """An amount known up to rounding: the true value is within `exact ± tolerance`."""

    exact: Fraction
    tolerance: Fraction

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.exact + other.exact, self.tolerance + other.tolerance)

    def admits(self, value: int) -> bool:
        return abs(value - self.exact) <= self.tolerance

    def scaled(self, factor: Fraction) -> Estimate:
        return Estimate(self.exact * factor, self.tolerance * factor)

    def rounded(self) -> Estimate:
        """After a round-to-nearest (and truncation slack)."""
        return Estimate(self.exact, self.tolerance + _HALF + _SLACK + self.exact / (1 << 40))


_ZERO = Estimate(Fraction(0), Fraction(0))


_U64 = Fraction(1 << 64)
_STAGE_SLACK = Fraction(1, 1 << 40)
"""Relative allowance when comparing an exact stage with 2^64: the core's truncated U64F64 value may sit
just below a boundary the exact value reaches."""


def _stage(value: Fraction, stages: list[Fraction]) -> Fraction:
    """Record one intermediate of a U64F64 formula (BIL-40: any of them at or above 2^64 saturates)."""
    stages.append(value)
    return value


def _saturation(stages: list[Fraction]) -> bool | None:
    """BIL-40 in the model: True when some stage is past 2^64 (the core returns u64::MAX), False when
    every stage is clearly below, None when one is within the truncation slack of the boundary."""
    top = max(stages, default=Fraction(0))
    if top >= _U64 * (1 + _STAGE_SLACK):
        return True
    if top >= _U64 * (1 - _STAGE_SLACK):
        return None
    return False


def _resources_units(
    policy: PricingPolicy, r: Resources, ips: int, secs: int, bill: bool, period: int, stages: list[Fraction]
) -> Fraction:
    """BIL-30 in exact rationals (no truncation); each U64F64 intermediate goes to `stages`."""
    total = Fraction(0)
    if bill:
        f_su = policy.su.unit.factor_base_1024()
        h, s_ = Fraction(r.hru, f_su), Fraction(r.sru, f_su)
        m, c = Fraction(r.mru, policy.cu.unit.factor_base_1024()), Fraction(r.cru)
        su = h / 1200 + s_ / 200
        cu = min(max(m / 4, c / 2), max(m / 8, c), max(m / 2, c / 4))
        su_cost = _stage(_stage(Fraction(policy.su.value, period) * secs, stages) * su, stages)
        cu_cost = _stage(_stage(Fraction(policy.cu.value, period) * secs, stages) * cu, stages)
        total = _stage(su_cost + cu_cost, stages)
    if ips > 0:
        ip_rate = _stage(ips * Fraction(policy.ipu.value, period), stages)
        total = _stage(total + _stage(ip_rate * secs, stages), stages)
    return total


def _u64_estimate(exact: Fraction, stages: list[Fraction]) -> Estimate | None:
    """A round-to-nearest u64 result of a formula whose intermediates are `stages`: u64::MAX when one
    saturates (BIL-40), None when that cannot be told."""
    saturated = _saturation([*stages, exact])
    if saturated is None:
        return None
    if saturated:
        return Estimate(Fraction(U64_MAX), Fraction(0))
    return Estimate(exact, Fraction(0)).rounded()


def _to_tft(units: Estimate, price: int) -> Estimate | None:
    """BIL-36: units USD -> TFT units, `(units / (price · 10^4)) × 10^7`, saturating (BIL-40)."""
    if units.exact == 0:
        return _ZERO
    tft = units.scaled(Fraction(10_000_000, price * 10_000))
    saturated = _saturation([tft.exact + tft.tolerance])
    if saturated is None:
        return None
    return Estimate(Fraction(U64_MAX), Fraction(0)) if saturated else tft.rounded()


def expected_bill(
    state: State, contract: Contract, now: int, *, level: DiscountLevel, waived: bool = False
) -> Estimate | None:
    """INV-25: what billing `contract` at `now` (seconds) in `state` must charge in TFT units (this
    cycle's standard plus additional due, overdraft excluded), as an exact rational with the error bound
    TFChain's roundings allow: each round-to-nearest adds ½ unit (and Percent's ½), scaled by the later
    conversions (×10^7/price to TFT, × the discount multiplier, ×1.25 Certified). Every stage saturates at
    u64::MAX exactly where BIL-40 says the core's does. None when the amount is too large to audit, a stage
    sits on the saturation boundary, or the inputs are missing."""
    policy = state.pricing_policies.get(1)
    ps = state.contract_payment_state.get(contract.contract_id)
    if policy is None or ps is None:
        return None
    price = state.tft_price.billing_price()
    if price <= 0:
        return None
    secs = now - ps.last_updated_seconds if now > ps.last_updated_seconds else 0
    ct = contract.contract_type
    node = None if isinstance(ct, NameContract) else state.nodes.get(ct.node_id)
    if node is None and not isinstance(ct, NameContract):
        return None
    if waived or (node is not None and node.id in state.node_v3_billing_opt_out):  # BIL-12, OPT-32
        return _ZERO
    units = _standard_units(state, contract, policy, secs)
    std = None if units is None else _to_tft(units, price)
    if std is None:
        return None
    certified = node is not None and node.certification == NodeCertification.Certified
    factor = _MULTIPLIER[level] * (Fraction(5, 4) if certified else 1)
    discounted = std.scaled(factor)
    saturated = _saturation([discounted.exact + discounted.tolerance])
    if saturated is None:
        return None
    std = Estimate(Fraction(U64_MAX), Fraction(0)) if saturated else discounted.rounded()
    add = _extra_fee(state, ct, secs, price)  # rent contracts: the dedicated-node extra fee, no discount
    if add is None:
        return None
    total = std + add
    return None if total.exact > _AUDIT_LIMIT else total


def _standard_units(state: State, contract: Contract, policy: PricingPolicy, secs: int) -> Estimate | None:
    """BIL-32..BIL-34: this cycle's standard cost in units USD (saturating, BIL-40)."""
    ct = contract.contract_type
    period = state.config.billing_reference_period
    stages: list[Fraction] = []
    if isinstance(ct, NodeContract):
        info = state.contract_billing_information_by_id.get(contract.contract_id) or _NO_INFO
        unbilled = Estimate(Fraction(info.amount_unbilled), Fraction(0))
        if secs == 0:
            return unbilled
        used = state.node_contract_resources.get(contract.contract_id)
        bill_res = ct.node_id not in state.active_rent_contract_for_node
        res = _resources_units(
            policy, used.used if used else Resources(), ct.public_ips, secs, bill_res, period, stages
        )
        cost = _u64_estimate(res, stages)
        if cost is None:
            return None
        total = cost + unbilled  # a u64 sum, saturated (BIL-32)
        return Estimate(Fraction(U64_MAX), Fraction(0)) if total.exact - total.tolerance > U64_MAX else total
    if secs == 0:
        return _ZERO
    if isinstance(ct, RentContract):
        node = state.nodes[ct.node_id]
        full = _u64_estimate(_resources_units(policy, node.resources, 0, secs, True, period, stages), stages)
        share = Fraction(min(policy.discount_for_dedication_nodes, 100), 100)
        return None if full is None else full.scaled(share).rounded()
    rate = _stage(Fraction(policy.unique_name.value, period), stages)
    return _u64_estimate(rate * secs, stages)


def _extra_fee(state: State, ct: object, secs: int, price: int) -> Estimate | None:
    """BIL-39: the dedicated-node extra fee of a rent contract in TFT units; the product
    `fee · 10^4 · secs` is a u64 in TFChain, saturated (BIL-40)."""
    if not isinstance(ct, RentContract) or not secs:
        return _ZERO
    fee = state.dedicated_nodes_extra_fee.get(ct.node_id) or 0
    if not fee:
        return _ZERO
    product = fee * 10_000 * secs
    if product > U64_MAX:
        units = Estimate(Fraction(U64_MAX), Fraction(0))
    else:
        units = Estimate(Fraction(product, state.config.secs_per_month), Fraction(0)).rounded()
    return _to_tft(units, price)


def check_bills(before: State, events: Sequence[Event], env: BlockEnv, out: list[Violation]) -> None:
    """INV-24: at most one bill (`ContractBilled` or `ContractPaymentOverdrawn`) per contract per step.
    INV-25: each bill of a contract that existed before the step charges `expected_bill` (this cycle's due
    = the billed amount minus the overdraft the contract carried in)."""
    counts: Counter[int] = Counter()
    waived = {e.contract_id for e in events if isinstance(e, RentWaived)}
    now = env.timestamp // 1000
    for e in events:
        if isinstance(e, ContractBilled):
            cid = e.contract_bill.contract_id
        elif isinstance(e, ContractPaymentOverdrawn):
            cid = e.contract_id
        else:
            continue
        counts[cid] += 1
        if counts[cid] == 2:
            out.append(Violation("INV-24", "contract billed more than once in one step", (_c(cid),)))
        if counts[cid] > 1:
            continue
        contract = before.contracts.get(cid)
        ps = before.contract_payment_state.get(cid)
        if contract is None or ps is None:
            continue
        carried = ps.get_overdraft()
        if isinstance(e, ContractBilled):
            due = e.contract_bill.amount_billed - carried
            levels: Iterable[DiscountLevel] = (e.contract_bill.discount_level,)
        else:
            if e.overdraft == 0:
                continue  # the due is not recoverable from the event (usable covered it)
            due = e.partially_billed_amount + e.overdraft
            levels = tuple(DiscountLevel)
        estimates = [expected_bill(before, contract, now, level=lv, waived=cid in waived) for lv in levels]
        if any(est is None for est in estimates):
            continue
        if not any(est is not None and est.admits(due) for est in estimates):
            est = estimates[0]
            assert est is not None
            out.append(
                Violation(
                    "INV-25",
                    f"charged {due} for this cycle; the exact cost is {float(est.exact):.3f} "
                    f"± {float(est.tolerance):.3f}",
                    (_c(cid),),
                )
            )
