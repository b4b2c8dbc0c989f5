"""The hub's sessions, on SQLite and PostgreSQL: logging out ends the session on the hub, so a
copy of the cookie is worth nothing after; the cookie is Secure when the request came over
HTTPS (SESSION_COOKIE_SECURE "auto", the hub's default), also behind a proxy that ends TLS
(TRUSTED_PROXIES), and as the setting says otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubSession, HubUser, utcnow
from tests.hub.conftest import LOGINS, HubClient
from tests.hub.stores import browser, hub_store, postgres_ready, read, store_hub  # noqa: F401

COOKIE = "hub_session"


@pytest.fixture
def hub(store_hub: Callable[..., Flask]) -> Flask:  # noqa: F811  (the fixture)
    return store_hub()


def _logged_in(app: Flask, role: str = "admin") -> HubClient:
    client = browser(app)
    client.login(role)
    return client


def _copy(client: HubClient, app: Flask) -> HubClient:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    assert isinstance(thief, HubClient)
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def test_a_copied_cookie_stops_working_at_logout(hub):
    admin = _logged_in(hub)
    thief = _copy(admin, hub)
    assert thief.get("/").status_code == 200
    response = admin.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert admin.get("/").status_code == 302
    assert thief.get("/").status_code == 302
    assert thief.get("/logins").status_code == 302
    [row] = read(hub, lambda: list(hub_db.session.scalars(select(HubSession))))
    assert row.ended_at is not None


def test_logging_out_ends_only_that_session(hub):
    first, second = _logged_in(hub), _logged_in(hub)
    first.post("/logout")
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 200


def test_idle_logout_ends_the_session_for_every_copy(hub):
    admin = _logged_in(hub, "viewer")
    thief = _copy(admin, hub)
    with admin.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=16)).isoformat()
    assert admin.get("/").status_code == 302
    with thief.session_transaction() as session:
        session["seen"] = utcnow().isoformat()
    assert thief.get("/").status_code == 302


def test_a_login_switched_off_ends_its_sessions_and_the_rest_stay(hub):
    admin, viewer = _logged_in(hub), _logged_in(hub, "viewer")

    def switch_off() -> None:
        user = hub_db.session.scalar(select(HubUser).where(HubUser.name == LOGINS["viewer"][0]))
        assert user is not None
        user.active = False
        hub_db.session.commit()

    read(hub, switch_off)
    assert viewer.get("/").status_code == 302
    assert admin.get("/").status_code == 200


# --- Secure cookies --------------------------------------------------------------------------


def _cookie_header(response) -> str:  # type: ignore[no-untyped-def]
    [header] = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    return header


def _login_page(app: Flask, base_url: str, **headers: str) -> str:
    """The cookie the login page sets (it holds the CSRF token), as the browser gets it."""
    response = app.test_client().get("/login", base_url=base_url, headers=headers)
    assert response.status_code == 200
    return _cookie_header(response)


def test_by_default_the_cookie_is_secure_over_https_only(hub):
    assert "; Secure" in _login_page(hub, "https://hub.example.org")
    assert "; Secure" not in _login_page(hub, "http://127.0.0.1")
    # a client cannot make itself "secure" with a header the hub was not told to believe
    assert "; Secure" not in _login_page(hub, "http://127.0.0.1", X_Forwarded_Proto="https")


def test_a_whole_login_over_https_gets_a_secure_cookie(hub):
    name, pin, _ = LOGINS["admin"]
    client = browser(hub)
    response = client.post("/login", data={"name": name, "pin": pin},
                           base_url="https://localhost",
                           headers={"Referer": "https://localhost/login"})
    assert response.status_code == 302
    header = _cookie_header(response)
    assert "; Secure" in header and "HttpOnly" in header and "SameSite=Strict" in header


def test_behind_a_trusted_proxy_its_forwarded_scheme_counts(tmp_path):
    from tests.hub.conftest import make_hub

    app = make_hub(tmp_path, TRUSTED_PROXIES=1)
    try:
        assert "; Secure" in _login_page(app, "http://127.0.0.1", X_Forwarded_Proto="https")
        assert "; Secure" not in _login_page(app, "http://127.0.0.1", X_Forwarded_Proto="http")
    finally:
        with app.app_context():
            hub_db.engine.dispose()


@pytest.mark.parametrize(("setting", "secure"), [(True, True), (False, False)])
def test_the_setting_can_say_always_or_never(tmp_path, setting, secure):
    from tests.hub.conftest import make_hub

    app = make_hub(tmp_path, SESSION_COOKIE_SECURE=setting)
    try:
        assert ("; Secure" in _login_page(app, "http://127.0.0.1")) == secure
        assert ("; Secure" in _login_page(app, "https://hub.example.org")) == secure
    finally:
        with app.app_context():
            hub_db.engine.dispose()
