"""Who may change which record (docs/sync-protocol.md): a kiosk changes only its own building's
records. An event that reaches for another building's record is stored (its chain stays whole)
but refused: not applied, answered ``rejected`` with a reason, and raised once on the hub; the
other events of the same batch go on. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from kiosk.db import write_transaction
from kiosk.errors import Refused
from kiosk.services.district_bundle import export_bundle
from kiosk.services.district_status import sync_status
from kiosk.sync.hub.errors import InvalidInput
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubChange, HubHandOut, HubStock, HubWaitlist, utcnow
from kiosk.sync.hub.services import enrollment, ingest, reconcile
from kiosk.sync.hub.services.badge_data import import_files
from kiosk.sync.hub.services.bundles import import_bundle
from kiosk.sync.hub.services.stock import allocate, transfer
from kiosk.sync.outbox import add_event
from kiosk.sync.protocol import public_key_text, sign_bundle
from tests.factories import ALICE_TRAUMA, BALANCE, BOB_TRAUMA, TRAUMA
from tests.hub.conftest import SimKiosk

from .conftest import BUILDINGS, District, Hub, Kiosk, award_id, sync_until_done


def forge(kiosk: Kiosk, kind: str, payload: dict[str, Any]) -> str:
    """Add an event to the kiosk's outbox behind its back: well chained, as any program with
    the kiosk's database (or its token) can make one. The event's id."""
    def add() -> str:
        with write_transaction() as session:
            return add_event(session, kind, payload).id

    return kiosk.call(add)


def hand_out_on_hub(hub: Hub, dist_id: str) -> HubHandOut:
    def read() -> HubHandOut:
        found = hub_db.session.get(HubHandOut, dist_id)
        assert found is not None, dist_id
        hub_db.session.expunge(found)
        return found

    return hub.call(read)


def change_kinds(hub: Hub) -> list[str]:
    return hub.call(lambda: list(hub_db.session.scalars(
        select(HubChange.kind).order_by(HubChange.seq))))


def pin_row(hub: Hub, building: str) -> reconcile.PinRow:
    return next(r for r in hub.call(reconcile.dashboard)
                if r.building == building and r.credential == TRAUMA)


def test_a_kiosk_cannot_void_another_buildings_hand_out(district: District,
                                                         tmp_path: Path) -> None:
    a, b, c = district.kiosks
    for kiosk in district.kiosks:
        sync_until_done(kiosk)
    dist = b.hand_out(ALICE_TRAUMA)
    receipt = next(e for e in b.outbox() if e["kind"] == "pin_handed_out")["payload"]["receipt"]
    sync_until_done(b)
    sync_until_done(a)
    sync_until_done(c)  # C learns B's distribution id from the hand-outs it pulls
    assert a.verdict(ALICE_TRAUMA) == "already_issued"
    before = pin_row(district.hub, c.building)
    changes_before = change_kinds(district.hub)

    # kiosk C pushes a well-chained void of B's hand-out, between two events of its own
    c.receive(TRAUMA, 2)
    forged = forge(c, "hand_out_voided", {
        "void_id": str(uuid.uuid4()), "distribution_id": dist, "credential": TRAUMA,
        "receipt": receipt, "staff": "Dee Designee", "reason": "wrong person",
        "voided_at": utcnow().isoformat()})
    c.receive(TRAUMA, 3)
    report = c.sync()

    # refused for that event only: the rest of the batch is taken
    assert report.ok and report.rejected == 1 and report.pushed == 2
    outbox = {e["id"]: e for e in c.outbox()}
    assert outbox[forged]["status"] == "rejected"
    assert "refused" in outbox[forged]["last_error"] and b.building in outbox[forged]["last_error"]
    assert {e["status"] for i, e in outbox.items() if i != forged} == {"sent"}
    assert c.call(sync_status).rejected == 1  # the kiosk's Sync page shows it

    # nothing about B's record changed, nothing went out, C's stock counts no returned pin
    assert hand_out_on_hub(district.hub, dist).voided_at is None
    assert change_kinds(district.hub) == changes_before
    after = pin_row(district.hub, c.building)
    assert (after.voided, after.received) == (before.voided, before.received + 5)

    # stored with its chain whole (never lose a record), and raised once on the hub
    stored = {e.id: e for e in district.hub.events(c.kiosk_id)}
    assert forged in stored and {e.chain for e in stored.values()} == {"ok"}
    found = district.hub.exceptions("foreign_record")
    assert [(e.kiosk_id, e.building_id, e.status) for e in found] == [
        (c.kiosk_id, district.hub.building_id(c.building), "open")]
    assert c.building in found[0].summary and b.building in found[0].summary
    assert "void" in found[0].summary and receipt in found[0].summary
    assert [e.kind for e in district.hub.exceptions()
            if e.kind in ("broken_chain", "altered_event")] == []

    # kiosk A still says "already handed out", and will not hand out a second pin
    sync_until_done(a)
    assert a.verdict(ALICE_TRAUMA) == "already_issued"
    with pytest.raises(Refused):
        a.hand_out(ALICE_TRAUMA)

    # C's next events still chain on the refused one; nothing is raised again
    c.receive(TRAUMA, 1)
    assert c.sync().ok
    assert {e.chain for e in district.hub.events(c.kiosk_id)} == {"ok"}
    assert len(district.hub.exceptions("foreign_record")) == 1

    # the same event in a sync bundle (it carries what the hub has not acknowledged) is
    # refused again, and changes nothing
    bundle = tmp_path / "c.json"
    assert c.call(export_bundle, bundle) == 1
    again = district.hub.call(import_bundle, bundle.read_bytes(), "Dana District")
    assert (again.accepted, again.duplicates, len(again.rejected)) == (0, 0, 1)
    assert again.rejected[0].startswith(f"{forged}: refused")
    assert hand_out_on_hub(district.hub, dist).voided_at is None
    assert len(district.hub.exceptions("foreign_record")) == 1


# --- every event kind, from kiosks that build their own events (tests/hub/conftest.py) --------

A, B, C = BUILDINGS
E10_TRAUMA = award_id("E10", TRAUMA)


def enroll(hub: Hub, building: str) -> SimKiosk:
    """A kiosk enrolled at ``building`` that builds its own events (not a kiosk app)."""
    key = ed25519.Ed25519PrivateKey.generate()

    def run() -> tuple[str, str]:
        code = enrollment.new_code(enrollment.building_named(building).id, None).code
        done = enrollment.enroll(code, building, "Front office",
                                 public_key_text(key.public_key()))
        return done.kiosk.id, done.token

    kiosk_id, token = hub.call(run)
    return SimKiosk(hub.app, kiosk_id, token, key, building)


@pytest.fixture
def sim(hub: Hub, badge_data: list[Path]) -> dict[str, SimKiosk]:
    """The three buildings, the district's badge data, and an enrolled kiosk in each."""
    assert not hub.call(import_files, badge_data).errors
    for name in BUILDINGS:
        hub.call(enrollment.add_building, name)
    return {name: enroll(hub, name) for name in BUILDINGS}


def push(kiosk: SimKiosk, *events: dict[str, Any]) -> list[tuple[str, str]]:
    """(status, reason) of each event, as the hub answers a push."""
    def send() -> list[tuple[str, str]]:
        return [(o.status, o.reason) for o in ingest.receive(kiosk.id, list(events))]

    with kiosk.app.app_context():
        try:
            return send()
        finally:
            hub_db.session.remove()


def stock_lines(hub: Hub, building: str) -> list[tuple[str, str, int]]:
    building_id = hub.building_id(building)
    return hub.call(lambda: [(s.kind, s.credential, s.qty) for s in hub_db.session.scalars(
        select(HubStock).where(HubStock.building_id == building_id).order_by(HubStock.id))])


def foreign(hub: Hub) -> list[tuple[str | None, str, dict[str, Any]]]:
    """The foreign_record exceptions: (kiosk, summary, details)."""
    return [(e.kiosk_id, e.summary, json.loads(e.details))
            for e in hub.exceptions("foreign_record")]


def test_a_hand_out_under_another_buildings_id_is_refused(hub: Hub,
                                                          sim: dict[str, SimKiosk]) -> None:
    theirs = sim[B].hand_out(ALICE_TRAUMA, "E1", TRAUMA, receipt="SMS-00001")
    assert push(sim[B], theirs) == [("accepted", "")]
    dist = theirs["payload"]["distribution_id"]
    changes_before = change_kinds(hub)

    shadow = sim[C].event("pin_handed_out", {  # C's own hand-out, under B's id
        **theirs["payload"], "employee_id": "E2", "award_id": BOB_TRAUMA, "building": C,
        "receipt": "JHS-00001"})
    answers = push(sim[C], shadow, sim[C].received(TRAUMA, 4))

    assert answers[1] == ("accepted", "")
    assert answers[0][0] == "rejected" and B in answers[0][1]
    found = hand_out_on_hub(hub, dist)  # B's record is B's still
    assert (found.employee_id, found.receipt, found.voided_at) == ("E1", "SMS-00001", None)
    assert stock_lines(hub, C) == [("received", TRAUMA, 4)]  # no pin went out at C
    assert change_kinds(hub) == changes_before  # nobody is told of C's "hand-out"
    [(kiosk, summary, details)] = foreign(hub)
    assert kiosk == sim[C].id and "SMS-00001" in summary and B in summary
    assert details["distribution_id"] == dist and details["event"] == shadow["id"]


def test_a_void_of_a_hand_out_the_hub_does_not_know_is_refused(
        hub: Hub, sim: dict[str, SimKiosk]) -> None:
    made_up = {"payload": {"distribution_id": str(uuid.uuid4()), "credential": TRAUMA,
                           "receipt": "JHS-00009", "staff": "Dee Designee"}}
    void = sim[C].void(made_up)

    assert push(sim[C], void) == [
        ("rejected", f"refused: the hub knows no hand-out "
                     f"{made_up['payload']['distribution_id']} of {C} to void")]
    assert stock_lines(hub, C) == []  # no pin came back into C's stock
    assert "hand_out_voided" not in change_kinds(hub)
    assert len(foreign(hub)) == 1

    # sent again, it is refused again, and raised no second time
    again = push(sim[C], void)
    assert again[0][0] == "rejected" and "knows no hand-out" in again[0][1]
    assert len(foreign(hub)) == 1 and stock_lines(hub, C) == []


def test_a_void_returns_the_pin_handed_out_once(hub: Hub, sim: dict[str, SimKiosk]) -> None:
    kiosk = sim[C]
    handed = kiosk.hand_out(E10_TRAUMA, "E10", TRAUMA)
    void = kiosk.void(handed)
    void_twice = kiosk.void(handed)
    # a void that names another pin still returns the pin that was handed out
    other_pin = kiosk.event("hand_out_voided", {**void["payload"], "credential": BALANCE,
                                                "void_id": str(uuid.uuid4())})

    # the hand-out and its void in one batch: both taken, as a kiosk sends them
    assert push(kiosk, handed, void) == [("accepted", ""), ("accepted", "")]
    assert push(kiosk, void_twice, other_pin) == [("accepted", ""), ("accepted", "")]
    assert stock_lines(hub, C) == [("issued", TRAUMA, -1), ("voided", TRAUMA, 1)]
    assert change_kinds(hub).count("hand_out_voided") == 1
    assert hand_out_on_hub(hub, handed["payload"]["distribution_id"]).voided_at is not None
    assert hub.exceptions() == []
    assert {e.chain for e in hub.events()} == {"ok"}


def test_stock_counts_and_the_waitlist_go_to_the_senders_building(
        hub: Hub, sim: dict[str, SimKiosk]) -> None:
    """Whatever the payload says: the hub never reads a building from it."""
    kiosk, elsewhere = sim[C], {"building": B, "building_id": hub.building_id(B)}
    answers = push(kiosk,
                   kiosk.event("stock_received", {"credential": TRAUMA, "qty": 5, "note": "",
                                                  "at": utcnow().isoformat(), **elsewhere}),
                   kiosk.event("stock_counted", {"credential": TRAUMA, "counted": 3,
                                                 "expected": 5, "note": "",
                                                 "at": utcnow().isoformat(), **elsewhere}),
                   kiosk.event("waitlist_added", {"employee_id": "E2", "credential": TRAUMA,
                                                  "award_id": BOB_TRAUMA,
                                                  "at": utcnow().isoformat(), **elsewhere}))

    assert answers == [("accepted", "")] * 3
    assert stock_lines(hub, C) == [("received", TRAUMA, 5), ("count", TRAUMA, -2)]
    assert stock_lines(hub, B) == []
    waiting = hub.call(lambda: [(w.building_id, w.employee_id) for w in
                                hub_db.session.scalars(select(HubWaitlist))])
    assert waiting == [(hub.building_id(C), "E2")]

    # and B's waitlist entry is B's: C's "fulfilled" does not touch it
    assert push(sim[B], sim[B].waitlisted("E2", TRAUMA, BOB_TRAUMA)) == [("accepted", "")]
    assert push(kiosk, kiosk.event("waitlist_fulfilled", {
        "employee_id": "E2", "credential": TRAUMA, "distribution_id": str(uuid.uuid4()),
        "at": utcnow().isoformat(), **elsewhere})) == [("accepted", "")]
    status = hub.call(lambda: {w.building_id: w.status for w in
                               hub_db.session.scalars(select(HubWaitlist))})
    assert status == {hub.building_id(B): "waiting", hub.building_id(C): "fulfilled"}


def test_applied_district_stock_must_have_been_sent_to_the_building(
        hub: Hub, sim: dict[str, SimKiosk]) -> None:
    to_b = hub.call(allocate, hub.building_id(B), TRAUMA, 10, "", "Dana District").ref
    to_c = hub.call(allocate, hub.building_id(C), TRAUMA, 10, "", "Dana District").ref
    moved_out, moved_in = hub.call(transfer, hub.building_id(C), hub.building_id(A), TRAUMA, 2,
                                   "", "Dana District")
    kiosk = sim[C]

    def applied(ref: str, qty: int) -> dict[str, Any]:
        return kiosk.event("stock_applied", {"ref": ref, "credential": TRAUMA, "qty": qty,
                                             "kind": "received"})

    answers = push(kiosk, applied(to_c, 10), applied(moved_out.ref, -2), applied(to_b, 10),
                   applied(moved_in.ref, 2), applied("no-such-allocation", 99))

    assert [a[0] for a in answers] == ["accepted", "accepted", "rejected", "rejected",
                                       "rejected"]
    assert answers[2][1] == f"refused: {to_b} is not district stock sent to {C}"
    assert [(k, d["ref"]) for k, _, d in foreign(hub)] == [
        (kiosk.id, to_b), (kiosk.id, moved_in.ref), (kiosk.id, "no-such-allocation")]
    assert "sent to " + B in foreign(hub)[0][1] and "never sent" in foreign(hub)[2][1]


def test_another_kiosks_event_is_refused(hub: Hub, sim: dict[str, SimKiosk]) -> None:
    theirs = sim[B].received(TRAUMA, 7)
    assert push(sim[B], theirs) == [("accepted", "")]

    answers = push(sim[C], theirs, sim[C].received(TRAUMA, 1))

    assert answers == [
        ("rejected", "refused: the hub has this event from a kiosk of another building"),
        ("accepted", "")]
    [(kiosk, summary, _)] = foreign(hub)
    assert kiosk == sim[C].id and B in summary
    assert [e.kiosk_id for e in hub.events() if e.id == theirs["id"]] == [sim[B].id]
    assert stock_lines(hub, C) == [("received", TRAUMA, 1)]
    assert stock_lines(hub, B) == [("received", TRAUMA, 7)]

    # B's kiosk enrolled again (a new PC, the same database) is B's own: a duplicate
    assert push(enroll(hub, B), theirs) == [("duplicate", "")]
    assert len(foreign(hub)) == 1 and stock_lines(hub, B) == [("received", TRAUMA, 7)]


def test_a_bundle_speaks_for_the_kiosk_that_signed_it(hub: Hub,
                                                      sim: dict[str, SimKiosk]) -> None:
    kiosk = sim[C]
    events = [kiosk.received(TRAUMA, 3)]
    claims_b = json.loads(kiosk.bundle(*events))
    del claims_b["signature"]
    claims_b["building"] = B  # signed by C, for building B
    forged = json.dumps(sign_bundle(claims_b, kiosk.key)).encode()
    with pytest.raises(InvalidInput, match=f"enrolled for {C}"):
        hub.call(import_bundle, forged, "Dana District")

    as_b = json.loads(kiosk.bundle(*events))
    del as_b["signature"]
    as_b["kiosk_id"], as_b["building"] = sim[B].id, B  # signed by C, as kiosk B
    with pytest.raises(InvalidInput, match="signature"):
        hub.call(import_bundle, json.dumps(sign_bundle(as_b, kiosk.key)).encode(), "Dana")
    assert hub.events() == []

    report = hub.call(import_bundle, kiosk.bundle(*events), "Dana District")
    assert (report.accepted, report.rejected) == (1, [])
