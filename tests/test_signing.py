"""Keys, SS58, signed calls, multisig accounts and restricted origins (spec/signing.md, SIG-xx)."""

from __future__ import annotations

import hashlib
import itertools

import attrs
import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scalecodec.utils.ss58 import ss58_decode as oracle_decode
from scalecodec.utils.ss58 import ss58_encode as oracle_encode

from sc4it import calls, encode
from sc4it.kernel.codec import decode
from sc4it.kernel.errors import DecodeError, Error, Fail
from sc4it.kernel.origins import ensure_bridge_validator, ensure_council, ensure_oracle
from sc4it.kernel.signing import (
    DOMAIN_TAG,
    MULTISIG_TAG,
    Keypair,
    Mortality,
    MultisigSpec,
    Signature,
    SignedCall,
    dev_account,
    multisig_account_id,
    sign,
    signing_payload,
    ss58_decode,
    ss58_encode,
    verify,
)
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import AccountInfo
from sc4it.runtime import apply, check_validity

from .support import (
    BRIDGE,
    COUNCIL,
    ORACLE,
    OTHER_CHAIN_ID,
    TEST_CHAIN_ID,
    Multi,
    assert_rejected,
    env,
    foundation_world,
    free,
    key,
    multi,
    nonce_of,
    run,
    set_account,
    signed,
    strategy_for,
)

ALICE, BOB = key("alice"), key("bob")
STRANGER = key("stranger")
TRANSFER = calls.Transfer(BOB.account_id, 1_000)


# ------------------------------------------------------------------------------------------------
# Keys (SIG-01)


def test_keypair_matches_rfc8032_test_vector_1() -> None:
    """SIG-01: ed25519 (RFC 8032 §7.1 test 1): seed -> public key, deterministic signature."""
    kp = Keypair.from_seed(bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
    assert kp.account_id == bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    sig = kp.sign(b"")
    assert sig.hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5"
        "f0595bbe24655141438e7a100b"
    )
    assert verify(kp.account_id, b"", sig)
    assert not verify(kp.account_id, b"x", sig)
    assert kp.seed == bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")


def test_keypair_seed_must_be_32_bytes() -> None:
    """SIG-01: a seed is exactly 32 bytes."""
    for n in (0, 31, 33, 64):
        with pytest.raises(ValueError):
            Keypair.from_seed(bytes(n))


def test_verify_never_raises_on_garbage() -> None:
    """SIG-01: verification of malformed keys or signatures is just False."""
    assert not verify(bytes(31), b"m", bytes(64))
    assert not verify(ALICE.account_id, b"m", bytes(63))
    assert not verify(bytes(32), b"m", bytes(64))


# ------------------------------------------------------------------------------------------------
# SS58 (SIG-02, SIG-03), checked against scalecodec as an independent oracle

PREFIXES = st.one_of(
    st.sampled_from([0, 1, 2, 42, 63, 64, 65, 127, 128, 255, 256, 2254, 4095, 16383]),
    st.integers(0, 16383).filter(lambda p: p not in (46, 47)),
)


def test_ss58_known_address_of_alice() -> None:
    """SIG-02: Substrate's well-known //Alice address with prefix 42 (TFChain's)."""
    alice = bytes.fromhex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
    assert ss58_encode(alice) == "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    assert ss58_decode("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", 42) == alice


@given(account=st.binary(min_size=32, max_size=32), prefix=PREFIXES)
def test_ss58_matches_scalecodec(account: bytes, prefix: int) -> None:
    """SIG-02 SIG-03: our encoder equals scalecodec's for one- and two-byte prefixes, both decode both."""
    ours = ss58_encode(account, prefix)
    assert ours == oracle_encode(account, ss58_format=prefix)
    assert ss58_decode(ours, prefix) == account
    assert ss58_decode(ours) == account
    assert oracle_decode(ours, valid_ss58_format=prefix) == account.hex()


def test_ss58_keypair_address_defaults_to_prefix_42() -> None:
    """SIG-02: Keypair.ss58() uses prefix 42 unless told otherwise (Config.ss58_prefix is 42)."""
    assert ALICE.ss58() == oracle_encode(ALICE.account_id, ss58_format=42)
    assert ALICE.ss58(2254) == oracle_encode(ALICE.account_id, ss58_format=2254)
    assert ALICE.ss58().startswith("5")
    assert "Keypair(5" in repr(ALICE)


def test_ss58_encode_rejects_bad_prefixes_and_lengths() -> None:
    """SIG-02: prefixes 0..16383 except the reserved 46 and 47; 32-byte account ids only."""
    for p in (-1, 46, 47, 16384, 1 << 20):
        with pytest.raises(ValueError):
            ss58_encode(bytes(32), p)
    with pytest.raises(ValueError):
        ss58_encode(bytes(33))


def _raw_address(body: bytes) -> str:
    """Base58 of body + its SS58 checksum (to forge addresses the encoder would not produce)."""
    from sc4it.kernel.signing import _b58encode, _ss58_checksum

    return _b58encode(body + _ss58_checksum(body))


def test_ss58_decode_errors() -> None:
    """SIG-03: bad alphabet, length, checksum, prefix byte, reserved or non-canonical prefix, wrong prefix."""
    addr = ALICE.ss58()
    bad = [
        addr[:-1] + ("1" if addr[-1] != "1" else "2"),  # checksum
        addr[:-3],  # length
        addr + "1",  # length
        "0" + addr[1:],  # not base58
        "",
        _raw_address(bytes([200]) + bytes(33)),  # first byte >= 128
        _raw_address(bytes([46]) + bytes(32)),  # reserved prefix 46
        _raw_address(bytes([0b0100_0000 | (42 >> 2), ((42 & 3) << 6)]) + bytes(32)),  # 42 in the 2-byte form
    ]
    for a in bad:
        with pytest.raises(ValueError):
            ss58_decode(a)
    with pytest.raises(ValueError, match="expected 2254"):
        ss58_decode(addr, 2254)
    with pytest.raises(ValueError):
        oracle_decode(addr[:-1] + ("1" if addr[-1] != "1" else "2"))  # the oracle agrees on the checksum


# ------------------------------------------------------------------------------------------------
# The signing payload (SIG-04)


def test_signing_payload_exact_bytes() -> None:
    """SIG-04 ENC-11: payload = canonical CBOR [b"sc4it/call/v1", chain_id, signer, nonce, call]."""
    chain, signer, dest = bytes([1]) * 32, bytes([2]) * 32, bytes([3]) * 32
    payload = signing_payload(chain, signer, 7, calls.Transfer(dest, 500))
    expected = (
        bytes.fromhex("85 4d".replace(" ", ""))
        + b"sc4it/call/v1"
        + b"\x58\x20"
        + chain
        + b"\x58\x20"
        + signer
        + b"\x07"
        + bytes.fromhex("83 00 5820".replace(" ", ""))
        + dest
        + bytes.fromhex("1901f4")
    )
    assert DOMAIN_TAG == b"sc4it/call/v1"
    assert payload == expected
    assert payload == cbor2.dumps(
        [DOMAIN_TAG, chain, signer, 7, cbor2.loads(encode(calls.Transfer(dest, 500)))]
    )


def test_signature_binds_domain_chain_signer_nonce_and_call() -> None:
    """SIG-04: changing any part of the payload invalidates the signature."""
    s = sign(TRANSFER, ALICE, 3, TEST_CHAIN_ID)
    sig = s.signatures[0].signature
    assert verify(ALICE.account_id, s.payload(), sig)
    others = [
        signing_payload(OTHER_CHAIN_ID, ALICE.account_id, 3, TRANSFER),
        signing_payload(TEST_CHAIN_ID, BOB.account_id, 3, TRANSFER),
        signing_payload(TEST_CHAIN_ID, ALICE.account_id, 4, TRANSFER),
        signing_payload(TEST_CHAIN_ID, ALICE.account_id, 3, calls.Transfer(BOB.account_id, 1_001)),
        s.payload().replace(DOMAIN_TAG, b"sc4it/call/v2"),
    ]
    for payload in others:
        assert not verify(ALICE.account_id, payload, sig)


def test_sign_helper_shapes() -> None:
    """SIG-04: sign() with one key signs as that key; several keys need a multisig spec."""
    s = sign(TRANSFER, ALICE, 0, TEST_CHAIN_ID)
    assert s.signer == ALICE.account_id and s.multisig is None and len(s.signatures) == 1
    with pytest.raises(ValueError):
        sign(TRANSFER, [ALICE, BOB], 0, TEST_CHAIN_ID)
    m = sign(TRANSFER, list(COUNCIL.keys), 0, TEST_CHAIN_ID, multisig=COUNCIL.spec)
    assert m.signer == COUNCIL.account_id and m.multisig == COUNCIL.spec and len(m.signatures) == 2


# ------------------------------------------------------------------------------------------------
# Validity of a signed call, in check order (SIG-05..SIG-11)


def test_wrong_chain_id() -> None:
    """SIG-05: a call signed for another chain is rejected with WrongChainId and changes nothing."""
    state = foundation_world()
    out = run(state, ALICE, TRANSFER, chain_id=OTHER_CHAIN_ID)
    assert_rejected(state, out, Error.WrongChainId)
    other = foundation_world(chain_id=OTHER_CHAIN_ID)
    s = signed(state, ALICE, TRANSFER)
    assert apply(other, s, env()).error is Error.WrongChainId
    assert apply(state, s, env()).error is None


def test_multisig_account_id_derivation_vector() -> None:
    """SIG-06 ENC-11: id = blake2b-256(b"sc4it/multisig/v1" || encode([threshold, sorted signatories]))."""
    a, b, c = bytes([9]) * 32, bytes([1]) * 32, bytes([5]) * 32
    spec = MultisigSpec.of(2, [a, b, c])
    assert spec.signatories == (b, c, a)
    body = bytes.fromhex("82 02 83".replace(" ", "")) + b"".join(b"\x58\x20" + x for x in (b, c, a))
    expected = hashlib.blake2b(MULTISIG_TAG + body, digest_size=32).digest()
    assert MULTISIG_TAG == b"sc4it/multisig/v1"
    assert spec.account_id() == multisig_account_id(spec) == expected


def test_multisig_account_id_is_deterministic_and_order_independent() -> None:
    """SIG-06: the id depends only on the threshold and the set of signatories."""
    keys = [key(f"m{i}").account_id for i in range(4)]
    ids = {MultisigSpec.of(2, list(p)).account_id() for p in itertools.permutations(keys)}
    assert len(ids) == 1
    assert MultisigSpec.of(2, keys + keys[:2]).account_id() in ids  # duplicates collapse
    assert MultisigSpec.of(3, keys).account_id() not in ids
    assert MultisigSpec.of(2, keys[:3]).account_id() not in ids
    assert all(MultisigSpec.of(2, keys).account_id() != k for k in keys)


def test_multisig_spec_well_formedness() -> None:
    """SIG-06: 1 <= threshold <= n, signatories strictly ascending, at most 100."""
    a, b = sorted([key("x").account_id, key("y").account_id])
    assert MultisigSpec(1, (a, b)).is_well_formed()
    assert MultisigSpec(2, (a, b)).is_well_formed()
    assert not MultisigSpec(0, (a, b)).is_well_formed()
    assert not MultisigSpec(3, (a, b)).is_well_formed()
    assert not MultisigSpec(1, (b, a)).is_well_formed()
    assert not MultisigSpec(1, (a, a)).is_well_formed()
    many = tuple(sorted(key(f"k{i}").account_id for i in range(101)))
    assert not MultisigSpec(1, many).is_well_formed()


def _multisig_call(
    state_spec: MultisigSpec, signer: bytes, keys: list[Keypair], nonce: int = 0
) -> SignedCall:
    payload = signing_payload(TEST_CHAIN_ID, signer, nonce, TRANSFER)
    sigs = tuple(Signature(k.account_id, k.sign(payload)) for k in keys)
    return SignedCall(TEST_CHAIN_ID, signer, nonce, TRANSFER, sigs, state_spec)


def test_invalid_multisig() -> None:
    """SIG-06: a malformed spec, or a spec whose id is not the signer, gives InvalidMultisig."""
    ms = multi(2, ["p", "q", "r"])
    state = set_account(foundation_world(), ms.account_id, AccountInfo(0, 10**9, 0, 0))
    keys = list(ms.keys)
    good = _multisig_call(ms.spec, ms.account_id, keys)
    assert apply(state, good, env()).error is None
    cases = [
        _multisig_call(MultisigSpec(0, ms.spec.signatories), ms.account_id, keys),
        _multisig_call(MultisigSpec(4, ms.spec.signatories), ms.account_id, keys),
        _multisig_call(MultisigSpec(2, tuple(reversed(ms.spec.signatories))), ms.account_id, keys),
        _multisig_call(MultisigSpec(1, ms.spec.signatories), ms.account_id, keys),  # id of another account
        _multisig_call(ms.spec, ALICE.account_id, keys),  # a key account claimed with a spec
    ]
    for bad in cases:
        assert_rejected(state, apply(state, bad, env()), Error.InvalidMultisig)


def test_unknown_signer() -> None:
    """SIG-07: a signer with no account that is not a role account is UnknownSigner."""
    state = foundation_world()
    assert_rejected(state, run(state, STRANGER, TRANSFER), Error.UnknownSigner)
    ms = multi(1, ["lonely"])
    assert_rejected(state, run(state, ms, TRANSFER), Error.UnknownSigner)


def test_role_accounts_are_known_without_an_account() -> None:
    """SIG-07 SIG-12: a role account may sign with nonce 0 before it has an account entry; success
    creates its entry (zero balance) with nonce 1."""
    state = foundation_world()
    assert BRIDGE.account_id not in state.accounts
    out = run(state, BRIDGE, calls.ProposeOrVoteMintTransaction(b"stellar-tx", ALICE.account_id, 700))
    assert out.error is None
    assert out.state.accounts[BRIDGE.account_id] == AccountInfo(1, 0, 0, 0)
    assert check_validity(state, signed(state, COUNCIL, TRANSFER)) is None
    assert check_validity(state, signed(state, ORACLE, TRANSFER)) is None


def test_stale_and_future_nonce() -> None:
    """SIG-08: the nonce must equal the account's: a replay is StaleNonce, a skipped one FutureNonce."""
    state = foundation_world()
    first = signed(state, ALICE, TRANSFER)
    out = apply(state, first, env())
    assert out.error is None and nonce_of(out.state, ALICE) == 1
    assert_rejected(out.state, apply(out.state, first, env(2)), Error.StaleNonce)
    assert_rejected(out.state, run(out.state, ALICE, TRANSFER, nonce=3), Error.FutureNonce)
    assert_rejected(state, run(state, ALICE, TRANSFER, nonce=1), Error.FutureNonce)
    assert run(out.state, ALICE, TRANSFER, nonce=1).error is None


def test_bad_signature_single_key() -> None:
    """SIG-09: exactly one signature, by the signer's key, valid over the payload."""
    state = foundation_world()
    good = signed(state, ALICE, TRANSFER)
    sig = good.signatures[0]
    forged_by_bob = sign(TRANSFER, BOB, 0, TEST_CHAIN_ID).signatures[0]
    cases = [
        attrs.evolve(good, signatures=()),
        attrs.evolve(good, signatures=(sig, sig)),
        attrs.evolve(good, signatures=(forged_by_bob,)),
        attrs.evolve(good, signatures=(Signature(ALICE.account_id, forged_by_bob.signature),)),
        attrs.evolve(good, signatures=(Signature(ALICE.account_id, bytes(64)),)),
        attrs.evolve(good, call=calls.Transfer(BOB.account_id, 999)),  # signature over another call
    ]
    for bad in cases:
        assert_rejected(state, apply(state, bad, env()), Error.BadSignature)
    assert apply(state, good, env()).error is None


def _council_state() -> tuple[Multi, list[Keypair]]:
    keys = [key("council-1"), key("council-2"), key("council-3")]
    return COUNCIL, keys


@pytest.mark.parametrize("subset", [(0, 1), (0, 2), (1, 2), (0, 1, 2), (2, 1, 0)])
def test_multisig_k_of_n_accepts_any_k_distinct_signatories(subset: tuple[int, ...]) -> None:
    """SIG-10: a 2-of-3 account accepts any 2 or 3 distinct valid signatures, in any order."""
    council, keys = _council_state()
    state = set_account(foundation_world(), council.account_id, AccountInfo(0, 10**9, 0, 0))
    out = run(state, council.with_keys(keys[i] for i in subset), TRANSFER)
    assert out.error is None
    assert free(out.state, BOB) == free(state, BOB) + 1_000


def test_multisig_not_enough_signatures() -> None:
    """SIG-10: fewer than k distinct valid signatures is NotEnoughSignatures; a duplicate counts once."""
    council, keys = _council_state()
    state = set_account(foundation_world(), council.account_id, AccountInfo(0, 10**9, 0, 0))
    assert_rejected(state, run(state, council.with_keys([keys[0]]), TRANSFER), Error.NotEnoughSignatures)
    assert_rejected(state, run(state, council.with_keys([]), TRANSFER), Error.NotEnoughSignatures)
    assert_rejected(
        state, run(state, council.with_keys([keys[1], keys[1]]), TRANSFER), Error.NotEnoughSignatures
    )
    assert run(state, council.with_keys([keys[1], keys[1], keys[2]]), TRANSFER).error is None


def test_multisig_bad_signatures() -> None:
    """SIG-10: a signature by a non-member, or an invalid one by a member, is BadSignature even when k
    valid signatures are present."""
    council, keys = _council_state()
    state = set_account(foundation_world(), council.account_id, AccountInfo(0, 10**9, 0, 0))
    assert_rejected(
        state, run(state, council.with_keys([keys[0], keys[1], STRANGER]), TRANSFER), Error.BadSignature
    )
    good = signed(state, council.with_keys(keys[:2]), TRANSFER)
    broken = Signature(keys[2].account_id, bytes(64))
    assert_rejected(
        state,
        apply(state, attrs.evolve(good, signatures=(*good.signatures, broken)), env()),
        Error.BadSignature,
    )
    swapped = (Signature(keys[0].account_id, good.signatures[1].signature), good.signatures[1])
    assert_rejected(state, apply(state, attrs.evolve(good, signatures=swapped), env()), Error.BadSignature)


def test_validity_check_order() -> None:
    """SIG-11: chain id, then multisig spec, then known signer, then nonce, then signatures."""
    state = foundation_world()
    good = signed(state, ALICE, TRANSFER)
    no_sig = attrs.evolve(good, signatures=())
    assert check_validity(state, attrs.evolve(no_sig, chain_id=OTHER_CHAIN_ID, nonce=9)) is Error.WrongChainId
    bad_spec = attrs.evolve(no_sig, multisig=MultisigSpec(0, (ALICE.account_id,)), signer=STRANGER.account_id)
    assert check_validity(state, bad_spec) is Error.InvalidMultisig
    assert (
        check_validity(state, attrs.evolve(no_sig, signer=STRANGER.account_id, nonce=9))
        is Error.UnknownSigner
    )
    assert check_validity(state, attrs.evolve(no_sig, nonce=9)) is Error.FutureNonce
    assert check_validity(state, no_sig) is Error.BadSignature
    assert check_validity(state, good) is None


def test_nonce_increments_only_on_success() -> None:
    """SIG-12: a call that fails in its handler leaves the nonce (and everything else) unchanged; the same
    nonce is then still usable."""
    state = foundation_world()
    too_much = calls.Transfer(BOB.account_id, free(state, ALICE))
    assert_rejected(state, run(state, ALICE, too_much), Error.NotExpendable)
    out = run(state, ALICE, TRANSFER, nonce=0)
    assert out.error is None and nonce_of(out.state, ALICE) == 1
    assert nonce_of(out.state, BOB) == nonce_of(state, BOB)


# ------------------------------------------------------------------------------------------------
# Restricted origins (SIG-13)


def test_council_only_call_from_a_user_is_bad_origin() -> None:
    """SIG-13: ChangeBillingFrequency is council-only (TFChain's RestrictedOrigin)."""
    state = foundation_world()
    call = calls.ChangeBillingFrequency(state.billing_frequency + 100)
    assert_rejected(state, run(state, ALICE, call), Error.BadOrigin)
    assert_rejected(state, run(state, BRIDGE, call), Error.BadOrigin)
    out = run(state, COUNCIL, call)
    assert out.error is None and out.state.billing_frequency == state.billing_frequency + 100


def test_bridge_validator_calls_from_others_are_refused() -> None:
    """SIG-13 BRG-04: the validators' calls from anyone else fail with ValidatorNotExists."""
    state = foundation_world()
    for who in (ALICE, COUNCIL, ORACLE):
        vote = calls.ProposeOrVoteMintTransaction(b"stellar-tx", ALICE.account_id, 1_000)
        assert_rejected(state, run(state, who, vote), Error.ValidatorNotExists)
        assert_rejected(state, run(state, who, calls.SetBurnTransactionExecuted(1)), Error.ValidatorNotExists)


COUNCIL_CALLS = [
    calls.ChangeBillingFrequency,
    calls.SetDistributionPolicy,
    calls.CreatePricingPolicy,
    calls.UpdatePricingPolicy,
    calls.SetMinTftPrice,
    calls.SetMaxTftPrice,
    calls.SetFarmDedicated,
    calls.SetFarmCertification,
    calls.SetFarmPricingPolicy,
    calls.ApproveSolutionProvider,
    calls.CancelContractCollective,
    calls.AddBridgeValidator,
    calls.RemoveBridgeValidator,
    calls.SetFeeAccount,
    calls.SetWithdrawFee,
    calls.SetDepositFee,
    calls.AddMember,
    calls.RemoveMember,
    calls.SwapMember,
    calls.ResetMembers,
    calls.AddValidator,
    calls.RemoveValidator,
    calls.AddNodeCertifier,
    calls.RemoveNodeCertifier,
]


@pytest.mark.parametrize("call_cls", COUNCIL_CALLS, ids=lambda c: c.__name__)
@given(data=st.data())
def test_restricted_calls_check_the_origin_first(call_cls: type, data: st.DataObject) -> None:
    """SIG-13: a council-only call from a user is BadOrigin whatever its parameters (the origin is
    checked before anything else); likewise the oracle's and the bridge's calls."""
    state = foundation_world()
    call = data.draw(strategy_for(call_cls))
    assert_rejected(state, run(state, ALICE, call), Error.BadOrigin)
    assert_rejected(state, run(state, BRIDGE, call), Error.BadOrigin)
    price = data.draw(strategy_for(calls.SetPrices))
    assert_rejected(state, run(state, COUNCIL, price), Error.AccountUnauthorizedToSetPrice)
    for bridge_call in (
        calls.ProposeOrVoteMintTransaction,
        calls.ProposeBurnTransactionOrAddSig,
        calls.SetBurnTransactionExecuted,
    ):
        bad = data.draw(strategy_for(bridge_call))
        assert_rejected(state, run(state, COUNCIL, bad), Error.ValidatorNotExists)


def test_origin_guards_on_a_tx() -> None:
    """SIG-13: ensure_council fails with BadOrigin, ensure_oracle with AccountUnauthorizedToSetPrice,
    ensure_bridge_validator with ValidatorNotExists, for any other caller."""
    state = foundation_world()
    for guard, role, error in (
        (ensure_council, COUNCIL, Error.BadOrigin),
        (ensure_bridge_validator, BRIDGE, Error.ValidatorNotExists),
        (ensure_oracle, ORACLE, Error.AccountUnauthorizedToSetPrice),
    ):
        guard(Tx(state, env(), role.account_id))
        with pytest.raises(Fail) as info:
            guard(Tx(state, env(), ALICE.account_id))
        assert info.value.error is error


def test_oracle_call_from_a_user() -> None:
    """SIG-13: SetPrices from anyone but the oracle is AccountUnauthorizedToSetPrice."""
    state = foundation_world()
    assert_rejected(state, run(state, ALICE, calls.SetPrices(50, 1)), Error.AccountUnauthorizedToSetPrice)


# ------------------------------------------------------------------------------------------------
# sr25519 (SIG-17) and mortal calls (SIG-16)

ALICE_SR_TRANSFER_SIGNATURE = bytes.fromhex(
    "0cfb6bcd92e244bfea74142b052c167e8800e1e8c79a7ed4c465b562602db43d"
    "692f3556b93ac82d94e76f7da93d7f8a2d90b189cf72150aad9141c6605d568f"
)
"""A fixed sr25519 signature by //Alice of Transfer(key("bob"), 1000), nonce 0, on TEST_CHAIN_ID (SIG-17:
sr25519 signatures are randomized, so the vector stores this one and verifies it)."""


def test_sr25519_fixed_signature_applies() -> None:
    """SIG-17 SIG-18 SIG-09: //Alice's sr25519 account (5Grwva…) with funds transfers with a stored
    signature; one flipped bit is `BadSignature`."""
    alice = dev_account("Alice")
    assert alice.ss58() == "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    state = foundation_world(accounts={alice.account_id: AccountInfo(0, 10**9, 0, 0)}, chain_id=TEST_CHAIN_ID)
    call = calls.Transfer(key("bob").account_id, 1000)
    sig = Signature(alice.account_id, ALICE_SR_TRANSFER_SIGNATURE)
    out = apply(state, SignedCall(state.chain_id, alice.account_id, 0, call, (sig,)), env())
    assert out.error is None and out.state.accounts[alice.account_id].free == 10**9 - 1000
    flipped = Signature(
        alice.account_id, bytes([ALICE_SR_TRANSFER_SIGNATURE[0] ^ 1]) + ALICE_SR_TRANSFER_SIGNATURE[1:]
    )
    bad = SignedCall(state.chain_id, alice.account_id, 0, call, (flipped,))
    assert_rejected(state, apply(state, bad, env()), Error.BadSignature)


def test_immortal_encoding_is_unchanged() -> None:
    """SIG-16 ENC-05 ENC-11: an immortal call encodes as the 6-item array it always had and signs the
    5-item payload; a mortal one adds `[birth, period]` to both; an explicit trailing null does not
    decode (not canonical)."""
    k = key("alice")
    call = calls.Transfer(key("bob").account_id, 5)
    immortal = sign(call, k, 3, TEST_CHAIN_ID)
    items = cbor2.loads(encode(immortal))
    assert len(items) == 6 and items[5] is None
    assert cbor2.loads(signing_payload(TEST_CHAIN_ID, k.account_id, 3, call)).__len__() == 5
    mortal = sign(call, k, 3, TEST_CHAIN_ID, mortality=Mortality(100, 64))
    items = cbor2.loads(encode(mortal))
    assert len(items) == 7 and items[6] == [100, 64]
    assert cbor2.loads(mortal.payload())[5] == [100, 64]
    assert decode(encode(mortal), SignedCall) == mortal
    assert decode(encode(immortal), SignedCall) == immortal
    padded = cbor2.dumps([*cbor2.loads(encode(immortal)), None], canonical=True)
    with pytest.raises(DecodeError):
        decode(padded, SignedCall)


def test_mortal_call_window() -> None:
    """SIG-16: a call born at block 10 with period 4 is valid in blocks 10..13 only: block 9
    `FutureBirthBlock`, block 14 `AncientBirthBlock`; changing its era breaks the signature."""
    state = foundation_world()
    k = key("alice")
    call = calls.Transfer(key("bob").account_id, 1000)
    signed = sign(call, k, 0, state.chain_id, mortality=Mortality(10, 4))
    for block in (10, 13):
        assert apply(state, signed, env(block)).error is None
    assert_rejected(state, apply(state, signed, env(9)), Error.FutureBirthBlock)
    assert_rejected(state, apply(state, signed, env(14)), Error.AncientBirthBlock)
    moved = SignedCall(
        signed.chain_id, signed.signer, signed.nonce, signed.call, signed.signatures, None, Mortality(11, 4)
    )
    assert_rejected(state, apply(state, moved, env(12)), Error.BadSignature)
    immortal = SignedCall(signed.chain_id, signed.signer, signed.nonce, signed.call, signed.signatures)
    assert_rejected(state, apply(state, immortal, env(12)), Error.BadSignature)


@pytest.mark.parametrize("period", [0, 1, 2, 3, 5, 6, 100, 65535, 131072])
def test_era_errors(period: int) -> None:
    """SIG-16 SIG-11: a period that is not a power of two in 4..65536 is `InvalidEra`, checked right after
    the chain id, before the signer is looked up (an unknown multisig with a bad era gets `InvalidEra`)."""
    state = foundation_world()
    stranger = multi(1, ["lonely"])
    call = calls.Transfer(key("bob").account_id, 1)
    signed = sign(
        call, list(stranger.keys), 0, state.chain_id, multisig=stranger.spec, mortality=Mortality(1, period)
    )
    assert check_validity(state, signed, 1) == Error.InvalidEra
    assert check_validity(state, signed) == Error.InvalidEra
    good = sign(
        call, list(stranger.keys), 0, state.chain_id, multisig=stranger.spec, mortality=Mortality(1, 4)
    )
    assert check_validity(state, good, 1) == Error.UnknownSigner
    assert check_validity(state, good, 5) == Error.AncientBirthBlock
    assert check_validity(state, good) == Error.UnknownSigner  # without a block only the period is checked
