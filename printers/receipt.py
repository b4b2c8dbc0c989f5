"""Render a receipt to ESC/POS bytes with python-escpos's ``Dummy`` printer. Opens no device."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.constants
from escpos.printer import Dummy
from PIL import Image

from .settings import COLUMN_CHOICES, PAPER_WIDTHS, _flag, _int, profile_has, profile_names

# Font A columns on common paper widths.
COLUMNS = {58: 32, 80: 48}


@dataclass(frozen=True)
class ReceiptProfile:
    """How receipts are laid out for the printer: its python-escpos capability profile, the
    paper, the QR code as an image (safe everywhere) or the printer's own QR command (only
    where the profile says the printer has one), and whether to cut."""

    escpos_profile: str = "TM-T88III"
    paper_mm: int = 80
    columns: int = 48
    qr_native: bool = False
    cut: bool = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReceiptProfile:
        paper = _int(config.get("PAPER_MM"), 80)
        return cls(
            escpos_profile=str(config.get("PRINTER_PROFILE") or "TM-T88III"),
            paper_mm=paper,
            columns=_int(config.get("PRINTER_COLUMNS"), 0) or COLUMNS.get(paper, 32),
            qr_native=str(config.get("PRINTER_QR") or "image").strip().lower() == "native",
            cut=_flag(config.get("PRINTER_CUT"), True),
        )

    @property
    def native_qr_works(self) -> bool:
        return self.qr_native and profile_has(self.escpos_profile, "qrCode")

    def problems(self) -> list[str]:
        found = []
        if self.escpos_profile not in profile_names():
            found.append(f"{self.escpos_profile!r} is not a python-escpos printer profile.")
        if self.paper_mm not in PAPER_WIDTHS:
            found.append("Paper is 58 mm or 80 mm wide.")
        elif self.columns not in COLUMN_CHOICES[self.paper_mm]:
            allowed = " or ".join(map(str, COLUMN_CHOICES[self.paper_mm]))
            found.append(f"{self.paper_mm} mm paper holds {allowed} characters a line.")
        if self.qr_native and not profile_has(self.escpos_profile, "qrCode"):
            found.append(f"The {self.escpos_profile} profile has no QR code command: print "
                         "the QR code as an image.")
        return found


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
    voided: bool = False  # a PDF of a hand-out that was voided later
    manual: str = ""  # found by manual lookup, no proof scanned: why (as staff chose it)


# Letters that Unicode does not take apart into a base letter and accents, and the punctuation
# word processors put into names: spelled as a typewriter would.
_SPELLED = str.maketrans({
    "ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o",
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th",
    "Ħ": "H", "ħ": "h", "ı": "i", "Ŧ": "T", "ŧ": "t", "Ŋ": "N", "ŋ": "n", "ĸ": "k",
    "‘": "'", "’": "'", "‚": ",", "‛": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"',
    "‹": "<", "›": ">", "«": "<<", "»": ">>", "‐": "-", "‑": "-", "‒": "-", "–": "-",
    "—": "-", "―": "-", "−": "-", "⁄": "/", "•": "*", "·": ".", "€": "EUR",
})


def ascii_safe(text: str) -> str:
    """Text every printer prints as it is, whatever its code page, and that sends it no command:
    accents folded (é is e), letters and punctuation with no plain form spelled out (ß is ss,
    ’ is '), anything else printable a ``?`` (never dropped: a name keeps its length and reads
    as incomplete rather than as someone else's), and control characters (ESC, GS, DLE, NUL...)
    and invisible ones each a space, runs of white space one space."""
    if text.isascii() and text.isprintable():
        return " ".join(text.split())
    out = []
    for ch in unicodedata.normalize("NFKD", text).translate(_SPELLED):
        if ch.isascii():
            out.append(ch if ch.isprintable() else " ")
        elif unicodedata.category(ch) in ("Mn", "Mc", "Me", "Cf"):
            continue  # the accents NFKD took apart, variation selectors, zero-width joiners
        elif ch.isprintable():
            out.append("?")
        else:
            out.append(" ")
    return " ".join("".join(out).split())


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
    image: Image.Image = code.make_image().get_image()
    return image.convert("1")


def render_receipt(data: ReceiptData, profile: ReceiptProfile) -> bytes:
    p = Dummy(profile=profile.escpos_profile)
    cols = profile.columns
    p.hw("INIT")
    p.set(align="center", bold=True)
    for line in wrap(data.building, cols):
        p.text(line + "\n")
    p.set(align="center", bold=False)
    p.text("Enamel pin handed out\n")
    if data.copy or data.voided:
        p.set(align="center", bold=True)
        p.text("*** VOIDED ***\n" if data.voided else "*** COPY ***\n")
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
    if data.manual:
        p.set(align="left", bold=True)
        p.text("MANUAL LOOKUP, NO PROOF SCANNED\n")
        p.set(align="left", bold=False)
        for line in wrap(f"Why: {data.manual}", cols):
            p.text(line + "\n")
    p.text("-" * cols + "\n")
    p.set(align="center", double_height=True, double_width=True, bold=True)
    for line in wrap(data.receipt, cols // 2):
        p.text(line + "\n")
    p.set(align="center", normal_textsize=True, bold=False)
    _qr(p, data.receipt, profile)
    p.set(align="left")
    p.text("\n\nSignature: " + "_" * max(cols - 11, 4) + "\n\n")
    _finish(p, profile)
    return bytes(p.output)


def _qr(p: Dummy, content: str, profile: ReceiptProfile) -> None:
    if profile.native_qr_works:
        p.qr(content, native=True, size=6)
    else:
        # Centred by the justification set before (ESC a 1), not by padding the image to the
        # profile's media width, which may be wider than the paper actually loaded.
        p.text("\n")
        p.image(qr_image(content), center=False)
        p.text("\n")


def _finish(p: Dummy, profile: ReceiptProfile) -> None:
    """Cut where the printer can; elsewhere feed the paper past the tear bar."""
    if profile.cut and p.profile.supports("paperFullCut"):
        p.cut()
    else:
        p.text("\n\n\n")


@dataclass(frozen=True)
class TestPageData:
    building: str
    printer: str  # where it was sent, in words
    printed_at: str
    staff: str


TEST_PAGE_QR = "PIN-KIOSK-TEST"


def render_test_page(data: TestPageData, profile: ReceiptProfile) -> bytes:
    """A short page that shows the paper's width, the QR code and the cutter are right."""
    p = Dummy(profile=profile.escpos_profile)
    cols = profile.columns
    p.hw("INIT")
    p.set(align="center", bold=True)
    p.text("Pin Kiosk test page\n")
    p.set(align="center", bold=False)
    for line in wrap(data.building, cols):
        p.text(line + "\n")
    p.set(align="left")
    ruler = "".join(str((i + 1) % 10) for i in range(cols))
    p.text(ruler + "\n")
    for label, value in (("Printer", data.printer),
                         ("Paper", f"{profile.paper_mm} mm, {cols} characters a line"),
                         ("Profile", profile.escpos_profile),
                         ("QR code", "printer's own" if profile.native_qr_works else "image"),
                         ("Printed", data.printed_at), ("By", data.staff)):
        for line in wrap(f"{label}: {value}", cols):
            p.text(line + "\n")
    p.set(align="center")
    _qr(p, TEST_PAGE_QR, profile)
    for line in wrap("The line of digits above fills the paper edge to edge. If you can read "
                     "this, receipts will print.", cols):
        p.text(line + "\n")
    _finish(p, profile)
    return bytes(p.output)
