"""Executable invariants (spec/invariants.md, rules INV-xx).

Two entry points, both pure and both returning every broken rule at once (as Filecoin's
`check_state_invariants` does), so tests, fuzzers, the stateful suite (`sc4it.testing`) and auditors all
call the same code:

- `check(state)`: the state invariants INV-01..INV-13, true of every state `apply` / `on_block` return;
- `check_step(before, after, events, env, error=...)`: the step properties INV-20..INV-25, true of every
  transition (a rejected call changes nothing, mints match `Minted` events, counters never go back, a grace
  start never moves, a contract is billed at most once per step, and every bill charges the exact cost of
  the elapsed time up to TFChain's roundings).

Both read the whole state: use them in tests and audits, never on a host's hot path. Neither imports
`sc4it.testing` (nor Hypothesis).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from sc4it.conformance.bill_audit import Estimate, check_bills, expected_bill
from sc4it.conformance.violation import Violation
from sc4it.conformance.violation import account_label as _acc
from sc4it.conformance.violation import contract_label as _c
from sc4it.kernel.codec import decode, encode
from sc4it.kernel.errors import DecodeError, Error
from sc4it.kernel.events import Burned, Event, Minted
from sc4it.kernel.state import MAX_TWIN_ADMINS, State
from sc4it.kernel.tx import BlockEnv
from sc4it.kernel.types import (
    Created,
    Deleted,
    GracePeriod,
    NameContract,
    NodeContract,
    PublicIP,
    RentContract,
    ServiceContractState,
)

__all__ = ["STATE_RULES", "STEP_RULES", "Estimate", "Violation", "check", "check_step", "expected_bill"]

STATE_RULES: tuple[str, ...] = tuple(f"INV-{i:02d}" for i in range(1, 16))
"""The rule ids `check` verifies."""
STEP_RULES: tuple[str, ...] = tuple(f"INV-{i:02d}" for i in range(20, 26))
"""The rule ids `check_step` verifies."""


# ==================================================================================================
# State invariants


def check(state: State) -> list[Violation]:
    """Every violated state invariant of `state` (empty when all hold); spec/invariants.md INV-01..15."""
    out: list[Violation] = []
    _funds(state, out)
    _reserves(state, out)
    _ips(state, out)
    _indexes(state, out)
    _contracts(state, out)
    _names_and_rent(state, out)
    _bounds(state, out)
    _references(state, out)
    _registry(state, out)
    _grace_follows_rent(state, out)
    _service_contracts(state, out)
    _opt_out(state, out)
    _transfers(state, out)
    return out


def _funds(s: State, out: list[Violation]) -> None:
    """INV-01: Σ(free + reserved) == total_issuance and total_issuance + burned == minted."""
    total = sum(a.free + a.reserved for a in s.accounts.values())
    if total != s.total_issuance:
        out.append(Violation("INV-01", f"balances sum to {total}, total issuance is {s.total_issuance}"))
    if s.total_issuance + s.burned != s.minted:
        out.append(
            Violation("INV-01", f"issuance {s.total_issuance} + burned {s.burned} != minted {s.minted}")
        )


def _reserves(s: State, out: list[Violation]) -> None:
    """INV-02: every account's reserved balance == Σ reserves of its twins' contracts.
    INV-03: a contract carries an overdraft only while it is in grace."""
    expected: Counter[bytes] = Counter()
    for cid, ps in s.contract_payment_state.items():
        contract = s.contracts.get(cid)
        if contract is None:
            continue  # INV-05
        twin = s.twins.get(contract.twin_id)
        if twin is None:
            continue  # INV-10
        expected[twin.account_id] += ps.standard_reserve + ps.additional_reserve
        if ps.has_overdraft() and not isinstance(contract.state, GracePeriod):
            out.append(
                Violation(
                    "INV-03",
                    f"overdraft {ps.get_overdraft()} on a contract that is not in grace ({contract.state})",
                    (_c(cid),),
                )
            )
    for account, info in s.accounts.items():
        want = expected.get(account, 0)
        if info.reserved != want:
            out.append(
                Violation(
                    "INV-02", f"reserved {info.reserved} != Σ contract reserves {want}", (_acc(account),)
                )
            )
    for account, amount in expected.items():
        if amount and account not in s.accounts:
            out.append(
                Violation("INV-02", f"contracts reserve {amount} on a missing account", (_acc(account),))
            )


def _ip_text(ip: PublicIP) -> str:
    return f"ip {ip.ip.decode(errors='replace')}"


def _ip_address(ip: bytes) -> bytes:
    """The address part of a CIDR (`1.2.3.4/24` -> `1.2.3.4`): farm IPs are unique by address (DEV-REG-2)."""
    return ip.split(b"/", 1)[0]


def _ips(s: State, out: list[Violation]) -> None:
    """INV-04: a farm lists each address once; each held farm IP is held by a live node contract on a node
    of that farm; and every node contract's `public_ips_list` is exactly the farm records that point to it
    (same ip, gateway and contract id), `public_ips` long."""
    held: dict[int, list[PublicIP]] = {}
    for fid, farm in s.farms.items():
        seen: set[bytes] = set()
        for ip in farm.public_ips:
            address = _ip_address(ip.ip)
            if address in seen:
                out.append(
                    Violation("INV-04", "a farm lists one address twice", (f"farm {fid}", _ip_text(ip)))
                )
            seen.add(address)
            if ip.contract_id == 0:
                continue
            where = (f"farm {fid}", _ip_text(ip), _c(ip.contract_id))
            c = s.contracts.get(ip.contract_id)
            if c is None or not isinstance(c.contract_type, NodeContract):
                out.append(Violation("INV-04", "IP held by a missing or non-node contract", where))
                continue
            node = s.nodes.get(c.contract_type.node_id)
            if node is not None and node.farm_id != fid:
                out.append(Violation("INV-04", "IP held by a contract whose node is on another farm", where))
            held.setdefault(ip.contract_id, []).append(ip)
    for cid, c in s.contracts.items():
        ct = c.contract_type
        if not isinstance(ct, NodeContract):
            continue
        listed = ct.public_ips_list
        if len(set(listed)) != len(listed):
            out.append(Violation("INV-04", "a contract lists one IP twice", (_c(cid),)))
        if any(ip.contract_id != cid for ip in listed):
            out.append(Violation("INV-04", "a listed IP names another contract", (_c(cid),)))
        if set(listed) != set(held.get(cid, ())):
            out.append(Violation("INV-04", "IP list differs from the farm's records", (_c(cid),)))
        if len(listed) != ct.public_ips:
            out.append(
                Violation("INV-04", f"holds {len(listed)} IPs but pays for {ct.public_ips}", (_c(cid),))
            )


def _indexes(s: State, out: list[Violation]) -> None:
    """INV-05: every index is exact: the billing loop, the active sets, the node+hash index, and the
    records kept per contract; no empty set is stored."""
    _billing_slots(s, out)
    active_expected, hashes_expected = _node_contract_indexes(s, out)
    _active_sets(s, active_expected, out)
    _hash_index(s, hashes_expected, out)
    _records_of_contracts(s, out)


def _billing_slots(s: State, out: list[Violation]) -> None:
    """INV-05: the billing loop holds each live contract exactly once, in slot `id % billing_frequency`,
    and nothing else."""
    freq = s.billing_frequency
    slots: Counter[int] = Counter()
    for idx, ids in s.contracts_to_bill_at.items():
        if not len(ids):
            out.append(Violation("INV-05", "an empty billing slot is stored", (f"slot {idx}",)))
        for cid in ids:
            slots[cid] += 1
            where = (f"slot {idx}", _c(cid))
            if cid not in s.contracts:
                out.append(Violation("INV-05", "billing slot lists a missing contract", where))
            elif freq and idx != cid % freq:
                out.append(Violation("INV-05", f"in slot {idx}, expected {cid % freq} (id % {freq})", where))
    for cid in s.contracts:
        if slots.get(cid, 0) != 1:
            out.append(Violation("INV-05", f"in {slots.get(cid, 0)} billing slots", (_c(cid),)))


def _node_contract_indexes(
    s: State, out: list[Violation]
) -> tuple[dict[int, set[int]], dict[tuple[int, bytes], int]]:
    """INV-05: what `ActiveNodeContracts` and the node+hash index must hold, from the contracts; every
    contract has a payment state, every node contract billing information."""
    active_expected: dict[int, set[int]] = {}
    hashes_expected: dict[tuple[int, bytes], int] = {}
    for cid, c in s.contracts.items():
        ct = c.contract_type
        if isinstance(ct, NodeContract):
            if isinstance(c.state, Created | GracePeriod):
                active_expected.setdefault(ct.node_id, set()).add(cid)
            key = (ct.node_id, ct.deployment_hash)
            if key in hashes_expected:
                out.append(
                    Violation(
                        "INV-05",
                        "two live node contracts share a (node, hash)",
                        (_c(hashes_expected[key]), _c(cid)),
                    )
                )
            hashes_expected[key] = cid
            if cid not in s.contract_billing_information_by_id:
                out.append(Violation("INV-05", "node contract without billing information", (_c(cid),)))
        if cid not in s.contract_payment_state:
            out.append(Violation("INV-05", "contract without a payment state", (_c(cid),)))
    return active_expected, hashes_expected


def _active_sets(s: State, active_expected: dict[int, set[int]], out: list[Violation]) -> None:
    """INV-05: `ActiveNodeContracts[n]` is the set of node contracts on `n` in Created or GracePeriod."""
    for node_id, ids in s.active_node_contracts.items():
        if not len(ids):
            out.append(
                Violation("INV-05", "an empty ActiveNodeContracts set is stored", (f"node {node_id}",))
            )
    nodes = {n for n, ids in s.active_node_contracts.items() if len(ids)} | set(active_expected)
    for node_id in sorted(nodes):
        got = set(s.active_node_contracts.get(node_id) or ())
        want = active_expected.get(node_id, set())
        for cid in sorted(got - want):
            out.append(
                Violation(
                    "INV-05",
                    "ActiveNodeContracts lists a missing, foreign or inactive contract",
                    (f"node {node_id}", _c(cid)),
                )
            )
        for cid in sorted(want - got):
            out.append(
                Violation(
                    "INV-05",
                    "active node contract missing from ActiveNodeContracts",
                    (f"node {node_id}", _c(cid)),
                )
            )


def _hash_index(s: State, hashes_expected: dict[tuple[int, bytes], int], out: list[Violation]) -> None:
    """INV-05: the node+hash index maps exactly the live node contracts' (node, hash)."""
    for key, cid in s.contract_id_by_node_id_and_hash.items():
        if hashes_expected.get(key) != cid:
            out.append(
                Violation(
                    "INV-05",
                    "node+hash index points at a wrong or missing contract",
                    (f"node {key[0]}", f"hash {key[1].hex()[:16]}", _c(cid)),
                )
            )
    for key, cid in hashes_expected.items():
        if s.contract_id_by_node_id_and_hash.get(key) != cid:
            out.append(Violation("INV-05", "live node contract missing from the node+hash index", (_c(cid),)))


def _records_of_contracts(s: State, out: list[Violation]) -> None:
    """INV-05: no record (payment state, billing information, reported resources, deployment flag)
    outlives its contract or sits on a contract of the wrong kind."""
    for name, m in (
        ("payment state", s.contract_payment_state),
        ("reported resources", s.node_contract_resources),
        ("deployment flag", s.deployed_contracts),
    ):
        for cid in m:
            if cid not in s.contracts:
                out.append(Violation("INV-05", f"{name} of a missing contract", (_c(cid),)))
    for cid in s.contract_billing_information_by_id:
        owner = s.contracts.get(cid)
        if owner is None or not isinstance(owner.contract_type, NodeContract):
            out.append(
                Violation("INV-05", "billing information of a missing or non-node contract", (_c(cid),))
            )
    for cid, res in s.node_contract_resources.items():
        if res.contract_id != cid:
            out.append(
                Violation(
                    "INV-05", f"reported resources stored under {cid} name {res.contract_id}", (_c(cid),)
                )
            )
    for cid in s.deployed_contracts:
        owner = s.contracts.get(cid)
        if owner is not None and not isinstance(owner.contract_type, NodeContract):
            out.append(Violation("INV-05", "deployment flag on a non-node contract", (_c(cid),)))


def _contracts(s: State, out: list[Violation]) -> None:
    """INV-06: contracts are stored under their own id, ids are in 1..ContractID (so unique and below
    the counter), and no Deleted contract is ever stored (removal is part of the step that deletes)."""
    for cid, c in s.contracts.items():
        where = (_c(cid),)
        if c.contract_id != cid:
            out.append(Violation("INV-06", f"stored under {cid} but has id {c.contract_id}", where))
        if not 1 <= cid <= s.contract_id:
            out.append(Violation("INV-06", f"id outside 1..{s.contract_id} (the counter)", where))
        if isinstance(c.state, Deleted):
            out.append(Violation("INV-06", "a Deleted contract is still stored", where))


def _names_and_rent(s: State, out: list[Violation]) -> None:
    """INV-07: a name belongs to at most one name contract, and the name registry maps exactly the live
    name contracts' names to them. INV-08: at most one rent contract per node, and the rent index maps
    exactly the live rent contracts' nodes to them."""
    names: dict[bytes, int] = {}
    rents: dict[int, int] = {}
    for cid, c in s.contracts.items():
        ct = c.contract_type
        if isinstance(ct, NameContract):
            if ct.name in names:
                out.append(
                    Violation(
                        "INV-07",
                        "two contracts hold one name",
                        (f"name {ct.name.decode(errors='replace')}", _c(names[ct.name]), _c(cid)),
                    )
                )
            names[ct.name] = cid
        elif isinstance(ct, RentContract):
            if ct.node_id in rents:
                out.append(
                    Violation(
                        "INV-08",
                        "two rent contracts on one node",
                        (f"node {ct.node_id}", _c(rents[ct.node_id]), _c(cid)),
                    )
                )
            rents[ct.node_id] = cid
    for name, cid in s.contract_id_by_name_registration.items():
        if names.get(name) != cid:
            out.append(
                Violation(
                    "INV-07",
                    "name registry points at a wrong or missing contract",
                    (f"name {name.decode(errors='replace')}", _c(cid)),
                )
            )
    for name, cid in names.items():
        if s.contract_id_by_name_registration.get(name) != cid:
            out.append(Violation("INV-07", "name contract missing from the name registry", (_c(cid),)))
    for node_id, cid in s.active_rent_contract_for_node.items():
        if rents.get(node_id) != cid:
            out.append(
                Violation(
                    "INV-08", "rent index points at a wrong or missing contract", (f"node {node_id}", _c(cid))
                )
            )
    for node_id, cid in rents.items():
        if s.active_rent_contract_for_node.get(node_id) != cid:
            out.append(
                Violation("INV-08", "rent contract missing from the rent index", (f"node {node_id}", _c(cid)))
            )


def _bounds(s: State, out: list[Violation]) -> None:
    """INV-09: every integer within its chain width and every length within its bound: the state's
    canonical encoding decodes back (the codec checks each field against its annotation)."""
    try:
        decode(encode(s, State), State, max_bytes=None)
    except DecodeError as e:
        out.append(Violation("INV-09", str(e)))
    except (ValueError, OverflowError, TypeError, KeyError) as e:
        out.append(Violation("INV-09", f"not encodable: {e}"))


def _references(s: State, out: list[Violation]) -> None:
    """INV-10: every live contract's twin exists; a node or rent contract's node exists (and its farm);
    a contract's solution provider, if set, exists."""
    for cid, c in s.contracts.items():
        if c.twin_id not in s.twins:
            out.append(Violation("INV-10", "contract of a missing twin", (_c(cid), f"twin {c.twin_id}")))
        ct = c.contract_type
        if not isinstance(ct, NameContract):
            node = s.nodes.get(ct.node_id)
            if node is None:
                out.append(Violation("INV-10", "contract on a missing node", (_c(cid), f"node {ct.node_id}")))
            elif node.farm_id not in s.farms:
                out.append(
                    Violation(
                        "INV-10", "contract on a node of a missing farm", (_c(cid), f"farm {node.farm_id}")
                    )
                )
        sp = c.solution_provider_id
        if sp is not None and sp not in s.solution_providers:
            out.append(
                Violation("INV-10", "contract names a missing solution provider", (_c(cid), f"provider {sp}"))
            )


def _check_ids(out: list[Violation], what: str, items: Iterable[tuple[int, int]], counter: int) -> None:
    for key, rid in items:
        if rid != key:
            out.append(Violation("INV-11", f"{what} stored under {key} has id {rid}", (f"{what} {key}",)))
        if not 1 <= key <= counter:
            out.append(
                Violation("INV-11", f"{what} id outside 1..{counter} (the counter)", (f"{what} {key}",))
            )


def _registry(s: State, out: list[Violation]) -> None:
    """INV-11: registry records are stored under their own ids, in 1..counter; the twin-by-account,
    node-by-twin, nodes-by-farm, farm-by-name and policy-by-name indexes are exact; farms, nodes and
    node power entries reference existing twins, farms and nodes."""
    _check_ids(out, "twin", ((k, t.id) for k, t in s.twins.items()), s.twin_id)
    _check_ids(out, "farm", ((k, f.id) for k, f in s.farms.items()), s.farm_id)
    _check_ids(out, "node", ((k, n.id) for k, n in s.nodes.items()), s.node_id)
    _check_ids(out, "pricing policy", ((k, p.id) for k, p in s.pricing_policies.items()), s.pricing_policy_id)
    _check_ids(
        out,
        "solution provider",
        ((k, p.solution_provider_id) for k, p in s.solution_providers.items()),
        s.solution_provider_id,
    )
    by_account = {t.account_id: k for k, t in s.twins.items()}
    if len(by_account) != len(s.twins):
        out.append(Violation("INV-11", "two twins share an account"))
    if dict(s.twin_id_by_account_id.items()) != by_account:
        out.append(Violation("INV-11", "twin-by-account index differs from the twins"))
    by_twin: dict[int, int] = {}
    by_farm: dict[int, set[int]] = {}
    for nid, node in s.nodes.items():
        if node.twin_id in by_twin:
            out.append(Violation("INV-11", "two nodes share a twin", (f"twin {node.twin_id}",)))
        by_twin[node.twin_id] = nid
        by_farm.setdefault(node.farm_id, set()).add(nid)
        if node.farm_id not in s.farms:
            out.append(Violation("INV-11", "node on a missing farm", (f"node {nid}", f"farm {node.farm_id}")))
        if node.twin_id not in s.twins:
            out.append(Violation("INV-11", "node of a missing twin", (f"node {nid}", f"twin {node.twin_id}")))
    if dict(s.node_id_by_twin_id.items()) != by_twin:
        out.append(Violation("INV-11", "node-by-twin index differs from the nodes"))
    stored = {f: set(ids) for f, ids in s.nodes_by_farm_id.items() if len(ids)}
    if stored != by_farm:
        out.append(Violation("INV-11", "nodes-by-farm index differs from the nodes"))
    names = {f.name: k for k, f in s.farms.items()}
    if dict(s.farm_id_by_name.items()) != names:
        out.append(Violation("INV-11", "farm-by-name index differs from the farms"))
    for fid, farm in s.farms.items():
        if farm.twin_id not in s.twins:
            out.append(Violation("INV-11", "farm of a missing twin", (f"farm {fid}", f"twin {farm.twin_id}")))
    policies = {p.name: k for k, p in s.pricing_policies.items()}
    if dict(s.pricing_policy_id_by_name.items()) != policies:
        out.append(Violation("INV-11", "pricing-policy-by-name index differs from the policies"))
    for nid in s.node_power:
        if nid not in s.nodes:
            out.append(Violation("INV-11", "power entry of a missing node", (f"node {nid}",)))
    for nid in s.dedicated_nodes_extra_fee:
        if nid not in s.nodes:
            out.append(Violation("INV-11", "extra fee of a missing node", (f"node {nid}",)))


def _opt_out(s: State, out: list[Violation]) -> None:
    """INV-14: opt-out and metadata entries belong to existing nodes, metadata only to opted-out nodes
    and of 1..256 bytes; the twin-admin list is within its bound."""
    for nid in s.node_v3_billing_opt_out:
        if nid not in s.nodes:
            out.append(Violation("INV-14", "opt-out entry of a missing node", (f"node {nid}",)))
    for nid, note in s.node_v3_opt_out_metadata.items():
        if nid not in s.node_v3_billing_opt_out:
            out.append(Violation("INV-14", "metadata of a node that has not opted out", (f"node {nid}",)))
        if not 1 <= len(note) <= 256:
            out.append(Violation("INV-14", f"metadata of {len(note)} bytes", (f"node {nid}",)))
    if len(s.allowed_twin_admins) > MAX_TWIN_ADMINS:
        out.append(Violation("INV-14", f"{len(s.allowed_twin_admins)} twin admins"))


def _transfers(s: State, out: list[Violation]) -> None:
    """INV-15: the pending index maps exactly the requests' twins to them; each request has an id within
    the counter, and its twin exists and is owned by its `from`."""
    by_twin: dict[int, int] = {}
    for rid, req in s.twin_transfer_requests.items():
        where = (f"request {rid}", f"twin {req.twin_id}")
        if not 1 <= rid <= s.twin_transfer_request_id:
            out.append(Violation("INV-15", "request id outside 1..counter", where))
        if req.twin_id in by_twin:
            out.append(Violation("INV-15", "two pending requests for one twin", where))
        by_twin[req.twin_id] = rid
        twin = s.twins.get(req.twin_id)
        if twin is None or twin.account_id != req.from_:
            out.append(Violation("INV-15", "request of a missing twin or of a former owner", where))
    if dict(s.pending_transfer_by_twin.items()) != by_twin:
        out.append(Violation("INV-15", "pending-transfer index differs from the requests"))


def _grace_follows_rent(s: State, out: list[Violation]) -> None:
    """INV-12: while a rent contract is in grace, every active node contract on its node is in grace too
    (GRC-06/GRC-08: they enter grace with it and cannot leave before it, and no node contract can be
    created on a node whose rent contract is not Created)."""
    for node_id, rent_id in s.active_rent_contract_for_node.items():
        rent = s.contracts.get(rent_id)
        if rent is None or not isinstance(rent.state, GracePeriod):
            continue
        for cid in s.active_node_contracts.get(node_id) or ():
            c = s.contracts.get(cid)
            if c is not None and not isinstance(c.state, GracePeriod):
                out.append(
                    Violation(
                        "INV-12",
                        "node contract not in grace while its rent contract is",
                        (_c(cid), _c(rent_id), f"node {node_id}"),
                    )
                )


def _service_contracts(s: State, out: list[Violation]) -> None:
    """INV-13: service contracts are stored under their own ids in 1..ServiceContractID, between two
    distinct existing twins; ApprovedByBoth exactly when both parties accepted."""
    for sid, sc in s.service_contracts.items():
        where = (f"service contract {sid}",)
        if sc.service_contract_id != sid or not 1 <= sid <= s.service_contract_id:
            out.append(Violation("INV-13", "stored under the wrong id or outside 1..counter", where))
        if sc.service_twin_id == sc.consumer_twin_id:
            out.append(Violation("INV-13", "service and consumer are one twin", where))
        if sc.service_twin_id not in s.twins or sc.consumer_twin_id not in s.twins:
            out.append(Violation("INV-13", "a party twin is missing", where))
        both = sc.accepted_by_service and sc.accepted_by_consumer
        if both != (sc.state == ServiceContractState.ApprovedByBoth):
            out.append(Violation("INV-13", f"state {sc.state.name} but accepted by both: {both}", where))


# ==================================================================================================
# Step properties


def check_step(
    before: State,
    after: State,
    events: Sequence[Event],
    env: BlockEnv,
    *,
    error: Error | None = None,
) -> list[Violation]:
    """Every violated step property of the transition `before` -> `after` (the result of one `apply` or
    `on_block` at `env`, with its `events` and `error`); spec/invariants.md INV-20..INV-25."""
    out: list[Violation] = []
    if error is not None:
        if after is not before or events:
            out.append(
                Violation("INV-20", f"a call rejected with {error.name} changed the state or emitted events")
            )
        return out
    _mint_flow(before, after, events, out)
    _monotone(before, after, out)
    _grace_start(before, after, out)
    check_bills(before, events, env, out)  # INV-24, INV-25
    return out


def _mint_flow(before: State, after: State, events: Sequence[Event], out: list[Violation]) -> None:
    """INV-21: `minted` grows by exactly the `Minted` amounts of the step; `burned` by at least the
    `Burned` amounts (dust below the existential deposit is burned without an event, LED-04)."""
    minted = sum(e.amount for e in events if isinstance(e, Minted))
    burned = sum(e.amount for e in events if isinstance(e, Burned))
    if after.minted - before.minted != minted:
        out.append(
            Violation("INV-21", f"minted moved by {after.minted - before.minted}, Minted events say {minted}")
        )
    if after.burned - before.burned < burned:
        out.append(
            Violation("INV-21", f"burned moved by {after.burned - before.burned}, Burned events say {burned}")
        )


_COUNTERS = (
    "contract_id",
    "twin_id",
    "farm_id",
    "node_id",
    "pricing_policy_id",
    "solution_provider_id",
    "service_contract_id",
    "billing_frequency",
)


def _monotone(before: State, after: State, out: list[Violation]) -> None:
    """INV-22: id counters and the billing frequency never decrease; accounts are never removed and
    their nonces never decrease (LED-02, SIG-08)."""
    for name in _COUNTERS:
        b, a = getattr(before, name), getattr(after, name)
        if a < b:
            out.append(Violation("INV-22", f"{name} went back from {b} to {a}"))
    for account, info in before.accounts.items():
        now = after.accounts.get(account)
        if now is None:
            out.append(Violation("INV-22", "an account was removed", (_acc(account),)))
        elif now.nonce < info.nonce:
            out.append(
                Violation("INV-22", f"nonce went back from {info.nonce} to {now.nonce}", (_acc(account),))
            )


def _grace_start(before: State, after: State, out: list[Violation]) -> None:
    """INV-23: a contract that stays in grace keeps its grace start block."""
    for cid, c in after.contracts.items():
        old = before.contracts.get(cid)
        if (
            old is not None
            and isinstance(old.state, GracePeriod)
            and isinstance(c.state, GracePeriod)
            and old.state.start_block != c.state.start_block
        ):
            out.append(
                Violation(
                    "INV-23",
                    f"grace start moved from {old.state.start_block} to {c.state.start_block}",
                    (_c(cid),),
                )
            )
