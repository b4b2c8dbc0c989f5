"""Read any proof of badge: a pure function of (payload, cached facts, now).

The one entry point the kiosk calls for a scan, a typed id, a badge image or a proof slip.
It answers with a :class:`Proof` or raises a :class:`ProofError` whose ``reason`` is one of
the reason codes; no other exception escapes (a fuzz test holds it to that).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime

from kiosk.domain.baked import extract_baked
from kiosk.domain.claims import node_id
from kiosk.domain.facts import CachedFacts, SignedClaims
from kiosk.domain.jws import decode_compact
from kiosk.domain.ob2 import is_ob2_assertion, verify_ob2_jws
from kiosk.domain.ob3 import is_ob3_credential, vc_of, verify_ob3_data_integrity, verify_vc_jwt
from kiosk.domain.payload import MalformedPayload, Proof, award_keys, clean, parse_payload
from kiosk.domain.proof_errors import MalformedProof, ProofError
from kiosk.domain.slips import looks_like_slip, read_slip

CARRIERS = ("baked-png", "baked-svg", "json-file")
_URN_UUID = re.compile(r"(?i:urn:uuid:)[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
                       r"-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")  # re.IGNORECASE on all: 2x slower
# a JSON escape of half a UTF-16 pair: where a lone surrogate could come from
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
MAX_IMAGE_TEXT_BYTES = 256 * 1024  # the text a badge image carries (a JSON credential)
MAX_FILE_TEXT_BYTES = 1024 * 1024  # a JSON credential file (kiosk.domain.proof_files)

FORMAT_NAMES = {  # as they read after "Checked ..."
    "url": "a badge link",
    "id": "a badge id",
    "ob2-jws": "an Open Badges 2.0 signed assertion",
    "ob3-vc-jwt": "an Open Badges 3.0 credential (VC-JWT)",
    "ob3-data-integrity": "an Open Badges 3.0 credential (Data Integrity proof)",
    "baked-png": "a badge image (PNG)",
    "baked-svg": "a badge image (SVG)",
    "json-file": "a credential file (JSON)",
    "district-slip": "a district proof slip",
    "lookup": "a manual lookup (no proof scanned)",
}
LOOKUP = "lookup"  # the format of an award picked by name, with no proof scanned


def read_proof(raw: str | bytes, facts: CachedFacts, now: datetime,
               carrier: str | None = None) -> Proof:
    """The proof in a scanned or typed payload.

    ``carrier`` is set when the text came out of a badge image (``baked-png`` or
    ``baked-svg``) or a JSON credential file (``json-file``): the text may then be longer
    than a QR code can hold.
    """
    if carrier is not None and carrier not in CARRIERS:
        raise MalformedProof("Unknown kind of badge image.")
    try:
        text = clean(raw, 4096 if not carrier else MAX_FILE_TEXT_BYTES
                     if carrier == "json-file" else MAX_IMAGE_TEXT_BYTES)
        proof = _read_text(text, facts, now, baked=carrier is not None)
    except ProofError as exc:
        if carrier:  # the image was read: say so, and what it held if that was recognised
            exc.format, exc.inner = carrier, exc.format
        raise
    except (RecursionError, MemoryError):
        error = MalformedProof("The badge data is nested too deeply to read.")
        error.format = carrier
        raise error from None
    if carrier:
        proof = replace(proof, format=carrier, inner=proof.format)
    return proof


def read_image(data: bytes, facts: CachedFacts, now: datetime) -> Proof:
    """The proof baked into a PNG or SVG badge image."""
    baked = extract_baked(data)
    text = baked.text
    if baked.verify and text.startswith("{"):
        # An OB 2.0 hosted assertion in an SVG: JSON body, its URL in ``verify``. The hosted
        # URL (the cache's key for it) is what counts and what a hand-out sends again.
        text = baked.verify
    return read_proof(text, facts, now, carrier=baked.format)


def _read_text(text: str, facts: CachedFacts, now: datetime, baked: bool) -> Proof:
    if text.startswith("ey") and _two_dots(text):  # a slip starts "PKS1:", never "ey"
        try:
            jws = decode_compact(text)
        except MalformedProof as exc:
            raise MalformedPayload(f"The signed badge is damaged ({exc}).") from None
        vc = vc_of(jws.payload) is not None
        try:
            if vc:
                claims = verify_vc_jwt(jws, facts, now)
                return Proof("ob3-vc-jwt", text, _keys(claims.award_id), signed=claims)
            claims = verify_ob2_jws(jws, facts, now)
            return Proof("ob2-jws", text, _keys(claims.award_id), signed=claims)
        except ProofError as exc:  # refused, but read as what it is
            exc.format = "ob3-vc-jwt" if vc else "ob2-jws"
            raise
    if looks_like_slip(text):
        try:
            slip = read_slip(text, facts.district_keys())
            keys = _keys(slip.award_id)
        except ProofError as exc:
            exc.format = "district-slip"
            raise
        claims = SignedClaims(award_id=slip.award_id, issuer_id="the district",
                              signed_by=slip.kid)
        return Proof("district-slip", text.strip(), keys, signed=claims)
    if text.startswith("{"):
        return _read_json(text, facts, now, baked)
    return parse_payload(text)


def _read_json(text: str, facts: CachedFacts, now: datetime, baked: bool) -> Proof:
    try:
        doc = json.loads(text)
    except ValueError:
        raise MalformedPayload("The badge data is damaged (not readable JSON).") from None
    if not isinstance(doc, dict):
        raise MalformedPayload("The badge data is not a badge.")
    if _SURROGATE_ESCAPE.search(text) and not _unicode(doc):
        # "\ud800" alone is JSON, but no text: no issuer or badge id holds it, and a cache
        # lookup of one fails in the database (the JWS parser, orjson, refuses it already)
        raise MalformedPayload("The badge data is damaged (text that is not Unicode).")
    if is_ob3_credential(doc):
        if "proof" not in doc:
            raise MalformedProof("This credential carries no signature, so it proves nothing.")
        try:
            claims = verify_ob3_data_integrity(doc, facts, now)
            return Proof("ob3-data-integrity", text, _keys(claims.award_id), signed=claims)
        except ProofError as exc:
            exc.format = "ob3-data-integrity"
            raise
    if baked and is_ob2_assertion(doc):
        # A hosted assertion baked into an image: the cached award is the authority.
        return parse_payload(node_id(doc.get("id"), "assertion id"))
    raise MalformedPayload("The badge data is not an Open Badges credential.")


def _unicode(doc: object) -> bool:
    """Whether every string of a parsed JSON document is Unicode (no lone surrogate)."""
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _two_dots(text: str) -> bool:
    """``text.count(".") == 2``, without stepping through a 2 KB token one character at a
    time (``find`` uses ``memchr``)."""
    second = text.find(".", text.find(".") + 1)
    return second != -1 and text.find(".", second + 1) == -1


def _keys(award_id: str) -> tuple[str, ...]:
    try:
        if _URN_UUID.fullmatch(award_id):  # the usual signed-badge id, without a full parse
            return (f"uuid:{award_id[9:].lower()}",)
        return award_keys(award_id)
    except MalformedPayload:
        raise MalformedProof("The badge's id is not one the kiosk can look up.") from None
