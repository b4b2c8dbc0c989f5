"""The district hand-out log (searched as it is typed; the address holds the search; paged by
keyset; the same search as CSV) and a person's page, where an exception about them can be
resolved."""

from __future__ import annotations

from flask import Blueprint, Response, g, request, stream_with_context, url_for

from kiosk.views.htmx import render, wants_fragment

from ..auth import requires
from ..errors import InvalidInput
from ..services import district_log, person_page, reconcile
from ..services.district_search import SHOW, parse_search
from .common import refused

bp = Blueprint("people", __name__)

PERSON, PERSON_PANEL = "hub/person.html", "hub/partials/_person.html"


@bp.get("/hand-outs")
@requires("read")
def log():  # type: ignore[no-untyped-def]
    found = district_log.search(parse_search(request.args))
    response = render("hub/hand_outs.html", "hub/partials/_hand_outs.html", found=found,
                      shows=SHOW)
    if wants_fragment():  # the address bar shows the search, for bookmarks and the back button
        response.headers["HX-Push-Url"] = url_for("people.log", **found.search.params())
    return response


@bp.get("/hand-outs.csv")
@requires("read")
def log_csv():  # type: ignore[no-untyped-def]
    lines = district_log.csv_lines(parse_search(request.args))
    return Response(stream_with_context(lines), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="district-hand-outs.csv"'})


@bp.get("/people/<path:employee_id>")
@requires("read")
def person(employee_id: str):  # type: ignore[no-untyped-def]
    return render(PERSON, PERSON_PANEL, found=person_page.person(employee_id))


def resolve_on_person_page(exception_id: int, employee_id: str):  # type: ignore[no-untyped-def]
    """An exception resolved from the person's page: that page's panel answers."""
    try:
        done = reconcile.resolve(exception_id, request.form.get("note", ""), g.user.name)
    except InvalidInput as exc:
        return refused(PERSON, PERSON_PANEL, "#person-panel", exc,
                       form=f"resolve-{exception_id}", found=person_page.person(employee_id))
    return render(PERSON, PERSON_PANEL, found=person_page.person(employee_id),
                  message=f"Exception {done.id} is resolved. It stays in the history with "
                          "your note.")
