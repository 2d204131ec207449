"""Registry rules checked through signed calls, so that they also appear in the conformance vectors
(spec/vectors/README.md): the public-IP validation rules IP-01..05 are otherwise tested on
`validate_public_ip` directly, and the power no-op on a spy (PWR-03)."""

from __future__ import annotations

import pytest

from sc4it import calls, events
from sc4it.kernel.errors import Error
from sc4it.kernel.types import Power, PublicIP

from .helpers import failed, ok, run, world

GW = b"185.206.122.1"


@pytest.mark.parametrize(
    ("ip", "gw"),
    [
        pytest.param(b"185.206.122.40", GW, id="IP-02-no-mask"),
        pytest.param(b"185.206.122.40/33", GW, id="IP-02-mask-above-32"),
        pytest.param(b"185.206.122.40/00", GW, id="IP-02-mask-00"),
        pytest.param(b"185.206.122.40/024", GW, id="IP-02-three-digit-mask"),
        pytest.param(b"185.206.122.40/24" + b"0", GW, id="IP-02-over-18-bytes"),
        pytest.param(b"185.206.122.040/24", GW, id="IP-01-leading-zero"),
        pytest.param(b"185.206.122.1/24", GW, id="IP-03-gateway-is-the-ip"),
        pytest.param(b"10.0.0.5/24", b"10.0.0.1", id="IP-04-private"),
        pytest.param(b"185.206.122.40/0", b"10.0.0.1", id="IP-04-private-gateway"),
        pytest.param(b"224.0.0.5/24", b"224.0.0.1", id="IP-04-multicast"),
        pytest.param(b"185.206.122.40/24", b"185.206.123.1", id="IP-05-gateway-outside-network"),
        pytest.param(b"185.206.122.40/32", b"185.206.122.40", id="IP-05-slash-32"),
    ],
)
def test_add_farm_ip_validation_through_a_call(ip: bytes, gw: bytes) -> None:
    """IP-10: AddFarmIp refuses each of these with InvalidPublicIP and changes nothing (the IP-01..05
    rule each case checks is in its parameter id)."""
    s = world()
    failed(s, run(s, "farmer-1", calls.AddFarmIp(1, ip, gw)), Error.InvalidPublicIP)


@pytest.mark.parametrize(
    ("ip", "gw"),
    [
        pytest.param(b"185.206.122.40/24", GW, id="IP-02-plain"),
        pytest.param(b"185.206.122.40/09", b"185.200.0.1", id="IP-02-leading-zero-mask"),
        pytest.param(b"185.206.0.0/16", b"185.206.122.1", id="IP-05-network-address"),
        pytest.param(b"192.0.0.9/24", b"192.0.0.1", id="IP-04-192.0.0/24-is-public"),
    ],
)
def test_add_farm_ip_valid_through_a_call(ip: bytes, gw: bytes) -> None:
    """IP-11 IP-12: these are valid (the IP-xx rule each case checks is in its parameter id) and appended
    free, with FarmUpdated."""
    s = world()
    out = run(s, "farmer-1", calls.AddFarmIp(1, ip, gw))
    s2 = ok(out)
    assert s2.farms[1].public_ips[-1] == PublicIP(ip, gw, 0)
    assert out.events == (events.FarmUpdated(s2.farms[1]),)


def test_power_state_unchanged_is_a_noop_through_a_call() -> None:
    """PWR-03 PWR-01: Up on a node that is Up succeeds with no event and no change but the nonce; Down
    twice in the same block changes nothing the second time."""
    s = world()
    out = run(s, "node-1", calls.ChangePowerState(Power.Up))
    s2 = ok(out)
    assert out.events == ()
    assert s2.node_power == s.node_power and s2.nodes == s.nodes
    down = ok(run(s, "node-1", calls.ChangePowerState(Power.Down)))
    again = run(down, "node-1", calls.ChangePowerState(Power.Down))
    assert ok(again).node_power == down.node_power and again.events == ()
