"""Blueprints. Views parse the request, call one service and render; nothing else."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from werkzeug.routing import IntegerConverter

from ..db_types import utcnow
from ..domain.manual import MANUAL_REASONS, may_hand_out_manually
from ..domain.reasons import Reason
from ..domain.staff import can, may_see_receipt, may_void
from ..services.lookups import timezone
from ..services.status import KioskStatus, kiosk_status

# The largest integer SQLite holds: a larger one cannot even be asked about (OverflowError).
MAX_ID = 2**63 - 1


class RecordId(IntegerConverter):
    """``<int:...>`` in the kiosk's URLs is a record's id: a number larger than any id can be
    names nothing (404), rather than reaching the database."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_views(app: Flask) -> None:
    from . import (
        account,
        admin,
        district,
        errors,
        log,
        office,
        printer,
        reports,
        scan,
        slips,
        waitlist,
    )

    app.url_map.converters["int"] = RecordId  # before the blueprints' rules are made
    for module in (account, scan, office, waitlist, log, admin, slips, printer, district,
                   reports):
        app.register_blueprint(module.bp)
    errors.register(app)

    @app.context_processor
    def page_context() -> dict[str, Any]:
        return {"status": _status, "local": _local, "Reason": Reason, "now_utc": utcnow,
                "can_void": _can_void, "may": _may, "sees_receipt": _sees_receipt,
                "manual_reasons": MANUAL_REASONS, "may_hand_out_manually": _manual_ok,
                "idle_seconds": int(app.config["IDLE_MINUTES"] * 60)}


def _status() -> KioskStatus:
    if "kiosk_status" not in g:
        g.kiosk_status = kiosk_status()
    return g.kiosk_status  # type: ignore[no-any-return]


def _can_void(dist: Any) -> bool:
    """Whether the logged-in user may void this hand-out (the service checks again)."""
    user = g.get("user")
    return bool(user) and dist.void is None and may_void(
        user.role, user.id, dist.staff_user_id, dist.handed_out_at, utcnow(), timezone())


def _may(action: str) -> bool:
    user = g.get("user")
    return bool(user) and can(user.role, action)


def _manual_ok() -> bool:
    user = g.get("user")
    return bool(user) and may_hand_out_manually(user.role,
                                                current_app.config["MANUAL_HAND_OUT_ROLE"])


def _sees_receipt(dist: Any) -> bool:
    user = g.get("user")
    return bool(user) and may_see_receipt(user.role, user.id, dist.staff_user_id)


def _local(moment: Any, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """A UTC time as the building's clock shows it."""
    if moment is None:
        return "never"
    return moment.astimezone(timezone()).strftime(fmt)  # type: ignore[no-any-return]
