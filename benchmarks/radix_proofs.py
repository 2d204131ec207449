"""The expected proof size of one leaf for trees of radix 4, 8 and 16 with shortcut leaves (CMT-16's shape).

A model, not a timing: for the decision recorded in spec/commitment.md ("Why this tree") and
benchmarks/README.md section 2 ("The update per changed entry"). It draws `n` random 256-bit paths (keys are
hashed, CMT-13, so paths are uniform), sorts them, and for sampled leaves counts exactly, by bisection on the
sorted paths, what CMT-21 would write for that leaf's proof in a tree of radix 2^b: per inner node on the way
one tag byte plus, per sibling, 33 bytes (tag and hash) if it holds a leaf or 1 byte (the empty tag) if not;
then 65 bytes for the leaf and 1 for the version. Its radix-4 figure matches the proofs `sc4it` makes.

    .venv/bin/python -m benchmarks.radix_proofs 7181664   # the 1M population's number of leaves
"""

from __future__ import annotations

import bisect
import random
import statistics
import sys

PATH_BITS = 256


def proof_size(paths: list[int], bits: int, path: int) -> tuple[int, int]:
    """The proof size in bytes of the leaf at `path` (one of the sorted `paths`) in the radix-2^`bits` tree
    of `paths`, and the depth where that leaf sits (where it is alone, CMT-16)."""
    size, depth = 1 + 65, 0
    while True:
        shift = PATH_BITS - bits * (depth + 1)
        base = (path >> (shift + bits)) << (shift + bits)
        lo = bisect.bisect_left(paths, base)
        hi = bisect.bisect_left(paths, base + (1 << (shift + bits)))
        if hi - lo == 1:
            return size, depth
        size += 1  # the inner node's tag
        mine = (path >> shift) & ((1 << bits) - 1)
        for digit in range(1 << bits):
            if digit != mine:
                a = bisect.bisect_left(paths, base + (digit << shift), lo, hi)
                b = bisect.bisect_left(paths, base + ((digit + 1) << shift), lo, hi)
                size += 33 if b > a else 1
        depth += 1


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 7_181_664
    samples = int(argv[1]) if len(argv) > 1 else 400
    rng = random.Random(7)
    paths = sorted(rng.getrandbits(PATH_BITS) for _ in range(n))
    for bits in (2, 3, 4):
        out = [proof_size(paths, bits, paths[rng.randrange(n)]) for _ in range(samples)]
        sizes = [s for s, _ in out]
        print(
            f"radix {1 << bits}: proof of one leaf mean {statistics.mean(sizes):.0f} B, max {max(sizes)} B; "
            f"leaf depth mean {statistics.mean(d for _, d in out):.2f} ({n} leaves, {samples} sampled)",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
