"""The batch path's outcome (spec/analysis.md ANA-19): contracts as int64 columns made into
`ContractResult`s on demand (`Columns`, `Contracts`), the log's order, and distributions split and summed
on arrays (`split_parts`, exact sums)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from typing import cast

import numpy as np
from numpy.typing import NDArray

from sc4it.analysis.ffmodel import (
    BILLED,
    CREATED,
    DISTRIBUTED,
    ELAPSED,
    GONE,
    GRACE,
    GRACE_ENDED,
    GRACE_STARTED,
    NAME,
    NODE,
    OVERDRAWN,
    RENT,
    ContractResult,
)
from sc4it.kernel.perthing import perbill_mul
from sc4it.kernel.types import Recipient, SplitRule

I64 = NDArray[np.int64]
TAGS = (BILLED, DISTRIBUTED, ELAPSED, GRACE_ENDED, GRACE_STARTED, OVERDRAWN)
"""The log tags by code; codes follow the tags' string order, so sorting by code sorts as the log does."""
_END = {CREATED: "active", GRACE: "grace", GONE: "deleted: out of funds"}
_KIND_NAMES = {NODE: "node", NAME: "name", RENT: "rent"}


class Columns:
    """The batch path's contracts as int64 columns in id order (`values`: one row per field of
    `ContractResult` but the log; `log`: block, count, stride, tag code, x, y of every log entry, by
    contract then as sorted; `bounds`: where each contract's entries start). `ContractResult`s are
    made on demand, a chunk at a time (ANA-24)."""

    __slots__ = ("bounds", "ids", "log", "values")

    def __init__(self, values: I64, log: I64, bounds: I64) -> None:
        self.values = values
        self.log = log
        self.bounds = bounds
        self.ids = values[0]

    def __len__(self) -> int:
        return len(self.ids)

    def row(self, contract_id: int) -> int:
        """The row of `contract_id`, -1 if it is not in these columns."""
        i = int(np.searchsorted(self.ids, contract_id))
        return i if i < len(self.ids) and self.ids[i] == contract_id else -1

    def results(self, lo: int, hi: int) -> list[ContractResult]:
        """The `ContractResult`s of rows `lo`..`hi` − 1."""
        start, stop = int(self.bounds[lo]), int(self.bounds[hi])
        block, count, stride, tag, x, y = (v[start:stop].tolist() for v in self.log)
        tags = [TAGS[t] for t in tag]
        entries = list(zip(block, count, stride, tags, x, y, strict=True))
        bounds = (self.bounds[lo : hi + 1] - start).tolist()
        out = []
        for i, (cid, twin, kind, paid, bills, graces, state, end, od, reserve, cycles, last) in enumerate(
            zip(*(v[lo:hi].tolist() for v in self.values), strict=True)
        ):
            log = tuple(entries[bounds[i] : bounds[i + 1]])
            out.append(
                ContractResult(
                    cid,
                    twin,
                    _KIND_NAMES[kind],
                    paid,
                    bills,
                    graces,
                    _END[state],
                    end,
                    od,
                    reserve,
                    cycles,
                    last,
                    log,
                )
            )
        return out


class Contracts(Mapping[int, ContractResult]):
    """`FastResult.contracts` when the batch path ran: the scalar path's results (`eager`) and the batch
    path's columns, as one mapping in id order; iterating values or items makes results a chunk at a
    time."""

    CHUNK = 4096

    def __init__(self, eager: dict[int, ContractResult], columns: Columns) -> None:
        self.eager = eager
        self.columns = columns

    def __getitem__(self, contract_id: int) -> ContractResult:
        found = self.eager.get(contract_id)
        if found is not None:
            return found
        row = self.columns.row(contract_id)
        if row < 0:
            raise KeyError(contract_id)
        return self.columns.results(row, row + 1)[0]

    def __len__(self) -> int:
        return len(self.eager) + len(self.columns)

    def __iter__(self) -> Iterator[int]:
        return heapq.merge(sorted(self.eager), self.columns.ids.tolist())

    def _results(self) -> Iterator[ContractResult]:
        """Every result in id order."""
        chunks = (
            self.columns.results(lo, min(lo + self.CHUNK, len(self.columns)))
            for lo in range(0, len(self.columns), self.CHUNK)
        )
        batch = itertools.chain.from_iterable(chunks)
        eager = (self.eager[k] for k in sorted(self.eager))
        return heapq.merge(eager, batch, key=lambda r: r.contract_id)

    def values(self) -> ValuesView[ContractResult]:
        return _Values(self)

    def items(self) -> ItemsView[int, ContractResult]:
        return _Items(self)


class _Values(ValuesView[ContractResult]):
    _mapping: Contracts

    def __iter__(self) -> Iterator[ContractResult]:
        return self._mapping._results()


class _Items(ItemsView[int, ContractResult]):
    _mapping: Contracts

    def __iter__(self) -> Iterator[tuple[int, ContractResult]]:
        return ((r.contract_id, r) for r in self._mapping._results())


def log_order(c: I64, block: I64, count: I64, stride: I64, tag: I64, x: I64, y: I64, last: int) -> I64:
    """The order of log entries by contract row, then as the scalar engine's `sorted(log)`: by block,
    count, stride, tag (codes in the tags' order), x, y. Two sort keys when they fit in int64 and no two
    entries of a contract share block, count, stride and tag (one bill writes one entry of each tag);
    all seven otherwise."""
    n = len(c)
    if (
        n
        and (last < 1 << 40)
        and int(c.max()) < 1 << 22
        and int(count.max()) < 1 << 24
        and int(stride.max()) < 1 << 32
    ):
        first = c * (last + 1) + block
        second = (count << 35) | (stride << 3) | tag
        order = np.lexsort((second, first))
        f, s = first[order], second[order]
        if not ((f[1:] == f[:-1]) & (s[1:] == s[:-1])).any():
            return order
    return np.lexsort((y, x, tag, stride, count, block, c))


def split_parts(rule: SplitRule, amounts: I64) -> list[tuple[Recipient, I64]]:
    """DST-05 (`split_amounts`) on an array of amounts: each share `perbill_mul` (the kernel's, on arrays:
    it only divides, multiplies and compares) capped by what is left, then the remainder."""
    left = amounts
    parts = []
    for share in rule.shares:
        part = np.minimum(cast(I64, perbill_mul(share.perbill, cast(int, amounts))), left)
        parts.append((share.recipient, part))
        left = left - part
    parts.append((rule.remainder, left))
    return parts


def exact_sum(values: I64) -> int:
    """The sum of non-negative int64 `values` (each below 2^62) as a Python int, without overflow."""
    low = values & ((1 << 31) - 1)
    return (int((values >> 31).sum()) << 31) + int(low.sum())


def exact_sums(values: I64, groups: I64, n: int) -> list[int]:
    """`exact_sum` of `values` by group (0..n-1)."""
    low, high = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    np.add.at(low, groups, values & ((1 << 31) - 1))
    np.add.at(high, groups, values >> 31)
    return [(h << 31) + lo for h, lo in zip(high.tolist(), low.tolist(), strict=True)]


def credit(revenue: dict[bytes, int], acc: bytes, amount: int) -> None:
    if amount:
        revenue[acc] = revenue.get(acc, 0) + amount
