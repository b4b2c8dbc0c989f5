"""A clear message replaces a stack trace."""

from __future__ import annotations

import pytest

from tests import factories
from tests.web.helpers import HX, distribution_count, html, is_full_page, page


@pytest.mark.parametrize("logged_in", [True, False], ids=["logged-in", "logged-out"])
def test_an_unknown_address_gets_a_friendly_404_page(client, logged_in):
    if logged_in:
        client.login("designee")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert is_full_page(response)
    doc = page(response)
    alert = doc.one(role="alert")
    assert alert.get("data-status") == "404"
    assert alert.one("h1").text == "Not Found"  # a whole page: the error is its heading one
    back = [a for a in doc.find_all("a") if a.text == "Back"]
    assert back and back[0].get("href") == ("/scan" if logged_in else "/login")
    assert "Traceback" not in html(response)


def test_an_unknown_address_from_htmx_gets_a_fragment(designee):
    response = designee.get("/no/such/page", headers=HX)
    assert response.status_code == 404
    assert not is_full_page(response)
    alert = page(response).one(role="alert")
    assert alert.get("data-status") == "404"
    assert alert.one("h2").text == "Not Found"  # a fragment inside a page: a heading two


def test_the_wrong_method_gets_a_friendly_page(designee):
    response = designee.get("/hand-out")
    assert response.status_code == 405
    assert page(response).one(role="alert").one("h1").text == "Method Not Allowed"


def test_a_damaged_hand_out_form_gets_a_clear_400_fragment(designee, app):
    response = designee.hx_post("/hand-out", data={"payload": factories.ALICE_TRAUMA,
                                                    "nonce": "damaged"})
    assert response.status_code == 400
    assert not is_full_page(response)
    alert = page(response).one(role="alert")
    assert alert.one("h2").text == "Please check what you entered"
    assert alert.one("p").text == "The hand-out form is damaged. Scan the proof again."
    assert distribution_count(app) == 0


def test_an_unexpected_failure_gets_a_calm_page_and_records_nothing(designee, app,
                                                                   monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("kiosk.views.scan.check_pasted", broken)
    response = designee.post("/scan", data={"payload": factories.ALICE_TRAUMA})
    assert response.status_code == 500
    assert is_full_page(response)
    alert = page(response).one(role="alert")
    assert alert.one("h1").text == "Something went wrong"
    assert "recorded nothing" in alert.text
    assert "disk on fire" not in html(response)
    assert "Traceback" not in html(response)
    fragment = designee.hx_post("/scan", data={"payload": factories.ALICE_TRAUMA})
    assert fragment.status_code == 500
    assert not is_full_page(fragment)


def test_an_error_on_a_panel_page_shows_at_its_form_and_keeps_it(office):
    """Refusing a bad shipment must not wipe the stock table and the form the person used: the
    panel comes back as stored, with why not at the form and what was typed still in it
    (kiosk/views/answers.py; issue 13)."""
    response = office.hx_post("/stock/receive", data={"credential": "Finding Balance", "qty": "0",
                                                      "note": "slip 7"},
                              headers={"HX-Target": "stock-panel"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#stock-panel"
    assert response.headers["HX-Reswap"] == "innerHTML"
    form = page(response).one("form", id="receive-form")
    assert "whole number" in form.one("p", role="alert").text
    assert form.one("input", name="note").get("value") == "slip 7"
    assert page(response).one("table", id="on-hand")


def test_an_error_on_the_scan_page_takes_the_verdicts_place(designee):
    response = designee.hx_post("/hand-out", data={"payload": "x", "nonce": "not-a-uuid"},
                                headers={"HX-Target": "verdict"})
    assert response.status_code == 400
    assert "HX-Retarget" not in response.headers


def test_after_a_wrong_pin_the_pin_field_has_the_focus(client):
    page = client.post("/login", data={"name": "Dee Designee", "pin": "0000"})
    html = page.get_data(as_text=True)
    assert 'id="pin" name="pin"' in html
    pin_tag = html[html.index('id="pin"'):]
    assert "autofocus" in pin_tag[: pin_tag.index(">")]
