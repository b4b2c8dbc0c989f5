"""The waitlist: only for a pin that is out of stock; fulfilled when the pin goes out."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from kiosk.domain.reasons import Reason
from kiosk.errors import InvalidInput, Refused
from kiosk.extensions import db
from kiosk.models import WaitlistEntry
from kiosk.services.hand_out import hand_out
from kiosk.services.stock import receive_stock
from kiosk.services.void import void_hand_out
from kiosk.services.waitlist import add_to_waitlist, waiting
from tests import factories as f
from tests.integration.conftest import count, set_stock


def test_out_of_stock_puts_the_person_on_the_waitlist(ctx, staff):
    done = add_to_waitlist(f.CARA_CHALLENGES, staff["designee"])
    assert done.entry.status == "waiting"
    assert (done.added, done.place.position, done.place.of) == (True, 1, 1)
    entries = waiting()
    assert [(e.person.name, e.credential.name) for e in entries] == [("Cara Cole", f.CHALLENGES)]


def test_adding_twice_keeps_one_entry(ctx, staff):
    first = add_to_waitlist(f.CARA_CHALLENGES, staff["designee"])
    second = add_to_waitlist(f.CARA_CHALLENGES, staff["office"])
    assert first.entry.id == second.entry.id
    assert (first.added, second.added) == (True, False)
    assert count(WaitlistEntry) == 1


def test_a_pin_in_stock_is_handed_out_not_waitlisted(ctx, staff):
    with pytest.raises(InvalidInput, match="in stock"):
        add_to_waitlist(f.ALICE_TRAUMA, staff["designee"])
    assert count(WaitlistEntry) == 0


@pytest.mark.parametrize(("payload", "reason"), [
    (f.BOB_REVOKED, Reason.REVOKED),
    (f.CARA_COMMUNICATION, Reason.NO_PIN_FOR_CREDENTIAL),
    ("urn:uuid:00000000-0000-4000-8000-000000000000", Reason.UNKNOWN_BADGE),
    ("not a payload", Reason.MALFORMED),
])
def test_other_verdicts_cannot_be_waitlisted(ctx, staff, payload, reason):
    with pytest.raises(Refused) as refused:
        add_to_waitlist(payload, staff["designee"])
    assert refused.value.reason is reason
    assert count(WaitlistEntry) == 0


def test_someone_who_already_has_the_pin_is_not_waitlisted(ctx, staff):
    hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), staff["designee"])
    set_stock(f.TRAUMA, 0)
    with pytest.raises(Refused) as refused:
        add_to_waitlist(f.ALICE_TRAUMA, staff["designee"])
    assert refused.value.reason is Reason.ALREADY_ISSUED


def test_handing_the_pin_out_later_fulfils_the_entry(ctx, staff):
    entry_id = add_to_waitlist(f.CARA_CHALLENGES, staff["designee"]).entry.id
    receive_stock(f.CHALLENGES, 2, staff["office"])
    hand_out(f.CARA_CHALLENGES, str(uuid.uuid4()), staff["designee"])
    entry = db.session.get(WaitlistEntry, entry_id)
    assert entry.status == "fulfilled"
    assert waiting() == []


def test_after_a_void_and_a_new_shortage_the_person_can_wait_again(ctx, staff):
    add_to_waitlist(f.CARA_CHALLENGES, staff["designee"])
    receive_stock(f.CHALLENGES, 1, staff["office"])
    dist_id = hand_out(f.CARA_CHALLENGES, str(uuid.uuid4()), staff["designee"]).distribution.id
    void_hand_out(dist_id, staff["designee"], "pin was damaged")
    set_stock(f.CHALLENGES, 0)
    entry = add_to_waitlist(f.CARA_CHALLENGES, staff["designee"]).entry
    assert entry.status == "waiting"
    statuses = sorted(db.session.scalars(select(WaitlistEntry.status)).all())
    assert statuses == ["fulfilled", "waiting"]
