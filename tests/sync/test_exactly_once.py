"""Exactly once over a bad network: requests and answers dropped at random, an answer lost
after the hub committed, the hub restarted in the middle of a batch, the same batch delivered
twice. After the network heals every event of every kiosk is on the hub once; nothing is lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from kiosk.extensions import db
from kiosk.services import district as district_service
from kiosk.sync import outbox
from kiosk.sync.hub.services import ingest
from kiosk.sync.protocol import time_text
from tests.factories import BALANCE, TRAUMA

from .conftest import (
    EXTRA_STAFF,
    District,
    Kiosk,
    assert_all_on_hub_once,
    award_id,
    sync_until_done,
)

SEED = 20240905


def waiting(kiosk: Kiosk) -> list[str]:
    return [e["id"] for e in kiosk.outbox() if e["status"] == "pending"]


def test_random_drops_lose_nothing_and_deliver_every_event_once(
        district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(district_service, "PUSH_BATCH", 3)  # many batches, many chances to fail
    district.proxy.chaos(SEED, drop_request=0.2, drop_response=0.2, cut_response=0.15)
    handed: list[str] = []
    failed = 0
    awards = [award_id(emp, cred) for cred in (TRAUMA, BALANCE) for emp, _ in EXTRA_STAFF]
    for turn in range(6):
        for n, kiosk in enumerate(district.kiosks):
            handed.append(kiosk.hand_out(awards[turn * 3 + n]))
            kiosk.receive(TRAUMA if turn % 2 else BALANCE, 1 + n)
            report = kiosk.sync()
            failed += not report.ok
            assert not report.refused and report.rejected == 0

    fates = district.proxy.counts()
    assert failed and all(fates[f] for f in ("drop_request", "drop_response", "cut_response")), \
        fates
    district.proxy.heal()
    for kiosk in district.kiosks * 2:  # twice: the first kiosks pull what the last ones pushed
        sync_until_done(kiosk)

    assert_all_on_hub_once(district)
    assert district.hub.exceptions() == []
    # every kiosk knows every other building's hand-outs
    for n, kiosk in enumerate(district.kiosks):
        others = [awards[i] for i in range(len(handed)) if i % 3 != n]
        assert {kiosk.verdict(a) for a in others} == {"already_issued"}


def test_an_answer_lost_after_the_hub_committed_is_not_stored_twice(district: District) -> None:
    kiosk = district.kiosks[0]
    for _ in range(3):
        kiosk.receive(TRAUMA, 2)
    sent = waiting(kiosk)

    district.proxy.script(["drop_response"])
    report = kiosk.sync()
    assert not report.ok and report.pushed == 0
    assert waiting(kiosk) == sent  # the kiosk cannot know the hub took them
    assert [e.id for e in district.hub.events(kiosk.kiosk_id)] == sent  # the hub did

    report = kiosk.sync()
    assert report.ok and report.pushed == len(sent) and report.duplicates == len(sent)
    assert [e.id for e in district.hub.events(kiosk.kiosk_id)] == sent
    for other in district.kiosks[1:]:
        sync_until_done(other)
    assert_all_on_hub_once(district)


def test_hub_restarted_in_the_middle_of_a_batch(district: District,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    kiosk = district.kiosks[0]
    monkeypatch.setattr(district_service, "PUSH_BATCH", 2)
    for _ in range(4):
        kiosk.receive(TRAUMA, 1)
    events = [e["id"] for e in kiosk.outbox()]
    assert len(events) == 7

    # the hub dies while it stores the second batch: that transaction never commits
    real_note = ingest._note_kiosk
    batches: list[int] = []
    stopping: list[threading.Thread] = []

    def crash_on_second_batch(*args: Any) -> None:
        batches.append(len(args[2]))
        if len(batches) == 2:
            stopping.append(threading.Thread(target=district.hub.server.stop))
            stopping[0].start()
            raise RuntimeError("the hub's process was killed")
        real_note(*args)

    monkeypatch.setattr(ingest, "_note_kiosk", crash_on_second_batch)
    report = kiosk.sync()
    assert not report.ok
    stopping[0].join(timeout=10)
    assert not district.hub.server.running
    assert [e.id for e in district.hub.events(kiosk.kiosk_id)] == events[:2]
    assert waiting(kiosk) == events[2:]

    report = kiosk.sync()  # while the hub is down
    assert not report.ok and "cannot reach the hub" in report.error
    assert waiting(kiosk) == events[2:]

    monkeypatch.setattr(ingest, "_note_kiosk", real_note)
    district.hub.server.start()  # the same port, the same database
    sync_until_done(kiosk)
    assert [e.id for e in district.hub.events(kiosk.kiosk_id)] == events
    for other in district.kiosks[1:]:
        sync_until_done(other)
    assert_all_on_hub_once(district)


def test_the_same_batch_delivered_twice_and_at_once(district: District) -> None:
    kiosk = district.kiosks[0]
    kiosk.hand_out(award_id(EXTRA_STAFF[0][0], TRAUMA))
    kiosk.receive(TRAUMA, 5)

    def batch() -> tuple[Any, list[dict[str, Any]]]:
        client, _ = district_service._client(10.0)
        return client, [outbox.as_event(e).as_json()
                        for e in outbox.pending(db.session, district_service.PUSH_BATCH)]

    client, events = kiosk.call(batch)
    ids = [e["id"] for e in events]

    def push() -> list[tuple[str, str]]:
        answer = client.push(kiosk.kiosk_id, events, time_text(datetime.now(UTC)))
        return [(r["id"], r["status"]) for r in answer["results"]]

    assert push() == [(i, "accepted") for i in ids]
    assert push() == [(i, "duplicate") for i in ids]

    # two deliveries of the next batch at the same moment: each event is taken once
    kiosk.receive(BALANCE, 2)
    kiosk.receive(BALANCE, 3)
    client, events = kiosk.call(batch)
    events = [e for e in events if e["id"] not in ids]
    barrier = threading.Barrier(2)
    answers: list[list[tuple[str, str]]] = []

    def push_together() -> None:
        barrier.wait(timeout=10)
        answers.append(push())

    threads = [threading.Thread(target=push_together) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(answers) == 2
    for n, event in enumerate(events):
        assert sorted(a[n][1] for a in answers) == ["accepted", "duplicate"], event["id"]

    report = kiosk.sync()
    total = len(ids) + len(events)
    assert report.ok and report.pushed == total and report.duplicates == total
    for other in district.kiosks[1:]:
        sync_until_done(other)
    assert_all_on_hub_once(district)
