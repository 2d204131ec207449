"""The node's JSON-RPC API on top of a CometBFT node (spec/rpc.md RPC-70..RPC-75, spec/network.md).

`CometChain` is the `sc4it.node.chain.Chain` of an sc4it application running under CometBFT: the same
`RpcServer` (methods, JSON codec, filters, limits, subscriptions) serves it. What differs:

- `author_submitExtrinsic` goes through CometBFT's mempool (`broadcast_tx_sync` on the node's own
  CometBFT RPC): CheckTx runs the node's mempool rules, so a refusal names the same sc4it error (RPC-72);
- a block is final when CometBFT commits it (more than 2/3 of the voting power precommitted it): the
  head and the finalized head are the last height the application committed, and a block's hash is
  CometBFT's (RPC-73);
- headers and blocks are CometBFT's, read from its RPC: `chain_getHeader` answers `{number, hash,
  parentHash, appHash, dataHash, timeMs, cometbft}` where `cometbft` is CometBFT's own header JSON and
  `appHash` is the state commitment after the *previous* block (CometBFT's app hash lags one block);
  `chain_getBlock`'s justification is the commit (RPC-74);
- results, inclusion and events come from FinalizeBlock, kept for the newest `BLOCKS_KEPT` blocks this
  process executed (RPC-71, RPC-75): a restarted application re-executes the blocks after its snapshot.

`sc4it_lightBlock(height)` answers what a light client verifies (`sc4it.net.light`): CometBFT's signed
header and the validator set of that height.
"""

from __future__ import annotations

import base64
import collections
import threading
from collections.abc import Callable
from typing import Any

import aiohttp

from sc4it.block import BlockResults, call_hash
from sc4it.kernel.codec import decode
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.errors import DecodeError, Error
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.state import State
from sc4it.net.app import DECODE_ERROR_CODE, Finalized, NetApp
from sc4it.node.chain import BlockObserver
from sc4it.node.jsoncodec import JsonCodec
from sc4it.node.mempool import MAX_CALL_BYTES, MempoolError, MempoolReason
from sc4it.node.rpc import INTERNAL_ERROR, INVALID_PARAMS, Method, RpcError, RpcServer

BLOCKS_KEPT = 4096
"""RPC-75: the newest executed blocks whose results, hashes and inclusions the server keeps."""
_ERRORS = tuple(Error)
_REASONS = tuple(MempoolReason)


def mempool_error(code: int, log: str) -> MempoolError:
    """RPC-72: the `MempoolError` of a CheckTx code (the inverse of NET-09's numbering)."""
    message = log.split(": ", 1)[-1] if log else f"refused with code {code}"
    if 1 <= code <= len(_ERRORS):
        return MempoolError(message, error=_ERRORS[code - 1])
    if code == DECODE_ERROR_CODE:
        return MempoolError(message, reason=MempoolReason.Malformed)
    index = code - DECODE_ERROR_CODE - 1
    if 0 <= index < len(_REASONS):
        return MempoolError(message, reason=_REASONS[index])
    return MempoolError(
        f"CometBFT refused the call (code {code}): {log[:200]}", reason=MempoolReason.Malformed
    )


class CometRpcError(RuntimeError):
    """CometBFT's RPC answered with an error (or not at all)."""


class CometChain:
    """RPC-70: an sc4it application under CometBFT, served by `RpcServer` (see the module docstring)."""

    def __init__(self, app: NetApp, cometbft_rpc: str, *, keep: int = BLOCKS_KEPT) -> None:
        assert keep >= 1
        self.app = app
        self.cometbft_rpc = cometbft_rpc.rstrip("/")
        self.keep = keep
        self._lock = threading.Lock()
        self._blocks: collections.OrderedDict[int, Finalized] = collections.OrderedDict()
        self._by_hash: dict[bytes, int] = {}
        self._calls: dict[bytes, tuple[int, int]] = {}
        self._observers: list[BlockObserver] = []
        self._session: aiohttp.ClientSession | None = None
        self._headers: collections.OrderedDict[int, Any] = collections.OrderedDict()
        app.observers.append(self._on_block)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- blocks the application committed ---------------------------------------------------------

    def _on_block(self, fin: Finalized) -> None:
        """RPC-71: keep the block's hash, results and call positions; tell the observers."""
        height = fin.committed.height
        with self._lock:
            self._blocks[height] = fin
            self._by_hash[fin.block_hash] = height
            for index, h in enumerate(fin.hashes):  # NET-32: hashed at FinalizeBlock, not decoded again
                if h is not None:
                    self._calls.setdefault(h, (height, index))  # a later copy is a stale replay
            while len(self._blocks) > self.keep:
                _, old = self._blocks.popitem(last=False)
                self._forget(old)
            observers = list(self._observers)
        for observe in observers:
            observe(height, fin.results.events)

    def _forget(self, old: Finalized) -> None:
        self._by_hash.pop(old.block_hash, None)
        for h in old.hashes:
            if h is not None and self._calls.get(h, (0, 0))[0] == old.committed.height:
                del self._calls[h]

    # --- the Chain interface ----------------------------------------------------------------------

    @property
    def chain_id(self) -> bytes:
        return self.state.chain_id

    @property
    def state(self) -> State:
        last = self.app.last
        assert last is not None, "no state before InitChain"
        return last.state

    def head_number(self) -> int:
        last = self.app.last
        return 0 if last is None else last.height

    def head_hash(self) -> bytes:
        return self.block_hash(self.head_number()) or b"\0" * 32

    def first_number(self) -> int:
        with self._lock:
            return next(iter(self._blocks), self.head_number() + 1)

    def number_of(self, ref: int | bytes) -> int | None:
        with self._lock:
            if isinstance(ref, int):
                return ref if ref in self._blocks else None
            return self._by_hash.get(ref)

    def block_hash(self, number: int) -> bytes | None:
        with self._lock:
            fin = self._blocks.get(number)
            return None if fin is None else fin.block_hash

    def results(self, number: int) -> BlockResults | None:
        with self._lock:
            fin = self._blocks.get(number)
            return None if fin is None else fin.results

    def inclusion(self, call: bytes) -> tuple[int, int] | None:
        with self._lock:
            return self._calls.get(call)

    def state_at(self, number: int) -> State:
        try:
            return self.app.at(number).state
        except KeyError:
            raise LookupError(f"the state at height {number} is not retained") from None

    def tree_at(self, number: int) -> tuple[bytes, Commitment]:
        """RPC-76: the block's CometBFT hash and the state tree after it; the tree's root is the app hash
        of the header of `number + 1` (NET-46)."""
        try:
            committed = self.app.at(number)
        except KeyError:
            raise LookupError(f"the state at height {number} is not retained") from None
        return self.block_hash(number) or b"", committed.commitment

    def account_next_index(self, account: bytes) -> int:
        pool = self.app.mempool
        assert pool is not None
        return pool.next_nonce(account)

    def pending(self) -> int:
        pool = self.app.mempool
        return 0 if pool is None else len(pool)

    def properties(self) -> dict[str, Any]:
        return {"consensus": "cometbft", "firstBlock": self.first_number()}

    async def health(self) -> dict[str, Any]:
        """RPC-73: the node's CometBFT peers and whether it is still catching up (block or state sync)."""
        peers = await self.comet("net_info")
        status = await self.comet("status")
        return {
            "peers": int(peers["n_peers"]),
            "isSyncing": bool(status["sync_info"]["catching_up"]),
            "shouldHavePeers": True,
        }

    def subscribe(self, observer: BlockObserver) -> Callable[[], None]:
        with self._lock:
            self._observers.append(observer)

        def unsubscribe() -> None:
            with self._lock:
                if observer in self._observers:
                    self._observers.remove(observer)

        return unsubscribe

    # --- what needs CometBFT's RPC ----------------------------------------------------------------

    async def comet(self, method: str, **params: Any) -> Any:
        """One JSON-RPC call to this node's CometBFT; its result or `CometRpcError`."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        try:
            async with self._session.post(self.cometbft_rpc, json=body) as resp:
                reply = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as e:
            raise CometRpcError(f"CometBFT RPC {method}: {e}") from None
        if not isinstance(reply, dict) or "error" in reply:
            err = reply.get("error") if isinstance(reply, dict) else reply
            raise CometRpcError(f"CometBFT RPC {method}: {str(err)[:300]}")
        return reply["result"]

    async def submit(self, data: bytes) -> bytes:
        """RPC-72: through CometBFT's mempool; CheckTx (this application) decides."""
        if len(data) > MAX_CALL_BYTES:
            raise MempoolError(
                f"{len(data)} bytes; a call is at most {MAX_CALL_BYTES}", reason=MempoolReason.TooLarge
            )
        try:
            signed: SignedCall = decode(data, SignedCall)
        except DecodeError as e:
            raise MempoolError(f"not a signed call: {e}", reason=MempoolReason.Malformed) from None
        try:
            result = await self.comet("broadcast_tx_sync", tx=base64.b64encode(data).decode())
        except CometRpcError as e:
            if "already exists in cache" in str(e):
                raise MempoolError("the call is already known", reason=MempoolReason.AlreadyKnown) from None
            raise
        code = int(result.get("code", 0))
        if code != 0:
            raise mempool_error(code, str(result.get("log", "")))
        return call_hash(signed)

    async def _header(self, number: int) -> Any:
        cached = self._headers.get(number)
        if cached is None:
            cached = (await self.comet("header", height=str(number)))["header"]
            self._headers[number] = cached
            while len(self._headers) > 1024:
                self._headers.popitem(last=False)
        return cached

    async def header_json(self, number: int, codec: JsonCodec) -> Any:
        """RPC-74: CometBFT's header of `number` with its hash and the Substrate-shaped members."""
        h = self.block_hash(number)
        if h is None:
            return None
        header = await self._header(number)
        parent = header["last_block_id"]["hash"]
        with self._lock:
            fin = self._blocks.get(number)
        return {
            "number": number,
            "hash": "0x" + h.hex(),
            "parentHash": "0x" + (parent.lower() if parent else "00" * 32),
            "appHash": "0x" + header["app_hash"].lower(),
            "dataHash": "0x" + header["data_hash"].lower(),
            "timeMs": 0 if fin is None else fin.committed.time_ms,
            "cometbft": header,
        }

    async def block_json(self, number: int, codec: JsonCodec) -> Any:
        """RPC-74: the header, the transactions (each the canonical encoding of a signed call) and, as
        the justification, CometBFT's commit of the block."""
        with self._lock:
            fin = self._blocks.get(number)
        if fin is None:
            return None
        commit = await self.comet("commit", height=str(number))
        return {
            "block": {
                "header": await self.header_json(number, codec),
                "extrinsics": ["0x" + tx.hex() for tx in fin.txs],
            },
            "justifications": {"cometbft_commit": commit["signed_header"]["commit"]},
        }

    async def light_block(self, height: Any) -> Any:
        """RPC-74: `sc4it_lightBlock(height?)`: CometBFT's signed header and validator set at `height`
        (default: the head), what `sc4it.net.light.verify` checks."""
        if height is None:
            height = self.head_number()
        if type(height) is not int or not 1 <= height <= self.head_number():
            raise RpcError(INVALID_PARAMS, "height: expected a committed block height", {"param": "height"})
        try:
            signed = (await self.comet("commit", height=str(height)))["signed_header"]
            vals = await self.comet("validators", height=str(height), per_page="100")
        except CometRpcError as e:
            raise RpcError(INTERNAL_ERROR, str(e)) from None
        return {"signed_header": signed, "validators": vals["validators"]}


def serve_chain(chain: CometChain, **kwargs: Any) -> RpcServer:
    """RPC-70: the node's `RpcServer` on a `CometChain`, with `sc4it_lightBlock` (RPC-74)."""
    server = RpcServer(chain, **kwargs)
    server.methods["sc4it_lightBlock"] = Method(chain.light_block, ("height",))
    return server
