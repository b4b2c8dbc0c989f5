"""What the sync badge and the Sync page say about this kiosk and the district hub: enrolled or
not, online or offline, events waiting or refused, the last sync, and how fresh the district's
data is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from kiosk.sync import outbox

from ..extensions import db
from ..models import utcnow
from . import lookups
from .district import LAST_ERROR, LAST_OK, enrollment


@dataclass(frozen=True)
class SyncStatus:
    enrolled: bool
    online: bool
    waiting: int
    rejected: int
    last_ok: datetime | None
    error: str
    data_as_of: datetime | None
    stale: bool  # no sync for longer than SYNC_WARN_DAYS

    @property
    def level(self) -> str:
        if self.rejected or self.stale:
            return "bad"
        if not self.enrolled or not self.online or self.waiting:
            return "warn"
        return "good"


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def sync_status() -> SyncStatus:
    enrolled = enrollment() is not None
    last_ok = _time(lookups.get_setting(LAST_OK))
    error = lookups.get_setting(LAST_ERROR) or ""
    warn_after = timedelta(days=float(current_app.config["SYNC_WARN_DAYS"]))
    stale = enrolled and (last_ok is None or utcnow() - last_ok > warn_after)
    return SyncStatus(
        enrolled=enrolled, online=enrolled and not error and last_ok is not None,
        waiting=outbox.waiting_count(db.session), rejected=outbox.rejected_count(db.session),
        last_ok=last_ok, error=error, data_as_of=lookups.badge_data_as_of(), stale=stale)


def stale_sync_warning() -> str:
    """What to say at login when this kiosk has not synced for too long; "" otherwise."""
    status = sync_status()
    if not status.stale:
        return ""
    when = ("has never synced with the district" if status.last_ok is None else
            f"last synced with the district on "
            f"{status.last_ok.astimezone(lookups.timezone()):%a %d %b %Y}")
    return (f"This kiosk {when}. Verdicts use badge data that may be out of date: connect it "
            "to the network, or carry a sync bundle to the district (Sync page).")


def event_rows(limit: int = 200) -> list[dict[str, Any]]:
    """The outbox for the Sync page: rejected events first, then the newest."""
    from sqlalchemy import case, select

    from ..models import OutboxEvent

    rows = db.session.scalars(select(OutboxEvent).order_by(
        case((OutboxEvent.status == "rejected", 0), else_=1), OutboxEvent.seq.desc())
        .limit(limit))
    return [{"seq": e.seq, "kind": e.kind, "status": e.status, "created_at": e.created_at,
             "sent_at": e.sent_at, "error": e.last_error, "payload": json.loads(e.payload)}
            for e in rows]
