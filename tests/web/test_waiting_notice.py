"""When a shipment arrives for a pin people wait for, the Stock page and a banner on every page
of office staff and administrators say so and link to the call-back list (issue 13); a
hand-out of a person's pin, by scan or by manual lookup, closes their entry by itself."""

from __future__ import annotations

import pytest

from tests import factories
from tests.web.helpers import HX, hand_out, page, user_id
from tests.web.test_lookup import manual_hand_out
from tests.web.waitlist_helpers import (
    CARA,
    CHALLENGES,
    add_person,
    entry,
    entry_id,
    events,
    put_on_waitlist,
)

PIN = "Understanding Students Facing Challenges pin"
DAN = ("E901", "urn:uuid:dan-challenges")


@pytest.fixture
def two_waiting(app, designee, tmp_path):  # type: ignore[no-untyped-def]
    add_person(app, tmp_path, DAN[0], "Dan Dunn", DAN[1])
    put_on_waitlist(designee, CARA[1])
    put_on_waitlist(designee, DAN[1])


def _receive(client, qty: int):  # type: ignore[no-untyped-def]
    response = client.hx_post("/stock/receive", data={"credential": CHALLENGES, "qty": str(qty)})
    assert response.status_code == 200
    return response


def _pin_id(office) -> str:  # type: ignore[no-untyped-def]
    options = page(office.get("/waitlist")).one("select", id="waitlist-pin").find_all("option")
    return next(o.get("value") or "" for o in options if o.text.startswith(PIN))


def _banner(client, url: str = "/scan"):  # type: ignore[no-untyped-def]
    return page(client.get(url)).find("div", class_="waiting-banner")


def test_no_notice_while_the_pin_is_out_of_stock(office, two_waiting):
    panel = page(office.get("/stock")).one("div", class_="waiting-notice")
    assert panel.find("ul") is None  # only the link to the waitlist
    assert panel.one("a").get("href") == "/waitlist"
    assert _banner(office) is None


def test_a_shipment_brings_the_notice_on_the_stock_page(office, two_waiting):
    received = page(_receive(office, 40))
    [notice] = received.one("div", class_="waiting-notice").find_all("li")
    assert notice.text == (f"2 people are waiting for the {PIN}, and 40 are on hand: "
                           "call them back")
    assert notice.one("a").get("href") == f"/waitlist?pin={_pin_id(office)}"
    assert received.one("div", class_="waiting-notice").get("role") == "status"
    # the Stock page's own notice, and no banner above it
    assert page(office.get("/stock")).find("div", class_="waiting-banner") is None


def test_one_person_and_one_pin_are_said_in_the_singular(office, designee):
    put_on_waitlist(designee, CARA[1])
    notice = page(_receive(office, 1)).one("div", class_="waiting-notice").one("li")
    assert notice.text.startswith(f"1 person is waiting for the {PIN}, and 1 is on hand")


@pytest.mark.parametrize("role", ["office", "admin"])
@pytest.mark.parametrize("url", ["/scan", "/log", "/printer", "/waitlist"])
def test_the_banner_shows_on_every_page_of_office_and_admin(login_as, two_waiting, role, url):
    client = login_as(role)
    _receive(login_as("office"), 3)
    banner = _banner(client, url)
    assert banner is not None, url
    link = banner.one("a")
    assert link.text == f"2 people are waiting for the {PIN}, and 3 are on hand: call them back"
    assert link.get("href").startswith("/waitlist?pin=")
    assert banner.get("role") == "region" and banner.get("aria-label")


def test_designees_get_no_banner_and_no_notice(designee, office, two_waiting):
    _receive(office, 3)
    assert _banner(designee) is None
    assert "are waiting for the" not in page(designee.get("/log")).text


def test_several_pins_make_one_line(app, office, designee, tmp_path):
    add_person(app, tmp_path, "E902", "Fay Fox", "urn:uuid:fay-trauma",
               credential=factories.TRAUMA)
    put_on_waitlist(designee, CARA[1])
    office.hx_post("/stock/count", data={"credential": factories.TRAUMA, "counted": "0"})
    put_on_waitlist(designee, "urn:uuid:fay-trauma")
    office.hx_post("/stock/receive", data={"credential": factories.TRAUMA, "qty": "2"})
    _receive(office, 2)
    banner = _banner(office)
    assert banner.get("data-waiting-pins") == "2"
    assert banner.one("a").text == ("People are waiting for 2 pins that are on hand: call "
                                    "them back")
    assert banner.one("a").get("href") == "/waitlist"
    assert len(page(office.get("/stock")).one("div", class_="waiting-notice")
               .find_all("li")) == 2


def test_a_hand_out_by_scan_closes_the_entry_by_itself(app, office, designee, two_waiting):
    _receive(office, 1)
    hand_out(designee, factories.CARA_CHALLENGES)
    closed = entry(app, CARA[0])
    assert (closed["status"], closed["close_reason"]) == ("fulfilled", "handed_out")
    assert closed["closed_by"] == user_id(app, "designee") and closed["closed_at"] is not None
    [fulfilled] = events(app, "waitlist_fulfilled")
    assert (fulfilled["employee_id"], fulfilled["credential"]) == ("E3", CHALLENGES)
    rows = page(office.get("/waitlist")).find_all("tr", id=True)
    assert [r.get("id") for r in rows] == [f"entry-{entry_id(app, DAN[0])}"]
    assert rows[0].one("td", class_="place").text == "1"  # Dan moves up
    # no pin on hand now: no banner, though Dan still waits
    assert _banner(office) is None


def test_a_hand_out_by_manual_lookup_closes_the_entry_by_itself(app, office, two_waiting):
    _receive(office, 1)
    done = manual_hand_out(office, DAN[1], "no_qr")
    assert done.status_code == 200
    closed = entry(app, DAN[0])
    assert (closed["status"], closed["close_reason"]) == ("fulfilled", "handed_out")
    assert closed["closed_by"] == user_id(app, "office") and closed["closed_at"] is not None
    assert len(events(app, "waitlist_fulfilled")) == 1
    assert entry(app, CARA[0])["status"] == "waiting"


def test_a_closed_entry_answers_with_how_it_closed(app, office, designee, two_waiting):
    """The tab left open on the list after the person's pin was handed out at the desk."""
    _receive(office, 1)
    hand_out(designee, factories.CARA_CHALLENGES)
    response = office.hx_post(f"/waitlist/{entry_id(app, CARA[0])}/remove",
                              data={"reason": "not_eligible"}, headers=HX)
    assert response.status_code == 400
    row = page(response).one("tr", id=f"entry-{entry_id(app, CARA[0])}")
    assert "Pin handed out" in row.one("span", class_="closed-why").text
    assert "their pin was handed out by Dee Designee" in row.one(role="alert").text
