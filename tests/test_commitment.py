"""The state root (spec/commitment.md) and the streamed encoding digest (ENC-12).

- the definition, re-implemented here independently from the text of CMT-02, CMT-13..CMT-17, gives the
  value `commitment_root` computes;
- incremental maintenance (`Commitment.update` with `Outcome.touched`) equals the from-scratch value
  after random histories (Hypothesis, every call kind, blocks, time jumps, hostile input) and after
  seeded billing runs on a production-shaped population;
- `Tx.touched` lists every key that changed, including across rolled-back steps (CMT-08);
- an update hashes a number of values that depends on the entries changed, not on the size of the
  state (counted, not timed);
- every entry of every map, and absent keys, prove against the root with the typed verifier; wrong
  claims and tampered proofs fail (CMT-20..CMT-24; the byte-level tests are in tests/test_smt.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import cbor2
import pytest
from benchmarks.population import build_population
from hypothesis import event, given, settings
from hypothesis import strategies as st

from sc4it import calls
from sc4it.conformance.invariants import check
from sc4it.genesis import default, dev_keypair
from sc4it.kernel import commitment, smt, tree
from sc4it.kernel.codec import blake2b_256, codec_for, encode
from sc4it.kernel.commitment import Commitment, commitment_root
from sc4it.kernel.pmap import PMap, PSet
from sc4it.kernel.root import cbor_head, encoding_digest, state_root
from sc4it.kernel.signing import sign
from sc4it.kernel.state import STATE_FIELDS, State
from sc4it.kernel.tx import BlockEnv, Touched, Tx
from sc4it.kernel.types import AccountInfo, Created
from sc4it.runtime import Outcome, apply, on_block
from sc4it.testing import World
from sc4it.testing.actions import Advance, Scene, Transition, any_action, run_action

# ------------------------------------------------------------------------------------------------
# Helpers


def _independent_root(state: State) -> bytes:
    """CMT-02 CMT-13 CMT-14 and the tree of CMT-15..CMT-17 written out from the spec text, sharing no code
    with sc4it.kernel.commitment or sc4it.kernel.smt."""
    import typing
    from typing import get_args, get_origin

    hints = typing.get_type_hints(State, include_extras=True)

    def dumps(obj: Any) -> bytes:
        return cbor2.dumps(obj, canonical=True)

    def h(person: bytes, data: bytes) -> bytes:
        return hashlib.blake2b(data, digest_size=32, person=person).digest()

    leaves: dict[int, bytes] = {}

    def add(map_name: str, key: Any, value: Any) -> None:
        path = int.from_bytes(h(b"sc4it/smt/key", dumps([map_name, key])), "big")
        assert path not in leaves
        leaves[path] = h(b"sc4it/smt/value", dumps(value))

    for name in STATE_FIELDS:
        value = getattr(state, name)
        tp = hints[name]
        if get_origin(tp) is PMap:
            ktype, vtype = get_args(tp)
            kenc = codec_for(ktype).enc
            if get_origin(vtype) is PSet:
                ienc = codec_for(get_args(vtype)[0]).enc
                for k, items in value.items():
                    for i in items:
                        add(name, [kenc(k), ienc(i)], True)
            else:
                venc = codec_for(vtype).enc
                for k, v in value.items():
                    add(name, kenc(k), venc(v))
        else:
            add("state", name, codec_for(tp).enc(value))

    def root(group: dict[int, bytes], depth: int) -> bytes:
        if not group:
            return bytes(32)
        if len(group) == 1:
            ((path, vh),) = group.items()
            return h(b"sc4it/smt/leaf", path.to_bytes(32, "big") + vh)
        parts: list[dict[int, bytes]] = [{}, {}, {}, {}]
        for path, vh in group.items():
            parts[(path >> (254 - 2 * depth)) & 3][path] = vh
        return h(b"sc4it/smt/node", b"".join(root(g, depth + 1) for g in parts))

    return root(leaves, 0)


def _changed_keys(before: State, after: State) -> Iterator[tuple[str, Any]]:
    """Every (map, key) whose value differs between two states (O(state); small states only)."""
    for field in commitment.FIELDS:
        if not field.is_map:
            continue
        a: PMap[Any, Any] = getattr(before, field.name)
        b: PMap[Any, Any] = getattr(after, field.name)
        if a is b:
            continue
        for key in set(a) | set(b):
            if a.get(key) != b.get(key):
                yield field.name, key


def _changed_scalars(before: State, after: State) -> set[str]:
    fields = (f.name for f in commitment.FIELDS if not f.is_map)
    return {name for name in fields if getattr(before, name) != getattr(after, name)}


def _replace(state: State, **changes: Any) -> State:
    values: list[Any] = [changes.get(name, getattr(state, name)) for name in STATE_FIELDS]
    return State(*values)


def _follow(c: Commitment, transitions: list[Transition]) -> Commitment:
    for t in transitions:
        if t.outcome.ok:
            c = c.update(t.outcome.state, t.outcome.touched)
    return c


# ------------------------------------------------------------------------------------------------
# The plain root (ENC-12) and the definition


def test_streamed_encoding_digest_hashes_exactly_the_encoding() -> None:
    """ENC-12 CMT-12: `encoding_digest` streams `encode(state)` into blake2b-256 without building it: same
    bytes, same digest (the default genesis, a populated world, a population)."""
    world = World.default()
    run_action(world, Scene())
    run_action(world, Advance(12))
    for state in (default(), world.state, build_population(300).state):
        assert encoding_digest(state) == blake2b_256(encode(state, State))


def test_cbor_heads_are_the_shortest_form() -> None:
    """ENC-12: the array heads the streamed root writes are cbor2's canonical heads."""
    for n in (0, 23, 24, 255, 256, 65_535, 65_536):
        head = cbor_head(4, n)
        assert cbor2.dumps([0] * n, canonical=True) == head + bytes(n)
    assert cbor_head(4, 2**32 - 1) == b"\x9a" + (2**32 - 1).to_bytes(4, "big")
    assert cbor_head(4, 2**32) == b"\x9b" + (2**32).to_bytes(8, "big")
    with pytest.raises(ValueError):
        cbor_head(4, 2**64)


def test_definition_matches_an_independent_implementation() -> None:
    """CMT-01 CMT-02 CMT-07 CMT-13 CMT-14 CMT-15 CMT-16 CMT-17: the spec's definition written out
    independently gives the value `commitment_root` (= `state_root`) computes (default genesis, a populated
    world, a production-shaped population with every kind of map entry, sets included)."""
    world = World.default()
    run_action(world, Scene())
    run_action(world, Advance(30))
    for state in (default(), world.state, build_population(200).state):
        assert commitment_root(state) == _independent_root(state) == state_root(state)


def test_multiset_rules_are_retired() -> None:
    """CMT-03 CMT-04 CMT-05 CMT-06: the multiset commitment is gone: no element size, accumulator or field
    digest is left in the module, and the root is the tree's (a state whose only difference is one entry
    differs in one leaf)."""
    for name in ("ELEMENT_BITS", "entry_element", "map_sum", "map_digest", "field_digest"):
        assert not hasattr(commitment, name)
    c = Commitment.of(default(), tree.PURE)  # CMT-25: the normative tree, reached into
    assert c.root == smt.root_of(c.tree) == state_root(default())


def test_commitment_is_a_function_of_the_state_only() -> None:
    """CMT-01 CMT-02: the same state reached by different histories (maps filled in different orders)
    has the same commitment; changing one entry or one field changes it."""
    state = build_population(100).state
    same = _replace(state, accounts=PMap(list(state.accounts.items())[::-1]))
    assert same.accounts is not state.accounts and same == state
    assert commitment_root(same) == commitment_root(state)
    who, info = next(iter(state.accounts.items()))
    bumped_info = AccountInfo(info.nonce + 1, info.free, info.reserved, info.frozen)
    assert commitment_root(_replace(state, accounts=state.accounts.set(who, bumped_info))) != commitment_root(
        state
    )
    assert commitment_root(_replace(state, minted=state.minted + 1)) != commitment_root(state)


# ------------------------------------------------------------------------------------------------
# Touched keys (CMT-08)


@given(st.lists(any_action(), min_size=5, max_size=25))
@settings(max_examples=25)
def test_touched_lists_every_changed_key(actions: list[Any]) -> None:
    """CMT-08: after every call and every block of a random history, each map key whose value changed
    is in `Outcome.touched`, and so is each scalar field that changed."""
    world = World.default()
    for action in [Scene(), *actions]:
        for t in run_action(world, action):
            if not t.outcome.ok:
                assert t.outcome.state is t.before and len(t.outcome.touched) == 0
                continue
            touched = t.outcome.touched
            for name, key in _changed_keys(t.before, t.outcome.state):
                assert key in touched.maps.get(name, frozenset()), (name, key)
            assert _changed_scalars(t.before, t.outcome.state) <= touched.scalars


def test_rolled_back_writes_stay_touched_and_leave_no_trace() -> None:
    """CMT-08: a write undone by `Tx.rollback` leaves the state as before but stays in `touched` (a
    superset is allowed; the commitment compares values); writes before the savepoint survive."""
    state = build_population(50).state
    env = BlockEnv(1, 1_700_000_000_000)
    a, b = list(state.accounts)[:2]
    tx = Tx(state, env)
    tx.accounts[a] = AccountInfo(7, 1, 2, 3)
    mark = tx.savepoint()
    tx.accounts[b] = AccountInfo(8, 1, 2, 3)
    tx.contracts.pop(1)
    tx.minted = 5
    tx.emit(_an_event())
    tx.rollback(mark)
    after = tx.commit()
    assert after.accounts[a] == AccountInfo(7, 1, 2, 3)
    assert after.accounts[b] == state.accounts[b]
    assert after.contracts is state.contracts and after.minted == state.minted and tx.events == []
    touched = tx.touched()
    assert touched.maps["accounts"] == {a, b}  # b: written and rolled back, still listed
    assert set(touched.maps.get("contracts", set())) <= {1}
    assert Commitment.of(state).update(after, touched).root == commitment_root(after)


def _an_event() -> Any:
    from sc4it.kernel.events import ContractCreated
    from sc4it.kernel.types import Contract, NameContract

    return ContractCreated(Contract(4, Created(), 1, 1, NameContract(b"abc")))


def test_transactions_leave_no_cyclic_garbage() -> None:
    """CMT-08: tracking writes creates no reference cycle: the transactions of `apply` and `on_block`
    (views, dirty list, touched keys, savepoints) are freed by reference counting alone."""
    import gc

    pop = build_population(300)
    alice = dev_keypair("alice")
    gc.collect()
    gc.disable()
    try:
        for i in range(20):
            env = BlockEnv(pop.env.number + i, pop.env.timestamp + 6000 * i)
            out = on_block(pop.state, env)
            assert out.touched.maps or not out.events
            call = calls.CreateNodeContract(5, bytes([i + 1]) * 32, b"", 0, None)
            assert apply(pop.state, sign(call, alice, 0, pop.state.chain_id), env).ok
        del out
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_touched_merges_with_or() -> None:
    """CMT-08: the `Touched` of consecutive transactions merge with `|` (union per map and of the scalar
    names); an empty `Touched` has length 0."""
    t1 = Touched({"accounts": frozenset({b"a"})}, frozenset({"minted"}))
    t2 = Touched({"accounts": frozenset({b"b"}), "contracts": frozenset({1})}, frozenset({"burned"}))
    both = t1 | t2
    assert both.maps == {"accounts": {b"a", b"b"}, "contracts": {1}}
    assert both.scalars == {"minted", "burned"} and len(both) == 5 and len(Touched()) == 0


# ------------------------------------------------------------------------------------------------
# Incremental == from scratch (CMT-09, CMT-10)


@given(st.lists(any_action(), min_size=5, max_size=30))
def test_incremental_equals_from_scratch_after_random_histories(actions: list[Any]) -> None:
    """CMT-09 CMT-10: following every outcome of a random history (from a populated world: contracts of
    every kind, one twin heading into grace) with `update(state, touched)` gives the commitment computed
    from scratch, after every action."""
    world = World.default()
    c = Commitment.of(world.state)
    for action in [Scene(), *actions]:
        c = _follow(c, run_action(world, action))
        assert c.state is world.state
        assert c.root == commitment_root(world.state)


@given(st.lists(any_action(), min_size=5, max_size=20))
@settings(max_examples=20)
def test_incremental_commitment_and_plain_root_agree(actions: list[Any]) -> None:
    """CMT-10 CMT-12 ENC-12: the state root and the encoding digest agree: over a random history (failed
    calls and empty blocks included, so states repeat), two states have the same root exactly when they
    have the same encoding digest, which is exactly when they are equal."""
    world = World.default()
    c = Commitment.of(world.state)
    seen: list[tuple[State, bytes, bytes]] = [(world.state, c.root, encoding_digest(world.state))]
    for action in [Scene(), *actions]:
        c = _follow(c, run_action(world, action))
        seen.append((world.state, c.root, encoding_digest(world.state)))
    equal_pairs = 0
    for i, (s1, c1, r1) in enumerate(seen):
        for s2, c2, r2 in seen[i + 1 :]:
            assert (c1 == c2) == (r1 == r2) == (s1 == s2)
            equal_pairs += s1 == s2
    event("some states repeat" if equal_pairs else "no state repeats")


def test_incremental_equals_from_scratch_on_seeded_billing_runs() -> None:
    """CMT-09 CMT-10: a production-shaped population billed block after block (with contracts created,
    cancelled and paid for in between, and one update per block from the merged `touched`) keeps the
    commitment equal to the from-scratch value."""
    pop = build_population(2_000)
    state, env = pop.state, pop.env
    alice = dev_keypair("alice")
    c = Commitment.of(state)
    pending = Touched()
    mine: list[int] = []
    billed = 0
    for i in range(8):
        e = BlockEnv(env.number + i, env.timestamp + 6000 * i)
        out = on_block(state, e)
        billed += len(out.events)
        state, pending = out.state, pending | out.touched
        nonce = state.accounts[alice.account_id].nonce
        todo: list[calls.Call] = [
            calls.CreateNodeContract(5 + i % 4, bytes([i + 1]) * 32, b"", 0, None),
            calls.Transfer(next(iter(state.accounts)), 10**7),
        ]
        if i % 2 and mine:
            todo.append(calls.CancelContract(mine.pop(0)))
        for call in todo:
            got: Outcome = apply(state, sign(call, alice, nonce, state.chain_id), e)
            assert got.ok, (call, got.error)
            if isinstance(call, calls.CreateNodeContract):
                mine.append(got.state.contract_id)
            state, pending, nonce = got.state, pending | got.touched, nonce + 1
        c, pending = c.update(state, pending), Touched()
        assert c.root == commitment_root(state)
    assert billed > 8 and check(state) == []


def test_update_without_touched_recomputes_changed_maps() -> None:
    """CMT-11: `update(state)` without `touched` compares each map whose object changed: the same value."""
    world = World.default()
    run_action(world, Scene())
    c = Commitment.of(default())
    assert c.update(world.state).root == commitment_root(world.state)
    assert c.update(default()) is c


# ------------------------------------------------------------------------------------------------
# O(changes) (counted)


def _count_value_hashes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the value hashes an update hands to the tree: one per leaf it sets (`_map_changes` hashes
    inline, so they are counted where they arrive, in `smt.update`)."""
    counter = [0]
    original = smt.update

    def counting(node: smt.Node, changes: Iterable[smt.Change]) -> smt.Node:
        items = list(changes)
        counter[0] += sum(1 for _, vhash in items if vhash is not None)
        return original(node, items)

    monkeypatch.setattr(smt, "update", counting)
    return counter


@pytest.mark.parametrize("n", [300, 6_000])
def test_update_hashes_only_changed_entries(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """CMT-09 CMT-18: an update hashes one value per changed entry, whatever the size of the state: a
    transfer between two existing accounts hashes 2 values at 300 and at 6000 node contracts; a billing
    block one per entry it changed (payment states and accounts; billing information records written
    back unchanged cost nothing), never anything per entry left alone. The new tree shares all but
    O(changes × depth) nodes with the old one."""
    pop = build_population(n)
    state = pop.state
    c = Commitment.of(state, tree.PURE)  # CMT-25: counted and walked in the normative tree
    counter = _count_value_hashes(monkeypatch)
    alice = dev_keypair("alice")
    dest = dev_keypair("bob").account_id
    out = apply(state, sign(calls.Transfer(dest, 10**7), alice, 0, state.chain_id), pop.env)
    assert out.ok
    c2 = c.update(out.state, out.touched)
    assert counter[0] == 2
    counter[0] = 0
    block = on_block(state, pop.env)
    changed = list(_changed_keys(state, block.state))
    assert {name for name, _ in changed} <= {
        "accounts",
        "contract_payment_state",
        "contract_billing_information_by_id",  # NU cleared (BIL-20)
    }
    assert len(changed) >= 2 * sum(1 for e in block.events if type(e).__name__ == "ContractBilled") > 0
    c3 = c.update(block.state, block.touched)
    assert counter[0] == len(changed)
    monkeypatch.undo()
    assert c2.root == commitment_root(out.state) and c3.root == commitment_root(block.state)
    new_nodes = _count_new_nodes(c3.tree, c.tree)
    assert new_nodes <= len(changed) * 20


def _count_new_nodes(new: smt.Node, old: smt.Node) -> int:
    """The nodes of `new` that are not shared with `old` (by identity)."""
    seen: set[int] = set()
    stack = [old]
    while stack:
        node = stack.pop()
        seen.add(id(node))
        if len(node) == 5:
            stack.extend(node[1:])
    count = 0
    stack = [new]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        count += 1
        if len(node) == 5:
            stack.extend(node[1:])
    return count


# ------------------------------------------------------------------------------------------------
# Proofs of typed entries (CMT-20..CMT-24)


def _sample_entries(state: State, per_map: int) -> list[tuple[str, Any, Any]]:
    """Up to `per_map` entries of every map (set items as (key, item) -> True) and every plain field."""
    out: list[tuple[str, Any, Any]] = []
    for field in commitment.FIELDS:
        value = getattr(state, field.name)
        if not field.is_map:
            out.append(("state", field.name, value))
        elif field.set_valued:
            items = [((k, i), True) for k, s in value.items() for i in s]
            out.extend((field.name, k, v) for k, v in items[:per_map])
        else:
            out.extend((field.name, k, v) for k, v in list(value.items())[:per_map])
    return out


def test_every_map_proves_its_entries() -> None:
    """CMT-20 CMT-23: in a production-shaped population, entries of every map and every plain field
    prove present with their value against the root alone; the same proof fails for another value or
    as absent; one multi-key proof covers them all."""
    pop = build_population(400)
    c = Commitment.of(pop.state)
    entries = _sample_entries(pop.state, 3)
    maps = {m for m, _, _ in entries}
    assert {f.name for f in commitment.FIELDS if f.is_map and len(getattr(pop.state, f.name))} <= maps
    for map_name, key, value in entries:
        proof = c.prove([(map_name, key)])
        assert commitment.verify(c.root, map_name, key, value, proof), (map_name, key)
        assert c.value(map_name, key) == value
        assert not commitment.verify(c.root, map_name, key, None, proof)
    proof = c.prove([(m, k) for m, k, _ in entries])
    assert commitment.verify_many(c.root, entries, proof)
    wrong = [*entries[:-1], (entries[-1][0], entries[-1][1], None)]
    assert not commitment.verify_many(c.root, wrong, proof)


def test_absent_entries_and_wrong_claims() -> None:
    """CMT-23 CMT-24: absent keys prove absent; a present value claimed for them fails; claims of an
    unknown map, a key or value of the wrong type, a wrong value, another root are False from `verify`
    and a typed ProofError from `check`; nothing else is raised."""
    pop = build_population(200)
    c = Commitment.of(pop.state)
    cid = pop.billed_contract()
    contract = pop.state.contracts[cid]
    missing = pop.state.contract_id + 100
    proof = c.prove([("contracts", cid), ("contracts", missing), ("active_node_contracts", (1, missing))])
    assert commitment.verify(c.root, "contracts", missing, None, proof)
    assert commitment.verify(c.root, "active_node_contracts", (1, missing), None, proof)
    assert not commitment.verify(c.root, "contracts", missing, contract, proof)
    assert commitment.verify(c.root, "contracts", cid, contract, proof)
    other = attrs_evolve(contract, twin_id=contract.twin_id + 1)
    bad_claims: list[tuple[str, Any, Any]] = [
        ("contracts", cid, other),  # wrong value
        ("no_such_map", cid, contract),  # unknown map
        ("contracts", "seven", contract),  # key of the wrong type
        ("contracts", cid, 12),  # value of the wrong type
        ("state", "no_such_field", 1),
        ("state", "contracts", 1),  # a map is not a plain field
        ("active_node_contracts", (1, cid), 5),  # set items are claimed with True
        ("contract_billing_information_by_id", cid, contract),  # not covered by the proof
    ]
    for claim in bad_claims:
        assert commitment.verify(c.root, *claim, proof) is False, claim
    with pytest.raises(commitment.ProofError):
        commitment.check(c.root, [("no_such_map", cid, contract)], proof)
    assert commitment.verify(bytes(32), "contracts", cid, contract, proof) is False
    for i in range(0, len(proof), 7):
        bad = proof[:i] + bytes([proof[i] ^ 0x40]) + proof[i + 1 :]
        assert commitment.verify(c.root, "contracts", cid, contract, bad) is False


def attrs_evolve(record: Any, **changes: Any) -> Any:
    import attrs

    return attrs.evolve(record, **changes)


@given(st.lists(any_action(), min_size=3, max_size=15))
@settings(max_examples=15)
def test_proofs_follow_random_histories(actions: list[Any]) -> None:
    """CMT-19 CMT-23: along a random history, every kept version of the commitment proves its own
    state's entries (old versions stay valid after later updates), and a proof from one state does not
    verify a changed entry against the next state's root."""
    world = World.default()
    versions = [Commitment.of(world.state)]
    for action in [Scene(), *actions]:
        versions.append(_follow(versions[-1], run_action(world, action)))
    for c in versions[:: max(1, len(versions) // 4)]:
        entries = _sample_entries(c.state, 2)
        proof = c.prove([(m, k) for m, k, _ in entries])
        assert commitment.verify_many(c.root, entries, proof)
    first, last = versions[0], versions[-1]
    if first.root != last.root:
        entries = _sample_entries(first.state, 2)
        proof = first.prove([(m, k) for m, k, _ in entries])
        assert not commitment.verify_many(last.root, entries, proof)


def test_field_digests_tell_which_field_differs() -> None:
    """CMT-02: `Commitment.digests` (diagnosis for replicas, not part of the root) has one digest per field;
    changing one entry of one map changes that field's digest only."""
    state = build_population(50).state
    c = Commitment.of(state)
    who, info = next(iter(state.accounts.items()))
    other = Commitment.of(
        _replace(state, accounts=state.accounts.set(who, AccountInfo(info.nonce + 1, 0, 0, 0)))
    )
    differ = [f.name for f, a, b in zip(commitment.FIELDS, c.digests, other.digests, strict=True) if a != b]
    assert differ == ["accounts"] and len(c.digests) == len(STATE_FIELDS)


def test_a_plain_field_that_is_none_proves_as_its_value() -> None:
    """CMT-02 CMT-23: a plain field is always an entry of the pseudo-map `state`, so an unset optional
    field (the bridge's `fee_account`, unset) proves with the claim None, and a claim of another value
    fails; for a map entry None still means absent."""
    state = attrs.evolve(default(), fee_account=None)
    c = Commitment.of(state)
    proof = c.prove([("state", "fee_account"), ("contracts", 1)])
    assert commitment.verify(c.root, "state", "fee_account", None, proof)
    assert not commitment.verify(c.root, "state", "fee_account", bytes(32), proof)
    assert commitment.verify(c.root, "contracts", 1, None, proof)
    assert commitment.verify_many(c.root, [("state", "fee_account", None), ("contracts", 1, None)], proof)


def test_claims_on_plain_maps_agree_with_entry_path_and_value_hash() -> None:
    """CMT-13 CMT-14 CMT-23: the verifier's claim check for maps that are not of sets (written out for
    speed) gives exactly `entry_path` and `entry_value_hash`, present and absent, and refuses what they
    refuse with a ProofError: a key or value of another type, a list for a tuple, an integer out of its
    width, a record of another class."""
    state = build_population(60).state
    for field in commitment.FIELDS:
        if not field.is_map or field.set_valued:
            continue
        for key, value in list(getattr(state, field.name).items())[:3]:
            for claimed in (value, None):
                want = (
                    commitment.entry_path(field.name, key),
                    commitment.entry_value_hash(field.name, key, claimed),
                )
                assert commitment._leaf_claim(field.name, key, claimed) == want, field.name
    cid, contract = next(iter(state.contracts.items()))
    node_type: Any = contract.contract_type
    bad = [
        (2**64, contract),  # key out of U64
        (True, contract),  # a boolean is not an integer key
        ("7", contract),
        (cid, 12),
        (cid, attrs.evolve(contract, twin_id=2**32)),  # a field out of its width
        (
            cid,
            attrs.evolve(contract, contract_type=attrs.evolve(node_type, public_ips_list=[])),
        ),  # list for tuple
        (cid, AccountInfo(0, 0, 0, 0)),
    ]
    for key, value in bad:
        with pytest.raises(commitment.ProofError):
            commitment._leaf_claim("contracts", key, value)
        with pytest.raises(commitment.ProofError):
            commitment.entry_value_hash("contracts", key, value) if key == cid else commitment.entry_path(
                "contracts", key
            )
