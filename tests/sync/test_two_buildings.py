"""The same person and pin at two buildings: kept twice and flagged once when both were
offline; "already handed out" at the second building once it has synced."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kiosk.errors import Refused
from kiosk.services.void import void_hand_out
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubHandOut
from tests.factories import ALICE_BALANCE, ALICE_TRAUMA, TRAUMA

from .conftest import District, assert_all_on_hub_once, sync_until_done


def hub_hand_outs(district: District) -> dict[str, str]:
    """The hub's hand-outs: distribution id -> building."""
    def read() -> dict[str, str]:
        return {h.id: h.kiosk_id for h in hub_db.session.scalars(select(HubHandOut))}

    by_kiosk = {k.kiosk_id: k.building for k in district.kiosks}
    return {dist: by_kiosk[kiosk] for dist, kiosk in district.hub.call(read).items()}


@pytest.mark.parametrize("offline", ["network down", "hub stopped"])
def test_same_badge_at_two_offline_kiosks_keeps_both_and_raises_one_exception(
        district: District, offline: str) -> None:
    first, second, third = district.kiosks
    if offline == "network down":
        district.proxy.down = True
    else:
        district.hub.server.stop()

    at_first = first.hand_out(ALICE_TRAUMA)
    at_second = second.hand_out(ALICE_TRAUMA)  # it cannot know: both are offline

    for kiosk in (first, second):
        report = kiosk.sync()
        assert not report.ok and not report.refused
        assert "cannot reach the hub" in report.error
        handed = [e for e in kiosk.outbox() if e["kind"] == "pin_handed_out"]
        assert [e["status"] for e in handed] == ["pending"]
    assert district.hub.exceptions() == []

    if offline == "network down":
        district.proxy.heal()
    else:
        district.hub.server.start()
    for kiosk in (first, second):
        sync_until_done(kiosk)

    assert hub_hand_outs(district) == {at_first: first.building, at_second: second.building}
    duplicates = district.hub.exceptions("duplicate")
    assert len(duplicates) == 1
    details = json.loads(duplicates[0].details)
    assert details["distribution_ids"] == sorted([at_first, at_second])
    assert sorted(b["name"] for b in details["buildings"]) == sorted(
        [first.building, second.building])
    assert first.building in duplicates[0].summary and second.building in duplicates[0].summary

    # syncing again, from every kiosk, raises nothing new
    for kiosk in district.kiosks:
        sync_until_done(kiosk)
    assert len(district.hub.exceptions("duplicate")) == 1
    assert third.verdict(ALICE_TRAUMA) == "already_issued"
    assert_all_on_hub_once(district)


def test_pin_given_at_one_building_is_already_issued_at_another_after_it_syncs(
        district: District) -> None:
    here, there, _ = district.kiosks
    assert there.verdict(ALICE_TRAUMA) == "ok"

    dist = here.hand_out(ALICE_TRAUMA)
    assert there.verdict(ALICE_TRAUMA) == "ok"  # it has not heard yet
    assert here.sync().ok
    assert there.sync().ok

    assert there.verdict(ALICE_TRAUMA) == "already_issued"

    def prior() -> tuple[str | None, str | None]:
        from kiosk.services.scan import check_proof

        found = check_proof(ALICE_TRAUMA).prior
        return (found.building, found.receipt) if found else (None, None)

    receipt = [e for e in here.outbox() if e["kind"] == "pin_handed_out"][0]["payload"]["receipt"]
    assert there.call(prior) == (here.building, receipt)
    assert there.verdict(ALICE_BALANCE) == "ok"  # another pin for the same person
    with pytest.raises(Refused):
        there.hand_out(ALICE_TRAUMA)
    stock_there = there.on_hand(TRAUMA)

    # voided where it was given, the pin can go out again anywhere
    here.call(void_hand_out, dist, here.staff["designee"], "Handed to the wrong person")
    assert here.sync().ok
    assert there.sync().ok
    assert there.verdict(ALICE_TRAUMA) == "ok"
    there.hand_out(ALICE_TRAUMA)
    assert there.on_hand(TRAUMA) == stock_there - 1
    for kiosk in district.kiosks:
        sync_until_done(kiosk)
    assert district.hub.exceptions("duplicate") == []
    assert_all_on_hub_once(district)
