"""Cost formulas (spec/billing.md BIL-30..BIL-44): pure functions of integers and pricing values.

Every formula follows TFChain's `cost.rs` operation by operation, on raw U64F64 bits from `sc4it.kernel.fixed`
(`fx_*`), because each fixed-point multiply and divide truncates and the order of operations therefore
decides the last unit. Names of the intermediate values follow TFChain's `cost.rs` (spec/tfchain.md).

Overflow (BIL-40, DEV-BIL-1): TFChain's release runtime wraps silently where a u64 product or a U64F64
intermediate overflows. `sc4it.kernel.fixed` raises `OverflowError` instead; each formula here turns that into
a saturated result (`U64_MAX`), so absurd inputs give an absurdly large bill, never a wrapped small one.
No input that fits TFChain's ranges without wrapping is affected.
"""

from __future__ import annotations

import attrs

from sc4it.kernel.fixed import (
    FX_0_4_BITS,
    FX_0_6_BITS,
    FX_0_7_BITS,
    FX_0_8_BITS,
    FX_1_5_BITS,
    FX_1_25_BITS,
    FX_ONE_BITS,
    U64_MAX,
    fx_add,
    fx_div,
    fx_div_int,
    fx_from_int,
    fx_mul,
    fx_mul_int,
    fx_round_to_int,
)
from sc4it.kernel.perthing import percent_mul
from sc4it.kernel.plain import plain_records
from sc4it.kernel.types import DiscountLevel, NodeCertification, PricingPolicy, Resources

UNITS_PER_MUSD = 10_000
"""BIL-01: 1 mUSD = 10 000 units USD (so 1 USD = 10^7 units USD)."""
TFT_PRECISION = 10_000_000
"""BIL-01: 1 TFT = 10^7 units (7 decimals)."""
SECS_PER_HOUR = 3600
HOURS_PER_MONTH = 24 * 30

_FX3 = 3 << 64
_FX6 = 6 << 64
_FX18 = 18 << 64

MULTIPLIER_BITS: dict[DiscountLevel, int] = {
    DiscountLevel.None_: FX_ONE_BITS,
    DiscountLevel.Default: FX_0_8_BITS,
    DiscountLevel.Bronze: FX_0_7_BITS,
    DiscountLevel.Silver: FX_0_6_BITS,
    DiscountLevel.Gold: FX_0_4_BITS,
}
"""BIL-38: `DiscountLevel::price_multiplier()` as U64F64 bits (f64 literals 1, 0.8, 0.7, 0.6, 0.4)."""


_to_u64 = fx_round_to_int
"""`round_u64(bits)`: `round().to_num::<u64>()`: nearest, ties up (FX-07), the fraction dropped (FX-08)."""


# --------------------------------------------------------------------------------------------------
# Resource units (BIL-30, BIL-31)


def calculate_su(hru: int, sru: int) -> int:
    """BIL-30: SU = H / 1200 + S / 200 (U64F64 bits in, bits out; each division by a positive constant
    truncates, so it is `//` on the bits, FX-05)."""
    return fx_add(hru // 1200, sru // 200)


def calculate_cu(cru: int, mru: int) -> int:
    """BIL-31: CU = min(max(M/4, C/2), max(M/8, C), max(M/2, C/4)) on U64F64 bits (`//`, FX-05)."""
    return min(max(mru // 4, cru // 2), max(mru // 8, cru), max(mru // 2, cru // 4))


@attrs.frozen(slots=True, weakref_slot=False)
class PolicyRates:
    """A pricing policy as BIL-30..BIL-34 use it: the unit factors and the U64F64 bits of each per-second
    rate `FX(value) ⊘ FX(period)` (BIL-30's contract-independent sub-terms), plus the dedicated-node share.
    Built once per block or call by `policy_rates`; every cost formula reads it."""

    su_factor: int
    cu_factor: int
    su_rate: int
    cu_rate: int
    ipu_rate: int
    unique_name_rate: int
    dedication_percent: int


def policy_rates(policy: PricingPolicy, period: int) -> PolicyRates:
    """BIL-30: the `PolicyRates` of `policy` over a reference period of `period` >= 1 seconds (GEN-10).
    Cannot overflow: every policy value is a u64, so `FX(value) ⊘ FX(period)` fits a U64F64."""
    assert period >= 1, "the reference period is validated by Config (GEN-10)"
    fperiod = fx_from_int(period)
    return PolicyRates(
        su_factor=policy.su.unit.factor_base_1024(),
        cu_factor=policy.cu.unit.factor_base_1024(),
        su_rate=fx_div(fx_from_int(policy.su.value), fperiod),
        cu_rate=fx_div(fx_from_int(policy.cu.value), fperiod),
        ipu_rate=fx_div(fx_from_int(policy.ipu.value), fperiod),
        unique_name_rate=fx_div(fx_from_int(policy.unique_name.value), fperiod),
        dedication_percent=min(policy.discount_for_dedication_nodes, 100),
    )


def resources_cost_units_usd(
    rates: PolicyRates, resources: Resources, ips: int, secs: int, bill_resources: bool
) -> int:
    """BIL-30: the cost in units USD of `resources` and `ips` public IPs over `secs` seconds.

    ```
    H = FX(hru) ÷ f1024(su.unit)   S = FX(sru) ÷ f1024(su.unit)   M = FX(mru) ÷ f1024(cu.unit)   C = FX(cru)
    su_cost = ((FX(su.value) ⊘ FX(period)) ⊗ FX(secs)) ⊗ SU
    cu_cost = ((FX(cu.value) ⊘ FX(period)) ⊗ FX(secs)) ⊗ CU
    ip_cost = (FX(ips) ⊗ (FX(ipu.value) ⊘ FX(period))) ⊗ FX(secs)
    cost    = round_u64([su_cost + cu_cost if bill_resources] + [ip_cost if ips > 0])
    ```
    The `⊘ FX(period)` terms are `rates`' (`policy_rates`). Each `÷` by a positive integer is `//` on the
    bits (FX-05)."""
    try:
        total = 0
        fsecs = fx_from_int(secs)
        if bill_resources:
            h = fx_from_int(resources.hru) // rates.su_factor
            s = fx_from_int(resources.sru) // rates.su_factor
            m = fx_from_int(resources.mru) // rates.cu_factor
            c = fx_from_int(resources.cru)
            su_cost = fx_mul(fx_mul(rates.su_rate, fsecs), calculate_su(h, s))
            cu_cost = fx_mul(fx_mul(rates.cu_rate, fsecs), calculate_cu(c, m))
            total = fx_add(su_cost, cu_cost)
        if ips > 0:
            total = fx_add(total, fx_mul(fx_mul(fx_from_int(ips), rates.ipu_rate), fsecs))
        return _to_u64(total)
    except OverflowError:
        return U64_MAX


def rent_cost_units_usd(rates: PolicyRates, node_resources: Resources, secs: int) -> int:
    """BIL-33: `Percent(discount_for_dedication_nodes) · resources_cost(node, 0 IPs)`; the percentage is
    the share of the full price that is *paid* (50 = half price; `from_percent` saturates at 100);
    Percent × integer rounds to nearest with ties down (FX-11)."""
    full = resources_cost_units_usd(rates, node_resources, 0, secs, True)
    return percent_mul(rates.dedication_percent, full)


def name_cost_units_usd(rates: PolicyRates, secs: int) -> int:
    """BIL-34: `round_u64((FX(unique_name.value) ⊘ FX(period)) ⊗ FX(secs))`."""
    try:
        return _to_u64(fx_mul(rates.unique_name_rate, fx_from_int(secs)))
    except OverflowError:
        return U64_MAX


def node_cost_units_usd(
    rates: PolicyRates, used: Resources, ips: int, secs: int, bill_resources: bool, amount_unbilled: int
) -> int:
    """BIL-32: resources and IPs over `secs` plus the NU cost accumulated from reports (a u64 sum,
    saturated, BIL-40). `bill_resources` is false on a rented node (only IPs and NU are paid there)."""
    return min(resources_cost_units_usd(rates, used, ips, secs, bill_resources) + amount_unbilled, U64_MAX)


def nu_cost_units_usd(policy: PricingPolicy, nru: int, window: int, period: int) -> int:
    """NR-10: the cost in units USD of `nru` bytes of traffic over `window` seconds, priced with the farm's
    policy (P-E) over the reference period (GEN-10), bit-exact with TFChain (U64F64, each step truncating):

    ```
    used = FX(nru) ÷ factor_base_1000(nu.unit)
    cost = round_u64((used ⊗ (FX(nu.value) ⊘ FX(period))) ⊗ FX(window))
    ```
    Raises `OverflowError` where TFChain's release build would wrap (the report then fails, DEV-REP-2)."""
    used = fx_div_int(fx_from_int(nru), policy.nu.unit.factor_base_1000())
    price = fx_div(fx_from_int(policy.nu.value), fx_from_int(period))
    return _to_u64(fx_mul(fx_mul(used, price), fx_from_int(window)))


def extra_fee_units_usd(fee_musd_per_month: int, secs: int, secs_per_month: int) -> int:
    """BIL-39: `round_u64(FX(fee · 10000 · secs) ⊘ FX(SECS_PER_MONTH))`; 0 when no fee is set. The
    product is a u64 in TFChain (saturated here, BIL-40)."""
    if fee_musd_per_month == 0:
        return 0
    product = fee_musd_per_month * UNITS_PER_MUSD * secs
    if product > U64_MAX:
        return U64_MAX
    try:
        return _to_u64(fx_div(fx_from_int(product), fx_from_int(secs_per_month)))
    except OverflowError:
        return U64_MAX


# --------------------------------------------------------------------------------------------------
# Conversion to TFT (BIL-36) and discount (BIL-37, BIL-38, BIL-41)


def units_usd_to_tft(cost_units_usd: int, price_musd: int) -> int:
    """BIL-36: `round_u64((FX(cost) ⊘ FX(price · 10000)) ⊗ FX(10^7))`, `price` the clamped average in
    mUSD (must be > 0; the caller checks, BIL-42). A cost of 0 is 0 TFT."""
    if cost_units_usd == 0:
        return 0
    try:
        tft = fx_div(fx_from_int(cost_units_usd), fx_from_int(price_musd * UNITS_PER_MUSD))
        return _to_u64(fx_mul(tft, fx_from_int(TFT_PRECISION)))
    except OverflowError:
        return U64_MAX


def discount_level(amount: int, secs: int, balance: int) -> DiscountLevel:
    """BIL-37: how many months of this contract the balance pays for, normalised from `secs` to a month.

    ```
    hourly  = (FX(amount) ⊗ FX(3600)) ⊘ FX(secs)
    monthly = round_u64(hourly × 24 × 30)
    level   = FX(balance) ⊘ FX(monthly)
    1.5 ≤ level < 3 Default, 3 ≤ level < 6 Bronze, 6 ≤ level < 18 Silver, 18 ≤ level Gold, else None
    ```
    BIL-41 (P-L, DEV-BIL-3): TFChain divides by zero (a panic) when `monthly` rounds to 0; sc4it gives
    level None. `secs == 0` (P-P, BIL-35) also gives None. The balance is capped at u64::MAX before the
    conversion (TFChain's `from_num(u128)` would overflow; such a balance is Gold either way)."""
    return months_level(balance, discount_monthly(amount, secs))


def months_level(balance: int, monthly: int) -> DiscountLevel:
    """BIL-37's last step: the level of `FX(min(balance, u64::MAX)) ⊘ FX(monthly)`; None when `monthly`
    is 0 (BIL-41)."""
    if monthly == 0:
        return DiscountLevel.None_
    level = fx_div(fx_from_int(min(balance, U64_MAX)), fx_from_int(monthly))
    if level >= _FX18:
        return DiscountLevel.Gold
    if level >= _FX6:
        return DiscountLevel.Silver
    if level >= _FX3:
        return DiscountLevel.Bronze
    if level >= FX_1_5_BITS:
        return DiscountLevel.Default
    return DiscountLevel.None_


def discount_monthly(amount: int, secs: int) -> int:
    """BIL-37's `monthly`: `round_u64(((FX(amount) ⊗ FX(3600)) ⊘ FX(secs)) × 24 × 30)` (u64::MAX where it
    overflows); 0 when `amount` or `secs` is 0 (BIL-35, BIL-41: the level is then None)."""
    if amount == 0 or secs == 0:
        return 0
    try:
        hourly = fx_div(fx_mul(fx_from_int(amount), fx_from_int(SECS_PER_HOUR)), fx_from_int(secs))
        return _to_u64(fx_mul_int(fx_mul_int(hourly, 24), 30))
    except OverflowError:
        return U64_MAX


LEVEL_THRESHOLD_BITS: dict[DiscountLevel, int] = {
    DiscountLevel.None_: 0,
    DiscountLevel.Default: FX_1_5_BITS,
    DiscountLevel.Bronze: _FX3,
    DiscountLevel.Silver: _FX6,
    DiscountLevel.Gold: _FX18,
}
"""BIL-37: the least `FX(balance) ⊘ FX(monthly)` of each level, as U64F64 bits."""


def level_min_balance(level: DiscountLevel, monthly: int) -> int:
    """BIL-37 solved for the balance: the least balance whose level is at least `level` for a contract of
    `monthly` TFT units a month (`monthly ≥ 1`). `FX(b) ⊘ FX(m)` truncates to `⌊b·2^64 / m⌋` bits, which
    is ≥ `T` exactly when `b·2^64 ≥ T·m`, i.e. `b ≥ ⌈T·m / 2^64⌉` (tests/billing/test_cost.py checks it
    against `discount_level` at every boundary). Used by the analysis engine (spec/analysis.md ANA-12) to
    count the bills before a balance falls below a level."""
    assert monthly >= 1
    return -((-LEVEL_THRESHOLD_BITS[level] * monthly) >> 64)


def apply_discount(amount: int, level: DiscountLevel, certification: NodeCertification) -> int:
    """BIL-38: `x = FX(amount) ⊗ multiplier(level)`; Certified nodes: `x = x ⊗ FX(1.25)`; `round_u64(x)`."""
    try:
        x = fx_mul(fx_from_int(amount), MULTIPLIER_BITS[level])
        if certification == NodeCertification.Certified:
            x = fx_mul(x, FX_1_25_BITS)
        return _to_u64(x)
    except OverflowError:
        return U64_MAX


def discount_tft(
    amount: int, secs: int, balance: int, certification: NodeCertification
) -> tuple[int, DiscountLevel]:
    """BIL-37 + BIL-38: TFChain's `calculate_discount_tft`: (amount due in TFT units, level)."""
    if amount == 0:
        return 0, DiscountLevel.None_
    level = discount_level(amount, secs, balance)
    return apply_discount(amount, level, certification), level


def cost_tft(
    cost_units_usd: int, price_musd: int, secs: int, balance: int, certification: NodeCertification
) -> tuple[int, DiscountLevel]:
    """BIL-13: a standard cost in units USD to what one bill reserves: TFT (BIL-36), then discount and
    the certified factor (BIL-37, BIL-38); a zero cost is 0 at level None without conversion. The
    caller has checked `price_musd > 0` (BIL-42)."""
    if cost_units_usd == 0:
        return 0, DiscountLevel.None_
    return discount_tft(units_usd_to_tft(cost_units_usd, price_musd), secs, balance, certification)


plain_records(globals())  # PolicyRates built with plain stores (sc4it.kernel.plain)
