"""The state-transition function: `apply` for signed calls, `on_block` for the per-block hook.

The path of a call (spec/signing.md): chain id -> multisig spec -> known signer -> nonce -> signatures
-> the handler from the one dispatch table `HANDLERS` -> commit (nonce + 1) or, on `Fail`, the input
state unchanged with the error.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from sc4it import bridge, contracts, ledger, registry, roles
from sc4it.contracts import billing, service
from sc4it.kernel.errors import DecodeError, Error, Fail
from sc4it.kernel.events import Event
from sc4it.kernel.signing import Mortality, SignedCall, call_data, payload_of, verify
from sc4it.kernel.state import State
from sc4it.kernel.tx import NOTHING_TOUCHED, BlockEnv, Handler, Touched, Tx, merge_handlers
from sc4it.kernel.types import AccountInfo

BlockHook = Callable[[Tx], None]
"""A per-block hook works on the block's transaction; it makes its own steps atomic (`Tx.savepoint`)."""


@attrs.frozen(slots=True, weakref_slot=False)
class Outcome:
    """Result of `apply` / `on_block`: the new state, the events, and the error (None on success).
    On error `state` is the very input state object and `events` is empty. (No `__weakref__` slot:
    `_outcome` relies on the slots being exactly the fields.)"""

    state: State
    events: tuple[Event, ...] = ()
    error: Error | None = None
    touched: Touched = attrs.field(default=NOTHING_TOUCHED, eq=False, repr=False)
    """The keys and fields the transaction wrote (`Tx.touched`), for incremental commitments
    (`sc4it.kernel.commitment`); not part of the outcome's value (ignored by `==`)."""

    @property
    def ok(self) -> bool:
        return self.error is None


class _ThawedOutcome:
    """`Outcome`'s slot layout without its frozen `__setattr__` (see `_outcome`)."""

    __slots__ = Outcome.__slots__


def _outcome(state: State, events: tuple[Event, ...], touched: Touched) -> Outcome:
    """`Outcome(state, events, None, touched)`, built as `evolve_state` builds a `State` (plain stores,
    then a `__class__` switch): one per applied call and per block."""
    o: Outcome = _ThawedOutcome()  # type: ignore[assignment]
    o.state = state  # type: ignore[misc]
    o.events = events  # type: ignore[misc]
    o.error = None  # type: ignore[misc]
    o.touched = touched  # type: ignore[misc]
    o.__class__ = Outcome
    return o


HANDLERS: dict[type, Handler] = merge_handlers(
    ledger.HANDLERS,
    registry.HANDLERS,
    contracts.HANDLERS,
    billing.HANDLERS,
    service.HANDLERS,
    bridge.HANDLERS,
    roles.HANDLERS,
)
"""The one dispatch table {call class: handler} (SIG-14)."""
BLOCK_HOOKS: tuple[BlockHook, ...] = tuple(billing.BLOCK_HOOKS)
"""STATE-09: the per-block hooks, in order (billing)."""


def handlers() -> dict[type, Handler]:
    """The dispatch table {call class: handler}."""
    return HANDLERS


def check_validity(
    state: State, signed: SignedCall, block: int | None = None, *, signatures_checked: bool = False
) -> Error | None:
    """SIG-05..SIG-11, SIG-16: everything about a signed call that does not depend on what it does. The
    era of a mortal call is checked against `block` (`apply` passes its block; without one only its
    period is). `signatures_checked`: the caller already found `check_signatures(signed)` to be None
    (BLK-25)."""
    nonce = current_nonce(state, signed, block)
    if isinstance(nonce, Error):
        return nonce
    if signed.nonce < nonce:
        return Error.StaleNonce
    if signed.nonce > nonce:
        return Error.FutureNonce
    return None if signatures_checked else check_signatures(signed)


def current_nonce(state: State, signed: SignedCall, block: int | None = None) -> int | Error:
    """SIG-05..SIG-07, SIG-16: the chain id, a mortal call's era (against `block` if given), the multisig
    spec and the signer of `signed`; the signer's current nonce, or the first error. (A mempool checks the
    nonce against it in its own way, MEM-03.)"""
    if signed.chain_id != state.chain_id:
        return Error.WrongChainId
    era = signed.mortality
    if era is not None:
        error = era_error(era, block)
        if error is not None:
            return error
    spec = signed.multisig
    if spec is not None and (not spec.is_well_formed() or spec.account_id() != signed.signer):
        return Error.InvalidMultisig
    info = state.accounts.get(signed.signer)
    if info is not None:
        return info.nonce
    if not state.roles.may_sign_unfunded(signed.signer):
        return Error.UnknownSigner
    return 0


def check_signatures(signed: SignedCall) -> Error | None:
    """SIG-15, then SIG-09, SIG-10: the call within its bounds, the signatures of `signed` over its
    signing payload (SIG-04)."""
    try:
        call_obj = call_data(signed.call)
    except DecodeError:
        return Error.MalformedCall  # SIG-15
    payload = payload_of(signed.chain_id, signed.signer, signed.nonce, call_obj, signed.mortality)
    spec = signed.multisig
    if spec is None:
        if len(signed.signatures) != 1:
            return Error.BadSignature
        sig = signed.signatures[0]
        if sig.public_key != signed.signer or not verify(sig.public_key, payload, sig.signature):
            return Error.BadSignature
        return None
    members = set(spec.signatories)
    verified: set[tuple[bytes, bytes]] = set()
    for sig in signed.signatures:  # SIG-10: every signature valid and by a member; duplicates count once
        pair = (sig.public_key, sig.signature)
        if pair in verified:
            continue  # an exact repeat is not verified twice
        if sig.public_key not in members or not verify(sig.public_key, payload, sig.signature):
            return Error.BadSignature
        verified.add(pair)
    if len({public_key for public_key, _ in verified}) < spec.threshold:
        return Error.NotEnoughSignatures
    return None


def era_error(era: Mortality, block: int | None) -> Error | None:
    """SIG-16: `InvalidEra`, `FutureBirthBlock` or `AncientBirthBlock`, or None if `block` is in the era (or
    no block is given: only the period is checked then)."""
    if not era.is_well_formed():
        return Error.InvalidEra
    if block is None:
        return None
    if block < era.birth:
        return Error.FutureBirthBlock
    if block >= era.birth + era.period:
        return Error.AncientBirthBlock
    return None


def apply(state: State, signed: SignedCall, env: BlockEnv, *, signatures_checked: bool = False) -> Outcome:
    """Apply one signed call at block `env`. Never raises for a decodable `signed`.
    `signatures_checked`: the caller already found `check_signatures(signed)` to be None (a pure function
    of the call: the outcome is the same, only the signature check is not repeated; BLK-25)."""
    error = check_validity(state, signed, env.number, signatures_checked=signatures_checked)
    if error is not None:
        return Outcome(state, (), error)
    handler = HANDLERS.get(type(signed.call))
    if handler is None:  # pragma: no cover - every call class has a handler (tested)
        return Outcome(state, (), Error.CallNotAllowed)
    tx = Tx(state, env, signed.signer)
    try:
        handler(tx, signed.call)
    except Fail as f:
        return Outcome(state, (), f.error)
    info = tx.accounts.get(signed.signer) or AccountInfo()
    tx.accounts[signed.signer] = info.with_next_nonce()
    new_state, touched = tx.finish()
    return _outcome(new_state, tuple(tx.events), touched)


def consume_nonce(state: State, signer: bytes, env: BlockEnv) -> Outcome:
    """BLK-23, SIG-12: a valid call that failed in its handler, in a block, still uses its nonce (as a
    Substrate extrinsic whose dispatch fails): the new state is `state` with the signer's nonce + 1 (a
    role account without an entry gets one), nothing else. Without it a failed call could be included
    again by anyone, later, when it would succeed."""
    tx = Tx(state, env, signer)
    info = tx.accounts.get(signer) or AccountInfo()
    tx.accounts[signer] = info.with_next_nonce()
    new_state, touched = tx.finish()
    return _outcome(new_state, (), touched)


def on_block(state: State, env: BlockEnv) -> Outcome:
    """Run the per-block hooks (billing) for block `env`, on one transaction. A hook is a sequence of
    atomic steps (one per contract billed); a failing step leaves no trace and does not stop the others."""
    tx = Tx(state, env)
    for hook in BLOCK_HOOKS:
        hook(tx)
    new_state, touched = tx.finish()
    return _outcome(new_state, tuple(tx.events), touched)
