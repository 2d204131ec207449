"""Service contracts end to end on the default development genesis (spec/service-contracts.md)."""

from __future__ import annotations

from sc4it import BlockEnv, Error, Outcome, State, apply, genesis, sign
from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.calls import Call
from sc4it.kernel.types import ServiceContractBill, ServiceContractState

from .world import conserved

T0_MS = 1_628_082_000_000


def run(state: State, name: str, call: Call, block: int) -> Outcome:
    key = genesis.dev_keypair(name)
    info = state.accounts.get(key.account_id)
    nonce = 0 if info is None else info.nonce
    return apply(state, sign(call, key, nonce, state.chain_id), BlockEnv(block, T0_MS + 6000 * block))


def test_svc_full_flow_on_default_genesis() -> None:
    """SVC-02..SVC-09, SVC-17, SVC-20 on `genesis.default()`: charlie (twin 3) serves dave (twin 4);
    create, metadata, fees, both approvals, an hourly bill paid by dave, an over-cap bill refused, then
    cancellation; funds conserved at every step."""
    state = genesis.default()
    charlie, dave = genesis.dev_keypair("charlie").account_id, genesis.dev_keypair("dave").account_id
    steps: list[tuple[str, Call, int]] = [
        ("dave", c.ServiceContractCreate(charlie, dave), 1),
        ("dave", c.ServiceContractSetMetadata(1, b"dave-pubkey"), 2),
        ("charlie", c.ServiceContractSetFees(1, 2000, 500), 3),
        ("dave", c.ServiceContractApprove(1), 4),
        ("charlie", c.ServiceContractApprove(1), 5),
    ]
    for name, call, block in steps:
        out = run(state, name, call, block)
        assert out.ok, (call, out.error)
        state = out.state
        assert conserved(state)
    assert state.service_contracts[1].state == ServiceContractState.ApprovedByBoth
    assert state.service_contracts[1].last_bill == (T0_MS + 6000 * 5) // 1000

    dave_before = state.accounts[dave].free
    out = run(state, "charlie", c.ServiceContractBill(1, 501, b""), 605)
    assert out.error is Error.ServiceContractBillingVariableAmountTooHigh
    out = run(state, "charlie", c.ServiceContractBill(1, 500, b"hour 1"), 605)
    assert out.ok
    state = out.state
    # (2000 + 500) mUSD = 25 000 000 units USD at 50 mUSD per TFT = 50 TFT
    assert state.accounts[dave].free == dave_before - 500_000_000
    assert out.events[-1] == ev.ServiceContractBilled(
        state.service_contracts[1], ServiceContractBill(500, 3600, b"hour 1"), 500_000_000
    )
    assert conserved(state)

    out = run(state, "dave", c.ServiceContractCancel(1), 606)
    assert out.ok and 1 not in out.state.service_contracts
    assert conserved(out.state)
