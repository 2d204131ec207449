"""Issue 13's side-by-side measurement: this tree against an older commit, one process per tree, alternating.

Three figures per run, each a median over `rounds` (benchmarks/README.md section 7):

- `bill_us`: `bill_contract` of one typical contract (`Population.billed_contract`) on a warm block `Tx`,
  from a savepoint, as a block's billing loop calls it;
- `on_block_ms`: `on_block` on the population's billing block;
- `apply_us`, `verify_us`, `ratio`: a signed `CreateNodeContract` through `apply`, and a bare ed25519
  verification of the same message and signature, in alternating calls; `ratio` = apply / verify, the
  figure that cancels the machine's speed.

Measure this tree (prints one JSON line):

    .venv/bin/python -m benchmarks.side_by_side measure 1000 3000

Compare it with another commit checked out at DIR (e.g. `git worktree add --detach /tmp/old 8b530ff`),
`alternations` times each, the trees alternating, the load average before and after each run printed:

    .venv/bin/python -m benchmarks.side_by_side compare /tmp/old 1000 3000 --alternations 3

The other tree runs this script's file with its own `src` and `benchmarks` first on the path, so only its
package is measured. The imports below fall back to the module layout before issue 13 (commit `8b530ff`:
`sc4it.tx`, `sc4it.signing`, `billing_context` instead of `pricing_of`), so that commit can be the other tree.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()


def _median_us(samples: list[int]) -> float:
    return statistics.median(samples) / 1000


def _timed(f: Callable[[], object], rounds: int) -> list[int]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        f()
        out.append(time.perf_counter_ns() - t0)
    return out


def _imports() -> dict[str, Any]:
    """The functions measured, from today's layout or from the one before issue 13."""
    found: dict[str, Any] = {}
    from sc4it.contracts.billing import payment

    if hasattr(payment, "pricing_of"):  # bill_contract(tx, contract_id, pricing)
        found.update(bill=payment.bill_contract, pricing=payment.pricing_of, passes_pricing=True)
    else:  # before issue 13: billing_context(tx) cached the pricing in the Tx, bill_contract(tx, contract_id)
        old_pricing = payment.billing_context  # type: ignore[attr-defined]
        found.update(bill=payment.bill_contract, pricing=old_pricing, passes_pricing=False)
    try:
        from sc4it.kernel.signing import sign
        from sc4it.kernel.tx import Tx
    except ImportError:
        from sc4it.signing import sign  # type: ignore[import-not-found,no-redef]
        from sc4it.tx import Tx  # type: ignore[import-not-found,no-redef]
    from sc4it import calls
    from sc4it.genesis import dev_keypair
    from sc4it.runtime import apply, on_block

    found.update(sign=sign, Tx=Tx, calls=calls, dev_keypair=dev_keypair, apply=apply, on_block=on_block)
    return found


def measure(n: int, rounds: int) -> dict[str, float]:
    """The three figures of the module docstring for the world of `n` live node contracts."""
    import nacl.bindings

    from benchmarks.population import build_population

    f = _imports()
    pop = build_population(n)
    state, env, target = pop.state, pop.env, pop.billed_contract()
    gc.collect()
    gc.freeze()
    bills = []
    for _ in range(rounds):
        tx = f["Tx"](state, env)
        pricing = f["pricing"](tx)
        args = (target, pricing) if f["passes_pricing"] else (target,)
        tx.savepoint()
        t0 = time.perf_counter_ns()
        f["bill"](tx, *args)
        bills.append(time.perf_counter_ns() - t0)
    blocks = _timed(lambda: f["on_block"](state, env), max(20, rounds // 30))
    alice = f["dev_keypair"]("alice")
    call = f["calls"].CreateNodeContract(state.node_id, b"\x5c" * 32, b"", 0, None)
    signed = f["sign"](call, alice, state.accounts[alice.account_id].nonce, state.chain_id)
    assert f["apply"](state, signed, env).error is None, "the measured call must succeed"
    sig = signed.signatures[0]
    smsg, pk = sig.signature + signed.payload(), sig.public_key
    applies, verifies = [], []
    for _ in range(rounds):
        applies += _timed(lambda: f["apply"](state, signed, env), 1)
        verifies += _timed(lambda: nacl.bindings.crypto_sign_open(smsg, pk), 1)
    return {
        "n": n,
        "bill_us": _median_us(bills),
        "on_block_ms": _median_us(blocks) / 1000,
        "apply_us": _median_us(applies),
        "verify_us": _median_us(verifies),
        "ratio": statistics.median(applies) / statistics.median(verifies),
    }


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _run_in(tree: Path, n: int, rounds: int) -> dict[str, Any]:
    """`measure` in a fresh process whose path starts with `tree`'s `src` and `tree` itself."""
    env = dict(os.environ, PYTHONPATH=f"{tree / 'src'}{os.pathsep}{tree}")
    cmd = [sys.executable, str(HERE), "measure", str(n), str(rounds)]
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=1800, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare(other: Path, n: int, rounds: int, alternations: int) -> None:
    """Alternate this tree and `other`, one process per run, printing each run's figures and load."""
    trees = {"other": other.resolve(), "this": HERE.parent.parent}
    for _ in range(alternations):
        for name, tree in trees.items():
            before = _load()
            figures = _run_in(tree, n, rounds)
            print(json.dumps({"tree": name, "load": f"{before}-{_load()}", **figures}), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure", help="measure this tree, print one JSON line")
    c = sub.add_parser("compare", help="alternate another tree and this one")
    c.add_argument("other", type=Path, help="a checkout of the commit to compare with")
    for p in (m, c):
        p.add_argument("n", type=int, help="live node contracts")
        p.add_argument("rounds", type=int, help="samples per median")
    c.add_argument("--alternations", type=int, default=3)
    args = parser.parse_args(argv)
    if args.command == "measure":
        print(json.dumps(measure(args.n, args.rounds)))
    else:
        compare(args.other, args.n, args.rounds, args.alternations)


if __name__ == "__main__":
    main()
