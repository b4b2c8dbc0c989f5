"""The people's side of the print queue: what the printer badge and the Printer page show,
and what office staff do there (retry, cancel, settle an uncertain receipt, print a copy, print
a test page), plus a receipt as a PDF for the office printer. One transaction per action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Select, func, or_, select

from kiosk.printers import queue
from kiosk.printers import status as st
from kiosk.printers.receipt import ReceiptProfile, TestPageData, render_receipt, render_test_page
from kiosk.printers.receipt_pdf import render_receipt_pdf
from kiosk.printers.settings import PrinterSettings
from kiosk.printers.transport import (
    PrinterInterrupted,
    PrinterNotReading,
    PrinterUnavailable,
    open_device,
    printer_lock,
)
from kiosk.printers.worker import PrinterState, ask_status, worker_of

from ..db import write_transaction
from ..domain.staff import CurrentUser, can, may_see_receipt
from ..errors import InvalidInput, KioskError, NotAllowed, NotFound
from ..extensions import db
from ..models import Distribution, PrintJob, StaffUser, utcnow
from . import lookups
from .hand_out import receipt_data

BUSY_SECONDS = 15


@dataclass(frozen=True)
class PrinterView:
    """The printer as the badge and the Printer page show it."""

    where: str  # "network printer 10.0.0.5:9100"
    state: PrinterState
    counts: queue.QueueCounts

    @property
    def level(self) -> str:
        if self.counts.uncertain or self.state.status.level is st.Level.BAD:
            return "bad"
        if self.counts.waiting or self.state.status.level is st.Level.WARN:
            return "warn"
        return "good"

    @property
    def words(self) -> str:
        return self.state.status.words

    @property
    def printing_soon(self) -> bool:
        """Receipts wait for a printer that can take them: they print within moments, so the
        badge asks again within a second instead of saying "waiting" for a whole poll."""
        return (self.counts.waiting > self.counts.uncertain
                and not self.state.status.holds_queue)


def printer_view() -> PrinterView:
    settings = PrinterSettings.from_config(current_app.config)
    worker = worker_of(current_app)
    if settings.backend == "none":
        state = PrinterState(st.OFF)
    else:
        state = worker.state if worker is not None else PrinterState()
    return PrinterView(settings.describe(), state, queue.counts(db.session))


@dataclass(frozen=True)
class QueueShown:
    """The print jobs the Printer page shows one person: office staff and administrators see
    every job; anyone else the jobs of their own hand-outs (as in the hand-out log), and jobs of
    no hand-out, which carry no one's receipt. The printer badge counts every job: it is about
    the printer, and names no one."""

    waiting: list[PrintJob]  # not printed yet, oldest first (the order they print in)
    recent: list[PrintJob]  # printed or cancelled, newest first
    others_waiting: int  # waiting jobs of other staff's hand-outs, not shown
    mine_only: bool


def queue_for(user: CurrentUser, waiting: int = 200, recent: int = 20) -> QueueShown:
    waiting_query = select(PrintJob).where(PrintJob.status.in_(queue.WAITING))
    shown = _visible(waiting_query, user).order_by(PrintJob.id).limit(waiting)
    recent_query = select(PrintJob).where(PrintJob.status.in_(queue.SETTLED))
    latest = _visible(recent_query, user).order_by(PrintJob.id.desc()).limit(recent)
    mine_only = not _sees_all(user)
    others = 0
    if mine_only:
        visible = _visible(select(func.count()).select_from(PrintJob)
                           .where(PrintJob.status.in_(queue.WAITING)), user)
        others = queue.counts(db.session).waiting - int(db.session.scalar(visible) or 0)
    return QueueShown([job for job in db.session.scalars(shown) if _sees(user, job)],
                      [job for job in db.session.scalars(latest) if _sees(user, job)],
                      others, mine_only)


def _sees_all(user: CurrentUser) -> bool:
    return can(user.role, "log")  # may_see_receipt's "every receipt"


def _visible(query: Select, user: CurrentUser) -> Select:  # type: ignore[type-arg]
    """``query`` narrowed to the jobs ``user`` may see (the database's share of _sees)."""
    if _sees_all(user):
        return query
    return (query.outerjoin(Distribution, PrintJob.distribution_id == Distribution.id)
            .where(or_(PrintJob.distribution_id.is_(None),
                       Distribution.staff_user_id == user.id)))


def _sees(user: CurrentUser, job: PrintJob) -> bool:
    """The rule itself, for each job shown."""
    dist = job.distribution
    return dist is None or may_see_receipt(user.role, user.id, dist.staff_user_id)


def retry_waiting() -> int:
    """The printer is back (paper in, cable in): try every waiting receipt now."""
    count = queue.retry_now()
    _wake(now=True)
    return count


# What a person may do with a job, from which states, and the state it leaves the job in.
SETTLE = {
    "cancel": (("pending", "failed", "uncertain"), "cancelled"),
    "again": (("uncertain",), "pending"),  # it did not print: print it again
    "printed": (("uncertain",), "printed"),  # it printed after all
}
SETTLE_WORDS = {"cancel": "cancelled", "again": "sent to the printer again",
                "printed": "marked as printed"}


def settle(job_id: int, action: str, staff_id: int) -> PrintJob:
    if action not in SETTLE:
        raise InvalidInput("Choose cancel, print again, or it printed.")
    allowed, new_status = SETTLE[action]
    with write_transaction() as session:
        job = session.get(PrintJob, job_id)
        if job is None:
            raise NotFound("That print job is not in the queue.")
        if job.status not in allowed:
            raise InvalidInput(f"This receipt is {job.status} now, so it cannot be "
                               f"{SETTLE_WORDS[action]}. Reload the page to see where it is.")
        now = utcnow()
        job.status, job.settled_by_id, job.settled_at = new_status, staff_id, now
        job.settled_note = SETTLE_WORDS[action]
        if new_status == "printed":
            job.printed_at = now
        if new_status == "pending":
            job.next_attempt_at = None
    if new_status == "pending":
        _wake(now=True)
    return job


def reprint(distribution_id: str, staff_id: int) -> PrintJob:
    """A copy of a receipt from the log; it says COPY."""
    if PrinterSettings.from_config(current_app.config).backend == "none":
        raise InvalidInput("Receipts are switched off on this kiosk (printer: none). Print the "
                           "receipt as a PDF instead.")
    with write_transaction() as session:
        dist = session.get(Distribution, distribution_id)
        if dist is None:
            raise NotFound("There is no such hand-out.")
        if dist.void is not None:
            raise InvalidInput(f"Receipt {dist.receipt} was voided: there is no pin to give a "
                               "receipt for.")
        data = render_receipt(receipt_data(dist, copy=True),
                              ReceiptProfile.from_config(current_app.config))
        job = PrintJob(distribution_id=dist.id, kind="copy", data=data, status="pending",
                       requested_by_id=staff_id)
        session.add(job)
    _wake()
    return job


def receipt_pdf(distribution_id: str, user: CurrentUser) -> tuple[str, bytes]:
    """The receipt of a hand-out as a PDF: (file name, bytes). COPY once a receipt printed."""
    dist = db.session.get(Distribution, distribution_id)
    if dist is None:
        raise NotFound("There is no such hand-out.")
    if not may_see_receipt(user.role, user.id, dist.staff_user_id):
        raise NotAllowed("Only office staff see other people's receipts.")
    printed = db.session.scalar(select(PrintJob.id).where(
        PrintJob.distribution_id == dist.id, PrintJob.status == "printed").limit(1))
    return f"receipt-{dist.receipt}.pdf", render_receipt_pdf(
        receipt_data(dist, copy=printed is not None))


@dataclass(frozen=True)
class TestPageResult:
    printed: bool
    message: str
    status: st.PrinterStatus


def check_printer() -> tuple[st.PrinterStatus, str]:
    """Ask the printer now (the command line's `kiosk printer status`): its status and, when
    it cannot be reached, why."""
    settings = PrinterSettings.from_config(current_app.config)
    if settings.backend == "none":
        return st.OFF, ""
    problems = settings.problems()
    if problems:
        return st.UNREACHABLE, " ".join(problems)
    if not printer_lock.acquire(timeout=BUSY_SECONDS):
        raise KioskError("The printer is busy printing receipts. Try again in a moment.")
    try:  # one conversation: the worker cannot print in the middle of it
        try:
            device = open_device(settings, name="status")
        except PrinterUnavailable as exc:
            return st.UNREACHABLE, str(exc)
        try:
            return ask_status(device, settings), ""
        except PrinterUnavailable as exc:
            return st.UNREACHABLE, str(exc)
        finally:
            device.close()
    finally:
        printer_lock.release()


def print_test_page(staff_id: int | None) -> TestPageResult:
    """Print a test page now, outside the queue, and say at once whether it worked."""
    config = current_app.config
    settings = PrinterSettings.from_config(config)
    profile = ReceiptProfile.from_config(config)
    if settings.backend == "none":
        return TestPageResult(False, "Receipts are switched off (printer: none).", st.OFF)
    problems = settings.problems() + profile.problems()
    if problems:
        raise InvalidInput(" ".join(problems))
    staff = db.session.get(StaffUser, staff_id) if staff_id is not None else None
    now = utcnow()
    page = render_test_page(TestPageData(
        building=lookups.building_name(), printer=settings.describe(),
        printed_at=now.astimezone(lookups.timezone()).strftime("%Y-%m-%d %H:%M"),
        staff=staff.name if staff else "the command line"), profile)
    if not printer_lock.acquire(timeout=BUSY_SECONDS):
        raise KioskError("The printer is busy printing receipts. Try again in a moment.")
    try:
        result = _send_test_page(settings, page, now)
    finally:
        printer_lock.release()
    _note(result.status, now, "" if result.printed else result.message)
    return result


def _send_test_page(settings: PrinterSettings, page: bytes, now: datetime) -> TestPageResult:
    name = f"test-page-{now:%Y%m%d-%H%M%S}.bin"
    try:
        device = open_device(settings, name=name)
    except PrinterUnavailable as exc:
        return TestPageResult(False, f"Not printed. {exc}", st.UNREACHABLE)
    try:
        status = ask_status(device, settings)
        if status.holds_queue:
            return TestPageResult(False, f"Not printed: the printer says it is {status.words}.",
                                  status)
        device.write(page, name)
        device.wait_taken()
    except PrinterNotReading as exc:
        return TestPageResult(False, f"Not printed in full. {exc}", st.NOT_READING)
    except (PrinterUnavailable, PrinterInterrupted) as exc:
        return TestPageResult(False, f"Not printed. {exc}", st.UNREACHABLE)
    finally:
        device.close()
    says = (f"The printer says it is {status.words}." if settings.asks_status
            else "This kind of printer does not report its status: check the paper.")
    return TestPageResult(True, f"Test page sent to the {settings.describe()}. {says}",
                          status if settings.asks_status else st.READY)


def _note(status: st.PrinterStatus, now: datetime, detail: str) -> None:
    worker = worker_of(current_app)
    if worker is not None:
        worker.state = PrinterState(status, now, detail, None)
        worker.wake(now=True)


def _wake(now: bool = False) -> None:
    worker = worker_of(current_app)
    if worker is not None:
        worker.wake(now=now)
