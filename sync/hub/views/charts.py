"""The dashboard's charts, each a fragment the dashboard loads after it shows (the owed figures
read every award: the dashboard does not wait for them), or a page of its own when followed
as a link."""

from __future__ import annotations

from flask import Blueprint, request
from markupsafe import Markup

from kiosk.domain.charts import svg
from kiosk.views.htmx import render

from ..auth import requires
from ..services import charts, enrollment

bp = Blueprint("charts", __name__, url_prefix="/charts")
PAGE, FRAGMENT = "hub/chart.html", "hub/partials/_chart.html"  # the page: without script
WIDTH = 640  # the drawing's own units: its 11 px texts read at about 11 px in the card


@bp.get("/hand-outs")
@requires("read")
def hand_outs():  # type: ignore[no-untyped-def]
    building = request.args.get("building", type=int)
    chart = charts.hand_outs_by_week(building)
    return render(PAGE, FRAGMENT, chart=chart, panel="hand-outs-chart-panel",
                  picture=Markup(svg(chart, WIDTH, "hand-outs-chart")),  # noqa: S704
                  buildings=enrollment.buildings(), building=building, pick=True)


@bp.get("/stock-owed")
@requires("read")
def stock_owed():  # type: ignore[no-untyped-def]
    chart = charts.stock_against_owed()
    return render(PAGE, FRAGMENT, chart=chart, panel="stock-owed-chart-panel",
                  picture=Markup(svg(chart, WIDTH, "stock-owed-chart")),  # noqa: S704
                  pick=False)
