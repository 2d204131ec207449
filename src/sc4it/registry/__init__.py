"""Placeholder until the registry handlers land."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..tx import Tx

HANDLERS: dict[type, Callable[[Tx, Any], None]] = {}
