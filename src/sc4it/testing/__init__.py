"""sc4it's property-based testing toolkit (requires Hypothesis: `pip install sc4it[test]`).

- `strategies`: Hypothesis strategies for keys, twins, farms and IPs, nodes and resources, pricing and
  distribution policies, any call, signed calls (honest or hostile) and whole valid worlds;
- `actions`: the vocabulary of random histories (each call kind, blocks, time jumps, hostile input)
  and the executor that runs them against a `World`;
- `world`: `World`, a mutable handle on a chain under test (state, block, time, named signers);
- `stateful`: `Sc4itMachine`, a `RuleBasedStateMachine` driving every extrinsic and checking
  `sc4it.conformance.invariants` after every step; `hunt` for bounded seeded runs;
- `bugs`: known bugs to plant in the model (monkeypatching), to show the checks bite.

The invariants themselves live in `sc4it.conformance.invariants` (no Hypothesis needed). Nothing else in
sc4it imports
this package. See docs/pricing-analysis.md for a worked example of user-written properties.
"""

from __future__ import annotations

from sc4it.testing import actions, bugs, strategies
from sc4it.testing.stateful import Catch, InvariantViolation, Sc4itMachine, hunt
from sc4it.testing.world import TEST_CONFIG, Signer, World, default_state

__all__ = [
    "TEST_CONFIG",
    "Catch",
    "InvariantViolation",
    "Sc4itMachine",
    "Signer",
    "World",
    "actions",
    "bugs",
    "default_state",
    "hunt",
    "strategies",
]
