"""Decode vectors (ENC rules): a fixed list of valid and malformed inputs, each with what `decode`
must answer."""

from __future__ import annotations

import hashlib
from typing import Any

import attrs

from sc4it.conformance.vectors.records import DecodeCase, dumps_cbor
from sc4it.kernel import calls, events, signing, state, types
from sc4it.kernel.codec import decode, encode
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.root import cbor_head
from sc4it.kernel.signing import Keypair, MultisigSpec, SignedCall, sign
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv

# --------------------------------------------------------------------------------------------------
# Decode vectors (ENC rules): a fixed list of valid and malformed inputs


def _decode_types() -> dict[str, Any]:
    named: dict[str, Any] = {
        "Call": calls.Call,
        "Event": events.Event,
        "ContractState": types.ContractState,
        "ContractData": types.ContractData,
        "PowerState": types.PowerState,
    }
    for cls in (
        types.AccountInfo,
        types.Contract,
        types.Farm,
        types.Node,
        types.NodePower,
        types.PublicIP,
        types.Provider,
        types.Resources,
        types.SolutionProvider,
        types.ContractPaymentState,
        signing.SignedCall,
        signing.MultisigSpec,
        state.State,
        state.Config,
        BlockEnv,
    ):
        named[cls.__name__] = cls
    return named


DECODE_TYPES: dict[str, Any] = _decode_types()
"""The type names a decode case may name."""


def _head(major: int, n: int) -> bytes:
    return cbor_head(major, n)


def _arr(*items: bytes) -> bytes:
    return _head(4, len(items)) + b"".join(items)


def _u(n: int) -> bytes:
    return dumps_cbor(n)


def _b(data: bytes) -> bytes:
    return dumps_cbor(data)


_Raw = tuple[str, str, bytes, tuple[str, ...]]
"""(name, type, bytes, covers) of a decode case."""


def decode_cases() -> list[DecodeCase]:
    """The fixed list of decode vectors. Expected results are computed with `sc4it.decode`; the list is
    built so that each `ok` is what the ENC rule it covers says (tests/test_vectors.py checks them)."""
    x = _inputs()
    raw = [*_valid(x), *_integers(x), *_structure(x), *_byte_lengths(x), *_unions(x), *_maps_and_sets(x)]
    out: list[DecodeCase] = []
    for name, type_name, data, covers in raw:
        t = DECODE_TYPES[type_name]
        try:
            decode(data, t)
            out.append(DecodeCase(name, covers, type_name, data, True, None))
        except DecodeError as e:
            out.append(DecodeCase(name, covers, type_name, data, False, e.path))
    return out


@attrs.frozen
class _Inputs:
    """The values the decode cases are built from."""

    key: Keypair
    chain: bytes
    acct: bytes
    info: types.AccountInfo
    transfer: calls.Transfer
    signed: SignedCall
    msigned: SignedCall
    multi: MultisigSpec
    empty: State
    two_bytes: bytes
    acc8: bytes
    acc9: bytes
    sorted_accounts: bytes
    farm_set: bytes
    contract: types.Contract
    ev: events.ContractGracePeriodStarted
    big: types.AccountInfo
    sig_ok: bytes


def _inputs() -> _Inputs:
    key = Keypair.from_seed(hashlib.blake2b(b"sc4it/vectors/decode", digest_size=32).digest())
    other = Keypair.from_seed(hashlib.blake2b(b"sc4it/vectors/decode/2", digest_size=32).digest())
    chain = hashlib.blake2b(b"sc4it/vectors/chain", digest_size=32).digest()
    acct = bytes(range(32))
    info = types.AccountInfo(nonce=1, free=23, reserved=24, frozen=256)
    transfer = calls.Transfer(dest=acct, amount=500)
    signed = sign(transfer, key, 7, chain)
    multi = MultisigSpec.of(2, [key.account_id, other.account_id])
    msigned = sign(transfer, [key, other], 0, chain, multisig=multi)
    empty = State.empty(
        state.Config(),
        types.Roles(bytes([1]) * 32, bytes([2]) * 32, bytes([4]) * 32),
        chain,
    )
    two = attrs.evolve(
        empty,
        accounts=empty.accounts.set(bytes([9]) * 32, types.AccountInfo(0, 600)).set(
            bytes([8]) * 32, types.AccountInfo(0, 700)
        ),
        total_issuance=1300,
        minted=1300,
        nodes_by_farm_id=PMap([(1, PSet((2, 3)))]),
    )
    two_bytes = encode(two)
    acc8 = _arr(_b(bytes([8]) * 32), encode(types.AccountInfo(0, 700)))
    acc9 = _arr(_b(bytes([9]) * 32), encode(types.AccountInfo(0, 600)))
    sorted_accounts = _arr(acc8, acc9)
    farm_set = _arr(_u(1), _arr(_u(2), _u(3)))
    assert sorted_accounts in two_bytes and farm_set in two_bytes
    contract = types.Contract(
        4, types.Deleted(types.Cause.OutOfFunds), 9, 2, types.NameContract(b"abc"), None
    )
    ev = events.ContractGracePeriodStarted(5, 3, 2, 100)
    big = types.AccountInfo(0, 1 << 64, 0, 0)
    sig_ok = encode(signed)

    return _Inputs(
        key=key,
        chain=chain,
        acct=acct,
        info=info,
        transfer=transfer,
        signed=signed,
        msigned=msigned,
        multi=multi,
        empty=empty,
        two_bytes=two_bytes,
        acc8=acc8,
        acc9=acc9,
        sorted_accounts=sorted_accounts,
        farm_set=farm_set,
        contract=contract,
        ev=ev,
        big=big,
        sig_ok=sig_ok,
    )


def _valid(x: _Inputs) -> list[_Raw]:
    """Decode inputs: valid encodings."""
    return [
        ("account-info", "AccountInfo", encode(x.info), ("ENC-02", "ENC-05")),
        ("u128-bignum", "AccountInfo", encode(x.big), ("ENC-02",)),
        ("u128-max", "AccountInfo", encode(types.AccountInfo(0, (1 << 128) - 1)), ("ENC-02",)),
        ("transfer", "Call", encode(x.transfer), ("ENC-03", "ENC-06")),
        ("signed-call", "SignedCall", x.sig_ok, ("ENC-11", "SIG-04")),
        ("multisig-signed-call", "SignedCall", encode(x.msigned), ("ENC-11", "SIG-06")),
        ("multisig-spec", "MultisigSpec", encode(x.multi), ("ENC-07", "ENC-11")),
        ("contract", "Contract", encode(x.contract), ("ENC-04", "ENC-06")),
        ("event", "Event", encode(x.ev), ("ENC-06",)),
        ("block-env", "BlockEnv", encode(BlockEnv(1, 6000)), ("ENC-05",)),
        ("state-empty", "State", encode(x.empty), ("ENC-08", "ENC-12")),
        ("state-two-accounts", "State", x.two_bytes, ("ENC-08", "ENC-12")),
        ("config", "Config", encode(state.Config()), ("ENC-05",)),
        ("power-down", "PowerState", encode(types.PowerDown(7)), ("ENC-06",)),
    ]


def _integers(x: _Inputs) -> list[_Raw]:
    """Decode inputs: integers (ENC-01, ENC-02, ENC-09)."""
    return [
        ("non-minimal-int", "AccountInfo", _arr(b"\x18\x01", _u(23), _u(24), _u(256)), ("ENC-01", "ENC-09")),
        ("non-minimal-int-2", "AccountInfo", _arr(_u(1), b"\x19\x00\x17", _u(24), _u(256)), ("ENC-09",)),
        ("bignum-below-2^64", "AccountInfo", _arr(_u(1), b"\xc2\x41\x17", _u(24), _u(256)), ("ENC-02",)),
        (
            "bignum-leading-zero",
            "AccountInfo",
            _arr(_u(0), b"\xc2\x4a\x00\x01" + bytes(8), _u(0), _u(0)),
            ("ENC-02", "ENC-09"),
        ),
        ("u128-overflow", "AccountInfo", _arr(_u(0), b"\xc2\x51\x01" + bytes(16), _u(0), _u(0)), ("ENC-02",)),
        ("u64-overflow", "AccountInfo", _arr(b"\xc2\x49\x01" + bytes(8), _u(0), _u(0), _u(0)), ("ENC-02",)),
        ("u8-overflow", "Provider", _arr(_b(x.acct), _u(256)), ("ENC-02",)),
        ("u64-overflow-nested", "NodePower", _arr(_arr(_u(1), _u(1 << 64)), _u(0)), ("ENC-02", "ENC-10")),
        (
            "u32-overflow",
            "Contract",
            _arr(_u(4), _arr(_u(0)), _u(9), _u(1 << 32), _arr(_u(1), _b(b"abc")), b"\xf6"),
            ("ENC-02",),
        ),
        ("negative-int", "AccountInfo", _arr(b"\x20", _u(0), _u(0), _u(0)), ("ENC-01",)),
        ("float", "AccountInfo", _arr(b"\xf9\x3c\x00", _u(0), _u(0), _u(0)), ("ENC-01",)),
        ("text-for-bytes", "Call", _arr(_u(0), b"\x78\x20" + b"a" * 32, _u(500)), ("ENC-01", "ENC-03")),
        ("other-tag", "AccountInfo", _arr(b"\xc1\x01", _u(0), _u(0), _u(0)), ("ENC-01", "ENC-09")),
        ("tag-on-array", "AccountInfo", b"\xd8\x18" + encode(x.info), ("ENC-01", "ENC-09")),
    ]


def _structure(x: _Inputs) -> list[_Raw]:
    """Decode inputs: structure."""
    return [
        ("trailing-bytes", "AccountInfo", encode(x.info) + b"\x00", ("ENC-09", "ENC-10")),
        ("truncated", "AccountInfo", encode(x.info)[:-1], ("ENC-09", "ENC-10")),
        ("empty-input", "AccountInfo", b"", ("ENC-10",)),
        ("indefinite-array", "AccountInfo", b"\x9f" + encode(x.info)[1:] + b"\xff", ("ENC-01", "ENC-09")),
        (
            "indefinite-bytes",
            "Call",
            _arr(_u(0), b"\x5f\x50" + x.acct[:16] + b"\x50" + x.acct[16:] + b"\xff", _u(1)),
            ("ENC-01", "ENC-09"),
        ),
        ("cbor-map", "AccountInfo", b"\xa1\x01\x02", ("ENC-01", "ENC-10")),
        ("too-few-fields", "AccountInfo", _arr(_u(1), _u(23), _u(24)), ("ENC-05", "ENC-10")),
        ("too-many-fields", "AccountInfo", _arr(_u(1), _u(23), _u(24), _u(256), _u(0)), ("ENC-05",)),
        ("null-not-optional", "AccountInfo", _arr(b"\xf6", _u(0), _u(0), _u(0)), ("ENC-03",)),
        ("bool-as-int", "Call", _arr(_u(15), _u(3), _u(1)), ("ENC-03",)),
        ("int-as-bool", "NodePower", _arr(_arr(_u(0)), b"\xf5"), ("ENC-04",)),
    ]


def _byte_lengths(x: _Inputs) -> list[_Raw]:
    """Decode inputs: byte lengths."""
    return [
        ("account-id-31-bytes", "Call", _arr(_u(0), _b(x.acct[:31]), _u(500)), ("ENC-03", "ENC-10")),
        ("account-id-33-bytes", "Call", _arr(_u(0), _b(x.acct + b"\x00"), _u(500)), ("ENC-03",)),
        (
            "signature-63-bytes",
            "SignedCall",
            _arr(
                _b(x.chain),
                _b(x.key.account_id),
                _u(7),
                encode(x.transfer),
                _arr(_arr(_b(x.key.account_id), _b(bytes(63)))),
                b"\xf6",
            ),
            ("ENC-03", "ENC-10"),
        ),
        ("name-too-long", "Call", _arr(_u(44), _b(b"a" * 129)), ("ENC-03",)),
        ("sequence-too-long", "MultisigSpec", _arr(_u(1), _head(4, 101) + _b(x.acct) * 101), ("ENC-07",)),
        ("sequence-empty", "MultisigSpec", _arr(_u(1), _arr()), ("ENC-07",)),
    ]


def _unions(x: _Inputs) -> list[_Raw]:
    """Decode inputs: enumerations and unions."""
    return [
        ("enum-out-of-range", "NodePower", _arr(_arr(_u(0)), _u(2)), ("ENC-04", "ENC-10")),
        ("call-missing-fields", "Call", _arr(_u(24)), ("ENC-05", "ENC-06")),
        ("unknown-call-tag", "Call", _arr(_u(3), _b(x.acct), _u(1)), ("ENC-06", "ENC-10")),
        ("unknown-event-tag", "Event", _arr(_u(47), _u(1)), ("ENC-06",)),
        ("tag-not-int", "Call", _arr(_b(b"\x00"), _b(x.acct), _u(1)), ("ENC-06",)),
        ("empty-union", "PowerState", _arr(), ("ENC-06",)),
        ("union-wrong-field-count", "PowerState", _arr(_u(1)), ("ENC-05", "ENC-06")),
        (
            "nested-union-path",
            "Contract",
            _arr(_u(4), _arr(_u(1), _u(3)), _u(9), _u(2), _arr(_u(1), _b(b"abc")), b"\xf6"),
            ("ENC-04", "ENC-10"),
        ),
    ]


def _maps_and_sets(x: _Inputs) -> list[_Raw]:
    """Decode inputs: maps and sets."""
    return [
        (
            "map-unsorted",
            "State",
            x.two_bytes.replace(x.sorted_accounts, _arr(x.acc9, x.acc8)),
            ("ENC-08", "ENC-09"),
        ),
        (
            "map-duplicate-key",
            "State",
            x.two_bytes.replace(x.sorted_accounts, _arr(x.acc8, x.acc8)),
            ("ENC-08", "ENC-10"),
        ),
        (
            "map-entry-not-pair",
            "State",
            x.two_bytes.replace(x.sorted_accounts, _arr(x.acc8, _arr(_b(bytes([9]) * 32)))),
            ("ENC-08", "ENC-10"),
        ),
        (
            "set-unsorted",
            "State",
            x.two_bytes.replace(x.farm_set, _arr(_u(1), _arr(_u(3), _u(2)))),
            ("ENC-08",),
        ),
        (
            "set-duplicate-item",
            "State",
            x.two_bytes.replace(x.farm_set, _arr(_u(1), _arr(_u(2), _u(2)))),
            ("ENC-08", "ENC-10"),
        ),
        (
            "map-value-path",
            "State",
            x.two_bytes.replace(x.acc9, _arr(_b(bytes([9]) * 32), _arr(_u(0), b"\x20", _u(0), _u(0)))),
            ("ENC-10",),
        ),
    ]
