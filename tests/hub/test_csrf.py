"""Every POST on the hub's pages carries the CSRF token; without it nothing changes."""

from __future__ import annotations

import io

import pytest

from tests.factories import ALICE_TRAUMA, TRAUMA
from tests.hub.conftest import HX, LOGINS, PAGE_JACKSON
from tests.hub.helpers import alert, html, row_counts


@pytest.fixture
def kiosk(district):  # type: ignore[no-untyped-def]
    kiosk = district.kiosk(PAGE_JACKSON)
    district.allocate(PAGE_JACKSON, TRAUMA, 10)
    first = kiosk.hand_out(ALICE_TRAUMA, "E1", TRAUMA)
    kiosk.send(first, kiosk.hand_out(ALICE_TRAUMA, "E1", TRAUMA))  # an open exception
    return kiosk


def _posts(district, kiosk):  # type: ignore[no-untyped-def]
    exception_id = district.open_exceptions()[0][0]
    catalogue = b"credential,released_on,has_pin\nNew Credential,2024-05-01,true\n"
    return {
        f"/exceptions/{exception_id}/resolve": lambda: {"note": "Spoke to the principal"},
        "/buildings": lambda: {"name": "Wildwood Middle School"},
        "/buildings/1/code": dict,
        "/stock/allocate": lambda: {"building": "1", "credential": TRAUMA, "qty": "5"},
        "/stock/move": lambda: {"from": "1", "to": "2", "credential": TRAUMA, "qty": "1"},
        "/bundles": lambda: {"bundle": (io.BytesIO(kiosk.bundle(
            kiosk.received(TRAUMA, 5))), "bundle.json")},
        "/badge-data": lambda: {"files": (io.BytesIO(catalogue), "catalogue.csv")},
        "/logins": lambda: {"name": "Eve Extra", "pin": "1234", "role": "district_admin"},
        f"/kiosks/{kiosk.id}/revoke": lambda: {"confirmed": "yes"},  # last: it stops the kiosk
    }


def _refused(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400
    assert "nothing was recorded" in html(response)


def test_every_post_without_the_token_changes_nothing(district, kiosk, admin, hub):
    before = row_counts(hub)
    for url, data in _posts(district, kiosk).items():
        _refused(admin.post(url, data=data(), csrf=False))
        hx = admin.hx_post(url, data=data(), csrf=False)
        _refused(hx)
        assert hx.headers["HX-Retarget"] == "#messages", url
    assert row_counts(hub) == before
    # and the kiosk's token still works: the revoke did not happen
    assert admin.get("/api/v1/changes", headers={
        "Authorization": f"Bearer {kiosk.token}"}).status_code == 200


def test_a_forged_or_foreign_token_changes_nothing(district, kiosk, admin, viewer, hub):
    before = row_counts(hub)
    for token in ("forged", viewer.csrf_token()):
        for url, data in _posts(district, kiosk).items():
            _refused(admin.post(url, data={**data(), "csrf_token": token}, csrf=False))
    assert row_counts(hub) == before


def test_the_same_posts_with_the_token_do_change_things(district, kiosk, admin, hub):
    """The CSRF test above only means something if each post works with the token."""
    before = row_counts(hub)
    for url, data in _posts(district, kiosk).items():
        response = admin.post(url, data=data())
        assert response.status_code == 200, (url, html(response))
    after = row_counts(hub)
    changed = {t for t in after if after[t] != before[t]}
    assert {"hub_building", "hub_enrollment_code", "hub_stock", "hub_bundle", "hub_credential",
            "hub_user"} <= changed
    assert district.open_exceptions() == []
    assert admin.get("/api/v1/changes", headers={
        "Authorization": f"Bearer {kiosk.token}"}).status_code == 401


def test_logging_in_without_the_token_is_refused(client):
    name, pin, _ = LOGINS["admin"]
    response = client.post("/login", data={"name": name, "pin": pin}, csrf=False)
    _refused(response)
    assert "Please try again" in alert(response)
    assert client.get("/").status_code == 302


def test_logging_out_without_the_token_keeps_the_session(admin):
    _refused(admin.post("/logout", csrf=False))
    assert admin.get("/", headers=HX).status_code == 200
