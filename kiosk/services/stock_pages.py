"""What the Stock page and a pin's ledger page show: each movement in words, a page at a time,
and the reconciliation for a period (kiosk/services/stock_ledger.py).

**Paging** is by keyset, newest first, on (``at``, ``id``) from the index
``ix_stock_movement_pin`` (credential, at, id), never by OFFSET: the "Older" link names the
last movement shown, and the next page is the ``PAGE_SIZE`` movements before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from ..db_types import utcnow
from ..domain.ledger import LedgerError, movement_words, period_dates
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..models import Credential, Distribution, PinThreshold, StaffUser, StockMovement
from . import lookups
from .stock import StockLevel, level_of
from .stock_ledger import Period, PinReconciliation, reconciliations

PAGE_SIZE = 50


@dataclass(frozen=True)
class LedgerRow:
    """One movement as the ledger page shows it."""

    id: int
    at: datetime
    what: str
    qty: int
    by: str
    note: str
    pin: str = ""


@dataclass(frozen=True)
class PinLedger:
    level: StockLevel
    rows: list[LedgerRow]
    older: int | None  # the movement the next page starts before, if there are older ones
    threshold_set: bool  # the pin has its own threshold (else the default)


def period_asked(first: str | None, last: str | None) -> Period:
    """The period in the request (``from``, ``to``), by default this month so far."""
    today = utcnow().astimezone(lookups.timezone()).date()
    try:
        start, end = period_dates((first or "")[:20], (last or "")[:20], today)
    except LedgerError as exc:
        raise InvalidInput(str(exc), "from") from None
    return Period(start, end)


def pin_ledger(credential_id: int, before: int | None = None) -> PinLedger:
    """A pin's level now and a page of its movements, newest first, older than the movement
    ``before`` (the first page when None)."""
    cred = db.session.get(Credential, credential_id)
    if cred is None or not cred.has_pin:
        raise NotFound("There is no such pin in the catalogue.")
    query = _rows().where(StockMovement.credential_id == cred.id)
    if before is not None:
        mark = db.session.get(StockMovement, before) if 0 < before < 2**63 else None
        if mark is None or mark.credential_id != cred.id:
            raise NotFound("That page of the ledger does not exist.")
        query = query.where(or_(StockMovement.at < mark.at,
                                and_(StockMovement.at == mark.at, StockMovement.id < mark.id)))
    rows = [_row(r) for r in db.session.execute(
        query.order_by(StockMovement.at.desc(), StockMovement.id.desc()).limit(PAGE_SIZE + 1))]
    older = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return PinLedger(level_of(cred), rows[:PAGE_SIZE], older,
                     db.session.get(PinThreshold, cred.id) is not None)


def recent_rows(limit: int = 50) -> list[LedgerRow]:
    """The latest movements of every pin, newest first (the Stock page)."""
    query = _rows().add_columns(Credential.name, Credential.pin_name).join(
        Credential, Credential.id == StockMovement.credential_id)
    return [_row(r, pin=r.pin_name or f"{r.name} pin") for r in db.session.execute(
        query.order_by(StockMovement.at.desc(), StockMovement.id.desc()).limit(limit))]


def pin_reconciliation(credential_id: int, period: Period) -> PinReconciliation:
    found = [r for r in reconciliations(period) if r.credential_id == credential_id]
    if not found:
        raise NotFound("There is no such pin in the catalogue.")
    return found[0]


def _rows():  # type: ignore[no-untyped-def]
    return (select(StockMovement.id, StockMovement.at, StockMovement.kind, StockMovement.qty,
                   StockMovement.reason, StockMovement.note, StaffUser.name.label("staff"),
                   Distribution.receipt)
            .outerjoin(StaffUser, StaffUser.id == StockMovement.staff_user_id)
            .outerjoin(Distribution, Distribution.id == StockMovement.distribution_id))


def _row(r, pin: str = "") -> LedgerRow:  # type: ignore[no-untyped-def]
    return LedgerRow(r.id, r.at, movement_words(r.kind, r.reason, r.receipt or ""), r.qty,
                     r.staff or "", r.note or "", pin)
