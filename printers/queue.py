"""The durable print queue: print jobs in the kiosk's database, one short transaction per step.

A receipt's job is written in the hand-out's own transaction (``pending``). The worker then:

1. claims the oldest due job: ``sending``, one more attempt (committed before any byte goes);
2. sends it;
3. marks it ``printed``; or ``failed`` with the next try after a back-off when nothing reached
   the printer; or ``uncertain`` when the printer broke off part-way.

A job found in ``sending`` when the worker starts was interrupted by a crash or a power cut:
it becomes ``uncertain``. Nothing here ever prints an uncertain job again by itself; a person
chooses "print it again" or "it printed" (kiosk/services/printing.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from kiosk.db import write_transaction
from kiosk.db_types import utcnow
from kiosk.extensions import db
from kiosk.models import PrintJob

DUE = ("pending", "failed")
WAITING = ("pending", "failed", "sending", "uncertain")  # not printed yet, not cancelled
SETTLED = ("printed", "cancelled")
INTERRUPTED = ("The kiosk stopped while this receipt was being sent to the printer. It may "
               "have printed in full, in part, or not at all.")


@dataclass(frozen=True)
class Claimed:
    id: int
    data: bytes
    name: str  # a file name for the file backend, and a job name for Windows


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return (PrintJob.status.in_(DUE),
            or_(PrintJob.next_attempt_at.is_(None), PrintJob.next_attempt_at <= now))


def next_due(now: datetime) -> int | None:
    """The id of the job that prints next, if one is due (a read, no transaction)."""
    return db.session.scalar(select(PrintJob.id).where(*_due(now))
                             .order_by(PrintJob.id).limit(1))


def claim_next(now: datetime) -> Claimed | None:
    """Take the oldest due job for sending; committed before any byte goes to the printer."""
    with write_transaction() as session:
        job = session.scalar(select(PrintJob).where(*_due(now)).order_by(PrintJob.id).limit(1))
        if job is None:
            return None
        job.status = "sending"
        job.attempts += 1
        label = job.distribution_id or "test"
        name = f"{job.id:06d}-{job.kind}-{label}.bin"
        return Claimed(job.id, job.data, name)


def mark_printed(job_id: int) -> None:
    with write_transaction() as session:
        session.execute(update(PrintJob).where(PrintJob.id == job_id, PrintJob.status == "sending")
                        .values(status="printed", printed_at=utcnow(), last_error=""))


def mark_failed(job_id: int, error: str, retry_at: datetime, *, attempted: bool) -> None:
    """Nothing reached the printer: the job waits until ``retry_at``. ``attempted`` is False
    when the job was never claimed (the printer could not even be opened)."""
    with write_transaction() as session:
        job = session.get(PrintJob, job_id)
        if job is None or job.status not in ("sending", *DUE):
            return
        if not attempted:
            job.attempts += 1
        job.status, job.last_error, job.next_attempt_at = "failed", error[:500], retry_at


def mark_uncertain(job_id: int, error: str) -> None:
    with write_transaction() as session:
        session.execute(update(PrintJob).where(PrintJob.id == job_id, PrintJob.status == "sending")
                        .values(status="uncertain", last_error=error[:500]))


def recover_interrupted() -> int:
    """After a crash: every job left in ``sending`` becomes ``uncertain``. Returns how many."""
    with write_transaction() as session:
        result = session.execute(update(PrintJob).where(PrintJob.status == "sending")
                                 .values(status="uncertain", last_error=INTERRUPTED))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def retry_now() -> int:
    """A person says the printer is back: every waiting job is due at once."""
    with write_transaction() as session:
        result = session.execute(update(PrintJob).where(PrintJob.status.in_(DUE))
                                 .values(next_attempt_at=None))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class QueueCounts:
    waiting: int = 0  # not printed yet: pending, failed, sending, uncertain
    uncertain: int = 0  # of those, waiting for a person's decision


def counts(session: Session) -> QueueCounts:
    rows = dict(session.execute(
        select(PrintJob.status, func.count()).where(PrintJob.status.in_(WAITING))
        .group_by(PrintJob.status)
    ).all())
    return QueueCounts(waiting=sum(rows.values()), uncertain=rows.get("uncertain", 0))
