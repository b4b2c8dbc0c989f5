"""Fixtures for the web tests: clients logged in with each role, and apps built with other
settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from kiosk.extensions import db
from tests import factories
from tests.conftest import KioskClient, make_app


@pytest.fixture
def login_as(app: Flask) -> Callable[[str], KioskClient]:
    """A new browser (its own cookies) logged in with the seeded login of ``role``."""

    def login(role: str) -> KioskClient:
        app.test_client_class = KioskClient
        client = app.test_client()
        assert isinstance(client, KioskClient)
        client.login(role)
        return client

    return login


@pytest.fixture
def designee(login_as: Callable[[str], KioskClient]) -> KioskClient:
    return login_as("designee")


@pytest.fixture
def office(login_as: Callable[[str], KioskClient]) -> KioskClient:
    return login_as("office")


@pytest.fixture
def admin(login_as: Callable[[str], KioskClient]) -> KioskClient:
    return login_as("admin")


@pytest.fixture
def seeded_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build a seeded app with extra settings, such as ``IDLE_MINUTES=2``."""
    built: list[Flask] = []

    def build(**config: object) -> Flask:
        folder = tmp_path / f"app{len(built)}"
        folder.mkdir()
        app = make_app(folder, **config)
        with app.app_context():
            db.create_all()
            factories.seed_district(folder)
            db.session.remove()
        app.test_client_class = KioskClient
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.engine.dispose()
