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
