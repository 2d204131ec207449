"""TFChain's pallet-smart-contract test mock, reproduced for sc4it (issue 6).

The Rust suite (`substrate-node/pallets/pallet-smart-contract/src/tests.rs` at commit 33046d68) runs in
`mock.rs`'s runtime and drives it with `test_utils.rs::run_to_block`. This module builds the same world
and the same clock:

- accounts (`genesis.dev_keypair(name)`): alice 10^12, bob 2 500 000 000, charlie 150 000, dave 10^12;
  eve (certified sales account), ferdie (foundation account) and the staking pool are not funded, as in
  the mock; existential deposit 500;
- `Config.tfchain_test_mock()`: billing frequency 10 blocks, grace period 100 blocks, distribution every
  24 cycles, reference period 3600 s;
- `prepare_twins`: twins alice = 1, bob = 2, charlie = 3, dave = 4 (relay `somerelay.io`, the mock's pk);
- `prepare_farm(alice)`: pricing policy "policy_1" as policy 1 (su 194 400, cu 305 600, nu 50 000,
  ipu 69 400, unique_name 13 900, domain_name 27 800 mUSD/h, all Gigabytes; foundation ferdie, sales eve,
  discount_for_dedication_nodes 50) and farm 1 "test_farm" of twin 1 with 185.206.122.33/24 and
  185.206.122.34/24 (gateway 185.206.122.1);
- `prepare_farm_and_node`: node 1 of twin 1 (alice) on farm 1, hru 1024 GiB, sru 512 GiB, cru 8,
  mru 16 GiB, Diy; alice is user, farmer and node operator at once;
- the TFT price: the mock's genesis sets only min 10 / max 1000 mUSD (average 0, so billing clamps to 10);
  `prepare_farm_and_node` calls `set_prices(50, 101)`, which the oracle does here, so the average is 50.

The registry records (twins, policy, farm, node) are written by `sc4it.genesis.build`, not by calls: in
the Rust tests they are created before the assertions and their events are never asserted. The Rust
helper `create_farming_policies` has no counterpart: sc4it keeps no farming policies (DEV-REG-6), and a
new node is Diy, as the mock's node is. Everything the tests exercise (contracts, reports, power, prices,
transfers, service contracts) goes through signed calls and `sc4it.apply`. Root / council origins are the
genesis council (2-of-3 multisig).

Billing: the Rust tests run the off-chain worker, which submits `bill_contract_for_block` calls to a mocked
pool executed in the same block; sc4it bills the shard `block % BillingFrequency` synchronously in
`on_block` (DEV-BIL-13), which is what `run_to_block` calls for every block.

Clock (spec/tfchain.md): `run_to_block(n)` sets the timestamp to
`1628082000·1000 + 6000·n` ms **once**, then runs `on_block` for every block from the current one up to
`n` inclusive, all with that timestamp; afterwards the current block is `n + 1` (as `System::block_number`
after the Rust loop) and calls run in block `n + 1` with the timestamp of `n`. Before the first
`run_to_block` the block is 0 and the timestamp 0. Like `frame_system`, no event of block 0 is recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sc4it import calls as c
from sc4it import events as ev
from sc4it.conformance.invariants import check
from sc4it.genesis import (
    Genesis,
    GenesisAccount,
    GenesisFarm,
    GenesisNode,
    GenesisPricingPolicy,
    GenesisPublicIP,
    GenesisTftPrice,
    GenesisTwin,
    RoleMultisigs,
    bridge_validators,
    build,
    council_keys,
    council_multisig,
    dev_keypair,
    oracle_keys,
    oracle_multisig,
)
from sc4it.kernel.errors import Error
from sc4it.kernel.events import Event
from sc4it.kernel.root import state_root
from sc4it.kernel.signing import SignedCall, sign
from sc4it.kernel.state import Config, State
from sc4it.kernel.tx import BlockEnv
from sc4it.kernel.types import (
    AccountInfo,
    Contract,
    ContractBillingInformation,
    ContractPaymentState,
    ContractResources,
    DistributionPolicy,
    FarmCertification,
    NruConsumption,
    Policy,
    Provider,
    PublicIP,
    Resources,
    Roles,
    ServiceContract,
    ServiceContractState,
    Unit,
)
from sc4it.ledger import usable_balance
from sc4it.runtime import Outcome, apply, on_block

# --------------------------------------------------------------------------------------------------
# Constants of mock.rs / tests.rs

GIGABYTE = 1024 * 1024 * 1024
"""tests.rs `GIGABYTE` (binary)."""
BASE_FEE = 1000
VARIABLE_FEE = 1000
VARIABLE_AMOUNT = 100
EXISTENTIAL_DEPOSIT = 500
BILLING_FREQUENCY = 10
GRACE_PERIOD = 100
DISTRIBUTION_FREQUENCY = 24
SECS_PER_BLOCK = 6
SECS_PER_HOUR = 3600
T0_SECS = 1_628_082_000
"""`run_to_block(n)` sets the timestamp to (T0_SECS·1000 + 6000·n) ms."""

BALANCES: dict[str, int] = {
    "alice": 1_000_000_000_000,
    "bob": 2_500_000_000,
    "charlie": 150_000,
    "dave": 1_000_000_000_000,
}
TWIN_NAMES: tuple[str, ...] = ("alice", "bob", "charlie", "dave")
"""`prepare_twins`: twin ids 1..4 in this order."""
TWIN_ID: dict[str, int] = {name: i for i, name in enumerate(TWIN_NAMES, start=1)}

RELAY = b"somerelay.io"
PK = b"0x6c8fd181adc178cea218e168e8549f0b0ff30627c879db9eac4318927e87c901"

IP_1 = b"185.206.122.33/24"
IP_2 = b"185.206.122.34/24"
GATEWAY = b"185.206.122.1"

NODE_RESOURCES = Resources(hru=1024 * GIGABYTE, sru=512 * GIGABYTE, cru=8, mru=16 * GIGABYTE)
"""The test node (`prepare_farm_and_node`)."""
REPORTED_RESOURCES = Resources(hru=0, sru=60 * GIGABYTE, cru=2, mru=2 * GIGABYTE)
"""What `push_contract_resources_used` reports."""
NRU_REPORTED = 3 * 1000 * 1000 * 1000
"""`push_nru_report_for_contract`: 3 GB (decimal) of traffic."""

POLICY_1 = GenesisPricingPolicy(
    name=b"policy_1",
    su=Policy(194_400, Unit.Gigabytes),
    cu=Policy(305_600, Unit.Gigabytes),
    nu=Policy(50_000, Unit.Gigabytes),
    ipu=Policy(69_400, Unit.Gigabytes),
    unique_name=Policy(13_900, Unit.Gigabytes),
    domain_name=Policy(27_800, Unit.Gigabytes),
    foundation_account=dev_keypair("ferdie").account_id,
    certified_sales_account=dev_keypair("eve").account_id,
    discount_for_dedication_nodes=50,
)


def account(name: str) -> bytes:
    """The account of a mock name (alice, bob, charlie, dave, eve, ferdie, staking-pool)."""
    return dev_keypair(name).account_id


STAKING_POOL = account("staking-pool")
FOUNDATION = account("ferdie")
SALES = account("eve")


def timestamp_secs(block: int) -> int:
    """tests.rs `get_timestamp_in_seconds_for_block`."""
    return T0_SECS + SECS_PER_BLOCK * block


def mock_genesis() -> Genesis:
    """The world of `new_test_ext()` + `prepare_twins()` + `prepare_farm(alice, false)` + the node of
    `prepare_farm_and_node()` (the dedicated flag is set by a council call, as the Rust mock does)."""
    council, oracle = council_multisig(), oracle_multisig()
    return Genesis(
        config=Config.tfchain_test_mock(),
        roles=Roles(
            council=council.account_id(),
            oracle=oracle.account_id(),
            staking_pool=STAKING_POOL,
            council_members=council.signatories,
            bridge_validators=bridge_validators(),
        ),
        multisigs=RoleMultisigs(council, oracle),
        accounts=tuple(GenesisAccount(account(n), free) for n, free in BALANCES.items()),
        twins=tuple(GenesisTwin(account(n), RELAY, PK) for n in TWIN_NAMES),
        pricing_policies=(POLICY_1,),
        farms=(
            GenesisFarm(
                b"test_farm",
                TWIN_ID["alice"],
                1,
                FarmCertification.NotCertified,
                False,
                (GenesisPublicIP(IP_1, GATEWAY), GenesisPublicIP(IP_2, GATEWAY)),
            ),
        ),
        nodes=(GenesisNode(1, TWIN_ID["alice"], NODE_RESOURCES),),
        tft_price=GenesisTftPrice(price=0, min=10, max=1000),
        distribution_policy=DistributionPolicy.tfchain(),
    )


_GENESIS_STATE: State | None = None


def genesis_state() -> State:
    global _GENESIS_STATE
    if _GENESIS_STATE is None:
        _GENESIS_STATE = build(mock_genesis())
    return _GENESIS_STATE


SMART_CONTRACT_EVENTS: tuple[type, ...] = (
    ev.ContractCreated,
    ev.ContractUpdated,
    ev.NodeContractCanceled,
    ev.NameContractCanceled,
    ev.IPsReserved,
    ev.IPsFreed,
    ev.ContractDeployed,
    ev.ContractBilled,
    ev.TokensBurned,
    ev.UpdatedUsedResources,
    ev.NruConsumptionReportReceived,
    ev.RentContractCanceled,
    ev.ContractGracePeriodStarted,
    ev.ContractGracePeriodEnded,
    ev.SolutionProviderCreated,
    ev.SolutionProviderApproved,
    ev.ServiceContractCreated,
    ev.ServiceContractMetadataSet,
    ev.ServiceContractFeesSet,
    ev.ServiceContractApproved,
    ev.ServiceContractCanceled,
    ev.ServiceContractBilled,
    ev.BillingFrequencyChanged,
    ev.NodeExtraFeeSet,
    ev.RentWaived,
    ev.ContractGracePeriodElapsed,
    ev.ContractPaymentOverdrawn,
    ev.RewardDistributed,
)
"""The events of TFChain's pallet-smart-contract (spec/tfchain.md)."""

BALANCES_EVENT_NAMES = frozenset(
    {"Transfer", "Endowed", "DustLost", "Minted", "Burned", "Reserved", "Unreserved", "ReserveRepatriated"}
)
"""Names of pallet-balances events (those sc4it has and those TFChain's balances pallet adds)."""


class Mock:
    """One `new_test_ext()` externality: the state, the block number, the timestamp and the recorded
    events (`System::events()`), with the helpers of tests.rs. Every step checks the executable
    invariants (`sc4it.conformance.invariants.check`)."""

    def __init__(self) -> None:
        self.state = genesis_state()
        self.block = 0
        self.timestamp_ms = 0
        self.events: list[tuple[int, Event]] = []
        self._hashes = 0

    # ---- clock ---------------------------------------------------------------------------------

    @property
    def now(self) -> int:
        """`get_current_timestamp_in_secs`."""
        return self.timestamp_ms // 1000

    def env(self) -> BlockEnv:
        return BlockEnv(self.block, self.timestamp_ms)

    def _record(self, events: Sequence[Event]) -> None:
        if self.block > 0:  # frame_system deposits no events in block 0
            self.events.extend((self.block, e) for e in events)

    def run_to_block(self, n: int) -> None:
        """test_utils.rs `run_to_block(n)`: one timestamp for all the blocks run (spec/tfchain.md)."""
        self.timestamp_ms = T0_SECS * 1000 + 6000 * n
        while self.block <= n:
            out = on_block(self.state, self.env())
            self.state = out.state
            self._record(out.events)
            self.block += 1
        self._check()

    # ---- calls ---------------------------------------------------------------------------------

    def _nonce(self, who: bytes) -> int:
        info = self.state.accounts.get(who)
        return 0 if info is None else info.nonce

    def _apply(self, signed: SignedCall) -> Outcome:
        before = self.state
        out = apply(before, signed, self.env())
        if out.error is None:
            self.state = out.state
            self._record(out.events)
            self._check()
        else:
            assert out.state is before and out.events == ()
        return out

    def try_call(self, who: str, call: c.Call) -> Outcome:
        key = dev_keypair(who)
        return self._apply(sign(call, key, self._nonce(key.account_id), self.state.chain_id))

    def call(self, who: str, call: c.Call) -> tuple[Event, ...]:
        """`assert_ok!(...)` of a call signed by `who`."""
        out = self.try_call(who, call)
        assert out.error is None, f"{type(call).__name__} by {who} failed with {out.error!r}"
        return out.events

    def assert_noop(self, who: str, call: c.Call, error: Error) -> None:
        """`assert_noop!(call, error)`: the error, and the state exactly as before (same root)."""
        before = self.state
        out = self.try_call(who, call)
        assert out.error is error, f"expected {error!r}, got {out.error!r}"
        assert out.state is before and state_root(self.state) == state_root(before)

    def try_council(self, call: c.Call, signers: int = 2) -> Outcome:
        """A root / council origin: the genesis council multisig signed by `signers` of its 3 members."""
        spec = council_multisig()
        keys = list(council_keys()[:signers])
        return self._apply(
            sign(call, keys, self._nonce(spec.account_id()), self.state.chain_id, multisig=spec)
        )

    def council(self, call: c.Call, signers: int = 2) -> tuple[Event, ...]:
        out = self.try_council(call, signers)
        assert out.error is None, f"{type(call).__name__} by the council failed with {out.error!r}"
        return out.events

    def oracle(self, call: c.Call) -> tuple[Event, ...]:
        spec = oracle_multisig()
        out = self._apply(
            sign(
                call, list(oracle_keys()), self._nonce(spec.account_id()), self.state.chain_id, multisig=spec
            )
        )
        assert out.error is None, out.error
        return out.events

    def _check(self) -> None:
        problems = check(self.state)
        assert problems == [], "\n".join(str(p) for p in problems)

    # ---- tests.rs helpers ----------------------------------------------------------------------

    def set_prices(self, price: int = 50, block_number: int = 101) -> None:
        """`TFTPriceModule::set_prices(alice, 50, 101)` (the mock's validator; here the oracle)."""
        self.oracle(c.SetPrices(price, block_number))

    def prepare_farm_and_node(self) -> None:
        """`prepare_farm_and_node()`: the twins, policy, farm and node are genesis records (module
        docstring); what remains is the price observation."""
        self.set_prices(50, 101)

    def prepare_dedicated_farm_and_node(self) -> None:
        """`prepare_dedicated_farm_and_node()`: as `prepare_farm_and_node`, then the farm is set
        dedicated by root (`set_farm_dedicated(1, true)`)."""
        self.set_prices(50, 101)
        self.council(c.SetFarmDedicated(1, True))

    def generate_deployment_hash(self) -> bytes:
        """`generate_deployment_hash()`: a fresh 32-byte hash (deterministic here)."""
        self._hashes += 1
        return hashlib.blake2b(b"tfchain-mock/hash/%d" % self._hashes, digest_size=32).digest()

    def create_node_contract(
        self, who: str, node_id: int = 1, public_ips: int = 0, solution_provider_id: int | None = None
    ) -> tuple[Event, ...]:
        return self.call(
            who,
            c.CreateNodeContract(
                node_id,
                self.generate_deployment_hash(),
                get_deployment_data(),
                public_ips,
                solution_provider_id,
            ),
        )

    def prepare_farm_node_and_node_contract(self) -> None:
        """`prepare_farm_node_and_node_contract()`: alice deploys on node 1 (no IP, no provider)."""
        self.prepare_farm_and_node()
        self.create_node_contract("alice", 1)

    def push_contract_resources_used(self, contract_id: int) -> None:
        """tests.rs `push_contract_resources_used`: the node (alice's twin) reports cru 2, hru 0,
        mru 2 GiB, sru 60 GiB."""
        self.call("alice", c.ReportContractResources((ContractResources(contract_id, REPORTED_RESOURCES),)))

    def push_nru_report_for_contract(self, contract_id: int, block_number: int) -> None:
        """tests.rs `push_nru_report_for_contract`: 3·10^9 bytes, timestamp of `block_number`, window
        6·block_number seconds."""
        report = NruConsumption(
            contract_id=contract_id,
            timestamp=timestamp_secs(block_number),
            window=SECS_PER_BLOCK * block_number,
            nru=NRU_REPORTED,
        )
        self.call("alice", c.AddNruReports((report,)))

    def prepare_solution_provider(self, origin: str) -> None:
        """tests.rs `prepare_solution_provider`: provider dave with take 10, approved (id 1)."""
        self.call(
            origin,
            c.CreateSolutionProvider(b"some_description", b"some_link", (Provider(account("dave"), 10),)),
        )
        self.council(c.ApproveSolutionProvider(1, True))

    def create_service_consumer_contract(self) -> None:
        """tests.rs `create_service_consumer_contract`: alice (service) and bob (consumer)."""
        self.call("alice", c.ServiceContractCreate(account("alice"), account("bob")))

    def prepare_service_consumer_contract(self) -> None:
        """tests.rs `prepare_service_consumer_contract`: metadata then fees, by the service."""
        self.create_service_consumer_contract()
        self.call("alice", c.ServiceContractSetMetadata(1, b"some_metadata"))
        self.call("alice", c.ServiceContractSetFees(1, BASE_FEE, VARIABLE_FEE))

    def approve_service_consumer_contract(self, service_contract_id: int) -> None:
        self.call("alice", c.ServiceContractApprove(service_contract_id))
        self.call("bob", c.ServiceContractApprove(service_contract_id))

    # ---- storage getters (SmartContractModule::..., Balances::...) --------------------------------

    def contract(self, contract_id: int) -> Contract | None:
        return self.state.contracts.get(contract_id)

    def contract_to_bill_at_block(self, index: int) -> list[int]:
        ids = self.state.contracts_to_bill_at.get(index)
        return [] if ids is None else ids.sorted()

    def billing_loop_index(self, contract_id: int) -> int:
        """`get_billing_loop_index_from_contract_id`."""
        return contract_id % self.state.billing_frequency

    def active_node_contracts(self, node_id: int) -> list[int]:
        ids = self.state.active_node_contracts.get(node_id)
        return [] if ids is None else ids.sorted()

    def node_contract_by_hash(self, node_id: int, deployment_hash: bytes) -> int:
        return self.state.contract_id_by_node_id_and_hash.get((node_id, deployment_hash)) or 0

    def billing_info(self, contract_id: int) -> ContractBillingInformation:
        """`contract_billing_information_by_id` (a ValueQuery: default zeros)."""
        return self.state.contract_billing_information_by_id.get(contract_id) or ContractBillingInformation()

    def payment_state(self, contract_id: int) -> ContractPaymentState | None:
        return self.state.contract_payment_state.get(contract_id)

    def farm_ips(self, farm_id: int = 1) -> tuple[PublicIP, ...]:
        return self.state.farms[farm_id].public_ips

    def service_contract(self, service_contract_id: int) -> ServiceContract | None:
        return self.state.service_contracts.get(service_contract_id)

    def info(self, who: str | bytes) -> AccountInfo:
        acc = account(who) if isinstance(who, str) else who
        return self.state.accounts.get(acc) or AccountInfo()

    def free(self, who: str | bytes) -> int:
        return self.info(who).free

    def reserved(self, who: str | bytes) -> int:
        return self.info(who).reserved

    def usable(self, who: str | bytes) -> int:
        """Billing's usable balance: free − max(ED, frozen) (spec/tfchain.md step 2, LED-05)."""
        return usable_balance(self.info(who), EXISTENTIAL_DEPOSIT)

    # ---- events ----------------------------------------------------------------------------------

    def all_events(self) -> list[Event]:
        """`System::events()`: every event since block 1."""
        return [e for _, e in self.events]

    def contract_events(self) -> list[Event]:
        """The pallet-smart-contract events, in order."""
        return [e for _, e in self.events if isinstance(e, SMART_CONTRACT_EVENTS)]

    def non_balances_events(self) -> list[Event]:
        """All events except pallet-balances' (transfers, endowments, reserves...)."""
        return [e for _, e in self.events if type(e).__name__ not in BALANCES_EVENT_NAMES]

    def contract_events_at(self, block: int) -> list[Event]:
        """The pallet-smart-contract events recorded in `block`."""
        return [e for b, e in self.events if b == block and isinstance(e, SMART_CONTRACT_EVENTS)]

    def events_of(self, kind: type) -> list[Event]:
        return [e for _, e in self.events if isinstance(e, kind)]


def get_deployment_data() -> bytes:
    """tests.rs `get_deployment_data()`."""
    return b"some_data"


def get_service_contract() -> ServiceContract:
    """tests.rs `get_service_contract()`: the record right after creation."""
    return ServiceContract(
        service_contract_id=1,
        service_twin_id=1,
        consumer_twin_id=2,
        base_fee=0,
        variable_fee=0,
        metadata=b"",
        accepted_by_service=False,
        accepted_by_consumer=False,
        last_bill=0,
        state=ServiceContractState.Created,
    )
