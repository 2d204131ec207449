"""The scalar engine's records (spec/analysis.md ANA-10..ANA-18): a contract while it is billed
(`ContractState`, its payment state flattened) and a twin with its balances and contracts (`TwinState`);
`twin_records` makes them for a population at the start of a period."""

from __future__ import annotations

from sc4it.analysis.ffmodel import (
    CREATED,
    GONE,
    GRACE,
    GRACE_ENDED,
    GRACE_STARTED,
    KIND,
    NAME,
    NODE,
    RENT,
    CostKey,
    LogEntry,
    Period,
)
from sc4it.analysis.population import (
    ContractSpec,
    HistoryEvent,
    NodeSpec,
    NuReport,
    OptOut,
    Population,
    Report,
    TopUp,
    account_of,
)
from sc4it.kernel.fixed import U64_MAX
from sc4it.kernel.state import State
from sc4it.kernel.types import NodeCertification, Resources


class ContractState:
    """One contract while it is billed (its payment state, `ContractPaymentState`, flattened)."""

    __slots__ = (
        "add_overdraft",
        "add_reserve",
        "bill_res",
        "bills",
        "cert",
        "cycles",
        "end",
        "farmer",
        "fee",
        "graces",
        "id",
        "idle",
        "ips",
        "key",
        "kind",
        "last",
        "log",
        "next",
        "node_id",
        "nu_last",
        "optout",
        "overdraft",
        "paid",
        "reserve",
        "special",
        "start",
        "state",
        "unbilled",
    )

    def __init__(
        self, spec: ContractSpec, node: NodeSpec | None, farmer: bytes | None, rented: bool, t0: int
    ) -> None:
        self.id = spec.id
        self.kind = KIND[spec.kind]
        self.node_id = spec.node_id
        self.farmer = farmer
        self.ips = spec.public_ips
        self.fee = node.extra_fee if node is not None and self.kind == RENT else 0
        self.optout = node is not None and node.opted_out
        self.bill_res = self.kind == NODE and not rented  # BIL-32: on a rented node only IPs and NU are paid
        self.special = self.optout or (self.kind == NODE and rented)
        """Whether `silent` can be true (waived, or on a rented node)."""
        certified = node is not None and node.certified
        self.cert = NodeCertification.Certified if certified else NodeCertification.Diy
        self.key: CostKey = (0, 0, 0, 0, 0, 0, False, certified)
        self.idle = False
        self.set_resources(node.resources if node is not None and self.kind == RENT else spec.resources)
        self.unbilled = 0
        self.nu_last = t0
        self.state = CREATED
        self.start = 0
        self.reserve = 0
        self.add_reserve = 0
        self.overdraft = 0
        self.add_overdraft = 0
        self.last = t0
        self.cycles = 0
        self.next = 0
        self.paid = 0
        self.bills = 0
        self.graces = 0
        self.end = 0
        self.log: list[LogEntry] = []

    def set_resources(self, res: Resources) -> None:
        """New used resources (a report; a rent contract: its node's): the cost key and BIL-04 change."""
        certified = self.cert == NodeCertification.Certified
        self.key = (self.kind, res.hru, res.sru, res.cru, res.mru, self.ips, self.bill_res, certified)
        self.idle = self.kind == NODE and self.ips == 0 and res.is_empty()

    def billable(self) -> bool:
        """BIL-04 (`should_bill`): name and rent contracts always; a node contract with public IPs,
        reported resources, unbilled NU or an overdraft."""
        return not self.idle or self.unbilled > 0 or self.overdraft > 0 or self.add_overdraft > 0

    def add_nu(self, timestamp: int, units: int) -> None:
        """NR-08: a report not older than the last one adds its cost (`units`, -1 if it overflows); one
        that would overflow the unbilled amount fails (NumOverflow) and changes nothing."""
        if timestamp >= self.nu_last and 0 <= units <= U64_MAX - self.unbilled:
            self.unbilled += units
            self.nu_last = timestamp

    def silent(self) -> bool:
        """A bill of this contract writes nothing whatever the time elapsed: waived while Created
        (OPT-31), or nothing to pay and no debt (BIL-14): waived in grace (OPT-32) or a node contract on
        a rented node without IPs or NU (BIL-32)."""
        if self.overdraft or self.add_overdraft:
            return self.optout and self.state == CREATED
        if self.optout and self.kind != NAME:
            return True
        return self.kind == NODE and not self.bill_res and self.ips == 0 and self.unbilled == 0


class TwinState:
    __slots__ = ("contracts", "free", "frozen", "id", "rents", "reserved", "stash")

    def __init__(self, twin_id: int, free: int, frozen: int, stash: int) -> None:
        self.id = twin_id
        self.free = free
        self.reserved = 0
        self.frozen = frozen
        self.stash = stash
        self.contracts: list[ContractState] = []
        self.rents: dict[int, ContractState] = {}
        """Node id -> the twin's rent contract on it (ANA-07)."""

    def usable(self, ed: int) -> int:
        """LED-05: free − max(ED, frozen), floored at 0."""
        keep = ed if ed > self.frozen else self.frozen
        return self.free - keep if self.free > keep else 0

    def on_node(self, node_id: int) -> list[ContractState]:
        """The node contracts still active on `node_id` (all the renter's, ANA-07), by id."""
        return sorted(
            (c for c in self.contracts if c.kind == NODE and c.node_id == node_id and c.state != GONE),
            key=lambda c: c.id,
        )

    def suspended(self, c: ContractState) -> bool:
        """GRC-08: a node contract on a node whose rent contract is in grace."""
        rent = self.rents.get(c.node_id) if c.kind == NODE else None
        return rent is not None and rent.state == GRACE

    def synchronize(self, rent: ContractState, state: int, block: int) -> None:
        """GRC-06/GRC-07: the rent contract carries its node's node contracts into grace and back (not
        those with an overdraft)."""
        for n in self.on_node(rent.node_id):
            if state == CREATED:
                if n.overdraft or n.add_overdraft or n.state != GRACE:
                    continue
                n.state = CREATED
                n.log.append((block, 1, 0, GRACE_ENDED, 0, 0))
            elif n.state != GRACE:
                n.state = GRACE
                n.start = block
                n.graces += 1
                n.log.append((block, 1, 0, GRACE_STARTED, 0, 0))

    def apply(self, event: HistoryEvent, units: int) -> None:
        """ANA-14: a top-up, a report, an NU report (`units` its cost, -1 if it fails) or an opt-out."""
        if isinstance(event, TopUp):
            self.free += event.amount
        elif isinstance(event, OptOut):
            for c in self.contracts:
                if c.node_id == event.node_id and c.kind != NAME:
                    c.optout = c.special = True  # OPT-14
        elif isinstance(event, Report | NuReport):
            for c in self.contracts:
                if c.id == event.contract_id and c.state != GONE and c.kind == NODE:
                    if isinstance(event, Report):
                        c.set_resources(event.resources)
                    else:
                        c.add_nu(event.timestamp, units)


def twin_records(
    population: Population, base: State, period: Period, skip: frozenset[int]
) -> dict[int, TwinState]:
    """The scalar engine's records of every twin of `population` not in `skip` (the batch path's), as
    they stand at `period`'s base block on `base`."""
    ed = base.config.existential_deposit
    nodes = {n.id: n for n in population.nodes}
    farmer_of = {f.id: f.farmer_twin for f in population.farms}
    rented = {c.node_id for c in population.contracts if c.kind == "rent"}
    twins = {}
    for t in population.twins:
        if t.id not in skip:
            stash = 0 if t.stash is None else max(max(t.stash, ed) - ed, 0)
            twins[t.id] = TwinState(t.id, max(t.balance, ed), t.frozen, stash)
    t0 = period.now(period.base_block)
    for c in population.contracts:
        tw = twins.get(c.twin_id)
        if tw is None:
            continue
        farmer = None
        node = None
        if c.kind != "name":
            node = nodes[c.node_id]
            farmer = account_of(farmer_of[node.farm_id])
        contract = ContractState(c, node, farmer, c.node_id in rented, t0)
        tw.contracts.append(contract)
        if contract.kind == RENT:
            tw.rents[c.node_id] = contract
    return twins
