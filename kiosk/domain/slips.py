"""The district's proof slip: a short token signed by the district (Ed25519) for a small QR code.

Token text: ``PKS1:`` + RFC 4648 base32 (A-Z, 2-7, no padding) of the body. Every character is
in the QR alphanumeric set, so the code stays small, and a keyboard-wedge scanner types it
safely. Readers accept any letter case and surrounding whitespace.

Body: kid (4 bytes) | issued day (uint16 big-endian, days since 2020-01-01) | award field |
Ed25519 signature (64 bytes) over ``b"PKS1" + kid + day + award field``.

Award field: ``0x01`` + 16 bytes for ``urn:uuid:<lowercase uuid>``, ``0x02`` + 16 bytes for a
bare lowercase uuid, otherwise ``0x00`` + length byte + UTF-8 (1 to 96 bytes). Only the exact
canonical uuid spellings take the short form, so every award id reads back exactly as written.

The kid is the first 4 bytes of sha256 of the raw public key; as text, 8 lowercase hex digits.
Reading never raises anything but :class:`~kiosk.domain.proof_errors.ProofError` subclasses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.domain.keys import b64url_decode
from kiosk.domain.proof_errors import BadSignature, MalformedProof, UntrustedIssuer

PREFIX = "PKS1:"
FORMAT = "district-slip"
EPOCH = date(2020, 1, 1)
MAX_AWARD_BYTES = 96

_DOMAIN = b"PKS1"
_KID_BYTES = 4
_SIG_BYTES = 64
_UUID_BYTES = 16
_TAG_TEXT, _TAG_URN_UUID, _TAG_BARE_UUID = 0x00, 0x01, 0x02
_URN = "urn:uuid:"
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_MIN_BODY = _KID_BYTES + 2 + 3 + _SIG_BYTES  # the shortest award field: tag, length, 1 byte
_MAX_BODY = _KID_BYTES + 2 + 2 + MAX_AWARD_BYTES + _SIG_BYTES
_MAX_CHARS = len(PREFIX) + (_MAX_BODY * 8 + 4) // 5
_PUBLIC_PREFIX = "ed25519:"

DAMAGED = "This slip's code is damaged."


@dataclass(frozen=True)
class Slip:
    award_id: str
    issued_on: date
    kid: str


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _kid_bytes(public_key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(_raw_public(public_key)).digest()[:_KID_BYTES]


def district_kid(public_key: Ed25519PublicKey) -> str:
    """The key id printed in every slip: 8 lowercase hex digits."""
    return _kid_bytes(public_key).hex()


def _award_field(award_id: str) -> bytes:
    if not award_id:
        raise ValueError("an award id is needed")
    for tag, prefix in ((_TAG_URN_UUID, _URN), (_TAG_BARE_UUID, "")):
        if award_id.startswith(prefix):
            rest = award_id[len(prefix):]
            try:
                parsed = uuid.UUID(rest)
            except ValueError:
                continue
            if str(parsed) == rest:  # only the canonical spelling reads back exactly
                return bytes([tag]) + parsed.bytes
    raw = award_id.encode("utf-8")
    if len(raw) > MAX_AWARD_BYTES:
        raise ValueError(f"award id longer than {MAX_AWARD_BYTES} bytes: {award_id[:40]!r}...")
    return bytes([_TAG_TEXT, len(raw)]) + raw


def _day_bytes(issued_on: date) -> bytes:
    days = (issued_on - EPOCH).days
    if not 0 <= days <= 0xFFFF:
        raise ValueError(f"issued day {issued_on} is outside 2020-01-01 .. 2199")
    return days.to_bytes(2, "big")


def make_slip(award_id: str, issued_on: date, key: Ed25519PrivateKey) -> str:
    """The token for one award, signed with the district's key. Raises ValueError for an award
    id longer than 96 bytes of UTF-8 or a day before 2020."""
    kid = _kid_bytes(key.public_key())
    signed = kid + _day_bytes(issued_on) + _award_field(award_id)
    signature = key.sign(_DOMAIN + signed)
    return PREFIX + base64.b32encode(signed + signature).decode("ascii").rstrip("=")


def looks_like_slip(text: str) -> bool:
    """Whether ``text`` is meant as a district slip (it may still be damaged or forged)."""
    return isinstance(text, str) and text.lstrip()[: len(PREFIX)].upper() == PREFIX


def _b32decode(letters: str) -> bytes:
    if not letters or len(letters) % 8 in (1, 3, 6) or not set(letters) <= _BASE32:
        raise MalformedProof(DAMAGED)
    try:
        body = base64.b32decode(letters + "=" * (-len(letters) % 8))
    except (binascii.Error, ValueError) as exc:
        raise MalformedProof(DAMAGED) from exc
    # Unused low bits in the last letter must be zero: one body, one spelling.
    if base64.b32encode(body).decode("ascii").rstrip("=") != letters:
        raise MalformedProof(DAMAGED)
    return body


def _award_id(field: bytes) -> str:
    tag = field[0]
    if tag in (_TAG_URN_UUID, _TAG_BARE_UUID):
        if len(field) != 1 + _UUID_BYTES:
            raise MalformedProof(DAMAGED)
        text = str(uuid.UUID(bytes=field[1:]))
        return _URN + text if tag == _TAG_URN_UUID else text
    if tag == _TAG_TEXT:
        if len(field) < 2 or field[1] == 0 or len(field) != 2 + field[1]:
            raise MalformedProof(DAMAGED)
        try:
            return field[2:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedProof(DAMAGED) from exc
    raise MalformedProof(DAMAGED)


def _altered_kid(rest: bytes, signature: bytes, trusted: Mapping[str, Ed25519PublicKey]) -> bool:
    """Whether a trusted key signed this very slip under its own kid: then only the kid was
    changed (a mistyped or altered slip), which is not a key this kiosk lacks."""
    for key in trusted.values():
        try:
            key.verify(signature, _DOMAIN + _kid_bytes(key) + rest)
        except InvalidSignature:
            continue
        return True
    return False


def read_slip(text: str, trusted: Mapping[str, Ed25519PublicKey]) -> Slip:
    """Check a slip offline against the district keys this kiosk trusts (kid -> key).

    Raises MalformedProof (damaged or not a slip), UntrustedIssuer (a key this kiosk does not
    trust), or BadSignature (altered or forged, including a trusted key's slip whose kid was
    changed); nothing else."""
    if not isinstance(text, str):
        raise MalformedProof("This is not a district slip.")
    cleaned = text.strip()
    if len(cleaned) > _MAX_CHARS or not cleaned.isascii():
        raise MalformedProof(DAMAGED)
    cleaned = cleaned.upper()
    if not cleaned.startswith(PREFIX):
        raise MalformedProof("This is not a district slip.")
    body = _b32decode(cleaned[len(PREFIX):])
    if not _MIN_BODY <= len(body) <= _MAX_BODY:
        raise MalformedProof(DAMAGED)
    signed, signature = body[:-_SIG_BYTES], body[-_SIG_BYTES:]
    kid = signed[:_KID_BYTES].hex()
    days = int.from_bytes(signed[_KID_BYTES:_KID_BYTES + 2], "big")
    award_id = _award_id(signed[_KID_BYTES + 2:])
    key = trusted.get(kid)
    if key is None:
        if _altered_kid(signed[_KID_BYTES:], signature, trusted):
            raise BadSignature("This slip has been altered or forged.")
        raise UntrustedIssuer("This slip was signed by a key this kiosk does not trust.")
    try:
        key.verify(signature, _DOMAIN + signed)
    except InvalidSignature as exc:
        raise BadSignature("This slip has been altered or forged.") from exc
    return Slip(award_id=award_id, issued_on=EPOCH + timedelta(days=days), kid=kid)


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """``ed25519:`` + unpadded base64url of the raw 32-byte key, for kiosks to trust."""
    raw = base64.urlsafe_b64encode(_raw_public(public_key)).decode("ascii").rstrip("=")
    return _PUBLIC_PREFIX + raw


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """The key from :func:`public_key_text`'s form; MalformedProof for anything else."""
    bad = MalformedProof("That is not a district public key (it starts with ed25519:).")
    if not isinstance(text, str):
        raise bad
    cleaned = text.strip()
    if len(cleaned) > 80 or cleaned[: len(_PUBLIC_PREFIX)].lower() != _PUBLIC_PREFIX:
        raise bad
    try:
        raw = b64url_decode(cleaned[len(_PUBLIC_PREFIX):])
    except MalformedProof:
        raise bad from None
    if len(raw) != 32:
        raise bad
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise bad from exc
