"""Reports a principal signs: the Reports page, and the daily sheet and the period report as
PDF downloads (kiosk/services/reports.py). A date that is not one, From after To or a period
too long is a 400 that says so (the services' InvalidInput)."""

from io import BytesIO

from flask import Blueprint, make_response, render_template, request, send_file

from ..auth import requires
from ..services import reports

bp = Blueprint("reports", __name__)


@bp.get("/reports")
@requires("stock")  # the stock's reconciliation: office and admin
def page():  # type: ignore[no-untyped-def]
    response = make_response(render_template("reports.html", today=reports.today(),
                                              most_days=reports.MAX_DAYS))
    response.vary.add("HX-Request")
    return response


@bp.get("/reports/daily.pdf")
@requires("stock")
def daily():  # type: ignore[no-untyped-def]
    return _pdf(reports.report_pdf(reports.day_from(request.args)))


@bp.get("/reports/period.pdf")
@requires("stock")
def period():  # type: ignore[no-untyped-def]
    return _pdf(reports.report_pdf(reports.period_from(request.args)))


def _pdf(made: reports.ReportFile):  # type: ignore[no-untyped-def]
    return send_file(BytesIO(made.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=made.filename, max_age=0)
