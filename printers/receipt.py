"""Render a receipt to ESC/POS bytes with python-escpos's ``Dummy`` printer. Opens no device."""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass

import qrcode
import qrcode.constants
from escpos.printer import Dummy
from PIL import Image

# Font A columns on common paper widths.
COLUMNS = {58: 32, 80: 48}


@dataclass(frozen=True)
class ReceiptProfile:
    escpos_profile: str = "TM-T88III"
    paper_mm: int = 80
    columns: int = 48
    qr_native: bool = False
    cut: bool = True

    @classmethod
    def from_config(cls, config: dict) -> ReceiptProfile:  # type: ignore[type-arg]
        paper = int(config.get("PAPER_MM", 80))
        return cls(
            escpos_profile=str(config.get("PRINTER_PROFILE", "TM-T88III")),
            paper_mm=paper,
            columns=int(config.get("PRINTER_COLUMNS") or COLUMNS.get(paper, 32)),
            qr_native=bool(config.get("PRINTER_QR_NATIVE", False)),
            cut=bool(config.get("PRINTER_CUT", True)),
        )


@dataclass(frozen=True)
class ReceiptData:
    building: str
    pin: str
    credential: str
    person: str
    handed_out_at: str  # already formatted in the building's time zone
    staff: str
    receipt: str
    copy: bool = False


def ascii_safe(text: str) -> str:
    """Printers' code pages vary; fold accents and drop the rest so every printer prints it."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch if ch.isprintable() else " " for ch in folded)


def wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(ascii_safe(text), width=width, break_long_words=True) or [""]


def qr_image(content: str) -> Image.Image:
    """The QR code as a black-and-white image, 6 dots a module, with the standard 4-module quiet
    zone. The mask is fixed: trying all eight (the library's default) costs more time than the
    whole rest of the receipt, and any mask reads fine from a thermal print."""
    code = qrcode.QRCode(version=None, error_correction=qrcode.constants.ERROR_CORRECT_M,
                         box_size=6, border=4, mask_pattern=2)
    code.add_data(content)
    code.make(fit=True)
    return code.make_image().get_image().convert("1")


def render_receipt(data: ReceiptData, profile: ReceiptProfile) -> bytes:
    p = Dummy(profile=profile.escpos_profile)
    cols = profile.columns
    p.hw("INIT")
    p.set(align="center", bold=True)
    for line in wrap(data.building, cols):
        p.text(line + "\n")
    p.set(align="center", bold=False)
    p.text("Enamel pin handed out\n")
    if data.copy:
        p.set(align="center", bold=True)
        p.text("*** COPY ***\n")
    p.text("-" * cols + "\n")
    p.set(align="left", bold=False)
    for label, value in (
        ("Pin", data.pin),
        ("Credential", data.credential),
        ("Staff member", data.person),
        ("Date", data.handed_out_at),
        ("Handed out by", data.staff),
    ):
        for line in wrap(f"{label}: {value}", cols):
            p.text(line + "\n")
    p.text("-" * cols + "\n")
    p.set(align="center", double_height=True, double_width=True, bold=True)
    for line in wrap(data.receipt, cols // 2):
        p.text(line + "\n")
    p.set(align="center", normal_textsize=True, bold=False)
    if profile.qr_native:
        p.qr(data.receipt, native=True, size=6)
    else:
        # Centred by the justification set above (ESC a 1), not by padding the image to the
        # profile's media width, which may be wider than the paper actually loaded.
        p.text("\n")
        p.image(qr_image(data.receipt), center=False)
        p.text("\n")
    p.set(align="left")
    p.text("\n\nSignature: " + "_" * max(cols - 11, 4) + "\n\n")
    if profile.cut and p.profile.supports("paperFullCut"):
        p.cut()
    else:
        p.text("\n\n\n")
    return bytes(p.output)
