"""What is still owed (sync/hub/services/owed.py): people owed each pin per building, beside
the stock there, and how many pins the district should order; as a page, CSV, PDF and on the
command line. On SQLite and PostgreSQL.

The seed roster (tests/factories.py): at Page Jackson, Alice has Trauma and Balance and Cara
has Challenges (her Communication badge has no pin); at Shepherdstown, Bob has Trauma (his
Culture award is revoked)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from kiosk.sync.hub.services import owed
from tests import factories
from tests.factories import ALICE_TRAUMA, BALANCE, CHALLENGES, CULTURE, TRAUMA
from tests.hub.conftest import PAGE_JACKSON, SHEPHERDSTOWN, District, HubClient
from tests.hub.helpers import csv_rows, pdf_text
from tests.hub.stores import hub_store, postgres_ready, store_hub  # noqa: F401  (fixtures)


@pytest.fixture
def seeded(store_hub: Callable[..., Flask], tmp_path: Path) -> District:  # noqa: F811
    d = District(store_hub(), tmp_path)
    d.badge_data()
    d.building(PAGE_JACKSON)
    d.building(SHEPHERDSTOWN)
    return d


def viewer(d: District) -> HubClient:
    c = d.app.test_client()
    assert isinstance(c, HubClient)
    c.login("viewer")
    return c


def figures(d: District, building: str | None = None) -> dict[str, Any]:
    report = d.call(owed.owed, building)
    return {"rows": {(r.building, r.credential): (r.owed, r.on_hand, r.short)
                     for r in report.rows},
            "totals": {t.credential: (t.owed, t.on_hand, t.to_order, t.words)
                       for t in report.totals}}


def test_people_owed_per_building_and_what_to_order(seeded: District) -> None:
    found = figures(seeded)
    assert found["rows"][(PAGE_JACKSON, TRAUMA)] == (1, 0, 1)
    assert found["rows"][(PAGE_JACKSON, BALANCE)] == (1, 0, 1)
    assert found["rows"][(PAGE_JACKSON, CHALLENGES)] == (1, 0, 1)
    assert found["rows"][(SHEPHERDSTOWN, TRAUMA)] == (1, 0, 1)
    assert found["rows"][(SHEPHERDSTOWN, CULTURE)] == (0, 0, 0), "a revoked award earns nothing"
    assert found["totals"][TRAUMA] == (2, 0, 2, "Order 2 more Trauma pins")
    assert found["totals"][CULTURE][3] == "Nobody is owed this pin"


def test_a_hand_out_pays_what_was_owed_and_a_void_owes_it_again(seeded: District) -> None:
    seeded.allocate(PAGE_JACKSON, TRAUMA, 12)
    kiosk = seeded.kiosk(PAGE_JACKSON)
    given = kiosk.hand_out(ALICE_TRAUMA, "E1", TRAUMA)
    kiosk.send(given)
    found = figures(seeded)
    assert found["rows"][(PAGE_JACKSON, TRAUMA)] == (0, 11, 0)
    assert found["totals"][TRAUMA] == (1, 11, 0, "Enough on hand: 10 to spare")
    kiosk.send(kiosk.void(given))
    assert figures(seeded)["rows"][(PAGE_JACKSON, TRAUMA)] == (1, 12, 0)


def test_a_person_with_two_awards_of_one_credential_is_owed_one_pin(seeded: District,
                                                                     tmp_path: Path) -> None:
    again = [["E1", "Alice Able", "alice@example.org", PAGE_JACKSON, TRAUMA, "2024-05-01",
              "urn:uuid:aaaaaaaa-1111-4111-8111-111111111111", "", "false", ""]]
    _import_roster(seeded, tmp_path, again)
    assert figures(seeded)["rows"][(PAGE_JACKSON, TRAUMA)] == (1, 0, 1)


def test_a_roster_building_the_hub_does_not_have_is_shown_not_dropped(seeded: District,
                                                                      tmp_path: Path) -> None:
    _import_roster(seeded, tmp_path, [
        ["E9", "Dan Dale", "dan@example.org", "Harpers  Ferry Middle", BALANCE, "2024-05-01",
         "urn:uuid:bbbbbbbb-1111-4111-8111-111111111111", "", "false", ""]])
    found = figures(seeded)
    assert found["rows"][("Harpers Ferry Middle (not enrolled)", BALANCE)] == (1, 0, 1)
    assert found["totals"][BALANCE][:3] == (2, 0, 2)


def test_one_building_only(seeded: District) -> None:
    found = figures(seeded, SHEPHERDSTOWN)
    assert {b for b, _ in found["rows"]} == {SHEPHERDSTOWN}
    assert found["totals"][TRAUMA][:3] == (1, 0, 1)


def test_the_page_csv_and_pdf(seeded: District, tmp_path: Path) -> None:
    client = viewer(seeded)
    page = client.get("/owed")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Order 2 more Trauma pins" in html and 'data-pin="Finding Balance"' in html
    one = client.get("/owed", query_string={"building": SHEPHERDSTOWN}).get_data(as_text=True)
    assert PAGE_JACKSON not in one.split('id="owed-buildings"')[1]
    rows = csv_rows(client.get("/owed.csv"))
    pj = next(r for r in rows if r["building"] == PAGE_JACKSON and r["credential"] == TRAUMA)
    assert (pj["owed_people"], pj["on_hand"], pj["short_by"], pj["enrolled"]) == \
        ("1", "0", "1", "yes")
    pdf = client.get("/owed.pdf", query_string={"building": PAGE_JACKSON})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.get_data(), tmp_path)
    assert "What is still owed: Page Jackson Elementary" in text
    assert "Order 1 more Trauma pin" in text and "Order 1 more Trauma pins" not in text


def test_hostile_roster_text_is_escaped_and_defused(seeded: District, tmp_path: Path) -> None:
    _import_roster(seeded, tmp_path, [
        ["E8", "Eve", "eve@example.org", "=HYPERLINK(\"http://x\")<script>", BALANCE,
         "2024-05-01", "urn:uuid:cccccccc-1111-4111-8111-111111111111", "", "false", ""]])
    client = viewer(seeded)
    html = client.get("/owed").get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    cells = [r["building"] for r in csv_rows(client.get("/owed.csv"))]
    assert any(c.startswith("'=HYPERLINK") for c in cells)


def test_logged_out_is_sent_to_log_in(seeded: District) -> None:
    for url in ("/owed", "/owed.csv", "/owed.pdf"):
        assert seeded.app.test_client().get(url).status_code in (302, 401)


def test_the_command_line(seeded: District, tmp_path: Path) -> None:
    from kiosk.sync.hub.commands import hub_owed

    out = tmp_path / "owed.csv"
    runner = seeded.app.test_cli_runner()
    with seeded.app.app_context():
        from unittest import mock

        with mock.patch("kiosk.sync.hub.commands._app", return_value=seeded.app):
            done = runner.invoke(hub_owed, ["--csv", str(out)])
            missing = runner.invoke(hub_owed, ["--building", "Nowhere High"])
    assert done.exit_code == 0, done.output
    assert "Trauma pin: 2 owed, 0 on hand. Order 2 more Trauma pins." in done.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert missing.exit_code == 2 and "no building named" in missing.output


def _import_roster(d: District, folder: Path, rows: list[list[str]]) -> None:
    from kiosk.sync.hub.services.badge_data import import_files

    path = factories.write_csv(folder / "more-roster.csv", factories.ROSTER_HEADER, rows)
    report = d.call(import_files, [path])
    assert not report.errors, report.errors


def test_one_building_is_found_however_the_roster_spells_it(seeded: District,
                                                            tmp_path: Path) -> None:
    _import_roster(seeded, tmp_path, [
        ["E9", "Dan Dale", "dan@example.org", "  shepherdstown   MIDDLE school ", BALANCE,
         "2024-05-01", "urn:uuid:dddddddd-1111-4111-8111-111111111111", "", "false", ""],
        ["E10", "Ela", "ela@example.org", "École Élémentaire", BALANCE,
         "2024-05-01", "urn:uuid:eeeeeeee-1111-4111-8111-111111111111", "", "false", ""]])
    seeded.building("École Élémentaire")
    found = figures(seeded, SHEPHERDSTOWN)
    assert found["rows"][(SHEPHERDSTOWN, BALANCE)] == (1, 0, 1)
    assert found["rows"][(SHEPHERDSTOWN, TRAUMA)] == (1, 0, 1)
    accented = figures(seeded, "école élémentaire")
    assert accented["rows"][("École Élémentaire", BALANCE)] == (1, 0, 1)
