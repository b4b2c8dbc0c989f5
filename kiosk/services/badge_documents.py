"""Open Badges documents as files hold them: what kind of file, which documents, what each one
is. Pure reading, no database: :mod:`.badge_import` applies the documents to the cache.

A file is told apart by its content, never its name: a PNG or SVG is a baked badge image, text
starting with ``{`` or ``[`` is JSON (a list holds several documents), anything else is a CSV
file for :mod:`.cache_import`. A JSON object with a ``keys`` list is a JWKS. Every other
document is known by its ``type``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..domain.baked import PNG_SIGNATURE, extract_baked
from ..domain.claims import (
    node_id,
    types_of,
)
from ..domain.jws import decode_compact
from ..domain.ob3 import vc_of
from ..domain.proof_errors import MalformedProof, ProofError
from ..errors import InvalidInput
from .cache_import import RowError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 64  # badge documents nest about six deep
HEAD_BYTES = 4096  # enough of a file's start to tell what it is
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
REVOKED = "Revoked by the issuer."
HOSTED_LINK_ONLY = ("this image holds only a link to a hosted badge; import the roster row "
                    "for it instead")

# The hashes of OB recipient identities (kiosk.domain.recipient checks every match found).
_HASHES = {"sha256": hashlib.sha256, "md5": hashlib.md5}
_ABSOLUTE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_OB2_CONTEXTS = ("w3id.org/openbadges/v2", "openbadgespec.org")

Document = Mapping[str, object]


class DocumentError(RowError):
    """One document cannot be imported; the message says why, in words a person can act on."""


class Kind(StrEnum):
    """What a document is, in import order (see :data:`PHASES`)."""

    ISSUER = "issuer profile"
    KEY = "key"
    JWKS = "JWKS"
    BADGE_CLASS = "badge class"
    OB2_LIST = "revocation list"
    OB3_LIST = "1EdTech revocation list"
    STATUS_LIST = "status list"
    ASSERTION = "assertion"
    CREDENTIAL = "credential"


PHASES = {Kind.ISSUER: 0, Kind.KEY: 1, Kind.JWKS: 2, Kind.BADGE_CLASS: 3, Kind.OB2_LIST: 4,
           Kind.OB3_LIST: 4, Kind.STATUS_LIST: 4, Kind.ASSERTION: 5, Kind.CREDENTIAL: 5}

# Most specific first: a credential's type list also says VerifiableCredential.
_TYPES: tuple[tuple[Kind, frozenset[str]], ...] = (
    (Kind.STATUS_LIST, frozenset({"BitstringStatusListCredential", "StatusList2021Credential"})),
    (Kind.CREDENTIAL, frozenset({"OpenBadgeCredential", "AchievementCredential"})),
    (Kind.OB3_LIST, frozenset({"1EdTechRevocationList"})),
    (Kind.ISSUER, frozenset({"Issuer", "Profile"})),
    (Kind.KEY, frozenset({"CryptographicKey"})),
    (Kind.BADGE_CLASS, frozenset({"BadgeClass", "Achievement"})),
    (Kind.ASSERTION, frozenset({"Assertion"})),
    (Kind.OB2_LIST, frozenset({"RevocationList"})),
)


# --- reading files (pure) --------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One document of a file, or why it cannot be read (``document`` None, ``problem``)."""

    label: str  # "file.json, item 3", "file.json" or "badge.png"
    document: Document | None
    problem: str = ""


def file_format(head: bytes) -> str:
    """What a file holds, from its first bytes: "image", "json" or "table" (CSV)."""
    if head.startswith(PNG_SIGNATURE):
        return "image"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if text.startswith(b"<"):
        return "image"
    if text.startswith((b"{", b"[")):
        return "json"
    return "table"


def check_size(name: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise InvalidInput(f"{name}: the file is larger than 20 MB, too large for badge data.")


def read_documents(name: str, data: bytes) -> list[Item]:
    """The documents in a badge file. InvalidInput when the file as a whole cannot be read
    (too large, not UTF-8, not JSON); a problem with one document is kept in its Item."""
    check_size(name, len(data))
    if file_format(data[:HEAD_BYTES]) == "image":
        try:
            return [Item(name, document_in_image(data))]
        except (DocumentError, ProofError) as exc:
            return [Item(name, None, str(exc))]
    value = _json_file(name, data)
    if isinstance(value, dict):
        return [Item(name, value)]
    items = []
    for number, entry in enumerate(value, 1):
        label = f"{name}, item {number}"
        if isinstance(entry, dict):
            items.append(Item(label, entry))
        else:
            items.append(Item(label, None, "not a JSON object, so not a badge document"))
    return items


def count_documents(path: Path) -> int:
    """How many documents a badge file holds (1 for an image or a file that cannot be read):
    the progress total. Never raises for bad content."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return 1
        data = path.read_bytes()
        if file_format(data[:HEAD_BYTES]) == "image":
            return 1
        value = _json_file(path.name, data)
    except (OSError, InvalidInput):
        return 1
    return len(value) if isinstance(value, list) else 1


def _json_file(name: str, data: bytes) -> dict[str, Any] | list[Any]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{name}: not a UTF-8 text file.") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                           f"{exc.msg}).") from None
    except RecursionError:
        raise InvalidInput(f"{name}: the JSON is nested too deeply to be badge data.") from None
    except ValueError as exc:  # e.g. a number with thousands of digits
        raise InvalidInput(f"{name}: not valid JSON ({exc}).") from None
    if not isinstance(value, dict | list):
        raise InvalidInput(f"{name}: not a JSON object or list of objects.")
    if _depth(value) > MAX_DEPTH:
        raise InvalidInput(f"{name}: the JSON is nested too deeply to be badge data.")
    return value


def _depth(value: object) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: list[object] = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def document_in_image(data: bytes) -> Document:
    """The badge document baked into a PNG or SVG image. A signed badge is decoded without
    checking its signature: importing is the district's own act of trust."""
    baked = extract_baked(data)
    text = baked.text
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            raise DocumentError("the badge data in this image is damaged JSON") from None
        if not isinstance(value, dict):
            raise DocumentError("the badge data in this image is not a JSON object")
        return value
    if text.startswith("ey") and text.count(".") == 2:
        payload = decode_compact(text).payload
        credential = vc_of(payload)
        if credential is None:
            return payload  # an OB 2.0 signed assertion
        return _with_jwt_claims(credential, payload)
    if re.match(r"^https?://", text, re.IGNORECASE):
        raise DocumentError(HOSTED_LINK_ONLY)
    raise DocumentError("the badge data in this image is neither JSON nor a signed badge")


def _with_jwt_claims(credential: Document, payload: Document) -> Document:
    """A VCDM 1.1 ``vc`` claim may leave its id and issuer to the JWT's ``jti`` and ``iss``."""
    filled = dict(credential)
    for claim, member in (("jti", "id"), ("iss", "issuer")):
        if member not in filled and isinstance(payload.get(claim), str):
            filled[member] = payload[claim]
    return filled


def kind_of(doc: Document) -> Kind:
    """What a document is, by its ``type`` (a JWKS and untyped assertions by their shape)."""
    types = types_of(doc.get("type"))
    if not types:
        if isinstance(doc.get("keys"), list):
            return Kind.JWKS
        if "recipient" in doc and "badge" in doc:
            return Kind.ASSERTION
        if "credentialSubject" in doc:
            return Kind.CREDENTIAL
        raise DocumentError("the document has no type, so it is not clear what it is")
    for kind, names in _TYPES:
        if types & names:
            return kind
    shown = ", ".join(sorted(types))[:200]
    raise DocumentError(f"unknown document type {shown!r}; the kiosk imports Open Badges "
                        "profiles, keys, badge classes, assertions, credentials and "
                        "revocation or status lists")


def issuer_version(doc: Document) -> str:
    """The version of an issuer profile: "ob2" (OB 2.0 Issuer Profile) or "ob3"."""
    context = json.dumps(doc.get("@context", ""))
    if any(mark in context for mark in _OB2_CONTEXTS):
        return "ob2"
    return "ob2" if "publicKey" in doc or "revocationList" in doc else "ob3"


def revoked_ids(doc: Document, kind: str) -> Iterator[tuple[str, str]]:
    """(id, reason) for each entry of an OB 2.0 RevocationList (``kind`` "ob2") or OB 3.0
    1EdTechRevocationList ("ob3"), read the way :mod:`kiosk.domain.revocation` reads them."""
    places: list[Document] = [doc]
    keys: tuple[str, ...] = ("revokedAssertions",)
    if kind == "ob3":
        keys = ("revokedCredential", "revokedCredentials")
        subject = doc.get("credentialSubject")
        subjects = subject if isinstance(subject, list) else [subject]
        places.extend(s for s in subjects if isinstance(s, Mapping))
    for place in places:
        for key in keys:
            entries = place.get(key)
            if isinstance(entries, str | Mapping):
                entries = [entries]
            if not isinstance(entries, list):
                continue
            for entry in entries:
                if isinstance(entry, str) and entry:
                    yield entry, ""
                elif isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
                    reason = entry.get("revocationReason")
                    yield str(entry["id"]), reason if isinstance(reason, str) else ""


def list_row(doc: Document, kind: str,
              default_issuer: str = "") -> tuple[str, dict[str, object]]:
    """The id and stored values of an OB 2.0 RevocationList or 1EdTechRevocationList."""
    list_id = document_id(doc, "the revocation list")
    for key in ("revokedAssertions", "revokedCredential", "revokedCredentials"):
        if key in doc and not isinstance(doc[key], list | str | Mapping):
            raise DocumentError(f"revocation list {list_id!r}: {key} is not a list")
    return list_id, {"kind": kind,
                     "issuer_id": optional_id(doc.get("issuer")) or default_issuer,
                     "document": canonical_json(doc)}


def document_id(doc: Document, what: str) -> str:
    try:
        return node_id(doc.get("id"), what)
    except MalformedProof:
        raise DocumentError(f"{what} has no usable id") from None


def optional_id(value: object) -> str:
    try:
        return node_id(value, "id", required=False)
    except MalformedProof:
        return ""


def canonical_json(doc: object) -> str:
    """The stored text of a document: the same document always gives the same text."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def is_absolute_id(kid: str) -> bool:
    return kid.startswith("did:") or bool(_ABSOLUTE_URL.match(kid))


def flag(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")
