"""Every `sc4it` subcommand over a table of hostile arguments: no traceback, the documented exit code
(docs/trace.md, `sc4it --help`). Also `replay` without --check, an ASCII-only terminal, a closed pipe."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import cbor2
import pytest

from sc4it import calls, genesis
from sc4it.host.chain import Chain
from sc4it.host.trace import TRACE_MAGIC, frame
from sc4it.tools.cli import EXIT_CHECK_FAILED, EXIT_CORRUPT, EXIT_OK, EXIT_USAGE, main

from ..support import ROOT

ALICE = genesis.dev_keypair("alice")
BOB = genesis.dev_keypair("bob")
EXAMPLE_POLICY = str(ROOT / "docs" / "examples" / "pricing-proposal.json")
HUGE = "9" * 5000


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("hostile")
    out: dict[str, str] = {}

    def put(name: str, text: str) -> None:
        (d / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        out[name] = str(d / name)

    put("deep.json", "[" * 100_000 + "]" * 100_000)
    put("deep_object.json", '{"a":' * 100_000 + "1" + "}" * 100_000)
    put("huge_number.json", '{"format": "sc4it-pricing-policy/1", "cu": {"value": ' + HUGE + "}}")
    put("surrogate.json", '{"format": "sc4it-pricing-policy/1", "name": "\\ud800"}')
    doc = json.loads((ROOT / "src/sc4it/data/default_genesis.json").read_text())
    doc["farms"][0]["name"] = "\ud800"
    put("surrogate_genesis.json", json.dumps(doc))
    doc["farms"][0]["name"] = "farm"
    doc["config"]["secs_per_month"] = 7
    put("huge_genesis.json", json.dumps(doc).replace('"secs_per_month": 7', '"secs_per_month": ' + HUGE))
    trace = d / "t.trace"
    with Chain.from_genesis(trace=trace) as chain:
        chain.submit_call(calls.Transfer(BOB.account_id, 10**7), ALICE)
        chain.produce_block()
    out["trace"] = str(trace)
    bomb = d / "bigint.trace"
    bomb.write_bytes(trace.read_bytes() + frame(cbor2.dumps([1, 2, 10**5000, [], bytes(32)], canonical=True)))
    out["bigint.trace"] = str(bomb)
    return out


# (arguments, expected exit code); {name} is replaced by the path of that fixture file
TABLE: list[tuple[list[str], int]] = [
    (["demo", "--cycles", "2000"], EXIT_USAGE),
    (["demo", "--cycles", "0"], EXIT_USAGE),
    (["demo", "--cycles", HUGE], EXIT_USAGE),
    (["quote", "--mru", "1e999999"], EXIT_USAGE),
    (["quote", "--mru", "1e30"], EXIT_USAGE),
    (["quote", "--cru", HUGE], EXIT_USAGE),
    (["quote", "--cru", "1000", "--node", "1"], EXIT_USAGE),
    (["quote", "--cru", "1", "--node", "99"], EXIT_USAGE),
    (["quote", "--cru", "1", "--balance", "1e999999"], EXIT_USAGE),
    (["quote", "--cru", "1", "--policy", "{deep.json}"], EXIT_USAGE),
    (["quote", "--cru", "1", "--policy", "{deep_object.json}"], EXIT_USAGE),
    (["quote", "--cru", "1", "--policy", "{huge_number.json}"], EXIT_USAGE),
    (["quote", "--cru", "1", "--policy", "{surrogate.json}"], EXIT_USAGE),
    (["quote", "--cru", "1", "--policy", "/dev/zero"], EXIT_USAGE),
    (["quote", "--cru", "1", "--genesis", "/dev/zero"], EXIT_USAGE),
    (["quote", "--cru", "1", "--genesis", "{surrogate_genesis.json}"], EXIT_USAGE),
    (["quote", "--cru", "1", "--genesis", "{huge_genesis.json}"], EXIT_USAGE),
    (["quote", "--cru", "1", "--genesis", "\udcff"], EXIT_USAGE),
    (["whatif", "--policy", "{deep.json}"], EXIT_USAGE),
    (["whatif", "--policy", EXAMPLE_POLICY, "--seed", str(2**63)], EXIT_USAGE),
    (["whatif", "--policy", EXAMPLE_POLICY, "--days", "1e999999"], EXIT_USAGE),
    (["whatif", "--policy", EXAMPLE_POLICY, "--users", HUGE], EXIT_USAGE),
    (["whatif", "--policy", EXAMPLE_POLICY, "--trace", "/dev/zero"], EXIT_USAGE),
    (["replay", "/dev/zero"], EXIT_USAGE),
    (["replay", "/nonexistent/t.trace"], EXIT_USAGE),
    (["replay", "{bigint.trace}"], EXIT_CORRUPT),
    (["replay", "--check", "{bigint.trace}"], EXIT_CORRUPT),
    (["replay", "{deep.json}"], EXIT_USAGE),
    (["vectors", "verify", "/dev/zero"], EXIT_USAGE),
    (["vectors", "verify", str(ROOT / "spec" / "vectors"), "--seed", str(2**63)], EXIT_USAGE),
    (["vectors", "verify", str(ROOT / "spec" / "vectors"), "--sample", "nan"], EXIT_USAGE),
    (["vectors", "generate", "--root", "/dev/zero"], EXIT_USAGE),
    (["spec", "coverage", "--root", "/dev/zero"], EXIT_USAGE),
    (["spec", "coverage", "--root", "\udcff"], EXIT_USAGE),
]


@pytest.mark.parametrize(("argv", "code"), TABLE, ids=[" ".join(a)[:60] for a, _ in TABLE])
def test_hostile_arguments(
    argv: list[str], code: int, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Every subcommand: a hostile argument ends with the documented exit code and a two-line error
    (`sc4it: error:` and `how to fix:`), never an exception (which the console script would print as a
    traceback with exit 1)."""
    args = [files[a[1:-1]] if a.startswith("{") and a.endswith("}") else a for a in argv]
    assert main(args) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code == EXIT_USAGE:
        assert "sc4it: error:" in err and "how to fix:" in err


def test_repair_of_a_trace_it_cannot_write(files: dict[str, str], tmp_path: Path) -> None:
    """TRC-04: `replay --repair` on a trace that another writer holds (or that cannot be opened for
    writing) is a usage error (exit 2) naming the cause, not a traceback."""
    path = tmp_path / "torn.trace"
    path.write_bytes(Path(files["trace"]).read_bytes()[:-5])
    with open(path, "ab") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["replay", "--repair", str(path)]) == EXIT_USAGE
    size = path.stat().st_size
    path.chmod(0o444)
    try:
        if os.access(path, os.W_OK):  # root writes read-only files: the lock above covered the path
            assert main(["replay", "--repair", str(path)]) == EXIT_OK
            assert path.stat().st_size < size
        else:
            assert main(["replay", "--repair", str(path)]) == EXIT_USAGE
            assert path.stat().st_size == size
    finally:
        path.chmod(0o644)


def _tampered(files: dict[str, str], tmp_path: Path) -> Path:
    """The fixture trace with its last block's recorded root replaced (re-framed with a valid checksum)."""
    data = Path(files["trace"]).read_bytes()
    records, pos = [], len(TRACE_MAGIC)
    while pos < len(data):
        n = int.from_bytes(data[pos : pos + 4], "big")
        records.append(cbor2.loads(data[pos + 4 : pos + 4 + n]))
        pos += 4 + n + 32
    records[-1][4] = bytes(32)
    path = tmp_path / "tampered.trace"
    path.write_bytes(TRACE_MAGIC + b"".join(frame(cbor2.dumps(r, canonical=True)) for r in records))
    return path


def test_replay_fails_on_differing_roots_and_says_where(
    files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`replay` without --check exits 1 when a recorded root differs (it exited 0), and the report names
    the storage items the block changed, with a bounded list of keys."""
    path = _tampered(files, tmp_path)
    assert main(["replay", str(path)]) == EXIT_CHECK_FAILED
    out = capsys.readouterr().out
    assert "differ from the recorded roots" in out and "accounts (" in out
    assert main(["replay", "--json", str(path)]) == EXIT_CHECK_FAILED
    end = [json.loads(line) for line in capsys.readouterr().out.splitlines()][-1]
    assert end["blocks_differing"] == 1 and "accounts" in end["first_difference"]["changed"]
    assert main(["replay", "--check", "--json", str(path)]) == EXIT_CHECK_FAILED
    mismatch = json.loads(capsys.readouterr().out.splitlines()[-1])
    changed = mismatch["changed"]
    assert changed["accounts"]["keys"] >= 2 and len(changed["accounts"]["shown"]) <= 5
    assert main(["replay", files["trace"]]) == EXIT_OK


def _run(argv: list[str], env: dict[str, str] | None = None, shell: str | None = None) -> tuple[int, str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    command: str | list[str] = shell or [sys.executable, "-m", "sc4it", *argv]
    proc = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=full_env, shell=shell is not None
    )
    return proc.returncode, proc.stderr


def test_an_ascii_only_terminal() -> None:
    """LC_ALL=C and PYTHONIOENCODING=ascii: characters the terminal cannot show become `?`; exit 0."""
    for argv in (["demo", "--cycles", "2"], ["quote", "--cru", "2", "--mru", "4"]):
        code, err = _run(argv, {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"})
        assert code == EXIT_OK and "Traceback" not in err, err[-2000:]


def test_a_closed_pipe_exits_0() -> None:
    """`sc4it demo | head -1` exits 0 (the reader going away is not a failed check)."""
    for flags in ("", "--json"):
        shell = f"{sys.executable} -m sc4it demo {flags} | head -1 > /dev/null; exit ${{PIPESTATUS[0]}}"
        code, err = _run([], shell=f"bash -c '{shell}'")
        assert code == EXIT_OK and "Traceback" not in err, err[-2000:]
