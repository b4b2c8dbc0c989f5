"""Office pages: stock. (The hand-out log and its CSV export: kiosk/views/log.py.)"""

from flask import Blueprint, g, request

from ..auth import requires
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


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return default
