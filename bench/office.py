"""Benchmark the office's hand-out log over real HTTP on 100,000 hand-outs (issue 13).

Builds an instance once per size and schema (cached under bench/out/instances/, like
bench/scan.py): ``kiosk init``, then bulk inserts of bench/scan.py's ``District`` (awards,
hand-outs with their "issued" movements and events, 1% voided) with names drawn as
bench/lookup.py draws them (Zipf-weighted common names, accents, hyphens, apostrophes), 3% of
the hand-outs made by manual lookup, a few by the administrator, and the ``person_word`` index.
Serves a copy with ``kiosk serve`` (waitress, 8 threads, the "none" printer, no print worker)
on 127.0.0.1 and measures, one request at a time over one keep-alive connection, logged in as
office staff (and, for "my hand-outs", as a designee), each request as htmx sends it:

* ``log_page``: ``GET /log`` pages: the newest, and pages deep in the log (a keyset cursor
  anywhere in it), unfiltered and filtered by pin, by staff member (a busy one and one with a
  few hand-outs), by a date range, voided only, manual only, and a designee's own log;
* ``name_search``: ``GET /log?q=...`` typed a key at a time from the second character (a last
  name, a first name, a name and the start of the other): what the office waits for while
  typing;
* ``csv``: ``GET /log.csv``, the whole log streamed (about 100,000 rows), a few times, each
  after the same rows and joins read whole by SQLite in this process (its baseline); the
  server's resident memory is read every 20 ms meanwhile (``/proc/<pid>/status``);
* ``report_pdf``: ``GET /reports/period.pdf`` for the period holding about the newest 10,000
  hand-outs (``--report-hand-outs``), a few times (``--reports``), each followed by
  ``GET /healthz`` on the same server (bench/office_report.py);
* baselines, interleaved: ``GET /healthz`` (no session, no database) and ``GET /scan`` as htmx
  (``http_page``: logged in, the idle verdict fragment) on the same server.

Targets: log page and name search p95 at most 50 ms; the CSV at most 2 s, with the server's
memory during it at most 8 MiB over what it was before (the file is 24 MiB); the period
report's PDF over 10,000 hand-outs at most 3 s. Prints one JSON
object; the exit status is 1 when a target is missed, a request failed or a page was not what
was asked.

    .venv/bin/python bench/office.py
    .venv/bin/python bench/office.py --hand-outs 5000 --pages 200 --searches 200 --csv 1
    .venv/bin/python bench/office.py --hand-outs 2000 --awards 6000 --pages 20 --searches 20 \
        --csv 1 --baseline 20 --reports 1 --report-hand-outs 1000      # a smoke run
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lookup import summary, typed  # noqa: E402
from office_instance import OFFICE, cached_instance, log, query_plans  # noqa: E402
from office_report import TARGET_PDF_S, measure_reports, report_period  # noqa: E402
from scan import (  # noqa: E402
    ADMIN,
    DESIGNEES,
    OUT,
    Browser,
    code_revision,
    describe,
    kiosk_server,
    memory_mib,
    ratio,
)

TARGET_P95_MS = 50.0
TARGET_CSV_S = 2.0
TARGET_CSV_GROWTH_MIB = 8.0  # the export is 24 MiB: its rows never all in memory
WARM_UP = 30
_OLDER = re.compile(r'id="log-older" href="(/log\?[^"]*)"')
_ROW = re.compile(r'<tr id="hand-out-')
# the baseline for the CSV: the same rows and joins, read whole by SQLite in this process
READ_ALL = ("SELECT d.*, p.name, p.employee_id, c.name, s.name, b.name, v.voided_at, v.reason "
            "FROM distribution AS d JOIN person AS p ON p.id = d.person_id "
            "JOIN credential AS c ON c.id = d.credential_id "
            "JOIN staff_user AS s ON s.id = d.staff_user_id "
            "JOIN building AS b ON b.id = d.building_id "
            "LEFT JOIN void AS v ON v.distribution_id = d.id "
            "ORDER BY d.handed_out_at, d.receipt_no")
_PERSON = re.compile(r'<td>[^<]*<span class="muted nowrap">([^<]*)</span>')


# --- what to ask ---------------------------------------------------------------------------


def plan(db_path: Path, args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    """The pages (kind, address), the searches as typed (kind, text, the employee number it
    must find only, or None) and the staff ids, read from the instance."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        last = conn.execute("SELECT max(receipt_no) FROM distribution").fetchone()[0]
        staff = dict(conn.execute("SELECT name, id FROM staff_user"))
        first_day, last_day = (datetime.fromisoformat(d).date() for d in conn.execute(
            "SELECT min(handed_out_at), max(handed_out_at) FROM distribution").fetchone())
        people = [dict(zip(("id", "employee_id", "name", "email"), row, strict=True))
                  for row in conn.execute("SELECT id, employee_id, name, email FROM person "
                                          "WHERE id IN (SELECT person_id FROM distribution) "
                                          "ORDER BY random() LIMIT 2000")]

    def deep() -> dict[str, Any]:
        return {"after": rng.randint(2, last)}

    def week() -> dict[str, Any]:
        start = first_day + timedelta(days=rng.randint(0, (last_day - first_day).days))
        return {"from": start.isoformat(), "to": (start + timedelta(days=6)).isoformat()}

    kinds = {
        "newest": lambda: {}, "deep": deep,
        "pin": lambda: {"pin": rng.randint(1, 4), **deep()},
        "staff_busy": lambda: {"staff": staff[DESIGNEES[1][0]], **deep()},
        "staff_few": lambda: {"staff": staff[ADMIN[0]]},
        "week": week, "voided": lambda: {"show": "voided", **deep()},
        "manual": lambda: {"show": "manual", **deep()}, "mine": deep,
    }
    pages = [(kind, "/log?" + urlencode(kinds[kind]()))
             for kind in rng.choices(list(kinds), k=args.pages + WARM_UP)]
    searches: list[tuple[str, str, str | None]] = []
    while len(searches) < args.searches + WARM_UP:
        person = rng.choice(people)
        kind, texts, _ = typed(person, rng)
        sure = person["employee_id"] if kind == "employee number" else None
        searches += [(kind, t, sure if n == len(texts) - 1 else None)
                     for n, t in enumerate(texts)]
    return {"pages": pages, "searches": searches[:args.searches + WARM_UP], "db": db_path}


# --- measuring ---------------------------------------------------------------------------


class Memory(threading.Thread):
    """The server's resident memory every 20 ms while it runs: the highest seen."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            self.peak = max(self.peak, memory_mib(self.pid)["rss_mib"] or 0.0)


def measure(office: Browser, desk: Browser, anonymous: Browser, pid: int, the: dict[str, Any],
            args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    times: dict[str, list[float]] = {"log_page": [], "name_search": [], "healthz": [],
                                     "http_page": []}
    by_kind: dict[str, list[float]] = {}
    wrong: list[str] = []
    older: list[str] = []  # the "Older" links the pages gave: followed as paging does

    def get(client: Browser, path: str, kind: str, label: str) -> str:
        status, body, elapsed = client.request("GET", path, htmx=True)
        times[label].append(elapsed)
        by_kind.setdefault(f"{label}:{kind}", []).append(elapsed)
        if status != 200 or len(_ROW.findall(body)) > 50:
            wrong.append(f"{path}: HTTP {status}")
        return body

    warm = [p for _, p in the["pages"][:WARM_UP]]
    warm += ["/log?" + urlencode({"q": t}) for _, t, _ in the["searches"][:WARM_UP]]
    for path in warm:
        office.request("GET", path, htmx=True)
    ops = ["page"] * args.pages + ["search"] * args.searches + ["healthz", "http_page"] * \
        args.baseline
    rng.shuffle(ops)
    pages, searches = iter(the["pages"][WARM_UP:]), iter(the["searches"][WARM_UP:])
    for op in ops:
        if op == "page":
            kind, path = next(pages)
            if kind == "deep" and older and rng.random() < 0.5:
                kind, path = "older_link", older.pop()
            body = get(desk if kind == "mine" else office, path, kind, "log_page")
            older += [html.unescape(m) for m in _OLDER.findall(body)][:1]
        elif op == "search":
            kind, text_, sure = next(searches)
            body = get(office, "/log?" + urlencode({"q": text_}), kind, "name_search")
            if sure and sure not in _PERSON.findall(body):
                wrong.append(f"{text_!r} did not find {sure}")
        elif op == "healthz":
            times["healthz"].append(anonymous.request("GET", "/healthz", cookies=False)[2])
        else:
            times["http_page"].append(office.request("GET", "/scan", htmx=True)[2])
    log(f"{args.csv} CSV exports of the whole log, each after the same rows read by SQLite")
    csv_runs = []
    for _ in range(args.csv):
        started = time.perf_counter()
        with sqlite3.connect(f"file:{the['db']}?mode=ro", uri=True) as conn:
            read = len(conn.execute(READ_ALL).fetchall())
        sqlite_s = time.perf_counter() - started
        before = memory_mib(pid)["rss_mib"] or 0.0
        watch = Memory(pid)
        watch.start()
        status, body, elapsed = office.request("GET", "/log.csv")
        watch.stop.set()
        watch.join()
        csv_runs.append({"s": round(elapsed, 3), "sqlite_read_s": round(sqlite_s, 3),
                         "over_sqlite_read": round(elapsed / sqlite_s, 1),
                         "rows": body.count("\r\n") - 1, "sqlite_rows": read,
                         "mib": round(len(body.encode()) / 2**20, 1), "status": status,
                         "rss_before_mib": before, "rss_peak_mib": watch.peak,
                         "growth_mib": round(max(watch.peak - before, 0.0), 1)})
    return {"times": times, "by_kind": by_kind, "wrong": wrong, "csv": csv_runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--awards", type=int, default=260_000)
    parser.add_argument("--hand-outs", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=1_000)
    parser.add_argument("--searches", type=int, default=1_000)
    parser.add_argument("--csv", type=int, default=3, help="whole-log CSV exports")
    parser.add_argument("--baseline", type=int, default=500, help="requests of each baseline")
    parser.add_argument("--reports", type=int, default=5, help="period report PDFs")
    parser.add_argument("--report-hand-outs", type=int, default=10_000,
                        help="about how many hand-outs the period report's period holds")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached instance")
    args = parser.parse_args()
    awards = max(args.awards, round(args.hand_outs * 2.6))

    load_before = os.getloadavg()
    started = time.perf_counter()
    cached, was_cached = cached_instance(awards, args.hand_outs, args.seed, args.rebuild)
    ready = round(time.perf_counter() - started, 1)
    run = OUT / "run-office"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(cached, run)
    rng = random.Random(f"run-{args.seed}")
    the = plan(run / "kiosk.sqlite3", args, rng)
    with kiosk_server(run, False) as (pid, port):
        memory_at_start = memory_mib(pid)
        office, desk, anonymous = Browser(port), Browser(port), Browser(port)
        office.log_in(*OFFICE)
        desk.log_in(*DESIGNEES[0])
        log(f"{args.pages} log pages, {args.searches} searches as typed, {args.baseline} of "
            "each baseline")
        m = measure(office, desk, anonymous, pid, the, args, rng)
        log(f"{args.reports} period report PDFs over about {args.report_hand_outs:,} hand-outs")
        reports = measure_reports(office, anonymous, report_period(run / "kiosk.sqlite3",
                                                                   args.report_hand_outs),
                                  args.reports)
        memory_at_end = memory_mib(pid)
    instance = {**describe(run / "kiosk.sqlite3"), "cached": was_cached, "ready_in_s": ready}
    with sqlite3.connect(run / "kiosk.sqlite3") as conn:
        instance["manual"] = conn.execute(
            "SELECT count(*) FROM distribution WHERE manual_reason != ''").fetchone()[0]

    t = {name: summary(values) for name, values in m["times"].items()}
    csv_worst = max(m["csv"], key=lambda r: r["s"])
    targets = {
        "log_page_p95_ms": (TARGET_P95_MS, t["log_page"]["p95_ms"]),
        "name_search_p95_ms": (TARGET_P95_MS, t["name_search"]["p95_ms"]),
        "csv_s": (TARGET_CSV_S, csv_worst["s"]),
        "csv_server_memory_growth_mib": (TARGET_CSV_GROWTH_MIB,
                                         max(r["growth_mib"] for r in m["csv"])),
        "report_pdf_s": (TARGET_PDF_S, round(max(reports["pdf_s"], default=0.0), 3)),
    }
    checks = {name: {"target": limit, "measured": value, "pass": value <= limit}
              for name, (limit, value) in targets.items()}
    complete = all(r["rows"] == r["sqlite_rows"] == instance["distribution"] and r["status"] == 200
                   for r in m["csv"])
    report = {
        "benchmark": "the office's hand-out log over HTTP: pages, searches as typed, the CSV "
                     "export (issue 13)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_revision(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "instance": instance,
        "server": {"threads": 8, "printer_backend": "none", "memory_at_start": memory_at_start,
                   "memory_at_end": memory_at_end},
        **t,
        "by_kind": {k: summary(v) for k, v in sorted(m["by_kind"].items())},
        "csv": m["csv"],
        "report_pdf": {**{k: v for k, v in reports.items() if not k.endswith("_s")},
                       "pdf": summary(reports["pdf_s"]),
                       "healthz_beside": summary(reports["healthz_s"])},
        "ratios": {f"{a}_{p}_over_{b}_{p}": ratio(t[a], t[b], f"{p}_ms")
                   for a in ("log_page", "name_search") for b in ("healthz", "http_page")
                   for p in ("p50", "p95")},
        "wrong": m["wrong"][:20],
        "query_plans": query_plans(run),
        "targets": checks,
        "pass": (all(c["pass"] for c in checks.values()) and not m["wrong"] and complete
                 and reports["ok"]),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if report["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
