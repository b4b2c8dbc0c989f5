"""Revocation checks against cached documents: OB 2.0 RevocationList, OB 3.0
1EdTechRevocationList and W3C Bitstring Status List (also StatusList2021)."""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.domain.inflate import InflateError, inflate_capped
from kiosk.domain.keys import b64url_decode
from kiosk.domain.proof_errors import MalformedProof

MIN_STATUS_LIST_BITS = 131_072  # 16 KB, the minimum the W3C spec asks for (herd privacy)
MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024  # decompression bomb guard
MAX_ENCODED_LIST_CHARS = 4 * 1024 * 1024


def _reason(entry: Mapping[str, object]) -> str:
    reason = entry.get("revocationReason")
    return reason if isinstance(reason, str) else ""


def ob2_revoked(
    revocation_list: Mapping[str, object], assertion_id: str, assertion_uid: str | None = None
) -> str | None:
    """The revocation reason ("" when none is given) if the assertion is listed, else None.

    ``revokedAssertions`` entries may be the assertion id as a string, ``{id,
    revocationReason}``, or the legacy ``{uid, revocationReason}``.
    """
    if not isinstance(revocation_list, dict):
        return None
    entries = revocation_list.get("revokedAssertions")
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if isinstance(entry, str):
            if entry and entry == assertion_id:
                return ""
        elif isinstance(entry, dict):
            listed_id = entry.get("id")
            if isinstance(listed_id, str) and listed_id and listed_id == assertion_id:
                return _reason(entry)
            uid = entry.get("uid")
            if assertion_uid and isinstance(uid, str) and uid == assertion_uid:
                return _reason(entry)
    return None


def ob3_revoked(list_doc: Mapping[str, object], credential_id: str) -> str | None:
    """The revocation reason ("" when none) if a 1EdTechRevocationList lists the credential.

    Accepts ``revokedCredential`` and ``revokedCredentials``, at top level or under
    ``credentialSubject`` (when the list is itself a credential).
    """
    if not isinstance(list_doc, dict) or not credential_id:
        return None
    places: list[Mapping[str, object]] = [list_doc]
    subject = list_doc.get("credentialSubject")
    if isinstance(subject, dict):
        places.append(subject)
    elif isinstance(subject, list):
        places.extend(s for s in subject if isinstance(s, dict))
    for place in places:
        for key in ("revokedCredential", "revokedCredentials"):
            entries = place.get(key)
            if isinstance(entries, (str, dict)):
                entries = [entries]
            if not isinstance(entries, list):
                continue
            for entry in entries:
                if isinstance(entry, str) and entry == credential_id:
                    return ""
                if isinstance(entry, dict) and entry.get("id") == credential_id:
                    return _reason(entry)
    return None


_INFLATE_PROBLEMS = {
    "damaged": "encodedList does not decompress",
    "too_large": "status list too large",
    "truncated": "encodedList is truncated",
}


def decode_status_list(encoded_list: str) -> bytes:
    """The uncompressed bitstring of a Bitstring Status List ``encodedList``.

    The spec form is multibase base64url without padding ('u' prefix) of GZIP data. The
    older StatusList2021 examples have no multibase prefix; GZIP data in base64url always
    starts with "H4sI", so both forms are told apart without guessing.
    """
    if not isinstance(encoded_list, str) or len(encoded_list) > MAX_ENCODED_LIST_CHARS:
        raise MalformedProof("encodedList is not text of a sane size")
    text = encoded_list.strip()
    if text.startswith("u"):
        text = text[1:]
    elif not text.startswith("H4sI"):
        raise MalformedProof("encodedList is not multibase base64url")
    compressed = b64url_decode(text)
    if compressed[:2] != b"\x1f\x8b":
        raise MalformedProof("encodedList is not GZIP data")
    try:
        bits = inflate_capped(compressed, MAX_STATUS_LIST_BYTES, gzip=True)
    except InflateError as exc:
        raise MalformedProof(_INFLATE_PROBLEMS[exc.problem]) from None
    if len(bits) * 8 < MIN_STATUS_LIST_BITS:
        raise MalformedProof("status list shorter than 131,072 entries")
    return bits


def status_bit(bits: bytes, index: int) -> bool:
    """Bit ``index`` of a decoded list: index 0 is the most significant bit of byte 0."""
    if isinstance(index, bool) or not isinstance(index, int):
        raise MalformedProof("status list index is not an integer")
    if not 0 <= index < len(bits) * 8:
        raise MalformedProof("status list index out of range")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def bitstring_status(encoded_list: str, index: int) -> bool:
    """Whether the status bit at ``index`` is set (True means revoked, for purpose
    ``revocation``)."""
    return status_bit(decode_status_list(encoded_list), index)


def status_index(value: object) -> int:
    """``statusListIndex`` as found in a credential (the spec writes it as a string)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise MalformedProof("statusListIndex is not an integer")
