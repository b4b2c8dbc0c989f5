"""Setting the hub up: its schema (through migrations), the first district admin, and the
background sweep `kiosk hub serve` runs."""

from __future__ import annotations

import logging
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


def start_sweeper(app: Flask, stop: threading.Event) -> None:
    def loop() -> None:
        while not stop.wait(float(app.config["SWEEP_SECONDS"])):
            try:
                with app.app_context():
                    reconcile.sweep()
                    hub_db.session.remove()
            except Exception:  # the next round tries again
                log.exception("reconciliation sweep failed")

    threading.Thread(target=loop, name="hub-sweep", daemon=True).start()
