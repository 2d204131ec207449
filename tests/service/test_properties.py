"""Service contracts: whole-sequence properties (spec/service-contracts.md SVC-19, SVC-20)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from sc4it import Error
from sc4it import calls as c
from sc4it import events as ev
from sc4it.kernel.types import TftPrice

from .flows import approved
from .world import World, conserved

HOUR = 3600


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[int, int, int, int, list[tuple[int, str, int]]]:
    base_fee = draw(st.one_of(st.integers(0, 2000), st.integers(0, 10**7)))
    variable_fee = draw(st.one_of(st.integers(0, 2000), st.integers(0, 10**7)))
    price = draw(st.integers(10, 1000))
    funds = draw(st.one_of(st.just(10**18), st.integers(0, 10**10)))
    steps = draw(
        st.lists(
            st.tuples(
                st.one_of(st.integers(0, 12_000), st.integers(0, 8_000_000)),  # ms to the next bill
                st.sampled_from(["floor", "over", "tfchain", "zero", "any"]),
                st.integers(0, 2 * 10**7),
            ),
            min_size=1,
            max_size=30,
        )
    )
    return base_fee, variable_fee, price, funds, steps


@given(scenarios())
def test_svc19_bills_never_overlap_nor_exceed_the_fees(
    scenario: tuple[int, int, int, int, list[tuple[int, str, int]]],
) -> None:
    """SVC-19, SVC-20, SVC-16: for any sequence of bills,
    - the windows of accepted bills are disjoint intervals (t − window, t] after the approval time,
      each at most one hour;
    - the variable amounts sum to at most variable_fee per hour of billed time (exactly, no rounding);
    - each bill costs at most base·window/3600 + variable, plus half a unit USD and half a TFT unit of
      rounding, so the consumer never pays more than (base + variable) fee per hour of wall-clock time
      beyond that per-bill rounding;
    - a rejected bill changes nothing, and funds are conserved after every step."""
    base_fee, variable_fee, price, funds, steps = scenario
    w = World(
        balances={"alice": 10**12, "bob": funds + 500},
        price=TftPrice(price=price, average=price, min=10, max=1000),
    )
    approved(w, base_fee=base_fee, variable_fee=variable_fee)
    start = w.sc().last_bill
    last = start
    covered_until = start
    paid = 0
    bound = Fraction(0)
    billed_secs = 0
    variable_total = 0
    units_per_tft = Fraction(price * 10_000, 10_000_000)  # units USD per TFT balance unit
    for ms, mode, raw in steps:
        w.advance_ms(ms)
        window = min(max(w.now - last, 0), HOUR)
        fair = variable_fee * window // HOUR
        amount_var = {
            "floor": fair,
            "over": fair + 1,
            "tfchain": int(Fraction(variable_fee * window, HOUR) + Fraction(1, 2)),
            "zero": 0,
            "any": raw,
        }[mode]
        bob_before = w.free("bob")
        out = w.call("alice", c.ServiceContractBill(1, amount_var, b""))
        assert conserved(w.state)
        if not out.ok:
            assert out.error in (
                Error.ServiceContractBillingVariableAmountTooHigh,
                Error.ServiceContractNotEnoughFundsToPayBill,
            )
            if out.error is Error.ServiceContractBillingVariableAmountTooHigh:
                assert amount_var > fair
            continue
        assert amount_var <= fair
        billed = out.events[-1]
        assert isinstance(billed, ev.ServiceContractBilled)
        t, win = w.now, billed.bill.window
        assert win == window <= HOUR
        assert t - win >= covered_until  # disjoint from every earlier bill, after approval
        covered_until = t
        last = t
        billed_secs += win
        variable_total += billed.bill.variable_amount
        assert bob_before - w.free("bob") == billed.amount
        paid += billed.amount
        if billed.amount:
            cost_units = Fraction(base_fee * 10_000 * win, HOUR) + billed.bill.variable_amount * 10_000
            bill_bound = (cost_units + Fraction(1, 2)) / units_per_tft + Fraction(1, 2)
            assert billed.amount <= bill_bound
            bound += bill_bound
    wall_clock = w.now - start
    assert billed_secs <= wall_clock
    assert variable_total * HOUR <= variable_fee * billed_secs
    assert paid <= bound
    fee_per_hour_bound = Fraction((base_fee + variable_fee) * 10_000 * wall_clock, HOUR) / units_per_tft
    n = sum(1 for _ in steps)
    assert paid <= fee_per_hour_bound + n * (Fraction(1, 2) / units_per_tft + Fraction(1, 2))
    assert 10**12 + paid == w.free("alice")


def test_svc19_per_second_bills_cannot_double_the_variable_fee() -> None:
    """SVC-19 / DEV-SVC-4: the TFChain rounding exploit, end to end: a service billing every 6 s with
    a 301 mUSD/h variable fee. Under TFChain's cap it could take 1 mUSD per block (600 mUSD/h); here the
    variable charges over an hour stay within 301 mUSD."""
    w = World()
    approved(w, base_fee=0, variable_fee=301)
    total = 0
    for block in range(2, 602):
        w.run_to_block(block)
        for amount in (1, 0):
            out = w.call("alice", c.ServiceContractBill(1, amount, b""))
            if out.ok:
                billed = out.events[-1]
                assert isinstance(billed, ev.ServiceContractBilled)
                total += billed.bill.variable_amount
                break
    assert total == 0  # every 6 s window caps at floor(301 * 6 / 3600) = 0
    assert total * 3600 <= 301 * 3600
