"""The stock ledger (issue 13): each pin's ledger page (its movements in words, a page at a
time, and the reconciliation for a period), adjustments with a reason on the Stock page, each
pin's low-stock threshold, and the low-stock banner on every page."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event, select

from kiosk.extensions import db
from kiosk.models import OutboxEvent
from kiosk.services.lookups import credential_named
from kiosk.services.stock import receive_stock
from tests import factories
from tests.conftest import KioskClient
from tests.web.helpers import (
    add_login,
    hand_out,
    html,
    is_full_page,
    movement_count,
    page,
    pins_on_hand,
    stock_counts,
    user_id,
)

TRAUMA, CHALLENGES = factories.TRAUMA, factories.CHALLENGES
HOSTILE_NOTE = '<script>alert("x")</script> =HYPERLINK("http://evil.example","click")'


def _pin_id(app: Flask, credential: str = TRAUMA) -> int:
    with app.app_context():
        found = credential_named(credential).id
        db.session.remove()
    return found


def _ledger_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = page(response).one("table", id="movements")
    return [[td.text for td in tr.find_all("td")]
            for tr in table.one("tbody").find_all("tr") if tr.get("data-movement")]


def _events(app: Flask, kind: str) -> list[dict]:  # type: ignore[type-arg]
    with app.app_context():
        found = [json.loads(e.payload) for e in db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.kind == kind).order_by(OutboxEvent.seq))]
        db.session.remove()
    return found


def _adjust(client: KioskClient, hx: bool = True, **form: str):  # type: ignore[no-untyped-def]
    data = {"credential": TRAUMA, "reason": "damaged", "qty": "2", "note": "", **form}
    return (client.hx_post if hx else client.post)("/stock/adjust", data=data)


# --- the Stock page ---------------------------------------------------------------------------


def test_the_stock_page_links_each_pin_to_its_ledger(app, office):
    doc = page(office.get("/stock"))
    links = {a.text: a.get("href") for a in doc.one("table", id="on-hand").find_all("a")}
    assert links["Trauma pin"] == f"/stock/{_pin_id(app)}"
    assert len(links) == 4
    # and the reconciliation of every pin for this month so far
    table = doc.one("table", id="reconciliation")
    assert [th.text for th in table.one("thead").find_all("th")][1:] == [
        "Trauma pin", "Balance pin", "Responding to Cultural Differences in Schools pin",
        "Understanding Students Facing Challenges pin"]
    closing = table.one("tr", data_heading="closing")
    assert [td.text for td in closing.find_all("td")] == ["10", "5", "3", "0"]
    assert doc.one("p", class_="identity").get("data-holds") == "yes"


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_office_records_an_adjustment_and_the_message_is_at_its_form(app, office, hx):
    response = _adjust(office, hx, note="dropped in the hall")
    assert response.status_code == 200, html(response)
    assert is_full_page(response) is not hx
    doc = page(response)
    message = doc.one("form", id="adjust-form").one("p", role="status")
    assert message.text == ("Adjusted. Trauma pin: 8 on hand now; the district gets the "
                            "adjustment.")
    assert stock_counts(doc)[TRAUMA] == 8
    first = doc.one("table", id="movements").one("tbody").find("tr")
    assert [td.text for td in first.find_all("td")][1:] == [
        "Trauma pin", "Adjustment: Damaged", "-2", "Olive Office", "dropped in the hall"]
    assert pins_on_hand(app, TRAUMA) == 8
    [sent] = _events(app, "stock_adjusted")
    assert {k: sent[k] for k in ("credential", "qty", "reason", "note")} == {
        "credential": TRAUMA, "qty": -2, "reason": "damaged", "note": "dropped in the hall"}
    assert sent["at"]


def test_found_pins_go_back_on_the_shelf_and_other_carries_its_own_sign(app, office):
    assert _adjust(office, reason="found", qty="3").status_code == 200
    assert _adjust(office, reason="other", qty="-1", note="given to the superintendent"
                   ).status_code == 200
    assert pins_on_hand(app, TRAUMA) == 12
    assert [e["qty"] for e in _events(app, "stock_adjusted")] == [3, -1]


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"credential": CHALLENGES, "reason": "lost", "qty": "1"}, "qty", "Only 0"),
    ({"qty": "11", "reason": "lost"}, "qty", "cannot take away 11"),
    ({"reason": "stolen"}, "reason", "Choose why"),
    ({"reason": "other", "qty": "-2"}, "note", "Say why in the note"),
    ({"qty": "0"}, "qty", "above zero"),
    ({"qty": "abc"}, "qty", "above zero"),
    ({"credential": factories.COMMUNICATION}, "credential", "has no pin"),
])
def test_a_refused_adjustment_says_why_at_its_field_and_records_nothing(app, office, form,
                                                                        field, words):
    before = movement_count(app)
    response = _adjust(office, **form)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#stock-panel"
    adjust = page(response).one("form", id="adjust-form")
    assert words in adjust.one("p", role="alert").text
    assert adjust.one(name=field).get("aria-invalid") == "true"
    assert movement_count(app) == before
    assert _events(app, "stock_adjusted") == []


def test_the_count_message_is_at_the_count_form(app, office):
    response = office.hx_post("/stock/count", data={"credential": TRAUMA, "counted": "7"})
    doc = page(response)
    assert "Counted. Trauma pin: 7 on hand now" in doc.one(
        "form", id="count-form").one("p", role="status").text
    assert doc.one("form", id="adjust-form").find("p", role="status") is None


def test_a_designee_may_not_adjust_nor_see_a_ledger(app, designee):
    before = movement_count(app)
    assert _adjust(designee).status_code == 403
    assert designee.get(f"/stock/{_pin_id(app)}").status_code == 403
    assert designee.hx_post(f"/stock/{_pin_id(app)}/low-at",
                            data={"low_at": "9"}).status_code == 403
    assert movement_count(app) == before


def test_an_adjustment_without_the_csrf_token_records_nothing(app, office):
    before = movement_count(app)
    response = office.post("/stock/adjust", csrf=False, data={
        "credential": TRAUMA, "reason": "damaged", "qty": "2"})
    assert response.status_code == 400
    assert "nothing was recorded" in page(response).one(role="alert").text
    assert movement_count(app) == before
    assert pins_on_hand(app, TRAUMA) == 10


# --- a pin's ledger ---------------------------------------------------------------------------


def test_a_pins_ledger_says_each_movement_in_words_newest_first(app, office, designee):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    receipt = page(done).one(class_="receipt-no").text
    office.hx_post(f"/log/{_last_hand_out(app)}/void", data={"reason": "wrong person"})
    _adjust(office, reason="found", qty="1", note="behind the desk")
    office.hx_post("/stock/count", data={"credential": TRAUMA, "counted": "9"})
    response = office.get(f"/stock/{_pin_id(app)}")
    assert response.status_code == 200
    doc = page(response)
    assert doc.one("h1").text == "Trauma pin: ledger"
    assert "11 on hand now" not in doc.one(id="on-hand-now").text
    assert "9" == doc.one(id="on-hand-now").one("strong").text
    rows = [row[1:4] for row in _ledger_rows(response)]
    assert rows == [
        ["Count correction", "-2", "Olive Office"],
        ["Adjustment: Found", "+1", "Olive Office"],
        [f"Void (receipt {receipt})", "+1", "Olive Office"],
        [f"Handed out (receipt {receipt})", "-1", "Dee Designee"],
        ["Shipment received", "+10", "Ada Admin"],
    ]
    assert _ledger_rows(response)[1][4] == "behind the desk"
    recon = doc.one("table", id="reconciliation")
    values = {tr.get("data-heading"): tr.one("td").text
              for tr in recon.one("tbody").find_all("tr")}
    assert values == {"opening": "0", "received": "10", "transfers_in": "0",
                      "transfers_out": "0", "handed_out": "1", "voided": "1",
                      "adjustments": "+1", "count_corrections": "-2", "closing": "9"}
    assert "The sums add up" in doc.one("p", class_="identity").text


def _last_hand_out(app: Flask) -> str:
    from kiosk.models import Distribution

    with app.app_context():
        found = db.session.scalar(select(Distribution.id).order_by(
            Distribution.receipt_no.desc()).limit(1))
        db.session.remove()
    return str(found)


@pytest.fixture
def statements(app: Flask) -> Iterator[list[tuple[str, object]]]:
    """Every SQL statement the app runs while the test reads pages, with its parameters."""
    seen: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_the_ledger_pages_by_keyset_50_at_a_time(app, office, statements):
    with app.app_context():
        admin = factories.staff_id("admin")
        for n in range(119):
            receive_stock(TRAUMA, 1, admin, note=f"box {n}")
        db.session.remove()
    statements.clear()
    first = office.get(f"/stock/{_pin_id(app)}")
    notes = [row[4] for row in _ledger_rows(first)]
    assert notes[:2] == ["box 118", "box 117"] and len(notes) == 50
    seen = list(notes)
    link = page(first).one("a", rel="next").get("href")
    while link:
        response = office.get(link)
        notes = [row[4] for row in _ledger_rows(response)]
        assert not set(notes) & set(seen)
        seen += notes
        older = page(response).find("a", rel="next")
        link = older.get("href") if older else None
        assert page(response).one("p", class_="pages").find("a").text == "Newest"
    assert len(seen) == 120 and seen[-1] == "first shipment"
    assert seen == [f"box {n}" for n in range(118, -1, -1)] + ["first shipment"]
    # SQLAlchemy writes "LIMIT ? OFFSET ?" for SQLite: the ledger's pages skip nothing
    pages = [(s, p) for s, p in statements if "FROM stock_movement" in s and "LIMIT" in s]
    assert len(pages) == 3
    assert all(p[-1] == 0 for _, p in pages), pages  # type: ignore[index]
    assert all("stock_movement.at <" in s for s, _ in pages[1:])


def test_the_reconciliation_for_a_period_the_person_picks(app, office):
    url = f"/stock/{_pin_id(app)}"
    doc = page(office.get(url, query_string={"from": "2020-01-01", "to": "2020-01-31"}))
    assert doc.one("h2", id="reconciliation-heading").text == (
        "Reconciliation, 01 Jan 2020 to 31 Jan 2020")
    closing = doc.one("table", id="reconciliation").one("tr", data_heading="closing")
    assert closing.one("td").text == "0"  # before the first shipment
    assert doc.one("input", name="from").get("value") == "2020-01-01"


@pytest.mark.parametrize(("start", "end", "words"), [
    ("2026-13-01", "", "A date is a day"), ("2026-12-31", "2026-12-01", "ends before it starts"),
])
def test_a_period_that_is_not_one_says_why_at_its_form(app, office, start, end, words):
    response = office.get("/stock", query_string={"from": start, "to": end})
    assert response.status_code == 400
    form = page(response).one("section", class_="reconciliation")
    assert words in form.one("p", role="alert").text
    assert page(response).one("form", id="period-form").one(
        "input", name="from").get("value") == start


def test_hostile_notes_and_names_show_as_text(app, tmp_path):
    add_login(app, "<b>Bo</b> =HYPERLINK(\"x\")", "7777", "office")
    app.test_client_class = KioskClient
    client = app.test_client()
    client.post("/login", data={"name": "<b>Bo</b> =HYPERLINK(\"x\")", "pin": "7777"})
    client.token = None
    assert _adjust(client, note=HOSTILE_NOTE).status_code == 200
    for url in ("/stock", f"/stock/{_pin_id(app)}"):
        text = html(client.get(url))
        assert "<script>alert" not in text and "<b>Bo</b>" not in text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text
        rows = page(client.get(url)).one("table", id="movements").find_all("td")
        assert any(td.text == HOSTILE_NOTE for td in rows)
        assert any(td.text == '<b>Bo</b> =HYPERLINK("x")' for td in rows)


# --- thresholds and the banner ----------------------------------------------------------------


def test_office_sets_a_pins_threshold_and_the_chip_and_banner_follow(app, office):
    url = f"/stock/{_pin_id(app)}/low-at"
    doc = page(office.get("/scan"))
    assert "Trauma pin" not in doc.one(id="low-stock").text  # 10 on hand, low at 5
    response = office.hx_post(url, data={"low_at": "12"})
    assert response.status_code == 200
    doc = page(response)
    assert doc.one("form", id="low-at-form").one("p", role="status").text == (
        "Saved. Trauma pin is low at 12 or fewer on hand.")
    assert doc.one(id="low-stock").get("hx-swap-oob") == "true"
    banner = page(office.get("/scan")).one(id="low-stock").text
    assert "Trauma pin, 10 left (low at 12)" in banner
    assert "Understanding Students Facing Challenges pin, none left (low at 5)" in banner
    chip = page(office.get("/scan")).one("span", class_="stock-item", data_credential=TRAUMA)
    assert "low" in chip.get("class")
    assert office.hx_post(url, data={"low_at": "0"}).status_code == 200  # upsert: changed
    chip = page(office.get("/scan")).one("span", class_="stock-item", data_credential=TRAUMA)
    assert "low" not in chip.get("class")


@pytest.mark.parametrize("typed", ["-1", "100001", "abc", "", "2.5"])
def test_a_threshold_out_of_range_is_refused(app, admin, typed):
    response = admin.hx_post(f"/stock/{_pin_id(app)}/low-at", data={"low_at": typed})
    assert response.status_code == 400
    form = page(response).one("form", id="low-at-form")
    assert "threshold" in form.one("p", role="alert").text
    assert form.one("input", name="low_at").get("aria-invalid") == "true"
    from kiosk.models import PinThreshold

    with app.app_context():
        assert db.session.scalars(select(PinThreshold)).all() == []
        db.session.remove()


def test_the_banner_is_on_every_page_and_gone_when_no_pin_is_low(app, designee):
    banner = page(designee.get("/scan")).one(id="low-stock")
    assert banner.text.startswith("⚠ Low stock: Balance pin, 5 left (low at 5); ")
    assert banner.text.endswith("Understanding Students Facing Challenges pin, none left "
                                "(low at 5).")
    assert "Low stock:" in page(designee.get("/log")).one(id="low-stock").text
    with app.app_context():
        admin = user_id(app, "admin")
        for credential in (factories.BALANCE, factories.CULTURE, CHALLENGES):
            receive_stock(credential, 10, admin)
        db.session.remove()
    banner = page(designee.get("/scan")).one(id="low-stock")
    assert banner.text == "" and "hidden" in banner.attrs
