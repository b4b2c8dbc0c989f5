"""Revocation and status lists filed under the URLs they were published at.

A badge names its issuer's list by the URL it was issued with (``revocationList``,
``statusListCredential``, the ``id`` of a 1EdTechRevocationList entry), and a list is filed
under its own ``id``. When the two differ, the list is filed under the URL as well
(``revocation_list_url``), which comes from:

- the ``--url`` of ``kiosk cache import`` (or ``kiosk hub cache-import``, passed on to every
  kiosk with the document): where the district got the list;
- the list's own ``url`` member, where it records one.

:func:`kiosk.services.trust.filed_list` finds a list under either.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import utcnow
from ..models_issuers import RevocationListUrl
from .badge_documents import Document, DocumentError, Item, Kind, is_absolute_id, kind_of

LIST_KINDS = (Kind.OB2_LIST, Kind.OB3_LIST, Kind.STATUS_LIST)
MAX_URL = 512


def usable_url(value: object) -> str:
    """``value`` as a list URL, or "" when it cannot be one (not absolute, too long, spaces
    or control characters)."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if (not url or len(url) > MAX_URL or not url.isprintable() or any(c.isspace() for c in url)
            or not is_absolute_id(url)):
        return ""
    return url


def checked_url(url: str | None, items: Iterable[Item]) -> str | None:
    """The ``--url`` option, checked: an absolute URL, and the files hold exactly one
    revocation or status list for it to name. InvalidInput otherwise (nothing is written)."""
    if url is None or not url.strip():
        return None
    clean = usable_url(url)
    if not clean:
        raise InvalidInput(f"--url {url[:80]!r} is not an absolute URL (https://...) of at "
                           "most 512 characters.")
    lists = sum(1 for item in items if item.document is not None and _is_list(item.document))
    if lists != 1:
        raise InvalidInput(f"--url says where one revocation or status list was published, "
                           f"but the files hold {lists}; import each list with its own --url.")
    return clean


def _is_list(doc: Document) -> bool:
    try:
        return kind_of(doc) in LIST_KINDS
    except DocumentError:
        return False


def published_urls(doc: Document, given: str | None = None) -> list[str]:
    """The URLs a list was published at: ``given`` (the import's ``--url``) and the list's own
    ``url`` member (one URL or a list of them)."""
    own = doc.get("url")
    found = [given or "", *(own if isinstance(own, list) else [own])]
    return list(dict.fromkeys(u for u in map(usable_url, found) if u))


def file_list(session: Session, list_id: str, doc: Document, given: str | None = None) -> bool:
    """File the list ``list_id`` under the URLs it was published at; whether that changed
    anything. A URL filed for another list before now names this one: the newest import
    says where a list is published."""
    changed = False
    for url in published_urls(doc, given):
        if url == list_id:
            continue
        row = session.get(RevocationListUrl, url)
        if row is None:
            session.add(RevocationListUrl(url=url, list_id=list_id))
            changed = True
        elif row.list_id != list_id:
            row.list_id, row.imported_at = list_id, utcnow()
            changed = True
    return changed
