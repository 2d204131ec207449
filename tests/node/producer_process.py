"""A producing node in its own process, for the kill -9 tests: `python -m tests.node.producer_process
DATA_DIR BLOCKS` opens (or resumes) the chain of `helpers.world()` in DATA_DIR and produces up to BLOCKS
blocks as fast as it can, each with a few transfers, printing `number hash` once each block is
committed."""

from __future__ import annotations

import sys

from sc4it.node.service import Node

from .helpers import ALICE, BOB, CHARLIE, PRODUCER, TFT, transfer, world


def main(data_dir: str, blocks: int) -> None:
    with Node.open(data_dir, world(), PRODUCER) as node:
        for i in range(blocks):
            for who, to in ((ALICE, BOB), (BOB, CHARLIE), (CHARLIE, ALICE)):
                n = node.account_next_index(who.account_id)
                node.submit(transfer(node.state, who, to, TFT + i, at=n))
            committed = node.produce_block()
            print(committed.number, committed.hash.hex(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
