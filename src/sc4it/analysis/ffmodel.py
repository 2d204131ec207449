"""The fast engine's model (spec/analysis.md ANA-10..ANA-19): the period billed, the results, the log's
tags, and the prices in force with their cost caches (`Prices`), shared by the scalar engine
(`sc4it.analysis.fastforward`) and the batch engine (`sc4it.analysis.ffbatch`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from sc4it.analysis.population import (
    HistoryEvent,
    PopulationError,
    SetPolicy,
    SetPrice,
)
from sc4it.contracts.billing import cost
from sc4it.kernel.fixed import U64_MAX
from sc4it.kernel.state import State
from sc4it.kernel.types import (
    DiscountLevel,
    NodeCertification,
    PricingPolicy,
    Recipient,
    Resources,
)

if TYPE_CHECKING:  # the scalar engine's contract record; its module imports this one
    from sc4it.analysis.ffrecords import ContractState

CREATED, GRACE, GONE = 0, 1, 2
NODE, NAME, RENT = 0, 1, 2
KIND = {"node": NODE, "name": NAME, "rent": RENT}
U16_MAX = (1 << 16) - 1
ZERO: tuple[int, tuple[int, ...], list[int]] = (0, (), [0])
"""The profile of a zero cost: level None, nothing due (BIL-13)."""
LEVELS = (
    DiscountLevel.None_,
    DiscountLevel.Default,
    DiscountLevel.Bronze,
    DiscountLevel.Silver,
    DiscountLevel.Gold,
)

# log tags (ANA-16): one entry is (block, count, stride, tag, x, y)
BILLED = "billed"  # x = discount level, y = amount reserved (ContractBilled)
OVERDRAWN = "overdrawn"  # x = partially billed, y = overdraft of the cycle (ContractPaymentOverdrawn)
GRACE_STARTED = "grace started"
GRACE_ENDED = "grace ended"
ELAPSED = "grace elapsed"  # x = blocks in grace; the contract is removed in this bill
DISTRIBUTED = "distributed"  # x = standard reserve, y = additional reserve paid out (RewardDistributed)

LogEntry = tuple[int, int, int, str, int, int]
CostKey = tuple[int, int, int, int, int, int, bool, bool]


@attrs.frozen(slots=True)
class Period:
    """The blocks billed: `first`..`last` inclusive; block b has timestamp `base_timestamp + (b −
    base_block) · block_time_ms` (ms); the population is created at `base_block`."""

    base_block: int
    base_timestamp: int
    last: int
    block_time_ms: int

    @property
    def first(self) -> int:
        return self.base_block + 1

    def now(self, block: int) -> int:
        return (self.base_timestamp + (block - self.base_block) * self.block_time_ms) // 1000


@attrs.frozen(slots=True)
class ContractResult:
    """How one contract fared (amounts in TFT units); `log` expands to its billing events (ANA-16)."""

    contract_id: int
    twin_id: int
    kind: str
    paid: int
    bills: int
    grace_entries: int
    end: str
    """"active", "grace" or "deleted: out of funds"."""
    end_block: int
    """The block of the bill that removed it (0 if not removed, or removed with its rent contract)."""
    overdraft: int
    reserve: int
    cycles: int
    last_updated_seconds: int
    log: tuple[LogEntry, ...]


@attrs.frozen(slots=True)
class FastResult:
    period: Period
    contracts: Mapping[int, ContractResult]
    balances: dict[int, tuple[int, int]]
    """Twin id -> (free, reserved) of its account at the end."""
    revenue: dict[bytes, int]
    """Account -> what it received from distributions over the period."""
    burned: int
    distributed: int
    steps: int
    """Engine steps taken (single bills + jumps), to compare with the number of bills."""


# --------------------------------------------------------------------------------------------------
# Prices in force (global events)

Profile = tuple[int, tuple[int, ...], list[int]]
"""A standard cost over some seconds, for the discount: (its amount in TFT before discount; the least
balances of Default, Bronze, Silver and Gold; the amount due at None..Gold, -1 until computed)."""


class Prices:
    """Pricing policy 1 and the billing price in force, with their cost caches."""

    __slots__ = (
        "by_key",
        "fees",
        "pending",
        "period",
        "policy",
        "price",
        "profiles",
        "rates",
        "secs_per_month",
        "units",
    )

    def __init__(self, policy: PricingPolicy, price: int, period: int, secs_per_month: int) -> None:
        self.policy = policy
        self.price = price
        self.period = period
        self.secs_per_month = secs_per_month
        self.rates = cost.policy_rates(policy, period)
        self.units: dict[tuple[CostKey, int], int] = {}
        self.profiles: dict[tuple[int, int, bool], Profile] = {}
        self.fees: dict[tuple[int, int], int] = {}
        self.by_key: dict[tuple[CostKey, int], Profile] = {}
        self.pending: dict[tuple[int, bytes | None, int], int] = {}
        """Payouts booked under this policy: (rule: 0 node, 1 name, 2 extra fee; farmer; amount) ->
        times (DST-04; split by `_Engine.settle` to this policy's foundation and sales accounts)."""

    def cost_units_usd(self, c: ContractState, secs: int) -> int:
        """BIL-32..BIL-35 for `c` over `secs` (its unbilled NU included: BIL-32)."""
        if secs == 0:
            return 0  # BIL-35 (no contract is Deleted before its bill: no cancellations, ANA-05)
        units = self.key_units(c.key, secs)
        return units if c.unbilled == 0 else min(units + c.unbilled, U64_MAX)

    def key_units(self, key: CostKey, secs: int) -> int:
        """BIL-32..BIL-34 for a contract of cost key `key` over `secs` (> 0), without unbilled NU."""
        units = self.units.get((key, secs))
        if units is None:
            kind, hru, sru, cru, mru, ips, bill_res, _ = key
            res = Resources(hru=hru, sru=sru, cru=cru, mru=mru)
            if kind == NODE:
                units = cost.node_cost_units_usd(self.rates, res, ips, secs, bill_res, 0)
            elif kind == RENT:
                units = cost.rent_cost_units_usd(self.rates, res, secs)
            else:
                units = cost.name_cost_units_usd(self.rates, secs)
            self.units[(key, secs)] = units
        return units

    def fee_tft(self, c: ContractState, secs: int) -> int:
        """BIL-39: a rent contract's extra fee over `secs`, in TFT (price > 0)."""
        if c.fee == 0 or secs == 0:
            return 0
        key = (c.fee, secs)
        a = self.fees.get(key)
        if a is None:
            units = cost.extra_fee_units_usd(c.fee, secs, self.secs_per_month)
            a = self.fees[key] = 0 if units == 0 else cost.units_usd_to_tft(units, self.price)
        return a

    def fails(self, c: ContractState, secs: int) -> bool:
        """BIL-42: with a price of 0 a bill that converts anything fails and changes nothing."""
        if self.price > 0:
            return False
        fee = cost.extra_fee_units_usd(c.fee, secs, self.secs_per_month) if c.fee and secs else 0
        return self.cost_units_usd(c, secs) > 0 or fee > 0

    def profile(self, units: int, secs: int, cert: NodeCertification) -> Profile:
        """BIL-36..BIL-38 for a cost of `units` (> 0) over `secs`: the amount in TFT, the least balance
        of each level (`cost.level_min_balance`, so `months_level` is a comparison) and the amount due
        at each level, computed when first asked (-1 until then)."""
        key = (units, secs, cert == NodeCertification.Certified)
        prof = self.profiles.get(key)
        if prof is None:
            a = cost.units_usd_to_tft(units, self.price)
            monthly = cost.discount_monthly(a, secs)
            if monthly == 0:
                least: tuple[int, ...] = ()
            else:
                least = tuple(cost.level_min_balance(level, monthly) for level in LEVELS[1:])
            prof = self.profiles[key] = (a, least, [-1] * (len(least) + 1))
        return prof

    def full_profile(self, key: CostKey, secs: int) -> Profile:
        """The profile of a contract of cost key `key` over `secs` (> 0) without unbilled NU, with the
        amount due at every level computed (`cost.apply_discount`, BIL-38); `ZERO` for a zero cost."""
        prof = self.by_key.get((key, secs))
        if prof is None:
            units = self.key_units(key, secs)
            certified = key[7]
            cert = NodeCertification.Certified if certified else NodeCertification.Diy
            prof = self.by_key[(key, secs)] = self.profile(units, secs, cert) if units else ZERO
        a, _, dues = prof
        cert = NodeCertification.Certified if key[7] else NodeCertification.Diy
        for level, d in enumerate(dues):
            if d < 0:
                dues[level] = cost.apply_discount(a, LEVELS[level], cert)
        return prof


def account(
    recipient: Recipient, farmer: bytes | None, staking: bytes, sales: bytes, foundation: bytes
) -> bytes:
    """DST-06/DST-07 (no solution providers in a population: their share goes to sales)."""
    if recipient == Recipient.StakingPool:
        return staking
    if recipient == Recipient.Farmer and farmer is not None:
        return farmer
    if recipient in (Recipient.Sales, Recipient.SolutionProviders):
        return sales
    return foundation


def prices_in_force(base: State, history: Sequence[HistoryEvent], period: Period) -> list[tuple[int, Prices]]:
    policy = base.pricing_policies.get(1)
    if policy is None:
        raise PopulationError("base state", "no pricing policy 1, which billing always uses")
    price = base.tft_price
    ref = base.config.billing_reference_period
    spm = base.config.secs_per_month
    out = [(period.first, Prices(policy, price.billing_price(), ref, spm))]
    for e in history:
        if isinstance(e, SetPrice):
            price = attrs.evolve(price, price=e.musd, average=e.musd)
        elif isinstance(e, SetPolicy):
            policy = e.policy
        else:
            continue
        block = max(e.block, period.first)
        if out[-1][0] == block:
            out[-1] = (block, Prices(policy, price.billing_price(), ref, spm))
        else:
            out.append((block, Prices(policy, price.billing_price(), ref, spm)))
    return out


def expand(log: Iterable[LogEntry]) -> list[tuple[int, str, int, int]]:
    """ANA-16: the log as one (block, tag, x, y) per event, in block order (for checks: O(bills))."""
    out: list[tuple[int, str, int, int]] = []
    for block, count, stride, tag, x, y in log:
        out.extend((block + i * stride, tag, x, y) for i in range(count))
    return sorted(out)
