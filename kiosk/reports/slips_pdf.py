"""District proof slips as a PDF: US Letter, eight slips a page (2 x 4) with dashed cut lines.

Each slip shows who it is for, the credential, the pin and a QR code holding the signed slip
token. Text is drawn as plain strings (no markup), so a roster name prints exactly as written.
The QR code is drawn as vector squares, which print sharp at any printer resolution.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

from .pdf_kit import (
    clean_line,
    draw_qr,
    ellipsize,
    pick_fonts,
    qr_code,  # noqa: F401  (re-exported: tests measure the slip's QR code)
    text_width,
    wrap_text,
)

INCH = 72.0
COLUMNS, ROWS = 2, 4
MARGIN = 0.25 * INCH
PAGE_W, PAGE_H = LETTER
SLIP_W = (PAGE_W - 2 * MARGIN) / COLUMNS  # 4 in
SLIP_H = (PAGE_H - 2 * MARGIN) / ROWS  # 2.625 in
PAD = 14.0
QR_SIZE = 1.4 * INCH  # with its quiet zone; the code itself is about 1.2 in for a short token
AWARD_LINE = 10.0  # the small award id line at the bottom of a slip

INK = (0.1, 0.1, 0.1)
GREY = (0.38, 0.38, 0.38)
CUT = (0.55, 0.55, 0.55)


@dataclass(frozen=True)
class SlipData:
    person: str
    employee_id: str
    credential: str
    pin: str
    award_id: str
    token: str


def _fit(text: str, font: str, width: float,
         tries: Iterable[tuple[float, int]]) -> tuple[float, list[str]]:
    """The first (size, at most n lines) that holds ``text``; else the last, cut with '…'."""
    size, most = 10.0, 1
    for size, most in tries:
        lines = wrap_text(text, font, size, width)
        if len(lines) <= most:
            return size, lines
    lines = wrap_text(text, font, size, width)
    kept = lines[:most]
    kept[-1] = ellipsize(kept[-1] + " " + lines[most], font, size, width)
    return size, kept


def _sizes(high: float, low: float, lines: int) -> list[tuple[float, int]]:
    out = []
    size = high
    while size >= low:
        out.append((size, lines))
        size -= 0.5
    return out


# --- drawing ---------------------------------------------------------------------------------

def _draw_cut_lines(c: Canvas) -> None:
    c.saveState()
    c.setStrokeColorRGB(*CUT)
    c.setLineWidth(0.5)
    c.setDash(4, 3)
    for col in range(COLUMNS + 1):
        x = MARGIN + col * SLIP_W
        c.line(x, MARGIN, x, PAGE_H - MARGIN)
    for row in range(ROWS + 1):
        y = MARGIN + row * SLIP_H
        c.line(MARGIN, y, PAGE_W - MARGIN, y)
    c.restoreState()


def _draw_slip(c: Canvas, slip: SlipData, x0: float, y0: float, *, district: str,
               building: str, printed: str) -> None:
    regular, bold = pick_fonts()
    inner = SLIP_W - 2 * PAD
    left, right, top = x0 + PAD, x0 + SLIP_W - PAD, y0 + SLIP_H - PAD

    # header: what this is, and whose
    c.setFillColorRGB(*INK)
    y = top - 9
    title = "PROOF OF BADGE"
    c.setFont(bold, 9)
    c.drawString(left, y, title)
    room = inner - text_width(title, bold, 9) - 12
    name = clean_line(district)
    c.setFillColorRGB(*GREY)
    c.setFont(regular, 8)
    c.drawRightString(right, y, ellipsize(name, regular, 8, room))
    c.setStrokeColorRGB(0.75, 0.75, 0.75)
    c.setLineWidth(0.6)
    c.line(left, y - 5, right, y - 5)

    # the person, large
    size, lines = _fit(clean_line(slip.person) or "(no name)", bold, inner,
                       [*_sizes(18, 12, 1), *_sizes(13, 9, 2), *_sizes(8.5, 7, 3)])
    y -= 5 + 3
    c.setFillColorRGB(*INK)
    c.setFont(bold, size)
    for line in lines:
        y -= size * 1.02
        c.drawString(left, y, line)
    y -= 11
    c.setFillColorRGB(*GREY)
    c.setFont(regular, 8)
    c.drawString(left, y, ellipsize(f"Employee ID {clean_line(slip.employee_id) or '-'}",
                                     regular, 8, inner))

    # the QR code, bottom right above the award line
    qr_y = y0 + PAD + AWARD_LINE - 2
    qr_top = min(qr_y + QR_SIZE, y - 6)
    qr_size = qr_top - qr_y
    draw_qr(c, slip.token, right - qr_size + 4, qr_y, qr_size)

    # credential, pin, building and date beside it
    column = inner - qr_size - 2
    fields = [("CREDENTIAL", clean_line(slip.credential), 3), ("PIN", clean_line(slip.pin), 2),
              ("BUILDING", clean_line(building), 2)]
    space = y - 6 - (y0 + PAD + AWARD_LINE + 9)  # down to the "Printed" line
    laid: list[tuple[str, float, list[str]]] = []
    for value_size in (9.5, 9, 8.5, 8, 7.5, 7):
        laid = []
        used = 0.0
        for label, value, most in fields:
            size, lines = _fit(value or "-", regular, column, [(value_size, most)])
            laid.append((label, size, lines))
            used += 8.5 + len(lines) * size * 1.18 + 3
        if used <= space:
            break
    y -= 6
    for label, size, lines in laid:
        y -= 7
        c.setFillColorRGB(*GREY)
        c.setFont(bold, 6)
        c.drawString(left, y, label)
        c.setFillColorRGB(*INK)
        c.setFont(regular, size)
        for line in lines:
            y -= size * 1.18
            c.drawString(left, y, line)
        y -= 4.5
    c.setFillColorRGB(*GREY)
    c.setFont(regular, 7.5)
    c.drawString(left, y0 + PAD + AWARD_LINE + 1, f"Printed {printed}")

    # the award id in small type, for a person to check by hand
    c.setFont(regular, 6)
    c.drawString(left, y0 + PAD - 1,
                 ellipsize(f"Award {clean_line(slip.award_id)}", regular, 6, inner))


def _long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def render_slips_pdf(slips: Sequence[SlipData], *, district: str, building: str,
                     printed_on: date) -> bytes:
    """The PDF: eight slips a page, in the order given. No slips give one page that says so."""
    regular, bold = pick_fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=LETTER, invariant=True, pageCompression=1)
    c.setTitle(f"Proof slips: {clean_line(building)}")
    c.setAuthor(clean_line(district))
    c.setCreator("Pin Kiosk")
    printed = _long_date(printed_on)
    per_page = COLUMNS * ROWS
    if not slips:
        c.setFont(bold, 16)
        c.drawString(INCH, PAGE_H - 1.5 * INCH, f"Proof slips: {clean_line(building)}")
        c.setFont(regular, 12)
        lines = wrap_text(f"No one in {clean_line(building)} has a pin waiting to be collected "
                      f"with a slip, as of {printed}.", regular, 12, PAGE_W - 2 * INCH)
        for i, line in enumerate(lines):
            c.drawString(INCH, PAGE_H - (1.5 * INCH + 28 + 16 * i), line)
        c.showPage()
    for start in range(0, len(slips), per_page):
        _draw_cut_lines(c)
        for i, slip in enumerate(slips[start:start + per_page]):
            col, row = i % COLUMNS, i // COLUMNS
            x0 = MARGIN + col * SLIP_W
            y0 = PAGE_H - MARGIN - (row + 1) * SLIP_H
            _draw_slip(c, slip, x0, y0, district=district, building=building, printed=printed)
        c.showPage()
    c.save()
    return out.getvalue()
