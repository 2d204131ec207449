"""Solution providers (spec/providers.md SP-xx)."""

from __future__ import annotations

import pytest

from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.errors import Error
from sc4it.kernel.types import Provider, SolutionProvider

from .world import acc, approved_provider, base, call, council_call, err, name_contract, node_contract, ok


def _providers(*takes: int) -> tuple[Provider, ...]:
    names = ("alice", "bob", "charlie", "dave", "eve", "ferdie")[: len(takes)]
    return tuple(Provider(acc(n), t) for n, t in zip(names, takes, strict=True))


def test_create_solution_provider() -> None:
    """SP-05, SP-06: stored unapproved with the next id; event."""
    s = base()
    s, events = ok(call(s, "eve", c.CreateSolutionProvider(b"desc", b"https://x", _providers(20, 30))))
    sp = SolutionProvider(1, _providers(20, 30), b"desc", b"https://x", False)
    assert s.solution_providers[1] == sp
    assert s.solution_provider_id == 1
    assert events == (ev.SolutionProviderCreated(sp),)
    s, _ = ok(call(s, "eve", c.CreateSolutionProvider(b"", b"", ())))
    assert s.solution_provider_id == 2


@pytest.mark.parametrize(
    ("description", "link", "takes", "error"),
    [
        (b"d" * 161, b"", (), Error.SolutionProviderDescriptionTooLong),
        (b"", b"l" * 161, (), Error.SolutionProviderLinkTooLong),
        (b"", b"", (1, 1, 1, 1, 1, 1), Error.TooManyProviders),
        (b"", b"", (25, 26), Error.InvalidProviderConfiguration),
        (b"", b"", (51,), Error.InvalidProviderConfiguration),
        # DEV-SP-2: TFChain's u8 sum would wrap 200 + 56 to 0 and accept it
        (b"", b"", (200, 56), Error.InvalidProviderConfiguration),
        # order SP-01 < SP-02 < SP-03 < SP-04
        (b"d" * 161, b"l" * 161, (60, 60, 60, 60, 60, 60), Error.SolutionProviderDescriptionTooLong),
        (b"", b"l" * 161, (60, 60, 60, 60, 60, 60), Error.SolutionProviderLinkTooLong),
        (b"", b"", (60, 60, 60, 60, 60, 60), Error.TooManyProviders),
    ],
)
def test_sp01_sp04_errors(description: bytes, link: bytes, takes: tuple[int, ...], error: Error) -> None:
    """SP-01 SP-02 SP-03 SP-04 in order."""
    s = base()
    assert err(call(s, "eve", c.CreateSolutionProvider(description, link, _providers(*takes))), s) is error


def test_sp_bounds_accepted() -> None:
    """SP-01 SP-02 SP-03 SP-04 at their limits: 160 bytes, 5 providers, takes summing to exactly 50."""
    s = base()
    ok(call(s, "eve", c.CreateSolutionProvider(b"d" * 160, b"l" * 160, _providers(10, 10, 10, 10, 10))))


def test_approve_solution_provider() -> None:
    """SP-10 SP-11 SP-12: only the council; missing provider; approve and withdraw; contracts keep theirs."""
    s, _ = ok(call(base(), "eve", c.CreateSolutionProvider(b"d", b"l", _providers(10))))
    assert err(call(s, "alice", c.ApproveSolutionProvider(1, True)), s) is Error.BadOrigin
    assert err(council_call(s, c.ApproveSolutionProvider(2, True)), s) is Error.NoSuchSolutionProvider
    s, events = ok(council_call(s, c.ApproveSolutionProvider(1, True)))
    assert events == (ev.SolutionProviderApproved(1, True),)
    assert s.solution_providers[1].approved
    s, contract = node_contract(s, "alice", sp=1)
    s, events = ok(council_call(s, c.ApproveSolutionProvider(1, False)))
    assert events == (ev.SolutionProviderApproved(1, False),)
    assert not s.solution_providers[1].approved
    assert s.contracts[contract.contract_id].solution_provider_id == 1
    assert err(call(s, "bob", c.CreateNodeContract(1, bytes(32), b"", 0, 1)), s) is (
        Error.SolutionProviderNotApproved
    )


def test_attach_solution_provider_id() -> None:
    """SP-36: the owner attaches an approved provider once, to any contract type."""
    s, sp = approved_provider(base())
    s, contract = name_contract(s, "bob", b"bobname")
    s, events = ok(call(s, "bob", c.AttachSolutionProviderId(contract.contract_id, sp)))
    updated = s.contracts[contract.contract_id]
    assert updated.solution_provider_id == sp
    assert events == (ev.ContractUpdated(updated),)


def test_attach_errors_in_order() -> None:
    """SP-30 SP-31 SP-32 SP-33 SP-34 SP-35."""
    s, unapproved = approved_provider(base(), approved=False)
    s, sp = approved_provider(s)
    s, contract = node_contract(s, "alice")
    cid = contract.contract_id
    assert err(call(s, "eve", c.AttachSolutionProviderId(99, 99)), s) is Error.NoSuchSolutionProvider
    assert (
        err(call(s, "eve", c.AttachSolutionProviderId(99, unapproved)), s)
        is Error.SolutionProviderNotApproved
    )
    assert err(call(s, "eve", c.AttachSolutionProviderId(99, sp)), s) is Error.ContractNotExists
    assert err(call(s, "eve", c.AttachSolutionProviderId(cid, sp)), s) is Error.TwinNotExists
    assert err(call(s, "bob", c.AttachSolutionProviderId(cid, sp)), s) is (
        Error.UnauthorizedToChangeSolutionProviderId
    )
    s2, _ = ok(call(s, "alice", c.AttachSolutionProviderId(cid, sp)))
    assert err(call(s2, "alice", c.AttachSolutionProviderId(cid, sp)), s2) is (
        Error.UnauthorizedToChangeSolutionProviderId
    )
    # a contract created with a provider cannot change it either
    s3, with_sp = node_contract(s, "alice", h=2, sp=sp)
    assert err(call(s3, "alice", c.AttachSolutionProviderId(with_sp.contract_id, sp)), s3) is (
        Error.UnauthorizedToChangeSolutionProviderId
    )
