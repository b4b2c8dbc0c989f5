"""Buildings & kiosks: add a building, make a one-time enrollment code (shown once), see the
kiosks and revoke one."""

from __future__ import annotations

import io
import re

from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import EnrollmentCode
from kiosk.sync.protocol import PROTOCOL, public_key_text
from tests.factories import TRAUMA
from tests.hub.conftest import HX, PAGE_JACKSON, SHEPHERDSTOWN
from tests.hub.helpers import html, page, row_counts

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


def _building_names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [tr.find("td").text for tr in page(response).one(id="buildings").find_all(
        "tr", data_building=True)]


def test_an_admin_adds_a_building(district, admin):
    response = admin.post("/buildings", data={"name": "  Wildwood   Middle School "})
    assert response.status_code == 200
    assert "Added Wildwood Middle School." in page(response).one(role="status").text
    assert "Wildwood Middle School" in _building_names(admin.get("/buildings"))


def test_a_building_twice_is_refused_and_the_name_stays_typed(district, admin, hub):
    before = row_counts(hub)
    for hx in (False, True):
        response = (admin.hx_post if hx else admin.post)("/buildings",
                                                       data={"name": PAGE_JACKSON.upper()})
        assert response.status_code == 400
        form = page(response).one("form", id="add-building")
        assert form.one(role="alert").text == f"{PAGE_JACKSON.upper()} is already a building."
        assert form.one("input", name="name").get("value") == PAGE_JACKSON.upper()
        if hx:
            assert response.headers["HX-Retarget"] == "#buildings-panel"
            assert "<html" not in html(response)
    assert row_counts(hub) == before


def test_an_empty_building_name_is_refused(district, admin):
    response = admin.post("/buildings", data={"name": "   "})
    assert response.status_code == 400
    assert "Give the building's name" in page(response).one(role="alert").text


def _make_code(admin, building_id: int, hx: bool = False) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    post = admin.hx_post if hx else admin.post
    response = post(f"/buildings/{building_id}/code")
    assert response.status_code == 200
    card = page(response).one(id="new-code")
    code = card.one(id="enrollment-code").text
    assert CODE.fullmatch(code)
    return code, card


def test_an_enrollment_code_is_shown_once_with_how_to_use_it(district, admin):
    building = district.building_id(SHEPHERDSTOWN)
    code, card = _make_code(admin, building)
    text = card.text  # type: ignore[attr-defined]
    assert f"Enrollment code for {SHEPHERDSTOWN}" in text
    assert f"kiosk enroll --hub http://localhost --code {code}" in text
    assert "only time the hub shows it" in text
    assert re.search(r"until \w{3} \d\d \w{3} \d{4}, \d\d:\d\d", text)  # when it expires
    # no page shows it again
    for url in ("/buildings", "/", "/exceptions?status=all", "/stock"):
        assert code not in html(admin.get(url)), url
        assert code not in html(admin.get(url, headers=HX)), url
    # the hub kept only a hash of it
    stored = district.call(lambda: [e.code_hash for e in
                                    hub_db.session.scalars(select(EnrollmentCode))])
    assert stored and all(code.replace("-", "") not in h for h in stored)


def test_the_code_enrolls_the_buildings_kiosk_once(district, admin, client):
    code, _ = _make_code(admin, district.building_id(SHEPHERDSTOWN), hx=True)
    key = public_key_text(ed25519.Ed25519PrivateKey.generate().public_key())
    body = {"protocol": PROTOCOL, "code": code, "building": SHEPHERDSTOWN,
            "kiosk_name": "Main office", "public_key": key}
    enrolled = client.post("/api/v1/enroll", json=body, csrf=False)
    assert enrolled.status_code == 201, enrolled.get_json()
    again = client.post("/api/v1/enroll", json=body, csrf=False)
    assert again.status_code == 403
    kiosks = page(admin.get("/buildings")).one(id="kiosks")
    row = kiosks.one("tr", data_kiosk=enrolled.get_json()["kiosk_id"])
    assert SHEPHERDSTOWN in row.text and "Main office" in row.text
    assert "never" in row.text  # it has not synced yet


def test_the_kiosks_table_says_what_each_kiosk_did(district, admin):
    kiosk = district.kiosk(PAGE_JACKSON, "Front desk")
    kiosk.send(kiosk.received(TRAUMA, 5), kiosk.received(TRAUMA, 2))
    row = page(admin.get("/buildings")).one(id="kiosks").one("tr", data_kiosk=kiosk.id)
    cells = [td.text for td in row.find_all("td")]
    assert cells[0] == PAGE_JACKSON
    assert cells[1].startswith("Front desk")
    assert cells[3] != "never"  # last sync
    assert cells[4] == "2"  # last event number
    assert cells[5] == "not known yet"  # clock offset: this push said nothing about its clock
    assert "Revoke" in cells[6]
    buildings = page(admin.get("/buildings")).one(id="buildings")
    assert buildings.one("tr", data_building=str(district.building_id(PAGE_JACKSON))) \
        .find_all("td")[1].text == "1"


def _changes(client, kiosk) -> int:  # type: ignore[no-untyped-def]
    return client.get("/api/v1/changes", headers={
        "Authorization": f"Bearer {kiosk.token}"}).status_code


def test_revoking_a_kiosk_stops_its_token(district, admin, client):
    kiosk = district.kiosk(PAGE_JACKSON)
    assert _changes(client, kiosk) == 200
    form = page(admin.get("/buildings")).one("form", action=f"/kiosks/{kiosk.id}/revoke")
    assert "Revoke kiosk Front office at Page Jackson Elementary?" in form.get("hx-confirm")
    assert form.get("hx-vals") == '{"confirmed": "yes"}'
    response = admin.hx_post(f"/kiosks/{kiosk.id}/revoke", data={"confirmed": "yes"})
    assert response.status_code == 200
    assert "Revoked kiosk Front office" in page(response).one(role="status").text
    assert _changes(client, kiosk) == 401
    row = page(admin.get("/buildings")).one("tr", data_kiosk=kiosk.id)
    assert row.get("data-revoked") == "yes" and "revoked" in row.text
    assert row.find("form") is None


def test_without_javascript_revoking_asks_first(district, admin, client):
    kiosk = district.kiosk(PAGE_JACKSON)
    asked = admin.post(f"/kiosks/{kiosk.id}/revoke")  # the button, without hx-vals
    assert asked.status_code == 200
    confirm = page(asked).one("form", action=f"/kiosks/{kiosk.id}/revoke")
    assert confirm.one("input", name="confirmed").get("value") == "yes"
    assert "Revoke kiosk Front office?" in page(asked).one("h1").text
    assert _changes(client, kiosk) == 200  # not yet
    admin.post(f"/kiosks/{kiosk.id}/revoke", data={"confirmed": "yes"})
    assert _changes(client, kiosk) == 401


def test_a_revoked_kiosks_bundle_is_refused(district, admin):
    kiosk = district.kiosk(PAGE_JACKSON)
    admin.post(f"/kiosks/{kiosk.id}/revoke", data={"confirmed": "yes"})
    response = admin.post("/bundles", data={"bundle": (io.BytesIO(kiosk.bundle(
        kiosk.received(TRAUMA, 3))), "bundle.json")})
    assert response.status_code == 400
    assert "revoked" in page(response).one("form", id="bundle").one(role="alert").text


def test_revoking_a_kiosk_that_does_not_exist_is_a_clear_404(district, admin):
    response = admin.post("/kiosks/no-such-kiosk/revoke", data={"confirmed": "yes"})
    assert response.status_code == 404
    assert "There is no such kiosk." in page(response).one(role="alert").text
