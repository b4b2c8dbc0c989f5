"""Names are data, never markup: a building, kiosk, login or person named like a script shows as
those characters on every page, in the PDFs and in the CSVs."""

from __future__ import annotations

import io

import pytest

from tests import factories
from tests.factories import TRAUMA
from tests.hub.conftest import HubClient
from tests.hub.helpers import csv_rows, html, page, pdf_text

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(2)>'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PIN = "97531"
HOSTILE_AWARD = "urn:uuid:0badbad0-0000-4000-8000-000000000066"
PAGES = ["/", "/exceptions?status=all", "/buildings", "/stock", "/bundles", "/badge-data",
         "/logins"]


@pytest.fixture
def hostile(hub, district, admin, tmp_path):  # type: ignore[no-untyped-def]
    """Every name a person types or a file brings, made hostile, through the pages."""
    assert admin.post("/buildings", data={"name": SCRIPT}).status_code == 200
    assert admin.post("/logins", data={"name": SCRIPT, "pin": PIN,
                                       "role": "district_admin"}).status_code == 200
    roster = factories.write_csv(tmp_path / "hostile.csv", factories.ROSTER_HEADER, [
        ["E66", SCRIPT, "x@example.org", SCRIPT, TRAUMA, "2024-01-01", HOSTILE_AWARD, "",
         "true", ATTRIBUTE]])
    response = admin.post("/badge-data", data={"files": (io.BytesIO(roster.read_bytes()),
                                                         "roster.csv")},
                          content_type="multipart/form-data")
    assert "1 added" in html(response)
    kiosk = district.kiosk(SCRIPT, name=ATTRIBUTE)
    hub.test_client_class = HubClient
    them = hub.test_client()
    assert them.post("/login", data={"name": SCRIPT, "pin": PIN}).status_code == 302
    them.token = None  # a new session, a new CSRF token
    building = district.building_id(SCRIPT)
    assert them.post("/stock/allocate", data={"building": str(building), "credential": TRAUMA,
                                              "qty": "3", "note": SCRIPT}).status_code == 200
    upload = them.post("/bundles", data={"bundle": (io.BytesIO(kiosk.bundle(
        kiosk.hand_out(HOSTILE_AWARD, "E66", TRAUMA, staff=SCRIPT))), "b.json")},
        content_type="multipart/form-data")
    assert upload.status_code == 200, html(upload)
    revoked = next(i for i, kind, _ in district.open_exceptions() if kind == "revoked_award")
    assert them.post(f"/exceptions/{revoked}/resolve", data={"note": SCRIPT}).status_code == 200
    return them


def test_every_page_shows_the_names_as_text(hostile, admin, viewer):
    seen = 0
    for client in (admin, viewer, hostile):
        for url in PAGES:
            response = client.get(url)
            fragment = client.get(url, headers={"HX-Request": "true"})
            for r in (response, fragment):
                body = html(r)
                assert SCRIPT not in body and ATTRIBUTE not in body, url
                assert "<img" not in body, url
                seen += body.count(ESCAPED)
    assert seen > 20
    # where a person reads it, it reads as typed
    doc = page(admin.get("/exceptions?status=all"))
    assert SCRIPT in doc.one(id="exceptions").text  # the summary, who resolved, the note
    assert f"resolved by {SCRIPT}" in doc.text
    assert SCRIPT in page(admin.get("/")).one(id="pins").text
    revoke = page(admin.get("/buildings")).find("form", hx_confirm=True)
    assert ATTRIBUTE in (revoke.get("hx-confirm") or "")  # one attribute, whole


def test_the_pdfs_print_the_names_as_written(hostile, admin, tmp_path):
    dashboard = pdf_text(admin.get("/export/dashboard.pdf").get_data(), tmp_path)
    assert SCRIPT in dashboard
    assert ATTRIBUTE.replace(" ", "") in "".join(dashboard.split())  # the kiosk's name
    found = "".join(pdf_text(admin.get("/export/exceptions.pdf").get_data(), tmp_path).split())
    assert found.count(SCRIPT) >= 4  # building, summary, who resolved it, the note
    assert "&lt;" not in dashboard + found


def test_the_csvs_hold_the_names_as_written(hostile, admin):
    rows = csv_rows(admin.get("/export/dashboard.csv"))
    assert SCRIPT in {r["building"] for r in rows}
    exceptions = csv_rows(admin.get("/export/exceptions.csv"))
    resolved = next(r for r in exceptions if r["status"] == "resolved")
    assert (resolved["building"], resolved["resolved_by"], resolved["resolution"]) == (
        SCRIPT, SCRIPT, SCRIPT)
    assert resolved["kiosk"] == ATTRIBUTE
    assert SCRIPT in resolved["summary"]
    for url in ("/export/dashboard.csv", "/export/exceptions.csv"):
        response = admin.get(url)
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
