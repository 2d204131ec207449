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
    made on demand, a chunk at a time (ANA-19)."""

    __slots__ = ("bounds", "ids", "log", "values")

    def __init__(self, values: list[I64], log: list[I64], bounds: I64) -> None:
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


def sorted_log(
    row: I64, block: I64, count: I64, stride: I64, tag: I64, x: I64, y: I64, known: tuple[int, ...]
) -> tuple[I64, list[I64]]:
    """Log entries by contract row, then as the scalar engine's `sorted(log)` (block, count, stride, tag
    code (codes in the tags' order), x, y): the row and the sorted columns block, count, stride, tag, x, y.

    When every stride is one of `known` and (row, block, count, stride's rank, tag) pack into one int64
    with no two entries sharing all five (one bill writes one entry of each tag), one sort of that key,
    decoded; seven sort keys otherwise."""
    if len(row):
        bmin = int(block.min())
        spans = [int(row.max()) + 1, int(block.max()) - bmin + 1, int(count.max()) + 1]
        strides = np.array(sorted(set(known)), dtype=np.int64)
        stride_rank = np.minimum(np.searchsorted(strides, stride), len(strides) - 1)
        spans += [len(strides), len(TAGS)]
        if _product(spans) < 1 << 63 and (strides[stride_rank] == stride).all():
            key = row
            for v, span in zip((block - bmin, count, stride_rank, tag), spans[1:], strict=True):
                key = key * span + v
            order = np.argsort(key)
            key = key[order]
            if not (key[1:] == key[:-1]).any():
                out = []
                for span in reversed(spans[1:]):
                    key, v = np.divmod(key, span)
                    out.append(v)
                t, sr, n, b = out
                return key, [b + bmin, n, strides[sr], t, x[order], y[order]]
    order = np.lexsort((y, x, tag, stride, count, block, row))
    return row[order], [v[order] for v in (block, count, stride, tag, x, y)]


def _product(spans: list[int]) -> int:
    out = 1
    for s in spans:
        out *= s
    return out


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
