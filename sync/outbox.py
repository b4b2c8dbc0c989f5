"""The outbox: events written in the same transaction as the record they describe, pushed to the
district later (issue 5). Each gets the next kiosk sequence number."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.models import OutboxEvent, utcnow


def add_event(session: Session, kind: str, payload: dict[str, Any]) -> OutboxEvent:
    seq = (session.scalar(select(func.max(OutboxEvent.seq))) or 0) + 1
    event = OutboxEvent(
        id=str(uuid.uuid4()),
        seq=seq,
        kind=kind,
        payload=json.dumps(payload, sort_keys=True, separators=(",", ":")),
        created_at=utcnow(),
        status="pending",
    )
    session.add(event)
    return event


def waiting_count(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).where(OutboxEvent.status == "pending")) or 0
    )
