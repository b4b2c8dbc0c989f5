"""One district hub and three kiosks on 127.0.0.1 (tests/sync/network.py).

- ``hub``: the hub app served for real over HTTP, restartable, on SQLite (a temp file) or
  PostgreSQL (a fresh schema per test, dropped afterwards): every test here runs on both;
- ``proxy``: the flaky network between the kiosks and the hub;
- ``bare_district``: the hub knows the three buildings, the catalogue and the roster, and has an
  enrollment code for each; the three kiosks are set up (building, logins, the same catalogue
  and roster, first stock shipments) but not enrolled;
- ``district``: the same with every kiosk enrolled through the proxy.

Each building's kiosk database is seeded once a session (``kiosk_templates``) and copied for
each test, which then has kiosks of its own.

PostgreSQL listens at 127.0.0.1:5432 on the project's machines. Where it does not, its tests
skip with that reason; on CI (``CI=true``) they fail instead: CI never skips them.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from flask import Flask
from sqlalchemy import select

from kiosk.domain.receipts import building_code
from kiosk.extensions import db
from kiosk.models import Building, OutboxEvent
from kiosk.sync.hub import create_hub_app
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubBuilding, HubEvent, HubException
from kiosk.sync.hub.services.setup import init_hub
from tests import factories
from tests.conftest import make_app

from .network import FlakyProxy, HubServer

T = TypeVar("T")

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/test"
PG_DOWN = f"PostgreSQL is not running at {PG_HOST}:{PG_PORT}"

BUILDINGS = (factories.BUILDING, "Shepherdstown Middle School", "Jefferson High School")

# The seed district's roster, and staff enough for many hand-outs without two buildings giving
# the same pin to the same person by accident.
EXTRA_STAFF = [(f"E{n}", f"Staff Member {n}") for n in range(10, 22)]


def award_id(employee: str, credential: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{employee}/{credential}')}"


ROSTER = factories.ROSTER + [
    [emp, name, f"{emp.lower()}@example.org", BUILDINGS[n % 3], cred, "2023-05-01",
     award_id(emp, cred), "", "false", ""]
    for n, (emp, name) in enumerate(EXTRA_STAFF) for cred in (factories.TRAUMA, factories.BALANCE)
]
STOCK = {factories.TRAUMA: 40, factories.BALANCE: 40, factories.CULTURE: 3}


def on_ci() -> bool:
    return os.environ.get("CI") == "true"


def write_badge_data(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        factories.write_csv(folder / "catalogue.csv",
                            ["credential", "released_on", "has_pin", "pin_name"],
                            [list(c) for c in factories.CATALOGUE]),
        factories.write_csv(folder / "roster.csv", factories.ROSTER_HEADER, ROSTER),
    ]


# --- the hub ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_ready() -> bool:
    """Whether PostgreSQL answers; asked once a session."""
    import psycopg

    try:
        psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test",
                        connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The hub's database URL: a temp SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.sqlite3'}"
        return
    require_postgres(request)
    with fresh_pg_schema() as url:
        yield url


def require_postgres(request: pytest.FixtureRequest) -> None:
    """Skip the test when PostgreSQL does not answer; on CI (``CI=true``) fail it instead."""
    if not request.getfixturevalue("postgres_ready"):
        if on_ci():
            pytest.fail(f"{PG_DOWN} (CI=true: the sync tests must run on PostgreSQL on CI)",
                        pytrace=False)
        pytest.skip(PG_DOWN)


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """A database URL on a new PostgreSQL schema of its own, dropped afterwards."""
    import psycopg

    schema = f"sync_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test",
                         autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test",
                             autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A database URL on a new PostgreSQL database, dropped afterwards: a district hub's own
    database, whose advisory locks no other test's hub shares (they are per database)."""
    import psycopg

    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


class Hub:
    """The hub app, its server, and a way to call its services from the test."""

    def __init__(self, app: Flask, url: str) -> None:
        self.app, self.database_url = app, url
        self.server = HubServer(app)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self.app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                hub_db.session.remove()

    def events(self, kiosk_id: str | None = None) -> list[HubEvent]:
        def read() -> list[HubEvent]:
            query = select(HubEvent).order_by(HubEvent.kiosk_id, HubEvent.seq)
            if kiosk_id is not None:
                query = query.where(HubEvent.kiosk_id == kiosk_id)
            return list(hub_db.session.scalars(query))

        return self.call(read)

    def exceptions(self, kind: str | None = None) -> list[HubException]:
        def read() -> list[HubException]:
            query = select(HubException).order_by(HubException.id)
            if kind is not None:
                query = query.where(HubException.kind == kind)
            return list(hub_db.session.scalars(query))

        return self.call(read)

    def building_id(self, name: str) -> int:
        def read() -> int:
            found = hub_db.session.scalar(select(HubBuilding.id).where(HubBuilding.name == name))
            assert found is not None, name
            return found

        return self.call(read)


@pytest.fixture
def hub(hub_store: str, tmp_path: Path) -> Iterator[Hub]:
    app = create_hub_app({
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "hub-instance"),
        "SECRET_KEY": "hub-test-secret",
        "DATABASE_URL": hub_store,
        "PIN_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    with app.app_context():
        hub_db.create_all()
    the_hub = Hub(app, hub_store)
    the_hub.server.start()
    yield the_hub
    the_hub.server.stop()
    with app.app_context():
        hub_db.session.remove()
        hub_db.engine.dispose()


@pytest.fixture
def proxy(hub: Hub) -> Iterator[FlakyProxy]:
    network = FlakyProxy(hub.server)
    yield network
    network.close()


# --- the kiosks ------------------------------------------------------------------------------


@dataclass
class Kiosk:
    """One building's kiosk app, and the few things the tests do with it."""

    app: Flask
    building: str
    folder: Path
    code: str = ""  # the hub's one-time enrollment code for this building
    kiosk_id: str = ""
    staff: dict[str, int] = field(default_factory=dict)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self.app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    def enroll(self, hub_url: str) -> None:
        from kiosk.services.district import enroll

        self.kiosk_id = self.call(enroll, hub_url, self.code).kiosk_id

    def sync(self) -> Any:
        from kiosk.services.district import sync_once

        return self.call(sync_once, timeout=10.0)

    def hand_out(self, payload: str, role: str = "designee") -> str:
        """Hand out the pin for ``payload``; the distribution's id."""
        from kiosk.services.hand_out import hand_out

        nonce = str(uuid.uuid4())
        return self.call(lambda: hand_out(payload, nonce, self.staff[role],
                                          print_receipt=False).distribution.id)

    def receive(self, credential: str, qty: int) -> None:
        from kiosk.services.stock import receive_stock

        self.call(receive_stock, credential, qty, self.staff["office"], note="shipment")

    def verdict(self, payload: str) -> str:
        from kiosk.services.scan import check_proof

        return self.call(lambda: check_proof(payload).reason.value)

    def on_hand(self, credential: str) -> int:
        from kiosk.services import lookups

        return self.call(lambda: lookups.on_hand(lookups.credential_named(credential).id))

    def outbox(self) -> list[dict[str, Any]]:
        """Every outbox event, as plain values, in sequence order."""
        def read() -> list[dict[str, Any]]:
            rows = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))
            return [{"id": e.id, "seq": e.seq, "kind": e.kind, "payload": json.loads(e.payload),
                     "status": e.status, "hash": e.hash, "last_error": e.last_error}
                    for e in rows]

        return self.call(read)

    def sql(self, statement: str, **params: Any) -> None:
        """Change the kiosk's database behind its back (what a person with the file can do)."""
        from sqlalchemy import text

        def run() -> None:
            db.session.execute(text(statement), params)
            db.session.commit()

        self.call(run)


def seed_kiosk(building: str, badge_data: list[Path]) -> dict[str, int]:
    """Inside an app context with an empty schema: this building, the logins, the district's
    catalogue and roster, and a first shipment of each pin. The logins' ids by role."""
    from kiosk.services.accounts import create_user
    from kiosk.services.cache_import import import_files
    from kiosk.services.lookups import staff_named
    from kiosk.services.stock import receive_stock

    db.session.add(Building(name=building, code=building_code(building), is_here=True))
    db.session.commit()
    for role, (name, pin) in factories.LOGINS.items():
        create_user(name, pin, role)
    report = import_files(badge_data)
    assert not report.errors, report.errors
    staff = {role: staff_named(name).id for role, (name, _) in factories.LOGINS.items()}
    for credential, qty in STOCK.items():
        receive_stock(credential, qty, staff["admin"], note="first shipment")
    return staff


@dataclass
class District:
    hub: Hub
    proxy: FlakyProxy
    kiosks: list[Kiosk]
    badge_data: list[Path]

    @property
    def url(self) -> str:
        """Where the kiosks find the hub: through the flaky network."""
        return self.proxy.url


@dataclass(frozen=True)
class KioskTemplate:
    database: Path  # a seeded kiosk database, copied for each test
    staff: dict[str, int]


@pytest.fixture(scope="session")
def badge_data(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_badge_data(tmp_path_factory.mktemp("district-data"))


@pytest.fixture(scope="session")
def kiosk_templates(tmp_path_factory: pytest.TempPathFactory,
                    badge_data: list[Path]) -> dict[str, KioskTemplate]:
    """Each building's kiosk, set up once a session; each test gets copies of the databases."""
    from sqlalchemy import text

    templates = {}
    for name in BUILDINGS:
        folder = tmp_path_factory.mktemp("kiosk-template")
        app = make_app(folder)
        with app.app_context():
            db.create_all()
            staff = seed_kiosk(name, badge_data)
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.remove()
            db.engine.dispose()
        templates[name] = KioskTemplate(Path(app.instance_path) / "kiosk.sqlite3", staff)
    return templates


@pytest.fixture
def bare_district(hub: Hub, proxy: FlakyProxy, tmp_path: Path, badge_data: list[Path],
                  kiosk_templates: dict[str, KioskTemplate]) -> Iterator[District]:
    with district_of(hub, proxy, tmp_path, badge_data, kiosk_templates) as made:
        yield made


@contextmanager
def district_of(hub: Hub, proxy: FlakyProxy, tmp_path: Path, badge_data: list[Path],
                kiosk_templates: dict[str, KioskTemplate]) -> Iterator[District]:
    """The district of ``bare_district`` on this hub and network: kiosks not enrolled yet."""
    from kiosk.sync.hub.services.badge_data import import_files as hub_import
    from kiosk.sync.hub.services.enrollment import add_building, new_code

    report = hub.call(hub_import, badge_data)
    assert not report.errors, report.errors
    kiosks = []
    for n, name in enumerate(BUILDINGS):
        folder = tmp_path / f"kiosk-{n}"
        (folder / "instance").mkdir(parents=True)
        shutil.copyfile(kiosk_templates[name].database, folder / "instance" / "kiosk.sqlite3")
        app = make_app(folder)
        building_id = hub.call(lambda name=name: add_building(name).id)
        code = hub.call(lambda b=building_id: new_code(b, None).code)
        kiosks.append(Kiosk(app, name, folder, code=code,
                            staff=dict(kiosk_templates[name].staff)))
    yield District(hub, proxy, kiosks, badge_data)
    for kiosk in kiosks:
        with kiosk.app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def district(bare_district: District) -> District:
    for kiosk in bare_district.kiosks:
        kiosk.enroll(bare_district.url)
    return bare_district


# --- several hub servers on one PostgreSQL database -------------------------------------------

# What every server of a district shares besides its database (docs/operations.md, "More than
# one hub server"): the session signing key and the settings.
SERVERS_SECRET = "the-district-hub-secret-key-shared-by-every-server"
SERVERS_PIN_HASH = "pbkdf2:sha256:20000"  # a few ms: parallel logins overlap
SERVERS_ADMIN = ("Dana District", "9999")
SWEEP_SECONDS = 1.0  # the servers' sweep period here (300 in the field)


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


class HubProcess:
    """`kiosk hub serve --port P` in a process of its own, with its own instance folder: to the
    database, another machine. What it logs goes to ``log_path``."""

    def __init__(self, name: str, folder: Path, database_url: str,
                 sweep_seconds: float = SWEEP_SECONDS) -> None:
        self.name, self.folder = name, folder
        self.port = free_port()
        self.log_path = folder / "serve.log"
        folder.mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_HUB_")}
        self.env.update({
            "KIOSK_HUB_DATABASE_URL": database_url,
            "KIOSK_HUB_INSTANCE_PATH": str(folder / "hub-instance"),
            "KIOSK_HUB_SECRET_KEY": SERVERS_SECRET,
            "KIOSK_HUB_PIN_HASH_METHOD": SERVERS_PIN_HASH,
            "KIOSK_HUB_SWEEP_SECONDS": str(sweep_seconds),
        })
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from kiosk.cli import main; main()", "hub", "serve",
                 "--port", str(self.port), "--threads", "8"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None and self.process.poll() is None, (
                f"hub server {self.name} stopped:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, f"hub server {self.name} never answered"
            time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """The machine loses power: no goodbye to the database, which notices the dropped
        connections."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class RoundRobin:
    """A load balancer in front of several hub servers: each new connection goes to the next
    one in turn. It stands where a ``HubServer`` stands behind the ``FlakyProxy``, so the
    kiosks reach every server, alternately, over the same flaky network."""

    running = True

    def __init__(self, servers: list[HubProcess]) -> None:
        self.servers = servers
        self._next = itertools.cycle(servers)
        self._lock = threading.Lock()
        self.sent: dict[str, int] = {s.name: 0 for s in servers}

    @property
    def port(self) -> int:
        with self._lock:
            server = next(self._next)
            self.sent[server.name] += 1
            return server.port


@dataclass
class TwoServers:
    """Two hub servers (``a``, ``b``) on one PostgreSQL database, and ``hub``: the test's own
    hub app on that database (to set things up and look; not served)."""

    hub: Hub
    a: HubProcess
    b: HubProcess

    @property
    def servers(self) -> list[HubProcess]:
        return [self.a, self.b]

    def start(self) -> None:
        """Start the servers not running (all at once), and wait until each answers."""
        stopped = [s for s in self.servers if s.process is None or s.process.poll() is not None]
        for server in stopped:
            server.start()
        for server in stopped:
            server.wait_ready()

    def empty(self) -> None:
        """In the hub's app context: every table emptied (the schema's version, and the record
        of the servers' sweeps, kept), and the first district admin made again."""
        from sqlalchemy import text

        from kiosk.sync.hub.db import SWEEP_LOCK
        from kiosk.sync.hub.services.accounts import create_user

        tables = ", ".join(t.name for t in hub_db.metadata.sorted_tables
                           if t.name != "hub_sweep")
        # not while a server sweeps: its reads and this would deadlock
        hub_db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK})
        hub_db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        hub_db.session.commit()
        create_user(*SERVERS_ADMIN, "district_admin")


@pytest.fixture(scope="module")
def hub_servers(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoServers]:
    """The district's own database made as `kiosk hub init` makes it (migrations), and two
    `kiosk hub serve` processes on it, as on two machines: the same database URL, secret key
    and settings, each its own instance folder and port. Once a module: tests take them
    through ``two_servers``."""
    require_postgres(request)
    folder = tmp_path_factory.mktemp("two-hub-servers")
    with fresh_pg_database() as url:
        app = create_hub_app({
            "INSTANCE_PATH": str(folder / "hub-instance"),
            "SECRET_KEY": SERVERS_SECRET,
            "DATABASE_URL": url,
            "PIN_HASH_METHOD": SERVERS_PIN_HASH,
        })
        with app.app_context():
            init_hub(None, None)
            hub_db.session.remove()
        servers = TwoServers(Hub(app, url), HubProcess("a", folder / "server-a", url),
                             HubProcess("b", folder / "server-b", url))
        try:
            servers.start()
            yield servers
        finally:
            for server in servers.servers:
                server.stop()
            with app.app_context():
                hub_db.session.remove()
                hub_db.engine.dispose()


@pytest.fixture
def two_servers(hub_servers: TwoServers) -> TwoServers:
    """``hub_servers``, both running, on an empty database but for the first district admin
    (``SERVERS_ADMIN``)."""
    hub_servers.start()
    hub_servers.hub.call(hub_servers.empty)
    return hub_servers


@pytest.fixture
def served_district(two_servers: TwoServers, tmp_path: Path, badge_data: list[Path],
                    kiosk_templates: dict[str, KioskTemplate]) -> Iterator[District]:
    """The ``district`` with its hub on two servers: the kiosks enrolled, and syncing, through a
    round-robin load balancer behind the flaky network (``district.proxy.hub.sent``: the
    connections each server was given)."""
    network = FlakyProxy(cast(HubServer, RoundRobin(two_servers.servers)))
    try:
        with district_of(two_servers.hub, network, tmp_path, badge_data,
                         kiosk_templates) as made:
            for kiosk in made.kiosks:
                kiosk.enroll(made.url)
            yield made
    finally:
        network.close()


# --- what every test wants to know in the end ----------------------------------------------


def assert_all_on_hub_once(district: District) -> None:
    """Every event of every kiosk is on the hub exactly once, nothing lost, every outbox all
    sent, every hash chain whole."""
    events = district.hub.events()
    assert len({e.id for e in events}) == len(events)
    for kiosk in district.kiosks:
        outbox = kiosk.outbox()
        on_hub = [e for e in events if e.kiosk_id == kiosk.kiosk_id]
        assert [e["id"] for e in outbox] == [e.id for e in on_hub], kiosk.building
        assert [e["hash"] for e in outbox] == [e.hash for e in on_hub], kiosk.building
        assert {e["status"] for e in outbox} == {"sent"}, kiosk.building
        assert {e.chain for e in on_hub} == {"ok"}, kiosk.building
    assert [e.kind for e in district.hub.exceptions()
            if e.kind in ("broken_chain", "altered_event")] == []


def sync_until_done(kiosk: Kiosk, rounds: int = 3) -> None:
    """Sync on a good network until nothing waits (a pull can add a "stock_applied" event)."""
    for _ in range(rounds):
        report = kiosk.sync()
        assert report.ok, report.error
        if all(e["status"] == "sent" for e in kiosk.outbox()):
            return
    raise AssertionError(f"{kiosk.building} still has events waiting after {rounds} syncs")
