"""Configurations and calls the codec would refuse are refused at the boundary (STATE-13, GEN-10, SIG-15):
`Config`, the genesis, `sign` and `apply`; everything else round-trips."""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sc4it import calls, decode, encode, genesis
from sc4it.kernel.calls import Call
from sc4it.kernel.codec import to_obj
from sc4it.kernel.errors import DecodeError, Error
from sc4it.kernel.signing import Signature, SignedCall, payload_of, sign
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
