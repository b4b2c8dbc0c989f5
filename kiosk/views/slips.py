"""District proof slips: administrators print a PDF of signed slips for a building."""

from io import BytesIO

from flask import Blueprint, make_response, render_template, request, send_file

from ..auth import requires
from ..services.slips import page_facts, slips_report, today

bp = Blueprint("slips", __name__)


@bp.get("/slips")
@requires("slips")
def page():  # type: ignore[no-untyped-def]
    response = make_response(render_template("slips.html", facts=page_facts()))
    response.vary.add("HX-Request")
    return response


@bp.post("/slips")
@requires("slips")
def make_pdf():  # type: ignore[no-untyped-def]
    report = slips_report(request.form.get("building", ""), today())
    return send_file(BytesIO(report.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=report.filename, max_age=0)
