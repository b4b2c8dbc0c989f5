"""District staff log in to the hub like staff log in to a kiosk: a name and a PIN, a lock after
five wrong PINs, and logout after 15 idle minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk.sync.hub.models import utcnow
from tests.hub.conftest import HX, LOGINS
from tests.hub.helpers import alert, html, page

NAME, PIN, _ = LOGINS["admin"]
MISMATCH = "That name and PIN do not match."


def _wrong_pins(client, times: int):  # type: ignore[no-untyped-def]
    return [client.post("/login", data={"name": NAME, "pin": "0000"}) for _ in range(times)]


def test_the_login_page_is_a_real_form(client):
    form = page(client.get("/login")).one("form", action="/login")
    assert form.get("method") == "post"
    assert form.one("input", name="pin").get("type") == "password"


def test_a_good_login_opens_the_dashboard(client):
    response = client.post("/login", data={"name": f"  {NAME.upper()} ", "pin": PIN})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert NAME in page(client.get("/")).one("header").text


def test_a_wrong_pin_is_refused_and_the_pin_not_sent_back(client):
    response = client.post("/login", data={"name": NAME, "pin": "9999"})
    assert response.status_code == 401
    assert alert(response) == MISMATCH
    assert page(response).one("input", name="name").get("value") == NAME
    assert "9999" not in html(response)
    assert client.get("/").status_code == 302


def test_an_unknown_name_gets_the_same_answer(client):
    unknown = client.post("/login", data={"name": "Nobody", "pin": PIN})
    assert unknown.status_code == 401 and alert(unknown) == MISMATCH


def test_five_wrong_pins_lock_the_login_even_for_the_right_pin(client):
    responses = _wrong_pins(client, 5)
    assert alert(responses[3]) == MISMATCH
    assert "locked for 5 minutes" in alert(responses[4])
    right = client.post("/login", data={"name": NAME, "pin": PIN})
    assert right.status_code == 401 and "locked" in alert(right)
    assert client.get("/").status_code == 302
    # somebody else's login still works
    viewer, viewer_pin, _ = LOGINS["viewer"]
    assert client.post("/login", data={"name": viewer, "pin": viewer_pin}).status_code == 302


def test_four_wrong_pins_then_the_right_one_logs_in(client):
    _wrong_pins(client, 4)
    assert client.post("/login", data={"name": NAME, "pin": PIN}).status_code == 302


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    class Clock:
        offset = timedelta(0)

        def now(self) -> datetime:
            return utcnow() + self.offset

    c = Clock()
    monkeypatch.setattr("kiosk.services.accounts.utcnow", c.now)  # the shared login rule
    return c


def test_the_lock_lasts_five_minutes(client, clock):
    _wrong_pins(client, 5)
    clock.offset = timedelta(minutes=4.5)
    assert client.post("/login", data={"name": NAME, "pin": PIN}).status_code == 401
    clock.offset = timedelta(minutes=5.5)
    assert client.post("/login", data={"name": NAME, "pin": PIN}).status_code == 302


def test_the_lock_follows_the_settings(hub_with):
    client = hub_with(LOCKOUT_ATTEMPTS=2, LOCKOUT_MINUTES=30).test_client()
    client.post("/login", data={"name": NAME, "pin": "0000"})
    second = client.post("/login", data={"name": NAME, "pin": "0000"})
    assert "locked for 30 minutes" in alert(second)


def test_log_out_ends_the_session(admin):
    response = admin.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert admin.get("/").status_code == 302


def _idle_for(client, minutes: float) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=minutes)).isoformat()


def test_an_idle_session_is_logged_out_on_the_next_request(admin):
    _idle_for(admin, 16)
    response = admin.get("/stock")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "logged out after 15 minutes without activity" in page(admin.get("/login")).text
    assert admin.get("/").status_code == 302


def test_an_idle_htmx_request_is_sent_to_the_login_page(admin):
    _idle_for(admin, 16)
    response = admin.hx_post("/buildings", data={"name": "Late Building"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login"


def test_activity_keeps_the_session_alive(admin):
    _idle_for(admin, 14)
    assert admin.get("/stock").status_code == 200
    _idle_for(admin, 0)
    assert admin.get("/exceptions", headers=HX).status_code == 200


def test_idle_time_follows_the_settings_and_the_page_knows_it(hub_with):
    client = hub_with(IDLE_MINUTES=2).test_client()
    client.login("viewer")
    assert page(client.get("/")).one("body").get("data-idle-seconds") == "120"
    _idle_for(client, 3)
    assert client.get("/").status_code == 302
    assert "logged out after 2 minutes" in page(client.get("/login")).text


def test_a_login_switched_off_ends_its_sessions(hub, admin):
    from kiosk.sync.hub.extensions import hub_db
    from kiosk.sync.hub.models import HubUser

    with hub.app_context():
        user = hub_db.session.query(HubUser).filter_by(name=NAME).one()
        user.active = False
        hub_db.session.commit()
        hub_db.session.remove()
    assert admin.get("/").status_code == 302


def test_a_switched_off_login_is_told_so_only_after_its_right_pin(hub, client):
    """The kiosk's login rule (kiosk/services/accounts.py:check_pin), on the hub: a right PIN
    says the login is switched off, a wrong one does not match and counts toward the lock."""
    from kiosk.sync.hub.extensions import hub_db
    from kiosk.sync.hub.models import HubUser

    with hub.app_context():
        hub_db.session.query(HubUser).filter_by(name=NAME).one().active = False
        hub_db.session.commit()
        hub_db.session.remove()
    right = client.post("/login", data={"name": NAME, "pin": PIN})
    assert right.status_code == 401
    assert alert(right) == ("This login is switched off. Ask an administrator to switch it on "
                            "again.")
    assert client.get("/").status_code == 302
    wrong = _wrong_pins(client, 5)
    assert [alert(r) for r in wrong[:4]] == [MISMATCH] * 4
    assert "locked for 5 minutes" in alert(wrong[4])
    assert "locked" in alert(client.post("/login", data={"name": NAME, "pin": PIN}))
