"""The rich console every command prints through."""

from __future__ import annotations

from typing import Any

from rich.console import Console


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader went away (`sc4it demo | head`): stop printing and let the command end with exit 0
        (rich's default exits 1, which reads as a failed check)."""
        self.quiet = True
        raise BrokenPipeError


def make_console() -> Any:
    """A console; when the output is not a terminal (a pipe, a file, a test) lines are 120 wide instead
    of rich's 80 so tables of amounts are not squeezed."""
    console = _Console(highlight=False)
    if not console.is_terminal:
        console = _Console(highlight=False, width=120)
    return console
