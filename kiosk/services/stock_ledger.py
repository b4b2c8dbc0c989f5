"""The stock ledger for a period: each pin's reconciliation (kiosk/domain/ledger.py), read in
two grouped queries whatever the number of movements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from ..domain.ledger import Reconciliation, reconcile
from ..extensions import db
from ..models import Credential, StockMovement
from . import lookups


@dataclass(frozen=True)
class Period:
    """Whole local days, ``first`` to ``last`` inclusive, in the building's time zone."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), lookups.timezone())

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(), lookups.timezone())

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day)


@dataclass(frozen=True)
class PinReconciliation:
    credential_id: int
    credential: str
    pin: str
    figures: Reconciliation


def reconciliations(period: Period) -> list[PinReconciliation]:
    """Every pin of the catalogue over ``period``, oldest credential first; a pin with no
    movement reads all zeros."""
    start, end = period.start, period.end
    opening = dict(db.session.execute(
        select(StockMovement.credential_id, func.sum(StockMovement.qty))
        .where(StockMovement.at < start).group_by(StockMovement.credential_id)).all())
    moved: dict[int, list[tuple[str, int]]] = {}
    for credential_id, kind, qty in db.session.execute(
            select(StockMovement.credential_id, StockMovement.kind, func.sum(StockMovement.qty))
            .where(StockMovement.at >= start, StockMovement.at < end)
            .group_by(StockMovement.credential_id, StockMovement.kind)):
        moved.setdefault(credential_id, []).append((kind, int(qty)))
    pins = db.session.scalars(select(Credential).where(Credential.has_pin.is_(True))
                              .order_by(Credential.released_on, Credential.id))
    return [PinReconciliation(c.id, c.name, c.pin_label,
                              reconcile(int(opening.get(c.id) or 0), moved.get(c.id, [])))
            for c in pins]
