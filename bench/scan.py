"""Benchmark the front-desk loop over real HTTP on a big instance (issue 2).

Builds an instance with 200,000 awards and 50,000 distributions (once; the database is cached
under bench/out/), serves a copy with ``kiosk serve`` (waitress) on 127.0.0.1 and measures, one
request at a time over one keep-alive connection, logged in as a designee:

* scans: ``POST /scan`` as HTMX sends it, a mix of verdicts (``SCAN_MIX``), half by badge id and
  half by badge link;
* hand-outs: ``POST /hand-out`` of distinct eligible awards; each is scanned first (untimed) for
  its nonce, and only the hand-out request is timed;
* baselines, interleaved with the above so that a noisy machine slows both alike:
  ``GET /healthz`` on the same server (no database) and an indexed SQLite lookup of an award by
  key, run in this process against the same database file.

The server runs as `kiosk serve` does by default (8 threads) but without the print worker and
with the "none" printer backend, so receipts are rendered and queued but not printed. Prints one
JSON object; the exit status is 1 when a target is missed or a verdict is not the expected one.

    .venv/bin/python bench/scan.py
    .venv/bin/python bench/scan.py --awards 2000 --distributions 500 --scans 300 --hand-outs 50
"""

from __future__ import annotations

import argparse
import hashlib
import html
import http.client
import json
import math
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from kiosk import MIGRATIONS, create_app
from kiosk.config import DEFAULTS
from kiosk.db import write_transaction
from kiosk.domain.payload import MalformedPayload, award_keys, parse_payload
from kiosk.domain.receipts import receipt_label
from kiosk.extensions import db
from kiosk.models import (
    Award,
    AwardKey,
    Credential,
    Distribution,
    OutboxEvent,
    Person,
    StockMovement,
    Void,
)
from kiosk.services.accounts import create_user
from kiosk.services.demo import BUILDINGS, CATALOGUE, FIRST, LAST
from kiosk.services.lookups import (
    BADGE_DATA_AS_OF,
    name_key,
    set_setting,
    staff_named,
    this_building,
)
from kiosk.services.people import index_people

# Bump when the generated data changes, so cached instances are rebuilt.
BUILD_VERSION = 1
OUT = Path(__file__).resolve().parent / "out"
KIOSK = [sys.executable, "-c", "from kiosk.cli import main; main()"]

TARGETS_MS = {"scan_p99_ms": 10.0, "hand_out_p99_ms": 25.0}
TARGET_RSS_MIB = 150.0

ADMIN = ("Bench Admin", "2468")
DESIGNEES = [("Bench Designee", "1357"), ("Second Designee", "8642"), ("Third Designee", "9753")]
PIN_CREDENTIALS = 4  # the first four credentials of the catalogue have pins (DESIGN.md)
REVOKED_SHARE, EXPIRED_SHARE, VOIDED_SHARE = 0.02, 0.03, 0.01
SHIPMENT = 1000  # pins per "received" stock movement

# What the scans ask about (shares of --scans), in the words of the verdict they should get.
SCAN_MIX = {
    "ok": 0.35,
    "already_issued": 0.30,
    "no_pin_for_credential": 0.15,
    "unknown_badge": 0.10,
    "revoked": 0.04,
    "expired": 0.03,
    "malformed": 0.03,
}
MALFORMED = ["hello world", "https://", "%%%", "urn:uuid:" + "0" * 5000, "http://bad host/x"]
WARM_UP_SCANS, WARM_UP_HAND_OUTS, WARM_UP_HEALTHZ = 200, 20, 100

LOOKUP_SQL = (
    "SELECT a.id, a.person_id, a.credential_id, a.revoked, a.expires_on"
    " FROM award_key AS k JOIN award AS a ON a.id = k.award_id WHERE k.key = ?"
)

Row = dict[str, Any]  # one row for a table, by column

_REASON = re.compile(r'data-reason="([a-z_]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- the instance: built once per size and schema, then copied for each run ------------------


def instance_key(awards: int, distributions: int, seed: int) -> str:
    schema = hashlib.sha256()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        schema.update(path.read_bytes())
    return f"v{BUILD_VERSION}-{awards}a-{distributions}d-s{seed}-{schema.hexdigest()[:10]}"


def cached_instance(awards: int, distributions: int, seed: int, rebuild: bool) -> tuple[Path, bool]:
    """The folder of a built instance for this size; built now if missing (or if asked)."""
    folder = OUT / "instances" / instance_key(awards, distributions, seed)
    if folder.exists() and not rebuild:
        return folder, True
    shutil.rmtree(folder, ignore_errors=True)
    scratch = folder.with_name(folder.name + f".building-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        build_instance(scratch, awards, distributions, seed)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    scratch.rename(folder)
    return folder, False


def build_instance(folder: Path, awards: int, distributions: int, seed: int) -> None:
    started = time.perf_counter()
    env = {**os.environ, "KIOSK_INSTANCE_PATH": str(folder)}
    subprocess.run([*KIOSK, "init", "--building", BUILDINGS[0], "--admin", ADMIN[0],
                    "--pin", ADMIN[1]], env=env, check=True, stdout=subprocess.DEVNULL)
    app = create_app({"INSTANCE_PATH": str(folder), "PRINT_WORKER": False})
    with app.app_context():
        staff = {ADMIN[0]: staff_named(ADMIN[0]).id}
        for name, pin in DESIGNEES:
            staff[name] = create_user(name, pin, "designee").id
        here = this_building()
        district = District(random.Random(seed), here.id, here.name, here.code, staff)
        district.add_awards(awards)
        district.hand_out(distributions)
        with write_transaction() as session:
            conn = session.connection()
            for model, rows in district.tables():
                conn.execute(model.__table__.insert(), rows)
            index_people(session, [(p["id"], p["employee_id"], p["name"], p["email"])
                                   for p in district.rows[Person]])
            set_setting(BADGE_DATA_AS_OF, district.now.isoformat())
        db.session.remove()
        db.engine.dispose()
    with sqlite3.connect(folder / "kiosk.sqlite3") as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    log(f"built {awards:,} awards and {distributions:,} distributions "
        f"in {time.perf_counter() - started:.1f} s")


@dataclass
class District:
    """Rows for a whole district, consistent with the models: every award has its lookup keys,
    every distribution its "issued" stock movement and its outbox event, every void its
    "voided" movement, and each pin enough "received" stock for any number of hand-outs.
    Historical print jobs are left out (about 9 KB of receipt each; no measured path reads
    them)."""

    rng: random.Random
    building_id: int
    building: str
    code: str
    staff: dict[str, int]
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    rows: dict[type[Any], list[Row]] = field(default_factory=dict)
    events: list[tuple[datetime, str, Row]] = field(default_factory=list)

    def tables(self) -> Iterator[tuple[type[Any], list[Row]]]:
        """Rows per model, in an order that satisfies the foreign keys."""
        order = [Credential, Person, Award, AwardKey, Distribution, Void, StockMovement]
        yield from ((model, self.rows.get(model, [])) for model in order)
        yield OutboxEvent, self._outbox()

    def _outbox(self) -> list[Row]:
        """The events, numbered in the order they happened; all pushed to the district."""
        return [
            {"id": self._uuid(), "seq": seq, "kind": kind,
             "payload": json.dumps(payload, sort_keys=True, separators=(",", ":")),
             "created_at": at, "status": "sent", "attempts": 1, "next_attempt_at": None,
             "last_error": ""}
            for seq, (at, kind, payload) in enumerate(sorted(self.events, key=lambda e: e[0]), 1)
        ]

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add_awards(self, count: int) -> None:
        rng, today = self.rng, self.now.date()
        credentials: list[Row] = [
            {"id": n, "name": name, "name_key": name_key(name),
             "released_on": date.fromisoformat(released), "has_pin": n <= PIN_CREDENTIALS,
             "pin_name": pin}
            for n, (name, released, pin) in enumerate(CATALOGUE, 1)
        ]
        people: list[Row] = []
        awards: list[Row] = []
        keys: dict[str, str] = {}
        while len(awards) < count:
            person_id = len(people) + 1
            first, last = rng.choice(FIRST), rng.choice(LAST)
            people.append({"id": person_id, "employee_id": f"E{100000 + person_id}",
                           "name": f"{first} {last}",
                           "email": f"{first[0]}{last}{person_id}@example.k12.wv.us".lower(),
                           "building": rng.choice(BUILDINGS)})
            earned = rng.sample(credentials, min(rng.randint(1, 9), count - len(awards)))
            for cred in earned:
                award_id = f"urn:uuid:{self._uuid()}"
                released: date = cred["released_on"]
                issued = released + timedelta(days=rng.randint(10, (today - released).days - 30))
                expires = None
                if rng.random() < EXPIRED_SHARE:
                    expires = today - timedelta(days=rng.randint(1, 200))
                    issued = expires - timedelta(days=365)
                revoked = rng.random() < REVOKED_SHARE
                awards.append({"id": award_id, "person_id": person_id,
                               "credential_id": cred["id"], "issued_on": issued,
                               "expires_on": expires, "revoked": revoked,
                               "revocation_reason": "Issued in error" if revoked else "",
                               "updated_at": self.now})
                uid = award_id.removeprefix("urn:uuid:")
                alias = (f"https://api.badgr.io/public/assertions/{uid.replace('-', '')[:22]}"
                         if rng.random() < 0.5 else f"https://www.credly.com/badges/{uid}")
                for key in award_keys(award_id) + award_keys(alias):
                    keys.setdefault(key, award_id)
        self.rows[Credential] = credentials
        self.rows[Person] = people
        self.rows[Award] = awards
        self.rows[AwardKey] = [{"key": k, "award_id": a} for k, a in keys.items()]

    def hand_out(self, count: int) -> None:
        rng, today = self.rng, self.now.date()
        credentials = {c["id"]: c for c in self.rows[Credential]}
        people = {p["id"]: p for p in self.rows[Person]}
        eligible = [a for a in self.rows[Award]
                    if credentials[a["credential_id"]]["has_pin"] and not a["revoked"]
                    and (a["expires_on"] is None or a["expires_on"] >= today)]
        if count > len(eligible):
            raise SystemExit(f"only {len(eligible)} awards can have a pin; "
                             f"ask for fewer distributions")
        chosen = rng.sample(eligible, count)
        moments = sorted(self._moment_after(a["issued_on"]) for a in chosen)
        staff_names = [name for name, _ in DESIGNEES]
        dists, voids, movements = [], [], []
        for number, (award, at) in enumerate(zip(chosen, moments, strict=True), 1):
            staff = rng.choice(staff_names)
            cred, person = credentials[award["credential_id"]], people[award["person_id"]]
            dist = {"id": self._uuid(), "award_id": award["id"], "person_id": person["id"],
                    "credential_id": cred["id"], "building_id": self.building_id,
                    "staff_user_id": self.staff[staff], "handed_out_at": at, "recorded_at": at,
                    "receipt_no": number, "receipt": receipt_label(self.code, number),
                    "claim_no": 0, "source": "scan", "payload_format": rng.choice(["id", "url"]),
                    "note": ""}
            dists.append(dist)
            movements.append({"credential_id": cred["id"], "kind": "issued", "qty": -1, "at": at,
                              "staff_user_id": dist["staff_user_id"],
                              "distribution_id": dist["id"], "note": ""})
            self.events.append((at, "pin_handed_out", {
                "distribution_id": dist["id"], "award_id": award["id"],
                "employee_id": person["employee_id"], "credential": cred["name"],
                "building": self.building, "staff": staff, "handed_out_at": at.isoformat(),
                "recorded_at": at.isoformat(), "receipt": dist["receipt"], "source": "scan",
                "format": dist["payload_format"]}))
            if rng.random() < VOIDED_SHARE:
                voids.append(self._void(dist, staff, movements))
        for cred in credentials.values():
            if cred["has_pin"]:
                movements.extend(self._shipments(cred, eligible))
        self.rows[Distribution], self.rows[Void], self.rows[StockMovement] = dists, voids, movements

    def _moment_after(self, issued: date) -> datetime:
        start = datetime(issued.year, issued.month, issued.day, 14, tzinfo=UTC)
        return start + (self.now - timedelta(days=1) - start) * self.rng.random()

    def _void(self, dist: Row, staff: str, movements: list[Row]) -> Row:
        at: datetime = dist["handed_out_at"] + timedelta(minutes=5)
        void = {"id": self._uuid(), "distribution_id": dist["id"],
                "staff_user_id": dist["staff_user_id"], "reason": "Scanned the wrong proof",
                "voided_at": at}
        movements.append({"credential_id": dist["credential_id"], "kind": "voided", "qty": 1,
                          "at": at, "staff_user_id": dist["staff_user_id"],
                          "distribution_id": dist["id"], "note": void["reason"]})
        self.events.append((at, "hand_out_voided", {
            "void_id": void["id"], "distribution_id": dist["id"], "receipt": dist["receipt"],
            "staff": staff, "reason": void["reason"], "voided_at": at.isoformat()}))
        return void

    def _shipments(self, cred: Row, eligible: list[Row]) -> list[Row]:
        """Enough "received" stock for every award of this pin that could ever be handed out."""
        needed = sum(1 for a in eligible if a["credential_id"] == cred["id"]) + 100
        released: date = cred["released_on"]
        first = datetime(released.year, released.month, released.day, 9, tzinfo=UTC)
        shipments = []
        for n in range(math.ceil(needed / SHIPMENT)):
            at = first + timedelta(days=7 * n)
            shipments.append({"credential_id": cred["id"], "kind": "received", "qty": SHIPMENT,
                              "at": at, "staff_user_id": self.staff[ADMIN[0]],
                              "distribution_id": None, "note": f"Shipment {n + 1}"})
            self.events.append((at, "stock_received", {
                "credential": cred["name"], "qty": SHIPMENT, "note": f"Shipment {n + 1}",
                "at": at.isoformat()}))
        return shipments


def describe(db_path: Path) -> dict[str, object]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("person", "award", "award_key", "credential", "distribution",
                                "void", "stock_movement", "outbox_event", "print_job")}
    return {**counts, "db_mib": round(db_path.stat().st_size / 2**20, 1)}


# --- what to scan and hand out, chosen from the database --------------------------------------


@dataclass
class Plan:
    scans: list[tuple[str, str]]  # (payload, expected reason)
    hand_outs: list[str]
    lookups: list[str]  # award keys
    warm_up_scans: list[tuple[str, str]]
    warm_up_hand_outs: list[str]


def make_plan(db_path: Path, args: argparse.Namespace, rng: random.Random) -> Plan:
    for payload in MALFORMED:
        try:
            parse_payload(payload)
        except MalformedPayload:
            continue
        raise SystemExit(f"{payload!r} is not malformed; fix MALFORMED")
    groups = award_groups(db_path)
    for reason, share in SCAN_MIX.items():
        if share and reason not in ("unknown_badge", "malformed") and not groups.get(reason):
            raise SystemExit(f"the instance has no award that should scan as {reason}")

    # Awards to hand out are kept apart, so the scans that expect "ok" still get it.
    needed = args.hand_outs + WARM_UP_HAND_OUTS
    if needed >= len(groups["ok"]):
        raise SystemExit(f"only {len(groups['ok'])} awards are eligible; ask for fewer hand-outs")
    rng.shuffle(groups["ok"])
    chosen = [payload_for(a, rng) for a in groups["ok"][:needed]]
    del groups["ok"][:needed]

    def scan(reason: str) -> tuple[str, str]:
        if reason == "malformed":
            return rng.choice(MALFORMED), reason
        if reason == "unknown_badge":
            return unknown_payload(rng), reason
        return payload_for(rng.choice(groups[reason]), rng), reason

    mix = list(SCAN_MIX)
    weights = [SCAN_MIX[r] for r in mix]
    scans = [scan(r) for r in rng.choices(mix, weights, k=args.scans)]
    warm = [scan(r) for r in rng.choices(mix, weights, k=WARM_UP_SCANS)]
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        total = conn.execute("SELECT max(rowid) FROM award_key").fetchone()[0]
        keys = [conn.execute("SELECT key FROM award_key WHERE rowid >= ? LIMIT 1",
                             (rng.randint(1, total),)).fetchone()[0]
                for _ in range(args.lookups)]
    return Plan(scans, chosen[WARM_UP_HAND_OUTS:], keys, warm, chosen[:WARM_UP_HAND_OUTS])


def award_groups(db_path: Path) -> dict[str, list[tuple[str, str | None]]]:
    """Awards (id, Badgr key) by the verdict a scan should give, in ``decide``'s order."""
    today = datetime.now(ZoneInfo(str(DEFAULTS["TIMEZONE"]))).date().isoformat()
    query = """
        SELECT a.id, c.has_pin, a.revoked, a.expires_on IS NOT NULL AND a.expires_on < ?,
               EXISTS (SELECT 1 FROM distribution AS d
                       LEFT JOIN void AS v ON v.distribution_id = d.id
                       WHERE d.person_id = a.person_id AND d.credential_id = a.credential_id
                         AND v.id IS NULL)
        FROM award AS a JOIN credential AS c ON c.id = a.credential_id
        WHERE a.issued_on <= ?
        ORDER BY a.id"""
    groups: dict[str, list[tuple[str, str | None]]] = {}
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        # award keys are found by key only (no index by award): the Badgr keys in one range scan
        badgr_key = dict(conn.execute(
            "SELECT award_id, key FROM award_key WHERE key >= 'badgr:' AND key < 'badgr;'"))
        for award_id, has_pin, revoked, expired, standing in conn.execute(
            query, (today, today)
        ):
            badgr = badgr_key.get(award_id)
            if revoked:
                reason = "revoked"
            elif expired:
                reason = "expired"
            elif not has_pin:
                reason = "no_pin_for_credential"
            else:
                reason = "already_issued" if standing else "ok"
            groups.setdefault(reason, []).append((award_id, badgr))
    return groups


def payload_for(award: tuple[str, str | None], rng: random.Random) -> str:
    """What a proof of this award carries: its id, or the badge link on Badgr or Credly."""
    award_id, badgr = award
    if rng.random() < 0.5:
        return award_id
    if badgr:
        return f"https://api.badgr.io/public/assertions/{badgr.removeprefix('badgr:')}"
    return f"https://www.credly.com/badges/{award_id.removeprefix('urn:uuid:')}/public_url"


def unknown_payload(rng: random.Random) -> str:
    uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return rng.choice([f"urn:uuid:{uid}", f"https://www.credly.com/badges/{uid}",
                       f"https://api.badgr.io/public/assertions/{uid.replace('-', '')[:22]}"])


# --- the server and an HTTP client that behaves like the kiosk's browser ----------------------


@contextmanager
def kiosk_server(instance: Path, print_worker: bool,
                 printer: dict[str, object] | None = None) -> Iterator[tuple[int, int]]:
    """``kiosk serve`` on a free port of 127.0.0.1; yields (pid, port) and always stops it.
    ``printer`` gives PRINTER_* settings (default: the "none" backend)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "KIOSK_INSTANCE_PATH": str(instance),
           "KIOSK_PRINT_WORKER": json.dumps(print_worker), "KIOSK_PRINTER_BACKEND": "none"}
    for key, value in (printer or {}).items():
        env[f"KIOSK_{key}"] = value if isinstance(value, str) else json.dumps(value)
    with open(instance / "server.log", "wb") as server_log:
        proc = subprocess.Popen([*KIOSK, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=server_log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(proc, port, instance / "server.log")
            yield proc.pid, port
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_until_up(proc: subprocess.Popen[bytes], port: int, server_log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"kiosk serve exited:\n{server_log.read_text()[-2000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)
    raise SystemExit("kiosk serve did not answer within 60 s")


class Browser:
    """One keep-alive connection with the session cookie and the page's CSRF token."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                htmx: bool = False, cookies: bool = True) -> tuple[int, str, float]:
        """Status, body and the seconds from sending the request to reading the whole body."""
        headers = {}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode({"csrf_token": self.csrf, **form})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers.update({"HX-Request": "true", "HX-Target": "verdict"})
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return response.status, data.decode("utf-8"), elapsed

    def log_in(self, name: str, pin: str) -> None:
        self.csrf = hidden_fields(self.request("GET", "/login")[1])["csrf_token"]
        status, _, _ = self.request("POST", "/login", {"name": name, "pin": pin})
        if status != 302:
            raise SystemExit(f"could not log in as {name} (HTTP {status})")
        self.csrf = hidden_fields(self.request("GET", "/scan")[1])["csrf_token"]

    def scan(self, payload: str) -> tuple[str, str, float]:
        """Verdict reason, fragment and seconds."""
        status, body, elapsed = self.request("POST", "/scan", {"payload": payload}, htmx=True)
        match = _REASON.search(body)
        return (match.group(1) if match else f"http_{status}"), body, elapsed

    def hand_out(self, payload: str) -> tuple[str, float]:
        """Scan (untimed), then hand out with the verdict's form; outcome and seconds."""
        reason, fragment, _ = self.scan(payload)
        if reason != "ok":
            return f"scan_{reason}", 0.0
        form = {k: v for k, v in hidden_fields(fragment).items() if k != "csrf_token"}
        status, body, elapsed = self.request("POST", "/hand-out", form, htmx=True)
        match = _REASON.search(body)
        return (match.group(1) if match else f"http_{status}"), elapsed


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}


def memory_mib(pid: int) -> dict[str, float | None]:
    """Resident (VmRSS) and peak resident (VmHWM) memory of a process, from /proc (Linux)."""
    found: dict[str, float | None] = {"rss_mib": None, "peak_rss_mib": None}
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return found
    for line in status.splitlines():
        label, _, value = line.partition(":")
        if label in ("VmRSS", "VmHWM"):
            kib = int(value.split()[0])
            found["rss_mib" if label == "VmRSS" else "peak_rss_mib"] = round(kib / 1024, 1)
    return found


# --- measuring ----------------------------------------------------------------------------


def summary(seconds: list[float]) -> dict[str, float | int]:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"n": 0}

    def rank(p: float) -> float:  # nearest-rank percentile
        return round(ms[max(math.ceil(p / 100 * len(ms)) - 1, 0)], 3)

    return {"n": len(ms), "p50_ms": rank(50), "p99_ms": rank(99),
            "mean_ms": round(sum(ms) / len(ms), 3), "max_ms": round(ms[-1], 3)}


@dataclass
class Measured:
    times: dict[str, list[float]] = field(
        default_factory=lambda: {"scan": [], "hand_out": [], "healthz": [], "lookup": []})
    verdicts: Counter[str] = field(default_factory=Counter)
    unexpected_verdicts: Counter[str] = field(default_factory=Counter)  # "expected -> got"
    hand_out_outcomes: Counter[str] = field(default_factory=Counter)


def measure(browser: Browser, plan: Plan, db_path: Path, healthz: int,
            rng: random.Random) -> Measured:
    m = Measured()
    times = m.times
    lookup_db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)

    def lookup(key: str) -> None:
        started = time.perf_counter()
        row = lookup_db.execute(LOOKUP_SQL, (key,)).fetchone()
        times["lookup"].append(time.perf_counter() - started)
        if row is None:
            raise RuntimeError(f"award key {key!r} not found")

    def ping() -> None:
        # as a monitor calls it: no session cookie, so no user is loaded from the database
        status, _, elapsed = browser.request("GET", "/healthz", cookies=False)
        if status != 200:
            raise RuntimeError(f"/healthz answered {status}")
        times["healthz"].append(elapsed)

    log("warming up")
    for payload, _ in plan.warm_up_scans:
        browser.scan(payload)
    for payload in plan.warm_up_hand_outs:
        browser.hand_out(payload)
    for _ in range(WARM_UP_HEALTHZ):
        browser.request("GET", "/healthz", cookies=False)

    log(f"{len(plan.scans)} scans, with {healthz // 2} healthz and {len(plan.lookups)} lookups")
    ops: list[tuple[str, str, str]] = [("scan", p, r) for p, r in plan.scans]
    ops += [("healthz", "", "")] * (healthz // 2) + [("lookup", k, "") for k in plan.lookups]
    rng.shuffle(ops)
    for kind, arg, expected in ops:
        if kind == "scan":
            reason, _, elapsed = browser.scan(arg)
            times["scan"].append(elapsed)
            m.verdicts[reason] += 1
            if reason != expected:
                m.unexpected_verdicts[f"{expected} -> {reason}"] += 1
        elif kind == "healthz":
            ping()
        else:
            lookup(arg)

    pings = healthz - healthz // 2
    log(f"{len(plan.hand_outs)} hand-outs, with {pings} healthz")
    every = max(len(plan.hand_outs) // max(pings, 1), 1)
    for n, payload in enumerate(plan.hand_outs):
        outcome, elapsed = browser.hand_out(payload)
        m.hand_out_outcomes[outcome] += 1
        if outcome == "handed_out":
            times["hand_out"].append(elapsed)
        if n % every == 0 and len(times["healthz"]) < healthz:
            ping()
    while len(times["healthz"]) < healthz:
        ping()
    lookup_db.close()
    return m


def code_revision() -> str | None:
    """The commit measured, with "+changes" when the working tree differs from it."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+changes" if dirty.strip() else "")


def results(m: Measured, peak_rss_mib: float | None) -> dict[str, object]:
    """Percentiles, ratios to the baselines of the same run, and the targets."""
    scan, hand_out, healthz, lookup = (
        summary(m.times[name]) for name in ("scan", "hand_out", "healthz", "lookup"))
    measured = {"scan_p99_ms": scan.get("p99_ms"), "hand_out_p99_ms": hand_out.get("p99_ms"),
                "server_peak_rss_mib": peak_rss_mib}
    limits = {**TARGETS_MS, "server_peak_rss_mib": TARGET_RSS_MIB}
    targets = {name: {"target": limits[name], "measured": value,
                      "pass": value is not None and value <= limits[name]}
               for name, value in measured.items()}
    correct = not m.unexpected_verdicts and set(m.hand_out_outcomes) == {"handed_out"}
    return {
        "scan": scan,
        "hand_out": hand_out,
        "healthz": healthz,
        "sqlite_lookup": lookup,
        "ratios": {
            "scan_p50_over_healthz_p50": ratio(scan, healthz, "p50_ms"),
            "scan_p99_over_healthz_p99": ratio(scan, healthz, "p99_ms"),
            "hand_out_p50_over_healthz_p50": ratio(hand_out, healthz, "p50_ms"),
            "hand_out_p99_over_healthz_p99": ratio(hand_out, healthz, "p99_ms"),
            "scan_p50_over_lookup_p50": ratio(scan, lookup, "p50_ms"),
        },
        "verdicts": dict(m.verdicts),
        "unexpected_verdicts": dict(m.unexpected_verdicts),
        "hand_out_outcomes": dict(m.hand_out_outcomes),
        "targets": targets,
        "correct": correct,
        "pass": correct and all(t["pass"] for t in targets.values()),
    }


def ratio(a: dict[str, float | int], b: dict[str, float | int], key: str) -> float | None:
    return round(a[key] / b[key], 2) if a.get(key) and b.get(key) else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--awards", type=int, default=200_000)
    parser.add_argument("--distributions", type=int, default=50_000)
    parser.add_argument("--scans", type=int, default=5_000)
    parser.add_argument("--hand-outs", type=int, default=2_000)
    parser.add_argument("--healthz", type=int, default=2_000, help="baseline requests")
    parser.add_argument("--lookups", type=int, default=5_000, help="baseline SQLite lookups")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached instance")
    parser.add_argument("--print-worker", action="store_true",
                        help="run the print worker in the server (backend 'none')")
    args = parser.parse_args()

    load_before = os.getloadavg()
    built = time.perf_counter()
    cached, was_cached = cached_instance(args.awards, args.distributions, args.seed, args.rebuild)
    built = time.perf_counter() - built
    run = OUT / "run-scan"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(cached, run)
    db_path = run / "kiosk.sqlite3"
    instance = {**describe(db_path), "cached": was_cached, "ready_in_s": round(built, 1)}
    rng = random.Random(f"run-{args.seed}")  # not the build's sequence of ids
    plan = make_plan(db_path, args, rng)

    with kiosk_server(run, args.print_worker) as (pid, port):
        memory_at_start = memory_mib(pid)
        browser = Browser(port)
        browser.log_in(*DESIGNEES[0])
        measured = measure(browser, plan, db_path, args.healthz, rng)
        memory_at_end = memory_mib(pid)

    report = {
        "benchmark": "scan and hand-out over HTTP (issue 2)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_revision(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "instance": instance,
        "server": {"threads": 8, "print_worker": args.print_worker, "printer_backend": "none",
                   "memory_at_start": memory_at_start, "memory_at_end": memory_at_end},
        "scan_mix": SCAN_MIX,
        **results(measured, memory_at_end["peak_rss_mib"]),
    }
    print(json.dumps(report, indent=2))
    return 0 if report["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
