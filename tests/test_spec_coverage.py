"""Traceability between spec/, the tests and the errors (spec/README.md, "Traceability").

The parsing and scanning live in `sc4it.conformance.speccov` (shared with `sc4it spec coverage`). One test
collects every problem and reports them all in one assertion message:

1. a rule id defined in spec/ that no test cites (DEV-*/EXT-* entries excepted);
2. an id cited by a test that no spec file defines;
3. an id defined twice, or referenced by a spec file but defined nowhere;
4. a defined id whose prefix is missing from spec/README.md's table;
5. an `Error` member that no test mentions as `Error.Name` (unless it is in `speccov.NEVER_RAISED`, with
   the reason it cannot occur), and a NEVER_RAISED member that src/ raises after all.
"""

from __future__ import annotations

from sc4it.conformance import speccov
from sc4it.conformance.speccov import DEFINITION, definition_of
from sc4it.kernel.errors import Error

from .support import ROOT

SPEC = ROOT / "spec"
SRC = ROOT / "src" / "sc4it"


def test_spec_tests_and_errors_are_traceable() -> None:
    """Every rule is cited by a test, every cited id exists, every Error is produced by a test."""
    spec = speccov.load_spec(SPEC)
    tests = speccov.load_tests(ROOT, spec.known_prefixes())
    problems = speccov.problems(spec, tests, [m.name for m in Error], speccov.source_text(SRC))
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
        assert definition_of(line) == rule
    for line in (
        "see LED-03 and NC-07",
        "| rule | LED-03 |",
        "# LED-03 is a title too high",
        "- LED-03 plain",
    ):
        assert DEFINITION.match(line) is None


def test_problems_are_reported() -> None:
    """Each kind of problem is detected (on a synthetic spec and test set, not the repository's)."""
    spec = speccov.parse_spec(
        [
            ("README.md", "| `a.md` | AA | x |\n- **AA-99** example\n"),
            ("a.md", "- **AA-01** one\n| AA-02 | two |\n### AA-02 again\nsee AA-07\n- **ZZ-01** z\n"),
        ]
    )
    tests = speccov.scan_tests(
        [("tests/test_a.py", 'def test_x() -> None:\n    """AA-01 AA-05: Error.Known"""\n')],
        spec.known_prefixes(),
    )
    assert tests.tests["AA-01"] == {"tests/test_a.py::test_x"}
    found = speccov.problems(spec, tests, ["Known", "Unseen", "Dead"], "fail(Error.Dead)", {"Dead": "why"})
    assert found == [
        "AA-02 is defined more than once: a.md, a.md",
        "AA-02 (a.md) is cited by no test",
        "AA-99 (README.md) is cited by no test",
        "ZZ-01 (a.md) is cited by no test",
        "AA-05 is cited by tests/test_a.py but defined in no spec file",
        "AA-07 is referenced by spec/a.md but defined nowhere",
        "prefix ZZ is used by a definition but missing from spec/README.md's table",
        "Error.Unseen is produced by no test (or add it to NEVER_RAISED with a reason)",
        "Error.Dead is listed as never raised but src/ raises it",
    ]


def test_citations_attributed_to_test_functions() -> None:
    """A citation inside a test function (decorators included) is listed under that test; one outside
    any test function under the file."""
    source = (
        '"""Module docstring: AA-03."""\n'
        "import pytest\n\n\n"
        '@pytest.mark.parametrize("x", [pytest.param(1, id="AA-04")])\n'
        "def test_p(x: int) -> None:\n"
        '    """AA-01"""\n\n\n'
        "class TestGroup:\n"
        "    def test_m(self) -> None:\n"
        "        assert True  # AA-02\n"
    )
    cites, _ = speccov.scan_test_source("t.py", source, {"AA"})
    assert cites == {
        "AA-03": {"t.py"},
        "AA-04": {"t.py::test_p"},
        "AA-01": {"t.py::test_p"},
        "AA-02": {"t.py::TestGroup::test_m"},
    }


def test_calls_index_matches_the_code() -> None:
    """spec/calls.md has one row per call class, with the call's tag and its parameters in declaration
    order, and names only Error members."""
    import attrs

    from sc4it import calls

    rows = speccov.parse_calls_index((SPEC / "calls.md").read_text())
    by_name = {r.name: r for r in rows}
    assert len(by_name) == len(rows), "a call is listed twice"
    assert set(by_name) == {c.__name__ for c in calls.ALL_CALLS}
    errors = {m.name for m in Error}
    for cls in calls.ALL_CALLS:
        row = by_name[cls.__name__]
        assert row.tag == cls.TAG, cls.__name__
        assert row.params == tuple(f.name for f in attrs.fields(cls)), cls.__name__  # type: ignore[arg-type]
        assert set(row.errors) <= errors, (cls.__name__, set(row.errors) - errors)
    assert set(speccov.SETTLEMENT_ERRORS) <= errors


def test_a_range_of_ids_cites_none_of_them() -> None:
    """A range (`INV-01..INV-25`, `AA-01–AA-03`) in a test names a span of rules; it is not a test of
    each (nor of its ends): only ids written out count as citations."""
    source = 'def test_x():\n    """AA-01..AA-25: everything."""\n\n\ndef test_y():\n    """AA-02 AA-07."""\n'
    cites, _ = speccov.scan_test_source("t.py", source, {"AA"})
    assert set(cites) == {"AA-02", "AA-07"}
    cites, _ = speccov.scan_test_source("t.py", "# AA-01 – AA-03, AA-04...AA-09, AA-10\n", {"AA"})
    assert set(cites) == {"AA-10"}


def test_audit_md_counts_are_generated() -> None:
    """docs/audit.md's numbers (vector cases, rules covered by vectors) are the tool's current output
    (they had drifted: 645 cases and 403 of 442 rules written, 649 and 427 of 522 true);
    `python -m tests.support audit-counts --write` regenerates them."""
    from sc4it.conformance.speccov import audit_counts_of

    from .support import audit_md_section

    section = audit_md_section((ROOT / "docs" / "audit.md").read_text())
    assert section is not None, "docs/audit.md lost its generated markers"
    assert section == audit_counts_of(ROOT), (
        "run: PYTHONPATH=src python -m tests.support audit-counts --write"
    )
