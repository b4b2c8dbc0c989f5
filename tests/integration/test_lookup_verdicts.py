"""The manual lookup reads every verdict for the people it shows in a few statements; each must
be the verdict a pick of that pin gives (scan.check_award), whatever the person's state: handed
out here or at another building, voided, revoked, out of stock, waiting in the queue."""

from __future__ import annotations

import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.extensions import db
from kiosk.models import RemoteHandOut, utcnow
from kiosk.services import lookups
from kiosk.services.hand_out import hand_out
from kiosk.services.lookup import look_up
from kiosk.services.scan import check_award
from kiosk.services.void import void_hand_out
from kiosk.services.waitlist import add_to_waitlist
from tests import factories as f
from tests.integration.conftest import set_stock
from tests.web.helpers import add_award


def _all_agree(names: list[str]) -> int:
    checked = 0
    for name in names:
        for person in look_up(name).people:
            for pin in person.pins:
                picked = check_award(pin.award_id)
                assert pin.reason is picked.reason, (name, pin)
                assert pin.prior == picked.prior, (name, pin)
                if pin.reason in (picked.reason.OK, picked.reason.OUT_OF_STOCK):
                    assert pin.waiting == picked.waiting, (name, pin)
                checked += 1
    return checked


def test_each_pin_of_the_lookup_says_what_a_pick_says(ctx, staff, tmp_path):
    add_award(ctx, tmp_path, "Dan Dunn", "urn:uuid:dan-challenges", f.CHALLENGES, "E901")
    dist = hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), staff["designee"])
    void_hand_out(dist.distribution.id, staff["admin"], "wrong person")
    hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), staff["designee"])  # handed out again
    add_to_waitlist(f.CARA_CHALLENGES, staff["designee"])
    add_to_waitlist("urn:uuid:dan-challenges", staff["designee"])
    bob = lookups.credential_named(f.TRAUMA).id
    db.session.add(RemoteHandOut(distribution_id=str(uuid.uuid4()), building="Shepherdstown",
                                 employee_id="E2", credential_id=bob, receipt="SMS-00009",
                                 staff="Sam", handed_out_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    assert _all_agree(["alice", "bob", "cara", "dan", "e"]) >= 6


# One kiosk for every example, on purpose: its history only grows, as a real kiosk's does.
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stock=st.integers(min_value=0, max_value=2), order=st.permutations(
    [f.ALICE_TRAUMA, f.ALICE_BALANCE, f.BOB_TRAUMA, f.CARA_CHALLENGES]))
def test_any_mix_of_hand_outs_and_stock_agrees(app, stock, order):
    with app.app_context():
        staff_id = f.staff_id("office")
        for credential in (f.TRAUMA, f.BALANCE, f.CHALLENGES):
            set_stock(credential, stock)
        for award in order[:2]:
            result = check_award(award)
            if result.ok:
                hand_out(award, str(uuid.uuid4()), staff_id)
            elif result.reason is result.reason.OUT_OF_STOCK:
                add_to_waitlist(award, staff_id)
        _all_agree(["alice", "bob", "cara"])
        db.session.remove()
