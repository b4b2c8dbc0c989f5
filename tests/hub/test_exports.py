"""The district's reports: the dashboard and the exceptions as a CSV a spreadsheet opens safely
and a PDF a person prints (US Letter landscape, long names wrapped, rows continued on the next
page)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PIL import Image

from kiosk.sync.hub.services import exports
from tests.factories import ALICE_TRAUMA, BALANCE, TRAUMA
from tests.hub.conftest import LOGINS, PAGE_JACKSON, SHEPHERDSTOWN
from tests.hub.helpers import csv_rows, pdf_pages, pdf_text

TODAY = re.compile(r"\d{4}-\d\d-\d\d")


@pytest.fixture
def reported(district):  # type: ignore[no-untyped-def]
    district.allocate(PAGE_JACKSON, TRAUMA, 12)
    district.transfer(PAGE_JACKSON, SHEPHERDSTOWN, TRAUMA, 2)
    kiosk = district.kiosk(PAGE_JACKSON)
    kiosk.send(kiosk.hand_out(ALICE_TRAUMA, "E1", TRAUMA), kiosk.hand_out(ALICE_TRAUMA, "E1",
                                                                          TRAUMA),
               kiosk.counted(TRAUMA, 7, 8))
    kiosk.send(kiosk.hand_out("urn:uuid:nobody-knows", "E7", BALANCE))  # below zero, unknown
    return kiosk


def _download(client, url: str, mimetype: str, stem: str):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(rf'attachment; filename="{stem}-\d{{4}}-\d\d-\d\d\.\w+"', disposition)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return response


def test_the_dashboard_as_csv(reported, viewer):
    rows = csv_rows(_download(viewer, "/export/dashboard.csv", "text/csv", "pins-by-building"))
    assert len(rows) == 2 * 4  # two buildings, four pins
    north = next(r for r in rows if r["building"] == PAGE_JACKSON and r["credential"] == TRAUMA)
    assert {k: north[k] for k in ("pin", "allocated", "moved", "received", "handed_out",
                                  "voided", "count_corrections", "expected_on_hand",
                                  "last_count", "variance", "waitlist", "needs_a_look")} == {
        "pin": "Trauma pin", "allocated": "12", "moved": "-2", "received": "0",
        "handed_out": "2", "voided": "0", "count_corrections": "-1", "expected_on_hand": "7",
        "last_count": "7", "variance": "-1", "waitlist": "0", "needs_a_look": "yes"}
    assert TODAY.fullmatch(north["last_count_on"])
    below = next(r for r in rows if r["building"] == PAGE_JACKSON and r["credential"] == BALANCE)
    assert below["expected_on_hand"] == "-1"  # a number stays a number, minus sign and all
    south = next(r for r in rows if r["building"] == SHEPHERDSTOWN and r["credential"] == TRAUMA)
    assert (south["moved"], south["expected_on_hand"], south["needs_a_look"]) == ("2", "2", "")


def test_the_exceptions_as_csv_with_their_resolutions(reported, admin, district):
    first = district.open_exceptions()[-1][0]
    admin.post(f"/exceptions/{first}/resolve", data={"note": "Second pin returned"})
    admin.get("/")  # the sweep finds the stock below zero
    rows = csv_rows(_download(admin, "/export/exceptions.csv", "text/csv", "exceptions"))
    assert [r["kind_code"] for r in rows] == ["stock_below_zero", "unknown_award", "duplicate"]
    assert [r["status"] for r in rows] == ["open", "open", "resolved"]
    done = rows[-1]
    assert done["kind"] == "Same pin given twice"
    assert done["building"] == PAGE_JACKSON and done["kiosk"] == "Front office"
    assert done["resolved_by"] == LOGINS["admin"][0]
    assert done["resolution"] == "Second pin returned"
    assert TODAY.match(done["resolved_at"]) and TODAY.match(done["opened_at"])
    # who and what it is about, to act on it from the spreadsheet
    assert (done["person"], done["employee_id"]) == ("Alice Able", "E1")
    assert done["buildings"] == PAGE_JACKSON and done["kiosks"] == f"Front office ({PAGE_JACKSON})"
    assert len(done["receipts"].split("; ")) == 2


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(district, admin):
    hostile = ['=HYPERLINK("http://evil.example/","Click")', "+1+1", "-2+3", "@SUM(A1)",
               "\uff1d1+1"]
    for name in hostile:
        district.building(name)
    rows = csv_rows(admin.get("/export/dashboard.csv"))
    names = {r["building"] for r in rows}
    assert {"'" + n for n in hostile} <= names
    assert not any(n[:1] in "=+-@" for n in names)
    # and numbers are left alone
    assert all(re.fullmatch(r"-?\d+", r["expected_on_hand"]) for r in rows)
    assert exports.csv_cell(-3) == -3 and exports.csv_cell("-3") == "'-3"


def test_the_dashboard_as_pdf(reported, viewer, hub, tmp_path):
    response = _download(viewer, "/export/dashboard.pdf", "application/pdf", "pins-by-building")
    data = response.get_data()
    assert data.startswith(b"%PDF-")
    text = " ".join(pdf_text(data, tmp_path).split())  # a long name may wrap
    assert "Reconciliation dashboard" in text
    assert "Jefferson County Schools" in text
    with hub.app_context():
        today = exports.today()
    assert f"printed {today:%B} {today.day}, {today.year}" in text
    for words in (PAGE_JACKSON, SHEPHERDSTOWN, "Trauma pin", "Kiosks", "Front office",
                  "Open exceptions", "Pin given against an unknown award", "Stock below zero"):
        assert words in text, words
    assert re.search(r"Page 1 of \d", text)
    layout = pdf_text(data, tmp_path, layout=True)
    north = next(line for line in layout.splitlines()
                 if line.startswith(PAGE_JACKSON) and "Trauma pin" in line)
    assert north.split("Trauma pin")[1].split()[:8] == ["12", "-2", "0", "2", "0", "0", "-1", "7"]


def test_a_long_report_wraps_names_and_continues_on_the_next_pages(hub, district, admin,
                                                                   tmp_path):
    long_name = ("The Very Long Named Consolidated Elementary and Intermediate School of the "
                 "Upper Shenandoah Valley Number")
    for i in range(12):
        district.building(f"{long_name} {i}")
    data = admin.get("/export/dashboard.pdf").get_data()
    pages = pdf_pages(data, tmp_path)
    assert len(pages) >= 3
    with Image.open(pages[0]) as first:
        assert first.width > first.height  # landscape
        assert (first.width, first.height) == (660, 510)  # 11 x 8.5 inches at 60 dpi
    text = pdf_text(data, tmp_path)
    assert f"Page 1 of {len(pages)}" in text and f"Page {len(pages)} of {len(pages)}" in text
    tables = [p for p in text.split("\f") if "Pins by building" in p]
    assert len(tables) >= 2 and text.count("Pins by building (continued)") == len(tables) - 1
    assert all("Expected" in p for p in tables)  # the header again on every page of it
    assert "Stock against owed, by building" in text  # the charts after the tables
    # the long names are wrapped, not cut: every word of every building is there
    words = " ".join(text.split())
    for i in range(12):
        assert f"Upper Shenandoah Valley Number {i}" in words


def test_the_exceptions_as_pdf_with_a_long_note(reported, admin, district, tmp_path):
    note = "Called the principal. " + " ".join(f"step{i}" for i in range(250)) + " The end."
    assert len(note) < 2000  # what the form takes
    first = district.open_exceptions()[-1][0]
    admin.post(f"/exceptions/{first}/resolve", data={"note": note})
    data = _download(admin, "/export/exceptions.pdf", "application/pdf", "exceptions") \
        .get_data()
    text = pdf_text(data, tmp_path)
    assert "Reconciliation exceptions" in text and "Jefferson County Schools" in text
    assert "Exceptions (continued)" in text  # the note runs on to the next page
    words = text.split()
    assert "step0" in words and "step249" in words and "end." in words
    assert len(pdf_pages(data, tmp_path)) >= 2
    flat = " ".join(words)
    assert "Receipts: R-" in flat  # the receipts the exception is about, to find them


def test_empty_reports_say_so(hub, admin, tmp_path):
    text = pdf_text(admin.get("/export/dashboard.pdf").get_data(), tmp_path)
    assert "No buildings yet." in text and "No kiosk has enrolled yet." in text
    text = pdf_text(admin.get("/export/exceptions.pdf").get_data(), tmp_path)
    assert "The hub has found nothing yet." in text
    assert csv_rows(admin.get("/export/exceptions.csv")) == []


def test_the_pdf_says_the_date_it_was_printed(hub, tmp_path):
    with hub.app_context():
        data = exports.dashboard_pdf(printed_on=date(2025, 3, 7))
    assert "printed March 7, 2025" in pdf_text(data, tmp_path)
