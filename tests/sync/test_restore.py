"""A kiosk restored from a backup, against a real hub: its chain of events goes on where the
hub expects it (the events after the backup are carried over from the database before), and
without that database the hub keeps every event and flags the numbers used twice."""

from __future__ import annotations

from pathlib import Path

import flask_migrate

from kiosk.extensions import db
from kiosk.services.backup import backup_database
from kiosk.services.restore import restore_database
from tests.factories import ALICE_TRAUMA, BALANCE, TRAUMA

from .conftest import District, Kiosk, assert_all_on_hub_once, award_id, sync_until_done

LATER = award_id("E10", TRAUMA)  # people of the first building, for hand-outs after the backup
NEWER = award_id("E13", TRAUMA)


def backed_up_then_worked_on(kiosk: Kiosk, saved: Path) -> str:
    """A hand-out synced, the backup, a hand-out synced after it, stock never pushed. The id
    of the hand-out after the backup."""
    kiosk.call(flask_migrate.stamp)  # as `kiosk init` leaves a database
    kiosk.hand_out(ALICE_TRAUMA)
    sync_until_done(kiosk)
    kiosk.call(backup_database, saved)
    later = kiosk.hand_out(LATER)
    sync_until_done(kiosk)  # the hub has it
    kiosk.receive(BALANCE, 5)  # the hub never got this one
    return later


def test_a_restored_kiosk_goes_on_with_its_chain_and_the_hub_gets_every_event(
        district: District, tmp_path: Path) -> None:
    kiosk = district.kiosks[0]
    saved = tmp_path / "last-night.sqlite3"
    later = backed_up_then_worked_on(kiosk, saved)
    before = kiosk.outbox()

    report = kiosk.call(restore_database, saved)

    assert report.chain == "continued" and report.carried == 2 and report.enrolled
    assert [e["id"] for e in kiosk.outbox()][:len(before)] == [e["id"] for e in before]
    kiosk.hand_out(NEWER)
    for each in district.kiosks:
        sync_until_done(each)
    assert_all_on_hub_once(district)  # one chain, whole: nothing flagged, nothing lost
    on_hub = district.hub.events(kiosk.kiosk_id)
    assert [e.kind for e in on_hub][-4:] == ["pin_handed_out", "stock_received",
                                             "kiosk_restored", "pin_handed_out"]
    assert any(later in e.payload for e in on_hub)  # the hand-out the restore lost, kept


def test_a_kiosk_restored_without_its_database_before_warns_and_the_hub_keeps_everything(
        district: District, tmp_path: Path) -> None:
    kiosk = district.kiosks[0]
    saved = tmp_path / "last-night.sqlite3"
    backed_up_then_worked_on(kiosk, saved)
    had = {e.id for e in district.hub.events(kiosk.kiosk_id)}
    # the PC died: a new one has the instance folder (its token) but no database
    kiosk.call(lambda: db.engine.dispose())
    database = kiosk.folder / "instance" / "kiosk.sqlite3"
    for path in (database, *database.parent.glob("kiosk.sqlite3-*")):
        path.unlink()

    report = kiosk.call(restore_database, saved)

    assert report.chain == "unknown" and report.kept_aside is None
    assert any(line.startswith("Warning") and "tell the district office" in line
               for line in report.messages)
    kiosk.hand_out(NEWER)
    sync_until_done(kiosk)
    on_hub = {e.id: e for e in district.hub.events(kiosk.kiosk_id)}
    assert had <= set(on_hub)  # what the hub had stays
    assert {e["id"] for e in kiosk.outbox()} <= set(on_hub)  # and it has every event now
    assert {e["status"] for e in kiosk.outbox()} == {"sent"}
    flagged = district.hub.exceptions("broken_chain")
    assert flagged and all("restored from an old backup" in e.summary for e in flagged)
    restored = [e for e in on_hub.values() if e.kind == "kiosk_restored"]
    assert len(restored) == 1 and '"chain": "unknown"' in restored[0].payload
