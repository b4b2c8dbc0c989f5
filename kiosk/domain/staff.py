"""Rules about staff: roles, PIN lockout, idle logout and who may void a hand-out."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

ROLES = ("designee", "office", "admin")

# What each role may do; each role also has every right of the roles before it.
_RIGHTS = {
    "designee": {"scan", "hand_out", "void_own", "waitlist"},
    "office": {"stock", "log", "void_any_same_day", "printer", "sync", "call_back"},
    "admin": {"users", "settings", "void_any", "slips", "enroll"},
}


@dataclass(frozen=True)
class CurrentUser:
    """Who is logged in, as their login row said at the start of the request (``g.user``).

    Plain values, not a database row: a service may roll the session back, empty it or
    remove it (a sync does all three) and the page drawn afterwards still knows who asks."""

    id: int
    name: str
    role: str


def can(role: str, action: str) -> bool:
    if role not in ROLES:
        return False
    rank = ROLES.index(role)
    return any(action in _RIGHTS[r] for r in ROLES[: rank + 1])


@dataclass(frozen=True)
class Lockout:
    failed: int
    locked_until: datetime | None


def after_wrong_pin(failed: int, now: datetime, attempts: int, minutes: int) -> Lockout:
    """Count a wrong PIN; the ``attempts``-th wrong one locks the user for ``minutes``."""
    failed += 1
    if failed >= attempts:
        return Lockout(failed=0, locked_until=now + timedelta(minutes=minutes))
    return Lockout(failed=failed, locked_until=None)


def claim_try(failed: int, locked_until: datetime | None, now: datetime, attempts: int,
              minutes: int) -> Lockout | None:
    """A try at a PIN, taken before the PIN is checked: None while the login is locked, else the
    counts to store at once. The try counts as a wrong PIN until the PIN proves right (then the
    counts start again), so the ``attempts``-th try locks the login before its PIN is checked:
    however many tries come at the same moment, at most ``attempts`` PINs are checked in a row
    before the lock, and no more until it ends."""
    if is_locked(locked_until, now):
        return None
    return after_wrong_pin(failed, now, attempts, minutes)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def name_digest(key: bytes, name_key: str) -> str:
    """A keyed hash of a login name (HMAC-SHA256): the wrong PINs given for a name no login has
    are counted under it, so that such a name locks like a real one, and the table that counts
    them names nobody to whoever reads it without the key."""
    return hmac.new(key, name_key.encode("utf-8"), hashlib.sha256).hexdigest()


def idle_expired(last_seen: datetime | None, now: datetime, minutes: float) -> bool:
    return last_seen is None or now - last_seen > timedelta(minutes=minutes)


def valid_pin(pin: str) -> bool:
    """A staff PIN is 4 to 12 digits."""
    return pin.isdigit() and pin.isascii() and 4 <= len(pin) <= 12


def may_void(
    role: str,
    staff_id: int,
    handed_out_by: int,
    handed_out_at: datetime,
    now: datetime,
    tz: tzinfo,
) -> bool:
    """Designees void their own hand-outs the same day; office staff any hand-out the same day;
    administrators any hand-out."""
    if can(role, "void_any"):
        return True
    same_day = handed_out_at.astimezone(tz).date() == now.astimezone(tz).date()
    if not same_day:
        return False
    if can(role, "void_any_same_day"):
        return True
    return can(role, "void_own") and staff_id == handed_out_by


def may_see_receipt(role: str, staff_id: int, handed_out_by: int) -> bool:
    """Anyone sees the receipts of their own hand-outs; office staff and administrators see
    every receipt (to print one as a PDF, say)."""
    return can(role, "log") or (can(role, "scan") and staff_id == handed_out_by)


def initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    return "".join(p[0].upper() + "." for p in parts) or "?"
