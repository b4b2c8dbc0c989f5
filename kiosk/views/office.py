"""Office pages: stock, the hand-out log and its CSV export."""

from flask import Blueprint, Response, g, request, stream_with_context

from ..auth import requires
from ..domain.staff import can
from ..services import hand_out_log
from ..services.stock import count_stock, receive_stock, recent_movements
from ..services.waitlist import waiting
from .htmx import render

bp = Blueprint("office", __name__)


@bp.get("/stock")
@requires("stock")
def stock():  # type: ignore[no-untyped-def]
    return render("stock.html", "partials/_stock_panel.html",
                  movements=recent_movements(), waitlist=waiting())


@bp.post("/stock/receive")
@requires("stock")
def receive():  # type: ignore[no-untyped-def]
    level = receive_stock(request.form.get("credential", ""), _int(request.form.get("qty")),
                          g.user.id, request.form.get("note", ""))
    return render("stock.html", "partials/_stock_panel.html", received=level, oob=True,
                  movements=recent_movements(), waitlist=waiting())


@bp.post("/stock/count")
@requires("stock")
def count():  # type: ignore[no-untyped-def]
    level = count_stock(request.form.get("credential", ""), _int(request.form.get("counted"), -1),
                        g.user.id, request.form.get("note", ""))
    return render("stock.html", "partials/_stock_panel.html", counted=level, oob=True,
                  movements=recent_movements(), waitlist=waiting())


@bp.get("/log")
@requires("scan")
def log():  # type: ignore[no-untyped-def]
    mine_only = not can(g.user.role, "log")
    rows = hand_out_log.recent(200, staff_id=g.user.id if mine_only else None)
    return render("log.html", "partials/_log_rows.html", rows=rows, mine_only=mine_only)


@bp.get("/log.csv")
@requires("log")
def log_csv():  # type: ignore[no-untyped-def]
    return Response(stream_with_context(hand_out_log.csv_lines()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="hand-outs.csv"'})


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return default
