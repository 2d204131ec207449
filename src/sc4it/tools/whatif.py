"""`sc4it whatif`: one workload billed under the current and a proposed pricing policy
(docs/pricing-analysis.md).

A `Scenario` is a base state and a sequence of blocks (the signed calls of each block); it comes from
a recorded trace (`scenario_from_trace`) or from a seeded synthetic population (`generate_population`).
`compare` runs it twice through the real runtime (`sc4it.host.chain.execute_block`: block hooks, billing,
grace, distribution), once on the base state and once on the base state with pricing policy 1 (and
optionally the TFT price) replaced by the proposal (`sc4it.tools.quote.apply_proposal`), and measures per
contract what its twin paid, what it still owes and how it ended, plus the aggregate revenue by
recipient. The signed calls stay valid under the proposal: the chain id is part of the state, not
derived from the pricing policy. A proposal equal to the current policy gives zero deltas everywhere.

The proposal replaces policy 1 in the base state; a recorded `UpdatePricingPolicy` of policy 1 later in
the trace still applies in both runs.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import random
from collections.abc import Callable

import attrs

from sc4it import genesis
from sc4it.bridge import deposit_calls
from sc4it.contracts.billing.payment import BILLING_POLICY_ID
from sc4it.host.chain import BLOCK_TIME_MS, BlockResult, Chain, execute_block
from sc4it.host.trace import read_trace
from sc4it.kernel import calls
from sc4it.kernel.events import (
    ContractBilled,
    ContractCreated,
    ContractGracePeriodElapsed,
    ContractGracePeriodStarted,
    ContractPaymentOverdrawn,
    Event,
    RewardDistributed,
)
from sc4it.kernel.signing import Keypair, SignedCall
from sc4it.kernel.state import State
from sc4it.kernel.types import (
    AccountInfo,
    ContractResources,
    Deleted,
    GracePeriod,
    NameContract,
    NodeContract,
    RentContract,
)
from sc4it.tools.quote import GIB, PolicyProposal, Workload, apply_proposal, quote

TIB = 1 << 40
BLOCKS_PER_DAY = 86_400_000 // BLOCK_TIME_MS


@attrs.frozen(slots=True)
class Step:
    """A block with calls (blocks without calls between steps are produced empty)."""

    number: int
    timestamp: int
    calls: tuple[SignedCall, ...]


@attrs.frozen(slots=True)
class Scenario:
    base: State
    base_block: int
    base_timestamp: int
    steps: tuple[Step, ...]
    end_block: int
    block_time: int = BLOCK_TIME_MS
    description: str = ""

    @property
    def blocks(self) -> int:
        return self.end_block - self.base_block


def scenario_from_trace(path: str | os.PathLike[str]) -> Scenario:
    """The blocks of a recorded trace (its intact prefix; `TraceError` if unusable)."""
    contents = read_trace(path)
    chain = Chain.from_trace_header(contents.header)
    steps = tuple(Step(b.number, b.timestamp, b.calls) for b in contents.blocks)
    end = steps[-1].number if steps else chain.block
    return Scenario(
        chain.state,
        chain.block,
        chain.timestamp,
        steps,
        end,
        chain.block_time,
        f"trace {os.fspath(path)} ({end - chain.block} blocks)",
    )


# --------------------------------------------------------------------------------------------------
# A seeded synthetic population


def _user_key(seed: int, i: int) -> Keypair:
    tag = b"sc4it/whatif/" + seed.to_bytes(8, "big", signed=True) + i.to_bytes(4, "big")
    return Keypair.from_seed(hashlib.blake2b(tag, digest_size=32).digest())


MONTHS_OF_FUNDS = (0.02, 0.04, 0.08, 0.15, 0.3, 0.6, 1.0, 2.0, 4.0, 8.0, 20.0)
"""How many months of its workload (at the current policy, no discount) a generated user can pay:
from half a day to 20 months, so some run out within days and others reach every discount level."""


def generate_population(users: int, seed: int, days: float, state: State | None = None) -> Scenario:
    """A deterministic population on the default genesis (or `state`, which must have the default
    genesis' nodes, farms and dev keys): `users` new accounts funded by the bridge, each with a twin and
    a node contract on node 1, 2 or 4 (random resources; about 30% get one of farm 1's four public IPs
    while they last),
    some with a name contract; with 5 users or more one of them rents node 3 (dedicated farm 2) and
    deploys on it. The nodes report the resources; then `days` of blocks pass."""
    if users < 1:
        raise ValueError("a population needs at least one user")
    if days <= 0:
        raise ValueError("the run must last some time (days > 0)")
    rng = random.Random(seed)
    chain = Chain(genesis.default() if state is None else state)
    base = chain.state
    keys = [_user_key(seed, i) for i in range(users)]

    plans = _plan_population(rng, keys, base)

    # Block 1: the bridge mints each user's funds. Block 2: twins. Block 3: contracts.
    results: list[BlockResult] = []
    validators = {name: genesis.dev_keypair(name) for name in genesis.BRIDGE_NAMES}
    names = {name: key.account_id for name, key in validators.items()}
    for i, (key, _, _, funds) in enumerate(plans):
        for voter, call in deposit_calls(chain.state, names, key.account_id, funds, b"whatif/%d" % i):
            chain.submit_call(call, validators[voter])
    results.append(chain.produce_block())
    for key, *_ in plans:
        chain.submit_call(calls.CreateTwin(), key)
    results.append(chain.produce_block())
    for i, (key, w, name, _) in enumerate(plans):
        if w.rent:
            chain.submit_call(calls.CreateRentContract(w.node_id), key)
        workload = f"whatif-{seed}-{i}".encode()
        digest = hashlib.blake2b(workload, digest_size=32).digest()
        chain.submit_call(calls.CreateNodeContract(w.node_id, digest, workload, w.public_ips), key)
        if name:
            chain.submit_call(calls.CreateNameContract(f"whatif-{seed % 10_000}-{i}".encode()), key)
    created = chain.produce_block()
    results.append(created)
    # Block 4: each node reports what its contracts use.
    reports: dict[int, list[ContractResources]] = {}
    owner = {chain.state.twin_id_by_account_id[key.account_id]: w for key, w, _, _ in plans}
    for e in created.events:
        if isinstance(e, ContractCreated) and isinstance(e.contract.contract_type, NodeContract):
            w = owner[e.contract.twin_id]
            reports.setdefault(w.node_id, []).append(ContractResources(e.contract.contract_id, w.resources))
    for node_id, items in sorted(reports.items()):
        chain.submit_call(calls.ReportContractResources(tuple(items)), genesis.dev_keypair(f"node-{node_id}"))
    results.append(chain.produce_block())
    problems = [c.error.name if c.error else "" for r in results for c in r.calls if c.error is not None] + [
        e.name for r in results for _, e in r.rejected
    ]
    if problems:  # pragma: no cover - the generator only builds valid calls on the default genesis
        raise RuntimeError(f"population set-up failed: {problems}")
    steps = tuple(Step(r.number, r.timestamp, tuple(c.signed for c in r.calls)) for r in results)
    end = chain.block + max(1, round(days * BLOCKS_PER_DAY))
    origin = chain.timestamp - chain.block * chain.block_time
    description = f"{users} generated users (seed {seed}), {days:g} days"
    return Scenario(base, 0, origin, steps, end, chain.block_time, description)


_Plan = tuple[Keypair, Workload, bool, int]
"""A generated user: key, workload, whether it also has a name contract, funds."""


def _plan_population(rng: random.Random, keys: list[Keypair], base: State) -> list[_Plan]:
    """Per user a workload; funding from the current policy's quote."""
    users = len(keys)
    free_ips = 4
    plans: list[_Plan] = []
    renter = rng.randrange(users) if users >= 5 else -1
    for i, key in enumerate(keys):
        if i == renter:
            w = Workload(
                node_id=3,
                cru=rng.randint(1, 8),
                mru=rng.randint(2, 16) * GIB,
                sru=rng.randint(50, 500) * GIB,
                public_ips=1,
                rent=True,
            )
        else:
            ips = 1 if free_ips > 0 and rng.random() < 0.3 else 0
            free_ips -= ips
            w = Workload(
                node_id=rng.choice((1, 2, 4)),
                cru=rng.randint(1, 8),
                mru=rng.randint(1, 32) * GIB,
                sru=rng.randint(25, 1000) * GIB,
                hru=rng.choice((0, 0, 0, 512 * GIB, 2 * TIB)),
                public_ips=ips,
            )
        name = rng.random() < 0.3
        monthly = quote(base, attrs.evolve(w, name=name)).total_tft * 720
        funds = int(monthly * rng.choice(MONTHS_OF_FUNDS)) + 10 * base.config.existential_deposit
        plans.append((key, w, name, funds))
    return plans


# --------------------------------------------------------------------------------------------------
# Running and comparing


@attrs.frozen(slots=True)
class ContractOutcome:
    """How one contract fared in a run. Amounts in TFT units."""

    contract_id: int
    kind: str
    twin_id: int
    paid: int
    """Reserved from its twin over the run: Σ ContractBilled + Σ partial payments when overdrawn."""
    owed: int
    """Overdraft still open at the end (0 if removed: an overdraft is forgiven on deletion)."""
    bills: int
    grace_entries: int
    end: str
    """"active", "grace", "deleted: out of funds" or "removed" (cancelled)."""


@attrs.frozen(slots=True)
class RunResult:
    contracts: dict[int, ContractOutcome]
    revenue: dict[str, int]
    """Balance gained over the run by each recipient: "farmers", "foundation", "staking pool",
    "sales", "burned"."""
    distributed: int
    failed_calls: int
    final_state: State

    def total(self, field: str) -> int:
        return sum(int(getattr(c, field)) for c in self.contracts.values())


def _recipients(state: State) -> dict[str, set[bytes]]:
    policy = state.pricing_policies.get(BILLING_POLICY_ID)
    farmers = set()
    for _, farm in state.farms.items():
        twin = state.twins.get(farm.twin_id)
        if twin is not None:
            farmers.add(twin.account_id)
    out = {"farmers": farmers, "staking pool": {state.roles.staking_pool}}
    if policy is not None:
        out["foundation"] = {policy.foundation_account}
        out["sales"] = {policy.certified_sales_account}
    return out


def _holdings(state: State, accounts: set[bytes]) -> int:
    total = 0
    for acc in accounts:
        info = state.accounts.get(acc) or AccountInfo()
        total += info.free + info.reserved
    return total


@attrs.define
class _Tally:
    """What a run's events say, per contract and in total."""

    created: dict[int, tuple[str, int]] = attrs.Factory(dict)
    paid: dict[int, int] = attrs.Factory(dict)
    bills: dict[int, int] = attrs.Factory(dict)
    graces: dict[int, int] = attrs.Factory(dict)
    deleted: set[int] = attrs.Factory(set)
    distributed: int = 0
    failed: int = 0

    def add(self, e: Event) -> None:
        if isinstance(e, ContractBilled):
            cid = e.contract_bill.contract_id
            self.paid[cid] = self.paid.get(cid, 0) + e.contract_bill.amount_billed
            self.bills[cid] = self.bills.get(cid, 0) + 1
        elif isinstance(e, ContractPaymentOverdrawn):
            self.paid[e.contract_id] = self.paid.get(e.contract_id, 0) + e.partially_billed_amount
            self.bills[e.contract_id] = self.bills.get(e.contract_id, 0) + 1
        elif isinstance(e, ContractCreated):
            ct = e.contract.contract_type
            self.created[e.contract.contract_id] = (_KIND[type(ct)], e.contract.twin_id)
        elif isinstance(e, ContractGracePeriodStarted):
            self.graces[e.contract_id] = self.graces.get(e.contract_id, 0) + 1
        elif isinstance(e, ContractGracePeriodElapsed):
            self.deleted.add(e.contract_id)
        elif isinstance(e, RewardDistributed):
            self.distributed += e.standard_rewards + e.additional_rewards


_KIND: dict[type, str] = {NodeContract: "node", NameContract: "name", RentContract: "rent"}


def run(scenario: Scenario, base: State, progress: Callable[[int], None] | None = None) -> RunResult:
    """Execute `scenario` from `base` (its base state, or a variant of it) and measure it."""
    state = base
    steps = {s.number: s for s in scenario.steps}
    tally = _Tally()
    ts = scenario.base_timestamp
    for done, number in enumerate(range(scenario.base_block + 1, scenario.end_block + 1), 1):
        step = steps.get(number)
        if step is not None:
            ts, block_calls = step.timestamp, step.calls
        else:
            ts, block_calls = ts + scenario.block_time, ()
        state, hook_events, results = execute_block(state, number, ts, block_calls)
        for e in hook_events:
            tally.add(e)
        for r in results:
            if r.error is not None:
                tally.failed += 1
            for e in r.events:
                tally.add(e)
        if progress is not None and (done % 2000 == 0 or number == scenario.end_block):
            progress(done)
    for cid, c in base.contracts.items():  # contracts that existed before the run are measured too
        if cid not in tally.created:
            tally.created[cid] = (_KIND[type(c.contract_type)], c.twin_id)
    revenue = {
        name: _holdings(state, accs) - _holdings(base, accs) for name, accs in _recipients(base).items()
    }
    revenue["burned"] = state.burned - base.burned
    return RunResult(_outcomes(tally, state), revenue, tally.distributed, tally.failed, state)


def _outcomes(tally: _Tally, state: State) -> dict[int, ContractOutcome]:
    """How each contract of the run ended."""
    outcomes: dict[int, ContractOutcome] = {}
    for cid, (kind, twin) in sorted(tally.created.items()):
        found = state.contracts.get(cid)
        ps = state.contract_payment_state.get(cid)
        if found is None:
            end = "deleted: out of funds" if cid in tally.deleted else "removed"
        elif isinstance(found.state, GracePeriod):
            end = "grace"
        elif isinstance(found.state, Deleted):
            end = "deleted: out of funds" if cid in tally.deleted else "deleted"
        else:
            end = "active"
        owed = 0 if ps is None or found is None else ps.get_overdraft()
        outcomes[cid] = ContractOutcome(
            cid,
            kind,
            twin,
            tally.paid.get(cid, 0),
            owed,
            tally.bills.get(cid, 0),
            tally.graces.get(cid, 0),
            end,
        )
    return outcomes


@attrs.frozen(slots=True)
class ContractDelta:
    contract_id: int
    kind: str
    twin_id: int
    current: ContractOutcome
    proposed: ContractOutcome

    @property
    def delta(self) -> int:
        return self.proposed.paid - self.current.paid


@attrs.frozen(slots=True)
class Comparison:
    scenario: Scenario
    proposal: PolicyProposal
    current: RunResult
    proposed: RunResult

    @property
    def contracts(self) -> list[ContractDelta]:
        out = []
        for cid in sorted(set(self.current.contracts) | set(self.proposed.contracts)):
            a = self.current.contracts.get(cid)
            b = self.proposed.contracts.get(cid)
            ref = a or b
            assert ref is not None
            none = ContractOutcome(cid, ref.kind, ref.twin_id, 0, 0, 0, 0, "not created")
            out.append(ContractDelta(cid, ref.kind, ref.twin_id, a or none, b or none))
        return out

    def aggregate(self) -> list[tuple[str, int, int]]:
        """(metric, current, proposed) rows; amounts in TFT units, the rest counts."""
        a, b = self.current, self.proposed
        rows: list[tuple[str, int, int]] = [
            ("paid by users (TFT)", a.total("paid"), b.total("paid")),
            ("owed at the end (TFT)", a.total("owed"), b.total("owed")),
            ("distributed (TFT)", a.distributed, b.distributed),
        ]
        for name in a.revenue:
            rows.append((f"revenue: {name} (TFT)", a.revenue[name], b.revenue.get(name, 0)))

        def count(r: RunResult, end: str) -> int:
            return sum(1 for c in r.contracts.values() if c.end == end)

        rows += [
            ("contracts active at the end", count(a, "active"), count(b, "active")),
            ("contracts in grace at the end", count(a, "grace"), count(b, "grace")),
            (
                "contracts deleted, out of funds",
                count(a, "deleted: out of funds"),
                count(b, "deleted: out of funds"),
            ),
            ("grace periods entered", a.total("grace_entries"), b.total("grace_entries")),
            ("bills", a.total("bills"), b.total("bills")),
            ("calls that failed", a.failed_calls, b.failed_calls),
        ]
        return rows


def compare(
    scenario: Scenario, proposal: PolicyProposal, progress: Callable[[int], None] | None = None
) -> Comparison:
    """Run `scenario` under the current policy and under `proposal` (module docstring). `progress`
    receives the number of blocks done so far over both runs (total `2 * scenario.blocks`)."""
    proposed_base = apply_proposal(scenario.base, proposal)
    first = run(scenario, scenario.base, progress)
    offset = scenario.blocks

    def second_progress(n: int) -> None:
        if progress is not None:
            progress(offset + n)

    second = run(scenario, proposed_base, second_progress)
    return Comparison(scenario, proposal, first, second)


def chart(comparison: Comparison, path: str | os.PathLike[str], top: int = 40) -> None:
    """A PNG: what each contract paid under both policies (the `top` largest changes) and the revenue
    by recipient. Needs matplotlib (`pip install 'sc4it[plot]'`); ImportError otherwise."""
    matplotlib = importlib.import_module("matplotlib")  # optional: imported by name, untyped
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")

    deltas = sorted(comparison.contracts, key=lambda d: (-abs(d.delta), d.contract_id))[:top]
    deltas.sort(key=lambda d: d.contract_id)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 8), gridspec_kw={"height_ratios": [3, 2]})
    xs = list(range(len(deltas)))
    width = 0.4
    ax1.bar([x - width / 2 for x in xs], [d.current.paid / 1e7 for d in deltas], width, label="current")
    ax1.bar([x + width / 2 for x in xs], [d.proposed.paid / 1e7 for d in deltas], width, label="proposed")
    ax1.set_xticks(xs, [f"{d.contract_id}\n{d.kind}" for d in deltas], fontsize=7)
    ax1.set_ylabel("TFT paid")
    ax1.set_title(f"What each contract paid: {comparison.scenario.description}")
    ax1.legend()
    names = list(comparison.current.revenue)
    ys = list(range(len(names)))
    ax2.barh(
        [y - width / 2 for y in ys],
        [comparison.current.revenue[n] / 1e7 for n in names],
        width,
        label="current",
    )
    ax2.barh(
        [y + width / 2 for y in ys],
        [comparison.proposed.revenue.get(n, 0) / 1e7 for n in names],
        width,
        label="proposed",
    )
    ax2.set_yticks(ys, names)
    ax2.set_xlabel("TFT received over the run")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


__all__ = [
    "Comparison",
    "ContractDelta",
    "ContractOutcome",
    "RunResult",
    "Scenario",
    "Step",
    "chart",
    "compare",
    "generate_population",
    "run",
    "scenario_from_trace",
]
