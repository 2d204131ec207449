"""Hypothesis strategies for pricing analysis (spec/analysis.md; docs/pricing-analysis.md): workloads
(contracts), populations, pricing-policy proposals and histories, sized so that a population billed
for a few hundred cycles crosses discount levels, enters and leaves grace and gets deleted.

- `workloads()`: one node or name contract (`ContractSpec` without ids).
- `populations(...)`: farms, nodes (some certified), twins (balances from nothing to years of bills,
  some with a stash or a frozen amount) and their contracts.
- `policy_proposals()`: a `PolicyProposal` that moves each price of pricing policy 1 by a factor.
- `pricing_policy_ones(base)`: pricing policy 1 of `base` with random prices and units.
- `histories(population, base, period)`: TFT price changes, policy changes, top-ups, reports.
- `analysis_worlds()`: a base state with a small billing cycle, grace period and distribution
  frequency (the `Config` varies) and a `Period`.

Requires Hypothesis (the `test` extra).
"""

from __future__ import annotations

import attrs
from hypothesis import strategies as st

from sc4it import genesis as gen
from sc4it.analysis.fastforward import Period
from sc4it.analysis.population import (
    ContractSpec,
    FarmSpec,
    HistoryEvent,
    NodeSpec,
    NuReport,
    OptOut,
    Population,
    Report,
    SetPolicy,
    SetPrice,
    TopUp,
    TwinSpec,
)
from sc4it.kernel.state import Config, State
from sc4it.kernel.types import Policy, PricingPolicy, Resources, Unit
from sc4it.tools.quote import PolicyProposal

__all__ = [
    "analysis_worlds",
    "balances",
    "histories",
    "policy_proposals",
    "populations",
    "pricing_policy_ones",
    "workloads",
]

GIB = 1 << 30
FARMER_TWINS = 9000
"""Farmer twins get ids from here, apart from the billed twins (ANA-05)."""


def balances() -> st.SearchStrategy[int]:
    """A free balance in TFT units, from 0 to 10^11 (10 000 TFT), spread over every order of magnitude."""
    return st.builds(lambda e, m: int(10 ** (e / 4)) * m // 10, st.integers(0, 44), st.integers(1, 10))


def workloads() -> st.SearchStrategy[tuple[str, Resources, int]]:
    """(kind, used resources, public IPs) of one contract: a node contract of any size up to a large
    VM (possibly empty: then it is not billed, BIL-04) or a name contract."""
    node = st.tuples(
        st.just("node"),
        st.builds(
            Resources,
            hru=st.integers(0, 4096).map(lambda g: g * GIB),
            sru=st.integers(0, 1024).map(lambda g: g * GIB),
            cru=st.integers(0, 16),
            mru=st.integers(0, 64).map(lambda g: g * GIB),
        ),
        st.integers(0, 2),
    )
    return st.one_of(node, st.just(("name", Resources(), 0)))


@st.composite
def populations(
    draw: st.DrawFn, max_twins: int = 5, max_contracts: int = 3, *, rent: bool = False, opt_out: bool = False
) -> Population:
    """Farms with farmer twins (ids from `FARMER_TWINS`), nodes, twins 1..n and their contracts, ids
    spread so contracts fall into different billing shards and some share one. With `rent`, some nodes
    are rented by one twin (a rent contract; only the renter deploys there, ANA-07), of any size and
    some with an extra fee (dedicated nodes, BIL-39); with `opt_out`, some nodes have opted out of v3
    billing (OPT-30)."""
    n_farms = draw(st.integers(1, 2))
    farms = tuple(FarmSpec(f, FARMER_TWINS + f) for f in range(1, n_farms + 1))
    n_nodes = draw(st.integers(1, 3))
    n_twins = draw(st.integers(1, max_twins))
    renter = {
        n: draw(st.one_of(st.none(), st.integers(1, n_twins))) if rent else None
        for n in range(1, n_nodes + 1)
    }
    nodes = tuple(
        NodeSpec(
            n,
            draw(st.integers(1, n_farms)),
            draw(st.booleans()),
            draw(node_sizes()) if rent else NodeSpec(0, 0).resources,
            draw(st.sampled_from([0, 0, 1, 5000, 10**6])) if rent else 0,
            draw(st.sampled_from([False, False, False, True])) if opt_out else False,
        )
        for n in range(1, n_nodes + 1)
    )
    twins = [TwinSpec(f.farmer_twin, 10**8) for f in farms]
    contracts = []
    cid = draw(st.integers(1, 20))
    for t in range(1, n_twins + 1):
        stash = draw(st.one_of(st.none(), balances()))
        frozen = draw(st.one_of(st.just(0), st.integers(0, 10**8)))
        twins.append(TwinSpec(t, draw(balances()), stash, frozen))
        free = [n for n in range(1, n_nodes + 1) if renter[n] in (None, t)]
        rented = [n for n in range(1, n_nodes + 1) if renter[n] == t]
        for n in rented:
            contracts.append(ContractSpec(cid, t, "rent", n))
            cid += draw(st.integers(1, 12))
        for _ in range(draw(st.integers(1 - len(rented), max_contracts))):
            kind, res, ips = draw(workloads())
            if kind == "node" and not free:
                kind, res, ips = "name", Resources(), 0
            node = draw(st.sampled_from(free)) if kind == "node" else 0
            contracts.append(ContractSpec(cid, t, kind, node, res, ips))
            cid += draw(st.integers(1, 12))
    return Population(farms, nodes, tuple(twins), tuple(contracts), "generated")


def node_sizes() -> st.SearchStrategy[Resources]:
    """A node's total resources, from a small box to a large server (what a rent contract pays for)."""
    return st.builds(
        Resources,
        hru=st.integers(0, 16).map(lambda t: t * 1024 * GIB),
        sru=st.integers(0, 8).map(lambda t: t * 512 * GIB),
        cru=st.integers(1, 64),
        mru=st.integers(1, 512).map(lambda g: g * GIB),
    )


def policy_proposals(low: float = 0.5, high: float = 2.0) -> st.SearchStrategy[PolicyProposal]:
    """A proposal moving su, cu, ipu and unique_name of the default policy by factors in [low, high]."""
    base = gen.default().pricing_policies.get(1)
    assert base is not None

    def scaled(p: Policy) -> st.SearchStrategy[Policy]:
        return st.floats(low, high).map(lambda x: Policy(max(0, round(p.value * x)), p.unit))

    return st.builds(
        PolicyProposal,
        su=scaled(base.su),
        cu=scaled(base.cu),
        ipu=scaled(base.ipu),
        unique_name=scaled(base.unique_name),
    )


def pricing_policy_ones(base: State) -> st.SearchStrategy[PricingPolicy]:
    """Pricing policy 1 of `base` with any prices (0..10^6 units USD per hour) and units."""
    current = base.pricing_policies.get(1)
    assert current is not None
    price = st.builds(Policy, st.integers(0, 10**6), st.sampled_from(list(Unit)))
    return st.builds(
        lambda su, cu, ipu, un: attrs.evolve(current, su=su, cu=cu, ipu=ipu, unique_name=un),
        price,
        price,
        price,
        price,
    )


@st.composite
def analysis_worlds(draw: st.DrawFn) -> tuple[State, Period]:
    """A base state (the default genesis with a short billing cycle, grace period and distribution
    frequency) and a period of up to 1500 blocks (6 s blocks, or 6.5 s: then cycles are not all the
    same length and the engine bills one by one)."""
    config = Config(
        billing_frequency=draw(st.sampled_from([5, 10])),
        grace_period=draw(st.sampled_from([0, 30, 100])),
        distribution_frequency=draw(st.sampled_from([1, 3, 4, 24])),
    )
    base = gen.build(attrs.evolve(gen.default_genesis(), config=config))
    start = draw(st.integers(0, 40))
    block_time = draw(st.sampled_from([6000, 6000, 6000, 6500]))
    period = Period(start, draw(st.integers(0, 10**6)), start + draw(st.integers(50, 1500)), block_time)
    return base, period


@st.composite
def histories(
    draw: st.DrawFn, population: Population, base: State, period: Period, *, nu: bool = False
) -> list[HistoryEvent]:
    """Up to 6 events in the period: TFT price changes (1..2000 mUSD, clamped by billing), new pricing
    policies, top-ups of billed twins, new resource reports; with `nu`, also NU reports (of any
    contract, some older than the last) and opt-outs of nodes (OPT-14)."""
    blocks = st.integers(period.base_block, period.last)
    twins = [t.id for t in population.twins if t.id < FARMER_TWINS]
    nodes = [c.id for c in population.contracts if c.kind == "node"]
    kinds: list[st.SearchStrategy[HistoryEvent]] = [
        st.builds(SetPrice, blocks, st.integers(1, 2000)),
        st.builds(SetPolicy, blocks, pricing_policy_ones(base)),
        st.builds(TopUp, blocks, st.sampled_from(twins), balances()),
    ]
    if nodes:
        kinds.append(st.builds(Report, blocks, st.sampled_from(nodes), workloads().map(lambda w: w[1])))
    if nu and population.contracts:
        ids = [c.id for c in population.contracts]

        def report(block: int, cid: int, nru: int, window: int, skew: int) -> NuReport:
            return NuReport(block, cid, nru, window, max(0, period.now(block) + skew))

        kinds.append(
            st.builds(
                report,
                blocks,
                st.sampled_from(ids),
                st.one_of(st.integers(0, 10**12), st.just((1 << 64) - 1)),
                st.integers(0, 7200),
                st.integers(-120, 30),
            )
        )
        kinds.append(st.builds(OptOut, blocks, st.sampled_from([n.id for n in population.nodes])))
    return draw(st.lists(st.one_of(kinds), max_size=6 if not nu else 8))
