"""District staff logins: the same rules as the kiosk (PIN, lockout after wrong PINs, idle
logout). Roles: ``district_admin`` does everything; ``district_viewer`` reads."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from kiosk.domain.staff import valid_pin
from kiosk.services.accounts import check_pin
from kiosk.services.lookups import name_key

from ..db import hub_transaction
from ..errors import InvalidInput, LoginRefused
from ..extensions import hub_db
from ..models import HubUser

HUB_ROLES = ("district_viewer", "district_admin")
_RIGHTS = {
    "district_viewer": {"read"},
    "district_admin": {"read", "enroll", "stock", "resolve", "import", "users"},
}


def can(role: str, action: str) -> bool:
    return action in _RIGHTS.get(role, set())


def log_in(name: str, pin: str) -> HubUser:
    """The district user with this name and PIN, by the kiosk's own login rules."""
    with hub_transaction() as session:
        user = session.scalar(select(HubUser).where(HubUser.name_key == name_key(name)))
        refusal = check_pin(user, pin, "try again later")
    if refusal is not None:
        raise LoginRefused(refusal)
    assert user is not None
    return user


def create_user(name: str, pin: str, role: str) -> HubUser:
    name = " ".join((name or "").split())
    if not name or len(name) > 120 or any(not ch.isprintable() for ch in name):
        raise InvalidInput("Give a name of at most 120 characters.")
    if role not in HUB_ROLES:
        raise InvalidInput(f"The role is one of {', '.join(HUB_ROLES)}.")
    if not valid_pin(pin or ""):
        raise InvalidInput("A PIN is 4 to 12 digits.")
    with hub_transaction() as session:
        if session.scalar(select(HubUser.id).where(HubUser.name_key == name_key(name))):
            raise InvalidInput(f"There is already a login named {name}.")
        user = HubUser(name=name, name_key=name_key(name), role=role,
                       pin_hash=generate_password_hash(
                           pin, method=current_app.config["PIN_HASH_METHOD"]))
        session.add(user)
    return user


def all_users() -> list[HubUser]:
    return list(hub_db.session.scalars(select(HubUser).order_by(HubUser.name_key)))
