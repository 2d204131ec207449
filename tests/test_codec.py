"""The canonical encoding (spec/encoding.md, ENC-xx): round trips for every encodable type, exact bytes,
strict rejection of every non-canonical form, and decode never raising anything but DecodeError."""

from __future__ import annotations

import hashlib
import typing
from typing import Annotated, Any

import attrs
import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sc4it import calls, decode, encode, encoding_digest, events, state_root
from sc4it.kernel.calls import Call
from sc4it.kernel.codec import blake2b_256, codec_for, dec_fast, to_obj
from sc4it.kernel.errors import DecodeError
from sc4it.kernel.events import Event
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.schema import U32, U64, Hash32, Len, Trailing, Variant
from sc4it.kernel.signing import MultisigSpec, Signature, SignedCall
from sc4it.kernel.state import Config, State
from sc4it.kernel.types import (
    AccountInfo,
    Cause,
    Contract,
    ContractBill,
    Deleted,
    DiscountLevel,
    NameContract,
    Power,
    PowerDown,
    Roles,
    Twin,
)

from .support import (
    ROOT,
    encodable_types,
    encoding_md_section,
    encoding_tables,
    foundation_world,
    named_unions,
    set_account,
    strategy_for,
    with_fields,
)

RECORDS, UNIONS = encodable_types()
ACC = bytes(range(32))


def rejects(data: bytes, t: Any) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode(data, t)
    return info.value


# ------------------------------------------------------------------------------------------------
# Round trips (ENC-01..08)


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__name__}")
@given(data=st.data())
def test_round_trip_every_record(cls: type, data: st.DataObject) -> None:
    """ENC-01 ENC-02 ENC-03 ENC-04 ENC-05 ENC-07 ENC-08: decode(encode(v)) == v and the bytes are a
    fixed point, for every record type sc4it encodes."""
    value = data.draw(strategy_for(cls))
    wire = encode(value, cls)
    assert decode(wire, cls, max_bytes=None) == value
    assert encode(decode(wire, cls, max_bytes=None), cls) == wire


@pytest.mark.parametrize("name", list(UNIONS))
@given(data=st.data())
def test_round_trip_every_union(name: str, data: st.DataObject) -> None:
    """ENC-06: a tagged union member encodes as [TAG, *fields], alone or as the union."""
    union = UNIONS[name]
    value = data.draw(strategy_for(union))
    wire = encode(value, union)
    assert wire == encode(value)
    assert cbor2.loads(wire)[0] == type(value).TAG
    assert decode(wire, union) == value


def test_tags_unique_within_each_union() -> None:
    """ENC-06: tags are unique within a union (the codec refuses to build a union with a duplicate)."""
    for name, union in UNIONS.items():
        tags = [m.TAG for m in typing.get_args(union)]
        assert len(tags) == len(set(tags)), name
        assert all(t >= 0 for t in tags), name


@given(
    st.lists(
        st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1)), max_size=20, unique_by=lambda p: p[0]
    )
)
def test_map_encoding_independent_of_insertion_order(pairs: list[tuple[int, int]]) -> None:
    """ENC-01 ENC-08: a PMap's encoding depends only on its content (sorted by key encoding)."""
    t = PMap[U32, U64]
    forward, backward = PMap(pairs), PMap(list(reversed(pairs)))
    assert encode(forward, t) == encode(backward, t)
    step = PMap[int, int]()
    for k, v in pairs:
        step = step.set(k, v)
    assert encode(step, t) == encode(forward, t)


# ------------------------------------------------------------------------------------------------
# Exact bytes (what another implementation must match)


def test_exact_bytes_of_records_and_integers() -> None:
    """ENC-02 ENC-05: records are arrays of their fields; integers use the shortest head."""
    assert encode(AccountInfo(1, 23, 24, 256)) == bytes.fromhex("84 01 17 1818 190100".replace(" ", ""))
    assert encode(AccountInfo(0, 2**32, 2**64 - 1, 0)) == bytes.fromhex(
        "84 00 1b0000000100000000 1bffffffffffffffff 00".replace(" ", "")
    )


def test_exact_bytes_of_u128_beyond_u64() -> None:
    """ENC-02: a u128 value >= 2^64 is tag 2 over its minimal big-endian magnitude."""
    assert encode(AccountInfo(0, 2**64, 0, 0)) == bytes.fromhex(
        "84 00 c249010000000000000000 00 00".replace(" ", "")
    )
    top = 2**128 - 1
    assert encode(AccountInfo(0, top, 0, 0)) == bytes.fromhex("8400c250" + "ff" * 16 + "0000")
    assert decode(encode(AccountInfo(0, top, 0, 0)), AccountInfo).free == top


def test_exact_bytes_of_bool_optional_bytes_and_enum() -> None:
    """ENC-03 ENC-04: bool f4/f5, absent optional null f6, byte strings major type 2, enums their value."""
    twin = Twin(7, ACC, None, b"pk")
    assert encode(twin) == bytes.fromhex("84 07 5820".replace(" ", "")) + ACC + bytes.fromhex(
        "f6 42 706b".replace(" ", "")
    )
    assert encode(calls.SetFarmDedicated(3, True)) == bytes.fromhex("830f03f5")
    assert encode(calls.SetFarmDedicated(3, False)) == bytes.fromhex("830f03f4")
    assert encode(calls.ChangePowerState(Power.Down)) == bytes.fromhex("821501")


def test_exact_bytes_of_a_call() -> None:
    """ENC-06: Transfer is call tag 0: [0, dest, amount]."""
    wire = encode(calls.Transfer(ACC, 500))
    assert wire == bytes.fromhex("83 00 5820".replace(" ", "")) + ACC + bytes.fromhex("1901f4")
    assert decode(wire, Call) == calls.Transfer(ACC, 500)


def test_exact_bytes_of_nested_unions() -> None:
    """ENC-06: a record holding unions (Contract: state and contract type)."""
    c = Contract(4, Deleted(Cause.OutOfFunds), 9, 2, NameContract(b"abc"), None)
    assert encode(c) == bytes.fromhex("86 04 820101 09 02 8201 43616263 f6".replace(" ", ""))
    assert encode(PowerDown(5)) == bytes.fromhex("820105")


def test_exact_bytes_of_maps_and_sets() -> None:
    """ENC-08: pairs sorted by the bytewise order of the key encodings (here 01 < 1818 < 190100)."""
    m = PMap([(256, 1), (1, 2), (24, 3)])
    assert encode(m, PMap[U32, U32]) == bytes.fromhex("83 820102 82181803 8219010001".replace(" ", ""))
    s = PSet([256, 1, 24])
    assert encode(s, PSet[U32]) == bytes.fromhex("83 01 1818 190100".replace(" ", ""))
    # byte-string keys: the shorter string's head sorts first (41 02 < 42 01 00)
    bm = PMap([(b"\x01\x00", 1), (b"\x02", 2)])
    t = PMap[Annotated[bytes, Len(8)], U32]
    assert encode(bm, t) == bytes.fromhex("82 82410202 8242010001".replace(" ", ""))


def test_fixed_tuple_keys() -> None:
    """ENC-07: a fixed tuple (the (node id, deployment hash) key) is an array of its elements."""
    t = PMap[tuple[U32, Hash32], U64]
    m = PMap([((1, ACC), 5), ((0, ACC), 6)])
    wire = encode(m, t)
    assert (
        wire
        == bytes.fromhex("82 82 8200 5820".replace(" ", ""))
        + ACC
        + b"\x06"
        + bytes.fromhex("82 8201 5820".replace(" ", ""))
        + ACC
        + b"\x05"
    )
    assert decode(wire, t) == m
    err = rejects(encode(PMap([((1, ACC, 3), 5)]), PMap[tuple[U32, U32, U32], U64]), t)
    assert err.path == "[0].key"


def test_encoding_digest_is_blake2b_256_of_the_encoding() -> None:
    """ENC-12: encoding_digest = blake2b-256(encode(state)), 32 bytes."""
    state = foundation_world()
    root = encoding_digest(state)
    assert len(root) == 32
    assert (
        root == hashlib.blake2b(encode(state, State), digest_size=32).digest() == blake2b_256(encode(state))
    )
    assert decode(encode(state), State) == state


def test_state_root_commits_to_every_field() -> None:
    """ENC-12 CMT-01: changing any part of the state changes the state root and the encoding digest;
    equal states have equal roots."""
    state = foundation_world()
    root = state_root(state)
    assert state_root(foundation_world()) == root
    variants = [
        set_account(state, ACC, AccountInfo(0, 1000, 0, 0)),
        with_fields(state, chain_id=bytes(32)),
        with_fields(state, config=Config.tfchain_test_mock()),
        with_fields(state, burned=1, minted=state.minted + 1),
        with_fields(state, twin_id=1),
        with_fields(state, roles=Roles(ACC, ACC, ACC)),
    ]
    roots = {state_root(v) for v in variants}
    assert root not in roots and len(roots) == len(variants)
    digests = {encoding_digest(v) for v in [state, *variants]}
    assert len(digests) == len(variants) + 1


# ------------------------------------------------------------------------------------------------
# Strict decoding (ENC-09, ENC-10)

INFO = encode(AccountInfo(1, 2, 3, 4))  # 84 01 02 03 04


def test_rejects_non_minimal_integer() -> None:
    """ENC-09: an integer with a longer head than needed is not canonical."""
    for bad in (
        "84 1801 02 03 04",
        "84 190001 02 03 04",
        "84 1a00000001 02 03 04",
        "84 1b0000000000000001 02 03 04",
    ):
        err = rejects(bytes.fromhex(bad.replace(" ", "")), AccountInfo)
        assert err.path == "<root>" and "not canonical at byte 1" in err.message


def test_rejects_non_minimal_lengths() -> None:
    """ENC-09: array and byte-string heads must be minimal too."""
    rejects(bytes.fromhex("9804 01020304"), AccountInfo)
    twin = encode(Twin(1, ACC, None, b"x"))
    rejects(twin.replace(b"\x41x", b"\x58\x01x"), Twin)


def test_rejects_indefinite_lengths() -> None:
    """ENC-09 ENC-14: indefinite-length arrays and byte strings are refused by the structural pre-pass,
    which names the field."""
    rejects(bytes.fromhex("9f 01 02 03 04 ff".replace(" ", "")), AccountInfo)
    wire = (
        bytes.fromhex("83 00 5f 5810".replace(" ", ""))
        + ACC[:16]
        + b"\x50"
        + ACC[16:]
        + bytes.fromhex("ff 1901f4")
    )
    err = rejects(wire, Call)
    assert err.path == "dest" and "indefinite length" in err.message


def test_rejects_tags() -> None:
    """ENC-02 ENC-09: no tags, except tag 2 for a u128 value >= 2^64 in its minimal form."""
    rejects(bytes.fromhex("84 c101 02 03 04".replace(" ", "")), AccountInfo)  # epoch datetime
    rejects(bytes.fromhex("84 d8ff01 02 03 04".replace(" ", "")), AccountInfo)  # unknown tag 255
    err = rejects(bytes.fromhex("84 c24105 02 03 04".replace(" ", "")), AccountInfo)  # bignum of 5
    assert "not canonical" in err.message
    err = rejects(bytes.fromhex("84 c3 41 05 02 03 04".replace(" ", "")), AccountInfo)  # negative bignum
    assert err.path == "nonce"
    # a bignum >= 2^64 in a u64 field is out of range
    err = rejects(bytes.fromhex("84 c249010000000000000000 02 03 04".replace(" ", "")), AccountInfo)
    assert err.path == "nonce" and "out of range for u64" in err.message
    # a u128 bignum with a leading zero byte
    rejects(bytes.fromhex("84 00 c24a00010000000000000000 03 04".replace(" ", "")), AccountInfo)
    # tagged byte string / tagged array
    rejects(bytes.fromhex("d818") + INFO, AccountInfo)
    twin = encode(Twin(1, ACC, None, None))
    rejects(twin.replace(b"\x58\x20", b"\xd8\x18\x58\x20"), Twin)


def test_rejects_floats_text_maps_and_simple_values() -> None:
    """ENC-03 ENC-10: only unsigned ints, byte strings, arrays, false/true/null; the path names the field."""
    assert rejects(bytes.fromhex("84 f93c00 02 03 04".replace(" ", "")), AccountInfo).path == "nonce"
    assert (
        rejects(bytes.fromhex("84 fb3ff0000000000000 02 03 04".replace(" ", "")), AccountInfo).path == "nonce"
    )
    assert (
        rejects(bytes.fromhex("84 01 02 03 f7".replace(" ", "")), AccountInfo).path == "frozen"
    )  # undefined
    assert (
        rejects(bytes.fromhex("84 01 02 03 e0".replace(" ", "")), AccountInfo).path == "frozen"
    )  # simple(0)
    assert rejects(bytes.fromhex("84 01 02 03 f6".replace(" ", "")), AccountInfo).path == "frozen"  # null
    assert rejects(bytes.fromhex("84 01 02 03 20".replace(" ", "")), AccountInfo).path == "frozen"  # -1
    assert rejects(bytes.fromhex("a0"), AccountInfo).path == "<root>"  # a map instead of the record
    err = rejects(bytes.fromhex("a4 616101 616202 616303 616404".replace(" ", "")), AccountInfo)
    assert "a map is not allowed" in err.message  # ENC-14
    text = encode(calls.Transfer(ACC, 1)).replace(b"\x58\x20", b"\x78\x20")  # dest as a text string
    assert rejects(text, Call).path == "dest"
    assert (
        rejects(encode(calls.SetFarmDedicated(3, True)).replace(b"\xf5", b"\x01"), Call).path == "dedicated"
    )


def test_rejects_trailing_bytes_and_truncation() -> None:
    """ENC-09: exactly one item; trailing or missing bytes are rejected."""
    err = rejects(INFO + b"\x00", AccountInfo)
    assert err.path == "<root>" and f"byte {len(INFO)}" in err.message
    err = rejects(INFO[:-1], AccountInfo)
    assert err.path == "<root>" and "cannot fit" in err.message  # ENC-14
    rejects(b"", AccountInfo)


def test_rejects_out_of_range_integers_naming_the_field() -> None:
    """ENC-02 ENC-10: each integer within its width; the error names the field."""
    err = rejects(cbor2.dumps([26, 2**32, 1]), Call)
    assert err.path == "price" and "u32" in err.message
    err = rejects(cbor2.dumps([0, ACC, 2**128]), Call)
    assert err.path == "amount" and "u128" in err.message
    signed = SignedCall(bytes(32), ACC, 0, calls.Transfer(ACC, 1), ())
    obj = cbor2.loads(encode(signed))
    obj[3][2] = 2**128
    err = rejects(cbor2.dumps(obj), SignedCall)
    assert err.path == "call.amount"
    obj = cbor2.loads(encode(signed))
    obj[2] = 2**64
    assert rejects(cbor2.dumps(obj), SignedCall).path == "nonce"
    err = rejects(cbor2.dumps([24, b"n", [2**32, 4]] + [[1, 4]] * 5 + [ACC, ACC, 256]), Call)
    assert err.path == "su.value"


def test_rejects_wrong_lengths_naming_the_field() -> None:
    """ENC-03 ENC-07 ENC-10: byte-string and sequence bounds; exact field counts."""
    err = rejects(cbor2.dumps([0, ACC[:31], 1]), Call)
    assert err.path == "dest" and "exactly 32" in err.message
    sig = SignedCall(bytes(32), ACC, 0, calls.Transfer(ACC, 1), (Signature(ACC, bytes(64)),))
    obj = cbor2.loads(encode(sig))
    obj[4][0][1] = bytes(63)
    assert rejects(cbor2.dumps(obj), SignedCall).path == "signatures[0].signature"
    obj = cbor2.loads(encode(sig))
    obj[5] = [1, []]  # a multisig spec with no signatory
    assert rejects(cbor2.dumps(obj), SignedCall).path == "multisig.signatories"
    obj[5] = [1, [ACC] * 101]
    assert rejects(cbor2.dumps(obj), SignedCall).path == "multisig.signatories"
    err = rejects(cbor2.dumps([1, 2, 3]), AccountInfo)
    assert "expects 4 fields, got 3" in err.message
    err = rejects(cbor2.dumps([1, 2, 3, 4, 5]), AccountInfo)
    assert "expects 4 fields, got 5" in err.message
    err = rejects(cbor2.dumps([0, ACC]), Call)
    assert "expects 2 fields, got 1" in err.message
    err = rejects(cbor2.dumps([44, b"x" * 129]), Call)
    assert err.path == "name"


def test_rejects_unknown_variant_tags_and_enum_values() -> None:
    """ENC-04 ENC-06: unknown union tags and enum values are rejected."""
    for bad in ([99], [3, ACC, 1], [], [True, ACC, 1], [b"\x00", ACC, 1], [None]):
        err = rejects(cbor2.dumps(bad), Call)
        assert "variant tag" in err.message
    assert "variant tag" in rejects(cbor2.dumps([200]), Event).message
    assert rejects(cbor2.dumps([21, 2]), Call).path == "power_state"
    contract = cbor2.loads(encode(Contract(4, Deleted(Cause.OutOfFunds), 1, 1, NameContract(b"abc"))))
    contract[1] = [1, 3]
    assert rejects(cbor2.dumps(contract), Contract).path == "state.cause"
    contract[1] = [7]
    assert rejects(cbor2.dumps(contract), Contract).path == "state"


def test_rejects_unsorted_and_duplicate_map_keys() -> None:
    """ENC-08: map pairs and set items strictly ascending by key encoding, no duplicates."""
    t = PMap[U32, U32]
    assert "not canonical" in rejects(cbor2.dumps([[2, 0], [1, 0]]), t).message
    assert "duplicate key" in rejects(cbor2.dumps([[1, 0], [1, 1]]), t).message
    assert "[0]" in rejects(cbor2.dumps([[1, 0, 0]]), t).path
    assert rejects(cbor2.dumps([[1, 2**32]]), t).path == "[0].value"
    assert rejects(cbor2.dumps([[2**32, 1]]), t).path == "[0].key"
    s = PSet[U32]
    assert "not canonical" in rejects(cbor2.dumps([2, 1]), s).message
    assert "duplicate item" in rejects(cbor2.dumps([1, 1]), s).message
    state = cbor2.loads(encode(foundation_world()))
    state[3] = list(reversed(state[3]))
    assert "not canonical" in rejects(cbor2.dumps(state), State).message


def test_rejects_oversized_and_non_bytes_input() -> None:
    """ENC-09: a size limit (1 MiB by default) applies before parsing; the input must be bytes."""
    err = rejects(bytes(2 << 20), AccountInfo)
    assert "exceeds the limit" in err.message
    with pytest.raises(DecodeError, match="exceeds the limit"):
        decode(INFO, AccountInfo, max_bytes=4)
    assert decode(INFO, AccountInfo, max_bytes=5) == AccountInfo(1, 2, 3, 4)
    assert decode(bytearray(INFO), AccountInfo) == AccountInfo(1, 2, 3, 4)
    assert decode(memoryview(INFO), AccountInfo) == AccountInfo(1, 2, 3, 4)
    with pytest.raises(DecodeError, match="expected bytes"):
        decode("84 01 02 03 04", AccountInfo)  # type: ignore[arg-type]


def test_rejects_deep_nesting_and_huge_declared_lengths() -> None:
    """ENC-09 ENC-10: hostile shapes fail fast with DecodeError."""
    rejects(b"\x81" * 100_000 + b"\x00", SignedCall)
    rejects(bytes.fromhex("9b7fffffffffffffff"), SignedCall)
    rejects(bytes.fromhex("5b7fffffffffffffff00"), Call)
    rejects(bytes.fromhex("d81c81d81d00"), SignedCall)  # shared references (tags 28/29)


def test_decode_error_is_a_value_error_with_a_path() -> None:
    """ENC-10: one exception type, a ValueError with `path` and `message`."""
    err = rejects(cbor2.dumps([0, ACC, -1]), Call)
    assert isinstance(err, ValueError)
    assert err.path == "amount"
    assert str(err).startswith("amount: ")


# ------------------------------------------------------------------------------------------------
# Fuzz: decode raises DecodeError or returns the value whose encoding is exactly the input

FUZZ_TYPES = [SignedCall, Call, Event, State, AccountInfo, MultisigSpec, PMap[U32, U64]]


def _decode_or_error(data: bytes, t: Any) -> None:
    try:
        value = decode(data, t)
    except DecodeError:
        return
    assert encode(value, t) == data


@pytest.mark.parametrize("t", FUZZ_TYPES, ids=str)
@given(data=st.binary(max_size=300))
def test_random_bytes_raise_only_decode_error(t: Any, data: bytes) -> None:
    """ENC-09 ENC-10: random bytes never raise anything but DecodeError."""
    _decode_or_error(data, t)


@given(st.data())
def test_mutated_encodings_raise_only_decode_error(data: st.DataObject) -> None:
    """ENC-09 ENC-10: flipping, inserting or deleting bytes of a valid signed call gives DecodeError or
    another canonical encoding (never a second encoding of a value)."""
    wire = bytearray(encode(data.draw(strategy_for(SignedCall))))
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        i = data.draw(st.integers(0, max(0, len(wire) - 1)))
        if op == "flip" and wire:
            wire[i] ^= data.draw(st.integers(1, 255))
        elif op == "insert":
            wire.insert(i, data.draw(st.integers(0, 255)))
        elif op == "delete" and wire:
            del wire[i]
        elif op == "truncate":
            del wire[i:]
    _decode_or_error(bytes(wire), SignedCall)


@given(st.data())
def test_any_cbor_of_the_subset_decodes_or_fails_cleanly(data: st.DataObject) -> None:
    """ENC-09 ENC-10: well-formed CBOR of the allowed subset, of any shape, never escapes DecodeError."""
    leaves = st.one_of(st.integers(0, 2**130), st.binary(max_size=40), st.booleans(), st.none())
    tree = st.recursive(leaves, lambda inner: st.lists(inner, max_size=6), max_leaves=30)
    t = data.draw(st.sampled_from(FUZZ_TYPES))
    _decode_or_error(cbor2.dumps(data.draw(tree), canonical=True), t)


# ------------------------------------------------------------------------------------------------
# spec/encoding.md is in sync with the code


def test_encoding_md_appendix_matches_the_code() -> None:
    """ENC-13: the generated appendix of spec/encoding.md is exactly what the code encodes."""
    text = (ROOT / "spec" / "encoding.md").read_text()
    section = encoding_md_section(text)
    assert section is not None, "spec/encoding.md lacks the generated-appendix markers"
    assert section == encoding_tables(), (
        "spec/encoding.md is out of date: run "
        "`PYTHONPATH=src python -m tests.support encoding-tables --write`"
    )


def test_every_call_and_event_class_is_in_its_union() -> None:
    """ENC-06 ENC-13: every Variant subclass in calls/events belongs to the Call/Event union."""
    unions = named_unions()
    for module, union in ((calls, unions["Call"]), (events, unions["Event"])):
        members = set(typing.get_args(union))
        declared = {
            v
            for v in vars(module).values()
            if isinstance(v, type) and v.__module__ == module.__name__ and hasattr(v, "TAG") and v.TAG >= 0
        }
        assert declared == members, declared ^ members


def test_multisig_spec_round_trip() -> None:
    """ENC-05 ENC-07: MultisigSpec encodes as [threshold, [signatories...]]."""
    spec = MultisigSpec.of(2, [bytes([3]) * 32, bytes([1]) * 32])
    assert (
        encode(spec)
        == bytes.fromhex("82 02 82 5820".replace(" ", "")) + bytes([1]) * 32 + b"\x58\x20" + bytes([3]) * 32
    )
    assert decode(encode(spec), MultisigSpec) == spec


def test_decoding_without_paths_fails_with_the_same_error() -> None:
    """ENC-09 ENC-10: `dec_fast` decodes without building field paths and, when that fails, decodes
    again with them: the value is the same, and so is the error, which names the field."""
    codec = codec_for(AccountInfo)
    good = codec.enc(AccountInfo(1, 2, 3, 4))
    assert dec_fast(codec.dec, good, "") == codec.dec(good, "")
    for bad in ([1, 2, 3], [1, 2, 3, -4], [2**64, 2, 3, 4], [1, b"x", 3, 4], "x"):
        with pytest.raises(DecodeError) as slow:
            codec.dec(bad, "")
        with pytest.raises(DecodeError) as fast:
            dec_fast(codec.dec, bad, "")
        assert (fast.value.path, fast.value.message) == (slow.value.path, slow.value.message)
    pairs = codec_for(PMap[U32, AccountInfo])
    bad_map = [[1, good], [2, [1, 2, 3, "x"]]]
    with pytest.raises(DecodeError) as fast:
        dec_fast(pairs.dec, bad_map, "accounts")
    assert fast.value.path == "accounts[1].value.frozen"


@attrs.frozen(slots=True)
class _Tail(Variant):
    """A union member with trailing fields and a nested record."""

    TAG: typing.ClassVar[int] = 7
    n: U32
    bill: ContractBill | None = None
    note: Annotated[bytes | None, Trailing()] = None
    more: Annotated[U32 | None, Trailing()] = None


def test_compiled_record_encoders() -> None:
    """ENC-05 ENC-06: a member's encoder (compiled to straight-line code) writes `[TAG, *fields]`, a
    nested record as its own array, and leaves out the trailing fields still None, from the end only."""
    bill = ContractBill(9, 1_700_000_000, DiscountLevel.Gold, 2**70)
    assert to_obj(_Tail(1)) == [7, 1, None]
    assert to_obj(_Tail(1, bill, b"x")) == [7, 1, [9, 1_700_000_000, int(DiscountLevel.Gold), 2**70], b"x"]
    assert to_obj(_Tail(1, None, None, 5)) == [7, 1, None, None, 5]
    assert to_obj(_Tail(1, None, b"")) == [7, 1, None, b""]
    for v in (_Tail(3, bill, b"y", 4), _Tail(0), _Tail(2, None, None, 0)):
        assert decode(encode(v), _Tail) == v


@attrs.frozen(slots=True)
class _Chain:
    """A record whose fields hold records of its own type (no schema type is recursive today)."""

    value: U32
    next: _Chain | None = None
    children: tuple[_Chain, ...] = ()


def test_recursive_record_encodes_and_decodes_its_own_type() -> None:
    """ENC-05 ENC-06: an optional and a tuple field of the record's own type encode as nested records (the
    codec is built while the type is still being built: its placeholder must defer to the finished codec)."""
    leaf = _Chain(3)
    v = _Chain(1, _Chain(2, leaf), (leaf, _Chain(4, None, (leaf,))))
    assert to_obj(v) == [1, [2, [3, None, []], []], [[3, None, []], [4, None, [[3, None, []]]]]]
    assert decode(encode(v), _Chain) == v
    assert codec_for(_Chain).reads_back(v)
