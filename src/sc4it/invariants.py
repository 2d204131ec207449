"""Executable invariants (spec/invariants.md, rules INV-xx).

`check(state)` collects every broken invariant instead of stopping at the first (as Filecoin's
`check_state_invariants` does), so tests, fuzzers and auditors all call the same function. It reads the
whole state: use it in tests and audits, never on a host's hot path.
"""

from __future__ import annotations

from collections import Counter

import attrs

from .codec import encode
from .errors import DecodeError
from .state import State
from .types import Created, Deleted, GracePeriod, NameContract, NodeContract, RentContract


@attrs.frozen(slots=True)
class Violation:
    rule: str
    message: str
    objects: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f" [{', '.join(self.objects)}]" if self.objects else ""
        return f"{self.rule}: {self.message}{where}"


def check(state: State) -> list[Violation]:
    """Every violated invariant of `state` (empty when all hold)."""
    out: list[Violation] = []
    _funds(state, out)
    _reserves(state, out)
    _contracts(state, out)
    _ips(state, out)
    _indexes(state, out)
    _bounds(state, out)
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
    """INV-02: every account's reserved balance == Σ reserves of its twin's contracts.
    INV-03: only contracts in grace carry an overdraft."""
    expected: Counter[bytes] = Counter()
    for cid, ps in s.contract_payment_state.items():
        contract = s.contracts.get(cid)
        if contract is None:
            continue  # reported by INV-05
        twin = s.twins.get(contract.twin_id)
        if twin is None:
            out.append(Violation("INV-05", "contract of a missing twin", (f"contract {cid}",)))
            continue
        expected[twin.account_id] += ps.standard_reserve + ps.additional_reserve
        if ps.has_overdraft() and not isinstance(contract.state, GracePeriod):
            out.append(
                Violation("INV-03", f"overdraft {ps.get_overdraft()} outside grace", (f"contract {cid}",))
            )
    for account, info in s.accounts.items():
        if info.reserved != expected.get(account, 0):
            out.append(
                Violation(
                    "INV-02",
                    f"reserved {info.reserved} != contract reserves {expected.get(account, 0)}",
                    (f"account {account.hex()}",),
                )
            )
    for account, amount in expected.items():
        if amount and account not in s.accounts:
            out.append(Violation("INV-02", f"contracts reserve {amount} on a missing account"))


def _contracts(s: State, out: list[Violation]) -> None:
    """INV-06: ids are the map keys, unique and ≤ the counter; no Deleted contract persists;
    every contract has a payment state and vice versa."""
    for cid, c in s.contracts.items():
        where = (f"contract {cid}",)
        if c.contract_id != cid:
            out.append(Violation("INV-06", f"stored under {cid} but has id {c.contract_id}", where))
        if not 1 <= cid <= s.contract_id:
            out.append(Violation("INV-06", f"id outside 1..{s.contract_id}", where))
        if isinstance(c.state, Deleted):
            out.append(Violation("INV-06", "a Deleted contract is still stored", where))
        if cid not in s.contract_payment_state:
            out.append(Violation("INV-05", "contract without a payment state", where))
    for cid in s.contract_payment_state:
        if cid not in s.contracts:
            out.append(Violation("INV-05", "payment state of a missing contract", (f"contract {cid}",)))


def _ips(s: State, out: list[Violation]) -> None:
    """INV-04: each farm IP is held by at most one live node contract, and every node contract's IP
    list is exactly the farm IPs that point to it."""
    held: dict[int, set[bytes]] = {}
    for fid, farm in s.farms.items():
        for ip in farm.public_ips:
            if ip.contract_id == 0:
                continue
            c = s.contracts.get(ip.contract_id)
            where = (f"farm {fid}", f"ip {ip.ip.decode(errors='replace')}", f"contract {ip.contract_id}")
            if c is None or not isinstance(c.contract_type, NodeContract):
                out.append(Violation("INV-04", "IP held by a missing or non-node contract", where))
                continue
            node = s.nodes.get(c.contract_type.node_id)
            if node is None or node.farm_id != fid:
                out.append(Violation("INV-04", "IP held by a contract on another farm", where))
            held.setdefault(ip.contract_id, set()).add(ip.ip)
    for cid, c in s.contracts.items():
        ct = c.contract_type
        if not isinstance(ct, NodeContract):
            continue
        listed = {ip.ip for ip in ct.public_ips_list}
        if len(listed) != len(ct.public_ips_list) or listed != held.get(cid, set()):
            out.append(Violation("INV-04", "IP list differs from the farm's records", (f"contract {cid}",)))
        if len(ct.public_ips_list) != ct.public_ips:
            out.append(
                Violation(
                    "INV-04",
                    f"holds {len(ct.public_ips_list)} IPs but asked for {ct.public_ips}",
                    (f"contract {cid}",),
                )
            )


def _indexes(s: State, out: list[Violation]) -> None:
    """INV-05: no index points at a missing contract or the wrong one; every live contract is in
    exactly one billing-loop slot; active node contracts, name registry, node+hash index and rent
    index are exact."""
    slots: Counter[int] = Counter()
    for idx, ids in s.contracts_to_bill_at.items():
        for cid in ids:
            slots[cid] += 1
            if cid not in s.contracts:
                out.append(
                    Violation(
                        "INV-05", "billing slot lists a missing contract", (f"slot {idx}", f"contract {cid}")
                    )
                )
    for cid in s.contracts:
        if slots.get(cid, 0) != 1:
            out.append(Violation("INV-05", f"in {slots.get(cid, 0)} billing slots", (f"contract {cid}",)))

    active_expected: dict[int, set[int]] = {}
    names_expected: dict[bytes, int] = {}
    hashes_expected: dict[tuple[int, bytes], int] = {}
    rent_expected: dict[int, int] = {}
    for cid, c in s.contracts.items():
        ct = c.contract_type
        if isinstance(ct, NodeContract):
            if isinstance(c.state, Created | GracePeriod):
                active_expected.setdefault(ct.node_id, set()).add(cid)
            hashes_expected[(ct.node_id, ct.deployment_hash)] = cid
            if cid not in s.contract_billing_information_by_id:
                out.append(
                    Violation("INV-05", "node contract without billing information", (f"contract {cid}",))
                )
        elif isinstance(ct, NameContract):
            if ct.name in names_expected:
                out.append(
                    Violation("INV-07", "two contracts hold one name", (ct.name.decode(errors="replace"),))
                )
            names_expected[ct.name] = cid
        elif isinstance(ct, RentContract):
            if ct.node_id in rent_expected:
                out.append(Violation("INV-08", "two rent contracts on one node", (f"node {ct.node_id}",)))
            rent_expected[ct.node_id] = cid

    active = {n: set(ids) for n, ids in s.active_node_contracts.items() if len(ids)}
    if active != active_expected:
        out.append(Violation("INV-05", "ActiveNodeContracts differs from the live node contracts"))
    names = dict(s.contract_id_by_name_registration.items())
    if names != names_expected:
        out.append(Violation("INV-05", "name registry differs from the live name contracts"))
    hashes = dict(s.contract_id_by_node_id_and_hash.items())
    for key, cid in hashes.items():
        if hashes_expected.get(key) != cid:
            out.append(
                Violation(
                    "INV-05", "node+hash index points at a wrong or missing contract", (f"contract {cid}",)
                )
            )
    rent = dict(s.active_rent_contract_for_node.items())
    if rent != rent_expected:
        out.append(Violation("INV-05", "rent index differs from the live rent contracts"))
    for name, m in (
        ("billing information", s.contract_billing_information_by_id),
        ("resources", s.node_contract_resources),
        ("deployment flag", s.deployed_contracts),
    ):
        for cid in m:
            if cid not in s.contracts:
                out.append(Violation("INV-05", f"{name} of a missing contract", (f"contract {cid}",)))
    for node_id in active_expected:
        if node_id not in s.nodes:
            out.append(Violation("INV-05", "live contracts on a missing node", (f"node {node_id}",)))


def _bounds(s: State, out: list[Violation]) -> None:
    """INV-09: every integer within its chain width and every length within its bound (the state
    must re-decode: the codec checks each field)."""
    from .codec import decode

    try:
        decode(encode(s, State), State, max_bytes=None)
    except DecodeError as e:
        out.append(Violation("INV-09", str(e)))
    except (ValueError, OverflowError, TypeError) as e:
        out.append(Violation("INV-09", f"not encodable: {e}"))
