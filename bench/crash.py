"""Kill `kiosk serve` with SIGKILL 500 times during a stream of HTTP hand-outs (issue 11).

The long run of tests/stress/test_crash.py (which kills about twenty times in `make test`):
the same run (tests/stress/crash_run.py), with more kills and hand-outs. A seeded instance
(migrations, the seed district of tests/factories.py and ``--people`` people with four awards
each) is served by `kiosk serve` with the print worker on, receipts appended to a file as to a
printer device, the WAL checkpointer every 0.2 s, no sync. The desk logs in and hands out
award after award over HTTP; a timer drawn from a seeded generator (uniform within twice
``--mean-life`` seconds of each start) kills the server, which is started again at once. Half
the hand-outs a kill cut off are pressed again with the same form after the restart.

At the end: integrity_check; every acknowledged hand-out there once with its receipt number,
stock movement, outbox event and receipt job; nothing half-written; stock equal to the
ledger; the outbox chain whole; no pin twice to one person; every receipt job the kill left
half-sent uncertain, and no receipt on paper twice. Prints one JSON object; the exit status is
1 when anything is wrong.

    .venv/bin/python bench/crash.py
    .venv/bin/python bench/crash.py --kills 20 --hand-outs 100 --people 100   # as in the suite
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
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan import code_revision, log  # noqa: E402
from tests.stress.crash_run import CrashRun  # noqa: E402
from tests.stress.served import ServedKiosk, awards, build_instance  # noqa: E402

OUT = ROOT / "bench" / "out" / "crash"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=500)
    parser.add_argument("--hand-outs", type=int, default=500,
                        help="acknowledged hand-outs at least (the run goes on until both)")
    parser.add_argument("--people", type=int, default=0,
                        help="people with four awards each (default: enough for the run)")
    parser.add_argument("--mean-life", type=float, default=0.4,
                        help="seconds from a start to its kill, on average")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    # a life hands out a few pins; leave room for lives longer than that
    people = args.people or max(math.ceil(max(args.hand_outs, args.kills * 8) * 1.5 / 4), 50)

    load_before = os.getloadavg()
    shutil.rmtree(OUT, ignore_errors=True)
    instance = OUT / "instance"
    started = time.perf_counter()
    build_instance(instance, people, stock=people * 2)
    built = time.perf_counter() - started
    printer = instance / "printer.bin"
    printer.write_bytes(b"")
    kiosk = ServedKiosk(instance, printer, CHECKPOINT_SECONDS=0.2)
    order = awards(people)
    random.Random(args.seed).shuffle(order)
    run = CrashRun(kiosk, order, args.seed, mean_life_s=args.mean_life)

    log(f"{args.kills} kills and {args.hand_outs} hand-outs at least, {people * 4} awards")
    started = time.perf_counter()
    try:
        run.run(kills=args.kills, hand_outs=args.hand_outs, give_up_s=6 * 3600)
    finally:
        kiosk.stop()
    seconds = time.perf_counter() - started
    problems = run.problems()
    report = {
        "benchmark": "SIGKILL during HTTP hand-outs (issue 11)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_revision(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "instance": {"people": people, "awards": people * 4, "built_in_s": round(built, 1)},
        "server": {"threads": 8, "print_worker": True,
                   "printer": "file, appended to as a device", "checkpoint_s": 0.2,
                   "sync_worker": False},
        "mean_life_s": args.mean_life,
        "seconds": round(seconds, 1),
        **run.summary(),
        "problems": problems[:50],
        "problem_count": len(problems),
        "pass": not problems,
    }
    print(json.dumps(report, indent=2))
    return 0 if report["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
