"""The consensus engine: which CometBFT, where its binary is, and the ABCI messages generated from its
own `.proto` files (spec/network.md, NET-01..NET-03).

The pinned release lives here and nowhere else: `scripts/install-cometbft.sh` (called by `.ci/run` and
the README) asks this module for it. Installing is the ordinary Go client:
`go install github.com/cometbft/cometbft/cmd/cometbft@v0.38.26`, which also leaves CometBFT's source (and
so its `.proto` files) in the Go module cache. The Python classes of the ABCI messages are generated from
those files with `grpcio-tools` into a build directory (never committed), the first time they are needed
or by `python -m sc4it.net.engine install`.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs

COMETBFT_MODULE = "github.com/cometbft/cometbft"
COMETBFT_VERSION = "v0.38.26"
"""NET-01: the one pinned CometBFT release (ABCI 2.0, `FinalizeBlock`)."""

_ABCI_PROTOS = (
    "tendermint/abci/types.proto",
    "tendermint/crypto/keys.proto",
    "tendermint/crypto/proof.proto",
    "tendermint/types/evidence.proto",
    "tendermint/types/params.proto",
    "tendermint/types/types.proto",
    "tendermint/types/validator.proto",
    "tendermint/version/types.proto",
)
_LIGHT_PROTOS = ("tendermint/types/canonical.proto",)
"""NET-43: the light client's messages (the canonical vote), generated beside ABCI's."""


class EngineMissing(RuntimeError):
    """The pinned CometBFT (or its `.proto` files, or `grpcio-tools`) is not installed; the message says
    how to install it."""


INSTALL_HINT = (
    "install it with `scripts/install-cometbft.sh` (needs Go >= 1.22: "
    f"go install {COMETBFT_MODULE}/cmd/cometbft@{COMETBFT_VERSION})"
)


def _go_env(name: str) -> str | None:
    go = shutil.which("go") or shutil.which("go", path="/usr/local/go/bin")
    if go is None:
        return None
    out = subprocess.run([go, "env", name], capture_output=True, text=True, timeout=60, check=False)
    value = out.stdout.strip()
    return value or None


@functools.cache
def gopath() -> Path | None:
    value = _go_env("GOPATH")
    return Path(value.split(os.pathsep)[0]) if value else None


@functools.cache
def gomodcache() -> Path | None:
    value = os.environ.get("GOMODCACHE") or _go_env("GOMODCACHE")
    return Path(value) if value else None


def binary_version(path: Path) -> str | None:
    """`cometbft version` of the binary at `path` (e.g. "0.38.26"), or None if it does not run."""
    try:
        out = subprocess.run([str(path), "version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def find_cometbft() -> Path:
    """NET-01: the CometBFT binary of the pinned version: `$SC4IT_COMETBFT`, then `$(go env GOPATH)/bin`,
    then `PATH`. Raises `EngineMissing` when none is the pinned version."""
    candidates: list[Path] = []
    if env := os.environ.get("SC4IT_COMETBFT"):
        candidates.append(Path(env))
    gp = gopath()
    if gp is not None:
        candidates.append(gp / "bin" / "cometbft")
    if found := shutil.which("cometbft"):
        candidates.append(Path(found))
    wanted = COMETBFT_VERSION.removeprefix("v")
    seen: list[str] = []
    for path in candidates:
        if path.is_file():
            version = binary_version(path)
            if version == wanted:
                return path
            seen.append(f"{path} is {version or 'not runnable'}")
    detail = "; ".join(seen) if seen else "no cometbft binary found"
    raise EngineMissing(f"CometBFT {COMETBFT_VERSION} is not installed ({detail}): {INSTALL_HINT}")


def module_dir() -> Path:
    """CometBFT's source at the pinned version in the Go module cache (left there by `go install`)."""
    cache = gomodcache()
    if cache is None:
        raise EngineMissing(
            f"Go is not installed, so CometBFT's .proto files cannot be found: {INSTALL_HINT}"
        )
    path = cache / f"{COMETBFT_MODULE}@{COMETBFT_VERSION}"
    if not (path / "proto").is_dir():
        raise EngineMissing(f"CometBFT's .proto files are not in {path}: {INSTALL_HINT}")
    return path


def gogoproto_dir() -> Path:
    """The gogoproto module at the version CometBFT's go.mod requires (its `gogo.proto` is imported)."""
    go_mod = (module_dir() / "go.mod").read_text()
    m = re.search(r"github\.com/cosmos/gogoproto (v\S+)", go_mod)
    if m is None:  # pragma: no cover - CometBFT 0.38 requires it
        raise EngineMissing("CometBFT's go.mod names no gogoproto version")
    cache = gomodcache()
    assert cache is not None
    path = cache / f"github.com/cosmos/gogoproto@{m.group(1)}"
    if not (path / "gogoproto" / "gogo.proto").is_file():
        raise EngineMissing(f"gogoproto is not in the Go module cache ({path}): {INSTALL_HINT}")
    return path


def build_dir() -> Path:
    """Where generated code goes: `$SC4IT_BUILD_DIR`, else `$XDG_CACHE_HOME/sc4it` (~/.cache/sc4it)."""
    root = os.environ.get("SC4IT_BUILD_DIR")
    base = Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sc4it"
    return base / f"cometbft-{COMETBFT_VERSION}" / "python"


def _protoc() -> ModuleType:
    """`grpc_tools.protoc`, imported here rather than at the top: grpcio-tools and protobuf are the `net`
    extra (pyproject.toml), which the core and the rest of the `sc4it` command do not need, and this
    module is imported by `sc4it net` to say what is missing."""
    try:
        return importlib.import_module("grpc_tools.protoc")
    except ImportError as e:
        raise EngineMissing("grpcio-tools is missing: pip install -e '.[net]'") from e


def _well_known(protoc: ModuleType) -> Path:
    """The `.proto` files of protobuf's well-known types that grpcio-tools ships beside `protoc`."""
    assert protoc.__file__ is not None
    return Path(protoc.__file__).parent / "_proto"


def generate_abci(out: Path | None = None) -> Path:
    """NET-02: generate the Python classes of ABCI's messages from CometBFT's `.proto` files with
    `grpcio-tools` (idempotent: a directory with a complete marker is kept)."""
    out = build_dir() if out is None else out
    marker = out / ".complete"
    if marker.is_file():
        _generate_missing(out)
        return out
    protoc = _protoc()
    proto = module_dir() / "proto"
    gogo = gogoproto_dir()
    well_known = _well_known(protoc)
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    args = ["protoc", f"-I{proto}", f"-I{gogo}", f"-I{well_known}", f"--python_out={tmp}"]
    code = protoc.main([*args, *_ABCI_PROTOS, *_LIGHT_PROTOS, "gogoproto/gogo.proto"])
    if code != 0:
        raise EngineMissing(f"protoc failed ({code}) on CometBFT's .proto files in {proto}")
    (tmp / ".complete").write_text(f"{COMETBFT_VERSION}\n")
    shutil.rmtree(out, ignore_errors=True)
    try:
        os.replace(tmp, out)
    except OSError:  # another process generated it at the same time: keep theirs
        shutil.rmtree(tmp, ignore_errors=True)
        if not marker.is_file():
            raise
    return out


def _generate_missing(out: Path) -> None:
    """A build directory made before the light client's protos were added gets them (NET-43), written
    file by file with an atomic rename so that a process reading the directory never sees half a file."""
    missing = [p for p in _LIGHT_PROTOS if not (out / p.replace(".proto", "_pb2.py")).is_file()]
    if not missing:
        return
    protoc = _protoc()
    proto = module_dir() / "proto"
    well_known = _well_known(protoc)
    tmp = out.with_name(out.name + f".part{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    args = ["protoc", f"-I{proto}", f"-I{gogoproto_dir()}", f"-I{well_known}", f"--python_out={tmp}"]
    if protoc.main([*args, *missing]) != 0:
        raise EngineMissing(f"protoc failed on {missing} in {proto}")
    for p in missing:
        name = p.replace(".proto", "_pb2.py")
        os.replace(tmp / name, out / name)
    shutil.rmtree(tmp, ignore_errors=True)


@functools.cache
def abci_types() -> ModuleType:
    """The generated `tendermint.abci.types_pb2` module (NET-02), generated first if needed."""
    out = generate_abci()
    if str(out) not in sys.path:
        sys.path.insert(0, str(out))
    return importlib.import_module("tendermint.abci.types_pb2")


@attrs.frozen
class CometbftTypes:
    """NET-41..NET-43: the generated messages the light client encodes."""

    types: ModuleType
    canonical: ModuleType
    validator: ModuleType
    version: ModuleType
    timestamps: ModuleType
    """`google.protobuf.timestamp_pb2` (protobuf is the `net` extra: loaded with the generated modules)."""

    def timestamp(self, time: tuple[int, int]) -> Any:
        return self.timestamps.Timestamp(seconds=time[0], nanos=time[1])


@functools.cache
def cometbft_types() -> CometbftTypes:
    """The generated `tendermint.types` modules the light client needs (generated first if needed)."""
    abci_types()
    return CometbftTypes(
        importlib.import_module("tendermint.types.types_pb2"),
        importlib.import_module("tendermint.types.canonical_pb2"),
        importlib.import_module("tendermint.types.validator_pb2"),
        importlib.import_module("tendermint.version.types_pb2"),
        importlib.import_module("google.protobuf.timestamp_pb2"),
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m sc4it.net.engine version|install|check`: the install script's helper."""
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "check"
    if command == "version":
        print(COMETBFT_VERSION)
        return 0
    if command == "module":
        print(f"{COMETBFT_MODULE}/cmd/cometbft@{COMETBFT_VERSION}")
        return 0
    try:
        binary = find_cometbft()
        out = generate_abci()
        abci_types()
    except EngineMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"cometbft {COMETBFT_VERSION}: {binary}; ABCI messages: {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
