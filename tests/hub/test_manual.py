"""Hand-outs found by manual lookup at a building's desk (no proof scanned) are counted per
building on the dashboard and listed, with their reasons, for the district."""

from __future__ import annotations

from tests import factories
from tests.hub.conftest import PAGE_JACKSON, SHEPHERDSTOWN
from tests.web.dom import parse


def _manual_counts(html: str) -> dict[str, str]:
    doc = parse(html)
    return {body.one("th", scope="rowgroup").text.split(" · ")[0].strip():
            body.one("span", class_="manual-count").get("data-manual") or ""
            for body in doc.one("table", id="pins").find_all("tbody")}


def test_the_dashboard_counts_manual_hand_outs_per_building(district, viewer):
    front = district.kiosk(PAGE_JACKSON)
    middle = district.kiosk(SHEPHERDSTOWN)
    manual = front.hand_out(factories.ALICE_TRAUMA, "E1", factories.TRAUMA,
                            manual_reason="QR code torn or unreadable")
    scanned = front.hand_out(factories.ALICE_BALANCE, "E1", factories.BALANCE)
    assert front.send(manual, scanned) == ["accepted", "accepted"]
    assert middle.send(middle.hand_out(factories.BOB_TRAUMA, "E2", factories.TRAUMA)) == [
        "accepted"]
    page = viewer.get("/").get_data(as_text=True)
    assert _manual_counts(page) == {PAGE_JACKSON: "1", SHEPHERDSTOWN: "0"}
    assert "1 manual hand-out<" in page


def test_the_list_shows_each_manual_hand_out_with_its_reason(district, viewer):
    front = district.kiosk(PAGE_JACKSON)
    event = front.hand_out(factories.ALICE_TRAUMA, "E1", factories.TRAUMA, receipt="PJE-00007",
                           manual_reason="Proof forgotten, ID checked")
    front.send(event, front.hand_out(factories.ALICE_BALANCE, "E1", factories.BALANCE))
    doc = parse(viewer.get("/manual").get_data(as_text=True))
    rows = doc.one("table", id="manual").one("tbody").find_all("tr")
    assert len(rows) == 1
    assert rows[0].get("data-distribution") == event["payload"]["distribution_id"]
    text = rows[0].text
    for words in (PAGE_JACKSON, "E1", factories.TRAUMA, "PJE-00007",
                  "Proof forgotten, ID checked"):
        assert words in text
    building = district.building_id(SHEPHERDSTOWN)
    other = parse(viewer.get(f"/manual?building={building}").get_data(as_text=True))
    assert "No hand-out was found by manual lookup at this building" in other.text


def test_a_voided_manual_hand_out_no_longer_counts(district, viewer):
    front = district.kiosk(PAGE_JACKSON)
    event = front.hand_out(factories.ALICE_TRAUMA, "E1", factories.TRAUMA,
                           manual_reason="No QR code on the proof")
    front.send(event, front.void(event))
    assert _manual_counts(viewer.get("/").get_data(as_text=True))[PAGE_JACKSON] == "0"
    row = parse(viewer.get("/manual").get_data(as_text=True)).one("table", id="manual").one(
        "tbody").one("tr")
    assert row.get("class") == "voided"
    assert "(voided)" in row.text


def test_a_reason_is_shown_as_text(district, viewer):
    front = district.kiosk(PAGE_JACKSON)
    front.send(front.hand_out(factories.ALICE_TRAUMA, "E1", factories.TRAUMA,
                              manual_reason="Other: <img src=x onerror=alert(1)>"))
    body = viewer.get("/manual").get_data(as_text=True)
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_the_list_needs_a_district_login(client):
    response = client.get("/manual")
    assert response.status_code == 302
