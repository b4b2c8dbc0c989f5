"""Handing out a pin: four records in one transaction, all or nothing, exactly once."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import kiosk.services.hand_out as hand_out_module
from kiosk.domain.reasons import Reason
from kiosk.errors import InvalidInput, Refused
from kiosk.extensions import db
from kiosk.models import Distribution, OutboxEvent, PrintJob, StockMovement
from kiosk.services.accounts import update_user
from kiosk.services.hand_out import hand_out
from kiosk.services.scan import check_proof
from tests import factories as f
from tests.integration.conftest import on_hand, snapshot
from tests.unit.escpos_tokens import parse


def nonce() -> str:
    return str(uuid.uuid4())


def test_hand_out_writes_the_four_records(ctx, staff):
    before = snapshot()
    done = hand_out(f.ALICE_TRAUMA, nonce(), staff["designee"])
    after = snapshot()
    changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert changed == {"Distribution": 1, "StockMovement": 1, "OutboxEvent": 1, "PrintJob": 1,
                       f"on hand: {f.TRAUMA}": -1}
    assert not done.repeated

    dist = db.session.get(Distribution, done.distribution.id)
    assert dist.award_id == f.ALICE_TRAUMA
    assert dist.person.name == "Alice Able"
    assert dist.credential.name == f.TRAUMA
    assert dist.staff.name == "Dee Designee"
    assert dist.building.name == f.BUILDING
    assert dist.receipt == "PJE-00001"
    assert dist.claim_no == 0

    movement = db.session.scalar(select(StockMovement).where(
        StockMovement.distribution_id == dist.id))
    assert (movement.kind, movement.qty) == ("issued", -1)

    event = db.session.scalar(select(OutboxEvent).order_by(OutboxEvent.seq.desc()))
    assert event.kind == "pin_handed_out"
    assert event.status == "pending"
    payload = json.loads(event.payload)
    assert payload["distribution_id"] == dist.id
    assert payload["award_id"] == f.ALICE_TRAUMA
    assert payload["receipt"] == "PJE-00001"

    job = db.session.scalar(select(PrintJob).where(PrintJob.distribution_id == dist.id))
    assert job.status == "pending"
    receipt = " ".join(parse(job.data).text.split())
    for words in ("PJE-00001", "Alice Able", "Trauma pin", f.TRAUMA, "Dee Designee", f.BUILDING):
        assert words in receipt


def test_the_distribution_id_is_the_nonce(ctx, staff):
    form_nonce = nonce()
    assert hand_out(f.ALICE_TRAUMA, form_nonce, staff["designee"]).distribution.id == form_nonce


def test_receipt_numbers_count_up(ctx, staff):
    first = hand_out(f.ALICE_TRAUMA, nonce(), staff["designee"]).distribution.receipt
    second = hand_out(f.ALICE_BALANCE, nonce(), staff["designee"]).distribution.receipt
    third = hand_out(f.BOB_TRAUMA, nonce(), staff["office"]).distribution.receipt
    assert [first, second, third] == ["PJE-00001", "PJE-00002", "PJE-00003"]


def test_receipt_shows_initials_when_configured(ctx, staff):
    ctx.config["RECEIPT_NAMES"] = "initials"
    done = hand_out(f.ALICE_TRAUMA, nonce(), staff["designee"])
    job = db.session.scalar(
        select(PrintJob).where(PrintJob.distribution_id == done.distribution.id))
    text = parse(job.data).text
    assert "A.A." in text
    assert "Alice" not in text


def test_no_receipt_means_no_print_job(ctx, staff):
    before = snapshot()
    hand_out(f.ALICE_TRAUMA, nonce(), staff["designee"], print_receipt=False)
    assert snapshot()["PrintJob"] == before["PrintJob"]
    assert snapshot()["Distribution"] == before["Distribution"] + 1


@pytest.mark.parametrize("payload", [f.BOB_REVOKED, f.CARA_COMMUNICATION, f.CARA_CHALLENGES,
                                     "urn:uuid:00000000-0000-4000-8000-000000000000", "a b"])
def test_refused_verdicts_write_nothing(ctx, staff, payload):
    before = snapshot()
    expected = check_proof(payload).reason
    with pytest.raises(Refused) as refused:
        hand_out(payload, nonce(), staff["designee"])
    assert refused.value.reason is expected is not Reason.OK
    assert snapshot() == before


# --- all or nothing --------------------------------------------------------------------------

def _power_cut(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise OSError("power cut")


@pytest.mark.parametrize("step", ["StockMovement", "add_event", "receipt_data",
                                  "render_receipt", "PrintJob"])
def test_a_failure_part_way_leaves_no_trace(ctx, staff, monkeypatch, step):
    before = snapshot()
    monkeypatch.setattr(hand_out_module, step, _power_cut)
    with pytest.raises(OSError, match="power cut"):
        hand_out(f.ALICE_TRAUMA, nonce(), staff["designee"])
    assert snapshot() == before
    assert check_proof(f.ALICE_TRAUMA).reason is Reason.OK
    monkeypatch.undo()
    assert hand_out(f.ALICE_TRAUMA, nonce(), staff["designee"]).distribution.receipt == (
        "PJE-00001"), "the failed attempt must not use up a receipt number"


# --- exactly once ----------------------------------------------------------------------------

def test_the_same_form_twice_is_one_hand_out(ctx, staff):
    form_nonce = nonce()
    first = hand_out(f.ALICE_TRAUMA, form_nonce, staff["designee"])
    before = snapshot()
    second = hand_out(f.ALICE_TRAUMA, form_nonce, staff["designee"])
    assert second.repeated and not first.repeated
    assert second.distribution.id == first.distribution.id
    assert second.distribution.receipt == "PJE-00001"
    assert snapshot() == before


def test_the_same_form_with_another_payload_is_refused(ctx, staff):
    form_nonce = nonce()
    hand_out(f.ALICE_TRAUMA, form_nonce, staff["designee"])
    before = snapshot()
    with pytest.raises(InvalidInput):
        hand_out(f.BOB_TRAUMA, form_nonce, staff["designee"])
    assert snapshot() == before


def test_a_second_form_for_the_same_award_is_already_issued(ctx, staff):
    hand_out(f.ALICE_TRAUMA, nonce(), staff["designee"])
    before = snapshot()
    with pytest.raises(Refused) as refused:
        hand_out(f.BADGR_URL, nonce(), staff["office"])
    assert refused.value.reason is Reason.ALREADY_ISSUED
    assert refused.value.result.prior.receipt == "PJE-00001"
    assert snapshot() == before


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "123"])
def test_a_damaged_form_is_refused(ctx, staff, bad):
    before = snapshot()
    with pytest.raises(InvalidInput):
        hand_out(f.ALICE_TRAUMA, bad, staff["designee"])
    assert snapshot() == before


def test_the_database_refuses_a_second_pin_for_the_same_claim(ctx, staff):
    first = db.session.get(Distribution,
                           hand_out(f.ALICE_TRAUMA, nonce(), staff["designee"]).distribution.id)
    db.session.add(Distribution(
        id=nonce(), award_id=first.award_id, person_id=first.person_id,
        credential_id=first.credential_id, building_id=first.building_id,
        staff_user_id=first.staff_user_id, handed_out_at=first.handed_out_at,
        receipt_no=first.receipt_no + 1, receipt="PJE-99999", claim_no=first.claim_no,
    ))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert snapshot()["Distribution"] == 1


def test_the_database_refuses_a_reused_receipt_number(ctx, staff):
    first = db.session.get(Distribution,
                           hand_out(f.ALICE_TRAUMA, nonce(), staff["designee"]).distribution.id)
    bob = check_proof(f.BOB_TRAUMA)
    db.session.add(Distribution(
        id=nonce(), award_id=f.BOB_TRAUMA, person_id=bob.person_id,
        credential_id=bob.credential_id, building_id=first.building_id,
        staff_user_id=first.staff_user_id, handed_out_at=first.handed_out_at,
        receipt_no=first.receipt_no, receipt=first.receipt, claim_no=0,
    ))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- who and when ----------------------------------------------------------------------------

def test_an_inactive_staff_member_cannot_hand_out(ctx, staff):
    update_user(staff["designee"], active=False)
    before = snapshot()
    with pytest.raises(InvalidInput):
        hand_out(f.ALICE_TRAUMA, nonce(), staff["designee"])
    assert snapshot() == before


def test_a_back_entered_hand_out_keeps_its_time(ctx, staff):
    at = datetime(2024, 3, 1, 15, 30, tzinfo=UTC)
    done = hand_out(f.ALICE_TRAUMA, nonce(), staff["office"], at=at, source="cli")
    dist = db.session.get(Distribution, done.distribution.id)
    assert dist.handed_out_at == at
    assert dist.recorded_at > at
    assert dist.source == "cli"
    job = db.session.scalar(select(PrintJob).where(PrintJob.distribution_id == dist.id))
    assert "2024-03-01 10:30" in parse(job.data).text  # printed in New York time


def test_a_hand_out_in_the_future_is_refused(ctx, staff):
    before = snapshot()
    with pytest.raises(InvalidInput):
        hand_out(f.ALICE_TRAUMA, nonce(), staff["office"],
                 at=datetime.now(UTC) + timedelta(hours=1))
    assert snapshot() == before


def test_a_back_entry_before_the_badge_was_issued_is_refused(ctx, staff):
    with pytest.raises(Refused) as refused:
        hand_out(f.ALICE_TRAUMA, nonce(), staff["office"],
                 at=datetime(2022, 12, 1, 15, 0, tzinfo=UTC))
    assert refused.value.reason is Reason.NOT_YET_VALID


def test_stock_goes_down_by_one_per_pin(ctx, staff):
    hand_out(f.ALICE_TRAUMA, nonce(), staff["designee"])
    hand_out(f.BOB_TRAUMA, nonce(), staff["designee"])
    assert on_hand(f.TRAUMA) == f.STOCK[f.TRAUMA] - 2
    assert on_hand(f.BALANCE) == f.STOCK[f.BALANCE]


def test_a_clash_that_is_not_the_pin_race_asks_to_try_again_and_writes_nothing(ctx, monkeypatch):
    """If the database refuses for another reason (say a receipt number already taken), the
    person is told nothing was recorded, never shown a green verdict as a refusal."""

    def clash(*args, **kwargs):
        raise IntegrityError("INSERT INTO distribution", {}, Exception("UNIQUE receipt_no"))

    before = snapshot()
    monkeypatch.setattr(hand_out_module, "_record", clash)
    with pytest.raises(InvalidInput, match="recorded nothing"):
        hand_out(f.ALICE_TRAUMA, nonce(), f.staff_id("designee"))
    assert snapshot() == before
    assert check_proof(f.ALICE_TRAUMA).reason is Reason.OK
