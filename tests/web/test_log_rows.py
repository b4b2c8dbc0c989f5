"""Voiding and reprinting from the hand-out log (issue 13): the answer is the row, changed in
its place (not a panel in the table's stead), with what was done or why not at its form
(kiosk/views/answers.py) and the status bar; without JavaScript, the same search with the row
answered in it. The rules are the void's and the reprint's own."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import PrintJob, Void
from tests import factories
from tests.web.helpers import (
    HX,
    add_login,
    distribution_ids,
    hand_out,
    html,
    is_full_page,
    movement_count,
    page,
    receipt_no,
    stock_counts,
)


def _jobs(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        found = [(j.kind, j.distribution_id) for j in db.session.scalars(
            select(PrintJob).order_by(PrintJob.id))]
        db.session.remove()
    return found


def _voids(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        n = len(db.session.scalars(select(Void)).all())
        db.session.remove()
    return n


def test_voiding_from_the_log_answers_with_that_row_voided(app, designee, office):
    label = receipt_no(hand_out(designee, factories.ALICE_TRAUMA))
    hand_out(designee, factories.ALICE_BALANCE)
    [dist_id, _] = distribution_ids(app)
    response = office.hx_post(f"/log/{dist_id}/void", data={"reason": "wrong person",
                                                            "search": "q=alice"})
    assert response.status_code == 200
    answer = page(response)
    row = answer.one("tr", id="hand-out-1")
    assert "voided" in row.classes
    assert label in row.text and "Alice Able" in row.text
    status = row.one("td", class_="status")
    assert "Voided: wrong person" in status.text and "by Olive Office" in status.text
    said = status.one("p", role="status")
    assert said.text == "Voided. The pin is back in stock." and said.get("data-answer") == "done"
    assert "autofocus" in status.one("span", id="void-1").attrs  # focus stays in the row
    assert row.find("details") is None and row.find("button", id="reprint-1") is None
    assert answer.find("section", class_="verdict") is None  # no "Hand-out voided" panel
    assert "Hand-out voided" not in html(response)
    assert stock_counts(answer)[factories.TRAUMA] == factories.STOCK[factories.TRAUMA]
    assert response.headers["HX-Retarget"] == "#hand-out-1"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert _voids(app) == 1


def test_reprinting_from_the_log_answers_with_that_row_and_queues_a_copy(app, designee, office):
    label = receipt_no(hand_out(designee, factories.ALICE_TRAUMA))
    [dist_id] = distribution_ids(app)
    response = office.hx_post(f"/log/{dist_id}/reprint")
    assert response.status_code == 200
    row = page(response).one("tr", id="hand-out-1")
    said = row.one("td", class_="slip").one("p", role="status")
    assert said.text == "Copy queued (job 2); it says COPY."
    button = row.one("button", id="reprint-1")  # the same id: focus returns to it
    assert button.get("aria-describedby") == said.get("id") == "reprint-form-1-answer"
    assert label in row.text
    assert "2 receipts waiting" in page(response).one(id="printer-badge").text
    assert _jobs(app) == [("receipt", dist_id), ("copy", dist_id)]


def test_without_javascript_the_answer_is_the_same_search_again(app, designee, office):
    hand_out(designee, factories.ALICE_TRAUMA)
    hand_out(designee, factories.BOB_TRAUMA)
    [alice, _] = distribution_ids(app)
    reprinted = office.post(f"/log/{alice}/reprint",
                            data={"search": "q=alice&show=&after=x&evil=1"})
    assert reprinted.status_code == 200 and is_full_page(reprinted)
    shown = page(reprinted)
    assert shown.one("input", id="log-q").get("value") == "alice"  # the search it came from
    assert [r.get("id") for r in shown.one("tbody").find_all("tr")] == ["hand-out-1"]
    assert "Copy queued" in shown.one("tr", id="hand-out-1").one("p", role="status").text
    voided = office.post(f"/log/{alice}/void", data={"reason": "wrong person",
                                                     "search": "//evil.example/x"})
    assert voided.status_code == 200
    rows = page(voided).one("tbody").find_all("tr")  # only ever the log: here, the whole of it
    assert [r.get("id") for r in rows] == ["hand-out-2", "hand-out-1"]
    assert "Voided. The pin is back in stock." in rows[1].text


def test_the_log_refuses_what_the_void_and_reprint_refuse(app, designee, office):
    hand_out(designee, factories.ALICE_TRAUMA)
    [dist_id] = distribution_ids(app)
    add_login(app, "Dan Deputy", "4444", "designee")
    dan = app.test_client()
    assert dan.post("/login", data={"name": "Dan Deputy", "pin": "4444"}).status_code == 302
    dan.token = None
    movements = movement_count(app)
    # another designee's hand-out: not theirs to void, nor to see in the log
    refused = dan.hx_post(f"/log/{dist_id}/void", data={"reason": "not mine"})
    assert refused.status_code == 403
    assert refused.headers["HX-Retarget"] == "#messages"  # the error shows, the row stays
    assert dan.hx_post(f"/log/{dist_id}/reprint").status_code == 403  # no printer right
    # an unknown hand-out
    assert office.hx_post("/log/no-such-hand-out/void",
                          data={"reason": "typo"}).status_code == 404
    # too short a reason: the row again, its form open with what was typed and why not
    short = office.hx_post(f"/log/{dist_id}/void", data={"reason": "x"})
    assert short.status_code == 400 and short.headers["HX-Retarget"] == "#hand-out-1"
    details = page(short).one("tr", id="hand-out-1").one("details")
    assert "open" in details.attrs
    form = details.one("form")
    assert form.one("input", id="why-1").get("value") == "x"
    assert "Say why" in form.one("p", role="alert").text
    assert form.one("button", id="void-1").get("aria-describedby") == "void-form-1-answer"
    assert (movement_count(app), _voids(app)) == (movements, 0)
    assert office.hx_post(f"/log/{dist_id}/void", data={"reason": "wrong"}).status_code == 200
    # twice (a second clerk, say): the row as it is now, voided, and why not
    again = office.hx_post(f"/log/{dist_id}/void", data={"reason": "wrong"})
    assert again.status_code == 400
    row = page(again).one("tr", id="hand-out-1")
    assert "voided" in row.classes and "already voided" in row.one(role="alert").text
    voided = office.hx_post(f"/log/{dist_id}/reprint")
    assert voided.status_code == 400 and "was voided" in page(voided).one(role="alert").text
    assert _voids(app) == 1


def test_the_designee_voids_their_own_from_their_log(app, designee):
    hand_out(designee, factories.ALICE_TRAUMA)
    [dist_id] = distribution_ids(app)
    row = page(designee.get("/log")).one("tr", id="hand-out-1")
    form = row.one("details").one("form")
    assert form.get("hx-target") == "closest tr" and form.get("hx-swap") == "outerHTML"
    response = designee.post(form.get("action"), data={"reason": "wrong person"}, headers=HX)
    assert "Voided: wrong person" in page(response).one("tr", id="hand-out-1").text
