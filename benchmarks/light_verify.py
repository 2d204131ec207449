"""What a light client pays to verify a CometBFT commit (`sc4it.net.light`, spec/network.md NET-40..NET-47).

    PYTHONPATH=src python -m benchmarks.light_verify [--validators 4 100] [--rounds 200]

A synthetic light block per validator-set size (fresh ed25519 keys, every validator at power 10, every
one signing CometBFT's canonical vote of the header) is verified `rounds` times; side by side, in the
same run, the bare ed25519 verifications the rule needs (more than 2/3 of the signatures) and a proof
check of one contract against a state root. Figures are CPU time of this process; ratios are what to
compare (the machine is shared).
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable

import nacl.signing

from sc4it import genesis
from sc4it.kernel import commitment
from sc4it.net.light import (
    FLAG_COMMIT,
    BlockId,
    CometHeader,
    Commit,
    CommitSig,
    LightBlock,
    Validator,
    validators_hash,
    verify_commit,
)

CHAIN = "sc4it-bench"


def light_block(n: int) -> tuple[LightBlock, list[tuple[nacl.signing.VerifyKey, bytes, bytes]]]:
    """A light block signed by all `n` validators, and the (key, message, signature) triples."""
    keys = [nacl.signing.SigningKey(hashlib.sha256(b"v%d" % i).digest()) for i in range(n)]
    vals = [
        Validator(hashlib.sha256(bytes(k.verify_key)).digest()[:20], bytes(k.verify_key), 10) for k in keys
    ]
    order = sorted(range(n), key=lambda i: vals[i].address)  # equal powers: by address
    keys, vals = [keys[i] for i in order], [vals[i] for i in order]
    h32 = hashlib.sha256(b"x").digest()
    header = CometHeader(
        11, 1, CHAIN, 7, (1_800_000_000, 5), BlockId(h32, 1, h32), h32, h32,
        validators_hash(vals), validators_hash(vals), h32, h32, h32, h32, vals[0].address,
    )  # fmt: skip
    block_id = BlockId(header.hash(), 1, h32)
    unsigned = Commit(
        7,
        0,
        block_id,
        tuple(CommitSig(FLAG_COMMIT, v.address, (1_800_000_001, i), b"") for i, v in enumerate(vals)),
    )
    sigs, triples = [], []
    for i, (k, v) in enumerate(zip(keys, vals, strict=True)):
        message = unsigned.vote_sign_bytes(CHAIN, i)
        signature = k.sign(message).signature
        sigs.append(CommitSig(FLAG_COMMIT, v.address, (1_800_000_001, i), signature))
        triples.append((k.verify_key, message, signature))
    return LightBlock(header, Commit(7, 0, block_id, tuple(sigs)), tuple(vals)), triples


def cpu(fn: Callable[[], object], rounds: int) -> float:
    start = time.process_time()
    for _ in range(rounds):
        fn()
    return (time.process_time() - start) / rounds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--validators", type=int, nargs="+", default=[4, 100])
    p.add_argument("--rounds", type=int, default=200)
    a = p.parse_args()
    state = genesis.default()
    tree = commitment.Commitment.of(state)
    entry = ("accounts", next(iter(state.accounts)))
    proof = tree.prove([entry])
    claim = [(entry[0], entry[1], tree.value(*entry))]
    proof_s = cpu(lambda: commitment.check(tree.root, claim, proof), a.rounds)
    print(f"one account proved against a state root: {proof_s * 1e6:.0f} us ({len(proof)} bytes of proof)")
    for n in a.validators:
        block, triples = light_block(n)
        needed = n * 2 // 3 + 1

        def verify(block: LightBlock = block) -> None:
            verify_commit(block, CHAIN)

        verify_s = cpu(verify, a.rounds)

        def bare(triples: list[tuple[nacl.signing.VerifyKey, bytes, bytes]] = triples[:needed]) -> None:
            for key, message, signature in triples:
                key.verify(message, signature)

        bare_s = cpu(bare, a.rounds)
        print(
            f"{n:4d} validators: verify_commit {verify_s * 1e3:.2f} ms; {needed} bare ed25519 verifications "
            f"{bare_s * 1e3:.2f} ms; ratio {verify_s / bare_s:.2f}"
        )


if __name__ == "__main__":
    main()
