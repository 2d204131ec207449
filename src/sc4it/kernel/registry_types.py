"""The data model, first part: ledger accounts, the grid registry (pallet-tfgrid subset) and the role
accounts, named after TFChain's storage types. `sc4it.kernel.types` re-exports every name here; the bounds
in the annotations are the codec's (see `sc4it.kernel.schema` and the module docstring of `types`).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, ClassVar

import attrs

from sc4it.kernel.plain import plain_builder, plain_records
from sc4it.kernel.schema import U8, U32, U64, U128, AccountId, Len, Variant

# --------------------------------------------------------------------------------------------------
# Ledger


@attrs.frozen(slots=True, weakref_slot=False)
class AccountInfo:
    """System + balances data of one account. `free` excludes `reserved`; `frozen` is held by locks."""

    nonce: U64 = 0
    free: U128 = 0
    reserved: U128 = 0
    frozen: U128 = 0

    # Named changes: each is a plain constructor call (as fast as a positional rebuild, and it says which
    # fields change).

    def with_balances(self, free: int, reserved: int) -> AccountInfo:
        """This account with other free and reserved balances (nonce and frozen kept)."""
        return _account_info(self.nonce, free, reserved, self.frozen)

    def with_next_nonce(self) -> AccountInfo:
        """This account after one more signed call (STATE/NONCE rules)."""
        return _account_info(self.nonce + 1, self.free, self.reserved, self.frozen)


# --------------------------------------------------------------------------------------------------
# Grid registry (pallet-tfgrid subset)


class FarmCertification(IntEnum):
    NotCertified = 0
    Gold = 1


class NodeCertification(IntEnum):
    Diy = 0
    Certified = 1


class Power(IntEnum):
    Up = 0
    Down = 1


class Unit(IntEnum):
    """Unit of a pricing-policy value (TFChain spells the last one `Terrabytes`)."""

    Bytes = 1
    Kilobytes = 2
    Megabytes = 3
    Gigabytes = 4
    Terrabytes = 5

    def factor_base_1000(self) -> int:
        return int(1000 ** (self.value - 1))

    def factor_base_1024(self) -> int:
        return int(1024 ** (self.value - 1))


@attrs.frozen(slots=True, weakref_slot=False)
class Twin:
    id: U32
    account_id: AccountId
    relay: Annotated[bytes, Len(1024)] | None = None
    pk: Annotated[bytes, Len(128)] | None = None

    def with_account(self, account_id: bytes) -> Twin:
        return Twin(self.id, account_id, self.relay, self.pk)


@attrs.frozen(slots=True, weakref_slot=False)
class TwinTransferRequest:
    """TTR-01: a pending twin ownership transfer (TFChain's `TwinTransferRequest`)."""

    twin_id: U32
    from_: AccountId
    to: AccountId
    created_at: U64
    """The block number of the request."""


@attrs.frozen(slots=True, weakref_slot=False)
class PublicIP:
    """A farm IP; `contract_id == 0` means free."""

    ip: Annotated[bytes, Len(18)]
    gateway: Annotated[bytes, Len(15)]
    contract_id: U64 = 0

    def with_contract_id(self, contract_id: int) -> PublicIP:
        return PublicIP(self.ip, self.gateway, contract_id)


@attrs.frozen(slots=True, weakref_slot=False)
class Farm:
    id: U32
    name: Annotated[bytes, Len(128)]
    twin_id: U32
    pricing_policy_id: U32
    certification: FarmCertification
    public_ips: Annotated[tuple[PublicIP, ...], Len(256)]
    dedicated_farm: bool

    def with_public_ips(self, public_ips: tuple[PublicIP, ...]) -> Farm:
        """This farm with another IP list (a constructor call: cheaper than attrs.evolve)."""
        return Farm(
            self.id,
            self.name,
            self.twin_id,
            self.pricing_policy_id,
            self.certification,
            public_ips,
            self.dedicated_farm,
        )

    def with_dedicated(self, dedicated_farm: bool) -> Farm:
        return Farm(
            self.id,
            self.name,
            self.twin_id,
            self.pricing_policy_id,
            self.certification,
            self.public_ips,
            dedicated_farm,
        )

    def with_certification(self, certification: FarmCertification) -> Farm:
        return Farm(
            self.id,
            self.name,
            self.twin_id,
            self.pricing_policy_id,
            certification,
            self.public_ips,
            self.dedicated_farm,
        )

    def with_pricing_policy(self, pricing_policy_id: int) -> Farm:
        return Farm(
            self.id,
            self.name,
            self.twin_id,
            pricing_policy_id,
            self.certification,
            self.public_ips,
            self.dedicated_farm,
        )


@attrs.frozen(slots=True, weakref_slot=False)
class Resources:
    """Capacity: hru, sru, mru in bytes; cru in cores."""

    hru: U64 = 0
    sru: U64 = 0
    cru: U64 = 0
    mru: U64 = 0

    def is_empty(self) -> bool:
        return self.hru == 0 and self.sru == 0 and self.cru == 0 and self.mru == 0


@attrs.frozen(slots=True, weakref_slot=False)
class Node:
    id: U32
    farm_id: U32
    twin_id: U32
    resources: Resources
    certification: NodeCertification
    created: U64

    def with_certification(self, certification: NodeCertification) -> Node:
        return Node(self.id, self.farm_id, self.twin_id, self.resources, certification, self.created)

    def with_farm_and_resources(
        self, farm_id: int, resources: Resources, certification: NodeCertification
    ) -> Node:
        """This node as `UpdateNode` leaves it (id, twin and creation time kept)."""
        return Node(self.id, farm_id, self.twin_id, resources, certification, self.created)


@attrs.frozen(slots=True, weakref_slot=False)
class PowerUp(Variant):
    TAG: ClassVar[int] = 0


@attrs.frozen(slots=True, weakref_slot=False)
class PowerDown(Variant):
    """The node went to standby at `block`."""

    TAG: ClassVar[int] = 1
    block: U64


PowerState = PowerUp | PowerDown


@attrs.frozen(slots=True, weakref_slot=False)
class NodePower:
    state: PowerState = PowerUp()
    target: Power = Power.Up

    def is_standby(self) -> bool:
        return isinstance(self.state, PowerDown)

    def with_target(self, target: Power) -> NodePower:
        return NodePower(self.state, target)

    def with_state(self, state: PowerState) -> NodePower:
        return NodePower(state, self.target)

    def is_standby_phase(self) -> bool:
        """Standby, or heading there (target Down)."""
        return isinstance(self.state, PowerDown) or self.target == Power.Down


@attrs.frozen(slots=True, weakref_slot=False)
class Policy:
    """A price in mUSD per billing reference period (one hour) for one `unit`."""

    value: U32
    unit: Unit = Unit.Gigabytes


@attrs.frozen(slots=True, weakref_slot=False)
class PricingPolicy:
    version: U32
    id: U32
    name: Annotated[bytes, Len(64)]
    su: Policy
    cu: Policy
    nu: Policy
    ipu: Policy
    unique_name: Policy
    domain_name: Policy
    foundation_account: AccountId
    certified_sales_account: AccountId
    discount_for_dedication_nodes: U8


@attrs.frozen(slots=True, weakref_slot=False)
class TftPrice:
    """pallet-tft-price storage, all in mUSD; `history` is the ring buffer, oldest first."""

    price: U32
    average: U32
    min: U32
    max: U32
    last_block_set: U64 = 0
    history: Annotated[tuple[U32, ...], Len(1440)] = ()

    def billing_price(self) -> int:
        """The price billing uses: the average clamped to [min, max] (max with min first)."""
        return min(max(self.average, self.min), self.max)

    def with_price(self, price: int, average: int, block: int, history: tuple[int, ...]) -> TftPrice:
        """This record after a price is set at `block` (bounds kept)."""
        return TftPrice(price, average, self.min, self.max, block, history)

    def with_bounds(self, min_musd: int, max_musd: int) -> TftPrice:
        return TftPrice(self.price, self.average, min_musd, max_musd, self.last_block_set, self.history)


MAX_ROLE_MEMBERS = 100
"""Bound of every role list (TFChain's `CouncilMaxMembers` is 100)."""

# --------------------------------------------------------------------------------------------------
# Origins


@attrs.frozen(slots=True, weakref_slot=False)
class Roles:
    """Accounts with special powers, configured at genesis.

    `council`, `oracle` and `bridge` are usually multisig accounts (see `sc4it.kernel.signing`);
    `staking_pool` receives its share of billing revenue (TFChain's `StakingPoolAccount`).
    """

    council: AccountId
    oracle: AccountId
    staking_pool: AccountId
    node_certifiers: Annotated[tuple[AccountId, ...], Len(MAX_ROLE_MEMBERS)] = ()
    """TFChain's `AllowedNodeCertifiers` (pallet-tfgrid), changed by the council (ROL-20..ROL-23)."""
    council_members: Annotated[tuple[AccountId, ...], Len(MAX_ROLE_MEMBERS)] = ()
    """TFChain's `CouncilMembership::Members`, sorted. Empty: `council` is a fixed account (a key or a
    multisig chosen at genesis). Otherwise `council` is the multisig of these members with TFChain's
    approval threshold (ROL-01), and membership calls change both (ROL-02..ROL-08)."""
    validators: Annotated[tuple[AccountId, ...], Len(MAX_ROLE_MEMBERS)] = ()
    """The session validators (TFChain's validator set), who may set the TFT price besides `oracle`
    (ROL-10..ROL-13)."""
    bridge_validators: Annotated[tuple[AccountId, ...], Len(MAX_ROLE_MEMBERS)] = ()
    """pallet-tft-bridge's `Validators`, sorted: they vote on mints (BRG rules)."""

    # Named changes: each is a plain constructor call.

    def with_council(self, council: bytes, council_members: tuple[bytes, ...]) -> Roles:
        return Roles(
            council,
            self.oracle,
            self.staking_pool,
            self.node_certifiers,
            council_members,
            self.validators,
            self.bridge_validators,
        )

    def with_validators(self, validators: tuple[bytes, ...]) -> Roles:
        return Roles(
            self.council,
            self.oracle,
            self.staking_pool,
            self.node_certifiers,
            self.council_members,
            validators,
            self.bridge_validators,
        )

    def with_node_certifiers(self, node_certifiers: tuple[bytes, ...]) -> Roles:
        return Roles(
            self.council,
            self.oracle,
            self.staking_pool,
            node_certifiers,
            self.council_members,
            self.validators,
            self.bridge_validators,
        )

    def with_bridge_validators(self, bridge_validators: tuple[bytes, ...]) -> Roles:
        return Roles(
            self.council,
            self.oracle,
            self.staking_pool,
            self.node_certifiers,
            self.council_members,
            self.validators,
            bridge_validators,
        )

    def may_sign_unfunded(self, who: bytes) -> bool:
        """SIG-07: role accounts may sign before they hold any funds."""
        return (
            who == self.council
            or who == self.oracle
            or who in self.validators
            or who in self.bridge_validators
            or who in self.council_members
        )


plain_records(globals())  # records built with plain stores (sc4it.kernel.plain)
_account_info = plain_builder(AccountInfo)  # `AccountInfo(...)`, for its `with_*`
