"""Small readers for the JSON inside badges: ids, names, dates and recipients.

Badge JSON comes from strangers, so every reader takes ``object`` and either returns a clean
value or raises :class:`MalformedProof` with words a person can act on.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime

from kiosk.domain.facts import EMAIL_TYPES, Recipient
from kiosk.domain.proof_errors import MalformedProof

MAX_ID_CHARS = 512


def node_id(value: object, what: str, required: bool = True) -> str:
    """The id of a JSON-LD node given as an IRI string or an object with ``id``."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str) and len(value) <= MAX_ID_CHARS:
        value = value.strip()
        if value:
            return value
    elif value is None and not required:
        return ""
    raise MalformedProof(f"The badge has no usable {what}.")


def node_name(value: object) -> str:
    """The ``name`` of an embedded object, or "" (names are for people, never for trust)."""
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str):
            if name.isprintable() and "  " not in name and name == name.strip():
                return name[:300]  # the usual name, already tidy: no need to split it
            return " ".join(name.split())[:300]
    return ""


def first_object(value: object) -> Mapping[str, object] | None:
    """``value`` if it is an object, the first object of a list, else None."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                return item
    return None


def types_of(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {t for t in value if isinstance(t, str)}
    return set()


def has_type(value: object, names: Collection[str]) -> bool:
    """Whether a JSON-LD ``type`` (one name or a list of them) is one of ``names``."""
    if isinstance(value, str):
        return value in names
    if isinstance(value, list):
        for name in value:
            if isinstance(name, str) and name in names:
                return True
    return False


def when(value: object, what: str) -> datetime | None:
    """An ISO 8601 date or date-time as an aware datetime (UTC when no zone is given)."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise MalformedProof(f"The badge's {what} is not a date.")
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise MalformedProof(f"The badge's {what} is not a date.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch(value: object, what: str) -> datetime:
    """A JWT NumericDate claim (seconds since 1970) as an aware datetime."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MalformedProof(f"The token's {what} is not a time.")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedProof(f"The token's {what} is not a time.") from None


def _hashed(value: object) -> bool:
    # OB 2.0 says boolean; early issuers wrote the string "true".
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def ob2_recipient(value: object) -> Recipient:
    """An OB 2.0 ``recipient`` IdentityObject."""
    if not isinstance(value, dict):
        raise MalformedProof("The badge does not say who it was awarded to.")
    identity = value.get("identity")
    if not isinstance(identity, str) or not identity.strip():
        raise MalformedProof("The badge does not say who it was awarded to.")
    salt = value.get("salt")
    kind = value.get("type")
    return Recipient(
        identity=identity.strip(),
        hashed=_hashed(value.get("hashed")),
        salt=salt if isinstance(salt, str) else None,
        type=kind if isinstance(kind, str) else "email",
    )


def ob3_recipient(subject: Mapping[str, object]) -> Recipient | None:
    """The recipient of an OB 3.0 credential: an email ``identifier`` if there is one, else
    the first identifier, else a ``mailto:`` subject id. None when it names nobody we know."""
    identifiers = subject.get("identifier")
    first: tuple[Mapping[str, object], str] | None = None
    for item in identifiers if isinstance(identifiers, list) else (identifiers,):
        if not isinstance(item, dict):
            continue
        identity = item.get("identityHash")
        if not isinstance(identity, str) or not identity.strip():
            continue
        kind = item.get("identityType")
        if isinstance(kind, str) and kind.lower() in EMAIL_TYPES:
            return _identifier(item, identity)
        if first is None:
            first = (item, identity)
    subject_id = subject.get("id")
    if isinstance(subject_id, str) and subject_id.lower().startswith("mailto:"):
        return Recipient(identity=subject_id[7:], hashed=False, type="emailAddress")
    return _identifier(*first) if first else None


def _identifier(item: Mapping[str, object], identity: str) -> Recipient:
    """An OB 3.0 IdentityObject, its ``identityHash`` known to be usable text."""
    salt, kind = item.get("salt"), item.get("identityType")
    return Recipient(  # identity, hashed, salt, type: by position, as keywords cost more
        identity.strip(),
        _hashed(item.get("hashed")),
        salt if isinstance(salt, str) else None,
        kind if isinstance(kind, str) else "",
    )
