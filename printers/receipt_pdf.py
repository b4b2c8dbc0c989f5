"""The receipt as a PDF, for a building with no thermal printer at hand: the same content as
the thermal receipt (see receipt.py), laid out on US Letter for the office printer."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

from kiosk.reports.pdf_kit import clean_line, draw_qr, pick_fonts, wrap_text

from .receipt import ReceiptData

INCH = 72.0
PAGE_W, PAGE_H = LETTER
BOX_W = 4.0 * INCH
PAD = 18.0
INK = (0.1, 0.1, 0.1)
GREY = (0.38, 0.38, 0.38)


def render_receipt_pdf(data: ReceiptData) -> bytes:
    regular, bold = pick_fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=LETTER, invariant=True, pageCompression=1)
    c.setTitle(f"Receipt {clean_line(data.receipt)}")
    c.setCreator("Pin Kiosk")
    left = (PAGE_W - BOX_W) / 2
    inner = BOX_W - 2 * PAD
    x = left + PAD
    top = PAGE_H - 0.75 * INCH
    y = top - PAD

    def lines(text: str, font: str, size: float, color: tuple[float, float, float] = INK,
              gap: float = 1.25) -> None:
        nonlocal y
        c.setFont(font, size)
        c.setFillColorRGB(*color)
        for line in wrap_text(clean_line(text), font, size, inner):
            y -= size * gap
            c.drawString(x, y, line)

    lines(data.building, bold, 13)
    lines("Enamel pin handed out", regular, 12)
    if data.voided:
        lines("VOIDED: this hand-out was cancelled", bold, 12)
    elif data.copy:
        lines("COPY", bold, 12)
    y -= 8
    for label, value in (("PIN", data.pin), ("CREDENTIAL", data.credential),
                         ("STAFF MEMBER", data.person), ("DATE", data.handed_out_at),
                         ("HANDED OUT BY", data.staff)):
        y -= 4
        lines(label, bold, 7, GREY, gap=1.1)
        lines(value, regular, 11)
    if data.manual:
        y -= 4
        lines("MANUAL LOOKUP, NO PROOF SCANNED", bold, 7, GREY, gap=1.1)
        lines(data.manual, regular, 11)
    y -= 14
    lines(data.receipt, bold, 26, gap=1.0)
    qr = 1.4 * INCH
    y -= qr + 8
    draw_qr(c, data.receipt, x - 6, y, qr)  # the quiet zone lines up with the text
    y -= 36
    c.setStrokeColorRGB(*INK)
    c.setLineWidth(0.8)
    c.setFont(regular, 10)
    c.drawString(x, y, "Signature")
    c.line(x + 52, y - 2, x + inner, y - 2)
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    c.setDash(4, 3)
    c.rect(left, y - PAD, BOX_W, top - (y - PAD), stroke=1, fill=0)
    c.showPage()
    c.save()
    return out.getvalue()
