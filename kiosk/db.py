"""SQLite set-up and the one way services open a write transaction."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .errors import KioskError
from .extensions import db

log = logging.getLogger(__name__)

# Writers in this process queue here, and wake the moment the writer before them is done.
# SQLite's own busy handler (for other processes, such as a CLI command) sleeps 1, 2, 5, 10 ms...
# between tries, which a hand-out should not pay when the print worker holds the lock.
_WRITER = threading.Lock()
WRITER_WAIT_SECONDS = 15
BULK = "kiosk.bulk"  # a connection's info flag: its bulk settings go back at check-in
BULK_CACHE_KIB = 8 * 1024  # SQLite's page cache for a bulk write (default: about 2 MiB)


def configure_sqlite(engine: Engine) -> None:
    """WAL, synchronous=FULL and foreign keys on every connection; explicit BEGIN so that a
    write transaction can take the write lock up front (``BEGIN IMMEDIATE``)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        # `kiosk serve` checkpoints in a background thread (see start_checkpointer), so that no
        # request pays for copying the WAL into the database; this is the safety net (~40 MB).
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):  # type: ignore[no-untyped-def]
        if record.info.pop(BULK, False):  # back to durable commits and the usual cache
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA cache_size=-2000")
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        options = conn.get_execution_options()
        if options.get("kiosk_bulk"):  # settings a transaction cannot change once begun
            conn.info[BULK] = True
            conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        if options.get("kiosk_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


@contextmanager
def write_transaction(bulk: bool = False) -> Iterator[Session]:
    """One service, one transaction: everything inside commits together or not at all.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``, so two hand-outs never read the
    same stock level or claim number; the unique constraints stay as the last line of defence.

    ``bulk`` is for writing what can be fetched again (a page of the district's changes, whose
    cursor commits with it): a bigger page cache, and a commit that does not wait for the disk.
    A power cut may then lose that transaction whole, never half of it; the next pull brings it
    again. Everything a person records at the kiosk commits durably (``synchronous=FULL``).
    """
    session = db.session()  # the request's real Session behind the scoped proxy
    if session.in_transaction():
        session.rollback()  # drop a read snapshot left open by earlier reads in this request
    if not _WRITER.acquire(timeout=WRITER_WAIT_SECONDS):
        raise KioskError("The kiosk is busy. Nothing was recorded; try again in a moment.")
    try:
        session.connection(execution_options={"kiosk_write": True, "kiosk_bulk": bulk})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        _WRITER.release()


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
