"""`sc4it whatif`: one workload billed under the current and a proposed pricing policy
(docs/pricing-analysis.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sc4it import calls, genesis
from sc4it.host.chain import Chain
from sc4it.kernel.types import Policy
from sc4it.tools import cli_pricing, whatif
from sc4it.tools.cli import EXIT_MISSING_EXTRA, EXIT_OK, EXIT_USAGE, main
from sc4it.tools.quote import PolicyProposal, parse_policy, policy_to_json

USERS, SEED, DAYS = 8, 5, 1.5


@pytest.fixture(scope="module")
def population() -> whatif.Scenario:
    return whatif.generate_population(USERS, SEED, DAYS)


def summary(c: whatif.Comparison) -> list[tuple[int, int, int, str, str]]:
    return [
        (d.contract_id, d.current.paid, d.proposed.paid, d.current.end, d.proposed.end) for d in c.contracts
    ]


def test_generated_population_is_deterministic(population: whatif.Scenario) -> None:
    """BIL-13: same seed, same population, same bills; another seed, another population."""
    again = whatif.generate_population(USERS, SEED, DAYS)
    assert again.steps == population.steps and again.end_block == population.end_block
    other = whatif.generate_population(USERS, SEED + 1, DAYS)
    assert other.steps != population.steps
    kinds = {d.kind for d in whatif.compare(population, PolicyProposal()).contracts}
    assert kinds == {"node", "name", "rent"}


def test_a_proposal_equal_to_the_current_policy_changes_nothing(population: whatif.Scenario) -> None:
    """An empty proposal, or one restating policy 1 field by field, gives zero deltas everywhere."""
    current = population.base.pricing_policies[1]
    for proposal in (PolicyProposal(), parse_policy(policy_to_json(current, 50))):
        c = whatif.compare(population, proposal)
        assert all(d.delta == 0 and d.current == d.proposed for d in c.contracts)
        assert all(a == b for _, a, b in c.aggregate())
        assert c.current.total("paid") > 0


def test_a_dearer_policy_gives_deterministic_deltas(population: whatif.Scenario) -> None:
    """BIL-30/BIL-31: a 50% dearer CU raises what node contracts pay (until funds run out, which also
    moves the twin's other contracts); the same comparison twice gives the same numbers; revenue by
    recipient adds up to what was distributed (DST-01)."""
    proposal = PolicyProposal(cu=Policy(150_000))
    first = whatif.compare(population, proposal)
    second = whatif.compare(population, proposal)
    assert summary(first) == summary(second)
    deltas = first.contracts
    assert any(d.delta > 0 for d in deltas if d.kind == "node")
    for run in (first.current, first.proposed):
        assert sum(v for k, v in run.revenue.items() if k != "burned") == run.distributed
    rows = {m: (a, b) for m, a, b in first.aggregate()}
    assert rows["paid by users (TFT)"][1] > rows["paid by users (TFT)"][0]


def test_the_documented_example_proposal() -> None:
    """docs/pricing-analysis.md's example file parses to the change it describes."""
    from sc4it.tools.quote import read_policy_file

    path = Path(__file__).resolve().parents[2] / "docs" / "examples" / "pricing-proposal.json"
    p = read_policy_file(path)
    assert (p.su, p.ipu, p.cu) == (Policy(40_000), Policy(60_000), None)


def test_whatif_on_a_recorded_trace(tmp_path: Path) -> None:
    """A recorded trace is a workload too; cheaper IPs lower what an IP contract pays."""
    path = tmp_path / "w.trace"
    alice = genesis.dev_keypair("alice")
    chain = Chain.from_genesis(trace=path)
    chain.submit_call(calls.CreateNodeContract(1, bytes(32), b"", 1), alice)
    chain.advance(1300)
    chain.close()
    scenario = whatif.scenario_from_trace(path)
    assert scenario.blocks == 1300
    c = whatif.compare(scenario, PolicyProposal(ipu=Policy(20_000)))
    (d,) = c.contracts
    assert d.kind == "node" and d.current.bills == 2 and d.proposed.paid * 2 == d.current.paid


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    assert main(argv) == EXIT_OK
    return json.loads(capsys.readouterr().out)


def test_whatif_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command's JSON equals the library's comparison; the table names the changed fields."""
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"su": {"value": 40_000}, "ipu": {"value": 60_000, "unit": "Gigabytes"}}))
    base = [
        "whatif",
        "--policy",
        str(policy),
        "--users",
        str(USERS),
        "--seed",
        str(SEED),
        "--days",
        str(DAYS),
    ]
    doc = run_json([*base, "--json"], capsys)
    c = whatif.compare(
        whatif.generate_population(USERS, SEED, DAYS), parse_policy(json.loads(policy.read_text()))
    )
    assert [(x["contract_id"], x["delta"]) for x in doc["contracts"]] == [
        (d.contract_id, d.delta) for d in c.contracts
    ]
    assert doc["changes"] == [
        "su: 50000 per Gigabytes → 40000 per Gigabytes",
        "ipu: 40000 per Gigabytes → 60000 per Gigabytes",
    ]
    assert main([*base, "--top", "3"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "aggregate" in out and "top 3 of" in out and "ipu: 40000" in out
    same = tmp_path / "same.json"
    same.write_text("{}")
    doc = run_json(["whatif", "--policy", str(same), "--users", "3", "--days", "0.2", "--json"], capsys)
    assert doc["changes"] == [] and all(x["delta"] == 0 for x in doc["contracts"] + doc["aggregate"])
    assert main(["whatif", "--policy", str(same), "--users", "3", "--days", "0.2"]) == EXIT_OK
    assert "no change" in capsys.readouterr().out


def test_whatif_command_on_a_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "w.trace"
    chain = Chain.from_genesis(trace=path)
    chain.submit_call(calls.CreateNameContract(b"whatif-name"), genesis.dev_keypair("bob"))
    chain.advance(700)
    chain.close()
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"unique_name": {"value": 5000}}))
    doc = run_json(["whatif", "--policy", str(policy), "--trace", str(path), "--json"], capsys)
    (only,) = doc["contracts"]
    assert only["kind"] == "name" and only["proposed"]["paid"] == 2 * only["current"]["paid"] > 0
    assert (
        main(["whatif", "--policy", str(policy), "--trace", str(path), "--genesis", str(path)]) == EXIT_USAGE
    )
    assert "cannot be combined" in capsys.readouterr().err
    assert main(["whatif", "--policy", str(policy), "--trace", str(policy)]) == EXIT_USAGE
    assert "not an sc4it trace" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"cu": {"value": "many"}}', "cu.value: expected an unsigned integer"),
        ('{"cpu": {"value": 1}}', "cpu: unknown field"),
        ("[1]", "expected a JSON object"),
        ("{oops", "not valid JSON"),
    ],
)
def test_whatif_bad_policy_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(content)
    assert main(["whatif", "--policy", str(policy), "--users", "2", "--days", "0.1"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "docs/pricing-analysis.md" in err


def test_whatif_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["whatif"]) == EXIT_USAGE
    assert "--policy" in capsys.readouterr().err
    assert main(["whatif", "--policy", str(tmp_path / "none.json")]) == EXIT_USAGE
    assert "cannot read" in capsys.readouterr().err
    policy = tmp_path / "p.json"
    policy.write_text("{}")
    for bad in (["--days", "0"], ["--users", "0"], ["--days", "x"]):
        assert main(["whatif", "--policy", str(policy), *bad]) == EXIT_USAGE
        assert "how to fix" in capsys.readouterr().err
    with pytest.raises(ValueError, match="at least one user"):
        whatif.generate_population(0, 1, 1)
    with pytest.raises(ValueError, match="days"):
        whatif.generate_population(1, 1, 0)


def test_whatif_chart_needs_matplotlib(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the `plot` extra, `--chart` fails early with exit code 4 and says what to install."""
    policy = tmp_path / "p.json"
    policy.write_text("{}")
    monkeypatch.setattr(cli_pricing, "has_module", lambda name: False)
    argv = [
        "whatif",
        "--policy",
        str(policy),
        "--users",
        "2",
        "--days",
        "0.1",
        "--chart",
        str(tmp_path / "c.png"),
    ]
    assert main(argv) == EXIT_MISSING_EXTRA
    assert "pip install 'sc4it[plot]'" in capsys.readouterr().err
    assert not (tmp_path / "c.png").exists()


def test_whatif_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    policy = tmp_path / "p.json"
    policy.write_text('{"cu": {"value": 150000}}')
    png = tmp_path / "c.png"
    argv = ["whatif", "--policy", str(policy), "--users", "3", "--days", "0.2", "--chart", str(png)]
    assert main(argv) == EXIT_OK
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main([*argv[:-1], str(tmp_path / "no" / "c.png")]) == EXIT_USAGE
