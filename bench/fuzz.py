"""Fuzz the proof parser, the kiosk's desk pages and the hub's sync API (issue 11): the long
run of tests/fuzz, with the same targets, strategies and properties (tests/fuzz/targets.py).

At least 100,000 examples in all, split across the targets by their ``share``:

- ``parser.read_proof`` (28%) and ``parser.read_image`` (10%): the pure functions a scan, a
  typed id or a dropped badge image goes through, given any text, any bytes, text UTF-8 cannot
  write, badge links, JWS-shaped tokens, Open Badges JSON, slips and baked PNG/SVG images:
  a Proof, or a ProofError with a reason code and words, never any other exception;
- ``kiosk.*`` (36%): a seeded kiosk with the signed corpus's issuers in its cache, a designee
  logged in, through Flask's test client: POST /scan (forms, and form bodies of any bytes),
  /scan/image (any file: badge images, photos, PDFs, JSON credentials, damaged or not),
  /scan/camera (any frame), /hand-out, /waitlist, a void, GET /lookup and /lookup/award: an
  answer a person can read, never a 500;
- ``hub.*`` (26%): a hub with the seed district, an enrolled kiosk, another building's and a
  revoked one: POST /api/v1/enroll, /api/v1/events (any bytes, any JSON, push-shaped bodies
  with any member wrong, with the kiosk's token, another's, a revoked kiosk's, made-up ones
  and none), GET /api/v1/changes with any query: the protocol's JSON answer, never a 500; a
  batch of one fuzzed event and one valid event always takes the valid one; the same pin
  reported for one person again and again is taken. Each hub target runs half its examples
  on SQLite and half on PostgreSQL (127.0.0.1:5432, a schema of its own, dropped after), as
  production does: PostgreSQL refuses text longer than its column where SQLite stores it.

After the fuzzing, the admin's pages of the kiosk and of each hub (the hand-out log, stock,
dashboard, exceptions, the CSV and PDF exports) must show what the examples left: each a 200.

One kiosk and one hub a store (in a temporary folder) serve every example of their targets,
so what one example left behind is what the next meets. No example database: every run draws
anew from ``--seed`` (printed, so that a run can be repeated). A failure is shrunk by
Hypothesis and reported with its example.

Prints one JSON object: examples, failures, seconds and examples per second per target, the
answers the examples got (how far they reached), the Python and Hypothesis versions. The exit
status is 1 when any property failed.

    .venv/bin/python bench/fuzz.py
    .venv/bin/python bench/fuzz.py --examples 3000                # a smoke run
    .venv/bin/python bench/fuzz.py --only hub.push --examples 5000 --hub-stores postgresql
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import traceback
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import hypothesis  # noqa: E402
from hypothesis import given, seed, settings  # noqa: E402

from bench.scan import code_revision, log  # noqa: E402
from tests.fuzz import targets as t  # noqa: E402
from tests.fuzz.strategies import SUITE  # noqa: E402
from tests.sync.conftest import PG_DOWN, PG_HOST, PG_PORT, fresh_pg_schema  # noqa: E402

DEFAULT_EXAMPLES = 100_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES,
                        help="examples in all, split across the targets by share")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one")
    parser.add_argument("--only", action="append", default=[], metavar="TARGET",
                        help="run only this target (again for more); its share of --examples")
    parser.add_argument("--hub-stores", default="sqlite,postgresql",
                        help="the hub's stores, comma-separated (default: both)")
    args = parser.parse_args()
    chosen = [x for x in t.TARGETS if not args.only or x.name in args.only]
    if not chosen:
        parser.error(f"no such target; the targets: {', '.join(x.name for x in t.TARGETS)}")
    stores = [name for name in args.hub_stores.split(",") if name]
    if not stores or set(stores) - {"sqlite", "postgresql"}:
        parser.error("--hub-stores: sqlite, postgresql or both")
    if "postgresql" in stores and not postgres_answers():
        parser.error(f"{PG_DOWN}; run with --hub-stores sqlite")
    run_seed = args.seed if args.seed is not None else random.randrange(2**32)
    share = sum(x.share for x in chosen)
    runs: list[tuple[t.Target, str, int]] = []  # (target, store, examples)
    for target in chosen:
        examples = max(1, round(args.examples * target.share / share))
        where = stores if target.env == "hub" else [""]
        for n, store in enumerate(where):
            runs.append((target, store, examples // len(where)
                         + (1 if n < examples % len(where) else 0)))

    # stopped with SIGTERM: still drop the PostgreSQL schema and the folder (ExitStack)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log(f"{sum(n for _, _, n in runs):,} examples, seed {run_seed}")
    load_before = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="pin-kiosk-fuzz-"))
    envs: dict[str, Any] = {}
    results: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    pages: dict[str, dict[str, int]] = {}
    started = time.perf_counter()
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        for i, (target, store, examples) in enumerate(runs):
            name = f"{target.name}[{store}]" if store else target.name
            env = _env(target.env, store, envs, folder, cleanup)
            log(f"{name}: {examples:,} examples")
            result, failed = _run(target, name, env, examples, run_seed + i)
            results.append(result)
            failures += failed
            log(f"{name}: {result['examples']:,} in {result['seconds']} s, "
                f"{len(failed)} failures")
        for where, env in envs.items():  # what the fuzzing left, on the admin's pages
            pages[where] = env.pages_after()
            log(f"pages of the {where} after: {pages[where]}")
            failures += [{"target": f"{where} pages after", "error": f"HTTP {status}",
                          "message": path} for path, status in pages[where].items()
                         if status != 200]
    seconds = time.perf_counter() - started
    examples_run = sum(r["examples"] for r in results)

    report = {
        "benchmark": "fuzz: proof parser, kiosk desk pages, hub sync API; never a 500 "
                     "(issue 11)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_revision(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "hypothesis": hypothesis.__version__, "flask": flask_version(),
                    "sqlite": sqlite3.sqlite_version, "postgresql": pg_version(stores),
                    "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "seed": run_seed,
        "hub_stores": stores,
        "examples_asked": sum(n for _, _, n in runs),
        "examples": examples_run,
        "seconds": round(seconds, 1),
        "examples_per_second": round(examples_run / seconds, 1) if seconds else None,
        "targets": results,
        "pages_after": pages,
        "failure_count": len(failures),
        "failures": failures[:20],
        "pass": not failures,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if report["pass"] else 1


def _env(kind: str, store: str, envs: dict[str, Any], folder: Path,
         cleanup: contextlib.ExitStack) -> Any:
    """The kiosk, or the hub on a store, built the first time a target needs it."""
    if kind == "pure":
        return None
    where = "kiosk" if kind == "kiosk" else f"hub[{store}]"
    if where not in envs:
        log(f"building the {where}")
        if kind == "kiosk":
            env: Any = t.KioskDesk(folder / "kiosk")
        else:
            url = cleanup.enter_context(fresh_pg_schema()) if store == "postgresql" else None
            env = t.HubApi(folder / where, database_url=url)
        cleanup.callback(env.close)
        envs[where] = env
    return envs[where]


def _run(target: t.Target, name: str, env: Any, examples: int, run_seed: int
         ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run one target's property on ``examples`` examples; its numbers and its failures."""
    calls = 0
    tally: Counter[str] = Counter()

    @seed(run_seed)
    @settings(SUITE, max_examples=examples, database=None)
    @given(target.cases)
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        if calls % 5000 == 0:
            log(f"  {name}: {calls:,}")
        if env is None:
            target.check(case)
        else:
            target.check(env, case)

    failed: list[dict[str, Any]] = []
    t.TALLY = tally
    started = time.perf_counter()
    try:
        # Hypothesis reports a falsifying example on stdout: keep stdout for the JSON
        with contextlib.redirect_stdout(sys.stderr):
            run()
    except Exception as exc:  # every failure, shrunk, each with its example in its notes
        found = list(exc.exceptions) if isinstance(exc, BaseExceptionGroup) else [exc]
        for error in found:
            failed.append({
                "target": name, "error": type(error).__name__,
                "message": str(error)[:2000],
                "example": [n for n in getattr(error, "__notes__", [])][:10],
                "where": traceback.format_exception(error)[-3:],
            })
    finally:
        t.TALLY = None
    seconds = time.perf_counter() - started
    result = {
        "target": name,
        "share": target.share,
        "examples_asked": examples,
        "examples": calls,
        "failures": len(failed),
        "seconds": round(seconds, 1),
        "examples_per_second": round(calls / seconds, 1) if seconds else None,
        "answers": dict(tally.most_common(12)),
    }
    return result, failed


def postgres_answers() -> bool:
    import psycopg

    try:
        psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test",
                        connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def pg_version(stores: list[str]) -> str | None:
    if "postgresql" not in stores:
        return None
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test") as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else None


def flask_version() -> str:
    from importlib.metadata import version

    return f"flask {version('flask')}, werkzeug {version('werkzeug')}"


if __name__ == "__main__":
    sys.exit(main())
