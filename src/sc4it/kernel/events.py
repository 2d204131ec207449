"""Events, named and shaped after TFChain's (pallet-smart-contract, pallet-tfgrid, pallet-tft-price,
pallet-balances), plus sc4it's extension events. Each is a tagged `Variant`; `Event` is their union."""

from __future__ import annotations

import typing
from typing import Annotated, ClassVar

import attrs

from sc4it.kernel.bridge_records import (
    BurnTransaction,
    MintTransaction,
    StellarAddress,
    StellarSignature,
    StellarTxId,
)
from sc4it.kernel.plain import plain_records
from sc4it.kernel.schema import U32, U64, U128, AccountId, Len, Variant
from sc4it.kernel.types import (
    Cause,
    Contract,
    ContractBill,
    ContractResources,
    Farm,
    FarmCertification,
    Node,
    NodeCertification,
    NruConsumption,
    Power,
    PowerState,
    PricingPolicy,
    PublicIP,
    ServiceContract,
    ServiceContractBill,
    SolutionProvider,
    Twin,
)
from sc4it.kernel.types import DistributionPolicy as _DistributionPolicy

# --- balances ---------------------------------------------------------------------------------


@attrs.frozen(slots=True, weakref_slot=False)
class Transfer(Variant):
    TAG: ClassVar[int] = 0
    from_: AccountId
    to: AccountId
    amount: U128


@attrs.frozen(slots=True, weakref_slot=False)
class Endowed(Variant):
    TAG: ClassVar[int] = 1
    account: AccountId
    free_balance: U128


@attrs.frozen(slots=True, weakref_slot=False)
class Minted(Variant):
    TAG: ClassVar[int] = 2
    who: AccountId
    amount: U128


@attrs.frozen(slots=True, weakref_slot=False)
class Burned(Variant):
    TAG: ClassVar[int] = 3
    who: AccountId
    amount: U128


# --- tfgrid -----------------------------------------------------------------------------------


@attrs.frozen(slots=True, weakref_slot=False)
class TwinStored(Variant):
    TAG: ClassVar[int] = 10
    twin: Twin


@attrs.frozen(slots=True, weakref_slot=False)
class TwinAccountBounded(Variant):
    TAG: ClassVar[int] = 11
    twin_id: U32
    account: AccountId


@attrs.frozen(slots=True, weakref_slot=False)
class FarmStored(Variant):
    TAG: ClassVar[int] = 12
    farm: Farm


@attrs.frozen(slots=True, weakref_slot=False)
class FarmUpdated(Variant):
    TAG: ClassVar[int] = 13
    farm: Farm


@attrs.frozen(slots=True, weakref_slot=False)
class FarmMarkedAsDedicated(Variant):
    TAG: ClassVar[int] = 14
    farm_id: U32
    dedicated: bool


@attrs.frozen(slots=True, weakref_slot=False)
class FarmCertificationSet(Variant):
    TAG: ClassVar[int] = 15
    farm_id: U32
    certification: FarmCertification


@attrs.frozen(slots=True, weakref_slot=False)
class NodeStored(Variant):
    TAG: ClassVar[int] = 16
    node: Node


@attrs.frozen(slots=True, weakref_slot=False)
class NodeUpdated(Variant):
    TAG: ClassVar[int] = 17
    node: Node


@attrs.frozen(slots=True, weakref_slot=False)
class NodeDeleted(Variant):
    TAG: ClassVar[int] = 18
    node_id: U32


@attrs.frozen(slots=True, weakref_slot=False)
class NodeCertificationSet(Variant):
    TAG: ClassVar[int] = 19
    node_id: U32
    certification: NodeCertification


@attrs.frozen(slots=True, weakref_slot=False)
class PowerTargetChanged(Variant):
    TAG: ClassVar[int] = 20
    farm_id: U32
    node_id: U32
    power_target: Power


@attrs.frozen(slots=True, weakref_slot=False)
class PowerStateChanged(Variant):
    TAG: ClassVar[int] = 21
    farm_id: U32
    node_id: U32
    power_state: PowerState


@attrs.frozen(slots=True, weakref_slot=False)
class PricingPolicyStored(Variant):
    TAG: ClassVar[int] = 22
    pricing_policy: PricingPolicy


# --- tft price --------------------------------------------------------------------------------


@attrs.frozen(slots=True, weakref_slot=False)
class TwinUpdated(Variant):
    """TTR-26: the twin after a change of owner."""

    TAG: ClassVar[int] = 23
    twin: Twin


@attrs.frozen(slots=True, weakref_slot=False)
class TwinTransferRequested(Variant):
    """TTR-15."""

    TAG: ClassVar[int] = 24
    request_id: U64
    twin_id: U32
    from_: AccountId
    to: AccountId


@attrs.frozen(slots=True, weakref_slot=False)
class TwinOwnershipTransferred(Variant):
    """TTR-26."""

    TAG: ClassVar[int] = 25
    request_id: U64
    twin_id: U32
    from_: AccountId
    to: AccountId


@attrs.frozen(slots=True, weakref_slot=False)
class TwinTransferCanceled(Variant):
    """TTR-32."""

    TAG: ClassVar[int] = 26
    request_id: U64
    twin_id: U32
    from_: AccountId
    to: AccountId


@attrs.frozen(slots=True, weakref_slot=False)
class NodeV3BillingOptedOut(Variant):
    """OPT-14."""

    TAG: ClassVar[int] = 27
    node_id: U32
    opted_out_at: U64


@attrs.frozen(slots=True, weakref_slot=False)
class TwinAdminAdded(Variant):
    """OPT-15."""

    TAG: ClassVar[int] = 28
    account: AccountId


@attrs.frozen(slots=True, weakref_slot=False)
class TwinAdminRemoved(Variant):
    """OPT-16."""

    TAG: ClassVar[int] = 29
    account: AccountId


@attrs.frozen(slots=True, weakref_slot=False)
class NodeV3OptOutMetadataSet(Variant):
    """OPT-23."""

    TAG: ClassVar[int] = 36
    node_id: U32
    metadata: Annotated[bytes, Len(256)]


@attrs.frozen(slots=True, weakref_slot=False)
class NodeV3OptOutMetadataCleared(Variant):
    """OPT-22."""

    TAG: ClassVar[int] = 37
    node_id: U32


@attrs.frozen(slots=True, weakref_slot=False)
class PriceStored(Variant):
    TAG: ClassVar[int] = 30
    price: U32


@attrs.frozen(slots=True, weakref_slot=False)
class AveragePriceStored(Variant):
    TAG: ClassVar[int] = 31
    price: U32


@attrs.frozen(slots=True, weakref_slot=False)
class AveragePriceIsBelowMinPrice(Variant):
    TAG: ClassVar[int] = 32
    average: U32
    min: U32


@attrs.frozen(slots=True, weakref_slot=False)
class AveragePriceIsAboveMaxPrice(Variant):
    TAG: ClassVar[int] = 33
    average: U32
    max: U32


@attrs.frozen(slots=True, weakref_slot=False)
class MinPriceStored(Variant):
    TAG: ClassVar[int] = 34
    price: U32


@attrs.frozen(slots=True, weakref_slot=False)
class MaxPriceStored(Variant):
    TAG: ClassVar[int] = 35
    price: U32


# --- smart contract (TFChain's Event enum, in its order) ---------------------------------------


@attrs.frozen(slots=True, weakref_slot=False)
class ContractCreated(Variant):
    TAG: ClassVar[int] = 40
    contract: Contract


@attrs.frozen(slots=True, weakref_slot=False)
class ContractUpdated(Variant):
    TAG: ClassVar[int] = 41
    contract: Contract


@attrs.frozen(slots=True, weakref_slot=False)
class NodeContractCanceled(Variant):
    TAG: ClassVar[int] = 42
    contract_id: U64
    node_id: U32
    twin_id: U32


@attrs.frozen(slots=True, weakref_slot=False)
class NameContractCanceled(Variant):
    TAG: ClassVar[int] = 43
    contract_id: U64


@attrs.frozen(slots=True, weakref_slot=False)
class IPsReserved(Variant):
    """Declared by TFChain, never emitted there; sc4it does not emit it either (reference P-J)."""

    TAG: ClassVar[int] = 44
    contract_id: U64
    public_ips: Annotated[tuple[PublicIP, ...], Len(512)]


@attrs.frozen(slots=True, weakref_slot=False)
class IPsFreed(Variant):
    TAG: ClassVar[int] = 45
    contract_id: U64
    public_ips: Annotated[tuple[PublicIP, ...], Len(512)]


@attrs.frozen(slots=True, weakref_slot=False)
class ContractDeployed(Variant):
    """Deprecated in TFChain; sc4it emits it when a node confirms a deployment (extension DEP-xx)."""

    TAG: ClassVar[int] = 46
    contract_id: U64
    account_id: AccountId


@attrs.frozen(slots=True, weakref_slot=False)
class ContractBilled(Variant):
    TAG: ClassVar[int] = 48
    contract_bill: ContractBill


@attrs.frozen(slots=True, weakref_slot=False)
class TokensBurned(Variant):
    TAG: ClassVar[int] = 49
    contract_id: U64
    amount: U128


@attrs.frozen(slots=True, weakref_slot=False)
class UpdatedUsedResources(Variant):
    TAG: ClassVar[int] = 50
    contract_resources: ContractResources


@attrs.frozen(slots=True, weakref_slot=False)
class NruConsumptionReportReceived(Variant):
    TAG: ClassVar[int] = 51
    nru_consumption: NruConsumption


@attrs.frozen(slots=True, weakref_slot=False)
class RentContractCanceled(Variant):
    TAG: ClassVar[int] = 52
    contract_id: U64


@attrs.frozen(slots=True, weakref_slot=False)
class ContractGracePeriodStarted(Variant):
    TAG: ClassVar[int] = 53
    contract_id: U64
    node_id: U32
    twin_id: U32
    block_number: U64


@attrs.frozen(slots=True, weakref_slot=False)
class ContractGracePeriodEnded(Variant):
    TAG: ClassVar[int] = 54
    contract_id: U64
    node_id: U32
    twin_id: U32


@attrs.frozen(slots=True, weakref_slot=False)
class SolutionProviderCreated(Variant):
    TAG: ClassVar[int] = 55
    solution_provider: SolutionProvider


@attrs.frozen(slots=True, weakref_slot=False)
class SolutionProviderApproved(Variant):
    TAG: ClassVar[int] = 56
    solution_provider_id: U64
    approved: bool


@attrs.frozen(slots=True, weakref_slot=False)
class ServiceContractCreated(Variant):
    TAG: ClassVar[int] = 57
    service_contract: ServiceContract


@attrs.frozen(slots=True, weakref_slot=False)
class ServiceContractMetadataSet(Variant):
    TAG: ClassVar[int] = 58
    service_contract: ServiceContract


@attrs.frozen(slots=True, weakref_slot=False)
class ServiceContractFeesSet(Variant):
    TAG: ClassVar[int] = 59
    service_contract: ServiceContract


@attrs.frozen(slots=True, weakref_slot=False)
class ServiceContractApproved(Variant):
    TAG: ClassVar[int] = 60
    service_contract: ServiceContract


@attrs.frozen(slots=True, weakref_slot=False)
class ServiceContractCanceled(Variant):
    TAG: ClassVar[int] = 61
    service_contract_id: U64
    cause: Cause


@attrs.frozen(slots=True, weakref_slot=False)
class ServiceContractBilled(Variant):
    TAG: ClassVar[int] = 62
    service_contract: ServiceContract
    bill: ServiceContractBill
    amount: U128


@attrs.frozen(slots=True, weakref_slot=False)
class BillingFrequencyChanged(Variant):
    TAG: ClassVar[int] = 63
    frequency: U64


@attrs.frozen(slots=True, weakref_slot=False)
class NodeExtraFeeSet(Variant):
    TAG: ClassVar[int] = 64
    node_id: U32
    extra_fee: U64


@attrs.frozen(slots=True, weakref_slot=False)
class RentWaived(Variant):
    TAG: ClassVar[int] = 65
    contract_id: U64


@attrs.frozen(slots=True, weakref_slot=False)
class ContractGracePeriodElapsed(Variant):
    TAG: ClassVar[int] = 66
    contract_id: U64
    grace_period: U64


@attrs.frozen(slots=True, weakref_slot=False)
class ContractPaymentOverdrawn(Variant):
    TAG: ClassVar[int] = 67
    contract_id: U64
    timestamp: U64
    partially_billed_amount: U128
    overdraft: U128


@attrs.frozen(slots=True, weakref_slot=False)
class RewardDistributed(Variant):
    TAG: ClassVar[int] = 68
    contract_id: U64
    standard_rewards: U128
    additional_rewards: U128


# --- sc4it extensions -------------------------------------------------------------------------


@attrs.frozen(slots=True, weakref_slot=False)
class DeploymentRejected(Variant):
    TAG: ClassVar[int] = 80
    contract_id: U64
    reason: Annotated[bytes, Len(256)]


@attrs.frozen(slots=True, weakref_slot=False)
class DistributionPolicySet(Variant):
    TAG: ClassVar[int] = 81
    policy: _DistributionPolicy


# --- tft bridge (pallet-tft-bridge) ----------------------------------------------------------


@attrs.frozen(slots=True, weakref_slot=False)
class MintTransactionProposed(Variant):
    TAG: ClassVar[int] = 150
    transaction: StellarTxId
    target: AccountId
    amount: U64


@attrs.frozen(slots=True, weakref_slot=False)
class MintTransactionVoted(Variant):
    TAG: ClassVar[int] = 151
    transaction: StellarTxId


@attrs.frozen(slots=True, weakref_slot=False)
class MintCompleted(Variant):
    TAG: ClassVar[int] = 152
    mint_transaction: MintTransaction
    transaction: StellarTxId


@attrs.frozen(slots=True, weakref_slot=False)
class BurnTransactionCreated(Variant):
    TAG: ClassVar[int] = 153
    burn_transaction_id: U64
    source: AccountId
    target: StellarAddress
    amount: U64


@attrs.frozen(slots=True, weakref_slot=False)
class BurnTransactionSignatureAdded(Variant):
    TAG: ClassVar[int] = 155
    burn_transaction_id: U64
    signature: StellarSignature


@attrs.frozen(slots=True, weakref_slot=False)
class BurnTransactionReady(Variant):
    TAG: ClassVar[int] = 156
    burn_transaction_id: U64


@attrs.frozen(slots=True, weakref_slot=False)
class BurnTransactionProcessed(Variant):
    TAG: ClassVar[int] = 157
    burn_transaction: BurnTransaction


# --- roles (pallet-membership, validator set, pallet-tfgrid certifiers) -----------------------


@attrs.frozen(slots=True, weakref_slot=False)
class MemberAdded(Variant):
    TAG: ClassVar[int] = 160


@attrs.frozen(slots=True, weakref_slot=False)
class MemberRemoved(Variant):
    TAG: ClassVar[int] = 161


@attrs.frozen(slots=True, weakref_slot=False)
class MembersSwapped(Variant):
    TAG: ClassVar[int] = 162


@attrs.frozen(slots=True, weakref_slot=False)
class MembersReset(Variant):
    TAG: ClassVar[int] = 163


@attrs.frozen(slots=True, weakref_slot=False)
class KeyChanged(Variant):
    TAG: ClassVar[int] = 164


@attrs.frozen(slots=True, weakref_slot=False)
class ValidatorAdditionInitiated(Variant):
    TAG: ClassVar[int] = 165
    validator_id: AccountId


@attrs.frozen(slots=True, weakref_slot=False)
class ValidatorRemovalInitiated(Variant):
    TAG: ClassVar[int] = 166
    validator_id: AccountId


@attrs.frozen(slots=True, weakref_slot=False)
class NodeCertifierAdded(Variant):
    TAG: ClassVar[int] = 167
    certifier: AccountId


@attrs.frozen(slots=True, weakref_slot=False)
class NodeCertifierRemoved(Variant):
    TAG: ClassVar[int] = 168
    certifier: AccountId


Event = (
    Transfer
    | Endowed
    | Minted
    | Burned
    | TwinStored
    | TwinAccountBounded
    | FarmStored
    | FarmUpdated
    | FarmMarkedAsDedicated
    | FarmCertificationSet
    | NodeStored
    | NodeUpdated
    | NodeDeleted
    | NodeCertificationSet
    | PowerTargetChanged
    | PowerStateChanged
    | PricingPolicyStored
    | TwinUpdated
    | TwinTransferRequested
    | TwinOwnershipTransferred
    | TwinTransferCanceled
    | NodeV3BillingOptedOut
    | TwinAdminAdded
    | TwinAdminRemoved
    | NodeV3OptOutMetadataSet
    | NodeV3OptOutMetadataCleared
    | PriceStored
    | AveragePriceStored
    | AveragePriceIsBelowMinPrice
    | AveragePriceIsAboveMaxPrice
    | MinPriceStored
    | MaxPriceStored
    | ContractCreated
    | ContractUpdated
    | NodeContractCanceled
    | NameContractCanceled
    | IPsReserved
    | IPsFreed
    | ContractDeployed
    | ContractBilled
    | TokensBurned
    | UpdatedUsedResources
    | NruConsumptionReportReceived
    | RentContractCanceled
    | ContractGracePeriodStarted
    | ContractGracePeriodEnded
    | SolutionProviderCreated
    | SolutionProviderApproved
    | ServiceContractCreated
    | ServiceContractMetadataSet
    | ServiceContractFeesSet
    | ServiceContractApproved
    | ServiceContractCanceled
    | ServiceContractBilled
    | BillingFrequencyChanged
    | NodeExtraFeeSet
    | RentWaived
    | ContractGracePeriodElapsed
    | ContractPaymentOverdrawn
    | RewardDistributed
    | DeploymentRejected
    | DistributionPolicySet
    | MintTransactionProposed
    | MintTransactionVoted
    | MintCompleted
    | BurnTransactionCreated
    | BurnTransactionSignatureAdded
    | BurnTransactionReady
    | BurnTransactionProcessed
    | MemberAdded
    | MemberRemoved
    | MembersSwapped
    | MembersReset
    | KeyChanged
    | ValidatorAdditionInitiated
    | ValidatorRemovalInitiated
    | NodeCertifierAdded
    | NodeCertifierRemoved
)

ALL_EVENTS: tuple[type[Variant], ...] = typing.get_args(Event)


plain_records(globals())  # records built with plain stores (sc4it.kernel.plain)
