"""The readable JSON form of a genesis (GEN-20..): `dumps`/`loads`/`dump`/`load`, validated field by field
with `GenesisError(path, message)`."""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any, TypeVar

import attrs

from sc4it.fileio import MAX_JSON_BYTES, read_regular
from sc4it.genesis.checks import validate
from sc4it.genesis.devnet import default_genesis, named_accounts
from sc4it.genesis.model import (
    FORMAT,
    MAX_GENESIS_ITEMS,
    ROOT,
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
)
from sc4it.kernel.schema import UInt
from sc4it.kernel.signing import MAX_SIGNATORIES, MultisigSpec, ss58_decode, ss58_encode
from sc4it.kernel.state import Config, ConfigError
from sc4it.kernel.types import (
    MAX_ROLE_MEMBERS,
    DistributionPolicy,
    FarmCertification,
    NodeCertification,
    Policy,
    Recipient,
    Resources,
    Roles,
    Share,
    SplitRule,
    Unit,
)

T = TypeVar("T")


# --------------------------------------------------------------------------------------------------
# JSON (GEN-20..GEN-26)

E = TypeVar("E", bound=IntEnum)


def _type_name(x: Any) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "boolean"
    if isinstance(x, int):
        return "integer"
    if isinstance(x, float):
        return "number"
    if isinstance(x, str):
        return "string"
    if isinstance(x, list):
        return "array"
    if isinstance(x, dict):
        return "object"
    return type(x).__name__  # pragma: no cover - json.loads produces only the above


def _obj(x: Any, path: str, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, Any]:
    if not isinstance(x, dict):
        raise GenesisError(path or ROOT, f"expected an object, got {_type_name(x)}")
    allowed = set(required) | set(optional)
    for k in x:
        if k not in allowed:
            raise GenesisError(_join(path, k), f"unknown field; expected one of {', '.join(sorted(allowed))}")
    for k in required:
        if k not in x:
            raise GenesisError(_join(path, k), "missing field")
    return x


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _uint(x: Any, path: str, bits: int) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise GenesisError(path, f"expected an unsigned integer (u{bits}), got {_type_name(x)}")
    if not 0 <= x < (1 << bits):
        raise GenesisError(path, f"{x} is out of range for u{bits} (0..{(1 << bits) - 1})")
    return x


def _bool(x: Any, path: str) -> bool:
    if not isinstance(x, bool):
        raise GenesisError(path, f"expected a boolean, got {_type_name(x)}")
    return x


def _text(x: Any, path: str, max_len: int) -> bytes:
    if not isinstance(x, str):
        raise GenesisError(path, f"expected a string, got {_type_name(x)}")
    try:
        b = x.encode()
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") is valid JSON but not text
        raise GenesisError(path, "a string with a lone surrogate (not valid Unicode text)") from None
    if len(b) > max_len:
        raise GenesisError(path, f"at most {max_len} bytes, got {len(b)}")
    return b


def _hex(x: Any, path: str, max_len: int) -> bytes:
    if not isinstance(x, str) or not x.startswith("0x"):
        raise GenesisError(path, f"expected a 0x-prefixed hex string, got {_type_name(x)}")
    try:
        b = bytes.fromhex(x[2:])
    except ValueError:
        raise GenesisError(path, "expected a 0x-prefixed hex string (bad hex digits)") from None
    if len(b) > max_len:
        raise GenesisError(path, f"at most {max_len} bytes, got {len(b)}")
    return b


def _enum(x: Any, path: str, cls: type[E]) -> E:
    names = [m.name for m in cls]
    if not isinstance(x, str) or x not in cls.__members__:
        shown = repr(x) if isinstance(x, str) else _type_name(x)
        raise GenesisError(path, f"unknown {cls.__name__} {shown}; expected one of {', '.join(names)}")
    return cls[x]


def _account(x: Any, path: str, prefix: int) -> bytes:
    if not isinstance(x, str):
        raise GenesisError(path, f"expected an SS58 address or 0x-hex account id, got {_type_name(x)}")
    if x.startswith("0x"):
        try:
            b = bytes.fromhex(x[2:])
        except ValueError:
            raise GenesisError(path, "expected 0x and 64 hex digits (bad hex digits)") from None
        if len(b) != 32:
            raise GenesisError(path, f"expected a 32-byte account id, got {len(b)} bytes")
        return b
    try:
        return ss58_decode(x, prefix)
    except ValueError as e:
        raise GenesisError(path, f"bad SS58 address ({e})") from None


def _array(x: Any, path: str, max_len: int = MAX_GENESIS_ITEMS) -> list[Any]:
    if not isinstance(x, list):
        raise GenesisError(path, f"expected an array, got {_type_name(x)}")
    if len(x) > max_len:
        raise GenesisError(path, f"at most {max_len} items, got {len(x)}")
    return x


def _items(
    x: Any, path: str, read: Callable[[Any, str], T], max_len: int = MAX_GENESIS_ITEMS
) -> tuple[T, ...]:
    return tuple(read(item, f"{path}[{i}]") for i, item in enumerate(_array(x, path, max_len)))


def _check_id(d: dict[str, Any], path: str) -> None:
    """The optional `id` of a twin / farm / node / pricing policy must be its 1-based position (GEN-23)."""
    if "id" in d:
        i = int(path[path.rindex("[") + 1 : -1])
        if _uint(d["id"], f"{path}.id", 32) != i + 1:
            raise GenesisError(f"{path}.id", f"ids are positions: expected {i + 1}, got {d['id']}")


_CONFIG_FIELDS = tuple(f.name for f in attrs.fields(Config))


def _config_from(x: Any, path: str) -> Config:
    """Config members are optional (default `Config()`); each is an unsigned integer of its width, or a
    boolean for a boolean member."""
    d = _obj(x, path, (), _CONFIG_FIELDS)
    hints = typing.get_type_hints(Config, include_extras=True)
    args: dict[str, Any] = {}
    for name in _CONFIG_FIELDS:
        if name in d:
            uint = next((m for m in typing.get_args(hints[name]) if isinstance(m, UInt)), None)
            if uint is not None:
                args[name] = _uint(d[name], f"{path}.{name}", uint.bits)
            elif hints[name] is bool:
                args[name] = _bool(d[name], f"{path}.{name}")
            else:  # pragma: no cover - Config holds only integers and booleans
                raise TypeError(f"Config.{name}: no JSON form for {hints[name]!r}")
    try:
        return Config(**args)
    except ConfigError as e:  # GEN-10, STATE-13
        raise GenesisError(f"{path}.{e.field}", e.message) from None


def _config_to(c: Config) -> dict[str, Any]:
    return {name: getattr(c, name) for name in _CONFIG_FIELDS}


class _Reader:
    """Parses a genesis JSON object; `prefix` is the SS58 prefix from its config."""

    def __init__(self, prefix: int) -> None:
        self.prefix = prefix

    def account(self, x: Any, path: str) -> bytes:
        return _account(x, path, self.prefix)

    def roles(self, x: Any, path: str) -> Roles:
        lists = ("node_certifiers", "council_members", "validators", "bridge_validators")
        d = _obj(x, path, ("council", "oracle", "staking_pool"), lists)

        def accounts(name: str) -> tuple[bytes, ...]:
            return tuple(_items(d.get(name, []), f"{path}.{name}", self.account, MAX_ROLE_MEMBERS))

        return Roles(
            council=self.account(d["council"], f"{path}.council"),
            oracle=self.account(d["oracle"], f"{path}.oracle"),
            staking_pool=self.account(d["staking_pool"], f"{path}.staking_pool"),
            node_certifiers=accounts("node_certifiers"),
            council_members=accounts("council_members"),
            validators=accounts("validators"),
            bridge_validators=accounts("bridge_validators"),
        )

    def bridge(self, x: Any, path: str) -> GenesisBridge:
        d = _obj(x, path, ("withdraw_fee", "deposit_fee"), ("fee_account",))
        fee = d.get("fee_account")
        return GenesisBridge(
            fee_account=None if fee is None else self.account(fee, f"{path}.fee_account"),
            withdraw_fee=_uint(d["withdraw_fee"], f"{path}.withdraw_fee", 64),
            deposit_fee=_uint(d["deposit_fee"], f"{path}.deposit_fee", 64),
        )

    def multisig(self, x: Any, path: str) -> MultisigSpec | None:
        if x is None:
            return None
        d = _obj(x, path, ("threshold", "signatories"))
        threshold = _uint(d["threshold"], f"{path}.threshold", 16)
        sigs = _items(d["signatories"], f"{path}.signatories", self.account, MAX_SIGNATORIES)
        if not sigs:
            raise GenesisError(f"{path}.signatories", "expected at least one signatory")
        if len(set(sigs)) != len(sigs):
            raise GenesisError(f"{path}.signatories", "duplicate signatory")
        # signatories may be listed in any order; the spec sorts them (the account id does not depend on it)
        return MultisigSpec.of(threshold, sigs)

    def multisigs(self, x: Any, path: str) -> RoleMultisigs:
        d = _obj(x, path, (), ("council", "oracle"))
        return RoleMultisigs(
            council=self.multisig(d.get("council"), f"{path}.council"),
            oracle=self.multisig(d.get("oracle"), f"{path}.oracle"),
        )

    def acc(self, x: Any, path: str) -> GenesisAccount:
        d = _obj(x, path, ("account_id", "free"))
        return GenesisAccount(
            self.account(d["account_id"], f"{path}.account_id"), _uint(d["free"], f"{path}.free", 128)
        )

    def twin(self, x: Any, path: str) -> GenesisTwin:
        d = _obj(x, path, ("account_id",), ("id", "relay", "pk"))
        _check_id(d, path)
        relay = d.get("relay")
        pk = d.get("pk")
        return GenesisTwin(
            account_id=self.account(d["account_id"], f"{path}.account_id"),
            relay=None if relay is None else _text(relay, f"{path}.relay", 1024),
            pk=None if pk is None else _hex(pk, f"{path}.pk", 128),
        )

    def policy(self, x: Any, path: str) -> Policy:
        d = _obj(x, path, ("value", "unit"))
        return Policy(_uint(d["value"], f"{path}.value", 32), _enum(d["unit"], f"{path}.unit", Unit))

    def pricing_policy(self, x: Any, path: str) -> GenesisPricingPolicy:
        units = ("su", "cu", "nu", "ipu", "unique_name", "domain_name")
        d = _obj(
            x,
            path,
            (
                "name",
                *units,
                "foundation_account",
                "certified_sales_account",
                "discount_for_dedication_nodes",
            ),
            ("id",),
        )
        _check_id(d, path)
        pol = {u: self.policy(d[u], f"{path}.{u}") for u in units}
        return GenesisPricingPolicy(
            name=_text(d["name"], f"{path}.name", 64),
            su=pol["su"],
            cu=pol["cu"],
            nu=pol["nu"],
            ipu=pol["ipu"],
            unique_name=pol["unique_name"],
            domain_name=pol["domain_name"],
            foundation_account=self.account(d["foundation_account"], f"{path}.foundation_account"),
            certified_sales_account=self.account(
                d["certified_sales_account"], f"{path}.certified_sales_account"
            ),
            discount_for_dedication_nodes=_uint(
                d["discount_for_dedication_nodes"], f"{path}.discount_for_dedication_nodes", 8
            ),
        )

    def public_ip(self, x: Any, path: str) -> GenesisPublicIP:
        d = _obj(x, path, ("ip", "gateway"))
        return GenesisPublicIP(_text(d["ip"], f"{path}.ip", 18), _text(d["gateway"], f"{path}.gateway", 15))

    def farm(self, x: Any, path: str) -> GenesisFarm:
        d = _obj(
            x,
            path,
            ("name", "twin_id", "pricing_policy_id", "certification", "dedicated_farm"),
            ("id", "public_ips"),
        )
        _check_id(d, path)
        return GenesisFarm(
            name=_text(d["name"], f"{path}.name", 128),
            twin_id=_uint(d["twin_id"], f"{path}.twin_id", 32),
            pricing_policy_id=_uint(d["pricing_policy_id"], f"{path}.pricing_policy_id", 32),
            certification=_enum(d["certification"], f"{path}.certification", FarmCertification),
            dedicated_farm=_bool(d["dedicated_farm"], f"{path}.dedicated_farm"),
            public_ips=_items(d.get("public_ips", []), f"{path}.public_ips", self.public_ip, 256),
        )

    def resources(self, x: Any, path: str) -> Resources:
        d = _obj(x, path, ("hru", "sru", "cru", "mru"))
        return Resources(**{k: _uint(d[k], f"{path}.{k}", 64) for k in ("hru", "sru", "cru", "mru")})

    def node(self, x: Any, path: str) -> GenesisNode:
        d = _obj(x, path, ("farm_id", "twin_id", "resources", "certification"), ("id",))
        _check_id(d, path)
        return GenesisNode(
            farm_id=_uint(d["farm_id"], f"{path}.farm_id", 32),
            twin_id=_uint(d["twin_id"], f"{path}.twin_id", 32),
            resources=self.resources(d["resources"], f"{path}.resources"),
            certification=_enum(d["certification"], f"{path}.certification", NodeCertification),
        )

    def tft_price(self, x: Any, path: str) -> GenesisTftPrice:
        d = _obj(x, path, ("price", "min", "max"))
        return GenesisTftPrice(*(_uint(d[k], f"{path}.{k}", 32) for k in ("price", "min", "max")))

    def share(self, x: Any, path: str) -> Share:
        d = _obj(x, path, ("recipient", "perbill"))
        return Share(
            _enum(d["recipient"], f"{path}.recipient", Recipient), _uint(d["perbill"], f"{path}.perbill", 32)
        )

    def split(self, x: Any, path: str) -> SplitRule:
        d = _obj(x, path, ("shares", "remainder"))
        return SplitRule(
            _items(d["shares"], f"{path}.shares", self.share, 8),
            _enum(d["remainder"], f"{path}.remainder", Recipient),
        )

    def distribution(self, x: Any, path: str) -> DistributionPolicy:
        d = _obj(x, path, ("node", "name", "extra_fee"))
        return DistributionPolicy(
            self.split(d["node"], f"{path}.node"),
            self.split(d["name"], f"{path}.name"),
            self.split(d["extra_fee"], f"{path}.extra_fee"),
        )


_TOP_FIELDS = (
    "format",
    "config",
    "roles",
    "multisigs",
    "accounts",
    "twins",
    "pricing_policies",
    "farms",
    "nodes",
    "tft_price",
    "distribution_policy",
)
_OPTIONAL_TOP_FIELDS = ("names", "bridge")


def from_json_obj(doc: Any) -> Genesis:
    """GEN-20..GEN-24: a `Genesis` from a parsed JSON document; structural checks, then `validate`."""
    d = _obj(doc, "", _TOP_FIELDS, _OPTIONAL_TOP_FIELDS)
    if d["format"] != FORMAT:
        raise GenesisError("format", f"expected {FORMAT!r}, got {d['format']!r}")
    config = _config_from(d["config"], "config")
    try:
        ss58_encode(bytes(32), config.ss58_prefix)
    except ValueError:
        raise GenesisError("config.ss58_prefix", f"a valid SS58 prefix, got {config.ss58_prefix}") from None
    r = _Reader(config.ss58_prefix)
    if "names" in d:
        names = d["names"]
        if not isinstance(names, dict):
            raise GenesisError("names", f"expected an object (name -> account), got {_type_name(names)}")
        for key, value in names.items():
            r.account(value, f"names.{key}")
    genesis = Genesis(
        config=config,
        roles=r.roles(d["roles"], "roles"),
        multisigs=r.multisigs(d["multisigs"], "multisigs"),
        accounts=_items(d["accounts"], "accounts", r.acc),
        twins=_items(d["twins"], "twins", r.twin),
        pricing_policies=_items(d["pricing_policies"], "pricing_policies", r.pricing_policy),
        farms=_items(d["farms"], "farms", r.farm),
        nodes=_items(d["nodes"], "nodes", r.node),
        tft_price=r.tft_price(d["tft_price"], "tft_price"),
        distribution_policy=r.distribution(d["distribution_policy"], "distribution_policy"),
        bridge=r.bridge(d["bridge"], "bridge") if "bridge" in d else GenesisBridge(),
    )
    validate(genesis)
    return genesis


def _str(b: bytes, path: str) -> str:
    try:
        return b.decode()
    except UnicodeDecodeError:
        raise GenesisError(path, "not valid UTF-8, cannot be written as a JSON string") from None


def to_json_obj(genesis: Genesis, names: dict[str, bytes] | None = None) -> dict[str, Any]:
    """GEN-25: the JSON data model of `genesis` (what `dumps` writes); `names` adds the informative
    `names` member (name -> address), which `loads` checks but otherwise ignores."""
    g = genesis
    prefix = g.config.ss58_prefix
    out: dict[str, Any] = {"format": FORMAT}
    if names:
        out["names"] = {k: ss58_encode(v, prefix) for k, v in names.items()}
    return (
        out
        | {"config": _config_to(g.config)}
        | _roles_json(g, prefix)
        | {
            "accounts": [
                {"account_id": ss58_encode(x.account_id, prefix), "free": x.free} for x in g.accounts
            ],
            "twins": [
                {
                    "id": i,
                    "account_id": ss58_encode(t.account_id, prefix),
                    "relay": None if t.relay is None else _str(t.relay, f"twins[{i - 1}].relay"),
                    "pk": None if t.pk is None else "0x" + t.pk.hex(),
                }
                for i, t in enumerate(g.twins, start=1)
            ],
            "pricing_policies": [
                _pricing_policy_json(i, p, prefix) for i, p in enumerate(g.pricing_policies, start=1)
            ],
            "farms": [_farm_json(i, f) for i, f in enumerate(g.farms, start=1)],
            "nodes": [_node_json(i, n) for i, n in enumerate(g.nodes, start=1)],
            "tft_price": {"price": g.tft_price.price, "min": g.tft_price.min, "max": g.tft_price.max},
            "distribution_policy": {
                "node": _split_json(g.distribution_policy.node),
                "name": _split_json(g.distribution_policy.name),
                "extra_fee": _split_json(g.distribution_policy.extra_fee),
            },
        }
    )


def _roles_json(g: Genesis, prefix: int) -> dict[str, Any]:
    def a(b: bytes) -> str:
        return ss58_encode(b, prefix)

    def ms(spec: MultisigSpec | None) -> dict[str, Any] | None:
        if spec is None:
            return None
        return {"threshold": spec.threshold, "signatories": [a(s) for s in spec.signatories]}

    return {
        "roles": {
            "council": a(g.roles.council),
            "oracle": a(g.roles.oracle),
            "staking_pool": a(g.roles.staking_pool),
            "node_certifiers": [a(x) for x in g.roles.node_certifiers],
            "council_members": [a(x) for x in g.roles.council_members],
            "validators": [a(x) for x in g.roles.validators],
            "bridge_validators": [a(x) for x in g.roles.bridge_validators],
        },
        "multisigs": {
            "council": ms(g.multisigs.council),
            "oracle": ms(g.multisigs.oracle),
        },
        "bridge": {
            "fee_account": None if g.bridge.fee_account is None else a(g.bridge.fee_account),
            "withdraw_fee": g.bridge.withdraw_fee,
            "deposit_fee": g.bridge.deposit_fee,
        },
    }


def _policy_json(p: Policy) -> dict[str, Any]:
    return {"value": p.value, "unit": p.unit.name}


def _pricing_policy_json(i: int, p: GenesisPricingPolicy, prefix: int) -> dict[str, Any]:
    return {
        "id": i,
        "name": _str(p.name, f"pricing_policies[{i - 1}].name"),
        "su": _policy_json(p.su),
        "cu": _policy_json(p.cu),
        "nu": _policy_json(p.nu),
        "ipu": _policy_json(p.ipu),
        "unique_name": _policy_json(p.unique_name),
        "domain_name": _policy_json(p.domain_name),
        "foundation_account": ss58_encode(p.foundation_account, prefix),
        "certified_sales_account": ss58_encode(p.certified_sales_account, prefix),
        "discount_for_dedication_nodes": p.discount_for_dedication_nodes,
    }


def _farm_json(i: int, f: GenesisFarm) -> dict[str, Any]:
    return {
        "id": i,
        "name": _str(f.name, f"farms[{i - 1}].name"),
        "twin_id": f.twin_id,
        "pricing_policy_id": f.pricing_policy_id,
        "certification": f.certification.name,
        "dedicated_farm": f.dedicated_farm,
        "public_ips": [
            {
                "ip": _str(p.ip, f"farms[{i - 1}].public_ips[{j}].ip"),
                "gateway": _str(p.gateway, f"farms[{i - 1}].public_ips[{j}].gateway"),
            }
            for j, p in enumerate(f.public_ips)
        ],
    }


def _node_json(i: int, n: GenesisNode) -> dict[str, Any]:
    return {
        "id": i,
        "farm_id": n.farm_id,
        "twin_id": n.twin_id,
        "resources": {
            "hru": n.resources.hru,
            "sru": n.resources.sru,
            "cru": n.resources.cru,
            "mru": n.resources.mru,
        },
        "certification": n.certification.name,
    }


def _split_json(rule: SplitRule) -> dict[str, Any]:
    return {
        "shares": [{"recipient": s.recipient.name, "perbill": s.perbill} for s in rule.shares],
        "remainder": rule.remainder.name,
    }


def dumps(genesis: Genesis, names: dict[str, bytes] | None = None) -> str:
    """GEN-25: the JSON text of `genesis` (2-space indent, trailing newline), with an optional `names`
    member labelling accounts for readers."""
    return json.dumps(to_json_obj(genesis, names), indent=2, ensure_ascii=False) + "\n"


def loads(text: str | bytes) -> Genesis:
    """GEN-20: parse and validate a genesis JSON document."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise GenesisError(ROOT, f"malformed JSON: {e}") from None
    return from_json_obj(doc)


def dump(genesis: Genesis, path: str | os.PathLike[str], names: dict[str, bytes] | None = None) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(dumps(genesis, names))


def load(path: str | os.PathLike[str]) -> Genesis:
    """Read and validate a genesis JSON file (`OSError` for a file that cannot be read: not a regular
    file, larger than 64 MiB, ...; `UnicodeDecodeError` if it is not UTF-8; `GenesisError`)."""
    return loads(read_regular(path, max_bytes=MAX_JSON_BYTES).decode("utf-8"))


def default_genesis_json_path() -> str:
    """Where the shipped copy of the default genesis lives (`src/sc4it/data/default_genesis.json`)."""
    return os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "default_genesis.json")


def default_genesis_json() -> str:
    """The exact text of the shipped `data/default_genesis.json`: `dumps` of the default genesis with
    the dev names. Regenerate the file with `write_default_json()`."""
    return dumps(default_genesis(), named_accounts())


def write_default_json() -> None:
    """Regenerate the shipped `data/default_genesis.json` from `default_genesis()`."""
    with open(default_genesis_json_path(), "w", encoding="utf-8") as f:
        f.write(default_genesis_json())
