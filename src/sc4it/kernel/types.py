"""The data model: every value stored in a `State`, named after TFChain's storage types. The ledger,
grid-registry and role records live in `sc4it.kernel.registry_types` (re-exported here); this module
holds the smart-contract records and the distribution policy.

All records are frozen attrs classes of integers, booleans, bytes, tuples and other records; the bounds
in the annotations are the codec's (see `sc4it.kernel.schema`). Runtime limits that depend on `Config` (name
length, deployment data length...) are checked by the handlers, the annotations carry the hard ceilings.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, ClassVar

import attrs

from sc4it.kernel.plain import plain_builder, plain_records
from sc4it.kernel.registry_types import (
    MAX_ROLE_MEMBERS,
    AccountInfo,
    Farm,
    FarmCertification,
    Node,
    NodeCertification,
    NodePower,
    Policy,
    Power,
    PowerDown,
    PowerState,
    PowerUp,
    PricingPolicy,
    PublicIP,
    Resources,
    Roles,
    TftPrice,
    Twin,
    TwinTransferRequest,
    Unit,
)
from sc4it.kernel.schema import U8, U16, U32, U64, U128, AccountId, Hash32, Len, Variant

__all__ = [  # the data model: the records of registry_types (re-exported) and those defined here
    "CONTRACT_VERSION",
    "MAX_ROLE_MEMBERS",
    "PERBILL",
    "AccountInfo",
    "Cause",
    "Contract",
    "ContractBill",
    "ContractBillingInformation",
    "ContractData",
    "ContractPaymentState",
    "ContractResources",
    "ContractState",
    "Created",
    "Deleted",
    "DiscountLevel",
    "DistributionPolicy",
    "Farm",
    "FarmCertification",
    "GracePeriod",
    "NameContract",
    "Node",
    "NodeCertification",
    "NodeContract",
    "NodePower",
    "NruConsumption",
    "Policy",
    "Power",
    "PowerDown",
    "PowerState",
    "PowerUp",
    "PricingPolicy",
    "Provider",
    "PublicIP",
    "Recipient",
    "RentContract",
    "Resources",
    "Roles",
    "ServiceContract",
    "ServiceContractBill",
    "ServiceContractState",
    "Share",
    "SolutionProvider",
    "SplitRule",
    "TftPrice",
    "Twin",
    "TwinTransferRequest",
    "Unit",
]

# --------------------------------------------------------------------------------------------------
# Smart contracts (pallet-smart-contract)


class Cause(IntEnum):
    CanceledByUser = 0
    OutOfFunds = 1
    CanceledByCollective = 2


@attrs.frozen(slots=True, weakref_slot=False)
class Created(Variant):
    TAG: ClassVar[int] = 0


@attrs.frozen(slots=True, weakref_slot=False)
class Deleted(Variant):
    TAG: ClassVar[int] = 1
    cause: Cause


@attrs.frozen(slots=True, weakref_slot=False)
class GracePeriod(Variant):
    TAG: ClassVar[int] = 2
    start_block: U64


ContractState = Created | Deleted | GracePeriod


@attrs.frozen(slots=True, weakref_slot=False)
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


@attrs.frozen(slots=True, weakref_slot=False)
class NameContract(Variant):
    TAG: ClassVar[int] = 1
    name: Annotated[bytes, Len(64)]


@attrs.frozen(slots=True, weakref_slot=False)
class RentContract(Variant):
    TAG: ClassVar[int] = 2
    node_id: U32


ContractData = NodeContract | NameContract | RentContract

CONTRACT_VERSION = 4


@attrs.frozen(slots=True, weakref_slot=False)
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


@attrs.frozen(slots=True, weakref_slot=False)
class ContractBillingInformation:
    previous_nu_reported: U64 = 0
    last_updated: U64 = 0
    amount_unbilled: U64 = 0

    def with_amount_unbilled(self, amount_unbilled: int) -> ContractBillingInformation:
        return _billing_information(self.previous_nu_reported, self.last_updated, amount_unbilled)

    def with_nu_report(self, last_updated: int, amount_unbilled: int) -> ContractBillingInformation:
        return _billing_information(self.previous_nu_reported, last_updated, amount_unbilled)


@attrs.frozen(slots=True, weakref_slot=False)
class ContractResources:
    contract_id: U64
    used: Resources


@attrs.frozen(slots=True, weakref_slot=False)
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


@attrs.frozen(slots=True, weakref_slot=False)
class ContractBill:
    contract_id: U64
    timestamp: U64
    discount_level: DiscountLevel
    amount_billed: U128


@attrs.frozen(slots=True, weakref_slot=False)
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
        return _payment_state(
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
        return _payment_state(
            standard_reserve,
            additional_reserve,
            standard_overdraft,
            additional_overdraft,
            last_updated_seconds,
            self.cycles,
        )

    def distributed(self) -> ContractPaymentState:
        """This payment state after a distribution: no reserve left and the cycle count restarts (DST)."""
        return _payment_state(
            0, 0, self.standard_overdraft, self.additional_overdraft, self.last_updated_seconds, 0
        )

    def with_reserves(self, standard: int, additional: int) -> ContractPaymentState:
        return _payment_state(
            standard,
            additional,
            self.standard_overdraft,
            self.additional_overdraft,
            self.last_updated_seconds,
            self.cycles,
        )

    def with_overdrafts(self, standard: int, additional: int) -> ContractPaymentState:
        return _payment_state(
            self.standard_reserve,
            self.additional_reserve,
            standard,
            additional,
            self.last_updated_seconds,
            self.cycles,
        )

    def with_cycles(self, cycles: int) -> ContractPaymentState:
        return _payment_state(
            self.standard_reserve,
            self.additional_reserve,
            self.standard_overdraft,
            self.additional_overdraft,
            self.last_updated_seconds,
            cycles,
        )


@attrs.frozen(slots=True, weakref_slot=False)
class Provider:
    who: AccountId
    take: U8


@attrs.frozen(slots=True, weakref_slot=False)
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


@attrs.frozen(slots=True, weakref_slot=False)
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


@attrs.frozen(slots=True, weakref_slot=False)
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


@attrs.frozen(slots=True, weakref_slot=False)
class Share:
    recipient: Recipient
    perbill: U32


@attrs.frozen(slots=True, weakref_slot=False)
class SplitRule:
    """Shares taken (in order) with Perbill rounding, then `remainder` gets the rest by subtraction."""

    shares: Annotated[tuple[Share, ...], Len(8)]
    remainder: Recipient


@attrs.frozen(slots=True, weakref_slot=False)
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


plain_records(globals())  # records built with plain stores (sc4it.kernel.plain)
_payment_state = plain_builder(ContractPaymentState)  # `ContractPaymentState(...)`, for its `with_*`
_billing_information = plain_builder(ContractBillingInformation)  # the same, for its `with_*`
