"""One frozen class per extrinsic, named after TFChain's in CamelCase, plus the ledger and registry calls
sc4it needs and its extensions. `Call` is their union; `TAG` is the call index in sc4it's encoding.

Byte-string bounds here are codec ceilings; the configurable limits (`Config`) are checked by handlers so
that each gets its own typed error.
"""

from __future__ import annotations

import typing
from typing import Annotated, ClassVar

import attrs

from sc4it.kernel.bridge_records import StellarAddress, StellarBytes, StellarTxId
from sc4it.kernel.schema import U8, U32, U64, U128, AccountId, Hash32, Len, Variant
from sc4it.kernel.types import (
    ContractResources,
    DistributionPolicy,
    FarmCertification,
    NodeCertification,
    NruConsumption,
    Policy,
    Power,
    Provider,
    Resources,
)

Name = Annotated[bytes, Len(128)]
IpBytes = Annotated[bytes, Len(64)]
Blob = Annotated[bytes, Len(65536)]
Text = Annotated[bytes, Len(4096)]

# --- ledger (pallet-balances) -------------------------------------------------------------------


@attrs.frozen(slots=True)
class Transfer(Variant):
    """Move `amount` of free balance to `dest`; the sender must stay alive (keep-alive semantics)."""

    TAG: ClassVar[int] = 0
    dest: AccountId
    amount: U128


@attrs.frozen(slots=True)
class IpInput:
    ip: IpBytes
    gateway: IpBytes


@attrs.frozen(slots=True)
class CreateTwin(Variant):
    TAG: ClassVar[int] = 10
    relay: Annotated[bytes, Len(2048)] | None = None
    pk: Annotated[bytes, Len(256)] | None = None


@attrs.frozen(slots=True)
class BondTwinAccount(Variant):
    TAG: ClassVar[int] = 11
    twin_id: U32


@attrs.frozen(slots=True)
class CreateFarm(Variant):
    TAG: ClassVar[int] = 12
    name: Name
    public_ips: Annotated[tuple[IpInput, ...], Len(1024)] = ()


@attrs.frozen(slots=True)
class AddFarmIp(Variant):
    TAG: ClassVar[int] = 13
    farm_id: U32
    ip: IpBytes
    gateway: IpBytes


@attrs.frozen(slots=True)
class RemoveFarmIp(Variant):
    TAG: ClassVar[int] = 14
    farm_id: U32
    ip: IpBytes


@attrs.frozen(slots=True)
class SetFarmDedicated(Variant):
    TAG: ClassVar[int] = 15
    farm_id: U32
    dedicated: bool


@attrs.frozen(slots=True)
class SetFarmCertification(Variant):
    TAG: ClassVar[int] = 16
    farm_id: U32
    certification: FarmCertification


@attrs.frozen(slots=True)
class SetFarmPricingPolicy(Variant):
    """Extension (council): TFChain gives every farm policy 1 and offers no call to change it."""

    TAG: ClassVar[int] = 17
    farm_id: U32
    pricing_policy_id: U32


@attrs.frozen(slots=True)
class CreateNode(Variant):
    TAG: ClassVar[int] = 18
    farm_id: U32
    resources: Resources


@attrs.frozen(slots=True)
class UpdateNode(Variant):
    TAG: ClassVar[int] = 19
    node_id: U32
    farm_id: U32
    resources: Resources


@attrs.frozen(slots=True)
class SetNodeCertification(Variant):
    TAG: ClassVar[int] = 20
    node_id: U32
    node_certification: NodeCertification


@attrs.frozen(slots=True)
class ChangePowerState(Variant):
    TAG: ClassVar[int] = 21
    power_state: Power


@attrs.frozen(slots=True)
class ChangePowerTarget(Variant):
    TAG: ClassVar[int] = 22
    node_id: U32
    power_target: Power


@attrs.frozen(slots=True)
class DeleteNodeFarm(Variant):
    TAG: ClassVar[int] = 23
    node_id: U32


@attrs.frozen(slots=True)
class CreatePricingPolicy(Variant):
    TAG: ClassVar[int] = 24
    name: Name
    su: Policy
    cu: Policy
    nu: Policy
    ipu: Policy
    unique_name: Policy
    domain_name: Policy
    certified_sales_account: AccountId
    foundation_account: AccountId
    discount_for_dedication_nodes: U8


@attrs.frozen(slots=True)
class UpdatePricingPolicy(Variant):
    TAG: ClassVar[int] = 25
    pricing_policy_id: U32
    name: Name
    su: Policy
    cu: Policy
    nu: Policy
    ipu: Policy
    unique_name: Policy
    domain_name: Policy
    certified_sales_account: AccountId
    foundation_account: AccountId
    discount_for_dedication_nodes: U8


@attrs.frozen(slots=True)
class SetPrices(Variant):
    """Oracle origin: a new TFT price observation (mUSD)."""

    TAG: ClassVar[int] = 26
    price: U32
    block_number: U64


@attrs.frozen(slots=True)
class SetMinTftPrice(Variant):
    TAG: ClassVar[int] = 27
    price: U32


@attrs.frozen(slots=True)
class SetMaxTftPrice(Variant):
    TAG: ClassVar[int] = 28
    price: U32


# --- twin ownership transfer (pallet-tfgrid, ADR-0024; spec/twin-transfer.md) -----------------


@attrs.frozen(slots=True)
class RequestTwinTransfer(Variant):
    """TTR-10..TTR-15: the twin's owner asks to hand the twin to `new_account`."""

    TAG: ClassVar[int] = 29
    new_account: AccountId


@attrs.frozen(slots=True)
class AcceptTwinTransfer(Variant):
    """TTR-20..TTR-26: the new account accepts a pending request."""

    TAG: ClassVar[int] = 30
    request_id: U64


@attrs.frozen(slots=True)
class CancelTwinTransfer(Variant):
    """TTR-30..TTR-32: the old owner withdraws a pending request."""

    TAG: ClassVar[int] = 31
    request_id: U64


# --- V3 billing opt-out (pallet-tfgrid, ADR-0025/0026; spec/opt-out.md) ------------------------


@attrs.frozen(slots=True)
class OptOutOfV3Billing(Variant):
    """OPT-10..OPT-14: the farmer takes a node out of v3 billing, for good."""

    TAG: ClassVar[int] = 32
    node_id: U32


@attrs.frozen(slots=True)
class AddTwinAdmin(Variant):
    """OPT-15: council: `account` may deploy on opted-out nodes."""

    TAG: ClassVar[int] = 33
    account: AccountId


@attrs.frozen(slots=True)
class RemoveTwinAdmin(Variant):
    """OPT-16: council: `account` may no longer deploy on opted-out nodes."""

    TAG: ClassVar[int] = 34
    account: AccountId


@attrs.frozen(slots=True)
class SetNodeV3OptOutMetadata(Variant):
    """OPT-20..OPT-23: the farmer sets (non-empty) or clears (empty) an opted-out node's note."""

    TAG: ClassVar[int] = 35
    node_id: U32
    metadata: Text


# --- smart contract (TFChain call index + 40) --------------------------------------------------


@attrs.frozen(slots=True)
class CreateNodeContract(Variant):
    TAG: ClassVar[int] = 40
    node_id: U32
    deployment_hash: Hash32
    deployment_data: Blob
    public_ips: U32
    solution_provider_id: U64 | None = None


@attrs.frozen(slots=True)
class UpdateNodeContract(Variant):
    TAG: ClassVar[int] = 41
    contract_id: U64
    deployment_hash: Hash32
    deployment_data: Blob


@attrs.frozen(slots=True)
class CancelContract(Variant):
    TAG: ClassVar[int] = 42
    contract_id: U64


@attrs.frozen(slots=True)
class CreateNameContract(Variant):
    TAG: ClassVar[int] = 44
    name: Name


@attrs.frozen(slots=True)
class AddNruReports(Variant):
    TAG: ClassVar[int] = 45
    reports: Annotated[tuple[NruConsumption, ...], Len(4096)]


@attrs.frozen(slots=True)
class ReportContractResources(Variant):
    TAG: ClassVar[int] = 46
    contract_resources: Annotated[tuple[ContractResources, ...], Len(4096)]


@attrs.frozen(slots=True)
class CreateRentContract(Variant):
    TAG: ClassVar[int] = 47
    node_id: U32
    solution_provider_id: U64 | None = None


@attrs.frozen(slots=True)
class CreateSolutionProvider(Variant):
    TAG: ClassVar[int] = 48
    description: Text
    link: Text
    providers: Annotated[tuple[Provider, ...], Len(256)]


@attrs.frozen(slots=True)
class ApproveSolutionProvider(Variant):
    TAG: ClassVar[int] = 49
    solution_provider_id: U64
    approve: bool


@attrs.frozen(slots=True)
class BillContractForBlock(Variant):
    TAG: ClassVar[int] = 50
    contract_id: U64


@attrs.frozen(slots=True)
class ServiceContractCreate(Variant):
    TAG: ClassVar[int] = 51
    service_account: AccountId
    consumer_account: AccountId


@attrs.frozen(slots=True)
class ServiceContractSetMetadata(Variant):
    TAG: ClassVar[int] = 52
    service_contract_id: U64
    metadata: Text


@attrs.frozen(slots=True)
class ServiceContractSetFees(Variant):
    TAG: ClassVar[int] = 53
    service_contract_id: U64
    base_fee: U64
    variable_fee: U64


@attrs.frozen(slots=True)
class ServiceContractApprove(Variant):
    TAG: ClassVar[int] = 54
    service_contract_id: U64


@attrs.frozen(slots=True)
class ServiceContractReject(Variant):
    TAG: ClassVar[int] = 55
    service_contract_id: U64


@attrs.frozen(slots=True)
class ServiceContractCancel(Variant):
    TAG: ClassVar[int] = 56
    service_contract_id: U64


@attrs.frozen(slots=True)
class ServiceContractBill(Variant):
    TAG: ClassVar[int] = 57
    service_contract_id: U64
    variable_amount: U64
    metadata: Text


@attrs.frozen(slots=True)
class ChangeBillingFrequency(Variant):
    TAG: ClassVar[int] = 58
    frequency: U64


@attrs.frozen(slots=True)
class AttachSolutionProviderId(Variant):
    TAG: ClassVar[int] = 59
    contract_id: U64
    solution_provider_id: U64


@attrs.frozen(slots=True)
class SetDedicatedNodeExtraFee(Variant):
    TAG: ClassVar[int] = 60
    node_id: U32
    extra_fee: U64


@attrs.frozen(slots=True)
class CancelContractCollective(Variant):
    TAG: ClassVar[int] = 61
    contract_id: U64


@attrs.frozen(slots=True)
class MigrateNodeContract(Variant):
    """MIG-01..MIG-27: council: move a Created node contract to `node_id` on the same farm; a `None`
    hash keeps the contract's."""

    TAG: ClassVar[int] = 62
    contract_id: U64
    node_id: U32
    deployment_hash: Hash32 | None = None


# --- sc4it extensions --------------------------------------------------------------------------


@attrs.frozen(slots=True)
class ConfirmDeployment(Variant):
    """Node twin: the workload of `contract_id` is deployed (seeds 001/003)."""

    TAG: ClassVar[int] = 80
    contract_id: U64


@attrs.frozen(slots=True)
class RejectDeployment(Variant):
    """Node twin: the workload was refused; the contract is removed, settled like a cancel."""

    TAG: ClassVar[int] = 81
    contract_id: U64
    reason: Text


@attrs.frozen(slots=True)
class SetDistributionPolicy(Variant):
    """Council: change how billed revenue is split (extension; see spec/distribution.md)."""

    TAG: ClassVar[int] = 82
    policy: DistributionPolicy


# --- tft bridge (pallet-tft-bridge, spec/bridge.md) --------------------------------------------


@attrs.frozen(slots=True)
class AddBridgeValidator(Variant):
    """Council: `target` becomes a bridge validator (BRG-01)."""

    TAG: ClassVar[int] = 120
    target: AccountId


@attrs.frozen(slots=True)
class RemoveBridgeValidator(Variant):
    """Council: `target` is no longer a bridge validator (BRG-02)."""

    TAG: ClassVar[int] = 121
    target: AccountId


@attrs.frozen(slots=True)
class SetFeeAccount(Variant):
    """Council: the account that receives the bridge's fees (BRG-03)."""

    TAG: ClassVar[int] = 122
    target: AccountId


@attrs.frozen(slots=True)
class SetWithdrawFee(Variant):
    """Council: the fee of a withdrawal to Stellar, in TFT units (BRG-03)."""

    TAG: ClassVar[int] = 123
    amount: U64


@attrs.frozen(slots=True)
class SetDepositFee(Variant):
    """Council: the fee of a deposit from Stellar, in TFT units (BRG-03)."""

    TAG: ClassVar[int] = 124
    amount: U64


@attrs.frozen(slots=True)
class SwapToStellar(Variant):
    """Any account: burn `amount` of its own TFT to receive `amount - withdraw fee` on Stellar (BRG-10)."""

    TAG: ClassVar[int] = 125
    target_stellar_address: StellarAddress
    amount: U128


@attrs.frozen(slots=True)
class ProposeOrVoteMintTransaction(Variant):
    """A bridge validator: propose or vote for minting the Stellar deposit `transaction` (BRG-20)."""

    TAG: ClassVar[int] = 126
    transaction: StellarTxId
    target: AccountId
    amount: U64


@attrs.frozen(slots=True)
class ProposeBurnTransactionOrAddSig(Variant):
    """A bridge validator: add its Stellar signature to withdrawal `transaction_id` (BRG-30)."""

    TAG: ClassVar[int] = 127
    transaction_id: U64
    target: StellarAddress
    amount: U64
    signature: StellarBytes
    stellar_pub_key: StellarBytes
    sequence_number: U64


@attrs.frozen(slots=True)
class SetBurnTransactionExecuted(Variant):
    """A bridge validator: withdrawal `transaction_id` was paid out on Stellar (BRG-33)."""

    TAG: ClassVar[int] = 128
    transaction_id: U64


# --- roles: council membership, validator set, node certifiers (spec/roles.md) ------------------


@attrs.frozen(slots=True)
class AddMember(Variant):
    """Council: `who` joins the council (pallet-membership, ROL-03)."""

    TAG: ClassVar[int] = 130
    who: AccountId


@attrs.frozen(slots=True)
class RemoveMember(Variant):
    """Council: `who` leaves the council (ROL-04)."""

    TAG: ClassVar[int] = 131
    who: AccountId


@attrs.frozen(slots=True)
class SwapMember(Variant):
    """Council: `remove` is replaced by `add` (ROL-05)."""

    TAG: ClassVar[int] = 132
    remove: AccountId
    add: AccountId


@attrs.frozen(slots=True)
class ResetMembers(Variant):
    """Council: the council becomes exactly `members` (ROL-06)."""

    TAG: ClassVar[int] = 133
    members: Annotated[tuple[AccountId, ...], Len(100)]


@attrs.frozen(slots=True)
class ChangeKey(Variant):
    """A council member: replace its own account by `new` (ROL-07)."""

    TAG: ClassVar[int] = 134
    new: AccountId


@attrs.frozen(slots=True)
class AddValidator(Variant):
    """Council: `validator_id` joins the validator set, who may set the TFT price (ROL-11)."""

    TAG: ClassVar[int] = 136
    validator_id: AccountId


@attrs.frozen(slots=True)
class RemoveValidator(Variant):
    """Council: `validator_id` leaves the validator set (ROL-12)."""

    TAG: ClassVar[int] = 137
    validator_id: AccountId


@attrs.frozen(slots=True)
class AddNodeCertifier(Variant):
    """Council: `certifier` may set node certifications (pallet-tfgrid, ROL-21)."""

    TAG: ClassVar[int] = 138
    certifier: AccountId


@attrs.frozen(slots=True)
class RemoveNodeCertifier(Variant):
    """Council: `certifier` may no longer set node certifications (ROL-22)."""

    TAG: ClassVar[int] = 139
    certifier: AccountId


Call = (
    Transfer
    | CreateTwin
    | BondTwinAccount
    | CreateFarm
    | AddFarmIp
    | RemoveFarmIp
    | SetFarmDedicated
    | SetFarmCertification
    | SetFarmPricingPolicy
    | CreateNode
    | UpdateNode
    | SetNodeCertification
    | ChangePowerState
    | ChangePowerTarget
    | DeleteNodeFarm
    | CreatePricingPolicy
    | UpdatePricingPolicy
    | SetPrices
    | SetMinTftPrice
    | SetMaxTftPrice
    | RequestTwinTransfer
    | AcceptTwinTransfer
    | CancelTwinTransfer
    | OptOutOfV3Billing
    | AddTwinAdmin
    | RemoveTwinAdmin
    | SetNodeV3OptOutMetadata
    | CreateNodeContract
    | UpdateNodeContract
    | CancelContract
    | CreateNameContract
    | AddNruReports
    | ReportContractResources
    | CreateRentContract
    | CreateSolutionProvider
    | ApproveSolutionProvider
    | BillContractForBlock
    | ServiceContractCreate
    | ServiceContractSetMetadata
    | ServiceContractSetFees
    | ServiceContractApprove
    | ServiceContractReject
    | ServiceContractCancel
    | ServiceContractBill
    | ChangeBillingFrequency
    | AttachSolutionProviderId
    | SetDedicatedNodeExtraFee
    | CancelContractCollective
    | MigrateNodeContract
    | ConfirmDeployment
    | RejectDeployment
    | SetDistributionPolicy
    | AddBridgeValidator
    | RemoveBridgeValidator
    | SetFeeAccount
    | SetWithdrawFee
    | SetDepositFee
    | SwapToStellar
    | ProposeOrVoteMintTransaction
    | ProposeBurnTransactionOrAddSig
    | SetBurnTransactionExecuted
    | AddMember
    | RemoveMember
    | SwapMember
    | ResetMembers
    | ChangeKey
    | AddValidator
    | RemoveValidator
    | AddNodeCertifier
    | RemoveNodeCertifier
)

ALL_CALLS: tuple[type[Variant], ...] = typing.get_args(Call)
