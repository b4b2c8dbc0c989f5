"""The hub on more than one machine (docs/operations.md, "More than one hub server").

On PostgreSQL only: two `kiosk hub serve` processes on different ports, each with its own
instance folder, sharing one database, the secret key and the settings, as on two machines;
kiosks reach them through a round-robin load balancer behind the flaky network, so their
requests alternate between the servers. Every rule holds across them: every event on the hub
exactly once, every chain whole, no change skipped by a pull (the change log's lock is one for
every server), one batch sent to both at once stored once, one enrollment code used at both at
once enrolling one kiosk, wrong PINs at both locking the login after LOCKOUT_ATTEMPTS, a login
at one being a login at the other, and the reconciliation sweep run once per period between
them, going on when one dies.

On SQLite and PostgreSQL alike: sweeper loops of two hub apps on one database sweep once per
period between them, a sweeper killed mid-sweep does not hold up the next sweep, and sweeps at
the same moment open an exception once.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import Flask, current_app
from sqlalchemy import func, select, update

from kiosk.extensions import db
from kiosk.services import district as district_service
from kiosk.services.accounts import MISMATCH
from kiosk.sync import outbox
from kiosk.sync.client import HubClient, HubRefused
from kiosk.sync.hub import create_hub_app
from kiosk.sync.hub.db import CHANGE_LOG_LOCK
from kiosk.sync.hub.extensions import hub_db
from kiosk.sync.hub.models import HubChange, HubSweep
from kiosk.sync.hub.models import Kiosk as HubKiosk
from kiosk.sync.hub.services import changes, enrollment, reconcile
from kiosk.sync.hub.services.setup import start_sweeper
from kiosk.sync.hub.services.stock import allocate
from kiosk.sync.protocol import public_key_text, time_text
from tests.factories import BALANCE, TRAUMA
from tests.web.dom import parse

from .conftest import (
    EXTRA_STAFF,
    SERVERS_ADMIN,
    SWEEP_SECONDS,
    District,
    Hub,
    HubProcess,
    TwoServers,
    assert_all_on_hub_once,
    award_id,
    sync_until_done,
)

T = TypeVar("T")
NAME, PIN = SERVERS_ADMIN
UNKNOWN = "Zora Zimmerly"  # a name no login has
LOCKED_NOW = "Too many wrong PINs. This login is locked for 5 minutes."
LOCKED = "Too many wrong PINs. This login is locked for a few minutes; try again later."
USED = "That enrollment code was used already; ask the district for a new one."
SEED = 20261219


def at_once(n: int, fn: Callable[[int], T]) -> list[T]:
    """``fn(0) ... fn(n - 1)``, each in its own thread, released together."""
    barrier = threading.Barrier(n)

    def run(i: int) -> T:
        barrier.wait(timeout=30)
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


# --- a browser for the served hub -------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is the answer looked at, not followed


class Browser:
    """A browser with its own cookies, sent to whichever server of the hub ``at`` says (both
    are 127.0.0.1, so the cookie goes to both, as a district's one hub address would)."""

    def __init__(self, server: HubProcess, jar: CookieJar | None = None) -> None:
        self.base = server.url
        self.jar = jar if jar is not None else CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _Stay)
        self.token = ""

    def at(self, server: HubProcess) -> Browser:
        self.base = server.url
        return self

    def copy(self) -> Browser:
        """Another browser holding a copy of this one's cookies (a copied cookie)."""
        jar = CookieJar()
        for cookie in self.jar:
            jar.set_cookie(cookie)
        other = Browser.__new__(Browser)
        other.base, other.jar, other.token = self.base, jar, self.token
        other.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _Stay)
        return other

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as answer:
                status, body = answer.status, answer.read().decode()
        except urllib.error.HTTPError as answer:
            with answer:
                status, body = answer.code, answer.read().decode()
        found = _CSRF.search(body)
        if found:
            self.token = found.group(1)
        return status, body

    def get(self, path: str) -> tuple[int, str]:
        return self.request(path)

    def post(self, path: str, **form: str) -> tuple[int, str]:
        return self.request(path, {**form, "csrf_token": self.token})


def alert(body: str) -> str:
    return parse(body).one(role="alert").text


def logged_in_at(browser: Browser, server: HubProcess) -> bool:
    status, body = browser.at(server).get("/")
    assert status in (200, 302), status
    return status == 200 and "Log out" in body


# --- one district, two servers --------------------------------------------------------------


def test_kiosks_syncing_through_both_servers_get_every_event_there_once_and_every_change(
        served_district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    district = served_district
    monkeypatch.setattr(district_service, "PUSH_BATCH", 3)  # many batches, many requests
    district.proxy.chaos(SEED, drop_request=0.1, drop_response=0.1, cut_response=0.1)
    awards = [award_id(emp, cred) for cred in (TRAUMA, BALANCE) for emp, _ in EXTRA_STAFF]
    turns = 5

    def building(n: int) -> None:  # the three buildings at once, each in its own thread
        kiosk = district.kiosks[n]
        for turn in range(turns):
            kiosk.hand_out(awards[turn * 3 + n])
            kiosk.receive(TRAUMA if turn % 2 else BALANCE, 1 + n)
            report = kiosk.sync()
            assert not report.refused and report.rejected == 0

    at_once(3, building)
    district.proxy.heal()
    for kiosk in district.kiosks * 2:  # twice: the first kiosks pull what the last ones pushed
        sync_until_done(kiosk)

    assert_all_on_hub_once(district)
    assert district.hub.exceptions() == []
    for n, kiosk in enumerate(district.kiosks):  # no change skipped: each knows the others'
        others = [awards[i] for i in range(turns * 3) if i % 3 != n]
        assert {kiosk.verdict(a) for a in others} == {"already_issued"}
    sent = district.proxy.hub.sent  # type: ignore[attr-defined]
    assert min(sent.values()) >= 10, sent  # both servers served the kiosks, alternately


def _waiting_for(hub: Hub, key: int) -> int:
    """How many transactions on the hub's database wait for its advisory lock ``key`` now."""
    with psycopg.connect(hub.database_url.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = %s AND objid = %s AND objsubid = 1",
            ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF)).fetchone()
    return int(row[0]) if row else 0


def test_a_change_not_committed_yet_holds_back_later_ones_at_every_server(
        served_district: District, two_servers: TwoServers,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The change log is committed in cursor order across servers: while one hub process has
    a change numbered and not committed, another server's later change waits, and no server
    hands a kiosk a cursor past the one being written (it would never get that change)."""
    district = served_district
    giver, receiver, puller = district.kiosks
    for kiosk in district.kiosks:
        sync_until_done(kiosk)
    on_hand = receiver.on_hand(TRAUMA)

    # the district allocates pins to the receiver's building, from a third hub process (this
    # test's): numbered, holding the change log, not committed yet
    numbered: list[int] = []
    held, release = threading.Event(), threading.Event()
    real_record = changes.record

    def record_and_wait(session: Any, new: Any) -> None:
        real_record(session, new)
        numbered.append(int(session.scalar(select(func.max(HubChange.seq)))))
        held.set()
        assert release.wait(30)

    monkeypatch.setattr(changes, "record", record_and_wait)
    building = district.hub.building_id(receiver.building)
    allocating = threading.Thread(target=district.hub.call, args=(
        allocate, building, TRAUMA, 5, "more pins", "Dana District"))
    allocating.start()
    try:
        assert held.wait(10)
        # a hand-out reaches one of the servers: its change comes after, so it waits
        giver.hand_out(award_id(EXTRA_STAFF[0][0], TRAUMA))
        reports: list[Any] = []
        pushing = threading.Thread(target=lambda: reports.append(giver.sync()))
        pushing.start()
        deadline = time.monotonic() + 10
        while _waiting_for(district.hub, CHANGE_LOG_LOCK) == 0:
            assert time.monotonic() < deadline, "the server's push never waited for the lock"
            time.sleep(0.02)
        assert pushing.is_alive()
        # meanwhile another kiosk pulls from each server: nothing past the change being made
        token = puller.call(lambda: district_service._client()[0].token)
        for server in two_servers.servers:
            page = HubClient(server.url, token).changes(0, 5000)
            assert page["next"] < numbered[0], server.name
            assert all(c["cursor"] < numbered[0] for c in page["changes"]), server.name
    finally:
        release.set()
        allocating.join(timeout=30)
    pushing.join(timeout=30)
    assert reports and reports[0].ok, reports

    sync_until_done(receiver)
    assert receiver.on_hand(TRAUMA) == on_hand + 5
    sync_until_done(puller)
    assert puller.verdict(award_id(EXTRA_STAFF[0][0], TRAUMA)) == "already_issued"
    for kiosk in district.kiosks:
        sync_until_done(kiosk)
    assert_all_on_hub_once(district)


def test_the_same_batch_sent_to_both_servers_at_once_is_stored_once(
        served_district: District, two_servers: TwoServers) -> None:
    district = served_district
    kiosk = district.kiosks[0]
    sync_until_done(kiosk)
    token = kiosk.call(lambda: district_service._client()[0].token)
    clients = [HubClient(server.url, token) for server in two_servers.servers]
    sent: set[str] = set()
    for turn in range(4):
        kiosk.hand_out(award_id(EXTRA_STAFF[turn][0], BALANCE))
        kiosk.receive(TRAUMA, 1 + turn)
        events = [e for e in kiosk.call(lambda: [
            outbox.as_event(e).as_json()
            for e in outbox.pending(db.session, district_service.PUSH_BATCH)])
            if e["id"] not in sent]
        assert len(events) == 2

        def push(i: int, events: list[dict[str, Any]] = events) -> list[str]:
            answer = clients[i].push(kiosk.kiosk_id, events, time_text(datetime.now(UTC)))
            return [r["status"] for r in answer["results"]]

        answers = at_once(2, push)
        for n, event in enumerate(events):
            assert sorted(a[n] for a in answers) == ["accepted", "duplicate"], event["id"]
        sent |= {e["id"] for e in events}

    report = kiosk.sync()
    assert report.ok and report.pushed == len(sent) and report.duplicates == len(sent)
    for other in district.kiosks[1:]:
        sync_until_done(other)
    assert_all_on_hub_once(district)


def test_one_enrollment_code_used_at_both_servers_at_once_enrolls_one_kiosk(
        two_servers: TwoServers) -> None:
    hub = two_servers.hub
    for turn in range(3):
        name = f"Round {turn} Elementary School"
        code = hub.call(lambda name=name: enrollment.new_code(
            enrollment.add_building(name).id, None).code)
        clients = [HubClient(two_servers.servers[i % 2].url) for i in range(8)]

        def enroll(i: int, name: str = name, code: str = code,
                   clients: list[HubClient] = clients) -> tuple[str, str]:
            key = public_key_text(ed25519.Ed25519PrivateKey.generate().public_key())
            try:
                return "enrolled", str(clients[i].enroll(code, name, f"Kiosk {i}",
                                                         key)["kiosk_id"])
            except HubRefused as refused:
                return refused.code, refused.message

        outcomes = at_once(8, enroll)
        enrolled = [kiosk for what, kiosk in outcomes if what == "enrolled"]
        assert len(enrolled) == 1, outcomes
        assert {o for o in outcomes if o[0] != "enrolled"} == {("enrollment_refused", USED)}
        building = hub.building_id(name)
        on_hub = hub.call(lambda b=building: list(hub_db.session.scalars(
            select(HubKiosk.id).where(HubKiosk.building_id == b))))
        assert on_hub == enrolled


def test_wrong_pins_at_both_servers_at_once_lock_the_login_after_five(
        two_servers: TwoServers) -> None:
    """LOCKOUT_ATTEMPTS (5) wrong PINs checked, whatever the number at once and wherever they
    land: for a real name, and for one nobody has (its count is kept under a hash keyed with
    the secret key, which is why every server must have the same)."""
    for name in (NAME, UNKNOWN):
        browsers = [Browser(two_servers.servers[i % 2]) for i in range(16)]
        for browser in browsers:
            browser.get("/login")
        answers = at_once(16, lambda i, name=name, browsers=browsers: browsers[i].post(
            "/login", name=name, pin=f"{1000 + i}"))
        assert {status for status, _ in answers} == {401}
        words = Counter(alert(body) for _, body in answers)
        assert words == {MISMATCH: 4, LOCKED_NOW: 1, LOCKED: 11}, (name, words)
        for server in two_servers.servers:  # locked at both, even for the right PIN
            browser = Browser(server)
            browser.get("/login")
            status, body = browser.post("/login", name=name, pin=PIN)
            assert status == 401 and alert(body) == LOCKED, server.name


def test_a_login_at_one_server_is_one_at_the_other_until_it_logs_out_at_either(
        two_servers: TwoServers) -> None:
    a, b = two_servers.a, two_servers.b
    browser = Browser(a)
    browser.get("/login")
    status, _ = browser.post("/login", name=NAME, pin=PIN)
    assert status == 302
    assert logged_in_at(browser, a) and logged_in_at(browser, b)
    copied = browser.copy()  # the cookie, copied while the session is open
    browser.at(a).get("/exceptions")  # a form made by one server ...
    status, _ = browser.at(b).post("/logout")  # ... is taken by the other
    assert status == 302
    assert not logged_in_at(browser, a) and not logged_in_at(browser, b)
    assert not logged_in_at(copied, a) and not logged_in_at(copied, b)


_SWEPT = re.compile(r"reconciliation sweep of the period from (\S+) by [^:]+: \d+ open")


def _sweeps(servers: TwoServers) -> list[tuple[str, datetime]]:
    """(server, start of the period) of every sweep the servers logged."""
    return [(server.name, datetime.fromisoformat(period))
            for server in servers.servers for period in _SWEPT.findall(server.log())]


def test_the_servers_sweep_once_per_period_between_them_and_on_when_one_dies(
        two_servers: TwoServers) -> None:
    period = timedelta(seconds=SWEEP_SECONDS)
    time.sleep(4 * SWEEP_SECONDS)
    swept = _sweeps(two_servers)
    periods = Counter(start for _, start in swept)
    assert periods and max(periods.values()) == 1, sorted(periods.items())
    assert len(periods) >= 3, swept  # a sweep every period, give or take a slow start

    last = max(swept, key=lambda s: s[1])[0]
    dying = two_servers.a if last == "a" else two_servers.b
    other = two_servers.b if dying is two_servers.a else two_servers.a
    dying.kill()  # the server that swept last
    died = datetime.now(UTC)
    time.sleep(3 * SWEEP_SECONDS)
    swept = _sweeps(two_servers)
    periods = Counter(start for _, start in swept)
    assert max(periods.values()) == 1, sorted(periods.items())
    assert [s for s in swept if s[0] == other.name and s[1] + period > died], swept
    record = two_servers.hub.call(lambda: hub_db.session.get(HubSweep, reconcile.SWEEP_NAME))
    assert record is not None and record.swept_at > died


# --- the sweep on one database, SQLite or PostgreSQL ----------------------------------------

PERIOD = 0.25


def second_app(hub: Hub, folder: Path) -> Flask:
    """Another hub app on the hub's database: another server, as the database sees it."""
    return create_hub_app({"TESTING": True, "INSTANCE_PATH": str(folder),
                           "SECRET_KEY": "hub-test-secret", "DATABASE_URL": hub.database_url,
                           "PIN_HASH_METHOD": "pbkdf2:sha256:1000"})


def _dispose(app: Flask) -> None:
    with app.app_context():
        hub_db.session.remove()
        hub_db.engine.dispose()


def test_two_sweeper_loops_sweep_once_per_period_between_them(
        hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = second_app(hub, tmp_path / "second-hub")
    apps = {"first": hub.app, "second": other}
    asked: list[tuple[str, str, datetime]] = []  # (app, outcome, period)
    real = reconcile.sweep_once_per_period

    def watched(period: float, by: str = "", now: datetime | None = None) -> Any:
        done = real(period, by, now)
        name = next(n for n, app in apps.items() if app is current_app._get_current_object())
        asked.append((name, done.outcome, done.period))
        return done

    monkeypatch.setattr(reconcile, "sweep_once_per_period", watched)
    for app in apps.values():
        app.config["SWEEP_SECONDS"] = PERIOD
    stop = threading.Event()
    try:
        loops = [start_sweeper(app, stop) for app in apps.values()]
        time.sleep(10 * PERIOD)
    finally:
        stop.set()
    for loop in loops:
        loop.join(timeout=10)
    _dispose(other)

    swept = Counter(period for _, outcome, period in asked if outcome == "swept")
    assert swept and max(swept.values()) == 1, sorted(swept.items())
    assert len(swept) >= 10 - 3, sorted(swept.items())  # every period, give or take the ends
    for name in apps:  # each loop woke every period: the one that did not sweep skipped
        woke = {period for n, _, period in asked if n == name}
        assert len(woke) >= len(swept) - 2, (name, asked)
    skipped = [(n, p) for n, outcome, p in asked if outcome in ("done", "busy")]
    assert {n for n, _ in skipped} <= set(apps) and skipped


STUCK_SWEEP = """
import sys, time
from kiosk.sync.hub import create_hub_app
from kiosk.sync.hub.services import reconcile

app = create_hub_app({"INSTANCE_PATH": sys.argv[1], "DATABASE_URL": sys.argv[2],
                      "SECRET_KEY": "t"})

def stuck(session, now):
    print("sweeping", flush=True)
    time.sleep(120)

reconcile._sweep = stuck
with app.app_context():
    reconcile.sweep_once_per_period(60.0, "the server that dies")
"""


def test_a_server_killed_mid_sweep_does_not_hold_up_the_sweep(hub: Hub,
                                                               tmp_path: Path) -> None:
    dying = subprocess.Popen([sys.executable, "-c", STUCK_SWEEP, str(tmp_path / "dying"),
                              hub.database_url], stdout=subprocess.PIPE, text=True)
    try:
        assert dying.stdout is not None
        assert dying.stdout.readline().strip() == "sweeping"
        if hub.app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            # it holds the sweep lock: another server asking now hears "busy" at once
            started = time.monotonic()
            assert hub.call(reconcile.sweep_once_per_period, 60.0, "b").outcome == "busy"
            assert time.monotonic() - started < 5
            # and a page opened meanwhile waits a moment for that sweep, then shows what it has
            started = time.monotonic()
            assert hub.call(reconcile.sweep, None, 0.5) == 0
            assert 0.5 <= time.monotonic() - started < 5
    finally:
        dying.kill()
        dying.wait(timeout=10)
        if dying.stdout is not None:
            dying.stdout.close()

    started = time.monotonic()
    assert ask(hub, "the other server") == "swept"  # the sweep the dead one never recorded
    assert time.monotonic() - started < 10
    record = hub.call(lambda: hub_db.session.get(HubSweep, reconcile.SWEEP_NAME))
    assert record is not None and record.swept_by == "the other server"
    assert ask(hub, "again") == "done"
    assert ask(hub, "next", datetime.now(UTC) + timedelta(seconds=60)) == "swept"


def ask(hub: Hub, by: str, now: datetime | None = None) -> str:
    """The scheduled sweep of a 60 s period, asked again while another sweeps, as the sweeper
    does (on PostgreSQL the hubs of other tests may share the database, and its locks)."""
    deadline = time.monotonic() + 10
    while (outcome := hub.call(reconcile.sweep_once_per_period, 60.0, by, now).outcome) == "busy":
        assert time.monotonic() < deadline, "busy for 10 s"
        time.sleep(0.05)
    return outcome


def test_sweeps_at_two_servers_at_once_open_an_exception_once(hub: Hub,
                                                              tmp_path: Path) -> None:
    """Dashboards open at two servers sweep at the same moment: a kiosk silent too long is one
    open exception, not one per sweep."""
    def silent_kiosks() -> None:
        for n in range(4):
            building = enrollment.add_building(f"Blue Ridge {n} Elementary School")
            code = enrollment.new_code(building.id, None).code
            key = public_key_text(ed25519.Ed25519PrivateKey.generate().public_key())
            enrollment.enroll(code, building.name, "Front office", key)
        long_ago = datetime.now(UTC) - timedelta(days=5)
        hub_db.session.execute(update(HubKiosk).values(enrolled_at=long_ago,
                                                       last_seen_at=long_ago))
        hub_db.session.commit()

    hub.call(silent_kiosks)
    other = second_app(hub, tmp_path / "second-hub")
    try:
        apps = [hub.app, other]

        def sweep(i: int) -> int:
            with apps[i % 2].app_context():
                try:
                    return reconcile.sweep()
                finally:
                    hub_db.session.remove()

        assert at_once(12, sweep) == [4] * 12
    finally:
        _dispose(other)
    opened = Counter(e.kiosk_id for e in hub.exceptions("silent_kiosk"))
    assert len(opened) == 4 and set(opened.values()) == {1}, opened


def test_each_server_writes_its_log(two_servers: TwoServers) -> None:
    """`kiosk hub serve` logs at INFO (waitress says where it serves) in the hub's own format:
    python-escpos, imported on the way, sets up logging first, and must not silence it."""
    for server in two_servers.servers:
        lines = [line for line in server.log().splitlines() if "INFO waitress: Serving on" in line]
        assert lines, server.log()[-2000:]
