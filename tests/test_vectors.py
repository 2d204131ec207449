"""Conformance vectors (spec/vectors/README.md): the committed vectors replay, the index is what the
tests cite, tampering is reported precisely, the CLI's exit codes; and scenarios whose only purpose is to
put rules no other recorded test drives through `apply` into the vectors (they are recorded by
`sc4it vectors generate`; the other tests here are marked `not_recorded`)."""

from __future__ import annotations

import ast
import json
import os
import shutil
from pathlib import Path
from typing import Any

import attrs
import pytest

from sc4it import calls, events, genesis, sign
from sc4it.conformance import speccov, vectors
from sc4it.kernel.codec import encode
from sc4it.kernel.errors import Error
from sc4it.kernel.root import encoding_digest, state_root
from sc4it.kernel.signing import Signature, SignedCall
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv
from sc4it.kernel.types import (
    AccountInfo,
    DistributionPolicy,
    Recipient,
    Share,
    SplitRule,
)
from sc4it.runtime import apply, on_block
from sc4it.tools.cli import EXIT_CHECK_FAILED, EXIT_CORRUPT, EXIT_OK, EXIT_USAGE, main

from .contracts.world import H, acc, call, council_call, edit, env, node_contract
from .support import ROOT
from .vectors_recorder import not_recorded

VECTORS = ROOT / "spec" / "vectors"
RECORDING = bool(os.environ.get(vectors.RECORD_ENV))
needs_committed = pytest.mark.skipif(
    RECORDING or not (VECTORS / "index.json").is_file(),
    reason="the vectors are being regenerated (or were never generated)",
)


# --------------------------------------------------------------------------------------------------
# The committed vectors


@needs_committed
@not_recorded
def test_committed_vectors_replay() -> None:
    """Every committed case replays with zero mismatches (events, error and root at every step), every
    decode case decodes as expected, and every JSON twin holds the same vectors as its CBOR file."""
    report = vectors.verify(VECTORS)
    assert report.mismatches == (), "\n".join(m.line() for m in report.mismatches[:20])
    index = json.loads((VECTORS / "index.json").read_text())
    counts = index["counts"]
    assert (report.cases, report.steps, report.decode_cases, report.function_cases) == (
        counts["cases"],
        counts["steps"],
        counts["decode_cases"],
        counts["function_cases"],
    )
    assert report.states == counts["states"] == len(list((VECTORS / "states").glob("*.cbor")))


def _docstring_ids(case_name: str, defined: set[str]) -> set[str]:
    """The defined ids cited by the docstring and the name of the test that recorded `case_name`."""
    nodeid = case_name.rpartition("#")[0]
    path, _, qual = nodeid.partition("::")
    func = qual.split("[", 1)[0].split("::")[-1]
    tree = ast.parse((ROOT / path).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == func:
            text = f"{ast.get_docstring(node) or ''} {qual.split('::')[-1]}"
            return {r for r in speccov.CITE.findall(text) if r in defined}
    raise AssertionError(f"{case_name}: test {func} not found in {path} (the vectors are stale)")


@needs_committed
@not_recorded
def test_index_lists_every_rule_the_recorded_tests_cite() -> None:
    """index.json's rules are exactly the cases' covers, and every rule id the docstring of a recorded
    test cites is listed for its cases (so the vectors are in step with the tests: regenerate them with
    `sc4it vectors generate` after changing a recorded test)."""
    index = json.loads((VECTORS / "index.json").read_text())
    defined = set(speccov.load_spec(ROOT / "spec").defined)
    covers: dict[str, set[str]] = {}
    for _, case in vectors.iter_cases(VECTORS):
        covers[case.name] = set(case.covers)
    for area in ("decode", "functions"):
        _, _, records = vectors.read_file(VECTORS / "cases" / f"{area}.cbor")
        for rec in records:
            covers[rec.name] = set(rec.covers)
    inverted: dict[str, set[str]] = {}
    for name, ids in covers.items():
        for rule in ids:
            inverted.setdefault(rule, set()).add(name)
    assert {r: set(v) for r, v in index["rules"].items()} == inverted
    assert set(index["rules"]) <= defined
    stale = []
    for _, case in vectors.iter_cases(VECTORS):
        missing = _docstring_ids(case.name, defined) - covers[case.name]
        if missing:
            stale.append(f"{case.name}: {sorted(missing)}")
    assert not stale, "regenerate the vectors:\n" + "\n".join(stale[:20])
    assert set(index["errors"]) <= {e.name for e in Error} | {"DecodeError"}


# --------------------------------------------------------------------------------------------------
# A tiny suite, and tampering with it


def _tiny_suite(directory: Path) -> vectors.Case:
    """One case: alice creates a name contract at block 1, then block 601 bills it (shard 1 of 600).
    Written with `write_suite` (so its JSON twin matches); returns the case."""
    s0 = genesis.default()
    alice = genesis.dev_keypair("alice")
    signed = sign(calls.CreateNameContract(b"vectors"), alice, 0, s0.chain_id)
    e1, e2 = env(1), env(601)
    out1 = apply(s0, signed, e1)
    out2 = on_block(out1.state, e2)
    assert out1.ok and out2.events, "the scenario must bill"
    steps = (
        vectors.Step(
            vectors.CALL,
            e1.number,
            e1.timestamp,
            encode(signed),
            vectors.Expected(None, tuple(encode(e) for e in out1.events), state_root(out1.state)),
        ),
        vectors.Step(
            vectors.BLOCK,
            e2.number,
            e2.timestamp,
            None,
            vectors.Expected(None, tuple(encode(e) for e in out2.events), state_root(out2.state)),
        ),
    )
    case = vectors.Case("tests/test_vectors.py::tiny#0", ("NM-06",), encoding_digest(s0), steps)
    data = encode(s0)
    vectors.write_suite(directory, [case], {case.pre_state: data}, decode_vectors=[], function_vectors=[])
    return case


def _rewrite(directory: Path, case: vectors.Case) -> None:
    """Replace the suite's case (CBOR and JSON twin), keeping its states."""
    states = {p.stem: p.read_bytes() for p in (directory / "states").glob("*.cbor")}
    shutil.rmtree(directory / "cases")
    vectors.write_suite(
        directory,
        [case],
        {bytes.fromhex(k): v for k, v in states.items()},
        decode_vectors=[],
        function_vectors=[],
    )


def _flip(data: bytes, at: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


@not_recorded
def test_tiny_suite_verifies(tmp_path: Path) -> None:
    """The reference suite verifies: one case of two steps, its pre-state, a twin, an index."""
    _tiny_suite(tmp_path)
    report = vectors.verify(tmp_path)
    assert report.ok and (report.cases, report.steps, report.states) == (1, 2, 1)
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["rules"] == {"NM-06": ["tests/test_vectors.py::tiny#0"]}


@not_recorded
def test_tampered_root_is_reported_at_its_step(tmp_path: Path) -> None:
    """A flipped byte of the expected root of step 1 is reported as case, step 1, field state_root, with
    the expected and the computed value; step 0 is fine."""
    case = _tiny_suite(tmp_path)
    s1 = case.steps[1]
    bad_root = _flip(s1.expected.state_root, 5)
    bad = attrs.evolve(s1, expected=attrs.evolve(s1.expected, state_root=bad_root))
    _rewrite(tmp_path, attrs.evolve(case, steps=(case.steps[0], bad)))
    (m,) = vectors.verify(tmp_path).mismatches
    assert (m.file, m.case, m.step, m.field) == ("cases/scenarios.cbor", case.name, 1, "state_root")
    assert (m.expected, m.got) == (bad_root.hex(), s1.expected.state_root.hex())
    assert "step 1: state_root: expected" in m.line()


@not_recorded
def test_tampered_event_and_error_are_reported(tmp_path: Path) -> None:
    """A flipped byte in event 0 of step 0 is reported as events[0]; an expected error on a step that
    succeeds as error; a missing event as events.length. The replay stops at the first differing step."""
    case = _tiny_suite(tmp_path)
    s0 = case.steps[0]
    ev0 = s0.expected.events[0]
    tampered = _flip(ev0, len(ev0) - 1)
    bad = attrs.evolve(
        s0, expected=attrs.evolve(s0.expected, events=(tampered, *s0.expected.events[1:]), error="NameExists")
    )
    _rewrite(tmp_path, attrs.evolve(case, steps=(bad, case.steps[1])))
    found = {(m.step, m.field): m for m in vectors.verify(tmp_path).mismatches}
    assert set(found) == {(0, "error"), (0, "events[0]")}
    assert (found[0, "error"].expected, found[0, "error"].got) == ("NameExists", "None")
    assert (found[0, "events[0]"].expected, found[0, "events[0]"].got) == (tampered.hex(), ev0.hex())
    fewer = attrs.evolve(s0, expected=attrs.evolve(s0.expected, events=()))
    _rewrite(tmp_path, attrs.evolve(case, steps=(fewer, case.steps[1])))
    (m,) = vectors.verify(tmp_path).mismatches
    assert (m.step, m.field) == (0, "events.length") and m.expected.startswith("0 ")


@not_recorded
def test_damaged_pre_state_and_twin_are_reported(tmp_path: Path) -> None:
    """A state file whose hash is not its name, or that is missing, is a pre_state mismatch of the case;
    a JSON twin that differs from its CBOR file is a json_twin mismatch."""
    case = _tiny_suite(tmp_path)
    state_file = tmp_path / "states" / f"{case.pre_state.hex()}.cbor"
    good = state_file.read_bytes()
    state_file.write_bytes(_flip(good, 100))
    (m,) = vectors.verify(tmp_path).mismatches
    assert (m.case, m.step, m.field) == (case.name, None, "pre_state") and "blake2b-256" in m.got
    state_file.unlink()
    (m,) = vectors.verify(tmp_path).mismatches
    assert m.field == "pre_state" and "unreadable" in m.got
    state_file.write_bytes(good)
    twin = tmp_path / "cases" / "scenarios.json"
    doc = json.loads(twin.read_text())
    doc["cases"][0]["steps"][1]["expected"]["state_root"] = "00" * 32
    twin.write_text(json.dumps(doc))
    (m,) = vectors.verify(tmp_path).mismatches
    assert (m.file, m.field) == ("cases/scenarios.cbor", "json_twin")
    assert vectors.verify(tmp_path, check_json=False).ok


@not_recorded
def test_malformed_files_are_format_errors(tmp_path: Path) -> None:
    """A cases file that is not canonical CBOR of the documented shape raises VectorFormatError naming
    the file and the item."""
    _tiny_suite(tmp_path)
    f = tmp_path / "cases" / "scenarios.cbor"
    good = f.read_bytes()
    f.write_bytes(good + b"\x00")
    with pytest.raises(vectors.VectorFormatError, match=r"scenarios\.cbor"):
        vectors.verify(tmp_path)
    import cbor2

    doc = cbor2.loads(good)
    doc[3][0][3][0][0] = 7  # an unknown step kind
    f.write_bytes(cbor2.dumps(doc, canonical=True))
    with pytest.raises(vectors.VectorFormatError, match=r"\[0\]\.steps\[0\]"):
        vectors.verify(tmp_path)
    with pytest.raises(vectors.VectorFormatError, match="not a vectors directory"):
        vectors.verify(tmp_path / "nowhere")


# --------------------------------------------------------------------------------------------------
# Decode vectors


@not_recorded
def test_decode_vectors_accept_exactly_the_canonical_inputs() -> None:
    """ENC-09 ENC-10: the valid inputs are accepted; every malformed one is rejected with a path; the
    list is the same on every run (the vectors are deterministic)."""
    cases = vectors.decode_cases()
    accepted = {c.name for c in cases if c.ok}
    assert accepted == {
        "account-info",
        "u128-bignum",
        "u128-max",
        "transfer",
        "signed-call",
        "multisig-signed-call",
        "multisig-spec",
        "contract",
        "event",
        "block-env",
        "state-empty",
        "state-two-accounts",
        "config",
        "power-down",
    }
    assert all(c.path for c in cases if not c.ok)
    by_name = {c.name: c for c in cases}
    assert by_name["map-value-path"].path == "accounts[1].value.free"
    assert by_name["signature-63-bytes"].path == "signatures[0].signature"
    assert by_name["trailing-bytes"].path == "<root>"
    assert [c.data for c in cases] == [c.data for c in vectors.decode_cases()]
    assert all(c.covers and all(r.startswith(("ENC-", "SIG-")) for r in c.covers) for c in cases)


# --------------------------------------------------------------------------------------------------
# The command line


@not_recorded
def test_cli_vectors_verify_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`sc4it vectors verify`: 0 when everything matches, 1 on a mismatch (printed as file, case, step,
    field, expected, got), 2 for a directory that holds no vectors, 3 for a malformed vector file."""
    case = _tiny_suite(tmp_path)
    assert main(["vectors", "verify", str(tmp_path)]) == EXIT_OK
    assert "all match" in capsys.readouterr().out
    s1 = case.steps[1]
    bad = attrs.evolve(s1, expected=attrs.evolve(s1.expected, state_root=bytes(32)))
    _rewrite(tmp_path, attrs.evolve(case, steps=(case.steps[0], bad)))
    assert main(["vectors", "verify", str(tmp_path)]) == EXIT_CHECK_FAILED
    out = capsys.readouterr().out
    assert f"cases/scenarios.cbor: {case.name} step 1: state_root: expected {'00' * 32}" in out
    assert main(["vectors", "verify", str(tmp_path), "--json"]) == EXIT_CHECK_FAILED
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and doc["mismatches"][0]["step"] == 1
    assert main(["vectors", "verify", str(tmp_path / "none")]) == EXIT_USAGE
    (tmp_path / "cases" / "scenarios.cbor").write_bytes(b"\xff")
    assert main(["vectors", "verify", str(tmp_path)]) == EXIT_CORRUPT
    assert "malformed vector file" in capsys.readouterr().err
    assert main(["vectors", "verify", str(tmp_path), "--sample", "2"]) == EXIT_USAGE


@not_recorded
def test_cli_generate_needs_a_checkout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`sc4it vectors generate` is a developer command: without tests/ it exits 2 and says why."""
    assert main(["vectors", "generate", "--root", str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "tests" in err and "how to fix" in err
    assert main(["vectors"]) == EXIT_USAGE


@not_recorded
def test_cli_spec_coverage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`sc4it spec coverage`: per rule, its tests and vectors; exit 0 when traceable, 1 with problems,
    2 outside a checkout."""
    assert main(["spec", "coverage", "--json", "--root", str(ROOT)]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    rows = {r["rule"]: r for r in doc["rules"]}
    assert "tests/registry/test_nodes.py::test_create_node_check_order" in rows["NOD-02"]["tests"]
    assert doc["summary"]["problems"] == []
    assert doc["summary"]["with_tests"] == doc["summary"]["rules"]
    assert main(["spec", "coverage", "--missing-only", "--root", str(ROOT)]) == EXIT_OK
    assert "rules (DEV/EXT entries excepted)" in capsys.readouterr().out
    fake = tmp_path / "checkout"
    (fake / "spec").mkdir(parents=True)
    (fake / "tests").mkdir()
    (fake / "src" / "sc4it").mkdir(parents=True)
    (fake / "spec" / "README.md").write_text("| `a.md` | AA | x |\n")
    (fake / "spec" / "a.md").write_text("- **AA-01** a rule nobody tests\n")
    assert main(["spec", "coverage", "--root", str(fake)]) == EXIT_CHECK_FAILED
    assert "problem: AA-01 (a.md) is cited by no test" in capsys.readouterr().out
    assert main(["spec", "coverage", "--root", str(tmp_path / "none")]) == EXIT_USAGE


# --------------------------------------------------------------------------------------------------
# Scenarios recorded as vectors (rules no other recorded test drives through `apply`)


def _without_payment_state(state: State, cid: int) -> State:
    return edit(state, lambda tx: tx.contract_payment_state.pop(cid))


def test_bill_without_payment_state_fails() -> None:
    """BIL-10 BIL-03 BIL-05 STATE-08: a contract without a payment state cannot be billed
    (ContractPaymentStateNotExists, #261): the failed call's transaction is discarded, so the state is
    the input object and bob's nonce is not bumped; in the block hook the failing step leaves no trace."""
    s, _ = node_contract(genesis.default(), "alice", node=1, h=1, ips=1)
    broken = _without_payment_state(s, 1)
    out = call(broken, "bob", calls.BillContractForBlock(1), block=2)
    assert out.error == Error.ContractPaymentStateNotExists and out.state is broken
    assert out.state.accounts[acc("bob")].nonce == broken.accounts[acc("bob")].nonce
    hook = on_block(broken, env(601))
    assert hook.events == () and state_root(hook.state) == state_root(broken)


def test_reject_deployment_fails_when_settlement_fails() -> None:
    """DEP-38 DEP-37: a settlement failure (here ContractPaymentStateNotExists) fails RejectDeployment and
    changes nothing; with the payment state the same rejection cancels the contract."""
    s, _ = node_contract(genesis.default(), "alice", node=1, h=1, ips=1)
    broken = _without_payment_state(s, 1)
    out = call(broken, "node-1", calls.RejectDeployment(1, b"no"), block=2)
    assert out.error == Error.ContractPaymentStateNotExists and out.state is broken and out.events == ()
    fine = call(s, "node-1", calls.RejectDeployment(1, b"no"), block=2)
    assert fine.ok and 1 not in fine.state.contracts


def test_removal_outside_its_shard_fails() -> None:
    """CON-22: a contract that is not in shard id % BillingFrequency cannot be removed
    (ContractWrongBillingLoopIndex); the cancellation changes nothing."""
    s, _ = node_contract(genesis.default(), "alice", node=1, h=1)
    shard = 1 % s.billing_frequency
    broken = edit(s, lambda tx: tx.contracts_to_bill_at.pop(shard))
    out = call(broken, "alice", calls.CancelContract(1), block=2)
    assert out.error == Error.ContractWrongBillingLoopIndex and out.state is broken
    assert call(s, "alice", calls.CancelContract(1), block=2).ok


@pytest.mark.parametrize(
    "policy",
    [
        pytest.param(
            DistributionPolicy(
                SplitRule((Share(Recipient.StakingPool, 1_000_000_001),), Recipient.Farmer),
                DistributionPolicy.tfchain().name,
                DistributionPolicy.tfchain().extra_fee,
            ),
            id="share-above-100pct",
        ),
        pytest.param(
            DistributionPolicy(
                SplitRule(
                    (Share(Recipient.StakingPool, 600_000_000), Share(Recipient.Foundation, 400_000_001)),
                    Recipient.Farmer,
                ),
                DistributionPolicy.tfchain().name,
                DistributionPolicy.tfchain().extra_fee,
            ),
            id="shares-sum-above-100pct",
        ),
        pytest.param(
            DistributionPolicy(
                DistributionPolicy.tfchain().node,
                SplitRule((Share(Recipient.Farmer, 1),), Recipient.Foundation),
                DistributionPolicy.tfchain().extra_fee,
            ),
            id="name-share-to-farmer",
        ),
        pytest.param(
            DistributionPolicy(
                DistributionPolicy.tfchain().node,
                SplitRule((), Recipient.Farmer),
                DistributionPolicy.tfchain().extra_fee,
            ),
            id="name-remainder-to-farmer",
        ),
    ],
)
def test_invalid_distribution_policy(policy: DistributionPolicy) -> None:
    """DST-12 DST-13 GEN-05 SIG-12: an invalid policy fails with InvalidDistributionPolicy and changes
    nothing; a valid one (the legacy preset) is stored with DistributionPolicySet. The council account has
    no entry at genesis: it signs at nonce 0 and its first successful call creates it (free 0, nonce 1)."""
    s = genesis.default()
    council = s.roles.council
    assert council not in s.accounts
    out = council_call(s, calls.SetDistributionPolicy(policy))
    assert out.error == Error.InvalidDistributionPolicy and out.state is s
    good = council_call(s, calls.SetDistributionPolicy(DistributionPolicy.legacy()))
    assert good.ok and good.events == (events.DistributionPolicySet(DistributionPolicy.legacy()),)
    assert good.state.accounts[council] == AccountInfo(1, 0)


def _free(state: State, name: str) -> int:
    info = state.accounts.get(acc(name))
    return 0 if info is None else info.free


def _name_contract_billed_then_cancelled(state: State) -> tuple[State, list[Any]]:
    """alice's name contract created at block 1, billed by the hook at block 601 (3600 s later), then
    cancelled in block 601; returns the final state and the events of each step."""
    out1 = call(state, "alice", calls.CreateNameContract(b"alice-web"), block=1)
    assert out1.ok
    out2 = on_block(out1.state, env(601))
    out3 = call(out2.state, "alice", calls.CancelContract(1), block=601)
    assert out3.ok
    return out3.state, [out1.events, out2.events, out3.events]


def test_name_contract_hourly_bill_and_payout() -> None:
    """BIL-01 BIL-34 BIL-36 BIL-37 BIL-38 CON-08 DST-05 DST-14 FX-16 LED-16 LED-03: on the default genesis
    (unique_name 2 500 units USD per hour, TFT at 50 mUSD) one hour of a name contract costs 2 500 units
    USD = 50 000 TFT units; alice's balance gives Gold (×0.4): 20 000 reserved. Cancelling in the same
    block bills 0 s (level None), pays the reserve out (10% staking pool, 90% foundation: the parts add
    up to R exactly) and removes the contract. Creating it emits ContractCreated only."""
    s0 = genesis.default()
    s, (create, hook, cancel) = _name_contract_billed_then_cancelled(s0)
    assert [type(e) for e in create] == [events.ContractCreated]
    from sc4it.kernel.types import ContractBill, DiscountLevel

    now = env(601).timestamp // 1000
    assert hook == (events.ContractBilled(ContractBill(1, now, DiscountLevel.Gold, 20_000)),)
    assert cancel == (
        events.ContractBilled(ContractBill(1, now, DiscountLevel.None_, 0)),
        events.RewardDistributed(1, 20_000, 0),
        events.NameContractCanceled(1),
    )
    assert _free(s, "staking-pool") - _free(s0, "staking-pool") == 2_000
    assert _free(s, "ferdie") - _free(s0, "ferdie") == 18_000
    assert _free(s0, "alice") - _free(s, "alice") == 20_000
    assert sum(a.free + a.reserved for a in s.accounts.values()) == s.total_issuance == s0.total_issuance


def test_legacy_policy_burns_the_remainder() -> None:
    """DST-15 DEV-BIL-12 DST-05 DST-08 DST-07 LED-12 LED-03: under the legacy split the same 20 000 go
    10% foundation, 5% staking pool, 50% sales (no solution provider) and the remainder (35%) is burned:
    `burned` grows and the total issuance shrinks by exactly that amount."""
    s0 = council_call(genesis.default(), calls.SetDistributionPolicy(DistributionPolicy.legacy())).state
    s, _ = _name_contract_billed_then_cancelled(s0)
    assert _free(s, "ferdie") - _free(s0, "ferdie") == 2_000
    assert _free(s, "staking-pool") - _free(s0, "staking-pool") == 1_000
    assert _free(s, "eve") - _free(s0, "eve") == 10_000
    assert s.burned - s0.burned == 7_000
    assert s0.total_issuance - s.total_issuance == 7_000
    assert s.total_issuance + s.burned == s.minted


def test_transfer_creating_an_account() -> None:
    """LED-01 LED-10 LED-04 LED-13: a transfer of exactly the existential deposit to an account without an
    entry (which reads as nonce 0 and no balance) creates it (Endowed, then Transfer); one unit less fails
    with BelowMinimum."""
    s = genesis.default()
    new = bytes([0x77]) * 32
    assert new not in s.accounts
    ed = s.config.existential_deposit
    assert call(s, "alice", calls.Transfer(new, ed - 1)).error == Error.BelowMinimum
    out = call(s, "alice", calls.Transfer(new, ed))
    assert out.ok and out.state.accounts[new] == AccountInfo(0, ed)
    assert out.events == (events.Endowed(new, ed), events.Transfer(acc("alice"), new, ed))


def test_validity_checks_run_in_order() -> None:
    """SIG-11 SIG-05 SIG-08 SIG-09: a call with a wrong chain id and a stale nonce fails with WrongChainId;
    a stale nonce with a bad signature with StaleNonce; a future nonce with FutureNonce; a bad signature
    with the right nonce with BadSignature; the nonce is unchanged after every failure."""
    s = genesis.default()
    alice = genesis.dev_keypair("alice")
    s = call(s, "alice", calls.CreateNameContract(b"first")).state  # alice's nonce is now 1
    other_chain = bytes(32)
    c = calls.CreateNameContract(b"second")

    def garbled(signed: SignedCall) -> SignedCall:
        (sig,) = signed.signatures
        return attrs.evolve(signed, signatures=(Signature(sig.public_key, bytes(64)),))

    cases = [
        (sign(c, alice, 0, other_chain), Error.WrongChainId),
        (garbled(sign(c, alice, 0, s.chain_id)), Error.StaleNonce),
        (sign(c, alice, 2, s.chain_id), Error.FutureNonce),
        (garbled(sign(c, alice, 1, s.chain_id)), Error.BadSignature),
    ]
    for signed, error in cases:
        out = apply(s, signed, BlockEnv(2, env(2).timestamp))
        assert out.error == error and out.state is s
    assert apply(s, sign(c, alice, 1, s.chain_id), env(2)).ok


def test_node_contract_hash_reused_after_cancel() -> None:
    """NC-08 CON-43 CON-51: cancelling a node contract removes its (node, hash) index entry, so the same
    hash can be used again on that node at once."""
    s, _ = node_contract(genesis.default(), "alice", node=1, h=9)
    s = call(s, "alice", calls.CancelContract(1), block=2).state
    out = call(s, "alice", calls.CreateNodeContract(1, H(9), b"", 0, None), block=3)
    assert out.ok and out.state.contract_id_by_node_id_and_hash[(1, H(9))] == 2


def test_discount_level_none_when_monthly_rounds_to_zero() -> None:
    """BIL-41 DEV-BIL-3 BIL-37 BIL-35 NR-08 NR-10: with the clamped TFT price at 1 000 mUSD, 1 unit USD of
    NU billed 61 days after the contract's last bill is 1 TFT unit; normalised to a month it is
    round(1·3600·720 / 5 280 000) = round(0.49) = 0, so the level is None (TFChain would divide by
    zero) even though alice's balance would give Gold."""
    from sc4it.kernel.types import ContractBill, DiscountLevel, NruConsumption

    s = genesis.default()
    s = council_call(s, calls.SetMaxTftPrice(2_000)).state
    s = council_call(s, calls.SetMinTftPrice(1_000)).state
    assert s.tft_price.billing_price() == 1_000
    s, _ = node_contract(s, "alice", node=1, h=1, block=1)
    now1 = env(1).timestamp // 1000
    report = NruConsumption(1, now1, 1, 240_000_000)  # 0.24 GB in 1 s at 15 000 units USD/GB·h = 1
    s = call(s, "node-1", calls.AddNruReports((report,)), block=1).state
    assert s.contract_billing_information_by_id[1].amount_unbilled == 1
    later = 1 + 880_000  # 5 280 000 s later
    out = call(s, "bob", calls.BillContractForBlock(1), block=later)
    now = env(later).timestamp // 1000
    assert out.events[0] == events.ContractBilled(ContractBill(1, now, DiscountLevel.None_, 1))
    assert out.state.contract_billing_information_by_id[1].amount_unbilled == 0


@needs_committed
@not_recorded
def test_every_error_a_call_produces_is_listed_in_the_calls_index() -> None:
    """spec/calls.md lists, per call, the errors of its preconditions; every error a call produces in the
    vectors is among them (or is a validity error of signing.md, SIG-11)."""
    from sc4it.kernel.codec import decode

    rows = {r.name: r for r in speccov.parse_calls_index((ROOT / "spec" / "calls.md").read_text())}
    validity = {"WrongChainId", "InvalidMultisig", "UnknownSigner", "StaleNonce", "FutureNonce"}
    validity |= {"BadSignature", "NotEnoughSignatures", "CallNotAllowed"}
    validity |= {"InvalidEra", "FutureBirthBlock", "AncientBirthBlock"}  # SIG-16
    unlisted: set[tuple[str, str]] = set()
    for _, case in vectors.iter_cases(VECTORS):
        for step in case.steps:
            error = step.expected.error
            if error is None or error in validity or step.signed_call is None:
                continue
            row = rows[type(decode(step.signed_call, SignedCall).call).__name__]
            allowed = set(row.errors) | (set(speccov.SETTLEMENT_ERRORS) if row.settlement else set())
            if error not in allowed:
                unlisted.add((row.name, error))
    assert not unlisted, sorted(unlisted)


@not_recorded
def test_function_vectors_are_deterministic_and_checked() -> None:
    """The function vectors (FX, SIG, GEN, STATE rules) are the same on every run, each names a known
    function, and a wrong expected result is reported as a `result` mismatch."""
    first, second = vectors.function_cases(), vectors.function_cases()
    assert first == second
    assert all(fc.function in vectors.FUNCTIONS and fc.covers for fc in first)
    by_name = {fc.name: fc for fc in first}
    assert by_name["percent-mul-35"].result == 3 and by_name["percent-mul-36"].result == 4
    assert by_name["literal-0.8"].result == 0xCCCCCCCCCCCCD000
    assert by_name["genesis-tft-min-0"].result == "GenesisError at tft_price.min"
    assert vectors.check_function_case(by_name["percent-mul-35"]) == []
    wrong = attrs.evolve(by_name["percent-mul-35"], result=4)
    (m,) = vectors.check_function_case(wrong, "cases/functions.cbor")
    assert (m.case, m.field, m.expected, m.got) == ("percent-mul-35", "result", "4", "3")


@pytest.mark.parametrize(
    ("spare", "sufficient"), [(0, True), (-1, False)], ids=["exactly-usable", "one-short"]
)
def test_reserve_boundary_is_the_usable_balance(spare: int, sufficient: bool) -> None:
    """LED-05 LED-06 BIL-15 BIL-17 BIL-18 GRC-04: charlie's name contract costs 50 000 TFT units an hour
    (no discount). When the second bill finds usable = free − ED exactly 50 000, the bill is covered
    (ContractBilled) and charlie keeps exactly the existential deposit; one unit less and it is not:
    all 49 999 usable are reserved (ContractPaymentOverdrawn) and the contract enters grace."""
    from sc4it.kernel.types import ContractBill, DiscountLevel, GracePeriod

    s = genesis.default()
    ed = s.config.existential_deposit
    keep = 2 * 50_000 + ed + spare
    give = s.accounts[acc("charlie")].free - keep
    s = call(s, "charlie", calls.Transfer(acc("alice"), give)).state
    assert s.accounts[acc("charlie")].free == keep
    s = call(s, "charlie", calls.CreateNameContract(b"charlie-web"), block=1).state
    s = on_block(s, env(601)).state  # first hour: 50 000 reserved
    assert s.accounts[acc("charlie")].reserved == 50_000
    out = on_block(s, env(1201))
    now = env(1201).timestamp // 1000
    info = out.state.accounts[acc("charlie")]
    if sufficient:
        assert out.events[0] == events.ContractBilled(ContractBill(1, now, DiscountLevel.None_, 50_000))
        assert (info.free, info.reserved) == (ed, 100_000)
    else:
        assert out.events == (
            events.ContractGracePeriodStarted(1, 0, 3, 1201),
            events.ContractPaymentOverdrawn(1, now, 49_999, 1),
        )
        assert (info.free, info.reserved) == (ed, 99_999)
        assert out.state.contracts[1].state == GracePeriod(1201)


@pytest.mark.skipif(RECORDING, reason="it runs the recorder itself; not inside `vectors generate`")
@not_recorded
def test_recording_twice_gives_identical_files(tmp_path: Path) -> None:
    """`vectors generate` is reproducible: recording the same tests twice writes byte-identical files
    (the sealed boxes of the deployment tests used a fresh ephemeral key on every run and changed four
    cases each time; they are sealed with a fixed key now). Checked on the deployment and billing tests."""
    import subprocess
    import sys

    selection = [
        "tests/contracts/test_deployment.py",
        "tests/contracts/test_e2e.py",
        "tests/billing/test_bill.py",
    ]
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        out.mkdir()
        env = {**os.environ, vectors.RECORD_ENV: str(out), "PYTHONPATH": str(ROOT / "src")}
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *selection],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stdout[-3000:]
        outputs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outputs[0].keys() == outputs[1].keys() and len(outputs[0]) > 3
    changed = [str(name) for name in outputs[0] if outputs[0][name] != outputs[1][name]]
    assert changed == []
