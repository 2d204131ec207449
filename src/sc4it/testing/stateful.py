"""`Sc4itMachine`: a Hypothesis `RuleBasedStateMachine` that drives sc4it through random histories.

Its rules cover every extrinsic (through `sc4it.testing.actions`): contracts of every kind and their
reports, cancellation and billing calls, service contracts, solution providers, the registry (twins,
stash accounts, farms and IPs, nodes, certification, power state and target, node deletion, pricing
policies, the TFT price), the council's billing frequency and distribution policy, transfers, top-ups and
withdrawals through the bridge, blocks (with billing) and time jumps (without), any call with plausible
random parameters, and hostile input (wrong signer, replayed or wrong nonce, foreign chain, mutated
encodings, random bytes).

After every step it checks:

- every state invariant (`invariants.check`, INV-01..INV-13);
- every step property of each transition (`invariants.check_step`, INV-20..INV-25: a rejected call
  changes nothing, mints match events, counters never go back, grace starts never move, each contract is
  billed at most once per step and charged the exact cost of its elapsed time up to rounding);
- that hostile input is rejected (INV-20) and a successful call bumps its signer's nonce (SIG-12);
- whatever a subclass adds in `extra_checks` (see docs/pricing-analysis.md for an example).

A broken check raises `InvariantViolation` (an `AssertionError`) naming the rules, the objects and the
step. Use it as any Hypothesis state machine:

    class TestModel(Sc4itMachine):
        pass
    TestModel.TestCase.settings = settings(max_examples=20, stateful_step_count=40)
    test_model = TestModel.TestCase

or `run_state_machine_as_test(Sc4itMachine, settings=...)`, or `hunt(...)` for a bounded, seeded run
that reports where a failure was found instead of raising.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import attrs
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from sc4it.conformance.invariants import Violation, check, check_step
from sc4it.kernel.state import Config
from sc4it.testing.actions import (
    NAMES,
    REF,
    Action,
    Advance,
    Cancel,
    Jump,
    NewNameContract,
    NewRentContract,
    NodeAdmin,
    NruReport,
    ReportResources,
    Scene,
    Transition,
    UpdateNode,
    ZeroPrice,
    any_call_actions,
    contract_actions,
    council_actions,
    execute,
    hostile_actions,
    money_actions,
    node_contract_actions,
    registry_actions,
    service_actions,
    tfchain_2_12_actions,
)
from sc4it.testing.strategies import resources, used_resources
from sc4it.testing.world import TEST_CONFIG, World

__all__ = ["Catch", "InvariantViolation", "Sc4itMachine", "hunt"]


class InvariantViolation(AssertionError):
    """Raised by `Sc4itMachine` when a check fails: `violations` (with their rule ids), the `step`
    (1-based, within the current history) and the `action` that was running (None: found by the
    state-invariant check after the step)."""

    def __init__(
        self, violations: Sequence[Violation], *, step: int, action: object | None, total: int
    ) -> None:
        self.violations = list(violations)
        self.step = step
        self.action = action
        self.total = total
        lines = "\n".join(f"  {v}" for v in self.violations[:20])
        more = f"\n  ... and {len(self.violations) - 20} more" if len(self.violations) > 20 else ""
        super().__init__(f"step {step} ({action!r}) broke {len(self.violations)} rule(s):\n{lines}{more}")

    @property
    def rules(self) -> list[str]:
        return sorted({v.rule for v in self.violations})


class Sc4itMachine(RuleBasedStateMachine):
    """See the module docstring. Class attributes configure a subclass:

    - `config`: the runtime constants of the world (default `TEST_CONFIG`: 10-block cycles, 100-block
      grace, distribution every 4 cycles); None for production constants;
    - `step_checks`: run `invariants.check_step` on every transition (default True)."""

    config: ClassVar[Config | None] = TEST_CONFIG
    step_checks: ClassVar[bool] = True
    total_steps: ClassVar[int] = 0
    """Steps run by this class so far, over every history (reports how fast a failure was found)."""

    def __init__(self) -> None:
        super().__init__()
        self.world = World.default(self.config)
        self.steps = 0
        self.last_action: Action | None = None

    # ---------------------------------------------------------------------------------------------
    # Extension points

    def extra_checks(self, transition: Transition) -> list[Violation]:
        """Override to check your own properties on every transition (return the broken ones)."""
        return []

    def check_transition(self, tr: Transition) -> list[Violation]:
        out: list[Violation] = []
        if tr.hostile and tr.outcome.ok:
            out.append(Violation("INV-20", f"hostile input accepted ({tr.why})"))
        if self.step_checks:
            out += check_step(tr.before, tr.outcome.state, tr.outcome.events, tr.env, error=tr.outcome.error)
        if tr.signed is not None and tr.outcome.ok:
            before = tr.before.accounts.get(tr.signed.signer)
            after = tr.outcome.state.accounts.get(tr.signed.signer)
            if after is None or after.nonce != (0 if before is None else before.nonce) + 1:
                out.append(
                    Violation("INV-22", "a successful call did not bump its signer's nonce by one (SIG-12)")
                )
        out += self.extra_checks(tr)
        return out

    def run(self, action: Action) -> None:
        """Resolve and execute `action`, checking every transition it makes."""
        self.steps += 1
        type(self).total_steps += 1
        self.last_action = action
        for step in action.resolve(self.world):
            for tr in execute(self.world, step):
                problems = self.check_transition(tr)
                if problems:
                    raise InvariantViolation(
                        problems, step=self.steps, action=action, total=type(self).total_steps
                    )

    @initialize(populated=st.sampled_from([True, True, True, False]))
    def start(self, populated: bool) -> None:
        """Most histories start from `actions.Scene` (live contracts of every kind, one twin nearly
        broke); the others from the bare genesis."""
        if populated:
            self.run(Scene())

    @invariant()
    def state_invariants(self) -> None:
        """INV-01..INV-13 after every step."""
        problems = check(self.world.state)
        if problems:
            raise InvariantViolation(
                problems, step=self.steps, action=self.last_action, total=type(self).total_steps
            )

    # ---------------------------------------------------------------------------------------------
    # Rules. Hypothesis picks a rule uniformly (with swarm testing: each history enables a random
    # subset), so the rules group the actions by how often a useful history needs them.

    @rule(
        action=st.one_of(
            node_contract_actions(),
            node_contract_actions(),
            st.builds(NewNameContract, st.integers(0, 7), st.sampled_from(NAMES)),
            st.builds(NewRentContract, st.integers(0, 7), REF),
        )
    )
    def create_contract(self, action: Action) -> None:
        """Node (twice as often), name and rent contracts (NC, NM, RC rules)."""
        self.run(action)

    @rule(
        action=st.builds(
            Cancel,
            REF,
            st.sampled_from([True, True, True, False]),
            st.integers(0, 7),
            st.sampled_from([False] * 4 + [True]),
        )
    )
    def cancel(self, action: Action) -> None:
        """The owner (mostly), a stranger or the council cancels a contract (CC rules)."""
        self.run(action)

    @rule(
        action=st.one_of(
            st.builds(ReportResources, REF, used_resources()),
            st.builds(NruReport, REF, st.integers(0, 10**10), st.integers(0, 3600), st.integers(0, 120)),
        )
    )
    def report(self, action: Action) -> None:
        """The node reports a contract's used resources or network usage (RR, NR rules)."""
        self.run(action)

    @rule(action=contract_actions())
    def contract_call(self, action: Action) -> None:
        """Any contract call: updates, bills, extra fees, solution providers, the deployment handshake."""
        self.run(action)

    @rule(action=st.builds(Advance, st.integers(1, 15)))
    def blocks(self, action: Action) -> None:
        """Blocks go by; each runs its hooks (billing of its shard)."""
        self.run(action)

    @rule(action=st.builds(Jump, st.integers(1, 220), st.sampled_from([0, 0, 1, 999, 60_000])))
    def time_jump(self, action: Action) -> None:
        """Blocks are skipped without their hooks (up to twice the test grace period)."""
        self.run(action)

    @rule(action=money_actions())
    def money(self, action: Action) -> None:
        """Transfers, top-ups and withdrawals through the bridge, draining an account (LED rules)."""
        self.run(action)

    @rule(
        action=st.one_of(
            registry_actions(),
            council_actions(),
        )
    )
    def administration(self, action: Action) -> None:
        """Registry (twins, farms, IPs, nodes, pricing, price) and the council's billing settings."""
        self.run(action)

    @rule(action=tfchain_2_12_actions())
    def tfchain_2_12(self, action: Action) -> None:
        """TFChain 2.10-2.12: V3 billing opt-out (OPT rules), twin ownership transfer (TTR rules), node
        contract migration (MIG rules)."""
        self.run(action)

    @rule(action=service_actions())
    def service_contract(self, action: Action) -> None:
        """Service contracts: create, metadata, fees, approve, reject, cancel, bill (SVC rules)."""
        self.run(action)

    @rule(
        action=st.builds(
            NodeAdmin,
            st.sampled_from(["power-state", "power-state", "power-target", "certify", "delete"]),
            REF,
            st.booleans(),
            st.sampled_from([True] * 4 + [False]),
        )
    )
    def node_life(self, action: Action) -> None:
        """A node goes to standby and back, its farmer sets its power target, the council certifies it,
        the farmer deletes it (its contracts are cancelled first, HK-01..HK-03)."""
        self.run(action)

    @rule(action=st.builds(UpdateNode, REF, st.one_of(st.none(), resources()), REF))
    def move_node(self, action: Action) -> None:
        """A node tries to move to another farm (refused while it has contracts, NOD-16; F-1)."""
        self.run(action)

    @rule(action=st.builds(ZeroPrice, st.integers(1, 3)))
    def zero_min(self, action: Action) -> None:
        """The council tries to set the minimum TFT price to 0 (refused, TFT-14; F-2)."""
        self.run(action)

    @rule(action=hostile_actions())
    def hostile(self, action: Action) -> None:
        """Input that must be rejected: wrong signer, replay, wrong nonce, foreign chain, bad bytes."""
        self.run(action)

    @rule(action=any_call_actions())
    def any_call(self, action: Action) -> None:
        """Any call with plausible random parameters, honestly signed."""
        self.run(action)


# ==================================================================================================
# Bounded, seeded runs that report instead of raising


@attrs.frozen(slots=True)
class Catch:
    """Where `hunt` found a failure: the rules broken, the step within the failing history, the steps run
    in all (every history up to and including the failing one) and the exception's text."""

    rules: tuple[str, ...]
    step: int
    total_steps: int
    message: str


def hunt(
    machine: type[Sc4itMachine], *, max_examples: int = 40, step_count: int = 40, derandomize: bool = True
) -> Catch | None:
    """Run `machine` for at most `max_examples` histories of `step_count` steps with a fixed seed (unless
    `derandomize` is False) and without shrinking; the first failure found, or None if every history
    passed. Any exception other than `InvariantViolation` also counts as a failure (rule "EXCEPTION")."""
    machine.total_steps = 0
    conf = settings(
        max_examples=max_examples,
        stateful_step_count=step_count,
        derandomize=derandomize,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    try:
        run_state_machine_as_test(machine, settings=conf)
    except InvariantViolation as e:
        return Catch(tuple(e.rules), e.step, e.total, str(e))
    except Exception as e:
        return Catch(("EXCEPTION",), 0, machine.total_steps, f"{type(e).__name__}: {e}")
    return None
