"""Pricing policies (spec/registry.md, rules PRC-xx): TFChain's `create_pricing_policy` and
`update_pricing_policy`, both restricted to the council.

Billing always reads policy 1 (TFChain's behaviour); a farm's own policy is used only by NU reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import PricingPolicyStored
from sc4it.kernel.origins import ensure_council
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import Policy, PricingPolicy

PRICING_POLICY_VERSION = 2
"""PRC-03: TFChain's `TFGRID_PRICING_POLICY_VERSION`."""
MAX_PRICING_POLICY_NAME_LENGTH = 64
"""PRC-02: the stored name's bound (TFChain's name is an unbounded `Vec<u8>`)."""


class PolicyFields(Protocol):
    """The fields a pricing policy is built from: a create or update call, or a genesis record."""

    @property
    def name(self) -> bytes: ...
    @property
    def su(self) -> Policy: ...
    @property
    def cu(self) -> Policy: ...
    @property
    def nu(self) -> Policy: ...
    @property
    def ipu(self) -> Policy: ...
    @property
    def unique_name(self) -> Policy: ...
    @property
    def domain_name(self) -> Policy: ...
    @property
    def foundation_account(self) -> bytes: ...
    @property
    def certified_sales_account(self) -> bytes: ...
    @property
    def discount_for_dedication_nodes(self) -> int: ...


def pricing_policy_from(fields: PolicyFields, version: int, policy_id: int) -> PricingPolicy:
    """PRC-03/PRC-12, GEN-02: the stored policy `policy_id` at `version` with the given fields."""
    return PricingPolicy(
        version,
        policy_id,
        fields.name,
        fields.su,
        fields.cu,
        fields.nu,
        fields.ipu,
        fields.unique_name,
        fields.domain_name,
        fields.foundation_account,
        fields.certified_sales_account,
        fields.discount_for_dedication_nodes,
    )


def name_error(name: bytes) -> Error | None:
    """PRC-02 (and GEN-14): the one bound on a policy name, its stored length."""
    return Error.PricingPolicyNameTooLong if len(name) > MAX_PRICING_POLICY_NAME_LENGTH else None


def _check_name(name: bytes) -> None:
    error = name_error(name)
    if error is not None:  # PRC-02
        fail(error)


def handle_create_pricing_policy(tx: Tx, call: c.CreatePricingPolicy) -> None:
    """PRC-01..04."""
    ensure_council(tx)  # PRC-01
    _check_name(call.name)  # PRC-02
    if call.name in tx.pricing_policy_id_by_name:  # PRC-02
        fail(Error.PricingPolicyExists)
    policy_id = tx.pricing_policy_id + 1  # PRC-03
    policy = pricing_policy_from(call, PRICING_POLICY_VERSION, policy_id)
    tx.pricing_policies[policy_id] = policy
    tx.pricing_policy_id_by_name[call.name] = policy_id
    tx.pricing_policy_id = policy_id
    tx.emit(PricingPolicyStored(policy))  # PRC-04


def handle_update_pricing_policy(tx: Tx, call: c.UpdatePricingPolicy) -> None:
    """PRC-10..13."""
    ensure_council(tx)  # PRC-01
    _check_name(call.name)  # PRC-02
    old = tx.pricing_policies.get(call.pricing_policy_id)
    if old is None:  # PRC-10
        fail(Error.PricingPolicyNotExists)
    holder = tx.pricing_policy_id_by_name.get(call.name)
    if holder is not None and holder != call.pricing_policy_id:  # PRC-11
        fail(Error.PricingPolicyWithDifferentIdExists)
    if call.name != old.name:  # PRC-12
        tx.pricing_policy_id_by_name.pop(old.name)
    policy = pricing_policy_from(call, old.version, old.id)
    tx.pricing_policies[old.id] = policy
    tx.pricing_policy_id_by_name[call.name] = old.id
    # PRC-13: TFChain also sets the id counter to the updated id here; sc4it does not (DEV-REG-3).
    tx.emit(PricingPolicyStored(policy))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreatePricingPolicy: handle_create_pricing_policy,
    c.UpdatePricingPolicy: handle_update_pricing_policy,
}
