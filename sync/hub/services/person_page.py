"""A person's page (``GET /people/<employee_id>``): their awards, and for each pin credential
its hand-out (building, when, by whom, receipt, voided or not), their place on a waitlist, or
"not yet collected"; and the exceptions about them, open and resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, select

from ..errors import NotFound
from ..extensions import hub_db
from ..models import HubAward, HubBuilding, HubCredential, HubException, HubWaitlist
from . import people
from .district_log import LogRow, person_hand_outs
from .involved import Involved, involved

MAX_EMPLOYEE_ID = 64  # the column


@dataclass(frozen=True)
class AwardLine:
    id: str
    credential: str
    has_pin: bool
    pin: str
    issued_on: date | None
    expires_on: date | None
    revoked: bool
    revocation_reason: str


@dataclass(frozen=True)
class Waiting:
    building: str
    since: datetime


@dataclass(frozen=True)
class PinLine:
    """A pin the person has earned (or was handed against an award the district does not
    know): what became of it."""

    credential: str
    pin: str
    award: AwardLine | None
    hand_outs: list[LogRow]  # newest first, voided ones too
    waiting: list[Waiting]

    @property
    def standing(self) -> LogRow | None:
        return next((h for h in self.hand_outs if h.voided_at is None), None)

    @property
    def status(self) -> str:
        if self.standing is not None:
            return "handed_out"
        return "waiting" if self.waiting else "not_collected"


@dataclass(frozen=True)
class PersonPage:
    employee_id: str
    name: str
    email: str
    awards: list[AwardLine]
    pins: list[PinLine]
    exceptions: list[HubException]
    involved: dict[int, Involved]


def person(employee_id: str) -> PersonPage:
    """Everything the district knows of this person; NotFound when it knows nothing."""
    if not employee_id or len(employee_id) > MAX_EMPLOYEE_ID:
        raise NotFound("There is no such person in the district's records.")
    session = hub_db.session
    found = session.execute(
        select(HubAward, HubCredential).join(HubCredential,
                                             HubCredential.id == HubAward.credential_id)
        .where(HubAward.employee_id == employee_id)
        .order_by(HubCredential.released_on, HubCredential.id, HubAward.issued_on)).all()
    awards = [AwardLine(a.id, c.name, c.has_pin, c.pin_label, a.issued_on, a.expires_on,
                        a.revoked, a.revocation_reason) for a, c in found]
    hand_outs = person_hand_outs(session, employee_id)
    waiting: dict[str, list[Waiting]] = {}
    for credential, building, since in session.execute(
            select(HubWaitlist.credential, HubBuilding.name, HubWaitlist.since)
            .join(HubBuilding, HubBuilding.id == HubWaitlist.building_id)
            .where(HubWaitlist.employee_id == employee_id, HubWaitlist.status == "waiting")
            .order_by(HubWaitlist.since)):
        waiting.setdefault(credential, []).append(Waiting(building, since))
    exceptions = list(session.scalars(
        select(HubException).where(HubException.employee_id == employee_id)
        .order_by(case((HubException.status == "open", 0), else_=1),
                  HubException.opened_at.desc(), HubException.id.desc())))
    if not (awards or hand_outs or waiting or exceptions):
        raise NotFound("There is no such person in the district's records.")
    labels = {c.name: c.pin_label for c in session.scalars(select(HubCredential))}
    pins: list[PinLine] = []
    for award in awards:
        if award.has_pin:
            pins.append(PinLine(award.credential, award.pin, award,
                                [h for h in hand_outs if h.credential == award.credential],
                                waiting.get(award.credential, [])))
    earned = {p.credential for p in pins}
    for credential in dict.fromkeys(h.credential for h in hand_outs):
        if credential not in earned:  # handed out against an award the district lacks
            pins.append(PinLine(credential, labels.get(credential, f"{credential} pin"), None,
                                [h for h in hand_outs if h.credential == credential],
                                waiting.get(credential, [])))
    name = people.names(session, [employee_id]).get(employee_id, "")
    email = next((a.email for a, _ in found if a.email), "")
    return PersonPage(employee_id, name, email, awards, pins, exceptions,
                      involved(session, exceptions))
