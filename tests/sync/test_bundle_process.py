"""A district bundle of more than a page of changes uploaded on the Sync page is imported by a
process of its own under `kiosk serve` (kiosk/services/bundle_process.py): the same cache as
an import in the server, its refusals and errors the same answers, nothing lost when the child
dies, and the server's private copy of the file removed whatever happens."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select, text

from kiosk.errors import Busy, InvalidInput, KioskError
from kiosk.extensions import db
from kiosk.services import bundle_process, lookups
from kiosk.services.district import CURSOR
from kiosk.services.district_import import DistrictImport, import_path
from tests.conftest import make_app
from tests.factories import ALICE_TRAUMA

from .conftest import District, Kiosk
from .test_district_bundle import (
    NEW_AWARD,
    cut_short,
    district_file,
    district_news,
    for_another_kiosk_here,
    lines,
    one_byte_changed,
    state,
)
from .test_sync_page import client_of

PAGE = 10  # changes a page here: the district's few dozen changes make several pages


def serving(kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """``kiosk`` as under `kiosk serve`, with small pages; the files its children were given."""
    kiosk.app.config.update(PULL_IN_OWN_PROCESS=True, PULL_PAGE_CHANGES=PAGE)
    monkeypatch.setenv("KIOSK_PULL_PAGE_CHANGES", str(PAGE))  # the child's pages too
    given: list[Path] = []
    real = bundle_process.import_in_child

    def counted(path: Path) -> DistrictImport:
        assert path.parent == Path(kiosk.app.instance_path) and path.is_file()
        given.append(path)
        return real(path)

    monkeypatch.setattr(bundle_process, "import_in_child", counted)
    return given


def upload(kiosk: Kiosk, data: bytes) -> tuple[int, str]:
    """The Sync page's import, as an admin's browser sends it: the status and the panel."""
    page = client_of(kiosk, "admin").post("/sync/import", headers={"HX-Request": "true"}, data={
        "bundle": (io.BytesIO(data), "usb.jsonl")}, csrf=True)
    return page.status_code, page.get_data(as_text=True)


def copies(kiosk: Kiosk) -> list[Path]:
    """The server's private copies of uploaded files, in the instance folder."""
    return sorted(Path(kiosk.app.instance_path).glob(f"{bundle_process.PREFIX}*"))


def twin_of(kiosk: Kiosk, folder: Path) -> Kiosk:
    """Another app on a copy of ``kiosk``'s instance (its database, enrollment and keys)."""
    kiosk.call(lambda: db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")))
    with kiosk.app.app_context():
        db.engine.dispose()
    shutil.copytree(kiosk.app.instance_path, folder / "instance")
    return Kiosk(make_app(folder), kiosk.building, folder, kiosk_id=kiosk.kiosk_id,
                 staff=kiosk.staff)


def cache(kiosk: Kiosk) -> dict[str, list[str]]:
    """Every row of every table (as :func:`state`), less what two imports never share: the
    times they ran, and the outbox events' own ids and hashes."""
    own = {"outbox_event": {"id", "created_text", "hash"}}

    def read() -> dict[str, list[str]]:
        found = {}
        for table in db.metadata.sorted_tables:
            if table.name == "staff_session":
                continue
            columns = [c for c in table.c if c.name not in own.get(table.name, set())]
            found[table.name] = sorted(
                repr(tuple("<time>" if isinstance(v, datetime) else v for v in row))
                for row in db.session.execute(select(*columns)))
        return found

    return kiosk.call(read)


def cursor_of(kiosk: Kiosk) -> int:
    return int(kiosk.call(lookups.get_setting, CURSOR) or 0)


# --- a big file in a process of its own ----------------------------------------------------


def test_a_big_file_from_the_sync_page_is_imported_by_a_process_of_its_own(
        district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = district.kiosks[0]
    district_news(district, tmp_path / "news")
    bundle = district_file(district, first, tmp_path / "usb.jsonl")
    assert len(lines(bundle)) - 2 > PAGE
    twin = twin_of(first, tmp_path / "twin")
    twin.app.config["PULL_PAGE_CHANGES"] = PAGE
    given = serving(first, monkeypatch)

    status, page = upload(first, bundle.read_bytes())
    assert status == 200, page[:300]
    assert len(given) == 1, "the file went to a child"
    assert copies(first) == [] and not given[0].exists()
    in_server = twin.call(import_path, bundle)  # the same file imported in the server
    assert str(escape(in_server.summary)) in page
    assert in_server.applied > PAGE
    assert cache(first) == cache(twin)
    assert first.verdict(ALICE_TRAUMA) == "revoked" and first.verdict(NEW_AWARD) == "ok"

    again_status, again = upload(first, bundle.read_bytes())  # the same file again: nothing new
    assert again_status == 200 and "Nothing new" in again
    assert len(given) == 2 and copies(first) == []


def test_a_file_of_a_page_or_less_is_imported_in_the_server(
        district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = district.kiosks[0]
    district_news(district, tmp_path / "news")
    bundle = district_file(district, first, tmp_path / "usb.jsonl")
    given = serving(first, monkeypatch)
    first.app.config["PULL_PAGE_CHANGES"] = len(lines(bundle)) - 2
    status, page = upload(first, bundle.read_bytes())
    assert status == 200 and "changes applied, 0 already here" in page
    assert given == [] and copies(first) == []
    assert first.verdict(ALICE_TRAUMA) == "revoked"


# --- refusals and errors, as in the server -------------------------------------------------


@pytest.mark.parametrize("spoil", [one_byte_changed, for_another_kiosk_here, cut_short],
                         ids=lambda f: f.__name__)
def test_a_file_the_child_refuses_is_the_same_refusal_with_nothing_applied(
        district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        spoil: Any) -> None:
    first = district.kiosks[0]
    district_news(district, tmp_path / "news")
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(spoil(district_file(district, first, tmp_path / "usb.jsonl"), district))
    before = state(first)
    with pytest.raises(InvalidInput) as in_server:
        first.call(import_path, bad)
    given = serving(first, monkeypatch)

    status, page = upload(first, bad.read_bytes())
    assert status == 400 and len(given) == 1
    assert "Please check what you entered" in page
    assert str(escape(in_server.value.message)) in page
    assert state(first) == before
    assert copies(first) == []


def test_a_kiosk_not_enrolled_is_told_so_by_the_child(
        bare_district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = bare_district.kiosks[:2]
    second.enroll(bare_district.url)
    bundle = district_file(bare_district, second, tmp_path / "usb.jsonl")
    given = serving(first, monkeypatch)
    status, page = upload(first, bundle.read_bytes())
    assert status == 400 and len(given) == 1
    assert "Enroll this kiosk with the district hub first" in page
    assert copies(first) == []


def test_a_file_too_large_is_refused_as_it_is_saved(
        district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = district.kiosks[0]
    bundle = district_file(district, first, tmp_path / "usb.jsonl")
    given = serving(first, monkeypatch)
    monkeypatch.setattr(bundle_process, "MAX_FILE_BYTES", 1000)  # the page's body cap is more
    before = state(first)
    status, page = upload(first, bundle.read_bytes())
    assert status == 400 and "larger than a district bundle can be" in page
    assert given == [] and copies(first) == []
    assert state(first) == before


def test_a_copy_left_by_a_server_stopped_during_an_import_is_removed_by_the_next(
        district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = district.kiosks[0]
    bundle = district_file(district, first, tmp_path / "usb.jsonl")
    serving(first, monkeypatch)
    folder = Path(first.app.instance_path)
    left, busy = folder / f"{bundle_process.PREFIX}left.jsonl", \
        folder / f"{bundle_process.PREFIX}busy.jsonl"
    for path in (left, busy):
        path.write_bytes(bundle.read_bytes())
    long_ago = left.stat().st_mtime - bundle_process.STALE_SECONDS - 60
    os.utime(left, (long_ago, long_ago))
    status, _ = upload(first, bundle.read_bytes())
    assert status == 200
    assert copies(first) == [busy], "another upload's copy, being imported, stays"


DIES_ON_ITS_SECOND_PAGE = """
import os, sys
from kiosk.services import district_changes
real, pages = district_changes.prepare, []
def prepare(changes, binders, chunk=None):
    pages.append(changes)
    if len(pages) == 2:
        sys.stderr.write("the power went off\\n")
        sys.stderr.flush()
        os._exit(9)
    return real(changes, binders, chunk)
district_changes.prepare = prepare
sys.argv = ["kiosk", "sync", "import", "--child", sys.argv[1]]
from kiosk.cli import main
main()
"""


def test_a_child_that_dies_is_an_error_and_the_next_import_goes_on_from_its_cursor(
        district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = district.kiosks[0]
    district_news(district, tmp_path / "news")
    bundle = district_file(district, first, tmp_path / "usb.jsonl")
    total = len(lines(bundle)) - 2
    given = serving(first, monkeypatch)
    monkeypatch.setattr(bundle_process, "child_command", lambda path: [
        sys.executable, "-c", DIES_ON_ITS_SECOND_PAGE, str(path)])
    assert cursor_of(first) == 0

    status, page = upload(first, bundle.read_bytes())
    assert status == 400 and len(given) == 1
    assert "The import stopped before it was done" in page and "the power went off" in page
    assert "import the file again to go on from there" in page
    assert copies(first) == []
    first_page = json.loads(lines(bundle)[PAGE])
    assert cursor_of(first) == first_page["cursor"]  # the first page, and its cursor, whole
    assert first.verdict(ALICE_TRAUMA) == "ok"  # its revocation is on a later page

    monkeypatch.undo()
    serving(first, monkeypatch)
    status, page = upload(first, bundle.read_bytes())
    assert status == 200, page[:300]
    assert f"{total - PAGE} changes applied, {PAGE} already here" in page
    assert first.verdict(ALICE_TRAUMA) == "revoked"
    assert copies(first) == []


@pytest.mark.parametrize("answer, raised, message", [
    ({"error": "That file is not a district bundle", "kind": "refused"}, InvalidInput,
     "That file is not a district bundle"),
    ({"error": "The kiosk is busy.", "kind": "busy"}, Busy, "The kiosk is busy."),
    ({"error": "The kiosk synced with the hub", "kind": ""}, KioskError,
     "The kiosk synced with the hub"),
    ({"report": [1, 2]}, KioskError, "gave no report"),
    ({"report": {"applied": "many"}}, KioskError, "gave no report"),
    ({}, KioskError, "gave no report"),
])
def test_the_childs_answer_is_raised_as_the_import_in_the_server_would_raise_it(
        answer: dict[str, Any], raised: type[KioskError], message: str) -> None:
    with pytest.raises(KioskError, match=message) as found:
        bundle_process.report_of(answer)
    assert type(found.value) is raised


def test_the_childs_report_is_the_import_report() -> None:
    report = DistrictImport(12, 3, "Sat 05 Dec 2026, 10:00", older=False)
    assert bundle_process.report_of({"report": {
        "applied": 12, "already": 3, "data_as_of": "Sat 05 Dec 2026, 10:00",
        "older": False}}) == report
