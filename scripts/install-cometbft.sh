#!/usr/bin/env bash
# Build (or find) the pinned CometBFT and generate the ABCI message classes from its .proto files.
# The version is pinned in one place, src/sc4it/net/engine.py (COMETBFT_VERSION). Idempotent: with the
# binary already installed at that version and the Go build cache warm, it only checks.
# Usage: scripts/install-cometbft.sh [PYTHON]   (PYTHON: the venv's python, default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-.venv/bin/python}"
target="$("$PY" -m sc4it.net.engine module)"
version="$("$PY" -m sc4it.net.engine version)"
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    export PATH="$PATH:/usr/local/go/bin"   # Go's official tarball location
fi
if ! command -v go >/dev/null 2>&1; then
    echo "install-cometbft: Go is not installed (need Go >= 1.22 to build CometBFT $version)" >&2
    exit 1
fi
bin="$(go env GOPATH)/bin/cometbft"
if [ -x "$bin" ] && [ "$("$bin" version 2>/dev/null)" = "${version#v}" ]; then
    echo "install-cometbft: $bin is already CometBFT $version"
else
    echo "install-cometbft: go install $target" >&2
    go install "$target"
fi
"$PY" -m sc4it.net.engine check
