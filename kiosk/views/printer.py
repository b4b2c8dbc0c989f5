"""The Printer page: the receipt queue, its printer, and what office staff do about them."""

from io import BytesIO

from flask import Blueprint, g, redirect, request, send_file, url_for

from ..auth import requires
from ..services import hand_out_log, printing
from .htmx import render, wants_fragment

bp = Blueprint("printer", __name__)


@bp.get("/printer")
@requires("scan")
def page():  # type: ignore[no-untyped-def]
    return _panel()


@bp.post("/printer/retry")
@requires("printer")
def retry():  # type: ignore[no-untyped-def]
    count = printing.retry_waiting()
    return _panel(message=f"Trying {count} waiting receipt{'s' if count != 1 else ''} now."
                  if count else "No receipt is waiting to be tried.")


@bp.post("/printer/jobs/<int:job_id>/<action>")
@requires("printer")
def settle(job_id: int, action: str):  # type: ignore[no-untyped-def]
    job = printing.settle(job_id, action, g.user.id)
    return _panel(message=f"Receipt job {job.id} {job.settled_note}.")


@bp.post("/printer/test")
@requires("printer")
def test_page():  # type: ignore[no-untyped-def]
    return _panel(test=printing.print_test_page(g.user.id))


@bp.post("/hand-outs/<distribution_id>/reprint")
@requires("printer")
def reprint(distribution_id: str):  # type: ignore[no-untyped-def]
    job = printing.reprint(distribution_id, g.user.id)
    dist = hand_out_log.get(distribution_id)
    message = f"A copy of receipt {dist.receipt if dist else ''} is queued (job {job.id})."
    if request.headers.get("HX-Request"):
        return render("log.html", "partials/_reprinted.html", message=message, oob=True)
    return redirect(url_for("printer.page"))


@bp.get("/hand-outs/<distribution_id>/receipt.pdf")
@requires("scan")
def receipt_pdf(distribution_id: str):  # type: ignore[no-untyped-def]
    name, pdf = printing.receipt_pdf(distribution_id, g.user)
    return send_file(BytesIO(pdf), mimetype="application/pdf", download_name=name, max_age=0)


@bp.get("/status/badges")
@requires("scan")
def badges():  # type: ignore[no-untyped-def]
    """The status bar's badges, as out-of-band swaps (the bar polls this)."""
    if not wants_fragment():
        return redirect(url_for("printer.page"))
    return render("scan.html", "partials/_oob_status.html")


def _panel(**context):  # type: ignore[no-untyped-def]
    shown = printing.queue_for(g.user)
    return render("printer.html", "partials/_printer_panel.html", jobs=shown.waiting,
                  recent=shown.recent, others_waiting=shown.others_waiting,
                  mine_only=shown.mine_only, **context)
