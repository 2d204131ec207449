"""The public strategies of `sc4it.testing.strategies` produce what they promise: values the model accepts
(valid resources, farm IPs, farm names, distribution policies), encodable records, honest signed calls that
pass every validity check and hostile ones that fail one (SIG-05..SIG-10), and worlds that satisfy every
invariant (INV-01..INV-13)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sc4it import calls as c
from sc4it import decode, encode
from sc4it.conformance.invariants import check
from sc4it.contracts.billing.distribution import policy_problem
from sc4it.kernel.errors import Fail
from sc4it.kernel.signing import SignedCall
from sc4it.kernel.types import DistributionPolicy, Farm, Node, PricingPolicy, Twin
from sc4it.registry.farms import validate_farm_name, validate_public_ip
from sc4it.registry.nodes import validate_resources
from sc4it.runtime import check_validity
from sc4it.testing import World, actions, strategies
from sc4it.testing.actions import any_action, run_action

BASE = World.default()


def _accepts(validate: Any, *args: Any) -> bool:
    try:
        validate(*args)
    except Fail:
        return False
    return True


@given(strategies.resources())
def test_resources_are_valid_node_capacity(r: Any) -> None:
    """NOD-04: `resources()` passes the node registry's validation; `resources(valid=False)` spans u64."""
    assert _accepts(validate_resources, r)


@given(strategies.public_ip_inputs())
def test_public_ips_are_valid_farm_ips(ip: c.IpInput) -> None:
    """IP-01..IP-05: every generated CIDR and gateway is a valid public farm IP."""
    assert _accepts(validate_public_ip, ip.ip, ip.gateway)


@given(strategies.farm_names())
def test_farm_names_are_valid(name: bytes) -> None:
    """FRM-03: every generated farm name is accepted."""
    assert _accepts(validate_farm_name, name)


@given(strategies.distribution_policies())
def test_valid_distribution_policies_pass_dst12(policy: DistributionPolicy) -> None:
    """DST-12 DST-13: generated distribution policies are valid, and the council can set them."""
    assert policy_problem(policy) is None
    w = BASE.copy()
    assert w.call("council", c.SetDistributionPolicy(policy)).ok
    assert check(w.state) == []


@given(st.one_of(strategies.twins(), strategies.farms(), strategies.nodes(), strategies.pricing_policies()))
def test_records_are_encodable_within_bounds(record: Twin | Farm | Node | PricingPolicy) -> None:
    """INV-09 ENC-09: generated records round-trip through the strict codec."""
    assert decode(encode(record), type(record)) == record


@given(strategies.signed_calls(BASE))
def test_honest_signed_calls_pass_validity(signed: SignedCall) -> None:
    """SIG-05..SIG-11: an honest signed call passes chain id, signer, nonce and signature checks."""
    assert check_validity(BASE.state, signed) is None


@given(strategies.signed_calls(BASE, hostile=True))
def test_hostile_signed_calls_fail_validity(signed: SignedCall) -> None:
    """SIG-05 SIG-08 SIG-09 SIG-10 INV-20: a hostile signed call (wrong key, stale or future nonce,
    foreign chain) fails validity, so `apply` rejects it without a trace."""
    assert check_validity(BASE.state, signed) is not None


@settings(max_examples=max(10, settings().max_examples // 5))
@given(actions.worlds(max_actions=25))
def test_worlds_satisfy_every_invariant(world: World) -> None:
    """INV-01..INV-13: every world `worlds()` builds is a reachable state, so every invariant holds."""
    assert check(world.state) == []


def test_worlds_are_not_trivial() -> None:
    """Random actions resolve against the live objects of the world: over 60 histories of 30 actions,
    contracts get created and billed."""
    totals = {"created": 0, "billed": 0}

    # 60 histories, not 30: Hypothesis (>= 6.131) seeds generation with the literals of every *local* module
    # loaded so far, so even derandomized examples change with the modules earlier tests imported (the
    # network tests load sc4it.net and CometBFT's generated ABCI classes); 30 left none billed then.
    @settings(max_examples=60, derandomize=True, database=None)
    @given(st.lists(any_action(), min_size=30, max_size=30))
    def history(actions: list[Any]) -> None:
        w = BASE.copy()
        for action in actions:
            run_action(w, action)
        totals["created"] += w.state.contract_id
        totals["billed"] += sum(ps.cycles > 0 for ps in w.state.contract_payment_state.values())

    history()
    assert totals["created"] >= 10, totals
    assert totals["billed"] >= 1, totals


def test_the_core_never_imports_the_toolkit_or_hypothesis() -> None:
    """INV-01..INV-25 are checkable without Hypothesis: no module of sc4it outside `sc4it.testing` imports
    it or Hypothesis, and importing the library (invariants, host, CLI included) loads neither."""
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "sc4it"
    pattern = re.compile(r"^\s*(from|import)\s+(hypothesis|sc4it\.testing|\.+testing)\b", re.M)
    offenders = [
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if "testing" not in p.relative_to(src).parts and pattern.search(p.read_text())
    ]
    assert offenders == []
    code = (
        "import sys, sc4it, sc4it.conformance.invariants, sc4it.host.chain, "
        "sc4it.tools.cli, sc4it.tools.quote, sc4it.tools.whatif; "
        "print('hypothesis' in sys.modules, 'sc4it.testing' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(src.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.split() == ["False", "False"]
