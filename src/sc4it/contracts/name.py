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
    """NM-01..NM-07. Origin: signed. In order: NM-01 the caller has a twin (`TwinNotExists`); NM-02..04
    the name is valid; NM-05 it is not registered (`NameExists`; a cancelled contract's name is free
    again, CON-45); NM-06 `create_contract` without solution provider, then the name registry entry;
    NM-07 event `ContractCreated(contract)`."""
    twin_id = tx.twin_id_by_account_id.get(tx.who)
    if twin_id is None:
        fail(Error.TwinNotExists)
    name = validate_name(call.name, tx.config)
    if name in tx.contract_id_by_name_registration:
        fail(Error.NameExists)
    contract = create_contract(tx, twin_id, NameContract(name), None)
    tx.contract_id_by_name_registration[name] = contract.contract_id
    tx.emit(ContractCreated(contract))


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.CreateNameContract: handle_create_name_contract,
}
