"""Staff accounts: log in with a name and a PIN, lockout, and user management by admins."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import write_transaction
from ..domain.staff import ROLES, after_wrong_pin, is_locked, valid_pin
from ..domain.words import count
from ..errors import InvalidInput, LoginRefused, NotFound
from ..extensions import db
from ..models import StaffUser, utcnow
from .lookups import name_key

# Checked against when the name is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("0000")


def log_in(name: str, pin: str) -> StaffUser:
    """The staff member with this name and PIN. A wrong PIN is counted (and committed) before
    the refusal is raised; the fifth in a row locks the login."""
    refusal: str | None = None
    with write_transaction() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.name_key == name_key(name)))
        refusal = check_pin(user, pin, "try again later or ask an administrator")
    if refusal is not None:
        raise LoginRefused(refusal)
    assert user is not None
    return user


class Login(Protocol):
    """What a login needs of a user: the kiosk's staff and the district hub's users alike."""

    active: bool
    pin_hash: str
    failed_pins: int
    locked_until: datetime | None


def check_pin(user: Login | None, pin: str, locked_advice: str) -> str | None:
    """Why this user may not log in with this PIN, or None. Counts a wrong PIN on ``user``
    (the caller commits it, refusal or not); the LOCKOUT_ATTEMPTS-th in a row locks the login
    for LOCKOUT_MINUTES. An unknown name costs the same time as a wrong PIN."""
    now = utcnow()
    cfg = current_app.config
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, pin or "")
        return "That name and PIN do not match."
    if is_locked(user.locked_until, now):
        return f"Too many wrong PINs. This login is locked for a few minutes; {locked_advice}."
    if not check_password_hash(user.pin_hash, pin or ""):
        lock = after_wrong_pin(user.failed_pins, now, cfg["LOCKOUT_ATTEMPTS"],
                               cfg["LOCKOUT_MINUTES"])
        user.failed_pins, user.locked_until = lock.failed, lock.locked_until
        if lock.locked_until:
            return (f"Too many wrong PINs. This login is locked for "
                    f"{count(cfg['LOCKOUT_MINUTES'], 'minute')}.")
        return "That name and PIN do not match."
    user.failed_pins, user.locked_until = 0, None
    return None


def create_user(name: str, pin: str, role: str) -> StaffUser:
    name = " ".join((name or "").split())
    _check_new_user(name, pin, role)
    with write_transaction() as session:
        if session.scalar(select(StaffUser).where(StaffUser.name_key == name_key(name))):
            raise InvalidInput(f"There is already a staff member named {name!r}.")
        user = StaffUser(name=name, name_key=name_key(name), role=role,
                         pin_hash=_hash(pin), active=True)
        session.add(user)
        session.flush()
        return user


def update_user(user_id: int, *, role: str | None = None, pin: str | None = None,
                active: bool | None = None, acting_admin_id: int | None = None) -> StaffUser:
    with write_transaction() as session:
        user = session.get(StaffUser, user_id)
        if user is None:
            raise NotFound("There is no such staff member.")
        if role is not None:
            if role not in ROLES:
                raise InvalidInput("Choose a role: designee, office or admin.")
            user.role = role
        if pin:
            if not valid_pin(pin):
                raise InvalidInput("A PIN is 4 to 12 digits.")
            user.pin_hash = _hash(pin)
            user.failed_pins, user.locked_until = 0, None
        if active is not None:
            user.active = active
        if user.id == acting_admin_id and (not user.active or user.role != "admin"):
            raise InvalidInput("You cannot lock yourself out: ask another administrator.")
        if not session.scalar(select(StaffUser.id).where(
                StaffUser.role == "admin", StaffUser.active.is_(True))):
            raise InvalidInput("The kiosk must keep at least one active administrator.")
        return user


def _check_new_user(name: str, pin: str, role: str) -> None:
    if not 2 <= len(name) <= 120:
        raise InvalidInput("A name is 2 to 120 characters.")
    if not valid_pin(pin or ""):
        raise InvalidInput("A PIN is 4 to 12 digits.")
    if role not in ROLES:
        raise InvalidInput("Choose a role: designee, office or admin.")


def _hash(pin: str) -> str:
    return generate_password_hash(pin, method=current_app.config["PIN_HASH_METHOD"])


def all_users() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.name_key)))

