"""Port of tests.rs "SOLUTION PROVIDER TESTS" and the `attach_solution_provider_id` tests (TFChain commit
33046d68)."""

from __future__ import annotations

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.errors import Error
from sc4it.kernel.types import Provider, SolutionProvider

from .mock import Mock, account, get_deployment_data


def test_create_solution_provider_works() -> None:
    """Rust `test_create_solution_provider_works`: alice creates a provider with takes 10 (alice) and
    10 (bob), stored unapproved as id 1; root approves it. SP-04..SP-06 SP-10..SP-12."""
    m = Mock()
    m.run_to_block(1)
    providers = (Provider(account("alice"), 10), Provider(account("bob"), 10))
    events = m.call("alice", c.CreateSolutionProvider(b"some_description", b"some_link", providers))
    created = SolutionProvider(1, providers, b"some_description", b"some_link", False)
    assert m.state.solution_providers[1] == created
    assert events == (ev.SolutionProviderCreated(created),)
    events = m.council(c.ApproveSolutionProvider(1, True))
    assert m.state.solution_providers[1].approved
    assert events == (ev.SolutionProviderApproved(1, True),)


def test_create_solution_provider_fails_if_take_to_high() -> None:
    """Rust `test_create_solution_provider_fails_if_take_to_high`: a take of 51 (> 50) →
    `InvalidProviderConfiguration`. SP-04."""
    m = Mock()
    m.assert_noop(
        "alice",
        c.CreateSolutionProvider(b"some_description", b"some_link", (Provider(account("alice"), 51),)),
        Error.InvalidProviderConfiguration,
    )


def test_create_node_contract_with_solution_provider_works() -> None:
    """Rust `test_create_node_contract_with_solution_provider_works`: a node contract naming the
    approved provider 1 is created with it. SP-20 CON-03."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_and_node()
    m.prepare_solution_provider("alice")
    m.create_node_contract("alice", 1, solution_provider_id=1)
    contract = m.contract(1)
    assert contract is not None and contract.solution_provider_id == 1


def test_create_node_contract_with_solution_provider_fails_if_not_approved() -> None:
    """Rust `test_create_node_contract_with_solution_provider_fails_if_not_approved`: naming a provider
    that is not approved → `SolutionProviderNotApproved`. SP-20 CON-03."""
    m = Mock()
    m.prepare_farm_and_node()
    m.call(
        "alice",
        c.CreateSolutionProvider(b"some_description", b"some_link", (Provider(account("alice"), 10),)),
    )
    m.assert_noop(
        "alice",
        c.CreateNodeContract(1, m.generate_deployment_hash(), get_deployment_data(), 0, 1),
        Error.SolutionProviderNotApproved,
    )


def test_attach_solution_provider_id() -> None:
    """Rust `test_attach_solution_provider_id`: the owner attaches approved provider 1 to a contract
    without one. SP-30..SP-36."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    contract = m.contract(1)
    assert contract is not None and contract.solution_provider_id is None
    m.prepare_solution_provider("alice")
    events = m.call("alice", c.AttachSolutionProviderId(1, 1))
    contract = m.contract(1)
    assert contract is not None and contract.solution_provider_id == 1
    assert events == (ev.ContractUpdated(contract),)


def test_attach_solution_provider_id_wrong_origin_fails() -> None:
    """Rust `test_attach_solution_provider_id_wrong_origin_fails`: bob attaches a provider to alice's
    contract → `UnauthorizedToChangeSolutionProviderId`. SP-34."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    contract = m.contract(1)
    assert contract is not None and contract.solution_provider_id is None
    m.prepare_solution_provider("alice")
    m.assert_noop("bob", c.AttachSolutionProviderId(1, 1), Error.UnauthorizedToChangeSolutionProviderId)


def test_attach_solution_provider_id_not_approved_fails() -> None:
    """Rust `test_attach_solution_provider_id_not_approved_fails`: the provider (dave, take 10) is not
    approved → `SolutionProviderNotApproved` (checked before the caller). SP-31."""
    m = Mock()
    m.run_to_block(1)
    m.prepare_farm_node_and_node_contract()
    contract = m.contract(1)
    assert contract is not None and contract.solution_provider_id is None
    m.call(
        "alice", c.CreateSolutionProvider(b"some_description", b"some_link", (Provider(account("dave"), 10),))
    )
    m.assert_noop("bob", c.AttachSolutionProviderId(1, 1), Error.SolutionProviderNotApproved)
