"""Setting the hub up: its schema (through migrations), the first district admin, and the
background sweep `kiosk hub serve` runs."""

from __future__ import annotations

import logging
import os
import socket
import threading

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select

from ..errors import HubError
from ..extensions import hub_db
from ..models import HubUser
from . import reconcile
from .accounts import create_user

log = logging.getLogger(__name__)


def init_hub(admin: str | None, pin: str | None) -> list[str]:
    from .. import MIGRATIONS

    upgrade(directory=str(MIGRATIONS))
    lines = [f"Hub database ready: {hub_db.engine.url.render_as_string(hide_password=True)}"]
    users = hub_db.session.scalar(select(func.count()).select_from(HubUser)) or 0
    if admin and pin:
        if users:
            lines.append("The hub has logins already; none was added.")
        else:
            create_user(admin, pin, "district_admin")
            lines.append(f"{admin} can log in as a district admin.")
    elif not users:
        lines.append("Add the first district admin: kiosk hub init --admin NAME --pin PIN")
    return lines


def ready_to_serve() -> None:
    from .. import MIGRATIONS

    if not inspect(hub_db.engine).has_table("alembic_version"):
        raise HubError("This hub has no database yet. Run `kiosk hub init` first.")
    upgrade(directory=str(MIGRATIONS))


def start_sweeper(app: Flask, stop: threading.Event) -> threading.Thread:
    """The reconciliation sweep every SWEEP_SECONDS (300), in a thread until ``stop`` is set.

    Every server process runs one, on one machine or many: they sweep once per period between
    them (``reconcile.sweep_once_per_period``). Each wakes at the start of every period (and
    once when it starts); when another server is sweeping at that moment it looks again a
    tenth of a period later (at most 30 s): a server that dies mid-sweep delays that period's
    sweep by no more than that."""
    period = float(app.config["SWEEP_SECONDS"])
    by = f"{socket.gethostname()} process {os.getpid()}"
    # each sweep is logged, with the period it was for: which server swept when (the
    # migrations' logging setup leaves the root logger at WARNING)
    log.setLevel(logging.INFO)

    def loop() -> None:
        pause = 0.0  # at start: this period's sweep, unless another server did it
        while not stop.wait(pause):
            pause = _sweep_round(app, period, by)

    thread = threading.Thread(target=loop, name="hub-sweep", daemon=True)
    thread.start()
    return thread


def _sweep_round(app: Flask, period: float, by: str) -> float:
    """One wake of the sweeper; the seconds to sleep until the next."""
    try:
        with app.app_context():
            try:
                done = reconcile.sweep_once_per_period(period, by)
            finally:
                hub_db.session.remove()
    except Exception:  # the next period tries again
        log.exception("reconciliation sweep failed")
        return reconcile.until_next_period(period)
    if done.outcome == "swept":
        log.info("reconciliation sweep of the period from %s by %s: %s open",
                 done.period.isoformat(), by, done.open)
    if done.outcome == "busy":
        return min(max(period / 10, 0.01), 30.0, reconcile.until_next_period(period))
    return reconcile.until_next_period(period)
