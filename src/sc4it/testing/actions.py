"""Actions: the vocabulary of random histories, shared by `worlds()` and the state machine.

An action is a small frozen value drawn by Hypothesis *without* looking at the world (so it shrinks
well and prints readably); `resolve(world)` turns it into concrete steps against the current world:
integer references pick among the live objects (`ref % count`; the value `MISSING` names an id that
does not exist), signers are chosen by role (a contract's owner, a node's twin, a farm's owner, the
council...) or deliberately not (to exercise authorization errors).

Steps are what the executor runs: a call by a named signer, a pre-signed (possibly hostile) call, raw
bytes, blocks (with their hooks) or a time jump (without). `execute(world, step)` runs one and returns
the transitions it made, for the invariant checks.
"""

from __future__ import annotations

from hypothesis import strategies as st

from sc4it.kernel.errors import Error
from sc4it.kernel.state import Config
from sc4it.testing.contract_actions import (
    NAMES,
    SERVICE_KINDS,
    BillingFrequency,
    BillNow,
    Cancel,
    Deployment,
    Distribution,
    ExtraFee,
    NewNameContract,
    NewNodeContract,
    NewRentContract,
    NruReport,
    ReportResources,
    Service,
    SolutionProviders,
    UpdateNodeContract,
)
from sc4it.testing.env_actions import (  # re-exported
    HOSTILE_KINDS,
    Advance,
    AnyCall,
    Hostile,
    Jump,
    Money,
    Price,
    Pricing,
    RandomBytes,
    Scene,
    ZeroPrice,
)
from sc4it.testing.registry_actions import (
    FarmAdmin,
    FarmIp,
    Migrate,
    NewFarm,
    NewNode,
    NewUser,
    NodeAdmin,
    OptOut,
    TwinTransfer,
    UpdateNode,
)
from sc4it.testing.steps import (  # re-exported
    MISSING,
    REF,
    Action,
    BlocksStep,
    BytesStep,
    CallStep,
    JumpStep,
    SignedStep,
    Step,
    Transition,
    execute,
    pick,
    run_action,
)
from sc4it.testing.strategies import (
    TFT,
    calls,
    distribution_policies,
    farm_names,
    keypairs,
    policies,
    public_ip_inputs,
    resources,
    used_resources,
)
from sc4it.testing.world import TEST_CONFIG, World

# ==================================================================================================
# Strategies of actions

_small = st.integers(0, 7)
_amount = st.one_of(st.integers(0, 1000 * TFT), st.integers(0, 10**12), st.sampled_from([0, 1, 499, 500]))


def node_contract_actions() -> st.SearchStrategy[NewNodeContract]:
    return st.builds(
        NewNodeContract,
        user=_small,
        node=REF,
        hash=st.integers(0, 5),
        ips=st.sampled_from([0, 0, 1, 1, 2, 5]),
        data=st.sampled_from([b"", b"", b"", b"d", b"x" * 513]),
        provider=st.one_of(st.none(), st.none(), st.none(), REF),
    )


def contract_actions() -> st.SearchStrategy[Action]:
    """Every contract call: create (node, name, rent), update, cancel (owner, stranger, council),
    reports, bill, extra fee, solution providers, deployment handshake."""
    return st.one_of(
        node_contract_actions(),
        st.builds(UpdateNodeContract, REF, st.integers(0, 5), st.just(b"u"), st.booleans(), _small),
        st.builds(
            Cancel,
            REF,
            st.sampled_from([True, True, True, False]),
            _small,
            st.sampled_from([False] * 5 + [True]),
        ),
        st.builds(NewNameContract, _small, st.sampled_from(NAMES)),
        st.builds(NewRentContract, _small, REF),
        st.builds(ReportResources, REF, used_resources(), st.sampled_from([True] * 5 + [False]), REF),
        st.builds(
            NruReport,
            REF,
            st.one_of(st.integers(0, 10**10), st.integers(0, 1 << 64)),
            st.integers(0, 3600),
            st.integers(0, 300),
            st.sampled_from([True] * 5 + [False]),
        ),
        st.builds(BillNow, _small, REF),
        st.builds(ExtraFee, REF, st.integers(0, 100_000), st.sampled_from([True] * 4 + [False]), _small),
        st.builds(
            SolutionProviders,
            st.sampled_from(["create", "approve", "attach"]),
            _small,
            st.lists(st.integers(0, 60), max_size=2).map(tuple),
            REF,
            REF,
            st.booleans(),
        ),
        st.builds(Deployment, REF, st.booleans(), st.sampled_from([True] * 5 + [False]), st.just(b"no")),
    )


def service_actions() -> st.SearchStrategy[Service]:
    return st.builds(
        Service,
        st.sampled_from(("open", "bill", "bill", *SERVICE_KINDS)),
        REF,
        _small,
        _small,
        st.sampled_from([True, True, True, False]),
        st.integers(0, 5000),
        st.integers(0, 5000),
        st.sampled_from([b"keys", b"", b"m" * 65]),
    )


def registry_actions() -> st.SearchStrategy[Action]:
    """Twins (and stash accounts), farms and IPs, nodes and power, pricing policies, TFT price."""
    return st.one_of(
        st.builds(NewUser, st.integers(0, 5), _amount, st.booleans(), _small),
        st.builds(NewFarm, _small, farm_names(), st.lists(public_ip_inputs(), max_size=2).map(tuple)),
        st.builds(
            FarmIp, REF, st.booleans(), public_ip_inputs(), _small, st.sampled_from([True] * 4 + [False])
        ),
        st.builds(
            FarmAdmin,
            st.sampled_from(["dedicated", "certification", "policy"]),
            REF,
            st.booleans(),
            st.integers(1, 3),
        ),
        st.builds(NewNode, st.integers(0, 5), REF, resources()),
        st.builds(UpdateNode, REF, st.one_of(st.none(), resources()), st.none()),
        st.builds(
            NodeAdmin,
            st.sampled_from(["certify", "power-state", "power-state", "power-target", "delete"]),
            REF,
            st.booleans(),
            st.sampled_from([True] * 4 + [False]),
            _small,
        ),
        pricing_actions(),
        st.builds(
            Price, st.one_of(st.integers(1, 1000), st.just(0)), st.sampled_from(["", "", "min", "max"])
        ),
    )


def pricing_actions() -> st.SearchStrategy[Pricing]:
    v = st.integers(0, 500_000)
    return st.builds(Pricing, st.booleans(), REF, v, v, v, v, st.integers(0, 50_000), st.integers(0, 100))


def money_actions() -> st.SearchStrategy[Money]:
    return st.builds(
        Money,
        st.sampled_from(["transfer", "top-up", "top-up", "withdraw", "drain"]),
        st.integers(0, 20),
        _amount,
        st.integers(0, 20),
    )


def time_actions() -> st.SearchStrategy[Action]:
    """Blocks (1..15, with billing) and jumps (up to twice the test grace period, without billing)."""
    return st.one_of(
        st.builds(Advance, st.integers(1, 15)),
        st.builds(Jump, st.integers(1, 220), st.sampled_from([0, 0, 1, 999, 60_000])),
    )


def council_actions() -> st.SearchStrategy[Action]:
    return st.one_of(
        st.builds(BillingFrequency, st.sampled_from([0, 0, 0, 1, 7])),
        st.builds(Distribution, distribution_policies()),
    )


def tfchain_2_12_actions() -> st.SearchStrategy[Action]:
    """The calls of TFChain 2.10-2.12 and later (spec/tfchain.md): V3 billing opt-out and its admins and
    metadata, twin ownership transfer, node contract migration."""
    return st.one_of(
        st.builds(
            OptOut,
            st.sampled_from(["opt-out", "metadata", "admin-add", "admin-add", "admin-remove"]),
            REF,
            st.sampled_from([True] * 4 + [False]),
            _small,
            st.sampled_from([b"", b"v4", b"x" * 257]),
        ),
        st.builds(
            TwinTransfer,
            st.sampled_from(["request", "accept", "accept", "cancel"]),
            _small,
            _small,
            st.sampled_from([True] * 3 + [False]),
            REF,
            st.sampled_from([True] * 4 + [False]),
        ),
        st.builds(
            Migrate,
            REF,
            REF,
            st.sampled_from([True] * 4 + [False]),
            st.one_of(st.none(), st.none(), st.integers(0, 5)),
        ),
    )


def hostile_actions() -> st.SearchStrategy[Action]:
    """Input that must be rejected without a trace: wrong signer, replayed or wrong nonce, foreign
    chain, mutated encodings, random bytes."""
    return st.one_of(
        st.builds(
            Hostile,
            st.sampled_from(HOSTILE_KINDS),
            st.integers(0, 20),
            st.binary(min_size=32, max_size=32),
            st.integers(0, 1 << 16),
            st.integers(1, 255),
        ),
        st.builds(RandomBytes, st.binary(max_size=64)),
    )


def any_call_actions(world: World | None = None) -> st.SearchStrategy[AnyCall]:
    accounts = [s.account_id for s in (world or World.default()).signers.values()]
    # deferred: the strategy's repr stays short (the full union's repr is tens of kB)
    return st.builds(AnyCall, st.integers(0, 40), st.deferred(lambda: calls(accounts)))


def any_action() -> st.SearchStrategy[Action]:
    """Any action, weighted towards contracts and time (what billing needs)."""
    return st.one_of(
        contract_actions(),
        contract_actions(),
        time_actions(),
        time_actions(),
        money_actions(),
        service_actions(),
        registry_actions(),
        council_actions(),
        tfchain_2_12_actions(),
    )


def steps_of(world: World, action: Action) -> list[Step]:
    """The concrete steps `action` stands for in `world` (for printing and tests)."""
    return action.resolve(world)


def rejected(transition: Transition) -> Error | None:
    return transition.outcome.error


__all__ = [
    "HOSTILE_KINDS",
    "MISSING",
    "NAMES",
    "REF",
    "SERVICE_KINDS",
    "Action",
    "Advance",
    "AnyCall",
    "BillNow",
    "BillingFrequency",
    "BlocksStep",
    "BytesStep",
    "CallStep",
    "Cancel",
    "Deployment",
    "Distribution",
    "ExtraFee",
    "FarmAdmin",
    "FarmIp",
    "Hostile",
    "Jump",
    "JumpStep",
    "Migrate",
    "Money",
    "NewFarm",
    "NewNameContract",
    "NewNode",
    "NewNodeContract",
    "NewRentContract",
    "NewUser",
    "NodeAdmin",
    "NruReport",
    "OptOut",
    "Price",
    "Pricing",
    "RandomBytes",
    "ReportResources",
    "Scene",
    "Service",
    "SignedStep",
    "SolutionProviders",
    "Step",
    "Transition",
    "TwinTransfer",
    "UpdateNode",
    "UpdateNodeContract",
    "ZeroPrice",
    "any_action",
    "any_call_actions",
    "contract_actions",
    "council_actions",
    "execute",
    "hostile_actions",
    "keypairs",
    "money_actions",
    "node_contract_actions",
    "pick",
    "policies",
    "pricing_actions",
    "registry_actions",
    "run_action",
    "service_actions",
    "tfchain_2_12_actions",
    "time_actions",
]


@st.composite
def worlds(draw: st.DrawFn, config: Config | None = TEST_CONFIG, max_actions: int = 20) -> World:
    """A valid world: the default genesis (with `config`) after up to `max_actions` random actions
    (calls of every kind, blocks, time jumps; `sc4it.testing.actions`) of which the failing calls are
    simply dropped. Every state reached is a state `apply`/`on_block` produced, so it satisfies every
    invariant."""
    world = World.default(config)
    for action in draw(st.lists(any_action(), max_size=max_actions)):
        run_action(world, action)
    return world
