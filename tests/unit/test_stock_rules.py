"""Stock arithmetic: on hand is the sum of the ledger."""

import pytest

from kiosk.domain.stock import MOVEMENT_SIGNS, StockError, count_delta, on_hand, signed_quantity


@pytest.mark.parametrize(("kind", "qty", "delta"), [
    ("received", 12, 12),
    ("transfer_in", 3, 3),
    ("transfer_out", 3, -3),
    ("issued", 1, -1),
    ("voided", 1, 1),
    ("adjust", -2, -2),
    ("adjust", 4, 4),
    ("count", -1, -1),
])
def test_signed_quantity(kind, qty, delta):
    assert signed_quantity(kind, qty) == delta


@pytest.mark.parametrize("qty", [0, -1, -50])
@pytest.mark.parametrize("kind", ["received", "transfer_in", "transfer_out", "issued", "voided"])
def test_a_movement_with_a_direction_needs_a_positive_quantity(kind, qty):
    with pytest.raises(StockError):
        signed_quantity(kind, qty)


def test_unknown_movement_is_refused():
    with pytest.raises(StockError):
        signed_quantity("stolen", 1)


def test_every_kind_has_a_sign():
    assert set(MOVEMENT_SIGNS) == {"received", "transfer_in", "transfer_out", "issued", "voided",
                                   "adjust", "count"}


def test_on_hand_is_the_sum_of_the_ledger():
    ledger = [signed_quantity("received", 10), signed_quantity("issued", 1),
              signed_quantity("issued", 1), signed_quantity("voided", 1)]
    assert on_hand(ledger) == 9
    assert on_hand([]) == 0


def test_a_count_writes_the_difference():
    assert count_delta(expected=9, counted=7) == -2
    assert count_delta(expected=9, counted=9) == 0
    assert count_delta(expected=0, counted=4) == 4
    assert on_hand([9, count_delta(9, 7)]) == 7


def test_a_count_below_zero_is_refused():
    with pytest.raises(StockError):
        count_delta(expected=3, counted=-1)


def test_a_threshold_is_a_number_of_pins_from_0_to_100000() -> None:
    from kiosk.domain.stock import low_at_value

    assert [low_at_value(t) for t in ("0", " 12 ", "100000")] == [0, 12, 100_000]
    for typed in ("-1", "100001", "", "2.5", "five"):
        with pytest.raises(StockError):
            low_at_value(typed)


def test_a_pin_at_its_threshold_is_low_and_the_banner_says_how_many_are_left() -> None:
    from kiosk.domain.stock import is_low, low_stock_words, stock_state

    assert is_low(5, 5) and not is_low(6, 5) and is_low(0, 0)
    assert stock_state(3, 2) == "ok" and stock_state(3, 3) == "low" and stock_state(0, 0) == "empty"
    assert low_stock_words("Finding Balance pin", 3, 5) == "Finding Balance pin, 3 left (low at 5)"
    assert low_stock_words("Finding Balance pin", 0, 5) == (
        "Finding Balance pin, none left (low at 5)")
