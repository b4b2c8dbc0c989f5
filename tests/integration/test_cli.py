"""The `kiosk` command-line contract that later checks script against."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import (
    Award,
    Credential,
    Distribution,
    Person,
    PrintJob,
    StaffUser,
    StockMovement,
)
from kiosk.services.demo import seed_demo
from kiosk.services.scan import check_proof
from tests import factories as f
from tests.integration.conftest import on_hand

CONTRACT_FIELDS = {"ok", "reason", "award_id", "credential", "person", "format",
                   "checked_against"}


def invoke(runner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(args=list(args))


# --- verify ----------------------------------------------------------------------------------

def test_verify_json_ok(runner):
    result = invoke(runner, "verify", "--json", f.BADGR_URL)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert CONTRACT_FIELDS <= set(data)
    assert data["ok"] is True and data["reason"] == "ok"
    assert data["award_id"] == f.ALICE_TRAUMA
    assert data["credential"] == f.TRAUMA
    assert data["person"] == "Alice Able"
    assert data["format"] == "url"
    assert datetime.fromisoformat(data["checked_against"])


@pytest.mark.parametrize(("payload", "reason"), [
    (f.BOB_REVOKED, "revoked"),
    (f.CARA_COMMUNICATION, "no_pin_for_credential"),
    (f.CARA_CHALLENGES, "out_of_stock"),
    ("urn:uuid:00000000-0000-4000-8000-000000000000", "unknown_badge"),
    ("this is not a badge", "malformed"),
    ("", "malformed"),
])
def test_verify_json_other_reasons_exit_1(runner, payload, reason):
    result = invoke(runner, "verify", "--json", payload)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["reason"] == reason
    assert CONTRACT_FIELDS <= set(data)


def test_verify_without_a_payload_is_a_usage_error(runner):
    result = invoke(runner, "verify", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_verify_in_words(runner):
    result = invoke(runner, "verify", f.BOB_REVOKED)
    assert result.exit_code == 1
    assert result.stdout.startswith("revoked: Badge revoked")
    assert "Bob Baker" in result.stdout
    assert "Issued in error" in result.stdout


def test_verify_hands_nothing_out(runner, app):
    invoke(runner, "verify", f.ALICE_TRAUMA)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Distribution)) == 0


# --- hand-out --------------------------------------------------------------------------------

def test_hand_out_prints_the_receipt_number(runner, app):
    result = invoke(runner, "hand-out", f.ALICE_TRAUMA, "--staff", "Dee Designee",
                    "--note", "from the paper log")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "PJE-00001"
    with app.app_context():
        dist = db.session.scalar(select(Distribution))
        assert (dist.receipt, dist.source, dist.note) == ("PJE-00001", "cli", "from the paper log")
        assert dist.staff.name == "Dee Designee"
        assert on_hand(f.TRAUMA) == f.STOCK[f.TRAUMA] - 1


def test_hand_out_without_a_receipt(runner, app):
    result = invoke(runner, "hand-out", f.ALICE_TRAUMA, "--staff", "Dee Designee", "--no-receipt")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PrintJob)) == 0
        assert db.session.scalar(select(func.count()).select_from(Distribution)) == 1


def test_hand_out_twice_is_refused_with_the_reason_code(runner, app):
    assert invoke(runner, "hand-out", f.ALICE_TRAUMA, "--staff", "Dee Designee").exit_code == 0
    result = invoke(runner, "hand-out", f.BADGR_URL, "--staff", "Olive Office")
    assert result.exit_code == 1
    assert "already_issued" in result.stderr
    assert result.stdout == ""
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Distribution)) == 1


@pytest.mark.parametrize(("payload", "reason"), [
    (f.BOB_REVOKED, "revoked"),
    (f.CARA_CHALLENGES, "out_of_stock"),
    ("urn:uuid:00000000-0000-4000-8000-000000000000", "unknown_badge"),
    ("not a badge", "malformed"),
])
def test_hand_out_refuses_what_the_scan_page_refuses(runner, payload, reason):
    result = invoke(runner, "hand-out", payload, "--staff", "Dee Designee")
    assert result.exit_code == 1
    assert reason in result.stderr


def test_hand_out_back_entry_keeps_the_time(runner, app):
    result = invoke(runner, "hand-out", f.ALICE_TRAUMA, "--staff", "Olive Office",
                    "--at", "2024-03-01T10:30")
    assert result.exit_code == 0, result.output
    result = invoke(runner, "hand-out", f.BOB_TRAUMA, "--staff", "Olive Office",
                    "--at", "2024-03-04T09:00:00+00:00")
    assert result.exit_code == 0, result.output
    with app.app_context():
        times = db.session.scalars(select(Distribution.handed_out_at)
                                   .order_by(Distribution.receipt_no)).all()
        # a time without a zone is the building's (New York) time
        assert times == [datetime(2024, 3, 1, 15, 30, tzinfo=UTC),
                         datetime(2024, 3, 4, 9, 0, tzinfo=UTC)]
        movement = db.session.scalar(select(StockMovement).where(StockMovement.kind == "issued")
                                     .order_by(StockMovement.id))
        assert movement.at == times[0]


def test_hand_out_in_the_future_is_refused(runner, app):
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    result = invoke(runner, "hand-out", f.ALICE_TRAUMA, "--staff", "Dee Designee", "--at", later)
    assert result.exit_code != 0
    assert "future" in result.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Distribution)) == 0


def test_hand_out_with_a_bad_time_or_unknown_staff(runner):
    result = invoke(runner, "hand-out", f.ALICE_TRAUMA, "--staff", "Dee Designee",
                    "--at", "last tuesday")
    assert result.exit_code == 2 and "ISO time" in result.stderr
    result = invoke(runner, "hand-out", f.ALICE_TRAUMA, "--staff", "Nobody")
    assert result.exit_code == 2 and "Nobody" in result.stderr
    assert "Traceback" not in result.output


def test_hand_out_without_staff_is_a_usage_error(runner):
    assert invoke(runner, "hand-out", f.ALICE_TRAUMA).exit_code == 2


# --- stock receive ---------------------------------------------------------------------------

def test_stock_receive(runner, app):
    result = invoke(runner, "stock", "receive", "--credential", f.BALANCE, "--qty", "12",
                    "--note", "slip 42")
    assert result.exit_code == 0, result.output
    assert "On hand: 17" in result.stdout
    with app.app_context():
        assert on_hand(f.BALANCE) == 17
        movement = db.session.scalar(select(StockMovement).order_by(StockMovement.id.desc()))
        assert (movement.kind, movement.qty, movement.note) == ("received", 12, "slip 42")


@pytest.mark.parametrize("args", [
    ("--credential", f.BALANCE, "--qty", "0"),
    ("--credential", f.BALANCE, "--qty", "-3"),
    ("--credential", f.BALANCE, "--qty", "many"),
    ("--credential", f.COMMUNICATION, "--qty", "3"),
    ("--credential", "Underwater Basket Weaving", "--qty", "3"),
    ("--qty", "3"),
])
def test_stock_receive_refuses_bad_input(runner, app, args):
    result = invoke(runner, "stock", "receive", *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    with app.app_context():
        assert on_hand(f.BALANCE) == f.STOCK[f.BALANCE]


# --- cache import ----------------------------------------------------------------------------

def test_cache_import_reports_bad_rows_by_line_and_imports_the_rest(runner, app, tmp_path):
    rows = [
        ["E9", "Dan Dunn", "dan@example.org", f.BUILDING, f.TRAUMA, "2024-02-01", "JCS-1", "",
         "false", ""],
        ["E10", "Eve Egan", "eve@example.org", f.BUILDING, f.TRAUMA, "someday", "JCS-2", "",
         "false", ""],
        ["E11", "Fay Fox", "fay@example.org", f.BUILDING, f.BALANCE, "2024-02-01", "JCS-3", "",
         "false", ""],
    ]
    path = f.write_csv(tmp_path / "new-roster.csv", f.ROSTER_HEADER, rows)
    result = invoke(runner, "cache", "import", str(path))
    assert result.exit_code == 1
    assert "new-roster.csv, line 3" in result.stderr
    assert "someday" in result.stderr
    assert "2 added" in result.stdout
    with app.app_context():
        assert check_proof("JCS-1").ok and check_proof("JCS-3").ok
        assert check_proof("JCS-2").reason.value == "unknown_badge"


def test_cache_import_of_good_files_exits_0_and_is_idempotent(runner, app, tmp_path):
    files = [str(tmp_path / "catalogue.csv"), str(tmp_path / "roster.csv")]
    with app.app_context():
        before = (db.session.scalar(select(func.count()).select_from(Award)),
                  db.session.scalar(select(func.count()).select_from(Person)))
    for _ in range(2):
        result = invoke(runner, "cache", "import", *files)
        assert result.exit_code == 0, result.output
        assert "0 added, 0 changed, 11 unchanged, 0 with errors" in result.stdout
    with app.app_context():
        after = (db.session.scalar(select(func.count()).select_from(Award)),
                 db.session.scalar(select(func.count()).select_from(Person)))
    assert after == before


def test_cache_import_refuses_an_unknown_file(runner, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    result = invoke(runner, "cache", "import", str(path))
    assert result.exit_code == 2
    assert "unknown file" in result.stderr


def test_cache_import_of_a_missing_file_is_a_usage_error(runner, tmp_path):
    result = invoke(runner, "cache", "import", str(tmp_path / "missing.csv"))
    assert result.exit_code == 2


# --- demo ------------------------------------------------------------------------------------

def test_demo_seeds_once_in_the_instance_folder_from_the_environment(tmp_path, monkeypatch):
    folder = tmp_path / "demo-instance"
    monkeypatch.setenv("KIOSK_INSTANCE_PATH", str(folder))
    app = create_app({"TESTING": True, "PRINT_WORKER": False})
    try:
        assert app.instance_path == str(folder)
        runner = app.test_cli_runner()
        first = runner.invoke(args=["demo", "--no-serve"])
        assert first.exit_code == 0, (first.output, first.exception)
        assert "Demo district seeded." in first.stdout
        assert "Demo Admin" in first.stdout
        assert (folder / "kiosk.sqlite3").exists()
        with app.app_context():
            counts = _demo_counts()
            assert counts[0] == 9  # the nine credentials of the seed district
            assert counts[1] > 200 and counts[3] == 5

        second = runner.invoke(args=["demo", "--no-serve"])
        assert second.exit_code == 0, (second.output, second.exception)
        assert "already seeded" in second.stdout
        with app.app_context():
            assert _demo_counts() == counts
            # every sample payload the console suggests gets the verdict it is labelled with,
            # and the two "ok" samples are different awards (trying one must not spend the other)
            samples = seed_demo().samples
            for label, payload in samples.items():
                assert check_proof(payload).reason.value == label.split(" (")[0], label
            ok_award = check_proof(samples["ok"]).award
            link_award = check_proof(samples["ok (badge link)"]).award
            assert ok_award and link_award and ok_award.award_id != link_award.award_id
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _demo_counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Credential, Person, StaffUser, Distribution, StockMovement, Award)
    )
