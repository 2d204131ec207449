"""NODE-19: Python's cyclic garbage collector around and between blocks, for every host that makes or
executes blocks in a long-running process (`sc4it node run`, the network's application): one rule, one
place (spec/node.md).

- While a block is built and committed the collector is paused (`Collector.paused`, `smt.collector_paused`).
- Between blocks (`Collector.between_blocks`) it collects its young generations, then freezes what
  survived (`gc.freeze`): the block's new records and tree nodes are walked once, then never again.
- A reference cycle that was alive at a freeze and became garbage later (an RPC connection's transport
  and handlers, say) is invisible to those collections: only a full collection over the unfrozen heap
  finds it. `between_blocks` makes one, then freezes again, whenever the process's heap (its allocated
  small-object blocks, `sys.getallocatedblocks`) has grown by `growth` (half, by default) since the
  last full collection; the first call takes the heap as it is then as the base. Such garbage is so
  bounded by a fraction of the heap, and the full collections cost O(1) amortised per block of growth
  (each walks a heap that grew by half since the last), the bargain of Python's own full collections
  (which use a quarter). A node whose heap does not grow (a steady state: each block's records replace
  the ones they supersede, freed by reference counting) never pays one. Half, not a quarter: after a
  restart at 1M contracts the first billing cycle decodes the lazily loaded state (NODE-15), which grows
  the heap by ~22 % without any garbage, and a full collection there walks ~30M objects (~20 s).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
import time
from collections.abc import Iterator

import attrs

from sc4it.kernel.smt import collector_paused

log = logging.getLogger("sc4it.node")

FULL_COLLECTION_GROWTH = 0.5
"""NODE-19: a full collection between blocks once the heap has grown by this fraction since the last."""


@attrs.frozen(slots=True)
class Collected:
    """What one `between_blocks` did: whether it made a full collection, what that found unreachable,
    the heap (allocated blocks) after it, and how long it took in all."""

    full: bool
    unreachable: int
    heap_blocks: int
    seconds: float


class Collector:
    """NODE-19 for one host (see the module docstring). Not thread-safe: the host calls it between blocks,
    from the thread that makes them."""

    def __init__(self, growth: float = FULL_COLLECTION_GROWTH) -> None:
        assert growth > 0, "a full collection at every call would walk the whole heap between blocks"
        self.growth = growth
        self.base: int | None = None
        """The heap (`sys.getallocatedblocks()`) after the last full collection, or at the first call."""
        self.full_collections = 0

    @staticmethod
    @contextlib.contextmanager
    def paused() -> Iterator[None]:
        """The collector off while a block is built and committed (`smt.collector_paused`: a host that
        runs with it off keeps it off)."""
        with collector_paused():
            yield

    def between_blocks(self) -> Collected:
        """The young generations collected; a full collection over the unfrozen heap if the heap grew by
        `growth` since the last one; then everything that survived frozen."""
        started = time.perf_counter()
        gc.collect(1)
        heap = sys.getallocatedblocks()
        if self.base is None:
            self.base = heap
        full = heap > self.base * (1 + self.growth)
        unreachable = 0
        if full:
            gc.unfreeze()
            unreachable = gc.collect()
            heap = sys.getallocatedblocks()
            self.base = heap
            self.full_collections += 1
        gc.freeze()
        took = time.perf_counter() - started
        if full:
            log.info("full collection between blocks: %d unreachable objects, %.2f s", unreachable, took)
        return Collected(full, unreachable, heap, took)


MAX_RETIRED = 16
"""NODE-20: at most this many retired objects wait for `Retired.take` (a host that never takes them frees
the oldest inside a block, as reference counting would)."""


class Retired:
    """NODE-20 for one host: what its blocks made unreachable (replaced states, a block's results), kept
    alive until the host takes them between blocks, so they are freed there rather than inside the next
    block; at most `MAX_RETIRED` (past that the oldest is freed at once). Not thread-safe: a host that
    shares it across threads takes its own lock."""

    def __init__(self) -> None:
        self._items: list[object] = []

    def __len__(self) -> int:
        return len(self._items)

    def add(self, dropped: object) -> None:
        """Keep `dropped` alive until the next `take`."""
        self._items.append(dropped)
        if len(self._items) > MAX_RETIRED:
            del self._items[0]

    def take(self) -> list[object]:
        """Everything kept so far, handed over: freed when the caller drops the list."""
        items, self._items = self._items, []
        return items
