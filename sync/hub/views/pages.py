"""The district's pages: log in, the reconciliation dashboard, the exceptions queue,
buildings and kiosks, stock, sync bundles, badge data, staff logins, exports."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from ..auth import requires, start_session
from ..errors import LoginRefused
from ..services import reconcile
from ..services.accounts import log_in

bp = Blueprint("hub", __name__)


def local(moment: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    if moment is None:
        return "never"
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(fmt)


@bp.get("/login")
def login():  # type: ignore[no-untyped-def]
    return render_template("hub/login.html", name="")


@bp.post("/login")
def login_post():  # type: ignore[no-untyped-def]
    name = request.form.get("name", "")
    try:
        user = log_in(name, request.form.get("pin", ""))
    except LoginRefused as exc:
        return render_template("hub/login.html", name=name, error=exc.message), 401
    start_session(user)
    return redirect(url_for("hub.dashboard"))


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    session.clear()
    return redirect(url_for("hub.login"))


@bp.get("/")
@requires("read")
def dashboard():  # type: ignore[no-untyped-def]
    reconcile.sweep()
    return render_template("hub/dashboard.html", rows=reconcile.dashboard(),
                           open_counts=reconcile.open_counts())
