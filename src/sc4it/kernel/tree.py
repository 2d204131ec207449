"""The state tree behind a `Commitment`, behind one small interface with two backends (CMT-25).

`PURE` is `sc4it.kernel.smt`, the normative definition of the tree (CMT-13..CMT-22). `NATIVE` is the
same tree in Rust, the optional package `sc4it-native` (`native/` at the repository's root, installed
with `pip install ./native`), or None when that package is not importable. CMT-25 requires both to give
the same root and the same proof bytes for every history, so which one a commitment uses changes its
speed and nothing else; `DEFAULT` is `NATIVE` when installed, else `PURE`. The choice is made once, by
importability: no environment variable, clock or file is read to make it. (The native tree itself asks
the operating system how many processors the process may use, to decide whether a big update or build
uses a second thread: how it computes is its own affair under CMT-25, and never changes a root.)

A tree is opaque outside its backend: a pure tree is an `smt.Node`, a native one an `sc4it_native.Tree`.
Paths are 256-bit integers on this side of the interface, as in `smt`; the native backend converts them
to 32 bytes big-endian at the boundary (its paths, CMT-13). A block's update (`update_entries`) passes no
paths at all: it hands over the entries' encodings, and the backend hashes them into leaf changes
(CMT-13, CMT-14: `smt.entry_changes` for the pure tree, the same hashes in Rust for the native one), so
the hot path converts nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sc4it.kernel import smt


class Backend(Protocol):
    """What `Commitment` needs of a tree: the operations of CMT-09, CMT-18 and CMT-20. Trees are
    immutable values (CMT-19): `update` returns a new tree and leaves `tree` as it was."""

    name: str

    def build(self, leaves: Iterable[tuple[int, bytes]]) -> Any:
        """CMT-16: the tree of `leaves` (path, value hash), paths distinct, from scratch."""
        ...

    def build_entries(self, groups: Iterable[smt.EntryRows]) -> Any:
        """CMT-13, CMT-14, CMT-16: the tree of encoded entries (`smt.entry_changes`, every value an
        encoding), from scratch."""
        ...

    def update(self, tree: Any, changes: Iterable[smt.Change]) -> Any:
        """CMT-18: `tree` with `changes` applied, (path, value hash) sets and (path, None) removes."""
        ...

    def update_entries(self, tree: Any, groups: Iterable[smt.EntryRows]) -> Any:
        """CMT-13, CMT-14, CMT-18: `tree` with the leaf changes of encoded entries (`smt.entry_changes`)
        applied."""
        ...

    def root_of(self, tree: Any) -> bytes:
        """CMT-07: the tree's hash."""
        ...

    def prove(self, tree: Any, paths: Iterable[int]) -> bytes:
        """CMT-20, CMT-21: the proof for `paths`, present or absent."""
        ...


class _Pure:
    """The normative tree: `sc4it.kernel.smt` as it is."""

    name = "pure"

    def build(self, leaves: Iterable[tuple[int, bytes]]) -> Any:
        return smt.build(leaves)

    def build_entries(self, groups: Iterable[smt.EntryRows]) -> Any:
        with smt.collector_paused():
            leaves = smt.entry_leaves(groups)
        return smt.build(leaves)

    def update(self, tree: Any, changes: Iterable[smt.Change]) -> Any:
        return smt.update(tree, changes)

    def update_entries(self, tree: Any, groups: Iterable[smt.EntryRows]) -> Any:
        return smt.update(tree, smt.entry_changes(groups))

    def root_of(self, tree: Any) -> bytes:
        return smt.root_of(tree)

    def prove(self, tree: Any, paths: Iterable[int]) -> bytes:
        return smt.prove(tree, paths)


class _Native:
    """The tree of `sc4it_native` (CMT-25): paths converted to 32 bytes big-endian at the boundary."""

    name = "native"

    def __init__(self, module: Any) -> None:
        self._module = module

    def build(self, leaves: Iterable[tuple[int, bytes]]) -> Any:
        with smt.collector_paused():  # many small objects that form no cycle (as `smt.build` does)
            converted = [(p.to_bytes(32, "big"), v) for p, v in leaves]
        return self._module.build(converted)

    def build_entries(self, groups: Iterable[smt.EntryRows]) -> Any:
        with smt.collector_paused():  # the rows are made as the tree reads them
            return self._module.build_entries(groups)

    def update(self, tree: Any, changes: Iterable[smt.Change]) -> Any:
        return tree.update([(p.to_bytes(32, "big"), v) for p, v in changes])

    def update_entries(self, tree: Any, groups: Iterable[smt.EntryRows]) -> Any:
        return tree.update_entries(groups)

    def root_of(self, tree: Any) -> bytes:
        root: bytes = tree.root()
        return root

    def prove(self, tree: Any, paths: Iterable[int]) -> bytes:
        proof: bytes = tree.prove([p.to_bytes(32, "big") for p in paths])
        return proof


def _native() -> Backend | None:
    """The native backend, None when `sc4it_native` is not installed; an ImportError that says what to
    do when it is installed but older than this code (built before `update_entries`): a host would
    otherwise fail at its first block."""
    try:
        import sc4it_native  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return None
    if not hasattr(sc4it_native, "build_entries") or not hasattr(sc4it_native.Tree, "update_entries"):
        raise ImportError("the installed sc4it_native is older than sc4it: rebuild it, pip install ./native")
    return _Native(sc4it_native)


PURE: Backend = _Pure()
NATIVE: Backend | None = _native()
"""The native tree, or None when `sc4it-native` is not installed."""
DEFAULT: Backend = PURE if NATIVE is None else NATIVE
"""CMT-25: the tree a `Commitment` uses unless told otherwise."""
