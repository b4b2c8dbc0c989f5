"""Staff logins: name and PIN, lockout after five wrong PINs, and user management."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import kiosk.services.accounts as accounts
from kiosk.errors import InvalidInput, LoginRefused
from kiosk.extensions import db
from kiosk.models import StaffUser
from kiosk.services.accounts import create_user, log_in, update_user
from tests import factories as f

ADMIN, ADMIN_PIN = f.LOGINS["admin"]
DESIGNEE, DESIGNEE_PIN = f.LOGINS["designee"]


def fresh(user_id: int) -> StaffUser:
    """The user as stored, read again from the database."""
    db.session.remove()
    return db.session.get(StaffUser, user_id)


def test_log_in_with_name_and_pin(ctx):
    user = log_in(DESIGNEE, DESIGNEE_PIN)
    assert user.name == DESIGNEE and user.role == "designee"


def test_the_name_is_matched_ignoring_case_and_spaces(ctx):
    assert log_in("  dee   DESIGNEE ", DESIGNEE_PIN).name == DESIGNEE


@pytest.mark.parametrize(("name", "pin"), [(DESIGNEE, "9999"), ("Nobody Here", DESIGNEE_PIN),
                                           (DESIGNEE, ""), ("", "")])
def test_a_wrong_name_or_pin_is_refused_with_the_same_words(ctx, name, pin):
    with pytest.raises(LoginRefused, match="do not match"):
        log_in(name, pin)


def test_five_wrong_pins_lock_the_login_and_each_is_counted(ctx, staff):
    for attempt in range(1, 5):
        with pytest.raises(LoginRefused, match="do not match"):
            log_in(DESIGNEE, "0000")
        assert fresh(staff["designee"]).failed_pins == attempt, "the wrong PIN was not saved"
    with pytest.raises(LoginRefused, match="locked for 5 minutes"):
        log_in(DESIGNEE, "0000")
    stored = fresh(staff["designee"])
    assert stored.locked_until is not None
    assert timedelta(minutes=4) < stored.locked_until - datetime.now(UTC) <= timedelta(minutes=5)
    with pytest.raises(LoginRefused, match="locked"):
        log_in(DESIGNEE, DESIGNEE_PIN)


def test_the_lock_ends_after_five_minutes(ctx, staff, monkeypatch):
    for _ in range(5):
        with pytest.raises(LoginRefused):
            log_in(DESIGNEE, "0000")
    later = datetime.now(UTC) + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(accounts, "utcnow", lambda: later)
    assert log_in(DESIGNEE, DESIGNEE_PIN).name == DESIGNEE
    stored = fresh(staff["designee"])
    assert stored.failed_pins == 0 and stored.locked_until is None


def test_a_right_pin_resets_the_count(ctx, staff):
    for _ in range(4):
        with pytest.raises(LoginRefused):
            log_in(DESIGNEE, "0000")
    log_in(DESIGNEE, DESIGNEE_PIN)
    assert fresh(staff["designee"]).failed_pins == 0
    for _ in range(4):
        with pytest.raises(LoginRefused, match="do not match"):
            log_in(DESIGNEE, "0000")
    assert log_in(DESIGNEE, DESIGNEE_PIN)


def test_the_lockout_is_per_user(ctx):
    for _ in range(5):
        with pytest.raises(LoginRefused):
            log_in(DESIGNEE, "0000")
    assert log_in(ADMIN, ADMIN_PIN).name == ADMIN


def test_an_inactive_user_cannot_log_in(ctx, staff):
    update_user(staff["designee"], active=False)
    with pytest.raises(LoginRefused):
        log_in(DESIGNEE, DESIGNEE_PIN)


def test_create_user_and_log_in(ctx):
    user = create_user("  Nora   New ", "246810", "office")
    assert user.name == "Nora New"
    assert log_in("nora new", "246810").role == "office"


@pytest.mark.parametrize(("name", "pin", "role"), [
    ("Dee Designee", "4444", "designee"),  # taken
    ("DEE  designee", "4444", "designee"),  # taken, spelled differently
    ("N", "4444", "designee"),
    ("Nora New", "123", "designee"),
    ("Nora New", "12ab", "designee"),
    ("Nora New", "4444", "superuser"),
])
def test_create_user_refuses_bad_input(ctx, name, pin, role):
    count = len(db.session.scalars(db.select(StaffUser)).all())
    with pytest.raises(InvalidInput):
        create_user(name, pin, role)
    db.session.remove()
    assert len(db.session.scalars(db.select(StaffUser)).all()) == count


def test_the_last_admin_cannot_be_demoted_or_deactivated(ctx, staff):
    with pytest.raises(InvalidInput, match="at least one active administrator"):
        update_user(staff["admin"], role="office")
    with pytest.raises(InvalidInput, match="at least one active administrator"):
        update_user(staff["admin"], active=False)
    stored = fresh(staff["admin"])
    assert stored.role == "admin" and stored.active


def test_with_a_second_admin_the_first_can_step_down(ctx, staff):
    create_user("Second Admin", "5555", "admin")
    update_user(staff["admin"], role="office")
    assert fresh(staff["admin"]).role == "office"


def test_an_admin_cannot_lock_themself_out(ctx, staff):
    create_user("Second Admin", "5555", "admin")
    with pytest.raises(InvalidInput, match="yourself"):
        update_user(staff["admin"], active=False, acting_admin_id=staff["admin"])
    assert fresh(staff["admin"]).active


def test_a_new_pin_replaces_the_old_and_unlocks(ctx, staff):
    for _ in range(5):
        with pytest.raises(LoginRefused):
            log_in(DESIGNEE, "0000")
    update_user(staff["designee"], pin="8642")
    assert log_in(DESIGNEE, "8642")
    with pytest.raises(LoginRefused):
        log_in(DESIGNEE, DESIGNEE_PIN)


def test_a_bad_new_pin_or_role_is_refused(ctx, staff):
    with pytest.raises(InvalidInput):
        update_user(staff["designee"], pin="12")
    with pytest.raises(InvalidInput):
        update_user(staff["designee"], role="owner")
    assert log_in(DESIGNEE, DESIGNEE_PIN).role == "designee"
