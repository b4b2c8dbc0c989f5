"""The sync API's routes (KIOSK_TOKEN in tests/hub/test_route_matrix.py) take a live kiosk's
bearer token and nothing else: no token, a wrong or revoked one, another scheme, or a district
login's cookie is a 401 that changes nothing. (A token used for another kiosk's id, and a
revoked kiosk's push: tests/hub/test_authorization.py.)"""

from __future__ import annotations

import json

from flask import Flask, url_for
from werkzeug.test import TestResponse

from kiosk.sync.protocol import PROTOCOL
from tests.hub.conftest import PAGE_JACKSON, SHEPHERDSTOWN, District, HubClient
from tests.hub.helpers import html
from tests.hub.test_route_matrix import KIOSK_TOKEN, Route, browser, dump, routes


def _api(client: HubClient, route: Route, kiosk_id: str, headers: dict[str, str]
         ) -> TestResponse:
    """The route asked with ``headers``: a push sends nothing new, a pull asks for it all."""
    with client.application.test_request_context():
        address = url_for(route.endpoint)
    body = {"protocol": PROTOCOL, "kiosk_id": kiosk_id, "events": []}
    return client.open(address, method=route.method, headers=headers,
                       json=body if route.method == "POST" else None)


def test_the_sync_api_takes_only_a_live_kiosk_token(hub: Flask, district: District) -> None:
    here, there = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    admin = browser(hub, "district_admin")  # a district login's cookie is no kiosk token
    admin.post(f"/kiosks/{there.id}/revoke", data={"confirmed": "yes"})
    api = [r for r in routes(hub) if r.endpoint in KIOSK_TOKEN]
    assert {r.endpoint for r in api} == KIOSK_TOKEN
    refused = {"no token": {}, "blank": {"Authorization": "Bearer "},
               "wrong": {"Authorization": "Bearer " + "x" * 43},
               "another scheme": {"Authorization": f"Basic {here.token}"},
               "no scheme": {"Authorization": here.token},
               "revoked": {"Authorization": f"Bearer {there.token}"}}
    before = dump(hub)
    for route in api:
        for client in (browser(hub), admin):
            for why, headers in refused.items():
                response = _api(client, route, here.id, headers)
                assert response.status_code == 401, (route, why, html(response))
                assert response.get_json()["error"] == "unauthorized", (route, why)
    assert dump(hub) == before
    for route in api:  # and the live token works
        response = _api(browser(hub), route, here.id, {"Authorization": f"Bearer {here.token}"})
        assert response.status_code == 200, (route, html(response))
        assert json.loads(html(response))["protocol"] == PROTOCOL
