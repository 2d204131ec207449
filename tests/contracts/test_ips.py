"""Public IPs (spec/ips.md IPS-xx)."""

from __future__ import annotations

import pytest

from sc4it import calls as c
from sc4it import events as ev
from sc4it.conformance.invariants import check
from sc4it.contracts import hooks, ips
from sc4it.kernel.errors import Error, Fail
from sc4it.kernel.state import Config
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import NodeContract, PublicIP

from .world import (
    H,
    base,
    call,
    contract_gone,
    edit,
    env,
    err,
    free_ips,
    holder,
    kinds,
    node_contract,
    ok,
    set_farm_ips,
)

IP1 = [b"185.206.122.33/24", b"185.206.122.34/24", b"185.206.122.35/24", b"185.206.122.36/24"]


def test_ips01_zero_ips_touch_nothing() -> None:
    """IPS-01: no IPs asked, no lookup: a node contract of a node without farm would get FarmNotExists from
    the handler, but reserve_ip itself does nothing."""
    s = edit(base(), lambda tx: tx.farms.pop(1))
    tx = Tx(s, env(1))
    nc = NodeContract(1, H(1), b"", 0, ())
    assert ips.reserve_ip(tx, 1, nc) is nc
    assert tx.commit() is s


def test_ips02_missing_node_or_farm() -> None:
    """IPS-02."""
    tx = Tx(base(), env(1))
    with pytest.raises(Fail) as e:
        ips.reserve_ip(tx, 1, NodeContract(99, H(1), b"", 1, ()))
    assert e.value.error is Error.NodeNotExists
    tx = Tx(edit(base(), lambda t: t.farms.pop(1)), env(1))
    with pytest.raises(Fail) as e:
        ips.reserve_ip(tx, 1, NodeContract(1, H(1), b"", 1, ()))
    assert e.value.error is Error.FarmNotExists


def test_ips04_farm_order() -> None:
    """IPS-04, IPS-06: IPs are taken in farm order, skipping held ones."""
    s, a = node_contract(base(), "alice", h=1, ips=1)
    s, b = node_contract(s, "bob", h=2, ips=2)
    assert holder(s, 1, IP1[0]) == a.contract_id
    assert holder(s, 1, IP1[1]) == b.contract_id
    assert holder(s, 1, IP1[2]) == b.contract_id
    s, _ = ok(call(s, "alice", c.CancelContract(a.contract_id)))
    # the freed first IP is taken first by the next contract
    s, d = node_contract(s, "alice", h=3, ips=2)
    assert isinstance(d.contract_type, NodeContract)
    assert [ip.ip for ip in d.contract_type.public_ips_list] == [IP1[0], IP1[3]]
    assert free_ips(s, 1) == []
    assert check(s) == []


def test_ips03_not_enough_ips_vs_not_enough_free() -> None:
    """IPS-03 before IPS-05: more than the farm has in all -> FarmHasNotEnoughPublicIPs (even when some are
    held); enough in all but not enough free -> FarmHasNotEnoughPublicIPsFree."""
    s = base()
    assert err(call(s, "alice", c.CreateNodeContract(1, H(1), b"", 5, None)), s) is (
        Error.FarmHasNotEnoughPublicIPs
    )
    s, _ = node_contract(s, "alice", h=1, ips=3)
    assert err(call(s, "bob", c.CreateNodeContract(1, H(2), b"", 2, None)), s) is (
        Error.FarmHasNotEnoughPublicIPsFree
    )
    assert err(call(s, "bob", c.CreateNodeContract(1, H(2), b"", 5, None)), s) is (
        Error.FarmHasNotEnoughPublicIPs
    )
    node_contract(s, "bob", h=2, ips=1)


def test_ips04_failed_to_reserve_ip() -> None:
    """IPS-04: taking more IPs than max_node_contract_public_ips fails with FailedToReserveIP (before
    IPS-05 would look at the count)."""
    import attrs

    s = base()
    s = attrs.evolve(s, config=attrs.evolve(s.config, max_node_contract_public_ips=1))
    assert isinstance(s.config, Config)
    assert err(call(s, "alice", c.CreateNodeContract(1, H(1), b"", 2, None)), s) is Error.FailedToReserveIP
    node_contract(s, "alice", ips=1)


def test_ips10_ips12_free_ip() -> None:
    """IPS-11/IPS-12: freeing keeps farm order, emits the freed IPs with contract_id 0."""
    s, a = node_contract(base(), "alice", h=1, ips=2)
    tx = Tx(s, env(2))
    assert isinstance(a.contract_type, NodeContract)
    freed = ips.free_ip(tx, a.contract_id, a.contract_type)
    assert [ip.ip for ip in freed] == IP1[:2]
    assert tx.events == [
        ev.IPsFreed(a.contract_id, tuple(PublicIP(ip, b"185.206.122.1", 0) for ip in IP1[:2]))
    ]
    assert [ip.ip for ip in tx.farms[1].public_ips] == IP1


def test_ips12_empty_ipsfreed() -> None:
    """IPS-12: free_ip of a contract holding nothing still emits IPsFreed with an empty list (P-J)."""
    tx = Tx(base(), env(1))
    ips.free_ip(tx, 9, NodeContract(1, H(1), b"", 1, ()))
    assert tx.events == [ev.IPsFreed(9, ())]


def test_ips10_free_ip_errors() -> None:
    """IPS-10."""
    tx = Tx(base(), env(1))
    with pytest.raises(Fail) as e:
        ips.free_ip(tx, 9, NodeContract(99, H(1), b"", 1, ()))
    assert e.value.error is Error.NodeNotExists
    tx = Tx(edit(base(), lambda t: t.farms.pop(1)), env(1))
    with pytest.raises(Fail) as e:
        ips.free_ip(tx, 9, NodeContract(1, H(1), b"", 1, ()))
    assert e.value.error is Error.FarmNotExists


def test_ips20_ip_removed_frees_hold() -> None:
    """IPS-20, HK-30 (DEV-IPS-1): the farm removes an IP a contract holds; the contract drops it and pays
    for one IP less; the state stays consistent."""
    s, a = node_contract(base(), "alice", h=1, ips=2)
    cid = a.contract_id
    removed = next(p for p in s.farms[1].public_ips if p.ip == IP1[1])
    s = set_farm_ips(s, 1, [p for p in s.farms[1].public_ips if p.ip != IP1[1]])
    tx = Tx(s, env(3))
    hooks.ip_removed(tx, removed)
    s2 = tx.commit()
    nc = s2.contracts[cid].contract_type
    assert isinstance(nc, NodeContract)
    assert nc.public_ips == 1
    assert [ip.ip for ip in nc.public_ips_list] == [IP1[0]]
    assert kinds(tx.events) == ["IPsFreed", "ContractUpdated"]
    assert tx.events[0] == ev.IPsFreed(cid, (PublicIP(IP1[1], b"185.206.122.1", 0),))
    assert tx.events[1] == ev.ContractUpdated(s2.contracts[cid])
    assert check(s2) == []
    # cancelling later frees the remaining IP only
    s3, events = ok(call(s2, "alice", c.CancelContract(cid), block=5))
    freed = next(e for e in events if isinstance(e, ev.IPsFreed))
    assert [ip.ip for ip in freed.public_ips] == [IP1[0]]
    contract_gone(s3, cid)


def test_ips20_noops() -> None:
    """IPS-20: a free IP, a missing contract, a name contract, an IP the contract does not list: nothing."""
    s, a = node_contract(base(), "alice", h=1, ips=1)
    s, _ = ok(call(s, "bob", c.CreateNameContract(b"bobs")))
    for ip in (
        PublicIP(IP1[0], b"x", 0),
        PublicIP(IP1[0], b"x", 99),
        PublicIP(IP1[0], b"x", 2),
        PublicIP(IP1[3], b"x", a.contract_id),
    ):
        tx = Tx(s, env(2))
        hooks.ip_removed(tx, ip)
        assert tx.commit() is s
        assert tx.events == []
