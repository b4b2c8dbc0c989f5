"""The exceptions queue, on SQLite and PostgreSQL: open ones first, each in plain words; an
admin resolves one with a note, and it stays in the history with who, when and the note. An
exception about a hand-out names the person (linked to their page), every building involved,
the receipts (linked to the log on that receipt) and the kiosks; one stored before it carried
them still shows; a stock exception links to the log of its building and pin."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubException, utcnow
from kiosk.sync.protocol import time_text
from tests.factories import ALICE_TRAUMA, BOB_REVOKED, CULTURE, TRAUMA
from tests.hub.conftest import LOGINS, PAGE_JACKSON, SHEPHERDSTOWN
from tests.hub.helpers import html, page
from tests.hub.stores import hub_store, postgres_ready, store_hub  # noqa: F401

ADMIN = LOGINS["admin"][0]


@pytest.fixture
def hub(store_hub: Callable[..., Flask]) -> Flask:  # noqa: F811  (the fixture)
    return store_hub()


@pytest.fixture
def found(district):  # type: ignore[no-untyped-def]
    """Three exceptions: a pin twice to one person (at two buildings), a pin against a revoked
    award, and a kiosk clock ten minutes fast."""
    for building in (PAGE_JACKSON, SHEPHERDSTOWN):
        for pin in (TRAUMA, CULTURE):
            district.allocate(building, pin, 5)
    north, south = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    north.send(north.hand_out(ALICE_TRAUMA, "E1", TRAUMA))
    south.send(south.hand_out(ALICE_TRAUMA, "E1", TRAUMA))
    south.send(south.hand_out(BOB_REVOKED, "E2", CULTURE),
               sent_at=time_text(utcnow() + timedelta(minutes=10)))
    return {kind: id_ for id_, kind, _ in district.open_exceptions()}


def _rows(response):  # type: ignore[no-untyped-def]
    return page(response).one(id="exceptions").find_all("tr", data_exception=True)


def test_the_queue_lists_each_exception_in_plain_words(found, viewer):
    rows = {r.get("data-kind"): r for r in _rows(viewer.get("/exceptions"))}
    assert set(rows) == {"duplicate", "revoked_award", "clock"}
    duplicate = [td.text for td in rows["duplicate"].find_all("td")]
    assert duplicate[1] == "Same pin given twice"
    assert duplicate[2] == f"{PAGE_JACKSON}{SHEPHERDSTOWN}"  # both buildings, one a line
    assert duplicate[5] == "Alice Able E1"  # the person, linked to their page
    assert duplicate[4].startswith(
        f"The same pin ({TRAUMA}) was given to Alice Able (E1) 2 times: at {PAGE_JACKSON}, "
        f"{SHEPHERDSTOWN}.")
    assert [td.text for td in rows["revoked_award"].find_all("td")][1] == \
        "Pin given against a revoked award"
    assert "about 10 minutes fast" in rows["clock"].text
    assert [td.text for td in rows["clock"].find_all("td")][1] == "Kiosk clock off"


def test_resolving_needs_a_note(found, admin, district):
    url = f"/exceptions/{found['duplicate']}/resolve"
    for hx in (False, True):
        response = (admin.hx_post if hx else admin.post)(url, data={"note": "  ok "})
        assert response.status_code == 400
        form = page(response).one("form", id=f"resolve-{found['duplicate']}")
        assert form.one(role="alert").text == "Say what was done (a few words at least)."
        assert form.one("input", name="note").get("value") == "  ok "
        if hx:
            assert response.headers["HX-Retarget"] == "#exceptions-panel"
    missing = admin.post(url, data={})
    assert missing.status_code == 400
    assert len(district.open_exceptions()) == 3


def test_a_resolved_exception_stays_in_the_history(found, admin, district):
    note = "Alice gave the second pin back; it went back into stock."
    response = admin.post(f"/exceptions/{found['duplicate']}/resolve", data={"note": note})
    assert response.status_code == 200
    assert f"Exception {found['duplicate']} is resolved" in page(response).one(role="status").text
    open_ids = {int(r.get("data-exception")) for r in _rows(admin.get("/exceptions"))}
    assert found["duplicate"] not in open_ids and len(open_ids) == 2
    resolved = _rows(admin.get("/exceptions?status=resolved"))
    assert len(resolved) == 1
    text = resolved[0].text
    assert f"resolved by {ADMIN}" in text and note in text
    assert utcnow().strftime("%Y") in text  # when
    assert note in html(admin.get("/exceptions?status=all"))
    # resolving it again is refused, clearly
    again = admin.post(f"/exceptions/{found['duplicate']}/resolve", data={"note": "again"})
    assert again.status_code == 400
    assert page(again).one(role="alert").text == \
        f"This exception was resolved already by {ADMIN}."


def test_all_shows_open_ones_first(found, admin):
    admin.post(f"/exceptions/{found['clock']}/resolve", data={"note": "Clock set right"})
    statuses = [r.get("data-status") for r in _rows(admin.get("/exceptions?status=all"))]
    assert statuses == ["open", "open", "resolved"]


def test_the_filters_are_links_that_work_without_javascript(found, admin):
    links = page(admin.get("/exceptions")).one("nav", aria_label="Which exceptions") \
        .find_all("a")
    assert [(a.text, a.get("href")) for a in links] == [
        ("Open (showing)", "/exceptions?status=open"),
        ("Resolved", "/exceptions?status=resolved"), ("All", "/exceptions?status=all")]
    assert links[0].get("aria-current") == "page"
    assert all(a.get("hx-get") == a.get("href") for a in links)
    assert admin.get("/exceptions?status=nonsense").status_code == 200  # shows the open ones


def test_resolving_updates_the_open_count_in_the_nav(found, admin):
    nav = page(admin.get("/")).one("nav", aria_label="Main")
    assert nav.one("a", href="/exceptions").text == "Exceptions (3 open)"
    response = admin.hx_post(f"/exceptions/{found['revoked_award']}/resolve",
                             data={"note": "Pin taken back"})
    oob = page(response).one(id="open-count")
    assert oob.get("hx-swap-oob") == "true" and oob.text == "(2 open)"


def test_the_dashboard_counts_open_exceptions_by_kind(found, admin):
    doc = page(admin.get("/"))
    kinds = {li.get("data-kind"): li.text for li in doc.one(id="open-by-kind").find_all("li")}
    assert kinds == {"duplicate": "Same pin given twice: 1",
                     "revoked_award": "Pin given against a revoked award: 1",
                     "clock": "Kiosk clock off: 1"}
    section = doc.one("section", aria_labelledby="open-heading")
    assert section.one("a", href="/exceptions").text == "Go to the exceptions queue (3 open)"


def test_a_viewer_cannot_resolve(found, viewer, district):
    response = viewer.post(f"/exceptions/{found['clock']}/resolve", data={"note": "fine"})
    assert response.status_code == 403
    assert len(district.open_exceptions()) == 3
    assert page(viewer.get("/exceptions")).find("form", method="post", id=True) is None


def test_an_exception_that_does_not_exist(found, admin):
    response = admin.post("/exceptions/999/resolve", data={"note": "what"})
    assert response.status_code == 404
    assert "There is no such exception." in html(response)


# --- exceptions that can be acted on (issue 14) ----------------------------------------------


def _details(district, kind):  # type: ignore[no-untyped-def]
    def read():  # type: ignore[no-untyped-def]
        from sqlalchemy import select

        exc = hub_db.session.scalars(select(HubException).where(HubException.kind == kind)).one()
        return exc.summary, json.loads(exc.details), exc.employee_id
    return district.call(read)


def test_a_duplicate_carries_the_person_every_building_receipt_and_kiosk(district, viewer):
    north = district.kiosk(PAGE_JACKSON, "North desk")
    south = district.kiosk(SHEPHERDSTOWN, "South desk")
    first = north.hand_out(ALICE_TRAUMA, "E1", TRAUMA, receipt="PJE-00001")
    second = south.hand_out(ALICE_TRAUMA, "E1", TRAUMA, receipt="SMS-00001")
    north.send(first)
    south.send(second)
    summary, details, employee = _details(district, "duplicate")
    assert summary == (f"The same pin ({TRAUMA}) was given to Alice Able (E1) 2 times: at "
                       f"{PAGE_JACKSON}, {SHEPHERDSTOWN}.")
    assert employee == "E1"
    assert details["person"] == {"employee_id": "E1", "name": "Alice Able"}
    assert [b["name"] for b in details["buildings"]] == [PAGE_JACKSON, SHEPHERDSTOWN]
    assert sorted(details["receipts"]) == ["PJE-00001", "SMS-00001"]
    assert sorted(details["kiosks"]) == ["North desk", "South desk"]
    assert sorted(details["distribution_ids"]) == sorted(
        e["payload"]["distribution_id"] for e in (first, second))
    [row] = [r for r in _rows(viewer.get("/exceptions")) if r.get("data-kind") == "duplicate"]
    assert row.one("a", class_="person").get("href") == "/people/E1"
    assert {(a.text, a.get("href")) for a in row.find_all("a", class_="receipt-link")} == {
        ("PJE-00001", "/hand-outs?q=PJE-00001"), ("SMS-00001", "/hand-outs?q=SMS-00001")}
    assert (f"Kiosks: North desk ({PAGE_JACKSON}), South desk ({SHEPHERDSTOWN})"
            in row.text)
    # the receipt's link opens the log on that one hand-out
    log = page(viewer.get("/hand-outs?q=SMS-00001")).one(id="district-log").one("tbody")
    assert [tr.get("data-hand-out") for tr in log.find_all("tr")] == [
        second["payload"]["distribution_id"]]


def test_revoked_and_unknown_awards_name_the_person(district, viewer):
    south = district.kiosk(SHEPHERDSTOWN, "South desk")
    south.send(south.hand_out(BOB_REVOKED, "E2", CULTURE, receipt="SMS-00002"),
               south.hand_out("urn:uuid:00000000-0000-4000-8000-00000000abcd", "E1", CULTURE,
                              receipt="SMS-00003"))
    summary, details, employee = _details(district, "revoked_award")
    assert "a pin for Bob Baker (E2)" in summary and employee == "E2"
    assert details["person"]["name"] == "Bob Baker" and details["receipts"] == ["SMS-00002"]
    assert details["kiosks"] == ["South desk"]
    assert [b["name"] for b in details["buildings"]] == [SHEPHERDSTOWN]
    summary, details, employee = _details(district, "unknown_award")
    assert "a pin for Alice Able (E1)" in summary and employee == "E1"  # known by number
    assert details["receipts"] == ["SMS-00003"]
    rows = {r.get("data-kind"): r for r in _rows(viewer.get("/exceptions"))}
    assert rows["unknown_award"].one("a", class_="person").get("href") == "/people/E1"
    assert rows["revoked_award"].one("a", class_="person").text == "Bob Baker"


def test_exceptions_stored_before_they_named_the_person_still_show(district, viewer):
    north, south = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    first = north.hand_out(ALICE_TRAUMA, "E1", TRAUMA, receipt="PJE-00001")
    second = south.hand_out(ALICE_TRAUMA, "E1", TRAUMA, receipt="SMS-00001")
    north.send(first)
    south.send(second)
    ids = sorted(e["payload"]["distribution_id"] for e in (first, second))
    north_id = district.building_id(PAGE_JACKSON)

    def as_before():  # type: ignore[no-untyped-def]
        from sqlalchemy import update

        hub_db.session.execute(update(HubException).values(
            details=json.dumps({"distribution_ids": ids}), employee_id=None,
            summary=f"The same pin ({TRAUMA}) was given to employee E1 2 times."))
        for details in ("not json", "[1, 2]", json.dumps({"distribution_ids": "x",
                                                          "person": "nobody"})):
            hub_db.session.add(HubException(kind="duplicate", key=f"old:{details}",
                                            summary="An old one", details=details,
                                            building_id=north_id))
        hub_db.session.commit()
    district.call(as_before)
    response = viewer.get("/exceptions")
    assert response.status_code == 200
    rows = {r.get("data-exception"): r for r in _rows(response)
            if r.get("data-kind") == "duplicate"}
    assert len(rows) == 4
    old = next(r for r in rows.values() if "employee E1" in r.text)
    assert old.one("a", class_="person").get("href") == "/people/E1"  # from its hand-outs
    assert PAGE_JACKSON in old.text and SHEPHERDSTOWN in old.text
    assert len(old.find_all("a", class_="receipt-link")) == 2
    broken = [r for r in rows.values() if "An old one" in r.text]
    assert len(broken) == 3 and all(PAGE_JACKSON in r.text for r in broken)
    assert viewer.get("/people/E1").status_code == 200


def test_a_stock_exception_links_to_the_log_of_its_building_and_pin(district, viewer):
    north = district.kiosk(PAGE_JACKSON)
    north.send(north.hand_out(ALICE_TRAUMA, "E1", TRAUMA))  # none allocated: below zero
    [row] = [r for r in _rows(viewer.get("/exceptions"))
             if r.get("data-kind") == "stock_below_zero"]
    link = row.one("a", class_="stock-link")
    building = district.building_id(PAGE_JACKSON)
    assert link.get("href") == f"/hand-outs?building={building}&pin={TRAUMA.replace(' ', '+')}"
    assert PAGE_JACKSON in row.text and "Trauma pin" in row.text
    log = page(viewer.get(link.get("href"))).one(id="district-log").one("tbody")
    assert len(log.find_all("tr", data_hand_out=True)) == 1
