"""Reports a principal signs (issue 13): the daily sheet and the period report of this building,
as PDF (kiosk/reports/office_pdf.py), and the period's hand-outs as CSV (the log's export,
kiosk/services/log_export.py).

Read only, in one read transaction (one snapshot of the database: the figures, the lists and
the waitlist agree), ended before the PDF is drawn. A handful of queries whatever the size:
the ledger's sums (services/stock_ledger.py), the period's hand-out times (counted per local
day here), the manual hand-outs, the voids, the waitlist."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from ..db_types import utcnow
from ..domain.log_search import LogSearch
from ..domain.staff import CurrentUser
from ..errors import InvalidInput
from ..extensions import db
from ..models import Credential, Distribution, Person, StaffUser, Void, WaitlistEntry
from ..reports.office_data import (
    ManualHandOut,
    OfficeReport,
    PinFigures,
    VoidedHandOut,
    Waiting,
)
from ..reports.office_pdf import render_office_pdf
from . import lookups
from .log_export import csv_lines
from .stock_ledger import Period, reconciliations

MAX_DAYS = 366  # the longest period a report covers: a school year, a leap year


@dataclass(frozen=True)
class ReportFile:
    filename: str
    pdf: bytes
    report: OfficeReport


# --- what was asked ------------------------------------------------------------------------

def today() -> date:
    """Today on the building's clock."""
    return utcnow().astimezone(lookups.timezone()).date()


def parse_day(text: str | None, label: str = "date", default: date | None = None) -> date:
    """A date typed as YYYY-MM-DD; empty gives ``default`` (when there is one)."""
    value = (text or "").strip()
    if not value and default is not None:
        return default
    try:
        day = date.fromisoformat(value) if len(value) == 10 and value.isascii() else None
    except ValueError:
        day = None
    if day is None or day.year < 2000:
        shown = repr(value[:40]) if value else "empty"
        what = {"from": "The From date", "to": "The To date"}.get(label, "The date")
        raise InvalidInput(f"{what} must be a day like 2026-12-04 (YYYY-MM-DD), not {shown}.",
                           field=label)
    return day


def parse_period(first: str | None, last: str | None) -> Period:
    """The period from ``first`` to ``last``, both included; at most :data:`MAX_DAYS` days."""
    start = parse_day(first, "from")
    end = parse_day(last, "to")
    if start > end:
        raise InvalidInput(f"The From date ({start.isoformat()}) is after the To date "
                           f"({end.isoformat()}).", field="from")
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise InvalidInput(f"A report covers at most {MAX_DAYS} days; {start.isoformat()} to "
                           f"{end.isoformat()} is {days:,} days. Make two reports.",
                           field="to")
    return Period(start, end)


def period_from(args: Mapping[str, str]) -> Period:
    """The period of an address's ``from`` and ``to``."""
    return parse_period(args.get("from"), args.get("to"))


def day_from(args: Mapping[str, str]) -> Period:
    """The day of an address's ``date`` (today when empty)."""
    return Period.day(parse_day(args.get("date"), "date", default=today()))


# --- the report ----------------------------------------------------------------------------

def report_pdf(period: Period, now: datetime | None = None) -> ReportFile:
    """The report of ``period`` as a PDF: a daily sheet for one day, else a period report."""
    report = gather(period, now)
    return ReportFile(report.filename, render_office_pdf(report), report)


def gather(period: Period, now: datetime | None = None) -> OfficeReport:
    """Everything the report shows, read in one snapshot."""
    tz = lookups.timezone()
    made_at = (now or utcnow()).astimezone(tz)
    db.session.rollback()  # a fresh snapshot, held until the end of the reading
    try:
        here = lookups.this_building()
        pins = [PinFigures(p.pin, p.figures) for p in reconciliations(period)]
        waiting, unknown = _waitlist_at_end(period)
        return OfficeReport(
            building=here.name, code=here.code, first=period.first, last=period.last,
            made_at=made_at, pins=pins, per_day=_per_day(period), manual=_manual(period),
            voids=_voids(period), waiting=waiting, closed_unknown=unknown)
    finally:
        db.session.rollback()  # the snapshot ends before the drawing starts


def period_csv(period: Period) -> Iterator[str]:
    """The period's hand-outs as the log's CSV export writes them (same columns, defused for
    spreadsheets), oldest first."""
    everyone = CurrentUser(0, "report", "admin")  # the whole log: the command line's reader
    return csv_lines(LogSearch(since=period.first, until=period.last), everyone)


def _stored(moment: datetime) -> str:
    """A time as SQLite holds it (naive UTC text, as SQLAlchemy writes it), to compare with
    what it holds without parsing each."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _per_day(period: Period) -> list[tuple[date, int]]:
    """Hand-outs per local day: the period's times as stored, each put under its day by the
    days' first moments (a day of a clock change is 23 or 25 hours)."""
    tz = lookups.timezone()
    days = [period.first + timedelta(days=n) for n in range((period.last - period.first).days
                                                             + 1)]
    starts = [_stored(datetime.combine(day, datetime.min.time(), tz)) for day in days]
    counts = [0] * len(days)
    # the driver's own rows, compared as stored: no time is parsed
    raw = db.session.connection().exec_driver_sql(
        "SELECT handed_out_at FROM distribution "
        "WHERE handed_out_at >= :start AND handed_out_at < :end",
        {"start": _stored(period.start), "end": _stored(period.end)})
    for (moment,) in raw:
        counts[bisect_right(starts, moment) - 1] += 1
    return list(zip(days, counts, strict=True))


def _pin(name: str, pin_name: str | None) -> str:
    return pin_name or f"{name} pin"


def _manual(period: Period) -> list[ManualHandOut]:
    tz = lookups.timezone()
    rows = db.session.execute(
        select(Distribution.receipt, Distribution.handed_out_at, Person.name, Person.employee_id,
               Credential.name, Credential.pin_name, StaffUser.name, Distribution.manual_reason)
        .join(Person, Person.id == Distribution.person_id)
        .join(Credential, Credential.id == Distribution.credential_id)
        .join(StaffUser, StaffUser.id == Distribution.staff_user_id)
        .where(Distribution.manual_reason != "", Distribution.handed_out_at >= period.start,
               Distribution.handed_out_at < period.end)
        .order_by(Distribution.handed_out_at, Distribution.receipt_no))
    return [ManualHandOut(receipt, at.astimezone(tz), person, employee, _pin(cred, pin), staff,
                          reason)
            for receipt, at, person, employee, cred, pin, staff, reason in rows]


def _voids(period: Period) -> list[VoidedHandOut]:
    tz = lookups.timezone()
    rows = db.session.execute(
        select(Distribution.receipt, Void.voided_at, Distribution.handed_out_at, Person.name,
               Credential.name, Credential.pin_name, StaffUser.name, Void.reason)
        .join(Distribution, Distribution.id == Void.distribution_id)
        .join(Person, Person.id == Distribution.person_id)
        .join(Credential, Credential.id == Distribution.credential_id)
        .join(StaffUser, StaffUser.id == Void.staff_user_id)
        .where(Void.voided_at >= period.start, Void.voided_at < period.end)
        .order_by(Void.voided_at, Distribution.receipt_no))
    return [VoidedHandOut(receipt, voided.astimezone(tz), given.astimezone(tz), person,
                          _pin(cred, pin), staff, reason)
            for receipt, voided, given, person, cred, pin, staff, reason in rows]


def _waitlist_at_end(period: Period) -> tuple[list[Waiting], int]:
    """Who was waiting at the end of the period: added by then, and still waiting or closed
    after it. An entry fulfilled without a closing time (before the kiosk kept one) closed
    when the person's pin was next handed out; one closed otherwise at an unknown time is
    counted, not listed."""
    tz, end = lookups.timezone(), period.end
    given = aliased(Distribution)
    fulfilled_at = (select(func.min(given.handed_out_at))
                    .where(given.person_id == WaitlistEntry.person_id,
                           given.credential_id == WaitlistEntry.credential_id,
                           given.handed_out_at >= WaitlistEntry.added_at)
                    .scalar_subquery())
    rows = db.session.execute(
        select(WaitlistEntry.added_at, WaitlistEntry.status, WaitlistEntry.closed_at,
               fulfilled_at, Person.name, Person.employee_id, Credential.name,
               Credential.pin_name)
        .join(Person, Person.id == WaitlistEntry.person_id)
        .join(Credential, Credential.id == WaitlistEntry.credential_id)
        .where(WaitlistEntry.added_at < end,
               or_(WaitlistEntry.status == "waiting", WaitlistEntry.closed_at.is_(None),
                   and_(WaitlistEntry.closed_at.is_not(None), WaitlistEntry.closed_at >= end)))
        .order_by(WaitlistEntry.added_at, WaitlistEntry.id))
    waiting, unknown = [], 0
    for added, status, closed_at, handed_at, person, employee, cred, pin in rows:
        if status == "waiting":
            closed = ""
        elif closed_at is not None:
            closed = f"{_closed_words(status)} {closed_at.astimezone(tz):%Y-%m-%d}"
        elif status == "fulfilled" and handed_at is not None:
            if handed_at < end:
                continue  # closed within the period
            closed = f"{_closed_words(status)} {handed_at.astimezone(tz):%Y-%m-%d}"
        else:
            unknown += 1
            continue
        waiting.append(Waiting(added.astimezone(tz), person, employee, _pin(cred, pin), closed))
    return waiting, unknown


def _closed_words(status: str) -> str:
    return {"fulfilled": "pin handed out", "removed": "removed"}.get(status, status)
