"""The standing route x role matrix of the district hub (issue 11). Every route, found by walking
``app.url_map`` (every rule, every method but HEAD and OPTIONS), is in one of three tables:
PUBLIC (no login, and why), KIOSK_TOKEN (the sync API: a kiosk's bearer token instead of a
login, tests/hub/test_kiosk_token.py) or NEEDS (the right, sync/hub/services/accounts.py
``_RIGHTS``, a district login needs). Nobody logged out reaches a NEEDS route, each role
reaches exactly what its rights allow, on every record a route can name, and every POST but the
token API refuses a missing CSRF token with nothing recorded. Last, every kind of event a kiosk
sends has a test that tries it with another building's record."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import select
from werkzeug.test import TestResponse

from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.services.accounts import HUB_ROLES, can
from kiosk.sync.protocol import EVENT_KINDS, PROTOCOL, public_key_text
from tests.factories import ALICE_TRAUMA, TRAUMA
from tests.hub.conftest import (
    HX,
    LOGINS,
    PAGE_JACKSON,
    SHEPHERDSTOWN,
    District,
    HubClient,
    SimKiosk,
)
from tests.hub.event_kinds import kinds_compared, kinds_sent, kinds_written
from tests.hub.helpers import html, page

# Answered without a login, on purpose.
PUBLIC = {
    "static": "files (CSS, scripts): the same for anyone, and no data",
    "hub.login": "the login form", "hub.login_post": "logging in",
    "hub.logout": "ends whatever session the cookie names, if any",
    "api.health": "for monitoring and kiosks: the protocol version and the hub's time",
    "api.enroll": "a kiosk trades a one-time enrollment code (the credential) for its token",
}
# The sync API: a kiosk's bearer token, not a district login (and no CSRF: no cookie counts).
KIOSK_TOKEN = {"api.push", "api.pull"}
# Every other route: the right a district login needs.
NEEDS = {
    "hub.dashboard": "read", "hub.manual": "read", "hub.exceptions": "read",
    "hub.resolve": "resolve",
    "hub.logins": "users", "hub.add_login": "users",
    "buildings.page": "read", "buildings.add": "enroll", "buildings.code": "enroll",
    "buildings.revoke": "enroll",
    "buildings.district_bundle": "enroll",  # the district's data, signed by the hub, for a kiosk
    "stock.page": "read", "stock.allocate": "stock", "stock.move": "stock",
    "owed.page": "read", "owed.as_csv": "read", "owed.as_pdf": "read",
    "charts.hand_outs": "read", "charts.stock_owed": "read",
    "data.bundles_page": "read", "data.upload_bundle": "import",
    "data.badge_data_page": "read", "data.import_badge_data": "import",
    "exports.dashboard_csv": "read", "exports.dashboard_pdf": "read",
    "exports.exceptions_csv": "read", "exports.exceptions_pdf": "read",
    # the district log, its CSV and a person's page: every district login reads them (a
    # viewer "sees everything, changes nothing"); resolving from a person's page is
    # hub.resolve, with "resolve"
    "people.log": "read", "people.log_csv": "read", "people.person": "read",
}
ROLE_LOGIN = {role: key for key, (_, _, role) in LOGINS.items()}
ONCE = {"hub.resolve"}  # the same exception resolved again is a 400 that says by whom


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    arguments: frozenset[str]


def routes(app: Flask) -> list[Route]:
    return sorted((Route(rule.endpoint, method, frozenset(rule.arguments))
                   for rule in app.url_map.iter_rules()
                   for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}),
                  key=lambda r: (r.endpoint == "buildings.revoke", r.endpoint, r.method))


@dataclass
class Records:
    """What the routes can name: every building, kiosk and exception of the district."""

    district: District
    ids: dict[str, list[Any]]
    kiosk: SimKiosk


@pytest.fixture
def records(district: District) -> Records:
    district.allocate(PAGE_JACKSON, TRAUMA, 10)
    here, there = district.kiosk(PAGE_JACKSON), district.kiosk(SHEPHERDSTOWN)
    here.send(here.hand_out(ALICE_TRAUMA, "E1", TRAUMA), here.hand_out(ALICE_TRAUMA, "E1", TRAUMA))
    there.send(there.hand_out(ALICE_TRAUMA, "E1", TRAUMA))  # a second exception
    exceptions = [i for i, _, _ in district.open_exceptions()]
    assert len(exceptions) >= 2
    return Records(district, {
        "building_id": [district.building_id(b) for b in (PAGE_JACKSON, SHEPHERDSTOWN)],
        "kiosk_id": [here.id, there.id], "exception_id": exceptions, "employee_id": ["E1"],
        "filename": ["kiosk.css"]}, here)


def urls(app: Flask, route: Route, records: Records) -> list[str]:
    """The route's address for every record it can name (one address for a route with none)."""
    choices: list[dict[str, Any]] = [{}]
    for name in sorted(route.arguments):
        choices = [{**c, name: value} for c in choices for value in records.ids[name]]
    with app.test_request_context():
        return [url_for(route.endpoint, **c) for c in choices]


def form(endpoint: str, records: Records) -> dict[str, Any]:
    """A form the route takes from a role that may use it."""
    north, south = (str(i) for i in records.ids["building_id"])
    catalogue = b"credential,released_on,has_pin\nNew Credential,2024-05-01,true\n"
    kiosk = records.kiosk
    forms: dict[str, dict[str, Any]] = {
        "hub.resolve": {"note": "Spoke to the principal"},
        "hub.add_login": {"name": f"Nia {uuid.uuid4().hex[:6]}", "pin": "1234",
                          "role": "district_viewer"},
        "hub.login_post": {"name": "Vic Viewer", "pin": "0000"},
        "buildings.add": {"name": f"School {uuid.uuid4().hex[:6]}"},
        "buildings.revoke": {"confirmed": "yes"},
        "stock.allocate": {"building": north, "credential": TRAUMA, "qty": "5"},
        "stock.move": {"from": north, "to": south, "credential": TRAUMA, "qty": "1"},
        "data.upload_bundle": {"bundle": (io.BytesIO(kiosk.bundle(kiosk.received(TRAUMA, 1))),
                                          "bundle.json")},
        "data.import_badge_data": {"files": (io.BytesIO(catalogue), "catalogue.csv")},
    }
    return forms.get(endpoint, {})


def call(client: HubClient, address: str, route: Route, records: Records, hx: bool = False,
         csrf: bool = True) -> TestResponse:
    headers = HX if hx else {}
    if route.method == "GET":
        response = client.get(address, headers=headers)
    else:
        response = client.post(address, headers=headers, csrf=csrf,
                               data=form(route.endpoint, records))
    response.get_data()
    response.close()
    return response


def dump(app: Flask) -> dict[str, list[str]]:
    """Every row of every table: what "nothing recorded" compares."""
    with app.app_context():
        rows = {t.name: sorted(repr(tuple(r)) for r in hub_db.session.execute(select(t)))
                for t in hub_db.metadata.sorted_tables}
        hub_db.session.remove()
    return rows


def shown(response: TestResponse) -> str:
    """The start of an answer, for a failing assertion (a PDF is bytes)."""
    return response.get_data().decode("utf-8", "replace")[:300]


def browser(app: Flask, role: str | None = None) -> HubClient:
    app.test_client_class = HubClient
    client = app.test_client()
    assert isinstance(client, HubClient)
    if role is not None:
        client.login(ROLE_LOGIN[role])
    return client


def each(app: Flask, records: Records, kinds: set[str]) -> Iterator[tuple[Route, str]]:
    for route in routes(app):
        if route.endpoint in kinds:
            for address in urls(app, route, records):
                yield route, address


def test_every_route_is_in_the_tables(hub: Flask) -> None:
    endpoints = {r.endpoint for r in routes(hub)}
    tables = [set(PUBLIC), KIOSK_TOKEN, set(NEEDS)]
    assert endpoints - set().union(*tables) == set(), "a route with no rule: add it"
    assert set().union(*tables) <= endpoints, "a line for a route that is gone"
    assert sum(len(t) for t in tables) == len(set().union(*tables))
    for endpoint, right in NEEDS.items():
        assert any(can(role, right) for role in HUB_ROLES), (endpoint, right)
    assert set(ROLE_LOGIN) == set(HUB_ROLES)


def test_nobody_logged_in_is_sent_to_log_in(hub: Flask, records: Records) -> None:
    before = dump(hub)
    client = browser(hub)
    for route, address in each(hub, records, set(NEEDS)):
        plain = call(client, address, route, records)
        assert plain.status_code == 302, (address, html(plain))
        assert plain.headers["Location"] == "/login", address
        fragment = call(client, address, route, records, hx=True)
        assert fragment.status_code == 204, (address, html(fragment))
        assert fragment.headers["HX-Redirect"] == "/login", address
    assert dump(hub) == before


def test_the_public_routes_answer_without_a_login(hub: Flask, records: Records) -> None:
    client, before = browser(hub), dump(hub)
    expected = {"static": 200, "hub.login": 200, "hub.login_post": 401, "hub.logout": 302,
                "api.health": 200, "api.enroll": 403}  # enroll: a code the district never made
    assert set(expected) == set(PUBLIC)
    for route, address in each(hub, records, set(PUBLIC)):
        response = (client.post(address, csrf=False, json={
            "protocol": PROTOCOL, "code": "AAAA-BBBB-CCCC-DDDD", "building": PAGE_JACKSON,
            "public_key": public_key_text(records.kiosk.key.public_key())})
            if route.endpoint == "api.enroll"
            else call(client, address, route, records))
        assert response.status_code == expected[route.endpoint], (address, shown(response))
    changed = {t for t, rows in dump(hub).items() if rows != before[t]}
    assert changed <= {"hub_user", "hub_login_guard"}  # the wrong PIN, counted


@pytest.mark.parametrize("role", HUB_ROLES)
def test_each_role_reaches_what_its_rights_allow_on_every_record(hub: Flask, records: Records,
                                                                 role: str) -> None:
    client = browser(hub, role)
    for route, address in each(hub, records, set(NEEDS)):
        allowed = can(role, NEEDS[route.endpoint])
        before = None if allowed else dump(hub)
        for hx in (False, True):
            response = call(client, address, route, records, hx=hx)
            what = (role, route.method, address, hx, shown(response))
            if allowed:
                assert response.status_code == 200, what
                if route.endpoint in ONCE:
                    break
            else:
                assert response.status_code == 403, what
                assert "Your login does not allow this" in html(response), what
        if before is not None:
            assert dump(hub) == before, (role, address)


def test_every_post_but_the_token_api_refuses_a_missing_token(hub: Flask,
                                                              records: Records) -> None:
    """With the token the same posts go through: the test above."""
    assert hub.config.get("WTF_CSRF_ENABLED", True) is True
    clients = {"district_admin": browser(hub, "district_admin"), "nobody": browser(hub)}
    posts = [r for r in routes(hub) if r.method != "GET"]
    assert {r.method for r in posts} == {"POST"}
    exempt = {r.endpoint for r in posts if r.endpoint.startswith("api.")}
    assert exempt == {"api.enroll", "api.push"}  # the kiosk's own credential, no cookie
    for route in posts:
        if route.endpoint in exempt:
            continue
        client = clients["district_admin" if route.endpoint in NEEDS
                         or route.endpoint == "hub.logout" else "nobody"]
        for address in urls(hub, route, records):
            before = dump(hub)
            for hx in (False, True):
                response = call(client, address, route, records, hx=hx, csrf=False)
                assert response.status_code == 400, (address, hx, html(response))
                assert "nothing was recorded" in page(response).one(role="alert").text
            assert dump(hub) == before, address
    assert clients["district_admin"].get("/").status_code == 200  # the logout did not happen


# --- every kind of event a kiosk sends, tried with another building's record ---------------

SYNC = "tests/sync/test_foreign_records.py::"
HUB = "tests/hub/test_authorization.py::"
KINDS = "tests/hub/test_foreign_kinds.py::"
# kind -> the tests in which a kiosk sends one that reaches for another building's record (or
# names another building) and the hub keeps it to the sender's own building or refuses it
FOREIGN_RECORD_TESTS = {
    "pin_handed_out": [SYNC + "test_a_hand_out_under_another_buildings_id_is_refused",
                       KINDS + "test_a_hand_out_that_names_another_building_is_the_senders"],
    "hand_out_voided": [SYNC + "test_a_kiosk_cannot_void_another_buildings_hand_out",
                        SYNC + "test_a_void_of_a_hand_out_the_hub_does_not_know_is_refused",
                        HUB + "test_a_void_of_another_buildings_hand_out_is_refused_and_shows_"
                              "as_an_exception"],
    "stock_received": [SYNC + "test_stock_counts_and_the_waitlist_go_to_the_senders_building",
                       SYNC + "test_another_kiosks_event_is_refused"],
    "stock_counted": [SYNC + "test_stock_counts_and_the_waitlist_go_to_the_senders_building"],
    "stock_adjusted": [KINDS + "test_an_adjustment_that_names_another_building_is_the_senders"],
    "waitlist_added": [SYNC + "test_stock_counts_and_the_waitlist_go_to_the_senders_building"],
    "waitlist_fulfilled": [SYNC + "test_stock_counts_and_the_waitlist_go_to_the_senders_"
                                  "building"],
    "waitlist_contacted": [KINDS + "test_call_backs_and_removals_that_name_another_building_"
                                   "are_the_senders"],
    "waitlist_removed": [KINDS + "test_call_backs_and_removals_that_name_another_building_"
                                 "are_the_senders"],
    "stock_applied": [SYNC + "test_applied_district_stock_must_have_been_sent_to_the_building"],
    "kiosk_restored": [KINDS + "test_a_restore_that_names_another_building_changes_nothing"],
}


def test_every_event_kind_is_tried_with_another_buildings_record() -> None:
    ingested = (kinds_compared("sync/hub/services/ingest.py")
                | kinds_compared("sync/hub/services/ownership.py"))
    assert ingested <= EVENT_KINDS, "the hub applies a kind the protocol does not list"
    assert kinds_written() <= EVENT_KINDS, "the kiosk sends a kind the protocol does not list"
    assert set(FOREIGN_RECORD_TESTS) == EVENT_KINDS, "a kind no test tries with a foreign record"
    for kind, tests in FOREIGN_RECORD_TESTS.items():
        for test in tests:
            assert kind in kinds_sent(test), (kind, test)
