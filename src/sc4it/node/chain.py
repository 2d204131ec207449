"""What the JSON-RPC server (`sc4it.node.rpc`) needs of a chain, and its implementation for one node
(spec/rpc.md; RPC-70 for the interface).

One server, two chains behind it: `NodeChain` (this module) serves a single sc4it node's store, mempool
and producer (`sc4it.node.service.Node`); `sc4it.net.chain.CometChain` serves an sc4it application
running under CometBFT (calls go through CometBFT's mempool, blocks and finality are CometBFT's). The
server's methods, parameter checks, JSON forms, filters, limits and subscriptions are the same code for
both: only the answers below differ.

Every method but `submit` and the header/block forms is a short synchronous read; `submit`,
`header_json` and `block_json` may need I/O (CometBFT's RPC) and are awaited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sc4it.block import BlockResults, header_hash
from sc4it.kernel.codec import encode
from sc4it.kernel.commitment import Commitment
from sc4it.kernel.events import Event
from sc4it.kernel.state import State
from sc4it.node.jsoncodec import JsonCodec
from sc4it.node.service import CommittedBlock, Node

BlockObserver = Callable[[int, tuple[Event, ...]], None]
"""Called (from any thread) with a committed block's number and its events."""


class Chain(Protocol):
    """RPC-70: the chain an `RpcServer` serves."""

    @property
    def chain_id(self) -> bytes:
        """The chain id signed calls carry (SIG)."""
        ...

    @property
    def state(self) -> State:
        """The state after the final head."""
        ...

    def head_number(self) -> int:
        """The number (height) of the final head."""
        ...

    def head_hash(self) -> bytes: ...

    def first_number(self) -> int:
        """The oldest block whose results the chain serves (events can be replayed from it)."""
        ...

    def number_of(self, ref: int | bytes) -> int | None:
        """The number of block `ref` (a number or a hash) when the chain serves it."""
        ...

    def block_hash(self, number: int) -> bytes | None: ...

    async def header_json(self, number: int, codec: JsonCodec) -> Any:
        """The header of block `number` in its public JSON form (None if unknown)."""
        ...

    async def block_json(self, number: int, codec: JsonCodec) -> Any:
        """`{"block": {"header", "extrinsics", ...}, "justifications"}` (None if unknown)."""
        ...

    def results(self, number: int) -> BlockResults | None: ...

    def inclusion(self, call: bytes) -> tuple[int, int] | None:
        """(block number, position in the block) of the call with this hash."""
        ...

    def state_at(self, number: int) -> State:
        """The state after block `number`; `LookupError` when it is not kept."""
        ...

    def tree_at(self, number: int) -> tuple[bytes, Commitment]:
        """LGT-09: the hash of block `number` and the state tree after it; `LookupError` when not kept."""
        ...

    def account_next_index(self, account: bytes) -> int: ...

    async def submit(self, data: bytes) -> bytes:
        """Submit the canonical encoding of a signed call; its call hash, or `MempoolError`."""
        ...

    def pending(self) -> int: ...

    async def health(self) -> dict[str, Any]:
        """`system_health`: `{"peers", "isSyncing", "shouldHavePeers"}`."""
        ...

    def properties(self) -> dict[str, Any]:
        """Extra members of `system_properties` (e.g. the consensus engine)."""
        ...

    def subscribe(self, observer: BlockObserver) -> Callable[[], None]:
        """Call `observer` for every block committed from now on; returns the function that stops it."""
        ...


class NodeChain:
    """RPC-70: a single sc4it node (`Node`) as the server's chain."""

    def __init__(self, node: Node) -> None:
        self.node = node

    @property
    def chain_id(self) -> bytes:
        return self.node.chain_id

    @property
    def state(self) -> State:
        return self.node.state

    def head_number(self) -> int:
        return int(self.node.head.number)

    def head_hash(self) -> bytes:
        return self.node.head_hash

    def first_number(self) -> int:
        return 0

    def number_of(self, ref: int | bytes) -> int | None:
        return self.node.number_of(ref)

    def block_hash(self, number: int) -> bytes | None:
        header = self.node.header(number)
        return None if header is None else header_hash(header)

    async def header_json(self, number: int, codec: JsonCodec) -> Any:
        header = self.node.header(number)
        return None if header is None else codec.to_json(header)

    async def block_json(self, number: int, codec: JsonCodec) -> Any:
        header = self.node.header(number)
        if header is None:
            return None
        b = self.node.block(number)
        return {
            "block": {
                "header": codec.to_json(header),
                "signature": None if b is None else "0x" + b.signature.hex(),
                "extrinsics": [] if b is None else ["0x" + encode(s).hex() for s in b.calls],
            },
            "justifications": None,
        }

    def results(self, number: int) -> BlockResults | None:
        return self.node.results(number)

    def inclusion(self, call: bytes) -> tuple[int, int] | None:
        return self.node.inclusion(call)

    def state_at(self, number: int) -> State:
        return self.node.state_at(number)

    def tree_at(self, number: int) -> tuple[bytes, Commitment]:
        header, tree = self.node.tree_at(number)
        return header_hash(header), tree

    def account_next_index(self, account: bytes) -> int:
        return self.node.account_next_index(account)

    async def submit(self, data: bytes) -> bytes:
        return self.node.submit_bytes(data)

    def pending(self) -> int:
        return self.node.pending()

    async def health(self) -> dict[str, Any]:
        return {"peers": 0, "isSyncing": False, "shouldHavePeers": False}

    def properties(self) -> dict[str, Any]:
        return {"consensus": "sc4it"}

    def subscribe(self, observer: BlockObserver) -> Callable[[], None]:
        def on_block(committed: CommittedBlock) -> None:
            observer(committed.number, committed.events)

        return self.node.subscribe(on_block)
