"""Read the badge data baked into a badge image (PNG or SVG), as the Open Badges specs describe.

Open Badges 2.0 baking (1EdTech, "Badge Baking" v1.0, ob_v2p0/baking):

- PNG: an ``iTXt`` chunk with keyword ``openbadges``; its text is a signed assertion (compact JWS)
  or the assertion JSON. Before the spec, a ``tEXt`` chunk ``openbadges`` held the hosted
  assertion URL (legacy PNGs); that is read too.
- SVG: an ``<openbadges:assertion>`` element in namespace ``http://openbadges.org``. Its
  ``verify`` attribute is the JWS or the hosted assertion URL; if the element has a body (CDATA),
  the body is the assertion JSON.

Open Badges 3.0 (section 5.3):

- PNG: an ``iTXt`` chunk with keyword ``openbadgecredential``; text is the VC-JWT (compact JWS)
  or the credential JSON (embedded proof).
- SVG: an ``<openbadges:credential>`` element in namespace ``https://purl.imsglobal.org/ob/v3p0``;
  the VC-JWT is in its ``verify`` attribute, or the JSON is in its body (CDATA).

The specs say compression MUST NOT be used, but PNG writers (Pillow among them) compress long
text, so compressed ``iTXt`` is read, with a cap on the decompressed size.

Both specs say the chunk or element MUST NOT appear more than once. A reader "parses until the
first", but an image with two is not a conformant baked badge, and which one counts would be a
guess (another tool might show the other), so this module refuses images with more than one.

Everything here is a pure function of the bytes: no file, network, Pillow or XML entity access.
An SVG may carry a DOCTYPE that only names its type, as drawing tools write the SVG 1.1 one
(its DTD is never fetched); a DOCTYPE with an internal subset (``[...]``: entities, default
attributes, external references) is refused, since it could change what the image says.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException, DTDForbidden  # type: ignore[import-untyped]
from defusedxml.ElementTree import DefusedXMLParser  # type: ignore[import-untyped]

from kiosk.domain.inflate import InflateError, inflate_capped
from kiosk.domain.payload import MalformedPayload

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_TEXT_BYTES = 1024 * 1024  # decompressed iTXt text, a guard against zlib bombs

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORDS = {b"openbadges": "ob2", b"openbadgecredential": "ob3"}

OB2_NAMESPACE = "http://openbadges.org"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
# Seen in the wild (some OB 3.0 bakers use the context's "spec" path); read, never written.
OB3_NAMESPACE_VARIANTS = (OB3_NAMESPACE, "https://purl.imsglobal.org/spec/ob/v3p0")
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_SVG_ELEMENTS = {
    **{f"{{{OB2_NAMESPACE}}}assertion": "ob2"},
    **{f"{{{ns}}}credential": "ob3" for ns in OB3_NAMESPACE_VARIANTS},
}

_NO_BADGE = "This image carries no badge data."
_TWO_BADGES = "This image carries more than one badge, so it is not clear which one to check."


@dataclass(frozen=True)
class BakedProof:
    """The badge data found in an image.

    ``text`` is the embedded hosted-assertion URL, compact JWS / VC-JWT or JSON, stripped.
    For an SVG whose element has both a body and a ``verify`` attribute (an OB 2.0 hosted
    assertion: JSON body, URL in ``verify``), ``text`` is the body and ``verify`` the attribute.
    """

    format: str  # "baked-png" or "baked-svg"
    version: str  # "ob2" or "ob3"
    text: str
    verify: str | None = None


def extract_baked(data: bytes) -> BakedProof:
    """Return the badge data baked into a PNG or SVG image; MalformedPayload says why not."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedPayload("This is not an image file.")
    data = bytes(data)
    if len(data) > MAX_IMAGE_BYTES:
        raise MalformedPayload("The image is larger than 10 MB, too large for a badge image.")
    if not data:
        raise MalformedPayload("The image file is empty.")
    if data.startswith(PNG_SIGNATURE):
        return _extract_png(data)
    if _looks_like_xml(data):
        return _extract_svg(data)
    raise MalformedPayload("This is not a PNG or SVG image.")


# --- PNG ---------------------------------------------------------------------------------


def _extract_png(data: bytes) -> BakedProof:
    found: list[BakedProof] = []
    pos = len(PNG_SIGNATURE)
    first = True
    while True:
        if pos + 8 > len(data):
            raise MalformedPayload("The PNG image is cut short (it has no end marker).")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if length > 0x7FFFFFFF or not ctype.isalpha() or not ctype.isascii():
            raise MalformedPayload("The PNG image is damaged.")
        end = pos + 8 + length
        if end + 4 > len(data):
            raise MalformedPayload("The PNG image is cut short.")
        body = data[pos + 8 : end]
        (crc,) = struct.unpack(">I", data[end : end + 4])
        if zlib.crc32(ctype + body) != crc:
            raise MalformedPayload("The PNG image is damaged (a checksum does not match).")
        if first and ctype != b"IHDR":
            raise MalformedPayload("The PNG image is damaged (it does not start with a header).")
        first = False
        if ctype == b"IEND":
            break
        if ctype == b"iTXt":
            proof = _read_itxt(body)
            if proof is not None:
                found.append(proof)
        elif ctype == b"tEXt":
            proof = _read_legacy_text(body)
            if proof is not None:
                found.append(proof)
        pos = end + 4
    if not found:
        raise MalformedPayload(_NO_BADGE)
    if len(found) > 1:
        raise MalformedPayload(_TWO_BADGES)
    return found[0]


def _read_itxt(body: bytes) -> BakedProof | None:
    keyword, sep, rest = body.partition(b"\0")
    version = PNG_KEYWORDS.get(keyword)
    if version is None:
        return None  # some other text (Comment, Software, XMP...): not ours, not checked
    if not sep or len(rest) < 2:
        raise MalformedPayload("The badge data in the PNG image is damaged.")
    flag, method = rest[0], rest[1]
    _language, sep1, rest = rest[2:].partition(b"\0")
    _translated, sep2, raw = rest.partition(b"\0")
    if not sep1 or not sep2:
        raise MalformedPayload("The badge data in the PNG image is damaged.")
    if flag == 1:
        if method != 0:
            raise MalformedPayload("The badge data in the PNG image is packed in an unknown way.")
        raw = _inflate(raw)
    elif flag != 0:
        raise MalformedPayload("The badge data in the PNG image is damaged.")
    return BakedProof("baked-png", version, _badge_text(raw))


def _read_legacy_text(body: bytes) -> BakedProof | None:
    """Pre-spec OB 1.0 baking: ``tEXt`` chunk ``openbadges`` holding the hosted assertion URL."""
    keyword, sep, raw = body.partition(b"\0")
    if keyword != b"openbadges":
        return None
    if not sep:
        raise MalformedPayload("The badge data in the PNG image is damaged.")
    return BakedProof("baked-png", "ob2", _badge_text(raw))


_INFLATE_PROBLEMS = {
    "damaged": "The badge data in the PNG image is damaged.",
    "too_large": "The badge data in the PNG image is far too large.",
    "truncated": "The badge data in the PNG image is cut short.",
}


def _inflate(raw: bytes) -> bytes:
    try:
        return inflate_capped(raw, MAX_TEXT_BYTES)
    except InflateError as exc:
        raise MalformedPayload(_INFLATE_PROBLEMS[exc.problem]) from None


def _badge_text(raw: bytes) -> str:
    if len(raw) > MAX_TEXT_BYTES:
        raise MalformedPayload("The badge data in the image is far too large.")
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise MalformedPayload("The badge data in the image is not readable text.") from None
    if not text:
        raise MalformedPayload("The badge data in the image is empty.")
    if "\0" in text:
        raise MalformedPayload("The badge data in the image is not readable text.")
    return text


# --- SVG ---------------------------------------------------------------------------------


def _looks_like_xml(data: bytes) -> bool:
    head = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    return head.lstrip(b" \t\r\n").startswith(b"<")


class _SvgParser(DefusedXMLParser):  # type: ignore[misc]
    """defusedxml's parser with entity declarations and external references forbidden, as
    before, and a DOCTYPE allowed when it declares nothing (no internal subset)."""

    def __init__(self) -> None:
        super().__init__(target=ET.TreeBuilder(), forbid_dtd=False, forbid_entities=True,
                         forbid_external=True)
        # (not "_doctype": ElementTree's XMLParser keeps its own attribute of that name)
        self.parser.StartDoctypeDeclHandler = self._declares_nothing

    @staticmethod
    def _declares_nothing(name: str | None, sysid: str | None, pubid: str | None,
                          has_internal_subset: int) -> None:
        if has_internal_subset:
            raise DTDForbidden(name, sysid, pubid)


def _extract_svg(data: bytes) -> BakedProof:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPayload("The SVG image is not readable UTF-8 text.") from None
    text = text.removeprefix("\ufeff")
    try:
        parser = _SvgParser()
        parser.feed(text)
        root: ET.Element = parser.close()
    except DefusedXmlException:
        raise MalformedPayload(
            "The SVG image declares entities or other rules in its document type, which badge "
            "images never need."
        ) from None
    except (ET.ParseError, ValueError, RecursionError):
        raise MalformedPayload("The SVG image is damaged (it is not well-formed XML).") from None
    if root.tag not in ("svg", f"{{{SVG_NAMESPACE}}}svg"):
        raise MalformedPayload("This is not an SVG image.")
    found = [(el, _SVG_ELEMENTS[el.tag]) for el in root.iter() if el.tag in _SVG_ELEMENTS]
    if not found:
        raise MalformedPayload(_NO_BADGE)
    if len(found) > 1:
        raise MalformedPayload(_TWO_BADGES)
    element, version = found[0]
    body = "".join(element.itertext()).strip()
    verify = (element.get("verify") or "").strip() or None
    if body:
        return BakedProof("baked-svg", version, _badge_text(body.encode("utf-8")), verify)
    if verify is None:
        raise MalformedPayload("The badge data in the SVG image is empty.")
    return BakedProof("baked-svg", version, _badge_text(verify.encode("utf-8")), verify)
