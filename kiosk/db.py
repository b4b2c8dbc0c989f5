"""SQLite set-up and the one way services open a write transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .extensions import db


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
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get("kiosk_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


@contextmanager
def write_transaction() -> Iterator[Session]:
    """One service, one transaction: everything inside commits together or not at all.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``, so two hand-outs never read the
    same stock level or claim number; the unique constraints stay as the last line of defence.
    """
    session = db.session()  # the request's real Session behind the scoped proxy
    if session.in_transaction():
        session.rollback()  # drop a read snapshot left open by earlier reads in this request
    session.connection(execution_options={"kiosk_write": True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
