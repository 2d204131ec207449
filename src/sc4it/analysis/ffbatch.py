"""The batch path of the fast engine (spec/analysis.md ANA-23, ANA-24): the twins of the common shape
billed together, as numpy int64 arrays, step for step as the scalar engine (`sc4it.analysis.fastforward`)
bills each of them.

A twin takes this path (ANA-23) when nothing but time happens to it: one price and one pricing policy
over the period, no event of its own, no rent contract, no contract on a rented or opted-out node, one to
`MAX_BILLED` billed contracts whose amounts due are positive at every level, and balances and amounts far
from int64's limits (`BOUND`). Every other twin takes the scalar path. Amounts come from the same
profiles as the scalar engine's (`Prices.full_profile`: billing's own cost functions, called once per
distinct cost key and elapsed time); the arrays only add, subtract, compare and divide exact integers.

The twins of one size (number of billed contracts) advance in lock-step rounds; in each round every twin
takes the step the scalar engine would take next (`_Engine._jump_created`, `_jump_grace` or `_bill` of
its earliest contract), so the bills, log entries and step counts are the scalar engine's (ANA-24).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import attrs
import numpy as np
from numpy.typing import NDArray

from sc4it.analysis.ffcolumns import Columns, credit, exact_sum, exact_sums, sorted_log, split_parts
from sc4it.analysis.ffmodel import (
    CREATED,
    GONE,
    GRACE,
    NAME,
    NODE,
    U16_MAX,
    CostKey,
    Period,
    Prices,
    account,
)
from sc4it.analysis.population import HistoryEvent, Population, account_of
from sc4it.kernel.state import State
from sc4it.kernel.types import Recipient

I64 = NDArray[np.int64]
Mask = NDArray[np.bool_]

MAX_BILLED = 8
"""The most billed contracts a twin of the batch path has (more: the scalar path)."""
BOUND = 1 << 60
"""Balances, and every amount due times the cycles of the period, stay below this (int64 headroom)."""
_HIGH = 1 << 62
"""A level's least balance above `BOUND` is stored as this: no balance of the batch path reaches it."""
T_BILLED, T_DIST, T_ELAPSED, T_ENDED, T_STARTED, T_OVERDRAWN = range(6)


@attrs.frozen
class BatchResult:
    """The batch path's part of a `FastResult` (the twins it billed, their contracts, balances and the
    revenue, burn and distributions of their bills)."""

    twin_ids: frozenset[int]
    contracts: Columns
    balances: dict[int, tuple[int, int]]
    revenue: dict[bytes, int]
    burned: int
    distributed: int
    steps: int


@attrs.define
class _Shape:
    """The population's contracts as arrays (one row per contract), with each twin's eligibility."""

    cid: I64
    twin_row: I64
    kind: I64
    key: I64
    farmer: I64
    billed: Mask
    keys: list[CostKey]
    farmers: list[bytes]
    twin_ok: Mask


def _shape(population: Population, twin_rows: dict[int, int], events: set[int]) -> _Shape:
    """ANA-23's static conditions, contract by contract (one pass over the population)."""
    nodes = {n.id: n for n in population.nodes}
    farmer_of = {f.id: f.farmer_twin for f in population.farms}
    rented = {c.node_id for c in population.contracts if c.kind == "rent"}
    key_ids: dict[CostKey, int] = {}
    farmer_ids: dict[int, int] = {}
    n = len(population.contracts)
    cid, row, kind, key, farmer = ([0] * n for _ in range(5))
    billed = [False] * n
    twin_ok = np.ones(len(twin_rows), dtype=np.bool_)
    for i, c in enumerate(population.contracts):
        r = twin_rows[c.twin_id]
        cid[i], row[i] = c.id, r
        if c.kind == "name":
            res = c.resources
            k: CostKey = (NAME, res.hru, res.sru, res.cru, res.mru, c.public_ips, False, False)
            kind[i], farmer[i], billed[i] = NAME, -1, True
        else:
            node = nodes[c.node_id]
            if c.kind == "rent" or node.opted_out or c.node_id in rented:
                twin_ok[r] = False
                continue
            res = c.resources
            k = (NODE, res.hru, res.sru, res.cru, res.mru, c.public_ips, True, node.certified)
            kind[i], billed[i] = NODE, c.public_ips != 0 or not res.is_empty()  # BIL-04
            farmer[i] = farmer_ids.setdefault(farmer_of[node.farm_id], len(farmer_ids))
        key[i] = key_ids.setdefault(k, len(key_ids))
    for t in events:
        if t in twin_rows:
            twin_ok[twin_rows[t]] = False
    return _Shape(
        np.array(cid, dtype=np.int64),
        np.array(row, dtype=np.int64),
        np.array(kind, dtype=np.int64),
        np.array(key, dtype=np.int64),
        np.array(farmer, dtype=np.int64),
        np.array(billed, dtype=np.bool_),
        list(key_ids),
        [account_of(t) for t in farmer_ids],
        twin_ok,
    )


def _clipped(values: Iterator[int], n: int) -> I64:
    """`n` non-negative integers as int64, those at or above `BOUND` as `BOUND`."""
    return np.fromiter((v if v < BOUND else BOUND for v in values), dtype=np.int64, count=n)


class _Profiles:
    """The profiles used, as tables: least balance of each level (`least`, _HIGH if none) and the
    amount due at each level (`dues`), one row per (cost key, elapsed seconds); `bad` marks a profile the
    batch path does not take (a zero amount due at some level, or an amount too large for `BOUND`)."""

    def __init__(self, prices: Prices, keys: list[CostKey], limit: int) -> None:
        self.prices = prices
        self.keys = keys
        self.limit = limit
        self.index: dict[tuple[int, int], int] = {}
        self.least: list[list[int]] = []
        self.dues: list[list[int]] = []
        self.bad: list[bool] = []

    def of(self, key: I64, secs: I64) -> I64:
        """The profile row of each (key, secs) pair, computed once per distinct pair."""
        pairs = key * (1 << 32) + secs
        uniq, inverse = np.unique(pairs, return_inverse=True)
        rows = np.empty(len(uniq), dtype=np.int64)
        for j, pair in enumerate(uniq.tolist()):
            rows[j] = self._row(pair >> 32, pair & 0xFFFFFFFF)
        return np.asarray(rows[inverse.reshape(-1)], dtype=np.int64)

    def _row(self, key: int, secs: int) -> int:
        row = self.index.get((key, secs))
        if row is None:
            _, least, dues = self.prices.full_profile(self.keys[key], secs)
            row = self.index[(key, secs)] = len(self.dues)
            levels = len(dues)
            self.dues.append(dues + [dues[-1]] * (5 - levels))
            self.least.append([min(x, _HIGH) for x in least] + [_HIGH] * (4 - len(least)))
            self.bad.append(min(dues) <= 0 or max(dues) >= self.limit)
        return row

    def tables(self) -> tuple[I64, I64, Mask]:
        return (
            np.array(self.least, dtype=np.int64).reshape(-1, 4),
            np.array(self.dues, dtype=np.int64).reshape(-1, 5),
            np.array(self.bad, dtype=np.bool_),
        )


def run(
    population: Population,
    base: State,
    period: Period,
    params: Sequence[tuple[int, Prices]],
    per_twin: dict[int, list[tuple[HistoryEvent, int]]],
) -> BatchResult | None:
    """ANA-23: bill the twins of the common shape; None if the period or prices rule the path out."""
    f = base.billing_frequency
    steady = f * period.block_time_ms
    if len(params) != 1 or steady % 1000 or steady < 1000 or params[0][1].price <= 0:
        return None
    if period.last < period.first + f - 1:
        return None
    sim = _Sim.build(population, base, period, params[0][1], per_twin)
    if sim is None:
        return None
    sim.run()
    return sim.result()


class _Sim:
    """The arrays of the batch path: per contract (`c` indexes) and per twin (`t` indexes)."""

    def __init__(self, base: State, period: Period, prices: Prices) -> None:
        cfg = base.config
        self.period = period
        self.prices = prices
        self.f = base.billing_frequency
        self.secs = self.f * period.block_time_ms // 1000
        self.grace = cfg.grace_period
        self.df = cfg.distribution_frequency
        self.ed = cfg.existential_deposit
        self.t0 = period.now(period.base_block)
        self.staking = base.roles.staking_pool
        self.dp = base.distribution_policy
        self.least: I64 = np.zeros((0, 4), dtype=np.int64)
        self.dues: I64 = np.zeros((0, 5), dtype=np.int64)
        self.logs: list[tuple[I64, ...]] = []
        self.payouts: list[tuple[I64, I64, I64]] = []

    @classmethod
    def build(
        cls,
        population: Population,
        base: State,
        period: Period,
        prices: Prices,
        per_twin: dict[int, list[tuple[HistoryEvent, int]]],
    ) -> _Sim | None:
        sim = cls(base, period, prices)
        twin_rows = {t.id: i for i, t in enumerate(population.twins)}
        shape = _shape(population, twin_rows, set(per_twin))
        if not shape.billed.any():
            return None
        cycles = (period.last - period.first) // sim.f + 2
        profiles = _Profiles(prices, shape.keys, BOUND // (cycles * MAX_BILLED))
        first = period.first
        next0 = first + (shape.cid - first) % sim.f
        now0 = (period.base_timestamp + (next0 - period.base_block) * period.block_time_ms) // 1000
        p_first = np.zeros(len(shape.cid), dtype=np.int64)
        p_steady = np.zeros(len(shape.cid), dtype=np.int64)
        b = shape.billed
        p_first[b] = profiles.of(shape.key[b], now0[b] - sim.t0)
        p_steady[b] = profiles.of(shape.key[b], np.full(int(b.sum()), sim.secs, dtype=np.int64))
        sim.least, sim.dues, bad = profiles.tables()
        return (
            sim
            if sim._select(population, shape, b & (bad[p_first] | bad[p_steady]), next0, (p_first, p_steady))
            else None
        )

    def _select(
        self, population: Population, shape: _Shape, bad: Mask, next0: I64, profs: tuple[I64, I64]
    ) -> bool:
        """Keep the twins of ANA-23 and lay out their contracts; False if there are none."""
        ed = self.ed
        twins = population.twins
        n_twins = len(twins)
        balance = _clipped((t.balance for t in twins), n_twins)  # population amounts reach 2^100 (ANA-02)
        stash = _clipped((t.stash or 0 for t in twins), n_twins)
        frozen = _clipped((t.frozen for t in twins), n_twins)
        ok = shape.twin_ok & (balance < BOUND) & (stash < BOUND) & (frozen < BOUND)
        has = np.bincount(shape.twin_row, minlength=n_twins) > 0
        m = np.bincount(shape.twin_row, weights=shape.billed, minlength=n_twins).astype(np.int64)
        ok &= has & (m >= 1) & (m <= MAX_BILLED)
        ok[shape.twin_row[bad]] = False
        if not ok.any():
            return False
        rows = np.flatnonzero(ok)
        sel = ok[shape.twin_row]
        # the batch path's contracts, by twin then billing order (next block, id)
        order = np.lexsort((shape.cid[sel], next0[sel], shape.twin_row[sel]))
        idx = np.flatnonzero(sel)[order]
        self.cid, self.kind, self.farmer = shape.cid[idx], shape.kind[idx], shape.farmer[idx]
        self.farmers = shape.farmers
        self.billed = shape.billed[idx]
        self.twin_rows = rows
        local = np.full(n_twins, -1, dtype=np.int64)
        local[rows] = np.arange(len(rows))
        self.twin = local[shape.twin_row[idx]]
        self.twin_id = np.fromiter((t.id for t in twins), dtype=np.int64, count=n_twins)[rows]
        self.m = m[rows]
        n = len(idx)
        zeros = np.zeros(n, dtype=np.int64)
        self.next = next0[idx].copy()
        self.p_first, self.p_steady = profs[0][idx], profs[1][idx]
        self.state, self.start, self.paid, self.bills, self.graces = (zeros.copy() for _ in range(5))
        self.end, self.overdraft, self.reserve, self.cycles = (zeros.copy() for _ in range(4))
        self.last = np.full(n, self.t0, dtype=np.int64)
        self.free = np.maximum(balance[rows], ed)  # the population's balances as ANA-03 builds them
        self.stash = np.maximum(stash[rows] - ed, 0)
        self.keep = np.maximum(frozen[rows], ed)  # LED-05
        self.reserved = np.zeros(len(rows), dtype=np.int64)
        self.steps = np.zeros(len(rows), dtype=np.int64)
        billed = np.flatnonzero(self.billed)  # each twin's billed contracts, in billing order
        owner = self.twin[billed]
        rank = np.arange(len(billed)) - np.searchsorted(owner, owner, side="left")
        self.table = np.full((len(rows), MAX_BILLED), -1, dtype=np.int64)
        self.table[owner, rank] = billed
        return True

    # -- amounts -------------------------------------------------------------------------------------

    def _now(self, block: I64) -> I64:
        per = self.period
        return (per.base_timestamp + (block - per.base_block) * per.block_time_ms) // 1000

    def _usable(self, t: I64) -> I64:
        """LED-05: free − max(ED, frozen), floored at 0."""
        return np.asarray(np.maximum(self.free[t] - self.keep[t], 0), dtype=np.int64)

    def _due(self, prof: I64, total: I64) -> tuple[I64, I64, I64]:
        """BIL-37/BIL-38 as `_Engine.due`: (amount due, level, least balance of the level) of profile
        rows `prof` with `total` usable (twin and stash) at the bill."""
        least = self.least[prof]
        level = np.cumprod(least <= total[:, None], axis=1).sum(axis=1)
        at = least[np.arange(len(prof)), np.maximum(level - 1, 0)]
        return self.dues[prof, level], level, np.where(level > 0, at, 0)

    def _log(
        self, c: I64, block: I64, count: I64 | int, stride: I64 | int, tag: int, x: I64 | int, y: I64 | int
    ) -> None:
        n = len(c)
        if n:
            cols = (c, block, count, stride, tag, x, y)
            self.logs.append(tuple(np.broadcast_to(np.asarray(v, dtype=np.int64), (n,)) for v in cols))

    def _pay(self, c: I64, amount: I64, times: I64 | int) -> None:
        """DST-04: `times` payouts of `amount` from contract `c`'s reserve (split at the end)."""
        if len(c):
            n = len(c)
            self.payouts.append((c, amount, np.broadcast_to(np.asarray(times, dtype=np.int64), (n,))))

    # -- one bill (`_Engine._bill`, BIL-11..BIL-20, GRC-01..GRC-05) -----------------------------------

    def _bill(self, t: I64, c: I64, prof: I64) -> None:
        """The bill of contract `c` (one per twin `t`) at its next block, with profile rows `prof`."""
        self.steps[t] += 1
        block = self.next[c]
        now = self._now(block)
        usable = self._usable(t)
        std, level, _ = self._due(prof, usable + self.stash[t])
        owed = self.overdraft[c]
        to_reserve = std + owed
        suff = to_reserve <= usable  # BIL-15
        state = self.state[c]
        grace = state == GRACE
        assert not (grace & suff).any(), "GRC-01 needs a top-up: not on the batch path"
        start = self.start[c]
        elapsed = np.where(block > start, block - start, 0)
        removed = grace & (elapsed >= self.grace)  # GRC-02
        self._log(c[removed], block[removed], 1, 0, T_ELAPSED, elapsed[removed], 0)
        enter = (state == CREATED) & ~suff  # GRC-04
        ce = c[enter]
        self.state[ce] = GRACE
        self.start[ce] = block[enter]
        self.graces[ce] += 1
        self._log(ce, block[enter], 1, 0, T_STARTED, 0, 0)
        cs, ts = c[suff], t[suff]  # BIL-17
        self.free[ts] -= to_reserve[suff]
        self.reserved[ts] += to_reserve[suff]
        self.reserve[cs] += to_reserve[suff]
        self.overdraft[cs] = 0
        self.paid[cs] += to_reserve[suff]
        self._log(cs, block[suff], 1, 0, T_BILLED, level[suff], to_reserve[suff])
        o = ~suff  # BIL-18 (no extra fee on this path)
        co, to, uo = c[o], t[o], usable[o]
        owed_now = owed[o] + std[o]
        moved = np.minimum(uo, owed_now)
        self.overdraft[co] = owed_now - moved
        self.reserve[co] += moved
        self.free[to] -= uo
        self.reserved[to] += uo
        self.paid[co] += uo
        self._log(co, block[o], 1, 0, T_OVERDRAWN, uo, np.maximum(std[o] - uo, 0))
        self.bills[c] += 1
        self.last[c[~removed]] = now[~removed]
        cycles = np.minimum(self.cycles[c] + 1, U16_MAX)  # DST-01
        reserve = self.reserve[c]
        dist = ((cycles >= self.df) | removed) & (reserve > 0)  # DST-02
        cd = c[dist]
        self._pay(cd, reserve[dist], 1)
        self._log(cd, block[dist], 1, 0, T_DIST, reserve[dist], 0)
        self.reserved[t[dist]] -= reserve[dist]
        self.reserve[cd] = 0
        cycles[dist] = 0
        self.cycles[c] = cycles
        cr = c[removed]  # BIL-20, GRC-09
        self.state[cr] = GONE
        self.end[cr] = block[removed]
        self.overdraft[cr] = 0

    # -- stretches (`_Engine._book_paid`, `_book_grace`, `_cycles`: ANA-12, ANA-13, ANA-15) ------------

    def _book_paid(self, t: I64, c: I64, k: I64, std: I64, level: I64) -> None:
        """`k` bills of each `c` paying `std` at `level`, from its next slot."""
        f = self.f
        nxt = self.next[c]
        self._log(c, nxt, k, f, T_BILLED, level, std)
        amount = k * std
        self.paid[c] += amount
        self.bills[c] += k
        self.last[c] = self._now(nxt + (k - 1) * f)
        np.subtract.at(self.free, t, amount)
        np.add.at(self.reserved, t, amount)
        cycles = self.cycles[c]
        quiet = cycles + k < self.df  # DST-02: no distribution in the stretch
        cq = c[quiet]
        self.reserve[cq] += amount[quiet]
        self.cycles[cq] += k[quiet]
        d = ~quiet  # ANA-15: i1 <= k here, and std > 0
        c, t, k, std, nxt, cycles = c[d], t[d], k[d], std[d], nxt[d], cycles[d]
        i1: I64 = np.maximum(self.df - cycles, 1)
        first: I64 = self.reserve[c] + i1 * std
        self._pay(c, first, 1)
        self._log(c, nxt + (i1 - 1) * f, 1, 0, T_DIST, first, 0)
        np.subtract.at(self.reserved, t, first)
        df = self.df
        more = (k - i1) // df
        mm = more > 0
        self._pay(c[mm], df * std[mm], more[mm])
        self._log(c[mm], nxt[mm] + (i1[mm] - 1 + df) * f, more[mm], df * f, T_DIST, df * std[mm], 0)
        np.subtract.at(self.reserved, t, df * std * more)
        rest = k - i1 - more * df
        self.reserve[c] = rest * std
        self.cycles[c] = rest

    def _book_grace(self, t: I64, c: I64, k: I64, std: I64) -> None:
        """`k` overdrawn bills of each `c` in grace, each `std` short, from its next slot."""
        f = self.f
        nxt = self.next[c]
        self._log(c, nxt, k, f, T_OVERDRAWN, 0, std)
        self.overdraft[c] += k * std
        self.bills[c] += k
        self.last[c] = self._now(nxt + (k - 1) * f)
        cycles = self.cycles[c]
        reserve = self.reserve[c]
        i1 = np.maximum(self.df - cycles, 1)
        quiet = (reserve == 0) | (i1 > k)
        self.cycles[c[quiet]] = np.minimum(cycles[quiet] + k[quiet], U16_MAX)
        d = ~quiet  # ANA-15 with nothing added: only the reserve carried in is paid
        cd = c[d]
        self._pay(cd, reserve[d], 1)
        self._log(cd, nxt[d] + (i1[d] - 1) * f, 1, 0, T_DIST, reserve[d], 0)
        np.subtract.at(self.reserved, t[d], reserve[d])
        self.reserve[cd] = 0
        self.cycles[cd] = np.minimum(k[d] - i1[d], U16_MAX)

    # -- the rounds (`_Engine._run_quiet`, `_run_single`, `_jump`) -----------------------------------

    def run(self) -> None:
        """Each size of twin in turn: the first cycle bill by bill, then rounds until every twin is done."""
        for m in range(1, MAX_BILLED + 1):
            rows = np.flatnonzero(self.m == m)
            if not len(rows):
                continue
            table = self.table[rows, :m]
            for pos in range(m):  # the first, partial cycle (ANA-11), in billing order
                c = table[:, pos]
                self._bill(rows, c, self.p_first[c])
                self.next[c] += self.f
            self._rounds(rows, table)

    def _rounds(self, t: I64, table: I64) -> None:
        last, f = self.period.last, self.f
        m = table.shape[1]
        while len(t):
            nxt = np.where(self.state[table] == GONE, np.iinfo(np.int64).max, self.next[table])
            order = np.argsort(nxt, axis=1, kind="stable")
            alive = np.take_along_axis(table, order, axis=1)  # billing order; gone contracts last
            n_alive = (nxt < np.iinfo(np.int64).max).sum(axis=1)
            keep = n_alive > 0
            t, table, alive, n_alive = t[keep], table[keep], alive[keep], n_alive[keep]
            if not len(t):
                return
            rows = np.arange(len(t))
            k0 = (last - self.next[alive[rows, n_alive - 1]]) // f + 1
            valid = np.arange(m)[None, :] < n_alive[:, None]
            usable = self._usable(t)
            done = np.zeros(len(t), dtype=np.bool_)
            jumped = self._jump_created(t, alive, valid, k0, usable)
            jumped |= self._jump_grace(t, alive, valid, k0, usable, ~jumped)
            single = ~jumped
            c = alive[single, 0]
            late = self.next[c] > last
            done[np.flatnonzero(single)[late]] = True
            bill = np.flatnonzero(single)[~late]
            cb = alive[bill, 0]
            self._bill(t[bill], cb, self.p_steady[cb])
            self.next[cb] += f
            t, table = t[~done], table[~done]

    def _jump_created(self, t: I64, alive: I64, valid: Mask, k0: I64, usable: I64) -> Mask:
        """`_Engine._jump_created` for the twins whose contracts are all Created without overdraft."""
        out = np.zeros(len(t), dtype=np.bool_)
        fine = (self.state[alive] == CREATED) & (self.overdraft[alive] == 0)
        idx = np.flatnonzero((k0 >= 1) & (fine | ~valid).all(axis=1))
        if not len(idx):
            return out
        t, alive, valid, u = t[idx], alive[idx], valid[idx], usable[idx]
        stash = self.stash[t]
        spent = np.zeros(len(idx), dtype=np.int64)
        ok = np.ones(len(idx), dtype=np.bool_)
        plan = []
        for pos in range(alive.shape[1]):  # the cycle's bills, each with the balance its earlier ones left
            v = valid[:, pos]
            left = u - spent
            std, level, least = self._due(self.p_steady[alive[:, pos]], left + stash)
            ok &= ~v | (std <= left)
            plan.append((std, level, spent, np.maximum(std, least - stash)))
            spent = spent + np.where(v, std, 0)
        k = k0[idx]
        total = np.where(spent > 0, spent, 1)
        for pos, (_, _, prefix, need) in enumerate(plan):
            k = np.where(valid[:, pos], np.minimum(k, (u - prefix - need) // total + 1), k)
        if not ok.any():
            return out
        t, alive, valid, k = t[ok], alive[ok], valid[ok], k[ok]
        assert (k >= 1).all()
        self.steps[t] += 1
        for pos, (std, level, _, _) in enumerate(plan):
            v = valid[:, pos]
            self._book_paid(t[v], alive[v, pos], k[v], std[ok][v], level[ok][v])
        self.next[alive[valid]] += np.broadcast_to((k * self.f)[:, None], alive.shape)[valid]
        out[idx[ok]] = True
        return out

    def _jump_grace(self, t: I64, alive: I64, valid: Mask, k0: I64, usable: I64, allow: Mask) -> Mask:
        """`_Engine._jump_grace` for the twins whose contracts are all in grace with nothing usable."""
        out = np.zeros(len(t), dtype=np.bool_)
        in_grace = (self.state[alive] == GRACE) | ~valid
        idx = np.flatnonzero(allow & (k0 >= 1) & (usable == 0) & in_grace.all(axis=1))
        if not len(idx):
            return out
        t, alive, valid, k = t[idx], alive[idx], valid[idx], k0[idx]
        stash = self.stash[t]
        ok = np.ones(len(idx), dtype=np.bool_)
        stds = []
        for pos in range(alive.shape[1]):
            c, v = alive[:, pos], valid[:, pos]
            since = self.next[c] - self.start[c]
            ok &= ~v | (since < self.grace)
            k = np.where(v, np.minimum(k, (self.grace - 1 - since) // self.f + 1), k)
            stds.append(self._due(self.p_steady[c], stash)[0])
        if not ok.any():
            return out
        t, alive, valid, k = t[ok], alive[ok], valid[ok], k[ok]
        self.steps[t] += 1
        for pos, std in enumerate(stds):
            v = valid[:, pos]
            self._book_grace(t[v], alive[v, pos], k[v], std[ok][v])
        self.next[alive[valid]] += np.broadcast_to((k * self.f)[:, None], alive.shape)[valid]
        out[idx[ok]] = True
        return out

    # -- the outcome ---------------------------------------------------------------------------------

    def result(self) -> BatchResult:
        revenue, burned, distributed = self._revenue()
        twin_ids = self.twin_id.tolist()
        return BatchResult(
            frozenset(twin_ids),
            self._columns(),
            dict(zip(twin_ids, zip(self.free.tolist(), self.reserved.tolist(), strict=True), strict=True)),
            revenue,
            burned,
            distributed,
            int(self.steps.sum()),
        )

    def _columns(self) -> Columns:
        """The contracts' outcome as columns in id order, each log sorted as the scalar engine sorts it."""
        by_id = np.argsort(self.cid, kind="stable")
        row_of = np.empty(len(by_id), dtype=np.int64)
        row_of[by_id] = np.arange(len(by_id))
        if self.logs:
            cols = [np.concatenate([entry[i] for entry in self.logs]) for i in range(7)]
        else:
            cols = [np.zeros(0, dtype=np.int64) for _ in range(7)]
        c, block, count, stride, tag, x, y = cols
        strides = (0, self.f, self.df * self.f)  # single entries, stretches of bills, of distributions
        rows, log = sorted_log(row_of[c], block, count, stride, tag, x, y, strides)
        gone = self.state == GONE
        values = [
            self.cid,
            self.twin_id[self.twin],
            self.kind,
            self.paid,
            self.bills,
            self.graces,
            self.state,
            self.end,
            np.where(gone, 0, self.overdraft),
            np.where(gone, 0, self.reserve),
            np.where(gone, 0, self.cycles),
            np.where(gone, 0, self.last),
        ]
        return Columns([v[by_id] for v in values], log, np.searchsorted(rows, np.arange(len(by_id) + 1)))

    def _revenue(self) -> tuple[dict[bytes, int], int, int]:
        """DST-04..DST-07 over every payout booked: each distinct (rule, amount) split once by
        `split_amounts`; revenue per account, burned and distributed (sums exact in Python ints)."""
        if not self.payouts:
            return {}, 0, 0
        c, amount, times = (np.concatenate([p[i] for p in self.payouts]) for i in range(3))
        rule = (self.kind[c] == NAME).astype(np.int64)
        rules = (self.dp.node, self.dp.name)
        policy = self.prices.policy
        sales, foundation = policy.certified_sales_account, policy.foundation_account
        farmer = self.farmer[c]
        revenue: dict[bytes, int] = {}
        burned = 0
        for r, split_rule in enumerate(rules):
            of_rule = rule == r
            for recipient, part in split_parts(split_rule, amount[of_rule]):
                value = part * times[of_rule]
                if recipient == Recipient.Burn:
                    burned += exact_sum(value)
                    continue
                if recipient == Recipient.Farmer:
                    who = farmer[of_rule]
                    paid = who >= 0
                    sums = exact_sums(value[paid], who[paid], len(self.farmers))
                    for acc, x in zip(self.farmers, sums, strict=True):
                        credit(revenue, acc, x)
                    value = value[~paid]
                credit(revenue, account(recipient, None, self.staking, sales, foundation), exact_sum(value))
        return revenue, burned, exact_sum(amount * times)
