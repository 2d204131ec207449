"""A small deterministic test world for the service-contract tests (test_genesis_flow.py uses the genesis).

Mirrors TFChain's pallet test mock where it matters: alice (twin 1) is the service, bob (twin 2) the
consumer, charlie (twin 3) a third party; dave has funds but no twin. Balances are the mock's; the TFT
price is 50 mUSD (min 10, max 1000); block n has timestamp `1628082000 + 6n` seconds.
"""

from __future__ import annotations

import hashlib

from sc4it import BlockEnv, Config, Keypair, Outcome, State, apply, sign
from sc4it.kernel.calls import Call
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import AccountInfo, Roles, ServiceContract, TftPrice, Twin

T0_SECS = 1_628_082_000
"""TFChain mock: `run_to_block(n)` sets the timestamp to (1628082000 + 6n) s."""

BALANCES: dict[str, int] = {
    "alice": 1_000_000_000_000,
    "bob": 2_500_000_000,
    "charlie": 150_000,
    "dave": 1_000_000_000_000,
}
TWIN_IDS: dict[str, int] = {"alice": 1, "bob": 2, "charlie": 3}

# TFChain test constants (tests.rs)
BASE_FEE = 1000
VARIABLE_FEE = 1000
VARIABLE_AMOUNT = 100
METADATA = b"some_metadata"


def keypair(name: str) -> Keypair:
    return Keypair.from_seed(hashlib.blake2b(b"sc4it-test/" + name.encode(), digest_size=32).digest())


def account(name: str) -> bytes:
    return keypair(name).account_id


def timestamp_secs(block: int) -> int:
    return T0_SECS + 6 * block


def env_at(block: int) -> BlockEnv:
    return BlockEnv(block, timestamp_secs(block) * 1000)


def conserved(state: State) -> bool:
    """Fund conservation: Σ(free + reserved) == total_issuance and Σ(free + reserved) + burned == minted."""
    total = sum(info.free + info.reserved for info in state.accounts.values())
    return total == state.total_issuance and total + state.burned == state.minted


def build_state(
    config: Config | None = None,
    balances: dict[str, int] | None = None,
    price: TftPrice | None = None,
) -> State:
    roles = Roles(
        council=account("council"),
        oracle=account("oracle"),
        staking_pool=account("staking-pool"),
    )
    base = State.empty(config or Config(), roles)
    tx = Tx(base, env_at(0))
    total = 0
    for name, amount in (BALANCES if balances is None else balances).items():
        tx.accounts[account(name)] = AccountInfo(free=amount)
        total += amount
    for name, twin_id in TWIN_IDS.items():
        tx.twins[twin_id] = Twin(twin_id, account(name))
        tx.twin_id_by_account_id[account(name)] = twin_id
    tx.twin_id = max(TWIN_IDS.values())
    tx.minted = total
    tx.total_issuance = total
    tx.tft_price = price or TftPrice(price=50, average=50, min=10, max=1000)
    return tx.commit()


class World:
    """A state plus a clock; `call` signs with the caller's current nonce and applies at `self.env`."""

    def __init__(
        self,
        config: Config | None = None,
        balances: dict[str, int] | None = None,
        price: TftPrice | None = None,
    ) -> None:
        self.state = build_state(config, balances, price)
        self.env = env_at(1)

    def run_to_block(self, block: int) -> None:
        """TFChain mock clock: block n at (1628082000 + 6n) s."""
        self.env = env_at(block)

    def advance_ms(self, ms: int) -> None:
        """Next block, `ms` milliseconds later (any granularity, for property tests)."""
        self.env = BlockEnv(self.env.number + 1, self.env.timestamp + ms)

    @property
    def now(self) -> int:
        return self.env.now

    def call(self, name: str, call: Call) -> Outcome:
        key = keypair(name)
        info = self.state.accounts.get(key.account_id)
        nonce = 0 if info is None else info.nonce
        signed = sign(call, key, nonce, self.state.chain_id)
        before = self.state
        out = apply(before, signed, self.env)
        if out.ok:
            self.state = out.state
        else:
            assert out.state is before and out.events == ()
        return out

    def ok(self, name: str, call: Call) -> Outcome:
        out = self.call(name, call)
        assert out.ok, out.error
        return out

    def free(self, name: str) -> int:
        info = self.state.accounts.get(account(name))
        return 0 if info is None else info.free

    def sc(self, service_contract_id: int = 1) -> ServiceContract:
        return self.state.service_contracts[service_contract_id]
