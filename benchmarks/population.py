"""A production-shaped population of live contracts, built directly (not by signed calls) in seconds.

`population(n)` returns a `Population`: the default genesis world (`sc4it.genesis.default()`: roles,
pricing policy 1, TFT price, distribution policy) grown to `n` live node contracts plus name contracts,
with every index and balance consistent (`sc4it.conformance.invariants.check` passes;
`tests/test_commitment.py`
checks it at a small size). The kind of each contract id is drawn from a multiplicative hash of the id
(`_mix`), so that every billing shard has the population's composition:

- 5 % name contracts (always billed, BIL-04); the rest node contracts, of which:
  - 20 % idle: no reported resources, no IPs, no NU (skipped by `should_bill`);
  - 4 % with one public IP and reported resources;
  - 76 % with reported resources only (one of four VM sizes); 10 % of all node contracts (among
    these) also have NU reported since the last bill;
- every contract was last billed exactly one billing cycle (3600 s) before `BLOCK`, holds a standard
  reserve, and is at cycle `(id + id // 600) % 24` of the distribution period (so, at scale, ~1/24 of
  the bills of every block distribute their reserve);
- owners: one funded user twin per 20 contracts; nodes: one per 500 node contracts (at least 4), ten
  per farm; each farm owns exactly the public IPs its node contracts hold. Deployment data is empty
  (the shared `b""`), so memory figures exclude any deployment payload.

Worlds are cached per size for the session.
"""

from __future__ import annotations

import hashlib
from typing import Any

import attrs

from sc4it.genesis import default
from sc4it.kernel.pmap import PSet
from sc4it.kernel.state import STATE_FIELDS, State
from sc4it.kernel.tx import BlockEnv
from sc4it.kernel.types import (
    CONTRACT_VERSION,
    AccountInfo,
    Contract,
    ContractBillingInformation,
    ContractPaymentState,
    ContractResources,
    Created,
    Farm,
    FarmCertification,
    NameContract,
    Node,
    NodeCertification,
    NodeContract,
    PublicIP,
    Resources,
    Twin,
)

GIB = 1 << 30
TFT = 10_000_000
T0_MS = 1_700_000_000_000
BLOCK = 1_200_007
"""The block the benchmarks run at; its billing shard is `BLOCK % 600 == 7`."""
ENV = BlockEnv(BLOCK, T0_MS + 6000 * BLOCK)
NOW = ENV.timestamp // 1000
LAST_BILLED = NOW - 3600
CONTRACTS_PER_USER = 20
CONTRACTS_PER_NODE = 500
NODES_PER_FARM = 10
USER_FUNDS = 10**6 * TFT
RESERVE = 2 * TFT

_USAGES = (
    Resources(hru=0, sru=25 * GIB, cru=1, mru=2 * GIB),
    Resources(hru=100 * GIB, sru=50 * GIB, cru=2, mru=4 * GIB),
    Resources(hru=0, sru=100 * GIB, cru=4, mru=8 * GIB),
    Resources(hru=1024 * GIB, sru=200 * GIB, cru=8, mru=16 * GIB),
)
_NODE_CAPACITY = Resources(hru=16 * 1024 * GIB, sru=4 * 1024 * GIB, cru=64, mru=512 * GIB)


@attrs.frozen
class Population:
    state: State
    env: BlockEnv
    node_contracts: int
    name_contracts: int
    users: int
    nodes: int
    farms: int
    with_resources: int
    with_ips: int
    with_nu: int
    idle: int

    @property
    def contracts(self) -> int:
        return self.node_contracts + self.name_contracts

    def billed_contract(self) -> int:
        """A typical contract to bill: a node contract with reported resources, no IP, no NU, in BLOCK's
        shard, whose bill does not distribute (cycle < 23)."""
        for cid in self.state.contracts_to_bill_at[BLOCK % self.state.billing_frequency].sorted():
            ct = self.state.contracts[cid].contract_type
            if (
                isinstance(ct, NodeContract)
                and ct.public_ips == 0
                and cid in self.state.node_contract_resources
                and self.state.contract_billing_information_by_id[cid].amount_unbilled == 0
                and self.state.contract_payment_state[cid].cycles < 23
            ):
                return cid
        raise LookupError("no typical contract in the shard")  # pragma: no cover


def _account(kind: bytes, i: int) -> bytes:
    return hashlib.blake2b(kind + i.to_bytes(8, "big"), digest_size=32).digest()


def _mix(cid: int) -> int:
    """A multiplicative (Fibonacci) hash of a contract id, 32 bits: spreads the kinds over the shards."""
    return (cid * 0x9E3779B1) & 0xFFFFFFFF


def _ip(i: int) -> bytes:
    return f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/8".encode()


def build_population(n: int) -> Population:
    """The world with `n` live node contracts (see the module docstring); uncached."""
    base = default()
    freq = base.billing_frequency
    n_nodes = max(4, -(-n // CONTRACTS_PER_NODE))
    n_farms = -(-n_nodes // NODES_PER_FARM)
    n_names = n // (CONTRACTS_PER_USER - 1)
    total = n + n_names
    n_users = -(-total // CONTRACTS_PER_USER)

    twin_id = base.twin_id
    twins: list[tuple[int, Twin]] = []
    accounts: list[tuple[bytes, AccountInfo]] = []
    by_account: list[tuple[bytes, int]] = []

    def new_twin(account: bytes, info: AccountInfo) -> int:
        nonlocal twin_id
        twin_id += 1
        twins.append((twin_id, Twin(twin_id, account)))
        by_account.append((account, twin_id))
        accounts.append((account, info))
        return twin_id

    funded = AccountInfo(0, 100 * TFT, 0, 0)
    farm_twins = [new_twin(_account(b"farmer", f), funded) for f in range(n_farms)]
    node_twins = [new_twin(_account(b"node", i), funded) for i in range(n_nodes)]
    user_accounts = [_account(b"user", u) for u in range(n_users)]
    user_twin0 = twin_id + 1
    user_reserved = [0] * n_users

    farm0 = base.farm_id + 1
    node0 = base.node_id + 1
    nodes = [
        (
            node0 + i,
            Node(
                node0 + i,
                farm0 + i // NODES_PER_FARM,
                node_twins[i],
                _NODE_CAPACITY,
                NodeCertification.Diy,
                0,
            ),
        )
        for i in range(n_nodes)
    ]
    farm_ips: list[list[PublicIP]] = [[] for _ in range(n_farms)]

    contracts: list[tuple[int, Contract]] = []
    payment: list[tuple[int, ContractPaymentState]] = []
    billing_info: list[tuple[int, ContractBillingInformation]] = []
    resources: list[tuple[int, ContractResources]] = []
    by_hash: list[tuple[tuple[int, bytes], int]] = []
    by_name: list[tuple[bytes, int]] = []
    active: list[list[int]] = [[] for _ in range(n_nodes)]
    shards: list[list[int]] = [[] for _ in range(freq)]
    counts = {"resources": 0, "ips": 0, "nu": 0, "idle": 0}
    created = Created()
    no_info = ContractBillingInformation(0, LAST_BILLED, 0)
    nu_info = ContractBillingInformation(0, LAST_BILLED, 1_000)
    cid = base.contract_id
    k = 0
    names = 0
    while k < n or names < n_names:
        cid += 1
        user = (cid - base.contract_id - 1) // CONTRACTS_PER_USER
        twin = user_twin0 + user
        mix = _mix(cid)
        if (mix % 100 < 5 and names < n_names) or k >= n:
            name = b"name-%d" % cid
            ct: Any = NameContract(name)
            by_name.append((name, cid))
            names += 1
        else:
            node_index = k * n_nodes // n
            node_id = node0 + node_index
            dhash = cid.to_bytes(32, "big")
            ips: tuple[PublicIP, ...] = ()
            kind = (mix >> 8) % 100  # < 20 idle, < 24 IP, < 34 NU, else resources only
            if 20 <= kind < 24:
                farm_index = node_index // NODES_PER_FARM
                ip = PublicIP(_ip(cid), b"10.0.0.1", cid)
                farm_ips[farm_index].append(ip)
                ips = (ip,)
                counts["ips"] += 1
            ct = NodeContract(node_id, dhash, b"", len(ips), ips)
            by_hash.append(((node_id, dhash), cid))
            active[node_index].append(cid)
            idle = kind < 20
            if idle:
                counts["idle"] += 1
                billing_info.append((cid, no_info))
            else:
                counts["resources"] += 1
                resources.append((cid, ContractResources(cid, _USAGES[(mix >> 16) % len(_USAGES)])))
                if 24 <= kind < 34:
                    counts["nu"] += 1
                    billing_info.append((cid, nu_info))
                else:
                    billing_info.append((cid, no_info))
            k += 1
        contracts.append((cid, Contract(CONTRACT_VERSION, created, cid, twin, ct, None)))
        payment.append((cid, ContractPaymentState(RESERVE, 0, 0, 0, LAST_BILLED, (cid + cid // freq) % 24)))
        user_reserved[user] += RESERVE
        shards[cid % freq].append(cid)

    for u, account in enumerate(user_accounts):
        new_twin(account, AccountInfo(0, USER_FUNDS, user_reserved[u], 0))
    farms = [
        (
            farm0 + f,
            Farm(
                farm0 + f,
                b"farm-%d" % f,
                farm_twins[f],
                1,
                FarmCertification.NotCertified,
                tuple(farm_ips[f]),
                False,
            ),
        )
        for f in range(n_farms)
    ]
    for f, ips_of_farm in enumerate(farm_ips):
        assert len(ips_of_farm) <= 256, f"farm {f} needs {len(ips_of_farm)} IPs"

    added = sum(info.free + info.reserved for _, info in accounts)
    empty_ids: PSet[int] = PSet()
    changes: dict[str, Any] = {
        "accounts": base.accounts.update_many(accounts),
        "total_issuance": base.total_issuance + added,
        "minted": base.minted + added,
        "twins": base.twins.update_many(twins),
        "twin_id_by_account_id": base.twin_id_by_account_id.update_many(by_account),
        "twin_id": twin_id,
        "farms": base.farms.update_many(farms),
        "farm_id_by_name": base.farm_id_by_name.update_many((farm.name, fid) for fid, farm in farms),
        "farm_id": farm0 + n_farms - 1,
        "nodes": base.nodes.update_many(nodes),
        "node_id_by_twin_id": base.node_id_by_twin_id.update_many((node.twin_id, nid) for nid, node in nodes),
        "nodes_by_farm_id": base.nodes_by_farm_id.update_many(
            (
                farm0 + f,
                PSet(range(node0 + f * NODES_PER_FARM, node0 + min(n_nodes, (f + 1) * NODES_PER_FARM))),
            )
            for f in range(n_farms)
        ),
        "node_id": node0 + n_nodes - 1,
        "contracts": base.contracts.update_many(contracts),
        "contract_billing_information_by_id": base.contract_billing_information_by_id.update_many(
            billing_info
        ),
        "node_contract_resources": base.node_contract_resources.update_many(resources),
        "contract_id_by_node_id_and_hash": base.contract_id_by_node_id_and_hash.update_many(by_hash),
        "active_node_contracts": base.active_node_contracts.update_many(
            (node0 + i, PSet(ids)) for i, ids in enumerate(active) if ids
        ),
        "contracts_to_bill_at": base.contracts_to_bill_at.update_many(
            (i, PSet([*(base.contracts_to_bill_at.get(i) or empty_ids), *ids]))
            for i, ids in enumerate(shards)
            if ids
        ),
        "contract_payment_state": base.contract_payment_state.update_many(payment),
        "contract_id_by_name_registration": base.contract_id_by_name_registration.update_many(by_name),
        "contract_id": cid,
    }
    state = State(*(changes.get(name, getattr(base, name)) for name in STATE_FIELDS))
    return Population(
        state=state,
        env=ENV,
        node_contracts=n,
        name_contracts=names,
        users=n_users,
        nodes=n_nodes,
        farms=n_farms,
        with_resources=counts["resources"],
        with_ips=counts["ips"],
        with_nu=counts["nu"],
        idle=counts["idle"],
    )


_cache: dict[int, Population] = {}


def population(n: int) -> Population:
    """`build_population(n)`, built once per size and session."""
    if n not in _cache:
        _cache[n] = build_population(n)
    return _cache[n]
