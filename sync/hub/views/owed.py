"""What is still owed: per building and pin, the people owed a pin and the stock there, and the
district's order; as a page, a CSV and a PDF (sync/hub/services/owed.py)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from kiosk.views.htmx import render

from ..auth import requires
from ..services import exports, owed

bp = Blueprint("owed", __name__)


def _asked() -> str | None:
    """The building asked for (?building=NAME), or None for the whole district."""
    name = " ".join(request.args.get("building", "").split())[:200]
    return name or None


def _download(body: str | bytes, mimetype: str, stem: str, suffix: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{exports.filename(stem, suffix)}"'})


@bp.get("/owed")
@requires("read")
def page():  # type: ignore[no-untyped-def]
    asked = _asked()
    return render("hub/owed.html", "hub/partials/_owed.html", report=owed.owed(asked),
                  buildings=owed.building_names(), asked=asked or "")


@bp.get("/owed.csv")
@requires("read")
def as_csv():  # type: ignore[no-untyped-def]
    return _download(owed.owed_csv(owed.owed(_asked())), "text/csv", "still-owed", "csv")


@bp.get("/owed.pdf")
@requires("read")
def as_pdf():  # type: ignore[no-untyped-def]
    return _download(owed.owed_pdf(owed.owed(_asked())), "application/pdf", "still-owed", "pdf")
