"""The district's pages: log in, the reconciliation dashboard, the exceptions queue and the
district's logins. Buildings and kiosks, stock, bundles and badge data, and the exports each
have their own module."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, g, redirect, render_template, request, url_for

from kiosk.views import answers
from kiosk.views.htmx import render

from ..auth import requires, start_session, stop_session
from ..errors import InvalidInput, LoginRefused
from ..models import utcnow
from ..services import enrollment, hand_outs, involved, reconcile
from ..services.accounts import HUB_ROLES, all_users, create_user, log_in
from ..services.exports import clock_text, needs_a_look
from . import people
from .common import refused

bp = Blueprint("hub", __name__)

FILTERS = {"open": "Open", "resolved": "Resolved", "all": "All"}
ADD_LOGIN = "add-login"  # the id of the form that adds a login (hub/partials/_logins.html)
ROLE_WORDS = {"district_admin": "district admin: everything, including logins",
              "district_viewer": "district viewer: sees everything, changes nothing"}


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
    stop_session()
    return redirect(url_for("hub.login"))


@bp.get("/")
@requires("read")
def dashboard():  # type: ignore[no-untyped-def]
    reconcile.sweep()
    rows = reconcile.dashboard()  # building by building, in name order
    by_building = [list(pins) for _, pins in groupby(rows, key=lambda r: r.building_id)]
    return render_template("hub/dashboard.html", by_building=by_building,
                           open_counts=reconcile.open_counts(), kinds=reconcile.KINDS,
                           kiosks=enrollment.kiosks(), needs_a_look=needs_a_look,
                           clock_text=clock_text, manual=hand_outs.manual_counts())


@bp.get("/manual")
@requires("read")
def manual():  # type: ignore[no-untyped-def]
    """Hand-outs found by manual lookup (no proof scanned), newest first, with their reasons."""
    building = request.args.get("building", type=int)
    return render_template("hub/manual.html", rows=hand_outs.manual_hand_outs(building),
                           limit=hand_outs.MANUAL_LIST_LIMIT, building=building,
                           buildings=enrollment.buildings())


# --- the exceptions queue ------------------------------------------------------------------


def _status() -> str:
    status = request.values.get("status", "open")
    return status if status in FILTERS else "open"


def _queue(**context):  # type: ignore[no-untyped-def]
    status = _status()
    items = reconcile.exceptions(status)
    return dict(items=items, involved=involved.of(items), showing=status, filters=FILTERS,
                kinds=reconcile.KINDS, **context)


@bp.get("/exceptions")
@requires("read")
def exceptions():  # type: ignore[no-untyped-def]
    reconcile.sweep()
    return render("hub/exceptions.html", "hub/partials/_exceptions.html", **_queue())


@bp.post("/exceptions/<int:exception_id>/resolve")
@requires("resolve")
def resolve(exception_id: int):  # type: ignore[no-untyped-def]
    if request.form.get("person"):  # sent from the person's page: that page answers
        return people.resolve_on_person_page(exception_id, request.form["person"])
    try:
        done = reconcile.resolve(exception_id, request.form.get("note", ""), g.user.name)
    except InvalidInput as exc:
        return refused("hub/exceptions.html", "hub/partials/_exceptions.html",
                       "#exceptions-panel", exc, form=f"resolve-{exception_id}", **_queue())
    return render("hub/exceptions.html", "hub/partials/_exceptions.html",
                  **_queue(message=f"Exception {done.id} is resolved. It stays in the "
                                   "history with your note."))


# --- the district's logins -------------------------------------------------------------------


def _logins(**context):  # type: ignore[no-untyped-def]
    return dict(users=all_users(), roles=HUB_ROLES, role_words=ROLE_WORDS, now=utcnow(),
                **context)


@bp.get("/logins")
@requires("users")
def logins():  # type: ignore[no-untyped-def]
    return render("hub/logins.html", "hub/partials/_logins.html", **_logins())


@bp.post("/logins")
@requires("users")
def add_login():  # type: ignore[no-untyped-def]
    f = request.form
    try:
        user = create_user(f.get("name", ""), f.get("pin", ""), f.get("role", ""))
    except InvalidInput as exc:
        return _logins_answer(answers.refused(ADD_LOGIN, exc))
    return _logins_answer(answers.done(ADD_LOGIN, f"{user.name} can now log in to the hub."))


def _logins_answer(answer: answers.Answer):  # type: ignore[no-untyped-def]
    """The panel (or the page) with the add form's answer at the form
    (kiosk/views/answers.py, as on the kiosk's Staff logins page)."""
    return answers.answer_at("hub/logins.html", "hub/partials/_logins.html", answer,
                             target="#logins-panel", **_logins())
