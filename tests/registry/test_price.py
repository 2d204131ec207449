"""The TFT price oracle (spec/registry.md, TFT-xx)."""

from __future__ import annotations

from fractions import Fraction

import attrs
from hypothesis import given
from hypothesis import strategies as st

from sc4it import calls, events
from sc4it.kernel.errors import Error
from sc4it.kernel.fixed import U32_MAX
from sc4it.kernel.state import Config
from sc4it.kernel.tx import Tx
from sc4it.kernel.types import TftPrice
from sc4it.registry.price import average_price, handle_set_prices, pushed

from .helpers import ENV, council, edit, failed, ok, oracle, run, world


def test_set_prices_first_observation() -> None:
    """TFT-01, TFT-02, TFT-04, TFT-05: the oracle's first price: stored, ring of one, average = price,
    last_block_set is the reported block; PriceStored then AveragePriceStored; min/max unchanged."""
    s = world()
    out = oracle(s, calls.SetPrices(42, 77))
    s2 = ok(out)
    assert s2.tft_price == TftPrice(42, 42, 10, 1000, 77, (42,))
    assert out.events == (events.PriceStored(42), events.AveragePriceStored(42))


def test_set_prices_origin() -> None:
    """TFT-01: only the oracle: AccountUnauthorizedToSetPrice for a user and for the council."""
    s = world()
    failed(s, run(s, "alice", calls.SetPrices(42, 1)), Error.AccountUnauthorizedToSetPrice)
    failed(s, council(s, calls.SetPrices(42, 1)), Error.AccountUnauthorizedToSetPrice)


def test_average_rounds_half_up() -> None:
    """TFT-03: average of 10 and 11 is 10.5 -> 11; of 10, 10, 11 is 10.33 -> 10; of 1, 2 -> 2."""
    s = world()
    s = ok(oracle(s, calls.SetPrices(10, 1)))
    out = oracle(s, calls.SetPrices(11, 2))
    assert ok(out).tft_price.average == 11
    s = ok(oracle(ok(out), calls.SetPrices(10, 3)))
    assert s.tft_price.average == 10  # (10 + 11 + 10) / 3
    assert average_price((1, 2)) == 2
    assert average_price((1, 1, 2, 2)) == 2
    assert average_price((0,)) == 0


def test_average_over_wrapping_ring() -> None:
    """TFT-02, TFT-03: with a ring of 4 the average covers the last 4 observations once it wraps."""
    s = world()
    s = edit(s, config=attrs.evolve(s.config, tft_price_history_length=4))
    prices = [100, 200, 300, 400, 500, 601]
    for i, p in enumerate(prices):
        s = ok(oracle(s, calls.SetPrices(p, i)))
    assert s.tft_price.history == (300, 400, 500, 601)
    assert s.tft_price.average == 450  # 1801 / 4 = 450.25
    assert s.tft_price.price == 601


def test_average_over_full_production_ring() -> None:
    """TFT-02: with the production length 1440, observation 1441 evicts the oldest."""
    s = world()
    assert s.config.tft_price_history_length == 1440
    s = edit(s, tft_price=TftPrice(50, 50, 10, 1000, 0, (1000,) + (50,) * 1439))
    tx = Tx(s, ENV, s.roles.oracle)
    handle_set_prices(tx, calls.SetPrices(50, 9))
    price = tx.tft_price
    assert price.history == (50,) * 1440
    assert price.average == 50
    assert average_price((1000,) + (50,) * 1439) == 51  # 72950 / 1440 = 50.66 -> 51


class _TfchainRing:
    """A transliteration of TFChain's RingBufferTransient over a map with MAX_LENGTH slots; the average
    reads every stored slot (`TftPriceHistory::iter()`)."""

    def __init__(self, max_length: int) -> None:
        self.max = max_length
        self.start = 0
        self.end = 0
        self.slots: dict[int, int] = {}

    def push(self, item: int) -> None:
        self.slots[self.end] = item
        nxt = self.end + 1
        if nxt == self.max:
            nxt = 0
        if nxt == self.start:
            self.start += 1
            if self.start >= self.max:
                self.start = 0
        self.end = nxt

    def average(self) -> int:
        values = list(self.slots.values())
        total = min(sum(values), U32_MAX)
        return int(Fraction(total, len(values)) + Fraction(1, 2))  # round half up


@given(st.integers(1, 8), st.lists(st.integers(0, U32_MAX), min_size=1, max_size=30))
def test_ring_and_average_match_tfchain(length: int, prices: list[int]) -> None:
    """TFT-02, TFT-03: `pushed` keeps exactly the values TFChain's ring buffer averages over, and
    `average_price` (U32F32) equals round-half-up of the saturated sum over the count."""
    ring = _TfchainRing(length)
    history: tuple[int, ...] = ()
    for p in prices:
        ring.push(p)
        history = pushed(history, p, length)
        assert sorted(history) == sorted(ring.slots.values())
        assert average_price(history) == ring.average()


@given(st.lists(st.integers(0, U32_MAX), min_size=1, max_size=1440))
def test_average_equals_exact_round_half_up(values: list[int]) -> None:
    """TFT-03: the U32F32 computation equals round-half-up of the exact rational (saturating sum)."""
    total = min(sum(values), U32_MAX)
    assert average_price(values) == (2 * total + len(values)) // (2 * len(values))


def test_average_saturates() -> None:
    """TFT-03: the u32 sum saturates: two max prices average to round(u32::MAX / 2) = 2^31."""
    assert average_price((U32_MAX, U32_MAX)) == 2**31
    assert average_price((U32_MAX,)) == U32_MAX


def test_below_and_above_events() -> None:
    """TFT-05, TFT-06: an average below min or above max is stored unclamped with the matching event;
    billing's price is the clamp."""
    s = world()
    out = oracle(s, calls.SetPrices(5, 1))
    s2 = ok(out)
    assert out.events == (
        events.PriceStored(5),
        events.AveragePriceStored(5),
        events.AveragePriceIsBelowMinPrice(5, 10),
    )
    assert s2.tft_price.average == 5 and s2.tft_price.billing_price() == 10
    out = oracle(s, calls.SetPrices(5000, 1))
    s3 = ok(out)
    assert out.events == (
        events.PriceStored(5000),
        events.AveragePriceStored(5000),
        events.AveragePriceIsAboveMaxPrice(5000, 1000),
    )
    assert s3.tft_price.billing_price() == 1000
    # exactly at the bounds: no event
    assert oracle(s, calls.SetPrices(10, 1)).events == (events.PriceStored(10), events.AveragePriceStored(10))
    assert oracle(s, calls.SetPrices(1000, 1)).events == (
        events.PriceStored(1000),
        events.AveragePriceStored(1000),
    )


def test_both_events_when_bounds_inverted() -> None:
    """TFT-05: with min > max (reachable only at genesis) both events are emitted, below first."""
    s = edit(world(), tft_price=TftPrice(50, 50, 100, 20, 0, ()))
    out = oracle(s, calls.SetPrices(50, 1))
    assert out.events == (
        events.PriceStored(50),
        events.AveragePriceStored(50),
        events.AveragePriceIsBelowMinPrice(50, 100),
        events.AveragePriceIsAboveMaxPrice(50, 20),
    )


def test_set_min_and_max_price() -> None:
    """TFT-10, TFT-11, TFT-12, TFT-13, EXT-REG-2: council moves the bounds; MinPriceStored /
    MaxPriceStored; the average is not recomputed."""
    s = world()
    out = council(s, calls.SetMinTftPrice(999))
    s2 = ok(out)
    assert (s2.tft_price.min, s2.tft_price.max, s2.tft_price.average) == (999, 1000, 50)
    assert out.events == (events.MinPriceStored(999),)
    out = council(s2, calls.SetMaxTftPrice(1000_000))
    s3 = ok(out)
    assert s3.tft_price.max == 1000_000
    assert out.events == (events.MaxPriceStored(1000_000),)


def test_set_min_max_errors() -> None:
    """TFT-10, TFT-12: BadOrigin (even for the oracle); min must stay below max and max above min
    (equality refused)."""
    s = world()
    failed(s, run(s, "alice", calls.SetMinTftPrice(1)), Error.BadOrigin)
    failed(s, oracle(s, calls.SetMaxTftPrice(2000)), Error.BadOrigin)
    failed(s, council(s, calls.SetMinTftPrice(1000)), Error.MinPriceAboveMaxPriceError)
    failed(s, council(s, calls.SetMinTftPrice(1001)), Error.MinPriceAboveMaxPriceError)
    failed(s, council(s, calls.SetMaxTftPrice(10)), Error.MaxPriceBelowMinPriceError)
    failed(s, council(s, calls.SetMaxTftPrice(9)), Error.MaxPriceBelowMinPriceError)
    assert ok(council(s, calls.SetMaxTftPrice(11))).tft_price.max == 11
    assert ok(council(s, calls.SetMinTftPrice(1))).tft_price.min == 1


def test_min_price_cannot_be_zero() -> None:
    """TFT-14 (DEV-TFT-1): a zero minimum is refused with MinTftPriceIsZero, before the max check, and
    changes nothing; billing's price (the clamped average) is therefore never 0."""
    s = world()
    failed(s, council(s, calls.SetMinTftPrice(0)), Error.MinTftPriceIsZero)


def test_config_default_ring_length() -> None:
    """TFT-02: the production ring length is TFChain's 1440."""
    assert Config().tft_price_history_length == 1440
