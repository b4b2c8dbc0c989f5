"""The stock ledger is the truth: on-hand stock always equals its sum, and the database itself
refuses to change or delete history."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from kiosk.db import start_checkpointer
from kiosk.extensions import db
from kiosk.models import StockMovement, StockOnHand
from kiosk.services.hand_out import hand_out
from kiosk.services.stock import receive_stock, stock_levels
from kiosk.services.void import void_hand_out
from tests import factories as f
from tests.conftest import make_app


def ledger_sums() -> dict[int, int]:
    db.session.rollback()
    return dict(db.session.execute(
        select(StockMovement.credential_id, func.sum(StockMovement.qty))
        .group_by(StockMovement.credential_id)).all())


def kept_on_hand() -> dict[int, int]:
    db.session.rollback()
    return dict(db.session.execute(select(StockOnHand.credential_id, StockOnHand.on_hand)).all())


def test_on_hand_is_always_the_sum_of_the_ledger(ctx):
    designee = f.staff_id("designee")
    assert kept_on_hand() == ledger_sums()
    receive_stock(f.CHALLENGES, 4, f.staff_id("office"), "late box")
    done = hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), designee)
    hand_out(f.BOB_TRAUMA, str(uuid.uuid4()), designee)
    hand_out(f.CARA_CHALLENGES, str(uuid.uuid4()), designee)
    void_hand_out(done.distribution.id, designee, "wrong person")
    assert kept_on_hand() == ledger_sums()
    levels = {level.credential: level.on_hand for level in stock_levels()}
    assert levels[f.TRAUMA] == f.STOCK[f.TRAUMA] - 1
    assert levels[f.CHALLENGES] == 3


@pytest.mark.parametrize("statement", [
    "UPDATE stock_movement SET qty = qty + 100",
    "DELETE FROM stock_movement",
    "UPDATE distribution SET receipt = 'X'",
    "DELETE FROM distribution",
    "UPDATE void SET reason = 'x'",
    "DELETE FROM void",
])
def test_history_cannot_be_changed_or_deleted_even_by_hand(ctx, statement):
    designee = f.staff_id("designee")
    done = hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), designee)
    void_hand_out(done.distribution.id, designee, "wrong person")
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert kept_on_hand() == ledger_sums()


def test_upgrading_a_field_kiosk_fills_in_on_hand_from_its_ledger(tmp_path: Path):
    """A kiosk installed before migration 0002 keeps its stock when it upgrades in place."""
    app = make_app(tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision="0001")
        db.session.execute(text(
            "INSERT INTO credential (id, name, name_key, has_pin, pin_name) "
            "VALUES (1, 'Finding Balance', 'finding balance', 1, '')"))
        for kind, qty in (("received", 40), ("issued", -1), ("issued", -1), ("voided", 1)):
            db.session.execute(text(
                "INSERT INTO stock_movement (credential_id, kind, qty, at, note) "
                "VALUES (1, :kind, :qty, '2026-01-05 10:00:00', '')"), {"kind": kind, "qty": qty})
        db.session.commit()
        flask_migrate.upgrade()
        assert kept_on_hand() == {1: 39}
        db.session.execute(text(
            "INSERT INTO stock_movement (credential_id, kind, qty, at, note) "
            "VALUES (1, 'issued', -1, '2026-01-06 10:00:00', '')"))
        db.session.commit()
        assert kept_on_hand() == {1: 38} == ledger_sums()
        db.engine.dispose()


def test_the_background_checkpoint_moves_the_wal_into_the_database_file(app):
    """Requests never pay for a checkpoint: the kiosk's own thread does it."""
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    with app.app_context():
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
        before = database.stat().st_mtime_ns, database.stat().st_size
        receive_stock(f.BALANCE, 3, None, "a write that lands in the WAL")
        assert (database.stat().st_mtime_ns, database.stat().st_size) == before
        stop = start_checkpointer(app, interval=0.05)
        try:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if (database.stat().st_mtime_ns, database.stat().st_size) != before:
                    break
                time.sleep(0.05)
            assert (database.stat().st_mtime_ns, database.stat().st_size) != before
        finally:
            stop.set()
        db.session.remove()
