"""Office pages: stock, and each pin's ledger. (The hand-out log and its CSV export:
kiosk/views/log.py.)

A stock form's answer ("Received.", or why not) shows at the form that was sent
(kiosk/views/answers.py); the panel around it comes back as stored."""

from typing import Any

from flask import Blueprint, g, request
from flask.wrappers import Response

from ..auth import requires
from ..domain.ledger import ADJUSTMENT_REASONS
from ..errors import InvalidInput
from ..services.stock import adjust_stock, count_stock, receive_stock, set_low_at
from ..services.stock_ledger import Period, reconciliations
from ..services.stock_pages import period_asked, pin_ledger, pin_reconciliation, recent_rows
from .answers import Answer, answer_at, done, refused

bp = Blueprint("office", __name__)


@bp.get("/stock")
@requires("stock")
def stock():  # type: ignore[no-untyped-def]
    period, answer = _period()
    return _stock_page(answer, period)


@bp.post("/stock/receive")
@requires("stock")
def receive():  # type: ignore[no-untyped-def]
    try:
        level = receive_stock(request.form.get("credential", ""), _int(request.form.get("qty")),
                              g.user.id, request.form.get("note", ""))
    except InvalidInput as exc:
        return _stock_page(refused("receive-form", exc))
    return _stock_page(done("receive-form", f"Received. {level.pin}: {level.on_hand} on hand."))


@bp.post("/stock/count")
@requires("stock")
def count():  # type: ignore[no-untyped-def]
    try:
        level = count_stock(request.form.get("credential", ""),
                            _int(request.form.get("counted"), -1), g.user.id,
                            request.form.get("note", ""))
    except InvalidInput as exc:
        return _stock_page(refused("count-form", exc))
    return _stock_page(done("count-form", f"Counted. {level.pin}: {level.on_hand} on hand now; "
                                          "the district gets the count."))


@bp.post("/stock/adjust")
@requires("stock")
def adjust():  # type: ignore[no-untyped-def]
    form = request.form
    try:
        level = adjust_stock(form.get("credential", ""), form.get("reason", ""),
                             _int(form.get("qty")), g.user.id, form.get("note", ""))
    except InvalidInput as exc:
        return _stock_page(refused("adjust-form", exc))
    return _stock_page(done("adjust-form", f"Adjusted. {level.pin}: {level.on_hand} on hand "
                                           "now; the district gets the adjustment."))


@bp.get("/stock/<int:credential_id>")
@requires("stock")
def ledger(credential_id: int):  # type: ignore[no-untyped-def]
    period, answer = _period()
    return _ledger_page(credential_id, answer, period, _int(request.args.get("before")) or None)


@bp.post("/stock/<int:credential_id>/low-at")
@requires("stock")
def low_at(credential_id: int):  # type: ignore[no-untyped-def]
    try:
        level = set_low_at(credential_id, request.form.get("low_at", "")[:20], g.user.id)
    except InvalidInput as exc:
        return _ledger_page(credential_id, refused("low-at-form", exc))
    return _ledger_page(credential_id, done(
        "low-at-form", f"Saved. {level.pin} is low at {level.low_at} or fewer on hand."))


# --- drawing the pages -----------------------------------------------------------------------


def _stock_page(answer: Answer | None, period: Period | None = None) -> Response:
    period = period or period_asked(None, None)
    return _answer("stock.html", "partials/_stock_panel.html", answer, "#stock-panel",
                   movements=recent_rows(), period=period,
                   figures=reconciliations(period), reasons=ADJUSTMENT_REASONS)


def _ledger_page(credential_id: int, answer: Answer | None, period: Period | None = None,
                 before: int | None = None) -> Response:
    period = period or period_asked(None, None)
    return _answer("ledger.html", "partials/_ledger_panel.html", answer, "#ledger-panel",
                   ledger=pin_ledger(credential_id, before), period=period,
                   figures=[pin_reconciliation(credential_id, period)])


def _answer(page: str, fragment: str, answer: Answer | None, target: str,
            **context: Any) -> Response:
    return answer_at(page, fragment, answer or Answer(""), target=target, oob=True, **context)


def _period() -> tuple[Period | None, Answer | None]:
    """The period asked for (``from``, ``to``), or why not (the default period is shown)."""
    try:
        return period_asked(request.args.get("from"), request.args.get("to")), None
    except InvalidInput as exc:
        return None, Answer("period-form", error=exc.message, field=exc.field,
                            typed=request.args, status=400)


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int((value or "").strip()[:20])
    except ValueError:
        return default
