"""The standing route x role matrix (issue 11). Every route of the kiosk, found by walking
``app.url_map`` (every rule, every method but HEAD and OPTIONS), asks for a login unless PUBLIC
says why not; reaches exactly the roles that have the right NEEDS names for it (the roles'
rights are kiosk/domain/staff.py's, not what the pages happen to do); and, as a POST, refuses a
missing CSRF token with nothing recorded. A new route fails here until it has a line in NEEDS
or PUBLIC. Records of other people: tests/web/test_record_matrix.py."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import select
from werkzeug.test import TestResponse

from kiosk.domain.staff import ROLES, can
from kiosk.extensions import db
from kiosk.models import PrintJob
from kiosk.services.hand_out import hand_out
from kiosk.services.lookups import credential_named
from kiosk.services.waitlist import add_to_waitlist
from tests import factories
from tests.conftest import KioskClient
from tests.web.helpers import HX, add_award, html, page

# Answered without a login, on purpose. Nothing else is.
PUBLIC = {
    "static": "files (CSS, scripts, sounds): the same for anyone, and no data",
    "auth.healthz": "for monitoring: reads nothing",
    "auth.login": "the login form",
    "auth.login_post": "logging in",
    "auth.logout": "ends whatever session the cookie names, if any",
    "scan.home": "only a redirect to /scan, which asks for the login",
}

# Every other route: the right (kiosk/domain/staff.py, _RIGHTS) a login needs to reach it.
NEEDS = {
    "scan.page": "scan", "scan.scan": "scan", "scan.scan_image": "scan",
    "scan.camera_frame": "scan",  # a frame's QR codes, as JSON: records nothing
    "scan.lookup": "scan", "scan.lookup_award": "scan",
    "scan.hand_out_pin": "hand_out",  # a manual one may need more: MANUAL_HAND_OUT_ROLE
    "scan.waitlist": "waitlist",
    "scan.void": "void_own",  # and may_void for the hand-out: test_record_matrix.py
    "log.page": "scan",  # a designee's log shows their own hand-outs only
    "log.export": "log",
    "log.void": "void_own",  # and may_void, as scan.void
    "log.reprint": "printer",
    "office.stock": "stock", "office.receive": "stock", "office.count": "stock",
    # the call-back list shows people's emails: office staff and administrators only
    "waitlist.page": "call_back", "waitlist.contacted": "call_back",
    "waitlist.remove": "call_back",
    "office.adjust": "stock",  # with a reason; never below zero
    "office.ledger": "stock",  # a pin's ledger and reconciliation
    "office.low_at": "stock",  # a pin's low-stock threshold: office and admin
    "printer.page": "scan",  # a designee's queue shows the jobs of their own hand-outs only
    "printer.badges": "scan",
    "printer.receipt_pdf": "scan",  # and may_see_receipt: test_record_matrix.py
    "printer.retry": "printer", "printer.test_page": "printer",
    "printer.settle": "printer", "printer.reprint": "printer",
    "district.page": "scan", "district.sync_now": "sync", "district.export": "sync",
    "district.enroll": "enroll",
    "district.import_bundle": "enroll",  # a district bundle: what a pull would bring
    "admin.users": "users", "admin.add_user": "users", "admin.change_user": "users",
    "admin.settings_page": "settings", "admin.save_settings": "settings",
    "admin.save_printer": "settings", "admin.printer_test": "settings",
    "slips.page": "slips", "slips.make_pdf": "slips",
    "reports.page": "stock",  # the stock's reconciliation, to sign: office and admin
    "reports.daily": "stock", "reports.period": "stock",  # bad dates: tests/web/test_reports.py
}

# What a role that may use the route gets for the request below, where that is not a success:
# this test kiosk is not enrolled with a hub (tests/sync enrolls kiosks) and has no district key.
REFUSED_ANYWAY = {"district.sync_now": 400, "district.export": 400, "district.enroll": 400,
                  "district.import_bundle": 400,
                  "slips.make_pdf": 400,
                  "scan.camera_frame": 400}  # the form sent is no picture: said so
# they end the records the others use
LAST = ("printer.settle", "scan.void", "log.void", "waitlist.remove")


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str


def routes(app: Flask) -> list[Route]:
    found = [Route(rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
             for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda r: (LAST.index(r.endpoint) + 1 if r.endpoint in LAST else 0,
                                        r.rule, r.method))


def guarded(app: Flask) -> list[Route]:
    return [r for r in routes(app) if r.endpoint not in PUBLIC]


def least_role(right: str) -> str:
    return next(role for role in ROLES if can(role, right))


@dataclass(frozen=True)
class Desk:
    """Records the routes name: a hand-out by the designee (and its receipt's print job),
    another for the second route that voids one (the log's), and a person on the waitlist."""

    distribution_id: str
    job_id: int
    user_id: int
    other_id: str
    entry_id: int
    credential_id: int  # a pin's (its ledger, its threshold)


OTHER_AWARD = "urn:uuid:99999999-9999-4999-8999-999999999999"


@pytest.fixture
def desk(app: Flask, tmp_path: Path) -> Desk:
    add_award(app, tmp_path, "Dora Dunn", OTHER_AWARD, factories.TRAUMA)
    with app.app_context():
        dist = hand_out(factories.ALICE_TRAUMA, str(uuid.uuid4()),
                        factories.staff_id("designee")).distribution
        other = hand_out(OTHER_AWARD, str(uuid.uuid4()),
                         factories.staff_id("designee")).distribution
        job = db.session.scalar(select(PrintJob.id).where(PrintJob.distribution_id == dist.id))
        waiting = add_to_waitlist(factories.CARA_CHALLENGES, factories.staff_id("designee"))
        found = Desk(dist.id, int(job or 0), factories.staff_id("designee"), other.id,
                     waiting.entry.id, credential_named(factories.TRAUMA).id)
        db.session.remove()
    assert found.job_id
    return found


def url(app: Flask, route: Route, desk: Desk, **given: Any) -> str:
    """The route's address, naming the desk's records (or what is ``given``)."""
    record = desk.other_id if route.endpoint == "log.void" else desk.distribution_id
    values: dict[str, Any] = {"distribution_id": record, "job_id": desk.job_id,
                              "action": "cancel", "user_id": desk.user_id,
                              "filename": "kiosk.css", "entry_id": desk.entry_id,
                              "credential_id": desk.credential_id, **given}
    query = {"scan.lookup": {"q": "alice"}, "scan.lookup_award": {"award": factories.ALICE_TRAUMA},
             "reports.period": {"from": "2026-01-01", "to": "2026-01-31"}}
    [rule] = app.url_map.iter_rules(route.endpoint)
    named: dict[str, Any] = {**{k: values[k] for k in rule.arguments},
                             **query.get(route.endpoint, {})}
    with app.test_request_context():
        return url_for(route.endpoint, **named)


def form(endpoint: str, hx: bool) -> dict[str, Any]:
    """A form that the route takes from a role that may use it (twice: as a page, by htmx)."""
    forms: dict[str, Callable[[], dict[str, Any]]] = {
        "scan.scan": lambda: {"payload": factories.ALICE_TRAUMA},
        "scan.scan_image": lambda: {"image": (io.BytesIO(b"not an image"), "proof.png")},
        "scan.hand_out_pin": lambda: {"payload": factories.ALICE_BALANCE if hx
                                      else factories.BOB_TRAUMA,
                                      "nonce": str(uuid.uuid4())},
        "scan.waitlist": lambda: {"payload": factories.CARA_CHALLENGES},
        "scan.void": lambda: {"reason": "handed to the wrong person"},
        "log.void": lambda: {"reason": "handed to the wrong person"},
        "office.receive": lambda: {"credential": factories.TRAUMA, "qty": "2"},
        "office.count": lambda: {"credential": factories.BALANCE, "counted": "5"},
        "waitlist.contacted": lambda: {"note": "left a message"},
        "waitlist.remove": lambda: {"reason": "not_eligible"},
        "office.adjust": lambda: {"credential": factories.TRAUMA, "reason": "found",
                                  "qty": "1"},
        "office.low_at": lambda: {"low_at": "4"},
        "admin.add_user": lambda: {"name": f"Nia {uuid.uuid4().hex[:6]}", "pin": "5555",
                                   "role": "designee"},
        "admin.change_user": lambda: {"role": "designee"},
        "district.enroll": lambda: {"hub": "http://127.0.0.1:9", "code": "ABCD-EFGH"},
        "slips.make_pdf": lambda: {"building": factories.BUILDING},
        "auth.login_post": lambda: {"name": "Dee Designee", "pin": "0000"},
    }
    return forms.get(endpoint, dict)()


def call(client: KioskClient, app: Flask, route: Route, desk: Desk, hx: bool = False,
         csrf: bool = True) -> TestResponse:
    headers = HX if hx else {}
    target = url(app, route, desk)
    if route.method == "GET":
        response = client.get(target, headers=headers)
    else:
        response = client.open(target, method=route.method, headers=headers,
                               data={**form(route.endpoint, hx),
                                     **({"csrf_token": client.csrf_token()} if csrf else {})})
    response.get_data()  # read a streamed answer (the CSV log) and a file's to the end
    response.close()
    return response


def dump(app: Flask) -> dict[str, list[str]]:
    """Every row of every table: what "nothing recorded" compares."""
    with app.app_context():
        rows = {t.name: sorted(repr(tuple(r)) for r in db.session.execute(select(t)))
                for t in db.metadata.sorted_tables}
        db.session.remove()
    return rows


def browser(app: Flask, role: str | None = None) -> KioskClient:
    app.test_client_class = KioskClient
    client = app.test_client()
    assert isinstance(client, KioskClient)
    if role is not None:
        client.login(role)
    return client


# --- the tables ----------------------------------------------------------------------------


def test_every_route_is_in_the_tables(app: Flask) -> None:
    endpoints = {r.endpoint for r in routes(app)}
    assert endpoints - set(NEEDS) - set(PUBLIC) == set(), "a route with no rule: add it"
    assert set(NEEDS) | set(PUBLIC) <= endpoints, "a line for a route that is gone"
    assert not set(NEEDS) & set(PUBLIC)
    for endpoint, right in NEEDS.items():
        assert any(can(role, right) for role in ROLES), (endpoint, right)


# --- nobody logged in ----------------------------------------------------------------------


def test_nobody_logged_in_is_sent_to_log_in(app: Flask, desk: Desk) -> None:
    before = dump(app)
    client = browser(app)
    for route in guarded(app):
        for hx in (False, True):
            response = call(client, app, route, desk, hx=hx)
            if hx:  # htmx follows the header to the login page (docs/architecture.md, 10)
                assert response.status_code == 204, (route, html(response))
                assert response.headers["HX-Redirect"] == "/login", route
            else:
                assert response.status_code == 302, (route, html(response))
                assert response.headers["Location"] == "/login", route
    assert dump(app) == before


def test_the_public_routes_answer_without_a_login(app: Flask, desk: Desk) -> None:
    client = browser(app)
    expected = {"static": 200, "auth.healthz": 200, "auth.login": 200,
                "auth.login_post": 401, "auth.logout": 302, "scan.home": 302}
    assert set(expected) == set(PUBLIC)
    for route in routes(app):
        if route.endpoint in PUBLIC:
            response = call(client, app, route, desk)
            assert response.status_code == expected[route.endpoint], route
    assert client.get("/").headers["Location"] == "/scan"
    assert client.get("/scan").headers["Location"] == "/login"


# --- each role -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_what_its_rights_allow_and_nothing_else(app: Flask, desk: Desk,
                                                                  role: str) -> None:
    client = browser(app, role)
    for route in guarded(app):
        allowed = can(role, NEEDS[route.endpoint])
        before = None if allowed else dump(app)
        for hx in (False, True):
            response = call(client, app, route, desk, hx=hx)
            status = response.status_code
            assert status < 500, (route, hx, html(response))
            if allowed:
                anyway = REFUSED_ANYWAY.get(route.endpoint)
                assert status == anyway if anyway else status < 400, (route, hx, html(response))
                if route.endpoint in LAST:
                    break  # done: the second time says so (400)
            else:
                assert status == 403, (route, hx, html(response))
                assert "Your login does not allow this" in page(response).one(role="alert").text
                assert ("<html" in html(response)) is not hx
        if before is not None:
            assert dump(app) == before, route


# --- CSRF ----------------------------------------------------------------------------------


def test_every_post_refuses_a_missing_token_and_records_nothing(app: Flask, desk: Desk) -> None:
    """With the token the same posts go through: the test above."""
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    clients = {role: browser(app, role) for role in ROLES}
    clients["nobody"] = browser(app)
    posts = [r for r in routes(app) if r.method != "GET"]
    assert {r.method for r in posts} == {"POST"}
    for route in posts:
        right = NEEDS.get(route.endpoint)
        who = least_role(right) if right else "designee" if route.endpoint == "auth.logout" \
            else "nobody"
        client = clients[who]
        before = dump(app)
        for hx in (False, True):
            response = call(client, app, route, desk, hx=hx, csrf=False)
            assert response.status_code == 400, (route, hx, html(response))
            assert "nothing was recorded" in page(response).one(role="alert").text, route
        assert dump(app) == before, route
    for role in ROLES:  # logging out without the token left everyone logged in
        assert clients[role].get("/scan").status_code == 200


# --- record ids ----------------------------------------------------------------------------


def test_a_number_no_record_can_have_is_a_404_never_a_500(app: Flask, desk: Desk) -> None:
    """``<int:...>`` in a URL: a number past SQLite's largest integer names nothing."""
    clients = {role: browser(app, role) for role in ROLES}
    before = dump(app)
    tried = set()
    for route in guarded(app):
        [rule] = app.url_map.iter_rules(route.endpoint)
        numbers = re.findall(r"<int:(\w+)>", rule.rule)
        if not numbers:
            continue
        tried.add(route.endpoint)
        client = clients[least_role(NEEDS[route.endpoint])]
        for huge in ("9" * 30, str(2**63)):
            address = url(app, route, desk, **{name: int(huge) for name in numbers})
            for hx in (False, True):
                response = client.open(address, method=route.method, headers=HX if hx else {},
                                       data={**form(route.endpoint, hx),
                                             "csrf_token": client.csrf_token()})
                assert response.status_code == 404, (address, hx, html(response))
    assert dump(app) == before
    assert {"printer.settle", "admin.change_user"} <= tried
