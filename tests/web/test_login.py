"""Logging in with a name and a PIN, the lockout after wrong PINs, and idle logout."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk.models import utcnow
from tests import factories
from tests.web.helpers import HX, html, page

DEE, DEE_PIN = factories.LOGINS["designee"]
MISMATCH = "That name and PIN do not match."


def test_login_page_has_a_real_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    form = page(response).one("form", action="/login")
    assert form.get("method") == "post"
    assert form.find("input", name="name") is not None
    assert form.one("input", name="pin").get("type") == "password"


def test_good_login_goes_to_the_scan_page(client):
    response = client.post("/login", data={"name": DEE, "pin": DEE_PIN})
    assert response.status_code == 302
    assert response.headers["Location"] == "/scan"
    scan_page = client.get("/scan")
    assert scan_page.status_code == 200
    assert DEE in page(scan_page).one("header").text


def test_name_is_matched_whatever_its_case_and_spacing(client):
    response = client.post("/login", data={"name": "  dee   DESIGNEE ", "pin": DEE_PIN})
    assert response.status_code == 302


def test_wrong_pin_is_refused_with_a_clear_message(client):
    response = client.post("/login", data={"name": DEE, "pin": "9999"})
    assert response.status_code == 401
    alert = page(response).one(role="alert")
    assert alert.text == MISMATCH
    # the name stays filled in; the PIN is never sent back
    assert page(response).one("input", name="name").get("value") == DEE
    assert "9999" not in html(response)
    assert client.get("/scan").status_code == 302


def test_unknown_name_gets_the_same_message_as_a_wrong_pin(client):
    unknown = client.post("/login", data={"name": "Nobody Here", "pin": DEE_PIN})
    wrong = client.post("/login", data={"name": DEE, "pin": "9999"})
    assert unknown.status_code == wrong.status_code == 401
    assert page(unknown).one(role="alert").text == page(wrong).one(role="alert").text == MISMATCH


def test_empty_form_is_refused_not_an_error(client):
    response = client.post("/login", data={})
    assert response.status_code == 401
    assert page(response).one(role="alert").text == MISMATCH


def _wrong_pins(client, times: int):  # type: ignore[no-untyped-def]
    return [client.post("/login", data={"name": DEE, "pin": "0000"}) for _ in range(times)]


def test_five_wrong_pins_lock_the_login_even_for_the_right_pin(client):
    responses = _wrong_pins(client, 5)
    assert all(r.status_code == 401 for r in responses)
    assert page(responses[3]).one(role="alert").text == MISMATCH
    assert "locked for 5 minutes" in page(responses[4]).one(role="alert").text

    right = client.post("/login", data={"name": DEE, "pin": DEE_PIN})
    assert right.status_code == 401
    assert "locked" in page(right).one(role="alert").text
    assert client.get("/scan").status_code == 302


def test_four_wrong_pins_then_the_right_one_logs_in(client):
    _wrong_pins(client, 4)
    assert client.post("/login", data={"name": DEE, "pin": DEE_PIN}).status_code == 302


def test_a_good_login_starts_the_count_of_wrong_pins_again(client):
    _wrong_pins(client, 4)
    assert client.post("/login", data={"name": DEE, "pin": DEE_PIN}).status_code == 302
    client.post("/logout", data={})
    client.token = None
    responses = _wrong_pins(client, 4)
    assert "locked" not in page(responses[-1]).one(role="alert").text
    assert client.post("/login", data={"name": DEE, "pin": DEE_PIN}).status_code == 302


def test_a_locked_login_does_not_lock_anyone_else(client):
    _wrong_pins(client, 5)
    office, pin = factories.LOGINS["office"]
    assert client.post("/login", data={"name": office, "pin": pin}).status_code == 302


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Move the login service's clock forward: ``clock.advance(minutes)``."""

    class Clock:
        offset = timedelta(0)

        def now(self) -> datetime:
            return utcnow() + self.offset

        def advance(self, minutes: float) -> None:
            self.offset += timedelta(minutes=minutes)

    c = Clock()
    monkeypatch.setattr("kiosk.services.accounts.utcnow", c.now)
    return c


def test_the_lock_lasts_five_minutes(client, clock):
    _wrong_pins(client, 5)
    clock.advance(4.5)
    still = client.post("/login", data={"name": DEE, "pin": DEE_PIN})
    assert still.status_code == 401
    assert "locked" in page(still).one(role="alert").text
    clock.advance(1)
    assert client.post("/login", data={"name": DEE, "pin": DEE_PIN}).status_code == 302


def test_lockout_follows_the_settings(seeded_app):
    app = seeded_app(LOCKOUT_ATTEMPTS=2, LOCKOUT_MINUTES=30)
    client = app.test_client()
    client.post("/login", data={"name": DEE, "pin": "0000"})
    second = client.post("/login", data={"name": DEE, "pin": "0000"})
    assert "locked for 30 minutes" in page(second).one(role="alert").text
    assert client.post("/login", data={"name": DEE, "pin": DEE_PIN}).status_code == 401


def test_log_out_ends_the_session(designee):
    response = designee.post("/logout", data={})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert designee.get("/scan").status_code == 302


# Idle logout -------------------------------------------------------------------------------


def _idle_for(client, minutes: float) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=minutes)).isoformat()


def test_an_idle_session_is_logged_out_on_the_next_request(designee):
    _idle_for(designee, 16)
    response = designee.get("/scan")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    login_page = designee.get("/login")
    assert "logged out after 15 minutes without activity" in page(login_page).text
    assert designee.get("/scan").status_code == 302  # and it stays logged out


def test_an_idle_htmx_request_is_sent_to_the_login_page(designee):
    _idle_for(designee, 16)
    response = designee.hx_post("/scan", data={"payload": factories.ALICE_TRAUMA})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login"
    assert response.get_data() == b""


def test_activity_keeps_the_session_alive(designee):
    _idle_for(designee, 14)
    assert designee.get("/scan").status_code == 200
    # the request counted as activity: 14 more minutes are fine again
    with designee.session_transaction() as session:
        seen = datetime.fromisoformat(session["seen"])
    assert utcnow() - seen < timedelta(minutes=1)


def test_idle_time_follows_the_settings(seeded_app):
    app = seeded_app(IDLE_MINUTES=2)
    client = app.test_client()
    client.login("designee")
    _idle_for(client, 1)
    assert client.get("/scan").status_code == 200
    _idle_for(client, 3)
    assert client.get("/scan", headers=HX).headers.get("HX-Redirect") == "/login"
    assert "logged out after 2 minutes" in page(client.get("/login")).text


def test_one_idle_minute_reads_one_minute(seeded_app):
    app = seeded_app(IDLE_MINUTES=1)
    client = app.test_client()
    client.login("designee")
    _idle_for(client, 2)
    client.get("/scan")
    text = page(client.get("/login")).text
    assert "logged out after 1 minute without activity" in text
    assert "1 minutes" not in text


def test_a_lockout_of_one_minute_reads_one_minute(seeded_app):
    app = seeded_app(LOCKOUT_MINUTES=1, LOCKOUT_ATTEMPTS=2)
    client = app.test_client()
    name = factories.LOGINS["designee"][0]
    client.post("/login", data={"name": name, "pin": "0000"})
    text = page(client.post("/login", data={"name": name, "pin": "0000"})).text
    assert "locked for 1 minute." in text


def test_the_page_tells_the_browser_when_to_reload_for_idle_logout(seeded_app):
    app = seeded_app(IDLE_MINUTES=2)
    client = app.test_client()
    client.login("designee")
    body = page(client.get("/scan")).one("body")
    assert body.get("data-idle-seconds") == "120"
