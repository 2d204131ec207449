"""The TFT price oracle (spec/registry.md, rules TFT-xx): TFChain's pallet-tft-price.

`set_prices` (oracle origin) records an observation, pushes it into a ring of the last
`config.tft_price_history_length` observations and stores their average; `set_min_tft_price` and
`set_max_tft_price` (council) move the bounds billing clamps the average to. All prices are u32 mUSD.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sc4it.kernel import calls as c
from sc4it.kernel.errors import Error, fail
from sc4it.kernel.events import (
    AveragePriceIsAboveMaxPrice,
    AveragePriceIsBelowMinPrice,
    AveragePriceStored,
    MaxPriceStored,
    MinPriceStored,
    PriceStored,
)
from sc4it.kernel.fixed import U32_MAX, U32F32
from sc4it.kernel.origins import ensure_council, ensure_oracle
from sc4it.kernel.tx import Tx


def average_price(history: Sequence[int]) -> int:
    """TFT-03: TFChain's `calc_avg`: the u32 sum saturates, then
    `(U32F32(sum) / U32F32(count)).round().to_num::<u32>()` (truncating division, ties rounded up).

    For these operands it equals round-half-up of the exact quotient sum / count (spec TFT-03 proves it);
    the fixed-point form is kept so the code reads like TFChain's."""
    total = 0
    for value in history:
        total += value
        if total >= U32_MAX:
            total = U32_MAX
            break
    return (U32F32.from_int(total) / U32F32.from_int(len(history))).round().to_u32()


def pushed(history: tuple[int, ...], price: int, length: int) -> tuple[int, ...]:
    """TFT-02: the ring after pushing `price`: the last `length` observations, oldest first."""
    ring = (*history, price)
    return ring[-length:] if len(ring) > length else ring


def handle_set_prices(tx: Tx, call: c.SetPrices) -> None:
    """TFT-01..05 (oracle; TFChain: Pays::No)."""
    ensure_oracle(tx)  # TFT-01
    old = tx.tft_price
    history = pushed(old.history, call.price, tx.config.tft_price_history_length)  # TFT-02
    average = average_price(history)  # TFT-03
    tx.tft_price = old.with_price(call.price, average, call.block_number, history)  # TFT-04
    tx.emit(PriceStored(call.price))  # TFT-05
    tx.emit(AveragePriceStored(average))
    if average < old.min:
        tx.emit(AveragePriceIsBelowMinPrice(average, old.min))
    if average > old.max:
        tx.emit(AveragePriceIsAboveMaxPrice(average, old.max))


def handle_set_min_tft_price(tx: Tx, call: c.SetMinTftPrice) -> None:
    """TFT-10, TFT-11, TFT-14 (council)."""
    ensure_council(tx)
    old = tx.tft_price
    if call.price == 0:  # TFT-14: billing divides by the price (DEV-TFT-1)
        fail(Error.MinTftPriceIsZero)
    if not call.price < old.max:  # TFT-10
        fail(Error.MinPriceAboveMaxPriceError)
    tx.tft_price = old.with_bounds(call.price, old.max)
    tx.emit(MinPriceStored(call.price))  # TFT-11 (extension EXT-REG-2)


def handle_set_max_tft_price(tx: Tx, call: c.SetMaxTftPrice) -> None:
    """TFT-12..13 (council)."""
    ensure_council(tx)
    old = tx.tft_price
    if not call.price > old.min:  # TFT-12
        fail(Error.MaxPriceBelowMinPriceError)
    tx.tft_price = old.with_bounds(old.min, call.price)
    tx.emit(MaxPriceStored(call.price))  # TFT-13 (extension EXT-REG-2)


HANDLERS: dict[type, Callable[[Tx, Any], None]] = {
    c.SetPrices: handle_set_prices,
    c.SetMinTftPrice: handle_set_min_tft_price,
    c.SetMaxTftPrice: handle_set_max_tft_price,
}
