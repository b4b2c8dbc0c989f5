"""Buildings, one-time enrollment codes, kiosks and their tokens.

A district admin makes a code for a building; the building's kiosk trades it, once, for a
token (`kiosk enroll`). The hub keeps only the token's SHA-256. Revoking a kiosk stops its
token at once, and the hub refuses its sync bundles too."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from kiosk.domain.text import typed_text

from ..db import hub_transaction
from ..errors import EnrollRefused, InvalidInput, NotFound
from ..extensions import hub_db
from ..models import EnrollmentCode, HubBuilding, Kiosk, utcnow
from .accounts import name_key

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
CODE_GROUPS, CODE_GROUP_LEN = 4, 4  # 16 characters, 80 bits
CODE_DAYS = 7


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normal_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def add_building(name: str) -> HubBuilding:
    name = " ".join((name or "").split())
    if not name or len(name) > 200 or any(not ch.isprintable() for ch in name):
        raise InvalidInput("Give the building's name (at most 200 characters).")
    with hub_transaction() as session:
        if session.scalar(select(HubBuilding.id).where(HubBuilding.name_key == name_key(name))):
            raise InvalidInput(f"{name} is already a building.")
        building = HubBuilding(name=name, name_key=name_key(name))
        session.add(building)
    return building


def building_named(name: str) -> HubBuilding:
    building = hub_db.session.scalar(
        select(HubBuilding).where(HubBuilding.name_key == name_key(name)))
    if building is None:
        raise NotFound(f"There is no building named {name!r} on the hub.")
    return building


@dataclass(frozen=True)
class NewCode:
    code: str  # shown once; the hub keeps only its hash
    building: str
    expires_at: object


def new_code(building_id: int, user_id: int | None) -> NewCode:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LEN))
    shown = "-".join(raw[i:i + CODE_GROUP_LEN] for i in range(0, len(raw), CODE_GROUP_LEN))
    with hub_transaction() as session:
        building = session.get(HubBuilding, building_id)
        if building is None:
            raise NotFound("There is no such building.")
        record = EnrollmentCode(building_id=building.id, code_hash=_digest(raw),
                                created_by_id=user_id,
                                expires_at=utcnow() + timedelta(days=CODE_DAYS))
        session.add(record)
    return NewCode(shown, building.name, record.expires_at)


@dataclass(frozen=True)
class Enrolled:
    kiosk: Kiosk
    token: str  # given to the kiosk once


USED = "That enrollment code was used already; ask the district for a new one."


def enroll(code: str, building: str, kiosk_name: str, public_key: str) -> Enrolled:
    """Trade a one-time code for a kiosk and its token. The code is used by one conditional
    UPDATE (``WHERE used_at IS NULL AND expires_at >= now``) whose row count says who won: of
    any number of requests with one code at the same moment, on SQLite or PostgreSQL, one
    enrolls a kiosk and every other gets the answer a used code gets."""
    now = utcnow()
    with hub_transaction() as session:
        record = session.scalar(select(EnrollmentCode).where(
            EnrollmentCode.code_hash == _digest(normal_code(code))))
        if record is None:
            raise EnrollRefused("That enrollment code is not one the district made.")
        if record.used_at is not None:
            raise EnrollRefused(USED)
        if record.expires_at < now:
            raise EnrollRefused("That enrollment code has expired; ask the district for a "
                                "new one.")
        if name_key(building) != record.building.name_key:
            raise EnrollRefused(f"That code is for {record.building.name}, but this kiosk is "
                                f"set up for {building}.", code="building_mismatch")
        kiosk_id = str(uuid.uuid4())
        used = session.execute(update(EnrollmentCode).where(
            EnrollmentCode.id == record.id, EnrollmentCode.used_at.is_(None),
            EnrollmentCode.expires_at >= now,
        ).values(used_at=now, kiosk_id=kiosk_id))
        if used.rowcount != 1:  # another request used it since we read it
            raise EnrollRefused(USED)
        token = secrets.token_urlsafe(32)
        kiosk = Kiosk(id=kiosk_id, building_id=record.building_id,
                      name=typed_text(kiosk_name or "", 120),
                      token_hash=_digest(token), public_key=public_key, enrolled_at=now)
        session.add(kiosk)
        building_row = record.building
    kiosk.building = building_row
    return Enrolled(kiosk, token)


def kiosk_for_token(token: str) -> Kiosk | None:
    """The enrolled, not revoked kiosk this token belongs to."""
    if not token or len(token) > 200:
        return None
    kiosk = hub_db.session.scalar(select(Kiosk).where(Kiosk.token_hash == _digest(token)))
    if kiosk is None or kiosk.revoked_at is not None:
        return None
    return kiosk


def seen(kiosk_id: str) -> None:
    """The kiosk was heard from (it pulled, say), at most once a minute written down."""
    now = utcnow()
    with hub_transaction() as session:
        session.execute(update(Kiosk).where(
            Kiosk.id == kiosk_id,
            (Kiosk.last_seen_at.is_(None)) | (Kiosk.last_seen_at < now - timedelta(minutes=1)),
        ).values(last_seen_at=now))


def revoke(kiosk_id: str, user_id: int | None) -> Kiosk:
    with hub_transaction() as session:
        kiosk = session.get(Kiosk, kiosk_id)
        if kiosk is None:
            raise NotFound("There is no such kiosk.")
        if kiosk.revoked_at is None:
            kiosk.revoked_at, kiosk.revoked_by_id = utcnow(), user_id
    return kiosk


def buildings() -> list[HubBuilding]:
    return list(hub_db.session.scalars(select(HubBuilding).order_by(HubBuilding.name_key)))


def kiosks() -> list[Kiosk]:
    return list(hub_db.session.scalars(select(Kiosk).order_by(Kiosk.enrolled_at)))
