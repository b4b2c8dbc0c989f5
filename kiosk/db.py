"""SQLite set-up and the one way services open a write transaction.

SQLite has one writer at a time and no queue. Two kinds of writer share it:

- the desk's (a hand-out, a void, stock, a setting): short, and a person waits for it;
- long work (an import, a pull of the district's changes): many transactions
  (``background=True``), each short or cut short as soon as the desk waits.

The desk goes first. In this process writers queue on :data:`_WRITER`, where the desk goes
before long work, and long work written with :func:`write_in_turns` commits what it has as soon
as a desk writer waits. Another process (the ``kiosk cache import`` command beside
``kiosk serve``) cannot see that queue, so:

- a writer asks SQLite for the write lock every :data:`POLL_SECONDS`, instead of sleeping in
  SQLite's own busy handler (1, 2, 5, 10 ... up to 100 ms between tries);
- a desk writer kept waiting so rings a bell (:class:`_Bell`: the time of a small file beside
  the database), which long work in any process hears between two of its steps;
- long work leaves the database free for :data:`COURTESY_SECONDS` after each commit, so that
  the desk's next try gets in.

Long work does not checkpoint the WAL inside its transactions (SQLite would, at a commit now and
then, copy tens of MB while this process's desk waits for the writer lock); it checkpoints
between them (:data:`CHECKPOINT_SECONDS`), as ``kiosk serve``'s checkpointer does.

A lock that outlasts the wait (:data:`WRITER_WAIT_SECONDS`, or SQLite's ``busy_timeout`` for a
statement) becomes :class:`~kiosk.errors.Busy`: "The kiosk is busy ... nothing was recorded",
a 503 with Retry-After, never a server error.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.orm import Session

from .errors import Busy
from .extensions import db

log = logging.getLogger(__name__)

WRITER_WAIT_SECONDS = 15  # the longest a writer waits for the database before "busy"
BUSY_TIMEOUT_MS = 15_000  # SQLite's own wait, for any other statement that meets a lock
POLL_SECONDS = 0.001  # how often a writer asks for a write lock another process holds
COURTESY_SECONDS = 0.002  # the database left free after each commit of long work
LONGEST_TURN_SECONDS = 0.25  # long work's transaction, when nobody is heard waiting
CHECKPOINT_SECONDS = 1.0  # how often long work checkpoints the WAL (between transactions)
AUTOCHECKPOINT_PAGES = 10_000  # SQLite's own checkpoint, for everything else (~40 MB)
BUSY_MESSAGE = "The kiosk is busy. Nothing was recorded; try again in a moment."
BULK = "kiosk.bulk"  # a connection's info flag: its bulk settings go back at check-in
BACKGROUND = "kiosk.background"  # likewise for long work's (no checkpoint in its commits)
BULK_CACHE_KIB = 8 * 1024  # SQLite's page cache for a bulk write (default: about 2 MiB)
_LOCKED = ("SQLITE_BUSY", "SQLITE_LOCKED")  # sqlite3.Error.sqlite_errorname (or extended)


class _Writers:
    """This process's writers, one at a time; the desk's before long work. Whoever waits is
    woken the moment the writer before it is done (no polling)."""

    def __init__(self) -> None:
        self._turn = threading.Condition(threading.Lock())
        self._busy = False
        self.desk_waiting = 0

    def acquire(self, timeout: float, background: bool = False) -> bool:
        deadline = time.monotonic() + timeout
        with self._turn:
            if not background:
                self.desk_waiting += 1
            try:
                while self._busy or (background and self.desk_waiting):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._turn.wait(left)
                self._busy = True
                return True
            finally:
                if not background:
                    self.desk_waiting -= 1

    def release(self) -> None:
        with self._turn:
            self._busy = False
            self._turn.notify_all()


_WRITER = _Writers()


class _Bell:
    """A desk writer of another process, kept waiting by long work, says so: it sets the time
    of a small file beside the database (``kiosk.sqlite3-desk``), and long work compares that
    time with the one it read when its transaction began. Works wherever files have times;
    costs a ``stat`` between two steps of long work."""

    RING_SECONDS = 0.005  # how often a waiting desk writer rings

    def __init__(self) -> None:
        self._paths: dict[str, str] = {}

    def _path(self) -> str | None:
        database = db.engine.url.database
        if not database or database == ":memory:":
            return None
        return self._paths.setdefault(database, database + "-desk")

    def ring(self) -> None:
        path = self._path()
        if path is None:
            return
        try:
            os.utime(path)
        except FileNotFoundError:
            with open(path, "ab"):
                pass
        except OSError:  # a read-only folder: long work just does not hear this desk
            pass

    def state(self) -> int:
        path = self._path()
        try:
            return os.stat(path).st_mtime_ns if path else 0
        except OSError:
            return 0


_BELL = _Bell()


def is_locked(exc: BaseException) -> bool:
    """Whether ``exc`` (SQLite's own, or SQLAlchemy's wrapping it) says the database or a
    table is locked by another connection."""
    original = getattr(exc, "orig", exc)
    if not isinstance(original, sqlite3.OperationalError):
        return False
    name = getattr(original, "sqlite_errorname", "") or ""
    return name.startswith(_LOCKED) or str(original).startswith(
        ("database is locked", "database table is locked"))


def configure_sqlite(engine: Engine) -> None:
    """WAL, synchronous=FULL and foreign keys on every connection; explicit BEGIN so that a
    write transaction can take the write lock up front (``BEGIN IMMEDIATE``); a lock that
    outlasts the wait raised as :class:`Busy`."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: the next one reads
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # `kiosk serve` checkpoints in a background thread (see start_checkpointer), so that no
        # request pays for copying the WAL into the database; this is the safety net (~40 MB).
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):  # type: ignore[no-untyped-def]
        if record.info.pop(BULK, False):  # back to durable commits and the usual cache
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA cache_size=-2000")
            cursor.close()
        if record.info.pop(BACKGROUND, False):
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        options = conn.get_execution_options()
        if options.get("kiosk_bulk"):  # settings a transaction cannot change once begun
            conn.info[BULK] = True
            conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        background = bool(options.get("kiosk_background"))
        if background:
            conn.info[BACKGROUND] = True
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        if options.get("kiosk_write"):
            _begin_immediate(conn.connection.driver_connection,
                             options.get("kiosk_deadline") or time.monotonic(),
                             desk=not background)
        else:
            conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if is_locked(context.original_exception):
            log.warning("the database stayed locked: %s", context.original_exception)
            raise Busy(BUSY_MESSAGE) from context.original_exception


def _begin_immediate(connection: sqlite3.Connection, deadline: float, desk: bool) -> None:
    """``BEGIN IMMEDIATE``, asking again every :data:`POLL_SECONDS` while another process
    holds the write lock, until ``deadline`` (then :class:`Busy`); a ``desk`` writer rings the
    bell meanwhile. SQLite's own busy handler is off: it sleeps up to 100 ms between tries,
    and would miss the moment between two transactions of another process."""
    connection.execute("PRAGMA busy_timeout=0")
    rung = 0.0
    try:
        while True:
            try:
                connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not is_locked(exc):
                    raise
                now = time.monotonic()
                if now >= deadline:
                    log.warning("another program held the database's write lock too long")
                    raise Busy(BUSY_MESSAGE) from None
                if desk and now - rung >= _Bell.RING_SECONDS:
                    _BELL.ring()
                    rung = now
            time.sleep(POLL_SECONDS)
    finally:
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


@contextmanager
def write_transaction(bulk: bool = False, background: bool = False) -> Iterator[Session]:
    """One service, one transaction: everything inside commits together or not at all.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``, so two hand-outs never read the
    same stock level or claim number; the unique constraints stay as the last line of defence.
    A writer waits at most :data:`WRITER_WAIT_SECONDS` for the database, then :class:`Busy`.

    ``background`` is for one transaction of long work (a batch of an import, a part of a
    pull): this process's desk writers go first, and the database is left free for a moment
    after its commit for a writer in another process; the WAL is checkpointed between such
    transactions, not in their commits.

    ``bulk`` is for writing what can be fetched again (a page of the district's changes, whose
    cursor commits with it; a batch of an import file): a bigger page cache, and a commit that
    does not wait for the disk. A power cut may then lose that transaction whole, never half of
    it; the next pull (or import) brings it again. Everything a person records at the kiosk
    commits durably (``synchronous=FULL``), and so makes durable every commit before it.
    """
    session = db.session()  # the request's real Session behind the scoped proxy
    if session.in_transaction():
        session.rollback()  # drop a read snapshot left open by earlier reads in this request
    deadline = time.monotonic() + WRITER_WAIT_SECONDS
    if not _WRITER.acquire(WRITER_WAIT_SECONDS, background):
        raise Busy(BUSY_MESSAGE)
    try:
        session.connection(execution_options={
            "kiosk_write": True, "kiosk_bulk": bulk, "kiosk_background": background,
            "kiosk_deadline": deadline})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        _WRITER.release()
    if background and db.engine.dialect.name == "sqlite":
        if bulk:
            _sync_wal()
        _checkpoint_when_due()
        time.sleep(COURTESY_SECONDS)


def write_in_turns(steps: Iterable[Callable[[Session], object]], bulk: bool = True) -> int:
    """Long work: each of ``steps`` (given the session) in order, each whole, in as few
    background transactions as the desk allows. A transaction ends after the step during
    which a desk writer (of this process, or the bell of another) began to wait, or after
    :data:`LONGEST_TURN_SECONDS`; the desk then goes, and the next transaction takes up the
    next step. A step cut off by an error rolls back its whole transaction, never the ones
    before. Returns the transactions used."""
    pending = iter(steps)
    step = next(pending, None)
    turns = 0
    while step is not None:
        with write_transaction(bulk=bulk, background=True) as session:
            turns += 1
            began, rung = time.monotonic(), _BELL.state()
            while step is not None:
                step(session)
                step = next(pending, None)
                if (_WRITER.desk_waiting or _BELL.state() != rung
                        or time.monotonic() - began >= LONGEST_TURN_SECONDS):
                    break
    return turns


def _sync_wal() -> None:
    """After a bulk commit (which does not wait for the disk), flush the WAL to the disk here,
    outside the write lock: else the desk's next durable commit would flush the bulk's
    megabytes with its own few pages, and a hand-out would wait for them."""
    database = db.engine.url.database
    if not database or database == ":memory:":
        return
    try:
        fd = os.open(database + "-wal", os.O_RDWR)
    except OSError:  # no WAL file (checkpointed and truncated): nothing to flush
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_last_checkpoint = 0.0


def _checkpoint_when_due() -> None:
    """PASSIVE (never waits for, nor blocks, a reader or a writer), and outside the writer
    lock: a hand-out never waits for it."""
    global _last_checkpoint
    now = time.monotonic()
    if now - _last_checkpoint < CHECKPOINT_SECONDS:
        return
    _last_checkpoint = now
    try:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    except Busy:  # a reader in exclusive mode: the next one tries again
        pass


def start_checkpointer(app: Flask, interval: float = 1.0) -> threading.Event:
    """Copy the WAL into the database file in the background every ``interval`` seconds
    (PASSIVE: never blocks a reader or a writer). Set the returned event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                with app.app_context():
                    with db.engine.connect() as conn:
                        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # the next round tries again; SQLite's own checkpoint remains
                log.exception("background checkpoint failed")

    if db.engine.dialect.name == "sqlite":
        threading.Thread(target=loop, name="wal-checkpoint", daemon=True).start()
    return stop
