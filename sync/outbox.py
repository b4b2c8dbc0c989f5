"""The outbox: events written in the same transaction as the record they describe, pushed to the
district hub later (sync/client.py, sync/worker.py) or carried on a USB stick (a sync bundle).

Each event gets the next kiosk sequence number and the hash of the event before it, so the
hub can tell a missing event from an edited one (docs/sync-protocol.md). An event is never
deleted: ``pending`` until the hub acknowledges it, then ``sent``; ``rejected`` when the hub
refused it, for a person to look at.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kiosk.models import OutboxEvent, utcnow

from .protocol import GENESIS, Event, event_hash, time_text


def add_event(session: Session, kind: str, payload: dict[str, Any]) -> OutboxEvent:
    """Add an event to the outbox inside the caller's write transaction."""
    last = session.execute(
        select(OutboxEvent.seq, OutboxEvent.hash).order_by(OutboxEvent.seq.desc()).limit(1)
    ).first()
    seq = (last.seq if last else 0) + 1
    prev_hash = (last.hash if last else "") or GENESIS
    now = utcnow()
    created = time_text(now)
    event_id = str(uuid.uuid4())
    # the payload as JSON would give it back: what is hashed is what the hub will read
    plain = json.loads(json.dumps(payload, sort_keys=True, separators=(",", ":")))
    event = OutboxEvent(
        id=event_id,
        seq=seq,
        kind=kind,
        payload=json.dumps(plain, sort_keys=True, separators=(",", ":")),
        created_at=now,
        created_text=created,
        prev_hash=prev_hash,
        hash=event_hash(prev_hash, event_id, seq, kind, plain, created),
        status="pending",
    )
    session.add(event)
    return event


def as_event(row: OutboxEvent) -> Event:
    return Event(row.id, row.seq, row.kind, json.loads(row.payload), row.created_text,
                 row.prev_hash, row.hash)


def pending(session: Session, limit: int, now: datetime | None = None) -> list[OutboxEvent]:
    """The oldest events the hub has not acknowledged, in sequence order."""
    return list(session.scalars(
        select(OutboxEvent).where(OutboxEvent.status == "pending")
        .order_by(OutboxEvent.seq).limit(limit)
    ))


def unacknowledged(session: Session) -> list[OutboxEvent]:
    """Every event the hub has not acknowledged (pending or rejected): what a bundle carries."""
    return list(session.scalars(
        select(OutboxEvent).where(OutboxEvent.status != "sent").order_by(OutboxEvent.seq)
    ))


def mark_sent(session: Session, ids: Sequence[str], at: datetime) -> None:
    if ids:
        session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids))
                        .values(status="sent", sent_at=at, last_error=""))


def mark_rejected(session: Session, event_id: str, reason: str) -> None:
    session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id)
                    .values(status="rejected", last_error=reason[:500],
                            attempts=OutboxEvent.attempts + 1))


def waiting_count(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).where(OutboxEvent.status == "pending")) or 0
    )


def rejected_count(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).where(OutboxEvent.status == "rejected")) or 0
    )
