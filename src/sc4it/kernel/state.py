"""`Config` (runtime constants) and `State` (the whole chain state, immutable).

Every storage map is a `PMap`/`PSet` (persistent, structurally shared), so producing the state after a
call costs O(writes · log n) and never copies the whole state. Map names follow TFChain's storage items.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Annotated, Any, cast

import attrs

from sc4it.kernel.bridge_records import BurnTransaction, MintTransaction, StellarTxId
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.schema import U16, U32, U64, U128, AccountId, Hash32, Len, UInt
from sc4it.kernel.signing import ss58_prefix_ok
from sc4it.kernel.types import (
    AccountInfo,
    Contract,
    ContractBillingInformation,
    ContractPaymentState,
    ContractResources,
    DistributionPolicy,
    Farm,
    Node,
    NodePower,
    PricingPolicy,
    Roles,
    ServiceContract,
    SolutionProvider,
    TftPrice,
    Twin,
    TwinTransferRequest,
)

MAX_TWIN_ADMINS = 64
"""OPT-02: sc4it's bound of `allowed_twin_admins` (TFChain bounds its list too; the value is not in our
sources, spec/tfchain.md)."""


@attrs.frozen(slots=True)
class Config:
    """Runtime constants; defaults are TFChain's production runtime values (spec/tfchain.md: constants)."""

    billing_frequency: U64 = 600
    """Initial value of the `BillingFrequency` storage item (blocks per billing cycle)."""
    block_time_secs: U64 = 6
    billing_reference_period: U64 = 3600
    grace_period: U64 = 201_600
    """Grace period in blocks (14 days of 6 s blocks)."""
    distribution_frequency: U16 = 24
    """Billing cycles between two reward distributions."""
    min_name_length: U32 = 3
    max_name_length: U32 = 64
    max_deployment_data_length: U32 = 512
    max_node_contract_public_ips: U32 = 512
    max_farm_public_ips: U32 = 256
    existential_deposit: U128 = 500
    ss58_prefix: U16 = 42
    secs_per_month: U64 = 2_592_000
    tft_price_history_length: U32 = 1440
    max_solution_provider_text: U32 = 160
    max_solution_providers: U32 = 5
    service_contract_metadata_length: U32 = 64
    service_bill_metadata_length: U32 = 50
    max_reject_reason_length: U32 = 256
    max_reports_per_call: U32 = 1024

    def __attrs_post_init__(self) -> None:
        problem = config_problem(self)
        if problem is not None:
            raise ConfigError(*problem)

    @staticmethod
    def tfchain_test_mock() -> Config:
        """The constants of TFChain's pallet test mock (mock.rs): 10-block cycles, 100-block grace."""
        return Config(billing_frequency=10, grace_period=100)


class ConfigError(ValueError):
    """STATE-13: a `Config` the core cannot run with; `field` names the offending constant."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


AT_LEAST_ONE = ("billing_frequency", "block_time_secs", "billing_reference_period", "distribution_frequency")
"""STATE-13: divisors and periods (a zero makes billing divide by zero or never run)."""

CEILINGS: dict[str, int] = {
    "max_name_length": 64,  # NameContract.name, bytes[0..64]
    "max_deployment_data_length": 65536,  # NodeContract.deployment_data, bytes[0..65536]
    "max_node_contract_public_ips": 512,  # NodeContract.public_ips_list, [PublicIP; 0..512]
    "max_farm_public_ips": 256,  # Farm.public_ips, [PublicIP; 0..256]
    "tft_price_history_length": 1440,  # TftPrice.history, [u32; 0..1440]
    "max_solution_provider_text": 1024,  # SolutionProvider.description and .link, bytes[0..1024]
    "max_solution_providers": 16,  # SolutionProvider.providers, [Provider; 0..16]
    "service_contract_metadata_length": 64,  # ServiceContract.metadata, bytes[0..64]
    "service_bill_metadata_length": 50,  # ServiceContractBill.metadata, bytes[0..50]
    "max_reject_reason_length": 256,  # DeploymentRejected.reason, bytes[0..256]
    "max_reports_per_call": 4096,  # AddNruReports.reports, ReportContractResources, [..; 0..4096]
}
"""STATE-13: a configurable limit never exceeds the hard bound of the field it limits (encoding.md), so
whatever a handler accepts under it still encodes (STATE-12). tests/test_state_config.py checks each
against the annotation."""


def config_problem(cfg: Config) -> tuple[str, str] | None:
    """STATE-13: the first constant of `cfg` the core cannot run with, as (field, why), or None."""
    hints = _config_hints()
    for f in attrs.fields(Config):
        value, width = getattr(cfg, f.name), hints[f.name]
        if type(value) is not int or not 0 <= value <= width:
            return f.name, f"expected an integer from 0 to {width}, got {value!r}"
    for name in (*AT_LEAST_ONE, "secs_per_month", "tft_price_history_length"):
        if getattr(cfg, name) == 0:
            return name, "expected at least 1"
    for name, ceiling in CEILINGS.items():
        if getattr(cfg, name) > ceiling:
            return name, f"expected at most {ceiling} (the bound of the values it limits)"
    if cfg.min_name_length > cfg.max_name_length:
        return "min_name_length", "expected at most max_name_length"
    if not ss58_prefix_ok(cfg.ss58_prefix):
        return "ss58_prefix", f"a valid SS58 prefix (< 16384, not 46 or 47), got {cfg.ss58_prefix}"
    return None


_HINTS: dict[str, int] = {}


def _config_hints() -> dict[str, int]:
    """The largest value of each `Config` field's declared width (read once from the annotations)."""
    if not _HINTS:
        hints = typing.get_type_hints(Config, include_extras=True)
        for f in attrs.fields(Config):
            width = next(m for m in typing.get_args(hints[f.name])[1:] if isinstance(m, UInt))
            _HINTS[f.name] = width.max
    return _HINTS


@attrs.frozen(slots=True, weakref_slot=False)
class State:
    """The whole state. Construct with `State.empty(config, roles)` or via `sc4it.genesis`.

    (No `__weakref__` slot: `evolve_state` relies on the slots being exactly the fields.)"""

    config: Config
    chain_id: Hash32
    roles: Roles

    # ledger
    accounts: PMap[AccountId, AccountInfo]
    total_issuance: U128
    minted: U128
    burned: U128

    # tfgrid
    twins: PMap[U32, Twin]
    twin_id_by_account_id: PMap[AccountId, U32]
    twin_bounded_account_id: PMap[U32, AccountId]
    twin_id: U32
    farms: PMap[U32, Farm]
    farm_id_by_name: PMap[Annotated[bytes, Len(128)], U32]
    farm_id: U32
    nodes: PMap[U32, Node]
    node_id_by_twin_id: PMap[U32, U32]
    nodes_by_farm_id: PMap[U32, PSet[U32]]
    node_power: PMap[U32, NodePower]
    node_id: U32
    pricing_policies: PMap[U32, PricingPolicy]
    pricing_policy_id_by_name: PMap[Annotated[bytes, Len(64)], U32]
    pricing_policy_id: U32
    tft_price: TftPrice
    twin_transfer_requests: PMap[U64, TwinTransferRequest]
    """TTR-01: pending twin ownership transfers by request id."""
    pending_transfer_by_twin: PMap[U32, U64]
    """TTR-02: the pending request of a twin."""
    twin_transfer_request_id: U64
    """TTR-03: the request id counter."""
    node_v3_billing_opt_out: PMap[U32, U64]
    """OPT-01: opted-out nodes -> opt-out time (seconds)."""
    node_v3_opt_out_metadata: PMap[U32, Annotated[bytes, Len(256)]]
    """OPT-03: the farmer's note on an opted-out node."""
    allowed_twin_admins: PSet[AccountId]
    """OPT-02: the accounts allowed to deploy on opted-out nodes."""

    # smart contract
    contracts: PMap[U64, Contract]
    contract_billing_information_by_id: PMap[U64, ContractBillingInformation]
    node_contract_resources: PMap[U64, ContractResources]
    contract_id_by_node_id_and_hash: PMap[tuple[U32, Hash32], U64]
    active_node_contracts: PMap[U32, PSet[U64]]
    contracts_to_bill_at: PMap[U64, PSet[U64]]
    contract_payment_state: PMap[U64, ContractPaymentState]
    contract_id_by_name_registration: PMap[Annotated[bytes, Len(64)], U64]
    active_rent_contract_for_node: PMap[U32, U64]
    contract_id: U64
    solution_providers: PMap[U64, SolutionProvider]
    solution_provider_id: U64
    service_contracts: PMap[U64, ServiceContract]
    service_contract_id: U64
    billing_frequency: U64
    dedicated_nodes_extra_fee: PMap[U32, U64]
    distribution_policy: DistributionPolicy
    deployed_contracts: PMap[U64, U64]
    """Extension: contract id -> block at which its node confirmed the deployment."""

    # tft bridge (pallet-tft-bridge; the validators are in `roles`)
    fee_account: AccountId | None
    withdraw_fee: U64
    deposit_fee: U64
    mint_transactions: PMap[StellarTxId, MintTransaction]
    executed_mint_transactions: PMap[StellarTxId, MintTransaction]
    burn_transactions: PMap[U64, BurnTransaction]
    executed_burn_transactions: PMap[U64, BurnTransaction]
    burn_transaction_id: U64

    @staticmethod
    def empty(config: Config, roles: Roles, chain_id: bytes = bytes(32)) -> State:
        return State(
            config=config,
            chain_id=chain_id,
            roles=roles,
            accounts=PMap(),
            total_issuance=0,
            minted=0,
            burned=0,
            twins=PMap(),
            twin_id_by_account_id=PMap(),
            twin_bounded_account_id=PMap(),
            twin_id=0,
            farms=PMap(),
            farm_id_by_name=PMap(),
            farm_id=0,
            nodes=PMap(),
            node_id_by_twin_id=PMap(),
            nodes_by_farm_id=PMap(),
            node_power=PMap(),
            node_id=0,
            pricing_policies=PMap(),
            pricing_policy_id_by_name=PMap(),
            pricing_policy_id=0,
            tft_price=TftPrice(price=0, average=0, min=10, max=1000),
            twin_transfer_requests=PMap(),
            pending_transfer_by_twin=PMap(),
            twin_transfer_request_id=0,
            node_v3_billing_opt_out=PMap(),
            node_v3_opt_out_metadata=PMap(),
            allowed_twin_admins=PSet(),
            contracts=PMap(),
            contract_billing_information_by_id=PMap(),
            node_contract_resources=PMap(),
            contract_id_by_node_id_and_hash=PMap(),
            active_node_contracts=PMap(),
            contracts_to_bill_at=PMap(),
            contract_payment_state=PMap(),
            contract_id_by_name_registration=PMap(),
            active_rent_contract_for_node=PMap(),
            contract_id=0,
            solution_providers=PMap(),
            solution_provider_id=0,
            service_contracts=PMap(),
            service_contract_id=0,
            billing_frequency=config.billing_frequency,
            dedicated_nodes_extra_fee=PMap(),
            distribution_policy=DistributionPolicy.tfchain(),
            deployed_contracts=PMap(),
            fee_account=None,
            withdraw_fee=0,
            deposit_fee=0,
            mint_transactions=PMap(),
            executed_mint_transactions=PMap(),
            burn_transactions=PMap(),
            executed_burn_transactions=PMap(),
            burn_transaction_id=0,
        )


STATE_FIELDS: tuple[str, ...] = tuple(f.name for f in attrs.fields(State))
_FIELD_SET = frozenset(STATE_FIELDS)


class _Thawed:
    """The slot layout of `State` without its frozen `__setattr__`: `evolve_state` fills one with
    plain attribute stores, then makes it a `State` by assigning `__class__` (CPython allows that
    between classes whose instances have the same layout)."""

    __slots__ = State.__slots__


_BUILDERS: dict[tuple[str, ...], Callable[..., State]] = {}
_MAX_BUILDERS = 1024
"""At most this many sets of changed fields get their own builder (a transaction writes one of a few
dozen sets); past it `state_builder` compiles one each time (correct, only slower)."""


def state_builder(names: tuple[str, ...]) -> Callable[..., State]:
    """`build(base, *values)`: the `State` `base` with the fields `names` (distinct) set to `values`, in
    that order: `evolve_state(base, dict(zip(names, values)))`, compiled for this set of names (the
    unchanged fields copied, the changed ones stored, each once). A name that is not a field raises
    `AttributeError`."""
    build = _BUILDERS.get(names)
    if build is None:
        build = _compile_builder(names)
        if len(_BUILDERS) < _MAX_BUILDERS:
            _BUILDERS[names] = build
    return build


def _compile_builder(names: tuple[str, ...]) -> Callable[..., State]:
    for name in names:
        if name not in _FIELD_SET:
            raise AttributeError(f"State has no field {name!r}")
    assert len(set(names)) == len(names), "each field is set once"
    changed = dict(zip(names, (f"v{i}" for i in range(len(names))), strict=True))
    stores = "".join(f"    s.{name} = {changed.get(name, f'base.{name}')}\n" for name in STATE_FIELDS)
    source = (
        f"def build(base, {', '.join(changed.values())}):\n"
        "    s = Thawed()\n"
        f"{stores}"
        "    s.__class__ = State\n"
        "    return s\n"
    )
    namespace: dict[str, Any] = {"State": State, "Thawed": _Thawed}
    exec(compile(source, f"<sc4it.kernel.state.state_builder {len(names)}>", "exec"), namespace)
    return cast("Callable[..., State]", namespace["build"])


def evolve_state(base: State, changes: dict[str, Any]) -> State:
    """`attrs.evolve(base, **changes)` at a fraction of the cost, for `Tx.commit`, which builds one
    `State` per committed call: attrs' frozen `__init__` goes through `object.__setattr__` for each of
    the 41 fields; this copies them with plain stores into a `_Thawed` and then switches its class
    (`state_builder`). A name that is not a field raises `AttributeError`. It stores the values as
    given, which is all attrs does while `State` has no validators, converters or init hooks
    (tests/test_runtime.py checks both that and the equality)."""
    return state_builder(tuple(changes))(base, *changes.values())
