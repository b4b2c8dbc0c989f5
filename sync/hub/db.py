"""The hub's one way to write: a transaction per service call, on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, String, Table, any_, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from .extensions import hub_db

# Taken by every transaction that adds to the change log, so that change numbers are committed
# in the order they were given out: a kiosk that pulled up to change N never misses one below N
# committed later (PostgreSQL hands out sequence numbers before commit; SQLite has one writer).
CHANGE_LOG_LOCK = 7_301_2026
# Taken by every reconciliation sweep (services/reconcile.py), so that the hub servers sharing
# the database sweep one at a time, and the scheduled sweep runs once per period between them.
SWEEP_LOCK = 7_301_2027
# The largest id a record of the hub can have (a PostgreSQL integer): a larger number, in a URL
# or a form, names no record, and is never handed to the database (SQLite cannot bind it).
MAX_ID = 2**31 - 1


@contextmanager
def hub_transaction() -> Iterator[Session]:
    session = hub_db.session()
    if session.in_transaction():
        session.rollback()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def lock_change_log(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK})


def try_advisory_lock(session: Session, key: int) -> bool:
    """Take the advisory lock ``key`` for this transaction, without waiting: True when taken,
    False when another transaction holds it. Held until the transaction ends: its commit, its
    rollback, or its connection closing (a server killed while holding it holds it no more).

    On PostgreSQL a transaction-level advisory lock (``pg_try_advisory_xact_lock``), one for
    every process on every machine using the database. On SQLite (one machine) every hub
    transaction holds the database's one write lock from its start (BEGIN IMMEDIATE, which
    waits for the transaction before it), so it has the lock already: True."""
    session.connection()  # the transaction has begun (on SQLite: holds the write lock)
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))


def one_of(session: Session, column: InstrumentedAttribute[Any],
           values: Sequence[str]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as ``column = ANY(array)``, one parameter whatever
    the number of values, so the statement is prepared once and reused."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values),
                                        type_=postgresql.ARRAY(String), unique=True))
    return column.in_(list(values))


def insert_quietly(session: Session, table: Table, rows: Sequence[dict[str, Any]],
                   index: Sequence[str]) -> None:
    """Insert ``rows``, skipping any whose ``index`` columns are already there: one
    executemany, which PostgreSQL runs as a pipeline of one prepared statement. For rows whose
    newness the caller already knows (it holds the lock that makes them new)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Core, not the ORM's bulk path: these are plain rows, and this is the hot path
    session.connection().execute(make(table).on_conflict_do_nothing(index_elements=list(index)),
                                 list(rows))


def insert_new(session: Session, table: Table, rows: Sequence[dict[str, Any]],
               index: Sequence[str], returning: str) -> set[Any]:
    """Insert ``rows``, skipping any whose ``index`` columns are already there; the
    ``returning`` column of the rows that were new. Batched statements, on SQLite and
    PostgreSQL alike, and safe against a concurrent insert of the same row."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (make(table).on_conflict_do_nothing(index_elements=list(index))
                 .returning(table.c[returning]))
    return set(session.scalars(statement, list(rows)).all())
