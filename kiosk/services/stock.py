"""Stock: receive shipments and read on-hand levels from the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kiosk.sync.outbox import add_event

from ..db import write_transaction
from ..domain.stock import StockError, count_delta, signed_quantity, stock_state
from ..domain.text import typed_text
from ..errors import InvalidInput
from ..extensions import db
from ..models import Credential, StockMovement, StockOnHand, utcnow
from . import lookups


@dataclass(frozen=True)
class StockLevel:
    credential_id: int
    credential: str
    pin: str
    on_hand: int

    @property
    def state(self) -> str:
        """``empty``, ``low`` or ``ok``."""
        return stock_state(self.on_hand)


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
        return StockLevel(cred.id, cred.name, cred.pin_label, lookups.on_hand(cred.id))


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
        return StockLevel(cred.id, cred.name, cred.pin_label, lookups.on_hand(cred.id))


def stock_levels() -> list[StockLevel]:
    """On hand for every pin in the catalogue, oldest credential first."""
    totals = dict(db.session.execute(select(StockOnHand.credential_id, StockOnHand.on_hand)).all())
    pins = db.session.scalars(
        select(Credential).where(Credential.has_pin.is_(True))
        .order_by(Credential.released_on, Credential.id)
    )
    return [StockLevel(c.id, c.name, c.pin_label, int(totals.get(c.id) or 0)) for c in pins]


def recent_movements(limit: int = 50) -> list[StockMovement]:
    return list(db.session.scalars(
        select(StockMovement).order_by(StockMovement.id.desc()).limit(limit)
    ))
