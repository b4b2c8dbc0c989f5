"""Benchmark the district hub on PostgreSQL (issue 5): many kiosks pushing at once, and a new
kiosk's first pull of a big district.

1. *Push*: ``--kiosks`` (50) kiosks, enrolled through the API, each push ``--events`` (2,000)
   hash-chained events (hand-outs of real district awards, with some voids and shipments) in
   batches of ``--batch`` (100), all at once, to ``kiosk hub serve`` (waitress) backed by
   PostgreSQL. Each kiosk is a thread of this process that paces itself so that all of them
   together offer ``--rate`` events a second (2,500), as kiosks syncing on a timer do; the hub
   must keep up. Measured: the events per second the hub took (every event stored exactly once
   is checked at the end), and the latency of each push. Targets: at least 2,000 events/s, push
   p99 at most 500 ms. With ``--flat-out`` the kiosks also push as fast as they can (each the
   next batch as soon as the last is answered): the hub's capacity, with its queueing latency.
2. *First pull*: a new kiosk (`kiosk init`, enrolled) pulls the whole district: ``--awards``
   (200,000) awards of 50,000 people, through ``kiosk.services.district.pull_all`` in a process
   of its own. Measured: the seconds it takes (target at most 10 s), and the kiosk's resident
   memory after each page (it must stay flat: one page in memory at a time).

Baseline in the same run: ``GET /api/v1/health`` on the same server (no database).

The hub's tables live in their own PostgreSQL schema (``bench_hub``), dropped and made again
at the start, so the ``test`` database the tests use is not touched. Prints one JSON object;
the exit status is 1 when a target is missed or an event was lost or stored twice.

    .venv/bin/python bench/hub.py
    .venv/bin/python bench/hub.py --kiosks 5 --events 200 --awards 5000   # a smoke run
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import math
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.sync.protocol import GENESIS, event_hash, public_key_text, time_text  # noqa: E402

OUT = ROOT / "bench" / "out" / "hub"
KIOSK = [sys.executable, "-c", "from kiosk.cli import main; main()"]
SCHEMA = "bench_hub"
CREDENTIALS = [("Understanding Trauma and the Brain", "2022-09-27", "true"),
               ("Finding Balance", "2022-09-27", "true"),
               ("Responding to Cultural Differences in Schools", "2022-11-18", "true"),
               ("Understanding Students Facing Challenges", "2022-11-18", "true"),
               ("Building Communication Skills", "2023-11-03", "false")]
PINNED = [c[0] for c in CREDENTIALS if c[2] == "true"]
TARGETS = {"events_per_s": 2000.0, "push_p99_ms": 500.0, "first_pull_s": 10.0}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def summary(seconds: list[float]) -> dict[str, float | int]:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"n": 0}

    def rank(p: float) -> float:
        return round(ms[max(math.ceil(p / 100 * len(ms)) - 1, 0)], 2)

    return {"n": len(ms), "p50_ms": rank(50), "p90_ms": rank(90), "p99_ms": rank(99),
            "max_ms": round(ms[-1], 2)}


# --- the hub --------------------------------------------------------------------------------


def database_url(base: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{SCHEMA}"


def fresh_schema(base: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()


def hub_env(url: str) -> dict[str, str]:
    return {**os.environ, "KIOSK_HUB_DATABASE_URL": url,
            "KIOSK_HUB_INSTANCE_PATH": str(OUT / "hub-instance")}


def write_district(folder: Path, awards: int, rng: random.Random) -> Path:
    """A catalogue and a roster of ``awards`` awards (four pins for each person)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "catalogue.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["credential", "released_on", "has_pin"])
        w.writerows(CREDENTIALS)
    people = math.ceil(awards / len(PINNED))
    with open(folder / "roster.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["employee_id", "name", "email", "building", "credential", "issued_on",
                    "award_id", "award_urls"])
        n = 0
        for person in range(people):
            for credential in PINNED:
                if n >= awards:
                    break
                award = uuid.UUID(int=rng.getrandbits(128), version=4)
                w.writerow([f"E{person:06d}", f"Person {person}", f"p{person}@district.example",
                            "", credential, "2023-05-01", f"urn:uuid:{award}",
                            f"https://api.badgr.io/public/assertions/{award.hex[:22]}"])
                n += 1
    return folder


def roster_awards(folder: Path) -> list[tuple[str, str, str]]:
    with open(folder / "roster.csv", newline="") as f:
        return [(r["award_id"], r["employee_id"], r["credential"]) for r in csv.DictReader(f)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_hub(env: dict[str, str], port: int, threads: int,
              processes: int = 1) -> subprocess.Popen[bytes]:
    log_file = open(OUT / "hub.log", "wb")  # noqa: SIM115  (kept open for the server's life)
    proc = subprocess.Popen([*KIOSK, "hub", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--threads", str(threads), "--processes", str(processes)],
                            env=env, stdout=log_file,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the hub did not start:\n" + (OUT / "hub.log").read_text()[-2000:])


def api(port: int, method: str, path: str, body: dict[str, Any] | None = None,
        token: str | None = None, conn: http.client.HTTPConnection | None = None
        ) -> tuple[int, dict[str, Any], float]:
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps({"protocol": 1, **(body or {})}).encode() if body is not None else None
    started = time.perf_counter()
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    return response.status, json.loads(raw or b"{}"), time.perf_counter() - started


# --- push -----------------------------------------------------------------------------------


def kiosk_events(kiosk: int, count: int, awards: list[tuple[str, str, str]],
                 rng: random.Random) -> list[dict[str, Any]]:
    events, prev, handed = [], GENESIS, []
    start = datetime(2026, 12, 1, 8, tzinfo=UTC) + timedelta(seconds=kiosk)
    for seq in range(1, count + 1):
        at = time_text(start + timedelta(seconds=seq * 7))
        if seq % 25 == 0:
            kind, payload = "stock_received", {"credential": rng.choice(PINNED), "qty": 40,
                                               "note": "box", "at": at}
        elif seq % 20 == 0 and handed:
            dist, credential = handed.pop(rng.randrange(len(handed)))
            kind, payload = "hand_out_voided", {"distribution_id": dist, "credential": credential,
                                                "reason": "mistake", "voided_at": at}
        else:
            award_id, employee, credential = awards.pop()
            dist = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            handed.append((dist, credential))
            kind, payload = "pin_handed_out", {
                "distribution_id": dist, "award_id": award_id, "employee_id": employee,
                "credential": credential, "building": f"Building {kiosk}", "staff": "Bench",
                "handed_out_at": at, "recorded_at": at, "receipt": f"B{kiosk}-{seq:05d}",
                "source": "scan", "format": "id", "new_award": False}
        event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        digest = event_hash(prev, event_id, seq, kind, payload, at)
        events.append({"id": event_id, "seq": seq, "kind": kind, "payload": payload,
                       "created_at": at, "prev_hash": prev, "hash": digest})
        prev = digest
    return events


def push_all(port: int, kiosks: list[dict[str, Any]], batch: int, rate: float | None,
             health: list[float]) -> dict[str, Any]:
    """Every kiosk pushes its events; paced when ``rate`` (events/s for all) is given."""
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    errors: list[str] = []
    lock = threading.Lock()
    pause = (batch * len(kiosks) / rate) if rate else 0.0
    barrier = threading.Barrier(len(kiosks) + 1)

    def run(k: dict[str, Any], offset: float) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        events = k["events"]
        barrier.wait()
        due = time.perf_counter() + offset
        for start in range(0, len(events), batch):
            if pause:
                time.sleep(max(due - time.perf_counter(), 0))
                due += pause
            body = {"kiosk_id": k["id"], "sent_at": time_text(datetime.now(UTC)),
                    "events": events[start:start + batch]}
            try:
                status, answer, seconds = api(port, "POST", "/api/v1/events", body, k["token"],
                                              conn)
            except OSError as exc:
                with lock:
                    errors.append(str(exc))
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            with lock:
                latencies.append(seconds)
                if status != 200:
                    errors.append(f"HTTP {status}: {answer}")
                    continue
                for result in answer["results"]:
                    outcomes[result["status"]] = outcomes.get(result["status"], 0) + 1

    stop = threading.Event()

    def ping() -> None:  # the baseline, through the same server while it works
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not stop.wait(0.05):
            _, _, seconds = api(port, "GET", "/api/v1/health", conn=conn)
            health.append(seconds)

    threads = [threading.Thread(target=run, args=(k, (i / len(kiosks)) * pause))
               for i, k in enumerate(kiosks)]
    pinger = threading.Thread(target=ping)
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    pinger.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    stop.set()
    pinger.join()
    total = sum(len(k["events"]) for k in kiosks)
    return {"events": total, "seconds": round(seconds, 2),
            "events_per_s": round(total / seconds, 1), "offered_events_per_s": rate,
            "push": summary(latencies), "outcomes": outcomes, "errors": errors[:5],
            "error_count": len(errors)}


# --- first pull -----------------------------------------------------------------------------

PULL = r"""
import json, os, sys, time
from kiosk import create_app
from kiosk.services import district

def rss():
    for line in open(f"/proc/{os.getpid()}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
app = create_app({"PRINT_WORKER": False, "SYNC_WORKER": False})
samples = []
apply_page = district.apply_page
def sampled(*args):
    apply_page(*args)
    samples.append(round(rss(), 1))
district.apply_page = sampled
with app.app_context():
    before = rss()
    started = time.perf_counter()
    report = district.sync_once(timeout=120)
    seconds = time.perf_counter() - started
    from sqlalchemy import func, select
    from kiosk.extensions import db
    from kiosk.models import Award, AwardKey, Person
    counts = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
              for m in (Award, AwardKey, Person)}
print(json.dumps({"seconds": round(seconds, 2), "pulled": report.pulled, "error": report.error,
                  "rss_before_mib": round(before, 1), "rss_after_each_page_mib": samples,
                  "cache": counts}))
"""


def first_pull(port: int, env: dict[str, str], building_name: str) -> dict[str, Any]:
    from kiosk.sync.hub import create_hub_app
    from kiosk.sync.hub.services import enrollment

    folder = OUT / building_name.lower().replace(" ", "-")
    shutil.rmtree(folder, ignore_errors=True)
    kenv = {**os.environ, "KIOSK_INSTANCE_PATH": str(folder)}
    subprocess.run([*KIOSK, "init", "--building", building_name, "--admin", "Ada Admin",
                    "--pin", "1234"], env=kenv, check=True, stdout=subprocess.DEVNULL)
    os.environ.update({k: v for k, v in env.items() if k.startswith("KIOSK_HUB_")})
    app = create_hub_app()
    with app.app_context():
        building = enrollment.add_building(building_name)
        code = enrollment.new_code(building.id, None).code
    subprocess.run([*KIOSK, "enroll", "--hub", f"http://127.0.0.1:{port}", "--code", code],
                   env=kenv, check=True, stdout=subprocess.DEVNULL)
    done = subprocess.run([sys.executable, "-c", PULL], env=kenv, capture_output=True,
                          text=True, check=True, cwd=ROOT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    pages = result["rss_after_each_page_mib"]
    result["rss_first_page_mib"] = pages[0] if pages else None
    result["rss_peak_mib"] = max(pages) if pages else None
    result["rss_growth_after_first_page_mib"] = round(max(pages) - pages[0], 1) if pages else None
    result["pages"] = len(pages)
    result["rss_after_each_page_mib"] = pages[:: max(len(pages) // 10, 1)]  # ten samples
    return result


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--events", type=int, default=2000, help="per kiosk")
    parser.add_argument("--batch", type=int, default=200, help="events a push (as the kiosk sends)")
    parser.add_argument("--rate", type=float, default=2200.0,
                        help="events/s all kiosks offer together in the paced push")
    parser.add_argument("--flat-out", action="store_true",
                        help="also push as fast as the kiosks can (the hub's capacity)")
    parser.add_argument("--awards", type=int, default=200_000)
    parser.add_argument("--threads", type=int, default=16, help="the hub's waitress threads")
    parser.add_argument("--processes", type=int, default=1, help="the hub's server processes")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    needed = args.kiosks * args.events * (2 if args.flat_out else 1)
    if needed > args.awards:
        raise SystemExit(f"{needed} hand-outs need at least that many awards (--awards)")
    rng = random.Random(args.seed)
    load_before = os.getloadavg()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    url = database_url(args.database_url)
    env = hub_env(url)
    fresh_schema(args.database_url)
    subprocess.run([*KIOSK, "hub", "init"], env=env, check=True, stdout=subprocess.DEVNULL)

    log(f"importing a district of {args.awards:,} awards into the hub")
    district = write_district(OUT / "district", args.awards, rng)
    started = time.perf_counter()
    subprocess.run([*KIOSK, "hub", "cache-import", str(district / "catalogue.csv"),
                    str(district / "roster.csv")], env=env, check=True, stdout=subprocess.DEVNULL)
    import_seconds = time.perf_counter() - started
    awards = roster_awards(district)
    rng.shuffle(awards)

    port = free_port()
    hub = serve_hub(env, port, args.threads, args.processes)
    try:
        log(f"first pull of {args.awards:,} awards by a new kiosk")
        pull = first_pull(port, env, "New Building")
        log(f"enrolling {args.kiosks} kiosks")
        os.environ.update({k: v for k, v in env.items() if k.startswith("KIOSK_HUB_")})
        from cryptography.hazmat.primitives.asymmetric import ed25519

        from kiosk.sync.hub import create_hub_app
        from kiosk.sync.hub.services import enrollment

        hub_app = create_hub_app()
        kiosks = []
        with hub_app.app_context():
            for k in range(args.kiosks):
                building = enrollment.add_building(f"Building {k}")
                code = enrollment.new_code(building.id, None).code
                status, answer, _ = api(port, "POST", "/api/v1/enroll", {
                    "code": code, "building": building.name, "kiosk_name": f"kiosk {k}",
                    "public_key": public_key_text(ed25519.Ed25519PrivateKey.generate()
                                                  .public_key())})
                assert status == 201, answer
                kiosks.append({"id": answer["kiosk_id"], "token": answer["token"],
                               "events": kiosk_events(k, args.events, awards, rng)})
        health: list[float] = []
        log(f"paced push: {args.kiosks} kiosks x {args.events} events at {args.rate:g} events/s")
        paced = push_all(port, kiosks, args.batch, args.rate, health)
        paced["health"] = summary(health)
        flat = None
        if args.flat_out:
            for k, kiosk in enumerate(kiosks):
                kiosk["events"] = [dict(e) for e in kiosk_events(1000 + k, args.events, awards,
                                                                  rng)]
                # the second run continues each kiosk's chain after its first one
                first = kiosk["events"]
                prev = hub_last(hub_app, kiosk["id"])
                rechain(first, prev[0], prev[1])
            health = []
            log("flat-out push")
            flat = push_all(port, kiosks, args.batch, None, health)
            flat["health"] = summary(health)
        stored = hub_counts(hub_app)
        log("first pull again, by another new kiosk, after the pushes: with every building's "
            "hand-outs too")
        pull_after = first_pull(port, env, "Late Building")
    finally:
        hub.terminate()
        hub.wait(timeout=30)

    expected_events = args.kiosks * args.events * (2 if args.flat_out else 1)
    exactly_once = stored["events"] == expected_events and stored["duplicate_ids"] == 0
    met = {
        "events_per_s": paced["events_per_s"] >= TARGETS["events_per_s"],
        "push_p99_ms": paced["push"].get("p99_ms", 1e9) <= TARGETS["push_p99_ms"],
        "first_pull_s": pull["seconds"] <= TARGETS["first_pull_s"] and not pull["error"],
    }
    report = {
        "benchmark": "district hub on PostgreSQL (issue 5)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_revision(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "postgresql": pg_version(args.database_url),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "hub": {"server": f"kiosk hub serve (waitress, {args.processes} process(es) of "
                          f"{args.threads} threads)",
                "district_awards": args.awards, "import_seconds": round(import_seconds, 1)},
        "push_paced": paced,
        "push_flat_out": flat,
        "stored": stored,
        "exactly_once": exactly_once,
        "first_pull": pull,
        "first_pull_after_the_pushes": pull_after,
        "targets": TARGETS,
        "met": met,
        "pass": exactly_once and all(met.values()),
    }
    print(json.dumps(report, indent=2))
    return 0 if report["pass"] else 1


def rechain(events: list[dict[str, Any]], seq: int, prev: str) -> None:
    for event in events:
        seq += 1
        event["seq"], event["prev_hash"] = seq, prev
        event["hash"] = event_hash(prev, event["id"], seq, event["kind"], event["payload"],
                                   event["created_at"])
        prev = event["hash"]


def hub_last(app: Any, kiosk_id: str) -> tuple[int, str]:
    from sqlalchemy import select

    from kiosk.sync.hub.extensions import hub_db
    from kiosk.sync.hub.models import HubEvent

    with app.app_context():
        row = hub_db.session.execute(select(HubEvent.seq, HubEvent.hash)
                                     .where(HubEvent.kiosk_id == kiosk_id)
                                     .order_by(HubEvent.seq.desc()).limit(1)).first()
        hub_db.session.remove()
    return (row[0], row[1]) if row else (0, GENESIS)


def hub_counts(app: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from kiosk.sync.hub.extensions import hub_db
    from kiosk.sync.hub.models import HubEvent, HubException, HubHandOut

    with app.app_context():
        s = hub_db.session
        events = s.scalar(select(func.count()).select_from(HubEvent)) or 0
        distinct = s.scalar(select(func.count(func.distinct(HubEvent.id)))) or 0
        chain_ok = s.scalar(select(func.count()).where(HubEvent.chain == "ok")) or 0
        out = {"events": int(events), "duplicate_ids": int(events - distinct),
               "chain_ok": int(chain_ok),
               "hand_outs": int(s.scalar(select(func.count()).select_from(HubHandOut)) or 0),
               "open_exceptions": int(s.scalar(select(func.count()).select_from(HubException)
                                               .where(HubException.status == "open")) or 0)}
        hub_db.session.remove()
    return out


def pg_version(url: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        version = str(conn.execute(sa.text("SHOW server_version")).scalar())
    engine.dispose()
    return version


def code_revision() -> str | None:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+changes" if dirty.strip() else "")


if __name__ == "__main__":
    sys.exit(main())
