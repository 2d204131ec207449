"""Name contracts (spec/contracts.md, rules NM-xx): TFChain's `create_name_contract` and the name rules
of its `NameContractName` type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sc4it.contracts.lifecycle import create_contract
from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import ContractCreated
from sc4it.kernel.state import Config
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import NameContract
from sc4it.reads import caller_twin_id

NAME_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789-_")
"""NM-04: the bytes a name may contain (lower-case ASCII letters, digits, '-' and '_')."""


def validate_name(name: bytes, config: Config) -> bytes:
    """NM-02..NM-04, checked in this order: at least `min_name_length` (3) bytes
    (`NameContractNameTooShort`), at most `max_name_length` (64) bytes (`NameContractNameTooLong`), only
    bytes of `NAME_CHARS` (`NameNotValid`: no upper case, no dots, nothing else)."""
    if len(name) < config.min_name_length:
        fail(Error.NameContractNameTooShort)
    if len(name) > config.max_name_length:
        fail(Error.NameContractNameTooLong)
    if not NAME_CHARS.issuperset(name):
        fail(Error.NameNotValid)
    return name


def handle_create_name_contract(tx: Tx, call: c.CreateNameContract) -> None:
    """NM-01..NM-07."""
    twin_id = caller_twin_id(tx)  # NM-01
    name = validate_name(call.name, tx.config)  # NM-02..NM-04
    if name in tx.contract_id_by_name_registration:  # NM-05
        fail(Error.NameExists)
    contract = create_contract(tx, twin_id, NameContract(name), None)  # NM-06
    tx.contract_id_by_name_registration[name] = contract.contract_id
    tx.emit(ContractCreated(contract))  # NM-07


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreateNameContract: handle_create_name_contract,
}
