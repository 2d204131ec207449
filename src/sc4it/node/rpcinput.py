"""The JSON-RPC API's errors, limits and parameters (spec/rpc.md: RPC-04, RPC-10, RPC-20, RPC-23,
RPC-40..RPC-44): every value a client sends is checked here, with a typed `RpcError` naming the parameter,
before a method of `sc4it.node.rpc.RpcServer` sees it."""

from __future__ import annotations

from typing import Any

import attrs

from sc4it.node.jsoncodec import MAX_SAFE_INTEGER, JsonCodec, JsonError
from sc4it.tools.quote import Workload

# JSON-RPC 2.0 error codes (RPC-10) -----------------------------------------------------------------
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
LIMIT_EXCEEDED = -32000
UNKNOWN_BLOCK = -32001
NEEDS_WEBSOCKET = -32002
INVALID_TRANSACTION = 1010


@attrs.frozen(slots=True)
class Limits:
    """RPC-40..RPC-44: the bounds on what one client can make the node do."""

    max_request_bytes: int = 1 << 20
    """A POST body or a WebSocket text frame above this is refused with LIMIT_EXCEEDED (RPC-40)."""
    max_frame_bytes: int = 4 << 20
    """A WebSocket frame above this closes the connection (code 1009) without reading it (RPC-40)."""
    max_batch: int = 1000
    """Requests in one batch (RPC-41)."""
    max_subscriptions: int = 64
    """Open subscriptions per WebSocket connection (RPC-42)."""
    max_connections: int = 256
    """Open WebSocket connections (RPC-43)."""
    max_proof_keys: int = 256
    """Keys in one `state_getReadProof` (RPC-44)."""


DEFAULT_LIMITS = Limits()


class RpcError(Exception):
    """A JSON-RPC error object: `code`, `message` and optional `data` (RPC-10)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            err["data"] = self.data
        return err


# Parameters ------------------------------------------------------------------------------------------


def parse_params(raw: Any, names: tuple[str, ...], required: int) -> list[Any]:
    """Positional (array) or named (object) parameters as a list of `len(names)` values (RPC-04)."""
    if type(raw) is list and required <= len(raw) == len(names):  # the common case, as it came
        return raw
    if raw is None:
        raw = []
    if isinstance(raw, dict):
        unknown = [k for k in raw if k not in names]
        if unknown:
            raise RpcError(
                INVALID_PARAMS, f"unknown parameter {str(unknown[0])[:60]!r}; expected {list(names)}"
            )
        raw = [raw.get(n) for n in names]
        while raw and raw[-1] is None and len(raw) > required:
            raw.pop()
    if not isinstance(raw, list):
        raise RpcError(INVALID_PARAMS, "params must be an array or an object")
    if not required <= len(raw) <= len(names):
        want = f"{required}" if required == len(names) else f"{required} to {len(names)}"
        raise RpcError(INVALID_PARAMS, f"expected {want} parameters {list(names)}, got {len(raw)}")
    return raw + [None] * (len(names) - len(raw))


def decode_param(codec: JsonCodec, x: Any, t: Any, name: str) -> Any:
    try:
        return codec.from_json(x, t)
    except JsonError as e:
        path = name if e.path == "<root>" else f"{name}.{e.path}"
        raise RpcError(INVALID_PARAMS, f"{path}: {e.message}", {"param": path}) from None


def hex32(x: Any, name: str) -> bytes:
    if type(x) is not str or len(x) != 66 or not x.startswith("0x"):
        raise RpcError(INVALID_PARAMS, f"{name}: expected a 0x-prefixed 32-byte hash", {"param": name})
    try:
        return bytes.fromhex(x[2:])
    except ValueError:
        raise RpcError(INVALID_PARAMS, f"{name}: not hex", {"param": name}) from None


def block_ref(x: Any, name: str = "at") -> int | bytes | None:
    """RPC-20: a block is named by its number or its hash; None means the head."""
    if x is None:
        return None
    if type(x) is int:
        if not 0 <= x <= MAX_SAFE_INTEGER:
            raise RpcError(INVALID_PARAMS, f"{name}: block number out of range", {"param": name})
        return x
    return hex32(x, name)


def hexbytes(x: Any, name: str, limit: int) -> bytes:
    if type(x) is not str or not x.startswith("0x"):
        raise RpcError(INVALID_PARAMS, f"{name}: expected 0x-prefixed hex", {"param": name})
    if len(x) > 2 + 2 * limit:
        raise RpcError(INVALID_PARAMS, f"{name}: {len(x) // 2 - 1} bytes exceed {limit}", {"param": name})
    try:
        return bytes.fromhex(x[2:])
    except ValueError:
        raise RpcError(INVALID_PARAMS, f"{name}: not an even number of hex digits", {"param": name}) from None


# ------------------------------------------------------------------------------------------------
# Event filters (RPC-30)


def big(v: int) -> int | str:
    return v if v <= MAX_SAFE_INTEGER else str(v)


WORKLOAD_INTS = {
    "node_id": 32,
    "cru": 64,
    "mru": 64,
    "sru": 64,
    "hru": 64,
    "public_ips": 32,
    "balance": 128,
    "secs": 32,
}
WORKLOAD_BOOLS = ("name", "rent", "certified")


def parse_workload(x: Any) -> tuple[Workload, int, int]:
    """RPC-23: `{node_id, cru, mru, sru, hru, public_ips, name, rent, certified, balance, secs}`, every
    member optional (sizes in bytes, balance in TFT units, secs default 3600)."""
    if not isinstance(x, dict):
        raise RpcError(INVALID_PARAMS, "workload: expected an object", {"param": "workload"})
    args: dict[str, Any] = {}
    for k, v in x.items():
        if k in WORKLOAD_INTS:
            bits = WORKLOAD_INTS[k]
            if type(v) is str and v.isdigit() and len(v) < 40:
                v = int(v)
            if type(v) is not int or not 0 <= v < (1 << bits):
                raise RpcError(
                    INVALID_PARAMS, f"workload.{k}: expected a u{bits}", {"param": f"workload.{k}"}
                )
        elif k in WORKLOAD_BOOLS:
            if type(v) is not bool and not (k == "certified" and v is None):
                raise RpcError(
                    INVALID_PARAMS, f"workload.{k}: expected true or false", {"param": f"workload.{k}"}
                )
        else:
            raise RpcError(INVALID_PARAMS, f"workload: unknown member {str(k)[:40]!r}", {"param": "workload"})
        args[k] = v
    balance = args.pop("balance", 0)
    secs = args.pop("secs", 3600)
    if secs < 1:
        raise RpcError(INVALID_PARAMS, "workload.secs: at least 1", {"param": "workload.secs"})
    w = Workload(**args)
    if w.is_empty():
        raise RpcError(
            INVALID_PARAMS, "workload: nothing to quote (give resources, public_ips, name or rent)"
        )
    return w, balance, secs
