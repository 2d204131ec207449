"""Evidence that the properties bite: known bugs planted in the model (one function monkeypatched each; the
source files are untouched) are caught by the stateful suite run with a fixed seed and bounded steps.

| bug | caught by |
| --- | --- |
| drop an IP release (`free_ip` skipped at removal) | INV-04 |
| round the wrong way (cost formulas truncate) | INV-25 |
| skip a reservation (`ledger.reserve` does nothing) | INV-02 (or INV-10: a node deleted before any bill) |
| bill a second time (the loop calls `bill_contract` twice) | INV-24 |
| re-bill the same period (stale clock on the second bill) | INV-24, INV-25 |

`python -m sc4it.testing.bugs` prints the same table with the step each was caught at."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from sc4it.testing import InvariantViolation, Sc4itMachine, bugs, hunt

HUNT = settings(
    max_examples=60,
    stateful_step_count=40,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
"""Fixed seed, at most 60 histories of 40 steps, no shrinking (the first failure is the evidence)."""


@pytest.mark.parametrize("bug", bugs.ALL, ids=[b.name for b in bugs.ALL])
def test_planted_bug_is_caught(bug: bugs.PlantedBug, monkeypatch: pytest.MonkeyPatch) -> None:
    """INV-04 INV-25 INV-02 INV-10 INV-24: with `bug` planted, the seeded state machine fails, on one of
    the rules the bug breaks."""

    class Machine(Sc4itMachine):
        pass

    bug.install(monkeypatch.setattr)
    with pytest.raises(InvariantViolation) as caught:
        run_state_machine_as_test(Machine, settings=HUNT)
    assert set(caught.value.rules) & set(bug.caught_by), caught.value
    assert 1 <= caught.value.step <= 40


def test_control_the_same_hunt_passes_without_bugs() -> None:
    """INV-01..INV-25: the same seeded hunt on the unpatched model finds nothing, so each failure above
    is the planted bug's."""

    class Machine(Sc4itMachine):
        pass

    run_state_machine_as_test(Machine, settings=HUNT)
    assert Machine.total_steps >= 1000
    assert hunt(Machine, max_examples=60, step_count=40) is None


def test_planted_and_removed() -> None:
    """The `planted` context manager installs a bug and always restores the original function."""
    from sc4it.contracts.billing import settlement as lifecycle

    original = vars(lifecycle)["free_ip"]
    with bugs.planted(bugs.DROP_IP_RELEASE):
        assert vars(lifecycle)["free_ip"] is not original
    assert vars(lifecycle)["free_ip"] is original
    with pytest.raises(RuntimeError), bugs.planted(bugs.DROP_IP_RELEASE):
        raise RuntimeError
    assert vars(lifecycle)["free_ip"] is original


def test_bugs_script_reports_every_bug(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m sc4it.testing.bugs 30 40` catches every planted bug and exits 0."""
    assert bugs.main(["30", "40"]) == 0
    out = capsys.readouterr().out
    for bug in bugs.ALL:
        assert bug.name in out
    assert "NOT CAUGHT" not in out


def test_billing_twice_in_one_block_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second `bill_contract` for a contract in the same block charges nothing (no elapsed seconds, no
    NU due), so the demo's 43,203 blocks (billing, grace, top-up, distribution, cancellation) end in the
    same state with it (only a second, empty billing event differs); a second bill over a stale clock
    (REBILL_SAME_PERIOD) does not."""
    from sc4it.contracts.billing import loop
    from sc4it.tools.demo import run_story

    original = vars(loop)["bill_contract"]

    def bill_twice(tx: Any, contract_id: int, pricing: Any) -> None:
        original(tx, contract_id, pricing)
        if contract_id in tx.contracts:
            original(tx, contract_id, pricing)

    plain = run_story()
    with bugs.planted(bugs.REBILL_SAME_PERIOD):
        rebilled = run_story()
    monkeypatch.setattr(loop, "bill_contract", bill_twice)
    twice = run_story()
    assert twice.state_root == plain.state_root and rebilled.state_root != plain.state_root
