"""Benchmark the district hub's hand-out log and a person's page on PostgreSQL (issue 14).

Builds, in SQL (``INSERT ... SELECT generate_series``, seconds even at full size), a district
of ``--scale`` x (200 buildings with a kiosk each, 2,000,000 awards of 500,000 people, four
pins each, 1,000,000 hand-outs over about a year, three at each moment, 1% voided, 3% by
manual lookup), with names drawn from 50 first and 100 last names (so a last name matches
about 5,000 people: a search's slow path) and the words people are found under; runs the
hub's migrations first (``kiosk hub init``), so its indexes are the ones h0007 makes, and works
out who is owed (``kiosk hub owed --recount``: the hub keeps it as records arrive). Serves
it with ``kiosk hub serve`` (waitress) and measures, one request at a time over one keep-alive
connection, logged in as a district admin, each request as htmx sends it:

* ``log_page``: ``GET /hand-outs``, the newest page and pages anywhere in the log (a keyset
  cursor), unfiltered and by building, pin, voided only, manual only, a date range;
* ``search``: ``GET /hand-outs?q=...``, names typed a key at a time from the second
  character, employee numbers, receipts;
* ``person``: ``GET /people/<employee_id>``;
* ``owed``: ``GET /owed`` (the district), its CSV (whose figures must be those counted here in
  SQL from the awards and hand-outs) and one building, five times each;
* baseline, interleaved: ``GET /api/v1/health`` on the same server (no session, no database).

Targets: log page and search p95 at most 100 ms, a person's page p95 at most 50 ms, what is
still owed at most 2 s. The
tables live in their own schema (``bench_hub_pages``), made again at each run. Prints one JSON
object; the exit status is 1 when a target is missed or a page was not what was asked.

    .venv/bin/python bench/hub_pages.py                      # full size (the lead's run)
    .venv/bin/python bench/hub_pages.py --scale 0.01 --requests 100   # a smoke run
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hub import (  # noqa: E402
    KIOSK,
    OUT,
    code_revision,
    free_port,
    log,
    pg_version,
    serve_hub,
    summary,
)

SCHEMA = "bench_hub_pages"
TARGETS = {"log_page_p95_ms": 100.0, "search_p95_ms": 100.0, "person_p95_ms": 50.0,
           "owed_max_s": 2.0}
OWED = ("/owed", "/owed.csv", "/owed?building=School%207")  # the report, its CSV, one building
ADMIN, PIN = "Bench Admin", "2468"
PINS = ["Understanding Trauma and the Brain", "Finding Balance",
        "Responding to Cultural Differences in Schools",
        "Understanding Students Facing Challenges"]
FIRST = ["Maria", "James", "Linda", "Robert", "Patricia", "John", "Jennifer", "Michael",
         "Elizabeth", "David", "Barbara", "William", "Susan", "Richard", "Jessica", "Joseph",
         "Sarah", "Thomas", "Karen", "Charles", "Nancy", "Christopher", "Lisa", "Daniel",
         "Betty", "Matthew", "Margaret", "Anthony", "Sandra", "Mark", "Ashley", "Donald",
         "Kimberly", "Steven", "Emily", "Paul", "Donna", "Andrew", "Michelle", "Joshua",
         "Dorothy", "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George",
         "Deborah", "Zoë"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
        "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
        "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
        "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
        "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
        "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter",
        "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz",
        "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook",
        "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed",
        "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks",
        "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price",
        "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster",
        "O'Brien"]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


def build(base: str, url: str, env: dict[str, str], scale: float) -> dict[str, int]:
    """The district, in SQL, after the hub's own migrations."""
    import subprocess

    import sqlalchemy as sa

    buildings = max(2, round(200 * scale))
    people = max(10, round(500_000 * scale))
    hand_outs = max(100, round(1_000_000 * scale))
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    subprocess.run([*KIOSK, "hub", "init", "--admin", ADMIN, "--pin", PIN], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    person = "'E' || lpad(p::text, 7, '0')"
    name = (f"({_array(FIRST)})[1 + p % {len(FIRST)}] || ' ' || "
            f"({_array(LAST)})[1 + (p / {len(FIRST)}) % {len(LAST)}]")
    pins = _array(PINS)
    steps = [
        "INSERT INTO hub_credential (id, name, name_key, released_on, has_pin, pin_name) "
        f"SELECT c, ({pins})[c], lower(({pins})[c]), date '2022-09-27', true, '' "
        "FROM generate_series(1, 4) c",
        "INSERT INTO hub_building (id, name, name_key, created_at) SELECT g, 'School ' || g, "
        f"'school ' || g, now() FROM generate_series(1, {buildings}) g",
        "INSERT INTO hub_kiosk (id, building_id, name, token_hash, public_key, enrolled_at, "
        "last_seq, last_hash) SELECT 'k' || lpad(g::text, 35, '0'), g, 'Front office', "
        "md5('t' || g) || md5('u' || g), 'ed25519:bench', now(), 0, '' "
        f"FROM generate_series(1, {buildings}) g",
        "INSERT INTO hub_award (id, employee_id, person_name, email, building, credential_id, "
        "issued_on, revoked, revocation_reason, aliases, updated_at) "
        f"SELECT 'urn:uuid:' || md5('a' || (p * 4 + c))::uuid, {person}, {name}, "
        "'p' || p || '@district.example', 'School ' || (p % " + str(buildings) + " + 1), c + 1, "
        "date '2023-05-01', false, '', '', now() "
        f"FROM generate_series(0, {people - 1}) p, generate_series(0, 3) c",
        # the words kiosk/domain/search_words.py gives: each of the name, the employee number
        # whole and its digits (the email's words left out: not searched here)
        "INSERT INTO hub_person_word (word, employee_id) SELECT DISTINCT w, e FROM ("
        f"SELECT {person} AS e, lower({name}) AS n, p FROM generate_series(0, {people - 1}) p"
        ") s, LATERAL (SELECT unnest(string_to_array(regexp_replace(n, '[^[:alnum:] ]', ' ', "
        "'g'), ' ')) UNION SELECT lower(e) "
        "UNION SELECT lpad(p::text, 7, '0')) AS words(w) WHERE w <> ''",
        "INSERT INTO hub_hand_out (id, event_id, kiosk_id, building_id, award_id, employee_id, "
        "credential, handed_out_at, receipt, staff, voided_at, void_reason, manual_reason) "
        "SELECT md5('h' || g)::uuid::text, md5('e' || g)::uuid::text, "
        "'k' || lpad(b::text, 35, '0'), b, 'urn:uuid:' || md5('a' || (p * 4 + c))::uuid, "
        f"{person}, ({pins})[c + 1], at, 'S' || lpad(b::text, 3, '0') || '-' || "
        f"lpad((g / {buildings} + 1)::text, 5, '0'), 'Dee Designee', "
        "CASE WHEN g % 100 = 0 THEN at + interval '1 hour' END, "
        "CASE WHEN g % 100 = 0 THEN 'wrong person' ELSE '' END, "
        "CASE WHEN g % 33 = 0 THEN 'QR code torn' ELSE '' END "
        f"FROM (SELECT g, 1 + g % {buildings} AS b, (g::bigint * 7919) % {people} AS p, "
        "g % 4 AS c, "
        "now() - (g / 3) * interval '30 seconds' AS at "
        f"FROM generate_series(0, {hand_outs - 1}) g) s",
    ]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for sql in steps:
            started = time.perf_counter()
            conn.execute(sa.text(sql))
            log(f"{sql[:60]}... {time.perf_counter() - started:.1f} s")
    engine.dispose()
    # who is owed is kept by the hub as awards and hand-outs arrive; rows made in SQL above
    # came in behind its back, so it works them out as `kiosk hub owed --recount` does
    started = time.perf_counter()
    subprocess.run([*KIOSK, "hub", "owed", "--recount"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    recount_s = time.perf_counter() - started
    log(f"kiosk hub owed --recount ... {recount_s:.1f} s")
    # the tables at rest, as PostgreSQL's autovacuum leaves them on a hub that has run a while
    # (and the hub after a big roster import): without it, an index-only scan still reads
    # each row from the table to see that it is visible, and a name search reads thousands
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        started = time.perf_counter()
        conn.execute(sa.text("VACUUM (ANALYZE)"))
        log(f"VACUUM (ANALYZE) ... {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return {"buildings": buildings, "people": people, "awards": people * 4,
            "hand_outs": hand_outs, "recount_s": round(recount_s, 1)}


def owed_afresh(url: str) -> dict[str, int]:
    """Per pin, the people owed it, counted here in SQL from the awards and hand-outs (not by
    the hub's code): what the report must say."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = {name: int(n) for name, n in conn.execute(sa.text(
            "SELECT c.name, count(*) FROM (SELECT DISTINCT a.employee_id, a.credential_id, "
            "a.building FROM hub_award a JOIN hub_credential c ON c.id = a.credential_id "
            "WHERE c.has_pin AND NOT a.revoked AND NOT EXISTS (SELECT 1 FROM hub_hand_out h "
            "WHERE h.employee_id = a.employee_id AND h.credential = c.name "
            "AND h.voided_at IS NULL)) o JOIN hub_credential c ON c.id = o.credential_id "
            "GROUP BY c.name"))}
    engine.dispose()
    return found


class Browser:
    """One keep-alive connection, logged in, sending what htmx sends."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, float]:
        sent = {**(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=sent)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        took = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            key, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[key.strip()] = value
        return response.status, text, took

    def log_in(self) -> None:
        _, page, _ = self.request("GET", "/login")
        token = _CSRF.search(page)
        assert token, "no CSRF token on the login page"
        status, _, _ = self.request("POST", "/login", urlencode(
            {"csrf_token": token.group(1), "name": ADMIN, "pin": PIN}),
            {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, f"log in: {status}"


def addresses(url: str, rng: random.Random, counts: dict[str, int], n: int
              ) -> dict[str, list[str]]:
    """What each measure asks for: ``n`` addresses each."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.text(
            "SELECT id FROM hub_hand_out ORDER BY random() LIMIT 500"))]
        receipts = [r[0] for r in conn.execute(sa.text(
            "SELECT receipt FROM hub_hand_out ORDER BY random() LIMIT 200"))]
        people = [r[0] for r in conn.execute(sa.text(
            "SELECT employee_id, person_name FROM hub_award ORDER BY random() LIMIT 500"))]
        names = [r[0] for r in conn.execute(sa.text(
            "SELECT person_name FROM hub_award ORDER BY random() LIMIT 200"))]
    engine.dispose()
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - rng.randint(5, 300) * 86400))
    filters: list[dict[str, str]] = [
        {}, {"building": str(rng.randint(1, counts["buildings"]))}, {"pin": rng.choice(PINS)},
        {"show": "voided"}, {"show": "manual"}, {"from": day, "to": day}]
    log_pages = []
    for i in range(n):
        query = dict(filters[i % len(filters)])
        if i % 2:
            query["after"] = rng.choice(ids)  # a page anywhere in the log
        log_pages.append("/hand-outs?" + urlencode(query))
    typed: list[str] = []
    while len(typed) < n:
        kind = len(typed) % 5
        if kind == 3:
            typed.append(rng.choice(receipts))
        elif kind == 4:
            typed.append(rng.choice(people))
        else:
            full = rng.choice(names)
            typed += [full[:k] for k in range(2, len(full) + 1)]
    return {"log_page": log_pages, "search": ["/hand-outs?" + urlencode({"q": t})
                                              for t in typed[:n]],
            "person": ["/people/" + rng.choice(people) for _ in range(n)]}


def measure(port: int, wanted: dict[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    browser = Browser(port)
    browser.log_in()
    hx = {"HX-Request": "true"}
    for path in wanted["log_page"][:10]:  # warm up
        browser.request("GET", path, headers=hx)
    times: dict[str, list[float]] = {k: [] for k in [*wanted, "health"]}
    problems = []
    for i in range(max(len(v) for v in wanted.values())):
        for kind, paths in wanted.items():
            if i >= len(paths):
                continue
            status, text, took = browser.request(
                "GET", paths[i], headers=hx if kind != "person" else {})
            ok = status == 200 and ("district-log" in text if kind != "person"
                                    else "person-pins" in text)
            if not ok:
                problems.append(f"{paths[i]}: {status}")
            times[kind].append(took)
            status, _, took = browser.request("GET", "/api/v1/health")
            times["health"].append(took)
    return {kind: summary(t) | {"p95_ms": _p95(t)} for kind, t in times.items()}, problems


def measure_owed(port: int, rounds: int, expected: dict[str, int],
                 problems: list[str]) -> dict[str, Any]:
    """What is still owed, each way it is asked for (``OWED``), ``rounds`` times after a
    warm-up, each beside a health check; seconds. The CSV's people owed per pin must be
    ``expected``."""
    browser = Browser(port)
    browser.log_in()
    browser.request("GET", OWED[0])
    out: dict[str, Any] = {}
    for path in OWED:
        took, health = [], []
        for _ in range(rounds):
            status, text, seconds = browser.request("GET", path)
            if status != 200 or not text:
                raise SystemExit(f"{path}: {status}")
            took.append(seconds)
            health.append(browser.request("GET", "/api/v1/health")[2])
            if path == "/owed.csv" and _owed_per_pin(text) != expected:
                problems.append(f"/owed.csv says {_owed_per_pin(text)}, not {expected}")
        out[path] = {"s": [round(t, 3) for t in took], "max_s": round(max(took), 3),
                     "health_p50_ms": round(sorted(health)[len(health) // 2] * 1000, 2)}
    return out


def _owed_per_pin(text: str) -> dict[str, int]:
    import csv
    import io

    found: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        found[row["credential"]] = found.get(row["credential"], 0) + int(row["owed_people"])
    return {k: v for k, v in found.items() if v}


def _p95(seconds: list[float]) -> float:
    ms = sorted(s * 1000 for s in seconds)
    return round(ms[max(int(len(ms) * 0.95 + 0.999999) - 1, 0)], 2) if ms else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="of 1,000,000 hand-outs, 2,000,000 awards, 200 buildings")
    parser.add_argument("--requests", type=int, default=1000, help="of each kind")
    parser.add_argument("--threads", type=int, default=8, help="the hub's waitress threads")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    load_before = os.getloadavg()
    OUT.mkdir(parents=True, exist_ok=True)
    sep = "&" if "?" in args.database_url else "?"
    url = f"{args.database_url}{sep}options=-csearch_path%3D{SCHEMA}"
    env = {**os.environ, "KIOSK_HUB_DATABASE_URL": url,
           "KIOSK_HUB_INSTANCE_PATH": str(OUT / "hub-pages-instance")}
    started = time.perf_counter()
    counts = build(args.database_url, url, env, args.scale)
    build_seconds = round(time.perf_counter() - started, 1)
    wanted = addresses(url, rng, counts, args.requests)
    expected = owed_afresh(url)
    port = free_port()
    server = serve_hub(env, port, args.threads)
    try:
        log(f"measuring {args.requests} requests of each kind")
        results, problems = measure(port, wanted)
        log("what is still owed, 5 times each way")
        owed = measure_owed(port, 5, expected, problems)
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures = {"log_page_p95_ms": results["log_page"]["p95_ms"],
               "search_p95_ms": results["search"]["p95_ms"],
               "person_p95_ms": results["person"]["p95_ms"],
               "owed_max_s": max(o["max_s"] for o in owed.values())}
    missed = [k for k, target in TARGETS.items() if figures[k] > target]
    print(json.dumps({
        "bench": "hub_pages", "scale": args.scale, "district": counts,
        "build_s": build_seconds, "results": results, "owed": owed, "figures": figures,
        "targets": TARGETS, "missed": missed, "problems": problems[:20],
        "baseline": "GET /api/v1/health on the same server, interleaved (results.health)",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_before": load_before, "load_after": os.getloadavg(),
                    "postgresql": pg_version(args.database_url)},
        "code": code_revision()}, indent=2))
    return 1 if missed or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
