"""Importing the roster and the pin catalogue into the badge cache."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from kiosk.domain.reasons import Reason
from kiosk.errors import InvalidInput
from kiosk.extensions import db
from kiosk.models import Award, Credential, Person
from kiosk.services import lookups
from kiosk.services.cache_import import import_files
from kiosk.services.scan import check_proof
from tests import factories as f
from tests.integration.conftest import snapshot

CATALOGUE_HEADER = ["credential", "released_on", "has_pin", "pin_name"]


def row(employee_id="E9", name="Dan Dunn", email="dan@example.org", building=f.BUILDING,  # type: ignore[no-untyped-def]
        credential=f.TRAUMA, issued_on="2024-02-01",
        award_id="urn:uuid:99999999-9999-4999-8999-999999999999", award_urls="",
        revoked="false", reason=""):
    return [employee_id, name, email, building, credential, issued_on, award_id, award_urls,
            revoked, reason]


def roster(tmp_path, rows, name="roster-update.csv"):  # type: ignore[no-untyped-def]
    return f.write_csv(tmp_path / name, f.ROSTER_HEADER, rows)


def test_reimporting_the_same_files_changes_nothing(ctx, tmp_path):
    before = snapshot()
    report = import_files([tmp_path / "catalogue.csv", tmp_path / "roster.csv"])
    assert report.errors == []
    assert (report.rows, report.created, report.updated) == (11, 0, 0)
    assert report.unchanged == 11
    assert snapshot() == before


def test_a_newly_revoked_award_becomes_revoked(ctx, tmp_path):
    assert check_proof(f.ALICE_TRAUMA).reason is Reason.OK
    rows = [list(r) for r in f.ROSTER]
    rows[0][8], rows[0][9] = "true", "Completed by someone else"
    report = import_files([roster(tmp_path, rows)])
    assert (report.updated, report.created, report.errors) == (1, 0, [])
    result = check_proof(f.BADGR_URL)
    assert result.reason is Reason.REVOKED
    assert result.detail == "Completed by someone else"


def test_an_award_can_be_reinstated(ctx, tmp_path):
    rows = [list(r) for r in f.ROSTER]
    rows[3][8], rows[3][9] = "false", ""
    import_files([roster(tmp_path, rows)])
    assert check_proof(f.BOB_REVOKED).reason is Reason.OK


def test_changes_to_a_person_are_applied(ctx, tmp_path):
    rows = [list(r) for r in f.ROSTER]
    for r in rows[:2]:
        r[1], r[2] = "Alice Able-Smith", "alice.smith@example.org"
    report = import_files([roster(tmp_path, rows)])
    assert report.updated == 1, report.summary  # one person changed, counted on its first row
    assert check_proof(f.ALICE_BALANCE).award.person_name == "Alice Able-Smith"
    assert db.session.scalar(select(Person).where(Person.employee_id == "E1")).email == (
        "alice.smith@example.org")


def test_alias_urls_all_find_the_award(ctx, tmp_path):
    urls = ("https://badges.example.org/assertions/17 "
            "https://api.badgr.io/public/assertions/ZzYyXx998877 "
            "https://www.credly.com/badges/88888888-8888-4888-8888-888888888888/public_url")
    report = import_files([roster(tmp_path, [row(award_id="JCS-2024-17", award_urls=urls)])])
    assert report.errors == [] and report.created == 1
    for payload in ("JCS-2024-17", "http://BADGES.example.org/assertions/17/",
                    "https://api.badgr.io/public/assertions/ZzYyXx998877",
                    "urn:uuid:88888888-8888-4888-8888-888888888888",
                    "https://api.credly.com/v1/obi/v2/badge_assertions/"
                    "88888888-8888-4888-8888-888888888888"):
        result = check_proof(payload)
        assert result.reason is Reason.OK, payload
        assert result.award.award_id == "JCS-2024-17"


def test_a_new_alias_is_added_on_reimport(ctx, tmp_path):
    rows = [list(r) for r in f.ROSTER]
    rows[2][7] = "https://district.example.org/badges/bob-trauma"
    report = import_files([roster(tmp_path, rows)])
    assert report.updated == 1
    assert check_proof("https://district.example.org/badges/bob-trauma").award.award_id == (
        f.BOB_TRAUMA)


def test_bad_rows_are_reported_by_line_and_the_rest_imports(ctx, tmp_path):
    rows = [
        row(employee_id="E9", award_id="urn:uuid:99999999-9999-4999-8999-999999999991"),  # 2
        row(employee_id="E10", issued_on="2024-13-45",
            award_id="urn:uuid:99999999-9999-4999-8999-999999999992"),  # line 3: bad date
        row(employee_id="E11", credential="Underwater Basket Weaving",
            award_id="urn:uuid:99999999-9999-4999-8999-999999999993"),  # 4: unknown credential
        row(employee_id="E12", award_id=""),  # line 5: empty award id
        row(employee_id="E13", award_id="urn:uuid:99999999-9999-4999-8999-999999999994",
            award_urls="https:///assertions/1"),  # line 6: malformed award URL
        row(employee_id="E2", name="Bob Baker", credential=f.TRAUMA,
            award_id=f.ALICE_TRAUMA),  # line 7: award moved to another employee
        row(employee_id="E14", award_id="urn:uuid:99999999-9999-4999-8999-999999999995",
            award_urls=f.BADGR_URL),  # line 8: alias that belongs to Alice's award
        row(employee_id="E15", revoked="maybe",
            award_id="urn:uuid:99999999-9999-4999-8999-999999999996"),  # line 9: bad flag
        row(employee_id="E16", name="Eve Egan",
            award_id="urn:uuid:99999999-9999-4999-8999-999999999997"),  # line 10: good
    ]
    before = snapshot()
    report = import_files([roster(tmp_path, rows, "bad.csv")])
    lines = [error.split(":", 1)[0] for error in report.errors]
    assert lines == [f"bad.csv, line {n}" for n in range(3, 10)], report.errors
    assert "issued_on" in report.errors[0]
    assert "Underwater Basket Weaving" in report.errors[1]
    assert "award_id is empty" in report.errors[2]
    assert "award_urls" in report.errors[3]
    assert "another employee" in report.errors[4]
    assert "already belongs" in report.errors[5]
    assert "revoked" in report.errors[6]
    assert report.rows == 9 and report.created == 2
    after = snapshot()
    assert after["Award"] == before["Award"] + 2
    assert after["Person"] == before["Person"] + 2
    assert check_proof("urn:uuid:99999999-9999-4999-8999-999999999991").reason is Reason.OK
    assert check_proof("urn:uuid:99999999-9999-4999-8999-999999999997").award.person_name == (
        "Eve Egan")
    for skipped in ("1992", "1993", "1994", "1995", "1996"):
        result = check_proof(f"urn:uuid:99999999-9999-4999-8999-99999999{skipped}")
        assert result.reason is Reason.UNKNOWN_BADGE
    assert check_proof(f.ALICE_TRAUMA).award.person_name == "Alice Able"
    assert check_proof(f.BADGR_URL).award.award_id == f.ALICE_TRAUMA


def test_the_same_award_twice_in_one_file_for_two_people(ctx, tmp_path):
    award = "urn:uuid:99999999-9999-4999-8999-999999999991"
    report = import_files([roster(tmp_path, [row(employee_id="E9", award_id=award),
                                              row(employee_id="E10", award_id=award)])])
    assert len(report.errors) == 1 and "line 3" in report.errors[0]
    assert check_proof(award).award.employee_id == "E9"


def test_a_file_with_an_unknown_header_is_refused_and_nothing_imports(ctx, tmp_path):
    good = roster(tmp_path, [row()])
    bad = tmp_path / "people.csv"
    bad.write_text("id,full_name,email\n1,Dan Dunn,dan@example.org\n", encoding="utf-8")
    before = snapshot()
    with pytest.raises(InvalidInput, match="people.csv"):
        import_files([good, bad])
    assert snapshot() == before


def test_a_file_that_is_not_utf8_is_refused(ctx, tmp_path):
    latin = tmp_path / "latin1.csv"
    latin.write_bytes((",".join(f.ROSTER_HEADER) + "\nE9,Zoë,,,,,,\n").encode("latin-1"))
    with pytest.raises(InvalidInput, match="UTF-8"):
        import_files([latin])


def test_a_spreadsheet_file_with_a_bom_works(ctx, tmp_path):
    path = tmp_path / "excel.csv"
    lines = [",".join(f.ROSTER_HEADER),
             ",".join(row(name="Zoë Nguyễn", award_id="JCS-7"))]
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig") + b"\r\n")
    report = import_files([path])
    assert report.errors == [] and report.created == 1
    assert check_proof("JCS-7").award.person_name == "Zoë Nguyễn"


def test_quoted_names_with_commas(ctx, tmp_path):
    report = import_files([roster(tmp_path, [row(name="Dunn, Dan \"DD\"", award_id="JCS-8")])])
    assert report.errors == []
    assert check_proof("JCS-8").award.person_name == 'Dunn, Dan "DD"'


def test_which_credentials_have_pins_is_data(ctx, tmp_path):
    assert check_proof(f.CARA_COMMUNICATION).reason is Reason.NO_PIN_FOR_CREDENTIAL
    catalogue = f.write_csv(tmp_path / "catalogue2.csv", CATALOGUE_HEADER,
                            [[f.COMMUNICATION, "2023-11-03", "yes", "Communication pin"]])
    report = import_files([catalogue])
    assert report.updated == 1
    result = check_proof(f.CARA_COMMUNICATION)
    assert result.reason is Reason.OUT_OF_STOCK
    assert result.award.pin_name == "Communication pin"


def test_bad_catalogue_rows_are_reported_and_the_rest_imports(ctx, tmp_path):
    catalogue = f.write_csv(tmp_path / "catalogue2.csv", CATALOGUE_HEADER, [
        ["Finding Joy", "2025-01-01", "true", "Joy pin"],
        ["Finding Calm", "Jan 2025", "true", ""],
        ["Finding Focus", "2025-01-01", "perhaps", ""],
        ["", "2025-01-01", "true", ""],
    ])
    report = import_files([catalogue])
    assert [e.split(":", 1)[0] for e in report.errors] == [
        "catalogue2.csv, line 3", "catalogue2.csv, line 4", "catalogue2.csv, line 5"]
    names = set(db.session.scalars(select(Credential.name)).all())
    assert "Finding Joy" in names
    assert not names & {"Finding Calm", "Finding Focus"}


def test_catalogue_is_read_first_whatever_the_order(ctx, tmp_path):
    people = roster(tmp_path, [row(credential="Finding Joy", award_id="JCS-9")])
    catalogue = f.write_csv(tmp_path / "catalogue2.csv", CATALOGUE_HEADER,
                            [["Finding Joy", "2025-01-01", "true", ""]])
    report = import_files([people, catalogue])
    assert report.errors == []
    result = check_proof("JCS-9")
    assert result.award.credential_name == "Finding Joy"
    assert result.award.pin_name == "Finding Joy pin"
    assert db.session.scalar(select(Credential).where(Credential.name == "Finding Joy"))


def test_progress_is_reported_per_row(ctx, tmp_path):
    seen: list[int] = []
    import_files([tmp_path / "catalogue.csv", tmp_path / "roster.csv"], progress=seen.append)
    assert sum(seen) == 11


def test_import_refreshes_checked_against(ctx, tmp_path):
    first = lookups.badge_data_as_of()
    time.sleep(0.01)  # so that the two timestamps differ; nothing is timed
    import_files([tmp_path / "roster.csv"])
    db.session.expire_all()
    assert lookups.badge_data_as_of() > first
    assert check_proof(f.ALICE_TRAUMA).checked_against == lookups.badge_data_as_of()


def test_reimport_keeps_one_award_per_id(ctx, tmp_path):
    for _ in range(3):
        import_files([tmp_path / "catalogue.csv", tmp_path / "roster.csv"])
    ids = db.session.scalars(select(Award.id)).all()
    assert len(ids) == len(set(ids)) == len(f.ROSTER)


# --- characters that cannot be shown (issue 11, defect 10) -----------------------------------


def test_a_name_with_a_control_or_invisible_format_character_is_refused(ctx, tmp_path):
    """ESC, NUL and U+202E were stored as they came and shown raw on the log page and in the
    CSV export: each row is now reported with the character's code, and skipped."""
    awards = [f"urn:uuid:99999999-9999-4999-8999-99999999990{n}" for n in range(8)]
    rows = [
        row(employee_id="E20", name="Eve \x1b[31mEgan", award_id=awards[0]),  # line 2: ESC
        row(employee_id="E21", name="Nul\x00 Person", award_id=awards[1]),  # line 3: NUL
        row(employee_id="E22", name="Mallory \u202enagE", award_id=awards[2]),  # 4: RLO
        row(employee_id="E23", name="Zero\u200bWidth", award_id=awards[3]),  # line 5: ZWSP
        row(employee_id="E24", name="Ok Person", email="ok\x07@example.org",
            award_id=awards[4]),  # line 6: BEL in the email
        row(employee_id="E25", name="Ok Person", building="Page\x7f Jackson",
            award_id=awards[5]),  # line 7: DEL in the building
        row(employee_id="E26", name="Zoë Nguyễn-O\u2019Brien", award_id=awards[6]),  # 8: kept
        row(employee_id="E27", name="Nima Ra\u200chimi \U0001F469\u200d\U0001F3EB",
            award_id=awards[7]),  # line 9: ZWNJ and ZWJ are spelling: kept
    ]
    before = snapshot()
    report = import_files([roster(tmp_path, rows, "names.csv")])
    assert report.errors == [
        "names.csv, line 2: name contains a control character (U+001B ESC); correct the "
        "row and import it again",
        "names.csv, line 3: name contains a control character (U+0000 NUL); correct the "
        "row and import it again",
        "names.csv, line 4: name contains an invisible formatting character (U+202E "
        "RIGHT-TO-LEFT OVERRIDE); correct the row and import it again",
        "names.csv, line 5: name contains an invisible formatting character (U+200B "
        "ZERO WIDTH SPACE); correct the row and import it again",
        "names.csv, line 6: email contains a control character (U+0007 BEL); correct the "
        "row and import it again",
        "names.csv, line 7: building contains a control character (U+007F DEL); correct "
        "the row and import it again",
    ]
    assert report.created == 2
    assert snapshot()["Person"] == before["Person"] + 2
    for refused in awards[:6]:
        assert check_proof(refused).reason is Reason.UNKNOWN_BADGE
    assert check_proof(awards[6]).award.person_name == "Zoë Nguyễn-O\u2019Brien"
    assert check_proof(awards[7]).award.person_name == (
        "Nima Ra\u200chimi \U0001F469\u200d\U0001F3EB")
    stored = db.session.scalars(select(Person.name)).all()
    assert not [n for n in stored if any(c in n for c in "\x1b\x00\u202e\u200b\x07\x7f")]


def test_control_characters_in_a_catalogue_or_badge_link_are_refused(ctx, tmp_path):
    catalogue = f.write_csv(tmp_path / "catalogue2.csv", CATALOGUE_HEADER, [
        ["Finding \x1bJoy", "2025-01-01", "true", ""],
        ["Finding Calm", "2025-01-01", "true", "Calm\u202e pin"],
        ["Finding Focus", "2025-01-01", "true", "Focus pin"],
    ])
    people = roster(tmp_path, [
        row(employee_id="E30", award_id="JCS-30", award_urls="https://example.org/b/30\x00"),
        row(employee_id="E31", award_id="JCS-31\x1b"),
        row(employee_id="E3\u202e2", award_id="JCS-32"),
        row(employee_id="E33", award_id="JCS-33", credential="Finding Focus"),
    ])
    report = import_files([catalogue, people])
    assert [e.split(":", 1)[0] for e in report.errors] == [
        "catalogue2.csv, line 2", "catalogue2.csv, line 3", "roster-update.csv, line 2",
        "roster-update.csv, line 3", "roster-update.csv, line 4"]
    assert "credential contains a control character (U+001B ESC)" in report.errors[0]
    assert "pin_name contains an invisible formatting character (U+202E" in report.errors[1]
    assert "award_urls contains a control character (U+0000 NUL)" in report.errors[2]
    assert "award_id contains a control character (U+001B ESC)" in report.errors[3]
    assert "employee_id contains an invisible formatting character (U+202E" in (
        report.errors[4])
    assert check_proof("JCS-33").award.credential_name == "Finding Focus"
    names = set(db.session.scalars(select(Credential.name)).all())
    assert "Finding Focus" in names and not {"Finding \x1bJoy", "Finding Calm"} & names
