"""A push reads the outbox once a batch: the events it sends are plain values, not rows that
the transaction marking them sent would expire (and reload one SELECT at a time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from kiosk.extensions import db
from tests.factories import ALICE_BALANCE, ALICE_TRAUMA, BOB_TRAUMA

from .conftest import District, Kiosk


@contextmanager
def outbox_reads(kiosk: Kiosk) -> Iterator[list[str]]:
    """The SELECTs of the kiosk's outbox made inside the block."""
    seen: list[str] = []
    with kiosk.app.app_context():
        engine = db.engine

    def note(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "FROM outbox_event" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_push_reads_the_outbox_once_a_batch_whatever_the_number_of_events(
        district: District) -> None:
    kiosk = district.kiosks[0]
    for payload in (ALICE_TRAUMA, ALICE_BALANCE, BOB_TRAUMA):
        kiosk.hand_out(payload)
    waiting = sum(e["status"] == "pending" for e in kiosk.outbox())
    assert waiting >= 6

    with outbox_reads(kiosk) as reads:
        report = kiosk.sync()

    assert report.ok and report.pushed == waiting
    # one batch, then the check that nothing more waits (the badge counts are not reads of rows)
    assert len([s for s in reads if "count(" not in s.lower()]) == 2, reads
