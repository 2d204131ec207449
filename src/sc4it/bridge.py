"""The TFT bridge to Stellar (spec/bridge.md, rules BRG-xx): TFChain's `pallet-tft-bridge`.

TFT leaves for Stellar only when its owner signs `SwapToStellar`, which burns the owner's own tokens and
records a burn transaction for the bridge validators to pay out on Stellar. TFT arrives from Stellar only
when a majority of the bridge validators vote for the same deposit (`ProposeOrVoteMintTransaction`); each
deposit (its Stellar transaction id) is minted once. The council manages the validators and the fees.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from sc4it import ledger
from sc4it.kernel import calls as c
from sc4it.kernel.bridge_records import BurnTransaction, MintTransaction, StellarSignature
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import (
    Burned,
    BurnTransactionCreated,
    BurnTransactionProcessed,
    BurnTransactionReady,
    BurnTransactionSignatureAdded,
    Endowed,
    MintCompleted,
    Minted,
    MintTransactionProposed,
    MintTransactionVoted,
)
from sc4it.kernel.origins import ensure_bridge_validator, ensure_council
from sc4it.kernel.schema import U64_MAX, U128_MAX
from sc4it.kernel.state import State
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import MAX_ROLE_MEMBERS

# ------------------------------------------------------------------------------------------------
# Stellar addresses (BRG-11)

_STRKEY_ACCOUNT_VERSION = 6 << 3  # "G..." : an ed25519 public key


def _crc16_xmodem(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def is_stellar_public_key(address: bytes) -> bool:
    """BRG-11: `address` is a Stellar account address (strkey "G..."): 56 base32 characters that decode
    to the version byte 6·8, a 32-byte ed25519 key and its CRC16-XModem checksum (little-endian)."""
    if len(address) != 56:
        return False
    try:
        raw = base64.b32decode(address, casefold=False)
    except ValueError:
        return False
    if len(raw) != 35 or raw[0] != _STRKEY_ACCOUNT_VERSION:
        return False
    if base64.b32encode(raw).rstrip(b"=") != address:  # canonical: no stray bits in the last character
        return False
    return _crc16_xmodem(raw[:33]).to_bytes(2, "little") == raw[33:]


def stellar_address(public_key: bytes) -> bytes:
    """The Stellar account address of a 32-byte ed25519 public key (tests and tools)."""
    assert len(public_key) == 32
    body = bytes([_STRKEY_ACCOUNT_VERSION]) + public_key
    return base64.b32encode(body + _crc16_xmodem(body).to_bytes(2, "little")).rstrip(b"=")


# ------------------------------------------------------------------------------------------------
# Helpers


def threshold(tx: Tx) -> int:
    """BRG-05: a majority of the bridge validators, `len / 2 + 1` (integer division)."""
    return len(tx.roles.bridge_validators) // 2 + 1


def _credit_minted(tx: Tx, who: bytes, amount: int) -> None:
    """BRG-22: `deposit_creating`: mint `amount` to `who` (a missing account below the ED is dust and
    never exists, LED-10)."""
    if amount == 0:
        return
    if tx.minted + amount > U128_MAX:  # (total issuance <= minted)
        fail(Error.Overflow)
    created = who not in tx.accounts
    tx.minted = tx.minted + amount
    tx.total_issuance = tx.total_issuance + amount
    ledger.deposit(tx, who, amount)
    if created and who in tx.accounts:
        tx.emit(Endowed(who, amount))
    tx.emit(Minted(who, amount))


def _with_validator(validators: tuple[bytes, ...], who: bytes) -> tuple[bytes, ...]:
    return tuple(sorted((*validators, who)))


# ------------------------------------------------------------------------------------------------
# Council calls (BRG-01..BRG-03)


def handle_add_bridge_validator(tx: Tx, call: c.AddBridgeValidator) -> None:
    """BRG-01."""
    ensure_council(tx)  # BRG-01
    roles = tx.roles
    if call.target in roles.bridge_validators:  # BRG-01
        fail(Error.ValidatorExists)
    if len(roles.bridge_validators) >= MAX_ROLE_MEMBERS:  # BRG-01: the codec bound
        fail(Error.TooManyMembers)
    tx.roles = roles.with_bridge_validators(_with_validator(roles.bridge_validators, call.target))


def handle_remove_bridge_validator(tx: Tx, call: c.RemoveBridgeValidator) -> None:
    """BRG-02."""
    ensure_council(tx)  # BRG-02
    roles = tx.roles
    if call.target not in roles.bridge_validators:  # BRG-02
        fail(Error.ValidatorNotExists)
    tx.roles = roles.with_bridge_validators(tuple(v for v in roles.bridge_validators if v != call.target))


def handle_set_fee_account(tx: Tx, call: c.SetFeeAccount) -> None:
    """BRG-03: council; the bridge's fee account."""
    ensure_council(tx)
    tx.fee_account = call.target


def handle_set_withdraw_fee(tx: Tx, call: c.SetWithdrawFee) -> None:
    """BRG-03: council; the withdrawal fee."""
    ensure_council(tx)
    tx.withdraw_fee = call.amount


def handle_set_deposit_fee(tx: Tx, call: c.SetDepositFee) -> None:
    """BRG-03: council; the deposit fee."""
    ensure_council(tx)
    tx.deposit_fee = call.amount


# ------------------------------------------------------------------------------------------------
# Withdrawals: TFChain -> Stellar (BRG-10..BRG-14, BRG-30..BRG-34)


def handle_swap_to_stellar(tx: Tx, call: c.SwapToStellar) -> None:
    """BRG-10..BRG-14: the signer burns `amount` of its own free balance; the withdraw fee goes to the fee
    account; a burn transaction of `amount - fee` to `target_stellar_address` is recorded."""
    if not is_stellar_public_key(call.target_stellar_address):  # BRG-11
        fail(Error.InvalidStellarPublicKey)
    fee = tx.withdraw_fee
    if call.amount <= fee:  # BRG-12
        fail(Error.AmountIsLessThanWithdrawFee)
    info = ledger.account(tx, tx.who)
    usable = info.free - info.frozen if info.free > info.frozen else 0
    if call.amount > usable:  # BRG-12
        fail(Error.NotEnoughBalanceToSwap)
    if tx.burn_transaction_id >= U64_MAX:  # BRG-14, checked with BRG-12
        fail(Error.Overflow)
    ledger.withdraw_keep_alive(tx, tx.who, call.amount)  # BRG-13 (LED-09's errors)
    fee_account = tx.fee_account
    kept = fee if fee_account is not None else 0
    tx.burned = tx.burned + call.amount - kept
    tx.total_issuance = tx.total_issuance - (call.amount - kept)
    tx.emit(Burned(tx.who, call.amount - kept))
    if kept:
        created = fee_account not in tx.accounts
        ledger.deposit(tx, fee_account, kept)  # type: ignore[arg-type]
        if created and fee_account in tx.accounts:
            tx.emit(Endowed(fee_account, kept))  # type: ignore[arg-type]
    burn_id = tx.burn_transaction_id + 1  # BRG-14
    tx.burn_transaction_id = burn_id
    amount = min(call.amount, U64_MAX) - fee
    tx.emit(BurnTransactionCreated(burn_id, tx.who, call.target_stellar_address, amount))
    burn = BurnTransaction(tx.block, amount, tx.who, call.target_stellar_address, (), 0)
    tx.burn_transactions[burn_id] = burn


def _pending_burn(tx: Tx, transaction_id: int) -> BurnTransaction:
    """The recorded withdrawal `transaction_id`, not yet executed (BRG-30, BRG-33)."""
    if transaction_id in tx.executed_burn_transactions:
        fail(Error.BurnTransactionAlreadyExecuted)
    burn = tx.burn_transactions.get(transaction_id)
    if burn is None:
        fail(Error.BurnTransactionNotExists)
    return burn


def handle_propose_burn_transaction_or_add_sig(tx: Tx, call: c.ProposeBurnTransactionOrAddSig) -> None:
    """BRG-30..BRG-32: a validator adds its Stellar signature to a recorded withdrawal."""
    ensure_bridge_validator(tx)
    burn = _pending_burn(tx, call.transaction_id)
    if burn.amount != call.amount or burn.target != call.target:  # BRG-30
        fail(Error.WrongParametersProvided)
    needed = threshold(tx)
    if len(burn.signatures) == needed:  # BRG-31 (TFChain compares with ==)
        fail(Error.EnoughBurnSignaturesPresent)
    for sig in burn.signatures:
        if sig.stellar_pub_key == call.stellar_pub_key or sig.signature == call.signature:  # BRG-31
            fail(Error.BurnSignatureExists)
    if len(burn.signatures) >= MAX_ROLE_MEMBERS:  # the codec bound; a majority never needs more
        fail(Error.TooManyMembers)
    added = StellarSignature(call.signature, call.stellar_pub_key)
    burn = burn.with_signature(added, call.sequence_number)
    tx.burn_transactions[call.transaction_id] = burn
    tx.emit(BurnTransactionSignatureAdded(call.transaction_id, added))
    if len(burn.signatures) >= needed:  # BRG-32
        tx.emit(BurnTransactionReady(call.transaction_id))


def handle_set_burn_transaction_executed(tx: Tx, call: c.SetBurnTransactionExecuted) -> None:
    """BRG-33: a validator marks a withdrawal as paid out on Stellar."""
    ensure_bridge_validator(tx)
    burn = _pending_burn(tx, call.transaction_id)
    tx.burn_transactions.pop(call.transaction_id)
    tx.executed_burn_transactions[call.transaction_id] = burn
    tx.emit(BurnTransactionProcessed(burn))


# ------------------------------------------------------------------------------------------------
# Deposits: Stellar -> TFChain (BRG-20..BRG-24)


def handle_propose_or_vote_mint_transaction(tx: Tx, call: c.ProposeOrVoteMintTransaction) -> None:
    """BRG-20..BRG-24: a validator proposes or votes for minting a Stellar deposit; the vote that reaches
    the majority mints it."""
    ensure_bridge_validator(tx)
    if call.transaction in tx.executed_mint_transactions:  # BRG-21
        fail(Error.MintTransactionAlreadyExecuted)
    mint = tx.mint_transactions.get(call.transaction)
    if mint is None:
        mint = MintTransaction(call.amount, call.target, tx.block, 0, ())
        tx.emit(MintTransactionProposed(call.transaction, call.target, call.amount))
    else:
        if tx.who in mint.voters:  # DEV-BRG-1
            fail(Error.TransactionValidatorExists)
        if mint.target != call.target or mint.amount != call.amount:  # DEV-BRG-2
            fail(Error.WrongParametersProvided)
    mint = mint.with_vote(tx.who)
    tx.emit(MintTransactionVoted(call.transaction))
    tx.mint_transactions[call.transaction] = mint
    if mint.votes >= threshold(tx):  # BRG-22
        _mint(tx, call.transaction, mint)


def _mint(tx: Tx, transaction: bytes, mint: MintTransaction) -> None:
    """BRG-22..BRG-24: `amount - deposit fee` to the target, the fee to the fee account (if set), and the
    deposit moves to the executed ones (stamped with this block)."""
    fee = tx.deposit_fee
    if mint.amount <= fee:  # BRG-23: the whole vote fails
        fail(Error.AmountIsLessThanDepositFee)
    _credit_minted(tx, mint.target, mint.amount - fee)
    fee_account = tx.fee_account
    if fee_account is not None:
        _credit_minted(tx, fee_account, fee)
    tx.mint_transactions.pop(transaction)
    done = mint.with_block(tx.block)
    tx.executed_mint_transactions[transaction] = done
    tx.emit(MintCompleted(done, transaction))


# ------------------------------------------------------------------------------------------------
# Building deposits (tools and tests; not rules)


def deposit_id(state: State, salt: bytes = b"") -> bytes:
    """A Stellar transaction id no deposit of `state` uses yet (derived from the number of deposits seen
    so far, so it is deterministic)."""
    n = len(state.mint_transactions) + len(state.executed_mint_transactions)
    return hashlib.blake2b(b"sc4it/testing/deposit/%d/" % n + salt, digest_size=32).hexdigest().encode()


def voters(state: State, names: Mapping[str, bytes]) -> list[str]:
    """The names (from `names`: name -> account) of the first majority of the bridge validators."""
    validators = state.roles.bridge_validators
    by_account = {acc: name for name, acc in names.items() if acc in validators}
    needed = len(validators) // 2 + 1
    chosen = [by_account[v] for v in validators if v in by_account][:needed]
    if len(chosen) < needed:
        raise ValueError("not enough bridge validators have signers")
    return chosen


def deposit_calls(
    state: State, names: Mapping[str, bytes], dest: bytes, amount: int, salt: bytes = b""
) -> list[tuple[str, c.ProposeOrVoteMintTransaction]]:
    """The votes that credit `dest` with exactly `amount` (the deposit fee is added to the deposit)."""
    call = c.ProposeOrVoteMintTransaction(deposit_id(state, salt), dest, amount + state.deposit_fee)
    return [(name, call) for name in voters(state, names)]


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.AddBridgeValidator: handle_add_bridge_validator,
    c.RemoveBridgeValidator: handle_remove_bridge_validator,
    c.SetFeeAccount: handle_set_fee_account,
    c.SetWithdrawFee: handle_set_withdraw_fee,
    c.SetDepositFee: handle_set_deposit_fee,
    c.SwapToStellar: handle_swap_to_stellar,
    c.ProposeOrVoteMintTransaction: handle_propose_or_vote_mint_transaction,
    c.ProposeBurnTransactionOrAddSig: handle_propose_burn_transaction_or_add_sig,
    c.SetBurnTransactionExecuted: handle_set_burn_transaction_executed,
}
