"""The code in docs/embedding.md runs as written (a host in 30 lines, the reference host)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.DOTALL)


def test_embedding_examples_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """STATE-07, STATE-09: the documented host drives `apply` and `on_block`; its name contract is
    billed after an hour of blocks; the `Chain` example records, snapshots and resumes."""
    blocks = python_blocks(DOCS / "embedding.md")
    assert len(blocks) == 3
    host_lines = [line for line in blocks[0].strip().splitlines() if line.strip()]
    assert len(host_lines) <= 32, "the host in 30 lines grew"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for code in blocks:
        exec(compile(code, "docs/embedding.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "ContractCreated" in out and "refused" not in out
    assert (tmp_path / "run.trace").exists() and (tmp_path / "run.snap").exists()
    ps = namespace["host"].state.contract_payment_state[1]  # type: ignore[attr-defined]
    assert ps.standard_reserve > 0
