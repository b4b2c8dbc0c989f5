"""Manual lookup at the desk: a proof with no code that scans. A designee finds the person by
name, employee number or email, sees the verdict each of their pins would get now, picks one,
and hands it out with a reason; the hand-out is marked manual everywhere."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Distribution, OutboxEvent
from tests import factories
from tests.web.helpers import (
    HX,
    distribution_count,
    hand_out,
    hand_out_form,
    html,
    page,
    reason,
    scan,
    waitlist_count,
)

TORN = "QR code torn or unreadable"


def look_up(client, text: str, hx: bool = True):  # type: ignore[no-untyped-def]
    return client.get("/lookup", query_string={"q": text}, headers=HX if hx else {})


def people(response) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Name -> {pin: what the lookup says of it}."""
    found = {}
    for card in page(response).find_all("li", class_="person-card"):
        name = card.one("p", class_="who").one("strong").text
        found[name] = {row.one("button").text: row.one("span", class_="pin-state").text
                       for row in card.find_all("li", class_="pin-row")}
    return found


def pick(client, award_id: str, hx: bool = True):  # type: ignore[no-untyped-def]
    return client.get("/lookup/award", query_string={"award": award_id},
                      headers=HX if hx else {})


def manual_hand_out(client, award_id: str, why: str = "qr_torn", note: str = "",  # type: ignore[no-untyped-def]
                    nonce: str | None = None):
    verdict = pick(client, award_id)
    assert reason(verdict) == "ok", html(verdict)
    form = hand_out_form(verdict)
    assert form["manual"] == "1"
    return client.hx_post("/hand-out", data={
        "payload": form["payload"], "nonce": nonce or form["nonce"], "manual": "1",
        "manual_reason": why, "manual_note": note})


@pytest.mark.parametrize("typed", ["alice", "ALICE", "Able", "ali ab", "E1", "alice@exam"])
def test_a_person_is_found_by_any_words_prefix(designee, typed):
    response = look_up(designee, typed)
    assert response.status_code == 200
    assert "HX-Request" in response.headers.get("Vary", "")
    found = people(response)
    assert "Alice Able" in found
    assert found["Alice Able"] == {"Trauma pin": "ready to hand out",
                                   "Balance pin": "ready to hand out"}


def test_each_pin_says_what_the_kiosk_would_say_now(designee):
    receipt = page(hand_out(designee, factories.ALICE_TRAUMA)).one(class_="receipt-no").text
    alice = people(look_up(designee, "alice"))["Alice Able"]
    assert alice["Trauma pin"].startswith("handed out ")
    assert f"at {factories.BUILDING}, receipt {receipt}" in alice["Trauma pin"]
    bob = people(look_up(designee, "bob"))["Bob Baker"]
    assert bob["Responding to Cultural Differences in Schools pin"] == (
        "badge revoked (Reason: Issued in error)")
    cara = people(look_up(designee, "cara"))["Cara Cole"]
    assert cara == {"Understanding Students Facing Challenges pin": "out of stock"}
    card = page(look_up(designee, "cara")).one("li", class_="person-card")
    assert "1 other award, none with a pin" not in card.text  # she has a pin credential
    assert "Communication" not in card.text  # a credential with no pin is not offered


def test_no_one_matches_says_so_and_an_emptied_box_changes_nothing(designee):
    assert "No one on the roster matches" in page(look_up(designee, "zzzz")).text
    assert look_up(designee, "   ").status_code == 204


def test_the_lookup_works_without_javascript(designee):
    response = look_up(designee, "alice", hx=False)
    assert "<html" in html(response)
    assert "Alice Able" in people(response)
    assert page(response).one("input", id="lookup-q").get("value") == "alice"


def test_a_name_with_markup_is_shown_as_text(app, designee, tmp_path):
    from tests.web.helpers import add_award

    add_award(app, tmp_path, "<script>alert(1)</script> Mallory", "urn:uuid:mallory-1",
              factories.TRAUMA)
    body = html(look_up(designee, "mallory"))
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_picking_a_pin_gives_the_verdict_panel_of_a_scan(designee):
    verdict = page(pick(designee, factories.ALICE_TRAUMA)).one("section", class_="verdict")
    assert verdict.get("data-reason") == "ok"
    assert "data-manual" in verdict.attrs
    assert "Manual lookup: no proof scanned" in verdict.text
    assert "Alice Able" in verdict.one(class_="person").text
    radios = verdict.find_all("input", type="radio")
    assert [r.get("value") for r in radios] == ["qr_torn", "no_qr", "proof_forgotten", "other"]
    assert "Found by manual lookup" in verdict.one("p", class_="checked").text


def test_a_manual_hand_out_needs_a_reason(app, designee):
    form = hand_out_form(pick(designee, factories.ALICE_TRAUMA))
    refused = designee.hx_post("/hand-out", data={**form, "manual": "1"})
    assert refused.status_code == 400
    assert "Choose why no proof was scanned" in html(refused)
    other = designee.hx_post("/hand-out", data={**form, "manual": "1", "manual_reason": "other"})
    assert other.status_code == 400
    assert "Say in the note why" in html(other)
    assert distribution_count(app) == 0


def test_a_manual_hand_out_is_marked_manual_everywhere(app, designee, office, printer_spy):
    done = manual_hand_out(designee, factories.ALICE_TRAUMA, "other", "badge printed blank")
    assert done.status_code == 200, html(done)
    assert reason(done) == "handed_out"
    with app.app_context():
        dist = db.session.scalar(select(Distribution))
        assert (dist.source, dist.manual_reason) == ("manual", "Other: badge printed blank")
        assert dist.payload_format == "lookup"
        event = db.session.scalar(select(OutboxEvent).where(
            OutboxEvent.kind == "pin_handed_out"))
        payload = json.loads(event.payload)
        db.session.remove()
    assert (payload["manual"], payload["manual_reason"]) == (True, "Other: badge printed blank")
    assert payload["source"] == "manual"
    # the log, for the designee and the office
    row = page(office.get("/log")).one("tbody").find_all("tr")[0]
    assert "manual" in row.one("span", class_="tag").text
    assert "Other: badge printed blank" in row.text
    # the CSV
    csv_text = office.get("/log.csv").get_data(as_text=True)
    header, first = csv_text.lstrip("\ufeff").splitlines()[:2]
    assert "manual_reason" in header.split(",")
    assert "Other: badge printed blank" in first
    # the receipt
    receipts = printer_spy.print_all()
    assert len(receipts) == 1
    assert b"MANUAL LOOKUP, NO PROOF SCANNED" in receipts[0]
    assert b"Why: Other: badge printed blank" in receipts[0]


def test_a_scanned_hand_out_is_not_marked_manual(app, office, designee):
    hand_out(designee, factories.ALICE_TRAUMA)
    with app.app_context():
        event = db.session.scalar(select(OutboxEvent).where(
            OutboxEvent.kind == "pin_handed_out"))
        payload = json.loads(event.payload)
        db.session.remove()
    assert (payload["manual"], payload["manual_reason"]) == (False, "")
    assert page(office.get("/log")).one("tbody").find("span", class_="tag") is None


def test_exactly_once_holds_for_manual_hand_outs(app, designee):
    first_form = hand_out_form(pick(designee, factories.ALICE_TRAUMA))
    second_form = hand_out_form(pick(designee, factories.ALICE_TRAUMA))  # another tab
    data = {"payload": first_form["payload"], "nonce": first_form["nonce"], "manual": "1",
            "manual_reason": "no_qr"}
    first = designee.hx_post("/hand-out", data=data)
    again = designee.hx_post("/hand-out", data=data)  # a double Enter: the same nonce
    assert reason(first) == reason(again) == "handed_out"
    assert page(first).one(class_="receipt-no").text == page(again).one(class_="receipt-no").text
    other_tab = designee.hx_post("/hand-out", data={**data, "nonce": second_form["nonce"]})
    assert other_tab.status_code == 409
    assert reason(other_tab) == "already_issued"
    # a scan of the same award afterwards, and a new manual pick
    assert reason(scan(designee, factories.ALICE_TRAUMA)) == "already_issued"
    assert reason(pick(designee, factories.ALICE_TRAUMA)) == "already_issued"
    assert distribution_count(app) == 1


def test_a_manual_pick_then_a_scan_in_another_tab_hands_out_one_pin(app, designee, login_as):
    manual_form = hand_out_form(pick(designee, factories.ALICE_TRAUMA))
    office = login_as("office")
    assert reason(hand_out(office, factories.ALICE_TRAUMA)) == "handed_out"
    late = designee.hx_post("/hand-out", data={
        "payload": manual_form["payload"], "nonce": manual_form["nonce"], "manual": "1",
        "manual_reason": "no_qr"})
    assert late.status_code == 409
    assert reason(late) == "already_issued"
    assert distribution_count(app) == 1


def test_an_admin_may_keep_manual_hand_outs_to_office_staff(app, designee, office, admin):
    saved = admin.hx_post("/settings", data={"MANUAL_HAND_OUT_ROLE": "office"})
    assert saved.status_code == 200, html(saved)
    verdict = page(pick(designee, factories.ALICE_TRAUMA))
    assert verdict.find("form", id="hand-out-form") is None
    assert "may not hand out a pin found by manual lookup" in verdict.text
    form = hand_out_form(pick(office, factories.ALICE_TRAUMA))
    form.pop("csrf_token")  # the designee's own token goes with the designee's post
    refused = designee.hx_post("/hand-out", data={**form, "manual": "1",
                                                  "manual_reason": "no_qr"})
    assert refused.status_code == 403
    assert distribution_count(app) == 0
    # scanning stays open to designees
    assert reason(hand_out(designee, factories.ALICE_BALANCE)) == "handed_out"
    assert manual_hand_out(office, factories.ALICE_TRAUMA).status_code == 200
    assert distribution_count(app) == 2


def test_a_designee_may_not_change_who_hands_out_manually(designee):
    assert designee.hx_post("/settings", data={"MANUAL_HAND_OUT_ROLE": "designee"}
                            ).status_code == 403


def test_a_lookup_needs_a_login(client):
    response = client.get("/lookup", query_string={"q": "alice"})
    assert response.status_code == 302
    assert client.get("/lookup/award", query_string={"award": factories.ALICE_TRAUMA}
                      ).status_code == 302


def test_an_unknown_award_picked_says_so(designee):
    response = pick(designee, "urn:uuid:00000000-0000-4000-8000-000000000000")
    assert reason(response) == "unknown_badge"


def test_out_of_stock_by_lookup_puts_the_person_on_the_waitlist(app, designee):
    verdict = page(pick(designee, factories.CARA_CHALLENGES))
    form = verdict.one("form", id="waitlist-form")
    assert "data-enter-action" in form.attrs
    assert "Press Enter to put Cara Cole on the waitlist" in verdict.text
    fields = {i.get("name"): i.get("value") for i in form.find_all("input", type="hidden")}
    done = designee.hx_post("/waitlist", data=fields)
    assert reason(done) == "waitlisted"
    assert "Number 1 of 1 waiting" in page(done).text
    assert waitlist_count(app) == 1
