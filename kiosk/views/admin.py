"""Administrators manage staff logins."""

from flask import Blueprint, current_app, g, request

from ..auth import keep_session, requires
from ..errors import InvalidInput
from ..services import settings
from ..services.accounts import all_users, create_user, staff_user, update_user
from ..services.backup import backup_status
from ..services.printing import print_test_page
from .answers import Answer, answer_at, done, refused
from .htmx import render

ADD_FORM = "add-user"  # the id of the form that adds a login (partials/_users.html)

bp = Blueprint("admin", __name__)


@bp.get("/users")
@requires("users")
def users():  # type: ignore[no-untyped-def]
    return render("users.html", "partials/_users.html", users=all_users())


@bp.post("/users")
@requires("users")
def add_user():  # type: ignore[no-untyped-def]
    f = request.form
    try:
        user = create_user(f.get("name", ""), f.get("pin", ""), f.get("role", ""))
    except InvalidInput as exc:
        return _users(refused(ADD_FORM, exc))
    return _users(done(ADD_FORM, f"{user.name} can now log in."))


@bp.post("/users/<int:user_id>")
@requires("users")
def change_user(user_id: int):  # type: ignore[no-untyped-def]
    f = request.form
    active = {"yes": True, "no": False}.get(f.get("active", ""))
    form = f"change-user-{user_id}"
    try:
        user = update_user(user_id, role=f.get("role") or None, pin=f.get("pin") or None,
                           active=active, acting_admin_id=g.user.id)
    except InvalidInput as exc:  # the row again, as stored, with why not at its field
        return _user_row(user_id, refused(form, exc))
    keep_session(user)
    return _user_row(user_id, done(form, f"Saved {user.name}."))


def _users(answer: Answer):  # type: ignore[no-untyped-def]
    """The panel (or the page) with the add form's answer."""
    return answer_at("users.html", "partials/_users.html", answer, target="#users-panel",
                     users=all_users())


def _user_row(user_id: int, answer: Answer):  # type: ignore[no-untyped-def]
    """That login's row (or the page) with its form's answer: its row shows what is stored."""
    return answer_at("users.html", "partials/_user_row.html", answer, target=f"#user-{user_id}",
                     swap="outerHTML", u=staff_user(user_id), users=all_users())


@bp.get("/settings")
@requires("settings")
def settings_page():  # type: ignore[no-untyped-def]
    return _settings()


@bp.post("/settings")
@requires("settings")
def save_settings():  # type: ignore[no-untyped-def]
    settings.save_settings(request.form.to_dict(), "general")
    return _settings(message="Settings saved.")


@bp.post("/settings/printer")
@requires("settings")
def save_printer():  # type: ignore[no-untyped-def]
    settings.save_settings(request.form.to_dict(), "printer")
    return _settings(message="Printer settings saved. Print a test page to check them.")


@bp.post("/settings/printer/test")
@requires("settings")
def printer_test():  # type: ignore[no-untyped-def]
    return _settings(test=print_test_page(g.user.id))


def _settings(**context):  # type: ignore[no-untyped-def]
    return render("settings.html", "partials/_settings.html", items=settings.current("general"),
                  printer_items=settings.current("printer"),
                  instance=current_app.instance_path, backup=backup_status(), **context)
