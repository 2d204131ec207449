"""The data model: every value stored in a `State`, named after TFChain's storage types.

All records are frozen attrs classes of integers, booleans, bytes, tuples and other records; the bounds
in the annotations are the codec's (see `sc4it.kernel.schema`). Runtime limits that depend on `Config` (name
length, deployment data length...) are checked by the handlers, the annotations carry the hard ceilings.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, ClassVar

import attrs

from sc4it.kernel.schema import U8, U16, U32, U64, U128, AccountId, Hash32, Len, Variant

# --------------------------------------------------------------------------------------------------
# Ledger


@attrs.frozen(slots=True)
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
        return AccountInfo(self.nonce, free, reserved, self.frozen)

    def with_next_nonce(self) -> AccountInfo:
        """This account after one more signed call (STATE/NONCE rules)."""
        return AccountInfo(self.nonce + 1, self.free, self.reserved, self.frozen)


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


@attrs.frozen(slots=True)
class Twin:
    id: U32
    account_id: AccountId
    relay: Annotated[bytes, Len(1024)] | None = None
    pk: Annotated[bytes, Len(128)] | None = None

    def with_account(self, account_id: bytes) -> Twin:
        return Twin(self.id, account_id, self.relay, self.pk)


@attrs.frozen(slots=True)
class TwinTransferRequest:
    """TTR-01: a pending twin ownership transfer (TFChain's `TwinTransferRequest`)."""

    twin_id: U32
    from_: AccountId
    to: AccountId
    created_at: U64
    """The block number of the request."""


@attrs.frozen(slots=True)
class PublicIP:
    """A farm IP; `contract_id == 0` means free."""

    ip: Annotated[bytes, Len(18)]
    gateway: Annotated[bytes, Len(15)]
    contract_id: U64 = 0

    def with_contract_id(self, contract_id: int) -> PublicIP:
        return PublicIP(self.ip, self.gateway, contract_id)


@attrs.frozen(slots=True)
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


@attrs.frozen(slots=True)
class Resources:
    """Capacity: hru, sru, mru in bytes; cru in cores."""

    hru: U64 = 0
    sru: U64 = 0
    cru: U64 = 0
    mru: U64 = 0

    def is_empty(self) -> bool:
        return self.hru == 0 and self.sru == 0 and self.cru == 0 and self.mru == 0


@attrs.frozen(slots=True)
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


@attrs.frozen(slots=True)
class PowerUp(Variant):
    TAG: ClassVar[int] = 0


@attrs.frozen(slots=True)
class PowerDown(Variant):
    """The node went to standby at `block`."""

    TAG: ClassVar[int] = 1
    block: U64


PowerState = PowerUp | PowerDown


@attrs.frozen(slots=True)
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


@attrs.frozen(slots=True)
class Policy:
    """A price in mUSD per billing reference period (one hour) for one `unit`."""

    value: U32
    unit: Unit = Unit.Gigabytes


@attrs.frozen(slots=True)
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


@attrs.frozen(slots=True)
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


@attrs.frozen(slots=True)
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


# --------------------------------------------------------------------------------------------------
# Smart contracts (pallet-smart-contract)


class Cause(IntEnum):
    CanceledByUser = 0
    OutOfFunds = 1
    CanceledByCollective = 2


@attrs.frozen(slots=True)
class Created(Variant):
    TAG: ClassVar[int] = 0


@attrs.frozen(slots=True)
class Deleted(Variant):
    TAG: ClassVar[int] = 1
    cause: Cause


@attrs.frozen(slots=True)
class GracePeriod(Variant):
    TAG: ClassVar[int] = 2
    start_block: U64


ContractState = Created | Deleted | GracePeriod


@attrs.frozen(slots=True)
class NodeContract(Variant):
    TAG: ClassVar[int] = 0
    node_id: U32
    deployment_hash: Hash32
    deployment_data: Annotated[bytes, Len(65536)]
    public_ips: U32
    public_ips_list: Annotated[tuple[PublicIP, ...], Len(512)] = ()

    def with_public_ips_list(self, public_ips_list: tuple[PublicIP, ...]) -> NodeContract:
        return NodeContract(
            self.node_id, self.deployment_hash, self.deployment_data, self.public_ips, public_ips_list
        )

    def with_ips(self, public_ips: int, public_ips_list: tuple[PublicIP, ...]) -> NodeContract:
        return NodeContract(
            self.node_id, self.deployment_hash, self.deployment_data, public_ips, public_ips_list
        )

    def with_deployment(self, deployment_hash: bytes, deployment_data: bytes) -> NodeContract:
        return NodeContract(
            self.node_id, deployment_hash, deployment_data, self.public_ips, self.public_ips_list
        )

    def with_node(self, node_id: int, deployment_hash: bytes) -> NodeContract:
        return NodeContract(
            node_id, deployment_hash, self.deployment_data, self.public_ips, self.public_ips_list
        )


@attrs.frozen(slots=True)
class NameContract(Variant):
    TAG: ClassVar[int] = 1
    name: Annotated[bytes, Len(64)]


@attrs.frozen(slots=True)
class RentContract(Variant):
    TAG: ClassVar[int] = 2
    node_id: U32


ContractData = NodeContract | NameContract | RentContract

CONTRACT_VERSION = 4


@attrs.frozen(slots=True)
class Contract:
    version: U32
    state: ContractState
    contract_id: U64
    twin_id: U32
    contract_type: ContractData
    solution_provider_id: U64 | None = None

    def node_id(self) -> int:
        """TFChain's `get_node_id`: the node of a node or rent contract, 0 for a name contract."""
        ct = self.contract_type
        if isinstance(ct, NameContract):
            return 0
        return ct.node_id

    def with_state(self, state: ContractState) -> Contract:
        return Contract(
            self.version, state, self.contract_id, self.twin_id, self.contract_type, self.solution_provider_id
        )

    def with_contract_type(self, contract_type: ContractData) -> Contract:
        return Contract(
            self.version, self.state, self.contract_id, self.twin_id, contract_type, self.solution_provider_id
        )

    def with_solution_provider(self, solution_provider_id: int | None) -> Contract:
        return Contract(
            self.version, self.state, self.contract_id, self.twin_id, self.contract_type, solution_provider_id
        )


@attrs.frozen(slots=True)
class ContractBillingInformation:
    previous_nu_reported: U64 = 0
    last_updated: U64 = 0
    amount_unbilled: U64 = 0

    def with_amount_unbilled(self, amount_unbilled: int) -> ContractBillingInformation:
        return ContractBillingInformation(self.previous_nu_reported, self.last_updated, amount_unbilled)

    def with_nu_report(self, last_updated: int, amount_unbilled: int) -> ContractBillingInformation:
        return ContractBillingInformation(self.previous_nu_reported, last_updated, amount_unbilled)


@attrs.frozen(slots=True)
class ContractResources:
    contract_id: U64
    used: Resources


@attrs.frozen(slots=True)
class NruConsumption:
    contract_id: U64
    timestamp: U64
    window: U64
    nru: U64


class DiscountLevel(IntEnum):
    None_ = 0
    Default = 1
    Bronze = 2
    Silver = 3
    Gold = 4


@attrs.frozen(slots=True)
class ContractBill:
    contract_id: U64
    timestamp: U64
    discount_level: DiscountLevel
    amount_billed: U128


@attrs.frozen(slots=True)
class ContractPaymentState:
    """Per-contract payment ledger ([R24]): what is reserved on the twin and what is owed."""

    standard_reserve: U128 = 0
    additional_reserve: U128 = 0
    standard_overdraft: U128 = 0
    additional_overdraft: U128 = 0
    last_updated_seconds: U64 = 0
    cycles: U16 = 0

    def get_reserve(self) -> int:
        return self.standard_reserve + self.additional_reserve

    def get_overdraft(self) -> int:
        return self.standard_overdraft + self.additional_overdraft

    def has_reserve(self) -> bool:
        return self.standard_reserve != 0 or self.additional_reserve != 0

    def has_overdraft(self) -> bool:
        return self.standard_overdraft != 0 or self.additional_overdraft != 0

    def with_clock(self, last_updated_seconds: int) -> ContractPaymentState:
        return ContractPaymentState(
            self.standard_reserve,
            self.additional_reserve,
            self.standard_overdraft,
            self.additional_overdraft,
            last_updated_seconds,
            self.cycles,
        )

    def with_amounts(
        self,
        standard_reserve: int,
        additional_reserve: int,
        standard_overdraft: int,
        additional_overdraft: int,
        last_updated_seconds: int,
    ) -> ContractPaymentState:
        """This payment state after a bill: the four amounts and the clock (the cycle count kept)."""
        return ContractPaymentState(
            standard_reserve,
            additional_reserve,
            standard_overdraft,
            additional_overdraft,
            last_updated_seconds,
            self.cycles,
        )

    def distributed(self) -> ContractPaymentState:
        """This payment state after a distribution: no reserve left and the cycle count restarts (DST)."""
        return ContractPaymentState(
            0, 0, self.standard_overdraft, self.additional_overdraft, self.last_updated_seconds, 0
        )

    def with_reserves(self, standard: int, additional: int) -> ContractPaymentState:
        return ContractPaymentState(
            standard,
            additional,
            self.standard_overdraft,
            self.additional_overdraft,
            self.last_updated_seconds,
            self.cycles,
        )

    def with_overdrafts(self, standard: int, additional: int) -> ContractPaymentState:
        return ContractPaymentState(
            self.standard_reserve,
            self.additional_reserve,
            standard,
            additional,
            self.last_updated_seconds,
            self.cycles,
        )

    def with_cycles(self, cycles: int) -> ContractPaymentState:
        return ContractPaymentState(
            self.standard_reserve,
            self.additional_reserve,
            self.standard_overdraft,
            self.additional_overdraft,
            self.last_updated_seconds,
            cycles,
        )


@attrs.frozen(slots=True)
class Provider:
    who: AccountId
    take: U8


@attrs.frozen(slots=True)
class SolutionProvider:
    solution_provider_id: U64
    providers: Annotated[tuple[Provider, ...], Len(16)]
    description: Annotated[bytes, Len(1024)]
    link: Annotated[bytes, Len(1024)]
    approved: bool

    def with_approved(self, approved: bool) -> SolutionProvider:
        return SolutionProvider(
            self.solution_provider_id, self.providers, self.description, self.link, approved
        )


class ServiceContractState(IntEnum):
    Created = 0
    AgreementReady = 1
    ApprovedByBoth = 2


@attrs.frozen(slots=True)
class ServiceContract:
    service_contract_id: U64
    service_twin_id: U32
    consumer_twin_id: U32
    base_fee: U64
    variable_fee: U64
    metadata: Annotated[bytes, Len(64)]
    accepted_by_service: bool
    accepted_by_consumer: bool
    last_bill: U64
    state: ServiceContractState


@attrs.frozen(slots=True)
class ServiceContractBill:
    variable_amount: U64
    window: U64
    metadata: Annotated[bytes, Len(50)]


# --------------------------------------------------------------------------------------------------
# Revenue distribution policy (the split of billed revenue; see spec/distribution.md)


class Recipient(IntEnum):
    """Who receives a share of a contract's distributed reserve (spec/distribution.md DST-06..DST-08):
    `StakingPool` = roles.staking_pool; `Foundation` / `Sales` = pricing policy 1's foundation /
    certified-sales account; `Farmer` = the node's farm twin; `SolutionProviders` = each provider of the
    contract's solution provider gets its take (% of the whole amount) and the rest of the share goes to
    sales (TFChain before spec 152); `Burn` = destroyed."""

    StakingPool = 0
    Foundation = 1
    Farmer = 2
    Sales = 3
    SolutionProviders = 4
    Burn = 5


PERBILL = 1_000_000_000


@attrs.frozen(slots=True)
class Share:
    recipient: Recipient
    perbill: U32


@attrs.frozen(slots=True)
class SplitRule:
    """Shares taken (in order) with Perbill rounding, then `remainder` gets the rest by subtraction."""

    shares: Annotated[tuple[Share, ...], Len(8)]
    remainder: Recipient


@attrs.frozen(slots=True)
class DistributionPolicy:
    """How billed revenue is split: node and rent contracts, name contracts, the dedicated-node extra fee."""

    node: SplitRule
    name: SplitRule
    extra_fee: SplitRule

    @staticmethod
    def tfchain() -> DistributionPolicy:
        """TFChain 2.9+ (spec 152): 10% staking pool, 40% foundation, rest to the farmer; nothing burned."""
        return DistributionPolicy(
            node=SplitRule(
                (Share(Recipient.StakingPool, 100_000_000), Share(Recipient.Foundation, 400_000_000)),
                Recipient.Farmer,
            ),
            name=SplitRule((Share(Recipient.StakingPool, 100_000_000),), Recipient.Foundation),
            extra_fee=SplitRule((), Recipient.Farmer),
        )

    @staticmethod
    def legacy() -> DistributionPolicy:
        """TFChain before spec 152: 10% foundation, 5% staking pool, 50% sales (less solution-provider
        takes, which go to the providers), the rest burned; the extra fee 100% to the farmer."""
        return DistributionPolicy(
            node=SplitRule(
                (
                    Share(Recipient.Foundation, 100_000_000),
                    Share(Recipient.StakingPool, 50_000_000),
                    Share(Recipient.SolutionProviders, 500_000_000),
                ),
                Recipient.Burn,
            ),
            name=SplitRule(
                (
                    Share(Recipient.Foundation, 100_000_000),
                    Share(Recipient.StakingPool, 50_000_000),
                    Share(Recipient.SolutionProviders, 500_000_000),
                ),
                Recipient.Burn,
            ),
            extra_fee=SplitRule((), Recipient.Farmer),
        )
