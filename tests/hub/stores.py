"""The hub's page fixtures on both of its stores: ``store_hub`` is the ``hub`` of
tests/hub/conftest.py (a district admin and a district viewer) on SQLite and on PostgreSQL
(``hub_store`` of tests/sync/conftest.py: a fresh schema per test; skipped locally without
PostgreSQL, failing on CI). A test module imports the fixtures it uses from here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask

from kiosk.sync.hub.extensions import hub_db
from tests.hub.conftest import HubClient, make_hub
from tests.sync.conftest import hub_store, postgres_ready  # noqa: F401  (fixtures)

T = TypeVar("T")


@pytest.fixture
def store_hub(hub_store: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:  # noqa: F811
    """Build the hub on this test's store, with extra settings (``PIN_HASH_METHOD=...``)."""
    built: list[Flask] = []

    def build(**config: Any) -> Flask:
        assert not built, "one hub a store"
        app = make_hub(tmp_path, DATABASE_URL=hub_store, **config)
        app.test_client_class = HubClient
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            hub_db.session.remove()
            hub_db.engine.dispose()


def browser(app: Flask) -> HubClient:
    """A new browser with its own cookies, holding the login page's CSRF token."""
    client = app.test_client()
    assert isinstance(client, HubClient)
    client.csrf_token()
    return client


def read(app: Flask, fn: Callable[[], T]) -> T:
    with app.app_context():
        try:
            return fn()
        finally:
            hub_db.session.remove()
