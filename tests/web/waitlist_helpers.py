"""Helpers for the tests of the waitlist's call-back list and its notice: people put on the
waitlist the way the desk does it, and their entries as stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import OutboxEvent, Person, WaitlistContact, WaitlistEntry
from tests import factories

CHALLENGES = factories.CHALLENGES  # out of stock in the seed district
CARA = ("E3", factories.CARA_CHALLENGES)


def add_person(app: Flask, folder: Path, employee_id: str, name: str, award_id: str,
               email: str = "", building: str = "Page Jackson Elementary",
               credential: str = CHALLENGES) -> str:
    """One more roster row (a person with one award), the way the district roster arrives."""
    from kiosk.services.cache_import import import_files

    row = [employee_id, name, email or f"{employee_id.lower()}@example.org", building,
           credential, "2024-03-01", award_id, "", "false", ""]
    path = factories.write_csv(folder / f"roster-{employee_id}.csv", factories.ROSTER_HEADER,
                               [row])
    with app.app_context():
        report = import_files([path])
        db.session.remove()
    assert not report.errors, report.errors
    return award_id


def put_on_waitlist(client: Any, award_id: str) -> None:
    response = client.hx_post("/waitlist", data={"payload": award_id})
    assert response.status_code == 200, response.get_data(as_text=True)


def entry_id(app: Flask, employee_id: str) -> int:
    with app.app_context():
        found = db.session.scalar(
            select(WaitlistEntry.id).join(Person, Person.id == WaitlistEntry.person_id)
            .where(Person.employee_id == employee_id).order_by(WaitlistEntry.id.desc()))
        db.session.remove()
    assert found is not None
    return int(found)


def entry(app: Flask, employee_id: str) -> dict[str, Any]:
    """The entry as stored: status, closed_at, closed_by, close_reason, close_note."""
    with app.app_context():
        e = db.session.get(WaitlistEntry, entry_id(app, employee_id))
        assert e is not None
        found = {"status": e.status, "closed_at": e.closed_at, "closed_by": e.closed_by,
                 "close_reason": e.close_reason, "close_note": e.close_note}
        db.session.remove()
    return found


def contacts(app: Flask) -> list[tuple[int, int, str]]:
    with app.app_context():
        rows = [(c.entry_id, c.staff_user_id, c.note)
                for c in db.session.scalars(select(WaitlistContact).order_by(WaitlistContact.id))]
        db.session.remove()
    return rows


def events(app: Flask, kind: str) -> list[dict[str, Any]]:
    with app.app_context():
        found = [json.loads(e.payload) for e in db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.kind == kind).order_by(OutboxEvent.seq))]
        db.session.remove()
    return found
