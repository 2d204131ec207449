"""The TFT bridge (spec/bridge.md, BRG rules), with the numbers of TFChain's pallet-tft-bridge tests
(`substrate-node/pallets/pallet-tft-bridge/src/tests.rs`): validators alice, bob, eve, ferdie (a majority
is 3), fee account ferdie (no funds), deposit and withdraw fee 500 000 000 units, bob 2 500 000 000."""

from __future__ import annotations

import attrs

from sc4it import calls, events
from sc4it.bridge import is_stellar_public_key, stellar_address
from sc4it.kernel.bridge_records import BurnTransaction, MintTransaction, StellarSignature
from sc4it.kernel.errors import Error
from sc4it.kernel.state import State
from sc4it.kernel.types import AccountInfo
from sc4it.testing.bridge import STELLAR_TARGET

from .support import (
    COUNCIL,
    assert_rejected,
    conservation_problems,
    foundation_world,
    free,
    key,
    ok,
    run,
    set_account,
)

FEE = 500_000_000
TFCHAIN_TARGET = b"GBIYYEQO73AYJEADTHMTF5M42WICTHU55IIT2CPEZBBLLDSJ322OGW7Z"
ALICE, BOB, EVE, FERDIE = key("alice"), key("bob"), key("eve"), key("ferdie")


def tfchain_world() -> State:
    """TFChain's `prepare_validators()`: the council adds alice, bob, eve and ferdie, sets ferdie as the
    fee account and both fees to 500 000 000 (BRG-01, BRG-03)."""
    state = foundation_world()
    state = ok(state, COUNCIL, calls.RemoveBridgeValidator(key("bridge-1").account_id))
    for name in ("bridge-2", "bridge-3"):
        state = ok(state, COUNCIL, calls.RemoveBridgeValidator(key(name).account_id))
    for who in (ALICE, BOB, EVE, FERDIE):
        state = ok(state, COUNCIL, calls.AddBridgeValidator(who.account_id))
    state = ok(state, COUNCIL, calls.SetFeeAccount(FERDIE.account_id))
    state = ok(state, COUNCIL, calls.SetDepositFee(FEE))
    return ok(state, COUNCIL, calls.SetWithdrawFee(FEE))


def test_council_manages_validators_and_fees() -> None:
    """BRG-01 BRG-02 BRG-03 (TFChain `add_validator_works`, `add_validator_non_root_fails`,
    `removing_validator_works`): only the council adds and removes validators, kept sorted; twice is
    `ValidatorExists`, removing a stranger `ValidatorNotExists`; fees and fee account are stored."""
    state = tfchain_world()
    assert state.roles.bridge_validators == tuple(sorted(k.account_id for k in (ALICE, BOB, EVE, FERDIE)))
    assert (state.fee_account, state.deposit_fee, state.withdraw_fee) == (FERDIE.account_id, FEE, FEE)
    add = calls.AddBridgeValidator(key("dave").account_id)
    assert_rejected(state, run(state, ALICE, add), Error.BadOrigin)
    assert_rejected(
        state, run(state, COUNCIL, calls.AddBridgeValidator(BOB.account_id)), Error.ValidatorExists
    )
    remove = calls.RemoveBridgeValidator(key("dave").account_id)
    assert_rejected(state, run(state, COUNCIL, remove), Error.ValidatorNotExists)
    out = run(state, COUNCIL, calls.RemoveBridgeValidator(BOB.account_id))
    assert out.error is None and out.events == ()
    assert BOB.account_id not in out.state.roles.bridge_validators
    for call in (calls.SetFeeAccount(ALICE.account_id), calls.SetWithdrawFee(1), calls.SetDepositFee(1)):
        assert_rejected(state, run(state, ALICE, call), Error.BadOrigin)


def test_too_many_validators() -> None:
    """BRG-01: at most 100 validators (the codec bound): the 101st is `TooManyMembers`."""
    state = foundation_world()
    many = tuple(sorted(i.to_bytes(32, "big") for i in range(1, 101)))
    state = attrs.evolve(state, roles=attrs.evolve(state.roles, bridge_validators=many))
    add = calls.AddBridgeValidator(bytes([0xFF]) * 32)
    assert_rejected(state, run(state, COUNCIL, add), Error.TooManyMembers)


def test_mint_flow() -> None:
    """BRG-05 BRG-20 BRG-21 BRG-22 BRG-24 (TFChain `mint_flow`): alice proposes 750 000 000 for bob, bob
    votes (2 votes of the 3 needed: nothing minted), eve's vote mints: bob 2 750 000 000, fee account
    ferdie 500 000 000; the executed record has 3 votes."""
    state = tfchain_world()
    deposit = calls.ProposeOrVoteMintTransaction(b"some_tx", BOB.account_id, 750_000_000)
    out = run(state, ALICE, deposit)
    assert out.events == (
        events.MintTransactionProposed(b"some_tx", BOB.account_id, 750_000_000),
        events.MintTransactionVoted(b"some_tx"),
    )
    state = ok(out.state, BOB, deposit)
    assert state.mint_transactions[b"some_tx"].votes == 2
    assert free(state, BOB) == 2_500_000_000
    out = run(state, EVE, deposit, block=3)
    assert out.error is None
    voters = tuple(sorted(k.account_id for k in (ALICE, BOB, EVE)))
    done = MintTransaction(750_000_000, BOB.account_id, 3, 3, voters)
    assert out.events == (
        events.MintTransactionVoted(b"some_tx"),
        events.Minted(BOB.account_id, 250_000_000),
        events.Endowed(FERDIE.account_id, FEE),
        events.Minted(FERDIE.account_id, FEE),
        events.MintCompleted(done, b"some_tx"),
    )
    assert out.state.executed_mint_transactions[b"some_tx"] == done
    assert b"some_tx" not in out.state.mint_transactions
    assert free(out.state, BOB) == 2_750_000_000 and free(out.state, FERDIE) == FEE
    assert out.state.minted == state.minted + 750_000_000
    assert not conservation_problems(out.state)
    # BRG-21: each deposit is minted once
    again = run(out.state, FERDIE, deposit)
    assert_rejected(out.state, again, Error.MintTransactionAlreadyExecuted)


def test_proposing_without_being_validator_fails() -> None:
    """BRG-04 (TFChain `proposing_mint_transaction_without_being_validator_fails`): bob before being a
    validator gets `ValidatorNotExists`."""
    state = foundation_world()
    call = calls.ProposeOrVoteMintTransaction(b"some_tx", BOB.account_id, 750_000_000)
    assert_rejected(state, run(state, BOB, call), Error.ValidatorNotExists)


def test_a_validator_votes_once() -> None:
    """BRG-21 DEV-BRG-1: on TFChain alice could vote three times and mint alone; here her second vote is
    `TransactionValidatorExists`."""
    state = tfchain_world()
    deposit = calls.ProposeOrVoteMintTransaction(b"some_tx", BOB.account_id, 750_000_000)
    state = ok(state, ALICE, deposit)
    assert_rejected(state, run(state, ALICE, deposit), Error.TransactionValidatorExists)


def test_a_vote_must_match_the_proposal() -> None:
    """BRG-21 DEV-BRG-2: a vote for another target or amount is `WrongParametersProvided`."""
    state = ok(tfchain_world(), ALICE, calls.ProposeOrVoteMintTransaction(b"t", BOB.account_id, 750_000_000))
    for call in (
        calls.ProposeOrVoteMintTransaction(b"t", EVE.account_id, 750_000_000),
        calls.ProposeOrVoteMintTransaction(b"t", BOB.account_id, 750_000_001),
    ):
        assert_rejected(state, run(state, BOB, call), Error.WrongParametersProvided)


def test_deposit_not_above_the_fee_is_never_minted() -> None:
    """BRG-23: a deposit of exactly the fee gets its votes up to the last one, which fails with
    `AmountIsLessThanDepositFee`; the proposal stays with 2 votes."""
    state = tfchain_world()
    deposit = calls.ProposeOrVoteMintTransaction(b"small", BOB.account_id, FEE)
    state = ok(ok(state, ALICE, deposit), BOB, deposit)
    assert_rejected(state, run(state, EVE, deposit), Error.AmountIsLessThanDepositFee)
    assert state.mint_transactions[b"small"].votes == 2


def test_mint_without_fee_account() -> None:
    """BRG-24: without a fee account the deposit fee is never minted (foundation world: fees 0, no fee
    account; 2 of the 3 validators)."""
    state = foundation_world()
    deposit = calls.ProposeOrVoteMintTransaction(b"d", ALICE.account_id, 1_000)
    out = run(ok(state, key("bridge-1"), deposit), key("bridge-2"), deposit)
    assert free(out.state, ALICE) == free(state, ALICE) + 1_000 and out.state.minted == state.minted + 1_000


def test_burn_flow() -> None:
    """BRG-10 BRG-12 BRG-13 BRG-14 BRG-30 BRG-31 BRG-32 BRG-33 (TFChain `burn_flow`): bob swaps
    2 000 000 000; the record is 1 500 000 000 to the Stellar address; bob keeps 500 000 000, ferdie gets
    the 500 000 000 fee; alice, bob and eve sign on Stellar (3 = the majority: ready), and the record is
    marked executed."""
    state = tfchain_world()
    out = run(state, BOB, calls.SwapToStellar(TFCHAIN_TARGET, 2_000_000_000), block=2)
    assert out.error is None
    assert out.events == (
        events.Burned(BOB.account_id, 1_500_000_000),
        events.Endowed(FERDIE.account_id, FEE),
        events.BurnTransactionCreated(1, BOB.account_id, TFCHAIN_TARGET, 1_500_000_000),
    )
    state = out.state
    assert free(state, BOB) == 500_000_000 and free(state, FERDIE) == FEE
    assert state.burn_transactions[1] == BurnTransaction(
        2, 1_500_000_000, BOB.account_id, TFCHAIN_TARGET, (), 0
    )
    assert state.burn_transaction_id == 1 and not conservation_problems(state)
    for i, who in enumerate((ALICE, BOB, EVE)):
        sig = calls.ProposeBurnTransactionOrAddSig(
            1, TFCHAIN_TARGET, 1_500_000_000, b"sig-%d" % i, b"stellar-pk-%d" % i, 1
        )
        out = run(state, who, sig)
        assert out.events[0] == events.BurnTransactionSignatureAdded(
            1, StellarSignature(b"sig-%d" % i, b"stellar-pk-%d" % i)
        )
        assert (events.BurnTransactionReady(1) in out.events) == (i == 2)
        state = out.state
    record = state.burn_transactions[1]
    assert len(record.signatures) == 3 and record.sequence_number == 1
    # BRG-31: a fourth signature is refused once the majority is there
    fourth = calls.ProposeBurnTransactionOrAddSig(1, TFCHAIN_TARGET, 1_500_000_000, b"s", b"p", 1)
    assert_rejected(state, run(state, FERDIE, fourth), Error.EnoughBurnSignaturesPresent)
    out = run(state, FERDIE, calls.SetBurnTransactionExecuted(1))
    assert out.events == (events.BurnTransactionProcessed(record),)
    assert out.state.executed_burn_transactions[1] == record and 1 not in out.state.burn_transactions
    again = run(out.state, ALICE, calls.SetBurnTransactionExecuted(1))
    assert_rejected(out.state, again, Error.BurnTransactionAlreadyExecuted)
    late = run(out.state, ALICE, fourth)
    assert_rejected(out.state, late, Error.BurnTransactionAlreadyExecuted)


def test_burn_signature_errors() -> None:
    """BRG-30 BRG-31 (TFChain `proposing_burn_transaction_if_no_burn_was_made_fails`): unknown id
    `BurnTransactionNotExists`; another amount or target `WrongParametersProvided`; the same Stellar key
    or signature twice `BurnSignatureExists`; an unknown id cannot be marked executed."""
    state = ok(tfchain_world(), BOB, calls.SwapToStellar(TFCHAIN_TARGET, 2_000_000_000))
    sig = calls.ProposeBurnTransactionOrAddSig
    missing = run(state, ALICE, sig(2, TFCHAIN_TARGET, 1_500_000_000, b"s", b"p", 1))
    assert_rejected(state, missing, Error.BurnTransactionNotExists)
    assert_rejected(
        state, run(state, ALICE, calls.SetBurnTransactionExecuted(2)), Error.BurnTransactionNotExists
    )
    wrong = run(state, ALICE, sig(1, TFCHAIN_TARGET, 1_500_000_001, b"s", b"p", 1))
    assert_rejected(state, wrong, Error.WrongParametersProvided)
    wrong = run(state, ALICE, sig(1, STELLAR_TARGET, 1_500_000_000, b"s", b"p", 1))
    assert_rejected(state, wrong, Error.WrongParametersProvided)
    state = ok(state, ALICE, sig(1, TFCHAIN_TARGET, 1_500_000_000, b"s", b"p", 1))
    for dup in (
        sig(1, TFCHAIN_TARGET, 1_500_000_000, b"s2", b"p", 1),
        sig(1, TFCHAIN_TARGET, 1_500_000_000, b"s", b"p2", 1),
    ):
        assert_rejected(state, run(state, BOB, dup), Error.BurnSignatureExists)


def test_swap_errors() -> None:
    """BRG-11 BRG-12 (TFChain `swap_to_stellar_non_valid_address_fails`,
    `burn_fails_if_less_than_withdraw_fee_amount`, `burn_more_than_balance_plus_fee_fails`,
    `burn_locked_tokens_fails`): an invalid address, 490 000 000 (below the fee), 2 500 000 001 (more than
    bob's 2 500 000 000), and with a lock of 1 000 000 000 one unit more than the usable 1 500 000 000."""
    state = tfchain_world()
    swap = calls.SwapToStellar
    bad = run(state, BOB, swap(b"some_invalid_address", 2_000_000_000))
    assert_rejected(state, bad, Error.InvalidStellarPublicKey)
    assert_rejected(
        state, run(state, ALICE, swap(TFCHAIN_TARGET, 490_000_000)), Error.AmountIsLessThanWithdrawFee
    )
    assert_rejected(state, run(state, BOB, swap(TFCHAIN_TARGET, FEE)), Error.AmountIsLessThanWithdrawFee)
    assert_rejected(state, run(state, BOB, swap(TFCHAIN_TARGET, 2_500_000_001)), Error.NotEnoughBalanceToSwap)
    locked = set_account(state, BOB, AccountInfo(0, 2_500_000_000, 0, 1_000_000_000))
    out = run(locked, BOB, swap(TFCHAIN_TARGET, 1_500_000_001))
    assert_rejected(locked, out, Error.NotEnoughBalanceToSwap)
    # the whole usable 1 500 000 000 would leave nothing free above the lock: allowed (free stays 10^9)
    assert run(locked, BOB, swap(TFCHAIN_TARGET, 1_500_000_000)).error is None


def test_nobody_burns_another_accounts_balance() -> None:
    """BRG-10 LED-15 (issue 15): a swap always burns the signer's own tokens; there is no call that takes
    another account's balance, whoever signs it (the old `Burn(source, amount)` is gone)."""
    state = tfchain_world()
    out = run(state, ALICE, calls.SwapToStellar(TFCHAIN_TARGET, 2_000_000_000))
    assert out.error is None
    assert free(out.state, BOB) == free(state, BOB)
    assert free(out.state, ALICE) == free(state, ALICE) - 2_000_000_000
    assert not any(name in ("Mint", "Burn") for name in dir(calls))


def test_stellar_addresses() -> None:
    """BRG-11: strkey validation: TFChain's test address is valid; a changed character breaks the
    checksum; lower case, wrong length, another version byte (a secret seed "S…") are refused; an
    address built from a key round-trips."""
    assert is_stellar_public_key(TFCHAIN_TARGET)
    assert not is_stellar_public_key(TFCHAIN_TARGET[:-1] + b"Y")
    assert not is_stellar_public_key(TFCHAIN_TARGET.lower())
    assert not is_stellar_public_key(TFCHAIN_TARGET[:-1])
    assert not is_stellar_public_key(b"SBIYYEQO73AYJEADTHMTF5M42WICTHU55IIT2CPEZBBLLDSJ322OGW7Z")
    assert stellar_address(bytes(32)) == b"GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF"
    assert is_stellar_public_key(STELLAR_TARGET)


def test_swap_overflow_of_the_burn_id() -> None:
    """BRG-14: the burn transaction id is a u64; at 2^64 − 1 a new swap fails with `Overflow`."""
    state = attrs.evolve(tfchain_world(), burn_transaction_id=(1 << 64) - 1)
    out = run(state, BOB, calls.SwapToStellar(TFCHAIN_TARGET, 2_000_000_000))
    assert_rejected(state, out, Error.Overflow)
