"""The mempool: signed calls waiting for a block (spec/node.md, MEM-01..MEM-12).

A call is admitted only if it is valid against the pending state, the head state the next block builds
on (MEM-02..MEM-05): same chain, well-formed multisig, known signer, signatures, size bound, and a nonce
neither stale (below the signer's nonce) nor too far ahead. A call whose nonce is the signer's next one
(its nonce, plus the calls of the signer already ready) is *ready*; one with a gap before it is *future*
and waits, up to `max_future` nonces ahead (MEM-04). The pool caps its total size and each account's
count (MEM-06). `ready()` lists the ready calls, account after account in the order the accounts first
became ready, each account's in nonce order (MEM-08). After a block, `update(state)` drops every call
whose nonce is now stale (included, or replaced by another call with that nonce) and promotes the
future calls whose gap closed (MEM-09). A refused call raises `MempoolError`: `error` is the sc4it
`Error` that makes it invalid, or `reason` a mempool-specific `MempoolReason`.

Not thread-safe: the `Node` serialises access.
"""

from __future__ import annotations

from enum import Enum

import attrs

from sc4it.block import call_hash_of
from sc4it.kernel.codec import encode
from sc4it.kernel.errors import Error
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State
from sc4it.runtime import check_signatures, current_nonce

MAX_CALLS = 10_000
MAX_PER_ACCOUNT = 64
MAX_FUTURE = 32
MAX_CALL_BYTES = 128 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024


class MempoolReason(Enum):
    """Why the mempool refused a call that is not invalid as such (MEM-05, MEM-06)."""

    AlreadyKnown = "AlreadyKnown"
    """The very same call is already waiting."""
    NonceTaken = "NonceTaken"
    """Another call of the same signer with the same nonce is already waiting."""
    Malformed = "Malformed"
    """The bytes submitted are not the canonical encoding of a signed call (ENC-09)."""
    TooLarge = "TooLarge"
    """Its encoding is longer than the pool's per-call bound."""
    PoolFull = "PoolFull"
    AccountFull = "AccountFull"
    """The signer already has the maximum number of waiting calls."""


class MempoolError(Exception):
    """A call the mempool refused: `error` (an sc4it validity `Error`: WrongChainId, InvalidMultisig,
    UnknownSigner, StaleNonce, FutureNonce, BadSignature, NotEnoughSignatures) or `reason`; exactly one
    is set. `message` says it in words."""

    def __init__(
        self, message: str, *, error: Error | None = None, reason: MempoolReason | None = None
    ) -> None:
        assert (error is None) != (reason is None)
        super().__init__(message)
        self.error = error
        self.reason = reason
        self.message = message

    @property
    def name(self) -> str:
        """The error's or the reason's name (`StaleNonce`, `PoolFull`...)."""
        if self.error is not None:
            return self.error.name
        assert self.reason is not None
        return self.reason.value


@attrs.frozen(slots=True)
class PoolEntry:
    """A waiting call, its canonical encoding (the bytes admitted, counted in the pool's size) and its
    call hash (MEM-01)."""

    signed: SignedCall
    hash: bytes
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


class Mempool:
    """See the module docstring. `state` is the pending state (the head's)."""

    def __init__(
        self,
        state: State,
        *,
        max_calls: int = MAX_CALLS,
        max_per_account: int = MAX_PER_ACCOUNT,
        max_future: int = MAX_FUTURE,
        max_call_bytes: int = MAX_CALL_BYTES,
        max_total_bytes: int = MAX_TOTAL_BYTES,
    ) -> None:
        assert max_calls >= 1 and max_per_account >= 1 and max_future >= 0
        assert 1 <= max_call_bytes <= max_total_bytes
        self.state = state
        self.max_calls = max_calls
        self.max_per_account = max_per_account
        self.max_future = max_future
        self.max_call_bytes = max_call_bytes
        self.max_total_bytes = max_total_bytes
        self.total_bytes = 0
        """The sum of the encoded sizes of the waiting calls."""
        self._by_account: dict[bytes, dict[int, PoolEntry]] = {}
        """signer -> nonce -> entry; the dict order of the accounts is the order they joined."""
        self._hashes: dict[bytes, PoolEntry] = {}

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, h: object) -> bool:
        return h in self._hashes

    def get(self, h: bytes) -> SignedCall | None:
        entry = self._hashes.get(h)
        return None if entry is None else entry.signed

    def account_nonce(self, account: bytes) -> int:
        """The account's nonce in the pending state (0 if it has no entry)."""
        info = self.state.accounts.get(account)
        return 0 if info is None else info.nonce

    def next_nonce(self, account: bytes) -> int:
        """MEM-10: the nonce the account's next call should carry: its pending-state nonce plus its
        ready calls (`system_accountNextIndex`)."""
        nonce = self.account_nonce(account)
        waiting = self._by_account.get(account, {})
        while nonce in waiting:
            nonce += 1
        return nonce

    def add(
        self, signed: SignedCall, *, signatures_checked: bool = False, encoded: bytes | None = None
    ) -> bytes:
        """MEM-02..MEM-07: admit `signed` (returns its call hash) or raise `MempoolError`.
        `signatures_checked`: the caller already found `check_signatures(signed)` to be None (BLK-25);
        `encoded`: `encode(signed)`, if the caller has it (the bytes it decoded `signed` from)."""
        data = encode(signed) if encoded is None else encoded
        if len(data) > self.max_call_bytes:  # MEM-05
            raise MempoolError(
                f"the call's encoding is {len(data)} bytes; the pool takes at most {self.max_call_bytes}",
                reason=MempoolReason.TooLarge,
            )
        h = call_hash_of(data)
        if h in self._hashes:  # MEM-05
            raise MempoolError("this call is already waiting", reason=MempoolReason.AlreadyKnown)
        self._check_valid(signed, signatures_checked)
        waiting = self._by_account.get(signed.signer, {})
        if signed.nonce in waiting:  # MEM-05
            raise MempoolError(
                f"another call with nonce {signed.nonce} of this signer is waiting",
                reason=MempoolReason.NonceTaken,
            )
        if len(waiting) >= self.max_per_account:  # MEM-06
            raise MempoolError(
                f"the signer has {len(waiting)} waiting calls (at most {self.max_per_account})",
                reason=MempoolReason.AccountFull,
            )
        if (
            len(self._hashes) >= self.max_calls or self.total_bytes + len(data) > self.max_total_bytes
        ):  # MEM-06
            raise MempoolError(
                f"the pool is full ({len(self._hashes)} calls, {self.total_bytes} bytes)",
                reason=MempoolReason.PoolFull,
            )
        entry = PoolEntry(signed, h, data)
        self._by_account.setdefault(signed.signer, {})[signed.nonce] = entry
        self._hashes[h] = entry
        self.total_bytes += entry.size
        return h

    def _check_valid(self, signed: SignedCall, signatures_checked: bool) -> None:
        """MEM-02..MEM-04: validity against the pending state, in the order of SIG-11."""
        nonce = current_nonce(self.state, signed)
        if isinstance(nonce, Error):
            raise MempoolError(_WHY[nonce], error=nonce)
        if signed.nonce < nonce:  # MEM-03
            raise MempoolError(
                f"nonce {signed.nonce} is stale: the signer's nonce is {nonce}", error=Error.StaleNonce
            )
        if signed.nonce > nonce + self.max_future:  # MEM-04
            raise MempoolError(
                f"nonce {signed.nonce} is more than {self.max_future} ahead of the signer's nonce {nonce}",
                error=Error.FutureNonce,
            )
        error = None if signatures_checked else check_signatures(signed)
        if error is not None:
            raise MempoolError(_WHY[error], error=error)

    def ready(self, limit: int | None = None) -> list[SignedCall]:
        """MEM-08: the ready calls (at most `limit`), account by account in the order the accounts
        joined the pool, each account's in nonce order from its pending-state nonce without gaps."""
        return [e.signed for e in self.ready_entries(limit)]

    def ready_entries(self, limit: int | None = None) -> list[PoolEntry]:
        """MEM-08: `ready`'s calls as their pool entries (with their encodings and hashes)."""
        out: list[PoolEntry] = []
        for account, waiting in self._by_account.items():
            nonce = self.account_nonce(account)
            while nonce in waiting:
                if limit is not None and len(out) >= limit:
                    return out
                out.append(waiting[nonce])
                nonce += 1
        return out

    def update(self, state: State) -> list[bytes]:
        """MEM-09: `state` is the new pending state (after a block): drop every call whose nonce is now
        stale or whose signer became invalid for it; returns the hashes dropped."""
        self.state = state
        dropped: list[bytes] = []
        for account in list(self._by_account):
            waiting = self._by_account[account]
            nonce = self.account_nonce(account)
            for n in [n for n in waiting if n < nonce]:
                dropped.append(waiting.pop(n).hash)
            if not waiting:
                del self._by_account[account]
        for h in dropped:
            self.total_bytes -= self._hashes.pop(h).size
        return dropped

    def remove(self, hashes: list[bytes]) -> None:
        """Drop the calls with these hashes (e.g. calls a block left out as not valid)."""
        for h in hashes:
            entry = self._hashes.pop(h, None)
            if entry is None:
                continue
            self.total_bytes -= entry.size
            waiting = self._by_account[entry.signed.signer]
            del waiting[entry.signed.nonce]
            if not waiting:
                del self._by_account[entry.signed.signer]


_WHY = {
    Error.WrongChainId: "the call is signed for another chain",
    Error.InvalidMultisig: "the multisig spec is malformed or does not derive the signer's account",
    Error.UnknownSigner: "the signer has no account on this chain",
    Error.BadSignature: "a signature does not verify (or is not by the signer / a signatory)",
    Error.NotEnoughSignatures: "fewer distinct signatories than the multisig threshold",
    Error.MalformedCall: "a field of the call is outside the bounds its type declares",
    Error.InvalidEra: "the era's period is not a power of two in 4..65536",
    Error.FutureBirthBlock: "the call's era has not begun",
    Error.AncientBirthBlock: "the call's era has ended",
}
