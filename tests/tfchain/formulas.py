"""TFChain's billing formulas, written out independently of `sc4it.contracts.billing` so the ported
tests derive every amount they assert (spec/tfchain.md, §4.9; spec/billing.md BIL-30..BIL-39).

Only the U64F64 primitive of `sc4it.kernel.fixed` is used (its `*` and `/` truncate like substrate-fixed,
FX-03..FX-05;
`round()` ties up, FX-07; `to_u64()` truncates, FX-08). Each function follows TFChain's `cost.rs`
(commit 33046d68) operation by operation, with the test-mock pricing policy "policy_1"; the [R24] change
(node certification ×1.25, #991) is the `certified` flag of `discount`.
"""

from __future__ import annotations

from sc4it.kernel.fixed import U64F64
from sc4it.kernel.types import DiscountLevel, Resources

from .mock import NODE_RESOURCES

SU_VALUE = 194_400
CU_VALUE = 305_600
NU_VALUE = 50_000
IPU_VALUE = 69_400
UNIQUE_NAME_VALUE = 13_900
DISCOUNT_FOR_DEDICATION_NODES = 50
"""The mock's policy_1 (mUSD per hour, all Gigabytes)."""

REF = 3600
"""BillingReferencePeriod (s)."""
SECS_PER_MONTH = 30 * 24 * 3600
GB_1024 = 1024**3
"""`Unit::Gigabytes.factor_base_1024()` (su, cu)."""
GB_1000 = 1000**3
"""`Unit::Gigabytes.factor_base_1000()` (nu)."""
TFT_PRICE = 50
"""mUSD, after `set_prices(50)`; `min(max(avg, 10), 1000)` = 50."""


def fx(n: int) -> U64F64:
    """`U64F64::from_num(n)` (exact)."""
    return U64F64.from_int(n)


def fx_f64(literal: str) -> U64F64:
    """`U64F64::from_num(<f64 literal>)`."""
    return U64F64.from_f64_literal_text(literal)


def cu(cru: U64F64, mru: U64F64) -> U64F64:
    """cost.rs `calculate_cu`: min(max(mru/4, cru/2), max(mru/8, cru), max(mru/2, cru/4))."""
    return min(max(mru / 4, cru / 2), max(mru / 8, cru), max(mru / 2, cru / 4))


def resources_cost_units(r: Resources, ips: int, secs: int, bill_resources: bool = True) -> int:
    """cost.rs `calculate_resources_cost_units_usd` (units USD; 1 mUSD = 10^4 units)."""
    total = fx(0)
    if bill_resources:
        hru = fx(r.hru) / GB_1024
        sru = fx(r.sru) / GB_1024
        mru = fx(r.mru) / GB_1024
        cru = fx(r.cru)
        su = hru / 1200 + sru / 200
        su_cost = (fx(SU_VALUE) / fx(REF)) * fx(secs) * su
        cu_cost = (fx(CU_VALUE) / fx(REF)) * fx(secs) * cu(cru, mru)
        total = su_cost + cu_cost
    if ips > 0:
        total = total + fx(ips) * (fx(IPU_VALUE) / fx(REF)) * fx(secs)
    return total.round().to_u64()


def percent_of(percent: int, n: int) -> int:
    """`Percent::from_percent(p) * n` and `Perbill::from_percent(p) * n`: n·p/100 to the nearest
    integer, ties rounded down (sp-arithmetic `NearestPrefDown`)."""
    q, r = divmod(n * percent, 100)
    return q + (1 if 2 * r > 100 else 0)


def rent_cost_units(secs: int) -> int:
    """cost.rs, RentContract: `Percent(discount_for_dedication_nodes) · resources(node, 0 IPs)`."""
    return percent_of(DISCOUNT_FOR_DEDICATION_NODES, resources_cost_units(NODE_RESOURCES, 0, secs))


def name_cost_units(secs: int) -> int:
    """cost.rs, NameContract: round((unique_name / REF) · secs)."""
    return ((fx(UNIQUE_NAME_VALUE) / fx(REF)) * fx(secs)).round().to_u64()


def nu_cost_units(nru: int, window: int) -> int:
    """cost.rs `calculate_report_cost_units_usd`: round((nru / 10^9) · (nu / REF) · window)."""
    return ((fx(nru) / GB_1000) * (fx(NU_VALUE) / fx(REF)) * fx(window)).round().to_u64()


def extra_fee_units(fee_musd_per_month: int, secs: int) -> int:
    """cost.rs `calculate_extra_fee_cost_units_usd`: round(FX(fee·10^4·secs) / FX(SECS_PER_MONTH))."""
    if fee_musd_per_month == 0:
        return 0
    return (fx(fee_musd_per_month * 10_000 * secs) / fx(SECS_PER_MONTH)).round().to_u64()


def to_tft(units: int, price_musd: int = TFT_PRICE) -> int:
    """cost.rs `calculate_cost_in_tft_from_units_usd`: round((units / (price·10^4)) · 10^7)."""
    if units == 0:
        return 0
    return ((fx(units) / fx(price_musd * 10_000)) * fx(10**7)).round().to_u64()


MULTIPLIER: dict[DiscountLevel, U64F64] = {
    DiscountLevel.None_: fx(1),
    DiscountLevel.Default: fx_f64("0.8"),
    DiscountLevel.Bronze: fx_f64("0.7"),
    DiscountLevel.Silver: fx_f64("0.6"),
    DiscountLevel.Gold: fx_f64("0.4"),
}
"""`DiscountLevel::price_multiplier()` (f64 literals)."""


def discount_level_for(amount: int, secs: int, balance: int) -> DiscountLevel:
    """cost.rs `calculate_discount_tft`, the level: months of autonomy of `balance` at this rate."""
    hourly = fx(amount) * fx(3600) / fx(secs)
    monthly = (hourly * 24 * 30).round().to_u64()
    level = fx(balance) / fx(monthly)
    if level >= fx(18):
        return DiscountLevel.Gold
    if level >= fx(6):
        return DiscountLevel.Silver
    if level >= fx(3):
        return DiscountLevel.Bronze
    if level >= fx_f64("1.5"):
        return DiscountLevel.Default
    return DiscountLevel.None_


def discount(amount: int, secs: int, balance: int, certified: bool = False) -> tuple[int, DiscountLevel]:
    """cost.rs `calculate_discount_tft`: (round(amount · multiplier [· 1.25 if certified]), level)."""
    if amount == 0:
        return 0, DiscountLevel.None_
    level = discount_level_for(amount, secs, balance)
    x = fx(amount) * MULTIPLIER[level]
    if certified:
        x = x * fx_f64("1.25")
    return x.round().to_u64(), level


NO_RESOURCES = Resources()
"""A node contract without a resource report."""


def node_contract_due(
    secs: int,
    balance: int,
    *,
    resources: Resources = NO_RESOURCES,
    ips: int = 0,
    unbilled: int = 0,
    rented: bool = False,
) -> tuple[int, DiscountLevel]:
    """`calculate_contract_cost_tft` of a node contract on the mock node: resources (not on a rented
    node) + IPs + unbilled NU, to TFT, discounted by the twin's usable `balance`."""
    if secs == 0:
        return 0, DiscountLevel.None_
    units = resources_cost_units(resources, ips, secs, not rented) + unbilled
    return discount(to_tft(units), secs, balance)


def rent_contract_due(secs: int, balance: int) -> tuple[int, DiscountLevel]:
    if secs == 0:
        return 0, DiscountLevel.None_
    return discount(to_tft(rent_cost_units(secs)), secs, balance)


def name_contract_due(secs: int, balance: int) -> tuple[int, DiscountLevel]:
    if secs == 0:
        return 0, DiscountLevel.None_
    return discount(to_tft(name_cost_units(secs)), secs, balance)


def split_node_rewards(reserve: int) -> tuple[int, int, int]:
    """[R24] `distribute_standard_rewards` for node and rent contracts (spec/tfchain.md): staking pool
    Perbill(10%)·R, foundation Perbill(40%)·R, farmer R − both."""
    staking = percent_of(10, reserve)
    foundation = percent_of(40, reserve)
    return staking, foundation, reserve - staking - foundation


def split_name_rewards(reserve: int) -> tuple[int, int]:
    """[R24] name contracts: staking pool Perbill(10%)·R, foundation the rest (90%)."""
    staking = percent_of(10, reserve)
    return staking, reserve - staking


def service_bill_units(base_fee: int, variable_amount: int, window: int) -> int:
    """cost.rs `calculate_bill_cost_units_usd`: round(FX(base·10^4) · FX(window) / FX(REF) +
    FX(variable·10^4)) (fees in mUSD per hour)."""
    cost = fx(base_fee * 10_000) * fx(window) / fx(REF) + fx(variable_amount * 10_000)
    return cost.round().to_u64()


def clamped_price(average: int, minimum: int = 10, maximum: int = 1000) -> int:
    """cost.rs `calculate_cost_in_tft_from_units_usd`: min(max(average, min), max) (mock: 10..1000)."""
    return min(max(average, minimum), maximum)
