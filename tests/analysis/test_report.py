"""The why, exports and the population what-if command (spec/analysis.md ANA-30..ANA-32, ANA-50..ANA-55)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import attrs
import pytest

from sc4it import genesis as gen
from sc4it.analysis.fastforward import Period
from sc4it.analysis.files import write_json
from sc4it.analysis.population import ContractSpec, FarmSpec, NodeSpec, Population, TwinSpec
from sc4it.analysis.presets import PRESETS, TFCHAIN, network_genesis, network_state
from sc4it.analysis.report import analyse, chart, write_csv, write_parquet
from sc4it.analysis.synthetic import generate
from sc4it.kernel.types import Policy, Resources
from sc4it.tools.cli import main
from sc4it.tools.quote import GIB, PolicyProposal, Workload, apply_proposal, quote

MAINNET = network_state("mainnet")
CU_UP = apply_proposal(MAINNET, PolicyProposal(cu=Policy(366_720), ipu=Policy(80_000)))


def test_presets_carry_their_sources() -> None:
    """ANA-30, ANA-31, ANA-32: each preset's prices are those of its source; mainnet's are the list
    prices (CU $22, SU $14, IPv4 $5 a month: $30.50 for 2 vCPU / 4 GB / 50 GB + 1 IPv4)."""
    for name, preset in PRESETS.items():
        fields = {f for f, _ in preset.sources}
        assert {"prices", "tft_price", "constants"} <= fields
        assert all(TFCHAIN in text or "list prices" in text for _, text in preset.sources if _ == "prices")
        state = network_state(name)
        policy = state.pricing_policies.get(1)
        assert policy is not None and policy.cu == preset.cu and policy.su == preset.su
        assert state.tft_price.billing_price() == preset.tft_price
        assert name in preset.describe()
        assert gen.loads(gen.dumps(network_genesis(name))) == network_genesis(name)  # a genesis file
    q = quote(MAINNET, Workload(node_id=1, cru=2, mru=4 * GIB, sru=50 * GIB, public_ips=1))
    assert round(q.total_units_usd * 720 / 10**7, 2) == 30.50
    assert "CU $22.00, SU $14.00, IPv4 $5.00" in PRESETS["mainnet"].describe()


def _tier_population() -> Population:
    """Twin 1 holds just over 6 months (Silver) of its VM at today's prices: CU +20% drops it to Bronze."""
    return Population(
        (FarmSpec(1, 900),),
        (NodeSpec(1, 1, certified=True),),
        (TwinSpec(900, 10**8), TwinSpec(1, 40_000_000_000), TwinSpec(2, 10**6)),
        (
            ContractSpec(1, 1, "node", 1, Resources(cru=2, mru=4 * GIB, sru=50 * GIB), 1),
            ContractSpec(2, 2, "node", 1, Resources(cru=1, mru=2 * GIB, sru=25 * GIB)),
            ContractSpec(3, 2, "name"),
        ),
    )


def test_the_why_names_tier_drops_ip_price_certified_and_grace() -> None:
    """ANA-50, ANA-51, ANA-52: per contract levels, hourly and monthly cost, runway and the reasons its
    change differs from its list price's; aggregates by level, node, farm and kind."""
    period = Period(0, 0, 14 * 14_400, 6000)
    a = analyse(_tier_population(), MAINNET, CU_UP, period, network="mainnet", changes=("cu +20%",))
    rows = {r.contract_id: r for r in a.rows}
    vm = rows[1]
    assert (vm.current.level, vm.proposed.level) == ("Silver", "Bronze")
    assert any(r.startswith("tier drop: Silver x0.6 -> Bronze x0.7") for r in vm.reasons)
    assert any(r.startswith("IP price") for r in vm.reasons)
    assert "certified node: x1.25 on both sides" in vm.reasons
    assert vm.delta_pct is not None and vm.list_change_pct is not None and vm.delta_pct > vm.list_change_pct
    assert vm.proposed.tft_per_month == vm.proposed.tft_per_hour * 720
    assert vm.runway_days_proposed < vm.runway_days_current
    poor = rows[2]  # a day of funds: out of funds under both
    assert poor.current.end != "active" and any("out of funds" in r or "grace" in r for r in poor.reasons)
    levels = {g["level"]: g for g in a.aggregate("level")}
    assert levels["Silver"]["contracts"] == 1 and levels["Silver"]["paying_more"] == 1
    assert {g["kind"] for g in a.aggregate("kind")} == {"node", "name"}
    assert [g["node"] for g in a.aggregate("node")] == [0, 1]
    assert sum(g["contracts"] for g in a.aggregate("farm")) == 3
    names = [n for n, _, _ in a.revenue]
    assert names == ["farmers", "foundation", "staking pool", "sales", "burned"]


def test_exports_csv_json_parquet_and_chart(tmp_path: Path) -> None:
    """ANA-53, ANA-54: CSV and Parquet rows, JSON with aggregates, a PNG chart."""
    pq = pytest.importorskip("pyarrow.parquet", reason="the analysis extra (pyarrow) is not installed")
    a = analyse(generate(120, seed=4), MAINNET, CU_UP, Period(0, 0, 30 * 14_400, 6000), network="mainnet")
    write_csv(a, tmp_path / "rows.csv")
    with open(tmp_path / "rows.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(a.rows) and "why" in rows[0] and "runway_days_current" in rows[0]
    write_parquet(a, tmp_path / "rows.parquet")
    table = pq.read_table(tmp_path / "rows.parquet")
    assert table.num_rows == len(a.rows) and "level_proposed" in table.column_names
    from sc4it.analysis.report import write_json as write_analysis

    write_analysis(a, tmp_path / "a.json")
    doc = json.loads((tmp_path / "a.json").read_text())
    assert doc["network"] == "mainnet" and len(doc["contracts"]) == len(a.rows) and doc["by_level"]
    pytest.importorskip("matplotlib", reason="the analysis extra (matplotlib) is not installed")
    chart(a, tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_whatif_population_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ANA-22, ANA-23, ANA-33, ANA-55: the command prints the prices used, the table and the reasons,
    writes the exports, and `--check` re-bills sampled twins block by block and with the scalar path."""
    write_json(_tier_population(), tmp_path / "pop.json")
    (tmp_path / "p.json").write_text(json.dumps({"cu": {"value": 366_720}}))
    argv = ["whatif", "--population", str(tmp_path / "pop.json"), "--policy", str(tmp_path / "p.json")]
    argv += ["--days", "3", "--check", "2", "--csv", str(tmp_path / "rows.csv")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "TFChain mainnet: CU $22.00" in out and "tier drop" in out
    assert "check: 2 sampled twins" in out and "identical" in out
    assert "batch and scalar" in out
    assert (tmp_path / "rows.csv").exists()
    assert main([*argv[:5], "--json", "--days", "1", "--network", "devnet"]) == 0
    assert json.loads(capsys.readouterr().out)["network"] == "devnet"


def test_the_why_prices_rent_contracts_and_rented_node_contracts() -> None:
    """ANA-07, ANA-51: a rent contract's list price is its node's total resources at the dedication
    share (BIL-33) and its hourly TFT includes the extra fee (BIL-39); a node contract on the rented node
    lists its IP only (BIL-32); the hourly TFT is what a steady bill of an hour reserves."""
    big = Resources(cru=8, mru=32 * GIB, sru=1024 * GIB)
    vm = Resources(cru=2, mru=4 * GIB, sru=50 * GIB)
    population = Population(
        (FarmSpec(1, 900),),
        (NodeSpec(1, 1, False, big, 30_000),),
        (TwinSpec(900, 10**8), TwinSpec(1, 10**12)),
        (ContractSpec(1, 1, "rent", 1), ContractSpec(2, 1, "node", 1, vm, 1)),
    )
    a = analyse(population, MAINNET, CU_UP, Period(0, 0, 3 * 600, 6000))
    rent, node = a.rows
    policy = MAINNET.pricing_policies.get(1)
    assert policy is not None
    assert node.current.usd_per_hour == policy.ipu.value  # one IP for an hour, nothing else
    assert rent.proposed.usd_per_hour > rent.current.usd_per_hour  # CU +20% on the whole node
    steady = [y for _, _, _, tag, _, y in sorted(a.current.contracts[1].log) if tag == "billed"][1]
    assert rent.current.tft_per_hour == steady
    out = attrs.evolve(population, nodes=(attrs.evolve(population.nodes[0], opted_out=True),))
    waived = analyse(out, MAINNET, CU_UP, Period(0, 0, 3 * 600, 6000)).rows
    assert all(r.current.paid == 0 and "opted out of v3 billing" in r.reasons[0] for r in waived)  # ANA-09


def test_genesis_command_writes_a_network_genesis_and_says_whose_prices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ANA-33, ANA-34: `sc4it genesis --network NAME [--policy FILE] [--out FILE]` writes the default world
    with that network's prices (a proposal applied on top), says whose prices it carries, and refuses a
    bad proposal file (exit 2, nothing written)."""
    assert main(["genesis", "--network", "devnet"]) == 0
    out, err = capsys.readouterr()
    assert gen.loads(out) == network_genesis("devnet") and "TFChain devnet" in err
    target = tmp_path / "g.json"
    proposal = tmp_path / "p.json"
    proposal.write_text(json.dumps({"cu": {"value": 400_000}, "tft_price": 20}))
    assert main(["genesis", "--policy", str(proposal), "--out", str(target)]) == 0
    out, _ = capsys.readouterr()
    assert "TFChain mainnet" in out and str(proposal) in out
    state = gen.build(gen.load(target))
    policy = state.pricing_policies.get(1)
    assert policy is not None and policy.cu.value == 400_000 and policy.su == PRESETS["mainnet"].su
    assert state.tft_price.price == 20
    assert main(["quote", "--genesis", str(target), "--cru", "1"]) == 0  # usable as any genesis
    proposal.write_text(json.dumps({"cu": {"value": -1}}))
    bad = tmp_path / "bad.json"
    assert main(["genesis", "--policy", str(proposal), "--out", str(bad)]) == 2
    assert not bad.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["g.json", "p.json"]
