"""The stock ledger's promises, over random days of shipments, hand-outs, voids, adjustments and
counts driven through the real services on a SQLite kiosk (issue 13):

- for any split of the timeline into periods, each pin's reconciliation adds up, and the
  periods chain: one's closing is the next one's opening; the first opens at nothing and the
  last closes at what is on hand;
- on hand never goes below zero (an adjustment or hand-out that would is refused), and it is
  always the sum of the ledger;
- no movement is ever changed or deleted: the ledger before a step is the start of the ledger
  after it, and a refused step adds nothing.

The clock the services read moves forward a few hours a step, so the movements fall on many
days; periods are whole local days, as the Stock page asks for them."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kiosk.db_types import utcnow
from kiosk.errors import KioskError
from kiosk.extensions import db
from kiosk.models import Distribution, StockMovement, Void
from kiosk.services import lookups
from kiosk.services.hand_out import hand_out
from kiosk.services.stock import adjust_stock, count_stock, receive_stock
from kiosk.services.stock_ledger import Period, reconciliations
from kiosk.services.void import void_hand_out
from tests import factories
from tests.conftest import make_app

PINS = [factories.TRAUMA, factories.BALANCE, factories.CULTURE, factories.CHALLENGES]
AWARDS = [factories.ALICE_TRAUMA, factories.ALICE_BALANCE, factories.BOB_TRAUMA,
          factories.CARA_CHALLENGES]
REASONS = ["damaged", "lost", "found", "returned", "other"]

pin = st.sampled_from(PINS)
STEP = st.one_of(
    st.tuples(st.just("receive"), pin, st.integers(1, 12)),
    st.tuples(st.just("hand_out"), st.sampled_from(AWARDS)),
    st.tuples(st.just("void"), st.integers(0, 5)),
    st.tuples(st.just("adjust"), pin, st.sampled_from(REASONS), st.integers(-8, 8)),
    st.tuples(st.just("count"), pin, st.integers(0, 15)),
)
STEPS = st.lists(st.tuples(st.integers(0, 40), STEP), min_size=1, max_size=25)


@contextmanager
def kiosk() -> Iterator[Flask]:
    """A fresh seeded kiosk (tests/factories.py) on SQLite, in an app context."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        with app.app_context():
            db.create_all()
            factories.seed_district(Path(folder))
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


class Clock:
    """The time the services read: after the seed's shipments, moving on as told."""

    def __init__(self) -> None:
        self.now = utcnow() + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now


def ledger() -> list[tuple[Any, ...]]:
    rows = db.session.execute(select(StockMovement).order_by(StockMovement.id)).scalars()
    found = [(m.id, m.credential_id, m.kind, m.qty, m.at, m.staff_user_id, m.distribution_id,
              m.note, m.reason, m.ref) for m in rows]
    db.session.rollback()
    return found


def standing() -> list[str]:
    ids = list(db.session.scalars(
        select(Distribution.id).outerjoin(Void, Void.distribution_id == Distribution.id)
        .where(Void.id.is_(None)).order_by(Distribution.receipt_no)))
    db.session.rollback()
    return ids


def run(step: tuple[Any, ...], staff: int) -> None:
    """One step through the services; a refusal (a typed error) records nothing."""
    kind = step[0]
    try:
        if kind == "receive":
            receive_stock(step[1], step[2], staff, "box")
        elif kind == "hand_out":
            hand_out(step[1], str(uuid.uuid4()), staff, print_receipt=False)
        elif kind == "void":
            ids = standing()
            if ids:
                void_hand_out(ids[step[1] % len(ids)], staff, "handed to the wrong person")
        elif kind == "adjust":
            adjust_stock(step[1], step[2], step[3], staff, "checked the shelf")
        else:
            count_stock(step[1], step[2], staff, "end of day")
    except KioskError:
        db.session.rollback()


def local_day(moment: datetime) -> date:
    return moment.astimezone(lookups.timezone()).date()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, cuts=st.lists(st.integers(1, 60), max_size=6))
def test_the_ledger_reconciles_over_any_periods_and_is_never_rewritten(
        steps: list[tuple[int, tuple[Any, ...]]], cuts: list[int]) -> None:
    with kiosk():
        clock, staff = Clock(), factories.staff_id("admin")
        credential_ids = {name: lookups.credential_named(name).id for name in PINS}
        db.session.rollback()
        with mock.patch("kiosk.services.stock.utcnow", clock), \
                mock.patch("kiosk.services.void.utcnow", clock), \
                mock.patch("kiosk.services.hand_out.utcnow", clock):
            for hours, step in steps:
                clock.now += timedelta(hours=hours, seconds=1)
                before = ledger()
                run(step, staff)
                after = ledger()
                assert after[:len(before)] == before, f"{step} changed the ledger's past"
                assert len(after) - len(before) <= 1, step
                for name, cid in credential_ids.items():
                    total = sum(row[3] for row in after if row[1] == cid)
                    assert lookups.on_hand(cid) == total >= 0, (step, name)
                db.session.rollback()

        first, last = local_day(min(r[4] for r in ledger())), local_day(clock.now)
        days = (last - first).days
        bounds = sorted({first + timedelta(days=c) for c in cuts if c <= days})
        starts = [first, *bounds]
        periods = [Period(start, end - timedelta(days=1))
                   for start, end in zip(starts, [*bounds, last + timedelta(days=1)],
                                         strict=True)]
        assert periods[0].first == first and periods[-1].last == last
        closing = {cid: 0 for cid in credential_ids.values()}
        for period in periods:
            for pin_row in reconciliations(period):
                figures = pin_row.figures
                assert figures.holds, (period, pin_row)
                assert figures.opening == closing[pin_row.credential_id], (period, pin_row)
                assert figures.closing >= 0, (period, pin_row)
                closing[pin_row.credential_id] = figures.closing
        for cid in credential_ids.values():
            assert closing[cid] == lookups.on_hand(cid)
