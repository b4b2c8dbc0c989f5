"""Proofs that arrive as files: what kind of file it is, the credential in a JSON file, and
where in a file a proof was read (for the verdict: "QR code 2 of 3 on page 1 of the PDF").

Pure functions of the bytes. Reading pictures and PDFs is the services' part
(``kiosk/services/proof_images.py``, ``proof_pdf.py``); what is found goes through
:func:`kiosk.domain.proofs.read_proof` like a scan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kiosk.domain.baked import PNG_SIGNATURE
from kiosk.domain.payload import MalformedPayload
from kiosk.domain.text import without_unshown

MAX_JSON_FILE_BYTES = 1024 * 1024  # a JSON credential file (an embedded image makes it big)
JSON_FILE = "json-file"  # the carrier of a JSON credential file (kiosk.domain.proofs)

# What :func:`kind_of` answers: a kind the kiosk reads, or one it names in its refusal.
PDF, PNG, SVG, JPEG, WEBP, JSON, HEIC, OTHER = (
    "pdf", "png", "svg", "jpeg", "webp", "json", "heic", "other")
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
                b"avif")
_ENVELOPE_MEDIA = ("data:application/vc+jwt,", "data:application/vc+ld+json+jwt,",
                   "data:application/vc-ld+jwt,", "data:application/jwt,")


def kind_of(data: bytes) -> str:
    """What a file is, from its first bytes (never from its name)."""
    if data.startswith(PNG_SIGNATURE):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return HEIC
    if b"%PDF-" in data[:1024]:  # the header may follow some junk (PDF 1.7, 7.5.2)
        return PDF
    start = data[:256].lstrip(b"\xef\xbb\xbf \t\r\n")
    if start[:1] in (b"{", b"[", b'"'):
        return JSON
    if start[:1] == b"<":
        return SVG
    return OTHER


def credential_in_json(data: bytes) -> str:
    """The text to check for a JSON credential file: the JSON as it is for an Open Badges 2.0
    assertion or a 3.0 credential with its proof; the VC-JWT inside an envelope
    (``EnvelopedVerifiableCredential``, a ``JwtProof2020`` proof, a JSON string, or a
    presentation holding one credential). Raises :class:`MalformedPayload` saying why not."""
    if len(data) > MAX_JSON_FILE_BYTES:
        raise MalformedPayload("The JSON file is larger than 1 MB, too large for a credential.")
    try:
        text = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise MalformedPayload("The JSON file is not readable text (UTF-8).") from None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedPayload("The file is not readable JSON.") from None
    return _credential(doc, text)


def _credential(doc: Any, text: str, depth: int = 0) -> str:
    if isinstance(doc, str):  # a wallet's export of a VC-JWT as a JSON string
        return doc
    if not isinstance(doc, dict):
        raise MalformedPayload("The JSON file holds no credential (it is not a JSON object).")
    token = _enveloped(doc)
    if token is not None:
        return token
    types = doc.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" in types and depth == 0:
        held = doc.get("verifiableCredential")
        held = held if isinstance(held, list) else [held] if held is not None else []
        if len(held) != 1:
            raise MalformedPayload(
                f"The JSON file is a presentation holding {len(held)} credentials; the kiosk "
                "checks one at a time. Save the one for this pin on its own.")
        inner = held[0]
        return _credential(inner, json.dumps(inner, ensure_ascii=False), depth + 1)
    return text


def _enveloped(doc: dict[str, Any]) -> str | None:
    """The VC-JWT that a JSON object only wraps, or None."""
    ident = doc.get("id")
    if isinstance(ident, str) and ident.startswith(_ENVELOPE_MEDIA):
        return ident.split(",", 1)[1]
    proof = doc.get("proof")
    if isinstance(proof, dict) and isinstance(proof.get("jwt"), str) \
            and "credentialSubject" not in doc:
        return str(proof["jwt"])
    return None


@dataclass(frozen=True)
class Source:
    """Where in a file (or in front of the camera) the checked proof was read.

    ``file``: ``pdf``, ``photo``, ``json``, ``image`` (a baked badge image) or ``camera``;
    ``page`` and ``code`` count from 1 (``codes``: the codes on that page or picture);
    ``attachment``: the name of a file attached to the PDF (as :func:`shown_name` shows it);
    ``found``: how many proofs the file held (each is checked until one gives a verdict about
    a person; the verdict is the most telling of them)."""

    file: str
    page: int | None = None
    pages: int | None = None
    code: int | None = None
    codes: int | None = None
    attachment: str | None = None
    found: int = 1

    @property
    def words(self) -> str:
        if self.attachment is not None:
            return f"the file “{self.attachment}” attached to the PDF"
        if self.file == "pdf" and self.code is not None:
            return f"QR code {self.code} of {self.codes} on page {self.page} of the PDF"
        if self.file in ("photo", "camera") and self.code is not None:
            where = "in the photo" if self.file == "photo" else "seen by the camera"
            if self.codes == 1:
                return f"the QR code {where}"
            return f"QR code {self.code} of {self.codes} {where}"
        return {"json": "the JSON file", "image": "the badge image", "pdf": "the PDF",
                "photo": "the photo", "camera": "the camera"}.get(self.file, self.file)

    @property
    def worth_saying(self) -> bool:
        """Whether the verdict should say where the proof was read: which code or attached
        file (a badge image or a JSON file is named by the format already)."""
        return self.file in ("pdf", "photo", "camera") and (
            self.code is not None or self.attachment is not None)

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "page": self.page, "pages": self.pages, "code": self.code,
                "codes": self.codes, "attachment": self.attachment, "found": self.found,
                "words": self.words}


def shown_name(name: str) -> str:
    """A file name from a file as it may be shown: no control or invisible character, and
    at most 80 characters."""
    name = without_unshown(name).strip()
    return name if len(name) <= 80 else name[:79] + "…"
