"""`sc4it demo`: the seeds' story on the embedded default genesis, driven through `sc4it.host.chain.Chain`.

charlie (twin 3) is funded by alice with what billing says a few hours of his workload cost, deploys a
VM with a public IP on node 1, and node 1 verifies the workload against the contract, confirms it and
reports what it uses. Hourly bills run until charlie cannot pay: the contract enters its grace period
(the node now refuses to run it) and owes an overdraft. alice tops him up with two months' worth, the
next bill settles the overdraft and restores the contract at a discount, charlie adds a name contract,
days of billing pass and the revenue is distributed (staking pool, foundation, farmer). charlie cancels
both contracts: they are billed to the second, the IP is freed, the last reserve distributed.

Every amount comes from billing itself (`sc4it.tools.quote`), nothing is hard-coded; every step is a signed
call in a block or the block hook. The run is deterministic: the deployment data is a plain reference
(not a sealed box, whose fresh ephemeral key would change the state root on every run).

This module also holds the readable renderings of calls and events that `sc4it replay` reuses.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterable
from enum import IntEnum
from typing import Any

import attrs
from rich.table import Table

from sc4it import genesis
from sc4it.contracts.billing.cost import HOURS_PER_MONTH
from sc4it.deployment import deployment_hash, verify_deployment
from sc4it.host.chain import BlockResult, Chain
from sc4it.kernel import calls
from sc4it.kernel.events import (
    ContractBilled,
    ContractCreated,
    ContractDeployed,
    ContractGracePeriodEnded,
    ContractGracePeriodStarted,
    ContractPaymentOverdrawn,
    Event,
    IPsFreed,
    NameContractCanceled,
    NodeContractCanceled,
    NruConsumptionReportReceived,
    RewardDistributed,
    Transfer,
    UpdatedUsedResources,
)
from sc4it.kernel.signing import Keypair
from sc4it.kernel.state import State
from sc4it.kernel.types import (
    AccountInfo,
    ContractResources,
    Deleted,
    GracePeriod,
    NameContract,
    NodeContract,
    NruConsumption,
    RentContract,
)
from sc4it.tools.console import make_console
from sc4it.tools.quote import GIB, Workload, quote

TFT = 10**7
HOURS_FUNDED = 20
"""charlie's first funding pays for about this many hourly bills of his node contract."""
HOURS_IN_GRACE = 3
TOP_UP_MONTHS = 2
WATCHED = ("charlie", "alice", "farmer-1", "ferdie", "staking-pool")
"""The accounts whose balances the timeline shows (ferdie is the foundation account)."""
ROLE = {
    "charlie": "charlie (user)",
    "alice": "alice (sponsor)",
    "farmer-1": "farmer-1 (farm 1)",
    "ferdie": "ferdie (foundation)",
    "staking-pool": "staking pool",
}
WORKLOAD = b'{"name":"charlie-web","vm":{"cpu":2,"memory_gib":4,"disk_gib":50},"public_ip":true}'
DEPLOYMENT_DATA = b"rmb://charlie/deployments/charlie-web"


# --------------------------------------------------------------------------------------------------
# Rendering (shared with `sc4it replay`)


def tft(units: int, unit: str = " TFT") -> str:
    """An amount of TFT units, exactly (7 decimals)."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), TFT)
    return f"{sign}{whole:,}.{frac:07d}{unit}"


class Names:
    """Readable names of accounts and twins (the default genesis' dev names; hex otherwise)."""

    def __init__(self, state: State) -> None:
        self.accounts: dict[bytes, str] = {acc: n for n, acc in genesis.named_accounts().items()}
        self.twins: dict[int, str] = {}
        for twin_id, twin in state.twins.items():
            name = self.accounts.get(twin.account_id)
            if name is not None:
                self.twins[twin_id] = name

    def account(self, acc: bytes) -> str:
        return self.accounts.get(acc) or acc.hex()[:12] + "…"

    def twin(self, twin_id: int) -> str:
        name = self.twins.get(twin_id)
        return f"twin {twin_id}" + (f" ({name})" if name else "")


def _fields(x: Any, names: Names) -> str:
    parts = []
    for f in attrs.fields(type(x)):
        v = getattr(x, f.name)
        if isinstance(v, bytes):
            v = (
                names.account(v)
                if len(v) == 32
                else (v.decode() if v.isascii() and v.decode().isprintable() else v.hex())
            )
        elif attrs.has(type(v)):
            v = type(v).__name__
        parts.append(f"{f.name}={v}")
    return ", ".join(parts)


def _resources(r: Any) -> str:
    return f"cru {r.cru}, mru {r.mru / GIB:g} GiB, sru {r.sru / GIB:g} GiB, hru {r.hru / GIB:g} GiB"


def describe_call(call: calls.Call, names: Names) -> str:
    """One line for a call."""
    if isinstance(call, calls.Transfer):
        return f"Transfer {tft(call.amount)} to {names.account(call.dest)}"
    if isinstance(call, calls.CreateNodeContract):
        ips = f", {call.public_ips} public IP" if call.public_ips else ""
        return f"CreateNodeContract on node {call.node_id}{ips}, hash {call.deployment_hash.hex()[:12]}…"
    if isinstance(call, calls.ReportContractResources):
        return "ReportContractResources " + "; ".join(
            f"contract {r.contract_id}: {_resources(r.used)}" for r in call.contract_resources
        )
    if isinstance(call, calls.AddNruReports):
        return "AddNruReports " + "; ".join(
            f"contract {r.contract_id}: {r.nru / GIB:g} GiB over {r.window} s" for r in call.reports
        )
    if isinstance(call, calls.CreateNameContract):
        return f'CreateNameContract "{call.name.decode(errors="replace")}"'
    return f"{type(call).__name__}({_fields(call, names)})"


def describe_event(e: Event, names: Names) -> str:
    """One line for an event."""
    if isinstance(e, ContractBilled):
        b = e.contract_bill
        level = b.discount_level.name.rstrip("_")
        return f"ContractBilled contract {b.contract_id}: {tft(b.amount_billed)} (discount {level})"
    if isinstance(e, ContractCreated):
        c = e.contract
        ct = c.contract_type
        what = {NodeContract: "node", NameContract: "name", RentContract: "rent"}[type(ct)]
        extra = ""
        if isinstance(ct, NodeContract) and ct.public_ips_list:
            extra = ", IPs " + ", ".join(ip.ip.decode() for ip in ct.public_ips_list)
        elif isinstance(ct, NameContract):
            extra = f' "{ct.name.decode(errors="replace")}"'
        return f"ContractCreated {what} contract {c.contract_id} for {names.twin(c.twin_id)}{extra}"
    if isinstance(e, IPsFreed):
        return f"IPsFreed contract {e.contract_id}: " + ", ".join(ip.ip.decode() for ip in e.public_ips)
    if isinstance(e, Transfer):
        return f"Transfer {tft(e.amount)} {names.account(e.from_)} → {names.account(e.to)}"
    if isinstance(e, RewardDistributed):
        return f"RewardDistributed contract {e.contract_id}: {tft(e.standard_rewards + e.additional_rewards)}"
    if isinstance(e, ContractPaymentOverdrawn):
        return (
            f"ContractPaymentOverdrawn contract {e.contract_id}: paid {tft(e.partially_billed_amount, '')}, "
            f"owes {tft(e.overdraft)}"
        )
    if isinstance(e, ContractGracePeriodStarted):
        return f"ContractGracePeriodStarted contract {e.contract_id} at block {e.block_number}"
    if isinstance(e, ContractGracePeriodEnded):
        return f"ContractGracePeriodEnded contract {e.contract_id}"
    if isinstance(e, ContractDeployed):
        return f"ContractDeployed contract {e.contract_id} by {names.account(e.account_id)}"
    if isinstance(e, UpdatedUsedResources):
        used = e.contract_resources
        return f"UpdatedUsedResources contract {used.contract_id}: {_resources(used.used)}"
    if isinstance(e, NruConsumptionReportReceived):
        nru = e.nru_consumption
        return f"NruConsumptionReportReceived contract {nru.contract_id}: {nru.nru / GIB:g} GiB"
    if isinstance(e, NodeContractCanceled):
        return f"NodeContractCanceled contract {e.contract_id} on node {e.node_id}"
    if isinstance(e, NameContractCanceled):
        return f"NameContractCanceled contract {e.contract_id}"
    return f"{type(e).__name__}({_fields(e, names)})"


def jsonable(x: Any) -> Any:
    """A JSON-ready form of any sc4it value: records as objects (plus `"type"` for union members),
    bytes as hex, enums by name."""
    if isinstance(x, bytes):
        return x.hex()
    if isinstance(x, IntEnum):
        return x.name
    if isinstance(x, bool | int | str) or x is None:
        return x
    if isinstance(x, list | tuple):
        return [jsonable(i) for i in x]
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if attrs.has(type(x)):
        out: dict[str, Any] = {"type": type(x).__name__}
        for f in attrs.fields(type(x)):
            out[f.name] = jsonable(getattr(x, f.name))
        return out
    if hasattr(x, "name"):  # Enum (e.g. Error)
        return str(x.name)
    return repr(x)


def clock(timestamp_ms: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp_ms / 1000, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------------------------------------
# The story


@attrs.frozen(slots=True)
class ContractRow:
    contract_id: int
    kind: str
    state: str
    reserve: int
    overdraft: int


@attrs.frozen(slots=True)
class Chapter:
    title: str
    blocks: tuple[BlockResult, ...]
    notes: tuple[str, ...]
    block: int
    timestamp: int
    balances: dict[str, tuple[int, int]]
    contracts: tuple[ContractRow, ...]


@attrs.frozen(slots=True)
class DemoRun:
    chapters: tuple[Chapter, ...]
    names: Names
    state_root: bytes
    blocks: int
    origin: int
    """Timestamp (ms) of block 0."""
    genesis_balances: dict[str, tuple[int, int]]
    funded: int
    """What alice sent charlie in total."""


def _contract_rows(state: State, ids: dict[int, str]) -> tuple[ContractRow, ...]:
    rows = []
    for cid, kind in ids.items():
        c = state.contracts.get(cid)
        if c is None:
            rows.append(ContractRow(cid, kind, "removed", 0, 0))
            continue
        st = c.state
        if isinstance(st, GracePeriod):
            label = f"grace since #{st.start_block}"
        elif isinstance(st, Deleted):
            label = f"deleted ({st.cause.name})"
        else:
            label = type(st).__name__
        ps = state.contract_payment_state.get(cid)
        rows.append(
            ContractRow(
                cid,
                kind,
                label,
                0 if ps is None else ps.get_reserve(),
                0 if ps is None else ps.get_overdraft(),
            )
        )
    return tuple(rows)


class _Story:
    def __init__(self, trace: str | os.PathLike[str] | None, overwrite: bool) -> None:
        self.chain = Chain.from_genesis(trace=trace, overwrite=overwrite)
        self.names = Names(self.chain.state)
        self.accounts = {n: genesis.dev_keypair(n).account_id for n in WATCHED}
        self.chapters: list[Chapter] = []
        self.genesis_balances = self.balances()
        self.contract_ids: dict[int, str] = {}
        self._blocks: list[BlockResult] = []
        self._notes: list[str] = []

    def note(self, text: str) -> None:
        self._notes.append(text)

    def block(self, *steps: tuple[str, calls.Call]) -> BlockResult:
        """One block with these calls (each must succeed: the story has no failing step)."""
        for who, call in steps:
            self.chain.submit_call(call, genesis.dev_keypair(who))
        result = self.chain.produce_block()
        for c in result.calls:
            if c.error is not None:
                raise RuntimeError(f"demo step {type(c.signed.call).__name__} failed with {c.error.name}")
        if result.rejected:
            raise RuntimeError(f"demo call rejected: {result.rejected[0][1].name}")
        self._blocks.append(result)
        return result

    def advance(self, blocks: int, until: type | None = None) -> bool:
        """Produce up to `blocks` blocks; with `until`, stop after the first block with such an event."""
        hit = False

        def stop(r: BlockResult) -> bool:
            nonlocal hit
            hit = until is not None and any(isinstance(e, until) for e in r.events)
            return hit

        self._blocks.extend(self.chain.advance(blocks, until=stop if until is not None else None))
        return hit

    def balances(self) -> dict[str, tuple[int, int]]:
        out = {}
        for name, acc in self.accounts.items():
            info = self.chain.state.accounts.get(acc) or AccountInfo()
            out[name] = (info.free, info.reserved)
        return out

    def end_chapter(self, title: str) -> None:
        state = self.chain.state
        balances = self.balances()
        self.chapters.append(
            Chapter(
                title,
                tuple(self._blocks),
                tuple(self._notes),
                self.chain.block,
                self.chain.timestamp,
                balances,
                _contract_rows(state, self.contract_ids),
            )
        )
        self._blocks, self._notes = [], []


def run_story(
    cycles: int = 48, trace: str | os.PathLike[str] | None = None, overwrite: bool = False
) -> DemoRun:
    """Run the story (module docstring); `cycles` hourly bills pass with the name contract before the
    cancellation. With `trace`, the blocks are recorded there (`sc4it replay` reads it)."""
    s = _Story(trace, overwrite)
    chain = s.chain
    try:
        hourly, name_hourly, funding = _chapter_fund(s)
        cid = _chapter_deploy(s)
        _chapter_run_out(s, cid)
        top_up = _chapter_top_up(s, cid, hourly + name_hourly)
        _chapter_name_and_cancel(s, cid, cycles)
    finally:
        chain.close()
    origin = chain.timestamp - chain.block * chain.block_time
    return DemoRun(
        tuple(s.chapters), s.names, chain.root, chain.block, origin, s.genesis_balances, funding + top_up
    )


def _charlie(s: _Story) -> tuple[Keypair, int]:
    charlie = genesis.dev_keypair("charlie")
    return charlie, s.chain.state.twin_id_by_account_id[charlie.account_id]


def _chapter_fund(s: _Story) -> tuple[int, int, int]:
    """1. What will it cost? Billing's own numbers, for a twin with (almost) nothing."""
    charlie, _ = _charlie(s)
    workload = Workload(node_id=1, cru=2, mru=4 * GIB, sru=50 * GIB, public_ips=1)
    hourly = quote(s.chain.state, workload).total_tft
    name_hourly = quote(s.chain.state, Workload(name=True)).total_tft
    funding = HOURS_FUNDED * hourly
    s.note(f"quote: node 1, cru 2, mru 4 GiB, sru 50 GiB, 1 public IP = {tft(hourly)} per hour (no discount)")
    s.block(("alice", calls.Transfer(charlie.account_id, funding)))
    s.end_chapter(f"alice funds charlie for {HOURS_FUNDED} hours of his workload")
    return hourly, name_hourly, funding


def _chapter_deploy(s: _Story) -> int:
    """2. charlie creates the contract: the workload's hash, and where the node can fetch it."""
    chain = s.chain
    _, twin = _charlie(s)
    workload = Workload(node_id=1, cru=2, mru=4 * GIB, sru=50 * GIB, public_ips=1)
    create = calls.CreateNodeContract(1, deployment_hash(WORKLOAD), DEPLOYMENT_DATA, 1)
    result = s.block(("charlie", create))
    cid = next(e.contract.contract_id for e in result.events if isinstance(e, ContractCreated))
    s.contract_ids[cid] = "node"
    verdict = verify_deployment(chain.state, cid, twin, WORKLOAD, node_id=1)
    s.note(f"node 1 checks the workload charlie sent it against contract {cid}: {verdict.value}")
    s.block(("node-1", calls.ConfirmDeployment(cid)))
    used = ContractResources(cid, workload.resources)
    nru = NruConsumption(cid, chain.timestamp // 1000, 3600, 2 * GIB)
    s.block(("node-1", calls.ReportContractResources((used,))), ("node-1", calls.AddNruReports((nru,))))
    s.end_chapter("charlie deploys on node 1; the node verifies, confirms, reports")
    return cid


def _chapter_run_out(s: _Story, cid: int) -> None:
    """3. Hourly billing until charlie cannot pay: grace period and overdraft."""
    _, twin = _charlie(s)
    cycle = s.chain.state.billing_frequency
    if not s.advance(cycle * (HOURS_FUNDED + 4), until=ContractGracePeriodStarted):
        raise RuntimeError("charlie never ran out of funds: the demo's funding is wrong")
    s.end_chapter("hourly billing until charlie runs out: grace period")
    s.advance(cycle * HOURS_IN_GRACE)
    verdict = verify_deployment(s.chain.state, cid, twin, WORKLOAD, node_id=1)
    s.note(f"node 1 re-checks contract {cid}: {verdict.value}, so the workload must not run")
    s.end_chapter(f"{HOURS_IN_GRACE} hours in grace: each bill adds to the debt")


def _chapter_top_up(s: _Story, cid: int, hourly_both: int) -> int:
    """4. The top-up: two months of both contracts plus the debt, as billing prices them."""
    charlie, twin = _charlie(s)
    ps = s.chain.state.contract_payment_state[cid]
    top_up = TOP_UP_MONTHS * HOURS_PER_MONTH * hourly_both + ps.get_overdraft()
    s.block(("alice", calls.Transfer(charlie.account_id, top_up)))
    s.note(
        f"top-up = {TOP_UP_MONTHS} months of node + name contract + the overdraft {tft(ps.get_overdraft())}"
    )
    if not s.advance(s.chain.state.billing_frequency + 1, until=ContractGracePeriodEnded):
        raise RuntimeError("the top-up did not restore the contract")
    verdict = verify_deployment(s.chain.state, cid, twin, WORKLOAD, node_id=1)
    s.note(f"node 1 re-checks contract {cid}: {verdict.value}")
    s.end_chapter("a top-up; the next bill settles the debt and restores")
    return top_up


def _chapter_name_and_cancel(s: _Story, cid: int, cycles: int) -> None:
    """5. A name contract, then days of billing (revenue is distributed every 24 cycles). 6. Cancel both:
    billed to the second, IP freed, the remaining reserve distributed."""
    result = s.block(("charlie", calls.CreateNameContract(b"charlie-web")))
    name_id = next(e.contract.contract_id for e in result.events if isinstance(e, ContractCreated))
    s.contract_ids[name_id] = "name"
    s.advance(s.chain.state.billing_frequency * cycles)
    s.end_chapter(f"a name contract, then {cycles} hours of billing")
    s.block(("charlie", calls.CancelContract(cid)), ("charlie", calls.CancelContract(name_id)))
    s.end_chapter("charlie cancels both: final bills, IP freed")


# --------------------------------------------------------------------------------------------------
# Output


def _since(timestamp_ms: int, origin_ms: int) -> str:
    secs = (timestamp_ms - origin_ms) // 1000
    days, rest = divmod(secs, 86400)
    return f"+{days}d{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"


def _summarise(
    blocks: Iterable[BlockResult], names: Names, origin_ms: int
) -> tuple[list[str], dict[int, tuple[int, int, set[str]]]]:
    """Lines for a chapter's blocks; ContractBilled events are totalled per contract instead."""
    lines: list[str] = []
    billed: dict[int, tuple[int, int, set[str]]] = {}

    def bill(e: ContractBilled) -> None:
        b = e.contract_bill
        n, total, levels = billed.get(b.contract_id, (0, 0, set()))
        billed[b.contract_id] = (n + 1, total + b.amount_billed, levels | {b.discount_level.name.rstrip("_")})

    for r in blocks:
        head = f"#{r.number:<6} {_since(r.timestamp, origin_ms)}"
        for c in r.calls:
            who = names.account(c.signed.signer)
            status = "" if c.error is None else f"  [failed: {c.error.name}]"
            lines.append(f"{head}  {who}: {describe_call(c.signed.call, names)}{status}")
            for e in c.events:
                if isinstance(e, ContractBilled):
                    bill(e)
                lines.append(f"      → {describe_event(e, names)}")
        for e in r.hook_events:
            if isinstance(e, ContractBilled):
                bill(e)
                continue
            lines.append(f"{head}  billing: {describe_event(e, names)}")
    return lines, billed


def print_rich(run: DemoRun) -> None:
    console = make_console()
    console.rule("[bold]sc4it demo: the smart contract for IT on the default genesis")
    console.print(f"block 0 at {clock(run.origin)} UTC; blocks every 6 s; times below are since block 0")
    previous = run.genesis_balances
    for i, ch in enumerate(run.chapters, 1):
        console.print()
        console.rule(f"[bold cyan]{i}. {ch.title}", align="left")
        lines, billed = _summarise(ch.blocks, run.names, run.origin)
        for line in lines:
            console.print(line, markup=False)
        for cid, (n, total, levels) in sorted(billed.items()):
            plural = "s" if n > 1 else ""
            console.print(
                f"  [green]billed[/green] contract {cid}: {n} bill{plural}, {tft(total)} "
                f"(discount {', '.join(sorted(levels))})"
            )
        for note in ch.notes:
            console.print(f"  [yellow]·[/yellow] {note}")
        table = Table(show_edge=False, box=None, padding=(0, 2), header_style="dim")
        table.add_column(f"TFT after #{ch.block}")
        table.add_column("free", justify="right")
        table.add_column("reserved", justify="right")
        table.add_column("change", justify="right")
        for name, (free, reserved) in ch.balances.items():
            before = sum(previous[name])
            if (free, reserved) != previous[name] or i == 1:
                delta = free + reserved - before
                sign = "+" if delta > 0 else ""
                table.add_row(ROLE.get(name, name), tft(free, ""), tft(reserved, ""), sign + tft(delta, ""))
        previous = ch.balances
        if table.row_count:
            console.print(table)
        for row in ch.contracts:
            extra = f", reserve {tft(row.reserve)}" if row.reserve else ""
            extra += f", overdraft {tft(row.overdraft)}" if row.overdraft else ""
            console.print(f"  contract {row.contract_id} ({row.kind}): [bold]{row.state}[/bold]{extra}")
    console.print()
    console.rule("[bold]where charlie's money went")
    final = run.chapters[-1].balances
    gained = {n: sum(final[n]) - sum(run.genesis_balances[n]) for n in final}
    paid = run.funded - gained["charlie"]
    console.print(f"  charlie received {tft(run.funded)} from alice and paid {tft(paid)} in bills:")
    for name in ("farmer-1", "ferdie", "staking-pool"):
        console.print(f"    {ROLE[name]:<24} {'+' + tft(gained[name]):>22}")
    rest = paid - sum(gained[n] for n in ("farmer-1", "ferdie", "staking-pool"))
    if rest:
        console.print(f"    {'elsewhere (burned, sales)':<24} {tft(rest):>22}")
    console.print()
    console.print(f"{run.blocks} blocks; state root [bold]{run.state_root.hex()}[/bold]")


def block_json(result: BlockResult, names: Names) -> dict[str, Any]:
    """The JSON form of one executed block (`demo --json` and `replay --json` print it, docs/trace.md)."""
    return {
        "type": "block",
        "block": result.number,
        "timestamp": result.timestamp,
        "hook_events": [jsonable(e) for e in result.hook_events],
        "calls": [
            {
                "signer": names.account(c.signed.signer),
                "call": jsonable(c.signed.call),
                "error": None if c.error is None else c.error.name,
                "events": [jsonable(e) for e in c.events],
            }
            for c in result.calls
        ],
        "root": result.root.hex(),
    }


def print_json(run: DemoRun) -> None:
    """JSON lines: one `block` object per block with calls or events, one `chapter` object per step,
    and a final `end` object with the state root."""
    names = run.names
    for ch in run.chapters:
        for r in ch.blocks:
            print(json.dumps(block_json(r, names)))
        print(
            json.dumps(
                {
                    "type": "chapter",
                    "title": ch.title,
                    "block": ch.block,
                    "timestamp": ch.timestamp,
                    "notes": list(ch.notes),
                    "balances": {n: {"free": f, "reserved": r} for n, (f, r) in ch.balances.items()},
                    "contracts": [jsonable(row) for row in ch.contracts],
                }
            )
        )
    print(json.dumps({"type": "end", "blocks": run.blocks, "state_root": run.state_root.hex()}))


def run_demo(
    json_output: bool = False,
    cycles: int = 48,
    trace: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> int:
    run = run_story(cycles, trace, overwrite)
    if json_output:
        print_json(run)
    else:
        print_rich(run)
    return 0


__all__ = ["DemoRun", "run_demo", "run_story"]
