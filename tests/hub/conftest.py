"""Fixtures for the district hub's pages: ``hub`` (the hub app on SQLite in a temp folder, with
a district admin and a district viewer), clients logged in with each role that carry CSRF like
a browser, and ``district``: buildings, the badge data and kiosks that send events, all made
through the hub's own services and the sync protocol."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import Flask
from flask.testing import FlaskClient

from kiosk.sync.hub import create_hub_app
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import utcnow
from kiosk.sync.protocol import (
    BUNDLE_FORMAT,
    GENESIS,
    PROTOCOL,
    event_hash,
    public_key_text,
    sign_bundle,
    time_text,
)
from tests import factories

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

LOGINS = {"admin": ("Dana District", "4321", "district_admin"),
          "viewer": ("Vic Viewer", "8765", "district_viewer")}
PAGE_JACKSON, SHEPHERDSTOWN = factories.BUILDING, "Shepherdstown Middle School"
HX = {"HX-Request": "true"}


def make_hub(folder: Path, **config: Any) -> Flask:
    settings = {"TESTING": True, "INSTANCE_PATH": str(folder / "hub-instance"),
                "SECRET_KEY": "test", "PIN_HASH_METHOD": "pbkdf2:sha256:1000",
                "DISTRICT_NAME": "Jefferson County Schools"}
    settings.update(config)
    app = create_hub_app(settings)
    with app.app_context():
        hub_db.create_all()
        from kiosk.sync.hub.services.accounts import create_user

        for name, pin, role in LOGINS.values():
            create_user(name, pin, role)
        hub_db.session.remove()
    return app


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Flask]:
    app = make_hub(tmp_path)
    yield app
    with app.app_context():
        hub_db.engine.dispose()


@pytest.fixture
def hub_with(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build another hub with other settings, such as ``IDLE_MINUTES=2``."""
    built: list[Flask] = []

    def build(**config: Any) -> Flask:
        folder = tmp_path / f"hub{len(built)}"
        folder.mkdir()
        app = make_hub(folder, **config)
        app.test_client_class = HubClient
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            hub_db.engine.dispose()


class HubClient(FlaskClient):
    """A browser: it sends the page's CSRF token with every POST (``csrf=False`` leaves it
    out)."""

    token: str | None = None

    def csrf_token(self) -> str:
        if self.token is None:
            match = _CSRF.search(self.get("/login").get_data(as_text=True))
            assert match, "no CSRF token on the login page"
            self.token = match.group(1)
        return self.token

    def post(self, *args: Any, csrf: bool = True, **kwargs: Any):  # type: ignore[no-untyped-def,override]
        if csrf:
            data = kwargs.pop("data", None) or {}
            if isinstance(data, dict):
                data = dict(data)
                data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)

    def login(self, role: str = "admin"):  # type: ignore[no-untyped-def]
        name, pin, _ = LOGINS[role]
        response = self.post("/login", data={"name": name, "pin": pin})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.token = None  # a new session has a new token
        return response

    def hx_post(self, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        headers = {**HX, **(kwargs.pop("headers", None) or {})}
        return self.post(url, headers=headers, **kwargs)

    def hx_get(self, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.get(url, headers={**HX, **(kwargs.pop("headers", None) or {})}, **kwargs)


@pytest.fixture
def client(hub: Flask) -> HubClient:
    hub.test_client_class = HubClient
    c = hub.test_client()
    assert isinstance(c, HubClient)
    return c


@pytest.fixture
def login_as(hub: Flask) -> Callable[[str], HubClient]:
    """A new browser (its own cookies) logged in as ``admin`` or ``viewer``."""

    def login(role: str) -> HubClient:
        hub.test_client_class = HubClient
        c = hub.test_client()
        assert isinstance(c, HubClient)
        c.login(role)
        return c

    return login


@pytest.fixture
def admin(login_as: Callable[[str], HubClient]) -> HubClient:
    return login_as("admin")


@pytest.fixture
def viewer(login_as: Callable[[str], HubClient]) -> HubClient:
    return login_as("viewer")


# --- the district: buildings, badge data and kiosks that report ----------------------------


class SimKiosk:
    """An enrolled kiosk as the hub sees it: it builds hash-chained events the way
    sync/outbox.py does and pushes them (``send``) or signs them into a bundle."""

    def __init__(self, app: Flask, kiosk_id: str, token: str, key: ed25519.Ed25519PrivateKey,
                 building: str) -> None:
        self.app, self.id, self.token, self.key, self.building = (app, kiosk_id, token, key,
                                                                  building)
        self.seq, self.prev = 0, GENESIS

    def event(self, kind: str, payload: dict[str, Any],
              at: datetime | None = None) -> dict[str, Any]:
        self.seq += 1
        created = time_text(at or utcnow())
        event_id = str(uuid.uuid4())
        plain = json.loads(json.dumps(payload, sort_keys=True))
        digest = event_hash(self.prev, event_id, self.seq, kind, plain, created)
        event = {"id": event_id, "seq": self.seq, "kind": kind, "payload": plain,
                 "created_at": created, "prev_hash": self.prev, "hash": digest}
        self.prev = digest
        return event

    def send(self, *events: dict[str, Any], sent_at: str | None = None) -> list[str]:
        from kiosk.sync.hub.services import ingest

        with self.app.app_context():
            outcomes = ingest.receive(self.id, list(events), sent_at)
            hub_db.session.remove()
        return [o.status for o in outcomes]

    def bundle(self, *events: dict[str, Any]) -> bytes:
        signed = sign_bundle({"format": BUNDLE_FORMAT, "protocol": PROTOCOL,
                              "kiosk_id": self.id, "building": self.building,
                              "created_at": time_text(utcnow()), "events": list(events)},
                             self.key)
        return json.dumps(signed).encode("utf-8")

    # the events a kiosk writes (kiosk/services: hand_out, void, stock, waitlist)

    def hand_out(self, award_id: str, employee_id: str, credential: str,
                 receipt: str = "", staff: str = "Dee Designee",
                 manual_reason: str = "") -> dict[str, Any]:
        now = utcnow().isoformat()
        return self.event("pin_handed_out", {
            "distribution_id": str(uuid.uuid4()), "award_id": award_id,
            "employee_id": employee_id, "credential": credential, "building": self.building,
            "staff": staff, "handed_out_at": now, "recorded_at": now,
            "receipt": receipt or f"R-{self.seq + 1:04d}",
            "source": "manual" if manual_reason else "scan",
            "format": "lookup" if manual_reason else "bare_id", "new_award": False,
            "manual": bool(manual_reason), "manual_reason": manual_reason})

    def void(self, hand_out: dict[str, Any], reason: str = "wrong person") -> dict[str, Any]:
        p = hand_out["payload"]
        return self.event("hand_out_voided", {
            "void_id": str(uuid.uuid4()), "distribution_id": p["distribution_id"],
            "credential": p["credential"], "receipt": p["receipt"], "staff": p["staff"],
            "reason": reason, "voided_at": utcnow().isoformat()})

    def received(self, credential: str, qty: int, note: str = "") -> dict[str, Any]:
        return self.event("stock_received", {"credential": credential, "qty": qty,
                                             "note": note, "at": utcnow().isoformat()})

    def counted(self, credential: str, counted: int, expected: int) -> dict[str, Any]:
        return self.event("stock_counted", {"credential": credential, "counted": counted,
                                            "expected": expected, "note": "",
                                            "at": utcnow().isoformat()})

    def adjusted(self, credential: str, qty: int, reason: str = "damaged",
                 note: str = "") -> dict[str, Any]:
        """An adjustment (kiosk/services/stock.py:adjust_stock): ``qty`` signed."""
        return self.event("stock_adjusted", {"credential": credential, "qty": qty,
                                             "reason": reason, "note": note,
                                             "at": utcnow().isoformat()})

    def waitlisted(self, employee_id: str, credential: str, award_id: str) -> dict[str, Any]:
        return self.event("waitlist_added", {"employee_id": employee_id,
                                             "credential": credential, "award_id": award_id,
                                             "at": utcnow().isoformat()})

    def called_back(self, employee_id: str, credential: str, note: str = "left a message",
                    staff: str = "Olive Office") -> dict[str, Any]:
        return self.event("waitlist_contacted", {"employee_id": employee_id,
                                                 "credential": credential, "note": note,
                                                 "staff": staff, "at": utcnow().isoformat()})

    def taken_off(self, employee_id: str, credential: str, reason: str = "left_district",
                  note: str = "", staff: str = "Olive Office") -> dict[str, Any]:
        return self.event("waitlist_removed", {"employee_id": employee_id,
                                               "credential": credential, "reason": reason,
                                               "note": note, "staff": staff,
                                               "at": utcnow().isoformat()})


class District:
    """Seeds the hub through its services (an app context each call)."""

    def __init__(self, app: Flask, folder: Path) -> None:
        self.app, self.folder = app, folder

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                hub_db.session.remove()

    def building(self, name: str) -> int:
        from kiosk.sync.hub.services.enrollment import add_building

        return int(self.call(lambda: add_building(name).id))

    def building_id(self, name: str) -> int:
        from kiosk.sync.hub.services.enrollment import building_named

        return int(self.call(lambda: building_named(name).id))

    def badge_data(self) -> None:
        """The seed district's catalogue (four pins) and roster (tests/factories.py)."""
        from kiosk.sync.hub.services.badge_data import import_files

        catalogue = factories.write_csv(self.folder / "hub-catalogue.csv",
                                        ["credential", "released_on", "has_pin", "pin_name"],
                                        [list(c) for c in factories.CATALOGUE])
        roster = factories.write_csv(self.folder / "hub-roster.csv", factories.ROSTER_HEADER,
                                     factories.ROSTER)
        report = self.call(import_files, [catalogue, roster])
        assert not report.errors, report.errors

    def kiosk(self, building: str, name: str = "Front office") -> SimKiosk:
        from kiosk.sync.hub.services import enrollment

        key = ed25519.Ed25519PrivateKey.generate()

        def enroll() -> tuple[str, str]:
            code = enrollment.new_code(enrollment.building_named(building).id, None).code
            done = enrollment.enroll(code, building, name, public_key_text(key.public_key()))
            return done.kiosk.id, done.token

        kiosk_id, token = self.call(enroll)
        return SimKiosk(self.app, kiosk_id, token, key, building)

    def allocate(self, building: str, credential: str, qty: int, by: str = "Dana District"
                 ) -> None:
        from kiosk.sync.hub.services import stock

        self.call(stock.allocate, self.building_id(building), credential, qty, "", by)

    def transfer(self, source: str, target: str, credential: str, qty: int) -> None:
        from kiosk.sync.hub.services import stock

        self.call(stock.transfer, self.building_id(source), self.building_id(target),
                  credential, qty, "", "Dana District")

    def rows(self) -> dict[tuple[str, str], Any]:
        """The dashboard's numbers: (building, credential) -> PinRow."""
        from kiosk.sync.hub.services import reconcile

        return {(r.building, r.credential): r for r in self.call(reconcile.dashboard)}

    def open_exceptions(self) -> list[tuple[int, str, str]]:
        from kiosk.sync.hub.services import reconcile

        return self.call(lambda: [(e.id, e.kind, e.summary)
                                  for e in reconcile.exceptions("open")])


@pytest.fixture
def district(hub: Flask, tmp_path: Path) -> District:
    """Two buildings and the seed district's badge data."""
    d = District(hub, tmp_path)
    d.badge_data()
    d.building(PAGE_JACKSON)
    d.building(SHEPHERDSTOWN)
    return d
