"""Hand-outs for the reports' tests (issue 13), written in bulk (one transaction, Core inserts:
10,000 in about a second): people, their awards, hand-outs spread over the days of a period
with their "issued" movements, some by manual lookup, some voided (the void and its movement a
day later), and a shipment received before the period. Names and reasons may be hostile."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from kiosk.db import write_transaction
from kiosk.domain.receipts import receipt_label
from kiosk.models import (
    Award,
    Credential,
    Distribution,
    Person,
    StockMovement,
    Void,
)
from kiosk.services import lookups
from tests import factories


@dataclass
class Bulk:
    """What was written: how many, the receipts of the manual and of the voided hand-outs,
    and the hand-outs of each local day."""

    hand_outs: int = 0
    manual: list[str] = field(default_factory=list)
    voided: list[str] = field(default_factory=list)
    per_day: dict[date, int] = field(default_factory=dict)


def bulk_hand_outs(first: date, days: int, count: int, *, manual_every: int = 10,
                   void_every: int = 25, name: str = "Person", reason: str = "Other: {n}",
                   void_reason: str = "handed to the wrong person {n}") -> Bulk:
    """``count`` hand-outs over ``days`` days from ``first`` (local days, 08:00 to 16:00),
    each to a new person, the pins in turn. Inside an app context."""
    tz = ZoneInfo(lookups.timezone().key)
    done = Bulk()
    with write_transaction(bulk=True) as session:
        here = lookups.this_building()
        staff = factories.staff_id("designee")
        office = factories.staff_id("office")
        pins = list(session.scalars(select(Credential.id).where(Credential.has_pin)
                                    .order_by(Credential.id)))
        next_receipt = (session.scalar(select(func.max(Distribution.receipt_no))) or 0) + 1
        next_person = (session.scalar(select(func.max(Person.id))) or 0) + 1
        start = datetime.combine(first, time(8), tz).astimezone(UTC)
        rows: dict[type, list[dict[str, object]]] = {m: [] for m in (
            Person, Award, Distribution, StockMovement, Void)}
        for pin in pins:
            rows[StockMovement].append(_move(pin, "received", count, start - timedelta(days=1),
                                             None, None))
        for n in range(count):
            day = n * days // count
            at = start + timedelta(days=day, minutes=(n * 7) % 480)
            local_day = at.astimezone(tz).date()
            done.per_day[local_day] = done.per_day.get(local_day, 0) + 1
            person_id, pin = next_person + n, pins[n % len(pins)]
            award = f"urn:uuid:{uuid.UUID(int=(9 << 100) + person_id, version=4)}"
            receipt_no = next_receipt + n
            receipt = receipt_label(here.code, receipt_no)
            manual = manual_every and n % manual_every == manual_every - 1
            dist_id = str(uuid.UUID(int=(5 << 100) + person_id, version=4))
            rows[Person].append(dict(id=person_id, employee_id=f"B{person_id}",
                                     name=f"{name} {n}", email="", building=here.name))
            rows[Award].append(dict(id=award, person_id=person_id, credential_id=pin,
                                    issued_on=date(2024, 1, 1), revoked=False,
                                    revocation_reason="", updated_at=at))
            rows[Distribution].append(dict(
                id=dist_id, award_id=award, person_id=person_id, credential_id=pin,
                building_id=here.id, staff_user_id=staff, handed_out_at=at, recorded_at=at,
                receipt_no=receipt_no, receipt=receipt, claim_no=0,
                source="manual" if manual else "scan", payload_format="lookup" if manual
                else "link", note="", manual_reason=reason.format(n=n) if manual else ""))
            rows[StockMovement].append(_move(pin, "issued", -1, at, staff, dist_id))
            if manual:
                done.manual.append(receipt)
            if void_every and n % void_every == void_every - 2:
                voided_at = at + timedelta(hours=1)  # the same day: voided in the period
                rows[Void].append(dict(id=str(uuid.uuid4()), distribution_id=dist_id,
                                       staff_user_id=office,
                                       reason=void_reason.format(n=n), voided_at=voided_at))
                rows[StockMovement].append(_move(pin, "voided", 1, voided_at, office, dist_id))
                done.voided.append(receipt)
        conn = session.connection()
        for model in (Person, Award, Distribution, Void, StockMovement):
            if rows[model]:
                conn.execute(model.__table__.insert(), rows[model])
    done.hand_outs = count
    return done


def _move(pin: int, kind: str, qty: int, at: datetime, staff: int | None,
          distribution_id: str | None) -> dict[str, object]:
    """A ledger row (every row of one insert has the same keys)."""
    return dict(credential_id=pin, kind=kind, qty=qty, at=at, staff_user_id=staff,
                distribution_id=distribution_id, note="bulk")
