"""The print queue against a real (loopback) network printer: a hand-out is recorded whatever
the printer does; each receipt prints once; nothing is printed twice without a person."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Distribution, PrintJob, utcnow
from kiosk.printers import queue
from kiosk.printers import status as st
from kiosk.printers.worker import PrintWorker, install
from kiosk.services import printing
from kiosk.services.hand_out import hand_out
from tests import factories as f
from tests.integration.conftest import on_hand, run_together
from tests.loopback_printer import PrinterMood
from tests.unit.escpos_tokens import parse

ROOT = str(Path(__file__).resolve().parents[2])


def give(payload: str, staff_id: int) -> str:
    return hand_out(payload, str(uuid.uuid4()), staff_id).distribution.receipt


def jobs() -> list[PrintJob]:
    db.session.rollback()  # see what the worker committed on its own connection
    db.session.expire_all()
    return list(db.session.scalars(select(PrintJob).order_by(PrintJob.id)))


def statuses() -> list[str]:
    return [job.status for job in jobs()]


def printed_labels(receipts: list[bytes]) -> list[str]:
    """The receipt number on each receipt the printer received, in the order received."""
    found = []
    for data in receipts:
        text = " ".join(parse(data).text.split())
        found.append(next((word for word in text.split() if word.startswith("PJE-")), "?"))
    return found


@pytest.fixture
def worker(ctx, loopback_printer):  # type: ignore[no-untyped-def]
    """The app's print worker, driven one round at a time by the test (no thread)."""
    return install(ctx)


def test_receipts_print_once_each_in_the_order_handed_out(ctx, staff, worker, loopback_printer):
    labels = [give(p, staff["designee"]) for p in (f.ALICE_TRAUMA, f.ALICE_BALANCE,
                                                   f.BOB_TRAUMA)]
    assert worker.run_once() == 3
    assert printed_labels(loopback_printer.receipts()) == labels
    assert statuses() == ["printed"] * 3
    assert worker.state.status is st.READY
    assert worker.run_once() == 0
    assert printed_labels(loopback_printer.receipts()) == labels, "nothing printed twice"
    assert [j.data for j in jobs()] == loopback_printer.receipts(), "every byte, as rendered"


def test_a_printer_that_is_off_never_blocks_or_loses_a_hand_out(ctx, staff, worker,
                                                                loopback_printer):
    loopback_printer.stop()
    first = give(f.ALICE_TRAUMA, staff["designee"])
    assert worker.run_once() == 0
    second = give(f.BOB_TRAUMA, staff["designee"])
    assert db.session.scalar(select(Distribution).where(Distribution.receipt == second))
    assert on_hand(f.TRAUMA) == f.STOCK[f.TRAUMA] - 2

    failed, waiting = jobs()
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "did not answer" in failed.last_error and "refused" in failed.last_error
    assert failed.next_attempt_at is not None
    assert timedelta(seconds=4) < failed.next_attempt_at - utcnow() <= timedelta(seconds=5)
    assert (waiting.status, waiting.attempts) == ("pending", 0)
    assert worker.state.status is st.UNREACHABLE
    assert queue.counts(db.session).waiting == 2

    loopback_printer.start()
    assert worker.run_once() == 0, "the back-off holds: the kiosk does not hammer the printer"
    assert loopback_printer.connections == 0

    printing.retry_waiting()  # a person says the printer is back
    assert worker.run_once() == 2
    assert printed_labels(loopback_printer.receipts()) == [first, second]
    assert statuses() == ["printed", "printed"]


def test_the_back_off_doubles_and_stays_at_five_minutes(ctx, staff, worker, loopback_printer):
    loopback_printer.stop()
    give(f.ALICE_TRAUMA, staff["designee"])
    waits = []
    for _ in range(9):
        worker.state.retry_at = None  # as if each back-off had run out
        worker.run_once()
        [job] = jobs()
        waits.append(round((job.next_attempt_at - utcnow()).total_seconds()))
        job.next_attempt_at = None
        db.session.commit()
    assert waits == [5, 10, 20, 40, 80, 160, 300, 300, 300]
    [job] = jobs()
    assert (job.status, job.attempts) == ("failed", 9), "no age limit: it is never dropped"


@pytest.mark.parametrize("mood, words", [
    (PrinterMood(paper="out"), "out of paper"),
    (PrinterMood(cover_open=True), "offline (cover open)"),
])
def test_paper_out_or_an_open_cover_holds_the_queue(ctx, staff, worker, loopback_printer,
                                                    mood, words):
    loopback_printer.mood = mood
    label = give(f.ALICE_TRAUMA, staff["designee"])
    assert worker.run_once() == 0
    assert loopback_printer.receipts() == [], "not a byte is sent to a printer that cannot print"
    [job] = jobs()
    assert (job.status, job.attempts) == ("pending", 0), "holding is not a failed attempt"
    assert worker.state.status.words == words
    assert printing.printer_view().level == "bad"

    loopback_printer.mood = PrinterMood()  # paper in, cover closed
    worker.state.retry_at = None  # the worker asks again a few seconds later
    assert worker.run_once() == 1
    assert printed_labels(loopback_printer.receipts()) == [label]


def test_paper_running_low_still_prints_and_warns(ctx, staff, worker, loopback_printer):
    loopback_printer.mood = PrinterMood(paper="low")
    give(f.ALICE_TRAUMA, staff["designee"])
    assert worker.run_once() == 1
    assert worker.state.status is st.PAPER_LOW
    assert printing.printer_view().level == "warn"


def test_a_printer_that_never_answers_still_prints_with_its_status_unknown(
        ctx, staff, worker, loopback_printer):
    loopback_printer.mood = PrinterMood(answers=False)
    labels = [give(p, staff["designee"]) for p in (f.ALICE_TRAUMA, f.BOB_TRAUMA)]
    started = time.monotonic()
    assert worker.run_once() == 2
    assert printed_labels(loopback_printer.wait_for(2)) == labels
    assert worker.state.status is st.UNKNOWN, "no reply is unknown, never 'plenty of paper'"
    assert loopback_printer.queries == 1, "a silent printer is asked once a round, not per line"
    assert time.monotonic() - started < 5


def test_a_connection_reset_mid_receipt_is_never_printed_again_by_itself(
        ctx, staff, worker, loopback_printer):
    loopback_printer.mood = PrinterMood(reset_after=300)
    torn = give(f.ALICE_TRAUMA, staff["designee"])
    whole = give(f.BOB_TRAUMA, staff["designee"])
    assert worker.run_once() == 0
    assert loopback_printer.resets == 1
    assert len(loopback_printer.data) == 300, "the printer got part of the first receipt"
    first, second = jobs()
    assert first.status == "uncertain"
    assert "broke" in first.last_error
    assert second.status == "pending"

    for _ in range(3):  # later rounds drain the queue, and leave the torn receipt alone
        worker.state.retry_at = None
        worker.run_once()
    assert statuses() == ["uncertain", "printed"]
    assert printed_labels(loopback_printer.receipts()[1:]) == [whole]
    assert queue.counts(db.session) == queue.QueueCounts(waiting=1, uncertain=1)

    printing.settle(first.id, "again", staff["office"])  # a person saw a torn receipt
    worker.state.retry_at = None
    assert worker.run_once() == 1
    assert printed_labels(loopback_printer.receipts()[1:]) == [whole, torn]
    again = jobs()[0]
    assert (again.status, again.settled_by_id) == ("printed", staff["office"])


def test_an_uncertain_receipt_that_did_print_is_marked_printed_by_a_person(
        ctx, staff, worker, loopback_printer):
    loopback_printer.mood = PrinterMood(reset_after=300)
    give(f.ALICE_TRAUMA, staff["designee"])
    worker.run_once()
    [job] = jobs()
    printing.settle(job.id, "printed", staff["office"])
    worker.state.retry_at = None
    assert worker.run_once() == 0
    [job] = jobs()
    assert (job.status, job.settled_note) == ("printed", "marked as printed")
    assert len(loopback_printer.receipts()) == 1


def test_paper_running_out_during_a_receipt_leaves_it_uncertain(ctx, staff, worker,
                                                               loopback_printer):
    give(f.ALICE_TRAUMA, staff["designee"])
    give(f.BOB_TRAUMA, staff["designee"])
    original = loopback_printer.mood

    class RunsOut(PrinterMood):
        @property  # type: ignore[override]
        def paper(self) -> str:
            return "out" if loopback_printer.data else "ok"

        @paper.setter
        def paper(self, value: str) -> None:
            pass

    loopback_printer.mood = RunsOut()
    assert worker.run_once() == 0
    first, second = jobs()
    assert first.status == "uncertain"
    assert "out of paper right after" in first.last_error
    assert second.status == "pending", "the queue holds until there is paper"
    assert worker.state.status is st.PAPER_OUT
    loopback_printer.mood = original


def test_a_kiosk_crash_between_sending_and_printed_asks_a_person(app, tmp_path,
                                                                loopback_printer):
    """The process dies after the receipt went out but before it was marked printed. On
    restart the job is uncertain, and the worker prints everything else but not that one."""
    script = textwrap.dedent(f"""
        import os, sys, uuid
        from pathlib import Path
        sys.path.insert(0, {ROOT!r})
        from tests.conftest import make_app
        from tests import factories
        from kiosk.printers import queue, worker
        from kiosk.services.hand_out import hand_out

        def power_cut(job_id):
            os._exit(9)

        app = make_app(Path({str(tmp_path)!r}), PRINTER_BACKEND="network",
                       PRINTER_HOST="127.0.0.1", PRINTER_PORT={loopback_printer.port},
                       PRINTER_STATUS_TIMEOUT=0.3)
        with app.app_context():
            hand_out(factories.ALICE_TRAUMA, str(uuid.uuid4()), factories.staff_id("designee"))
        queue.mark_printed = power_cut
        worker.PrintWorker(app).run_once()
    """)
    died = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert died.returncode == 9, died.stderr.decode()
    assert len(loopback_printer.receipts()) == 1

    with app.app_context():
        assert statuses() == ["sending"]
        give(f.BOB_TRAUMA, f.staff_id("designee"))
        thread_worker = install(app)
        thread_worker.start()  # what `kiosk serve` does after the crash
        try:
            received = loopback_printer.wait_for(2)
        finally:
            thread_worker.stop()
        assert statuses() == ["uncertain", "printed"]
        assert "may have printed" in jobs()[0].last_error
        assert len(received) == 2, "the interrupted receipt was not printed again by itself"


def test_a_hand_out_wakes_the_worker(app, loopback_printer):
    with app.app_context():
        worker = install(app, interval=60.0, idle_check_seconds=600.0)
        worker.start()
        try:
            time.sleep(0.2)  # the worker is asleep for a minute now
            label = give(f.ALICE_TRAUMA, f.staff_id("designee"))
            received = loopback_printer.wait_for(1, timeout=5)
        finally:
            worker.stop()
        assert printed_labels(received) == [label]


def test_two_rounds_at_once_print_each_receipt_once(app, loopback_printer):
    with app.app_context():
        for payload in (f.ALICE_TRAUMA, f.ALICE_BALANCE, f.BOB_TRAUMA):
            give(payload, f.staff_id("designee"))
    workers = [PrintWorker(app), PrintWorker(app)]
    results = run_together(app, [w.run_once for w in workers])
    assert [kind for kind, _ in results] == ["ok", "ok"]
    assert sum(value for _, value in results) == 3
    assert len(loopback_printer.receipts()) == 3
    with app.app_context():
        assert statuses() == ["printed"] * 3


def test_the_printer_restarting_mid_queue_loses_nothing(ctx, staff, worker, loopback_printer):
    labels = [give(f.ALICE_TRAUMA, staff["designee"])]
    assert worker.run_once() == 1
    loopback_printer.stop()
    labels += [give(f.ALICE_BALANCE, staff["designee"]), give(f.BOB_TRAUMA, staff["designee"])]
    worker.run_once()
    loopback_printer.start()
    printing.retry_waiting()
    assert worker.run_once() == 2
    assert printed_labels(loopback_printer.receipts()) == labels


def test_printing_off_records_hand_outs_and_shows_off(ctx, staff, worker):
    ctx.config["PRINTER_BACKEND"] = "none"
    give(f.ALICE_TRAUMA, staff["designee"])
    assert worker.run_once() == 0
    assert jobs() == []
    assert printing.printer_view().words == st.OFF.words


def test_a_copy_says_copy_and_prints_after_the_original(ctx, staff, worker, loopback_printer):
    label = give(f.ALICE_TRAUMA, staff["designee"])
    dist = db.session.scalar(select(Distribution).where(Distribution.receipt == label))
    copy = printing.reprint(dist.id, staff["office"])
    assert copy.kind == "copy" and copy.requested_by_id == staff["office"]
    assert worker.run_once() == 2
    original, again = loopback_printer.receipts()
    assert "COPY" not in parse(original).text
    assert "COPY" in parse(again).text and label in parse(again).text


def test_a_person_cannot_settle_a_job_twice(ctx, staff, worker, loopback_printer):
    give(f.ALICE_TRAUMA, staff["designee"])
    worker.run_once()
    [job] = jobs()
    from kiosk.errors import InvalidInput

    for action in ("cancel", "again", "printed"):
        with pytest.raises(InvalidInput, match="printed now"):
            printing.settle(job.id, action, staff["office"])
    assert statuses() == ["printed"]


# --- a printer that accepts the connection but does not read ---------------------------------


@pytest.fixture
def hung_printer(ctx, loopback_printer):  # type: ignore[no-untyped-def]
    """The loopback printer hung: it accepts connections and never reads. Its window is a
    printer's (about 2 KB of input buffer), not the kernel's 85 KB, which would swallow a whole
    receipt for it. The kiosk gives a receipt half a second to go."""
    loopback_printer.input_buffer = 2048
    loopback_printer.mood = PrinterMood(stall=True)
    loopback_printer.restart()
    ctx.config["PRINTER_TIMEOUT"] = 0.5
    return loopback_printer


def test_a_printer_that_never_reads_leaves_each_receipt_uncertain_not_printed(
        ctx, staff, worker, hung_printer):
    labels = [give(p, staff["designee"]) for p in (f.ALICE_TRAUMA, f.ALICE_BALANCE,
                                                   f.BOB_TRAUMA)]
    for _ in range(3):
        worker.state.retry_at = None  # as if each back-off had run out
        assert worker.run_once() == 0
    assert statuses() == ["uncertain"] * 3
    assert [job.attempts for job in jobs()] == [1, 1, 1]
    for job in jobs():
        assert "The printer took only" in job.last_error, job.last_error
    assert hung_printer.data == b"", "the printer read nothing"
    assert queue.counts(db.session) == queue.QueueCounts(waiting=3, uncertain=3)
    assert worker.state.status is st.NOT_READING
    assert printing.printer_view().level == "bad"

    hung_printer.mood.stall = False  # the printer comes back to life
    for _ in range(2):
        worker.state.retry_at = None
        worker.run_once()
    time.sleep(0.3)  # it reads what it had taken in while it hung
    assert statuses() == ["uncertain"] * 3, "nothing is printed again by itself"
    torn = hung_printer.data
    assert 0 < len(torn) <= 3 * 2048, "only what it had taken in: the rest was never sent"
    assert not any(job.data in torn for job in jobs()), "no whole receipt came out"

    again = jobs()[1]
    printing.settle(again.id, "again", staff["office"])  # a person saw a torn receipt
    worker.state.retry_at = None
    assert worker.run_once() == 1
    assert hung_printer.data == torn + again.data
    assert labels[1] in parse(again.data).text
    assert statuses() == ["uncertain", "printed", "uncertain"]


def test_a_printer_that_hangs_mid_receipt_without_the_socket_telling_is_uncertain(
        ctx, staff, worker, loopback_printer, monkeypatch):
    """Where the kiosk cannot ask its socket what the printer took (Windows), a printer that
    answered before a receipt and is silent after it has stopped reading."""
    from kiosk.printers import transport

    monkeypatch.setattr(transport, "_unacknowledged", lambda sock: None)
    ctx.config["PRINTER_TIMEOUT"] = 0.5
    loopback_printer.mood = PrinterMood(stall_after=300)
    give(f.ALICE_TRAUMA, staff["designee"])
    assert worker.run_once() == 0
    [job] = jobs()
    assert job.status == "uncertain"
    assert "did not answer after" in job.last_error, job.last_error
    assert len(loopback_printer.data) == 300
    assert worker.state.status is st.NOT_READING


def test_a_printer_slow_to_take_a_receipt_still_prints_it(ctx, staff, worker,
                                                           loopback_printer):
    import threading

    loopback_printer.input_buffer = 2048
    loopback_printer.restart()
    label = give(f.ALICE_TRAUMA, staff["designee"])
    mood = loopback_printer.mood
    mood.stall_after = 1000  # busy for a moment after the first kilobyte

    def wakes_up() -> None:
        deadline = time.monotonic() + 5
        while not mood.stall and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        mood.stall = False

    threading.Thread(target=wakes_up, daemon=True).start()
    assert worker.run_once() == 1
    assert printed_labels(loopback_printer.receipts()) == [label]
    assert statuses() == ["printed"]


def test_what_a_hung_printer_did_not_take_is_dropped_not_sent_when_it_wakes(ctx,
                                                                           hung_printer):
    """Bytes still in the kiosk's socket when it gives up are thrown away: a printer that wakes
    up later must not print the rest of a receipt a person may have printed again."""
    from kiosk.printers.settings import PrinterSettings
    from kiosk.printers.transport import PrinterNotReading, open_device

    device = open_device(PrinterSettings.from_config(ctx.config))
    device.write(b"x" * 20000)  # into the kiosk's socket buffer
    with pytest.raises(PrinterNotReading, match="took only .* of 20000 bytes in 0.5 s"):
        device.wait_taken()
    device.close()
    hung_printer.mood.stall = False
    time.sleep(0.5)
    assert 0 < len(hung_printer.data) <= 4096, "only what it had taken before"
