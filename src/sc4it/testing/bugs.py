"""Known bugs to plant in the model, to show that the stateful suite catches them.

Each `PlantedBug` replaces one function of one module (the real source files are never touched):
install it with pytest's `monkeypatch.setattr` (`bug.install(monkeypatch.setattr)`) or with the
`planted(bug)` context manager, run the state machine with a fixed seed (`stateful.hunt`), and expect a
failure of one of `bug.caught_by`.

`python -m sc4it.testing.bugs [max_examples] [step_count]` runs every bug and prints where it was caught.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs

from sc4it.kernel.fixed import fx_to_int
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import NodeContract, PublicIP
from sc4it.testing.stateful import Sc4itMachine, hunt


@attrs.frozen(slots=True)
class PlantedBug:
    """`module.attribute` is replaced by `make(original)`; `caught_by`: the rule ids expected to fail."""

    name: str
    description: str
    module: str
    attribute: str
    make: Callable[[Any], Any]
    caught_by: tuple[str, ...]

    def replacement(self) -> Any:
        return self.make(getattr(importlib.import_module(self.module), self.attribute))

    def install(self, setattr_: Callable[[Any, str, Any], None]) -> None:
        """Install with a `setattr`-like function, e.g. pytest's `monkeypatch.setattr` (which undoes it)."""
        setattr_(importlib.import_module(self.module), self.attribute, self.replacement())


@contextmanager
def planted(bug: PlantedBug) -> Iterator[None]:
    """Install `bug` for the duration of the `with` block."""
    module = importlib.import_module(bug.module)
    original = getattr(module, bug.attribute)
    setattr(module, bug.attribute, bug.make(original))
    try:
        yield
    finally:
        setattr(module, bug.attribute, original)


# --------------------------------------------------------------------------------------------------
# The bugs


def _no_ip_release(original: Any) -> Any:
    def free_ip(tx: Tx, contract_id: int, nc: NodeContract) -> tuple[PublicIP, ...]:
        return ()  # the farm keeps pointing at the removed contract

    return free_ip


def _floor_instead_of_round(original: Any) -> Any:
    def to_u64(bits: int) -> int:
        return fx_to_int(bits)  # truncates: every cost rounds down

    return to_u64


def _no_reservation(original: Any) -> Any:
    def reserve(tx: Tx, who: bytes, amount: int) -> None:
        return None  # the payment state records a reserve the account does not hold

    return reserve


def _rebill_same_period(original: Any) -> Any:
    def bill_contract(tx: Tx, contract_id: int, pricing: Any) -> None:
        ps = tx.contract_payment_state.get(contract_id)
        original(tx, contract_id, pricing)
        again = tx.contract_payment_state.get(contract_id)
        if ps is not None and again is not None:
            # the second bill does not see the first one's clock update: the same period is charged twice
            tx.contract_payment_state[contract_id] = again.with_clock(ps.last_updated_seconds)
            original(tx, contract_id, pricing)

    return bill_contract


DROP_IP_RELEASE = PlantedBug(
    "drop-ip-release",
    "remove_contract forgets to free the contract's public IPs (free_ip is skipped)",
    "sc4it.contracts.billing.settlement",
    "free_ip",
    _no_ip_release,
    ("INV-04",),
)
ROUND_DOWN = PlantedBug(
    "round-down",
    "cost formulas round down (truncate) instead of to nearest",
    "sc4it.contracts.billing.cost",
    "_to_u64",
    _floor_instead_of_round,
    ("INV-25",),
)
SKIP_RESERVATION = PlantedBug(
    "skip-reservation",
    "billing records the reserve in the payment state but never reserves it on the account",
    "sc4it.ledger",
    "reserve",
    _no_reservation,
    ("INV-02", "INV-10"),
)
"""Usually INV-02 at the first bill; when a node is deleted before any bill, its contracts cannot be
settled (distribution finds the reserve missing and fails, DEV-BIL-6) and stay on the deleted node:
INV-10."""
# Not a planted bug: calling `bill_contract` twice for a contract in one block. The second call finds no
# elapsed seconds and no NU due (DEV-BIL-4 as narrowed by #15), so it charges nothing and the chain ends in
# the same state (tests/properties/test_planted_bugs.py::test_billing_twice_in_one_block_changes_nothing).
# REBILL_SAME_PERIOD plants the real double charge.
REBILL_SAME_PERIOD = PlantedBug(
    "rebill-same-period",
    "the billing loop bills each contract a second time for the same period (stale clock)",
    "sc4it.contracts.billing.loop",
    "bill_contract",
    _rebill_same_period,
    ("INV-24", "INV-25"),
)

ALL: tuple[PlantedBug, ...] = (DROP_IP_RELEASE, ROUND_DOWN, SKIP_RESERVATION, REBILL_SAME_PERIOD)


def main(argv: list[str] | None = None) -> int:
    """Plant each bug in turn, hunt for it, print a table; exit status 1 if one was not caught."""
    args = sys.argv[1:] if argv is None else argv
    max_examples = int(args[0]) if args else 60
    step_count = int(args[1]) if len(args) > 1 else 40
    missed = 0
    print(f"{'bug':<20} {'caught by':<18} {'step':>5} {'steps run':>10}")
    for bug in ALL:

        class Machine(Sc4itMachine):
            pass

        with planted(bug):
            catch = hunt(Machine, max_examples=max_examples, step_count=step_count)
        if catch is None:
            missed += 1
            print(f"{bug.name:<20} {'NOT CAUGHT':<18}")
        else:
            print(f"{bug.name:<20} {','.join(catch.rules):<18} {catch.step:>5} {catch.total_steps:>10}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
