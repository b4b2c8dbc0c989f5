"""Who may change what on the hub: district staff by role on the pages (a viewer reads, only an
admin changes; nobody logged out sees anything), kiosks by token on the API (a revoked token,
or another kiosk's id, changes nothing), and a record id in a URL that names nothing is a
404, never a 500. A kiosk that reaches for another building's record is refused for that
event and shows on the exceptions page (tests/sync/test_foreign_records.py has every kind)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import Kiosk
from kiosk.sync.protocol import PROTOCOL, time_text
from tests.factories import ALICE_TRAUMA, BOB_TRAUMA, TRAUMA
from tests.hub.conftest import HX, PAGE_JACKSON, SHEPHERDSTOWN, SimKiosk
from tests.hub.helpers import html, page, row_counts

HUGE = "9" * 30  # a whole number no database column holds


@pytest.fixture
def kiosks(district: Any) -> tuple[SimKiosk, SimKiosk]:
    """A kiosk at each building; Page Jackson has handed out a pin twice (an exception)."""
    district.allocate(PAGE_JACKSON, TRAUMA, 10)
    here, there = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    here.send(here.hand_out(ALICE_TRAUMA, "E1", TRAUMA),
              here.hand_out(ALICE_TRAUMA, "E1", TRAUMA))
    return here, there


def _posts(district: Any, kiosk: SimKiosk) -> dict[str, dict[str, Any]]:
    """Every POST a district user can make, with a form that works for an admin."""
    exception_id = district.open_exceptions()[0][0]
    catalogue = b"credential,released_on,has_pin\nNew Credential,2024-05-01,true\n"
    building = district.building_id(PAGE_JACKSON)
    return {
        f"/exceptions/{exception_id}/resolve": {"note": "Spoke to the principal"},
        "/logins": {"name": "Eve Extra", "pin": "1234", "role": "district_admin"},
        "/buildings": {"name": "Wildwood Middle School"},
        f"/buildings/{building}/code": {},
        "/stock/allocate": {"building": str(building), "credential": TRAUMA, "qty": "5"},
        "/stock/move": {"from": str(building), "to": str(district.building_id(SHEPHERDSTOWN)),
                        "credential": TRAUMA, "qty": "1"},
        "/bundles": {"bundle": (io.BytesIO(kiosk.bundle(kiosk.received(TRAUMA, 5))),
                                "bundle.json")},
        "/badge-data": {"files": (io.BytesIO(catalogue), "catalogue.csv")},
        f"/kiosks/{kiosk.id}/revoke": {"confirmed": "yes"},
    }


def _rule(url: str) -> str:
    return "/".join("<>" if part.isdigit() or len(part) == 36 else part
                    for part in url.split("/"))


def test_every_post_that_changes_something_is_in_this_list(hub: Flask, kiosks: Any,
                                                           district: Any) -> None:
    """A new POST route must come with its role check here."""
    posts = {"/" + "/".join("<>" if "<" in part else part for part in rule.rule.split("/")[1:])
             for rule in hub.url_map.iter_rules()
             if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")}
    assert posts - {"/login", "/logout"} == {_rule(u) for u in _posts(district, kiosks[0])}


def test_a_viewer_changes_nothing(hub: Flask, kiosks: Any, district: Any, viewer: Any) -> None:
    before = row_counts(hub)
    for url, data in _posts(district, kiosks[0]).items():
        for post in (viewer.post, viewer.hx_post):
            form = {k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v
                    for k, v in data.items()}
            response = post(url, data=form)
            assert response.status_code == 403, (url, html(response))
            assert "Your login does not allow this" in html(response)
    assert row_counts(hub) == before


def test_nobody_logged_out_sees_or_changes_anything(hub: Flask, kiosks: Any, district: Any,
                                                    client: Any) -> None:
    before = row_counts(hub)
    for url, data in _posts(district, kiosks[0]).items():
        response = client.post(url, data=data)
        assert response.status_code == 302 and response.location.endswith("/login"), url
        fragment = client.hx_post(url, data={})
        assert fragment.status_code == 204 and fragment.headers["HX-Redirect"] == "/login"
    for url in _pages(hub):
        response = client.get(url)
        assert response.status_code == 302 and response.location.endswith("/login"), url
    assert row_counts(hub) == before


def _pages(hub: Flask) -> list[str]:
    return sorted(rule.rule for rule in hub.url_map.iter_rules()
                  if "GET" in (rule.methods or ()) and not rule.arguments
                  and not rule.rule.startswith(("/api/", "/static")) and rule.rule != "/login")


def test_a_viewer_reads_every_page_but_the_logins(hub: Flask, kiosks: Any,
                                                  viewer: Any, admin: Any) -> None:
    for url in _pages(hub):
        expected = 403 if url == "/logins" else 200
        assert viewer.get(url).status_code == expected, url
        assert admin.get(url).status_code == 200, url


@pytest.mark.parametrize("url, data", [
    ("/exceptions/999999/resolve", {"note": "Spoke to the principal"}),
    (f"/exceptions/{HUGE}/resolve", {"note": "Spoke to the principal"}),
    ("/buildings/999999/code", {}),
    (f"/buildings/{HUGE}/code", {}),
    ("/kiosks/no-such-kiosk/revoke", {}),
    ("/kiosks/no-such-kiosk/revoke", {"confirmed": "yes"}),
    (f"/kiosks/{'x' * 5000}/revoke", {"confirmed": "yes"}),
])
def test_a_record_that_is_not_there_is_a_404(hub: Flask, kiosks: Any, admin: Any,
                                             url: str, data: dict[str, str]) -> None:
    before = row_counts(hub)
    for post in (admin.post, admin.hx_post):
        response = post(url, data=data)
        assert response.status_code == 404, (url, html(response))
    assert row_counts(hub) == before


@pytest.mark.parametrize("field", ["building", "from", "to"])
@pytest.mark.parametrize("value", ["999999", HUGE, "-1", "one"])
def test_stock_for_a_building_that_is_not_there_is_refused(
        hub: Flask, kiosks: Any, district: Any, admin: Any, field: str, value: str) -> None:
    north, south = (str(district.building_id(b)) for b in (PAGE_JACKSON, SHEPHERDSTOWN))
    url = "/stock/allocate" if field == "building" else "/stock/move"
    data = ({"building": value} if field == "building"
            else {"from": north, "to": south, field: value})
    before = row_counts(hub)
    response = admin.post(url, data={"credential": TRAUMA, "qty": "1", **data})
    assert response.status_code == 404, html(response)
    assert page(response).one(role="alert").text == "There is no such building."
    assert row_counts(hub) == before


@pytest.mark.parametrize("building", ["999999", HUGE, "-1", "one"])
def test_manual_hand_outs_of_a_building_that_is_not_there(hub: Flask, kiosks: Any,
                                                          viewer: Any, building: str) -> None:
    response = viewer.get(f"/manual?building={building}")
    assert response.status_code == 200


# --- kiosks on the API ---------------------------------------------------------------------


def _push(client: Any, token: str, kiosk_id: str, *events: dict[str, Any]) -> Any:
    return client.post("/api/v1/events", csrf=False, headers={
        "Authorization": f"Bearer {token}"}, json={
        "protocol": PROTOCOL, "kiosk_id": kiosk_id, "sent_at": time_text(datetime.now(UTC)),
        "events": list(events)})


def test_a_kiosk_pushes_only_as_itself(hub: Flask, kiosks: Any, district: Any,
                                       client: Any) -> None:
    here, there = kiosks
    before = row_counts(hub)
    response = _push(client, there.token, here.id, there.received(TRAUMA, 3))
    assert response.status_code == 403 and response.get_json()["error"] == "wrong_kiosk"
    for token in ("", "not-a-token", here.token + "x"):
        response = _push(client, token, here.id, here.received(TRAUMA, 3))
        assert response.status_code == 401, token
    assert row_counts(hub) == before


def test_a_revoked_kiosk_is_refused_on_every_call(hub: Flask, kiosks: Any, admin: Any,
                                                  client: Any) -> None:
    here, _ = kiosks
    admin.post(f"/kiosks/{here.id}/revoke", data={"confirmed": "yes"})
    before = row_counts(hub)
    assert _push(client, here.token, here.id, here.received(TRAUMA, 3)).status_code == 401
    pulled = client.get("/api/v1/changes", headers={"Authorization": f"Bearer {here.token}"})
    assert pulled.status_code == 401 and pulled.get_json()["error"] == "unauthorized"
    assert row_counts(hub) == before


def test_a_pull_tells_nothing_private(hub: Flask, kiosks: Any, district: Any,
                                      client: Any) -> None:
    """Other buildings' hand-outs are shared (so a kiosk says "already handed out"); tokens,
    keys, another building's stock and a kiosk's own hand-outs are not."""
    here, there = kiosks
    district.allocate(SHEPHERDSTOWN, TRAUMA, 4)
    body = client.get("/api/v1/changes", headers={
        "Authorization": f"Bearer {there.token}"}).get_data(as_text=True)
    kinds = {c["kind"] for c in json.loads(body)["changes"]}
    assert {"credential", "award", "hand_out", "stock"} <= kinds
    with hub.app_context():
        secrets = [(k.token_hash, k.public_key) for k in hub_db.session.scalars(select(Kiosk))]
        hub_db.session.remove()
    for token_hash, public_key in secrets:
        assert token_hash not in body and public_key not in body
    for kiosk in kiosks:
        assert kiosk.token not in body
    stock = [c for c in json.loads(body)["changes"] if c["kind"] == "stock"]
    assert [c["data"]["qty"] for c in stock] == [4]  # not Page Jackson's 10
    # Page Jackson's kiosk is not told of its own hand-out
    own = client.get("/api/v1/changes", headers={
        "Authorization": f"Bearer {here.token}"}).get_json()["changes"]
    assert "hand_out" not in {c["kind"] for c in own}


def test_a_void_of_another_buildings_hand_out_is_refused_and_shows_as_an_exception(
        hub: Flask, kiosks: Any, district: Any, client: Any, viewer: Any, admin: Any) -> None:
    here, there = kiosks
    handed = here.hand_out(BOB_TRAUMA, "E2", TRAUMA, receipt="PJE-00042")
    assert here.send(handed) == ["accepted"]
    foreign = there.void(handed)  # Shepherdstown's kiosk voids Page Jackson's hand-out
    own = there.received(TRAUMA, 2)

    response = _push(client, there.token, there.id, foreign, own)

    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "accepted"]
    assert results[0]["reason"].startswith("refused: hand-out ") and PAGE_JACKSON in \
        results[0]["reason"]
    rows = page(viewer.get("/exceptions")).one(id="exceptions").find_all(
        "tr", data_kind="foreign_record")
    assert len(rows) == 1
    cells = [td.text for td in rows[0].find_all("td")]
    assert cells[1] == "Not the building's own record" and cells[2] == SHEPHERDSTOWN
    assert cells[4].startswith(f"Kiosk Front office at {SHEPHERDSTOWN} tried to void a "
                               f"hand-out of {PAGE_JACKSON} (receipt PJE-00042).")
    assert "Not the building's own record: 1" in page(viewer.get("/")).one(
        id="open-by-kind").text
    # pushed again, the answer is the same and nothing more is raised
    again = _push(client, there.token, there.id, foreign).get_json()["results"]
    assert again == results[:1]
    assert len(page(admin.get("/exceptions")).one(id="exceptions").find_all(
        "tr", data_kind="foreign_record")) == 1
    exception_id = next(i for i, kind, _ in district.open_exceptions()
                        if kind == "foreign_record")
    resolved = admin.hx_post(f"/exceptions/{exception_id}/resolve",
                             data={"note": "Called the building: a test gone wrong"},
                             headers=HX)
    assert resolved.status_code == 200
