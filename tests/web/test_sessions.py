"""A session lives on the kiosk, not only in the cookie: logging out ends it, so a copy of the
cookie is worth nothing after; and the cookie is Secure as SESSION_COOKIE_SECURE says (false
by default: the kiosk is served on 127.0.0.1 over plain HTTP)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import StaffSession, utcnow
from tests import factories
from tests.conftest import KioskClient, make_app

COOKIE = "session"
DEE = factories.LOGINS["designee"][0]


def _copy(client: KioskClient, app) -> KioskClient:  # type: ignore[no-untyped-def]
    """Another browser holding a copy of this one's session cookie."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    app.test_client_class = KioskClient
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def _sessions(app) -> list[StaffSession]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = list(db.session.scalars(select(StaffSession).order_by(StaffSession.created_at)))
        db.session.remove()
    return rows


def test_a_copied_cookie_stops_working_at_logout(app, designee):
    thief = _copy(designee, app)
    assert thief.get("/scan").status_code == 200  # a copy works while the session lasts
    designee.post("/logout")
    assert designee.get("/scan").status_code == 302
    response = thief.get("/scan")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert thief.get("/log").status_code == 302


def test_logging_out_ends_only_that_session(app, login_as):
    first, second = login_as("designee"), login_as("designee")
    first.post("/logout")
    assert first.get("/scan").status_code == 302
    assert second.get("/scan").status_code == 200


def test_the_kiosk_keeps_a_hash_of_the_session_id_and_when_it_ended(app, designee):
    [row] = _sessions(app)
    assert row.ended_at is None
    with designee.session_transaction() as session:
        sid = session["sid"]
    assert sid not in row.id and len(row.id) == 64
    designee.post("/logout")
    [row] = _sessions(app)
    assert row.ended_at is not None


def test_idle_logout_ends_the_session_too(app, designee):
    thief = _copy(designee, app)
    with designee.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=16)).isoformat()
    assert designee.get("/scan").status_code == 302
    assert _sessions(app)[0].ended_at is not None
    with thief.session_transaction() as session:  # even a copy that looks busy
        session["seen"] = utcnow().isoformat()
    assert thief.get("/scan").status_code == 302


def test_a_login_switched_off_and_on_again_does_not_bring_its_sessions_back(app, login_as):
    from kiosk.services.accounts import update_user
    from kiosk.services.lookups import staff_named

    designee, admin = login_as("designee"), login_as("admin")
    with app.app_context():
        user_id = staff_named(DEE).id
        update_user(user_id, active=False)
        update_user(user_id, active=True)  # before the browser asked for anything
        db.session.remove()
    assert designee.get("/scan").status_code == 302
    assert admin.get("/scan").status_code == 200


def test_a_cookie_from_before_sessions_were_kept_logs_in_nobody(app, designee):
    with designee.session_transaction() as session:
        del session["sid"]
    assert designee.get("/scan").status_code == 302


def test_ended_sessions_are_forgotten_a_day_later(app, login_as, monkeypatch):
    login_as("designee").post("/logout")
    later = utcnow() + timedelta(days=1, minutes=1)
    monkeypatch.setattr("kiosk.services.accounts.utcnow", lambda: later)
    login_as("office")
    assert [row.ended_at for row in _sessions(app)] == [None]


def _cookie_header(response) -> str:  # type: ignore[no-untyped-def]
    [header] = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    return header


def _login(app, base_url: str = "http://localhost"):  # type: ignore[no-untyped-def]
    app.test_client_class = KioskClient
    client = app.test_client()
    name, pin = factories.LOGINS["designee"]
    return client.post("/login", data={"name": name, "pin": pin}, base_url=base_url,
                       headers={"Referer": f"{base_url}/login"})


def test_the_kiosk_cookie_is_not_secure_by_default(app):
    response = _login(app)
    assert response.status_code == 302
    header = _cookie_header(response)
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Secure" not in header


@pytest.mark.parametrize(("setting", "https", "secure"), [
    (True, False, True), ("true", False, True), ("auto", False, False), ("auto", True, True),
    (False, True, False)])
def test_the_cookie_is_secure_as_the_setting_says(seeded_app, setting, https, secure):
    app = seeded_app(SESSION_COOKIE_SECURE=setting)
    response = _login(app, "https://localhost" if https else "http://localhost")
    assert response.status_code == 302
    assert ("; Secure" in _cookie_header(response)) == secure


def test_a_wrong_cookie_setting_stops_the_kiosk_at_start(tmp_path):
    with pytest.raises(ValueError, match="SESSION_COOKIE_SECURE is auto, true or false"):
        make_app(tmp_path, SESSION_COOKIE_SECURE="sometimes")
