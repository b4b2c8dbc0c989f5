"""District stock: an allocation and a transfer between buildings reach the kiosks on their next
sync, once each, even when the same changes are pulled again."""

from __future__ import annotations

from kiosk.db import write_transaction
from kiosk.services import lookups
from kiosk.services.district import CURSOR
from kiosk.sync.hub.services import reconcile
from kiosk.sync.hub.services.stock import allocate, transfer
from tests.factories import BALANCE, TRAUMA

from .conftest import STOCK, District, assert_all_on_hub_once, sync_until_done


def forget_cursor() -> None:
    with write_transaction():
        lookups.set_setting(CURSOR, "0")


def test_allocation_and_transfer_reach_the_kiosks_exactly_once(district: District) -> None:
    first, second, third = district.kiosks
    for kiosk in district.kiosks:
        sync_until_done(kiosk)  # the hub learns of the first shipments
    start = STOCK[TRAUMA]
    hub = district.hub
    first_id, second_id = hub.building_id(first.building), hub.building_id(second.building)

    hub.call(allocate, first_id, TRAUMA, 7, "Spring order", "Dana District")
    hub.call(transfer, first_id, second_id, TRAUMA, 5, "Second ran low", "Dana District")
    assert first.on_hand(TRAUMA) == start  # nothing until they sync

    # the first pull's answer is lost on the way: nothing is applied, the next pull applies it
    district.proxy.script(["drop_response"])
    assert not first.sync().ok
    assert first.on_hand(TRAUMA) == start
    sync_until_done(first)
    sync_until_done(second)
    sync_until_done(third)
    assert (first.on_hand(TRAUMA), second.on_hand(TRAUMA), third.on_hand(TRAUMA)) == (
        start + 7 - 5, start + 5, start)
    assert first.on_hand(BALANCE) == STOCK[BALANCE]

    # the same changes pulled again (a kiosk restored, or its cursor lost) change nothing
    for kiosk in (first, second):
        kiosk.call(forget_cursor)
        report = kiosk.sync()
        assert report.ok and report.pulled > 0
        sync_until_done(kiosk)
    assert (first.on_hand(TRAUMA), second.on_hand(TRAUMA), third.on_hand(TRAUMA)) == (
        start + 7 - 5, start + 5, start)

    # the kiosks told the hub they applied them; the hub's books agree with the shelves
    applied = [e for k in (first, second) for e in k.outbox() if e["kind"] == "stock_applied"]
    assert sorted(e["payload"]["qty"] for e in applied) == [-5, 5, 7]
    for kiosk, building in ((first, first_id), (second, second_id)):
        assert hub.call(reconcile.expected_on_hand, building, TRAUMA) == kiosk.on_hand(TRAUMA)
    assert_all_on_hub_once(district)
