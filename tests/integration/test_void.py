"""Voiding a hand-out: a new event, stock comes back, the award can be handed out again."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kiosk.domain.reasons import Reason
from kiosk.errors import InvalidInput, NotAllowed, NotFound, Refused
from kiosk.extensions import db
from kiosk.models import Distribution, OutboxEvent, StockMovement, Void
from kiosk.services.hand_out import hand_out
from kiosk.services.scan import check_proof
from kiosk.services.void import void_hand_out
from tests import factories as f
from tests.integration.conftest import on_hand, snapshot


def give(payload: str, staff_id: int, at: datetime | None = None) -> str:
    return hand_out(payload, str(uuid.uuid4()), staff_id, at=at).distribution.id


def test_void_is_a_new_event_and_stock_comes_back(ctx, staff):
    dist_id = give(f.ALICE_TRAUMA, staff["designee"])
    before = snapshot()
    void = void_hand_out(dist_id, staff["designee"], "  handed to the wrong person ")
    after = snapshot()
    changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert changed == {"Void": 1, "StockMovement": 1, "OutboxEvent": 1,
                       f"on hand: {f.TRAUMA}": 1}

    void = db.session.get(Void, void.id)
    assert void.distribution_id == dist_id
    assert void.reason == "handed to the wrong person"
    assert void.staff.name == "Dee Designee"
    assert db.session.get(Distribution, dist_id) is not None, "the hand-out itself stays"

    movement = db.session.scalar(select(StockMovement).where(
        StockMovement.distribution_id == dist_id, StockMovement.kind == "voided"))
    assert movement.qty == 1
    event = db.session.scalar(select(OutboxEvent).order_by(OutboxEvent.seq.desc()))
    assert event.kind == "hand_out_voided"
    payload = json.loads(event.payload)
    assert payload["distribution_id"] == dist_id
    assert payload["receipt"] == "PJE-00001"
    assert payload["reason"] == "handed to the wrong person"


def test_after_a_void_the_award_can_be_handed_out_again(ctx, staff):
    first = give(f.ALICE_TRAUMA, staff["designee"])
    void_hand_out(first, staff["designee"], "printer jammed, redo")
    assert check_proof(f.ALICE_TRAUMA).reason is Reason.OK
    second = db.session.get(Distribution, give(f.ALICE_TRAUMA, staff["designee"]))
    assert second.claim_no == 1
    assert second.receipt == "PJE-00002"
    assert check_proof(f.ALICE_TRAUMA).reason is Reason.ALREADY_ISSUED
    assert on_hand(f.TRAUMA) == f.STOCK[f.TRAUMA] - 1
    with pytest.raises(Refused):
        give(f.ALICE_TRAUMA, staff["designee"])


def test_voiding_twice_is_refused(ctx, staff):
    dist_id = give(f.ALICE_TRAUMA, staff["designee"])
    void_hand_out(dist_id, staff["designee"], "wrong person")
    before = snapshot()
    with pytest.raises(InvalidInput, match="already voided"):
        void_hand_out(dist_id, staff["admin"], "wrong person again")
    assert snapshot() == before


def test_a_void_needs_a_reason(ctx, staff):
    dist_id = give(f.ALICE_TRAUMA, staff["designee"])
    before = snapshot()
    for reason in ("", "  ", "no"):
        with pytest.raises(InvalidInput):
            void_hand_out(dist_id, staff["designee"], reason)
    assert snapshot() == before


def test_voiding_an_unknown_hand_out(ctx, staff):
    with pytest.raises(NotFound):
        void_hand_out(str(uuid.uuid4()), staff["admin"], "does not exist")


def test_designee_cannot_void_anothers_hand_out(ctx, staff):
    dist_id = give(f.ALICE_TRAUMA, staff["office"])
    before = snapshot()
    with pytest.raises(NotAllowed):
        void_hand_out(dist_id, staff["designee"], "not mine")
    assert snapshot() == before


def test_designee_cannot_void_yesterdays(ctx, staff):
    dist_id = give(f.ALICE_TRAUMA, staff["designee"],
                   at=datetime.now(UTC) - timedelta(days=1))
    before = snapshot()
    with pytest.raises(NotAllowed):
        void_hand_out(dist_id, staff["designee"], "too late")
    assert snapshot() == before


def test_office_voids_anyones_today_but_not_yesterdays(ctx, staff):
    today = give(f.ALICE_TRAUMA, staff["designee"])
    yesterday = give(f.BOB_TRAUMA, staff["designee"], at=datetime.now(UTC) - timedelta(days=1))
    void_hand_out(today, staff["office"], "wrong person")
    with pytest.raises(NotAllowed):
        void_hand_out(yesterday, staff["office"], "too late")


def test_admin_voids_an_old_hand_out(ctx, staff):
    old = give(f.ALICE_TRAUMA, staff["designee"], at=datetime.now(UTC) - timedelta(days=30))
    void_hand_out(old, staff["admin"], "paper log was wrong")
    assert check_proof(f.ALICE_TRAUMA).reason is Reason.OK
