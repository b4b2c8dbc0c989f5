"""The call-back list (issue 13): office staff see who waits for which pin, first come first
served, mark a call-back and take a person off with a reason; each row answers in its place."""

from __future__ import annotations

import threading

import pytest

from tests import factories
from tests.hostile import SCRIPT, inert
from tests.web.helpers import html, is_full_page, page, user_id
from tests.web.waitlist_helpers import (
    CARA,
    add_person,
    contacts,
    entry,
    entry_id,
    events,
    put_on_waitlist,
)

DAN = ("E901", "urn:uuid:dan-challenges")


@pytest.fixture
def waiting(app, designee, tmp_path):  # type: ignore[no-untyped-def]
    """Cara, then Dan, waiting for the Challenges pin (none on hand)."""
    add_person(app, tmp_path, DAN[0], "Dan Dunn", DAN[1], email="dan@example.org",
               building="Shepherdstown Middle School")
    put_on_waitlist(designee, CARA[1])
    put_on_waitlist(designee, DAN[1])
    return {"cara": entry_id(app, CARA[0]), "dan": entry_id(app, DAN[0])}


def _rows(response):  # type: ignore[no-untyped-def]
    return {int((tr.get("id") or "0").split("-")[1]): tr for table in
            page(response).find_all("table", class_="call-backs")
            for tr in table.one("tbody").find_all("tr", id=True)}


def test_the_list_shows_each_pins_queue_first_come_first_served(office, waiting):
    response = office.get("/waitlist")
    assert response.status_code == 200
    [queue] = page(response).find_all("section", class_="pin-queue")
    assert queue.one("h2").text.startswith("Understanding Students Facing Challenges pin")
    assert "2 waiting · 0 on hand" in queue.one("h2").text
    rows = _rows(response)
    assert list(rows) == [waiting["cara"], waiting["dan"]]
    cara, dan = rows[waiting["cara"]], rows[waiting["dan"]]
    assert cara.one("td", class_="place").text == "1"
    assert dan.one("td", class_="place").text == "2"
    assert "Cara Cole" in cara.text and "E3" in cara.text
    assert dan.one("span", class_="email").text == "dan@example.org"
    assert "Shepherdstown Middle School" in dan.one("td", class_="contact").text
    assert cara.one("td", class_="last-call").text == "Not called yet"
    assert cara.find("time") is not None  # since when


def test_the_list_is_filtered_by_pin_in_the_address(office, waiting, app):
    everything = page(office.get("/waitlist"))
    options = {o.text.split(" (")[0]: o.get("value") for o in
               everything.one("select", id="waitlist-pin").find_all("option") if o.get("value")}
    challenges = options["Understanding Students Facing Challenges pin"]
    trauma = options["Trauma pin"]
    chosen = office.get(f"/waitlist?pin={challenges}")
    assert len(_rows(chosen)) == 2
    assert "selected" in page(chosen).one("option", value=challenges).attrs
    nobody = office.get(f"/waitlist?pin={trauma}", headers={"HX-Request": "true"})
    assert not is_full_page(nobody)
    assert nobody.headers["HX-Push-Url"] == f"/waitlist?pin={trauma}"
    assert "Nobody is waiting for this pin." in page(nobody).text
    for junk in ("abc", "999999", "", "-1"):
        assert len(_rows(office.get(f"/waitlist?pin={junk}"))) == 2  # every pin


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_marking_a_call_back(office, waiting, app, hx):
    post = office.hx_post if hx else office.post
    response = post(f"/waitlist/{waiting['cara']}/contacted", data={"note": "left a message"})
    assert response.status_code == 200
    assert is_full_page(response) is not hx
    row = page(response).one("tr", id=f"entry-{waiting['cara']}")
    assert row.one(role="status").text == "Call-back recorded."
    last = row.one("td", class_="last-call").text
    assert "by Olive Office: left a message" in last
    assert "1 call-back" in last
    assert row.one("button", id=f"contacted-{waiting['cara']}").get("aria-describedby")
    assert contacts(app) == [(waiting["cara"], user_id(app, "office"), "left a message")]
    again = office.hx_post(f"/waitlist/{waiting['cara']}/contacted", data={"note": ""})
    assert "2 call-backs" in page(again).one("td", class_="last-call").text
    [first, second] = events(app, "waitlist_contacted")
    assert (first["employee_id"], first["credential"], first["note"], first["staff"]) == (
        "E3", factories.CHALLENGES, "left a message", "Olive Office")
    assert second["note"] == "" and "at" in second
    assert entry(app, "E3")["status"] == "waiting"


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_taking_a_person_off_with_a_reason(office, waiting, app, hx):
    post = office.hx_post if hx else office.post
    response = post(f"/waitlist/{waiting['dan']}/remove",
                    data={"reason": "left_district", "note": "moved to Ohio"})
    assert response.status_code == 200
    row = page(response).one("tr", id=f"entry-{waiting['dan']}")
    assert row.get("data-status") == "removed"
    assert row.one(role="status").text == "Taken off the waitlist."
    closed = row.one("span", id=f"closed-{waiting['dan']}")
    assert "Taken off: Left the district" in closed.text and "moved to Ohio" in closed.text
    assert "autofocus" in closed.attrs  # the focus stays at the row
    stored = entry(app, DAN[0])
    assert (stored["status"], stored["close_reason"], stored["close_note"]) == (
        "removed", "left_district", "moved to Ohio")
    assert stored["closed_by"] == user_id(app, "office") and stored["closed_at"] is not None
    [event] = events(app, "waitlist_removed")
    assert {k: event[k] for k in ("employee_id", "credential", "reason", "note", "staff")} == {
        "employee_id": DAN[0], "credential": factories.CHALLENGES, "reason": "left_district",
        "note": "moved to Ohio", "staff": "Olive Office"}
    rows = _rows(office.get("/waitlist"))
    assert list(rows) == [waiting["cara"]]  # off the list; Cara is still number 1


@pytest.mark.parametrize(("reason", "note", "field"), [
    ("", "", "reason"), ("bored", "", "reason"), ("other", "  ", "note")])
def test_a_removal_needs_a_reason_and_other_a_note(office, waiting, app, reason, note, field):
    response = office.hx_post(f"/waitlist/{waiting['cara']}/remove",
                              data={"reason": reason, "note": note})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == f"#entry-{waiting['cara']}"
    row = page(response).one("tr", id=f"entry-{waiting['cara']}")
    alert = row.one(role="alert")
    assert ("Say in the note" if field == "note" else "Choose why") in alert.text
    named = row.one("select" if field == "reason" else "input", name=field,
                    id=f"remove-{field}-{waiting['cara']}")
    assert named.get("aria-invalid") == "true" and "autofocus" in named.attrs
    assert "open" in row.one("details").attrs
    assert entry(app, CARA[0])["status"] == "waiting"
    assert events(app, "waitlist_removed") == []


def test_a_closed_entry_cannot_be_contacted_or_removed_again(office, admin, waiting, app):
    office.hx_post(f"/waitlist/{waiting['cara']}/remove", data={"reason": "no_longer_wants"})
    for url, data in ((f"/waitlist/{waiting['cara']}/remove", {"reason": "not_eligible"}),
                      (f"/waitlist/{waiting['cara']}/contacted", {"note": "too late"})):
        response = admin.hx_post(url, data=data)  # the other tab, still showing the form
        assert response.status_code == 400
        row = page(response).one("tr", id=f"entry-{waiting['cara']}")
        assert row.get("data-status") == "removed"
        message = row.one(role="alert").text
        assert message.startswith("Cara Cole is no longer waiting for the ")
        assert "taken off the waitlist (No longer wants the pin) by Olive Office" in message
    assert entry(app, CARA[0])["close_reason"] == "no_longer_wants"  # the first one stands
    assert len(events(app, "waitlist_removed")) == 1 and contacts(app) == []


def test_two_removals_at_once_remove_once(app, login_as, waiting):
    tabs = [login_as("office"), login_as("admin")]
    for tab in tabs:
        tab.csrf_token()
    answers: list[int] = []
    start = threading.Barrier(len(tabs))

    def remove(tab, reason):  # type: ignore[no-untyped-def]
        start.wait()
        answers.append(tab.hx_post(f"/waitlist/{waiting['dan']}/remove",
                                   data={"reason": reason}).status_code)

    threads = [threading.Thread(target=remove, args=(tab, reason)) for tab, reason in
               zip(tabs, ("left_district", "not_eligible"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 400]
    assert len(events(app, "waitlist_removed")) == 1
    assert entry(app, DAN[0])["status"] == "removed"


def test_an_entry_that_does_not_exist_is_a_404(office, waiting, app):
    for url in ("/waitlist/999999/contacted", "/waitlist/999999/remove"):
        assert office.hx_post(url, data={"reason": "other", "note": "x"}).status_code == 404
    assert contacts(app) == []


def test_designees_do_not_see_the_list_nor_change_it(designee, waiting, app):
    for response in (designee.get("/waitlist"),
                     designee.hx_post(f"/waitlist/{waiting['cara']}/contacted", data={}),
                     designee.hx_post(f"/waitlist/{waiting['cara']}/remove",
                                      data={"reason": "not_eligible"})):
        assert response.status_code == 403
        assert "cara@example.org" not in html(response)
    assert "cara@example.org" not in html(designee.get("/scan"))
    assert contacts(app) == [] and entry(app, CARA[0])["status"] == "waiting"


def test_without_the_csrf_token_nothing_is_recorded(office, waiting, app):
    for url, data in ((f"/waitlist/{waiting['cara']}/contacted", {"note": "hi"}),
                      (f"/waitlist/{waiting['cara']}/remove", {"reason": "not_eligible"})):
        response = office.post(url, data=data, csrf=False)
        assert response.status_code == 400
        assert "nothing was recorded" in page(response).one(role="alert").text
    assert contacts(app) == [] and entry(app, CARA[0])["status"] == "waiting"
    assert events(app, "waitlist_contacted") == events(app, "waitlist_removed") == []


HOSTILE = f"{SCRIPT} =HYPERLINK(\"http://x\",\"y\")"


def test_hostile_names_and_notes_stay_text(app, tmp_path, designee, office):
    add_person(app, tmp_path, "E666", f"Eve {SCRIPT}", "urn:uuid:eve-challenges",
               email=f"eve{SCRIPT}@example.org", building=f"=HYPERLINK(\"x\") {SCRIPT}")
    put_on_waitlist(designee, "urn:uuid:eve-challenges")
    eve = entry_id(app, "E666")
    called = office.hx_post(f"/waitlist/{eve}/contacted", data={"note": HOSTILE})
    inert(html(called))
    assert HOSTILE in page(called).one("td", class_="last-call").text
    listed = office.get("/waitlist")
    doc = inert(html(listed))
    assert f"Eve {SCRIPT}" in doc.one("tr", id=f"entry-{eve}").text
    removed = office.hx_post(f"/waitlist/{eve}/remove", data={"reason": "other",
                                                             "note": HOSTILE})
    inert(html(removed))
    assert HOSTILE in page(removed).one("span", id=f"closed-{eve}").text
    assert events(app, "waitlist_removed")[0]["note"] == HOSTILE
