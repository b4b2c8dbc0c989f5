"""Open Badges documents on the hub (issuer profiles, keys, JWKS, badge classes, revocation
and status lists, baked images): each file is stored once and passed on to every kiosk as it
is, and a revocation list revokes the district's own awards it names (what they are owed
follows: services/owed_count.py)."""

from __future__ import annotations

import base64
import hashlib

from sqlalchemy import select

from kiosk.services import badge_documents
from kiosk.services.cache_import import RowError

from ..db import hub_transaction
from ..models import HubAward, HubCredential, HubDocument, utcnow
from . import changes, owed_count
from .award_changes import AWARD_FIELDS, award_change


def store_documents(files: list[tuple[str, bytes]], credential: str | None,
                    issuer: str | None, url: str | None = None) -> int:
    """Store and pass on each file of Open Badges documents (with the URL its list was
    published at, if given); apply revocation lists to the district's own awards. The files
    new to the hub."""
    stored = 0
    with hub_transaction() as session:
        out = []
        for name, data in files:
            # the same file again is no change; the same file published at a new URL is one
            digest = hashlib.sha256(data + (b"\n" + url.encode() if url else b"")).hexdigest()
            if session.get(HubDocument, digest) is not None:
                continue
            session.add(HubDocument(id=digest, digest=digest, updated_at=utcnow()))
            stored += 1
            sent = {"name": name, "content": base64.b64encode(data).decode("ascii"),
                    "credential": credential, "issuer": issuer}
            if url:
                sent["url"] = url
            out.append(changes.Change("document", sent))
            for item in badge_documents.read_documents(name, data):
                _revoke_listed(session, item.document, out)
        changes.record(session, out)
    return stored


def _revoke_listed(session, doc: object, out: list[changes.Change]) -> None:  # type: ignore[no-untyped-def]
    if not isinstance(doc, dict):
        return
    try:
        kind = badge_documents.kind_of(doc)
    except RowError:
        return
    if kind not in (badge_documents.Kind.OB2_LIST, badge_documents.Kind.OB3_LIST):
        return
    version = "ob2" if kind is badge_documents.Kind.OB2_LIST else "ob3"
    listed = dict(badge_documents.revoked_ids(doc, version))
    if not listed:
        return
    names = {c.id: c.name for c in session.scalars(select(HubCredential))}
    revoked = set()
    for award in session.scalars(select(HubAward).where(HubAward.id.in_(list(listed)))):
        if award.revoked:
            continue
        revoked.add(award.employee_id)
        award.revoked = True
        award.revocation_reason = listed[award.id] or badge_documents.REVOKED
        award.updated_at = utcnow()
        row = {k: getattr(award, k) for k in ("id", *AWARD_FIELDS)}
        out.append(changes.Change("award", award_change(row, names[award.credential_id])))
    session.flush()
    owed_count.refresh(session, revoked)
