"""The manual lookup finds staff as the roster has them now: after an import, a rename, a pull
of the district's changes, and on a kiosk upgraded from before the lookup existed."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
from sqlalchemy import func, select, text

from kiosk.db import write_transaction
from kiosk.extensions import db
from kiosk.models import Person, PersonWord
from kiosk.services import district_changes
from kiosk.services.cache_import import import_files
from kiosk.services.people import PersonHit, find_people
from tests import factories as f
from tests.conftest import make_app

BUILDING = "Shepherdstown Middle School"
STAFF = [  # employee id, name, email
    ("E10090", "Zoë Ellis", "zellis@example.org"),
    ("E100901", "Abe Ellis", "abe.ellis@example.org"),
    ("E200", "Nguyễn Văn An", "nvan@example.org"),
    ("E201", "Siobhán O'Brien", "sobrien@example.org"),
    ("E202", "José Ramírez", "jramirez@example.org"),
    ("E203", "Riley Keller", "rkeller@example.org"),
    ("E204", "ann smith-jones", "asj@example.org"),
]


def import_staff(folder: Path, staff: list[tuple[str, str, str]], name: str = "staff.csv"
                 ) -> None:
    rows = [[emp, person, email, BUILDING, f.TRAUMA, "2024-01-01", f"urn:uuid:{_uuid(emp)}", "",
             "false", ""] for emp, person, email in staff]
    report = import_files([f.write_csv(folder / name, f.ROSTER_HEADER, rows)])
    assert not report.errors, report.errors


def _uuid(employee_id: str) -> str:
    return f"00000000-0000-4000-8000-{int(employee_id.removeprefix('E')):012d}"


def ids(typed: str, limit: int = 10) -> list[str]:
    return [hit.employee_id for hit in find_people(typed, limit)]


def test_staff_are_found_by_name_number_or_email_whatever_the_accents(ctx, tmp_path):
    import_staff(tmp_path, STAFF)
    assert ids("nguyen") == ids("NGUYỄN") == ids("van an") == ["E200"]
    assert ids("zoe") == ids("Zoë") == ["E10090"]
    assert ids("siobhan") == ids("obrien") == ids("o brien") == ids("obr") == ["E201"]
    assert ids("jose") == ids("ramir") == ["E202"]
    assert ids("rkeller") == ids("rkeller@example.org") == ids("E203") == ["E203"]
    assert ids("smithjones") == ids("smith-j") == ids("jones ann") == ["E204"]
    assert ids("ellis") == ["E100901", "E10090"]  # by name: Abe, then Zoë
    assert ids("alice") == ["E1"] and ids("bob@example.org") == ["E2"]  # the seeded roster
    assert ids("ellis zoe") == ["E10090"] and ids("ellis xavier") == []
    hit = find_people("Riley")[0]
    assert hit == PersonHit(hit.person_id, "E203", "Riley Keller", "rkeller@example.org",
                            BUILDING)


def test_the_employee_number_typed_exactly_comes_first(ctx, tmp_path):
    import_staff(tmp_path, STAFF)
    assert ids("10090") == ["E10090", "E100901"]  # Zoë, though Abe comes first by name
    assert ids("E10090") == ["E10090", "E100901"]
    assert ids("e100901") == ["E100901"]
    assert ids("1009") == ["E100901", "E10090"]  # no exact number: by name
    assert ids("E1") == ["E1"]  # too little to search by: only the exact employee number


def test_order_is_by_name_regardless_of_case_then_employee_number(ctx, tmp_path):
    import_staff(tmp_path, [("E301", "bea Lane", ""), ("E302", "Adam Lane", ""),
                            ("E304", "Cy Lane", ""), ("E303", "Cy Lane", "")])
    assert ids("lane") == ["E302", "E301", "E303", "E304"]


def test_at_most_limit_people_and_nothing_for_too_little(ctx, tmp_path):
    import_staff(tmp_path, [(f"E{400 + n}", f"Pat Porter {n}", "") for n in range(15)])
    assert len(ids("porter")) == 10
    assert ids("porter", limit=3) == ["E400", "E401", "E410"]  # "Pat Porter 10" sorts third
    assert ids("") == ids("   ") == ids("p") == ids("-") == ids("porter", limit=0) == []
    assert ids("4") == ids("E4") == []  # the start of every employee number: too broad
    assert ids("E41") == ["E410", "E411", "E412", "E413", "E414"]


def test_a_rename_by_a_new_import_replaces_the_old_words(ctx, tmp_path):
    import_staff(tmp_path, STAFF)
    import_staff(tmp_path, [("E203", "Riley Vaughn", "riley.vaughn@example.org")], "again.csv")
    assert ids("keller") == ids("rkeller") == []
    assert ids("vaughn") == ids("riley.vaughn") == ids("rileyvaughn") == ids("E203") == ["E203"]
    assert ids("riley v") == ["E203"]
    import_staff(tmp_path, [("E203", "Riley Vaughn", "riley.vaughn@example.org")], "same.csv")
    assert ids("vaughn") == ["E203"]


def award_change(employee_id: str, name: str, email: str, number: int) -> dict[str, object]:
    """An award as the hub sends it (sync/hub/services/badge_data.py: award_change)."""
    award_id = f"urn:uuid:{_uuid(str(number))}"
    return {"kind": "award", "data": {
        "id": award_id, "employee_id": employee_id, "name": name, "email": email,
        "building": BUILDING, "credential": f.TRAUMA, "issued_on": "2024-02-01",
        "expires_on": None, "revoked": False, "revocation_reason": "", "aliases": [],
        "keys": [f"uuid:{award_id.removeprefix('urn:uuid:')}"]}}


def pull(*changes: dict[str, object]) -> None:
    with write_transaction(bulk=True) as session:
        district_changes.apply(session, list(changes))


def words_of(employee_id: str) -> set[str]:
    return set(db.session.scalars(select(PersonWord.word).join(Person).where(
        Person.employee_id == employee_id)))


def test_the_districts_changes_keep_the_words(ctx):
    pull(award_change("E500", "Łukasz Król", "lkrol@example.org", 9001),
         award_change("E500", "Łukasz Król", "lkrol@example.org", 9002),
         award_change("E501", "Mary-Kate Dawson", "mkd@example.org", 9003),
         award_change("E1", "Alice Able", "alice@example.org", 9004))  # as the seeded import
    assert ids("lukasz krol") == ids("E500") == ids("500") == ["E500"]
    assert ids("marykate") == ids("mary kate d") == ["E501"]
    assert ids("alice") == ["E1"]
    pull(award_change("E500", "Łukasz Nowak", "lnowak@example.org", 9005),
         award_change("E1", "Alice Baker", "alice@example.org", 9006))
    assert ids("krol") == ids("lkrol") == [] and ids("nowak") == ids("lnowak") == ["E500"]
    assert ids("able") == [] and ids("alice baker") == ["E1"]
    assert words_of("E500") == {"lukasz", "nowak", "e500", "500", "lnowak@example.org",
                                "lnowak"}
    pull(award_change("E501", "Mary-Kate Dawson", "mkd@example.org", 9007))  # unchanged
    assert ids("dawson") == ["E501"]


def test_a_kiosk_upgraded_from_before_the_lookup_finds_everyone(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision="0006")
        people = [(f"E{n}", f"Teacher{n} Iverson", f"t{n}@example.org") for n in range(6000)]
        people += [("X1", "Zoë O'Brien", "zob@example.org")]
        db.session.execute(text("INSERT INTO person (employee_id, name, email, building) "
                                "VALUES (:e, :n, :m, '')"),
                           [{"e": e, "n": n, "m": m} for e, n, m in people])
        db.session.commit()
        flask_migrate.upgrade()
        assert ids("zoe obrien") == ids("x1") == ["X1"]
        assert ids("teacher5999") == ids("E5999") == ["E5999"]  # past the first chunk
        assert ids("iverson", limit=2) == ["E0", "E1"]
        assert db.session.scalar(select(func.count()).select_from(PersonWord)) == (
            6000 * 6 + 8)  # teacherN, iverson, eN, N, tN@example.org, tN; and Zoë's eight
        table = db.session.scalar(text(
            "SELECT sql FROM sqlite_master WHERE name = 'person_word'"))
        assert "WITHOUT ROWID" in table
        db.session.remove()
        db.engine.dispose()
