"""District stock on the hub: allocate pins to a building and move pins between buildings; a
refusal says why and keeps what was typed."""

from __future__ import annotations

from tests.factories import BALANCE, COMMUNICATION, TRAUMA
from tests.hub.conftest import LOGINS, PAGE_JACKSON, SHEPHERDSTOWN
from tests.hub.helpers import html, page, row_counts


def _ledger(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[td.text for td in tr.find_all("td")][1:]
            for tr in page(response).one(id="ledger").find_all("tr", data_kind=True)]


def _form(response, form_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What the form shows: each field's value (a select's chosen option)."""
    form = page(response).one("form", id=form_id)
    values = {el.get("name"): el.get("value") or "" for el in form.find_all("input")
              if el.get("type") != "hidden"}
    for select in form.find_all("select"):
        chosen = select.find("option", selected=True)
        values[select.get("name")] = chosen.get("value") if chosen else ""
    return values


def test_an_admin_allocates_pins(district, admin):
    north = str(district.building_id(PAGE_JACKSON))
    response = admin.post("/stock/allocate", data={
        "building": north, "credential": TRAUMA, "qty": "25", "note": "Order 1182"})
    assert response.status_code == 200
    assert "Allocated 25 pins." in page(response).one(role="status").text
    assert _ledger(response) == [[PAGE_JACKSON, "Trauma pin", "allocated by the district",
                                  "+25", LOGINS["admin"][0], "Order 1182"]]
    assert district.rows()[(PAGE_JACKSON, TRAUMA)].expected == 25


def test_an_admin_moves_pins_between_buildings(district, admin):
    district.allocate(PAGE_JACKSON, BALANCE, 10)
    north, south = (str(district.building_id(b)) for b in (PAGE_JACKSON, SHEPHERDSTOWN))
    response = admin.hx_post("/stock/move", data={
        "from": north, "to": south, "credential": BALANCE, "qty": "3", "note": "Van run"})
    assert response.status_code == 200 and "<html" not in html(response)
    assert "Moved 3 pins." in page(response).one(role="status").text
    ledger = _ledger(response)
    assert ledger[:2] == [
        [SHEPHERDSTOWN, "Balance pin", "moved in", "+3", LOGINS["admin"][0],
         f"From {PAGE_JACKSON}. Van run"],
        [PAGE_JACKSON, "Balance pin", "moved out", "-3", LOGINS["admin"][0],
         f"To {SHEPHERDSTOWN}. Van run"]]
    rows = district.rows()
    assert rows[(PAGE_JACKSON, BALANCE)].expected == 7
    assert rows[(SHEPHERDSTOWN, BALANCE)].expected == 3


def test_moving_more_than_a_building_should_have_is_refused_and_kept(district, admin, hub):
    district.allocate(PAGE_JACKSON, TRAUMA, 5)
    north, south = (str(district.building_id(b)) for b in (PAGE_JACKSON, SHEPHERDSTOWN))
    typed = {"from": north, "to": south, "credential": TRAUMA, "qty": "8",
             "note": "For the spring session"}
    before = row_counts(hub)
    for post in (admin.post, admin.hx_post):
        response = post("/stock/move", data=typed)
        assert response.status_code == 400
        assert page(response).one("form", id="move").one(role="alert").text == (
            f"{PAGE_JACKSON} should have only 5 Trauma pins; it cannot send 8.")
        assert _form(response, "move") == typed
        # the other form is left empty
        assert _form(response, "allocate")["qty"] == ""
    assert response.headers["HX-Retarget"] == "#stock-panel"
    assert row_counts(hub) == before


def test_other_refusals_say_what_to_fix(district, admin):
    north = str(district.building_id(PAGE_JACKSON))
    cases = [
        ({"building": north, "credential": TRAUMA, "qty": "lots"},
         "The quantity is a whole number above zero."),
        ({"building": north, "credential": TRAUMA, "qty": "0"},
         "The quantity is between 1 and 100,000."),
        ({"building": "", "credential": TRAUMA, "qty": "4"}, "There is no such building."),
        ({"building": north, "credential": COMMUNICATION, "qty": "4"},
         f"{COMMUNICATION} has no pin."),
        ({"building": north, "credential": "Basket Weaving", "qty": "4"},
         "There is no credential named 'Basket Weaving' in the catalogue."),
    ]
    for data, message in cases:
        response = admin.post("/stock/allocate", data=data)
        assert response.status_code in (400, 404), data
        assert page(response).one("form", id="allocate").one(role="alert").text == message
        assert _form(response, "allocate")["qty"] == data["qty"]
    same = admin.post("/stock/move", data={"from": north, "to": north, "credential": TRAUMA,
                                           "qty": "1"})
    assert page(same).one(role="alert").text == "Choose two different buildings."


def test_the_forms_offer_only_pins(district, admin):
    options = [o.text for o in page(admin.get("/stock")).one("select", id="allocate-pin")
               .find_all("option")]
    assert options == ["Choose a pin", "Trauma pin", "Balance pin",
                       "Responding to Cultural Differences in Schools pin",
                       "Understanding Students Facing Challenges pin"]


def test_a_new_hub_says_what_stock_needs_first(hub, admin):
    text = page(admin.get("/stock")).one(id="stock-panel").text
    assert "Add a building first" in text and "Import the pin catalogue first" in text
    assert "has not allocated or moved any pins yet" in text
