"""Many requests at the same moment, on SQLite and on PostgreSQL: a one-time enrollment code
enrolls one kiosk, and a login checks at most LOCKOUT_ATTEMPTS guesses before it locks.

Each request runs in its own thread with its own test client (its own cookies, app context and
database session); a barrier lets them go at once."""

from __future__ import annotations

import threading
from datetime import timedelta
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import Flask
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

import kiosk.services.accounts as shared_accounts
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import EnrollmentCode, HubUser, Kiosk
from kiosk.sync.protocol import PROTOCOL, public_key_text
from tests.hub.conftest import LOGINS, SHEPHERDSTOWN, HubClient, make_hub
from tests.hub.helpers import alert
from tests.sync.conftest import hub_store, postgres_ready  # noqa: F401  (fixtures)

T = TypeVar("T")
NAME, PIN, _ = LOGINS["admin"]


def at_once(n: int, fn: Callable[[int], T]) -> list[T]:
    """``fn(0) ... fn(n - 1)``, each in its own thread, released together."""
    barrier = threading.Barrier(n)

    def run(i: int) -> T:
        barrier.wait(timeout=30)
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


@pytest.fixture
def race_hub(hub_store: str, tmp_path: Path) -> Iterator[Flask]:  # noqa: F811
    """The hub on SQLite or PostgreSQL, with a PIN hash slow enough (a few ms) that requests
    overlap while one is being checked."""
    app = make_hub(tmp_path, DATABASE_URL=hub_store, PIN_HASH_METHOD="pbkdf2:sha256:20000")
    app.test_client_class = HubClient
    yield app
    with app.app_context():
        hub_db.session.remove()
        hub_db.engine.dispose()


def _clients(app: Flask, n: int) -> list[HubClient]:
    clients = []
    for _ in range(n):
        c = app.test_client()
        assert isinstance(c, HubClient)
        c.csrf_token()  # its session and CSRF token, before the race
        clients.append(c)
    return clients


def _read(app: Flask, fn: Callable[[], T]) -> T:
    with app.app_context():
        try:
            return fn()
        finally:
            hub_db.session.remove()


# --- enrollment codes ------------------------------------------------------------------------


def test_one_code_enrolls_one_kiosk_whatever_the_number_of_requests(race_hub):
    from kiosk.sync.hub.services import enrollment

    def code() -> str:
        building = enrollment.add_building(SHEPHERDSTOWN)
        return enrollment.new_code(building.id, None).code

    shown = _read(race_hub, code)
    clients = _clients(race_hub, 16)

    def enroll(i: int) -> Any:
        key = public_key_text(ed25519.Ed25519PrivateKey.generate().public_key())
        return clients[i].post("/api/v1/enroll", csrf=False, json={
            "protocol": PROTOCOL, "code": shown, "building": SHEPHERDSTOWN,
            "kiosk_name": f"Kiosk {i}", "public_key": key})

    responses = at_once(16, enroll)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [403] * 15, statuses
    refusals = {(r.get_json()["error"], r.get_json()["message"])
                for r in responses if r.status_code == 403}
    assert refusals == {("enrollment_refused", "That enrollment code was used already; ask the "
                                               "district for a new one.")}
    winner = next(r.get_json() for r in responses if r.status_code == 201)
    kiosks = _read(race_hub, lambda: list(hub_db.session.scalars(select(Kiosk.id))))
    assert kiosks == [winner["kiosk_id"]]
    used_by = _read(race_hub, lambda: hub_db.session.scalar(select(EnrollmentCode.kiosk_id)))
    assert used_by == winner["kiosk_id"]


# --- the login lockout -----------------------------------------------------------------------


@pytest.fixture
def checked(race_hub, monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The PIN hash each check_password_hash call of the login rule checked against."""
    hashes: list[str] = []

    def counting(pwhash: str, password: str) -> bool:
        hashes.append(pwhash)
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(shared_accounts, "check_password_hash", counting)
    return hashes


def _pin_hash(app: Flask) -> str:
    return _read(app, lambda: hub_db.session.scalar(
        select(HubUser.pin_hash).where(HubUser.name == NAME)) or "")


def test_parallel_wrong_pins_check_at_most_five_guesses_and_lock(race_hub, checked):
    clients = _clients(race_hub, 40)
    responses = at_once(40, lambda i: clients[i].post(
        "/login", data={"name": NAME, "pin": f"{1000 + i}"}))
    assert all(r.status_code == 401 for r in responses)
    guesses = [h for h in checked if h == _pin_hash(race_hub)]
    assert len(guesses) <= 5, f"{len(guesses)} guesses checked against the real PIN"
    assert len(checked) == 40, "every answer costs one hash check"
    words = [alert(r) for r in responses]
    assert words.count("Too many wrong PINs. This login is locked for 5 minutes.") == 1, words
    # locked now, even for the right PIN
    right = clients[0].post("/login", data={"name": NAME, "pin": PIN})
    assert right.status_code == 401 and "locked" in alert(right)


def test_many_rounds_of_parallel_guesses_check_five_guesses_a_lock(race_hub, checked,
                                                                     monkeypatch):
    """Waves of parallel guesses, each lock over before the next wave: five checked a lock."""
    offset = [timedelta(0)]
    real_now = shared_accounts.utcnow
    monkeypatch.setattr(shared_accounts, "utcnow", lambda: real_now() + offset[0])
    clients = _clients(race_hub, 20)
    for wave in range(1, 4):
        at_once(20, lambda i: clients[i].post("/login", data={"name": NAME,
                                                               "pin": f"{2000 + i}"}))
        guesses = [h for h in checked if h == _pin_hash(race_hub)]
        assert len(guesses) <= 5 * wave, f"wave {wave}: {len(guesses)} guesses checked"
        offset[0] += timedelta(minutes=6)


def test_the_failure_count_is_not_lost_under_parallel_wrong_pins(race_hub, checked):
    clients = _clients(race_hub, 4)
    at_once(4, lambda i: clients[i].post("/login", data={"name": NAME, "pin": f"{3000 + i}"}))
    failed = _read(race_hub, lambda: hub_db.session.scalar(
        select(func.max(HubUser.failed_pins)).where(HubUser.name == NAME)))
    assert failed == 4
