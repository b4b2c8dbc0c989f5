"""The instance bench/office.py measures: built once per size and schema and cached under
bench/out/instances/ (like bench/scan.py's), by bulk inserts of bench/scan.py's ``District``
with a roster's names (bench/lookup.py's), some manual hand-outs and a few by the
administrator; and SQLite's plans for the log's queries on it."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kiosk import create_app
from kiosk.db import write_transaction
from kiosk.domain.manual import MANUAL_REASONS
from kiosk.extensions import db
from kiosk.models import Distribution, Person, StockMovement
from kiosk.services.accounts import create_user
from kiosk.services.demo import BUILDINGS
from kiosk.services.lookups import BADGE_DATA_AS_OF, set_setting, staff_named, this_building
from kiosk.services.people import index_people

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lookup import make_people  # noqa: E402
from scan import ADMIN, DESIGNEES, KIOSK, OUT, District, instance_key  # noqa: E402

BUILD_VERSION = 1
OFFICE = ("Bench Office", "8024")
MANUAL_SHARE = 0.03  # of the hand-outs, found by manual lookup
ADMIN_HAND_OUTS = 40  # the administrator handed out a few: a staff member with a short log


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def cached_instance(awards: int, hand_outs: int, seed: int, rebuild: bool) -> tuple[Path, bool]:
    folder = OUT / "instances" / f"office-v{BUILD_VERSION}-{instance_key(awards, hand_outs, seed)}"
    if folder.exists() and not rebuild:
        return folder, True
    shutil.rmtree(folder, ignore_errors=True)
    scratch = folder.with_name(folder.name + f".building-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        build_instance(scratch, awards, hand_outs, seed)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    scratch.rename(folder)
    return folder, False


def build_instance(folder: Path, awards: int, hand_outs: int, seed: int) -> None:
    started = time.perf_counter()
    env = {**os.environ, "KIOSK_INSTANCE_PATH": str(folder)}
    subprocess.run([*KIOSK, "init", "--building", BUILDINGS[0], "--admin", ADMIN[0],
                    "--pin", ADMIN[1]], env=env, check=True, stdout=subprocess.DEVNULL)
    app = create_app({"INSTANCE_PATH": str(folder), "PRINT_WORKER": False})
    rng = random.Random(seed)
    with app.app_context():
        staff = {ADMIN[0]: staff_named(ADMIN[0]).id}
        for name, pin in DESIGNEES:
            staff[name] = create_user(name, pin, "designee").id
        staff[OFFICE[0]] = create_user(*OFFICE, "office").id
        here = this_building()
        district = District(rng, here.id, here.name, here.code, staff)
        district.add_awards(awards)
        named = make_people(len(district.rows[Person]), rng)  # a roster's names, not the demo's
        for person, made in zip(district.rows[Person], named, strict=True):
            person.update(name=made["name"], email=made["email"])
        district.hand_out(hand_outs)
        _vary(district, rng, staff[ADMIN[0]])
        with write_transaction(bulk=True) as session:
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
    log(f"built {awards:,} awards and {hand_outs:,} hand-outs "
        f"in {time.perf_counter() - started:.1f} s")


def _vary(district: District, rng: random.Random, admin_id: int) -> None:
    """Some hand-outs by manual lookup, and a few by the administrator (with their movement)."""
    dists = district.rows[Distribution]
    for dist in dists:
        dist.setdefault("manual_reason", "")
    for dist in rng.sample(dists, round(MANUAL_SHARE * len(dists))):
        code, words = rng.choice(MANUAL_REASONS)
        dist.update(source="manual", payload_format="lookup",
                    manual_reason=f"{words}: front desk" if code == "other" else words)
    mine = {d["id"] for d in rng.sample(dists, min(ADMIN_HAND_OUTS, len(dists)))}
    for row in [*dists, *district.rows[StockMovement]]:
        if row.get("distribution_id", row.get("id")) in mine and row.get("kind") != "voided":
            row["staff_user_id"] = admin_id


def query_plans(instance: Path) -> dict[str, list[str]]:
    """SQLite's plan for each statement the log's service runs for a few searches (untimed)."""
    from sqlalchemy import event

    from kiosk.domain.log_search import parse_search
    from kiosk.domain.staff import CurrentUser
    from kiosk.services.hand_out_log import search

    app = create_app({"INSTANCE_PATH": str(instance), "PRINT_WORKER": False})
    asks = {"newest": {}, "deep": {"after": "5000"}, "name": {"q": "mary sm"},
            "common name": {"q": "ma"}, "pin and week": {"pin": "2", "from": "2024-03-04",
                                                         "to": "2024-03-10"}}
    plans: dict[str, list[str]] = {}
    with app.app_context():
        seen: list[tuple[str, Any]] = []
        event.listen(db.engine, "before_cursor_execute",
                     lambda c, cur, sql, params, ctx, many: seen.append((sql, params)))
        for name, args in asks.items():
            seen.clear()
            search(parse_search(args), CurrentUser(0, OFFICE[0], "office"))
            asked = [s for s in seen if "distribution AS d" in s[0]]
            for n, (sql, params) in enumerate(asked):
                rows = db.session.connection().exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + sql, params).all()
                plans[f"{name} #{n + 1}"] = [row[-1] for row in rows]
        db.session.remove()
        db.engine.dispose()
    return plans
