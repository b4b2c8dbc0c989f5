"""District staff logins: the same rules as the kiosk (PIN, lockout after wrong PINs, idle
logout). Roles: ``district_admin`` does everything; ``district_viewer`` reads."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from kiosk.domain.staff import valid_pin
from kiosk.services.accounts import Logins, check_pin
from kiosk.services.lookups import name_key

from ..db import hub_transaction
from ..errors import InvalidInput, LoginRefused
from ..extensions import hub_db
from ..models import HubLoginGuard, HubSession, HubUser

HUB_ROLES = ("district_viewer", "district_admin")
_RIGHTS = {
    "district_viewer": {"read"},
    "district_admin": {"read", "enroll", "stock", "resolve", "import", "users"},
}


def can(role: str, action: str) -> bool:
    return action in _RIGHTS.get(role, set())


# The district's logins, their lockout and sessions, by the kiosk's own rules
# (kiosk/services/accounts.py: check_pin, open_session, session_open, end_session).
HUB_LOGINS = Logins(hub_transaction, hub_db.session, HubUser, HubLoginGuard, HubSession)


def log_in(name: str, pin: str) -> HubUser:
    """The district user with this name and PIN, by the kiosk's own login rules."""
    attempt = check_pin(HUB_LOGINS, name, pin, "try again later")
    if attempt.refusal is not None:
        raise LoginRefused(attempt.refusal)
    user: HubUser = attempt.user
    return user


def create_user(name: str, pin: str, role: str) -> HubUser:
    name = " ".join((name or "").split())
    if not name or len(name) > 120 or any(not ch.isprintable() for ch in name):
        raise InvalidInput("Give a name of at most 120 characters.", field="name")
    if role not in HUB_ROLES:
        raise InvalidInput(f"The role is one of {', '.join(HUB_ROLES)}.", field="role")
    if not valid_pin(pin or ""):
        raise InvalidInput("A PIN is 4 to 12 digits.", field="pin")
    with hub_transaction() as session:
        if session.scalar(select(HubUser.id).where(HubUser.name_key == name_key(name))):
            raise InvalidInput(f"There is already a login named {name}.", field="name")
        user = HubUser(name=name, name_key=name_key(name), role=role,
                       pin_hash=generate_password_hash(
                           pin, method=current_app.config["PIN_HASH_METHOD"]))
        session.add(user)
    return user


def all_users() -> list[HubUser]:
    return list(hub_db.session.scalars(select(HubUser).order_by(HubUser.name_key)))
