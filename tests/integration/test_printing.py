"""Printing never blocks a hand-out; the worker prints each receipt once."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Distribution, PrintJob
from kiosk.printers.queue import counts
from kiosk.printers.worker import print_pending
from kiosk.services.hand_out import hand_out
from tests import factories as f
from tests.integration.conftest import on_hand
from tests.unit.escpos_tokens import parse


def give(payload: str, staff_id: int) -> str:
    return hand_out(payload, str(uuid.uuid4()), staff_id).distribution.id


def jobs() -> list[PrintJob]:
    db.session.rollback()  # end this session's read snapshot: the worker used its own
    db.session.expire_all()  # and forget what this session last saw (no expiry on commit)
    return list(db.session.scalars(select(PrintJob).order_by(PrintJob.id)))


def test_hand_out_succeeds_while_the_printer_is_unreachable(ctx, staff, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the printer folder should be")
    ctx.config["PRINTER_PATH"] = str(blocker / "receipts")

    dist_id = give(f.ALICE_TRAUMA, staff["designee"])
    assert db.session.get(Distribution, dist_id) is not None
    assert on_hand(f.TRAUMA) == f.STOCK[f.TRAUMA] - 1

    assert print_pending(ctx) == 0
    [job] = jobs()
    assert job.status == "failed", "tried once, waiting to be tried again"
    assert job.last_error and "receipts" in job.last_error
    assert job.attempts == 1
    assert job.next_attempt_at is not None, "a failed job waits before the next try"
    assert counts(db.session).waiting == 1

    # The printer is still down; later hand-outs still go through and queue behind.
    give(f.BOB_TRAUMA, staff["designee"])
    assert counts(db.session).waiting == 2


def test_a_queued_receipt_prints_once_the_printer_is_back(ctx, staff, tmp_path, printer_spy):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    good_path = ctx.config["PRINTER_PATH"]
    ctx.config["PRINTER_PATH"] = str(blocker / "receipts")
    give(f.ALICE_TRAUMA, staff["designee"])
    assert print_pending(ctx) == 0
    ctx.config["PRINTER_PATH"] = good_path
    for job in jobs():  # the back-off is over
        job.next_attempt_at = None
    db.session.commit()
    printed = printer_spy.print_all()
    assert len(printed) == 1
    assert "PJE-00001" in parse(printed[0]).text
    assert [job.status for job in jobs()] == ["printed"]


def test_the_worker_prints_each_receipt_once(ctx, staff, printer_spy):
    give(f.ALICE_TRAUMA, staff["designee"])
    give(f.ALICE_BALANCE, staff["designee"])
    give(f.BOB_TRAUMA, staff["office"])
    printed = printer_spy.print_all()
    assert len(printed) == 3
    receipts = [parse(data).text for data in printed]
    for label, person in (("PJE-00001", "Alice Able"), ("PJE-00002", "Alice Able"),
                          ("PJE-00003", "Bob Baker")):
        assert sum(label in text for text in receipts) == 1
        assert any(label in text and person in text for text in receipts)
    assert [job.status for job in jobs()] == ["printed"] * 3
    assert all(job.printed_at is not None for job in jobs())
    assert printed == [job.data for job in jobs()]

    assert print_pending(ctx) == 0
    assert printer_spy.receipts() == printed
    assert counts(db.session).waiting == 0


def test_nothing_to_print_before_any_hand_out(ctx, printer_spy):
    assert printer_spy.print_all() == []


def test_printer_backend_none_records_without_printing(ctx, staff, printer_spy):
    ctx.config["PRINTER_BACKEND"] = "none"
    dist_id = give(f.ALICE_TRAUMA, staff["designee"])
    assert db.session.get(Distribution, dist_id) is not None
    assert print_pending(ctx) == 0
    assert printer_spy.receipts() == []
    assert jobs() == [], "nothing is queued to print later by surprise"
