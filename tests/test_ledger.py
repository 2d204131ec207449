"""Balances (spec/ledger.md, LED-xx): the account record, conservation, the existential deposit, the
operations billing uses (usable, can_reserve, reserve, unreserve, repatriate, slash) and the Transfer,
Mint and Burn calls, with every error."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sc4it import calls, events, ledger
from sc4it.kernel.errors import Error, Fail
from sc4it.kernel.schema import U128_MAX
from sc4it.kernel.state import Config, State
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import AccountInfo
from sc4it.testing.bridge import STELLAR_TARGET

from .support import (
    BRIDGE,
    assert_rejected,
    conservation_problems,
    env,
    foundation_world,
    free,
    key,
    mint,
    ok,
    run,
    set_account,
    with_fields,
)

ALICE, BOB, CHARLIE = key("alice"), key("bob"), key("charlie")
NEWCOMER = key("newcomer")
ED = Config().existential_deposit


def tx_over(state: State) -> Tx:
    return Tx(state, env(), ALICE.account_id)


def fails(error: Error, fn: object, *args: object) -> None:
    with pytest.raises(Fail) as info:
        fn(*args)  # type: ignore[operator]
    assert info.value.error is error


# ------------------------------------------------------------------------------------------------
# The account record, reaping, conservation (LED-01..04)


def test_missing_account_reads_as_zero() -> None:
    """LED-01: an account without an entry has nonce 0 and no balance."""
    tx = tx_over(foundation_world())
    assert ledger.account(tx, NEWCOMER.account_id) == AccountInfo(0, 0, 0, 0)
    assert ledger.account(tx, ALICE.account_id).free == 1_000_000_000_000


def test_accounts_are_never_reaped() -> None:
    """LED-02: emptying an account (down to the ED, or its whole reserve) keeps its entry and nonce."""
    state = foundation_world({"alice": 10_000})
    out = run(state, ALICE, calls.Transfer(BOB.account_id, 10_000 - ED))
    assert out.error is None
    assert out.state.accounts[ALICE.account_id] == AccountInfo(1, ED, 0, 0)
    tx = Tx(out.state, env())
    ledger.reserve(tx, ALICE.account_id, ED)
    ledger.repatriate_reserved(tx, ALICE.account_id, BOB.account_id, ED)
    state = tx.commit()
    assert state.accounts[ALICE.account_id] == AccountInfo(1, 0, 0, 0)
    assert not conservation_problems(state)


def test_conservation_of_the_foundation_world() -> None:
    """LED-03: Σ(free + reserved) == total_issuance and total_issuance + burned == minted."""
    state = foundation_world()
    assert conservation_problems(state) == []
    assert conservation_problems(with_fields(state, minted=state.minted + 1)) != []
    assert conservation_problems(with_fields(state, total_issuance=state.total_issuance + 1)) != []


AMOUNTS = st.one_of(st.integers(0, 3 * ED), st.integers(0, 10**12), st.sampled_from([ED - 1, ED, ED + 1]))
NAMES = ["alice", "bob", "charlie", "newcomer"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["transfer", "mint", "burn"]),
            st.sampled_from(NAMES),
            st.sampled_from(NAMES),
            AMOUNTS,
        ),
        max_size=12,
    )
)
def test_conservation_across_any_sequence_of_ledger_calls(ops: list[tuple[str, str, str, int]]) -> None:
    """LED-02 LED-03 LED-14 LED-15: after any sequence of transfers, deposits and withdrawals (successful
    or not)
    conservation holds, no account disappears, and failed calls change nothing."""
    state = foundation_world()
    for block, (op, a, b, amount) in enumerate(ops, start=1):
        if op == "transfer":
            out = run(state, key(a), calls.Transfer(key(b).account_id, amount), block=block)
        elif op == "mint":  # bridge-1 proposes (always accepted), bridge-2's vote mints
            vote = calls.ProposeOrVoteMintTransaction(b"d%d" % block, key(b).account_id, amount)
            state = ok(state, BRIDGE, vote, block=block)
            out = run(state, key("bridge-2"), vote, block=block)
        else:
            out = run(state, key(b), calls.SwapToStellar(STELLAR_TARGET, amount), block=block)
        if out.error is None:
            assert set(state.accounts.keys()) <= set(out.state.accounts.keys())
        else:
            assert out.state is state and out.events == ()
        state = out.state
        assert conservation_problems(state) == []


# ------------------------------------------------------------------------------------------------
# Balance views used by billing (LED-05, LED-06)


@pytest.mark.parametrize(
    ("free_", "frozen", "usable"),
    [(1000, 0, 500), (500, 0, 0), (400, 0, 0), (0, 0, 0), (1000, 800, 200), (1000, 300, 500), (700, 900, 0)],
)
def test_usable_balance(free_: int, frozen: int, usable: int) -> None:
    """LED-05: usable = free − max(ED, frozen), floored at 0 (reserved balance is not usable)."""
    assert ledger.usable_balance(AccountInfo(0, free_, 12345, frozen), ED) == usable


@pytest.mark.parametrize(
    ("free_", "frozen", "amount", "ok"),
    [
        (1000, 0, 0, True),
        (0, 0, 0, True),
        (1000, 0, 500, True),
        (1000, 0, 501, False),  # would leave less than the ED
        (1000, 0, 1000, False),
        (1000, 0, 1001, False),
        (1000, 700, 300, True),
        (1000, 700, 301, False),  # would touch the frozen part
    ],
)
def test_can_reserve(free_: int, frozen: int, amount: int, ok: bool) -> None:
    """LED-06: amount == 0, or amount <= free and free − amount >= max(ED, frozen)."""
    assert ledger.can_reserve(AccountInfo(0, free_, 0, frozen), amount, ED) is ok
    if amount:
        assert ok == (amount <= ledger.usable_balance(AccountInfo(0, free_, 0, frozen), ED))


# ------------------------------------------------------------------------------------------------
# Reserve and unreserve (LED-07, LED-08)


def test_reserve_moves_free_to_reserved() -> None:
    """LED-07: reserve needs free >= amount and free − amount >= frozen; there is no ED term."""
    state = set_account(foundation_world({}), ALICE, AccountInfo(0, 1000, 0, 100))
    tx = tx_over(state)
    ledger.reserve(tx, ALICE.account_id, 900)
    assert ledger.account(tx, ALICE.account_id) == AccountInfo(0, 100, 900, 100)
    ledger.reserve(tx, ALICE.account_id, 0)
    assert not conservation_problems(tx.commit())


def test_reserve_errors() -> None:
    """LED-07: FundsUnavailable when amount > free, Frozen when it would touch the frozen part."""
    state = set_account(foundation_world({}), ALICE, AccountInfo(0, 1000, 0, 300))
    fails(Error.FundsUnavailable, ledger.reserve, tx_over(state), ALICE.account_id, 1001)
    fails(Error.Frozen, ledger.reserve, tx_over(state), ALICE.account_id, 701)
    fails(Error.FundsUnavailable, ledger.reserve, tx_over(state), NEWCOMER.account_id, 1)


def test_unreserve_returns_the_remainder() -> None:
    """LED-08: unreserve moves min(amount, reserved) back to free and returns what it could not move."""
    state = set_account(foundation_world({}), ALICE, AccountInfo(0, 1000, 400, 0))
    tx = tx_over(state)
    assert ledger.unreserve(tx, ALICE.account_id, 150) == 0
    assert ledger.account(tx, ALICE.account_id) == AccountInfo(0, 1150, 250, 0)
    assert ledger.unreserve(tx, ALICE.account_id, 1000) == 750
    assert ledger.account(tx, ALICE.account_id) == AccountInfo(0, 1400, 0, 0)
    assert ledger.unreserve(tx, NEWCOMER.account_id, 10) == 10
    assert NEWCOMER.account_id not in tx.accounts
    assert not conservation_problems(tx.commit())


# ------------------------------------------------------------------------------------------------
# Withdraw and deposit (LED-09, LED-10)


@pytest.mark.parametrize(
    ("free_", "frozen", "amount", "error"),
    [
        (1000, 0, 1001, Error.FundsUnavailable),
        (1000, 0, 501, Error.NotExpendable),
        (1000, 0, 1000, Error.NotExpendable),
        (1000, 800, 201, Error.Frozen),
        (1000, 800, 1000, Error.Frozen),  # Frozen is checked before the ED
        (1000, 0, 500, None),
        (1000, 600, 400, None),
        (0, 0, 0, None),  # nothing to withdraw never fails
        (100, 0, 0, None),
    ],
)
def test_withdraw_keep_alive(free_: int, frozen: int, amount: int, error: Error | None) -> None:
    """LED-09: FundsUnavailable (amount > free), Frozen (below frozen), NotExpendable (below the ED)."""
    state = set_account(foundation_world({}), ALICE, AccountInfo(0, free_, 0, frozen))
    tx = tx_over(state)
    if error is None:
        ledger.withdraw_keep_alive(tx, ALICE.account_id, amount)
        assert ledger.account(tx, ALICE.account_id).free == free_ - amount
    else:
        fails(error, ledger.withdraw_keep_alive, tx, ALICE.account_id, amount)
    assert ledger.withdraw_error(AccountInfo(0, free_, 0, frozen), amount, ED) is error


def test_deposit_creates_only_with_the_existential_deposit() -> None:
    """LED-04 LED-10: a credit of at least the ED creates the account; a smaller credit to a missing
    account is dust: burned (total issuance down, burned up)."""
    state = foundation_world()
    tx = tx_over(state)
    ledger.deposit(tx, NEWCOMER.account_id, ED - 1)
    assert NEWCOMER.account_id not in tx.accounts
    assert tx.burned == ED - 1 and tx.total_issuance == state.total_issuance - (ED - 1)
    ledger.deposit(tx, NEWCOMER.account_id, ED)
    assert ledger.account(tx, NEWCOMER.account_id) == AccountInfo(0, ED, 0, 0)
    ledger.deposit(tx, NEWCOMER.account_id, 1)  # an existing account takes any amount
    assert ledger.account(tx, NEWCOMER.account_id).free == ED + 1
    ledger.deposit(tx, key("other").account_id, 0)
    assert key("other").account_id not in tx.accounts


def test_deposit_overflow() -> None:
    """LED-10: a credit past u128 fails with Overflow."""
    state = with_fields(
        foundation_world({}),
        accounts=foundation_world({}).accounts.set(ALICE.account_id, AccountInfo(0, U128_MAX - 5, 0, 0)),
    )
    tx = tx_over(state)
    ledger.deposit(tx, ALICE.account_id, 5)
    fails(Error.Overflow, ledger.deposit, tx, ALICE.account_id, 1)


# ------------------------------------------------------------------------------------------------
# Repatriate and slash (LED-11, LED-12)


def _reserved_world(frozen: int = 0, free_: int = 10_000) -> State:
    return set_account(foundation_world({"bob": 10_000}), ALICE, AccountInfo(0, free_, 5_000, frozen))


def test_repatriate_to_an_existing_account() -> None:
    """LED-11: reserved of src -> free of dst; the remainder is what src did not have reserved."""
    tx = tx_over(_reserved_world())
    assert ledger.repatriate_reserved(tx, ALICE.account_id, BOB.account_id, 3_000) == 0
    assert ledger.account(tx, ALICE.account_id) == AccountInfo(0, 10_000, 2_000, 0)
    assert ledger.account(tx, BOB.account_id).free == 13_000
    assert ledger.repatriate_reserved(tx, ALICE.account_id, BOB.account_id, 3_000) == 1_000
    assert ledger.account(tx, ALICE.account_id).reserved == 0
    assert ledger.repatriate_reserved(tx, ALICE.account_id, BOB.account_id, 10) == 10
    assert ledger.repatriate_reserved(tx, ALICE.account_id, BOB.account_id, 0) == 0
    assert not conservation_problems(tx.commit())


def test_repatriate_to_a_missing_account() -> None:
    """LED-04 LED-11: a missing dst is created with >= ED, below the ED the amount is dust (burned)."""
    state = _reserved_world()
    tx = tx_over(state)
    assert ledger.repatriate_reserved(tx, ALICE.account_id, NEWCOMER.account_id, ED - 1) == 0
    assert NEWCOMER.account_id not in tx.accounts and tx.burned == ED - 1
    assert ledger.repatriate_reserved(tx, ALICE.account_id, NEWCOMER.account_id, ED) == 0
    assert ledger.account(tx, NEWCOMER.account_id) == AccountInfo(0, ED, 0, 0)
    assert not conservation_problems(tx.commit())


def test_repatriate_to_oneself_unreserves() -> None:
    """LED-11: src == dst moves reserved back to free."""
    tx = tx_over(_reserved_world())
    assert ledger.repatriate_reserved(tx, ALICE.account_id, ALICE.account_id, 2_000) == 0
    assert ledger.account(tx, ALICE.account_id) == AccountInfo(0, 12_000, 3_000, 0)


def test_repatriate_stops_at_the_frozen_amount() -> None:
    """LED-11: reserved funds that back the frozen amount not covered by free do not move (P-R)."""
    tx = tx_over(_reserved_world(frozen=12_000))  # free 10 000 covers 10 000; 2 000 of reserved held
    assert ledger.repatriate_reserved(tx, ALICE.account_id, BOB.account_id, 5_000) == 2_000
    assert ledger.account(tx, ALICE.account_id).reserved == 2_000
    assert ledger.repatriate_reserved(tx, ALICE.account_id, BOB.account_id, 1) == 1
    tx = tx_over(_reserved_world(frozen=20_000))  # everything held
    assert ledger.repatriate_reserved(tx, ALICE.account_id, BOB.account_id, 5_000) == 5_000


def test_pay_out_reserved_ignores_the_frozen_amount() -> None:
    """LED-16: billing's payout moves exactly the amount, frozen or not; dst credited as a deposit."""
    tx = tx_over(_reserved_world(frozen=20_000))
    ledger.pay_out_reserved(tx, ALICE.account_id, BOB.account_id, 4_000)
    assert ledger.account(tx, ALICE.account_id) == AccountInfo(0, 10_000, 1_000, 20_000)
    assert ledger.account(tx, BOB.account_id).free == 14_000
    ledger.pay_out_reserved(tx, ALICE.account_id, NEWCOMER.account_id, ED - 1)  # dust
    assert NEWCOMER.account_id not in tx.accounts and tx.burned == ED - 1
    ledger.pay_out_reserved(tx, ALICE.account_id, ALICE.account_id, 501)
    assert ledger.account(tx, ALICE.account_id) == AccountInfo(0, 10_501, 0, 20_000)
    ledger.pay_out_reserved(tx, ALICE.account_id, BOB.account_id, 0)
    assert not conservation_problems(tx.commit())


def test_slash_reserved_burns() -> None:
    """LED-12: slash destroys up to `amount` of reserved balance, counted as burned."""
    state = _reserved_world()
    tx = tx_over(state)
    assert ledger.slash_reserved(tx, ALICE.account_id, 2_000) == 0
    assert ledger.slash_reserved(tx, ALICE.account_id, 4_000) == 1_000
    assert ledger.account(tx, ALICE.account_id).reserved == 0
    assert tx.burned == state.burned + 5_000
    assert not conservation_problems(tx.commit())


# ------------------------------------------------------------------------------------------------
# Transfer (LED-13)


def test_transfer_to_an_existing_account() -> None:
    """LED-13: moves free balance; one Transfer event; the sender's nonce goes up."""
    state = foundation_world()
    out = run(state, ALICE, calls.Transfer(BOB.account_id, 12_345))
    assert out.error is None
    assert free(out.state, ALICE) == free(state, ALICE) - 12_345
    assert free(out.state, BOB) == free(state, BOB) + 12_345
    assert out.events == (events.Transfer(ALICE.account_id, BOB.account_id, 12_345),)
    assert out.state.total_issuance == state.total_issuance


def test_transfer_creating_an_account() -> None:
    """LED-04 LED-13: creating dst needs at least the ED; events Endowed then Transfer."""
    state = foundation_world()
    assert_rejected(state, run(state, ALICE, calls.Transfer(NEWCOMER.account_id, ED - 1)), Error.BelowMinimum)
    assert_rejected(state, run(state, ALICE, calls.Transfer(NEWCOMER.account_id, 0)), Error.BelowMinimum)
    out = run(state, ALICE, calls.Transfer(NEWCOMER.account_id, ED))
    assert out.error is None
    assert out.state.accounts[NEWCOMER.account_id] == AccountInfo(0, ED, 0, 0)
    assert out.events == (
        events.Endowed(NEWCOMER.account_id, ED),
        events.Transfer(ALICE.account_id, NEWCOMER.account_id, ED),
    )


def test_transfer_sender_errors() -> None:
    """LED-13 LED-09: FundsUnavailable, Frozen, NotExpendable for the sender (keep-alive)."""
    state = set_account(foundation_world({"bob": 10_000}), ALICE, AccountInfo(0, 10_000, 0, 4_000))
    assert_rejected(state, run(state, ALICE, calls.Transfer(BOB.account_id, 10_001)), Error.FundsUnavailable)
    assert_rejected(state, run(state, ALICE, calls.Transfer(BOB.account_id, 6_001)), Error.Frozen)
    state = set_account(state, ALICE, AccountInfo(0, 10_000, 0, 0))
    assert_rejected(state, run(state, ALICE, calls.Transfer(BOB.account_id, 9_501)), Error.NotExpendable)
    assert run(state, ALICE, calls.Transfer(BOB.account_id, 9_500)).error is None


def test_transfer_checks_the_sender_before_the_recipient() -> None:
    """LED-13: a poor sender to a missing account gets FundsUnavailable, not BelowMinimum."""
    state = set_account(foundation_world({}), ALICE, AccountInfo(0, 100, 0, 0))
    assert_rejected(
        state, run(state, ALICE, calls.Transfer(NEWCOMER.account_id, 200)), Error.FundsUnavailable
    )


def test_transfer_to_oneself_changes_nothing_but_the_nonce() -> None:
    """LED-13: a self-transfer passes the sender's checks, moves nothing and emits no event."""
    state = foundation_world()
    out = run(state, CHARLIE, calls.Transfer(CHARLIE.account_id, 1_000))
    assert out.error is None and out.events == ()
    assert out.state.accounts[CHARLIE.account_id] == AccountInfo(1, free(state, CHARLIE), 0, 0)
    assert_rejected(
        state, run(state, CHARLIE, calls.Transfer(CHARLIE.account_id, 150_000)), Error.NotExpendable
    )


def test_transfer_of_zero_to_an_existing_account() -> None:
    """LED-09 LED-13: a zero transfer to an existing account succeeds even from an account below the ED."""
    state = set_account(foundation_world({"bob": 10_000}), ALICE, AccountInfo(0, 100, 0, 0))
    out = run(state, ALICE, calls.Transfer(BOB.account_id, 0))
    assert out.error is None
    assert out.events == (events.Transfer(ALICE.account_id, BOB.account_id, 0),)


# ------------------------------------------------------------------------------------------------
# Minting and burning (LED-14, LED-15): only through the bridge (spec/bridge.md)


def test_mint_by_the_bridge() -> None:
    """LED-14 BRG-22: a deposit voted by the bridge validators mints to an account; minted and total
    issuance grow; Endowed if created."""
    state = foundation_world()
    out = mint(state, ALICE.account_id, 7_000)
    assert out.error is None
    assert free(out.state, ALICE) == free(state, ALICE) + 7_000
    assert out.state.minted == state.minted + 7_000
    assert out.state.total_issuance == state.total_issuance + 7_000
    assert events.Minted(ALICE.account_id, 7_000) in out.events
    out = mint(state, NEWCOMER.account_id, ED)
    created = (events.Endowed(NEWCOMER.account_id, ED), events.Minted(NEWCOMER.account_id, ED))
    assert out.events[1:3] == created
    assert not conservation_problems(out.state)


def test_mint_dust_and_overflow() -> None:
    """LED-14: a mint below the ED to a missing account is dust (minted, then burned; no account, as
    `deposit_creating`); minting past u128 fails with Overflow."""
    state = foundation_world()
    out = mint(state, NEWCOMER.account_id, ED - 1)
    assert out.error is None and NEWCOMER.account_id not in out.state.accounts
    assert out.state.minted == state.minted + ED - 1 and out.state.burned == state.burned + ED - 1
    assert not conservation_problems(out.state)
    state = with_fields(state, minted=U128_MAX - 10, burned=U128_MAX - 10 - state.total_issuance)
    assert not conservation_problems(state)
    vote = calls.ProposeOrVoteMintTransaction(b"d", ALICE.account_id, 11)
    proposed = ok(state, BRIDGE, vote)
    assert_rejected(proposed, run(proposed, key("bridge-2"), vote), Error.Overflow)
    assert mint(state, ALICE.account_id, 10).error is None


def test_burn_of_ones_own_balance() -> None:
    """LED-15 BRG-13: an account burns its own free balance (keep-alive) to withdraw; burned grows, total
    issuance shrinks."""
    state = foundation_world()
    out = run(state, ALICE, calls.SwapToStellar(STELLAR_TARGET, 9_000))
    assert out.error is None
    assert free(out.state, ALICE) == free(state, ALICE) - 9_000
    assert out.state.burned == state.burned + 9_000
    assert out.state.total_issuance == state.total_issuance - 9_000
    assert out.state.minted == state.minted
    assert out.events[0] == events.Burned(ALICE.account_id, 9_000)
    assert not conservation_problems(out.state)


def test_burn_errors() -> None:
    """LED-15 BRG-12: what the owner cannot spend it cannot burn (NotEnoughBalanceToSwap), and the
    keep-alive rule holds (NotExpendable, LED-09)."""
    state = set_account(foundation_world(), CHARLIE, AccountInfo(0, 10_000, 0, 2_000))
    swap = calls.SwapToStellar
    assert_rejected(state, run(state, CHARLIE, swap(STELLAR_TARGET, 8_001)), Error.NotEnoughBalanceToSwap)
    state = set_account(state, CHARLIE, AccountInfo(0, 10_000, 0, 0))
    assert_rejected(state, run(state, CHARLIE, swap(STELLAR_TARGET, 9_501)), Error.NotExpendable)
