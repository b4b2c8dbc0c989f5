"""District admins add the hub's logins: a name, a PIN and a role."""

from __future__ import annotations

from tests.hub.conftest import LOGINS
from tests.hub.helpers import html, page, row_counts


def _logins(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[td.text for td in tr.find_all("td")][:3]
            for tr in page(response).one(id="logins").find("tbody").find_all("tr")]


def test_the_logins_are_listed_with_their_roles(admin):
    assert _logins(admin.get("/logins")) == [
        [LOGINS["admin"][0], "district admin: everything, including logins", "active"],
        [LOGINS["viewer"][0], "district viewer: sees everything, changes nothing", "active"]]


def test_an_admin_adds_a_viewer_who_can_then_log_in(hub, admin):
    response = admin.post("/logins", data={"name": "Rita Reader", "pin": "24680",
                                           "role": "district_viewer"})
    assert response.status_code == 200
    assert "Rita Reader can now log in to the hub." in page(response).one(role="status").text
    assert "24680" not in html(response)
    assert ["Rita Reader", "district viewer: sees everything, changes nothing", "active"] in \
        _logins(response)
    browser = hub.test_client()
    assert browser.post("/login", data={"name": "rita reader", "pin": "24680"}).status_code == 302
    assert browser.get("/logins").status_code == 403
    assert browser.get("/").status_code == 200


def test_a_bad_login_is_refused_keeping_name_and_role_but_never_the_pin(hub, admin):
    before = row_counts(hub)
    cases = [
        ({"name": "Rita Reader", "pin": "12", "role": "district_admin"},
         "A PIN is 4 to 12 digits."),
        ({"name": LOGINS["viewer"][0].lower(), "pin": "1234", "role": "district_viewer"},
         f"There is already a login named {LOGINS['viewer'][0].lower()}."),
        ({"name": "Rita Reader", "pin": "1234", "role": "superuser"},
         "The role is one of district_viewer, district_admin."),
        ({"name": " ", "pin": "1234", "role": "district_viewer"},
         "Give a name of at most 120 characters."),
    ]
    for data, message in cases:
        for post in (admin.post, admin.hx_post):
            response = post("/logins", data=data)
            assert response.status_code == 400, data
            form = page(response).one("form", id="add-login")
            assert form.one(role="alert").text == message
            assert form.one("input", name="name").get("value") == data["name"]
            assert form.one("input", name="pin").get("value") is None
            chosen = form.one("select", name="role").find("option", selected=True)
            assert (chosen.get("value") if chosen else None) == (
                data["role"] if data["role"] != "superuser" else None)
    assert response.headers["HX-Retarget"] == "#logins-panel"
    assert row_counts(hub) == before


# Answers at the form (issue 13, as on the kiosk's Staff logins page): the message shows at the
# form that was sent, an error is linked to the field it is about, and the button that was used
# keeps its id, so that htmx gives the focus back to it.


def test_an_added_login_is_confirmed_at_the_form_not_above_the_list(admin):
    for post in (admin.post, admin.hx_post):
        name = "Rita Reader" if post == admin.post else "Rob Reader"
        response = post("/logins", data={"name": name, "pin": "24680",
                                         "role": "district_viewer"})
        assert response.status_code == 200
        doc = page(response)
        form = doc.one("form", id="add-login")
        done = doc.one(role="status")
        assert done.text == f"{name} can now log in to the hub."
        assert done in list(form.iter())
        button = form.one("button", type="submit")
        assert button.get("id") and button.get("aria-describedby") == done.get("id")
        assert form.one("input", name="name").get("value") in (None, "")


def test_a_refused_login_is_linked_to_the_field_it_is_about(admin):
    cases = [({"name": "Rita Reader", "pin": "12", "role": "district_admin"}, "pin"),
             ({"name": LOGINS["viewer"][0], "pin": "1234", "role": "district_viewer"}, "name"),
             ({"name": " ", "pin": "1234", "role": "district_viewer"}, "name"),
             ({"name": "Rita Reader", "pin": "1234", "role": "superuser"}, "role")]
    for data, field in cases:
        for post in (admin.post, admin.hx_post):
            response = post("/logins", data=data)
            assert response.status_code == 400, data
            form = page(response).one("form", id="add-login")
            error = form.one(role="alert")
            about = form.one(name=field)
            assert error.get("id") and about.get("aria-describedby") == error.get("id"), data
            assert about.get("aria-invalid") == "true" and "autofocus" in about.attrs
            others = [el for el in form.find_all(aria_invalid=True) if el is not about]
            assert others == [], data
            assert page(response).find(role="status") is None
