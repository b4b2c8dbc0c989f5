"""Staff accounts: log in with a name and a PIN, the lockout after wrong PINs, sessions that
logging out ends, and user management by admins.

The login rule (``check_pin``) and the sessions are the kiosk's and the district hub's alike;
``Logins`` says where each app keeps them (``KIOSK_LOGINS`` here, ``HUB_LOGINS`` in
sync/hub/services/accounts.py)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import write_transaction
from ..domain.staff import ROLES, claim_try, name_digest, valid_pin
from ..domain.text import typed_name_problem
from ..domain.words import count
from ..errors import InvalidInput, LoginRefused, NotFound
from ..extensions import db
from ..models import LoginGuard, StaffSession, StaffUser, utcnow
from .lookups import name_key

MISMATCH = "That name and PIN do not match."
# Said only to whoever gives a switched-off login's right PIN: to anyone else it is a name whose
# PIN does not match, like any other.
SWITCHED_OFF = "This login is switched off. Ask an administrator to switch it on again."
# The longest a session lasts however busy it is (its row is deleted then); an ended session's
# row is kept for a day.
SESSION_DAYS = 30


@dataclass(frozen=True)
class Logins:
    """Where an app keeps its logins. ``users``: id, name_key, pin_hash, active, failed_pins,
    locked_until; ``guards``: name_digest, failed_pins, locked_until (the wrong PINs given for a
    name no active login has); ``sessions``: id, user_id, created_at, ended_at."""

    transaction: Callable[[], AbstractContextManager[Session]]
    read: Callable[[], Session]
    users: Any
    guards: Any
    sessions: Any


KIOSK_LOGINS = Logins(write_transaction, db.session, StaffUser, LoginGuard, StaffSession)


def log_in(name: str, pin: str) -> StaffUser:
    """The staff member with this name and PIN, by ``check_pin``."""
    attempt = check_pin(KIOSK_LOGINS, name, pin, "try again later or ask an administrator")
    if attempt.refusal is not None:
        raise LoginRefused(attempt.refusal)
    user: StaffUser = attempt.user
    return user


@dataclass(frozen=True)
class Attempt:
    user: Any | None  # the user logged in, or None
    refusal: str | None  # why not, in the words the login page shows


def check_pin(logins: Logins, name: str, pin: str, locked_advice: str) -> Attempt:
    """Log in with a name and a PIN, or say why not.

    **No more than LOCKOUT_ATTEMPTS guesses a lock, whatever the number of requests at once.**
    A try is claimed before its PIN is checked (``claim_try``): one short transaction locks the
    login's row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite has one writer), counts the try
    as a wrong PIN and, on the LOCKOUT_ATTEMPTS-th, locks the login for LOCKOUT_MINUTES, and
    commits. The PIN is checked after, outside any transaction (a hash check is slow on
    purpose), and a right PIN starts the count again (and lifts a lock its own try made).
    While locked no PIN is checked.

    **A switched-off login** counts its tries and locks like any other, and a wrong PIN for it
    gets the answer any name gets; only its right PIN is told that it is switched off
    (``SWITCHED_OFF``), and logs nobody in.

    **The answers say nothing about which names exist.** The wrong PINs given for a name no
    login has are counted too, in the same way, under a keyed hash of the name (a
    ``guards`` row; rows at rest, no count and no lock, are deleted at the next right PIN):
    such a name locks after as many tries as a real one, with the same words, and every answer
    (unknown name, wrong PIN, locked) costs exactly one PIN hash check of the app's
    PIN_HASH_METHOD. We chose this over never saying "locked": staff at the desk need to know
    why their right PIN does not work."""
    cfg = current_app.config
    attempts, minutes = cfg["LOCKOUT_ATTEMPTS"], cfg["LOCKOUT_MINUTES"]
    now = utcnow()
    key = name_key(name or "")
    users, guards = logins.users, logins.guards
    with logins.transaction() as session:
        user = session.scalar(select(users).where(users.name_key == key)
                              .with_for_update().execution_options(populate_existing=True))
        counter = user if user is not None else _guard(session, guards, name_digest(
            _key_bytes(cfg["SECRET_KEY"]), key))
        claim = claim_try(counter.failed_pins, counter.locked_until, now, attempts, minutes)
        if claim is not None:
            counter.failed_pins, counter.locked_until = claim.failed, claim.locked_until
        user_id, pin_hash = (user.id, user.pin_hash) if user is not None else (None, None)
    dummy = _dummy_hash(cfg["PIN_HASH_METHOD"])
    if claim is None:
        check_password_hash(dummy, pin or "")  # the same work as any other answer
        return Attempt(None, "Too many wrong PINs. This login is locked for a few minutes; "
                             f"{locked_advice}.")
    if check_password_hash(pin_hash or dummy, pin or "") and user_id is not None:
        with logins.transaction() as session:
            user = session.get(users, user_id, populate_existing=True, with_for_update=True)
            user.failed_pins, user.locked_until = 0, None
            session.flush()
            _prune(session, guards, guards.name_digest,
                   guards.failed_pins == 0, guards.locked_until < now)  # at rest: no news
            if not user.active:  # read in this transaction: switched off since the try began
                return Attempt(None, SWITCHED_OFF)
        return Attempt(user, None)
    if claim.locked_until is not None:
        return Attempt(None, f"Too many wrong PINs. This login is locked for "
                             f"{count(minutes, 'minute')}.")
    return Attempt(None, MISMATCH)


def _guard(session: Session, guards: Any, digest: str) -> Any:
    """The ``guards`` row of this name's digest, made if need be, and locked: an upsert, so
    that on PostgreSQL a row another login is deleting just now is made again, not lost."""
    make = postgresql.insert if _postgresql(session) else sqlite.insert
    session.execute(make(guards).values(name_digest=digest, failed_pins=0).on_conflict_do_update(
        index_elements=["name_digest"], set_={"failed_pins": guards.failed_pins}))
    return session.scalars(select(guards).where(guards.name_digest == digest).with_for_update()
                           .execution_options(populate_existing=True)).one()


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _prune(session: Session, model: Any, key: Any, *where: Any) -> None:
    """Delete the rows of ``model`` that are ``where``. On PostgreSQL only those no other
    transaction holds (``FOR UPDATE SKIP LOCKED``): a prune never waits, so it never deadlocks
    with a login or another prune. What it skips, a later one deletes."""
    if _postgresql(session):
        rows = select(key).where(*where).with_for_update(skip_locked=True).scalar_subquery()
        statement = delete(model).where(key.in_(rows))
    else:
        statement = delete(model).where(*where)
    session.execute(statement.execution_options(synchronize_session=False))


def _key_bytes(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else str(secret).encode("utf-8")


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """What an unknown name's PIN is checked against: a hash no PIN matches, of the same kind
    (and cost) as the real ones."""
    return generate_password_hash(secrets.token_hex(16), method=method)


# --- sessions ---------------------------------------------------------------------------------


def _session_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(logins: Logins, user_id: int) -> str:
    """A new session for this user: the random id for the (signed) cookie. The database keeps
    only its SHA-256, and drops the sessions that ended a day ago or began SESSION_DAYS ago."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    rows = logins.sessions
    with logins.transaction() as session:
        _prune(session, rows, rows.id, or_(rows.ended_at < now - timedelta(days=1),
                                           rows.created_at < now - timedelta(days=SESSION_DAYS)))
        session.add(rows(id=_session_id(token), user_id=user_id, created_at=now))
    return token


def session_open(logins: Logins, token: str | None, user_id: int) -> bool:
    """Whether the session with this cookie id is this user's and has not ended."""
    if not token or len(token) > 100:
        return False
    rows = logins.sessions
    row = logins.read().execute(select(rows.user_id, rows.created_at, rows.ended_at).where(
        rows.id == _session_id(token))).one_or_none()
    return (row is not None and row.user_id == user_id and row.ended_at is None
            and row.created_at > utcnow() - timedelta(days=SESSION_DAYS))


def end_session(logins: Logins, token: str | None) -> None:
    """End the session with this cookie id (logging out, or idle): a copy of the cookie no
    longer logs anyone in."""
    if not token or len(token) > 100:
        return
    rows = logins.sessions
    with logins.transaction() as session:
        session.execute(update(rows).where(rows.id == _session_id(token),
                                           rows.ended_at.is_(None))
                        .values(ended_at=utcnow()).execution_options(synchronize_session=False))


# --- user management ---------------------------------------------------------------------------


def create_user(name: str, pin: str, role: str) -> StaffUser:
    problem = typed_name_problem(name or "")
    if problem:
        raise InvalidInput(problem, field="name")
    name = " ".join((name or "").split())
    _check_new_user(name, pin, role)
    with write_transaction() as session:
        if session.scalar(select(StaffUser).where(StaffUser.name_key == name_key(name))):
            raise InvalidInput(f"There is already a staff member named {name!r}.",
                               field="name")
        user = StaffUser(name=name, name_key=name_key(name), role=role,
                         pin_hash=_hash(pin), active=True)
        session.add(user)
        session.flush()
        return user


def update_user(user_id: int, *, role: str | None = None, pin: str | None = None,
                active: bool | None = None, acting_admin_id: int | None = None) -> StaffUser:
    """Change a login; a refusal names the field it is about and changes nothing."""
    with write_transaction() as session:
        user = session.get(StaffUser, user_id)
        if user is None:
            raise NotFound("There is no such staff member.")
        if role is not None:
            if role not in ROLES:
                raise InvalidInput("Choose a role: designee, office or admin.", field="role")
            user.role = role
        if pin:
            if not valid_pin(pin):
                raise InvalidInput("A PIN is 4 to 12 digits.", field="pin")
            user.pin_hash = _hash(pin)
            user.failed_pins, user.locked_until = 0, None
        if active is not None:
            user.active = active
        if active is False:  # its sessions end for good, not only while it is switched off
            session.execute(update(StaffSession).where(
                StaffSession.user_id == user.id, StaffSession.ended_at.is_(None),
            ).values(ended_at=utcnow()).execution_options(synchronize_session=False))
        # the field that took the admin's rights away: the role, else the switch
        taken = "role" if user.role != "admin" else "active"
        if user.id == acting_admin_id and (not user.active or user.role != "admin"):
            raise InvalidInput("You cannot lock yourself out: ask another administrator.",
                               field=taken)
        if not session.scalar(select(StaffUser.id).where(
                StaffUser.role == "admin", StaffUser.active.is_(True))):
            raise InvalidInput("The kiosk must keep at least one active administrator.",
                               field=taken)
        return user


def _check_new_user(name: str, pin: str, role: str) -> None:
    if not 2 <= len(name) <= 120:
        raise InvalidInput("A name is 2 to 120 characters.", field="name")
    if not valid_pin(pin or ""):
        raise InvalidInput("A PIN is 4 to 12 digits.", field="pin")
    if role not in ROLES:
        raise InvalidInput("Choose a role: designee, office or admin.", field="role")


def _hash(pin: str) -> str:
    return generate_password_hash(pin, method=current_app.config["PIN_HASH_METHOD"])


def all_users() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.name_key)))


def staff_user(user_id: int) -> StaffUser:
    """The login as stored (read again: after a refused change, what was kept)."""
    user = db.session.get(StaffUser, user_id, populate_existing=True)
    if user is None:
        raise NotFound("There is no such staff member.")
    return user
