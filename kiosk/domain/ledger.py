"""The stock ledger's arithmetic for a period (issue 13): what the office and the principal sign.

For a pin and a period, every movement falls under one heading, and the identity

    opening + received + transfers in - transfers out - handed out + voided
            +/- adjustments +/- count corrections = closing

holds by construction: the opening is the sum of the ledger before the period, the closing the
sum up to its end, and each heading sums the movements of its kinds inside it. A heading that
leaves the shelf (transfers out, handed out) is shown as a positive number of pins.

Adjustments carry a reason (:data:`ADJUSTMENT_REASONS`): a pin damaged or lost leaves the
shelf, a pin found comes back, pins returned to the district leave; "other" needs a note.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

# heading of the reconciliation -> the ledger's movement kinds summed under it
HEADINGS = {
    "received": ("received",),
    "transfers_in": ("transfer_in",),
    "transfers_out": ("transfer_out",),
    "handed_out": ("issued",),
    "voided": ("voided",),
    "adjustments": ("adjust",),
    "count_corrections": ("count",),
}
KIND_HEADING = {kind: heading for heading, kinds in HEADINGS.items() for kind in kinds}

# reason -> (what staff read, the sign of the pins it moves: -1 leaves the shelf, +1 comes back)
ADJUSTMENT_REASONS = {
    "damaged": ("Damaged", -1),
    "lost": ("Lost", -1),
    "found": ("Found", +1),
    "returned": ("Returned to the district", -1),
    "other": ("Other (say why)", 0),  # either way: the note says which
}


class LedgerError(ValueError):
    """An adjustment that makes no sense; the message is for the person who typed it."""


def adjustment_delta(reason: str, qty: int, note: str = "") -> int:
    """The ledger's signed quantity for an adjustment of ``qty`` pins for ``reason``. For
    "other" the quantity carries its own sign (a note is then required); for the rest it is
    a positive number of pins and the reason gives the sign."""
    if reason not in ADJUSTMENT_REASONS:
        raise LedgerError("Choose why the stock changed: damaged, lost, found, returned to the "
                          "district, or other.")
    sign = ADJUSTMENT_REASONS[reason][1]
    if sign == 0:
        if not note.strip():
            raise LedgerError("Say why in the note: an adjustment for another reason needs one.")
        if qty == 0:
            raise LedgerError("An adjustment moves at least one pin (use - for pins taken out).")
        return qty
    if qty <= 0:
        raise LedgerError("The number of pins is a whole number above zero.")
    return sign * qty


@dataclass(frozen=True)
class Reconciliation:
    """One pin's stock over one period. Headings that leave the shelf are positive numbers."""

    opening: int = 0
    received: int = 0
    transfers_in: int = 0
    transfers_out: int = 0
    handed_out: int = 0
    voided: int = 0
    adjustments: int = 0
    count_corrections: int = 0
    closing: int = 0

    @property
    def expected_closing(self) -> int:
        return (self.opening + self.received + self.transfers_in - self.transfers_out
                - self.handed_out + self.voided + self.adjustments + self.count_corrections)

    @property
    def holds(self) -> bool:
        return self.expected_closing == self.closing


def reconcile(opening: int, movements: Iterable[tuple[str, int]]) -> Reconciliation:
    """The reconciliation of a period from the ledger's sum before it (``opening``) and its
    movements as (kind, signed quantity). A kind under no heading is a :class:`LedgerError`:
    the identity must account for every pin."""
    sums = dict.fromkeys(HEADINGS, 0)
    closing = opening
    for kind, qty in movements:
        heading = KIND_HEADING.get(kind)
        if heading is None:
            raise LedgerError(f"A stock movement of an unknown kind: {kind!r}.")
        sums[heading] += qty
        closing += qty
    return Reconciliation(
        opening=opening, received=sums["received"], transfers_in=sums["transfers_in"],
        transfers_out=-sums["transfers_out"], handed_out=-sums["handed_out"],
        voided=sums["voided"], adjustments=sums["adjustments"],
        count_corrections=sums["count_corrections"], closing=closing)


# a movement's kind -> what the ledger page says it was
MOVEMENT_WORDS = {
    "received": "Shipment received",
    "transfer_in": "Transfer in",
    "transfer_out": "Transfer out",
    "issued": "Handed out",
    "voided": "Void",
    "adjust": "Adjustment",
    "count": "Count correction",
}


def reason_words(reason: str) -> str:
    """An adjustment's reason as staff read it ("Other" without its hint)."""
    if reason == "other":
        return "Other"
    return ADJUSTMENT_REASONS[reason][0] if reason in ADJUSTMENT_REASONS else reason


def movement_words(kind: str, reason: str = "", receipt: str = "") -> str:
    """What a movement was, in words: "Handed out (receipt PJE-00042)", "Adjustment: Damaged"."""
    words = MOVEMENT_WORDS.get(kind, kind)
    if kind == "issued" and receipt:
        return f"{words} (receipt {receipt})"
    if kind == "voided" and receipt:
        return f"{words} (receipt {receipt})"
    if kind == "adjust" and reason:
        return f"{words}: {reason_words(reason)}"
    return words


def period_dates(first: str, last: str, today: date) -> tuple[date, date]:
    """The period a person asked for (ISO dates, either may be empty): by default this month
    so far. :class:`LedgerError` for a date that is not one, or a period that ends before it
    starts."""
    try:
        start = date.fromisoformat(first.strip()) if first.strip() else today.replace(day=1)
        end = date.fromisoformat(last.strip()) if last.strip() else today
    except ValueError:
        raise LedgerError("A date is a day such as 2026-12-01.") from None
    if end < start:
        raise LedgerError("The period ends before it starts: swap the dates.")
    if end - start > timedelta(days=3660):
        raise LedgerError("Ten years at most in one period.")
    return start, end
