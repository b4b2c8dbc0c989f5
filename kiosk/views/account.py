"""Log in and log out."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..auth import start_session, stop_session
from ..errors import LoginRefused
from ..services.accounts import log_in
from ..services.district_status import stale_sync_warning

bp = Blueprint("auth", __name__)


@bp.get("/login")
def login():  # type: ignore[no-untyped-def]
    return render_template("login.html", name="")


@bp.post("/login")
def login_post():  # type: ignore[no-untyped-def]
    name = request.form.get("name", "")
    try:
        user = log_in(name, request.form.get("pin", ""))
    except LoginRefused as exc:
        return render_template("login.html", name=name, error=exc.message), 401
    start_session(user)
    stale = stale_sync_warning()
    if stale:
        flash(stale)
    return redirect(url_for("scan.page"))


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """For monitoring (and the benchmark's baseline): answers without touching the database."""
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    stop_session()
    return redirect(url_for("auth.login"))
