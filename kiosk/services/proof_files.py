"""A proof of badge brought as a file, or pasted: the same verdict as a scan.

One entry for every kind of file (:func:`check_file`): a JSON credential, a PDF, a photo
(JPEG, PNG, WebP) of a printed proof, a baked badge image (PNG, SVG). What it holds goes
through the scan's own path (:func:`kiosk.services.scan.check_proof` or ``check_image``): a
QR code's text exactly as a scanner would have typed it. When a file holds several proofs,
each is checked and the most telling verdict is the answer (:func:`best_of`), with where it
was read (``ScanResult.source``: "QR code 2 of 3 on page 1 of the PDF").

Refusals: a file larger than its kind takes, or a picture or PDF past its pixel or page cap,
raises :class:`TooLargeToRead` (400, nothing read further); a file that cannot be read is a
``malformed`` verdict that says why. Nothing is recorded either way (checking only reads).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from ..domain.payload import MAX_PAYLOAD_BYTES, MalformedPayload
from ..domain.proof_files import (
    HEIC,
    JPEG,
    JSON,
    JSON_FILE,
    PDF,
    PNG,
    SVG,
    WEBP,
    Source,
    credential_in_json,
    kind_of,
    shown_name,
)
from ..domain.reasons import Reason
from ..errors import InvalidInput
from ..models import utcnow
from . import lookups
from .proof_images import PictureTooLarge, UnreadablePicture, codes_in_picture, read_picture
from .proof_pdf import PdfTooLarge, UnreadablePdf, read_pdf
from .scan import ScanResult, check_image, check_proof

MAX_PHOTO_BYTES = 20 * 1024 * 1024  # a 12 MP phone photo is 3-8 MB as JPEG, more as PNG
MAX_FILE_BYTES = MAX_PHOTO_BYTES  # the largest file of any kind (config.BODY_CAPS adds a form)
MAX_PROOFS_CHECKED = 20  # QR codes and attachments of one file, checked in order

KINDS_READ = ("a PDF, a photo (JPEG, PNG, WebP or HEIC), a JSON credential or a badge image "
              "(PNG, SVG)")
FILE_HINT = "save it as a file, then drop the file on the scan page or choose it there"


class TooLargeToRead(InvalidInput):
    """A file past a cap: bytes, pixels or pages. Nothing of it was checked."""

    title = "Too large to read"


class UseTheFile(InvalidInput):
    """A JSON credential pasted into the scan field: longer than a scan can be."""

    title = "That is a credential file"


Check = Callable[[], ScanResult]


def check_file(data: bytes, now: datetime | None = None) -> ScanResult:
    """The verdict for a proof brought as a file of any kind the kiosk reads."""
    now = now or utcnow()
    if len(data) > MAX_FILE_BYTES:
        raise TooLargeToRead(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, "
                             "too large for a proof of badge; nothing was read.")
    kind = kind_of(data)
    if kind == JSON:
        return _json_file(data, now)
    if kind == SVG or (kind == PNG and b"openbadge" in data):
        # a baked badge (its chunk's keyword is never compressed): the image path, as ever
        return replace(check_image(data, now), source=Source("image"))
    if kind in (PNG, JPEG, WEBP, HEIC):
        return _photo(data, now)
    if kind == PDF:
        return _pdf(data, now)
    if not data:
        return unreadable("No file was chosen, or the file is empty.")
    return unreadable(f"This file is not a proof the kiosk can read. It reads {KINDS_READ}.")


def check_codes(texts: Sequence[str], file: str = "camera",
                now: datetime | None = None) -> ScanResult:
    """The verdict for the QR codes read from one picture (``file``: ``camera`` or
    ``photo``), each text exactly as a scan; with several, the most telling verdict."""
    if not texts:
        return unreadable("No QR code was found.", Source(file))
    return best_of([(Source(file, code=n, codes=len(texts)), _scan(text, now))
                    for n, text in enumerate(texts, 1)])


def check_pasted(raw: str, hint: str = FILE_HINT) -> ScanResult:
    """A scan or typed text, as :func:`kiosk.services.scan.check_proof` checks it; a JSON
    credential longer than a scan can be is refused with the way that takes it (``hint``)."""
    text = raw.strip() if isinstance(raw, str) else ""
    if text.startswith("{") and len(text.encode("utf-8", "surrogatepass")) > MAX_PAYLOAD_BYTES:
        raise UseTheFile(f"This looks like a JSON credential. It is longer than a scan can be "
                         f"({MAX_PAYLOAD_BYTES // 1024} KB), so {hint}. Nothing was recorded.")
    return check_proof(raw)


def best_of(tries: Sequence[tuple[Source, Check]]) -> ScanResult:
    """The most telling verdict of several proofs from one file, checked in order until one
    is about a person and may be handed out: a verdict about a person first (ok before any
    other), then a recognised proof that is refused (a bad signature says more than a link
    that is no badge), then a badge not found, then what could not be read."""
    tries = list(tries)[:MAX_PROOFS_CHECKED]
    best: ScanResult | None = None
    best_rank = 99
    for source, check in tries:
        result = check()
        rank = _rank(result)
        if rank < best_rank:
            best, best_rank = replace(result, source=replace(source, found=len(tries))), rank
        if rank == 0:
            break
    assert best is not None, "best_of needs at least one proof"
    return best


def _rank(result: ScanResult) -> int:
    if result.award is not None:
        return 0 if result.ok else 1
    if result.reason not in (Reason.UNKNOWN_BADGE, Reason.MALFORMED):
        return 2
    return 3 if result.reason is Reason.UNKNOWN_BADGE else 4


def unreadable(why: str, source: Source | None = None) -> ScanResult:
    """A ``malformed`` verdict for a file that holds nothing to check."""
    return ScanResult(Reason.MALFORMED, detail=why, source=source,
                      checked_against=lookups.badge_data_as_of())


def _scan(text: str, now: datetime | None) -> Check:
    return lambda: check_proof(text, now)


def _json_file(data: bytes, now: datetime, source: Source | None = None) -> ScanResult:
    source = source or Source("json")
    try:
        text = credential_in_json(data)
    except MalformedPayload as exc:
        return unreadable(str(exc), source)
    return replace(check_proof(text, now, carrier=JSON_FILE), source=source)


def _photo(data: bytes, now: datetime) -> ScanResult:
    try:
        picture = read_picture(data)
    except PictureTooLarge as exc:
        raise TooLargeToRead(str(exc)) from None
    except UnreadablePicture as exc:
        return unreadable(str(exc), Source("photo"))
    texts = codes_in_picture(picture)
    if not texts:
        return unreadable("No QR code was found in the photo. Take it again with the code "
                          "flat, sharp and well lit, filling more of the picture.",
                          Source("photo"))
    return check_codes(texts, "photo", now)


def _pdf(data: bytes, now: datetime) -> ScanResult:
    try:
        contents = read_pdf(data)
    except PdfTooLarge as exc:
        raise TooLargeToRead(str(exc)) from None
    except UnreadablePdf as exc:
        return unreadable(str(exc), Source("pdf"))
    tries: list[tuple[Source, Check]] = []
    for page, texts in enumerate(contents.codes, 1):
        tries += [(Source("pdf", page=page, pages=contents.pages, code=n, codes=len(texts)),
                   _scan(text, now)) for n, text in enumerate(texts, 1)]
    for name, body in contents.attachments:
        source = Source("pdf", pages=contents.pages, attachment=shown_name(name))
        kind = kind_of(body)
        if kind == JSON:
            tries.append((source, lambda body=body, source=source: _json_file(body, now, source)))
        elif kind in (PNG, SVG):
            tries.append((source, lambda body=body: check_image(body, now)))
    if not tries:
        pages = "its page" if contents.pages == 1 else f"any of its {contents.pages} pages"
        skipped = (f" Not read: {'; '.join(contents.skipped)}." if contents.skipped else "")
        return unreadable(f"No QR code was found on {pages}, and no credential or badge "
                          f"image is attached to it.{skipped}", Source("pdf",
                                                                       pages=contents.pages))
    return best_of(tries)
