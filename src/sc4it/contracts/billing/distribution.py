"""Revenue distribution (spec/distribution.md DST-01..DST-16): TFChain's `remit_funds`, driven by the
`DistributionPolicy` stored in the state, and the council call that changes that policy.

Money only ever leaves a twin's *reserved* balance here, and exactly the amount the contract's payment
state records (DST-10): so the invariant "reserved balance of an account == Σ reserves of its contracts"
holds after every distribution, whichever recipients exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it import ledger
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import DistributionPolicySet, RewardDistributed
from sc4it.kernel.origins import ensure_council
from sc4it.kernel.perthing import perbill_mul
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import (
    PERBILL,
    Contract,
    ContractPaymentState,
    Deleted,
    DistributionPolicy,
    NameContract,
    PricingPolicy,
    Recipient,
    SplitRule,
)

MAX_SHARES = 8
"""DST-12: at most 8 shares per split rule (the codec bound of `SplitRule.shares`)."""

_U16_MAX = (1 << 16) - 1


# --------------------------------------------------------------------------------------------------
# Policy validation (DST-12) and the council call (DST-13)


def split_rule_problem(rule: SplitRule, *, has_farmer: bool) -> str | None:
    """Why `rule` is invalid, or None (DST-12)."""
    if len(rule.shares) > MAX_SHARES:
        return f"at most {MAX_SHARES} shares"
    total = 0
    for share in rule.shares:
        if not 0 <= share.perbill <= PERBILL:
            return f"share {share.perbill} outside [0, {PERBILL}]"
        if not has_farmer and share.recipient == Recipient.Farmer:
            return "a name contract has no farmer"
        total += share.perbill
    if total > PERBILL:
        return f"shares sum to {total} > {PERBILL}"
    if not has_farmer and rule.remainder == Recipient.Farmer:
        return "a name contract has no farmer"
    return None


def distribution_rules(policy: DistributionPolicy) -> tuple[tuple[str, SplitRule, bool], ...]:
    """DST-12: each split rule of `policy` with its name and whether its contracts have a farmer."""
    return (("node", policy.node, True), ("name", policy.name, False), ("extra_fee", policy.extra_fee, True))


def policy_problem(policy: DistributionPolicy) -> str | None:
    """Why `policy` is invalid, or None (DST-12); genesis runs the same check per rule (GEN-18)."""
    for name, rule, has_farmer in distribution_rules(policy):
        problem = split_rule_problem(rule, has_farmer=has_farmer)
        if problem is not None:
            return f"{name}: {problem}"
    return None


def handle_set_distribution_policy(tx: Tx, call: c.SetDistributionPolicy) -> None:
    """DST-13."""
    ensure_council(tx)  # DST-13
    if policy_problem(call.policy) is not None:  # DST-13, DST-12
        fail(Error.InvalidDistributionPolicy)
    tx.distribution_policy = call.policy
    tx.emit(DistributionPolicySet(call.policy))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {c.SetDistributionPolicy: handle_set_distribution_policy}


# --------------------------------------------------------------------------------------------------
# Paying out of a reserve (DST-10)


def pay_from_reserve(tx: Tx, src: bytes, dst: bytes, amount: int) -> None:
    """DST-10: move `amount` of `src`'s reserved balance to `dst`'s free balance.

    A beneficiary that does not exist is created when the amount reaches the existential deposit; a
    smaller amount is dust and is burned (as TFChain's `slash_reserved` + `resolve_creating`). A frozen
    amount on `src` does not hold the reserve back (P-R, DEV-BIL-6). The only possible failure is a reserve
    smaller than `amount`, which the reserve invariant rules out; it fails with `RewardDistributionError`
    and, unlike TFChain on a Deleted contract (P-H), never zeroes a reserve without moving its tokens."""
    if amount == 0:
        return
    if ledger.account(tx, src).reserved < amount:
        fail(Error.RewardDistributionError)
    ledger.pay_out_reserved(tx, src, dst, amount)


def burn_from_reserve(tx: Tx, src: bytes, amount: int) -> None:
    """DST-08: destroy `amount` of `src`'s reserved balance (counted in `State.burned`)."""
    if amount == 0:
        return
    if ledger.account(tx, src).reserved < amount:
        fail(Error.RewardDistributionError)
    ledger.slash_reserved(tx, src, amount)


def _sales_with_providers(
    tx: Tx, contract: Contract, src: bytes, amount: int, whole: int, policy: PricingPolicy
) -> None:
    """DST-07: a `SolutionProviders` share: each provider of the contract's solution provider gets
    `Perbill(take %) · whole` (capped by what is left of the share), the rest goes to the pricing
    policy's `certified_sales_account` ([M24]: `(50 − Σ take) %` to sales)."""
    left = amount
    sp_id = contract.solution_provider_id
    sp = None if sp_id is None else tx.solution_providers.get(sp_id)
    if sp is not None:
        for provider in sp.providers:
            part = min(perbill_mul(min(provider.take, 100) * 10_000_000, whole), left)
            pay_from_reserve(tx, src, provider.who, part)
            left -= part
    pay_from_reserve(tx, src, policy.certified_sales_account, left)


def split_amounts(rule: SplitRule, amount: int) -> list[tuple[Recipient, int]]:
    """DST-05 (pure): the parts of `amount` under `rule`, shares in order then the remainder; they always
    sum to `amount`. E.g. TFChain's node rule on 15: staking 1 (1.5 ties down), foundation 6, farmer 8."""
    left = amount
    parts: list[tuple[Recipient, int]] = []
    for share in rule.shares:
        part = min(perbill_mul(share.perbill, amount), left)
        parts.append((share.recipient, part))
        left -= part
    parts.append((rule.remainder, left))
    return parts


_PAID_FIRST = (Recipient.StakingPool, Recipient.Farmer)


def payout_order(parts: list[tuple[Recipient, int]]) -> list[tuple[Recipient, int]]:
    """DST-17 (pure): the order the parts are paid in, TFChain's `distribute_standard_rewards`: the staking
    pool, then the farmer, then every other part in rule order (for the default rule: staking pool, farmer,
    foundation). The amounts are those of DST-05 whatever the order."""
    first = [p for r in _PAID_FIRST for p in parts if p[0] == r]
    return first + [p for p in parts if p[0] not in _PAID_FIRST]


def split(
    tx: Tx,
    rule: SplitRule,
    amount: int,
    contract: Contract,
    src: bytes,
    farmer: bytes | None,
    policy: PricingPolicy,
) -> None:
    """DST-05/DST-06: pay `amount` out of `src`'s reserve following `rule`.

    Shares are taken in order, each `Perbill(parts) · amount` (nearest, ties down, FX-11) capped by what
    is left; the remainder recipient gets `amount − Σ shares` by subtraction, so the parts always add up
    to `amount` exactly and nothing is lost to rounding."""
    if amount == 0:
        return
    for recipient, part in payout_order(split_amounts(rule, amount)):
        if part == 0:
            continue
        if recipient == Recipient.Burn:
            burn_from_reserve(tx, src, part)
        elif recipient == Recipient.SolutionProviders:
            _sales_with_providers(tx, contract, src, part, amount, policy)
        else:
            pay_from_reserve(tx, src, _account_of(tx, recipient, farmer, policy), part)


def _account_of(tx: Tx, recipient: Recipient, farmer: bytes | None, policy: PricingPolicy) -> bytes:
    """DST-06: staking pool = `roles.staking_pool`; foundation = pricing policy 1's `foundation_account`;
    farmer = the farm twin's account (a contract without farmer pays the foundation instead; validation
    forbids such a policy); sales = policy 1's `certified_sales_account`."""
    if recipient == Recipient.StakingPool:
        return tx.roles.staking_pool
    if recipient == Recipient.Farmer and farmer is not None:
        return farmer
    if recipient == Recipient.Sales:
        return policy.certified_sales_account
    return policy.foundation_account


# --------------------------------------------------------------------------------------------------
# remit_funds (DST-01..DST-04, DST-11)


def remit_funds(
    tx: Tx,
    contract: Contract,
    ps: ContractPaymentState,
    src: bytes,
    farmer: bytes | None,
    policy: PricingPolicy,
) -> ContractPaymentState:
    """DST-01..DST-04, DST-11: count the cycle; when `cycles ≥ DistributionFrequency` or the contract is
    Deleted, and it holds a reserve, pay the additional reserve (extra fee) and the standard reserve out
    following the distribution policy, zero them and the cycle counter, and emit `RewardDistributed`."""
    cycles = ps.cycles + 1 if ps.cycles < _U16_MAX else _U16_MAX
    due = cycles >= tx.config.distribution_frequency or isinstance(contract.state, Deleted)
    if not (due and ps.has_reserve()):
        return ps.with_cycles(cycles)
    dp = tx.distribution_policy
    standard = ps.standard_reserve
    additional = ps.additional_reserve
    split(tx, dp.extra_fee, additional, contract, src, farmer, policy)
    rule = dp.name if isinstance(contract.contract_type, NameContract) else dp.node
    split(tx, rule, standard, contract, src, farmer, policy)
    tx.emit(RewardDistributed(contract.contract_id, standard, additional))
    return ps.distributed()
