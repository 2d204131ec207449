"""The pinned engine and how it is found (spec/network.md, NET-01, NET-02)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sc4it.net import engine


def fake_cometbft(directory: Path, version: str) -> Path:
    path = directory / "cometbft"
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


def test_version_is_pinned_in_one_place(capsys: pytest.CaptureFixture[str]) -> None:
    """NET-01: the install script asks the module for the version and the module path."""
    assert engine.main(["version"]) == 0
    assert engine.main(["module"]) == 0
    out = capsys.readouterr().out.split()
    assert out == [
        engine.COMETBFT_VERSION,
        f"github.com/cometbft/cometbft/cmd/cometbft@{engine.COMETBFT_VERSION}",
    ]
    script = (Path(__file__).resolve().parents[2] / "scripts" / "install-cometbft.sh").read_text()
    assert "v0.38" not in script and "sc4it.net.engine" in script


def test_a_binary_of_another_version_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NET-01: only the pinned version is used; the error says what was found and how to install."""
    fake = fake_cometbft(tmp_path, "0.37.4")
    assert engine.binary_version(fake) == "0.37.4"
    monkeypatch.setenv("SC4IT_COMETBFT", str(fake))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(engine, "gopath", lambda: tmp_path / "nogo")
    with pytest.raises(engine.EngineMissing) as e:
        engine.find_cometbft()
    assert "is 0.37.4" in str(e.value) and "install-cometbft.sh" in str(e.value)
    (tmp_path / "good").mkdir()
    good = fake_cometbft(tmp_path / "good", "0.38.26")
    monkeypatch.setenv("SC4IT_COMETBFT", str(good))
    assert engine.find_cometbft() == good


def test_missing_module_cache_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NET-02: without CometBFT's .proto files in the Go module cache, generation says how to get them."""
    monkeypatch.setattr(engine, "gomodcache", lambda: tmp_path)
    with pytest.raises(engine.EngineMissing, match="proto"):
        engine.generate_abci(tmp_path / "out")
    assert not (tmp_path / "out").exists()
