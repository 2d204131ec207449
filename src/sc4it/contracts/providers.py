"""Solution providers (spec/providers.md, rules SP-xx): TFChain's `create_solution_provider`,
`approve_solution_provider`, `attach_solution_provider_id` and the check `create_contract` runs.

Since TFChain 2.9 (spec 152) a provider receives no share of billing: the id on a contract is metadata,
unless the council's distribution policy gives `Recipient.SolutionProviders` a share (billing's issue).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import ContractUpdated, SolutionProviderApproved, SolutionProviderCreated
from sc4it.kernel.origins import ensure_council
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import SolutionProvider
from sc4it.reads import caller_twin_id

MAX_TOTAL_TAKE = 50
"""SP-04: the providers' takes (percent) may sum to at most 50."""


def validate_solution_provider(tx: Tx, solution_provider_id: int | None) -> None:
    """SP-20: a contract may name a solution provider only if it exists (`NoSuchSolutionProvider`) and
    is approved (`SolutionProviderNotApproved`). `None` always passes."""
    if solution_provider_id is None:
        return
    sp = tx.solution_providers.get(solution_provider_id)
    if sp is None:
        fail(Error.NoSuchSolutionProvider)
    if not sp.approved:
        fail(Error.SolutionProviderNotApproved)


def handle_create_solution_provider(tx: Tx, call: c.CreateSolutionProvider) -> None:
    """SP-01..SP-06."""
    cfg = tx.config
    if len(call.description) > cfg.max_solution_provider_text:  # SP-01 (DEV-SP-1)
        fail(Error.SolutionProviderDescriptionTooLong)
    if len(call.link) > cfg.max_solution_provider_text:  # SP-02 (DEV-SP-1)
        fail(Error.SolutionProviderLinkTooLong)
    if len(call.providers) > cfg.max_solution_providers:  # SP-03 (DEV-SP-1)
        fail(Error.TooManyProviders)
    if sum(p.take for p in call.providers) > MAX_TOTAL_TAKE:  # SP-04 (exact sum, DEV-SP-2)
        fail(Error.InvalidProviderConfiguration)
    sp_id = tx.solution_provider_id + 1  # SP-05
    sp = SolutionProvider(sp_id, tuple(call.providers), call.description, call.link, False)
    tx.solution_provider_id = sp_id
    tx.solution_providers[sp_id] = sp
    tx.emit(SolutionProviderCreated(sp))  # SP-06


def handle_approve_solution_provider(tx: Tx, call: c.ApproveSolutionProvider) -> None:
    """SP-10..SP-12."""
    ensure_council(tx)  # SP-10
    sp = tx.solution_providers.get(call.solution_provider_id)
    if sp is None:  # SP-11
        fail(Error.NoSuchSolutionProvider)
    tx.solution_providers[call.solution_provider_id] = sp.with_approved(call.approve)  # SP-12
    tx.emit(SolutionProviderApproved(call.solution_provider_id, call.approve))


def handle_attach_solution_provider_id(tx: Tx, call: c.AttachSolutionProviderId) -> None:
    """SP-30..SP-36."""
    sp = tx.solution_providers.get(call.solution_provider_id)
    if sp is None:  # SP-30
        fail(Error.NoSuchSolutionProvider)
    if not sp.approved:  # SP-31
        fail(Error.SolutionProviderNotApproved)
    contract = tx.contracts.get(call.contract_id)
    if contract is None:  # SP-32
        fail(Error.ContractNotExists)
    twin_id = caller_twin_id(tx)  # SP-33
    if contract.twin_id != twin_id or contract.solution_provider_id is not None:  # SP-34, SP-35
        fail(Error.UnauthorizedToChangeSolutionProviderId)
    contract = contract.with_solution_provider(call.solution_provider_id)  # SP-36
    tx.contracts[contract.contract_id] = contract
    tx.emit(ContractUpdated(contract))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreateSolutionProvider: handle_create_solution_provider,
    c.ApproveSolutionProvider: handle_approve_solution_provider,
    c.AttachSolutionProviderId: handle_attach_solution_provider_id,
}
