"""A simple print worker: prints pending jobs, one at a time, after the hand-out has committed.

Issue 4 hardens this (status queries, backoff, uncertain jobs after a crash). Already here:
a job is marked ``sending`` before the bytes go out and ``printed`` after, so a crash in between
leaves evidence instead of a silent double print.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kiosk.db import write_transaction
from kiosk.extensions import db
from kiosk.models import PrintJob, utcnow

from .transport import PrinterUnavailable, send

log = logging.getLogger(__name__)


def print_pending(app: Flask, limit: int = 20) -> int:
    """Print what is waiting; returns how many jobs were printed."""
    printed = 0
    with app.app_context():
        backend = app.config["PRINTER_BACKEND"]
        target = app.config["PRINTER_PATH"]
        for _ in range(limit):
            job = _claim_next()
            if job is None:
                break
            job_id, data, name = job
            try:
                send(backend, target, name, data)
            except PrinterUnavailable as exc:
                _finish(job_id, ok=False, error=str(exc))
                log.warning("print job %s not printed: %s", job_id, exc)
                break
            _finish(job_id, ok=True)
            printed += 1
        db.session.remove()
    return printed


def _claim_next() -> tuple[int, bytes, str] | None:
    now = utcnow()
    with write_transaction() as session:
        job = session.scalar(
            select(PrintJob)
            .where(PrintJob.status == "pending",
                   or_(PrintJob.next_attempt_at.is_(None), PrintJob.next_attempt_at <= now))
            .order_by(PrintJob.id).limit(1)
        )
        if job is None:
            return None
        job.status = "sending"
        job.attempts += 1
        receipt = job.distribution_id or f"job-{job.id}"
        return job.id, job.data, f"{job.id:06d}-{receipt}.bin"


def _finish(job_id: int, ok: bool, error: str = "") -> None:
    with write_transaction() as session:
        job = session.get(PrintJob, job_id)
        if job is None:
            return
        if ok:
            job.status, job.printed_at, job.last_error = "printed", utcnow(), ""
        else:
            delay = min(5 * 2 ** max(job.attempts - 1, 0), 300)
            job.status, job.last_error = "pending", error
            job.next_attempt_at = utcnow() + timedelta(seconds=delay)


def start_worker(app: Flask, interval: float = 1.0) -> threading.Event:
    """Run ``print_pending`` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                print_pending(app)
            except Exception:  # keep the worker alive; the job stays queued
                log.exception("print worker failed")
            stop.wait(interval)

    threading.Thread(target=loop, name="print-worker", daemon=True).start()
    return stop


def waiting(session: Session) -> int:
    """Receipts not printed yet, including any a person has to look at."""
    return int(session.scalar(
        select(func.count()).where(PrintJob.status.in_(("pending", "sending", "uncertain")))
    ) or 0)
