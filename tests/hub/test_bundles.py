"""Sync bundles: a building without a network brings its events on a USB stick; an admin
uploads the file and the hub takes each event once."""

from __future__ import annotations

import io
import json

import pytest

from tests.factories import ALICE_TRAUMA, TRAUMA
from tests.hub.conftest import LOGINS, PAGE_JACKSON
from tests.hub.helpers import html, page, row_counts


@pytest.fixture
def kiosk(district):  # type: ignore[no-untyped-def]
    district.allocate(PAGE_JACKSON, TRAUMA, 10)
    return district.kiosk(PAGE_JACKSON, "Front office")


def _upload(client, data: bytes, name: str = "pin-kiosk-bundle.json", hx: bool = False):  # type: ignore[no-untyped-def]
    post = client.hx_post if hx else client.post
    return post("/bundles", data={"bundle": (io.BytesIO(data), name)},
                content_type="multipart/form-data")


def test_uploading_a_bundle_takes_its_events(kiosk, admin, district):
    bundle = kiosk.bundle(kiosk.received(TRAUMA, 5), kiosk.hand_out(ALICE_TRAUMA, "E1", TRAUMA))
    response = _upload(admin, bundle)
    assert response.status_code == 200
    report = page(response).one(id="bundle-report")
    assert report.find("h2").text == "pin-kiosk-bundle.json"
    assert ("2 events from Front office at Page Jackson Elementary: 2 new, 0 the hub had "
            "already") in report.text
    assert report.find(id="nothing-new") is None
    assert district.rows()[(PAGE_JACKSON, TRAUMA)].expected == 10 + 5 - 1


def test_the_same_bundle_twice_adds_nothing(kiosk, admin, district, hub):
    bundle = kiosk.bundle(kiosk.received(TRAUMA, 5), kiosk.received(TRAUMA, 1))
    _upload(admin, bundle)
    before = district.rows()[(PAGE_JACKSON, TRAUMA)].expected
    again = _upload(admin, bundle, hx=True)
    assert again.status_code == 200 and "<html" not in html(again)
    report = page(again).one(id="bundle-report")
    assert "0 new, 2 the hub had already" in report.text
    assert report.one(id="nothing-new").text == (
        "Nothing new was added: the hub had every one of these 2 events already.")
    assert district.rows()[(PAGE_JACKSON, TRAUMA)].expected == before == 16


def test_a_bundle_after_the_kiosk_synced_adds_nothing(kiosk, admin):
    event = kiosk.received(TRAUMA, 2)
    kiosk.send(event)
    report = page(_upload(admin, kiosk.bundle(event))).one(id="bundle-report")
    assert report.find(id="nothing-new") is not None


def test_past_uploads_are_listed(kiosk, admin, viewer):
    bundle = kiosk.bundle(kiosk.received(TRAUMA, 5))
    _upload(admin, bundle)
    _upload(admin, bundle)
    rows = [[td.text for td in tr.find_all("td")]
            for tr in page(viewer.get("/bundles")).one(id="uploads").find("tbody")
            .find_all("tr")]
    assert [r[1:] for r in rows] == [
        [LOGINS["admin"][0], f"Front office at {PAGE_JACKSON}", "1", "0"],
        [LOGINS["admin"][0], f"Front office at {PAGE_JACKSON}", "1", "1"]]
    assert all(r[0] != "never" for r in rows)  # when


def test_a_file_that_is_not_a_bundle_is_refused_clearly(kiosk, admin, hub):
    before = row_counts(hub)
    cases = [
        (b"employee_id,name\nE1,Alice\n", "That file is not a sync bundle"),
        (json.dumps({"protocol": 1, "format": "something else"}).encode(),
         "That file is not a Pin Kiosk sync bundle."),
    ]
    for data, message in cases:
        response = _upload(admin, data, "roster.csv")
        assert response.status_code == 400
        assert message in page(response).one("form", id="bundle").one(role="alert").text
    assert row_counts(hub) == before


def test_a_bundle_nested_deep_is_refused_clearly(kiosk, admin, hub):  # was a 500
    before = row_counts(hub)
    response = _upload(admin, b'{"protocol": 1, "events": ' + b"[" * 5000 + b"]" * 5000 + b"}")
    assert response.status_code == 400
    assert "That file is not a sync bundle" in page(response).one(role="alert").text
    assert row_counts(hub) == before


def test_a_bundle_of_millions_of_empty_objects_is_refused_before_it_is_read(kiosk, hub):
    from kiosk.sync.hub.errors import InvalidInput
    from kiosk.sync.hub.services.bundles import import_bundle

    data = b'{"protocol": 1, "format": "x", "events": [' + b"{}," * 2_500_000 + b"{}]}"
    with hub.app_context(), pytest.raises(InvalidInput, match="more than 2,000,000 values"):
        import_bundle(data, "Dana District")


def test_a_changed_bundle_is_refused(kiosk, admin, district):
    bundle = json.loads(kiosk.bundle(kiosk.received(TRAUMA, 5)))
    bundle["events"][0]["payload"]["qty"] = 500
    response = _upload(admin, json.dumps(bundle).encode())
    assert response.status_code == 400
    assert "signature does not match" in page(response).one(role="alert").text
    assert district.rows()[(PAGE_JACKSON, TRAUMA)].received == 0


def test_uploading_without_a_file_says_so(kiosk, admin):
    response = admin.post("/bundles", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert page(response).one(role="alert").text == (
        "Choose the sync bundle file the building exported.")
