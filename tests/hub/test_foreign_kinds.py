"""Kinds of event that reach for another building (docs/sync-protocol.md, "Who may change which
record"), where tests/sync/test_foreign_records.py leaves a gap: a hand-out whose payload names
another building, a restore that names one, and every kind of event sent again by a kiosk of
another building. tests/hub/test_route_matrix.py checks every kind has such a test."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import (
    HubChange,
    HubEvent,
    HubHandOut,
    HubStock,
    HubWaitlist,
    utcnow,
)
from kiosk.sync.hub.services import stock
from kiosk.sync.protocol import EVENT_KINDS, time_text
from tests.factories import ALICE_TRAUMA, BOB_TRAUMA, TRAUMA
from tests.hub.conftest import PAGE_JACKSON, SHEPHERDSTOWN, District, SimKiosk
from tests.hub.test_route_matrix import dump

# what the sender's own records may change when it sends an event the hub takes or refuses
BOOKKEEPING = ("hub_event", "hub_kiosk", "hub_exception")


def _records(hub: Flask) -> dict[str, list[str]]:
    """Every record but the events themselves and the hub's notes about kiosks."""
    return {t: rows for t, rows in dump(hub).items() if t not in BOOKKEEPING}


def _elsewhere(district: District) -> dict[str, Any]:
    return {"building": PAGE_JACKSON, "building_id": district.building_id(PAGE_JACKSON)}


def _scratch(kiosk: SimKiosk) -> SimKiosk:
    """A copy that makes the kiosk's usual payloads without using up its chain."""
    return SimKiosk(kiosk.app, kiosk.id, kiosk.token, kiosk.key, kiosk.building)


def test_a_hand_out_that_names_another_building_is_the_senders(hub: Flask,
                                                               district: District) -> None:
    there = district.kiosk(SHEPHERDSTOWN)
    usual = _scratch(there).hand_out(ALICE_TRAUMA, "E1", TRAUMA, receipt="SMS-00001")
    event = there.event("pin_handed_out", {**usual["payload"], **_elsewhere(district)})

    assert there.send(event) == ["accepted"]

    ours, theirs = (district.building_id(b) for b in (SHEPHERDSTOWN, PAGE_JACKSON))
    with hub.app_context():
        dist = hub_db.session.get(HubHandOut, usual["payload"]["distribution_id"])
        assert dist is not None and dist.building_id == ours
        lines = [(s.building_id, s.kind, s.qty) for s in hub_db.session.scalars(select(HubStock))]
        [change] = [c for c in hub_db.session.scalars(select(HubChange))
                    if c.kind == "hand_out"]
        hub_db.session.remove()
    assert lines == [(ours, "issued", -1)]  # no pin went out of Page Jackson's stock
    assert change.from_building_id == ours  # Page Jackson's kiosk is told, as of another's
    assert json.loads(change.data)["building"] == SHEPHERDSTOWN
    assert district.open_exceptions() == []


def test_an_adjustment_that_names_another_building_is_the_senders(hub: Flask,
                                                                  district: District) -> None:
    """An adjustment's payload naming another building changes the sender's stock only."""
    here, there = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    usual = _scratch(there).adjusted(TRAUMA, -3, "lost", "=HYPERLINK(\"x\")")
    event = there.event("stock_adjusted", {**usual["payload"], **_elsewhere(district)})

    assert there.send(event) == ["accepted"]

    ours = district.building_id(SHEPHERDSTOWN)
    with hub.app_context():
        lines = [(s.building_id, s.kind, s.qty, s.note)
                 for s in hub_db.session.scalars(select(HubStock))]
        hub_db.session.remove()
    assert lines == [(ours, "adjust", -3, 'Lost: =HYPERLINK("x")')]
    rows = district.rows()
    assert rows[(SHEPHERDSTOWN, TRAUMA)].adjusted == -3
    assert rows[(PAGE_JACKSON, TRAUMA)].adjusted == 0
    assert here.seq == 0  # Page Jackson's kiosk sent nothing
    assert district.open_exceptions() == []


def _restored(kiosk: SimKiosk, **names: Any) -> dict[str, Any]:
    return kiosk.event("kiosk_restored", {
        "restored_at": time_text(utcnow()), "backup": "kiosk-2026-12-01.sqlite3",
        "backup_last_seq": 0, "chain": "continued", "carried_events": 0, "hand_outs": 40,
        "hand_outs_before": 41, **names})


def test_a_restore_that_names_another_building_changes_nothing(hub: Flask,
                                                              district: District) -> None:
    here, there = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    assert here.send(here.received(TRAUMA, 4)) == ["accepted"]
    before = _records(hub)

    event = _restored(there, kiosk_id=here.id, **_elsewhere(district))
    assert there.send(event) == ["accepted"]

    assert _records(hub) == before  # stored, nothing applied, for either building
    ours = district.building_id(SHEPHERDSTOWN)
    with hub.app_context():
        stored = hub_db.session.get(HubEvent, event["id"])
        assert stored is not None
        assert (stored.kiosk_id, stored.building_id) == (there.id, ours)
        hub_db.session.remove()
    assert district.open_exceptions() == []


def _allocated(district: District, building: str) -> str:
    return str(district.call(lambda: stock.allocate(district.building_id(building), TRAUMA, 5,
                                                    "", "Dana District").ref))


# kind -> the events a kiosk sends to make one of that kind (the last), as kiosk/services do
EVENTS: dict[str, Callable[[SimKiosk, District], list[dict[str, Any]]]] = {
    "pin_handed_out": lambda k, d: [k.hand_out(BOB_TRAUMA, "E2", TRAUMA)],
    "hand_out_voided": lambda k, d: [hand_out := k.hand_out(BOB_TRAUMA, "E2", TRAUMA),
                                     k.void(hand_out)],
    "stock_received": lambda k, d: [k.received(TRAUMA, 3)],
    "stock_counted": lambda k, d: [k.counted(TRAUMA, 2, 3)],
    "stock_adjusted": lambda k, d: [k.adjusted(TRAUMA, -2, "damaged")],
    "stock_applied": lambda k, d: [k.event("stock_applied", {
        "ref": _allocated(d, k.building), "credential": TRAUMA, "qty": 5,
        "kind": "allocated"})],
    "waitlist_added": lambda k, d: [k.waitlisted("E2", TRAUMA, BOB_TRAUMA)],
    "waitlist_fulfilled": lambda k, d: [k.waitlisted("E2", TRAUMA, BOB_TRAUMA), k.event(
        "waitlist_fulfilled", {"employee_id": "E2", "credential": TRAUMA,
                               "distribution_id": "", "at": utcnow().isoformat()})],
    "waitlist_contacted": lambda k, d: [k.waitlisted("E2", TRAUMA, BOB_TRAUMA),
                                        k.called_back("E2", TRAUMA)],
    "waitlist_removed": lambda k, d: [k.waitlisted("E2", TRAUMA, BOB_TRAUMA),
                                      k.taken_off("E2", TRAUMA)],
    "kiosk_restored": lambda k, d: [_restored(k)],
}


def test_there_is_an_event_for_every_kind() -> None:
    assert set(EVENTS) == EVENT_KINDS


@pytest.mark.parametrize("kind", sorted(EVENTS))
def test_another_buildings_event_of_any_kind_is_refused(hub: Flask, district: District,
                                                        kind: str) -> None:
    here, there = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    events = EVENTS[kind](here, district)
    assert here.send(*events) == ["accepted"] * len(events)
    before = _records(hub)

    answers = there.send(events[-1], there.received(TRAUMA, 1))

    assert answers == ["rejected", "accepted"]
    after = _records(hub)
    assert {t for t in after if after[t] != before[t]} == {"hub_stock"}  # there's own, only
    assert [(kind, summary.split(" sent event ")[0]) for _, kind, summary in
            district.open_exceptions()] == [
        ("foreign_record", f"Kiosk Front office at {SHEPHERDSTOWN}")]


def test_call_backs_and_removals_that_name_another_building_are_the_senders(
        hub: Flask, district: District) -> None:
    """The hub keys a waitlist entry by the sender's building: a call-back or a removal can
    reach no other building's entry, whatever its payload names."""
    here, there = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    assert here.send(here.waitlisted("E2", TRAUMA, BOB_TRAUMA)) == ["accepted"]
    assert there.send(there.waitlisted("E2", TRAUMA, BOB_TRAUMA)) == ["accepted"]
    usual = _scratch(there)
    called = there.event("waitlist_contacted", {
        **usual.called_back("E2", TRAUMA)["payload"], **_elsewhere(district)})
    removed = there.event("waitlist_removed", {
        **usual.taken_off("E2", TRAUMA)["payload"], **_elsewhere(district)})

    assert there.send(called, removed) == ["accepted", "accepted"]

    ours, theirs = (district.building_id(b) for b in (SHEPHERDSTOWN, PAGE_JACKSON))
    with hub.app_context():
        entries = {w.building_id: (w.status, w.contacts, w.close_reason)
                   for w in hub_db.session.scalars(select(HubWaitlist))}
        hub_db.session.remove()
    assert entries == {ours: ("removed", 1, "left_district"), theirs: ("waiting", 0, "")}
    assert district.open_exceptions() == []
