"""Test worlds for the contract tests: the default genesis (sc4it.genesis.default()) plus helpers to
drive signed calls through `sc4it.apply` and to write state directly where a test needs a situation no
call sequence reaches cheaply (a standby node, a dedicated farm, a stale index...).

Default world (spec/genesis.md): twins alice=1, bob=2, charlie=3, dave=4, farmer-1=5, farmer-2=6,
node-1..4 = 7..10. Farm 1 (farmer-1, not dedicated, 4 IPs), farm 2 (farmer-2, dedicated, 2 IPs).
Nodes 1, 2, 4 on farm 1, node 3 on farm 2; node n is run by twin 6 + n.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sc4it import apply, genesis, sign
from sc4it import calls as c
from sc4it import events as ev
from sc4it.conformance.invariants import check
from sc4it.kernel.errors import Error
from sc4it.kernel.events import Event
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv, Tx
from sc4it.kernel.types import Contract, NodePower, Power, PowerDown, PublicIP, SolutionProvider
from sc4it.runtime import Outcome

T0_MS = 1_628_082_000 * 1000
"""Timestamp of block 0 in ms, as TFChain's test mock (`run_to_block(n)` → T0 + 6000·n)."""

TWIN = {
    "alice": 1,
    "bob": 2,
    "charlie": 3,
    "dave": 4,
    "farmer-1": 5,
    "farmer-2": 6,
    "node-1": 7,
    "node-2": 8,
    "node-3": 9,
    "node-4": 10,
}
NODE_TWIN = {1: "node-1", 2: "node-2", 3: "node-3", 4: "node-4"}
FARM_OF_NODE = {1: 1, 2: 1, 3: 2, 4: 1}


def env(block: int) -> BlockEnv:
    return BlockEnv(block, T0_MS + 6000 * block)


def now_of(block: int) -> int:
    return (T0_MS + 6000 * block) // 1000


def base() -> State:
    return genesis.default()


def acc(name: str) -> bytes:
    return genesis.dev_keypair(name).account_id


def H(n: int) -> bytes:
    """A 32-byte deployment hash for tests."""
    return bytes([n % 256]) * 32


def _nonce(state: State, account: bytes) -> int:
    info = state.accounts.get(account)
    return 0 if info is None else info.nonce


def call(state: State, who: str, the_call: c.Call, block: int = 1) -> Outcome:
    kp = genesis.dev_keypair(who)
    signed = sign(the_call, kp, _nonce(state, kp.account_id), state.chain_id)
    return apply(state, signed, env(block))


def council_call(state: State, the_call: c.Call, block: int = 1) -> Outcome:
    spec = genesis.council_multisig()
    keys = genesis.council_keys()[:2]
    signed = sign(the_call, keys, _nonce(state, spec.account_id()), state.chain_id, multisig=spec)
    return apply(state, signed, env(block))


def ok(out: Outcome) -> tuple[State, tuple[Event, ...]]:
    assert out.error is None, out.error
    assert check(out.state) == []
    return out.state, out.events


def err(out: Outcome, state: State) -> Error:
    """The error of a rejected call; the state must be the very input."""
    assert out.error is not None, "the call was expected to fail"
    assert out.state is state
    assert out.events == ()
    return out.error


def edit(state: State, fn: Callable[[Tx], object], block: int = 0) -> State:
    """Write state directly (fixtures only)."""
    tx = Tx(state, env(block))
    fn(tx)
    return tx.commit()


def node_contract(
    state: State,
    who: str = "alice",
    node: int = 1,
    h: int = 1,
    ips: int = 0,
    sp: int | None = None,
    data: bytes = b"",
    block: int = 1,
) -> tuple[State, Contract]:
    out = call(state, who, c.CreateNodeContract(node, H(h), data, ips, sp), block)
    state, events = ok(out)
    created = [e for e in events if isinstance(e, ev.ContractCreated)]
    assert len(created) == 1
    return state, created[0].contract


def name_contract(state: State, who: str, name: bytes, block: int = 1) -> tuple[State, Contract]:
    state, events = ok(call(state, who, c.CreateNameContract(name), block))
    return state, next(e.contract for e in events if isinstance(e, ev.ContractCreated))


def rent_contract(
    state: State, who: str, node: int, sp: int | None = None, block: int = 1
) -> tuple[State, Contract]:
    state, events = ok(call(state, who, c.CreateRentContract(node, sp), block))
    return state, next(e.contract for e in events if isinstance(e, ev.ContractCreated))


def approved_provider(state: State, approved: bool = True) -> tuple[State, int]:
    """Store a solution provider directly; returns its id."""
    sp_id = state.solution_provider_id + 1

    def put(tx: Tx) -> None:
        tx.solution_providers[sp_id] = SolutionProvider(sp_id, (), b"sp", b"https://sp", approved)
        tx.solution_provider_id = sp_id

    return edit(state, put), sp_id


def set_standby(state: State, node: int, *, down: bool = True, target_down: bool = False) -> State:
    def put(tx: Tx) -> None:
        tx.node_power[node] = NodePower(
            PowerDown(0) if down else NodePower().state, Power.Down if target_down else Power.Up
        )

    return edit(state, put)


def set_farm_dedicated(state: State, farm_id: int, dedicated: bool) -> State:
    def put(tx: Tx) -> None:
        f = tx.farms[farm_id]
        tx.farms[farm_id] = type(f)(
            f.id, f.name, f.twin_id, f.pricing_policy_id, f.certification, f.public_ips, dedicated
        )

    return edit(state, put)


def set_farm_ips(state: State, farm_id: int, ips: Iterable[PublicIP]) -> State:
    def put(tx: Tx) -> None:
        f = tx.farms[farm_id]
        tx.farms[farm_id] = type(f)(
            f.id, f.name, f.twin_id, f.pricing_policy_id, f.certification, tuple(ips), f.dedicated_farm
        )

    return edit(state, put)


def of_type(events: Iterable[Event], kind: type) -> list[Event]:
    return [e for e in events if isinstance(e, kind)]


def kinds(events: Iterable[Event], *only: type) -> list[str]:
    """Names of the events, keeping only the given kinds (all if none given)."""
    return [type(e).__name__ for e in events if not only or isinstance(e, only)]


CONTRACT_SIDE = (
    ev.IPsFreed,
    ev.NodeContractCanceled,
    ev.NameContractCanceled,
    ev.RentContractCanceled,
    ev.DeploymentRejected,
)
"""The events the contract side emits on a cancellation (billing adds ContractBilled /
ContractPaymentOverdrawn / RewardDistributed before them)."""


def free_ips(state: State, farm_id: int) -> list[bytes]:
    return [ip.ip for ip in state.farms[farm_id].public_ips if ip.contract_id == 0]


def holder(state: State, farm_id: int, ip: bytes) -> int:
    return next(p.contract_id for p in state.farms[farm_id].public_ips if p.ip == ip)


def contract_gone(state: State, cid: int) -> None:
    """CON-51: nothing in the state refers to contract `cid` any more."""
    assert cid not in state.contracts
    assert cid not in state.contract_payment_state
    assert cid not in state.contract_billing_information_by_id
    assert cid not in state.node_contract_resources
    assert cid not in state.deployed_contracts
    assert all(cid not in ids for _, ids in state.contracts_to_bill_at.items())
    assert all(cid not in ids for _, ids in state.active_node_contracts.items())
    assert cid not in set(state.contract_id_by_node_id_and_hash.values())
    assert cid not in set(state.contract_id_by_name_registration.values())
    assert cid not in set(state.active_rent_contract_for_node.values())
    for _, farm in state.farms.items():
        assert all(ip.contract_id != cid for ip in farm.public_ips)
