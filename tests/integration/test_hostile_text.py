"""Hostile text at the kiosk (issue 11): every text a person or the district's roster sets, and
that shows anywhere later, made of markup, a template, a formula, PDF markup and printer control
bytes. Pages and fragments show it as text, the log CSV holds it as text a spreadsheet does not
run, the PDFs print it as written, and receipts send the printer none of its control bytes.
The hub's side is tests/hub/test_hostile_text.py, receipts rendered from any name
tests/unit/test_receipt_hostile_text.py; the shared strings and checks are in tests/hostile.py."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from kiosk.extensions import db
from kiosk.models import Building, Distribution
from tests import factories
from tests.conftest import KioskClient
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
from tests.unit.escpos_tokens import parse
from tests.web.helpers import HX, hand_out_form, html, reason

# Each field its own text, so that where it shows says which field it came from.
PERSON = f"=Mal {SCRIPT} {TEMPLATE}"
EMPLOYEE = f"+E{ATTRIBUTE}"
EMAIL = f"@m {SCRIPT}"
BUILDING = f'-{ATTRIBUTE} School'
CREDENTIAL = f"Trust {MARKUP}"
PIN = f"{TEMPLATE} pin {SCRIPT}"
EMPTY_PIN = f"Gone pin {ATTRIBUTE}"
REVOKED_WHY = f"=Revoked {SCRIPT}"
LOGIN = f"@Lo {SCRIPT}"
MANUAL_NOTE = f'"Quoted" {ATTRIBUTE} {LINK}'
VOID_WHY = f"\uff1dvoid {SCRIPT} {MARKUP}"  # a full-width =
STOCK_NOTE = f"+slip {ATTRIBUTE}"
PRINTER_NAME = f"{SCRIPT} {TEMPLATE}"
CLI_NOTE = '=1+1\n"two", three\r\nfour'
HOSTILE = (PERSON, EMPLOYEE, EMAIL, BUILDING, CREDENTIAL, PIN, EMPTY_PIN, REVOKED_WHY, LOGIN,
           MANUAL_NOTE, VOID_WHY, STOCK_NOTE)
AWARD, WAITING, REVOKED = (f"urn:uuid:{uuid.UUID(int=n, version=4)}" for n in (1, 2, 3))
PAGES = ["/scan", "/log", "/stock", "/printer", "/sync", "/users", "/settings", "/slips",
         "/lookup?q=mal", f"/lookup?q={quote(SCRIPT + ATTRIBUTE + TEMPLATE)}"]


@pytest.fixture
def desk(app, tmp_path) -> KioskClient:  # type: ignore[no-untyped-def]
    """The district's files bring the hostile names, the kiosk's building has one, and a login
    named like a script hands out (manually, with a hostile note), voids, hands out again,
    waitlists, receives stock and names the printer. Returns that login's browser."""
    from kiosk.services.cache_import import import_files

    catalogue = factories.write_csv(tmp_path / "hostile-catalogue.csv",
                                    ["credential", "released_on", "has_pin", "pin_name"],
                                    [[CREDENTIAL, "2024-01-01", "true", PIN],
                                     ["Empty shelf", "2024-01-02", "true", EMPTY_PIN]])
    person = [EMPLOYEE, PERSON, EMAIL, BUILDING]
    roster = factories.write_csv(tmp_path / "hostile-roster.csv", factories.ROSTER_HEADER, [
        [*person, CREDENTIAL, "2024-02-01", AWARD, "", "false", ""],
        [*person, "Empty shelf", "2024-02-01", WAITING, "", "false", ""],
        [*person, factories.TRAUMA, "2024-02-01", REVOKED, "", "true", REVOKED_WHY]])
    with app.app_context():  # as `kiosk init --building` names it
        db.session.execute(update(Building).where(Building.is_here.is_(True))
                           .values(name=BUILDING))
        db.session.commit()
        report = import_files([catalogue, roster])
        assert not report.errors, report.errors
        db.session.remove()
    app.test_client_class = KioskClient
    admin = app.test_client()
    admin.login("admin")
    assert admin.post("/users", data={"name": LOGIN, "pin": "4444", "role": "admin"}
                      ).status_code == 200
    me = app.test_client()
    assert me.post("/login", data={"name": LOGIN, "pin": "4444"}).status_code == 302
    me.token = None
    fragments = [me.hx_post("/stock/receive", data={"credential": CREDENTIAL, "qty": "3",
                                                    "note": STOCK_NOTE})]
    verdict = me.get("/lookup/award", query_string={"award": AWARD}, headers=HX)
    assert reason(verdict) == "ok", html(verdict)
    form = hand_out_form(verdict)
    fragments.append(me.hx_post("/hand-out", data={
        "payload": form["payload"], "nonce": form["nonce"], "manual": "1",
        "manual_reason": "other", "manual_note": MANUAL_NOTE}))
    with app.app_context():
        first = db.session.scalars(select(Distribution.id)).one()
        db.session.remove()
    fragments.append(me.hx_post(f"/hand-outs/{first}/void", data={"reason": VOID_WHY}))
    fragments.append(me.hx_post("/scan", data={"payload": AWARD}))
    fragments.append(me.hx_post("/hand-out", data=hand_out_form(fragments[-1])))
    fragments.append(me.hx_post("/scan", data={"payload": WAITING}))
    fragments.append(me.hx_post("/waitlist", data={"payload": WAITING}))
    fragments.append(me.hx_post("/scan", data={"payload": REVOKED}))
    fragments.append(me.hx_post("/scan", data={"payload": SCRIPT + ATTRIBUTE}))
    fragments.append(me.hx_post("/settings/printer", data={"PRINTER_WINDOWS_NAME": PRINTER_NAME,
                                                           "PRINTER_HOST": ATTRIBUTE}))
    for response in fragments:
        assert response.status_code == 200, html(response)
    me.fragments = fragments  # type: ignore[attr-defined]
    return me


def test_every_page_and_fragment_shows_the_text_as_text(desk):
    shown = ""
    for response in desk.fragments:
        shown += inert(html(response)).text + " "
    for url in PAGES:
        for headers in ({}, HX):
            response = desk.get(url, headers=headers)
            assert response.status_code == 200, url
            shown += inert(html(response)).text + " "
    for text in HOSTILE:  # each as written ({{7*7}} too: never a template)
        assert " ".join(text.split()) in shown, f"{text!r} is not shown anywhere"
    again = desk.hx_post("/users", data={"name": LOGIN, "pin": "4444", "role": "admin"})
    assert again.status_code == 400 and LOGIN in inert(html(again)).text  # an error says it


def test_the_settings_form_gives_back_what_was_typed(desk):
    doc = inert(html(desk.get("/settings")))
    assert doc.one("input", name="PRINTER_WINDOWS_NAME").get("value") == PRINTER_NAME
    assert doc.one("input", name="PRINTER_HOST").get("value") == ATTRIBUTE


def test_the_log_csv_holds_each_text_as_written_and_runs_no_formula(app, desk, runner):
    result = runner.invoke(args=["hand-out", factories.ALICE_TRAUMA, "--staff", LOGIN,
                                 "--note", CLI_NOTE, "--no-receipt"])
    assert result.exit_code == 0, result.output
    rows = csv_records(desk.get("/log.csv").get_data())
    mine = [r for r in rows if r["employee_id"] == defused(EMPLOYEE)]
    assert len(mine) == 2
    voided, standing = sorted(mine, key=lambda r: r["receipt"])
    assert (voided["person"], voided["credential"], voided["pin"], voided["staff"],
            voided["building"], voided["voided_by"], voided["void_reason"]) == (
        defused(PERSON), CREDENTIAL, defused(PIN), defused(LOGIN), defused(BUILDING),
        defused(LOGIN), defused(VOID_WHY))
    assert voided["manual_reason"] == f"Other: {MANUAL_NOTE}"
    assert standing["void_reason"] == ""
    alice = next(r for r in rows if r["person"] == "Alice Able")
    # quotes and line breaks come back whole (a line break is kept as LF)
    assert alice["note"] == defused(CLI_NOTE.replace("\r\n", "\n"))
    for row in rows:
        for value in row.values():
            assert value[:1] not in FORMULA, row


def test_the_receipt_pdf_prints_the_names_as_written(app, desk, tmp_path):
    with app.app_context():
        ids = list(db.session.scalars(select(Distribution.id).order_by(Distribution.receipt_no)))
        db.session.remove()
    for n, distribution in enumerate(ids):
        response = desk.get(f"/hand-outs/{distribution}/receipt.pdf")
        assert response.status_code == 200
        text = pdf_text(response.get_data(), tmp_path, f"receipt-{n}.pdf")
        for written in (PERSON, CREDENTIAL, PIN, LOGIN, BUILDING):
            assert written.replace(" ", "") in text.replace(" ", ""), (written, text)
        assert "&amp;amp;" not in text and "&lt;" not in text
    assert "VOIDED" in pdf_text(desk.get(f"/hand-outs/{ids[0]}/receipt.pdf").get_data(),
                                tmp_path)


def test_the_proof_slips_print_the_names_as_written(app, desk, tmp_path):
    from kiosk.services.district_keys import district_key

    with app.app_context():
        district_key(create=True)
    response = desk.post("/slips", data={"building": BUILDING})
    assert response.mimetype == "application/pdf", html(response)
    text = pdf_text(response.get_data(), tmp_path).replace(" ", "")
    for written in (PERSON, EMPTY_PIN, BUILDING):  # the award not yet handed out has a slip
        assert written.replace(" ", "") in text, (written, text)
    assert "&lt;" not in text


def test_receipts_and_the_test_page_send_the_printer_no_byte_of_the_text_as_a_command(
        app, desk, printer_spy):
    receipts = printer_spy.print_all()
    assert len(receipts) == 2
    for data in receipts:
        parsed = parse(data)
        assert all(0x20 <= b < 0x7F or b == 0x0A for b in parsed.text_bytes)
        flat = " ".join(parsed.text.split())
        assert "Mal <script>alert(1)</script>" in flat  # plain characters on paper
    test_page = desk.hx_post("/settings/printer/test")
    assert test_page.status_code == 200 and "printed" in html(test_page).lower()
    pages = sorted(printer_spy.folder.glob("test-page-*.bin"))
    assert len(pages) == 1
    assert "@Lo <script>alert(1)</script>" in " ".join(parse(pages[0].read_bytes()).text.split())


def test_control_characters_typed_at_the_kiosk_are_left_out_and_every_event_syncs(
        app, client, runner):
    """A login, a building, a void reason, a stock note, a manual note or a CLI note holding NUL
    or ESC was kept as typed: the hub refused every event that carried it (a NUL), forever, and
    pages, CSV and the hub got the ESC sequence."""
    from kiosk.errors import InvalidInput
    from kiosk.models import OutboxEvent, StockMovement, Void
    from kiosk.services.setup import init_instance
    from kiosk.sync.outbox import as_event
    from kiosk.sync.protocol import read_event

    client.login("admin")
    for name in ("Ann\x00Lee", "Eve \x1b[31mRed", "Gus\x1dGray", "Rita \u202eRight"):
        refused = client.hx_post("/users", data={"name": name, "pin": "5555", "role": "admin"})
        assert refused.status_code == 400 and "character" in html(refused), name
    with app.app_context(), pytest.raises(InvalidInput, match="U\\+0000 NUL"):
        init_instance("Page\x00Jackson", "Ada Admin", "1111")
    assert client.hx_post("/stock/receive", data={"credential": factories.TRAUMA, "qty": "1",
                                                  "note": "slip\x00 42\x1b[2J"}).status_code == 200
    verdict = client.get("/lookup/award", query_string={"award": factories.ALICE_TRAUMA},
                         headers=HX)
    form = hand_out_form(verdict)
    done = client.hx_post("/hand-out", data={"payload": form["payload"], "nonce": form["nonce"],
                                             "manual": "1", "manual_reason": "other",
                                             "manual_note": "torn\x00\x1bE\x01 in half"})
    assert done.status_code == 200, html(done)
    with app.app_context():
        first = db.session.scalars(select(Distribution.id)).one()
    assert client.hx_post(f"/hand-outs/{first}/void",
                          data={"reason": "wrong\x00 person\x1b[2J"}).status_code == 200
    result = runner.invoke(args=["hand-out", factories.ALICE_BALANCE, "--staff", "Ada Admin",
                                 "--note", "from\x00 paper\x1b\nline two", "--no-receipt"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        kept = [*db.session.scalars(select(Distribution.manual_reason)),
                *db.session.scalars(select(Distribution.note)),
                *db.session.scalars(select(Void.reason)),
                *db.session.scalars(select(StockMovement.note))]
        assert {"Other: tornE in half", "wrong person[2J", "slip 42[2J",
                "from paper\nline two"} <= set(kept)
        assert not [t for t in kept if any(c in t for c in "\x00\x1b\x01")]
        events = list(db.session.scalars(select(OutboxEvent)))
        for event in events:
            read_event(as_event(event).as_json())  # what the hub takes: raises if it refuses
        assert {e.kind for e in events} >= {"pin_handed_out", "hand_out_voided",
                                            "stock_received"}


def test_cache_import_refuses_a_separator_control_that_python_takes_for_white_space(
        ctx, tmp_path):
    """GS, FS, RS, US, VT, FF and NEL were made a space unseen (Python's split() counts them as
    white space), where ESC or NUL are refused with the row: now refused the same way. A tab
    or a line break in a cell is still white space."""
    from kiosk.models import Person
    from kiosk.services.cache_import import import_files

    bad = {"\x1d": "name", "\x1c": "email", "\x1e": "building", "\x1f": "employee_id",
           "\x0b": "name", "\x0c": "revocation_reason", "\x85": "name"}
    rows = []
    for n, (ch, column) in enumerate(bad.items()):
        values = {"employee_id": f"E7{n}", "name": "Sep Person", "email": "s@example.org",
                  "building": factories.BUILDING, "revocation_reason": "old"}
        values[column] = values[column][:2] + ch + values[column][2:]
        rows.append([values["employee_id"], values["name"], values["email"], values["building"],
                     factories.TRAUMA, "2024-01-01", f"JCS-7{n}", "", "true",
                     values["revocation_reason"]])
    rows.append(["E79", "Tab\tand\r\nline  break", "t@example.org", factories.BUILDING,
                 factories.TRAUMA, "2024-01-01", "JCS-79", "", "false", ""])
    report = import_files([factories.write_csv(tmp_path / "seps.csv", factories.ROSTER_HEADER,
                                               rows)])
    assert report.errors == [
        f"seps.csv, line {line}: {column} contains a control character (U+{ord(ch):04X}"
        f"{' ' + name if name else ''}); correct the row and import it again"
        for line, (ch, column), name in zip(range(2, 9), bad.items(),
                                            ("GS", "FS", "RS", "US", "VT", "FF", ""),
                                            strict=True)]
    assert report.created == 1
    assert db.session.scalars(select(Person.name).where(Person.employee_id == "E79")).one() == (
        "Tab and line break")
