"""The hand-out log page and its CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from tests import factories
from tests.web.helpers import add_award, add_login, hand_out, is_full_page, page, receipt_no


def _csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_office_downloads_the_log_as_csv(designee, office):
    receipts = [receipt_no(hand_out(designee, factories.ALICE_TRAUMA)),
                receipt_no(hand_out(designee, factories.ALICE_BALANCE))]
    response = office.get("/log.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".csv" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["receipt", "handed_out_at", "person"]
    assert "void_reason" in header
    assert [r[0] for r in body] == receipts
    record = dict(zip(header, body[0], strict=True))
    assert record["person"] == "Alice Able"
    assert record["credential"] == factories.TRAUMA
    assert record["staff"] == "Dee Designee"
    assert record["building"] == factories.BUILDING


def test_an_empty_log_is_just_the_header(office):
    rows = _csv_rows(office.get("/log.csv"))
    assert len(rows) == 1
    assert rows[0][0] == "receipt"


def test_the_csv_shows_voids(designee, office):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    form_action = [f.get("action") for f in page(done).find_all("form")
                   if (f.get("action") or "").endswith("/void")][0]
    office.hx_post(form_action, data={"reason": "wrong person"})
    header, row = _csv_rows(office.get("/log.csv"))
    record = dict(zip(header, row, strict=True))
    assert record["void_reason"] == "wrong person"
    assert record["voided_by"] == "Olive Office"


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1:A9)"])
def test_a_formula_in_a_name_is_defused_in_the_csv(app, tmp_path, designee, office, name):
    award = "urn:uuid:88888888-8888-4888-8888-888888888888"
    add_award(app, tmp_path, name, award, factories.TRAUMA)
    hand_out(designee, award)
    header, row = _csv_rows(office.get("/log.csv"))
    cell = dict(zip(header, row, strict=True))["person"]
    assert cell == "'" + name  # a spreadsheet shows it as text, never runs it
    assert not cell.startswith(("=", "+", "-", "@"))


def test_a_designee_sees_only_their_own_hand_outs(app, designee, office):
    add_login(app, "Dan Deputy", "4444", "designee")
    dan = app.test_client()
    assert dan.post("/login", data={"name": "Dan Deputy", "pin": "4444"}).status_code == 302
    dan.token = None
    mine = receipt_no(hand_out(designee, factories.ALICE_TRAUMA))
    theirs = receipt_no(hand_out(dan, factories.ALICE_BALANCE))

    own_log = page(designee.get("/log"))
    assert own_log.one("h1").text == "My hand-outs"
    assert mine in own_log.text
    assert theirs not in own_log.text
    assert own_log.find("a", href="/log.csv") is None

    office_log = page(office.get("/log"))
    assert office_log.one("h1").text == "Hand-outs at this building"
    assert mine in office_log.text and theirs in office_log.text
    assert office_log.find("a", href="/log.csv") is not None


def test_the_log_page_works_as_a_page_and_a_fragment(designee):
    hand_out(designee, factories.ALICE_TRAUMA)
    plain = designee.get("/log")
    fragment = designee.get("/log", headers={"HX-Request": "true"})
    assert is_full_page(plain) and not is_full_page(fragment)
    for response in (plain, fragment):
        row = page(response).one("table").one("tbody").one("tr")
        assert "Alice Able" in row.text
        assert "Trauma pin" in row.text


def test_an_empty_log_says_so(designee):
    assert "No hand-outs yet." in page(designee.get("/log")).text
