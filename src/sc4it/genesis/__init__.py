"""Genesis: the initial world of a chain (spec/genesis.md, rules GEN-xx).

A `Genesis` is a plain value (frozen attrs records, canonically encodable like every sc4it value) that
describes the first state: runtime constants, role accounts, funded accounts, twins, pricing policies,
farms, nodes, the TFT price and the revenue distribution policy. `build(genesis)` validates it and
constructs the `State` directly (no signed calls). The chain id commits to the whole genesis:

    chain_id = blake2b-256(b"sc4it/chain/v1" || canonical CBOR of the Genesis)        (GEN-03)

so two different geneses are two different chains, and a call signed for one is invalid on the other.

`default_genesis()` / `default()` give the embedded development world (named dev accounts whose keys are
`dev_keypair(name)`). `dumps`/`loads`/`dump`/`load` convert a genesis to and from a readable JSON format
(GEN-20..), validated field by field with `GenesisError(path, message)`.

The package's modules: `model` (the value and the chain id), `checks` (GEN-10..19), `build`,
`devnet` (dev keys, the default genesis), `jsonform` (the JSON form).
"""

from __future__ import annotations

from sc4it.genesis.build import (
    build,
)
from sc4it.genesis.checks import (
    check_public_ip,
    validate,
)
from sc4it.genesis.devnet import (
    BRIDGE_FEE_NAME,
    BRIDGE_NAMES,
    COUNCIL_NAMES,
    DEV_NAMES,
    FARMER_NAMES,
    NODE_NAMES,
    ORACLE_NAMES,
    TWIN_NAMES,
    USER_NAMES,
    bridge_keys,
    bridge_validators,
    council_keys,
    council_multisig,
    default,
    default_genesis,
    dev_keypair,
    named_accounts,
    oracle_keys,
    oracle_multisig,
)
from sc4it.genesis.jsonform import (
    default_genesis_json,
    default_genesis_json_path,
    dump,
    dumps,
    from_json_obj,
    load,
    loads,
    to_json_obj,
    write_default_json,
)
from sc4it.genesis.model import (
    CHAIN_TAG,
    DEV_SEED_TAG,
    FORMAT,
    GIB,
    MAX_GENESIS_ITEMS,
    PRICING_POLICY_VERSION,
    ROOT,
    TFT,
    TIB,
    Genesis,
    GenesisAccount,
    GenesisBridge,
    GenesisError,
    GenesisFarm,
    GenesisNode,
    GenesisPricingPolicy,
    GenesisPublicIP,
    GenesisTftPrice,
    GenesisTwin,
    RoleMultisigs,
    chain_id_of,
)

__all__ = [
    "BRIDGE_FEE_NAME",
    "BRIDGE_NAMES",
    "CHAIN_TAG",
    "COUNCIL_NAMES",
    "DEV_NAMES",
    "DEV_SEED_TAG",
    "FARMER_NAMES",
    "FORMAT",
    "GIB",
    "MAX_GENESIS_ITEMS",
    "NODE_NAMES",
    "ORACLE_NAMES",
    "PRICING_POLICY_VERSION",
    "ROOT",
    "TFT",
    "TIB",
    "TWIN_NAMES",
    "USER_NAMES",
    "Genesis",
    "GenesisAccount",
    "GenesisBridge",
    "GenesisError",
    "GenesisFarm",
    "GenesisNode",
    "GenesisPricingPolicy",
    "GenesisPublicIP",
    "GenesisTftPrice",
    "GenesisTwin",
    "RoleMultisigs",
    "bridge_keys",
    "bridge_validators",
    "build",
    "chain_id_of",
    "check_public_ip",
    "council_keys",
    "council_multisig",
    "default",
    "default_genesis",
    "default_genesis_json",
    "default_genesis_json_path",
    "dev_keypair",
    "dump",
    "dumps",
    "from_json_obj",
    "load",
    "loads",
    "named_accounts",
    "oracle_keys",
    "oracle_multisig",
    "to_json_obj",
    "validate",
    "write_default_json",
]
