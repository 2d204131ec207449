"""The public JSON codec (spec/rpc.md, JSN-xx): exact round trips for every encodable type, the shapes a
client relies on, and strict decoding with a field path."""

from __future__ import annotations

import contextlib
import json
import typing
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sc4it import calls, events, genesis, sign
from sc4it.kernel.calls import Call
from sc4it.kernel.events import Event
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.schema import U64, U128
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State
from sc4it.kernel.types import (
    AccountInfo,
    Cause,
    Contract,
    ContractBill,
    Created,
    Deleted,
    DiscountLevel,
    NameContract,
    Power,
    PowerDown,
    PowerUp,
)
from sc4it.node import jsoncodec
from sc4it.node.jsoncodec import MAX_SAFE_INTEGER, JsonError, from_json, to_json

from ..support import encodable_types, strategy_for

RECORDS, UNIONS = encodable_types()
ALICE = genesis.dev_keypair("alice")


def keys_of(obj: Any) -> list[str]:
    """Every object key in a JSON value, recursively."""
    if isinstance(obj, dict):
        return [k for k, v in obj.items() for k in [k, *keys_of(v)]]
    if isinstance(obj, list):
        return [k for v in obj for k in keys_of(v)]
    return []


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__name__}")
@given(data=st.data())
def test_round_trip_every_record(cls: type, data: st.DataObject) -> None:
    """JSN-01 JSN-10: from_json(to_json(v)) == v for every record sc4it encodes, through JSON text, and the
    JSON is made of JSON's own types only."""
    value = data.draw(strategy_for(cls))
    text = json.dumps(to_json(value, cls), allow_nan=False)
    back: Any = from_json(json.loads(text), cls)
    assert back == value
    assert json.dumps(to_json(back, cls)) == text
    assert not [k for k in keys_of(json.loads(text)) if k.endswith("_")]  # JSN-06: `from`, never `from_`


@pytest.mark.parametrize("name", sorted(UNIONS))
@given(data=st.data())
def test_round_trip_every_union(name: str, data: st.DataObject) -> None:
    """JSN-07 JSN-10: every member of every tagged union (calls, events, contract states...)."""
    t = UNIONS[name]
    value = data.draw(strategy_for(t))
    obj = json.loads(json.dumps(to_json(value, t)))
    assert from_json(obj, t) == value
    assert isinstance(obj, str) or (isinstance(obj, dict) and list(obj) == [type(value).__name__])


@given(value=strategy_for(State, max_items=2, max_bytes=8))
def test_round_trip_whole_state(value: State) -> None:
    """JSN-08 JSN-10: the whole state, maps and sets included."""
    assert from_json(json.loads(json.dumps(to_json(value))), State) == value


def test_shapes_a_client_relies_on() -> None:
    """JSN-02 JSN-03 JSN-04 JSN-05 JSN-06 JSN-07: SS58 accounts, 0x-hex bytes, numbers and big decimal
    strings, enum names, `from` without underscore, unit variants as strings."""
    bob = genesis.dev_keypair("bob").account_id
    ev = events.Transfer(ALICE.account_id, bob, 10**20)
    assert to_json(ev, Event) == {
        "Transfer": {"from": ALICE.ss58(), "to": genesis.dev_keypair("bob").ss58(), "amount": str(10**20)}
    }
    assert to_json(AccountInfo(3, MAX_SAFE_INTEGER, MAX_SAFE_INTEGER + 1, 0)) == {
        "nonce": 3,
        "free": MAX_SAFE_INTEGER,
        "reserved": str(MAX_SAFE_INTEGER + 1),
        "frozen": 0,
    }
    bill = ContractBill(7, 1, DiscountLevel.None_, 5)
    assert to_json(bill)["discount_level"] == "None"
    c = Contract(4, Created(), 9, 1, NameContract(b"site"), None)
    assert to_json(c) == {
        "version": 4,
        "state": "Created",
        "contract_id": 9,
        "twin_id": 1,
        "contract_type": {"NameContract": {"name": "0x73697465"}},
        "solution_provider_id": None,
    }
    assert to_json(Deleted(Cause.OutOfFunds), Deleted | Created) == {"Deleted": {"cause": "OutOfFunds"}}
    assert to_json(PMap([(2, PSet([5, 3]))]), PMap[U64, PSet[U64]]) == [[2, [3, 5]]]


def test_signed_call_json_round_trip() -> None:
    """JSN-01 JSN-10: a real signed call keeps its signature valid through JSON."""
    st_ = genesis.default()
    signed = sign(calls.CreateNameContract(b"alice-site"), ALICE, nonce=0, chain_id=st_.chain_id)
    obj = to_json(signed)
    assert obj["signer"] == ALICE.ss58() and obj["call"] == {
        "CreateNameContract": {"name": "0x" + b"alice-site".hex()}
    }
    assert from_json(obj, SignedCall) == signed


def rejected(obj: Any, t: Any) -> JsonError:
    with pytest.raises(JsonError) as info:
        from_json(obj, t)
    return info.value


def test_strict_input_names_the_field() -> None:
    """JSN-09: each malformed value is refused with the path of the offending member."""
    good = to_json(sign(calls.CreateNodeContract(1, bytes(32), b"", 0), ALICE, 0, bytes(32)))

    def with_call(**fields: Any) -> dict[str, Any]:
        body = {**good["call"]["CreateNodeContract"], **fields}
        return {**good, "call": {"CreateNodeContract": body}}

    assert rejected(with_call(node_id=-1), SignedCall).path == "call.CreateNodeContract.node_id"
    assert rejected(with_call(node_id=1.0), SignedCall).path == "call.CreateNodeContract.node_id"
    assert rejected(with_call(node_id=True), SignedCall).path == "call.CreateNodeContract.node_id"
    assert rejected(with_call(node_id=2**32), SignedCall).path == "call.CreateNodeContract.node_id"
    assert (
        rejected(with_call(deployment_hash="0x00"), SignedCall).path
        == "call.CreateNodeContract.deployment_hash"
    )
    assert (
        rejected(with_call(deployment_data="00"), SignedCall).path
        == "call.CreateNodeContract.deployment_data"
    )
    assert (
        rejected(with_call(deployment_data="0x0"), SignedCall).path
        == "call.CreateNodeContract.deployment_data"
    )
    assert "unknown field" in str(rejected(with_call(extra=1), SignedCall))
    body = dict(good["call"]["CreateNodeContract"])
    del body["public_ips"]
    assert "missing field 'public_ips'" in str(
        rejected({**good, "call": {"CreateNodeContract": body}}, SignedCall)
    )
    assert rejected({**good, "signer": "5" + "1" * 47}, SignedCall).path == "signer"
    assert rejected({**good, "signer": ALICE.account_id.hex()}, SignedCall).path == "signer"
    assert rejected({**good, "call": {"NoSuchCall": {}}}, SignedCall).path == "call"
    assert rejected({**good, "call": {"A": {}, "B": {}}}, SignedCall).path == "call"
    assert rejected({**good, "signatures": {}}, SignedCall).path == "signatures"
    assert rejected(
        {**good, "signatures": [{"public_key": ALICE.ss58(), "signature": "0x"}]}, SignedCall
    ).path == ("signatures[0].signature")
    assert rejected("Created", Contract).path == "<root>"


def test_integers_strict_both_ways() -> None:
    """JSN-04: numbers only up to 2^53-1, strings only plain decimal within the width."""
    assert from_json("9007199254740992", U128) == MAX_SAFE_INTEGER + 1
    assert from_json("5", U64) == 5  # a client that writes every integer as a string is accepted
    for bad in ["+5", "05", " 5", "5 ", "-1", "0x10", "1e3", "", str(2**64)]:
        assert rejected(bad, U64).path == "<root>", bad
    assert "decimal string" in str(rejected(MAX_SAFE_INTEGER + 1, U128))
    assert "out of range" in str(rejected(str(2**128), U128)) or "decimal" in str(rejected(str(2**128), U128))


def test_unions_strict() -> None:
    """JSN-07 JSN-09: a unit variant is a bare name, a variant with fields is never one."""
    t = Created | Deleted
    assert from_json("Created", t) == Created()
    assert "has fields" in str(rejected("Deleted", t))
    assert "no fields" in str(rejected({"Created": {}}, t))
    assert "not one of" in str(rejected("Nope", t))
    assert from_json("Up", Power) is Power.Up
    assert from_json("PowerUp", PowerUp | PowerDown) == PowerUp()


def test_every_call_and_event_has_a_distinct_name() -> None:
    """JSN-07: names identify union members (the dispatch of JSON input)."""
    for union in (Call, Event):
        members = typing.get_args(union)
        assert len({m.__name__ for m in members}) == len(members)


def test_loads_limits_and_malformed_text() -> None:
    """JSN-09: text above the limit or not JSON is a JsonError, not another exception."""
    with pytest.raises(JsonError, match="exceeds the limit"):
        jsoncodec.loads("[" * 100, U64, max_bytes=10)
    with pytest.raises(JsonError, match="malformed JSON"):
        jsoncodec.loads("{", U64)
    with pytest.raises(JsonError, match="malformed JSON"):
        jsoncodec.loads("[" * 100_000 + "]" * 100_000, U64, max_bytes=1 << 20)


@given(
    obj=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda ch: st.lists(ch, max_size=3) | st.dictionaries(st.text(max_size=8), ch, max_size=3),
        max_leaves=10,
    )
)
def test_decode_is_total(obj: Any) -> None:
    """JSN-09: any JSON value decodes to a SignedCall or raises JsonError, nothing else."""
    with contextlib.suppress(JsonError):
        from_json(obj, SignedCall)
