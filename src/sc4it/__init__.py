"""sc4it: a formally specified Python twin of TFChain's smart contract for IT.

The public API hosts embed (re-exports only): `apply`, `on_block`, `sign`, `Keypair`, `State`,
`Config`, `BlockEnv`, `Outcome`, `encode`, `decode`, `state_root`, `DecodeError`, `Error`.
"""

from __future__ import annotations

from . import calls, events, genesis
from .codec import decode, encode
from .errors import DecodeError, Error
from .root import state_root
from .runtime import Outcome, apply, on_block
from .signing import Keypair, MultisigSpec, SignedCall, sign, ss58_decode, ss58_encode
from .state import Config, State
from .tx import BlockEnv

__version__ = "0.1.0"

__all__ = [
    "BlockEnv",
    "Config",
    "DecodeError",
    "Error",
    "Keypair",
    "MultisigSpec",
    "Outcome",
    "SignedCall",
    "State",
    "apply",
    "calls",
    "decode",
    "encode",
    "events",
    "genesis",
    "on_block",
    "sign",
    "ss58_decode",
    "ss58_encode",
    "state_root",
]
