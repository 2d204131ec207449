"""The TFT bridge's records (pallet-tft-bridge; spec/bridge.md): deposits to mint, withdrawals to burn
and the validators' Stellar signatures. Part of the data model of `sc4it.kernel.types`."""

from __future__ import annotations

from typing import Annotated

import attrs

from sc4it.kernel.plain import plain_records
from sc4it.kernel.schema import U32, U64, AccountId, Len
from sc4it.kernel.types import MAX_ROLE_MEMBERS

StellarTxId = Annotated[bytes, Len(128, 1)]
"""A Stellar deposit's transaction id as the bridge reports it (TFChain: an unbounded `Vec<u8>`)."""
StellarAddress = Annotated[bytes, Len(64)]
StellarBytes = Annotated[bytes, Len(256)]


@attrs.frozen(slots=True, weakref_slot=False)
class MintTransaction:
    """A deposit on Stellar being voted on (or minted): TFChain's `MintTransaction` plus the voters
    (sc4it counts each validator once, DEV-BRG-1)."""

    amount: U64
    target: AccountId
    block: U64
    votes: U32
    voters: Annotated[tuple[AccountId, ...], Len(MAX_ROLE_MEMBERS)] = ()

    def with_vote(self, voter: bytes) -> MintTransaction:
        """One more vote, by `voter` (voters kept sorted)."""
        return MintTransaction(
            self.amount, self.target, self.block, self.votes + 1, tuple(sorted((*self.voters, voter)))
        )

    def with_block(self, block: int) -> MintTransaction:
        return MintTransaction(self.amount, self.target, block, self.votes, self.voters)


@attrs.frozen(slots=True, weakref_slot=False)
class StellarSignature:
    signature: StellarBytes
    stellar_pub_key: StellarBytes


@attrs.frozen(slots=True, weakref_slot=False)
class BurnTransaction:
    """A withdrawal to Stellar (TFChain's `BurnTransaction`): `amount` is what leaves, the fee deducted."""

    block: U64
    amount: U64
    source: AccountId | None
    target: StellarAddress
    signatures: Annotated[tuple[StellarSignature, ...], Len(MAX_ROLE_MEMBERS)]
    sequence_number: U64

    def with_signature(self, signature: StellarSignature, sequence_number: int) -> BurnTransaction:
        """One more validator signature, and the Stellar sequence number it signed."""
        return BurnTransaction(
            self.block, self.amount, self.source, self.target, (*self.signatures, signature), sequence_number
        )


plain_records(globals())  # records built with plain stores (sc4it.kernel.plain)
