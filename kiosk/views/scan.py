"""The scan page: scan a proof, see the verdict, hand out the pin, void, waitlist."""

from flask import Blueprint, g, redirect, request, url_for

from ..auth import requires
from ..services import hand_out_log
from ..services.camera import codes_in_frame
from ..services.hand_out import hand_out
from ..services.lookup import look_up
from ..services.proof_files import check_file, check_pasted
from ..services.scan import check_award
from ..services.void import void_hand_out
from ..services.waitlist import add_to_waitlist
from .htmx import render, wants_fragment

bp = Blueprint("scan", __name__)


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    return redirect(url_for("scan.page"))


@bp.get("/scan")
@requires("scan")
def page():  # type: ignore[no-untyped-def]
    return render("scan.html", "partials/_verdict.html", result=None)


@bp.post("/scan")
@requires("scan")
def scan():  # type: ignore[no-untyped-def]
    result = check_pasted(request.form.get("payload", ""))
    return render("scan.html", "partials/_verdict.html", result=result)


@bp.post("/scan/image")
@requires("scan")
def scan_image():  # type: ignore[no-untyped-def]
    """A proof as a file of any kind (PDF, photo, JSON credential, badge image), dropped on
    the page or chosen: the same verdict panel as a scan's."""
    upload = request.files.get("image")
    result = check_file(upload.read() if upload else b"")
    return render("scan.html", "partials/_verdict.html", result=result)


@bp.post("/scan/camera")
@requires("scan")
def camera_frame():  # type: ignore[no-untyped-def]
    """A frame from the page's camera (the body is the picture): the QR codes in it, as JSON.
    The page sends each new one to ``scan`` as a scanner's scan (static/camera.js)."""
    return {"codes": codes_in_frame(request.get_data(cache=False))}


@bp.get("/lookup")
@requires("scan")
def lookup():  # type: ignore[no-untyped-def]
    """Find a person by name, employee number or email (as they type: HTMX)."""
    query = request.args.get("q", "")
    if wants_fragment() and not query.strip():
        return "", 204  # an emptied search box leaves the verdict as it is
    return render("scan.html", "partials/_lookup_results.html", found=look_up(query),
                  query=query)


@bp.get("/lookup/award")
@requires("scan")
def lookup_award():  # type: ignore[no-untyped-def]
    """The verdict for a pin picked from the lookup: the same panel as a scan's."""
    return render("scan.html", "partials/_verdict.html",
                  result=check_award(request.args.get("award", "")))


@bp.post("/hand-out")
@requires("hand_out")
def hand_out_pin():  # type: ignore[no-untyped-def]
    f = request.form
    manual = (f.get("manual_reason", ""), f.get("manual_note", "")) if f.get("manual") else None
    done = hand_out(f.get("payload", ""), f.get("nonce", ""), g.user.id,
                    carrier=f.get("carrier") or None, manual=manual)
    return render("scan.html", "partials/_handed_out.html", done=done, oob=True)


@bp.post("/hand-outs/<distribution_id>/void")
@requires("void_own")
def void(distribution_id: str):  # type: ignore[no-untyped-def]
    void_hand_out(distribution_id, g.user.id, request.form.get("reason", ""))
    dist = hand_out_log.get(distribution_id)
    return render("scan.html", "partials/_voided.html", dist=dist, oob=True)


@bp.post("/waitlist")
@requires("waitlist")
def waitlist():  # type: ignore[no-untyped-def]
    f = request.form
    done = add_to_waitlist(f.get("payload", ""), g.user.id, carrier=f.get("carrier") or None,
                           manual=bool(f.get("manual")))
    return render("scan.html", "partials/_waitlisted.html", done=done)
