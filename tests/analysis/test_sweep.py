"""Sweeps over candidate policies, in processes and on a Dask cluster (spec/analysis.md ANA-60..ANA-63)."""

from __future__ import annotations

import faulthandler
import json
from pathlib import Path
from typing import Any

import pytest

from sc4it.analysis import sweep
from sc4it.analysis.fastforward import Period
from sc4it.analysis.files import write_json
from sc4it.analysis.presets import network_state
from sc4it.analysis.synthetic import generate
from sc4it.tools.cli import main

MAINNET = network_state("mainnet")
PERIOD = Period(0, 0, 20 * 14_400, 6000)


def test_grid_and_rows() -> None:
    """ANA-60, ANA-61: the grid moves one price by whole percents; dearer CU means more paid and more
    revenue, more twins paying more and no fewer contracts in grace."""
    grid = sweep.cu_grid(MAINNET, -20, 20, 10)
    assert [c.label for c in grid] == ["cu -20%", "cu -10%", "cu +0%", "cu +10%", "cu +20%"]
    assert [c.proposal.cu.value for c in grid if c.proposal.cu] == [
        244_480,
        275_040,
        305_600,
        336_160,
        366_720,
    ]
    with pytest.raises(ValueError):
        sweep.cu_grid(MAINNET, 10, -10, 5)
    population = generate(150, seed=9)
    current, rows = sweep.run(population, MAINNET, grid, PERIOD, workers=1)
    paid = [r.paid for r in rows]
    assert paid == sorted(paid) and rows[2].paid == current.paid
    assert rows[2].twins_paying_more == 0 and rows[2].pushed_into_grace == 0
    assert rows[-1].twins_paying_more > 0 and rows[-1].farmers > current.farmers
    assert rows[-1].pushed_into_grace >= rows[0].pushed_into_grace


def test_processes_and_dask_give_the_same_rows() -> None:
    """ANA-62: across processes and on a local Dask cluster (bound to 127.0.0.1, closed afterwards) the
    rows are the ones computed in one process."""
    distributed = pytest.importorskip("distributed", reason="the analysis extra (dask) is not installed")
    population = generate(60, seed=2)
    grid = sweep.cu_grid(MAINNET, -10, 10, 10)
    alone = sweep.run(population, MAINNET, grid, PERIOD, workers=1)
    assert sweep.run(population, MAINNET, grid, PERIOD, workers=2) == alone
    faulthandler.dump_traceback_later(300, exit=True)  # bound the cluster's lifetime: never hang the suite
    try:
        _on_dask(distributed, population, grid, alone)
    finally:
        faulthandler.cancel_dump_traceback_later()


def _on_dask(distributed: Any, population: Any, grid: Any, alone: Any) -> None:
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        assert sweep.run(population, MAINNET, grid, PERIOD, dask_address=cluster.scheduler_address) == alone


def test_sweep_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ANA-63: `whatif sweep` prints one row per candidate and writes the CSV; a bad range is exit 2."""
    write_json(generate(40, seed=1), tmp_path / "pop.json")
    base = ["whatif", "sweep", "--population", str(tmp_path / "pop.json"), "--days", "5", "--workers", "1"]
    assert main([*base, "--range=-10:10:10", "--csv", str(tmp_path / "s.csv"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["policy"] for r in doc["rows"]] == ["cu -10%", "cu +0%", "cu +10%"]
    assert (tmp_path / "s.csv").read_text().startswith("policy,")
    assert main([*base, "--range=10:-10:5"]) == 2
    assert main(["whatif", "sweep"]) == 2
