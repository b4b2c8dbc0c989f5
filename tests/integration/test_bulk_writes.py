"""A bulk write (a page of the district's changes) commits without waiting for the disk; the
connection goes back to durable commits for everything else."""

from __future__ import annotations

from kiosk.db import write_transaction
from kiosk.extensions import db

FULL, NORMAL = 2, 1


def _synchronous(session) -> int:  # type: ignore[no-untyped-def]
    return int(session.connection().exec_driver_sql("PRAGMA synchronous").scalar())


def test_a_bulk_write_is_not_synchronous_and_the_next_write_is(ctx):
    with write_transaction(bulk=True) as session:
        assert _synchronous(session) == NORMAL
    db.session.remove()  # the connection goes back to the pool
    for _ in range(3):  # whichever pooled connection comes next
        with write_transaction() as session:
            assert _synchronous(session) == FULL
        db.session.remove()


def test_a_bulk_write_that_fails_still_gives_the_connection_back_durable(ctx):
    try:
        with write_transaction(bulk=True):
            raise RuntimeError("the page could not be applied")
    except RuntimeError:
        pass
    db.session.remove()
    with write_transaction() as session:
        assert _synchronous(session) == FULL
