"""Out of stock and the waitlist; office staff receive shipments on the Stock page."""

from __future__ import annotations

import pytest

from tests import factories
from tests.web.helpers import (
    hand_out,
    html,
    is_full_page,
    movement_count,
    page,
    pins_on_hand,
    reason,
    scan,
    stock_counts,
    verdict,
    waitlist_count,
)

CHALLENGES = factories.CHALLENGES


def _waitlist_rows(office):  # type: ignore[no-untyped-def]
    """The people on the call-back list (templates/waitlist.html), one line each."""
    doc = page(office.get("/waitlist"))
    return [tr.text for table in doc.find_all("table", class_="call-backs")
            for tr in table.one("tbody").find_all("tr", id=True)]


def test_out_of_stock_offers_the_waitlist(designee):
    panel = verdict(scan(designee, factories.CARA_CHALLENGES))
    assert panel.get("data-reason") == "out_of_stock"
    form = panel.one("form", action="/waitlist")
    assert form.get("method") == "post"
    assert form.get("hx-post") == "/waitlist"
    assert form.one("input", name="payload").get("value") == factories.CARA_CHALLENGES
    assert form.one("button").text == "Put Cara Cole on the waitlist Enter"
    assert "data-enter-action" in form.attrs  # Enter in the empty scan field does it
    assert panel.find("form", id="hand-out-form") is None


def test_out_of_stock_says_so_before_enter(designee):
    panel = verdict(scan(designee, factories.CARA_CHALLENGES))
    assert panel.one("p", class_="advice").text == (
        "Press Enter to put Cara Cole on the waitlist for this pin.")


def test_scanning_someone_already_waiting_says_where_they_stand(app, designee, tmp_path):
    from tests.web.helpers import add_award

    add_award(app, tmp_path, "Dan Dunn", "urn:uuid:dan-challenges", CHALLENGES, "E901")
    designee.hx_post("/waitlist", data={"payload": factories.CARA_CHALLENGES})
    second = designee.hx_post("/waitlist", data={"payload": "urn:uuid:dan-challenges"})
    assert "Number 2 of 2 waiting" in page(second).text
    panel = verdict(scan(designee, "urn:uuid:dan-challenges"))
    assert panel.get("data-reason") == "out_of_stock"
    waiting = panel.one("p", class_="waiting").text
    assert waiting.startswith("On the waitlist since ")
    assert waiting.endswith(": number 2 of 2.")
    assert panel.find("form", id="waitlist-form") is None  # not offered again
    assert "already on the waitlist" in panel.one("p", class_="advice").text
    again = designee.hx_post("/waitlist", data={"payload": "urn:uuid:dan-challenges"})
    assert "was already on the waitlist" in page(again).text
    assert waitlist_count(app) == 2


def test_a_waiting_person_with_stock_back_is_told_the_hand_out_clears_it(app, designee,
                                                                          office):
    designee.hx_post("/waitlist", data={"payload": factories.CARA_CHALLENGES})
    office.hx_post("/stock/receive", data={"credential": CHALLENGES, "qty": "1"})
    panel = verdict(scan(designee, factories.CARA_CHALLENGES))
    assert panel.get("data-reason") == "ok"
    assert "number 1 of 1. Handing out the pin takes them off it." in panel.one(
        "p", class_="waiting").text


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_putting_someone_on_the_waitlist(designee, office, app, hx):
    post = designee.hx_post if hx else designee.post
    response = post("/waitlist", data={"payload": factories.CARA_CHALLENGES})
    assert response.status_code == 200
    assert is_full_page(response) is not hx
    panel = verdict(response)
    assert panel.get("data-reason") == "waitlisted"
    assert panel.one("h2").text == "On the waitlist"
    assert "Cara Cole" in panel.text
    rows = _waitlist_rows(office)
    assert len(rows) == 1
    assert "Cara Cole" in rows[0]


def test_the_waitlist_holds_a_person_once(designee, office, app):
    for _ in range(2):
        assert designee.hx_post("/waitlist", data={
            "payload": factories.CARA_CHALLENGES}).status_code == 200
    assert len(_waitlist_rows(office)) == 1
    assert waitlist_count(app) == 1


def test_nobody_waiting_is_said_plainly(office):
    assert "Nobody is waiting for a pin." in page(office.get("/waitlist")).text


def test_a_pin_in_stock_is_not_waitlisted(designee, app):
    response = designee.hx_post("/waitlist", data={"payload": factories.ALICE_TRAUMA})
    assert response.status_code == 400
    assert "in stock now" in page(response).one(role="alert").text
    assert waitlist_count(app) == 0


def test_a_revoked_badge_is_not_waitlisted(designee, app):
    response = designee.hx_post("/waitlist", data={"payload": factories.BOB_REVOKED})
    assert response.status_code == 409
    assert reason(response) == "revoked"
    assert waitlist_count(app) == 0


def test_after_a_shipment_the_waiting_person_gets_the_pin(designee, office, app):
    designee.hx_post("/waitlist", data={"payload": factories.CARA_CHALLENGES})
    office.hx_post("/stock/receive", data={"credential": CHALLENGES, "qty": "2"})
    hand_out(designee, factories.CARA_CHALLENGES)
    assert "Nobody is waiting for a pin." in page(office.get("/waitlist")).text


# The Stock page ---------------------------------------------------------------------------


def test_the_stock_page_lists_every_pin_on_hand(office):
    doc = page(office.get("/stock"))
    table = doc.find_all("table")[0]
    rows = {tr.find_all("td")[1].text: int(tr.find_all("td")[2].text)
            for tr in table.one("tbody").find_all("tr")}
    assert rows == {name: qty for name, qty in factories.STOCK.items()}
    form = doc.one("form", action="/stock/receive")
    assert form.get("method") == "post"
    assert form.get("hx-post") == "/stock/receive"


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_office_receives_a_shipment(office, app, hx):
    post = office.hx_post if hx else office.post
    response = post("/stock/receive", data={"credential": CHALLENGES, "qty": "12",
                                            "note": "packing slip 881"})
    assert response.status_code == 200
    assert is_full_page(response) is not hx
    doc = page(response)
    assert "Received." in doc.one("p", class_="flash").text
    assert "12 on hand" in doc.one("p", class_="flash").text
    assert stock_counts(doc)[CHALLENGES] == 12
    if hx:
        assert doc.one(id="stock-counter").get("hx-swap-oob") == "true"
    assert pins_on_hand(app, CHALLENGES) == 12
    assert "packing slip 881" in doc.text
    assert reason(scan(office, factories.CARA_CHALLENGES)) == "ok"


@pytest.mark.parametrize("qty", ["0", "-3", "abc", "", "2.5", "1e3", "1000001"])
def test_a_bad_quantity_is_refused_and_nothing_is_recorded(office, app, qty):
    before = movement_count(app)
    response = office.hx_post("/stock/receive", data={"credential": factories.TRAUMA,
                                                       "qty": qty})
    assert response.status_code == 400
    message = page(response).one(role="alert").text
    assert "quantity" in message.lower() or "shipment" in message.lower()
    assert movement_count(app) == before
    assert pins_on_hand(app, factories.TRAUMA) == 10


def test_an_unknown_pin_is_refused(office, app):
    before = movement_count(app)
    response = office.post("/stock/receive", data={"credential": "Basket Weaving",
                                                    "qty": "5"})
    assert response.status_code == 400
    assert "no credential named" in page(response).one(role="alert").text
    assert is_full_page(response)
    assert movement_count(app) == before


def test_a_credential_without_a_pin_cannot_be_stocked(office, app):
    before = movement_count(app)
    response = office.hx_post("/stock/receive", data={
        "credential": factories.COMMUNICATION, "qty": "5"})
    assert response.status_code == 400
    assert "has no pin" in html(response)
    assert movement_count(app) == before


def test_office_counts_the_shelf(office, app):
    response = office.hx_post("/stock/count", data={"credential": factories.TRAUMA,
                                                    "counted": "4", "note": "end of term"})
    assert response.status_code == 200
    assert "Counted." in page(response).one("p", class_="flash").text
    assert pins_on_hand(app, factories.TRAUMA) == 4


def test_a_designee_cannot_count(designee):
    assert designee.hx_post("/stock/count", data={"credential": factories.TRAUMA,
                                                  "counted": "4"}).status_code == 403


def test_low_and_empty_stock_say_so_in_words_not_colour_alone(designee):
    chips = {item.get("data-credential"): item for item in
             page(designee.get("/scan")).one(id="stock-counter").find_all(
                 "span", class_="stock-item")}
    assert chips[factories.TRAUMA].find("span", class_="stock-state") is None  # 10: plenty
    # an icon for the eye (hidden from screen readers), and the words
    assert chips[factories.BALANCE].one("span", class_="stock-state").text == "⚠ low"  # 5
    assert chips[factories.CULTURE].one("span", class_="stock-state").text == "⚠ low"  # 3
    assert chips[CHALLENGES].one("span", class_="stock-state").text == "✖ none left"  # 0
    assert "low" in chips[factories.BALANCE].get("class")
