"""sc4it: a formally specified Python twin of TFChain's smart contract for IT.

The public API hosts embed (re-exports only): `apply`, `on_block`, `sign`, `Keypair`, `State`,
`Config`, `BlockEnv`, `Outcome`, `encode`, `decode`, `state_root`, `encoding_digest`, `DecodeError`, `Error`.
"""

from __future__ import annotations

from sc4it import genesis
from sc4it.kernel import calls, events
from sc4it.kernel.codec import decode, encode
from sc4it.kernel.errors import DecodeError, Error
from sc4it.kernel.root import encoding_digest, state_root
from sc4it.kernel.signing import Keypair, MultisigSpec, SignedCall, sign, ss58_decode, ss58_encode
from sc4it.kernel.state import Config, State
from sc4it.kernel.tx import BlockEnv
from sc4it.runtime import Outcome, apply, on_block

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
    "encoding_digest",
    "events",
    "genesis",
    "on_block",
    "sign",
    "ss58_decode",
    "ss58_encode",
    "state_root",
]
