"""Hand out a pin: the distribution, the stock movement, the outbox event and the print job, in
one transaction. The printer and the network are not touched here, so neither can block it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kiosk.printers.receipt import ReceiptData, ReceiptProfile, render_receipt
from kiosk.printers.worker import worker_of
from kiosk.sync.outbox import add_event

from ..db import write_transaction
from ..domain.manual import ManualReasonError, manual_reason, may_hand_out_manually
from ..domain.receipts import receipt_label
from ..domain.staff import initials
from ..domain.text import typed_text
from ..domain.waitlist import HANDED_OUT
from ..errors import InvalidInput, NotAllowed, Refused
from ..extensions import db
from ..models import (
    Award,
    Credential,
    Distribution,
    Person,
    PrintJob,
    StaffUser,
    StockMovement,
    WaitlistEntry,
    utcnow,
)
from . import lookups
from .proof_awards import record_award
from .scan import ScanResult, check_award, check_proof


@dataclass
class HandOut:
    distribution: Distribution
    result: ScanResult
    repeated: bool = False  # the same form was submitted twice; nothing new was written


def hand_out(
    payload: str,
    nonce: str,
    staff_id: int,
    *,
    at: datetime | None = None,
    note: str = "",
    source: str = "scan",
    print_receipt: bool = True,
    carrier: str | None = None,
    manual: tuple[str, str] | None = None,
) -> HandOut:
    """Record a hand-out in one transaction, then wake the print worker for its receipt.

    ``manual`` (a reason code and a note) marks a hand-out found by manual lookup: ``payload``
    is then the award's id, no proof was scanned, and the reason (why not) goes on every
    record of it."""
    how = Check(payload, carrier, _manual_reason(*manual) if manual is not None else None)
    done = _record_hand_out(how, nonce, staff_id, at, note, source, print_receipt)
    worker = worker_of(current_app)
    if worker is not None and not done.repeated:
        worker.wake()
    return done


@dataclass(frozen=True)
class Check:
    """What to check again inside the hand-out's transaction: a scanned payload (and the badge
    image it came from), or an award found by manual lookup and why no proof was scanned."""

    payload: str
    carrier: str | None = None
    manual_reason: str | None = None

    def verdict(self, at: datetime) -> ScanResult:
        if self.manual_reason is not None:
            return check_award(self.payload, now=at)
        return check_proof(self.payload, now=at, carrier=self.carrier)


def _record_hand_out(how: Check, nonce: str, staff_id: int, at: datetime | None, note: str,
                     source: str, print_receipt: bool) -> HandOut:
    nonce = _valid_nonce(nonce)
    now = utcnow()
    at = at or now
    if at > now:
        raise InvalidInput("A hand-out cannot be recorded in the future.")
    if how.manual_reason is not None:
        source = "manual"
    try:
        with write_transaction() as session:
            earlier = session.get(Distribution, nonce)
            if earlier is not None:
                return _repeat(earlier, how, at)
            staff = _staff(session, staff_id, how)
            result = how.verdict(at)
            if not result.ok:
                raise Refused(result)
            if result.new_award:
                record_award(session, result.proof, result.award, result.person_id,
                             result.credential_id)
            dist = _record(session, result, nonce, staff, at, now, note, source,
                           how.manual_reason or "")
            if print_receipt and current_app.config["PRINTER_BACKEND"] != "none":
                session.add(PrintJob(distribution_id=dist.id, kind="receipt",
                                     data=render_receipt(receipt_data(dist), _profile())))
            return HandOut(dist, result)
    except IntegrityError:
        # Another request won the race for this pin (or this very nonce) between our check and
        # our insert. The database refused the second pin; tell the person what stands now.
        db.session.rollback()
        earlier = db.session.get(Distribution, nonce)
        if earlier is not None:
            return _repeat(earlier, how, at)
        now_says = how.verdict(at)
        if now_says.ok:  # refused for another reason (a receipt number taken): nothing written
            raise InvalidInput("The kiosk was busy and recorded nothing. Press Enter again.") \
                from None
        raise Refused(now_says) from None


def _manual_reason(code: str, note: str) -> str:
    try:
        return manual_reason(code, note)
    except ManualReasonError as exc:
        raise InvalidInput(str(exc)) from None


def _staff(session, staff_id: int, how: Check) -> StaffUser:  # type: ignore[no-untyped-def]
    """The staff member handing out, if they may: active, and senior enough for a manual
    hand-out where the district asks for that."""
    staff = session.get(StaffUser, staff_id)
    if staff is None or not staff.active:
        raise InvalidInput("Only an active staff member can hand out pins.")
    if how.manual_reason is not None and not may_hand_out_manually(
            staff.role, current_app.config["MANUAL_HAND_OUT_ROLE"]):
        raise NotAllowed("Your login may not hand out a pin found by manual lookup. Ask "
                         "office staff or an administrator.")
    return staff


def _record(session, result, nonce, staff, at, now, note, source, manual_reason) -> Distribution:  # type: ignore[no-untyped-def]
    building = lookups.this_building()
    claim_no = session.scalar(
        select(func.count()).select_from(Distribution).where(
            Distribution.person_id == result.person_id,
            Distribution.credential_id == result.credential_id,
        )
    )
    receipt_no = max(session.scalar(select(func.max(Distribution.receipt_no))) or 0,
                     int(lookups.get_setting(lookups.RECEIPTS_GIVEN) or 0)) + 1
    dist = Distribution(
        id=nonce,
        # the award, its person and its credential are already in the session (the check just
        # loaded them): linking the objects saves reloading them to print the receipt
        award=session.get(Award, result.award.award_id),
        person=session.get(Person, result.person_id),
        credential=session.get(Credential, result.credential_id),
        building=building,
        staff=staff,
        handed_out_at=at,
        recorded_at=now,
        receipt_no=receipt_no,
        receipt=receipt_label(building.code, receipt_no),
        claim_no=claim_no,
        source=source,
        payload_format=result.proof.format,
        note=typed_text(note, 500, lines=True),
        manual_reason=manual_reason,
    )
    session.add(dist)
    session.flush()  # the unique constraints speak here, before anything else is written
    session.add(StockMovement(credential_id=result.credential_id, kind="issued", qty=-1,
                              at=at, staff_user_id=staff.id, distribution_id=dist.id))
    for entry in session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.person_id == result.person_id,
        WaitlistEntry.credential_id == result.credential_id,
        WaitlistEntry.status == "waiting",
    )):
        # closed by itself: their pin was handed out (by scan or by manual lookup, both here)
        entry.status, entry.close_reason = "fulfilled", HANDED_OUT
        entry.closed_at, entry.closed_by = at, staff.id
        add_event(session, "waitlist_fulfilled", {
            "employee_id": result.award.employee_id, "credential": result.award.credential_name,
            "distribution_id": dist.id, "at": at.isoformat()})
    add_event(session, "pin_handed_out", {
        "distribution_id": dist.id,
        "award_id": dist.award_id,
        "employee_id": result.award.employee_id,
        "credential": result.award.credential_name,
        "building": building.name,
        "staff": staff.name,
        "handed_out_at": at.isoformat(),
        "recorded_at": now.isoformat(),
        "receipt": dist.receipt,
        "source": source,
        "format": dist.payload_format,
        "new_award": result.new_award,
        "manual": bool(manual_reason),
        "manual_reason": manual_reason,
    })
    return dist


def _repeat(earlier: Distribution, how: Check, at: datetime) -> HandOut:
    result = how.verdict(at)
    if result.award is None or result.award.award_id != earlier.award_id:
        raise InvalidInput("That hand-out form was already used. Scan the proof again.")
    return HandOut(earlier, result, repeated=True)


def _valid_nonce(nonce: str) -> str:
    try:
        return str(uuid.UUID(nonce))
    except (ValueError, AttributeError, TypeError):
        raise InvalidInput("The hand-out form is damaged. Scan the proof again.") from None


def _profile() -> ReceiptProfile:
    return ReceiptProfile.from_config(current_app.config)


def receipt_data(dist: Distribution, copy: bool = False) -> ReceiptData:
    tz = lookups.timezone()
    person = dist.person.name
    if current_app.config.get("RECEIPT_NAMES") == "initials":
        person = initials(person)
    return ReceiptData(
        building=dist.building.name,
        pin=dist.credential.pin_label,
        credential=dist.credential.name,
        person=person,
        handed_out_at=dist.handed_out_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        staff=dist.staff.name,
        receipt=dist.receipt,
        copy=copy,
        voided=dist.void is not None,
        manual=dist.manual_reason,
    )
