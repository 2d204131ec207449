"""The genesis value (spec/genesis.md): its records, its limits, `GenesisError`, and the chain id that
commits to it (GEN-03)."""

from __future__ import annotations

from typing import Annotated, TypeVar

import attrs

from sc4it.kernel.codec import blake2b_256, encode
from sc4it.kernel.schema import U8, U32, U64, U128, AccountId, Len
from sc4it.kernel.signing import MultisigSpec
from sc4it.kernel.state import Config
from sc4it.kernel.types import (
    DistributionPolicy,
    FarmCertification,
    NodeCertification,
    Policy,
    Resources,
    Roles,
)

T = TypeVar("T")

CHAIN_TAG = b"sc4it/chain/v1"
DEV_SEED_TAG = b"sc4it/dev/"
FORMAT = "sc4it-genesis/v1"
"""The value of the `format` member of a genesis JSON document."""

ROOT = "<root>"
"""The error path of the JSON document as a whole."""

MAX_GENESIS_ITEMS = 1_000_000
"""Ceiling on every genesis list (accounts, twins, farms, nodes, policies): a codec bound, not a rule."""

PRICING_POLICY_VERSION = 1
"""The `version` TFChain's genesis gives pricing policy 1."""

TFT = 10_000_000
"""One TFT in the smallest unit (7 decimals)."""

GIB = 1 << 30
TIB = 1 << 40


class GenesisError(ValueError):
    """An invalid genesis: `path` names the field (e.g. `farms[1].public_ips[0].gateway`, 0-based list
    positions), `message` says what was expected."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


# --------------------------------------------------------------------------------------------------
# The genesis value


@attrs.frozen(slots=True)
class GenesisAccount:
    """A funded account: `free` balance minted at genesis (must be at least the existential deposit)."""

    account_id: AccountId
    free: U128


@attrs.frozen(slots=True)
class GenesisTwin:
    """A twin; its id is its 1-based position in `Genesis.twins`."""

    account_id: AccountId
    relay: Annotated[bytes, Len(1024)] | None = None
    pk: Annotated[bytes, Len(128)] | None = None


@attrs.frozen(slots=True)
class GenesisPricingPolicy:
    """A pricing policy; its id is its 1-based position, its version `PRICING_POLICY_VERSION`."""

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
class GenesisPublicIP:
    """A farm public IP: `ip` an IPv4 CIDR (e.g. b"185.206.122.33/24"), `gateway` an IPv4 address."""

    ip: Annotated[bytes, Len(18)]
    gateway: Annotated[bytes, Len(15)]


@attrs.frozen(slots=True)
class GenesisFarm:
    """A farm; its id is its 1-based position in `Genesis.farms`."""

    name: Annotated[bytes, Len(128)]
    twin_id: U32
    pricing_policy_id: U32
    certification: FarmCertification
    dedicated_farm: bool
    public_ips: Annotated[tuple[GenesisPublicIP, ...], Len(256)] = ()


@attrs.frozen(slots=True)
class GenesisNode:
    """A node (power state Up); its id is its 1-based position in `Genesis.nodes`."""

    farm_id: U32
    twin_id: U32
    resources: Resources
    certification: NodeCertification = NodeCertification.Diy


@attrs.frozen(slots=True)
class GenesisTftPrice:
    """The TFT price in mUSD; the average starts equal to `price`."""

    price: U32
    min: U32
    max: U32


@attrs.frozen(slots=True)
class RoleMultisigs:
    """The multisig specs behind the council / oracle role accounts (None: a single key or unknown).
    When given, the spec's account id must be the role's account id (GEN-05)."""

    council: MultisigSpec | None = None
    oracle: MultisigSpec | None = None


@attrs.frozen(slots=True)
class GenesisBridge:
    """pallet-tft-bridge's genesis: the fee account and fees (the validators are in `Roles`)."""

    fee_account: AccountId | None = None
    withdraw_fee: U64 = 0
    deposit_fee: U64 = 0


@attrs.frozen(slots=True)
class Genesis:
    config: Config
    roles: Roles
    multisigs: RoleMultisigs
    accounts: Annotated[tuple[GenesisAccount, ...], Len(MAX_GENESIS_ITEMS)]
    twins: Annotated[tuple[GenesisTwin, ...], Len(MAX_GENESIS_ITEMS)]
    pricing_policies: Annotated[tuple[GenesisPricingPolicy, ...], Len(MAX_GENESIS_ITEMS)]
    farms: Annotated[tuple[GenesisFarm, ...], Len(MAX_GENESIS_ITEMS)]
    nodes: Annotated[tuple[GenesisNode, ...], Len(MAX_GENESIS_ITEMS)]
    tft_price: GenesisTftPrice
    distribution_policy: DistributionPolicy
    bridge: GenesisBridge = GenesisBridge()


def chain_id_of(genesis: Genesis) -> bytes:
    """GEN-03: blake2b-256(b"sc4it/chain/v1" || canonical CBOR of the genesis)."""
    return blake2b_256(CHAIN_TAG + encode(genesis, Genesis))
