"""Administrators manage staff logins on the Staff logins page."""

from __future__ import annotations

import pytest

from tests import factories
from tests.web.helpers import HX, add_login, html, is_full_page, page, user_id

SWITCHED_OFF = "This login is switched off. Ask an administrator to switch it on again."


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
    assert page(login).one(role="alert").text == SWITCHED_OFF  # the right PIN: told why
    _client, wrong = _log_in(app, name, "0000")
    assert page(wrong).one(role="alert").text == "That name and PIN do not match."
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


# Answers at the form that was sent (issue 13): a refusal or a "saved" shows in the row or the
# form it is about, linked to its field, and the row shows what is stored, not what was refused.


def _row_form(node, user: int):  # type: ignore[no-untyped-def]
    return node.one("tr", id=f"user-{user}").one("form")


def _selected(select) -> str | None:  # type: ignore[no-untyped-def]
    chosen = select.find_all("option", selected=True)
    assert len(chosen) <= 1, chosen
    return chosen[0].get("value") if chosen else None


def _about(field, answer) -> None:  # type: ignore[no-untyped-def]
    """``field`` is the one ``answer`` (an error) is about: marked, described by it, focused."""
    assert answer.get("id"), answer
    assert field.get("aria-describedby") == answer.get("id")
    assert field.get("aria-invalid") == "true"
    assert "autofocus" in field.attrs


def _top(response):  # type: ignore[no-untyped-def]
    """The elements an HTMX answer is made of (what it swaps in)."""
    return [child for child in page(response).children if not isinstance(child, str)]


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_a_refused_self_demote_answers_in_its_row_which_shows_the_stored_role(admin, app, hx):
    ada = user_id(app, "admin")
    post = admin.hx_post if hx else admin.post
    response = post(f"/users/{ada}", data={"role": "office", "active": "yes"})
    assert response.status_code == 400
    if hx:  # the row comes back in place of itself: not the top of the page
        assert [el.get("id") for el in _top(response)] == [f"user-{ada}"]
        assert response.headers["HX-Retarget"] == f"#user-{ada}"
        assert response.headers["HX-Reswap"] == "outerHTML"
    assert is_full_page(response) is not hx
    doc = page(response)
    form = _row_form(doc, ada)
    alert = doc.one(role="alert")
    assert "You cannot lock yourself out" in alert.text
    assert alert in list(form.iter())
    role = form.one("select", name="role")
    assert _selected(role) == "admin"  # what is stored, not the refused "office"
    _about(role, alert)
    assert doc.find(class_="flash") is None
    assert _status(admin.get("/users"), "Ada Admin") == "admin / active"


def test_a_refused_self_switch_off_is_about_the_on_off_field(admin, app):
    ada = user_id(app, "admin")
    response = admin.hx_post(f"/users/{ada}", data={"role": "admin", "active": "no"})
    assert response.status_code == 400
    form = _row_form(page(response), ada)
    active = form.one("select", name="active")
    assert _selected(active) == "yes"
    _about(active, form.one(role="alert"))
    assert form.one("select", name="role").get("aria-invalid") is None


def test_a_short_pin_in_a_row_is_refused_at_the_pin_and_nothing_changes(admin, app):
    dee = user_id(app, "designee")
    response = admin.hx_post(f"/users/{dee}", data={"role": "office", "active": "no",
                                                   "pin": "12"})
    assert response.status_code == 400
    form = _row_form(page(response), dee)
    alert = form.one(role="alert")
    assert alert.text == "A PIN is 4 to 12 digits."
    pin = form.one("input", name="pin")
    _about(pin, alert)
    assert pin.get("value") is None  # a PIN is never sent back
    assert _selected(form.one("select", name="role")) == "designee"
    assert _selected(form.one("select", name="active")) == "yes"
    assert _status(admin.get("/users"), "Dee Designee") == "designee / active"


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_a_saved_row_says_so_in_that_row(admin, app, hx):
    dee = user_id(app, "designee")
    post = admin.hx_post if hx else admin.post
    response = post(f"/users/{dee}", data={"role": "office", "active": "yes"})
    assert response.status_code == 200
    if hx:
        assert [el.get("id") for el in _top(response)] == [f"user-{dee}"]
        assert response.headers["HX-Retarget"] == f"#user-{dee}"
    doc = page(response)
    form = _row_form(doc, dee)
    saved = doc.one(role="status")
    assert saved.text == "Saved Dee Designee."
    assert saved in list(form.iter())
    assert _selected(form.one("select", name="role")) == "office"
    button = form.one("button", type="submit")
    assert button.get("id") == f"save-{dee}"  # htmx gives the focus back to it by its id
    assert button.get("aria-describedby") == saved.get("id")
    assert doc.find(role="alert") is None


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"name": "dee designee", "pin": "5678", "role": "admin"}, "name", "already a staff member"),
    ({"name": "N", "pin": "5678", "role": "office"}, "name", "A name is 2 to 120 characters."),
    ({"name": "Nora New", "pin": "12", "role": "office"}, "pin", "A PIN is 4 to 12 digits."),
    ({"name": "Nora New", "pin": "5678", "role": "root"}, "role", "Choose a role"),
])
@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_a_refused_new_login_says_why_at_its_field_keeping_what_was_typed(admin, form, field,
                                                                          message, hx):
    post = admin.hx_post if hx else admin.post
    response = post("/users", data=form)
    assert response.status_code == 400
    assert response.headers.get("HX-Retarget") in (None, "#users-panel")  # not the page's top
    doc = page(response)
    add = doc.one("form", id="add-user")
    alert = doc.one(role="alert")
    assert message in alert.text and alert in list(add.iter())
    _about(add.one(name=field), alert)
    assert add.one("input", name="name").get("value") == form["name"]
    assert add.one("input", name="pin").get("value") is None
    assert _selected(add.one("select", name="role")) == (form["role"] if form["role"] != "root"
                                                         else None)
    assert doc.find(class_="flash") is None


def test_an_added_login_is_listed_and_the_form_says_so(admin, app):
    response = admin.hx_post("/users", data={"name": "Nora New", "pin": "5678",
                                             "role": "office"})
    assert response.status_code == 200
    doc = page(response)
    add = doc.one("form", id="add-user")
    done = doc.one(role="status")
    assert done.text == "Nora New can now log in." and done in list(add.iter())
    button = add.one("button", type="submit")
    assert button.get("id") and button.get("aria-describedby") == done.get("id")
    assert add.one("input", name="name").get("value") in (None, "")
    assert _status(response, "Nora New") == "office / active"
