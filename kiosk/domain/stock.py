"""Stock arithmetic. On-hand stock is the sum of the movement ledger; nothing else is stored."""

from __future__ import annotations

from collections.abc import Iterable

# kind -> the sign a quantity takes in the ledger (0: the sign is given with the quantity)
MOVEMENT_SIGNS = {
    "received": +1,
    "transfer_in": +1,
    "transfer_out": -1,
    "issued": -1,
    "voided": +1,
    "adjust": 0,
    "count": 0,
}


LOW_STOCK_AT = 5  # pins on hand at or under which the stock chip says "low"


def stock_state(on_hand: int, low_at: int = LOW_STOCK_AT) -> str:
    """``empty``, ``low`` or ``ok``: what the stock chip says, in words as well as colour."""
    if on_hand <= 0:
        return "empty"
    return "low" if on_hand <= low_at else "ok"


class StockError(ValueError):
    """A stock movement that makes no sense (a negative shipment, an unknown kind)."""


def signed_quantity(kind: str, qty: int) -> int:
    """The ledger delta for a movement of ``kind`` and ``qty`` as a person enters it."""
    if kind not in MOVEMENT_SIGNS:
        raise StockError(f"Unknown stock movement {kind!r}.")
    sign = MOVEMENT_SIGNS[kind]
    if sign == 0:
        return qty
    if qty <= 0:
        raise StockError("The quantity must be a whole number above zero.")
    return sign * qty


def on_hand(deltas: Iterable[int]) -> int:
    return sum(deltas)


def count_delta(expected: int, counted: int) -> int:
    """The adjustment a physical count writes so that the ledger agrees with the shelf."""
    if counted < 0:
        raise StockError("A count cannot be below zero.")
    return counted - expected


MAX_LOW_AT = 100_000


def low_at_value(typed: str) -> int:
    """A low-stock threshold as a person types it: a whole number of pins, 0 to 100,000."""
    try:
        value = int(typed.strip())
    except ValueError:
        raise StockError("The threshold is a whole number of pins, 0 or more.") from None
    if not 0 <= value <= MAX_LOW_AT:
        raise StockError(f"The threshold is a number of pins from 0 to {MAX_LOW_AT:,}.")
    return value


def is_low(on_hand: int, low_at: int) -> bool:
    """At or under its threshold: the banner on every page names the pin."""
    return on_hand <= low_at


def low_stock_words(pin: str, on_hand: int, low_at: int) -> str:
    """One pin in the low-stock banner: "Finding Balance pin, 3 left (low at 5)"."""
    left = "none left" if on_hand <= 0 else f"{on_hand} left"
    return f"{pin}, {left} (low at {low_at})"
