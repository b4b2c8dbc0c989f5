"""Pieces the kiosk's PDFs share (proof slips, receipts): fonts with wide Unicode coverage,
plain-text fitting, and QR codes drawn as vector squares, which print sharp at any printer
resolution. Text is drawn as plain strings (no markup), so a roster name prints as written."""

from __future__ import annotations

import os
from pathlib import Path

import qrcode
import qrcode.util
from qrcode.constants import ERROR_CORRECT_M
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

QR_BORDER = 4  # modules of quiet zone, as the QR standard asks


def qr_code(token: str) -> qrcode.QRCode:
    """The smallest QR code (ECC M, 4-module quiet zone) that holds ``token``."""
    code = qrcode.QRCode(version=None, error_correction=ERROR_CORRECT_M, border=QR_BORDER)
    upper = token.upper()
    if upper == token and all(ch in qrcode.util.ALPHA_NUM.decode() for ch in token):
        code.add_data(qrcode.util.QRData(token, mode=qrcode.util.MODE_ALPHA_NUM))
    else:
        code.add_data(token)
    code.make(fit=True)
    return code


# --- fonts -----------------------------------------------------------------------------------

_FONT_FILES = (
    # wide Unicode coverage where the system has it; reportlab's own Vera everywhere else
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    (os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts", "arial.ttf"),
     os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts", "arialbd.ttf")),
)
_fonts: tuple[str, str] | None = None


def pick_fonts() -> tuple[str, str]:
    global _fonts
    if _fonts is None:
        import reportlab

        shipped = Path(reportlab.__file__).parent / "fonts"
        candidates = [*_FONT_FILES, (str(shipped / "Vera.ttf"), str(shipped / "VeraBd.ttf"))]
        _fonts = ("Helvetica", "Helvetica-Bold")
        for regular, bold in candidates:
            if os.path.isfile(regular) and os.path.isfile(bold):
                try:
                    pdfmetrics.registerFont(TTFont("KioskSans", regular))
                    pdfmetrics.registerFont(TTFont("KioskSans-Bold", bold))
                except Exception:  # a damaged font file: try the next one
                    continue
                _fonts = ("KioskSans", "KioskSans-Bold")
                break
    return _fonts


# --- text fitting ----------------------------------------------------------------------------

def clean_line(text: str) -> str:
    """One line of printable text: runs of whitespace become one space, controls go."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def text_width(text: str, font: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, font, size))


def ellipsize(text: str, font: str, size: float, width: float) -> str:
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between letters."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        while text_width(word, font, size) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut], font, size) > width:
                cut -= 1
            hyphen = word.rfind("-", 0, cut) + 1  # break after a hyphen when one fits
            cut = hyphen if hyphen > 1 else cut
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines or [""]


# --- drawing ---------------------------------------------------------------------------------

def draw_qr(c: Canvas, token: str, x: float, y: float, size: float) -> None:
    """The code as black squares, rows merged into runs; (x, y) is the lower left corner of the
    quiet zone."""
    matrix = qr_code(token).get_matrix()
    modules = len(matrix)
    unit = size / modules
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    path = c.beginPath()
    for row, cells in enumerate(matrix):
        top = y + size - (row + 1) * unit
        col = 0
        while col < modules:
            if not cells[col]:
                col += 1
                continue
            start = col
            while col < modules and cells[col]:
                col += 1
            # a hair of overlap so that no renderer shows seams between touching squares
            path.rect(x + start * unit, top, (col - start) * unit + 0.02, unit + 0.02)
    c.drawPath(path, stroke=0, fill=1)
