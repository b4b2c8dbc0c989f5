"""The call-back list (issue 13): office staff see who waits for which pin, call them back and
take them off the waitlist with a reason. A row answers in its place (kiosk/views/answers.py).
Also the notice, on every page of office staff and administrators, that people are waiting
for a pin that is on hand (templates/partials/_waiting_notice.html)."""

from typing import Any

from flask import Blueprint, g, request, url_for

from ..auth import requires
from ..domain.staff import can
from ..domain.waitlist import REMOVAL_REASONS, WaitingNotice
from ..errors import InvalidInput
from ..services.call_backs import call_back_list, call_back_row, waiting_notices
from ..services.waitlist import mark_contacted, remove_from_waitlist
from .answers import answer_at, done, refused
from .htmx import render, wants_fragment

bp = Blueprint("waitlist", __name__)


@bp.app_context_processor
def waitlist_context() -> dict[str, Any]:
    return {"waiting_notices": _notices, "removal_reasons": REMOVAL_REASONS}


@bp.get("/waitlist")
@requires("call_back")
def page():  # type: ignore[no-untyped-def]
    found = call_back_list(request.args.get("pin"))
    response = render("waitlist.html", "partials/_call_backs.html", found=found)
    if wants_fragment():  # the address bar shows the pin chosen, for bookmarks
        response.headers["HX-Push-Url"] = url_for("waitlist.page", pin=found.chosen)
    return response


@bp.post("/waitlist/<int:entry_id>/contacted")
@requires("call_back")
def contacted(entry_id: int):  # type: ignore[no-untyped-def]
    try:
        mark_contacted(entry_id, g.user.id, request.form.get("note", ""))
    except InvalidInput as exc:  # the row again, as stored, with why not at its form
        return _row(entry_id, "contact", refusal=exc)
    return _row(entry_id, "contact", "Call-back recorded.")


@bp.post("/waitlist/<int:entry_id>/remove")
@requires("call_back")
def remove(entry_id: int):  # type: ignore[no-untyped-def]
    f = request.form
    try:
        remove_from_waitlist(entry_id, g.user.id, f.get("reason", ""), f.get("note", ""))
    except InvalidInput as exc:
        return _row(entry_id, "remove", refusal=exc)
    return _row(entry_id, "remove", "Taken off the waitlist.")


def _row(entry_id: int, kind: str, message: str = "",  # type: ignore[no-untyped-def]
         refusal: InvalidInput | None = None):
    """The entry's row as stored, with what was done (or why not) at its ``kind`` of form, in
    its place (htmx); without JavaScript the list it was sent from, around it."""
    row = call_back_row(entry_id)
    found = None if wants_fragment() else call_back_list(request.form.get("pin"))
    form = f"{kind}-form-{row.id}"
    return answer_at("waitlist.html", "partials/_call_back_changed.html",
                     refused(form, refusal) if refusal else done(form, message),
                     target=f"#entry-{row.id}", swap="outerHTML", r=row, found=found)


def _notices() -> list[WaitingNotice]:
    """For office staff and administrators: the pins people wait for that are on hand (read
    once a request)."""
    user = g.get("user")
    if user is None or not can(user.role, "call_back"):
        return []
    if "waiting_notices" not in g:
        g.waiting_notices = waiting_notices()
    return g.waiting_notices  # type: ignore[no-any-return]
