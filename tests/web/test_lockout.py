"""The lockout after wrong PINs says nothing about which names exist (an unknown name gets the
same answers, locks alike and costs the same work), and holds under requests at once."""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash
from werkzeug.test import TestResponse

import kiosk.services.accounts as accounts
from kiosk.extensions import db
from kiosk.models import LoginGuard, StaffUser, utcnow
from tests import factories
from tests.conftest import KioskClient
from tests.web.helpers import page

DEE, DEE_PIN = factories.LOGINS["designee"]
UNKNOWN = "Zed Zanzibar"  # as long as DEE's name, so the pages are as long
LOCKED_NOW = "Too many wrong PINs. This login is locked for 5 minutes."
LOCKED = ("Too many wrong PINs. This login is locked for a few minutes; try again later or ask "
          "an administrator.")
MISMATCH = "That name and PIN do not match."
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The PIN hash of every check the login rule makes."""
    checked: list[str] = []

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return checked


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    class Clock:
        offset = timedelta(0)

        def now(self):  # type: ignore[no-untyped-def]
            return utcnow() + self.offset

    c = Clock()
    monkeypatch.setattr(accounts, "utcnow", c.now)
    return c


def _browser(app) -> KioskClient:  # type: ignore[no-untyped-def]
    app.test_client_class = KioskClient
    client = app.test_client()
    client.csrf_token()
    return client


def _tries(app, name: str, times: int = 10) -> list[TestResponse]:  # type: ignore[no-untyped-def]
    client = _browser(app)
    return [client.post("/login", data={"name": name, "pin": "0000"}) for _ in range(times)]


def _pin_hash(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        found = db.session.scalar(select(StaffUser.pin_hash).where(StaffUser.name == DEE))
        db.session.remove()
    return str(found)


def _as_seen(response: TestResponse, name: str) -> tuple[object, ...]:
    """The answer as the person (or a script) sees it, but for the name typed and the CSRF
    token: status, headers but the signed cookie, and the bytes of the page."""
    body = response.get_data()
    token = _TOKEN.search(body.decode()).group(1)  # type: ignore[union-attr]
    headers = sorted((k, v) for k, v in response.headers.items() if k != "Set-Cookie")
    return (response.status_code, headers,
            body.replace(token.encode(), b"TOKEN").replace(name.encode(), b"NAME"))


def test_a_real_and_an_unknown_name_get_the_same_answers_ten_times(app):
    real = _tries(app, DEE)
    unknown = _tries(app, UNKNOWN)
    assert [_as_seen(r, DEE) for r in real] == [_as_seen(r, UNKNOWN) for r in unknown]
    words = [page(r).one(role="alert").text for r in unknown]
    assert words == [MISMATCH] * 4 + [LOCKED_NOW] + [LOCKED] * 5


def test_every_answer_costs_one_pin_check_locked_or_not(app, hash_checks):
    for name in (DEE, UNKNOWN):
        client = _browser(app)
        for n in range(1, 11):
            client.post("/login", data={"name": name, "pin": "0000"})
            assert len(hash_checks) == n, f"{name}, try {n}: {len(hash_checks)} checks"
        hash_checks.clear()
    client.post("/login", data={"name": DEE, "pin": DEE_PIN})  # the right PIN, while locked
    assert len(hash_checks) == 1
    real = _pin_hash(app)
    assert real not in hash_checks, "no PIN is checked while the login is locked"


def test_an_unknown_name_locks_and_unlocks_like_a_real_one(app, clock):
    for name in (DEE, UNKNOWN):
        assert page(_tries(app, name, 5)[-1]).one(role="alert").text == LOCKED_NOW
    clock.offset = timedelta(minutes=5, seconds=1)
    real, unknown = _tries(app, DEE, 1), _tries(app, UNKNOWN, 1)
    assert [_as_seen(r, DEE) for r in real] == [_as_seen(r, UNKNOWN) for r in unknown]
    assert page(unknown[0]).one(role="alert").text == MISMATCH


def test_an_unknown_name_is_counted_under_a_keyed_hash_and_forgotten_at_rest(app, clock):
    _tries(app, UNKNOWN, 3)
    with app.app_context():
        rows = list(db.session.scalars(select(LoginGuard)))
        key = hmac.new(b"test-secret", b"zed zanzibar", hashlib.sha256).hexdigest()
        assert [(r.name_digest, r.failed_pins) for r in rows] == [(key, 3)]
        db.session.remove()
    _tries(app, UNKNOWN, 2)  # locked now
    clock.offset = timedelta(minutes=6)
    assert _browser(app).post("/login", data={"name": DEE, "pin": DEE_PIN}).status_code == 302
    with app.app_context():
        assert list(db.session.scalars(select(LoginGuard))) == [], "the lock is over: forgotten"
        db.session.remove()


def test_parallel_wrong_pins_check_five_guesses_and_lock(app, hash_checks):
    clients = [_browser(app) for _ in range(20)]
    barrier = threading.Barrier(20)

    def guess(i: int) -> TestResponse:
        barrier.wait(timeout=30)
        return clients[i].post("/login", data={"name": DEE, "pin": f"{1000 + i}"})

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(guess, range(20)))
    assert all(r.status_code == 401 for r in responses)
    real = _pin_hash(app)
    assert hash_checks.count(real) == 5 and len(hash_checks) == 20
    words = sorted(page(r).one(role="alert").text for r in responses)
    assert words == sorted([MISMATCH] * 4 + [LOCKED_NOW] + [LOCKED] * 15)
    right = clients[0].post("/login", data={"name": DEE, "pin": DEE_PIN})
    assert right.status_code == 401 and page(right).one(role="alert").text == LOCKED


SWITCHED_OFF = "This login is switched off. Ask an administrator to switch it on again."


def _switch_off(app, name: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.name == name))
        accounts.update_user(user.id, active=False)
        db.session.remove()


def test_a_switched_off_login_is_told_so_only_after_its_right_pin(app, clock, hash_checks):
    """It was told "That name and PIN do not match" even for its right PIN. Now the right PIN
    says it is switched off; a wrong PIN still gets an unknown name's answers, and counts
    toward the lock like any other."""
    _switch_off(app, DEE)
    client = _browser(app)
    right = client.post("/login", data={"name": DEE, "pin": DEE_PIN})
    assert right.status_code == 401
    assert page(right).one(role="alert").text == SWITCHED_OFF
    assert hash_checks == [_pin_hash(app)]  # its own PIN was checked, once
    assert client.get("/scan").status_code == 302  # and nobody is logged in
    hash_checks.clear()
    off, unknown = _tries(app, DEE), _tries(app, UNKNOWN)
    assert [_as_seen(r, DEE) for r in off] == [_as_seen(r, UNKNOWN) for r in unknown]
    assert [page(r).one(role="alert").text for r in off] == (
        [MISMATCH] * 4 + [LOCKED_NOW] + [LOCKED] * 5)
    assert len(hash_checks) == 20, "one PIN check an answer"
    locked = client.post("/login", data={"name": DEE, "pin": DEE_PIN})
    assert page(locked).one(role="alert").text == LOCKED  # locked says nothing more
    clock.offset = timedelta(minutes=5, seconds=1)
    again = client.post("/login", data={"name": DEE, "pin": DEE_PIN})
    assert page(again).one(role="alert").text == SWITCHED_OFF
