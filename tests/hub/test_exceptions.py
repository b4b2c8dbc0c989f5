"""The exceptions queue: open ones first, each in plain words; an admin resolves one with a
note, and it stays in the history with who, when and the note."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.sync.hub.models import utcnow
from kiosk.sync.protocol import time_text
from tests.factories import ALICE_TRAUMA, BOB_REVOKED, CULTURE, TRAUMA
from tests.hub.conftest import LOGINS, PAGE_JACKSON, SHEPHERDSTOWN
from tests.hub.helpers import html, page

ADMIN = LOGINS["admin"][0]


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
    assert duplicate[2] == "Alice Able E1"  # the person, linked to their page
    assert duplicate[3] == f"{PAGE_JACKSON}{SHEPHERDSTOWN}"  # both buildings, one a line
    assert duplicate[5].startswith(
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
