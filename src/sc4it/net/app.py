"""sc4it as a CometBFT ABCI application (spec/network.md, NET-04..NET-20; docs/network.md has the map of
every ABCI method).

CometBFT orders the calls (its mempool, its consensus, its block store); this application executes them
with the node's block transition (`sc4it.block.run_block`: the billing hook, then each call), with the
block's BFT time as the block timestamp, and answers the state commitment as the app hash. Everything
that depends on the machine (sockets, files, peers) stays outside the pure core.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import cbor2

from sc4it import genesis as gen
from sc4it.block import (
    EMPTY_RESULTS,
    MAX_BLOCK_CALLS,
    BlockResults,
    BlockRun,
    Receipt,
    call_hash,
    call_hash_of,
    run_block,
)
from sc4it.kernel.codec import decode, encode
from sc4it.kernel.commitment import FIELDS, Commitment, ProofError
from sc4it.kernel.errors import DecodeError, Error
from sc4it.kernel.signing import SignedCall, ss58_decode
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv, Touched
from sc4it.kernel.types import MAX_ROLE_MEMBERS
from sc4it.light import proof_op
from sc4it.net.abci_events import abci_event
from sc4it.net.engine import abci_types
from sc4it.net.snapshots import SNAPSHOT_FORMAT, Snapshots, restore
from sc4it.net.store import NetStore, Stored
from sc4it.node.collector import Retired
from sc4it.node.mempool import MAX_PER_ACCOUNT, Mempool, MempoolError, MempoolReason

log = logging.getLogger("sc4it.net.app")

APP_VERSION = 1
"""NET-05: the application protocol version reported in Info (bumped when execution changes)."""
KNOWN_TXS = 20_000
"""NET-32: how many admitted transactions a replica remembers (decoded, signatures checked) for the
proposals and blocks that carry them; the oldest are forgotten first (they are then decoded and checked
again, never trusted unchecked)."""
RETAINED_HEIGHTS = 256
"""NET-15: how many recent committed states are kept to answer queries at a height and to diagnose a
divergence."""
CODESPACE = "sc4it"
_ERRORS = tuple(Error)


def error_code(error: Error) -> int:
    """NET-09: the ABCI result code of a typed sc4it error (0 is success): 1 + its position in `Error`."""
    return 1 + _ERRORS.index(error)


DECODE_ERROR_CODE = len(_ERRORS) + 1
"""NET-08: the result code of bytes that do not decode as a `SignedCall`."""
_REASONS = tuple(MempoolReason)


def mempool_code(e: MempoolError) -> int:
    """NET-09: CheckTx's code for a call the node's mempool refused: the error's code, or for a
    mempool-specific reason `DECODE_ERROR_CODE + 1 + its position in MempoolReason`."""
    if e.error is not None:
        return error_code(e.error)
    assert e.reason is not None
    return DECODE_ERROR_CODE + 1 + _REASONS.index(e.reason)


def bft_time_ms(ts: Any) -> int:
    """NET-10: a protobuf Timestamp (CometBFT's BFT time) in whole milliseconds since the epoch."""
    return int(ts.seconds) * 1000 + int(ts.nanos) // 1_000_000


def decode_call(tx: bytes) -> SignedCall:
    """NET-08: a transaction's bytes are the canonical encoding of one signed call."""
    value: object = decode(tx, SignedCall)
    assert isinstance(value, SignedCall)
    return value


@attrs.frozen(slots=True)
class Committed:
    """One committed height: its state, its commitment (the app hash) and its block time."""

    height: int
    time_ms: int
    state: State
    commitment: Commitment

    @property
    def app_hash(self) -> bytes:
        return self.commitment.root


@attrs.frozen(slots=True)
class Finalized:
    """A block executed by FinalizeBlock and not yet committed: its state, CometBFT's hash of the block,
    its transactions and their results (RPC-71: one receipt per transaction, in block order)."""

    committed: Committed
    txs: tuple[bytes, ...]
    touched: Touched = attrs.field(factory=lambda: Touched({}))
    """The entries the block wrote (what Commit writes to the store, NET-34)."""
    block_hash: bytes = b""
    results: BlockResults = EMPTY_RESULTS
    hashes: tuple[bytes | None, ...] = ()
    """NET-32: each transaction's call hash (MEM-01), None for bytes that do not decode: the hash of the
    bytes themselves, since only a canonical encoding decodes (NET-08), so nothing after FinalizeBlock
    decodes the block's transactions again."""


@attrs.frozen(slots=True)
class Known:
    """NET-32: an admitted transaction: its call, decoded from exactly these bytes, whose signatures
    CheckTx checked (`check_signatures` is a pure function of the call, BLK-25), and its call hash."""

    signed: SignedCall
    hash: bytes


@attrs.frozen(slots=True)
class Prepared:
    """NET-32: the proposer's own execution of the block it proposed, reused by FinalizeBlock when the
    decided block is that very proposal (same height, time and transactions)."""

    height: int
    time_ms: int
    txs: tuple[bytes, ...]
    run: BlockRun


UNDECODABLE = b"DecodeError"
"""RPC-71: the error name of a transaction that is not a signed call (ProcessProposal keeps such blocks
out, NET-12)."""


def receipts_of(calls: Sequence[SignedCall | None], run: BlockRun) -> tuple[Receipt, ...]:
    """RPC-71: one receipt per transaction: the call's own receipt, or for a call `run_block` left out its
    validity error, or for bytes that do not decode `UNDECODABLE`."""
    excluded = {i: error for i, _, error in run.excluded}
    receipts = iter(run.receipts)
    out: list[Receipt] = []
    position = 0
    for call in calls:
        if call is None:
            out.append(Receipt(UNDECODABLE, ()))
            continue
        error = excluded.get(position)
        position += 1
        out.append(next(receipts) if error is None else Receipt.of(error, ()))
    return tuple(out)


@attrs.frozen(slots=True)
class PlantedBug:
    """NET-19 (fault tests only): from `height` on, this replica credits one extra unit to `account` after
    each block, i.e. an application that computes a wrong state (`SC4IT_PLANTED_BUG=HEIGHT`)."""

    height: int
    account: bytes


def entry_rows(state: State, name: str, limit: int) -> list[list[str]]:
    """NET-16: the entries of one storage map as [key, sha256(value)] in hex of their canonical CBOR,
    sorted, at most `limit` (a map of sets: one row per item)."""
    field = next(f for f in FIELDS if f.name == name)
    assert field.is_map
    rows: list[list[str]] = []
    for key, value in getattr(state, name).items():
        k = cbor2.dumps(field.kenc(key), canonical=True).hex()
        values = value if field.set_valued else (value,)
        for v in values:
            rows.append([k, hashlib.sha256(cbor2.dumps(field.venc(v), canonical=True)).hexdigest()])
            if len(rows) >= limit:
                return sorted(rows)
    return sorted(rows)


def _stored(c: Committed) -> Stored:
    return Stored(c.height, c.time_ms, c.state, c.commitment)


def _committed(s: Stored) -> Committed:
    return Committed(s.height, s.time_ms, s.state, s.commitment)


VALIDATOR_POWER = 10
"""NET-50: the voting power of every validator (the council's set is a set of equals, as TFChain's)."""


def _ed25519_key(update: Any) -> bytes:
    """NET-50: the ed25519 public key of a CometBFT validator (the only key type sc4it's accounts share)."""
    if update.pub_key.WhichOneof("sum") != "ed25519":
        raise ValueError("a CometBFT validator of sc4it must have an ed25519 key")
    key = bytes(update.pub_key.ed25519)
    assert len(key) == 32
    return key


def adopt_validators(state: State, genesis_keys: Sequence[bytes]) -> State:
    """NET-50: a genesis that names no validator takes CometBFT's genesis validators (their ed25519 keys
    as account ids) as `roles.validators`; one that names some keeps them (they replace CometBFT's)."""
    if state.roles.validators or not genesis_keys:
        return state
    if len(set(genesis_keys)) > MAX_ROLE_MEMBERS:
        raise ValueError(f"at most {MAX_ROLE_MEMBERS} validators (roles.validators)")
    return attrs.evolve(state, roles=attrs.evolve(state.roles, validators=tuple(sorted(set(genesis_keys)))))


def validator_updates(before: Sequence[bytes], after: Sequence[bytes]) -> list[Any]:
    """NET-51: the ABCI validator updates that make CometBFT's set `after` from `before`: each account
    that left at power 0, then each that joined at `VALIDATOR_POWER`, in key order."""
    t = abci_types()
    out = []
    for key, power in [(k, 0) for k in sorted(set(before) - set(after))] + [
        (k, VALIDATOR_POWER) for k in sorted(set(after) - set(before))
    ]:
        update = t.ValidatorUpdate(power=power)
        update.pub_key.ed25519 = key
        out.append(update)
    return out


def query_entry(path: str) -> tuple[str, Any] | None:
    """NET-47: the storage entry (map, key) behind a typed query path, for its proof: `/sc4it/account/
    <ss58>` and `/sc4it/nonce/<ss58>` are `accounts`, `/sc4it/contract/<id>` is `contracts`; other
    paths carry no proof."""
    parts = [p for p in path.split("/") if p]
    if len(parts) != 3 or parts[0] != "sc4it":
        return None
    if parts[1] in ("account", "nonce"):
        return "accounts", ss58_decode(parts[2])
    if parts[1] == "contract":
        return "contracts", int(parts[2])
    return None


def _tx_result(receipt: Receipt) -> Any:
    """NET-11: a transaction's ABCI result: code 0 with its events, or its error's code (NET-09)."""
    t = abci_types()
    if receipt.error_name == UNDECODABLE:
        return t.ExecTxResult(code=DECODE_ERROR_CODE, codespace=CODESPACE, log="DecodeError")
    error = receipt.error
    if error is None:
        return t.ExecTxResult(code=0, events=[abci_event(e) for e in receipt.events])
    return t.ExecTxResult(code=error_code(error), codespace=CODESPACE, log=error.name)


class NetApp:
    """The ABCI application (NET-04..NET-20). `handle(kind, request)` is what the socket server calls."""

    def __init__(
        self,
        *,
        home: Path,
        snapshot_interval: int = 0,
        planted_bug: PlantedBug | None = None,
        on_commit: Callable[[Committed], None] | None = None,
    ) -> None:
        self.home = home
        self.snapshot_interval = snapshot_interval
        self.planted_bug = planted_bug
        self.on_commit = on_commit
        self.observers: list[Callable[[Finalized], None]] = []
        """Called with each block after Commit (RPC-71: the RPC server's chain keeps what it serves)."""
        self.last: Committed | None = None
        self.recent: OrderedDict[int, Committed] = OrderedDict()
        self.mempool: Mempool | None = None
        self.finalized: Finalized | None = None
        self.restoring: tuple[Any, list[bytes]] | None = None
        self.known: OrderedDict[bytes, Known] = OrderedDict()
        self.prepared: Prepared | None = None
        self.retired = Retired()
        """NODE-20: what Commit replaced (the state no longer retained, the block's `Finalized`), freed
        by `release_retired` between blocks, not inside the next block."""
        self.snapshots = Snapshots(home / "snapshots")
        """NET-17: the snapshots this node serves."""
        self.store = NetStore.open(home / "store")
        """NET-34: the committed state, durably (the node's SQLite store layer)."""
        self._resume()

    def close(self) -> None:
        """Release the store (the process's end does it too)."""
        self.store.close()

    # ---------------------------------------------------------------------------------------------
    # Dispatch

    def handle(self, kind: str, request: Any) -> Any:
        method: Callable[[Any], Any] | None = getattr(self, f"abci_{kind}", None)
        if method is None:
            raise NotImplementedError(f"ABCI {kind}")
        return method(request)

    # ---------------------------------------------------------------------------------------------
    # Info, InitChain, Commit: the committed chain

    def abci_info(self, req: Any) -> Any:
        """NET-05: the last committed height and app hash (0 and empty before InitChain)."""
        t = abci_types()
        last = self.last
        return t.ResponseInfo(
            data="sc4it",
            version=f"sc4it {APP_VERSION}",
            app_version=APP_VERSION,
            last_block_height=0 if last is None else last.height,
            last_block_app_hash=b"" if last is None else last.app_hash,
        )

    def abci_init_chain(self, req: Any) -> Any:
        """NET-06: the genesis state from genesis.json's `app_state` (an sc4it genesis JSON; empty or null:
        the embedded default genesis); the app hash is its commitment. NET-50: the validator set is
        `roles.validators`, adopted from CometBFT's genesis validators when the sc4it genesis names none."""
        t = abci_types()
        raw = bytes(req.app_state_bytes).strip()
        state = gen.default() if raw in (b"", b"null", b"{}", b'""') else gen.build(gen.loads(raw))
        state = adopt_validators(state, [_ed25519_key(v) for v in req.validators])
        height = max(int(req.initial_height), 1) - 1
        committed = Committed(height, bft_time_ms(req.time), state, Commitment.of(state))
        self.store.replace(_stored(committed))
        self._set_committed(committed)
        log.info("InitChain %s: app hash %s", req.chain_id, committed.app_hash.hex())
        return t.ResponseInitChain(
            app_hash=committed.app_hash,
            validators=validator_updates((), state.roles.validators),
        )

    def _set_committed(self, committed: Committed) -> None:
        self.last = committed
        self.recent[committed.height] = committed
        while len(self.recent) > RETAINED_HEIGHTS:
            self.retired.add(self.recent.popitem(last=False)[1])
        if self.mempool is None:
            self.mempool = Mempool(committed.state)
        else:
            self.mempool.update(committed.state)

    def abci_commit(self, req: Any) -> Any:
        """NET-13: the block executed by FinalizeBlock becomes the committed state; mempool checks restart
        from it; a snapshot is taken every `snapshot_interval` heights."""
        t = abci_types()
        fin = self.finalized
        assert fin is not None, "Commit without FinalizeBlock"
        self.finalized = None
        assert self.last is not None
        self.store.commit(self.last.state, _stored(fin.committed), fin.touched)  # NET-34
        self._set_committed(fin.committed)
        if self.snapshot_interval and fin.committed.height % self.snapshot_interval == 0:
            self.snapshots.take(_stored(fin.committed))
        if self.on_commit is not None:
            self.on_commit(fin.committed)
        for observe in self.observers:
            observe(fin)
        self.retired.add(fin)
        return t.ResponseCommit(retain_height=0)

    def release_retired(self) -> int:
        """NODE-20: free what Commit retired (the ABCI server calls it between blocks, before the
        collector, NODE-19); how many objects it released."""
        return len(self.retired.take())

    # ---------------------------------------------------------------------------------------------
    # Mempool and proposals

    def abci_check_tx(self, req: Any) -> Any:
        """NET-07..NET-09: a transaction enters the mempool only if it decodes and the node's mempool
        (`sc4it.node.mempool`, MEM-02..MEM-07) admits it against the committed state: chain id, signer,
        signatures, size, nonce neither stale nor too far ahead, per-account and total caps. The node's
        pool shadows CometBFT's; a recheck after Commit keeps the calls it still holds and checks the
        others again."""
        t = abci_types()
        tx = bytes(req.tx)
        pool = self.mempool
        assert pool is not None
        known = self.known.get(tx)
        if known is not None and known.hash in pool and int(req.type) == t.RECHECK:
            return t.ResponseCheckTx(code=0, gas_wanted=1)
        try:
            signed = decode_call(tx) if known is None else known.signed
        except DecodeError as e:
            return t.ResponseCheckTx(code=DECODE_ERROR_CODE, codespace=CODESPACE, log=f"DecodeError: {e}")
        try:
            h = pool.add(signed, signatures_checked=known is not None, encoded=tx)  # NET-08: canonical
        except MempoolError as e:
            return t.ResponseCheckTx(code=mempool_code(e), codespace=CODESPACE, log=f"{e.name}: {e.message}")
        self._remember(tx, Known(signed, h))
        return t.ResponseCheckTx(code=0, gas_wanted=1)

    def _remember(self, tx: bytes, known: Known) -> None:
        """NET-32: keep an admitted transaction, forgetting the oldest beyond `KNOWN_TXS`."""
        self.known[tx] = known
        self.known.move_to_end(tx)
        while len(self.known) > KNOWN_TXS:
            self.known.popitem(last=False)

    def _calls(self, txs: Sequence[bytes]) -> tuple[list[SignedCall | None], set[int]]:
        """NET-08, NET-32: each transaction's call (None if it does not decode) and the positions, among
        the calls that decode, of those whose signatures CheckTx checked (`run_block`'s `checked`)."""
        calls: list[SignedCall | None] = []
        checked: set[int] = set()
        position = 0
        for tx in txs:
            known = self.known.get(tx)
            if known is not None:
                calls.append(known.signed)
                checked.add(position)
            else:
                try:
                    calls.append(decode_call(tx))
                except DecodeError:
                    calls.append(None)
                    continue
            position += 1
        return calls, checked

    def abci_prepare_proposal(self, req: Any) -> Any:
        """NET-12: the proposer orders the mempool's transactions as the node's mempool does (MEM-08:
        per account in nonce order, without gaps), keeps what fits in `max_tx_bytes`, and then the calls
        `run_block` keeps (valid when executed after the billing hook at the proposal's height and time)."""
        t = abci_types()
        last = self.last
        assert last is not None
        pool = Mempool(last.state, max_calls=MAX_BLOCK_CALLS, max_per_account=MAX_PER_ACCOUNT * 64)
        raw_of: dict[bytes, bytes] = {}
        checked_hashes: set[bytes] = set()
        txs = [bytes(tx) for tx in req.txs]
        calls, checked = self._calls(txs)
        position = -1
        for tx, signed in zip(txs, calls, strict=True):
            if signed is None:
                continue
            position += 1
            pre = position in checked
            try:
                h = pool.add(signed, signatures_checked=pre)
            except MempoolError:
                continue
            raw_of[h] = tx
            if pre:
                checked_hashes.add(h)
        ordered: list[SignedCall] = []
        ordered_checked: set[int] = set()
        size = 0
        for signed in pool.ready(MAX_BLOCK_CALLS):
            h = call_hash(signed)
            raw = raw_of[h]
            if size + len(raw) > req.max_tx_bytes:
                break
            if h in checked_hashes:
                ordered_checked.add(len(ordered))
            ordered.append(signed)
            size += len(raw)
        height, time_ms = int(req.height), bft_time_ms(req.time)
        run = run_block(last.state, BlockEnv(height, time_ms), ordered, checked=ordered_checked)
        proposed = tuple(raw_of[call_hash(c)] for c in run.included)
        if not run.excluded:  # NET-32: FinalizeBlock of this very proposal reuses the run
            self.prepared = Prepared(height, time_ms, proposed, run)
        return t.ResponsePrepareProposal(txs=list(proposed))

    def abci_process_proposal(self, req: Any) -> Any:
        """NET-12: a proposal is accepted when every transaction decodes; validity failures are executed
        deterministically (as failed calls with no effect) rather than rejected."""
        t = abci_types()
        calls, _ = self._calls([bytes(tx) for tx in req.txs])
        if any(c is None for c in calls):
            return t.ResponseProcessProposal(status=t.ResponseProcessProposal.REJECT)
        return t.ResponseProcessProposal(status=t.ResponseProcessProposal.ACCEPT)

    # ---------------------------------------------------------------------------------------------
    # Execution

    def abci_finalize_block(self, req: Any) -> Any:
        """NET-04, NET-10, NET-11: execute the decided block with `run_block` (the billing hook, then each
        call) at the block's height and BFT time; one result per transaction (a call `run_block` leaves out
        as not valid gets its error's code); the app hash is the new state's commitment, updated from the
        entries the block touched."""
        t = abci_types()
        last = self.last
        assert last is not None
        height = int(req.height)
        assert height == last.height + 1, f"FinalizeBlock {height} after {last.height}"
        time_ms = bft_time_ms(req.time)
        txs = tuple(bytes(tx) for tx in req.txs)
        calls, checked = self._calls(txs)
        decoded = [c for c in calls if c is not None]
        prepared, self.prepared = self.prepared, None
        if prepared is not None and (prepared.height, prepared.time_ms, prepared.txs) == (
            height,
            time_ms,
            txs,
        ):
            run = prepared.run  # NET-32: the same run_block over the same calls, already done
        else:
            run = run_block(last.state, BlockEnv(height, time_ms), decoded, checked=checked)
        for tx in txs:  # NET-32: in a block, never checked again
            self.known.pop(tx, None)
        state, touched = self._planted(run.state, run.touched, height)
        commitment = last.commitment.update(state, touched)
        committed = Committed(height, time_ms, state, commitment)
        receipts = receipts_of(calls, run)
        results = BlockResults(run.hook_events, receipts)
        hashes = tuple(None if c is None else call_hash_of(tx) for tx, c in zip(txs, calls, strict=True))
        self.finalized = Finalized(
            committed, txs, touched=touched, block_hash=bytes(req.hash), results=results, hashes=hashes
        )
        if self.mempool is not None:  # the block's calls leave the node's pool (CometBFT's drops them too)
            self.mempool.remove([h for h in hashes if h is not None])
        return t.ResponseFinalizeBlock(
            events=[abci_event(e) for e in run.hook_events],
            tx_results=[_tx_result(r) for r in receipts],
            validator_updates=validator_updates(last.state.roles.validators, state.roles.validators),
            app_hash=committed.app_hash,
        )

    def _planted(self, state: State, touched: Touched, height: int) -> tuple[State, Touched]:
        bug = self.planted_bug
        if bug is None or height < bug.height:
            return state, touched
        info = state.accounts.get(bug.account)
        assert info is not None, "the planted bug's account must exist"
        wrong = attrs.evolve(info, free=info.free + 1)
        log.warning("planted bug: crediting one unit to %s at height %d", bug.account.hex(), height)
        wrong_state = attrs.evolve(state, accounts=state.accounts.set(bug.account, wrong))
        return wrong_state, touched | Touched({"accounts": {bug.account}})

    # ---------------------------------------------------------------------------------------------
    # Queries

    def at(self, height: int) -> Committed:
        """The committed state at `height` (0: the last one); KeyError if it is no longer retained."""
        assert self.last is not None
        if height in (0, self.last.height):
            return self.last
        return self.recent[height]

    def abci_query(self, req: Any) -> Any:
        """NET-14..NET-16: typed queries by path, at a retained height."""
        t = abci_types()
        if self.last is None:
            return t.ResponseQuery(code=1, log="no state yet (before InitChain)")
        try:
            committed = self.at(int(req.height))
        except KeyError:
            return t.ResponseQuery(code=2, log=f"height {req.height} is not retained")
        try:
            value = self._query(committed, str(req.path), bytes(req.data))
            entry = query_entry(str(req.path)) if req.prove else None
        except (KeyError, ValueError, StopIteration, AssertionError, ProofError) as e:
            return t.ResponseQuery(code=3, log=f"bad query {req.path!r}: {e}", height=committed.height)
        res = t.ResponseQuery(code=0, value=value, height=committed.height)
        if entry is not None:  # NET-47, LGT-08: one sc4it proof op; its root is header H+1's app hash
            op_type, key, data = proof_op(*entry, committed.commitment.prove([entry]))
            res.key = key
            res.proof_ops.ops.add(type=op_type, key=key, data=data)
        return res

    def _query(self, committed: Committed, path: str, data: bytes) -> bytes:
        """NET-14..NET-16 (`query_entry` names the storage entry of a proved query, NET-47)."""
        parts = [p for p in path.split("/") if p]
        if parts[:1] != ["sc4it"] or len(parts) < 2:
            raise ValueError("paths are /sc4it/<what>")
        what, args = parts[1], parts[2:]
        state = committed.state
        if what == "digests":  # NET-15
            doc = {
                "height": committed.height,
                "app_hash": committed.app_hash.hex(),
                "fields": {
                    f.name: d.hex() for f, d in zip(FIELDS, committed.commitment.digests, strict=True)
                },
            }
            return json.dumps(doc).encode()
        if what == "entries":  # NET-16
            (name,) = args
            return json.dumps(entry_rows(state, name, 100_000)).encode()
        if what == "account":  # NET-14
            (ss58,) = args
            info = state.accounts.get(ss58_decode(ss58))
            return b"" if info is None else encode(info)
        if what == "nonce":  # NET-14
            (ss58,) = args
            info = state.accounts.get(ss58_decode(ss58))
            return str(0 if info is None else info.nonce).encode()
        if what == "contract":  # NET-14
            (cid,) = args
            contract = state.contracts.get(int(cid))
            return b"" if contract is None else encode(contract)
        raise ValueError(f"unknown query {what!r}")

    # ---------------------------------------------------------------------------------------------
    # State sync (NET-17, NET-18)

    def _resume(self) -> None:
        """NET-05, NET-29, NET-34: start from the store's committed state; an empty store starts from the
        newest own snapshot, if any (and keeps it). CometBFT's handshake then replays only the blocks after
        it (it keeps every block, NET-13)."""
        stored = self.store.load()
        if stored is not None:
            self._set_committed(_committed(stored))
            log.info("resumed from the store at height %d", stored.height)
            return
        snapshot = self.snapshots.newest()
        if snapshot is None:
            return
        self.store.replace(snapshot)
        self._set_committed(_committed(snapshot))
        log.info("resumed from the snapshot at height %d", snapshot.height)

    def abci_list_snapshots(self, req: Any) -> Any:
        return abci_types().ResponseListSnapshots(snapshots=self.snapshots.listed())

    def abci_load_snapshot_chunk(self, req: Any) -> Any:
        chunk = self.snapshots.chunk(int(req.height), int(req.format), int(req.chunk))
        return abci_types().ResponseLoadSnapshotChunk(chunk=chunk)

    def abci_offer_snapshot(self, req: Any) -> Any:
        """NET-18: accept a snapshot of our format when we have no state; its app hash (`req.app_hash`) is
        the one CometBFT's light client verified."""
        t = abci_types()
        r = t.ResponseOfferSnapshot
        if self.last is not None and self.last.height > 0:
            return r(result=r.ABORT)
        if int(req.snapshot.format) != SNAPSHOT_FORMAT:
            return r(result=r.REJECT_FORMAT)
        self.restoring = (req, [])
        return r(result=r.ACCEPT)

    def abci_apply_snapshot_chunk(self, req: Any) -> Any:
        """NET-18: collect the chunks; with the last one, check the snapshot's hash, decode the state and
        check that its commitment is the verified app hash, else reject the snapshot."""
        t = abci_types()
        r = t.ResponseApplySnapshotChunk
        if self.restoring is None:
            return r(result=r.ABORT)
        offer, chunks = self.restoring
        chunks.append(bytes(req.chunk))
        if len(chunks) < int(offer.snapshot.chunks):
            return r(result=r.ACCEPT)
        self.restoring = None
        blob = b"".join(chunks)
        height = int(offer.snapshot.height)
        stored = restore(blob, bytes(offer.snapshot.hash), height, bytes(offer.app_hash))
        if stored is None:
            return r(result=r.REJECT_SNAPSHOT)
        self.store.replace(stored)  # NET-34
        self._set_committed(_committed(stored))
        self.snapshots.keep(height, blob)  # a restart resumes from it
        log.info("state sync: restored height %d", height)
        return r(result=r.ACCEPT)

    # Vote extensions are not used (NET-20).

    def abci_extend_vote(self, req: Any) -> Any:
        return abci_types().ResponseExtendVote(vote_extension=b"")

    def abci_verify_vote_extension(self, req: Any) -> Any:
        t = abci_types()
        return t.ResponseVerifyVoteExtension(status=t.ResponseVerifyVoteExtension.ACCEPT)
