"""Receiving pin shipments, and stock levels read from the ledger."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kiosk.errors import InvalidInput
from kiosk.extensions import db
from kiosk.models import OutboxEvent, StockMovement
from kiosk.services.stock import count_stock, receive_stock, stock_levels
from tests import factories as f
from tests.integration.conftest import on_hand, snapshot


def test_receiving_a_shipment_adds_to_stock(ctx, staff):
    level = receive_stock(f.TRAUMA, 25, staff["office"], note=" packing slip 42 ")
    assert level.on_hand == f.STOCK[f.TRAUMA] + 25
    assert level.pin == "Trauma pin"
    assert on_hand(f.TRAUMA) == f.STOCK[f.TRAUMA] + 25
    movement = db.session.scalar(select(StockMovement).order_by(StockMovement.id.desc()))
    assert (movement.kind, movement.qty, movement.note) == ("received", 25, "packing slip 42")
    assert movement.staff.name == "Olive Office"
    event = db.session.scalar(select(OutboxEvent).order_by(OutboxEvent.seq.desc()))
    assert event.kind == "stock_received"
    assert json.loads(event.payload)["qty"] == 25


def test_credential_names_match_ignoring_case(ctx, staff):
    level = receive_stock("  understanding TRAUMA and the brain ", 2, staff["office"])
    assert level.credential == f.TRAUMA


def test_the_first_shipment_of_an_empty_pin(ctx, staff):
    assert on_hand(f.CHALLENGES) == 0
    assert receive_stock(f.CHALLENGES, 3, None).on_hand == 3


@pytest.mark.parametrize("qty", [0, -1, -10, "abc", "", "1.5", "ten"])
def test_a_shipment_needs_a_whole_number_above_zero(ctx, staff, qty):
    before = snapshot()
    with pytest.raises(InvalidInput):
        receive_stock(f.TRAUMA, qty, staff["office"])  # type: ignore[arg-type]
    assert snapshot() == before


def test_a_credential_without_a_pin_gets_no_stock(ctx, staff):
    before = snapshot()
    with pytest.raises(InvalidInput, match="no pin"):
        receive_stock(f.COMMUNICATION, 5, staff["office"])
    assert snapshot() == before


def test_an_unknown_credential_is_refused(ctx, staff):
    before = snapshot()
    with pytest.raises(InvalidInput, match="no credential named"):
        receive_stock("Underwater Basket Weaving", 5, staff["office"])
    assert snapshot() == before


def test_stock_levels_list_every_pin_oldest_first(ctx):
    levels = stock_levels()
    assert [level.credential for level in levels] == [f.TRAUMA, f.BALANCE, f.CULTURE,
                                                       f.CHALLENGES]
    assert [level.on_hand for level in levels] == [10, 5, 3, 0]
    assert f.COMMUNICATION not in [level.credential for level in levels]


def test_a_count_sets_stock_to_the_shelf_and_tells_the_district(ctx, staff):
    level = count_stock(f.TRAUMA, f.STOCK[f.TRAUMA] - 3, staff["office"], note="two missing")
    assert level.on_hand == f.STOCK[f.TRAUMA] - 3
    movement = db.session.scalar(select(StockMovement).order_by(StockMovement.id.desc()))
    assert (movement.kind, movement.qty) == ("count", -3)
    event = db.session.scalar(select(OutboxEvent).order_by(OutboxEvent.seq.desc()))
    assert event.kind == "stock_counted"
    assert json.loads(event.payload) | {"at": ""} == {
        "credential": f.TRAUMA, "counted": f.STOCK[f.TRAUMA] - 3,
        "expected": f.STOCK[f.TRAUMA], "note": "two missing", "at": ""}


def test_a_count_that_agrees_is_recorded_too(ctx, staff):
    before = snapshot()
    count_stock(f.BALANCE, f.STOCK[f.BALANCE], staff["office"])
    after = snapshot()
    assert after["StockMovement"] == before["StockMovement"] + 1
    assert after[f"on hand: {f.BALANCE}"] == f.STOCK[f.BALANCE]


@pytest.mark.parametrize("counted", [-1, 100_001, "many"])
def test_a_count_that_cannot_be_is_refused_and_nothing_changes(ctx, staff, counted):
    before = snapshot()
    with pytest.raises(InvalidInput):
        count_stock(f.TRAUMA, counted, staff["office"])  # type: ignore[arg-type]
    assert snapshot() == before
