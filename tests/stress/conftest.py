"""Fixtures for the stress tests: a kiosk instance built once a session (migrations, the seed
district and a few hundred more awards, tests/stress/served.py) and copied for each test, and
``kiosk serve`` on that copy in a process of its own. The hub's fixtures (``hub_store``: SQLite,
and PostgreSQL that skips locally when it is down but fails on CI) come from tests/sync."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sync.conftest import hub_store, postgres_ready  # noqa: F401  (fixtures)

from .served import ServedKiosk, build_instance, copy_instance

PEOPLE = 100  # 400 awards with a pin: enough for the crash test's hand-outs and retries
STOCK = 1000


@pytest.fixture(scope="session")
def kiosk_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stress-kiosk-template")
    build_instance(folder, PEOPLE, STOCK)
    return folder


@pytest.fixture
def serve_kiosk(kiosk_template: Path, tmp_path: Path) -> Iterator[Callable[..., ServedKiosk]]:
    """Start ``kiosk serve`` on a copy of the template: ``serve_kiosk(printer=..., **config)``.
    ``printer`` "file" (default) makes an empty file that receipts are appended to, as to a
    printer device; "folder" gives one file per receipt."""
    served: list[ServedKiosk] = []

    def serve(printer: str = "file", start: bool = True, **config: Any) -> ServedKiosk:
        instance = copy_instance(kiosk_template, tmp_path / f"kiosk-{len(served)}")
        target = instance / ("printer.bin" if printer == "file" else "receipts")
        if printer == "file":
            target.write_bytes(b"")
        kiosk = ServedKiosk(instance, target, **config)
        served.append(kiosk)
        if start:
            kiosk.start()
        return kiosk

    yield serve
    for kiosk in served:
        kiosk.stop()


@pytest.fixture(scope="module")
def shared_kiosk(kiosk_template: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedKiosk]:
    """One ``kiosk serve`` for a whole test module (receipts into a folder); its tests hand out
    awards of their own."""
    instance = copy_instance(kiosk_template, tmp_path_factory.mktemp("shared-kiosk"))
    kiosk = ServedKiosk(instance, instance / "receipts")
    kiosk.start()
    yield kiosk
    kiosk.stop()
