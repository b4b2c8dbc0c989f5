"""Each kiosk's events form a hash chain: an event edited or removed in the kiosk's database
before it was pushed is flagged on the hub, and the hub keeps every event it was given."""

from __future__ import annotations

import json

import pytest

from kiosk.sync.protocol import event_hash
from tests.factories import TRAUMA

from .conftest import District, Kiosk, sync_until_done

SEQ = 5  # the event tampered with: two before it and one after it are pending too


def edit(kiosk: Kiosk, rehash: bool) -> None:
    event = kiosk.outbox()[SEQ - 1]
    payload = {**event["payload"], "qty": 100}
    kiosk.sql("UPDATE outbox_event SET payload = :payload WHERE seq = :seq",
              payload=json.dumps(payload, sort_keys=True, separators=(",", ":")), seq=SEQ)
    if rehash:  # someone who knows the protocol hides the edit in this event's own hash

        def created_text() -> str:
            from sqlalchemy import text

            from kiosk.extensions import db

            return str(db.session.scalar(text("SELECT created_text FROM outbox_event "
                                              "WHERE seq = :seq"), {"seq": SEQ}))

        prev = kiosk.outbox()[SEQ - 2]["hash"]
        new_hash = event_hash(prev, event["id"], SEQ, event["kind"], payload,
                              kiosk.call(created_text))
        kiosk.sql("UPDATE outbox_event SET hash = :hash WHERE seq = :seq", hash=new_hash,
                  seq=SEQ)


@pytest.mark.parametrize("tamper, kind, chains", [
    ("edit", "altered_event", {SEQ: "broken"}),
    ("edit and rehash", "broken_chain", {SEQ + 1: "broken"}),
    ("delete", "broken_chain", {SEQ + 1: "gap"}),
])
def test_an_altered_or_missing_event_is_flagged_and_kept(
        district: District, tamper: str, kind: str, chains: dict[int, str]) -> None:
    kiosk = district.kiosks[0]
    for qty in (1, 2, 3):
        kiosk.receive(TRAUMA, qty)
    assert [e["seq"] for e in kiosk.outbox()] == [1, 2, 3, 4, 5, 6]

    if tamper == "delete":
        kiosk.sql("DELETE FROM outbox_event WHERE seq = :seq", seq=SEQ)
    else:
        edit(kiosk, rehash=tamper == "edit and rehash")
    sent = kiosk.outbox()

    sync_until_done(kiosk)

    on_hub = district.hub.events(kiosk.kiosk_id)
    assert [e.id for e in on_hub] == [e["id"] for e in sent]  # every event kept
    assert {e.seq: e.chain for e in on_hub if e.chain != "ok"} == chains
    flagged = [e for e in district.hub.exceptions() if e.status == "open"]
    assert [(e.kind, e.kiosk_id) for e in flagged] == [(kind, kiosk.kiosk_id)]
    if tamper != "delete":
        stored = next(e for e in on_hub if e.seq == SEQ)
        assert json.loads(stored.payload)["qty"] == 100  # kept as it came, for a person to see

    # nothing more is flagged when the kiosk syncs again, nor for the other kiosks
    for other in district.kiosks:
        sync_until_done(other)
    assert [e.id for e in district.hub.exceptions()] == [e.id for e in flagged]


def test_an_event_sent_again_with_other_content_is_refused_and_kept_at_the_kiosk(
        district: District) -> None:
    kiosk = district.kiosks[0]
    sync_until_done(kiosk)
    first = kiosk.outbox()[0]
    payload = {**first["payload"], "qty": 1000}
    kiosk.sql("UPDATE outbox_event SET payload = :payload, status = 'pending' WHERE seq = 1",
              payload=json.dumps(payload, sort_keys=True, separators=(",", ":")))

    report = kiosk.sync()

    assert report.ok and report.rejected == 1
    event = kiosk.outbox()[0]
    assert event["status"] == "rejected" and "altered" in event["last_error"]
    stored = district.hub.events(kiosk.kiosk_id)[0]
    assert json.loads(stored.payload)["qty"] == first["payload"]["qty"]  # the hub's stays
    assert [e.kind for e in district.hub.exceptions()] == ["altered_event"]
