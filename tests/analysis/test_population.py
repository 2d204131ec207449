"""Populations (spec/analysis.md ANA-01..ANA-06)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from sc4it import genesis as gen
from sc4it.analysis.fastforward import Period, expand, fast_forward
from sc4it.analysis.population import (
    ContractSpec,
    FarmSpec,
    NodeSpec,
    Population,
    PopulationError,
    TwinSpec,
    account_of,
    build_state,
    check,
    stash_of,
)
from sc4it.analysis.reference import replay, same_outcome
from sc4it.analysis.synthetic import generate
from sc4it.kernel.types import NodeContract, Resources

GIB = 1 << 30
BASE = gen.default()


def _population(**changes: Any) -> Population:
    p = Population(
        (FarmSpec(1, 900),),
        (NodeSpec(5, 1, True),),
        (TwinSpec(900, 10**8), TwinSpec(1, 10**9, stash=10**8)),
        (
            ContractSpec(17, 1, "node", 5, Resources(cru=1, mru=2 * GIB, sru=25 * GIB), 2),
            ContractSpec(18, 1, "name"),
        ),
    )
    return attrs.evolve(p, **changes)


def test_build_state_keeps_ids_shards_and_ips() -> None:
    """ANA-01, ANA-03: the state holds the population with its own ids, shards and IPs."""
    state = build_state(_population(), BASE, 3, 18_000)
    c = state.contracts.get(17)
    assert c is not None and isinstance(c.contract_type, NodeContract)
    assert len(c.contract_type.public_ips_list) == 2
    assert 17 in (state.contracts_to_bill_at.get(17 % state.billing_frequency) or ())
    assert state.contract_payment_state.get(18).last_updated_seconds == 18  # type: ignore[union-attr]
    assert state.twin_bounded_account_id.get(1) == stash_of(1)
    assert state.accounts.get(account_of(1)).free == 10**9  # type: ignore[union-attr]
    assert state.contract_id == 18


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"contracts": (ContractSpec(1, 1, "vm", 5),)}, "contracts[0].kind"),
        (
            {"contracts": (ContractSpec(1, 1, "rent", 5), ContractSpec(2, 1, "rent", 5))},
            "contracts[1].node_id",
        ),
        ({"contracts": (ContractSpec(1, 1, "rent", 5, public_ips=1),)}, "contracts[0].public_ips"),
        ({"contracts": (ContractSpec(1, 1, "rent", 6),)}, "contracts[0].node_id"),
        (
            {
                "twins": (TwinSpec(900, 0), TwinSpec(1, 0), TwinSpec(2, 0)),
                "contracts": (ContractSpec(1, 1, "rent", 5), ContractSpec(2, 2, "node", 5)),
            },
            "contracts[1].twin_id",
        ),
        ({"nodes": (NodeSpec(5, 1, extra_fee=-1),)}, "nodes[0].extra_fee"),
        ({"contracts": (ContractSpec(1, 2, "name"),)}, "contracts[0].twin_id"),
        ({"contracts": (ContractSpec(1, 1, "node", 6),)}, "contracts[0].node_id"),
        ({"contracts": (ContractSpec(1, 1, "name"), ContractSpec(1, 1, "name"))}, "contracts[1].id"),
        ({"contracts": (ContractSpec(1, 1, "node", 5, public_ips=300),)}, "contracts[0].public_ips"),
        ({"nodes": (NodeSpec(5, 2),)}, "nodes[0].farm_id"),
        ({"farms": (FarmSpec(1, 4),)}, "farms[0].farmer_twin"),
        ({"twins": (TwinSpec(900, -1), TwinSpec(1, 0))}, "twins[0].balance"),
        ({"twins": (TwinSpec(0, 1),)}, "twins[0].id"),
    ],
)
def test_bad_populations_name_the_field(changes: dict[str, Any], where: str) -> None:
    """ANA-02, ANA-07: each bad record is refused with its place and field."""
    with pytest.raises(PopulationError) as e:
        check(_population(**changes))
    assert e.value.where == where


def test_a_farmer_with_contracts_is_out_of_scope() -> None:
    """ANA-05: a twin that receives revenue and holds contracts is refused by the fast engine."""
    population = _population(farms=(FarmSpec(1, 1),))
    with pytest.raises(PopulationError, match="farms revenue"):
        fast_forward(population, BASE, Period(0, 0, 10, 6000))


def test_synthetic_population_is_seeded_and_valid() -> None:
    """ANA-06, ANA-10, ANA-17: a synthetic population is reproducible, passes `check`, and a week of it
    bills the same fast as block by block, in far fewer steps than bills."""
    a, b = generate(60, seed=3), generate(60, seed=3)
    assert a == b and len(a.contracts) >= 60
    check(a)
    kinds = {c.kind for c in a.contracts}
    assert kinds == {"node", "name"}
    period = Period(0, 0, 7 * 14_400, 6000)
    fast = fast_forward(a, BASE, period)
    slow = replay(a, BASE, period, skip_empty_blocks=True)
    assert same_outcome(fast, slow) == []
    bills = sum(c.bills for c in fast.contracts.values())
    assert fast.steps * 10 < bills


def test_same_outcome_reports_differences() -> None:
    """ANA-16, ANA-22: `expand` lists one event per bill; a changed amount or balance is reported."""
    period = Period(0, 0, 3000, 6000)
    fast = fast_forward(_population(), BASE, period)
    events = expand(fast.contracts[17].log)
    assert len([e for e in events if e[1] == "billed"]) == fast.contracts[17].bills == 5
    changed = attrs.evolve(fast, balances={1: (0, 0)})
    assert any("balances" in p for p in same_outcome(changed, fast))
    log = list(fast.contracts[17].log)
    block, count, stride, tag, x, y = log[-1]
    log[-1] = (block, count, stride, tag, x, y + 1)
    other = dict(fast.contracts)
    other[17] = attrs.evolve(fast.contracts[17], log=tuple(log))
    assert any("contract 17" in p for p in same_outcome(attrs.evolve(fast, contracts=other), fast))
