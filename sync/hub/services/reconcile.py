"""Reconciliation: what each building should have on hand, and the exceptions a person must
look at (docs/sync-protocol.md, "Reconciliation").

Exceptions found as events arrive: the same pin given to the same person twice (at two
buildings, or twice at one), a pin given against a revoked or unknown award, a kiosk clock off
by more than five minutes, a broken hash chain, an altered event. Found by a sweep (on the
dashboard and every few minutes in `kiosk hub serve`): stock below zero, a kiosk silent for too
long. Each is resolved with a note (who, when, what was done) and stays in the history.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from kiosk.domain.text import typed_text

from ..db import SWEEP_LOCK, hub_transaction, try_advisory_lock
from ..errors import InvalidInput, NotFound
from ..extensions import hub_db
from ..models import (
    HubBuilding,
    HubCount,
    HubCredential,
    HubException,
    HubStock,
    HubSweep,
    HubWaitlist,
    Kiosk,
    utcnow,
)
from . import involved, people

KINDS = {
    "duplicate": "Same pin given twice",
    "revoked_award": "Pin given against a revoked award",
    "unknown_award": "Pin given against an unknown award",
    "stock_below_zero": "Stock below zero",
    "clock": "Kiosk clock off",
    "broken_chain": "Broken event chain",
    "altered_event": "Altered event",
    "silent_kiosk": "Kiosk silent",
    "foreign_record": "Not the building's own record",
}
SWEEP_NAME = "reconcile"  # the ``hub_sweep`` row of the scheduled sweep
KEY_CHARS = int(HubException.__table__.c.key.type.length)  # 300: the column


def stored_key(key: str) -> str:
    """An exception's key as the hub stores it. A key longer than its column (a duplicate names
    every standing hand-out of the pin to the person: more than seven are over 300 characters)
    is cut, with the SHA-256 of the whole key after it: still one key for one thing, and
    PostgreSQL, which refuses text longer than a column, stores it."""
    if len(key) <= KEY_CHARS:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[:KEY_CHARS - 80]}...sha256:{digest}"


def raise_once(session: Session, kind: str, key: str, summary: str, building_id: int | None,
               kiosk_id: str | None = None, details: dict[str, Any] | None = None,
               employee_id: str | None = None) -> None:
    """Open an exception unless the same one is open already (``employee_id``: the person it
    is about, for their page)."""
    key = stored_key(key)
    session.flush()
    if session.scalar(select(HubException.id).where(HubException.key == key,
                                                    HubException.status == "open")):
        return
    session.add(HubException(kind=kind, key=key, summary=summary, building_id=building_id,
                             kiosk_id=kiosk_id, details=json.dumps(details or {}),
                             opened_at=utcnow(), employee_id=employee_id or None))


def settle(session: Session, key: str, note: str, by: str = "the hub") -> None:
    """Resolve an open exception that the hub itself saw go away (a gap filled later)."""
    key = stored_key(key)
    for exc in session.scalars(select(HubException).where(HubException.key == key,
                                                          HubException.status == "open")):
        exc.status, exc.resolved_by, exc.resolved_at, exc.resolution = (
            "resolved", by, utcnow(), note)


def check_hand_out(session: Session, row: dict[str, Any], award: Any,
                   standing: list[Any]) -> None:
    """Exceptions a new hand-out raises. ``award``: the district's award (id, revoked,
    revocation_reason, person_name) or None; ``standing``: hand-outs of the same pin to the
    same person not voided (id, building_id), this one included. Each names the person and
    carries in its details every building, receipt and kiosk involved (services/involved.py)."""
    building, employee = row["building_id"], row["employee_id"]
    name = (award.person_name if award is not None
            else people.names(session, [employee]).get(employee, ""))
    who = people.name_and_number(name, employee)

    def details(ids: list[str], **more: Any) -> dict[str, Any]:
        return {**more, **involved.hand_out_details(session, employee, name, ids)}

    if award is None:
        raise_once(session, "unknown_award", f"unknown:{row['id']}",
                   f"Receipt {row['receipt']}: a pin for {who} ({row['credential']}) was given "
                   f"against award {row['award_id']}, which the district does not know.",
                   building, row["kiosk_id"], details([row["id"]], distribution_id=row["id"],
                                                      award_id=row["award_id"]), employee)
    elif award.revoked:
        raise_once(session, "revoked_award", f"revoked:{row['id']}",
                   f"Receipt {row['receipt']}: a pin for {who} ({row['credential']}) was given "
                   f"against a revoked award ({award.revocation_reason or 'no reason given'}).",
                   building, row["kiosk_id"], details([row["id"]], distribution_id=row["id"],
                                                      award_id=award.id), employee)
    others = [h for h in standing if h.id != row["id"]]
    if others:
        ids = sorted([row["id"], *(h.id for h in others)])
        where = sorted({_building_name(session, h.building_id) for h in others}
                       | {_building_name(session, building)})
        raise_once(session, "duplicate", "duplicate:" + ":".join(ids),
                   f"The same pin ({row['credential']}) was given to {who} {len(ids)} times: "
                   f"at {', '.join(where)}.",
                   building, row["kiosk_id"], details(ids, distribution_ids=ids), employee)


def _building_name(session: Session, building_id: int) -> str:
    building = session.get(HubBuilding, building_id)
    return building.name if building else str(building_id)


def record_count(session: Session, building: int, event_id: str, credential: str, counted: int,
                 expected: int, at: datetime) -> None:
    session.add(HubCount(event_id=event_id, building_id=building, credential=credential,
                         counted=counted, expected=expected, at=at))


def note_applied(session: Session, ref: str, building: int) -> None:
    """A kiosk applied stock the district sent it (nothing to count twice: the district's own
    allocation is already in the ledger)."""


# --- the dashboard ---------------------------------------------------------------------------


@dataclass
class PinRow:
    building: str
    building_id: int
    pin: str
    credential: str
    allocated: int = 0
    transferred: int = 0  # in minus out
    received: int = 0  # shipments the building recorded itself
    handed_out: int = 0
    voided: int = 0
    counted_adjustment: int = 0
    adjusted: int = 0  # adjustments the kiosk recorded (damaged, lost, found...): net pins
    adjustments: int = 0  # how many adjustments
    last_count: int | None = None
    last_count_at: datetime | None = None
    variance: int | None = None  # counted minus what the kiosk expected at that count
    waitlist: int = 0
    called_back: int = 0  # of those waiting, people called back at least once
    removed: int = 0  # taken off the waitlist by office staff, with a reason
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def expected(self) -> int:
        return (self.allocated + self.transferred + self.received - self.handed_out
                + self.voided + self.adjusted + self.counted_adjustment)


def dashboard() -> list[PinRow]:
    session = hub_db.session
    pins = list(session.scalars(select(HubCredential).where(HubCredential.has_pin.is_(True))
                                .order_by(HubCredential.released_on, HubCredential.id)))
    rows: dict[tuple[int, str], PinRow] = {}
    for building in session.scalars(select(HubBuilding).order_by(HubBuilding.name_key)):
        for pin in pins:
            rows[(building.id, pin.name)] = PinRow(building.name, building.id, pin.pin_label,
                                                   pin.name)
    column = {"allocated": "allocated", "transfer_in": "transferred",
              "transfer_out": "transferred", "received": "received", "issued": "handed_out",
              "voided": "voided", "count": "counted_adjustment", "adjust": "adjusted"}
    for building_id, credential, kind, total, lines in session.execute(
        select(HubStock.building_id, HubStock.credential, HubStock.kind, func.sum(HubStock.qty),
               func.count())
        .group_by(HubStock.building_id, HubStock.credential, HubStock.kind)
    ):
        row = rows.get((building_id, credential))
        if row is None or kind not in column:
            continue
        if kind == "adjust":
            row.adjustments += int(lines)
        value = int(total or 0)
        if kind == "issued":
            value = -value
        setattr(row, column[kind], getattr(row, column[kind]) + value)
    latest = (select(HubCount.building_id, HubCount.credential, func.max(HubCount.at).label("at"))
              .group_by(HubCount.building_id, HubCount.credential).subquery())
    for count in session.scalars(select(HubCount).join(latest, (
            (HubCount.building_id == latest.c.building_id)
            & (HubCount.credential == latest.c.credential) & (HubCount.at == latest.c.at)))):
        row = rows.get((count.building_id, count.credential))
        if row is not None:
            row.last_count, row.last_count_at = count.counted, count.at
            row.variance = count.counted - count.expected
    called = case((HubWaitlist.contacts > 0, 1), else_=0)
    for building_id, credential, status, entries, called_back in session.execute(
        select(HubWaitlist.building_id, HubWaitlist.credential, HubWaitlist.status,
               func.count(), func.sum(called))
        .where(HubWaitlist.status.in_(("waiting", "removed")))
        .group_by(HubWaitlist.building_id, HubWaitlist.credential, HubWaitlist.status)
    ):
        row = rows.get((building_id, credential))
        if row is None:
            continue
        if status == "waiting":
            row.waitlist, row.called_back = int(entries), int(called_back or 0)
        else:
            row.removed = int(entries)
    return list(rows.values())


def expected_on_hand(building_id: int, credential: str) -> int:
    for row in dashboard():
        if row.building_id == building_id and row.credential == credential:
            return row.expected
    return 0


def sweep(now: datetime | None = None, wait: float = 5.0) -> int:
    """Find what only shows over time: stock below zero, kiosks silent too long. Returns how
    many exceptions are open after it.

    Sweeps run one at a time (``db.SWEEP_LOCK``), whatever the number of pages open and of hub
    servers sharing the database: each sees what the one before it opened, so an exception is
    opened once. While another sweeps (a few milliseconds, as a rule), this one waits up to
    ``wait`` seconds, then leaves it to that one: a page never hangs on a server that froze
    or lost its network in the middle of a sweep."""
    deadline = time.monotonic() + wait
    while True:
        with hub_transaction() as session:
            if try_advisory_lock(session, SWEEP_LOCK):
                return _sweep(session, now or utcnow())
            if time.monotonic() >= deadline:
                return _open(session)
        time.sleep(0.02)


@dataclass(frozen=True)
class PeriodSweep:
    outcome: str  # "swept"; "done": swept this period already; "busy": another sweeps now
    period: datetime  # the start of the period it was for
    open: int | None = None  # exceptions open after it, when it swept


def sweep_once_per_period(period: float, by: str = "",
                          now: datetime | None = None) -> PeriodSweep:
    """The sweep of `kiosk hub serve`, once per period of ``period`` seconds on the clock
    (300: the periods begin at :00, :05, :10 ...), between all the servers sharing the database:
    the first to ask in a period sweeps, under the sweep lock, and records when (``hub_sweep``)
    in the same transaction; the others see that record and skip. Another server sweeping at
    this very moment is "busy": ask again a little later, in case it dies before it commits
    (its lock goes with it, and its sweep was never recorded)."""
    with hub_transaction() as session:
        locked = try_advisory_lock(session, SWEEP_LOCK)
        now = now or _database_clock(session)
        start = period_start(now, period)
        if not locked:
            return PeriodSweep("busy", start)
        last = session.get(HubSweep, SWEEP_NAME, populate_existing=True)
        if last is not None and last.swept_at >= start:
            return PeriodSweep("done", start)
        still_open = _sweep(session, now)
        if last is None:
            session.add(HubSweep(name=SWEEP_NAME, swept_at=now, swept_by=by[:200]))
        else:
            last.swept_at, last.swept_by = now, by[:200]
        return PeriodSweep("swept", start, still_open)


def _database_clock(session: Session) -> datetime:
    """Now, by the database's clock on PostgreSQL: one clock for all the servers, so that they
    agree on which period it is even when their own clocks differ a little."""
    if session.get_bind().dialect.name == "postgresql":
        return session.scalar(text("SELECT clock_timestamp()")).astimezone(UTC)
    return utcnow()  # SQLite: the one machine's clock


def period_start(now: datetime, period: float) -> datetime:
    """The start of the sweep period ``now`` is in (periods count from the Unix epoch)."""
    epoch = now.timestamp()
    return datetime.fromtimestamp(epoch - epoch % period, UTC)


def until_next_period(period: float, now: datetime | None = None) -> float:
    """Seconds from ``now`` to the start of the next sweep period."""
    return period - (now or utcnow()).timestamp() % period


def _sweep(session: Session, now: datetime) -> int:
    silent_after = timedelta(hours=float(current_app.config["SILENT_KIOSK_HOURS"]))
    for row in dashboard():  # the same session: read under the sweep lock
        if row.expected < 0:
            raise_once(session, "stock_below_zero",
                       f"below_zero:{row.building_id}:{row.credential}",
                       f"{row.building} should have {row.expected} {row.pin}s: more were "
                       "handed out than the district allocated and the building received.",
                       row.building_id, None, {"credential": row.credential,
                                               "expected": row.expected})
    for kiosk in session.scalars(select(Kiosk).where(Kiosk.revoked_at.is_(None))):
        seen = kiosk.last_seen_at or kiosk.enrolled_at
        if now - seen > silent_after:
            hours = int((now - seen).total_seconds() // 3600)
            raise_once(session, "silent_kiosk", f"silent:{kiosk.id}",
                       f"Kiosk {kiosk.name or kiosk.id} at {kiosk.building.name} has not "
                       f"synced for {hours} hours.", kiosk.building_id, kiosk.id,
                       {"last_seen": seen.isoformat()})
        elif seen > now - silent_after:
            settle(session, f"silent:{kiosk.id}", "The kiosk synced again.")
    return _open(session)


def _open(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(HubException.status == "open")) or 0)


# --- the exceptions queue ------------------------------------------------------------------


def exceptions(status: str = "open", limit: int = 500) -> list[HubException]:
    """Open ones first, newest first within each."""
    query = (select(HubException)
             .order_by(case((HubException.status == "open", 0), else_=1),
                       HubException.opened_at.desc(), HubException.id.desc()).limit(limit))
    if status in ("open", "resolved"):
        query = query.where(HubException.status == status)
    return list(hub_db.session.scalars(query))


def resolve(exception_id: int, note: str, by: str) -> HubException:
    note = typed_text(note or "")
    if len(note) < 3:
        raise InvalidInput("Say what was done (a few words at least).")
    with hub_transaction() as session:
        exc = session.get(HubException, exception_id)
        if exc is None:
            raise NotFound("There is no such exception.")
        if exc.status != "open":
            raise InvalidInput(f"This exception was resolved already by {exc.resolved_by}.")
        exc.status, exc.resolved_by, exc.resolved_at = "resolved", by, utcnow()
        exc.resolution = note[:2000]
    return exc


def open_counts() -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for kind, n in hub_db.session.execute(
        select(HubException.kind, func.count()).where(HubException.status == "open")
        .group_by(HubException.kind)
    ):
        counts[kind] = int(n)
    return dict(counts)
