"""The function cases (spec/vectors/README.md): the fixed list of calls of `FUNCTIONS` with what they return,
computed with sc4it's own functions: fixed-point arithmetic, keys and hashes, the genesis, blocks, the
state tree and its proofs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import attrs
import cbor2

from sc4it.block import (
    Block,
    ChainSpec,
    build_block,
    calls_hash,
    genesis_tip,
    seal_message,
)

# --------------------------------------------------------------------------------------------------
# Function vectors: fixed-point arithmetic, keys and addresses, hashes, the genesis
from sc4it.conformance.vectors.functions import (
    call_function,
    dev_account,
    ed25519_public_key,
    ed25519_sign,
    smt_prove,
    smt_root,
)
from sc4it.conformance.vectors.records import FunctionCase
from sc4it.genesis import (
    Genesis,
    GenesisAccount,
    GenesisFarm,
    GenesisNode,
    GenesisPublicIP,
    GenesisTftPrice,
    GenesisTwin,
    RoleMultisigs,
    default,
    default_genesis,
    default_genesis_json,
    dev_keypair,
)
from sc4it.kernel import calls, commitment, signing, state, types
from sc4it.kernel.codec import encode
from sc4it.kernel.signing import SignedCall


def _config_unchecked(**changes: int) -> state.Config:
    """`Config()` with `changes`, built around its validator (STATE-13): it encodes, and decoding it is
    refused. For the vectors of invalid input only."""
    base = state.Config()
    cfg = object.__new__(state.Config)
    for f in attrs.fields(state.Config):
        object.__setattr__(cfg, f.name, changes.get(f.name, getattr(base, f.name)))
    return cfg


def _farm0(g: Genesis, **changes: Any) -> Genesis:
    """`g` with its first farm changed."""
    return attrs.evolve(g, farms=(attrs.evolve(g.farms[0], **changes), *g.farms[1:]))


def _node0(g: Genesis, **changes: Any) -> Genesis:
    """`g` with its first node changed."""
    return attrs.evolve(g, nodes=(attrs.evolve(g.nodes[0], **changes), *g.nodes[1:]))


def _first(items: tuple[Any, ...], item: Any) -> tuple[Any, ...]:
    return (item, *items[1:])


_ev = attrs.evolve
_SHARE_ABOVE_100PCT = types.Share(types.Recipient.StakingPool, 1_000_000_001)

_GENESIS_VARIANTS: tuple[tuple[str, tuple[str, ...], Callable[[Genesis], Genesis]], ...] = (
    # (name, covers, the change to the default genesis): the default world and one broken genesis per
    # validation rule (GEN-10..GEN-18), in the vectors' order.
    ("default", ("GEN-01", "GEN-02", "GEN-04", "GEN-40"), lambda g: g),
    ("ss58-prefix-46", ("GEN-10", "STATE-13"), lambda g: _ev(g, config=_config_unchecked(ss58_prefix=46))),
    (
        "billing-frequency-0",
        ("GEN-10", "STATE-13"),
        lambda g: _ev(g, config=_config_unchecked(billing_frequency=0)),
    ),
    ("council-multisig-mismatch", ("GEN-11",), lambda g: _ev(g, multisigs=RoleMultisigs(g.multisigs.oracle))),
    ("duplicate-account", ("GEN-12",), lambda g: _ev(g, accounts=(*g.accounts, g.accounts[0]))),
    (
        "account-below-ed",
        ("GEN-12",),
        lambda g: _ev(g, accounts=_first(g.accounts, GenesisAccount(g.accounts[0].account_id, 499))),
    ),
    ("twin-not-funded", ("GEN-13",), lambda g: _ev(g, twins=(*g.twins, GenesisTwin(bytes([0xAB]) * 32)))),
    (
        "twin-bad-relay",
        ("GEN-13", "TWN-05"),
        lambda g: _ev(g, twins=_first(g.twins, GenesisTwin(g.twins[0].account_id, b"r.x"))),
    ),
    (
        "policy-empty-name",
        ("GEN-14",),
        lambda g: _ev(g, pricing_policies=(_ev(g.pricing_policies[0], name=b""),)),
    ),
    (
        "policy-discount-101",
        ("GEN-14",),
        lambda g: _ev(g, pricing_policies=(_ev(g.pricing_policies[0], discount_for_dedication_nodes=101),)),
    ),
    ("farm-name-too-short", ("GEN-15", "FRM-03"), lambda g: _farm0(g, name=b"x")),
    (
        "farm-private-ip",
        ("GEN-15", "IP-04"),
        lambda g: _farm0(g, public_ips=(GenesisPublicIP(b"10.0.0.2/24", b"10.0.0.1"),)),
    ),
    ("farm-unknown-twin", ("GEN-15",), lambda g: _farm0(g, twin_id=99)),
    ("node-twin-twice", ("GEN-16",), lambda g: _ev(g, nodes=(*g.nodes, g.nodes[0]))),
    ("node-no-cru", ("GEN-16", "NOD-04"), lambda g: _node0(g, resources=_ev(g.nodes[0].resources, cru=0))),
    (
        "node-unknown-farm",
        ("GEN-16",),
        lambda g: _ev(g, nodes=_first(g.nodes, GenesisNode(9, g.nodes[0].twin_id, g.nodes[0].resources))),
    ),
    ("tft-min-0", ("GEN-17",), lambda g: _ev(g, tft_price=GenesisTftPrice(50, 0, 1000))),
    ("tft-min-above-max", ("GEN-17",), lambda g: _ev(g, tft_price=GenesisTftPrice(50, 2000, 1000))),
    (
        "distribution-share-above-100pct",
        ("GEN-18",),
        lambda g: _ev(
            g,
            distribution_policy=_ev(
                g.distribution_policy, node=types.SplitRule((_SHARE_ABOVE_100PCT,), types.Recipient.Farmer)
            ),
        ),
    ),
    ("farm-dedicated-node-ok", ("GEN-16",), lambda g: _farm0(g, dedicated_farm=True)),
    ("no-farms-no-nodes", ("GEN-01", "GEN-02"), lambda g: _ev(g, farms=(), nodes=())),
    ("farm-two-ips", ("GEN-15", "IP-06"), lambda g: _farm0(g, public_ips=g.farms[0].public_ips[:1] * 2)),
    (
        "farm-unknown-policy",
        ("GEN-15",),
        lambda g: _ev(
            g, farms=_first(g.farms, GenesisFarm(b"freefarm", 5, 7, g.farms[0].certification, False))
        ),
    ),
)


def _genesis_variants() -> list[tuple[str, tuple[str, ...], Any]]:
    """(name, covers, genesis) for `genesis.build`: `_GENESIS_VARIANTS` applied to the default genesis."""
    g = default_genesis()
    return [(name, covers, change(g)) for name, covers, change in _GENESIS_VARIANTS]


def _json_variants() -> list[tuple[str, tuple[str, ...], str]]:
    """(name, covers, text) for `genesis.loads`: the shipped default genesis and broken documents."""
    text = default_genesis_json()
    doc = json.loads(text)

    def edited(fn: Callable[[Any], None]) -> str:
        d = json.loads(text)
        fn(d)
        return json.dumps(d, indent=2) + "\n"

    def first_account(d: Any) -> Any:
        return d["accounts"][0]

    def bad_checksum(d: Any) -> None:
        a = first_account(d)["account_id"]
        first_account(d)["account_id"] = a[:-1] + ("A" if a[-1] != "A" else "B")

    def as_hex(d: Any) -> None:
        first_account(d)["account_id"] = "0x" + dev_account("alice").hex()

    def drop_twin_ids(d: Any) -> None:
        for t in d["twins"]:
            t.pop("id")

    assert isinstance(doc, dict)
    return [
        ("default-json", ("GEN-20", "GEN-21", "GEN-26"), text),
        ("hex-account", ("GEN-21",), edited(as_hex)),
        ("unknown-field", ("GEN-20",), edited(lambda d: d.update(extra=1))),
        ("missing-field", ("GEN-20",), edited(lambda d: d.pop("twins"))),
        ("wrong-format", ("GEN-20",), edited(lambda d: d.update(format="sc4it-genesis/v0"))),
        ("not-an-object", ("GEN-20",), "[]"),
        ("malformed-json", ("GEN-20",), text[:100]),
        ("bad-ss58-checksum", ("GEN-21",), edited(bad_checksum)),
        ("float-balance", ("GEN-22",), edited(lambda d: first_account(d).update(free=1.5))),
        ("bool-for-integer", ("GEN-22",), edited(lambda d: first_account(d).update(free=True))),
        (
            "u8-out-of-range",
            ("GEN-22",),
            edited(lambda d: d["pricing_policies"][0].update(discount_for_dedication_nodes=256)),
        ),
        ("id-not-position", ("GEN-23",), edited(lambda d: d["twins"][0].update(id=2))),
        ("no-ids", ("GEN-23",), edited(drop_twin_ids)),
        ("unknown-enum", ("GEN-24",), edited(lambda d: d["farms"][0].update(certification="Platinum"))),
        ("config-defaults", ("GEN-25",), edited(lambda d: d.update(config={}))),
        ("validation-after-structure", ("GEN-20", "GEN-17"), edited(lambda d: d["tft_price"].update(min=0))),
    ]


def _block_variants() -> list[tuple[str, tuple[str, ...], tuple[Any, ...]]]:
    """(name, covers, args) for `block.execute`: two honest blocks on the default genesis, then block 2
    forged in each header field (BLK-31..BLK-40)."""
    producer, intruder = dev_keypair("producer"), dev_keypair("intruder")
    alice, bob = dev_keypair("alice"), dev_keypair("bob")
    spec = ChainSpec.of([producer.account_id], block_time_ms=6000, genesis_timestamp_ms=1_700_000_000_000)
    world = default()
    pay = calls.Transfer(bob.account_id, 10_000_000)
    too_much = calls.Transfer(alice.account_id, 10**30)
    b1 = build_block(
        genesis_tip(world, spec),
        [signing.sign(pay, alice, 0, world.chain_id), signing.sign(too_much, bob, 0, world.chain_id)],
        producer,
        spec,
    )
    b2 = build_block(b1.tip, [signing.sign(pay, alice, 1, world.chain_id)], producer, spec).block

    def forged(
        key: signing.Keypair = producer, calls_: tuple[SignedCall, ...] | None = None, **changes: Any
    ) -> bytes:
        header = attrs.evolve(b2.header, **changes)
        body = b2.calls if calls_ is None else calls_
        return encode(Block(header, key.sign(seal_message(header)), body))

    stale = (signing.sign(pay, alice, 0, world.chain_id),)
    h = b2.header
    variants: list[tuple[str, tuple[str, ...], bytes]] = [
        (
            "honest",
            (
                "BLK-02",
                "BLK-03",
                "BLK-04",
                "BLK-06",
                "BLK-07",
                "BLK-08",
                "BLK-09",
                "BLK-10",
                "BLK-20",
                "BLK-21",
                "BLK-23",
            ),
            encode(b2),
        ),
        ("wrong-chain", ("BLK-31",), forged(chain_id=bytes(32))),
        ("wrong-number", ("BLK-32",), forged(number=3)),
        ("wrong-parent", ("BLK-33",), forged(parent_hash=bytes(32))),
        ("wrong-timestamp", ("BLK-34", "BLK-10"), forged(timestamp=h.timestamp + 30 * 86_400_000)),
        ("not-a-producer", ("BLK-35",), forged(intruder, producer=intruder.account_id)),
        ("wrong-signature", ("BLK-36", "BLK-09"), encode(Block(h, intruder.sign(seal_message(h)), b2.calls))),
        ("wrong-calls-hash", ("BLK-37",), forged(calls_=())),
        ("invalid-call", ("BLK-38", "BLK-22"), forged(calls_=stale, calls_hash=calls_hash(stale))),
        ("wrong-results-hash", ("BLK-39",), forged(results_hash=bytes(32))),
        ("wrong-commitment", ("BLK-40",), forged(state_commitment=bytes(32))),
    ]
    g = encode(default_genesis(), Genesis)
    return [(name, covers, (g, encode(spec), [encode(b1.block), data])) for name, covers, data in variants]


_Raw = tuple[str, tuple[str, ...], str, tuple[Any, ...]]
"""(name, covers, function, args) of a function case."""


def function_cases() -> list[FunctionCase]:
    """The fixed list of function vectors; expected results are computed with sc4it's own functions."""
    raw: list[_Raw] = [*_arithmetic_cases(), *_key_and_hash_cases()]
    for name, covers, g in _genesis_variants():
        data = encode(g, Genesis)
        raw.append((f"genesis-{name}", covers, "genesis.build", (data,)))
        if name in ("default", "no-farms-no-nodes"):
            raw.append((f"chain-id-{name}", ("GEN-03", "ENC-11"), "genesis.chain_id", (data,)))
    for name, covers, text in _json_variants():
        raw.append((f"json-{name}", covers, "genesis.loads", (text,)))
    for name, covers, args in _block_variants():
        raw.append((f"block-{name}", covers, "block.execute", args))
    raw.extend(_smt_cases())
    raw.extend(_state_proof_cases())
    out: list[FunctionCase] = []
    for name, covers, function, args in raw:
        ok, result = call_function(function, args)
        out.append(FunctionCase(name, covers, function, args, ok, result))
    return out


def _arithmetic_cases() -> list[_Raw]:
    """Fixed-point and per-thing arithmetic (FX-01..FX-15)."""
    one = 1 << 64
    u64_max = (1 << 64) - 1
    return [
        ("from-int-3", ("FX-01",), "u64f64.from_int", (3,)),
        ("from-int-max", ("FX-01",), "u64f64.from_int", (u64_max,)),
        ("from-int-overflow", ("FX-01", "FX-09"), "u64f64.from_int", (1 << 64,)),
        ("literal-0.8", ("FX-02",), "u64f64.from_f64_literal", ("0.8",)),
        ("literal-0.7", ("FX-02",), "u64f64.from_f64_literal", ("0.7",)),
        ("literal-0.6", ("FX-02",), "u64f64.from_f64_literal", ("0.6",)),
        ("literal-0.4", ("FX-02",), "u64f64.from_f64_literal", ("0.4",)),
        ("literal-1.25", ("FX-02",), "u64f64.from_f64_literal", ("1.25",)),
        ("literal-1.5", ("FX-02",), "u64f64.from_f64_literal", ("1.5",)),
        ("mul-truncates", ("FX-03",), "u64f64.mul", (one // 3, 3 * one + 1)),
        ("mul-overflow", ("FX-03", "FX-09"), "u64f64.mul", (one << 40, one << 40)),
        ("div-truncates", ("FX-04",), "u64f64.div", (one, 3 * one)),
        ("div-by-zero", ("FX-04",), "u64f64.div", (one, 0)),
        ("div-overflow", ("FX-04", "FX-09"), "u64f64.div", (u64_max * one, 1)),
        ("mul-int-exact", ("FX-05",), "u64f64.mul_int", (one // 3, 3)),
        ("div-int-truncates", ("FX-05",), "u64f64.div_int", (one, 1200)),
        ("div-int-zero", ("FX-05",), "u64f64.div_int", (one, 0)),
        ("add", ("FX-06",), "u64f64.add", (one // 2, one // 4)),
        ("sub-below-zero", ("FX-06", "FX-09"), "u64f64.sub", (1, 2)),
        ("round-tie-up", ("FX-07",), "u64f64.round", (2 * one + one // 2,)),
        ("round-below-half", ("FX-07",), "u64f64.round", (2 * one + one // 2 - 1,)),
        ("round-overflow", ("FX-07", "FX-09"), "u64f64.round", ((1 << 128) - 1,)),
        ("floor", ("FX-08",), "u64f64.floor", (2 * one + 5,)),
        ("ceil", ("FX-08",), "u64f64.ceil", (2 * one + 5,)),
        ("to-int-truncates", ("FX-08",), "u64f64.to_int", (3 * one - 1,)),
        ("wrapping-mul", ("FX-09",), "u64f64.wrapping_mul", (one << 40, one << 40)),
        ("wrapping-add", ("FX-09",), "u64f64.wrapping_add", ((1 << 128) - 1, 2)),
        ("u32f32-from-int", ("FX-10",), "u32f32.from_int", (7,)),
        ("u32f32-div", ("FX-10", "TFT-03"), "u32f32.div", (21 << 32, 2 << 32)),
        ("u32f32-round-tie", ("FX-10", "TFT-03"), "u32f32.round", ((10 << 32) + (1 << 31),)),
        ("perbill-mul-tie-down", ("FX-11",), "perbill.mul", (500_000_000, 15)),
        ("perbill-mul-10pct", ("FX-11", "DST-14"), "perbill.mul", (100_000_000, 144_440)),
        ("perbill-mul-large", ("FX-11",), "perbill.mul", (333_333_333, (1 << 128) - 1)),
        ("percent-mul-35", ("FX-11",), "percent.mul", (35, 10)),
        ("percent-mul-36", ("FX-11",), "percent.mul", (36, 10)),
        ("percent-mul-50-tie", ("FX-11", "BIL-33"), "percent.mul", (50, 31_433)),
        ("percent-from-150", ("FX-12",), "percent.from_percent", (150,)),
        ("perbill-from-parts-saturates", ("FX-12",), "perbill.from_parts", (2_000_000_000,)),
        ("perbill-from-rational", ("FX-13",), "perbill.from_rational", (1, 3)),
        (
            "perbill-from-rational-big-q",
            ("FX-13",),
            "perbill.from_rational",
            (1_000_000_000_001, 3_000_000_000_007),
        ),
        ("perbill-from-rational-p-above-q", ("FX-13",), "perbill.from_rational", (5, 3)),
        ("perbill-from-rational-q-zero", ("FX-13",), "perbill.from_rational", (1, 0)),
        ("perbill-times-perbill", ("FX-14",), "perbill.mul_perbill", (500_000_001, 500_000_001)),
        ("perbill-mul-floor", ("FX-14",), "perbill.mul_floor", (500_000_000, 15)),
        ("perbill-mul-ceil", ("FX-14",), "perbill.mul_ceil", (500_000_000, 15)),
        ("u64-saturating-add", ("FX-15",), "u64.saturating_add", (u64_max, 1)),
        ("u64-saturating-sub", ("FX-15",), "u64.saturating_sub", (1, 2)),
    ]


def _key_and_hash_cases() -> list[_Raw]:
    """Keys, addresses, hashes, the dev accounts, the default genesis and config, the empty state."""
    seed = hashlib.blake2b(b"sc4it/vectors/seed", digest_size=32).digest()
    pk = ed25519_public_key(seed)
    sig = ed25519_sign(seed, b"message")
    chain = hashlib.blake2b(b"sc4it/vectors/chain", digest_size=32).digest()
    transfer = encode(calls.Transfer(bytes(range(32)), 500))
    alice = dev_account("alice")
    return [
        ("ed25519-public-key", ("SIG-01",), "ed25519.public_key", (seed,)),
        ("ed25519-seed-31-bytes", ("SIG-01",), "ed25519.public_key", (seed[:31],)),
        ("ed25519-sign", ("SIG-01",), "ed25519.sign", (seed, b"message")),
        ("ed25519-verify", ("SIG-01",), "ed25519.verify", (pk, b"message", sig)),
        ("ed25519-verify-altered", ("SIG-01",), "ed25519.verify", (pk, b"messagf", sig)),
        ("ed25519-verify-malformed-key", ("SIG-01",), "ed25519.verify", (pk[:31], b"message", sig)),
        ("ss58-42", ("SIG-02",), "ss58.encode", (pk, 42)),
        ("ss58-0", ("SIG-02",), "ss58.encode", (pk, 0)),
        ("ss58-two-byte-prefix", ("SIG-02",), "ss58.encode", (pk, 255)),
        ("ss58-reserved-prefix", ("SIG-02",), "ss58.encode", (pk, 46)),
        ("ss58-decode", ("SIG-03",), "ss58.decode", (signing.ss58_encode(pk, 42), None)),
        ("ss58-decode-wrong-prefix", ("SIG-03",), "ss58.decode", (signing.ss58_encode(pk, 42), 0)),
        (
            "ss58-decode-bad-checksum",
            ("SIG-03",),
            "ss58.decode",
            (signing.ss58_encode(pk, 42)[:-1] + "1", None),
        ),
        (
            "ss58-decode-bad-alphabet",
            ("SIG-03",),
            "ss58.decode",
            ("0OIl" + signing.ss58_encode(pk, 42)[4:], None),
        ),
        ("multisig-2-of-3", ("SIG-06", "ENC-11"), "multisig.account_id", (2, sorted([pk, alice, bytes(32)]))),
        (
            "multisig-unsorted",
            ("SIG-06",),
            "multisig.account_id",
            (2, [alice, pk] if alice > pk else [pk, alice]),
        ),
        ("multisig-threshold-0", ("SIG-06",), "multisig.account_id", (0, sorted([pk, alice]))),
        ("signing-payload", ("SIG-04", "ENC-11"), "signing.payload", (chain, pk, 7, transfer)),
        ("deployment-hash", ("DEP-01",), "deployment.hash", (b'{"vm": "ubuntu"}',)),
        ("deployment-hash-empty", ("DEP-01",), "deployment.hash", (b"",)),
        ("dev-account-alice", ("GEN-30",), "genesis.dev_account", ("alice",)),
        ("default-genesis", ("GEN-03", "GEN-40"), "genesis.default", ()),
        ("config-default", ("STATE-03", "ENC-05"), "config.default", ("production",)),
        ("config-tfchain-test-mock", ("STATE-03",), "config.default", ("tfchain_test_mock",)),
        (
            "empty-state-root",
            ("STATE-05", "STATE-04", "CMT-07"),
            "state.empty",
            (encode(state.Config()), encode(types.Roles(pk, alice, bytes([1]) * 32)), chain),
        ),
    ]


def _state_proof_cases() -> list[_Raw]:
    """Function vectors of typed entries of a real state (the default genesis): proofs made by
    `Commitment.prove`, checked by `state.verify` (CMT-02, CMT-13, CMT-14, CMT-20..CMT-24): an account,
    a twin, a node, an item of a map of sets, a plain field, an absent contract, all in one proof; and the
    same proofs with a wrong value, absence claimed for a present entry, a byte flipped, another root."""
    st = default()
    c = commitment.Commitment.of(st)
    alice = dev_keypair("alice").account_id
    farm_id, node_ids = next(iter(st.nodes_by_farm_id.items()))
    node_id = min(node_ids)
    absent = st.contract_id + 1
    twin_id = st.twin_id_by_account_id[alice]
    entries: list[tuple[str, Any, Any, Any]] = [
        ("accounts", alice, encode(st.accounts[alice]), alice),
        ("twins", twin_id, encode(st.twins[twin_id]), twin_id),
        ("nodes", node_id, encode(st.nodes[node_id]), node_id),
        ("nodes_by_farm_id", (farm_id, node_id), cbor2.dumps(True), [farm_id, node_id]),
        ("state", "tft_price", encode(st.tft_price), "tft_price"),
        ("contracts", absent, None, absent),
    ]
    root = c.root
    out: list[_Raw] = []
    covers = ("CMT-02", "CMT-13", "CMT-14", "CMT-20", "CMT-21", "CMT-23")
    for map_name, key, value, key_dm in entries:
        proof = c.prove([(map_name, key)])
        label = map_name.replace("_", "-")
        claim = [map_name, key_dm, value]
        out.append((f"state-verify-{label}", covers, "state.verify", (root, [claim], proof)))
        if value is not None:
            out.append(
                (
                    f"state-verify-{label}-absent",
                    ("CMT-24",),
                    "state.verify",
                    (root, [[map_name, key_dm, None]], proof),
                )
            )
        flipped = proof[:-7] + bytes([proof[-7] ^ 0x10]) + proof[-6:]
        out.append((f"state-verify-{label}-flipped", ("CMT-24",), "state.verify", (root, [claim], flipped)))
    claims = [[m, k, v] for m, _, v, k in entries]
    multi = c.prove([(m, k) for m, k, _, _ in entries])
    out.append(("state-verify-multi", covers, "state.verify", (root, claims, multi)))
    wrong_balance = encode(attrs.evolve(st.accounts[alice], free=st.accounts[alice].free + 1))
    out.append(
        (
            "state-verify-wrong-value",
            ("CMT-24",),
            "state.verify",
            (root, [["accounts", alice, wrong_balance]], multi),
        )
    )
    out.append(("state-verify-other-root", ("CMT-24",), "state.verify", (bytes(32), claims, multi)))
    out.append(
        ("state-verify-no-such-map", ("CMT-23",), "state.verify", (root, [["no_such_map", 1, None]], multi))
    )
    return out


def _smt_cases() -> list[_Raw]:
    """Function vectors of the state tree: key and value hashes, roots of small trees (one leaf, a deep
    pair, 40 leaves), proofs of present, absent and several paths, and verifications of good and bad
    proofs (CMT-13..CMT-24)."""

    def h(label: str, i: int) -> bytes:
        return hashlib.blake2b(f"sc4it/vectors/smt/{label}/{i}".encode(), digest_size=32).digest()

    many = [[h("path", i), h("value", i)] for i in range(40)]
    first = many[0][0]
    twin = bytearray(first)  # shares the first 7 digits (14 bits) of `first`'s path, then differs
    twin[1] ^= 0x02
    deep = [[first, h("value", 0)], [bytes(twin), h("value", 1)]]
    absent = h("absent", 0)
    near = first[:-1] + bytes([first[-1] ^ 1])  # shares 127 digits with `first`: the walk ends at its leaf
    root40 = smt_root(many)
    proof = smt_prove(many, [first])
    multi = smt_prove(many, [first, many[7][0], absent])
    flipped = proof[:-1] + bytes([proof[-1] ^ 1])
    tree = ("CMT-15", "CMT-16", "CMT-17")
    out: list[tuple[str, tuple[str, ...], str, tuple[Any, ...]]] = [
        ("smt-key-hash-contract", ("CMT-13", "CMT-02"), "smt.key_hash", ("contracts", 7)),
        ("smt-key-hash-set-item", ("CMT-13", "CMT-02"), "smt.key_hash", ("active_node_contracts", [3, 7])),
        ("smt-key-hash-plain-field", ("CMT-13", "CMT-02"), "smt.key_hash", ("state", "tft_price")),
        ("smt-value-hash-true", ("CMT-14",), "smt.value_hash", (b"\xf5",)),
        ("smt-root-empty", tree, "smt.root", ([],)),
        ("smt-root-one-leaf", tree, "smt.root", (many[:1],)),
        ("smt-root-deep-pair", tree, "smt.root", (deep,)),
        ("smt-root-40", tree, "smt.root", (many,)),
        ("smt-root-duplicate-path", tree, "smt.root", ([many[0], many[0]],)),
        ("smt-prove-present", ("CMT-20", "CMT-21"), "smt.prove", (many, [first])),
        ("smt-prove-absent", ("CMT-20", "CMT-21"), "smt.prove", (many, [absent])),
        ("smt-prove-absent-at-leaf", ("CMT-20", "CMT-21"), "smt.prove", (many, [near])),
        ("smt-prove-deep-pair", ("CMT-20", "CMT-21"), "smt.prove", (deep, [first])),
        ("smt-prove-multi", ("CMT-20", "CMT-21"), "smt.prove", (many, [first, many[7][0], absent])),
        ("smt-verify-present", ("CMT-23",), "smt.verify", (root40, [[first, many[0][1]]], proof)),
        (
            "smt-verify-multi",
            ("CMT-23",),
            "smt.verify",
            (root40, [[first, many[0][1]], [many[7][0], many[7][1]], [absent, None]], multi),
        ),
        ("smt-verify-absence-of-present", ("CMT-24",), "smt.verify", (root40, [[first, None]], proof)),
        ("smt-verify-wrong-value", ("CMT-24",), "smt.verify", (root40, [[first, many[1][1]]], proof)),
        (
            "smt-verify-other-root",
            ("CMT-24",),
            "smt.verify",
            (smt_root(many[1:]), [[first, many[0][1]]], proof),
        ),
        ("smt-verify-flipped-byte", ("CMT-24",), "smt.verify", (root40, [[first, many[0][1]]], flipped)),
        (
            "smt-verify-truncated",
            ("CMT-22", "CMT-24"),
            "smt.verify",
            (root40, [[first, many[0][1]]], proof[:-1]),
        ),
        (
            "smt-verify-trailing",
            ("CMT-22", "CMT-24"),
            "smt.verify",
            (root40, [[first, many[0][1]]], proof + b"\x00"),
        ),
        ("smt-verify-not-covered", ("CMT-23",), "smt.verify", (root40, [[many[9][0], many[9][1]]], proof)),
    ]
    return out
