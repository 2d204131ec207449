"""A seeded synthetic population at any scale (spec/analysis.md ANA-06), for benchmarks and examples when
no export of the real grid is at hand: VMs of the sizes deployers pick most (a catalog, not uniform
noise), a fifth of the nodes certified, a quarter of the VMs with a public IP, a third of the twins with
a name contract, and balances from a few days to years of their bills.
"""

from __future__ import annotations

import random

from sc4it.analysis.population import ContractSpec, FarmSpec, NodeSpec, Population, TwinSpec
from sc4it.kernel.types import Resources

GIB = 1 << 30
CATALOG: tuple[tuple[int, int, int, int], ...] = (
    # (cru, mru GiB, sru GiB, hru GiB): small, medium, large VMs, storage and gateway-like workloads
    (1, 2, 25, 0),
    (1, 1, 15, 0),
    (2, 4, 50, 0),
    (2, 4, 100, 0),
    (4, 8, 100, 0),
    (4, 16, 250, 0),
    (8, 32, 500, 0),
    (16, 64, 1000, 0),
    (1, 2, 25, 1024),
    (2, 8, 50, 4096),
    (0, 0, 0, 0),  # a gateway or an IP-only deployment: public IP, no reported resources
)
MONTHS_OF_FUNDS = (0.05, 0.3, 1.0, 2.0, 4.0, 8.0, 13.0, 20.0, 40.0)
"""How many months of its bills (list price) a twin holds: some run out within days, some reach Gold."""
COST_UNITS_PER_HOUR = 6_000_000
"""A rough TFT-unit cost per hour of one CU at mainnet list prices and 50 mUSD/TFT, only to size
balances (not a price)."""


def generate(contracts: int, seed: int = 1) -> Population:
    """About `contracts` contracts (node contracts, plus name contracts for a third of the twins) on
    `contracts // 1000 + 1` nodes, farmer twins apart (ids from 10^9)."""
    rng = random.Random(seed)
    n_nodes = contracts // 1000 + 1
    n_farms = n_nodes // 10 + 1
    farms = tuple(FarmSpec(f, 10**9 + f) for f in range(1, n_farms + 1))
    nodes = tuple(NodeSpec(n, rng.randint(1, n_farms), rng.random() < 0.2) for n in range(1, n_nodes + 1))
    twins: list[TwinSpec] = [TwinSpec(f.farmer_twin, 10**9) for f in farms]
    specs: list[ContractSpec] = []
    cid = 1
    twin = 0
    while len(specs) < contracts:
        twin += 1
        size = 0
        for _ in range(1 if rng.random() < 0.8 else rng.randint(2, 4)):
            cru, mru, sru, hru = rng.choice(CATALOG)
            ips = 1 if cru == 0 or rng.random() < 0.25 else 0
            res = Resources(hru=hru * GIB, sru=sru * GIB, cru=cru, mru=mru * GIB)
            specs.append(ContractSpec(cid, twin, "node", rng.randint(1, n_nodes), res, ips))
            size += max(cru, mru // 4, 1) + ips
            cid += rng.randint(1, 3)
        if rng.random() < 0.33:
            specs.append(ContractSpec(cid, twin, "name", name=f"n{cid}"))
            cid += 1
        months = rng.choice(MONTHS_OF_FUNDS)
        balance = int(size * COST_UNITS_PER_HOUR * 720 * months * rng.uniform(0.8, 1.2))
        stash = rng.choice((None, None, None, balance // 2))
        twins.append(TwinSpec(twin, balance, stash))
    return Population(
        farms, nodes, tuple(twins), tuple(specs), f"{len(specs)} synthetic contracts (seed {seed})"
    )
