"""A person's page (GET /people/<employee_id>), on SQLite and PostgreSQL: their awards, what
became of each pin (handed out where, when, by whom, with which receipt; voided; on a
waitlist; not yet collected), the exceptions about them, open and resolved, resolved from the
page by a district admin; reached from every place that names a person."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask

from kiosk.sync.hub.models import utcnow
from tests.factories import (
    ALICE_BALANCE,
    ALICE_TRAUMA,
    BALANCE,
    BOB_REVOKED,
    BOB_TRAUMA,
    CULTURE,
    TRAUMA,
)
from tests.hub.conftest import LOGINS, PAGE_JACKSON, SHEPHERDSTOWN
from tests.hub.helpers import html, page
from tests.hub.log_helpers import HOSTILE_AWARD, SCRIPT_NAME, hand_out_at, hostile_roster
from tests.hub.stores import hub_store, postgres_ready, store_hub  # noqa: F401


@pytest.fixture
def hub(store_hub: Callable[..., Flask]) -> Flask:  # noqa: F811  (the fixture)
    return store_hub()


NOW = utcnow().replace(microsecond=0)


@pytest.fixture
def alice(district):  # type: ignore[no-untyped-def]
    """Alice (E1): her Trauma pin given at both buildings (a duplicate), the one at
    Shepherdstown voided afterwards; her Balance pin waiting at Page Jackson."""
    north, south = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    first = hand_out_at(north, ALICE_TRAUMA, "E1", TRAUMA, NOW - timedelta(days=3), "PJE-00001",
                        staff="Dee Designee")
    second = hand_out_at(south, ALICE_TRAUMA, "E1", TRAUMA, NOW - timedelta(days=1),
                         "SMS-00001", staff="Sam South")
    north.send(first, north.waitlisted("E1", BALANCE, ALICE_BALANCE))
    south.send(second)
    south.send(south.void(second, "given twice"))
    return {"first": first["payload"]["distribution_id"],
            "second": second["payload"]["distribution_id"]}


def _pins(response):  # type: ignore[no-untyped-def]
    return {tr.get("data-credential"): tr for tr in page(response).one(id="person-pins")
            .one("tbody").find_all("tr", data_credential=True)}


def test_a_persons_pins_and_what_became_of_each(alice, viewer):
    response = viewer.get("/people/E1")
    assert response.status_code == 200
    doc = page(response)
    assert doc.one("h1").text == "Alice Able E1"
    pins = _pins(response)
    assert set(pins) == {TRAUMA, BALANCE}
    trauma = pins[TRAUMA]
    assert trauma.get("data-status") == "handed_out"
    voided, standing = trauma.find_all("p", class_="hand-out")  # newest first
    assert "Handed out" in standing.text and PAGE_JACKSON in standing.text
    assert "Dee Designee" in standing.text and "PJE-00001" in standing.text
    assert standing.one("a", class_="receipt-link").get("href") == "/hand-outs?q=PJE-00001"
    assert voided.get("class") == "hand-out voided" and "given twice" in voided.text
    assert SHEPHERDSTOWN in voided.text and "SMS-00001" in voided.text
    balance = pins[BALANCE]
    assert balance.get("data-status") == "waiting"
    assert f"On the waitlist at {PAGE_JACKSON} since" in balance.text
    awards = doc.one(id="person-awards").one("tbody").find_all("tr")
    assert {tr.get("data-award") for tr in awards} == {ALICE_TRAUMA, ALICE_BALANCE}


def test_a_pin_not_yet_collected_and_a_revoked_award(district, viewer):
    response = viewer.get("/people/E2")
    pins = _pins(response)
    assert pins[TRAUMA].get("data-status") == "not_collected"
    assert "Not yet collected" in pins[TRAUMA].text
    assert "revoked" in pins[CULTURE].text
    assert "Issued in error" in page(response).one(id="person-awards").text


def test_the_exceptions_about_the_person_open_and_resolved(alice, district, admin):
    doc = page(admin.get("/people/E1"))
    [row] = doc.one(id="person-exceptions").one("tbody").find_all("tr", data_exception=True)
    assert row.get("data-kind") == "duplicate" and row.get("data-status") == "open"
    assert PAGE_JACKSON in row.text and SHEPHERDSTOWN in row.text
    assert {a.text for a in row.find_all("a", class_="receipt-link")} == {"PJE-00001",
                                                                          "SMS-00001"}
    exception = row.get("data-exception")
    form = row.one("form", id=f"resolve-{exception}")
    assert form.one("input", name="person").get("value") == "E1"
    # a note too short: said at the form, on the person's page
    short = admin.hx_post(f"/exceptions/{exception}/resolve", data={"note": "ok",
                                                                    "person": "E1"})
    assert short.status_code == 400 and short.headers["HX-Retarget"] == "#person-panel"
    assert page(short).one("form", id=f"resolve-{exception}").one(role="alert").text == \
        "Say what was done (a few words at least)."
    done = admin.hx_post(f"/exceptions/{exception}/resolve",
                         data={"note": "The second pin came back", "person": "E1"})
    assert done.status_code == 200
    answer = page(done)
    assert f"Exception {exception} is resolved" in answer.one(role="status").text
    assert answer.one(id="open-count").text == "(none open)"
    [row] = answer.one(id="person-exceptions").one("tbody").find_all("tr", data_exception=True)
    assert row.get("data-status") == "resolved"
    assert f"by {LOGINS['admin'][0]}" in row.text and "The second pin came back" in row.text
    assert district.open_exceptions() == []
    plain = admin.post(f"/exceptions/{exception}/resolve",
                       data={"note": "again, please", "person": "E1"})
    assert plain.status_code == 400 and "<h1>Alice Able" in html(plain)  # without htmx


def test_a_viewer_sees_the_person_but_cannot_resolve(alice, viewer, district):
    doc = page(viewer.get("/people/E1"))
    assert doc.one(id="person-exceptions").find("form") is None
    [(exception, _, _)] = district.open_exceptions()
    response = viewer.post(f"/exceptions/{exception}/resolve",
                           data={"note": "fine by me", "person": "E1"})
    assert response.status_code == 403
    assert len(district.open_exceptions()) == 1


def test_every_place_that_names_a_person_links_to_their_page(alice, district, viewer):
    north = district.kiosk(PAGE_JACKSON, "Desk two")
    north.send(north.hand_out(BOB_TRAUMA, "E2", TRAUMA, manual_reason="No QR code"))
    links = {a.get("href") for a in page(viewer.get("/hand-outs")).find_all("a", class_="person")}
    assert links == {"/people/E1", "/people/E2"}
    exceptions = page(viewer.get("/exceptions")).one(id="exceptions")
    assert {a.get("href") for a in exceptions.find_all("a", class_="person")} == {"/people/E1"}
    manual = page(viewer.get("/manual")).one(id="manual")
    [link] = manual.find_all("a", class_="person")
    assert link.get("href") == "/people/E2" and link.text == "Bob Baker"
    person = page(viewer.get("/people/E2"))
    assert person.one("a", href="/hand-outs?q=E2") is not None


def test_a_person_the_district_does_not_know(district, viewer):
    for address in ("/people/E404", "/people/" + "E" * 65):
        response = viewer.get(address)
        assert response.status_code == 404
        assert "There is no such person" in html(response)


def test_a_hand_out_against_an_unknown_award_shows(district, viewer):
    north = district.kiosk(PAGE_JACKSON)
    north.send(north.hand_out("urn:uuid:00000000-0000-4000-8000-000000000000", "E9", CULTURE))
    response = viewer.get("/people/E9")
    assert response.status_code == 200
    assert "no award" in _pins(response)[CULTURE].text
    [row] = page(response).one(id="person-exceptions").one("tbody").find_all(
        "tr", data_exception=True)
    assert row.get("data-kind") == "unknown_award"


def test_a_hostile_name_is_text(district, viewer):
    hostile_roster(district)
    north = district.kiosk(PAGE_JACKSON)
    north.send(hand_out_at(north, HOSTILE_AWARD, "E66", TRAUMA, NOW, "PJE-00010"))
    body = html(viewer.get("/people/E66"))
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Mallory" in body
    assert SCRIPT_NAME not in body


def test_a_revoked_award_handed_out_names_the_person(district, viewer):
    south = district.kiosk(SHEPHERDSTOWN)
    south.send(south.hand_out(BOB_REVOKED, "E2", CULTURE, receipt="SMS-00009"))
    [row] = page(viewer.get("/people/E2")).one(id="person-exceptions").one("tbody").find_all(
        "tr", data_exception=True)
    assert row.get("data-kind") == "revoked_award"
    assert "Bob Baker (E2)" in row.text and "SMS-00009" in row.text
