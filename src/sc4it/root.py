"""State commitments: `state_root` is blake2b-256 of the canonical encoding of the whole state (ROOT-01).

This plain root costs O(state) and is the one audits and conformance vectors use.
"""

from __future__ import annotations

from .codec import blake2b_256, encode
from .state import State


def state_root(state: State) -> bytes:
    return blake2b_256(encode(state, State))
