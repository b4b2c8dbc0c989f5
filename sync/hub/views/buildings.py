"""Buildings and their kiosks: add a building, make a one-time enrollment code for its kiosk
(shown once, on the page that made it), revoke a kiosk, and download a kiosk's district bundle
(its building has no network)."""

from __future__ import annotations

import tempfile

from flask import Blueprint, g, render_template, request, send_file

from kiosk.views.htmx import render

from ..auth import requires
from ..errors import InvalidInput, NotFound
from ..services import district_bundles, enrollment
from ..services.exports import clock_text
from .common import refused

bp = Blueprint("buildings", __name__)

PAGE, PANEL, TARGET = "hub/buildings.html", "hub/partials/_buildings.html", "#buildings-panel"


def _context(**context):  # type: ignore[no-untyped-def]
    return dict(buildings=enrollment.buildings(), kiosks=enrollment.kiosks(),
                clock_text=clock_text, **context)


@bp.get("/buildings")
@requires("read")
def page():  # type: ignore[no-untyped-def]
    return render(PAGE, PANEL, **_context())


@bp.post("/buildings")
@requires("enroll")
def add():  # type: ignore[no-untyped-def]
    try:
        building = enrollment.add_building(request.form.get("name", ""))
    except InvalidInput as exc:
        return refused(PAGE, PANEL, TARGET, exc, form="add-building", **_context())
    return render(PAGE, PANEL, **_context(message=f"Added {building.name}. Make an enrollment "
                                                  "code for its kiosk below."))


@bp.post("/buildings/<int:building_id>/code")
@requires("enroll")
def code(building_id: int):  # type: ignore[no-untyped-def]
    made = enrollment.new_code(building_id, g.user.id)
    # The code is in this answer only: the hub keeps its hash, and no page shows it again.
    return render(PAGE, PANEL, **_context(new_code=made, hub_url=request.url_root.rstrip("/")))


@bp.post("/kiosks/<kiosk_id>/revoke")
@requires("enroll")
def revoke(kiosk_id: str):  # type: ignore[no-untyped-def]
    if request.form.get("confirmed") != "yes":  # without JavaScript: ask on a page of its own
        kiosk = next((k for k in enrollment.kiosks() if k.id == kiosk_id), None)
        if kiosk is None:
            raise NotFound("There is no such kiosk.")
        return render_template("hub/revoke.html", kiosk=kiosk)
    kiosk = enrollment.revoke(kiosk_id, g.user.id)
    message = (f"Revoked kiosk {kiosk.name or kiosk.id} at {kiosk.building.name}: its token no "
               "longer works and the hub refuses its sync bundles.")
    return render(PAGE, PANEL, **_context(message=message))


@bp.get("/kiosks/<kiosk_id>/district-bundle")
@requires("enroll")
def district_bundle(kiosk_id: str):  # type: ignore[no-untyped-def]
    kiosk = district_bundles.kiosk_for(kiosk_id=kiosk_id)
    out = tempfile.TemporaryFile()  # a big district's file is never all in memory
    district_bundles.write(kiosk, out)
    out.seek(0)
    return send_file(out, mimetype="application/x-ndjson", as_attachment=True,
                     download_name=district_bundles.file_name(kiosk), max_age=0)
