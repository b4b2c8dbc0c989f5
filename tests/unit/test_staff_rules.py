"""Staff rules: who may do what, PIN lockout, idle logout and who may void a hand-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.staff import (
    ROLES,
    after_wrong_pin,
    can,
    idle_expired,
    initials,
    is_locked,
    may_void,
    valid_pin,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 5, 1, 14, 0, tzinfo=UTC)


# --- roles -----------------------------------------------------------------------------------

@pytest.mark.parametrize("action", ["scan", "hand_out", "void_own", "waitlist"])
def test_everyone_can_scan_and_hand_out(action):
    assert all(can(role, action) for role in ROLES)


@pytest.mark.parametrize("action", ["stock", "log", "void_any_same_day"])
def test_office_staff_and_admins_handle_stock_and_logs(action):
    assert not can("designee", action)
    assert can("office", action)
    assert can("admin", action)


@pytest.mark.parametrize("action", ["users", "settings", "void_any"])
def test_only_admins_manage_users_and_settings(action):
    assert not can("designee", action)
    assert not can("office", action)
    assert can("admin", action)


def test_unknown_role_or_action_can_do_nothing():
    assert not can("janitor", "scan")
    assert not can("", "scan")
    assert not can("admin", "launch_rockets")


# --- lockout ---------------------------------------------------------------------------------

def test_five_wrong_pins_lock_for_five_minutes():
    failed, locked_until = 0, None
    for attempt in range(1, 5):
        lock = after_wrong_pin(failed, NOW, attempts=5, minutes=5)
        failed, locked_until = lock.failed, lock.locked_until
        assert failed == attempt
        assert locked_until is None
        assert not is_locked(locked_until, NOW)
    lock = after_wrong_pin(failed, NOW, attempts=5, minutes=5)
    assert lock.locked_until == NOW + timedelta(minutes=5)
    assert is_locked(lock.locked_until, NOW)
    assert is_locked(lock.locked_until, NOW + timedelta(minutes=4, seconds=59))
    assert not is_locked(lock.locked_until, NOW + timedelta(minutes=5))
    assert lock.failed == 0, "after the lock ends the count starts again"


def test_not_locked_without_a_lock():
    assert not is_locked(None, NOW)


# --- idle logout -----------------------------------------------------------------------------

def test_idle_logout():
    assert idle_expired(None, NOW, 15)
    assert not idle_expired(NOW - timedelta(minutes=14), NOW, 15)
    assert not idle_expired(NOW - timedelta(minutes=15), NOW, 15)
    assert idle_expired(NOW - timedelta(minutes=15, seconds=1), NOW, 15)
    assert idle_expired(NOW - timedelta(minutes=2), NOW, 1.5)


# --- PINs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("pin", ["1234", "000000", "123456789012"])
def test_valid_pins(pin):
    assert valid_pin(pin)


@pytest.mark.parametrize("pin", ["", "123", "1234567890123", "12a4", " 1234", "١٢٣٤", "12.4"])
def test_invalid_pins(pin):
    assert not valid_pin(pin)


# --- voids -----------------------------------------------------------------------------------

def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(UTC)


def test_designee_voids_own_hand_out_the_same_day():
    assert may_void("designee", 7, 7, _local(2024, 5, 1, 9, 0), _local(2024, 5, 1, 16, 0), NY)


def test_designee_cannot_void_someone_elses():
    assert not may_void("designee", 7, 8, _local(2024, 5, 1, 9, 0), _local(2024, 5, 1, 9, 5), NY)


def test_designee_cannot_void_yesterdays():
    assert not may_void("designee", 7, 7, _local(2024, 4, 30, 15, 0), _local(2024, 5, 1, 9, 0),
                        NY)


def test_the_day_ends_at_local_midnight_not_utc_midnight():
    # 23:50 and 00:10 in New York are 03:50 and 04:10 UTC: the same UTC day, but two local days.
    before, after = _local(2024, 5, 1, 23, 50), _local(2024, 5, 2, 0, 10)
    assert before.date() == after.date()
    assert not may_void("designee", 7, 7, before, after, NY)
    assert not may_void("office", 7, 8, before, after, NY)


def test_evening_hand_out_is_still_today_after_utc_midnight():
    # 19:30 and 20:30 in New York straddle UTC midnight but are the same local day.
    handed, now = _local(2024, 5, 1, 19, 30), _local(2024, 5, 1, 20, 30)
    assert handed.date() != now.date()
    assert may_void("designee", 7, 7, handed, now, NY)


def test_office_voids_anyones_the_same_day_only():
    assert may_void("office", 7, 8, _local(2024, 5, 1, 9, 0), _local(2024, 5, 1, 16, 0), NY)
    assert not may_void("office", 7, 8, _local(2024, 4, 30, 9, 0), _local(2024, 5, 1, 9, 0), NY)


def test_admin_voids_any_hand_out():
    assert may_void("admin", 7, 8, _local(2024, 1, 2, 9, 0), _local(2024, 5, 1, 9, 0), NY)


def test_unknown_role_voids_nothing():
    assert not may_void("visitor", 7, 7, _local(2024, 5, 1, 9, 0), _local(2024, 5, 1, 9, 1), NY)


# --- initials on receipts --------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("Alice Able", "A.A."),
    ("Zoë Nguyễn", "Z.N."),
    ("Mary-Jane O'Brien", "M.J.O."),
    ("  cara   cole ", "C.C."),
    ("", "?"),
    ("123", "?"),
])
def test_initials(name, expected):
    assert initials(name) == expected
