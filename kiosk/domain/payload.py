"""Turn whatever a scanner typed into a proof of badge: a format and the award keys to look up.

An award key is a short, normalised string such as ``uuid:7f3c...``, ``badgr:abc123``,
``url:example.org/assertions/9`` or ``id:A-0042``. The same function turns roster ids and alias
URLs into keys at import time, so a scan and the cache always agree on spelling.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from kiosk.domain.proof_errors import MalformedProof

if TYPE_CHECKING:
    from kiosk.domain.facts import SignedClaims

MAX_PAYLOAD_BYTES = 4096

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID_RE = re.compile(rf"^{_UUID}$")
_URN_UUID_RE = re.compile(rf"^urn:uuid:({_UUID})$", re.IGNORECASE)
_BARE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._~/#@+=-]{0,511}$")
_HOST_RE = re.compile(r"^[a-z0-9.-]+(:[0-9]{1,5})?$")
_ASCII_JUNK = "".join(map(chr, range(0x21))) + "\x7f"  # what _is_junk says of ASCII
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# Link schemes that are never a badge id (a bare id such as ``urn:uuid:...`` may have a colon).
_NOT_BADGE_SCHEMES = {"javascript", "vbscript", "data", "file", "blob", "about"}

# Hosted Open Badges 2.0 assertion URLs of the platforms that districts use.
_BADGR_PATH = re.compile(r"^/public/assertions/([A-Za-z0-9_-]{4,64})(?:\.json)?/?$")
_CREDLY_API_PATH = re.compile(rf"^/v1/obi/v2/badge_assertions/({_UUID})/?$")
_CREDLY_PAGE_PATH = re.compile(rf"^/badges/({_UUID})(?:/public_url)?/?$")
_CREDLY_HOSTS = {"credly.com", "www.credly.com", "api.credly.com", "youracclaim.com",
                 "www.youracclaim.com", "api.youracclaim.com"}


class MalformedPayload(MalformedProof):
    """The payload cannot be a proof of badge; the message says why in plain words."""


@dataclass(frozen=True)
class Proof:
    """A scanned proof, normalised. ``keys`` are tried in order against the award cache.

    ``format`` is one of url, id, ob2-jws, ob3-vc-jwt, ob3-data-integrity, baked-png, baked-svg
    and district-slip. For a baked image, ``inner`` says what the image carried (url, ob2-jws,
    ...). ``signed`` is what a verified signature vouches for (None for url and id).
    ``text`` is what to send again to hand the pin out (for an image: the text it carried).
    """

    format: str
    text: str
    keys: tuple[str, ...]
    recipient_email: str | None = None
    signed: SignedClaims | None = None
    inner: str = ""


def clean(raw: str | bytes, limit: int = MAX_PAYLOAD_BYTES) -> str:
    """Strip surrounding whitespace and control characters and enforce the size limit
    (4 KB for a scan, the most a QR code holds; more for the text found in a badge image)."""
    if isinstance(raw, bytes):
        if len(raw) > limit * 4:
            raise MalformedPayload("The scan is far too long to be a proof of badge.")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedPayload("The scan is not readable text.") from None
    if not isinstance(raw, str):
        raise MalformedPayload("The scan is not readable text.")
    if len(raw) > limit * 4:
        raise MalformedPayload("The scan is far too long to be a proof of badge.")
    text = _strip_controls(raw)
    if not text:
        raise MalformedPayload("The scan was empty.")
    if (len(text) if text.isascii() else _utf8_size(text)) > limit:
        raise MalformedPayload(
            f"The scan is longer than {limit // 1024} KB, so it is not a proof of badge.")
    return text


def _utf8_size(text: str) -> int:
    """The bytes of ``text`` in UTF-8; a lone surrogate (from bytes that were not UTF-8, as
    Python's argv keeps them, or a JSON escape such as "\\udcff") is not readable text."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise MalformedPayload("The scan is not readable text.") from None


def _strip_controls(text: str) -> str:
    if text.isascii():  # the usual case, done in C: junk is the controls, space and DEL
        return text.strip(_ASCII_JUNK)
    start, end = 0, len(text)
    while start < end and _is_junk(text[start]):
        start += 1
    while end > start and _is_junk(text[end - 1]):
        end -= 1
    return text[start:end]


def _has_junk(text: str) -> bool:
    if text.isascii():  # the usual case, decided in C: controls are not printable
        return " " in text or not text.isprintable()
    return any(_is_junk(ch) for ch in text)


def _is_junk(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def parse_payload(raw: str | bytes) -> Proof:
    """Parse a scanned link or id. Raises :class:`MalformedPayload` for anything unreadable.

    (Signed proofs are read by :func:`kiosk.domain.proofs.read_proof`, which calls this one
    for links and ids.)"""
    text = clean(raw)
    if _has_junk(text):
        raise MalformedPayload("The scan has spaces or control characters inside it.")
    scheme_match = _SCHEME_RE.match(text)
    scheme = scheme_match.group(1).lower() if scheme_match else ""
    if scheme in ("http", "https"):
        return _parse_url(text)  # also a mistyped link such as http:/host, which has no host
    if scheme in _NOT_BADGE_SCHEMES or (scheme and text[len(scheme) + 1:].startswith("//")):
        raise MalformedPayload("That link is not a badge link.")
    return Proof(format="id", text=text, keys=id_keys(text))


def id_keys(identifier: str) -> tuple[str, ...]:
    """Keys for a bare id such as ``urn:uuid:...``, a plain UUID or a district award id."""
    match = _URN_UUID_RE.match(identifier)
    if match:
        return (f"uuid:{match.group(1).lower()}",)
    if _UUID_RE.match(identifier):
        return (f"uuid:{identifier.lower()}",)
    if _BARE_ID_RE.match(identifier):
        return (f"id:{identifier}",)
    raise MalformedPayload("That is neither a badge link nor a badge id.")


def _parse_url(text: str) -> Proof:
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise MalformedPayload("The badge link is damaged.") from None
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or not _HOST_RE.match(host) or "." not in host:
        raise MalformedPayload("The badge link has no valid web address.")
    path = unquote(parts.path) or "/"
    if _has_junk(path):
        raise MalformedPayload("The badge link is damaged.")
    keys: list[str] = []
    platform = _platform_key(host, path)
    if platform:
        keys.append(platform)
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    trimmed = path.rstrip("/") or "/"
    keys.append(f"url:{netloc}{trimmed}")
    email = None
    # An email never has a space, so a raw "+" (alice+pins@...) is a plus, not a space.
    query = parse_qs(parts.query.replace("+", "%2B"), keep_blank_values=False)
    emails = query.get("identity__email") or query.get("identity_email")
    if emails:
        email = emails[0].strip() or None
    return Proof(format="url", text=text, keys=tuple(keys), recipient_email=email)


def _platform_key(host: str, path: str) -> str | None:
    match = _BADGR_PATH.match(path)
    if match:
        return f"badgr:{match.group(1)}"
    if host in _CREDLY_HOSTS:
        match = _CREDLY_API_PATH.match(path) or _CREDLY_PAGE_PATH.match(path)
        if match:
            return f"uuid:{match.group(1).lower()}"
    return None


def award_keys(identifier: str) -> tuple[str, ...]:
    """Keys under which an award id or alias URL is stored in the cache."""
    return parse_payload(identifier).keys
