"""Handing out a pin from a green verdict: exactly once, with the receipt and the stock counter;
and voiding a hand-out."""

from __future__ import annotations

import re
import uuid

import pytest

from tests import factories
from tests.web.helpers import (
    add_login,
    distribution_count,
    hand_out,
    hand_out_form,
    html,
    is_full_page,
    page,
    pins_on_hand,
    press_hand_out,
    reason,
    receipt_no,
    scan,
    stock_counts,
    verdict,
    void_url,
)

TRAUMA = factories.TRAUMA
RECEIPT = re.compile(r"^PJE-\d{5}$")


def test_hand_out_shows_the_receipt_and_updates_the_badges_out_of_band(designee, app):
    before = stock_counts(page(designee.get("/scan")))[TRAUMA]
    response = hand_out(designee, factories.ALICE_TRAUMA, hx=True)
    assert not is_full_page(response)
    doc = page(response)
    panel = verdict(response)
    assert panel.get("data-reason") == "handed_out"
    assert panel.one("h2").text == "Pin handed out"
    assert RECEIPT.match(receipt_no(response))
    assert panel.one("dd", class_="person").text == "Alice Able"
    # the status bar is swapped out of band, matched by id
    counter = doc.one(id="stock-counter")
    assert counter.get("hx-swap-oob") == "true"
    assert stock_counts(doc)[TRAUMA] == before - 1
    printer = doc.one(id="printer-badge")
    assert printer.get("hx-swap-oob") == "true"
    assert "1 receipt waiting" in printer.text
    sync = doc.one(id="sync-badge")
    assert sync.get("hx-swap-oob") == "true"
    assert "events waiting" in sync.text
    assert distribution_count(app) == 1
    assert pins_on_hand(app, TRAUMA) == before - 1


def test_plain_hand_out_returns_the_whole_page_with_the_new_stock(designee, app):
    response = hand_out(designee, factories.ALICE_TRAUMA, hx=False)
    assert is_full_page(response)
    doc = page(response)
    assert verdict(response).get("data-reason") == "handed_out"
    assert RECEIPT.match(receipt_no(response))
    # one status bar, in its place, not a second copy marked for an out-of-band swap
    counter = doc.one(id="stock-counter")
    assert "hx-swap-oob" not in counter.attrs
    assert stock_counts(doc)[TRAUMA] == 9
    assert len(doc.find_all(id="printer-badge")) == 1
    assert doc.one("form", id="scan-form")


def test_receipt_numbers_go_up(designee):
    first = receipt_no(hand_out(designee, factories.ALICE_TRAUMA))
    second = receipt_no(hand_out(designee, factories.ALICE_BALANCE))
    assert first == "PJE-00001"
    assert second == "PJE-00002"


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_the_same_form_sent_twice_hands_out_once(designee, app, hx):
    """A double Enter posts the same nonce twice."""
    form = hand_out_form(scan(designee, factories.ALICE_TRAUMA, hx=hx))
    first = press_hand_out(designee, form, hx=hx)
    second = press_hand_out(designee, form, hx=hx)
    assert first.status_code == second.status_code == 200
    assert receipt_no(first) == receipt_no(second)
    assert distribution_count(app) == 1
    assert pins_on_hand(app, TRAUMA) == 9
    assert stock_counts(page(second))[TRAUMA] == 9


def test_two_tabs_hand_out_once_and_the_second_hears_already_issued(login_as, designee, app):
    tab_one = hand_out_form(scan(designee, factories.ALICE_TRAUMA))
    tab_two = hand_out_form(scan(designee, factories.ALICE_TRAUMA))
    assert tab_one["nonce"] != tab_two["nonce"]
    first = press_hand_out(designee, tab_one)
    second = press_hand_out(designee, tab_two)
    assert first.status_code == 200
    assert second.status_code == 409
    assert not is_full_page(second)
    panel = verdict(second)
    assert panel.get("data-reason") == "already_issued"
    assert f"Receipt {receipt_no(first)}" in panel.one("p", class_="prior").text
    assert distribution_count(app) == 1
    assert pins_on_hand(app, TRAUMA) == 9


def test_two_staff_members_at_two_kiosks_hand_out_once(login_as, designee, app):
    office = login_as("office")
    at_desk = hand_out_form(scan(designee, factories.ALICE_TRAUMA))
    in_office = hand_out_form(scan(office, factories.ALICE_TRAUMA))
    assert press_hand_out(office, in_office).status_code == 200
    refused = press_hand_out(designee, at_desk, hx=False)
    assert refused.status_code == 409
    assert is_full_page(refused)
    assert reason(refused) == "already_issued"
    assert distribution_count(app) == 1


def test_scanning_again_after_hand_out_says_already_issued(designee):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    again = verdict(scan(designee, factories.ALICE_TRAUMA))
    assert again.get("data-reason") == "already_issued"
    prior = again.one("p", class_="prior").text
    assert "Handed out" in prior
    assert factories.BUILDING in prior
    assert "Dee Designee" in prior
    assert receipt_no(done) in prior
    # the same award under its Badgr alias is the same award
    assert reason(scan(designee, factories.BADGR_URL)) == "already_issued"


@pytest.mark.parametrize(("payload", "code"), [
    (factories.BOB_REVOKED, "revoked"),
    (factories.CARA_CHALLENGES, "out_of_stock"),
    (factories.CARA_COMMUNICATION, "no_pin_for_credential"),
    ("urn:uuid:" + str(uuid.UUID(int=7)), "unknown_badge"),
])
def test_a_forged_hand_out_form_is_refused_with_the_verdict(designee, app, payload, code):
    response = press_hand_out(designee, {"payload": payload, "nonce": str(uuid.uuid4())})
    assert response.status_code == 409
    assert reason(response) == code
    assert distribution_count(app) == 0


@pytest.mark.parametrize("nonce", ["", "not-a-uuid", "1234", "' OR 1=1 --", "x" * 5000])
def test_a_damaged_hand_out_form_gets_a_clear_error(designee, app, nonce):
    response = press_hand_out(designee, {"payload": factories.ALICE_TRAUMA, "nonce": nonce})
    assert response.status_code == 400
    assert not is_full_page(response)
    alert = page(response).one(role="alert")
    assert "The hand-out form is damaged. Scan the proof again." in alert.text
    assert distribution_count(app) == 0


def test_a_used_form_with_another_payload_is_refused(designee, app):
    form = hand_out_form(scan(designee, factories.ALICE_TRAUMA))
    press_hand_out(designee, form)
    reused = press_hand_out(designee, {"payload": factories.ALICE_BALANCE,
                                        "nonce": form["nonce"]})
    assert reused.status_code == 400
    assert "already used" in page(reused).one(role="alert").text
    assert distribution_count(app) == 1


# Void --------------------------------------------------------------------------------------


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_a_designee_voids_their_own_hand_out(designee, app, hx):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    receipt = receipt_no(done)
    url = void_url(done)
    post = designee.hx_post if hx else designee.post
    response = post(url, data={"reason": "Handed to the wrong person"})
    assert response.status_code == 200
    panel = verdict(response)
    assert panel.get("data-reason") == "voided"
    assert panel.one("h2").text == "Hand-out voided"
    assert receipt in panel.text
    assert "Handed to the wrong person" in panel.text
    assert stock_counts(page(response))[TRAUMA] == 10
    if hx:
        assert page(response).one(id="stock-counter").get("hx-swap-oob") == "true"
    assert pins_on_hand(app, TRAUMA) == 10
    assert reason(scan(designee, factories.ALICE_TRAUMA)) == "ok"
    # and it can be handed out again, on a new receipt
    again = hand_out(designee, factories.ALICE_TRAUMA)
    assert receipt_no(again) != receipt
    assert distribution_count(app) == 2


@pytest.mark.parametrize("why", ["", "  ", "no"])
def test_a_void_needs_a_reason(designee, app, why):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    response = designee.hx_post(void_url(done), data={"reason": why})
    assert response.status_code == 400
    assert "Say why" in page(response).one(role="alert").text
    assert pins_on_hand(app, TRAUMA) == 9
    assert reason(scan(designee, factories.ALICE_TRAUMA)) == "already_issued"


def test_another_designee_cannot_void_it(designee, app):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    add_login(app, "Dan Deputy", "4444", "designee")
    other = app.test_client()
    assert other.post("/login", data={"name": "Dan Deputy", "pin": "4444"}).status_code == 302
    other.token = None
    response = other.hx_post(void_url(done), data={"reason": "I think it was wrong"})
    assert response.status_code == 403
    assert "only their own hand-outs" in page(response).one(role="alert").text
    assert pins_on_hand(app, TRAUMA) == 9
    assert reason(scan(designee, factories.ALICE_TRAUMA)) == "already_issued"


def test_office_can_void_a_designees_hand_out(designee, office, app):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    response = office.hx_post(void_url(done), data={"reason": "Returned by the staff member"})
    assert response.status_code == 200
    assert verdict(response).get("data-reason") == "voided"
    assert pins_on_hand(app, TRAUMA) == 10


def test_a_hand_out_is_voided_only_once(designee, app):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    url = void_url(done)
    assert designee.hx_post(url, data={"reason": "wrong person"}).status_code == 200
    second = designee.hx_post(url, data={"reason": "wrong person"})
    assert second.status_code == 400
    assert "already voided" in page(second).one(role="alert").text
    assert pins_on_hand(app, TRAUMA) == 10


def test_voiding_an_unknown_hand_out_is_not_found(designee):
    response = designee.hx_post(f"/hand-outs/{uuid.uuid4()}/void", data={"reason": "typo"})
    assert response.status_code == 404
    assert "no such hand-out" in page(response).one(role="alert").text


def test_the_voided_hand_out_shows_in_the_log(designee):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    designee.hx_post(void_url(done), data={"reason": "wrong person"})
    log = page(designee.get("/log"))
    row = log.one("tr", class_="voided")
    assert receipt_no(done) in row.text
    assert "Voided: wrong person" in row.text
    assert "voided" in html(designee.get("/log"))
