"""Traceability between `spec/`, the tests and the conformance vectors (spec/README.md, "Traceability").

Pure functions over texts (parse the spec's rule definitions, scan test sources for the ids they cite and
the `Error` members they mention, read the rule index of the vectors), plus thin loaders that read them
from a checkout. `tests/test_spec_coverage.py` and `sc4it spec coverage` share this one implementation.

- A rule is *defined* by one of three line forms (spec/README.md, "Rule ids"): a bullet starting with the
  bold id (`- **LED-03** ...`), a table row whose first cell is the id (`| NC-07 | ... |`), or a heading
  of level 2 to 4 starting with the id (`### SVC-01 Create`, `## DEV-REG-1: title`).
- A test *cites* an id when the id appears anywhere in the text of a `tests/**/test_*.py` file (a
  docstring, a comment, a parametrize id), written out: the ends of a range (`INV-01..INV-25`) are not
  citations. For the per-test listing an id is attributed to the test
  function whose source (decorators included) contains it, else to the file.
- An `Error` member is *produced by a test* when a test file writes `Error.Name`.
"""

from __future__ import annotations

import ast
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

ID = r"[A-Z]{2,5}(?:-[A-Z]{2,6})?-\d{1,3}"
CITE = re.compile(rf"\b({ID})\b")
DEFINITION = re.compile(
    rf"^(?:\s*(?:[-*]\s+)?\*\*(?P<bullet>{ID})\*\*"  # - **LED-03** ...
    rf"|\s*\|\s*(?:\*\*)?(?P<cell>{ID})(?:\*\*)?\s*\|"  # | NC-07 | ... |
    rf"|#{{2,4}}\s+(?P<heading>{ID})\b)"  # ### SVC-01 ... / ## DEV-REG-1: ...
)
RANGE = re.compile(rf"\b{ID}\s*(?:\.\.\.?|–|—)\s*{ID}\b")
"""A range of ids (`INV-01..INV-25`): it names a span of rules, it cites none of them (a test cites the
ids it checks one by one)."""
ERROR_MENTION = re.compile(r"\bError\.([A-Za-z_]\w*)")
UNCITED_OK = ("DEV-", "EXT-")
"""Deviation and extension entries document differences; the rules they touch carry the cited ids."""

SELF_EXCLUDED = ("test_spec_coverage.py",)
"""Test files not scanned for citations: the traceability test quotes example ids of the syntax."""

_DEAD = "declared by TFChain's pallet, raised by no extrinsic (spec/tfchain.md: facts)"

NEVER_RAISED: dict[str, str] = {
    "NodeNotAuthorizedToDeployContract": _DEAD,
    "NotEnoughResourcesOnNode": _DEAD,
    "NodeNotAuthorizedToReportResources": _DEAD,
    "MethodIsDeprecated": "only TFChain's deprecated extrinsics return it; sc4it does not have them "
    "(spec/tfchain.md: facts)",
    "FarmIsNotDedicated": _DEAD,
    "NodeNotAuthorizedToComputeReport": "reserved since TFChain's migration change (ADR-0027 decision 8): "
    "reports skip a contract on another node instead (MIG-40, MIG-41)",
    "FailedToFreeIPs": "free_ip errors are logged and ignored at contract removal (spec/tfchain.md), so it "
    "never becomes a call's error",
}
"""`Error` members no test can produce, with the reason; src/ must never raise them."""


def prefix(rule_id: str) -> str:
    return rule_id.split("-")[0]


def definition_of(line: str) -> str | None:
    """The id a spec line defines (one of the three forms), or None for any other line."""
    m = DEFINITION.match(line)
    if m is None:
        return None
    return m.group("bullet") or m.group("cell") or m.group("heading")


# --------------------------------------------------------------------------------------------------
# The spec


@attrs.frozen
class SpecIndex:
    """What `spec/*.md` defines and references."""

    defined: dict[str, list[str]]
    """id -> the spec files defining it (more than one is a problem)."""
    referenced: dict[str, set[str]]
    """id -> the spec files mentioning it without defining it (README.md's examples excluded)."""
    titles: dict[str, str]
    """id -> the start of its definition line, for listings."""
    listed_prefixes: frozenset[str]
    """The prefixes of README.md's table of files."""

    def known_prefixes(self) -> set[str]:
        return set(self.listed_prefixes) | {prefix(i) for i in self.defined}

    def rules(self) -> list[str]:
        """Every defined id, sorted (prefix, then number)."""
        return sorted(self.defined, key=rule_sort_key)


def rule_sort_key(rule_id: str) -> tuple[str, int]:
    head, _, number = rule_id.rpartition("-")
    return (head, int(number))


def readme_prefixes(readme: str) -> set[str]:
    """The prefixes in the second column of README.md's table of files (rows whose first cell is a
    `` `file.md` ``)."""
    prefixes: set[str] = set()
    for line in readme.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 3 and cells[1].startswith("`") and cells[1].endswith(".md`"):
            prefixes |= set(re.findall(r"\b[A-Z]{2,5}\b", cells[2]))
    return prefixes


def _title(line: str, rule: str) -> str:
    text = line.strip().lstrip("-*#| ").replace("**", "")
    text = text[text.find(rule) + len(rule) :].strip(" |:")
    return text[:90]


def parse_spec(files: Iterable[tuple[str, str]]) -> SpecIndex:
    """Parse `(file name, text)` pairs of `spec/*.md`."""
    defined: dict[str, list[str]] = defaultdict(list)
    referenced: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, str] = {}
    listed: set[str] = set()
    for name, text in files:
        if name == "README.md":
            listed = readme_prefixes(text)
        for line in text.splitlines():
            own = definition_of(line)
            if own is not None:
                defined[own].append(name)
                titles.setdefault(own, _title(line, own))
            if name == "README.md":
                continue  # the conventions quote example ids
            for cited in CITE.findall(line):
                if cited != own:
                    referenced[cited].add(name)
    return SpecIndex(dict(defined), dict(referenced), titles, frozenset(listed))


def load_spec(spec_dir: Path) -> SpecIndex:
    return parse_spec((p.name, p.read_text()) for p in sorted(spec_dir.glob("*.md")))


# --------------------------------------------------------------------------------------------------
# The tests


@attrs.frozen
class Citations:
    """The ids the tests cite and the errors they produce."""

    files: dict[str, set[str]]
    """id -> the test files whose text cites it anywhere (what the traceability check counts)."""
    tests: dict[str, set[str]]
    """id -> `path::test` for a citation inside a test function, else `path` (for listings)."""
    error_mentions: set[str]
    """Names written as `Error.Name` somewhere in a test file."""


def _test_spans(tree: ast.Module) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every test function, decorators included."""
    spans: list[tuple[int, int, str]] = []

    def visit(body: list[ast.stmt], owner: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                spans.append((first, node.end_lineno or node.lineno, owner + node.name))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{owner}{node.name}::")

    visit(tree.body, "")
    return spans


def scan_test_source(rel: str, text: str, known_prefixes: set[str]) -> tuple[dict[str, set[str]], set[str]]:
    """({id: {`rel::test` or `rel`}}, {Error names mentioned}) for one test file."""
    cites: dict[str, set[str]] = defaultdict(set)
    try:
        spans = _test_spans(ast.parse(text))
    except SyntaxError:
        spans = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        for rule in CITE.findall(RANGE.sub(" ", line)):
            if prefix(rule) not in known_prefixes:
                continue
            owner = next((name for a, b, name in spans if a <= lineno <= b), None)
            cites[rule].add(rel if owner is None else f"{rel}::{owner}")
    return dict(cites), set(ERROR_MENTION.findall(text))


def scan_tests(files: Iterable[tuple[str, str]], known_prefixes: set[str]) -> Citations:
    """Scan `(relative path, text)` pairs of test files."""
    by_file: dict[str, set[str]] = defaultdict(set)
    by_test: dict[str, set[str]] = defaultdict(set)
    errors: set[str] = set()
    for rel, text in files:
        cites, mentioned = scan_test_source(rel, text, known_prefixes)
        for rule, owners in cites.items():
            by_file[rule].add(rel)
            by_test[rule] |= owners
        errors |= mentioned
    return Citations(dict(by_file), dict(by_test), errors)


def find_test_files(tests_dir: Path, exclude: Iterable[str] = SELF_EXCLUDED) -> list[Path]:
    """Every `test_*.py` under `tests_dir`, except the `exclude`d file names."""
    skip = set(exclude)
    return sorted(p for p in tests_dir.rglob("test_*.py") if p.name not in skip)


def load_tests(root: Path, known_prefixes: set[str]) -> Citations:
    return scan_tests(
        ((str(p.relative_to(root)), p.read_text()) for p in find_test_files(root / "tests")), known_prefixes
    )


# --------------------------------------------------------------------------------------------------
# The vectors


EVERY_CASE = "(every case)"
"""How a rule every replay case exercises (index.json's `every_case`) is listed among its vectors."""


def scan_vectors(index: Mapping[str, Any]) -> dict[str, list[str]]:
    """id -> the vector cases that cover it, from a vectors `index.json` document; a rule of its
    `every_case` list is covered by `EVERY_CASE` (then by the cases that cite it)."""
    rules = index.get("rules", {})
    out: dict[str, list[str]] = {}
    if isinstance(rules, dict):
        out = {str(k): [str(c) for c in v] for k, v in rules.items() if isinstance(v, list)}
    every = index.get("every_case", {})
    if isinstance(every, dict):
        for rule in every:
            out[str(rule)] = [EVERY_CASE, *out.get(str(rule), [])]
    return out


def load_vectors(vectors_dir: Path) -> dict[str, list[str]] | None:
    """The rule index of the vectors in `vectors_dir`, or None when there is none."""
    path = vectors_dir / "index.json"
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return scan_vectors(doc) if isinstance(doc, dict) else None


# --------------------------------------------------------------------------------------------------
# The index of calls (spec/calls.md)


@attrs.frozen
class CallRow:
    """One row of spec/calls.md."""

    tag: int
    name: str
    params: tuple[str, ...]
    """The parameter names, in order."""
    errors: tuple[str, ...]
    """The error names of the errors column, in order (repeats kept)."""
    settlement: bool
    """Whether the errors column includes "settlement" (the errors of `bill_contract`)."""


SETTLEMENT_ERRORS = (
    "ContractNotExists",
    "TwinNotExists",
    "PricingPolicyNotExists",
    "NodeNotExists",
    "FarmNotExists",
    "ContractPaymentStateNotExists",
    "TFTPriceValueError",
    "RewardDistributionError",
    "ContractWrongBillingLoopIndex",
)
"""What "settlement" stands for in spec/calls.md (its conventions list them in check order)."""

_CALL = re.compile(r"^`(?P<name>[A-Za-z][A-Za-z0-9]*)\((?P<params>.*)\)`$")


def _split_top(text: str) -> list[str]:
    """Split at the commas that are not inside brackets or parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_calls_index(text: str) -> list[CallRow]:
    """The rows of spec/calls.md's tables (first cell a tag number)."""
    rows: list[CallRow] = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not cells[0].isdigit():
            continue
        m = _CALL.match(cells[1])
        if m is None:
            continue
        params = tuple(re.match(r"\w+", p).group(0) for p in _split_top(m.group("params")))  # type: ignore[union-attr]
        errors = tuple(re.findall(r"`([A-Za-z][A-Za-z0-9]*)`", cells[3]))
        rows.append(CallRow(int(cells[0]), m.group("name"), params, errors, "settlement" in cells[3]))
    return rows


# --------------------------------------------------------------------------------------------------
# The checks


def problems(
    spec: SpecIndex,
    tests: Citations,
    error_names: Iterable[str],
    src_text: str,
    never_raised: Mapping[str, str] = NEVER_RAISED,
) -> list[str]:
    """Every traceability problem (spec/README.md, "Traceability", items 1-5), sorted by kind and id.

    `error_names` are the members of `sc4it.kernel.errors.Error`; `src_text` is the text of `src/sc4it/**.py`
    except errors.py (to check that no never-raised error is raised after all)."""
    out: list[str] = []
    known = spec.known_prefixes()
    for rule in sorted(spec.defined):
        files = spec.defined[rule]
        if len(files) > 1:
            out.append(f"{rule} is defined more than once: {', '.join(files)}")
        if rule not in tests.files and not rule.startswith(UNCITED_OK):
            out.append(f"{rule} ({files[0]}) is cited by no test")
    for rule in sorted(set(tests.files) - set(spec.defined)):
        out.append(f"{rule} is cited by {', '.join(sorted(tests.files[rule]))} but defined in no spec file")
    for rule in sorted(set(spec.referenced) - set(spec.defined)):
        if prefix(rule) in known:
            where = ", spec/".join(sorted(spec.referenced[rule]))
            out.append(f"{rule} is referenced by spec/{where} but defined nowhere")
    for p in sorted({prefix(i) for i in spec.defined} - spec.listed_prefixes):
        out.append(f"prefix {p} is used by a definition but missing from spec/README.md's table")
    names = list(error_names)
    for name in names:
        if name in never_raised:
            if re.search(rf"fail\(\s*Error\.{name}\b", src_text):
                out.append(f"Error.{name} is listed as never raised but src/ raises it")
        elif name not in tests.error_mentions:
            out.append(f"Error.{name} is produced by no test (or add it to NEVER_RAISED with a reason)")
    for name in sorted(set(never_raised) - set(names)):
        out.append(f"NEVER_RAISED lists {name}, which is not an Error member")
    return out


@attrs.frozen
class RuleCoverage:
    rule: str
    file: str
    title: str
    tests: tuple[str, ...]
    vectors: tuple[str, ...]


def coverage(
    spec: SpecIndex, tests: Citations, vectors: Mapping[str, list[str]] | None
) -> list[RuleCoverage]:
    """Per defined rule (sorted), the tests and the vector cases that cover it."""
    vec = vectors or {}
    return [
        RuleCoverage(
            rule,
            spec.defined[rule][0],
            spec.titles.get(rule, ""),
            tuple(sorted(tests.tests.get(rule, ()))),
            tuple(vec.get(rule, ())),
        )
        for rule in spec.rules()
    ]


def source_text(src_dir: Path) -> str:
    """The text of every module of the package except errors.py (see `problems`)."""
    return "\n".join(p.read_text() for p in sorted(src_dir.rglob("*.py")) if p.name != "errors.py")


# --------------------------------------------------------------------------------------------------
# docs/audit.md's counts (generated, so they cannot drift from the tool)

AUDIT_BEGIN = "<!-- BEGIN GENERATED (python -m tests.support audit-counts --write) -->"
AUDIT_END = "<!-- END GENERATED -->"


def audit_counts(spec: SpecIndex, vectors: Mapping[str, list[str]] | None, counts: Mapping[str, Any]) -> str:
    """The paragraph of docs/audit.md that gives the numbers: vector cases (index.json's `counts`) and
    how many numbered rules (deviation and extension entries aside) the vectors cover."""
    rules = [r for r in spec.rules() if not r.startswith(UNCITED_OK)]
    covered = sum(1 for r in rules if (vectors or {}).get(r))
    return (
        f"The vectors hold {counts.get('cases', 0)} replay cases ({counts.get('steps', 0)} steps, "
        f"{counts.get('states', 0)} states), {counts.get('decode_cases', 0)} decode cases and "
        f"{counts.get('function_cases', 0)} function cases. Of the {len(rules)} numbered rules "
        f"(deviation and extension entries aside), {covered} are covered by vectors and every one is "
        f"cited by a test; the {len(rules) - covered} others are listed by "
        "`sc4it spec coverage --missing-only`."
    )


def audit_counts_of(root: Path) -> str:
    """`audit_counts` for the checkout at `root` (its spec/ and spec/vectors/index.json)."""
    spec = load_spec(root / "spec")
    try:
        index = json.loads((root / "spec" / "vectors" / "index.json").read_text())
    except (OSError, ValueError):
        index = {}
    counts = index.get("counts", {}) if isinstance(index, dict) else {}
    return audit_counts(spec, load_vectors(root / "spec" / "vectors"), counts)
