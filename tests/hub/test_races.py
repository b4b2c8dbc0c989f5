"""Many requests at the same moment, on SQLite and on PostgreSQL: a one-time enrollment code
enrolls one kiosk, a login checks at most LOCKOUT_ATTEMPTS guesses before it locks, and
transfers out of one building never send more pins than it should have.

Each request runs in its own thread with its own test client (its own cookies, app context and
database session); a barrier lets them go at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import Flask
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

import kiosk.services.accounts as shared_accounts
from kiosk.sync.hub.errors import InvalidInput
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import EnrollmentCode, HubUser, Kiosk
from kiosk.sync.hub.services import enrollment, stock
from kiosk.sync.protocol import PROTOCOL, public_key_text
from tests.factories import TRAUMA
from tests.hub.conftest import LOGINS, PAGE_JACKSON, SHEPHERDSTOWN, District, HubClient
from tests.hub.helpers import alert
from tests.hub.stores import browser, hub_store, postgres_ready, read, store_hub  # noqa: F401

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
def race_hub(store_hub: Callable[..., Flask]) -> Flask:  # noqa: F811  (the fixture)
    """The hub on SQLite or PostgreSQL, with a PIN hash slow enough (a few ms) that requests
    overlap while one is being checked."""
    return store_hub(PIN_HASH_METHOD="pbkdf2:sha256:20000")


def _clients(app: Flask, n: int) -> list[HubClient]:
    return [browser(app) for _ in range(n)]


# --- enrollment codes ------------------------------------------------------------------------


def test_one_code_enrolls_one_kiosk_whatever_the_number_of_requests(race_hub):
    def code() -> str:
        building = enrollment.add_building(SHEPHERDSTOWN)
        return enrollment.new_code(building.id, None).code

    shown = read(race_hub, code)
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
    kiosks = read(race_hub, lambda: list(hub_db.session.scalars(select(Kiosk.id))))
    assert kiosks == [winner["kiosk_id"]]
    used_by = read(race_hub, lambda: hub_db.session.scalar(select(EnrollmentCode.kiosk_id)))
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
    return read(app, lambda: hub_db.session.scalar(
        select(HubUser.pin_hash).where(HubUser.name == NAME)) or "")


def test_parallel_wrong_pins_check_five_guesses_then_lock(race_hub, checked):
    clients = _clients(race_hub, 40)
    responses = at_once(40, lambda i: clients[i].post(
        "/login", data={"name": NAME, "pin": f"{1000 + i}"}))
    assert all(r.status_code == 401 for r in responses)
    guesses = [h for h in checked if h == _pin_hash(race_hub)]
    assert len(guesses) == 5, f"{len(guesses)} guesses checked against the real PIN"
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
        assert len(guesses) == 5 * wave, f"wave {wave}: {len(guesses)} guesses checked"
        offset[0] += timedelta(minutes=6)


def test_the_failure_count_is_not_lost_under_parallel_wrong_pins(race_hub, checked):
    clients = _clients(race_hub, 4)
    at_once(4, lambda i: clients[i].post("/login", data={"name": NAME, "pin": f"{3000 + i}"}))
    failed = read(race_hub, lambda: hub_db.session.scalar(
        select(func.max(HubUser.failed_pins)).where(HubUser.name == NAME)))
    assert failed == 4


# --- stock transfers -------------------------------------------------------------------------


def test_parallel_transfers_out_of_one_building_never_send_more_than_it_has(race_hub, tmp_path):
    """Eight transfers of 4 pins out of a building that should have 10: two go, six are
    refused, and the building never goes below zero (the check and the move were two
    transactions: every transfer saw 10 and all eight went)."""
    district = District(race_hub, tmp_path)
    district.badge_data()
    district.building(PAGE_JACKSON)
    district.building(SHEPHERDSTOWN)
    district.allocate(PAGE_JACKSON, TRAUMA, 10)
    source, target = district.building_id(PAGE_JACKSON), district.building_id(SHEPHERDSTOWN)

    def send(i: int) -> str:
        try:
            district.call(stock.transfer, source, target, TRAUMA, 4, f"try {i}", "Dana District")
        except InvalidInput:
            return "refused"
        return "sent"

    outcomes = at_once(8, send)
    assert sorted(outcomes) == ["refused"] * 6 + ["sent"] * 2
    rows = district.rows()
    assert rows[(PAGE_JACKSON, TRAUMA)].expected == 2
    assert rows[(SHEPHERDSTOWN, TRAUMA)].expected == 8
