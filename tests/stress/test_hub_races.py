"""Many requests at the same moment on a served hub, over HTTP, on SQLite and on PostgreSQL.

The hub is served for real on 127.0.0.1 (``Hub`` of tests/sync/conftest.py: a threaded server
in this process, so a test can count the PIN hash checks); each request is a connection of its
own, released together by a barrier:

- sixteen kiosks enroll with one one-time code: exactly one gets a token (201);
- forty wrong PINs for one login (and for a name no login has): at most LOCKOUT_ATTEMPTS are
  checked against the PIN before the login locks, and every answer costs one hash check;
- one kiosk's batch of events pushed eight times at once, then two batches in a row pushed at
  once: every event is stored once, each push is told accepted or duplicate, the chain holds.

(tests/hub/test_races.py checks the first two through the Flask test client.)"""

from __future__ import annotations

import http.client
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select
from werkzeug.security import check_password_hash

import kiosk.services.accounts as shared_accounts
from bench.scan import Browser
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import EnrollmentCode, HubUser
from kiosk.sync.hub.models import Kiosk as HubKiosk
from kiosk.sync.hub.services import enrollment
from kiosk.sync.protocol import PROTOCOL, public_key_text, time_text
from tests import factories
from tests.hub.conftest import LOGINS, PAGE_JACKSON, SHEPHERDSTOWN, District, SimKiosk, make_hub
from tests.sync.conftest import Hub

from .served import at_once

ADMIN, ADMIN_PIN, _ = LOGINS["admin"]
LOCKED = "Too many wrong PINs. This login is locked for 5 minutes."
_ALERT = re.compile(r'role="alert"[^>]*>\s*(.*?)\s*<', re.S)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def served_hub(hub_store: str, tmp_path: Path) -> Iterator[Hub]:
    """The hub on this test's store, served on 127.0.0.1, with a district admin and viewer, and
    a PIN hash slow enough (a few ms) for requests to overlap while one is checked."""
    app = make_hub(tmp_path, DATABASE_URL=hub_store, PIN_HASH_METHOD="pbkdf2:sha256:20000")
    hub = Hub(app, hub_store)
    hub.server.start()
    yield hub
    hub.server.stop()
    with app.app_context():
        hub_db.session.remove()
        hub_db.engine.dispose()


def api(hub: Hub, path: str, body: dict[str, Any], token: str = "") -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", hub.server.port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request("POST", path, body=json.dumps({"protocol": PROTOCOL, **body}),
                     headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


# --- enrollment ------------------------------------------------------------------------------


def test_sixteen_kiosks_enroll_with_one_code_at_once_and_one_gets_in(served_hub: Hub) -> None:
    def code() -> str:
        return enrollment.new_code(enrollment.add_building(SHEPHERDSTOWN).id, None).code

    shown = served_hub.call(code)
    keys = [public_key_text(ed25519.Ed25519PrivateKey.generate().public_key())
            for _ in range(16)]

    answers = at_once(16, lambda i: api(served_hub, "/api/v1/enroll", {
        "code": shown, "building": SHEPHERDSTOWN, "kiosk_name": f"Kiosk {i}",
        "public_key": keys[i]}))

    assert sorted(status for status, _ in answers) == [201] + [403] * 15, answers
    assert {body["error"] for status, body in answers if status == 403} == {"enrollment_refused"}
    winner = next(body for status, body in answers if status == 201)
    assert served_hub.call(lambda: list(hub_db.session.scalars(select(HubKiosk.id)))) == [
        winner["kiosk_id"]]
    assert served_hub.call(lambda: hub_db.session.scalar(select(EnrollmentCode.kiosk_id))) == \
        winner["kiosk_id"]
    # the token works: the winner pushes
    status, body = api(served_hub, "/api/v1/events", {"kiosk_id": winner["kiosk_id"],
                                                      "events": []}, winner["token"])
    assert status == 200, body


# --- the login lockout -----------------------------------------------------------------------


@pytest.fixture
def checked(served_hub: Hub, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The PIN hash each check of the login rule was made against, in order."""
    hashes: list[str] = []

    def counting(pwhash: str, password: str) -> bool:
        hashes.append(pwhash)
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(shared_accounts, "check_password_hash", counting)
    return hashes


def _browsers(hub: Hub, n: int) -> list[Browser]:
    """``n`` browsers on the hub's login page, each with its own session cookie and token."""
    browsers = []
    for _ in range(n):
        browser = Browser(hub.server.port)
        page = browser.request("GET", "/login")[1]
        found = _CSRF.search(page)
        assert found, "no CSRF token on the hub's login page"
        browser.csrf = found.group(1)
        browsers.append(browser)
    return browsers


def _try_pins(hub: Hub, name: str, pins: list[str]) -> list[tuple[int, str]]:
    browsers = _browsers(hub, len(pins))
    try:
        answers = at_once(len(pins), lambda i: browsers[i].request(
            "POST", "/login", {"name": name, "pin": pins[i]}))
    finally:
        for browser in browsers:
            browser.conn.close()
    return [(status, _alert(body)) for status, body, _ in answers]


def _alert(page: str) -> str:
    found = _ALERT.search(page)
    return " ".join(found.group(1).split()) if found else ""


def test_forty_wrong_pins_at_once_check_five_then_lock(served_hub: Hub,
                                                       checked: list[str]) -> None:
    limit = served_hub.app.config["LOCKOUT_ATTEMPTS"]
    real = served_hub.call(lambda: hub_db.session.scalar(
        select(HubUser.pin_hash).where(HubUser.name == ADMIN)))

    answers = _try_pins(served_hub, ADMIN, [f"{5000 + i}" for i in range(40)])

    assert {status for status, _ in answers} == {401}
    guesses = [h for h in checked if h == real]
    assert len(guesses) == limit, f"{len(guesses)} guesses checked against the real PIN"
    assert len(checked) == 40, "every answer costs one hash check, no more, no less"
    words = Counter(text for _, text in answers)
    assert words[LOCKED] == 1, words  # the try that locked it says so, once
    # locked now, even for the right PIN, and no more guesses are checked against it
    right = _try_pins(served_hub, ADMIN, [ADMIN_PIN])
    assert right[0][0] == 401 and "locked" in right[0][1], right
    assert len([h for h in checked if h == real]) == limit


def test_forty_wrong_pins_at_once_for_a_name_nobody_has_lock_it_too(served_hub: Hub,
                                                                    checked: list[str]) -> None:
    answers = _try_pins(served_hub, "Nobody Here", [f"{6000 + i}" for i in range(40)])
    assert {status for status, _ in answers} == {401}
    assert len(checked) == 40
    words = Counter(text for _, text in answers)
    assert words[LOCKED] == 1, words
    # the same answers as for a real login, so that a name cannot be told to exist
    real = _try_pins(served_hub, ADMIN, [f"{7000 + i}" for i in range(40)])
    assert Counter(text for _, text in real) == words


# --- pushes ------------------------------------------------------------------------------------


def _reporting_kiosk(hub: Hub, folder: Path) -> SimKiosk:
    district = District(hub.app, folder)
    district.badge_data()
    district.building(PAGE_JACKSON)
    return district.kiosk(PAGE_JACKSON)


def _events(kiosk: SimKiosk, n: int) -> list[dict[str, Any]]:
    """``n`` chained events as a kiosk writes them: hand-outs, then shipments and counts."""
    events = [kiosk.hand_out(factories.ALICE_TRAUMA, "E1", factories.TRAUMA),
              kiosk.hand_out(factories.ALICE_BALANCE, "E1", factories.BALANCE),
              kiosk.hand_out(factories.CARA_CHALLENGES, "E3", factories.CHALLENGES)]
    events.append(kiosk.void(events[0]))
    while len(events) < n:
        if len(events) % 3:
            events.append(kiosk.received(factories.TRAUMA, 1 + len(events) % 7))
        else:
            events.append(kiosk.counted(factories.BALANCE, 10, 10))
    return events


def _push(hub: Hub, kiosk: SimKiosk, events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    status, body = api(hub, "/api/v1/events", {"kiosk_id": kiosk.id, "events": events,
                                               "sent_at": time_text(_now())}, kiosk.token)
    assert status == 200, body
    return [(r["id"], r["status"]) for r in body["results"]]


def _now() -> Any:
    from kiosk.sync.hub.models import utcnow

    return utcnow()


def _stored_once_and_chained(hub: Hub, kiosk: SimKiosk, events: list[dict[str, Any]]) -> None:
    stored = hub.events(kiosk.id)
    assert [(e.id, e.seq, e.hash) for e in stored] == [
        (e["id"], e["seq"], e["hash"]) for e in events]
    assert {e.chain for e in stored} == {"ok"}
    assert [(x.kind, x.summary) for x in hub.exceptions()
            if x.kind in ("broken_chain", "altered_event") and x.status == "open"] == []


def test_one_batch_pushed_eight_times_at_once_is_stored_once(served_hub: Hub,
                                                             tmp_path: Path) -> None:
    kiosk = _reporting_kiosk(served_hub, tmp_path)
    batch = _events(kiosk, 120)

    answers = at_once(8, lambda i: _push(served_hub, kiosk, batch))

    for n, event in enumerate(batch):
        fates = sorted(answer[n] for answer in answers)
        assert fates == [(event["id"], "accepted")] + [(event["id"], "duplicate")] * 7, fates
    _stored_once_and_chained(served_hub, kiosk, batch)
    # and once more, later: all duplicates
    assert {status for _, status in _push(served_hub, kiosk, batch)} == {"duplicate"}


def test_two_batches_in_a_row_pushed_at_once_keep_the_chain(served_hub: Hub,
                                                            tmp_path: Path) -> None:
    """A kiosk retrying while its next batch goes out: the later batch may land first (a gap,
    settled by the hub when the earlier one lands)."""
    kiosk = _reporting_kiosk(served_hub, tmp_path)
    events = _events(kiosk, 160)
    first, second = events[:80], events[80:]

    answers = at_once(8, lambda i: _push(served_hub, kiosk, second if i % 2 else first))

    fates: dict[str, list[str]] = {}
    for answer in answers:
        for event_id, status in answer:
            fates.setdefault(event_id, []).append(status)
    assert {e["id"] for e in events} == set(fates)
    for event_id, statuses in fates.items():
        assert sorted(statuses) == ["accepted"] + ["duplicate"] * 3, (event_id, statuses)
    _stored_once_and_chained(served_hub, kiosk, events)
