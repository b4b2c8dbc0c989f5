"""What a verdict says about a signed proof's revocation check: the lists it was checked
against and as of when, or the lists it names that were not read and why.

``kiosk verify --json`` gives it as ``checked.revocation``; the scan page shows its words. A
check that was not made is never passed off as one that was (docs/proofs.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from ..domain.facts import ListCheck
from ..domain.payload import Proof
from . import lookups
from .trust import filed_list

REFUSE = "refuse"  # UNCHECKED_REVOCATION: refuse such a badge; "warn" hands it out, warned
ADVICE = ("The district's settings refuse a badge whose revocation cannot be checked on this "
          "kiosk. Ask the district office to import the issuer's list, then scan again.")


def refuse_unchecked() -> bool:
    """The district's setting: refuse a signed badge whose list is not in the cache."""
    return current_app.config.get("UNCHECKED_REVOCATION", "warn") == REFUSE


def summary(proof: Proof | None) -> dict[str, Any] | None:
    """``checked.revocation`` for a signed proof (None when it names no issuer's list to
    check, as a link, an id or a district slip does not)."""
    signed = proof.signed if proof is not None else None
    check = signed.revocation if signed is not None else None
    if check is None:
        return None
    lists = [_entry(item) for item in check.lists]
    return {"checked": check.checked, "lists": lists, "words": _words(lists)}


def _entry(item: ListCheck) -> dict[str, Any]:
    if not item.read:
        return {"url": item.url or None, "checked": False, "why": item.why}
    row = filed_list(item.url)
    as_of = row.imported_at if row is not None else None
    return {"url": item.url, "checked": True, "filed_as": row.id if row is not None else None,
            "as_of": as_of.isoformat() if as_of is not None else None}


def _words(lists: list[dict[str, Any]]) -> str:
    if not lists:
        return ("The badge names no revocation list of its issuer; only the district's badge "
                "data says whether it was revoked.")
    read = [f"{e['url']} (as of {_local(e)})" for e in lists if e["checked"]]
    unread = [f"the list {e['url'] or 'it names'} {e['why']}" for e in lists
              if not e["checked"]]
    said = ""
    if unread:
        said = f"Revocation not checked: {'; '.join(unread)}."
    if read:
        said += (" " if said else "") + (
            f"Checked against the issuer's revocation list{'s' if len(read) > 1 else ''} "
            f"{' and '.join(read)}.")
    return said


def _local(entry: dict[str, Any]) -> str:
    if not entry.get("as_of"):
        return "an unknown date"
    moment = datetime.fromisoformat(entry["as_of"])
    return moment.astimezone(lookups.timezone()).strftime("%d %b %Y %H:%M")
