"""Administrators change the idle logout and receipt names on the Settings page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.models import utcnow
from tests.web.helpers import is_full_page, page


def _idle_for(client, minutes: float) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=minutes)).isoformat()


def test_the_settings_page_shows_the_current_values(admin):
    response = admin.get("/settings")
    assert is_full_page(response)
    form = page(response).one("form", action="/settings")
    assert form.get("method") == "post"
    assert form.one("input", name="IDLE_MINUTES").get("value") == "15"


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_a_shorter_idle_time_applies_to_everyone(admin, designee, hx):
    post = admin.hx_post if hx else admin.post
    response = post("/settings", data={"IDLE_MINUTES": "3", "RECEIPT_NAMES": "full"})
    assert response.status_code == 200
    assert page(response).one("p", class_="flash").text == "Settings saved."
    assert page(designee.get("/scan")).one("body").get("data-idle-seconds") == "180"
    _idle_for(designee, 4)
    assert designee.get("/scan").status_code == 302


@pytest.mark.parametrize("minutes", ["0", "-5", "abc", "", "100000"])
def test_a_bad_idle_time_is_refused_and_nothing_changes(admin, minutes):
    response = admin.hx_post("/settings", data={"IDLE_MINUTES": minutes,
                                                "RECEIPT_NAMES": "initials"})
    assert response.status_code == 400
    assert "idle minutes" in page(response).one(role="alert").text
    form = page(admin.get("/settings")).one("form", action="/settings")
    assert form.one("input", name="IDLE_MINUTES").get("value") == "15"
    names = form.one("select", name="RECEIPT_NAMES")
    selected = [o.text for o in names.find_all("option", selected=True)]
    assert selected == ["full"]
