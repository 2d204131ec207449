"""One replica's ABCI work per transaction, in-process (issue 18): what an sc4it application spends on each
signed call it sees under load, method by method, through the real framing (each `Request` parsed from
its bytes and each `Response` serialised, as on CometBFT's socket). Run:
`PYTHONPATH=src .venv/bin/python benchmarks/net_app.py [--blocks 6] [--per-block 500] [--profile]`.

Each block: `--per-block` new transfers from `--accounts` funded accounts go through CheckTx (NEW), the
proposer's PrepareProposal and ProcessProposal of the same transactions, FinalizeBlock, Commit, then a
recheck (RECHECK) of every transaction still pooled (those of the next block, admitted before this one
committed, as under load). It prints µs per transaction for each method; `--profile` adds a cProfile of
CheckTx (NEW). One process on one core: its figures move with the machine's load, compare variants
measured side by side in one run.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import attrs

from sc4it import genesis as gen
from sc4it.kernel.calls import Transfer
from sc4it.kernel.codec import encode
from sc4it.kernel.signing import sign
from sc4it.net.abci import frame, respond
from sc4it.net.app import NetApp
from sc4it.net.engine import abci_types

T0 = 1_800_000_000


def load(accounts: int, per_block: int, blocks: int) -> tuple[str, list[list[bytes]]]:
    """A genesis funding `accounts` accounts and `blocks` batches of `per_block` signed transfers (round
    robin over the accounts, each account's nonces in order)."""
    keys = [gen.dev_keypair(f"load-{i}") for i in range(accounts)]
    base = gen.default_genesis()
    genesis = attrs.evolve(
        base, accounts=base.accounts + tuple(gen.GenesisAccount(k.account_id, 10**15) for k in keys)
    )
    chain_id = gen.chain_id_of(genesis)
    dest = keys[0].account_id
    nonces = [0] * accounts
    batches = []
    i = 0
    for _ in range(blocks):
        batch = []
        for _ in range(per_block):
            a = i % accounts
            batch.append(encode(sign(Transfer(dest, 1), keys[a], nonces[a], chain_id)))
            nonces[a] += 1
            i += 1
        batches.append(batch)
    return gen.dumps(genesis), batches


class Wire:
    """The application behind the framing: requests go in as bytes, responses come out as bytes."""

    def __init__(self, app: NetApp) -> None:
        self.app = app
        self.t = abci_types()
        self.spent: dict[str, float] = defaultdict(float)

    def call(self, label: str, **request: Any) -> Any:
        t = self.t
        wire = t.Request(**request).SerializeToString()
        t0 = time.perf_counter()
        req = t.Request()
        req.ParseFromString(wire)
        out = frame(respond(self.app, req))
        self.spent[label] += time.perf_counter() - t0
        res = t.Response()
        res.ParseFromString(out[1:] if out[0] < 0x80 else out[2:] if out[1] < 0x80 else out[3:])
        return res


def run(args: argparse.Namespace, profile: cProfile.Profile | None) -> dict[str, Any]:
    genesis, batches = load(args.accounts, args.per_block, args.blocks + 1)
    t = abci_types()
    with tempfile.TemporaryDirectory() as tmp:
        app = NetApp(home=Path(tmp))
        w = Wire(app)
        w.call(
            "init_chain", init_chain=t.RequestInitChain(chain_id="bench", app_state_bytes=genesis.encode())
        )
        counts: dict[str, int] = defaultdict(int)
        pending: list[bytes] = []

        def check(label: str, txs: list[bytes], kind: Any) -> None:
            if profile is not None and label == "check_tx_new":
                profile.enable()
            for tx in txs:
                res = w.call(label, check_tx=t.RequestCheckTx(tx=tx, type=kind))
                assert res.check_tx.code == 0, res.check_tx.log
            if profile is not None and label == "check_tx_new":
                profile.disable()
            counts[label] += len(txs)

        check("check_tx_new", batches[0], t.NEW)
        for height in range(1, args.blocks + 1):
            txs = batches[height - 1]
            pending = batches[height]
            check("check_tx_new", pending, t.NEW)  # the next block's calls arrive meanwhile
            prep = t.RequestPrepareProposal(height=height, max_tx_bytes=22_020_096, txs=txs)
            prep.time.seconds = T0 + height
            proposed = list(w.call("prepare_proposal", prepare_proposal=prep).prepare_proposal.txs)
            assert sorted(proposed) == sorted(txs)
            proc = t.RequestProcessProposal(height=height, txs=proposed)
            proc.time.seconds = T0 + height
            w.call("process_proposal", process_proposal=proc)
            fin = t.RequestFinalizeBlock(height=height, txs=proposed)
            fin.time.seconds = T0 + height
            res = w.call("finalize_block", finalize_block=fin).finalize_block
            assert all(r.code == 0 for r in res.tx_results)
            w.call("commit", commit=t.RequestCommit())
            for label in ("prepare_proposal", "process_proposal", "finalize_block", "commit"):
                counts[label] += len(txs)
            check("check_tx_recheck", pending, t.RECHECK)
        app.close()
    per_tx = {k: round(w.spent[k] / counts[k] * 1e6, 1) for k in counts}
    per_tx["all_but_init"] = round(sum(v for k, v in per_tx.items()), 1)
    return per_tx


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--accounts", type=int, default=200)
    p.add_argument("--per-block", type=int, default=500)
    p.add_argument("--blocks", type=int, default=6)
    p.add_argument("--profile", action="store_true", help="cProfile of CheckTx (NEW), to stderr")
    args = p.parse_args()
    profile = cProfile.Profile() if args.profile else None
    out = run(args, profile)
    json.dump({"us_per_tx": out}, sys.stdout, indent=2)
    print()
    if profile is not None:
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
