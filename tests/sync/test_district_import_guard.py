"""The district bundle import's guard (kiosk/services/district_import.py): the district data
moving on while a file is being applied (a pull from the hub, or another import of a file at
the same time) stops the import, and the newer data stays."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from kiosk.errors import KioskError
from kiosk.services import district_changes
from kiosk.services.district_import import DistrictImport, import_path
from tests.factories import ALICE_TRAUMA

from .conftest import District
from .test_bundle_process import cursor_of
from .test_district_bundle import NEW_AWARD, district_file, district_news, lines

MOVED_ON = ("The kiosk's district data moved on while the file was being imported (a sync "
            "with the hub, or another import at the same time), and it has that newer data.")


# --- a pull while a file is being imported ---------------------------------------------------


def test_a_pull_while_a_file_is_imported_stops_the_import_and_keeps_the_newer_data(
        district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = district.kiosks[0]
    old = district_file(district, first, tmp_path / "old.jsonl")  # Alice's award not revoked
    alice = next(n for n, line in enumerate(lines(old)) if ALICE_TRAUMA.encode() in line)
    district_news(district, tmp_path / "news")  # the district revokes it
    size = 3
    assert alice > size, "Alice's award is on a page the import has not written yet"
    first.app.config["PULL_PAGE_CHANGES"] = size
    real, pages = district_changes.prepare, []

    def prepare(changes: list[Any], binders: Any, chunk: int | None = None) -> Any:
        pages.append(changes)
        if len(pages) == 2:  # between the file's first page and its second: a sync online
            assert first.sync().ok
        return real(changes, binders, chunk)

    monkeypatch.setattr(district_changes, "prepare", prepare)
    with pytest.raises(KioskError) as stopped:
        first.call(import_path, old)
    assert stopped.value.message == (
        f"{MOVED_ON} {size} changes from the file were applied; nothing more is needed.")
    pulled = cursor_of(first)
    assert pulled > json.loads(lines(old)[-1])["next"], "the pull's cursor, not moved back"
    assert first.verdict(ALICE_TRAUMA) == "revoked", "the file's older award did not undo it"
    assert first.verdict(NEW_AWARD) == "ok"
    monkeypatch.undo()
    report = first.sync()
    assert report.ok and report.pulled == 0 and cursor_of(first) == pulled


def test_the_same_file_imported_twice_at_once_is_applied_once(
        district: District, tmp_path: Path) -> None:
    """Two admins import the file at the same moment (two tabs, two USB sticks): one applies
    it; the other finds it applied, or stops when the first moved the data on, saying so.
    Either way every change of the file is here once, at the file's cursor."""
    first = district.kiosks[0]
    district_news(district, tmp_path / "news")
    path = district_file(district, first, tmp_path / "both.jsonl")
    end = json.loads(lines(path)[-1])["next"]
    first.app.config["PULL_PAGE_CHANGES"] = 3  # many pages, many turns to overlap in
    barrier = threading.Barrier(2)
    outcomes: list[DistrictImport | KioskError] = []

    def one() -> None:
        barrier.wait(timeout=30)
        try:
            outcomes.append(first.call(import_path, path))
        except KioskError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == 2
    stopped = [o for o in outcomes if isinstance(o, KioskError)]
    assert len(stopped) <= 1
    assert all(o.message.startswith(MOVED_ON) for o in stopped)
    assert cursor_of(first) == end
    assert first.verdict(ALICE_TRAUMA) == "revoked" and first.verdict(NEW_AWARD) == "ok"
    report = first.sync()
    assert report.ok and report.pulled == 0
