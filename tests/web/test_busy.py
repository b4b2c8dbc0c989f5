"""When another program holds the kiosk's database (issue 11, defect 5): the page says the kiosk
is busy and nothing was recorded, a 503 the browser may retry after a moment, never a server
error, on every route, reads included."""

from __future__ import annotations

import importlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask

from kiosk.db import write_transaction
from kiosk.errors import Busy
from kiosk.extensions import db
from kiosk.services import lookups
from tests import factories as f
from tests.web.helpers import distribution_count, hand_out_form, html, page, reason, scan

DB = importlib.import_module("kiosk.db")  # (the package's own ``db`` is the extension)
BUSY = "The kiosk is busy. Nothing was recorded; try again in a moment."


def _database(app: Flask) -> Path:
    with app.app_context():
        path = db.engine.url.database
    assert path
    return Path(path)


@contextmanager
def held(app: Flask, everything: bool = False) -> Iterator[None]:
    """Another program holds the database's write lock (``everything``: the whole file,
    readers shut out too, as a program in exclusive locking mode does)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # the app's connections reopen, and meet the lock
    other = sqlite3.connect(_database(app), isolation_level=None)
    if everything:
        other.execute("PRAGMA locking_mode=EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")
    else:
        other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO setting (key, value) VALUES ('other program', 'was here')")
    try:
        yield
    finally:
        other.rollback()
        other.close()


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wait a fifth of a second for the database, not fifteen."""
    monkeypatch.setattr(DB, "WRITER_WAIT_SECONDS", 0.2)
    monkeypatch.setattr(DB, "BUSY_TIMEOUT_MS", 200)


def _busy_page(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, html(response)
    assert response.headers["Retry-After"] == "2"
    assert BUSY in html(response)


def test_a_hand_out_while_another_program_writes_is_busy_not_a_server_error(
        app, designee, quick):
    checked = scan(designee, f.ALICE_TRAUMA)
    assert reason(checked) == "ok"
    form = hand_out_form(checked)
    with held(app):
        started = time.monotonic()
        response = designee.hx_post("/hand-out", data={"payload": form["payload"],
                                                       "nonce": form["nonce"]})
        _busy_page(response)
        assert time.monotonic() - started < 5
        assert page(response).one(role="alert").one("h2").text == "The kiosk is busy"
    assert distribution_count(app) == 0
    again = designee.hx_post("/hand-out", data={"payload": form["payload"],
                                                "nonce": form["nonce"]})
    assert again.status_code == 200, html(again)
    assert distribution_count(app) == 1


def test_pages_while_another_program_holds_the_whole_database_are_busy_too(
        app, office, quick):
    """A read meets the lock only when the other program shuts readers out as well; the
    answer is the same, even though the page's own status bar cannot be read either."""
    office.csrf_token()  # read before: the login page is busy too
    with held(app, everything=True):
        for url in ("/stock", "/log", "/log.csv", "/scan", "/lookup?q=alice"):
            _busy_page(office.get(url))
        _busy_page(office.hx_post("/scan", data={"payload": f.ALICE_TRAUMA}))
    assert office.get("/stock").status_code == 200


def test_a_service_gives_up_with_the_same_clear_error(ctx, quick):
    with held(ctx):
        started = time.monotonic()
        with pytest.raises(Busy, match="The kiosk is busy"):
            with write_transaction():
                lookups.set_setting("test", "x")
        assert time.monotonic() - started < 5
    db.session.remove()
    assert lookups.get_setting("test") is None
