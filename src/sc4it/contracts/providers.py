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
from sc4it.kernel.types import Contract, SolutionProvider

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
    """SP-01..SP-06. Origin: any signed account.

    Bounds first (DEV-SP-1, TFChain has none): description ≤ `max_solution_provider_text`
    (`SolutionProviderDescriptionTooLong`), link ≤ `max_solution_provider_text`
    (`SolutionProviderLinkTooLong`), at most `max_solution_providers` providers (`TooManyProviders`).
    Then TFChain's one check: Σ take ≤ 50 (`InvalidProviderConfiguration`), summed exactly (DEV-SP-2:
    TFChain sums in a u8 that wraps, reference P-C). Effects: id = counter + 1, stored unapproved, counter
    moves; event `SolutionProviderCreated(sp)`."""
    cfg = tx.config
    if len(call.description) > cfg.max_solution_provider_text:
        fail(Error.SolutionProviderDescriptionTooLong)
    if len(call.link) > cfg.max_solution_provider_text:
        fail(Error.SolutionProviderLinkTooLong)
    if len(call.providers) > cfg.max_solution_providers:
        fail(Error.TooManyProviders)
    if sum(p.take for p in call.providers) > MAX_TOTAL_TAKE:
        fail(Error.InvalidProviderConfiguration)
    sp_id = tx.solution_provider_id + 1
    sp = SolutionProvider(sp_id, tuple(call.providers), call.description, call.link, False)
    tx.solution_provider_id = sp_id
    tx.solution_providers[sp_id] = sp
    tx.emit(SolutionProviderCreated(sp))


def handle_approve_solution_provider(tx: Tx, call: c.ApproveSolutionProvider) -> None:
    """SP-10..SP-12. Origin: the council (`BadOrigin`). The provider must exist
    (`NoSuchSolutionProvider`); `approved` becomes `approve` (so the council can also withdraw an
    approval); event `SolutionProviderApproved(id, approve)`. Contracts that already name a provider
    keep it when it is un-approved."""
    ensure_council(tx)
    sp = tx.solution_providers.get(call.solution_provider_id)
    if sp is None:
        fail(Error.NoSuchSolutionProvider)
    tx.solution_providers[call.solution_provider_id] = SolutionProvider(
        sp.solution_provider_id, sp.providers, sp.description, sp.link, call.approve
    )
    tx.emit(SolutionProviderApproved(call.solution_provider_id, call.approve))


def handle_attach_solution_provider_id(tx: Tx, call: c.AttachSolutionProviderId) -> None:
    """SP-30..SP-36. Origin: signed, the contract's owner. In order: the provider exists
    (`NoSuchSolutionProvider`) and is approved (`SolutionProviderNotApproved`); the contract exists
    (`ContractNotExists`); the caller has a twin (`TwinNotExists`) that owns the contract
    (`UnauthorizedToChangeSolutionProviderId`); the contract has no provider yet (same error: it can be
    set once). Effect: the provider id is set; event `ContractUpdated(contract)`."""
    sp = tx.solution_providers.get(call.solution_provider_id)
    if sp is None:
        fail(Error.NoSuchSolutionProvider)
    if not sp.approved:
        fail(Error.SolutionProviderNotApproved)
    contract = tx.contracts.get(call.contract_id)
    if contract is None:
        fail(Error.ContractNotExists)
    twin_id = tx.twin_id_by_account_id.get(tx.who)
    if twin_id is None:
        fail(Error.TwinNotExists)
    if contract.twin_id != twin_id or contract.solution_provider_id is not None:
        fail(Error.UnauthorizedToChangeSolutionProviderId)
    contract = Contract(
        contract.version,
        contract.state,
        contract.contract_id,
        contract.twin_id,
        contract.contract_type,
        call.solution_provider_id,
    )
    tx.contracts[contract.contract_id] = contract
    tx.emit(ContractUpdated(contract))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreateSolutionProvider: handle_create_solution_provider,
    c.ApproveSolutionProvider: handle_approve_solution_provider,
    c.AttachSolutionProviderId: handle_attach_solution_provider_id,
}
