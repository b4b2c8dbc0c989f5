"""Backups of the kiosk's database: `kiosk backup --out FILE`, and the nightly backup that
`kiosk serve` takes into the instance folder (docs/operations.md, "Backups"). Restoring one is
kiosk/services/restore.py.

A copy is SQLite's online backup API, a few hundred pages a step with a short pause between
steps, read from one snapshot (the copy holds a read transaction): in WAL mode a reader never
blocks a writer, so the desk never waits for a backup, and a hand-out during the copy is simply
not in it. Each copy is checked (``PRAGMA integrity_check``), flushed to disk and stands alone
(no -wal beside it). A nightly copy is written under a temporary name and renamed: a backup file
in the folder is whole or absent.

The nightly backup runs once a day at ``BACKUP_AT`` (the kiosk's local time) into
``BACKUP_FOLDER`` (default INSTANCE/backups), named by the time it was taken
(``kiosk-2026-11-24-0230.sqlite3``), keeping the newest ``BACKUP_KEEP``. A kiosk that was off
at that time backs up as soon as it runs again. A failed backup is logged, shown on the
Settings page, and tried again 15 minutes later; it never stops the kiosk.

`kiosk serve` holds the instance lock (kiosk/instance_lock.py) while it runs, so that
`kiosk restore` (and a second `kiosk serve`) can tell that the instance is in use.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import sys
import threading
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import inspect

from ..background import Rounds
from ..errors import InvalidInput, KioskError
from ..extensions import db
from ..instance_lock import hold_instance
from . import lookups

log = logging.getLogger(__name__)

STEP_PAGES = 256  # pages copied a step (1 MB of 4 KB pages)
STEP_PAUSE = 0.002  # seconds between steps: the disk is the desk's too
RETRY_SECONDS = 15 * 60.0  # after a failed nightly backup
CHECK_SECONDS = 60.0  # the nightly thread looks at the clock at least this often
NAME = re.compile(r"kiosk-(\d{4}-\d{2}-\d{2}-\d{4})\.sqlite3")
NAME_TIME = "%Y-%m-%d-%H%M"
EXTENSION = "kiosk.backups"


class BackupFailed(KioskError):
    pass


# --- one copy --------------------------------------------------------------------------------


def database_path() -> Path:
    """The kiosk's own SQLite database file."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise InvalidInput("Backups are for the kiosk's own SQLite database.")
    return Path(url.database).resolve()


def _set_up_database() -> Path:
    """The kiosk's database, once `kiosk init` made it (nothing to back up before)."""
    path = database_path()
    if not path.is_file() or not inspect(db.engine).has_table("building"):
        raise BackupFailed("This kiosk has no database yet: run `kiosk init` first.")
    return path


def read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection (never creates the file, never writes to it)."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True,
                           isolation_level=None)


def copy_database(source: Path, target: Path, writable_source: bool = False) -> None:
    """Copy a database into the new file ``target``, step by step from one snapshot; the copy
    is a single file (rollback journal, no -wal) flushed to disk. Not checked: see
    ``integrity``. The source is opened read-only unless ``writable_source`` (the kiosk's own
    database: SQLite may then recover it after a crash as any connection would)."""
    if writable_source and not Path(source).is_file():
        raise BackupFailed(f"There is no database at {source}.")
    src = (sqlite3.connect(source, isolation_level=None) if writable_source
           else read_only(source))
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        src.execute("BEGIN")  # one snapshot: writes during the copy do not restart it
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src.backup(dst, pages=STEP_PAGES, progress=_between_steps)
        src.execute("COMMIT")
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()
    fsync(target)


def _between_steps(_status: int, remaining: int, _total: int) -> None:
    if remaining:
        clock.sleep(STEP_PAUSE)


def integrity(path: Path) -> str:
    """``ok``, or what ``PRAGMA integrity_check`` found (its first lines)."""
    conn = read_only(path)
    try:
        rows = conn.execute("PRAGMA integrity_check(5)").fetchall()
    finally:
        conn.close()
    return "; ".join(str(r[0]) for r in rows)


def fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows has no such call and needs none)."""
    if sys.platform != "win32":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def backup_database(out: Path) -> int:
    """A consistent, checked copy of the live database at ``out`` (a new file). Its size."""
    source = _set_up_database()
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose a new file name.")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        copy_database(source, out, writable_source=True)
        check = integrity(out)
    except sqlite3.Error as exc:
        out.unlink(missing_ok=True)
        raise BackupFailed(f"The copy failed: {exc}.") from None
    if check != "ok":
        out.unlink(missing_ok=True)
        raise InvalidInput(f"The copy failed its integrity check ({check}).")
    return out.stat().st_size


# --- the nightly backup ----------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    at: time | None  # None: no automatic backups
    keep: int
    folder: Path

    @classmethod
    def from_config(cls, app: Flask) -> Plan:
        text = str(app.config.get("BACKUP_AT") or "").strip().lower()
        at = None
        if text not in ("", "off", "none"):
            match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
            if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
                raise InvalidInput(f"BACKUP_AT {text!r} is not a time of day like 02:30 "
                                   "(or off).")
            at = time(int(match.group(1)), int(match.group(2)))
        keep = int(app.config.get("BACKUP_KEEP") or 0)
        if keep < 1:
            raise InvalidInput("BACKUP_KEEP is how many nightly backups to keep: 1 or more.")
        folder = app.config.get("BACKUP_FOLDER") or Path(app.instance_path) / "backups"
        return cls(at, keep, Path(folder))


def backups(folder: Path) -> list[tuple[datetime, Path]]:
    """The nightly backups in ``folder``, oldest first, with the local time each was taken.
    Other files are never counted or touched."""
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = NAME.fullmatch(path.name)
            if match and path.is_file():
                found.append((datetime.strptime(match.group(1), NAME_TIME), path))
    return sorted(found)


def last_slot(now_local: datetime, at: time) -> datetime:
    """The latest time of day ``at`` not after ``now_local`` (both local, naive)."""
    slot = datetime.combine(now_local.date(), at)
    return slot if slot <= now_local else slot - timedelta(days=1)


def due(now: datetime, plan: Plan) -> bool:
    """Whether a nightly backup is due: none was taken since the latest ``BACKUP_AT``."""
    if plan.at is None:
        return False
    taken = backups(plan.folder)
    return not taken or taken[-1][0] < last_slot(_local(now), plan.at)


def nightly_backup(now: datetime, plan: Plan) -> Path:
    """Take a nightly backup now into the plan's folder, then keep the newest ``keep``."""
    source = _set_up_database()
    final = plan.folder / f"kiosk-{_local(now):{NAME_TIME}}.sqlite3"
    part = final.with_name(final.name + ".part")
    try:
        plan.folder.mkdir(parents=True, exist_ok=True)
        for stale in plan.folder.glob("kiosk-*.sqlite3.part"):  # a copy cut short earlier
            stale.unlink(missing_ok=True)
        copy_database(source, part, writable_source=True)
        check = integrity(part)
        if check != "ok":
            raise BackupFailed(f"The copy failed its integrity check ({check}).")
        os.replace(part, final)
        fsync_folder(plan.folder)
    except (OSError, sqlite3.Error) as exc:
        raise BackupFailed(f"Could not write {final}: {exc}") from None
    finally:
        if part.parent.is_dir():
            part.unlink(missing_ok=True)
    for _, old in backups(plan.folder)[:-plan.keep]:
        old.unlink(missing_ok=True)
    return final


def _local(now: datetime) -> datetime:
    return now.astimezone(lookups.timezone()).replace(tzinfo=None)


class NightlyBackup(Rounds):
    """The thread of `kiosk serve` that takes the nightly backup. ``clock`` gives the time
    (UTC-aware); tests give their own, to make it night at once."""

    name = "nightly-backup"

    def __init__(self, app: Flask, clock: Callable[[], datetime] | None = None) -> None:
        self.app = app
        self.clock = clock or (lambda: datetime.now(UTC))
        self.plan = Plan.from_config(app)
        self.last_path: Path | None = None
        self.failed_at: datetime | None = None
        self.error = ""
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> Path | None:
        now = self.clock()
        with self.app.app_context():
            try:
                if not due(now, self.plan):
                    return None
                path = nightly_backup(now, self.plan)
            except Exception as exc:  # logged and shown; the kiosk carries on
                if isinstance(exc, KioskError):
                    log.error("nightly backup failed: %s", exc.message)
                else:
                    log.exception("nightly backup failed")
                self.failed_at = now
                self.error = exc.message if isinstance(exc, KioskError) else str(exc)
                return None
            finally:
                db.session.remove()
        log.info("nightly backup: %s", path)
        self.last_path, self.failed_at, self.error = path, None, ""
        return path

    def pause(self) -> float:
        if self.failed_at is not None:
            return RETRY_SECONDS
        if self.plan.at is None:
            return 3600.0
        with self.app.app_context():
            now = _local(self.clock())
        following = last_slot(now, self.plan.at) + timedelta(days=1)
        return max(1.0, min(CHECK_SECONDS, (following - now).total_seconds()))


def start_backups(app: Flask, clock: Callable[[], datetime] | None = None) -> NightlyBackup:
    """What `kiosk serve` does first: hold the instance (no restore while it runs) and start
    the nightly backup thread. KioskError when the instance is in use or the plan is wrong."""
    hold_instance(app)
    worker = NightlyBackup(app, clock)
    app.extensions[EXTENSION] = worker
    if worker.plan.at is not None:
        worker.start_rounds()
    return worker


# --- what the Settings page says -------------------------------------------------------------


@dataclass(frozen=True)
class BackupStatus:
    words: str
    failed: bool


def backup_status() -> BackupStatus:
    try:
        plan = Plan.from_config(current_app)
    except InvalidInput as exc:
        return BackupStatus(exc.message, True)
    taken = backups(plan.folder)
    when = f"{taken[-1][0]:%Y-%m-%d %H:%M}, {len(taken)} kept" if taken else "none yet"
    schedule = (f"every day at {plan.at:%H:%M}, the newest {plan.keep} kept"
                if plan.at else "automatic backups are off")
    words = f"{when} in {plan.folder} ({schedule})"
    worker = current_app.extensions.get(EXTENSION)
    if isinstance(worker, NightlyBackup) and worker.failed_at is not None:
        failed = worker.failed_at.astimezone(lookups.timezone())
        return BackupStatus(f"The backup of {failed:%Y-%m-%d %H:%M} FAILED: {worker.error} "
                            f"It is tried again every 15 minutes. Last good one: {words}", True)
    return BackupStatus(words, False)
