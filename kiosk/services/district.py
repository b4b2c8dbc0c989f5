"""This kiosk and the district hub: enrollment, push, pull, sync bundles and the sync badge.

- **Enroll** once with a one-time code (`kiosk enroll`). The hub gives a token, kept in the
  instance folder (mode 0600); the kiosk makes its own Ed25519 key, which signs its sync bundles.
- **Push** the outbox in batches, oldest first. The hub answers per event: accepted or
  duplicate (sent), or rejected (kept as rejected for a person to look at, never deleted). A
  refusal of the whole request (a revoked kiosk) changes nothing here.
- **Pull** the district's changes by cursor, a page per transaction with the cursor saved in
  the same transaction: a pull cut off half way starts again where it stopped.
- **Export** a signed bundle of every event the hub has not acknowledged, for the USB stick.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import current_app

from kiosk.sync import outbox
from kiosk.sync.client import HubClient, HubRefused, HubUnreachable, check_url
from kiosk.sync.protocol import (
    BUNDLE_FORMAT,
    MAX_PAGE,
    PROTOCOL,
    public_key_text,
    sign_bundle,
    time_text,
)

from ..db import write_transaction
from ..errors import InvalidInput, KioskError
from ..extensions import db
from ..models import utcnow
from . import district_changes, lookups

HUB_URL, KIOSK_ID, HUB_BUILDING = "hub:url", "hub:kiosk_id", "hub:building"
CURSOR, LAST_OK, LAST_TRY, LAST_ERROR = "sync:cursor", "sync:last_ok", "sync:last_try", \
    "sync:last_error"
TOKEN_FILE, KEY_FILE = "hub-token", "kiosk-key.pem"
PUSH_BATCH = 200


def _instance() -> Path:
    return Path(current_app.instance_path)


def _write_secret(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _kiosk_key(create: bool = False) -> ed25519.Ed25519PrivateKey | None:
    path = _instance() / KEY_FILE
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        return key
    if not create:
        return None
    key = ed25519.Ed25519PrivateKey.generate()
    _write_secret(path, key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return key


@dataclass(frozen=True)
class Enrollment:
    hub: str
    kiosk_id: str
    building: str


def enrollment() -> Enrollment | None:
    url, kiosk_id = lookups.get_setting(HUB_URL), lookups.get_setting(KIOSK_ID)
    if not url or not kiosk_id or not (_instance() / TOKEN_FILE).exists():
        return None
    return Enrollment(url, kiosk_id, lookups.get_setting(HUB_BUILDING) or "")


def _client(timeout: float = 15.0) -> tuple[HubClient, Enrollment]:
    found = enrollment()
    if found is None:
        raise InvalidInput("This kiosk is not enrolled with a district hub yet "
                           "(`kiosk enroll --hub URL --code CODE`).")
    token = (_instance() / TOKEN_FILE).read_text().strip()
    return HubClient(found.hub, token, timeout), found


def enroll(hub_url: str, code: str, kiosk_name: str = "") -> Enrollment:
    try:
        url = check_url(hub_url)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    building = lookups.this_building().name
    key = _kiosk_key(create=True)
    assert key is not None
    try:
        answer = HubClient(url).enroll(code, building, kiosk_name or building,
                                       public_key_text(key.public_key()))
    except HubRefused as exc:
        raise InvalidInput(f"The hub refused: {exc.message}") from None
    except HubUnreachable as exc:
        raise KioskError(f"Could not reach the hub: {exc}. Nothing was changed.") from None
    token, kiosk_id = str(answer.get("token", "")), str(answer.get("kiosk_id", ""))
    if not token or not kiosk_id:
        raise KioskError("The hub's answer had no token. Nothing was changed.")
    _write_secret(_instance() / TOKEN_FILE, token.encode("ascii"))
    with write_transaction():
        lookups.set_setting(HUB_URL, url)
        lookups.set_setting(KIOSK_ID, kiosk_id)
        lookups.set_setting(HUB_BUILDING, str(answer.get("building", building)))
        lookups.set_setting(CURSOR, "0")
    return Enrollment(url, kiosk_id, str(answer.get("building", building)))


# --- one sync ------------------------------------------------------------------------------


@dataclass
class SyncReport:
    pushed: int = 0
    duplicates: int = 0
    rejected: int = 0
    pulled: int = 0
    error: str = ""
    refused: bool = False  # the hub refused the request as a whole (4xx)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def summary(self) -> str:
        text = (f"pushed {self.pushed} events ({self.duplicates} the hub had already, "
                f"{self.rejected} refused), pulled {self.pulled} changes")
        return text + (f"; stopped: {self.error}" if self.error else "")


def sync_once(timeout: float = 15.0) -> SyncReport:
    """Push what is waiting, then pull what is new. Never raises for a network problem: the
    report says what happened, and the badge shows it."""
    client, found = _client(timeout)
    report = SyncReport()
    _note(LAST_TRY, time_text(utcnow()))
    try:
        push_all(client, found, report)
        pull_all(client, report)
    except HubRefused as exc:
        report.error, report.refused = exc.message, True
    except HubUnreachable as exc:
        report.error = str(exc)
    _finish(report)
    return report


def push_all(client: HubClient, found: Enrollment, report: SyncReport) -> None:
    while True:
        db.session.rollback()
        batch = outbox.pending(db.session, PUSH_BATCH)
        if not batch:
            return
        answer = client.push(found.kiosk_id, [outbox.as_event(e).as_json() for e in batch],
                             time_text(utcnow()))
        results = {r.get("id"): r for r in answer.get("results", []) if isinstance(r, dict)}
        sent, refused, now = [], 0, utcnow()
        with write_transaction() as session:
            for event in batch:
                result = results.get(event.id)
                if result is None:
                    continue  # not answered: stays pending, tried again
                if result.get("status") in ("accepted", "duplicate"):
                    sent.append(event.id)
                    report.duplicates += result.get("status") == "duplicate"
                else:
                    outbox.mark_rejected(session, event.id, str(result.get("reason", "")))
                    refused += 1
            outbox.mark_sent(session, sent, now)
        report.pushed += len(sent)
        report.rejected += refused
        if not sent and not refused:
            raise HubUnreachable("the hub answered about none of the events sent")


def pull_all(client: HubClient, report: SyncReport) -> None:
    """Pull page after page until the hub says there is no more. The next page is fetched
    while this one is applied (the hub's work and the kiosk's overlap); at most two pages are
    in memory, whatever the size of the district."""
    cursor = int(lookups.get_setting(CURSOR) or 0)
    db.session.rollback()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-pull") as fetcher:
        upcoming = fetcher.submit(client.changes, cursor, MAX_PAGE)
        while True:
            page = upcoming.result()
            changes = page.get("changes")
            if not isinstance(changes, list):
                raise HubUnreachable("the hub's page of changes is not a list")
            cursor_after = int(page.get("next", cursor))
            if page.get("more"):
                upcoming = fetcher.submit(client.changes, cursor_after, MAX_PAGE)
            with write_transaction(bulk=len(changes) > 1000) as session:
                district_changes.apply(session, changes)
                lookups.set_setting(CURSOR, str(cursor_after))
                if not page.get("more"):
                    as_of = page.get("data_as_of") or page.get("hub_time")
                    if as_of:
                        lookups.set_setting(lookups.BADGE_DATA_AS_OF, str(as_of))
            report.pulled += len(changes)
            cursor = cursor_after
            db.session.expunge_all()  # a big first pull keeps memory flat
            if not page.get("more"):
                return



def _note(key: str, value: str) -> None:
    with write_transaction():
        lookups.set_setting(key, value)


def _finish(report: SyncReport) -> None:
    with write_transaction():
        if report.ok:
            lookups.set_setting(LAST_OK, time_text(utcnow()))
            lookups.set_setting(LAST_ERROR, "")
        else:
            lookups.set_setting(LAST_ERROR, report.error[:500])


# --- the USB stick -------------------------------------------------------------------------


def bundle_bytes() -> tuple[bytes, int]:
    """A signed bundle of every event the hub has not acknowledged, and how many it holds."""
    found = enrollment()
    if found is None:
        raise InvalidInput("Enroll this kiosk with the district hub first: the hub only "
                           "accepts bundles from enrolled kiosks.")
    key = _kiosk_key()
    if key is None:
        raise KioskError("This kiosk's signing key is missing from its instance folder; "
                         "enroll it again.")
    events = [outbox.as_event(e).as_json() for e in outbox.unacknowledged(db.session)]
    bundle = sign_bundle({"format": BUNDLE_FORMAT, "protocol": PROTOCOL,
                          "kiosk_id": found.kiosk_id, "building": found.building,
                          "created_at": time_text(utcnow()), "events": events}, key)
    return json.dumps(bundle, separators=(",", ":")).encode("utf-8"), len(events)


def export_bundle(out: Path) -> int:
    """Write the bundle to ``out`` (a USB stick), whole or not at all; returns how many events
    it holds."""
    data, count = bundle_bytes()
    tmp = out.with_name(out.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        raise KioskError(f"Cannot write {out}: {exc.strerror or exc}") from None
    return count


def bundle_name() -> str:
    found = enrollment()
    building = lookups.building_name().replace(" ", "-")
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return f"pin-sync-{building}-{stamp}-{found.kiosk_id[:8] if found else 'kiosk'}.json"


# --- the sync badge ------------------------------------------------------------------------


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
