"""Helpers shared by every test package (tests/, tests/registry, tests/contracts, tests/billing, ...).

- keys and a small foundation world (accounts, roles, no registry) built directly, without signed calls;
- `run` / `signed`: sign a call with the signer's current nonce and apply it;
- `assert_rejected`: the outcome of a failed call (same state object, same root, no events);
- `conservation_problems`: LED-03 as a list of messages;
- `strategy_for(t)`: a Hypothesis strategy for any encodable type, built from its annotations (the same
  annotations the codec reads), and `encodable_types()`: every record and tagged union sc4it encodes
  (both re-exported from their public home, `sc4it.testing.strategies`);
- `encoding_tables()`: the generated appendix of spec/encoding.md (`python -m tests.support
  encoding-tables --write` rewrites it; tests/test_codec.py checks it is in sync).
"""

from __future__ import annotations

import hashlib
import sys
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import attrs

from sc4it import calls
from sc4it.kernel.errors import Error
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.root import state_root
from sc4it.kernel.schema import Trailing
from sc4it.kernel.signing import Keypair, MultisigSpec, SignedCall, sign
from sc4it.kernel.state import Config, State
from sc4it.kernel.tx import BlockEnv
from sc4it.kernel.types import AccountInfo, Roles
from sc4it.runtime import Outcome, apply
from sc4it.testing.strategies import annotation_parts as _meta
from sc4it.testing.strategies import encodable_types as encodable_types
from sc4it.testing.strategies import named_unions as named_unions
from sc4it.testing.strategies import strategy_for as strategy_for

ROOT = Path(__file__).resolve().parent.parent

# ------------------------------------------------------------------------------------------------
# Keys, signers and the foundation world

TFT = 10_000_000
GENESIS_TIMESTAMP_MS = 1_628_082_000_000
"""TFChain's test mock: block n has timestamp 1628082000·1000 + 6000·n ms."""

TEST_CHAIN_ID = hashlib.blake2b(b"sc4it/tests/chain", digest_size=32).digest()
OTHER_CHAIN_ID = hashlib.blake2b(b"sc4it/tests/other-chain", digest_size=32).digest()


def key(name: str) -> Keypair:
    """A deterministic test key (not the genesis dev keys: the foundation tests do not need a genesis)."""
    return Keypair.from_seed(hashlib.blake2b(b"sc4it/tests/" + name.encode(), digest_size=32).digest())


@attrs.frozen
class Multi:
    """A multisig signer: the account spec and the keys that sign (any subset of the signatories)."""

    spec: MultisigSpec
    keys: tuple[Keypair, ...]

    @property
    def account_id(self) -> bytes:
        return self.spec.account_id()

    def with_keys(self, keys: Iterable[Keypair]) -> Multi:
        return Multi(self.spec, tuple(keys))


def multi(threshold: int, names: Sequence[str], signing: Sequence[str] | None = None) -> Multi:
    """`threshold`-of-len(names) multisig over `key(name)`; signed by `signing` (default: the first
    `threshold` names)."""
    keys = {n: key(n) for n in names}
    spec = MultisigSpec.of(threshold, [k.account_id for k in keys.values()])
    chosen = names[:threshold] if signing is None else signing
    return Multi(spec, tuple(keys[n] for n in chosen))


Signer = Keypair | Multi


def account_of(who: Signer | bytes) -> bytes:
    return who if isinstance(who, bytes) else who.account_id


COUNCIL = multi(2, ["council-1", "council-2", "council-3"])
ORACLE = multi(1, ["oracle"])
BRIDGE = key("bridge-1")
"""A bridge validator (the validators are bridge-1..3; a mint needs 2 votes)."""
BRIDGE_VALIDATORS = tuple(sorted(key(n).account_id for n in ("bridge-1", "bridge-2", "bridge-3")))
STAKING_POOL = key("staking-pool").account_id

DEFAULT_BALANCES: Mapping[str, int] = {
    # TFChain's pallet mock: alice 10^12, bob 2.5·10^9, charlie 150 000, dave 10^12
    "alice": 1_000_000_000_000,
    "bob": 2_500_000_000,
    "charlie": 150_000,
    "dave": 1_000_000_000_000,
}


def roles() -> Roles:
    return Roles(
        council=COUNCIL.account_id,
        oracle=ORACLE.account_id,
        staking_pool=STAKING_POOL,
        bridge_validators=BRIDGE_VALIDATORS,
    )


def foundation_world(
    balances: Mapping[str, int] | None = None,
    *,
    config: Config | None = None,
    chain_id: bytes = TEST_CHAIN_ID,
    accounts: Mapping[bytes, AccountInfo] | None = None,
) -> State:
    """An empty state with the test roles and funded accounts `key(name)` (free balance only), consistent
    with LED-03 (minted == total issuance == Σ balances). `accounts` adds raw entries (frozen, reserved,
    nonces...) and is counted in the issuance too."""
    entries: dict[bytes, AccountInfo] = {
        key(name).account_id: AccountInfo(0, free, 0, 0)
        for name, free in (DEFAULT_BALANCES if balances is None else balances).items()
    }
    entries.update(accounts or {})
    total = sum(a.free + a.reserved for a in entries.values())
    state = State.empty(config or Config(), roles(), chain_id=chain_id)
    return with_fields(state, accounts=PMap(entries.items()), total_issuance=total, minted=total)


def with_fields(state: State, **changes: Any) -> State:
    """The state with some fields replaced (tests only; the core builds states through a `Tx`)."""
    return attrs.evolve(state, **changes)


def set_account(
    state: State, who: Signer | bytes, info: AccountInfo, *, adjust_issuance: bool = True
) -> State:
    """Write one account entry directly; by default keep LED-03 by minting/burning the difference."""
    acc = account_of(who)
    old = state.accounts.get(acc) or AccountInfo()
    state = with_fields(state, accounts=state.accounts.set(acc, info))
    if adjust_issuance:
        delta = (info.free + info.reserved) - (old.free + old.reserved)
        state = with_fields(state, total_issuance=state.total_issuance + delta, minted=state.minted + delta)
    return state


def env(block: int = 1) -> BlockEnv:
    return BlockEnv(block, GENESIS_TIMESTAMP_MS + 6000 * block)


def nonce_of(state: State, who: Signer | bytes) -> int:
    info = state.accounts.get(account_of(who))
    return 0 if info is None else info.nonce


def signed(
    state: State, who: Signer, call: calls.Call, *, nonce: int | None = None, chain_id: bytes | None = None
) -> SignedCall:
    """`call` signed by `who` (a key or a `Multi`) with its current nonce for `state`'s chain."""
    n = nonce_of(state, who) if nonce is None else nonce
    cid = state.chain_id if chain_id is None else chain_id
    if isinstance(who, Multi):
        return sign(call, list(who.keys), n, cid, multisig=who.spec)
    return sign(call, who, n, cid)


def run(state: State, who: Signer, call: calls.Call, *, block: int = 1, **kw: Any) -> Outcome:
    """Sign `call` as `who` and apply it at `block`."""
    return apply(state, signed(state, who, call, **kw), env(block))


def ok(state: State, who: Signer, call: calls.Call, *, block: int = 1) -> State:
    """Apply a call that must succeed; returns the new state."""
    out = run(state, who, call, block=block)
    assert out.error is None, f"{type(call).__name__} failed with {out.error!r}"
    return out.state


def mint(state: State, dest: bytes, amount: int, *, deposit: bytes = b"deposit", block: int = 1) -> Outcome:
    """A bridge deposit (BRG-20): bridge-1 proposes, bridge-2 votes (2 of the 3 validators); returns the
    outcome of the deciding vote."""
    call = calls.ProposeOrVoteMintTransaction(deposit, dest, amount)
    first = run(state, key("bridge-1"), call, block=block)
    if first.error is not None:
        return first
    return run(first.state, key("bridge-2"), call, block=block)


def assert_rejected(state: State, out: Outcome, error: Error) -> None:
    """A failed call: the expected error, the very input state object, the same root, no events."""
    assert out.error is error, f"expected {error!r}, got {out.error!r}"
    assert out.state is state
    assert out.events == ()
    assert state_root(out.state) == state_root(state)


def free(state: State, who: Signer | bytes) -> int:
    info = state.accounts.get(account_of(who))
    return 0 if info is None else info.free


def conservation_problems(state: State) -> list[str]:
    """LED-03: Σ(free + reserved) == total_issuance, total_issuance + burned == minted."""
    problems = []
    total = sum(a.free + a.reserved for a in state.accounts.values())
    if total != state.total_issuance:
        problems.append(f"Σ balances {total} != total_issuance {state.total_issuance}")
    if state.total_issuance + state.burned != state.minted:
        problems.append(
            f"total_issuance {state.total_issuance} + burned {state.burned} != minted {state.minted}"
        )
    return problems


# ------------------------------------------------------------------------------------------------
# Hypothesis strategies derived from the type annotations, and every encodable type: their public home is
# `sc4it.testing.strategies` (`strategy_for`, `encodable_types`, `named_unions`), re-exported here.

# ------------------------------------------------------------------------------------------------
# The generated appendix of spec/encoding.md

BEGIN_MARK = "<!-- BEGIN GENERATED (python -m tests.support encoding-tables --write) -->"
END_MARK = "<!-- END GENERATED -->"


def notation(t: Any, unions: Mapping[int, str] | None = None) -> str:
    """The spec's notation of an annotated type (see spec/encoding.md, "Notation")."""
    names = unions if unions is not None else {id(v): k for k, v in named_unions().items()}
    origin = get_origin(t)
    if origin is Annotated:
        base, uint, ln = _meta(t)
        if uint is not None:
            return f"u{uint.bits}"
        lo, hi = (ln.min, ln.max) if ln is not None else (0, None)
        bound = "" if ln is None else (f"{lo}" if lo == hi else f"{lo}..{hi}")
        if base is bytes:
            return f"bytes[{bound}]" if bound else "bytes"
        if get_origin(base) is tuple:
            inner = notation(get_args(base)[0], names)
            return f"[{inner}; {bound}]" if bound else f"[{inner}]"
        return notation(base, names)
    if t is bool:
        return "bool"
    if t is bytes:
        return "bytes"
    if id(t) in names:
        return names[id(t)]
    if origin in (typing.Union, types.UnionType):
        present = [a for a in get_args(t) if a is not type(None)]
        inner = " | ".join(notation(a, names) for a in present)
        return f"{inner}?" if len(present) == 1 else f"({inner})?"
    if origin is tuple:
        args = get_args(t)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"[{notation(args[0], names)}]"
        return "(" + ", ".join(notation(a, names) for a in args) + ")"
    if origin is PMap:
        k, v = get_args(t)
        return f"map{{{notation(k, names)}: {notation(v, names)}}}"
    if origin is PSet:
        return f"set{{{notation(get_args(t)[0], names)}}}"
    if isinstance(t, type):
        return t.__name__
    raise TypeError(f"no notation for {t!r}")


def _fields_notation(cls: type, names: Mapping[int, str]) -> list[str]:
    hints = typing.get_type_hints(cls, include_extras=True)

    def trailing(t: Any) -> str:  # ENC-05: left out of the array while null
        extras = get_args(t)[1:] if get_origin(t) is Annotated else ()
        return " (trailing: left out while null)" if any(isinstance(m, Trailing) for m in extras) else ""

    return [f"{f.name}: {notation(hints[f.name], names)}{trailing(hints[f.name])}" for f in attrs.fields(cls)]


def encoding_tables() -> str:
    """The generated appendix of spec/encoding.md (between BEGIN_MARK and END_MARK)."""
    records, unions = encodable_types()
    names = {id(v): k for k, v in unions.items()}
    variants = {m for u in unions.values() for m in get_args(u)}
    enums: dict[type[IntEnum], None] = {}

    def find_enums(t: Any) -> None:
        if isinstance(t, type) and issubclass(t, IntEnum):
            enums[t] = None
        for a in get_args(t):
            find_enums(a)

    for cls in records:
        hints = typing.get_type_hints(cls, include_extras=True)
        for f in attrs.fields(cls):
            find_enums(hints[f.name])
    lines = [BEGIN_MARK, "", "### A. Enumerations (encoded as their integer value)", ""]
    lines += ["| enumeration | values |", "| --- | --- |"]
    for e in sorted(enums, key=lambda c: c.__name__):
        lines.append(f"| {e.__name__} | " + ", ".join(f"{m.name} = {int(m.value)}" for m in e) + " |")
    lines += ["", "### B. Records (encoded as an array of their fields, in this order)", ""]
    for cls in sorted((c for c in records if c not in variants), key=lambda c: c.__name__):
        fields = _fields_notation(cls, names)
        if len(fields) > 6:
            lines.append(f"- **{cls.__name__}** `{cls.__module__}`:")
            lines += [f"  {i}. `{fs}`" for i, fs in enumerate(fields)]
        else:
            lines.append(f"- **{cls.__name__}** `{cls.__module__}`: `[{', '.join(fields)}]`")
    section = "C"
    for uname, u in unions.items():
        lines += ["", f"### {section}. `{uname}` (a tagged union: `[tag, *fields]`)", ""]
        lines += ["| tag | member | encoding |", "| ---: | --- | --- |"]
        for m in sorted(get_args(u), key=lambda c: c.TAG):
            body = ", ".join([str(m.TAG), *_fields_notation(m, names)])
            lines.append(f"| {m.TAG} | {m.__name__} | `[{body}]` |")
        section = chr(ord(section) + 1)
    lines += ["", END_MARK]
    return "\n".join(lines)


def encoding_md_section(text: str) -> str | None:
    """The generated section of spec/encoding.md's text, or None if the markers are missing."""
    start, end = text.find(BEGIN_MARK), text.find(END_MARK)
    if start < 0 or end < start:
        return None
    return text[start : end + len(END_MARK)]


def _write_encoding_tables() -> None:
    path = ROOT / "spec" / "encoding.md"
    text = path.read_text()
    old = encoding_md_section(text)
    if old is None:
        raise SystemExit(f"{path}: markers not found")
    path.write_text(text.replace(old, encoding_tables()))


def audit_md_section(text: str) -> str | None:
    """The generated paragraph of docs/audit.md (between its markers), or None."""
    from sc4it.conformance.speccov import AUDIT_BEGIN, AUDIT_END

    start, end = text.find(AUDIT_BEGIN), text.find(AUDIT_END)
    if start < 0 or end < start:
        return None
    return text[start + len(AUDIT_BEGIN) : end].strip()


def _write_audit_counts() -> None:
    from sc4it.conformance.speccov import audit_counts_of

    path = ROOT / "docs" / "audit.md"
    text = path.read_text()
    old = audit_md_section(text)
    if old is None:
        raise SystemExit(f"{path}: markers not found")
    path.write_text(text.replace(old, audit_counts_of(ROOT), 1))


if __name__ == "__main__":
    if sys.argv[1:2] == ["encoding-tables"]:
        if "--write" in sys.argv:
            _write_encoding_tables()
        else:
            print(encoding_tables())
    elif sys.argv[1:2] == ["audit-counts"]:
        if "--write" in sys.argv:
            _write_audit_counts()
        else:
            from sc4it.conformance.speccov import audit_counts_of

            print(audit_counts_of(ROOT))
    else:
        raise SystemExit("usage: python -m tests.support {encoding-tables,audit-counts} [--write]")
