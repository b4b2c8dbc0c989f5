"""Manual lookup at the desk: the people a search finds, each with their pin credentials and
the verdict each would get now (handed out, revoked, out of stock, on the waitlist, or ready
to hand out). Reads only; picking one gives the verdict of ``scan.check_award``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ..domain.eligibility import PriorHandOut, decide
from ..domain.payload import Proof
from ..domain.proofs import LOOKUP
from ..domain.reasons import Reason
from ..extensions import db
from ..models import Award, Credential, utcnow
from . import lookups
from .people import PersonHit, find_people

MAX_PEOPLE = 8


@dataclass(frozen=True)
class PinVerdict:
    """One pin credential a person was awarded, and what the kiosk would say of it now."""

    award_id: str
    credential: str
    pin: str
    reason: Reason
    prior: PriorHandOut | None = None
    waiting: lookups.WaitlistPlace | None = None
    revocation_reason: str = ""


@dataclass(frozen=True)
class PersonFound:
    person: PersonHit
    pins: list[PinVerdict] = field(default_factory=list)
    other_awards: int = 0  # awards for credentials that have no pin


@dataclass(frozen=True)
class LookupResult:
    query: str
    people: list[PersonFound]
    more: bool  # more people match than are shown: type more of the name
    checked_against: datetime | None


def look_up(text: str, now: datetime | None = None) -> LookupResult:
    now = now or utcnow()
    text = text.strip()[:100]
    hits = find_people(text, limit=MAX_PEOPLE + 1)
    today = now.astimezone(lookups.timezone()).date()
    stock: dict[int, int] = {}
    people = [_person(hit, today, now, stock) for hit in hits[:MAX_PEOPLE]]
    return LookupResult(text, people, len(hits) > MAX_PEOPLE, lookups.badge_data_as_of())


def _person(hit: PersonHit, today, now, stock: dict[int, int]) -> PersonFound:  # type: ignore[no-untyped-def]
    awards = db.session.scalars(
        select(Award).join(Award.credential).where(Award.person_id == hit.person_id)
        .order_by(Credential.released_on, Credential.id, Award.issued_on))
    pins, others = [], 0
    for award in awards:
        if not award.credential.has_pin:
            others += 1
            continue
        facts = lookups.award_facts(award)
        prior = lookups.prior_hand_out(award.person_id, award.credential_id)
        if award.credential_id not in stock:
            stock[award.credential_id] = lookups.on_hand(award.credential_id)
        reason = decide(Proof(format=LOOKUP, text=award.id, keys=()), facts, prior,
                        stock[award.credential_id], today, now)
        waiting = (lookups.waitlist_place(award.person_id, award.credential_id)
                   if reason in (Reason.OK, Reason.OUT_OF_STOCK) else None)
        pins.append(PinVerdict(award.id, facts.credential_name, facts.pin_name, reason, prior,
                               waiting, facts.revocation_reason if facts.revoked else ""))
    return PersonFound(hit, pins, others)
