"""The print worker: one thread that prints queued receipts after their hand-outs committed.

Each round it opens the printer, asks its status (network, USB and serial printers), and
prints due jobs oldest first, asking again before each one:

- paper out, cover open, offline or an error hold the queue: nothing is sent and no attempt is
  charged; the status is asked again every few seconds;
- no answer, or an answer that is not a status byte, is *unknown*: the receipt is printed
  anyway (many printers never answer), but the badge says the status is unknown;
- a printer that answered before a receipt but not after it has stopped reading: the receipt
  is ``uncertain``, and so is one the printer did not take within the timeout (transport.py);
- a printer that cannot be reached fails the job with a back-off of 5 s, 10 s, 20 s ... up to
  5 minutes, with no age limit: a receipt is never dropped;
- a printer that breaks off part-way leaves the job ``uncertain`` for a person to settle.

A hand-out wakes the worker, so a receipt prints at once when the printer is ready. The state
it last saw is what the printer badge on every page shows.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask

from kiosk.background import Rounds
from kiosk.db_types import utcnow
from kiosk.extensions import db

from . import queue
from . import status as st
from .settings import PrinterSettings
from .transport import (
    Device,
    PrinterInterrupted,
    PrinterNotReading,
    PrinterUnavailable,
    open_device,
    printer_lock,
)

log = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 5
BACKOFF_MAX_SECONDS = 300
EXTENSION = "pin_kiosk.print_worker"


def backoff_seconds(failures: int) -> int:
    """5 s after the first failure, doubling, at most 5 minutes."""
    return int(min(BACKOFF_FIRST_SECONDS * 2 ** min(max(failures - 1, 0), 16),
                   BACKOFF_MAX_SECONDS))


@dataclass
class PrinterState:
    """What the worker last learned about the printer."""

    status: st.PrinterStatus = st.NOT_CHECKED
    checked_at: datetime | None = None
    detail: str = ""  # the last error, in words
    retry_at: datetime | None = None


def ask_status(device: Device, settings: PrinterSettings) -> st.PrinterStatus:
    """The printer's own answer (network, USB, serial); UNKNOWN for printers that cannot.
    Raises PrinterUnavailable when the connection is gone."""
    return StatusAsker(device, settings).ask()


class StatusAsker:
    """Asks one open printer for its status. A printer that did not answer once is not asked
    again on this connection: each question would only cost another timeout."""

    def __init__(self, device: Device, settings: PrinterSettings) -> None:
        self.device, self.timeout = device, settings.status_timeout
        self.asks = settings.asks_status
        self.answered = False  # it answered on this connection
        # after a receipt, a printer that answers may first have to take the receipt in
        self.patience = max(settings.status_timeout, settings.timeout)

    def ask(self, timeout: float | None = None) -> st.PrinterStatus:
        if not self.asks:
            return st.UNKNOWN
        printer = self.device.ask(st.ASK_PRINTER, timeout or self.timeout)
        if st.status_byte(printer) is None:
            self.asks = False
            return st.UNKNOWN
        self.answered = True
        cause = (self.device.ask(st.ASK_OFFLINE_CAUSE, self.timeout)
                 if st.needs_cause(printer) else None)
        paper = self.device.ask(st.ASK_PAPER, self.timeout)
        return st.decode(printer, cause, paper)

    def ask_after_receipt(self) -> st.PrinterStatus | None:
        """The status right after a receipt; None when a printer that answered before it does
        not answer now: it has stopped reading, and the receipt may not have reached it."""
        if not self.answered:
            return self.ask()
        after = self.ask(self.patience)
        return after if self.asks else None


@dataclass
class PrintWorker(Rounds):
    app: Flask
    interval: float = 1.0  # seconds between rounds when nothing wakes the worker
    hold_seconds: float = 5.0  # how soon to ask again while the printer holds the queue
    idle_check_seconds: float = 30.0  # how often to ask an idle printer, for the badge
    batch: int = 20  # receipts per round at most
    state: PrinterState = field(default_factory=PrinterState)
    failures: int = 0
    _wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    name = "print-worker"

    # --- one round -----------------------------------------------------------------------

    def run_once(self) -> int:
        """Print what is due now; returns how many receipts were printed."""
        with self.app.app_context():
            try:
                return self._round(PrinterSettings.from_config(self.app.config), utcnow())
            finally:
                db.session.remove()

    def _round(self, settings: PrinterSettings, now: datetime) -> int:
        if settings.backend == "none":
            self._see(st.OFF, now)
            return 0
        if self.state.retry_at is not None and now < self.state.retry_at:
            return 0
        job_id = queue.next_due(now)
        check_due = settings.asks_status and (
            self.state.checked_at is None
            or now - self.state.checked_at >= timedelta(seconds=self.idle_check_seconds))
        if job_id is None and not check_due:
            return 0
        with printer_lock:
            try:
                device = open_device(settings, name="status" if job_id is None else "receipts")
            except PrinterUnavailable as exc:
                self._unreachable(str(exc), now)
                if job_id is not None:
                    queue.mark_failed(job_id, str(exc), self._back_off(now), attempted=False)
                return 0
            try:
                return self._print_due(device, settings)
            finally:
                device.close()

    def _print_due(self, device: Device, settings: PrinterSettings) -> int:
        printed = 0
        asker = StatusAsker(device, settings)
        try:
            before = asker.ask()
        except PrinterUnavailable as exc:
            self._unreachable(str(exc), utcnow())
            self._back_off(utcnow())
            return printed
        while printed < self.batch and not self._stop.is_set():
            now = utcnow()
            if before.holds_queue:
                self._see(before, now, retry_in=self.hold_seconds)
                return printed
            job = queue.claim_next(now)
            if job is None:
                if printed or settings.asks_status:
                    self._see(before if settings.asks_status else st.READY, now)
                return printed
            outcome = self._send(device, asker, job)
            if outcome is None:
                return printed
            printed += 1
            before = outcome
        return printed

    def _send(self, device: Device, asker: StatusAsker,
              job: queue.Claimed) -> st.PrinterStatus | None:
        """Send one claimed job and settle it; the printer's status after it, or None when
        the round must stop."""
        now = utcnow()
        try:
            device.write(job.data, job.name)
        except PrinterUnavailable as exc:
            queue.mark_failed(job.id, str(exc), self._back_off(now), attempted=True)
            self._unreachable(str(exc), now)
            return None
        except PrinterInterrupted as exc:
            self._uncertain(job, str(exc), now, isinstance(exc, PrinterNotReading))
            return None
        try:  # did it arrive? a printer that dropped the connection or ran dry cannot say
            after = asker.ask_after_receipt()
            device.wait_taken()  # after the question: its answer acknowledges the receipt
        except PrinterUnavailable as exc:
            self._uncertain(job, f"The connection broke after the receipt was sent ({exc}).",
                            now)
            return None
        except PrinterInterrupted as exc:
            self._uncertain(job, str(exc), now, isinstance(exc, PrinterNotReading))
            return None
        if after is None:
            self._uncertain(job, "The printer answered before this receipt but did not answer "
                                 "after it: it may have stopped reading.", now, True)
            return None
        if after.holds_queue:
            self._uncertain(job, f"The printer said it was {after.words} right after this "
                                 "receipt was sent.", now)
            self._see(after, now, retry_in=self.hold_seconds)
            return None
        queue.mark_printed(job.id)
        self.failures = 0
        self._see(after if asker.asks else st.READY, utcnow())
        return after

    def _uncertain(self, job: queue.Claimed, why: str, now: datetime,
                   not_reading: bool = False) -> None:
        queue.mark_uncertain(job.id, why)
        self._back_off(now)
        if not_reading:  # it is there, but does not read: the badge says so
            self.state = PrinterState(st.NOT_READING, now, why, self.state.retry_at)
        else:
            self._unreachable(why, now)
        log.warning("receipt job %s is uncertain: %s", job.id, why)

    # --- state -----------------------------------------------------------------------------

    def _see(self, status: st.PrinterStatus, now: datetime, retry_in: float | None = None,
             detail: str = "") -> None:
        retry_at = now + timedelta(seconds=retry_in) if retry_in else None
        self.state = PrinterState(status, now, detail, retry_at)

    def _unreachable(self, detail: str, now: datetime) -> None:
        self.state = PrinterState(st.UNREACHABLE, now, detail, self.state.retry_at)
        log.warning("printer not reachable: %s", detail)

    def _back_off(self, now: datetime) -> datetime:
        self.failures += 1
        retry_at = now + timedelta(seconds=backoff_seconds(self.failures))
        self.state = PrinterState(self.state.status, self.state.checked_at, self.state.detail,
                                  retry_at)
        return retry_at

    # --- the thread ------------------------------------------------------------------------

    def wake(self, *, now: bool = False) -> None:
        """Look at the queue soon; ``now`` also forgets the back-off (a person said retry)."""
        if now:
            self.failures = 0
            self.state = PrinterState(self.state.status, self.state.checked_at,
                                      self.state.detail, None)
        self.wake_soon()

    def start(self) -> None:
        """Settle what a crash left in ``sending``, then print in a daemon thread."""
        with self.app.app_context():
            left = queue.recover_interrupted()
            db.session.remove()
        if left:
            log.warning("%d receipt(s) were being sent when the kiosk stopped; a person "
                        "decides whether to print them again", left)
        self.start_rounds()

    def pause(self) -> float:
        retry_at = self.state.retry_at
        if retry_at is None:
            return self.interval
        return max(min((retry_at - utcnow()).total_seconds(), BACKOFF_MAX_SECONDS), 0.05)


def install(app: Flask, **options: float) -> PrintWorker:
    """Create this app's print worker (started by ``kiosk serve``)."""
    worker = PrintWorker(app, **options)  # type: ignore[arg-type]
    app.extensions[EXTENSION] = worker
    return worker


def worker_of(app: Flask) -> PrintWorker | None:
    worker = app.extensions.get(EXTENSION)
    return worker if isinstance(worker, PrintWorker) else None


def print_pending(app: Flask) -> int:
    """One round now, outside any thread (tests, `kiosk printer drain`)."""
    worker = worker_of(app) or PrintWorker(app)
    return worker.run_once()
