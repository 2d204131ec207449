"""`sc4it quote` charges exactly what billing charges (spec/billing.md), and proposal files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sc4it import calls, genesis
from sc4it.analysis.presets import network_state
from sc4it.deployment import deployment_hash
from sc4it.host.chain import Chain
from sc4it.kernel.events import ContractBilled, ContractCreated
from sc4it.kernel.types import DiscountLevel, Policy, Unit
from sc4it.tools.cli import main
from sc4it.tools.quote import (
    GIB,
    PolicyFileError,
    PolicyProposal,
    QuoteError,
    Workload,
    apply_proposal,
    parse_policy,
    policy_to_json,
    quote,
    read_policy_file,
)

TFT = 10**7
TIB = 1 << 40

CASES = [
    # (user, workload): alice is rich (Gold), bob has 250 TFT, dave rents the dedicated node 3
    ("alice", Workload(node_id=1, cru=2, mru=4 * GIB, sru=50 * GIB, public_ips=1)),
    ("bob", Workload(node_id=2, cru=4, mru=8 * GIB, sru=100 * GIB, hru=1 * TIB)),
    ("bob", Workload(node_id=4, cru=1, mru=2 * GIB, sru=25 * GIB, public_ips=1, name=True)),
    ("dave", Workload(node_id=3, public_ips=1, cru=2, mru=4 * GIB, rent=True)),
]


def _contracts_for(chain: Chain, who: str, w: Workload) -> dict[int, str]:
    """Create the workload's contracts in block 1 and report the resources in block 2."""
    key = genesis.dev_keypair(who)
    if w.rent:
        chain.submit_call(calls.CreateRentContract(w.node_id), key)
    if w.has_node_contract:
        chain.submit_call(
            calls.CreateNodeContract(w.node_id, deployment_hash(who.encode()), b"", w.public_ips), key
        )
    if w.name:
        chain.submit_call(calls.CreateNameContract(f"{who}-quote".encode()), key)
    kinds = {}
    for e in chain.produce_block().events:
        if isinstance(e, ContractCreated):
            kinds[e.contract.contract_id] = type(e.contract.contract_type).__name__
    node_contracts = [cid for cid, k in kinds.items() if k == "NodeContract"]
    if node_contracts and not w.resources.is_empty():
        from sc4it.kernel.types import ContractResources

        reports = tuple(ContractResources(cid, w.resources) for cid in node_contracts)
        chain.submit_call(calls.ReportContractResources(reports), genesis.dev_keypair(f"node-{w.node_id}"))
    chain.produce_block()
    return kinds


@pytest.mark.parametrize("who, workload", CASES)
def test_quote_for_one_hour_equals_what_billing_charges(who: str, workload: Workload) -> None:
    """BIL-13, BIL-30..BIL-38: the second bill of every contract covers exactly 3600 s (600 blocks of
    6 s, the default billing frequency) and reserves exactly what `quote` says for one hour, given the
    twin's free balance just before that bill (discount level included, certified ×1.25, rent makes
    the node contract pay only its IPs)."""
    chain = Chain.from_genesis()
    assert chain.state.billing_frequency == 600 and chain.block_time == 6000
    kinds = _contracts_for(chain, who, workload)
    account = genesis.dev_keypair(who).account_id
    bills: dict[int, list[tuple[int, int, DiscountLevel, int]]] = {cid: [] for cid in kinds}
    while min(len(b) for b in bills.values()) < 2:
        free = chain.state.accounts[account].free
        for e in chain.produce_block().hook_events:
            if isinstance(e, ContractBilled):
                b = e.contract_bill
                bills[b.contract_id].append((b.timestamp, b.amount_billed, b.discount_level, free))
    levels = set()
    for cid, kind in kinds.items():
        (t1, _, _, _), (t2, amount, level, free_before) = bills[cid][:2]
        assert t2 - t1 == 3600
        state = chain.state
        q = quote(state, workload, balance=free_before)
        expected = {line.kind: line for line in q.lines}
        key = {"NodeContract": "node", "NameContract": "name", "RentContract": "rent"}[kind]
        assert (amount, level) == (expected[key].tft, expected[key].level), (who, kind)
        levels.add(level)
    assert levels


def test_quote_levels_and_certification() -> None:
    """BIL-37/BIL-38: the discount level follows the balance in months of the contract's cost; a
    certified node costs 1.25 times as much; BIL-33: rent is the discounted node price; BIL-39: the
    dedicated-node extra fee is billed on top, undiscounted."""
    state = genesis.default()
    w = Workload(node_id=1, cru=2, mru=4 * GIB, sru=50 * GIB, public_ips=1)
    none = quote(state, w).lines[0]
    assert none.level is DiscountLevel.None_ and none.tft == none.tft_before_discount == 3_050_000
    assert none.units_usd == 152_500
    monthly = none.tft * 720
    for months, level in (
        (1.5, DiscountLevel.Default),
        (3, DiscountLevel.Bronze),
        (6, DiscountLevel.Silver),
        (18, DiscountLevel.Gold),
    ):
        line = quote(state, w, balance=int(monthly * months) + 500).lines[0]
        assert line.level is level
    certified = quote(state, Workload(node_id=1, cru=2, certified=True)).lines[0]
    diy = quote(state, Workload(node_id=2, cru=2, certified=False)).lines[0]
    assert certified.tft == diy.tft * 5 // 4
    assert quote(state, Workload(node_id=2, cru=2)).certification.name == "Certified"
    from sc4it.kernel.tx import BlockEnv, Tx

    tx = Tx(state, BlockEnv(0, 0))
    tx.dedicated_nodes_extra_fee[3] = 10_000
    with_fee = quote(tx.commit(), Workload(node_id=3, rent=True))
    assert [line.kind for line in with_fee.lines] == ["rent", "extra_fee"]
    assert with_fee.lines[1].level is DiscountLevel.None_ and with_fee.lines[1].tft > 0
    assert quote(state, Workload(name=True)).lines[0].tft == 50_000
    assert "dedicated" in quote(state, Workload(node_id=3, cru=1)).notes[0]
    assert quote(state, Workload(node_id=3, cru=1, rent=True)).notes == ()


def test_quote_errors() -> None:
    state = genesis.default()
    with pytest.raises(QuoteError, match="node 9"):
        quote(state, Workload(node_id=9, cru=1))
    with pytest.raises(QuoteError, match="second"):
        quote(state, Workload(cru=1), secs=0)
    from sc4it.kernel.tx import BlockEnv, Tx
    from sc4it.kernel.types import TftPrice

    tx = Tx(state, BlockEnv(0, 0))
    tx.tft_price = TftPrice(0, 0, 0, 0)
    with pytest.raises(QuoteError, match="price"):
        quote(tx.commit(), Workload(cru=1))
    tx = Tx(state, BlockEnv(0, 0))
    del tx.pricing_policies[1]
    with pytest.raises(QuoteError, match="policy 1"):
        quote(tx.commit(), Workload(cru=1))
    with pytest.raises(QuoteError, match="policy 1"):
        apply_proposal(tx.commit(), PolicyProposal())


def test_quote_command_json_matches_the_library(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """ANA-30, ANA-31, ANA-32, ANA-33: `quote` prices with TFChain mainnet's policy unless told otherwise,
    and says whose prices it used."""
    argv = [
        "quote",
        "--cru",
        "2",
        "--mru",
        "4",
        "--sru",
        "50",
        "--ips",
        "1",
        "--name",
        "--balance",
        "1000",
        "--json",
    ]
    assert main([*argv, "--network", "mainnet"]) == 0
    mainnet = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == mainnet | {"prices": doc["prices"]}  # ANA-33: mainnet is the default, and says so
    assert doc["network"] == "mainnet" and "CU $22.00, SU $14.00, IPv4 $5.00" in doc["prices"]
    assert "default" in doc["prices"]
    w = Workload(node_id=1, cru=2, mru=4 * GIB, sru=50 * GIB, public_ips=1, name=True)
    q = quote(network_state("mainnet"), w, balance=1000 * TFT)
    assert [line["tft_per_hour"] for line in doc["lines"]] == [line.tft for line in q.lines]
    assert [line["discount_level"] for line in doc["lines"]] == ["Default", "Gold"]  # 1.6 and 125 months
    assert doc["total"]["tft_per_month"] == q.total_tft * 720
    assert doc["lines"][0]["usd_per_month"] == "30.4992000"  # $30.50: CU $22 + 0.25 SU · $14 + IPv4 $5
    assert doc["usable_balance"] == 1000 * TFT - 500
    assert main([*argv, "--network", "devnet"]) == 0
    assert json.loads(capsys.readouterr().out)["network"] == "devnet"
    genesis_file = tmp_path / "g.json"
    genesis_file.write_text(genesis.default_genesis_json())
    assert main([*argv, "--genesis", str(genesis_file)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["lines"][0]["usd_per_hour"] == "0.0152500" and "genesis" in doc["prices"]
    assert main([*argv, "--genesis", str(genesis_file), "--network", "devnet"]) == 2


def test_quote_command_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quote", "--node", "3", "--rent", "--ips", "1", "--certified"]) == 0
    out = capsys.readouterr().out
    assert "rent contract for node 3" in out and "per month" in out and "certified" in out
    assert main(["quote", "--node", "3", "--cru", "1"]) == 0
    assert "note: node 3 is dedicated" in capsys.readouterr().out


def test_quote_command_with_a_proposal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"cu": {"value": 200_000}, "tft_price": 100}))
    assert main(["quote", "--cru", "2", "--mru", "4", "--json", "--policy", str(policy)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["tft_price_musd"] == 100
    assert doc["lines"][0]["usd_per_hour"] == "0.0200000"
    assert doc["lines"][0]["tft_per_hour"] == 2_000_000  # $0.02 at $0.1 per TFT


@pytest.mark.parametrize(
    "argv, message",
    [
        (["quote"], "nothing to quote"),
        (["quote", "--node", "9", "--cru", "1"], "node 9 does not exist"),
        (["quote", "--mru", "lots"], "not a number"),
        (["quote", "--cru", "-1"], "must not be negative"),
        (["quote", "--sru", "-3"], "non-negative"),
        (["quote", "--balance", "0.123456789", "--cru", "1"], "finer than the smallest unit"),
        (["quote", "--certified", "--diy", "--cru", "1"], "not allowed with"),
        (["quote", "--node", "0", "--cru", "1"], "at least 1"),
        (["quote", "--genesis", "/nonexistent/genesis.json", "--cru", "1"], "cannot read the genesis"),
        (["quote", "--policy", "/nonexistent/p.json", "--cru", "1"], "cannot read"),
    ],
)
def test_quote_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Every mistake exits 2 and says what went wrong and how to fix it."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "how to fix" in err


def test_quote_with_a_genesis_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GEN-20: `--genesis` reads a genesis JSON file; an invalid one is a usage error naming the field."""
    good = tmp_path / "g.json"
    good.write_text(genesis.default_genesis_json())
    assert main(["quote", "--genesis", str(good), "--cru", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["lines"][0]["tft_per_hour"] > 0
    bad = tmp_path / "bad.json"
    doc = json.loads(genesis.default_genesis_json())
    doc["tft_price"]["price"] = "fifty"
    bad.write_text(json.dumps(doc))
    assert main(["quote", "--genesis", str(bad), "--cru", "1"]) == 2
    err = capsys.readouterr().err
    assert "tft_price.price" in err and "how to fix" in err
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    assert main(["quote", "--genesis", str(binary), "--cru", "1"]) == 2


def test_policy_files(tmp_path: Path) -> None:
    """Proposal files: every field optional; mistakes name the field."""
    current = genesis.default().pricing_policies[1]
    doc = policy_to_json(current, 50)
    same = parse_policy(doc)
    assert apply_proposal(genesis.default(), same).pricing_policies[1] == current
    p = parse_policy({"ipu": {"value": 60_000, "unit": "Megabytes"}, "discount_for_dedication_nodes": 40})
    assert p.ipu == Policy(60_000, Unit.Megabytes) and p.su is None
    changed = apply_proposal(genesis.default(), p).pricing_policies[1]
    assert changed.ipu == Policy(60_000, Unit.Megabytes) and changed.discount_for_dedication_nodes == 40
    assert changed.cu == current.cu
    bad = [
        ([1, 2], "expected a JSON object"),
        ({"cu": 5}, '"value"'),
        ({"cuu": {"value": 1}}, "unknown field"),
        ({"cu": {"value": -1}}, "out of range"),
        ({"cu": {"value": 1.5}}, "unsigned integer"),
        ({"cu": {"value": 1, "unit": "Parsecs"}}, "unknown unit"),
        ({"tft_price": 0}, "cannot be billed"),
        ({"format": "v0"}, "expected 'sc4it-pricing-policy/v1'"),
        ({"name": 7}, "string"),
        ({"discount_for_dedication_nodes": 256}, "out of range"),
    ]
    for d, message in bad:
        with pytest.raises(PolicyFileError, match=message):
            parse_policy(d)
    f = tmp_path / "p.json"
    f.write_text("{not json")
    with pytest.raises(PolicyFileError, match="not valid JSON"):
        read_policy_file(f)
    f.write_text(json.dumps({"name": "ok"}))
    assert read_policy_file(f).name == b"ok"
