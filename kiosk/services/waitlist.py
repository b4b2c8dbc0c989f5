"""The waitlist: people who are owed a pin that is out of stock."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.sync.outbox import add_event

from ..db import write_transaction
from ..domain.reasons import Reason
from ..errors import InvalidInput, Refused
from ..extensions import db
from ..models import WaitlistEntry, utcnow
from .proof_awards import record_award
from .scan import check_proof


def add_to_waitlist(payload: str, staff_id: int, carrier: str | None = None) -> WaitlistEntry:
    with write_transaction() as session:
        result = check_proof(payload, carrier=carrier)
        if result.reason is not Reason.OUT_OF_STOCK:
            if result.ok:
                raise InvalidInput("That pin is in stock now: hand it out instead.")
            raise Refused(result)
        existing = session.scalar(select(WaitlistEntry).where(
            WaitlistEntry.person_id == result.person_id,
            WaitlistEntry.credential_id == result.credential_id,
            WaitlistEntry.status == "waiting",
        ))
        if existing is not None:
            return existing
        if result.new_award:
            record_award(session, result.proof, result.award, result.person_id,
                         result.credential_id)
        entry = WaitlistEntry(person_id=result.person_id, credential_id=result.credential_id,
                              award_id=result.award.award_id, staff_user_id=staff_id,
                              added_at=utcnow())
        session.add(entry)
        session.flush()
        add_event(session, "waitlist_added", {
            "employee_id": result.award.employee_id, "credential": result.award.credential_name,
            "award_id": result.award.award_id, "at": entry.added_at.isoformat()})
        return entry


def waiting() -> list[WaitlistEntry]:
    return list(db.session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.added_at)
    ))
