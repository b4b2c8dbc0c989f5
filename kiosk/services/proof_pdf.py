"""PDF proofs: every QR code on every page, and the files attached to the PDF (a JSON
credential, a baked badge image).

Each page is rendered by PDFium (pypdfium2) at :data:`PAGE_DPI`, in shades of grey, and read by
:func:`kiosk.services.proof_images.codes_in_picture` (a downscaled copy first, about 150 dpi,
then the full page). The caps, each checked before the work it bounds:

- the file: :data:`MAX_PDF_BYTES` (the route's body cap comes first, ``config.BODY_CAPS``);
- pages: at most :data:`MAX_PDF_PAGES`, counted before any page is drawn;
- pixels: a page is drawn at :data:`PAGE_DPI` unless that makes more than
  :data:`MAX_PAGE_PIXELS`; a larger page is drawn at the resolution that fits (PDFium itself
  draws a huge embedded picture without decoding it whole);
- attached files: PDFium unpacks an attachment whole before it tells its size (up to 1 GB
  from a few hundred KB of PDF, a zip bomb), so attachments are read in a child process with
  a time limit (and, where the system has one, a memory limit): at most
  :data:`MAX_ATTACHMENTS` of them, :data:`MAX_ATTACHMENT_BYTES` each.

PDFium is not thread-safe, even across documents: every call into it holds :data:`PDFIUM`.
"""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass, field

import pypdfium2
import pypdfium2.raw as pdfium_c

from ..domain.proof_files import shown_name
from .proof_images import codes_in_picture

MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 10
PAGE_DPI = 300  # a 1-inch QR code of 57 modules is 5 pixels a module; read first at half that
MAX_PAGE_PIXELS = 20_000_000  # a US Letter or A4 page at 300 dpi is 8.4 or 8.7 million
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # as a badge image (kiosk.domain.baked)
ATTACHMENT_SECONDS = 5.0
# the child's address space, where the system caps it: Python and PDFium take about 30 MB,
# a 10 MB PDF and a 10 MB attachment (twice: PDFium's and the copy) 40 more
ATTACHMENT_MEMORY = 256 * 1024 * 1024

PDFIUM = threading.Lock()


class UnreadablePdf(ValueError):
    """Not a PDF the kiosk can read; the message says why in plain words."""


class PdfTooLarge(UnreadablePdf):
    """More pages than a proof has (or more bytes than the kiosk reads as a PDF)."""


@dataclass(frozen=True)
class PdfContents:
    """What a PDF holds for the kiosk: the QR codes' texts of each page (``codes[0]`` is
    page 1), and its attached files as (name, bytes); ``skipped`` says which attachments were
    not read, and why."""

    pages: int
    codes: list[list[str]]
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_pdf(data: bytes) -> PdfContents:
    """Every QR code and attached file in a PDF. Raises :class:`PdfTooLarge` or
    :class:`UnreadablePdf`."""
    if len(data) > MAX_PDF_BYTES:
        raise PdfTooLarge(f"The PDF is larger than {MAX_PDF_BYTES // (1024 * 1024)} MB, "
                          "too large for a proof of badge.")
    with PDFIUM:
        document = _open(data)
    try:
        with PDFIUM:
            pages = len(document)
            attached = document.count_attachments()
        if pages > MAX_PDF_PAGES:
            raise PdfTooLarge(
                f"The PDF has {pages} pages; the kiosk reads proofs of at most "
                f"{MAX_PDF_PAGES} pages. Save or print just the page with the QR code.")
        if pages == 0:
            raise UnreadablePdf("The PDF has no pages.")
        codes = []
        for number in range(pages):  # one page in memory at a time
            with PDFIUM:
                picture = _page_picture(document, number)
            codes.append(codes_in_picture(picture))  # zxing-cpp needs no lock
    except pypdfium2.PdfiumError:
        raise UnreadablePdf("A page of the PDF is damaged, so the kiosk cannot read it.") \
            from None
    finally:
        with PDFIUM:
            document.close()
    attachments, skipped = _attachments(data, attached) if attached else ([], [])
    return PdfContents(pages, codes, attachments, skipped)


def _open(data: bytes) -> pypdfium2.PdfDocument:
    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise UnreadablePdf("The PDF is locked with a password, so the kiosk cannot read "
                                "it. Save or print it again without the password.") from None
        raise UnreadablePdf("The file is damaged or not a PDF the kiosk can read.") from None


def _page_picture(document: pypdfium2.PdfDocument, number: int):  # type: ignore[no-untyped-def]
    """Page ``number`` drawn in shades of grey, as a Pillow picture of its own (the bitmap
    is PDFium's and goes with the page)."""
    page = document[number]
    try:
        width, height = page.get_size()
        if not (1 <= width < 1e6 and 1 <= height < 1e6):  # no page at all (or not a number)
            raise pypdfium2.PdfiumError("page size")
        scale = PAGE_DPI / 72
        while math.ceil(width * scale) * math.ceil(height * scale) > MAX_PAGE_PIXELS:
            scale = min(scale, math.sqrt(MAX_PAGE_PIXELS / (width * height))) * 0.999
        bitmap = page.render(scale=scale, force_bitmap_format=pdfium_c.FPDFBitmap_Gray)
        try:
            return bitmap.to_pil().copy()
        finally:
            bitmap.close()
    finally:
        page.close()


# --- attached files, read in a child process ---------------------------------------------

_CHILD = r"""
import ctypes, json, struct, sys
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]), int(sys.argv[3])))
except (ImportError, ValueError, OSError):
    pass
import pypdfium2, pypdfium2.raw as c
most, cap = int(sys.argv[1]), int(sys.argv[2])
out = sys.stdout.buffer
def put(head, body=b""):
    head = json.dumps(head).encode()
    out.write(struct.pack(">II", len(head), len(body)) + head + body)
doc = pypdfium2.PdfDocument(sys.stdin.buffer.read())
for i in range(min(doc.count_attachments(), most)):
    item = doc.get_attachment(i)
    name = item.get_name()
    size = ctypes.c_ulong()
    if not c.FPDFAttachment_GetFile(item, None, 0, ctypes.byref(size)):
        put({"name": name, "skipped": "holds no data"})
    elif size.value > cap:
        put({"name": name, "skipped": "too_large"})
    else:
        buf = ctypes.create_string_buffer(size.value)
        c.FPDFAttachment_GetFile(item, buf, size.value, ctypes.byref(size))
        put({"name": name}, buf.raw[:size.value])
out.flush()
"""


_NOT_UNPACKED = "the attached files (they could not be unpacked within the kiosk's limits)"


def _attachments(data: bytes, count: int) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The PDF's attached files, from a child process that PDFium may exhaust, not the kiosk."""
    skipped = ([f"{count - MAX_ATTACHMENTS} more attached files (the kiosk reads the first "
                f"{MAX_ATTACHMENTS})"] if count > MAX_ATTACHMENTS else [])
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _CHILD, str(MAX_ATTACHMENTS),
             str(MAX_ATTACHMENT_BYTES), str(ATTACHMENT_MEMORY)],
            input=data, capture_output=True, timeout=ATTACHMENT_SECONDS, check=False)
    except (subprocess.TimeoutExpired, OSError):
        return [], [*skipped, _NOT_UNPACKED]
    found: list[tuple[str, bytes]] = []
    out, at = done.stdout, 0
    while at + 8 <= len(out):
        head_size, body_size = struct.unpack(">II", out[at:at + 8])
        head_at, body_at = at + 8, at + 8 + head_size
        at = body_at + body_size
        if at > len(out):  # the child was stopped while writing this one
            break
        head = json.loads(out[head_at:body_at])
        body = out[body_at:at]
        name = shown_name(str(head.get("name") or "")) or "(no name)"
        if "skipped" in head:
            why = ("larger than 10 MB unpacked" if head["skipped"] == "too_large"
                   else str(head["skipped"]))
            skipped.append(f"{name} ({why})")
        else:
            found.append((name, body))
    if done.returncode != 0:
        skipped.append(_NOT_UNPACKED if not found else "the remaining attached files")
    return found, skipped
