"""The district's reports: the dashboard (pins by building, kiosks, open exceptions) and the
exceptions with their resolutions, each as a CSV a spreadsheet opens and a PDF a person prints.

CSV: UTF-8 with a byte order mark (so spreadsheet programs read the names right), and every
text cell that a spreadsheet would take for a formula (``= + - @``, tab, carriage return) starts
with ``'``; numbers stay numbers (``kiosk/domain/text.py:csv_cell``, as in the kiosk's log).
PDF: US Letter landscape, a title, the district and the date, tables whose long names wrap
and whose rows continue on the next page under the header again. Text is drawn as plain
strings (no markup): a name prints exactly as it was typed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import case, select

from kiosk.domain.text import csv_cell
from kiosk.reports.pdf_kit import clean_line, ellipsize, pick_fonts, wrap_text

from ..extensions import hub_db
from ..models import HubException, Kiosk
from . import enrollment, reconcile

# --- what the reports hold -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    label: str
    width: float  # points; a table wider than the page is narrowed to fit
    number: bool = False  # right-aligned


@dataclass
class Section:
    heading: str
    columns: Sequence[Column]
    rows: list[list[object]] = field(default_factory=list)
    marked: set[int] = field(default_factory=set)  # rows that need a look (shaded)
    empty: str = "Nothing to show."
    note: str = ""


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
    kiosks = {k.id: k for k in hub_db.session.scalars(select(Kiosk))}
    for i, e in enumerate(all_exceptions()):
        where = e.building.name if e.building else ""
        kiosk = kiosks.get(e.kiosk_id or "")
        if kiosk is not None:
            where = f"{where} ({kiosk.name})" if kiosk.name else where
        section.rows.append([e.id, reconcile.KINDS.get(e.kind, e.kind), where,
                             _when(e.opened_at), e.summary, e.status, e.resolved_by,
                             _when(e.resolved_at), e.resolution])
        if e.status == "open":
            section.marked.add(i)
    return section


# --- CSV -------------------------------------------------------------------------------------

def _csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
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
    return _csv(header, rows)


def exceptions_csv() -> str:
    header = ["number", "kind", "kind_code", "building", "kiosk", "opened_at", "status",
              "summary", "resolved_by", "resolved_at", "resolution"]
    kiosks = {k.id: k.name for k in hub_db.session.scalars(select(Kiosk))}
    rows = [[e.id, reconcile.KINDS.get(e.kind, e.kind), e.kind,
             e.building.name if e.building else "", kiosks.get(e.kiosk_id or "", ""),
             _when(e.opened_at), e.status, e.summary, e.resolved_by, _when(e.resolved_at),
             e.resolution] for e in all_exceptions()]
    return _csv(header, rows)


# --- PDF -------------------------------------------------------------------------------------

PAGE_W, PAGE_H = landscape(LETTER)
MARGIN = 36.0
TABLE_W = PAGE_W - 2 * MARGIN
SIZE, LEADING, PAD = 8.5, 10.5, 4.0
HEAD_SIZE = 7.5
TOP = PAGE_H - MARGIN
BOTTOM = MARGIN + 18  # the footer sits below
INK, GREY, RULE = (0.1, 0.1, 0.1), (0.38, 0.38, 0.38), (0.72, 0.72, 0.72)
HEAD_BG, MARK_BG = (0.9, 0.92, 0.95), (0.99, 0.89, 0.9)


def _x_positions(columns: Sequence[Column]) -> list[tuple[float, float]]:
    scale = min(1.0, TABLE_W / sum(c.width for c in columns))
    out, x = [], MARGIN
    for c in columns:
        out.append((x, c.width * scale))
        x += c.width * scale
    return out


def _cell_lines(value: object, font: str, size: float, width: float) -> list[str]:
    text = clean_line("" if value is None else str(value))
    return wrap_text(text, font, size, width - 2 * PAD)


@dataclass
class _Piece:
    """A row's lines (or some of them, when a row continues on the next page)."""

    lines: list[list[str]]
    marked: bool

    @property
    def height(self) -> float:
        return max(len(cell) for cell in self.lines) * LEADING + 2 * PAD


class _Report:
    """Lays a document out first (so that every page says "page n of m"), then draws it."""

    def __init__(self, title: str, district: str, printed_on: date) -> None:
        self.title, self.district, self.printed_on = title, district, printed_on
        self.regular, self.bold = pick_fonts()
        self.pages: list[list[tuple[str, object]]] = [[]]
        self.y = self._first_top()

    def _first_top(self) -> float:
        return TOP - 40

    def _room(self) -> float:
        return self.y - BOTTOM

    def _new_page(self) -> None:
        self.pages.append([])
        self.y = TOP - 14

    def _put(self, kind: str, item: object, height: float) -> None:
        self.pages[-1].append((kind, (self.y, item)))
        self.y -= height

    def section(self, section: Section) -> None:
        xs = _x_positions(section.columns)
        head = _Piece([_cell_lines(c.label, self.bold, HEAD_SIZE, w)
                       for c, (_, w) in zip(section.columns, xs, strict=True)], False)
        note = (wrap_text(clean_line(section.note), self.regular, 8, TABLE_W)
                if section.note else [])
        heading_h = 22 + len(note) * 10
        pieces = [(_Piece([_cell_lines(v, self.regular, SIZE, w)
                           for v, (_, w) in zip(row, xs, strict=True)], i in section.marked))
                  for i, row in enumerate(section.rows)]
        whole = heading_h + head.height + sum(p.height for p in pieces)
        first_row = pieces[0].height if pieces else LEADING + 2 * PAD
        if self.pages[-1] and (self._room() < heading_h + head.height + first_row
                               or self._room() < whole <= TOP - 14 - BOTTOM):
            self._new_page()  # a short table is kept together on a page of its own
        self._put("heading", (section.heading, note), heading_h)
        self._put("head", (section, xs, head), head.height)
        if not pieces:
            self._put("empty", section.empty, LEADING + 2 * PAD)
        fresh_room = TOP - 14 - 16 - head.height - BOTTOM
        for piece in pieces:
            while True:
                if piece.height <= self._room():
                    self._put("row", (section, xs, piece), piece.height)
                    break
                fits = int((self._room() - 2 * PAD) // LEADING)
                if piece.height > fresh_room and fits >= 1:
                    # taller than a page: what fits here, the rest on the next page
                    self._put("row", (section, xs, _Piece([cell[:fits] for cell in piece.lines],
                                                          piece.marked)), fits * LEADING + 2 * PAD)
                    piece = _Piece([cell[fits:] or [""] for cell in piece.lines], piece.marked)
                self._new_page()
                self._put("continued", section.heading, 16)
                self._put("head", (section, xs, head), head.height)
        self.y -= 14

    def render(self) -> bytes:
        out = io.BytesIO()
        c = Canvas(out, pagesize=landscape(LETTER), invariant=True, pageCompression=1)
        c.setTitle(f"{clean_line(self.title)}: {clean_line(self.district)}")
        c.setAuthor(clean_line(self.district))
        c.setCreator("Pin Kiosk hub")
        total = len(self.pages)
        printed = f"{self.printed_on:%B} {self.printed_on.day}, {self.printed_on.year}"
        for number, items in enumerate(self.pages, start=1):
            if number == 1:
                c.setFillColorRGB(*INK)
                c.setFont(self.bold, 16)
                c.drawString(MARGIN, TOP - 14, ellipsize(clean_line(self.title), self.bold, 16,
                                                         TABLE_W))
                c.setFillColorRGB(*GREY)
                c.setFont(self.regular, 10)
                c.drawString(MARGIN, TOP - 30, ellipsize(
                    f"{clean_line(self.district)} · printed {printed}", self.regular, 10,
                    TABLE_W))
            for kind, (y, item) in items:
                self._draw(c, kind, y, item)
            c.setFillColorRGB(*GREY)
            c.setFont(self.regular, 8)
            c.drawString(MARGIN, MARGIN, ellipsize(
                f"{clean_line(self.title)} · {clean_line(self.district)} · {printed}",
                self.regular, 8, TABLE_W - 80))
            c.drawRightString(PAGE_W - MARGIN, MARGIN, f"Page {number} of {total}")
            c.showPage()
        c.save()
        return out.getvalue()

    def _draw(self, c: Canvas, kind: str, y: float, item: object) -> None:
        if kind == "heading":
            heading, note = item  # type: ignore[misc]
            c.setFillColorRGB(*INK)
            c.setFont(self.bold, 12)
            c.drawString(MARGIN, y - 14, clean_line(heading))
            c.setFillColorRGB(*GREY)
            c.setFont(self.regular, 8)
            for i, line in enumerate(note):
                c.drawString(MARGIN, y - 26 - 10 * i, line)
        elif kind == "continued":
            c.setFillColorRGB(*GREY)
            c.setFont(self.bold, 9)
            c.drawString(MARGIN, y - 11, f"{clean_line(str(item))} (continued)")
        elif kind == "empty":
            c.setFillColorRGB(*GREY)
            c.setFont(self.regular, SIZE)
            c.drawString(MARGIN + PAD, y - PAD - SIZE, str(item))
        else:
            section, xs, piece = item  # type: ignore[misc]
            head = kind == "head"
            font, size = (self.bold, HEAD_SIZE) if head else (self.regular, SIZE)
            fill = HEAD_BG if head else MARK_BG if piece.marked else None
            width = xs[-1][0] + xs[-1][1] - MARGIN
            if fill:
                c.setFillColorRGB(*fill)
                c.rect(MARGIN, y - piece.height, width, piece.height, stroke=0, fill=1)
            c.setStrokeColorRGB(*RULE)
            c.setLineWidth(0.5)
            c.line(MARGIN, y - piece.height, MARGIN + width, y - piece.height)
            c.setFillColorRGB(*INK)
            c.setFont(font, size)
            for column, (x, width), lines in zip(section.columns, xs, piece.lines, strict=True):
                for i, line in enumerate(lines):
                    base = y - PAD - size - i * LEADING + 1
                    if column.number:
                        c.drawRightString(x + width - PAD, base, line)
                    else:
                        c.drawString(x + PAD, base, line)


def _pdf(title: str, sections: Sequence[Section], printed_on: date | None) -> bytes:
    report = _Report(title, district_name(), printed_on or today())
    for section in sections:
        report.section(section)
    return report.render()


def dashboard_pdf(printed_on: date | None = None) -> bytes:
    return _pdf("Reconciliation dashboard", dashboard_sections(), printed_on)


def exceptions_pdf(printed_on: date | None = None) -> bytes:
    return _pdf("Reconciliation exceptions", [exception_section()], printed_on)


def filename(stem: str, suffix: str) -> str:
    return f"{stem}-{today().isoformat()}.{suffix}"
