"""Hostile text at the district hub (issue 11): building, kiosk, login and district names, the
roster and catalogue, allocation and transfer notes, resolution notes, and what kiosks report
(staff names, manual reasons, void reasons, stock notes), made of markup, a template, a
formula and control characters. Pages and fragments show them as text, the CSVs hold them as
written and run no formula, the PDFs print them as written, and a control character is never
kept. The kiosk's side is tests/integration/test_hostile_text.py."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from sqlalchemy import select

from tests import factories
from tests.hostile import (
    ATTRIBUTE,
    FORMULA,
    LINK,
    MARKUP,
    SCRIPT,
    TEMPLATE,
    csv_records,
    defused,
    inert,
    pdf_text,
)
from tests.hub.conftest import HX, HubClient
from tests.hub.helpers import html, page

DISTRICT = f"{TEMPLATE} District {SCRIPT}"
BUILDING = f"=Bldg {ATTRIBUTE}"
KIOSK = f"+Desk {SCRIPT} {LINK}"
LOGIN = f"@Dist {SCRIPT}"
PERSON = f"-Mal {MARKUP} {TEMPLATE}"
EMPLOYEE = f"=E{ATTRIBUTE}"
CREDENTIAL = f"Trust {MARKUP}"
PIN = f"+Pin {SCRIPT}"
REVOKED_WHY = f"@{ATTRIBUTE}"
ALLOCATE_NOTE = f"-alloc {SCRIPT}"
MOVE_NOTE = f"move {ATTRIBUTE}"
RESOLVED = f"\uff20done {MARKUP} {SCRIPT}"  # a full-width @
STAFF = f"=Staff {SCRIPT}"
MANUAL = f"Other: {ATTRIBUTE} {LINK}"
VOID_WHY = f"-void {MARKUP}"
AWARD, REVOKED = ("urn:uuid:0badbad0-0000-4000-8000-000000000011",
                  "urn:uuid:0badbad0-0000-4000-8000-000000000012")
SHOWN = (DISTRICT, BUILDING, KIOSK, LOGIN, EMPLOYEE, CREDENTIAL, PIN, ALLOCATE_NOTE, MOVE_NOTE,
         RESOLVED, STAFF, MANUAL)
PAGES = ["/", "/exceptions?status=all", "/buildings", "/stock", "/bundles", "/badge-data",
         "/logins", "/manual", f"/exceptions?status={quote(SCRIPT)}"]


def _upload(client: HubClient, name: str, header: list[str], rows: list[list[str]]):  # type: ignore[no-untyped-def]
    data = io.StringIO()
    import csv

    csv.writer(data).writerows([header, *rows])
    return client.post("/badge-data", headers=HX, content_type="multipart/form-data",
                       data={"files": (io.BytesIO(data.getvalue().encode()), name)})


@pytest.fixture
def hostile(hub, district, admin) -> HubClient:  # type: ignore[no-untyped-def]
    """Every text made hostile, through the pages and the kiosks' events. Returns a browser
    logged in as the hostile login, with the fragments its actions got back."""
    hub.config["DISTRICT_NAME"] = DISTRICT
    fragments = [admin.hx_post("/buildings", data={"name": BUILDING}),
                 admin.hx_post("/logins", data={"name": LOGIN, "pin": "97531",
                                                "role": "district_admin"}),
                 _upload(admin, "catalogue.csv", ["credential", "released_on", "has_pin",
                                                  "pin_name"],
                         [[CREDENTIAL, "2024-01-01", "true", PIN]])]
    person = [EMPLOYEE, PERSON, "m@example.org", BUILDING]
    fragments.append(_upload(admin, "roster.csv", factories.ROSTER_HEADER, [
        [*person, CREDENTIAL, "2024-02-01", AWARD, "", "false", ""],
        [*person, CREDENTIAL, "2024-02-02", REVOKED, "", "true", REVOKED_WHY]]))
    kiosk = district.kiosk(BUILDING, name=KIOSK)
    hub.test_client_class = HubClient
    me = hub.test_client()
    assert me.post("/login", data={"name": LOGIN, "pin": "97531"}).status_code == 302
    me.token = None
    building, other = district.building_id(BUILDING), district.building_id(factories.BUILDING)
    fragments.append(me.hx_post("/stock/allocate", data={
        "building": str(building), "credential": CREDENTIAL, "qty": "5", "note": ALLOCATE_NOTE}))
    fragments.append(me.hx_post("/stock/move", data={
        "from": str(building), "to": str(other), "credential": CREDENTIAL, "qty": "1",
        "note": MOVE_NOTE}))
    manual = kiosk.hand_out(AWARD, EMPLOYEE, CREDENTIAL, staff=STAFF, manual_reason=MANUAL)
    kiosk.send(manual, kiosk.void(manual, reason=VOID_WHY), kiosk.received(CREDENTIAL, 2),
               kiosk.hand_out(REVOKED, EMPLOYEE, CREDENTIAL, staff=STAFF))
    revoked = next(i for i, kind, _ in district.open_exceptions() if kind == "revoked_award")
    fragments.append(me.hx_post(f"/exceptions/{revoked}/resolve", data={"note": RESOLVED}))
    for response in fragments:
        assert response.status_code == 200, html(response)
    me.fragments = fragments  # type: ignore[attr-defined]
    return me


def test_every_page_and_fragment_shows_the_text_as_text(hostile, viewer):
    shown = " ".join(inert(html(r)).text for r in hostile.fragments)
    for client in (hostile, viewer):
        for url in PAGES if client is hostile else [u for u in PAGES if u != "/logins"]:
            for headers in ({}, HX):
                response = client.get(url, headers=headers)
                assert response.status_code == 200, url
                shown += " " + inert(html(response)).text
    for text in SHOWN:  # as written ({{7*7}} too: never a template)
        assert " ".join(text.split()) in shown, f"{text!r} is not shown anywhere"
    again = hostile.hx_post("/buildings", data={"name": BUILDING})
    assert again.status_code == 400 and BUILDING in inert(html(again)).text  # an error says it
    revoke = page(hostile.get("/buildings")).find("form", hx_confirm=True)
    assert KIOSK in (revoke.get("hx-confirm") or "")  # one attribute, whole


def test_the_csvs_hold_the_text_as_written_and_run_no_formula(hostile):
    dashboard = csv_records(hostile.get("/export/dashboard.csv").get_data())
    row = next(r for r in dashboard if r["building"] == defused(BUILDING)
               and r["credential"] == CREDENTIAL)
    assert (row["pin"], row["credential"], row["allocated"]) == (defused(PIN), CREDENTIAL, "5")
    exceptions = csv_records(hostile.get("/export/exceptions.csv").get_data())
    resolved = next(r for r in exceptions if r["status"] == "resolved")
    assert (resolved["building"], resolved["kiosk"], resolved["resolved_by"],
            resolved["resolution"]) == (defused(BUILDING), defused(KIOSK), defused(LOGIN),
                                        defused(RESOLVED))
    for record in dashboard + exceptions:
        for value in record.values():  # a number may be negative: only text is defused
            assert value[:1] not in FORMULA or value.lstrip("-").isdigit(), record


def test_the_pdfs_print_the_text_as_written(hostile, tmp_path):
    squeezed = "".join(
        pdf_text(hostile.get(f"/export/{name}.pdf").get_data(), tmp_path, f"{name}.pdf")
        for name in ("dashboard", "exceptions")).replace(" ", "")
    # (the full-width @ has no glyph in the PDF's font: the rest of the note is checked)
    for text in (DISTRICT, BUILDING, KIOSK, PIN, LOGIN, RESOLVED[1:]):
        assert text.replace(" ", "") in squeezed, text
    assert "&lt;" not in squeezed and "&amp;amp;" not in squeezed


def test_control_characters_typed_or_reported_are_never_kept(hub, district, admin):
    """A NUL in a note was a server error on PostgreSQL (and kept on SQLite, for every kiosk
    to pull); ESC in a note, a kiosk's name or a kiosk's report reached pages and CSVs."""
    from kiosk.sync.hub.extensions import hub_db
    from kiosk.sync.hub.models import HubChange, HubException, HubHandOut, HubStock, Kiosk

    kiosk = district.kiosk(factories.BUILDING, name="Front\x1b[2J desk\x07")
    building = district.building_id(factories.BUILDING)
    other = district.building_id("Shepherdstown Middle School")
    for url, data in (("/stock/allocate", {"building": str(building), "qty": "4"}),
                      ("/stock/move", {"from": str(building), "to": str(other), "qty": "1"})):
        response = admin.hx_post(url, data={**data, "credential": factories.TRAUMA,
                                            "note": "box\x00 7\x1b[31m red\x9b"})
        assert response.status_code == 200, html(response)
    hand_out = kiosk.hand_out(factories.BOB_REVOKED, "E2", factories.CULTURE,
                              staff="Dee\x1b[8m Designee", manual_reason="torn\x1bE\x01")
    assert kiosk.send(hand_out, kiosk.void(hand_out, reason="oops\x1b[2J"),
                      kiosk.received(factories.TRAUMA, 1, note="slip\x1b]0;x\x07")) == [
        "accepted"] * 3
    found = next(i for i, kind, _ in district.open_exceptions() if kind == "revoked_award")
    assert admin.hx_post(f"/exceptions/{found}/resolve",
                         data={"note": "called\x00 them\x1b[2J"}).status_code == 200
    with hub.app_context():
        kept = [*hub_db.session.scalars(select(HubStock.note)),
                *hub_db.session.scalars(select(Kiosk.name)),
                *hub_db.session.scalars(select(HubException.resolution)),
                *hub_db.session.scalars(select(HubException.summary)),
                *(f"{h.staff} {h.manual_reason} {h.void_reason}"
                  for h in hub_db.session.scalars(select(HubHandOut))),
                *(str(c.data) for c in hub_db.session.scalars(select(HubChange)))]
        hub_db.session.remove()
    assert not [t for t in kept if t and any(c in t for c in "\x00\x1b\x07\x01\x9b")], kept
    assert {"Front[2J desk", "called them[2J"} <= set(kept)
    assert any("box 7[31m red" in t for t in kept)


def test_badge_data_refuses_rows_it_cannot_show_and_says_so_as_text(hub, district, admin):
    """GS and NEL in a name were made a space unseen; the report names the character and the
    row, and shows a hostile value as text."""
    response = _upload(admin, "roster.csv", factories.ROSTER_HEADER, [
        ["E81", "Gus\x1dGray", "g@example.org", "", factories.TRAUMA, "2024-01-01",
         "JCS-81", "", "false", ""],
        ["E82", "Nel\x85Nash", "n@example.org", "", factories.TRAUMA, "2024-01-01",
         "JCS-82", "", "false", ""],
        ["E83", "Dee Date", "d@example.org", "", factories.TRAUMA, SCRIPT, "JCS-83", "",
         "false", ""],
        ["E84", f"Kept {SCRIPT}", "k@example.org", "", factories.TRAUMA, "2024-01-01",
         "JCS-84", "", "false", ""]])
    assert response.status_code == 200, html(response)
    report = inert(html(response)).one(id="import-report")
    assert [li.text for li in report.one(id="import-errors").find_all("li")] == [
        "roster.csv, line 2: name contains a control character (U+001D GS); correct the row "
        "and import it again",
        "roster.csv, line 3: name contains a control character (U+0085); correct the row and "
        "import it again",
        f"roster.csv, line 4: issued_on '{SCRIPT}' is not a date like 2024-09-27"]
    assert "1 added" in report.text
    from kiosk.sync.hub.extensions import hub_db
    from kiosk.sync.hub.models import HubAward

    with hub.app_context():
        assert hub_db.session.scalars(select(HubAward.person_name).where(
            HubAward.employee_id.in_(["E81", "E82", "E83", "E84"]))).all() == [f"Kept {SCRIPT}"]
        hub_db.session.remove()
