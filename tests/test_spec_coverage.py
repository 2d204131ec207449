"""Traceability between spec/, the tests and the errors (spec/README.md, "Traceability").

One test collects every problem and reports them all in one assertion message:

1. a rule id defined in spec/ that no test cites (DEV-*/EXT-* entries excepted);
2. an id cited by a test that no spec file defines;
3. an id defined twice, or referenced by a spec file but defined nowhere;
4. a defined id whose prefix is missing from spec/README.md's table;
5. an `Error` member that no test mentions as `Error.Name` (unless it is in NEVER_RAISED, with the reason it
   cannot occur), and a NEVER_RAISED member that src/ raises after all.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from sc4it.errors import Error

from .support import ROOT

SPEC = ROOT / "spec"
TESTS = ROOT / "tests"
SRC = ROOT / "src" / "sc4it"

ID = r"[A-Z]{2,5}(?:-[A-Z]{2,6})?-\d{1,3}"
CITE = re.compile(rf"\b({ID})\b")
DEFINITION = re.compile(
    rf"^(?:\s*(?:[-*]\s+)?\*\*(?P<bullet>{ID})\*\*"  # - **LED-03** ...
    rf"|\s*\|\s*(?:\*\*)?(?P<cell>{ID})(?:\*\*)?\s*\|"  # | NC-07 | ... |
    rf"|#{{2,4}}\s+(?P<heading>{ID})\b)"  # ### SVC-01 ... / ## DEV-REG-1: ...
)
UNCITED_OK = ("DEV-", "EXT-")
"""Deviation and extension entries document differences; the rules they touch carry the cited ids."""

_DEAD = "declared by TFChain's pallet, raised by no extrinsic (reference §6.1)"

NEVER_RAISED: dict[str, str] = {
    "NodeNotAuthorizedToDeployContract": _DEAD,
    "NotEnoughResourcesOnNode": _DEAD,
    "NodeNotAuthorizedToReportResources": _DEAD,
    "MethodIsDeprecated": "only TFChain's deprecated extrinsics return it; sc4it does not have them (§6.1)",
    "FarmIsNotDedicated": _DEAD,
    "FailedToFreeIPs": "free_ip errors are logged and ignored at contract removal (reference §4.10), so it "
    "never becomes a call's error",
}


def _prefix(rule_id: str) -> str:
    return rule_id.split("-")[0]


def spec_definitions() -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """({id: [files defining it]}, {id: {files referencing it}})."""
    defined: dict[str, list[str]] = defaultdict(list)
    referenced: dict[str, set[str]] = defaultdict(set)
    for path in sorted(SPEC.glob("*.md")):
        for line in path.read_text().splitlines():
            m = DEFINITION.match(line)
            own = None
            if m:
                own = m.group("bullet") or m.group("cell") or m.group("heading")
                defined[own].append(path.name)
            if path.name == "README.md":
                continue  # the conventions quote example ids
            for cited in CITE.findall(line):
                if cited != own:
                    referenced[cited].add(path.name)
    return defined, referenced


def readme_prefixes() -> set[str]:
    """The prefixes listed in the second column of spec/README.md's table of files."""
    prefixes: set[str] = set()
    for line in (SPEC / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 3 and cells[1].startswith("`") and cells[1].endswith(".md`"):
            prefixes |= set(re.findall(r"\b[A-Z]{2,5}\b", cells[2]))
    return prefixes


def _test_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("test_*.py") if p.name != Path(__file__).name)


def test_spec_tests_and_errors_are_traceable() -> None:
    """Every rule is cited by a test, every cited id exists, every Error is produced by a test."""
    defined, referenced = spec_definitions()
    known = readme_prefixes() | {_prefix(i) for i in defined}
    cited: dict[str, set[str]] = defaultdict(set)
    error_mentions: set[str] = set()
    for path in _test_files():
        text = path.read_text()
        rel = str(path.relative_to(ROOT))
        for rule in CITE.findall(text):
            if _prefix(rule) in known:
                cited[rule].add(rel)
        error_mentions |= set(re.findall(r"\bError\.([A-Za-z_]\w*)", text))

    problems: list[str] = []
    for rule in sorted(defined):
        if len(defined[rule]) > 1:
            problems.append(f"{rule} is defined more than once: {', '.join(defined[rule])}")
        if rule not in cited and not rule.startswith(UNCITED_OK):
            problems.append(f"{rule} ({defined[rule][0]}) is cited by no test")
    for rule in sorted(set(cited) - set(defined)):
        problems.append(f"{rule} is cited by {', '.join(sorted(cited[rule]))} but defined in no spec file")
    for rule in sorted(set(referenced) - set(defined)):
        if _prefix(rule) in known:
            problems.append(
                f"{rule} is referenced by spec/{', spec/'.join(sorted(referenced[rule]))} but defined nowhere"
            )
    listed = readme_prefixes()
    for prefix in sorted({_prefix(i) for i in defined} - listed):
        problems.append(f"prefix {prefix} is used by a definition but missing from spec/README.md's table")

    src = "\n".join(p.read_text() for p in SRC.rglob("*.py") if p.name != "errors.py")
    for member in Error:
        name = member.name
        if name in NEVER_RAISED:
            if re.search(rf"fail\(\s*Error\.{name}\b", src):
                problems.append(f"Error.{name} is listed as never raised but src/ raises it")
        elif name not in error_mentions:
            problems.append(f"Error.{name} is produced by no test (or add it to NEVER_RAISED with a reason)")
    for name in sorted(set(NEVER_RAISED) - {m.name for m in Error}):
        problems.append(f"NEVER_RAISED lists {name}, which is not an Error member")

    assert not problems, f"{len(problems)} traceability problems:\n" + "\n".join(problems)


def test_definition_syntax() -> None:
    """The three definition forms of spec/README.md are recognised; references are not definitions."""
    forms = {
        "- **LED-03** *Conservation.* text": "LED-03",
        "**ENC-01** text": "ENC-01",
        "| NC-07 | The hash must be unique |": "NC-07",
        "| **BIL-120** | text |": "BIL-120",
        "### SVC-01 Create": "SVC-01",
        "## DEV-REG-1: title": "DEV-REG-1",
    }
    for line, rule in forms.items():
        m = DEFINITION.match(line)
        assert m is not None and (m.group("bullet") or m.group("cell") or m.group("heading")) == rule
    for line in (
        "see LED-03 and NC-07",
        "| rule | LED-03 |",
        "# LED-03 is a title too high",
        "- LED-03 plain",
    ):
        assert DEFINITION.match(line) is None
