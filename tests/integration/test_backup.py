"""Backups and restores of the kiosk's database: `kiosk backup`, the nightly backup of
`kiosk serve` (rotation, an injected clock), and `kiosk restore` (checks first, the database
before kept aside, the kiosk carries on, the chain of events for the district goes on)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_migrate
import pytest
from sqlalchemy import func, select

from kiosk.errors import KioskError
from kiosk.extensions import db
from kiosk.instance_lock import INSTANCE_LOCK
from kiosk.models import OutboxEvent, StockMovement, StockOnHand
from kiosk.services import backup as backups
from kiosk.services.hand_out import hand_out as record_hand_out
from kiosk.services.hand_out_log import recent
from kiosk.services.restore import restore_database
from kiosk.services.scan import check_proof
from kiosk.services.setup import ready_to_serve
from kiosk.services.stock import receive_stock
from kiosk.sync.protocol import GENESIS, event_hash
from tests import factories as f
from tests.conftest import KioskClient, make_app
from tests.web.helpers import hand_out, receipt_no

NY = ZoneInfo("America/New_York")


@pytest.fixture
def app(app):  # type: ignore[no-untyped-def]
    """The seeded kiosk, stamped with its schema revision as `kiosk init` leaves it."""
    with app.app_context():
        flask_migrate.stamp()
        db.session.remove()
    yield app
    lock = app.extensions.pop(INSTANCE_LOCK, None)
    if lock is not None:
        lock.release()
    worker = app.extensions.pop(backups.EXTENSION, None)
    if worker is not None:
        worker.stop()


def live(app) -> Path:  # type: ignore[no-untyped-def]
    return Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))


def dump(path: Path) -> str:
    """Everything in a database, as SQL (read without changing it)."""
    conn = backups.read_only(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def query(path: Path, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    conn = backups.read_only(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def give(payload: str, role: str = "designee") -> str:
    """A hand-out through the service; its receipt."""
    done = record_hand_out(payload, str(uuid.uuid4()), f.staff_id(role), print_receipt=False)
    receipt = done.distribution.receipt
    db.session.remove()
    return receipt


def chain_is_whole() -> list[OutboxEvent]:
    events = list(db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)))
    prev = GENESIS
    for n, e in enumerate(events, start=1):
        assert e.seq == n and e.prev_hash == prev
        assert e.hash == event_hash(e.prev_hash, e.id, e.seq, e.kind, json.loads(e.payload),
                                    e.created_text)
        prev = e.hash
    return events


def stock_follows_the_ledger() -> None:
    db.session.rollback()
    ledger = dict(db.session.execute(select(StockMovement.credential_id,
                                            func.sum(StockMovement.qty))
                                     .group_by(StockMovement.credential_id)).all())
    kept = dict(db.session.execute(select(StockOnHand.credential_id, StockOnHand.on_hand)).all())
    assert kept == ledger


# --- restore: the kiosk carries on -----------------------------------------------------------


def test_a_restored_backup_puts_the_kiosk_back_and_it_carries_on(app, runner, tmp_path):
    saved = tmp_path / "usb" / "kiosk.sqlite3"
    app.test_client_class = KioskClient
    earlier = app.test_client()
    earlier.login("office")  # a session the backup holds, open at the time
    with app.app_context():
        first = give(f.ALICE_TRAUMA)
    result = runner.invoke(args=["backup", "--out", str(saved)])
    assert result.exit_code == 0, result.output
    with app.app_context():  # the kiosk goes on after the backup was taken
        after = [give(f.BOB_TRAUMA), give(f.ALICE_BALANCE)]
        receive_stock(f.CHALLENGES, 4, f.staff_id("office"), "late box")
        lost = [e.id for e in db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))]
        db.session.remove()

    result = runner.invoke(args=["restore", str(saved)])

    assert result.exit_code == 0, result.output
    assert "kept as" in result.output and "carried over" in result.output
    aside = next(live(app).parent.glob("kiosk-before-restore-*.sqlite3"))
    assert sorted(r[0] for r in query(aside, "SELECT receipt FROM distribution")) == \
        sorted([first, *after])  # the database before is kept whole
    assert query(live(app), "PRAGMA integrity_check") == [("ok",)]
    assert not list(live(app).parent.glob(".restore-*"))
    with app.app_context():
        assert [d.receipt for d in recent()] == [first]  # the log shows the restored state
        stock_follows_the_ledger()
        assert ready_to_serve() == f.BUILDING
        # what was handed out after the backup is not known here any more: the receipts are
        # the proof; the district still gets every event (carried over, then the restore)
        assert check_proof(f.BOB_TRAUMA).reason.value == "ok"
        events = chain_is_whole()
        assert [e.id for e in events[:len(lost)]] == lost
        assert events[-1].kind == "kiosk_restored"
        db.session.remove()

    # the sessions the backup holds ended with the restore: everyone logs in again
    assert earlier.get("/stock").status_code == 302
    desk = app.test_client()
    desk.login("designee")
    # PJE-00002 and 3 were printed after the backup: the numbers go on after them
    assert receipt_no(hand_out(desk, f.BOB_TRAUMA)) == "PJE-00004"
    with app.app_context():
        assert [d.receipt for d in recent()] == ["PJE-00004", first]
        assert chain_is_whole()[-1].kind == "pin_handed_out"
        stock_follows_the_ledger()
        assert query(live(app), "PRAGMA integrity_check") == [("ok",)]
        db.session.remove()


def test_the_database_before_can_itself_be_restored(app, runner, tmp_path):
    """A restore is undone by restoring the database it kept aside."""
    saved = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", "--out", str(saved)]).exit_code == 0
    with app.app_context():
        later = give(f.ALICE_TRAUMA)
    assert runner.invoke(args=["restore", str(saved)]).exit_code == 0
    aside = next(live(app).parent.glob("kiosk-before-restore-*.sqlite3"))
    aside = aside.rename(tmp_path / "before.sqlite3")

    result = runner.invoke(args=["restore", str(aside)])

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert [d.receipt for d in recent()] == [later]
        chain_is_whole()
        db.session.remove()


# --- restore: what is refused ----------------------------------------------------------------


def _text_file(folder: Path, good: Path) -> Path:
    path = folder / "notes.sqlite3"
    path.write_text("Backup of the kiosk, Tuesday\n" * 20)
    return path


def _damaged(folder: Path, good: Path) -> Path:
    path = folder / "damaged.sqlite3"
    data = bytearray(good.read_bytes())
    page = 4096
    for n in range(2, len(data) // page, 3):  # scribble over every third page but the first
        data[n * page + 8:n * page + 200] = bytes(range(192))
    path.write_bytes(bytes(data))
    return path


def _hub(folder: Path, good: Path) -> Path:
    from kiosk.sync.hub import create_hub_app
    from kiosk.sync.hub.extensions import hub_db

    path = folder / "hub.sqlite3"
    hub = create_hub_app({"TESTING": True, "INSTANCE_PATH": str(folder / "hub-instance"),
                          "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{path}"})
    with hub.app_context():
        hub_db.create_all()
        hub_db.session.remove()
        hub_db.engine.dispose()
    return path


def _other_sqlite(folder: Path, good: Path) -> Path:
    path = folder / "recipes.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipe (name TEXT)")
    conn.commit()
    conn.close()
    return path


def _newer(folder: Path, good: Path) -> Path:
    path = folder / "newer.sqlite3"
    path.write_bytes(good.read_bytes())
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("make, says", [
    (_text_file, "is not a database (not an SQLite file)"),
    (_damaged, "is damaged"),
    (_hub, "is a district hub's database, not a kiosk's"),
    (_other_sqlite, "not a Pin Kiosk database"),
    (_newer, "was made by a newer version of Pin Kiosk (database revision 0099"),
], ids=["text", "damaged", "hub", "other", "newer"])
def test_a_file_that_is_not_a_kiosk_database_is_refused_and_nothing_changes(
        app, runner, tmp_path, make, says):
    good = tmp_path / "good.sqlite3"
    assert runner.invoke(args=["backup", "--out", str(good)]).exit_code == 0
    with app.app_context():
        give(f.ALICE_TRAUMA)
    bad = make(tmp_path, good)
    before = dump(live(app))

    result = runner.invoke(args=["restore", str(bad)])

    assert result.exit_code == 2
    assert says in result.output and "Nothing was changed" in result.output
    assert "Traceback" not in result.output
    assert dump(live(app)) == before
    assert sorted(p.name for p in live(app).parent.iterdir()
                  if p.name.startswith(("kiosk-before", ".restore"))) == []


def test_a_backup_from_an_older_version_is_upgraded_in_place(app, tmp_path):
    old = make_app(tmp_path / "old")
    with old.app_context():
        flask_migrate.upgrade(revision="0007")
        db.session.execute(db.text("INSERT INTO building (name, code, is_here) "
                                   "VALUES ('Page Jackson Elementary', 'PJE', 1)"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    with app.app_context():
        report = restore_database(live(old))
        assert (report.revision, report.upgraded_to) == ("0007", backups_head())
        assert "upgraded to" in report.messages[0]
        assert ready_to_serve() == f.BUILDING
        assert query(live(app), "SELECT version_num FROM alembic_version") == \
            [(backups_head(),)]
        db.session.remove()


def backups_head() -> str:
    from kiosk.services.restore import _revisions

    return _revisions()[1]


def test_no_restore_while_the_kiosk_serves_this_instance(app, runner, tmp_path):
    saved = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", "--out", str(saved)]).exit_code == 0
    app.config["BACKUP_AT"] = "off"
    backups.start_backups(app)  # what `kiosk serve` does first
    before = dump(live(app))

    result = runner.invoke(args=["restore", str(saved)])

    assert result.exit_code == 2
    assert "The kiosk is running on this instance folder" in result.output
    assert "Stop it first" in result.output
    assert dump(live(app)) == before
    # nor a second `kiosk serve` on the same folder
    second = make_app(Path(app.instance_path).parent)
    with pytest.raises(KioskError, match="Stop it first"):
        backups.start_backups(second)


# --- backups ---------------------------------------------------------------------------------


def test_kiosk_backup_refuses_to_overwrite_a_file(app, runner, tmp_path):
    out = tmp_path / "taken.sqlite3"
    out.write_text("keep me")
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert out.read_text() == "keep me"


def test_a_backup_taken_while_the_desk_writes_is_one_consistent_moment(app, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setattr(backups, "STEP_PAGES", 1)  # a step a page: writes land between them
    stop = threading.Event()

    def desk() -> None:
        with app.app_context():
            while not stop.is_set():
                receive_stock(f.BALANCE, 1, None, "a box")
            db.session.remove()

    writer = threading.Thread(target=desk)
    writer.start()
    try:
        with app.app_context():
            out = tmp_path / "busy.sqlite3"
            backups.backup_database(out)
            db.session.remove()
    finally:
        stop.set()
        writer.join()
    assert query(out, "PRAGMA integrity_check") == [("ok",)]
    ledger = dict(query(out, "SELECT credential_id, sum(qty) FROM stock_movement "
                             "GROUP BY credential_id"))
    assert dict(query(out, "SELECT credential_id, on_hand FROM stock_on_hand")) == ledger
    assert not out.with_name(out.name + "-wal").exists()


def at(day: int, hour: int, minute: int) -> datetime:
    """A moment in the kiosk's time zone, in UTC as a clock gives it."""
    return datetime(2026, 11, day, hour, minute, tzinfo=NY).astimezone(UTC)


def test_a_nightly_backup_is_due_once_a_night_and_at_start_when_the_night_was_missed(app):
    with app.app_context():
        plan = backups.Plan.from_config(app)
        assert (plan.at.isoformat(), plan.keep) == ("02:30:00", 14)
        assert plan.folder == Path(app.instance_path) / "backups"
        assert backups.due(at(23, 12, 0), plan)  # none yet: at once
        backups.nightly_backup(at(23, 12, 0), plan)
        assert not backups.due(at(23, 23, 59), plan)
        assert not backups.due(at(24, 2, 29), plan)
        assert backups.due(at(24, 2, 30), plan)
        backups.nightly_backup(at(24, 2, 30), plan)
        assert not backups.due(at(24, 17, 0), plan)
        assert backups.due(at(27, 8, 15), plan)  # switched off for three nights: at start
        off = backups.Plan(None, 14, plan.folder)
        assert not backups.due(at(27, 8, 15), off)
        db.session.remove()
    assert [p.name for _, p in backups.backups(plan.folder)] == [
        "kiosk-2026-11-23-1200.sqlite3", "kiosk-2026-11-24-0230.sqlite3"]


def test_rotation_keeps_the_newest_n_and_nothing_else_is_touched(app, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "kiosk-before-the-move.sqlite3").write_text("a person's own file")
    (folder / "kiosk-2026-11-01-0230.sqlite3.part").write_text("cut short")
    plan = backups.Plan(None, 3, folder)
    with app.app_context():
        for day in range(10, 16):
            backups.nightly_backup(at(day, 2, 30), plan)
        db.session.remove()
    assert sorted(p.name for p in folder.iterdir()) == [
        "kiosk-2026-11-13-0230.sqlite3", "kiosk-2026-11-14-0230.sqlite3",
        "kiosk-2026-11-15-0230.sqlite3", "kiosk-before-the-move.sqlite3"]
    for name in ("kiosk-2026-11-13-0230.sqlite3", "kiosk-2026-11-15-0230.sqlite3"):
        assert query(folder / name, "PRAGMA integrity_check") == [("ok",)]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def wait_for(check, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the nightly thread did not do it"
        time.sleep(0.02)


def test_the_nightly_thread_backs_up_at_night_on_an_injected_clock(app, tmp_path):
    folder = tmp_path / "nightly"
    app.config.update(BACKUP_FOLDER=str(folder), BACKUP_KEEP=2)
    clock = Clock(at(23, 9, 0))
    worker = backups.start_backups(app, clock)  # the kiosk starts at 9 with no backup at all
    wait_for(lambda: len(backups.backups(folder)) == 1)
    with app.app_context():
        give(f.ALICE_TRAUMA)  # the day's work
    assert 1 <= worker.pause() <= backups.CHECK_SECONDS

    clock.now = at(24, 2, 30)  # night
    worker.wake_soon()
    wait_for(lambda: [p.name for _, p in backups.backups(folder)][-1:]
             == ["kiosk-2026-11-24-0230.sqlite3"])
    newest = folder / "kiosk-2026-11-24-0230.sqlite3"
    assert query(newest, "SELECT count(*) FROM distribution") == [(1,)]

    clock.now = at(25, 2, 31)
    worker.wake_soon()
    wait_for(lambda: [p.name for _, p in backups.backups(folder)] == [
        "kiosk-2026-11-24-0230.sqlite3", "kiosk-2026-11-25-0231.sqlite3"])
    worker.stop()
    assert worker.error == "" and worker.failed_at is None


def test_a_failed_backup_is_shown_on_the_settings_page_and_the_kiosk_carries_on(
        app, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backup folder should be")
    app.config["BACKUP_FOLDER"] = str(blocked)
    clock = Clock(at(24, 2, 30))
    worker = backups.start_backups(app, clock)
    wait_for(lambda: worker.failed_at is not None)
    assert worker.pause() == backups.RETRY_SECONDS
    assert worker._thread is not None and worker._thread.is_alive()

    app.test_client_class = KioskClient
    admin = app.test_client()
    admin.login("admin")
    shown = admin.get("/settings").get_data(as_text=True)
    assert "Last backup" in shown and "FAILED" in shown and 'role="alert"' in shown
    assert receipt_no(hand_out(admin, f.ALICE_TRAUMA)) == "PJE-00001"  # the desk goes on

    app.config["BACKUP_FOLDER"] = str(tmp_path / "fixed")
    worker.plan = backups.Plan.from_config(app)
    assert worker.run_once() is not None
    shown = admin.get("/settings").get_data(as_text=True)
    assert "FAILED" not in shown and "2026-11-24 02:30, 1 kept" in shown


def test_a_wrong_backup_time_stops_kiosk_serve_with_a_clear_message(app):
    app.config["BACKUP_AT"] = "half past two"
    with pytest.raises(KioskError, match="BACKUP_AT 'half past two' is not a time"):
        backups.start_backups(app)
