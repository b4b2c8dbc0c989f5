"""District proof slips: who in a building has a pin waiting, and the signed PDF of their slips."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import or_, select

from ..domain.receipts import building_code
from ..domain.slips import district_kid, make_slip, public_key_text
from ..errors import InvalidInput
from ..extensions import db
from ..models import Award, Building, Credential, Distribution, Person, Void, utcnow
from ..reports import SlipData, render_slips_pdf
from .district_keys import NO_KEY, district_key, trusted_district_keys
from .lookups import building_name, timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlipsReport:
    building: str
    slips: list[SlipData]
    pdf: bytes

    @property
    def filename(self) -> str:
        return f"slips-{_code(self.building)}.pdf"


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def known_buildings() -> list[str]:
    """Every building the kiosk knows: from the buildings list and from the roster."""
    # one spelling per building: this kiosk's own first, then the buildings list, then the roster
    names = list(db.session.scalars(
        select(Building.name).order_by(Building.is_here.desc(), Building.id)))
    names += sorted(db.session.scalars(select(Person.building).distinct()))
    by_key: dict[str, str] = {}
    for name in names:
        if name and name.strip():
            by_key.setdefault(_key(name), " ".join(name.split()))
    return sorted(by_key.values(), key=str.casefold)


def building_named(name: str) -> str:
    """The building's own spelling; InvalidInput naming the known ones when there is none."""
    wanted = _key(name or "")
    known = known_buildings()
    for building in known:
        if _key(building) == wanted:
            return building
    listed = ", ".join(known) if known else "none yet (import the roster first)"
    raise InvalidInput(f"There is no building named {name.strip()!r}. Known buildings: {listed}.")


def _code(building: str) -> str:
    code = db.session.scalar(select(Building.code).where(Building.name == building))
    return code or building_code(building)


def _eligible_awards(building: str, today: date) -> list[Award]:
    spellings = [b for b in db.session.scalars(select(Person.building).distinct())
                 if _key(b or "") == _key(building)]
    if not spellings:
        return []
    standing = (
        select(Distribution.id)
        .outerjoin(Void, Void.distribution_id == Distribution.id)
        .where(Distribution.person_id == Award.person_id,
               Distribution.credential_id == Award.credential_id,
               Void.id.is_(None))
        .exists()
    )
    rows = db.session.scalars(
        select(Award)
        .join(Person, Person.id == Award.person_id)
        .join(Credential, Credential.id == Award.credential_id)
        .where(
            Person.building.in_(spellings),
            Credential.has_pin.is_(True),
            Award.revoked.is_(False),
            or_(Award.expires_on.is_(None), Award.expires_on >= today),
            or_(Award.issued_on.is_(None), Award.issued_on <= today),
            ~standing,
        )
        .order_by(Award.issued_on, Award.id)
    ).unique().all()
    # one slip per person and pin, even when the roster has two awards of one credential
    first: dict[tuple[int, int], Award] = {}
    for award in rows:
        first.setdefault((award.person_id, award.credential_id), award)
    return sorted(first.values(), key=lambda a: (a.person.name.casefold(), a.person.employee_id,
                                                 a.credential.name.casefold()))


def slips_for_building(building: str, today: date) -> list[SlipData]:
    """A signed slip for each pin a person of ``building`` has earned and not yet collected:
    credential with a pin, award not revoked, not expired, already issued, no standing hand-out.
    Raises InvalidInput when this computer holds no district signing key."""
    key = district_key()
    if key is None:
        raise InvalidInput(NO_KEY)
    slips = []
    for award in _eligible_awards(building, today):
        try:
            token = make_slip(award.id, today, key)
        except ValueError:
            log.warning("award %r is too long for a slip; no slip printed", award.id[:60])
            continue
        slips.append(SlipData(
            person=award.person.name,
            employee_id=award.person.employee_id,
            credential=award.credential.name,
            pin=award.credential.pin_label,
            award_id=award.id,
            token=token,
        ))
    return slips


def district_name() -> str:
    return str(current_app.config.get("DISTRICT_NAME", "") or "District")


def slips_report(building: str, today: date) -> SlipsReport:
    """The slips of a building and their PDF (a page that says so when no one is waiting)."""
    if district_key() is None:
        raise InvalidInput(NO_KEY)
    name = building_named(building)
    slips = slips_for_building(name, today)
    pdf = render_slips_pdf(slips, district=district_name(), building=name, printed_on=today)
    return SlipsReport(building=name, slips=slips, pdf=pdf)


def slips_pdf(building: str, today: date) -> bytes:
    return slips_report(building, today).pdf



def today() -> date:
    """Today on the building's clock."""
    return utcnow().astimezone(timezone()).date()


@dataclass(frozen=True)
class SlipsPage:
    buildings: list[str]
    here: str
    public_key: str | None
    kid: str | None
    trusted: list[str]


def page_facts() -> SlipsPage:
    """What the admin page shows: the buildings, and which district keys this kiosk holds."""
    key = district_key()
    public = key.public_key() if key else None
    return SlipsPage(
        buildings=known_buildings(),
        here=building_name(),
        public_key=public_key_text(public) if public else None,
        kid=district_kid(public) if public else None,
        trusted=sorted(trusted_district_keys()),
    )
