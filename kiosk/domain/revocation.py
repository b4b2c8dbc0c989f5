"""Revocation checks against cached documents: OB 2.0 RevocationList, OB 3.0
1EdTechRevocationList and W3C Bitstring Status List (also StatusList2021).

A list is looked up by the URL the badge names (``revocationList`` of the OB 2.0 issuer,
``credentialStatus.id`` of a 1EdTechRevocationList entry, ``statusListCredential`` of a status
list entry). A list the cache does not hold is not read as "not revoked": the
:class:`~kiosk.domain.facts.RevocationCheck` that comes with the answer says which lists were
read and why the others were not (the Bitstring Status List spec makes a list that cannot be
retrieved an error, not a pass)."""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.domain.claims import has_type, node_id, types_of
from kiosk.domain.facts import CachedFacts, ListCheck, RevocationCheck
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


# --- which lists a badge names, and what they say ------------------------------------------

NOT_HELD = "is not in the badge data on this kiosk"
NO_URL = "has no URL in the badge"
_STATUS_LIST_TYPES = {"BitstringStatusListEntry", "StatusList2021Entry"}
_REVOCATION_LIST_TYPES = {"1EdTechRevocationList"}
_PURPOSES = ("revocation", "suspension")


def ob2_check(list_url: str | None, award_id: str, uid: str | None,
              facts: CachedFacts) -> tuple[str | None, RevocationCheck]:
    """The revocation reason from the issuer's RevocationList (None: not listed), and which
    list was read."""
    if not list_url:
        return None, RevocationCheck()
    listed = facts.revocation_list(list_url)
    if listed is None:
        return None, RevocationCheck((ListCheck(list_url, False, NOT_HELD),))
    return ob2_revoked(listed, award_id, uid), RevocationCheck((ListCheck(list_url, True),))


def ob3_check(credential: Mapping[str, object], award_id: str,
              facts: CachedFacts) -> tuple[str | None, RevocationCheck]:
    """The revocation reason from the lists an OB 3.0 credential's ``credentialStatus``
    names (None: none revokes it), and which of them were read. A status entry for another
    purpose (``refresh``, ``message``) is no revocation check and is passed over; an entry the
    kiosk cannot read (another type, entries of more than one bit) is a check not made."""
    statuses = credential.get("credentialStatus")
    if statuses is None:
        return None, RevocationCheck()
    reason: str | None = None
    checks: list[ListCheck] = []
    for entry in statuses if isinstance(statuses, list) else (statuses,):
        if not isinstance(entry, dict):
            checks.append(ListCheck("", False, "is named in a way the kiosk cannot read"))
            continue
        kinds = entry.get("type")
        if has_type(kinds, _REVOCATION_LIST_TYPES):
            url = node_id(entry.get("id"), "revocation list", required=False)
            listed = facts.revocation_list(url) if url else None
            if listed is None:
                checks.append(ListCheck(url, False, NOT_HELD if url else NO_URL))
                continue
            found = ob3_revoked(listed, award_id)
        elif has_type(kinds, _STATUS_LIST_TYPES):
            purpose = entry.get("statusPurpose", "revocation")
            if purpose not in _PURPOSES:
                continue
            url = node_id(entry.get("statusListCredential"), "status list", required=False)
            size = entry.get("statusSize", 1)
            if size != 1 or isinstance(size, bool):
                checks.append(ListCheck(url, False, "has entries of more than one bit, which "
                                                    "the kiosk does not read"))
                continue
            bits = facts.status_list(url) if url else None
            if bits is None:
                checks.append(ListCheck(url, False, NOT_HELD if url else NO_URL))
                continue
            found = None
            if status_bit(bits, status_index(entry.get("statusListIndex"))):
                found = "Suspended by the issuer." if purpose == "suspension" else ""
        else:
            raw_id = entry.get("id")
            url = raw_id[:512] if isinstance(raw_id, str) else ""
            shown = ", ".join(sorted(types_of(kinds)))[:100] or "no type"
            checks.append(ListCheck(url, False, f"is of a kind ({shown}) the kiosk does not "
                                                "read"))
            continue
        checks.append(ListCheck(url, True))
        if reason is None:
            reason = found
    return reason, RevocationCheck(tuple(checks))
