"""The District sync page: enroll this kiosk, sync now, see what the hub refused, and, for a
building with no network, export a sync bundle and import a district bundle."""

from io import BytesIO

from flask import Blueprint, request, send_file

from ..auth import requires
from ..errors import InvalidInput
from ..services import bundle_process, district, district_bundle, district_status
from .htmx import render

bp = Blueprint("district", __name__)


@bp.get("/sync")
@requires("scan")
def page():  # type: ignore[no-untyped-def]
    return _panel()


@bp.post("/sync/enroll")
@requires("enroll")
def enroll():  # type: ignore[no-untyped-def]
    done = district.enroll(request.form.get("hub", ""), request.form.get("code", ""),
                           request.form.get("name", ""))
    return _panel(message=f"Enrolled with {done.hub} for {done.building}.")


@bp.post("/sync/now")
@requires("sync")
def sync_now():  # type: ignore[no-untyped-def]
    report = district.sync_once()
    return _panel(message=report.summary[0].upper() + report.summary[1:] + ".",
                  failed=not report.ok)


@bp.post("/sync/export")
@requires("sync")
def export():  # type: ignore[no-untyped-def]
    data, _count = district_bundle.bundle_bytes()
    return send_file(BytesIO(data), mimetype="application/json", as_attachment=True,
                     download_name=district_bundle.bundle_name(), max_age=0)


@bp.post("/sync/import")
@requires("enroll")
def import_bundle():  # type: ignore[no-untyped-def]
    upload = request.files.get("bundle")
    if upload is None or not upload.filename:
        raise InvalidInput("Choose the district bundle file the hub made for this kiosk.",
                           field="bundle")
    report = bundle_process.import_upload(upload.stream)
    return _panel(message=report.summary + ".")


def _panel(**context):  # type: ignore[no-untyped-def]
    return render("district.html", "partials/_district_panel.html",
                  enrolled=district.enrollment(), events=district_status.event_rows(), **context)
