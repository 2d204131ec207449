"""Balances (spec/ledger.md, rules LED-xx): free and reserved balances, the existential deposit, and the
operations billing uses (reserve, repatriate) with pallet-balances' semantics as TFChain configures it.

sc4it never reaps an account (its nonce must survive to stop replays); see LED-02.
Conservation (LED-03): Σ(free + reserved) == total_issuance and total_issuance + burned == minted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import Endowed, Transfer
from sc4it.kernel.schema import U128_MAX
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import AccountInfo

_EMPTY = AccountInfo()


def account(tx: Tx, who: bytes) -> AccountInfo:
    info = tx.accounts.get(who)
    return _EMPTY if info is None else info


def usable_balance(info: AccountInfo, existential_deposit: int) -> int:
    """LED-05: what billing may take: free − max(ED, frozen), floored at 0."""
    keep = max(existential_deposit, info.frozen)
    return info.free - keep if info.free > keep else 0


def can_reserve(info: AccountInfo, amount: int, existential_deposit: int) -> bool:
    """LED-06: amount == 0, or free − amount stays ≥ ED and ≥ frozen."""
    if amount == 0:
        return True
    if amount > info.free:
        return False
    rest = info.free - amount
    return rest >= existential_deposit and rest >= info.frozen


def reserve(tx: Tx, who: bytes, amount: int) -> None:
    """LED-07: move `amount` from free to reserved; needs free ≥ amount (else FundsUnavailable) and
    free − amount ≥ frozen (else Frozen). No ED term: billing asks `can_reserve` (LED-06) first."""
    if amount == 0:
        return
    info = account(tx, who)
    if amount > info.free:
        fail(Error.FundsUnavailable)
    if info.free - amount < info.frozen:
        fail(Error.Frozen)
    tx.accounts[who] = info.with_balances(info.free - amount, info.reserved + amount)


def unreserve(tx: Tx, who: bytes, amount: int) -> int:
    """LED-08: move up to `amount` back from reserved to free; returns what could not be moved."""
    assert amount >= 0, "an unreserve is never negative"
    info = account(tx, who)
    moved = min(amount, info.reserved)
    if moved:
        tx.accounts[who] = info.with_balances(info.free + moved, info.reserved - moved)
    return amount - moved


def deposit(tx: Tx, who: bytes, amount: int) -> None:
    """LED-10: credit free balance (LED-04: an account that does not exist is only created with ≥ ED; a
    smaller credit to a missing account is dust, burned, as pallet-balances drops it); Overflow past u128."""
    assert amount >= 0, "a deposit is never negative"
    if amount == 0:
        return
    info = tx.accounts.get(who)
    if info is None:
        if amount < tx.config.existential_deposit:
            tx.burned = tx.burned + amount
            tx.total_issuance = tx.total_issuance - amount
            return
        info = _EMPTY
    if info.free + amount > U128_MAX:
        fail(Error.Overflow)
    tx.accounts[who] = info.with_balances(info.free + amount, info.reserved)


def repatriate_reserved(tx: Tx, src: bytes, dst: bytes, amount: int) -> int:
    """LED-11: move up to `amount` of `src`'s reserved balance to `dst`'s free balance (a missing `dst` is
    created, or the amount is dust if below the ED, see `deposit`); returns the remainder that could not be
    moved (0 on success), as `repatriate_reserved` does."""
    assert amount >= 0, "a repatriation is never negative"
    if amount == 0:
        return 0
    info = account(tx, src)
    # pallet-balances moves reserved funds only down to the frozen amount not covered by free (P-R)
    held = info.frozen - info.free if info.frozen > info.free else 0
    moved = min(amount, info.reserved - held if info.reserved > held else 0)
    if moved == 0:
        return amount
    tx.accounts[src] = info.with_balances(info.free, info.reserved - moved)
    if src == dst:
        dinfo = account(tx, dst)
        tx.accounts[dst] = dinfo.with_balances(dinfo.free + moved, dinfo.reserved)
    else:
        deposit(tx, dst, moved)
    return amount - moved


def pay_out_reserved(tx: Tx, src: bytes, dst: bytes, amount: int) -> None:
    """Billing payouts (spec/distribution.md DST-10, DEV-BIL-6): move exactly `amount` of `src`'s reserved
    balance to `dst`'s free balance (a missing `dst` is created, or the amount is dust, see `deposit`),
    whatever `src`'s frozen amount: a contract's reserve is earmarked for its beneficiaries, so a lock added
    later does not hold it back (`repatriate_reserved` does, as pallet-balances, reference P-R).
    Precondition (the caller checks): `amount <= reserved`."""
    assert amount >= 0, "a payout is never negative"
    if amount == 0:
        return
    info = account(tx, src)
    assert amount <= info.reserved, "DST-10: the caller pays out only what the contract holds in reserve"
    tx.accounts[src] = info.with_balances(info.free, info.reserved - amount)
    if src == dst:
        dinfo = account(tx, dst)
        tx.accounts[dst] = dinfo.with_balances(dinfo.free + amount, dinfo.reserved)
    else:
        deposit(tx, dst, amount)


def move_all_reserved(tx: Tx, src: bytes, dst: bytes) -> int:
    """TTR-24: move the whole reserved balance of `src` to `dst`'s reserved balance (Substrate's
    `repatriate_reserved(src, dst, all, Reserved)`), whatever `src`'s frozen amount (DEV-REG-9); returns
    the amount moved. Free and frozen balances and the issuance do not change."""
    info = account(tx, src)
    amount = info.reserved
    if amount == 0 or src == dst:
        return 0
    tx.accounts[src] = info.with_balances(info.free, 0)
    dinfo = account(tx, dst)
    tx.accounts[dst] = dinfo.with_balances(dinfo.free, dinfo.reserved + amount)
    return amount


def slash_reserved(tx: Tx, who: bytes, amount: int) -> int:
    """LED-12: destroy up to `amount` of `who`'s reserved balance (counted as burned); returns the
    remainder."""
    assert amount >= 0, "a slash is never negative"
    info = account(tx, who)
    taken = min(amount, info.reserved)
    if taken:
        tx.accounts[who] = info.with_balances(info.free, info.reserved - taken)
        tx.burned = tx.burned + taken
        tx.total_issuance = tx.total_issuance - taken
    return amount - taken


def withdraw_error(info: AccountInfo, amount: int, existential_deposit: int) -> Error | None:
    """LED-09: why a keep-alive debit of `amount` from free balance is refused (None: it is allowed)."""
    if amount == 0:
        return None
    if amount > info.free:
        return Error.FundsUnavailable
    rest = info.free - amount
    if rest < info.frozen:
        return Error.Frozen
    if rest < existential_deposit:
        return Error.NotExpendable
    return None


def withdraw_keep_alive(tx: Tx, who: bytes, amount: int) -> None:
    """LED-09: debit free balance; the account must keep ≥ frozen and ≥ ED."""
    info = account(tx, who)
    error = withdraw_error(info, amount, tx.config.existential_deposit)
    if error is not None:
        fail(error)
    assert info.free - amount >= max(info.frozen, tx.config.existential_deposit) or amount == 0
    if amount:
        tx.accounts[who] = info.with_balances(info.free - amount, info.reserved)


def transfer(tx: Tx, src: bytes, dst: bytes, amount: int) -> None:
    """LED-13: keep-alive transfer of free balance: the sender's checks first (LED-09), then creating
    `dst` needs amount ≥ ED (BelowMinimum). A transfer to oneself passes the same checks and changes
    nothing (no event), as pallet-balances does."""
    error = withdraw_error(account(tx, src), amount, tx.config.existential_deposit)
    if error is not None:
        fail(error)
    if dst not in tx.accounts and amount < tx.config.existential_deposit:
        fail(Error.BelowMinimum)
    if src == dst:
        return
    withdraw_keep_alive(tx, src, amount)
    created = dst not in tx.accounts
    deposit(tx, dst, amount)
    if created:
        tx.emit(Endowed(dst, amount))
    tx.emit(Transfer(src, dst, amount))


# ------------------------------------------------------------------------------------------------
# Handlers


def handle_transfer(tx: Tx, call: c.Transfer) -> None:
    transfer(tx, tx.who, call.dest, call.amount)


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.Transfer: handle_transfer,
}
