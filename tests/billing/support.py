"""Shared helpers of the billing tests: the conservation check every test runs after every step, test
worlds built from the default genesis, and a small chain driver (signed calls + block hooks).

`assert_conserved(state)` checks (spec/billing.md BIL-50):
- funds: Σ(free + reserved) == total_issuance and total_issuance + burned == minted;
- reserves: the reserved balance of every account == Σ (standard + additional reserve) of the contracts
  of its twin (nothing else reserves in sc4it), and every contract has a payment state and vice versa;
- shards: every contract id is in exactly one billing shard, `id % BillingFrequency`;
- a Created contract carries no overdraft.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from sc4it import calls as c
from sc4it.genesis import (
    GenesisAccount,
    GenesisPricingPolicy,
    build,
    council_keys,
    council_multisig,
    default_genesis,
    dev_keypair,
)
from sc4it.kernel.errors import Error
from sc4it.kernel.events import Event
from sc4it.kernel.signing import sign
from sc4it.kernel.state import Config, State
from sc4it.kernel.tx import BlockEnv, Tx
from sc4it.kernel.types import Created, Policy, Resources
from sc4it.runtime import Outcome, apply, on_block

GIB = 1 << 30
TFT = 10_000_000
ED = 500
T0_MS = 1_628_082_000 * 1000
"""TFChain's test mock: the timestamp of block n is T0_MS + 6000·n ms (6 s blocks)."""


def now_of(block: int) -> int:
    """Seconds at `block` (BIL-11 uses the timestamp in ms // 1000)."""
    return (T0_MS + 6000 * block) // 1000


def env(block: int) -> BlockEnv:
    return BlockEnv(block, T0_MS + 6000 * block)


def acc(name: str) -> bytes:
    return dev_keypair(name).account_id


# --------------------------------------------------------------------------------------------------
# Conservation (used after every step of every billing test)


def conservation_problems(state: State) -> list[str]:
    problems: list[str] = []
    total = 0
    for info in state.accounts.values():
        total += info.free + info.reserved
    if total != state.total_issuance:
        problems.append(f"Σ balances {total} != total_issuance {state.total_issuance}")
    if state.total_issuance + state.burned != state.minted:
        problems.append(f"issuance {state.total_issuance} + burned {state.burned} != minted {state.minted}")
    expected: dict[bytes, int] = {}
    for cid, ps in state.contract_payment_state.items():
        contract = state.contracts.get(cid)
        if contract is None:
            problems.append(f"payment state {cid} without contract")
            continue
        twin = state.twins[contract.twin_id]
        expected[twin.account_id] = expected.get(twin.account_id, 0) + ps.get_reserve()
        if isinstance(contract.state, Created) and ps.has_overdraft():
            problems.append(f"contract {cid} is Created with an overdraft {ps}")
    for who, info in state.accounts.items():
        if info.reserved != expected.get(who, 0):
            problems.append(
                f"account {who.hex()[:8]} reserved {info.reserved} != Σ reserves {expected.get(who, 0)}"
            )
    for who, amount in expected.items():
        if amount and who not in state.accounts:
            problems.append(f"account {who.hex()[:8]} missing but its contracts reserve {amount}")
    seen: dict[int, int] = {}
    for index, ids in state.contracts_to_bill_at.items():
        for cid in ids:
            if cid in seen:
                problems.append(f"contract {cid} in shards {seen[cid]} and {index}")
            seen[cid] = index
    for cid in state.contracts:
        if cid not in state.contract_payment_state:
            problems.append(f"contract {cid} without payment state")
        if seen.get(cid) != cid % state.billing_frequency:
            problems.append(
                f"contract {cid} in shard {seen.get(cid)}, expected {cid % state.billing_frequency}"
            )
    for cid in seen:
        if cid not in state.contracts:
            problems.append(f"shard holds removed contract {cid}")
    return problems


def assert_funds_conserved(state: State) -> None:
    """The funds part of `assert_conserved` alone, for states a test corrupts on purpose in another way."""
    total = sum(info.free + info.reserved for info in state.accounts.values())
    assert total == state.total_issuance and total + state.burned == state.minted


def assert_conserved(state: State) -> None:
    problems = conservation_problems(state)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------------
# Worlds

MOCK_POLICY = GenesisPricingPolicy(
    name=b"policy_1",
    su=Policy(194_400),
    cu=Policy(305_600),
    nu=Policy(50_000),
    ipu=Policy(69_400),
    unique_name=Policy(13_900),
    domain_name=Policy(27_800),
    foundation_account=acc("ferdie"),
    certified_sales_account=acc("eve"),
    discount_for_dedication_nodes=50,
)
"""TFChain's test-mock pricing policy (`tests.rs::prepare_farm`, spec/tfchain.md)."""


def world(
    *,
    config: Config | None = None,
    mock_pricing: bool = True,
    balances: dict[str, int] | None = None,
    extra_policies: Sequence[GenesisPricingPolicy] = (),
) -> State:
    """The default genesis with TFChain's test-mock constants (10-block cycles, 100-block grace) and, by
    default, the test-mock pricing policy as policy 1. `balances` overrides named accounts' free balance
    (a name that is not funded yet is added)."""
    g = default_genesis()
    policies = (MOCK_POLICY if mock_pricing else g.pricing_policies[0], *extra_policies)
    accounts = list(g.accounts)
    for name, free in (balances or {}).items():
        who = acc(name)
        idx = next((i for i, a in enumerate(accounts) if a.account_id == who), None)
        if idx is None:
            accounts.append(GenesisAccount(who, free))
        else:
            accounts[idx] = GenesisAccount(who, free)
    g = attrs.evolve(
        g,
        config=config or Config.tfchain_test_mock(),
        pricing_policies=policies,
        accounts=tuple(accounts),
    )
    state = build(g)
    assert_conserved(state)
    return state


def edit(state: State, block: int = 0) -> Tx:
    """A Tx for direct record writes in a test (commit it with `.commit()`)."""
    return Tx(state, env(block))


# --------------------------------------------------------------------------------------------------
# Chain driver


class Chain:
    """Drives a state block by block: `advance`/`run_to` run the block hook of each block, `call` applies
    a signed call at the current block (after its hook). Conservation is asserted after every step; all
    events are kept in `log` as (block, event)."""

    def __init__(self, state: State, block: int = 1) -> None:
        self.state = state
        self.block = block
        self.log: list[tuple[int, Event]] = []
        assert_conserved(state)

    @property
    def now(self) -> int:
        return now_of(self.block)

    def _nonce(self, who: bytes) -> int:
        info = self.state.accounts.get(who)
        return 0 if info is None else info.nonce

    def try_call(self, name: str, call: c.Call) -> Outcome:
        key = dev_keypair(name)
        signed = sign(call, key, self._nonce(key.account_id), self.state.chain_id)
        return self._apply(signed)

    def call(self, name: str, call: c.Call) -> tuple[Event, ...]:
        out = self.try_call(name, call)
        assert out.error is None, f"{type(call).__name__} by {name} failed: {out.error}"
        return out.events

    def try_council(self, call: c.Call) -> Outcome:
        spec = council_multisig()
        who = spec.account_id()
        signed = sign(call, list(council_keys()[:2]), self._nonce(who), self.state.chain_id, multisig=spec)
        return self._apply(signed)

    def council(self, call: c.Call) -> tuple[Event, ...]:
        out = self.try_council(call)
        assert out.error is None, f"council {type(call).__name__} failed: {out.error}"
        return out.events

    def expect_error(self, name: str, call: c.Call, error: Error) -> None:
        before = self.state
        out = self.try_call(name, call)
        assert out.error == error, out.error
        assert self.state is before

    def _apply(self, signed: object) -> Outcome:
        out = apply(self.state, signed, env(self.block))  # type: ignore[arg-type]
        if out.error is None:
            self.state = out.state
            self.log.extend((self.block, e) for e in out.events)
            assert_conserved(self.state)
        return out

    def advance(self, blocks: int = 1) -> list[Event]:
        """Run the hooks of the next `blocks` blocks; return their events."""
        events: list[Event] = []
        for _ in range(blocks):
            self.block += 1
            out = on_block(self.state, env(self.block))
            self.state = out.state
            events.extend(out.events)
            self.log.extend((self.block, e) for e in out.events)
            assert_conserved(self.state)
        return events

    def run_to(self, block: int) -> list[Event]:
        assert block >= self.block
        return self.advance(block - self.block)

    def events_at(self, block: int) -> list[Event]:
        return [e for b, e in self.log if b == block]

    # --- convenience ------------------------------------------------------------------------------

    def free(self, name: str) -> int:
        info = self.state.accounts.get(acc(name))
        return 0 if info is None else info.free

    def reserved(self, name: str) -> int:
        info = self.state.accounts.get(acc(name))
        return 0 if info is None else info.reserved

    def node_contract(
        self, name: str, node_id: int, *, ips: int = 0, tag: bytes = b"x", sp: int | None = None
    ) -> int:
        self.call(name, c.CreateNodeContract(node_id, tag.ljust(32, b"\0"), b"", ips, sp))
        return self.state.contract_id

    def name_contract(self, name: str, contract_name: bytes) -> int:
        self.call(name, c.CreateNameContract(contract_name))
        return self.state.contract_id

    def rent_contract(self, name: str, node_id: int) -> int:
        self.call(name, c.CreateRentContract(node_id))
        return self.state.contract_id

    def report(self, node_name: str, contract_id: int, resources: Resources) -> None:
        from sc4it.kernel.types import ContractResources

        self.call(node_name, c.ReportContractResources((ContractResources(contract_id, resources),)))

    def report_nu(self, node_name: str, contract_id: int, nru: int, window: int) -> None:
        from sc4it.kernel.types import NruConsumption

        self.call(node_name, c.AddNruReports((NruConsumption(contract_id, self.now, window, nru),)))

    def cancel(self, name: str, contract_id: int) -> tuple[Event, ...]:
        return self.call(name, c.CancelContract(contract_id))

    def transfer(self, src: str, dst: str, amount: int) -> None:
        self.call(src, c.Transfer(acc(dst), amount))
