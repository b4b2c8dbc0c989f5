"""Who may change which record (docs/sync-protocol.md): a kiosk changes only its own building's
records. An event that reaches for another building's record is stored (its chain stays whole)
but refused: not applied, answered ``rejected`` with a reason, and raised once on the hub; the
other events of the same batch go on. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.db import write_transaction
from kiosk.errors import Refused
from kiosk.services.district_bundle import export_bundle
from kiosk.services.district_status import sync_status
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubChange, HubHandOut, HubStock, HubWaitlist, utcnow
from kiosk.sync.hub.services import ingest, reconcile
from kiosk.sync.hub.services.bundles import import_bundle
from kiosk.sync.outbox import add_event
from tests.factories import ALICE_TRAUMA, BOB_TRAUMA, TRAUMA
from tests.hub.conftest import SimKiosk

from .conftest import BUILDINGS, District, Hub, Kiosk, sync_until_done


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
