"""Helpers for integration tests: row counts, stock set-up, running services side by side, and
a fresh (unmigrated) instance."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models import (
    Award,
    AwardKey,
    Distribution,
    OutboxEvent,
    Person,
    PrintJob,
    StockMovement,
    Void,
    WaitlistEntry,
    utcnow,
)
from kiosk.services import lookups
from tests import factories
from tests.conftest import make_app

RECORDS = (Distribution, StockMovement, OutboxEvent, PrintJob, Void, WaitlistEntry, Award,
           AwardKey, Person)


def count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def on_hand(credential: str) -> int:
    return lookups.on_hand(lookups.credential_named(credential).id)


def snapshot() -> dict[str, int]:
    """Every durable record count and every pin's stock: what a power cut must not change."""
    db.session.rollback()  # end any read snapshot so that other connections' commits show
    counts = {model.__name__: count(model) for model in RECORDS}
    for credential, *_ in factories.CATALOGUE:
        counts[f"on hand: {credential}"] = on_hand(credential)
    return counts


def set_stock(credential: str, qty: int) -> None:
    """Make on-hand stock exactly ``qty`` with an adjustment, as a physical count would."""
    delta = qty - on_hand(credential)
    if delta:
        db.session.add(StockMovement(credential_id=lookups.credential_named(credential).id,
                                     kind="adjust", qty=delta, at=utcnow(), note="test"))
        db.session.commit()


def run_together(app, calls: list[Callable[[], Any]]) -> list[tuple[str, Any]]:  # type: ignore[no-untyped-def]
    """Run each call in its own thread and app context, all released at the same moment.

    Returns ("ok", value) or ("error", exception) for each call, in order. A call should return
    plain values (ids, flags), not ORM objects, since its session is closed afterwards."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("error", RuntimeError("did not run"))] * len(calls)

    def worker(i: int, call: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = ("ok", call())
            except Exception as exc:  # collected and checked by the test
                results[i] = ("error", exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a hand-out never finished (deadlock?)"
    return results


@pytest.fixture
def staff(ctx) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The seeded logins' ids by role."""
    return {role: factories.staff_id(role) for role in factories.LOGINS}


@pytest.fixture
def fresh_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    """An app on a new instance folder with no schema at all: only migrations create it."""
    app = make_app(tmp_path / "fresh")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
