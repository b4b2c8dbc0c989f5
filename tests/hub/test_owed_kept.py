"""Who is still owed a pin is kept as the records change (sync/hub/services/owed_count.py,
``hub_owed``): after every kind of change, through the hub's own services, what is kept is
what working it out afresh from every award and hand-out gives. And it stays so when kiosks
of two buildings report the same person's pin at once, beside a roster import. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, text

from kiosk.sync.hub.db import hub_transaction
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubAward, HubOwed
from kiosk.sync.hub.services import owed, owed_count
from kiosk.sync.hub.services.badge_data import import_files
from tests import factories
from tests.factories import ALICE_BALANCE, ALICE_TRAUMA, BOB_TRAUMA, TRAUMA
from tests.hub.conftest import PAGE_JACKSON, SHEPHERDSTOWN, District
from tests.hub.stores import hub_store, postgres_ready, store_hub  # noqa: F401  (fixtures)
from tests.hub.test_races import at_once

CATALOGUE_HEADER = ["credential", "released_on", "has_pin", "pin_name"]


@pytest.fixture
def seeded(store_hub: Callable[..., Flask], tmp_path: Path) -> District:  # noqa: F811
    d = District(store_hub(), tmp_path)
    d.badge_data()
    d.building(PAGE_JACKSON)
    d.building(SHEPHERDSTOWN)
    return d


def agrees(d: District) -> set[tuple[str, int, str]]:
    """What is kept, having checked it is what working it out afresh gives."""
    with d.app.app_context():
        kept, fresh = owed_count.kept(hub_db.session), owed_count.afresh(hub_db.session)
        hub_db.session.remove()
    assert kept == fresh
    return kept


def people_owed(d: District, credential: str = TRAUMA) -> set[str]:
    with d.app.app_context():
        cred = _credential_id(credential)
        found = {e for e, c, _ in owed_count.kept(hub_db.session) if c == cred}
        hub_db.session.remove()
    return found


def _credential_id(name: str) -> int:
    from kiosk.sync.hub.models import HubCredential

    return int(hub_db.session.scalar(select(HubCredential.id).where(HubCredential.name == name)))


def roster(d: District, folder: Path, rows: list[list[str]], name: str = "more.csv") -> None:
    path = factories.write_csv(folder / name, factories.ROSTER_HEADER, rows)
    report = d.call(import_files, [path])
    assert not report.errors, report.errors


def catalogue(d: District, folder: Path, rows: list[list[str]]) -> None:
    path = factories.write_csv(folder / "catalogue-again.csv", CATALOGUE_HEADER, rows)
    report = d.call(import_files, [path])
    assert not report.errors, report.errors


def test_every_kind_of_change_keeps_what_is_owed(seeded: District, tmp_path: Path) -> None:
    d = seeded
    assert people_owed(d) == {"E1", "E2"}
    agrees(d)
    pj, sh = d.kiosk(PAGE_JACKSON), d.kiosk(SHEPHERDSTOWN)
    # a hand-out pays it, a void owes it again, the same pin at a second building too
    given = pj.hand_out(ALICE_TRAUMA, "E1", TRAUMA)
    assert pj.send(given) == ["accepted"]
    assert people_owed(d) == {"E2"}
    again = sh.hand_out(ALICE_TRAUMA, "E1", TRAUMA)
    sh.send(again)
    pj.send(pj.void(given))
    assert people_owed(d) == {"E2"}, "still handed out at the second building"
    sh.send(sh.void(again))
    assert people_owed(d) == {"E1", "E2"}
    agrees(d)
    # the roster moves a person to another building; a new award; a revocation by the roster
    roster(d, tmp_path, [
        ["E1", "Alice Able", "alice@example.org", SHEPHERDSTOWN, TRAUMA, "2024-05-01",
         ALICE_TRAUMA, "", "false", ""],
        ["E7", "Gil Green", "gil@example.org", PAGE_JACKSON, TRAUMA, "2024-05-01",
         "urn:uuid:77777777-1111-4111-8111-111111111111", "", "false", ""],
        ["E2", "Bob Baker", "bob@example.org", SHEPHERDSTOWN, TRAUMA, "2024-05-01",
         BOB_TRAUMA, "", "true", "issued in error"]])
    assert people_owed(d) == {"E1", "E7"}
    assert ("E1", _cred(d, TRAUMA), SHEPHERDSTOWN) in agrees(d)
    # a revocation list the district imports
    revoked = tmp_path / "revocations.json"
    revoked.write_text(json.dumps({
        "@context": "https://w3id.org/openbadges/v2", "type": "RevocationList",
        "id": "https://district.example/revocations.json",
        "issuer": "https://district.example/issuer.json",
        "revokedAssertions": [{"id": ALICE_BALANCE, "revocationReason": "duplicate"}]}))
    d.call(import_files, [revoked])
    with d.app.app_context():
        assert hub_db.session.get(HubAward, ALICE_BALANCE).revoked
        hub_db.session.remove()
    assert "E1" not in people_owed(d, factories.BALANCE)
    agrees(d)
    # the catalogue takes a credential's pin away, gives it back, and renames it
    plain = [list(c) for c in factories.CATALOGUE]
    catalogue(d, tmp_path, [[TRAUMA, "2022-09-27", "false", ""], *plain[1:]])
    assert people_owed(d) == set()
    catalogue(d, tmp_path, plain)
    assert people_owed(d) == {"E1", "E7"}
    agrees(d)


def _cred(d: District, name: str) -> int:
    with d.app.app_context():
        found = _credential_id(name)
        hub_db.session.remove()
    return found


def test_the_report_counts_what_is_kept(seeded: District) -> None:
    """The report reads the kept rows: a row kept wrongly shows in it (and a recount mends
    it), so the report is not quietly working it out afresh."""
    d = seeded
    with d.app.app_context():
        with hub_transaction() as session:
            session.execute(delete(HubOwed).where(HubOwed.employee_id == "E2"))
        shepherdstown = {r.credential: r.owed for r in owed.owed(SHEPHERDSTOWN).rows}
        assert shepherdstown[TRAUMA] == 0
        with hub_transaction() as session:
            assert owed_count.recount(session) == len(owed_count.afresh(session))
        assert {r.credential: r.owed for r in owed.owed(SHEPHERDSTOWN).rows}[TRAUMA] == 1
        hub_db.session.remove()


def test_the_command_line_recounts(seeded: District) -> None:
    from unittest import mock

    from kiosk.sync.hub.commands import hub_owed

    with seeded.app.app_context():
        with hub_transaction() as session:
            session.execute(delete(HubOwed))
        hub_db.session.remove()
    with mock.patch("kiosk.sync.hub.commands._app", return_value=seeded.app):
        done = seeded.app.test_cli_runner().invoke(hub_owed, ["--recount"])
    assert done.exit_code == 0, done.output
    assert "Recounted who is owed from every award and hand-out: 4 pins owed." in done.output
    assert "Trauma pin: 2 owed" in done.output
    agrees(seeded)


def test_two_buildings_and_a_roster_import_at_once(seeded: District, tmp_path: Path) -> None:
    """The same person's pin reported by two buildings' kiosks at one moment, a void of it at
    a third moment, and the roster moving them meanwhile: whatever order the transactions
    commit in, what is kept is what is true after all of them."""
    d = seeded
    pj, sh = d.kiosk(PAGE_JACKSON), d.kiosk(SHEPHERDSTOWN)
    rows = [[f"E{100 + i}", f"Person {i}", f"p{i}@example.org", PAGE_JACKSON, TRAUMA,
             "2024-05-01", f"urn:uuid:{i:08d}-1111-4111-8111-111111111111", "", "false", ""]
            for i in range(40)]
    roster(d, tmp_path, rows)
    for round_ in range(3):
        at_pj = [pj.hand_out(r[6], r[0], TRAUMA) for r in rows]
        at_sh = [sh.hand_out(r[6], r[0], TRAUMA) for r in rows]
        moved = [[*r[:3], SHEPHERDSTOWN if round_ % 2 == 0 else PAGE_JACKSON, *r[4:]]
                 for r in rows]
        _at_once([partial(pj.send, *at_pj), partial(sh.send, *at_sh),
                  partial(roster, d, tmp_path, moved, f"moved-{round_}.csv")])
        assert not {r[0] for r in rows} & people_owed(d)
        voids_pj, voids_sh = [pj.void(h) for h in at_pj], [sh.void(h) for h in at_sh[:20]]
        _at_once([partial(pj.send, *voids_pj), partial(sh.send, *voids_sh)])
        owed_now = people_owed(d)  # voided at both buildings: owed again; at one: not
        assert {r[0] for r in rows[:20]} <= owed_now
        assert not {r[0] for r in rows[20:]} & owed_now
        agrees(d)


def _at_once(jobs: list[Callable[[], Any]]) -> None:
    for result in at_once(len(jobs), lambda i: jobs[i]()):
        assert result is None or "rejected" not in result


def test_a_hand_out_waits_for_a_roster_import_working_out_the_same_person(
        seeded: District) -> None:
    """The interleaving that would leave a wrong row: the roster import has moved Alice to
    another building and worked out what she is owed there, not yet committed; a kiosk's
    hand-out of her pin arrives. It must work her out after the import commits (and so see
    the row the import added), not beside it."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    d = seeded
    pj = d.kiosk(PAGE_JACKSON)
    given = pj.hand_out(ALICE_TRAUMA, "E1", TRAUMA)
    with d.app.app_context():
        connection = hub_db.engine.connect()
        importing = Session(bind=connection)
        importing.execute(update(HubAward).where(HubAward.employee_id == "E1")
                          .values(building=SHEPHERDSTOWN))
        owed_count.refresh(importing, ["E1"])
        with ThreadPoolExecutor(1) as pool:
            sent = pool.submit(pj.send, given)
            threading.Event().wait(0.5)
            assert not sent.done(), "the hand-out waits for the import's transaction"
            importing.commit()
            assert sent.result(timeout=30) == ["accepted"]
        importing.close()
        connection.close()
        hub_db.session.remove()
    assert "E1" not in people_owed(d)
    agrees(d)


def test_a_big_roster_import_is_kept_and_its_tables_vacuumed(seeded: District,
                                                              tmp_path: Path) -> None:
    """More than a thousand awards: the import also vacuums and analyses the tables the
    search and the report read (on PostgreSQL, outside any transaction)."""
    rows = [[f"E{5000 + i}", f"Person {i}", f"p{i}@example.org",
             PAGE_JACKSON if i % 2 else SHEPHERDSTOWN, TRAUMA, "2024-05-01",
             f"urn:uuid:{i:08d}-2222-4222-8222-222222222222", "", "false", ""]
            for i in range(1200)]
    roster(seeded, tmp_path, rows, "big.csv")
    kept = agrees(seeded)
    assert {r[0] for r in rows} <= {e for e, _, _ in kept}
    totals = {t.credential: t.owed for t in seeded.call(owed.owed).totals}
    assert totals[TRAUMA] == 1202
    with seeded.app.app_context():
        if hub_db.engine.dialect.name == "postgresql":
            vacuumed = hub_db.session.execute(text(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                "AND last_vacuum IS NOT NULL")).scalars().all()
            assert {"hub_award", "hub_person_word", "hub_owed"} <= set(vacuumed)
        hub_db.session.remove()


def test_a_voided_hand_out_reported_again_pays_nothing(seeded: District) -> None:
    """A new event naming a hand-out the hub has already, and voided: the hand-out counts
    once (it stays voided), so the person is still owed their pin."""
    d = seeded
    pj = d.kiosk(PAGE_JACKSON)
    given = pj.hand_out(ALICE_TRAUMA, "E1", TRAUMA)
    pj.send(given, pj.void(given))
    assert "E1" in people_owed(d)
    again = pj.event("pin_handed_out", given["payload"])
    assert pj.send(again) == ["accepted"]
    assert "E1" in people_owed(d)
    agrees(d)
