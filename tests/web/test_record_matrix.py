"""The route x role matrix, record by record (issue 11): each route that reads or changes one
hand-out, print job or login is tried by every role on records of every owner, today's and
older, and lets in exactly whom the domain rules let in (kiosk/domain/staff.py: ``can``,
``may_void``, ``may_see_receipt``). A refusal is a 403 that records nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from kiosk.db_types import utcnow
from kiosk.domain.staff import ROLES, can, may_see_receipt, may_void
from kiosk.extensions import db
from kiosk.models import PrintJob
from kiosk.services.hand_out import hand_out
from kiosk.services.lookups import timezone
from tests import factories
from tests.conftest import KioskClient
from tests.web.helpers import add_award, html, page, user_id
from tests.web.test_route_matrix import browser, dump


@dataclass(frozen=True)
class Record:
    """A hand-out, its receipt's print job, and who made it when."""

    distribution_id: str
    job_id: int
    owner: str
    owner_id: int
    at: datetime


def _hand_out(app: Flask, award: str, owner: str, days_ago: int) -> Record:
    with app.app_context():
        at = utcnow() - timedelta(days=days_ago)
        owner_id = factories.staff_id(owner)
        dist = hand_out(award, str(uuid.uuid4()), owner_id, at=at).distribution
        job = db.session.scalar(select(PrintJob.id).where(PrintJob.distribution_id == dist.id))
        db.session.remove()
    assert job is not None
    return Record(dist.id, job, owner, owner_id, at)


@pytest.fixture
def records(app: Flask, tmp_path: Path) -> list[Record]:
    """A hand-out by each role today, and one by each role two days ago."""
    awards = [factories.ALICE_TRAUMA, factories.BOB_TRAUMA, factories.ALICE_BALANCE]
    for n in range(3):
        award = f"urn:uuid:{n + 1:08d}-0000-4000-8000-000000000000"
        add_award(app, tmp_path, f"Extra Person {n}", award, factories.TRAUMA, f"E9{n}")
        awards.append(award)
    owners = [(role, days) for days in (0, 2) for role in ROLES]
    return [_hand_out(app, award, role, days)
            for award, (role, days) in zip(awards, owners, strict=True)]


def _expected(app: Flask, role: str, me: int, record: Record) -> dict[str, bool]:
    """Who may do what with this hand-out, by the domain rules alone."""
    with app.app_context():
        tz = timezone()
    sees = may_see_receipt(role, me, record.owner_id)
    return {"pdf": can(role, "scan") and sees,
            "reprint": can(role, "printer") and sees,
            "settle": can(role, "printer") and sees,
            "void": can(role, "void_own") and may_void(role, me, record.owner_id, record.at,
                                                      utcnow(), tz)}


def _try(client: KioskClient, action: str, record: Record) -> TestResponse:
    dist = record.distribution_id
    response: TestResponse
    if action == "pdf":
        response = client.get(f"/hand-outs/{dist}/receipt.pdf")
    elif action == "reprint":
        response = client.post(f"/hand-outs/{dist}/reprint")
    elif action == "settle":
        response = client.hx_post(f"/printer/jobs/{record.job_id}/cancel")
    else:
        response = client.hx_post(f"/hand-outs/{dist}/void",
                                  data={"reason": "handed to the wrong one"})
    return response


@pytest.mark.parametrize("role", ROLES)
def test_each_role_touches_only_the_hand_outs_the_rules_give_it(app: Flask, role: str,
                                                                records: list[Record]) -> None:
    client = browser(app, role)
    me = user_id(app, role)
    seen = set()
    for record in records:
        expected = _expected(app, role, me, record)
        seen.add(tuple(expected.values()))
        for action, allowed in expected.items():  # the void last: it ends the hand-out
            before = None if allowed else dump(app)
            response = _try(client, action, record)
            text = "(a PDF)" if response.mimetype == "application/pdf" else html(response)[:300]
            what = (role, action, record.owner, record.at.date(), text)
            if allowed:
                assert response.status_code in (200, 302), what
            else:
                assert response.status_code == 403, what
                assert page(response).one(role="alert").text, what
                assert dump(app) == before, what
    # each role meets both sides of its rules: the matrix is not all yes or all no
    assert len(seen) > 1 or role == "admin", seen


@pytest.mark.parametrize("role", ROLES)
def test_only_an_administrator_changes_a_login(app: Flask, role: str) -> None:
    client = browser(app, role)
    for owner in ROLES:
        target = user_id(app, owner)
        before = dump(app)
        response = client.post(f"/users/{target}", data={"pin": "97531", "role": owner})
        if can(role, "users"):
            assert response.status_code == 200, (role, owner, html(response))
            assert f"Saved {factories.LOGINS[owner][0]}." in html(response)
        else:
            assert response.status_code == 403, (role, owner)
            assert dump(app) == before, (role, owner)
            name, pin = factories.LOGINS[owner]
            assert browser(app).post("/login", data={"name": name, "pin": pin}
                                     ).status_code == 302
