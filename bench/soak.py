"""Soak: 20,000 hand-outs over HTTP against one `kiosk serve` that prints and syncs (issue 11).

A seeded kiosk instance (migrations, the seed district of tests/factories.py and enough people
with four awards each for every hand-out, tests/stress/served.py) is enrolled with a real
district hub (`kiosk hub serve` on SQLite, holding the same catalogue and roster) and served
by `kiosk serve` as in the field: waitress (8 threads), the print worker printing every
receipt to the "file" printer (a folder, one file a receipt), the sync worker pushing the
outbox to the hub every ``--sync-seconds`` and pulling, the WAL checkpointer. One desk (a
designee, one keep-alive connection) scans an award and presses "Hand out pin", one award
after another; only the ``POST /hand-out`` is timed. Every 20th hand-out a ``GET /healthz``
(no database) is timed on the same connection: the baseline, through the same run.

Reported: hand-out latency p50/p95/p99 per window of ``--window`` (1,000) hand-outs, the first
window against the last; the kiosk server's resident memory (VmRSS from /proc) after the first
window and at the end, which should be within 10 % of each other; healthz at the start and the
end; receipts printed; events pushed and stored on the hub; and that the records agree at the
end (integrity, each hand-out complete, stock = ledger, the outbox chain, every event on the
hub once). Prints one JSON object; the exit status is 1 when a hand-out failed, the records do
not agree, or memory grew by more than 10 %.

    .venv/bin/python bench/soak.py
    .venv/bin/python bench/soak.py --hand-outs 2000 --window 200   # a short run
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan import code_revision, log  # noqa: E402
from tests import factories  # noqa: E402
from tests.stress.served import (  # noqa: E402
    KIOSK,
    Desk,
    Records,
    ServedKiosk,
    awards,
    build_instance,
    free_port,
    roster_rows,
)

OUT = ROOT / "bench" / "out" / "soak"
MEMORY_GROWTH_LIMIT = 0.10
HEALTHZ_EVERY = 20
BASELINE_PINGS = 300


def percentiles(seconds: list[float]) -> dict[str, float | int]:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"n": 0}

    def rank(p: float) -> float:  # nearest rank
        return round(ms[max(math.ceil(p / 100 * len(ms)) - 1, 0)], 2)

    return {"n": len(ms), "p50_ms": rank(50), "p95_ms": rank(95), "p99_ms": rank(99),
            "max_ms": round(ms[-1], 2)}


def run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd[3:])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


# --- the hub --------------------------------------------------------------------------------


class ServedHub:
    """`kiosk hub serve` on SQLite in a folder of its own, with the district's badge data and
    a building for the kiosk."""

    def __init__(self, folder: Path, badge_data: list[Path]) -> None:
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        self.env["KIOSK_HUB_INSTANCE_PATH"] = str(folder)
        run([*KIOSK, "hub", "init"], self.env)
        run([*KIOSK, "hub", "cache-import", *map(str, badge_data)], self.env)
        run([*KIOSK, "hub", "building", factories.BUILDING], self.env)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def code(self) -> str:
        return run([*KIOSK, "hub", "code", factories.BUILDING], self.env).splitlines()[-1]

    def start(self) -> None:
        import http.client

        with open(self.folder / "hub.log", "wb") as out:
            self.proc = subprocess.Popen([*KIOSK, "hub", "serve", "--host", "127.0.0.1",
                                          "--port", str(self.port)], env=self.env, cwd=ROOT,
                                         stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/v1/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the hub did not start:\n" + (self.folder / "hub.log").read_text())

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None

    def stored(self) -> dict[str, int]:
        with sqlite3.connect(self.folder / "hub.sqlite3", timeout=30) as conn:
            events, ids = conn.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM hub_event"
                                       ).fetchone()
            chains = dict(conn.execute("SELECT chain, COUNT(*) FROM hub_event GROUP BY chain"))
            hand_outs = conn.execute("SELECT COUNT(*) FROM hub_hand_out").fetchone()[0]
            exceptions = dict(conn.execute(
                "SELECT kind, COUNT(*) FROM hub_exception WHERE status = 'open' GROUP BY kind"))
        return {"events": events, "distinct_event_ids": ids, "chain": chains,
                "hand_outs": hand_outs, "open_exceptions": exceptions}


# --- the kiosk's side -----------------------------------------------------------------------


def setting(database: Path, key: str) -> str:
    with sqlite3.connect(database, timeout=30) as conn:
        row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return row[0] if row else ""


def waiting(database: Path) -> dict[str, int]:
    """Receipts not printed yet and events not acknowledged by the hub yet."""
    with sqlite3.connect(database, timeout=30) as conn:
        jobs = conn.execute("SELECT COUNT(*) FROM print_job WHERE status NOT IN "
                            "('printed', 'cancelled')").fetchone()[0]
        events = conn.execute("SELECT COUNT(*) FROM outbox_event WHERE status != 'sent'"
                              ).fetchone()[0]
    return {"receipts": jobs, "events": events}


def wait_for(what: str, done: Any, timeout: float) -> float:
    started = time.monotonic()
    while not done():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"gave up waiting for {what} after {timeout:g} s")
        time.sleep(0.5)
    return round(time.monotonic() - started, 1)


def ping(desk: Desk, n: int) -> list[float]:
    return [desk.healthz() for _ in range(n)]


def file_size_mib(*paths: Path) -> float:
    return round(sum(p.stat().st_size for p in paths if p.exists()) / 2**20, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hand-outs", type=int, default=20_000)
    parser.add_argument("--window", type=int, default=1000, help="hand-outs a window")
    parser.add_argument("--sync-seconds", type=float, default=30.0,
                        help="the sync worker's pause between syncs (SYNC_SECONDS)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    people = math.ceil(args.hand_outs / 4) + 10

    load_before = os.getloadavg()
    wall = time.perf_counter()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    instance = OUT / "kiosk"
    log(f"building a kiosk instance with {people * 4:,} awards")
    started = time.perf_counter()
    database = build_instance(instance, people, stock=args.hand_outs + 100)
    built = time.perf_counter() - started

    log("the hub: init, the same badge data, the building")
    data = instance / "district-data"
    full_roster = factories.write_csv(OUT / "roster.csv", factories.ROSTER_HEADER,
                                      factories.ROSTER + roster_rows(people))
    started = time.perf_counter()
    hub = ServedHub(OUT / "hub", [data / "catalogue.csv", full_roster])
    hub_built = time.perf_counter() - started
    hub.start()
    kiosk = ServedKiosk(instance, instance / "receipts", SYNC_WORKER=True,
                        SYNC_SECONDS=args.sync_seconds)
    desk: Desk | None = None
    try:
        run([*KIOSK, "enroll", "--hub", hub.url, "--code", hub.code()], kiosk.env())
        kiosk.start()
        log("waiting for the first sync (the district's badge data)")
        first_sync_s = wait_for("the first sync", lambda: setting(database, "sync:last_ok"),
                                600)
        desk = Desk(kiosk.port)
        desk.log_in_as("designee")
        order = awards(people)
        random.Random(args.seed).shuffle(order)
        healthz_start = ping(desk, BASELINE_PINGS)

        log(f"{args.hand_outs:,} hand-outs")
        latencies: list[float] = []
        healthz_during: list[float] = []
        outcomes: Counter[str] = Counter()
        memory: list[dict[str, Any]] = []
        windows: list[dict[str, Any]] = []
        receipts: set[str] = set()
        soak_started = time.perf_counter()
        awards_left = iter(order)
        while len(latencies) < args.hand_outs:
            award = next(awards_left)
            reason, form = desk.verdict(award)
            if reason != "ok":
                outcomes[f"scan_{reason}"] += 1
                continue
            began = time.perf_counter()
            answer = desk.press(form)
            latencies.append(time.perf_counter() - began)
            outcomes[answer.reason] += 1
            receipts.add(answer.receipt)
            n = len(latencies)
            if n % HEALTHZ_EVERY == 0:
                healthz_during.append(desk.healthz())
            if n % args.window == 0:
                elapsed = time.perf_counter() - soak_started
                mem = {"after_hand_outs": n, "seconds": round(elapsed, 1), **kiosk.memory()}
                memory.append(mem)
                windows.append({"hand_outs": f"{n - args.window + 1}-{n}",
                                **percentiles(latencies[-args.window:]),
                                "healthz": percentiles(
                                    healthz_during[-(args.window // HEALTHZ_EVERY):])})
                log(f"{n:,} hand-outs in {elapsed:.0f} s, p99 {windows[-1]['p99_ms']} ms, "
                    f"RSS {mem['rss_mib']} MiB, waiting {waiting(database)}")
        soak_seconds = time.perf_counter() - soak_started
        memory_at_end = kiosk.memory()
        healthz_end = ping(desk, BASELINE_PINGS)

        log("waiting for the last receipts to print and the last events to reach the hub")
        drained_s = wait_for("the print queue and the outbox to drain",
                             lambda: waiting(database) == {"receipts": 0, "events": 0},
                             args.sync_seconds * 4 + 120)
        memory_drained = kiosk.memory()
    finally:
        if desk is not None:
            desk.close()
        kiosk.stop()
        hub.stop()

    records = Records.read(database)
    on_hub = hub.stored()
    printed = list((instance / "receipts").glob("*.bin"))
    server_log = kiosk.log.read_text(errors="replace")
    first_rss = memory[0]["rss_mib"] if memory else None
    end_rss = memory_at_end["rss_mib"]
    growth = (end_rss - first_rss) / first_rss if first_rss and end_rss else None
    handed = outcomes.get("handed_out", 0)
    outbox_total = sum(records.outbox.values())
    checks = {
        "every_hand_out_acknowledged": handed == args.hand_outs,
        "receipt_numbers_unique": len(receipts) == handed,
        "integrity_ok": records.integrity == "ok",
        "each_hand_out_complete": not records.incomplete(),
        "stock_equals_ledger": not records.stock_off_ledger(),
        "outbox_chain_whole": records.chain_ok,
        "every_receipt_printed_once": len(printed) == len(records.distributions) == handed
        and records.job_statuses() == Counter({"printed": handed}),
        "every_event_on_the_hub_once": on_hub["events"] == on_hub["distinct_event_ids"]
        == outbox_total == records.outbox.get("sent", 0),
        "hub_chain_ok": set(on_hub["chain"]) == {"ok"},
        "memory_within_10_percent": growth is not None and growth <= MEMORY_GROWTH_LIMIT,
    }
    first, last = windows[0] if windows else {}, windows[-1] if windows else {}
    report = {
        "benchmark": "soak: hand-outs over HTTP with printing and sync (issue 11)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_revision(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "instance": {"people": people, "awards": people * 4, "built_in_s": round(built, 1),
                     "hub_set_up_in_s": round(hub_built, 1),
                     "first_sync_s": first_sync_s},
        "server": {"threads": 8, "print_worker": True, "printer": "file (a folder)",
                   "sync_worker": True, "sync_seconds": args.sync_seconds,
                   "hub": "kiosk hub serve (waitress) on SQLite"},
        "hand_outs": handed,
        "outcomes": dict(outcomes),
        "soak_seconds": round(soak_seconds, 1),
        "whole_run_seconds": round(time.perf_counter() - wall, 1),
        "hand_outs_per_s": round(handed / soak_seconds, 1) if soak_seconds else None,
        "hand_out_latency": {
            "all": percentiles(latencies),
            "first_window": first,
            "last_window": last,
            "last_over_first_p50": _ratio(last, first, "p50_ms"),
            "last_over_first_p95": _ratio(last, first, "p95_ms"),
            "last_over_first_p99": _ratio(last, first, "p99_ms"),
            "windows": windows,
        },
        "healthz": {"start": percentiles(healthz_start), "end": percentiles(healthz_end),
                    "during": percentiles(healthz_during)},
        "server_memory_mib": {
            "after_first_window": memory[0] if memory else None,
            "at_end": memory_at_end,
            "after_draining": memory_drained,
            "growth_from_first_window_to_end": round(growth, 4) if growth is not None else None,
            "limit": MEMORY_GROWTH_LIMIT,
            "samples": memory,
        },
        "receipts_printed": len(printed),
        "events": {"outbox": dict(records.outbox), "on_hub": on_hub,
                   "drained_after_s": drained_s},
        "database_mib": file_size_mib(database, database.with_name("kiosk.sqlite3-wal")),
        "server_log_errors": sum(1 for line in server_log.splitlines()
                                 if " ERROR " in line or line.startswith("Traceback")),
        "checks": checks,
        "pass": all(checks.values()),
    }
    print(json.dumps(report, indent=2))
    return 0 if report["pass"] else 1


def _ratio(a: dict[str, Any], b: dict[str, Any], key: str) -> float | None:
    return round(a[key] / b[key], 2) if a.get(key) and b.get(key) else None


if __name__ == "__main__":
    sys.exit(main())
