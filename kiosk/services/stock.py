"""Stock: receive shipments, count the shelf, adjust with a reason, set each pin's low-stock
threshold, and read on-hand levels from the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kiosk.sync.outbox import add_event

from ..db import write_transaction
from ..domain.ledger import ADJUSTMENT_REASONS, LedgerError, adjustment_delta
from ..domain.stock import (
    LOW_STOCK_AT,
    StockError,
    count_delta,
    is_low,
    low_at_value,
    signed_quantity,
    stock_state,
)
from ..domain.text import typed_text
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..models import Credential, PinThreshold, StockMovement, StockOnHand, utcnow
from . import lookups


@dataclass(frozen=True)
class StockLevel:
    credential_id: int
    credential: str
    pin: str
    on_hand: int
    low_at: int = LOW_STOCK_AT  # the pin's threshold (PinThreshold), or the default

    @property
    def state(self) -> str:
        """``empty``, ``low`` or ``ok``."""
        return stock_state(self.on_hand, self.low_at)

    @property
    def low(self) -> bool:
        """At or under its threshold: the low-stock banner names it."""
        return is_low(self.on_hand, self.low_at)


def receive_stock(credential: str, qty: int, staff_id: int | None, note: str = "") -> StockLevel:
    try:
        delta = signed_quantity("received", int(qty))
    except (StockError, ValueError) as exc:
        raise InvalidInput(str(exc) if isinstance(exc, StockError) else
                           "The quantity must be a whole number above zero.") from None
    if delta > 100_000:
        raise InvalidInput("That is more pins than any shipment holds; check the quantity.")
    note = typed_text(note, 500)
    with write_transaction() as session:
        cred = lookups.credential_named(credential)
        if not cred.has_pin:
            raise InvalidInput(f"{cred.name} has no pin in the catalogue.")
        now = utcnow()
        session.add(StockMovement(credential_id=cred.id, kind="received", qty=delta, at=now,
                                  staff_user_id=staff_id, note=note))
        add_event(session, "stock_received", {
            "credential": cred.name, "qty": delta, "note": note,
            "at": now.isoformat(),
        })
        session.flush()
        return level_of(cred)


def count_stock(credential: str, counted: int, staff_id: int | None,
                note: str = "") -> StockLevel:
    """Record a physical count: the ledger gets the difference, so it agrees with the shelf,
    and the district gets the count and what the kiosk expected."""
    try:
        counted = int(counted)
    except (TypeError, ValueError):
        raise InvalidInput("The count is a whole number, 0 or more.") from None
    if counted > 100_000:
        raise InvalidInput("That is more pins than a building holds; check the count.")
    note = typed_text(note, 500)
    with write_transaction() as session:
        cred = lookups.credential_named(credential)
        if not cred.has_pin:
            raise InvalidInput(f"{cred.name} has no pin in the catalogue.")
        expected = lookups.on_hand(cred.id)
        try:
            delta = count_delta(expected, counted)
        except StockError as exc:
            raise InvalidInput(str(exc)) from None
        now = utcnow()
        session.add(StockMovement(credential_id=cred.id, kind="count", qty=delta, at=now,
                                  staff_user_id=staff_id, note=note))
        add_event(session, "stock_counted", {
            "credential": cred.name, "counted": counted, "expected": expected,
            "note": note, "at": now.isoformat(),
        })
        session.flush()
        return level_of(cred)


def adjust_stock(credential: str, reason: str, qty: int, staff_id: int | None,
                 note: str = "") -> StockLevel:
    """Pins damaged, lost, found, returned to the district (or another reason, said in the
    note): one ledger row of kind ``adjust`` with its reason, and a ``stock_adjusted`` event.
    An adjustment never takes the shelf below zero: count the shelf instead."""
    note = typed_text(note, 500)
    try:
        delta = adjustment_delta(reason, int(qty), note)
    except (LedgerError, TypeError, ValueError) as exc:
        sign = ADJUSTMENT_REASONS[reason][1] if reason in ADJUSTMENT_REASONS else None
        field = ("reason" if sign is None else "note" if sign == 0 and not note.strip()
                 else "qty")
        raise InvalidInput(str(exc) if isinstance(exc, LedgerError) else
                           "The number of pins is a whole number above zero.", field) from None
    if abs(delta) > 100_000:
        raise InvalidInput("That is more pins than a building holds; check the number.", "qty")
    with write_transaction() as session:
        cred = lookups.credential_named(credential)
        if not cred.has_pin:
            raise InvalidInput(f"{cred.name} has no pin in the catalogue.", "credential")
        before = lookups.on_hand(cred.id)
        if before + delta < 0:
            raise InvalidInput(
                f"Only {before} {cred.pin_label} on hand: an adjustment cannot take away "
                f"{-delta}. Count the shelf if the stock is wrong.", "qty")
        now = utcnow()
        session.add(StockMovement(credential_id=cred.id, kind="adjust", qty=delta, at=now,
                                  staff_user_id=staff_id, note=note, reason=reason))
        add_event(session, "stock_adjusted", {
            "credential": cred.name, "qty": delta, "reason": reason, "note": note,
            "at": now.isoformat(),
        })
        session.flush()
        return level_of(cred)


def set_low_at(credential_id: int, typed: str, staff_id: int | None) -> StockLevel:
    """Set (or change) a pin's low-stock threshold: at or under it, the pin is low."""
    try:
        low_at = low_at_value(typed)
    except StockError as exc:
        raise InvalidInput(str(exc), "low_at") from None
    with write_transaction() as session:
        cred = session.get(Credential, credential_id)
        if cred is None or not cred.has_pin:
            raise NotFound("There is no such pin in the catalogue.")
        row = session.get(PinThreshold, cred.id)
        if row is None:
            row = PinThreshold(credential_id=cred.id)
            session.add(row)
        row.low_at, row.staff_user_id, row.set_at = low_at, staff_id, utcnow()
        session.flush()
        return level_of(cred)


def level_of(cred: Credential) -> StockLevel:
    """One pin's level now, with its threshold."""
    low_at = db.session.scalar(select(PinThreshold.low_at)
                               .where(PinThreshold.credential_id == cred.id))
    return StockLevel(cred.id, cred.name, cred.pin_label, lookups.on_hand(cred.id),
                      LOW_STOCK_AT if low_at is None else int(low_at))


def stock_levels() -> list[StockLevel]:
    """On hand for every pin in the catalogue, with its threshold, oldest credential first."""
    totals = dict(db.session.execute(select(StockOnHand.credential_id, StockOnHand.on_hand)).all())
    low_at = dict(db.session.execute(select(PinThreshold.credential_id,
                                            PinThreshold.low_at)).all())
    pins = db.session.scalars(
        select(Credential).where(Credential.has_pin.is_(True))
        .order_by(Credential.released_on, Credential.id)
    )
    return [StockLevel(c.id, c.name, c.pin_label, int(totals.get(c.id) or 0),
                       int(low_at.get(c.id, LOW_STOCK_AT))) for c in pins]


def recent_movements(limit: int = 50) -> list[StockMovement]:
    return list(db.session.scalars(
        select(StockMovement).order_by(StockMovement.id.desc()).limit(limit)
    ))
