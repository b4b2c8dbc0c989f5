"""The waitlist: people who are owed a pin that is out of stock."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kiosk.sync.outbox import add_event

from ..db import write_transaction
from ..domain.reasons import Reason
from ..errors import InvalidInput, Refused
from ..extensions import db
from ..models import WaitlistEntry, utcnow
from .lookups import WaitlistPlace, waitlist_place
from .proof_awards import record_award
from .scan import check_award, check_proof


@dataclass(frozen=True)
class Waitlisted:
    entry: WaitlistEntry
    place: WaitlistPlace
    added: bool  # False: they were on the waitlist already


def add_to_waitlist(payload: str, staff_id: int, carrier: str | None = None,
                    manual: bool = False) -> Waitlisted:
    """Put the person of an out-of-stock verdict on the pin's waitlist (once), and say where
    they stand. ``manual``: ``payload`` is an award picked by manual lookup."""
    with write_transaction() as session:
        result = check_award(payload) if manual else check_proof(payload, carrier=carrier)
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
            return Waitlisted(existing, _place(existing), added=False)
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
        return Waitlisted(entry, _place(entry), added=True)


def _place(entry: WaitlistEntry) -> WaitlistPlace:
    place = waitlist_place(entry.person_id, entry.credential_id)
    assert place is not None  # the entry is waiting, in this transaction
    return place


def waiting() -> list[WaitlistEntry]:
    return list(db.session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.added_at)
    ))
