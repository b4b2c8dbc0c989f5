"""Read-only queries shared by the services. No commits here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select

from ..domain.eligibility import AwardFacts, PriorHandOut
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..models import (
    Award,
    AwardKey,
    Building,
    Credential,
    Distribution,
    Person,
    RemoteHandOut,
    Setting,
    StaffUser,
    StockOnHand,
    Void,
    WaitlistEntry,
)

BADGE_DATA_AS_OF = "badge_data_as_of"
# the highest receipt number this kiosk gave before a restore (services/restore.py): a restored
# database's numbers go on after it, so that no two printed receipts carry the same number
RECEIPTS_GIVEN = "receipt:given_before_restore"


def timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def this_building() -> Building:
    building = db.session.scalar(select(Building).where(Building.is_here.is_(True)))
    if building is None:
        raise NotFound("This kiosk has no building yet. Run `kiosk init` first.")
    return building


def building_name() -> str:
    name = db.session.scalar(select(Building.name).where(Building.is_here.is_(True)))
    return name or "(no building set up)"


def find_award(keys: tuple[str, ...]) -> Award | None:
    """The award stored under the first of ``keys`` that the cache knows."""
    if not keys:
        return None
    rows = db.session.execute(
        select(AwardKey.key, AwardKey.award_id).where(AwardKey.key.in_(keys))
    ).all()
    if not rows:
        return None
    by_key = dict(rows)
    for key in keys:
        if key in by_key:
            return db.session.get(Award, by_key[key])
    return None


def award_facts(award: Award) -> AwardFacts:
    return AwardFacts(
        award_id=award.id,
        person_name=award.person.name,
        person_email=award.person.email,
        employee_id=award.person.employee_id,
        credential_name=award.credential.name,
        has_pin=award.credential.has_pin,
        pin_name=award.credential.pin_label,
        issued_on=award.issued_on,
        expires_on=award.expires_on,
        revoked=award.revoked,
        revocation_reason=award.revocation_reason,
    )


def standing_hand_out(person_id: int, credential_id: int) -> Distribution | None:
    """The hand-out of this pin to this person that has not been voided, if any."""
    return db.session.scalar(
        select(Distribution)
        .outerjoin(Void, Void.distribution_id == Distribution.id)
        .where(
            Distribution.person_id == person_id,
            Distribution.credential_id == credential_id,
            Void.id.is_(None),
        )
    )


def prior_hand_out(person_id: int, credential_id: int) -> PriorHandOut | None:
    """The standing hand-out of this pin to this person: here, or at another building of the
    district as the last sync said."""
    standing = standing_hand_out(person_id, credential_id)
    if standing is not None:
        return prior_facts(standing)
    remote = db.session.scalar(
        select(RemoteHandOut)
        .join(Person, Person.employee_id == RemoteHandOut.employee_id)
        .where(Person.id == person_id, RemoteHandOut.credential_id == credential_id,
               RemoteHandOut.voided_at.is_(None))
        .order_by(RemoteHandOut.handed_out_at).limit(1))
    if remote is None:
        return None
    return PriorHandOut(distribution_id=remote.distribution_id, receipt=remote.receipt,
                        handed_out_at=remote.handed_out_at, building=remote.building,
                        staff=remote.staff)


def prior_facts(dist: Distribution) -> PriorHandOut:
    return PriorHandOut(
        distribution_id=dist.id,
        receipt=dist.receipt,
        handed_out_at=dist.handed_out_at,
        building=dist.building.name,
        staff=dist.staff.name,
    )


@dataclass(frozen=True)
class WaitlistPlace:
    """Where a person stands on the waitlist for a pin: since when, number ``position`` of
    ``of`` people waiting (first come, first served)."""

    since: datetime
    position: int
    of: int


def waitlist_place(person_id: int, credential_id: int) -> WaitlistPlace | None:
    entry = db.session.execute(
        select(WaitlistEntry.id, WaitlistEntry.added_at).where(
            WaitlistEntry.person_id == person_id, WaitlistEntry.credential_id == credential_id,
            WaitlistEntry.status == "waiting")).first()
    if entry is None:
        return None
    waiting = WaitlistEntry.credential_id == credential_id, WaitlistEntry.status == "waiting"
    ahead = db.session.scalar(select(func.count()).select_from(WaitlistEntry).where(
        *waiting, or_(WaitlistEntry.added_at < entry.added_at,
                      (WaitlistEntry.added_at == entry.added_at) & (WaitlistEntry.id < entry.id))))
    total = db.session.scalar(select(func.count()).select_from(WaitlistEntry).where(*waiting))
    return WaitlistPlace(entry.added_at, int(ahead or 0) + 1, int(total or 0))


def on_hand(credential_id: int) -> int:
    """Pins of this credential on the shelf: the ledger's sum, kept current by the database."""
    total = db.session.scalar(
        select(StockOnHand.on_hand).where(StockOnHand.credential_id == credential_id)
    )
    return int(total or 0)


def credential_named(name: str) -> Credential:
    cred = db.session.scalar(
        select(Credential).where(Credential.name_key == name.strip().casefold())
    )
    if cred is None:
        raise InvalidInput(f"There is no credential named {name!r} in the catalogue.")
    return cred


def staff_named(name: str) -> StaffUser:
    user = db.session.scalar(select(StaffUser).where(StaffUser.name_key == name_key(name)))
    if user is None or not user.active:
        raise InvalidInput(f"There is no active staff member named {name!r}.")
    return user


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def get_setting(key: str) -> str | None:
    row = db.session.get(Setting, key)
    return row.value if row else None


def set_setting(key: str, value: str) -> None:
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value


def badge_data_as_of() -> datetime | None:
    value = get_setting(BADGE_DATA_AS_OF)
    return datetime.fromisoformat(value) if value else None
