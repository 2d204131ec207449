"""Billing (spec/billing.md, spec/grace.md, spec/distribution.md).

Public names:

- `bill_contract(tx, contract_id, pricing)`: bill one contract now (TFChain's `bill_contract`); raises
  `Fail` on error. The contract side calls it when a contract is cancelled (after marking it Deleted).
- `HANDLERS`: `BillContractForBlock`, `ChangeBillingFrequency`, `SetDistributionPolicy`.
- `BLOCK_HOOKS`: `[bill_shard]`, run by `runtime.on_block` on the block's transaction: bills shard
  `block % BillingFrequency`, each contract as an atomic step. `bill_block(state, env)` runs it alone.

Modules: `cost` (pure formulas), `payment` (bill_contract and its pricing), `grace` (the grace state
machine), `distribution` (remit_funds, the distribution policy), `settlement` (removing a contract),
`loop` (the block hook, should_bill, the calls).
"""

from __future__ import annotations

from collections.abc import Callable

from sc4it.contracts.billing import distribution, loop
from sc4it.contracts.billing.grace import manage_contract_state
from sc4it.contracts.billing.loop import bill_block, bill_shard, should_bill
from sc4it.contracts.billing.payment import bill_contract
from sc4it.kernel.tx import Handler, Tx, merge_handlers

__all__ = [
    "BLOCK_HOOKS",
    "HANDLERS",
    "bill_block",
    "bill_contract",
    "bill_shard",
    "manage_contract_state",
    "should_bill",
]

HANDLERS: dict[type, Handler] = merge_handlers(loop.HANDLERS, distribution.HANDLERS)
BLOCK_HOOKS: list[Callable[[Tx], None]] = [bill_shard]
