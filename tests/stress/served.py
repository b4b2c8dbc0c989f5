"""A kiosk served for real, as the stress tests and bench/crash.py, bench/soak.py use it.

- ``build_instance``: a kiosk instance made the way the field makes one (the schema through
  migrations, as `kiosk init` does) and seeded like tests/factories.py, plus ``people`` staff
  members who each earned the four pins of the catalogue: ``4 * people`` distinct hand-outs.
- ``ServedKiosk``: ``kiosk serve`` (waitress, print worker, sync worker, WAL checkpointer) in a
  process of its own, started, killed with SIGKILL and started again on the same instance.
- ``Desk``: the kiosk's browser at the front desk, on bench/scan.py's ``Browser`` (one
  keep-alive connection, the session cookie, the page's CSRF token): log in, scan, press
  "Hand out pin" with the verdict's form (its nonce).
- ``Records``: the instance's database read back with sqlite3 once the server is stopped.
"""

from __future__ import annotations

import html
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bench.scan import Browser, memory_mib
from kiosk import create_app
from kiosk.extensions import db
from kiosk.services.cache_import import import_files
from kiosk.services.lookups import staff_named
from kiosk.services.setup import upgrade_schema
from kiosk.services.stock import receive_stock
from kiosk.sync.protocol import GENESIS, event_hash
from tests import factories

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
KIOSK = [sys.executable, "-c", "from kiosk.cli import main; main()"]
# The four pins of the seed catalogue: every stress person earned all four.
PINS = [c[0] for c in factories.CATALOGUE if c[2] == "true"]
FAST_PINS = "pbkdf2:sha256:1000"  # logins made here; the server checks whatever hash it finds
# What a dead or dying server does to a request: refused, reset, cut off, or never answered.
DOWN = (OSError, http.client.HTTPException)

_REASON = re.compile(r'data-reason="([a-z_]+)"')
_RECEIPT = re.compile(r'class="receipt-no">([^<]+)<')
_VOID = re.compile(r'/hand-outs/([0-9a-f-]{36})/void')
_FORM = re.compile(r'<form id="hand-out-form".*?</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def employee(n: int) -> str:
    return f"S{n:05d}"


def award_of(n: int, credential: str) -> str:
    """The award id of stress person ``n`` for ``credential`` (a badge id, as scanned)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'stress/{n}/{credential}')}"


def awards(people: int) -> list[str]:
    """Every stress award, person by person."""
    return [award_of(n, c) for n in range(people) for c in PINS]


def roster_rows(people: int) -> list[list[str]]:
    return [[employee(n), f"Stress Person {n}", f"s{n}@example.org", factories.BUILDING, c,
             "2023-05-01", award_of(n, c), "", "false", ""]
            for n in range(people) for c in PINS]


def build_instance(folder: Path, people: int, stock: int) -> Path:
    """A seeded instance in ``folder`` (made if missing): the schema by migrations, the seed
    district of tests/factories.py (building, three logins, catalogue, roster) and ``people``
    more people with four awards each; ``stock`` more of each pin. Returns the database."""
    data = folder / "district-data"
    data.mkdir(parents=True, exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "PRINT_WORKER": False,
                      "SYNC_WORKER": False, "PIN_HASH_METHOD": FAST_PINS})
    with app.app_context():
        upgrade_schema()
        factories.seed_district(data)
        roster = factories.write_csv(data / "stress-roster.csv", factories.ROSTER_HEADER,
                                     roster_rows(people))
        report = import_files([roster])
        assert not report.errors, report.errors[:3]
        admin = staff_named(factories.LOGINS["admin"][0]).id
        for credential in PINS:
            receive_stock(credential, stock, admin, note="stress shipment")
        db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
        db.engine.dispose()
    return folder / "kiosk.sqlite3"


def copy_instance(template: Path, folder: Path) -> Path:
    """A copy of a built instance (its database and session key) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("kiosk.sqlite3", "secret_key"):
        shutil.copyfile(template / name, folder / name)
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerGone(RuntimeError):
    """``kiosk serve`` exited or did not answer."""


class ServedKiosk:
    """``kiosk serve`` on ``instance`` in a process of its own, on a new free port each start.

    ``config`` becomes KIOSK_* environment variables. By default: the print worker on and the
    "file" printer at ``printer`` (a folder, or an existing file that receipts are appended
    to, as to a printer device), the sync worker off, no nightly backup."""

    def __init__(self, instance: Path, printer: Path, **config: Any) -> None:
        self.instance, self.printer = instance, printer
        self.config: dict[str, Any] = {"PRINT_WORKER": True, "SYNC_WORKER": False,
                                       "PRINTER_BACKEND": "file", "PRINTER_PATH": str(printer),
                                       "BACKUP_AT": "off", **config}
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.starts = 0
        self.log = instance / "server.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        env["KIOSK_INSTANCE_PATH"] = str(self.instance)
        for key, value in self.config.items():
            env[f"KIOSK_{key}"] = value if isinstance(value, str) else json.dumps(value)
        return env

    def start(self, timeout: float = 60.0) -> None:
        assert self.proc is None, "already running"
        self.port = free_port()
        with open(self.log, "ab") as out:
            out.write(f"--- start {self.starts + 1} on port {self.port}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                [*KIOSK, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env(), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                raise ServerGone(f"kiosk serve exited:\n{self.log.read_text()[-3000:]}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except DOWN:
                pass
            finally:
                conn.close()
            time.sleep(0.02)
        self.kill()
        raise ServerGone(f"kiosk serve did not answer within {timeout:g} s")

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or rolled back."""
        if self.proc is not None:
            if self.proc.poll() is None:
                os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def memory(self) -> dict[str, float | None]:
        return memory_mib(self.pid)

    def desk(self, role: str = "designee") -> Desk:
        """A new browser at the desk, logged in with the seeded login of ``role``."""
        desk = Desk(self.port)
        desk.log_in_as(role)
        return desk


# --- the desk ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What the desk saw after pressing "Hand out pin"."""

    status: int
    reason: str  # handed_out, or the verdict's reason code (already_issued ...), or http_<n>
    receipt: str = ""
    distribution_id: str = ""

    @property
    def handed_out(self) -> bool:
        return self.status == 200 and self.reason == "handed_out"


class Desk(Browser):
    """The front desk's browser: one keep-alive connection, its cookies and CSRF token."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        super().__init__(port)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def moved_to(self, port: int) -> Desk:
        """The same browser (its session cookie and token) talking to a restarted server."""
        desk = Desk(port)
        desk.cookies, desk.csrf = dict(self.cookies), self.csrf
        return desk

    def log_in_as(self, role: str) -> None:
        name, pin = factories.LOGINS[role]
        self.log_in_with(name, pin)

    def log_in_with(self, name: str, pin: str) -> None:
        self.cookies.clear()
        self.csrf = _token(self.request("GET", "/login")[1])
        status, body, _ = self.request("POST", "/login", {"name": name, "pin": pin})
        assert status == 302, f"could not log in as {name}: HTTP {status}\n{body[:500]}"
        self.csrf = _token(self.request("GET", "/scan")[1])

    def verdict(self, payload: str) -> tuple[str, dict[str, str]]:
        """Scan ``payload`` as HTMX sends it: the verdict's reason code and, on green, the
        fields of its "Hand out pin" form (payload, nonce)."""
        status, body, _ = self.request("POST", "/scan", {"payload": payload}, htmx=True)
        found = _REASON.search(body)
        if found is None:
            return f"http_{status}", {}
        form = _FORM.search(body)
        fields = {} if form is None else {
            k: html.unescape(v) for k, v in _HIDDEN.findall(form.group(0)) if k != "csrf_token"}
        return found.group(1), fields

    def press(self, form: dict[str, str]) -> Answer:
        """Press "Hand out pin" on a verdict's form."""
        status, body, _ = self.request("POST", "/hand-out", form, htmx=True)
        found = _REASON.search(body)
        reason = found.group(1) if found else f"http_{status}"
        receipt = _RECEIPT.search(body)
        dist = _VOID.search(body)
        return Answer(status, reason, html.unescape(receipt.group(1)) if receipt else "",
                      dist.group(1) if dist else "")

    def close(self) -> None:
        self.conn.close()

    def healthz(self) -> float:
        status, _, seconds = self.request("GET", "/healthz", cookies=False)
        assert status == 200, status
        return seconds


def _token(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "no CSRF token on the page"
    return html.unescape(found.group(1))


# --- the records, read back ------------------------------------------------------------------


@dataclass
class Records:
    """What the instance's database holds, read with sqlite3 while no server runs."""

    integrity: str
    distributions: dict[str, dict[str, Any]]  # by id (the nonce)
    issued: Counter[str]  # "issued" stock movements by distribution id
    events: Counter[str]  # pin_handed_out outbox events by distribution id
    jobs: dict[str, list[dict[str, Any]]]  # receipt print jobs by distribution id
    chain_ok: bool
    chain_problem: str
    on_hand: dict[int, int]  # stock_on_hand by credential
    ledger: dict[int, int]  # the sum of stock_movement by credential
    outbox: Counter[str]  # outbox events by status
    per_claim: Counter[tuple[int, int]] = field(default_factory=Counter)  # hand-outs a pin

    @classmethod
    def read(cls, database: Path) -> Records:
        conn = sqlite3.connect(database)
        try:
            return cls._read(conn)
        finally:
            conn.close()

    @classmethod
    def _read(cls, conn: sqlite3.Connection) -> Records:
        integrity = "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
        dists = {r[0]: {"id": r[0], "award_id": r[1], "person_id": r[2], "credential_id": r[3],
                        "receipt": r[4]}
                 for r in conn.execute("SELECT id, award_id, person_id, credential_id, receipt "
                                       "FROM distribution")}
        issued = Counter(r[0] for r in conn.execute(
            "SELECT distribution_id FROM stock_movement WHERE kind = 'issued'"))
        events: Counter[str] = Counter()
        chain_ok, problem, prev = True, "", GENESIS
        rows = conn.execute("SELECT id, seq, kind, payload, created_text, prev_hash, hash, "
                            "status FROM outbox_event ORDER BY seq")
        outbox: Counter[str] = Counter()
        for n, (event_id, seq, kind, payload, created, prev_hash, digest, status) in enumerate(
                rows, 1):
            body = json.loads(payload)
            outbox[status] += 1
            if kind == "pin_handed_out":
                events[body["distribution_id"]] += 1
            if chain_ok and (seq != n or prev_hash != prev or digest != event_hash(
                    prev_hash, event_id, seq, kind, body, created)):
                chain_ok, problem = False, f"event seq {seq} (#{n}) does not follow its chain"
            prev = digest
        jobs: dict[str, list[dict[str, Any]]] = {}
        for job_id, dist_id, status, attempts, data, error in conn.execute(
                "SELECT id, distribution_id, status, attempts, data, last_error FROM print_job "
                "WHERE kind = 'receipt' ORDER BY id"):
            jobs.setdefault(dist_id, []).append({"id": job_id, "status": status,
                                                 "attempts": attempts, "data": bytes(data),
                                                 "last_error": error})
        on_hand = dict(conn.execute("SELECT credential_id, on_hand FROM stock_on_hand"))
        ledger = dict(conn.execute("SELECT credential_id, SUM(qty) FROM stock_movement "
                                   "GROUP BY credential_id"))
        per_claim = Counter((d["person_id"], d["credential_id"]) for d in dists.values())
        return cls(integrity, dists, issued, events, jobs, chain_ok, problem, on_hand, ledger,
                   outbox, per_claim)

    def incomplete(self) -> list[str]:
        """Hand-outs without exactly one of: their "issued" movement, their outbox event,
        their receipt's print job; and records of a hand-out that is not there."""
        wrong = []
        for dist_id in self.distributions:
            counts = (self.issued[dist_id], self.events[dist_id], len(self.jobs.get(dist_id, [])))
            if counts != (1, 1, 1):
                wrong.append(f"{dist_id}: movement, event, job = {counts}")
        for what, ids in (("movement", self.issued), ("event", self.events),
                          ("job", self.jobs)):
            wrong += [f"a {what} for {i}, which is not there" for i in ids
                      if i not in self.distributions]
        return wrong

    def stock_off_ledger(self) -> dict[int, tuple[int, int]]:
        """Pins whose on-hand stock is not the sum of their ledger: (on hand, ledger)."""
        credentials = set(self.on_hand) | set(self.ledger)
        return {c: (self.on_hand.get(c, 0), self.ledger.get(c, 0)) for c in credentials
                if self.on_hand.get(c, 0) != self.ledger.get(c, 0)}

    def job_statuses(self) -> Counter[str]:
        return Counter(j["status"] for jobs in self.jobs.values() for j in jobs)


def sending_jobs(database: Path) -> set[int]:
    """Receipt jobs in ``sending`` right now, read without touching the database: read-only,
    so that the next start finds the write-ahead log as the crash left it."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT id FROM print_job WHERE status = 'sending'")}
    finally:
        conn.close()


def at_once(n: int, fn: Callable[[int], T], timeout: float = 60.0) -> list[T]:
    """``fn(0) ... fn(n - 1)``, each in its own thread, released together by a barrier."""
    barrier = threading.Barrier(n)

    def run(i: int) -> T:
        barrier.wait(timeout=timeout)
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n), timeout=timeout))


def on_hand(database: Path, credential: str) -> int:
    """Pins of ``credential`` on hand, read from a running kiosk's database."""
    conn = sqlite3.connect(database, timeout=15)
    try:
        row = conn.execute("SELECT s.on_hand FROM stock_on_hand AS s JOIN credential AS c "
                           "ON c.id = s.credential_id WHERE c.name = ?", (credential,)).fetchone()
        return int(row[0]) if row else 0
    finally:
        conn.close()
