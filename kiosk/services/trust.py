"""The cached facts a signed proof is checked against, read from the kiosk's database.

:class:`DatabaseFacts` answers the domain's :class:`~kiosk.domain.facts.CachedFacts` protocol
with read-only queries. Parsed keys and decoded status lists are kept in a small process-wide
memo keyed by the stored text, so a re-import (new text) is picked up at once.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from ..domain.facts import BadgeClassFacts, IssuerFacts, KeyFacts
from ..domain.keys import PublicKey, key_from_jwk, key_from_pem
from ..domain.proof_errors import ProofError
from ..domain.revocation import decode_status_list
from ..extensions import db
from ..models import BadgeClass, Issuer, IssuerKey, RevocationList
from ..models_issuers import RevocationListUrl

_MEMO_LIMIT = 512
_memo: dict[str, Any] = {}
_memo_lock = threading.Lock()


def _remember(kind: str, text: str, make: Any) -> Any:
    """``make(text)`` memoised by the hash of ``text``; a failure is remembered as None."""
    tag = kind + ":" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    with _memo_lock:
        if tag in _memo:
            return _memo[tag]
    try:
        value = make(text)
    except ProofError:
        value = None
    with _memo_lock:
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        _memo[tag] = value
    return value


def parse_key(kind: str, material: str) -> PublicKey | None:
    if kind == "pem":
        return _remember("pem", material, key_from_pem)  # type: ignore[no-any-return]
    return _remember("jwk", material, lambda t: key_from_jwk(json.loads(t)))  # type: ignore[no-any-return]


class DatabaseFacts:
    """The badge cache as the domain's ``CachedFacts``. One per check; it reads lazily."""

    def __init__(self) -> None:
        self.s = db.session
        self._district: Mapping[str, ed25519.Ed25519PublicKey] | None = None

    def issuer(self, issuer_id: str) -> IssuerFacts | None:
        row = self.s.get(Issuer, issuer_id)
        if row is None:
            return None
        key_ids = tuple(json.loads(row.key_ids)) if row.key_ids is not None else None
        return IssuerFacts(id=row.id, name=row.name, key_ids=key_ids,
                           revocation_list=row.revocation_list or None)

    def badge_class(self, badge_class_id: str) -> BadgeClassFacts | None:
        row = self.s.get(BadgeClass, badge_class_id)
        if row is None:
            return None
        return BadgeClassFacts(id=row.id, issuer_id=row.issuer_id, name=row.name)

    def key(self, key_id: str) -> KeyFacts | None:
        row = self.s.get(IssuerKey, key_id)
        return _key_facts(row) if row is not None else None

    def issuer_keys(self, issuer_id: str) -> tuple[KeyFacts, ...]:
        rows = self.s.scalars(select(IssuerKey).where(IssuerKey.owner == issuer_id).limit(50))
        return tuple(k for k in (_key_facts(r) for r in rows) if k is not None)

    def revocation_list(self, list_id: str) -> Mapping[str, object] | None:
        row = filed_list(list_id)
        if row is None or row.kind == "bitstring":
            return None
        doc = json.loads(row.document)
        return doc if isinstance(doc, dict) else None

    def status_list(self, list_id: str) -> bytes | None:
        row = filed_list(list_id)
        if row is None or row.kind != "bitstring":
            return None
        return _remember("bits", row.document, _status_bits)  # type: ignore[no-any-return]

    def district_keys(self) -> Mapping[str, ed25519.Ed25519PublicKey]:
        if self._district is None:
            from .district_keys import trusted_district_keys

            self._district = trusted_district_keys()
        return self._district


def filed_list(url: str) -> RevocationList | None:
    """The cached list a badge names by ``url``: the list with that ``id``, else the list
    published at that URL (``RevocationListUrl``)."""
    row = db.session.get(RevocationList, url)
    if row is None:
        published = db.session.get(RevocationListUrl, url)
        if published is not None:
            row = db.session.get(RevocationList, published.list_id)
    return row


def _key_facts(row: IssuerKey) -> KeyFacts | None:
    key = parse_key(row.kind, row.material)
    if key is None:
        return None
    return KeyFacts(id=row.id, owner=row.owner, key=key, kid=row.kid)


def _status_bits(document: str) -> bytes:
    doc = json.loads(document)
    subject = doc.get("credentialSubject") if isinstance(doc, dict) else None
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    encoded = subject.get("encodedList") if isinstance(subject, dict) else None
    return decode_status_list(encoded if isinstance(encoded, str) else "")
