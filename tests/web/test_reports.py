"""The Reports page and its PDFs (issue 13): office staff and administrators make the daily
sheet and the period report from the office pages; designees cannot; a date that is not one,
From after To, or a period over 366 days is a 400 that says why, never a 500."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from kiosk.services.reports import today
from tests.web.helpers import html, page


def pdf_text(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext (Debian package poppler-utils) is needed to read the PDF")
    done = subprocess.run([tool, "-layout", "-", "-"], input=pdf, check=True,
                          capture_output=True, timeout=60)
    return " ".join(done.stdout.decode("utf-8").split())


@pytest.mark.parametrize("role", ["office", "admin"])
def test_office_and_admin_find_the_reports_page_in_the_menu(login_as, app, role):
    client = login_as(role)
    nav = page(client.get("/scan")).one("nav")
    assert [a.get("href") for a in nav.find_all("a") if a.text == "Reports"] == ["/reports"]
    shown = page(client.get("/reports"))
    with app.app_context():
        day = today().isoformat()
    daily = shown.one("form", action="/reports/daily.pdf")
    assert daily.get("method") == "get"
    assert daily.one("input", name="date").get("value") == day
    period = shown.one("form", action="/reports/period.pdf")
    assert period.one("input", name="from").get("value") == day[:8] + "01"
    assert period.one("input", name="to").get("value") == day


def test_a_designee_has_no_reports(designee):
    assert "Reports" not in [a.text for a in page(designee.get("/scan")).one("nav").find_all("a")]
    for url in ("/reports", "/reports/daily.pdf", "/reports/period.pdf?from=2026-01-01&to="
                "2026-01-02"):
        assert designee.get(url).status_code == 403


def test_the_daily_sheet_downloads_as_a_pdf_for_today_by_default(office, app):
    with app.app_context():
        day = today()
    response = office.get("/reports/daily.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f"attachment; filename=daily-sheet-PJE-{day.isoformat()}.pdf"
    text = pdf_text(response.get_data())
    assert text.startswith("Page Jackson Elementary · Daily sheet")
    assert f"Daily sheet: Page Jackson Elementary {day:%A, %B} {day.day}, {day.year}" in text
    assert re.search(r"Page 1 of \d", text)


def test_the_period_report_downloads_for_the_dates_asked(admin):
    response = admin.get("/reports/period.pdf?from=2026-09-01&to=2026-11-30")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        "attachment; filename=period-report-PJE-2026-09-01-to-2026-11-30.pdf"
    text = pdf_text(response.get_data())
    assert "Tuesday, September 1, 2026 to Monday, November 30, 2026" in text
    assert "Signatures" in text


def test_a_single_day_period_is_a_daily_sheet(office):
    response = office.get("/reports/period.pdf?from=2026-03-02&to=2026-03-02")
    assert response.status_code == 200
    assert "daily-sheet-PJE-2026-03-02.pdf" in response.headers["Content-Disposition"]


@pytest.mark.parametrize(("url", "says"), [
    ("/reports/daily.pdf?date=yesterday", "The date must be a day like 2026-12-04 (YYYY-MM-DD), "
                                          "not 'yesterday'."),
    ("/reports/daily.pdf?date=2026-02-30", "not '2026-02-30'"),
    ("/reports/daily.pdf?date=1999-12-31", "not '1999-12-31'"),
    ("/reports/daily.pdf?date=%EF%BC%92026-01-01", "The date must be a day"),
    ("/reports/period.pdf", "The From date must be a day"),
    ("/reports/period.pdf?from=2026-01-01",
     "The To date must be a day like 2026-12-04 (YYYY-MM-DD), not empty."),
    ("/reports/period.pdf?from=2026-01-01&to=2026-13-01", "not '2026-13-01'"),
    ("/reports/period.pdf?from=2026-03-01&to=2026-02-01",
     "The From date (2026-03-01) is after the To date (2026-02-01)."),
    ("/reports/period.pdf?from=2025-01-01&to=2026-01-02",
     "A report covers at most 366 days; 2025-01-01 to 2026-01-02 is 367 days."),
    ("/reports/period.pdf?from=0001-01-01&to=9999-12-31", "The From date must be a day"),
    ("/reports/period.pdf?from=2000-01-01&to=9999-12-31", "at most 366 days"),
    ("/reports/period.pdf?from=" + "9" * 5000 + "&to=2026-01-01", "The From date must be a day"),
])
def test_bad_dates_are_a_400_that_says_why(office, url, says):
    response = office.get(url)
    assert response.status_code == 400, html(response)[:400]
    assert says in page(response).one(role="alert").text


def test_a_leap_year_fits_in_one_report(office):
    response = office.get("/reports/period.pdf?from=2028-01-01&to=2028-12-31")
    assert response.status_code == 200
    assert "Saturday, January 1, 2028 to Sunday, December 31, 2028" in \
        pdf_text(response.get_data())
