"""On the hub, on SQLite and PostgreSQL alike: the lockout says nothing about which names
exist. A real and an unknown name get the same answers, byte for byte, and each answer costs
one PIN hash check, locked or not."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.security import check_password_hash
from werkzeug.test import TestResponse

import kiosk.services.accounts as shared_accounts
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubLoginGuard
from tests.hub.conftest import LOGINS
from tests.hub.helpers import alert
from tests.hub.stores import browser, hub_store, postgres_ready, read, store_hub  # noqa: F401

NAME, PIN, _ = LOGINS["admin"]  # Dana District
UNKNOWN = "Zora Zimmerly"  # as long as NAME
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def hub(store_hub: Callable[..., Flask]) -> Flask:  # noqa: F811  (the fixture)
    return store_hub()


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    checked: list[str] = []

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(shared_accounts, "check_password_hash", counting)
    return checked


def _as_seen(response: TestResponse, name: str) -> tuple[object, ...]:
    body = response.get_data()
    token = _TOKEN.search(body.decode()).group(1)  # type: ignore[union-attr]
    headers = sorted((k, v) for k, v in response.headers.items() if k != "Set-Cookie")
    return (response.status_code, headers,
            body.replace(token.encode(), b"TOKEN").replace(name.encode(), b"NAME"))


def test_a_real_and_an_unknown_name_get_the_same_answers_and_work(hub, hash_checks):
    answers = {}
    for name in (NAME, UNKNOWN):
        client = browser(hub)
        answers[name] = []
        for n in range(1, 11):
            response = client.post("/login", data={"name": name, "pin": "0000"})
            answers[name].append(response)
            assert len(hash_checks) == n, f"{name}, try {n}: {len(hash_checks)} hash checks"
        hash_checks.clear()
    assert ([_as_seen(r, NAME) for r in answers[NAME]]
            == [_as_seen(r, UNKNOWN) for r in answers[UNKNOWN]])
    assert [alert(r) for r in answers[UNKNOWN]][3:6] == [
        "That name and PIN do not match.",
        "Too many wrong PINs. This login is locked for 5 minutes.",
        "Too many wrong PINs. This login is locked for a few minutes; try again later."]
    right = browser(hub).post("/login", data={"name": NAME, "pin": PIN})
    assert right.status_code == 401 and len(hash_checks) == 1


def test_an_unknown_names_lock_ends_and_is_forgotten(hub, monkeypatch):
    client = browser(hub)
    for _ in range(5):
        client.post("/login", data={"name": UNKNOWN, "pin": "0000"})
    guards = read(hub, lambda: hub_db.session.scalar(select(func.count(HubLoginGuard.name_digest))))
    assert guards == 1
    later = shared_accounts.utcnow() + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(shared_accounts, "utcnow", lambda: later)
    again = client.post("/login", data={"name": UNKNOWN, "pin": "0000"})
    assert alert(again) == "That name and PIN do not match."  # the lock is over
    for _ in range(4):  # and the count started again: four more, then locked
        last = client.post("/login", data={"name": UNKNOWN, "pin": "0000"})
    assert "locked for 5 minutes" in alert(last)
    later += timedelta(minutes=6)
    assert browser(hub).post("/login", data={"name": NAME, "pin": PIN}).status_code == 302
    assert read(hub, lambda: list(hub_db.session.scalars(select(HubLoginGuard)))) == []
