"""Moving TFT over the bridge in tests and tools (spec/bridge.md): a deposit is the votes of a majority
of the bridge validators; a withdrawal is the owner's own `SwapToStellar`."""

from __future__ import annotations

import hashlib

from sc4it.bridge import deposit_calls, deposit_id, stellar_address, voters

STELLAR_TARGET = stellar_address(hashlib.blake2b(b"sc4it/testing/stellar", digest_size=32).digest())
"""A valid Stellar account address to withdraw to."""

__all__ = ["STELLAR_TARGET", "deposit_calls", "deposit_id", "voters"]
