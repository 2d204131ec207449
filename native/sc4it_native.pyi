"""Types of `sc4it_native`, the state tree in Rust (native/src/lib.rs; spec/commitment.md, CMT-25).

Paths, value hashes and roots are 32 bytes. An entry group is (prefix, rows), each row (the rest of the
key preimage, the value's encoding or None for a removal), as `sc4it.kernel.smt.entry_changes` reads it.
"""

from collections.abc import Iterable, Sequence

_Rows = Iterable[tuple[bytes, bytes | None]]
_Groups = Iterable[tuple[bytes, _Rows]]

class Tree:
    """A tree (persistent: `update` returns a new one and leaves this one as it was)."""

    def root(self) -> bytes:
        """The hash of the tree (CMT-15..CMT-17)."""

    def update(self, changes: Sequence[tuple[bytes, bytes | None]]) -> Tree:
        """The tree with `changes` applied: (path, value hash) sets a leaf, (path, None) removes one."""

    def update_entries(self, groups: _Groups) -> Tree:
        """CMT-13, CMT-14, CMT-18: the tree with the encoded entries of `groups` changed."""

    def prove(self, paths: Sequence[bytes]) -> bytes:
        """CMT-20, CMT-21: the proof for `paths`, present or absent."""

def build(leaves: Sequence[tuple[bytes, bytes]]) -> Tree:
    """The tree of `leaves` (path, value hash), paths distinct, from scratch (CMT-16)."""

def build_entries(groups: _Groups) -> Tree:
    """CMT-13, CMT-14, CMT-16: the tree of encoded entries (every value an encoding), from scratch."""

def entry_changes(groups: _Groups) -> list[tuple[bytes, bytes | None]]:
    """CMT-13, CMT-14: the (path, value hash or None) of encoded entries, in their order."""
