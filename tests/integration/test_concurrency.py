"""Two tabs, a double Enter, two desks at once: still exactly one pin, and never below zero.

These tests use real threads, each with its own app context and database connection, released
at the same moment by a barrier."""

from __future__ import annotations

import uuid

from kiosk.domain.reasons import Reason
from kiosk.errors import InvalidInput, Refused
from kiosk.extensions import db
from kiosk.models import Distribution, StockMovement
from kiosk.services.hand_out import hand_out
from kiosk.services.lookups import credential_named
from kiosk.services.void import void_hand_out
from tests import factories as f
from tests.integration.conftest import count, on_hand, run_together, set_stock


def _hand_out(payload: str, staff_id: int, form_nonce: str | None = None):  # type: ignore[no-untyped-def]
    def call():  # type: ignore[no-untyped-def]
        done = hand_out(payload, form_nonce or str(uuid.uuid4()), staff_id)
        return done.distribution.id, done.repeated
    return call


def _ids(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        ids = {role: f.staff_id(role) for role in f.LOGINS}
        db.session.remove()
    return ids


def test_eight_desks_scan_the_same_award_at_once(app):
    staff = _ids(app)
    results = run_together(app, [_hand_out(f.ALICE_TRAUMA, staff["designee"])
                                 for _ in range(8)])
    wins = [value for status, value in results if status == "ok"]
    errors = [value for status, value in results if status == "error"]
    assert len(wins) == 1, results
    assert len(errors) == 7
    for exc in errors:
        assert isinstance(exc, Refused), repr(exc)
        assert exc.reason is Reason.ALREADY_ISSUED
    with app.app_context():
        assert count(Distribution) == 1
        assert on_hand(f.TRAUMA) == f.STOCK[f.TRAUMA] - 1
        assert db.session.get(Distribution, wins[0][0]) is not None


def test_a_double_enter_with_the_same_form_is_one_hand_out(app):
    staff = _ids(app)
    form_nonce = str(uuid.uuid4())
    results = run_together(app, [_hand_out(f.ALICE_TRAUMA, staff["designee"], form_nonce)
                                 for _ in range(4)])
    assert all(status == "ok" for status, _ in results), results
    assert {value[0] for _, value in results} == {form_nonce}
    assert sorted(value[1] for _, value in results) == [False, True, True, True]
    with app.app_context():
        assert count(Distribution) == 1
        assert on_hand(f.TRAUMA) == f.STOCK[f.TRAUMA] - 1


def test_the_last_pin_goes_to_one_person(app):
    staff = _ids(app)
    with app.app_context():
        set_stock(f.TRAUMA, 1)
        db.session.remove()
    results = run_together(app, [_hand_out(f.ALICE_TRAUMA, staff["designee"]),
                                 _hand_out(f.BOB_TRAUMA, staff["office"])])
    statuses = sorted(status for status, _ in results)
    assert statuses == ["error", "ok"], results
    loser = next(value for status, value in results if status == "error")
    assert isinstance(loser, Refused) and loser.reason is Reason.OUT_OF_STOCK
    with app.app_context():
        assert on_hand(f.TRAUMA) == 0
        assert count(Distribution) == 1
        running, lowest = 0, 0
        cred_id = credential_named(f.TRAUMA).id
        for movement in db.session.scalars(
                db.select(StockMovement).where(StockMovement.credential_id == cred_id)
                .order_by(StockMovement.id)):
            running += movement.qty
            lowest = min(lowest, running)
        assert lowest == 0, "stock went below zero on the way"


def test_many_people_and_few_pins(app):
    staff = _ids(app)
    with app.app_context():
        set_stock(f.TRAUMA, 1)
        set_stock(f.BALANCE, 1)
        db.session.remove()
    results = run_together(app, [
        _hand_out(f.ALICE_TRAUMA, staff["designee"]),
        _hand_out(f.BOB_TRAUMA, staff["office"]),
        _hand_out(f.ALICE_BALANCE, staff["admin"]),
        _hand_out(f.ALICE_TRAUMA, staff["office"]),
    ])
    assert sum(status == "ok" for status, _ in results) == 2, results
    with app.app_context():
        assert on_hand(f.TRAUMA) == 0
        assert on_hand(f.BALANCE) == 0
        assert count(Distribution) == 2


def test_different_people_at_once_get_different_receipt_numbers(app):
    staff = _ids(app)
    results = run_together(app, [_hand_out(f.ALICE_TRAUMA, staff["designee"]),
                                 _hand_out(f.ALICE_BALANCE, staff["office"]),
                                 _hand_out(f.BOB_TRAUMA, staff["admin"])])
    assert all(status == "ok" for status, _ in results), results
    with app.app_context():
        receipts = sorted(db.session.scalars(db.select(Distribution.receipt)).all())
    assert receipts == ["PJE-00001", "PJE-00002", "PJE-00003"]


def test_two_voids_of_the_same_hand_out_at_once_return_one_pin(app):
    staff = _ids(app)
    with app.app_context():
        dist_id = hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), staff["designee"]).distribution.id
        db.session.remove()

    def void(staff_id: int):  # type: ignore[no-untyped-def]
        return lambda: void_hand_out(dist_id, staff_id, "wrong person").id

    results = run_together(app, [void(staff["designee"]), void(staff["office"]),
                                 void(staff["admin"])])
    assert sorted(status for status, _ in results) == ["error", "error", "ok"], results
    for status, value in results:
        if status == "error":
            assert isinstance(value, InvalidInput), repr(value)
    with app.app_context():
        assert on_hand(f.TRAUMA) == f.STOCK[f.TRAUMA]
