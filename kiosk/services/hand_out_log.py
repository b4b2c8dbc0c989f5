"""The distribution log: what was handed out here, with voids, for the page and CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain.text import csv_cell
from ..extensions import db
from ..models import Distribution
from . import lookups

CSV_COLUMNS = ("receipt", "handed_out_at", "person", "employee_id", "credential", "pin",
               "award_id", "staff", "building", "source", "manual_reason", "note", "voided_at",
               "voided_by",
               "void_reason", "distribution_id")


def recent(limit: int = 100, staff_id: int | None = None) -> list[Distribution]:
    query = (select(Distribution).options(selectinload(Distribution.void))
             .order_by(Distribution.receipt_no.desc()).limit(limit))
    if staff_id is not None:
        query = query.where(Distribution.staff_user_id == staff_id)
    return list(db.session.scalars(query))


def get(distribution_id: str) -> Distribution | None:
    return db.session.get(Distribution, distribution_id)


def csv_lines() -> Iterator[str]:
    """The whole log as CSV, streamed a row at a time; times in the building's time zone."""
    tz = lookups.timezone()
    buf = io.StringIO()
    writer = csv.writer(buf)

    def flush() -> str:
        value = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return value

    yield "\ufeff"  # so that spreadsheet programs read UTF-8
    writer.writerow(CSV_COLUMNS)
    yield flush()
    query = (select(Distribution).options(selectinload(Distribution.void))
             .order_by(Distribution.receipt_no).execution_options(yield_per=500))
    for d in db.session.scalars(query):
        v = d.void
        writer.writerow([csv_cell(x) for x in (
            d.receipt, d.handed_out_at.astimezone(tz).isoformat(timespec="seconds"),
            d.person.name, d.person.employee_id, d.credential.name, d.credential.pin_label,
            d.award_id, d.staff.name, d.building.name, d.source, d.manual_reason, d.note,
            v.voided_at.astimezone(tz).isoformat(timespec="seconds") if v else "",
            v.staff.name if v else "", v.reason if v else "", d.id,
        )])
        yield flush()

