"""The printer badge on every page, the Printer page and its receipt queue, reprints from the
log, and receipts as a PDF."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import PrintJob, utcnow
from kiosk.printers.worker import install
from tests import factories
from tests.unit.escpos_tokens import parse
from tests.web.dom import Element
from tests.web.helpers import (
    HX,
    add_award,
    distribution_ids,
    hand_out,
    html,
    is_full_page,
    page,
    receipt_no,
)

# --- helpers --------------------------------------------------------------------------------


def _jobs(app: Flask) -> list[dict[str, object]]:
    """Every print job, oldest first, as plain values."""
    with app.app_context():
        rows = [{"id": j.id, "status": j.status, "kind": j.kind, "data": j.data,
                 "distribution_id": j.distribution_id, "settled_by": j.settled_by_id,
                 "settled_note": j.settled_note, "requested_by": j.requested_by_id}
                for j in db.session.scalars(select(PrintJob).order_by(PrintJob.id))]
        db.session.remove()
    return rows


def _set_job(app: Flask, job_id: int, **fields: object) -> None:
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        assert job is not None
        for name, value in fields.items():
            setattr(job, name, value)
        db.session.commit()
        db.session.remove()


def _badge(node: Element) -> Element:
    return node.one(id="printer-badge")


def _queue_rows(response) -> list[Element]:  # type: ignore[no-untyped-def]
    table = page(response).find("table", class_="print-queue")
    return [] if table is None else table.one("tbody").find_all("tr")


def _forms(node: Element, prefix: str) -> list[Element]:
    return [f for f in node.find_all("form") if (f.get("action") or "").startswith(prefix)]


def _idle_for(client, minutes: float) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=minutes)).isoformat()


def _time_passes(client, minutes: float) -> None:  # type: ignore[no-untyped-def]
    """The clock moves on: the last activity the session remembers is ``minutes`` older."""
    with client.session_transaction() as session:
        seen = datetime.fromisoformat(session["seen"])
        session["seen"] = (seen - timedelta(minutes=minutes)).isoformat()


def _pdf_text(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext (Debian package poppler-utils) is needed to read the PDF")
    done = subprocess.run([tool, "-layout", "-", "-"], input=pdf, check=True,
                          capture_output=True, timeout=60)
    return " ".join(done.stdout.decode("utf-8").split())


# --- the badge ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/scan", "/log", "/printer", "/stock", "/settings", "/users",
                                 "/slips"])
def test_every_page_carries_the_printer_badge(admin, url):
    response = admin.get(url)
    assert is_full_page(response)
    badge = _badge(page(response))
    assert badge.tag == "a"
    assert badge.get("href") == "/printer"
    assert badge.get("hx-get") == "/status/badges"
    assert badge.get("hx-trigger") == "every 10s"
    assert "data-status-poll" in badge.attrs
    assert badge.text.startswith("Printer:")


def test_the_badge_counts_receipts_waiting_while_nothing_prints(designee):
    assert "waiting" not in _badge(page(designee.get("/scan"))).text
    hand_out(designee, factories.ALICE_TRAUMA)
    assert _badge(page(designee.get("/scan"))).text.endswith("1 receipt waiting")
    done = hand_out(designee, factories.BOB_TRAUMA)
    oob = _badge(page(done))
    assert oob.get("hx-swap-oob") == "true", "the hand-out updates the badge at once"
    assert oob.text.endswith("2 receipts waiting")
    assert _badge(page(designee.get("/log"))).text.endswith("2 receipts waiting")


def test_the_badge_says_a_receipt_needs_a_decision(app, designee):
    hand_out(designee, factories.ALICE_TRAUMA)
    _set_job(app, 1, status="uncertain")
    badge = _badge(page(designee.get("/scan")))
    assert badge.text == "Printer: not checked yet · 1 receipt needs a decision"
    assert "bad" in badge.classes


def test_the_badge_counts_each_receipt_once(app, designee):
    for award in (factories.ALICE_TRAUMA, factories.ALICE_BALANCE, factories.BOB_TRAUMA):
        hand_out(designee, award)
    _set_job(app, 1, status="uncertain")
    words = _badge(page(designee.get("/scan"))).text
    assert words == "Printer: not checked yet · 1 receipt needs a decision · 2 receipts waiting"


def test_the_badge_says_the_printer_is_off_with_backend_none(app, designee):
    app.config["PRINTER_BACKEND"] = "none"
    done = hand_out(designee, factories.ALICE_TRAUMA)
    assert page(done).one("p", class_="advice").text.startswith(
        "Receipts are switched off on this kiosk.")
    badge = _badge(page(designee.get("/scan")))
    assert badge.text == "Printer: off (receipts are not printed)"
    assert "waiting" not in badge.text


def test_polling_returns_only_the_out_of_band_badges(designee):
    hand_out(designee, factories.ALICE_TRAUMA)
    response = designee.get("/status/badges", headers=HX)
    assert response.status_code == 200
    assert not is_full_page(response)
    assert "HX-Request" in response.headers.get("Vary", "")
    found = page(response)
    for badge_id in ("printer-badge", "stock-counter", "sync-badge"):
        assert found.one(id=badge_id).get("hx-swap-oob") == "true"
    badge = _badge(found)
    assert badge.text.endswith("1 receipt waiting")
    # a receipt about to print: the badge asks again within a second, not in 10 s
    assert badge.get("hx-trigger") == "every 1s", "the swapped-in badge keeps polling"
    assert "data-status-poll" in badge.attrs


def test_the_badge_follows_a_receipt_that_printed_at_once(designee, printer_spy):
    """A receipt that printed in 10 ms does not read "1 receipt waiting" for a whole poll: while
    one waits the badge asks every second, and once it printed it goes back to the poll."""
    hand_out(designee, factories.ALICE_TRAUMA)
    assert _badge(page(designee.get("/scan"))).get("hx-trigger") == "every 1s"
    printer_spy.print_all()
    badge = _badge(page(designee.get("/status/badges", headers=HX)))
    assert "waiting" not in badge.text
    assert badge.get("hx-trigger") == "every 10s"


def test_a_printer_that_holds_its_queue_is_polled_at_the_usual_pace():
    """Out of paper or offline, waiting receipts will not print in a moment: no fast poll."""
    from kiosk.printers import status as st
    from kiosk.printers.queue import QueueCounts
    from kiosk.printers.worker import PrinterState
    from kiosk.services.printing import PrinterView

    waiting = QueueCounts(waiting=2, uncertain=0)
    assert PrinterView("file", PrinterState(st.UNKNOWN), waiting).printing_soon
    for held in (st.PAPER_OUT, st.OFFLINE, st.OFF):
        assert not PrinterView("file", PrinterState(held), waiting).printing_soon
    only_undecided = QueueCounts(waiting=1, uncertain=1)
    assert not PrinterView("file", PrinterState(st.UNKNOWN), only_undecided).printing_soon


def test_opening_the_poll_address_in_a_browser_leads_to_the_printer_page(designee):
    response = designee.get("/status/badges")
    assert response.status_code == 302
    assert response.headers["Location"] == "/printer"


def test_polling_does_not_keep_an_idle_kiosk_logged_in(designee):
    _idle_for(designee, 14)
    assert designee.get("/status/badges", headers=HX).status_code == 200
    _time_passes(designee, 2)
    response = designee.get("/scan")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_real_page_does_keep_the_kiosk_logged_in(designee):
    _idle_for(designee, 14)
    assert designee.get("/log").status_code == 200
    _time_passes(designee, 2)
    assert designee.get("/scan").status_code == 200


def test_polling_after_the_idle_time_sends_the_page_to_the_login(designee):
    _idle_for(designee, 16)
    response = designee.get("/status/badges", headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login"


# --- the queue on the Printer page ----------------------------------------------------------


def test_the_printer_page_lists_waiting_receipts_oldest_first(app, designee, office):
    receipts = [receipt_no(hand_out(designee, award)) for award in
                (factories.ALICE_TRAUMA, factories.ALICE_BALANCE, factories.BOB_TRAUMA)]
    _set_job(app, 2, status="uncertain", last_error="The connection broke after 10 bytes.")
    _set_job(app, 3, status="failed", last_error="The printer did not answer.",
             next_attempt_at=utcnow() + timedelta(minutes=1), attempts=2)
    response = office.get("/printer")
    assert is_full_page(response)
    rows = _queue_rows(response)
    assert [r.get("data-job") for r in rows] == ["1", "2", "3"]
    assert [r.get("data-status") for r in rows] == ["pending", "uncertain", "failed"]
    cells = [r.find_all("td") for r in rows]
    assert [c[1].one("strong").text for c in cells] == receipts
    assert "Alice Able" in cells[0][1].text and "Bob Baker" in cells[2][1].text
    assert cells[0][3].text == "waiting"
    assert cells[1][3].text.startswith("needs a decision")
    assert "The connection broke after 10 bytes." in cells[1][3].text
    assert cells[2][3].text.startswith("waiting to try again")
    assert "The printer did not answer." in cells[2][3].text
    assert "Next try" in cells[2][3].text
    assert cells[2][4].text == "2"
    state = page(response).one("section", class_="printer-state")
    assert "3 receipts, 1 needing a decision" in state.text


def test_with_nothing_waiting_the_page_says_every_receipt_printed(office):
    response = office.get("/printer")
    assert _queue_rows(response) == []
    assert "Every receipt has printed." in page(response).text


def test_office_gets_buttons_for_each_waiting_receipt(app, designee, office):
    hand_out(designee, factories.ALICE_TRAUMA)
    hand_out(designee, factories.BOB_TRAUMA)
    _set_job(app, 2, status="uncertain")
    response = office.get("/printer")
    pending, uncertain = _queue_rows(response)
    assert [b.text for b in pending.find_all("button")] == ["Cancel"]
    assert [b.text for b in uncertain.find_all("button")] == ["Print it again", "It printed",
                                                             "Cancel"]
    actions = [f.get("action") for f in uncertain.find_all("form")]
    assert actions == ["/printer/jobs/2/again", "/printer/jobs/2/printed",
                       "/printer/jobs/2/cancel"]
    everything = page(response)
    for form in _forms(everything, "/printer/"):
        assert form.get("method") == "post"
        assert form.get("hx-post") == form.get("action")
        token = form.one("input", name="csrf_token")
        assert token.get("type") == "hidden" and token.get("value")
    buttons = {b.text for b in everything.one("section", class_="printer-state")
               .find_all("button")}
    assert buttons == {"Try waiting receipts now", "Print a test page"}


def test_a_designee_sees_the_queue_without_buttons(app, designee):
    hand_out(designee, factories.ALICE_TRAUMA)
    _set_job(app, 1, status="uncertain")
    response = designee.get("/printer")
    assert response.status_code == 200
    [row] = _queue_rows(response)
    assert row.get("data-status") == "uncertain"
    assert _forms(page(response), "/printer") == []
    assert page(response).one("main").find("button") is None


@pytest.mark.parametrize("url", ["/printer/retry", "/printer/test", "/printer/jobs/1/cancel",
                                 "/printer/jobs/1/again", "/printer/jobs/1/printed"])
def test_a_designee_may_not_act_on_the_printer(app, designee, url):
    hand_out(designee, factories.ALICE_TRAUMA)
    _set_job(app, 1, status="uncertain")
    before = _jobs(app)
    response = designee.post(url)
    assert response.status_code == 403
    assert "Your login does not allow this" in page(response).one(role="alert").text
    assert designee.hx_post(url).status_code == 403
    assert _jobs(app) == before


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_office_cancels_a_waiting_receipt(app, designee, office, hx):
    hand_out(designee, factories.ALICE_TRAUMA)
    post = office.hx_post if hx else office.post
    response = post("/printer/jobs/1/cancel")
    assert response.status_code == 200
    assert is_full_page(response) is not hx
    assert page(response).one("p", class_="flash").text == "Receipt job 1 cancelled."
    assert _queue_rows(response) == []
    [job] = _jobs(app)
    assert job["status"] == "cancelled"
    assert job["settled_note"] == "cancelled"
    assert job["settled_by"] is not None
    recent = page(response).find_all("tr", data_job="1")
    assert [r.get("data-status") for r in recent] == ["cancelled"]
    assert "cancelled by Olive Office" in recent[0].text
    if hx:
        assert _badge(page(response)).get("hx-swap-oob") == "true"
        assert "waiting" not in _badge(page(response)).text


def test_a_printed_receipt_cannot_be_cancelled(app, designee, office, printer_spy):
    hand_out(designee, factories.ALICE_TRAUMA)
    assert len(printer_spy.print_all()) == 1
    before = _jobs(app)
    assert before[0]["status"] == "printed"
    response = office.hx_post("/printer/jobs/1/cancel")
    assert response.status_code == 400
    alert = page(response).one(role="alert")
    assert "This receipt is printed now, so it cannot be cancelled." in alert.text
    assert _jobs(app) == before
    plain = office.post("/printer/jobs/1/cancel")
    assert plain.status_code == 400
    assert is_full_page(plain)
    assert _jobs(app) == before


@pytest.mark.parametrize("action", ["again", "printed"])
def test_only_an_uncertain_receipt_is_printed_again_or_marked_printed(app, designee, office,
                                                                      action):
    hand_out(designee, factories.ALICE_TRAUMA)
    response = office.hx_post(f"/printer/jobs/1/{action}")
    assert response.status_code == 400
    assert "This receipt is pending now" in page(response).one(role="alert").text
    assert _jobs(app)[0]["status"] == "pending"


def test_an_unknown_action_or_job_changes_nothing(app, designee, office):
    hand_out(designee, factories.ALICE_TRAUMA)
    before = _jobs(app)
    assert office.hx_post("/printer/jobs/1/delete").status_code == 400
    missing = office.hx_post("/printer/jobs/99/cancel")
    assert missing.status_code == 404
    assert "not in the queue" in page(missing).one(role="alert").text
    assert _jobs(app) == before


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_print_it_again_sends_an_uncertain_receipt_back_to_the_queue(app, designee, office,
                                                                      printer_spy, hx):
    label = receipt_no(hand_out(designee, factories.ALICE_TRAUMA))
    _set_job(app, 1, status="uncertain", last_error="The kiosk stopped while sending.")
    post = office.hx_post if hx else office.post
    response = post("/printer/jobs/1/again")
    assert response.status_code == 200
    assert page(response).one("p", class_="flash").text == (
        "Receipt job 1 sent to the printer again.")
    [row] = _queue_rows(response)
    assert row.get("data-status") == "pending"
    assert _jobs(app)[0]["status"] == "pending"
    [printed] = printer_spy.print_all()
    assert label in parse(printed).text
    assert _jobs(app)[0]["status"] == "printed"


def test_it_printed_settles_an_uncertain_receipt_without_printing(app, designee, office,
                                                                   printer_spy):
    hand_out(designee, factories.ALICE_TRAUMA)
    _set_job(app, 1, status="uncertain")
    response = office.post("/printer/jobs/1/printed")
    assert response.status_code == 200
    assert _queue_rows(response) == []
    [job] = _jobs(app)
    assert job["status"] == "printed"
    assert job["settled_note"] == "marked as printed"
    assert printer_spy.print_all() == []


def test_try_waiting_receipts_now_makes_failed_receipts_due(app, designee, office):
    hand_out(designee, factories.ALICE_TRAUMA)
    _set_job(app, 1, status="failed", next_attempt_at=utcnow() + timedelta(minutes=5))
    response = office.hx_post("/printer/retry")
    assert response.status_code == 200
    assert page(response).one("p", class_="flash").text == "Trying 1 waiting receipt now."
    with app.app_context():
        assert db.session.get(PrintJob, 1).next_attempt_at is None  # type: ignore[union-attr]
        db.session.remove()


def test_a_person_name_with_markup_shows_as_plain_text(app, tmp_path, designee, office):
    name = "<script>alert(1)</script>"
    award = "urn:uuid:99999999-9999-4999-8999-999999999999"
    add_award(app, tmp_path, name, award, factories.TRAUMA)
    hand_out(designee, award)
    response = office.get("/printer")
    assert name not in html(response)
    assert "&lt;script&gt;" in html(response)
    [row] = _queue_rows(response)
    assert name in row.text
    assert all(script.get("src") for script in page(response).find_all("script"))


# --- whose receipts the Printer page shows --------------------------------------------------


def _others_and_mine(app, designee, office, printer_spy):  # type: ignore[no-untyped-def]
    """The designee's and the office's hand-outs, some printed, some waiting: one of the
    office's is a copy whose printing is uncertain."""
    mine = [receipt_no(hand_out(designee, factories.ALICE_TRAUMA))]
    theirs = receipt_no(hand_out(office, factories.BOB_TRAUMA))
    assert len(printer_spy.print_all()) == 2  # both printed: the recent list
    mine.append(receipt_no(hand_out(designee, factories.ALICE_BALANCE)))
    office.post(f"/hand-outs/{distribution_ids(app)[1]}/reprint")  # a copy of Bob's
    _set_job(app, 4, status="uncertain", last_error="The printer took only 10 of 4245 bytes")
    return mine, theirs


@pytest.mark.parametrize("hx", [False, True], ids=["page", "fragment"])
def test_a_designee_sees_only_the_receipts_of_their_own_hand_outs(app, designee, office,
                                                                   printer_spy, hx):
    mine, theirs = _others_and_mine(app, designee, office, printer_spy)
    response = designee.get("/printer", headers=HX if hx else {})
    assert response.status_code == 200
    assert is_full_page(response) is not hx
    text = html(response)
    assert theirs not in text and "Bob Baker" not in text, "another person's receipt"
    for receipt in mine:
        assert receipt in text
    [row] = _queue_rows(response)
    assert row.one("strong").text == mine[1] and "Alice Able" in row.text
    assert "1 more receipt, of other staff's hand-outs, is waiting." in page(response).text
    recent = page(response).find_all("table")[-1]
    assert [r.get("data-job") for r in recent.find_all("tr", data_job=True)] == ["1"]
    # the badge is about the printer, not the person: it counts every receipt waiting
    assert _badge(page(response)).text.endswith(
        "1 receipt needs a decision · 1 receipt waiting")


def test_office_sees_every_receipt_on_the_printer_page(app, designee, office, printer_spy):
    mine, theirs = _others_and_mine(app, designee, office, printer_spy)
    response = office.get("/printer")
    text = html(response)
    for receipt in [*mine, theirs]:
        assert receipt in text
    assert [r.get("data-job") for r in _queue_rows(response)] == ["3", "4"]
    assert "Bob Baker" in text
    assert "other staff" not in text


# --- reprints and PDF receipts from the log -------------------------------------------------


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_office_reprints_a_receipt_marked_copy(app, designee, office, hx):
    label = receipt_no(hand_out(designee, factories.ALICE_TRAUMA))
    [dist_id] = distribution_ids(app)
    post = office.hx_post if hx else office.post
    response = post(f"/hand-outs/{dist_id}/reprint")
    if hx:
        assert response.status_code == 200
        assert page(response).one("p", class_="flash").text == (
            f"A copy of receipt {label} is queued (job 2).")
        assert _badge(page(response)).text.endswith("2 receipts waiting")
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == "/printer"
    original, copy = _jobs(app)
    assert original["kind"] == "receipt"
    assert copy["kind"] == "copy"
    assert copy["status"] == "pending"
    assert copy["distribution_id"] == dist_id
    assert copy["requested_by"] is not None
    text = parse(copy["data"]).text  # type: ignore[arg-type]
    assert "COPY" in text
    assert label in text
    assert "Alice Able" in text
    assert "COPY" not in parse(original["data"]).text  # type: ignore[arg-type]
    rows = _queue_rows(office.get("/printer"))
    assert "(copy)" in rows[1].text


def test_a_designee_may_not_reprint(app, designee):
    hand_out(designee, factories.ALICE_TRAUMA)
    [dist_id] = distribution_ids(app)
    assert designee.post(f"/hand-outs/{dist_id}/reprint").status_code == 403
    assert len(_jobs(app)) == 1


def test_reprinting_with_receipts_switched_off_says_to_use_the_pdf(app, designee, office):
    hand_out(designee, factories.ALICE_TRAUMA)
    app.config["PRINTER_BACKEND"] = "none"
    [dist_id] = distribution_ids(app)
    response = office.hx_post(f"/hand-outs/{dist_id}/reprint")
    assert response.status_code == 400
    assert "PDF" in page(response).one(role="alert").text
    assert [j["kind"] for j in _jobs(app)] == ["receipt"]


def test_reprinting_an_unknown_hand_out_is_not_found(app, office):
    response = office.hx_post("/hand-outs/no-such-hand-out/reprint")
    assert response.status_code == 404
    assert _jobs(app) == []


def test_the_log_offers_reprint_to_office_and_pdf_to_both(app, designee, office):
    label = receipt_no(hand_out(designee, factories.ALICE_TRAUMA))
    [dist_id] = distribution_ids(app)
    for client, reprints in ((office, True), (designee, False)):
        log = page(client.get("/log"))
        assert label in log.text
        pdf = log.one("a", href=f"/hand-outs/{dist_id}/receipt.pdf")
        assert pdf.text == "PDF"
        reprint = _forms(log, f"/log/{dist_id}/reprint")  # answered with its row
        if reprints:
            [form] = reprint
            assert form.get("method") == "post"
            assert form.one("input", name="csrf_token").get("value")
            assert form.one("button").text == "Reprint"
        else:
            assert reprint == []
            assert "Reprint" not in log.text


def test_a_receipt_comes_as_a_pdf(app, designee, office):
    label = receipt_no(hand_out(designee, factories.ALICE_TRAUMA))
    [dist_id] = distribution_ids(app)
    response = office.get(f"/hand-outs/{dist_id}/receipt.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f"receipt-{label}.pdf" in response.headers["Content-Disposition"]
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert label in text
    assert "Alice Able" in text
    assert "COPY" not in text


def test_the_pdf_of_a_receipt_that_printed_says_copy(app, designee, office, printer_spy):
    hand_out(designee, factories.ALICE_TRAUMA)
    printer_spy.print_all()
    [dist_id] = distribution_ids(app)
    assert "COPY" in _pdf_text(office.get(f"/hand-outs/{dist_id}/receipt.pdf").get_data())


def test_the_hand_out_verdict_links_to_its_pdf_receipt(app, designee):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    [dist_id] = distribution_ids(app)
    link = page(done).one("a", href=f"/hand-outs/{dist_id}/receipt.pdf")
    assert link.text == "Receipt as a PDF"
    assert designee.get(link.get("href") or "").status_code == 200


def test_a_designee_gets_only_their_own_pdf_receipts(app, designee, office):
    hand_out(designee, factories.ALICE_TRAUMA)
    hand_out(office, factories.BOB_TRAUMA)
    mine, theirs = distribution_ids(app)
    own = designee.get(f"/hand-outs/{mine}/receipt.pdf")
    assert own.status_code == 200
    assert own.get_data().startswith(b"%PDF")
    other = designee.get(f"/hand-outs/{theirs}/receipt.pdf")
    assert other.status_code == 403
    assert other.mimetype == "text/html"
    assert "Only office staff" in page(other).one(role="alert").text
    assert office.get(f"/hand-outs/{mine}/receipt.pdf").status_code == 200


def test_the_pdf_of_an_unknown_hand_out_is_not_found(office):
    assert office.get("/hand-outs/nothing-here/receipt.pdf").status_code == 404


# --- the test page --------------------------------------------------------------------------


def test_a_test_page_prints_on_the_printer(office, loopback_printer):
    response = office.hx_post("/printer/test")
    assert response.status_code == 200
    result = page(response).one(id="test-page-result")
    assert result.get("data-printed") == "yes"
    assert result.text == ("Test page sent to the network printer "
                           f"127.0.0.1:{loopback_printer.port}. The printer says it is ready.")
    [received] = loopback_printer.wait_for(1)
    text = parse(received).text
    assert "Pin Kiosk test page" in text
    assert "By: Olive Office" in text


def test_a_test_page_to_a_printer_that_is_off_says_not_printed_and_why(office, loopback_printer):
    loopback_printer.stop()
    response = office.post("/printer/test")
    assert response.status_code == 200
    assert is_full_page(response)
    result = page(response).one(id="test-page-result")
    assert result.get("data-printed") == "no"
    assert result.get("role") == "alert"
    assert result.text.startswith("Not printed.")
    assert f"The printer at 127.0.0.1:{loopback_printer.port} did not answer" in result.text


def test_a_test_page_is_not_sent_to_a_printer_out_of_paper(office, loopback_printer):
    loopback_printer.mood.paper = "out"
    response = office.hx_post("/printer/test")
    result = page(response).one(id="test-page-result")
    assert result.get("data-printed") == "no"
    assert result.text == "Not printed: the printer says it is out of paper."
    assert loopback_printer.data == b"", "not one byte of the page went to the printer"


def test_a_test_page_with_the_cover_open_is_not_sent(office, loopback_printer):
    loopback_printer.mood.cover_open = True
    result = page(office.hx_post("/printer/test")).one(id="test-page-result")
    assert result.text == "Not printed: the printer says it is offline (cover open)."
    assert loopback_printer.data == b""


def test_a_test_page_with_receipts_switched_off(app, office):
    app.config["PRINTER_BACKEND"] = "none"
    result = page(office.hx_post("/printer/test")).one(id="test-page-result")
    assert result.get("data-printed") == "no"
    assert result.text == "Receipts are switched off (printer: none)."


# --- the badge follows the printer ----------------------------------------------------------


def test_the_badge_follows_a_printer_that_goes_away_and_comes_back(app, designee, office,
                                                                   loopback_printer):
    worker = install(app)  # the worker `kiosk serve` runs, one round at a time here
    loopback_printer.stop()
    hand_out(designee, factories.ALICE_TRAUMA)
    assert worker.run_once() == 0
    badge = _badge(page(designee.get("/scan")))
    assert badge.text == "Printer: offline (not reachable) · 1 receipt waiting"
    assert "bad" in badge.classes
    state = page(office.get("/printer")).one("section", class_="printer-state")
    assert f"The printer at 127.0.0.1:{loopback_printer.port} did not answer" in state.text
    assert "Next try" in state.text
    [job] = _jobs(app)
    assert job["status"] == "failed"

    loopback_printer.start()  # on the same port: the paper is in, the cable is back
    assert worker.run_once() == 0, "it waits out the back-off by itself"
    response = office.hx_post("/printer/retry")
    assert page(response).one("p", class_="flash").text == "Trying 1 waiting receipt now."
    assert worker.run_once() == 1
    [received] = loopback_printer.wait_for(1)
    assert "PJE-00001" in parse(received).text
    badge = _badge(page(designee.get("/scan")))
    assert badge.text == "Printer: ready"
    assert "good" in badge.classes
    assert [j["status"] for j in _jobs(app)] == ["printed"]


def test_the_badge_warns_when_the_paper_runs_low(app, designee, loopback_printer):
    worker = install(app)
    loopback_printer.mood.paper = "low"
    hand_out(designee, factories.ALICE_TRAUMA)
    assert worker.run_once() == 1
    badge = _badge(page(designee.get("/scan")))
    assert badge.text == "Printer: paper running low"
    assert "warn" in badge.classes


def test_a_hand_out_while_the_paper_is_out_waits_and_says_so(app, designee, loopback_printer):
    worker = install(app)
    loopback_printer.mood.paper = "out"
    worker.run_once()  # the worker has looked at the printer
    done = hand_out(designee, factories.ALICE_TRAUMA)
    assert "The printer is out of paper: the receipt waits" in page(done).one(
        "p", class_="advice").text
    assert worker.run_once() == 0
    assert loopback_printer.data == b""
    assert _badge(page(designee.get("/scan"))).text == (
        "Printer: out of paper · 1 receipt waiting")


@pytest.fixture
def hung_printer(app, loopback_printer):  # type: ignore[no-untyped-def]
    """A printer that accepts connections and never reads, with a printer's small input
    buffer (tests/loopback_printer.py); receipts get half a second to go."""
    loopback_printer.input_buffer = 2048
    loopback_printer.mood.stall = True
    loopback_printer.restart()
    app.config["PRINTER_TIMEOUT"] = 0.5
    return loopback_printer


def test_receipts_a_hung_printer_never_took_wait_for_a_decision(app, designee, office,
                                                                hung_printer):
    worker = install(app)
    receipts = [receipt_no(hand_out(designee, award))
                for award in (factories.ALICE_TRAUMA, factories.BOB_TRAUMA)]
    for _ in receipts:
        worker.state.retry_at = None  # as if the back-off had run out
        assert worker.run_once() == 0
    assert [j["status"] for j in _jobs(app)] == ["uncertain", "uncertain"]
    badge = _badge(page(designee.get("/scan")))
    assert badge.text == "Printer: not taking receipts · 2 receipts need a decision"
    assert "bad" in badge.classes
    response = office.get("/printer")
    rows = _queue_rows(response)
    assert [r.get("data-status") for r in rows] == ["uncertain", "uncertain"]
    for row, receipt in zip(rows, receipts, strict=True):
        cells = row.find_all("td")
        assert cells[1].one("strong").text == receipt
        assert cells[3].text.startswith("needs a decision")
        assert "it is not reading" in cells[3].text
        assert [b.text for b in row.find_all("button")] == ["Print it again", "It printed",
                                                            "Cancel"]
    state = page(response).one("section", class_="printer-state")
    assert "2 receipts, 2 needing a decision" in state.text
    assert hung_printer.data == b""


def test_a_test_page_to_a_hung_printer_says_it_did_not_print_in_full(app, office,
                                                                     hung_printer):
    install(app)
    result = page(office.hx_post("/printer/test")).one(id="test-page-result")
    assert result.get("data-printed") == "no"
    assert result.text.startswith("Not printed in full. The printer took only")
    assert _badge(page(office.get("/scan"))).text.startswith("Printer: not taking receipts")


def test_a_test_page_while_the_printer_is_busy_says_try_again(app, office, loopback_printer,
                                                               monkeypatch):
    from kiosk.printers.transport import printer_lock
    from kiosk.services import printing

    monkeypatch.setattr(printing, "BUSY_SECONDS", 0.05)
    with printer_lock:  # the worker is printing receipts
        response = office.hx_post("/printer/test")
    assert response.status_code == 400
    assert page(response).one(role="alert").text.endswith(
        "The printer is busy printing receipts. Try again in a moment.")
    assert loopback_printer.data == b""


def test_settling_without_the_page_token_changes_nothing(app, designee, office):
    hand_out(designee, factories.ALICE_TRAUMA)
    before = _jobs(app)
    response = office.post("/printer/jobs/1/cancel", csrf=False)
    assert response.status_code == 400
    assert "nothing was recorded" in page(response).one(role="alert").text
    assert office.post("/hand-outs/x/reprint", csrf=False).status_code == 400
    assert _jobs(app) == before
