"""Manual lookup at the desk: the people a search finds, each with their pin credentials and
the verdict each would get now (handed out, revoked, out of stock, on the waitlist, or ready
to hand out). Reads only; picking one gives the verdict of ``scan.check_award``.

An answer is read in a few statements for all the people shown (their awards, the hand-outs
here and at other buildings, the stock, the waitlist), not a few per pin: it comes back while
the person types."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ..domain.eligibility import AwardFacts, PriorHandOut, decide
from ..domain.payload import Proof
from ..domain.proofs import LOOKUP
from ..domain.reasons import Reason
from ..domain.search_words import query_words, too_broad
from ..extensions import db
from ..models import (
    Award,
    Building,
    Credential,
    Distribution,
    Person,
    RemoteHandOut,
    StaffUser,
    StockOnHand,
    Void,
    WaitlistEntry,
    utcnow,
)
from . import lookups
from .people import PersonHit, find_people

MAX_PEOPLE = 8
Key = tuple[int, int]  # (person id, credential id)


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
    too_broad: bool = False  # too little typed to search (one letter, "E1")


def look_up(text: str, now: datetime | None = None) -> LookupResult:
    now = now or utcnow()
    text = text.strip()[:100]
    hits = find_people(text, limit=MAX_PEOPLE + 1)
    shown = hits[:MAX_PEOPLE]
    ids = [hit.person_id for hit in shown]
    awards = _awards(ids)
    facts = _Facts(ids, {(a.person_id, a.credential_id) for a in awards if a.has_pin})
    today = now.astimezone(lookups.timezone()).date()
    people = [_person(hit, [a for a in awards if a.person_id == hit.person_id], facts, today,
                      now) for hit in shown]
    return LookupResult(text, people, len(hits) > MAX_PEOPLE, lookups.badge_data_as_of(),
                        too_broad=too_broad(query_words(text)))


def _awards(person_ids: list[int]) -> list[Any]:
    if not person_ids:
        return []
    return list(db.session.execute(
        select(Award.id, Award.person_id, Award.credential_id, Award.issued_on,
               Award.expires_on, Award.revoked, Award.revocation_reason, Credential.name,
               Credential.has_pin, Credential.pin_name)
        .join(Credential, Credential.id == Award.credential_id)
        .where(Award.person_id.in_(person_ids))
        .order_by(Credential.released_on, Credential.id, Award.issued_on)))


class _Facts:
    """What the verdicts of the people shown need, each read once for all of them."""

    def __init__(self, person_ids: list[int], keys: set[Key]) -> None:
        self.prior = _standing(person_ids, keys) if keys else {}
        self.stock: dict[int, int] = {credential_id: on_hand for credential_id, on_hand in
                                      db.session.execute(select(StockOnHand.credential_id,
                                                                StockOnHand.on_hand))}
        self.places = _places(person_ids) if keys else {}


def _standing(person_ids: list[int], keys: set[Key]) -> dict[Key, PriorHandOut]:
    """The standing hand-out of each pin to each person: here, else the first at another
    building (as lookups.prior_hand_out says it for one)."""
    found: dict[Key, PriorHandOut] = {}
    here = db.session.execute(
        select(Distribution.person_id, Distribution.credential_id, Distribution.id,
               Distribution.receipt, Distribution.handed_out_at, Building.name, StaffUser.name)
        .join(Building, Building.id == Distribution.building_id)
        .join(StaffUser, StaffUser.id == Distribution.staff_user_id)
        .outerjoin(Void, Void.distribution_id == Distribution.id)
        .where(Distribution.person_id.in_(person_ids), Void.id.is_(None)))
    for person_id, credential_id, dist_id, receipt, at, building, staff in here:
        found[(person_id, credential_id)] = PriorHandOut(dist_id, receipt, at, building, staff)
    elsewhere = db.session.execute(
        select(Person.id, RemoteHandOut.credential_id, RemoteHandOut.distribution_id,
               RemoteHandOut.receipt, RemoteHandOut.handed_out_at, RemoteHandOut.building,
               RemoteHandOut.staff)
        .join(Person, Person.employee_id == RemoteHandOut.employee_id)
        .where(Person.id.in_(person_ids), RemoteHandOut.voided_at.is_(None))
        .order_by(RemoteHandOut.handed_out_at))
    for person_id, credential_id, dist_id, receipt, at, building, staff in elsewhere:
        found.setdefault((person_id, credential_id),
                         PriorHandOut(dist_id, receipt, at, building, staff))
    return {key: prior for key, prior in found.items() if key in keys}


def _places(person_ids: list[int]) -> dict[Key, lookups.WaitlistPlace]:
    """Where each of these people waits for a pin: number N of M, first come, first served."""
    credentials = set(db.session.scalars(select(WaitlistEntry.credential_id).where(
        WaitlistEntry.person_id.in_(person_ids), WaitlistEntry.status == "waiting")))
    if not credentials:
        return {}
    order = (WaitlistEntry.added_at, WaitlistEntry.id)
    queue = (select(WaitlistEntry.person_id, WaitlistEntry.credential_id, WaitlistEntry.added_at,
                    func.row_number().over(partition_by=WaitlistEntry.credential_id,
                                           order_by=order).label("position"),
                    func.count().over(partition_by=WaitlistEntry.credential_id).label("of"))
             .where(WaitlistEntry.status == "waiting",
                    WaitlistEntry.credential_id.in_(credentials)).subquery())
    wanted = set(person_ids)
    return {(row.person_id, row.credential_id): lookups.WaitlistPlace(
                row.added_at, int(row.position), int(row.of))
            for row in db.session.execute(select(queue).where(queue.c.person_id.in_(wanted)))}


def _person(hit: PersonHit, awards: Iterable[Any], facts: _Facts, today: date,
            now: datetime) -> PersonFound:
    pins, others = [], 0
    for a in awards:
        if not a.has_pin:
            others += 1
            continue
        key = (a.person_id, a.credential_id)
        award = AwardFacts(a.id, hit.name, hit.email, hit.employee_id, a.name, a.has_pin,
                           a.pin_name or f"{a.name} pin", a.issued_on, a.expires_on, a.revoked,
                           a.revocation_reason)
        prior = facts.prior.get(key)
        reason = decide(Proof(format=LOOKUP, text=a.id, keys=()), award, prior,
                        int(facts.stock.get(a.credential_id) or 0), today, now)
        waiting = facts.places.get(key) if reason in (Reason.OK, Reason.OUT_OF_STOCK) else None
        pins.append(PinVerdict(a.id, a.name, award.pin_name, reason, prior, waiting,
                               a.revocation_reason if a.revoked else ""))
    return PersonFound(hit, pins, others)
