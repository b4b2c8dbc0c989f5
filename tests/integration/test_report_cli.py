"""`kiosk report daily` and `kiosk report period` (issue 13): the PDFs written where asked, the
period's hand-outs as the log's CSV export writes them, and a clear error for bad dates."""

from __future__ import annotations

import subprocess
import uuid
from datetime import date

from kiosk.services.hand_out import hand_out
from kiosk.services.log_export import COLUMNS
from kiosk.services.reports import today
from tests import factories as f
from tests.hostile import csv_records, defused
from tests.report_data import bulk_hand_outs


def invoke(runner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["report", *args])


def text_of(path) -> str:  # type: ignore[no-untyped-def]
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return " ".join(out.split())


def test_report_daily_writes_todays_sheet_by_default(runner, app, tmp_path):
    with app.app_context():
        hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), f.staff_id("designee"))
        day = today()
    out = tmp_path / "today.pdf"
    result = invoke(runner, "daily", "--out", str(out))
    assert result.exit_code == 0, result.output
    long = f"{day:%A, %B} {day.day}, {day.year}"
    assert result.stdout.strip() == f"Daily sheet for {long} written to {out}"
    text = text_of(out)
    assert f"Daily sheet: Page Jackson Elementary {long}" in text
    assert "1 hand-out." in text
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".today")] == []


def test_report_daily_for_a_given_date(runner, tmp_path):
    out = tmp_path / "sheet.pdf"
    result = invoke(runner, "daily", "--date", "2026-03-02", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Monday, March 2, 2026" in text_of(out)
    assert "No pins were handed out that day." in text_of(out)


def test_report_period_writes_the_pdf_and_the_period_csv(runner, app, tmp_path):
    with app.app_context():
        done = bulk_hand_outs(date(2026, 11, 2), 5, 40, name="=HYPERLINK(\"x\") Ann",
                              reason="+cmd {n}")
        bulk_hand_outs(date(2026, 12, 1), 1, 3, manual_every=0, void_every=0)  # after it
    out, sheet = tmp_path / "november.pdf", tmp_path / "november.csv"
    result = invoke(runner, "period", "--from", "2026-11-01", "--to", "2026-11-30",
                    "--out", str(out), "--csv", str(sheet))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Period report for Sunday, November 1, 2026 to Monday, November 30, 2026 written to "
        f"{out}", f"40 hand-outs written to {sheet}"]
    assert "40 hand-outs over 30 days" in text_of(out)
    data = sheet.read_bytes()
    records = csv_records(data)
    assert tuple(records[0]) == COLUMNS
    assert len(records) == done.hand_outs
    assert records[0]["person"] == defused('=HYPERLINK("x") Ann 0')
    manual = [r for r in records if r["manual_reason"]]
    assert [r["receipt"] for r in manual] == done.manual
    assert all(r["manual_reason"].startswith("'+cmd") for r in manual)
    assert {r["receipt"] for r in records if r["void_reason"]} == set(done.voided)


def test_bad_dates_are_a_clear_error_and_write_nothing(runner, tmp_path):
    out = tmp_path / "r.pdf"
    for args, says in [
        (("daily", "--date", "4/12/2026"), "The date must be a day like 2026-12-04"),
        (("period", "--from", "2026-03-01", "--to", "2026-02-01"),
         "The From date (2026-03-01) is after the To date (2026-02-01)."),
        (("period", "--from", "2024-01-01", "--to", "2026-01-01"), "at most 366 days"),
    ]:
        result = invoke(runner, *args, "--out", str(out))
        assert result.exit_code == 2, result.output
        assert says in result.stderr
        assert "Traceback" not in result.output
        assert not out.exists()
    missing = invoke(runner, "daily", "--out", str(tmp_path / "no" / "such" / "r.pdf"))
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr
