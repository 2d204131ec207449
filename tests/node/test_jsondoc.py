"""docs/json.md is generated from the annotations and current (JSN-11)."""

from __future__ import annotations

import typing

from sc4it.kernel.calls import Call
from sc4it.kernel.events import Event
from sc4it.node import jsondoc

from ..support import ROOT


def test_json_reference_is_current() -> None:
    """JSN-11: regenerate with `python -m sc4it.node.jsondoc --write` when this fails."""
    on_disk = (ROOT / jsondoc.DOC_PATH).read_text(encoding="utf-8")
    assert on_disk == jsondoc.reference(), "docs/json.md is stale: run `python -m sc4it.node.jsondoc --write`"


def test_reference_documents_every_call_and_event() -> None:
    """JSN-01 JSN-11: each call and event has its own section with each of its fields."""
    text = jsondoc.reference()
    for kind, union in (("call", Call), ("event", Event)):
        for cls in typing.get_args(union):
            assert f"### {kind} {cls.__name__}\n" in text
    assert "| `from` | SS58 account |" in text and "| `from_`" not in text
