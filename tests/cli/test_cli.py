"""The `sc4it` command line: help and exit codes, `demo`, `replay` (docs/embedding.md, docs/trace.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sc4it import calls, genesis
from sc4it.host.chain import Chain
from sc4it.host.trace import TraceBlock, TraceWriter, read_trace
from sc4it.tools.cli import EXIT_CHECK_FAILED, EXIT_CORRUPT, EXIT_OK, EXIT_USAGE, main
from sc4it.tools.demo import run_story

ALICE = genesis.dev_keypair("alice")
BOB = genesis.dev_keypair("bob")


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def event_types(records: list[dict[str, Any]]) -> list[str]:
    out = []
    for rec in records:
        if rec.get("type") != "block":
            continue
        out += [e["type"] for e in rec["hook_events"]]
        for c in rec["calls"]:
            out += [e["type"] for e in c["events"]]
    return out


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "exit codes:" in out and "corrupted input" in out
    for command in ("demo", "quote", "whatif", "replay"):
        assert command in out
    assert main(["replay", "--help"]) == EXIT_OK
    assert "--check" in capsys.readouterr().out
    assert main([]) == EXIT_USAGE
    assert "usage: sc4it" in capsys.readouterr().out
    assert main(["--version"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == "0.1.0"


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fly"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "invalid choice" in err and "how to fix" in err


def test_demo_tells_the_story(capsys: pytest.CaptureFixture[str]) -> None:
    """GRC-04, GRC-01, BIL-18, DST-01, IPS-11 end to end: the user is billed until the contract enters
    grace, the top-up restores it, revenue is distributed, cancelling frees the IP. The state root is
    reproducible. (How long it takes is a benchmark's business, not a test's.)"""
    assert main(["demo", "--json"]) == EXIT_OK
    records = json_lines(capsys.readouterr().out)
    kinds = event_types(records)
    order = [
        "ContractCreated",
        "ContractDeployed",
        "UpdatedUsedResources",
        "ContractBilled",
        "ContractGracePeriodStarted",
        "ContractPaymentOverdrawn",
        "ContractGracePeriodEnded",
        "RewardDistributed",
        "IPsFreed",
        "NodeContractCanceled",
        "NameContractCanceled",
    ]
    positions = [kinds.index(k) for k in order]
    assert positions == sorted(positions), kinds
    chapters = [r for r in records if r["type"] == "chapter"]
    assert [c["contracts"][0]["state"] for c in chapters[2:5]] == [
        f"grace since #{chapters[2]['block']}",
        f"grace since #{chapters[2]['block']}",
        "Created",
    ]
    assert all(row["state"] == "removed" for row in chapters[-1]["contracts"])
    end = records[-1]
    assert end["type"] == "end"
    assert end["state_root"] == run_story().state_root.hex()
    # conservation between the watched accounts: what charlie paid went to farmer, foundation, staking
    first, last = chapters[0]["balances"], chapters[-1]["balances"]
    gained = {
        n: last[n]["free"] + last[n]["reserved"] - first[n]["free"] - first[n]["reserved"] for n in last
    }
    assert (
        gained["charlie"] + gained["alice"] + gained["farmer-1"] + gained["ferdie"] + gained["staking-pool"]
        == 0
    )
    assert gained["farmer-1"] > 0 and gained["ferdie"] > 0 and gained["staking-pool"] > 0


def test_demo_timeline_and_trace_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`demo --trace` records every block; `replay --check` re-executes it to the same state root."""
    path = tmp_path / "demo.trace"
    assert main(["demo", "--cycles", "2", "--trace", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "grace" in out and "state root" in out and "where charlie's money went" in out
    root = out.split("state root")[-1].split()[0]
    assert main(["replay", str(path), "--check", "--quiet"]) == EXIT_OK
    replayed = capsys.readouterr().out
    assert root in replayed and "check passed" in replayed
    assert main(["demo", "--cycles", "2", "--trace", str(path)]) == EXIT_USAGE
    assert "already exists" in capsys.readouterr().err
    assert main(["demo", "--cycles", "2", "--trace", str(path), "--force", "--json"]) == EXIT_OK
    capsys.readouterr()
    assert main(["demo", "--trace", str(tmp_path / "missing-dir" / "t.trace")]) == EXIT_USAGE
    assert "cannot write the trace" in capsys.readouterr().err


def _small_trace(path: Path) -> list[bytes]:
    chain = Chain.from_genesis(trace=path)
    chain.submit_call(calls.Transfer(BOB.account_id, 10**7), ALICE)
    chain.submit_call(calls.CreateNameContract(b"replay-me"), ALICE)
    chain.submit_call(calls.CancelContract(77), BOB)  # fails in its handler: recorded with its error
    roots = [chain.produce_block().root]
    roots += [r.root for r in chain.advance(1250) if r.eventful]
    chain.close()
    return roots


def test_replay_prints_events_and_the_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "small.trace"
    _small_trace(path)
    final = read_trace(path).blocks[-1].root.hex()
    assert main(["replay", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert 'CreateNameContract "replay-me"' in out and "ContractBilled" in out
    assert "[failed: ContractNotExists]" in out and final in out
    assert main(["replay", str(path), "--json"]) == EXIT_OK
    records = json_lines(capsys.readouterr().out)
    assert records[-1]["state_root"] == final and records[-1]["matches_recorded"] is True
    assert records[0]["calls"][2]["error"] == "ContractNotExists"


def _rewrite_with_root(src: Path, dst: Path, block: int, root: bytes) -> None:
    """A copy of the trace `src` whose block `block` records `root` (validly framed: a wrong root, not
    a damaged file)."""
    contents = read_trace(src)
    with TraceWriter.create(dst, contents.header) as w:
        for b in contents.blocks:
            w.write_block(TraceBlock(b.number, b.timestamp, b.calls, root) if b.number == block else b)


def test_replay_check_stops_at_a_tampered_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--check` stops at the first block whose recomputed root differs (exit 1) and names it; without
    `--check` the replay goes on, reports how many blocks differ and still exits 1."""
    path = tmp_path / "small.trace"
    _small_trace(path)
    tampered = tmp_path / "tampered.trace"
    _rewrite_with_root(path, tampered, 601, b"\x11" * 32)
    assert main(["replay", str(tampered), "--check", "--quiet"]) == EXIT_CHECK_FAILED
    captured = capsys.readouterr()
    assert "check failed at block #601" in captured.err and "11" * 32 in captured.err
    assert "replayed" not in captured.out
    assert main(["replay", str(tampered), "--check", "--json"]) == EXIT_CHECK_FAILED
    records = json_lines(capsys.readouterr().out)
    assert records[-1]["type"] == "mismatch" and records[-1]["block"] == 601
    assert records[-2]["block"] == 601 and all(r["block"] <= 601 for r in records[:-1])
    assert main(["replay", str(tampered), "--quiet"]) == EXIT_CHECK_FAILED
    assert "1 block(s) differ" in capsys.readouterr().out


def test_replay_torn_and_damaged_traces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A torn last record: the intact blocks are replayed, the problem reported with a fix, exit 3;
    `--allow-torn` accepts it; `--repair` cuts it off. A damaged middle record is exit 3 too."""
    path = tmp_path / "small.trace"
    _small_trace(path)
    intact = read_trace(path)
    data = path.read_bytes()
    path.write_bytes(data[:-7])
    assert main(["replay", str(path), "--quiet"]) == EXIT_CORRUPT
    captured = capsys.readouterr()
    assert "torn last record" in captured.err and "--repair" in captured.err
    assert f"every block up to #{intact.blocks[-2].number} is intact" in captured.err
    assert f"replayed {len(intact.blocks) - 1} blocks" in captured.out
    assert main(["replay", str(path), "--quiet", "--allow-torn"]) == EXIT_OK
    assert "warning" in capsys.readouterr().err
    assert main(["replay", str(path), "--quiet", "--json"]) == EXIT_CORRUPT
    assert json_lines(capsys.readouterr().out)[-1]["problem"]["kind"] == "torn"
    assert main(["replay", str(path), "--quiet", "--repair"]) == EXIT_OK
    assert "repaired" in capsys.readouterr().err
    assert read_trace(path).problem is None
    assert main(["replay", str(path), "--quiet", "--check"]) == EXIT_OK
    capsys.readouterr()
    damaged = bytearray(data)
    damaged[len(damaged) // 2] ^= 0x40
    path.write_bytes(bytes(damaged))
    assert main(["replay", str(path), "--quiet"]) == EXIT_CORRUPT
    assert "damaged record" in capsys.readouterr().err


def test_replay_unusable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Not a trace or missing: usage error (2); a damaged header: corrupted input (3)."""
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    assert main(["replay", str(other)]) == EXIT_USAGE
    assert "not an sc4it trace" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "missing.trace")]) == EXIT_USAGE
    assert "No such file" in capsys.readouterr().err
    path = tmp_path / "header.trace"
    Chain.from_genesis(trace=path).close()
    path.write_bytes(path.read_bytes()[:50])
    assert main(["replay", str(path)]) == EXIT_CORRUPT
    err = capsys.readouterr().err
    assert "header" in err and "how to fix" in err


def test_replay_of_a_trace_based_on_a_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chain = Chain.from_genesis()
    chain.advance(10)
    snap = tmp_path / "s.snap"
    chain.save_snapshot(snap)
    loaded = Chain.load_snapshot(snap)
    loaded.record(tmp_path / "s.trace")
    loaded.submit_call(calls.CreateNameContract(b"from-snapshot"), ALICE)
    loaded.advance(5)
    loaded.close()
    assert main(["replay", str(tmp_path / "s.trace"), "--check"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "from-snapshot" in out and "replayed 5 blocks (to #15)" in out
