"""Every error a call can return, and the exceptions used inside the core.

`Error` is one flat enum whose members carry TFChain's names (pallet-smart-contract, pallet-tfgrid,
pallet-tft-price, pallet-balances) plus sc4it's own validity errors (signatures, nonces, chain id,
origins) and extension errors. Each member records the module it comes from.

Handlers never return errors: they call `fail(Error.X)`, which raises `Fail`; `apply` catches it and
returns the untouched input state. Decoding untrusted bytes raises `DecodeError` (the only exception
that leaves the public API for bad input).
"""

from __future__ import annotations

from enum import Enum
from typing import NoReturn


class Module(Enum):
    Validity = "validity"  # sc4it: signature, nonce, chain id, origin (Substrate's transaction validity)
    Balances = "balances"
    TfGrid = "tfgrid"
    TftPrice = "tft_price"
    SmartContract = "smart_contract"
    Extension = "extension"  # sc4it extensions beyond TFChain
    Bridge = "tft_bridge"
    Membership = "membership"  # pallet-membership (the council's members)
    ValidatorSet = "validator_set"  # substrate-validator-set (the session validators)


_V, _B, _G, _P, _S, _X = (
    Module.Validity,
    Module.Balances,
    Module.TfGrid,
    Module.TftPrice,
    Module.SmartContract,
    Module.Extension,
)
_BR, _M, _VS = Module.Bridge, Module.Membership, Module.ValidatorSet


class Error(Enum):
    """A typed error; `.module` says which pallet (or sc4it layer) raises it."""

    def __new__(cls, module: Module, index: int) -> Error:
        obj = object.__new__(cls)
        obj._value_ = (module.value, index)
        return obj

    def __init__(self, module: Module, index: int) -> None:
        self.module = module
        self.index = index

    # --- validity (sc4it) -----------------------------------------------------------------------
    BadSignature = (_V, 0)
    StaleNonce = (_V, 1)
    FutureNonce = (_V, 2)
    WrongChainId = (_V, 3)
    UnknownSigner = (_V, 4)
    BadOrigin = (_V, 5)
    InvalidMultisig = (_V, 6)
    NotEnoughSignatures = (_V, 7)
    CallNotAllowed = (_V, 8)
    MalformedCall = (_V, 9)  # SIG-15: a field outside its declared bounds (a call built in memory)
    InvalidEra = (_V, 10)  # SIG-16: a period that is not a power of two in 4..65536
    FutureBirthBlock = (_V, 11)  # SIG-16: the block is before the call's birth block
    AncientBirthBlock = (_V, 12)  # SIG-16 (Substrate's name): the call's era has ended

    # --- pallet-balances ------------------------------------------------------------------------
    # pallet-balances' fungible impl (polkadot-v1.0.0) reports these as TokenError / ArithmeticError:
    FundsUnavailable = (_B, 0)  # TokenError::FundsUnavailable: not enough free balance
    BelowMinimum = (_B, 1)  # TokenError::BelowMinimum: would create an account below the ED
    NotExpendable = (_B, 2)  # TokenError::NotExpendable: would take a kept-alive account below the ED
    Frozen = (_B, 3)  # TokenError::Frozen: would touch the frozen (locked) part
    Overflow = (_B, 4)  # ArithmeticError::Overflow

    # --- pallet-tfgrid (subset) -----------------------------------------------------------------
    TwinWithPubkeyExists = (_G, 0)
    TwinNotExists = (_G, 1)
    TwinCannotBoundToItself = (_G, 2)
    RelayTooLong = (_G, 3)
    InvalidRelayAddress = (_G, 4)
    PkTooLong = (_G, 5)  # sc4it bound (TFChain rejects an over-long pk when decoding the call)
    FarmExists = (_G, 10)
    FarmNotExists = (_G, 11)
    FarmNameTooShort = (_G, 12)
    FarmNameTooLong = (_G, 13)
    InvalidFarmName = (_G, 14)
    CannotUpdateFarmWrongTwin = (_G, 15)
    IpExists = (_G, 16)
    IpNotExists = (_G, 17)
    InvalidPublicIP = (_G, 18)
    NodeNotExists = (_G, 20)
    NodeWithTwinIdExists = (_G, 21)
    NodeUpdateNotAuthorized = (_G, 22)
    FarmerNotAuthorized = (_G, 23)
    InvalidCRUInput = (_G, 24)
    InvalidMRUInput = (_G, 25)
    InvalidStorageInput = (_G, 26)  # ADR-0022 (HDD-only nodes): neither hru nor sru >= 100 GiB
    NotAllowedToCertifyNode = (_G, 27)
    UnauthorizedToChangePowerTarget = (_G, 28)
    NodeHasActiveContracts = (_G, 29)
    PricingPolicyExists = (_G, 30)
    PricingPolicyNotExists = (_G, 31)
    PricingPolicyWithDifferentIdExists = (_G, 32)
    PricingPolicyNameTooLong = (_G, 34)  # sc4it bound (TFChain's policy name is unbounded)
    # twin ownership transfer (ADR-0024, spec/twin-transfer.md)
    UnauthorizedToUpdateTwin = (_G, 40)
    TwinTransferNewAccountHasTwin = (_G, 41)
    TwinTransferPendingExists = (_G, 42)
    TwinTransferRequestNotFound = (_G, 43)
    # V3 billing opt-out (ADR-0025, ADR-0026, spec/opt-out.md)
    NodeV3BillingOptOutAlreadyEnabled = (_G, 44)
    AlreadyTwinAdmin = (_G, 45)
    NotTwinAdmin = (_G, 46)
    TwinAdminListFull = (_G, 47)
    NodeNotOptedOutOfV3Billing = (_G, 48)
    NodeV3OptOutMetadataTooLong = (_G, 49)

    # --- pallet-tft-price -----------------------------------------------------------------------
    AccountUnauthorizedToSetPrice = (_P, 0)
    MaxPriceBelowMinPriceError = (_P, 1)
    MinPriceAboveMaxPriceError = (_P, 2)
    MinTftPriceIsZero = (_P, 10)  # sc4it: a zero minimum would let billing divide by zero (DEV-TFT-1)

    # --- pallet-smart-contract (TFChain's declaration order) -------------------------------------
    # (TwinNotExists, NodeNotExists, FarmNotExists, NodeHasActiveContracts and PricingPolicyNotExists
    #  exist in both pallets with the same meaning; sc4it has one member for each.)
    FarmHasNotEnoughPublicIPs = (_S, 3)
    FarmHasNotEnoughPublicIPsFree = (_S, 4)
    FailedToReserveIP = (_S, 5)
    FailedToFreeIPs = (_S, 6)
    ContractNotExists = (_S, 7)
    TwinNotAuthorizedToUpdateContract = (_S, 8)
    TwinNotAuthorizedToCancelContract = (_S, 9)
    NodeNotAuthorizedToDeployContract = (_S, 10)
    NodeNotAuthorizedToComputeReport = (_S, 11)
    ContractIsNotUnique = (_S, 13)
    ContractWrongBillingLoopIndex = (_S, 14)
    NameExists = (_S, 15)
    NameNotValid = (_S, 16)
    InvalidContractType = (_S, 17)
    TFTPriceValueError = (_S, 18)
    NotEnoughResourcesOnNode = (_S, 19)
    NodeNotAuthorizedToReportResources = (_S, 20)
    MethodIsDeprecated = (_S, 21)
    NodeHasRentContract = (_S, 23)
    FarmIsNotDedicated = (_S, 24)
    NodeNotAvailableToDeploy = (_S, 25)
    CannotUpdateContractInGraceState = (_S, 26)
    NumOverflow = (_S, 27)
    NameContractNameTooShort = (_S, 31)
    NameContractNameTooLong = (_S, 32)
    InvalidProviderConfiguration = (_S, 33)
    NoSuchSolutionProvider = (_S, 34)
    SolutionProviderNotApproved = (_S, 35)
    TwinNotAuthorized = (_S, 36)
    ServiceContractNotExists = (_S, 37)
    ServiceContractCreationNotAllowed = (_S, 38)
    ServiceContractModificationNotAllowed = (_S, 39)
    ServiceContractApprovalNotAllowed = (_S, 40)
    ServiceContractRejectionNotAllowed = (_S, 41)
    ServiceContractBillingNotApprovedByBoth = (_S, 42)
    ServiceContractBillingVariableAmountTooHigh = (_S, 43)
    ServiceContractBillMetadataTooLong = (_S, 44)
    ServiceContractMetadataTooLong = (_S, 45)
    ServiceContractNotEnoughFundsToPayBill = (_S, 46)
    CanOnlyIncreaseFrequency = (_S, 47)
    UnauthorizedToChangeSolutionProviderId = (_S, 50)
    UnauthorizedToSetExtraFee = (_S, 51)
    RewardDistributionError = (_S, 52)
    ContractPaymentStateNotExists = (_S, 53)
    OnlyTwinAdminCanDeployOnThisNode = (_S, 54)  # ADR-0025 (spec/opt-out.md)
    NodeNotInSameFarm = (_S, 55)  # ADR-0027 (spec/migration.md), appended in this order
    ContractAlreadyOnNode = (_S, 56)
    NodeIsOptedOutOfV3Billing = (_S, 57)
    ContractNotInCreatedState = (_S, 58)

    AlreadyCertifier = (_G, 60)
    NotCertifier = (_G, 61)

    # --- pallet-tft-bridge (index = position in TFChain's `Error` enum) ---------------------------
    ValidatorExists = (_BR, 0)
    ValidatorNotExists = (_BR, 1)
    TransactionValidatorExists = (_BR, 2)  # sc4it raises it for a repeated vote (DEV-BRG-1)
    MintTransactionAlreadyExecuted = (_BR, 5)
    BurnTransactionNotExists = (_BR, 8)
    BurnSignatureExists = (_BR, 9)
    EnoughBurnSignaturesPresent = (_BR, 10)
    BurnTransactionAlreadyExecuted = (_BR, 12)
    NotEnoughBalanceToSwap = (_BR, 16)
    AmountIsLessThanWithdrawFee = (_BR, 17)
    AmountIsLessThanDepositFee = (_BR, 18)
    WrongParametersProvided = (_BR, 19)
    InvalidStellarPublicKey = (_BR, 20)

    # --- pallet-membership / validator set ----------------------------------------------------
    AlreadyMember = (_M, 0)
    NotMember = (_M, 1)
    TooManyMembers = (_M, 2)
    TooLowValidatorCount = (_VS, 0)
    Duplicate = (_VS, 1)

    # --- sc4it extensions -----------------------------------------------------------------------
    DeploymentDataTooLong = (_X, 0)
    SolutionProviderDescriptionTooLong = (_X, 2)
    SolutionProviderLinkTooLong = (_X, 3)
    TooManyProviders = (_X, 4)
    ContractAlreadyDeployed = (_X, 5)
    NodeNotAuthorizedToConfirmDeployment = (_X, 6)
    RejectReasonTooLong = (_X, 7)
    InvalidDistributionPolicy = (_X, 8)
    TooManyReports = (_X, 10)
    CouncilWouldBeEmpty = (_X, 20)  # sc4it has no root origin: the council keeps a member (DEV-ROL-1)

    def __repr__(self) -> str:
        return f"Error.{self.name}"


class Fail(Exception):
    """Raised inside a handler to abort the call with `error`; never escapes `apply`."""

    def __init__(self, error: Error) -> None:
        super().__init__(error.name)
        self.error = error


def fail(error: Error) -> NoReturn:
    raise Fail(error)


class DecodeError(ValueError):
    """Untrusted bytes did not decode to the expected type; `path` names the offending field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message
