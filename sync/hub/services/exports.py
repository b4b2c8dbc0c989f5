"""The district's reports: the dashboard (pins by building, kiosks, open exceptions) and the
exceptions with their resolutions, each as a CSV a spreadsheet opens and a PDF a person prints.

CSV: UTF-8 with a byte order mark (so spreadsheet programs read the names right), and every
text cell that a spreadsheet would take for a formula (``= + - @``, tab, carriage return) starts
with ``'``; numbers stay numbers (``kiosk/domain/text.py:csv_cell``, as in the kiosk's log).
PDF: laid out by services/report_pdf.py (tables that wrap and continue, charts, page numbers)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, select

from kiosk.domain.text import csv_cell

from ..extensions import hub_db
from ..models import HubException, Kiosk
from . import enrollment, involved, people, reconcile
from .report_pdf import Chart, Column, Section, render_report

# --- what the reports hold -------------------------------------------------------------------


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def district_name() -> str:
    return str(current_app.config.get("DISTRICT_NAME") or "") or "District"


def today() -> date:
    return datetime.now(_tz()).date()


def _when(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(_tz()).strftime(fmt) if moment else ""


def clock_text(offset: float | None) -> str:
    """A kiosk's clock against the hub's, in words."""
    if offset is None:
        return "not known yet"
    seconds = round(abs(offset))
    if seconds < 5:
        return "in step"
    amount = f"{seconds} s" if seconds < 120 else f"{round(seconds / 60)} min"
    return f"{amount} {'fast' if offset > 0 else 'slow'}"


def _signed(n: int) -> str:
    return f"{n:+d}" if n else "0"


def needs_a_look(row: reconcile.PinRow) -> bool:
    return row.expected < 0 or bool(row.variance)


# Widths fit each header's longest word in bold 7.5 pt; names get the rest of the page.
PIN_COLUMNS = (
    Column("Building", 133), Column("Pin", 78), Column("Allocated", 48, True),
    Column("Moved", 37, True), Column("Received", 47, True), Column("Handed out", 41, True),
    Column("Voided", 38, True), Column("Adjusted", 40, True),
    Column("Count corrections", 56, True),
    Column("Expected on hand", 48, True), Column("Last count", 66), Column("Variance", 46, True),
    Column("Waitlist", 42, True),
)
KIOSK_COLUMNS = (Column("Building", 200), Column("Kiosk", 170), Column("Last sync", 120),
                 Column("Last event", 60, True), Column("Clock", 90), Column("Status", 80))
OPEN_COLUMNS = (Column("Kind", 250), Column("Open", 50, True))
EXCEPTION_COLUMNS = (
    Column("No.", 28, True), Column("Kind", 80), Column("Building", 90), Column("Opened", 62),
    Column("What the hub found", 160), Column("Status", 44), Column("Resolved by", 70),
    Column("Resolved", 62), Column("What was done", 124),
)


def dashboard_sections() -> list[Section]:
    rows = reconcile.dashboard()
    pins = Section("Pins by building", PIN_COLUMNS, empty="No buildings yet.",
                   note="Expected on hand = allocated + moved + received - handed out + voided "
                        "+ adjusted + count corrections. Adjusted: pins the building recorded "
                        "as damaged, lost, found or returned (net). Variance: the last count "
                        "minus what the kiosk expected then. Shaded rows need a look: stock "
                        "below zero, or a count that did not match.")
    for i, r in enumerate(rows):
        last = (f"{r.last_count} on {_when(r.last_count_at, '%Y-%m-%d')}"
                if r.last_count is not None else "never")
        pins.rows.append([r.building, r.pin, r.allocated, _signed(r.transferred), r.received,
                          r.handed_out, r.voided, _signed(r.adjusted),
                          _signed(r.counted_adjustment), r.expected,
                          last, _signed(r.variance) if r.variance is not None else "",
                          r.waitlist])
        if needs_a_look(r):
            pins.marked.add(i)
    kiosks = Section("Kiosks", KIOSK_COLUMNS, empty="No kiosk has enrolled yet.")
    for k in enrollment.kiosks():
        kiosks.rows.append([k.building.name, k.name or k.id, _when(k.last_seen_at) or "never",
                            k.last_seq, clock_text(k.clock_offset_s),
                            f"revoked {_when(k.revoked_at, '%Y-%m-%d')}" if k.revoked_at
                            else "enrolled"])
    counts = reconcile.open_counts()
    open_ = Section("Open exceptions", OPEN_COLUMNS, empty="No open exceptions.")
    open_.rows = [[words, counts[kind]] for kind, words in reconcile.KINDS.items()
                  if counts.get(kind)]
    return [pins, kiosks, open_]


def all_exceptions() -> list[HubException]:
    """Every exception, open ones first, newest first within each."""
    return list(hub_db.session.scalars(
        select(HubException).order_by(case((HubException.status == "open", 0), else_=1),
                                      HubException.opened_at.desc(), HubException.id.desc())))


def exception_section() -> Section:
    section = Section("Exceptions", EXCEPTION_COLUMNS, empty="The hub has found nothing yet.")
    found = all_exceptions()
    about = involved.involved(hub_db.session, found)
    for i, e in enumerate(found):
        what = about.get(e.id) or involved.Involved()
        section.rows.append([e.id, reconcile.KINDS.get(e.kind, e.kind), _where(e, what),
                             _when(e.opened_at), _found(e, what), e.status, e.resolved_by,
                             _when(e.resolved_at), e.resolution])
        if e.status == "open":
            section.marked.add(i)
    return section


def _where(e: HubException, what: involved.Involved) -> str:
    """Every building the exception involves (its kiosks in brackets), else its own."""
    buildings = [name for _, name in what.buildings]
    if not buildings:
        buildings = [e.building.name] if e.building else []
    kiosks = f" ({', '.join(what.kiosks)})" if what.kiosks else ""
    return ", ".join(buildings) + kiosks


def _found(e: HubException, what: involved.Involved) -> str:
    """What the hub found, with the person and the receipts it is about."""
    person = people.name_and_number(what.name, what.employee_id) if what.employee_id else ""
    parts = [e.summary]
    if person and person not in e.summary:
        parts.append(f"Person: {person}.")
    if what.receipts:
        parts.append(f"Receipts: {', '.join(what.receipts)}.")
    return " ".join(parts)


# --- CSV -------------------------------------------------------------------------------------

def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def dashboard_csv() -> str:
    header = ["building", "pin", "credential", "allocated", "moved", "received", "handed_out",
              "voided", "adjusted", "adjustments", "count_corrections", "expected_on_hand",
              "last_count", "last_count_on", "variance", "waitlist", "needs_a_look"]
    rows = [[r.building, r.pin, r.credential, r.allocated, r.transferred, r.received,
             r.handed_out, r.voided, r.adjusted, r.adjustments, r.counted_adjustment,
             r.expected,
             r.last_count if r.last_count is not None else "",
             _when(r.last_count_at, "%Y-%m-%d"), r.variance if r.variance is not None else "",
             r.waitlist, "yes" if needs_a_look(r) else ""] for r in reconcile.dashboard()]
    return csv_text(header, rows)


def exceptions_csv() -> str:
    header = ["number", "kind", "kind_code", "building", "kiosk", "opened_at", "status",
              "summary", "person", "employee_id", "buildings", "receipts", "kiosks",
              "resolved_by", "resolved_at", "resolution"]
    kiosks = {k.id: k.name for k in hub_db.session.scalars(select(Kiosk))}
    found = all_exceptions()
    about = involved.involved(hub_db.session, found)
    rows = []
    for e in found:
        what = about.get(e.id) or involved.Involved()
        rows.append([e.id, reconcile.KINDS.get(e.kind, e.kind), e.kind,
                     e.building.name if e.building else "", kiosks.get(e.kiosk_id or "", ""),
                     _when(e.opened_at), e.status, e.summary, what.name, what.employee_id,
                     "; ".join(name for _, name in what.buildings), "; ".join(what.receipts),
                     "; ".join(what.kiosks), e.resolved_by, _when(e.resolved_at),
                     e.resolution])
    return csv_text(header, rows)


def pdf_of(title: str, parts: Sequence[Section | Chart], printed_on: date | None) -> bytes:
    """A report of the district's, printed today unless ``printed_on`` says otherwise."""
    return render_report(title, district_name(), parts, printed_on or today())


def dashboard_pdf(printed_on: date | None = None, pictures: Sequence[Chart] = ()) -> bytes:
    """The dashboard's tables, then ``pictures`` (services/charts.py: pictures)."""
    return pdf_of("Reconciliation dashboard", [*dashboard_sections(), *pictures], printed_on)


def exceptions_pdf(printed_on: date | None = None) -> bytes:
    return pdf_of("Reconciliation exceptions", [exception_section()], printed_on)


def filename(stem: str, suffix: str) -> str:
    return f"{stem}-{today().isoformat()}.{suffix}"
