"""The development world (GEN-30..): deterministic dev keys, the role multisigs and the default genesis."""

from __future__ import annotations

import functools
import hashlib

from sc4it.genesis.build import build
from sc4it.genesis.model import (
    DEV_SEED_TAG,
    GIB,
    TFT,
    TIB,
    Genesis,
    GenesisAccount,
    GenesisBridge,
    GenesisFarm,
    GenesisNode,
    GenesisPricingPolicy,
    GenesisPublicIP,
    GenesisTftPrice,
    GenesisTwin,
    RoleMultisigs,
)
from sc4it.kernel.signing import Keypair, MultisigSpec
from sc4it.kernel.state import Config, State
from sc4it.kernel.types import (
    DistributionPolicy,
    FarmCertification,
    NodeCertification,
    Policy,
    Resources,
    Roles,
    Unit,
)

# --------------------------------------------------------------------------------------------------
# Development keys and the default world


@functools.cache
def dev_keypair(name: str) -> Keypair:
    """GEN-30: the deterministic development key of `name`: seed = blake2b-256(b"sc4it/dev/" + name).

    Any name works; `DEV_NAMES` lists those the default genesis uses. Never use these keys for value."""
    return Keypair.from_seed(hashlib.blake2b(DEV_SEED_TAG + name.encode(), digest_size=32).digest())


USER_NAMES: tuple[str, ...] = ("alice", "bob", "charlie", "dave")
FARMER_NAMES: tuple[str, ...] = ("farmer-1", "farmer-2")
NODE_NAMES: tuple[str, ...] = ("node-1", "node-2", "node-3", "node-4")
COUNCIL_NAMES: tuple[str, ...] = ("council-1", "council-2", "council-3")
ORACLE_NAMES: tuple[str, ...] = ("oracle",)
BRIDGE_NAMES: tuple[str, ...] = ("bridge-1", "bridge-2", "bridge-3")
BRIDGE_FEE_NAME = "bridge-fees"
"""The bridge's fee account (pallet-tft-bridge's `FeeAccount`)."""
TWIN_NAMES: tuple[str, ...] = USER_NAMES + FARMER_NAMES + NODE_NAMES
"""Names owning the default twins, in twin id order (alice = twin 1 ... node-4 = twin 10)."""

DEV_NAMES: tuple[str, ...] = (
    *USER_NAMES,
    "eve",
    "ferdie",
    "staking-pool",
    *FARMER_NAMES,
    *NODE_NAMES,
    *COUNCIL_NAMES,
    *ORACLE_NAMES,
    *BRIDGE_NAMES,
    BRIDGE_FEE_NAME,
)
"""Every dev key name the default genesis uses."""


def _acc(name: str) -> bytes:
    return dev_keypair(name).account_id


def council_multisig() -> MultisigSpec:
    """The default council: 2-of-3 of council-1..3."""
    return MultisigSpec.of(2, [_acc(n) for n in COUNCIL_NAMES])


def oracle_multisig() -> MultisigSpec:
    """The default price oracle: 1-of-1 of the `oracle` key."""
    return MultisigSpec.of(1, [_acc(n) for n in ORACLE_NAMES])


def bridge_validators() -> tuple[bytes, ...]:
    """The default bridge validators bridge-1..3, sorted (a mint needs 3 // 2 + 1 = 2 votes)."""
    return tuple(sorted(_acc(n) for n in BRIDGE_NAMES))


def council_keys() -> tuple[Keypair, ...]:
    return tuple(dev_keypair(n) for n in COUNCIL_NAMES)


def oracle_keys() -> tuple[Keypair, ...]:
    return tuple(dev_keypair(n) for n in ORACLE_NAMES)


def bridge_keys() -> tuple[Keypair, ...]:
    return tuple(dev_keypair(n) for n in BRIDGE_NAMES)


def named_accounts() -> dict[str, bytes]:
    """Every named account of the default genesis: the dev keys plus the two role (multisig) accounts
    `council-multisig` and `oracle-multisig`."""
    out = {n: _acc(n) for n in DEV_NAMES}
    out["council-multisig"] = council_multisig().account_id()
    out["oracle-multisig"] = oracle_multisig().account_id()
    return out


def _gb(value: int) -> Policy:
    return Policy(value, Unit.Gigabytes)


@functools.cache
def default_genesis() -> Genesis:
    """GEN-40: the embedded default development world (spec/genesis.md lists it)."""
    balances: list[tuple[str, int]] = [
        ("alice", 10**12),
        ("bob", 2_500_000_000),
        ("charlie", 150_000),
        ("dave", 10**12),
        ("eve", TFT),
        ("ferdie", TFT),
        ("staking-pool", TFT),
        *((n, 100 * TFT) for n in FARMER_NAMES + NODE_NAMES),
    ]
    ips1 = tuple(GenesisPublicIP(f"185.206.122.{i}/24".encode(), b"185.206.122.1") for i in range(33, 37))
    ips2 = tuple(GenesisPublicIP(f"185.206.123.{i}/24".encode(), b"185.206.123.1") for i in (10, 11))
    council, oracle = council_multisig(), oracle_multisig()
    return Genesis(
        config=Config(),
        roles=Roles(
            council=council.account_id(),
            oracle=oracle.account_id(),
            staking_pool=_acc("staking-pool"),
            node_certifiers=(),
            council_members=council.signatories,
            validators=(),
            bridge_validators=bridge_validators(),
        ),
        multisigs=RoleMultisigs(council, oracle),
        accounts=tuple(GenesisAccount(_acc(n), free) for n, free in balances),
        twins=tuple(GenesisTwin(_acc(n)) for n in TWIN_NAMES),
        pricing_policies=(
            GenesisPricingPolicy(
                name=b"threefold_default_pricing_policy",
                su=_gb(50_000),
                cu=_gb(100_000),
                nu=_gb(15_000),
                ipu=_gb(40_000),
                unique_name=_gb(2_500),
                domain_name=_gb(5_000),
                foundation_account=_acc("ferdie"),
                certified_sales_account=_acc("eve"),
                discount_for_dedication_nodes=50,
            ),
        ),
        farms=(
            GenesisFarm(b"freefarm", 5, 1, FarmCertification.NotCertified, False, ips1),
            GenesisFarm(b"dedifarm", 6, 1, FarmCertification.NotCertified, True, ips2),
        ),
        nodes=(
            GenesisNode(1, 7, Resources(hru=0, sru=256 * GIB, cru=4, mru=8 * GIB)),
            GenesisNode(
                1, 8, Resources(hru=8 * TIB, sru=2 * TIB, cru=32, mru=128 * GIB), NodeCertification.Certified
            ),
            GenesisNode(2, 9, Resources(hru=1024 * GIB, sru=512 * GIB, cru=8, mru=16 * GIB)),
            GenesisNode(1, 10, Resources(hru=0, sru=1 * TIB, cru=8, mru=32 * GIB)),
        ),
        tft_price=GenesisTftPrice(price=50, min=10, max=1000),
        distribution_policy=DistributionPolicy.tfchain(),
        bridge=GenesisBridge(fee_account=_acc(BRIDGE_FEE_NAME), withdraw_fee=TFT, deposit_fee=TFT),
    )


@functools.cache
def default() -> State:
    """The state of the default genesis (`build(default_genesis())`), built once."""
    return build(default_genesis())
