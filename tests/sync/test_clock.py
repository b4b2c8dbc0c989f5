"""A kiosk whose clock is off by more than five minutes raises a "clock" exception on the hub."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from kiosk.services import district as district_service
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import Kiosk as HubKiosk

from .conftest import District


@pytest.mark.parametrize("minutes, word", [(12, "fast"), (-9, "slow")])
def test_a_kiosk_clock_off_by_more_than_five_minutes_is_flagged(
        district: District, monkeypatch: pytest.MonkeyPatch, minutes: int, word: str) -> None:
    wrong, right, _ = district.kiosks
    real = district_service.utcnow
    with monkeypatch.context() as patch:
        patch.setattr(district_service, "utcnow", lambda: real() + timedelta(minutes=minutes))
        assert wrong.sync().ok  # the hub still takes its events
    assert right.sync().ok

    clocks = district.hub.exceptions("clock")
    assert [(e.kiosk_id, e.status) for e in clocks] == [(wrong.kiosk_id, "open")]
    assert word in clocks[0].summary
    offset = json.loads(clocks[0].details)["offset_seconds"]
    assert abs(offset - minutes * 60) < 60  # loopback: what it said, give or take

    def offsets() -> dict[str, float | None]:
        return {k.id: k.clock_offset_s for k in hub_db.session.query(HubKiosk)}

    found = district.hub.call(offsets)
    assert abs(found[right.kiosk_id] or 0) < 300 < abs(found[wrong.kiosk_id] or 0)
    assert {e["status"] for e in wrong.outbox()} == {"sent"}

    # while it stays wrong, syncing again does not open another one
    with monkeypatch.context() as patch:
        patch.setattr(district_service, "utcnow", lambda: real() + timedelta(minutes=minutes))
        assert wrong.sync().ok
    assert len(district.hub.exceptions("clock")) == 1
