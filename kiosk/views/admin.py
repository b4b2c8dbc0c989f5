"""Administrators manage staff logins."""

from flask import Blueprint, current_app, g, request

from ..auth import keep_session, requires
from ..services import settings
from ..services.accounts import all_users, create_user, update_user
from ..services.backup import backup_status
from ..services.printing import print_test_page
from .htmx import render

bp = Blueprint("admin", __name__)


@bp.get("/users")
@requires("users")
def users():  # type: ignore[no-untyped-def]
    return render("users.html", "partials/_users.html", users=all_users())


@bp.post("/users")
@requires("users")
def add_user():  # type: ignore[no-untyped-def]
    f = request.form
    user = create_user(f.get("name", ""), f.get("pin", ""), f.get("role", ""))
    return render("users.html", "partials/_users.html", users=all_users(),
                  message=f"{user.name} can now log in.")


@bp.post("/users/<int:user_id>")
@requires("users")
def change_user(user_id: int):  # type: ignore[no-untyped-def]
    f = request.form
    active = {"yes": True, "no": False}.get(f.get("active", ""))
    user = update_user(user_id, role=f.get("role") or None, pin=f.get("pin") or None,
                       active=active, acting_admin_id=g.user.id)
    keep_session(user)
    return render("users.html", "partials/_users.html", users=all_users(),
                  message=f"Saved {user.name}.")


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
