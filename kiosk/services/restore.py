"""Restore the kiosk's database from a backup: `kiosk restore FILE` (docs/operations.md,
"Backups").

1. **Check the file** before anything is touched: an SQLite file (its header), copied into a
   temporary file beside the database (SQLite's backup API, so a -wal beside the backup is
   folded in and the backup itself is never changed), ``PRAGMA integrity_check`` ok, the
   kiosk's tables (a district hub's database is named as such), and a schema revision this
   version of the software knows (a backup from a newer version is refused; an older one is
   upgraded, as `kiosk serve` does after an update). A refusal leaves everything as it was.
2. **The district's chain of events.** The hub has every event this kiosk pushed, numbered 1,
   2, 3... and chained by hash (docs/sync-protocol.md). A backup's outbox stops at the event
   numbered N0; the database being replaced may have gone on to N1. Restored as it is, the
   kiosk would number its next events N0+1... again: numbers the hub already has with other
   events, and events after N0 that were never pushed would be lost. So the events after N0
   are carried over from the database before the restore (exactly as they were: same id,
   number, hash and status), with the enrollment that goes with the instance's token; the
   chain then goes on where the hub expects it, and the hub is told of the hand-outs the
   restored database no longer has. This needs the database before to be readable and to
   hold the backup's own chain; when it does not (a new PC, a damaged database, another
   kiosk's backup), the kiosk cannot know which events the hub has: the restore says so, the
   events go as they are, and the hub keeps every one and flags reused numbers as a broken
   chain ("Was its database restored from an old backup?"). Either way a ``kiosk_restored``
   event tells the district which backup was restored and what was carried over.
3. **Keep the database before aside** (INSTANCE/kiosk-before-restore-<time>.sqlite3, its WAL
   folded in; a database SQLite cannot read is kept as its raw files).
4. **Put the prepared copy in place** atomically: flushed to disk, the old database's -wal and
   -shm removed (they would be replayed into the new file), then ``os.replace``.

All of it holds the instance lock that `kiosk serve` holds while it runs: no restore under a
running kiosk.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select, text, update

from kiosk.sync import outbox
from kiosk.sync.protocol import GENESIS, time_text

from ..db import write_transaction
from ..domain.words import count
from ..errors import InvalidInput, KioskError
from ..extensions import db
from ..instance_lock import IN_USE, InstanceLock
from ..models import OutboxEvent, StaffSession
from . import lookups
from .backup import (
    copy_database,
    database_path,
    fsync,
    fsync_folder,
    integrity,
    read_only,
)

HEADER = b"SQLite format 3\x00"
# the tables of the first migration: every kiosk database has them
KIOSK_TABLES = frozenset({
    "building", "credential", "outbox_event", "person", "setting", "staff_user", "award",
    "award_key", "distribution", "waitlist_entry", "print_job", "stock_movement", "void"})
HUB_TABLES = frozenset({"hub_event", "hub_kiosk", "hub_building"})
RESTORED = "backup:restored"  # a setting: what the last restore did (JSON)
# the enrollment: it goes with INSTANCE/hub-token, which a restore does not touch
ENROLLMENT_KEYS = ("hub:url", "hub:kiosk_id", "hub:building", "hub:enrolled_at")
SIDECARS = ("-wal", "-shm", "-journal")


class NotAKioskDatabase(InvalidInput):
    """The file is not a kiosk database this version can restore; nothing was changed."""


@dataclass
class RestoreReport:
    source: Path
    kept_aside: Path | None
    revision: str  # the backup's schema revision
    upgraded_to: str
    chain: str  # continued (carried over from the database before) or unknown
    backup_last_event: int
    carried: int  # events after the backup, carried over from the database before
    hand_outs: int  # in the restored database
    hand_outs_before: int | None  # in the database before (None: none, or unreadable)
    enrolled: bool
    messages: list[str] = field(default_factory=list)


def restore_database(source: Path, now: datetime | None = None) -> RestoreReport:
    """Put the backup ``source`` in place of the kiosk's database (see the module's doc)."""
    source, now = Path(source), now or datetime.now(UTC)
    live = database_path()
    lock = InstanceLock(Path(current_app.instance_path))
    if not lock.acquire():
        raise KioskError(IN_USE.format(folder=current_app.instance_path, lock=lock.path))
    stamp = f"{now.astimezone(lookups.timezone()):%Y%m%d-%H%M%S}"
    temp = live.with_name(f".restore-{stamp}.sqlite3")
    aside: Path | None = None
    try:
        _check_header(source)
        try:
            copy_database(source, temp)
        except sqlite3.Error as exc:
            raise NotAKioskDatabase(f"{source} is damaged or not a database ({exc}). "
                                    "Nothing was changed.") from None
        revision, head = _check(temp, source)
        aside = _keep_aside(live, live.with_name(f"kiosk-before-restore-{stamp}.sqlite3"))
        report = _prepare(temp, aside, source, now)
        report.revision, report.upgraded_to = revision, head
        _put_in_place(temp, live)
    except OSError as exc:  # a full disk, a file another program holds open
        kept = f" The database before is kept as {aside}." if aside else ""
        raise KioskError(f"The restore stopped: {exc}.{kept}") from None
    finally:
        for path in (temp, *(temp.with_name(temp.name + s) for s in SIDECARS)):
            path.unlink(missing_ok=True)
        lock.release()
    report.messages = _messages(report)
    return report


# --- 1. the checks ---------------------------------------------------------------------------


def _check_header(source: Path) -> None:
    try:
        with open(source, "rb") as f:
            header = f.read(len(HEADER))
    except OSError as exc:
        raise InvalidInput(f"Cannot read {source}: {exc.strerror or exc}.") from None
    if header != HEADER:
        raise NotAKioskDatabase(f"{source} is not a database (not an SQLite file). "
                                "Nothing was changed.")


def _check(copy: Path, source: Path) -> tuple[str, str]:
    """The backup's schema revision and this version's newest, or NotAKioskDatabase."""
    found = integrity(copy)
    if found != "ok":
        raise NotAKioskDatabase(f"{source} is damaged: its integrity check says {found}. "
                                "Nothing was changed; try an older backup.")
    conn = read_only(copy)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        revisions = ([str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version")]
                     if "alembic_version" in tables else [])
    finally:
        conn.close()
    if tables & HUB_TABLES:
        raise NotAKioskDatabase(f"{source} is a district hub's database, not a kiosk's. "
                                "Nothing was changed.")
    if not KIOSK_TABLES <= tables or not revisions:
        raise NotAKioskDatabase(f"{source} is an SQLite database, but not a Pin Kiosk "
                                "database made by `kiosk init`. Nothing was changed.")
    known, head = _revisions()
    newer = [r for r in revisions if r not in known]
    if newer:
        raise NotAKioskDatabase(
            f"{source} was made by a newer version of Pin Kiosk (database revision "
            f"{newer[0]}; this version knows up to {head}). Update this kiosk's software "
            "first, then restore. Nothing was changed.")
    return revisions[0], head


def _revisions() -> tuple[set[str], str]:
    from alembic.script import ScriptDirectory

    from .. import MIGRATIONS

    script = ScriptDirectory(str(MIGRATIONS))
    return {r.revision for r in script.walk_revisions()}, str(script.get_current_head())


# --- 2. the chain of events ------------------------------------------------------------------


@dataclass
class _Before:
    """What the database before the restore says about the district's chain."""

    path: Path

    def read(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        conn = read_only(self.path)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def continues(self, seq: int, hash_: str) -> bool:
        """Whether its chain holds the backup's: the same event numbered ``seq``."""
        if seq == 0:
            return True
        return bool(self.read("SELECT 1 FROM outbox_event WHERE seq = ? AND hash = ?",
                              seq, hash_))


def _prepare(temp: Path, aside: Path | None, source: Path, now: datetime) -> RestoreReport:
    """Upgrade the copy, carry the chain over, mark it restored: all before it is put in
    place, through an app of its own on the copy."""
    from kiosk import create_app

    from .setup import upgrade_schema

    app = create_app({
        "INSTANCE_PATH": current_app.instance_path,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{temp}",
        "SECRET_KEY": current_app.config["SECRET_KEY"],
        "TIMEZONE": current_app.config["TIMEZONE"],
        "PRINTER_PATH": current_app.config["PRINTER_PATH"],
    })
    try:
        with app.app_context():
            upgrade_schema()
            report = _carry_over(aside, source, now)
            db.session.remove()
            db.engine.dispose()
    except KioskError:
        raise
    except Exception as exc:  # an upgrade that fails: nothing was put in place
        raise KioskError(f"The backup could not be prepared ({exc}). Nothing was changed.") \
            from None
    conn = sqlite3.connect(temp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")  # the WAL into the file: one file to move
    finally:
        conn.close()
    fsync(temp)
    return report


def _carry_over(aside: Path | None, source: Path, now: datetime) -> RestoreReport:
    before = _readable(aside)
    with write_transaction() as session:
        last = session.execute(select(OutboxEvent.seq, OutboxEvent.hash)
                               .order_by(OutboxEvent.seq.desc()).limit(1)).first()
        seq, hash_ = (last.seq, last.hash) if last else (0, GENESIS)
        carried = 0
        continued = before is not None and _safely(lambda: before.continues(seq, hash_))
        if before is not None and continued:
            columns = [c for c in _columns(session)
                       if c in {r["name"] for r in before.read("PRAGMA table_info(outbox_event)")}]
            rows = before.read(f"SELECT {', '.join(columns)} FROM outbox_event "
                               "WHERE seq > ? ORDER BY seq", seq)
            insert = text(f"INSERT INTO outbox_event ({', '.join(columns)}) "
                          f"VALUES ({', '.join(':' + c for c in columns)})")
            for row in rows:
                session.execute(insert, dict(row))
            carried = len(rows)
            for key, value in before.read(
                    "SELECT key, value FROM setting WHERE key IN (?, ?, ?, ?)", *ENROLLMENT_KEYS):
                lookups.set_setting(key, value)
        _receipts_go_on(session, before)
        # a session the backup holds may have ended since (a logout, a login deactivated):
        # after a restore everyone logs in again
        session.execute(update(StaffSession).where(StaffSession.ended_at.is_(None))
                        .values(ended_at=now))
        hand_outs = int(session.scalar(text("SELECT count(*) FROM distribution")) or 0)
        hand_outs_before = _safely(lambda: int(before.read(
            "SELECT count(*) FROM distribution")[0][0])) if before else None
        enrolled = bool(lookups.get_setting("hub:kiosk_id"))
        report = RestoreReport(source, aside, "", "", "continued" if continued else "unknown",
                               seq, carried, hand_outs, hand_outs_before, enrolled)
        facts = {"restored_at": time_text(now), "backup": source.name,
                 "backup_last_seq": seq, "chain": report.chain, "carried_events": carried,
                 "hand_outs": hand_outs, "hand_outs_before": hand_outs_before}
        outbox.add_event(session, "kiosk_restored", facts)
        lookups.set_setting(RESTORED, json.dumps(facts, sort_keys=True))
    return report


def _receipts_go_on(session: Any, before: _Before | None) -> None:
    """Receipts printed after the backup carry numbers the restored database does not have:
    the next hand-out goes on after the highest number the database before gave (or had been
    told to go on after), never gives one of them again."""
    if before is None:
        return
    given = _safely(lambda: before.read("SELECT max(receipt_no) FROM distribution")[0][0]) or 0
    floor = _safely(lambda: before.read("SELECT value FROM setting WHERE key = ?",
                                        lookups.RECEIPTS_GIVEN))
    if floor:
        given = max(int(given), int(floor[0][0] or 0))
    here = int(session.scalar(text("SELECT max(receipt_no) FROM distribution")) or 0)
    if int(given) > here:
        lookups.set_setting(lookups.RECEIPTS_GIVEN, str(int(given)))


def _readable(aside: Path | None) -> _Before | None:
    if aside is None:
        return None
    before = _Before(aside)
    return before if _safely(lambda: before.read("SELECT count(*) FROM outbox_event")) \
        else None


def _safely(read: Any) -> Any:
    try:
        return read()
    except sqlite3.Error:
        return None


def _columns(session: Any) -> list[str]:
    return [r[1] for r in session.execute(text("PRAGMA table_info(outbox_event)"))]


# --- 3 and 4. keep the database before, put the backup in place -----------------------------


def _keep_aside(live: Path, aside: Path) -> Path | None:
    """A copy of the database before the restore (None when there was none: no file, or an
    empty one, as on a new PC)."""
    if not live.exists() or _safely(lambda: _table_count(live)) == 0:
        return None
    try:
        copy_database(live, aside, writable_source=True)
    except sqlite3.Error:  # SQLite cannot read it: keep its files as they are
        aside.unlink(missing_ok=True)
        shutil.copy2(live, aside)
        fsync(aside)
        for suffix in ("-wal",):
            if live.with_name(live.name + suffix).exists():
                shutil.copy2(live.with_name(live.name + suffix), aside.with_name(aside.name
                                                                                + suffix))
    fsync_folder(aside.parent)
    return aside


def _table_count(path: Path) -> int:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        return int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
    finally:
        conn.close()


def _put_in_place(temp: Path, live: Path) -> None:
    db.session.remove()
    db.engine.dispose()  # this process keeps no connection to the old file
    if live.exists():
        try:  # fold the old WAL into the old file (it is kept aside already)
            conn = sqlite3.connect(live, isolation_level=None)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
        except sqlite3.Error:
            pass
    for suffix in SIDECARS:  # SQLite would replay an old -wal into the new file
        live.with_name(live.name + suffix).unlink(missing_ok=True)
    os.replace(temp, live)
    fsync_folder(live.parent)


def _messages(r: RestoreReport) -> list[str]:
    lines = [f"Restored {r.source} (database revision {r.revision}"
             + (f", upgraded to {r.upgraded_to})." if r.upgraded_to != r.revision else ").")]
    if r.kept_aside:
        lines.append(f"The database before the restore is kept as {r.kept_aside}.")
    if r.hand_outs_before is None or r.hand_outs_before > r.hand_outs:
        before = "" if r.hand_outs_before is None else \
            f" (the database before had {r.hand_outs_before})"
        lines.append(f"The kiosk now has {count(r.hand_outs, 'hand-out')}{before}. Hand-outs "
                     "recorded after the backup was taken are not in it: their receipts are "
                     "the proof.")
    if r.chain == "continued":
        if r.carried:
            lines.append(f"{count(r.carried, 'event')} for the district recorded after the "
                         "backup carried over: the district still gets them, and this kiosk's "
                         "events go on where the hub expects them.")
    elif r.enrolled:
        lines.append(
            "Warning: no readable database from before the restore holds this backup's "
            "events (a new PC, a damaged database, or another kiosk's backup), so this "
            f"kiosk cannot know which events after its event "
            f"{r.backup_last_event} the district hub already has. The hub keeps every event "
            "and flags numbers used twice as a broken chain (a restored database): tell the "
            "district office.")
    return lines
