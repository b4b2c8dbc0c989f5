"""Awards that a verified signature vouches for but the cache does not hold yet.

A signed badge issued after the kiosk's last sync is still genuine. When its badge class is
tied to a catalogue credential and its recipient is exactly one person on the roster, the kiosk
can hand the pin out offline; :func:`record_award` then adds the award to the cache inside the
hand-out's own transaction, and the district sees it with the hand-out.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.eligibility import AwardFacts
from ..domain.facts import Recipient, SignedClaims
from ..domain.payload import Proof
from ..domain.recipient import identity_matches
from ..extensions import db
from ..models import Award, AwardKey, BadgeClass, Credential, Person, utcnow
from . import lookups

MAX_PEOPLE_TO_HASH = 200_000


def award_from_proof(proof: Proof) -> tuple[AwardFacts, int, int] | str:
    """(facts, person id, credential id) for a signed proof's new award, or why not."""
    signed = proof.signed
    if signed is None or proof.format == "district-slip":
        return ""  # a link, an id or a slip names an award: the cache must know it
    credential = _credential(signed)
    if credential is None:
        return ("The badge is genuine, but its badge class is not tied to a credential in the "
                "pin catalogue. Import the badge class with --credential.")
    person = _person(signed.recipient)
    if person is None:
        return ("The badge is genuine, but its recipient is not a single person on the roster. "
                "Check the roster, then sync.")
    facts = AwardFacts(
        award_id=signed.award_id,
        person_name=person.name,
        person_email=person.email,
        employee_id=person.employee_id,
        credential_name=credential.name,
        has_pin=credential.has_pin,
        pin_name=credential.pin_label,
        issued_on=_day(signed.valid_from),
        expires_on=_day(signed.valid_until),
    )
    return facts, person.id, credential.id


def record_award(session: Session, proof: Proof, facts: AwardFacts, person_id: int,
                 credential_id: int) -> Award:
    """Add a new award (and its lookup keys) to the cache, in the caller's transaction."""
    award = Award(id=facts.award_id, person_id=person_id, credential_id=credential_id,
                  issued_on=facts.issued_on, expires_on=facts.expires_on, revoked=False,
                  revocation_reason="", updated_at=utcnow())
    session.add(award)
    for key in proof.keys:
        session.add(AwardKey(key=key, award=award))
    session.flush()  # a race with another kiosk thread for the same award fails here
    return award


def _credential(signed: SignedClaims) -> Credential | None:
    if signed.badge_class:
        row = db.session.get(BadgeClass, signed.badge_class)
        if row is not None and row.issuer_id == signed.issuer_id:
            return db.session.get(Credential, row.credential_id) if row.credential_id else None
    # Never by the badge's own name: any trusted issuer could name a badge like a district
    # credential. The tie is the district's act, made when it imports the badge class.
    return None


def _person(recipient: Recipient | None) -> Person | None:
    if recipient is None or (recipient.type and not recipient.is_email):
        return None
    if not recipient.hashed:
        people = list(db.session.scalars(select(Person).where(
            func.lower(Person.email) == recipient.identity.strip().lower()).limit(2)))
        return people[0] if len(people) == 1 else None
    rows = db.session.execute(
        select(Person.id, Person.email).where(Person.email != "").limit(MAX_PEOPLE_TO_HASH))
    found = [pid for pid, email in rows
             if identity_matches(recipient.identity, True, recipient.salt,
                                 [email.strip(), email.strip().lower()])]
    return db.session.get(Person, found[0]) if len(found) == 1 else None


def _day(moment: datetime | None) -> date | None:
    """The kiosk's local date of a badge's date-time; a bare date (read as midnight UTC)
    stays the date it names."""
    if moment is None:
        return None
    if moment.utcoffset() == timedelta(0) and moment.time() == time(0):
        return moment.date()
    return moment.astimezone(lookups.timezone()).date()
