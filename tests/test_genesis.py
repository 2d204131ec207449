"""Tests of sc4it.genesis (spec/genesis.md, rules GEN-xx)."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from sc4it import BlockEnv, Error, apply, sign
from sc4it import genesis as gen
from sc4it.genesis import (
    Genesis,
    GenesisAccount,
    GenesisError,
    GenesisFarm,
    GenesisNode,
    GenesisTwin,
    RoleMultisigs,
)
from sc4it.kernel.calls import ProposeOrVoteMintTransaction, Transfer
from sc4it.kernel.codec import blake2b_256, decode, encode
from sc4it.kernel.root import state_root
from sc4it.kernel.signing import MultisigSpec, ss58_encode
from sc4it.kernel.state import Config, State
from sc4it.kernel.types import (
    AccountInfo,
    DistributionPolicy,
    FarmCertification,
    NodeCertification,
    NodePower,
    Policy,
    Resources,
    Unit,
)

GIB = 1 << 30
TIB = 1 << 40


def acc(name: str) -> bytes:
    return gen.dev_keypair(name).account_id


def doc() -> dict[str, Any]:
    """A fresh, mutable JSON document of the default genesis."""
    return copy.deepcopy(gen.to_json_obj(gen.default_genesis(), gen.named_accounts()))


# --------------------------------------------------------------------------------------------------
# dev keys


def test_dev_keypair_deterministic() -> None:
    """GEN-30: the dev key seed is blake2b-256(b"sc4it/dev/" + name); any name works."""
    kp = gen.dev_keypair("alice")
    assert kp.seed == hashlib.blake2b(b"sc4it/dev/alice", digest_size=32).digest()
    assert gen.dev_keypair("alice").account_id == kp.account_id
    assert gen.dev_keypair("somebody-else").account_id not in {acc(n) for n in gen.DEV_NAMES}
    assert len({acc(n) for n in gen.DEV_NAMES}) == len(gen.DEV_NAMES)
    sig = kp.sign(b"msg")
    from sc4it.kernel.signing import verify

    assert verify(kp.account_id, b"msg", sig)


def test_named_accounts() -> None:
    """GEN-30, GEN-40: named accounts cover every dev name plus the two role accounts."""
    names = gen.named_accounts()
    assert set(gen.DEV_NAMES) <= set(names)
    roles = gen.default().roles
    assert names["council-multisig"] == roles.council
    assert names["oracle-multisig"] == roles.oracle
    assert names["staking-pool"] == roles.staking_pool


# --------------------------------------------------------------------------------------------------
# the default world


def test_default_world_contents() -> None:
    """GEN-40, GEN-02: twins, farms, nodes, policies and price of the default world."""
    s = gen.default()
    assert s.config == Config()
    assert s.billing_frequency == 600
    # twins in the documented order
    assert s.twin_id == 10 and len(s.twins) == 10
    for i, name in enumerate(gen.TWIN_NAMES, start=1):
        assert s.twins[i].account_id == acc(name)
        assert s.twin_id_by_account_id[acc(name)] == i
    assert [gen.TWIN_NAMES[i - 1] for i in (1, 5, 6, 7, 10)] == [
        "alice",
        "farmer-1",
        "farmer-2",
        "node-1",
        "node-4",
    ]
    assert len(s.twin_bounded_account_id) == 0
    # farms
    assert s.farm_id == 2
    f1, f2 = s.farms[1], s.farms[2]
    assert (f1.name, f1.twin_id, f1.dedicated_farm, len(f1.public_ips)) == (b"freefarm", 5, False, 4)
    assert (f2.name, f2.twin_id, f2.dedicated_farm, len(f2.public_ips)) == (b"dedifarm", 6, True, 2)
    assert f1.public_ips[0].ip == b"185.206.122.33/24" and f1.public_ips[0].gateway == b"185.206.122.1"
    assert all(ip.contract_id == 0 for f in (f1, f2) for ip in f.public_ips)
    assert f1.pricing_policy_id == f2.pricing_policy_id == 1
    assert f1.certification == FarmCertification.NotCertified
    assert s.farm_id_by_name[b"freefarm"] == 1 and s.farm_id_by_name[b"dedifarm"] == 2
    # nodes
    assert s.node_id == 4
    expect = {
        1: (1, 7, Resources(hru=0, sru=256 * GIB, cru=4, mru=8 * GIB), NodeCertification.Diy),
        2: (1, 8, Resources(hru=8 * TIB, sru=2 * TIB, cru=32, mru=128 * GIB), NodeCertification.Certified),
        3: (2, 9, Resources(hru=1024 * GIB, sru=512 * GIB, cru=8, mru=16 * GIB), NodeCertification.Diy),
        4: (1, 10, Resources(hru=0, sru=1 * TIB, cru=8, mru=32 * GIB), NodeCertification.Diy),
    }
    for nid, (farm, twin, res, cert) in expect.items():
        n = s.nodes[nid]
        assert (n.id, n.farm_id, n.twin_id, n.resources, n.certification, n.created) == (
            nid,
            farm,
            twin,
            res,
            cert,
            0,
        )
        assert s.node_id_by_twin_id[twin] == nid
        assert s.node_power[nid] == NodePower()
    assert s.nodes_by_farm_id[1].sorted() == [1, 2, 4]
    assert s.nodes_by_farm_id[2].sorted() == [3]
    # pricing policy 1 = the TFChain chain-spec default
    p = s.pricing_policies[1]
    assert s.pricing_policy_id == 1 and s.pricing_policy_id_by_name[p.name] == 1
    assert (p.version, p.id, p.name) == (1, 1, b"threefold_default_pricing_policy")
    assert (p.su, p.cu, p.nu, p.ipu) == (
        Policy(50_000, Unit.Gigabytes),
        Policy(100_000, Unit.Gigabytes),
        Policy(15_000, Unit.Gigabytes),
        Policy(40_000, Unit.Gigabytes),
    )
    assert (p.unique_name.value, p.domain_name.value, p.discount_for_dedication_nodes) == (2_500, 5_000, 50)
    assert p.foundation_account == acc("ferdie") and p.certified_sales_account == acc("eve")
    # price and distribution
    tp = s.tft_price
    assert (tp.price, tp.average, tp.min, tp.max, tp.last_block_set, tp.history) == (50, 50, 10, 1000, 0, ())
    assert s.distribution_policy == DistributionPolicy.tfchain()
    # nothing else
    assert s.contract_id == 0 and len(s.contracts) == 0 and s.burned == 0


def test_default_balances() -> None:
    """GEN-04, GEN-40: balances of the named accounts; minted == total_issuance == their sum."""
    s = gen.default()
    free = {n: s.accounts[acc(n)].free for n in gen.DEV_NAMES if acc(n) in s.accounts}
    assert free["alice"] == 10**12 and free["dave"] == 10**12
    assert free["bob"] == 2_500_000_000
    assert free["charlie"] == 150_000
    assert free["eve"] == free["ferdie"] == free["staking-pool"] == 10**7
    for n in gen.FARMER_NAMES + gen.NODE_NAMES:
        assert free[n] == 10**9
    assert all(s.accounts[acc(n)] == AccountInfo(0, free[n], 0, 0) for n in free)
    total = sum(a.free for a in s.accounts.values())
    assert total == s.total_issuance == s.minted
    # role and signatory keys hold nothing (GEN-05)
    for name in gen.COUNCIL_NAMES + gen.ORACLE_NAMES + gen.BRIDGE_NAMES:
        assert acc(name) not in s.accounts
    for role in (s.roles.council, s.roles.oracle):
        assert role not in s.accounts


def test_default_roles_are_multisigs() -> None:
    """GEN-05, GEN-40 ROL-01: council 2-of-3 (its members' multisig at ceil(3·3/5) = 2), oracle 1-of-1,
    bridge validators bridge-1..3 (a mint needs 2 votes); staking pool is a dev key."""
    g = gen.default_genesis()
    assert g.multisigs.council == gen.council_multisig() and gen.council_multisig().threshold == 2
    assert gen.oracle_multisig().threshold == 1 and len(gen.oracle_multisig().signatories) == 1
    assert g.roles.bridge_validators == tuple(sorted(k.account_id for k in gen.bridge_keys()))
    assert g.roles.council_members == gen.council_multisig().signatories
    assert g.roles.council == gen.council_multisig().account_id()
    assert g.roles.oracle == gen.oracle_multisig().account_id()
    assert g.roles.staking_pool == acc("staking-pool")
    assert {k.account_id for k in gen.council_keys()} == set(gen.council_multisig().signatories)


def test_build_is_deterministic_state_root_stable() -> None:
    """GEN-01, GEN-03: two builds give equal states with the same root and chain id."""
    a = gen.build(gen.default_genesis())
    b = gen.build(gen.default_genesis())
    assert a == b
    assert state_root(a) == state_root(b)
    assert a.chain_id == b.chain_id == gen.chain_id_of(gen.default_genesis())
    assert a.chain_id == blake2b_256(b"sc4it/chain/v1" + encode(gen.default_genesis(), Genesis))
    assert decode(encode(a, State), State) == a


def test_chain_id_commits_to_whole_genesis() -> None:
    """GEN-03: any change to the genesis (a balance, the config, a label) changes the chain id."""
    g = gen.default_genesis()
    base = gen.chain_id_of(g)
    accounts = (GenesisAccount(g.accounts[0].account_id, g.accounts[0].free + 1), *g.accounts[1:])
    g2 = attrs.evolve(g, accounts=accounts)
    g3 = attrs.evolve(g, config=Config.tfchain_test_mock())
    ids = {base, gen.chain_id_of(g2), gen.chain_id_of(g3)}
    assert len(ids) == 3
    assert gen.build(g3).billing_frequency == 10
    assert decode(encode(g, Genesis), Genesis) == g


def test_genesis_error_is_value_error() -> None:
    """GEN-10: GenesisError is a ValueError naming the path."""
    e = GenesisError("farms[1].name", "bad")
    assert isinstance(e, ValueError)
    assert (e.path, e.message, str(e)) == ("farms[1].name", "bad", "farms[1].name: bad")


# --------------------------------------------------------------------------------------------------
# signing through the roles


def test_bridge_validators_mint_through_apply() -> None:
    """GEN-40 BRG-20 BRG-22: two of the three default bridge validators vote for a deposit of 5 TFT; alice
    gets 5 TFT less the 1 TFT deposit fee, the fee account 1 TFT; the council is no validator."""
    s = gen.default()
    alice = acc("alice")
    keys = gen.bridge_keys()
    deposit = ProposeOrVoteMintTransaction(b"stellar-deposit-1", alice, 5 * gen.TFT)
    first = apply(s, sign(deposit, keys[0], 0, s.chain_id), BlockEnv(1, 6000))
    assert first.ok, first.error
    assert first.state.accounts[alice] == s.accounts[alice]
    out = apply(first.state, sign(deposit, keys[1], 0, s.chain_id), BlockEnv(1, 6000))
    assert out.ok, out.error
    assert out.state.accounts[alice].free == s.accounts[alice].free + 4 * gen.TFT
    assert out.state.accounts[acc(gen.BRIDGE_FEE_NAME)].free == gen.TFT
    assert out.state.minted == s.minted + 5 * gen.TFT == out.state.total_issuance
    assert out.state.accounts[keys[1].account_id].nonce == 1
    council = sign(deposit, gen.council_keys()[:2], 0, s.chain_id, multisig=gen.council_multisig())
    assert apply(s, council, BlockEnv(1, 6000)).error == Error.ValidatorNotExists


def test_dev_accounts_sign_and_chain_id_binds() -> None:
    """GEN-03, GEN-30: a dev key signs for the default chain; the same call on another genesis is invalid."""
    s = gen.default()
    signed = sign(Transfer(acc("eve"), gen.TFT), gen.dev_keypair("alice"), 0, s.chain_id)
    assert apply(s, signed, BlockEnv(1, 6000)).ok
    other = gen.build(attrs.evolve(gen.default_genesis(), config=Config.tfchain_test_mock()))
    assert apply(other, signed, BlockEnv(1, 6000)).error == Error.WrongChainId


# --------------------------------------------------------------------------------------------------
# JSON


def test_json_round_trip_default() -> None:
    """GEN-20, GEN-25: load(dumps(g)) == g, with or without names."""
    g = gen.default_genesis()
    assert gen.loads(gen.dumps(g)) == g
    assert gen.loads(gen.dumps(g, gen.named_accounts())) == g
    assert gen.loads(gen.dumps(g).encode()) == g


def test_json_round_trip_custom(tmp_path: Path) -> None:
    """GEN-20..GEN-25: another prefix, relay/pk, certifiers, no multisigs, Gold farm, another unit."""
    g = gen.default_genesis()
    pol = attrs.evolve(g.pricing_policies[0], name=b"other", su=Policy(7, Unit.Terrabytes))
    custom = attrs.evolve(
        g,
        config=Config(ss58_prefix=2, billing_frequency=10),
        roles=attrs.evolve(g.roles, node_certifiers=(acc("dave"),)),
        multisigs=RoleMultisigs(council=g.multisigs.council),
        twins=(GenesisTwin(acc("alice"), b"relay.grid.tf", bytes(range(32))), *g.twins[1:]),
        pricing_policies=(*g.pricing_policies, pol),
        farms=(
            attrs.evolve(g.farms[0], certification=FarmCertification.Gold, pricing_policy_id=2),
            *g.farms[1:],
        ),
    )
    text = gen.dumps(custom)
    assert ss58_encode(acc("alice"), 2) in text and ss58_encode(acc("alice"), 42) not in text
    assert '"relay": "relay.grid.tf"' in text and '"unit": "Terrabytes"' in text
    path = tmp_path / "g.json"
    gen.dump(custom, path)
    assert gen.load(path) == custom
    assert gen.build(custom).farms[1].pricing_policy_id == 2


def test_json_accepts_hex_accounts_and_ids_optional() -> None:
    """GEN-21, GEN-23: 0x-hex account ids are accepted; ids may be omitted; signatories in any order."""
    d = doc()
    d["accounts"][0]["account_id"] = "0x" + acc("alice").hex()
    for key in ("twins", "farms", "nodes", "pricing_policies"):
        for item in d[key]:
            del item["id"]
    d["multisigs"]["council"]["signatories"].reverse()
    del d["names"]
    del d["config"]["grace_period"]  # config members default to production values
    assert gen.from_json_obj(d) == gen.default_genesis()


def test_shipped_json_matches_default(tmp_path: Path) -> None:
    """GEN-26: the shipped data/default_genesis.json is exactly dumps(default_genesis()) with names."""
    path = Path(gen.default_genesis_json_path())
    assert path.read_text(encoding="utf-8") == gen.default_genesis_json()
    assert gen.load(path) == gen.default_genesis()
    assert gen.build(gen.load(path)) == gen.default()


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting the member at a dotted path (list indices as [i])."""

    def mutate(d: dict[str, Any]) -> None:
        node: Any = d
        parts = path.replace("[", ".").replace("]", "").split(".")
        for p in parts[:-1]:
            node = node[int(p)] if isinstance(node, list) else node[p]
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _del(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        node: Any = d
        parts = path.replace("[", ".").replace("]", "").split(".")
        for p in parts[:-1]:
            node = node[int(p)] if isinstance(node, list) else node[p]
        del node[parts[-1]]

    return mutate


def _apply(f: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        f(d)

    return mutate


BAD_SS58 = ss58_encode(bytes(32), 42)[:-1] + ("2" if ss58_encode(bytes(32), 42)[-1] != "2" else "3")
ALICE_PREFIX_0 = ss58_encode(bytes(range(32)), 0)
OTHER = ss58_encode(bytes([7] * 32), 42)

# (rule, mutation, expected path, expected message fragment)
BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    # structure (GEN-20..GEN-24)
    ("GEN-20", _del("tft_price"), "tft_price", "missing field"),
    ("GEN-20", _set("extra", 1), "extra", "unknown field"),
    ("GEN-20", _set("format", "sc4it-genesis/v0"), "format", "sc4it-genesis/v1"),
    ("GEN-20", _set("accounts", {}), "accounts", "expected an array"),
    ("GEN-20", _set("roles", []), "roles", "expected an object"),
    ("GEN-20", _set("nodes[0].resources.gpu", 1), "nodes[0].resources.gpu", "unknown field"),
    ("GEN-20", _del("farms[1].public_ips[0].gateway"), "farms[1].public_ips[0].gateway", "missing field"),
    ("GEN-20", _set("config.turbo", 1), "config.turbo", "unknown field"),
    ("GEN-20", _set("names", []), "names", "expected an object"),
    ("GEN-21", _set("names.alice", "nope"), "names.alice", "bad SS58"),
    ("GEN-22", _set("accounts[0].free", "10"), "accounts[0].free", "got string"),
    ("GEN-22", _set("accounts[0].free", 1 << 128), "accounts[0].free", "out of range for u128"),
    ("GEN-22", _set("nodes[0].resources.cru", -1), "nodes[0].resources.cru", "out of range for u64"),
    ("GEN-22", _set("nodes[0].resources.hru", 1 << 64), "nodes[0].resources.hru", "out of range for u64"),
    ("GEN-22", _set("tft_price.max", 1 << 32), "tft_price.max", "out of range for u32"),
    (
        "GEN-22",
        _set("pricing_policies[0].discount_for_dedication_nodes", 256),
        "pricing_policies[0].discount_for_dedication_nodes",
        "u8",
    ),
    ("GEN-22", _set("tft_price.price", 50.0), "tft_price.price", "got number"),
    ("GEN-22", _set("farms[0].twin_id", True), "farms[0].twin_id", "got boolean"),
    ("GEN-22", _set("farms[0].dedicated_farm", 0), "farms[0].dedicated_farm", "expected a boolean"),
    ("GEN-22", _set("config.ss58_prefix", 1 << 16), "config.ss58_prefix", "u16"),
    ("GEN-22", _set("farms[0].name", 5), "farms[0].name", "expected a string"),
    (
        "GEN-22",
        _set("farms[0].public_ips[0].ip", "185.206.122.133/24xx"),
        "farms[0].public_ips[0].ip",
        "at most 18",
    ),
    ("GEN-22", _set("twins[0].pk", "abcd"), "twins[0].pk", "0x-prefixed hex"),
    ("GEN-22", _set("twins[0].pk", "0xzz"), "twins[0].pk", "bad hex"),
    ("GEN-22", _set("twins[0].pk", "0x" + "00" * 129), "twins[0].pk", "at most 128"),
    ("GEN-22", _set("roles.node_certifiers", [OTHER] * 101), "roles.node_certifiers", "at most 100"),
    ("GEN-24", _set("farms[0].certification", "Platinum"), "farms[0].certification", "FarmCertification"),
    ("GEN-24", _set("nodes[1].certification", 1), "nodes[1].certification", "NodeCertification"),
    ("GEN-24", _set("pricing_policies[0].su.unit", "Gigs"), "pricing_policies[0].su.unit", "Terrabytes"),
    (
        "GEN-24",
        _set("distribution_policy.node.remainder", "Nobody"),
        "distribution_policy.node.remainder",
        "Recipient",
    ),
    ("GEN-21", _set("roles.council", BAD_SS58), "roles.council", "bad SS58"),
    ("GEN-21", _set("roles.oracle", ALICE_PREFIX_0), "roles.oracle", "prefix"),
    ("GEN-21", _set("accounts[1].account_id", "0x1234"), "accounts[1].account_id", "32-byte"),
    ("GEN-21", _set("accounts[1].account_id", "0x" + "g" * 64), "accounts[1].account_id", "bad hex"),
    ("GEN-21", _set("accounts[1].account_id", 5), "accounts[1].account_id", "SS58"),
    ("GEN-23", _set("twins[2].id", 7), "twins[2].id", "expected 3"),
    ("GEN-23", _set("nodes[0].id", "1"), "nodes[0].id", "unsigned integer"),
    ("GEN-20", _set("multisigs.council.signatories", []), "multisigs.council.signatories", "at least one"),
    (
        "GEN-20",
        _apply(
            lambda d: d["multisigs"]["council"]["signatories"].append(
                d["multisigs"]["council"]["signatories"][0]
            )
        ),
        "multisigs.council.signatories",
        "duplicate",
    ),
    # semantic (GEN-10..GEN-18)
    ("GEN-10", _set("config.ss58_prefix", 46), "config.ss58_prefix", "SS58 prefix"),
    ("GEN-10", _set("config.billing_frequency", 0), "config.billing_frequency", "at least 1"),
    ("GEN-10", _set("config.distribution_frequency", 0), "config.distribution_frequency", "at least 1"),
    ("GEN-10", _set("config.min_name_length", 65), "config.min_name_length", "max_name_length"),
    ("GEN-11", _set("multisigs.council.threshold", 4), "multisigs.council", "threshold"),
    ("GEN-11", _set("multisigs.oracle.threshold", 0), "multisigs.oracle", "threshold"),
    (
        "GEN-11",
        _apply(lambda d: d["multisigs"].__setitem__("oracle", d["multisigs"]["council"])),
        "multisigs.oracle",
        "roles.oracle",
    ),
    (
        "GEN-19",
        _apply(lambda d: d["roles"]["bridge_validators"].reverse()),
        "roles",
        "sorted and distinct",
    ),
    (
        "GEN-19",
        _apply(lambda d: d["roles"]["council_members"].pop()),
        "roles",
        "ceil(3n/5)",
    ),
    ("GEN-22", _set("bridge.withdraw_fee", -1), "bridge.withdraw_fee", "out of range for u64"),
    ("GEN-12", _set("accounts[2].free", 499), "accounts[2].free", "existential deposit 500"),
    (
        "GEN-12",
        _apply(lambda d: d["accounts"].append(dict(d["accounts"][0]))),
        "accounts[13].account_id",
        "duplicate",
    ),
    ("GEN-12", _set("accounts[0].free", (1 << 128) - 1), "accounts", "u128"),
    ("GEN-13", _set("twins[0].account_id", OTHER), "twins[0].account_id", "funded account"),
    (
        "GEN-13",
        _apply(lambda d: d["twins"][1].__setitem__("account_id", d["twins"][0]["account_id"])),
        "twins[1].account_id",
        "already owns twin 1",
    ),
    ("GEN-13", _set("twins[0].relay", "relay..grid"), "twins[0].relay", "TWN-05"),
    ("GEN-13", _set("twins[0].relay", "relay\x01"), "twins[0].relay", "relay address"),
    (
        "GEN-14",
        _set("pricing_policies[0].name", "p" * 65),
        "pricing_policies[0].name",
        "at most 64 bytes",
    ),
    (
        "GEN-14",
        _apply(lambda d: d["pricing_policies"].append({**d["pricing_policies"][0], "id": 2})),
        "pricing_policies[1].name",
        "duplicate",
    ),
    ("GEN-15", _set("farms[0].name", "free farm"), "farms[0].name", "letters, digits"),
    ("GEN-15", _set("farms[0].name", "ab"), "farms[0].name", "FarmNameTooShort"),
    ("GEN-15", _set("farms[0].name", "a" * 41), "farms[0].name", "FarmNameTooLong"),
    ("GEN-15", _set("farms[1].name", "freefarm"), "farms[1].name", "duplicate farm name"),
    ("GEN-15", _set("farms[0].twin_id", 11), "farms[0].twin_id", "existing twin id (1..10)"),
    (
        "GEN-15",
        _set("farms[0].pricing_policy_id", 2),
        "farms[0].pricing_policy_id",
        "existing pricing policy",
    ),
    ("GEN-15", _set("config.max_farm_public_ips", 3), "farms[0].public_ips", "at most 3"),
    ("GEN-15", _set("farms[0].public_ips[0].ip", "185.206.122.33"), "farms[0].public_ips[0].ip", "CIDR"),
    ("GEN-15", _set("farms[0].public_ips[0].ip", "185.206.122.300/24"), "farms[0].public_ips[0].ip", "CIDR"),
    ("GEN-15", _set("farms[0].public_ips[0].ip", "192.168.1.10/24"), "farms[0].public_ips[0].ip", "public"),
    ("GEN-15", _set("farms[0].public_ips[0].ip", "224.0.0.5/24"), "farms[0].public_ips[0].ip", "public"),
    ("GEN-15", _set("farms[0].public_ips[0].ip", "100.64.0.10/24"), "farms[0].public_ips[0].ip", "public"),
    (
        "GEN-15",
        _set("farms[1].public_ips[0].gateway", "185.206.124.1"),
        "farms[1].public_ips[0].gateway",
        "not inside the network",
    ),
    (
        "GEN-15",
        _set("farms[1].public_ips[0].gateway", "10.0.0.1"),
        "farms[1].public_ips[0].gateway",
        "not a public unicast",
    ),
    (
        "GEN-15",
        _set("farms[1].public_ips[0].gateway", "gw"),
        "farms[1].public_ips[0].gateway",
        "IPv4 address",
    ),
    (
        "GEN-15",
        _set("farms[1].public_ips[0].gateway", "185.206.123.10"),
        "farms[1].public_ips[0].gateway",
        "the ip itself",
    ),
    (
        "GEN-15",
        _set("farms[0].public_ips[1].ip", "185.206.122.33/24"),
        "farms[0].public_ips[1].ip",
        "duplicate",
    ),
    ("GEN-16", _set("nodes[0].farm_id", 3), "nodes[0].farm_id", "existing farm id (1..2)"),
    ("GEN-16", _set("nodes[0].twin_id", 0), "nodes[0].twin_id", "existing twin id"),
    ("GEN-16", _set("nodes[0].resources.cru", 0), "nodes[0].resources", "InvalidCRUInput"),
    ("GEN-16", _set("nodes[0].resources.sru", 99 * GIB), "nodes[0].resources", "InvalidStorageInput"),
    ("GEN-16", _set("nodes[1].twin_id", 7), "nodes[1].twin_id", "already runs node 1"),
    ("GEN-17", _set("tft_price.min", 0), "tft_price.min", "at least 1"),
    ("GEN-17", _set("tft_price.max", 9), "tft_price.max", "tft_price.min"),
    (
        "GEN-18",
        _set("distribution_policy.node.shares[0].perbill", 700_000_000),
        "distribution_policy.node",
        "sum to 1100000000",
    ),
    (
        "GEN-18",
        _set("distribution_policy.name.shares[0].perbill", 1_000_000_001),
        "distribution_policy.name",
        "outside",
    ),
]


@pytest.mark.parametrize(
    ("rule", "mutate", "path", "fragment"),
    BROKEN,
    ids=[f"{r}-{p}-{i}" for i, (r, _, p, _f) in enumerate(BROKEN)],
)
def test_broken_documents(
    rule: str, mutate: Callable[[dict[str, Any]], None], path: str, fragment: str
) -> None:
    """GEN-10..GEN-24: each broken document is rejected with the field path and what was expected."""
    d = doc()
    mutate(d)
    with pytest.raises(GenesisError) as err:
        gen.loads(json.dumps(d))
    assert err.value.path == path, (rule, str(err.value))
    assert fragment in err.value.message, (rule, str(err.value))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{", "malformed JSON"),
        ("[]", "expected an object"),
        ('"x"', "expected an object"),
        ("{}", "missing field"),
    ],
)
def test_broken_root(text: str, fragment: str) -> None:
    """GEN-20: a document that is not a JSON object is rejected at the root."""
    with pytest.raises(GenesisError) as err:
        gen.loads(text)
    assert fragment in err.value.message
    assert err.value.path in (gen.ROOT, "format")


def test_dumps_rejects_non_utf8_names() -> None:
    """GEN-25: a name that cannot be a JSON string is reported with its path."""
    g = gen.default_genesis()
    bad = attrs.evolve(g, farms=(attrs.evolve(g.farms[0], name=b"\xff"), *g.farms[1:]))
    with pytest.raises(GenesisError) as err:
        gen.dumps(bad)
    assert err.value.path == "farms[0].name"


# --------------------------------------------------------------------------------------------------
# referential errors on Genesis values (build)


def _broken(**changes: Any) -> Genesis:
    return attrs.evolve(gen.default_genesis(), **changes)


def test_build_node_on_missing_farm() -> None:
    """GEN-16: a node on a farm that does not exist."""
    g = gen.default_genesis()
    with pytest.raises(GenesisError, match=r"nodes\[4\]\.farm_id"):
        gen.build(_broken(nodes=(*g.nodes, GenesisNode(9, 1, Resources(cru=1)))))


def test_build_two_nodes_for_one_twin() -> None:
    """GEN-16: one node per twin."""
    g = gen.default_genesis()
    with pytest.raises(GenesisError, match=r"nodes\[4\]\.twin_id: twin 9 already runs node 3"):
        gen.build(_broken(nodes=(*g.nodes, GenesisNode(2, 9, Resources(cru=1)))))


def test_build_duplicate_farm_name() -> None:
    """GEN-15: farm names are unique."""
    g = gen.default_genesis()
    dup = GenesisFarm(b"freefarm", 1, 1, FarmCertification.NotCertified, False, ())
    with pytest.raises(GenesisError, match=r"farms\[2\]\.name: duplicate farm name"):
        gen.build(_broken(farms=(*g.farms, dup)))


def test_build_rejects_oversized_bytes() -> None:
    """GEN-13, GEN-14: bounds the JSON reader enforces are also checked on values built in code."""
    g = gen.default_genesis()
    with pytest.raises(GenesisError, match=r"twins\[0\]\.pk: at most 128"):
        gen.build(_broken(twins=(GenesisTwin(acc("alice"), None, bytes(129)), *g.twins[1:])))
    long_name = attrs.evolve(g.pricing_policies[0], name=b"p" * 65)
    with pytest.raises(GenesisError, match=r"pricing_policies\[0\]\.name: .*PricingPolicyNameTooLong"):
        gen.build(_broken(pricing_policies=(long_name,)))


def test_build_multisig_not_well_formed() -> None:
    """GEN-11: a spec with unsorted signatories (built without MultisigSpec.of) is rejected."""
    g = gen.default_genesis()
    sigs = tuple(reversed(gen.council_multisig().signatories))
    with pytest.raises(GenesisError, match=r"multisigs\.council"):
        gen.build(_broken(multisigs=attrs.evolve(g.multisigs, council=MultisigSpec(2, sigs))))


def test_build_minimal_world() -> None:
    """GEN-01, GEN-02, GEN-05: a small genesis without nodes or role multisigs builds; a farm needs no
    public IPs."""
    g = gen.default_genesis()
    alice = acc("alice")
    minimal = Genesis(
        config=Config(),
        roles=g.roles,
        multisigs=RoleMultisigs(),
        accounts=(GenesisAccount(alice, 500),),
        twins=(GenesisTwin(alice),),
        pricing_policies=g.pricing_policies,
        farms=(GenesisFarm(b"minifarm", 1, 1, FarmCertification.Gold, False, ()),),
        nodes=(),
        tft_price=gen.GenesisTftPrice(1, 1, 1),
        distribution_policy=DistributionPolicy.legacy(),
    )
    s = gen.build(minimal)
    assert (s.twin_id, s.farm_id, s.node_id, s.total_issuance) == (1, 1, 0, 500)
    assert s.farms[1].public_ips == () and s.farms[1].certification == FarmCertification.Gold
    assert len(s.nodes_by_farm_id) == 0
    assert s.distribution_policy == DistributionPolicy.legacy()


def test_check_public_ip_table() -> None:
    """GEN-15: the IP rule directly."""
    ok = gen.check_public_ip
    assert ok(b"185.206.122.33/24", b"185.206.122.1") is None
    assert ok(b"185.206.122.33/32", b"185.206.122.1") == (
        "gateway",
        "185.206.122.1 is not inside the network 185.206.122.33/32 of 185.206.122.33/32",
    )
    assert ok(b"127.0.0.1/8", b"127.0.0.2") is not None
    assert ok(b"\xff/24", b"1.1.1.1") is not None
    assert ok(b"1.1.1.1/24", b"\xff") is not None
    assert ok(b"185.206.122.33/24", b"185.206.122.33") == ("gateway", "185.206.122.33 is the ip itself")


# --------------------------------------------------------------------------------------------------
# One rule in one place (issue 13): genesis applies the calls' and the council's own checks


def test_gen18_genesis_refuses_what_the_council_refuses() -> None:
    """GEN-18 DST-12: a 9-share rule and a `Farmer` share paid from a name contract, which
    `SetDistributionPolicy` refuses, are refused by genesis too (before, `build` returned a state that
    failed INV-09 and did not decode)."""
    from sc4it.kernel.types import Recipient, Share, SplitRule

    g = gen.default_genesis()
    nine = SplitRule(tuple(Share(Recipient.Foundation, 1) for _ in range(9)), Recipient.Farmer)
    with pytest.raises(gen.GenesisError) as shares:
        gen.build(attrs.evolve(g, distribution_policy=attrs.evolve(g.distribution_policy, node=nine)))
    assert shares.value.path == "distribution_policy.node" and "at most 8 shares" in str(shares.value)
    farmer = SplitRule((Share(Recipient.Farmer, 1),), Recipient.Foundation)
    with pytest.raises(gen.GenesisError) as name:
        gen.build(attrs.evolve(g, distribution_policy=attrs.evolve(g.distribution_policy, name=farmer)))
    assert name.value.path == "distribution_policy.name" and "no farmer" in str(name.value)


def test_gen10_config_checks_its_own_limits() -> None:
    """GEN-10: a Config that breaks its limits cannot be built, directly or through genesis JSON, so
    `apply` never meets a zero reference period (before: ZeroDivisionError on the first cancel)."""
    from sc4it.kernel.state import Config, ConfigError

    for field in (
        "billing_reference_period",
        "billing_frequency",
        "distribution_frequency",
        "block_time_secs",
    ):
        with pytest.raises(ConfigError) as e:
            Config(**{field: 0})
        assert e.value.field == field
    with pytest.raises(ConfigError):
        attrs.evolve(Config(), ss58_prefix=46)
    doc = json.loads(gen.dumps(gen.default_genesis()))
    doc["config"]["billing_reference_period"] = 0
    with pytest.raises(gen.GenesisError) as loaded:
        gen.loads(json.dumps(doc))
    assert loaded.value.path == "config.billing_reference_period"


def test_gen14_pricing_bounds_are_the_calls_bounds() -> None:
    """GEN-14 PRC-02 BIL-33: genesis accepts what `CreatePricingPolicy` accepts (a dedicated-node
    share of 150, an empty name) and BIL-33 saturates the share at 100."""
    g = gen.default_genesis()
    policy = attrs.evolve(g.pricing_policies[0], name=b"", discount_for_dedication_nodes=150)
    state = gen.build(attrs.evolve(g, pricing_policies=(policy,)))
    assert state.pricing_policies[1].discount_for_dedication_nodes == 150
    from sc4it.contracts.billing import cost

    rates = cost.policy_rates(state.pricing_policies[1], state.config.billing_reference_period)
    assert rates.dedication_percent == 100
