"""A broken invariant as `check` and `check_step` report it (spec/invariants.md), and the labels that
name the objects involved."""

from __future__ import annotations

import attrs

__all__ = ["Violation", "account_label", "contract_label"]


@attrs.frozen(slots=True)
class Violation:
    """One broken rule: its id (`INV-xx`), what is wrong, and the objects involved (`"contract 5"`,
    `"account 1a2b…"`, `"farm 1"`, `"slot 3"`...)."""

    rule: str
    message: str
    objects: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f" [{', '.join(self.objects)}]" if self.objects else ""
        return f"{self.rule}: {self.message}{where}"


def account_label(account: bytes) -> str:
    return f"account {account.hex()[:16]}"


def contract_label(cid: int) -> str:
    return f"contract {cid}"
