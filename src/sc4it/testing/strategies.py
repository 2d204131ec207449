"""Hypothesis strategies for sc4it values (the public home; tests/support.py re-exports the generic ones).

Two families:

- **Generic**, derived from the type annotations the codec reads (`strategy_for(t)`): every value of any
  encodable type, bounds included, for codec and totality properties. `encodable_types()` lists every
  record and tagged union sc4it encodes.
- **Domain**, valid by construction: keys, twins, farms and public IPs, nodes and resources, pricing and
  distribution policies, calls (`calls()` any call, with plausible parameters), signed calls (honest or
  hostile); whole worlds built from the default genesis by random actions are `actions.worlds()`.

Requires Hypothesis (the `test` extra). Nothing in the core imports this module.
"""

from __future__ import annotations

import ipaddress
import types
import typing
from collections.abc import Sequence
from enum import IntEnum
from typing import Annotated, Any, get_args, get_origin

import attrs
from hypothesis import strategies as st

from sc4it import genesis as gen
from sc4it.kernel import calls as c
from sc4it.kernel import events as ev
from sc4it.kernel import registry_types as rt
from sc4it.kernel import types as t
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.schema import Len, UInt, Variant
from sc4it.kernel.signing import Keypair, SignedCall, ss58_prefix_ok
from sc4it.kernel.state import AT_LEAST_ONE, CEILINGS, Config, State
from sc4it.kernel.tx import BlockEnv
from sc4it.testing.world import World

__all__ = [
    "GIB",
    "TFT",
    "TIB",
    "account_ids",
    "annotation_parts",
    "calls",
    "distribution_policies",
    "encodable_types",
    "farm_names",
    "farms",
    "keypairs",
    "named_unions",
    "nodes",
    "policies",
    "pricing_policies",
    "public_ip_inputs",
    "public_ips",
    "resources",
    "signed_calls",
    "split_rules",
    "strategy_for",
    "twins",
    "used_resources",
]

TFT = 10_000_000
GIB = 1 << 30
TIB = 1 << 40

# ==================================================================================================
# Generic: every value of an annotated type

_strategies: dict[tuple[Any, int, int, tuple[bytes, ...] | None], st.SearchStrategy[Any]] = {}


def annotation_parts(tp: Any) -> tuple[Any, UInt | None, Len | None]:
    """`Annotated[base, ...]` -> (base, its `UInt` width or None, its `Len` bound or None)."""
    base, *meta = get_args(tp)
    return (
        base,
        next((m for m in meta if isinstance(m, UInt)), None),
        next((m for m in meta if isinstance(m, Len)), None),
    )


def _uint(bits: int, plausible: bool) -> st.SearchStrategy[int]:
    top = (1 << bits) - 1
    edges = sorted({0, 1, top - 1, top, min(top, (1 << 64) - 1), min(top, 1 << 64)})
    anything = st.one_of(st.integers(0, top), st.sampled_from(edges))
    if plausible:
        return st.one_of(st.integers(0, min(top, 12)), st.integers(0, min(top, 10**13)), anything)
    return anything


def strategy_for(
    tp: Any, *, max_items: int = 3, max_bytes: int = 40, accounts: Sequence[bytes] | None = None
) -> st.SearchStrategy[Any]:
    """A strategy producing every value of the annotated type `tp` that the codec accepts (bounded
    sizes: sequences at most `max_items` over their minimum, byte strings at most `max_bytes` over
    theirs).

    With `accounts` the values are *plausible* for a world holding those accounts: 32-byte strings are
    often one of `accounts`, integers often small (ids) or balance-sized, so random calls reach deep into
    the handlers instead of failing on their first lookup."""
    key = (tp, max_items, max_bytes, None if accounts is None else tuple(accounts))
    found = _strategies.get(key)
    if found is None:
        found = _build(tp, max_items, max_bytes, key[3])
        _strategies[key] = found
    return found


def _build(
    tp: Any, max_items: int, max_bytes: int, accounts: tuple[bytes, ...] | None
) -> st.SearchStrategy[Any]:
    def sub(x: Any) -> st.SearchStrategy[Any]:
        return strategy_for(x, max_items=max_items, max_bytes=max_bytes, accounts=accounts)

    origin = get_origin(tp)
    if origin is Annotated:
        base, uint, ln = annotation_parts(tp)
        if uint is not None:
            return _uint(uint.bits, accounts is not None)
        lo, hi = (ln.min, ln.max) if ln is not None else (0, None)
        if base is bytes and accounts and lo == hi == 32:
            return st.one_of(st.sampled_from(accounts), st.binary(min_size=32, max_size=32))
        if base is bytes:
            return st.binary(min_size=lo, max_size=lo + max_bytes if hi is None else min(hi, lo + max_bytes))
        if get_origin(base) is tuple:
            cap = lo + max_items if hi is None else min(hi, lo + max_items)
            return st.lists(sub(get_args(base)[0]), min_size=lo, max_size=cap).map(tuple)
        return sub(base)
    if tp is bool:
        return st.booleans()
    if tp is bytes:
        return st.binary(max_size=max_bytes)
    if isinstance(tp, type) and issubclass(tp, IntEnum):
        return st.sampled_from(list(tp))
    if origin in (typing.Union, types.UnionType):
        args = get_args(tp)
        non_none = [a for a in args if a is not type(None)]
        inner = st.one_of([sub(a) for a in non_none])
        return st.one_of(st.none(), inner) if len(non_none) < len(args) else inner
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(sub(args[0]), max_size=max_items).map(tuple)
        return st.tuples(*[sub(a) for a in args])
    if origin is PMap:
        k, v = get_args(tp)
        pairs = st.lists(st.tuples(sub(k), sub(v)), max_size=max_items, unique_by=lambda kv: kv[0])
        return pairs.map(lambda items: PMap(items))
    if origin is PSet:
        return st.lists(sub(get_args(tp)[0]), max_size=max_items, unique=True).map(lambda items: PSet(items))
    if tp is Config:
        return configs()
    if isinstance(tp, type) and attrs.has(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        return st.builds(tp, *[sub(hints[f.name]) for f in attrs.fields(tp)])
    raise TypeError(f"no strategy for {tp!r}")


def config_field_values(name: str) -> st.SearchStrategy[int]:
    """STATE-13: the values a `Config` field may hold, edges first (its width, at least 1 for the
    periods and divisors, at most its ceiling)."""
    hints = typing.get_type_hints(Config, include_extras=True)
    top = annotation_parts(hints[name])[1]
    assert top is not None
    lo = 1 if name in (*AT_LEAST_ONE, "secs_per_month", "tft_price_history_length") else 0
    hi = CEILINGS.get(name, top.max)
    return st.one_of(st.sampled_from(sorted({lo, lo + 1, hi - 1, hi})), st.integers(lo, hi))


def configs() -> st.SearchStrategy[Config]:
    """Every valid `Config` (STATE-13), edges included."""
    fields = {f.name: config_field_values(f.name) for f in attrs.fields(Config) if f.name != "ss58_prefix"}
    prefixes = st.integers(0, 16383).filter(ss58_prefix_ok)
    valid = st.fixed_dictionaries({**fields, "ss58_prefix": prefixes}).filter(
        lambda d: d["min_name_length"] <= d["max_name_length"]
    )
    return valid.map(lambda d: Config(**d))


def _union_members(tp: Any) -> tuple[type, ...] | None:
    if get_origin(tp) in (typing.Union, types.UnionType):
        args = get_args(tp)
        if all(isinstance(a, type) and issubclass(a, Variant) for a in args):
            return args
    return None


def named_unions() -> dict[str, Any]:
    """The tagged unions by their public names: Call, Event, ContractState, ContractData, PowerState..."""
    out: dict[str, Any] = {}
    for module in (t, c, ev):
        for name, value in vars(module).items():
            if not name.startswith("_") and _union_members(value) is not None and name not in out:
                out[name] = value
    return out


def encodable_types() -> tuple[list[type], dict[str, Any]]:
    """(every attrs record reachable from the roots, the named tagged unions). Roots: `State`,
    `SignedCall`, `BlockEnv`, the `Genesis`, the unions, and every record in types/calls/events."""
    unions = named_unions()
    roots: list[Any] = [State, SignedCall, BlockEnv, gen.Genesis, *unions.values()]
    for module in (rt, t, c, ev):
        roots += [
            v
            for v in vars(module).values()
            if isinstance(v, type) and attrs.has(v) and v.__module__ == module.__name__
        ]
    seen: dict[type, None] = {}

    def walk(tp: Any) -> None:
        origin = get_origin(tp)
        if origin is Annotated:
            base, uint, _ = annotation_parts(tp)
            if uint is None:
                walk(base)
        elif origin is not None:
            for a in get_args(tp):
                if a is not Ellipsis and a is not type(None):
                    walk(a)
        elif isinstance(tp, type) and attrs.has(tp) and tp not in seen:
            seen[tp] = None
            hints = typing.get_type_hints(tp, include_extras=True)
            for f in attrs.fields(tp):
                walk(hints[f.name])

    for r in roots:
        walk(r)
    return list(seen), unions


# ==================================================================================================
# Domain: keys and accounts


def keypairs() -> st.SearchStrategy[Keypair]:
    """ed25519 keys from random 32-byte seeds."""
    return st.binary(min_size=32, max_size=32).map(Keypair.from_seed)


def account_ids(known: Sequence[bytes] = ()) -> st.SearchStrategy[bytes]:
    """32-byte account ids: one of `known` (when given) or any."""
    anyone = st.binary(min_size=32, max_size=32)
    return st.one_of(st.sampled_from(list(known)), anyone) if known else anyone


# ==================================================================================================
# Domain: registry records


_SAFE_FIRST_OCTETS = (5, 23, 37, 45, 62, 77, 81, 88, 91, 94, 141, 152, 178, 185, 193, 212, 213)
"""First octets of ordinary public unicast ranges (none of them private, shared, test or multicast)."""


@st.composite
def public_ip_inputs(draw: st.DrawFn) -> c.IpInput:
    """A valid farm IP (IP-01..05): a public unicast IPv4 CIDR and a gateway inside its network."""
    a = draw(st.sampled_from(_SAFE_FIRST_OCTETS))
    b, cc = draw(st.integers(0, 255)), draw(st.integers(0, 255))
    d = draw(st.integers(2, 253))
    mask = draw(st.integers(8, 30))
    address = ipaddress.IPv4Address(f"{a}.{b}.{cc}.{d}")
    net = ipaddress.IPv4Network((int(address), mask), strict=False)
    gateway = net.network_address + 1
    if gateway == address:
        gateway = net.network_address + 2
    return c.IpInput(f"{address}/{mask}".encode(), str(gateway).encode())


def public_ips(contract_id: int = 0) -> st.SearchStrategy[t.PublicIP]:
    """Farm IP records (free unless `contract_id` is given)."""
    return public_ip_inputs().map(lambda i: t.PublicIP(i.ip, i.gateway, contract_id))


_NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def farm_names() -> st.SearchStrategy[bytes]:
    """Valid farm names (FRM-03: 3..40 bytes of [A-Za-z0-9_-])."""
    return st.text(_NAME_CHARS, min_size=3, max_size=40).map(str.encode)


def twins(
    ids: st.SearchStrategy[int] | None = None, known: Sequence[bytes] = ()
) -> st.SearchStrategy[t.Twin]:
    """Twin records (no relay, optional 32-byte pk)."""
    return st.builds(
        t.Twin,
        st.integers(1, 1000) if ids is None else ids,
        account_ids(known),
        st.none(),
        st.one_of(st.none(), st.binary(min_size=32, max_size=32)),
    )


def farms(
    ids: st.SearchStrategy[int] | None = None, twin_ids: st.SearchStrategy[int] | None = None
) -> st.SearchStrategy[t.Farm]:
    """Farm records with valid names and distinct free public IPs."""
    ips = st.lists(public_ips(), max_size=4, unique_by=lambda ip: ip.ip.split(b"/")[0]).map(tuple)
    return st.builds(
        t.Farm,
        st.integers(1, 1000) if ids is None else ids,
        farm_names(),
        st.integers(1, 1000) if twin_ids is None else twin_ids,
        st.just(1),
        st.sampled_from(list(t.FarmCertification)),
        ips,
        st.booleans(),
    )


def resources(valid: bool = True) -> st.SearchStrategy[t.Resources]:
    """Node capacity. `valid`: what `CreateNode` accepts (NOD-04: hru or sru >= 100 GiB, cru >= 1, mru >=
    2 GiB) with realistic magnitudes; otherwise any four u64."""
    if not valid:
        u64 = st.integers(0, (1 << 64) - 1)
        return st.builds(t.Resources, u64, u64, u64, u64)
    storage = st.integers(100 * GIB, 16 * TIB)
    small = st.one_of(st.just(0), st.integers(0, 16 * TIB))
    return st.one_of(
        st.builds(
            t.Resources, hru=storage, sru=small, cru=st.integers(1, 128), mru=st.integers(2 * GIB, 1024 * GIB)
        ),
        st.builds(
            t.Resources, hru=small, sru=storage, cru=st.integers(1, 128), mru=st.integers(2 * GIB, 1024 * GIB)
        ),
    )


def used_resources() -> st.SearchStrategy[t.Resources]:
    """What a deployment uses (reported by its node): zero to a few TiB, up to 64 cores."""
    return st.builds(
        t.Resources,
        hru=st.one_of(st.just(0), st.integers(0, 4 * TIB)),
        sru=st.one_of(st.just(0), st.integers(0, 2 * TIB)),
        cru=st.integers(0, 64),
        mru=st.one_of(st.just(0), st.integers(0, 256 * GIB)),
    )


def nodes(
    ids: st.SearchStrategy[int] | None = None,
    farm_ids: st.SearchStrategy[int] | None = None,
    twin_ids: st.SearchStrategy[int] | None = None,
) -> st.SearchStrategy[t.Node]:
    """Node records with valid resources."""
    return st.builds(
        t.Node,
        st.integers(1, 1000) if ids is None else ids,
        st.integers(1, 1000) if farm_ids is None else farm_ids,
        st.integers(1, 1000) if twin_ids is None else twin_ids,
        resources(),
        st.sampled_from(list(t.NodeCertification)),
        st.integers(0, 2_000_000_000),
    )


# ==================================================================================================
# Domain: policies


def policies(
    max_value: int = 1_000_000, units: Sequence[t.Unit] = (t.Unit.Gigabytes,)
) -> st.SearchStrategy[t.Policy]:
    """A price (mUSD per hour per unit) up to `max_value` in one of `units` (default: Gigabytes, as
    TFChain's chain specs)."""
    return st.builds(t.Policy, st.integers(0, max_value), st.sampled_from(list(units)))


def pricing_policies(
    *,
    ids: st.SearchStrategy[int] | None = None,
    max_value: int = 1_000_000,
    units: Sequence[t.Unit] = (t.Unit.Gigabytes,),
    known: Sequence[bytes] = (),
) -> st.SearchStrategy[t.PricingPolicy]:
    """Pricing-policy records: su, cu, nu, ipu, unique_name, domain_name each a `policies(...)` value,
    `discount_for_dedication_nodes` in 0..100 (the share of the full price a rent contract pays)."""
    p = policies(max_value, units)
    return st.builds(
        t.PricingPolicy,
        version=st.just(2),
        id=st.just(1) if ids is None else ids,
        name=st.text(_NAME_CHARS, min_size=3, max_size=32).map(str.encode),
        su=p,
        cu=p,
        nu=p,
        ipu=p,
        unique_name=p,
        domain_name=p,
        foundation_account=account_ids(known),
        certified_sales_account=account_ids(known),
        discount_for_dedication_nodes=st.integers(0, 100),
    )


_RECIPIENTS_WITH_FARMER = list(t.Recipient)
_RECIPIENTS_WITHOUT_FARMER = [r for r in t.Recipient if r != t.Recipient.Farmer]


@st.composite
def split_rules(draw: st.DrawFn, *, has_farmer: bool = True, valid: bool = True) -> t.SplitRule:
    """A split rule; `valid` (DST-12): at most 8 shares summing to at most 100%, and no farmer share
    where the contract has no farmer."""
    recipients = _RECIPIENTS_WITH_FARMER if has_farmer else _RECIPIENTS_WITHOUT_FARMER
    if not valid:
        recipients = _RECIPIENTS_WITH_FARMER
    n = draw(st.integers(0, 4))
    budget = t.PERBILL
    shares = []
    for _ in range(n):
        part = draw(st.integers(0, budget if valid else t.PERBILL))
        budget -= min(part, budget)
        shares.append(t.Share(draw(st.sampled_from(recipients)), part))
    return t.SplitRule(tuple(shares), draw(st.sampled_from(recipients)))


def distribution_policies(valid: bool = True) -> st.SearchStrategy[t.DistributionPolicy]:
    """Revenue distribution policies (spec/distribution.md); `valid` ones pass DST-12."""
    return st.one_of(
        st.just(t.DistributionPolicy.tfchain()),
        st.just(t.DistributionPolicy.legacy()),
        st.builds(
            t.DistributionPolicy,
            split_rules(valid=valid),
            split_rules(has_farmer=False, valid=valid),
            split_rules(valid=valid),
        ),
    )


# ==================================================================================================
# Domain: calls, signed calls, worlds


def calls(accounts: Sequence[bytes] | None = None) -> st.SearchStrategy[c.Call]:
    """Any call. With `accounts`, parameters are plausible for a world holding those accounts (account
    ids drawn from them, small ids, balance-sized amounts) so random calls reach deep into handlers."""
    return typing.cast(st.SearchStrategy[c.Call], strategy_for(c.Call, accounts=accounts))


@st.composite
def signed_calls(
    draw: st.DrawFn,
    world: World,
    call_strategy: st.SearchStrategy[c.Call] | None = None,
    *,
    hostile: bool = False,
) -> SignedCall:
    """A call signed by one of `world`'s signers that the chain knows (an account, or a role) with its
    current nonce for `world`'s chain. With
    `hostile`, the signed call is broken in one way (wrong signature, stale or future nonce, foreign
    chain) so that `apply` must reject it."""
    roles = world.state.roles
    known = {roles.council, roles.oracle, *roles.bridge_validators}
    names = sorted(
        n
        for n, sg in world.signers.items()
        if sg.account_id in world.state.accounts or sg.account_id in known
    )
    name = draw(st.sampled_from(names))
    call = draw(
        calls([s.account_id for s in world.signers.values()]) if call_strategy is None else call_strategy
    )
    if not hostile:
        return world.sign(name, call)
    how = draw(st.sampled_from(["wrong-key", "stale-nonce", "future-nonce", "foreign-chain"]))
    nonce = world.nonce(name)
    if how == "stale-nonce" and nonce > 0:
        return world.sign(name, call, nonce=draw(st.integers(0, nonce - 1)))
    if how == "future-nonce" or how == "stale-nonce":
        return world.sign(name, call, nonce=nonce + draw(st.integers(1, 3)))
    if how == "foreign-chain":
        other = draw(st.binary(min_size=32, max_size=32).filter(lambda b: b != world.state.chain_id))
        return world.sign(name, call, chain_id=other)
    honest = world.sign(name, call)
    forger = draw(keypairs())
    payload = honest.payload()
    sig = honest.signatures[0].__class__(honest.signatures[0].public_key, forger.sign(payload))
    return attrs.evolve(honest, signatures=(sig, *honest.signatures[1:]))
