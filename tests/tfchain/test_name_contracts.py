"""Port of tests.rs "NAME CONTRACT TESTS" (TFChain commit 33046d68)."""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.errors import Error
from sc4it.kernel.types import NameContract

from .mock import Mock


def test_create_name_contract_works() -> None:
    """Rust `test_create_name_contract_works`: bob registers "foobar" (contract 1, name index set).
    NM-01..NM-07 CON-01 CON-05."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    events = m.call("bob", c.CreateNameContract(b"foobar"))
    contract = m.contract(1)
    assert contract is not None
    assert contract.contract_type == NameContract(b"foobar")
    assert contract.twin_id == 2
    assert m.state.contract_id_by_name_registration.get(b"foobar") == 1
    assert events == (ev.ContractCreated(contract),)


def test_cancel_name_contract_works() -> None:
    """Rust `test_cancel_name_contract_works`: after the cancel the contract is gone and the name
    registration reads 0. CC-06 CON-40 CON-45."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.call("alice", c.CreateNameContract(b"some_name"))
    events = m.call("alice", c.CancelContract(1))
    assert m.contract(1) is None
    assert (m.state.contract_id_by_name_registration.get(b"some_name") or 0) == 0
    assert events[-1] == ev.NameContractCanceled(1)


def test_create_name_contract_double_with_same_name_fails() -> None:
    """Rust `test_create_name_contract_double_with_same_name_fails`: alice cannot register bob's
    "foobar" (`NameExists`). NM-05."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.call("bob", c.CreateNameContract(b"foobar"))
    m.assert_noop("alice", c.CreateNameContract(b"foobar"), Error.NameExists)


def test_recreate_name_contract_after_cancel_works() -> None:
    """Rust `test_recreate_name_contract_after_cancel_works`: a cancelled name can be registered
    again (as contract 2). NM-05 CON-45."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.call("bob", c.CreateNameContract(b"foobar"))
    m.call("bob", c.CancelContract(1))
    m.call("bob", c.CreateNameContract(b"foobar"))
    assert m.state.contract_id_by_name_registration.get(b"foobar") == 2


def test_create_name_contract_with_invalid_dns_name_fails() -> None:
    """Rust `test_create_name_contract_with_invalid_dns_name_fails`: names with '.', '!', ';', '\\''
    or '%' are refused with `NameNotValid`. NM-04."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    for name in (b"foo.bar", b"foo!", b"foo;'", b"foo123.%"):
        m.assert_noop("alice", c.CreateNameContract(name), Error.NameNotValid)
