"""Shared flows for the service-contract tests (TFChain's tests.rs helpers)."""

from __future__ import annotations

from sc4it import calls as c

from .world import BASE_FEE, METADATA, VARIABLE_FEE, World, account


def create(w: World, by: str = "alice") -> int:
    """Contract between service alice (twin 1) and consumer bob (twin 2); returns its id."""
    w.ok(by, c.ServiceContractCreate(account("alice"), account("bob")))
    return w.state.service_contract_id


def prepare(w: World, base_fee: int = BASE_FEE, variable_fee: int = VARIABLE_FEE) -> int:
    """Created, then metadata and fees set: AgreementReady."""
    sc_id = create(w)
    w.ok("alice", c.ServiceContractSetMetadata(sc_id, METADATA))
    w.ok("alice", c.ServiceContractSetFees(sc_id, base_fee, variable_fee))
    return sc_id


def approve(w: World, sc_id: int) -> None:
    w.ok("alice", c.ServiceContractApprove(sc_id))
    w.ok("bob", c.ServiceContractApprove(sc_id))


def approved(w: World, base_fee: int = BASE_FEE, variable_fee: int = VARIABLE_FEE) -> int:
    sc_id = prepare(w, base_fee, variable_fee)
    approve(w, sc_id)
    return sc_id
