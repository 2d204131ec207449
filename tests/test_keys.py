"""Substrate keys and mortal calls (spec/signing.md SIG-16..SIG-18): sr25519 verification, `//Alice`
development accounts derived exactly as Substrate does, and the era of a mortal call."""

from __future__ import annotations

import pytest

from sc4it.kernel import calls
from sc4it.kernel.errors import Error
from sc4it.kernel.signing import (
    DEV_PHRASE,
    Keypair,
    SignedCall,
    Sr25519Keypair,
    chain_code,
    dev_account,
    keypair_from_uri,
    mini_secret_from_phrase,
    sign,
    verify,
)
from sc4it.runtime import apply

from .support import assert_rejected, env, foundation_world, key

# A fixed sr25519 signature by //Bob (SIG-17: signatures are randomized, so vectors store one and verify).
BOB_SR = bytes.fromhex("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48")
BOB_MESSAGE = b"sc4it sr25519 vector"
BOB_SIGNATURE = bytes.fromhex(
    "3838d8968c308d05bdebf77af572ba634b58c9ff033ed68ee3060e60eef34830"
    "00f5f4c2f3f33290d1d68c405ad3eccb9955af2a1daca9a4cfbfa1a11d791283"
)


def test_dev_accounts_are_substrates() -> None:
    """SIG-18: //Alice and //Bob (sr25519, the polkadot.js default), //Alice as ed25519 and
    //Alice//stash have the addresses every Substrate tool shows; the dev phrase's mini secret is
    Substrate's `fac7959d…`."""
    assert mini_secret_from_phrase(DEV_PHRASE).hex() == (
        "fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e"
    )
    assert dev_account("Alice").ss58() == "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    assert dev_account("Bob").ss58() == "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
    assert dev_account("Bob").account_id == BOB_SR
    assert dev_account("Alice", "ed25519").ss58() == "5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu"
    stash = keypair_from_uri("//Alice//stash")
    assert stash.ss58() == "5GNJqTPyNqANBkUVMN1LPPrxXnFouWXoe2wNSmmEoLctxiZY"
    assert keypair_from_uri(DEV_PHRASE + "//Alice").account_id == dev_account("Alice").account_id
    assert (
        isinstance(dev_account("Alice"), Sr25519Keypair) and type(dev_account("Alice", "ed25519")) is Keypair
    )


def test_uri_forms_and_errors() -> None:
    """SIG-18: numeric junctions are u64 little-endian; long ones are hashed; soft junctions exist for
    sr25519 only; a password changes the key; bad phrases and schemes are errors."""
    assert chain_code("1") == (1).to_bytes(8, "little") + bytes(24)
    assert chain_code("Alice") == bytes([5 << 2]) + b"Alice" + bytes(26)
    assert len(chain_code("x" * 40)) == 32 and chain_code("x" * 40) != chain_code("x" * 39)
    soft = keypair_from_uri("//Alice/0")
    assert soft.account_id not in (dev_account("Alice").account_id, keypair_from_uri("//Alice//0").account_id)
    assert keypair_from_uri("//Alice///pw").account_id != dev_account("Alice").account_id
    with pytest.raises(ValueError, match="soft"):
        keypair_from_uri("//Alice/0", "ed25519")
    with pytest.raises(ValueError, match="BIP39"):
        keypair_from_uri("not a phrase at all//Alice")
    with pytest.raises(ValueError, match="scheme"):
        keypair_from_uri("//Alice", "ecdsa")
    with pytest.raises(ValueError, match="empty junction"):
        keypair_from_uri("//Alice//")
    with pytest.raises(ValueError):
        Sr25519Keypair.from_seed(bytes(31))


def test_sr25519_fixed_signature_verifies() -> None:
    """SIG-17: the stored //Bob signature verifies; a changed message, key or byte fails; the same key
    signs the same message differently each time (randomized), and both verify; without schnorrkel's
    marker bit it is read as ed25519 and fails; a key that is not a Ristretto point is invalid, no
    exception."""
    assert BOB_SIGNATURE[63] & 0x80
    assert verify(BOB_SR, BOB_MESSAGE, BOB_SIGNATURE)
    assert not verify(BOB_SR, BOB_MESSAGE + b"!", BOB_SIGNATURE)
    assert not verify(dev_account("Alice").account_id, BOB_MESSAGE, BOB_SIGNATURE)
    assert not verify(
        BOB_SR, BOB_MESSAGE, BOB_SIGNATURE[:10] + bytes([BOB_SIGNATURE[10] ^ 1]) + BOB_SIGNATURE[11:]
    )
    assert not verify(BOB_SR, BOB_MESSAGE, BOB_SIGNATURE[:63] + bytes([BOB_SIGNATURE[63] & 0x7F]))
    assert not verify(b"\xff" * 32, BOB_MESSAGE, BOB_SIGNATURE)
    assert not verify(BOB_SR[:31], BOB_MESSAGE, BOB_SIGNATURE)
    bob = dev_account("Bob")
    one, two = bob.sign(BOB_MESSAGE), bob.sign(BOB_MESSAGE)
    assert one != two and verify(BOB_SR, BOB_MESSAGE, one) and verify(BOB_SR, BOB_MESSAGE, two)
    ed = key("alice")
    assert verify(ed.account_id, BOB_MESSAGE, ed.sign(BOB_MESSAGE))  # ed25519 untouched
    with pytest.raises(ValueError):
        _ = bob.seed
    with pytest.raises(ValueError):
        bob.curve25519_private_key()


def test_sr25519_accounts_sign_calls_and_multisigs() -> None:
    """SIG-17 SIG-09 SIG-10: an sr25519 account (//Alice) with funds transfers; a 2-of-2 multisig of an
    sr25519 and an ed25519 key signs too; a forged sr25519 signature is `BadSignature`."""
    alice = dev_account("Alice")
    from sc4it.kernel.types import AccountInfo

    state = foundation_world(accounts={alice.account_id: AccountInfo(0, 10**9, 0, 0)})
    call = calls.Transfer(key("bob").account_id, 1000)
    out = apply(state, sign(call, alice, 0, state.chain_id), env())
    assert out.error is None
    forged = sign(call, alice, 0, state.chain_id)
    bad = SignedCall(
        forged.chain_id,
        forged.signer,
        forged.nonce,
        calls.Transfer(key("bob").account_id, 1001),
        forged.signatures,
    )
    assert_rejected(state, apply(state, bad, env()), Error.BadSignature)
    from sc4it.kernel.signing import MultisigSpec

    spec = MultisigSpec.of(2, [alice.account_id, key("carol").account_id])
    state = foundation_world(accounts={spec.account_id(): AccountInfo(0, 10**9, 0, 0)})
    both = sign(call, [alice, key("carol")], 0, state.chain_id, multisig=spec)
    assert apply(state, both, env()).error is None
