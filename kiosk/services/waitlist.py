"""The waitlist: people who are owed a pin that is out of stock. Designees put a person on it
at the desk; office staff call them back when pins arrive and take them off it with a reason
(the call-back list: kiosk/services/call_backs.py); a hand-out of their pin closes the entry
by itself (kiosk/services/hand_out.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, String, bindparam, insert, select, update

from kiosk.sync.outbox import add_event

from ..db import write_transaction
from ..db_types import UTCDateTime
from ..domain.reasons import Reason
from ..domain.waitlist import WaitlistRuleError, close_words, contact_note, removal
from ..errors import InvalidInput, NotFound, Refused
from ..extensions import db
from ..models import StaffUser, WaitlistContact, WaitlistEntry, utcnow
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


def mark_contacted(entry_id: int, staff_id: int, note: str = "") -> WaitlistContact:
    """Record a call-back to a person waiting: who, when, what was said (append-only). Only
    while they are waiting: the row is written only if the entry says ``waiting`` as it is
    written, so a call-back never lands on an entry another tab just closed."""
    note = contact_note(note)
    with write_transaction() as session:
        entry, staff = _entry_and_staff(session, entry_id, staff_id)
        now = utcnow()
        written = session.execute(
            insert(WaitlistContact).from_select(
                ["entry_id", "at", "staff_user_id", "note"],
                select(WaitlistEntry.id, bindparam("at", now, type_=UTCDateTime()),
                       bindparam("staff", staff.id, type_=Integer()),
                       bindparam("note", note, type_=String()))
                .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "waiting")))
        if written.rowcount != 1:
            raise InvalidInput(_closed(session, entry, "marked contacted"))
        add_event(session, "waitlist_contacted", {
            "employee_id": entry.person.employee_id, "credential": entry.credential.name,
            "note": note, "staff": staff.name, "at": now.isoformat()})
        contact = session.scalar(select(WaitlistContact).where(
            WaitlistContact.entry_id == entry.id).order_by(WaitlistContact.id.desc()).limit(1))
        assert contact is not None
        return contact


def remove_from_waitlist(entry_id: int, staff_id: int, reason: str,
                         note: str = "") -> WaitlistEntry:
    """Take a person off the waitlist with a reason (and a note; "Other" needs one). Once:
    the entry changes only if it still says ``waiting`` (two tabs at once remove it once)."""
    try:
        why = removal(reason, note)
    except WaitlistRuleError as exc:
        raise InvalidInput(str(exc), field="note" if reason == "other" else "reason") from None
    with write_transaction() as session:
        entry, staff = _entry_and_staff(session, entry_id, staff_id)
        now = utcnow()
        changed = session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "waiting")
            .values(status="removed", closed_at=now, closed_by=staff.id,
                    close_reason=why.reason, close_note=why.note)
            .execution_options(synchronize_session=False))
        if changed.rowcount != 1:
            raise InvalidInput(_closed(session, entry, "taken off the waitlist"))
        add_event(session, "waitlist_removed", {
            "employee_id": entry.person.employee_id, "credential": entry.credential.name,
            "reason": why.reason, "note": why.note, "staff": staff.name,
            "at": now.isoformat()})
        session.refresh(entry)
        return entry


def _entry_and_staff(session, entry_id: int,  # type: ignore[no-untyped-def]
                     staff_id: int) -> tuple[WaitlistEntry, StaffUser]:
    entry = session.get(WaitlistEntry, entry_id)
    if entry is None:
        raise NotFound("There is no such waitlist entry.")
    staff = session.get(StaffUser, staff_id)
    if staff is None or not staff.active:
        raise InvalidInput("Only an active staff member can do this.")
    return entry, staff


def _closed(session, entry: WaitlistEntry, what: str) -> str:  # type: ignore[no-untyped-def]
    """Why ``entry`` cannot be ``what`` any more: it is no longer waiting (as stored now)."""
    session.refresh(entry)
    by = session.get(StaffUser, entry.closed_by) if entry.closed_by is not None else None
    how = "their pin was handed out" if entry.status == "fulfilled" else \
        f"taken off the waitlist ({close_words(entry.close_reason) or 'no reason'})"
    who = f" by {by.name}" if by is not None else ""
    return (f"{entry.person.name} is no longer waiting for the {entry.credential.pin_label}: "
            f"{how}{who}. They cannot be {what} now.")
