"""Population files (spec/analysis.md ANA-40..ANA-44): the documented JSON and CSV forms, and an importer
from the shape of TFChain's GraphQL indexer export (threefoldtech/tfchain_graphql `schema.graphql`:
`nodeContracts`, `nameContracts`, `rentContracts`, `nodes`, `twins`, `farms`, `accounts`).

Every problem is a `PopulationFileError` naming the file, the row (1-based, as an editor shows it; the
header is row 1 of a CSV) or JSON path, and the field. Writers write to a temporary file in the target
directory and rename it, so an output is complete or absent, never half-written (ANA-44).
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any

import attrs

from sc4it.analysis.population import (
    ContractSpec,
    FarmSpec,
    NodeSpec,
    Population,
    PopulationError,
    TwinSpec,
    check,
)
from sc4it.kernel.types import Resources

FORMAT = "sc4it-population/v1"
CSV_COLUMNS = (
    "contract_id",
    "twin_id",
    "kind",
    "node_id",
    "farm_id",
    "farmer_twin",
    "certified",
    "cru",
    "mru",
    "sru",
    "hru",
    "public_ips",
    "balance",
    "stash",
)
"""ANA-41: one row per contract; twin, node and farm columns repeat and must agree between rows."""
CSV_OPTIONAL = ("extra_fee", "opted_out")
"""ANA-41: node columns a CSV may add (a dedicated node's extra fee, an opted-out node)."""
MAX_ROWS = 5_000_000
FARMER_PAYOUT_BASE = 4_000_000_000
"""ANA-43: ids of the payout twins the importer gives farms whose twin also holds contracts."""


class PopulationFileError(ValueError):
    """A population file that cannot be used: file, row or JSON path, field, and what is wrong."""

    def __init__(self, path: str, where: str, message: str) -> None:
        super().__init__(f"{path}: {where}: {message}")
        self.path = path
        self.where = where
        self.message = message


# --------------------------------------------------------------------------------------------------
# Writing (ANA-44)


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file next to `path`; on success rename it to `path`, on error remove it."""
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=".sc4it-", suffix=".tmp", dir=directory)
    try:
        binary = "b" in mode
        with os.fdopen(fd, mode, encoding=None if binary else "utf-8", newline=None if binary else "") as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def to_json_obj(population: Population) -> dict[str, Any]:
    """ANA-40: the JSON form (amounts and sizes as integers: TFT units, bytes)."""
    return {
        "format": FORMAT,
        "description": population.description,
        "farms": [{"id": f.id, "farmer_twin": f.farmer_twin, "name": f.name} for f in population.farms],
        "nodes": [
            {
                "id": n.id,
                "farm_id": n.farm_id,
                "certified": n.certified,
                **_res(n.resources),
                "extra_fee": n.extra_fee,
                "opted_out": n.opted_out,
            }
            for n in population.nodes
        ],
        "twins": [
            {"id": t.id, "balance": t.balance, "stash": t.stash, "frozen": t.frozen} for t in population.twins
        ],
        "contracts": [
            {
                "id": c.id,
                "twin_id": c.twin_id,
                "kind": c.kind,
                "node_id": c.node_id,
                **_res(c.resources),
                "public_ips": c.public_ips,
                "name": c.name,
            }
            for c in population.contracts
        ],
    }


def _sizes(r: Resources) -> tuple[int, int, int, int]:
    return r.cru, r.mru, r.sru, r.hru


def _res(r: Resources) -> dict[str, int]:
    return {"cru": r.cru, "mru": r.mru, "sru": r.sru, "hru": r.hru}


def write_json(population: Population, path: str | os.PathLike[str]) -> None:
    with atomic_write(path) as f:
        json.dump(to_json_obj(population), f, indent=1)


def write_csv(population: Population, path: str | os.PathLike[str]) -> None:
    """ANA-41: one row per contract (a twin or farm without contracts is not in the CSV form)."""
    twins = {t.id: t for t in population.twins}
    nodes = {n.id: n for n in population.nodes}
    farms = {f.id: f for f in population.farms}
    with atomic_write(path) as f:
        w = csv.writer(f)
        w.writerow((*CSV_COLUMNS, *CSV_OPTIONAL))
        for c in population.contracts:
            t = twins[c.twin_id]
            n = nodes.get(c.node_id)
            farm = farms[n.farm_id] if n is not None else None
            w.writerow(
                [
                    c.id,
                    c.twin_id,
                    c.kind,
                    c.node_id if n else "",
                    farm.id if farm else "",
                    farm.farmer_twin if farm else "",
                    ("true" if n.certified else "false") if n else "",
                    *_sizes(n.resources if n is not None and c.kind == "rent" else c.resources),
                    c.public_ips,
                    t.balance,
                    "" if t.stash is None else t.stash,
                    n.extra_fee if n else "",
                    ("true" if n.opted_out else "false") if n else "",
                ]
            )


# --------------------------------------------------------------------------------------------------
# Reading


class _Fields:
    """Typed access to one record, every error naming file, place and field."""

    def __init__(self, path: str, where: str, record: dict[str, Any]) -> None:
        self.path, self.where, self.record = path, where, record

    def fail(self, field: str, message: str) -> PopulationFileError:
        return PopulationFileError(self.path, f"{self.where}, field {field}", message)

    def uint(self, field: str, default: int | None = None, bits: int = 64) -> int:
        v = self.record.get(field)
        if v is None or v == "":
            if default is None:
                raise self.fail(field, "missing")
            return default
        if isinstance(v, bool):
            raise self.fail(field, f"expected a non-negative integer, got {v!r}")
        if isinstance(v, str):
            try:
                v = int(v.strip())
            except ValueError:
                raise self.fail(field, f"expected a non-negative integer, got {v!r}") from None
        if not isinstance(v, int):
            raise self.fail(field, f"expected a non-negative integer, got {v!r}")
        if not 0 <= v < 1 << bits:
            raise self.fail(field, f"{v} is out of range (0..2^{bits}-1)")
        return v

    def optional_uint(self, field: str, bits: int = 100) -> int | None:
        v = self.record.get(field)
        return None if v is None or v == "" else self.uint(field, bits=bits)

    def flag(self, field: str) -> bool:
        v = self.record.get(field, False)
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.strip().lower() in ("true", "false", "1", "0", "yes", "no", ""):
            return v.strip().lower() in ("true", "1", "yes")
        raise self.fail(field, f"expected true or false, got {v!r}")

    def text_any(self, field: str) -> str:
        v = self.record.get(field)
        if not isinstance(v, str):
            raise self.fail(field, "expected a string")
        return v

    def text(self, field: str, default: str = "") -> str:
        v = self.record.get(field, default)
        if v is None:
            return default
        if not isinstance(v, str) or len(v.encode()) > 64:
            raise self.fail(field, "expected a string of at most 64 bytes")
        return v


def _checked(path: str, population: Population, rows: dict[str, list[str]] | None = None) -> Population:
    """ANA-02 on a population read from `path`; `rows` (a CSV's or a GraphQL export's) maps each record
    list to the rows or JSON paths its records come from, so an error names the row (`contracts[3].node_id`
    -> `row 5, field node_id`, `data.nodeContracts[3], field node_id`)."""
    try:
        check(population)
    except PopulationError as e:
        where = e.where
        label, _, rest = where.partition("[")
        index, _, field = rest.partition("].")
        places = (rows or {}).get(label)
        if places is not None and index.isdigit() and int(index) < len(places) and places[int(index)]:
            where = f"{places[int(index)]}, field {field}" if field else places[int(index)]
        raise PopulationFileError(path, where, e.message) from None
    return population


def read_json(path: str | os.PathLike[str]) -> Population:
    """ANA-40: read the JSON form; `PopulationFileError` names the file, JSON path and field."""
    name = os.fspath(path)
    doc = _load_json(name)
    if not isinstance(doc, dict):
        raise PopulationFileError(name, "<root>", "expected a JSON object")
    if doc.get("format") != FORMAT:
        raise PopulationFileError(name, "format", f"expected {FORMAT!r}, got {doc.get('format')!r}")
    unknown = set(doc) - {"format", "description", "farms", "nodes", "twins", "contracts"}
    if unknown:
        raise PopulationFileError(name, sorted(unknown)[0], "unknown field")

    def items(key: str) -> Iterator[_Fields]:
        rows = doc.get(key, [])
        if not isinstance(rows, list) or len(rows) > MAX_ROWS:
            raise PopulationFileError(name, key, f"expected an array of at most {MAX_ROWS} objects")
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise PopulationFileError(name, f"{key}[{i}]", "expected an object")
            yield _Fields(name, f"{key}[{i}]", row)

    farms = tuple(
        FarmSpec(r.uint("id", bits=32), r.uint("farmer_twin", bits=32), r.text("name"))
        for r in items("farms")
    )
    nodes = tuple(
        NodeSpec(
            r.uint("id", bits=32),
            r.uint("farm_id", bits=32),
            r.flag("certified"),
            _resources(r, node=True),
            r.uint("extra_fee", 0),
            r.flag("opted_out"),
        )
        for r in items("nodes")
    )
    twins = tuple(
        TwinSpec(
            r.uint("id", bits=32),
            r.uint("balance", bits=100),
            r.optional_uint("stash"),
            r.uint("frozen", 0, 100),
        )
        for r in items("twins")
    )
    contracts = tuple(
        ContractSpec(
            r.uint("id"),
            r.uint("twin_id", bits=32),
            r.text("kind"),
            r.uint("node_id", 0, 32),
            _resources(r),
            r.uint("public_ips", 0, 32),
            r.text("name"),
        )
        for r in items("contracts")
    )
    description = doc.get("description", "")
    return _checked(
        name, Population(farms, nodes, twins, contracts, str(description or f"population {name}"))
    )


def _resources(r: _Fields, node: bool = False) -> Resources:
    if node and not any(k in r.record for k in ("cru", "mru", "sru", "hru")):
        return NodeSpec(0, 0).resources
    return Resources(hru=r.uint("hru", 0), sru=r.uint("sru", 0), cru=r.uint("cru", 0), mru=r.uint("mru", 0))


def _load_json(name: str) -> Any:
    try:
        with open(name, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise PopulationFileError(name, "<file>", f"cannot read ({e.strerror or e})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise PopulationFileError(name, "<file>", f"not valid JSON ({e})") from None


def read_csv(path: str | os.PathLike[str]) -> Population:
    """ANA-41: read the CSV form; `PopulationFileError` names the file, row and column."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8-sig", newline="") as f:  # a spreadsheet's byte-order mark is fine
            return _read_csv_rows(name, csv.DictReader(f))
    except OSError as e:
        raise PopulationFileError(name, "<file>", f"cannot read ({e.strerror or e})") from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise PopulationFileError(name, "<file>", f"not a UTF-8 CSV file ({e})") from None


def _read_csv_rows(name: str, reader: csv.DictReader[str]) -> Population:
    header = reader.fieldnames or []
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise PopulationFileError(name, "row 1", f"missing column(s) {', '.join(missing)}")
    extra = [c for c in header if c not in CSV_COLUMNS and c not in CSV_OPTIONAL]
    if extra:
        raise PopulationFileError(name, "row 1", f"unknown column(s) {', '.join(extra)}")
    farms: dict[int, tuple[FarmSpec, str]] = {}
    nodes: dict[int, tuple[NodeSpec, str]] = {}
    twins: dict[int, tuple[TwinSpec, str]] = {}
    contracts: list[ContractSpec] = []
    node_res: dict[int, Resources] = {}
    for i, row in enumerate(reader, start=2):
        if i > MAX_ROWS:
            raise PopulationFileError(name, f"row {i}", f"more than {MAX_ROWS} rows")
        if None in row:  # DictReader puts the fields past the header under None
            raise PopulationFileError(
                name, f"row {i}", f"{len(header) + len(row[None])} fields, the header has {len(header)}"
            )
        r = _Fields(name, f"row {i}", dict(row))
        kind = r.text("kind")
        twin = TwinSpec(r.uint("twin_id", bits=32), r.uint("balance", bits=100), r.optional_uint("stash"))
        _agree(twins, twin.id, twin, r, "balance")
        node_id = 0
        if kind in ("node", "rent"):
            node_id = r.uint("node_id", bits=32)
            farm = FarmSpec(r.uint("farm_id", bits=32), r.uint("farmer_twin", bits=32))
            _agree(farms, farm.id, farm, r, "farmer_twin")
            node = NodeSpec(
                node_id,
                farm.id,
                r.flag("certified"),
                extra_fee=r.uint("extra_fee", 0),
                opted_out=r.flag("opted_out"),
            )
            _agree(nodes, node_id, node, r, "certified, extra_fee or opted_out")
        res = _resources(r)
        if kind == "rent":  # a rent row's sizes are its node's total resources (what it pays for, BIL-33)
            node_res[node_id] = res
            res = Resources()
        contracts.append(
            ContractSpec(r.uint("contract_id"), twin.id, kind, node_id, res, r.uint("public_ips", 0, 32))
        )
    for farm, _ in farms.values():  # a farmer's twin that holds no contract: no balance of its own
        twins.setdefault(farm.farmer_twin, (TwinSpec(farm.farmer_twin, 0), ""))
    rows = {
        "farms": [w for _, w in farms.values()],
        "nodes": [w for _, w in nodes.values()],
        "twins": [w for _, w in twins.values()],
        "contracts": [f"row {i + 2}" for i in range(len(contracts))],
    }
    population = Population(
        tuple(f for f, _ in farms.values()),
        tuple(
            attrs.evolve(n, resources=node_res[n.id]) if n.id in node_res else n for n, _ in nodes.values()
        ),
        tuple(t for t, _ in twins.values()),
        tuple(contracts),
        f"population {name}",
    )
    return _checked(name, population, rows)


def _agree(seen: dict[int, tuple[Any, str]], key: int, value: Any, r: _Fields, field: str) -> None:
    """A twin, node or farm repeated on several rows must be the same on each."""
    before = seen.get(key)
    if before is None:
        seen[key] = (value, r.where)
    elif before[0] != value:
        raise r.fail(field, f"disagrees with {before[1]} for the same id {key}")


def read(path: str | os.PathLike[str]) -> Population:
    """ANA-42: read a population by its content: a JSON object with `format` sc4it-population/v1, a
    GraphQL export (an object with `data`), else CSV."""
    name = os.fspath(path)
    with _opened(name) as head:
        first = head.lstrip()[:1]
    if first in ("{", "["):
        doc = _load_json(name)
        if isinstance(doc, dict) and "data" in doc:
            return from_graphql(doc, name)
        return read_json(name)
    return read_csv(name)


@contextmanager
def _opened(name: str) -> Iterator[str]:
    try:
        with open(name, encoding="utf-8", errors="replace") as f:
            yield f.read(4096)
    except OSError as e:
        raise PopulationFileError(name, "<file>", f"cannot read ({e.strerror or e})") from None


# --------------------------------------------------------------------------------------------------
# TFChain's GraphQL indexer (ANA-43)

LIVE_STATES = ("Created", "GracePeriod")


def from_graphql(doc: Any, path: str = "<graphql>") -> Population:
    """ANA-43: a population from a GraphQL export of TFChain's indexer: `{"data": {"nodeContracts": [...],
    "nameContracts": [...], "rentContracts": [...], "nodes": [...], "twins": [...], "farms": [...],
    "accounts": [...]}}` with the indexer's field names (`contractID`, `twinID`, `nodeID`,
    `numberOfPublicIPs`, `state`, `resourcesUsed {hru sru cru mru}`; `nodeID`, `farmID`, `certification`,
    `resourcesTotal`, `extraFee`; `twinID`, `accountID`; `farmID`, `twinID`, `name`; `wallet`, `balance`).
    Live contracts only (Created, GracePeriod), rent contracts (`contractID`, `twinID`, `nodeID`) included;
    a twin's balance is its account's `balance` (TFT units); a farm whose twin also holds contracts gets a
    payout twin of its own (id 4 000 000 000 + farm id)."""
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict):
        raise PopulationFileError(path, "data", "expected the GraphQL response's data object")
    balances: dict[str, int] = {}
    for r in _rows(path, data, "accounts"):
        balances[r.text_any("wallet")] = r.uint("balance", bits=100)
    twin_account = {r.uint("twinID", bits=32): r.text_any("accountID") for r in _rows(path, data, "twins")}
    where: dict[str, list[str]] = {"contracts": [], "farms": [], "nodes": []}
    contracts = _graphql_contracts(path, data, where["contracts"])
    holders = {c.twin_id for c in contracts}
    farms: list[FarmSpec] = []
    payout: list[int] = []
    for r in _rows(path, data, "farms"):
        farm_id, twin_id = r.uint("farmID", bits=32), r.uint("twinID", bits=32)
        if twin_id in holders:
            twin_id = FARMER_PAYOUT_BASE + farm_id
            payout.append(twin_id)
        where["farms"].append(r.where)
        farms.append(FarmSpec(farm_id, twin_id, r.text("name")))
    nodes = _graphql_nodes(path, data, where["nodes"])
    needed = holders | {f.farmer_twin for f in farms}
    twins = [
        TwinSpec(t, balances.get(twin_account.get(t, ""), 0))
        for t in sorted(needed)
        if t < FARMER_PAYOUT_BASE
    ] + [TwinSpec(t, 0) for t in payout]
    description = f"GraphQL export {path}: {len(contracts)} live contracts"
    population = Population(tuple(farms), tuple(nodes), tuple(twins), tuple(contracts), description)
    return _checked(path, population, where)


def _rows(path: str, data: dict[str, Any], key: str) -> Iterator[_Fields]:
    """The records of `data[key]` (an array of objects, at most `MAX_ROWS`)."""
    items = data.get(key, [])
    if not isinstance(items, list) or len(items) > MAX_ROWS:
        raise PopulationFileError(path, f"data.{key}", "expected an array")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise PopulationFileError(path, f"data.{key}[{i}]", "expected an object")
        yield _Fields(path, f"data.{key}[{i}]", item)


def _graphql_contracts(path: str, data: dict[str, Any], where: list[str]) -> list[ContractSpec]:
    """ANA-43: the live rent, node and name contracts of a GraphQL export (`where`: each one's record)."""
    contracts: list[ContractSpec] = []
    for r in _rows(path, data, "rentContracts"):
        if r.record.get("state") in LIVE_STATES:
            where.append(r.where)
            contracts.append(
                ContractSpec(
                    r.uint("contractID"), r.uint("twinID", bits=32), "rent", r.uint("nodeID", bits=32)
                )
            )
    for r in _rows(path, data, "nodeContracts"):
        if r.record.get("state") not in LIVE_STATES:
            continue
        node_id = r.uint("nodeID", bits=32)
        used = r.record.get("resourcesUsed") or {}
        if not isinstance(used, dict):
            raise r.fail("resourcesUsed", "expected an object {hru, sru, cru, mru}")
        res = _resources(_Fields(path, f"{r.where}.resourcesUsed", used))
        where.append(r.where)
        ips = r.uint("numberOfPublicIPs", 0, 32)
        contracts.append(
            ContractSpec(r.uint("contractID"), r.uint("twinID", bits=32), "node", node_id, res, ips)
        )
    for r in _rows(path, data, "nameContracts"):
        if r.record.get("state") in LIVE_STATES:
            where.append(r.where)
            contracts.append(
                ContractSpec(r.uint("contractID"), r.uint("twinID", bits=32), "name", name=r.text("name"))
            )
    return contracts


def _graphql_nodes(path: str, data: dict[str, Any], where: list[str]) -> list[NodeSpec]:
    """ANA-43: the nodes of a GraphQL export, with their total resources, certification and extra fee."""
    nodes = []
    for r in _rows(path, data, "nodes"):
        total = r.record.get("resourcesTotal") or {}
        res = _resources(
            _Fields(path, f"{r.where}.resourcesTotal", total if isinstance(total, dict) else {}), node=True
        )
        cert = r.record.get("certification") or "Diy"
        if cert not in ("Diy", "Certified"):
            raise r.fail("certification", f"expected Diy or Certified, got {cert!r}")
        node_id, farm_id = r.uint("nodeID", bits=32), r.uint("farmID", bits=32)
        where.append(r.where)
        nodes.append(NodeSpec(node_id, farm_id, cert == "Certified", res, r.uint("extraFee", 0)))
    return nodes
