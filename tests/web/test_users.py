"""Administrators manage staff logins on the Staff logins page."""

from __future__ import annotations

import pytest

from tests import factories
from tests.web.helpers import HX, add_login, html, is_full_page, page, user_id


def _row(response, name: str):  # type: ignore[no-untyped-def]
    rows = [tr for tr in page(response).find_all("tr") if tr.find("td")
            and tr.find_all("td")[0].text == name]
    assert len(rows) == 1, name
    return rows[0]


def _status(response, name: str) -> str:
    cells = _row(response, name).find_all("td")
    return f"{cells[1].text} / {cells[2].text}"


def _log_in(app, name: str, pin: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/login", data={"name": name, "pin": pin})
    client.token = None
    return client, response


def test_the_users_page_lists_every_login(admin):
    response = admin.get("/users")
    assert is_full_page(response)
    for role, (name, _pin) in factories.LOGINS.items():
        assert _status(response, name) == f"{role} / active"
    fragment = admin.get("/users", headers=HX)
    assert not is_full_page(fragment)


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_admin_creates_a_login_that_works(admin, app, hx):
    post = admin.hx_post if hx else admin.post
    response = post("/users", data={"name": "  Nora   New ", "pin": "5678",
                                    "role": "office"})
    assert response.status_code == 200
    assert is_full_page(response) is not hx
    assert page(response).one("p", class_="flash").text == "Nora New can now log in."
    assert _status(response, "Nora New") == "office / active"
    nora, login = _log_in(app, "Nora New", "5678")
    assert login.status_code == 302
    assert nora.get("/stock").status_code == 200


@pytest.mark.parametrize(("form", "message"), [
    ({"name": "Nora New", "pin": "12", "role": "office"}, "A PIN is 4 to 12 digits."),
    ({"name": "Nora New", "pin": "abcd", "role": "office"}, "A PIN is 4 to 12 digits."),
    ({"name": "N", "pin": "5678", "role": "office"}, "A name is 2 to 120 characters."),
    ({"name": "Nora New", "pin": "5678", "role": "root"}, "Choose a role"),
    ({"name": "dee designee", "pin": "5678", "role": "admin"}, "already a staff member"),
])
def test_a_bad_new_login_is_refused_clearly(admin, app, form, message):
    response = admin.hx_post("/users", data=form)
    assert response.status_code == 400
    assert message in page(response).one(role="alert").text
    listing = page(admin.get("/users"))
    assert "Nora New" not in listing.text
    assert len(listing.one("tbody").find_all("tr")) == len(factories.LOGINS)
    assert _status(admin.get("/users"), "Dee Designee") == "designee / active"


def test_admin_changes_a_role(admin, app, login_as):
    designee = login_as("designee")
    assert designee.get("/stock").status_code == 403
    dee = user_id(app, "designee")
    response = admin.hx_post(f"/users/{dee}", data={"role": "office", "active": "yes"})
    assert response.status_code == 200
    assert page(response).one("p", class_="flash").text == "Saved Dee Designee."
    assert _status(response, "Dee Designee") == "office / active"
    assert designee.get("/stock").status_code == 200  # the open session has the new role


def test_admin_switches_a_login_off(admin, app, login_as):
    designee = login_as("designee")
    dee = user_id(app, "designee")
    response = admin.hx_post(f"/users/{dee}", data={"role": "designee", "active": "no"})
    assert response.status_code == 200
    assert _status(response, "Dee Designee") == "designee / switched off"
    assert designee.get("/scan").status_code == 302  # thrown out at once
    name, pin = factories.LOGINS["designee"]
    _client, login = _log_in(app, name, pin)
    assert login.status_code == 401
    assert page(login).one(role="alert").text == "That name and PIN do not match."
    # and back on
    admin.hx_post(f"/users/{dee}", data={"role": "designee", "active": "yes"})
    assert _log_in(app, name, pin)[1].status_code == 302


@pytest.mark.parametrize("change", [{"active": "no"}, {"role": "office"}],
                         ids=["switch-off", "demote"])
def test_an_admin_cannot_lock_themselves_out(admin, app, change):
    ada = user_id(app, "admin")
    response = admin.hx_post(f"/users/{ada}", data={"role": "admin", "active": "yes", **change})
    assert response.status_code == 400
    assert "You cannot lock yourself out" in page(response).one(role="alert").text
    assert admin.get("/users").status_code == 200
    assert _status(admin.get("/users"), "Ada Admin") == "admin / active"


def test_a_second_admin_can_switch_the_first_off(admin, app):
    add_login(app, "Abe Admin", "7777", "admin")
    abe, _ = _log_in(app, "Abe Admin", "7777")
    ada = user_id(app, "admin")
    response = abe.hx_post(f"/users/{ada}", data={"role": "admin", "active": "no"})
    assert response.status_code == 200
    assert _status(response, "Ada Admin") == "admin / switched off"
    assert admin.get("/users").status_code == 302


def test_a_pin_change_ends_that_users_other_sessions(admin, app, login_as):
    at_desk = login_as("designee")
    in_office = login_as("designee")
    dee = user_id(app, "designee")
    response = admin.hx_post(f"/users/{dee}", data={"role": "designee", "active": "yes",
                                                   "pin": "8642"})
    assert response.status_code == 200
    for session in (at_desk, in_office):
        assert session.get("/scan").status_code == 302
    name, old_pin = factories.LOGINS["designee"]
    assert _log_in(app, name, old_pin)[1].status_code == 401
    assert _log_in(app, name, "8642")[1].status_code == 302
    assert admin.get("/users").status_code == 200  # the admin's own session goes on


def test_an_admin_changing_their_own_pin_stays_logged_in(admin, app):
    ada = user_id(app, "admin")
    response = admin.hx_post(f"/users/{ada}", data={"role": "admin", "active": "yes",
                                                   "pin": "2468"})
    assert response.status_code == 200, html(response)
    assert admin.get("/users").status_code == 200
    assert _log_in(app, "Ada Admin", "2468")[1].status_code == 302


def test_a_pin_change_unlocks_a_locked_login(admin, app):
    name, pin = factories.LOGINS["designee"]
    client = app.test_client()
    for _ in range(5):
        client.post("/login", data={"name": name, "pin": "0000"})
    assert _status(admin.get("/users"), name) == "designee / locked after wrong PINs"
    dee = user_id(app, "designee")
    admin.hx_post(f"/users/{dee}", data={"role": "designee", "active": "yes", "pin": "9753"})
    assert _log_in(app, name, "9753")[1].status_code == 302


def test_a_bad_new_pin_changes_nothing(admin, app):
    dee = user_id(app, "designee")
    response = admin.hx_post(f"/users/{dee}", data={"role": "designee", "active": "yes",
                                                   "pin": "12ab"})
    assert response.status_code == 400
    assert "A PIN is 4 to 12 digits." in page(response).one(role="alert").text
    name, pin = factories.LOGINS["designee"]
    assert _log_in(app, name, pin)[1].status_code == 302


def test_changing_an_unknown_user_is_not_found(admin):
    response = admin.hx_post("/users/9999", data={"role": "office"})
    assert response.status_code == 404
