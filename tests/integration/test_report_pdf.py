"""The daily sheet and the period report (issue 13), read back as a person reads them
(pdftotext): each pin's reconciliation and whether it holds, the chart, the manual hand-outs
and the voids with their reasons, the waitlist at the end, the signature lines, the frame of
every page; hostile text printed as written; 10,000 hand-outs all there on a sane number of
pages."""

from __future__ import annotations

import re
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from kiosk.domain.ledger import Reconciliation
from kiosk.extensions import db
from kiosk.models import WaitlistEntry
from kiosk.reports.office_data import OfficeReport, PinFigures
from kiosk.reports.office_pdf import render_office_pdf
from kiosk.services import lookups
from kiosk.services.hand_out import hand_out
from kiosk.services.reports import report_pdf, today
from kiosk.services.stock import receive_stock
from kiosk.services.stock_ledger import Period, reconciliations
from kiosk.services.void import void_hand_out
from kiosk.services.waitlist import add_to_waitlist
from tests import factories as f
from tests.hostile import MARKUP, SCRIPT
from tests.report_data import bulk_hand_outs

pytestmark = pytest.mark.usefixtures("ctx")  # the services are called directly
MADE = datetime(2026, 12, 4, 21, 30, tzinfo=UTC)  # 16:30 in the building (New York)


def pages(pdf: bytes, folder: Path, name: str = "report.pdf", layout: bool = True) -> list[str]:
    """Each page's text as pdftotext reads it: as laid out (rows of a table on a line), or
    in reading order (a cell's wrapped lines together)."""
    path = folder / name
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", *(["-layout"] if layout else []), str(path), "-"],
                         check=True,
                         capture_output=True, text=True).stdout
    return out.split("\f")[:-1]


def words(page: str) -> str:
    return " ".join(page.split())


def figures_row(text: str, pin: str) -> list[int]:
    """The numbers on the reconciliation's row of ``pin``."""
    line = next(line for line in text.splitlines() if line.strip().startswith(pin))
    numbers = re.findall(r"[−+-]?[\d,]+", line[line.index(pin) + len(pin):])
    return [int(n.replace(",", "").replace("−", "-")) for n in numbers]


def a_day(ctx_day: date | None = None) -> Period:
    return Period.day(ctx_day or today())


def test_a_daily_sheet_shows_each_pins_reconciliation_and_says_it_holds(tmp_path):
    designee, office = f.staff_id("designee"), f.staff_id("office")
    receive_stock(f.CHALLENGES, 4, office, "late box")
    done = hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), designee)
    hand_out(f.BOB_TRAUMA, str(uuid.uuid4()), designee)
    hand_out(f.CARA_CHALLENGES, str(uuid.uuid4()), designee)
    void_hand_out(done.distribution.id, office, "wrong person")
    made = report_pdf(a_day())
    assert made.filename == f"daily-sheet-PJE-{today().isoformat()}.pdf"
    text = "\n".join(pages(made.pdf, tmp_path))
    expected = {p.pin: p.figures for p in reconciliations(a_day())}
    for pin, r in expected.items():
        assert figures_row(text, pin.split()[0])[-9:] == [
            r.opening, r.received, r.transfers_in, r.transfers_out, r.handed_out, r.voided,
            r.adjustments, r.count_corrections, r.closing], pin
    trauma = expected["Trauma pin"]
    assert (trauma.received, trauma.handed_out, trauma.voided, trauma.closing) == (10, 2, 1, 9)
    assert "The identity holds for every pin" in words(text)
    assert re.search(r"All pins\s+0\s+22\s+0\s+0\s+3\s+1\s+0\s+0\s+20\s+yes", text)


def test_a_figure_that_does_not_add_up_is_said_in_red_words(tmp_path):
    wrong = Reconciliation(opening=5, handed_out=1, closing=7)
    report = OfficeReport("Page Jackson Elementary", "PJE", date(2026, 12, 4), date(2026, 12, 4),
                          MADE, [PinFigures("Trauma pin", wrong)], [(date(2026, 12, 4), 1)],
                          [], [], [])
    text = words(pages(render_office_pdf(report), tmp_path)[0])
    assert "The identity does NOT hold for Trauma pin: the figures give 4, the closing " \
           "stock is 7." in text
    assert re.search(r"Trauma pin 5 0 0 0 1 0 0 0 7 NO", text)


def test_the_lists_manual_hand_outs_voids_and_the_waitlist_with_their_reasons(tmp_path):
    designee, office = f.staff_id("designee"), f.staff_id("office")
    manual = hand_out(f.BOB_TRAUMA, str(uuid.uuid4()), designee,
                      manual=("other", "badge printed on the wrong paper")).distribution
    scanned = hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), designee).distribution
    void_hand_out(scanned.id, office, "given to the wrong Alice")
    add_to_waitlist(f.CARA_CHALLENGES, designee)  # out of stock: waiting at the end of today
    text = words("\n".join(pages(report_pdf(a_day()).pdf, tmp_path)))
    assert "Manual hand-outs (no proof scanned) (1)" in text
    assert (f"{manual.receipt} {manual.handed_out_at.astimezone(lookups.timezone()):%H:%M} "
            "Bob Baker (E2) Trauma pin Dee Designee Other: badge printed on the wrong paper"
            ) in text
    assert "Voided hand-outs (1)" in text
    assert re.search(rf"{scanned.receipt} \d\d:\d\d \d\d:\d\d Alice Able Trauma pin Olive "
                     r"Office given to the wrong Alice", text)
    assert f"Waitlist at the end of {today():%A, %B} {today().day}, {today().year} (1)" in text
    assert re.search(r"\d\d:\d\d Cara Cole \(E3\) Understanding Students Facing Challenges "
                     r"pin still waiting", text)


def test_the_waitlist_is_who_waited_at_the_end_of_the_period(tmp_path):
    designee = f.staff_id("designee")
    add_to_waitlist(f.CARA_CHALLENGES, designee)
    yesterday = a_day(today() - timedelta(days=1))
    text = words("\n".join(pages(report_pdf(yesterday).pdf, tmp_path, "before.pdf")))
    assert "No one was waiting for a pin." in text  # added today: not yet waiting then
    receive_stock(f.CHALLENGES, 1, f.staff_id("office"), "one came")
    hand_out(f.CARA_CHALLENGES, str(uuid.uuid4()), designee)  # fulfils the entry
    entry = db.session.scalars(db.select(WaitlistEntry)).one()
    assert entry.status == "fulfilled"
    text = words("\n".join(pages(report_pdf(a_day()).pdf, tmp_path, "today.pdf")))
    assert "No one was waiting for a pin." in text  # fulfilled within the day
    entry_day = entry.added_at.astimezone(lookups.timezone()).date()
    # an entry fulfilled after the end of a period was waiting at its end
    db.session.execute(db.update(WaitlistEntry).values(
        added_at=entry.added_at - timedelta(days=3)))
    db.session.commit()
    earlier = a_day(entry_day - timedelta(days=2))
    text = words("\n".join(pages(report_pdf(earlier).pdf, tmp_path, "earlier.pdf")))
    assert re.search(rf"Cara Cole \(E3\) .* pin handed out {today().isoformat()}", text)


def test_every_page_carries_the_building_the_period_when_made_and_its_number(tmp_path):
    bulk_hand_outs(date(2026, 11, 2), 20, 600, manual_every=4, void_every=10)
    made = report_pdf(Period(date(2026, 11, 1), date(2026, 11, 30)), now=MADE)
    assert made.filename == "period-report-PJE-2026-11-01-to-2026-11-30.pdf"
    shown = pages(made.pdf, tmp_path)
    assert len(shown) >= 3
    for n, page in enumerate(shown, 1):
        lines = [line.strip() for line in page.strip().splitlines() if line.strip()]
        assert lines[0].startswith("Page Jackson Elementary · Period report"), lines[0]
        assert lines[0].endswith("Sunday, November 1, 2026 to Monday, November 30, 2026")
        assert re.fullmatch(rf"Made 2026-12-04 16:30 \(local time\) by Pin Kiosk\s+Page {n} "
                            rf"of {len(shown)}", lines[-1]), lines[-1]
    # the long lists run on with their header on each page
    assert sum("Receipt When Person Pin Handed out by Reason" in words(p) for p in shown) >= 2
    last = words(shown[-1])
    assert "Signatures" in last
    for who in ("Principal", "Office"):
        assert re.search(rf"{who}\s+Name\s+Signature\s+Date", last), last


def test_the_chart_has_its_bars_and_readable_day_labels(tmp_path):
    bulk_hand_outs(date(2025, 12, 1), 365, 3000, manual_every=0, void_every=0)
    year = report_pdf(Period(date(2025, 12, 1), date(2026, 11, 30)), now=MADE)
    first = words(pages(year.pdf, tmp_path, "year.pdf")[0])
    assert "Hand-outs per day" in first
    assert "3,000 hand-outs over 365 days" in first
    labels = re.findall(r"\b(Dec 2025|Jan 2026|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov)\b",
                        first)
    assert labels == ["Dec 2025", "Jan 2026", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                      "Sep", "Oct", "Nov"]  # a label a month, none piled up
    assert _bar_pixels(year.pdf, tmp_path) > 200
    one = report_pdf(Period.day(date(2026, 3, 2)), now=MADE)
    first = words(pages(one.pdf, tmp_path, "day.pdf")[0])
    assert re.search(r"Hand-outs per day .* Mon Mar 2 \d+ hand-outs\.", first)
    assert _bar_pixels(one.pdf, tmp_path, "day") > 200


def _bar_pixels(pdf: bytes, folder: Path, name: str = "chart") -> int:
    """How many pixels of the first page are the bars' blue."""
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(path),
                    str(folder / name)], check=True)
    [png] = folder.glob(f"{name}-*1.png")
    with Image.open(png) as image:
        data = image.convert("RGB").tobytes()
    return sum(1 for i in range(0, len(data), 3) if abs(data[i] - 46) < 20
               and abs(data[i + 1] - 92) < 20 and abs(data[i + 2] - 148) < 20)


HOSTILE_NAME = f"{SCRIPT} & <b>Bold</b> Jo\x1b[31m\x07e \u202eevil"


def test_hostile_names_and_reasons_print_as_written(tmp_path):
    bulk_hand_outs(date(2026, 11, 2), 1, 4, manual_every=1, void_every=2, name=HOSTILE_NAME,
                   reason=MARKUP + " {n}", void_reason="<para>wrong</para> & <br/> {n}")
    made = report_pdf(Period.day(date(2026, 11, 2)), now=MADE)
    text = words("\n".join(pages(made.pdf, tmp_path, layout=False)))
    assert text.count("<script>alert(1)</script> & <b>Bold</b> Jo [31m e evil") == 4
    assert text.count(MARKUP) == 4
    assert text.count("<para>wrong</para> & <br/>") == 2
    assert "\x1b" not in text and "\u202e" not in text
    # the frame is plain text too
    db.session.execute(db.text("UPDATE building SET name = :n WHERE is_here"),
                       {"n": "<b>Page</b> & Jackson"})
    db.session.commit()
    first = pages(report_pdf(Period.day(date(2026, 11, 2)), now=MADE).pdf, tmp_path, "b.pdf")[0]
    assert first.strip().startswith("<b>Page</b> & Jackson · Daily sheet")


def test_ten_thousand_hand_outs_all_there_on_a_sane_number_of_pages(tmp_path):
    done = bulk_hand_outs(date(2026, 9, 1), 90, 10_000, manual_every=20, void_every=50)
    made = report_pdf(Period(date(2026, 9, 1), date(2026, 11, 29)), now=MADE)
    shown = pages(made.pdf, tmp_path)
    text = words("\n".join(shown))
    assert len(done.manual) == 500 and len(done.voided) == 200
    assert f"Manual hand-outs (no proof scanned) ({len(done.manual)})" in text
    assert f"Voided hand-outs ({len(done.voided)})" in text
    found = re.findall(r"PJE-\d{5}", text)
    assert set(done.manual) | set(done.voided) <= set(found)
    assert len(found) == len(done.manual) + len(done.voided)  # each once
    assert "10,000 hand-outs over 90 days" in text
    assert 10 <= len(shown) <= 40, len(shown)
    assert all(f"of {len(shown)}" in page for page in shown)
