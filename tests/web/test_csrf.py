"""Every POST carries the CSRF token; without it nothing is recorded."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests.web.helpers import (
    distribution_count,
    hand_out,
    hand_out_form,
    html,
    movement_count,
    page,
    pins_on_hand,
    reason,
    scan,
    user_id,
    void_url,
    waitlist_count,
)


def _refused(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400
    assert "nothing was recorded" in page(response).one(role="alert").text


def test_login_without_the_token_is_refused(client):
    name, pin = factories.LOGINS["designee"]
    _refused(client.post("/login", data={"name": name, "pin": pin}, csrf=False))
    assert client.get("/scan").status_code == 302


def test_hand_out_without_the_token_records_nothing(designee, app):
    form = hand_out_form(scan(designee, factories.ALICE_TRAUMA))
    response = designee.post("/hand-out", data={"payload": form["payload"],
                                                 "nonce": form["nonce"]}, csrf=False)
    _refused(response)
    assert distribution_count(app) == 0
    assert pins_on_hand(app, factories.TRAUMA) == 10
    assert reason(scan(designee, factories.ALICE_TRAUMA)) == "ok"


def test_hand_out_with_a_wrong_token_records_nothing(designee, app):
    form = hand_out_form(scan(designee, factories.ALICE_TRAUMA))
    response = designee.post("/hand-out", csrf=False, data={
        "payload": form["payload"], "nonce": form["nonce"], "csrf_token": "forged"})
    _refused(response)
    assert distribution_count(app) == 0


def test_another_sessions_token_does_not_work(designee, login_as, app):
    other = login_as("office")
    form = hand_out_form(scan(designee, factories.ALICE_TRAUMA))
    response = designee.post("/hand-out", csrf=False, data={
        "payload": form["payload"], "nonce": form["nonce"], "csrf_token": other.csrf_token()})
    _refused(response)
    assert distribution_count(app) == 0


def test_scan_without_the_token_is_refused(designee):
    response = designee.post("/scan", data={"payload": factories.ALICE_TRAUMA}, csrf=False,
                             headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "<html" not in html(response)  # an error fragment for the verdict panel


def test_void_without_the_token_leaves_the_hand_out_standing(designee, app):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    response = designee.post(void_url(done), data={"reason": "wrong person"}, csrf=False)
    _refused(response)
    assert pins_on_hand(app, factories.TRAUMA) == 9
    assert reason(scan(designee, factories.ALICE_TRAUMA)) == "already_issued"


def test_waitlist_without_the_token_adds_nobody(designee, app):
    _refused(designee.post("/waitlist", data={"payload": factories.CARA_CHALLENGES},
                           csrf=False))
    assert waitlist_count(app) == 0


def test_receiving_stock_without_the_token_records_nothing(office, app):
    before = movement_count(app)
    _refused(office.post("/stock/receive", data={"credential": factories.TRAUMA, "qty": "5"},
                         csrf=False))
    assert movement_count(app) == before
    assert pins_on_hand(app, factories.TRAUMA) == 10


def test_user_changes_without_the_token_change_nothing(admin, login_as, app):
    _refused(admin.post("/users", data={"name": "Eve Evil", "pin": "1234", "role": "admin"},
                        csrf=False))
    designee_id = user_id(app, "designee")
    _refused(admin.post(f"/users/{designee_id}", data={"role": "admin", "active": "no"},
                        csrf=False))
    assert "Eve Evil" not in page(admin.get("/users")).text
    designee = login_as("designee")  # still on, and still a designee
    assert designee.get("/users").status_code == 403


def test_log_out_without_the_token_keeps_the_session(designee):
    _refused(designee.post("/logout", data={}, csrf=False))
    assert designee.get("/scan").status_code == 200


def test_the_token_in_the_htmx_header_works(designee, app):
    """HTMX sends the token from ``hx-headers`` on <body> as X-CSRFToken."""
    body = page(designee.get("/scan")).one("body")
    token = json.loads(body.get("hx-headers") or "{}")["X-CSRFToken"]
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    checked = designee.post("/scan", data={"payload": factories.ALICE_TRAUMA}, csrf=False,
                            headers=headers)
    assert reason(checked) == "ok"
    form = hand_out_form(checked)
    done = designee.post("/hand-out", data={"payload": form["payload"],
                                             "nonce": form["nonce"]},
                         csrf=False, headers=headers)
    assert done.status_code == 200
    assert distribution_count(app) == 1


@pytest.mark.parametrize("form_action", ["/scan", "/logout"])
def test_every_form_on_the_page_carries_the_token(designee, form_action):
    form = page(designee.get("/scan")).one("form", action=form_action)
    assert form.one("input", name="csrf_token").get("value")
