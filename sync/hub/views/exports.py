"""The district's reports to download: the dashboard and the exceptions, as CSV and PDF."""

from __future__ import annotations

from flask import Blueprint, Response

from ..auth import requires
from ..services import charts, exports, reconcile

bp = Blueprint("exports", __name__, url_prefix="/export")


def _download(body: str | bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/dashboard.csv")
@requires("read")
def dashboard_csv():  # type: ignore[no-untyped-def]
    reconcile.sweep()  # what the dashboard would show now: stock below zero, silent kiosks
    return _download(exports.dashboard_csv(), "text/csv",
                     exports.filename("pins-by-building", "csv"))


@bp.get("/dashboard.pdf")
@requires("read")
def dashboard_pdf():  # type: ignore[no-untyped-def]
    reconcile.sweep()  # what the dashboard would show now: stock below zero, silent kiosks
    return _download(exports.dashboard_pdf(pictures=charts.pictures()), "application/pdf",
                     exports.filename("pins-by-building", "pdf"))


@bp.get("/exceptions.csv")
@requires("read")
def exceptions_csv():  # type: ignore[no-untyped-def]
    reconcile.sweep()  # what the dashboard would show now: stock below zero, silent kiosks
    return _download(exports.exceptions_csv(), "text/csv",
                     exports.filename("exceptions", "csv"))


@bp.get("/exceptions.pdf")
@requires("read")
def exceptions_pdf():  # type: ignore[no-untyped-def]
    reconcile.sweep()  # what the dashboard would show now: stock below zero, silent kiosks
    return _download(exports.exceptions_pdf(), "application/pdf",
                     exports.filename("exceptions", "pdf"))
