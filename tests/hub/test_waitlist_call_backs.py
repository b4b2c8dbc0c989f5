"""The waitlist's call-backs and removals as a kiosk reports them (issue 13), on SQLite and on
PostgreSQL: each call-back counts (the last one's time kept), a removal closes the entry with
its reason and note, a hand-out closes it as handed out, and the dashboard shows them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubWaitlist, utcnow
from tests.factories import ALICE_BALANCE, BALANCE, BOB_TRAUMA, TRAUMA
from tests.hostile import SCRIPT, inert
from tests.hub.conftest import PAGE_JACKSON, SHEPHERDSTOWN, District
from tests.hub.helpers import page
from tests.hub.stores import browser, hub_store, postgres_ready, read, store_hub  # noqa: F401


@pytest.fixture
def district_on(store_hub: Callable[..., Flask], tmp_path: Path) -> District:  # noqa: F811
    d = District(store_hub(), tmp_path)
    d.badge_data()
    d.building(PAGE_JACKSON)
    d.building(SHEPHERDSTOWN)
    return d


def _entries(app: Flask) -> dict[tuple[str, str], dict[str, Any]]:
    return read(app, lambda: {(w.employee_id, w.credential): {
        "building_id": w.building_id, "status": w.status, "contacts": w.contacts,
        "contacted_at": w.contacted_at, "closed_at": w.closed_at,
        "close_reason": w.close_reason, "close_note": w.close_note}
        for w in hub_db.session.scalars(select(HubWaitlist))})


def test_call_backs_and_a_removal_are_applied(district_on: District) -> None:
    kiosk = district_on.kiosk(PAGE_JACKSON)
    added = [kiosk.waitlisted("E1", BALANCE, ALICE_BALANCE),
             kiosk.waitlisted("E2", TRAUMA, BOB_TRAUMA)]
    first = kiosk.called_back("E2", TRAUMA, "left a message")
    assert kiosk.send(*added, first,
                      kiosk.called_back("E2", TRAUMA, "will come Friday"),
                      kiosk.called_back("E1", BALANCE),
                      kiosk.taken_off("E1", BALANCE, "other", f"moved {SCRIPT}")) == [
        "accepted"] * 6
    entries = _entries(district_on.app)
    bob, alice = entries[("E2", TRAUMA)], entries[("E1", BALANCE)]
    assert (bob["status"], bob["contacts"], bob["closed_at"]) == ("waiting", 2, None)
    assert bob["contacted_at"] is not None
    assert bob["contacted_at"].isoformat() >= first["payload"]["at"]
    assert (alice["status"], alice["close_reason"], alice["close_note"]) == (
        "removed", "other", f"moved {SCRIPT}")
    assert alice["closed_at"] is not None and alice["contacts"] == 1
    rows = district_on.rows()
    trauma, balance = rows[(PAGE_JACKSON, TRAUMA)], rows[(PAGE_JACKSON, BALANCE)]
    assert (trauma.waitlist, trauma.called_back, trauma.removed) == (1, 1, 0)
    assert (balance.waitlist, balance.called_back, balance.removed) == (0, 0, 1)

    viewer = browser(district_on.app)
    viewer.login("viewer")
    doc = inert(viewer.get("/").get_data(as_text=True))
    cells = {(tr.get("data-building"), tr.get("data-credential")): tr.one("td", data_col="waitlist")
             for tr in doc.one(id="pins").find_all("tr", data_credential=True)}
    assert cells[(PAGE_JACKSON, TRAUMA)].text == "1 · 1 called back"
    assert cells[(PAGE_JACKSON, BALANCE)].text == "0 · 1 taken off"
    assert cells[(SHEPHERDSTOWN, TRAUMA)].text == "0"
    assert page(viewer.get("/")).one(id="pins").one("caption").text.endswith(
        "how many office staff took off it.")


def test_a_hand_out_closes_the_entry_and_being_added_again_starts_afresh(
        district_on: District) -> None:
    kiosk = district_on.kiosk(PAGE_JACKSON)
    kiosk.send(kiosk.waitlisted("E2", TRAUMA, BOB_TRAUMA), kiosk.called_back("E2", TRAUMA),
               kiosk.event("waitlist_fulfilled", {
                   "employee_id": "E2", "credential": TRAUMA, "distribution_id": "",
                   "at": utcnow().isoformat()}))
    closed = _entries(district_on.app)[("E2", TRAUMA)]
    assert (closed["status"], closed["close_reason"]) == ("fulfilled", "handed_out")
    assert closed["closed_at"] is not None
    kiosk.send(kiosk.waitlisted("E2", TRAUMA, BOB_TRAUMA))
    again = _entries(district_on.app)[("E2", TRAUMA)]
    assert (again["status"], again["contacts"], again["contacted_at"], again["closed_at"],
            again["close_reason"]) == ("waiting", 0, None, None, "")


def test_a_call_back_for_an_entry_the_hub_never_heard_of_is_kept(district_on: District) -> None:
    kiosk = district_on.kiosk(SHEPHERDSTOWN)
    assert kiosk.send(kiosk.called_back("E2", TRAUMA), kiosk.taken_off("E1", BALANCE)) == [
        "accepted", "accepted"]
    entries = _entries(district_on.app)
    assert (entries[("E2", TRAUMA)]["status"], entries[("E2", TRAUMA)]["contacts"]) == (
        "waiting", 1)
    assert entries[("E1", BALANCE)]["status"] == "removed"
    assert {e["building_id"] for e in entries.values()} == {
        district_on.building_id(SHEPHERDSTOWN)}
