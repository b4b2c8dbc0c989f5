"""The Proof slips page: administrators only, a PDF download, and CSRF on the POST."""

from __future__ import annotations

import pytest
from flask import Flask

from kiosk.domain.slips import public_key_text
from kiosk.extensions import db
from kiosk.services.district_keys import district_key
from tests import factories
from tests.web.helpers import html, page


@pytest.fixture
def with_key(app: Flask) -> str:
    """Make this kiosk the district's computer; returns the public key text."""
    with app.app_context():
        key = district_key(create=True)
        assert key is not None
        text = public_key_text(key.public_key())
        db.session.remove()
    return text


def test_admin_sees_the_form_and_the_key_to_copy(admin, with_key):
    response = admin.get("/slips")
    assert response.status_code == 200
    doc = page(response)
    form = doc.one("form", action="/slips")
    assert form.get("method") == "post"
    assert form.one("input", type="hidden", name="csrf_token").get("value")
    options = [o.text for o in form.one("select", name="building").find_all("option")]
    assert options == [factories.BUILDING, "Shepherdstown Middle School"]
    assert form.one("option", selected=True).text == factories.BUILDING
    assert form.one("button", type="submit").text == "Make slips PDF"
    assert doc.one(id="district-public-key").get("value") == with_key
    assert "/slips" in {a.get("href") for a in doc.one("nav").find_all("a")}


def test_admin_downloads_a_pdf(admin, with_key):
    response = admin.post("/slips", data={"building": factories.BUILDING})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=slips-PJE.pdf"
    assert response.get_data().startswith(b"%PDF-")


def test_an_unknown_building_is_a_clear_error(admin, with_key):
    response = admin.post("/slips", data={"building": "Hogwarts"})
    assert response.status_code == 400
    message = page(response).one(role="alert").text
    assert "Hogwarts" in message and factories.BUILDING in message


def test_a_kiosk_without_the_district_key_says_so(admin):
    doc = page(admin.get("/slips"))
    assert "does not hold the district's signing key" in doc.one(id="no-district-key").text
    assert not doc.find_all("form", action="/slips")
    response = admin.post("/slips", data={"building": factories.BUILDING})
    assert response.status_code == 400
    assert "kiosk keys district --create" in page(response).one(role="alert").text


@pytest.mark.parametrize("role", ["designee", "office"])
def test_other_roles_may_not_make_slips(login_as, with_key, role):
    client = login_as(role)
    response = client.get("/slips")
    assert response.status_code == 403
    assert "Your login does not allow this" in page(response).one(role="alert").text
    refused = client.post("/slips", data={"building": factories.BUILDING})
    assert refused.status_code == 403
    assert refused.mimetype != "application/pdf"
    assert "/slips" not in {a.get("href") for a in page(client.get("/scan")).one("nav")
                            .find_all("a")}


def test_nobody_logged_in_is_sent_to_login(client, with_key):
    assert client.get("/slips").headers["Location"] == "/login"
    assert client.post("/slips", data={"building": factories.BUILDING}).headers[
        "Location"] == "/login"


def test_the_post_without_the_csrf_token_is_refused(admin, with_key):
    response = admin.post("/slips", data={"building": factories.BUILDING}, csrf=False)
    assert response.status_code == 400
    assert response.mimetype != "application/pdf"
    assert "nothing was recorded" in page(response).one(role="alert").text
    assert "%PDF" not in html(response)
