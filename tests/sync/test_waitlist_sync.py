"""The waitlist's call-backs and closings reach the hub (issue 13): a kiosk's call-back, a
removal with a reason and a hand-out that closes an entry travel as waitlist events, once each,
and the hub's waitlist says what the kiosk's does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Person, WaitlistEntry
from kiosk.services.stock import count_stock
from kiosk.services.waitlist import add_to_waitlist, mark_contacted, remove_from_waitlist
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubWaitlist
from tests.factories import ALICE_BALANCE, BALANCE, CARA_CHALLENGES, CHALLENGES

from .conftest import District, assert_all_on_hub_once, sync_until_done


def _entry(employee_id: str) -> int:
    found = db.session.scalar(select(WaitlistEntry.id).join(
        Person, Person.id == WaitlistEntry.person_id).where(Person.employee_id == employee_id))
    assert found is not None
    return int(found)


def test_call_backs_removals_and_hand_outs_reach_the_hub(district: District) -> None:
    kiosk = district.kiosks[0]
    staff = kiosk.staff
    kiosk.call(count_stock, BALANCE, 0, staff["office"], "none left")
    for award in (CARA_CHALLENGES, ALICE_BALANCE):
        kiosk.call(add_to_waitlist, award, staff["designee"])
    cara, alice = kiosk.call(_entry, "E3"), kiosk.call(_entry, "E1")
    kiosk.call(mark_contacted, cara, staff["office"], "left a message")
    kiosk.call(mark_contacted, cara, staff["admin"], "")
    kiosk.call(remove_from_waitlist, alice, staff["office"], "other", "has one already")
    kiosk.receive(CHALLENGES, 1)
    kiosk.hand_out(CARA_CHALLENGES)
    for each in district.kiosks:
        sync_until_done(each)

    kinds = [e["kind"] for e in kiosk.outbox() if e["kind"].startswith("waitlist_")]
    assert kinds == ["waitlist_added", "waitlist_added", "waitlist_contacted",
                     "waitlist_contacted", "waitlist_removed", "waitlist_fulfilled"]

    def hub_waitlist() -> dict[str, Any]:
        return {w.employee_id: (w.status, w.contacts, w.close_reason, w.close_note,
                                w.closed_at is not None, w.contacted_at is not None)
                for w in hub_db.session.scalars(select(HubWaitlist))}

    assert district.hub.call(hub_waitlist) == {
        "E3": ("fulfilled", 2, "handed_out", "", True, True),
        "E1": ("removed", 0, "other", "has one already", True, False)}
    assert_all_on_hub_once(district)
