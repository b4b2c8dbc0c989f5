"""The hub's printed reports' layout: US Letter landscape, a title, the district and the date
on the first page, tables whose long names wrap and whose rows continue on the next page under
the header again, charts (reportlab graphics) kept whole on a page, and "Page n of m" on every
page. Text is drawn as plain strings (no markup): a name prints exactly as it was typed. What
the reports hold is made by services/exports.py and services/owed.py."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.pdfgen.canvas import Canvas

from kiosk.reports.pdf_kit import clean_line, ellipsize, pick_fonts, wrap_text


@dataclass(frozen=True)
class Column:
    label: str
    width: float  # points; a table wider than the page is narrowed to fit
    number: bool = False  # right-aligned


@dataclass(frozen=True)
class Chart:
    """A chart in a report: its heading and a reportlab drawing at most :data:`TABLE_W`
    wide."""

    heading: str
    drawing: Drawing


@dataclass
class Section:
    heading: str
    columns: Sequence[Column]
    rows: list[list[object]] = field(default_factory=list)
    marked: set[int] = field(default_factory=set)  # rows that need a look (shaded)
    empty: str = "Nothing to show."
    note: str = ""


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

    def chart(self, chart: Chart) -> None:
        """A chart with its heading, kept whole: on the next page when it does not fit here."""
        height = 22 + chart.drawing.height
        if self.pages[-1] and self._room() < height:
            self._new_page()
        self._put("heading", (chart.heading, []), 22)
        self._put("drawing", chart.drawing, chart.drawing.height)
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
        elif kind == "drawing":
            drawing: Drawing = item  # type: ignore[assignment]
            renderPDF.draw(drawing, c, MARGIN, y - drawing.height)
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


def render_report(title: str, district: str, parts: Sequence[Section | Chart],
                  printed_on: date) -> bytes:
    """The PDF of ``parts`` (tables and charts) in order."""
    report = _Report(title, district, printed_on)
    for part in parts:
        if isinstance(part, Chart):
            report.chart(part)
        else:
            report.section(part)
    return report.render()


