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

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import current_app
from sqlalchemy.orm import Session

from kiosk.sync import outbox
from kiosk.sync.client import HubClient, HubRefused, HubUnreachable, check_url
from kiosk.sync.protocol import (
    MAX_PAGE,
    ProtocolError,
    public_key_text,
    read_public_key,
    time_text,
)
from kiosk.sync.worker import worker_of

from ..db import write_in_turns, write_transaction
from ..errors import InvalidInput, KioskError
from ..extensions import db
from ..models import utcnow
from . import district_changes, lookups, own_process, pull_process

log = logging.getLogger(__name__)

HUB_URL, KIOSK_ID, HUB_BUILDING = "hub:url", "hub:kiosk_id", "hub:building"
ENROLLED_AT = "hub:enrolled_at"  # when this kiosk enrolled: how old it is before its first sync
HUB_KEY = "hub:key"  # the key the hub signs district bundles with (district_import.py)
CURSOR, LAST_OK, LAST_TRY, LAST_ERROR = "sync:cursor", "sync:last_ok", "sync:last_try", \
    "sync:last_error"
BUNDLE_AS_OF = "sync:bundle_as_of"  # the district's data a district bundle brought, as of
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


def kiosk_key(create: bool = False) -> ed25519.Ed25519PrivateKey | None:
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
    """Enroll with the hub (the command line and the Sync page alike): the token and the time
    of enrollment are kept, and the sync worker of `kiosk serve`, if any, starts the first sync
    at once."""
    try:
        url = check_url(hub_url)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    building = lookups.this_building().name
    key = kiosk_key(create=True)
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
        lookups.set_setting(ENROLLED_AT, time_text(utcnow()))
        lookups.set_setting(HUB_KEY, _key_text(answer.get("hub_key")))
        # a sync, or a problem, of an earlier enrollment says nothing about this one
        lookups.set_setting(LAST_OK, "")
        lookups.set_setting(LAST_ERROR, "")
    worker = worker_of(current_app)
    if worker is not None:
        worker.wake()
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


def sync_if_enrolled(timeout: float = 15.0) -> SyncReport | None:
    """What the sync worker of `kiosk serve` does each round: a sync, once enrolled."""
    return sync_once(timeout) if enrollment() is not None else None


def sync_once(timeout: float = 15.0) -> SyncReport:
    """Push what is waiting, then pull what is new. Never raises for a network problem: the
    report says what happened, and the badge shows it."""
    client, found = _client(timeout)
    report = SyncReport()
    _note(LAST_TRY, time_text(utcnow()))
    try:
        push_all(client, found, report)
        pull_all(client, report, hand_off=own_process.wanted(), timeout=timeout)
    except HubRefused as exc:
        report.error, report.refused = exc.message, True
    except HubUnreachable as exc:
        report.error = str(exc)
    _finish(report)
    return report


def push_all(client: HubClient, found: Enrollment, report: SyncReport) -> None:
    while True:
        db.session.rollback()
        # plain values: the transaction below starts with a rollback, which expires the rows
        batch = [outbox.as_event(e) for e in outbox.pending(db.session, PUSH_BATCH)]
        if not batch:
            return
        answer = client.push(found.kiosk_id, [e.as_json() for e in batch], time_text(utcnow()))
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


def pull_alone(timeout: float) -> pull_process.PullAnswer:
    """A pull and nothing else (``kiosk sync pull``; a long pull handed off by `kiosk serve`)."""
    report, answer = SyncReport(), pull_process.PullAnswer()
    try:
        pull_all(_client(timeout)[0], report)
    except HubRefused as exc:
        answer.error, answer.refused_status, answer.refused_code = exc.message, exc.status, \
            exc.code
    except (HubUnreachable, KioskError) as exc:
        answer.error = str(exc)
    answer.pulled = report.pulled
    return answer


def pull_all(client: HubClient, report: SyncReport, hand_off: bool = False,
             timeout: float = 15.0) -> None:
    """Pull page after page until the hub says there is no more.

    With ``hand_off`` (under `kiosk serve`), a pull of more than one page goes to a process of
    its own (:mod:`pull_process`), from the same cursor: the desk keeps the server's
    interpreter.

    Long work beside the desk: a page is fetched and prepared (its awards' texts, keys, dates
    and lookup words: :func:`district_changes.prepare`) in a thread of its own while the page
    before is written; the write lock is held only for the writes. A page is written in steps
    of at most :data:`district_changes.CHUNK` changes, in as few transactions as the desk
    allows: a hand-out waits for one step, never for a page (:func:`apply_page`). The cursor
    commits with a page's last step: a pull cut off half way through a page applies the page
    again (every change is idempotent) and goes on from there. At most two pages are in
    memory, whatever the size of the district."""
    cursor = int(lookups.get_setting(CURSOR) or 0)
    size = min(int(current_app.config["PULL_PAGE_CHANGES"]), MAX_PAGE)
    binders = district_changes.Binders.of(db.engine.dialect)
    db.session.rollback()

    def fetch(after: int, fetched: dict[str, Any] | None = None,
              ) -> tuple[dict[str, Any], list[district_changes.Step], int]:
        page = fetched if fetched is not None else client.changes(after, size)
        changes = page.pop("changes", None)
        if not isinstance(changes, list):
            raise HubUnreachable("the hub's page of changes is not a list")
        return page, district_changes.prepare(changes, binders), len(changes)

    first = None
    if hand_off:
        first = client.changes(cursor, size)
        if first.get("more"):
            log.info("a pull of more than one page: in a process of its own")
            report.pulled += pull_process.pull_in_child(timeout)
            return
        # a page or less (the routine case): prepared and written here
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-pull") as fetcher:
        upcoming = fetcher.submit(fetch, cursor, first)
        while True:
            page, steps, count = upcoming.result()
            cursor_after = int(page.get("next", cursor))
            more = bool(page.get("more"))
            if more:
                upcoming = fetcher.submit(fetch, cursor_after)
            apply_page(page, steps, cursor_after, more)
            own_process.collect_between_pages()
            report.pulled += count
            cursor = cursor_after
            if not more:
                return


def apply_page(page: dict[str, Any], steps: list[district_changes.Step], cursor_after: int,
               more: bool) -> None:
    """Write a prepared page as long work beside the desk (:func:`write_in_turns`: whole
    steps, in transactions cut short when the desk waits), its cursor with its last step."""

    def cursor(session: Session) -> None:
        lookups.set_setting(CURSOR, str(cursor_after))
        as_of = None if more else page.get("data_as_of") or page.get("hub_time")
        if as_of:
            lookups.set_setting(lookups.BADGE_DATA_AS_OF, str(as_of))
        key = _key_text(page.get("hub_key"))
        if key:  # a kiosk enrolled before hubs sent their key learns it now
            lookups.set_setting(HUB_KEY, key)

    write_in_turns([*(step.write for step in steps), cursor])
    db.session.expunge_all()  # a big first pull keeps memory flat


def _key_text(value: object) -> str:
    """The hub's district bundle key, if the hub sent one that is a key ("" otherwise)."""
    try:
        read_public_key(value)
    except ProtocolError:
        return ""
    return str(value)


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
