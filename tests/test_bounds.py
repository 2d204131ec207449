"""Configurations and calls the codec would refuse are refused at the boundary (STATE-13, GEN-10, SIG-15):
`Config`, the genesis, `sign` and `apply`; everything else round-trips."""

from __future__ import annotations

import enum
import json
import typing
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sc4it import calls, decode, encode, genesis
from sc4it.kernel.calls import Call
from sc4it.kernel.codec import reads_back, to_obj
from sc4it.kernel.errors import DecodeError, Error
from sc4it.kernel.signing import Signature, SignedCall, _call_decoder, call_data, payload_of, sign
from sc4it.kernel.state import AT_LEAST_ONE, CEILINGS, Config, ConfigError, State
from sc4it.kernel.tx import BlockEnv
from sc4it.runtime import apply, on_block
from sc4it.testing.strategies import annotation_parts, configs, strategy_for

from .support import ROOT, named_unions

ALICE = genesis.dev_keypair("alice")
CONFIG_HINTS = typing.get_type_hints(Config, include_extras=True)


def width(name: str) -> int:
    uint = annotation_parts(CONFIG_HINTS[name])[1]
    assert uint is not None
    return uint.max


# ------------------------------------------------------------------------------------------------
# Config (STATE-13) and the genesis (GEN-10)


@pytest.mark.parametrize("name", [*AT_LEAST_ONE, "secs_per_month", "tft_price_history_length"])
def test_divisors_and_periods_are_at_least_one(name: str) -> None:
    """STATE-13: a zero billing frequency, block time, reference period, distribution frequency, month
    or price history is refused (secs_per_month = 0 made on_block divide by zero for a rent contract
    with an extra fee; a zero history length made the state stop decoding)."""
    with pytest.raises(ConfigError) as info:
        Config(**{name: 0})
    assert info.value.field == name


@pytest.mark.parametrize("name", [f.name for f in attrs.fields(Config)])
def test_every_field_within_its_width(name: str) -> None:
    """STATE-13: a value above the field's width, a negative one or a non-integer is refused."""
    bad_values: list[Any] = [width(name) + 1, -1, True, "1"]
    for bad in bad_values:
        with pytest.raises(ConfigError):
            Config(**{name: bad})


def test_ceilings_are_the_hard_bounds_of_what_they_limit() -> None:
    """STATE-13: each configurable limit is at most the declared bound of the values it limits, read
    here from the annotations; one more is refused."""
    from sc4it.kernel import events, types

    def bound(cls: type, field: str) -> int:
        ln = annotation_parts(typing.get_type_hints(cls, include_extras=True)[field])[2]
        assert ln is not None
        return ln.max

    expected = {
        "max_name_length": bound(types.NameContract, "name"),
        "max_deployment_data_length": bound(types.NodeContract, "deployment_data"),
        "max_node_contract_public_ips": bound(types.NodeContract, "public_ips_list"),
        "max_farm_public_ips": bound(types.Farm, "public_ips"),
        "tft_price_history_length": bound(types.TftPrice, "history"),
        "max_solution_provider_text": bound(types.SolutionProvider, "description"),
        "max_solution_providers": bound(types.SolutionProvider, "providers"),
        "service_contract_metadata_length": bound(types.ServiceContract, "metadata"),
        "service_bill_metadata_length": bound(types.ServiceContractBill, "metadata"),
        "max_reject_reason_length": bound(events.DeploymentRejected, "reason"),
        "max_reports_per_call": bound(calls.AddNruReports, "reports"),
    }
    assert expected == CEILINGS
    assert bound(types.SolutionProvider, "link") == CEILINGS["max_solution_provider_text"]
    for name, ceiling in CEILINGS.items():
        Config(**{name: ceiling, "min_name_length": 0})
        with pytest.raises(ConfigError, match="at most"):
            Config(**{name: ceiling + 1})


def test_other_config_rules() -> None:
    """STATE-13 GEN-10: min_name_length <= max_name_length; a valid SS58 prefix."""
    with pytest.raises(ConfigError, match="min_name_length"):
        Config(min_name_length=10, max_name_length=9)
    for prefix in (46, 47, 16384):
        with pytest.raises(ConfigError, match="ss58_prefix"):
            Config(ss58_prefix=prefix)
    with pytest.raises(ConfigError):
        attrs.evolve(Config(), secs_per_month=0)


def test_a_state_with_an_impossible_config_does_not_decode() -> None:
    """STATE-13 ENC-10: decoding a state whose config the core cannot run with is a DecodeError at
    `config`, not a state that raises later."""
    obj = to_obj(genesis.default(), State)
    obj[0][13] = 0  # tft_price_history_length
    import cbor2

    with pytest.raises(DecodeError) as info:
        decode(cbor2.dumps(obj, canonical=True), State, max_bytes=None)
    assert info.value.path == "config" and "tft_price_history_length" in info.value.message


def test_a_genesis_file_with_an_impossible_config(tmp_path: Path) -> None:
    """GEN-10: the genesis JSON loader reports the field as a GenesisError."""
    doc = json.loads((ROOT / "src/sc4it/data/default_genesis.json").read_text())
    doc["config"]["secs_per_month"] = 0
    path = tmp_path / "g.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(genesis.GenesisError) as info:
        genesis.load(path)
    assert info.value.path == "config.secs_per_month"


def _edge_config_values(name: str) -> st.SearchStrategy[Any]:
    top = width(name)
    return st.sampled_from([0, 1, 2, 46, 47, 64, 65, 1440, 1441, 16384, top, top + 1, -1])


@given(st.fixed_dictionaries({f.name: _edge_config_values(f.name) for f in attrs.fields(Config)}))
def test_configs_from_the_edges_are_refused_or_round_trip(values: dict[str, Any]) -> None:
    """STATE-13: a Config built from edge values is either refused with ConfigError, or it encodes,
    decodes back to itself, and a state built on it bills a block without raising."""
    try:
        cfg = Config(**values)
    except ConfigError:
        return
    assert decode(encode(cfg), Config) == cfg
    state = attrs.evolve(genesis.default(), config=cfg)
    on_block(state, BlockEnv(cfg.billing_frequency, 10**12))


@given(configs())
def test_the_config_strategy_builds_only_valid_configs(cfg: Config) -> None:
    """STATE-13: `sc4it.testing.strategies.configs` (used for every State strategy) stays valid."""
    assert decode(encode(cfg), Config) == cfg


# ------------------------------------------------------------------------------------------------
# Calls (SIG-15)


def test_sign_refuses_a_call_out_of_bounds() -> None:
    """SIG-15: a 0-byte deployment hash (was signed, applied and written to the trace, which then
    counted as damaged) is refused by `sign`, naming the field."""
    state = genesis.default()
    with pytest.raises(DecodeError) as info:
        sign(calls.CreateNodeContract(1, b"", b"", 0, None), ALICE, 0, state.chain_id)
    assert info.value.path == "call.deployment_hash"
    with pytest.raises(DecodeError) as info:
        sign(calls.Transfer(ALICE.account_id, 2**128), ALICE, 0, state.chain_id)
    assert info.value.path == "call.amount"
    with pytest.raises(DecodeError):
        sign(calls.Transfer(ALICE.account_id, 1), ALICE, 2**64, state.chain_id)


def test_a_call_that_reads_back_otherwise_is_refused() -> None:
    """SIG-15: `b""` where a tuple of reports is declared encodes like `()` and would decode as `()`: the
    in-memory call is not the call its bytes carry, so `sign` refuses it and `apply` fails it with
    MalformedCall, changing nothing (found by the edge-call property)."""
    state = genesis.default()
    odd = calls.AddNruReports(b"")  # type: ignore[arg-type]
    with pytest.raises(DecodeError):
        sign(odd, ALICE, 0, state.chain_id)
    out = apply(state, hand_signed(state, odd), BlockEnv(1, 10**12))
    assert out.error is Error.MalformedCall and out.state is state
    assert sign(calls.AddNruReports(()), ALICE, 0, state.chain_id).call == calls.AddNruReports(())


def hand_signed(state: State, call: Any) -> SignedCall:
    """A signed call built without `sign` (which would refuse it): what a buggy client could send. A call
    too broken to encode at all gets a signature over nothing (SIG-15 is checked before signatures)."""
    nonce = state.accounts[ALICE.account_id].nonce
    try:
        payload = payload_of(state.chain_id, ALICE.account_id, nonce, to_obj(call, Call))
    except (AttributeError, TypeError, KeyError, ValueError):
        payload = b""
    sig = Signature(ALICE.account_id, ALICE.sign(payload))
    return SignedCall(state.chain_id, ALICE.account_id, nonce, call, (sig,))


def test_apply_refuses_a_hand_signed_call_out_of_bounds() -> None:
    """SIG-15 SIG-11: `apply` fails such a call with MalformedCall after the nonce check and before the
    signature, and changes nothing."""
    state = genesis.default()
    out = apply(
        state, hand_signed(state, calls.CreateNodeContract(1, b"", b"", 0, None)), BlockEnv(1, 10**12)
    )
    assert out.error is Error.MalformedCall and out.state is state and out.events == ()
    stale = attrs.evolve(hand_signed(state, calls.CreateNodeContract(1, b"", b"", 0, None)), nonce=99)
    assert apply(state, stale, BlockEnv(1, 10**12)).error is Error.FutureNonce


def _edge_field_values(hint: Any) -> list[Any]:
    if typing.get_origin(hint) is not typing.Annotated:
        return [None, 0, b"", ()]
    base, uint, ln = annotation_parts(hint)
    if uint is not None:
        return [0, uint.max, uint.max + 1, -1, True]
    if base is bytes and ln is not None:
        return [b"", bytes(ln.min), bytes(ln.max), bytes(ln.max + 1), "text"]
    return [None, 0, b"", ()]


@st.composite
def edge_calls(draw: st.DrawFn) -> Any:
    """A valid call with one field replaced by an edge value (inside, at or beyond its bounds)."""
    members = typing.get_args(named_unions()["Call"])
    cls = draw(st.sampled_from(members))
    call = draw(strategy_for(cls))
    fields = attrs.fields(cls)
    if not fields:
        return call
    field = draw(st.sampled_from(fields))
    hint = typing.get_type_hints(cls, include_extras=True)[field.name]
    return attrs.evolve(call, **{field.name: draw(st.sampled_from(_edge_field_values(hint)))})


@given(edge_calls())
def test_calls_from_the_edges_are_refused_or_round_trip(call: Any) -> None:
    """SIG-15 STATE-11 ENC-09: a call with a field at or beyond its bounds is either refused by `sign`
    (DecodeError) and by `apply` (MalformedCall, state unchanged), or it signs, round-trips through the
    codec and applies without raising."""
    state = genesis.default()
    env = BlockEnv(1, 10**12)
    try:
        signed = sign(call, ALICE, 0, state.chain_id)
    except DecodeError:
        out = apply(state, hand_signed(state, call), env)
        assert out.error is Error.MalformedCall and out.state is state
        return
    assert decode(encode(signed), SignedCall) == signed
    apply(state, signed, env)


# ------------------------------------------------------------------------------------------------
# SIG-15's fast path: `reads_back` vouches only for calls that decoding confirms


class _Other(enum.IntEnum):
    A = 0
    B = 1


_EDGES: list[Any] = [
    None,
    0,
    1,
    -1,
    True,
    False,
    2**32,
    2**64,
    2**128,
    b"",
    bytes(32),
    bytes(33),
    "x",
    (),
    [],
    [0],
]


def _edges(value: Any) -> list[Any]:
    """Values to put where `value` was: every kind of edge, the value in another container type, and
    (for an enum member) its plain integer and a member of another enum."""
    out = list(_EDGES)
    if isinstance(value, tuple):
        out += [list(value), value * 2, value[:-1]]
    if isinstance(value, enum.IntEnum):
        out += [int(value), _Other(int(value) % 2)]
    if attrs.has(type(value)):
        out += [attrs.evolve(value), to_obj(value), _as(type("Sub", (type(value),), {}), value)]
    return out


def _as(cls: type, value: Any) -> Any:
    """A `cls` with `value`'s fields, built around `cls`'s own checks (a buggy client can build anything)."""
    copy: Any = object.__new__(cls)
    for f in attrs.fields(type(value)):
        object.__setattr__(copy, f.name, getattr(value, f.name))
    return copy


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in `value`: attribute names of records and indices of tuples, at any depth."""
    out = [here]
    if attrs.has(type(value)):
        for f in attrs.fields(type(value)):
            out += _paths(getattr(value, f.name), (*here, f.name))
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            out += _paths(item, (*here, i))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step] if isinstance(step, int) else getattr(value, step)
    return value


def _put(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """`value` with the place `path` replaced by `new`, built around the records' own checks (a buggy
    client can build anything)."""
    if not path:
        return new
    step, rest = path[0], path[1:]
    if isinstance(step, int):
        return (*value[:step], _put(value[step], rest, new), *value[step + 1 :])
    copy = _as(type(value), value)
    object.__setattr__(copy, step, _put(getattr(value, step), rest, new))
    return copy


@settings(max_examples=150)  # each example tries every place and every edge: ~10 ms
@given(strategy_for(Call))
def test_reads_back_vouches_only_for_what_decoding_confirms(call: Any) -> None:
    """SIG-15 ENC-09: `codec.reads_back(call, Call)`, which lets `call_data` skip decoding and comparing, is
    True for every valid call (the fast path is the one taken), and True for a call with a place
    replaced by an edge value (each place at any depth, each edge) only if its data model decodes to that
    very call; whatever it says, `call_data` accepts exactly the calls that decode back to themselves."""
    assert reads_back(call, Call)
    for path in _paths(call):
        for edge in _edges(_get(call, path)):
            odd = _put(call, path, edge)
            try:
                confirmed = _call_decoder()(to_obj(odd, Call), "call") == odd
            except Exception:  # encoding or decoding refused it
                confirmed = False
            assert confirmed or not reads_back(odd, Call), (path, edge)
            try:
                call_data(odd)
                accepted = True
            except DecodeError:
                accepted = False
            assert accepted == confirmed, (path, edge)


def test_reads_back_refuses_the_known_odd_calls() -> None:
    """SIG-15: the calls the slow path refuses, one per kind (`b""` for a tuple, a bool for an integer, a
    list for a tuple, an integer beyond its width, a byte string beyond its bounds) get no vouching."""
    for odd in (
        calls.AddNruReports(b""),  # type: ignore[arg-type]
        calls.AddNruReports([]),  # type: ignore[arg-type]
        calls.Transfer(ALICE.account_id, True),
        calls.Transfer(ALICE.account_id, 2**128),
        calls.CreateNodeContract(1, b"", b"", 0, None),
    ):
        assert not reads_back(odd, Call)
        with pytest.raises(DecodeError):
            call_data(odd)
