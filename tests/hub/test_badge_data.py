"""Badge data on the hub: an admin uploads the catalogue and roster CSV or Open Badges files;
the page says what was added and which rows were skipped."""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubAward
from tests import factories
from tests.hub.conftest import HubClient, make_hub
from tests.hub.helpers import html, page, row_counts

CATALOGUE = ("credential,released_on,has_pin,pin_name\n"
             "Understanding Trauma and the Brain,2022-09-27,true,Trauma pin\n"
             "Finding Balance,2022-09-27,true,\n"
             "Building Communication Skills,2023-11-03,false,\n")
ROSTER = (",".join(factories.ROSTER_HEADER) + "\n"
          "E1,Alice Able,alice@example.org,Page Jackson Elementary,"
          "Understanding Trauma and the Brain,2023-01-10,"
          "urn:uuid:a1a1a1a1-0000-4000-8000-000000000001,,false,\n"
          "E2,Bob Baker,bob@example.org,Page Jackson Elementary,Finding Balance,2023-01-11,"
          "urn:uuid:b2b2b2b2-0000-4000-8000-000000000002,,true,Issued in error\n"
          "E3,Cara Cole,cara@example.org,Page Jackson Elementary,Basket Weaving,2023-01-12,"
          "urn:uuid:c3c3c3c3-0000-4000-8000-000000000003,,false,\n")


def _upload(client, *files: tuple[bytes, str], hx: bool = False, **fields: str):  # type: ignore[no-untyped-def]
    post = client.hx_post if hx else client.post
    data: dict[str, object] = {"files": [(io.BytesIO(b), n) for b, n in files], **fields}
    return post("/badge-data", data=data, content_type="multipart/form-data")


def test_an_admin_imports_the_catalogue_and_roster(hub, admin, viewer):
    response = _upload(admin, (ROSTER.encode(), "roster.csv"),
                       (CATALOGUE.encode(), "catalogue.csv"))
    assert response.status_code == 200
    report = page(response).one(id="import-report")
    assert ("6 rows read: 5 added, 0 changed, 0 unchanged, 0 Open Badges documents, "
            "1 with errors") in report.text
    assert [li.text for li in report.one(id="import-errors").find_all("li")] == [
        "roster.csv, line 4: credential 'Basket Weaving' is not in the catalogue"]
    rows = [[td.text for td in tr.find_all("td")]
            for tr in page(viewer.get("/badge-data")).one(id="catalogue").find("tbody")
            .find_all("tr")]
    assert rows == [
        ["Understanding Trauma and the Brain", "27 Sep 2022", "Trauma pin", "1", "0"],
        ["Finding Balance", "27 Sep 2022", "Finding Balance pin", "1", "1"],
        ["Building Communication Skills", "03 Nov 2023", "no pin", "0", "0"]]


def test_the_same_files_again_change_nothing(hub, admin):
    _upload(admin, (CATALOGUE.encode(), "catalogue.csv"))
    again = _upload(admin, (CATALOGUE.encode(), "catalogue.csv"), hx=True)
    assert "3 rows read: 0 added, 0 changed, 3 unchanged" in page(again).one(
        id="import-report").text


def test_open_badges_files_are_taken_too(hub, admin):
    issuer = {"@context": "https://w3id.org/openbadges/v2", "type": "Issuer",
              "id": "https://example.org/issuer", "name": "Example district"}
    response = _upload(admin, (json.dumps(issuer).encode(), "issuer.json"))
    assert "1 Open Badges documents" in page(response).one(id="import-report").text


def test_a_file_that_is_neither_is_refused_and_the_fields_kept(hub, admin):
    before = row_counts(hub)
    response = _upload(admin, (b"name,colour\nAlice,blue\n", "people.csv"),
                       credential="Finding Balance", issuer="https://example.org/issuer")
    assert response.status_code == 400
    form = page(response).one("form", id="badge-data")
    assert form.one(role="alert").text.startswith("people.csv: a roster starts with")
    assert form.one("input", name="credential").get("value") == "Finding Balance"
    assert form.one("input", name="issuer").get("value") == "https://example.org/issuer"
    assert row_counts(hub) == before


def test_a_csv_saved_in_another_encoding_is_refused_clearly(hub, admin):
    """It was a server error: the hub read every CSV as UTF-8 without asking."""
    latin = "credential,released_on,has_pin\nCaf\xe9 Culture,2024-01-01,true\n".encode("latin-1")
    response = _upload(admin, (latin, "catalogue.csv"))
    assert response.status_code == 400
    assert page(response).one(role="alert").text == (
        "catalogue.csv: not a UTF-8 text file. Save it as CSV UTF-8 and import it again.")


def test_uploading_without_files_says_so(hub, admin):
    response = admin.post("/badge-data", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose one or more files" in page(response).one(role="alert").text


# --- names the desk cannot show, on SQLite and PostgreSQL (issue 11, defects 6 and 10) ---------

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BAD_NAMES = (",".join(factories.ROSTER_HEADER) + "\n"
             "E1,Alice Able,alice@example.org,,Finding Balance,2023-01-10,"
             "urn:uuid:a1a1a1a1-0000-4000-8000-000000000001,,false,\n"
             "E2,Nul\x00 Person,nul@example.org,,Finding Balance,2023-01-11,"
             "urn:uuid:b2b2b2b2-0000-4000-8000-000000000002,,false,\n"
             "E3,Eve \x1b[2J Egan,eve@example.org,,Finding Balance,2023-01-12,"
             "urn:uuid:c3c3c3c3-0000-4000-8000-000000000003,,false,\n"
             "E4,Mallory \u202enagE,mal@example.org,,Finding Balance,2023-01-13,"
             "urn:uuid:d4d4d4d4-0000-4000-8000-000000000004,,false,\n"
             "E5,Dan Dunn,dan@example.org,,Finding Balance,2023-01-14,"
             "urn:uuid:e5e5e5e5-0000-4000-8000-000000000005,https://example.org/b/5\x00,"
             "false,\n"
             "E6,Zoë Nguyễn,zoe@example.org,,Finding Balance,2023-01-15,"
             "urn:uuid:f6f6f6f6-0000-4000-8000-000000000006,,false,\n")
BAD_NAME_ERRORS = [
    "roster.csv, line 3: name contains a control character (U+0000 NUL); correct the row "
    "and import it again",
    "roster.csv, line 4: name contains a control character (U+001B ESC); correct the row "
    "and import it again",
    "roster.csv, line 5: name contains an invisible formatting character (U+202E "
    "RIGHT-TO-LEFT OVERRIDE); correct the row and import it again",
    "roster.csv, line 6: award_urls contains a control character (U+0000 NUL); correct the "
    "row and import it again"]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """A hub on SQLite, or on PostgreSQL in a schema of its own (skipped where PostgreSQL does
    not run, except on CI)."""
    if request.param == "sqlite":
        app = make_hub(tmp_path)
        yield app
        with app.app_context():
            hub_db.engine.dispose()
        return
    import psycopg

    try:
        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True,
                                connect_timeout=3)
    except psycopg.OperationalError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("PostgreSQL is not running at 127.0.0.1:5432")
    schema = f"hub_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        app = make_hub(tmp_path, DATABASE_URL=f"{PG}?options=-csearch_path%3D{schema}")
        yield app
        with app.app_context():
            hub_db.session.remove()
            hub_db.engine.dispose()
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def _hub_names(app: Flask) -> list[str]:
    with app.app_context():
        names = list(hub_db.session.scalars(select(HubAward.person_name)
                                            .order_by(HubAward.employee_id)))
        hub_db.session.remove()
    return names


def test_a_name_with_a_nul_is_skipped_and_the_rest_imported_from_the_page(store_hub):
    """On PostgreSQL a NUL in one name was a server error, and no row at all was imported."""
    store_hub.test_client_class = HubClient
    admin = store_hub.test_client()
    admin.login("admin")
    response = _upload(admin, (CATALOGUE.encode(), "catalogue.csv"),
                       (BAD_NAMES.encode(), "roster.csv"))
    assert response.status_code == 200, html(response)
    report = page(response).one(id="import-report")
    assert "9 rows read: 5 added, 0 changed, 0 unchanged, 0 Open Badges documents, 4 with errors" \
        in report.text
    assert [li.text for li in report.one(id="import-errors").find_all("li")] == BAD_NAME_ERRORS
    assert _hub_names(store_hub) == ["Alice Able", "Zoë Nguyễn"]


def test_a_name_with_a_nul_is_skipped_and_the_rest_imported_from_the_command_line(
        store_hub, tmp_path, monkeypatch):
    """`kiosk hub cache-import` ended in a traceback on PostgreSQL."""
    from kiosk.sync.hub.commands import hub as hub_cli

    (tmp_path / "catalogue.csv").write_text(CATALOGUE, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(BAD_NAMES, encoding="utf-8")
    monkeypatch.setenv("KIOSK_HUB_INSTANCE_PATH", store_hub.instance_path)
    monkeypatch.setenv("KIOSK_HUB_DATABASE_URL", store_hub.config["SQLALCHEMY_DATABASE_URI"])
    result = CliRunner().invoke(hub_cli, ["cache-import", str(tmp_path / "catalogue.csv"),
                                          str(tmp_path / "roster.csv")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == (
        "9 rows read: 5 added, 0 changed, 0 unchanged, 0 Open Badges documents, 4 with errors")
    for error in BAD_NAME_ERRORS:
        assert error in result.stderr
    assert _hub_names(store_hub) == ["Alice Able", "Zoë Nguyễn"]
