"""Population files and the GraphQL import (spec/analysis.md ANA-40..ANA-44)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import attrs
import pytest

from sc4it.analysis import files
from sc4it.analysis.files import PopulationFileError, read, read_csv, read_json, write_csv, write_json
from sc4it.analysis.population import ContractSpec, FarmSpec, NodeSpec, Population, TwinSpec
from sc4it.analysis.synthetic import generate
from sc4it.kernel.types import Resources
from sc4it.tools.cli import main

GIB = 1 << 30


def test_json_and_csv_round_trip(tmp_path: Path) -> None:
    """ANA-40, ANA-41, ANA-42: a population survives both forms (the CSV form keeps what billing needs)."""
    population = generate(80, seed=5)
    write_json(population, tmp_path / "p.json")
    assert read_json(tmp_path / "p.json") == population
    assert read(tmp_path / "p.json") == population
    write_csv(population, tmp_path / "p.csv")
    back = read(tmp_path / "p.csv")
    assert back.contracts == tuple(attrs.evolve(c, name="") for c in population.contracts)  # no names
    billed = {c.twin_id for c in population.contracts}
    assert {t.id: t.balance for t in back.twins if t.id in billed} == {
        t.id: t.balance for t in population.twins if t.id in billed
    }  # farmers' own balances are not in the CSV form (they are not billed)


def test_rent_dedicated_and_opted_out_nodes_round_trip(tmp_path: Path) -> None:
    """ANA-07, ANA-40, ANA-41: a rent contract (its node's total resources on its CSV row: the only node sizes
    the CSV form carries), a dedicated
    node's extra fee and an opted-out node survive both forms."""
    big = Resources(cru=8, mru=32 * GIB, sru=1024 * GIB)
    population = Population(
        (FarmSpec(1, 900),),
        (NodeSpec(1, 1, True, big, 25_000, False), NodeSpec(2, 1, opted_out=True)),
        (TwinSpec(900, 0), TwinSpec(1, 10**10, 10**9)),
        (
            ContractSpec(3, 1, "rent", 1),
            ContractSpec(4, 1, "node", 1, Resources(cru=1, mru=GIB), 1),
            ContractSpec(5, 1, "node", 2, Resources(cru=1, mru=GIB)),
        ),
        "rent",
    )
    write_json(population, tmp_path / "p.json")
    assert read(tmp_path / "p.json") == population
    write_csv(population, tmp_path / "p.csv")
    back = read(tmp_path / "p.csv")
    assert back.contracts == population.contracts and back.nodes == population.nodes


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "p.csv"
    path.write_text(",".join(files.CSV_COLUMNS) + "\n" + "\n".join(rows) + "\n")
    return path


GOOD = "1,10,node,5,1,900,false,2,4294967296,53687091200,0,1,50000000000,"


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("1,10,node,5,1,900,false,2,-4,0,0,0,1,", "row 2, field mru"),
        ("1,10,node,5,1,900,maybe,2,4,0,0,0,1,", "row 2, field certified"),
        ("1,10,vm,5,1,900,false,2,4,0,0,0,1,", "row 2, field kind"),
        ("1,10,node,5,1,900,false,2,4,0,0,0,1,,7", "row 2"),
        ("1,10,rent,5,1,900,false,2,4,0,0,1,1,", "row 2, field public_ips"),
        ("x,10,node,5,1,900,false,2,4,0,0,0,1,", "row 2, field contract_id"),
        ("1,10,node,5,1,900,false,2,4,0,0,0,99999999999999999999999999999999999999,", "row 2, field balance"),
    ],
)
def test_bad_csv_rows_name_file_row_and_field(tmp_path: Path, row: str, where: str) -> None:
    """ANA-41, ANA-42: negative or absurd values and wrong kinds name the file, row and field."""
    with pytest.raises(PopulationFileError) as e:
        read_csv(_csv(tmp_path, [row]))
    assert e.value.where == where and e.value.path.endswith("p.csv")


def test_csv_rows_must_agree_and_columns_must_match(tmp_path: Path) -> None:
    """ANA-41, ANA-02: a twin with two balances, a repeated contract id, a node contract of another twin
    on a rented node, or a wrong header, is refused at its row; a byte-order mark is fine."""
    with pytest.raises(PopulationFileError, match="row 3, field id: duplicate id 1"):
        read_csv(_csv(tmp_path, [GOOD, GOOD]))
    rent = "2,11,rent,5,1,900,false,8,0,0,0,0,10,"
    with pytest.raises(PopulationFileError, match="row 2, field twin_id: node 5 is rented by twin 11"):
        read_csv(_csv(tmp_path, [GOOD, rent]))
    bom = _csv(tmp_path, [GOOD])
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())
    assert read_csv(bom).contracts[0].id == 1
    other = GOOD.replace(",50000000000,", ",7,").replace("1,10,", "2,10,", 1)
    with pytest.raises(PopulationFileError, match="row 3, field balance: disagrees with row 2"):
        read_csv(_csv(tmp_path, [GOOD, other]))
    (tmp_path / "h.csv").write_text("contract_id,twin\n1,2\n")
    with pytest.raises(PopulationFileError, match="row 1: missing column"):
        read_csv(tmp_path / "h.csv")


def test_bad_json_names_the_path(tmp_path: Path) -> None:
    """ANA-40: unknown members, wrong types and unknown references name the JSON path."""
    doc: dict[str, Any] = files.to_json_obj(generate(5))
    doc["contracts"][0]["public_ips"] = "two"
    (tmp_path / "p.json").write_text(json.dumps(doc))
    with pytest.raises(PopulationFileError, match=r"contracts\[0\], field public_ips"):
        read_json(tmp_path / "p.json")
    doc = files.to_json_obj(generate(5))
    doc["contracts"][0]["node_id"] = 777
    (tmp_path / "p.json").write_text(json.dumps(doc))
    with pytest.raises(PopulationFileError, match=r"contracts\[0\].node_id: unknown node 777"):
        read_json(tmp_path / "p.json")
    (tmp_path / "p.json").write_text(json.dumps({"format": files.FORMAT, "extra": 1}))
    with pytest.raises(PopulationFileError, match="extra: unknown field"):
        read_json(tmp_path / "p.json")


def _graphql() -> dict[str, Any]:
    """An export in the shape of threefoldtech/tfchain_graphql's schema (fields as the indexer names them)."""
    acc = {9: "5Farmer", 10: "5Alice", 11: "5Bob", 12: "5Carol"}
    return {
        "data": {
            "accounts": [{"wallet": w, "balance": "123456789012"} for w in acc.values()],
            "twins": [{"twinID": t, "accountID": a} for t, a in acc.items()],
            "farms": [{"farmID": 1, "twinID": 9, "name": "farm"}, {"farmID": 2, "twinID": 11, "name": "own"}],
            "nodes": [
                {
                    "nodeID": 5,
                    "farmID": 1,
                    "certification": "Certified",
                    "resourcesTotal": {"hru": "0", "sru": str(512 * GIB), "cru": "16", "mru": str(64 * GIB)},
                },
                {"nodeID": 6, "farmID": 2, "certification": "Diy", "resourcesTotal": None},
                {"nodeID": 7, "farmID": 1, "certification": "Diy"},
            ],
            "nodeContracts": [
                {
                    "contractID": "100",
                    "twinID": 10,
                    "nodeID": 5,
                    "numberOfPublicIPs": 1,
                    "state": "Created",
                    "resourcesUsed": {"hru": "0", "sru": str(50 * GIB), "cru": "2", "mru": str(4 * GIB)},
                },
                {
                    "contractID": "101",
                    "twinID": 11,
                    "nodeID": 6,
                    "numberOfPublicIPs": 0,
                    "state": "GracePeriod",
                    "resourcesUsed": None,
                },
                {
                    "contractID": "102",
                    "twinID": 10,
                    "nodeID": 5,
                    "numberOfPublicIPs": 0,
                    "state": "Deleted",
                    "resourcesUsed": None,
                },
                {
                    "contractID": "103",
                    "twinID": 12,
                    "nodeID": 7,
                    "numberOfPublicIPs": 0,
                    "state": "Created",
                    "resourcesUsed": {"hru": "0", "sru": "1", "cru": "1", "mru": "1"},
                },
            ],
            "nameContracts": [{"contractID": "104", "twinID": 10, "name": "alice", "state": "Created"}],
            "rentContracts": [{"contractID": "105", "twinID": 12, "nodeID": 7, "state": "Created"}],
        }
    }


def test_graphql_export_import(tmp_path: Path) -> None:
    """ANA-43: live contracts with the indexer's fields, rent contracts and the renter's node contracts on
    its node included; a farm whose twin holds contracts is paid to a payout twin; the file is read by
    content."""
    path = tmp_path / "export.json"
    path.write_text(json.dumps(_graphql()))
    p = read(path)
    assert [(c.id, c.kind) for c in p.contracts] == [
        (105, "rent"),
        (100, "node"),
        (101, "node"),
        (103, "node"),
        (104, "name"),
    ]
    c100 = p.contracts[1]
    assert c100.resources.cru == 2 and c100.resources.sru == 50 * GIB and c100.public_ips == 1
    assert {n.id: n.certified for n in p.nodes} == {5: True, 6: False, 7: False}
    assert {f.id: f.farmer_twin for f in p.farms} == {1: 9, 2: files.FARMER_PAYOUT_BASE + 2}
    assert {t.id: t.balance for t in p.twins}[10] == 123456789012
    assert "5 live contracts" in p.description
    bad = _graphql()
    bad["data"]["nodeContracts"][0]["numberOfPublicIPs"] = -1
    path.write_text(json.dumps(bad))
    with pytest.raises(PopulationFileError, match=r"data.nodeContracts\[0\], field numberOfPublicIPs"):
        read(path)
    bad = _graphql()
    bad["data"]["nodeContracts"][1]["nodeID"] = 77  # a node the export does not list (ANA-02)
    path.write_text(json.dumps(bad))
    with pytest.raises(PopulationFileError, match=r"data.nodeContracts\[1\], field node_id: unknown node 77"):
        read(path)


def test_outputs_are_never_half_written(tmp_path: Path) -> None:
    """ANA-44: a failing writer leaves the target untouched and no temporary file behind."""
    target = tmp_path / "out.csv"
    target.write_text("before")
    with pytest.raises(RuntimeError), files.atomic_write(target) as f:
        f.write("partial")
        raise RuntimeError("boom")
    assert target.read_text() == "before" and os.listdir(tmp_path) == ["out.csv"]


def test_whatif_refuses_a_bad_population_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ANA-42, ANA-44: `whatif --population` on a bad file exits 2, names file, row and field, and writes
    nothing."""
    path = _csv(tmp_path, ["1,10,node,5,1,900,false,2,-4,0,0,0,1,"])
    policy = tmp_path / "p.json"
    policy.write_text("{}")
    out = tmp_path / "rows.csv"
    code = main(["whatif", "--population", str(path), "--policy", str(policy), "--csv", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "p.csv: row 2, field mru" in err
    assert not out.exists()
