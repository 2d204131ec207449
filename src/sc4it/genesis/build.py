"""Building the first state from a genesis (GEN-01..GEN-05), directly, without signed calls."""

from __future__ import annotations

import attrs

from sc4it.genesis.checks import validate
from sc4it.genesis.model import PRICING_POLICY_VERSION, Genesis, chain_id_of
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.state import State
from sc4it.kernel.types import (
    AccountInfo,
    Farm,
    Node,
    NodePower,
    PublicIP,
    TftPrice,
    Twin,
)
from sc4it.registry import pricing as reg_pricing

# --------------------------------------------------------------------------------------------------
# Building the state (GEN-01..GEN-05)


def build(genesis: Genesis) -> State:
    """GEN-01: validate `genesis` and construct its `State` directly (no signed calls, no events)."""
    validate(genesis)
    g = genesis
    total = sum(a.free for a in g.accounts)
    accounts: PMap[bytes, AccountInfo] = PMap((a.account_id, AccountInfo(0, a.free)) for a in g.accounts)
    twins = [Twin(i, t.account_id, t.relay, t.pk) for i, t in enumerate(g.twins, start=1)]
    policies = [
        reg_pricing.pricing_policy_from(p, PRICING_POLICY_VERSION, i)
        for i, p in enumerate(g.pricing_policies, start=1)
    ]
    farms = [
        Farm(
            id=i,
            name=f.name,
            twin_id=f.twin_id,
            pricing_policy_id=f.pricing_policy_id,
            certification=f.certification,
            public_ips=tuple(PublicIP(p.ip, p.gateway, 0) for p in f.public_ips),
            dedicated_farm=f.dedicated_farm,
        )
        for i, f in enumerate(g.farms, start=1)
    ]
    nodes = [
        Node(
            id=i,
            farm_id=n.farm_id,
            twin_id=n.twin_id,
            resources=n.resources,
            certification=n.certification,
            created=0,
        )
        for i, n in enumerate(g.nodes, start=1)
    ]
    by_farm: dict[int, list[int]] = {}
    for n in nodes:
        by_farm.setdefault(n.farm_id, []).append(n.id)
    tp = g.tft_price
    base = State.empty(g.config, g.roles, chain_id_of(g))
    return attrs.evolve(
        base,
        fee_account=g.bridge.fee_account,
        withdraw_fee=g.bridge.withdraw_fee,
        deposit_fee=g.bridge.deposit_fee,
        accounts=accounts,
        total_issuance=total,
        minted=total,
        twins=PMap((t.id, t) for t in twins),
        twin_id_by_account_id=PMap((t.account_id, t.id) for t in twins),
        twin_id=len(twins),
        farms=PMap((f.id, f) for f in farms),
        farm_id_by_name=PMap((f.name, f.id) for f in farms),
        farm_id=len(farms),
        nodes=PMap((n.id, n) for n in nodes),
        node_id_by_twin_id=PMap((n.twin_id, n.id) for n in nodes),
        nodes_by_farm_id=PMap((fid, PSet(ids)) for fid, ids in by_farm.items()),
        node_power=PMap((n.id, NodePower()) for n in nodes),
        node_id=len(nodes),
        pricing_policies=PMap((p.id, p) for p in policies),
        pricing_policy_id_by_name=PMap((p.name, p.id) for p in policies),
        pricing_policy_id=len(policies),
        tft_price=TftPrice(price=tp.price, average=tp.price, min=tp.min, max=tp.max),
        billing_frequency=g.config.billing_frequency,
        distribution_policy=g.distribution_policy,
    )
