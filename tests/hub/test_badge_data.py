"""Badge data on the hub: an admin uploads the catalogue and roster CSV or Open Badges files;
the page says what was added and which rows were skipped."""

from __future__ import annotations

import io
import json

from tests import factories
from tests.hub.helpers import page, row_counts

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
