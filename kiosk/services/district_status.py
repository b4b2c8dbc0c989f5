"""What the sync badge and the Sync page say about this kiosk and the district hub: enrolled or
not, its first sync running or waiting, online or offline, events waiting or refused, the last
sync, and how fresh the district's data is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app

from kiosk.sync import outbox
from kiosk.sync.worker import worker_of

from ..extensions import db
from ..models import utcnow
from . import lookups
from .district import BUNDLE_AS_OF, ENROLLED_AT, LAST_ERROR, LAST_OK, enrollment


@dataclass(frozen=True)
class SyncStatus:
    enrolled: bool
    online: bool
    waiting: int
    rejected: int
    last_ok: datetime | None
    error: str
    data_as_of: datetime | None
    stale: bool  # no sync for longer than SYNC_WARN_DAYS (before the first: since enrolling)
    enrolled_at: datetime | None = None  # None: not enrolled, or enrolled by an older version
    first_sync: bool = False  # enrolled, and no sync has gone through since
    syncing: bool = False  # the sync worker of `kiosk serve` is syncing now, or about to

    @property
    def state(self) -> str:
        """not_enrolled, first_sync_running, first_sync_waiting, online or offline."""
        if not self.enrolled:
            return "not_enrolled"
        if self.first_sync:
            return "first_sync_running" if self.syncing else "first_sync_waiting"
        return "online" if self.online else "offline"

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
    enrolled_at = _time(lookups.get_setting(ENROLLED_AT)) if enrolled else None
    error = lookups.get_setting(LAST_ERROR) or ""
    first_sync = enrolled and last_ok is None  # (enrolling forgets an earlier last sync)
    # Stale counts from the last sync, or before the first from the enrollment, or from the
    # date of the district's data a district bundle brought when newer; a kiosk enrolled by
    # an older version, which did not note when, is stale until it syncs.
    data_as_of = lookups.badge_data_as_of()
    bundle = _time(lookups.get_setting(BUNDLE_AS_OF)) if enrolled else None
    fresh = [t if t.tzinfo else t.replace(tzinfo=UTC)
             for t in (enrolled_at if first_sync else last_ok, bundle) if t is not None]
    since = max(fresh) if fresh else None
    warn_after = timedelta(days=float(current_app.config["SYNC_WARN_DAYS"]))
    stale = enrolled and (since is None or utcnow() - since > warn_after)
    worker = worker_of(current_app)
    return SyncStatus(
        enrolled=enrolled, online=enrolled and not first_sync and not error,
        waiting=outbox.waiting_count(db.session), rejected=outbox.rejected_count(db.session),
        last_ok=last_ok, error=error, data_as_of=data_as_of, stale=stale,
        enrolled_at=enrolled_at, first_sync=first_sync,
        syncing=enrolled and worker is not None and worker.busy)


def stale_sync_warning() -> str:
    """What to say at login when this kiosk has not synced for too long; "" otherwise."""
    status = sync_status()
    if not status.stale:
        return ""
    zone = lookups.timezone()
    if status.first_sync and status.enrolled_at is not None:
        when = ("has not synced with the district since it enrolled on "
                f"{status.enrolled_at.astimezone(zone):%a %d %b %Y}")
    elif status.last_ok is None:
        when = "has never synced with the district"
    else:
        when = f"last synced with the district on {status.last_ok.astimezone(zone):%a %d %b %Y}"
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
