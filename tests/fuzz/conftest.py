"""Fixtures for the fuzz tests: one kiosk (``desk``) and one hub a module, built once and used
for every example, as bench/fuzz.py does. The hub (``hub_api``) runs on SQLite and on
PostgreSQL, as the district's does in production (skipped without PostgreSQL, failing on CI:
tests/sync/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fuzz.targets import HubApi, KioskDesk
from tests.sync.conftest import fresh_pg_schema, postgres_ready, require_postgres  # noqa: F401


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KioskDesk]:
    desk = KioskDesk(tmp_path_factory.mktemp("fuzz-kiosk"))
    yield desk
    desk.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hub_api(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubApi]:
    folder = tmp_path_factory.mktemp("fuzz-hub")
    if request.param == "sqlite":
        hub = HubApi(folder)
        yield hub
        hub.close()
        return
    require_postgres(request)
    with fresh_pg_schema() as url:
        hub = HubApi(folder, database_url=url)
        yield hub
        hub.close()
