"""Function vectors: fixed-point arithmetic, keys and addresses, hashes, the genesis, blocks and the
state tree, each a named function of CBOR data-model arguments."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import cbor2

from sc4it.block import (
    Block,
    BlockError,
    ChainSpec,
    execute_block,
    genesis_tip,
)
from sc4it.conformance.vectors.records import FunctionCase, Mismatch
from sc4it.deployment import deployment_hash
from sc4it.genesis import (
    Genesis,
    GenesisError,
    build,
    chain_id_of,
    default,
    default_genesis,
    dev_keypair,
    loads,
)
from sc4it.kernel import calls, commitment, fixed, saturating, signing, smt, state, types
from sc4it.kernel.codec import codec_for, decode, encode
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.fixed import U32F32
from sc4it.kernel.perthing import Perbill, Percent
from sc4it.kernel.root import state_root
from sc4it.kernel.signing import Keypair
from sc4it.kernel.signing import verify as ed_verify
from sc4it.kernel.state import State

# --------------------------------------------------------------------------------------------------
# Function vectors: fixed-point arithmetic, keys and addresses, hashes, the genesis


def _fx(name: str) -> Callable[..., int]:
    """A U64F64 rule of `kernel/fixed.py` (or an FX-15 helper) on exactly its operands: the width
    parameters (`frac_nbits`, `bits_max`) keep their U64F64 defaults."""
    fn: Callable[..., int] = getattr(fixed, name, None) or getattr(saturating, name)
    arity = sum(1 for p in inspect.signature(fn).parameters.values() if p.default is p.empty)

    def run(*args: int) -> int:
        if len(args) != arity:
            raise TypeError(f"{name} takes {arity} operands, not {len(args)}")
        return fn(*args)

    return run


def _u32f32(op: str) -> Callable[..., int]:
    def run(*bits: int) -> int:
        values = [U32F32.from_bits(b) for b in bits]
        if op == "div":
            return (values[0] / values[1]).bits
        if op == "round":
            return values[0].round().bits
        return U32F32.from_int(bits[0]).bits  # from_int

    return run


def _perthing(kind: str, op: str) -> Callable[..., int]:
    cls = Perbill if kind == "perbill" else Percent

    def run(*args: int) -> int:
        if op == "mul":
            return cls.from_parts(args[0]) * args[1]
        if op == "from_percent":
            return cls.from_percent(args[0]).deconstruct()
        if op == "from_parts":
            return cls.from_parts(args[0]).deconstruct()
        if op == "from_rational":
            return cls.from_rational(args[0], args[1]).deconstruct()
        if op == "mul_perthing":
            x, y = Perbill.from_parts(args[0]), Perbill.from_parts(args[1])
            return (x * y).deconstruct()
        if op == "mul_floor":
            return cls.from_parts(args[0]).mul_floor(args[1])
        return cls.from_parts(args[0]).mul_ceil(args[1])  # mul_ceil

    return run


def ed25519_public_key(seed: bytes) -> bytes:
    return Keypair.from_seed(seed).account_id


def ed25519_sign(seed: bytes, message: bytes) -> bytes:
    return Keypair.from_seed(seed).sign(message)


def _ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    return ed_verify(public_key, message, signature)


def _ss58_encode(account: bytes, prefix: int) -> str:
    return signing.ss58_encode(account, prefix)


def _ss58_decode(address: str, prefix: int | None) -> bytes:
    return signing.ss58_decode(address, prefix)


def _multisig_account_id(threshold: int, signatories: list[bytes]) -> bytes:
    spec = signing.MultisigSpec(threshold, tuple(signatories))
    if not spec.is_well_formed():
        raise ValueError("not a well-formed multisig spec")
    return spec.account_id()


def _signing_payload(chain_id: bytes, signer: bytes, nonce: int, call: bytes) -> bytes:
    return signing.signing_payload(chain_id, signer, nonce, decode(call, calls.Call))


def _deployment_hash(workload: bytes) -> bytes:
    return deployment_hash(workload)


def _genesis(data: bytes) -> Any:
    return decode(data, Genesis, max_bytes=None)


def _genesis_chain_id(data: bytes) -> bytes:
    return chain_id_of(_genesis(data))


def _genesis_build(data: bytes) -> bytes:
    return state_root(build(_genesis(data)))


def _genesis_loads(text: str) -> bytes:
    return chain_id_of(loads(text))


def _genesis_default() -> list[bytes]:
    return [chain_id_of(default_genesis()), state_root(default())]


def dev_account(name: str) -> bytes:
    return dev_keypair(name).account_id


def _block_execute(genesis: bytes, spec: bytes, blocks: list[bytes]) -> list[bytes]:
    """BLK-31..BLK-41: execute encoded blocks in turn from the genesis tip; [head hash, commitment]."""
    g = _genesis(genesis)
    chain_spec: ChainSpec = decode(spec, ChainSpec)
    tip = genesis_tip(default() if g == default_genesis() else build(g), chain_spec)
    for data in blocks:
        tip = execute_block(tip, decode(data, Block, max_bytes=None), chain_spec).tip
    return [tip.hash, tip.header.state_commitment]


def _state_empty(config: bytes, roles: bytes, chain_id: bytes) -> bytes:
    return state_root(State.empty(decode(config, state.Config), decode(roles, types.Roles), chain_id))


def _smt_key_hash(map_name: str, key: Any) -> bytes:
    return smt.key_hash(_dumps_canonical([map_name, key]))


def _smt_tree(leaves: list[list[bytes]]) -> smt.Node:
    if any(len(leaf) != 2 or len(leaf[0]) != 32 or len(leaf[1]) != 32 for leaf in leaves):
        raise ValueError("a leaf is [path: 32 bytes, value hash: 32 bytes]")
    paths = [smt.path_of(p) for p, _ in leaves]
    if len(set(paths)) != len(paths):
        raise ValueError("duplicate paths")
    return smt.build(zip(paths, (v for _, v in leaves), strict=True))


def smt_root(leaves: list[list[bytes]]) -> bytes:
    return smt.root_of(_smt_tree(leaves))


def smt_prove(leaves: list[list[bytes]], paths: list[bytes]) -> bytes:
    return smt.prove(_smt_tree(leaves), [smt.path_of(p) for p in paths])


def _smt_verify(root: bytes, claims: list[list[Any]], proof: bytes) -> bool:
    return smt.verify(root, [(smt.path_of(p), v) for p, v in claims], proof)


def _state_claim(claim: list[Any]) -> tuple[str, Any, Any]:
    """[map, key (CBOR data model), value encoding or null] -> a typed claim of `commitment.verify_many`;
    `ValueError` for a claim that is not of that shape, of no map, or whose key or value does not decode
    to the map's types (strictly, ENC-09)."""
    if not isinstance(claim, list) or len(claim) != 3 or not isinstance(claim[0], str):
        raise ValueError("a claim is [map, key, value encoding or null]")
    map_name, key_dm, value = claim
    try:
        if map_name == commitment.PSEUDO_MAP:
            field = commitment.FIELDS[[f.name for f in commitment.FIELDS].index(key_dm)]
            return map_name, key_dm, None if value is None else decode(value, field.vtype)
        field = next(f for f in commitment.FIELDS if f.name == map_name and f.is_map)
        if field.set_valued:
            key: Any = (
                codec_for(field.ktype).dec(key_dm[0], "key"),
                codec_for(field.vtype).dec(key_dm[1], "item"),
            )
            return map_name, key, None if value is None else cbor2.loads(value)
        key = codec_for(field.ktype).dec(key_dm, "key")
        return map_name, key, None if value is None else decode(value, field.vtype)
    except (StopIteration, TypeError, IndexError, DecodeError, cbor2.CBORDecodeError) as e:
        raise ValueError(f"not a claim of a storage map: {e}") from None


def _state_verify(root: bytes, claims: list[list[Any]], proof: bytes) -> bool:
    """CMT-23: `commitment.verify_many` on claims written as CBOR data."""
    return commitment.verify_many(root, [_state_claim(c) for c in claims], proof)


def _dumps_canonical(obj: Any) -> bytes:
    return cbor2.dumps(obj, canonical=True)


def _config_default(which: str) -> bytes:
    cfg = state.Config.tfchain_test_mock() if which == "tfchain_test_mock" else state.Config()
    return encode(cfg)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    # U64F64 on raw bits (spec/fixed.md)
    "u64f64.from_int": _fx("fx_from_int"),
    "u64f64.from_f64_literal": lambda text: _fx("bits_from_f64_literal")(text),
    "u64f64.mul": _fx("fx_mul"),
    "u64f64.div": _fx("fx_div"),
    "u64f64.mul_int": _fx("fx_mul_int"),
    "u64f64.div_int": _fx("fx_div_int"),
    "u64f64.add": _fx("fx_add"),
    "u64f64.sub": _fx("fx_sub"),
    "u64f64.round": _fx("fx_round"),
    "u64f64.floor": _fx("fx_floor"),
    "u64f64.ceil": _fx("fx_ceil"),
    "u64f64.to_int": _fx("fx_to_int"),
    "u64f64.wrapping_mul": _fx("fx_wrapping_mul"),
    "u64f64.wrapping_add": _fx("fx_wrapping_add"),
    "u32f32.from_int": _u32f32("from_int"),
    "u32f32.div": _u32f32("div"),
    "u32f32.round": _u32f32("round"),
    "perbill.mul": _perthing("perbill", "mul"),
    "percent.mul": _perthing("percent", "mul"),
    "percent.from_percent": _perthing("percent", "from_percent"),
    "perbill.from_parts": _perthing("perbill", "from_parts"),
    "perbill.from_rational": _perthing("perbill", "from_rational"),
    "perbill.mul_perbill": _perthing("perbill", "mul_perthing"),
    "perbill.mul_floor": _perthing("perbill", "mul_floor"),
    "perbill.mul_ceil": _perthing("perbill", "mul_ceil"),
    "u64.saturating_add": lambda a, b: _fx("saturating_add_u64")(a, b),
    "u64.saturating_sub": lambda a, b: _fx("saturating_sub")(a, b),
    # keys, addresses, hashes (spec/signing.md, spec/deployment.md)
    "ed25519.public_key": ed25519_public_key,
    "ed25519.sign": ed25519_sign,
    "ed25519.verify": _ed25519_verify,
    "ss58.encode": _ss58_encode,
    "ss58.decode": _ss58_decode,
    "multisig.account_id": _multisig_account_id,
    "signing.payload": _signing_payload,
    "deployment.hash": _deployment_hash,
    # the genesis and the state (spec/genesis.md, spec/state.md)
    "genesis.chain_id": _genesis_chain_id,
    "genesis.build": _genesis_build,
    "genesis.loads": _genesis_loads,
    "genesis.default": _genesis_default,
    "genesis.dev_account": dev_account,
    "state.empty": _state_empty,
    "config.default": _config_default,
    # blocks (spec/blocks.md)
    "block.execute": _block_execute,
    # the state tree (spec/commitment.md)
    "smt.key_hash": _smt_key_hash,
    "smt.value_hash": lambda encoding: smt.value_hash(encoding),
    "smt.root": smt_root,
    "smt.prove": smt_prove,
    "smt.verify": _smt_verify,
    "state.verify": _state_verify,
}
"""The functions a function case may name, each on CBOR data-model arguments (spec/vectors/README.md)."""


def call_function(function: str, args: Sequence[Any]) -> tuple[bool, Any]:
    """(True, result) or (False, the error as text)."""
    try:
        return True, FUNCTIONS[function](*args)
    except BlockError as e:
        return False, f"BlockError {e.fault.value}"
    except GenesisError as e:
        return False, f"GenesisError at {e.path}"
    except DecodeError as e:
        return False, f"DecodeError at {e.path}"
    except (OverflowError, ZeroDivisionError, ValueError) as e:
        return False, type(e).__name__


def check_function_case(case: FunctionCase, file: str = "") -> list[Mismatch]:
    if case.function not in FUNCTIONS:
        return [Mismatch(file, case.name, None, "function", "a known function name", repr(case.function))]
    ok, got = call_function(case.function, case.args)
    if ok != case.ok or got != case.result:
        want = repr(case.result) if case.ok else f"error {case.result}"
        return [Mismatch(file, case.name, None, "result", want, repr(got) if ok else f"error {got}")]
    return []
