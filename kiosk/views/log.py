"""The hand-out log: search it (the address holds the search), page through it, void and
reprint from a row (the row answers in its place: kiosk/views/answers.py), and export what a
search found as CSV."""

from urllib.parse import parse_qsl

from flask import Blueprint, Response, g, request, stream_with_context, url_for

from ..auth import requires
from ..domain.log_search import SHOW, parse_search
from ..errors import InvalidInput
from ..services import hand_out_log
from ..services.log_export import csv_lines
from .answers import answer_at, done, refused
from .htmx import render, wants_fragment

bp = Blueprint("log", __name__)


@bp.get("/log")
@requires("scan")
def page():  # type: ignore[no-untyped-def]
    found = hand_out_log.search(parse_search(request.args), g.user)
    response = render("log.html", "partials/_log_results.html", found=found, shows=SHOW)
    if wants_fragment():  # the address bar shows the search, for bookmarks and the back button
        response.headers["HX-Push-Url"] = url_for("log.page", **found.search.params())
    return response


@bp.get("/log.csv")
@requires("log")
def export():  # type: ignore[no-untyped-def]
    lines = csv_lines(parse_search(request.args), g.user)
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="hand-outs.csv"'})


@bp.post("/log/<distribution_id>/void")
@requires("void_own")
def void(distribution_id: str):  # type: ignore[no-untyped-def]
    try:
        hand_out_log.void_in_log(distribution_id, g.user, request.form.get("reason", ""))
    except InvalidInput as exc:  # the row again, as stored, with why not at its form
        return _row(distribution_id, "void", refusal=exc)
    return _row(distribution_id, "void", "Voided. The pin is back in stock.")


@bp.post("/log/<distribution_id>/reprint")
@requires("printer")
def reprint(distribution_id: str):  # type: ignore[no-untyped-def]
    try:
        job = hand_out_log.reprint_in_log(distribution_id, g.user)
    except InvalidInput as exc:
        return _row(distribution_id, "reprint", refusal=exc)
    return _row(distribution_id, "reprint", f"Copy queued (job {job.id}); it says COPY.")


def _row(distribution_id: str, kind: str, message: str = "",  # type: ignore[no-untyped-def]
         refusal: InvalidInput | None = None):
    """The hand-out's row as stored, with what was done (or why not) at its ``kind`` of form,
    in its place (htmx); without JavaScript the search the form was sent from, around it."""
    row = hand_out_log.row(distribution_id, g.user)
    form = f"{kind}-form-{row.receipt_no}"
    back = parse_search(dict(parse_qsl(request.form.get("search", "")[:2000])))
    found = None if wants_fragment() else hand_out_log.search(back, g.user)
    return answer_at("log.html", "partials/_log_changed.html",
                     refused(form, refusal) if refusal else done(form, message),
                     target=f"#hand-out-{row.receipt_no}", swap="outerHTML",
                     d=row, found=found, shows=SHOW)
