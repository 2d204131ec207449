"""NODE-15: a restart keeps each record of the state as its row's bytes until first read, invisibly."""

from __future__ import annotations

import copy
import gc
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import cbor2
import pytest
from benchmarks.node_scale import _calls
from benchmarks.population import ENV, build_population

from sc4it.block import ChainSpec, build_block
from sc4it.kernel.codec import codec_for, encode
from sc4it.kernel.pmap import LazyPMap, LazyValue, PMap, raw_map, resolve
from sc4it.kernel.state import State
from sc4it.kernel.tx import BlockEnv, Tx
from sc4it.kernel.types import ContractPaymentState
from sc4it.node.store import DB_FILE, FIELDS, Store, StoreError, StoreProblem, decode_ahead

from .helpers import PRODUCER

SPEC = ChainSpec.of([PRODUCER.account_id], block_time_ms=6000, genesis_timestamp_ms=ENV.timestamp - 6000)
"""Block n is the population's block `ENV.number` - 1 + n: block 1 bills a full shard (as node_scale)."""

LAZY = [f.name for f in FIELDS if f.lazy]


def _payment(i: int) -> ContractPaymentState:
    return ContractPaymentState(i, 2 * i, 0, 0, 3 * i, i % 100)


def _lazy_map(records: dict[int, Any], decoded: list[bytes]) -> LazyPMap[int, Any]:
    """A LazyPMap of `records` as a store reloads it, logging each decode in `decoded`."""
    codec = codec_for(ContractPaymentState)

    def decode(data: bytes) -> Any:
        decoded.append(data)
        return codec.dec(cbor2.loads(data), "value")

    return LazyPMap([(k, LazyValue(encode(v, ContractPaymentState), decode)) for k, v in records.items()])


def test_lazy_value_decodes_once_and_stands_for_its_record() -> None:
    """NODE-15: a LazyValue decodes on first read only, equals and hashes as its record (both ways),
    and is pickled and copied as the record itself."""
    decoded: list[bytes] = []
    m = _lazy_map({1: _payment(1)}, decoded)
    v = raw_map(m)[1]
    assert isinstance(v, LazyValue) and not decoded
    assert v == _payment(1) and _payment(1) == v and v != _payment(2) and hash(v) == hash(_payment(1))
    assert v.value() is v.value() and len(decoded) == 1
    assert pickle.loads(pickle.dumps(v)) == _payment(1) and copy.copy(v).__class__ is not LazyValue
    assert resolve(v) is v.value() and resolve(5) == 5 and "LazyValue(" in repr(v)


def test_lazy_map_hands_out_records_only() -> None:
    """NODE-15: every accessor of a LazyPMap returns records, updates return a LazyPMap, and it equals
    (and hashes as) the PMap of the same records; a key is decoded when read, not before."""
    records = {i: _payment(i) for i in range(1, 40)}
    decoded: list[bytes] = []
    lazy, plain = _lazy_map(records, decoded), PMap(records.items())
    assert len(lazy) == 39 and 3 in lazy and sorted(lazy) == sorted(records) and not decoded
    assert lazy.get(3) == records[3] and lazy[4] == records[4] and lazy.get(99) is None
    assert len(decoded) == 2
    assert all(type(v) is ContractPaymentState for v in lazy.values())
    assert dict(lazy.items()) == records and lazy.sorted_items() == plain.sorted_items()
    assert lazy.sorted_items(key=lambda k: -k)[0] == (39, records[39])
    assert lazy == plain and plain == lazy and hash(lazy) == hash(plain)
    for changed in (lazy.set(100, _payment(100)), lazy.delete(1), lazy.update_many([(2, _payment(7))], [3])):
        assert type(changed) is LazyPMap and all(type(v) is ContractPaymentState for _, v in changed.items())
    assert lazy.delete(12345) is lazy and lazy.set(5, _payment(9)) == plain.set(5, _payment(9))
    assert repr(lazy).startswith("PMap({") and pickle.loads(pickle.dumps(lazy)) == plain


def test_a_transaction_over_a_lazy_map_sees_records_only() -> None:
    """NODE-15: a `Tx` view of a LazyPMap reads records through every accessor (get, [], items, pop),
    its writes, rollback and commit behave as over a plain map, and the committed map is a LazyPMap
    equal to the one the plain map gives."""
    records = {i: _payment(i) for i in range(1, 20)}
    base = build_population(50).state
    results = []
    for m in (_lazy_map(records, []), PMap(records.items())):
        state = State.__new__(State)
        for name in State.__slots__:
            object.__setattr__(state, name, getattr(base, name))
        object.__setattr__(state, "contract_payment_state", m)
        tx = Tx(state, BlockEnv(1, 6000))
        view = tx.contract_payment_state
        assert view.get(1) == records[1] and view[2] == records[2] and 3 in view and len(view) == 19
        assert all(type(v) is ContractPaymentState for _, v in view.items())
        mark = tx.savepoint()
        view[50] = _payment(50)
        assert view.get(50) == _payment(50) and view.get(4) == records[4]
        tx.rollback(mark)
        assert view.get(50) is None and view.get(5) == records[5]
        assert view.pop(6) == records[6] and view.pop(6) is None and view.get(6) is None
        view[7] = _payment(70)
        del view[8]
        assert view[7] == _payment(70) and view.get(8) is None and type(view.get(9)) is ContractPaymentState
        assert type(view.current) is type(m)
        child = tx.fork()
        child.contract_payment_state[10] = _payment(100)
        tx.absorb(child)
        assert view.get(10) == _payment(100) and type(view.get(11)) is ContractPaymentState
        after = tx.commit().contract_payment_state
        assert type(after) is type(m)
        results.append(after)
    assert results[0] == results[1] and dict(results[0].items()) == dict(results[1].items())


def _chain(directory: Path, blocks: int) -> list[Any]:
    """A store of a 2,000-contract population with `blocks` blocks (billing and transfers); its headers."""
    state = build_population(2_000).state
    headers = []
    with Store.open(directory, state, SPEC) as store:
        for _ in range(blocks):
            ex = build_block(store.tip, _calls(store.tip.state, 8), PRODUCER, SPEC)
            store.append(ex)
            headers.append(ex.block.header)
    return headers


def test_a_lazily_reloaded_state_runs_exactly_as_the_original(tmp_path: Path) -> None:
    """NODE-15 NODE-08: reopened lazily (the default), the maps of records are LazyPMaps whose values
    are still undecoded; the state equals the one decoded in full (`lazy=False`), and the blocks built
    on either, billing shards and transfers, are the very blocks the never-restarted chain built."""
    headers = _chain(tmp_path / "a", 4)
    _chain(tmp_path / "b", 1)
    pop = build_population(2_000).state
    with Store.open(tmp_path / "b", pop, SPEC, lazy=False) as eager:
        eager_state = eager.tip.state
        assert not any(isinstance(getattr(eager_state, n), LazyPMap) for n in LAZY)
    with Store.open(tmp_path / "b", pop, SPEC) as store:
        s = store.tip.state
        assert LAZY and all(type(getattr(s, n)) is LazyPMap for n in LAZY)
        contracts = raw_map(s.contracts)
        assert len(contracts) > 1000 and all(isinstance(v, LazyValue) for v in contracts.values())
        for n in range(2, 5):
            ex = build_block(store.tip, _calls(store.tip.state, 8), PRODUCER, SPEC)
            assert ex.block.header == headers[n - 1] and len(ex.results.hook_events) > 0
            store.append(ex)
        assert all(type(getattr(store.tip.state, n)) is LazyPMap for n in LAZY)
        decoded = sum(v._data is None for v in contracts.values())  # type: ignore[attr-defined]
        assert 0 < decoded < len(contracts) // 2  # the billed shards were decoded, not the whole map
        assert s == eager_state  # (decodes every record)


def test_genesis_and_restart_freeze_what_they_built_and_restore_the_collector(tmp_path: Path) -> None:
    """NODE-15 NODE-05: creating a store's genesis and reopening it each freeze what was built out of the
    collector's generations (`gc.freeze`) and leave the collector as they found it, on or off; the
    kernel's own tree build never freezes (tests/test_smt.py)."""
    pop = build_population(200).state
    was_on = gc.isenabled()
    try:
        for on, path in ((True, tmp_path / "on"), (False, tmp_path / "off")):
            (gc.enable if on else gc.disable)()
            for _ in ("genesis", "restart"):
                frozen = gc.get_freeze_count()
                with Store.open(path, pop, SPEC):
                    assert gc.get_freeze_count() > frozen and gc.isenabled() is on
    finally:
        (gc.enable if was_on else gc.disable)()


def test_a_damaged_record_row_is_refused_though_not_decoded(tmp_path: Path) -> None:
    """NODE-15 NODE-08: a record's row is not decoded at start, but its bytes are a leaf of the tree
    checked against the header: bytes that do not even decode are refused as Damaged at start."""
    _chain(tmp_path, 1)
    index = next(f.index for f in FIELDS if f.name == "contracts")
    db = sqlite3.connect(tmp_path / DB_FILE)
    key = db.execute("SELECT key FROM entries WHERE field = ? LIMIT 1", (index,)).fetchone()[0]
    db.execute("UPDATE entries SET value = ? WHERE field = ? AND key = ?", (b"\xff\xff", index, key))
    db.commit()
    db.close()
    with pytest.raises(StoreError) as e:
        Store.open(tmp_path, build_population(2_000).state, SPEC)
    assert e.value.problem is StoreProblem.Damaged and "state commitment" in e.value.message


def test_only_maps_of_records_are_lazy() -> None:
    """NODE-15: maps of integers, byte strings or sets, and plain fields, are decoded at start."""
    assert {"contracts", "twins", "farms", "nodes", "accounts", "contract_payment_state"} <= set(LAZY)
    assert not {"active_node_contracts", "contracts_to_bill_at", "twin_id_by_account_id"} & set(LAZY)
    assert all(f.is_map for f in FIELDS if f.lazy)


@pytest.mark.parametrize(
    ("field", "column", "bad"),
    [
        ("contracts", "key", None),  # the same id, encoded non-canonically (0x1b + 8 bytes)
        ("contract_id_by_node_id_and_hash", "key", cbor2.dumps("not a tuple")),
        ("twin_id_by_account_id", "value", cbor2.dumps(-1)),
        ("contract_id_by_node_id_and_hash", "value", cbor2.dumps(2**70)),
        ("twin_id_by_account_id", "key", cbor2.dumps(5)),
    ],
)
def test_keys_read_without_checks_are_still_authenticated(
    tmp_path: Path, field: str, column: str, bad: bytes | None
) -> None:
    """NODE-15: keys and values of CBOR's own data model (integers, byte strings, tuples of them) are
    read at start without the strict decoder's checks, so a row with another type, a value out of
    bounds or a non-canonical encoding parses; its bytes are a leaf of the tree, so the store is refused
    as Damaged at start all the same, lazily or not."""
    f = next(f for f in FIELDS if f.name == field)
    assert f.kread is not None and (column == "key" or f.vread is not None)
    _chain(tmp_path, 1)
    db = sqlite3.connect(tmp_path / DB_FILE)
    key = db.execute("SELECT key FROM entries WHERE field = ? LIMIT 1", (f.index,)).fetchone()[0]
    if bad is None:
        bad = b"\x1b" + cbor2.loads(key).to_bytes(8, "big")
        assert cbor2.loads(bad) == cbor2.loads(key) and bad != key
    db.execute(f"UPDATE entries SET {column} = ? WHERE field = ? AND key = ?", (bad, f.index, key))
    db.commit()
    db.close()
    for lazy in (True, False):
        with pytest.raises(StoreError) as e:
            Store.open(tmp_path, build_population(2_000).state, SPEC, lazy=lazy)
        assert e.value.problem is StoreProblem.Damaged


def test_bulk_readers_give_the_strict_decoders_values() -> None:
    """NODE-15: on canonical encodings, the unchecked readers give exactly what the strict decoders do
    (integers, byte strings, and the (node id, hash) tuple key)."""
    pop = build_population(500).state
    for f in FIELDS:
        if not f.is_map:
            continue
        items = list(getattr(pop, f.name).items())
        if f.kread is not None:
            keys = f.kread([cbor2.dumps(f.kenc(k), canonical=True) for k, _ in items])
            assert keys == [k for k, _ in items] and [type(k) for k in keys] == [type(k) for k, _ in items]
        if f.vread is not None:
            assert f.vread([cbor2.dumps(f.venc(v), canonical=True) for _, v in items]) == [
                v for _, v in items
            ]
    tuple_key = next(f for f in FIELDS if f.name == "contract_id_by_node_id_and_hash")
    assert len(getattr(pop, tuple_key.name)) > 0 and tuple_key.kread is not None


def test_decode_ahead_decodes_the_next_shard_only(tmp_path: Path) -> None:
    """NODE-17: `decode_ahead` decodes the records of the next block's billing shard (its contracts and
    their per-contract records, twins, nodes, farms, accounts) and no other contract, changes nothing,
    and the block built afterwards is the block built without it."""
    headers = _chain(tmp_path / "a", 3)
    _chain(tmp_path / "b", 2)
    pop = build_population(2_000).state
    with Store.open(tmp_path / "b", pop, SPEC) as store:
        tip = store.tip
        before = {n: raw_map(getattr(tip.state, n)) for n in LAZY}
        count = decode_ahead(tip.state, tip.number + 1)
        shard = set(tip.state.contracts_to_bill_at.get((tip.number + 1) % tip.state.billing_frequency) or ())
        assert count == len(shard) > 0
        contracts = raw_map(tip.state.contracts)
        done = {c for c, v in contracts.items() if v._data is None}  # type: ignore[attr-defined]
        assert done == shard
        payment = raw_map(tip.state.contract_payment_state)
        assert all(payment[c]._data is None for c in shard if c in payment)  # type: ignore[attr-defined]
        twins = {contracts[c].value().twin_id for c in shard}  # type: ignore[attr-defined]
        assert all(raw_map(tip.state.twins)[t]._data is None for t in twins)  # type: ignore[attr-defined]
        node_ids = {tip.state.contracts[c].node_id() for c in shard} - {0}
        farm_ids = {tip.state.nodes[n].farm_id for n in node_ids}
        assert farm_ids and all(raw_map(tip.state.farms)[f]._data is None for f in farm_ids)  # type: ignore[attr-defined]
        assert all(raw_map(getattr(tip.state, n)) is before[n] for n in LAZY)  # the very same maps
        assert decode_ahead(tip.state, tip.number + 1) == count
        ex = build_block(tip, _calls(tip.state, 8), PRODUCER, SPEC)
        assert ex.block.header == headers[2]
