"""The page frame of the office's reports (kiosk/reports/office_pdf.py): a header and a footer on
every page (the building, the report, its period, when it was made, "Page N of M"), the text
styles, and text from the data made safe for reportlab's Paragraph markup.

Paragraphs read a small XML-like markup (``<b>``, ``<font>``, ``&amp;``...): every text from
the data goes through :func:`safe`, which drops what cannot be shown (control characters) and
escapes ``&``, ``<`` and ``>``, so ``<b>`` prints as the three characters it is. The frame is
drawn as plain strings, which no markup touches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from .pdf_kit import clean_line, ellipsize, pick_fonts, text_width

INCH = 72.0
PAGE_W, PAGE_H = LETTER
MARGIN_X = 0.55 * INCH
MARGIN_TOP = 0.95 * INCH  # room for the header
MARGIN_BOTTOM = 0.7 * INCH  # room for the footer
WIDTH = PAGE_W - 2 * MARGIN_X

INK = Color(0.1, 0.1, 0.1)
GREY = Color(0.4, 0.4, 0.4)
RULE = Color(0.7, 0.7, 0.7)
SHADE = Color(0.92, 0.92, 0.92)
STRIPE = Color(0.97, 0.97, 0.97)
BAR = Color(0.18, 0.36, 0.58)
ALERT = Color(0.7, 0.1, 0.1)


def safe(text: object) -> str:
    """Text from the data as Paragraph markup that shows it literally: one line, no control
    characters, ``&``, ``<`` and ``>`` escaped."""
    return escape(clean_line(str(text)))


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    note: ParagraphStyle
    cell: ParagraphStyle
    head: ParagraphStyle
    number_head: ParagraphStyle

    def para(self, text: object, style: str = "cell") -> Paragraph:
        """A paragraph of text from the data (escaped)."""
        return Paragraph(safe(text), getattr(self, style))

    def markup(self, markup: str, style: str = "body") -> Paragraph:
        """A paragraph of the report's own markup (whatever data it holds already escaped)."""
        return Paragraph(markup, getattr(self, style))


def styles() -> Styles:
    regular, bold = pick_fonts()
    cell = ParagraphStyle("cell", fontName=regular, fontSize=8, leading=9.6, textColor=INK,
                          splitLongWords=1)
    return Styles(
        title=ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=4,
                             textColor=INK),
        heading=ParagraphStyle("heading", fontName=bold, fontSize=11.5, leading=14,
                               spaceBefore=12, spaceAfter=5, textColor=INK),
        body=ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5,
                            textColor=INK, spaceAfter=4),
        note=ParagraphStyle("note", fontName=regular, fontSize=8.5, leading=11,
                            textColor=GREY, spaceAfter=4),
        cell=cell,
        head=ParagraphStyle("head", parent=cell, fontName=bold, fontSize=7.5, leading=9),
        number_head=ParagraphStyle("number_head", parent=cell, fontName=bold, fontSize=6.8,
                                   leading=8.2, alignment=2),
    )


@dataclass(frozen=True)
class Frame:
    """What every page says."""

    building: str
    title: str
    period: str
    made: str


class FramedCanvas(Canvas):  # type: ignore[misc]
    """A canvas that holds its pages back until the end, so that each can say "Page N of M"
    with the header and footer of :class:`Frame`."""

    def __init__(self, *args: Any, frame: Frame, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._frame = frame
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802  (reportlab's name)
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for number, state in enumerate(self._held, 1):
            self.__dict__.update(state)
            self._draw_frame(number, total)
            super().showPage()
        super().save()

    def _draw_frame(self, number: int, total: int) -> None:
        regular, bold = pick_fonts()
        f = self._frame
        self.saveState()
        top = PAGE_H - 0.5 * INCH
        right = PAGE_W - MARGIN_X
        self.setFillColor(INK)
        period = clean_line(f.period)
        self.setFont(regular, 9)
        period_w = text_width(period, regular, 9)
        self.drawRightString(right, top, period)
        heading = f"{clean_line(f.building)} · {f.title}"
        self.setFont(bold, 10)
        self.drawString(MARGIN_X, top, ellipsize(heading, bold, 10, WIDTH - period_w - 18))
        self.setStrokeColor(RULE)
        self.setLineWidth(0.6)
        self.line(MARGIN_X, top - 7, right, top - 7)
        bottom = 0.42 * INCH
        self.line(MARGIN_X, bottom + 11, right, bottom + 11)
        self.setFillColor(GREY)
        self.setFont(regular, 8)
        self.drawString(MARGIN_X, bottom, f"Made {f.made} (local time) by Pin Kiosk")
        self.drawRightString(right, bottom, f"Page {number} of {total}")
        self.restoreState()
